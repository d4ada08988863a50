/* KEYMAP.jsonl writer and reader (container.md §5.3, §8.5). */
#include <fcntl.h>
#include <unistd.h>
#include "harness.h"
#include "buf.h"
#include "keymap.h"

static void append_ok(struct ekv_buf *out, const char *enc, const void *orig, size_t olen,
		      const char *kind)
{
	CHECK_INT(ekv_keymap_append(out, enc, strlen(enc), orig, olen, kind), 0);
}

static void parse_ok(const char *text, int reject, struct ekv_keymap *km)
{
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_keymap_parse(text, strlen(text), "KEYMAP.jsonl", reject, km, &err), &err);
}

/* Expects the parse to fail with EKV_EKEYMAP at `line`. */
static struct ekv_error parse_bad(const char *text, unsigned long line)
{
	struct ekv_error err = { 0 };
	struct ekv_keymap km;
	CHECK_STATUS(ekv_keymap_parse(text, strlen(text), "s3/b/KEYMAP.jsonl", 0, &km, &err),
		     EKV_EKEYMAP, &err);
	CHECK_STR(err.file, "s3/b/KEYMAP.jsonl");
	CHECK_INT(err.line, line);
	CHECK_INT(km.n, 0);
	CHECK(km.entries == NULL);
	return err;
}

EKV_TEST(keymap_writer_round_trip)
{
	/* Five records, including empty and binary originals. */
	static const uint8_t bin[] = { 0x00, 0x01, 0xfe, 0xff, 0xfb };
	struct ekv_buf out = EKV_BUF_INIT;
	struct ekv_keymap km;
	append_ok(&out, "3f3e35e0a775d9b1d5ec2eccca06381c__aaaa", "aaaaaaa", 7, EKV_KEYMAP_SHA_FALLBACK);
	append_ok(&out, "x", bin, sizeof bin, EKV_KEYMAP_S3_LEAF_DATA);
	append_ok(&out, "y", "", 0, EKV_KEYMAP_META_RENAME);
	append_ok(&out, "z", NULL, 0, EKV_KEYMAP_SHA_FALLBACK);
	append_ok(&out, "w", "hello world", 11, "custom-kind");
	CHECK_STR((const char *)out.data,
		  "{\"encoded\":\"3f3e35e0a775d9b1d5ec2eccca06381c__aaaa\",\"original\":\"YWFhYWFhYQ\",\"kind\":\"sha-fallback\"}\n"
		  "{\"encoded\":\"x\",\"original\":\"AAH-__s\",\"kind\":\"s3-leaf-data\"}\n"
		  "{\"encoded\":\"y\",\"original\":\"\",\"kind\":\"meta-suffix-rename\"}\n"
		  "{\"encoded\":\"z\",\"original\":\"\",\"kind\":\"sha-fallback\"}\n"
		  "{\"encoded\":\"w\",\"original\":\"aGVsbG8gd29ybGQ\",\"kind\":\"custom-kind\"}\n");
	parse_ok((const char *)out.data, 1, &km);
	CHECK_INT(km.n, 5);
	CHECK_STR(km.entries[0].kind, "sha-fallback");
	CHECK_MEM(km.entries[0].original, km.entries[0].original_len, "aaaaaaa", 7);
	CHECK_MEM(km.entries[1].original, km.entries[1].original_len, bin, sizeof bin);
	CHECK_INT(km.entries[2].original_len, 0);
	CHECK(km.entries[2].original != NULL);
	CHECK_STR(km.entries[4].encoded, "w");
	CHECK_INT(km.entries[4].encoded_len, 1);
	const struct ekv_keymap_entry *e = ekv_keymap_find(&km, "x", 1);
	CHECK(e == &km.entries[1]);
	CHECK(ekv_keymap_find(&km, "q", 1) == NULL);
	CHECK(ekv_keymap_find(&km, "xx", 2) == NULL);
	ekv_keymap_release(&km);
	ekv_buf_release(&out);
}

EKV_TEST(keymap_writer_rejects_empty_encoded_or_kind)
{
	struct ekv_buf out = EKV_BUF_INIT;
	CHECK(ekv_keymap_append(&out, "", 0, "a", 1, "sha-fallback") != 0);
	CHECK(ekv_keymap_append(&out, "e", 1, "a", 1, "") != 0);
	CHECK(ekv_keymap_append(&out, "e", 1, "a", 1, NULL) != 0);
	CHECK_INT(out.len, 0);
	ekv_buf_release(&out);
}

EKV_TEST(keymap_writer_does_not_escape_html)
{
	/* Bytes from Go's json.Encoder with SetEscapeHTML(false): <>& raw,
	 * control characters escaped, U+2028 escaped, invalid UTF-8 as the
	 * six characters \ufffd (D7). */
	struct ekv_buf out = EKV_BUF_INIT;
	const char enc[] = "a<b>c&d\0\x1f\t\xe2\x80\xa8\xfe";
	CHECK_INT(ekv_keymap_append(&out, enc, sizeof enc - 1, "a<b>c&d", 7, "sha-fallback"), 0);
	CHECK_STR((const char *)out.data,
		  "{\"encoded\":\"a<b>c&d\\u0000\\u001f\\t\\u2028\\ufffd\",\"original\":\"YTxiPmMmZA\","
		  "\"kind\":\"sha-fallback\"}\n");
	CHECK(strstr((const char *)out.data, "\\u003c") == NULL);
	ekv_buf_release(&out);
}

EKV_TEST(keymap_writer_omit_empty)
{
	struct ekv_keymap km;
	parse_ok("", 0, &km);
	CHECK_INT(km.n, 0);
	CHECK(ekv_keymap_find(&km, "a", 1) == NULL);
	ekv_keymap_release(&km);
}

EKV_TEST(keymap_reader_rejects_malformed_json)
{
	struct ekv_error e = parse_bad("not-json\n", 1);
	CHECK(strstr(e.msg, "invalid JSON") != NULL);
	/* The error is the first one met: later lines are not read. */
	parse_bad("{\"encoded\":\"a\",\"original\":\"\",\"kind\":\"k\"}\nnot-json\n{\"encoded\":\"b\"}\n", 2);
	parse_bad("[1]\n", 1);
	parse_bad("\"s\"\n", 1);
	parse_bad("{\"encoded\":\"a\",\"original\":\"\",\"kind\":\"k\"} {}\n", 1);
	parse_bad("{\"encoded\":\"a\",\"encoded\":\"a\",\"original\":\"\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"a\xff\",\"original\":\"\",\"kind\":\"k\"}\n", 1);
}

EKV_TEST(keymap_reader_rejects_record_without_encoded_or_kind)
{
	parse_bad("{\"original\":\"\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"\",\"original\":\"\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":\"\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":\"\",\"kind\":\"\"}\n", 1);
	/* Exact names only. */
	parse_bad("{\"Encoded\":\"e\",\"original\":\"\",\"kind\":\"k\"}\n", 1);
	/* Types. */
	parse_bad("{\"encoded\":5,\"original\":\"\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":[],\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":\"\",\"kind\":true}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":\"\",\"kind\":99999999999999999999}\n", 1);
	parse_bad("{\"encoded\":18446744073709551615,\"original\":\"\",\"kind\":\"k\"}\n", 1);
	/* Unknown extra members are ignored. */
	struct ekv_keymap km;
	parse_ok("{\"encoded\":\"e\",\"original\":\"\",\"kind\":\"k\",\"extra\":1}\n", 0, &km);
	CHECK_INT(km.n, 1);
	ekv_keymap_release(&km);
}

EKV_TEST(keymap_reader_rejects_blank_lines)
{
	struct ekv_error e = parse_bad("{\"encoded\":\"a\",\"original\":\"\",\"kind\":\"k\"}\n\n"
				       "{\"encoded\":\"b\",\"original\":\"\",\"kind\":\"k\"}\n", 2);
	CHECK(strstr(e.msg, "empty line") != NULL);
	parse_bad("\n", 1);
	parse_bad("\r\n", 1);
	parse_bad("{\"encoded\":\"a\",\"original\":\"\",\"kind\":\"k\"}\n\n", 2);
	parse_bad("{\"encoded\":\"a\",\"original\":\"\",\"kind\":\"k\"}\n  \n", 2);
}

EKV_TEST(keymap_reader_line_endings)
{
	/* A trailing CR is stripped; the last line may lack its newline. */
	struct ekv_keymap km;
	parse_ok("{\"encoded\":\"a\",\"original\":\"YQ\",\"kind\":\"k\"}\r\n"
		 "{\"encoded\":\"b\",\"original\":\"Yg\",\"kind\":\"k\"}", 0, &km);
	CHECK_INT(km.n, 2);
	CHECK_MEM(km.entries[1].original, km.entries[1].original_len, "b", 1);
	ekv_keymap_release(&km);
}

EKV_TEST(keymap_load_last_record_wins)
{
	const char *text = "{\"encoded\":\"k\",\"original\":\"YQ\",\"kind\":\"sha-fallback\"}\n"
			   "{\"encoded\":\"other\",\"original\":\"\",\"kind\":\"sha-fallback\"}\n"
			   "{\"encoded\":\"k\",\"original\":\"Yg\",\"kind\":\"s3-leaf-data\"}\n";
	struct ekv_keymap km;
	parse_ok(text, 0, &km);
	CHECK_INT(km.n, 2);
	const struct ekv_keymap_entry *e = ekv_keymap_find(&km, "k", 1);
	CHECK(e != NULL);
	CHECK_MEM(e->original, e->original_len, "b", 1);
	CHECK_STR(e->kind, "s3-leaf-data");
	CHECK(e == &km.entries[0]);
	ekv_keymap_release(&km);
	/* The S3 loader's mode: duplicates are an error naming the line. */
	struct ekv_error err = { 0 };
	CHECK_STATUS(ekv_keymap_parse(text, strlen(text), "s3/b/KEYMAP.jsonl", 1, &km, &err),
		     EKV_EKEYMAP, &err);
	CHECK_INT(err.line, 3);
	CHECK(strstr(err.msg, "duplicate") != NULL);
	CHECK_INT(km.n, 0);
}

EKV_TEST(keymap_original_rejects_bad_base64)
{
	/* Caught at parse time (KeymapReader_RejectsMalformedBase64AtParseTime). */
	parse_bad("{\"encoded\":\"e\",\"original\":\"!!!\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":\"YQ==\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":\"YWJj+/\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":\"Y\",\"kind\":\"k\"}\n", 1);
}

EKV_TEST(keymap_reader_rejects_explicit_null_field)
{
	parse_bad("{\"encoded\":null,\"original\":\"\",\"kind\":\"k\"}\n", 1);
	parse_bad("{\"encoded\":\"e\",\"original\":null,\"kind\":\"k\"}\n", 1);
	struct ekv_error e = parse_bad("{\"encoded\":\"e\",\"original\":\"\",\"kind\":null}\n", 1);
	CHECK(strstr(e.msg, "kind") != NULL);
}

EKV_TEST(keymap_reader_rejects_missing_original_field)
{
	struct ekv_error e = parse_bad("{\"encoded\":\"a\",\"original\":\"\",\"kind\":\"k\"}\n"
				       "{\"encoded\":\"e\",\"kind\":\"k\"}\n"
				       "{\"encoded\":\"f\",\"original\":\"\",\"kind\":\"k\"}\n", 2);
	CHECK(strstr(e.msg, "original") != NULL);
}

EKV_TEST(keymap_reader_accepts_max_sized_original)
{
	size_t n = 1 << 20;
	uint8_t *orig = malloc(n);
	CHECK(orig != NULL);
	for (size_t i = 0; i < n; i++) orig[i] = (uint8_t)(i * 7 + 3);
	struct ekv_buf out = EKV_BUF_INIT;
	append_ok(&out, "big", orig, n, EKV_KEYMAP_SHA_FALLBACK);
	struct ekv_keymap km;
	parse_ok((const char *)out.data, 0, &km);
	CHECK_INT(km.n, 1);
	CHECK_MEM(km.entries[0].original, km.entries[0].original_len, orig, n);
	ekv_keymap_release(&km);
	ekv_buf_release(&out);
	free(orig);
}

EKV_TEST(keymap_reader_rejects_overlong_line)
{
	size_t n = (4u << 20) + 16;
	char *s = malloc(n + 1);
	CHECK(s != NULL);
	memset(s, 'A', n);
	memcpy(s, "{\"encoded\":\"e\",\"kind\":\"k\",\"original\":\"", 38);
	memcpy(s + n - 3, "\"}\n", 3);
	s[n] = 0;
	struct ekv_error e = parse_bad(s, 1);
	CHECK(strstr(e.msg, "longer") != NULL);
	free(s);
}

EKV_TEST(keymap_reader_accepts_explicit_empty_original)
{
	struct ekv_keymap km;
	parse_ok("{\"encoded\":\"e\",\"original\":\"\",\"kind\":\"k\"}\n", 0, &km);
	CHECK_INT(km.n, 1);
	CHECK_INT(km.entries[0].original_len, 0);
	ekv_keymap_release(&km);
}

EKV_TEST(keymap_strings_escapes_round_trip)
{
	/* encoded with control characters, <>&, U+2028, NUL survives a round trip. */
	const char enc[] = "\x01<>&\xe2\x80\xa8\0z";
	struct ekv_buf out = EKV_BUF_INIT;
	struct ekv_keymap km;
	CHECK_INT(ekv_keymap_append(&out, enc, sizeof enc - 1, "o", 1, "k<&>"), 0);
	parse_ok((const char *)out.data, 0, &km);
	CHECK_MEM(km.entries[0].encoded, km.entries[0].encoded_len, enc, sizeof enc - 1);
	CHECK_STR(km.entries[0].kind, "k<&>");
	CHECK(ekv_keymap_find(&km, enc, sizeof enc - 1) == &km.entries[0]);
	CHECK(ekv_keymap_find(&km, enc, sizeof enc - 3) == NULL);
	ekv_keymap_release(&km);
	ekv_buf_release(&out);
}

EKV_TEST(keymap_find_many)
{
	struct ekv_buf out = EKV_BUF_INIT;
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "n%05d", i);
		append_ok(&out, name, &i, sizeof i, "k");
	}
	struct ekv_keymap km;
	parse_ok((const char *)out.data, 1, &km);
	CHECK_INT(km.n, 5000);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "n%05d", i);
		const struct ekv_keymap_entry *e = ekv_keymap_find(&km, name, strlen(name));
		CHECK(e == &km.entries[i]);
		CHECK_MEM(e->original, e->original_len, &i, sizeof i);
	}
	CHECK(ekv_keymap_find(&km, "n05000", 6) == NULL);
	ekv_keymap_release(&km);
	ekv_buf_release(&out);
}

EKV_TEST(keymap_load_from_directory)
{
	struct ekv_keymap km;
	struct ekv_error err = { 0 };
	CHECK_INT(system("mkdir -p d e f"), 0);
	int d = open("d", O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0);
	/* Absent = empty map. */
	CHECK_OK(ekv_keymap_load(d, "d/KEYMAP.jsonl", 0, &km, &err), &err);
	CHECK_INT(km.n, 0);
	const char *rec = "{\"encoded\":\"e\",\"original\":\"YQ\",\"kind\":\"k\"}\n";
	ekv_test_write_file("d/KEYMAP.jsonl", rec, strlen(rec));
	CHECK_OK(ekv_keymap_load(d, "d/KEYMAP.jsonl", 0, &km, &err), &err);
	CHECK_INT(km.n, 1);
	ekv_keymap_release(&km);
	/* Bad content names the file and line. */
	ekv_test_write_file("d/KEYMAP.jsonl", "\n", 1);
	CHECK_STATUS(ekv_keymap_load(d, "d/KEYMAP.jsonl", 0, &km, &err), EKV_EKEYMAP, &err);
	CHECK_STR(err.file, "d/KEYMAP.jsonl");
	CHECK_INT(err.line, 1);
	close(d);
	/* A symlink, a hard link and a directory are refused. */
	ekv_test_write_file("target.jsonl", rec, strlen(rec));
	CHECK_INT(symlink("../target.jsonl", "e/KEYMAP.jsonl"), 0);
	d = open("e", O_RDONLY | O_DIRECTORY);
	CHECK_STATUS(ekv_keymap_load(d, "e/KEYMAP.jsonl", 0, &km, &err), EKV_EUNSAFE, &err);
	CHECK_STR(err.file, "e/KEYMAP.jsonl");
	close(d);
	CHECK_INT(link("target.jsonl", "f/KEYMAP.jsonl"), 0);
	d = open("f", O_RDONLY | O_DIRECTORY);
	CHECK_STATUS(ekv_keymap_load(d, "f/KEYMAP.jsonl", 0, &km, &err), EKV_EUNSAFE, &err);
	close(d);
	CHECK_INT(system("mkdir -p g/KEYMAP.jsonl"), 0);
	d = open("g", O_RDONLY | O_DIRECTORY);
	CHECK(ekv_keymap_load(d, "g/KEYMAP.jsonl", 0, &km, &err) != 0);
	close(d);
}
