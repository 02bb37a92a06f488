/* cellcrop.c: the white-cell classifier's crop: geometry and sampling */
#include <math.h>
#include <stddef.h>

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

/* Most table entries (n x k per axis) the fast path keeps on the stack. */
#define CELLCROP_TAB	2048

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

/*
 * The straightforward sampler: every output pixel averages k x k
 * bilinear taps over its footprint.  The fast path below computes the
 * same taps (same floats, same order of operations) from per-axis
 * tables; this one serves crops too large for them.
 */
static void
sample_plain(const unsigned char *rgb, int w, int h, const struct cellcrop *c,
    int n, int k, float *out)
{
	float step = c->side / n;
	size_t plane = (size_t)n * n;

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

void
cellcrop_sample(const unsigned char *rgb, int w, int h,
    const struct cellcrop *c, int n, float *out)
{
	float step = c->side / n;
	int k = (int)ceilf(step);
	size_t plane = (size_t)n * n;
	struct tap tx[CELLCROP_TAB], ty[CELLCROP_TAB];

	k = k < 1 ? 1 : k > 8 ? 8 : k;
	if ((size_t)n * k > CELLCROP_TAB) {
		sample_plain(rgb, w, h, c, n, k, out);
		return;
	}
	/* the taps of each output column and row: the per-pixel work's setup */
	for (int u = 0; u < n; u++) {
		float cx = c->sx0 + (u + 0.5f) * step;

		for (int i = 0; i < k; i++)
			tap_make(cx + ((i + 0.5f) / k - 0.5f) * step, w,
			    &tx[u * k + i]);
	}
	for (int v = 0; v < n; v++) {
		float cy = c->sy0 + (v + 0.5f) * step;

		for (int j = 0; j < k; j++)
			tap_make(cy + ((j + 0.5f) / k - 0.5f) * step, h,
			    &ty[v * k + j]);
	}
	for (int v = 0; v < n; v++) {
		float cy = c->sy0 + (v + 0.5f) * step;
		int yin = !(cy < c->y0 || cy >= c->y1);

		for (int u = 0; u < n; u++) {
			float cx = c->sx0 + (u + 0.5f) * step;
			float acc[3] = { 0, 0, 0 };
			size_t o = (size_t)v * n + u;

			if (!yin || cx < c->x0 || cx >= c->x1) {
				for (int ch = 0; ch < 3; ch++)
					out[ch * plane + o] = 0.5f;
				continue;
			}
			for (int j = 0; j < k; j++) {
				const struct tap *y = &ty[v * k + j];
				const unsigned char *r0 = rgb + (size_t)y->a * w * 3;
				const unsigned char *r1 = rgb + (size_t)y->b * w * 3;
				float ay = y->f;

				for (int i = 0; i < k; i++) {
					const struct tap *x = &tx[u * k + i];
					float ax = x->f;

					for (int ch = 0; ch < 3; ch++)
						acc[ch] += ((r0[x->a * 3 + ch] *
						    (1 - ax) + r0[x->b * 3 + ch] *
						    ax) * (1 - ay) +
						    (r1[x->a * 3 + ch] * (1 - ax) +
						    r1[x->b * 3 + ch] * ax) * ay) /
						    255.0f;
				}
			}
			for (int ch = 0; ch < 3; ch++)
				out[ch * plane + o] = acc[ch] / (k * k);
		}
	}
}
