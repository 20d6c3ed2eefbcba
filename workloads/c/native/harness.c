/*
 * The direct-call packaging of a C workload, for tests: requests in, responses out, over
 * stdin/stdout in a length-prefixed binary framing, no HTTP. The identity test uses it as the C
 * reference and the fuzz test sends thousands of generated requests through one process.
 *
 * Framing (every integer a little-endian u32):
 *   request:  method, path, header count, {name, value}*, body   (each string: length + bytes)
 *   response: status, failed, header count, {name, value}*, body
 * A clean EOF before a request ends the process with 0; a torn frame exits 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_handler.h"

/* Bounds each field so a broken frame cannot allocate without limit. */
#define MAX_FIELD (16u * 1024 * 1024)
#define MAX_HEADERS 1024u

static int read_u32(uint32_t *v, int eof_ok) {
  unsigned char b[4];
  size_t n = fread(b, 1, 4, stdin);
  if (n == 0 && eof_ok && feof(stdin)) return 1;
  if (n != 4) return -1;
  *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return 0;
}

/* Reads a length-prefixed field into a fresh allocation (never NULL, even when empty). */
static char *read_field(size_t *len) {
  uint32_t n;
  if (read_u32(&n, 0) != 0 || n > MAX_FIELD) return NULL;
  char *p = malloc(n ? n : 1);
  if (!p) return NULL;
  if (n && fread(p, 1, n, stdin) != n) {
    free(p);
    return NULL;
  }
  *len = n;
  return p;
}

static void write_u32(uint32_t v) {
  unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
  fwrite(b, 1, 4, stdout);
}

static void write_field(const void *p, size_t n) {
  write_u32((uint32_t)n);
  if (n) fwrite(p, 1, n, stdout);
}

static void fail(const char *why) {
  fprintf(stderr, "edge-harness: %s\n", why);
  exit(2);
}

int main(void) {
  for (;;) {
    uint32_t method_len;
    int r = read_u32(&method_len, 1);
    if (r == 1) return 0;
    if (r != 0 || method_len > MAX_FIELD) fail("torn request frame");
    char *method = malloc(method_len ? method_len : 1);
    if (!method || (method_len && fread(method, 1, method_len, stdin) != method_len)) fail("torn method");
    size_t path_len = 0, body_len = 0;
    char *path = read_field(&path_len);
    uint32_t count;
    if (!path || read_u32(&count, 0) != 0 || count > MAX_HEADERS) fail("torn path or header count");
    edge_header *raw = calloc(count ? count : 1, sizeof *raw);
    edge_header *joined = calloc(count ? count : 1, sizeof *joined);
    if (!raw || !joined) fail("out of memory");
    for (uint32_t i = 0; i < count; i++) {
      char *name = read_field(&raw[i].name.len);
      char *value = read_field(&raw[i].value.len);
      if (!name || !value) fail("torn header");
      raw[i].name.ptr = name;
      raw[i].value.ptr = value;
    }
    char *body = read_field(&body_len);
    if (!body) fail("torn body");

    edge_buf arena = {0};
    size_t n = edge_join_headers(raw, count, joined, &arena);
    if (n == (size_t)-1) fail("out of memory joining headers");
    edge_request req = {{method, method_len}, {path, path_len}, joined, n, (const uint8_t *)body, body_len};
    edge_response res;
    edge_response_init(&res);
    edge_handle(&req, &res);

    int failed = res.failed || res.body.failed;
    for (size_t i = 0; i < res.header_count; i++) failed |= res.headers[i].value.failed;
    write_u32((uint32_t)res.status);
    write_u32((uint32_t)failed);
    write_u32((uint32_t)res.header_count);
    for (size_t i = 0; i < res.header_count; i++) {
      write_field(res.headers[i].name, strlen(res.headers[i].name));
      write_field(res.headers[i].value.data, res.headers[i].value.len);
    }
    write_field(res.body.data, res.body.len);
    fflush(stdout);

    edge_response_free(&res);
    edge_buf_free(&arena);
    for (uint32_t i = 0; i < count; i++) {
      free((void *)raw[i].name.ptr);
      free((void *)raw[i].value.ptr);
    }
    free(raw);
    free(joined);
    free(method);
    free(path);
    free(body);
  }
}
