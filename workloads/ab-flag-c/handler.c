/*
 * ab-flag-c: the C port of workloads/ab-flag. FNV-1a-32 buckets the user (x-user-id, else the
 * first uid cookie) into three experiments; 200 JSON plus x-ab-* and x-personalization headers,
 * 400 without a usable user id. Same experiments, order and bytes as the JS handler.
 */
#include <string.h>

#include "edge_handler.h"

#define BODY_LIMIT_BYTES 0
#define COHORTS 16
#define MAX_VARIANTS 3

typedef struct {
  const char *name;
  const char *header; /* x-ab-<name> */
  struct {
    const char *name;
    unsigned percent;
  } variants[MAX_VARIANTS];
} experiment;

static const experiment EXPERIMENTS[] = {
    {"checkout-button", "x-ab-checkout-button", {{"control", 50}, {"green", 50}, {NULL, 0}}},
    {"pricing-page", "x-ab-pricing-page", {{"control", 34}, {"annual-first", 33}, {"monthly-first", 33}}},
    {"search-ranking", "x-ab-search-ranking", {{"control", 90}, {"ml-v2", 10}, {NULL, 0}}},
};
#define EXPERIMENT_COUNT (sizeof EXPERIMENTS / sizeof EXPERIMENTS[0])

static uint32_t fnv1a32_update(uint32_t h, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x01000193u;
  }
  return h;
}

#define FNV_OFFSET 0x811c9dc5u

static const char *variant_for(const experiment *e, unsigned bucket) {
  unsigned up_to = 0;
  const char *last = NULL;
  for (int i = 0; i < MAX_VARIANTS && e->variants[i].name; i++) {
    up_to += e->variants[i].percent;
    last = e->variants[i].name;
    if (bucket < up_to) return last;
  }
  return last;
}

/* ECMAScript String.prototype.trim over latin1 header bytes: TAB, LF, VT, FF, CR, SP, NBSP. */
static int js_space(unsigned char c) { return c == 0x09 || c == 0x0a || c == 0x0b || c == 0x0c || c == 0x0d || c == 0x20 || c == 0xa0; }

static edge_str trim(edge_str s) {
  while (s.len > 0 && js_space((unsigned char)s.ptr[0])) s.ptr++, s.len--;
  while (s.len > 0 && js_space((unsigned char)s.ptr[s.len - 1])) s.len--;
  return s;
}

/* x-user-id (trimmed) wins; else the first uid cookie, unquoted. Returns 0 when neither exists. */
static int find_user_id(const edge_request *req, edge_str *uid) {
  const edge_str *h = edge_find_header(req, "x-user-id");
  if (h) {
    *uid = trim(*h);
    return 1;
  }
  const edge_str *cookie = edge_find_header(req, "cookie");
  if (!cookie) return 0;
  size_t p = 0;
  while (p <= cookie->len) {
    const char *pair = cookie->ptr + p;
    const char *semi = memchr(pair, ';', cookie->len - p);
    size_t pair_len = semi ? (size_t)(semi - pair) : cookie->len - p;
    const char *eq = memchr(pair, '=', pair_len);
    if (eq) {
      edge_str name = trim((edge_str){pair, (size_t)(eq - pair)});
      if (edge_str_eq(name, "uid")) {
        edge_str value = trim((edge_str){eq + 1, pair_len - (size_t)(eq + 1 - pair)});
        if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"') value = (edge_str){value.ptr + 1, value.len - 2};
        *uid = value;
        return 1;
      }
    }
    p += pair_len + 1;
  }
  return 0;
}

/* [A-Za-z0-9._-]{1,64}: needs no escaping in headers or JSON. */
static int valid_uid(edge_str u) {
  if (u.len < 1 || u.len > 64) return 0;
  for (size_t i = 0; i < u.len; i++) {
    char c = u.ptr[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return 0;
  }
  return 1;
}

static void json_headers(edge_response *res, int status) {
  res->status = status;
  edge_set_header(res, "content-type", "application/json");
  /* Per-user answers: never in a shared cache, keyed on what selects the user. */
  edge_set_header(res, "cache-control", "private, no-store");
  edge_set_header(res, "vary", "cookie, x-user-id");
}

static void error(edge_response *res, int status, const char *body) {
  json_headers(res, status);
  edge_buf_puts(&res->body, body);
}

void edge_handle(const edge_request *req, edge_response *res) {
  if (!edge_str_eq(req->method, "GET")) {
    error(res, 405, "{\"error\":\"method not allowed\"}");
    edge_set_header(res, "allow", "GET");
    return;
  }
  if (req->body_len > BODY_LIMIT_BYTES) {
    error(res, 413, "{\"error\":\"body too large\",\"limitBytes\":0}");
    return;
  }
  edge_str uid;
  if (!find_user_id(req, &uid)) {
    error(res, 400, "{\"error\":\"missing user id\"}");
    return;
  }
  if (!valid_uid(uid)) {
    error(res, 400, "{\"error\":\"invalid user id\"}");
    return;
  }

  json_headers(res, 200);
  unsigned cohort = fnv1a32_update(FNV_OFFSET, uid.ptr, uid.len) % COHORTS;
  edge_buf *body = &res->body;
  edge_buf_puts(body, "{\"user\":\"");
  edge_buf_put(body, uid.ptr, uid.len);
  edge_buf_puts(body, "\",\"cohort\":");
  edge_buf_put_u64(body, cohort);
  edge_buf_puts(body, ",\"assignments\":[");
  edge_buf *personalization = NULL;
  const char *variants[EXPERIMENT_COUNT];
  for (size_t i = 0; i < EXPERIMENT_COUNT; i++) {
    const experiment *e = &EXPERIMENTS[i];
    /* Salted with the experiment name so experiments are independent. */
    uint32_t h = fnv1a32_update(FNV_OFFSET, e->name, strlen(e->name));
    h = fnv1a32_update(h, ":", 1);
    unsigned bucket = fnv1a32_update(h, uid.ptr, uid.len) % 100;
    variants[i] = variant_for(e, bucket);
    edge_buf_puts(body, i ? ",{\"experiment\":\"" : "{\"experiment\":\"");
    edge_buf_puts(body, e->name);
    edge_buf_puts(body, "\",\"bucket\":");
    edge_buf_put_u64(body, bucket);
    edge_buf_puts(body, ",\"variant\":\"");
    edge_buf_puts(body, variants[i]);
    edge_buf_puts(body, "\"}");
    edge_set_header(res, e->header, variants[i]);
  }
  edge_buf_puts(body, "]}");
  personalization = edge_add_header(res, "x-personalization");
  if (!personalization) return;
  edge_buf_puts(personalization, "cohort=");
  edge_buf_put_u64(personalization, cohort);
  edge_buf_puts(personalization, "; variants=");
  for (size_t i = 0; i < EXPERIMENT_COUNT; i++) {
    if (i) edge_buf_puts(personalization, ",");
    edge_buf_puts(personalization, EXPERIMENTS[i].name);
    edge_buf_puts(personalization, ":");
    edge_buf_puts(personalization, variants[i]);
  }
}
