/* The .fsm stream: reader with the node wrapper (D3), operational keys
 * (D2), MVCC decoding, the newest-version filter (D1), and the writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "container.h"
#include "error.h"
#include "util.h"

#define READ_BUF (1u << 20)

struct ekv_reader {
	int fd;
	uint8_t *buf;
	size_t start, end;          /* unconsumed bytes are buf[start, end) */
	int eof;
	uint64_t pos;               /* file offset of buf[start] */
	uint32_t crc;               /* CRC32C of every consumed byte */
	int wrapper;
	uint64_t last_commit_ts;
	struct ekv_buf key, value;
	const volatile int *cancel;
};

/* Makes at least n bytes available unless the file ends first. */
static int fill(struct ekv_reader *r, size_t n, struct ekv_error *err)
{
	if (r->end - r->start >= n || r->eof) return EKV_OK;
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	while (r->end < n && r->end < READ_BUF && !r->eof) {
		ssize_t k = read(r->fd, r->buf + r->end, READ_BUF - r->end);
		if (k < 0) {
			if (errno != EINTR) return ekv_fail_errno(err, errno, "read snapshot");
			if (r->cancel && *r->cancel) return ekv_fail(err, EKV_ECANCELED, "canceled");
			continue;
		}
		if (k == 0) r->eof = 1;
		r->end += (size_t)k;
	}
	return EKV_OK;
}

static size_t avail(const struct ekv_reader *r)
{
	return r->end - r->start;
}

static void consume(struct ekv_reader *r, void *dst, size_t n)
{
	if (dst) memcpy(dst, r->buf + r->start, n);
	r->crc = ekv_crc32c(r->crc, r->buf + r->start, n);
	r->start += n;
	r->pos += n;
}

/* Reads exactly n bytes into out (appending). EKV_ETRUNCATED if short. */
static int read_exact(struct ekv_reader *r, struct ekv_buf *out, size_t n, struct ekv_error *err)
{
	while (n) {
		size_t want = n < READ_BUF ? n : READ_BUF;
		int rc = fill(r, want, err);
		if (rc) return rc;
		size_t k = avail(r) < n ? avail(r) : n;
		if (k == 0) return ekv_fail(err, EKV_ETRUNCATED, "snapshot truncated mid-entry");
		/* grow as bytes arrive: a corrupt length never allocates ahead */
		if (ekv_buf_reserve(out, k)) return ekv_fail(err, EKV_ENOMEM, "out of memory reading snapshot");
		consume(r, out->data + out->len, k);
		out->len += k;
		n -= k;
	}
	return EKV_OK;
}

static int read_header_bytes(struct ekv_reader *r, uint8_t *dst, size_t n, const char *what,
			     struct ekv_error *err)
{
	int rc = fill(r, n, err);
	if (rc) return rc;
	if (avail(r) < n) {
		rc = ekv_fail(err, EKV_ETRUNCATED, "snapshot truncated in the %s", what);
		ekv_error_set_offset(err, r->pos);
		return rc;
	}
	consume(r, dst, n);
	return EKV_OK;
}

static int unsupported_magic(const uint8_t m[8], struct ekv_error *err)
{
	if (memcmp(m, "EKVSSTI1", 8) == 0)
		return ekv_fail(err, EKV_EUNSUPPORTED,
				"snapshot is an SST-ingest bundle (EKVSSTI1), not an EKVPBBL1 stream; "
				"it needs a Pebble SST reader and cannot be decoded");
	if (memcmp(m, "EKVMVCC2", 8) == 0)
		return ekv_fail(err, EKV_EUNSUPPORTED,
				"snapshot is an in-memory MVCC store stream (EKVMVCC2), not an EKVPBBL1 stream");
	if (memcmp(m, "EKVTHLC", 7) == 0)
		return ekv_fail(err, EKV_EUNSUPPORTED,
				"node snapshot header version EKVTHLC%c is unknown to this build", m[7]);
	char shown[8 * 4 + 1];
	size_t o = 0;
	for (int i = 0; i < 8; i++)
		o += (size_t)(m[i] >= 0x20 && m[i] < 0x7f ? snprintf(shown + o, sizeof shown - o, "%c", m[i])
							    : snprintf(shown + o, sizeof shown - o, "\\x%02x", m[i]));
	return ekv_fail(err, EKV_EBADMAGIC, "snapshot magic \"%s\" does not match \"EKVPBBL1\"", shown);
}

/* D3: strips an EKVTHLC1/2 header, then expects the EKVPBBL1 magic. */
static int read_preamble(struct ekv_reader *r, struct ekv_error *err)
{
	uint8_t m[8];
	int rc = read_header_bytes(r, m, 8, "magic", err);
	if (rc) return rc;
	if (memcmp(m, "EKVTHLC1", 8) == 0) {
		uint8_t ceil[8];
		if ((rc = read_header_bytes(r, ceil, 8, "EKVTHLC1 header", err))) return rc;
		r->wrapper = 1;
	} else if (memcmp(m, "EKVTHLC2", 8) == 0) {
		uint8_t l[2];
		if ((rc = read_header_bytes(r, l, 2, "EKVTHLC2 header", err))) return rc;
		uint16_t len = ekv_be16(l);
		if (len < 16 || len > 1024)
			return ekv_fail(err, EKV_EUNSUPPORTED,
					"EKVTHLC2 header length %u is outside 16..1024", len);
		uint8_t skip[1024];
		if ((rc = read_header_bytes(r, skip, len, "EKVTHLC2 header", err))) return rc;
		r->wrapper = 2;
	}
	if (r->wrapper) {
		if ((rc = read_header_bytes(r, m, 8, "magic", err))) return rc;
	}
	if (memcmp(m, EKV_MAGIC, 8) != 0) {
		rc = unsupported_magic(m, err);
		ekv_error_set_offset(err, r->pos - 8);
		return rc;
	}
	uint8_t ts[8];
	if ((rc = read_header_bytes(r, ts, 8, "header timestamp", err))) return rc;
	r->last_commit_ts = ekv_le64(ts);
	return EKV_OK;
}

int ekv_reader_new(int fd, uint64_t total_size, struct ekv_reader **out, struct ekv_error *err)
{
	return ekv_reader_new_cancelable(fd, total_size, NULL, out, err);
}

int ekv_reader_new_cancelable(int fd, uint64_t total_size, const volatile int *cancel,
			      struct ekv_reader **out, struct ekv_error *err)
{
	(void)total_size;
	struct ekv_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->buf = malloc(READ_BUF))) {
		free(r);
		return ekv_fail(err, EKV_ENOMEM, "out of memory");
	}
	r->fd = fd;
	r->cancel = cancel;
	ekv_buf_init(&r->key);
	ekv_buf_init(&r->value);
	int rc = read_preamble(r, err);
	if (rc) {
		ekv_reader_free(r);
		return rc;
	}
	*out = r;
	return EKV_OK;
}

uint64_t ekv_reader_last_commit_ts(const struct ekv_reader *r)
{
	return r->last_commit_ts;
}

int ekv_reader_wrapper(const struct ekv_reader *r)
{
	return r->wrapper;
}

uint64_t ekv_reader_bytes_read(const struct ekv_reader *r)
{
	return r->pos;
}

/* At an entry boundary with 4 bytes left: a CRC32C footer (D3). */
static int check_footer(struct ekv_reader *r, struct ekv_error *err)
{
	uint32_t want = r->crc;
	uint8_t f[4];
	uint64_t at = r->pos;
	consume(r, f, 4);
	if (ekv_be32(f) != want) {
		int rc = r->wrapper ? ekv_fail(err, EKV_ECRC,
					       "node snapshot CRC32C footer %08x does not match the data (%08x)",
					       ekv_be32(f), want)
				    : ekv_fail(err, EKV_ETRUNCATED, "snapshot truncated in an entry length");
		ekv_error_set_offset(err, at);
		return rc;
	}
	if (!r->wrapper) r->wrapper = 3;
	return EKV_OK;
}

/* Reads a LE64 length at an entry boundary. Returns 1 at the clean end. */
static int read_entry_start(struct ekv_reader *r, uint64_t *klen, struct ekv_error *err)
{
	int rc = fill(r, 12, err);
	if (rc) return rc;
	size_t a = avail(r);
	if (a == 0 && r->eof) {
		if (r->wrapper)
			return ekv_fail(err, EKV_ETRUNCATED, "node snapshot ends without its CRC32C footer");
		return 1;
	}
	if (a == 4 && r->eof) {
		if ((rc = check_footer(r, err))) return rc;
		return 1;
	}
	if (a < 8) return ekv_fail(err, EKV_ETRUNCATED, "snapshot truncated in an entry length");
	uint8_t l[8];
	consume(r, l, 8);
	*klen = ekv_le64(l);
	return 0;
}

static int decode_mvcc(struct ekv_entry *e, struct ekv_error *err)
{
	if (e->raw_key_len < 8)
		return ekv_fail_key(err, EKV_ESHORTKEY, e->raw_key, e->raw_key_len,
				    "encoded key of %zu bytes is shorter than its 8-byte timestamp",
				    e->raw_key_len);
	if (e->raw_value_len < EKV_VALUE_HEADER)
		return ekv_fail_key(err, EKV_ESHORTVALUE, e->raw_key, e->raw_key_len,
				    "value of %zu bytes is shorter than its 9-byte header",
				    e->raw_value_len);
	uint8_t flags = e->raw_value[0];
	if (flags & 0xF8)
		return ekv_fail_key(err, EKV_EENCRESERVED, e->raw_key, e->raw_key_len,
				    "value flags 0x%02x set reserved bits", flags);
	unsigned state = (flags >> 1) & 3;
	if (state == 1)
		return ekv_fail_key(err, EKV_EENCRYPTED, e->raw_key, e->raw_key_len,
				    "entry is encrypted; decrypt the snapshot first");
	if (state > 1)
		return ekv_fail_key(err, EKV_EENCRESERVED, e->raw_key, e->raw_key_len,
				    "value flags 0x%02x use a reserved encryption state", flags);
	e->user_key = e->raw_key;
	e->user_key_len = e->raw_key_len - 8;
	e->commit_ts = ~ekv_be64(e->raw_key + e->user_key_len);
	e->tombstone = flags & 1;
	e->expire_at = ekv_le64(e->raw_value + 1);
	e->body = e->raw_value + EKV_VALUE_HEADER;
	e->body_len = e->raw_value_len - EKV_VALUE_HEADER;
	return EKV_OK;
}

static int read_entry(struct ekv_reader *r, struct ekv_entry *e, struct ekv_error *err)
{
	uint64_t klen = 0, vlen;
	int rc = read_entry_start(r, &klen, err);
	if (rc) return rc;
	if (klen > EKV_MAX_ENCODED_KEY)
		return ekv_fail(err, EKV_EKEYTOOLARGE, "key length %llu exceeds %llu",
				(unsigned long long)klen, EKV_MAX_ENCODED_KEY);
	ekv_buf_reset(&r->key);
	if ((rc = read_exact(r, &r->key, (size_t)klen, err))) return rc;
	uint8_t l[8];
	if ((rc = fill(r, 8, err))) return rc;
	if (avail(r) < 8) {
		rc = ekv_fail(err, EKV_ETRUNCATED, "snapshot truncated before a value length");
		ekv_error_set_key(err, r->key.data, r->key.len);
		return rc;
	}
	consume(r, l, 8);
	vlen = ekv_le64(l);
	if (vlen > EKV_MAX_ENCODED_VALUE)
		return ekv_fail_key(err, EKV_EVALUETOOLARGE, r->key.data, r->key.len,
				    "value length %llu exceeds %llu", (unsigned long long)vlen,
				    EKV_MAX_ENCODED_VALUE);
	ekv_buf_reset(&r->value);
	if ((rc = read_exact(r, &r->value, (size_t)vlen, err))) {
		ekv_error_set_key(err, r->key.data, r->key.len);
		return rc;
	}
	e->raw_key = r->key.data;
	e->raw_key_len = r->key.len;
	e->raw_value = r->value.data;
	e->raw_value_len = r->value.len;
	if (ekv_is_operational_key(e->raw_key, e->raw_key_len)) {
		e->operational = 1;
		return EKV_OK;
	}
	return decode_mvcc(e, err);
}

int ekv_reader_next(struct ekv_reader *r, struct ekv_entry *e, struct ekv_error *err)
{
	memset(e, 0, sizeof *e);
	e->offset = r->pos;
	int rc = read_entry(r, e, err);
	if (rc == 1) return 0;
	if (rc) {
		ekv_error_set_offset(err, e->offset);
		return rc;
	}
	return 1;
}

void ekv_reader_free(struct ekv_reader *r)
{
	if (!r) return;
	free(r->buf);
	ekv_buf_release(&r->key);
	ekv_buf_release(&r->value);
	free(r);
}

int ekv_is_operational_key(const uint8_t *k, size_t n)
{
	static const char *const meta[] = {
		"_meta_last_commit_ts", "_meta_min_retained_ts", "_meta_pending_min_retained_ts",
		"_meta_applied_index",
	};
	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
		if (n == strlen(meta[i]) && memcmp(k, meta[i], n) == 0) return 1;
	/* writer registry: "!encryption|writers|" BE32(dek) "|" BE16(node) */
	return n == 27 && memcmp(k, "!encryption|writers|", 20) == 0 && k[24] == '|';
}

/* D1 (container.md §2.7): the user keys still "open" are all prefixes of
 * the previous encoded key, so they are nested and identified by their
 * lengths alone. A new encoded key keeps those within its common prefix
 * with the previous one. Memory is bounded by the longest key. */
struct ekv_mvcc {
	struct ekv_buf prev;
	size_t *lens;               /* ascending */
	size_t n, cap;
};

struct ekv_mvcc *ekv_mvcc_new(void)
{
	struct ekv_mvcc *m = calloc(1, sizeof *m);
	if (m) ekv_buf_init(&m->prev);
	return m;
}

int ekv_mvcc_is_older(struct ekv_mvcc *m, const uint8_t *z, size_t zn, size_t vlen)
{
	size_t c = 0, lim = zn < m->prev.len ? zn : m->prev.len;
	while (c < lim && z[c] == m->prev.data[c]) c++;
	while (m->n && m->lens[m->n - 1] > c) m->n--;
	size_t i = 0;
	while (i < m->n && m->lens[i] < vlen) i++;
	int older = i < m->n && m->lens[i] == vlen;
	if (!older) {
		if (m->n == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 16;
			size_t *p = realloc(m->lens, cap * sizeof *p);
			if (!p) return -1;
			m->lens = p;
			m->cap = cap;
		}
		memmove(m->lens + i + 1, m->lens + i, (m->n - i) * sizeof *m->lens);
		m->lens[i] = vlen;
		m->n++;
	}
	if (ekv_buf_set(&m->prev, z, zn)) return -1;
	return older;
}

void ekv_mvcc_free(struct ekv_mvcc *m)
{
	if (!m) return;
	ekv_buf_release(&m->prev);
	free(m->lens);
	free(m);
}

int ekv_mvcc_encode_key(struct ekv_buf *out, const void *user_key, size_t n, uint64_t ts)
{
	if (ekv_buf_append(out, user_key, n)) return EKV_ENOMEM;
	return ekv_buf_append_be64(out, ~ts);
}

/* ---- writer ---- */

#define WRITE_BUF (1u << 20)

struct ekv_fsm_writer {
	int fd;
	int node_wrapper;
	uint8_t *buf;
	size_t len;
	uint64_t total;
	uint32_t crc;
	struct ekv_sha256_ctx *sha;
};

static int wflush(struct ekv_fsm_writer *w, struct ekv_error *err)
{
	size_t off = 0;
	while (off < w->len) {
		ssize_t k = write(w->fd, w->buf + off, w->len - off);
		if (k < 0) {
			if (errno == EINTR) continue;
			return ekv_fail_errno(err, errno, "write snapshot");
		}
		off += (size_t)k;
	}
	w->len = 0;
	return EKV_OK;
}

static int wput(struct ekv_fsm_writer *w, const void *p, size_t n, struct ekv_error *err)
{
	const uint8_t *s = p;
	w->crc = ekv_crc32c(w->crc, s, n);
	ekv_sha256_update(w->sha, s, n);
	w->total += n;
	while (n) {
		if (w->len == WRITE_BUF) {
			int rc = wflush(w, err);
			if (rc) return rc;
		}
		size_t k = WRITE_BUF - w->len < n ? WRITE_BUF - w->len : n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
	}
	return EKV_OK;
}

int ekv_fsm_writer_new(int fd, uint64_t ts, int node_wrapper, struct ekv_fsm_writer **out,
		       struct ekv_error *err)
{
	struct ekv_fsm_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->buf = malloc(WRITE_BUF)) || !(w->sha = ekv_sha256_new())) {
		if (w) free(w->buf);
		free(w);
		return ekv_fail(err, EKV_ENOMEM, "out of memory");
	}
	w->fd = fd;
	w->node_wrapper = node_wrapper;
	uint8_t h[16];
	int rc = EKV_OK;
	if (node_wrapper) {
		/* tools.md §8.7: ceilingMs = physical part of T + 1, 0 for T = 0 */
		memcpy(h, "EKVTHLC1", 8);
		ekv_put_be64(h + 8, ts ? (ts >> 16) + 1 : 0);
		rc = wput(w, h, 16, err);
	}
	memcpy(h, EKV_MAGIC, 8);
	ekv_put_le64(h + 8, ts);
	if (!rc) rc = wput(w, h, 16, err);
	if (rc) {
		ekv_fsm_writer_free(w);
		return rc;
	}
	*out = w;
	return EKV_OK;
}

int ekv_fsm_writer_add(struct ekv_fsm_writer *w, const void *key, size_t klen, const void *value,
		       size_t vlen, struct ekv_error *err)
{
	uint8_t l[8];
	int rc;
	ekv_put_le64(l, klen);
	if ((rc = wput(w, l, 8, err)) || (rc = wput(w, key, klen, err))) return rc;
	ekv_put_le64(l, vlen);
	if ((rc = wput(w, l, 8, err))) return rc;
	return wput(w, value, vlen, err);
}

int ekv_fsm_writer_add_live(struct ekv_fsm_writer *w, const void *key, size_t klen,
			    const void *body, size_t blen, struct ekv_error *err)
{
	uint8_t l[8], hdr[EKV_VALUE_HEADER] = { 0 };
	int rc;
	ekv_put_le64(l, klen);
	if ((rc = wput(w, l, 8, err)) || (rc = wput(w, key, klen, err))) return rc;
	ekv_put_le64(l, blen + EKV_VALUE_HEADER);
	if ((rc = wput(w, l, 8, err)) || (rc = wput(w, hdr, sizeof hdr, err))) return rc;
	return wput(w, body, blen, err);
}

int ekv_fsm_writer_finish(struct ekv_fsm_writer *w, char sha256_hex[65], uint64_t *bytes,
			  struct ekv_error *err)
{
	int rc = EKV_OK;
	if (w->node_wrapper) {
		uint8_t f[4];
		ekv_put_be32(f, w->crc);
		rc = wput(w, f, 4, err);
	}
	if (!rc) rc = wflush(w, err);
	if (rc) return rc;
	uint8_t d[EKV_SHA256_LEN];
	ekv_sha256_final(w->sha, d);
	w->sha = NULL;
	if (sha256_hex) ekv_hex_lower(sha256_hex, d, EKV_SHA256_LEN);
	if (bytes) *bytes = w->total;
	return EKV_OK;
}

void ekv_fsm_writer_free(struct ekv_fsm_writer *w)
{
	if (!w) return;
	ekv_sha256_free(w->sha);
	free(w->buf);
	free(w);
}
