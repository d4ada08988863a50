/*
 * Where inline chunk bytes come back from when an object is assembled
 * (D24: each body byte is written once into the output, no per-chunk
 * scratch files).
 *
 * Blob rows arrive before the bucket meta and the manifest that give them
 * meaning (s3.md §4.10), so the decoder only records where each value is.
 * When the input is a regular file that is the input itself: the body is
 * read back with pread at the record's offset (a second read pass, D24).
 * For a pipe the value bodies are appended to one unlinked spill file in
 * the tmpdir (D14) and read back from there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "s3_internal.h"
#include "../../lib/error.h"

struct s3_source {
	int fd;
	int spill;             /* 1: fd is our spill file, offsets are ours */
	uint64_t spill_size;
};

static int open_spill(const char *tmpdir, struct s3_source *s, struct ekv_error *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/ekv-s3-spill-XXXXXX", tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) return ekv_fail_errno(err, errno, "s3: cannot create spill file in %s", path);
	unlink(path);
	s->fd = fd;
	s->spill = 1;
	return 0;
}

int s3_source_new(const char *input, const char *tmpdir, struct s3_source **out,
		  struct ekv_error *err)
{
	struct s3_source *s = calloc(1, sizeof *s);
	if (!s) return ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	s->fd = -1;
	struct stat st;
	/* never open a FIFO a second time: stat first, and open without blocking */
	int fd = input && stat(input, &st) == 0 && S_ISREG(st.st_mode)
			 ? open(input, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
			 : -1;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		s->fd = fd;
	} else {
		if (fd >= 0) close(fd);
		int rc = open_spill(tmpdir, s, err);
		if (rc) {
			free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int s3_source_add(struct s3_source *s, const struct ekv_record *rec, uint64_t *loc_off,
		  struct ekv_error *err)
{
	if (!s->spill) {
		/* container.md §2.1: keyLen, key (user key + 8), valLen, 9-byte header, body */
		*loc_off = rec->offset + 8 + rec->key_len + 8 + 8 + 9;
		return 0;
	}
	if (write_all(s->fd, rec->value, rec->value_len, s->spill_size))
		return ekv_fail_errno(err, errno, "s3: cannot write the chunk spill file");
	*loc_off = s->spill_size;
	s->spill_size += rec->value_len;
	return 0;
}

int s3_source_read(struct s3_source *s, uint64_t loc_off, uint64_t len, uint64_t at,
		   void *buf, size_t n, struct ekv_error *err)
{
	if (at == 0 && !s->spill) {
		/* the valLen field in front of the body must still say what we saw */
		uint8_t vl[8];
		if (pread(s->fd, vl, 8, (off_t)(loc_off - 17)) != 8 || ekv_le64(vl) != len + 9)
			return ekv_fail(err, EKV_EIO, "s3: input changed while decoding (chunk at offset %llu)",
					(unsigned long long)loc_off);
	}
	uint8_t *p = buf;
	uint64_t off = loc_off + at;
	while (n) {
		ssize_t r = pread(s->fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return ekv_fail_errno(err, errno, "s3: cannot read chunk bytes back");
		if (r == 0) return ekv_fail(err, EKV_EIO, "s3: input shorter than recorded chunk");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

void s3_source_free(struct s3_source *s)
{
	if (!s) return;
	if (s->fd >= 0) close(s->fd);
	free(s);
}
