/* File-system helpers that never follow symlinks. */
#ifndef EKV_FSUTIL_H
#define EKV_FSUTIL_H
#include "buf.h"

/* Removes dirfd/name recursively (a file, symlink or directory tree);
 * symlinks are removed, never followed. 0 or -1 with errno. */
int ekv_remove_all_at(int dirfd, const char *name);
/* Removes an absolute or relative path recursively (as above). */
int ekv_remove_all(const char *path);

/* Calls fn for every regular file below dirfd (recursively, no-follow),
 * with its '/'-joined path relative to dirfd. Other entry types are
 * skipped. A non-zero return from fn stops the walk and is returned. */
typedef int (*ekv_walk_fn)(void *ud, int parent_fd, const char *name, const char *rel,
			   struct ekv_error *err);
int ekv_walk_files(int dirfd, ekv_walk_fn fn, void *ud, struct ekv_error *err);

/* Creates a unique directory "<dir>/<prefix>XXXXXX"; path receives it. */
int ekv_make_temp_dir(const char *dir, const char *prefix, struct ekv_buf *path,
		      struct ekv_error *err);
/* Directory part of path ("." if none). */
void ekv_dirname(const char *path, struct ekv_buf *out);
#endif
