/*
 * Redis records for the synthetic generator: every type in the live wire
 * layout (redis.md §2.3, §3): strings and HLLs (new format with and without
 * inline TTL, legacy), hashes, lists, sets, zsets (wide rows, 8/16-byte
 * metas), legacy zset blobs, streams (48-byte metas as the live store
 * writes them), TTL scan-index rows, and some non-UTF-8 keys and members.
 */
#include <stdio.h>
#include <string.h>
#include "gen.h"
#include "lib/buf.h"

#define TTL_BASE 1800000000000ull

struct rg {
	struct gen *g;
	uint64_t left;            /* records still to emit */
	struct ekv_buf k, v, uk;
};

static int put(struct rg *r)
{
	if (r->left) r->left--;
	return gen_put(r->g, r->k.data, r->k.len, r->v.data, r->v.len);
}

static void key_plain(struct rg *r, const char *prefix)
{
	ekv_buf_reset(&r->k);
	ekv_buf_append_str(&r->k, prefix);
	ekv_buf_append(&r->k, r->uk.data, r->uk.len);
}

static void key_len(struct rg *r, const char *prefix)
{
	ekv_buf_reset(&r->k);
	ekv_buf_append_str(&r->k, prefix);
	ekv_buf_append_be32(&r->k, (uint32_t)r->uk.len);
	ekv_buf_append(&r->k, r->uk.data, r->uk.len);
}

/* Printable text of about value-size bytes (sometimes one invalid UTF-8
 * byte, so the base64 envelope is exercised). */
static void text(struct rg *r, struct ekv_buf *out, uint64_t max)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789 <>&:/";
	uint64_t n = 1 + gen_below(r->g, max ? max : 1);
	for (uint64_t i = 0; i < n; i++) ekv_buf_append_byte(out, (uint8_t)alpha[gen_below(r->g, sizeof alpha - 1)]);
	if (gen_below(r->g, 16) == 0) ekv_buf_append_byte(out, 0xFF);
}

static uint64_t maybe_ttl(struct rg *r)
{
	return gen_below(r->g, 3) == 0 ? TTL_BASE + gen_below(r->g, 1000000) : 0;
}

static int ttl_row(struct rg *r, uint64_t ms)
{
	key_plain(r, "!redis|ttl|");
	ekv_buf_reset(&r->v);
	ekv_buf_append_be64(&r->v, ms);
	return put(r);
}

static int gen_string(struct rg *r, int hll)
{
	uint64_t ms = maybe_ttl(r);
	int legacy = gen_below(r->g, 4) == 0;
	ekv_buf_reset(&r->v);
	if (!legacy) {
		ekv_buf_append_byte(&r->v, 0xFF);
		ekv_buf_append_byte(&r->v, hll ? 2 : 1);
		ekv_buf_append_byte(&r->v, ms ? 1 : 0);
		if (ms) ekv_buf_append_be64(&r->v, ms);
	}
	text(r, &r->v, gen_value_size(r->g));
	key_plain(r, hll ? "!redis|hll|" : "!redis|str|");
	int rc = put(r);
	if (!rc && ms) rc = ttl_row(r, ms);
	return rc;
}

/* 8- or 16-byte count meta (hash/set/zset). */
static int count_meta(struct rg *r, const char *prefix, uint64_t n, uint64_t ms)
{
	key_len(r, prefix);
	ekv_buf_reset(&r->v);
	ekv_buf_append_be64(&r->v, n);
	if (ms || gen_below(r->g, 2)) ekv_buf_append_be64(&r->v, ms);
	int rc = put(r);
	if (!rc && ms) rc = ttl_row(r, ms);
	return rc;
}

static int gen_hash(struct rg *r)
{
	uint64_t n = 1 + gen_below(r->g, 6), ms = maybe_ttl(r);
	int rc = 0;
	for (uint64_t i = 0; i < n && !rc; i++) {
		key_len(r, "!hs|fld|");
		ekv_buf_printf(&r->k, "field%llu", (unsigned long long)i);
		ekv_buf_reset(&r->v);
		text(r, &r->v, gen_value_size(r->g) / 4);
		rc = put(r);
	}
	return rc ? rc : count_meta(r, "!hs|meta|", n, ms);
}

static int gen_set(struct rg *r, int zset)
{
	uint64_t n = 1 + gen_below(r->g, 6), ms = maybe_ttl(r);
	int rc = 0;
	for (uint64_t i = 0; i < n && !rc; i++) {
		key_len(r, zset ? "!zs|mem|" : "!st|mem|");
		ekv_buf_printf(&r->k, "member%llu", (unsigned long long)i);
		if (i == 1) ekv_buf_append_byte(&r->k, 0xFE);
		ekv_buf_reset(&r->v);
		if (zset) {
			double s = (double)(int64_t)gen_below(r->g, 2000000) / 8.0 - 125000.0;
			uint64_t bits;
			memcpy(&bits, &s, 8);
			/* every other score: any bit pattern but NaN (float formatting) */
			if (i % 2) {
				bits = gen_rand(r->g);
				if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull) bits &= ~(1ull << 62);
			}
			ekv_buf_append_be64(&r->v, bits);
		}
		rc = put(r);
	}
	return rc ? rc : count_meta(r, zset ? "!zs|meta|" : "!st|meta|", n, ms);
}

static int gen_list(struct rg *r)
{
	uint64_t n = 1 + gen_below(r->g, 6), ms = maybe_ttl(r);
	int64_t head = -(int64_t)gen_below(r->g, 4);
	int rc = 0;
	for (uint64_t i = 0; i < n && !rc; i++) {
		key_plain(r, "!lst|itm|");
		ekv_buf_append_be64(&r->k, (uint64_t)(head + (int64_t)i) ^ (1ull << 63));
		ekv_buf_reset(&r->v);
		text(r, &r->v, gen_value_size(r->g) / 4);
		rc = put(r);
	}
	if (rc) return rc;
	key_plain(r, "!lst|meta|");
	ekv_buf_reset(&r->v);
	ekv_buf_append_be64(&r->v, (uint64_t)head);
	ekv_buf_append_be64(&r->v, (uint64_t)(head + (int64_t)n));
	ekv_buf_append_be64(&r->v, n);
	ekv_buf_append_be64(&r->v, ms);
	rc = put(r);
	return !rc && ms ? ttl_row(r, ms) : rc;
}

static void pb_str(struct ekv_buf *b, uint8_t tag, const void *p, size_t n)
{
	ekv_buf_append_byte(b, tag);
	for (size_t v = n; ; v >>= 7) {
		ekv_buf_append_byte(b, (uint8_t)((v & 0x7F) | (v >> 7 ? 0x80 : 0)));
		if (!(v >> 7)) break;
	}
	ekv_buf_append(b, p, n);
}

static int gen_stream(struct rg *r)
{
	uint64_t n = gen_below(r->g, 5), ms = maybe_ttl(r), t = 1714400000000ull + gen_below(r->g, 1000);
	int rc = 0;
	struct ekv_buf f = EKV_BUF_INIT;
	for (uint64_t i = 0; i < n && !rc; i++) {
		key_len(r, "!stream|entry|");
		ekv_buf_append_be64(&r->k, t + i / 2);
		ekv_buf_append_be64(&r->k, i % 2);
		ekv_buf_reset(&r->v);
		ekv_buf_append(&r->v, "\x00RXE\x01", 5);
		char id[48];
		int idn = snprintf(id, sizeof id, "%llu-%llu", (unsigned long long)(t + i / 2),
				   (unsigned long long)(i % 2));
		pb_str(&r->v, 0x0A, id, (size_t)idn);
		for (int p = 0; p < 2; p++) {
			pb_str(&r->v, 0x12, p ? "user" : "event", p ? 4 : 5);
			ekv_buf_reset(&f);
			text(r, &f, gen_value_size(r->g) / 4);
			if (f.data[f.len - 1] == 0xFF) f.len--;   /* proto3 strings are UTF-8 */
			pb_str(&r->v, 0x12, f.data, f.len);
		}
		rc = put(r);
	}
	ekv_buf_release(&f);
	if (rc) return rc;
	key_len(r, "!stream|meta|");
	ekv_buf_reset(&r->v);
	ekv_buf_append_be64(&r->v, n);
	ekv_buf_append_be64(&r->v, n ? t + (n - 1) / 2 : 0);
	ekv_buf_append_be64(&r->v, n ? (n - 1) % 2 : 0);
	ekv_buf_append_be64(&r->v, ms);
	ekv_buf_append_be64(&r->v, 0);
	ekv_buf_append_be64(&r->v, 0);
	rc = put(r);
	return !rc && ms ? ttl_row(r, ms) : rc;
}

static int gen_zset_blob(struct rg *r)
{
	ekv_buf_reset(&r->v);
	ekv_buf_append(&r->v, "\x00RZ\x01", 4);
	struct ekv_buf e = EKV_BUF_INIT;
	for (int i = 0; i < 3; i++) {
		char m[16];
		int mn = snprintf(m, sizeof m, "old%d", i);
		double s = i * 1.5;
		uint64_t bits;
		memcpy(&bits, &s, 8);
		ekv_buf_reset(&e);
		pb_str(&e, 0x0A, m, (size_t)mn);
		ekv_buf_append_byte(&e, 0x11);
		ekv_buf_append_le64(&e, bits);
		pb_str(&r->v, 0x0A, e.data, e.len);
	}
	ekv_buf_release(&e);
	key_plain(r, "!redis|zset|");
	return put(r);
}

int gen_redis(struct gen *g, uint64_t n)
{
	struct rg r = { g, n, EKV_BUF_INIT, EKV_BUF_INIT, EKV_BUF_INIT };
	int rc = 0;
	for (uint64_t i = 0; r.left && !rc; i++) {
		ekv_buf_reset(&r.uk);
		ekv_buf_printf(&r.uk, "key:%llu", (unsigned long long)i);
		if (i % 13 == 5) ekv_buf_append(&r.uk, "\xFF/..", 4);   /* binary, hostile */
		if (i % 61 == 7)   /* past 240 encoded bytes: SHA fallback + KEYMAP */
			for (int p = 0; p < 30; p++) ekv_buf_append_str(&r.uk, "long/key");
		if (i == 10) ekv_buf_reset(&r.uk);                      /* the empty key */
		switch (i % 9) {
		case 0: rc = gen_string(&r, 0); break;
		case 1: rc = gen_string(&r, 1); break;
		case 2: rc = gen_hash(&r); break;
		case 3: rc = gen_list(&r); break;
		case 4: rc = gen_set(&r, 0); break;
		case 5: rc = gen_set(&r, 1); break;
		case 6: rc = gen_stream(&r); break;
		case 7: rc = gen_zset_blob(&r); break;
		default: rc = gen_string(&r, 0); break;
		}
	}
	ekv_buf_release(&r.k);
	ekv_buf_release(&r.v);
	ekv_buf_release(&r.uk);
	return rc;
}
