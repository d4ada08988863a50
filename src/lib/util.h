/* Small shared helpers: UTF-8 validation, base64 (std and url), hex, SHA-256. */
#ifndef EKV_UTIL_H
#define EKV_UTIL_H
#include "buf.h"

int ekv_utf8_valid(const void *s, size_t len);
/* Length of the valid UTF-8 sequence starting at s (Go's rules: no
 * overlongs, no surrogates, max U+10FFFF), or 0 if invalid. */
size_t ekv_utf8_seq_len(const uint8_t *s, size_t n);

/* base64 without padding, URL alphabet (A-Z a-z 0-9 - _). */
int ekv_b64url_encode(struct ekv_buf *out, const void *p, size_t n);
/* Strict decode of unpadded base64url; returns 0 or EKV_EDATA. */
int ekv_b64url_decode(struct ekv_buf *out, const char *s, size_t n);
/* Standard base64 with padding (RFC 4648 §4), as Go's []byte JSON form. */
int ekv_b64std_encode(struct ekv_buf *out, const void *p, size_t n);
/* Strict decode of padded standard base64; returns 0 or EKV_EDATA. */
int ekv_b64std_decode(struct ekv_buf *out, const char *s, size_t n);
size_t ekv_b64url_encoded_len(size_t n);

void ekv_hex_lower(char *dst, const uint8_t *src, size_t n);   /* writes 2n chars + NUL */

#define EKV_SHA256_LEN 32
void ekv_sha256(const void *p, size_t n, uint8_t out[EKV_SHA256_LEN]);
/* Incremental SHA-256 (OpenSSL EVP underneath). */
struct ekv_sha256_ctx;
struct ekv_sha256_ctx *ekv_sha256_new(void);
void ekv_sha256_update(struct ekv_sha256_ctx *c, const void *p, size_t n);
void ekv_sha256_final(struct ekv_sha256_ctx *c, uint8_t out[EKV_SHA256_LEN]);  /* also frees */
void ekv_sha256_free(struct ekv_sha256_ctx *c);

/* CRC32C (Castagnoli), hardware accelerated with SSE4.2 when present. */
uint32_t ekv_crc32c(uint32_t crc, const void *p, size_t n);

/* Bytewise comparison of two byte strings (shorter prefix first). */
int ekv_bytes_cmp(const void *a, size_t an, const void *b, size_t bn);

/* Parses an unsigned decimal uint64 (no sign, no spaces); 0 ok, -1 bad. */
int ekv_parse_u64_dec(const char *s, size_t n, uint64_t *out);
#endif
