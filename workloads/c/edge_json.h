/*
 * A strict JSON parser with the semantics the JS handlers get from
 * `JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))`:
 *
 * - the bytes must be valid UTF-8 (no overlongs, no encoded surrogates, nothing above U+10FFFF);
 *   one leading byte-order mark is skipped, as the decoder does;
 * - RFC 8259 grammar exactly (whitespace: space, tab, LF, CR), any nesting depth (the parser keeps
 *   its own stack, so no input can exhaust the C stack);
 * - numbers are IEEE doubles, correctly rounded (strtod), overflowing to infinity like V8;
 * - strings are decoded to WTF-8: UTF-8, except that a lone surrogate escape (\ud800) becomes its
 *   3-byte form, so JSON.stringify's output can be reproduced byte for byte;
 * - duplicate object keys: the last one wins (json_get).
 *
 * The document is a flat array of nodes (indices, not pointers) built with realloc; every
 * allocation failure or syntax error is reported as a parse failure.
 */
#ifndef EDGE_JSON_H
#define EDGE_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } jv_type;

/* One value. Index 0 is the root; `next` 0 means "no next sibling" (the root is nobody's sibling). */
typedef struct {
  uint8_t type;
  uint32_t next;
  /* Object members: the key, in the string arena. */
  uint32_t key_off, key_len;
  union {
    double num;
    struct {
      uint32_t off, len;
    } str;
    struct {
      uint32_t first, last, count;
    } kids;
  } u;
} jv;

typedef struct {
  jv *nodes;
  size_t count, cap;
  /* Decoded strings and keys (WTF-8). */
  char *strings;
  size_t strings_len;
} json_doc;

/* Offset after a leading UTF-8 BOM if `bytes` is strictly valid UTF-8, else -1. */
long edge_utf8_strict(const uint8_t *bytes, size_t len);

/* Parses `len` bytes (UTF-8 checked here). Returns 0 on success, -1 on any error. */
int json_parse(json_doc *doc, const uint8_t *bytes, size_t len);
void json_free(json_doc *doc);

/* The member `key` of object node `obj` (last one wins), or -1. */
long json_get(const json_doc *doc, uint32_t obj, const char *key);
/* A string node's bytes. */
const char *json_str(const json_doc *doc, uint32_t node, size_t *len);
/* Whether string node `node` equals `text`. */
int json_str_is(const json_doc *doc, uint32_t node, const char *text);

#endif
