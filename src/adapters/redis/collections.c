/*
 * Hashes, lists, sets, zsets and streams (redis.md §2.3, §3.4-§3.10,
 * §4.7-§4.11, §4.14).
 *
 * Element rows of every key of a family arrive before that family's metas
 * (§2.4), so each record is validated on arrival and parked in the family's
 * sorter under group(uk) || sub-tag; finish streams each group straight into
 * its JSON file (elements already in output order), so only one key's state
 * is ever live and a big collection never sits in memory.
 */
#include <math.h>
#include "redis_internal.h"
#include "redis/redis_internal.pb-c.h"
#include "../../lib/util.h"

static const uint8_t MAGIC_HASH[4] = { 0x00, 'R', 'H', 0x01 };
static const uint8_t MAGIC_SET[4] = { 0x00, 'R', 'S', 0x01 };
static const uint8_t MAGIC_ZSET[4] = { 0x00, 'R', 'Z', 0x01 };
static const uint8_t MAGIC_STREAM_ENTRY[5] = { 0x00, 'R', 'X', 'E', 0x01 };

static int bad(const struct ekv_record *rec, struct ekv_error *err, const char *what)
{
	return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "redis: %s", what);
}

static int nomem(struct ekv_error *err)
{
	return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
}

/* Parks one record: group(uk) || sub || suffix -> value. */
static int park(struct redis_dec *d, int coll, const uint8_t *uk, size_t n, int sub,
		const void *suffix, size_t slen, const void *val, size_t vlen, struct ekv_error *err)
{
	ekv_buf_reset(&d->tmp);
	if (ekv_keyseg_append(&d->tmp, uk, n) || ekv_buf_append_byte(&d->tmp, (uint8_t)sub) ||
	    ekv_buf_append(&d->tmp, suffix, slen))
		return nomem(err);
	return ekv_sorter_add(d->coll[coll], d->tmp.data, d->tmp.len, val, vlen, err);
}

static int count_meta_ok(const uint8_t *v, size_t n)
{
	return (n == 8 || n == 16) && ekv_be64(v) <= REDIS_MAXI64;
}

/* Hash/set/zset/stream keys: BE32 length + user key [+ rest]. */
static int lenkey(const struct ekv_record *rec, const uint8_t **uk, size_t *n, const uint8_t **rest,
		  size_t *rlen)
{
	return redis_parse_lenkey(rec->key + rec->prefix_len, rec->key_len - rec->prefix_len, uk, n,
				  rest, rlen);
}

static int dec_count_meta(struct redis_dec *d, const struct ekv_record *rec, int coll, int kind,
			  const char *what, struct ekv_error *err)
{
	const uint8_t *uk, *rest;
	size_t n, rl;
	char msg[64];
	snprintf(msg, sizeof msg, "%s meta key without its length-prefixed user key", what);
	if (lenkey(rec, &uk, &n, &rest, &rl)) return bad(rec, err, msg);
	if (!count_meta_ok(rec->value, rec->value_len)) {
		snprintf(msg, sizeof msg, "%s meta of %zu bytes or length over int64", what, rec->value_len);
		return bad(rec, err, msg);
	}
	int st = redis_note_kind(d, uk, n, kind, err);
	return st ? st : park(d, coll, uk, n, SUB_META, NULL, 0, rec->value, rec->value_len, err);
}

static int dec_member(struct redis_dec *d, const struct ekv_record *rec, int coll, int kind,
		      const char *what, const void *val, size_t vlen, struct ekv_error *err)
{
	const uint8_t *uk, *rest;
	size_t n, rl;
	char msg[64];
	snprintf(msg, sizeof msg, "%s key without its length-prefixed user key", what);
	if (lenkey(rec, &uk, &n, &rest, &rl)) return bad(rec, err, msg);
	int st = redis_note_kind(d, uk, n, kind, err);
	return st ? st : park(d, coll, uk, n, SUB_ELEM, rest, rl, val, vlen, err);
}

static int score_ok(const uint8_t *v, size_t n)
{
	if (n != 8) return 0;
	uint64_t bits = ekv_be64(v);
	return !((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
		 (bits & 0x000fffffffffffffull) != 0);
}

/* ---- lists (no length prefix on meta and item keys) ---- */

static int list_meta_ok(const uint8_t *v, size_t n)
{
	return (n == 24 || n == 32) && ekv_be64(v + 16) <= REDIS_MAXI64;
}

static int dec_list_meta(struct redis_dec *d, const struct ekv_record *rec, const uint8_t *uk,
			 size_t n, struct ekv_error *err)
{
	if (!list_meta_ok(rec->value, rec->value_len)) return bad(rec, err, "list meta of a wrong length or length over int64");
	int st = redis_note_kind(d, uk, n, K_LIST, err);
	return st ? st : park(d, C_LIST, uk, n, SUB_META, NULL, 0, rec->value, rec->value_len, err);
}

/* D9: "!lst|meta|d|" is a delta only when the value is 16 bytes and the key
 * is exactly BE32 length + user key + 12 bytes; otherwise it is the base meta
 * of a list whose key starts with "d|". */
static int dec_list_meta_or_delta(struct redis_dec *d, const struct ekv_record *rec,
				  struct ekv_error *err)
{
	const uint8_t *uk, *rest;
	size_t n, rl;
	if (rec->value_len == 16 && !lenkey(rec, &uk, &n, &rest, &rl) && rl == 12) return EKV_OK;
	size_t base = sizeof("!lst|meta|") - 1;
	return dec_list_meta(d, rec, rec->key + base, rec->key_len - base, err);
}

static int dec_list_item(struct redis_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	const uint8_t *rest = rec->key + rec->prefix_len;
	size_t rl = rec->key_len - rec->prefix_len;
	if (rl < 8) return bad(rec, err, "list item key without its 8-byte sequence");
	int st = redis_note_kind(d, rest, rl - 8, K_LIST, err);
	/* the sortable seq bytes order as signed seqs: kept as the sub key */
	return st ? st : park(d, C_LIST, rest, rl - 8, SUB_ELEM, rest + rl - 8, 8, rec->value,
			      rec->value_len, err);
}

/* ---- legacy blobs (D8 for hash/set; zset as upstream) ---- */

struct blob_item {
	const uint8_t *name, *value;
	size_t nlen, vlen;
	size_t order;
};

static int item_cmp(const void *a, const void *b)
{
	const struct blob_item *x = a, *y = b;
	int c = ekv_bytes_cmp(x->name, x->nlen, y->name, y->nlen);
	if (c) return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts items by name and parks the last one of each name (later entries
 * win, as the protobuf map / upstream's member loop). */
static int park_items(struct redis_dec *d, int coll, const uint8_t *uk, size_t n,
		      struct blob_item *it, size_t cnt, struct ekv_error *err)
{
	qsort(it, cnt, sizeof *it, item_cmp);
	for (size_t i = 0; i < cnt; i++) {
		if (i + 1 < cnt && !ekv_bytes_cmp(it[i].name, it[i].nlen, it[i + 1].name, it[i + 1].nlen))
			continue;
		int st = park(d, coll, uk, n, SUB_BLOB, it[i].name, it[i].nlen, it[i].value, it[i].vlen, err);
		if (st) return st;
	}
	return EKV_OK;
}

/* protobuf-c leaves an empty bytes field as {0, NULL}: give it a real
 * address so comparisons, the UTF-8 check and the JSON writer never see NULL. */
static const uint8_t *pbdata(ProtobufCBinaryData v)
{
	return v.len ? v.data : (const uint8_t *)"";
}

/* The fields are `bytes` in redis_internal.proto (protobuf-c would cut a
 * `string` at its first NUL) but proto3 strings upstream: protobuf-go refuses
 * invalid UTF-8, so every one is checked here. */
static int pb_utf8(ProtobufCBinaryData v)
{
	return ekv_utf8_valid(pbdata(v), v.len);
}

/* protobuf-c keeps two things protobuf-go (and upstream) refuse as unknown
 * fields: a field number above 2^29-1 and a 10-byte varint whose last byte
 * overflows 64 bits. Reject those after unpacking so corrupt values still
 * fail closed. 1 = fine. */
static int pb_unknown_ok(const ProtobufCMessage *m)
{
	for (unsigned i = 0; i < m->n_unknown_fields; i++) {
		const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
		if (u->tag > 0x1FFFFFFFu) return 0;
		if (u->wire_type == PROTOBUF_C_WIRE_TYPE_VARINT && u->len == 10 && u->data[9] > 1)
			return 0;
	}
	return 1;
}

static int dec_blob(struct redis_dec *d, const struct ekv_record *rec, int coll,
		    struct ekv_error *err)
{
	const uint8_t *magic = coll == C_HASH ? MAGIC_HASH : coll == C_SET ? MAGIC_SET : MAGIC_ZSET;
	const char *what = coll == C_HASH ? "legacy hash blob" : coll == C_SET ? "legacy set blob"
									     : "legacy zset blob";
	const uint8_t *uk = rec->key + rec->prefix_len;
	size_t n = rec->key_len - rec->prefix_len;
	char msg[96];
	if (rec->value_len < 4 || memcmp(rec->value, magic, 4) != 0) {
		snprintf(msg, sizeof msg, "%s without its magic", what);
		return bad(rec, err, msg);
	}
	const uint8_t *body = rec->value + 4;
	size_t blen = rec->value_len - 4;
	RedisHashValue *hv = NULL;
	RedisSetValue *sv = NULL;
	RedisZSetValue *zv = NULL;
	size_t cnt = 0;
	if (coll == C_HASH && (hv = redis_hash_value__unpack(NULL, blen, body))) cnt = hv->n_entries;
	if (coll == C_SET && (sv = redis_set_value__unpack(NULL, blen, body))) cnt = sv->n_members;
	if (coll == C_ZSET && (zv = redis_zset_value__unpack(NULL, blen, body))) cnt = zv->n_entries;
	const char *why = NULL;
	if (!hv && !sv && !zv) why = "unparsable protobuf";
	else if (!pb_unknown_ok(hv ? &hv->base : sv ? &sv->base : &zv->base)) why = "unparsable protobuf";
	struct blob_item *it = NULL;
	uint8_t *scores = NULL;
	int st = EKV_OK;
	if (!why && cnt) {
		it = calloc(cnt, sizeof *it);
		if (coll == C_ZSET) scores = calloc(cnt, 8);
		if (!it || (coll == C_ZSET && !scores)) st = nomem(err);
	}
	for (size_t i = 0; !st && !why && i < cnt; i++) {
		struct blob_item *x = &it[i];
		x->order = i;
		if (coll == C_SET) {
			if (!pb_utf8(sv->members[i])) why = "non-UTF-8 member";
			x->name = pbdata(sv->members[i]);
			x->nlen = sv->members[i].len;
		} else if (coll == C_HASH) {
			const RedisHashValue__EntriesEntry *e = hv->entries[i];
			if (!pb_unknown_ok(&e->base)) why = "unparsable protobuf";
			else if (!pb_utf8(e->key) || !pb_utf8(e->value)) why = "non-UTF-8 entry";
			x->name = pbdata(e->key);
			x->nlen = e->key.len;
			x->value = pbdata(e->value);
			x->vlen = e->value.len;
		} else {
			const RedisZSetEntry *e = zv->entries[i];
			uint64_t bits;
			memcpy(&bits, &e->score, 8);
			ekv_put_be64(scores + i * 8, bits);
			if (!pb_unknown_ok(&e->base)) why = "unparsable protobuf";
			else if (!pb_utf8(e->member)) why = "non-UTF-8 entry";
			else if (!score_ok(scores + i * 8, 8)) why = "NaN score";
			x->name = pbdata(e->member);
			x->nlen = e->member.len;
			x->value = scores + i * 8;
			x->vlen = 8;
		}
	}
	if (!st && why) {
		snprintf(msg, sizeof msg, "%s: %s", what, why);
		st = bad(rec, err, msg);
	}
	int kind = coll == C_HASH ? K_HASH_BLOB : coll == C_SET ? K_SET_BLOB : K_ZSET_BLOB;
	if (!st) st = redis_note_kind(d, uk, n, kind, err);
	if (!st) {
		/* a blob with no entries still creates the key (empty collection) */
		if (cnt == 0) st = park(d, coll, uk, n, SUB_PRESENT, NULL, 0, NULL, 0, err);
		else st = park_items(d, coll, uk, n, it, cnt, err);
	}
	free(it);
	free(scores);
	if (hv) redis_hash_value__free_unpacked(hv, NULL);
	if (sv) redis_set_value__free_unpacked(sv, NULL);
	if (zv) redis_zset_value__free_unpacked(zv, NULL);
	return st;
}

/* ---- streams ---- */

static int stream_meta_ok(const uint8_t *v, size_t n)
{
	return (n == 24 || n == 32 || n == 48) && ekv_be64(v) <= REDIS_MAXI64;
}

/* Renders {"id":"ms-seq","fields":[{"name":…,"value":…}…]}\n (profile A)
 * from a RedisStreamEntry. */
static int render_entry(struct ekv_buf *out, uint64_t ms, uint64_t seq, const uint8_t *p,
			size_t n, const char **why)
{
	RedisStreamEntry *m = redis_stream_entry__unpack(NULL, n, p);
	if (m && !pb_unknown_ok(&m->base)) {
		redis_stream_entry__free_unpacked(m, NULL);
		m = NULL;
	}
	if (!m) {
		*why = "unparsable protobuf";
		return -1;
	}
	int r = 0;
	/* the ID comes from the key (§3.9); the copy inside must still be UTF-8 */
	if (!pb_utf8(m->id)) r = -1;
	for (size_t i = 0; !r && i < m->n_fields; i++)
		if (!pb_utf8(m->fields[i])) r = -1;
	if (r) *why = "non-UTF-8 string (D10)";
	else if (m->n_fields % 2) {
		*why = "odd field count";
		r = -1;
	}
	if (!r) {
		struct ekv_jw w;
		char id[48];
		int idn = snprintf(id, sizeof id, "%llu-%llu", (unsigned long long)ms,
				   (unsigned long long)seq);
		ekv_buf_reset(out);
		ekv_jw_init(&w, out, EKV_JW_PROFILE_A);
		ekv_jw_obj_begin(&w);
		ekv_jw_key(&w, "id");
		ekv_jw_str(&w, id, (size_t)idn);
		ekv_jw_key(&w, "fields");
		ekv_jw_arr_begin(&w);
		for (size_t i = 0; i < m->n_fields; i += 2) {
			ekv_jw_obj_begin(&w);
			ekv_jw_key(&w, "name");
			ekv_jw_binary_safe(&w, pbdata(m->fields[i]), m->fields[i].len);
			ekv_jw_key(&w, "value");
			ekv_jw_binary_safe(&w, pbdata(m->fields[i + 1]), m->fields[i + 1].len);
			ekv_jw_obj_end(&w);
		}
		ekv_jw_arr_end(&w);
		ekv_jw_obj_end(&w);
		if (ekv_jw_finish(&w) || ekv_buf_append_byte(out, '\n')) r = -2;
	}
	redis_stream_entry__free_unpacked(m, NULL);
	return r;
}

static int dec_stream_entry(struct redis_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	const uint8_t *uk, *rest;
	size_t n, rl;
	if (lenkey(rec, &uk, &n, &rest, &rl) || rl != 16)
		return bad(rec, err, "stream entry key without its 16-byte ID");
	if (rec->value_len < 5 || memcmp(rec->value, MAGIC_STREAM_ENTRY, 5) != 0)
		return bad(rec, err, "stream entry without RXE magic");
	const char *why = NULL;
	int r = render_entry(&d->tmp2, ekv_be64(rest), ekv_be64(rest + 8), rec->value + 5,
			     rec->value_len - 5, &why);
	if (r == -2) return nomem(err);
	if (r) {
		char msg[96];
		snprintf(msg, sizeof msg, "stream entry: %s", why);
		return bad(rec, err, msg);
	}
	int st = redis_note_kind(d, uk, n, K_STREAM, err);
	if (st) return st;
	struct ekv_buf line = d->tmp2;   /* park() reuses tmp, not tmp2 */
	return park(d, C_STREAM, uk, n, SUB_ELEM, rest, 16, line.data, line.len, err);
}

static int dec_stream_meta(struct redis_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	const uint8_t *uk, *rest;
	size_t n, rl;
	if (lenkey(rec, &uk, &n, &rest, &rl)) return bad(rec, err, "stream meta key without its length-prefixed user key");
	if (!stream_meta_ok(rec->value, rec->value_len))
		return bad(rec, err, "stream meta of a wrong length or length over int64");
	int st = redis_note_kind(d, uk, n, K_STREAM, err);
	return st ? st : park(d, C_STREAM, uk, n, SUB_META, NULL, 0, rec->value, rec->value_len, err);
}

int redis_dec_collection(struct redis_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	switch (rec->tag) {
	case R_HASH_META: return dec_count_meta(d, rec, C_HASH, K_HASH, "hash", err);
	case R_SET_META: return dec_count_meta(d, rec, C_SET, K_SET, "set", err);
	case R_ZSET_META: return dec_count_meta(d, rec, C_ZSET, K_ZSET, "zset", err);
	case R_HASH_FIELD:
		return dec_member(d, rec, C_HASH, K_HASH, "hash field", rec->value, rec->value_len, err);
	case R_SET_MEMBER: return dec_member(d, rec, C_SET, K_SET, "set member", NULL, 0, err);
	case R_ZSET_MEMBER:
		if (!score_ok(rec->value, rec->value_len))
			return bad(rec, err, "zset member score not 8 bytes or NaN");
		return dec_member(d, rec, C_ZSET, K_ZSET, "zset member", rec->value, 8, err);
	case R_LIST_META: {
		const uint8_t *uk = rec->key + rec->prefix_len;
		return dec_list_meta(d, rec, uk, rec->key_len - rec->prefix_len, err);
	}
	case R_LIST_META_DELTA: return dec_list_meta_or_delta(d, rec, err);
	case R_LIST_ITEM: return dec_list_item(d, rec, err);
	case R_HASH_LEGACY: return dec_blob(d, rec, C_HASH, err);
	case R_SET_LEGACY: return dec_blob(d, rec, C_SET, err);
	case R_ZSET_LEGACY: return dec_blob(d, rec, C_ZSET, err);
	case R_STREAM_ENTRY: return dec_stream_entry(d, rec, err);
	case R_STREAM_META: return dec_stream_meta(d, rec, err);
	default: return EKV_OK;   /* deltas, claims, score index, fences: never decoded */
	}
}
