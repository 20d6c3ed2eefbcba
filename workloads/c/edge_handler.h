/*
 * The lab's handler interface for C workloads: the C twin of workloads/lib/handler.ts.
 *
 * A workload is one file, workloads/<name>-c/handler.c, defining edge_handle(). Packagings
 * (the static native server, the wasi:http component, the test harness) only adapt their
 * transport to these structs, so the same handler bytes run everywhere:
 *
 * - the request is read-only and owned by the packaging; header names are lower-case and each
 *   name appears once (repeats joined by the packaging: ", ", or "; " for cookie), values are
 *   raw bytes (what node:http shows as latin1 text);
 * - the handler fills a response the packaging initialised with edge_response_init() and frees
 *   with edge_response_free(); allocation failure is recorded in the response (`failed`) and the
 *   packaging answers 500 instead of sending a truncated body;
 * - no I/O, no clock, no randomness: time comes from the x-lab-now header or a fixed constant.
 */
#ifndef EDGE_HANDLER_H
#define EDGE_HANDLER_H

#include <stddef.h>
#include <stdint.h>

/* A byte string that is not NUL-terminated. */
typedef struct {
  const char *ptr;
  size_t len;
} edge_str;

/* One request header: lower-case name, raw value bytes. */
typedef struct {
  edge_str name;
  edge_str value;
} edge_header;

/* A request as the handler sees it. */
typedef struct {
  edge_str method;
  /* Path with query string. */
  edge_str path;
  const edge_header *headers;
  size_t header_count;
  const uint8_t *body;
  size_t body_len;
} edge_request;

/* A growable byte buffer; `failed` sticks once an allocation fails, further writes are dropped. */
typedef struct {
  char *data;
  size_t len;
  size_t cap;
  int failed;
} edge_buf;

/* Most headers a handler sets (ab-flag sets the most: 8). */
#define EDGE_MAX_RESPONSE_HEADERS 12

/* One response header: a static lower-case name and an owned value. */
typedef struct {
  const char *name;
  edge_buf value;
} edge_response_header;

/* A response. `content-length` is the packaging's business. */
typedef struct {
  int status;
  size_t header_count;
  edge_response_header headers[EDGE_MAX_RESPONSE_HEADERS];
  edge_buf body;
  /* Set when a header did not fit or any allocation failed: the packaging answers 500. */
  int failed;
  /*
   * Only hostile tenants set these (a slow drip: EdgeResponse.drip in workloads/lib/handler.ts).
   * 0 chunks: the body goes at once. Otherwise the packaging sends the head at once, then the body
   * in `drip_chunks` slices (1 to the body's length; slice k is bytes k*L/chunks up to
   * (k+1)*L/chunks, rounded down) with `drip_pause_ms` (at most 3600000) before each slice after
   * the first, sleeping meanwhile, never spinning. Headers and body bytes are those of the same
   * response without a drip.
   */
  uint32_t drip_chunks;
  uint32_t drip_pause_ms;
} edge_response;

/* The workload: implemented once per workload in its handler.c. */
void edge_handle(const edge_request *req, edge_response *res);

/* ---- runtime helpers (edge_runtime.c), shared by every handler and packaging ---- */

void edge_buf_put(edge_buf *b, const void *data, size_t len);
void edge_buf_puts(edge_buf *b, const char *text);
void edge_buf_put_u64(edge_buf *b, uint64_t v);
void edge_buf_put_i64(edge_buf *b, int64_t v);
/* Appends `s` as JSON.stringify would print it; `s` is WTF-8 (lone surrogates as 3-byte forms). */
void edge_buf_put_json_string(edge_buf *b, const char *s, size_t len);
void edge_buf_free(edge_buf *b);

void edge_response_init(edge_response *res);
void edge_response_free(edge_response *res);
/* Adds a header and returns its value buffer to write into (NULL, and `failed` set, when full). */
edge_buf *edge_add_header(edge_response *res, const char *name);
/* Adds a header with a NUL-terminated value. */
void edge_set_header(edge_response *res, const char *name, const char *value);

/* Whether a response's drip fields follow the rules above (no drip at all counts as usable). */
int edge_drip_usable(const edge_response *res);
/* Where slice `k` of a dripped body of `len` bytes starts (k = chunks: where the last one ends). */
size_t edge_drip_offset(size_t len, uint32_t chunks, uint32_t k);

/* The value of header `name` (lower-case), or NULL when absent. */
const edge_str *edge_find_header(const edge_request *req, const char *name);
/*
 * The lab clock: the x-lab-now header (1-12 ASCII digits, epoch seconds) or `fixed_now` without
 * it. Returns 0 with *now set, or -1 for a present but malformed header (the handler's 400).
 */
int edge_lab_now(const edge_request *req, int64_t fixed_now, int64_t *now);
/* Whether `s` equals the NUL-terminated `text`. */
int edge_str_eq(edge_str s, const char *text);

/*
 * For packagings: turns raw header lines (any case, repeats) into the handler's view (lower-case
 * names, one entry per name, repeats joined with ", " or "; " for cookie), in first-seen order.
 * `out` must hold `count` entries; `arena` receives the joined bytes and must outlive `out`.
 * Returns the number of entries, or (size_t)-1 when memory runs out.
 */
size_t edge_join_headers(const edge_header *raw, size_t count, edge_header *out, edge_buf *arena);

#endif
