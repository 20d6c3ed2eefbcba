/**
 * Where a tenant container answers HTTP: a unix socket in a per-instance directory the host
 * bind-mounts into it (the default: the container has no network at all), or 127.0.0.1:<port>
 * on the host network (the explicit `network: host` mode).
 */

/** The address the PoP host sends a container's requests to. */
export type InstanceEndpoint = { socketPath: string } | { port: number };

/** The `node:http` request options that reach `e`. */
export function requestTarget(e: InstanceEndpoint): { socketPath: string } | { host: string; port: number } {
  return 'socketPath' in e ? { socketPath: e.socketPath } : { host: '127.0.0.1', port: e.port };
}

/** `e` in messages. */
export function describeEndpoint(e: InstanceEndpoint): string {
  return 'socketPath' in e ? `unix:${e.socketPath}` : `127.0.0.1:${e.port}`;
}
