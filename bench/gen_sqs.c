/*
 * SQS records for the synthetic generator: queues of every kind
 * (standard, FIFO, FIFO with content-based dedup, partitioned HT-FIFO)
 * with their messages, written as the live store holds them right after
 * the sends: meta + gen counter "1", data rows, vis rows at
 * available_at, byage rows, FIFO dedup rows and the seq counter. The
 * record shapes are the ones the SQS encoder produces, so for an
 * SQS-only snapshot encode(decode(gen)) reproduces the file byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"
#include "lib/jsonw.h"
#include "lib/util.h"
#include "adapters/sqs/sqs_internal.h"

enum { Q_STANDARD, Q_FIFO, Q_FIFO_CBD, Q_PARTITIONED, Q_KINDS };

struct gen_queue {
	char name[64];
	struct sqs_meta meta;
	uint64_t seq;
};

static void queue_init(struct gen_queue *q, uint64_t idx)
{
	int kind = (int)(idx % Q_KINDS);
	memset(q, 0, sizeof *q);
	snprintf(q->name, sizeof q->name, "bench-%llu%s", (unsigned long long)idx,
		 kind == Q_STANDARD ? "" : ".fifo");
	struct sqs_meta *m = &q->meta;
	m->format_version = 1;
	m->name = q->name;
	m->name_len = strlen(q->name);
	m->fifo = kind != Q_STANDARD;
	m->cbd = kind == Q_FIFO_CBD;
	m->visibility_timeout = 30;
	m->retention = 345600;
	m->max_size = 262144;
	if (kind == Q_PARTITIONED) {
		m->partition_count = 4;
		m->throughput = "perMessageGroupId";
		m->throughput_len = 17;
		m->dedup_scope = "messageGroup";
		m->dedup_scope_len = 12;
	}
}

static int put(struct gen *g, const struct ekv_buf *k, const void *v, size_t vl)
{
	return gen_put(g, k->data, k->len, v, vl);
}

static int put_queue(struct gen *g, const struct gen_queue *q, struct ekv_buf *k,
		     struct ekv_buf *v)
{
	ekv_buf_reset(v);
	if (sqs_key_queue(k, SQS_PFX_QUEUE_META, q->name, q->meta.name_len) ||
	    sqs_meta_write_stored(v, &q->meta, 1) || put(g, k, v->data, v->len))
		return -1;
	if (sqs_key_queue(k, SQS_PFX_QUEUE_GEN, q->name, q->meta.name_len)) return -1;
	return put(g, k, "1", 1);
}

/* Mostly text; every 5th body has < > & and U+2028, every 7th is binary. */
static void make_body(struct gen *g, uint64_t i, struct ekv_buf *body)
{
	uint64_t size = gen_value_size(g);
	if (size > 4096) size = 4096;
	ekv_buf_reset(body);
	ekv_buf_printf(body, "msg %llu ", (unsigned long long)i);
	if (i % 5 == 0) ekv_buf_append_str(body, "<a & b> \xe2\x80\xa8 ");
	if (i % 7 == 0) ekv_buf_append(body, "\xff\xfe", 2);
	while (body->len < size) ekv_buf_append_byte(body, (uint8_t)('a' + gen_below(g, 26)));
}

/* Attribute value JSON as the live writer stores it (json.Marshal: compact,
 * HTML escaping on): String, Number and Binary types. */
static int add_attr(struct sqs_msg *m, const char *name, const char *type, const char *key,
		    const char *text)
{
	struct sqs_attr *a = &m->attrs[m->n_attrs];
	struct ekv_jw w;
	ekv_buf_init(&a->value);
	a->name = strdup(name);
	if (!a->name) return -1;
	a->name_len = strlen(name);
	m->n_attrs++;
	ekv_jw_init(&w, &a->value, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "DataType");
	ekv_jw_cstr(&w, type);
	ekv_jw_key(&w, key);
	ekv_jw_cstr(&w, text);
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

/* Every 4th message carries three attributes, sorted by name. */
static int make_attrs(struct gen *g, uint64_t i, struct sqs_msg *m)
{
	if (i % 4 != 1) return 0;
	char num[24];
	snprintf(num, sizeof num, "%llu", (unsigned long long)gen_below(g, 1000000));
	m->attrs = calloc(3, sizeof *m->attrs);
	if (!m->attrs) return -1;
	m->md5_attrs = "11111111111111111111111111111111";
	m->md5_attrs_len = 32;
	if (add_attr(m, "bin", "Binary", "BinaryValue", "AAEC/w==") ||
	    add_attr(m, "n<1>", "Number", "StringValue", num) ||
	    add_attr(m, "s", "String.custom", "StringValue", "a<b & c\xe2\x80\xa8"))
		return -1;
	return 0;
}

static int make_message(struct gen *g, struct gen_queue *q, uint64_t i, struct sqs_msg *m,
			 char id[33], char group[16], char dedup[24])
{
	uint8_t raw[16];
	gen_bytes(g, raw, sizeof raw);
	ekv_hex_lower(id, raw, sizeof raw);
	m->id = id;
	m->id_len = 32;
	make_body(g, i, &m->body);
	m->md5_body = "00000000000000000000000000000000";
	m->md5_body_len = 32;
	m->send_ts = 1700000000000ll + (int64_t)i * 7;
	m->available_at = m->send_ts + (i % 3 == 0 ? 5000 : 0);
	m->queue_gen = 1;
	if (make_attrs(g, i, m)) return -1;
	if (!q->meta.fifo) return 0;
	snprintf(group, 16, "g%llu", (unsigned long long)gen_below(g, 8));
	m->group = group;
	m->group_len = strlen(group);
	m->seq = ++q->seq;
	if (!q->meta.cbd) {
		snprintf(dedup, 24, "d%llu", (unsigned long long)i);
		m->dedup = dedup;
		m->dedup_len = strlen(dedup);
	}
	if (q->meta.partition_count > 1) {
		m->has_partition = 1;
		m->partition = sqs_partition_for(&q->meta, group, m->group_len);
	}
	return 0;
}

static int put_dedup(struct gen *g, const struct gen_queue *q, const struct sqs_msg *m,
		     const struct sqs_msg_place *pl, struct ekv_buf *k, struct ekv_buf *v)
{
	char hex[65];
	const char *id = m->dedup;
	size_t id_len = m->dedup_len;
	if (!id_len) {
		uint8_t sum[EKV_SHA256_LEN];
		ekv_sha256(m->body.data, m->body.len, sum);
		ekv_hex_lower(hex, sum, sizeof sum);
		id = hex;
		id_len = 64;
	}
	(void)q;
	struct ekv_jw w;
	ekv_buf_reset(v);
	ekv_jw_init(&w, v, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "message_id");
	ekv_jw_str(&w, m->id, m->id_len);
	ekv_jw_key(&w, "send_timestamp_ms");
	ekv_jw_i64(&w, m->send_ts);
	ekv_jw_key(&w, "expires_at_millis");
	ekv_jw_i64(&w, m->send_ts + SQS_DEDUP_WINDOW_MS);
	ekv_jw_key(&w, "original_sequence");
	ekv_jw_u64(&w, m->seq);
	ekv_jw_obj_end(&w);
	if (ekv_jw_finish(&w) || sqs_key_dedup(k, pl, m->group, m->group_len, id, id_len)) return -1;
	return put(g, k, v->data, v->len);
}

static int put_message(struct gen *g, struct gen_queue *q, uint64_t i, struct ekv_buf *k,
		       struct ekv_buf *v)
{
	struct sqs_msg m;
	char id[33], group[16], dedup[24];
	sqs_msg_init(&m);
	if (make_message(g, q, i, &m, id, group, dedup)) {
		sqs_msg_release(&m);
		return -1;
	}
	struct sqs_msg_place pl = { q->name, q->meta.name_len, 1, q->meta.partition_count > 1,
				    m.partition };
	ekv_buf_reset(v);
	int rc = sqs_key_msg(k, SQS_PFX_MSG_DATA, &pl, NULL, m.id, m.id_len) ||
		 sqs_msg_write_stored(v, &m, 1) || put(g, k, v->data, v->len) ||
		 sqs_key_msg(k, SQS_PFX_MSG_VIS, &pl, &m.available_at, m.id, m.id_len) ||
		 put(g, k, m.id, m.id_len) ||
		 sqs_key_msg(k, SQS_PFX_MSG_BYAGE, &pl, &m.send_ts, m.id, m.id_len) ||
		 put(g, k, m.id, m.id_len);
	if (!rc && q->meta.fifo) rc = put_dedup(g, q, &m, &pl, k, v);
	sqs_msg_release(&m);
	return rc ? -1 : 0;
}

static int put_seq(struct gen *g, const struct gen_queue *q, struct ekv_buf *k)
{
	if (!q->meta.fifo || !q->seq) return 0;
	char num[24];
	int n = snprintf(num, sizeof num, "%llu", (unsigned long long)q->seq);
	if (sqs_key_queue(k, SQS_PFX_QUEUE_SEQ, q->name, q->meta.name_len)) return -1;
	return put(g, k, num, (size_t)n);
}

/* About n records: each message makes 3-4, each queue 2-3. */
int gen_sqs(struct gen *g, uint64_t n)
{
	uint64_t n_msgs = n / 4;
	uint64_t n_queues = n_msgs < Q_KINDS ? 1 : Q_KINDS + n_msgs / 200;
	if (n_queues > 256) n_queues = 256;
	if (n == 0) return 0;
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	int rc = 0;
	for (uint64_t qi = 0; qi < n_queues && !rc; qi++) {
		struct gen_queue q;
		queue_init(&q, qi);
		rc = put_queue(g, &q, &k, &v);
		uint64_t share = n_msgs / n_queues + (qi < n_msgs % n_queues);
		for (uint64_t i = 0; i < share && !rc; i++) rc = put_message(g, &q, qi << 32 | i, &k, &v);
		if (!rc) rc = put_seq(g, &q, &k);
	}
	ekv_buf_release(&k);
	ekv_buf_release(&v);
	return rc;
}
