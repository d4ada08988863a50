/* ekv_verify (tools.md §8.3): CHECKSUMS, MANIFEST.json and KEYMAP.jsonl checks. */
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "lib/checksums.h"
#include "lib/keymap.h"
#include "lib/manifest.h"
#include "lib/tree.h"
#include "lib/util.h"

struct seen {
	int n;
	char paths[16][256];
	char problems[16][512];
};

static void on_problem(void *ud, const char *path, const char *problem)
{
	struct seen *s = ud;
	if (s->n < 16) {
		snprintf(s->paths[s->n], sizeof s->paths[0], "%s", path);
		snprintf(s->problems[s->n], sizeof s->problems[0], "%s", problem);
	}
	s->n++;
}

static int saw(const struct seen *s, const char *path, const char *needle)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (!strcmp(s->paths[i], path) && strstr(s->problems[i], needle)) return 1;
	return 0;
}

static void manifest_bytes(struct ekv_buf *out)
{
	struct ekv_manifest m;
	struct ekv_error err = { 0 };
	CHECK_INT(ekv_manifest_init_phase0(&m), 0);
	m.adapters = 1u << EKV_ADAPTER_REDIS | 1u << EKV_ADAPTER_S3;
	CHECK_OK(ekv_manifest_write(out, &m, &err), &err);
	ekv_manifest_release(&m);
}

/* A small but realistic dump written through the tree API. */
static void make_dump(const char *root)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = NULL;
	CHECK_OK(ekv_tree_create(root, NULL, &t, &err), &err);
	CHECK_OK(ekv_tree_write(t, "redis/db_0/strings/a%20b.bin", "v1", 2, &err), &err);
	CHECK_OK(ekv_tree_write(t, "redis/db_0/hashes/h.json", "{\"f\":\"v\"}", 9, &err), &err);
	CHECK_OK(ekv_tree_write(t, "s3/bucket/dir with space/obj", "body", 4, &err), &err);
	CHECK_OK(ekv_tree_write(t, "s3/bucket/back\\slash", "b", 1, &err), &err);
	CHECK_OK(ekv_tree_write(t, "s3/bucket/new\nline", "n", 1, &err), &err);
	struct ekv_buf km = EKV_BUF_INIT;
	CHECK_INT(ekv_keymap_append(&km, "k1", 2, "orig\x01", 5, EKV_KEYMAP_SHA_FALLBACK), 0);
	CHECK_OK(ekv_tree_write(t, "redis/db_0/KEYMAP.jsonl", km.data, km.len, &err), &err);
	CHECK_OK(ekv_tree_write(t, "s3/bucket/KEYMAP.jsonl", km.data, km.len, &err), &err);
	ekv_buf_release(&km);
	struct ekv_file *f = NULL;
	CHECK_OK(ekv_tree_open_temp(t, "s3/bucket/large", &f, &err), &err);
	uint8_t chunk[65536];
	memset(chunk, 'L', sizeof chunk);
	for (int i = 0; i < 20; i++) CHECK_OK(ekv_file_write(f, chunk, sizeof chunk, &err), &err);
	CHECK_OK(ekv_file_commit(f, &err), &err);
	struct ekv_buf m = EKV_BUF_INIT;
	manifest_bytes(&m);
	CHECK_OK(ekv_tree_finish(t, m.data, m.len, &err), &err);
	ekv_buf_release(&m);
	ekv_tree_close(t, 0);
}

static int verify(const char *root, struct seen *s, struct ekv_verify_result *res,
		  struct ekv_error *err)
{
	memset(s, 0, sizeof *s);
	memset(err, 0, sizeof *err);
	return ekv_verify(root, on_problem, s, res, err);
}

EKV_TEST(verify_clean_dump)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	CHECK_OK(verify("out", &s, &res, &err), &err);
	CHECK_U64(res.files_checked, 9);
	CHECK_U64(res.problems, 0);
	CHECK_INT(s.n, 0);
	CHECK_OK(verify("out/", &s, &res, &err), &err);
	CHECK_INT(ekv_test_sh("cd out && sha256sum --strict --quiet -c CHECKSUMS"), 0);
}

EKV_TEST(verify_detects_tampering)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	ekv_test_write_file("out/s3/bucket/dir with space/obj", "BODY", 4);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_ECHECKSUM, &err);
	CHECK_U64(res.problems, 1);
	CHECK(saw(&s, "s3/bucket/dir with space/obj", "altered"));
	CHECK_STR(err.file, "s3/bucket/dir with space/obj");
	CHECK(err.line > 0);   /* the CHECKSUMS line */
	CHECK(strstr(err.msg, "altered") != NULL);
}

EKV_TEST(verify_reports_missing_altered_extra)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	CHECK(unlink("out/redis/db_0/strings/a%20b.bin") == 0);
	ekv_test_write_file("out/s3/bucket/new\nline", "N", 1);
	ekv_test_write_file("out/redis/db_0/strings/stray", "x", 1);
	ekv_test_write_file("out/.MANIFEST.json.tmp-123456", "x", 1);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_ECHECKSUM, &err);
	CHECK_U64(res.problems, 4);
	CHECK(saw(&s, "redis/db_0/strings/a%20b.bin", "missing"));
	CHECK(saw(&s, "s3/bucket/new\nline", "altered"));
	CHECK(saw(&s, "redis/db_0/strings/stray", "not listed"));
	CHECK(saw(&s, ".MANIFEST.json.tmp-123456", "not listed"));
	CHECK_U64(res.files_checked, 8);
	/* a NULL callback and result are fine */
	memset(&err, 0, sizeof err);
	CHECK_STATUS(ekv_verify("out", NULL, NULL, NULL, &err), EKV_ECHECKSUM, &err);
}

EKV_TEST(verify_symlinks_refused)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	CHECK(mkdir("outside", 0755) == 0);
	ekv_test_write_file("outside/h.json", "{\"f\":\"v\"}", 9);
	/* terminal symlink with the right content still fails */
	CHECK(unlink("out/redis/db_0/hashes/h.json") == 0);
	CHECK(symlink("../../../../outside/h.json", "out/redis/db_0/hashes/h.json") == 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EUNSAFE, &err);
	CHECK(saw(&s, "redis/db_0/hashes/h.json", "symlink"));
	/* intermediate symlinked directory */
	CHECK(rename("out/s3/bucket/dir with space", "outside/dws") == 0);
	CHECK(symlink("../../../outside/dws", "out/s3/bucket/dir with space") == 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EUNSAFE, &err);
	CHECK(saw(&s, "s3/bucket/dir with space/obj", "symlink"));
	CHECK(res.problems >= 3);
	/* the dump root itself */
	CHECK(symlink("out", "link") == 0);
	CHECK_STATUS(verify("link", &s, &res, &err), EKV_EUNSAFE, &err);
	CHECK_STATUS(verify("link/", &s, &res, &err), EKV_EUNSAFE, &err);
}

EKV_TEST(verify_hard_link_refused)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	CHECK(link("out/s3/bucket/large", "other") == 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EUNSAFE, &err);
	CHECK(saw(&s, "s3/bucket/large", "hard-linked"));
}

static void rewrite_checksums(const char *extra_line)
{
	size_t n;
	char *old = ekv_test_read_file("out/CHECKSUMS", &n);
	CHECK(old != NULL);
	size_t m = strlen(extra_line);
	char *buf = malloc(n + m);
	memcpy(buf, old, n);
	memcpy(buf + n, extra_line, m);
	CHECK(chmod("out/CHECKSUMS", 0644) == 0);
	ekv_test_write_file("out/CHECKSUMS", buf, n + m);
	free(buf);
	free(old);
}

EKV_TEST(verify_traversal_refused)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	ekv_test_write_file("secret", "s", 1);
	uint8_t d[32];
	char hex[65], line[256];
	ekv_sha256("s", 1, d);
	ekv_hex_lower(hex, d, 32);
	snprintf(line, sizeof line, "%s  ../secret\n%s  /etc/hostname\n%s  a/../../secret\n", hex,
		 hex, hex);
	rewrite_checksums(line);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EUNSAFE, &err);
	CHECK_U64(res.problems, 3);
	CHECK_STR(err.file, "CHECKSUMS");
	CHECK_U64(err.line, 10);
	CHECK(strstr(s.problems[0], "escapes") != NULL);
}

EKV_TEST(verify_malformed_lines)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	char hex[65];
	uint8_t d[32];
	ekv_sha256("b", 1, d);
	ekv_hex_lower(hex, d, 32);
	char upper[65];
	for (int i = 0; i < 64; i++) upper[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	upper[64] = 0;
	char lines[1024];
	snprintf(lines, sizeof lines,
		 "%s  s3/bucket/back\\slash\n"         /* plain form: the backslash is literal */
		 "%s  upper\n"                         /* upper-case hex */
		 "\\%s  dangling\\\n"                  /* dangling escape */
		 "not a checksum line\n"
		 "%s  s3//bucket\n"                    /* non-canonical */
		 "\n",                                 /* blank: skipped */
		 hex, upper, hex, hex);
	rewrite_checksums(lines);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_ECHECKSUM, &err);
	CHECK(saw(&s, "CHECKSUMS", "line 11 is malformed"));
	CHECK(saw(&s, "CHECKSUMS", "line 12 is malformed"));
	CHECK(saw(&s, "CHECKSUMS", "line 13 is malformed"));
	CHECK(saw(&s, "CHECKSUMS", "not a canonical"));
	CHECK(saw(&s, "s3/bucket/back\\slash", "more than once"));
	CHECK_U64(res.problems, 5);
}

EKV_TEST(verify_duplicate_and_self_listing)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	size_t n;
	char *sums = ekv_test_read_file("out/CHECKSUMS", &n);
	char *first_nl = strchr(sums, '\n');
	char line[512];
	snprintf(line, sizeof line, "%.*s\n%.64s  CHECKSUMS\n", (int)(first_nl - sums), sums, sums);
	free(sums);
	rewrite_checksums(line);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_ECHECKSUM, &err);
	CHECK(saw(&s, "MANIFEST.json", "more than once"));
	CHECK(saw(&s, "CHECKSUMS", "lists itself"));
	CHECK_U64(res.problems, 2);
}

EKV_TEST(verify_empty_or_missing_checksums)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	CHECK(chmod("out/CHECKSUMS", 0644) == 0);
	ekv_test_write_file("out/CHECKSUMS", "\n\n", 2);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_ECHECKSUM, &err);
	CHECK(saw(&s, "CHECKSUMS", "lists no files"));
	CHECK(unlink("out/CHECKSUMS") == 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_ECHECKSUM, &err);
	CHECK(saw(&s, "CHECKSUMS", "missing"));
	CHECK_U64(res.problems, 1);   /* files are not all reported as extra */
	CHECK(symlink("MANIFEST.json", "out/CHECKSUMS") == 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EUNSAFE, &err);
}

EKV_TEST(verify_manifest_checked)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	CHECK(unlink("out/MANIFEST.json") == 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EMANIFEST, &err);
	CHECK(saw(&s, "MANIFEST.json", "missing"));
	/* listed and matching, but not a valid manifest */
	CHECK(rename("out", "old") == 0);
	struct ekv_error e2 = { 0 };
	struct ekv_tree *t = NULL;
	CHECK_OK(ekv_tree_create("out", NULL, &t, &e2), &e2);
	CHECK_OK(ekv_tree_write(t, "redis/x", "1", 1, &e2), &e2);
	CHECK_OK(ekv_tree_finish(t, "{\"format_version\":1}\n", 21, &e2), &e2);
	ekv_tree_close(t, 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EMANIFEST, &err);
	CHECK_U64(res.problems, 1);
	CHECK_U64(res.files_checked, 2);
	/* a future format version */
	CHECK(system("rm -rf out") == 0);
	CHECK_OK(ekv_tree_create("out", NULL, &t, &e2), &e2);
	CHECK_OK(ekv_tree_finish(t, "{\"format_version\":2}\n", 21, &e2), &e2);
	ekv_tree_close(t, 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EVERSION, &err);
}

EKV_TEST(verify_keymap_checked)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	struct ekv_buf m = EKV_BUF_INIT;
	manifest_bytes(&m);
	struct ekv_buf km = EKV_BUF_INIT;
	CHECK_INT(ekv_keymap_append(&km, "k1", 2, "a", 1, EKV_KEYMAP_SHA_FALLBACK), 0);
	CHECK_INT(ekv_keymap_append(&km, "k1", 2, "b", 1, EKV_KEYMAP_SHA_FALLBACK), 0);
	struct ekv_error e2 = { 0 };
	struct ekv_tree *t = NULL;
	CHECK_OK(ekv_tree_create("out", NULL, &t, &e2), &e2);
	/* a repeated `encoded` is fine for redis (last wins), an error for S3 */
	CHECK_OK(ekv_tree_write(t, "redis/db_0/KEYMAP.jsonl", km.data, km.len, &e2), &e2);
	CHECK_OK(ekv_tree_write(t, "s3/b/KEYMAP.jsonl", km.data, km.len, &e2), &e2);
	CHECK_OK(ekv_tree_write(t, "redis/db_1/KEYMAP.jsonl", "{not json}\n", 11, &e2), &e2);
	CHECK_OK(ekv_tree_finish(t, m.data, m.len, &e2), &e2);
	ekv_tree_close(t, 0);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EKEYMAP, &err);
	CHECK_U64(res.problems, 2);
	CHECK(saw(&s, "redis/db_1/KEYMAP.jsonl", ""));
	CHECK(saw(&s, "s3/b/KEYMAP.jsonl", ""));
	CHECK_STR(err.file, "redis/db_1/KEYMAP.jsonl");
	CHECK_U64(res.files_checked, 4);
	/* an unlisted KEYMAP is still parsed */
	CHECK(mkdir("out/sqs", 0755) == 0);
	ekv_test_write_file("out/sqs/KEYMAP.jsonl", "\n", 1);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_EKEYMAP, &err);
	CHECK_U64(res.problems, 4);
	ekv_buf_release(&km);
	ekv_buf_release(&m);
}

/* CHECKSUMS written by GNU sha256sum itself (escaped names included) verifies. */
EKV_TEST(verify_accepts_gnu_sha256sum)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	struct ekv_buf m = EKV_BUF_INIT;
	manifest_bytes(&m);
	CHECK(mkdir("out", 0755) == 0);
	CHECK(mkdir("out/s3", 0755) == 0);
	ekv_test_write_file("out/MANIFEST.json", m.data, m.len);
	ekv_test_write_file("out/s3/a\\b", "1", 1);
	ekv_test_write_file("out/s3/c\nd", "2", 1);
	ekv_test_write_file("out/s3/e\rf", "3", 1);
	ekv_test_write_file("out/s3/plain name", "4", 1);
	CHECK_INT(ekv_test_sh("cd out && find . -type f ! -name CHECKSUMS -printf '%%P\\0' | "
			      "sort -z | xargs -0 sha256sum > CHECKSUMS"), 0);
	CHECK_OK(verify("out", &s, &res, &err), &err);
	CHECK_U64(res.files_checked, 5);
	ekv_buf_release(&m);
}

EKV_TEST(verify_missing_root)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	CHECK_STATUS(verify("nope", &s, &res, &err), EKV_EIO, &err);
	CHECK_STATUS(verify("", &s, &res, &err), EKV_EUSAGE, &err);
}

EKV_TEST(verify_odd_entries)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err;
	make_dump("out");
	/* a FIFO is reported, never opened (no hang) */
	CHECK(mkfifo("out/redis/pipe", 0644) == 0);
	/* a listed file replaced by a directory */
	CHECK(unlink("out/s3/bucket/large") == 0);
	CHECK(mkdir("out/s3/bucket/large", 0755) == 0);
	/* an overlong CHECKSUMS line */
	char *lng = malloc(EKV_CHECKSUMS_LINE_MAX + 200);
	memset(lng, 'a', EKV_CHECKSUMS_LINE_MAX + 198);
	memcpy(lng + 64, "  ", 2);
	lng[EKV_CHECKSUMS_LINE_MAX + 198] = '\n';
	lng[EKV_CHECKSUMS_LINE_MAX + 199] = 0;
	rewrite_checksums(lng);
	free(lng);
	CHECK_STATUS(verify("out", &s, &res, &err), EKV_ECHECKSUM, &err);
	CHECK(saw(&s, "redis/pipe", "not a regular file"));
	CHECK(saw(&s, "s3/bucket/large", "not a regular file"));
	CHECK(saw(&s, "CHECKSUMS", "longer than"));
	CHECK_U64(res.problems, 3);
}

/* Path of P bytes holding B backslashes, '/' every 200 bytes: its CHECKSUMS
 * line is 1 + 64 + 2 + P + B bytes. */
static char *backslash_path(size_t p, size_t b)
{
	char *s = malloc(p + 1);
	size_t comp = 0;
	for (size_t i = 0; i < p; i++) {
		if (comp == 200) {
			s[i] = '/';
			comp = 0;
			continue;
		}
		s[i] = b ? '\\' : 'd';
		if (b) b--;
		comp++;
	}
	s[p] = 0;
	return s;
}

/* Upstream's reader takes lines up to 8191 bytes (its 8 KiB scanner holds the
 * '\n' too); the writer refuses longer ones, the verifier reports them. */
EKV_TEST(verify_line_cap_boundary)
{
	struct seen s;
	struct ekv_verify_result res;
	struct ekv_error err, e2 = { 0 };
	struct ekv_buf m = EKV_BUF_INIT;
	manifest_bytes(&m);
	struct ekv_tree *t = NULL;
	CHECK_OK(ekv_tree_create("out", NULL, &t, &e2), &e2);
	char *ok = backslash_path(4090, EKV_CHECKSUMS_LINE_MAX - 67 - 4090);
	char *over = backslash_path(4090, EKV_CHECKSUMS_LINE_MAX - 67 - 4090 + 1);
	CHECK_OK(ekv_tree_write(t, ok, "x", 1, &e2), &e2);
	CHECK_STATUS(ekv_tree_write(t, over, "x", 1, &e2), EKV_ELIMIT, &e2);
	CHECK_OK(ekv_tree_finish(t, m.data, m.len, &e2), &e2);
	ekv_tree_close(t, 0);
	CHECK_OK(verify("out", &s, &res, &err), &err);
	CHECK_U64(res.files_checked, 2);
	size_t n;
	char *sums = ekv_test_read_file("out/CHECKSUMS", &n);
	CHECK_U64(n, strlen(sums));
	char *second = strchr(sums, '\n') + 1;   /* after MANIFEST.json: the long path */
	CHECK(second[0] == '\\');
	CHECK(strchr(second, '\n') - second == EKV_CHECKSUMS_LINE_MAX);
	free(sums);
	free(ok);
	free(over);
	ekv_buf_release(&m);
}
