/*
 * The escaped, self-delimiting key segment elastickv uses inside internal
 * keys (S3 s3keys segments, DynamoDB ordered key parts): every 00 byte is
 * written 00 FF and the segment ends with 00 01, so segments concatenate
 * and still sort bytewise like their raw bytes.
 */
#ifndef EKV_KEYSEG_H
#define EKV_KEYSEG_H
#include "buf.h"

/* Appends the escaped segment of raw[0..n) and its 00 01 terminator. */
int ekv_keyseg_append(struct ekv_buf *out, const void *raw, size_t n);
/* Length of the segment starting at k[pos] including its terminator,
 * or 0 if it is malformed (00 followed by neither FF nor 01) or unended. */
size_t ekv_keyseg_span(const uint8_t *k, size_t n, size_t pos);
/* Decodes the segment at *pos into out (reset first) and advances *pos
 * past it. 0 ok, -1 malformed or out of memory. */
int ekv_keyseg_read(const uint8_t *k, size_t n, size_t *pos, struct ekv_buf *out);
#endif
