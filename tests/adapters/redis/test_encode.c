/* Redis encoder: exact record layouts and tampered-input refusals
 * (redis.md §5, §6.2; D11; strict parsing as D18). */
#include "redis_fixture.h"
#include "lib/container.h"

#define DB "tree/redis/db_0/"

/* A decoded tree with one key of every type. */
static void make_tree(void)
{
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|str|"), "s");
	fx_put(&f, "\xFF\x01\x00v", 4);
	fx_ks(fx_klen(fx_k(&f, "!hs|fld|"), "h", 1), "f");
	fx_puts(&f, "v");
	fx_ks(fx_klen(fx_k(&f, "!st|mem|"), "t", 1), "m");
	fx_put(&f, "", 0);
	fx_ks(fx_klen(fx_k(&f, "!zs|mem|"), "z", 1), "m");
	fx_put64(&f, 0x3FF0000000000000ull);
	uint8_t sm[24] = { 0 };
	fx_klen(fx_k(&f, "!stream|meta|"), "x", 1);
	fx_put(&f, sm, 24);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "tree");
}

/* Encodes tree; expects code, the file named (and the line when given),
 * and no output published. */
static void expect_refused(int code, const char *file, unsigned long line)
{
	struct ekv_error err = { 0 };
	CHECK_STATUS(fx_encode("tree", "out.fsm", &err), code, &err);
	if (file) CHECK(strstr(err.file, file) != NULL);
	if (line) CHECK_U64(err.line, line);
	CHECK_NOFILE("out.fsm");
}

static void write_text(const char *path, const char *text)
{
	ekv_test_write_file(path, text, strlen(text));
}

EKV_TEST(redis_encode_exact_layouts)
{
	/* key and value bytes as upstream's encoder writes them (§5.3-§5.9) */
	make_tree();
	write_text(DB "strings_ttl.jsonl", "{\"key\":\"s\",\"expire_at_ms\":171}\n");
	struct ekv_error err = { 0 };
	CHECK_OK(fx_encode("tree", "out.fsm", &err), &err);
	int fd = open("out.fsm", O_RDONLY);
	struct ekv_reader *r;
	CHECK_OK(ekv_reader_new(fd, 0, &r, &err), &err);
	struct ekv_entry e;
	int seen = 0;
	while (ekv_reader_next(r, &e, &err) == 1) {
		const char *k = (const char *)e.user_key;
		size_t kl = e.user_key_len;
		if (kl == 12 && !memcmp(k, "!redis|str|s", 12)) {
			CHECK_MEM(e.body, e.body_len, "\xFF\x01\x01\0\0\0\0\0\0\0\xAB" "v", 12);
			seen |= 1;
		} else if (kl == 14 && !memcmp(k, "!hs|meta|\0\0\0\1h", 14)) {
			CHECK_MEM(e.body, e.body_len, "\0\0\0\0\0\0\0\1", 8);
			seen |= 2;
		} else if (kl == 22 && !memcmp(k, "!zs|scr|\0\0\0\1z\xBF\xF0", 15)) {
			CHECK_INT(e.body_len, 0);
			seen |= 4;
		} else if (kl == 18 && !memcmp(k, "!stream|meta|\0\0\0\1x", 18)) {
			CHECK_INT(e.body_len, 24);
			seen |= 8;
		}
		CHECK(!(kl > 11 && !memcmp(k, "!redis|ttl|", 11)));   /* strings: inline only */
	}
	CHECK_INT(seen, 15);
	ekv_reader_free(r);
	close(fd);
}

EKV_TEST(redis_encode_refuses_invalid_json)
{
	make_tree();
	write_text(DB "hashes/h.json", "{\n  \"format_version\": 1,\n  \"fields\": [\n    {\"name\": \"f\", \"value\": }\n  ],\n  \"expire_at_ms\": null\n}");
	expect_refused(EKV_EINPUT, "hashes/h.json", 4);
}

EKV_TEST(redis_encode_refuses_duplicate_members_and_trailing_data)
{
	make_tree();
	write_text(DB "hashes/h.json", "{\"format_version\":1,\"fields\":[],\"fields\":[],\"expire_at_ms\":null}");
	expect_refused(EKV_EINPUT, "hashes/h.json", 0);
	write_text(DB "hashes/h.json", "{\"format_version\":1,\"fields\":[],\"expire_at_ms\":null} {}");
	expect_refused(EKV_EINPUT, "hashes/h.json", 0);
	write_text(DB "hashes/h.json", "{\"format_version\":1,\"Fields\":[],\"expire_at_ms\":null}");
	expect_refused(EKV_EINPUT, "hashes/h.json", 0);
}

EKV_TEST(redis_encode_refuses_wrong_version_and_shapes)
{
	make_tree();
	write_text(DB "sets/t.json", "{\"format_version\":99,\"members\":[],\"expire_at_ms\":null}");
	expect_refused(EKV_EINPUT, "sets/t.json", 0);
	write_text(DB "sets/t.json", "{\"format_version\":1,\"members\":[1],\"expire_at_ms\":null}");
	expect_refused(EKV_EINPUT, "sets/t.json", 0);
	write_text(DB "sets/t.json", "{\"format_version\":1,\"members\":[{\"base64\":\"a=\"}],\"expire_at_ms\":null}");
	expect_refused(EKV_EINPUT, "sets/t.json", 0);
	write_text(DB "sets/t.json", "{\"format_version\":1,\"members\":[],\"expire_at_ms\":-1}");
	expect_refused(EKV_EINPUT, "sets/t.json", 0);
	write_text(DB "sets/t.json", "{\"format_version\":1,\"members\":[\"\xFF\"],\"expire_at_ms\":null}");
	expect_refused(EKV_EINPUT, "sets/t.json", 0);   /* invalid UTF-8 in the file */
}

EKV_TEST(redis_encode_refuses_bad_scores)
{
	make_tree();
	const char *bad[] = { "\"nan\"", "\"inf\"", "\"+Inf\"", "1e400", "null", "\"1\"" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256];
		snprintf(text, sizeof text,
			 "{\"format_version\":1,\"members\":[{\"member\":\"m\",\"score\":%s}],\"expire_at_ms\":null}", bad[i]);
		write_text(DB "zsets/z.json", text);
		expect_refused(EKV_EINPUT, "zsets/z.json", 0);
	}
}

EKV_TEST(redis_encode_score_forms_round_trip)
{
	/* -0, integers beyond int64 and exponent forms keep their exact value */
	make_tree();
	write_text(DB "zsets/z.json",
		   "{\n  \"format_version\": 1,\n  \"members\": [\n"
		   "    {\n      \"member\": \"a\",\n      \"score\": -0\n    },\n"
		   "    {\n      \"member\": \"b\",\n      \"score\": -123456789012345680000\n    },\n"
		   "    {\n      \"member\": \"c\",\n      \"score\": 5e-324\n    },\n"
		   "    {\n      \"member\": \"d\",\n      \"score\": \"-inf\"\n    }\n"
		   "  ],\n  \"expire_at_ms\": 12\n}");
	struct ekv_error err = { 0 };
	CHECK_OK(fx_encode("tree", "out.fsm", &err), &err);
	fx_decode("out.fsm", "back");
	CHECK_INT(ekv_test_sh("diff -r -x MANIFEST.json -x CHECKSUMS tree back"), 0);
}

EKV_TEST(redis_encode_refuses_stream_problems)
{
	make_tree();
	const char *meta = "{\"_meta\":true,\"length\":0,\"last_ms\":0,\"last_seq\":0,\"expire_at_ms\":null}\n";
	char text[512];
	/* a field without its value (odd fields) on line 1 */
	snprintf(text, sizeof text, "{\"id\":\"1-0\",\"fields\":[{\"name\":\"a\"}]}\n%s", meta);
	write_text(DB "streams/x.jsonl", text);
	expect_refused(EKV_EINPUT, "streams/x.jsonl", 1);
	/* second _meta on line 2 */
	snprintf(text, sizeof text, "%s%s", meta, meta);
	write_text(DB "streams/x.jsonl", text);
	expect_refused(EKV_EINPUT, "streams/x.jsonl", 2);
	/* no _meta */
	write_text(DB "streams/x.jsonl", "{\"id\":\"1-0\",\"fields\":[]}\n");
	expect_refused(EKV_EINPUT, "streams/x.jsonl", 0);
	/* bad id, negative length */
	snprintf(text, sizeof text, "{\"id\":\"1-\",\"fields\":[]}\n%s", meta);
	write_text(DB "streams/x.jsonl", text);
	expect_refused(EKV_EINPUT, "streams/x.jsonl", 1);
	write_text(DB "streams/x.jsonl", "{\"_meta\":true,\"length\":-1,\"last_ms\":0,\"last_seq\":0,\"expire_at_ms\":null}\n");
	expect_refused(EKV_EINPUT, "streams/x.jsonl", 1);
	/* D10: a non-UTF-8 field cannot be a protobuf string */
	snprintf(text, sizeof text, "{\"id\":\"1-0\",\"fields\":[{\"name\":{\"base64\":\"_w\"},\"value\":\"v\"}]}\n%s", meta);
	write_text(DB "streams/x.jsonl", text);
	expect_refused(EKV_EINPUT, "streams/x.jsonl", 1);
	/* duplicate IDs are the same internal key */
	snprintf(text, sizeof text, "{\"id\":\"1-0\",\"fields\":[]}\n{\"id\":\"1-0\",\"fields\":[]}\n%s", meta);
	write_text(DB "streams/x.jsonl", text);
	expect_refused(EKV_EDUPLICATE, NULL, 0);
}

EKV_TEST(redis_encode_accepts_disagreeing_stream_meta)
{
	/* D11: upstream refuses this _meta; ours keeps it verbatim */
	make_tree();
	write_text(DB "streams/x.jsonl", "{\"id\":\"9-9\",\"fields\":[]}\n"
					 "{\"_meta\":true,\"length\":5,\"last_ms\":1,\"last_seq\":0,\"expire_at_ms\":3}\n");
	struct ekv_error err = { 0 };
	CHECK_OK(fx_encode("tree", "out.fsm", &err), &err);
	fx_decode("out.fsm", "back");
	CHECK_INT(ekv_test_sh("diff -r -x MANIFEST.json -x CHECKSUMS tree back"), 0);
}

EKV_TEST(redis_encode_refuses_duplicate_keys)
{
	make_tree();
	write_text(DB "sets/t.json", "{\"format_version\":1,\"members\":[\"m\",\"m\"],\"expire_at_ms\":null}");
	expect_refused(EKV_EDUPLICATE, NULL, 0);
	/* %41 and A are the same user key */
	write_text(DB "sets/t.json", "{\"format_version\":1,\"members\":[],\"expire_at_ms\":null}");
	write_text(DB "strings/%41.bin", "x");
	write_text(DB "strings/A.bin", "y");
	expect_refused(EKV_EDUPLICATE, NULL, 0);
}

EKV_TEST(redis_encode_refuses_bad_sidecars_and_names)
{
	make_tree();
	write_text(DB "strings_ttl.jsonl", "{\"key\":\"s\",\"expire_at_ms\":1}\n{\"key\":\"s\"}\n");
	expect_refused(EKV_EINPUT, "strings_ttl.jsonl", 2);
	ekv_test_sh("rm tree/redis/db_0/strings_ttl.jsonl");
	write_text(DB "strings/0123456789abcdef0123456789abcdef__x.bin", "x");
	expect_refused(EKV_EINPUT, "0123456789abcdef0123456789abcdef__x.bin", 0);
	ekv_test_sh("rm tree/redis/db_0/strings/0123*");
	write_text(DB "strings/a%zz.bin", "x");
	expect_refused(EKV_EINPUT, "a%zz.bin", 0);
}

EKV_TEST(redis_encode_db_rules)
{
	make_tree();
	/* non-canonical names are ignored, a second db is refused */
	ekv_test_sh("mkdir tree/redis/db_01 tree/redis/notdb_2");
	struct ekv_error err = { 0 };
	CHECK_OK(fx_encode("tree", "ok.fsm", &err), &err);
	ekv_test_sh("mkdir tree/redis/db_1");
	expect_refused(EKV_EUNSUPPORTED, NULL, 0);
	ekv_test_sh("rmdir tree/redis/db_1 && mv tree/redis/db_0 tree/redis/db_3");
	expect_refused(EKV_EUNSUPPORTED, NULL, 0);
	ekv_test_sh("mv tree/redis/db_3 tree/redis/real && ln -s real tree/redis/db_0");
	expect_refused(EKV_EUNSAFE, NULL, 0);
}

EKV_TEST(redis_encode_refuses_symlinks_and_hard_links)
{
	make_tree();
	ekv_test_sh("mv tree/redis/db_0/hashes tree/h2 && ln -s ../../../h2 tree/redis/db_0/hashes");
	expect_refused(EKV_EUNSAFE, NULL, 0);
	ekv_test_sh("rm tree/redis/db_0/hashes && mv tree/h2 tree/redis/db_0/hashes");
	ekv_test_sh("ln tree/redis/db_0/strings/s.bin tree/hard");
	expect_refused(EKV_EUNSAFE, "s.bin", 0);
}
