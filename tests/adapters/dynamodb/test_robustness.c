/* Seeded mutation tests (run under ASan/UBSan in CI): hostile protobuf
 * bodies, number texts and item JSON never crash and only ever give OK or
 * the typed data error. */
#include "ddb_test_util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mutate(uint8_t *p, size_t *n, size_t cap)
{
	int edits = 1 + (int)(next_rand() % 4);
	for (int e = 0; e < edits; e++) {
		switch (next_rand() % 4) {
		case 0: if (*n) p[next_rand() % *n] = (uint8_t)next_rand(); break;
		case 1: if (*n) p[next_rand() % *n] ^= (uint8_t)(1u << (next_rand() % 8)); break;
		case 2: if (*n) *n = next_rand() % *n; break;
		default:
			if (*n < cap) {
				size_t at = *n ? next_rand() % *n : 0;
				memmove(p + at + 1, p + at, *n - at);
				p[at] = (uint8_t)next_rand();
				(*n)++;
			}
		}
	}
}

/* A body exercising every member kind, written by our own encoder. */
static void seed_item(struct ekv_buf *out)
{
	struct avb b;
	ddb_arena_init(&b.a);
	struct ddb_av *l = av_new(&b, DDB_L), *m = av_new(&b, DDB_M), *ss = av_new(&b, DDB_SS);
	struct ddb_av *elems[2] = { av_s(&b, "x"), av_n(&b, "9") };
	l->elems = elems;
	l->n_elems = 2;
	struct ddb_entry me[1] = { { bs("k"), av_b(&b, "\x01\x02", 2), 0 } };
	m->ents = me;
	m->n_ents = 1;
	struct ddb_bytes strs[2] = { bs("a"), bs("b") };
	ss->strs = strs;
	ss->n_strs = 2;
	struct ddb_av *t = av_new(&b, DDB_BOOL);
	t->flag = 1;
	struct kv kvs[] = { { "h", av_s(&b, "key") }, { "l", l }, { "m", m }, { "ss", ss }, { "t", t },
			    { "n", av_n(&b, "-12.5") } };
	item_body(out, kvs, 6);
	ddb_arena_release(&b.a);
}

EKV_TEST(mutated_item_protobuf)
{
	struct ekv_buf seed = EKV_BUF_INIT, json = EKV_BUF_INIT;
	seed_item(&seed);
	uint8_t buf[1024];
	for (int round = 0; round < 20000; round++) {
		size_t n = seed.len - 4;
		memcpy(buf, seed.data + 4, n);
		mutate(buf, &n, sizeof buf);
		struct ddb_arena a;
		struct ddb_map item;
		struct ekv_error err = { 0 };
		ddb_arena_init(&a);
		int rc = ddb_proto_parse_item(buf, n, &a, &item, &err);
		CHECK(rc == EKV_OK || rc == EKV_EDATA);
		if (rc == EKV_OK) {
			ekv_buf_reset(&json);
			CHECK_OK(ddb_json_item(&json, item.ents, item.n, round & 1), NULL);
			/* what parses re-encodes deterministically and parses again */
			struct ekv_buf re = EKV_BUF_INIT;
			CHECK_OK(ddb_proto_write_item(&re, item.ents, item.n), NULL);
			struct ddb_arena a2;
			struct ddb_map again;
			ddb_arena_init(&a2);
			CHECK_OK(ddb_proto_parse_item(re.data + 4, re.len - 4, &a2, &again, &err), &err);
			struct ekv_buf json2 = EKV_BUF_INIT;
			CHECK_OK(ddb_json_item(&json2, again.ents, again.n, round & 1), NULL);
			CHECK_MEM(json.data, json.len, json2.data, json2.len);
			ekv_buf_release(&json2);
			ekv_buf_release(&re);
			ddb_arena_release(&a2);
		}
		ddb_arena_release(&a);
	}
	ekv_buf_release(&seed);
	ekv_buf_release(&json);
}

EKV_TEST(mutated_schema_protobuf)
{
	struct ekv_buf seed = EKV_BUF_INIT, json = EKV_BUF_INIT;
	const char *defs[] = { "h:S", "r:N", "g:B" };
	schema_body(&seed, "table", "h", "r", defs, 3, 7, 6, 2);
	uint8_t buf[1024];
	for (int round = 0; round < 20000; round++) {
		size_t n = seed.len - 4;
		memcpy(buf, seed.data + 4, n);
		mutate(buf, &n, sizeof buf);
		struct ddb_arena a;
		struct ddb_schema s;
		struct ekv_error err = { 0 };
		ddb_arena_init(&a);
		int rc = ddb_proto_parse_schema(buf, n, &a, &s, &err);
		CHECK(rc == EKV_OK || rc == EKV_EDATA);
		if (rc == EKV_OK) {
			ekv_buf_reset(&json);
			CHECK_OK(ddb_json_schema(&json, &s), NULL);
		}
		ddb_arena_release(&a);
	}
	ekv_buf_release(&seed);
	ekv_buf_release(&json);
}

EKV_TEST(deep_nesting_is_bounded)
{
	/* 2000 nested lists: refused (limit 1000), no stack exhaustion */
	struct ekv_buf body = EKV_BUF_INIT, tmp = EKV_BUF_INIT;
	ekv_buf_append(&body, "\x0a\x01x", 3);                  /* innermost: S "x" */
	for (int i = 0; i < 2000; i++) {
		ekv_buf_reset(&tmp);
		/* list message { values: body } wrapped as AttributeValue.l */
		uint8_t hdr[16];
		size_t h = 0, inner = body.len + 1 + (body.len < 128 ? 1 : body.len < 16384 ? 2 : 3);
		hdr[h++] = 0x4a;
		for (size_t v = inner; ; v >>= 7) { hdr[h++] = (uint8_t)((v & 0x7f) | (v >= 128 ? 0x80 : 0)); if (v < 128) break; }
		hdr[h++] = 0x0a;
		for (size_t v = body.len; ; v >>= 7) { hdr[h++] = (uint8_t)((v & 0x7f) | (v >= 128 ? 0x80 : 0)); if (v < 128) break; }
		ekv_buf_append(&tmp, hdr, h);
		ekv_buf_append(&tmp, body.data, body.len);
		ekv_buf_set(&body, tmp.data, tmp.len);
	}
	/* item { attributes { key "a" value body } } */
	struct ekv_buf item = EKV_BUF_INIT, entry = EKV_BUF_INIT;
	ekv_buf_append(&entry, "\x0a\x01" "a\x12", 4);
	uint8_t len[10];
	size_t ln = 0;
	for (size_t v = body.len; ; v >>= 7) { len[ln++] = (uint8_t)((v & 0x7f) | (v >= 128 ? 0x80 : 0)); if (v < 128) break; }
	ekv_buf_append(&entry, len, ln);
	ekv_buf_append(&entry, body.data, body.len);
	ekv_buf_append_byte(&item, 0x0a);
	ln = 0;
	for (size_t v = entry.len; ; v >>= 7) { len[ln++] = (uint8_t)((v & 0x7f) | (v >= 128 ? 0x80 : 0)); if (v < 128) break; }
	ekv_buf_append(&item, len, ln);
	ekv_buf_append(&item, entry.data, entry.len);
	struct ddb_arena a;
	struct ddb_map m;
	struct ekv_error err = { 0 };
	ddb_arena_init(&a);
	CHECK_STATUS(ddb_proto_parse_item(item.data, item.len, &a, &m, &err), EKV_EDATA, &err);
	CHECK(strstr(err.msg, "nesting") != NULL);
	ddb_arena_release(&a);
	ekv_buf_release(&body);
	ekv_buf_release(&tmp);
	ekv_buf_release(&item);
	ekv_buf_release(&entry);
}

EKV_TEST(random_number_texts)
{
	static const char alphabet[] = "0123456789+-.eE _x/\xc2\xa0";
	for (int round = 0; round < 50000; round++) {
		char t[24];
		size_t n = next_rand() % sizeof t;
		for (size_t i = 0; i < n; i++) t[i] = alphabet[next_rand() % (sizeof alphabet - 1)];
		struct ekv_buf k = EKV_BUF_INIT, c = EKV_BUF_INIT;
		const char *reason = NULL;
		int ok = ddb_numkey(&k, (const uint8_t *)t, n, &reason) == 0;
		CHECK(ok || reason != NULL);
		CHECK_OK(ddb_canon_number(&c, (const uint8_t *)t, n), NULL);
		/* a valid key's name is an integer (itself a valid key) or a fraction */
		if (ok) {
			struct ekv_buf k2 = EKV_BUF_INIT;
			CHECK(ddb_numkey(&k2, c.data, c.len, &reason) == 0 || strchr((char *)c.data, '/'));
			ekv_buf_release(&k2);
		}
		ekv_buf_release(&k);
		ekv_buf_release(&c);
	}
}

EKV_TEST(mutated_item_json_encode)
{
	/* hand-edited dumps: every outcome is OK or a typed input/duplicate error */
	struct snapb s = { 0 };
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	const char *defs[] = { "h:S" };
	schema_body(&v, "t", "h", NULL, defs, 1, 1, 0, 2);
	table_key(&k, DDB_PREFIX_TABLE, "t");
	sb_put(&s, &k, &v);
	sb_write(&s, "schema.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("schema.fsm", "d", 0, 0, 0, &w, NULL, &err), &err);
	const char seed[] = "{\"h\":{\"S\":\"k\"},\"l\":{\"L\":[{\"N\":\"1\"},{\"M\":{\"a\":{\"BS\":[\"AAE=\"]}}}]},"
			    "\"b\":{\"BOOL\":true},\"z\":{\"NULL\":false},\"s\":{\"SS\":[\"x\"]}}";
	uint8_t buf[512];
	for (int round = 0; round < 300; round++) {
		size_t n = sizeof seed - 1;
		memcpy(buf, seed, n);
		mutate(buf, &n, sizeof buf);
		ekv_test_write_file("d/dynamodb/t/items/x.json", buf, n);
		struct ekv_encode_result res;
		int rc = run_encode("d", "out.fsm", 0, &res, &err);
		CHECK(rc == EKV_OK || rc == EKV_EINPUT);
		unlink("out.fsm");
		unlink("out.fsm.encode_info.json");
	}
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

EKV_TEST(forty_levels_round_trip)
{
	/* live items nest up to 32 levels; 40 levels of M/L decode, re-encode
	 * and decode to the same bytes (no fixed JSON depth in the item writer) */
	struct avb b;
	ddb_arena_init(&b.a);
	struct ddb_av *cur = av_s(&b, "leaf");
	for (int i = 0; i < 40; i++) {
		struct ddb_av *wrap = av_new(&b, i % 2 ? DDB_L : DDB_M);
		if (i % 2) {
			wrap->elems = ddb_arena_alloc(&b.a, sizeof *wrap->elems);
			wrap->elems[0] = cur;
			wrap->n_elems = 1;
		} else {
			wrap->ents = ddb_arena_alloc(&b.a, sizeof *wrap->ents);
			wrap->ents[0].name = bs("m");
			wrap->ents[0].value = cur;
			wrap->n_ents = 1;
		}
		cur = wrap;
	}
	struct snapb s = { 0 };
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	const char *defs[] = { "h:S" };
	schema_body(&v, "t", "h", NULL, defs, 1, 1, 0, 2);
	table_key(&k, DDB_PREFIX_TABLE, "t");
	sb_put(&s, &k, &v);
	struct ddb_av *h = av_s(&b, "deep");
	struct kv kvs[] = { { "h", h }, { "n", cur } };
	ekv_buf_reset(&k);
	ekv_buf_reset(&v);
	ordered_item_key(&k, "t", 1, h, NULL);
	item_body(&v, kvs, 2);
	sb_put(&s, &k, &v);
	sb_write(&s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("in.fsm", "d", 0, 0, 0, &w, NULL, &err), &err);
	struct ekv_encode_result res;
	CHECK_OK(run_encode("d", "out.fsm", 1, &res, &err), &err);
	if (!res.self_test_matched) ekv_test_fail(__FILE__, __LINE__, "self-test: %s", res.mismatch);
	free(res.mismatch);
	struct live l;
	read_live("out.fsm", &l);
	int i = live_find(&l, k.data, k.len);
	CHECK(i >= 0);
	CHECK_MEM(l.bodies[i].data, l.bodies[i].len, v.data, v.len);
	live_free(&l);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
	ddb_arena_release(&b.a);
}
