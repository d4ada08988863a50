/*
 * ekv_verify (tools.md §8.3, container.md §5.6): checks a dump tree
 * against its CHECKSUMS, and that MANIFEST.json and every KEYMAP.jsonl
 * parse.
 *
 * Stricter than upstream's VerifyChecksums, which stops at the first
 * problem and never notices unlisted files: here every problem is
 * reported through the callback and files present but not listed are
 * problems too (upstream's archive pack adds that check, tools.md §6.4).
 * Status of the first problem: EKV_ECHECKSUM for malformed, missing,
 * altered, extra or duplicate entries; EKV_EUNSAFE for traversal paths,
 * symlinks and hard links; EKV_EMANIFEST/EKV_EVERSION and EKV_EKEYMAP
 * for the parsers.
 *
 * Memory stays bounded by file count: listed paths and present files go
 * through two ekv_sorter instances (which spill), then a sorted merge.
 * Files are hashed with a streaming read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checksums.h"
#include "error.h"
#include "keymap.h"
#include "manifest.h"
#include "sorter.h"
#include "tree.h"
#include "util.h"

#define READ_BUF (256u << 10)
#define SORT_MEM (16u << 20)
#define MAX_DEPTH 256
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct verify {
	const char *root;
	int root_fd;
	ekv_problem_fn cb;
	void *ud;
	struct ekv_verify_result *res;
	struct ekv_error *err;
	int first;                   /* status of the first problem, 0 if none */
	struct ekv_sorter *listed;   /* path -> digest[32] + line LE64 */
	struct ekv_sorter *present;  /* regular files found by the walk */
	uint8_t *rbuf;
	struct ekv_buf cache_rel;    /* directory of the last opened file */
	int cache_fd;
};

/* Records one problem: to the callback, and into err if it is the first. */
static void problem(struct verify *v, int code, const char *path, unsigned long line,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void problem(struct verify *v, int code, const char *path, unsigned long line,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->res->problems++;
	if (v->cb) v->cb(v->ud, path, msg);
	if (v->first) return;
	v->first = code;
	size_t pl = strlen(path);
	if (!strncmp(msg, path, pl) && msg[pl] == ':')   /* parser messages name the file */
		ekv_fail(v->err, code, "%s", msg);
	else
		ekv_fail(v->err, code, "%s: %s", path, msg);
	ekv_error_set_file(v->err, path, line);
}

/* A problem whose detail is an ekv_error from a helper. */
static void problem_err(struct verify *v, const char *path, const struct ekv_error *e)
{
	problem(v, e->code ? (int)e->code : EKV_EIO, path, e->line, "%s", e->msg);
}

/* ---- walking the tree ---- */

static unsigned char entry_type(int dfd, const struct dirent *de)
{
	if (de->d_type != DT_UNKNOWN) return de->d_type;
	struct stat st;
	if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) return DT_UNKNOWN;
	if (S_ISREG(st.st_mode)) return DT_REG;
	if (S_ISDIR(st.st_mode)) return DT_DIR;
	if (S_ISLNK(st.st_mode)) return DT_LNK;
	return DT_UNKNOWN;
}

static int walk(struct verify *v, int dfd, struct ekv_buf *rel, int depth)
{
	int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0) close(dup_fd);
		return ekv_fail_errno(v->err, errno, "cannot list \"%s\"", rel->len ? (char *)rel->data : v->root);
	}
	size_t base = rel->len;
	int st = 0;
	struct dirent *de;
	while (!st && (errno = 0, de = readdir(d))) {
		const char *n = de->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
		unsigned char type = entry_type(dfd, de);
		if (depth == 0 && !strcmp(n, EKV_CHECKSUMS_FILE) && type == DT_REG) continue;
		ekv_buf_truncate(rel, base);
		if ((base && ekv_buf_append_byte(rel, '/')) || ekv_buf_append_str(rel, n)) {
			st = ekv_fail(v->err, EKV_ENOMEM, "out of memory");
			break;
		}
		const char *path = (const char *)rel->data;
		if (type == DT_REG) {
			st = ekv_sorter_add(v->present, rel->data, rel->len, "", 0, v->err);
		} else if (type == DT_DIR) {
			if (depth >= MAX_DEPTH) {
				problem(v, EKV_EUNSAFE, path, 0, "directory nesting too deep");
				continue;
			}
			int sub = openat(dfd, n, DIR_FLAGS);
			if (sub < 0) {
				problem(v, errno == ELOOP ? EKV_EUNSAFE : EKV_EIO, path, 0,
					"cannot open directory: %s", strerror(errno));
				continue;
			}
			st = walk(v, sub, rel, depth + 1);
			close(sub);
		} else if (type == DT_LNK) {
			problem(v, EKV_EUNSAFE, path, 0, "symlink in the dump tree (not followed)");
		} else {
			problem(v, EKV_ECHECKSUM, path, 0, "not a regular file");
		}
	}
	if (!st && errno) st = ekv_fail_errno(v->err, errno, "cannot list \"%s\"", v->root);
	ekv_buf_truncate(rel, base);
	closedir(d);
	return st;
}

/* ---- reading CHECKSUMS ---- */

static void take_line(struct verify *v, const uint8_t *line, size_t len, unsigned long lineno,
		      uint64_t *rows, struct ekv_buf *path, int *fatal)
{
	uint8_t rec[40];
	if (len == 0 || (len == 1 && line[0] == '\r')) return;   /* blank: skipped, not counted */
	(*rows)++;
	if (ekv_checksums_parse_line(line, len, rec, path) < 0) {
		problem(v, EKV_ECHECKSUM, EKV_CHECKSUMS_FILE, lineno, "line %lu is malformed", lineno);
		return;
	}
	int c = ekv_checksums_check_path(path->data, path->len);
	if (c == EKV_EUNSAFE) {
		problem(v, EKV_EUNSAFE, EKV_CHECKSUMS_FILE, lineno,
			"line %lu: path \"%s\" escapes the dump root", lineno, (char *)path->data);
		return;
	}
	if (c) {
		problem(v, EKV_ECHECKSUM, EKV_CHECKSUMS_FILE, lineno,
			"line %lu: path \"%s\" is not a canonical relative path", lineno,
			(char *)path->data);
		return;
	}
	ekv_put_le64(rec + 32, lineno);
	if (ekv_sorter_add(v->listed, path->data, path->len, rec, sizeof rec, v->err)) *fatal = 1;
}

static int read_checksums(struct verify *v)
{
	struct ekv_error e = { 0 };
	int fd = ekv_open_input_file(v->root_fd, EKV_CHECKSUMS_FILE, EKV_CHECKSUMS_FILE, &e);
	if (fd < 0) {
		if (e.sys_errno == ENOENT)
			problem(v, EKV_ECHECKSUM, EKV_CHECKSUMS_FILE, 0, "missing");
		else
			problem_err(v, EKV_CHECKSUMS_FILE, &e);
		return -1;
	}
	struct ekv_buf line = EKV_BUF_INIT, path = EKV_BUF_INIT;
	unsigned long lineno = 0;
	uint64_t rows = 0;
	int too_long = 0, fatal = 0, st = 0;
	for (;;) {
		ssize_t n = read(fd, v->rbuf, READ_BUF);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) {
			st = ekv_fail_errno(v->err, errno, "cannot read CHECKSUMS");
			break;
		}
		if (n == 0) break;
		const uint8_t *p = v->rbuf, *end = v->rbuf + n;
		while (p < end && !fatal) {
			const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
			size_t chunk = (size_t)((nl ? nl : end) - p);
			if (!too_long && line.len + chunk > EKV_CHECKSUMS_LINE_MAX) {
				too_long = 1;
				problem(v, EKV_ECHECKSUM, EKV_CHECKSUMS_FILE, lineno + 1,
					"line %lu is longer than %d bytes", lineno + 1,
					EKV_CHECKSUMS_LINE_MAX);
			}
			if (!too_long && ekv_buf_append(&line, p, chunk)) fatal = 1;
			p += chunk;
			if (!nl) break;
			p++;
			lineno++;
			if (!too_long) take_line(v, line.data, line.len, lineno, &rows, &path, &fatal);
			else rows++;
			too_long = 0;
			ekv_buf_reset(&line);
		}
		if (fatal) break;
	}
	if (!st && !fatal && (line.len || too_long)) {   /* last line without '\n' */
		lineno++;
		if (!too_long) take_line(v, line.data, line.len, lineno, &rows, &path, &fatal);
	}
	if (!st && fatal) st = v->err && v->err->code ? (int)v->err->code : EKV_ENOMEM;
	if (!st && rows == 0) problem(v, EKV_ECHECKSUM, EKV_CHECKSUMS_FILE, 0, "lists no files");
	close(fd);
	ekv_buf_release(&line);
	ekv_buf_release(&path);
	return st;
}

/* ---- checking files ---- */

/* Descriptor of path's directory (cached), or -1 with *e filled. */
static int dir_fd_for(struct verify *v, const char *path, size_t len, struct ekv_error *e)
{
	const char *slash = memrchr(path, '/', len);
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (v->cache_fd >= 0 && v->cache_rel.len == dlen && !memcmp(v->cache_rel.data, path, dlen))
		return v->cache_fd;
	if (v->cache_fd >= 0) close(v->cache_fd);
	v->cache_fd = fcntl(v->root_fd, F_DUPFD_CLOEXEC, 0);
	ekv_buf_reset(&v->cache_rel);
	size_t i = 0;
	char comp[NAME_MAX + 1];
	while (v->cache_fd >= 0 && i < dlen) {
		size_t j = i;
		while (j < dlen && path[j] != '/') j++;
		if (j - i > NAME_MAX) {
			ekv_fail(e, EKV_ECHECKSUM, "path component too long");
			goto fail;
		}
		memcpy(comp, path + i, j - i);
		comp[j - i] = 0;
		int fd = ekv_open_input_dir(v->cache_fd, comp, comp, 0, e);
		if (fd < 0) goto fail;
		close(v->cache_fd);
		v->cache_fd = fd;
		i = j + 1;
	}
	if (v->cache_fd < 0) return ekv_fail_errno(e, errno, "cannot open directory"), -1;
	if (ekv_buf_set(&v->cache_rel, path, dlen)) {
		ekv_fail(e, EKV_ENOMEM, "out of memory");
		goto fail;
	}
	return v->cache_fd;
fail:
	if (v->cache_fd >= 0) close(v->cache_fd);
	v->cache_fd = -1;
	return -1;
}

static int is_keymap(const char *path, size_t len)
{
	size_t n = strlen(EKV_KEYMAP_FILE);
	if (len < n || memcmp(path + len - n, EKV_KEYMAP_FILE, n)) return 0;
	return len == n || path[len - n - 1] == '/';
}

/* Hashes (and for KEYMAP.jsonl also parses) one present file. want is
 * NULL for an unlisted file that only needs parsing. */
static int check_file(struct verify *v, const char *path, size_t len, const uint8_t *want,
		      unsigned long lineno)
{
	struct ekv_error e = { 0 };
	int keymap = is_keymap(path, len);
	if (!want && !keymap) return 0;
	int dfd = dir_fd_for(v, path, len, &e);
	if (dfd < 0) {
		problem(v, e.code == EKV_EUNSAFE ? EKV_EUNSAFE : EKV_ECHECKSUM, path, lineno, "%s",
			e.msg);
		return 0;
	}
	const char *slash = memrchr(path, '/', len);
	const char *name = slash ? slash + 1 : path;
	uint8_t got[32];
	if (keymap) {
		/* the parser needs the whole body: hash that copy too */
		struct ekv_buf body = EKV_BUF_INIT;
		if (ekv_read_input_file(dfd, name, path, &body, &e)) {
			ekv_buf_release(&body);
			problem_err(v, path, &e);
			return 0;
		}
		ekv_sha256(body.data, body.len, got);
		struct ekv_keymap km;
		memset(&km, 0, sizeof km);
		int reject_dups = len > 3 && !memcmp(path, "s3/", 3);   /* S3 keymaps are unique */
		if (ekv_keymap_parse(body.data, body.len, path, reject_dups, &km, &e)) {
			problem(v, EKV_EKEYMAP, path, e.line, "%s", e.msg);
		}
		ekv_keymap_release(&km);
		ekv_buf_release(&body);
	} else {
		int fd = ekv_open_input_file(dfd, name, path, &e);
		if (fd < 0) {
			problem_err(v, path, &e);
			return 0;
		}
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);   /* one pass, front to back */
		struct ekv_sha256_ctx *sha = ekv_sha256_new();
		if (!sha) {
			close(fd);
			return ekv_fail(v->err, EKV_ENOMEM, "out of memory");
		}
		for (;;) {
			ssize_t n = read(fd, v->rbuf, READ_BUF);
			if (n < 0 && errno == EINTR) continue;
			if (n < 0) {
				int er = errno;
				close(fd);
				ekv_sha256_free(sha);
				problem(v, EKV_EIO, path, 0, "cannot read: %s", strerror(er));
				return 0;
			}
			if (n == 0) break;
			ekv_sha256_update(sha, v->rbuf, (size_t)n);
		}
		close(fd);
		ekv_sha256_final(sha, got);
	}
	if (!want) return 0;
	v->res->files_checked++;
	if (memcmp(got, want, 32)) {
		char have_hex[65], want_hex[65];
		ekv_hex_lower(have_hex, got, 32);
		ekv_hex_lower(want_hex, want, 32);
		problem(v, EKV_ECHECKSUM, path, lineno, "altered (have %s, want %s)", have_hex,
			want_hex);
	}
	return 0;
}

/* A listed path the walk did not find as a regular file: say why. */
static void classify_missing(struct verify *v, const char *path, size_t len, unsigned long lineno)
{
	if (len == strlen(EKV_CHECKSUMS_FILE) && !memcmp(path, EKV_CHECKSUMS_FILE, len)) {
		problem(v, EKV_ECHECKSUM, path, lineno, "CHECKSUMS lists itself");
		return;
	}
	struct ekv_error e = { 0 };
	int dfd = dir_fd_for(v, path, len, &e);
	if (dfd < 0) {
		if (e.code == EKV_EUNSAFE) problem(v, EKV_EUNSAFE, path, lineno, "symlink in path");
		else problem(v, EKV_ECHECKSUM, path, lineno, "missing on disk");
		return;
	}
	const char *slash = memrchr(path, '/', len);
	struct stat st;
	if (fstatat(dfd, slash ? slash + 1 : path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		problem(v, EKV_ECHECKSUM, path, lineno, "missing on disk");
	else if (S_ISLNK(st.st_mode))
		problem(v, EKV_EUNSAFE, path, lineno, "listed file is a symlink");
	else
		problem(v, EKV_ECHECKSUM, path, lineno, "listed file is not a regular file");
}

static int merge(struct verify *v)
{
	const uint8_t *lk = NULL, *lv = NULL, *pk = NULL, *pv = NULL;
	size_t lkl = 0, lvl = 0, pkl = 0, pvl = 0;
	struct ekv_buf prev = EKV_BUF_INIT, cur = EKV_BUF_INIT;
	int have_prev = 0, st = 0;
	int lr = ekv_sorter_next(v->listed, &lk, &lkl, &lv, &lvl, v->err);
	int pr = ekv_sorter_next(v->present, &pk, &pkl, &pv, &pvl, v->err);
	while (!st && (lr > 0 || pr > 0)) {
		int c = lr <= 0 ? 1 : pr <= 0 ? -1 : ekv_bytes_cmp(lk, lkl, pk, pkl);
		if (c > 0) {                           /* present, not listed */
			if (ekv_buf_set(&cur, pk, pkl)) goto nomem;
			problem(v, EKV_ECHECKSUM, (char *)cur.data, 0, "not listed in CHECKSUMS");
			st = check_file(v, (char *)cur.data, cur.len, NULL, 0);
			pr = ekv_sorter_next(v->present, &pk, &pkl, &pv, &pvl, v->err);
			continue;
		}
		if (ekv_buf_set(&cur, lk, lkl)) goto nomem;
		unsigned long lineno = (unsigned long)ekv_le64(lv + 32);
		if (have_prev && prev.len == cur.len && !memcmp(prev.data, cur.data, cur.len)) {
			problem(v, EKV_ECHECKSUM, (char *)cur.data, lineno, "listed more than once");
		} else if (c < 0) {
			classify_missing(v, (char *)cur.data, cur.len, lineno);
		} else {
			st = check_file(v, (char *)cur.data, cur.len, lv, lineno);
			pr = ekv_sorter_next(v->present, &pk, &pkl, &pv, &pvl, v->err);
		}
		if (ekv_buf_set(&prev, cur.data, cur.len)) goto nomem;
		have_prev = 1;
		lr = ekv_sorter_next(v->listed, &lk, &lkl, &lv, &lvl, v->err);
	}
	if (!st && (lr < 0 || pr < 0)) st = v->err && v->err->code ? (int)v->err->code : EKV_EIO;
	ekv_buf_release(&prev);
	ekv_buf_release(&cur);
	return st;
nomem:
	ekv_buf_release(&prev);
	ekv_buf_release(&cur);
	return ekv_fail(v->err, EKV_ENOMEM, "out of memory");
}

static void check_manifest(struct verify *v)
{
	struct ekv_error e = { 0 };
	struct ekv_buf body = EKV_BUF_INIT;
	if (ekv_read_input_file(v->root_fd, EKV_MANIFEST_FILE, EKV_MANIFEST_FILE, &body, &e)) {
		if (e.sys_errno == ENOENT)
			problem(v, EKV_EMANIFEST, EKV_MANIFEST_FILE, 0, "missing (incomplete dump)");
		else
			problem_err(v, EKV_MANIFEST_FILE, &e);
		ekv_buf_release(&body);
		return;
	}
	struct ekv_manifest m;
	memset(&m, 0, sizeof m);
	if (ekv_manifest_parse(body.data, body.len, &m, &e))
		problem(v, e.code == EKV_EVERSION ? EKV_EVERSION : EKV_EMANIFEST, EKV_MANIFEST_FILE,
			e.line, "%s", e.msg);
	ekv_manifest_release(&m);
	ekv_buf_release(&body);
}

static int open_root(const char *root, struct ekv_error *err)
{
	char *path = strdup(root);
	if (!path) return ekv_fail(err, EKV_ENOMEM, "out of memory"), -1;
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/') path[--len] = 0;   /* "link/" would follow */
	int fd = open(path, DIR_FLAGS);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		if (e == ELOOP || (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)))
			ekv_fail(err, EKV_EUNSAFE, "dump root \"%s\" is a symlink (refused)", root);
		else
			ekv_fail_errno(err, e, "cannot open dump root \"%s\"", root);
	}
	free(path);
	return fd;
}

int ekv_verify(const char *root, ekv_problem_fn problem_cb, void *ud, struct ekv_verify_result *res,
	       struct ekv_error *err)
{
	struct ekv_verify_result dummy;
	if (!res) res = &dummy;
	memset(res, 0, sizeof *res);
	if (!root || !*root) return ekv_fail(err, EKV_EUSAGE, "no dump root given");
	struct verify v = { .root = root, .cb = problem_cb, .ud = ud, .res = res, .err = err,
			    .root_fd = -1, .cache_fd = -1 };
	ekv_buf_init(&v.cache_rel);
	struct ekv_buf rel = EKV_BUF_INIT;
	int st = 0;
	v.root_fd = open_root(root, err);
	if (v.root_fd < 0) {
		st = err ? (int)err->code : EKV_EIO;
		if (st == EKV_EUNSAFE) {
			res->problems++;
			if (problem_cb) problem_cb(ud, root, "dump root is a symlink (refused)");
		}
		return st;
	}
	if (!(v.rbuf = malloc(READ_BUF))) {
		st = ekv_fail(err, EKV_ENOMEM, "out of memory");
		goto out;
	}
	if ((st = ekv_sorter_new(NULL, SORT_MEM, &v.listed, err))) goto out;
	if ((st = ekv_sorter_new(NULL, SORT_MEM, &v.present, err))) goto out;
	if ((st = walk(&v, v.root_fd, &rel, 0))) goto out;
	check_manifest(&v);
	int have_sums = 1;
	st = read_checksums(&v);
	if (st > 0) goto out;
	if (st < 0) have_sums = 0;
	if ((st = ekv_sorter_finish(v.listed, err))) goto out;
	if ((st = ekv_sorter_finish(v.present, err))) goto out;
	if (have_sums) {
		st = merge(&v);
	} else {
		/* without CHECKSUMS only the parsers can run */
		const uint8_t *k, *val;
		size_t kl, vl;
		struct ekv_buf cur = EKV_BUF_INIT;
		int r;
		while (!st && (r = ekv_sorter_next(v.present, &k, &kl, &val, &vl, err)) > 0) {
			if (ekv_buf_set(&cur, k, kl)) st = ekv_fail(err, EKV_ENOMEM, "out of memory");
			else st = check_file(&v, (char *)cur.data, cur.len, NULL, 0);
		}
		if (!st && r < 0) st = err && err->code ? (int)err->code : EKV_EIO;
		ekv_buf_release(&cur);
	}
out:
	if (!st && v.first) st = v.first;   /* err already names the first problem */
	ekv_sorter_free(v.listed);
	ekv_sorter_free(v.present);
	if (v.cache_fd >= 0) close(v.cache_fd);
	if (v.root_fd >= 0) close(v.root_fd);
	ekv_buf_release(&v.cache_rel);
	ekv_buf_release(&rel);
	free(v.rbuf);
	return st;
}
