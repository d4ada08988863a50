/*
 * The output dump tree (tree.h): safe creation under one resolved root,
 * exclusive file creation, SHA-256 while writing, CHECKSUMS and the
 * MANIFEST.json commit marker, and cleanup of a failed run. The no-follow
 * input helpers used by encode and verify are in input.c.
 *
 * Everything is relative to directory descriptors opened with
 * O_NOFOLLOW, so once the root is resolved a symlink planted anywhere in
 * the tree is refused instead of followed (D6).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "checksums.h"
#include "error.h"
#include "manifest.h"
#include "sorter.h"
#include "tree.h"
#include "util.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define FILE_BUF_SIZE (256u << 10)
/* Memory for the (path, digest) list before it spills (bounded, D14). */
#define SUMS_MEM_LIMIT (16u << 20)
#define DIR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define FILE_CREATE_FLAGS (O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)

#define DIR_CACHE 8
struct dir_slot {
	struct ekv_buf rel;          /* directory path relative to the root */
	int fd;                      /* -1 = free */
	uint64_t used;
};

/* A directory this run created while making the root's parents. */
struct created_dir {
	int parent_fd;
	char *name;
};

struct ekv_tree {
	char *root;                  /* as given, for messages */
	int root_fd;
	int parent_fd;               /* the root's parent, for rmdir and tmpdir */
	char *root_name;             /* the root's name inside parent_fd */
	int created_root;
	int owns_contents;           /* root was created or found empty: cleanup may empty it */
	struct created_dir *parents; /* parents we created, innermost last */
	size_t n_parents;
	char *tmpdir;
	char *tmpdir_name;           /* non-NULL if we created it in parent_fd */
	/* recently used directories, so writing many files in a few
	 * directories does not re-walk their paths */
	struct dir_slot dirs[DIR_CACHE];
	uint64_t tick;
	struct ekv_sorter *sums;
	uint64_t files, bytes;
	unsigned open_files;
	int finished;
	uint64_t rand_state;
	const volatile int *cancel;  /* caller's stop flag (SIGINT), may be NULL */
};

struct ekv_file {
	struct ekv_tree *t;
	int fd;
	int dir_fd;                  /* own descriptor of the containing directory */
	char *rel;
	const char *name;            /* last component of rel */
	char *tmp_name;              /* NULL unless opened with _open_temp */
	uint8_t *buf;
	size_t buf_len;
	uint64_t size;
	struct ekv_sha256_ctx *sha;
};

/* ---- small helpers ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0) close(*fd);
	*fd = -1;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint64_t next_rand(struct ekv_tree *t)
{
	/* splitmix64: temp names only need to be unlikely to collide; the
	 * O_EXCL create is what makes them safe. */
	uint64_t z = (t->rand_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Temp name ".<name>.tmp-XXXXXX", shortening name so it fits NAME_MAX. */
static void temp_name(struct ekv_tree *t, char *out, size_t cap, const char *name,
		      const char *tag)
{
	int keep = (int)strlen(name);
	if (keep > 200) keep = 200;
	snprintf(out, cap, ".%.*s.%s-%06llx", keep, name, tag,
		 (unsigned long long)(next_rand(t) & 0xFFFFFF));
}

/* Rejects empty, ".", ".." components (NUL cannot occur in a C string,
 * '/' is the separator). */
static int check_rel(const char *rel, struct ekv_error *err)
{
	const char *p = rel;
	if (!*p) return ekv_fail(err, EKV_EUNSAFE, "empty path in dump tree");
	for (;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return ekv_fail(err, EKV_EUNSAFE, "unsafe path component in \"%s\"", rel);
		if (!e) return 0;
		p = e + 1;
	}
}

/* Walks (and with create, makes) the directories of dir relative to
 * from_fd, never following a symlink. Returns a new descriptor or -1. */
static int walk_dirs(int from_fd, const char *dir, size_t dir_len, int create, const char *shown,
		     struct ekv_error *err)
{
	int fd = fcntl(from_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) return ekv_fail_errno(err, errno, "cannot duplicate directory descriptor"), -1;
	size_t i = 0;
	char comp[NAME_MAX + 1];
	while (i < dir_len) {
		size_t j = i;
		while (j < dir_len && dir[j] != '/') j++;
		size_t n = j - i;
		if (n > NAME_MAX) {
			close(fd);
			ekv_fail(err, EKV_EIO, "path component too long in \"%s\"", shown);
			return -1;
		}
		memcpy(comp, dir + i, n);
		comp[n] = 0;
		int nfd = openat(fd, comp, DIR_OPEN_FLAGS);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int e = errno;
				close(fd);
				ekv_fail_errno(err, e, "cannot create directory for \"%s\"", shown);
				return -1;
			}
			nfd = openat(fd, comp, DIR_OPEN_FLAGS);
		}
		if (nfd < 0) {
			int e = errno;
			struct stat st;
			int is_link = fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
			close(fd);
			if (e == ELOOP || is_link)
				ekv_fail(err, EKV_EUNSAFE, "symlink in the path of \"%s\" refused", shown);
			else if (e == ENOTDIR)
				ekv_fail(err, EKV_EEXIST, "a file is in the way of directory for \"%s\"",
					 shown);
			else
				ekv_fail_errno(err, e, "cannot open directory for \"%s\"", shown);
			ekv_error_set_file(err, shown, 0);
			return -1;
		}
		close(fd);
		fd = nfd;
		i = j + 1;
	}
	return fd;
}

/* Descriptor of rel's parent directory (made if create), via the cache.
 * The returned fd belongs to the tree: callers dup it to keep it. */
static int dir_of(struct ekv_tree *t, const char *rel, int create, struct ekv_error *err)
{
	const char *slash = strrchr(rel, '/');
	size_t dlen = slash ? (size_t)(slash - rel) : 0;
	if (dlen == 0) return t->root_fd;
	/* exact hit, else the deepest cached ancestor to descend from */
	struct dir_slot *best = NULL, *victim = &t->dirs[0];
	for (int i = 0; i < DIR_CACHE; i++) {
		struct dir_slot *d = &t->dirs[i];
		if (d->fd < 0) {
			if (victim->fd >= 0) victim = d;
			continue;
		}
		if (d->rel.len == dlen && memcmp(d->rel.data, rel, dlen) == 0) {
			d->used = ++t->tick;
			return d->fd;
		}
		if (d->rel.len < dlen && rel[d->rel.len] == '/' && memcmp(d->rel.data, rel, d->rel.len) == 0 &&
		    (!best || d->rel.len > best->rel.len))
			best = d;
		if (victim->fd >= 0 && d->used < victim->used) victim = d;
	}
	int from = best ? best->fd : t->root_fd;
	size_t skip = best ? best->rel.len + 1 : 0;
	int fd = walk_dirs(from, rel + skip, dlen - skip, create, rel, err);
	if (fd < 0) return -1;
	if (ekv_buf_set(&victim->rel, rel, dlen)) {
		close(fd);
		return ekv_fail(err, EKV_ENOMEM, "out of memory"), -1;
	}
	close_fd(&victim->fd);
	victim->fd = fd;
	victim->used = ++t->tick;
	return fd;
}

static int record_sum(struct ekv_tree *t, const char *rel, const uint8_t digest[32], uint64_t size,
		      struct ekv_error *err)
{
	int st = ekv_sorter_add(t->sums, rel, strlen(rel), digest, 32, err);
	if (st) return st;
	t->files++;
	t->bytes += size;
	return 0;
}

/* ---- creating the root (D6) ---- */

/* Directory streams below use openat(fd, ".") rather than dup(fd): a dup
 * shares the read position, so a second listing would start at the end. */
static int dir_is_empty(int fd, int *empty)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) return -1;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -1;
	}
	struct dirent *de;
	*empty = 1;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			*empty = 0;
			break;
		}
	}
	int e = errno;
	closedir(d);
	errno = e;
	return *empty && e ? -1 : 0;
}

/* Opens the last component (the root) or any parent. Existing parents
 * may be symlinks (the operator's path); the root and every directory we
 * create may not. */
static int open_component(struct ekv_tree *t, int fd, const char *comp, int last, int *created,
			  struct ekv_error *err)
{
	int cfd = openat(fd, comp, DIR_OPEN_FLAGS);
	if (cfd >= 0) return cfd;
	if (errno == ENOENT) {
		if (mkdirat(fd, comp, 0755) < 0)
			return ekv_fail_errno(err, errno, "cannot create \"%s\"", t->root), -1;
		*created = 1;
		cfd = openat(fd, comp, DIR_OPEN_FLAGS);
		if (cfd >= 0) return cfd;
		return ekv_fail(err, EKV_EUNSAFE, "directory created for \"%s\" was replaced",
				t->root), -1;
	}
	int e = errno;
	struct stat st;
	int is_link = fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
	if (is_link || e == ELOOP) {
		if (last)
			return ekv_fail(err, EKV_EUNSAFE, "output root \"%s\" is a symlink", t->root), -1;
		cfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd >= 0) return cfd;
		e = errno;
	}
	if (e == ENOTDIR && last)
		return ekv_fail(err, EKV_EEXIST, "output root \"%s\" exists and is not a directory",
				t->root), -1;
	return ekv_fail_errno(err, e, "cannot open \"%s\"", t->root), -1;
}

static int remember_parent(struct ekv_tree *t, int fd, const char *comp, struct ekv_error *err)
{
	struct created_dir *p = realloc(t->parents, (t->n_parents + 1) * sizeof *p);
	if (!p) return ekv_fail(err, EKV_ENOMEM, "out of memory");
	t->parents = p;
	p[t->n_parents].name = strdup(comp);
	p[t->n_parents].parent_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	t->n_parents++;
	if (!p[t->n_parents - 1].name || p[t->n_parents - 1].parent_fd < 0)
		return ekv_fail(err, EKV_ENOMEM, "out of memory");
	return 0;
}

/* Absolute path of an open directory (Linux /proc), or NULL. */
static char *fd_path(int fd)
{
	char link[64], buf[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof buf - 1);
	if (n <= 0 || buf[0] != '/') return NULL;
	buf[n] = 0;
	return strdup(buf);
}

static int open_root(struct ekv_tree *t, struct ekv_error *err)
{
	char *path = strdup(t->root);
	if (!path) return ekv_fail(err, EKV_ENOMEM, "out of memory");
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/') path[--len] = 0;   /* "link/" would follow */
	int fd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int st = 0;
	if (fd < 0) {
		st = ekv_fail_errno(err, errno, "cannot open the parent of \"%s\"", t->root);
		goto out;
	}
	char *save = NULL;
	char *comp = strtok_r(path, "/", &save);
	if (!comp) {
		st = ekv_fail(err, EKV_EEXIST, "output root \"%s\" is not empty", t->root);
		goto out;
	}
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		int created = 0;
		int cfd = open_component(t, fd, comp, next == NULL, &created, err);
		if (cfd < 0) {
			st = err ? (int)err->code : EKV_EIO;
			goto out;
		}
		if (!next) {
			t->root_fd = cfd;
			t->parent_fd = fd;
			fd = -1;
			t->created_root = created;
			t->root_name = strdup(comp);
			if (!t->root_name) st = ekv_fail(err, EKV_ENOMEM, "out of memory");
			break;
		}
		if (created && (st = remember_parent(t, fd, comp, err))) {
			close(cfd);
			goto out;
		}
		close(fd);
		fd = cfd;
		comp = next;
	}
	if (!st && !t->created_root) {
		int empty = 0;
		if (dir_is_empty(t->root_fd, &empty) < 0)
			st = ekv_fail_errno(err, errno, "cannot read \"%s\"", t->root);
		else if (!empty)
			st = ekv_fail(err, EKV_EEXIST, "output root \"%s\" is not empty", t->root);
	}
	if (!st) t->owns_contents = 1;
	/* "." or "..": find the real parent so the tmpdir lands beside */
	if (!st && t->root_name && (!strcmp(t->root_name, ".") || !strcmp(t->root_name, ".."))) {
		char *abs = fd_path(t->root_fd);
		const char *base = abs ? strrchr(abs, '/') + 1 : "";
		char *nm = strdup(*base ? base : "root");
		close_fd(&t->parent_fd);
		t->parent_fd = openat(t->root_fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(abs);
		free(t->root_name);
		t->root_name = nm;
		if (!nm) st = ekv_fail(err, EKV_ENOMEM, "out of memory");
		else if (t->parent_fd < 0)
			st = ekv_fail_errno(err, errno, "cannot open the parent of \"%s\"", t->root);
	}
out:
	if (fd >= 0) close(fd);
	free(path);
	return st;
}

/* D14: spill directory beside the root, never inside it. */
static int make_tmpdir(struct ekv_tree *t, struct ekv_error *err)
{
	char *parent = fd_path(t->parent_fd);
	if (!parent) return ekv_fail(err, EKV_EIO, "cannot resolve the parent of \"%s\"", t->root);
	char name[NAME_MAX + 1];
	char tag[] = "ekvtmp";
	for (int tries = 0; tries < 100; tries++) {
		temp_name(t, name, sizeof name, t->root_name, tag);
		if (mkdirat(t->parent_fd, name, 0700) == 0) {
			size_t n = strlen(parent) + strlen(name) + 2;
			t->tmpdir = malloc(n);
			t->tmpdir_name = strdup(name);
			if (!t->tmpdir || !t->tmpdir_name) {
				free(parent);
				return ekv_fail(err, EKV_ENOMEM, "out of memory");
			}
			snprintf(t->tmpdir, n, "%s%s%s", parent, strcmp(parent, "/") ? "/" : "", name);
			free(parent);
			return 0;
		}
		if (errno != EEXIST) break;
	}
	int e = errno;
	free(parent);
	return ekv_fail_errno(err, e, "cannot create a temporary directory beside \"%s\"", t->root);
}

/* D14: spill files never go inside the dump (they would be listed, or
 * removed with a failed run's tree): walk up from tmpdir looking for the
 * root. A missing tmpdir is left for the spill code to report. */
static int check_tmpdir_outside(struct ekv_tree *t, const char *tmpdir, struct ekv_error *err)
{
	struct stat root_st, st, up_st;
	if (fstat(t->root_fd, &root_st) < 0) return ekv_fail_errno(err, errno, "cannot stat \"%s\"", t->root);
	int fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int depth = 0; fd >= 0 && depth < 4096; depth++) {
		if (fstat(fd, &st) < 0) break;
		if (st.st_dev == root_st.st_dev && st.st_ino == root_st.st_ino) {
			close(fd);
			return ekv_fail(err, EKV_EUSAGE, "tmpdir \"%s\" is inside the output root \"%s\"",
					tmpdir, t->root);
		}
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = up;
		if (fd < 0 || fstat(fd, &up_st) < 0) break;
		if (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino) break;   /* reached "/" */
	}
	if (fd >= 0) close(fd);
	return 0;
}

int ekv_tree_create(const char *root, const char *tmpdir, struct ekv_tree **out,
		    struct ekv_error *err)
{
	*out = NULL;
	if (!root || !*root) return ekv_fail(err, EKV_EUSAGE, "no output root given");
	struct ekv_tree *t = calloc(1, sizeof *t);
	if (!t) return ekv_fail(err, EKV_ENOMEM, "out of memory");
	t->root_fd = t->parent_fd = -1;
	for (int i = 0; i < DIR_CACHE; i++) {
		ekv_buf_init(&t->dirs[i].rel);
		t->dirs[i].fd = -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	t->rand_state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
			((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)t;
	int st;
	t->root = strdup(root);
	if (!t->root) {
		st = ekv_fail(err, EKV_ENOMEM, "out of memory");
		goto fail;
	}
	if ((st = open_root(t, err))) goto fail;
	if (tmpdir) {
		if ((st = check_tmpdir_outside(t, tmpdir, err))) goto fail;
		if (!(t->tmpdir = strdup(tmpdir))) {
			st = ekv_fail(err, EKV_ENOMEM, "out of memory");
			goto fail;
		}
	} else if ((st = make_tmpdir(t, err))) {
		goto fail;
	}
	if ((st = ekv_sorter_new(t->tmpdir, SUMS_MEM_LIMIT, &t->sums, err))) goto fail;
	*out = t;
	return 0;
fail:
	ekv_tree_close(t, 0);
	return st;
}

const char *ekv_tree_tmpdir(const struct ekv_tree *t)
{
	return t->tmpdir;
}

int ekv_tree_mkdirs(struct ekv_tree *t, const char *rel, struct ekv_error *err)
{
	int st = check_rel(rel, err);
	if (st) return st;
	/* dir_of works on a file path's parent: give it "rel/x" semantics */
	size_t n = strlen(rel);
	char *tmp = malloc(n + 3);
	if (!tmp) return ekv_fail(err, EKV_ENOMEM, "out of memory");
	memcpy(tmp, rel, n);
	memcpy(tmp + n, "/x", 3);
	int fd = dir_of(t, tmp, 1, err);
	free(tmp);
	return fd < 0 ? (int)(err ? err->code : EKV_EIO) : 0;
}

static int create_fail(struct ekv_tree *t, int e, const char *rel, struct ekv_error *err)
{
	(void)t;
	int st;
	if (e == EEXIST)
		st = ekv_fail(err, EKV_EEXIST, "\"%s\" already exists (never overwritten)", rel);
	else if (e == ELOOP)
		st = ekv_fail(err, EKV_EUNSAFE, "\"%s\" is a symlink", rel);
	else
		st = ekv_fail_errno(err, e, "cannot create \"%s\"", rel);
	ekv_error_set_file(err, rel, 0);
	return st;
}

/* Files created after finish would be missing from CHECKSUMS; a path
 * whose CHECKSUMS line would pass the readers' line cap could never
 * verify, so it fails now (fail closed) rather than at finish. */
static int check_open(const struct ekv_tree *t, const char *rel, struct ekv_error *err)
{
	if (t->finished)
		return ekv_fail(err, EKV_EUSAGE, "\"%s\": dump tree already finished", rel);
	if (t->cancel && *t->cancel) return ekv_fail(err, EKV_ECANCELED, "canceled");
	size_t line = 64 + 2, esc = 0;
	for (const char *p = rel; *p; p++, line++)
		if (*p == '\n' || *p == '\r' || *p == '\\') esc++;
	line += esc + (esc ? 1 : 0);
	if (line > EKV_CHECKSUMS_LINE_MAX)
		return ekv_fail(err, EKV_ELIMIT, "path too long for a CHECKSUMS line (%zu > %d bytes): \"%.64s...\"",
				line, EKV_CHECKSUMS_LINE_MAX, rel);
	return check_rel(rel, err);
}

int ekv_tree_write(struct ekv_tree *t, const char *rel, const void *data, size_t len,
		   struct ekv_error *err)
{
	int st = check_open(t, rel, err);
	if (st) return st;
	int dfd = dir_of(t, rel, 1, err);
	if (dfd < 0) return err ? (int)err->code : EKV_EIO;
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	int fd = openat(dfd, name, FILE_CREATE_FLAGS, 0644);
	if (fd < 0) return create_fail(t, errno, rel, err);
	if (write_all(fd, data, len) < 0 || close(fd) < 0) {
		int e = errno;
		close(fd);
		unlinkat(dfd, name, 0);
		st = ekv_fail_errno(err, e, "cannot write \"%s\"", rel);
		ekv_error_set_file(err, rel, 0);
		return st;
	}
	uint8_t digest[32];
	ekv_sha256(data, len, digest);
	return record_sum(t, rel, digest, len, err);
}

static int file_new(struct ekv_tree *t, const char *rel, int temp, struct ekv_file **out,
		    struct ekv_error *err)
{
	*out = NULL;
	int st = check_open(t, rel, err);
	if (st) return st;
	int cfd = dir_of(t, rel, 1, err);
	if (cfd < 0) return err ? (int)err->code : EKV_EIO;
	struct ekv_file *f = calloc(1, sizeof *f);
	if (!f) return ekv_fail(err, EKV_ENOMEM, "out of memory");
	f->t = t;
	f->fd = -1;
	f->rel = strdup(rel);
	f->dir_fd = fcntl(cfd, F_DUPFD_CLOEXEC, 0);
	f->sha = ekv_sha256_new();
	if (!f->rel || f->dir_fd < 0 || !f->sha) {
		st = f->dir_fd < 0 ? ekv_fail_errno(err, errno, "cannot duplicate descriptor")
				   : ekv_fail(err, EKV_ENOMEM, "out of memory");
		goto fail;
	}
	const char *slash = strrchr(f->rel, '/');
	f->name = slash ? slash + 1 : f->rel;
	if (!temp) {
		f->fd = openat(f->dir_fd, f->name, FILE_CREATE_FLAGS, 0644);
		if (f->fd < 0) {
			st = create_fail(t, errno, rel, err);
			goto fail;
		}
	} else {
		/* D23: refuse up front when the final path is taken; the
		 * no-replace rename at commit is the authoritative check. */
		struct stat sb;
		if (fstatat(f->dir_fd, f->name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			st = create_fail(t, EEXIST, rel, err);
			goto fail;
		}
		char name[NAME_MAX + 1];
		for (int tries = 0; tries < 100 && f->fd < 0; tries++) {
			temp_name(t, name, sizeof name, f->name, "tmp");
			f->fd = openat(f->dir_fd, name, FILE_CREATE_FLAGS, 0644);
			if (f->fd < 0 && errno != EEXIST) break;
		}
		if (f->fd < 0) {
			st = create_fail(t, errno == EEXIST ? EIO : errno, rel, err);
			goto fail;
		}
		if (!(f->tmp_name = strdup(name))) {
			unlinkat(f->dir_fd, name, 0);
			st = ekv_fail(err, EKV_ENOMEM, "out of memory");
			goto fail;
		}
	}
	t->open_files++;
	*out = f;
	return 0;
fail:
	close_fd(&f->fd);
	close_fd(&f->dir_fd);
	ekv_sha256_free(f->sha);
	free(f->rel);
	free(f);
	return st;
}

int ekv_tree_open(struct ekv_tree *t, const char *rel, struct ekv_file **out, struct ekv_error *err)
{
	return file_new(t, rel, 0, out, err);
}

int ekv_tree_open_temp(struct ekv_tree *t, const char *rel, struct ekv_file **out,
		       struct ekv_error *err)
{
	return file_new(t, rel, 1, out, err);
}

static int file_flush(struct ekv_file *f, struct ekv_error *err)
{
	if (!f->buf_len) return 0;
	if (write_all(f->fd, f->buf, f->buf_len) < 0) {
		int st = ekv_fail_errno(err, errno, "cannot write \"%s\"", f->rel);
		ekv_error_set_file(err, f->rel, 0);
		return st;
	}
	f->buf_len = 0;
	return 0;
}

void ekv_tree_set_cancel(struct ekv_tree *t, const volatile int *cancel)
{
	t->cancel = cancel;
}

int ekv_file_write(struct ekv_file *f, const void *data, size_t len, struct ekv_error *err)
{
	if (!len) return 0;
	if (f->t->cancel && *f->t->cancel) return ekv_fail(err, EKV_ECANCELED, "canceled");
	ekv_sha256_update(f->sha, data, len);
	f->size += len;
	if (f->buf_len + len <= FILE_BUF_SIZE) {
		if (!f->buf && !(f->buf = malloc(FILE_BUF_SIZE)))
			return ekv_fail(err, EKV_ENOMEM, "out of memory");
		memcpy(f->buf + f->buf_len, data, len);
		f->buf_len += len;
		return 0;
	}
	int st = file_flush(f, err);
	if (st) return st;
	if (len >= FILE_BUF_SIZE) {
		if (write_all(f->fd, data, len) < 0) {
			st = ekv_fail_errno(err, errno, "cannot write \"%s\"", f->rel);
			ekv_error_set_file(err, f->rel, 0);
			return st;
		}
		return 0;
	}
	if (!f->buf && !(f->buf = malloc(FILE_BUF_SIZE)))
		return ekv_fail(err, EKV_ENOMEM, "out of memory");
	memcpy(f->buf, data, len);
	f->buf_len = len;
	return 0;
}

uint64_t ekv_file_size(const struct ekv_file *f)
{
	return f->size;
}

static void file_free(struct ekv_file *f)
{
	close_fd(&f->fd);
	close_fd(&f->dir_fd);
	if (f->sha) ekv_sha256_free(f->sha);
	f->t->open_files--;
	free(f->buf);
	free(f->tmp_name);
	free(f->rel);
	free(f);
}

/* D23/D24: publish a temp file without replacing an existing entry. */
static int publish(int dir_fd, const char *tmp, const char *name)
{
	if (renameat2(dir_fd, tmp, dir_fd, name, RENAME_NOREPLACE) == 0) return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return -1;
	/* file systems without RENAME_NOREPLACE: link refuses an existing name */
	if (linkat(dir_fd, tmp, dir_fd, name, 0) < 0) return -1;
	unlinkat(dir_fd, tmp, 0);
	return 0;
}

int ekv_file_commit(struct ekv_file *f, struct ekv_error *err)
{
	int st = file_flush(f, err);
	if (!st && close(f->fd) < 0) {
		f->fd = -1;
		st = ekv_fail_errno(err, errno, "cannot write \"%s\"", f->rel);
		ekv_error_set_file(err, f->rel, 0);
	}
	f->fd = -1;
	if (!st && f->tmp_name && publish(f->dir_fd, f->tmp_name, f->name) < 0)
		st = create_fail(f->t, errno, f->rel, err);
	if (st) {
		unlinkat(f->dir_fd, f->tmp_name ? f->tmp_name : f->name, 0);
		file_free(f);
		return st;
	}
	uint8_t digest[32];
	ekv_sha256_final(f->sha, digest);
	f->sha = NULL;
	st = record_sum(f->t, f->rel, digest, f->size, err);
	file_free(f);
	return st;
}

void ekv_file_abort(struct ekv_file *f)
{
	if (!f) return;
	close_fd(&f->fd);
	unlinkat(f->dir_fd, f->tmp_name ? f->tmp_name : f->name, 0);
	file_free(f);
}

int ekv_tree_exists(struct ekv_tree *t, const char *rel)
{
	if (check_rel(rel, NULL)) return 0;
	struct ekv_error e = { 0 };
	int dfd = dir_of(t, rel, 0, &e);
	if (dfd < 0) return e.code != EKV_EIO || e.sys_errno != ENOENT;
	const char *slash = strrchr(rel, '/');
	struct stat st;
	return fstatat(dfd, slash ? slash + 1 : rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- finishing: CHECKSUMS, then MANIFEST.json ---- */

static int write_checksums(struct ekv_tree *t, struct ekv_error *err)
{
	int fd = openat(t->root_fd, EKV_CHECKSUMS_FILE, FILE_CREATE_FLAGS, 0644);
	if (fd < 0) return create_fail(t, errno, EKV_CHECKSUMS_FILE, err);
	struct ekv_buf out = EKV_BUF_INIT;
	const uint8_t *k, *v, *prev = NULL;
	size_t kl, vl, prev_len = 0;
	struct ekv_buf last = EKV_BUF_INIT;
	int st = ekv_sorter_finish(t->sums, err);
	int r = 0;
	while (!st && (r = ekv_sorter_next(t->sums, &k, &kl, &v, &vl, err)) > 0) {
		/* exclusive creates make paths unique; a repeat is a bug */
		if (prev && kl == prev_len && memcmp(k, prev, kl) == 0) {
			st = ekv_fail(err, EKV_EEXIST, "\"%.*s\" recorded twice", (int)kl, (const char *)k);
			break;
		}
		if (ekv_buf_set(&last, k, kl) || ekv_checksums_format_line(&out, v, k, kl)) {
			st = ekv_fail(err, EKV_ENOMEM, "out of memory");
			break;
		}
		prev = last.data;
		prev_len = last.len;
		if (out.len >= FILE_BUF_SIZE) {
			if (write_all(fd, out.data, out.len) < 0) {
				st = ekv_fail_errno(err, errno, "cannot write CHECKSUMS");
				break;
			}
			ekv_buf_reset(&out);
		}
	}
	if (!st && r < 0) st = err ? (int)err->code : EKV_EIO;
	if (!st && out.len && write_all(fd, out.data, out.len) < 0)
		st = ekv_fail_errno(err, errno, "cannot write CHECKSUMS");
	if (!st && fsync(fd) < 0) st = ekv_fail_errno(err, errno, "cannot sync CHECKSUMS");
	if (close(fd) < 0 && !st) st = ekv_fail_errno(err, errno, "cannot write CHECKSUMS");
	ekv_buf_release(&out);
	ekv_buf_release(&last);
	return st;
}

static int write_manifest(struct ekv_tree *t, const void *data, size_t len, struct ekv_error *err)
{
	char name[NAME_MAX + 1];
	int fd = -1;
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		temp_name(t, name, sizeof name, EKV_MANIFEST_FILE, "tmp");
		fd = openat(t->root_fd, name, FILE_CREATE_FLAGS, 0644);
		if (fd < 0 && errno != EEXIST) break;
	}
	if (fd < 0) return create_fail(t, errno, EKV_MANIFEST_FILE, err);
	int st = 0;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		st = ekv_fail_errno(err, errno, "cannot write " EKV_MANIFEST_FILE);
	if (close(fd) < 0 && !st) st = ekv_fail_errno(err, errno, "cannot write " EKV_MANIFEST_FILE);
	if (!st && publish(t->root_fd, name, EKV_MANIFEST_FILE) < 0)
		st = create_fail(t, errno, EKV_MANIFEST_FILE, err);
	if (st) unlinkat(t->root_fd, name, 0);
	return st;
}

int ekv_tree_finish(struct ekv_tree *t, const void *manifest, size_t manifest_len,
		    struct ekv_error *err)
{
	if (t->finished) return ekv_fail(err, EKV_EUSAGE, "dump tree already finished");
	if (t->open_files)
		return ekv_fail(err, EKV_EUSAGE, "%u file(s) still open at finish", t->open_files);
	uint8_t digest[32];
	ekv_sha256(manifest, manifest_len, digest);
	int st = ekv_sorter_add(t->sums, EKV_MANIFEST_FILE, strlen(EKV_MANIFEST_FILE), digest, 32, err);
	if (st) return st;
	/* Data files are written without fsync; one syncfs makes them
	 * durable before CHECKSUMS and the MANIFEST commit marker exist. */
	if (syncfs(t->root_fd) < 0) return ekv_fail_errno(err, errno, "cannot sync \"%s\"", t->root);
	if ((st = write_checksums(t, err))) return st;
	if ((st = write_manifest(t, manifest, manifest_len, err))) return st;
	if (fsync(t->root_fd) < 0) return ekv_fail_errno(err, errno, "cannot sync \"%s\"", t->root);
	if (t->created_root && fsync(t->parent_fd) < 0)
		return ekv_fail_errno(err, errno, "cannot sync the parent of \"%s\"", t->root);
	for (size_t i = 0; i < t->n_parents; i++)   /* directories we created above the root */
		if (fsync(t->parents[i].parent_fd) < 0)
			return ekv_fail_errno(err, errno, "cannot sync the parents of \"%s\"", t->root);
	t->files++;
	t->bytes += manifest_len;
	t->finished = 1;
	return 0;
}

uint64_t ekv_tree_file_count(const struct ekv_tree *t)
{
	return t->files;
}

uint64_t ekv_tree_byte_count(const struct ekv_tree *t)
{
	return t->bytes;
}

/* ---- cleanup ---- */

/* Removes everything inside directory fd, never following a symlink
 * (entries are unlinked, subdirectories opened with O_NOFOLLOW). */
static void remove_contents(int fd, int depth)
{
	if (depth > 256) return;
	for (int pass = 0; pass < 4; pass++) {
		int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) return;
		DIR *d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			return;
		}
		int left = 0;
		struct dirent *de;
		while ((de = readdir(d))) {
			const char *n = de->d_name;
			if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
			if (unlinkat(fd, n, 0) == 0) continue;
			int sub = openat(fd, n, DIR_OPEN_FLAGS);
			if (sub >= 0) {
				remove_contents(sub, depth + 1);
				close(sub);
			}
			if (unlinkat(fd, n, AT_REMOVEDIR) < 0) left = 1;
		}
		closedir(d);
		if (!left) return;
	}
}

void ekv_tree_close(struct ekv_tree *t, int keep_partial)
{
	if (!t) return;
	ekv_sorter_free(t->sums);
	for (int i = 0; i < DIR_CACHE; i++) {
		close_fd(&t->dirs[i].fd);
		ekv_buf_release(&t->dirs[i].rel);
	}
	int cleanup = !t->finished && !keep_partial;
	if (cleanup && t->owns_contents && t->root_fd >= 0) {
		remove_contents(t->root_fd, 0);
		close_fd(&t->root_fd);
		if (t->created_root) unlinkat(t->parent_fd, t->root_name, AT_REMOVEDIR);
	}
	if (t->tmpdir_name) {
		int fd = openat(t->parent_fd, t->tmpdir_name, DIR_OPEN_FLAGS);
		if (fd >= 0) {
			remove_contents(fd, 0);
			close(fd);
		}
		unlinkat(t->parent_fd, t->tmpdir_name, AT_REMOVEDIR);
	}
	/* parents are removed after the tmpdir, which lives in the innermost */
	if (cleanup)
		for (size_t i = t->n_parents; i-- > 0;)
			unlinkat(t->parents[i].parent_fd, t->parents[i].name, AT_REMOVEDIR);
	for (size_t i = 0; i < t->n_parents; i++) {
		close(t->parents[i].parent_fd);
		free(t->parents[i].name);
	}
	free(t->parents);
	close_fd(&t->root_fd);
	close_fd(&t->parent_fd);
	free(t->root_name);
	free(t->tmpdir);
	free(t->tmpdir_name);
	free(t->root);
	free(t);
}
