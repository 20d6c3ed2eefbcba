/*
 * HTTP/1.1 request parsing and response writing for the native server: bounds-checked on every
 * byte, so malformed input gets an HTTP error, never undefined behaviour.
 */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H

#include "edge_handler.h"

/* Parse outcomes: OK, need more bytes, or the status to refuse the request with. */
enum { HTTP_OK = 0, HTTP_INCOMPLETE = 1, HTTP_BAD = 400, HTTP_TOO_LARGE = 413, HTTP_HEADERS_TOO_LARGE = 431, HTTP_NOT_IMPLEMENTED = 501, HTTP_BAD_VERSION = 505 };

/* node:http's defaults: at most 16 KiB of header section, and a sane number of lines. */
#define HTTP_MAX_HEADER_BYTES 16384
#define HTTP_MAX_HEADERS 100

typedef struct {
  edge_str method, target;
  edge_header headers[HTTP_MAX_HEADERS];
  size_t header_count;
  const uint8_t *body;
  size_t body_len;
  int keep_alive;
  int head;
  /* Bytes of the buffer this request occupies (leading empty lines, head and body). */
  size_t total_len;
} http_request;

/* Parses one request from the start of `buf`. Pointers in `out` point into `buf`. */
int http_parse_request(const char *buf, size_t len, size_t body_cap, http_request *out);

/* Appends a complete error response (connection: close) for a parse outcome. */
void http_write_error(edge_buf *out, int code);

/* The rest of a dripped response (edge_response.drip_*), for the server to send paced. */
typedef struct {
  uint32_t chunks; /* 0: nothing left to drip */
  uint32_t pause_ms;
  edge_buf body; /* the whole body; slice 0 is already in `out` */
} http_drip;

/*
 * Runs the handler on `req` and appends the complete response; for a drip, appends the head and
 * the first slice only and hands the body to `drip` (whose buffer the caller frees).
 */
void http_answer(const http_request *req, edge_buf *out, http_drip *drip);

#endif
