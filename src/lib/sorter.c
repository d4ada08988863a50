/* External merge sort of (key, value) records with bounded memory (sorter.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "sorter.h"
#include "util.h"

/* At most this many spilled runs exist at once (see compact_runs). */
#define SORTER_FANIN 16
#define RUN_BUF (64u << 10)

/* In-memory batch: records appended to one arena as
 * LE64(klen) LE64(vlen) key value; `offs` indexes them. */
struct batch {
	struct ekv_buf arena;
	size_t *offs;
	size_t n, cap;
	size_t pos;                  /* iteration cursor after sorting */
};

struct run {
	FILE *f;
	struct ekv_buf cur;          /* current record: key then value */
	size_t klen, vlen;
	int has;                     /* cur holds a record */
};

struct ekv_sorter {
	char *tmpdir;
	size_t mem_limit;
	struct batch mem;
	struct run *runs;
	unsigned n_runs;
	unsigned spills;             /* batches written to disk so far */
	uint64_t count;
	int finished;
	int last;                    /* source returned last time, -1 none; n_runs = memory */
	unsigned *heap;              /* merge heap of source indexes */
	size_t heap_n;
};

static void rec_at(const struct batch *b, size_t off, const uint8_t **k, size_t *kl,
		   const uint8_t **v, size_t *vl)
{
	const uint8_t *p = b->arena.data + off;
	*kl = (size_t)ekv_le64(p);
	*vl = (size_t)ekv_le64(p + 8);
	*k = p + 16;
	*v = p + 16 + *kl;
}

int ekv_sorter_new(const char *tmpdir, size_t mem_limit, struct ekv_sorter **out,
		   struct ekv_error *err)
{
	struct ekv_sorter *s = calloc(1, sizeof *s);
	if (!s) return ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
	const char *dir = tmpdir ? tmpdir : getenv("TMPDIR");
	s->tmpdir = strdup(dir && *dir ? dir : "/tmp");
	if (!s->tmpdir) {
		free(s);
		return ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
	}
	s->mem_limit = mem_limit ? mem_limit : EKV_SORTER_DEFAULT_MEM;
	ekv_buf_init(&s->mem.arena);
	s->last = -1;
	*out = s;
	return EKV_OK;
}

static int cmp_offs(const void *a, const void *b, void *ctx)
{
	const struct batch *cmp_batch = ctx;
	size_t oa = *(const size_t *)a, ob = *(const size_t *)b;
	const uint8_t *ka, *kb, *va, *vb;
	size_t kla, klb, vla, vlb;
	rec_at(cmp_batch, oa, &ka, &kla, &va, &vla);
	rec_at(cmp_batch, ob, &kb, &klb, &vb, &vlb);
	int c = ekv_bytes_cmp(ka, kla, kb, klb);
	if (c) return c;
	return oa < ob ? -1 : oa > ob;   /* stable: insertion order */
}

static void sort_batch(struct batch *b)
{
	if (b->n) qsort_r(b->offs, b->n, sizeof *b->offs, cmp_offs, b);
	b->pos = 0;
}

static int write_all(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int compact_runs(struct ekv_sorter *s, struct ekv_error *err);

/* Creates an unlinked spill file in tmpdir and appends it as the newest run. */
static int new_run(struct ekv_sorter *s, struct run **out, struct ekv_error *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/.ekvsort-XXXXXX", s->tmpdir);
	int fd = mkstemp(path);
	if (fd < 0) return ekv_fail_errno(err, errno, "sorter: cannot create spill file in %s", s->tmpdir);
	unlink(path);
	FILE *f = fdopen(fd, "w+b");
	if (!f) {
		close(fd);
		return ekv_fail_errno(err, errno, "sorter: fdopen");
	}
	setvbuf(f, NULL, _IOFBF, RUN_BUF);
	struct run *r = realloc(s->runs, (s->n_runs + 1) * sizeof *r);
	if (!r) {
		fclose(f);
		return ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
	}
	s->runs = r;
	r = &s->runs[s->n_runs++];
	memset(r, 0, sizeof *r);
	r->f = f;
	ekv_buf_init(&r->cur);
	*out = r;
	return EKV_OK;
}

static int put_record(FILE *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
		      struct ekv_error *err)
{
	uint8_t hdr[16];
	ekv_put_le64(hdr, kl);
	ekv_put_le64(hdr + 8, vl);
	if (write_all(f, hdr, 16) || write_all(f, k, kl) || write_all(f, v, vl))
		return ekv_fail_errno(err, errno ? errno : EIO, "sorter: writing spill file");
	return EKV_OK;
}

static int spill(struct ekv_sorter *s, struct ekv_error *err)
{
	struct run *r;
	int rc = new_run(s, &r, err);
	if (rc) return rc;
	s->spills++;
	sort_batch(&s->mem);
	for (size_t i = 0; i < s->mem.n; i++) {
		const uint8_t *p = s->mem.arena.data + s->mem.offs[i];
		size_t rec = 16 + (size_t)ekv_le64(p) + (size_t)ekv_le64(p + 8);
		if (write_all(r->f, p, rec))
			return ekv_fail_errno(err, errno ? errno : EIO, "sorter: writing spill file");
	}
	if (fflush(r->f) != 0) return ekv_fail_errno(err, errno, "sorter: writing spill file");
	ekv_buf_reset(&s->mem.arena);
	s->mem.n = 0;
	if (s->n_runs >= SORTER_FANIN) return compact_runs(s, err);
	return EKV_OK;
}

int ekv_sorter_add(struct ekv_sorter *s, const void *key, size_t klen, const void *val,
		   size_t vlen, struct ekv_error *err)
{
	if (s->finished) return ekv_fail(err, EKV_EUSAGE, "sorter: add after finish");
	if (s->mem.n == s->mem.cap) {
		size_t cap = s->mem.cap ? s->mem.cap * 2 : 1024;
		size_t *o = realloc(s->mem.offs, cap * sizeof *o);
		if (!o) return ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
		s->mem.offs = o;
		s->mem.cap = cap;
	}
	uint8_t hdr[16];
	ekv_put_le64(hdr, klen);
	ekv_put_le64(hdr + 8, vlen);
	size_t off = s->mem.arena.len;
	if (ekv_buf_reserve(&s->mem.arena, 16 + klen + vlen) || ekv_buf_append(&s->mem.arena, hdr, 16) ||
	    ekv_buf_append(&s->mem.arena, key, klen) || ekv_buf_append(&s->mem.arena, val, vlen))
		return ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
	s->mem.offs[s->mem.n++] = off;
	s->count++;
	if (s->mem.arena.len >= s->mem_limit) return spill(s, err);
	return EKV_OK;
}

/* Loads the next record of run r into r->cur; r->has = 0 at its end. */
static int run_advance(struct run *r, struct ekv_error *err)
{
	uint8_t hdr[16];
	size_t got = fread(hdr, 1, 16, r->f);
	if (got == 0 && feof(r->f)) {
		r->has = 0;
		return EKV_OK;
	}
	if (got != 16) return ekv_fail(err, EKV_EIO, "sorter: spill file truncated");
	r->klen = (size_t)ekv_le64(hdr);
	r->vlen = (size_t)ekv_le64(hdr + 8);
	ekv_buf_reset(&r->cur);
	if (ekv_buf_reserve(&r->cur, r->klen + r->vlen))
		return ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
	if (fread(r->cur.data, 1, r->klen + r->vlen, r->f) != r->klen + r->vlen)
		return ekv_fail(err, EKV_EIO, "sorter: spill file truncated");
	r->cur.len = r->klen + r->vlen;
	r->has = 1;
	return EKV_OK;
}

static int rewind_runs(struct ekv_sorter *s, struct ekv_error *err)
{
	for (unsigned i = 0; i < s->n_runs; i++) {
		struct run *r = &s->runs[i];
		if (fflush(r->f) != 0 || fseek(r->f, 0, SEEK_SET) != 0)
			return ekv_fail_errno(err, errno, "sorter: rewind");
		int rc = run_advance(r, err);
		if (rc) return rc;
	}
	return EKV_OK;
}

int ekv_sorter_finish(struct ekv_sorter *s, struct ekv_error *err)
{
	if (s->finished) return EKV_OK;
	s->finished = 1;
	sort_batch(&s->mem);
	return rewind_runs(s, err);
}

/* Current record of source i (runs first, then memory); 0 if exhausted. */
static int source_peek(struct ekv_sorter *s, unsigned i, const uint8_t **k, size_t *kl,
		       const uint8_t **v, size_t *vl)
{
	if (i < s->n_runs) {
		struct run *r = &s->runs[i];
		if (!r->has) return 0;
		*k = r->cur.data;
		*kl = r->klen;
		*v = r->cur.data + r->klen;
		*vl = r->vlen;
		return 1;
	}
	if (s->mem.pos >= s->mem.n) return 0;
	rec_at(&s->mem, s->mem.offs[s->mem.pos], k, kl, v, vl);
	return 1;
}

/* Heap order: smaller key first; on equal keys the earlier source (runs
 * were written in insertion order, memory last) keeps the order stable. */
static int source_less(struct ekv_sorter *s, unsigned a, unsigned b)
{
	const uint8_t *ka, *kb, *v;
	size_t kla, klb, vl;
	source_peek(s, a, &ka, &kla, &v, &vl);
	source_peek(s, b, &kb, &klb, &v, &vl);
	int c = ekv_bytes_cmp(ka, kla, kb, klb);
	return c < 0 || (c == 0 && a < b);
}

static void heap_down(struct ekv_sorter *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->heap_n && source_less(s, s->heap[l], s->heap[m])) m = l;
		if (r < s->heap_n && source_less(s, s->heap[r], s->heap[m])) m = r;
		if (m == i) return;
		unsigned t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

static int heap_build(struct ekv_sorter *s, struct ekv_error *err)
{
	s->heap = malloc((s->n_runs + 1) * sizeof *s->heap);
	if (!s->heap) return ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
	const uint8_t *k, *v;
	size_t kl, vl;
	for (unsigned i = 0; i <= s->n_runs; i++)
		if (source_peek(s, i, &k, &kl, &v, &vl)) s->heap[s->heap_n++] = i;
	for (size_t i = s->heap_n / 2; i-- > 0;) heap_down(s, i);
	return EKV_OK;
}

/* Moves the source returned last time to its next record. */
static int advance_last(struct ekv_sorter *s, struct ekv_error *err)
{
	unsigned src = s->heap[0];
	if (src < s->n_runs) {
		int rc = run_advance(&s->runs[src], err);
		if (rc) return rc;
	} else {
		s->mem.pos++;
	}
	const uint8_t *k, *v;
	size_t kl, vl;
	if (!source_peek(s, src, &k, &kl, &v, &vl)) s->heap[0] = s->heap[--s->heap_n];
	if (s->heap_n) heap_down(s, 0);
	return EKV_OK;
}

static void free_runs(struct ekv_sorter *s)
{
	for (unsigned i = 0; i < s->n_runs; i++) {
		if (s->runs[i].f) fclose(s->runs[i].f);
		ekv_buf_release(&s->runs[i].cur);
	}
	free(s->runs);
	s->runs = NULL;
	s->n_runs = 0;
	free(s->heap);
	s->heap = NULL;
	s->heap_n = 0;
}

/* Merges every spilled run into one (the memory batch is empty here), so
 * at most SORTER_FANIN runs, each with one buffer and one record, are
 * ever open: memory stays flat however much is sorted. */
static int compact_runs(struct ekv_sorter *s, struct ekv_error *err)
{
	int rc = rewind_runs(s, err);
	if (!rc) rc = heap_build(s, err);
	FILE *out = NULL;
	if (!rc) {
		struct run *r;
		unsigned keep = s->n_runs;
		rc = new_run(s, &r, err);
		out = rc ? NULL : r->f;
		r->f = NULL;
		s->n_runs = keep;      /* the new run joins after the merge */
	}
	while (!rc && s->heap_n) {
		const uint8_t *k, *v;
		size_t kl, vl;
		source_peek(s, s->heap[0], &k, &kl, &v, &vl);
		rc = put_record(out, k, kl, v, vl, err);
		if (!rc) rc = advance_last(s, err);
	}
	if (!rc && fflush(out) != 0) rc = ekv_fail_errno(err, errno, "sorter: writing spill file");
	struct run merged = { .f = out };
	ekv_buf_init(&merged.cur);
	ekv_buf_release(&s->runs[s->n_runs].cur);
	free_runs(s);
	if (!out) return rc;
	s->runs = malloc(sizeof *s->runs);
	if (!s->runs) {
		fclose(out);
		return rc ? rc : ekv_fail(err, EKV_ENOMEM, "sorter: out of memory");
	}
	s->runs[0] = merged;
	s->n_runs = 1;
	return rc;
}

int ekv_sorter_next(struct ekv_sorter *s, const uint8_t **key, size_t *klen,
		    const uint8_t **val, size_t *vlen, struct ekv_error *err)
{
	int rc;
	if (!s->finished && (rc = ekv_sorter_finish(s, err))) return -rc;
	if (!s->heap && (rc = heap_build(s, err))) return -rc;
	if (s->last >= 0) {
		s->last = -1;
		if ((rc = advance_last(s, err))) return -rc;
	}
	if (!s->heap_n) return 0;
	source_peek(s, s->heap[0], key, klen, val, vlen);
	s->last = (int)s->heap[0];
	return 1;
}

uint64_t ekv_sorter_count(const struct ekv_sorter *s)
{
	return s->count;
}

unsigned ekv_sorter_spills(const struct ekv_sorter *s)
{
	return s->spills;
}

void ekv_sorter_free(struct ekv_sorter *s)
{
	if (!s) return;
	free_runs(s);
	ekv_buf_release(&s->mem.arena);
	free(s->mem.offs);
	free(s->tmpdir);
	free(s);
}
