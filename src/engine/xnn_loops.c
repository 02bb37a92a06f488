/* xnn_loops.c: our loops: int8 tables, requantisation, shortcut, upsample */

#include "engine/xnn_internal.h"

#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#ifdef HAVE_XNNPACK

/*
 * d[i] = lut[s[i] + 128]: every int8 -> int8 step (requantisation with
 * or without leaky, max-pool and route moves, upsample) is a 256-entry
 * table.  With AVX-512 VBMI a table is four registers and 64 bytes take
 * two vpermi2b and a blend; elsewhere (and on arm64) the plain loop, and
 * a leaky convolution's pass stays the vectorised float one (requant_s8,
 * which built its table: the same bytes either way).
 */
static void
lut_plain(const int8_t *s, int8_t *d, size_t n, const int8_t *lut)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		d[i] = lut[s[i] + 128];
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)

static void __attribute__((target("avx512f,avx512bw,avx512vbmi")))
lut_vbmi(const int8_t *s, int8_t *d, size_t n, const int8_t *lut)
{
	const __m512i	 t0 = _mm512_loadu_si512(lut),
			 t1 = _mm512_loadu_si512(lut + 64),
			 t2 = _mm512_loadu_si512(lut + 128),
			 t3 = _mm512_loadu_si512(lut + 192),
			 flip = _mm512_set1_epi8((char)0x80);
	__m512i		 v, lo, hi;
	__mmask64	 m;
	size_t		 i;

	for (i = 0; i < n; i += 64) {
		m = n - i >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n - i)) - 1;
		/* index s + 128: the sign bit flipped */
		v = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, s + i), flip);
		lo = _mm512_permutex2var_epi8(t0, v, t1);
		hi = _mm512_permutex2var_epi8(t2, v, t3);
		_mm512_mask_storeu_epi8(d + i, m, _mm512_mask_blend_epi8(
		    _mm512_movepi8_mask(v), lo, hi));
	}
}

/* 1 when tables run vectorised (then they beat the float pass). */
int
xe_lut_fast(void)
{
	static int	 vbmi = -1;

	if (vbmi == -1)
		vbmi = __builtin_cpu_supports("avx512vbmi") &&
		    __builtin_cpu_supports("avx512bw");
	return vbmi;
}

static void
lut8(const int8_t *s, int8_t *d, size_t n, const int8_t *lut)
{
	if (xe_lut_fast())
		lut_vbmi(s, d, n, lut);
	else
		lut_plain(s, d, n, lut);
}
#else
#define lut8 lut_plain

int
xe_lut_fast(void)
{
	return 0;
}
#endif

/* One row of a nearest upsample. */
static void
up_row(void *ctx, size_t oy)
{
	const struct task	*t = ctx;
	const struct xlayer	*x = t->x;
	size_t			 ox, ch, iy = oy / (size_t)x->up, ix;

	for (ox = 0; ox < (size_t)x->ow; ox++) {
		ix = ox / (size_t)x->up;
		if (t->lut == NULL) {
			const float *s = (const float *)t->src +
			    (iy * x->w + ix) * t->ss;
			float *d = (float *)t->dst + (oy * x->ow + ox) * t->ds;

			for (ch = 0; ch < t->c; ch++)
				d[ch] = x->upscale * s[ch];
		} else
			lut8((const int8_t *)t->src + (iy * x->w + ix) * t->ss,
			    (int8_t *)t->dst + (oy * x->ow + ox) * t->ds, t->c,
			    t->lut);
	}
}

/* One row of pixels through a table (int8) or copied (fp32). */
static void
lut_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	size_t			 px, p0 = y * (size_t)t->w;

	if (t->lut != NULL && t->ss == t->c && t->ds == t->c) {
		lut8((const int8_t *)t->src + p0 * t->c, (int8_t *)t->dst +
		    p0 * t->c, t->c * t->w, t->lut);
		return;
	}
	for (px = p0; px < p0 + (size_t)t->w; px++) {
		if (t->lut == NULL)
			memcpy((float *)t->dst + px * t->ds,
			    (const float *)t->src + px * t->ss,
			    t->c * sizeof(float));
		else
			lut8((const int8_t *)t->src + px * t->ss,
			    (int8_t *)t->dst + px * t->ds, t->c, t->lut);
	}
}

/*
 * The requantisation loops only pay off vectorised: O3 for GCC, and fast
 * math for these two alone so that the clamps become min/max (values are
 * finite here: int8 in, or a convolution of finite inputs).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTORISE __attribute__((optimize("O3", "fast-math"), \
	target_clones("avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define VECTORISE __attribute__((optimize("O3", "fast-math")))
#else
#define VECTORISE
#endif

static void VECTORISE
requant_f32(const float *restrict s, int8_t *restrict d, size_t c,
    float mul, float add, float neg)
{
	size_t	 ch;
	float	 v;

	for (ch = 0; ch < c; ch++) {
		v = s[ch];
		v = v < 0 ? v * neg : v;
		v = v * mul + add;
		v = v < 0 ? 0 : v;
		v = v > 255.5f ? 255.5f : v;
		d[ch] = (int8_t)((int)v - 128);
	}
}

static void VECTORISE
requant_s8(const int8_t *restrict s, int8_t *restrict d, size_t c,
    float zi, float mul, float add, float neg)
{
	size_t	 ch;
	float	 v;

	for (ch = 0; ch < c; ch++) {
		v = (float)s[ch] - zi;
		v = v < 0 ? v * neg : v;
		v = v * mul + add;
		v = v < 0 ? 0 : v;
		v = v > 255.5f ? 255.5f : v;
		d[ch] = (int8_t)((int)v - 128);
	}
}

/* int8 shortcut: (a - za) * ma + (b - zb) * mb, activated, requantised. */
static void VECTORISE
shortcut_s8(const int8_t *restrict a, const int8_t *restrict b,
    int8_t *restrict d, size_t c, float za, float ma, float zb, float mb,
    float add, float neg)
{
	size_t	 ch;
	float	 v;

	for (ch = 0; ch < c; ch++) {
		v = ((float)a[ch] - za) * ma + ((float)b[ch] - zb) * mb;
		v = v < 0 ? v * neg : v;
		v = v + add;
		v = v < 0 ? 0 : v;
		v = v > 255.5f ? 255.5f : v;
		d[ch] = (int8_t)((int)v - 128);
	}
}

/*
 * One row of pixels, activated and requantised: v = src - zero point (int8)
 * or src (float); v *= neg where v < 0 (leaky .1, relu 0, linear 1); out
 * = floor(v * mul + add) - 128, clamped, with add = zo + 128.5 (so the
 * floor is a truncation of a non-negative number).
 */
static void
requant_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	size_t			 px, p0 = y * (size_t)t->w;

	if (t->ds == t->c) {		/* a dense destination: one call */
		if (t->srcf)
			requant_f32((const float *)t->src + p0 * t->c,
			    (int8_t *)t->dst + p0 * t->c, t->c * t->w, t->mul,
			    t->add, t->neg);
		else
			requant_s8((const int8_t *)t->src + p0 * t->c,
			    (int8_t *)t->dst + p0 * t->c, t->c * t->w,
			    (float)t->zi, t->mul, t->add, t->neg);
		return;
	}
	for (px = p0; px < p0 + (size_t)t->w; px++) {
		if (t->srcf)
			requant_f32((const float *)t->src + px * t->c,
			    (int8_t *)t->dst + px * t->ds, t->c, t->mul,
			    t->add, t->neg);
		else
			requant_s8((const int8_t *)t->src + px * t->c,
			    (int8_t *)t->dst + px * t->ds, t->c,
			    (float)t->zi, t->mul, t->add, t->neg);
	}
}

/* One row of a shortcut (fp32): alpha * prev + beta * from, activated. */
static void
shortcut_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	const struct xlayer	*x = t->x;
	const struct loc	*fl = &t->e->l[x->from].out;
	const float		*a, *b;
	float			*d, v;
	size_t			 px, ch, p0 = y * (size_t)x->ow;

	for (px = p0; px < p0 + (size_t)x->ow; px++) {
		a = (const float *)t->src + px * t->ss;
		b = (const float *)xe_loc_ptr(t->e, fl) + px * fl->stride;
		d = (float *)t->dst + px * t->ds;
		for (ch = 0; ch < t->c; ch++) {
			v = x->alpha * a[ch] + x->beta * b[ch];
			if (x->act == XA_LEAKY && v < 0)
				v = .1f * v;
			else if (x->act == XA_RELU && v < 0)
				v = 0;
			d[ch] = v;
		}
	}
}

/*
 * One row of an int8 shortcut: alpha * prev + beta * from in the output's
 * quantisation (v = prev's and from's real values scaled by 1 / out
 * scale, so the activation's sign is the real one's).
 */
static void
shortcut8_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	const struct xlayer	*x = t->x;
	const struct loc	*fl = &t->e->l[x->from].out;
	const struct xbuf	*ba = &t->e->b[t->e->l[x->src].out.buf],
				*bb = &t->e->b[fl->buf],
				*bo = &t->e->b[x->out.buf];
	const int8_t		*fp = xe_loc_ptr(t->e, fl);
	size_t			 px, p0 = y * (size_t)x->ow;
	float			 ma = x->alpha * ba->scale / bo->scale,
				 mb = x->beta * bb->scale / bo->scale;

	for (px = p0; px < p0 + (size_t)x->ow; px++)
		shortcut_s8((const int8_t *)t->src + px * t->ss,
		    fp + px * fl->stride, (int8_t *)t->dst + px * t->ds,
		    t->c, (float)ba->zp, ma, (float)bb->zp, mb,
		    (float)bo->zp + 128.5f, t->neg);
}

static void
run_rows(pthreadpool_task_1d_t fn, struct task *t, size_t rows)
{
	pthreadpool_parallelize_1d(xe_pool, fn, t, rows, 0);
}

void
xe_lut_move(const struct engine_xnn *e, const void *src, size_t ss,
    const struct loc *dst, size_t c, const int8_t *lut, int w, int h)
{
	struct task	 t;

	memset(&t, 0, sizeof(t));
	t.e = e;
	t.src = src;
	t.ss = ss;
	t.dst = xe_loc_ptr(e, dst);
	t.ds = dst->stride;
	t.c = c;
	t.lut = lut;
	t.w = w;
	run_rows(lut_row, &t, (size_t)h);
}

/*
 * Move a contiguous conv output (scratch: int8 at pre-activation (si, zi),
 * or float when si == 0) activated into its place.
 */
void
xe_requant_move(const struct engine_xnn *e, const struct xlayer *x,
    const void *src, float si, int zi)
{
	const struct xbuf *bo = &e->b[x->out.buf];
	struct task	 t;

	memset(&t, 0, sizeof(t));
	t.src = src;
	t.srcf = si == 0;
	t.zi = zi;
	t.dst = xe_loc_ptr(e, &x->out);
	t.ds = x->out.stride;
	t.c = (size_t)x->oc;
	t.w = x->ow;
	t.neg = x->act == XA_LEAKY ? .1f : x->act == XA_RELU ? 0 : 1;
	t.mul = (t.srcf ? 1 : si) / bo->scale;
	t.add = (float)bo->zp + 128.5f;
	run_rows(requant_row, &t, (size_t)x->oh);
}

/*
 * The table of a leaky int8 convolution's pass from scratch (its
 * pre-activation quantisation) to its place: requant_s8() itself on the
 * 256 values, so the result is the one the float pass would give.
 */
int
xe_conv_lut(const struct engine_xnn *e, struct xlayer *x)
{
	const struct xbuf *bo = &e->b[x->out.buf];
	int8_t		 in[256];
	int		 q;

	if ((x->lut = malloc(256)) == NULL)
		return -1;
	for (q = 0; q < 256; q++)
		in[q] = (int8_t)(q - 128);
	requant_s8(in, x->lut, 256, (float)x->pre_zp, x->pre_scale /
	    bo->scale, (float)bo->zp + 128.5f, x->act == XA_LEAKY ? .1f :
	    x->act == XA_RELU ? 0 : 1);
	return 0;
}

/* A row loop's task over x's input and output, all channels. */
static void
row_task(struct task *t, const struct engine_xnn *e, const struct xlayer *x)
{
	struct loc	 in = xe_in_loc(e, x);

	memset(t, 0, sizeof(*t));
	t->e = e;
	t->x = x;
	t->src = xe_loc_ptr(e, &in);
	t->ss = in.stride;
	t->dst = xe_loc_ptr(e, &x->out);
	t->ds = x->out.stride;
	t->c = (size_t)x->oc;
}

/* A nearest upsample (fp32: times its scale; int8: through its table). */
void
xe_upsample(const struct engine_xnn *e, const struct xlayer *x)
{
	struct task	 t;

	row_task(&t, e, x);
	t.lut = x->lut;
	run_rows(up_row, &t, (size_t)x->oh);
}

/* A shortcut, fp32 or int8. */
void
xe_shortcut(const struct engine_xnn *e, const struct xlayer *x)
{
	struct task	 t;

	row_task(&t, e, x);
	t.neg = x->act == XA_LEAKY ? .1f : x->act == XA_RELU ? 0 : 1;
	run_rows(e->int8 ? shortcut8_row : shortcut_row, &t, (size_t)x->oh);
}

#endif /* HAVE_XNNPACK */
