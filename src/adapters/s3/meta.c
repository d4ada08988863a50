/*
 * S3 JSON values: the live bucket meta and object manifest (s3.md §3.2,
 * §3.3) as the decoder reads them, and the dump files it writes from them:
 * `_bucket.json` (§4.2) and the object sidecar (§4.4), JSON profile A.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "s3_internal.h"
#include "../../lib/error.h"
#include "../../lib/jsonr.h"
#include "../../lib/jsonw.h"

void s3_manifest_init(struct s3_manifest *m)
{
	memset(m, 0, sizeof *m);
	ekv_buf_init(&m->upload_id);
	ekv_buf_init(&m->etag);
	ekv_buf_init(&m->content_type);
	ekv_buf_init(&m->content_encoding);
	ekv_buf_init(&m->cache_control);
	ekv_buf_init(&m->content_disposition);
}

void s3_manifest_release(struct s3_manifest *m)
{
	ekv_buf_release(&m->upload_id);
	ekv_buf_release(&m->etag);
	ekv_buf_release(&m->content_type);
	ekv_buf_release(&m->content_encoding);
	ekv_buf_release(&m->cache_control);
	ekv_buf_release(&m->content_disposition);
	for (size_t i = 0; i < m->n_md; i++) {
		ekv_buf_release(&m->md_names[i]);
		ekv_buf_release(&m->md_values[i]);
	}
	free(m->md_names);
	free(m->md_values);
	for (size_t i = 0; i < m->n_parts; i++) free(m->parts[i].chunk_sizes);
	free(m->parts);
	s3_manifest_init(m);
}

void s3_bucket_meta_init(struct s3_bucket_meta *b)
{
	b->generation = 0;
	ekv_buf_init(&b->owner);
	ekv_buf_init(&b->region);
	ekv_buf_init(&b->acl);
}

void s3_bucket_meta_release(struct s3_bucket_meta *b)
{
	ekv_buf_release(&b->owner);
	ekv_buf_release(&b->region);
	ekv_buf_release(&b->acl);
	s3_bucket_meta_init(b);
}

/* Go decoding rules for one field: null leaves the zero value. */
static int get_str(json_t *obj, const char *name, struct ekv_buf *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_string(v)) return -1;
	return ekv_buf_set(out, json_string_value(v), json_string_length(v)) ? -1 : 0;
}

static int get_u64(json_t *obj, const char *name, uint64_t *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v)) return 0;
	return ekv_json_u64(v, out);
}

static int get_i64(json_t *obj, const char *name, int64_t *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v)) return 0;
	return ekv_json_i64(v, out);
}

static int get_bool(json_t *obj, const char *name, int *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_boolean(v)) return -1;
	*out = json_is_true(v);
	return 0;
}

static int parse_chunk_sizes(json_t *v, struct s3_part *p)
{
	if (!v || json_is_null(v)) return 0;
	if (!json_is_array(v)) return -1;
	size_t n = json_array_size(v);
	p->has_chunk_sizes = 1;
	p->chunk_sizes = calloc(n ? n : 1, sizeof *p->chunk_sizes);
	if (!p->chunk_sizes) return -1;
	p->n_chunk_sizes = n;
	for (size_t i = 0; i < n; i++)
		if (ekv_json_u64(json_array_get(v, i), &p->chunk_sizes[i])) return -1;
	return 0;
}

static int parse_part(json_t *v, struct s3_part *p)
{
	memset(p, 0, sizeof *p);
	if (json_is_null(v)) return 0;
	if (!json_is_object(v)) return -1;
	if (get_u64(v, "part_no", &p->part_no) || get_i64(v, "size_bytes", &p->size_bytes) ||
	    get_u64(v, "chunk_count", &p->chunk_count) ||
	    get_u64(v, "part_version", &p->part_version) ||
	    get_u64(v, "chunk_ref_version", &p->chunk_ref_version) ||
	    get_bool(v, "offloaded", &p->offloaded))
		return -1;
	json_t *etag = json_object_get(v, "etag");
	if (etag && !json_is_null(etag) && !json_is_string(etag)) return -1;
	return parse_chunk_sizes(json_object_get(v, "chunk_sizes"), p);
}

static int cmp_md(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	const struct ekv_buf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* user_metadata: members sorted by name bytes, as Go writes a map. */
static int parse_user_metadata(json_t *v, struct s3_manifest *m)
{
	if (!v || json_is_null(v)) return 0;
	if (!json_is_object(v)) return -1;
	size_t n = json_object_size(v), i = 0;
	struct ekv_buf *pairs = calloc(n ? 2 * n : 1, sizeof *pairs);
	if (!pairs) return -1;
	const char *k;
	size_t kl;
	json_t *val;
	int bad = 0;
	json_object_keylen_foreach(v, k, kl, val) {
		ekv_buf_init(&pairs[2 * i]);
		ekv_buf_init(&pairs[2 * i + 1]);
		if (!json_is_string(val) && !json_is_null(val)) bad = 1;
		if (ekv_buf_set(&pairs[2 * i], k, kl)) bad = 1;
		if (json_is_string(val) &&
		    ekv_buf_set(&pairs[2 * i + 1], json_string_value(val), json_string_length(val)))
			bad = 1;
		i++;
	}
	/* sort name/value pairs together: names are the first member of each pair */
	struct ekv_buf *names = calloc(n ? n : 1, sizeof *names);
	struct ekv_buf *values = calloc(n ? n : 1, sizeof *values);
	size_t *order = calloc(n ? n : 1, sizeof *order);
	if (!names || !values || !order) bad = 1;
	if (!bad) {
		for (i = 0; i < n; i++) order[i] = i;
		/* insertion sort keeps it simple; metadata maps are tiny */
		for (i = 1; i < n; i++)
			for (size_t j = i; j > 0 && cmp_md(&pairs[2 * order[j]], &pairs[2 * order[j - 1]], NULL) < 0; j--) {
				size_t t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
			}
		for (i = 0; i < n; i++) {
			names[i] = pairs[2 * order[i]];
			values[i] = pairs[2 * order[i] + 1];
		}
		m->md_names = names;
		m->md_values = values;
		m->n_md = n;
	} else {
		for (i = 0; i < 2 * n; i++) ekv_buf_release(&pairs[i]);
		free(names);
		free(values);
	}
	free(order);
	free(pairs);
	return bad ? -1 : 0;
}

static int manifest_from_json(json_t *root, struct s3_manifest *m)
{
	if (json_is_null(root)) return 0;   /* Go accepts a bare null: all-zero record */
	if (!json_is_object(root)) return -1;
	if (get_str(root, "upload_id", &m->upload_id) || get_str(root, "etag", &m->etag) ||
	    get_i64(root, "size_bytes", &m->size_bytes) ||
	    get_u64(root, "last_modified_hlc", &m->last_modified_hlc) ||
	    get_str(root, "content_type", &m->content_type) ||
	    get_str(root, "content_encoding", &m->content_encoding) ||
	    get_str(root, "cache_control", &m->cache_control) ||
	    get_str(root, "content_disposition", &m->content_disposition) ||
	    parse_user_metadata(json_object_get(root, "user_metadata"), m))
		return -1;
	json_t *parts = json_object_get(root, "parts");
	if (!parts || json_is_null(parts)) return 0;
	if (!json_is_array(parts)) return -1;
	size_t n = json_array_size(parts);
	m->parts = calloc(n ? n : 1, sizeof *m->parts);
	if (!m->parts) return -1;
	for (size_t i = 0; i < n; i++) {
		m->n_parts = i + 1;
		if (parse_part(json_array_get(parts, i), &m->parts[i])) return -1;
	}
	return 0;
}

int s3_manifest_parse(const uint8_t *v, size_t n, struct s3_manifest *m, struct ekv_error *err)
{
	json_t *root = ekv_json_parse(v, n, "s3 manifest", EKV_EDATA, err);
	if (!root) return EKV_EDATA;
	int bad = manifest_from_json(root, m);
	json_decref(root);
	if (bad) return ekv_fail(err, EKV_EDATA, "s3: invalid object manifest JSON (wrong member types)");
	/* s3.md §3.3: an offloaded part must list one size per chunk */
	for (size_t i = 0; i < m->n_parts; i++) {
		const struct s3_part *p = &m->parts[i];
		if (p->offloaded && p->n_chunk_sizes != p->chunk_count)
			return ekv_fail(err, EKV_EDATA,
					"s3: invalid manifest: offloaded part %llu has %zu chunk_sizes for chunk_count %llu",
					(unsigned long long)p->part_no, p->n_chunk_sizes,
					(unsigned long long)p->chunk_count);
	}
	return 0;
}

int s3_bucket_meta_parse(const uint8_t *v, size_t n, struct s3_bucket_meta *b,
			 struct ekv_error *err)
{
	json_t *root = ekv_json_parse(v, n, "s3 bucket meta", EKV_EDATA, err);
	if (!root) return EKV_EDATA;
	int bad = 0;
	if (json_is_object(root)) {
		uint64_t created = 0;
		bad = get_u64(root, "generation", &b->generation) ||
		      get_u64(root, "created_at_hlc", &created) || get_str(root, "owner", &b->owner) ||
		      get_str(root, "region", &b->region) || get_str(root, "acl", &b->acl);
		json_t *name = json_object_get(root, "bucket_name");
		if (name && !json_is_null(name) && !json_is_string(name)) bad = 1;
	} else if (!json_is_null(root)) {
		bad = 1;
	}
	json_decref(root);
	return bad ? ekv_fail(err, EKV_EDATA, "s3: invalid bucket meta JSON") : 0;
}

static void str_member(struct ekv_jw *w, const char *key, const struct ekv_buf *v)
{
	if (!v->len) return;   /* omitempty */
	ekv_jw_key(w, key);
	ekv_jw_str(w, v->data, v->len);
}

int s3_write_bucket_json(struct ekv_buf *out, const uint8_t *name, size_t nlen,
			 const struct s3_bucket_meta *b)
{
	struct ekv_jw w;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_A_INDENT);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "format_version");
	ekv_jw_u64(&w, 1);
	ekv_jw_key(&w, "name");
	ekv_jw_str(&w, name, nlen);
	str_member(&w, "owner", &b->owner);
	str_member(&w, "region", &b->region);
	str_member(&w, "acl", &b->acl);
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

int s3_write_sidecar_json(struct ekv_buf *out, const struct s3_manifest *m)
{
	struct ekv_jw w;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_A_INDENT);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "format_version");
	ekv_jw_u64(&w, 1);
	str_member(&w, "etag", &m->etag);
	ekv_jw_key(&w, "size_bytes");
	ekv_jw_i64(&w, m->size_bytes);
	if (m->last_modified_hlc) {
		char ts[64];
		s3_format_hlc(m->last_modified_hlc, ts);
		ekv_jw_key(&w, "last_modified");
		ekv_jw_cstr(&w, ts);
	}
	str_member(&w, "content_type", &m->content_type);
	str_member(&w, "content_encoding", &m->content_encoding);
	str_member(&w, "cache_control", &m->cache_control);
	str_member(&w, "content_disposition", &m->content_disposition);
	if (m->n_md) {
		ekv_jw_key(&w, "user_metadata");
		ekv_jw_obj_begin(&w);
		for (size_t i = 0; i < m->n_md; i++) {
			ekv_jw_key_bytes(&w, m->md_names[i].data, m->md_names[i].len);
			ekv_jw_str(&w, m->md_values[i].data, m->md_values[i].len);
		}
		ekv_jw_obj_end(&w);
	}
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

/* ---- time ---- */

/* Days since 1970-01-01 -> civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	uint64_t doe = (uint64_t)(z - era * 146097);
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	uint64_t yoe = (uint64_t)(y - era * 400);
	uint64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void s3_format_hlc(uint64_t hlc, char buf[64])
{
	int64_t ms = (int64_t)(hlc >> 16);
	int64_t days = ms / 86400000, rem = ms % 86400000;
	int64_t y;
	unsigned mo, d;
	civil_from_days(days, &y, &mo, &d);
	unsigned secs = (unsigned)(rem / 1000), frac = (unsigned)(rem % 1000);
	int n = snprintf(buf, 64, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, mo, d,
			 secs / 3600, secs / 60 % 60, secs % 60);
	if (frac) {
		char f[8];
		snprintf(f, sizeof f, "%03u", frac);
		size_t fl = 3;
		while (fl > 0 && f[fl - 1] == '0') fl--;   /* RFC3339Nano trims trailing zeros */
		f[fl] = 0;
		n += snprintf(buf + n, 64 - (size_t)n, ".%s", f);
	}
	snprintf(buf + n, 64 - (size_t)n, "Z");
}

static int digits(const char *s, size_t n, size_t at, size_t count, unsigned *out)
{
	unsigned v = 0;
	if (at + count > n) return -1;
	for (size_t i = 0; i < count; i++) {
		if (s[at + i] < '0' || s[at + i] > '9') return -1;
		v = v * 10 + (unsigned)(s[at + i] - '0');
	}
	*out = v;
	return 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
	return dm[m - 1];
}

/* Go time.Parse(time.RFC3339Nano, s): date T time [.frac] (Z | ±hh:mm). */
static int parse_rfc3339_ms(const char *s, size_t n, int64_t *ms)
{
	unsigned y, mo, d, h, mi, se;
	if (digits(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || digits(s, n, 5, 2, &mo) ||
	    s[7] != '-' || digits(s, n, 8, 2, &d) || s[10] != 'T' || digits(s, n, 11, 2, &h) ||
	    s[13] != ':' || digits(s, n, 14, 2, &mi) || s[16] != ':' || digits(s, n, 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	size_t i = 19;
	unsigned frac_ms = 0;
	if (i < n && s[i] == '.') {
		size_t start = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (i - start < 3) frac_ms = frac_ms * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		size_t nd = i - start;
		if (nd == 0 || nd > 9) return -1;
		for (size_t k = nd; k < 3; k++) frac_ms *= 10;
	}
	int64_t off = 0;
	if (i < n && s[i] == 'Z') {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		unsigned oh, om;
		if (digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' ||
		    digits(s, n, i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (int64_t)(oh * 60 + om) * 60000;
		if (s[i] == '-') off = -off;
		i += 6;
	} else {
		return -1;
	}
	if (i != n) return -1;
	int64_t days = days_from_civil(y, mo, d);
	*ms = days * 86400000 + (int64_t)(h * 3600 + mi * 60 + se) * 1000 + frac_ms - off;
	return 0;
}

uint64_t s3_parse_time_hlc(const char *s, size_t n)
{
	int64_t ms;
	if (!n || parse_rfc3339_ms(s, n, &ms) || ms <= 0) return 0;
	return (uint64_t)ms << 16;
}
