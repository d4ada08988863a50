/* Route table built from the adapter registry (container.md §3.1). */
#include <string.h>
#include "route.h"

static void add(struct ekv_router *r, const struct ekv_route_def *d, int adapter)
{
	if (r->n >= EKV_MAX_ROUTES) return;
	struct ekv_route *x = &r->routes[r->n++];
	x->prefix = d->prefix;
	x->len = strlen(d->prefix);
	x->adapter = adapter;
	x->tag = d->tag;
	x->flags = d->flags | (adapter < 0 ? EKV_ROUTE_INTERNAL : 0);
}

void ekv_router_init(struct ekv_router *r)
{
	r->n = 0;
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++)
		for (size_t i = 0; i < ekv_adapters[a]->n_routes; i++) add(r, &ekv_adapters[a]->routes[i], a);
	for (size_t i = 0; i < ekv_core_routes_count; i++) add(r, &ekv_core_routes[i], -1);
	/* stable insertion sort by length, descending: longest prefix wins */
	for (size_t i = 1; i < r->n; i++) {
		struct ekv_route t = r->routes[i];
		size_t j = i;
		while (j > 0 && r->routes[j - 1].len < t.len) {
			r->routes[j] = r->routes[j - 1];
			j--;
		}
		r->routes[j] = t;
	}
}

const struct ekv_route *ekv_router_match(const struct ekv_router *r, const uint8_t *key, size_t n)
{
	/* every route starts with '!'; anything else is unknown at once */
	if (n == 0 || key[0] != '!') return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct ekv_route *x = &r->routes[i];
		if (n >= x->len && memcmp(key, x->prefix, x->len) == 0) return x;
	}
	return NULL;
}
