/*
 * Filename-segment encoding (container.md §5.2; upstream filename.go).
 * Every path component derived from user bytes goes through these,
 * except S3 object-key paths (which keep '/').
 */
#ifndef EKV_SEGMENT_H
#define EKV_SEGMENT_H
#include "buf.h"

#define EKV_SEGMENT_MAX 240

/* Appends the encoded segment to out. *fallback is set to 1 when the SHA
 * fallback was taken (the caller then needs a KEYMAP record). */
int ekv_segment_encode(struct ekv_buf *out, const void *raw, size_t n, int *fallback);
/* "b64." + base64url form for binary key attributes (DynamoDB B). */
int ekv_segment_encode_binary(struct ekv_buf *out, const void *raw, size_t n, int *fallback);
/* SHA fallback of raw: 32 lower hex of SHA-256(raw) "__" percent(raw[:64]). */
int ekv_segment_sha_fallback(struct ekv_buf *out, const void *raw, size_t n);
/* Plain unbounded percent-encoding (unreserved bytes kept). */
int ekv_percent_encode(struct ekv_buf *out, const void *raw, size_t n);
/* True if s looks like a SHA-fallback segment (32 hex, "__"). */
int ekv_segment_is_sha_shaped(const char *s, size_t n);

/* Inverse of ekv_segment_encode / _binary. Returns 0, EKV_EDATA for an
 * invalid segment, or EKV_EKEYMAP when the segment is a SHA fallback
 * (the original must come from KEYMAP.jsonl). */
int ekv_segment_decode(struct ekv_buf *out, const char *seg, size_t n);
#endif
