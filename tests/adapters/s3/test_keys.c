/* S3 key and value codecs (s3.md §2.4, §2.5, §3.6, §4.4, §5.5; §7.6). */
#include "s3_fixture.h"
#include "adapters/s3/s3_decode.h"

/* s3.md §2.4 worked bytes and TestEncodeSegmentPrefix_EscapesZeroBytes */
EKV_TEST(s3_seg_codec)
{
	struct ekv_buf b = EKV_BUF_INIT, out = EKV_BUF_INIT;
	CHECK(ekv_keyseg_append(&b, "\0a\0", 3) == 0);
	CHECK_MEM(b.data, b.len, "\x00\xff" "a\x00\xff\x00\x01", 7);
	size_t pos = 0;
	CHECK(ekv_keyseg_read(b.data, b.len, &pos, &out) == 0);
	CHECK_MEM(out.data, out.len, "\0a\0", 3);
	CHECK_U64(pos, 7);
	pos = 0;
	CHECK(ekv_keyseg_read((const uint8_t *)"ab\x00\x02", 4, &pos, &out) == -1);   /* 00 02 */
	pos = 0;
	CHECK(ekv_keyseg_read((const uint8_t *)"ab\x00", 3, &pos, &out) == -1);       /* 00 at the end */
	pos = 0;
	CHECK(ekv_keyseg_read((const uint8_t *)"ab", 2, &pos, &out) == -1);           /* no terminator */
	ekv_buf_release(&b);
	ekv_buf_release(&out);
}

/* s3.md §2.4: versioned blob, bucket logs, gen 1, app.log, upload u, part 2, chunk 5 */
EKV_TEST(s3_chunk_key_parse)
{
	static const uint8_t rest[] = { 'l', 'o', 'g', 's', 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 'p', 'p', '.', 'l',
					'o', 'g', 0, 1, 'u', 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5,
					0, 1, 0x8f, 0x1a, 0x2b, 0x3c, 0, 7 };
	struct s3_chunk_key c;
	s3_chunk_key_init(&c);
	CHECK(s3_parse_chunk_key(rest, sizeof rest, &c) == 0);
	CHECK_MEM(c.bucket.data, c.bucket.len, "logs", 4);
	CHECK_MEM(c.object.data, c.object.len, "app.log", 7);
	CHECK_MEM(c.upload.data, c.upload.len, "u", 1);
	CHECK_U64(c.gen, 1);
	CHECK_U64(c.part, 2);
	CHECK_U64(c.chunk, 5);
	CHECK_U64(c.pv, 0x00018F1A2B3C0007ull);
	CHECK(s3_parse_chunk_key(rest, sizeof rest - 8, &c) == 0);
	CHECK_U64(c.pv, 0);
	CHECK(s3_parse_chunk_key(rest, sizeof rest - 4, &c) == -1);   /* 4 trailing bytes */
	s3_chunk_key_release(&c);
}

/* s3.md §3.6 and TestChunkRefValue_RejectsMalformedValues */
EKV_TEST(s3_chunkref_value)
{
	uint8_t v[80], d[32];
	uint64_t size;
	memset(v, 0, sizeof v);
	v[0] = 1;
	memset(v + 1, 0xAB, 32);
	ekv_put_be64(v + 33, 6);
	ekv_put_be16(v + 41, 2);
	memcpy(v + 43, "n1", 2);
	CHECK(s3_parse_chunkref_value(v, 45, d, &size) == 0);
	CHECK_U64(size, 6);
	CHECK(d[0] == 0xAB && d[31] == 0xAB);
	CHECK(s3_parse_chunkref_value(v, 44, d, &size) == -1);   /* one byte short */
	CHECK(s3_parse_chunkref_value(v, 46, d, &size) == -1);   /* one byte extra */
	CHECK(s3_parse_chunkref_value(v, 1, d, &size) == -1);
	CHECK(s3_parse_chunkref_value(NULL, 0, d, &size) == -1);
	v[0] = 0xFF;
	CHECK(s3_parse_chunkref_value(v, 45, d, &size) == -1);
	/* V2 with one replica {n1, n1:50051} (61 bytes) */
	v[0] = 2;
	memcpy(v + 45, "\x00\x01\x00\x02n1\x00\x08n1:50051", 16);
	CHECK(s3_parse_chunkref_value(v, 61, d, &size) == 0);
	CHECK(s3_parse_chunkref_value(v, 60, d, &size) == -1);
	v[45] = 0xFF;
	v[46] = 0xFF;   /* replica count 0xffff */
	CHECK(s3_parse_chunkref_value(v, 61, d, &size) == -1);
}

/* s3.md §4.4 last_modified and §5.5 parse (TestParseRFC3339NanoAsHLC) */
EKV_TEST(s3_hlc_time_format)
{
	char b[64];
	s3_format_hlc(1777466096789ull << 16, b);
	CHECK_STR(b, "2026-04-29T12:34:56.789Z");
	s3_format_hlc(1777466096780ull << 16, b);
	CHECK_STR(b, "2026-04-29T12:34:56.78Z");
	s3_format_hlc(1777466096700ull << 16, b);
	CHECK_STR(b, "2026-04-29T12:34:56.7Z");
	s3_format_hlc((1777466096000ull << 16) | 0xFFFF, b);
	CHECK_STR(b, "2026-04-29T12:34:56Z");
	s3_format_hlc(1745884800000ull << 16, b);
	CHECK_STR(b, "2025-04-29T00:00:00Z");
	CHECK_U64(s3_parse_time_hlc("2026-04-29T12:34:56.789Z", 24), 116488018119163904ull);
	CHECK_U64(s3_parse_time_hlc("", 0), 0);
	CHECK_U64(s3_parse_time_hlc("not-a-time", 10), 0);
	CHECK_U64(s3_parse_time_hlc("1969-12-31T23:59:59Z", 20), 0);
	CHECK(s3_parse_time_hlc("2024-01-02T03:04:05Z", 20) != 0);
	CHECK_U64(s3_parse_time_hlc("2024-01-02T03:04:05.000000001Z", 30), s3_parse_time_hlc("2024-01-02T03:04:05Z", 20));
	CHECK_U64(s3_parse_time_hlc("2026-04-29T14:34:56.789+02:00", 29), 116488018119163904ull);
	CHECK_U64(s3_parse_time_hlc("2026-02-30T00:00:00Z", 20), 0);
}

/* D20: names of the SHA class (bare hash when the name would look like a rename) */
EKV_TEST(s3_sha_class_names)
{
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK(s3_class_name(&b, C_SHA, (const uint8_t *)"..", 2) == 0);
	CHECK_INT(b.len, 36);
	CHECK(memcmp(b.data + 32, "__..", 4) == 0);
	CHECK(s3_class_name(&b, C_SHA, (const uint8_t *)"/x.elastickv-meta.json", 22) == 0);
	CHECK_INT(b.len, 32);
	CHECK(s3_class_name(&b, C_LEAF, (const uint8_t *)"p", 1) == 0);
	CHECK_MEM(b.data, b.len, "p.elastickv-leaf-data", 21);
	CHECK(s3_class_name(&b, C_USERDATA, (const uint8_t *)"e.elastickv-meta.json", 21) == 0);
	CHECK_MEM(b.data, b.len, "e.elastickv-meta.json.user-data", 31);
	ekv_buf_release(&b);
}

/* Leaf-data renames happen with and without --rename-collisions alike. */
EKV_TEST(s3_leaf_rename_independent_of_flag)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "a", "A");
	s3fx_text(&s, "b", 1, "a/b", "B");
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "plain", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	s3fx_opts(&o, "in.fsm", "flag", NULL);
	o.rename_s3_collisions = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(s3fx_sh_ok("diff -r plain/s3 flag/s3"));
	S3FX_FILE("flag/s3/b/a.elastickv-leaf-data", "A");
}
