/* MANIFEST.json (container.md §5.5, tools.md §3.4/§8.2, D5). */
#ifndef EKV_MANIFEST_H
#define EKV_MANIFEST_H
#include "buf.h"

#define EKV_MANIFEST_FILE "MANIFEST.json"
#define EKV_CHECKSUMS_FILE "CHECKSUMS"
#define EKV_MANIFEST_FORMAT_VERSION 1
#define EKV_PHASE0 "phase0-snapshot-decode"
#define EKV_PHASE1 "phase1-live-pinned"

struct ekv_manifest {
	uint32_t format_version;
	char *phase;
	char *elastickv_version;           /* NULL/"" = omitted */
	char *cluster_id;
	uint64_t snapshot_index;           /* 0 = omitted */
	uint64_t last_commit_ts;           /* 0 = omitted */
	char *wall_time_iso;
	int has_source;
	char *source_fsm_path;
	int has_live;
	uint64_t live_read_ts;
	unsigned adapters;                 /* bit per adapter id present in "adapters" */
	int include_incomplete_uploads;
	int include_orphans;
	int preserve_sqs_visibility;
	int include_sqs_side_records;
	int rename_s3_collisions;
	char *dynamodb_layout;             /* "per-item" or "jsonl" */
	uint64_t dynamodb_bundle_size;     /* D19, recorded in the ekvbackup object
					    * when the layout is jsonl (0 = 64 MiB) */
	/* D5: written by us, ignored when reading */
	const struct ekv_counters *counters;
};

/* Fills the phase-0 defaults (wall time = now, layout per-item, no
 * adapters). Strings are owned (malloc'ed): replace them with free +
 * strdup. 0 or EKV_ENOMEM. */
int ekv_manifest_init_phase0(struct ekv_manifest *m);
/* Validates (Manifest.validate; failures EKV_EMANIFEST, a format_version
 * above 1 included), then appends the Go json.Encoder bytes (two-space
 * indent, HTML escaping off, trailing "\n") plus the D5 "ekvbackup"
 * object {version, counters (if set), dynamodb_bundle_size (jsonl only)}.
 * On failure out is unchanged. */
int ekv_manifest_write(struct ekv_buf *out, const struct ekv_manifest *m, struct ekv_error *err);
/* Version gate first (0 or above 1 -> EKV_EVERSION, "format_version 2 is
 * newer than this build supports (1)"; missing/null/not a uint32 ->
 * EKV_EMANIFEST), then typed fields, required exclusion flags and
 * validation (EKV_EMANIFEST); unknown keys ignored, duplicate members and
 * invalid UTF-8 refused (D18). err->file is MANIFEST.json. On failure m
 * is left released. */
int ekv_manifest_parse(const void *data, size_t n, struct ekv_manifest *m, struct ekv_error *err);
void ekv_manifest_release(struct ekv_manifest *m);
/* Go time.RFC3339Nano of the current UTC time. */
void ekv_now_rfc3339nano(char buf[64]);
/* Same for a given UTC instant: fraction with trailing zeros trimmed, none
 * when nsec is 0 ("2026-06-01T12:34:56.12Z", "2026-06-01T12:34:56Z"). */
void ekv_format_rfc3339nano(int64_t sec, long nsec, char buf[64]);
/* True if s parses with Go's time.Parse(time.RFC3339Nano, s):
 * YYYY-MM-DDTHH:MM:SS[.digits](Z|+hh:mm|-hh:mm), fields range-checked. */
int ekv_rfc3339_valid(const char *s);
#endif
