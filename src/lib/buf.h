/*
 * ekv_buf: a growable, binary-safe byte buffer.
 *
 * Ownership: the struct owns `data`. `data` is never NULL after
 * ekv_buf_init (it points at a shared empty string until the first
 * append) and is always NUL-terminated one byte past `len`, so text
 * users may treat it as a C string.
 *   _init     start empty (no allocation)
 *   _reset    len = 0, keep the memory
 *   _release  free the memory, back to the _init state
 *   _detach   hand the memory to the caller (malloc'ed, NUL-terminated)
 * Append functions return 0 or EKV_ENOMEM.
 */
#ifndef EKV_BUF_H
#define EKV_BUF_H
#include "internal.h"

struct ekv_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

#define EKV_BUF_INIT { (uint8_t *)ekv_buf_empty, 0, 0 }
extern char ekv_buf_empty[1];

void ekv_buf_init(struct ekv_buf *b);
void ekv_buf_reset(struct ekv_buf *b);
void ekv_buf_release(struct ekv_buf *b);
uint8_t *ekv_buf_detach(struct ekv_buf *b, size_t *len);
int ekv_buf_reserve(struct ekv_buf *b, size_t extra);
int ekv_buf_append(struct ekv_buf *b, const void *p, size_t n);
int ekv_buf_append_str(struct ekv_buf *b, const char *s);
int ekv_buf_append_byte(struct ekv_buf *b, uint8_t c);
int ekv_buf_printf(struct ekv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ekv_buf_set(struct ekv_buf *b, const void *p, size_t n);
void ekv_buf_truncate(struct ekv_buf *b, size_t len);

/* Little/big endian helpers used by every layout. */
static inline uint64_t ekv_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
	return v;
}
static inline uint64_t ekv_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
	return v;
}
static inline uint32_t ekv_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint16_t ekv_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline void ekv_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) { p[i] = (uint8_t)v; v >>= 8; }
}
static inline void ekv_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) { p[i] = (uint8_t)v; v >>= 8; }
}
static inline void ekv_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void ekv_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v;
}
int ekv_buf_append_be64(struct ekv_buf *b, uint64_t v);
int ekv_buf_append_be32(struct ekv_buf *b, uint32_t v);
int ekv_buf_append_le64(struct ekv_buf *b, uint64_t v);

/* True if p[0..n) starts with the NUL-terminated prefix. */
static inline int ekv_has_prefix(const uint8_t *p, size_t n, const char *prefix, size_t plen)
{
	if (n < plen) return 0;
	for (size_t i = 0; i < plen; i++) if (p[i] != (uint8_t)prefix[i]) return 0;
	return 1;
}
#endif
