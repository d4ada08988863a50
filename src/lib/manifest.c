/*
 * MANIFEST.json (container.md §5.5, tools.md §3.4 and §8.2, D5).
 *
 * The writer reproduces Go's json.Encoder with SetIndent("", "  ") and
 * SetEscapeHTML(false) over upstream's Manifest struct: fields in struct
 * order, omitempty rules, one trailing newline. D5 adds one object,
 * "ekvbackup", after the last upstream field; upstream's reader ignores
 * unknown keys.
 *
 * The reader gates on format_version before anything else, so a future
 * major version whose fields changed type is still "unsupported version"
 * rather than "invalid".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "error.h"
#include "jsonr.h"
#include "jsonw.h"
#include "manifest.h"

#define LAYOUT_PER_ITEM "per-item"
#define LAYOUT_JSONL "jsonl"
#define CHECKSUM_ALGORITHM "sha256"
#define CHECKSUM_FORMAT "sha256sum"
#define FILENAME_CHARSET "rfc3986-unreserved-plus-percent"
#define KEY_SEGMENT_MAX_BYTES 240
#define S3_META_SUFFIX ".elastickv-meta.json"
#define S3_COLLISION_STRATEGY "leaf-data-suffix"
#define DDB_BUNDLE_SIZE_DEFAULT (64ull << 20)

static const char *const exclusion_flags[4] = {
	"include_incomplete_uploads",
	"include_orphans",
	"preserve_sqs_visibility",
	"include_sqs_side_records",
};

/* ---- time ---- */

void ekv_format_rfc3339nano(int64_t sec, long nsec, char buf[64])
{
	time_t t = (time_t)sec;
	struct tm tm;
	gmtime_r(&t, &tm);
	int n = snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (nsec > 0 && n > 0 && n < 40) {
		/* Go's ".999999999": nine digits, trailing zeros trimmed. */
		char frac[16];
		snprintf(frac, sizeof frac, ".%09ld", nsec % 1000000000L);
		size_t fl = strlen(frac);
		while (fl > 1 && frac[fl - 1] == '0') fl--;
		frac[fl] = 0;
		snprintf(buf + n, 64 - (size_t)n, "%sZ", frac);
	} else if (n > 0 && n < 62) {
		snprintf(buf + n, 64 - (size_t)n, "Z");
	}
}

void ekv_now_rfc3339nano(char buf[64])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ekv_format_rfc3339nano((int64_t)ts.tv_sec, ts.tv_nsec, buf);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* Go time.Parse(time.RFC3339Nano, s) acceptance:
 * YYYY-MM-DDTHH:MM:SS[(.|,)digits](Z|+hh:mm|-hh:mm). */
int ekv_rfc3339_valid(const char *s)
{
	size_t n = strlen(s);
	int y, mo, d, h, mi, se;
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return 0;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return 0;
	size_t i = 19;
	if (s[i] == '.' || s[i] == ',') {
		size_t start = ++i;
		while (s[i] >= '0' && s[i] <= '9') i++;
		if (i == start) return 0;
	}
	if (s[i] == 'Z') return s[i + 1] == 0;
	if (s[i] != '+' && s[i] != '-') return 0;
	int zh, zm;
	if (n - i != 6 || s[i + 3] != ':' || digits(s + i + 1, 2, &zh) || digits(s + i + 4, 2, &zm))
		return 0;
	return zh < 24 && zm < 60;
}

/* ---- defaults, release ---- */

int ekv_manifest_init_phase0(struct ekv_manifest *m)
{
	char now[64];
	memset(m, 0, sizeof *m);
	ekv_now_rfc3339nano(now);
	m->format_version = EKV_MANIFEST_FORMAT_VERSION;
	m->phase = strdup(EKV_PHASE0);
	m->wall_time_iso = strdup(now);
	m->dynamodb_layout = strdup(LAYOUT_PER_ITEM);
	if (!m->phase || !m->wall_time_iso || !m->dynamodb_layout) {
		ekv_manifest_release(m);
		return EKV_ENOMEM;
	}
	return 0;
}

void ekv_manifest_release(struct ekv_manifest *m)
{
	free(m->phase);
	free(m->elastickv_version);
	free(m->cluster_id);
	free(m->wall_time_iso);
	free(m->source_fsm_path);
	free(m->dynamodb_layout);
	memset(m, 0, sizeof *m);
}

/* ---- validation (Manifest.validate) ---- */

static int is_str(const char *s, const char *want)
{
	return s && strcmp(s, want) == 0;
}

static int validate(const struct ekv_manifest *m, struct ekv_error *err)
{
	if (m->format_version == 0)
		return ekv_fail(err, EKV_EMANIFEST, "manifest invalid: format_version is zero");
	if (m->format_version > EKV_MANIFEST_FORMAT_VERSION)
		return ekv_fail(err, EKV_EMANIFEST,
				"manifest invalid: format_version %u > current %d (this build cannot produce that)",
				m->format_version, EKV_MANIFEST_FORMAT_VERSION);
	int phase0 = is_str(m->phase, EKV_PHASE0), phase1 = is_str(m->phase, EKV_PHASE1);
	if (!phase0 && !phase1)
		return ekv_fail(err, EKV_EMANIFEST, "manifest invalid: unknown phase \"%s\"",
				m->phase ? m->phase : "");
	if (!m->wall_time_iso || !m->wall_time_iso[0])
		return ekv_fail(err, EKV_EMANIFEST, "manifest invalid: wall_time_iso missing");
	if (!ekv_rfc3339_valid(m->wall_time_iso))
		return ekv_fail(err, EKV_EMANIFEST,
				"manifest invalid: wall_time_iso \"%s\" is not RFC 3339", m->wall_time_iso);
	if (!is_str(m->dynamodb_layout, LAYOUT_PER_ITEM) && !is_str(m->dynamodb_layout, LAYOUT_JSONL))
		return ekv_fail(err, EKV_EMANIFEST, "manifest invalid: dynamodb_layout \"%s\" unsupported",
				m->dynamodb_layout ? m->dynamodb_layout : "");
	if (phase0 && m->has_live)
		return ekv_fail(err, EKV_EMANIFEST, "manifest invalid: phase0 must not set live");
	if (phase1 && m->has_source)
		return ekv_fail(err, EKV_EMANIFEST, "manifest invalid: phase1 must not set source");
	if (phase1 && !m->has_live)
		return ekv_fail(err, EKV_EMANIFEST, "manifest invalid: phase1 must set live");
	if (phase1 && m->live_read_ts == 0)
		return ekv_fail(err, EKV_EMANIFEST,
				"manifest invalid: phase1 live.read_ts must be non-zero");
	return 0;
}

/* ---- writer ---- */

static void put_str_field(struct ekv_jw *w, const char *key, const char *value, int omitempty)
{
	if (omitempty && (!value || !value[0])) return;
	ekv_jw_key(w, key);
	ekv_jw_cstr(w, value ? value : "");
}

static void put_u64_field(struct ekv_jw *w, const char *key, uint64_t v, int omitempty)
{
	if (omitempty && !v) return;
	ekv_jw_key(w, key);
	ekv_jw_u64(w, v);
}

static void put_bool_field(struct ekv_jw *w, const char *key, int v)
{
	ekv_jw_key(w, key);
	ekv_jw_bool(w, v);
}

static void put_counters(struct ekv_jw *w, const struct ekv_counters *c)
{
	ekv_jw_key(w, "counters");
	ekv_jw_obj_begin(w);
	put_u64_field(w, "total", c->total, 0);
	put_u64_field(w, "tombstone", c->tombstone, 0);
	put_u64_field(w, "superseded", c->superseded, 0);
	put_u64_field(w, "operational", c->operational, 0);
	put_u64_field(w, "internal", c->internal, 0);
	put_u64_field(w, "unknown", c->unknown, 0);
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++)
		put_u64_field(w, ekv_adapter_name(a), c->adapter[a], 0);
	put_u64_field(w, "warnings", c->warnings, 0);
	put_u64_field(w, "orphan_ttls", c->orphan_ttls, 0);
	ekv_jw_obj_end(w);
}

/* D5: our own object, after every upstream field. */
static void put_ekvbackup(struct ekv_jw *w, const struct ekv_manifest *m)
{
	ekv_jw_key(w, "ekvbackup");
	ekv_jw_obj_begin(w);
	put_str_field(w, "version", EKV_VERSION_STRING, 0);
	if (m->counters) put_counters(w, m->counters);
	if (is_str(m->dynamodb_layout, LAYOUT_JSONL))
		put_u64_field(w, "dynamodb_bundle_size",
			      m->dynamodb_bundle_size ? m->dynamodb_bundle_size : DDB_BUNDLE_SIZE_DEFAULT,
			      0);
	ekv_jw_obj_end(w);
}

int ekv_manifest_write(struct ekv_buf *out, const struct ekv_manifest *m, struct ekv_error *err)
{
	int st = validate(m, err);
	if (st) return st;
	size_t mark = out->len;
	struct ekv_jw w;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_B_INDENT);
	ekv_jw_obj_begin(&w);
	put_u64_field(&w, "format_version", m->format_version, 0);
	put_str_field(&w, "phase", m->phase, 0);
	put_str_field(&w, "elastickv_version", m->elastickv_version, 1);
	put_str_field(&w, "cluster_id", m->cluster_id, 1);
	put_u64_field(&w, "snapshot_index", m->snapshot_index, 1);
	put_u64_field(&w, "last_commit_ts", m->last_commit_ts, 1);
	put_str_field(&w, "wall_time_iso", m->wall_time_iso, 0);
	if (m->has_source) {
		ekv_jw_key(&w, "source");
		ekv_jw_obj_begin(&w);
		put_str_field(&w, "fsm_path", m->source_fsm_path, 0);
		ekv_jw_obj_end(&w);
	}
	if (m->has_live) {
		ekv_jw_key(&w, "live");
		ekv_jw_obj_begin(&w);
		put_u64_field(&w, "read_ts", m->live_read_ts, 0);
		ekv_jw_obj_end(&w);
	}
	ekv_jw_key(&w, "adapters");
	ekv_jw_obj_begin(&w);
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++) {
		if (!(m->adapters & (1u << a))) continue;
		ekv_jw_key(&w, ekv_adapter_name(a));
		ekv_jw_obj_begin(&w);
		ekv_jw_obj_end(&w);
	}
	ekv_jw_obj_end(&w);
	ekv_jw_key(&w, "exclusions");
	ekv_jw_obj_begin(&w);
	put_bool_field(&w, exclusion_flags[0], m->include_incomplete_uploads);
	put_bool_field(&w, exclusion_flags[1], m->include_orphans);
	put_bool_field(&w, exclusion_flags[2], m->preserve_sqs_visibility);
	put_bool_field(&w, exclusion_flags[3], m->include_sqs_side_records);
	if (m->rename_s3_collisions) put_bool_field(&w, "rename_s3_collisions", 1);
	ekv_jw_obj_end(&w);
	put_str_field(&w, "checksum_algorithm", CHECKSUM_ALGORITHM, 0);
	put_str_field(&w, "checksum_format", CHECKSUM_FORMAT, 0);
	put_str_field(&w, "encoded_filename_charset", FILENAME_CHARSET, 0);
	put_u64_field(&w, "key_segment_max_bytes", KEY_SEGMENT_MAX_BYTES, 0);
	put_str_field(&w, "s3_meta_suffix", S3_META_SUFFIX, 0);
	put_str_field(&w, "s3_collision_strategy", S3_COLLISION_STRATEGY, 0);
	put_str_field(&w, "dynamodb_layout", m->dynamodb_layout, 0);
	put_ekvbackup(&w, m);
	ekv_jw_obj_end(&w);
	if (ekv_jw_finish(&w)) {
		ekv_buf_truncate(out, mark);
		return ekv_fail(err, EKV_ENOMEM, "out of memory writing %s", EKV_MANIFEST_FILE);
	}
	return 0;
}

/* ---- reader ---- */

static int invalid(struct ekv_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int invalid(struct ekv_error *err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ekv_fail(err, EKV_EMANIFEST, "manifest invalid: %s", msg);
	ekv_error_set_file(err, EKV_MANIFEST_FILE, 0);
	return EKV_EMANIFEST;
}

static const char *type_name(const json_t *v)
{
	if (ekv_json_is_integer(v)) return "a number";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int type_error(struct ekv_error *err, const char *where, const char *want, const json_t *v)
{
	return invalid(err, "%s is %s, want %s", where, type_name(v), want);
}

/* String field (Go: null leaves it empty). Embedded NULs are refused so
 * the C string is the whole value. */
static int get_str(const json_t *obj, const char *key, const char *where, char **out,
		   struct ekv_error *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) return 0;
	if (!ekv_json_is_string(v)) return type_error(err, where, "a string", v);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return invalid(err, "%s contains a NUL character", where);
	free(*out);
	*out = strdup(json_string_value(v));
	if (!*out) return ekv_fail(err, EKV_ENOMEM, "out of memory reading %s", EKV_MANIFEST_FILE);
	return 0;
}

/* A string whose value we only type-check. nonempty: *present set when
 * the string is non-empty. */
static int check_str(const json_t *obj, const char *key, const char *where, int *nonempty,
		     struct ekv_error *err)
{
	const json_t *v = json_object_get(obj, key);
	if (nonempty) *nonempty = 0;
	if (!v || json_is_null(v)) return 0;
	if (!ekv_json_is_string(v)) return type_error(err, where, "a string", v);
	if (nonempty) *nonempty = json_string_length(v) > 0;
	return 0;
}

static int get_uint(const json_t *obj, const char *key, const char *where, uint64_t max,
		    uint64_t *out, struct ekv_error *err)
{
	const json_t *v = json_object_get(obj, key);
	uint64_t x;
	if (!v || json_is_null(v)) return 0;
	if (!ekv_json_is_integer(v) || ekv_json_u64(v, &x) || x > max) {
		char want[64];
		snprintf(want, sizeof want, "an integer in 0..%llu", (unsigned long long)max);
		return type_error(err, where, want, v);
	}
	*out = x;
	return 0;
}

static int get_bool(const json_t *obj, const char *key, const char *where, int *out,
		    struct ekv_error *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_boolean(v)) return type_error(err, where, "a boolean", v);
	*out = json_is_true(v);
	return 0;
}

/* Object-or-null field: returns the object, NULL when absent or null. */
static int get_obj(const json_t *obj, const char *key, const char *where, json_t **out,
		   struct ekv_error *err)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) return 0;
	if (!json_is_object(v)) return type_error(err, where, "an object", v);
	*out = v;
	return 0;
}

/* Step 1 (probeManifestFormatVersion). */
static int probe_version(const json_t *root, struct ekv_error *err)
{
	const json_t *v = json_object_get(root, "format_version");
	uint64_t fv;
	if (!v) return invalid(err, "format_version missing");
	if (json_is_null(v)) return invalid(err, "format_version is null");
	if (!ekv_json_is_integer(v) || ekv_json_u64(v, &fv) || fv > UINT32_MAX)
		return type_error(err, "format_version", "an integer in 0..4294967295", v);
	if (fv == 0) {
		ekv_fail(err, EKV_EVERSION, "format_version is zero (no version assigned)");
		ekv_error_set_file(err, EKV_MANIFEST_FILE, 0);
		return EKV_EVERSION;
	}
	if (fv > EKV_MANIFEST_FORMAT_VERSION) {
		ekv_fail(err, EKV_EVERSION,
			 "format_version %llu is newer than this build supports (%d)",
			 (unsigned long long)fv, EKV_MANIFEST_FORMAT_VERSION);
		ekv_error_set_file(err, EKV_MANIFEST_FILE, 0);
		return EKV_EVERSION;
	}
	return 0;
}

static int check_scope_list(const json_t *ad, const char *key, const char *adapter,
			    uint64_t int_max, struct ekv_error *err)
{
	const json_t *v = json_object_get(ad, key);
	char where[64];
	snprintf(where, sizeof where, "adapters.%s.%s", adapter, key);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_array(v)) return type_error(err, where, "an array", v);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		uint64_t x;
		if (json_is_null(e)) continue;
		if (int_max) {
			if (!ekv_json_is_integer(e) || ekv_json_u64(e, &x) || x > int_max)
				return type_error(err, where, "an array of uint32", e);
		} else if (!ekv_json_is_string(e)) {
			return type_error(err, where, "an array of strings", e);
		}
	}
	return 0;
}

static int read_adapters(const json_t *root, struct ekv_manifest *m, struct ekv_error *err)
{
	json_t *ads;
	int st = get_obj(root, "adapters", "adapters", &ads, err);
	if (st) return st;
	if (!ads) return invalid(err, "adapters section missing");
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++) {
		const char *name = ekv_adapter_name(a);
		char where[32];
		json_t *ad;
		snprintf(where, sizeof where, "adapters.%s", name);
		if ((st = get_obj(ads, name, where, &ad, err))) return st;
		if (!ad) continue;
		m->adapters |= 1u << a;
		if ((st = check_scope_list(ad, "tables", name, 0, err)) ||
		    (st = check_scope_list(ad, "buckets", name, 0, err)) ||
		    (st = check_scope_list(ad, "databases", name, UINT32_MAX, err)) ||
		    (st = check_scope_list(ad, "queues", name, 0, err)))
			return st;
	}
	return 0;
}

/* Steps 2-3 for exclusions: typed flags, the four required ones present
 * and not null (validateExclusionsFieldsPresent). */
static int read_exclusions(const json_t *root, struct ekv_manifest *m, struct ekv_error *err)
{
	const json_t *ex = json_object_get(root, "exclusions");
	int *flags[4] = { &m->include_incomplete_uploads, &m->include_orphans,
			  &m->preserve_sqs_visibility, &m->include_sqs_side_records };
	char where[64];
	int st;
	if (!ex) return invalid(err, "exclusions section missing");
	if (!json_is_null(ex) && !json_is_object(ex))
		return type_error(err, "exclusions", "an object", ex);
	for (int i = 0; i < 4; i++) {
		const json_t *v = json_is_object(ex) ? json_object_get(ex, exclusion_flags[i]) : NULL;
		if (!v)
			return invalid(err,
				       "exclusions.%s missing (cannot infer producer-side default)",
				       exclusion_flags[i]);
		if (json_is_null(v))
			return invalid(err, "exclusions.%s is null",
				       exclusion_flags[i]);
		snprintf(where, sizeof where, "exclusions.%s", exclusion_flags[i]);
		if ((st = get_bool(ex, exclusion_flags[i], where, flags[i], err))) return st;
	}
	return get_bool(ex, "rename_s3_collisions", "exclusions.rename_s3_collisions",
			&m->rename_s3_collisions, err);
}

static int read_source_live(const json_t *root, struct ekv_manifest *m, struct ekv_error *err)
{
	json_t *src, *live;
	int st;
	if ((st = get_obj(root, "source", "source", &src, err))) return st;
	if (src) {
		m->has_source = 1;
		if ((st = get_str(src, "fsm_path", "source.fsm_path", &m->source_fsm_path, err)) ||
		    (st = check_str(src, "fsm_crc32c", "source.fsm_crc32c", NULL, err)))
			return st;
	}
	if ((st = get_obj(root, "live", "live", &live, err))) return st;
	if (live) {
		m->has_live = 1;
		if ((st = get_uint(live, "read_ts", "live.read_ts", UINT64_MAX, &m->live_read_ts, err)) ||
		    (st = check_str(live, "pin_token_sha256", "live.pin_token_sha256", NULL, err)))
			return st;
	}
	return 0;
}

/* Policy strings: any non-empty value is accepted (values not checked). */
static int read_policy(const json_t *root, struct ekv_error *err)
{
	static const char *const required[5] = { "checksum_algorithm", "checksum_format",
						 "encoded_filename_charset", "s3_meta_suffix",
						 "s3_collision_strategy" };
	uint64_t ksmb = 0;
	int st, present;
	for (int i = 0; i < 5; i++) {
		if ((st = check_str(root, required[i], required[i], &present, err))) return st;
		if (!present)
			return invalid(err, "%s missing", required[i]);
	}
	if ((st = get_uint(root, "key_segment_max_bytes", "key_segment_max_bytes", UINT32_MAX, &ksmb,
			   err)))
		return st;
	if (!ksmb) return invalid(err, "key_segment_max_bytes is zero");
	return 0;
}

/* Our own D5 object: only dynamodb_bundle_size is read back, leniently
 * (counters are informational). */
static void read_ekvbackup(const json_t *root, struct ekv_manifest *m)
{
	const json_t *ek = json_object_get(root, "ekvbackup");
	uint64_t v;
	if (json_is_object(ek) && !ekv_json_u64(json_object_get(ek, "dynamodb_bundle_size"), &v))
		m->dynamodb_bundle_size = v;
}

static int read_fields(const json_t *root, struct ekv_manifest *m, struct ekv_error *err)
{
	uint64_t fv = 0;
	int st;
	ekv_json_u64(json_object_get(root, "format_version"), &fv);
	m->format_version = (uint32_t)fv;
	if ((st = get_str(root, "phase", "phase", &m->phase, err)) ||
	    (st = get_str(root, "elastickv_version", "elastickv_version", &m->elastickv_version, err)) ||
	    (st = get_str(root, "cluster_id", "cluster_id", &m->cluster_id, err)) ||
	    (st = get_uint(root, "snapshot_index", "snapshot_index", UINT64_MAX, &m->snapshot_index,
			   err)) ||
	    (st = get_uint(root, "last_commit_ts", "last_commit_ts", UINT64_MAX, &m->last_commit_ts,
			   err)) ||
	    (st = get_str(root, "wall_time_iso", "wall_time_iso", &m->wall_time_iso, err)) ||
	    (st = read_source_live(root, m, err)) || (st = read_adapters(root, m, err)) ||
	    (st = read_exclusions(root, m, err)) || (st = read_policy(root, err)) ||
	    (st = get_str(root, "dynamodb_layout", "dynamodb_layout", &m->dynamodb_layout, err)))
		return st;
	read_ekvbackup(root, m);
	return 0;
}

int ekv_manifest_parse(const void *data, size_t n, struct ekv_manifest *m, struct ekv_error *err)
{
	int st;
	memset(m, 0, sizeof *m);
	json_t *root = ekv_json_parse(data, n, EKV_MANIFEST_FILE, EKV_EMANIFEST, err);
	if (!root) return err ? err->code : EKV_EMANIFEST;
	if (!json_is_object(root)) {
		st = invalid(err, "top level is %s, want one JSON object",
			     type_name(root));
		goto out;
	}
	if ((st = probe_version(root, err))) goto out;
	if ((st = read_fields(root, m, err))) goto out;
	if ((st = validate(m, err))) ekv_error_set_file(err, EKV_MANIFEST_FILE, 0);
out:
	json_decref(root);
	if (st) ekv_manifest_release(m);
	return st;
}
