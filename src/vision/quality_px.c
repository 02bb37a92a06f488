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

/* Label the 4-connected component of cell pixels from seed; its area. */
static size_t
flood(const unsigned char *cell, unsigned char *seen, int w, int h,
    size_t seed, size_t *stack)
{
	size_t	 top = 0, area = 0, o;
	int	 x, y;

	stack[top++] = seed;
	seen[seed] = 1;
	while (top > 0) {
		o = stack[--top];
		area++;
		x = (int)(o % (size_t)w);
		y = (int)(o / (size_t)w);
#define PUSH(c, q) do { if ((c) && cell[q] && !seen[q]) { \
		seen[q] = 1; stack[top++] = (q); } } while (0)
		PUSH(x > 0, o - 1);
		PUSH(x < w - 1, o + 1);
		PUSH(y > 0, o - (size_t)w);
		PUSH(y < h - 1, o + (size_t)w);
#undef PUSH
	}
	return area;
}

/*
 * core = in eroded by one pixel (4-neighbourhood): cells that only touch
 * part, cells that overlap stay joined.
 */
static void
erode(const unsigned char *in, unsigned char *core, int w, int h)
{
	int	 x, y;
	size_t	 o;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			o = (size_t)y * w + x;
			core[o] = in[o] && x > 0 && y > 0 && x < w - 1 &&
			    y < h - 1 && in[o - 1] && in[o + 1] &&
			    in[o - (size_t)w] && in[o + (size_t)w];
		}
}

double
qpx_clump_share(const struct qpx_plane *p, double rbc_px, double cut,
    double clump_cells)
{
	size_t		 n = (size_t)p->w * p->h, i, a, all = 0, big = 0;
	unsigned char	*cell, *seen;
	size_t		*stack;
	double		 bg, lim = clump_cells * M_PI * rbc_px * rbc_px / 4;

	bg = qpx_percentile(p->g, p->m, n, 0.95, 1.0);
	cell = calloc(n, 1);
	seen = calloc(n, 1);
	stack = malloc(n * sizeof(*stack));
	if (cell == NULL || seen == NULL || stack == NULL || bg <= 0.01) {
		free(cell);
		free(seen);
		free(stack);
		return NAN;
	}
	for (i = 0; i < n; i++)
		seen[i] = p->m[i] && -log(fmax(p->g[i], 0.004) / bg) > cut;
	erode(seen, cell, p->w, p->h);
	memset(seen, 0, n);
	for (i = 0; i < n; i++) {
		if (!cell[i] || seen[i])
			continue;
		a = flood(cell, seen, p->w, p->h, i, stack);
		all += a;
		if (a > lim)
			big += a;
	}
	free(cell);
	free(seen);
	free(stack);
	return all > 0 ? (double)big / all : NAN;
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

double
qpx_edge_sharpness(const struct qpx_plane *p, const unsigned char *ring,
    double contrast)
{
	int		 w = p->w, h = p->h, x, y;
	size_t		 n = (size_t)w * h, o, W = (size_t)w, k = 0;
	float		*gm;
	unsigned char	*mm;
	double		 c, gx, gy, r;
	const float	*l = p->l;

	if ((gm = malloc(n * sizeof(*gm))) == NULL)
		return NAN;
	if ((mm = calloc(n, 1)) == NULL) {
		free(gm);
		return NAN;
	}
	for (y = 1; y < h - 1; y++)
		for (x = 1; x < w - 1; x++) {
			o = (size_t)y * W + x;
			if (!p->m[o] || !p->m[o - 1 - W] || !p->m[o + 1 + W] ||
			    (ring != NULL && !ring[o]))
				continue;
			gx = (l[o + 1 - W] + 2 * l[o + 1] + l[o + 1 + W]) -
			    (l[o - 1 - W] + 2 * l[o - 1] + l[o - 1 + W]);
			gy = (l[o - 1 + W] + 2 * l[o + W] + l[o + 1 + W]) -
			    (l[o - 1 - W] + 2 * l[o - W] + l[o + 1 - W]);
			gm[o] = (float)(sqrt(gx * gx + gy * gy) / 8);
			mm[o] = 1;
			k++;
		}
	c = contrast > 0 ? contrast : qpx_percentile(l, p->m, n, 0.95, 1.0) -
	    qpx_percentile(l, p->m, n, 0.05, 1.0);
	r = k < 50 || c < 0.02 ? NAN :
	    qpx_percentile(gm, mm, n, 0.90, 1.0) / c;
	free(gm);
	free(mm);
	return r;
}
