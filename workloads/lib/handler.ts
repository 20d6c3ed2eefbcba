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
  /**
   * Only the hostile tenants set it (a slow-drip response, docs/isolation.md): the packaging
   * sends the status and headers at once, then `body` in `chunks` slices with a pause of
   * `pauseMs` before each slice after the first, waiting with its own idle primitive (a timer, a
   * sleep, a clock pollable), never by spinning. It changes when the bytes leave, never which:
   * the headers (content-length included) and body are those of the same response without it.
   */
  drip?: EdgeDrip;
}

/** How a dripped body is paced. */
export interface EdgeDrip {
  /**
   * Slices of the body, an integer from 1 to the body's length (1 for an empty body). Slice `k`
   * (0-based) is bytes `floor(k * L / chunks)` up to `floor((k + 1) * L / chunks)` of the body of
   * length `L`, so every packaging cuts the same slices.
   */
  chunks: number;
  /** Wait between two slices, whole milliseconds, 0 to 3 600 000. */
  pauseMs: number;
}

export type Handler = (req: EdgeRequest) => EdgeResponse;
