/* DynamoDB decode fails closed (dynamodb.md §6.1, D16): a typed status
 * naming the record, and no MANIFEST.json. */
#include "ddb_test_util.h"

static void put_schema_rec(struct snapb *s, const char *table, const char *hash, const char *range)
{
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	schema_body(&v, table, hash, range, NULL, 0, 1, 0, 2);
	table_key(&k, DDB_PREFIX_TABLE, table);
	sb_put(s, &k, &v);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

static void put_raw(struct snapb *s, const char *key, size_t klen, const char *val, size_t vlen)
{
	sb_put_full(s, key, klen, TS0, 0, val, vlen);
}

static void expect_fail(struct snapb *s, int code, const char *msg_part)
{
	sb_write(s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	int rc = run_decode("in.fsm", "out", 0, 0, 0, &w, NULL, &err);
	char eb[1024];
	if (rc != code)
		ekv_test_fail(__FILE__, __LINE__, "decode returned %s, expected %s: %s", ekv_status_name(rc),
			      ekv_status_name(code), ekv_error_format(&err, eb, sizeof eb));
	if (msg_part && !strstr(err.msg, msg_part))
		ekv_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.msg, msg_part);
	CHECK(err.has_key);
	CHECK(err.has_offset);
	CHECK(err.adapter && strcmp(err.adapter, "dynamodb") == 0);
	CHECK(!ekv_test_file_exists("out/MANIFEST.json"));
}

#define ITEM_OK "\x00\x44\x49\x01"

EKV_TEST(schema_key_empty_segment)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|meta|table|", 16, "\x00\x44\x53\x01", 4);
	expect_fail(&s, EKV_EDATA, "empty table segment");
}

EKV_TEST(schema_key_not_base64url)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|meta|table|a=b", 19, "\x00\x44\x53\x01", 4);
	expect_fail(&s, EKV_EDATA, "base64url");
}

EKV_TEST(schema_value_without_magic)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|meta|table|dA", 18, "not-magic", 9);
	expect_fail(&s, EKV_EDATA, "magic");
}

EKV_TEST(schema_value_bad_protobuf)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|meta|table|dA", 18, "\x00\x44\x53\x01\x0a\x05xy", 8);
	expect_fail(&s, EKV_EDATA, "length beyond");
}

EKV_TEST(schema_value_invalid_utf8)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|meta|table|dA", 18, "\x00\x44\x53\x01\x0a\x01\xff", 7);
	expect_fail(&s, EKV_EDATA, "UTF-8");
}

EKV_TEST(schema_value_bad_wire_type)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|meta|table|dA", 18, "\x00\x44\x53\x01\x0e\x00", 6);   /* wire type 6 */
	expect_fail(&s, EKV_EDATA, "wire type");
}

EKV_TEST(table_named_dot_or_dotdot)
{
	/* D16: "." -> Lg, ".." -> Li4 */
	struct snapb s = { 0 };
	put_schema_rec(&s, "..", "h", NULL);
	expect_fail(&s, EKV_EUNSAFE, "D16");
	struct snapb s2 = { 0 };
	put_schema_rec(&s2, ".", "h", NULL);
	expect_fail(&s2, EKV_EUNSAFE, "D16");
}

EKV_TEST(item_key_malformed)
{
	static const struct {
		const char *key;
		const char *msg;
	} cases[] = {
		{ "!ddb|item|", "without table segment" },
		{ "!ddb|item|dA", "without table segment" },
		{ "!ddb|item||1|x", "without table segment" },
		{ "!ddb|item|d=|1|x", "base64url" },
		{ "!ddb|item|dA|", "without generation" },
		{ "!ddb|item|dA||x", "without generation" },
		{ "!ddb|item|dA|1", "without generation" },
		{ "!ddb|item|dA|-1|x", "decimal" },
		{ "!ddb|item|dA|99999999999999999999|x", "decimal" },
		{ "!ddb|item|dA|7|", "primary-key payload" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct snapb s = { 0 };
		put_raw(&s, cases[i].key, strlen(cases[i].key), ITEM_OK, 4);
		ekv_test_sh("rm -rf out");
		expect_fail(&s, EKV_EDATA, cases[i].msg);
	}
}

EKV_TEST(item_value_without_magic)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|item|dA|1|x", 16, "not-magic", 9);
	expect_fail(&s, EKV_EDATA, "magic");
}

EKV_TEST(item_value_bad_protobuf)
{
	static const struct {
		const char *v;
		size_t n;
		const char *msg;
	} cases[] = {
		{ ITEM_OK "\x0a\x05\x0a", 7, "length beyond" },
		{ ITEM_OK "\x08", 5, "truncated varint" },
		{ ITEM_OK "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 15, "overflows" },
		{ ITEM_OK "\x00\x00", 6, "field number" },
		{ ITEM_OK "\x0c", 5, "end-group" },
		{ ITEM_OK "\x0b\x08\x01", 7, "truncated varint" },      /* unterminated group */
		{ ITEM_OK "\x0b\x14", 6, "mismatched end-group" },
		{ ITEM_OK "\x09\x00", 6, "truncated fixed64" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct snapb s = { 0 };
		put_raw(&s, "!ddb|item|dA|1|x", 16, cases[i].v, cases[i].n);
		ekv_test_sh("rm -rf out");
		expect_fail(&s, EKV_EDATA, cases[i].msg);
	}
}

EKV_TEST(unknown_group_is_skipped)
{
	struct snapb s = { 0 };
	put_schema_rec(&s, "t", "h", NULL);
	/* field 15 start-group { field 1 varint } end-group, then h = S "k" */
	put_raw(&s, "!ddb|item|dA|1|x", 16, ITEM_OK "\x7b\x08\x01\x7c\x0a\x08\x0a\x01h\x12\x03\x0a\x01k", 18);
	sb_write(&s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("in.fsm", "out", 0, 0, 0, &w, NULL, &err), &err);
	CHECK(ekv_test_file_exists("out/dynamodb/t/items/k.json"));
}

static void item_with(struct snapb *s, const char *table, const char *body, size_t n)
{
	struct ekv_buf k = EKV_BUF_INIT;
	table_key(&k, DDB_PREFIX_ITEM, table);
	ekv_buf_append_str(&k, "|1|x");
	ekv_buf_append(&k, "\x00\x01", 2);
	char v[256];
	memcpy(v, ITEM_OK, 4);
	memcpy(v + 4, body, n);
	sb_put_full(s, k.data, k.len, TS0, 0, v, n + 4);
	ekv_buf_release(&k);
}

EKV_TEST(item_missing_hash_key_attribute)
{
	struct snapb s = { 0 };
	put_schema_rec(&s, "t", "id", NULL);
	item_with(&s, "t", "\x0a\x0c\x0a\x05other\x12\x03\x0a\x01v", 14);
	expect_fail(&s, EKV_EDATA, "missing hash-key");
}

EKV_TEST(item_missing_range_key_attribute)
{
	struct snapb s = { 0 };
	put_schema_rec(&s, "t", "h", "r");
	item_with(&s, "t", "\x0a\x08\x0a\x01h\x12\x03\x0a\x01k", 10);
	expect_fail(&s, EKV_EDATA, "missing range-key");
}

EKV_TEST(item_key_attribute_wrong_kind)
{
	struct snapb s = { 0 };
	put_schema_rec(&s, "t", "h", NULL);
	item_with(&s, "t", "\x0a\x07\x0a\x01h\x12\x02\x20\x01", 9);          /* BOOL */
	expect_fail(&s, EKV_EDATA, "unsupported attribute kind");
	struct snapb s2 = { 0 };
	put_schema_rec(&s2, "t", "h", NULL);
	item_with(&s2, "t", "\x0a\x03\x0a\x01h", 5);                          /* no member */
	ekv_test_sh("rm -rf out");
	expect_fail(&s2, EKV_EDATA, "unsupported attribute kind");
}

EKV_TEST(item_file_collision)
{
	/* D16: S "1" and N "1" name the same file; also N "1" vs "1.0" (legacy) */
	struct snapb s = { 0 };
	put_schema_rec(&s, "t", "h", NULL);
	struct avb b;
	ddb_arena_init(&b.a);
	struct ddb_av *s1 = av_s(&b, "1"), *n1 = av_n(&b, "1.0");
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	struct kv a[] = { { "h", s1 } }, c[] = { { "h", n1 } };
	ordered_item_key(&k, "t", 1, s1, NULL);
	item_body(&v, a, 1);
	sb_put(&s, &k, &v);
	ekv_buf_reset(&k);
	ekv_buf_reset(&v);
	ordered_item_key(&k, "t", 1, n1, NULL);
	item_body(&v, c, 1);
	sb_put(&s, &k, &v);
	expect_fail(&s, EKV_EEXIST, "two items map to one file 1.json");
	ekv_buf_release(&k);
	ekv_buf_release(&v);
	ddb_arena_release(&b.a);
}

EKV_TEST(stale_generation_items_are_not_validated)
{
	/* upstream: stale rows are dropped without checking their key attributes */
	struct snapb s = { 0 };
	put_schema_rec(&s, "t", "id", NULL);
	struct ekv_buf k = EKV_BUF_INIT;
	table_key(&k, DDB_PREFIX_ITEM, "t");
	ekv_buf_append_str(&k, "|5|x");
	sb_put_full(&s, k.data, k.len, TS0, 0, ITEM_OK, 4);      /* empty item, gen 5 */
	sb_write(&s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("in.fsm", "out", 0, 0, 0, &w, NULL, &err), &err);
	CHECK_INT(count_warn(&w, "ddb_stale_generation_items"), 1);
	ekv_buf_release(&k);
}

EKV_TEST(gsi_and_counter_rows_never_parsed)
{
	struct snapb s = { 0 };
	put_raw(&s, "!ddb|gsi|whatever", 17, "opaque", 6);
	put_raw(&s, "!ddb|meta|gen|%%%", 17, "x", 1);
	put_raw(&s, "!ddb|other|x", 12, "x", 1);
	sb_write(&s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	struct ekv_decode_result res;
	CHECK_OK(run_decode("in.fsm", "out", 0, 0, 0, &w, &res, &err), &err);
	CHECK_U64(res.counters.adapter[EKV_ADAPTER_DYNAMODB], 2);
	CHECK_U64(res.counters.unknown, 1);
	CHECK(!ekv_test_file_exists("out/dynamodb"));
}
