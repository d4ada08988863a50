/*
 * Protobuf wire format of the stored DynamoDB values (dynamodb.md §3.2).
 *
 * Reading follows what protobuf-go's proto.Unmarshal does (§3.3): unknown
 * fields and known fields with an unexpected wire type are skipped, the
 * last singular scalar wins, singular messages and same-kind oneof
 * messages merge, map duplicates keep the last entry, every string must
 * be valid UTF-8. Writing is the deterministic form (§3.4): ascending
 * field numbers, maps sorted bytewise, implicit-presence scalars omitted
 * when empty, oneof members always written.
 */
#include <stdlib.h>
#include <string.h>
#include "ddb_internal.h"
#include "../../lib/error.h"
#include "../../lib/util.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

struct wire {
	const uint8_t *p, *end;
	struct ddb_arena *arena;
	const char *why;             /* first failure reason */
};

static int wire_fail(struct wire *w, const char *why)
{
	if (!w->why) w->why = why;
	return -1;
}

static int rd_varint(struct wire *w, uint64_t *out)
{
	uint64_t v = 0;
	*out = 0;
	for (int i = 0; i < 10; i++) {
		if (w->p >= w->end) return wire_fail(w, "truncated varint");
		uint8_t b = *w->p++;
		if (i == 9 && b > 1) return wire_fail(w, "varint overflows 64 bits");
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return wire_fail(w, "varint longer than 10 bytes");
}

static int rd_tag(struct wire *w, uint32_t *field, int *wt)
{
	uint64_t v;
	*field = 0;
	*wt = 0;
	if (rd_varint(w, &v)) return -1;
	if ((v >> 3) == 0 || (v >> 3) > 0x7fffffffu) return wire_fail(w, "invalid field number");
	*field = (uint32_t)(v >> 3);
	*wt = (int)(v & 7);
	if (*wt > WT_I32) return wire_fail(w, "invalid wire type");
	if (*wt == WT_EGROUP) return wire_fail(w, "unexpected end-group");
	return 0;
}

static int rd_len(struct wire *w, struct ddb_bytes *b)
{
	uint64_t n;
	b->p = w->p;
	b->n = 0;
	if (rd_varint(w, &n)) return -1;
	if (n > (uint64_t)(w->end - w->p)) return wire_fail(w, "length beyond the buffer");
	b->p = w->p;
	b->n = (size_t)n;
	w->p += n;
	return 0;
}

static int skip_value(struct wire *w, uint32_t field, int wt, int depth);

static int skip_group(struct wire *w, uint32_t field, int depth)
{
	if (depth > DDB_MAX_NESTING) return wire_fail(w, "nesting too deep");
	for (;;) {
		uint64_t v;
		if (rd_varint(w, &v)) return -1;
		int wt = (int)(v & 7);
		uint32_t f = (uint32_t)(v >> 3);
		if ((v >> 3) == 0 || (v >> 3) > 0x7fffffffu || wt > WT_I32)
			return wire_fail(w, "invalid tag in group");
		if (wt == WT_EGROUP) {
			if (f != field) return wire_fail(w, "mismatched end-group");
			return 0;
		}
		if (skip_value(w, f, wt, depth + 1)) return -1;
	}
}

static int skip_value(struct wire *w, uint32_t field, int wt, int depth)
{
	uint64_t v;
	struct ddb_bytes b;
	switch (wt) {
	case WT_VARINT: return rd_varint(w, &v);
	case WT_I64:
		if (w->end - w->p < 8) return wire_fail(w, "truncated fixed64");
		w->p += 8;
		return 0;
	case WT_I32:
		if (w->end - w->p < 4) return wire_fail(w, "truncated fixed32");
		w->p += 4;
		return 0;
	case WT_LEN: return rd_len(w, &b);
	case WT_SGROUP: return skip_group(w, field, depth);
	default: return wire_fail(w, "invalid wire type");
	}
}

/* A length-delimited string field that must be valid UTF-8. */
static int rd_string(struct wire *w, struct ddb_bytes *b)
{
	if (rd_len(w, b)) return -1;
	if (!ekv_utf8_valid(b->p, b->n)) return wire_fail(w, "string field is not valid UTF-8");
	return 0;
}

static struct wire sub_wire(struct wire *parent, struct ddb_bytes b)
{
	struct wire s = { b.p, b.p + b.n, parent->arena, NULL };
	return s;
}

static int sub_done(struct wire *parent, struct wire *s, int rc)
{
	if (rc && !parent->why) parent->why = s->why;
	return rc;
}

#define GROW(w, arr, cap, n) \
	(ddb_arena_grow((w)->arena, (void **)&(arr), &(cap), (n), sizeof(*(arr))) ? \
		 wire_fail((w), "out of memory") : 0)

/* ---- attribute values ---- */

static int parse_av(struct wire *w, struct ddb_av *av, int depth);

static void av_switch(struct ddb_av *av, enum ddb_kind kind)
{
	if (av->kind == kind) return;
	av->kind = kind;
	av->n_strs = av->n_elems = av->n_ents = 0;
}

static int parse_str_set(struct wire *w, struct ddb_av *av, int utf8)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if (f != 1 || wt != WT_LEN) {
			if (skip_value(w, f, wt, 0)) return -1;
			continue;
		}
		struct ddb_bytes b;
		if (utf8 ? rd_string(w, &b) : rd_len(w, &b)) return -1;
		if (GROW(w, av->strs, av->cap_strs, av->n_strs)) return -1;
		av->strs[av->n_strs++] = b;
	}
	return 0;
}

static int parse_list(struct wire *w, struct ddb_av *av, int depth)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if (f != 1 || wt != WT_LEN) {
			if (skip_value(w, f, wt, depth)) return -1;
			continue;
		}
		struct ddb_bytes b;
		if (rd_len(w, &b)) return -1;
		struct ddb_av *elem = ddb_arena_alloc(w->arena, sizeof *elem);
		if (!elem) return wire_fail(w, "out of memory");
		struct wire s = sub_wire(w, b);
		if (sub_done(w, &s, parse_av(&s, elem, depth + 1))) return -1;
		if (GROW(w, av->elems, av->cap_elems, av->n_elems)) return -1;
		av->elems[av->n_elems++] = elem;
	}
	return 0;
}

/* One map<string, DynamoAttributeValue> entry. */
static int parse_av_entry(struct wire *w, struct ddb_entry *e, int depth)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if (f == 1 && wt == WT_LEN) {
			if (rd_string(w, &e->name)) return -1;
		} else if (f == 2 && wt == WT_LEN) {
			struct ddb_bytes b;
			if (rd_len(w, &b)) return -1;
			if (!e->value && !(e->value = ddb_arena_alloc(w->arena, sizeof *e->value)))
				return wire_fail(w, "out of memory");
			struct wire s = sub_wire(w, b);
			if (sub_done(w, &s, parse_av(&s, e->value, depth + 1))) return -1;
		} else if (skip_value(w, f, wt, depth)) {
			return -1;
		}
	}
	if (!e->value && !(e->value = ddb_arena_alloc(w->arena, sizeof *e->value)))
		return wire_fail(w, "out of memory");
	return 0;
}

/* Appends the entries of a map field (tag 1) found in w. */
static int parse_av_map(struct wire *w, struct ddb_entry **ents, size_t *n, size_t *cap, int depth)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if (f != 1 || wt != WT_LEN) {
			if (skip_value(w, f, wt, depth)) return -1;
			continue;
		}
		struct ddb_bytes b;
		if (rd_len(w, &b)) return -1;
		if (GROW(w, *ents, *cap, *n)) return -1;
		struct ddb_entry *e = &(*ents)[*n];
		memset(e, 0, sizeof *e);
		e->seq = *n;
		struct wire s = sub_wire(w, b);
		if (sub_done(w, &s, parse_av_entry(&s, e, depth + 1))) return -1;
		(*n)++;
	}
	return 0;
}

static int parse_av_field(struct wire *w, struct ddb_av *av, uint32_t f, int depth)
{
	static const enum ddb_kind by_field[] = { DDB_NONE, DDB_S, DDB_N, DDB_B, DDB_BOOL, DDB_NULL,
						  DDB_SS, DDB_NS, DDB_BS, DDB_L, DDB_M };
	enum ddb_kind kind = by_field[f];
	struct ddb_bytes b;
	uint64_t v;
	if (kind == DDB_BOOL || kind == DDB_NULL) {
		if (rd_varint(w, &v)) return -1;
		av_switch(av, kind);
		av->flag = v != 0;
		return 0;
	}
	if (kind == DDB_B ? rd_len(w, &b) : kind <= DDB_N ? rd_string(w, &b) : rd_len(w, &b)) return -1;
	if (kind <= DDB_B) {
		av_switch(av, kind);
		av->scalar = b;
		return 0;
	}
	if (depth > DDB_MAX_NESTING) return wire_fail(w, "nesting too deep");
	av_switch(av, kind);                /* same kind: the message merges */
	struct wire s = sub_wire(w, b);
	int rc;
	if (kind == DDB_L) rc = parse_list(&s, av, depth + 1);
	else if (kind == DDB_M) rc = parse_av_map(&s, &av->ents, &av->n_ents, &av->cap_ents, depth + 1);
	else rc = parse_str_set(&s, av, kind != DDB_BS);
	return sub_done(w, &s, rc);
}

static int parse_av(struct wire *w, struct ddb_av *av, int depth)
{
	if (depth > DDB_MAX_NESTING) return wire_fail(w, "nesting too deep");
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		int want = (f == 4 || f == 5) ? WT_VARINT : WT_LEN;
		if (f < 1 || f > 10 || wt != want) {
			if (skip_value(w, f, wt, depth)) return -1;
			continue;
		}
		if (parse_av_field(w, av, f, depth)) return -1;
	}
	return 0;
}

/* ---- normalization (sorted, last duplicate wins) ---- */

static int entry_cmp(const void *a, const void *b)
{
	const struct ddb_entry *x = a, *y = b;
	int c = ekv_bytes_cmp(x->name.p, x->name.n, y->name.p, y->name.n);
	if (c) return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void ddb_map_normalize(struct ddb_entry *ents, size_t *n)
{
	if (*n < 2) return;
	qsort(ents, *n, sizeof *ents, entry_cmp);
	size_t out = 0;
	for (size_t i = 0; i < *n; i++) {
		int last_of_run = i + 1 == *n || ekv_bytes_cmp(ents[i].name.p, ents[i].name.n,
							      ents[i + 1].name.p, ents[i + 1].name.n) != 0;
		if (last_of_run) ents[out++] = ents[i];
	}
	*n = out;
}

static void normalize_av(struct ddb_av *av)
{
	if (av->kind == DDB_L) {
		for (size_t i = 0; i < av->n_elems; i++) normalize_av(av->elems[i]);
	} else if (av->kind == DDB_M) {
		ddb_map_normalize(av->ents, &av->n_ents);
		for (size_t i = 0; i < av->n_ents; i++) normalize_av(av->ents[i].value);
	}
}

const struct ddb_av *ddb_map_get(const struct ddb_entry *ents, size_t n, const char *name, size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ekv_bytes_cmp(ents[mid].name.p, ents[mid].name.n, name, len);
		if (c == 0) return ents[mid].value;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	return NULL;
}

static int wire_error(struct wire *w, struct ekv_error *err, const char *what)
{
	if (w->arena->failed) return ekv_fail(err, EKV_ENOMEM, "dynamodb: out of memory decoding %s", what);
	return ekv_fail(err, EKV_EDATA, "dynamodb: invalid %s protobuf: %s", what,
			w->why ? w->why : "malformed");
}

int ddb_proto_parse_item(const uint8_t *body, size_t n, struct ddb_arena *a, struct ddb_map *out,
			 struct ekv_error *err)
{
	struct wire w = { body, body + n, a, NULL };
	memset(out, 0, sizeof *out);
	if (parse_av_map(&w, &out->ents, &out->n, &out->cap, 1)) return wire_error(&w, err, "item");
	ddb_map_normalize(out->ents, &out->n);
	for (size_t i = 0; i < out->n; i++) normalize_av(out->ents[i].value);
	return EKV_OK;
}

/* ---- schema ---- */

static int parse_key_schema(struct wire *w, struct ddb_bytes *hash, struct ddb_bytes *range)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if ((f == 1 || f == 2) && wt == WT_LEN) {
			if (rd_string(w, f == 1 ? hash : range)) return -1;
		} else if (skip_value(w, f, wt, 1)) {
			return -1;
		}
	}
	return 0;
}

static int parse_projection(struct wire *w, struct ddb_gsi *g)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if (f == 1 && wt == WT_LEN) {
			if (rd_string(w, &g->projection_type)) return -1;
		} else if (f == 2 && wt == WT_LEN) {
			struct ddb_bytes b;
			if (rd_string(w, &b)) return -1;
			if (GROW(w, g->non_key, g->cap_non_key, g->n_non_key)) return -1;
			g->non_key[g->n_non_key++] = b;
		} else if (skip_value(w, f, wt, 1)) {
			return -1;
		}
	}
	return 0;
}

static int parse_gsi(struct wire *w, struct ddb_gsi *g)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if ((f == 1 || f == 2) && wt == WT_LEN) {
			struct ddb_bytes b;
			if (rd_len(w, &b)) return -1;
			struct wire s = sub_wire(w, b);
			int rc = f == 1 ? parse_key_schema(&s, &g->hash_key, &g->range_key)
					: parse_projection(&s, g);
			if (sub_done(w, &s, rc)) return -1;
		} else if (skip_value(w, f, wt, 1)) {
			return -1;
		}
	}
	return 0;
}

static int parse_gsi_entry(struct wire *w, struct ddb_gsi *g)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if (f == 1 && wt == WT_LEN) {
			if (rd_string(w, &g->name)) return -1;
		} else if (f == 2 && wt == WT_LEN) {
			struct ddb_bytes b;
			if (rd_len(w, &b)) return -1;
			struct wire s = sub_wire(w, b);
			if (sub_done(w, &s, parse_gsi(&s, g))) return -1;
		} else if (skip_value(w, f, wt, 1)) {
			return -1;
		}
	}
	return 0;
}

static int parse_def_entry(struct wire *w, struct ddb_entry *e)
{
	while (w->p < w->end) {
		uint32_t f;
		int wt;
		if (rd_tag(w, &f, &wt)) return -1;
		if (f == 1 && wt == WT_LEN) {
			if (rd_string(w, &e->name)) return -1;
		} else if (f == 2 && wt == WT_LEN) {
			if (rd_string(w, &e->value->scalar)) return -1;
		} else if (skip_value(w, f, wt, 1)) {
			return -1;
		}
	}
	return 0;
}

static int parse_schema_field(struct wire *w, struct ddb_schema *s, uint32_t f, int wt)
{
	uint64_t v;
	struct ddb_bytes b;
	if (f >= 5 && f <= 7) {
		if (wt != WT_VARINT) return skip_value(w, f, wt, 0);
		if (rd_varint(w, &v)) return -1;
		*(f == 5 ? &s->key_encoding_version : f == 6 ? &s->migrating_from_generation
							     : &s->generation) = v;
		return 0;
	}
	if (f < 1 || f > 4 || wt != WT_LEN) return skip_value(w, f, wt, 0);
	if (f == 1) return rd_string(w, &s->table_name);
	if (rd_len(w, &b)) return -1;
	struct wire sub = sub_wire(w, b);
	int rc;
	if (f == 3) {
		rc = parse_key_schema(&sub, &s->hash_key, &s->range_key);
	} else if (f == 2) {
		if (GROW(w, s->defs, s->cap_defs, s->n_defs)) return -1;
		struct ddb_entry *e = &s->defs[s->n_defs];
		memset(e, 0, sizeof *e);
		e->seq = s->n_defs;
		if (!(e->value = ddb_arena_alloc(w->arena, sizeof *e->value)))
			return wire_fail(w, "out of memory");
		e->value->kind = DDB_S;
		rc = parse_def_entry(&sub, e);
		s->n_defs++;
	} else {
		if (GROW(w, s->gsis, s->cap_gsis, s->n_gsis)) return -1;
		struct ddb_gsi *g = &s->gsis[s->n_gsis];
		memset(g, 0, sizeof *g);
		g->seq = s->n_gsis;
		rc = parse_gsi_entry(&sub, g);
		s->n_gsis++;
	}
	return sub_done(w, &sub, rc);
}

static int gsi_cmp(const void *a, const void *b)
{
	const struct ddb_gsi *x = a, *y = b;
	int c = ekv_bytes_cmp(x->name.p, x->name.n, y->name.p, y->name.n);
	if (c) return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void normalize_gsis(struct ddb_schema *s)
{
	if (s->n_gsis < 2) return;
	qsort(s->gsis, s->n_gsis, sizeof *s->gsis, gsi_cmp);
	size_t out = 0;
	for (size_t i = 0; i < s->n_gsis; i++) {
		int last = i + 1 == s->n_gsis || ekv_bytes_cmp(s->gsis[i].name.p, s->gsis[i].name.n,
							       s->gsis[i + 1].name.p,
							       s->gsis[i + 1].name.n) != 0;
		if (last) s->gsis[out++] = s->gsis[i];
	}
	s->n_gsis = out;
}

int ddb_proto_parse_schema(const uint8_t *body, size_t n, struct ddb_arena *a,
			   struct ddb_schema *out, struct ekv_error *err)
{
	struct wire w = { body, body + n, a, NULL };
	memset(out, 0, sizeof *out);
	while (w.p < w.end) {
		uint32_t f;
		int wt;
		if (rd_tag(&w, &f, &wt) || parse_schema_field(&w, out, f, wt))
			return wire_error(&w, err, "schema");
	}
	ddb_map_normalize(out->defs, &out->n_defs);
	normalize_gsis(out);
	return EKV_OK;
}

const struct ddb_bytes *ddb_schema_def_type(const struct ddb_schema *s, const struct ddb_bytes *name)
{
	const struct ddb_av *v = ddb_map_get(s->defs, s->n_defs, (const char *)name->p, name->n);
	return v ? &v->scalar : NULL;
}

/* ---- deterministic writer ---- */

static int put_varint(struct ekv_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v) tmp[n] |= 0x80;
		n++;
	} while (v);
	return ekv_buf_append(b, tmp, n);
}

static int put_len_field(struct ekv_buf *b, uint32_t field, const void *p, size_t n)
{
	if (put_varint(b, (uint64_t)field << 3 | WT_LEN) || put_varint(b, n)) return EKV_ENOMEM;
	return ekv_buf_append(b, p, n);
}

static int put_varint_field(struct ekv_buf *b, uint32_t field, uint64_t v)
{
	if (put_varint(b, (uint64_t)field << 3 | WT_VARINT)) return EKV_ENOMEM;
	return put_varint(b, v);
}

static int put_av(struct ekv_buf *out, const struct ddb_av *av);

static int put_av_entries(struct ekv_buf *out, const struct ddb_entry *ents, size_t n)
{
	struct ekv_buf entry = EKV_BUF_INIT, val = EKV_BUF_INIT;
	int rc = EKV_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		ekv_buf_reset(&entry);
		ekv_buf_reset(&val);
		rc = put_av(&val, ents[i].value);
		if (!rc) rc = put_len_field(&entry, 1, ents[i].name.p, ents[i].name.n);
		if (!rc) rc = put_len_field(&entry, 2, val.data, val.len);
		if (!rc) rc = put_len_field(out, 1, entry.data, entry.len);
	}
	ekv_buf_release(&entry);
	ekv_buf_release(&val);
	return rc;
}

static int put_av_message(struct ekv_buf *out, const struct ddb_av *av)
{
	int rc = EKV_OK;
	struct ekv_buf elem = EKV_BUF_INIT;
	switch (av->kind) {
	case DDB_SS:
	case DDB_NS:
	case DDB_BS:
		for (size_t i = 0; i < av->n_strs && !rc; i++)
			rc = put_len_field(out, 1, av->strs[i].p, av->strs[i].n);
		break;
	case DDB_L:
		for (size_t i = 0; i < av->n_elems && !rc; i++) {
			ekv_buf_reset(&elem);
			rc = put_av(&elem, av->elems[i]);
			if (!rc) rc = put_len_field(out, 1, elem.data, elem.len);
		}
		break;
	case DDB_M: rc = put_av_entries(out, av->ents, av->n_ents); break;
	default: break;
	}
	ekv_buf_release(&elem);
	return rc;
}

/* Body of one DynamoAttributeValue: its oneof member, always written. */
static int put_av(struct ekv_buf *out, const struct ddb_av *av)
{
	switch (av->kind) {
	case DDB_NONE: return EKV_OK;
	case DDB_S: return put_len_field(out, 1, av->scalar.p, av->scalar.n);
	case DDB_N: return put_len_field(out, 2, av->scalar.p, av->scalar.n);
	case DDB_B: return put_len_field(out, 3, av->scalar.p, av->scalar.n);
	case DDB_BOOL: return put_varint_field(out, 4, av->flag ? 1 : 0);
	case DDB_NULL: return put_varint_field(out, 5, av->flag ? 1 : 0);
	default: break;
	}
	struct ekv_buf msg = EKV_BUF_INIT;
	int rc = put_av_message(&msg, av);
	if (!rc) rc = put_len_field(out, (uint32_t)av->kind, msg.data, msg.len);
	ekv_buf_release(&msg);
	return rc;
}

int ddb_proto_write_item(struct ekv_buf *out, const struct ddb_entry *ents, size_t n)
{
	if (ekv_buf_append(out, DDB_ITEM_MAGIC, DDB_MAGIC_LEN)) return EKV_ENOMEM;
	return put_av_entries(out, ents, n);
}

static int put_opt_string(struct ekv_buf *out, uint32_t field, const struct ddb_bytes *b)
{
	return b->n ? put_len_field(out, field, b->p, b->n) : EKV_OK;
}

static int put_key_schema(struct ekv_buf *out, uint32_t field, const struct ddb_bytes *hash,
			  const struct ddb_bytes *range)
{
	struct ekv_buf ks = EKV_BUF_INIT;
	int rc = put_opt_string(&ks, 1, hash);
	if (!rc) rc = put_opt_string(&ks, 2, range);
	if (!rc) rc = put_len_field(out, field, ks.data, ks.len);
	ekv_buf_release(&ks);
	return rc;
}

static int put_gsi_entry(struct ekv_buf *out, const struct ddb_gsi *g)
{
	struct ekv_buf gsi = EKV_BUF_INIT, proj = EKV_BUF_INIT, entry = EKV_BUF_INIT;
	int rc = put_key_schema(&gsi, 1, &g->hash_key, &g->range_key);
	if (!rc) rc = put_opt_string(&proj, 1, &g->projection_type);
	for (size_t i = 0; i < g->n_non_key && !rc; i++)
		rc = put_len_field(&proj, 2, g->non_key[i].p, g->non_key[i].n);
	if (!rc) rc = put_len_field(&gsi, 2, proj.data, proj.len);
	if (!rc) rc = put_len_field(&entry, 1, g->name.p, g->name.n);
	if (!rc) rc = put_len_field(&entry, 2, gsi.data, gsi.len);
	if (!rc) rc = put_len_field(out, 4, entry.data, entry.len);
	ekv_buf_release(&gsi);
	ekv_buf_release(&proj);
	ekv_buf_release(&entry);
	return rc;
}

int ddb_proto_write_schema(struct ekv_buf *out, const struct ddb_schema *s)
{
	struct ekv_buf entry = EKV_BUF_INIT;
	int rc = ekv_buf_append(out, DDB_SCHEMA_MAGIC, DDB_MAGIC_LEN);
	if (!rc) rc = put_opt_string(out, 1, &s->table_name);
	for (size_t i = 0; i < s->n_defs && !rc; i++) {
		ekv_buf_reset(&entry);
		rc = put_len_field(&entry, 1, s->defs[i].name.p, s->defs[i].name.n);
		if (!rc) rc = put_len_field(&entry, 2, s->defs[i].value->scalar.p, s->defs[i].value->scalar.n);
		if (!rc) rc = put_len_field(out, 2, entry.data, entry.len);
	}
	if (!rc) rc = put_key_schema(out, 3, &s->hash_key, &s->range_key);
	for (size_t i = 0; i < s->n_gsis && !rc; i++) rc = put_gsi_entry(out, &s->gsis[i]);
	if (!rc && s->key_encoding_version) rc = put_varint_field(out, 5, s->key_encoding_version);
	if (!rc && s->migrating_from_generation) rc = put_varint_field(out, 6, s->migrating_from_generation);
	if (!rc && s->generation) rc = put_varint_field(out, 7, s->generation);
	ekv_buf_release(&entry);
	return rc;
}
