/* Redis key helpers: length-prefixed user keys, sorter group keys, and the
 * small protobuf wire reader/writer the envelopes need (redis.md §2.3, §3.13). */
#include "redis_internal.h"

int redis_parse_lenkey(const uint8_t *p, size_t n, const uint8_t **uk, size_t *uklen,
		       const uint8_t **rest, size_t *restlen)
{
	if (n < 4) return -1;
	uint64_t len = ekv_be32(p);
	if ((uint64_t)n - 4 < len) return -1;
	*uk = p + 4;
	*uklen = (size_t)len;
	*rest = p + 4 + len;
	*restlen = n - 4 - (size_t)len;
	return 0;
}

int redis_group_append(struct ekv_buf *out, const void *uk, size_t n)
{
	const uint8_t *p = uk;
	int st = ekv_buf_reserve(out, n + 2);
	for (size_t i = 0; i < n && !st; i++) {
		st = ekv_buf_append_byte(out, p[i]);
		if (!st && p[i] == 0) st = ekv_buf_append_byte(out, 0xFF);
	}
	if (!st) st = ekv_buf_append_byte(out, 0);
	if (!st) st = ekv_buf_append_byte(out, 1);
	return st;
}

size_t redis_group_len(const uint8_t *k, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (k[i] != 0) continue;
		if (k[i + 1] == 1) return i + 2;
		i++; /* escaped NUL (00 FF) */
	}
	return 0;
}

int redis_group_decode(struct ekv_buf *out, const uint8_t *k, size_t glen)
{
	ekv_buf_reset(out);
	if (glen < 2) return EKV_EDATA;
	for (size_t i = 0; i < glen - 2; i++) {
		if (ekv_buf_append_byte(out, k[i])) return EKV_ENOMEM;
		if (k[i] == 0) i++;
	}
	return 0;
}

static int pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end) return -1;
		uint8_t b = *(*p)++;
		if (shift == 63 && b > 1) return -1;
		v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Skips a group (wire type 3) up to its matching end tag. */
static int pb_skip_group(const uint8_t **p, const uint8_t *end, uint32_t num, int depth)
{
	if (depth > 64) return -1;
	for (;;) {
		uint64_t tag;
		if (pb_varint(p, end, &tag)) return -1;
		uint32_t fnum = (uint32_t)(tag >> 3);
		int wt = (int)(tag & 7);
		if (fnum == 0 || tag >> 3 > 0x1FFFFFFF) return -1;
		if (wt == 4) return fnum == num ? 0 : -1;
		uint64_t v;
		switch (wt) {
		case 0: if (pb_varint(p, end, &v)) return -1; break;
		case 1: if (end - *p < 8) return -1; *p += 8; break;
		case 5: if (end - *p < 4) return -1; *p += 4; break;
		case 2:
			if (pb_varint(p, end, &v) || v > (uint64_t)(end - *p)) return -1;
			*p += v;
			break;
		case 3: if (pb_skip_group(p, end, fnum, depth + 1)) return -1; break;
		default: return -1;
		}
	}
}

int pb_next(const uint8_t **p, const uint8_t *end, struct pb_field *f)
{
	for (;;) {
		if (*p >= end) return 0;
		uint64_t tag;
		if (pb_varint(p, end, &tag)) return -1;
		if (tag >> 3 == 0 || tag >> 3 > 0x1FFFFFFF) return -1;
		f->num = (uint32_t)(tag >> 3);
		f->wt = (int)(tag & 7);
		f->data = NULL;
		f->len = 0;
		f->varint = 0;
		switch (f->wt) {
		case 0:
			if (pb_varint(p, end, &f->varint)) return -1;
			return 1;
		case 1:
			if (end - *p < 8) return -1;
			f->varint = ekv_le64(*p);
			*p += 8;
			return 1;
		case 5:
			if (end - *p < 4) return -1;
			f->varint = (uint64_t)(*p)[0] | (uint64_t)(*p)[1] << 8 | (uint64_t)(*p)[2] << 16 |
				    (uint64_t)(*p)[3] << 24;
			*p += 4;
			return 1;
		case 2: {
			uint64_t len;
			if (pb_varint(p, end, &len) || len > (uint64_t)(end - *p)) return -1;
			f->data = *p;
			f->len = (size_t)len;
			*p += len;
			return 1;
		}
		case 3:
			/* groups are unknown to every message here: skip them */
			if (pb_skip_group(p, end, f->num, 0)) return -1;
			continue;
		default:
			return -1;   /* 4 (stray end group), 6, 7 */
		}
	}
}

static int pb_put_varint(struct ekv_buf *out, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	do {
		t[n] = (uint8_t)(v & 0x7F);
		v >>= 7;
		if (v) t[n] |= 0x80;
		n++;
	} while (v);
	return ekv_buf_append(out, t, n);
}

int pb_put_bytes(struct ekv_buf *out, uint32_t num, const void *p, size_t n)
{
	int st = pb_put_varint(out, (uint64_t)num << 3 | 2);
	if (!st) st = pb_put_varint(out, n);
	if (!st) st = ekv_buf_append(out, p, n);
	return st;
}
