/* TTL resolution (redis.md §4.13) and the pending-TTL cap (D12). */
#include "redis_fixture.h"

#define DB "out/redis/db_0/"

static void ttl(struct fx *f, const char *uk, uint64_t ms)
{
	fx_ks(fx_k(f, "!redis|ttl|"), uk);
	fx_put64(f, ms);
}

static void set_member(struct fx *f, const char *uk, const char *m)
{
	fx_ks(fx_klen(fx_k(f, "!st|mem|"), uk, strlen(uk)), m);
	fx_put(f, "", 0);
}

static int decode_cap(uint64_t cap, struct ekv_decode_result *r, struct ekv_error *err)
{
	struct fx_opts o = { 1, cap, 0 };
	return fx_decode_opts("in.fsm", "out", &o, r, err);
}

EKV_TEST(redis_orphan_ttl_counted_and_warned)
{
	struct fx f;
	fx_init(&f);
	ttl(&f, "ghost", 5);
	ttl(&f, "s", 6);
	set_member(&f, "s", "m");
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r = fx_decode("in.fsm", "out");
	CHECK_U64(r.counters.orphan_ttls, 1);
	CHECK(strstr(fx_warnings, "redis_orphan_ttl") != NULL);
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": 6' out/redis/db_0/sets/s.json"), 0);
}

EKV_TEST(redis_pending_ttl_cap_fails_closed)
{
	/* D12: 8 pending keys of 8 bytes (16 budget bytes each) fit a cap of 128; a 9th fails */
	struct fx f;
	fx_init(&f);
	char k[16];
	for (int i = 0; i < 9; i++) {
		snprintf(k, sizeof k, "key%05d", i);
		ttl(&f, k, 100);
		set_member(&f, k, "m");
	}
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r;
	struct ekv_error err = { 0 };
	CHECK_STATUS(decode_cap(128, &r, &err), EKV_ELIMIT, &err);
	CHECK(err.has_key);
	CHECK_NOFILE("out/MANIFEST.json");
	memset(&err, 0, sizeof err);
	ekv_test_sh("rm -rf out");
	CHECK_OK(decode_cap(144, &r, &err), &err);
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": 100' out/redis/db_0/sets/key00008.json"), 0);
}

EKV_TEST(redis_pending_ttl_cap_ignores_typed_keys)
{
	/* rows for strings/hashes/lists are never pending: a tiny cap is fine */
	struct fx f;
	fx_init(&f);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "h", 1), "f");
	fx_puts(&f, "v");
	ttl(&f, "h", 7);
	fx_ks(fx_k(&f, "!redis|str|"), "s");
	fx_puts(&f, "legacy");
	ttl(&f, "s", 8);
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r;
	struct ekv_error err = { 0 };
	CHECK_OK(decode_cap(1, &r, &err), &err);
	CHECK_FILE(DB "strings_ttl.jsonl", "{\"key\":\"s\",\"expire_at_ms\":8}\n");
}

EKV_TEST(redis_pending_ttl_count_only_mode)
{
	/* D12: cap 0 holds nothing; set/zset/stream TTLs become counted orphans */
	struct fx f;
	fx_init(&f);
	ttl(&f, "s", 6);
	set_member(&f, "s", "m");
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r;
	struct ekv_error err = { 0 };
	CHECK_OK(decode_cap(0, &r, &err), &err);
	CHECK_U64(r.counters.orphan_ttls, 1);
	CHECK(strstr(fx_warnings, "redis_orphan_ttl") != NULL);
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": null' out/redis/db_0/sets/s.json"), 0);
}

EKV_TEST(redis_ttl_goes_to_type_registered_last)
{
	/* §8.2 #15: a key that is both a hash and a string sends its TTL to the
	 * string (registered last in snapshot order) */
	struct fx f;
	fx_init(&f);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "dup", 3), "f");
	fx_puts(&f, "v");
	fx_ks(fx_k(&f, "!redis|str|"), "dup");
	fx_puts(&f, "legacy");
	ttl(&f, "dup", 9);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "strings_ttl.jsonl", "{\"key\":\"dup\",\"expire_at_ms\":9}\n");
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": null' out/redis/db_0/hashes/dup.json"), 0);
}

EKV_TEST(redis_ttl_zero_row_round_trips)
{
	/* a TTL row of 0 on a legacy-size meta prints 0 (§8.2 #8) and survives
	 * encode -> decode */
	struct fx f;
	fx_init(&f);
	ttl(&f, "s", 0);
	set_member(&f, "s", "m");
	fx_klen(fx_k(&f, "!st|meta|"), "s", 1);
	fx_put64(&f, 1);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_INT(ekv_test_sh("grep -q '\"expire_at_ms\": 0$' out/redis/db_0/sets/s.json"), 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_every_type_with_and_without_ttl_round_trips)
{
	struct fx f;
	fx_init(&f);
	/* every type x {no TTL, TTL} x {UTF-8, binary} keys and members */
	const char *names[] = { "plain", "ttl", "bin\xFF", "bin-ttl\xFF" };
	for (int t = 0; t < 4; t++) {
		int bin = t & 2;
		const char *mem = bin ? "\xFE" : "m\xC3\xA9";
		size_t mlen = strlen(mem);
		/* one user key per type: a key expiring in two types would emit
		 * its !redis|ttl| row twice (refused as a duplicate, §5.11) */
		char uk[16];
		size_t n;
		uint64_t ms = t & 1 ? 1800000000000ull : 0;
		uint8_t sv[12] = { 0xFF, 0x01, ms ? 1 : 0 };
		ekv_put_be64(sv + 3, ms);
		n = (size_t)snprintf(uk, sizeof uk, "s%s", names[t]);
		fx_kb(fx_k(&f, "!redis|str|"), uk, n);
		fx_put(&f, sv, ms ? 12 : 3);
		sv[1] = 2;
		n = (size_t)snprintf(uk, sizeof uk, "h%s", names[t]);
		fx_kb(fx_k(&f, "!redis|hll|"), uk, n);
		fx_put(&f, sv, ms ? 12 : 3);
		uint8_t m16[16] = { 0 };
		m16[7] = 1;
		ekv_put_be64(m16 + 8, ms);
		n = (size_t)snprintf(uk, sizeof uk, "H%s", names[t]);
		fx_kb(fx_klen(fx_k(&f, "!hs|fld|"), uk, n), "\xC3\xA9", 2);
		fx_puts(&f, bin ? "\x01\xFE" : "v\xC3\xA9");
		fx_klen(fx_k(&f, "!hs|meta|"), uk, n);
		fx_put(&f, m16, 16);
		n = (size_t)snprintf(uk, sizeof uk, "S%s", names[t]);
		fx_kb(fx_klen(fx_k(&f, "!st|mem|"), uk, n), mem, mlen);
		fx_put(&f, "", 0);
		fx_klen(fx_k(&f, "!st|meta|"), uk, n);
		fx_put(&f, m16, 16);
		n = (size_t)snprintf(uk, sizeof uk, "Z%s", names[t]);
		fx_kb(fx_klen(fx_k(&f, "!zs|mem|"), uk, n), mem, mlen);
		fx_put64(&f, 0x3FF0000000000000ull);
		fx_klen(fx_k(&f, "!zs|meta|"), uk, n);
		fx_put(&f, m16, 16);
		n = (size_t)snprintf(uk, sizeof uk, "L%s", names[t]);
		fx_k64(fx_kb(fx_k(&f, "!lst|itm|"), uk, n), 1ull << 63);
		fx_puts(&f, mem);
		uint8_t lm[32] = { 0 };
		lm[15] = 1;
		lm[23] = 1;
		ekv_put_be64(lm + 24, ms);
		fx_kb(fx_k(&f, "!lst|meta|"), uk, n);
		fx_put(&f, lm, 32);
		uint8_t sm[32] = { 0 };
		ekv_put_be64(sm + 24, ms);
		n = (size_t)snprintf(uk, sizeof uk, "X%s", names[t]);
		fx_klen(fx_k(&f, "!stream|meta|"), uk, n);
		fx_put(&f, sm, 32);
	}
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_INT(ekv_test_sh("find out/redis -type f | wc -l | grep -qx 30"), 0);
	CHECK_INT(ekv_test_sh("grep -l 1800000000000 -r out/redis | wc -l | grep -qx 12"), 0);
	CHECK_INT(ekv_test_sh("grep -q base64 out/redis/db_0/sets/Sbin%%FF.json"), 0);
	CHECK_INT(ekv_test_sh("grep -q '\"m\xC3\xA9\"' out/redis/db_0/sets/Splain.json"), 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_pending_ttl_cap_bounded_by_large_key)
{
	/* one 100-byte key needs 108 budget bytes: over a 64-byte cap */
	struct fx f;
	fx_init(&f);
	char k[101];
	memset(k, 'k', 100);
	k[100] = 0;
	ttl(&f, k, 1);
	set_member(&f, k, "m");
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r;
	struct ekv_error err = { 0 };
	CHECK_STATUS(decode_cap(64, &r, &err), EKV_ELIMIT, &err);
	CHECK_NOFILE("out/MANIFEST.json");
}
