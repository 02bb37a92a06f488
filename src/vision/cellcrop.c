/* cellcrop.c: the white-cell classifier's crop: geometry and sampling */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vision/cellcrop.h"

int
cellcrop_geom(float x0, float y0, float x1, float y1, float margin,
    int w, int h, struct cellcrop *out)
{
	float bw = x1 - x0, bh = y1 - y0, side;
	struct cellcrop c;

	if (!(bw > 0) || !(bh > 0) || !(margin >= 0) || w < 1 || h < 1)
		return -1;
	side = (bw > bh ? bw : bh) * (1 + 2 * margin);
	c.side = side;
	c.sx0 = (x0 + x1) / 2 - side / 2;
	c.sy0 = (y0 + y1) / 2 - side / 2;
	c.x0 = fmaxf(c.sx0, 0);
	c.y0 = fmaxf(c.sy0, 0);
	c.x1 = fminf(c.sx0 + side, (float)w);
	c.y1 = fminf(c.sy0 + side, (float)h);
	if (c.x1 <= c.x0 || c.y1 <= c.y0)
		return -1;
	*out = c;
	return 0;
}

/* Bilinear sample of channel ch at (x, y), pixel centres at +0.5. */
static float
bilinear(const unsigned char *rgb, int w, int h, float x, float y, int ch)
{
	float fx = x - 0.5f, fy = y - 0.5f, ax, ay;
	int xa, ya, xb, yb;

	fx = fx < 0 ? 0 : fx > w - 1 ? (float)(w - 1) : fx;
	fy = fy < 0 ? 0 : fy > h - 1 ? (float)(h - 1) : fy;
	xa = (int)fx;
	ya = (int)fy;
	xb = xa + 1 < w ? xa + 1 : xa;
	yb = ya + 1 < h ? ya + 1 : ya;
	ax = fx - xa;
	ay = fy - ya;
	return ((rgb[((size_t)ya * w + xa) * 3 + ch] * (1 - ax) +
	    rgb[((size_t)ya * w + xb) * 3 + ch] * ax) * (1 - ay) +
	    (rgb[((size_t)yb * w + xa) * 3 + ch] * (1 - ax) +
	    rgb[((size_t)yb * w + xb) * 3 + ch] * ax) * ay) / 255.0f;
}

/* Most table entries (n x k per axis) the fast path takes. */
#define CELLCROP_TAB	2048
/* Source rows the fast path keeps interpolated along x (direct-mapped). */
#define CELLCROP_ROWS	4

/* One axis of the bilinear taps: the clamp and split bilinear() does per call. */
struct tap {
	int	 a, b;		/* the two pixels */
	float	 f;		/* weight of b */
};

static void
tap_make(float x, int w, struct tap *t)
{
	float fx = x - 0.5f;

	fx = fx < 0 ? 0 : fx > w - 1 ? (float)(w - 1) : fx;
	t->a = (int)fx;
	t->b = t->a + 1 < w ? t->a + 1 : t->a;
	t->f = fx - t->a;
}

void
cellcrop_sample_ref(const unsigned char *rgb, int w, int h,
    const struct cellcrop *c, int n, float *out)
{
	float step = c->side / n;
	int k = (int)ceilf(step);
	size_t plane = (size_t)n * n;

	k = k < 1 ? 1 : k > 8 ? 8 : k;
	for (int v = 0; v < n; v++)
		for (int u = 0; u < n; u++) {
			float cx = c->sx0 + (u + 0.5f) * step;
			float cy = c->sy0 + (v + 0.5f) * step;
			float acc[3] = { 0, 0, 0 };
			size_t o = (size_t)v * n + u;

			if (cx < c->x0 || cx >= c->x1 || cy < c->y0 || cy >= c->y1) {
				for (int ch = 0; ch < 3; ch++)
					out[ch * plane + o] = 0.5f;
				continue;
			}
			for (int j = 0; j < k; j++)
				for (int i = 0; i < k; i++) {
					float x = cx + ((i + 0.5f) / k - 0.5f) * step;
					float y = cy + ((j + 0.5f) / k - 0.5f) * step;

					for (int ch = 0; ch < 3; ch++)
						acc[ch] += bilinear(rgb, w, h, x, y, ch);
				}
			for (int ch = 0; ch < 3; ch++)
				out[ch * plane + o] = acc[ch] / (k * k);
		}
}

/*
 * The fast path's working set: the taps of each output column (tx, n x k)
 * and row (ty), source rows already interpolated along x (row[s] holds
 * source row tag[s]: 3 channels x k taps x n columns, tap-major, so one
 * tap of every column is contiguous) and one output row's sums (acc, 3 x
 * n).
 */
struct sampler {
	int		 n, k;
	struct tap	*tx, *ty;
	float		*row[CELLCROP_ROWS], *acc;
	int		 tag[CELLCROP_ROWS];
};

/* Source row r interpolated along x at every column tap: the first half
 * of bilinear()'s arithmetic, the same floats. */
static const float *
sampler_row(struct sampler *s, const unsigned char *rgb, int w, int r)
{
	int	 slot = r % CELLCROP_ROWS, n = s->n, k = s->k;
	size_t	 nk = (size_t)n * k;
	const unsigned char *p = rgb + (size_t)r * w * 3;
	float	*d = s->row[slot];

	if (s->tag[slot] == r)
		return d;
	for (int ch = 0; ch < 3; ch++)
		for (int i = 0; i < k; i++)
			for (int u = 0; u < n; u++) {
				const struct tap *x = &s->tx[u * k + i];

				d[ch * nk + (size_t)i * n + u] = p[x->a * 3 + ch] *
				    (1 - x->f) + p[x->b * 3 + ch] * x->f;
			}
	s->tag[slot] = r;
	return d;
}

/*
 * acc[u] += (h0[u] * (1 - ay) + h1[u] * ay) / 255 for u < n: the second
 * half of bilinear()'s arithmetic, four columns at a time where the
 * compiler has vector types (each lane the same IEEE operations).
 */
static void
sampler_add(float *restrict acc, const float *restrict h0,
    const float *restrict h1, float ay, int n)
{
	int	 u = 0;
#if defined(__GNUC__)
	typedef float v4 __attribute__((vector_size(16)));
	v4	 w0 = { 1 - ay, 1 - ay, 1 - ay, 1 - ay }, w1 = { ay, ay, ay, ay };
	v4	 d = { 255.0f, 255.0f, 255.0f, 255.0f }, a, b, t;

	for (; u + 4 <= n; u += 4) {
		memcpy(&a, h0 + u, sizeof(a));
		memcpy(&b, h1 + u, sizeof(b));
		memcpy(&t, acc + u, sizeof(t));
		t += (a * w0 + b * w1) / d;
		memcpy(acc + u, &t, sizeof(t));
	}
#endif
	for (; u < n; u++)
		acc[u] += (h0[u] * (1 - ay) + h1[u] * ay) / 255.0f;
}

/* Output row v: every tap's sum in tap order (j, then i), then the mean;
 * 0.5 outside the clamped square. */
static void
sampler_out_row(struct sampler *s, const unsigned char *rgb, int w,
    const struct cellcrop *c, int v, float *out)
{
	int	 n = s->n, k = s->k;
	size_t	 nk = (size_t)n * k, plane = (size_t)n * n;
	float	 step = c->side / n, cy = c->sy0 + (v + 0.5f) * step;
	int	 yin = !(cy < c->y0 || cy >= c->y1);

	memset(s->acc, 0, 3 * (size_t)n * sizeof(float));
	for (int j = 0; yin && j < k; j++) {
		const struct tap *y = &s->ty[v * k + j];
		const float *h0 = sampler_row(s, rgb, w, y->a);
		const float *h1 = sampler_row(s, rgb, w, y->b);

		for (int i = 0; i < k; i++)
			for (int ch = 0; ch < 3; ch++)
				sampler_add(s->acc + (size_t)ch * n, h0 + ch * nk +
				    (size_t)i * n, h1 + ch * nk + (size_t)i * n,
				    y->f, n);
	}
	for (int u = 0; u < n; u++) {
		float cx = c->sx0 + (u + 0.5f) * step;
		size_t o = (size_t)v * n + u;
		int in = yin && !(cx < c->x0 || cx >= c->x1);

		for (int ch = 0; ch < 3; ch++)
			out[ch * plane + o] = in ? s->acc[(size_t)ch * n + u] /
			    (k * k) : 0.5f;
	}
}

/*
 * The same taps as cellcrop_sample_ref(), summed in the same order, from
 * per-axis tables, with each source row interpolated along x once for
 * all the output pixels that use it.
 */
void
cellcrop_sample(const unsigned char *rgb, int w, int h,
    const struct cellcrop *c, int n, float *out)
{
	float step = c->side / n;
	int k = (int)ceilf(step);
	size_t nk, need;
	struct sampler s;
	float *mem;

	k = k < 1 ? 1 : k > 8 ? 8 : k;
	nk = (size_t)n * k;
	need = 2 * nk * sizeof(struct tap) + (CELLCROP_ROWS * 3 * nk +
	    3 * (size_t)n) * sizeof(float);
	if (nk > CELLCROP_TAB || (mem = malloc(need)) == NULL) {
		cellcrop_sample_ref(rgb, w, h, c, n, out);
		return;
	}
	s = (struct sampler){ .n = n, .k = k, .tx = (struct tap *)mem,
	    .ty = (struct tap *)mem + nk };
	s.row[0] = (float *)(s.ty + nk);
	for (int r = 0; r < CELLCROP_ROWS; r++) {
		s.row[r] = s.row[0] + (size_t)r * 3 * nk;
		s.tag[r] = -1;
	}
	s.acc = s.row[0] + CELLCROP_ROWS * 3 * nk;
	for (int u = 0; u < n; u++) {
		float cx = c->sx0 + (u + 0.5f) * step;

		for (int i = 0; i < k; i++)
			tap_make(cx + ((i + 0.5f) / k - 0.5f) * step, w,
			    &s.tx[u * k + i]);
	}
	for (int v = 0; v < n; v++) {
		float cy = c->sy0 + (v + 0.5f) * step;

		for (int j = 0; j < k; j++)
			tap_make(cy + ((j + 0.5f) / k - 0.5f) * step, h,
			    &s.ty[v * k + j]);
	}
	for (int v = 0; v < n; v++)
		sampler_out_row(&s, rgb, w, c, v, out);
	free(mem);
}
