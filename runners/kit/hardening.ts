/**
 * What confines a tenant's container, wherever it runs: on the local Docker engine (the container
 * runner's `hardened` sandbox) and in a Kubernetes pod (the manifests of `lab export kubernetes`
 * and the kubernetes runner). One table, so a cluster's Deployment carries exactly the local
 * runner's hardening and the comparison stays between substrates, not between settings.
 */

/** The unprivileged user hardened containers run as: nobody:nogroup, by number (a FROM scratch image has no /etc/passwd). */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** The confinement every hardened container gets, by mechanism. */
export const HARDENING = {
  /** Every Linux capability dropped. */
  dropCapabilities: ['ALL'],
  /** no-new-privileges: setuid binaries and file capabilities grant nothing. */
  noNewPrivileges: true,
  readOnlyRootFilesystem: true,
  /** The engine's default seccomp profile (Docker's; in Kubernetes `RuntimeDefault`), never unconfined. */
  seccomp: 'runtime-default',
} as const;
