/* DynamoDB internal key layouts (dynamodb.md §2.1-§2.6). */
#include <string.h>
#include "ddb_internal.h"
#include "../../lib/error.h"
#include "../../lib/util.h"

int ddb_key_bytes(struct ekv_buf *out, const struct ddb_av *av, const char **reason)
{
	switch (av->kind) {
	case DDB_S:
	case DDB_B:
		if (ekv_buf_append(out, av->scalar.p, av->scalar.n)) return *reason = "out of memory", -1;
		return 0;
	case DDB_N: return ddb_numkey(out, av->scalar.p, av->scalar.n, reason);
	default: *reason = "primary key attribute is not S, N, or B"; return -1;
	}
}

/* oseg(kb(av)) appended to out. */
static int put_key_segment(struct ekv_buf *out, const struct ddb_av *av, const char **reason)
{
	struct ekv_buf kb = EKV_BUF_INIT;
	int rc = ddb_key_bytes(&kb, av, reason);
	if (!rc && ekv_keyseg_append(out, kb.data, kb.len)) {
		*reason = "out of memory";
		rc = -1;
	}
	ekv_buf_release(&kb);
	return rc;
}

int ddb_item_key(struct ekv_buf *out, const struct ddb_bytes *table, const struct ddb_av *hash,
		 const struct ddb_av *range, const char **reason)
{
	if (ekv_buf_append_str(out, DDB_PREFIX_ITEM) || ekv_b64url_encode(out, table->p, table->n) ||
	    ekv_buf_printf(out, "|%d|", DDB_RESTORE_GENERATION))
		return *reason = "out of memory", -1;
	if (put_key_segment(out, hash, reason)) return -1;
	if (range && put_key_segment(out, range, reason)) return -1;
	return 0;
}

int ddb_parse_item_key(const uint8_t *key, size_t n, struct ddb_bytes *seg, uint64_t *gen,
		       struct ekv_error *err)
{
	const size_t plen = sizeof DDB_PREFIX_ITEM - 1;
	const uint8_t *rest = key + plen, *end = key + n;
	const uint8_t *bar = memchr(rest, '|', (size_t)(end - rest));
	if (!bar || bar == rest)
		return ekv_fail_key(err, EKV_EDATA, key, n, "dynamodb: item key without table segment");
	struct ekv_buf name = EKV_BUF_INIT;
	int bad = ekv_b64url_decode(&name, (const char *)rest, (size_t)(bar - rest));
	ekv_buf_release(&name);
	if (bad)
		return ekv_fail_key(err, EKV_EDATA, key, n,
				    "dynamodb: item key table segment is not base64url");
	const uint8_t *g = bar + 1;
	const uint8_t *bar2 = memchr(g, '|', (size_t)(end - g));
	if (!bar2 || bar2 == g)
		return ekv_fail_key(err, EKV_EDATA, key, n, "dynamodb: item key without generation");
	if (ekv_parse_u64_dec((const char *)g, (size_t)(bar2 - g), gen))
		return ekv_fail_key(err, EKV_EDATA, key, n,
				    "dynamodb: item key generation is not a decimal uint64");
	if (bar2 + 1 == end)
		return ekv_fail_key(err, EKV_EDATA, key, n, "dynamodb: item key missing primary-key payload");
	seg->p = rest;
	seg->n = (size_t)(bar - rest);
	return EKV_OK;
}
