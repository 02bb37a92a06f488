/* tiles.c: cover an image with overlapping network-size tiles; merge their boxes */
/*
 * Every cell is counted exactly once by two rules.  Ownership: each tile
 * keeps only the boxes whose centre falls in its core, and the cores
 * partition the plane (a seam halfway through each overlap), so a cell
 * found by two tiles is kept by one.  Since the overlap is at least one
 * white-cell diameter, a cell whose centre is in a tile's core lies whole
 * inside that tile, and the neighbour's box of the same cell, cut by the
 * neighbour's edge, has its centre on the owner's side of the seam: it is
 * dropped.  The merge is the safety net for imperfect boxes: class-aware
 * suppression across tiles by IoU or containment.
 */

#include "vision/tiles.h"
#include "base/geom.h"
#include "vision/detector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tile origins along one side; n of them into pos (n is returned). */
static int
axis_layout(int side, int t, int overlap, int *pos, int max)
{
	int	 n, i;

	if (side <= t) {
		pos[0] = -((t - side) / 2);
		return 1;
	}
	n = (side - overlap + (t - overlap) - 1) / (t - overlap);
	if (n < 2)
		n = 2;
	if (n > max)
		return -1;
	for (i = 0; i < n; i++)
		pos[i] = (int)lround((double)i * (side - t) / (n - 1));
	return n;
}

int
tiles_layout(int w, int h, int tw, int th, int overlap, struct tile **out,
    size_t *nout)
{
	enum { MAXAXIS = 1024 };
	int		 xs[MAXAXIS], ys[MAXAXIS];
	struct tile	*v;
	int		 nx, ny, i, j;
	size_t		 k = 0;

	*out = NULL;
	*nout = 0;
	if (w < 1 || h < 1 || tw < 1 || th < 1 || overlap < 0 ||
	    overlap >= tw || overlap >= th)
		return -1;
	if ((nx = axis_layout(w, tw, overlap, xs, MAXAXIS)) < 0 ||
	    (ny = axis_layout(h, th, overlap, ys, MAXAXIS)) < 0)
		return -1;
	if ((v = calloc((size_t)nx * ny, sizeof(*v))) == NULL)
		return -1;
	for (j = 0; j < ny; j++)
		for (i = 0; i < nx; i++, k++) {
			v[k].x = xs[i];
			v[k].y = ys[j];
			v[k].w = tw;
			v[k].h = th;
			v[k].cx0 = i == 0 ? -HUGE_VAL :
			    (xs[i - 1] + tw + xs[i]) / 2.0;
			v[k].cx1 = i == nx - 1 ? HUGE_VAL :
			    (xs[i] + tw + xs[i + 1]) / 2.0;
			v[k].cy0 = j == 0 ? -HUGE_VAL :
			    (ys[j - 1] + th + ys[j]) / 2.0;
			v[k].cy1 = j == ny - 1 ? HUGE_VAL :
			    (ys[j] + th + ys[j + 1]) / 2.0;
		}
	*out = v;
	*nout = k;
	return 0;
}

int
tiles_owns(const struct tile *t, double cx, double cy)
{
	return cx >= t->cx0 && cx < t->cx1 && cy >= t->cy0 && cy < t->cy1;
}

size_t
tiles_keep(const struct tile *t, struct det_box *v, size_t n, int w, int h)
{
	size_t	 i, k = 0;
	struct det_box b;

	for (i = 0; i < n; i++) {
		b = v[i];
		b.x += t->x;
		b.y += t->y;
		if (!tiles_owns(t, b.x + b.w / 2, b.y + b.h / 2))
			continue;
		/* clamp to the image: the grey padding holds no cell */
		if (b.x < 0) {
			b.w += b.x;
			b.x = 0;
		}
		if (b.y < 0) {
			b.h += b.y;
			b.y = 0;
		}
		if (b.x + b.w > w)
			b.w = w - b.x;
		if (b.y + b.h > h)
			b.h = h - b.y;
		if (b.w < 1 || b.h < 1)
			continue;
		v[k++] = b;
	}
	return k;
}

/* qsort context: no qsort_r in C11, and one request runs at a time. */
static const struct det_box *sort_v;

static int
idx_cmp(const void *a, const void *b)
{
	float x = sort_v[*(const size_t *)a].conf;
	float y = sort_v[*(const size_t *)b].conf;

	return (x < y) - (x > y);
}

size_t
tiles_merge(struct det_box *v, const int *tile, size_t n, float iou,
    float inside)
{
	struct det_box	*w;
	unsigned char	*gone;
	size_t		*ix, i, j, k;
	const struct det_box *a, *b;
	double		 in, aa, ab;

	if (n < 2)
		return n;
	gone = calloc(n, 1);
	ix = malloc(n * sizeof(*ix));
	w = malloc(n * sizeof(*w));
	if (gone == NULL || ix == NULL || w == NULL) {
		free(gone);
		free(ix);
		free(w);
		return n;	/* nothing suppressed rather than nothing kept */
	}
	for (i = 0; i < n; i++)
		ix[i] = i;
	sort_v = v;
	qsort(ix, n, sizeof(*ix), idx_cmp);
	for (i = 0; i < n; i++) {
		if (gone[i])
			continue;
		a = &v[ix[i]];
		aa = (double)a->w * a->h;
		for (j = i + 1; j < n; j++) {
			b = &v[ix[j]];
			/* one tile's own boxes had their NMS in the detector */
			if (gone[j] || b->cls != a->cls ||
			    (tile != NULL && tile[ix[i]] == tile[ix[j]]))
				continue;
			in = geom_inter(geom_xywh(a->x, a->y, a->w, a->h),
			    geom_xywh(b->x, b->y, b->w, b->h));
			if (in <= 0)
				continue;
			ab = (double)b->w * b->h;
			if (in >= iou * (aa + ab - in) ||
			    in >= inside * fmin(aa, ab))
				gone[j] = 1;
		}
	}
	for (i = 0, k = 0; i < n; i++)
		if (!gone[i])
			w[k++] = v[ix[i]];
	memcpy(v, w, k * sizeof(*w));
	free(gone);
	free(ix);
	free(w);
	return k;
}
