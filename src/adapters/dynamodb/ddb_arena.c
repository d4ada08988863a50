/* Bump allocator for one decoded record: everything a schema or item
 * parse allocates is released at once. */
#include <stdlib.h>
#include <string.h>
#include "ddb_internal.h"

struct ddb_arena_block {
	struct ddb_arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

#define DDB_ARENA_BLOCK (64u << 10)

void ddb_arena_init(struct ddb_arena *a)
{
	a->head = NULL;
	a->failed = 0;
}

void ddb_arena_release(struct ddb_arena *a)
{
	struct ddb_arena_block *b = a->head;
	while (b) {
		struct ddb_arena_block *next = b->next;
		free(b);
		b = next;
	}
	ddb_arena_init(a);
}

void *ddb_arena_alloc(struct ddb_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	n = (n + align - 1) / align * align;
	if (n == 0) n = align;
	struct ddb_arena_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > DDB_ARENA_BLOCK ? n : DDB_ARENA_BLOCK;
		b = malloc(sizeof *b + cap);
		if (!b) {
			a->failed = 1;
			return NULL;
		}
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (uint8_t *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

int ddb_arena_grow(struct ddb_arena *a, void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap) return 0;
	size_t ncap = *cap ? *cap * 2 : 4;
	void *p = ddb_arena_alloc(a, ncap * elem);
	if (!p) return -1;
	if (n) memcpy(p, *arr, n * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}
