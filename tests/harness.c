/* Test runner: `prog NAME` runs one test in a fresh temp dir; `prog` runs all. */
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

#define MAX_TESTS 1024
static struct { const char *name; ekv_test_fn fn; } tests[MAX_TESTS];
static int n_tests;
static const char *current;

void ekv_test_register(const char *name, ekv_test_fn fn)
{
	if (n_tests < MAX_TESTS) {
		tests[n_tests].name = name;
		tests[n_tests].fn = fn;
		n_tests++;
	}
}

void ekv_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "FAIL %s (%s:%d): ", current ? current : "?", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int ekv_test_file_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

char *ekv_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap + 1);
	size_t r;
	while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *q = realloc(p, cap * 2 + 1);
			if (!q) { free(p); p = NULL; break; }
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	if (!p) return NULL;
	p[n] = 0;
	if (len) *len = n;
	return p;
}

void ekv_test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		ekv_test_fail(__FILE__, __LINE__, "cannot write %s", path);
}

int ekv_test_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	if (st == -1 || !WIFEXITED(st)) return -1;
	return WEXITSTATUS(st);
}

const char *ekv_test_bin(void)
{
	const char *b = getenv("EKV_BIN");
	return b ? b : "ekvbackup";
}

const char *ekv_test_gen_bin(void)
{
	const char *b = getenv("EKVGEN_BIN");
	return b ? b : "ekvgen";
}

static int run_one(int i)
{
	char dir[] = "/tmp/ekvtest-XXXXXX";
	char cwd[4096];
	current = tests[i].name;
	if (!getcwd(cwd, sizeof cwd) || !mkdtemp(dir) || chdir(dir) != 0) {
		fprintf(stderr, "cannot make a temp dir for %s\n", current);
		return 1;
	}
	tests[i].fn();
	if (chdir(cwd) != 0) return 1;
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
	if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
	printf("ok %s\n", current);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		for (int i = 0; i < n_tests; i++)
			if (strcmp(tests[i].name, argv[1]) == 0) return run_one(i);
		fprintf(stderr, "no test named %s\n", argv[1]);
		return 2;
	}
	for (int i = 0; i < n_tests; i++) run_one(i);
	printf("%d passed, 0 failed\n", n_tests);
	return 0;
}
