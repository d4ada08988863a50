/* SQS encode: emitted records byte for byte (§5.5, §5.7), dedup winners,
 * partitioned keys, attribute re-escaping, round trips, hostile names. */
#include "sqs_fixture.h"

#define QJ_FIFO "{\"format_version\":1,\"name\":\"orders.fifo\",\"fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":345600,\"delay_seconds\":0,\"maximum_message_size\":262144}"

static struct ekv_buf key_msg(const char *family, const char *q, int partitioned, uint32_t part,
			      const int64_t *ts, const char *id)
{
	struct ekv_buf k = EKV_BUF_INIT;
	struct sqs_msg_place pl = { q, strlen(q), 1, partitioned, part };
	CHECK(sqs_key_msg(&k, family, &pl, ts, id, strlen(id)) == 0);
	return k;
}

static struct ekv_buf key_dedup(const char *q, int partitioned, uint32_t part, const char *group,
				const char *id)
{
	struct ekv_buf k = EKV_BUF_INIT;
	struct sqs_msg_place pl = { q, strlen(q), 1, partitioned, part };
	CHECK(sqs_key_dedup(&k, &pl, group, strlen(group), id, strlen(id)) == 0);
	return k;
}

static void expect_str(const struct fx_entries *es, struct ekv_buf k, const char *v)
{
	fx_expect_record(es, k, v, strlen(v));
}

static void expect_magic(const struct fx_entries *es, struct ekv_buf k, const uint8_t magic[4],
			 const char *json)
{
	struct ekv_buf v = fx_magic(magic, json);
	fx_expect_record(es, k, v.data, v.len);
	ekv_buf_release(&v);
}

static void encode_ok(struct fx_entries *es)
{
	struct ekv_error err;
	CHECK_OK(fx_encode("d", "out.fsm", &err), &err);
	fx_load("out.fsm", es);
}

/* §5.7 worked example: every emitted record, nothing else. m1 loses the
 * dedup tuple d1 to the later m2; the seq counter is the maximum. */
EKV_TEST(sqs_encode_worked_example_exact_records)
{
	fx_empty_dump("d");
	fx_write_file("d/sqs/whatever/_queue.json", QJ_FIFO);
	fx_write_file("d/sqs/whatever/messages.jsonl",
		      "{\"message_id\":\"m1\",\"body\":\"a\",\"md5_of_body\":\"0cc175b9c0f1b6a831c399e269772661\",\"send_timestamp_millis\":1000,\"available_at_millis\":1000,\"visible_at_millis\":0,\"receive_count\":0,\"queue_generation\":4,\"message_group_id\":\"g\",\"message_deduplication_id\":\"d1\",\"sequence_number\":5}\n"
		      "{\"message_id\":\"m2\",\"body\":\"b\",\"md5_of_body\":\"92eb5ffee6ae2fec3ad71c777531578f\",\"send_timestamp_millis\":2000,\"available_at_millis\":2000,\"visible_at_millis\":0,\"receive_count\":0,\"queue_generation\":4,\"message_group_id\":\"g\",\"message_deduplication_id\":\"d1\",\"sequence_number\":9}\n");
	struct fx_entries es;
	encode_ok(&es);
	const char *q = "orders.fifo";
	int64_t t1 = 1000, t2 = 2000;
	CHECK_U64(es.n, 10);
	expect_magic(&es, fx_key_queue(SQS_PFX_QUEUE_META, q, 11), sqs_meta_magic,
		     "{\"name\":\"orders.fifo\",\"generation\":1,\"is_fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":345600,\"delay_seconds\":0,\"receive_message_wait_seconds\":0,\"maximum_message_size\":262144}");
	expect_str(&es, fx_key_queue(SQS_PFX_QUEUE_GEN, q, 11), "1");
	expect_magic(&es, key_msg(SQS_PFX_MSG_DATA, q, 0, 0, NULL, "m1"), sqs_msg_magic,
		     "{\"message_id\":\"m1\",\"body\":\"YQ==\",\"md5_of_body\":\"0cc175b9c0f1b6a831c399e269772661\",\"send_timestamp_millis\":1000,\"available_at_millis\":1000,\"visible_at_millis\":0,\"receive_count\":0,\"current_receipt_token\":null,\"queue_generation\":1,\"message_group_id\":\"g\",\"message_deduplication_id\":\"d1\",\"sequence_number\":5}");
	expect_str(&es, key_msg(SQS_PFX_MSG_VIS, q, 0, 0, &t1, "m1"), "m1");
	expect_str(&es, key_msg(SQS_PFX_MSG_BYAGE, q, 0, 0, &t1, "m1"), "m1");
	expect_magic(&es, key_msg(SQS_PFX_MSG_DATA, q, 0, 0, NULL, "m2"), sqs_msg_magic,
		     "{\"message_id\":\"m2\",\"body\":\"Yg==\",\"md5_of_body\":\"92eb5ffee6ae2fec3ad71c777531578f\",\"send_timestamp_millis\":2000,\"available_at_millis\":2000,\"visible_at_millis\":0,\"receive_count\":0,\"current_receipt_token\":null,\"queue_generation\":1,\"message_group_id\":\"g\",\"message_deduplication_id\":\"d1\",\"sequence_number\":9}");
	expect_str(&es, key_msg(SQS_PFX_MSG_VIS, q, 0, 0, &t2, "m2"), "m2");
	expect_str(&es, key_msg(SQS_PFX_MSG_BYAGE, q, 0, 0, &t2, "m2"), "m2");
	expect_str(&es, key_dedup(q, 0, 0, "g", "d1"),
		   "{\"message_id\":\"m2\",\"send_timestamp_ms\":2000,\"expires_at_millis\":302000,\"original_sequence\":9}");
	expect_str(&es, fx_key_queue(SQS_PFX_QUEUE_SEQ, q, 11), "9");
	fx_entries_free(&es);
}

/* TestSQSEncodeStandardQueueCounters, ..SideRecordsStandardQueueOmitsFIFOFamilies,
 * ..EmptyFifoQueueNoSeqCounter, ..MissingDirIsNoop */
EKV_TEST(sqs_encode_standard_and_empty_fifo_counters)
{
	fx_empty_dump("d");
	fx_write_file("d/sqs/s/_queue.json", "{\"format_version\":1,\"name\":\"s\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}");
	fx_write_file("d/sqs/s/messages.jsonl", "{\"message_id\":\"a\",\"body\":\"x\",\"message_deduplication_id\":\"dd\",\"sequence_number\":4}\n\n{\"message_id\":\"b\"}");
	fx_write_file("d/sqs/f/_queue.json", "{\"format_version\":1,\"name\":\"f.fifo\",\"fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}");
	struct fx_entries es;
	encode_ok(&es);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_QUEUE_GEN), 2);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_QUEUE_SEQ), 0);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_DEDUP), 0);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_VIS), 2);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_BYAGE), 2);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_GROUP), 0);
	/* a missing body stays nil: "body":null (P11) */
	expect_magic(&es, key_msg(SQS_PFX_MSG_DATA, "s", 0, 0, NULL, "b"), sqs_msg_magic,
		     "{\"message_id\":\"b\",\"body\":null,\"md5_of_body\":\"\",\"send_timestamp_millis\":0,\"available_at_millis\":0,\"visible_at_millis\":0,\"receive_count\":0,\"current_receipt_token\":null,\"queue_generation\":1}");
	fx_entries_free(&es);
}

/* TestSQSEncodeBinaryBodyRoundTrip, P11 null body, attribute re-escaping
 * (§5.5: RawMessage compacted with < > & U+2028 escaped). */
EKV_TEST(sqs_encode_bodies_and_attributes)
{
	fx_empty_dump("d");
	fx_write_file("d/sqs/q/_queue.json", "{\"format_version\":1,\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}");
	fx_write_file("d/sqs/q/messages.jsonl",
		      "{\"message_id\":\"bin\",\"body\":{\"base64\":\"_wD-\"}}\n"
		      "{\"message_id\":\"nul\",\"body\":null}\n"
		      "{\"message_id\":\"att\",\"body\":\"<&>\",\"sender_id\":\"s<\",\"message_attributes\":{\"k<\": {\"DataType\": \"String\", \"StringValue\": \"a\\/b<>&\xe2\x80\xa8\"}}}\n");
	struct fx_entries es;
	encode_ok(&es);
	expect_magic(&es, key_msg(SQS_PFX_MSG_DATA, "q", 0, 0, NULL, "bin"), sqs_msg_magic,
		     "{\"message_id\":\"bin\",\"body\":\"/wD+\",\"md5_of_body\":\"\",\"send_timestamp_millis\":0,\"available_at_millis\":0,\"visible_at_millis\":0,\"receive_count\":0,\"current_receipt_token\":null,\"queue_generation\":1}");
	expect_magic(&es, key_msg(SQS_PFX_MSG_DATA, "q", 0, 0, NULL, "nul"), sqs_msg_magic,
		     "{\"message_id\":\"nul\",\"body\":\"\",\"md5_of_body\":\"\",\"send_timestamp_millis\":0,\"available_at_millis\":0,\"visible_at_millis\":0,\"receive_count\":0,\"current_receipt_token\":null,\"queue_generation\":1}");
	expect_magic(&es, key_msg(SQS_PFX_MSG_DATA, "q", 0, 0, NULL, "att"), sqs_msg_magic,
		     "{\"message_id\":\"att\",\"body\":\"PCY+\",\"md5_of_body\":\"\",\"message_attributes\":{\"k\\u003c\":{\"DataType\":\"String\",\"StringValue\":\"a\\/b\\u003c\\u003e\\u0026\\u2028\"}},\"sender_id\":\"s\\u003c\",\"send_timestamp_millis\":0,\"available_at_millis\":0,\"visible_at_millis\":0,\"receive_count\":0,\"current_receipt_token\":null,\"queue_generation\":1}");
	fx_entries_free(&es);
}

/* TestSQSEncodeSideRecordsCBDDerivesDedupID, ..ClassicDedupKeepsLatestAcrossGroups,
 * ..EmptyDedupOmitsDedupRow; ties on send time go to the first in file order. */
EKV_TEST(sqs_encode_dedup_cbd_and_winners)
{
	fx_empty_dump("d");
	fx_write_file("d/sqs/c/_queue.json", "{\"format_version\":1,\"name\":\"c.fifo\",\"fifo\":true,\"content_based_deduplication\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}");
	fx_write_file("d/sqs/c/messages.jsonl", "{\"message_id\":\"m\",\"body\":\"alpha\",\"send_timestamp_millis\":7,\"message_group_id\":\"g\",\"sequence_number\":1}\n");
	fx_write_file("d/sqs/f/_queue.json", "{\"format_version\":1,\"name\":\"f.fifo\",\"fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}");
	fx_write_file("d/sqs/f/messages.jsonl",
		      "{\"message_id\":\"a\",\"send_timestamp_millis\":5,\"message_group_id\":\"g1\",\"message_deduplication_id\":\"x\"}\n"
		      "{\"message_id\":\"b\",\"send_timestamp_millis\":9,\"message_group_id\":\"g2\",\"message_deduplication_id\":\"x\"}\n"
		      "{\"message_id\":\"c\",\"send_timestamp_millis\":3,\"message_group_id\":\"g1\",\"message_deduplication_id\":\"y\"}\n"
		      "{\"message_id\":\"d\",\"send_timestamp_millis\":3,\"message_group_id\":\"g1\",\"message_deduplication_id\":\"y\"}\n"
		      "{\"message_id\":\"e\",\"send_timestamp_millis\":3,\"message_group_id\":\"g1\"}\n");
	struct fx_entries es;
	encode_ok(&es);
	expect_str(&es, key_dedup("c.fifo", 0, 0, "", "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8"),
		   "{\"message_id\":\"m\",\"send_timestamp_ms\":7,\"expires_at_millis\":300007,\"original_sequence\":1}");
	expect_str(&es, key_dedup("f.fifo", 0, 0, "", "x"),
		   "{\"message_id\":\"b\",\"send_timestamp_ms\":9,\"expires_at_millis\":300009}");
	expect_str(&es, key_dedup("f.fifo", 0, 0, "", "y"),
		   "{\"message_id\":\"c\",\"send_timestamp_ms\":3,\"expires_at_millis\":300003}");
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_DEDUP), 3);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_GROUP), 0);   /* TestSQSEncodeSideRecordsNoGroupRows */
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_QUEUE_TOMB), 0);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_QUEUE_SEQ), 1);   /* only c.fifo has a sequence */
	fx_entries_free(&es);
}

/* TestSQSEncodePartitionedQueueRoundTrip, ..PartitionedDedupBuildsGroupSegment,
 * ..PartitionedDedupKeepsLatestOnExpiredCollision, ..PartitionedSortStableAcrossPartitions:
 * only p| keys; dedup tuple (partition, group, id); a tie on send time
 * goes to the smaller (seq, id) because partitioned queues are sorted. */
EKV_TEST(sqs_encode_partitioned_queue)
{
	fx_empty_dump("d");
	fx_write_file("d/sqs/p/_queue.json", "{\"format_version\":1,\"name\":\"p.fifo\",\"fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0,\"partition_count\":2,\"fifo_throughput_limit\":\"perMessageGroupId\"}");
	fx_write_file("d/sqs/p/messages.jsonl",
		      "{\"message_id\":\"z\",\"send_timestamp_millis\":4,\"message_group_id\":\"g1\",\"message_deduplication_id\":\"d\",\"sequence_number\":8,\"partition\":1}\n"
		      "{\"message_id\":\"y\",\"send_timestamp_millis\":4,\"message_group_id\":\"g1\",\"message_deduplication_id\":\"d\",\"sequence_number\":3,\"partition\":1}\n"
		      "{\"message_id\":\"x\",\"send_timestamp_millis\":1,\"message_group_id\":\"g0\",\"message_deduplication_id\":\"d\",\"sequence_number\":2,\"partition\":0}\n");
	struct fx_entries es;
	encode_ok(&es);
	int64_t t4 = 4;
	CHECK_U64(fx_count_prefix(&es, "!sqs|msg|data|p|"), 3);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_DATA), 3);
	CHECK_U64(fx_count_prefix(&es, "!sqs|msg|vis|p|"), 3);
	CHECK_U64(fx_count_prefix(&es, "!sqs|msg|byage|p|"), 3);
	int64_t t0 = 0;   /* vis is keyed at available_at (absent = 0) */
	expect_str(&es, key_msg(SQS_PFX_MSG_VIS, "p.fifo", 1, 1, &t0, "z"), "z");
	expect_str(&es, key_msg(SQS_PFX_MSG_BYAGE, "p.fifo", 1, 1, &t4, "z"), "z");
	expect_str(&es, key_dedup("p.fifo", 1, 1, "g1", "d"),
		   "{\"message_id\":\"y\",\"send_timestamp_ms\":4,\"expires_at_millis\":300004,\"original_sequence\":3}");
	expect_str(&es, key_dedup("p.fifo", 1, 0, "g0", "d"),
		   "{\"message_id\":\"x\",\"send_timestamp_ms\":1,\"expires_at_millis\":300001,\"original_sequence\":2}");
	expect_magic(&es, fx_key_queue(SQS_PFX_QUEUE_META, "p.fifo", 6), sqs_meta_magic,
		     "{\"name\":\"p.fifo\",\"generation\":1,\"is_fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0,\"receive_message_wait_seconds\":0,\"maximum_message_size\":0,\"partition_count\":2,\"fifo_throughput_limit\":\"perMessageGroupId\"}");
	expect_str(&es, fx_key_queue(SQS_PFX_QUEUE_SEQ, "p.fifo", 6), "8");
	fx_entries_free(&es);
}

/* TestSQSEncodeClassicQueueWithExplicitPartitionZeroUsesClassicKeys */
EKV_TEST(sqs_encode_classic_partition_zero_uses_classic_keys)
{
	fx_empty_dump("d");
	fx_write_file("d/sqs/q/_queue.json", "{\"format_version\":1,\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}");
	fx_write_file("d/sqs/q/messages.jsonl", "{\"message_id\":\"a\",\"partition\":0}\n{\"message_id\":\"b\",\"partition\":null}\n");
	struct fx_entries es;
	encode_ok(&es);
	CHECK_U64(fx_count_prefix(&es, "!sqs|msg|data|p|"), 0);
	CHECK_U64(fx_count_prefix(&es, SQS_PFX_MSG_DATA), 2);
	fx_entries_free(&es);
}

/* A snapshot of every queue kind with hostile names; decode -> encode ->
 * decode gives the same tree and encode again the same bytes. */
static void hostile_snapshot(const char *path, const char *long_name)
{
	struct fx_snap s = { 0 };
	const char *meta_tail = "\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}";
	char j[8192];
	const char *names[] = { "..", ".", "a/b", "nul\\u0000x", "b64.fifo", long_name };
	const char *raw[] = { "..", ".", "a/b", "nul\0x", "b64.fifo", long_name };
	size_t rawlen[] = { 2, 1, 3, 5, 8, strlen(long_name) };
	for (int i = 0; i < 6; i++) {
		snprintf(j, sizeof j, "{\"name\":\"%s\",\"generation\":1,%s", names[i], meta_tail);
		struct ekv_buf k = fx_key_queue(SQS_PFX_QUEUE_META, raw[i], rawlen[i]);
		struct ekv_buf v = fx_magic(sqs_meta_magic, j);
		fx_put(&s, &k, &v);
		ekv_buf_release(&k);
		ekv_buf_release(&v);
		struct sqs_msg_place pl = { raw[i], rawlen[i], 1, 0, 0 };
		k = (struct ekv_buf)EKV_BUF_INIT;
		CHECK(sqs_key_msg(&k, SQS_PFX_MSG_DATA, &pl, NULL, "m", 1) == 0);
		v = fx_magic(sqs_msg_magic, "{\"message_id\":\"m\",\"body\":\"PD4m4oCo/w==\",\"queue_generation\":1,\"send_timestamp_millis\":1}");
		fx_put(&s, &k, &v);
		ekv_buf_release(&k);
		ekv_buf_release(&v);
	}
	fx_queue(&s, "f.fifo", "{\"name\":\"f.fifo\",\"is_fifo\":true,\"content_based_dedup\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 1);
	fx_message(&s, "f.fifo", 1, 0, 0, "m", "{\"message_id\":\"m\",\"body\":\"eA==\",\"queue_generation\":1,\"message_group_id\":\"g\",\"sequence_number\":4,\"message_attributes\":{\"n\":{\"DataType\":\"Number\",\"StringValue\":\"1\"}}}");
	fx_queue(&s, "h.fifo", "{\"name\":\"h.fifo\",\"is_fifo\":true,\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0,\"partition_count\":4,\"fifo_throughput_limit\":\"perQueue\"}", 1);
	fx_message(&s, "h.fifo", 1, 1, 0, "m", "{\"message_id\":\"m\",\"queue_generation\":1,\"message_group_id\":\"g\",\"message_deduplication_id\":\"d\",\"sequence_number\":2}");
	fx_write(&s, path);
}

EKV_TEST(sqs_roundtrip_hostile_names_and_queue_kinds)
{
	struct ekv_error err;
	char long_name[4097];
	memset(long_name, 'L', 4096);
	long_name[4096] = 0;
	hostile_snapshot("a.fsm", long_name);
	CHECK_OK(fx_decode("a.fsm", "d1", &err), &err);
	CHECK(ekv_test_file_exists("d1/sqs/%2E%2E/_queue.json"));
	CHECK(ekv_test_file_exists("d1/sqs/%2E/_queue.json"));
	CHECK(ekv_test_file_exists("d1/sqs/a%2Fb/_queue.json"));
	CHECK(ekv_test_file_exists("d1/sqs/nul%00x/_queue.json"));
	CHECK(ekv_test_file_exists("d1/sqs/6d569adb756fb691545b327385919c6b__b64.fifo/messages.jsonl"));
	CHECK(ekv_test_sh("test $(ls d1 | wc -l) = 3") == 0);            /* nothing escaped the root */
	CHECK(ekv_test_sh("test $(ls d1/sqs | wc -l) = 8") == 0);
	CHECK_OK(fx_encode("d1", "b.fsm", &err), &err);
	CHECK_OK(fx_decode("b.fsm", "d2", &err), &err);
	CHECK(ekv_test_sh("diff -r -x MANIFEST.json -x CHECKSUMS d1 d2") == 0);
	CHECK_OK(fx_encode("d2", "c.fsm", &err), &err);
	CHECK(ekv_test_sh("cmp -s b.fsm c.fsm") == 0);
	/* the 4 KiB name came back byte-identical through _queue.json */
	struct fx_entries es;
	fx_load("c.fsm", &es);
	struct ekv_buf k = fx_key_queue(SQS_PFX_QUEUE_GEN, long_name, 4096);
	CHECK(fx_find(&es, &k) >= 0);
	ekv_buf_release(&k);
	fx_entries_free(&es);
}

/* D14: a tiny spill threshold forces the held messages to disk; the
 * tree is identical to an in-memory run. */
EKV_TEST(sqs_decode_spill_matches_memory)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	for (int q = 0; q < 3; q++) {
		char name[16], j[512], id[16];
		snprintf(name, sizeof name, "q%d", q);
		snprintf(j, sizeof j, "{\"name\":\"%s\",%s", name, "\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}");
		fx_queue(&s, name, j, 1);
		for (int i = 0; i < 700; i++) {
			snprintf(id, sizeof id, "m%04d", i);
			snprintf(j, sizeof j, "{\"message_id\":\"%s\",\"body\":\"eHh4eHh4eHh4eHh4\",\"send_timestamp_millis\":%d,\"queue_generation\":1}", id, (i * 7919) % 500);
			fx_message(&s, name, 1, 0, 0, id, j);
		}
	}
	fx_write(&s, "a.fsm");
	CHECK_OK(fx_decode_opts("a.fsm", "mem", 0, 0, 0, &err), &err);
	CHECK_OK(fx_decode_opts("a.fsm", "spill", 0, 0, 4096, &err), &err);
	CHECK(ekv_test_sh("diff -r -x MANIFEST.json -x CHECKSUMS mem spill") == 0);
	CHECK(ekv_test_sh("test $(wc -l < spill/sqs/q1/messages.jsonl) = 700") == 0);
}

/* D1: only the newest version of a message counts; a deleted message
 * (newest version a tombstone) is gone, not resurrected. */
EKV_TEST(sqs_decode_multi_version_newest_wins)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_queue(&s, "q", "{\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}", 1);
	struct ekv_buf k = fx_key_data("q", 1, 0, 0, "m");
	struct ekv_buf v1 = fx_magic(sqs_msg_magic, "{\"message_id\":\"m\",\"receive_count\":1,\"queue_generation\":1}");
	struct ekv_buf v2 = fx_magic(sqs_msg_magic, "{\"message_id\":\"m\",\"body\":\"bmV3\",\"receive_count\":2,\"queue_generation\":1}");
	fx_put_ts(&s, k.data, k.len, v1.data, v1.len, 900, 0);
	fx_put_ts(&s, k.data, k.len, v2.data, v2.len, 950, 0);
	ekv_buf_release(&k);
	k = fx_key_data("q", 1, 0, 0, "gone");
	fx_put_ts(&s, k.data, k.len, v1.data, v1.len, 900, 0);
	fx_put_ts(&s, k.data, k.len, NULL, 0, 950, 1);
	ekv_buf_release(&k);
	ekv_buf_release(&v1);
	ekv_buf_release(&v2);
	fx_write(&s, "a.fsm");
	CHECK_OK(fx_decode("a.fsm", "d", &err), &err);
	fx_expect_file("d/sqs/q/messages.jsonl",
		       "{\"message_id\":\"m\",\"body\":\"new\",\"send_timestamp_millis\":0,\"available_at_millis\":0,\"visible_at_millis\":0,\"receive_count\":0,\"queue_generation\":1}\n");
}
