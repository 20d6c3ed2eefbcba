/*
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and strict unpadded base64url (RFC 4648 section 5):
 * the C twins of the helpers in workloads/jwt-verify/handler.ts, with the same strictness.
 */
#ifndef EDGE_CRYPTO_H
#define EDGE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[8];
  uint64_t total;
  uint8_t block[64];
  size_t fill;
} edge_sha256;

void edge_sha256_init(edge_sha256 *c);
void edge_sha256_update(edge_sha256 *c, const void *data, size_t len);
void edge_sha256_final(edge_sha256 *c, uint8_t out[32]);
void edge_sha256_once(const void *data, size_t len, uint8_t out[32]);

/* HMAC-SHA256 of the concatenation of two message parts (so callers need not join them). */
void edge_hmac_sha256(const uint8_t *key, size_t key_len, const void *m1, size_t m1_len, const void *m2, size_t m2_len, uint8_t out[32]);

/* Compares in time that depends only on the lengths. */
int edge_constant_time_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/*
 * Strict unpadded base64url: -1 for padding, characters outside the alphabet, length % 4 == 1,
 * or non-zero leftover bits; else the decoded length. `out` must hold len * 3 / 4 bytes.
 */
long edge_base64url_decode(const char *s, size_t len, uint8_t *out);

#endif
