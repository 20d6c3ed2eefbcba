/**
 * The misbehaving tenants the conformance suite's crash and hang behaviours use, one per kind
 * of artifact: a JS handler module that exits or spins (misbehave-handler.ts; the process
 * runner serves it as a brought handler, the container runner as a brought image of it), and a
 * wasi:http component that traps or loops (misbehaving-guest.js; both Wasm runners). Built on
 * first use and cached by content like every artifact.
 */
import { fileURLToPath } from 'node:url';
import type { MisbehavingTenant } from '../../lab/pop/conformance.js';
import { misbehavingComponent } from '../kit/wasm-testkit.js';

/** The compiled misbehaving handler module. */
export const misbehaveHandlerPath = fileURLToPath(new URL('./misbehave-handler.js', import.meta.url));

/** The workload name misbehaving tenants run under. */
const WORKLOAD = 'misbehave';

/** The handler module, brought to the process runner (`handlers` option). */
export function misbehavingHandler(): MisbehavingTenant {
  return { workload: WORKLOAD, options: { handlers: { [WORKLOAD]: misbehaveHandlerPath } }, crashPath: '/crash', hangPath: '/hang', okPath: '/' };
}

/** The component, for a Wasm runner (`components` option). */
export async function misbehavingGuest(): Promise<MisbehavingTenant> {
  return { workload: WORKLOAD, options: { components: { [WORKLOAD]: await misbehavingComponent() } }, crashPath: '/trap', hangPath: '/loop', okPath: '/ok' };
}
