/* libFuzzer target: segment decoding never crashes, and whatever decodes
 * re-encodes to a segment that decodes to the same bytes. */
#include <stdlib.h>
#include <string.h>
#include "lib/buf.h"
#include "lib/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ekv_buf raw = EKV_BUF_INIT, enc = EKV_BUF_INIT, back = EKV_BUF_INIT;
	if (ekv_segment_decode(&raw, (const char *)data, size) == EKV_OK) {
		int fb;
		if (ekv_segment_encode(&enc, raw.data, raw.len, &fb) == EKV_OK && !fb) {
			if (ekv_segment_decode(&back, (const char *)enc.data, enc.len) != EKV_OK ||
			    back.len != raw.len || memcmp(back.data, raw.data, raw.len) != 0)
				abort();
		}
	}
	ekv_buf_release(&raw);
	ekv_buf_release(&enc);
	ekv_buf_release(&back);
	return 0;
}
