/* DynamoDB encode: records exactly as the live adapter writes them
 * (dynamodb.md §5.7 worked example, GSI rows, numbers), round trips. */
#include <sys/stat.h>
#include "ddb_test_util.h"


static const char ORDERS_SCHEMA_JSON[] =
	"{\n  \"format_version\": 1,\n  \"table_name\": \"orders\",\n  \"primary_key\": {\n"
	"    \"hash_key\": {\n      \"name\": \"customer\",\n      \"type\": \"S\"\n    },\n"
	"    \"range_key\": {\n      \"name\": \"order\",\n      \"type\": \"S\"\n    }\n  },\n"
	"  \"attribute_definitions\": [\n    {\n      \"name\": \"customer\",\n      \"type\": \"S\"\n    },\n"
	"    {\n      \"name\": \"order\",\n      \"type\": \"S\"\n    },\n"
	"    {\n      \"name\": \"region\",\n      \"type\": \"S\"\n    }\n  ],\n"
	"  \"global_secondary_indexes\": [\n    {\n      \"name\": \"by-region\",\n"
	"      \"key_schema\": {\n        \"hash_key\": {\n          \"name\": \"region\",\n"
	"          \"type\": \"S\"\n        },\n        \"range_key\": {}\n      },\n"
	"      \"projection\": {\n        \"type\": \"ALL\"\n      }\n    }\n  ]\n}";

/* A dump tree written by hand: MANIFEST from a decode of an empty snapshot. */
static void make_dump(const char *root)
{
	struct snapb s = { 0 };
	sb_write(&s, "empty.fsm");
	struct ekv_error err;
	struct warns w = { 0 };
	CHECK_OK(run_decode("empty.fsm", root, 0, 0, 0, &w, NULL, &err), &err);
	CHECK(ekv_test_sh("mkdir -p '%s/dynamodb'", root) == 0);
}

static void put(const char *path, const char *text)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	*slash = 0;
	CHECK(ekv_test_sh("mkdir -p '%s'", dir) == 0);
	ekv_test_write_file(path, text, strlen(text));
}

static void check_body(const struct live *l, const void *key, size_t klen, const void *want, size_t wn)
{
	int i = live_find(l, key, klen);
	CHECK(i >= 0);
	CHECK_MEM(l->bodies[i].data, l->bodies[i].len, want, wn);
}

EKV_TEST(worked_example_records)
{
	/* dynamodb.md §5.7 */
	make_dump("d");
	put("d/dynamodb/orders/_schema.json", ORDERS_SCHEMA_JSON);
	put("d/dynamodb/orders/items/c1/o1.json",
	    "{\"customer\":{\"S\":\"c1\"},\"order\":{\"S\":\"o1\"},\"qty\":{\"N\":\"3\"},\"region\":{\"S\":\"us\"}}");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
	struct live l;
	read_live("out.fsm", &l);
	CHECK_INT(l.n, 4);
	uint8_t v[256];
	size_t n = unhex(v, ORDERS_SCHEMA_HEX);
	CHECK_INT(n, 107);
	check_body(&l, "!ddb|meta|table|b3JkZXJz", 24, v, n);
	check_body(&l, "!ddb|meta|gen|b3JkZXJz", 22, "1", 1);
	const char item_key[] = "!ddb|item|b3JkZXJz|1|c1\x00\x01o1\x00\x01";
	n = unhex(v, ORDERS_ITEM_HEX);
	CHECK_INT(n, 65);
	check_body(&l, item_key, sizeof item_key - 1, v, n);
	const char gsi_key[] = "!ddb|gsi|b3JkZXJz|1|YnktcmVnaW9u|us\x00\x01" "c1\x00\x01o1\x00\x01";
	check_body(&l, gsi_key, sizeof gsi_key - 1, item_key, sizeof item_key - 1);
	live_free(&l);
}

EKV_TEST(worked_example_self_test_and_round_trip)
{
	make_dump("d");
	put("d/dynamodb/orders/_schema.json", ORDERS_SCHEMA_JSON);
	put("d/dynamodb/orders/items/c1/o1.json",
	    "{\n  \"customer\": {\n    \"S\": \"c1\"\n  },\n  \"order\": {\n    \"S\": \"o1\"\n  },\n"
	    "  \"qty\": {\n    \"N\": \"3\"\n  },\n  \"region\": {\n    \"S\": \"us\"\n  }\n}");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 1, &res, &err), &err);
	CHECK_INT(res.self_test_ran, 1);
	if (!res.self_test_matched) ekv_test_fail(__FILE__, __LINE__, "self-test: %s", res.mismatch);
	free(res.mismatch);
	struct warns w = { 0 };
	CHECK_OK(run_decode("out.fsm", "d2", 0, 0, 0, &w, NULL, &err), &err);
	CHECK(trees_equal("d", "d2"));
}

EKV_TEST(item_key_layout_binary_range)
{
	/* TestDDBItemKeyBytesLayout: table tbl, hash h S a, range r B 00 09 */
	struct avb b;
	ddb_arena_init(&b.a);
	struct ekv_buf k = EKV_BUF_INIT;
	const char *reason;
	struct ddb_bytes t = bs("tbl");
	CHECK(ddb_item_key(&k, &t, av_s(&b, "a"), av_b(&b, "\x00\x09", 2), &reason) == 0);
	const char want[] = "!ddb|item|dGJs|1|a\x00\x01\x00\xff\x09\x00\x01";
	CHECK_MEM(k.data, k.len, want, sizeof want - 1);
	ekv_buf_release(&k);
	ddb_arena_release(&b.a);
}

EKV_TEST(gsi_row_layout)
{
	/* TestDDBGSIRowKeyLayout: table t, hash ph S P, GSI g hash gh S X */
	make_dump("d");
	put("d/dynamodb/t/_schema.json",
	    "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"ph\"}},"
	    "\"attribute_definitions\":[],\"global_secondary_indexes\":[{\"name\":\"g\",\"key_schema\":"
	    "{\"hash_key\":{\"name\":\"gh\"}},\"projection\":{\"type\":\"ALL\"}}]}");
	put("d/dynamodb/t/items/P.json", "{\"ph\":{\"S\":\"P\"},\"gh\":{\"S\":\"X\"}}");
	put("d/dynamodb/t/items/Q.json", "{\"ph\":{\"S\":\"Q\"}}");      /* sparse: no row */
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
	struct live l;
	read_live("out.fsm", &l);
	const char gk[] = "!ddb|gsi|dA|1|Zw|X\x00\x01P\x00\x01";
	const char ik[] = "!ddb|item|dA|1|P\x00\x01";
	check_body(&l, gk, sizeof gk - 1, ik, sizeof ik - 1);
	CHECK_INT(live_count_prefix(&l, "!ddb|gsi|"), 1);
	CHECK_INT(live_count_prefix(&l, "!ddb|item|"), 2);
	live_free(&l);
}

EKV_TEST(gsi_numeric_binary_keys_and_ranges)
{
	make_dump("d");
	put("d/dynamodb/ev/_schema.json",
	    "{\"format_version\":1,\"table_name\":\"ev\",\"primary_key\":{\"hash_key\":{\"name\":\"pk\"},"
	    "\"range_key\":{\"name\":\"ts\"}},\"attribute_definitions\":[{\"name\":\"pk\",\"type\":\"B\"},"
	    "{\"name\":\"ts\",\"type\":\"N\"}],\"global_secondary_indexes\":["
	    "{\"name\":\"by-n\",\"key_schema\":{\"hash_key\":{\"name\":\"n\"},\"range_key\":{\"name\":\"r\"}},"
	    "\"projection\":{\"type\":\"KEYS_ONLY\"}},"
	    "{\"name\":\"a-first\",\"key_schema\":{\"hash_key\":{\"name\":\"r\"}},"
	    "\"projection\":{\"type\":\"INCLUDE\",\"non_key_attributes\":[\"x\"]}}]}");
	put("d/dynamodb/ev/items/x/1.json",
	    "{\"pk\":{\"B\":\"AAE=\"},\"ts\":{\"N\":\"100\"},\"n\":{\"N\":\"-1\"},\"r\":{\"B\":\"AA==\"}}");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
	struct live l;
	read_live("out.fsm", &l);
	/* item key: oseg(00 01) oseg(numkey 100) */
	const char ik[] = "!ddb|item|ZXY|1|\x00\xff\x01\x00\x01\x02\x02\x01\x03\x00\xff\x31\x00\x01";
	CHECK(live_find(&l, ik, sizeof ik - 1) >= 0);
	/* by-n: oseg(numkey -1) oseg(00) then the primary key */
	const char g1[] = "!ddb|gsi|ZXY|1|Ynktbg|\x00\xff\xfd\xfe\xfe\xff\xce\x00\x01\x00\xff\x00\x01"
			  "\x00\xff\x01\x00\x01\x02\x02\x01\x03\x00\xff\x31\x00\x01";
	check_body(&l, g1, sizeof g1 - 1, ik, sizeof ik - 1);
	const char g2[] = "!ddb|gsi|ZXY|1|YS1maXJzdA|\x00\xff\x00\x01"
			  "\x00\xff\x01\x00\x01\x02\x02\x01\x03\x00\xff\x31\x00\x01";
	check_body(&l, g2, sizeof g2 - 1, ik, sizeof ik - 1);
	live_free(&l);
	/* round trip keeps the projection and definitions */
	struct warns w = { 0 };
	CHECK_OK(run_decode("out.fsm", "d2", 0, 0, 0, &w, NULL, &err), &err);
	char *schema = slurp("d2/dynamodb/ev/_schema.json");
	CHECK(strstr(schema, "\"non_key_attributes\": [\n          \"x\"\n        ]") != NULL);
	free(schema);
}

EKV_TEST(gsi_bool_key_attribute_refused)
{
	make_dump("d");
	put("d/dynamodb/t/_schema.json",
	    "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"ph\"}},"
	    "\"global_secondary_indexes\":[{\"name\":\"g\",\"key_schema\":{\"hash_key\":{\"name\":\"gh\"}},"
	    "\"projection\":{\"type\":\"ALL\"}}]}");
	put("d/dynamodb/t/items/P.json", "{\"ph\":{\"S\":\"P\"},\"gh\":{\"BOOL\":true}}");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_STATUS(run_encode("d", "out.fsm", 0, &res, &err), EKV_EINPUT, &err);
	CHECK(strstr(err.file, "dynamodb/t/items/P.json") != NULL);
	CHECK(!ekv_test_file_exists("out.fsm"));
}

EKV_TEST(schema_only_table_two_records)
{
	make_dump("d");
	put("d/dynamodb/sessions/_schema.json",
	    "{\"format_version\":1,\"table_name\":\"sessions\",\"primary_key\":{\"hash_key\":{\"name\":\"id\"}},"
	    "\"attribute_definitions\":[{\"name\":\"id\",\"type\":\"S\"}]}");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
	struct live l;
	read_live("out.fsm", &l);
	CHECK_INT(l.n, 2);
	/* §3.5 hash-only encoder form, 33 bytes */
	uint8_t v[64];
	size_t n = unhex(v, "00 44 53 01 0a 08 73 65 73 73 69 6f 6e 73 12 07 0a 02 69 64 12 01 53 1a 04 0a 02 69 64 28 02 38 01");
	check_body(&l, "!ddb|meta|table|c2Vzc2lvbnM", 27, v, n);
	live_free(&l);
}

EKV_TEST(missing_dynamodb_dir_is_noop)
{
	make_dump("d");
	CHECK(ekv_test_sh("rmdir d/dynamodb") == 0);
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
	struct live l;
	read_live("out.fsm", &l);
	CHECK_INT(l.n, 0);
}

EKV_TEST(nul_html_and_unicode_round_trip)
{
	/* attribute names and values with NUL, <>&, U+2028 and non-ASCII survive
	 * decode -> encode -> decode, and the item key bytes are unchanged */
	struct snapb s = { 0 };
	struct avb b;
	ddb_arena_init(&b.a);
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	const char *defs[] = { "h:S" };
	schema_body(&v, "t<&>", "h", NULL, defs, 1, 1, 0, 2);
	table_key(&k, DDB_PREFIX_TABLE, "t<&>");
	sb_put(&s, &k, &v);
	struct ddb_av *h = ddb_arena_alloc(&b.a, sizeof *h);
	h->kind = DDB_S;
	h->scalar = bsn("a\x00/b", 4);
	struct ddb_av *val = ddb_arena_alloc(&b.a, sizeof *val);
	val->kind = DDB_S;
	val->scalar = bsn("<x&y>\xe2\x80\xa8\x00\xc3\xa9", 11);
	struct ddb_entry e[2] = { { bsn("h", 1), h, 0 }, { bsn("n\x00m", 3), val, 1 } };
	size_t n = 2;
	ddb_map_normalize(e, &n);
	ekv_buf_reset(&k);
	ekv_buf_reset(&v);
	ordered_item_key(&k, "t<&>", 1, h, NULL);
	ddb_proto_write_item(&v, e, n);
	sb_put(&s, &k, &v);
	struct ekv_buf key = EKV_BUF_INIT;
	ekv_buf_set(&key, k.data, k.len);
	sb_write(&s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("in.fsm", "d", 0, 0, 0, &w, NULL, &err), &err);
	char *item = slurp("d/dynamodb/t%3C%26%3E/items/a%00%2Fb.json");
	CHECK(strstr(item, "\"n\\u0000m\": {\n    \"S\": \"\\u003cx\\u0026y\\u003e\\u2028\\u0000\xc3\xa9\"") != NULL);
	char *schema = slurp("d/dynamodb/t%3C%26%3E/_schema.json");
	CHECK(strstr(schema, "\"table_name\": \"t\\u003c\\u0026\\u003e\"") != NULL);
	struct ekv_encode_result res;
	CHECK_OK(run_encode("d", "out.fsm", 1, &res, &err), &err);
	if (!res.self_test_matched) ekv_test_fail(__FILE__, __LINE__, "self-test: %s", res.mismatch);
	struct live l;
	read_live("out.fsm", &l);
	int i = live_find(&l, key.data, key.len);
	CHECK(i >= 0);
	CHECK_MEM(l.bodies[i].data, l.bodies[i].len, v.data, v.len);
	live_free(&l);
	free(item);
	free(schema);
	free(res.mismatch);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
	ekv_buf_release(&key);
	ddb_arena_release(&b.a);
}
