/*
 * Reading a dump tree (tree.h, second half): no-follow opens that refuse
 * symlinks, FIFOs and hard-linked files, whole-file reads and sorted
 * directory listings, for encode and verify.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "tree.h"
#include "util.h"

#define DIR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int ekv_open_input_file(int dirfd, const char *name, const char *display_path,
			struct ekv_error *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			ekv_fail(err, EKV_EUNSAFE, "\"%s\" is a symlink (refused)", display_path);
		else
			ekv_fail_errno(err, e, "cannot open \"%s\"", display_path);
		ekv_error_set_file(err, display_path, 0);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		ekv_fail_errno(err, errno, "cannot stat \"%s\"", display_path);
	} else if (!S_ISREG(st.st_mode)) {
		ekv_fail(err, EKV_EUNSAFE, "\"%s\" is not a regular file", display_path);
	} else if (st.st_nlink != 1) {
		ekv_fail(err, EKV_EUNSAFE, "\"%s\" is a hard-linked file (refused)", display_path);
	} else {
		return fd;
	}
	ekv_error_set_file(err, display_path, 0);
	close(fd);
	return -1;
}

int ekv_open_input_dir(int dirfd, const char *name, const char *display_path, int missing_ok,
		       struct ekv_error *err)
{
	int fd = openat(dirfd, name, DIR_OPEN_FLAGS);
	if (fd >= 0) return fd;
	int e = errno;
	if (e == ENOENT && missing_ok) return -2;
	struct stat st;
	int is_link = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
	if (is_link || e == ELOOP)
		ekv_fail(err, EKV_EUNSAFE, "\"%s\" is a symlink (refused)", display_path);
	else if (e == ENOTDIR)
		ekv_fail(err, EKV_EINPUT, "\"%s\" is not a directory", display_path);
	else
		ekv_fail_errno(err, e, "cannot open \"%s\"", display_path);
	ekv_error_set_file(err, display_path, 0);
	return -1;
}

int ekv_read_input_file(int dirfd, const char *name, const char *display_path,
			struct ekv_buf *out, struct ekv_error *err)
{
	int fd = ekv_open_input_file(dirfd, name, display_path, err);
	if (fd < 0) return err ? (int)err->code : EKV_EIO;
	struct stat st;
	ekv_buf_reset(out);
	if (fstat(fd, &st) == 0 && st.st_size > 0 && ekv_buf_reserve(out, (size_t)st.st_size)) {
		close(fd);
		return ekv_fail(err, EKV_ENOMEM, "out of memory reading \"%s\"", display_path);
	}
	for (;;) {
		if (ekv_buf_reserve(out, 64 << 10)) {
			close(fd);
			return ekv_fail(err, EKV_ENOMEM, "out of memory reading \"%s\"", display_path);
		}
		ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			int s = ekv_fail_errno(err, e, "cannot read \"%s\"", display_path);
			ekv_error_set_file(err, display_path, 0);
			return s;
		}
		if (n == 0) break;
		out->len += (size_t)n;
	}
	out->data[out->len] = 0;
	close(fd);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);   /* bytewise (unsigned) */
}

static unsigned char lstat_type(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return DT_UNKNOWN;
	if (S_ISREG(st.st_mode)) return DT_REG;
	if (S_ISDIR(st.st_mode)) return DT_DIR;
	if (S_ISLNK(st.st_mode)) return DT_LNK;
	if (S_ISFIFO(st.st_mode)) return DT_FIFO;
	if (S_ISSOCK(st.st_mode)) return DT_SOCK;
	if (S_ISCHR(st.st_mode)) return DT_CHR;
	if (S_ISBLK(st.st_mode)) return DT_BLK;
	return DT_UNKNOWN;
}

int ekv_list_dir(int dirfd, const char *display_path, struct ekv_dirlist *out,
		 struct ekv_error *err)
{
	memset(out, 0, sizeof *out);
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		int e = errno;
		if (dfd >= 0) close(dfd);
		return ekv_fail_errno(err, e, "cannot list \"%s\"", display_path);
	}
	size_t cap = 0;
	int st = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(out->names, cap * sizeof *nn);
			if (nn) out->names = nn;
			if (!nn || !(out->names[out->n] = strdup(de->d_name))) {
				st = ekv_fail(err, EKV_ENOMEM, "out of memory listing \"%s\"", display_path);
				break;
			}
		} else if (!(out->names[out->n] = strdup(de->d_name))) {
			st = ekv_fail(err, EKV_ENOMEM, "out of memory listing \"%s\"", display_path);
			break;
		}
		out->n++;
		errno = 0;
	}
	if (!st && errno) st = ekv_fail_errno(err, errno, "cannot list \"%s\"", display_path);
	if (!st && out->n) {
		qsort(out->names, out->n, sizeof *out->names, name_cmp);
		out->types = malloc(out->n);
		if (!out->types)
			st = ekv_fail(err, EKV_ENOMEM, "out of memory");
		else   /* d_type is not reliable on every file system: lstat each entry */
			for (size_t i = 0; i < out->n; i++)
				out->types[i] = lstat_type(dirfd, out->names[i]);
	}
	closedir(d);
	if (st) ekv_dirlist_free(out);
	return st;
}

void ekv_dirlist_free(struct ekv_dirlist *l)
{
	if (!l) return;
	for (size_t i = 0; i < l->n; i++) free(l->names[i]);
	free(l->names);
	free(l->types);
	memset(l, 0, sizeof *l);
}
