/*
 * DynamoDB records for the synthetic generator: tables and items exactly
 * as the live adapter writes them (dynamodb.md §2.3, §3.4): schema,
 * generation counter, ordered item keys with deterministic protobuf
 * values, and the GSI rows valued with the item key. Table mix:
 *   users    hash-only S key, a GSI on "city"
 *   events   composite S hash + N range (decimals, negatives, exponents)
 *   blobs    composite B hash + S range
 *   legacy   key_encoding_version 0 (legacy base64 item keys)
 *   migr     migrating: active generation 3, source generation 2
 * Items carry every attribute kind (S N B BOOL NULL SS NS BS L M, nested).
 */
#include <stdio.h>
#include <string.h>
#include "gen.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "adapters/dynamodb/ddb_internal.h"

struct gtable {
	const char *name, *hash, *range, *gsi, *gsi_hash;
	const char *const *defs;
	size_t n_defs;
	uint64_t gen, mig, kev;
};

static const char *const users_defs[] = { "city:S", "id:S" };
static const char *const events_defs[] = { "pk:S", "ts:N" };
static const char *const blobs_defs[] = { "bk:B", "sk:S" };
static const char *const legacy_defs[] = { "lk:S" };
static const char *const migr_defs[] = { "mk:S" };

static const struct gtable tables[] = {
	{ "users", "id", NULL, "by-city", "city", users_defs, 2, 1, 0, 2 },
	{ "events", "pk", "ts", NULL, NULL, events_defs, 2, 1, 0, 2 },
	{ "blobs", "bk", "sk", NULL, NULL, blobs_defs, 2, 1, 0, 2 },
	{ "legacy", "lk", NULL, NULL, NULL, legacy_defs, 1, 4, 0, 0 },
	{ "migr", "mk", NULL, NULL, NULL, migr_defs, 1, 3, 2, 2 },
};
#define N_TABLES (sizeof tables / sizeof tables[0])

static struct ddb_bytes cb(const char *s)
{
	struct ddb_bytes b = { (const uint8_t *)s, strlen(s) };
	return b;
}

static int put_schema(struct gen *g, const struct gtable *t)
{
	struct ddb_arena a;
	struct ddb_schema s;
	struct ddb_gsi gsi;
	ddb_arena_init(&a);
	memset(&s, 0, sizeof s);
	s.table_name = cb(t->name);
	s.hash_key = cb(t->hash);
	s.range_key = cb(t->range ? t->range : "");
	s.defs = ddb_arena_alloc(&a, t->n_defs * sizeof *s.defs);
	for (size_t i = 0; s.defs && i < t->n_defs; i++) {
		const char *colon = strchr(t->defs[i], ':');
		s.defs[i].name.p = (const uint8_t *)t->defs[i];
		s.defs[i].name.n = (size_t)(colon - t->defs[i]);
		s.defs[i].value = ddb_arena_alloc(&a, sizeof *s.defs[i].value);
		if (!s.defs[i].value) break;
		s.defs[i].value->kind = DDB_S;
		s.defs[i].value->scalar = cb(colon + 1);
	}
	s.n_defs = t->n_defs;
	if (t->gsi) {
		memset(&gsi, 0, sizeof gsi);
		gsi.name = cb(t->gsi);
		gsi.hash_key = cb(t->gsi_hash);
		gsi.projection_type = cb("ALL");
		s.gsis = &gsi;
		s.n_gsis = 1;
	}
	s.generation = t->gen;
	s.migrating_from_generation = t->mig;
	s.key_encoding_version = t->kev;
	struct ekv_buf key = EKV_BUF_INIT, val = EKV_BUF_INIT, gk = EKV_BUF_INIT, gv = EKV_BUF_INIT;
	int rc = a.failed || ekv_buf_append_str(&key, DDB_PREFIX_TABLE) ||
		 ekv_b64url_encode(&key, t->name, strlen(t->name)) || ddb_proto_write_schema(&val, &s) ||
		 ekv_buf_append_str(&gk, DDB_PREFIX_GEN) || ekv_b64url_encode(&gk, t->name, strlen(t->name)) ||
		 ekv_buf_printf(&gv, "%llu", (unsigned long long)t->gen);
	if (!rc) rc = gen_put(g, key.data, key.len, val.data, val.len);
	if (!rc) rc = gen_put(g, gk.data, gk.len, gv.data, gv.len);
	ekv_buf_release(&key);
	ekv_buf_release(&val);
	ekv_buf_release(&gk);
	ekv_buf_release(&gv);
	ddb_arena_release(&a);
	return rc;
}

/* ---- random attribute values (arena-backed) ---- */

static const char *rand_text(struct gen *g, struct ddb_arena *a, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789<>&\"\\/-_.:";
	char *s = ddb_arena_alloc(a, len + 1);
	if (!s) return "";
	for (size_t i = 0; i < len; i++) s[i] = alphabet[gen_below(g, sizeof alphabet - 1)];
	return s;
}

static const char *rand_number(struct gen *g, struct ddb_arena *a)
{
	char *s = ddb_arena_alloc(a, 48);
	if (!s) return "0";
	switch (gen_below(g, 5)) {
	case 0: snprintf(s, 48, "%llu", (unsigned long long)gen_below(g, 1000000)); break;
	case 1: snprintf(s, 48, "-%llu.%02llu", (unsigned long long)gen_below(g, 1000),
			 (unsigned long long)gen_below(g, 100)); break;
	case 2: snprintf(s, 48, "%llue%d", (unsigned long long)gen_below(g, 99) + 1, (int)gen_below(g, 250) - 125); break;
	case 3: snprintf(s, 48, "12345678901234567890123456789012345678"); break;
	default: snprintf(s, 48, "0.%03llu", (unsigned long long)gen_below(g, 1000)); break;
	}
	return s;
}

static struct ddb_av *rand_av(struct gen *g, struct ddb_arena *a, int depth);

static void add_strings(struct gen *g, struct ddb_arena *a, struct ddb_av *av, int kind)
{
	size_t n = gen_below(g, 4);
	av->strs = ddb_arena_alloc(a, (n + 1) * sizeof *av->strs);
	if (!av->strs) return;
	for (size_t i = 0; i < n; i++) {
		if (kind == DDB_NS) {
			av->strs[i] = cb(rand_number(g, a));
		} else if (kind == DDB_BS) {
			uint8_t *p = ddb_arena_alloc(a, 8);
			if (p) gen_bytes(g, p, 8);
			av->strs[i].p = p;
			av->strs[i].n = p ? 1 + gen_below(g, 7) : 0;
		} else {
			av->strs[i] = cb(rand_text(g, a, 1 + gen_below(g, 12)));
		}
	}
	av->n_strs = n;
}

static void add_members(struct gen *g, struct ddb_arena *a, struct ddb_av *av, int depth)
{
	size_t n = gen_below(g, 4);
	av->ents = ddb_arena_alloc(a, (n + 1) * sizeof *av->ents);
	if (!av->ents) return;
	for (size_t i = 0; i < n; i++) {
		char *name = ddb_arena_alloc(a, 24);
		if (!name) return;
		snprintf(name, 24, "m%zu", i);
		av->ents[i].name = cb(name);
		av->ents[i].value = rand_av(g, a, depth + 1);
		av->ents[i].seq = i;
	}
	av->n_ents = n;
}

static struct ddb_av *rand_av(struct gen *g, struct ddb_arena *a, int depth)
{
	struct ddb_av *av = ddb_arena_alloc(a, sizeof *av);
	if (!av) return NULL;
	int kind = DDB_S + (int)gen_below(g, depth >= 3 ? 8 : 10);
	av->kind = (enum ddb_kind)kind;
	switch (kind) {
	case DDB_S: av->scalar = cb(rand_text(g, a, gen_below(g, 24))); break;
	case DDB_N: av->scalar = cb(rand_number(g, a)); break;
	case DDB_B: {
		uint8_t *p = ddb_arena_alloc(a, 16);
		if (p) gen_bytes(g, p, 16);
		av->scalar.p = p;
		av->scalar.n = p ? gen_below(g, 17) : 0;
		break;
	}
	case DDB_BOOL: av->flag = (int)gen_below(g, 2); break;
	case DDB_NULL: av->flag = 1; break;
	case DDB_SS:
	case DDB_NS:
	case DDB_BS: add_strings(g, a, av, kind); break;
	case DDB_L: {
		size_t n = gen_below(g, 4);
		av->elems = ddb_arena_alloc(a, (n + 1) * sizeof *av->elems);
		for (size_t i = 0; av->elems && i < n; i++) av->elems[i] = rand_av(g, a, depth + 1);
		av->n_elems = av->elems ? n : 0;
		break;
	}
	case DDB_M: add_members(g, a, av, depth); break;
	}
	return av;
}

/* ---- items ---- */

struct gitem {
	struct ddb_arena a;
	struct ddb_entry ents[8];
	size_t n;
};

static void item_set(struct gitem *it, const char *name, struct ddb_av *v)
{
	it->ents[it->n].name = cb(name);
	it->ents[it->n].value = v;
	it->ents[it->n].seq = it->n;
	it->n++;
}

static struct ddb_av *scalar(struct gitem *it, enum ddb_kind k, const void *p, size_t n)
{
	struct ddb_av *av = ddb_arena_alloc(&it->a, sizeof *av);
	if (!av) return NULL;
	av->kind = k;
	av->scalar.p = p;
	av->scalar.n = n;
	return av;
}

static const char *fmt(struct gitem *it, const char *f, unsigned long long v)
{
	char *s = ddb_arena_alloc(&it->a, 64);
	if (s) snprintf(s, 64, f, v);
	return s ? s : "";
}

/* Key attributes of item i of table t (unique per table and generation). */
static void key_attrs(struct gen *g, const struct gtable *t, struct gitem *it, uint64_t i,
		      const struct ddb_av **h, const struct ddb_av **r)
{
	struct ddb_av *hv, *rv = NULL;
	if (strcmp(t->name, "events") == 0) {
		const char *pk = fmt(it, "dev-%llu", i / 8);
		hv = scalar(it, DDB_S, pk, strlen(pk));
		static const char *const forms[] = { "%llu", "-%llu.5", "%llue3", "0.%llu" };
		const char *ts = fmt(it, forms[i % 4], i + 1);
		rv = scalar(it, DDB_N, ts, strlen(ts));
	} else if (strcmp(t->name, "blobs") == 0) {
		uint8_t *p = ddb_arena_alloc(&it->a, 9);
		if (p) {
			ekv_put_be64(p, i / 4);
			p[8] = 0;
		}
		hv = scalar(it, DDB_B, p, p ? 9 : 0);
		const char *sk = fmt(it, "part/%llu", i % 4);
		rv = scalar(it, DDB_S, sk, strlen(sk));
	} else {
		char *s = ddb_arena_alloc(&it->a, 80);
		if (s) snprintf(s, 80, "%s-%06llu", t->name, (unsigned long long)i);
		hv = scalar(it, DDB_S, s ? s : "", s ? strlen(s) : 0);
	}
	(void)g;
	item_set(it, t->hash, hv);
	if (rv) item_set(it, t->range, rv);
	*h = hv;
	*r = rv;
}

static int append_oseg(struct ekv_buf *k, const struct ddb_av *av)
{
	struct ekv_buf kb = EKV_BUF_INIT;
	const char *reason;
	int rc = ddb_key_bytes(&kb, av, &reason) || ekv_keyseg_append(k, kb.data, kb.len);
	ekv_buf_release(&kb);
	return rc;
}

static int item_key(struct ekv_buf *k, const struct gtable *t, uint64_t gen, const struct ddb_av *h,
		    const struct ddb_av *r)
{
	if (ekv_buf_append_str(k, DDB_PREFIX_ITEM) || ekv_b64url_encode(k, t->name, strlen(t->name)) ||
	    ekv_buf_printf(k, "|%llu|", (unsigned long long)gen))
		return -1;
	if (t->kev < 2) {                          /* legacy: b64(lk(h)) | b64(lk(r) or "") */
		if (ekv_b64url_encode(k, h->scalar.p, h->scalar.n) || ekv_buf_append_byte(k, '|')) return -1;
		return r ? ekv_b64url_encode(k, r->scalar.p, r->scalar.n) : 0;
	}
	return append_oseg(k, h) || (r && append_oseg(k, r)) ? -1 : 0;
}

static int put_item(struct gen *g, const struct gtable *t, uint64_t gen, uint64_t i)
{
	struct gitem it;
	memset(&it, 0, sizeof it);
	ddb_arena_init(&it.a);
	const struct ddb_av *h, *r;
	key_attrs(g, t, &it, i, &h, &r);
	if (t->gsi && gen_below(g, 4)) {
		const char *city = fmt(&it, "city-%llu", gen_below(g, 16));
		item_set(&it, t->gsi_hash, scalar(&it, DDB_S, city, strlen(city)));
	}
	size_t extra = 1 + gen_below(g, 4);
	static const char *const names[] = { "a", "b<&>", "c", "d\xc3\xa9" };
	for (size_t e = 0; e < extra; e++) item_set(&it, names[e], rand_av(g, &it.a, 1));
	/* one string sized by --value-size */
	uint64_t vs = gen_value_size(g);
	item_set(&it, "payload", scalar(&it, DDB_S, rand_text(g, &it.a, vs > 4096 ? 4096 : vs),
					vs > 4096 ? 4096 : vs));
	ddb_map_normalize(it.ents, &it.n);
	struct ekv_buf key = EKV_BUF_INIT, val = EKV_BUF_INIT, gk = EKV_BUF_INIT;
	int rc = it.a.failed || item_key(&key, t, gen, h, r) || ddb_proto_write_item(&val, it.ents, it.n);
	if (!rc) rc = gen_put(g, key.data, key.len, val.data, val.len);
	const struct ddb_av *city = t->gsi ? ddb_map_get(it.ents, it.n, t->gsi_hash, strlen(t->gsi_hash)) : NULL;
	if (!rc && city) {                         /* live GSI row: value = item key */
		rc = ekv_buf_append_str(&gk, DDB_PREFIX_GSI) || ekv_b64url_encode(&gk, t->name, strlen(t->name)) ||
		     ekv_buf_printf(&gk, "|%llu|", (unsigned long long)gen) ||
		     ekv_b64url_encode(&gk, t->gsi, strlen(t->gsi)) || ekv_buf_append_byte(&gk, '|') ||
		     append_oseg(&gk, city) || append_oseg(&gk, h);
		if (!rc) rc = gen_put(g, gk.data, gk.len, key.data, key.len);
	}
	ekv_buf_release(&key);
	ekv_buf_release(&val);
	ekv_buf_release(&gk);
	ddb_arena_release(&it.a);
	return rc;
}

int gen_dynamodb(struct gen *g, uint64_t n)
{
	if (n == 0) return 0;
	uint64_t per_table = n / N_TABLES + 1;
	for (size_t t = 0; t < N_TABLES; t++) {
		int rc = put_schema(g, &tables[t]);
		for (uint64_t i = 0; !rc && i < per_table; i++) {
			uint64_t gen = tables[t].gen;
			/* migr: every third item still lives in the source generation */
			if (tables[t].mig && i % 3 == 0) gen = tables[t].mig;
			rc = put_item(g, &tables[t], gen, i);
		}
		if (rc) return rc;
	}
	return 0;
}
