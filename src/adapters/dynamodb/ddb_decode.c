/*
 * DynamoDB decode (dynamodb.md §4).
 *
 * Every item arrives before its table's schema (§2.7), so items are
 * validated on arrival (key, magic, protobuf) and parked in an external
 * sorter keyed by their encoded table segment (D14: bounded memory,
 * spilled past the threshold). Schemas are few and kept in memory. At
 * finish, tables are written in bytewise order of their encoded segment
 * (D18). Per table, the items of the emitted generations (§4.6) get their
 * file path and go through a second sorter keyed by path, so the
 * active-over-source override and D16 collisions are seen as neighbours
 * and bundle lines (D19) come out in file-name order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ddb_internal.h"
#include "../../lib/error.h"
#include "../../lib/segment.h"
#include "../../lib/sorter.h"
#include "../../lib/util.h"

struct ddb_table_rec {                /* one !ddb|meta|table| record */
	uint8_t *seg;                     /* encoded segment (join key) */
	size_t seg_len;
	uint8_t *name;                    /* decoded table name (directory source) */
	size_t name_len;
	uint8_t *body;                    /* protobuf after the magic */
	size_t body_len;
	uint8_t *key;
	size_t key_len;
	uint64_t offset;
};

struct ddb_dec {
	struct ekv_decode_ctx *ctx;
	struct ddb_table_rec *tables;
	size_t n_tables, cap_tables;
	struct ekv_sorter *items;         /* key: table segment; value: see park_item */
};

/* Printable rendering of user bytes for messages and warnings. */
static const char *printable(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') dst[o++] = (char)p[i];
		else o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", p[i]);
	}
	if (o + 8 >= cap && o + 4 < cap) o += (size_t)snprintf(dst + o, cap - o, "...");
	dst[o] = 0;
	return dst;
}

/* D14: the item sorter and the per-table path sorter are alive together
 * at finish; each gets half the threshold so the pair stays within it. */
static size_t sorter_budget(const struct ekv_decode_ctx *ctx)
{
	uint64_t half = ctx->spill_threshold / 2;
	return (size_t)(half ? half : 1);
}

int ddb_decode_begin(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err)
{
	struct ddb_dec *d = calloc(1, sizeof *d);
	if (!d) return ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
	d->ctx = ctx;
	int rc = ekv_sorter_new(ctx->tmpdir, sorter_budget(ctx), &d->items, err);
	if (rc) {
		free(d);
		return rc;
	}
	*state = d;
	return EKV_OK;
}

void ddb_decode_free(void *state)
{
	struct ddb_dec *d = state;
	if (!d) return;
	for (size_t i = 0; i < d->n_tables; i++) {
		free(d->tables[i].seg);
		free(d->tables[i].name);
		free(d->tables[i].body);
		free(d->tables[i].key);
	}
	free(d->tables);
	ekv_sorter_free(d->items);
	free(d);
}

static uint8_t *dup_bytes(const void *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (c && n) memcpy(c, p, n);
	return c;
}

static int has_magic(const struct ekv_record *rec, const char *magic)
{
	return rec->value_len >= DDB_MAGIC_LEN && memcmp(rec->value, magic, DDB_MAGIC_LEN) == 0;
}

static int is_dot_name(const uint8_t *p, size_t n)
{
	return (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
}

static int validate_schema_body(const uint8_t *body, size_t n, struct ekv_error *err)
{
	struct ddb_arena a;
	struct ddb_schema s;
	ddb_arena_init(&a);
	int rc = ddb_proto_parse_schema(body, n, &a, &s, err);
	ddb_arena_release(&a);
	return rc;
}

/* §2.6/§6.1 checks of a schema record; name receives the decoded table name. */
static int check_table_record(const struct ekv_record *rec, struct ekv_buf *name, struct ekv_error *err)
{
	const uint8_t *seg = rec->key + rec->prefix_len;
	size_t seg_len = rec->key_len - rec->prefix_len;
	const char *why = NULL;
	int code = EKV_EDATA;
	if (seg_len == 0) why = "schema key with empty table segment";
	else if (ekv_b64url_decode(name, (const char *)seg, seg_len)) why = "schema key table segment is not base64url";
	else if (is_dot_name(name->data, name->len)) {
		why = "a table named \".\" or \"..\" cannot be written inside dynamodb/ (D16)";
		code = EKV_EUNSAFE;
	} else if (!has_magic(rec, DDB_SCHEMA_MAGIC)) why = "invalid !ddb|meta|table value: missing magic prefix";
	if (why) return ekv_fail_key(err, code, rec->key, rec->key_len, "dynamodb: %s", why);
	int rc = validate_schema_body(rec->value + DDB_MAGIC_LEN, rec->value_len - DDB_MAGIC_LEN, err);
	if (rc) ekv_error_set_key(err, rec->key, rec->key_len);
	return rc;
}

/* Keeps the schema record until finish (schemas arrive after their items). */
static int keep_table(struct ddb_dec *d, const struct ekv_record *rec, struct ekv_buf *name,
		      struct ekv_error *err)
{
	if (d->n_tables == d->cap_tables) {
		size_t cap = d->cap_tables ? d->cap_tables * 2 : 8;
		void *p = realloc(d->tables, cap * sizeof *d->tables);
		if (!p) return ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
		d->tables = p;
		d->cap_tables = cap;
	}
	struct ddb_table_rec *t = &d->tables[d->n_tables++];
	memset(t, 0, sizeof *t);
	t->seg_len = rec->key_len - rec->prefix_len;
	t->seg = dup_bytes(rec->key + rec->prefix_len, t->seg_len);
	t->name = ekv_buf_detach(name, &t->name_len);
	t->body_len = rec->value_len - DDB_MAGIC_LEN;
	t->body = dup_bytes(rec->value + DDB_MAGIC_LEN, t->body_len);
	t->key_len = rec->key_len;
	t->key = dup_bytes(rec->key, rec->key_len);
	t->offset = rec->offset;
	if (!t->seg || !t->name || !t->body || !t->key)
		return ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
	return EKV_OK;
}

static int handle_table(struct ddb_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	struct ekv_buf name = EKV_BUF_INIT;
	int rc = check_table_record(rec, &name, err);
	if (!rc) rc = keep_table(d, rec, &name, err);
	ekv_buf_release(&name);
	return rc;
}

/* Sorter value of a parked item: BE64 gen, BE64 offset, BE32 key length,
 * key, protobuf body (after the magic). */
struct parked {
	uint64_t gen, offset;
	const uint8_t *key;
	size_t key_len;
	const uint8_t *body;
	size_t body_len;
};

static int park_value(struct ekv_buf *v, uint64_t gen, uint64_t offset, const uint8_t *key,
		      size_t key_len, const uint8_t *body, size_t body_len)
{
	if (ekv_buf_append_be64(v, gen) || ekv_buf_append_be64(v, offset) ||
	    ekv_buf_append_be32(v, (uint32_t)key_len) || ekv_buf_append(v, key, key_len) ||
	    ekv_buf_append(v, body, body_len))
		return EKV_ENOMEM;
	return EKV_OK;
}

static void unpark(const uint8_t *v, size_t n, struct parked *p)
{
	p->gen = ekv_be64(v);
	p->offset = ekv_be64(v + 8);
	p->key_len = ekv_be32(v + 16);
	p->key = v + 20;
	p->body = p->key + p->key_len;
	p->body_len = n - 20 - p->key_len;
}

static int handle_item(struct ddb_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	struct ddb_bytes seg;
	uint64_t gen;
	int rc = ddb_parse_item_key(rec->key, rec->key_len, &seg, &gen, err);
	if (rc) return rc;
	if (!has_magic(rec, DDB_ITEM_MAGIC))
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len,
				    "dynamodb: invalid !ddb|item value: missing magic prefix");
	const uint8_t *body = rec->value + DDB_MAGIC_LEN;
	size_t body_len = rec->value_len - DDB_MAGIC_LEN;
	struct ddb_arena a;
	struct ddb_map item;
	ddb_arena_init(&a);
	rc = ddb_proto_parse_item(body, body_len, &a, &item, err);
	ddb_arena_release(&a);
	if (rc) {
		ekv_error_set_key(err, rec->key, rec->key_len);
		return rc;
	}
	struct ekv_buf v = EKV_BUF_INIT;
	rc = park_value(&v, gen, rec->offset, rec->key, rec->key_len, body, body_len);
	if (rc) rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
	else rc = ekv_sorter_add(d->items, seg.p, seg.n, v.data, v.len, err);
	ekv_buf_release(&v);
	return rc;
}

int ddb_decode_record(void *state, const struct ekv_record *rec, struct ekv_error *err)
{
	struct ddb_dec *d = state;
	switch (rec->tag) {
	case DDB_ROUTE_TABLE: return handle_table(d, rec, err);
	case DDB_ROUTE_ITEM: return handle_item(d, rec, err);
	default: return EKV_OK;      /* generation counters and GSI rows: counted, dropped */
	}
}

/* ---- finish: one table at a time ---- */

struct cursor {                       /* lookahead over the item sorter */
	struct ekv_sorter *s;
	int have;
	const uint8_t *k, *v;
	size_t kn, vn;
};

static int cursor_next(struct cursor *c, struct ekv_error *err)
{
	int rc = ekv_sorter_next(c->s, &c->k, &c->kn, &c->v, &c->vn, err);
	if (rc < 0) return err && err->code ? err->code : EKV_EIO;
	c->have = rc == 1;
	return EKV_OK;
}

static int cursor_at(const struct cursor *c, const uint8_t *seg, size_t n)
{
	return c->have && ekv_bytes_cmp(c->k, c->kn, seg, n) == 0;
}

struct table_job {
	struct ddb_dec *d;
	const struct ddb_table_rec *t;
	struct ddb_arena arena;
	struct ddb_schema schema;
	struct ekv_buf items_dir;         /* "dynamodb/<dir>/items" */
	struct ekv_sorter *paths;         /* key: path 00 prio; value: offset, key, body */
	uint64_t active, source;
	int has_source;
	uint64_t stale;
	char name[160];                   /* printable table name */
};

static int fail_item(struct ekv_error *err, int code, const struct parked *p, const char *fmt,
		     const char *a1, const char *a2)
{
	ekv_fail_key(err, code, p->key, p->key_len, fmt, a1, a2);
	ekv_error_set_offset(err, p->offset);
	return code;
}

/* seg(av) of §4.4 with D15 for "." and "..". */
static int key_segment(struct table_job *j, const struct ddb_av *av, const char *role,
		       const struct parked *p, struct ekv_buf *out, struct ekv_error *err)
{
	int fallback, rc = EKV_OK;
	struct ekv_buf canon = EKV_BUF_INIT;
	switch (av->kind) {
	case DDB_S:
		if (is_dot_name(av->scalar.p, av->scalar.n)) {
			/* D15: upstream fails the decode; its encoder reads these names */
			rc = ekv_buf_append_str(out, av->scalar.n == 1 ? "%2E" : "%2E%2E");
			ekv_warn(j->d->ctx, "ddb_dot_key", "table %s: %s key \"%.*s\" written as %s (D15)",
				 j->name, role, (int)av->scalar.n, (const char *)av->scalar.p,
				 av->scalar.n == 1 ? "%2E" : "%2E%2E");
		} else {
			rc = ekv_segment_encode(out, av->scalar.p, av->scalar.n, &fallback);
		}
		break;
	case DDB_N:
		rc = ddb_canon_number(&canon, av->scalar.p, av->scalar.n);
		if (rc == EKV_ELIMIT) {
			rc = fail_item(err, EKV_ELIMIT, p,
				       "dynamodb: table %s: %s key number has too many digits to name its file",
				       j->name, role);
			break;
		}
		if (!rc) rc = ekv_segment_encode(out, canon.data, canon.len, &fallback);
		break;
	case DDB_B: rc = ekv_segment_encode_binary(out, av->scalar.p, av->scalar.n, &fallback); break;
	default:
		rc = fail_item(err, EKV_EDATA, p,
			       "dynamodb: table %s: %s key has unsupported attribute kind (not S, N or B)",
			       j->name, role);
	}
	ekv_buf_release(&canon);
	if (rc == EKV_ENOMEM) return ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
	return rc;
}

/* Relative path under items/ (§4.4; an empty hash segment collapses into
 * items/ itself, as Go's filepath.Join does). */
static int item_path(struct table_job *j, const struct parked *p, struct ekv_buf *path,
		     struct ekv_error *err)
{
	struct ddb_arena a;
	struct ddb_map item;
	ddb_arena_init(&a);
	int rc = ddb_proto_parse_item(p->body, p->body_len, &a, &item, err);
	const struct ddb_schema *s = &j->schema;
	const struct ddb_av *hv = NULL, *rv = NULL;
	if (!rc) hv = ddb_map_get(item.ents, item.n, (const char *)s->hash_key.p, s->hash_key.n);
	if (!rc && !hv)
		rc = fail_item(err, EKV_EDATA, p, "dynamodb: table %s: item missing hash-key attribute%s",
			       j->name, "");
	if (!rc && s->range_key.n) {
		rv = ddb_map_get(item.ents, item.n, (const char *)s->range_key.p, s->range_key.n);
		if (!rv)
			rc = fail_item(err, EKV_EDATA, p,
				       "dynamodb: table %s: item missing range-key attribute%s", j->name, "");
	}
	if (!rc) rc = key_segment(j, hv, "hash", p, path, err);
	if (!rc && rv) {
		if (path->len && ekv_buf_append_byte(path, '/')) rc = EKV_ENOMEM;
		if (!rc) rc = key_segment(j, rv, "range", p, path, err);
	}
	if (!rc && ekv_buf_append_str(path, ".json")) rc = EKV_ENOMEM;
	ddb_arena_release(&a);
	if (rc == EKV_ENOMEM) return ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
	return rc;
}

static int emitted_priority(const struct table_job *j, uint64_t gen)
{
	if (gen == j->active) return 0;
	if (j->has_source && gen == j->source) return 1;
	return -1;
}

/* Routes one parked item of this table into the path sorter (or counts it stale). */
static int collect_item(struct table_job *j, const uint8_t *v, size_t vn, struct ekv_error *err)
{
	struct parked p;
	unpark(v, vn, &p);
	int prio = emitted_priority(j, p.gen);
	if (prio < 0) {
		j->stale++;                   /* §4.6: never validated, never written */
		return EKV_OK;
	}
	struct ekv_buf key = EKV_BUF_INIT, val = EKV_BUF_INIT;
	int rc = item_path(j, &p, &key, err);
	if (!rc && (ekv_buf_append_byte(&key, 0) || ekv_buf_append_byte(&key, (uint8_t)prio) ||
		    park_value(&val, p.gen, p.offset, p.key, p.key_len, p.body, p.body_len)))
		rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
	if (!rc) rc = ekv_sorter_add(j->paths, key.data, key.len, val.data, val.len, err);
	ekv_buf_release(&key);
	ekv_buf_release(&val);
	return rc;
}

/* D19 bundle parts: items/data-NNNNN.jsonl, a new part before a line
 * would pass the size. */
struct bundle {
	struct ekv_file *f;
	unsigned part;
	uint64_t limit;
};

static int bundle_line(struct table_job *j, struct bundle *b, const struct ekv_buf *line,
		       struct ekv_error *err)
{
	if (b->f && ekv_file_size(b->f) > 0 && ekv_file_size(b->f) + line->len > b->limit) {
		int rc = ekv_file_commit(b->f, err);
		b->f = NULL;
		if (rc) return rc;
	}
	if (!b->f) {
		char rel[64];
		snprintf(rel, sizeof rel, "/data-%05u.jsonl", b->part++);
		struct ekv_buf path = EKV_BUF_INIT;
		int rc = ekv_buf_append(&path, j->items_dir.data, j->items_dir.len) ||
				 ekv_buf_append_str(&path, rel)
			 ? ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory")
			 : ekv_tree_open(j->d->ctx->tree, (const char *)path.data, &b->f, err);
		ekv_buf_release(&path);
		if (rc) return rc;
	}
	return ekv_file_write(b->f, line->data, line->len, err);
}

static int write_item(struct table_job *j, struct bundle *b, const uint8_t *path, size_t path_len,
		      const struct parked *p, struct ekv_error *err)
{
	struct ddb_arena a;
	struct ddb_map item;
	struct ekv_buf json = EKV_BUF_INIT, rel = EKV_BUF_INIT;
	ddb_arena_init(&a);
	int rc = ddb_proto_parse_item(p->body, p->body_len, &a, &item, err);
	if (!rc && ddb_json_item(&json, item.ents, item.n, b == NULL))
		rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
	if (!rc && b) {
		rc = ekv_buf_append_byte(&json, '\n') ? ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory")
						      : bundle_line(j, b, &json, err);
	} else if (!rc) {
		if (ekv_buf_append(&rel, j->items_dir.data, j->items_dir.len) ||
		    ekv_buf_append_byte(&rel, '/') || ekv_buf_append(&rel, path, path_len))
			rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
		else
			rc = ekv_tree_write(j->d->ctx->tree, (const char *)rel.data, json.data, json.len, err);
	}
	if (rc) {
		ekv_error_set_key(err, p->key, p->key_len);
		ekv_error_set_offset(err, p->offset);
	}
	ddb_arena_release(&a);
	ekv_buf_release(&json);
	ekv_buf_release(&rel);
	return rc;
}

/* Writes the path-sorted items: the active generation wins over the
 * migration source at one path (§4.6); any other shared path is a D16
 * collision. */
static int write_items(struct table_job *j, struct bundle *b, struct ekv_error *err)
{
	struct ekv_buf prev_path = EKV_BUF_INIT, prev_key = EKV_BUF_INIT;
	int have_prev = 0, prev_prio = 0, rc;
	const uint8_t *k, *v;
	size_t kn, vn;
	while ((rc = ekv_sorter_next(j->paths, &k, &kn, &v, &vn, err)) == 1) {
		struct parked p;
		unpark(v, vn, &p);
		size_t path_len = kn - 2;
		int prio = k[kn - 1];
		if (have_prev && ekv_bytes_cmp(prev_path.data, prev_path.len, k, path_len) == 0) {
			if (prio != prev_prio) continue;      /* source row under an active one */
			char other[200];
			printable(other, sizeof other, prev_key.data, prev_key.len);
			rc = fail_item(err, EKV_EEXIST, &p,
				       "dynamodb: two items map to one file %s (other key: %s) (D16)",
				       (const char *)prev_path.data, other);
			break;
		}
		if (ekv_buf_set(&prev_path, k, path_len) || ekv_buf_set(&prev_key, p.key, p.key_len)) {
			rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
			break;
		}
		have_prev = 1;
		prev_prio = prio;
		if ((rc = write_item(j, b, k, path_len, &p, err)) != 0) break;
	}
	if (rc < 0) rc = err && err->code ? err->code : EKV_EIO;
	ekv_buf_release(&prev_path);
	ekv_buf_release(&prev_key);
	return rc;
}

static int write_schema(struct table_job *j, struct ekv_error *err)
{
	struct ekv_buf dir = EKV_BUF_INIT, path = EKV_BUF_INIT, json = EKV_BUF_INIT;
	int fallback, rc = EKV_ENOMEM;
	if (ekv_buf_append_str(&dir, "dynamodb/") ||
	    ekv_segment_encode(&dir, j->t->name, j->t->name_len, &fallback) ||
	    ekv_buf_set(&path, dir.data, dir.len) || ekv_buf_append_str(&path, "/_schema.json") ||
	    ekv_buf_set(&j->items_dir, dir.data, dir.len) || ekv_buf_append_str(&j->items_dir, "/items") ||
	    ddb_json_schema(&json, &j->schema)) {
		rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
		goto done;
	}
	rc = ekv_tree_mkdirs(j->d->ctx->tree, (const char *)j->items_dir.data, err);
	if (!rc) rc = ekv_tree_write(j->d->ctx->tree, (const char *)path.data, json.data, json.len, err);
done:
	if (rc) {
		ekv_error_set_key(err, j->t->key, j->t->key_len);
		ekv_error_set_offset(err, j->t->offset);
	}
	ekv_buf_release(&dir);
	ekv_buf_release(&path);
	ekv_buf_release(&json);
	return rc;
}

static void warn_stale(struct table_job *j)
{
	if (!j->stale) return;
	ekv_warn(j->d->ctx, "ddb_stale_generation_items",
		 "table=%s active_generation=%llu migration_source_generation=%llu stale_count=%llu "
		 "hint=stale-gen rows excluded; restore would otherwise emit them under the new schema",
		 j->name, (unsigned long long)j->active,
		 (unsigned long long)(j->has_source ? j->source : 0), (unsigned long long)j->stale);
}

static int run_table(struct table_job *j, struct cursor *c, struct ekv_error *err)
{
	const struct ddb_table_rec *t = j->t;
	int rc = ddb_proto_parse_schema(t->body, t->body_len, &j->arena, &j->schema, err);
	if (rc) return rc;
	j->active = j->schema.generation;
	j->source = j->schema.migrating_from_generation;
	j->has_source = j->source != 0 && j->source != j->active;
	if ((rc = write_schema(j, err)) != 0) return rc;
	if ((rc = ekv_sorter_new(j->d->ctx->tmpdir, sorter_budget(j->d->ctx), &j->paths, err)))
		return rc;
	while (cursor_at(c, t->seg, t->seg_len)) {
		if ((rc = collect_item(j, c->v, c->vn, err)) != 0) return rc;
		if ((rc = cursor_next(c, err)) != 0) return rc;
	}
	warn_stale(j);
	if ((rc = ekv_sorter_finish(j->paths, err)) != 0) return rc;
	const struct ekv_decode_options *o = j->d->ctx->opts;
	if (!o->dynamodb_bundle_jsonl) return write_items(j, NULL, err);
	struct bundle b = { NULL, 0, o->dynamodb_bundle_size ? o->dynamodb_bundle_size : DDB_BUNDLE_DEFAULT_SIZE };
	rc = write_items(j, &b, err);
	if (b.f) {
		if (rc) ekv_file_abort(b.f);
		else rc = ekv_file_commit(b.f, err);
	}
	return rc;
}

static int process_table(struct ddb_dec *d, const struct ddb_table_rec *t, struct cursor *c,
			 struct ekv_error *err)
{
	struct table_job j;
	memset(&j, 0, sizeof j);
	j.d = d;
	j.t = t;
	ddb_arena_init(&j.arena);
	ekv_buf_init(&j.items_dir);
	printable(j.name, sizeof j.name, t->name, t->name_len);
	int rc = run_table(&j, c, err);
	if (rc) ekv_error_set_key(err, t->key, t->key_len);
	ekv_sorter_free(j.paths);
	ekv_buf_release(&j.items_dir);
	ddb_arena_release(&j.arena);
	return rc;
}

/* Items whose table has no schema (§4.8): counted, warned, dropped. */
static int skip_orphans(struct ddb_dec *d, struct cursor *c, struct ekv_error *err)
{
	struct ekv_buf seg = EKV_BUF_INIT, name = EKV_BUF_INIT;
	uint64_t n = 0;
	int rc = ekv_buf_set(&seg, c->k, c->kn) ? ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory") : 0;
	while (!rc && cursor_at(c, seg.data, seg.len)) {
		n++;
		rc = cursor_next(c, err);
	}
	if (!rc) {
		char enc[200], dec[200];
		if (ekv_b64url_decode(&name, (const char *)seg.data, seg.len)) ekv_buf_reset(&name);
		ekv_warn(d->ctx, "ddb_orphan_items", "encoded_table=%s table=%s buffered_items=%llu",
			 printable(enc, sizeof enc, seg.data, seg.len),
			 printable(dec, sizeof dec, name.data, name.len), (unsigned long long)n);
	}
	ekv_buf_release(&seg);
	ekv_buf_release(&name);
	return rc;
}

static int table_cmp(const void *a, const void *b)
{
	const struct ddb_table_rec *x = a, *y = b;
	return ekv_bytes_cmp(x->seg, x->seg_len, y->seg, y->seg_len);
}

int ddb_decode_finish(void *state, struct ekv_error *err)
{
	struct ddb_dec *d = state;
	struct cursor c = { d->items, 0, NULL, NULL, 0, 0 };
	int rc = ekv_sorter_finish(d->items, err);
	if (!rc) rc = cursor_next(&c, err);
	/* D18: tables in bytewise order of their encoded segment */
	if (d->n_tables > 1) qsort(d->tables, d->n_tables, sizeof *d->tables, table_cmp);
	size_t ti = 0;
	while (!rc && (c.have || ti < d->n_tables)) {
		const struct ddb_table_rec *t = ti < d->n_tables ? &d->tables[ti] : NULL;
		if (c.have && (!t || ekv_bytes_cmp(c.k, c.kn, t->seg, t->seg_len) < 0)) {
			rc = skip_orphans(d, &c, err);
		} else {
			rc = process_table(d, t, &c, err);
			ti++;
		}
	}
	return rc;
}
