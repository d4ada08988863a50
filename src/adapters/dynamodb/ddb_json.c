/*
 * JSON documents of the DynamoDB dump (dynamodb.md §4.3, §4.5), in Go
 * encoding/json profile A (HTML escaping on, no trailing newline).
 *
 * _schema.json goes through jsonw. Item files use a small recursive
 * writer on top of ekv_json_quote instead: attribute values nest two JSON
 * levels per DynamoDB level, so live items (up to 32 levels) exceed the
 * fixed depth of struct ekv_jw.
 */
#include <string.h>
#include "ddb_internal.h"
#include "../../lib/jsonw.h"
#include "../../lib/util.h"

/* ---- _schema.json ---- */

static void key_attribute(struct ekv_jw *w, const struct ddb_schema *s, const struct ddb_bytes *name,
			  int is_hash)
{
	ekv_jw_obj_begin(w);
	if (name->n) {
		ekv_jw_key(w, "name");
		ekv_jw_str(w, name->p, name->n);
	}
	/* upstream looks the hash type up even for an empty name; the range
	 * type only for a named range key */
	if (is_hash || name->n) {
		const struct ddb_bytes *type = ddb_schema_def_type(s, name);
		if (type && type->n) {
			ekv_jw_key(w, "type");
			ekv_jw_str(w, type->p, type->n);
		}
	}
	ekv_jw_obj_end(w);
}

static void key_schema(struct ekv_jw *w, const struct ddb_schema *s, const struct ddb_bytes *hash,
		       const struct ddb_bytes *range)
{
	ekv_jw_obj_begin(w);
	ekv_jw_key(w, "hash_key");
	key_attribute(w, s, hash, 1);
	ekv_jw_key(w, "range_key");        /* never omitted: {} when there is none */
	key_attribute(w, s, range, 0);
	ekv_jw_obj_end(w);
}

static void gsi_list(struct ekv_jw *w, const struct ddb_schema *s)
{
	ekv_jw_key(w, "global_secondary_indexes");
	ekv_jw_arr_begin(w);
	for (size_t i = 0; i < s->n_gsis; i++) {
		const struct ddb_gsi *g = &s->gsis[i];
		ekv_jw_obj_begin(w);
		ekv_jw_key(w, "name");
		ekv_jw_str(w, g->name.p, g->name.n);
		ekv_jw_key(w, "key_schema");
		key_schema(w, s, &g->hash_key, &g->range_key);
		ekv_jw_key(w, "projection");
		ekv_jw_obj_begin(w);
		ekv_jw_key(w, "type");
		ekv_jw_str(w, g->projection_type.p, g->projection_type.n);
		if (g->n_non_key) {
			ekv_jw_key(w, "non_key_attributes");
			ekv_jw_arr_begin(w);
			for (size_t j = 0; j < g->n_non_key; j++)
				ekv_jw_str(w, g->non_key[j].p, g->non_key[j].n);
			ekv_jw_arr_end(w);
		}
		ekv_jw_obj_end(w);
		ekv_jw_obj_end(w);
	}
	ekv_jw_arr_end(w);
}

int ddb_json_schema(struct ekv_buf *out, const struct ddb_schema *s)
{
	struct ekv_jw w;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_A_INDENT);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "format_version");
	ekv_jw_u64(&w, 1);
	ekv_jw_key(&w, "table_name");
	ekv_jw_str(&w, s->table_name.p, s->table_name.n);
	ekv_jw_key(&w, "primary_key");
	key_schema(&w, s, &s->hash_key, &s->range_key);
	ekv_jw_key(&w, "attribute_definitions");
	ekv_jw_arr_begin(&w);
	for (size_t i = 0; i < s->n_defs; i++) {
		ekv_jw_obj_begin(&w);
		ekv_jw_key(&w, "name");
		ekv_jw_str(&w, s->defs[i].name.p, s->defs[i].name.n);
		ekv_jw_key(&w, "type");
		ekv_jw_str(&w, s->defs[i].value->scalar.p, s->defs[i].value->scalar.n);
		ekv_jw_obj_end(&w);
	}
	ekv_jw_arr_end(&w);
	if (s->n_gsis) gsi_list(&w, s);    /* omitempty */
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

/* ---- item DynamoDB JSON ---- */

static void item_value(struct ekv_jw *w, const struct ddb_av *av);

static void item_base64(struct ekv_jw *w, const struct ddb_bytes *b)
{
	struct ekv_buf enc = EKV_BUF_INIT;
	if (ekv_b64std_encode(&enc, b->p, b->n)) w->status = EKV_ENOMEM;
	ekv_jw_str(w, enc.data, enc.len);
	ekv_buf_release(&enc);
}

static void item_map(struct ekv_jw *w, const struct ddb_entry *ents, size_t n)
{
	ekv_jw_obj_begin(w);
	for (size_t i = 0; i < n; i++) {
		ekv_jw_key_bytes(w, ents[i].name.p, ents[i].name.n);
		item_value(w, ents[i].value);
	}
	ekv_jw_obj_end(w);
}

static void item_strings(struct ekv_jw *w, const struct ddb_av *av, int binary)
{
	ekv_jw_arr_begin(w);
	for (size_t i = 0; i < av->n_strs; i++) {
		if (binary) item_base64(w, &av->strs[i]);
		else ekv_jw_str(w, av->strs[i].p, av->strs[i].n);
	}
	ekv_jw_arr_end(w);
}

static void item_list(struct ekv_jw *w, const struct ddb_av *av)
{
	ekv_jw_arr_begin(w);
	for (size_t i = 0; i < av->n_elems; i++) item_value(w, av->elems[i]);
	ekv_jw_arr_end(w);
}

static const char *const kind_names[] = { "NULL", "S", "N", "B", "BOOL", "NULL",
					  "SS", "NS", "BS", "L", "M" };

/* One type-descriptor object {"<T>": value}. */
static void item_value(struct ekv_jw *w, const struct ddb_av *av)
{
	ekv_jw_obj_begin(w);
	ekv_jw_key(w, kind_names[av->kind]);
	switch (av->kind) {
	case DDB_NONE: ekv_jw_bool(w, 1); break;    /* empty oneof: {"NULL": true} */
	case DDB_S:
	case DDB_N: ekv_jw_str(w, av->scalar.p, av->scalar.n); break;
	case DDB_B: item_base64(w, &av->scalar); break;
	case DDB_BOOL:
	case DDB_NULL: ekv_jw_bool(w, av->flag); break;
	case DDB_SS:
	case DDB_NS: item_strings(w, av, 0); break;
	case DDB_BS: item_strings(w, av, 1); break;
	case DDB_L: item_list(w, av); break;
	case DDB_M: item_map(w, av->ents, av->n_ents); break;
	}
	ekv_jw_obj_end(w);
}

int ddb_json_item(struct ekv_buf *out, const struct ddb_entry *ents, size_t n, int indent)
{
	struct ekv_jw w;
	ekv_jw_init(&w, out, indent ? EKV_JW_PROFILE_A_INDENT : EKV_JW_PROFILE_A);
	item_map(&w, ents, n);
	return ekv_jw_finish(&w);
}
