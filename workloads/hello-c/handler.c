/*
 * hello-c: the C port of workloads/hello (same fixtures, same bytes). The baseline: latency and
 * memory are the packaging's own cost.
 */
#include "edge_handler.h"

/* Largest request body accepted (bytes): none. Mirrors workload.json. */
#define BODY_LIMIT_BYTES 0

static void text(edge_response *res, int status, const char *body) {
  res->status = status;
  edge_set_header(res, "content-type", "text/plain; charset=utf-8");
  edge_buf_puts(&res->body, body);
}

void edge_handle(const edge_request *req, edge_response *res) {
  if (!edge_str_eq(req->method, "GET")) {
    text(res, 405, "method not allowed\n");
    edge_set_header(res, "allow", "GET");
    return;
  }
  if (req->body_len > BODY_LIMIT_BYTES) {
    text(res, 413, "body too large\n");
    return;
  }
  text(res, 200, "hello from edge-pop-lab\n");
}
