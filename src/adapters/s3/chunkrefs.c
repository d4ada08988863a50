/*
 * Offloaded chunks (s3.md §3.6-§3.7, §4.3 chunk-ref resolution) with
 * bounded memory (D14): chunk blobs are indexed by digest and chunk refs
 * by the digest they name, each in a spilling sorter; at finish one merge
 * of the two digest-ordered streams resolves every ref and files it into
 * the `objs` index with its blob's location (or "no blob"), so the object
 * walk needs no table of blobs.
 *   cblobs  digest[32]                     -> BE64(off) BE64(len)
 *   refs    digest[32] BE64(seq)           -> objs key ‖ BE64(ref size)
 *   objs    …                              -> 'R' found BE64(size) BE64(off) BE64(len)
 */
#include <string.h>
#include "s3_decode.h"
#include "../../lib/error.h"
#include "../../lib/util.h"

int s3_note_chunkblob(struct s3_state *s, const uint8_t digest[32], uint64_t off, uint64_t len,
		      struct ekv_error *err)
{
	uint8_t v[16];
	ekv_put_be64(v, off);
	ekv_put_be64(v + 8, len);
	return ekv_sorter_add(s->cblobs, digest, 32, v, 16, err);
}

int s3_note_chunkref(struct s3_state *s, const uint8_t digest[32], uint64_t size,
		     const struct ekv_buf *objs_key, struct ekv_error *err)
{
	uint8_t k[40];
	struct ekv_buf v = EKV_BUF_INIT;
	memcpy(k, digest, 32);
	ekv_put_be64(k + 32, s->ref_seq++);
	int rc = ekv_buf_append(&v, objs_key->data, objs_key->len) || ekv_buf_append_be64(&v, size)
			 ? ekv_fail(err, EKV_ENOMEM, "s3: out of memory")
			 : ekv_sorter_add(s->refs, k, 40, v.data, v.len, err);
	ekv_buf_release(&v);
	return rc;
}

struct blob_cursor {
	int state;             /* 0 unread, 1 have, 2 end */
	uint8_t digest[32];
	uint64_t off, len;
};

/* Moves the blob stream to the last blob whose digest is <= want. */
static int blob_seek(struct s3_state *s, struct blob_cursor *c, const uint8_t *want, struct ekv_error *err)
{
	for (;;) {
		if (c->state == 1 && memcmp(c->digest, want, 32) >= 0) return 0;
		const uint8_t *k, *v;
		size_t kl, vl;
		int r = ekv_sorter_next(s->cblobs, &k, &kl, &v, &vl, err);
		if (r < 0) return err->code ? (int)err->code : EKV_EIO;
		if (r == 0) {
			c->state = 2;
			return 0;
		}
		/* an equal digest again (upper/lower-case key spellings): last wins */
		memcpy(c->digest, k, 32);
		c->off = ekv_be64(v);
		c->len = ekv_be64(v + 8);
		c->state = 1;
		if (memcmp(c->digest, want, 32) > 0) return 0;
	}
}

int s3_resolve_chunkrefs(struct s3_state *s, struct ekv_error *err)
{
	struct blob_cursor c = { 0 };
	const uint8_t *k, *v;
	size_t kl, vl;
	int r = 0, rc = ekv_sorter_finish(s->cblobs, err);
	if (!rc) rc = ekv_sorter_finish(s->refs, err);
	while (!rc && (r = ekv_sorter_next(s->refs, &k, &kl, &v, &vl, err)) == 1) {
		if (vl < 8) return ekv_fail(err, EKV_EDATA, "s3: internal: bad chunk ref index");
		uint8_t out[33];
		if ((rc = blob_seek(s, &c, k, err))) break;
		int found = c.state == 1 && memcmp(c.digest, k, 32) == 0;
		out[0] = 'R';
		out[1] = (uint8_t)found;
		memcpy(out + 2, v + vl - 8, 8);   /* the ref's size */
		ekv_put_be64(out + 10, found ? c.off : 0);
		ekv_put_be64(out + 18, found ? c.len : 0);
		/* the pointers of the refs stream stay valid until its next call */
		rc = ekv_sorter_add(s->objs, v, vl - 8, out, 26, err);
	}
	if (!rc && r < 0) rc = err->code ? (int)err->code : EKV_EIO;
	return rc;
}
