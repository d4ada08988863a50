/* Dump-tree writer (tree.h) and CHECKSUMS lines (checksums.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "lib/checksums.h"
#include "lib/tree.h"
#include "lib/util.h"

static struct ekv_tree *must_create(const char *root)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = NULL;
	CHECK_OK(ekv_tree_create(root, NULL, &t, &err), &err);
	CHECK(t != NULL);
	return t;
}

static void finish(struct ekv_tree *t, const char *manifest)
{
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_tree_finish(t, manifest, strlen(manifest), &err), &err);
}

static int is_dir(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
	closedir(d);
	return n;
}

static int has_entry_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	int found = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix))) found = 1;
	closedir(d);
	return found;
}

/* upstream TestWriteChecksums_BasicListing, plus our MANIFEST.json row */
EKV_TEST(checksums_basic_listing)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	CHECK_OK(ekv_tree_write(t, "a.txt", "hello", 5, &err), &err);
	CHECK_OK(ekv_tree_write(t, "nested/b.txt", "world", 5, &err), &err);
	finish(t, "{}\n");
	CHECK_STATUS(ekv_tree_finish(t, "{}", 2, &err), EKV_EUSAGE, &err);   /* once only */
	CHECK_STATUS(ekv_tree_write(t, "late", "x", 1, &err), EKV_EUSAGE, &err);
	struct ekv_file *late = NULL;
	CHECK_STATUS(ekv_tree_open(t, "late", &late, &err), EKV_EUSAGE, &err);
	CHECK_U64(ekv_tree_file_count(t), 3);
	CHECK_U64(ekv_tree_byte_count(t), 13);
	ekv_tree_close(t, 0);
	char *sums = ekv_test_read_file("out/CHECKSUMS", NULL);
	CHECK(sums != NULL);
	uint8_t d[32];
	char hex[65];
	ekv_sha256("{}\n", 3, d);
	ekv_hex_lower(hex, d, 32);
	char want[512];
	snprintf(want, sizeof want,
		 "%s  MANIFEST.json\n"
		 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  a.txt\n"
		 "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7  nested/b.txt\n",
		 hex);
	CHECK_STR(sums, want);
	free(sums);
	char *m = ekv_test_read_file("out/MANIFEST.json", NULL);
	CHECK_STR(m, "{}\n");
	free(m);
	CHECK_INT(count_entries("."), 1);   /* tmpdir removed, nothing else beside the root */
}

/* The whole tree verifies with GNU sha256sum, odd names included. */
EKV_TEST(sha256sum_accepts_tree)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	const char *names[] = { "plain.txt", "dir with space/file %41.json", "back\\slash/x\\y",
				"new\nline/a\nb", "cr\rdir/z", "deep/er/est/leaf" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		CHECK_OK(ekv_tree_write(t, names[i], names[i], strlen(names[i]), &err), &err);
	struct ekv_file *f = NULL;
	CHECK_OK(ekv_tree_open_temp(t, "streamed/big.bin", &f, &err), &err);
	uint8_t chunk[7919];
	for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (uint8_t)(i * 31 + 7);
	for (int i = 0; i < 300; i++) CHECK_OK(ekv_file_write(f, chunk, sizeof chunk, &err), &err);
	CHECK_U64(ekv_file_size(f), 300ull * sizeof chunk);
	CHECK_OK(ekv_file_commit(f, &err), &err);
	finish(t, "{\"format_version\":1}\n");
	ekv_tree_close(t, 0);
	CHECK_INT(ekv_test_sh("cd out && sha256sum --strict --quiet -c CHECKSUMS"), 0);
	/* the escaped rows carry a leading backslash, the plain ones do not */
	char *sums = ekv_test_read_file("out/CHECKSUMS", NULL);
	CHECK(strstr(sums, "  new\\nline/a\\nb\n") != NULL);
	CHECK(strstr(sums, "  back\\\\slash/x\\\\y\n") != NULL);
	CHECK(strstr(sums, "  cr\\rdir/z\n") != NULL);
	CHECK(strstr(sums, "\n\\") != NULL);
	CHECK(strstr(sums, "  dir with space/file %41.json\n") != NULL);
	free(sums);
	/* tampering is caught by sha256sum too */
	ekv_test_write_file("out/plain.txt", "changed", 7);
	CHECK(ekv_test_sh("cd out && sha256sum --quiet -c CHECKSUMS >/dev/null 2>&1") != 0);
}

EKV_TEST(checksums_sorted_bytewise)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	/* "a.txt" < "a/b" < "a0" bytewise ('.' 0x2E, '/' 0x2F, '0' 0x30), but a
	 * per-directory walk would put a/b before a.txt */
	CHECK_OK(ekv_tree_write(t, "a0", "3", 1, &err), &err);
	CHECK_OK(ekv_tree_write(t, "a/b", "2", 1, &err), &err);
	CHECK_OK(ekv_tree_write(t, "a.txt", "1", 1, &err), &err);
	CHECK_OK(ekv_tree_write(t, "\xc3\xa9", "4", 1, &err), &err);
	CHECK_OK(ekv_tree_write(t, "Z", "0", 1, &err), &err);
	finish(t, "{}");
	ekv_tree_close(t, 0);
	char *sums = ekv_test_read_file("out/CHECKSUMS", NULL);
	const char *order[] = { "  MANIFEST.json\n", "  Z\n", "  a.txt\n", "  a/b\n", "  a0\n",
				"  \xc3\xa9\n" };
	const char *prev = sums;
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		const char *p = strstr(sums, order[i]);
		CHECK(p != NULL);
		CHECK(p >= prev);
		prev = p;
	}
	free(sums);
}

EKV_TEST(many_files_bounded_cache)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	char rel[64];
	for (int i = 0; i < 2000; i++) {
		snprintf(rel, sizeof rel, "d%02d/sub/f%05d", (i * 7919) % 50, i);
		CHECK_OK(ekv_tree_write(t, rel, rel, strlen(rel), &err), &err);
	}
	finish(t, "{}");
	CHECK_U64(ekv_tree_file_count(t), 2001);
	ekv_tree_close(t, 0);
	CHECK_INT(ekv_test_sh("cd out && sha256sum --quiet -c CHECKSUMS && test $(wc -l < CHECKSUMS) = 2001 "
			      "&& LC_ALL=C sort -c -k2 CHECKSUMS"), 0);
}

EKV_TEST(root_nonempty_refused)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = NULL;
	CHECK(mkdir("out", 0755) == 0);
	ekv_test_write_file("out/keep", "x", 1);
	CHECK_STATUS(ekv_tree_create("out", NULL, &t, &err), EKV_EEXIST, &err);
	CHECK(t == NULL);
	CHECK(strstr(err.msg, "not empty") != NULL);
	CHECK(ekv_test_file_exists("out/keep"));   /* never touched */
	CHECK_INT(count_entries("."), 1);          /* no tmpdir left */
	/* a hidden file counts too */
	CHECK(mkdir("out2", 0755) == 0);
	ekv_test_write_file("out2/.x", "x", 1);
	CHECK_STATUS(ekv_tree_create("out2", NULL, &t, &err), EKV_EEXIST, &err);
	CHECK(ekv_test_file_exists("out2/.x"));
}

EKV_TEST(root_empty_existing_accepted)
{
	struct ekv_error err = { 0 };
	CHECK(mkdir("out", 0755) == 0);
	struct ekv_tree *t = must_create("out/");
	CHECK_OK(ekv_tree_write(t, "x/y", "1", 1, &err), &err);
	ekv_tree_close(t, 0);   /* failed run: emptied, but the root stays (not ours) */
	CHECK(is_dir("out"));
	CHECK_INT(count_entries("out"), 0);
	CHECK_INT(count_entries("."), 1);
}

EKV_TEST(root_symlink_refused)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = NULL;
	CHECK(mkdir("real", 0755) == 0);
	CHECK(symlink("real", "link") == 0);
	CHECK_STATUS(ekv_tree_create("link", NULL, &t, &err), EKV_EUNSAFE, &err);
	CHECK_STATUS(ekv_tree_create("link/", NULL, &t, &err), EKV_EUNSAFE, &err);
	CHECK_STATUS(ekv_tree_create("link//", NULL, &t, &err), EKV_EUNSAFE, &err);
	CHECK(symlink("missing-target", "dangling") == 0);
	CHECK_STATUS(ekv_tree_create("dangling", NULL, &t, &err), EKV_EUNSAFE, &err);
	CHECK(t == NULL);
	CHECK_INT(count_entries("real"), 0);
	CHECK_INT(count_entries("."), 3);
	/* a symlinked parent the operator named is followed; the root below it is ours */
	t = must_create("link/out");
	ekv_tree_close(t, 0);
	CHECK_INT(count_entries("real"), 0);
}

EKV_TEST(root_not_directory_refused)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = NULL;
	ekv_test_write_file("out", "x", 1);
	CHECK_STATUS(ekv_tree_create("out", NULL, &t, &err), EKV_EEXIST, &err);
	ekv_test_write_file("file", "x", 1);
	CHECK(ekv_tree_create("file/sub", NULL, &t, &err) != EKV_OK);
	CHECK(t == NULL);
}

EKV_TEST(root_parents_created_and_removed)
{
	struct ekv_error err = { 0 };
	CHECK(mkdir("base", 0755) == 0);
	struct ekv_tree *t = must_create("base/x/y/out");
	CHECK(is_dir("base/x/y/out"));
	CHECK_OK(ekv_tree_write(t, "redis/db_0/strings/k", "v", 1, &err), &err);
	ekv_tree_close(t, 0);
	CHECK_INT(count_entries("base"), 0);
	/* absolute paths work the same */
	char cwd[4096], abs[4200];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	snprintf(abs, sizeof abs, "%s/base/abs/out", cwd);
	t = must_create(abs);
	finish(t, "{}");
	ekv_tree_close(t, 0);
	CHECK(ekv_test_file_exists("base/abs/out/MANIFEST.json"));
}

EKV_TEST(tmpdir_beside_root)
{
	struct ekv_error err = { 0 };
	CHECK(mkdir("p", 0755) == 0);
	struct ekv_tree *t = must_create("p/out");
	const char *tmp = ekv_tree_tmpdir(t);
	CHECK(tmp[0] == '/');
	CHECK(is_dir(tmp));
	const char *base = strrchr(tmp, '/') + 1;
	CHECK(!strncmp(base, ".out.ekvtmp-", 12));
	CHECK(has_entry_prefix("p", ".out.ekvtmp-"));
	CHECK_INT(count_entries("p/out"), 0);       /* never inside the root */
	char spill[4200];
	snprintf(spill, sizeof spill, "%s/spill-file", tmp);
	ekv_test_write_file(spill, "s", 1);      /* an adapter's leftover */
	finish(t, "{}");
	ekv_tree_close(t, 0);
	CHECK(!has_entry_prefix("p", ".out.ekvtmp-"));
	CHECK_INT(count_entries("p"), 1);
	/* an operator-given tmpdir is used as is and left alone */
	CHECK(mkdir("mytmp", 0755) == 0);
	struct ekv_tree *t2 = NULL;
	CHECK_OK(ekv_tree_create("out2", "mytmp", &t2, &err), &err);
	CHECK_STR(ekv_tree_tmpdir(t2), "mytmp");
	ekv_tree_close(t2, 0);
	CHECK(is_dir("mytmp"));
	CHECK(!ekv_test_file_exists("out2"));
	/* D14: never inside the root (the root itself included) */
	CHECK(mkdir("out3", 0755) == 0);
	CHECK_STATUS(ekv_tree_create("out3", "out3", &t2, &err), EKV_EUSAGE, &err);
	CHECK_STATUS(ekv_tree_create("out3", "./out3/", &t2, &err), EKV_EUSAGE, &err);
	CHECK(t2 == NULL);
	CHECK(is_dir("out3"));
}

EKV_TEST(root_dot_tmpdir_outside)
{
	CHECK(mkdir("work", 0755) == 0);
	CHECK(chdir("work") == 0);
	struct ekv_tree *t = must_create(".");
	const char *tmp = ekv_tree_tmpdir(t);
	CHECK(strstr(tmp, "/work/") == NULL);       /* beside, not inside */
	CHECK_INT(count_entries("."), 0);
	ekv_tree_close(t, 0);
	CHECK(chdir("..") == 0);
	CHECK_INT(count_entries("."), 1);
}

EKV_TEST(exclusive_create_refuses_existing)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	CHECK_OK(ekv_tree_write(t, "d/a", "1", 1, &err), &err);
	CHECK_STATUS(ekv_tree_write(t, "d/a", "2", 1, &err), EKV_EEXIST, &err);
	CHECK_STR(err.file, "d/a");
	struct ekv_file *f = NULL;
	CHECK_STATUS(ekv_tree_open(t, "d/a", &f, &err), EKV_EEXIST, &err);
	CHECK_STATUS(ekv_tree_open_temp(t, "d/a", &f, &err), EKV_EEXIST, &err);
	CHECK(f == NULL);
	/* a file where a directory is needed, and the other way round */
	CHECK_STATUS(ekv_tree_write(t, "d/a/b", "3", 1, &err), EKV_EEXIST, &err);
	CHECK_STATUS(ekv_tree_write(t, "d", "4", 1, &err), EKV_EEXIST, &err);
	char *a = ekv_test_read_file("out/d/a", NULL);
	CHECK_STR(a, "1");
	free(a);
	/* reserved top-level names collide at finish, never overwritten */
	CHECK_OK(ekv_tree_write(t, "CHECKSUMS", "x", 1, &err), &err);
	CHECK_STATUS(ekv_tree_finish(t, "{}", 2, &err), EKV_EEXIST, &err);
	CHECK(!ekv_test_file_exists("out/MANIFEST.json"));
	ekv_tree_close(t, 0);
	CHECK(!ekv_test_file_exists("out"));
}

EKV_TEST(temp_then_commit)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	struct ekv_file *f = NULL;
	CHECK_OK(ekv_tree_open_temp(t, "s3/b/obj", &f, &err), &err);
	CHECK_OK(ekv_file_write(f, "part1-", 6, &err), &err);
	CHECK(!ekv_test_file_exists("out/s3/b/obj"));
	CHECK(ekv_tree_exists(t, "s3/b") == 1);
	CHECK(ekv_tree_exists(t, "s3/b/obj") == 0);
	CHECK(has_entry_prefix("out/s3/b", ".obj.tmp-"));
	CHECK_OK(ekv_file_write(f, "part2", 5, &err), &err);
	CHECK_STATUS(ekv_tree_finish(t, "{}", 2, &err), EKV_EUSAGE, &err);   /* still open */
	CHECK_OK(ekv_file_commit(f, &err), &err);
	CHECK(ekv_tree_exists(t, "s3/b/obj") == 1);
	CHECK_INT(count_entries("out/s3/b"), 1);
	char *body = ekv_test_read_file("out/s3/b/obj", NULL);
	CHECK_STR(body, "part1-part2");
	free(body);
	/* abort leaves nothing behind */
	CHECK_OK(ekv_tree_open_temp(t, "s3/b/gone", &f, &err), &err);
	CHECK_OK(ekv_file_write(f, "x", 1, &err), &err);
	ekv_file_abort(f);
	CHECK_OK(ekv_tree_open(t, "s3/b/gone2", &f, &err), &err);
	ekv_file_abort(f);
	ekv_file_abort(NULL);
	CHECK_INT(count_entries("out/s3/b"), 1);
	finish(t, "{}");
	ekv_tree_close(t, 0);
	char *sums = ekv_test_read_file("out/CHECKSUMS", NULL);
	uint8_t d[32];
	char line[128], hex[65];
	ekv_sha256("part1-part2", 11, d);
	ekv_hex_lower(hex, d, 32);
	snprintf(line, sizeof line, "%s  s3/b/obj\n", hex);
	CHECK(strstr(sums, line) != NULL);
	CHECK(strstr(sums, "gone") == NULL);
	free(sums);
}

/* D23: a final path that appears while the temp file is open is not replaced. */
EKV_TEST(temp_commit_never_replaces)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	struct ekv_file *f = NULL;
	CHECK_OK(ekv_tree_open_temp(t, "b/Key", &f, &err), &err);
	CHECK_OK(ekv_file_write(f, "new", 3, &err), &err);
	ekv_test_write_file("out/b/Key", "old", 3);   /* e.g. a case-folding twin */
	CHECK_STATUS(ekv_file_commit(f, &err), EKV_EEXIST, &err);
	char *body = ekv_test_read_file("out/b/Key", NULL);
	CHECK_STR(body, "old");
	free(body);
	CHECK_INT(count_entries("out/b"), 1);   /* temp removed */
	ekv_tree_close(t, 1);
}

EKV_TEST(close_cleans_failed_run)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	CHECK_OK(ekv_tree_write(t, "a/b/c", "1", 1, &err), &err);
	CHECK_OK(ekv_tree_mkdirs(t, "empty/dir", &err), &err);
	CHECK(is_dir("out/empty/dir"));
	struct ekv_file *f = NULL;
	CHECK_OK(ekv_tree_open_temp(t, "a/tmp", &f, &err), &err);
	CHECK_OK(ekv_file_write(f, "x", 1, &err), &err);
	ekv_file_abort(f);
	/* something outside, reachable through a symlink planted inside, survives */
	CHECK(mkdir("outside", 0755) == 0);
	ekv_test_write_file("outside/precious", "p", 1);
	CHECK(symlink("../outside", "out/a/evil") == 0);
	ekv_tree_close(t, 0);
	CHECK(!ekv_test_file_exists("out"));
	CHECK(ekv_test_file_exists("outside/precious"));
	CHECK_INT(count_entries("."), 1);
}

EKV_TEST(close_keep_partial)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	CHECK_OK(ekv_tree_write(t, "a/b", "1", 1, &err), &err);
	ekv_tree_close(t, 1);
	CHECK(ekv_test_file_exists("out/a/b"));
	CHECK(!ekv_test_file_exists("out/MANIFEST.json"));
	CHECK_INT(count_entries("."), 1);   /* tmpdir still removed */
}

EKV_TEST(unsafe_components_refused)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	const char *bad[] = { "", "/abs", "a//b", "a/./b", "./a", "../x", "a/..", "a/", "..", "." };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct ekv_file *f = NULL;
		CHECK_STATUS(ekv_tree_write(t, bad[i], "x", 1, &err), EKV_EUNSAFE, &err);
		CHECK_STATUS(ekv_tree_open(t, bad[i], &f, &err), EKV_EUNSAFE, &err);
		CHECK_STATUS(ekv_tree_open_temp(t, bad[i], &f, &err), EKV_EUNSAFE, &err);
		CHECK_STATUS(ekv_tree_mkdirs(t, bad[i], &err), EKV_EUNSAFE, &err);
		CHECK(!ekv_tree_exists(t, bad[i]));
	}
	CHECK_INT(count_entries("out"), 0);
	CHECK(!ekv_test_file_exists("x"));
	/* a path whose CHECKSUMS line would pass the 8 KiB reader cap fails closed */
	char *deep = malloc(5000);
	for (int i = 0; i < 4998; i++) deep[i] = i % 100 == 99 ? '/' : '\\';
	deep[4998] = 'f';
	deep[4999] = 0;
	CHECK_STATUS(ekv_tree_write(t, deep, "x", 1, &err), EKV_ELIMIT, &err);
	free(deep);
	ekv_tree_close(t, 0);
}

EKV_TEST(symlink_inside_root_refused)
{
	struct ekv_error err = { 0 };
	struct ekv_tree *t = must_create("out");
	CHECK(mkdir("elsewhere", 0755) == 0);
	CHECK_OK(ekv_tree_write(t, "d/first", "1", 1, &err), &err);   /* caches out/d */
	CHECK(symlink("../elsewhere", "out/evil") == 0);
	CHECK(symlink("../../elsewhere", "out/d/evil2") == 0);
	CHECK_STATUS(ekv_tree_write(t, "evil/x", "1", 1, &err), EKV_EUNSAFE, &err);
	CHECK_STATUS(ekv_tree_write(t, "d/evil2/x", "1", 1, &err), EKV_EUNSAFE, &err);
	CHECK_STATUS(ekv_tree_mkdirs(t, "evil/sub", &err), EKV_EUNSAFE, &err);
	/* a symlink at the file's own name: O_EXCL|O_NOFOLLOW refuses it */
	CHECK(symlink("../elsewhere/target", "out/d/lnk") == 0);
	CHECK(ekv_tree_write(t, "d/lnk", "1", 1, &err) != EKV_OK);
	CHECK_INT(count_entries("elsewhere"), 0);
	ekv_tree_close(t, 0);
	CHECK(!ekv_test_file_exists("out"));
	CHECK(is_dir("elsewhere"));
}

EKV_TEST(input_helpers)
{
	struct ekv_error err = { 0 };
	CHECK(mkdir("in", 0755) == 0);
	CHECK(mkdir("in/sub", 0755) == 0);
	ekv_test_write_file("in/b", "bee", 3);
	ekv_test_write_file("in/a", "a", 1);
	ekv_test_write_file("in/hard", "h", 1);
	CHECK(link("in/hard", "in/hard2") == 0);
	CHECK(symlink("a", "in/lnk") == 0);
	CHECK(symlink("sub", "in/dlnk") == 0);
	CHECK(mkfifo("in/fifo", 0644) == 0);
	int dfd = open("in", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	int fd = ekv_open_input_file(dfd, "a", "in/a", &err);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(ekv_open_input_file(dfd, "lnk", "in/lnk", &err), -1);
	CHECK_INT(err.code, EKV_EUNSAFE);
	CHECK_STR(err.file, "in/lnk");
	CHECK_INT(ekv_open_input_file(dfd, "hard", "in/hard", &err), -1);
	CHECK_INT(err.code, EKV_EUNSAFE);
	CHECK(strstr(err.msg, "in/hard") != NULL);
	CHECK_INT(ekv_open_input_file(dfd, "fifo", "in/fifo", &err), -1);   /* no hang */
	CHECK_INT(err.code, EKV_EUNSAFE);
	CHECK_INT(ekv_open_input_file(dfd, "sub", "in/sub", &err), -1);
	CHECK_INT(ekv_open_input_file(dfd, "nope", "in/nope", &err), -1);
	CHECK_INT(err.sys_errno, ENOENT);
	fd = ekv_open_input_dir(dfd, "sub", "in/sub", 0, &err);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(ekv_open_input_dir(dfd, "none", "in/none", 1, &err), -2);
	CHECK_INT(ekv_open_input_dir(dfd, "none", "in/none", 0, &err), -1);
	CHECK_INT(ekv_open_input_dir(dfd, "dlnk", "in/dlnk", 0, &err), -1);
	CHECK_INT(err.code, EKV_EUNSAFE);
	CHECK_INT(ekv_open_input_dir(dfd, "a", "in/a", 0, &err), -1);
	CHECK_INT(err.code, EKV_EINPUT);
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK_OK(ekv_read_input_file(dfd, "b", "in/b", &b, &err), &err);
	CHECK_MEM(b.data, b.len, "bee", 3);
	CHECK_STATUS(ekv_read_input_file(dfd, "lnk", "in/lnk", &b, &err), EKV_EUNSAFE, &err);
	ekv_buf_release(&b);
	struct ekv_dirlist l;
	CHECK_OK(ekv_list_dir(dfd, "in", &l, &err), &err);
	const char *names[] = { "a", "b", "dlnk", "fifo", "hard", "hard2", "lnk", "sub" };
	const unsigned char types[] = { DT_REG, DT_REG, DT_LNK, DT_FIFO, DT_REG, DT_REG, DT_LNK, DT_DIR };
	CHECK_U64(l.n, 8);
	for (size_t i = 0; i < l.n; i++) {
		CHECK_STR(l.names[i], names[i]);
		CHECK_INT(l.types[i], types[i]);
	}
	ekv_dirlist_free(&l);
	ekv_dirlist_free(&l);
	close(dfd);
}

EKV_TEST(checksum_line_format_and_parse)
{
	uint8_t d[32], got[32];
	for (int i = 0; i < 32; i++) d[i] = (uint8_t)(i * 9);
	struct ekv_buf line = EKV_BUF_INIT, path = EKV_BUF_INIT;
	CHECK_INT(ekv_checksums_format_line(&line, d, "x\ny", 3), 0);
	char hex[65];
	ekv_hex_lower(hex, d, 32);
	char want[128];
	snprintf(want, sizeof want, "\\%s  x\\ny\n", hex);
	CHECK_STR((char *)line.data, want);
	CHECK_INT(ekv_checksums_parse_line(line.data, line.len - 1, got, &path), 0);
	CHECK_MEM(got, 32, d, 32);
	CHECK_MEM(path.data, path.len, "x\ny", 3);
	/* byte-exact: invalid UTF-8 next to an escaped byte is kept (not U+FFFD) */
	const char odd[] = "a\\\xff\r\xc3";
	ekv_buf_reset(&line);
	CHECK_INT(ekv_checksums_format_line(&line, d, odd, 5), 0);
	CHECK(memchr(line.data, 0xff, line.len) != NULL);
	CHECK_INT(ekv_checksums_parse_line(line.data, line.len - 1, got, &path), 0);
	CHECK_MEM(path.data, path.len, odd, 5);
	/* binary marker and a trailing CR are accepted */
	char buf[256];
	snprintf(buf, sizeof buf, "%s *bin/file\r", hex);
	CHECK_INT(ekv_checksums_parse_line(buf, strlen(buf), got, &path), 0);
	CHECK_MEM(path.data, path.len, "bin/file", 8);
	/* malformed */
	const char *bad_tail[] = { " x", "  ", "\tx", "x" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(buf, sizeof buf, "%s%s", hex, bad_tail[i]);
		CHECK_INT(ekv_checksums_parse_line(buf, strlen(buf), got, &path), -1);
	}
	snprintf(buf, sizeof buf, "%s  x", hex);
	buf[3] = 'A';   /* upper-case hex refused, as upstream */
	CHECK_INT(ekv_checksums_parse_line(buf, strlen(buf), got, &path), -1);
	snprintf(buf, sizeof buf, "\\%s  dangling\\", hex);
	CHECK_INT(ekv_checksums_parse_line(buf, strlen(buf), got, &path), -1);
	snprintf(buf, sizeof buf, "\\%s  unknown\\x", hex);
	CHECK_INT(ekv_checksums_parse_line(buf, strlen(buf), got, &path), -1);
	CHECK_INT(ekv_checksums_parse_line(hex, 64, got, &path), -1);
	/* without the leading backslash, backslashes are literal */
	snprintf(buf, sizeof buf, "%s  a\\nb", hex);
	CHECK_INT(ekv_checksums_parse_line(buf, strlen(buf), got, &path), 0);
	CHECK_MEM(path.data, path.len, "a\\nb", 4);
	/* path rules */
	CHECK_INT(ekv_checksums_check_path("a/b.txt", 7), 0);
	CHECK_INT(ekv_checksums_check_path("..", 2), EKV_EUNSAFE);
	CHECK_INT(ekv_checksums_check_path("a/../b", 6), EKV_EUNSAFE);
	CHECK_INT(ekv_checksums_check_path("/etc/passwd", 11), EKV_EUNSAFE);
	CHECK_INT(ekv_checksums_check_path("", 0), EKV_ECHECKSUM);
	CHECK_INT(ekv_checksums_check_path(".", 1), EKV_ECHECKSUM);
	CHECK_INT(ekv_checksums_check_path("a//b", 4), EKV_ECHECKSUM);
	CHECK_INT(ekv_checksums_check_path("a/./b", 5), EKV_ECHECKSUM);
	CHECK_INT(ekv_checksums_check_path("a/", 2), EKV_ECHECKSUM);
	CHECK_INT(ekv_checksums_check_path("a\0b", 3), EKV_ECHECKSUM);
	CHECK_INT(ekv_checksums_check_path("...", 3), 0);
	ekv_buf_release(&line);
	ekv_buf_release(&path);
}

/* Seeded property test: any path round-trips through a CHECKSUMS line, and
 * random lines never crash the parser. */
EKV_TEST(checksum_line_roundtrip_random)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	struct ekv_buf line = EKV_BUF_INIT, path = EKV_BUF_INIT;
	uint8_t d[32], got[32], p[300];
	const uint8_t alphabet[] = { '\\', '\n', '\r', 'n', 'r', ' ', '*', '/', 'a', 0xff, 0xc3, 0xa9 };
	for (int iter = 0; iter < 20000; iter++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		size_t n = 1 + x % 200;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			p[i] = (x & 1) ? alphabet[(x >> 1) % sizeof alphabet] : (uint8_t)(1 + (x >> 8) % 255);
		}
		for (int i = 0; i < 32; i++) d[i] = (uint8_t)(x >> (i % 8 * 8));
		ekv_buf_reset(&line);
		CHECK_INT(ekv_checksums_format_line(&line, d, p, n), 0);
		CHECK(line.data[line.len - 1] == '\n');
		CHECK(memchr(line.data, '\n', line.len - 1) == NULL);   /* one line, always */
		CHECK_INT(ekv_checksums_parse_line(line.data, line.len - 1, got, &path), 0);
		CHECK_MEM(got, 32, d, 32);
		CHECK_MEM(path.data, path.len, p, n);
		/* garbage: must not crash, and a success must yield a digest */
		ekv_checksums_parse_line(p, n, got, &path);
		if (line.len > 10) {
			line.data[x % (line.len - 1)] ^= (uint8_t)(x >> 32);
			ekv_checksums_parse_line(line.data, line.len - 1, got, &path);
		}
	}
	ekv_buf_release(&line);
	ekv_buf_release(&path);
}
