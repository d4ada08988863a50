/* DynamoDB decode: worked examples of the spec (byte-exact), layouts,
 * generations, D1/D14/D15/D16/D19, warnings. */
#include "ddb_test_util.h"

static size_t unhex(uint8_t *out, const char *hex)
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
static const char ORDERS_SCHEMA_HEX[] =
	"00 44 53 01 0a 06 6f 72 64 65 72 73 12 0d 0a 08 63 75 73 74 6f 6d 65 72 12 01 53"
	" 12 0a 0a 05 6f 72 64 65 72 12 01 53 12 0b 0a 06 72 65 67 69 6f 6e 12 01 53"
	" 1a 11 0a 08 63 75 73 74 6f 6d 65 72 12 05 6f 72 64 65 72"
	" 22 1e 0a 09 62 79 2d 72 65 67 69 6f 6e 12 11 0a 08 0a 06 72 65 67 69 6f 6e"
	" 12 05 0a 03 41 4c 4c 28 02 38 01";
/* §3.5: item {customer c1, order o1, qty N 3, region us} (65 bytes). */
static const char ORDERS_ITEM_HEX[] =
	"00 44 49 01 0a 10 0a 08 63 75 73 74 6f 6d 65 72 12 04 0a 02 63 31"
	" 0a 0d 0a 05 6f 72 64 65 72 12 04 0a 02 6f 31 0a 0a 0a 03 71 74 79 12 03 12 01 33"
	" 0a 0e 0a 06 72 65 67 69 6f 6e 12 04 0a 02 75 73";
/* §3.5: composite-types item (100 bytes). */
static const char KITCHEN_ITEM_HEX[] =
	"00 44 49 01 0a 09 0a 01 62 12 04 1a 02 ff 01 0a 09 0a 02 69 64 12 03 0a 01 6b"
	" 0a 11 0a 01 6c 12 0c 4a 0a 0a 03 0a 01 78 0a 03 12 01 39"
	" 0a 13 0a 01 6d 12 0e 52 0c 0a 0a 0a 02 6b 31 12 04 0a 02 76 31"
	" 0a 0e 0a 02 73 73 12 08 32 06 0a 01 61 0a 01 62 0a 07 0a 01 74 12 02 20 01"
	" 0a 07 0a 01 7a 12 02 28 01";

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

static const char ORDERS_ITEM_JSON[] =
	"{\n  \"customer\": {\n    \"S\": \"c1\"\n  },\n  \"order\": {\n    \"S\": \"o1\"\n  },\n"
	"  \"qty\": {\n    \"N\": \"3\"\n  },\n  \"region\": {\n    \"S\": \"us\"\n  }\n}";

static void put_hex(struct snapb *s, const struct ekv_buf *key, const char *hex)
{
	uint8_t v[512];
	size_t n = unhex(v, hex);
	sb_put_full(s, key->data, key->len, TS0, 0, v, n);
}

static void orders_snapshot(const char *path)
{
	struct snapb s = { 0 };
	struct ekv_buf k = EKV_BUF_INIT;
	table_key(&k, DDB_PREFIX_TABLE, "orders");
	put_hex(&s, &k, ORDERS_SCHEMA_HEX);
	ekv_buf_reset(&k);
	ekv_buf_append_str(&k, "!ddb|item|b3JkZXJz|1|c1");
	ekv_buf_append(&k, "\x00\x01o1\x00\x01", 6);
	put_hex(&s, &k, ORDERS_ITEM_HEX);
	ekv_buf_reset(&k);
	table_key(&k, DDB_PREFIX_GEN, "orders");
	sb_put_full(&s, k.data, k.len, TS0, 0, "1", 1);
	ekv_buf_reset(&k);
	ekv_buf_append_str(&k, "!ddb|gsi|b3JkZXJz|1|YnktcmVnaW9u|us");
	ekv_buf_append(&k, "\x00\x01" "c1\x00\x01o1\x00\x01", 10);
	sb_put_full(&s, k.data, k.len, TS0, 0, "opaque", 6);
	ekv_buf_release(&k);
	sb_write(&s, path);
}

EKV_TEST(worked_example_schema_and_item_bytes)
{
	orders_snapshot("in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	struct ekv_decode_result res;
	CHECK_OK(run_decode("in.fsm", "out", 0, 0, 0, &w, &res, &err), &err);
	char *schema = slurp("out/dynamodb/orders/_schema.json");
	CHECK_STR(schema, ORDERS_SCHEMA_JSON);
	char *item = slurp("out/dynamodb/orders/items/c1/o1.json");
	CHECK_STR(item, ORDERS_ITEM_JSON);
	CHECK_U64(res.counters.adapter[EKV_ADAPTER_DYNAMODB], 4);   /* GSI and counter rows counted */
	CHECK_INT(w.n, 0);
	free(schema);
	free(item);
}

EKV_TEST(all_attribute_kinds_json)
{
	struct snapb s = { 0 };
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	const char *defs[] = { "id:S" };
	schema_body(&v, "kitchensink", "id", NULL, defs, 1, 1, 0, 2);
	table_key(&k, DDB_PREFIX_TABLE, "kitchensink");
	sb_put(&s, &k, &v);
	ekv_buf_reset(&k);
	ekv_buf_append_str(&k, "!ddb|item|a2l0Y2hlbnNpbms|1|k");
	ekv_buf_append(&k, "\x00\x01", 2);
	put_hex(&s, &k, KITCHEN_ITEM_HEX);
	sb_write(&s, "in.fsm");
	struct warns w = { 0 };
	struct ekv_error err;
	CHECK_OK(run_decode("in.fsm", "out", 0, 0, 0, &w, NULL, &err), &err);
	char *item = slurp("out/dynamodb/kitchensink/items/k.json");
	CHECK_STR(item, "{\n  \"b\": {\n    \"B\": \"/wE=\"\n  },\n  \"id\": {\n    \"S\": \"k\"\n  },\n"
			"  \"l\": {\n    \"L\": [\n      {\n        \"S\": \"x\"\n      },\n      {\n"
			"        \"N\": \"9\"\n      }\n    ]\n  },\n  \"m\": {\n    \"M\": {\n      \"k1\": {\n"
			"        \"S\": \"v1\"\n      }\n    }\n  },\n  \"ss\": {\n    \"SS\": [\n      \"a\",\n"
			"      \"b\"\n    ]\n  },\n  \"t\": {\n    \"BOOL\": true\n  },\n  \"z\": {\n"
			"    \"NULL\": true\n  }\n}");
	free(item);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}
