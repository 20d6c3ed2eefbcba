/*
 * The wasi:http packaging of a C workload: the guest side of wasi:http/incoming-handler@0.2.10
 * written against the canonical ABI by hand (the core signatures are what
 * `componentEmbed({ dummy: true })` declares for this world; see docs/c-workloads.md).
 *
 * handle(request, response-out): reads method, path, headers and the whole body (bounded like
 * the native server), calls edge_handle(), and answers through response-outparam.set with a
 * body written in chunks of at most 4096 bytes (what blocking-write-and-flush promises to take).
 * Lists the host returns are allocated through cabi_realloc and freed here after use.
 *
 * A drip (edge_response.drip_*, hostile tenants only) writes the body slice by slice, waiting
 * between slices in wasi:clocks/monotonic-clock.subscribe-duration + wasi:io/poll's block.
 *
 * Libc is used only for malloc, memcpy and strtod, none of which imports anything: the core
 * module's only imports are wasi:http, wasi:io and the monotonic clock, so it becomes a component
 * without the preview1 adapter (build.ts checks this).
 */
#include <stdlib.h>
#include <string.h>

#include "edge_handler.h"

#define HTTP "wasi:http/types@0.2.10"
#define STREAMS "wasi:io/streams@0.2.10"
#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

/* Same safety cap as the native server and the Node packaging: a memory guard, not a workload limit. */
#define BODY_CAP_BYTES (1024 * 1024)
#define READ_CHUNK 65536
#define WRITE_CHUNK 4096

IMPORT(HTTP, "[method]incoming-request.method") void req_method(int32_t self, void *ret);
IMPORT(HTTP, "[method]incoming-request.path-with-query") void req_path(int32_t self, void *ret);
IMPORT(HTTP, "[method]incoming-request.headers") int32_t req_headers(int32_t self);
IMPORT(HTTP, "[method]incoming-request.consume") void req_consume(int32_t self, void *ret);
IMPORT(HTTP, "[method]fields.entries") void fields_entries(int32_t self, void *ret);
IMPORT(HTTP, "[static]fields.from-list") void fields_from_list(const void *entries, int32_t len, void *ret);
IMPORT(HTTP, "[constructor]fields") int32_t fields_new(void);
IMPORT(HTTP, "[method]incoming-body.stream") void body_stream(int32_t self, void *ret);
IMPORT(HTTP, "[constructor]outgoing-response") int32_t response_new(int32_t headers);
IMPORT(HTTP, "[method]outgoing-response.set-status-code") int32_t response_set_status(int32_t self, int32_t status);
IMPORT(HTTP, "[method]outgoing-response.body") void response_body(int32_t self, void *ret);
IMPORT(HTTP, "[method]outgoing-body.write") void out_body_write(int32_t self, void *ret);
IMPORT(HTTP, "[static]outgoing-body.finish") void out_body_finish(int32_t self, int32_t has_trailers, int32_t trailers, void *ret);
IMPORT(HTTP, "[static]response-outparam.set")
void outparam_set(int32_t param, int32_t is_err, int32_t a, int32_t b, int64_t c, int32_t d, int32_t e, int32_t f, int32_t g);
IMPORT(HTTP, "[resource-drop]fields") void drop_fields(int32_t h);
IMPORT(HTTP, "[resource-drop]incoming-request") void drop_incoming_request(int32_t h);
IMPORT(HTTP, "[resource-drop]incoming-body") void drop_incoming_body(int32_t h);
IMPORT(STREAMS, "[method]input-stream.blocking-read") void stream_read(int32_t self, int64_t len, void *ret);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush") void stream_write(int32_t self, const void *ptr, int32_t len, void *ret);
IMPORT(STREAMS, "[resource-drop]input-stream") void drop_input_stream(int32_t h);
IMPORT(STREAMS, "[resource-drop]output-stream") void drop_output_stream(int32_t h);
IMPORT("wasi:io/error@0.2.10", "[resource-drop]error") void drop_io_error(int32_t h);
/* A drip's pause (edge_response.drip_*): a clock pollable the host blocks on, no guest loop. */
IMPORT("wasi:clocks/monotonic-clock@0.2.10", "subscribe-duration") int32_t clock_subscribe_duration(int64_t nanoseconds);
IMPORT("wasi:io/poll@0.2.10", "[method]pollable.block") void pollable_block(int32_t self);
IMPORT("wasi:io/poll@0.2.10", "[resource-drop]pollable") void drop_pollable(int32_t h);

/* The canonical ABI's allocator: the host writes returned strings and lists through it. */
__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  (void)align; /* malloc's 16-byte alignment covers every canonical ABI type */
  /* Never a fake pointer for empty lists: everything handed out here can be passed to free(). */
  if (new_size == 0) new_size = 1;
  void *p = realloc(old, new_size);
  if (!p) __builtin_trap();
  return p;
}

/* A return area: results wider than one value come back through memory. */
typedef union {
  uint8_t bytes[16];
  struct {
    uint8_t tag;
    uint8_t pad[3];
    int32_t a;
    int32_t b;
  } v;
} ret_area;

static const char *const METHODS[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

typedef struct {
  char *method_other, *path;
  size_t method_len, path_len;
  const char *method;
  uint8_t *entries; /* list<tuple<string, list<u8>>>: 16 bytes per element */
  size_t entry_count;
  edge_buf body;
  int too_large;
  int broken;
} incoming;

static void read_request(int32_t request, incoming *in) {
  ret_area r;
  req_method(request, &r);
  if (r.v.tag < 9) {
    in->method = METHODS[r.v.tag];
    in->method_len = strlen(in->method);
  } else {
    in->method_other = (char *)(uintptr_t)r.v.a;
    in->method = in->method_other;
    in->method_len = (size_t)r.v.b;
  }
  req_path(request, &r);
  if (r.v.tag == 1) {
    in->path = (char *)(uintptr_t)r.v.a;
    in->path_len = (size_t)r.v.b;
  }
  int32_t headers = req_headers(request);
  fields_entries(headers, &r);
  in->entries = (uint8_t *)(uintptr_t)*(int32_t *)&r.bytes[0];
  in->entry_count = (size_t)*(int32_t *)&r.bytes[4];
  drop_fields(headers);

  req_consume(request, &r);
  if (r.v.tag != 0) {
    in->broken = 1;
    return;
  }
  int32_t body = r.v.a;
  body_stream(body, &r);
  if (r.v.tag != 0) {
    in->broken = 1;
    drop_incoming_body(body);
    return;
  }
  int32_t stream = r.v.a;
  for (;;) {
    stream_read(stream, READ_CHUNK, &r);
    if (r.v.tag != 0) {
      /* stream-error: closed is the end of the body; last-operation-failed carries an error to drop. */
      if (r.bytes[4] == 0) {
        in->broken = 1;
        drop_io_error(r.v.b);
      }
      break;
    }
    void *chunk = (void *)(uintptr_t)r.v.a;
    size_t len = (size_t)r.v.b;
    if (in->body.len + len > BODY_CAP_BYTES) in->too_large = 1;
    else edge_buf_put(&in->body, chunk, len);
    free(chunk);
    if (in->too_large) break;
  }
  drop_input_stream(stream);
  drop_incoming_body(body);
}

/* Waits `ms` in the host: subscribe-duration, then block on the pollable. */
static void pause_ms(uint32_t ms) {
  int32_t p = clock_subscribe_duration((int64_t)ms * 1000000);
  pollable_block(p);
  drop_pollable(p);
}

/* Writes bytes in chunks of at most WRITE_CHUNK; 0 when the stream failed (the peer is gone). */
static int write_all(int32_t stream, const char *body, size_t len) {
  ret_area r;
  for (size_t off = 0; off < len; off += WRITE_CHUNK) {
    size_t n = len - off < WRITE_CHUNK ? len - off : WRITE_CHUNK;
    stream_write(stream, body + off, (int32_t)n, &r);
    if (r.v.tag != 0) {
      if (r.bytes[4] == 0) drop_io_error(r.v.b);
      return 0;
    }
  }
  return 1;
}

/*
 * Sends status, headers and body; answers 500 with x-lab-error when the handler's response is
 * unusable. `drip_chunks` > 1: the body goes in that many slices, `drip_pause_ms` apart.
 */
static void respond(int32_t out, int status, const edge_response_header *headers, size_t count, const char *body, size_t body_len, uint32_t drip_chunks, uint32_t drip_pause_ms) {
  ret_area r;
  struct {
    const char *name;
    int32_t name_len;
    const char *value;
    int32_t value_len;
  } list[EDGE_MAX_RESPONSE_HEADERS + 1];
  for (size_t i = 0; i < count; i++) {
    list[i].name = headers[i].name;
    list[i].name_len = (int32_t)strlen(headers[i].name);
    list[i].value = headers[i].value.data ? headers[i].value.data : "";
    list[i].value_len = (int32_t)headers[i].value.len;
  }
  fields_from_list(list, (int32_t)count, &r);
  int32_t fields;
  if (r.v.tag == 0) {
    fields = r.v.a;
  } else {
    /* A header the host refuses (the handler's bug): a clean 500 instead. */
    static const char ERR[] = "handler-bad-response";
    list[0].name = "x-lab-error", list[0].name_len = 11, list[0].value = ERR, list[0].value_len = (int32_t)sizeof ERR - 1;
    fields_from_list(list, 1, &r);
    fields = r.v.tag == 0 ? r.v.a : fields_new();
    status = 500, body = "handler error\n", body_len = 14, drip_chunks = 0;
  }
  int32_t response = response_new(fields);
  response_set_status(response, status);
  response_body(response, &r);
  int32_t out_body = r.v.a;
  outparam_set(out, 0, response, 0, 0, 0, 0, 0, 0);
  out_body_write(out_body, &r);
  int32_t stream = r.v.a;
  if (drip_chunks > 1) {
    int ok = 1;
    for (uint32_t k = 0; ok && k < drip_chunks; k++) {
      if (k > 0 && drip_pause_ms > 0) pause_ms(drip_pause_ms);
      size_t from = edge_drip_offset(body_len, drip_chunks, k);
      ok = write_all(stream, body + from, edge_drip_offset(body_len, drip_chunks, k + 1) - from);
    }
  } else {
    write_all(stream, body, body_len);
  }
  drop_output_stream(stream);
  out_body_finish(out_body, 0, 0, &r);
}

static void plain(int32_t out, int status, const char *text) {
  edge_response_header h = {"content-type", {(char *)"text/plain; charset=utf-8", 25, 25, 0}};
  respond(out, status, &h, 1, text, strlen(text), 0, 0);
}

__attribute__((export_name("wasi:http/incoming-handler@0.2.10#handle"))) void handle(int32_t request, int32_t out) {
  incoming in;
  memset(&in, 0, sizeof in);
  read_request(request, &in);
  drop_incoming_request(request);

  edge_header *raw = malloc((in.entry_count ? in.entry_count : 1) * sizeof *raw);
  edge_header *joined = malloc((in.entry_count ? in.entry_count : 1) * sizeof *joined);
  edge_buf arena = {0};
  size_t n = (size_t)-1;
  if (raw && joined) {
    for (size_t i = 0; i < in.entry_count; i++) {
      int32_t *e = (int32_t *)(in.entries + 16 * i);
      raw[i].name = (edge_str){(const char *)(uintptr_t)e[0], (size_t)e[1]};
      raw[i].value = (edge_str){(const char *)(uintptr_t)e[2], (size_t)e[3]};
    }
    n = edge_join_headers(raw, in.entry_count, joined, &arena);
  }

  if (in.too_large) {
    plain(out, 413, "request body over the packaging cap of 1048576 bytes\n");
  } else if (in.broken || in.body.failed || n == (size_t)-1) {
    plain(out, 500, "cannot read the request\n");
  } else {
    edge_request req = {{in.method, in.method_len}, {in.path ? in.path : "/", in.path ? in.path_len : 1}, joined, n, (const uint8_t *)(in.body.data ? in.body.data : ""), in.body.len};
    edge_response res;
    edge_response_init(&res);
    edge_handle(&req, &res);
    int failed = res.failed || res.body.failed;
    for (size_t i = 0; i < res.header_count; i++) failed |= res.headers[i].value.failed;
    if (failed || !edge_drip_usable(&res)) plain(out, 500, "handler error\n");
    else respond(out, res.status, res.headers, res.header_count, res.body.data ? res.body.data : "", res.body.len, res.drip_chunks, res.drip_pause_ms);
    edge_response_free(&res);
  }

  for (size_t i = 0; i < in.entry_count; i++) {
    int32_t *e = (int32_t *)(in.entries + 16 * i);
    free((void *)(uintptr_t)e[0]);
    free((void *)(uintptr_t)e[2]);
  }
  free(in.entries);
  free(in.method_other);
  free(in.path);
  edge_buf_free(&in.body);
  edge_buf_free(&arena);
  free(raw);
  free(joined);
}
