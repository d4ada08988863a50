/* ENCODE_INFO sidecar bytes (tools.md §4.7) and the sidecar write rules. */
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"

static const char example[] =
	"{\n"
	"  \"format_version\": 1,\n"
	"  \"encoder_version\": \"ekvbackup " EKV_VERSION_STRING "\",\n"
	"  \"encoder_key_format_version\": 1,\n"
	"  \"wall_time_iso\": \"2026-06-01T13:00:00Z\",\n"
	"  \"input_root\": \"/restore/dump-root\",\n"
	"  \"output_fsm_path\": \"/restore/a\\u0026b\\u003cc\\u003e.fsm\",\n"
	"  \"output_fsm_sha256\": \"ec7730b5cbdb0e484d33ce411b85ce55936252184b7ff93801fa919775d3bbcc\",\n"
	"  \"last_commit_ts\": 123456789012345,\n"
	"  \"last_commit_ts_overridden\": false,\n"
	"  \"manifest_last_commit_ts\": 123456789012345,\n"
	"  \"manifest_cluster_id\": \"prod-a\\u0026b\",\n"
	"  \"adapters_enabled\": [\n"
	"    \"redis\",\n"
	"    \"dynamodb\",\n"
	"    \"s3\",\n"
	"    \"sqs\"\n"
	"  ],\n"
	"  \"self_test\": {\n"
	"    \"ran\": true,\n"
	"    \"matched\": true\n"
	"  }\n"
	"}\n";

static void fill(struct ekv_encode_options *o, struct ekv_encode_result *r)
{
	memset(o, 0, sizeof *o);
	memset(r, 0, sizeof *r);
	o->input = "/restore/dump-root";
	o->output = "/restore/a&b<c>.fsm";
	strcpy(r->sha256, "ec7730b5cbdb0e484d33ce411b85ce55936252184b7ff93801fa919775d3bbcc");
	r->last_commit_ts = r->manifest_last_commit_ts = 123456789012345ull;
	strcpy(r->cluster_id, "prod-a&b");
	r->adapters_run = EKV_ADAPTERS_ALL;
	r->self_test_ran = r->self_test_matched = 1;
}

EKV_TEST(tools_md_example_bytes)
{
	struct ekv_encode_options o;
	struct ekv_encode_result r;
	fill(&o, &r);
	size_t n;
	char *s = ekv_encode_info_render(&o, &r, "2026-06-01T13:00:00Z", &n);
	CHECK(s != NULL);
	CHECK_STR(s, example);
	CHECK_U64(n, strlen(example));
	free(s);
	/* cluster id omitted when empty; adapters in canonical order */
	r.cluster_id[0] = 0;
	r.adapters_run = 1u << EKV_ADAPTER_SQS | 1u << EKV_ADAPTER_REDIS;
	s = ekv_encode_info_render(&o, &r, "2026-06-01T13:00:00Z", &n);
	CHECK(strstr(s, "manifest_cluster_id") == NULL);
	CHECK(strstr(s, "[\n    \"redis\",\n    \"sqs\"\n  ]") != NULL);
	free(s);
}

EKV_TEST(sidecar_rules)
{
	struct ekv_encode_options o;
	struct ekv_encode_result r;
	struct ekv_error err = { 0 };
	fill(&o, &r);
	int truncated = 0;
	ekv_test_write_file("old.json", "stale", 5);
	chmod("old.json", 0644);
	CHECK_OK(ekv_encode_info_write(&o, &r, "old.json", &truncated, &err), &err);
	CHECK(truncated);
	struct stat st;
	CHECK(stat("old.json", &st) == 0 && (st.st_mode & 0777) == 0600);
	char *s = ekv_test_read_file("old.json", NULL);
	CHECK(strncmp(s, "{\n  \"format_version\": 1,", 24) == 0);
	free(s);
	CHECK(symlink("target", "link.json") == 0);
	CHECK_STATUS(ekv_encode_info_write(&o, &r, "link.json", &truncated, &err), EKV_EUNSAFE, &err);
	CHECK(!ekv_test_file_exists("target"));
	CHECK(link("old.json", "hard.json") == 0);
	CHECK_STATUS(ekv_encode_info_write(&o, &r, "hard.json", &truncated, &err), EKV_EUNSAFE, &err);
	CHECK(!truncated);
	CHECK(mkfifo("fifo.json", 0600) == 0);
	CHECK_STATUS(ekv_encode_info_write(&o, &r, "fifo.json", &truncated, &err), EKV_EUNSAFE, &err);
}
