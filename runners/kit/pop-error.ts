/** Host-side failures of a tenant request, as the PoP protocol reports them (5xx + x-lab-error). */
import type { ActivationKind } from '../../lab/pop/contract.js';

/** Kinds of host-side failure, the value of the `x-lab-error` header. */
export type PopErrorKind = 'unknown-tenant' | 'crash' | 'timeout' | 'activation' | 'memory' | 'shutting-down' | 'bad-request' | 'internal';

/** A tenant request the host could not serve. The message always starts with `tenant <id>: `. */
export class PopError extends Error {
  constructor(
    readonly status: number,
    readonly kind: PopErrorKind,
    readonly tenant: string,
    detail: string,
    /** What the request had got when it failed, for the response headers. */
    readonly assigned?: { activation: ActivationKind; instance: string; activationId?: string },
  ) {
    super(`tenant ${tenant}: ${detail}`);
    this.name = 'PopError';
  }
}
