/* quality_px.c: field-quality measures read from the pixels: red cells in clumps, edge sharpness */

#include "vision/quality_px.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double
qpx_percentile(const float *v, const unsigned char *m, size_t n, double q,
    double top)
{
	size_t	 hist[256] = { 0 }, tot = 0, acc = 0, i;
	int	 b;

	for (i = 0; i < n; i++)
		if (m == NULL || m[i]) {
			b = (int)(v[i] / top * 255 + 0.5);
			hist[b < 0 ? 0 : b > 255 ? 255 : b]++;
			tot++;
		}
	if (tot == 0)
		return 0;
	for (b = 0; b < 256; b++) {
		acc += hist[b];
		if (acc >= q * tot)
			return b * top / 255;
	}
	return top;
}

double
qpx_cover(const struct qpx_plane *p, double cut)
{
	size_t	 n = (size_t)p->w * p->h, i, fld = 0, cell = 0;
	double	 bg;

	bg = qpx_percentile(p->g, p->m, n, 0.95, 1.0);
	if (bg <= 0.01)
		return NAN;
	for (i = 0; i < n; i++)
		if (p->m[i]) {
			fld++;
			cell += -log(fmax(p->g[i], 0.004) / bg) > cut;
		}
	return fld > 0 ? (double)cell / fld : NAN;
}

void
qpx_ring(unsigned char *ring, int w, int h, double cx, double cy, double rx,
    double ry)
{
	int	 x, y, x0, x1, y0, y1;
	double	 dx, dy, d;

	if (rx < 1 || ry < 1)
		return;
	x0 = (int)fmax(0, cx - 1.3 * rx);
	x1 = (int)fmin(w - 1, cx + 1.3 * rx);
	y0 = (int)fmax(0, cy - 1.3 * ry);
	y1 = (int)fmin(h - 1, cy + 1.3 * ry);
	for (y = y0; y <= y1; y++)
		for (x = x0; x <= x1; x++) {
			dx = (x + 0.5 - cx) / rx;
			dy = (y + 0.5 - cy) / ry;
			d = dx * dx + dy * dy;
			if (d >= 0.7 * 0.7 && d <= 1.3 * 1.3)
				ring[(size_t)y * w + x] = 1;
		}
}

/*
 * One row blurred by the binomial kernel [1 4 6 4 1] / 16 in x, the
 * picture's edge repeated past its ends (w >= 1).
 */
static void
blur_row(const float *restrict in, float *restrict out, int w)
{
	int	 x, i, c;
	float	 s;

	for (x = 0; x < w; x++) {
		if (x >= 2 && x < w - 2) {
			out[x] = (in[x - 2] + in[x + 2] + 4 * (in[x - 1] +
			    in[x + 1]) + 6 * in[x]) * (1 / 16.f);
			continue;
		}
		for (s = 0, i = -2; i <= 2; i++) {
			c = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
			s += (i == 0 ? 6 : i == -1 || i == 1 ? 4 : 1) * in[c];
		}
		out[x] = s * (1 / 16.f);
	}
}

/*
 * out = in blurred by the binomial kernel [1 4 6 4 1] / 16 (variance 1
 * px^2) in x and y, passes times, the picture's edge repeated past its
 * borders; tmp is work space of the same size.  Row by row, each row of
 * the y pass from five rows of the x pass's (no per-pixel bounds test):
 * the same sums as tap by tap, in another order (float rounding apart).
 */
static void
blur_binomial(const float *in, float *out, float *tmp, int w, int h,
    int passes)
{
	const float	*r[5];
	float		*o;
	int		 x, y, i, p, c;

	memcpy(out, in, (size_t)w * h * sizeof(*out));
	for (p = 0; p < passes; p++) {
		for (y = 0; y < h; y++)
			blur_row(out + (size_t)y * w, tmp + (size_t)y * w, w);
		for (y = 0; y < h; y++) {
			for (i = 0; i < 5; i++) {
				c = y + i - 2 < 0 ? 0 : y + i - 2 >= h ? h - 1 :
				    y + i - 2;
				r[i] = tmp + (size_t)c * w;
			}
			o = out + (size_t)y * w;
			for (x = 0; x < w; x++)
				o[x] = (r[0][x] + r[4][x] + 4 * (r[1][x] +
				    r[3][x]) + 6 * r[2][x]) * (1 / 16.f);
		}
	}
}

/* Sobel gradient magnitude of l at o (not on the border), per px. */
static float
sobel_at(const float *l, size_t o, size_t W)
{
	double	 gx, gy;

	gx = (l[o + 1 - W] + 2 * l[o + 1] + l[o + 1 + W]) -
	    (l[o - 1 - W] + 2 * l[o - 1] + l[o - 1 + W]);
	gy = (l[o - 1 + W] + 2 * l[o + W] + l[o + 1 + W]) -
	    (l[o - 1 - W] + 2 * l[o - W] + l[o + 1 - W]);
	return (float)(sqrt(gx * gx + gy * gy) / 8);
}

/* The gradients of l and of b at the judged pixels (mm); how many. */
static size_t
border_gradients(const struct qpx_plane *p, const unsigned char *ring,
    const float *b, float *g1, float *g2, unsigned char *mm, float *top)
{
	size_t	 W = (size_t)p->w, o, k = 0;
	int	 x, y;

	*top = 0;
	for (y = 1; y < p->h - 1; y++)
		for (x = 1; x < p->w - 1; x++) {
			o = (size_t)y * W + x;
			if (!p->m[o] || !p->m[o - 1 - W] || !p->m[o + 1 + W] ||
			    (ring != NULL && !ring[o]))
				continue;
			g1[o] = sobel_at(p->l, o, W);
			g2[o] = sobel_at(b, o, W);
			*top = fmaxf(*top, fmaxf(g1[o], g2[o]));
			mm[o] = 1;
			k++;
		}
	return k;
}

double
qpx_edge_sharpness(const struct qpx_plane *p, const unsigned char *ring)
{
	size_t		 n = (size_t)p->w * p->h, k;
	float		*b, *t, *g1, *g2, top = 0;
	unsigned char	*mm;
	double		 r = NAN, s1, s2;

	b = malloc(n * sizeof(*b));
	t = malloc(n * sizeof(*t));
	g1 = malloc(n * sizeof(*g1));
	g2 = malloc(n * sizeof(*g2));
	mm = calloc(n, 1);
	if (b != NULL && t != NULL && g1 != NULL && g2 != NULL && mm != NULL) {
		blur_binomial(p->l, b, t, p->w, p->h, QPX_REBLUR_PASSES);
		k = border_gradients(p, ring, b, g1, g2, mm, &top);
		if (k >= 50 && top > 0.002) {
			s1 = qpx_percentile(g1, mm, n, 0.97, top);
			s2 = qpx_percentile(g2, mm, n, 0.97, top);
			r = s2 > 0 ? s1 / s2 - 1 : NAN;
		}
	}
	free(b);
	free(t);
	free(g1);
	free(g2);
	free(mm);
	return r;
}
