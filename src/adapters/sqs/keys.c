/*
 * SQS key layouts (sqs.md §2.3) and the decoder's parse rules (§2.5).
 * Classic keys have no separators: the queue segment ends at the first
 * byte outside the base64url alphabet (the generation's 00 top byte).
 * Partitioned keys put "p|" after the family prefix and end the queue
 * segment with a literal '|'.
 */
#include "sqs_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../lib/util.h"

const uint8_t sqs_meta_magic[SQS_MAGIC_LEN] = { 0x00, 'S', 'Q', 0x01 };
const uint8_t sqs_msg_magic[SQS_MAGIC_LEN] = { 0x00, 'S', 'M', 0x01 };

int sqs_is_b64url_byte(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

size_t sqs_b64url_boundary(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && sqs_is_b64url_byte(p[i])) i++;
	return i;
}

int sqs_seg_decode(struct ekv_buf *out, const uint8_t *seg, size_t n)
{
	ekv_buf_reset(out);
	return ekv_b64url_decode(out, (const char *)seg, n);
}

static int b64url_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '-') return 62;
	if (c == '_') return 63;
	return -1;
}

/* Same acceptance as the core's strict decoder, without decoding: upstream
 * (Go RawURLEncoding) also accepts non-zero trailing bits and skips CR/LF,
 * spellings no live key has; we refuse them (fail closed). */
int sqs_seg_valid(const uint8_t *seg, size_t n)
{
	if (n % 4 == 1) return 0;
	int last = 0;
	for (size_t i = 0; i < n; i++)
		if ((last = b64url_value(seg[i])) < 0) return 0;
	if (n % 4 == 2) return (last & 0x0F) == 0;
	if (n % 4 == 3) return (last & 0x03) == 0;
	return 1;
}

static int starts_partitioned(const uint8_t *rest, size_t n)
{
	return n >= 2 && rest[0] == 'p' && rest[1] == '|';
}

/* `p|<seg>|<part u32><gen u64>[<id seg>]`: the shared partitioned parse. */
static const char *parse_partitioned(const uint8_t *rest, size_t n, int has_id,
				     struct sqs_data_key *out)
{
	const uint8_t *body = rest + 2;
	size_t blen = n - 2;
	const uint8_t *bar = memchr(body, '|', blen);
	if (!bar || bar == body) return "partitioned key without a queue segment ended by '|'";
	size_t seg_len = (size_t)(bar - body);
	if (!sqs_seg_valid(body, seg_len)) return "partitioned key queue segment is not base64url";
	const uint8_t *trailer = bar + 1;
	size_t tlen = blen - seg_len - 1;
	const size_t fixed = SQS_PARTITION_BYTES + SQS_GEN_BYTES;
	if (has_id) {
		if (tlen <= fixed) return "partitioned data key has no message-id segment";
		if (!sqs_seg_valid(trailer + fixed, tlen - fixed))
			return "partitioned data key message-id segment is not base64url";
		out->id_seg = trailer + fixed;
		out->id_seg_len = tlen - fixed;
	} else if (tlen < fixed) {
		return "partitioned side-record key trailer is shorter than partition + generation";
	}
	out->seg = body;
	out->seg_len = seg_len;
	out->partitioned = 1;
	out->partition = ekv_be32(trailer);
	return NULL;
}

const char *sqs_parse_data_key(const uint8_t *rest, size_t n, struct sqs_data_key *out)
{
	memset(out, 0, sizeof *out);
	if (starts_partitioned(rest, n)) return parse_partitioned(rest, n, 1, out);
	size_t idx = sqs_b64url_boundary(rest, n);
	if (idx == 0) return "data key has no queue segment";
	if (idx + SQS_GEN_BYTES >= n) return "data key has no message-id segment after the generation";
	if (!sqs_seg_valid(rest, idx)) return "data key queue segment is not base64url";
	if (!sqs_seg_valid(rest + idx + SQS_GEN_BYTES, n - idx - SQS_GEN_BYTES))
		return "data key message-id segment is not base64url";
	out->seg = rest;
	out->seg_len = idx;
	out->id_seg = rest + idx + SQS_GEN_BYTES;
	out->id_seg_len = n - idx - SQS_GEN_BYTES;
	return NULL;
}

const char *sqs_parse_side_key(const uint8_t *rest, size_t n, const uint8_t **seg,
			       size_t *seg_len)
{
	if (starts_partitioned(rest, n)) {
		struct sqs_data_key k;
		const char *why = parse_partitioned(rest, n, 0, &k);
		if (why) return why;
		*seg = k.seg;
		*seg_len = k.seg_len;
		return NULL;
	}
	size_t idx = sqs_b64url_boundary(rest, n);
	if (idx == 0) return "side-record key has no queue segment";
	if (idx == n) return "side-record key has no binary trailer after the queue segment";
	*seg = rest;
	*seg_len = idx;
	return NULL;
}

/* D13: the seq counter key is prefix + seg(queue) with nothing after it,
 * so the whole rest is the segment (upstream runs the side-record parser
 * here, which always fails: sqs.md §8 P1). */
const char *sqs_parse_seq_key(const uint8_t *rest, size_t n, const uint8_t **seg,
			      size_t *seg_len)
{
	if (n == 0) return "seq key has no queue segment";
	if (sqs_b64url_boundary(rest, n) != n || !sqs_seg_valid(rest, n))
		return "seq key queue segment is not base64url";
	*seg = rest;
	*seg_len = n;
	return NULL;
}

/* ---- builders (encode) ---- */

int sqs_key_queue(struct ekv_buf *out, const char *prefix, const void *queue, size_t n)
{
	ekv_buf_reset(out);
	if (ekv_buf_append_str(out, prefix)) return EKV_ENOMEM;
	return ekv_b64url_encode(out, queue, n);
}

/* ms(): negative millisecond values clamp to 0 (§2.1). */
static uint64_t clamp_ms(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

/* family [+ "p|"] + seg(queue) [+ "|" + u32(part)] + u64(gen) */
static int key_msg_head(struct ekv_buf *out, const char *family, const struct sqs_msg_place *pl)
{
	ekv_buf_reset(out);
	int st = ekv_buf_append_str(out, family);
	if (!st && pl->partitioned) st = ekv_buf_append_str(out, SQS_PARTITIONED);
	if (!st) st = ekv_b64url_encode(out, pl->queue, pl->queue_len);
	if (!st && pl->partitioned) {
		st = ekv_buf_append_byte(out, '|');
		if (!st) st = ekv_buf_append_be32(out, pl->partition);
	}
	if (!st) st = ekv_buf_append_be64(out, pl->gen);
	return st ? EKV_ENOMEM : EKV_OK;
}

int sqs_key_msg(struct ekv_buf *out, const char *family, const struct sqs_msg_place *pl,
		const int64_t *ts, const void *id, size_t id_len)
{
	int st = key_msg_head(out, family, pl);
	if (!st && ts) st = ekv_buf_append_be64(out, clamp_ms(*ts));
	if (!st) st = ekv_b64url_encode(out, id, id_len);
	return st ? EKV_ENOMEM : EKV_OK;
}

int sqs_key_dedup(struct ekv_buf *out, const struct sqs_msg_place *pl, const void *group,
		  size_t group_len, const void *dedup, size_t dedup_len)
{
	int st = key_msg_head(out, SQS_PFX_MSG_DEDUP, pl);
	if (!st && pl->partitioned) {
		st = ekv_b64url_encode(out, group, group_len);
		if (!st) st = ekv_buf_append_byte(out, '|');
	}
	if (!st) st = ekv_b64url_encode(out, dedup, dedup_len);
	return st ? EKV_ENOMEM : EKV_OK;
}

uint32_t sqs_partition_for(const struct sqs_meta *m, const char *group, size_t group_len)
{
	if (m->partition_count <= 1 || sqs_str_eq(m->throughput, m->throughput_len, "perQueue") ||
	    group_len == 0)
		return 0;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < group_len; i++) {
		h ^= (uint8_t)group[i];
		h *= 16777619u;
	}
	return h & (m->partition_count - 1);
}

int sqs_str_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n == l && (l == 0 || memcmp(s, lit, l) == 0);
}

char *sqs_printable(const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t cap = n > 200 ? 200 : n;
	char *out = malloc(cap * 4 + 4);
	if (!out) return NULL;
	size_t o = 0;
	for (size_t i = 0; i < cap; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') out[o++] = (char)s[i];
		else o += (size_t)sprintf(out + o, "\\x%02x", s[i]);
	}
	if (cap < n) o += (size_t)sprintf(out + o, "...");
	out[o] = 0;
	return out;
}
