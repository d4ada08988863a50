/* Bad input never crashes: deterministic byte mutations of valid SQS
 * records fed straight to the decode hooks, and of dump lines fed to the
 * encoder's parsers. Every outcome must be OK or a typed error (the
 * sanitizer build catches memory errors and leaks). */
#include "sqs_fixture.h"
#include "lib/jsonr.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void mutate(struct ekv_buf *b, const uint8_t *src, size_t n)
{
	static const uint8_t interesting[] = { 0, '|', '"', '\\', '{', '}', '[', ']', ':', ',',
					       'p', 0xff, 0xc3, 0xe2, '0', '-', 'e', ' ' };
	CHECK(ekv_buf_set(b, src, n) == 0);
	int edits = 1 + (int)(rnd() % 4);
	for (int i = 0; i < edits; i++) {
		uint64_t r = rnd();
		size_t pos = b->len ? (size_t)(r >> 8) % b->len : 0;
		switch (r % 4) {
		case 0:
			if (b->len) b->data[pos] = interesting[(r >> 40) % sizeof interesting];
			break;
		case 1:
			if (b->len) b->data[pos] ^= (uint8_t)(1u << ((r >> 32) % 8));
			break;
		case 2:
			if (b->len) ekv_buf_truncate(b, pos);
			break;
		default:
			CHECK(ekv_buf_append_byte(b, interesting[(r >> 40) % sizeof interesting]) == 0);
		}
	}
}

struct live_case {
	int tag;
	size_t prefix_len;
	struct ekv_buf key, val;
};

static int status_is_typed(int st)
{
	return st == EKV_OK || st == EKV_EDATA || st == EKV_ENOMEM;
}

EKV_TEST(sqs_decode_survives_mutated_records)
{
	struct ekv_decode_options opts = { 0 };
	struct ekv_counters counters = { 0 };
	opts.include_sqs_side_records = 1;
	struct ekv_decode_ctx ctx = { &opts, NULL, &counters, ".", 1 << 16, "sqs" };
	struct live_case cases[4];
	cases[0] = (struct live_case){ Q_QUEUE_META, 16, fx_key_queue(SQS_PFX_QUEUE_META, "q.fifo", 6),
		fx_magic(sqs_meta_magic, "{\"name\":\"q.fifo\",\"generation\":1,\"is_fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0,\"partition_count\":2,\"tags\":{\"a\":\"b\"}}") };
	cases[1] = (struct live_case){ Q_MSG_DATA, 14, fx_key_data("q.fifo", 1, 1, 1, "m1"),
		fx_magic(sqs_msg_magic, "{\"message_id\":\"m1\",\"body\":\"/wD+\",\"message_attributes\":{\"a\":{\"DataType\":\"String\",\"StringValue\":\"x\\u2028\"},\"b\":[1,{\"c\":null}]},\"send_timestamp_millis\":5,\"current_receipt_token\":\"AAE=\",\"queue_generation\":1,\"sequence_number\":3}") };
	cases[2] = (struct live_case){ Q_MSG_VIS, 13, fx_key_data("q.fifo", 1, 1, 1, "m1"), fx_str("m1") };
	memcpy(cases[2].key.data, "!sqs|msg|vis|p", 14);   /* same length as the data prefix + 'p' */
	cases[3] = (struct live_case){ Q_QUEUE_SEQ, 15, fx_key_queue(SQS_PFX_QUEUE_SEQ, "q.fifo", 6), fx_str("3") };
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	int accepted = 0, refused = 0;
	for (int round = 0; round < 4000; round++) {
		void *state = NULL;
		struct ekv_error err = { 0 };
		CHECK_OK(sqs_decode_begin(&ctx, &state, &err), &err);
		struct live_case *c = &cases[round % 4];
		int mut_key = (rnd() & 3) == 0;
		if (mut_key) mutate(&k, c->key.data, c->key.len);
		else CHECK(ekv_buf_set(&k, c->key.data, c->key.len) == 0);
		mutate(&v, c->val.data, c->val.len);
		if (k.len < c->prefix_len) CHECK(ekv_buf_set(&k, c->key.data, c->prefix_len) == 0);
		struct ekv_record rec = { k.data, k.len, c->prefix_len, c->tag, v.data, v.len, 1, 0, 0 };
		int st = sqs_decode_record(state, &rec, &err);
		if (!status_is_typed(st)) ekv_test_fail(__FILE__, __LINE__, "status %d", st);
		if (st) CHECK(err.msg[0] != 0);
		if (st) refused++;
		else accepted++;
		sqs_decode_free(state);
	}
	CHECK(accepted > 200 && refused > 200);   /* both paths were exercised */
	for (int i = 0; i < 4; i++) {
		ekv_buf_release(&cases[i].key);
		ekv_buf_release(&cases[i].val);
	}
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

EKV_TEST(sqs_encode_parsers_survive_mutated_lines)
{
	const char *line = "{\"message_id\":\"m\",\"body\":{\"base64\":\"_wD-\"},\"message_attributes\":{\"k<\": {\"DataType\": \"String\", \"StringValue\": \"a\\/b\"}},\"send_timestamp_millis\":-1,\"partition\":1,\"current_receipt_token\":\"AAE=\"}";
	const char *meta = "{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":2,\"fifo_throughput_limit\":\"perQueue\"}";
	struct ekv_buf b = EKV_BUF_INIT;
	for (int round = 0; round < 4000; round++) {
		int is_meta = round % 3 == 0;
		const char *src = is_meta ? meta : line;
		mutate(&b, (const uint8_t *)src, strlen(src));
		struct ekv_error err = { 0 };
		json_t *root = ekv_json_parse(b.data, b.len, "m.jsonl", EKV_EINPUT, &err);
		if (!root) {
			CHECK(err.code == EKV_EINPUT || err.code == EKV_ENOMEM);
			continue;
		}
		if (is_meta) {
			struct sqs_meta m;
			(void)sqs_meta_parse(root, SQS_FROM_DUMP, &m);
		} else {
			struct sqs_msg m;
			int oom;
			sqs_msg_init(&m);
			const char *why = sqs_msg_parse(root, (const char *)b.data, b.len, SQS_FROM_DUMP, &m, &oom);
			struct ekv_buf out = EKV_BUF_INIT;
			if (!why) CHECK(sqs_msg_write_stored(&out, &m, 1) == 0);
			ekv_buf_release(&out);
			sqs_msg_release(&m);
		}
		json_decref(root);
	}
	ekv_buf_release(&b);
}
