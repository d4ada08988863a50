/*
 * DynamoDB encode (dynamodb.md §5): dump tree -> schema, generation
 * counter, item and GSI records exactly as the live adapter writes them
 * (generation 1, ordered keys, deterministic protobuf).
 *
 * Strictness (D18): JSON is parsed with duplicates and invalid UTF-8
 * refused, trailing bytes refused, schema members whose names match a
 * known member only case-insensitively refused. D16: any symlink below
 * dynamodb/ is refused (upstream skips symlinked directories silently).
 * D19: with MANIFEST dynamodb_layout "jsonl", items come from
 * items/data-NNNNN.jsonl, one item per line.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "ddb_internal.h"
#include "../../lib/error.h"
#include "../../lib/jsonr.h"
#include "../../lib/manifest.h"
#include "../../lib/segment.h"
#include "../../lib/util.h"

struct table_enc {
	struct ekv_encode_ctx *ctx;
	struct ddb_arena arena;           /* schema strings (point into json) */
	json_t *schema_json;
	struct ddb_schema schema;
	char display[1024];               /* "dynamodb/<dir>" */
};

static int input_error(struct ekv_error *err, const char *file, unsigned long line, const char *fmt,
		       const char *a1, const char *a2)
{
	ekv_fail(err, EKV_EINPUT, fmt, a1, a2);
	ekv_error_set_file(err, file, line);
	return EKV_EINPUT;
}

/* ---- _schema.json ---- */

struct member_spec {
	const char *name;
	json_t **slot;
};

/* Picks the known members of obj. Unknown members are ignored (as Go
 * does); a member that matches a known name only case-insensitively is
 * refused (D18). */
static int take_members(json_t *obj, struct member_spec *spec, size_t n, const char **bad)
{
	const char *key;
	size_t key_len;
	json_t *val;
	for (size_t i = 0; i < n; i++) *spec[i].slot = NULL;
	json_object_keylen_foreach(obj, key, key_len, val) {
		for (size_t i = 0; i < n; i++) {
			if (strlen(spec[i].name) != key_len) continue;
			if (memcmp(spec[i].name, key, key_len) == 0) {
				*spec[i].slot = json_is_null(val) ? NULL : val;
			} else if (strncasecmp(spec[i].name, key, key_len) == 0) {
				*bad = "a member name differs from a known one only in letter case (D18)";
				return -1;
			}
		}
	}
	return 0;
}

/* A JSON string (or null / absent = "") as bytes. */
static int get_string(json_t *v, struct ddb_bytes *out)
{
	out->p = (const uint8_t *)"";
	out->n = 0;
	if (!v) return 0;
	if (!json_is_string(v)) return -1;
	out->p = (const uint8_t *)json_string_value(v);
	out->n = json_string_length(v);
	return 0;
}

/* {"name": string, "type": string}; the type is ignored (§5.2). */
static int parse_key_attr(json_t *v, struct ddb_bytes *name, const char **why)
{
	json_t *jn, *jt;
	struct member_spec spec[] = { { "name", &jn }, { "type", &jt } };
	name->p = (const uint8_t *)"";
	name->n = 0;
	if (!v) return 0;
	if (!json_is_object(v)) return *why = "key attribute is not an object", -1;
	if (take_members(v, spec, 2, why)) return -1;
	struct ddb_bytes type;
	if (get_string(jn, name) || get_string(jt, &type)) return *why = "key attribute member is not a string", -1;
	return 0;
}

static int parse_key_schema_json(json_t *v, struct ddb_bytes *hash, struct ddb_bytes *range,
				 const char **why)
{
	json_t *jh, *jr;
	struct member_spec spec[] = { { "hash_key", &jh }, { "range_key", &jr } };
	hash->n = range->n = 0;
	hash->p = range->p = (const uint8_t *)"";
	if (!v) return 0;
	if (!json_is_object(v)) return *why = "key schema is not an object", -1;
	if (take_members(v, spec, 2, why)) return -1;
	return parse_key_attr(jh, hash, why) || parse_key_attr(jr, range, why) ? -1 : 0;
}

static int bytes_eq(const struct ddb_bytes *a, const struct ddb_bytes *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static int parse_defs(struct table_enc *t, json_t *v, const char **why)
{
	struct ddb_schema *s = &t->schema;
	if (!v) return 0;
	if (!json_is_array(v)) return *why = "attribute_definitions is not an array", -1;
	size_t i;
	json_t *elem;
	json_array_foreach(v, i, elem) {
		json_t *jn = NULL, *jt = NULL;
		struct member_spec spec[] = { { "name", &jn }, { "type", &jt } };
		if (!json_is_null(elem) && !json_is_object(elem))
			return *why = "attribute definition is not an object", -1;
		if (json_is_object(elem) && take_members(elem, spec, 2, why)) return -1;
		if (ddb_arena_grow(&t->arena, (void **)&s->defs, &s->cap_defs, s->n_defs, sizeof *s->defs))
			return *why = "out of memory", -1;
		struct ddb_entry *e = &s->defs[s->n_defs];
		memset(e, 0, sizeof *e);
		e->seq = s->n_defs;
		if (!(e->value = ddb_arena_alloc(&t->arena, sizeof *e->value))) return *why = "out of memory", -1;
		e->value->kind = DDB_S;
		if (get_string(jn, &e->name) || get_string(jt, &e->value->scalar))
			return *why = "attribute definition member is not a string", -1;
		for (size_t k = 0; k < s->n_defs; k++)
			if (bytes_eq(&s->defs[k].name, &e->name))
				return *why = "duplicate attribute definition name", -1;
		s->n_defs++;
	}
	ddb_map_normalize(s->defs, &s->n_defs);
	return 0;
}

static int parse_projection_json(struct table_enc *t, json_t *v, struct ddb_gsi *g, const char **why)
{
	json_t *jt, *jk;
	struct member_spec spec[] = { { "type", &jt }, { "non_key_attributes", &jk } };
	if (!v) return 0;
	if (!json_is_object(v)) return *why = "projection is not an object", -1;
	if (take_members(v, spec, 2, why)) return -1;
	if (get_string(jt, &g->projection_type)) return *why = "projection type is not a string", -1;
	if (!jk) return 0;
	if (!json_is_array(jk)) return *why = "non_key_attributes is not an array", -1;
	size_t i;
	json_t *elem;
	json_array_foreach(jk, i, elem) {
		if (ddb_arena_grow(&t->arena, (void **)&g->non_key, &g->cap_non_key, g->n_non_key,
				   sizeof *g->non_key))
			return *why = "out of memory", -1;
		if (!json_is_string(elem) && !json_is_null(elem))
			return *why = "non_key_attributes element is not a string", -1;
		get_string(json_is_null(elem) ? NULL : elem, &g->non_key[g->n_non_key++]);
	}
	return 0;
}

static int gsi_name_cmp(const void *a, const void *b)
{
	const struct ddb_gsi *x = a, *y = b;
	return ekv_bytes_cmp(x->name.p, x->name.n, y->name.p, y->name.n);
}

static int parse_gsis(struct table_enc *t, json_t *v, const char **why)
{
	struct ddb_schema *s = &t->schema;
	if (!v) return 0;
	if (!json_is_array(v)) return *why = "global_secondary_indexes is not an array", -1;
	size_t i;
	json_t *elem;
	json_array_foreach(v, i, elem) {
		json_t *jn = NULL, *jk = NULL, *jp = NULL;
		struct member_spec spec[] = { { "name", &jn }, { "key_schema", &jk }, { "projection", &jp } };
		if (!json_is_null(elem) && !json_is_object(elem)) return *why = "index is not an object", -1;
		if (json_is_object(elem) && take_members(elem, spec, 3, why)) return -1;
		if (ddb_arena_grow(&t->arena, (void **)&s->gsis, &s->cap_gsis, s->n_gsis, sizeof *s->gsis))
			return *why = "out of memory", -1;
		struct ddb_gsi *g = &s->gsis[s->n_gsis];
		memset(g, 0, sizeof *g);
		if (get_string(jn, &g->name)) return *why = "index name is not a string", -1;
		if (parse_key_schema_json(jk, &g->hash_key, &g->range_key, why) ||
		    parse_projection_json(t, jp, g, why))
			return -1;
		for (size_t k = 0; k < s->n_gsis; k++)
			if (bytes_eq(&s->gsis[k].name, &g->name)) return *why = "duplicate index name", -1;
		s->n_gsis++;
	}
	if (s->n_gsis > 1) qsort(s->gsis, s->n_gsis, sizeof *s->gsis, gsi_name_cmp);
	return 0;
}

static int check_schema_identity(struct table_enc *t, const char *dir_name, const char **why)
{
	struct ddb_schema *s = &t->schema;
	if (s->table_name.n == 0) return *why = "empty table_name", -1;
	struct ekv_buf seg = EKV_BUF_INIT;
	int fallback, rc = 0;
	if (ekv_segment_encode(&seg, s->table_name.p, s->table_name.n, &fallback)) rc = -1, *why = "out of memory";
	else if (seg.len != strlen(dir_name) || memcmp(seg.data, dir_name, seg.len) != 0)
		rc = -1, *why = "table_name does not match its directory name";
	ekv_buf_release(&seg);
	if (!rc && s->hash_key.n == 0) rc = -1, *why = "empty primary_key.hash_key.name";
	return rc;
}

static int parse_schema_doc(struct table_enc *t, const char *dir_name, const char **why)
{
	json_t *root = t->schema_json, *jv, *jname, *jpk, *jdefs, *jgsi;
	struct member_spec spec[] = { { "format_version", &jv }, { "table_name", &jname },
				      { "primary_key", &jpk }, { "attribute_definitions", &jdefs },
				      { "global_secondary_indexes", &jgsi } };
	if (!json_is_object(root)) return *why = "top level is not an object", -1;
	if (take_members(root, spec, 5, why)) return -1;
	int64_t version = 0;
	if (jv && ekv_json_i64(jv, &version)) return *why = "format_version is not an integer", -1;
	if (version != 1) return *why = "unsupported format_version (want 1)", -1;
	if (get_string(jname, &t->schema.table_name)) return *why = "table_name is not a string", -1;
	if (parse_key_schema_json(jpk, &t->schema.hash_key, &t->schema.range_key, why)) return -1;
	if (parse_defs(t, jdefs, why) || parse_gsis(t, jgsi, why)) return -1;
	if (check_schema_identity(t, dir_name, why)) return -1;
	t->schema.key_encoding_version = DDB_ORDERED_KEY_ENCODING;
	t->schema.generation = DDB_RESTORE_GENERATION;
	return 0;
}

static int read_schema(struct table_enc *t, int table_fd, const char *dir_name, struct ekv_error *err)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/_schema.json", t->display);
	struct ekv_buf text = EKV_BUF_INIT;
	int rc = ekv_read_input_file(table_fd, "_schema.json", path, &text, err);
	if (rc && err && err->sys_errno == ENOENT)
		rc = input_error(err, path, 0, "dynamodb: table directory without _schema.json%s%s", "", "");
	if (!rc) {
		t->schema_json = ekv_json_parse(text.data, text.len, path, EKV_EINPUT, err);
		if (!t->schema_json) rc = err && err->code ? err->code : EKV_EINPUT;
	}
	ekv_buf_release(&text);
	if (rc) return rc;
	const char *why = NULL;
	if (parse_schema_doc(t, dir_name, &why))
		return input_error(err, path, 0, "dynamodb: invalid _schema.json: %s%s", why, "");
	return EKV_OK;
}

static int emit_schema(struct table_enc *t, struct ekv_error *err)
{
	struct ekv_buf key = EKV_BUF_INIT, val = EKV_BUF_INIT, gkey = EKV_BUF_INIT;
	const struct ddb_bytes *name = &t->schema.table_name;
	int rc = EKV_ENOMEM;
	if (ekv_buf_append_str(&key, DDB_PREFIX_TABLE) || ekv_b64url_encode(&key, name->p, name->n) ||
	    ddb_proto_write_schema(&val, &t->schema) || ekv_buf_append_str(&gkey, DDB_PREFIX_GEN) ||
	    ekv_b64url_encode(&gkey, name->p, name->n)) {
		rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
		goto done;
	}
	rc = ekv_emit(t->ctx, key.data, key.len, val.data, val.len, err);
	if (!rc) rc = ekv_emit(t->ctx, gkey.data, gkey.len, "1", 1, err);
done:
	ekv_buf_release(&key);
	ekv_buf_release(&val);
	ekv_buf_release(&gkey);
	return rc;
}

/* ---- item JSON -> attribute values ---- */

struct item_ctx {
	struct ddb_arena *arena;
	const char *why;
	char where[200];                  /* attribute the failure is about */
};

static int item_fail(struct item_ctx *c, const char *why)
{
	if (!c->why) c->why = why;
	return -1;
}

static int decode_b64(struct item_ctx *c, json_t *v, struct ddb_bytes *out)
{
	if (!json_is_string(v)) return item_fail(c, "binary value is not a string");
	struct ekv_buf b = EKV_BUF_INIT;
	int rc = ekv_b64std_decode(&b, json_string_value(v), json_string_length(v));
	if (rc) {
		ekv_buf_release(&b);
		return item_fail(c, "invalid standard base64");
	}
	uint8_t *p = ddb_arena_alloc(c->arena, b.len);
	if (!p) {
		ekv_buf_release(&b);
		return item_fail(c, "out of memory");
	}
	memcpy(p, b.data, b.len);
	out->p = p;
	out->n = b.len;
	ekv_buf_release(&b);
	return 0;
}

static int json_to_av(struct item_ctx *c, json_t *v, struct ddb_av *av, int depth);

static int to_entries(struct item_ctx *c, json_t *obj, struct ddb_entry **ents, size_t *n, size_t *cap,
		      int depth)
{
	const char *key;
	size_t key_len;
	json_t *val;
	json_object_keylen_foreach(obj, key, key_len, val) {
		if (ddb_arena_grow(c->arena, (void **)ents, cap, *n, sizeof **ents))
			return item_fail(c, "out of memory");
		struct ddb_entry *e = &(*ents)[*n];
		memset(e, 0, sizeof *e);
		e->name.p = (const uint8_t *)key;
		e->name.n = key_len;
		e->seq = *n;
		if (!(e->value = ddb_arena_alloc(c->arena, sizeof *e->value))) return item_fail(c, "out of memory");
		if (json_to_av(c, val, e->value, depth + 1)) {
			if (!c->where[0]) snprintf(c->where, sizeof c->where, "%.*s", (int)key_len, key);
			return -1;
		}
		(*n)++;
	}
	ddb_map_normalize(*ents, n);
	return 0;
}

static int to_strings(struct item_ctx *c, json_t *arr, struct ddb_av *av, int binary)
{
	if (!json_is_array(arr)) return item_fail(c, "set value is not an array");
	size_t i;
	json_t *elem;
	json_array_foreach(arr, i, elem) {
		if (ddb_arena_grow(c->arena, (void **)&av->strs, &av->cap_strs, av->n_strs, sizeof *av->strs))
			return item_fail(c, "out of memory");
		struct ddb_bytes *b = &av->strs[av->n_strs];
		if (binary) {
			if (decode_b64(c, elem, b)) return -1;
		} else {
			if (!json_is_string(elem)) return item_fail(c, "set element is not a string");
			b->p = (const uint8_t *)json_string_value(elem);
			b->n = json_string_length(elem);
		}
		av->n_strs++;
	}
	return 0;
}

static int to_list(struct item_ctx *c, json_t *arr, struct ddb_av *av, int depth)
{
	if (!json_is_array(arr)) return item_fail(c, "L value is not an array");
	size_t i;
	json_t *elem;
	json_array_foreach(arr, i, elem) {
		if (ddb_arena_grow(c->arena, (void **)&av->elems, &av->cap_elems, av->n_elems,
				   sizeof *av->elems))
			return item_fail(c, "out of memory");
		struct ddb_av *child = ddb_arena_alloc(c->arena, sizeof *child);
		if (!child) return item_fail(c, "out of memory");
		if (json_to_av(c, elem, child, depth + 1)) return -1;
		av->elems[av->n_elems++] = child;
	}
	return 0;
}

static const char *const type_names[] = { NULL, "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M" };

static int json_to_av(struct item_ctx *c, json_t *v, struct ddb_av *av, int depth)
{
	if (depth > DDB_MAX_NESTING) return item_fail(c, "nesting too deep");
	if (!json_is_object(v)) return item_fail(c, "attribute value is not an object");
	if (json_object_size(v) != 1) return item_fail(c, "attribute value must have exactly one type key");
	const char *key;
	size_t key_len;
	json_t *val;
	enum ddb_kind kind = DDB_NONE;
	json_object_keylen_foreach(v, key, key_len, val) {
		for (int k = DDB_S; k <= DDB_M; k++)
			if (strlen(type_names[k]) == key_len && memcmp(type_names[k], key, key_len) == 0)
				kind = (enum ddb_kind)k;
		break;
	}
	if (kind == DDB_NONE) return item_fail(c, "unknown attribute type");
	av->kind = kind;
	switch (kind) {
	case DDB_S:
	case DDB_N:
		if (!json_is_string(val)) return item_fail(c, "S/N value is not a string");
		av->scalar.p = (const uint8_t *)json_string_value(val);
		av->scalar.n = json_string_length(val);
		return 0;
	case DDB_B: return decode_b64(c, val, &av->scalar);
	case DDB_BOOL:
	case DDB_NULL:
		if (!json_is_boolean(val)) return item_fail(c, "BOOL/NULL value is not true or false");
		av->flag = json_is_true(val);      /* D18/§5.3: NULL false is preserved */
		return 0;
	case DDB_SS:
	case DDB_NS: return to_strings(c, val, av, 0);
	case DDB_BS: return to_strings(c, val, av, 1);
	case DDB_L: return to_list(c, val, av, depth);
	case DDB_M:
		if (!json_is_object(val)) return item_fail(c, "M value is not an object");
		return to_entries(c, val, &av->ents, &av->n_ents, &av->cap_ents, depth);
	default: return item_fail(c, "unknown attribute type");
	}
}

/* ---- item and GSI records ---- */

static int gsi_key(struct ekv_buf *out, const struct ddb_schema *s, const struct ddb_gsi *g,
		   const struct ddb_map *item, int *skip, const char **reason)
{
	const struct ddb_av *ih = ddb_map_get(item->ents, item->n, (const char *)g->hash_key.p, g->hash_key.n);
	const struct ddb_av *ir = NULL, *ph, *pr = NULL;
	*skip = 1;
	if (!ih) return 0;                         /* sparse index */
	if (g->range_key.n) {
		ir = ddb_map_get(item->ents, item->n, (const char *)g->range_key.p, g->range_key.n);
		if (!ir) {
			/* the hash value must still be a valid key attribute */
			struct ekv_buf tmp = EKV_BUF_INIT;
			int rc = ddb_key_bytes(&tmp, ih, reason);
			ekv_buf_release(&tmp);
			return rc;
		}
	}
	ph = ddb_map_get(item->ents, item->n, (const char *)s->hash_key.p, s->hash_key.n);
	if (s->range_key.n) pr = ddb_map_get(item->ents, item->n, (const char *)s->range_key.p, s->range_key.n);
	*skip = 0;
	struct ekv_buf kb = EKV_BUF_INIT;
	const struct ddb_av *parts[4] = { ih, ir, ph, pr };
	int rc = 0;
	if (ekv_buf_append_str(out, DDB_PREFIX_GSI) || ekv_b64url_encode(out, s->table_name.p, s->table_name.n) ||
	    ekv_buf_printf(out, "|%d|", DDB_RESTORE_GENERATION) || ekv_b64url_encode(out, g->name.p, g->name.n) ||
	    ekv_buf_append_byte(out, '|'))
		return *reason = "out of memory", -1;
	for (int i = 0; i < 4 && !rc; i++) {
		if (!parts[i]) continue;
		ekv_buf_reset(&kb);
		rc = ddb_key_bytes(&kb, parts[i], reason);
		if (!rc && ekv_keyseg_append(out, kb.data, kb.len)) rc = -1, *reason = "out of memory";
	}
	ekv_buf_release(&kb);
	return rc;
}

static int emit_item(struct table_enc *t, const struct ddb_map *item, const char *file, unsigned long line,
		     struct ekv_error *err)
{
	const struct ddb_schema *s = &t->schema;
	const struct ddb_av *hv = ddb_map_get(item->ents, item->n, (const char *)s->hash_key.p, s->hash_key.n);
	const struct ddb_av *rv = NULL;
	if (!hv) return input_error(err, file, line, "dynamodb: invalid item: missing hash-key attribute%s%s", "", "");
	if (s->range_key.n &&
	    !(rv = ddb_map_get(item->ents, item->n, (const char *)s->range_key.p, s->range_key.n)))
		return input_error(err, file, line, "dynamodb: invalid item: missing range-key attribute%s%s", "", "");
	struct ekv_buf key = EKV_BUF_INIT, val = EKV_BUF_INIT, gkey = EKV_BUF_INIT;
	const char *reason = NULL;
	int rc = EKV_OK;
	if (ddb_item_key(&key, &s->table_name, hv, rv, &reason)) {
		rc = input_error(err, file, line, "dynamodb: invalid item primary key: %s%s", reason, "");
		goto done;
	}
	if (ddb_proto_write_item(&val, item->ents, item->n)) {
		rc = ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory");
		goto done;
	}
	if ((rc = ekv_emit(t->ctx, key.data, key.len, val.data, val.len, err)) != 0) {
		ekv_error_set_file(err, file, line);
		goto done;
	}
	for (size_t i = 0; i < s->n_gsis && !rc; i++) {
		int skip;
		ekv_buf_reset(&gkey);
		if (gsi_key(&gkey, s, &s->gsis[i], item, &skip, &reason)) {
			char idx[200];
			snprintf(idx, sizeof idx, "%.*s", (int)s->gsis[i].name.n, (const char *)s->gsis[i].name.p);
			rc = input_error(err, file, line, "dynamodb: invalid key attribute for index %s: %s", idx, reason);
		} else if (!skip && (rc = ekv_emit(t->ctx, gkey.data, gkey.len, key.data, key.len, err)) != 0) {
			ekv_error_set_file(err, file, line);
		}
	}
done:
	ekv_buf_release(&key);
	ekv_buf_release(&val);
	ekv_buf_release(&gkey);
	return rc;
}

/* One item document (a whole file, or one JSONL line). */
static int encode_item_text(struct table_enc *t, const void *text, size_t n, const char *file,
			    unsigned long line, struct ekv_error *err)
{
	json_t *doc = ekv_json_parse(text, n, file, EKV_EINPUT, err);
	if (!doc) {
		if (line && err) err->line = line;      /* the bundle line, not the parser's */
		return err && err->code ? err->code : EKV_EINPUT;
	}
	struct ddb_arena arena;
	ddb_arena_init(&arena);
	struct item_ctx c = { &arena, NULL, "" };
	struct ddb_map item = { NULL, 0, 0 };
	int rc;
	if (!json_is_object(doc)) {
		rc = input_error(err, file, line, "dynamodb: invalid item json: top level is not an object%s%s", "", "");
	} else if (to_entries(&c, doc, &item.ents, &item.n, &item.cap, 0)) {
		rc = arena.failed ? ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory")
				  : input_error(err, file, line, "dynamodb: invalid item json: attribute \"%s\": %s",
						c.where, c.why);
	} else {
		rc = emit_item(t, &item, file, line, err);
	}
	ddb_arena_release(&arena);
	json_decref(doc);
	return rc;
}

static int encode_item_file(struct table_enc *t, int dirfd, const char *name, const char *display,
			    struct ekv_error *err)
{
	struct ekv_buf text = EKV_BUF_INIT;
	int rc = ekv_read_input_file(dirfd, name, display, &text, err);
	if (!rc) rc = encode_item_text(t, text.data, text.len, display, 0, err);
	ekv_buf_release(&text);
	return rc;
}

/* D19: one item per line; every line ends with "\n", none is empty. */
static int encode_bundle_file(struct table_enc *t, int dirfd, const char *name, const char *display,
			      struct ekv_error *err)
{
	struct ekv_buf text = EKV_BUF_INIT;
	int rc = ekv_read_input_file(dirfd, name, display, &text, err);
	const char *p = (const char *)text.data, *end = p + text.len;
	unsigned long line = 0;
	if (!rc && text.len == 0) rc = input_error(err, display, 0, "dynamodb: empty bundle part%s%s", "", "");
	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!nl) rc = input_error(err, display, line, "dynamodb: bundle line without newline%s%s", "", "");
		else if (nl == p) rc = input_error(err, display, line, "dynamodb: empty bundle line%s%s", "", "");
		else rc = encode_item_text(t, p, (size_t)(nl - p), display, line, err);
		p = nl ? nl + 1 : end;
	}
	ekv_buf_release(&text);
	return rc;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int is_bundle_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 12 || strncmp(s, "data-", 5) != 0 || !has_suffix(s, ".jsonl")) return 0;
	for (size_t i = 5; i < n - 6; i++)
		if (s[i] < '0' || s[i] > '9') return 0;
	return 1;
}

static int symlink_error(struct ekv_error *err, const char *display)
{
	ekv_fail(err, EKV_EUNSAFE, "dynamodb: symlink below dynamodb/ refused (D16)");
	ekv_error_set_file(err, display, 0);
	return EKV_EUNSAFE;
}

/* Entries of items/ (or of a hash directory when hash_dir is set). */
static int encode_item_dir(struct table_enc *t, int fd, const char *display, int hash_dir, int bundle,
			   struct ekv_error *err)
{
	struct ekv_dirlist l = { 0 };
	int rc = ekv_list_dir(fd, display, &l, err);
	for (size_t i = 0; i < l.n && !rc; i++) {
		const char *name = l.names[i];
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", display, name);
		int is_json = has_suffix(name, ".json"), is_jsonl = has_suffix(name, ".jsonl");
		if (l.types[i] == DT_LNK) {
			rc = symlink_error(err, path);
		} else if (bundle) {
			if (l.types[i] == DT_DIR || is_json)
				rc = input_error(err, path, 0, "dynamodb: per-item entry in a jsonl dump%s%s", "", "");
			else if (is_bundle_name(name))
				rc = encode_bundle_file(t, fd, name, path, err);
			else if (is_jsonl)      /* not silently skipped: it would lose items */
				rc = input_error(err, path, 0, "dynamodb: unexpected bundle part name%s%s", "", "");
		} else if (l.types[i] == DT_DIR) {
			if (hash_dir) {
				rc = input_error(err, path, 0, "dynamodb: unexpected nested directory%s%s", "", "");
				continue;
			}
			int sub = ekv_open_input_dir(fd, name, path, 0, err);
			if (sub < 0) {
				rc = err && err->code ? err->code : EKV_EIO;
				continue;
			}
			rc = encode_item_dir(t, sub, path, 1, 0, err);
			close(sub);
		} else if (is_jsonl) {
			rc = input_error(err, path, 0, "dynamodb: bundle part in a per-item dump%s%s", "", "");
		} else if (is_json) {
			rc = encode_item_file(t, fd, name, path, err);
		}
	}
	ekv_dirlist_free(&l);
	return rc;
}

static int encode_table(struct ekv_encode_ctx *ctx, int table_fd, const char *dir_name, int bundle,
			struct ekv_error *err)
{
	struct table_enc t;
	memset(&t, 0, sizeof t);
	t.ctx = ctx;
	ddb_arena_init(&t.arena);
	snprintf(t.display, sizeof t.display, "%s/%s", ctx->dir_path ? ctx->dir_path : "dynamodb", dir_name);
	int rc = read_schema(&t, table_fd, dir_name, err);
	if (!rc) rc = emit_schema(&t, err);
	if (!rc) {
		char items[1100];
		snprintf(items, sizeof items, "%s/items", t.display);
		int fd = ekv_open_input_dir(table_fd, "items", items, 1, err);
		if (fd == -1) rc = err && err->code ? err->code : EKV_EIO;
		else if (fd >= 0) {
			rc = encode_item_dir(&t, fd, items, 0, bundle, err);
			close(fd);
		}
	}
	if (t.schema_json) json_decref(t.schema_json);
	ddb_arena_release(&t.arena);
	return rc;
}

int ddb_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err)
{
	const char *layout = ctx->manifest ? ctx->manifest->dynamodb_layout : NULL;
	int bundle = layout && strcmp(layout, "jsonl") == 0;
	const char *display = ctx->dir_path ? ctx->dir_path : "dynamodb";
	struct ekv_dirlist l = { 0 };
	int rc = ekv_list_dir(ctx->dir_fd, display, &l, err);
	for (size_t i = 0; i < l.n && !rc; i++) {
		char path[1100];
		snprintf(path, sizeof path, "%s/%s", display, l.names[i]);
		if (l.types[i] == DT_LNK) {
			rc = symlink_error(err, path);
		} else if (l.types[i] == DT_DIR) {
			int fd = ekv_open_input_dir(ctx->dir_fd, l.names[i], path, 0, err);
			if (fd < 0) {
				rc = err && err->code ? err->code : EKV_EIO;
				continue;
			}
			rc = encode_table(ctx, fd, l.names[i], bundle, err);
			close(fd);
		}
	}
	ekv_dirlist_free(&l);
	return rc;
}
