/* ekv_buf: growable byte buffer (see buf.h for the ownership rules). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"

char ekv_buf_empty[1];

void ekv_buf_init(struct ekv_buf *b)
{
	b->data = (uint8_t *)ekv_buf_empty;
	b->len = 0;
	b->cap = 0;
}

void ekv_buf_reset(struct ekv_buf *b)
{
	b->len = 0;
	if (b->cap) b->data[0] = 0;
}

void ekv_buf_release(struct ekv_buf *b)
{
	if (b->cap) free(b->data);
	ekv_buf_init(b);
}

uint8_t *ekv_buf_detach(struct ekv_buf *b, size_t *len)
{
	uint8_t *p = b->cap ? b->data : calloc(1, 1);
	if (len) *len = b->len;
	ekv_buf_init(b);
	return p;
}

int ekv_buf_reserve(struct ekv_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1) return EKV_ENOMEM;
	size_t need = b->len + extra + 1;
	if (need <= b->cap) return EKV_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	uint8_t *p = b->cap ? realloc(b->data, cap) : malloc(cap);
	if (!p) return EKV_ENOMEM;
	if (!b->cap) p[0] = 0;
	b->data = p;
	b->cap = cap;
	return EKV_OK;
}

int ekv_buf_append(struct ekv_buf *b, const void *p, size_t n)
{
	if (ekv_buf_reserve(b, n)) return EKV_ENOMEM;
	if (n) memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return EKV_OK;
}

int ekv_buf_append_str(struct ekv_buf *b, const char *s)
{
	return ekv_buf_append(b, s, strlen(s));
}

int ekv_buf_append_byte(struct ekv_buf *b, uint8_t c)
{
	return ekv_buf_append(b, &c, 1);
}

int ekv_buf_printf(struct ekv_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) return EKV_ENOMEM;
	if ((size_t)n < sizeof small) return ekv_buf_append(b, small, (size_t)n);
	if (ekv_buf_reserve(b, (size_t)n)) return EKV_ENOMEM;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return EKV_OK;
}

int ekv_buf_set(struct ekv_buf *b, const void *p, size_t n)
{
	ekv_buf_reset(b);
	return ekv_buf_append(b, p, n);
}

void ekv_buf_truncate(struct ekv_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = 0;
	}
}

int ekv_buf_append_be64(struct ekv_buf *b, uint64_t v)
{
	uint8_t t[8];
	ekv_put_be64(t, v);
	return ekv_buf_append(b, t, 8);
}

int ekv_buf_append_be32(struct ekv_buf *b, uint32_t v)
{
	uint8_t t[4];
	ekv_put_be32(t, v);
	return ekv_buf_append(b, t, 4);
}

int ekv_buf_append_le64(struct ekv_buf *b, uint64_t v)
{
	uint8_t t[8];
	ekv_put_le64(t, v);
	return ekv_buf_append(b, t, 8);
}
