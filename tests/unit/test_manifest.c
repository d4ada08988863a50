/* MANIFEST.json writer and reader (container.md §5.5, §8.6; tools.md §3.4, §8.2; D5, D7). */
#include "harness.h"
#include "buf.h"
#include "manifest.h"

/* container.md §5.5 sample plus the D5 object (no counters given). */
static const char container_sample[] =
	"{\n"
	"  \"format_version\": 1,\n"
	"  \"phase\": \"phase0-snapshot-decode\",\n"
	"  \"elastickv_version\": \"dev\",\n"
	"  \"snapshot_index\": 64,\n"
	"  \"last_commit_ts\": 4517352099840000,\n"
	"  \"wall_time_iso\": \"2026-04-29T15:42:11.094Z\",\n"
	"  \"source\": {\n"
	"    \"fsm_path\": \"/data/fsm-snap/0000000000000064.fsm\"\n"
	"  },\n"
	"  \"adapters\": {\n"
	"    \"dynamodb\": {},\n"
	"    \"s3\": {},\n"
	"    \"redis\": {},\n"
	"    \"sqs\": {}\n"
	"  },\n"
	"  \"exclusions\": {\n"
	"    \"include_incomplete_uploads\": false,\n"
	"    \"include_orphans\": false,\n"
	"    \"preserve_sqs_visibility\": false,\n"
	"    \"include_sqs_side_records\": false\n"
	"  },\n"
	"  \"checksum_algorithm\": \"sha256\",\n"
	"  \"checksum_format\": \"sha256sum\",\n"
	"  \"encoded_filename_charset\": \"rfc3986-unreserved-plus-percent\",\n"
	"  \"key_segment_max_bytes\": 240,\n"
	"  \"s3_meta_suffix\": \".elastickv-meta.json\",\n"
	"  \"s3_collision_strategy\": \"leaf-data-suffix\",\n"
	"  \"dynamodb_layout\": \"per-item\",\n"
	"  \"ekvbackup\": {\n"
	"    \"version\": \"" EKV_VERSION_STRING "\"\n"
	"  }\n"
	"}\n";

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
	CHECK(!s || *dst);
}

/* The container.md sample's manifest. */
static void sample_manifest(struct ekv_manifest *m)
{
	CHECK_INT(ekv_manifest_init_phase0(m), 0);
	set_str(&m->elastickv_version, "dev");
	m->snapshot_index = 64;
	m->last_commit_ts = 4517352099840000ull;
	set_str(&m->wall_time_iso, "2026-04-29T15:42:11.094Z");
	m->has_source = 1;
	set_str(&m->source_fsm_path, "/data/fsm-snap/0000000000000064.fsm");
	m->adapters = EKV_ADAPTERS_ALL;
}

static void write_ok(const struct ekv_manifest *m, struct ekv_buf *out)
{
	struct ekv_error err = { 0 };
	ekv_buf_init(out);
	CHECK_OK(ekv_manifest_write(out, m, &err), &err);
}

/* Parses text, expects `code`; returns the error for message checks. */
static struct ekv_error parse_expect(const char *text, enum ekv_status code)
{
	struct ekv_error err = { 0 };
	struct ekv_manifest m;
	CHECK_STATUS(ekv_manifest_parse(text, strlen(text), &m, &err), code, &err);
	if (code == EKV_OK) ekv_manifest_release(&m);
	return err;
}

/* The container sample with `from` replaced by `to` (first occurrence). */
static char *sample_with(const char *from, const char *to)
{
	const char *p = strstr(container_sample, from);
	CHECK(p != NULL);
	size_t head = (size_t)(p - container_sample);
	size_t n = strlen(container_sample) - strlen(from) + strlen(to);
	char *s = malloc(n + 1);
	CHECK(s != NULL);
	memcpy(s, container_sample, head);
	strcpy(s + head, to);
	strcat(s, p + strlen(from));
	return s;
}

static void expect_variant(const char *from, const char *to, enum ekv_status code,
			   const char *msg_part)
{
	char *s = sample_with(from, to);
	struct ekv_error err = parse_expect(s, code);
	if (msg_part && !strstr(err.msg, msg_part))
		ekv_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.msg, msg_part);
	free(s);
}

EKV_TEST(manifest_container_sample_byte_exact)
{
	struct ekv_manifest m;
	struct ekv_buf out;
	sample_manifest(&m);
	write_ok(&m, &out);
	CHECK_STR((const char *)out.data, container_sample);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_tools_sample_html_raw)
{
	/* tools.md §3.4: cluster id "prod-a&b" written raw, two-digit fraction. */
	struct ekv_manifest m;
	struct ekv_buf out;
	sample_manifest(&m);
	set_str(&m.cluster_id, "prod-a&b");
	m.snapshot_index = 100;
	m.last_commit_ts = 123456789012345ull;
	set_str(&m.wall_time_iso, "2026-06-01T12:34:56.12Z");
	set_str(&m.source_fsm_path, "/data/fsm-snap/0000000000000100.fsm");
	write_ok(&m, &out);
	const char *s = (const char *)out.data;
	CHECK(strstr(s, "  \"elastickv_version\": \"dev\",\n  \"cluster_id\": \"prod-a&b\",\n"
			"  \"snapshot_index\": 100,\n  \"last_commit_ts\": 123456789012345,\n"
			"  \"wall_time_iso\": \"2026-06-01T12:34:56.12Z\",\n") != NULL);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_go_encoder_bytes_phase1_strings_u64)
{
	/* Expected bytes produced by Go's json.Encoder (SetIndent("", "  "),
	 * SetEscapeHTML(false)) over the same struct: control characters,
	 * <>&, U+2028/U+2029, invalid UTF-8 as \ufffd (D7), uint64 max. */
	static const char want[] =
		"{\n"
		"  \"format_version\": 1,\n"
		"  \"phase\": \"phase1-live-pinned\",\n"
		"  \"elastickv_version\": \"v\\u0001\\u001f\\t<>&\\u2028\\u2029\\ufffd\\ufffdx\\\"\\\\\",\n"
		"  \"cluster_id\": \"c\",\n"
		"  \"snapshot_index\": 18446744073709551610,\n"
		"  \"last_commit_ts\": 18446744073709551615,\n"
		"  \"wall_time_iso\": \"2026-06-01T12:34:56Z\",\n"
		"  \"live\": {\n"
		"    \"read_ts\": 7\n"
		"  },\n"
		"  \"adapters\": {\n"
		"    \"s3\": {},\n"
		"    \"sqs\": {}\n"
		"  },\n"
		"  \"exclusions\": {\n"
		"    \"include_incomplete_uploads\": false,\n"
		"    \"include_orphans\": true,\n"
		"    \"preserve_sqs_visibility\": false,\n"
		"    \"include_sqs_side_records\": false,\n"
		"    \"rename_s3_collisions\": true\n"
		"  },\n"
		"  \"checksum_algorithm\": \"sha256\",\n"
		"  \"checksum_format\": \"sha256sum\",\n"
		"  \"encoded_filename_charset\": \"rfc3986-unreserved-plus-percent\",\n"
		"  \"key_segment_max_bytes\": 240,\n"
		"  \"s3_meta_suffix\": \".elastickv-meta.json\",\n"
		"  \"s3_collision_strategy\": \"leaf-data-suffix\",\n"
		"  \"dynamodb_layout\": \"jsonl\",\n"
		"  \"ekvbackup\": {\n"
		"    \"version\": \"" EKV_VERSION_STRING "\",\n"
		"    \"dynamodb_bundle_size\": 1048576\n"
		"  }\n"
		"}\n";
	struct ekv_manifest m;
	struct ekv_buf out;
	CHECK_INT(ekv_manifest_init_phase0(&m), 0);
	set_str(&m.phase, EKV_PHASE1);
	set_str(&m.elastickv_version, "v\x01\x1f\t<>&\xe2\x80\xa8\xe2\x80\xa9\xff\xc3x\"\\");
	set_str(&m.cluster_id, "c");
	m.snapshot_index = 18446744073709551610ull;
	m.last_commit_ts = UINT64_MAX;
	set_str(&m.wall_time_iso, "2026-06-01T12:34:56Z");
	m.has_live = 1;
	m.live_read_ts = 7;
	m.adapters = 1u << EKV_ADAPTER_S3 | 1u << EKV_ADAPTER_SQS;
	m.include_orphans = 1;
	m.rename_s3_collisions = 1;
	set_str(&m.dynamodb_layout, "jsonl");
	m.dynamodb_bundle_size = 1048576;
	write_ok(&m, &out);
	CHECK_STR((const char *)out.data, want);

	/* ... and reads back. */
	struct ekv_manifest r;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_manifest_parse(out.data, out.len, &r, &err), &err);
	CHECK_STR(r.phase, EKV_PHASE1);
	CHECK_STR(r.elastickv_version, "v\x01\x1f\t<>&\xe2\x80\xa8\xe2\x80\xa9\xef\xbf\xbd\xef\xbf\xbdx\"\\");
	CHECK_U64(r.snapshot_index, 18446744073709551610ull);
	CHECK_U64(r.last_commit_ts, UINT64_MAX);
	CHECK_INT(r.has_live, 1);
	CHECK_U64(r.live_read_ts, 7);
	CHECK_INT(r.has_source, 0);
	CHECK_INT(r.adapters, m.adapters);
	CHECK_INT(r.include_orphans, 1);
	CHECK_INT(r.include_incomplete_uploads, 0);
	CHECK_INT(r.rename_s3_collisions, 1);
	CHECK_STR(r.dynamodb_layout, "jsonl");
	CHECK_U64(r.dynamodb_bundle_size, 1048576);
	CHECK(r.counters == NULL);
	ekv_manifest_release(&r);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_go_encoder_bytes_phase0_source_fraction)
{
	static const char want[] =
		"{\n"
		"  \"format_version\": 1,\n"
		"  \"phase\": \"phase0-snapshot-decode\",\n"
		"  \"cluster_id\": \"c\",\n"
		"  \"snapshot_index\": 18446744073709551610,\n"
		"  \"last_commit_ts\": 18446744073709551615,\n"
		"  \"wall_time_iso\": \"2026-06-01T12:34:56.000000001Z\",\n"
		"  \"source\": {\n"
		"    \"fsm_path\": \"/d/\\n\\ufffd<x>\"\n"
		"  },\n"
		"  \"adapters\": {},\n"
		"  \"exclusions\": {\n"
		"    \"include_incomplete_uploads\": true,\n"
		"    \"include_orphans\": false,\n"
		"    \"preserve_sqs_visibility\": true,\n"
		"    \"include_sqs_side_records\": true\n"
		"  },\n"
		"  \"checksum_algorithm\": \"sha256\",\n"
		"  \"checksum_format\": \"sha256sum\",\n"
		"  \"encoded_filename_charset\": \"rfc3986-unreserved-plus-percent\",\n"
		"  \"key_segment_max_bytes\": 240,\n"
		"  \"s3_meta_suffix\": \".elastickv-meta.json\",\n"
		"  \"s3_collision_strategy\": \"leaf-data-suffix\",\n"
		"  \"dynamodb_layout\": \"per-item\",\n"
		"  \"ekvbackup\": {\n"
		"    \"version\": \"" EKV_VERSION_STRING "\"\n"
		"  }\n"
		"}\n";
	struct ekv_manifest m;
	struct ekv_buf out;
	CHECK_INT(ekv_manifest_init_phase0(&m), 0);
	set_str(&m.cluster_id, "c");
	m.snapshot_index = 18446744073709551610ull;
	m.last_commit_ts = UINT64_MAX;
	set_str(&m.wall_time_iso, "2026-06-01T12:34:56.000000001Z");
	m.has_source = 1;
	set_str(&m.source_fsm_path, "/d/\n\xfe<x>");
	m.include_incomplete_uploads = 1;
	m.preserve_sqs_visibility = 1;
	m.include_sqs_side_records = 1;
	write_ok(&m, &out);
	CHECK_STR((const char *)out.data, want);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_counters_object_d5)
{
	struct ekv_counters c = { 0 };
	struct ekv_manifest m;
	struct ekv_buf out;
	c.total = 100;
	c.tombstone = 1;
	c.superseded = 2;
	c.operational = 3;
	c.internal = 4;
	c.unknown = 5;
	c.adapter[EKV_ADAPTER_DYNAMODB] = 6;
	c.adapter[EKV_ADAPTER_S3] = 7;
	c.adapter[EKV_ADAPTER_REDIS] = 8;
	c.adapter[EKV_ADAPTER_SQS] = UINT64_MAX;
	c.warnings = 10;
	c.orphan_ttls = 11;
	sample_manifest(&m);
	m.counters = &c;
	set_str(&m.dynamodb_layout, "jsonl");
	write_ok(&m, &out);
	const char *tail =
		"  \"dynamodb_layout\": \"jsonl\",\n"
		"  \"ekvbackup\": {\n"
		"    \"version\": \"" EKV_VERSION_STRING "\",\n"
		"    \"counters\": {\n"
		"      \"total\": 100,\n"
		"      \"tombstone\": 1,\n"
		"      \"superseded\": 2,\n"
		"      \"operational\": 3,\n"
		"      \"internal\": 4,\n"
		"      \"unknown\": 5,\n"
		"      \"dynamodb\": 6,\n"
		"      \"s3\": 7,\n"
		"      \"redis\": 8,\n"
		"      \"sqs\": 18446744073709551615,\n"
		"      \"warnings\": 10,\n"
		"      \"orphan_ttls\": 11\n"
		"    },\n"
		"    \"dynamodb_bundle_size\": 67108864\n"
		"  }\n"
		"}\n";
	size_t tl = strlen(tail);
	CHECK(out.len > tl);
	CHECK_STR((const char *)out.data + out.len - tl, tail);
	/* Counters are ignored when reading; the bundle size comes back. */
	struct ekv_manifest r;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_manifest_parse(out.data, out.len, &r, &err), &err);
	CHECK(r.counters == NULL);
	CHECK_U64(r.dynamodb_bundle_size, 67108864);
	ekv_manifest_release(&r);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_phase0_round_trip)
{
	struct ekv_manifest m, r;
	struct ekv_buf out;
	struct ekv_error err = { 0 };
	sample_manifest(&m);
	set_str(&m.cluster_id, "cluster-1");
	m.include_incomplete_uploads = 1;
	m.include_orphans = 1;
	m.preserve_sqs_visibility = 1;
	m.include_sqs_side_records = 1;
	m.rename_s3_collisions = 1;
	m.adapters = 1u << EKV_ADAPTER_REDIS;
	write_ok(&m, &out);
	CHECK_OK(ekv_manifest_parse(out.data, out.len, &r, &err), &err);
	CHECK_INT(r.format_version, 1);
	CHECK_STR(r.phase, EKV_PHASE0);
	CHECK_STR(r.elastickv_version, "dev");
	CHECK_STR(r.cluster_id, "cluster-1");
	CHECK_U64(r.snapshot_index, 64);
	CHECK_U64(r.last_commit_ts, 4517352099840000ull);
	CHECK_STR(r.wall_time_iso, "2026-04-29T15:42:11.094Z");
	CHECK_INT(r.has_source, 1);
	CHECK_STR(r.source_fsm_path, "/data/fsm-snap/0000000000000064.fsm");
	CHECK_INT(r.adapters, 1u << EKV_ADAPTER_REDIS);
	CHECK_INT(r.include_incomplete_uploads, 1);
	CHECK_INT(r.include_orphans, 1);
	CHECK_INT(r.preserve_sqs_visibility, 1);
	CHECK_INT(r.include_sqs_side_records, 1);
	CHECK_INT(r.rename_s3_collisions, 1);
	CHECK_STR(r.dynamodb_layout, "per-item");
	/* Writing it again gives the same bytes. */
	struct ekv_buf again;
	write_ok(&r, &again);
	CHECK_MEM(again.data, again.len, out.data, out.len);
	ekv_buf_release(&again);
	ekv_manifest_release(&r);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_uint64_max_minus_5_round_trip)
{
	struct ekv_manifest m, r;
	struct ekv_buf out;
	struct ekv_error err = { 0 };
	sample_manifest(&m);
	m.last_commit_ts = 18446744073709551610ull;
	m.snapshot_index = 9223372036854775808ull;
	write_ok(&m, &out);
	CHECK(strstr((const char *)out.data, "\"last_commit_ts\": 18446744073709551610,\n") != NULL);
	CHECK(strstr((const char *)out.data, "\"snapshot_index\": 9223372036854775808,\n") != NULL);
	CHECK_OK(ekv_manifest_parse(out.data, out.len, &r, &err), &err);
	CHECK_U64(r.last_commit_ts, 18446744073709551610ull);
	CHECK_U64(r.snapshot_index, 9223372036854775808ull);
	ekv_manifest_release(&r);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
	/* One past uint64 is a type error. */
	expect_variant("4517352099840000", "18446744073709551616", EKV_EMANIFEST, "last_commit_ts");
}

EKV_TEST(manifest_omitempty_fields)
{
	/* last_commit_ts 0, snapshot_index 0, empty strings: omitted. */
	struct ekv_manifest m;
	struct ekv_buf out;
	CHECK_INT(ekv_manifest_init_phase0(&m), 0);
	set_str(&m.wall_time_iso, "2026-06-01T12:34:56Z");
	set_str(&m.cluster_id, "");
	write_ok(&m, &out);
	const char *s = (const char *)out.data;
	CHECK(strstr(s, "last_commit_ts") == NULL);
	CHECK(strstr(s, "snapshot_index") == NULL);
	CHECK(strstr(s, "cluster_id") == NULL);
	CHECK(strstr(s, "elastickv_version") == NULL);
	CHECK(strstr(s, "source") == NULL);
	CHECK(strstr(s, "rename_s3_collisions") == NULL);
	CHECK(strstr(s, "\"adapters\": {},\n") != NULL);
	CHECK(strstr(s, "\n  \"format_version\": 1,\n  \"phase\": \"phase0-snapshot-decode\",\n"
			"  \"wall_time_iso\": \"2026-06-01T12:34:56Z\",\n  \"adapters\"") != NULL);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_defaults_are_populated)
{
	struct ekv_manifest m;
	CHECK_INT(ekv_manifest_init_phase0(&m), 0);
	CHECK_INT(m.format_version, EKV_MANIFEST_FORMAT_VERSION);
	CHECK_STR(m.phase, EKV_PHASE0);
	CHECK_STR(m.dynamodb_layout, "per-item");
	CHECK(m.wall_time_iso && ekv_rfc3339_valid(m.wall_time_iso));
	CHECK(m.wall_time_iso[strlen(m.wall_time_iso) - 1] == 'Z');
	CHECK_INT(m.adapters, 0);
	CHECK_INT(m.has_source, 0);
	CHECK_INT(m.has_live, 0);
	struct ekv_buf out;
	write_ok(&m, &out);
	const char *s = (const char *)out.data;
	CHECK(strstr(s, "\"checksum_algorithm\": \"sha256\"") != NULL);
	CHECK(strstr(s, "\"checksum_format\": \"sha256sum\"") != NULL);
	CHECK(strstr(s, "\"encoded_filename_charset\": \"rfc3986-unreserved-plus-percent\"") != NULL);
	CHECK(strstr(s, "\"key_segment_max_bytes\": 240") != NULL);
	CHECK(strstr(s, "\"s3_meta_suffix\": \".elastickv-meta.json\"") != NULL);
	CHECK(strstr(s, "\"s3_collision_strategy\": \"leaf-data-suffix\"") != NULL);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_pretty_json)
{
	struct ekv_manifest m;
	struct ekv_buf out;
	sample_manifest(&m);
	write_ok(&m, &out);
	CHECK(strstr((const char *)out.data, "\n  \"format_version\"") != NULL);
	CHECK(out.data[out.len - 1] == '\n' && out.data[out.len - 2] == '}');
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_adapters_nil_vs_empty_on_disk)
{
	struct ekv_manifest m, r;
	struct ekv_buf out;
	struct ekv_error err = { 0 };
	sample_manifest(&m);
	m.adapters = 1u << EKV_ADAPTER_DYNAMODB;
	write_ok(&m, &out);
	const char *s = (const char *)out.data;
	CHECK(strstr(s, "  \"adapters\": {\n    \"dynamodb\": {}\n  },\n") != NULL);
	CHECK(strstr(s, "\"s3\"") == NULL);
	CHECK(strstr(s, "\"redis\"") == NULL);
	CHECK(strstr(s, "\"sqs\"") == NULL);
	CHECK_OK(ekv_manifest_parse(out.data, out.len, &r, &err), &err);
	CHECK_INT(r.adapters, 1u << EKV_ADAPTER_DYNAMODB);
	ekv_manifest_release(&r);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
	/* null adapter = not in scope; populated scope lists accepted. */
	char *t = sample_with("\"s3\": {},", "\"s3\": null,");
	CHECK_INT(ekv_manifest_parse(t, strlen(t), &r, &err), EKV_OK);
	CHECK_INT(r.adapters, EKV_ADAPTERS_ALL & ~(1u << EKV_ADAPTER_S3));
	ekv_manifest_release(&r);
	free(t);
	expect_variant("\"s3\": {},", "\"s3\": {\"buckets\": [\"a\", \"b\"], \"x\": 1},", EKV_OK, NULL);
	expect_variant("\"redis\": {},", "\"redis\": {\"databases\": [0, 15]},", EKV_OK, NULL);
	expect_variant("\"redis\": {},", "\"redis\": {\"databases\": [-1]},", EKV_EMANIFEST,
		       "databases");
	expect_variant("\"s3\": {},", "\"s3\": {\"buckets\": [1]},", EKV_EMANIFEST, "buckets");
	expect_variant("\"s3\": {},", "\"s3\": [],", EKV_EMANIFEST, "adapters.s3");
}

EKV_TEST(manifest_writer_validates)
{
	struct ekv_manifest m;
	struct ekv_buf out = EKV_BUF_INIT;
	struct ekv_error err = { 0 };
	/* format_version 2: the writer reports it invalid, not unsupported. */
	sample_manifest(&m);
	m.format_version = 2;
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	CHECK(strstr(err.msg, "cannot produce") != NULL);
	CHECK_INT(out.len, 0);
	m.format_version = 0;
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	m.format_version = 1;
	set_str(&m.phase, "phase2");
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	set_str(&m.phase, EKV_PHASE0);
	set_str(&m.wall_time_iso, "yesterday");
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	set_str(&m.wall_time_iso, "");
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	set_str(&m.wall_time_iso, "2026-06-01T12:34:56Z");
	set_str(&m.dynamodb_layout, "bundle");
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	set_str(&m.dynamodb_layout, "per-item");
	CHECK_OK(ekv_manifest_write(&out, &m, &err), &err);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
}

EKV_TEST(manifest_phase_rules)
{
	struct ekv_manifest m;
	struct ekv_buf out = EKV_BUF_INIT;
	struct ekv_error err = { 0 };
	sample_manifest(&m);
	/* Phase0MustNotSetLive */
	m.has_live = 1;
	m.live_read_ts = 5;
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	CHECK(strstr(err.msg, "phase0 must not set live") != NULL);
	/* Phase1MustNotSetSource */
	set_str(&m.phase, EKV_PHASE1);
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	CHECK(strstr(err.msg, "phase1 must not set source") != NULL);
	/* Phase1WithLiveAndNonZeroReadTSIsValid */
	m.has_source = 0;
	CHECK_OK(ekv_manifest_write(&out, &m, &err), &err);
	/* Phase1RejectsZeroReadTS */
	m.live_read_ts = 0;
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	CHECK(strstr(err.msg, "read_ts") != NULL);
	/* Phase1MustSetLive */
	m.has_live = 0;
	CHECK_STATUS(ekv_manifest_write(&out, &m, &err), EKV_EMANIFEST, &err);
	CHECK(strstr(err.msg, "phase1 must set live") != NULL);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);

	/* The reader applies the same rules. */
	expect_variant("\"source\": {", "\"live\": {\"read_ts\": 3}, \"source\": {", EKV_EMANIFEST,
		       "phase0 must not set live");
	expect_variant("\"phase\": \"phase0-snapshot-decode\"", "\"phase\": \"phase1-live-pinned\"",
		       EKV_EMANIFEST, "phase1 must not set source");
	char *p1 = sample_with("\"phase\": \"phase0-snapshot-decode\"", "\"phase\": \"phase1-live-pinned\"");
	char *a = strstr(p1, "  \"source\": {\n    \"fsm_path\": \"/data/fsm-snap/0000000000000064.fsm\"\n  },\n");
	CHECK(a != NULL);
	const char *live = "  \"live\": {\"read_ts\": 18446744073709551615, \"pin_token_sha256\": \"ab\"},\n";
	size_t cut = strlen("  \"source\": {\n    \"fsm_path\": \"/data/fsm-snap/0000000000000064.fsm\"\n  },\n");
	char *q = malloc(strlen(p1) + strlen(live) + 1);
	CHECK(q != NULL);
	memcpy(q, p1, (size_t)(a - p1));
	strcpy(q + (a - p1), live);
	strcat(q, a + cut);
	struct ekv_manifest r;
	CHECK_OK(ekv_manifest_parse(q, strlen(q), &r, &err), &err);
	CHECK_INT(r.has_live, 1);
	CHECK_U64(r.live_read_ts, UINT64_MAX);
	ekv_manifest_release(&r);
	char *z = strstr(q, "18446744073709551615");
	memcpy(z, "                   0", 20);
	CHECK_STATUS(ekv_manifest_parse(q, strlen(q), &r, &err), EKV_EMANIFEST, &err);
	free(q);
	free(p1);
}

EKV_TEST(manifest_reader_version_gate)
{
	struct ekv_error err;
	/* RejectsFutureFormatVersion */
	char *s = sample_with("\"format_version\": 1", "\"format_version\": 2");
	err = parse_expect(s, EKV_EVERSION);
	CHECK_STR(err.msg, "format_version 2 is newer than this build supports (1)");
	free(s);
	/* FutureMajorVersionTakesPrecedenceOverTypeMismatch */
	expect_variant("\"format_version\": 1,\n  \"phase\": \"phase0-snapshot-decode\"",
		       "\"format_version\": 999,\n  \"phase\": 7", EKV_EVERSION, "999");
	/* RejectsZeroFormatVersion */
	expect_variant("\"format_version\": 1", "\"format_version\": 0", EKV_EVERSION, "zero");
	/* RejectsMissingFormatVersion / NullFormatVersion: invalid, not unsupported */
	expect_variant("\"format_version\": 1", "\"format_versionx\": 1", EKV_EMANIFEST,
		       "format_version missing");
	expect_variant("\"format_version\": 1", "\"format_version\": null", EKV_EMANIFEST,
		       "format_version is null");
	/* Must fit a uint32 as an integer token. */
	expect_variant("\"format_version\": 1", "\"format_version\": \"1\"", EKV_EMANIFEST,
		       "format_version");
	expect_variant("\"format_version\": 1", "\"format_version\": 1.0", EKV_EMANIFEST,
		       "format_version");
	expect_variant("\"format_version\": 1", "\"format_version\": 1e0", EKV_EMANIFEST,
		       "format_version");
	expect_variant("\"format_version\": 1", "\"format_version\": -1", EKV_EMANIFEST,
		       "format_version");
	expect_variant("\"format_version\": 1", "\"format_version\": 4294967296", EKV_EMANIFEST,
		       "format_version");
	expect_variant("\"format_version\": 1", "\"format_version\": 4294967295", EKV_EVERSION,
		       "4294967295");
	expect_variant("\"format_version\": 1", "\"format_version\": 99999999999999999999",
		       EKV_EMANIFEST, "format_version");
	/* Not an object at all. */
	parse_expect("[1]", EKV_EMANIFEST);
	parse_expect("\"x\"", EKV_EMANIFEST);
	parse_expect("", EKV_EMANIFEST);
}

EKV_TEST(manifest_reader_accepts_unknown_fields)
{
	expect_variant("\"dynamodb_layout\": \"per-item\",",
		       "\"dynamodb_layout\": \"per-item\",\n  \"future_field\": {\"a\": [1, 2.5, null]},"
		       "\n  \"other\": 18446744073709551616,",
		       EKV_OK, NULL);
	/* Our own object is ignored too, whatever it holds. */
	expect_variant("\"version\": \"" EKV_VERSION_STRING "\"", "\"version\": 5, \"counters\": []",
		       EKV_OK, NULL);
	/* Trailing whitespace after the object is fine. */
	char *s = sample_with("}\n}\n", "}\n}\n \t\r\n\n");
	parse_expect(s, EKV_OK);
	free(s);
}

EKV_TEST(manifest_reader_rejects_bad_fields)
{
	expect_variant("\"phase0-snapshot-decode\"", "\"phase9\"", EKV_EMANIFEST, "unknown phase");
	expect_variant("\"2026-04-29T15:42:11.094Z\"", "\"2026-04-29 15:42:11Z\"", EKV_EMANIFEST,
		       "wall_time_iso");
	expect_variant("\"2026-04-29T15:42:11.094Z\"", "\"\"", EKV_EMANIFEST, "wall_time_iso");
	expect_variant("\"per-item\"", "\"bundle\"", EKV_EMANIFEST, "dynamodb_layout");
	expect_variant("\"dynamodb_layout\": \"per-item\"", "\"dynamodb_layout\": null", EKV_EMANIFEST,
		       "dynamodb_layout");
	expect_variant("\"phase\": \"phase0-snapshot-decode\"", "\"phase\": 0", EKV_EMANIFEST, "phase");
	expect_variant("\"elastickv_version\": \"dev\"", "\"elastickv_version\": true", EKV_EMANIFEST,
		       "elastickv_version");
	expect_variant("\"snapshot_index\": 64", "\"snapshot_index\": \"64\"", EKV_EMANIFEST,
		       "snapshot_index");
	expect_variant("\"snapshot_index\": 64", "\"snapshot_index\": -64", EKV_EMANIFEST,
		       "snapshot_index");
	expect_variant("\"snapshot_index\": 64", "\"snapshot_index\": 6.4", EKV_EMANIFEST,
		       "snapshot_index");
	expect_variant("\"snapshot_index\": 64", "\"snapshot_index\": -0", EKV_EMANIFEST,
		       "snapshot_index");
	expect_variant("\"snapshot_index\": 64", "\"snapshot_index\": 064", EKV_EMANIFEST, NULL);
	expect_variant("\"snapshot_index\": 64", "\"snapshot_index\": null", EKV_OK, NULL);
	expect_variant("\"elastickv_version\": \"dev\"", "\"elastickv_version\": 99999999999999999999",
		       EKV_EMANIFEST, "elastickv_version is a number");
	expect_variant("\"source\": {\n", "\"source\": {\n    \"fsm_crc32c\": 1,\n", EKV_EMANIFEST,
		       "fsm_crc32c");
	expect_variant("\"source\": {\n", "\"source\": [{\n", EKV_EMANIFEST, NULL);
	expect_variant("\"checksum_algorithm\": \"sha256\"", "\"checksum_algorithm\": \"\"",
		       EKV_EMANIFEST, "checksum_algorithm missing");
	expect_variant("\"checksum_format\": \"sha256sum\",", "", EKV_EMANIFEST,
		       "checksum_format missing");
	expect_variant("\"s3_meta_suffix\": \".elastickv-meta.json\"", "\"s3_meta_suffix\": \".x\"",
		       EKV_OK, NULL);
	expect_variant("\"key_segment_max_bytes\": 240", "\"key_segment_max_bytes\": 0", EKV_EMANIFEST,
		       "key_segment_max_bytes");
	expect_variant("\"key_segment_max_bytes\": 240", "\"key_segment_max_bytes\": 4294967296",
		       EKV_EMANIFEST, "key_segment_max_bytes");
	/* Duplicate members are refused (D18). */
	expect_variant("\"phase\": \"phase0-snapshot-decode\",",
		       "\"phase\": \"phase0-snapshot-decode\",\n  \"phase\": \"phase0-snapshot-decode\",",
		       EKV_EMANIFEST, "duplicate");
	/* Invalid UTF-8 in the file. */
	expect_variant("\"dev\"", "\"d\xff\"", EKV_EMANIFEST, NULL);
}

EKV_TEST(manifest_reader_rejects_trailing_bytes)
{
	char *s = sample_with("}\n}\n", "}\n}\n{}\n");
	parse_expect(s, EKV_EMANIFEST);
	free(s);
	s = sample_with("}\n}\n", "}\n}\ngarbage");
	struct ekv_error err = parse_expect(s, EKV_EMANIFEST);
	CHECK(err.line > 30);
	CHECK_STR(err.file, "MANIFEST.json");
	free(s);
}

EKV_TEST(manifest_reader_required_sections)
{
	/* RejectsMissingAdapters */
	expect_variant("\"adapters\": {", "\"adaptersx\": {", EKV_EMANIFEST, "adapters section missing");
	expect_variant("\"adapters\": {", "\"adapters\": null, \"x\": {", EKV_EMANIFEST,
		       "adapters section missing");
	/* RejectsMissingExclusions */
	expect_variant("\"exclusions\": {", "\"exclusionsx\": {", EKV_EMANIFEST,
		       "exclusions section missing");
	expect_variant("\"exclusions\": {", "\"exclusions\": null, \"x\": {", EKV_EMANIFEST,
		       "exclusions.include_incomplete_uploads missing");
	/* RejectsMissingExclusionFlag, each flag, absent or null */
	static const char *const flags[4] = { "include_incomplete_uploads", "include_orphans",
					      "preserve_sqs_visibility", "include_sqs_side_records" };
	for (int i = 0; i < 4; i++) {
		char from[64], to[64], msg[96];
		snprintf(from, sizeof from, "\"%s\": false", flags[i]);
		snprintf(to, sizeof to, "\"%sx\": false", flags[i]);
		snprintf(msg, sizeof msg, "exclusions.%s missing", flags[i]);
		expect_variant(from, to, EKV_EMANIFEST, msg);
		snprintf(to, sizeof to, "\"%s\": null", flags[i]);
		snprintf(msg, sizeof msg, "exclusions.%s is null", flags[i]);
		expect_variant(from, to, EKV_EMANIFEST, msg);
		snprintf(to, sizeof to, "\"%s\": 0", flags[i]);
		expect_variant(from, to, EKV_EMANIFEST, flags[i]);
	}
	/* rename_s3_collisions is optional; null or false accepted, a string not. */
	expect_variant("\"include_sqs_side_records\": false",
		       "\"include_sqs_side_records\": false, \"rename_s3_collisions\": null", EKV_OK, NULL);
	expect_variant("\"include_sqs_side_records\": false",
		       "\"include_sqs_side_records\": false, \"rename_s3_collisions\": \"yes\"",
		       EKV_EMANIFEST, "rename_s3_collisions");
}

EKV_TEST(manifest_rfc3339nano_format)
{
	char buf[64];
	ekv_format_rfc3339nano(1780317296, 0, buf);   /* 2026-06-01T12:34:56Z */
	CHECK_STR(buf, "2026-06-01T12:34:56Z");
	ekv_format_rfc3339nano(1780317296, 120000000, buf);
	CHECK_STR(buf, "2026-06-01T12:34:56.12Z");
	ekv_format_rfc3339nano(1780317296, 1, buf);
	CHECK_STR(buf, "2026-06-01T12:34:56.000000001Z");
	ekv_format_rfc3339nano(1780317296, 999999999, buf);
	CHECK_STR(buf, "2026-06-01T12:34:56.999999999Z");
	ekv_format_rfc3339nano(0, 94000000, buf);
	CHECK_STR(buf, "1970-01-01T00:00:00.094Z");
	ekv_now_rfc3339nano(buf);
	CHECK(ekv_rfc3339_valid(buf));
}

EKV_TEST(manifest_rfc3339_parse_rules)
{
	CHECK(ekv_rfc3339_valid("2026-04-29T15:42:11.094Z"));
	CHECK(ekv_rfc3339_valid("2026-04-29T15:42:11Z"));
	CHECK(ekv_rfc3339_valid("2026-04-29T15:42:11+09:00"));
	CHECK(ekv_rfc3339_valid("2026-04-29T15:42:11.1234567891-05:30"));
	CHECK(ekv_rfc3339_valid("2024-02-29T00:00:00Z"));
	CHECK(!ekv_rfc3339_valid("2026-02-29T00:00:00Z"));
	CHECK(!ekv_rfc3339_valid("2026-13-01T00:00:00Z"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T24:00:00Z"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T15:60:00Z"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T15:42:60Z"));
	CHECK(!ekv_rfc3339_valid("2026-04-29t15:42:11Z"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T15:42:11z"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T15:42:11"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T15:42:11.Z"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T15:42:11+0900"));
	CHECK(!ekv_rfc3339_valid("2026-04-29T15:42:11Z "));
	CHECK(!ekv_rfc3339_valid("26-04-29T15:42:11Z"));
	CHECK(!ekv_rfc3339_valid(""));
}
