/* dynamodb records for the synthetic generator (filled by the dynamodb adapter work). */
#include "gen.h"

int gen_dynamodb(struct gen *g, uint64_t n)
{
	(void)g;
	(void)n;
	return 0;
}
