/**
 * What a workload is, as data: its manifest, fixtures and resolved locations. Kept apart from
 * the registry (registry.ts), which reads and validates them, so the language files the
 * registry consults can speak of workloads without importing it.
 */

/** `workloads/<name>/workload.json`: what a workload is and how it is driven. */
export interface WorkloadManifest {
  /** Equal to the folder name. */
  name: string;
  description: string;
  /** Source language of the handler, an id of the language registry (workloads/languages/). */
  language: WorkloadLanguage;
  /**
   * Ports only (a language whose workloads port a JS one, such as C): the JS workload this one
   * ports. Its fixtures are this workload's fixtures and its handler is the reference every
   * packaging of this one must match byte for byte.
   */
  fixturesFrom?: string;
  /** Largest request body the handler accepts; larger bodies get 413 from the handler itself. */
  bodyLimitBytes: number;
  /** Epoch seconds the handler uses as "now" when the request has no `x-lab-now` header. */
  fixedNow?: number;
  /** Fixture names sent as steady load, in order (the traffic plan indexes into this list). */
  traffic: string[];
  /**
   * Misbehaves on request (workloads/hostile): spins, allocates, exits, forks. Fuzzers and
   * benches that load every workload leave it out, since a mutated request may ask for that.
   */
  hostile?: boolean;
}

/** Id of the language a workload handler is written in (`js`, `c`): a key of the language registry (workloads/languages/). */
export type WorkloadLanguage = string;

/** A request as a fixture describes it. Exactly one of the body fields, or none for no body. */
export interface FixtureRequest {
  method: string;
  /** Path with query, as the handler sees it. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Body as UTF-8 text. */
  body?: string;
  /** Body as standard base64, for bytes that are not UTF-8. */
  bodyBase64?: string;
  /** Body as `text` repeated `times` times: keeps oversize-body fixtures small on disk. */
  bodyRepeat?: { text: string; times: number };
}

/** What a fixture's response must be. Absent fields are not checked. */
export interface FixtureExpect {
  status: number;
  /** A subset of the response headers, lower-case names, exact values. */
  headers?: Record<string, string>;
  body?: string;
  bodyBase64?: string;
}

/** One request with its expected response: the unit of the identity check and of load traffic. */
export interface Fixture {
  name: string;
  request: FixtureRequest;
  expect: FixtureExpect;
}

/** Everything about one workload, resolved. */
export interface Workload {
  name: string;
  /** Source folder, `workloads/<name>`. */
  dir: string;
  manifest: WorkloadManifest;
  fixtures: Fixture[];
  /** The fixtures named in `manifest.traffic`, in that order. */
  trafficFixtures: Fixture[];
  /** The handler's source: the language's source file (handler.ts, handler.c). */
  sourcePath: string;
  /**
   * The compiled handler module, `<distDir>/workloads/<name>/handler.js` (may not be built yet).
   * JS workloads only: other languages build their artifacts through their language file
   * (workloads/languages/), which is the only place that reads this.
   */
  handlerPath: string;
  /** The JS workload whose handler defines this one's semantics: itself, or `fixturesFrom` for C. */
  reference: string;
  /** `sha256:<hex>` of the handler source bytes: identical across every packaging of the workload. */
  sourceDigest: string;
}
