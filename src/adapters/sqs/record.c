/*
 * Queue-meta and message records (sqs.md §3.2, §3.3, §4.2, §4.3, §5.5).
 *
 * Reading follows Go json.Unmarshal into a struct: absent and null members
 * leave the zero value, integers must be exact and in range, strings must
 * be strings, unknown members are ignored. Stricter than Go (fail closed,
 * D18 style): duplicate members (jansson), invalid UTF-8, and a member
 * whose name matches a known field only case-insensitively (Go would bind
 * it silently; no writer produces one).
 */
#include <stdlib.h>
#include <string.h>
#include "sqs_internal.h"
#include "../../lib/jsonr.h"
#include "../../lib/jsonw.h"
#include "../../lib/util.h"

/* ---- Go-semantics member readers: NULL or a reason ---- */

/* The reason names the member; the name is also kept so that a caller can
 * point at the member's line. Thread-local: valid until the next parse. */
static _Thread_local char why_buf[384];
static _Thread_local char bad_name[128];
static _Thread_local int has_bad_name;

const char *sqs_bad_member(void)
{
	return has_bad_name ? bad_name : NULL;
}

static const char *member_fail(const char *name, size_t len, const char *why)
{
	if (len >= sizeof bad_name) len = sizeof bad_name - 1;
	memcpy(bad_name, name, len);
	bad_name[len] = 0;
	has_bad_name = 1;
	char *p = sqs_printable(name, len);
	snprintf(why_buf, sizeof why_buf, "member \"%s\": %s", p ? p : "?", why);
	free(p);
	return why_buf;
}

#define FAIL_MEMBER(name, why) member_fail((name), strlen(name), (why))

static json_t *member(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);
	return json_is_null(v) ? NULL : v;
}

static int is_plain_string(const json_t *v)
{
	return ekv_json_is_string(v);
}

static const char *get_str(json_t *obj, const char *name, const char **s, size_t *n)
{
	json_t *v = member(obj, name);
	*s = "";
	*n = 0;
	if (!v) return NULL;
	if (!is_plain_string(v)) return FAIL_MEMBER(name, "not a string");
	*s = json_string_value(v);
	*n = json_string_length(v);
	return NULL;
}

static const char *get_bool(json_t *obj, const char *name, int *out)
{
	json_t *v = member(obj, name);
	*out = 0;
	if (!v) return NULL;
	if (!json_is_boolean(v)) return FAIL_MEMBER(name, "not a boolean");
	*out = json_is_true(v);
	return NULL;
}

static const char *get_i64(json_t *obj, const char *name, int64_t *out)
{
	json_t *v = member(obj, name);
	*out = 0;
	if (!v) return NULL;
	if (ekv_json_i64(v, out)) return FAIL_MEMBER(name, "not an int64 integer in range");
	return NULL;
}

static const char *get_u64(json_t *obj, const char *name, uint64_t *out)
{
	json_t *v = member(obj, name);
	*out = 0;
	if (!v) return NULL;
	if (ekv_json_u64(v, out)) return FAIL_MEMBER(name, "not a uint64 (non-negative integer in range)");
	return NULL;
}

static const char *get_u32(json_t *obj, const char *name, uint32_t *out, int *present)
{
	uint64_t v = 0;
	*out = 0;
	if (present) *present = member(obj, name) != NULL;
	if (get_u64(obj, name, &v) || v > UINT32_MAX)
		return FAIL_MEMBER(name, "not a uint32 (non-negative integer in range)");
	*out = (uint32_t)v;
	return NULL;
}

/* Go []byte: standard padded base64 string, or null/absent (nil). */
static const char *get_std_bytes(json_t *obj, const char *name, struct ekv_buf *out, int *oom)
{
	json_t *v = member(obj, name);
	ekv_buf_reset(out);
	if (!v) return NULL;
	if (!is_plain_string(v)) return FAIL_MEMBER(name, "not a base64 string");
	int st = ekv_b64std_decode(out, json_string_value(v), json_string_length(v));
	if (st == EKV_ENOMEM) *oom = 1;
	return st ? FAIL_MEMBER(name, "not standard padded base64") : NULL;
}

/* Go binds a member to a field case-insensitively (with two Unicode
 * folds, U+017F -> s and U+212A -> k). Refuse such near-misses. */
static int folded_equal(const char *key, size_t klen, const char *field)
{
	size_t i = 0, j = 0, flen = strlen(field);
	while (i < klen && j < flen) {
		unsigned char c = (unsigned char)key[i];
		if (c == 0xC5 && i + 1 < klen && (unsigned char)key[i + 1] == 0xBF) {
			c = 's';
			i += 2;
		} else if (c == 0xE2 && i + 2 < klen && (unsigned char)key[i + 1] == 0x84 &&
			   (unsigned char)key[i + 2] == 0xAA) {
			c = 'k';
			i += 3;
		} else {
			if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
			i++;
		}
		if (c != (unsigned char)field[j++]) return 0;
	}
	return i == klen && j == flen;
}

static const char *check_member_names(json_t *obj, const char *const *fields, size_t n)
{
	const char *key;
	size_t klen;
	json_t *v;
	json_object_keylen_foreach(obj, key, klen, v) {
		for (size_t i = 0; i < n; i++) {
			if (sqs_str_eq(key, klen, fields[i])) break;
			if (folded_equal(key, klen, fields[i]))
				return member_fail(key, klen, "differs from a known field only in letter case");
		}
	}
	return NULL;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- queue meta ---- */

static const char *const meta_live_fields[] = {
	"name", "is_fifo", "content_based_dedup", "visibility_timeout_seconds",
	"message_retention_seconds", "delay_seconds", "receive_message_wait_seconds",
	"maximum_message_size", "redrive_policy", "redrive_allow_policy", "partition_count",
	"fifo_throughput_limit", "deduplication_scope",
};
static const char *const meta_dump_fields[] = {
	"format_version", "name", "fifo", "content_based_deduplication",
	"visibility_timeout_seconds", "message_retention_seconds", "delay_seconds",
	"receive_message_wait_seconds", "maximum_message_size", "redrive_policy",
	"redrive_allow_policy", "partition_count", "fifo_throughput_limit", "deduplication_scope",
};

const char *sqs_meta_parse(json_t *root, enum sqs_msg_source src, struct sqs_meta *m)
{
	int dump = src == SQS_FROM_DUMP;
	const char *why = NULL;
	memset(m, 0, sizeof *m);
	has_bad_name = 0;
	if (!json_is_object(root)) return "not a JSON object";
	why = dump ? check_member_names(root, meta_dump_fields, N_OF(meta_dump_fields))
		   : check_member_names(root, meta_live_fields, N_OF(meta_live_fields));
	if (!why && dump) why = get_u32(root, "format_version", &m->format_version, NULL);
	if (!dump) m->format_version = 1;
	if (!why) why = get_str(root, "name", &m->name, &m->name_len);
	if (!why) why = get_bool(root, dump ? "fifo" : "is_fifo", &m->fifo);
	if (!why)
		why = get_bool(root, dump ? "content_based_deduplication" : "content_based_dedup",
			       &m->cbd);
	if (!why) why = get_i64(root, "visibility_timeout_seconds", &m->visibility_timeout);
	if (!why) why = get_i64(root, "message_retention_seconds", &m->retention);
	if (!why) why = get_i64(root, "delay_seconds", &m->delay);
	if (!why) why = get_i64(root, "receive_message_wait_seconds", &m->receive_wait);
	if (!why) why = get_i64(root, "maximum_message_size", &m->max_size);
	if (!why) why = get_str(root, "redrive_policy", &m->redrive, &m->redrive_len);
	if (!why)
		why = get_str(root, "redrive_allow_policy", &m->redrive_allow, &m->redrive_allow_len);
	if (!why) why = get_u32(root, "partition_count", &m->partition_count, NULL);
	if (!why)
		why = get_str(root, "fifo_throughput_limit", &m->throughput, &m->throughput_len);
	if (!why)
		why = get_str(root, "deduplication_scope", &m->dedup_scope, &m->dedup_scope_len);
	return why;
}

/* The 13 members after "format_version"/"generation" that both forms
 * share; `stored` switches the live names and omitempty rules. */
static void meta_write_common(struct ekv_jw *w, const struct sqs_meta *m, int stored)
{
	if (m->fifo) {
		ekv_jw_key(w, stored ? "is_fifo" : "fifo");
		ekv_jw_bool(w, 1);
	}
	if (m->cbd) {
		ekv_jw_key(w, stored ? "content_based_dedup" : "content_based_deduplication");
		ekv_jw_bool(w, 1);
	}
	ekv_jw_key(w, "visibility_timeout_seconds");
	ekv_jw_i64(w, m->visibility_timeout);
	ekv_jw_key(w, "message_retention_seconds");
	ekv_jw_i64(w, m->retention);
	ekv_jw_key(w, "delay_seconds");
	ekv_jw_i64(w, m->delay);
	if (stored || m->receive_wait) {
		ekv_jw_key(w, "receive_message_wait_seconds");
		ekv_jw_i64(w, m->receive_wait);
	}
	if (stored || m->max_size) {
		ekv_jw_key(w, "maximum_message_size");
		ekv_jw_i64(w, m->max_size);
	}
	if (m->redrive_len) {
		ekv_jw_key(w, "redrive_policy");
		ekv_jw_str(w, m->redrive, m->redrive_len);
	}
	if (m->redrive_allow_len) {
		ekv_jw_key(w, "redrive_allow_policy");
		ekv_jw_str(w, m->redrive_allow, m->redrive_allow_len);
	}
	if (m->partition_count) {
		ekv_jw_key(w, "partition_count");
		ekv_jw_u64(w, m->partition_count);
	}
	if (m->throughput_len) {
		ekv_jw_key(w, "fifo_throughput_limit");
		ekv_jw_str(w, m->throughput, m->throughput_len);
	}
	if (m->dedup_scope_len) {
		ekv_jw_key(w, "deduplication_scope");
		ekv_jw_str(w, m->dedup_scope, m->dedup_scope_len);
	}
}

int sqs_meta_write_public(struct ekv_buf *out, const struct sqs_meta *m)
{
	struct ekv_jw w;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_A_INDENT);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "format_version");
	ekv_jw_u64(&w, 1);
	ekv_jw_key(&w, "name");
	ekv_jw_str(&w, m->name, m->name_len);
	meta_write_common(&w, m, 0);
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

int sqs_meta_write_stored(struct ekv_buf *out, const struct sqs_meta *m, uint64_t generation)
{
	struct ekv_jw w;
	if (ekv_buf_append(out, sqs_meta_magic, SQS_MAGIC_LEN)) return EKV_ENOMEM;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "name");
	ekv_jw_str(&w, m->name, m->name_len);
	ekv_jw_key(&w, "generation");
	ekv_jw_u64(&w, generation);
	meta_write_common(&w, m, 1);
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

/* ---- messages ---- */

static const char *const msg_fields[] = {
	"message_id", "body", "md5_of_body", "md5_of_message_attributes", "message_attributes",
	"sender_id", "send_timestamp_millis", "available_at_millis", "visible_at_millis",
	"receive_count", "first_receive_millis", "current_receipt_token", "queue_generation",
	"message_group_id", "message_deduplication_id", "sequence_number",
	"dead_letter_source_arn", "partition",
};

void sqs_msg_init(struct sqs_msg *m)
{
	memset(m, 0, sizeof *m);
	ekv_buf_init(&m->body);
	ekv_buf_init(&m->token);
}

static void attrs_free(struct sqs_msg *m)
{
	for (size_t i = 0; i < m->n_attrs; i++) {
		free(m->attrs[i].name);
		ekv_buf_release(&m->attrs[i].value);
	}
	free(m->attrs);
	m->attrs = NULL;
	m->n_attrs = 0;
}

void sqs_msg_release(struct sqs_msg *m)
{
	attrs_free(m);
	ekv_buf_release(&m->body);
	ekv_buf_release(&m->token);
}

static int attr_cmp(const void *a, const void *b)
{
	const struct sqs_attr *x = a, *y = b;
	return ekv_bytes_cmp(x->name, x->name_len, y->name, y->name_len);
}

/* Decodes one raw quoted key into a malloc'ed string. */
static char *raw_key_decode(const char *text, struct sqs_span key, size_t *len)
{
	json_error_t e;
	json_t *v = json_loadb(text + key.beg, key.end - key.beg, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	char *out = NULL;
	if (v && json_is_string(v)) {
		*len = json_string_length(v);
		out = malloc(*len + 1);
		if (out) memcpy(out, json_string_value(v), *len + 1);
	}
	json_decref(v);
	return out;
}

/* message_attributes: map name -> raw JSON, compacted; HTML-escaped only
 * when building the stored value (encode), raw in the dump (decode). */
static const char *parse_attrs(json_t *root, const char *text, size_t n, int escape_html,
			       struct sqs_msg *m, int *oom)
{
	json_t *obj = member(root, "message_attributes");
	if (!obj) return NULL;
	if (!json_is_object(obj)) return FAIL_MEMBER("message_attributes", "not an object");
	size_t count = json_object_size(obj);
	if (count == 0) return NULL;
	struct sqs_span span, key, val;
	if (sqs_rj_find_member(text, n, "message_attributes", &span) != 1)
		return "message_attributes could not be located in the record text";
	m->attrs = calloc(count, sizeof *m->attrs);
	if (!m->attrs) goto nomem;
	size_t pos = 0;
	int r;
	while ((r = sqs_rj_next_member(text, span, &pos, &key, &val)) == 1) {
		if (m->n_attrs == count) return "message_attributes has more members than parsed";
		struct sqs_attr *a = &m->attrs[m->n_attrs++];
		ekv_buf_init(&a->value);
		a->name = raw_key_decode(text, key, &a->name_len);
		if (!a->name) goto nomem;
		if (sqs_rj_compact(&a->value, text, val, escape_html)) goto nomem;
	}
	if (r < 0 || m->n_attrs != count) return "message_attributes text does not match its parse";
	qsort(m->attrs, m->n_attrs, sizeof *m->attrs, attr_cmp);
	return NULL;
nomem:
	*oom = 1;
	return "out of memory";
}

/* Dump body (§5.3): string -> bytes, null -> empty, absent -> nil,
 * {"base64":"<url, no padding>"} -> bytes; anything else refused. */
static const char *parse_dump_body(json_t *root, struct sqs_msg *m, int *oom)
{
	json_t *v = json_object_get(root, "body");
	if (!v) {
		m->body_nil = 1;
		return NULL;
	}
	if (json_is_null(v)) return NULL;
	if (is_plain_string(v)) {
		if (ekv_buf_set(&m->body, json_string_value(v), json_string_length(v))) goto nomem;
		return NULL;
	}
	if (!json_is_object(v)) return FAIL_MEMBER("body", "neither a string nor a {\"base64\":…} object");
	json_t *b64 = json_object_get(v, "base64");
	if (json_object_size(v) != 1 || !is_plain_string(b64))
		return FAIL_MEMBER("body", "object must be exactly {\"base64\":\"<base64url>\"}");
	int st = ekv_b64url_decode(&m->body, json_string_value(b64), json_string_length(b64));
	if (st == EKV_ENOMEM) goto nomem;
	return st ? FAIL_MEMBER("body", "base64 is not unpadded base64url") : NULL;
nomem:
	*oom = 1;
	return "out of memory";
}

static const char *parse_msg_scalars(json_t *root, struct sqs_msg *m)
{
	const char *why = get_str(root, "message_id", &m->id, &m->id_len);
	if (!why) why = get_str(root, "md5_of_body", &m->md5_body, &m->md5_body_len);
	if (!why)
		why = get_str(root, "md5_of_message_attributes", &m->md5_attrs, &m->md5_attrs_len);
	if (!why) why = get_str(root, "sender_id", &m->sender, &m->sender_len);
	if (!why) why = get_i64(root, "send_timestamp_millis", &m->send_ts);
	if (!why) why = get_i64(root, "available_at_millis", &m->available_at);
	if (!why) why = get_i64(root, "visible_at_millis", &m->visible_at);
	if (!why) why = get_i64(root, "receive_count", &m->receive_count);
	if (!why) why = get_i64(root, "first_receive_millis", &m->first_receive);
	if (!why) why = get_u64(root, "queue_generation", &m->queue_gen);
	if (!why) why = get_str(root, "message_group_id", &m->group, &m->group_len);
	if (!why) why = get_str(root, "message_deduplication_id", &m->dedup, &m->dedup_len);
	if (!why) why = get_u64(root, "sequence_number", &m->seq);
	if (!why) why = get_str(root, "dead_letter_source_arn", &m->dlq_arn, &m->dlq_arn_len);
	return why;
}

const char *sqs_msg_parse(json_t *root, const char *text, size_t n, enum sqs_msg_source src,
			  struct sqs_msg *m, int *oom)
{
	int dump = src == SQS_FROM_DUMP;
	*oom = 0;
	has_bad_name = 0;
	if (!json_is_object(root)) return "not a JSON object";
	/* The live record has no "partition": there it is an unknown member. */
	const char *why = check_member_names(root, msg_fields, N_OF(msg_fields) - (dump ? 0 : 1));
	if (!why) why = parse_msg_scalars(root, m);
	if (!why) why = get_std_bytes(root, "current_receipt_token", &m->token, oom);
	if (!why && dump) why = parse_dump_body(root, m, oom);
	if (!why && !dump) why = get_std_bytes(root, "body", &m->body, oom);
	if (!why && dump) why = get_u32(root, "partition", &m->partition, &m->has_partition);
	if (!why) why = parse_attrs(root, text, n, dump, m, oom);
	return why;
}

static void put_str_omitempty(struct ekv_jw *w, const char *key, const char *s, size_t n)
{
	if (!n) return;
	ekv_jw_key(w, key);
	ekv_jw_str(w, s, n);
}

static void put_attrs(struct ekv_jw *w, const struct sqs_msg *m)
{
	if (!m->n_attrs) return;
	ekv_jw_key(w, "message_attributes");
	ekv_jw_obj_begin(w);
	for (size_t i = 0; i < m->n_attrs; i++) {
		ekv_jw_key_bytes(w, m->attrs[i].name, m->attrs[i].name_len);
		ekv_jw_raw(w, (const char *)m->attrs[i].value.data, m->attrs[i].value.len);
	}
	ekv_jw_obj_end(w);
}

/* Dump body (§4.3 #2): valid UTF-8 as a string with < > & escaped (the
 * nested json.Marshal), else {"base64":"<url, no padding>"}. */
static int put_dump_body(struct ekv_jw *w, const struct sqs_msg *m)
{
	struct ekv_buf t = EKV_BUF_INIT;
	int st;
	if (ekv_utf8_valid(m->body.data, m->body.len)) {
		st = ekv_json_quote(&t, m->body.data, m->body.len, 1);
	} else {
		st = ekv_buf_append_str(&t, "{\"base64\":\"");
		if (!st) st = ekv_b64url_encode(&t, m->body.data, m->body.len);
		if (!st) st = ekv_buf_append_str(&t, "\"}");
	}
	if (!st) ekv_jw_raw(w, (const char *)t.data, t.len);
	ekv_buf_release(&t);
	return st ? EKV_ENOMEM : EKV_OK;
}

/* Members 14..17 of both the dump line and the stored value. */
static void put_msg_tail(struct ekv_jw *w, const struct sqs_msg *m)
{
	put_str_omitempty(w, "message_group_id", m->group, m->group_len);
	put_str_omitempty(w, "message_deduplication_id", m->dedup, m->dedup_len);
	if (m->seq) {
		ekv_jw_key(w, "sequence_number");
		ekv_jw_u64(w, m->seq);
	}
	put_str_omitempty(w, "dead_letter_source_arn", m->dlq_arn, m->dlq_arn_len);
}

static void put_msg_head(struct ekv_jw *w, const struct sqs_msg *m)
{
	put_str_omitempty(w, "md5_of_message_attributes", m->md5_attrs, m->md5_attrs_len);
	put_attrs(w, m);
	put_str_omitempty(w, "sender_id", m->sender, m->sender_len);
	ekv_jw_key(w, "send_timestamp_millis");
	ekv_jw_i64(w, m->send_ts);
	ekv_jw_key(w, "available_at_millis");
	ekv_jw_i64(w, m->available_at);
}

int sqs_msg_write_dump(struct ekv_buf *out, const struct sqs_msg *m)
{
	struct ekv_jw w;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_B);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "message_id");
	ekv_jw_str(&w, m->id, m->id_len);
	ekv_jw_key(&w, "body");
	if (put_dump_body(&w, m)) return EKV_ENOMEM;
	put_str_omitempty(&w, "md5_of_body", m->md5_body, m->md5_body_len);
	put_msg_head(&w, m);
	ekv_jw_key(&w, "visible_at_millis");
	ekv_jw_i64(&w, m->visible_at);
	ekv_jw_key(&w, "receive_count");
	ekv_jw_i64(&w, m->receive_count);
	if (m->first_receive) {
		ekv_jw_key(&w, "first_receive_millis");
		ekv_jw_i64(&w, m->first_receive);
	}
	if (m->token.len) {
		struct ekv_buf t = EKV_BUF_INIT;
		if (ekv_b64std_encode(&t, m->token.data, m->token.len)) return EKV_ENOMEM;
		ekv_jw_key(&w, "current_receipt_token");
		ekv_jw_str(&w, t.data, t.len);
		ekv_buf_release(&t);
	}
	ekv_jw_key(&w, "queue_generation");
	ekv_jw_u64(&w, m->queue_gen);
	put_msg_tail(&w, m);
	if (m->has_partition) {
		ekv_jw_key(&w, "partition");
		ekv_jw_u64(&w, m->partition);
	}
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

/* Stored record (§5.5 #3): visibility state zeroed, token null, the
 * restore generation; body as standard padded base64, nil -> null. */
int sqs_msg_write_stored(struct ekv_buf *out, const struct sqs_msg *m, uint64_t generation)
{
	struct ekv_jw w;
	struct ekv_buf b64 = EKV_BUF_INIT;
	if (ekv_buf_append(out, sqs_msg_magic, SQS_MAGIC_LEN)) return EKV_ENOMEM;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "message_id");
	ekv_jw_str(&w, m->id, m->id_len);
	ekv_jw_key(&w, "body");
	if (m->body_nil) {
		ekv_jw_null(&w);
	} else {
		if (ekv_b64std_encode(&b64, m->body.data, m->body.len)) return EKV_ENOMEM;
		ekv_jw_str(&w, b64.data, b64.len);
		ekv_buf_release(&b64);
	}
	ekv_jw_key(&w, "md5_of_body");
	ekv_jw_str(&w, m->md5_body, m->md5_body_len);
	put_msg_head(&w, m);
	ekv_jw_key(&w, "visible_at_millis");
	ekv_jw_i64(&w, 0);
	ekv_jw_key(&w, "receive_count");
	ekv_jw_i64(&w, 0);
	ekv_jw_key(&w, "current_receipt_token");
	ekv_jw_null(&w);
	ekv_jw_key(&w, "queue_generation");
	ekv_jw_u64(&w, generation);
	put_msg_tail(&w, m);
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}
