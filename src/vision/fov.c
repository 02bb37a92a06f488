/* fov.c: field-of-view detection: reduce, levels, surround, edge, rectangle */
/*
 * Pure pixel work on a decoded struct img.  The image is reduced to at
 * most FOV_WORK_SIDE pixels a side by averaging a sparse, centred grid of
 * samples in each block (so the cost barely grows with the photo), and
 * each reduced pixel keeps the brightest channel of its mean colour: a
 * field stop is near black in every channel, while stained cells, even
 * dark-purple nuclei, stay bright in at least one, and a blurred edge
 * stays linear in the covered fraction.  Levels: the dark level is the
 * median below 0.4 x the 95th percentile, the bright level the median
 * above, and the edge is taken at the level half-way between (the 50 %
 * point of a blurred step, where the plateaus are flat).  Only dark pixels
 * connected to the frame edge form the surround, so dark cells inside the
 * field never count; edge points are the sub-pixel crossings between a lit
 * field pixel and a surround neighbour, so points along the frame edge
 * itself never appear.  A circle is fitted by RANSAC over 3-point circles,
 * then refined by Gauss-Newton on geometric distance with trimming (a
 * nucleus or debris touching the stop makes a bump, not a bias).  It is
 * kept only if plausible: radius, share of edge points on it, their
 * angular spread.  Then the edge is found again along rays across the
 * circle, each at the half-way level of its own inner and outer plateaus
 * (vignetting dims the rim, which would pull a global level inwards by
 * part of the blur), the circle refitted, and checked lit inside and dark
 * outside.  Otherwise dark bands along the sides give a rectangle (edges
 * placed by summing the dark fraction of each row or column), and
 * otherwise the field is the whole frame.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vision/fov.h"
#include "vision/fovint.h"

/* 95th percentile below this (0..255): nothing in the frame is lit. */
#define FOV_MIN_LIT		40
/* The stop is darker than this share of the 95th percentile. */
#define FOV_DARK_REL		0.4
/* Dark surround connected to the frame edge: at least this share. */
#define FOV_MIN_SURROUND	0.01
/* Rectangle sanity: share of the frame, coverage inside. */
#define FOV_MIN_RECT		0.25
#define FOV_MIN_RECT_COVER	0.85

static void
fov_whole(struct fov *out, int w, int h)
{
	memset(out, 0, sizeof(*out));
	out->shape = FOV_RECT;
	out->w = w > 0 ? w : 0;
	out->h = h > 0 ? h : 0;
	out->area_px = out->w * out->h;
	out->img_w = w > 0 ? w : 0;
	out->img_h = h > 0 ? h : 0;
}

/* Split n pixels into m blocks; centre and size of block i. */
static void
fov_blocks(int n, int m, int step, int i, int *first, int *count,
    double *centre, double *size)
{
	int	 x0 = (int)((long long)i * n / m);
	int	 x1 = (int)((long long)(i + 1) * n / m);
	int	 len = x1 - x0, k;

	k = (len + step - 1) / step;
	*first = x0 + ((len - 1) - (k - 1) * step) / 2;
	*count = k;
	*centre = *first + (k - 1) * step / 2.0 + 0.5;
	*size = len;
}

static int
fov_reduce(const struct img *im, struct fov_work *wk)
{
	int		 side = im->w > im->h ? im->w : im->h;
	int		 k = (side + FOV_WORK_SIDE - 1) / FOV_WORK_SIDE;
	int		 step, i, j, s, t, c;
	int		*xs0 = NULL, *xn = NULL;
	uint32_t	*sum = NULL;
	int		 rc = -1;

	wk->w = im->w;
	wk->h = im->h;
	wk->rw = im->w / k > 0 ? im->w / k : 1;
	wk->rh = im->h / k > 0 ? im->h / k : 1;
	wk->blk = ((double)im->w / wk->rw + (double)im->h / wk->rh) / 2;
	step = (k + 2) / 4 > 0 ? (k + 2) / 4 : 1;

	wk->v = malloc((size_t)wk->rw * wk->rh * sizeof(*wk->v));
	wk->bx = malloc((size_t)wk->rw * sizeof(*wk->bx));
	wk->bw = malloc((size_t)wk->rw * sizeof(*wk->bw));
	wk->by = malloc((size_t)wk->rh * sizeof(*wk->by));
	wk->bh = malloc((size_t)wk->rh * sizeof(*wk->bh));
	xs0 = malloc((size_t)wk->rw * sizeof(*xs0));
	xn = malloc((size_t)wk->rw * sizeof(*xn));
	sum = malloc((size_t)wk->rw * 3 * sizeof(*sum));
	if (wk->v == NULL || wk->bx == NULL || wk->bw == NULL ||
	    wk->by == NULL || wk->bh == NULL || xs0 == NULL || xn == NULL ||
	    sum == NULL)
		goto out;

	for (i = 0; i < wk->rw; i++)
		fov_blocks(im->w, wk->rw, step, i, &xs0[i], &xn[i],
		    &wk->bx[i], &wk->bw[i]);
	for (j = 0; j < wk->rh; j++) {
		int	 y0, yn;

		fov_blocks(im->h, wk->rh, step, j, &y0, &yn, &wk->by[j],
		    &wk->bh[j]);
		memset(sum, 0, (size_t)wk->rw * 3 * sizeof(*sum));
		for (t = 0; t < yn; t++) {
			const unsigned char *row = im->rgb +
			    (size_t)(y0 + t * step) * im->w * 3;

			for (i = 0; i < wk->rw; i++) {
				const unsigned char *p;
				uint32_t r = 0, g = 0, b = 0;

				p = row + (size_t)xs0[i] * 3;
				if (step == 1 && xn[i] == 2) {
					/* a 2x2 block (photos of 385-768 px a
					 * side): the loop's sums, unrolled */
					sum[i * 3] += p[0] + p[3];
					sum[i * 3 + 1] += p[1] + p[4];
					sum[i * 3 + 2] += p[2] + p[5];
					continue;
				}
				for (s = 0; s < xn[i]; s++, p += step * 3) {
					r += p[0];
					g += p[1];
					b += p[2];
				}
				sum[i * 3] += r;
				sum[i * 3 + 1] += g;
				sum[i * 3 + 2] += b;
			}
		}
		for (i = 0; i < wk->rw; i++) {
			uint32_t m = sum[i * 3];

			for (c = 1; c < 3; c++)
				if (sum[i * 3 + c] > m)
					m = sum[i * 3 + c];
			wk->v[(size_t)j * wk->rw + i] =
			    (float)m / (float)(xn[i] * yn);
		}
	}
	rc = 0;
out:
	free(xs0);
	free(xn);
	free(sum);
	return rc;
}

/* Median of the histogram bins [lo, hi); -1 when they are empty. */
static double
fov_hist_median(const size_t hist[256], int lo, int hi)
{
	size_t	 n = 0, acc = 0;
	int	 i;

	for (i = lo; i < hi; i++)
		n += hist[i];
	if (n == 0)
		return -1;
	for (i = lo; i < hi; i++) {
		acc += hist[i];
		if (2 * acc >= n)
			return i + 0.5;
	}
	return hi - 0.5;
}

/*
 * Dark and bright levels and the edge level t; 0 when the frame has a
 * plausible dark surround level at all, -1 when not.  *lit gets the
 * share of lit pixels either way.
 */
static int
fov_levels(struct fov_work *wk, double *lit)
{
	size_t	 hist[256], n = (size_t)wk->rw * wk->rh, acc = 0;
	size_t	 nlit = 0, ndark = 0, i;
	int	 p95 = 255, b, cut;
	double	 litcut;

	memset(hist, 0, sizeof(hist));
	for (i = 0; i < n; i++) {
		int	 q = (int)wk->v[i];

		hist[q < 0 ? 0 : q > 255 ? 255 : q]++;
	}
	for (b = 0; b < 256; b++) {
		acc += hist[b];
		if (acc * 100 >= n * 95) {
			p95 = b;
			break;
		}
	}
	litcut = fmax(FOV_MIN_LIT, FOV_DARK_REL * p95);
	for (i = 0; i < n; i++)
		if (wk->v[i] >= litcut)
			nlit++;
	*lit = (double)nlit / n;
	if (p95 < FOV_MIN_LIT)
		return -1;
	cut = (int)ceil(FOV_DARK_REL * p95);
	for (b = 0; b < cut; b++)
		ndark += hist[b];
	if (ndark * 500 < n)
		return -1;
	wk->dark = fov_hist_median(hist, 0, cut);
	wk->bright = fov_hist_median(hist, cut, 256);
	if (wk->dark < 0 || wk->bright < 0 ||
	    wk->bright - wk->dark < FOV_MIN_CONTRAST)
		return -1;
	wk->t = (wk->dark + wk->bright) / 2;
	return 0;
}

/* Mark the dark pixels connected to the frame edge; their count. */
static size_t
fov_surround(struct fov_work *wk, int *queue)
{
	int	 rw = wk->rw, rh = wk->rh;
	size_t	 head = 0, tail = 0;
	int	 i, j, d;
	float	 t = (float)wk->t;

	for (j = 0; j < rh; j++)
		for (i = 0; i < rw; i++) {
			int	 p = j * rw + i;

			if ((i == 0 || j == 0 || i == rw - 1 || j == rh - 1) &&
			    wk->v[p] < t) {
				wk->sur[p] = 1;
				queue[tail++] = p;
			}
		}
	while (head < tail) {
		int	 p = queue[head++];
		int	 pi = p % rw, pj = p / rw;
		static const int di[4] = { 1, -1, 0, 0 };
		static const int dj[4] = { 0, 0, 1, -1 };

		for (d = 0; d < 4; d++) {
			int	 qi = pi + di[d], qj = pj + dj[d], q;

			if (qi < 0 || qj < 0 || qi >= rw || qj >= rh)
				continue;
			q = qj * rw + qi;
			if (!wk->sur[q] && wk->v[q] < t) {
				wk->sur[q] = 1;
				queue[tail++] = q;
			}
		}
	}
	return tail;
}

/*
 * Edge points: where a lit pixel outside the surround meets a surround
 * pixel, the crossing of level t by linear interpolation between the two
 * block centres.  Returns 0 or -1 (no memory).
 */
static int
fov_edge_points(struct fov_work *wk)
{
	static const int di[4] = { 1, -1, 0, 0 };
	static const int dj[4] = { 0, 0, 1, -1 };
	int	 rw = wk->rw, rh = wk->rh, pass, i, j, d;
	size_t	 n = 0;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			wk->px = malloc((n ? n : 1) * sizeof(*wk->px));
			wk->py = malloc((n ? n : 1) * sizeof(*wk->py));
			if (wk->px == NULL || wk->py == NULL)
				return -1;
			n = 0;
		}
		for (j = 0; j < rh; j++)
			for (i = 0; i < rw; i++) {
				int	 p = j * rw + i;
				double	 vp = wk->v[p];

				if (wk->sur[p] || vp <= wk->t)
					continue;
				for (d = 0; d < 4; d++) {
					int	 qi = i + di[d];
					int	 qj = j + dj[d], q;
					double	 al;

					if (qi < 0 || qj < 0 || qi >= rw ||
					    qj >= rh)
						continue;
					q = qj * rw + qi;
					if (!wk->sur[q])
						continue;
					if (pass == 0) {
						n++;
						continue;
					}
					al = (vp - wk->t) / (vp - wk->v[q]);
					wk->px[n] = wk->bx[i] +
					    al * (wk->bx[qi] - wk->bx[i]);
					wk->py[n] = wk->by[j] +
					    al * (wk->by[qj] - wk->by[j]);
					n++;
				}
			}
	}
	wk->npts = n;
	return 0;
}

/* Coverage of a block between the dark (0) and bright (1) levels. */
static double
fov_cover(const struct fov_work *wk, size_t p)
{
	double	 c = (wk->v[p] - wk->dark) / (wk->bright - wk->dark);

	return c < 0 ? 0 : c > 1 ? 1 : c;
}

/*
 * Dark bands along the frame: 0 and the rectangle in out when there is
 * at least one and what they leave is a plausible lit field.
 */
static int
fov_fit_rect(const struct fov_work *wk, struct fov *out)
{
	int	 rw = wk->rw, rh = wk->rh, i, j;
	int	 top = -1, bot = -1, left = -1, right = -1, rc = -1;
	double	*row = NULL, *col = NULL;
	double	 x0 = 0, x1 = wk->w, y0 = 0, y1 = wk->h, cov = 0;

	row = calloc((size_t)rh, sizeof(*row));
	col = calloc((size_t)rw, sizeof(*col));
	if (row == NULL || col == NULL)
		goto out;
	for (j = 0; j < rh; j++)
		for (i = 0; i < rw; i++) {
			double	 c = fov_cover(wk, (size_t)j * rw + i);

			row[j] += c / rw;
			col[i] += c / rh;
		}
	for (j = 0; j < rh; j++)
		if (row[j] >= 0.5) {
			if (top < 0)
				top = j;
			bot = j;
		}
	for (i = 0; i < rw; i++)
		if (col[i] >= 0.5) {
			if (left < 0)
				left = i;
			right = i;
		}
	if (top < 0 || left < 0 ||
	    (top == 0 && bot == rh - 1 && left == 0 && right == rw - 1))
		goto out;

	/* Again over the lit span only, then sum the dark share per line. */
	memset(row, 0, (size_t)rh * sizeof(*row));
	memset(col, 0, (size_t)rw * sizeof(*col));
	for (j = 0; j < rh; j++)
		for (i = 0; i < rw; i++) {
			double	 c = fov_cover(wk, (size_t)j * rw + i);

			if (i >= left && i <= right)
				row[j] += c / (right - left + 1);
			if (j >= top && j <= bot)
				col[i] += c / (bot - top + 1);
		}
	if (top > 0)
		for (j = 0; j <= top; j++)
			y0 += (1 - row[j]) * wk->bh[j];
	if (bot < rh - 1)
		for (j = bot; j < rh; j++)
			y1 -= (1 - row[j]) * wk->bh[j];
	if (left > 0)
		for (i = 0; i <= left; i++)
			x0 += (1 - col[i]) * wk->bw[i];
	if (right < rw - 1)
		for (i = right; i < rw; i++)
			x1 -= (1 - col[i]) * wk->bw[i];
	for (j = top; j <= bot; j++)
		cov += row[j] / (bot - top + 1);
	if (x1 <= x0 || y1 <= y0 ||
	    (x1 - x0) * (y1 - y0) < FOV_MIN_RECT * wk->w * wk->h ||
	    cov < FOV_MIN_RECT_COVER)
		goto out;
	out->shape = FOV_RECT;
	out->x = x0;
	out->y = y0;
	out->w = x1 - x0;
	out->h = y1 - y0;
	out->area_px = out->w * out->h;
	rc = 0;
out:
	free(row);
	free(col);
	return rc;
}

int
fov_detect(const struct img *im, struct fov *out)
{
	struct fov_work	 wk;
	struct fov_circle c = { 0, 0, 0 };
	int		*queue = NULL;
	size_t		 n;
	double		 lit = 1, rms = 0;
	int		 rc = -1;

	memset(&wk, 0, sizeof(wk));
	if (out == NULL)
		return -1;
	if (im == NULL || im->w <= 0 || im->h <= 0 || im->rgb == NULL) {
		fov_whole(out, im ? im->w : 0, im ? im->h : 0);
		return -1;
	}
	fov_whole(out, im->w, im->h);
	if (fov_reduce(im, &wk) != 0)
		goto out;
	n = (size_t)wk.rw * wk.rh;
	if (fov_levels(&wk, &lit) != 0) {
		rc = 0;
		goto out;
	}
	wk.sur = calloc(n, 1);
	queue = malloc(n * sizeof(*queue));
	if (wk.sur == NULL || queue == NULL)
		goto out;
	if ((double)fov_surround(&wk, queue) < FOV_MIN_SURROUND * n) {
		rc = 0;
		goto out;
	}
	if (fov_edge_points(&wk) != 0)
		goto out;
	if (fov_fit_circle(&wk, &c, &rms) == 0) {
		out->shape = FOV_CIRCLE;
		out->cx = c.a;
		out->cy = c.b;
		out->r = c.r;
		out->area_px = fov_circle_rect_area(c.a, c.b, c.r, im->w,
		    im->h);
		out->clipped = c.a - c.r < 0 || c.b - c.r < 0 ||
		    c.a + c.r > im->w || c.b + c.r > im->h;
		out->fit_rms = rms;
	} else
		(void)fov_fit_rect(&wk, out);
	rc = 0;
out:
	out->bright_frac = lit;
	free(queue);
	free(wk.v);
	free(wk.bx);
	free(wk.by);
	free(wk.bw);
	free(wk.bh);
	free(wk.sur);
	free(wk.px);
	free(wk.py);
	return rc;
}
