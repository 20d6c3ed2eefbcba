/*
 * Runtime helpers of the C handler interface (edge_handler.h): byte buffers, responses, header
 * lookup, JSON string printing and the packagings' header joining. Written once, linked into
 * every packaging of every C workload.
 */
#include "edge_handler.h"

#include <stdlib.h>
#include <string.h>

static int buf_reserve(edge_buf *b, size_t extra) {
  if (b->failed) return 0;
  if (extra > SIZE_MAX / 2 - b->len) {
    b->failed = 1;
    return 0;
  }
  size_t need = b->len + extra;
  if (need <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) {
    b->failed = 1;
    return 0;
  }
  b->data = p;
  b->cap = cap;
  return 1;
}

void edge_buf_put(edge_buf *b, const void *data, size_t len) {
  if (len == 0 || !buf_reserve(b, len)) return;
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

void edge_buf_puts(edge_buf *b, const char *text) { edge_buf_put(b, text, strlen(text)); }

void edge_buf_put_u64(edge_buf *b, uint64_t v) {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  edge_buf_put(b, tmp + sizeof tmp - n, n);
}

void edge_buf_put_i64(edge_buf *b, int64_t v) {
  if (v < 0) {
    edge_buf_put(b, "-", 1);
    /* Negate in unsigned arithmetic: INT64_MIN has no positive int64 twin. */
    edge_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
  } else {
    edge_buf_put_u64(b, (uint64_t)v);
  }
}

static const char HEX[] = "0123456789abcdef";

void edge_buf_put_json_string(edge_buf *b, const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  edge_buf_put(b, "\"", 1);
  size_t run = 0; /* start of the pending run of bytes copied verbatim */
  for (size_t i = 0; i < len; i++) {
    unsigned c = u[i];
    char esc[6];
    size_t esc_len = 0;
    size_t consumed = 1;
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      esc_len = 2;
    } else if (c < 0x20) {
      const char *short_form = c == '\b' ? "\\b" : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
      if (short_form) {
        memcpy(esc, short_form, 2);
        esc_len = 2;
      } else {
        memcpy(esc, "\\u00", 4);
        esc[4] = HEX[c >> 4];
        esc[5] = HEX[c & 15];
        esc_len = 6;
      }
    } else if (c == 0xED && i + 2 < len && u[i + 1] >= 0xA0) {
      /* WTF-8 lone surrogate (pairs were combined when parsed): JSON.stringify escapes it. */
      unsigned cu = 0xD000u | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
      memcpy(esc, "\\u", 2);
      esc[2] = HEX[(cu >> 12) & 15];
      esc[3] = HEX[(cu >> 8) & 15];
      esc[4] = HEX[(cu >> 4) & 15];
      esc[5] = HEX[cu & 15];
      esc_len = 6;
      consumed = 3;
    }
    if (esc_len == 0) continue;
    edge_buf_put(b, s + run, i - run);
    edge_buf_put(b, esc, esc_len);
    i += consumed - 1;
    run = i + 1;
  }
  edge_buf_put(b, s + run, len - run);
  edge_buf_put(b, "\"", 1);
}

void edge_buf_free(edge_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

void edge_response_init(edge_response *res) {
  memset(res, 0, sizeof *res);
  res->status = 500;
}

void edge_response_free(edge_response *res) {
  for (size_t i = 0; i < res->header_count; i++) edge_buf_free(&res->headers[i].value);
  edge_buf_free(&res->body);
  res->header_count = 0;
}

int edge_drip_usable(const edge_response *res) {
  if (res->drip_chunks == 0) return 1;
  size_t most = res->body.len > 0 ? res->body.len : 1;
  return (size_t)res->drip_chunks <= most && res->drip_pause_ms <= 3600000u;
}

size_t edge_drip_offset(size_t len, uint32_t chunks, uint32_t k) {
  /* floor(len * k / chunks) without overflow: the product of two 32-bit values fits 64 bits;
   * a larger body (native only) is split as len = q * chunks + r. */
  uint64_t l = (uint64_t)len;
  if (chunks == 0) return 0;
  if (l <= UINT32_MAX) return (size_t)((l * k) / chunks);
  return (size_t)((l / chunks) * k + ((l % chunks) * k) / chunks);
}

edge_buf *edge_add_header(edge_response *res, const char *name) {
  if (res->header_count >= EDGE_MAX_RESPONSE_HEADERS) {
    res->failed = 1;
    return NULL;
  }
  edge_response_header *h = &res->headers[res->header_count++];
  h->name = name;
  memset(&h->value, 0, sizeof h->value);
  return &h->value;
}

void edge_set_header(edge_response *res, const char *name, const char *value) {
  edge_buf *b = edge_add_header(res, name);
  if (b) edge_buf_puts(b, value);
}

int edge_str_eq(edge_str s, const char *text) {
  size_t n = strlen(text);
  return s.len == n && (n == 0 || memcmp(s.ptr, text, n) == 0);
}

const edge_str *edge_find_header(const edge_request *req, const char *name) {
  for (size_t i = 0; i < req->header_count; i++) {
    if (edge_str_eq(req->headers[i].name, name)) return &req->headers[i].value;
  }
  return NULL;
}

static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static int same_name(edge_str a, edge_str b) {
  if (a.len != b.len) return 0;
  for (size_t i = 0; i < a.len; i++) {
    if (lower((unsigned char)a.ptr[i]) != lower((unsigned char)b.ptr[i])) return 0;
  }
  return 1;
}

size_t edge_join_headers(const edge_header *raw, size_t count, edge_header *out, edge_buf *arena) {
  /* Exact size first, so the arena is allocated once and pointers into it stay valid. */
  size_t total = 0;
  for (size_t i = 0; i < count; i++) {
    size_t add = raw[i].name.len + raw[i].value.len + 2;
    if (add < raw[i].name.len || total > SIZE_MAX - add) return (size_t)-1;
    total += add;
  }
  if (!buf_reserve(arena, total)) return (size_t)-1;
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    int seen = 0;
    for (size_t j = 0; j < i && !seen; j++) seen = same_name(raw[i].name, raw[j].name);
    if (seen) continue;
    char *name = arena->data + arena->len;
    for (size_t k = 0; k < raw[i].name.len; k++) name[k] = (char)lower((unsigned char)raw[i].name.ptr[k]);
    arena->len += raw[i].name.len;
    edge_str lname = {name, raw[i].name.len};
    int cookie = edge_str_eq(lname, "cookie");
    char *value = arena->data + arena->len;
    size_t vlen = 0;
    for (size_t k = i; k < count; k++) {
      if (k != i && !same_name(raw[i].name, raw[k].name)) continue;
      if (k != i) {
        value[vlen++] = cookie ? ';' : ',';
        value[vlen++] = ' ';
      }
      if (raw[k].value.len) memcpy(value + vlen, raw[k].value.ptr, raw[k].value.len);
      vlen += raw[k].value.len;
    }
    arena->len += vlen;
    out[n].name = lname;
    out[n].value = (edge_str){value, vlen};
    n++;
  }
  return n;
}

int edge_lab_now(const edge_request *req, int64_t fixed_now, int64_t *now) {
  const edge_str *h = edge_find_header(req, "x-lab-now");
  if (!h) {
    *now = fixed_now;
    return 0;
  }
  if (h->len < 1 || h->len > 12) return -1;
  int64_t v = 0;
  for (size_t i = 0; i < h->len; i++) {
    char c = h->ptr[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  *now = v;
  return 0;
}
