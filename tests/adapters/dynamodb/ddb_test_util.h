/* Helpers shared by the DynamoDB tests: build snapshots record by record,
 * run decode/encode through the public API, read the produced stream. */
#ifndef DDB_TEST_UTIL_H
#define DDB_TEST_UTIL_H
#include <fcntl.h>
#include <unistd.h>
#include "harness.h"
#include "snapbuild.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/util.h"
#include "adapters/dynamodb/ddb_internal.h"

#define TS0 0x00018F1A2B3C0007ull

/* ---- snapshot builder: records sorted by encoded key ---- */
struct snapb {
	struct snapbuild sb;               /* header ts TS0, set at write */
};

static __attribute__((unused)) void sb_put_full(struct snapb *s, const void *ukey, size_t klen, uint64_t ts, int tomb,
			const void *body, size_t blen)
{
	if (!tomb) {
		snapbuild_put(&s->sb, ukey, klen, ts, body, blen);
		return;
	}
	snapbuild_version(&s->sb, ukey, klen, ts, 1, body, blen);  /* tombstone keeping its body */
}

static __attribute__((unused)) void sb_put(struct snapb *s, const struct ekv_buf *ukey, const struct ekv_buf *body)
{
	sb_put_full(s, ukey->data, ukey->len, TS0, 0, body->data, body->len);
}

static __attribute__((unused)) void sb_write(struct snapb *s, const char *path)
{
	s->sb.header_ts = TS0;
	snapbuild_write(&s->sb, path);
	memset(s, 0, sizeof *s);
}

/* ---- value builders ---- */
struct avb {                              /* arena-backed attribute values */
	struct ddb_arena a;
};

static __attribute__((unused)) struct ddb_av *av_new(struct avb *b, enum ddb_kind k)
{
	struct ddb_av *av = ddb_arena_alloc(&b->a, sizeof *av);
	av->kind = k;
	return av;
}
static __attribute__((unused)) struct ddb_bytes bs(const char *s)
{
	struct ddb_bytes b = { (const uint8_t *)s, strlen(s) };
	return b;
}
static __attribute__((unused)) struct ddb_bytes bsn(const void *s, size_t n)
{
	struct ddb_bytes b = { s, n };
	return b;
}
static __attribute__((unused)) struct ddb_av *av_s(struct avb *b, const char *s)
{
	struct ddb_av *av = av_new(b, DDB_S);
	av->scalar = bs(s);
	return av;
}
static __attribute__((unused)) struct ddb_av *av_n(struct avb *b, const char *s)
{
	struct ddb_av *av = av_new(b, DDB_N);
	av->scalar = bs(s);
	return av;
}
static __attribute__((unused)) struct ddb_av *av_b(struct avb *b, const void *p, size_t n)
{
	struct ddb_av *av = av_new(b, DDB_B);
	av->scalar = bsn(p, n);
	return av;
}

/* item: NULL-terminated list of (name, av) pairs. */
struct kv {
	const char *name;
	struct ddb_av *v;
};
static __attribute__((unused)) void item_body(struct ekv_buf *out, const struct kv *kvs, size_t n)
{
	struct ddb_entry *e = calloc(n ? n : 1, sizeof *e);
	for (size_t i = 0; i < n; i++) {
		e[i].name = bs(kvs[i].name);
		e[i].value = kvs[i].v;
		e[i].seq = i;
	}
	size_t m = n;
	ddb_map_normalize(e, &m);
	ddb_proto_write_item(out, e, m);
	free(e);
}

/* schema: hash/range names, "name:type" defs, generation, migrating. */
static __attribute__((unused)) void schema_body(struct ekv_buf *out, const char *table, const char *hash, const char *range,
			const char *const *defs, size_t ndefs, uint64_t gen, uint64_t mig, uint64_t kev)
{
	struct ddb_schema s;
	memset(&s, 0, sizeof s);
	struct ddb_arena a;
	ddb_arena_init(&a);
	s.table_name = bs(table);
	s.hash_key = bs(hash);
	s.range_key = bs(range ? range : "");
	s.defs = ddb_arena_alloc(&a, (ndefs + 1) * sizeof *s.defs);
	for (size_t i = 0; i < ndefs; i++) {
		const char *colon = strchr(defs[i], ':');
		s.defs[i].name = bsn(defs[i], (size_t)(colon - defs[i]));
		s.defs[i].value = ddb_arena_alloc(&a, sizeof *s.defs[i].value);
		s.defs[i].value->kind = DDB_S;
		s.defs[i].value->scalar = bs(colon + 1);
		s.defs[i].seq = i;
	}
	s.n_defs = ndefs;
	ddb_map_normalize(s.defs, &s.n_defs);
	s.generation = gen;
	s.migrating_from_generation = mig;
	s.key_encoding_version = kev;
	ddb_proto_write_schema(out, &s);
	ddb_arena_release(&a);
}

static __attribute__((unused)) void table_key(struct ekv_buf *k, const char *prefix, const char *table)
{
	ekv_buf_append_str(k, prefix);
	ekv_b64url_encode(k, table, strlen(table));
}

/* ordered item key of table at generation gen */
static __attribute__((unused)) void ordered_item_key(struct ekv_buf *k, const char *table, uint64_t gen, const struct ddb_av *h,
			     const struct ddb_av *r)
{
	const char *reason;
	table_key(k, DDB_PREFIX_ITEM, table);
	ekv_buf_printf(k, "|%llu|", (unsigned long long)gen);
	struct ekv_buf kb = EKV_BUF_INIT;
	CHECK(ddb_key_bytes(&kb, h, &reason) == 0);
	ekv_keyseg_append(k, kb.data, kb.len);
	if (r) {
		ekv_buf_reset(&kb);
		CHECK(ddb_key_bytes(&kb, r, &reason) == 0);
		ekv_keyseg_append(k, kb.data, kb.len);
	}
	ekv_buf_release(&kb);
}

/* legacy item key: b64(hash) | b64(range or "") */
static __attribute__((unused)) void legacy_item_key(struct ekv_buf *k, const char *table, uint64_t gen, const char *h, const char *r)
{
	table_key(k, DDB_PREFIX_ITEM, table);
	ekv_buf_printf(k, "|%llu|", (unsigned long long)gen);
	ekv_b64url_encode(k, h, strlen(h));
	ekv_buf_append_byte(k, '|');
	if (r) ekv_b64url_encode(k, r, strlen(r));
}

/* ---- runs ---- */
struct warns {
	int n;
	char events[64][48];
	char details[64][400];
};
static __attribute__((unused)) void collect_warn(void *ud, const char *adapter, const char *event, const char *detail)
{
	(void)adapter;
	struct warns *w = ud;
	if (w->n < 64) {
		snprintf(w->events[w->n], sizeof w->events[0], "%s", event);
		snprintf(w->details[w->n], sizeof w->details[0], "%s", detail);
	}
	w->n++;
}
static __attribute__((unused)) int count_warn(const struct warns *w, const char *event)
{
	int c = 0;
	for (int i = 0; i < w->n && i < 64; i++) c += strcmp(w->events[i], event) == 0;
	return c;
}

static __attribute__((unused)) int run_decode(const char *in, const char *out, int bundle, uint64_t bundle_size,
		      uint64_t spill, struct warns *w, struct ekv_decode_result *res, struct ekv_error *err)
{
	struct ekv_decode_options o;
	memset(&o, 0, sizeof o);
	o.input = in;
	o.output = out;
	o.adapters = 1u << EKV_ADAPTER_DYNAMODB;
	o.dynamodb_bundle_jsonl = bundle;
	o.dynamodb_bundle_size = bundle_size;
	o.spill_threshold = spill;
	o.warn = collect_warn;
	o.warn_ud = w;
	struct ekv_decode_result r;
	memset(&r, 0, sizeof r);
	memset(err, 0, sizeof *err);
	return ekv_decode(&o, res ? res : &r, err);
}

static __attribute__((unused)) int run_encode(const char *in, const char *out, int self_test, struct ekv_encode_result *res,
		      struct ekv_error *err)
{
	struct ekv_encode_options o;
	memset(&o, 0, sizeof o);
	o.input = in;
	o.output = out;
	o.adapters = 1u << EKV_ADAPTER_DYNAMODB;
	o.self_test = self_test;
	memset(res, 0, sizeof *res);
	memset(err, 0, sizeof *err);
	return ekv_encode(&o, res, err);
}

static __attribute__((unused)) char *slurp(const char *path)
{
	size_t n;
	char *p = ekv_test_read_file(path, &n);
	if (!p) ekv_test_fail(__FILE__, __LINE__, "cannot read %s", path);
	return p;
}

/* Reads an .fsm back: user keys and bodies of live entries in order. */
struct live {
	size_t n;
	struct ekv_buf keys[256], bodies[256];
};
static __attribute__((unused)) void read_live(const char *path, struct live *l)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	struct ekv_reader *r;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_reader_new(fd, 0, &r, &err), &err);
	struct ekv_entry e;
	int rc;
	l->n = 0;
	while ((rc = ekv_reader_next(r, &e, &err)) == 1) {
		CHECK(l->n < 256);
		ekv_buf_init(&l->keys[l->n]);
		ekv_buf_init(&l->bodies[l->n]);
		ekv_buf_set(&l->keys[l->n], e.user_key, e.user_key_len);
		ekv_buf_set(&l->bodies[l->n], e.body, e.body_len);
		l->n++;
	}
	CHECK_INT(rc, 0);
	ekv_reader_free(r);
	close(fd);
}
static __attribute__((unused)) int live_find(const struct live *l, const void *key, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->keys[i].len == n && memcmp(l->keys[i].data, key, n) == 0) return (int)i;
	return -1;
}
static __attribute__((unused)) size_t live_count_prefix(const struct live *l, const char *prefix)
{
	size_t c = 0;
	for (size_t i = 0; i < l->n; i++)
		c += ekv_has_prefix(l->keys[i].data, l->keys[i].len, prefix, strlen(prefix));
	return c;
}
static __attribute__((unused)) void live_free(struct live *l)
{
	for (size_t i = 0; i < l->n; i++) {
		ekv_buf_release(&l->keys[i]);
		ekv_buf_release(&l->bodies[i]);
	}
	l->n = 0;
}

/* diff -r of two trees' adapter directories; 0 = identical */
static __attribute__((unused)) int trees_equal(const char *a, const char *b)
{
	return ekv_test_sh("diff -r '%s/dynamodb' '%s/dynamodb' >&2", a, b) == 0;
}
/* ---- worked examples of dynamodb.md §3.5 as hex (spaces/newlines ignored) ---- */

static __attribute__((unused)) size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;
	for (const char *p = hex; *p;) {
		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		unsigned v;
		sscanf(p, "%2x", &v);
		out[n++] = (uint8_t)v;
		p += 2;
	}
	return n;
}

/* dynamodb.md §3.5: the encoder-form `orders` schema (107 bytes). */
static __attribute__((unused)) const char ORDERS_SCHEMA_HEX[] =
	"00 44 53 01 0a 06 6f 72 64 65 72 73 12 0d 0a 08 63 75 73 74 6f 6d 65 72 12 01 53"
	" 12 0a 0a 05 6f 72 64 65 72 12 01 53 12 0b 0a 06 72 65 67 69 6f 6e 12 01 53"
	" 1a 11 0a 08 63 75 73 74 6f 6d 65 72 12 05 6f 72 64 65 72"
	" 22 1e 0a 09 62 79 2d 72 65 67 69 6f 6e 12 11 0a 08 0a 06 72 65 67 69 6f 6e"
	" 12 05 0a 03 41 4c 4c 28 02 38 01";
/* §3.5: item {customer c1, order o1, qty N 3, region us} (65 bytes). */
static __attribute__((unused)) const char ORDERS_ITEM_HEX[] =
	"00 44 49 01 0a 10 0a 08 63 75 73 74 6f 6d 65 72 12 04 0a 02 63 31"
	" 0a 0d 0a 05 6f 72 64 65 72 12 04 0a 02 6f 31 0a 0a 0a 03 71 74 79 12 03 12 01 33"
	" 0a 0e 0a 06 72 65 67 69 6f 6e 12 04 0a 02 75 73";

#endif
