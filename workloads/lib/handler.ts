/**
 * The lab's portable handler interface. Every workload exports `handle` with this signature
 * from ONE source file; packagings (node:http server, Wasm component, container) only adapt
 * HTTP to it. A handler is synchronous, uses no Node or Web platform API beyond
 * TextEncoder/TextDecoder, and imports nothing at run time, so the same file runs in Node, in
 * StarlingMonkey (componentize-js) and anywhere else JavaScript runs.
 */

/** A request as the handler sees it. Header names are lower-case. */
export interface EdgeRequest {
  method: string;
  /** Path with query string, e.g. `/api/items?id=3`. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A response. Header names are lower-case; `content-length` is set by the packaging. */
export interface EdgeResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export type Handler = (req: EdgeRequest) => EdgeResponse;
