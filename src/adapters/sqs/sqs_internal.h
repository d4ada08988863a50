/*
 * SQS adapter internals (spec: sqs.md). The adapter is split by concern:
 *   keys.c     key layouts: builders (encode) and parsers (decode), §2
 *   rawjson.c  raw JSON spans: message attribute values are passed through
 *              as the exact live bytes minus whitespace (§4.3), which a
 *              parsed tree cannot reproduce
 *   record.c   the queue-meta and message records with Go json.Unmarshal
 *              semantics (null = zero, integers exact) over jansson, §3
 *   decode.c   snapshot -> sqs/<queue>/{_queue.json,messages.jsonl,_internals/}
 *   encode.c   sqs/ tree -> meta, gen, seq, data, vis, byage, dedup records
 */
#ifndef EKV_SQS_INTERNAL_H
#define EKV_SQS_INTERNAL_H
#include <jansson.h>
#include "../../lib/adapter.h"
#include "../../lib/buf.h"

/* ---- prefixes (§2.2) ---- */
#define SQS_PFX_QUEUE_META "!sqs|queue|meta|"
#define SQS_PFX_QUEUE_GEN "!sqs|queue|gen|"
#define SQS_PFX_QUEUE_SEQ "!sqs|queue|seq|"
#define SQS_PFX_QUEUE_TOMB "!sqs|queue|tombstone|"
#define SQS_PFX_MSG_DATA "!sqs|msg|data|"
#define SQS_PFX_MSG_VIS "!sqs|msg|vis|"
#define SQS_PFX_MSG_BYAGE "!sqs|msg|byage|"
#define SQS_PFX_MSG_DEDUP "!sqs|msg|dedup|"
#define SQS_PFX_MSG_GROUP "!sqs|msg|group|"
#define SQS_PARTITIONED "p|"

/* Route tags (sqs.c route table). */
enum sqs_route {
	Q_QUEUE_TOMBSTONE, Q_QUEUE_META, Q_QUEUE_GEN, Q_QUEUE_SEQ, Q_MSG_BYAGE, Q_MSG_DEDUP,
	Q_MSG_GROUP, Q_MSG_DATA, Q_MSG_VIS,
};

/* ---- value envelopes (§3.1) ---- */
#define SQS_MAGIC_LEN 4
extern const uint8_t sqs_meta_magic[SQS_MAGIC_LEN];   /* 00 'S' 'Q' 01 */
extern const uint8_t sqs_msg_magic[SQS_MAGIC_LEN];    /* 00 'S' 'M' 01 */

#define SQS_RESTORE_GENERATION 1ull          /* §5.5: every restored queue is gen 1 */
#define SQS_DEDUP_WINDOW_MS 300000ll         /* §3.4: dedup row expiry = send + 5 min */
#define SQS_MAX_PARTITIONS 32u               /* §5.2 item 4 */
#define SQS_GEN_BYTES 8
#define SQS_PARTITION_BYTES 4

/* ---- keys.c ---- */
int sqs_is_b64url_byte(uint8_t c);
/* Index of the first byte outside [A-Za-z0-9-_], or n. */
size_t sqs_b64url_boundary(const uint8_t *p, size_t n);
/* True if seg decodes as base64url without padding (§2.5). */
int sqs_seg_valid(const uint8_t *seg, size_t n);
int sqs_seg_decode(struct ekv_buf *out, const uint8_t *seg, size_t n);

/* Parsed message-data key (§2.5): the queue segment (still encoded) and,
 * for `p|` keys, the partition from the trailer. */
struct sqs_data_key {
	const uint8_t *seg;
	size_t seg_len;
	const uint8_t *id_seg;        /* message-id segment (for error messages) */
	size_t id_seg_len;
	int partitioned;
	uint32_t partition;
};
/* rest = key after "!sqs|msg|data|". NULL on success, else why it failed. */
const char *sqs_parse_data_key(const uint8_t *rest, size_t n, struct sqs_data_key *out);
/* rest = key after a side-record prefix (vis/byage/dedup/group/tombstone):
 * the queue segment by the classic boundary or the `p|` terminator. */
const char *sqs_parse_side_key(const uint8_t *rest, size_t n, const uint8_t **seg,
			       size_t *seg_len);
/* D13: rest = key after "!sqs|queue|seq|": the whole rest is the segment. */
const char *sqs_parse_seq_key(const uint8_t *rest, size_t n, const uint8_t **seg,
			      size_t *seg_len);

/* Where a message lives: queue name (raw), generation, partition. */
struct sqs_msg_place {
	const void *queue;
	size_t queue_len;
	uint64_t gen;
	int partitioned;             /* queue partition_count > 1 */
	uint32_t partition;
};
/* prefix + seg(queue): meta, gen and seq keys. */
int sqs_key_queue(struct ekv_buf *out, const char *prefix, const void *queue, size_t n);
/* Data (ts == NULL), vis and byage keys: family prefix [+ "p|"] + seg(queue)
 * [+ "|" + u32(part)] + u64(gen) [+ ms(*ts)] + seg(id). */
int sqs_key_msg(struct ekv_buf *out, const char *family, const struct sqs_msg_place *pl,
		const int64_t *ts, const void *id, size_t id_len);
/* Dedup key: classic has no group; partitioned has seg(group) "|" seg(dedup). */
int sqs_key_dedup(struct ekv_buf *out, const struct sqs_msg_place *pl, const void *group,
		  size_t group_len, const void *dedup, size_t dedup_len);

/* ---- rawjson.c ---- */
/* Spans index into the text given to the functions; end is exclusive. */
struct sqs_span {
	size_t beg, end;
};
/* Finds member `name` of the top-level object in text (keys compared after
 * unescaping). 1 found, 0 absent, -1 malformed text. */
int sqs_rj_find_member(const char *text, size_t n, const char *name, struct sqs_span *value);
/* Iterates the members of the object spanning `obj`: *pos starts at 0;
 * returns 1 with the raw key (with quotes) and value spans, 0 at the end,
 * -1 if malformed. */
int sqs_rj_next_member(const char *text, struct sqs_span obj, size_t *pos, struct sqs_span *key,
		       struct sqs_span *value);
/* Go json.Compact: drops insignificant whitespace; with escape_html also
 * writes < > & U+2028 U+2029 as \u escapes (json.Marshal of a RawMessage). */
int sqs_rj_compact(struct ekv_buf *out, const char *text, struct sqs_span s, int escape_html);

/* ---- record.c ---- */
/* One message attribute: decoded name, value as compacted raw JSON. */
struct sqs_attr {
	char *name;
	size_t name_len;
	struct ekv_buf value;
};

/* The message record of §3.3 / §4.3 with the partition of §4.3 #18.
 * Strings point into the json_t the record was parsed from. */
struct sqs_msg {
	const char *id;
	size_t id_len;
	struct ekv_buf body;
	int body_nil;                 /* absent (dump) or null: Go nil slice */
	const char *md5_body;
	size_t md5_body_len;
	const char *md5_attrs;
	size_t md5_attrs_len;
	struct sqs_attr *attrs;       /* sorted by name bytes */
	size_t n_attrs;
	const char *sender;
	size_t sender_len;
	int64_t send_ts;
	int64_t available_at;
	int64_t visible_at;
	int64_t receive_count;
	int64_t first_receive;
	struct ekv_buf token;         /* current_receipt_token bytes */
	uint64_t queue_gen;
	const char *group;
	size_t group_len;
	const char *dedup;
	size_t dedup_len;
	uint64_t seq;
	const char *dlq_arn;
	size_t dlq_arn_len;
	int has_partition;
	uint32_t partition;
};

enum sqs_msg_source {
	SQS_FROM_LIVE,   /* live value: body is std base64, no partition member */
	SQS_FROM_DUMP,   /* messages.jsonl: body string/{"base64":…}, partition */
};
void sqs_msg_init(struct sqs_msg *m);
void sqs_msg_release(struct sqs_msg *m);
/* Fills m from the parsed object root of text. NULL on success, else a
 * static reason; *oom is set when the failure is memory. */
const char *sqs_msg_parse(json_t *root, const char *text, size_t n, enum sqs_msg_source src,
			  struct sqs_msg *m, int *oom);

/* After a failed parse: the member the reason is about, or NULL. */
const char *sqs_bad_member(void);

/* Queue meta projection (§4.2 `sqsQueueMetaPublic`). */
struct sqs_meta {
	uint32_t format_version;
	const char *name;
	size_t name_len;
	int fifo;
	int cbd;
	int64_t visibility_timeout;
	int64_t retention;
	int64_t delay;
	int64_t receive_wait;
	int64_t max_size;
	const char *redrive;
	size_t redrive_len;
	const char *redrive_allow;
	size_t redrive_allow_len;
	uint32_t partition_count;
	const char *throughput;
	size_t throughput_len;
	const char *dedup_scope;
	size_t dedup_scope_len;
};
/* Live meta value (names is_fifo, content_based_dedup) or dump _queue.json
 * (fifo, content_based_deduplication, format_version). */
const char *sqs_meta_parse(json_t *root, enum sqs_msg_source src, struct sqs_meta *m);
/* _queue.json bytes: MarshalIndent, HTML escaping on, no newline (§4.2). */
int sqs_meta_write_public(struct ekv_buf *out, const struct sqs_meta *m);
/* Stored live value: magic + json.Marshal of the stored meta (§5.5 #1). */
int sqs_meta_write_stored(struct ekv_buf *out, const struct sqs_meta *m, uint64_t generation);

/* One messages.jsonl line with "\n" (§4.3); visibility already applied. */
int sqs_msg_write_dump(struct ekv_buf *out, const struct sqs_msg *m);
/* Stored live value: magic + json.Marshal of the stored message (§5.5 #3). */
int sqs_msg_write_stored(struct ekv_buf *out, const struct sqs_msg *m, uint64_t generation);

/* FNV-1a partition routing of §5.4. */
uint32_t sqs_partition_for(const struct sqs_meta *m, const char *group, size_t group_len);
int sqs_str_eq(const char *s, size_t n, const char *lit);
/* Malloc'ed printable copy for messages (first 200 bytes, others as \\xHH). */
char *sqs_printable(const void *p, size_t n);

/* ---- the adapter hooks ---- */
int sqs_decode_begin(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err);
int sqs_decode_record(void *state, const struct ekv_record *rec, struct ekv_error *err);
int sqs_decode_finish(void *state, struct ekv_error *err);
void sqs_decode_free(void *state);
int sqs_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err);
#endif
