/* sqs records for the synthetic generator (filled by the sqs adapter work). */
#include "gen.h"

int gen_sqs(struct gen *g, uint64_t n)
{
	(void)g;
	(void)n;
	return 0;
}
