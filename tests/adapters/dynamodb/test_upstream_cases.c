/* Remaining cases of upstream's DynamoDB tests (dynamodb.md §7.1-§7.4)
 * not covered elsewhere. */
#include "ddb_test_util.h"

static void make_dump(const char *root)
{
	struct snapb s = { 0 };
	sb_write(&s, "empty.fsm");
	struct ekv_error err;
	struct warns w = { 0 };
	CHECK_OK(run_decode("empty.fsm", root, 0, 0, 0, &w, NULL, &err), &err);
}

static void put(const char *path, const char *text)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = 0;
	CHECK(ekv_test_sh("mkdir -p '%s'", dir) == 0);
	ekv_test_write_file(path, text, strlen(text));
}

EKV_TEST(schema_json_is_deterministic)
{
	/* TestDDB_SchemaJSONIsDeterministic: defs and GSIs sorted by name */
	struct ddb_arena a;
	ddb_arena_init(&a);
	struct ddb_schema s;
	memset(&s, 0, sizeof s);
	s.table_name = bs("t");
	s.hash_key = bs("id");
	const char *defs[] = { "zeta", "alpha", "id", "mu" };
	s.defs = ddb_arena_alloc(&a, 4 * sizeof *s.defs);
	for (int i = 0; i < 4; i++) {
		s.defs[i].name = bs(defs[i]);
		s.defs[i].value = ddb_arena_alloc(&a, sizeof *s.defs[i].value);
		s.defs[i].value->kind = DDB_S;
		s.defs[i].value->scalar = bs("S");
		s.defs[i].seq = (size_t)i;
	}
	s.n_defs = 4;
	ddb_map_normalize(s.defs, &s.n_defs);
	const char *gsis[] = { "gZ", "gA", "gM" };
	s.gsis = ddb_arena_alloc(&a, 3 * sizeof *s.gsis);
	for (int i = 0; i < 3; i++) {
		s.gsis[i].name = bs(gsis[i]);
		s.gsis[i].hash_key = bs("alpha");
		s.gsis[i].projection_type = bs("KEYS_ONLY");
	}
	s.n_gsis = 3;
	struct ekv_buf body = EKV_BUF_INIT, first = EKV_BUF_INIT, again = EKV_BUF_INIT;
	ddb_proto_write_schema(&body, &s);
	for (int i = 0; i < 32; i++) {
		struct ddb_arena pa;
		struct ddb_schema parsed;
		struct ekv_error err = { 0 };
		ddb_arena_init(&pa);
		CHECK_OK(ddb_proto_parse_schema(body.data + 4, body.len - 4, &pa, &parsed, &err), &err);
		ekv_buf_reset(&again);
		CHECK_OK(ddb_json_schema(&again, &parsed), NULL);
		if (i == 0) ekv_buf_set(&first, again.data, again.len);
		CHECK_MEM(first.data, first.len, again.data, again.len);
		ddb_arena_release(&pa);
	}
	const char *t = strstr((const char *)first.data, "attribute_definitions");
	CHECK(t != NULL);
	const char *pa = strstr(t, "\"alpha\""), *pi = strstr(t, "\"id\""), *pm = strstr(t, "\"mu\""),
		   *pz = strstr(t, "\"zeta\""), *ga = strstr(t, "\"gA\""), *gm = strstr(t, "\"gM\""),
		   *gz = strstr(t, "\"gZ\"");
	CHECK(pa && pi && pm && pz && pa < pi && pi < pm && pm < pz);
	CHECK(ga && gm && gz && ga < gm && gm < gz);
	ekv_buf_release(&body);
	ekv_buf_release(&first);
	ekv_buf_release(&again);
	ddb_arena_release(&a);
}

EKV_TEST(parse_item_key_extracts_generation)
{
	/* TestDDB_ParseItemKeyExtractsGeneration */
	struct ekv_buf k = EKV_BUF_INIT;
	legacy_item_key(&k, "orders", 42, "pk", "sk");
	struct ddb_bytes seg;
	uint64_t gen = 0;
	struct ekv_error err = { 0 };
	CHECK_OK(ddb_parse_item_key(k.data, k.len, &seg, &gen, &err), &err);
	CHECK_MEM(seg.p, seg.n, "b3JkZXJz", 8);
	CHECK_U64(gen, 42);
	ekv_buf_reset(&k);
	ekv_buf_append_str(&k, "!ddb|item|dA|007|x");      /* leading zeros allowed */
	CHECK_OK(ddb_parse_item_key(k.data, k.len, &seg, &gen, &err), &err);
	CHECK_U64(gen, 7);
	ekv_buf_release(&k);
}

EKV_TEST(composite_key_file_name)
{
	/* TestDDB_CompositeKeyTableRoundTrip */
	struct snapb s = { 0 };
	struct avb b;
	ddb_arena_init(&b.a);
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	const char *defs[] = { "customer_id:S", "order_ts:S" };
	schema_body(&v, "orders", "customer_id", "order_ts", defs, 2, 1, 0, 2);
	table_key(&k, DDB_PREFIX_TABLE, "orders");
	sb_put(&s, &k, &v);
	struct ddb_av *h = av_s(&b, "customer-7421"), *r = av_s(&b, "2026-04-29T12:00:00Z");
	struct kv kvs[] = { { "customer_id", h }, { "order_ts", r }, { "total", av_n(&b, "129.50") } };
	ekv_buf_reset(&k);
	ekv_buf_reset(&v);
	ordered_item_key(&k, "orders", 1, h, r);
	item_body(&v, kvs, 3);
	sb_put(&s, &k, &v);
	sb_write(&s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("in.fsm", "out", 0, 0, 0, &w, NULL, &err), &err);
	CHECK(ekv_test_file_exists("out/dynamodb/orders/items/customer-7421/2026-04-29T12%3A00%3A00Z.json"));
	char *item = slurp("out/dynamodb/orders/items/customer-7421/2026-04-29T12%3A00%3A00Z.json");
	CHECK(strstr(item, "\"N\": \"129.50\"") != NULL);          /* values keep their text */
	free(item);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
	ddb_arena_release(&b.a);
}

EKV_TEST(structural_edge_cases_round_trip)
{
	/* TestDDBEncodeItemPreservesStructuralEdgeCases, with the decoder's bytes */
	struct snapb s = { 0 };
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	const char *defs[] = { "id:S" };
	schema_body(&v, "t", "id", NULL, defs, 1, 1, 0, 2);
	table_key(&k, DDB_PREFIX_TABLE, "t");
	sb_put(&s, &k, &v);
	sb_write(&s, "schema.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("schema.fsm", "d", 0, 0, 0, &w, NULL, &err), &err);
	put("d/dynamodb/t/items/k.json",
	    "{\n  \"ebs\": {\n    \"BS\": []\n  },\n  \"ens\": {\n    \"NS\": []\n  },\n  \"ess\": {\n"
	    "    \"SS\": []\n  },\n  \"id\": {\n    \"S\": \"k\"\n  },\n  \"nf\": {\n    \"NULL\": false\n  }\n}");
	/* binary hash key in a hash-only table, placed in a subdirectory (names are ignored) */
	put("d/dynamodb/t/items/sub/x.json",
	    "{\n  \"bin\": {\n    \"B\": \"aGVsbG8=\"\n  },\n  \"id\": {\n    \"S\": \"b\"\n  }\n}");
	struct ekv_encode_result res;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
	CHECK_OK(run_decode("out.fsm", "d2", 0, 0, 0, &w, NULL, &err), &err);
	CHECK_INT(ekv_test_sh("cmp d/dynamodb/t/items/k.json d2/dynamodb/t/items/k.json"), 0);
	CHECK_INT(ekv_test_sh("cmp d/dynamodb/t/items/sub/x.json d2/dynamodb/t/items/b.json"), 0);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

EKV_TEST(gsi_sparse_missing_range)
{
	/* TestDDBEncodeGSISparseSkipsMissingIndexRange */
	make_dump("d");
	put("d/dynamodb/orders/_schema.json",
	    "{\"format_version\":1,\"table_name\":\"orders\",\"primary_key\":{\"hash_key\":{\"name\":\"customer\"}},"
	    "\"global_secondary_indexes\":[{\"name\":\"by-region\",\"key_schema\":{\"hash_key\":{\"name\":\"region\"},"
	    "\"range_key\":{\"name\":\"ts\"}},\"projection\":{\"type\":\"ALL\"}}]}");
	put("d/dynamodb/orders/items/a.json", "{\"customer\":{\"S\":\"a\"},\"region\":{\"S\":\"us\"},\"ts\":{\"N\":\"5\"}}");
	put("d/dynamodb/orders/items/b.json", "{\"customer\":{\"S\":\"b\"},\"region\":{\"S\":\"us\"}}");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
	struct live l;
	read_live("out.fsm", &l);
	CHECK_INT(live_count_prefix(&l, "!ddb|item|"), 2);
	CHECK_INT(live_count_prefix(&l, "!ddb|gsi|"), 1);
	live_free(&l);
	/* an invalid index hash is refused even when the index range is absent */
	put("d/dynamodb/orders/items/c.json", "{\"customer\":{\"S\":\"c\"},\"region\":{\"NULL\":true}}");
	CHECK_STATUS(run_encode("d", "out2.fsm", 0, &res, &err), EKV_EINPUT, &err);
}
