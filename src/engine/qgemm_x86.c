/* qgemm_x86.c: the int8 convolution's AVX2 and AVX-512 VNNI paths */
/*
 * Compiled for any x86-64 (target attributes per function) and chosen at
 * run time by __builtin_cpu_supports(); elsewhere each path says it does
 * not run and the C path serves.
 */

#include "engine/qgemm_paths.h"

#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

int
qg_have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}

int
qg_have_vnni(void)
{
	return __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512vnni");
}

/*
 * AVX2: no exact 8-bit product sum (vpmaddubsw saturates), so bytes are
 * widened to 16 bits and vpmaddwd sums pairs: per 4 channels a register
 * of 8 pair sums, added pairwise at the end.
 */
__attribute__((target("avx2"))) void
qg_sum_avx2(const struct qconv *q, const int8_t *const *rows, size_t blk,
    int32_t *acc)
{
	const int8_t	*wb = q->wp + blk * q->kq * QG_NB * 4, *r, *wn;
	const __m128i	 flip = _mm_set1_epi8((char)0x80);
	__m256i		 a, s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0,
			 s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
	size_t		 kk, c4 = (size_t)q->s.c / 4, i, j, n = 0;
	int32_t		 t[8 * 8], x;

	/* named sums: an array indexed in the loop stays in memory */
#define AV_STEP(s, j) s = _mm256_add_epi32(s, _mm256_madd_epi16(a,	\
	_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wn +	\
	16 * (j))))))
	for (kk = 0; kk < (size_t)q->s.k * q->s.k; kk++)
		for (r = rows[kk], i = 0; i < c4; i++, n++) {
			memcpy(&x, r + 4 * i, 4);
			a = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(
			    _mm_xor_si128(_mm_cvtsi32_si128(x), flip)));
			wn = wb + n * QG_NB * 4;
			AV_STEP(s0, 0);
			AV_STEP(s1, 1);
			AV_STEP(s2, 2);
			AV_STEP(s3, 3);
			AV_STEP(s4, 4);
			AV_STEP(s5, 5);
			AV_STEP(s6, 6);
			AV_STEP(s7, 7);
		}
#undef AV_STEP
	_mm256_storeu_si256((__m256i *)(t + 0), s0);
	_mm256_storeu_si256((__m256i *)(t + 8), s1);
	_mm256_storeu_si256((__m256i *)(t + 16), s2);
	_mm256_storeu_si256((__m256i *)(t + 24), s3);
	_mm256_storeu_si256((__m256i *)(t + 32), s4);
	_mm256_storeu_si256((__m256i *)(t + 40), s5);
	_mm256_storeu_si256((__m256i *)(t + 48), s6);
	_mm256_storeu_si256((__m256i *)(t + 56), s7);
	for (j = 0; j < QG_NB; j++)
		acc[j] = t[2 * j] + t[2 * j + 1];
}

/*
 * VNNI: QG_MR (8) pixels x 32 channels in 16 registers, written out (an
 * array indexed by pixel stays in memory); per 4 input bytes of a pixel
 * (broadcast, sign bit flipped: unsigned) one vpdpbusd per 16 channels;
 * then the requantisation in the same float steps as qgemm_requant().
 */
#define VN_LOAD(p)	(memcpy(&x, rows[p][kk] + 4 * i, 4), \
	_mm512_xor_si512(_mm512_set1_epi32(x), flip))
#define VN_STEP(p, s0, s1) do {						\
	a = VN_LOAD(p);							\
	s0 = _mm512_dpbusd_epi32(s0, a, w0);				\
	s1 = _mm512_dpbusd_epi32(s1, a, w1);				\
} while (0)

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) static void
vnni_store(const struct qconv *q, int8_t *out, size_t m0, size_t np,
    size_t blk, const int32_t *s)
{
	const __m512	 lo = _mm512_set1_ps(-1024.0f),
			 hi = _mm512_set1_ps(1024.0f);
	size_t		 h, p, f, left;
	__m512i		 b, r;
	__m512		 v, mul;
	__mmask16	 keep;

	for (h = 0; h < 2; h++) {
		f = blk * QG_NB + 16 * h;
		left = f < (size_t)q->s.oc ? (size_t)q->s.oc - f : 0;
		if (left == 0)
			break;
		b = _mm512_loadu_si512(q->bias + f);
		mul = _mm512_loadu_ps(q->mul + f);
		keep = left >= 16 ? (__mmask16)0xffff :
		    (__mmask16)((1u << left) - 1);
		for (p = 0; p < np; p++) {
			v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(
			    _mm512_loadu_si512(s + 16 * (2 * p + h)), b)), mul);
			v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
			r = _mm512_add_epi32(_mm512_cvtps_epi32(v),
			    _mm512_set1_epi32(q->zo));
			r = _mm512_max_epi32(r, _mm512_set1_epi32(q->omin));
			r = _mm512_min_epi32(r, _mm512_set1_epi32(127));
			_mm_mask_storeu_epi8(out + (m0 + p) * q->s.out_stride +
			    f, keep, _mm512_cvtepi32_epi8(r));
		}
	}
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) void
qg_tile_vnni(const struct qconv *q, const int8_t *in, int8_t *out,
    size_t m0, size_t m1, size_t blk)
{
	const int8_t	*rows[QG_MR][QG_KMAX * QG_KMAX], *wb = q->wp + blk *
	    q->kq * QG_NB * 4;
	const __m512i	 flip = _mm512_set1_epi32((int)0x80808080);
	/*
	 * The sums leave the registers through an int32 array with unaligned
	 * stores: a 64-byte aligned __m512i array on the stack is not
	 * 64-byte aligned on AddressSanitizer's fake stack
	 * (detect_stack_use_after_return), and the aligned store faulted there.
	 */
	int32_t		 s[2 * QG_MR * 16];
	__m512i		 w0, w1, a,
			 a0 = _mm512_setzero_si512(), a1 = a0, b0 = a0, b1 = a0,
			 c0 = a0, c1 = a0, d0 = a0, d1 = a0, e0 = a0, e1 = a0,
			 f0 = a0, f1 = a0, g0 = a0, g1 = a0, h0 = a0, h1 = a0;
	size_t		 kk, c4 = (size_t)q->s.c / 4, i, n = 0, p, np = m1 - m0;
	int32_t		 x;

	for (p = 0; p < QG_MR; p++)
		qg_rows(q, in, m0 + (p < np ? p : 0), rows[p]);
	for (kk = 0; kk < (size_t)q->s.k * q->s.k; kk++)
		for (i = 0; i < c4; i++, n++) {
			w0 = _mm512_loadu_si512(wb + n * QG_NB * 4);
			w1 = _mm512_loadu_si512(wb + n * QG_NB * 4 + 64);
			VN_STEP(0, a0, a1);
			VN_STEP(1, b0, b1);
			VN_STEP(2, c0, c1);
			VN_STEP(3, d0, d1);
			VN_STEP(4, e0, e1);
			VN_STEP(5, f0, f1);
			VN_STEP(6, g0, g1);
			VN_STEP(7, h0, h1);
		}
	_mm512_storeu_si512(s + 0, a0);
	_mm512_storeu_si512(s + 16, a1);
	_mm512_storeu_si512(s + 32, b0);
	_mm512_storeu_si512(s + 48, b1);
	_mm512_storeu_si512(s + 64, c0);
	_mm512_storeu_si512(s + 80, c1);
	_mm512_storeu_si512(s + 96, d0);
	_mm512_storeu_si512(s + 112, d1);
	_mm512_storeu_si512(s + 128, e0);
	_mm512_storeu_si512(s + 144, e1);
	_mm512_storeu_si512(s + 160, f0);
	_mm512_storeu_si512(s + 176, f1);
	_mm512_storeu_si512(s + 192, g0);
	_mm512_storeu_si512(s + 208, g1);
	_mm512_storeu_si512(s + 224, h0);
	_mm512_storeu_si512(s + 240, h1);
	vnni_store(q, out, m0, np, blk, s);
}

#else /* not x86-64 */

int
qg_have_avx2(void)
{
	return 0;
}

int
qg_have_vnni(void)
{
	return 0;
}

void
qg_sum_avx2(const struct qconv *q, const int8_t *const *rows, size_t blk,
    int32_t *acc)
{
	qg_sum_c(q, rows, blk, acc);
}

void
qg_tile_vnni(const struct qconv *q, const int8_t *in, int8_t *out,
    size_t m0, size_t m1, size_t blk)
{
	(void)q;
	(void)in;
	(void)out;
	(void)m0;
	(void)m1;
	(void)blk;
}

#endif
