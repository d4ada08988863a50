/* SQS decode: key shapes, _queue.json and messages.jsonl bytes, ordering,
 * visibility, generations, orphans, side records (D13), spilling (D14). */
#include "sqs_fixture.h"

#define STD_META \
	"{\"name\":\"orders\",\"generation\":3,\"visibility_timeout_seconds\":30," \
	"\"message_retention_seconds\":345600,\"delay_seconds\":0,\"receive_message_wait_seconds\":0," \
	"\"maximum_message_size\":262144}"

/* §2.4 worked examples, byte for byte. */
EKV_TEST(sqs_key_shapes_match_spec)
{
	static const uint8_t data_classic[] = "!sqs|msg|data|b3JkZXJz\0\0\0\0\0\0\0\1bTE";
	struct ekv_buf k = fx_key_data("orders", 1, 0, 0, "m1");
	CHECK_MEM(k.data, k.len, data_classic, sizeof data_classic - 1);
	ekv_buf_release(&k);

	static const uint8_t data_part[] = "!sqs|msg|data|p|cC5maWZv|\0\0\0\1\0\0\0\0\0\0\0\1bTE";
	k = fx_key_data("p.fifo", 1, 1, 1, "m1");
	CHECK_MEM(k.data, k.len, data_part, sizeof data_part - 1);
	ekv_buf_release(&k);

	static const uint8_t byage[] = "!sqs|msg|byage|b3JkZXJz\0\0\0\0\0\0\0\1\0\0\x01\x8b\xcf\xe5\x68\0bTE";
	struct sqs_msg_place pl = { "orders", 6, 1, 0, 0 };
	int64_t ts = 1700000000000;
	CHECK(sqs_key_msg(&k, SQS_PFX_MSG_BYAGE, &pl, &ts, "m1", 2) == 0);
	CHECK_MEM(k.data, k.len, byage, sizeof byage - 1);

	static const uint8_t dedup_part[] = "!sqs|msg|dedup|p|cC5maWZv|\0\0\0\1\0\0\0\0\0\0\0\1ZzE|ZDE";
	struct sqs_msg_place pp = { "p.fifo", 6, 1, 1, 1 };
	CHECK(sqs_key_dedup(&k, &pp, "g1", 2, "d1", 2) == 0);
	CHECK_MEM(k.data, k.len, dedup_part, sizeof dedup_part - 1);

	/* negative timestamps clamp to 0 (§2.1 ms()) */
	static const uint8_t vis_neg[] = "!sqs|msg|vis|b3JkZXJz\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0bTE";
	ts = -5;
	CHECK(sqs_key_msg(&k, SQS_PFX_MSG_VIS, &pl, &ts, "m1", 2) == 0);
	CHECK_MEM(k.data, k.len, vis_neg, sizeof vis_neg - 1);
	ekv_buf_release(&k);
}

/* §2.5 parse rules (upstream TestSQS_PeekMsgDataKeyParsesComponents,
 * _RejectsEmptyMsgIDSegment, ParsePartitioned*, ParseGenericKey_*). */
EKV_TEST(sqs_parse_key_rules)
{
	struct sqs_data_key dk;
	const uint8_t classic[] = "b3JkZXJz\0\0\0\0\0\0\0\7bTE";
	CHECK(sqs_parse_data_key(classic, sizeof classic - 1, &dk) == NULL);
	CHECK_MEM(dk.seg, dk.seg_len, "b3JkZXJz", 8);
	CHECK_INT(dk.partitioned, 0);
	/* classic key ending right after the gen: no message id */
	CHECK(sqs_parse_data_key(classic, sizeof classic - 4, &dk) != NULL);
	/* no queue segment */
	CHECK(sqs_parse_data_key(classic + 8, sizeof classic - 9, &dk) != NULL);
	/* undecodable message-id segment (length 1 mod 4) */
	const uint8_t badid[] = "b3JkZXJz\0\0\0\0\0\0\0\7bTEzZ";
	CHECK(sqs_parse_data_key(badid, sizeof badid - 1, &dk) != NULL);

	const uint8_t part[] = "p|cQ|\0\0\0\7\0\0\0\0\0\0\0\1bQ";
	CHECK(sqs_parse_data_key(part, sizeof part - 1, &dk) == NULL);
	CHECK_INT(dk.partitioned, 1);
	CHECK_INT(dk.partition, 7);
	CHECK_MEM(dk.seg, dk.seg_len, "cQ", 2);
	const uint8_t part_short[] = "p|cQ|\0\0\0\7";    /* 4-byte trailer */
	CHECK(sqs_parse_data_key(part_short, sizeof part_short - 1, &dk) != NULL);
	const uint8_t part_noterm[] = "p|cQ";
	CHECK(sqs_parse_data_key(part_noterm, sizeof part_noterm - 1, &dk) != NULL);
	const uint8_t part_empty[] = "p||\0\0\0\7\0\0\0\0\0\0\0\1bQ";
	CHECK(sqs_parse_data_key(part_empty, sizeof part_empty - 1, &dk) != NULL);

	const uint8_t *seg;
	size_t seg_len;
	CHECK(sqs_parse_side_key(part, sizeof part - 3, &seg, &seg_len) == NULL);   /* side: 12-byte trailer ok */
	CHECK_MEM(seg, seg_len, "cQ", 2);
	CHECK(sqs_parse_side_key((const uint8_t *)"cXVldWU", 7, &seg, &seg_len) != NULL);
	CHECK(sqs_parse_side_key(classic, sizeof classic - 1, &seg, &seg_len) == NULL);
	CHECK_MEM(seg, seg_len, "b3JkZXJz", 8);
	/* D13: seq keys are prefix + segment only */
	CHECK(sqs_parse_seq_key((const uint8_t *)"cQ", 2, &seg, &seg_len) == NULL);
	CHECK(sqs_parse_seq_key((const uint8_t *)"", 0, &seg, &seg_len) != NULL);
	CHECK(sqs_parse_seq_key((const uint8_t *)"c|", 2, &seg, &seg_len) != NULL);
}

/* §5.4 reference values (TestSQSEncodePartitionForGroup_LiveAdapterParity). */
EKV_TEST(sqs_partition_for_fnv1a)
{
	struct sqs_meta m = { 0 };
	m.partition_count = 2;
	CHECK_INT(sqs_partition_for(&m, "g0", 2), 0);
	CHECK_INT(sqs_partition_for(&m, "g1", 2), 1);
	m.partition_count = 32;
	CHECK_INT(sqs_partition_for(&m, "g1", 2), 21);
	CHECK_INT(sqs_partition_for(&m, "", 0), 0);
	m.throughput = "perQueue";
	m.throughput_len = 8;
	CHECK_INT(sqs_partition_for(&m, "g1", 2), 0);
}

/* §4.2 + §4.3 first example: exact bytes, live generation kept. */
EKV_TEST(sqs_decode_standard_queue_exact_bytes)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "orders", STD_META, 3);
	fx_message(&s, "orders", 3, 0, 0, "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		   "{\"message_id\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\",\"body\":\"aGVsbG8gPHdvcmxkPg==\","
		   "\"md5_of_body\":\"f86f4fe790439eae6a63782aec18f9d9\",\"send_timestamp_millis\":1700000000000,"
		   "\"available_at_millis\":1700000000000,\"visible_at_millis\":1700000030000,"
		   "\"receive_count\":2,\"first_receive_millis\":1700000001000,"
		   "\"current_receipt_token\":\"AAECAwQFBgcICQoLDA0ODw==\",\"queue_generation\":3}");
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode("in.fsm", "out", &err), &err);
	fx_expect_file("out/sqs/orders/_queue.json",
		       "{\n  \"format_version\": 1,\n  \"name\": \"orders\",\n"
		       "  \"visibility_timeout_seconds\": 30,\n  \"message_retention_seconds\": 345600,\n"
		       "  \"delay_seconds\": 0,\n  \"maximum_message_size\": 262144\n}");
	fx_expect_file("out/sqs/orders/messages.jsonl",
		       "{\"message_id\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\",\"body\":\"hello \\u003cworld\\u003e\","
		       "\"md5_of_body\":\"f86f4fe790439eae6a63782aec18f9d9\",\"send_timestamp_millis\":1700000000000,"
		       "\"available_at_millis\":1700000000000,\"visible_at_millis\":0,\"receive_count\":0,"
		       "\"queue_generation\":3}\n");
	CHECK(!ekv_test_file_exists("out/sqs/orders/_internals"));
	CHECK(ekv_test_file_exists("out/MANIFEST.json"));
}

/* §4.3 second example: partitioned FIFO, binary body, Binary attribute
 * whose name keeps its raw '<'; plus HT-FIFO members in _queue.json. */
EKV_TEST(sqs_decode_partitioned_binary_body_and_attribute)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "orders.fifo",
		 "{\"name\":\"orders.fifo\",\"generation\":1,\"is_fifo\":true,\"content_based_dedup\":true,"
		 "\"visibility_timeout_seconds\":30,\"message_retention_seconds\":345600,\"delay_seconds\":0,"
		 "\"receive_message_wait_seconds\":0,\"maximum_message_size\":262144,"
		 "\"redrive_policy\":\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:000000000000:dlq.fifo\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\","
		 "\"tags\":{\"a\":\"b\"},\"throttle\":{\"send_capacity\":1.5},"
		 "\"partition_count\":4,\"fifo_throughput_limit\":\"perMessageGroupId\",\"deduplication_scope\":\"messageGroup\"}",
		 1);
	fx_message(&s, "orders.fifo", 1, 1, 1, "0f1e2d3c4b5a69788796a5b4c3d2e1f1",
		   "{\"message_id\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f1\",\"body\":\"/wD+\","
		   "\"md5_of_body\":\"13a18f27d9e54107c1d22c7d67f55018\","
		   "\"md5_of_message_attributes\":\"d52a4c756ba8e1ad67e401e060379b29\","
		   "\"message_attributes\":{\"a\\u003cb\": { \"DataType\" : \"Binary\", \"BinaryValue\":\"AAE=\" }},"
		   "\"send_timestamp_millis\":1000,\"available_at_millis\":1000,\"visible_at_millis\":1000,"
		   "\"receive_count\":0,\"current_receipt_token\":\"AAECAwQFBgcICQoLDA0ODw==\",\"queue_generation\":1,"
		   "\"message_group_id\":\"g1\",\"message_deduplication_id\":\"d1\",\"sequence_number\":7}");
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode("in.fsm", "out", &err), &err);
	fx_expect_file("out/sqs/orders.fifo/_queue.json",
		       "{\n  \"format_version\": 1,\n  \"name\": \"orders.fifo\",\n  \"fifo\": true,\n"
		       "  \"content_based_deduplication\": true,\n  \"visibility_timeout_seconds\": 30,\n"
		       "  \"message_retention_seconds\": 345600,\n  \"delay_seconds\": 0,\n"
		       "  \"maximum_message_size\": 262144,\n"
		       "  \"redrive_policy\": \"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:000000000000:dlq.fifo\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\",\n"
		       "  \"partition_count\": 4,\n  \"fifo_throughput_limit\": \"perMessageGroupId\",\n"
		       "  \"deduplication_scope\": \"messageGroup\"\n}");
	fx_expect_file("out/sqs/orders.fifo/messages.jsonl",
		       "{\"message_id\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f1\",\"body\":{\"base64\":\"_wD-\"},"
		       "\"md5_of_body\":\"13a18f27d9e54107c1d22c7d67f55018\","
		       "\"md5_of_message_attributes\":\"d52a4c756ba8e1ad67e401e060379b29\","
		       "\"message_attributes\":{\"a<b\":{\"DataType\":\"Binary\",\"BinaryValue\":\"AAE=\"}},"
		       "\"send_timestamp_millis\":1000,\"available_at_millis\":1000,\"visible_at_millis\":0,"
		       "\"receive_count\":0,\"queue_generation\":1,\"message_group_id\":\"g1\","
		       "\"message_deduplication_id\":\"d1\",\"sequence_number\":7,\"partition\":1}\n");
}

/* §4.3 escaping: body escapes < > & U+2028, other strings keep < > &
 * raw, attribute values are passed through (compacted, escapes kept),
 * attributes sorted by name; String / Number / Binary / custom types. */
EKV_TEST(sqs_decode_escaping_and_attribute_types)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "q", "{\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 1);
	/* body "<a&b>\u2028\x01" in standard base64 */
	fx_message(&s, "q", 1, 0, 0, "m1",
		   "{\"message_id\":\"m1\",\"body\":\"PGEmYj7igKgB\",\"sender_id\":\"<s&>\","
		   "\"message_attributes\":{\"z\":{\"DataType\":\"Number.int\",\"StringValue\":\"42\"},"
		   "\"b\":{\"DataType\":\"String\",\"StringValue\":\"x \\u003c y\\u2028\"},"
		   "\"a\":{\"DataType\":\"Binary\",\"BinaryValue\":\"/w==\"}},"
		   "\"send_timestamp_millis\":1,\"available_at_millis\":1,\"queue_generation\":1}");
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode("in.fsm", "out", &err), &err);
	fx_expect_file("out/sqs/q/messages.jsonl",
		       "{\"message_id\":\"m1\",\"body\":\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\","
		       "\"message_attributes\":{\"a\":{\"DataType\":\"Binary\",\"BinaryValue\":\"/w==\"},"
		       "\"b\":{\"DataType\":\"String\",\"StringValue\":\"x \\u003c y\\u2028\"},"
		       "\"z\":{\"DataType\":\"Number.int\",\"StringValue\":\"42\"}},"
		       "\"sender_id\":\"<s&>\",\"send_timestamp_millis\":1,\"available_at_millis\":1,"
		       "\"visible_at_millis\":0,\"receive_count\":0,\"queue_generation\":1}\n");
}

/* TestSQS_MessagesSortedByTimestampSeqMessageID plus ties: signed send
 * time, then sequence, then id bytes; exact ties keep snapshot order. */
EKV_TEST(sqs_decode_message_order_and_ties)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "f.fifo", "{\"name\":\"f.fifo\",\"is_fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 0);
	const char *ids[] = { "e", "d", "c", "b", "a", "aa", "z" };
	const long long ts[] = { 5, 5, 5, -1, 9, 9, 5 };
	const unsigned seq[] = { 2, 1, 1, 9, 1, 1, 1 };
	for (int i = 0; i < 7; i++) {
		char j[256];
		snprintf(j, sizeof j, "{\"message_id\":\"%s\",\"body\":\"\",\"send_timestamp_millis\":%lld,"
			 "\"sequence_number\":%u,\"queue_generation\":1}", i == 6 ? "c" : ids[i], ts[i], seq[i]);
		fx_message(&s, "f.fifo", 1, 0, 0, ids[i], j);
	}
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode("in.fsm", "out", &err), &err);
	size_t n;
	char *t = fx_read("out/sqs/f.fifo/messages.jsonl", &n);
	/* expected ids in order: b(-1), then ts 5 seq 1: c (key c), c (key z,
	 * same id: snapshot order c < z), d; then ts 5 seq 2: e; ts 9: a, aa */
	const char *want[] = { "\"b\"", "\"c\"", "\"c\"", "\"d\"", "\"e\"", "\"a\"", "\"aa\"" };
	const char *p = t;
	for (int i = 0; i < 7; i++) {
		CHECK(strncmp(p, "{\"message_id\":", 14) == 0);
		CHECK(strncmp(p + 14, want[i], strlen(want[i])) == 0);
		p = strchr(p, '\n') + 1;
	}
	CHECK(*p == 0);
	free(t);
}

/* TestSQS_PreserveVisibilityKeepsLiveFields */
EKV_TEST(sqs_decode_preserve_visibility)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "q", "{\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 1);
	fx_message(&s, "q", 1, 0, 0, "m", "{\"message_id\":\"m\",\"body\":\"eA==\",\"send_timestamp_millis\":1,"
		   "\"available_at_millis\":2,\"visible_at_millis\":3,\"receive_count\":4,\"first_receive_millis\":5,"
		   "\"current_receipt_token\":\"AAECAwQFBgcICQoLDA0ODw==\",\"queue_generation\":1}");
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode_opts("in.fsm", "out", 1, 0, 0, &err), &err);
	fx_expect_file("out/sqs/q/messages.jsonl",
		       "{\"message_id\":\"m\",\"body\":\"x\",\"send_timestamp_millis\":1,\"available_at_millis\":2,"
		       "\"visible_at_millis\":3,\"receive_count\":4,\"first_receive_millis\":5,"
		       "\"current_receipt_token\":\"AAECAwQFBgcICQoLDA0ODw==\",\"queue_generation\":1}\n");
}

/* TestSQS_StaleGenerationMessagesDropped / ..FilterDisabledWithoutGenRecord,
 * TestSQS_OrphanMessagesEmitWarning. */
EKV_TEST(sqs_decode_stale_generations_and_orphans)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "live", "{\"name\":\"live\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 7);
	fx_message(&s, "live", 6, 0, 0, "old", "{\"message_id\":\"old\",\"queue_generation\":6}");
	fx_message(&s, "live", 7, 0, 0, "new", "{\"message_id\":\"new\",\"queue_generation\":7}");
	fx_queue(&s, "nogen", "{\"name\":\"nogen\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 0);
	fx_message(&s, "nogen", 6, 0, 0, "x", "{\"message_id\":\"x\",\"queue_generation\":6}");
	fx_message(&s, "gone", 1, 0, 0, "y", "{\"message_id\":\"y\",\"queue_generation\":1}");
	struct ekv_buf k = fx_key_queue(SQS_PFX_QUEUE_GEN, "deleted", 7), v = fx_str(" 4\n");
	fx_put(&s, &k, &v);
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode("in.fsm", "out", &err), &err);
	fx_expect_file("out/sqs/live/messages.jsonl",
		       "{\"message_id\":\"new\",\"body\":\"\",\"send_timestamp_millis\":0,\"available_at_millis\":0,"
		       "\"visible_at_millis\":0,\"receive_count\":0,\"queue_generation\":7}\n");
	fx_expect_file("out/sqs/nogen/messages.jsonl",
		       "{\"message_id\":\"x\",\"body\":\"\",\"send_timestamp_millis\":0,\"available_at_millis\":0,"
		       "\"visible_at_millis\":0,\"receive_count\":0,\"queue_generation\":6}\n");
	CHECK(!ekv_test_file_exists("out/sqs/gone"));
	CHECK(!ekv_test_file_exists("out/sqs/Z29uZQ.orphan"));
	CHECK(strstr(fx_warnings, "sqs:sqs_stale_generation_messages_dropped:queue=live active_gen=7 dropped=1") != NULL);
	CHECK(strstr(fx_warnings, "sqs:sqs_orphan_messages:encoded_queue=Z29uZQ buffered_messages=1 buffered_side_records=0") != NULL);
	/* P3: the surviving gen counter of a deleted queue also warns */
	CHECK(strstr(fx_warnings, "sqs_orphan_messages:encoded_queue=ZGVsZXRlZA buffered_messages=0") != NULL);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

/* Side records for a FIFO queue that has sent: vis/byage/dedup/group
 * before the meta, seq (D13) and tombstone after; orphan side records go
 * to <seg>.orphan; without the flag nothing under _internals. */
static void put_owned(struct fx_snap *s, struct ekv_buf k, struct ekv_buf v)
{
	fx_put(s, &k, &v);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

static struct ekv_buf side_key(const char *family, const char *q, uint64_t gen, int64_t ts)
{
	struct sqs_msg_place pl = { q, strlen(q), gen, 0, 0 };
	struct ekv_buf k = EKV_BUF_INIT;
	CHECK(sqs_key_msg(&k, family, &pl, &ts, "m", 1) == 0);
	return k;
}

static void side_snapshot(void)
{
	struct fx_snap s = { 0 };
	fx_queue(&s, "f.fifo", "{\"name\":\"f.fifo\",\"is_fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 2);
	fx_message(&s, "f.fifo", 2, 0, 0, "m", "{\"message_id\":\"m\",\"queue_generation\":2,\"sequence_number\":3}");
	put_owned(&s, side_key(SQS_PFX_MSG_VIS, "f.fifo", 2, 5000), fx_str("m"));
	put_owned(&s, side_key(SQS_PFX_MSG_BYAGE, "f.fifo", 2, 5000), fx_str("m"));
	put_owned(&s, fx_key_queue(SQS_PFX_QUEUE_SEQ, "f.fifo", 6), fx_str("3"));
	struct ekv_buf k = fx_key_queue(SQS_PFX_QUEUE_TOMB, "f.fifo", 6);
	CHECK(ekv_buf_append_be64(&k, 1) == 0);
	put_owned(&s, k, fx_buf("\x01", 1));
	put_owned(&s, side_key(SQS_PFX_MSG_VIS, "q", 1, 5000), fx_str("m"));
	fx_write(&s, "in.fsm");
}

EKV_TEST(sqs_decode_side_records_fifo_with_seq_d13)
{
	struct ekv_error err;
	side_snapshot();
	CHECK_OK(fx_decode_opts("in.fsm", "out", 0, 1, 0, &err), &err);
	fx_expect_file("out/sqs/f.fifo/_internals/side_records.jsonl",
		       "{\"prefix\":\"!sqs|msg|byage|\",\"key_hex\":\"217371737c6d73677c62796167657c5a69356d61575a76000000000000000200000000000013886251\",\"value_b64\":\"bQ\"}\n"
		       "{\"prefix\":\"!sqs|msg|vis|\",\"key_hex\":\"217371737c6d73677c7669737c5a69356d61575a76000000000000000200000000000013886251\",\"value_b64\":\"bQ\"}\n"
		       "{\"prefix\":\"!sqs|queue|seq|\",\"key_hex\":\"217371737c71756575657c7365717c5a69356d61575a76\",\"value_b64\":\"Mw\"}\n"
		       "{\"prefix\":\"!sqs|queue|tombstone|\",\"key_hex\":\"217371737c71756575657c746f6d6273746f6e657c5a69356d61575a760000000000000001\",\"value_b64\":\"AQ\"}\n");
	fx_expect_file("out/sqs/cQ.orphan/_internals/side_records.jsonl",
		       "{\"prefix\":\"!sqs|msg|vis|\",\"key_hex\":\"217371737c6d73677c7669737c6351000000000000000100000000000013886251\",\"value_b64\":\"bQ\"}\n");
	CHECK(ekv_test_file_exists("out/sqs/f.fifo/messages.jsonl"));
	CHECK(strstr(fx_warnings, "encoded_queue=cQ buffered_messages=0 buffered_side_records=1") != NULL);
	CHECK(ekv_test_file_exists("out/MANIFEST.json"));
}

/* TestSQS_DefaultDoesNotEmitInternals, ..OrphanQueueSideRecordsSuppressedWhenOptOut */
EKV_TEST(sqs_decode_side_records_off_by_default)
{
	struct ekv_error err;
	side_snapshot();
	CHECK_OK(fx_decode("in.fsm", "out", &err), &err);
	CHECK(!ekv_test_file_exists("out/sqs/f.fifo/_internals"));
	CHECK(!ekv_test_file_exists("out/sqs/cQ.orphan"));
	CHECK(ekv_test_file_exists("out/sqs/f.fifo/messages.jsonl"));
}

/* TestSQS_SideRecordsFlushedEvenWhenZeroMessages */
EKV_TEST(sqs_decode_side_records_meta_only_queue)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "q", "{\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 1);
	put_owned(&s, side_key(SQS_PFX_MSG_BYAGE, "q", 1, 1), fx_str("m"));
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode_opts("in.fsm", "out", 0, 1, 0, &err), &err);
	CHECK(ekv_test_file_exists("out/sqs/q/_internals/side_records.jsonl"));
	CHECK(!ekv_test_file_exists("out/sqs/q/messages.jsonl"));
}

/* Keys and strings holding U+0000 (expected bytes from upstream's
 * decoder): attribute names sorted bytewise, values passed through. */
EKV_TEST(sqs_decode_nul_in_names)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "n", "{\"name\":\"n\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 0);
	fx_message(&s, "n", 1, 0, 0, "m",
		   "{\"message_id\":\"m\\u0000z\",\"message_attributes\":{\"a\\u0000b\":{\"DataType\":\"String\",\"StringValue\":\"\\u0000\"},"
		   "\"a\":{\"DataType\":\"String\",\"StringValue\":\"1\"},\"a\\u0000\":1},\"queue_generation\":1,\"unknown\\u0000key\":5}");
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode("in.fsm", "out", &err), &err);
	fx_expect_file("out/sqs/n/messages.jsonl",
		       "{\"message_id\":\"m\\u0000z\",\"body\":\"\",\"message_attributes\":{\"a\":{\"DataType\":\"String\",\"StringValue\":\"1\"},"
		       "\"a\\u0000\":1,\"a\\u0000b\":{\"DataType\":\"String\",\"StringValue\":\"\\u0000\"}},\"send_timestamp_millis\":0,"
		       "\"available_at_millis\":0,\"visible_at_millis\":0,\"receive_count\":0,\"queue_generation\":1}\n");
}

/* sqs_seg_valid accepts exactly what the core's strict base64url decoder
 * accepts (random short strings over the alphabet plus a few others). */
EKV_TEST(sqs_seg_valid_matches_strict_decoder)
{
	static const char alpha[] = "AQgw_-z09=+/|\n";
	uint64_t x = 88172645463325252ull;
	for (int round = 0; round < 20000; round++) {
		char s[8];
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = x % 8;
		for (size_t i = 0; i < n; i++) s[i] = alpha[(x >> (8 + 5 * i)) % (sizeof alpha - 1)];
		struct ekv_buf out = EKV_BUF_INIT;
		int strict = ekv_b64url_decode(&out, s, n) == EKV_OK;
		ekv_buf_release(&out);
		CHECK_INT(sqs_seg_valid((const uint8_t *)s, n), strict);
	}
}

/* An orphan side record whose queue segment is too long for a file name
 * lands in a SHA-fallback "<…>.orphan" directory instead of failing. */
EKV_TEST(sqs_decode_long_orphan_segment)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	char name[3001];
	memset(name, 'Q', 3000);
	name[3000] = 0;
	put_owned(&s, side_key(SQS_PFX_MSG_VIS, name, 1, 5), fx_str("m"));
	fx_write(&s, "in.fsm");
	CHECK_OK(fx_decode_opts("in.fsm", "out", 0, 1, 0, &err), &err);
	CHECK(ekv_test_sh("test $(ls out/sqs | wc -l) = 1") == 0);
	CHECK(ekv_test_sh("ls out/sqs | grep -Eq '^[0-9a-f]{32}__UVFR.*\\.orphan$'") == 0);
	CHECK(ekv_test_sh("test -s out/sqs/*.orphan/_internals/side_records.jsonl") == 0);
}
