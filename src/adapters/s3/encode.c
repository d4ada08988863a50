/*
 * S3 encode: s3/<bucket>/... -> bucket, generation, manifest and blob
 * records exactly as upstream's encoder writes them (s3.md §5, §6.2).
 * Bodies are streamed from the dump files in 1 MiB chunks, so memory does
 * not depend on object size (upstream holds every body, s3.md P12).
 * KEYMAP renames of all three kinds are reversed (D20).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "s3_decode.h"
#include "../../lib/error.h"
#include "../../lib/jsonr.h"
#include "../../lib/jsonw.h"
#include "../../lib/keymap.h"
#include "../../lib/manifest.h"
#include "../../lib/segment.h"

struct enc {
	struct ekv_encode_ctx *ctx;
	struct ekv_buf name;              /* bucket name from _bucket.json */
	struct ekv_buf dir_display;       /* "s3/<dir>" */
	struct ekv_keymap km;
	int has_keymap;
	uint8_t *buf;                     /* one chunk */
	struct ekv_buf key, val, rel, disp;
};

static int oom(struct ekv_error *err)
{
	return ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
}

static int input_fail(struct ekv_error *err, const char *file, const char *fmt, const char *arg)
{
	int rc = ekv_fail(err, EKV_EINPUT, fmt, arg);
	ekv_error_set_file(err, file, 0);
	return rc;
}

/* D18: a member whose name matches a known one only case-insensitively is
 * refused (Go would silently take it). */
static int check_members(json_t *obj, const char *const *known, const char *file,
			 struct ekv_error *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		for (size_t i = 0; known[i]; i++)
			if (strcmp(k, known[i]) != 0 && strcasecmp(k, known[i]) == 0)
				return input_fail(err, file, "s3: member \"%s\" has the wrong letter case", k);
	}
	return 0;
}

static int opt_str(json_t *obj, const char *name, struct ekv_buf *out)
{
	json_t *v = json_object_get(obj, name);
	ekv_buf_reset(out);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_string(v)) return -1;
	return ekv_buf_set(out, json_string_value(v), json_string_length(v)) ? -1 : 0;
}

static int format_version_ok(json_t *obj)
{
	json_t *v = json_object_get(obj, "format_version");
	int64_t fv;
	return v && json_is_integer(v) && ekv_json_i64(v, &fv) == 0 && fv == 1;
}

/* ---- records ---- */

static int emit(struct enc *e, struct ekv_error *err)
{
	return ekv_emit(e->ctx, e->key.data, e->key.len, e->val.data, e->val.len, err);
}

static int emit_bucket(struct enc *e, const struct ekv_buf *owner, const struct ekv_buf *region,
		       const struct ekv_buf *acl, struct ekv_error *err)
{
	struct ekv_jw w;
	ekv_buf_reset(&e->key);
	ekv_buf_reset(&e->val);
	if (ekv_buf_append_str(&e->key, P_BUCKET_META) || ekv_keyseg_append(&e->key, e->name.data, e->name.len))
		return oom(err);
	/* s3LiveBucketMeta has no omitempty: every member, "" included (s3.md §5.6) */
	ekv_jw_init(&w, &e->val, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "bucket_name");
	ekv_jw_str(&w, e->name.data, e->name.len);
	ekv_jw_key(&w, "generation");
	ekv_jw_u64(&w, 1);
	ekv_jw_key(&w, "created_at_hlc");
	ekv_jw_u64(&w, 0);
	ekv_jw_key(&w, "owner");
	ekv_jw_str(&w, owner->data, owner->len);
	ekv_jw_key(&w, "region");
	ekv_jw_str(&w, region->data, region->len);
	ekv_jw_key(&w, "acl");
	ekv_jw_str(&w, acl->data, acl->len);
	ekv_jw_obj_end(&w);
	if (ekv_jw_finish(&w)) return oom(err);
	int rc = emit(e, err);
	if (rc) return rc;
	ekv_buf_reset(&e->key);
	ekv_buf_reset(&e->val);
	if (ekv_buf_append_str(&e->key, P_BUCKET_GEN) || ekv_keyseg_append(&e->key, e->name.data, e->name.len) ||
	    ekv_buf_append_be64(&e->val, 1))
		return oom(err);
	return emit(e, err);
}

/* ---- _bucket.json ---- */

static int read_bucket_json(struct enc *e, int bfd, const char *dirname, struct ekv_error *err)
{
	static const char *const known[] = { "format_version", "name", "creation_time_iso", "owner",
					     "region", "acl", "versioning", "policy_json", NULL };
	struct ekv_buf data = EKV_BUF_INIT, owner = EKV_BUF_INIT, region = EKV_BUF_INIT, acl = EKV_BUF_INIT;
	struct ekv_buf enc = EKV_BUF_INIT, tmp = EKV_BUF_INIT;
	char file[1024];
	snprintf(file, sizeof file, "%s/_bucket.json", (const char *)e->dir_display.data);
	struct stat st;
	if (fstatat(bfd, "_bucket.json", &st, AT_SYMLINK_NOFOLLOW) != 0)
		return input_fail(err, file, "s3: bucket directory without %s", "_bucket.json");
	int rc = ekv_read_input_file(bfd, "_bucket.json", file, &data, err);
	json_t *root = rc ? NULL : ekv_json_parse(data.data, data.len, file, EKV_EINPUT, err);
	if (!rc && !root) rc = EKV_EINPUT;
	if (!rc && !json_is_object(root)) rc = input_fail(err, file, "s3: %s is not a JSON object", "_bucket.json");
	if (!rc) rc = check_members(root, known, file, err);
	if (!rc && !format_version_ok(root)) rc = input_fail(err, file, "s3: %s: format_version must be 1", "_bucket.json");
	if (!rc && (opt_str(root, "name", &e->name) || opt_str(root, "owner", &owner) ||
		    opt_str(root, "region", &region) || opt_str(root, "acl", &acl) ||
		    opt_str(root, "creation_time_iso", &tmp) || opt_str(root, "versioning", &tmp) ||
		    opt_str(root, "policy_json", &tmp)))
		rc = input_fail(err, file, "s3: %s: a member has the wrong type", "_bucket.json");
	if (!rc && !e->name.len) rc = input_fail(err, file, "s3: %s: empty name", "_bucket.json");
	int fb;
	if (!rc && ekv_segment_encode(&enc, e->name.data, e->name.len, &fb)) rc = oom(err);
	if (!rc && (enc.len != strlen(dirname) || memcmp(enc.data, dirname, enc.len) != 0))
		rc = input_fail(err, file, "s3: bucket name does not match its directory \"%s\"", dirname);
	if (!rc) rc = emit_bucket(e, &owner, &region, &acl, err);
	if (root) json_decref(root);
	ekv_buf_release(&data);
	ekv_buf_release(&owner);
	ekv_buf_release(&region);
	ekv_buf_release(&acl);
	ekv_buf_release(&enc);
	ekv_buf_release(&tmp);
	return rc;
}

/* ---- KEYMAP (s3.md §5.3, D20) ---- */

static int path_segments_ok(const uint8_t *p, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (p[i] == 0 || p[i] == '\\')) return 0;
		if (i < n && p[i] != '/') continue;
		if (s3_is_dot_name(p + start, i - start)) return 0;
		start = i + 1;
	}
	return 1;
}

static int first_segment_is(const uint8_t *p, size_t n, const char *name)
{
	size_t l = strlen(name);
	return n >= l && memcmp(p, name, l) == 0 && (n == l || p[l] == '/');
}

static int whole_is(const uint8_t *p, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(p, name, n) == 0;
}

/* Opens a '/'-separated path below dirfd without following any link. */
static int open_rel_file(int dirfd, const char *rel, const char *display, struct ekv_error *err)
{
	char *copy = strdup(rel);
	if (!copy) return oom(err), -1;
	int fd = dirfd, owned = 0;
	char *seg = copy, *slash;
	while ((slash = strchr(seg, '/'))) {
		*slash = 0;
		int nfd = ekv_open_input_dir(fd, seg, display, 0, err);
		if (owned) close(fd);
		if (nfd < 0) { free(copy); return -1; }
		fd = nfd;
		owned = 1;
		seg = slash + 1;
	}
	int file = ekv_open_input_file(fd, seg, display, err);
	if (owned) close(fd);
	free(copy);
	return file;
}

static int keymap_record_ok(struct enc *e, int bfd, const struct ekv_keymap_entry *r, const char *file,
			    struct ekv_error *err)
{
	const uint8_t *enc = (const uint8_t *)r->encoded, *orig = r->original;
	size_t el = r->encoded_len, ol = r->original_len;
	int leaf = strcmp(r->kind, EKV_KEYMAP_S3_LEAF_DATA) == 0;
	int meta = strcmp(r->kind, EKV_KEYMAP_META_RENAME) == 0;
	int sha = strcmp(r->kind, EKV_KEYMAP_SHA_FALLBACK) == 0;
	const char *why = NULL;
	if (!leaf && !meta && !sha) why = "unknown kind";
	else if (!path_segments_ok(enc, el)) why = "encoded path has an empty, \".\" or \"..\" segment or a backslash";
	else if (s3_has_suffix(enc, el, S3_META_SUFFIX)) why = "encoded path ends in .elastickv-meta.json";
	else if (whole_is(enc, el, "_bucket.json") || whole_is(enc, el, EKV_KEYMAP_FILE))
		why = "encoded path is a bucket control file";
	else if (first_segment_is(enc, el, "_orphans") || first_segment_is(enc, el, "_incomplete_uploads"))
		why = "encoded path is in a reserved dump subtree";
	/* D20: sha-fallback originals are any key our decoder could not place */
	else if (!sha && ol == 0) why = "empty original";
	else if (!sha && !path_segments_ok(orig, ol)) why = "original key is not a clean path";
	else if (!sha && (first_segment_is(orig, ol, "_orphans") || first_segment_is(orig, ol, "_incomplete_uploads")))
		why = "original key is in a reserved dump subtree";
	else if (leaf && !s3_has_suffix(enc, el, S3_LEAF_SUFFIX)) why = "s3-leaf-data record without the leaf-data suffix";
	else if (meta && !s3_has_suffix(orig, ol, S3_META_SUFFIX)) why = "meta-suffix-rename original without the sidecar suffix";
	if (why) {
		int rc = ekv_fail(err, EKV_EKEYMAP, "s3: invalid KEYMAP record \"%.*s\": %s", (int)(el > 200 ? 200 : el),
				  r->encoded, why);
		ekv_error_set_file(err, file, 0);
		return rc;
	}
	if (memchr(enc, 0, el)) return input_fail(err, file, "s3: KEYMAP encoded path with %s", "NUL");
	int fd = open_rel_file(bfd, r->encoded, file, err);
	if (fd < 0) {
		int rc = ekv_fail(err, EKV_EKEYMAP, "s3: orphan keymap record \"%.*s\" (target missing or not a regular file)",
				  (int)(el > 200 ? 200 : el), r->encoded);
		ekv_error_set_file(err, file, 0);
		return rc;
	}
	close(fd);
	(void)e;
	return 0;
}

/* s3.md §5.3: KEYMAP.jsonl is the tracker unless it has a regular sidecar. */
static int load_keymap(struct enc *e, int bfd, struct ekv_error *err)
{
	struct stat st;
	e->has_keymap = 0;
	if (fstatat(bfd, EKV_KEYMAP_FILE, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return 0;
	if (fstatat(bfd, EKV_KEYMAP_FILE S3_META_SUFFIX, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		return 0;
	char file[1024];
	snprintf(file, sizeof file, "%s/" EKV_KEYMAP_FILE, (const char *)e->dir_display.data);
	int rc = ekv_keymap_load(bfd, file, 1, &e->km, err);
	if (rc) return rc;
	e->has_keymap = 1;
	for (size_t i = 0; i < e->km.n && !rc; i++) rc = keymap_record_ok(e, bfd, &e->km.entries[i], file, err);
	return rc;
}

/* ---- objects ---- */

struct sidecar {
	struct ekv_buf etag, last_modified, content_type, content_encoding, cache_control,
		content_disposition;
	int64_t size_bytes;
	json_t *user_metadata;            /* borrowed from root; NULL = absent/null */
	json_t *root;
};

static void sidecar_release(struct sidecar *sc)
{
	ekv_buf_release(&sc->etag);
	ekv_buf_release(&sc->last_modified);
	ekv_buf_release(&sc->content_type);
	ekv_buf_release(&sc->content_encoding);
	ekv_buf_release(&sc->cache_control);
	ekv_buf_release(&sc->content_disposition);
	if (sc->root) json_decref(sc->root);
	memset(sc, 0, sizeof *sc);
}

static int read_sidecar(int dirfd, const char *name, const char *file, struct sidecar *sc,
			struct ekv_error *err)
{
	static const char *const known[] = { "format_version", "etag", "size_bytes", "last_modified",
					     "content_type", "content_encoding", "cache_control",
					     "content_disposition", "user_metadata", NULL };
	struct ekv_buf data = EKV_BUF_INIT;
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return input_fail(err, file, "s3: object body without its sidecar %s", "(.elastickv-meta.json)");
	int rc = ekv_read_input_file(dirfd, name, file, &data, err);
	if (!rc) {
		sc->root = ekv_json_parse(data.data, data.len, file, EKV_EINPUT, err);
		if (!sc->root) rc = EKV_EINPUT;
	}
	ekv_buf_release(&data);
	if (rc) return rc;
	json_t *r = sc->root;
	if (!json_is_object(r)) return input_fail(err, file, "s3: sidecar is not a JSON %s", "object");
	if ((rc = check_members(r, known, file, err))) return rc;
	if (!format_version_ok(r)) return input_fail(err, file, "s3: sidecar %s must be 1", "format_version");
	json_t *size = json_object_get(r, "size_bytes");
	sc->size_bytes = 0;
	if (size && !json_is_null(size) && (ekv_json_i64(size, &sc->size_bytes) || sc->size_bytes < 0))
		return input_fail(err, file, "s3: sidecar %s is not a non-negative integer", "size_bytes");
	if (opt_str(r, "etag", &sc->etag) || opt_str(r, "last_modified", &sc->last_modified) ||
	    opt_str(r, "content_type", &sc->content_type) ||
	    opt_str(r, "content_encoding", &sc->content_encoding) ||
	    opt_str(r, "cache_control", &sc->cache_control) ||
	    opt_str(r, "content_disposition", &sc->content_disposition))
		return input_fail(err, file, "s3: sidecar member with the wrong type%s", "");
	json_t *md = json_object_get(r, "user_metadata");
	if (md && !json_is_null(md)) {
		if (!json_is_object(md)) return input_fail(err, file, "s3: sidecar %s is not an object", "user_metadata");
		const char *k;
		json_t *v;
		json_object_foreach(md, k, v) if (!json_is_string(v))
			return input_fail(err, file, "s3: user_metadata value of \"%s\" is not a string", k);
		sc->user_metadata = md;
	}
	return 0;
}

struct md_pair {
	const char *k;
	size_t kl;
	json_t *v;
};

static int cmp_md_pair(const void *a, const void *b)
{
	const struct md_pair *x = a, *y = b;
	size_t n = x->kl < y->kl ? x->kl : y->kl;
	int c = memcmp(x->k, y->k, n);
	return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

static int write_user_metadata(struct ekv_jw *w, json_t *md)
{
	if (!md) {
		ekv_jw_null(w);
		return 0;
	}
	size_t n = json_object_size(md), i = 0;
	struct md_pair *p = calloc(n ? n : 1, sizeof *p);
	if (!p) return -1;
	const char *k;
	size_t kl;
	json_t *v;
	json_object_keylen_foreach(md, k, kl, v) {
		p[i].k = k;
		p[i].kl = kl;
		p[i++].v = v;
	}
	qsort(p, n, sizeof *p, cmp_md_pair);   /* Go marshals map keys sorted */
	ekv_jw_obj_begin(w);
	for (i = 0; i < n; i++) {
		ekv_jw_key_bytes(w, p[i].k, p[i].kl);
		ekv_jw_str(w, json_string_value(p[i].v), json_string_length(p[i].v));
	}
	ekv_jw_obj_end(w);
	free(p);
	return 0;
}

/* The manifest exactly as upstream's encoder marshals s3LiveManifest (§5.6). */
static int manifest_json(struct ekv_buf *out, const struct sidecar *sc, uint64_t n_chunks)
{
	struct ekv_jw w;
	ekv_jw_init(&w, out, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "upload_id");
	ekv_jw_cstr(&w, S3_RESTORE_UPLOAD);
	ekv_jw_key(&w, "etag");
	ekv_jw_str(&w, sc->etag.data, sc->etag.len);
	ekv_jw_key(&w, "size_bytes");
	ekv_jw_i64(&w, sc->size_bytes);
	ekv_jw_key(&w, "last_modified_hlc");
	ekv_jw_u64(&w, s3_parse_time_hlc((const char *)sc->last_modified.data, sc->last_modified.len));
	ekv_jw_key(&w, "content_type");
	ekv_jw_str(&w, sc->content_type.data, sc->content_type.len);
	ekv_jw_key(&w, "content_encoding");
	ekv_jw_str(&w, sc->content_encoding.data, sc->content_encoding.len);
	ekv_jw_key(&w, "cache_control");
	ekv_jw_str(&w, sc->cache_control.data, sc->cache_control.len);
	ekv_jw_key(&w, "content_disposition");
	ekv_jw_str(&w, sc->content_disposition.data, sc->content_disposition.len);
	ekv_jw_key(&w, "user_metadata");
	if (write_user_metadata(&w, sc->user_metadata)) return EKV_ENOMEM;
	ekv_jw_key(&w, "parts");
	if (n_chunks == 0) {
		ekv_jw_null(&w);
	} else {
		uint64_t size = (uint64_t)sc->size_bytes;
		ekv_jw_arr_begin(&w);
		ekv_jw_obj_begin(&w);
		ekv_jw_key(&w, "part_no");
		ekv_jw_u64(&w, 1);
		ekv_jw_key(&w, "etag");
		ekv_jw_str(&w, sc->etag.data, sc->etag.len);
		ekv_jw_key(&w, "size_bytes");
		ekv_jw_i64(&w, sc->size_bytes);
		ekv_jw_key(&w, "chunk_count");
		ekv_jw_u64(&w, n_chunks);
		ekv_jw_key(&w, "chunk_sizes");
		ekv_jw_arr_begin(&w);
		for (uint64_t i = 0; i < n_chunks; i++)
			ekv_jw_u64(&w, i + 1 < n_chunks ? S3_CHUNK_SIZE : size - (n_chunks - 1) * S3_CHUNK_SIZE);
		ekv_jw_arr_end(&w);
		ekv_jw_key(&w, "part_version");
		ekv_jw_u64(&w, 0);
		ekv_jw_key(&w, "chunk_ref_version");
		ekv_jw_u64(&w, 0);
		ekv_jw_key(&w, "offloaded");
		ekv_jw_bool(&w, 0);
		ekv_jw_obj_end(&w);
		ekv_jw_arr_end(&w);
	}
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

static int read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, p + *got, n - *got);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return -1;
		if (r == 0) break;
		*got += (size_t)r;
	}
	return 0;
}

/* Blob records of one body, 1 MiB each (s3.md §5.5 step 4). */
static int stream_body(struct enc *e, int fd, const uint8_t *key, size_t kl, uint64_t size,
		       uint64_t *n_chunks, const char *file, struct ekv_error *err)
{
	uint64_t total = 0, i = 0;
	for (;; i++) {
		size_t got;
		if (read_full(fd, e->buf, S3_CHUNK_SIZE, &got))
			return ekv_fail_errno(err, errno, "s3: cannot read %s", file);
		if (!got) break;
		total += got;
		ekv_buf_reset(&e->key);
		if (ekv_buf_append_str(&e->key, P_BLOB) || ekv_keyseg_append(&e->key, e->name.data, e->name.len) ||
		    ekv_buf_append_be64(&e->key, 1) || ekv_keyseg_append(&e->key, key, kl) ||
		    ekv_keyseg_append(&e->key, S3_RESTORE_UPLOAD, strlen(S3_RESTORE_UPLOAD)) ||
		    ekv_buf_append_be64(&e->key, 1) || ekv_buf_append_be64(&e->key, i))
			return oom(err);
		int rc = ekv_emit(e->ctx, e->key.data, e->key.len, e->buf, got, err);
		if (rc) return rc;
		if (got < S3_CHUNK_SIZE) { i++; break; }
	}
	if (total != size) return input_fail(err, file, "s3: object body changed while reading%s", "");
	*n_chunks = i;
	return 0;
}

static int encode_object(struct enc *e, int dirfd, const char *name, struct ekv_error *err)
{
	const char *rel = (const char *)e->rel.data;
	const struct ekv_keymap_entry *km = e->has_keymap ? ekv_keymap_find(&e->km, rel, e->rel.len) : NULL;
	const uint8_t *key = km ? km->original : e->rel.data;
	size_t kl = km ? km->original_len : e->rel.len;
	char file[4096], side_file[4200], side_name[512];
	snprintf(file, sizeof file, "%s/%s", (const char *)e->dir_display.data, rel);
	snprintf(side_file, sizeof side_file, "%s" S3_META_SUFFIX, file);
	if (strlen(name) + S3_SUFFIX_LEN >= sizeof side_name)
		return input_fail(err, file, "s3: name too long for a sidecar%s", "");
	snprintf(side_name, sizeof side_name, "%s" S3_META_SUFFIX, name);
	struct sidecar sc;
	memset(&sc, 0, sizeof sc);
	int rc = read_sidecar(dirfd, side_name, side_file, &sc, err);
	int fd = rc ? -1 : ekv_open_input_file(dirfd, name, file, err);
	if (!rc && fd < 0) rc = err->code;
	struct stat st;
	if (!rc && fstat(fd, &st) != 0) rc = ekv_fail_errno(err, errno, "s3: cannot stat %s", file);
	if (!rc && (uint64_t)st.st_size != (uint64_t)sc.size_bytes) {
		rc = ekv_fail(err, EKV_EINPUT, "s3: size_bytes %lld != body length %lld", (long long)sc.size_bytes,
			      (long long)st.st_size);
		ekv_error_set_file(err, side_file, 0);
	}
	uint64_t n_chunks = 0;
	if (!rc) rc = stream_body(e, fd, key, kl, (uint64_t)sc.size_bytes, &n_chunks, file, err);
	if (fd >= 0) close(fd);
	if (!rc) {
		ekv_buf_reset(&e->key);
		ekv_buf_reset(&e->val);
		if (ekv_buf_append_str(&e->key, P_OBJ_HEAD) || ekv_keyseg_append(&e->key, e->name.data, e->name.len) ||
		    ekv_buf_append_be64(&e->key, 1) || ekv_keyseg_append(&e->key, key, kl) ||
		    manifest_json(&e->val, &sc, n_chunks))
			rc = oom(err);
		else
			rc = emit(e, err);
	}
	sidecar_release(&sc);
	return rc;
}

/*
 * The object walk (s3.md §5.4), iterative so that a key nested thousands of
 * levels deep (a 4 KiB key "a/a/a/...") needs neither deep recursion nor
 * one open descriptor per level: the first WALK_FD_LEVELS levels keep
 * their directory open, deeper ones are reopened from the deepest open
 * ancestor when needed (no-follow at every component), at most one at a
 * time.
 */
#define WALK_FD_LEVELS 64

struct frame {
	struct ekv_dirlist l;
	size_t i;
	int fd;               /* -1: closed (deep level), reopen on demand */
	int owned;
	int reserved;         /* below top-level _orphans/ or _incomplete_uploads/ */
	char *name;           /* this directory's name in its parent */
	size_t rel_len;       /* e->rel length of this directory */
};

struct walker {
	struct frame *f;
	size_t n, cap;
	long deep_open;       /* index of the one reopened deep frame, -1 if none */
};

static void frame_close(struct frame *fr)
{
	if (fr->owned && fr->fd >= 0) close(fr->fd);
	fr->fd = -1;
}

static void display_of(struct enc *e, struct ekv_buf *out, const char *name)
{
	ekv_buf_reset(out);
	ekv_buf_printf(out, "%s/%.*s%s%s", (const char *)e->dir_display.data, (int)e->rel.len,
		       (const char *)e->rel.data, e->rel.len && name ? "/" : "", name ? name : "");
}

/* The directory fd of frame k, reopening it from an open ancestor if needed. */
static int frame_fd(struct enc *e, struct walker *w, size_t k, struct ekv_error *err)
{
	if (w->f[k].fd >= 0) return w->f[k].fd;
	if (w->deep_open >= 0) frame_close(&w->f[w->deep_open]);
	w->deep_open = -1;
	size_t j = k;
	while (w->f[j].fd < 0) j--;
	int fd = w->f[j].fd;
	for (size_t m = j + 1; m <= k; m++) {
		display_of(e, &e->disp, NULL);
		int nfd = ekv_open_input_dir(fd, w->f[m].name, (const char *)e->disp.data, 0, err);
		if (m > j + 1) close(fd);
		if (nfd < 0) return -1;
		fd = nfd;
	}
	w->f[k].fd = fd;
	w->f[k].owned = 1;
	w->deep_open = (long)k;
	return fd;
}

static int push_frame(struct enc *e, struct walker *w, int fd, int owned, const char *name, int reserved,
		      struct ekv_error *err)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct frame *nf = realloc(w->f, cap * sizeof *nf);
		if (!nf) {
			if (owned) close(fd);
			return oom(err);
		}
		w->f = nf;
		w->cap = cap;
	}
	struct frame *fr = &w->f[w->n];
	memset(fr, 0, sizeof *fr);
	fr->fd = fd;
	fr->owned = owned;
	fr->reserved = reserved;
	fr->rel_len = e->rel.len;
	fr->name = strdup(name ? name : "");
	display_of(e, &e->disp, NULL);
	int rc = fr->name ? ekv_list_dir(fd, (const char *)e->disp.data, &fr->l, err) : oom(err);
	if (rc) {
		free(fr->name);
		if (owned) close(fd);
		return rc;
	}
	w->n++;
	if (w->n > WALK_FD_LEVELS && owned) {
		/* deep level: keep the listing, give the descriptor back */
		if (w->deep_open >= 0) frame_close(&w->f[w->deep_open]);
		w->deep_open = (long)(w->n - 1);
	}
	return 0;
}

static void pop_frame(struct enc *e, struct walker *w)
{
	struct frame *fr = &w->f[--w->n];
	if (w->deep_open == (long)w->n) w->deep_open = -1;
	frame_close(fr);
	ekv_dirlist_free(&fr->l);
	free(fr->name);
	ekv_buf_truncate(&e->rel, fr->rel_len);
}

static int visit(struct enc *e, struct walker *w, struct ekv_error *err)
{
	size_t k = w->n - 1;
	struct frame *fr = &w->f[k];
	const char *name = fr->l.names[fr->i];
	unsigned char type = fr->l.types[fr->i];
	int top = k == 0, reserved = fr->reserved;
	size_t nl = strlen(name);
	fr->i++;
	ekv_buf_truncate(&e->rel, fr->rel_len);
	if ((e->rel.len && ekv_buf_append_byte(&e->rel, '/')) || ekv_buf_append(&e->rel, name, nl)) return oom(err);
	int fd = frame_fd(e, w, k, err);
	if (fd < 0) return err->code ? (int)err->code : EKV_EIO;
	if (type == DT_DIR) {
		display_of(e, &e->disp, NULL);
		int nfd = ekv_open_input_dir(fd, name, (const char *)e->disp.data, 0, err);
		if (nfd < 0) return err->code ? (int)err->code : EKV_EIO;
		int res = reserved || (top && (strcmp(name, "_orphans") == 0 || strcmp(name, "_incomplete_uploads") == 0));
		return push_frame(e, w, nfd, 1, name, res, err);
	}
	int is_sidecar = s3_has_suffix((const uint8_t *)name, nl, S3_META_SUFFIX);
	if (reserved) {
		if (!is_sidecar) return 0;   /* dump data: never an object */
		display_of(e, &e->disp, NULL);
		return input_fail(err, (const char *)e->disp.data,
				  "s3: object sidecar inside a reserved dump subtree%s (rename the colliding S3 key before backup)", "");
	}
	if (top && strcmp(name, "_bucket.json") == 0) return 0;
	if (top && e->has_keymap && strcmp(name, EKV_KEYMAP_FILE) == 0) return 0;
	if (is_sidecar) return 0;
	return encode_object(e, fd, name, err);
}

static int walk(struct enc *e, int bfd, struct ekv_error *err)
{
	struct walker w = { .deep_open = -1 };
	ekv_buf_reset(&e->rel);
	int rc = push_frame(e, &w, bfd, 0, NULL, 0, err);
	while (!rc && w.n) {
		if (w.f[w.n - 1].i == w.f[w.n - 1].l.n) pop_frame(e, &w);
		else rc = visit(e, &w, err);
	}
	while (w.n) pop_frame(e, &w);
	free(w.f);
	return rc;
}

static int encode_bucket(struct enc *e, const char *dirname, struct ekv_error *err)
{
	ekv_buf_reset(&e->dir_display);
	ekv_buf_reset(&e->rel);
	if (ekv_buf_printf(&e->dir_display, "s3/%s", dirname)) return oom(err);
	int bfd = ekv_open_input_dir(e->ctx->dir_fd, dirname, (const char *)e->dir_display.data, 0, err);
	if (bfd < 0) return err->code;
	int rc = read_bucket_json(e, bfd, dirname, err);
	if (!rc) rc = load_keymap(e, bfd, err);
	if (!rc) rc = walk(e, bfd, err);
	if (e->has_keymap) ekv_keymap_release(&e->km);
	e->has_keymap = 0;
	close(bfd);
	return rc;
}

int s3_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err)
{
	const struct ekv_manifest *m = ctx->manifest;
	if (m && m->include_incomplete_uploads)
		return ekv_fail(err, EKV_EINPUT,
				"s3: dumps made with --include-incomplete-uploads cannot be encoded");
	if (m && m->include_orphans)
		return ekv_fail(err, EKV_EINPUT, "s3: dumps made with --include-orphans cannot be encoded");
	struct enc e;
	memset(&e, 0, sizeof e);
	e.ctx = ctx;
	ekv_buf_init(&e.name);
	ekv_buf_init(&e.dir_display);
	ekv_buf_init(&e.key);
	ekv_buf_init(&e.val);
	ekv_buf_init(&e.rel);
	ekv_buf_init(&e.disp);
	e.buf = malloc(S3_CHUNK_SIZE);
	struct ekv_dirlist l;
	memset(&l, 0, sizeof l);
	int rc = e.buf ? ekv_list_dir(ctx->dir_fd, ctx->dir_path, &l, err) : oom(err);
	for (size_t i = 0; !rc && i < l.n; i++) {
		if (l.types[i] == DT_DIR) {
			rc = encode_bucket(&e, l.names[i], err);
		} else if (l.names[i][0] != '_') {
			char file[1024];
			snprintf(file, sizeof file, "s3/%s", l.names[i]);
			rc = input_fail(err, file, "s3: \"%s\" is not a bucket directory", l.names[i]);
		}
	}
	if (l.names) ekv_dirlist_free(&l);
	ekv_buf_release(&e.name);
	ekv_buf_release(&e.dir_display);
	ekv_buf_release(&e.key);
	ekv_buf_release(&e.val);
	ekv_buf_release(&e.rel);
	ekv_buf_release(&e.disp);
	free(e.buf);
	return rc;
}
