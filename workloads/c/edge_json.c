/* Strict UTF-8 validation and an iterative JSON parser: see edge_json.h for the semantics. */
#include "edge_json.h"

#include <stdlib.h>
#include <string.h>

long edge_utf8_strict(const uint8_t *b, size_t n) {
  size_t i = 0;
  if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) i = 3;
  const size_t start = i;
  while (i < n) {
    uint8_t c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the first continuation byte */
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) need = 2, lo = 0xA0;
    else if (c == 0xED) need = 2, hi = 0x9F; /* no encoded surrogates */
    else if (c >= 0xE1 && c <= 0xEF) need = 2;
    else if (c == 0xF0) need = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) need = 3, hi = 0x8F; /* nothing above U+10FFFF */
    else return -1;
    if (n - i - 1 < need) return -1;
    if (b[i + 1] < lo || b[i + 1] > hi) return -1;
    for (size_t k = 2; k <= need; k++) {
      if (b[i + k] < 0x80 || b[i + k] > 0xBF) return -1;
    }
    i += need + 1;
  }
  return (long)start;
}

typedef struct {
  json_doc *doc;
  const char *s;
  size_t n, p;
  uint32_t *stack;
  size_t depth, stack_cap;
} parser;

static void skip_ws(parser *ps) {
  while (ps->p < ps->n) {
    char c = ps->s[ps->p];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    ps->p++;
  }
}

static long new_node(json_doc *d, uint8_t type) {
  if (d->count >= UINT32_MAX - 1) return -1;
  if (d->count == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    jv *nodes = realloc(d->nodes, cap * sizeof *nodes);
    if (!nodes) return -1;
    d->nodes = nodes;
    d->cap = cap;
  }
  jv *v = &d->nodes[d->count];
  memset(v, 0, sizeof *v);
  v->type = type;
  return (long)d->count++;
}

static int push(parser *ps, uint32_t node) {
  if (ps->depth == ps->stack_cap) {
    size_t cap = ps->stack_cap ? ps->stack_cap * 2 : 16;
    uint32_t *st = realloc(ps->stack, cap * sizeof *st);
    if (!st) return -1;
    ps->stack = st;
    ps->stack_cap = cap;
  }
  ps->stack[ps->depth++] = node;
  return 0;
}

static int hex4(parser *ps, unsigned *out) {
  if (ps->n - ps->p < 4) return -1;
  unsigned v = 0;
  for (int k = 0; k < 4; k++) {
    char c = ps->s[ps->p + (size_t)k];
    unsigned d;
    if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
    else return -1;
    v = v * 16 + d;
  }
  ps->p += 4;
  *out = v;
  return 0;
}

static size_t put_code_point(char *out, unsigned cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) { /* lone surrogates land here too: WTF-8 */
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Parses the string at ps->p (a '"') into the arena; decoded text is never longer than its source. */
static int parse_string(parser *ps, uint32_t *off, uint32_t *len) {
  json_doc *d = ps->doc;
  ps->p++;
  size_t start = d->strings_len;
  for (;;) {
    if (ps->p >= ps->n) return -1;
    unsigned char c = (unsigned char)ps->s[ps->p];
    if (c == '"') {
      ps->p++;
      break;
    }
    if (c < 0x20) return -1;
    if (c != '\\') {
      d->strings[d->strings_len++] = (char)c;
      ps->p++;
      continue;
    }
    if (++ps->p >= ps->n) return -1;
    char e = ps->s[ps->p++];
    char simple = e == '"' ? '"' : e == '\\' ? '\\' : e == '/' ? '/' : e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : 0;
    if (simple) {
      d->strings[d->strings_len++] = simple;
      continue;
    }
    if (e != 'u') return -1;
    unsigned cu;
    if (hex4(ps, &cu) != 0) return -1;
    if (cu >= 0xD800 && cu <= 0xDBFF && ps->n - ps->p >= 6 && ps->s[ps->p] == '\\' && ps->s[ps->p + 1] == 'u') {
      size_t save = ps->p;
      unsigned lo;
      ps->p += 2;
      if (hex4(ps, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
        cu = 0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00);
      } else {
        /* Not a low surrogate: the high one stays lone, the next escape is parsed on its own. */
        ps->p = save;
      }
    }
    d->strings_len += put_code_point(d->strings + d->strings_len, cu);
  }
  *off = (uint32_t)start;
  *len = (uint32_t)(d->strings_len - start);
  return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int parse_number(parser *ps, double *out) {
  size_t b = ps->p;
  const char *s = ps->s;
  size_t n = ps->n, p = ps->p;
  if (p < n && s[p] == '-') p++;
  if (p >= n) return -1;
  if (s[p] == '0') p++;
  else if (s[p] >= '1' && s[p] <= '9') {
    while (p < n && is_digit(s[p])) p++;
  } else return -1;
  if (p < n && s[p] == '.') {
    p++;
    if (p >= n || !is_digit(s[p])) return -1;
    while (p < n && is_digit(s[p])) p++;
  }
  if (p < n && (s[p] == 'e' || s[p] == 'E')) {
    p++;
    if (p < n && (s[p] == '+' || s[p] == '-')) p++;
    if (p >= n || !is_digit(s[p])) return -1;
    while (p < n && is_digit(s[p])) p++;
  }
  /* strtod needs a terminated copy; the grammar above already matched, so it takes it all. */
  size_t len = p - b;
  char small[64];
  char *copy = len < sizeof small ? small : malloc(len + 1);
  if (!copy) return -1;
  memcpy(copy, s + b, len);
  copy[len] = 0;
  *out = strtod(copy, NULL);
  if (copy != small) free(copy);
  ps->p = p;
  return 0;
}

static int literal(parser *ps, const char *word) {
  size_t k = strlen(word);
  if (ps->n - ps->p < k || memcmp(ps->s + ps->p, word, k) != 0) return -1;
  ps->p += k;
  return 0;
}

/* Links `node` as the last child of the innermost open container, with its key for objects. */
static void attach(parser *ps, uint32_t node, uint32_t key_off, uint32_t key_len) {
  if (ps->depth == 0) return;
  json_doc *d = ps->doc;
  jv *parent = &d->nodes[ps->stack[ps->depth - 1]];
  d->nodes[node].key_off = key_off;
  d->nodes[node].key_len = key_len;
  if (parent->u.kids.count == 0) parent->u.kids.first = node;
  else d->nodes[parent->u.kids.last].next = node;
  parent->u.kids.last = node;
  parent->u.kids.count++;
}

/* After '{' or ',' in an object: `"key" :`. */
static int member_key(parser *ps, uint32_t *off, uint32_t *len) {
  if (ps->p >= ps->n || ps->s[ps->p] != '"') return -1;
  if (parse_string(ps, off, len) != 0) return -1;
  skip_ws(ps);
  if (ps->p >= ps->n || ps->s[ps->p] != ':') return -1;
  ps->p++;
  skip_ws(ps);
  return 0;
}

static int parse_all(parser *ps) {
  json_doc *d = ps->doc;
  uint32_t key_off = 0, key_len = 0;
  skip_ws(ps);
  for (;;) {
    /* A value starts at ps->p. */
    if (ps->p >= ps->n) return -1;
    char c = ps->s[ps->p];
    long node;
    if (c == '{' || c == '[') {
      node = new_node(d, c == '{' ? JV_OBJECT : JV_ARRAY);
      if (node < 0) return -1;
      ps->p++;
      attach(ps, (uint32_t)node, key_off, key_len);
      if (push(ps, (uint32_t)node) != 0) return -1;
      skip_ws(ps);
      char closer = c == '{' ? '}' : ']';
      if (ps->p < ps->n && ps->s[ps->p] == closer) {
        ps->p++;
        ps->depth--;
      } else {
        if (c == '{' && member_key(ps, &key_off, &key_len) != 0) return -1;
        continue;
      }
    } else {
      double num = 0;
      uint32_t off = 0, len = 0;
      uint8_t type;
      if (c == '"') {
        if (parse_string(ps, &off, &len) != 0) return -1;
        type = JV_STRING;
      } else if (c == 't') {
        if (literal(ps, "true") != 0) return -1;
        type = JV_TRUE;
      } else if (c == 'f') {
        if (literal(ps, "false") != 0) return -1;
        type = JV_FALSE;
      } else if (c == 'n') {
        if (literal(ps, "null") != 0) return -1;
        type = JV_NULL;
      } else {
        if (parse_number(ps, &num) != 0) return -1;
        type = JV_NUMBER;
      }
      node = new_node(d, type);
      if (node < 0) return -1;
      if (type == JV_STRING) d->nodes[node].u.str.off = off, d->nodes[node].u.str.len = len;
      if (type == JV_NUMBER) d->nodes[node].u.num = num;
      attach(ps, (uint32_t)node, key_off, key_len);
    }
    /* After a complete value: close containers, or move to the next element. */
    for (;;) {
      skip_ws(ps);
      if (ps->depth == 0) return ps->p == ps->n ? 0 : -1;
      int in_object = d->nodes[ps->stack[ps->depth - 1]].type == JV_OBJECT;
      if (ps->p >= ps->n) return -1;
      char s = ps->s[ps->p];
      if (s == (in_object ? '}' : ']')) {
        ps->p++;
        ps->depth--;
        continue;
      }
      if (s != ',') return -1;
      ps->p++;
      skip_ws(ps);
      if (in_object && member_key(ps, &key_off, &key_len) != 0) return -1;
      break;
    }
  }
}

int json_parse(json_doc *doc, const uint8_t *bytes, size_t len) {
  memset(doc, 0, sizeof *doc);
  long start = edge_utf8_strict(bytes, len);
  if (start < 0 || len > UINT32_MAX / 2) return -1;
  doc->strings = malloc(len + 1);
  if (!doc->strings) return -1;
  parser ps = {doc, (const char *)bytes + start, len - (size_t)start, 0, NULL, 0, 0};
  int rc = parse_all(&ps);
  free(ps.stack);
  return rc;
}

void json_free(json_doc *doc) {
  free(doc->nodes);
  free(doc->strings);
  memset(doc, 0, sizeof *doc);
}

long json_get(const json_doc *doc, uint32_t obj, const char *key) {
  const jv *o = &doc->nodes[obj];
  if (o->type != JV_OBJECT) return -1;
  size_t klen = strlen(key);
  long found = -1;
  uint32_t k = o->u.kids.first;
  for (uint32_t i = 0; i < o->u.kids.count; i++) {
    const jv *m = &doc->nodes[k];
    if (m->key_len == klen && memcmp(doc->strings + m->key_off, key, klen) == 0) found = (long)k;
    k = m->next;
  }
  return found;
}

const char *json_str(const json_doc *doc, uint32_t node, size_t *len) {
  *len = doc->nodes[node].u.str.len;
  return doc->strings + doc->nodes[node].u.str.off;
}

int json_str_is(const json_doc *doc, uint32_t node, const char *text) {
  if (doc->nodes[node].type != JV_STRING) return 0;
  size_t len;
  const char *s = json_str(doc, node, &len);
  return len == strlen(text) && memcmp(s, text, len) == 0;
}
