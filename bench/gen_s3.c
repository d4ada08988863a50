/* s3 records for the synthetic generator (filled by the s3 adapter work). */
#include "gen.h"

int gen_s3(struct gen *g, uint64_t n)
{
	(void)g;
	(void)n;
	return 0;
}
