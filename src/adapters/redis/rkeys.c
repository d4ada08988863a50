/* Redis key helpers: length-prefixed user keys (sorter group keys use lib/keyseg.h)
 * (redis.md §2.3). Protobuf values go through protobuf-c (redis_internal.proto). */
#include "redis_internal.h"

int redis_parse_lenkey(const uint8_t *p, size_t n, const uint8_t **uk, size_t *uklen,
		       const uint8_t **rest, size_t *restlen)
{
	if (n < 4) return -1;
	uint64_t len = ekv_be32(p);
	if ((uint64_t)n - 4 < len) return -1;
	*uk = p + 4;
	*uklen = (size_t)len;
	*rest = p + 4 + len;
	*restlen = n - 4 - (size_t)len;
	return 0;
}

