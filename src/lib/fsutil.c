/* No-follow file-system helpers: recursive removal, walking, temp dirs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "fsutil.h"

static int remove_dir_contents(int fd)
{
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
		if (ekv_remove_all_at(dirfd(dir), de->d_name) != 0) rc = -1;
	}
	closedir(dir);
	return rc;
}

int ekv_remove_all_at(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) return unlinkat(dirfd, name, 0);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) return -1;
	int rc = remove_dir_contents(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0) rc = -1;
	return rc;
}

int ekv_remove_all(const char *path)
{
	return ekv_remove_all_at(AT_FDCWD, path);
}

static int walk(int fd, struct ekv_buf *rel, ekv_walk_fn fn, void *ud, struct ekv_error *err)
{
	int dfd = dup(fd);
	if (dfd < 0) return ekv_fail_errno(err, errno, "walk %s", rel->len ? (char *)rel->data : ".");
	DIR *dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return ekv_fail_errno(err, errno, "walk %s", rel->len ? (char *)rel->data : ".");
	}
	int rc = 0;
	struct dirent *de;
	size_t base = rel->len;
	while (!rc && (de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
		struct stat st;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = ekv_fail_errno(err, errno, "stat %s", de->d_name);
			break;
		}
		ekv_buf_truncate(rel, base);
		if ((base && ekv_buf_append_byte(rel, '/')) || ekv_buf_append_str(rel, de->d_name)) {
			rc = ekv_fail(err, EKV_ENOMEM, "out of memory");
			break;
		}
		if (S_ISREG(st.st_mode)) {
			rc = fn(ud, fd, de->d_name, (const char *)rel->data, err);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = ekv_fail_errno(err, errno, "open %s", (char *)rel->data);
				break;
			}
			rc = walk(sub, rel, fn, ud, err);
			close(sub);
		}
	}
	ekv_buf_truncate(rel, base);
	closedir(dir);
	return rc;
}

int ekv_walk_files(int dirfd, ekv_walk_fn fn, void *ud, struct ekv_error *err)
{
	struct ekv_buf rel = EKV_BUF_INIT;
	int rc = walk(dirfd, &rel, fn, ud, err);
	ekv_buf_release(&rel);
	return rc;
}

int ekv_make_temp_dir(const char *dir, const char *prefix, struct ekv_buf *path,
		      struct ekv_error *err)
{
	ekv_buf_reset(path);
	if (ekv_buf_printf(path, "%s/%sXXXXXX", dir, prefix))
		return ekv_fail(err, EKV_ENOMEM, "out of memory");
	if (!mkdtemp((char *)path->data))
		return ekv_fail_errno(err, errno, "create temporary directory in %s", dir);
	return EKV_OK;
}

void ekv_dirname(const char *path, struct ekv_buf *out)
{
	ekv_buf_reset(out);
	const char *slash = strrchr(path, '/');
	if (!slash) {
		ekv_buf_append_str(out, ".");
	} else if (slash == path) {
		ekv_buf_append_str(out, "/");
	} else {
		ekv_buf_append(out, path, (size_t)(slash - path));
	}
}
