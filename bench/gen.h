/*
 * Deterministic synthetic snapshot generator (same seed, same bytes).
 * bench/gen.c owns the command line, the RNG and the .fsm writing; each
 * adapter adds bench/gen_<adapter>.c with one function that emits that
 * adapter's internal records (user key + value body, exactly as a live
 * elastickv store writes them) through gen_put.
 */
#ifndef EKV_GEN_H
#define EKV_GEN_H
#include <stddef.h>
#include <stdint.h>

struct gen;

/* Next pseudo-random 64-bit value (xoshiro256**, seeded by --seed). */
uint64_t gen_rand(struct gen *g);
/* Uniform in [0, n). */
uint64_t gen_below(struct gen *g, uint64_t n);
/* Fills p with n pseudo-random bytes. */
void gen_bytes(struct gen *g, void *p, size_t n);
/* Adds one live record (user key, value body). The generator frames it
 * with the snapshot's commit timestamp and sorts everything. Returns 0,
 * or non-zero on failure (duplicate keys are an error). */
int gen_put(struct gen *g, const void *key, size_t klen, const void *body, size_t blen);
/* Target size for object bodies etc. (--value-size, bytes). */
uint64_t gen_value_size(const struct gen *g);

/* Per-adapter generators: emit about n records' worth of data. */
int gen_redis(struct gen *g, uint64_t n);
int gen_dynamodb(struct gen *g, uint64_t n);
int gen_s3(struct gen *g, uint64_t n);
int gen_sqs(struct gen *g, uint64_t n);
#endif
