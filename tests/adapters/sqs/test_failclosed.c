/* SQS fail-closed cases (sqs.md §6): decode refuses with EKV_EDATA naming
 * the record and writes no MANIFEST.json; encode refuses tampered trees
 * with a typed error naming the file (and line for messages.jsonl). */
#include "sqs_fixture.h"

#define META_OK "{\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}"

/* Decodes a snapshot made of one meta (if meta_json) plus one raw record. */
static void expect_decode_fails(const char *meta_json, const void *key, size_t klen,
				const void *val, size_t vlen, int side, const char *msg_part)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	if (meta_json) {
		struct ekv_buf k = fx_key_queue(SQS_PFX_QUEUE_META, "q", 1);
		struct ekv_buf v = fx_magic(sqs_meta_magic, meta_json);
		fx_put(&s, &k, &v);
		ekv_buf_release(&k);
		ekv_buf_release(&v);
	}
	if (key) fx_put_ts(&s, key, klen, val, vlen, 1000, 0);
	fx_write(&s, "bad.fsm");
	int st = fx_decode_opts("bad.fsm", "out", 0, side, 0, &err);
	char eb[1024];
	if (st != EKV_EDATA)
		ekv_test_fail(__FILE__, __LINE__, "status %s (%s), want data", ekv_status_name(st),
			      ekv_error_format(&err, eb, sizeof eb));
	CHECK(err.has_key);
	CHECK(err.has_offset);
	CHECK(err.adapter && strcmp(err.adapter, "sqs") == 0);
	if (msg_part && !strstr(err.msg, msg_part))
		ekv_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.msg, msg_part);
	CHECK(!ekv_test_file_exists("out/MANIFEST.json"));
	CHECK(ekv_test_sh("rm -rf out bad.fsm") == 0);
}

static void meta_fails(const void *val, size_t vlen, const char *msg_part)
{
	struct ekv_buf k = fx_key_queue(SQS_PFX_QUEUE_META, "q", 1);
	expect_decode_fails(NULL, k.data, k.len, val, vlen, 0, msg_part);
	ekv_buf_release(&k);
}

static void meta_json_fails(const char *json, const char *msg_part)
{
	struct ekv_buf v = fx_magic(sqs_meta_magic, json);
	meta_fails(v.data, v.len, msg_part);
	ekv_buf_release(&v);
}

/* TestSQS_RejectsValueWithoutMagicPrefix, ..TrailingGarbageAfterMagic (meta) */
EKV_TEST(sqs_decode_rejects_bad_queue_meta)
{
	meta_fails("{\"name\":\"q\"}", 12, "magic");
	meta_fails("\0SQ", 3, "magic");
	meta_json_fails("{\"name\":\"q\"}garbage", "invalid JSON");
	meta_json_fails("{\"name\":\"q\"", "invalid JSON");
	meta_json_fails("[1]", "not a JSON object");
	meta_json_fails("{\"name\":7}", "string");
	meta_json_fails("{\"visibility_timeout_seconds\":\"30\"}", "int64");
	meta_json_fails("{\"visibility_timeout_seconds\":1.5}", "int64");
	meta_json_fails("{\"is_fifo\":1}", "boolean");
	meta_json_fails("{\"partition_count\":4294967296}", "uint32");
	meta_json_fails("{\"partition_count\":-1}", "uint32");
	meta_json_fails("{\"name\":\"q\",\"name\":\"r\"}", "invalid JSON");     /* duplicate member */
	meta_json_fails("{\"Name\":\"q\"}", "letter case");
	meta_json_fails("{\"name\":\"\xff\"}", "invalid JSON");                  /* invalid UTF-8 */
	/* key segment that is not base64url, and an empty queue name */
	struct ekv_buf v = fx_magic(sqs_meta_magic, META_OK);
	expect_decode_fails(NULL, "!sqs|queue|meta|a", 17, v.data, v.len, 0, "base64url");
	expect_decode_fails(NULL, "!sqs|queue|meta|YR", 18, v.data, v.len, 0, "base64url");
	expect_decode_fails(NULL, "!sqs|queue|meta|", 16, v.data, v.len, 0, "empty queue name");
	ekv_buf_release(&v);
}

static void msg_fails(const char *json, const char *msg_part)
{
	struct ekv_buf k = fx_key_data("q", 1, 0, 0, "m");
	struct ekv_buf v = fx_magic(sqs_msg_magic, json);
	expect_decode_fails(META_OK, k.data, k.len, v.data, v.len, 0, msg_part);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

/* TestSQS_RejectsValueWithoutMagicPrefix, ..TrailingGarbageAfterMagic (messages) */
EKV_TEST(sqs_decode_rejects_bad_message_value)
{
	struct ekv_buf k = fx_key_data("q", 1, 0, 0, "m");
	expect_decode_fails(META_OK, k.data, k.len, "{\"message_id\":\"m\"}", 18, 0, "magic");
	ekv_buf_release(&k);
	msg_fails("{\"message_id\":\"m\"} x", "invalid JSON");
	msg_fails("\"m\"", "not a JSON object");
	msg_fails("{\"message_id\":\"m\",\"body\":\"not base64!\"}", "base64");
	msg_fails("{\"message_id\":\"m\",\"body\":\"YQ\"}", "base64");           /* unpadded */
	msg_fails("{\"message_id\":\"m\",\"current_receipt_token\":\"%%\"}", "base64");
	msg_fails("{\"message_id\":\"m\",\"send_timestamp_millis\":1e3}", "int64");
	msg_fails("{\"message_id\":\"m\",\"sequence_number\":-1}", "uint64");
	msg_fails("{\"message_id\":\"m\",\"queue_generation\":18446744073709551616}", "uint64");
	msg_fails("{\"message_id\":\"m\",\"message_attributes\":[]}", "message_attributes");
	msg_fails("{\"message_id\":\"m\",\"message_attributes\":{\"a\":1,\"a\":2}}", "invalid JSON");
	msg_fails("{\"message_id\":\"m\",\"Message_Group_Id\":\"g\"}", "letter case");
	msg_fails("{\"message_id\":1}", "queue \"q\": message \"m\": member \"message_id\": not a string");
}

/* §6.1 key shapes: data keys always, side keys with the flag on; a bad
 * generation counter value. */
EKV_TEST(sqs_decode_rejects_bad_keys_and_generation)
{
	struct ekv_buf v = fx_magic(sqs_msg_magic, "{\"message_id\":\"m\"}");
	const uint8_t no_id[] = "!sqs|msg|data|cQ\0\0\0\0\0\0\0\1";
	expect_decode_fails(META_OK, no_id, sizeof no_id - 1, v.data, v.len, 0, "message-id");
	const uint8_t no_queue[] = "!sqs|msg|data|\0\0\0\0\0\0\0\1bQ";
	expect_decode_fails(META_OK, no_queue, sizeof no_queue - 1, v.data, v.len, 0, "no queue segment");
	const uint8_t part_short[] = "!sqs|msg|data|p|cQ|\0\0\0\1";
	expect_decode_fails(META_OK, part_short, sizeof part_short - 1, v.data, v.len, 0, "message-id");
	const uint8_t part_noterm[] = "!sqs|msg|data|p|cQ";
	expect_decode_fails(META_OK, part_noterm, sizeof part_noterm - 1, v.data, v.len, 0, "'|'");
	ekv_buf_release(&v);

	expect_decode_fails(META_OK, "!sqs|msg|vis|cQ", 15, "m", 1, 1, "trailer");
	const uint8_t side_part[] = "!sqs|msg|byage|p|cQ|\0\0\0\1";
	expect_decode_fails(META_OK, side_part, sizeof side_part - 1, "m", 1, 1, "trailer");
	expect_decode_fails(META_OK, "!sqs|queue|seq|c|Q", 18, "3", 1, 1, "seq key");
	/* without the flag the same side keys are only counted */
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_put_ts(&s, "!sqs|msg|vis|cQ", 15, "m", 1, 1000, 0);
	fx_write(&s, "ok.fsm");
	CHECK_OK(fx_decode("ok.fsm", "ok", &err), &err);

	expect_decode_fails(META_OK, "!sqs|queue|gen|cQ", 17, "7x", 2, 0, "decimal");
	expect_decode_fails(META_OK, "!sqs|queue|gen|cQ", 17, "-7", 2, 0, "decimal");
	expect_decode_fails(META_OK, "!sqs|queue|gen|cQ", 17, "", 0, 0, "decimal");
}

/* ---- encode ---- */

#define QJ "{\"format_version\":1,\"name\":\"q\",\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0}"

static void expect_encode_fails(const char *queue_json, const char *messages, int want,
				const char *file, unsigned long line, const char *msg_part)
{
	struct ekv_error err;
	CHECK(ekv_test_sh("rm -rf d out.fsm") == 0);
	fx_empty_dump("d");
	if (queue_json) fx_write_file("d/sqs/q/_queue.json", queue_json);
	if (messages) fx_write_file("d/sqs/q/messages.jsonl", messages);
	int st = fx_encode("d", "out.fsm", &err);
	char eb[1024];
	if (st != want)
		ekv_test_fail(__FILE__, __LINE__, "status %s (%s), want %s", ekv_status_name(st),
			      ekv_error_format(&err, eb, sizeof eb), ekv_status_name(want));
	if (file && strcmp(err.file, file) != 0)
		ekv_test_fail(__FILE__, __LINE__, "error file \"%s\", want \"%s\"", err.file, file);
	if (file) CHECK_U64(err.line, line);
	if (msg_part && !strstr(err.msg, msg_part))
		ekv_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.msg, msg_part);
	CHECK(!ekv_test_file_exists("out.fsm"));
}

static void queue_json_fails(const char *json, const char *msg_part)
{
	expect_encode_fails(json, NULL, EKV_EINPUT, "sqs/q/_queue.json", 1, msg_part);
}

#define QBASE "\"visibility_timeout_seconds\":30,\"message_retention_seconds\":60,\"delay_seconds\":0"

/* §5.2 items 1-7 (TestSQSEncodeRejectsUnknownFormatVersion, ..NonPowerOfTwo,
 * ..TooLargePartitionCount, ..PartitionedStandardQueue, ..StandardQueueWithFIFOOnlyAttrs,
 * ..QueueScopedDedupOnPartitionedFIFO, ..PerMessageGroupLimitWithoutPartitions,
 * ..UnknownHTFIFOAttributeValues) plus D18 strictness. */
EKV_TEST(sqs_encode_rejects_invalid_queue_json)
{
	queue_json_fails("{\"format_version\":99,\"name\":\"q\"," QBASE "}", "format_version");
	queue_json_fails("{\"name\":\"q\"," QBASE "}", "format_version");
	queue_json_fails("{\"format_version\":1,\"name\":\"\"," QBASE "}", "empty queue name");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":3}", "power of two");
	const unsigned not_pow2[] = { 3, 5, 6, 7, 9, 10 };
	for (size_t i = 0; i < sizeof not_pow2 / sizeof not_pow2[0]; i++) {
		char j[256];
		snprintf(j, sizeof j, "{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":%u}", not_pow2[i]);
		queue_json_fails(j, "power of two");
	}
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":64}", "exceeds 32");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":128}", "exceeds 32");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"partition_count\":2}", "FIFO");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo_throughput_limit\":\"perQueue\"}", "FIFO");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"deduplication_scope\":\"queue\"}", "FIFO");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":2,\"deduplication_scope\":\"queue\"}", "incompatible");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"fifo_throughput_limit\":\"perMessageGroupId\"}", "requires");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"fifo_throughput_limit\":\"bogus\"}", "fifo_throughput_limit");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"deduplication_scope\":\"bogus\"}", "deduplication_scope");
	queue_json_fails("{\"format_version\":1,\"Name\":\"q\"}", "letter case");
	queue_json_fails("{\"format_version\":1,\"name\":\"q\",\"delay_seconds\":\"0\"}", "int64");
	/* the line of the offending member in an indented file */
	expect_encode_fails("{\n  \"format_version\": 1,\n  \"name\": \"q\",\n  \"fifo\": true,\n"
			    "  \"visibility_timeout_seconds\": 30,\n  \"delay_seconds\": \"0\"\n}", NULL,
			    EKV_EINPUT, "sqs/q/_queue.json", 6, "member \"delay_seconds\"");
	expect_encode_fails("{\n  \"format_version\": 1,\n  \"name\": \"q\",\n  \"fifo\": true,\n"
			    "  \"partition_count\": 3\n}", NULL, EKV_EINPUT, "sqs/q/_queue.json", 5, "power of two");
	expect_encode_fails("{\"format_version\":1,\"name\":\"q\"}}", NULL, EKV_EINPUT, "sqs/q/_queue.json", 1, "invalid JSON");
	expect_encode_fails("{\"format_version\":1,\"name\":\"q\",\"name\":\"r\"}", NULL, EKV_EINPUT, "sqs/q/_queue.json", 1, "invalid JSON");
}

static void message_fails(const char *queue_json, const char *lines, int want, unsigned long line,
			  const char *msg_part)
{
	expect_encode_fails(queue_json, lines, want, "sqs/q/messages.jsonl", line, msg_part);
}

#define QJ_PART(extra) "{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":2" extra "}"

/* §5.3/§5.4 (TestSQSEncodeRejectsEmptyMessageID, ..MalformedBodyObject,
 * ..MissingPartitionOnPartitionedQueue, ..OutOfRangePartition,
 * ..NonzeroPartitionOnPerQueueHTFIFO, ..NonZeroPartitionOnClassicQueue,
 * ..GateUsesRawPartitionCount, ..HashMismatchOnPerMessageGroupId). */
EKV_TEST(sqs_encode_rejects_invalid_messages)
{
	const char *ok = "{\"message_id\":\"a\"}\n";
	char two[256];
	snprintf(two, sizeof two, "%s%s", ok, "{\"message_id\":\"\"}\n");
	message_fails(QJ, two, EKV_EINPUT, 2, "empty message_id");
	message_fails(QJ, "{\"message_id\":\"a\",\"body\":{}}\n", EKV_EINPUT, 1, "body");
	message_fails(QJ, "{\"message_id\":\"a\",\"body\":{\"oops\":\"x\"}}\n", EKV_EINPUT, 1, "body");
	message_fails(QJ, "{\"message_id\":\"a\",\"body\":{\"base64\":\"_wD-\",\"x\":1}}\n", EKV_EINPUT, 1, "body");
	message_fails(QJ, "{\"message_id\":\"a\",\"body\":{\"base64\":\"YQ==\"}}\n", EKV_EINPUT, 1, "base64url");
	message_fails(QJ, "{\"message_id\":\"a\",\"body\":7}\n", EKV_EINPUT, 1, "body");
	message_fails(QJ, "{\"message_id\":\"a\"} trailing\n", EKV_EINPUT, 1, "invalid JSON");
	message_fails(QJ, "{\"message_id\":\"a\",\"message_id\":\"b\"}\n", EKV_EINPUT, 1, "invalid JSON");
	message_fails(QJ, "{\"message_id\":\"a\",\"Body\":\"x\"}\n", EKV_EINPUT, 1, "letter case");
	message_fails(QJ, "{\"message_id\":\"a\",\"current_receipt_token\":\"??\"}\n", EKV_EINPUT, 1, "base64");
	message_fails(QJ, "{\"message_id\":\"\xc3\"}\n", EKV_EINPUT, 1, "invalid JSON");
	message_fails(QJ, "{\"message_id\":\"a\",\"partition\":2}\n", EKV_EINPUT, 1, "classic queue");
	message_fails(QJ_PART(",\"fifo_throughput_limit\":\"perMessageGroupId\""), "{\"message_id\":\"a\",\"message_group_id\":\"g0\"}\n", EKV_EINPUT, 1, "no partition");
	message_fails(QJ_PART(",\"fifo_throughput_limit\":\"perQueue\""), "{\"message_id\":\"a\"}\n", EKV_EINPUT, 1, "no partition");
	message_fails(QJ_PART(""), "{\"message_id\":\"a\",\"partition\":5}\n", EKV_EINPUT, 1, "out of range");
	message_fails(QJ_PART(",\"fifo_throughput_limit\":\"perQueue\""), "{\"message_id\":\"a\",\"partition\":1}\n", EKV_EINPUT, 1, "partition 0");
	message_fails(QJ_PART(",\"fifo_throughput_limit\":\"perMessageGroupId\""), "{\"message_id\":\"a\",\"message_group_id\":\"g0\",\"partition\":1}\n", EKV_EINPUT, 1, "FNV-1a");
	/* ErrEncodeDuplicateKey: the same message id twice */
	expect_encode_fails(QJ, "{\"message_id\":\"a\"}\n{\"message_id\":\"a\"}\n", EKV_EDUPLICATE, NULL, 0, NULL);
}

/* §6.2 file rules: queue dir without _queue.json, symlinks, hard links,
 * non-directories in sqs/ (upstream skips those silently; we refuse). */
EKV_TEST(sqs_encode_rejects_unsafe_files)
{
	expect_encode_fails(NULL, "{\"message_id\":\"a\"}\n", EKV_EINPUT, "sqs/q", 0, "no _queue.json");
	/* TestSQSEncodeRejectsNonRegularQueueMeta: _queue.json is a directory */
	struct ekv_error e0;
	CHECK(ekv_test_sh("rm -rf d") == 0);
	fx_empty_dump("d");
	CHECK(ekv_test_sh("mkdir -p d/sqs/q/_queue.json") == 0);
	CHECK(fx_encode("d", "out.fsm", &e0) != EKV_OK);
	CHECK(!ekv_test_file_exists("out.fsm"));

	struct ekv_error err;
	CHECK(ekv_test_sh("rm -rf d && mkdir -p x") == 0);
	fx_empty_dump("d");
	fx_write_file("x/real.json", QJ);
	CHECK(ekv_test_sh("mkdir -p d/sqs/q && ln -s ../../../x/real.json d/sqs/q/_queue.json") == 0);
	CHECK(fx_encode("d", "out.fsm", &err) != EKV_OK);
	CHECK(!ekv_test_file_exists("out.fsm"));

	CHECK(ekv_test_sh("rm -f d/sqs/q/_queue.json && ln x/real.json d/sqs/q/_queue.json") == 0);
	CHECK(fx_encode("d", "out.fsm", &err) != EKV_OK);
	CHECK(!ekv_test_file_exists("out.fsm"));

	CHECK(ekv_test_sh("rm -f d/sqs/q/_queue.json && cp x/real.json d/sqs/q/_queue.json") == 0);
	CHECK(ekv_test_sh("mkfifo d/sqs/q/messages.jsonl") == 0);
	CHECK(fx_encode("d", "out.fsm", &err) != EKV_OK);
	CHECK(!ekv_test_file_exists("out.fsm"));

	CHECK(ekv_test_sh("rm -f d/sqs/q/messages.jsonl && ln -s ../x d/sqs/link") == 0);
	CHECK_INT(fx_encode("d", "out.fsm", &err), EKV_EUNSAFE);
	CHECK(ekv_test_sh("rm -f d/sqs/link && touch d/sqs/stray") == 0);
	CHECK_INT(fx_encode("d", "out.fsm", &err), EKV_EINPUT);
	CHECK_STR(err.file, "sqs/stray");
	CHECK(ekv_test_sh("rm -f d/sqs/stray") == 0);
	CHECK_OK(fx_encode("d", "out.fsm", &err), &err);
}

/* Two queue directories with the same queue name -> duplicate key. */
EKV_TEST(sqs_encode_rejects_duplicate_queue_names)
{
	struct ekv_error err;
	fx_empty_dump("d");
	fx_write_file("d/sqs/a/_queue.json", QJ);
	fx_write_file("d/sqs/b/_queue.json", QJ);
	CHECK_INT(fx_encode("d", "out.fsm", &err), EKV_EDUPLICATE);
	CHECK(!ekv_test_file_exists("out.fsm"));
}

/* TestSQSEncodeAcceptsPowerOfTwoPartitionCount: 2..32 with perQueue. */
EKV_TEST(sqs_encode_accepts_power_of_two_partition_counts)
{
	struct ekv_error err;
	for (unsigned pc = 2; pc <= 32; pc *= 2) {
		char j[256];
		CHECK(ekv_test_sh("rm -rf d out.fsm") == 0);
		fx_empty_dump("d");
		snprintf(j, sizeof j, "{\"format_version\":1,\"name\":\"q\",\"fifo\":true,\"partition_count\":%u,\"fifo_throughput_limit\":\"perQueue\"}", pc);
		fx_write_file("d/sqs/q/_queue.json", j);
		fx_write_file("d/sqs/q/messages.jsonl", "{\"message_id\":\"a\",\"message_group_id\":\"g1\",\"partition\":0}\n");
		CHECK_OK(fx_encode("d", "out.fsm", &err), &err);
	}
}
