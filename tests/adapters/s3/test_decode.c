/* S3 decode: layouts, assembly, sidecars, fail-closed cases (s3.md §4, §6.1, §7.1). */
#include "s3_fixture.h"

/* s3.md §7.1 TestS3_BucketMetaAndSingleObjectAssembly, with exact bytes. */
EKV_TEST(s3_single_object_exact_bytes)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "photos", 7);
	s3fx_object(&s, "photos", 7, "2026/04/img.jpg", 15, "hello-world", 11,
		    ",\"content_disposition\":\"a<b>&c\",\"user_metadata\":{\"z\":\"1\",\"camera\":\"fx30\"}");
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/photos/_bucket.json",
		  "{\n  \"format_version\": 1,\n  \"name\": \"photos\",\n  \"region\": \"us-east-1\",\n  \"acl\": \"private\"\n}");
	S3FX_FILE("out/s3/photos/2026/04/img.jpg", "hello-world");
	S3FX_FILE("out/s3/photos/2026/04/img.jpg.elastickv-meta.json",
		  "{\n  \"format_version\": 1,\n  \"etag\": \"2095312189753de6ad47dfe20cbe97ec\",\n"
		  "  \"size_bytes\": 11,\n  \"last_modified\": \"2026-04-29T12:34:56.789Z\",\n"
		  "  \"content_type\": \"text/plain\",\n"
		  "  \"content_disposition\": \"a\\u003cb\\u003e\\u0026c\",\n"
		  "  \"user_metadata\": {\n    \"camera\": \"fx30\",\n    \"z\": \"1\"\n  }\n}");
	CHECK(!ekv_test_file_exists("out/s3/photos/KEYMAP.jsonl"));
	CHECK(ekv_test_file_exists("out/MANIFEST.json"));
}

/* s3.md §7.1 TestS3_MultipartObjectAssemblesInPartChunkOrder + non-contiguous parts, versioned blobs */
EKV_TEST(s3_multipart_parts_in_order)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_manifest(&s, "b", 1, "mp", 2,
		      "{\"upload_id\":\"u-mp\",\"size_bytes\":14,\"parts\":["
		      "{\"part_no\":7,\"size_bytes\":3,\"chunk_count\":1,\"part_version\":99},"
		      "{\"part_no\":1,\"size_bytes\":5,\"chunk_count\":2,\"part_version\":90},"
		      "{\"part_no\":3,\"size_bytes\":6,\"chunk_count\":1,\"part_version\":95}]}");
	s3fx_blob(&s, "b", 1, "mp", 2, "u-mp", 3, 0, 95, "WORLD!", 6);
	s3fx_blob(&s, "b", 1, "mp", 2, "u-mp", 1, 1, 90, "lo", 2);
	s3fx_blob(&s, "b", 1, "mp", 2, "u-mp", 1, 0, 90, "hel", 3);
	s3fx_blob(&s, "b", 1, "mp", 2, "u-mp", 7, 0, 99, "xyz", 3);
	/* a re-uploaded part's older version and another upload: both ignored */
	s3fx_blob(&s, "b", 1, "mp", 2, "u-mp", 1, 0, 80, "OLD", 3);
	s3fx_blob(&s, "b", 1, "mp", 2, "u-stale", 1, 0, 90, "STALE", 5);
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/mp", "helloWORLD!xyz");
}

/* Bodies over 1 MiB the live way (1 MiB chunks + a partial one), and empty ones. */
EKV_TEST(s3_multi_chunk_and_empty_objects)
{
	struct s3fx s = { 0 };
	size_t n = 3 * S3_CHUNK_SIZE + 5;
	uint8_t *body = malloc(n);
	for (size_t i = 0; i < n; i++) body[i] = (uint8_t)(i % 251);
	s3fx_bucket(&s, "b", 1);
	s3fx_object(&s, "b", 1, "big.bin", 7, body, n, NULL);
	s3fx_object(&s, "b", 1, "empty", 5, "", 0, NULL);
	s3fx_decode_ok(&s, "out", NULL);
	s3fx_check_file("out/s3/b/big.bin", body, n);
	S3FX_FILE("out/s3/b/empty", "");
	S3FX_FILE("out/s3/b/empty.elastickv-meta.json",
		  "{\n  \"format_version\": 1,\n  \"etag\": \"d41d8cd98f00b204e9800998ecf8427e\",\n"
		  "  \"size_bytes\": 0,\n  \"last_modified\": \"2026-04-29T12:34:56.789Z\",\n"
		  "  \"content_type\": \"text/plain\"\n}");
	free(body);
}

static void chunkref(struct s3fx *s, const char *obj, const char *upload, uint64_t chunk, uint64_t pv,
		     const char *payload, uint64_t size)
{
	uint8_t v[45];
	v[0] = 1;
	ekv_sha256(payload, strlen(payload), v + 1);
	ekv_put_be64(v + 33, size);
	ekv_put_be16(v + 41, 2);
	memcpy(v + 43, "n1", 2);
	s3fx_put(s, s3fx_chunk_key(s, P_CHUNKREF, "b", 3, obj, strlen(obj), upload, 1, chunk, pv), v, 45);
}

static void chunkblob(struct s3fx *s, const char *payload, const char *stored)
{
	uint8_t d[32];
	char hex[65];
	ekv_sha256(payload, strlen(payload), d);
	ekv_hex_lower(hex, d, 32);
	ekv_buf_reset(&s->k);
	CHECK(ekv_buf_append_str(&s->k, P_CHUNKBLOB) == 0 && ekv_buf_append_str(&s->k, hex) == 0);
	s3fx_put(s, &s->k, stored, strlen(stored));
}

#define OFFLOADED_MANIFEST(sizes)                                                                   \
	"{\"upload_id\":\"u\",\"size_bytes\":11,\"parts\":[{\"part_no\":1,\"chunk_count\":2,"       \
	"\"chunk_ref_version\":91,\"offloaded\":true" sizes "}]}"

/* s3.md §7.1 TestS3_OffloadedObjectAssemblesFromChunkRefs */
EKV_TEST(s3_offloaded_chunk_refs)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 3);
	chunkref(&s, "o", "u", 0, 91, "hello ", 6);
	chunkref(&s, "o", "u", 1, 91, "world", 5);
	chunkblob(&s, "hello ", "hello ");
	chunkblob(&s, "world", "world");
	s3fx_blob(&s, "b", 3, "o", 1, "u", 1, 0, 91, "wrong", 5);
	s3fx_manifest(&s, "b", 3, "o", 1, OFFLOADED_MANIFEST(",\"chunk_sizes\":[6,5]"));
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/o", "hello world");
}

static void expect_fail(struct s3fx *s, enum ekv_status code, int rename)
{
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_write(s, "in.fsm");
	s3fx_opts(&o, "in.fsm", "out", NULL);
	o.rename_s3_collisions = rename;
	CHECK_STATUS(s3fx_decode(&o, &err), code, &err);
	CHECK(!ekv_test_file_exists("out/MANIFEST.json"));
	CHECK(err.adapter && strcmp(err.adapter, "s3") == 0);
}

/* s3.md §7.1 OffloadedObjectFailsClosedWhenChunkBlobIsMissing */
EKV_TEST(s3_offloaded_missing_blob_fails)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 3);
	chunkref(&s, "o", "u", 0, 91, "hello ", 6);
	chunkref(&s, "o", "u", 1, 91, "world", 5);
	chunkblob(&s, "hello ", "hello ");
	s3fx_manifest(&s, "b", 3, "o", 1, OFFLOADED_MANIFEST(",\"chunk_sizes\":[6,5]"));
	expect_fail(&s, EKV_EDATA, 0);
}

/* s3.md §7.1 OffloadedObjectRejectsManifestChunkSizeMismatch */
EKV_TEST(s3_offloaded_chunk_size_mismatch_fails)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 3);
	chunkref(&s, "o", "u", 0, 91, "hello ", 6);
	chunkref(&s, "o", "u", 1, 91, "world", 5);
	chunkblob(&s, "hello ", "hello ");
	chunkblob(&s, "world", "world");
	s3fx_manifest(&s, "b", 3, "o", 1, OFFLOADED_MANIFEST(",\"chunk_sizes\":[7,4]"));
	expect_fail(&s, EKV_EDATA, 0);
}

/* s3.md §7.1 OffloadedObjectRejectsMissingManifestChunkSizes (handle time, any generation) */
EKV_TEST(s3_offloaded_missing_chunk_sizes_fails)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 4);
	s3fx_manifest(&s, "b", 3, "o", 1, OFFLOADED_MANIFEST(""));
	expect_fail(&s, EKV_EDATA, 0);
}

/* s3.md §7.1 ChunkBlobRejectsContentHashMismatch */
EKV_TEST(s3_chunkblob_hash_mismatch_fails)
{
	struct s3fx s = { 0 };
	chunkblob(&s, "expected", "different");
	expect_fail(&s, EKV_EDATA, 0);
}

/* s3.md §7.1 RejectsMalformedManifestJSON / BucketMetaJSON */
EKV_TEST(s3_malformed_json_fails)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_manifest(&s, "b", 1, "o", 1, "not-json");
	expect_fail(&s, EKV_EDATA, 0);
	struct s3fx t = { 0 };
	s3fx_put(&t, s3fx_bucket_key(&t, P_BUCKET_META, "b"), "not-json", 8);
	expect_fail(&t, EKV_EDATA, 0);
}

/* s3.md §7.1 IncompleteChunksRejected / DuplicateChunksWithMissingIndexRejected / extra chunk */
EKV_TEST(s3_missing_or_extra_chunk_fails)
{
	const char *m = "{\"upload_id\":\"u\",\"size_bytes\":3,\"parts\":[{\"part_no\":1,\"chunk_count\":3}]}";
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_manifest(&s, "b", 1, "o", 1, m);
	s3fx_blob(&s, "b", 1, "o", 1, "u", 1, 0, 0, "a", 1);
	s3fx_blob(&s, "b", 1, "o", 1, "u", 1, 2, 0, "c", 1);
	expect_fail(&s, EKV_EDATA, 0);
	struct s3fx t = { 0 };
	s3fx_bucket(&t, "b", 1);
	s3fx_manifest(&t, "b", 1, "o", 1, m);
	for (int i = 0; i < 4; i++) s3fx_blob(&t, "b", 1, "o", 1, "u", 1, (uint64_t)i, 0, "x", 1);
	expect_fail(&t, EKV_EDATA, 0);
}

/* s3.md §7.1 ZeroChunkCountPartIgnoresStrayChunks */
EKV_TEST(s3_zero_chunk_part_ignores_strays)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_manifest(&s, "b", 1, "o", 1,
		      "{\"upload_id\":\"u\",\"size_bytes\":5,\"parts\":[{\"part_no\":1,\"chunk_count\":1},{\"part_no\":2,\"chunk_count\":0}]}");
	s3fx_blob(&s, "b", 1, "o", 1, "u", 1, 0, 0, "hello", 5);
	s3fx_blob(&s, "b", 1, "o", 1, "u", 2, 0, 0, "STRAY", 5);
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/o", "hello");
}

/* D22: size_bytes must equal the assembled length; a bad plain ETag only warns. */
EKV_TEST(s3_d22_size_and_etag_checks)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_manifest(&s, "b", 1, "o", 1, "{\"upload_id\":\"u\",\"size_bytes\":9,\"parts\":[{\"part_no\":1,\"chunk_count\":1}]}");
	s3fx_blob(&s, "b", 1, "o", 1, "u", 1, 0, 0, "hello", 5);
	expect_fail(&s, EKV_EDATA, 0);

	struct s3fx t = { 0 };
	struct s3fx_warns w;
	s3fx_bucket(&t, "b", 1);
	s3fx_manifest(&t, "b", 1, "o", 1,
		      "{\"upload_id\":\"u\",\"etag\":\"00000000000000000000000000000000\",\"size_bytes\":5,\"parts\":[{\"part_no\":1,\"chunk_count\":1}]}");
	s3fx_manifest(&t, "b", 1, "mp", 2,
		      "{\"upload_id\":\"u\",\"etag\":\"00000000000000000000000000000000-2\",\"size_bytes\":5,\"parts\":[{\"part_no\":1,\"chunk_count\":1}]}");
	s3fx_blob(&t, "b", 1, "o", 1, "u", 1, 0, 0, "hello", 5);
	s3fx_blob(&t, "b", 1, "mp", 2, "u", 1, 0, 0, "hello", 5);
	s3fx_decode_ok(&t, "out2", &w);
	CHECK_INT(s3fx_count_warn(&w, "s3_etag_mismatch"), 1);
	S3FX_FILE("out2/s3/b/o", "hello");
}

/* s3.md §7.1 OrphanChunksWarn / OrphanChunksWrittenWhenIncludeOrphans (+ P10 fixed: per generation) */
EKV_TEST(s3_orphans_with_and_without_flag)
{
	struct s3fx s = { 0 };
	struct s3fx_warns w;
	s3fx_bucket(&s, "b", 3);
	s3fx_blob(&s, "b", 3, "ghost", 5, "u", 1, 0, 0, "orphan", 6);
	s3fx_blob(&s, "b", 1, "ghost", 5, "u", 1, 0, 0, "g1-bytes", 8);
	s3fx_blob(&s, "b", 2, "ghost", 5, "u", 1, 0, 0, "g2-bytes", 8);
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out", &w);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK_INT(s3fx_count_warn(&w, "s3_orphan_chunks"), 1);
	CHECK_INT(s3fx_count_warn(&w, "s3_stale_generation_objects"), 1);
	CHECK(!ekv_test_file_exists("out/s3/b/_orphans"));
	CHECK(!ekv_test_file_exists("out/s3/b/ghost"));

	s3fx_opts(&o, "in.fsm", "out2", &w);
	o.include_orphans = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("out2/s3/b/_orphans/ghost/gen-3/u_0000000000000001_0000000000000000_0000000000000000.bin", "orphan");
	S3FX_FILE("out2/s3/b/_orphans/ghost/gen-1/u_0000000000000001_0000000000000000_0000000000000000.bin", "g1-bytes");
	S3FX_FILE("out2/s3/b/_orphans/ghost/gen-2/u_0000000000000001_0000000000000000_0000000000000000.bin", "g2-bytes");
	CHECK_INT(s3fx_count_warn(&w, "s3_orphan_chunks"), 3);
}

/* s3.md §7.1 StaleGenerationObjectExcluded; D21 bucket without meta. */
EKV_TEST(s3_stale_generation_and_d21_no_meta)
{
	struct s3fx s = { 0 };
	struct s3fx_warns w;
	s3fx_bucket(&s, "b", 7);
	s3fx_text(&s, "b", 6, "stale-obj", "old");
	s3fx_text(&s, "b", 7, "live-obj", "new");
	s3fx_text(&s, "gone", 1, "residue", "x");   /* no bucket meta: D21 */
	s3fx_decode_ok(&s, "out", &w);
	S3FX_FILE("out/s3/b/live-obj", "new");
	CHECK(!ekv_test_file_exists("out/s3/b/stale-obj"));
	CHECK(!ekv_test_file_exists("out/s3/gone"));
	CHECK_INT(s3fx_count_warn(&w, "s3_stale_generation_objects"), 1);
	CHECK_INT(s3fx_count_warn(&w, "s3_orphan_chunks"), 1);
}

/* s3.md §7.1 IncludeIncompleteUploadsBuffersRecords / DefaultDoesNotEmit, exact line. */
EKV_TEST(s3_incomplete_uploads_flag)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "logs", 1);
	const char *v = "{\"bucket\":\"logs\"}";
	ekv_buf_reset(&s.k);
	s3fx_obj_key(&s, P_UPLOAD_META, "logs", 1, "app.log", 7);
	CHECK(ekv_keyseg_append(&s.k, "u", 1) == 0);
	s3fx_put(&s, &s.k, v, strlen(v));
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(!ekv_test_file_exists("out/s3/logs/_incomplete_uploads"));
	s3fx_opts(&o, "in.fsm", "out2", NULL);
	o.include_incomplete_uploads = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("out2/s3/logs/_incomplete_uploads/records.jsonl",
		  "{\"prefix\":\"!s3|upload|meta|\",\"key\":\"IXMzfHVwbG9hZHxtZXRhfGxvZ3MAAQAAAAAAAAABYXBwLmxvZwABdQAB\","
		  "\"value\":\"eyJidWNrZXQiOiJsb2dzIn0=\"}\n");
}

/* s3.md §7.1 FileVsDirectoryKeyCollisionGetsLeafDataRename, exact KEYMAP line. */
EKV_TEST(s3_leaf_data_rename)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "path/to", "LEAF");
	s3fx_text(&s, "b", 1, "path/to/sub", "CHILD");
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/path/to/sub", "CHILD");
	S3FX_FILE("out/s3/b/path/to.elastickv-leaf-data", "LEAF");
	CHECK(ekv_test_file_exists("out/s3/b/path/to.elastickv-leaf-data.elastickv-meta.json"));
	S3FX_FILE("out/s3/b/KEYMAP.jsonl",
		  "{\"encoded\":\"path/to.elastickv-leaf-data\",\"original\":\"cGF0aC90bw\",\"kind\":\"s3-leaf-data\"}\n");
}

/* s3.md §7.1 MetaSuffixCollisionRejectedByDefault / RenamesUnderFlag */
EKV_TEST(s3_meta_suffix_with_and_without_flag)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "evil.elastickv-meta.json", "E");
	expect_fail(&s, EKV_EDATA, 0);

	struct s3fx t = { 0 };
	s3fx_bucket(&t, "b", 1);
	s3fx_text(&t, "b", 1, "evil.elastickv-meta.json", "E");
	s3fx_write(&t, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out2", NULL);
	o.rename_s3_collisions = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("out2/s3/b/evil.elastickv-meta.json.user-data", "E");
	S3FX_FILE("out2/s3/b/KEYMAP.jsonl",
		  "{\"encoded\":\"evil.elastickv-meta.json.user-data\",\"original\":\"ZXZpbC5lbGFzdGlja3YtbWV0YS5qc29u\",\"kind\":\"meta-suffix-rename\"}\n");
}

/* D20 + D23: a rename target that is itself a key falls back to the SHA
 * name (upstream: ErrS3MetaSuffixCollision); KEYMAP lines sorted. */
EKV_TEST(s3_d20_rename_target_collisions)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "path/to", "LEAF");
	s3fx_text(&s, "b", 1, "path/to/sub", "CHILD");
	s3fx_text(&s, "b", 1, "path/to.elastickv-leaf-data", "TARGET");
	s3fx_text(&s, "b", 1, "path/to.elastickv-leaf-data/d", "THROUGH");
	s3fx_text(&s, "b", 1, "x", "X");
	s3fx_text(&s, "b", 1, "x.elastickv-meta.json/y", "Y");
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/path/to.elastickv-leaf-data", "LEAF");
	S3FX_FILE("out/s3/b/x", "X");
	/* the three displaced keys live at the bucket root under SHA names */
	CHECK(s3fx_sh_ok("test $(grep -c sha-fallback out/s3/b/KEYMAP.jsonl) = 3"));
	CHECK(s3fx_sh_ok("test $(wc -l < out/s3/b/KEYMAP.jsonl) = 4"));
	CHECK(s3fx_sh_ok("cut -d'\"' -f4 out/s3/b/KEYMAP.jsonl > enc && LC_ALL=C sort -c enc"));
	CHECK(s3fx_sh_ok("for e in $(grep sha-fallback out/s3/b/KEYMAP.jsonl | cut -d'\"' -f4); do "
			 "test -f out/s3/b/$e && test -f out/s3/b/$e.elastickv-meta.json || exit 1; done"));
}

/* D20: keys that cannot be paths are kept under SHA names, never outside the bucket. */
EKV_TEST(s3_d20_hostile_keys_kept)
{
	static const char *const keys[] = { "../../../etc/passwd-attack", "photos/", "a//b", "/a", ".", "..",
					    "a/./b", "a\\b", "_bucket.json", "KEYMAP.jsonl", "_orphans/x",
					    "_incomplete_uploads", "_bucket.json/x" };
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	size_t nk = sizeof keys / sizeof keys[0];
	for (size_t i = 0; i < nk; i++) s3fx_text(&s, "b", 1, keys[i], keys[i]);
	char nul[] = { 'n', 0, 'l' };
	s3fx_object(&s, "b", 1, nul, 3, "NUL", 3, NULL);
	char longk[320];
	memset(longk, 'L', 300);
	memcpy(longk + 300, "/tail", 6);
	s3fx_text(&s, "b", 1, longk, "LONG");
	s3fx_text(&s, "b", 1, "photos", "folder-owner");   /* leaf-renamed: photos/ exists */
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/_bucket.json",
		  "{\n  \"format_version\": 1,\n  \"name\": \"b\",\n  \"region\": \"us-east-1\",\n  \"acl\": \"private\"\n}");
	S3FX_FILE("out/s3/b/photos.elastickv-leaf-data", "folder-owner");
	CHECK(s3fx_sh_ok("test $(grep -c sha-fallback out/s3/b/KEYMAP.jsonl) = 15"));
	/* nothing escaped the bucket, and only the expected top-level names exist */
	CHECK(s3fx_sh_ok("test -z \"$(find out -path out/s3/b -prune -o -type f -print | grep -v -e MANIFEST.json -e CHECKSUMS)\""));
	CHECK(s3fx_sh_ok("test $(find out/s3/b -type d | wc -l) = 1"));
}

/* Invalid UTF-8 keys: natural path kept; a rename uses the SHA scheme (D20, s3.md P8). */
EKV_TEST(s3_d20_invalid_utf8_keys)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "caf\xe9", "latin1");
	s3fx_text(&s, "b", 1, "d\xff", "parent");
	s3fx_text(&s, "b", 1, "d\xff/child", "child");
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/caf\xe9", "latin1");
	S3FX_FILE("out/s3/b/d\xff/child", "child");
	CHECK(s3fx_sh_ok("test $(grep -c sha-fallback out/s3/b/KEYMAP.jsonl) = 1"));
	CHECK(!ekv_test_file_exists("out/s3/b/d\xff.elastickv-leaf-data"));
}

/* s3.md §7.8 / D1: MVCC versions, overwrite, delete, bucket recreation. */
EKV_TEST(s3_d1_versions_newest_wins)
{
	struct s3fx s = { 0 };
	struct s3fx_warns w;
	/* bucket recreated: newest meta says generation 2 */
	char meta1[] = "{\"bucket_name\":\"b\",\"generation\":1}", meta2[] = "{\"bucket_name\":\"b\",\"generation\":2}";
	s3fx_bucket_key(&s, P_BUCKET_META, "b");
	s3fx_put_ts(&s, s.k.data, s.k.len, meta2, strlen(meta2), S3FX_TS + 50, 0);
	s3fx_put_ts(&s, s.k.data, s.k.len, meta1, strlen(meta1), S3FX_TS, 0);
	s3fx_text(&s, "b", 1, "old-gen", "stale");
	/* overwritten object: newest manifest + blob of upload u2 win */
	s3fx_obj_key(&s, P_OBJ_HEAD, "b", 2, "o", 1);
	const char *m2 = "{\"upload_id\":\"u2\",\"size_bytes\":3,\"parts\":[{\"part_no\":1,\"chunk_count\":1}]}";
	const char *m1 = "{\"upload_id\":\"u1\",\"size_bytes\":3,\"parts\":[{\"part_no\":1,\"chunk_count\":1}]}";
	s3fx_put_ts(&s, s.k.data, s.k.len, m2, strlen(m2), S3FX_TS + 40, 0);
	s3fx_put_ts(&s, s.k.data, s.k.len, m1, strlen(m1), S3FX_TS, 0);
	s3fx_blob(&s, "b", 2, "o", 1, "u1", 1, 0, 0, "old", 3);
	s3fx_chunk_key(&s, P_BLOB, "b", 2, "o", 1, "u2", 1, 0, 0);
	s3fx_put_ts(&s, s.k.data, s.k.len, "new", 3, S3FX_TS + 40, 0);
	/* deleted object: tombstone over the manifest */
	s3fx_text(&s, "b", 2, "deleted", "zombie");
	s3fx_obj_key(&s, P_OBJ_HEAD, "b", 2, "deleted", 7);
	s3fx_put_ts(&s, s.k.data, s.k.len, "", 0, S3FX_TS + 60, 1);
	s3fx_decode_ok(&s, "out", &w);
	S3FX_FILE("out/s3/b/o", "new");
	CHECK(!ekv_test_file_exists("out/s3/b/deleted"));
	CHECK(!ekv_test_file_exists("out/s3/b/old-gen"));
	CHECK_INT(s3fx_count_warn(&w, "s3_stale_generation_objects"), 1);
	CHECK_INT(s3fx_count_warn(&w, "s3_orphan_chunks"), 1);   /* the deleted object's blob */
}

/* Malformed keys and dot bucket names fail closed (s3.md §6.1). */
EKV_TEST(s3_malformed_keys_fail)
{
	struct s3fx s = { 0 };
	ekv_buf_reset(&s.k);
	CHECK(ekv_buf_append_str(&s.k, P_BLOB "b\x00\x01short") == 0);
	s3fx_put(&s, &s.k, "x", 1);
	expect_fail(&s, EKV_EDATA, 0);
	struct s3fx t = { 0 };
	s3fx_bucket(&t, "..", 1);
	expect_fail(&t, EKV_EDATA, 0);
	struct s3fx u = { 0 };
	s3fx_blob(&u, ".", 1, "x", 1, "u", 1, 0, 0, "x", 1);
	expect_fail(&u, EKV_EDATA, 0);
	struct s3fx v = { 0 };
	ekv_buf_reset(&v.k);
	CHECK(ekv_buf_append_str(&v.k, P_CHUNKBLOB "zz") == 0);
	s3fx_put(&v, &v.k, "x", 1);
	expect_fail(&v, EKV_EDATA, 0);
}

/* A bucket named b64.x gets the SHA-fallback directory (s3.md §4.1, §7.8). */
EKV_TEST(s3_b64_bucket_directory)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b64.foo", 1);
	s3fx_text(&s, "b64.foo", 1, "k", "v");
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/72ef1a090c013093607ce5a62f598cf4__b64.foo/k", "v");
}

/* A pipe input spills chunk bodies to one tmpdir file (source.c) with the same result. */
EKV_TEST(s3_pipe_input)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "k", "from-a-pipe");
	s3fx_write(&s, "in.fsm");
	CHECK(mkfifo("pipe", 0600) == 0);
	CHECK(s3fx_sh_ok("(cat in.fsm > pipe &) ; true"));
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "pipe", "out", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("out/s3/b/k", "from-a-pipe");
}

/* s3.md §7.8 / D1: a corrupt older chunk-blob version behind a good newer
 * one is skipped (upstream fails); tombstoned blobs of an overwritten
 * object stay deleted. */
EKV_TEST(s3_d1_chunkblob_versions_and_tombstoned_blobs)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 3);
	chunkref(&s, "o", "u", 0, 91, "hello ", 6);
	chunkref(&s, "o", "u", 1, 91, "world", 5);
	chunkblob(&s, "world", "world");
	uint8_t d[32];
	char hex[65];
	ekv_sha256("hello ", 6, d);
	ekv_hex_lower(hex, d, 32);
	ekv_buf_reset(&s.k);
	CHECK(ekv_buf_append_str(&s.k, P_CHUNKBLOB) == 0 && ekv_buf_append_str(&s.k, hex) == 0);
	s3fx_put_ts(&s, s.k.data, s.k.len, "hello ", 6, S3FX_TS + 10, 0);
	s3fx_put_ts(&s, s.k.data, s.k.len, "CORRUPT", 7, S3FX_TS, 0);
	s3fx_manifest(&s, "b", 3, "o", 1, OFFLOADED_MANIFEST(",\"chunk_sizes\":[6,5]"));
	/* overwritten object: the old upload's blob is tombstoned, the new one live */
	s3fx_manifest(&s, "b", 3, "w", 1, "{\"upload_id\":\"new\",\"size_bytes\":3,\"parts\":[{\"part_no\":1,\"chunk_count\":1}]}");
	s3fx_blob(&s, "b", 3, "w", 1, "new", 1, 0, 0, "NEW", 3);
	s3fx_chunk_key(&s, P_BLOB, "b", 3, "w", 1, "old", 1, 0, 0);
	s3fx_put_ts(&s, s.k.data, s.k.len, "", 0, S3FX_TS + 20, 1);
	s3fx_put_ts(&s, s.k.data, s.k.len, "OLD", 3, S3FX_TS, 0);
	s3fx_decode_ok(&s, "out", NULL);
	S3FX_FILE("out/s3/b/o", "hello world");
	S3FX_FILE("out/s3/b/w", "NEW");
}

/* Chunks of an in-flight upload to a key ending in .elastickv-meta.json are
 * an orphan (warning), not a collision error: nothing would be written. */
EKV_TEST(s3_meta_suffix_orphan_is_not_an_error)
{
	struct s3fx s = { 0 };
	struct s3fx_warns w;
	s3fx_bucket(&s, "b", 1);
	s3fx_blob(&s, "b", 1, "x.elastickv-meta.json", 21, "u", 1, 0, 0, "part", 4);
	s3fx_text(&s, "b", 1, "x", "X");
	s3fx_decode_ok(&s, "out", &w);
	S3FX_FILE("out/s3/b/x", "X");
	CHECK_INT(s3fx_count_warn(&w, "s3_orphan_chunks"), 1);
}

/* D21 with --include-orphans: the chunks of a bucket without meta go to its _orphans/. */
EKV_TEST(s3_d21_orphans_of_bucket_without_meta)
{
	struct s3fx s = { 0 };
	s3fx_text(&s, "gone", 4, "residue", "x");
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out", NULL);
	o.include_orphans = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("out/s3/gone/_orphans/residue/gen-4/u_0000000000000001_0000000000000000_0000000000000000.bin", "x");
	CHECK(!ekv_test_file_exists("out/s3/gone/_bucket.json"));
	CHECK(!ekv_test_file_exists("out/s3/gone/residue"));
}
