/*
 * The output dump tree.
 *
 * Every file is created under the root through directory file
 * descriptors: components are opened with O_NOFOLLOW|O_DIRECTORY, files
 * with O_CREAT|O_EXCL|O_NOFOLLOW, so nothing is ever overwritten and no
 * symlink is followed. Relative paths are '/'-joined components; a
 * component that is empty, ".", "..", or contains NUL is refused with
 * EKV_EUNSAFE (adapters must encode user bytes first, see segment.h).
 *
 * Each committed file's SHA-256 is computed while it is written and
 * recorded for CHECKSUMS; nothing is read back.
 */
#ifndef EKV_TREE_H
#define EKV_TREE_H
#include "buf.h"

struct ekv_tree;
struct ekv_file;

/* D6: creates root if absent; refuses a root that exists and is not an
 * empty directory (EKV_EEXIST), or that is (or whose created parents are) a
 * symlink (EKV_EUNSAFE). Missing parents are created (0755) and removed
 * again by a failed run's close. Parents that already exist may be
 * symlinks (the operator's path). The root is opened once; all later work
 * is relative to that descriptor.
 * tmpdir: where spill files go. NULL = a fresh `.<root>.ekvtmp-XXXXXX`
 * beside the root, removed (with its contents) by ekv_tree_close; a given
 * tmpdir is used as is and left alone, and is refused (EKV_EUSAGE) if it is
 * the root or inside it. */
int ekv_tree_create(const char *root, const char *tmpdir, struct ekv_tree **out,
		    struct ekv_error *err);
/* Every later create or write fails with EKV_ECANCELED once *cancel is
 * non-zero, so long adapter phases stop promptly on SIGINT. */
void ekv_tree_set_cancel(struct ekv_tree *t, const volatile int *cancel);
/* Directory (absolute) where adapters may create spill files (D14). */
const char *ekv_tree_tmpdir(const struct ekv_tree *t);

/* Creates rel's directories (mkdir -p), each component checked. */
int ekv_tree_mkdirs(struct ekv_tree *t, const char *rel, struct ekv_error *err);
/* Whole-file write: exclusive create (parents made), write, commit. */
int ekv_tree_write(struct ekv_tree *t, const char *rel, const void *data, size_t len,
		   struct ekv_error *err);
/* Streaming file at its final path (exclusive create). */
int ekv_tree_open(struct ekv_tree *t, const char *rel, struct ekv_file **out,
		  struct ekv_error *err);
/* Streaming file written to a temporary name beside rel; ekv_file_commit
 * renames it into place without replacing an existing entry (D23/D24). */
int ekv_tree_open_temp(struct ekv_tree *t, const char *rel, struct ekv_file **out,
		       struct ekv_error *err);
int ekv_file_write(struct ekv_file *f, const void *data, size_t len, struct ekv_error *err);
/* Bytes written so far. */
uint64_t ekv_file_size(const struct ekv_file *f);
/* Closes, publishes (temp files) and records the checksum. Frees f, also
 * on failure (the file or temp file is then removed). EKV_EEXIST if the
 * final path appeared meanwhile: it is never replaced. */
int ekv_file_commit(struct ekv_file *f, struct ekv_error *err);
/* Closes and removes the file. Frees f. NULL is fine. */
void ekv_file_abort(struct ekv_file *f);
/* True if rel exists (any type) under the root, without following links. */
int ekv_tree_exists(struct ekv_tree *t, const char *rel);

/* Writes CHECKSUMS (listing every committed file plus MANIFEST.json with
 * the given bytes, sorted bytewise, GNU sha256sum format: checksums.h),
 * then MANIFEST.json last via temp + rename: the commit marker of a
 * complete dump. Data files are not fsynced one by one: a single syncfs()
 * makes them durable first; CHECKSUMS, MANIFEST.json and the root
 * directory are fsynced. EKV_EUSAGE if an ekv_file is still open. */
int ekv_tree_finish(struct ekv_tree *t, const void *manifest, size_t manifest_len,
		    struct ekv_error *err);
/* Number of files committed so far. */
uint64_t ekv_tree_file_count(const struct ekv_tree *t);
/* Bytes committed so far. */
uint64_t ekv_tree_byte_count(const struct ekv_tree *t);
/* Frees the handle. If the run did not finish, removes everything this
 * run created under the root (the root was empty, D6), so a failed
 * decode leaves no half-truth; keep_partial=1 leaves it for debugging.
 * The removal never follows a symlink. Commit or abort every ekv_file
 * before closing the tree (the files point at it). NULL is fine. */
void ekv_tree_close(struct ekv_tree *t, int keep_partial);

/* ---- reading a dump tree (encode, verify) ---- */

/* Opens dirfd-relative `name` for reading: O_NOFOLLOW, must be a regular
 * file with a single link (upstream refuseHardLink). Returns fd or -1
 * with err filled. */
int ekv_open_input_file(int dirfd, const char *name, const char *display_path,
			struct ekv_error *err);
/* Opens a subdirectory without following symlinks. -1 + err on failure;
 * if missing_ok and it does not exist, returns -2 without error. */
int ekv_open_input_dir(int dirfd, const char *name, const char *display_path,
		       int missing_ok, struct ekv_error *err);
/* Reads a whole input file (as ekv_open_input_file) into out. */
int ekv_read_input_file(int dirfd, const char *name, const char *display_path,
			struct ekv_buf *out, struct ekv_error *err);
/* Sorted (bytewise) names of a directory's entries, excluding . and ..;
 * types[i] is DT_REG/DT_DIR/... (lstat-based, never DT_UNKNOWN). */
struct ekv_dirlist {
	char **names;
	unsigned char *types;
	size_t n;
};
int ekv_list_dir(int dirfd, const char *display_path, struct ekv_dirlist *out,
		 struct ekv_error *err);
void ekv_dirlist_free(struct ekv_dirlist *l);
#endif
