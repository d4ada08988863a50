/* libFuzzer target: the snapshot reader must return a typed status for any
 * bytes, never crash or read out of bounds. */
#include <stdio.h>
#include <stdlib.h>
#include "lib/container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = tmpfile();
	if (!f) return 0;
	fwrite(data, 1, size, f);
	fflush(f);
	rewind(f);
	struct ekv_reader *r = NULL;
	struct ekv_error err = { 0 };
	struct ekv_mvcc *m = ekv_mvcc_new();
	if (ekv_reader_new(fileno(f), size, &r, &err) == EKV_OK) {
		struct ekv_entry e;
		while (ekv_reader_next(r, &e, &err) == 1)
			if (!e.operational) ekv_mvcc_is_older(m, e.raw_key, e.raw_key_len, e.user_key_len);
	}
	ekv_reader_free(r);
	ekv_mvcc_free(m);
	fclose(f);
	return 0;
}
