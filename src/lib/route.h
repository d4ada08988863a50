/* Longest-prefix routing over every adapter's routes and the core's
 * internal prefixes (container.md §3.1-§3.2). */
#ifndef EKV_ROUTE_H
#define EKV_ROUTE_H
#include "adapter.h"

struct ekv_route {
	const char *prefix;
	size_t len;
	int adapter;            /* adapter id, -1 for a core internal prefix */
	int tag;
	unsigned flags;
};

#define EKV_MAX_ROUTES 96
struct ekv_router {
	struct ekv_route routes[EKV_MAX_ROUTES];   /* length descending, stable */
	size_t n;
};

void ekv_router_init(struct ekv_router *r);
/* The longest route prefix of key, or NULL (unknown). */
const struct ekv_route *ekv_router_match(const struct ekv_router *r, const uint8_t *key, size_t n);
#endif
