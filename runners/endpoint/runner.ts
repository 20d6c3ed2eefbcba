/**
 * The `endpoint` runner: any HTTP server already running on this machine (a `wasmtime serve`,
 * a `spin up`, a port-forwarded ingress of a cluster) as the system under test. The lab starts
 * nothing: it sends each workload's requests to its base URL as they are (no PoP tenant route)
 * and measures client-side only; the result names what such an endpoint cannot give
 * (activations and their phases, memory per instance, pool counters).
 *
 * Options: `url` (one base URL serving every workload), or `urls: { <workload>: <base URL> }`.
 * Loopback addresses only: benchmark traffic never leaves the machine.
 */
import { sha256 } from '../../lab/digest.js';
import { RuntimeFailure } from '../../lab/errors.js';
import type { LaunchPlan, PopHandle, PreparedRuntime, Runner } from '../../lab/pop/contract.js';
import { loopbackUrl, plainHandle } from '../kit/endpoint.js';
import { parsed } from '../kit/options.js';

/** The endpoint runner's options: one base URL per workload (`*`: every workload). */
export interface EndpointOptions {
  urls: Record<string, string>;
}

function parseEndpointOptions(raw: Record<string, unknown>) {
  const problems: string[] = [];
  const urls: Record<string, string> = {};
  const take = (value: unknown, field: string, key: string): void => {
    try {
      urls[key] = loopbackUrl(value, field);
    } catch (e) {
      problems.push((e as Error).message);
    }
  };
  for (const k of Object.keys(raw)) if (k !== 'url' && k !== 'urls') problems.push(`options.${k}: unknown option of runner "endpoint" (known: url, urls)`);
  if (raw.url !== undefined) take(raw.url, 'options.url', '*');
  if (raw.urls !== undefined) {
    if (typeof raw.urls !== 'object' || raw.urls === null || Array.isArray(raw.urls)) problems.push('options.urls: must map workload names to base URLs');
    else for (const [w, u] of Object.entries(raw.urls)) take(u, `options.urls.${w}`, w);
  }
  if (raw.url === undefined && raw.urls === undefined) problems.push('options.url: give the endpoint\'s base URL (url), or one per workload (urls)');
  return parsed(problems, (): EndpointOptions => ({ urls }));
}

/** The base URL of each workload. */
function urlsFor(workloads: string[], o: EndpointOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of new Set(workloads)) {
    const u = o.urls[w] ?? o.urls['*'];
    if (u === undefined) throw new RuntimeFailure(`endpoint runner: no URL for workload ${w} (options.urls has ${Object.keys(o.urls).join(', ')})`);
    out[w] = u;
  }
  return out;
}

/** Whether `url` answers HTTP at all (any status). */
async function reachable(url: string): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
  } catch (e) {
    throw new RuntimeFailure(`endpoint runner: ${url} does not answer (${(e as Error).cause ? String((e as Error & { cause: unknown }).cause) : (e as Error).message}); start the server first`);
  }
}

/** The registered `endpoint` runner. */
export const endpointRunner: Runner<EndpointOptions> = {
  name: 'endpoint',

  parseOptions: parseEndpointOptions,

  conformance: {
    cannot: {
      identity: 'it serves whatever server its options point at; there is no server of every workload to point the suite at (the reference hosts that launch one are checked instead)',
      'cold-then-warm': 'an endpoint speaking no PoP protocol reports no activations',
      'forced-cold': 'an endpoint speaking no PoP protocol cannot be asked for a fresh instance',
      'evict-on-command': 'an endpoint speaking no PoP protocol has no eviction command',
      'keep-alive-expiry': 'an endpoint speaking no PoP protocol keeps its own instances, unseen',
      'instance-cap-queueing': 'an endpoint speaking no PoP protocol takes no instance cap',
      'memory-budget-lru': 'an endpoint speaking no PoP protocol takes no memory budget and reports no memory',
      'crash-answered': 'it cannot make the server it points at crash',
      'hang-answered': 'it cannot make the server it points at hang',
      'stop-leaves-nothing': 'it starts nothing, and the server it points at is not its to stop',
      'escape-probes': 'there is no server of the hostile workloads to point it at',
    },
  },

  async prepare(workloads: string[], o: EndpointOptions): Promise<PreparedRuntime> {
    const urls = urlsFor(workloads, o);
    for (const u of new Set(Object.values(urls))) await reachable(u);
    return {
      // The lab built nothing: the URL stands for the artifact.
      artifacts: Object.entries(urls).map(([w, u]) => ({ workload: w, packaging: 'endpoint', digest: sha256(u), sourceDigest: 'unknown (an endpoint the lab did not build)', sizeBytes: 0, path: u })),
      versions: Object.fromEntries(Object.entries(urls).map(([w, u]) => [`endpoint.${w}`, u])),
    };
  },

  async launch(plan: LaunchPlan<EndpointOptions>): Promise<PopHandle> {
    return plainHandle(urlsFor(plan.tenants.map((t) => t.workload), plan.options), 'the endpoint', async () => {});
  },
};
