/*
 * Encode redis/db_0/ back into internal records (redis.md §5).
 *
 * Layout choices (all decode back to the same tree, D11 included):
 *   strings  FF 01 00 body, or FF 01 01 BE64(ttl) body; no TTL row (§5.3)
 *   hll      raw body without TTL (FF 02 00 body when the body itself starts
 *            with FF 02, redis.md §8.2 #9), else FF 02 01 BE64(ttl) body + row
 *   a sidecar/JSON expire_at_ms of 0 (only written for legacy values with a
 *            TTL row of 0) becomes a legacy value/meta plus a TTL row of 0
 *   hashes/sets/zsets  8/16-byte count meta + rows (+ TTL row)
 *   lists    head 0, items at seq 0..n-1 (+ TTL row)
 *   streams  24/32-byte meta copied from _meta (D11: not checked against
 *            the entries), entries 00 'RXE' 01 + protobuf
 * Input is parsed strictly (jsonr: duplicates, invalid UTF-8, trailing data
 * refused) and shapes are checked; errors name the file and line.
 */
#include <math.h>
#include <unistd.h>
#include <dirent.h>
#include "redis_internal.h"
#include "redis/redis_internal.pb-c.h"
#include "../../lib/jsonr.h"
#include "../../lib/keymap.h"
#include "../../lib/manifest.h"
#include "../../lib/segment.h"
#include "../../lib/util.h"

struct enc {
	struct ekv_encode_ctx *ctx;
	int db_fd;
	struct ekv_dirlist db;          /* entries of redis/db_0 */
	struct ekv_keymap km;
	struct ekv_buf key, val, uk, b1, b2;
	char display[1024];             /* current file, for errors */
};

static int nomem(struct ekv_error *err)
{
	return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
}

/* EKV_EINPUT naming the current file and line. */
static int bad_input(struct enc *e, unsigned long line, struct ekv_error *err, const char *fmt,
		     const char *what)
{
	ekv_fail(err, EKV_EINPUT, fmt, what);
	ekv_error_prefix(err, "%s", e->display);
	ekv_error_set_file(err, e->display, line);
	return EKV_EINPUT;
}

static void set_display(struct enc *e, const char *sub, const char *name)
{
	snprintf(e->display, sizeof e->display, "%s/db_0%s%s%s%s", e->ctx->dir_path, sub ? "/" : "",
		 sub ? sub : "", name ? "/" : "", name ? name : "");
}

/* ---- keys ---- */

/* File stem -> user key in e->uk (§5.2). */
static int resolve_key(struct enc *e, const char *stem, size_t n, struct ekv_error *err)
{
	ekv_buf_reset(&e->uk);
	int st = ekv_segment_decode(&e->uk, stem, n);
	if (st == EKV_OK) return EKV_OK;
	if (st == EKV_EKEYMAP) {
		const struct ekv_keymap_entry *k = ekv_keymap_find(&e->km, stem, n);
		if (!k) return bad_input(e, 0, err, "%s", "SHA-fallback file name without a KEYMAP.jsonl record");
		if (ekv_buf_set(&e->uk, k->original, k->original_len)) return nomem(err);
		return EKV_OK;
	}
	if (st == EKV_ENOMEM) return nomem(err);
	return bad_input(e, 0, err, "%s", "invalid encoded file name");
}

static int key_lenpref(struct enc *e, const char *prefix)
{
	ekv_buf_reset(&e->key);
	return ekv_buf_append_str(&e->key, prefix) || ekv_buf_append_be32(&e->key, (uint32_t)e->uk.len) ||
	       ekv_buf_append(&e->key, e->uk.data, e->uk.len);
}

static int key_plain(struct enc *e, const char *prefix)
{
	ekv_buf_reset(&e->key);
	return ekv_buf_append_str(&e->key, prefix) || ekv_buf_append(&e->key, e->uk.data, e->uk.len);
}

static int emit(struct enc *e, const struct ekv_buf *v, struct ekv_error *err)
{
	int st = ekv_emit(e->ctx, e->key.data, e->key.len, v->data, v->len, err);
	if (st) ekv_error_set_file(err, e->display, 0);
	return st;
}

static int emit_ttl_row(struct enc *e, uint64_t ms, struct ekv_error *err)
{
	ekv_buf_reset(&e->val);
	if (key_plain(e, "!redis|ttl|") || ekv_buf_append_be64(&e->val, ms)) return nomem(err);
	return emit(e, &e->val, err);
}

/* ---- strict JSON shapes ---- */

/* Object with exactly the named members (all required). */
static int check_members(const json_t *o, const char *const *names, size_t n)
{
	if (!json_is_object(o) || json_object_size(o) != n) return -1;
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(o, names[i])) return -1;
	return 0;
}

/* jsonr marks integers beyond int64 as strings starting with 0xFF: such a
 * string is never user text. */
static int is_marker(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0 &&
	       (uint8_t)json_string_value(v)[0] == 0xFF;
}

/* Inverse of the binary-safe projection (§5.10). */
static int binary_value(const json_t *v, struct ekv_buf *out)
{
	ekv_buf_reset(out);
	if (json_is_string(v) && !is_marker(v))
		return ekv_buf_set(out, json_string_value(v), json_string_length(v)) ? -2 : 0;
	static const char *const b64[] = { "base64" };
	if (check_members(v, b64, 1)) return -1;
	const json_t *s = json_object_get(v, "base64");
	if (!json_is_string(s) || is_marker(s)) return -1;
	return ekv_b64url_decode(out, json_string_value(s), json_string_length(s)) ? -1 : 0;
}

/* expire_at_ms: null -> *has = 0; else uint64. */
static int expire_value(const json_t *v, int *has, uint64_t *ms)
{
	*has = 0;
	*ms = 0;
	if (json_is_null(v)) return 0;
	if (ekv_json_u64(v, ms)) return -1;
	*has = 1;
	return 0;
}

/* ---- TTL sidecars ---- */

struct ttl_ent {
	char *name;       /* "<key>.bin", compared with directory entries */
	uint64_t ms;
	size_t line;
	int late;         /* came from a TTL row: re-encode as legacy + row */
};
struct ttl_map {
	struct ttl_ent *v;
	size_t n, cap;
};

static void ttl_map_free(struct ttl_map *m)
{
	for (size_t i = 0; i < m->n; i++) free(m->v[i].name);
	free(m->v);
	memset(m, 0, sizeof *m);
}

static int ttl_cmp(const void *a, const void *b)
{
	const struct ttl_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c) return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int db_has(const struct enc *e, const char *name, unsigned char *type)
{
	for (size_t i = 0; i < e->db.n; i++)
		if (!strcmp(e->db.names[i], name)) {
			*type = e->db.types[i];
			return 1;
		}
	return 0;
}

static int ttl_map_add(struct ttl_map *m, const char *key, size_t klen, uint64_t ms, size_t line)
{
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		struct ttl_ent *p = realloc(m->v, nc * sizeof *p);
		if (!p) return -1;
		m->v = p;
		m->cap = nc;
	}
	char *name = malloc(klen + 5);
	if (!name) return -1;
	memcpy(name, key, klen);
	memcpy(name + klen, ".bin", 5);
	m->v[m->n++] = (struct ttl_ent){ name, ms, line, 0 };
	return 0;
}

/* One sidecar line: {"key":<segment>,"expire_at_ms":N}. */
static int ttl_line(struct enc *e, struct ttl_map *m, const uint8_t *p, size_t n, size_t line,
		    struct ekv_error *err)
{
	json_t *j = ekv_json_parse_at(p, n, e->display, line, EKV_EINPUT, err);
	if (!j) return EKV_EINPUT;
	static const char *const names[] = { "key", "expire_at_ms" };
	const json_t *k = json_object_get(j, "key");
	uint64_t ms;
	int st = EKV_OK;
	if (check_members(j, names, 2) || !json_is_string(k) || is_marker(k) ||
	    strlen(json_string_value(k)) != json_string_length(k) ||
	    ekv_json_u64(json_object_get(j, "expire_at_ms"), &ms))
		st = bad_input(e, line, err, "%s", "TTL line is not {\"key\":string,\"expire_at_ms\":uint64}");
	else if (ttl_map_add(m, json_string_value(k), json_string_length(k), ms, line))
		st = nomem(err);
	json_decref(j);
	return st;
}

/* Calls fn for each line (1-based numbers); blank lines are refused. */
typedef int (*line_fn)(struct enc *e, void *ud, const uint8_t *p, size_t n, size_t line,
		       struct ekv_error *err);

static int for_lines(struct enc *e, const struct ekv_buf *text, line_fn fn, void *ud,
		     struct ekv_error *err)
{
	size_t line = 0, i = 0;
	while (i < text->len) {
		const uint8_t *p = text->data + i;
		const uint8_t *nl = memchr(p, '\n', text->len - i);
		size_t n = nl ? (size_t)(nl - p) : text->len - i;
		line++;
		if (n == 0) return bad_input(e, line, err, "%s", "empty line");
		int st = fn(e, ud, p, n, line, err);
		if (st) return st;
		i += n + 1;
	}
	return EKV_OK;
}

static int ttl_line_cb(struct enc *e, void *ud, const uint8_t *p, size_t n, size_t line,
		       struct ekv_error *err)
{
	return ttl_line(e, ud, p, n, line, err);
}

/* Snapshot order of two string/HLL keys: user key + the MVCC suffix the
 * encoded records will carry (container.md §2.8 rule 3). */
static int snapshot_cmp(const struct enc *e, const struct ekv_buf *a, const struct ekv_buf *b)
{
	uint64_t ts = e->ctx->manifest ? e->ctx->manifest->last_commit_ts : 0;
	struct ekv_buf x = EKV_BUF_INIT, y = EKV_BUF_INIT;
	int fail = ekv_buf_append(&x, a->data, a->len) || ekv_buf_append_be64(&x, ~ts) ||
		   ekv_buf_append(&y, b->data, b->len) || ekv_buf_append_be64(&y, ~ts);
	int c = fail ? 0 : ekv_bytes_cmp(x.data, x.len, y.data, y.len);
	ekv_buf_release(&x);
	ekv_buf_release(&y);
	return c;
}

/*
 * Our decoder writes a sidecar in two runs, each in snapshot order: the
 * inline-TTL lines as the blobs are scanned, then the lines of legacy
 * values taken from TTL rows (§4.5). The longest run in snapshot order
 * from the top (stopping at a 0, which only a row can give) is re-encoded
 * inline, the rest as legacy value + TTL row, so the lines come back in
 * the same order.
 */
static int mark_late_lines(struct enc *e, struct ttl_map *m, struct ekv_error *err)
{
	struct ekv_buf prev = EKV_BUF_INIT;
	int late = 0, st = EKV_OK;
	for (size_t i = 0; i < m->n && !st; i++) {
		size_t stem = strlen(m->v[i].name) - 4;
		st = resolve_key(e, m->v[i].name, stem, err);
		if (st) break;
		if (!late && (m->v[i].ms == 0 || (i > 0 && snapshot_cmp(e, &prev, &e->uk) >= 0))) late = 1;
		m->v[i].late = late;
		if (ekv_buf_set(&prev, e->uk.data, e->uk.len)) st = nomem(err);
	}
	ekv_buf_release(&prev);
	return st;
}

static int load_ttl_map(struct enc *e, const char *file, struct ttl_map *m, struct ekv_error *err)
{
	unsigned char type;
	if (!db_has(e, file, &type)) return EKV_OK;
	snprintf(e->display, sizeof e->display, "%s/db_0/%s", e->ctx->dir_path, file);
	int st = ekv_read_input_file(e->db_fd, file, e->display, &e->b1, err);
	if (!st) st = for_lines(e, &e->b1, ttl_line_cb, m, err);
	if (!st) st = mark_late_lines(e, m, err);
	if (st) return st;
	qsort(m->v, m->n, sizeof *m->v, ttl_cmp);
	return EKV_OK;
}

/* Last line for name wins (upstream's map). */
static const struct ttl_ent *ttl_find(const struct ttl_map *m, const char *name)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(m->v[mid].name, name) <= 0) lo = mid + 1;
		else hi = mid;
	}
	if (lo > 0 && !strcmp(m->v[lo - 1].name, name)) return &m->v[lo - 1];
	return NULL;
}

/* ---- strings and HLL ---- */

static int has_suffix(const char *name, const char *suf, size_t *stem)
{
	size_t n = strlen(name), s = strlen(suf);
	if (n < s || strcmp(name + n - s, suf) != 0) return 0;
	*stem = n - s;
	return 1;
}

static int blob_value(struct enc *e, int hll, const struct ttl_ent *t, const struct ekv_buf *body,
		      int *ttl_row)
{
	uint8_t ver = hll ? 2 : 1;
	int starts_magic = body->len >= 2 && body->data[0] == 0xFF && body->data[1] == ver;
	ekv_buf_reset(&e->val);
	*ttl_row = 0;
	if (t && t->late && !starts_magic) {
		/* legacy value + TTL row (a row of 0 included), see mark_late_lines */
		*ttl_row = 1;
		return ekv_buf_append(&e->val, body->data, body->len);
	}
	if (t && t->ms != 0) {
		*ttl_row = hll;     /* strings never get a TTL row (§5.3) */
		return ekv_buf_append_byte(&e->val, 0xFF) || ekv_buf_append_byte(&e->val, ver) ||
		       ekv_buf_append_byte(&e->val, 1) || ekv_buf_append_be64(&e->val, t->ms) ||
		       ekv_buf_append(&e->val, body->data, body->len);
	}
	if (hll && !starts_magic && !t) return ekv_buf_append(&e->val, body->data, body->len);
	return ekv_buf_append_byte(&e->val, 0xFF) || ekv_buf_append_byte(&e->val, ver) ||
	       ekv_buf_append_byte(&e->val, 0) || ekv_buf_append(&e->val, body->data, body->len);
}

static int encode_blobs(struct enc *e, int hll, struct ekv_error *err)
{
	const char *sub = hll ? "hll" : "strings";
	struct ttl_map m = { 0 };
	struct ekv_dirlist l = { 0 };
	int st = load_ttl_map(e, hll ? "hll_ttl.jsonl" : "strings_ttl.jsonl", &m, err);
	set_display(e, sub, NULL);
	int fd = st ? -1 : ekv_open_input_dir(e->db_fd, sub, e->display, 1, err);
	if (!st && fd == -1) st = err->code;
	if (!st && fd >= 0) st = ekv_list_dir(fd, e->display, &l, err);
	for (size_t i = 0; !st && fd >= 0 && i < l.n; i++) {
		size_t stem;
		if (l.types[i] != DT_REG || !has_suffix(l.names[i], ".bin", &stem)) continue;
		set_display(e, sub, l.names[i]);
		const struct ttl_ent *t = ttl_find(&m, l.names[i]);
		int row;
		st = resolve_key(e, l.names[i], stem, err);
		if (!st) st = ekv_read_input_file(fd, l.names[i], e->display, &e->b2, err);
		if (!st && (blob_value(e, hll, t, &e->b2, &row) || key_plain(e, hll ? "!redis|hll|" : "!redis|str|")))
			st = nomem(err);
		if (!st) st = emit(e, &e->val, err);
		if (!st && row) st = emit_ttl_row(e, t->ms, err);
	}
	ekv_dirlist_free(&l);
	if (fd >= 0) close(fd);
	ttl_map_free(&m);
	return st;
}

/* ---- hashes, sets, lists, zsets ---- */

static int count_meta(struct enc *e, size_t n, int has, uint64_t ms)
{
	ekv_buf_reset(&e->val);
	if (ekv_buf_append_be64(&e->val, n)) return -1;
	return has && ms ? ekv_buf_append_be64(&e->val, ms) : 0;
}

/* Meta (built by the caller into e->key/e->val) + the TTL row that goes
 * with it: non-zero TTLs are inline and also indexed; a TTL of 0 can only
 * come from a legacy meta plus a row of 0, so that is what is written. */
static int emit_meta_and_ttl(struct enc *e, int has, uint64_t ms, struct ekv_error *err)
{
	int st = emit(e, &e->val, err);
	if (!st && has) st = emit_ttl_row(e, ms, err);
	return st;
}

static int hash_field(struct enc *e, const json_t *f, size_t idx, struct ekv_error *err)
{
	static const char *const names[] = { "name", "value" };
	char what[64];
	snprintf(what, sizeof what, "fields[%zu]", idx);
	if (check_members(f, names, 2) || binary_value(json_object_get(f, "name"), &e->b1) ||
	    binary_value(json_object_get(f, "value"), &e->b2))
		return bad_input(e, 0, err, "%s is not {\"name\":…,\"value\":…} with string or {\"base64\":…} sides", what);
	if (key_lenpref(e, "!hs|fld|") || ekv_buf_append(&e->key, e->b1.data, e->b1.len)) return nomem(err);
	return emit(e, &e->b2, err);
}

static int set_member(struct enc *e, const json_t *m, size_t idx, struct ekv_error *err)
{
	char what[64];
	snprintf(what, sizeof what, "members[%zu]", idx);
	if (binary_value(m, &e->b1)) return bad_input(e, 0, err, "%s is not a string or {\"base64\":…}", what);
	if (key_lenpref(e, "!st|mem|") || ekv_buf_append(&e->key, e->b1.data, e->b1.len)) return nomem(err);
	ekv_buf_reset(&e->b2);
	return emit(e, &e->b2, err);
}

static int list_item(struct enc *e, const json_t *m, size_t idx, struct ekv_error *err)
{
	char what[64];
	snprintf(what, sizeof what, "items[%zu]", idx);
	if (binary_value(m, &e->b1)) return bad_input(e, 0, err, "%s is not a string or {\"base64\":…}", what);
	if (key_plain(e, "!lst|itm|") || ekv_buf_append_be64(&e->key, (uint64_t)idx ^ (1ull << 63)))
		return nomem(err);
	return emit(e, &e->b1, err);
}

/* Sortable float of the score index (§2.3), -0 as +0. */
static uint64_t sortable_score(double s)
{
	if (s == 0) s = 0;
	uint64_t b;
	memcpy(&b, &s, 8);
	return b >> 63 ? ~b : b ^ (1ull << 63);
}

static int zset_score(const json_t *strict, const json_t *real, double *out)
{
	if (json_is_string(strict) && !is_marker(strict)) {
		const char *s = json_string_value(strict);
		if (!strcmp(s, "+inf")) *out = INFINITY;
		else if (!strcmp(s, "-inf")) *out = -INFINITY;
		else return -1;
		return 0;
	}
	if (!(json_is_number(strict) || is_marker(strict)) || !json_is_real(real)) return -1;
	*out = json_real_value(real);
	return isnan(*out) ? -1 : 0;
}

static int zset_member(struct enc *e, const json_t *m, const json_t *real, size_t idx,
		       struct ekv_error *err)
{
	static const char *const names[] = { "member", "score" };
	char what[64];
	double s;
	snprintf(what, sizeof what, "members[%zu]", idx);
	if (check_members(m, names, 2) || binary_value(json_object_get(m, "member"), &e->b1) ||
	    zset_score(json_object_get(m, "score"), real ? json_object_get(real, "score") : NULL, &s))
		return bad_input(e, 0, err, "%s is not {\"member\":…,\"score\":number|\"+inf\"|\"-inf\"}", what);
	uint64_t bits;
	memcpy(&bits, &s, 8);
	ekv_buf_reset(&e->b2);
	if (key_lenpref(e, "!zs|mem|") || ekv_buf_append(&e->key, e->b1.data, e->b1.len) ||
	    ekv_buf_append_be64(&e->b2, bits))
		return nomem(err);
	int st = emit(e, &e->b2, err);
	if (st) return st;
	ekv_buf_reset(&e->b2);
	if (key_lenpref(e, "!zs|scr|") || ekv_buf_append_be64(&e->key, sortable_score(s)) ||
	    ekv_buf_append(&e->key, e->b1.data, e->b1.len))
		return nomem(err);
	return emit(e, &e->b2, err);
}

static const char *const coll_dirs[C_COUNT] = { "hashes", "lists", "sets", "zsets", "streams" };
static const char *const coll_arrays[C_COUNT] = { "fields", "items", "members", "members", NULL };

static int emit_collection_meta(struct enc *e, int coll, size_t n, int has, uint64_t ms,
				struct ekv_error *err)
{
	int fail;
	if (coll == C_LIST) {
		ekv_buf_reset(&e->val);
		fail = key_plain(e, "!lst|meta|") || ekv_buf_append_be64(&e->val, 0) ||
		       ekv_buf_append_be64(&e->val, n) || ekv_buf_append_be64(&e->val, n) ||
		       (has && ms && ekv_buf_append_be64(&e->val, ms));
	} else {
		static const char *const pfx[C_COUNT] = { "!hs|meta|", NULL, "!st|meta|", "!zs|meta|", NULL };
		fail = key_lenpref(e, pfx[coll]) || count_meta(e, n, has, ms);
	}
	if (fail) return nomem(err);
	return emit_meta_and_ttl(e, has, ms, err);
}

/* One hashes/lists/sets/zsets file. */
static int encode_json_file(struct enc *e, int coll, int dirfd, const char *name, size_t stem,
			    struct ekv_error *err)
{
	int st = resolve_key(e, name, stem, err);
	if (!st) st = ekv_read_input_file(dirfd, name, e->display, &e->b1, err);
	if (st) return st;
	json_t *j = ekv_json_parse(e->b1.data, e->b1.len, e->display, EKV_EINPUT, err), *real = NULL;
	if (!j) return EKV_EINPUT;
	if (coll == C_ZSET) {
		/* scores need the exact number (-0, beyond int64): second parse */
		json_error_t je;
		real = json_loadb((const char *)e->b1.data, e->b1.len,
				  JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, &je);
		if (!real) {
			json_decref(j);
			return bad_input(e, (unsigned long)(je.line > 0 ? je.line : 1), err, "%s", "score out of range");
		}
	}
	const char *names[] = { "format_version", coll_arrays[coll], "expire_at_ms" };
	const json_t *arr = json_object_get(j, coll_arrays[coll]);
	int64_t fv;
	int has;
	uint64_t ms;
	if (check_members(j, (const char *const *)names, 3) || !ekv_json_is_integer(json_object_get(j, "format_version")) ||
	    ekv_json_i64(json_object_get(j, "format_version"), &fv) || fv != 1 || !json_is_array(arr) ||
	    expire_value(json_object_get(j, "expire_at_ms"), &has, &ms))
		st = bad_input(e, 1, err, "%s", "not {\"format_version\":1,<elements>:[…],\"expire_at_ms\":uint64|null}");
	if (!st) st = emit_collection_meta(e, coll, json_array_size(arr), has, ms, err);
	const json_t *rarr = real ? json_object_get(real, coll_arrays[coll]) : NULL;
	for (size_t i = 0; !st && i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		switch (coll) {
		case C_HASH: st = hash_field(e, v, i, err); break;
		case C_SET: st = set_member(e, v, i, err); break;
		case C_LIST: st = list_item(e, v, i, err); break;
		case C_ZSET: st = zset_member(e, v, json_array_get(rarr, i), i, err); break;
		}
	}
	json_decref(j);
	json_decref(real);
	return st;
}

/* ---- streams ---- */

struct stream_state {
	int meta_seen;
	uint64_t length, last_ms, last_seq;
	int has;
	uint64_t ttl;
};

/* "ms-seq", split at the first '-', both unsigned decimal (§5.9). */
static int parse_stream_id(const char *s, size_t n, uint64_t *ms, uint64_t *seq)
{
	const char *dash = memchr(s, '-', n);
	if (!dash) return -1;
	size_t a = (size_t)(dash - s);
	return ekv_parse_u64_dec(s, a, ms) || ekv_parse_u64_dec(dash + 1, n - a - 1, seq) ? -1 : 0;
}

static int stream_meta(struct enc *e, struct stream_state *s, const json_t *j, size_t line,
		       struct ekv_error *err)
{
	static const char *const names[] = { "_meta", "length", "last_ms", "last_seq", "expire_at_ms" };
	if (s->meta_seen) return bad_input(e, line, err, "%s", "second _meta line");
	if (check_members(j, names, 5) || !json_is_true(json_object_get(j, "_meta")) ||
	    ekv_json_u64(json_object_get(j, "length"), &s->length) || s->length > REDIS_MAXI64 ||
	    ekv_json_u64(json_object_get(j, "last_ms"), &s->last_ms) ||
	    ekv_json_u64(json_object_get(j, "last_seq"), &s->last_seq) ||
	    expire_value(json_object_get(j, "expire_at_ms"), &s->has, &s->ttl))
		return bad_input(e, line, err, "%s",
				 "_meta line is not {\"_meta\":true,\"length\":int64>=0,\"last_ms\":…,\"last_seq\":…,\"expire_at_ms\":…}");
	s->meta_seen = 1;
	return EKV_OK;
}

/* Protobuf RedisStreamEntry{id, fields} behind the RXE magic (§3.9, §3.13),
 * packed by protobuf-c: ascending field numbers, an empty id omitted (proto3
 * default), every field written even when empty -- the bytes protobuf-go's
 * deterministic marshal gives. The sides are first collected in e->b1 (free
 * while entry lines are parsed), since e->b2 is reused per side. */
static int stream_entry_value(struct enc *e, const char *id, size_t idlen, const json_t *fields,
			      int *bad_field)
{
	static const uint8_t magic[5] = { 0x00, 'R', 'X', 'E', 0x01 };
	static const char *const names[] = { "name", "value" };
	size_t nf = json_array_size(fields) * 2;
	size_t *lens = nf ? malloc(nf * sizeof *lens) : NULL;
	ProtobufCBinaryData *pf = nf ? malloc(nf * sizeof *pf) : NULL;
	int r = nf && (!lens || !pf) ? -2 : 0;
	ekv_buf_reset(&e->b1);
	for (size_t i = 0; !r && i < nf / 2; i++) {
		const json_t *f = json_array_get(fields, i);
		if (check_members(f, names, 2)) { r = -1; break; }
		for (int side = 0; !r && side < 2; side++) {
			if (binary_value(json_object_get(f, names[side]), &e->b2)) r = -1;
			else if (!ekv_utf8_valid(e->b2.data, e->b2.len)) {
				*bad_field = 1;      /* proto3 strings must be UTF-8 (D10) */
				r = -1;
			} else if (ekv_buf_append(&e->b1, e->b2.data, e->b2.len)) r = -2;
			else lens[i * 2 + (size_t)side] = e->b2.len;
		}
	}
	if (!r) {
		RedisStreamEntry m = REDIS_STREAM_ENTRY__INIT;
		m.id.data = (uint8_t *)(uintptr_t)id;
		m.id.len = idlen;
		static uint8_t none[1];      /* never a NULL base, even when all are empty */
		size_t off = 0;
		for (size_t i = 0; i < nf; i++) {
			pf[i].data = lens[i] ? e->b1.data + off : none;
			pf[i].len = lens[i];
			off += lens[i];
		}
		m.n_fields = nf;
		m.fields = pf;
		size_t sz = redis_stream_entry__get_packed_size(&m);
		ekv_buf_reset(&e->val);
		if (ekv_buf_reserve(&e->val, 5 + sz)) r = -2;
		else {
			memcpy(e->val.data, magic, 5);
			e->val.len = 5 + redis_stream_entry__pack(&m, e->val.data + 5);
		}
	}
	free(lens);
	free(pf);
	return r;
}

static int stream_entry(struct enc *e, const json_t *j, size_t line, struct ekv_error *err)
{
	static const char *const names[] = { "id", "fields" };
	const json_t *id = json_object_get(j, "id"), *fields = json_object_get(j, "fields");
	uint64_t ms, seq;
	int bad_field = 0;
	if (check_members(j, names, 2) || !json_is_string(id) || is_marker(id) || !json_is_array(fields) ||
	    parse_stream_id(json_string_value(id), json_string_length(id), &ms, &seq))
		return bad_input(e, line, err, "%s", "entry line is not {\"id\":\"<ms>-<seq>\",\"fields\":[…]}");
	int r = stream_entry_value(e, json_string_value(id), json_string_length(id), fields, &bad_field);
	if (r == -2) return nomem(err);
	if (r) return bad_input(e, line, err, "%s", bad_field ? "stream field is not valid UTF-8 (D10)"
								 : "fields are not [{\"name\":…,\"value\":…}]");
	if (key_lenpref(e, "!stream|entry|") || ekv_buf_append_be64(&e->key, ms) ||
	    ekv_buf_append_be64(&e->key, seq))
		return nomem(err);
	int st = emit(e, &e->val, err);
	if (st) ekv_error_set_file(err, e->display, line);
	return st;
}

static int stream_line(struct enc *e, void *ud, const uint8_t *p, size_t n, size_t line,
		       struct ekv_error *err)
{
	json_t *j = ekv_json_parse_at(p, n, e->display, line, EKV_EINPUT, err);
	if (!j) return EKV_EINPUT;
	int st;
	if (!json_is_object(j)) st = bad_input(e, line, err, "%s", "line is not a JSON object");
	else if (json_object_get(j, "_meta")) st = stream_meta(e, ud, j, line, err);
	else st = stream_entry(e, j, line, err);
	json_decref(j);
	return st;
}

static int encode_stream_file(struct enc *e, int dirfd, const char *name, size_t stem,
			      struct ekv_error *err)
{
	struct stream_state s = { 0 };
	int st = resolve_key(e, name, stem, err);
	if (!st) st = ekv_read_input_file(dirfd, name, e->display, &e->b1, err);
	/* b1 holds the text while lines are parsed: entries use b2/val only */
	struct ekv_buf text = e->b1;
	ekv_buf_init(&e->b1);
	if (!st) st = for_lines(e, &text, stream_line, &s, err);
	ekv_buf_release(&text);
	if (!st && !s.meta_seen) st = bad_input(e, 0, err, "%s", "no _meta line");
	if (st) return st;
	ekv_buf_reset(&e->val);
	if (key_lenpref(e, "!stream|meta|") || ekv_buf_append_be64(&e->val, s.length) ||
	    ekv_buf_append_be64(&e->val, s.last_ms) || ekv_buf_append_be64(&e->val, s.last_seq) ||
	    (s.has && s.ttl && ekv_buf_append_be64(&e->val, s.ttl)))
		return nomem(err);
	return emit_meta_and_ttl(e, s.has, s.ttl, err);
}

static int encode_collections(struct enc *e, int coll, struct ekv_error *err)
{
	const char *sub = coll_dirs[coll];
	const char *suffix = coll == C_STREAM ? ".jsonl" : ".json";
	struct ekv_dirlist l = { 0 };
	set_display(e, sub, NULL);
	int fd = ekv_open_input_dir(e->db_fd, sub, e->display, 1, err);
	if (fd == -2) return EKV_OK;
	if (fd < 0) return err->code;
	int st = ekv_list_dir(fd, e->display, &l, err);
	for (size_t i = 0; !st && i < l.n; i++) {
		size_t stem;
		if (l.types[i] != DT_REG || !has_suffix(l.names[i], suffix, &stem)) continue;
		set_display(e, sub, l.names[i]);
		st = coll == C_STREAM ? encode_stream_file(e, fd, l.names[i], stem, err)
				      : encode_json_file(e, coll, fd, l.names[i], stem, err);
	}
	ekv_dirlist_free(&l);
	close(fd);
	return st;
}

/* ---- db enumeration (§5.1, container.md §6.4) ---- */

static int canonical_db(const char *name)
{
	if (strncmp(name, "db_", 3) != 0 || !name[3]) return 0;
	const char *d = name + 3;
	if (d[0] == '0' && d[1]) return 0;
	size_t n = strlen(d);
	if (n > 18) return 0;
	for (size_t i = 0; i < n; i++)
		if (d[i] < '0' || d[i] > '9') return 0;
	return 1;
}

static int find_db(struct enc *e, int *found, struct ekv_error *err)
{
	struct ekv_dirlist l = { 0 };
	int st = ekv_list_dir(e->ctx->dir_fd, e->ctx->dir_path, &l, err);
	size_t count = 0;
	const char *only = NULL;
	for (size_t i = 0; !st && i < l.n; i++) {
		if (!canonical_db(l.names[i])) continue;
		snprintf(e->display, sizeof e->display, "%s/%s", e->ctx->dir_path, l.names[i]);
		if (l.types[i] != DT_DIR) {
			ekv_fail(err, l.types[i] == DT_LNK ? EKV_EUNSAFE : EKV_EINPUT, "%s is not a directory",
				 e->display);
			ekv_error_set_file(err, e->display, 0);
			st = err->code;
		}
		count++;
		only = l.names[i];
	}
	if (!st && count > 1)
		st = ekv_fail(err, EKV_EUNSUPPORTED, "%s: more than one db_<n> directory (Redis keys carry no database number)",
			      e->ctx->dir_path);
	else if (!st && count == 1 && strcmp(only, "db_0") != 0)
		st = ekv_fail(err, EKV_EUNSUPPORTED, "%s/%s: only db_0 can be encoded (Redis keys carry no database number)",
			      e->ctx->dir_path, only);
	*found = count == 1;
	ekv_dirlist_free(&l);
	return st;
}

static int encode_db(struct enc *e, struct ekv_error *err)
{
	set_display(e, NULL, NULL);
	e->db_fd = ekv_open_input_dir(e->ctx->dir_fd, "db_0", e->display, 0, err);
	if (e->db_fd < 0) return err->code;
	int st = ekv_list_dir(e->db_fd, e->display, &e->db, err);
	if (!st) {
		char disp[1100];
		snprintf(disp, sizeof disp, "%s/%s", e->display, EKV_KEYMAP_FILE);
		st = ekv_keymap_load(e->db_fd, disp, 0, &e->km, err);
	}
	/* upstream's order: strings, hll, hashes, sets, lists, zsets, streams */
	if (!st) st = encode_blobs(e, 0, err);
	if (!st) st = encode_blobs(e, 1, err);
	if (!st) st = encode_collections(e, C_HASH, err);
	if (!st) st = encode_collections(e, C_SET, err);
	if (!st) st = encode_collections(e, C_LIST, err);
	if (!st) st = encode_collections(e, C_ZSET, err);
	if (!st) st = encode_collections(e, C_STREAM, err);
	return st;
}

int redis_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err)
{
	struct enc e;
	memset(&e, 0, sizeof e);
	e.ctx = ctx;
	e.db_fd = -1;
	ekv_buf_init(&e.key);
	ekv_buf_init(&e.val);
	ekv_buf_init(&e.uk);
	ekv_buf_init(&e.b1);
	ekv_buf_init(&e.b2);
	int found = 0;
	int st = find_db(&e, &found, err);
	if (!st && found) st = encode_db(&e, err);
	if (e.db_fd >= 0) close(e.db_fd);
	ekv_dirlist_free(&e.db);
	ekv_keymap_release(&e.km);
	ekv_buf_release(&e.key);
	ekv_buf_release(&e.val);
	ekv_buf_release(&e.uk);
	ekv_buf_release(&e.b1);
	ekv_buf_release(&e.b2);
	return st;
}
