/*
 * External sort of (key, value) records with bounded memory.
 *
 * Records are kept in memory up to mem_limit bytes; past that, the batch
 * is sorted and spilled as a run to an unlinked file in tmpdir, and the
 * runs are merged at iteration time. Order: bytewise by key; equal keys
 * keep their insertion order (stable), so callers can detect duplicates
 * or apply "last wins" while iterating. Used by the .fsm writer, the
 * CHECKSUMS list, and by adapters that must hold records until data that
 * sorts later arrives (D14).
 */
#ifndef EKV_SORTER_H
#define EKV_SORTER_H
#include "buf.h"

struct ekv_sorter;

#define EKV_SORTER_DEFAULT_MEM (64u << 20)

int ekv_sorter_new(const char *tmpdir, size_t mem_limit, struct ekv_sorter **out,
		   struct ekv_error *err);
int ekv_sorter_add(struct ekv_sorter *s, const void *key, size_t klen, const void *val,
		   size_t vlen, struct ekv_error *err);
/* Ends the adding phase. Must be called once before ekv_sorter_next. */
int ekv_sorter_finish(struct ekv_sorter *s, struct ekv_error *err);
/* Next record in order: returns 1 and sets the pointers (valid until the
 * next call), 0 at the end, or a negative value with err filled. */
int ekv_sorter_next(struct ekv_sorter *s, const uint8_t **key, size_t *klen,
		    const uint8_t **val, size_t *vlen, struct ekv_error *err);
uint64_t ekv_sorter_count(const struct ekv_sorter *s);
/* Number of runs spilled to disk (for tests and benchmarks). */
unsigned ekv_sorter_spills(const struct ekv_sorter *s);
void ekv_sorter_free(struct ekv_sorter *s);
#endif
