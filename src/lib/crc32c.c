/* CRC32C (Castagnoli) for the node snapshot wrapper (D3). Uses the SSE4.2
 * crc32 instruction, 8 bytes at a time, when the CPU has it; otherwise a
 * slicing-by-8 table. */
#include <string.h>
#include "util.h"
#if defined(__x86_64__) && defined(__SSE4_2__)
#include <cpuid.h>
#include <nmmintrin.h>
#define EKV_HAVE_SSE42 1
#endif

static uint32_t table[8][256];
static int table_ready;

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
	table_ready = 1;
}

static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t n)
{
	if (!table_ready) make_table();
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		crc = table[7][lo & 0xFF] ^ table[6][(lo >> 8) & 0xFF] ^ table[5][(lo >> 16) & 0xFF] ^
		      table[4][lo >> 24] ^ table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^ table[0][p[7]];
		p += 8;
		n -= 8;
	}
	while (n--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
	return crc;
}

#ifdef EKV_HAVE_SSE42
static int have_sse42(void)
{
	static int cached = -1;
	if (cached < 0) {
		unsigned a, b, c, d;
		cached = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
	}
	return cached;
}

static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = crc;
	while (n && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		n--;
	}
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		n -= 8;
	}
	while (n--) c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

uint32_t ekv_crc32c(uint32_t crc, const void *p, size_t n)
{
	crc = ~crc;
#ifdef EKV_HAVE_SSE42
	if (have_sse42()) return ~crc_hw(crc, p, n);
#endif
	return ~crc_sw(crc, p, n);
}
