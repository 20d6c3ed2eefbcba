/* HTTP/1.1 parsing and answering for the native server: see http_parse.h. */
#include "http_parse.h"

#include <string.h>

/* RFC 9110 tchar. */
static int is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field-value bytes node:http accepts: HTAB, visible ASCII, SP, obs-text. */
static int is_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

static int ieq(edge_str s, const char *lower_text) {
  size_t n = strlen(lower_text);
  if (s.len != n) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
    if (c != (unsigned char)lower_text[i]) return 0;
  }
  return 1;
}

/* Whether the comma-separated `value` lists `token` (case-insensitive). */
static int has_token(edge_str value, const char *token) {
  size_t p = 0;
  while (p < value.len) {
    while (p < value.len && (value.ptr[p] == ' ' || value.ptr[p] == '\t' || value.ptr[p] == ',')) p++;
    size_t start = p;
    while (p < value.len && value.ptr[p] != ',') p++;
    size_t end = p;
    while (end > start && (value.ptr[end - 1] == ' ' || value.ptr[end - 1] == '\t')) end--;
    if (end > start && ieq((edge_str){value.ptr + start, end - start}, token)) return 1;
  }
  return 0;
}

/* Finds the end of the line starting at `p` (index of its CR), or -1 (incomplete), or -2 (bare LF). */
static long line_end(const char *b, size_t len, size_t p) {
  for (size_t i = p; i < len; i++) {
    if (b[i] == '\n') return -2;
    if (b[i] == '\r') {
      if (i + 1 >= len) return -1;
      return b[i + 1] == '\n' ? (long)i : -2;
    }
  }
  return -1;
}

int http_parse_request(const char *b, size_t len, size_t body_cap, http_request *out) {
  memset(out, 0, sizeof *out);
  size_t p = 0;
  /* RFC 9112 2.2: ignore empty lines before the request line. */
  while (p + 1 < len && b[p] == '\r' && b[p + 1] == '\n') p += 2;
  size_t head_start = p;
  size_t limit = len < head_start + HTTP_MAX_HEADER_BYTES ? len : head_start + HTTP_MAX_HEADER_BYTES;

  long e = line_end(b, limit, p);
  if (e == -2) return HTTP_BAD;
  if (e == -1) return len >= head_start + HTTP_MAX_HEADER_BYTES ? HTTP_HEADERS_TOO_LARGE : HTTP_INCOMPLETE;
  /* Request line: method SP target SP HTTP/1.x */
  size_t q = p;
  while (q < (size_t)e && is_tchar((unsigned char)b[q])) q++;
  if (q == p || q >= (size_t)e || b[q] != ' ') return HTTP_BAD;
  out->method = (edge_str){b + p, q - p};
  size_t t = ++q;
  while (q < (size_t)e && (unsigned char)b[q] > 0x20 && b[q] != 0x7f) q++;
  if (q == t || q >= (size_t)e || b[q] != ' ') return HTTP_BAD;
  out->target = (edge_str){b + t, q - t};
  q++;
  if ((size_t)e - q != 8 || memcmp(b + q, "HTTP/1.", 7) != 0) return HTTP_BAD;
  if (b[q + 7] != '0' && b[q + 7] != '1') return HTTP_BAD_VERSION;
  int http11 = b[q + 7] == '1';
  p = (size_t)e + 2;

  long content_length = -1;
  int conn_close = 0, conn_keep = 0;
  for (;;) {
    e = line_end(b, limit, p);
    if (e == -2) return HTTP_BAD;
    if (e == -1) return len >= head_start + HTTP_MAX_HEADER_BYTES ? HTTP_HEADERS_TOO_LARGE : HTTP_INCOMPLETE;
    if ((size_t)e == p) {
      p += 2;
      break;
    }
    /* name ":" OWS value OWS; obs-fold (a line starting with whitespace) is refused. */
    size_t n = p;
    while (n < (size_t)e && is_tchar((unsigned char)b[n])) n++;
    if (n == p || n >= (size_t)e || b[n] != ':') return HTTP_BAD;
    size_t v = n + 1, vend = (size_t)e;
    while (v < vend && (b[v] == ' ' || b[v] == '\t')) v++;
    while (vend > v && (b[vend - 1] == ' ' || b[vend - 1] == '\t')) vend--;
    for (size_t i = v; i < vend; i++) {
      if (!is_value_byte((unsigned char)b[i])) return HTTP_BAD;
    }
    if (out->header_count == HTTP_MAX_HEADERS) return HTTP_HEADERS_TOO_LARGE;
    edge_header *h = &out->headers[out->header_count++];
    h->name = (edge_str){b + p, n - p};
    h->value = (edge_str){b + v, vend - v};
    if (ieq(h->name, "content-length")) {
      if (h->value.len == 0 || h->value.len > 15) return HTTP_BAD;
      long cl = 0;
      for (size_t i = 0; i < h->value.len; i++) {
        if (h->value.ptr[i] < '0' || h->value.ptr[i] > '9') return HTTP_BAD;
        cl = cl * 10 + (h->value.ptr[i] - '0');
      }
      if (content_length >= 0 && content_length != cl) return HTTP_BAD;
      content_length = cl;
    } else if (ieq(h->name, "transfer-encoding")) {
      return HTTP_NOT_IMPLEMENTED;
    } else if (ieq(h->name, "connection")) {
      conn_close |= has_token(h->value, "close");
      conn_keep |= has_token(h->value, "keep-alive");
    }
    p = (size_t)e + 2;
  }
  if (content_length > (long)body_cap) return HTTP_TOO_LARGE;
  size_t body_len = content_length > 0 ? (size_t)content_length : 0;
  if (len - p < body_len) return HTTP_INCOMPLETE;
  out->body = (const uint8_t *)(b + p);
  out->body_len = body_len;
  out->total_len = p + body_len;
  out->keep_alive = http11 ? !conn_close : conn_keep && !conn_close;
  out->head = edge_str_eq(out->method, "HEAD");
  return HTTP_OK;
}

static const char *reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

static void status_line(edge_buf *out, int status) {
  edge_buf_puts(out, "HTTP/1.1 ");
  edge_buf_put_u64(out, (uint64_t)status);
  edge_buf_puts(out, " ");
  edge_buf_puts(out, reason(status));
  edge_buf_puts(out, "\r\n");
}

static void plain(edge_buf *out, int status, const char *extra_header, const char *text, int keep_alive, int head) {
  status_line(out, status);
  edge_buf_puts(out, "content-type: text/plain; charset=utf-8\r\n");
  if (extra_header) edge_buf_puts(out, extra_header);
  edge_buf_puts(out, "content-length: ");
  edge_buf_put_u64(out, strlen(text));
  edge_buf_puts(out, keep_alive ? "\r\nconnection: keep-alive\r\n\r\n" : "\r\nconnection: close\r\n\r\n");
  if (!head) edge_buf_puts(out, text);
}

void http_write_error(edge_buf *out, int code) {
  const char *text = code == HTTP_TOO_LARGE ? "request body over the packaging cap of 1048576 bytes\n"
                     : code == HTTP_HEADERS_TOO_LARGE ? "request header fields too large\n"
                     : code == HTTP_NOT_IMPLEMENTED ? "transfer-encoding is not supported; send content-length\n"
                     : code == HTTP_BAD_VERSION ? "HTTP version not supported\n"
                                                : "bad request\n";
  plain(out, code, NULL, text, 0, 0);
}

/* Headers the packaging owns; a handler's values for them are ignored (as in the Node packaging). */
static int packaging_header(const char *name) {
  return strcmp(name, "content-length") == 0 || strcmp(name, "transfer-encoding") == 0 || strcmp(name, "connection") == 0;
}

static int response_usable(const edge_response *res) {
  if (res->status < 200 || res->status > 599) return 0;
  for (size_t i = 0; i < res->header_count; i++) {
    const char *name = res->headers[i].name;
    if (!*name) return 0;
    for (const char *c = name; *c; c++) {
      if (!is_tchar((unsigned char)*c)) return 0;
    }
    const edge_buf *v = &res->headers[i].value;
    for (size_t k = 0; k < v->len; k++) {
      if (!is_value_byte((unsigned char)v->data[k])) return 0;
    }
  }
  return 1;
}

void http_answer(const http_request *req, edge_buf *out, http_drip *drip) {
  drip->chunks = 0;
  edge_header joined[HTTP_MAX_HEADERS];
  edge_buf arena = {0};
  size_t n = edge_join_headers(req->headers, req->header_count, joined, &arena);
  if (n == (size_t)-1) {
    plain(out, 500, "x-lab-error: handler-threw\r\n", "out of memory\n", req->keep_alive, req->head);
    return;
  }
  edge_request er = {req->method, req->target, joined, n, req->body_len ? req->body : (const uint8_t *)"", req->body_len};
  edge_response res;
  edge_response_init(&res);
  edge_handle(&er, &res);
  int failed = res.failed || res.body.failed;
  for (size_t i = 0; i < res.header_count; i++) failed |= res.headers[i].value.failed;
  if (failed) {
    plain(out, 500, "x-lab-error: handler-threw\r\n", "handler failed\n", req->keep_alive, req->head);
  } else if (!response_usable(&res) || !edge_drip_usable(&res)) {
    plain(out, 500, "x-lab-error: handler-bad-response\r\n", "handler returned an unusable response\n", req->keep_alive, req->head);
  } else {
    status_line(out, res.status);
    for (size_t i = 0; i < res.header_count; i++) {
      if (packaging_header(res.headers[i].name)) continue;
      edge_buf_puts(out, res.headers[i].name);
      edge_buf_puts(out, ": ");
      edge_buf_put(out, res.headers[i].value.data, res.headers[i].value.len);
      edge_buf_puts(out, "\r\n");
    }
    edge_buf_puts(out, "content-length: ");
    edge_buf_put_u64(out, res.body.len);
    edge_buf_puts(out, req->keep_alive ? "\r\nconnection: keep-alive\r\n\r\n" : "\r\nconnection: close\r\n\r\n");
    if (req->head) {
      /* no body, nothing to drip */
    } else if (res.drip_chunks > 1) {
      size_t first = edge_drip_offset(res.body.len, res.drip_chunks, 1);
      edge_buf_put(out, res.body.data, first);
      /* The body moves to the drip: the server sends the other slices itself, paced. */
      drip->chunks = res.drip_chunks;
      drip->pause_ms = res.drip_pause_ms;
      drip->body = res.body;
      memset(&res.body, 0, sizeof res.body);
    } else {
      edge_buf_put(out, res.body.data, res.body.len);
    }
  }
  edge_response_free(&res);
  edge_buf_free(&arena);
}
