/* Decode fails closed (redis.md §6.1): each case is EKV_EDATA naming the
 * record's key, and no MANIFEST.json is written. */
#include "redis_fixture.h"

/* Decodes a snapshot holding f's records; expects code with the key set. */
static void expect_fail(struct fx *f, int code, const char *key_prefix)
{
	fx_write(f, "in.fsm");
	struct ekv_decode_result r;
	struct ekv_error err = { 0 };
	CHECK_STATUS(fx_decode_opts("in.fsm", "out", NULL, &r, &err), code, &err);
	CHECK(err.has_key);
	CHECK(err.key_len >= strlen(key_prefix) && memcmp(err.key, key_prefix, strlen(key_prefix)) == 0);
	CHECK_NOFILE("out/MANIFEST.json");
}

static void one(struct fx *f, const char *prefix, const void *v, size_t vn)
{
	fx_init(f);
	fx_ks(fx_k(f, prefix), "k");
	fx_put(f, v, vn);
}

static void one_len(struct fx *f, const char *prefix, const char *rest, const void *v, size_t vn)
{
	fx_init(f);
	fx_ks(fx_klen(fx_k(f, prefix), "k", 1), rest);
	fx_put(f, v, vn);
}

EKV_TEST(redis_fail_string_header_truncated)
{
	struct fx f;
	one(&f, "!redis|str|", "\xFF\x01", 2);
	expect_fail(&f, EKV_EDATA, "!redis|str|k");
}

EKV_TEST(redis_fail_string_ttl_truncated)
{
	struct fx f;
	one(&f, "!redis|str|", "\xFF\x01\x01\x00\x00", 5);
	expect_fail(&f, EKV_EDATA, "!redis|str|k");
}

EKV_TEST(redis_fail_hll_ttl_truncated)
{
	struct fx f;
	one(&f, "!redis|hll|", "\xFF\x02\x01\x01", 4);
	expect_fail(&f, EKV_EDATA, "!redis|hll|k");
}

EKV_TEST(redis_fail_ttl_value_length)
{
	struct fx f;
	one(&f, "!redis|ttl|", "\x01\x02", 2);
	expect_fail(&f, EKV_EDATA, "!redis|ttl|k");
}

EKV_TEST(redis_fail_hash_meta_length_and_overflow)
{
	struct fx f;
	one_len(&f, "!hs|meta|", "", "\x01", 1);
	expect_fail(&f, EKV_EDATA, "!hs|meta|");
	one_len(&f, "!hs|meta|", "", "\x80\0\0\0\0\0\0\0", 8);   /* Len = 2^63 */
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!hs|meta|");
}

EKV_TEST(redis_fail_hash_field_key_truncated)
{
	struct fx f;
	fx_init(&f);
	/* ukLen 10 with 3 bytes of key */
	uint8_t k[] = { '!', 'h', 's', '|', 'f', 'l', 'd', '|', 0, 0, 0, 10, 'a', 'b', 'c' };
	fx_kb(fx_k(&f, ""), k, sizeof k);
	fx_put(&f, "v", 1);
	expect_fail(&f, EKV_EDATA, "!hs|fld|");
}

EKV_TEST(redis_fail_list_meta_length)
{
	struct fx f;
	uint8_t v[8] = { 0 };
	one(&f, "!lst|meta|", v, 8);
	expect_fail(&f, EKV_EDATA, "!lst|meta|k");
}

EKV_TEST(redis_fail_list_item_without_seq)
{
	struct fx f;
	fx_init(&f);
	fx_k(&f, "!lst|itm|");
	fx_put(&f, "v", 1);
	expect_fail(&f, EKV_EDATA, "!lst|itm|");
}

EKV_TEST(redis_fail_set_meta_length)
{
	struct fx f;
	one_len(&f, "!st|meta|", "", "\0\0\0", 3);
	expect_fail(&f, EKV_EDATA, "!st|meta|");
}

EKV_TEST(redis_fail_zset_member_value_and_nan)
{
	struct fx f;
	one_len(&f, "!zs|mem|", "m", "\0\0\0\0", 4);
	expect_fail(&f, EKV_EDATA, "!zs|mem|");
	uint8_t nan[8] = { 0x7F, 0xF8, 0, 0, 0, 0, 0, 1 };
	one_len(&f, "!zs|mem|", "m", nan, 8);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!zs|mem|");
	uint8_t nneg[8] = { 0xFF, 0xF0, 0, 0, 0, 0, 0, 1 };   /* negative NaN */
	one_len(&f, "!zs|mem|", "m", nneg, 8);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!zs|mem|");
}

EKV_TEST(redis_fail_zset_meta_length)
{
	struct fx f;
	one_len(&f, "!zs|meta|", "", "\0\0\0\0\0\0\0\0\0", 9);
	expect_fail(&f, EKV_EDATA, "!zs|meta|");
}

EKV_TEST(redis_fail_legacy_blobs)
{
	struct fx f;
	one(&f, "!redis|zset|", "", 0);   /* empty value: no magic (§8.2 #13) */
	expect_fail(&f, EKV_EDATA, "!redis|zset|k");
	/* NaN score inside the blob */
	uint8_t z[] = { 0, 'R', 'Z', 1, 0x0A, 12, 0x0A, 1, 'm', 0x11, 1, 0, 0, 0, 0, 0, 0xF8, 0x7F };
	one(&f, "!redis|zset|", z, sizeof z);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!redis|zset|k");
	/* D8: hash blob with a wrong magic, set blob with a non-UTF-8 member,
	 * hash blob with truncated protobuf */
	one(&f, "!redis|hash|", "\0RS\x01", 4);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!redis|hash|k");
	uint8_t s[] = { 0, 'R', 'S', 1, 0x0A, 1, 0xFF };
	one(&f, "!redis|set|", s, sizeof s);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!redis|set|k");
	uint8_t h[] = { 0, 'R', 'H', 1, 0x0A, 9, 0x0A };
	one(&f, "!redis|hash|", h, sizeof h);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!redis|hash|k");
}

static void entry_raw(struct fx *f, const void *v, size_t n, size_t idlen)
{
	fx_init(f);
	fx_klen(fx_k(f, "!stream|entry|"), "k", 1);
	for (size_t i = 0; i < idlen; i++) ekv_buf_append_byte(&f->kb, 0);
	fx_put(f, v, n);
}

EKV_TEST(redis_fail_stream_entry_without_magic)
{
	struct fx f;
	uint8_t v[] = { 0x12, 1, 'a', 0x12, 1, 'b' };
	entry_raw(&f, v, sizeof v, 16);
	expect_fail(&f, EKV_EDATA, "!stream|entry|");
}

EKV_TEST(redis_fail_stream_entry_odd_fields)
{
	struct fx f;
	uint8_t v[] = { 0, 'R', 'X', 'E', 1, 0x12, 1, 'a' };
	entry_raw(&f, v, sizeof v, 16);
	expect_fail(&f, EKV_EDATA, "!stream|entry|");
}

EKV_TEST(redis_fail_stream_entry_non_utf8_and_bad_protobuf)
{
	struct fx f;
	uint8_t v[] = { 0, 'R', 'X', 'E', 1, 0x12, 1, 0xFF, 0x12, 0 };
	entry_raw(&f, v, sizeof v, 16);
	expect_fail(&f, EKV_EDATA, "!stream|entry|");
	uint8_t p[] = { 0, 'R', 'X', 'E', 1, 0x12, 5, 'a' };
	entry_raw(&f, p, sizeof p, 16);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!stream|entry|");
}

EKV_TEST(redis_fail_stream_entry_key_without_id)
{
	struct fx f;
	uint8_t v[] = { 0, 'R', 'X', 'E', 1 };
	entry_raw(&f, v, sizeof v, 4);
	expect_fail(&f, EKV_EDATA, "!stream|entry|");
}

EKV_TEST(redis_fail_stream_meta_length_and_overflow)
{
	struct fx f;
	one_len(&f, "!stream|meta|", "", "\0\0\0", 3);
	expect_fail(&f, EKV_EDATA, "!stream|meta|");
	uint8_t v[24] = { 0x80 };
	one_len(&f, "!stream|meta|", "", v, 24);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!stream|meta|");
}

EKV_TEST(redis_accepts_max_int64_lengths)
{
	struct fx f;
	fx_init(&f);
	uint8_t v[24] = { 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	fx_klen(fx_k(&f, "!stream|meta|"), "s", 1);
	fx_put(&f, v, 24);
	fx_klen(fx_k(&f, "!zs|meta|"), "z", 1);
	fx_put(&f, v, 8);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK(ekv_test_file_exists("out/MANIFEST.json"));
	CHECK(strstr(fx_warnings, "redis_zset_length_mismatch") != NULL);
}

static void expect_ok(struct fx *f)
{
	fx_write(f, "in.fsm");
	struct ekv_decode_result r;
	struct ekv_error err = { 0 };
	ekv_test_sh("rm -rf out");
	CHECK_STATUS(fx_decode_opts("in.fsm", "out", NULL, &r, &err), EKV_OK, &err);
	ekv_test_sh("rm -rf out");
}

EKV_TEST(redis_protobuf_unknown_fields_and_corrupt_wire)
{
	struct fx f;
	/* well-formed unknown fields are skipped: varint, fixed64, bytes, fixed32 */
	uint8_t ok[] = { 0, 'R', 'S', 1, 0x18, 0x96, 0x01, 0x21, 1, 2, 3, 4, 5, 6, 7, 8,
			 0x2A, 1, 'z', 0x35, 1, 2, 3, 4, 0x0A, 1, 'm' };
	one(&f, "!redis|set|", ok, sizeof ok);
	expect_ok(&f);
	uint8_t okx[] = { 0, 'R', 'X', 'E', 1, 0x18, 7, 0x12, 1, 'a', 0x12, 0 };
	entry_raw(&f, okx, sizeof okx, 16);
	expect_ok(&f);
	/* fail closed: unknown field number 2^29 (protobuf-go refuses it) */
	uint8_t big[] = { 0, 'R', 'S', 1, 0x82, 0x80, 0x80, 0x80, 0x10, 0, 0x0A, 1, 'm' };
	one(&f, "!redis|set|", big, sizeof big);
	expect_fail(&f, EKV_EDATA, "!redis|set|k");
	/* unknown varint overflowing 64 bits, inside a hash entry */
	uint8_t ovf[] = { 0, 'R', 'H', 1, 0x0A, 14, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
			  0xFF, 0xFF, 0xFF, 0x7F, 0x0A, 1, 'f' };
	one(&f, "!redis|hash|", ovf, sizeof ovf);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!redis|hash|k");
	/* protobuf-c refuses a known field with a wrong wire type and groups
	 * (protobuf-go would skip both as unknown): fail closed (redis.md) */
	uint8_t wt[] = { 0, 'R', 'S', 1, 0x08, 1 };
	one(&f, "!redis|set|", wt, sizeof wt);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!redis|set|k");
	uint8_t grp[] = { 0, 'R', 'X', 'E', 1, 0x1B, 0x08, 1, 0x1C, 0x12, 0, 0x12, 0 };
	entry_raw(&f, grp, sizeof grp, 16);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!stream|entry|");
	/* non-UTF-8 inside a zset entry member */
	uint8_t zu[] = { 0, 'R', 'Z', 1, 0x0A, 3, 0x0A, 1, 0xC0 };
	one(&f, "!redis|zset|", zu, sizeof zu);
	ekv_test_sh("rm -rf out");
	expect_fail(&f, EKV_EDATA, "!redis|zset|k");
}
