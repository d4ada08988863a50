/*
 * ekvbackup public API.
 *
 * The library turns elastickv FSM snapshots (EKVPBBL1 streams, optionally
 * inside a node's EKVTHLC wrapper) into a per-adapter directory tree and
 * back. It never prints and never exits: every function returns an
 * enum ekv_status and, on failure, fills a caller-owned struct ekv_error
 * that names the record (byte offset, adapter, key) or the file and line.
 * On success the error is left untouched.
 */
#ifndef EKVBACKUP_H
#define EKVBACKUP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EKV_VERSION_STRING "0.1.0"

/* Status codes. EKV_OK is 0; every failure is a distinct positive code so
 * callers (and the CLI's exit-code mapping) can tell corrupt input from
 * environment trouble. */
enum ekv_status {
	EKV_OK = 0,
	EKV_EIO,             /* a system call failed; sys_errno says why */
	EKV_ENOMEM,          /* allocation failed */
	EKV_EUSAGE,          /* invalid options or arguments */
	/* container (snapshot stream) errors */
	EKV_EBADMAGIC,       /* not an EKVPBBL1 stream (message names the magic) */
	EKV_ETRUNCATED,      /* stream ends inside a header or an entry */
	EKV_EKEYTOOLARGE,    /* key length over 1 MiB + 8 */
	EKV_EVALUETOOLARGE,  /* value length over 256 MiB + 43 */
	EKV_ESHORTKEY,       /* encoded key shorter than the 8-byte MVCC suffix */
	EKV_ESHORTVALUE,     /* value shorter than the 9-byte header */
	EKV_EENCRYPTED,      /* entry is encrypted (encryption_state 01) */
	EKV_EENCRESERVED,    /* reserved flag bits or encryption state */
	EKV_ECRC,            /* node wrapper CRC32C footer mismatch */
	EKV_EUNSUPPORTED,    /* a format or feature this build does not handle */
	/* adapter data errors */
	EKV_EDATA,           /* a record's value or key does not parse (bad envelope, odd fields) */
	EKV_ELIMIT,          /* a configured memory/size cap was reached */
	/* dump tree errors */
	EKV_EEXIST,          /* an output path already exists (never overwritten) */
	EKV_EUNSAFE,         /* path would escape the root, or a symlink/hard link was met */
	EKV_EMANIFEST,       /* MANIFEST.json invalid */
	EKV_EVERSION,        /* MANIFEST.json format_version unsupported */
	EKV_EINPUT,          /* encode: the dump tree has invalid content (file/line named) */
	EKV_EDUPLICATE,      /* encode: the same key produced twice */
	EKV_ECHECKSUM,       /* verify: CHECKSUMS mismatch, missing or extra file */
	EKV_EKEYMAP,         /* KEYMAP.jsonl invalid */
	EKV_ESELFTEST,       /* encode: round-trip self-test differs */
	EKV_ECANCELED,       /* the caller's cancel flag was raised (e.g. SIGINT) */
	EKV_STATUS_COUNT
};

/* Caller-owned error detail. Zero-initialise once; functions only write it
 * when they fail. Strings are bounded copies: nothing to free. */
#define EKV_ERROR_KEY_MAX 256
struct ekv_error {
	enum ekv_status code;
	int sys_errno;                    /* 0 unless a system call failed */
	int has_offset;
	uint64_t offset;                  /* record's byte offset in the snapshot */
	const char *adapter;              /* static name, NULL before routing */
	uint8_t key[EKV_ERROR_KEY_MAX];   /* raw key bytes (first 256) */
	size_t key_len;                   /* full key length (may exceed the copy) */
	int has_key;
	char file[512];                   /* dump-tree file (encode/verify), "" if none */
	unsigned long line;               /* 1-based line in file, 0 if none */
	char msg[512];
};

/* Stable lower-case name of a status ("truncated", "bad-magic", ...). */
const char *ekv_status_name(enum ekv_status st);

/* Formats the error as one line: "<msg> (offset N, adapter A, key K, file F:L)".
 * The key is printed with non-printable bytes escaped. Returns buf. */
char *ekv_error_format(const struct ekv_error *err, char *buf, size_t cap);

/* ---- adapters ---- */

/* Registry order (also the decode finalize order and MANIFEST order). */
enum ekv_adapter_id {
	EKV_ADAPTER_DYNAMODB = 0,
	EKV_ADAPTER_S3 = 1,
	EKV_ADAPTER_REDIS = 2,
	EKV_ADAPTER_SQS = 3,
	EKV_ADAPTER_COUNT = 4
};
#define EKV_ADAPTERS_ALL 0xFu
const char *ekv_adapter_name(int id);          /* "dynamodb", "s3", "redis", "sqs" */
int ekv_adapter_by_name(const char *name);     /* id or -1 */
int ekv_adapter_can_decode(int id);            /* 0 while the slot is unfilled */
int ekv_adapter_can_encode(int id);

/* ---- counters (D5) ---- */
struct ekv_counters {
	uint64_t total;        /* every entry in the stream */
	uint64_t tombstone;    /* newest version is a delete (D1) */
	uint64_t superseded;   /* older versions skipped (D1) */
	uint64_t operational;  /* raw _meta_* and writer-registry rows (D2) */
	uint64_t internal;     /* internal prefixes, disabled adapters */
	uint64_t unknown;      /* no route matched */
	uint64_t adapter[EKV_ADAPTER_COUNT];
	uint64_t warnings;
	uint64_t orphan_ttls;
};

/* Warning sink: event is a stable name ("redis_orphan_ttl"), detail a
 * human-readable sentence naming the record. */
typedef void (*ekv_warn_fn)(void *ud, const char *adapter, const char *event, const char *detail);
/* Progress sink, called at most a few times a second. */
typedef void (*ekv_progress_fn)(void *ud, uint64_t bytes_done, uint64_t bytes_total,
				uint64_t entries);

/* ---- decode ---- */
struct ekv_decode_options {
	const char *input;            /* .fsm path (bare EKVPBBL1 or node wrapper, D3) */
	const char *output;           /* dump root; must be absent or empty (D6) */
	const char *tmpdir;           /* spill directory (D14); NULL = beside output */
	unsigned adapters;            /* bit (1 << id); 0 = all */
	const char *cluster_id;       /* MANIFEST cluster_id, NULL/"" = omitted */
	const char *fsm_path;         /* MANIFEST source.fsm_path; NULL = input */
	int include_incomplete_uploads;
	int include_orphans;
	int rename_s3_collisions;
	int preserve_sqs_visibility;
	int include_sqs_side_records;
	int dynamodb_bundle_jsonl;            /* D19 */
	uint64_t dynamodb_bundle_size;        /* D19, bytes; 0 = 64 MiB */
	uint64_t pending_ttl_cap;             /* D12; bytes; EKV_PENDING_TTL_CAP_DEFAULT */
	int pending_ttl_cap_set;              /* 0 = use the default */
	uint64_t spill_threshold;             /* D14: bytes of held state before spilling; 0 = default */
	int keep_partial;                     /* leave a failed run's files for debugging */
	const volatile int *cancel;           /* non-zero stops the run cleanly (EKV_ECANCELED) */
	ekv_warn_fn warn;
	void *warn_ud;
	ekv_progress_fn progress;
	void *progress_ud;
};
#define EKV_PENDING_TTL_CAP_DEFAULT (1ull << 30)
#define EKV_SPILL_THRESHOLD_DEFAULT (16ull << 20)

struct ekv_decode_result {
	uint64_t last_commit_ts;
	int node_wrapper;             /* 0 bare, 1 EKVTHLC1, 2 EKVTHLC2 */
	int has_snapshot_index;
	uint64_t snapshot_index;
	struct ekv_counters counters;
	uint64_t files_written;
	uint64_t bytes_written;
};
int ekv_decode(const struct ekv_decode_options *opts, struct ekv_decode_result *res,
	       struct ekv_error *err);

/* D4: snapshot_index from a file name: 16 lowercase hex digits + ".fsm"
 * is hex; any other all-digit stem is decimal. 0 ok, -1 not parseable. */
int ekv_snapshot_index_from_path(const char *path, uint64_t *out);

/* ---- encode ---- */
struct ekv_encode_options {
	const char *input;            /* dump root */
	const char *output;           /* .fsm to publish (temp + rename) */
	const char *tmpdir;           /* spill + self-test scratch; NULL = beside output */
	unsigned adapters;            /* 0 = all */
	int has_last_commit_ts;       /* operator override, must be >= manifest's */
	uint64_t last_commit_ts;
	int self_test;                /* decode the result and compare trees */
	int node_format;              /* D3: write the EKVTHLC1 wrapper + CRC32C footer */
	const volatile int *cancel;   /* non-zero stops the run cleanly (EKV_ECANCELED) */
	ekv_progress_fn progress;
	void *progress_ud;
};
struct ekv_encode_result {
	uint64_t last_commit_ts;
	uint64_t manifest_last_commit_ts;
	int overridden;
	char cluster_id[256];
	uint64_t bytes;
	uint64_t records;
	char sha256[65];
	unsigned adapters_run;        /* bits of adapters that ran, canonical order redis,dynamodb,s3,sqs */
	int self_test_ran;
	int self_test_matched;
	char *mismatch;               /* malloc'ed self-test diff text, NULL if none; caller frees */
};
int ekv_encode(const struct ekv_encode_options *opts, struct ekv_encode_result *res,
	       struct ekv_error *err);

/* <output>.encode_info.json (tools.md §4.7): Go json.Encoder bytes with
 * indent 2 and HTML escaping on. _render formats it with the given wall
 * time (RFC 3339) into a malloc'ed string (NULL when out of memory); _write renders it with the current time and writes it
 * to path with the sidecar rules (no-follow, no FIFO, no hard link, 0600,
 * fsync of file and directory). *truncated says whether an existing
 * file was emptied (so the caller knows whether a rollback may remove it). */
char *ekv_encode_info_render(const struct ekv_encode_options *opts,
			     const struct ekv_encode_result *res, const char *wall_time, size_t *len);
int ekv_encode_info_write(const struct ekv_encode_options *opts, const struct ekv_encode_result *res,
			  const char *path, int *truncated, struct ekv_error *err);

/* Writes data to path with the sidecar rules of tools.md §2.5 b: no-follow,
 * never a FIFO, a regular file with a single link only, truncated and
 * forced to 0600. With durable, fsyncs the file and its directory.
 * *truncated (may be NULL) says whether an existing file was emptied. */
int ekv_sidecar_write(const char *path, const void *data, size_t len, int durable,
		      int *truncated, struct ekv_error *err);

/* ---- verify ---- */
typedef void (*ekv_problem_fn)(void *ud, const char *path, const char *problem);
struct ekv_verify_result {
	uint64_t files_checked;
	uint64_t problems;            /* missing, extra, altered files and bad records */
};
/* Checks CHECKSUMS against the files (each missing, extra or altered file
 * reported through `problem`), MANIFEST.json and every KEYMAP.jsonl.
 * Returns EKV_OK only for a clean dump. */
int ekv_verify(const char *root, ekv_problem_fn problem, void *ud, struct ekv_verify_result *res,
	       struct ekv_error *err);

/* ---- inspect ---- */
#define EKV_INSPECT_MAX_CLASSES 96
struct ekv_inspect_class {
	char prefix[32];              /* route prefix, or "(unknown)" etc. */
	int adapter;                  /* adapter id, or -1 for internal/unknown */
	uint64_t count;
	uint64_t bytes;               /* key + value bytes */
};
struct ekv_inspect_result {
	char magic[9];
	int node_wrapper;
	uint64_t last_commit_ts;
	uint64_t file_bytes;
	struct ekv_counters counters;
	size_t n_classes;
	struct ekv_inspect_class classes[EKV_INSPECT_MAX_CLASSES];
};
int ekv_inspect(const char *input, ekv_progress_fn progress, void *ud,
		struct ekv_inspect_result *res, struct ekv_error *err);

#ifdef __cplusplus
}
#endif
#endif
