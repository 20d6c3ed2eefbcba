/*
 * jwt-verify-c: the C port of workloads/jwt-verify. Verifies an HS256 JWT from
 * `authorization: Bearer <jwt>` against the public lab key and answers 200 {"sub","scope"} or
 * 401 {"error"}; the order of checks and every message are those of the JS handler (see
 * workloads/README.md), so both give the same bytes for every request.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edge_crypto.h"
#include "edge_handler.h"
#include "edge_json.h"

/* The HMAC key: a public lab key that protects nothing (same text as LAB_KEY_TEXT in handler.ts). */
static const char LAB_KEY[] = "edge-pop-lab HS256 lab key - public, for measurements only";
/* "now" without x-lab-now: 2026-01-01T00:00:00Z. Mirrors workload.json fixedNow. */
#define FIXED_NOW 1767225600
#define BODY_LIMIT_BYTES 8192
#define MAX_AUTHORIZATION_LENGTH 8192

static void json_headers(edge_response *res, int status) {
  res->status = status;
  edge_set_header(res, "content-type", "application/json");
  edge_set_header(res, "cache-control", "no-store");
}

static void refuse(edge_response *res, const char *reason) {
  json_headers(res, 401);
  /* RFC 6750 section 3: a 401 names the scheme; the detail stays in the body. */
  edge_set_header(res, "www-authenticate", "Bearer realm=\"edge-pop-lab\"");
  edge_buf_puts(&res->body, "{\"error\":");
  edge_buf_put_json_string(&res->body, reason, strlen(reason));
  edge_buf_puts(&res->body, "}");
}

/* /^bearer +([^ ]+) *$/i: finds the token, or returns 0. */
static int bearer_token(edge_str auth, edge_str *token) {
  static const char SCHEME[] = "bearer";
  size_t p = 0;
  if (auth.len < 6) return 0;
  for (; p < 6; p++) {
    char c = auth.ptr[p];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (c != SCHEME[p]) return 0;
  }
  size_t spaces = p;
  while (p < auth.len && auth.ptr[p] == ' ') p++;
  if (p == spaces) return 0;
  size_t start = p;
  while (p < auth.len && auth.ptr[p] != ' ') p++;
  if (p == start) return 0;
  *token = (edge_str){auth.ptr + start, p - start};
  while (p < auth.len && auth.ptr[p] == ' ') p++;
  return p == auth.len;
}

/* A decoded JSON object, or -1 (bad UTF-8, bad JSON, not an object). */
static int decode_object(json_doc *doc, const uint8_t *bytes, size_t len) {
  if (json_parse(doc, bytes, len) != 0) return -1;
  return doc->nodes[0].type == JV_OBJECT ? 0 : -1;
}

static int is_finite_number(const json_doc *d, long n) { return n >= 0 && d->nodes[n].type == JV_NUMBER && isfinite(d->nodes[n].u.num); }

/* 1-256 printable ASCII characters (the subject goes into a response header). */
static int header_safe(const char *s, size_t len) {
  if (len < 1 || len > 256) return 0;
  for (size_t i = 0; i < len; i++) {
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return 0;
  }
  return 1;
}

typedef struct {
  uint8_t *header, *payload, *signature;
  json_doc hdoc, pdoc;
} scratch;

/* Verifies; on success writes the 200 response and returns NULL, else returns the refusal. */
static const char *verify(const edge_str *auth, int64_t now, scratch *s, edge_response *res) {
  if (!auth || auth->len == 0) return "missing token";
  if (auth->len > MAX_AUTHORIZATION_LENGTH) return "malformed token";
  edge_str token;
  if (!bearer_token(*auth, &token)) return "malformed token";
  const char *dot1 = memchr(token.ptr, '.', token.len);
  if (!dot1) return "malformed token";
  size_t rest = token.len - (size_t)(dot1 + 1 - token.ptr);
  const char *dot2 = memchr(dot1 + 1, '.', rest);
  if (!dot2 || memchr(dot2 + 1, '.', token.len - (size_t)(dot2 + 1 - token.ptr))) return "malformed token";
  edge_str parts[3] = {{token.ptr, (size_t)(dot1 - token.ptr)}, {dot1 + 1, (size_t)(dot2 - dot1 - 1)}, {dot2 + 1, token.len - (size_t)(dot2 + 1 - token.ptr)}};
  uint8_t **outs[3] = {&s->header, &s->payload, &s->signature};
  long lens[3];
  for (int i = 0; i < 3; i++) {
    *outs[i] = malloc(parts[i].len * 3 / 4 + 1);
    if (!*outs[i]) return NULL; /* res->failed is set by the caller */
    lens[i] = edge_base64url_decode(parts[i].ptr, parts[i].len, *outs[i]);
  }
  if (lens[0] < 0 || lens[1] < 0 || lens[2] < 0) return "malformed token";

  if (decode_object(&s->hdoc, s->header, (size_t)lens[0]) != 0) return "malformed token";
  /* The algorithm is pinned, never taken from the token (defeats alg=none and confusion). */
  long alg = json_get(&s->hdoc, 0, "alg");
  if (alg < 0 || !json_str_is(&s->hdoc, (uint32_t)alg, "HS256")) return "wrong alg";

  uint8_t expected[32];
  edge_hmac_sha256((const uint8_t *)LAB_KEY, sizeof LAB_KEY - 1, parts[0].ptr, parts[0].len + 1, parts[1].ptr, parts[1].len, expected);
  if (!edge_constant_time_equal(s->signature, (size_t)lens[2], expected, 32)) return "bad signature";

  json_doc *d = &s->pdoc;
  if (decode_object(d, s->payload, (size_t)lens[1]) != 0) return "malformed token";
  long exp = json_get(d, 0, "exp"), nbf = json_get(d, 0, "nbf"), sub = json_get(d, 0, "sub"), scope = json_get(d, 0, "scope");
  if (exp < 0 || sub < 0) return "missing claim";
  if (!is_finite_number(d, exp)) return "malformed token";
  size_t sub_len = 0, scope_len = 0;
  const char *sub_s = d->nodes[sub].type == JV_STRING ? json_str(d, (uint32_t)sub, &sub_len) : NULL;
  if (!sub_s || !header_safe(sub_s, sub_len)) return "malformed token";
  const char *scope_s = "";
  if (scope >= 0) {
    if (d->nodes[scope].type != JV_STRING) return "malformed token";
    scope_s = json_str(d, (uint32_t)scope, &scope_len);
  }
  if (nbf >= 0 && !is_finite_number(d, nbf)) return "malformed token";
  /* RFC 7519 4.1.4: valid strictly before exp; no leeway, the lab clock is exact. */
  if ((double)now >= d->nodes[exp].u.num) return "expired";
  if (nbf >= 0 && (double)now < d->nodes[nbf].u.num) return "not yet valid";

  json_headers(res, 200);
  edge_buf *subject = edge_add_header(res, "x-auth-subject");
  if (subject) edge_buf_put(subject, sub_s, sub_len);
  edge_buf_puts(&res->body, "{\"sub\":");
  edge_buf_put_json_string(&res->body, sub_s, sub_len);
  edge_buf_puts(&res->body, ",\"scope\":");
  edge_buf_put_json_string(&res->body, scope_s, scope_len);
  edge_buf_puts(&res->body, "}");
  return NULL;
}

void edge_handle(const edge_request *req, edge_response *res) {
  if (req->body_len > BODY_LIMIT_BYTES) {
    json_headers(res, 413);
    edge_buf_puts(&res->body, "{\"error\":\"body too large\",\"limitBytes\":");
    edge_buf_put_u64(&res->body, BODY_LIMIT_BYTES);
    edge_buf_puts(&res->body, "}");
    return;
  }
  int64_t now;
  if (edge_lab_now(req, FIXED_NOW, &now) != 0) {
    json_headers(res, 400);
    edge_buf_puts(&res->body, "{\"error\":\"bad x-lab-now\"}");
    return;
  }
  scratch s;
  memset(&s, 0, sizeof s);
  const char *refusal = verify(edge_find_header(req, "authorization"), now, &s, res);
  if (refusal) refuse(res, refusal);
  else if (res->status != 200) res->failed = 1; /* out of memory inside verify */
  free(s.header);
  free(s.payload);
  free(s.signature);
  json_free(&s.hdoc);
  json_free(&s.pdoc);
}
