/* Redis hashes, lists, sets and zsets: wide-column rows, metas, deltas,
 * legacy blobs (D8), d| lists (D9), TTLs, binary members (redis.md §4.7-§4.10). */
#include "redis_fixture.h"

#define DB "out/redis/db_0/"

static void meta16(struct fx *f, uint64_t len, uint64_t ttl)
{
	uint8_t v[16];
	ekv_put_be64(v, len);
	ekv_put_be64(v + 8, ttl);
	fx_put(f, v, 16);
}

static void list_meta(struct fx *f, int64_t head, uint64_t len, int with_ttl, uint64_t ttl)
{
	uint8_t v[32];
	ekv_put_be64(v, (uint64_t)head);
	ekv_put_be64(v + 8, (uint64_t)head + len);
	ekv_put_be64(v + 16, len);
	ekv_put_be64(v + 24, ttl);
	fx_put(f, v, with_ttl ? 32 : 24);
}

static void list_item(struct fx *f, const char *uk, int64_t seq, const void *v, size_t n)
{
	fx_k64(fx_ks(fx_k(f, "!lst|itm|"), uk), (uint64_t)seq ^ (1ull << 63));
	fx_put(f, v, n);
}

static void zmember(struct fx *f, const char *uk, const void *m, size_t mn, double score)
{
	uint64_t bits;
	memcpy(&bits, &score, 8);
	fx_kb(fx_klen(fx_k(f, "!zs|mem|"), uk, strlen(uk)), m, mn);
	fx_put64(f, bits);
}

EKV_TEST(redis_hash_exact_json)
{
	struct fx f;
	fx_init(&f);
	const char *uk = "user:42";
	fx_klen(fx_k(&f, "!hs|fld|"), uk, 7);
	fx_put(&f, "empty-name-value", 16);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), uk, 7), "age");
	fx_puts(&f, "30");
	fx_kb(fx_klen(fx_k(&f, "!hs|fld|"), uk, 7), "\xFF", 1);
	fx_puts(&f, "<b>&");
	fx_klen(fx_k(&f, "!hs|meta|"), uk, 7);
	meta16(&f, 3, 1735689600000ull);
	fx_klen(fx_k(&f, "!hs|meta|d|"), uk, 7);
	fx_put64(&f, 1);   /* delta: never decoded */
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "hashes/user%3A42.json",
		   "{\n  \"format_version\": 1,\n  \"fields\": [\n    {\n      \"name\": \"\",\n"
		   "      \"value\": \"empty-name-value\"\n    },\n    {\n      \"name\": \"age\",\n"
		   "      \"value\": \"30\"\n    },\n    {\n      \"name\": {\n        \"base64\": \"_w\"\n"
		   "      },\n      \"value\": \"\\u003cb\\u003e\\u0026\"\n    }\n  ],\n"
		   "  \"expire_at_ms\": 1735689600000\n}");
	CHECK(strlen(fx_warnings) == 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_hash_ttl_row_and_mismatch_warning)
{
	struct fx f;
	fx_init(&f);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "h", 1), "f");
	fx_puts(&f, "v");
	fx_klen(fx_k(&f, "!hs|meta|"), "h", 1);
	fx_put64(&f, 5);   /* legacy 8-byte meta, declares 5 */
	fx_ks(fx_k(&f, "!redis|ttl|"), "h");
	fx_put64(&f, 99);
	/* inline TTL wins over a stale TTL row */
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "i", 1), "f");
	fx_puts(&f, "v");
	fx_klen(fx_k(&f, "!hs|meta|"), "i", 1);
	meta16(&f, 1, 0);
	fx_ks(fx_k(&f, "!redis|ttl|"), "i");
	fx_put64(&f, 123);
	/* meta-only hash still gets a file */
	fx_klen(fx_k(&f, "!hs|meta|"), "e", 1);
	fx_put64(&f, 0);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "hashes/h.json", "{\n  \"format_version\": 1,\n  \"fields\": [\n    {\n      \"name\": \"f\",\n"
				      "      \"value\": \"v\"\n    }\n  ],\n  \"expire_at_ms\": 99\n}");
	CHECK(strstr(fx_warnings, "redis_hash_length_mismatch") != NULL);
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": null' out/redis/db_0/hashes/i.json"), 0);
	CHECK_FILE(DB "hashes/e.json", "{\n  \"format_version\": 1,\n  \"fields\": [],\n  \"expire_at_ms\": null\n}");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_list_lpush_order_binary_and_ttl)
{
	struct fx f;
	fx_init(&f);
	list_item(&f, "L", 1, "d", 1);
	list_item(&f, "L", -2, "a", 1);
	list_item(&f, "L", 0, "\xFF\x00", 2);
	list_item(&f, "L", -1, "b", 1);
	fx_ks(fx_k(&f, "!lst|meta|"), "L");
	list_meta(&f, -2, 4, 0, 0);
	fx_ks(fx_k(&f, "!lst|claim|"), "L");
	fx_put(&f, "", 0);
	fx_ks(fx_k(&f, "!redis|ttl|"), "L");
	fx_put64(&f, 555);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "lists/L.json", "{\n  \"format_version\": 1,\n  \"items\": [\n    \"a\",\n    \"b\",\n"
				      "    {\n      \"base64\": \"_wA\"\n    },\n    \"d\"\n  ],\n  \"expire_at_ms\": 555\n}");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_list_d_prefix_key_base_meta)
{
	/* D9: the base meta of a list named "d|x" matches the delta route */
	struct fx f;
	fx_init(&f);
	list_item(&f, "d|x", 0, "i", 1);
	fx_ks(fx_k(&f, "!lst|meta|"), "d|x");
	list_meta(&f, 0, 1, 1, 4242);
	/* an empty "d|e" list keeps its file and inline TTL */
	fx_ks(fx_k(&f, "!lst|meta|"), "d|e");
	list_meta(&f, 0, 0, 1, 77);
	/* a real delta: BE32 len + key + 12 bytes, 16-byte value */
	fx_k64(fx_k64(fx_klen(fx_k(&f, "!lst|meta|d|"), "q", 1), 5), 0);
	f.kb.len -= 4;
	uint8_t dv[16] = { 0 };
	fx_put(&f, dv, 16);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "lists/d%7Cx.json", "{\n  \"format_version\": 1,\n  \"items\": [\n    \"i\"\n  ],\n  \"expire_at_ms\": 4242\n}");
	CHECK_FILE(DB "lists/d%7Ce.json", "{\n  \"format_version\": 1,\n  \"items\": [],\n  \"expire_at_ms\": 77\n}");
	CHECK_NOFILE(DB "lists/q.json");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_set_ttl_before_rows_and_binary)
{
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|ttl|"), "S");   /* sorts before every !st| row */
	fx_put64(&f, 1700000000123ull);
	fx_ks(fx_klen(fx_k(&f, "!st|mem|"), "S", 1), "red");
	fx_put(&f, "", 0);
	fx_ks(fx_klen(fx_k(&f, "!st|mem|"), "S", 1), "green");
	fx_put(&f, "", 0);
	fx_kb(fx_klen(fx_k(&f, "!st|mem|"), "S", 1), "\xFF\x00", 2);
	fx_put(&f, "", 0);
	fx_klen(fx_k(&f, "!st|meta|"), "S", 1);
	fx_put64(&f, 3);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "sets/S.json", "{\n  \"format_version\": 1,\n  \"members\": [\n    \"green\",\n    \"red\",\n"
				     "    {\n      \"base64\": \"_wA\"\n    }\n  ],\n  \"expire_at_ms\": 1700000000123\n}");
	CHECK(strlen(fx_warnings) == 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_zset_scores_inf_and_ttl_before_rows)
{
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|ttl|"), "Z");
	fx_put64(&f, 1700000000999ull);
	zmember(&f, "Z", "alice", 5, 100.5);
	zmember(&f, "Z", "bob", 3, -3.25);
	zmember(&f, "Z", "max", 3, INFINITY);
	zmember(&f, "Z", "min", 3, -INFINITY);
	zmember(&f, "Z", "nz", 2, -0.0);
	zmember(&f, "Z", "tiny", 4, 1e-7);
	zmember(&f, "Z", "big", 3, 1.2345678901234568e20);
	zmember(&f, "Z", "nbig", 4, -1e21);
	fx_klen(fx_k(&f, "!zs|meta|"), "Z", 1);
	fx_put64(&f, 8);
	fx_kb(fx_k64(fx_klen(fx_k(&f, "!zs|scr|"), "Z", 1), 0), "alice", 5);
	fx_put(&f, "", 0);   /* score index: never decoded */
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "zsets/Z.json",
		   "{\n  \"format_version\": 1,\n  \"members\": [\n"
		   "    {\n      \"member\": \"alice\",\n      \"score\": 100.5\n    },\n"
		   "    {\n      \"member\": \"big\",\n      \"score\": 123456789012345680000\n    },\n"
		   "    {\n      \"member\": \"bob\",\n      \"score\": -3.25\n    },\n"
		   "    {\n      \"member\": \"max\",\n      \"score\": \"+inf\"\n    },\n"
		   "    {\n      \"member\": \"min\",\n      \"score\": \"-inf\"\n    },\n"
		   "    {\n      \"member\": \"nbig\",\n      \"score\": -1e+21\n    },\n"
		   "    {\n      \"member\": \"nz\",\n      \"score\": -0\n    },\n"
		   "    {\n      \"member\": \"tiny\",\n      \"score\": 1e-7\n    }\n"
		   "  ],\n  \"expire_at_ms\": 1700000000999\n}");
	fx_roundtrip("in.fsm");
}

static void zset_blob(struct fx *f, const char *uk, const char *const *members, const double *scores,
		      size_t n)
{
	struct ekv_buf b = EKV_BUF_INIT;
	ekv_buf_append(&b, "\x00RZ\x01", 4);
	for (size_t i = 0; i < n; i++) {
		size_t ml = strlen(members[i]);
		ekv_buf_append_byte(&b, 0x0A);
		ekv_buf_append_byte(&b, (uint8_t)(2 + ml + 9));
		ekv_buf_append_byte(&b, 0x0A);
		ekv_buf_append_byte(&b, (uint8_t)ml);
		ekv_buf_append(&b, members[i], ml);
		ekv_buf_append_byte(&b, 0x11);
		uint64_t bits;
		memcpy(&bits, &scores[i], 8);
		ekv_buf_append_le64(&b, bits);
	}
	fx_ks(fx_k(f, "!redis|zset|"), uk);
	fx_put(f, b.data, b.len);
	ekv_buf_release(&b);
}

EKV_TEST(redis_zset_legacy_blob_alone_and_mixed)
{
	struct fx f;
	fx_init(&f);
	const char *m[] = { "b", "a", "b" };
	const double s[] = { 1, 2, 3 };   /* duplicate member: last score wins */
	fx_ks(fx_k(&f, "!redis|ttl|"), "blob");
	fx_put64(&f, 31);
	zset_blob(&f, "blob", m, s, 3);
	/* mixed: wide rows replace the blob's members */
	const char *m2[] = { "old" };
	zset_blob(&f, "mixed", m2, s, 1);
	zmember(&f, "mixed", "new", 3, 9);
	/* blob + meta alone keeps the blob members */
	zset_blob(&f, "metaonly", m2, s, 1);
	fx_klen(fx_k(&f, "!zs|meta|"), "metaonly", 8);
	fx_put64(&f, 1);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "zsets/blob.json", "{\n  \"format_version\": 1,\n  \"members\": [\n"
					 "    {\n      \"member\": \"a\",\n      \"score\": 2\n    },\n"
					 "    {\n      \"member\": \"b\",\n      \"score\": 3\n    }\n"
					 "  ],\n  \"expire_at_ms\": 31\n}");
	CHECK_INT(ekv_test_sh("grep -q new out/redis/db_0/zsets/mixed.json && ! grep -q old out/redis/db_0/zsets/mixed.json"), 0);
	CHECK_INT(ekv_test_sh("grep -q old out/redis/db_0/zsets/metaonly.json"), 0);
	fx_roundtrip("in.fsm");
}

static void put_str_proto(struct ekv_buf *b, int field, const char *s, size_t n)
{
	ekv_buf_append_byte(b, (uint8_t)(field << 3 | 2));
	ekv_buf_append_byte(b, (uint8_t)n);
	ekv_buf_append(b, s, n);
}

EKV_TEST(redis_legacy_hash_and_set_blobs)
{
	/* D8: decoded, and element rows win when both exist */
	struct fx f;
	fx_init(&f);
	struct ekv_buf b = EKV_BUF_INIT, e = EKV_BUF_INIT;
	ekv_buf_append(&b, "\x00RH\x01", 4);
	put_str_proto(&e, 1, "k1", 2);
	put_str_proto(&e, 2, "v1", 2);
	put_str_proto(&b, 1, (const char *)e.data, e.len);
	ekv_buf_reset(&e);
	put_str_proto(&e, 1, "k0", 2);
	put_str_proto(&e, 2, "v0", 2);
	put_str_proto(&b, 1, (const char *)e.data, e.len);
	fx_ks(fx_k(&f, "!redis|hash|"), "H");
	fx_put(&f, b.data, b.len);
	fx_ks(fx_k(&f, "!redis|ttl|"), "H");
	fx_put64(&f, 8);
	/* the same blob for W, which also has a wide field row */
	fx_ks(fx_k(&f, "!redis|hash|"), "W");
	fx_put(&f, b.data, b.len);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "W", 1), "wide");
	fx_puts(&f, "1");
	ekv_buf_reset(&b);
	ekv_buf_append(&b, "\x00RS\x01", 4);
	put_str_proto(&b, 1, "m2", 2);
	put_str_proto(&b, 1, "m1", 2);
	put_str_proto(&b, 1, "m2", 2);
	fx_ks(fx_k(&f, "!redis|set|"), "S");
	fx_put(&f, b.data, b.len);
	fx_ks(fx_k(&f, "!redis|ttl|"), "S");
	fx_put64(&f, 9);
	ekv_buf_release(&b);
	ekv_buf_release(&e);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "hashes/H.json", "{\n  \"format_version\": 1,\n  \"fields\": [\n"
				       "    {\n      \"name\": \"k0\",\n      \"value\": \"v0\"\n    },\n"
				       "    {\n      \"name\": \"k1\",\n      \"value\": \"v1\"\n    }\n"
				       "  ],\n  \"expire_at_ms\": 8\n}");
	CHECK_FILE(DB "hashes/W.json", "{\n  \"format_version\": 1,\n  \"fields\": [\n"
				       "    {\n      \"name\": \"wide\",\n      \"value\": \"1\"\n    }\n"
				       "  ],\n  \"expire_at_ms\": null\n}");
	CHECK_FILE(DB "sets/S.json", "{\n  \"format_version\": 1,\n  \"members\": [\n    \"m1\",\n    \"m2\"\n"
				     "  ],\n  \"expire_at_ms\": 9\n}");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_collections_spill_to_disk)
{
	/* D14: a tiny spill threshold forces every sorter to spill; output is
	 * the same as in memory */
	struct fx f;
	fx_init(&f);
	char k[32], v[32];
	for (int key = 0; key < 20; key++) {
		snprintf(k, sizeof k, "s%02d", key);
		fx_ks(fx_k(&f, "!redis|ttl|"), k);
		fx_put64(&f, 1000 + (uint64_t)key);
		k[0] = 'h';
		fx_ks(fx_k(&f, "!redis|ttl|"), k);
		fx_put64(&f, 1000 + (uint64_t)key);
		for (int i = 0; i < 50; i++) {
			snprintf(v, sizeof v, "m%03d", i);
			k[0] = 's';
			fx_ks(fx_klen(fx_k(&f, "!st|mem|"), k, strlen(k)), v);
			fx_put(&f, "", 0);
			k[0] = 'h';
			fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), k, strlen(k)), v);
			fx_puts(&f, v);
		}
	}
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r;
	struct ekv_error err = { 0 };
	struct fx_opts o = { 0, 0, 4096 };
	CHECK_OK(fx_decode_opts("in.fsm", "spilled", &o, &r, &err), &err);
	fx_decode("in.fsm", "mem");
	CHECK_INT(ekv_test_sh("diff -r -x MANIFEST.json -x CHECKSUMS spilled mem"), 0);
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": 1019' spilled/redis/db_0/sets/s19.json"), 0);
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": 1019' spilled/redis/db_0/hashes/h19.json"), 0);
}

EKV_TEST(redis_multi_version_keys_newest_wins)
{
	/* D1 (core): only the newest version of each internal key reaches the
	 * adapter; a tombstoned newest version hides the older ones */
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|str|"), "s");
	fx_put_ts(&f, "\xFF\x01\x00new", 6, FX_TS + 5, 0);
	fx_put_ts(&f, "\xFF\x01\x00old", 6, FX_TS, 0);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "h", 1), "f");
	fx_put_ts(&f, "new", 3, FX_TS + 5, 0);
	fx_put_ts(&f, "old", 3, FX_TS, 0);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "h", 1), "gone");
	fx_put_ts(&f, "", 0, FX_TS + 5, 1);
	fx_put_ts(&f, "old", 3, FX_TS, 0);
	fx_k64(fx_ks(fx_k(&f, "!lst|itm|"), "l"), 1ull << 63);
	fx_put_ts(&f, "new", 3, FX_TS + 5, 0);
	fx_put_ts(&f, "old", 3, FX_TS, 0);
	fx_ks(fx_klen(fx_k(&f, "!st|mem|"), "t", 1), "m");
	fx_put_ts(&f, "", 0, FX_TS + 5, 1);
	fx_put_ts(&f, "", 0, FX_TS, 0);
	fx_ks(fx_klen(fx_k(&f, "!st|mem|"), "t", 1), "n");
	fx_put_ts(&f, "", 0, FX_TS, 0);
	uint8_t two[8] = { 0x40 }, one[8] = { 0x3F, 0xF0 };
	fx_ks(fx_klen(fx_k(&f, "!zs|mem|"), "z", 1), "m");
	fx_put_ts(&f, two, 8, FX_TS + 5, 0);
	fx_put_ts(&f, one, 8, FX_TS, 0);
	fx_ks(fx_k(&f, "!redis|ttl|"), "t");
	fx_put_ts(&f, "\0\0\0\0\0\0\0\x09", 8, FX_TS + 5, 0);
	fx_put_ts(&f, "\0\0\0\0\0\0\0\x01", 8, FX_TS, 0);
	uint8_t sm[24] = { 0 };
	fx_klen(fx_k(&f, "!stream|meta|"), "x", 1);
	sm[7] = 0;
	fx_put_ts(&f, sm, 24, FX_TS + 5, 0);
	sm[7] = 7;
	fx_put_ts(&f, sm, 24, FX_TS, 0);
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r = fx_decode("in.fsm", "out");
	CHECK_FILE(DB "strings/s.bin", "new");
	CHECK_INT(ekv_test_sh("grep -q '\"new\"' out/redis/db_0/hashes/h.json && ! grep -q 'old\\|gone' out/redis/db_0/hashes/h.json"), 0);
	CHECK_INT(ekv_test_sh("grep -q '\"new\"' out/redis/db_0/lists/l.json && ! grep -q old out/redis/db_0/lists/l.json"), 0);
	CHECK_FILE(DB "sets/t.json", "{\n  \"format_version\": 1,\n  \"members\": [\n    \"n\"\n  ],\n  \"expire_at_ms\": 9\n}");
	CHECK_INT(ekv_test_sh("grep -q '\"score\": 2$' out/redis/db_0/zsets/z.json"), 0);
	CHECK_INT(ekv_test_sh("grep -q '\"length\":0,' out/redis/db_0/streams/x.jsonl"), 0);
	CHECK_U64(r.counters.superseded + r.counters.tombstone, 10);   /* 8 older versions, 2 tombstones */
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_literal_percent_and_binary_names_stay_distinct)
{
	/* a field literally named "%FF" and one named byte FF */
	struct fx f;
	fx_init(&f);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "h", 1), "%FF");
	fx_puts(&f, "text");
	fx_kb(fx_klen(fx_k(&f, "!hs|fld|"), "h", 1), "\xFF", 1);
	fx_puts(&f, "byte");
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "hashes/h.json", "{\n  \"format_version\": 1,\n  \"fields\": [\n"
				       "    {\n      \"name\": \"%FF\",\n      \"value\": \"text\"\n    },\n"
				       "    {\n      \"name\": {\n        \"base64\": \"_w\"\n      },\n      \"value\": \"byte\"\n    }\n"
				       "  ],\n  \"expire_at_ms\": null\n}");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_elements_without_meta_still_written)
{
	struct fx f;
	fx_init(&f);
	list_item(&f, "L", 0, "i", 1);
	fx_ks(fx_klen(fx_k(&f, "!st|mem|"), "S", 1), "m");
	fx_put(&f, "", 0);
	zmember(&f, "Z", "m", 1, 1.5);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK(ekv_test_file_exists(DB "lists/L.json"));
	CHECK(ekv_test_file_exists(DB "sets/S.json"));
	CHECK(ekv_test_file_exists(DB "zsets/Z.json"));
	CHECK(strlen(fx_warnings) == 0);
	fx_roundtrip("in.fsm");
}
