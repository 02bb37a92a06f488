/* fov.c: field-of-view detection (eyepiece field stop or rectangle) */
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

/* 95th percentile below this (0..255): nothing in the frame is lit. */
#define FOV_MIN_LIT		40
/* The stop is darker than this share of the 95th percentile. */
#define FOV_DARK_REL		0.4
/* Bright and dark levels this far apart at least, or there is no stop. */
#define FOV_MIN_CONTRAST	60
/* Dark surround connected to the frame edge: at least this share. */
#define FOV_MIN_SURROUND	0.01
#define FOV_RANSAC_ITER		300
#define FOV_SCORE_POINTS	512
#define FOV_MIN_POINTS		24
/* Circle sanity: radius against the short side and the diagonal. */
#define FOV_MIN_R_SHORT		0.15
#define FOV_MIN_INLIERS		0.6
#define FOV_ANGLE_BINS		36
#define FOV_MIN_ANGLE_BINS	9
#define FOV_MIN_LIT_INSIDE	0.85
#define FOV_MIN_DARK_OUTSIDE	0.85
/* Rectangle sanity: share of the frame, coverage inside. */
#define FOV_MIN_RECT		0.25
#define FOV_MIN_RECT_COVER	0.85

/* M_PI is POSIX, not C11. */
#define FOV_PI			3.14159265358979323846

/* Outline colour: white, as the web page draws it (the page gives platelets #009E73). */
static const unsigned char fov_rgb[3] = { 0xff, 0xff, 0xff };

struct fov_work {
	int		 w, h;		/* full image */
	int		 rw, rh;	/* reduced */
	double		 blk;		/* mean block side, px */
	float		*v;		/* top channel of block means */
	double		*bx, *by;	/* block centres, full pixels */
	double		*bw, *bh;	/* block sizes, full pixels */
	unsigned char	*sur;		/* 1: dark, joined to edge */
	double		*px, *py;	/* edge points, full pixels */
	size_t		 npts;
	double		 dark, bright, t;
};

struct fov_circle {
	double		 a, b, r;
};

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

/* Solve the 3x3 system m x = v (partial pivoting); -1 if singular. */
static int
fov_solve3(double m[3][3], double v[3], double x[3])
{
	int	 i, j, k, piv;

	for (k = 0; k < 3; k++) {
		piv = k;
		for (i = k + 1; i < 3; i++)
			if (fabs(m[i][k]) > fabs(m[piv][k]))
				piv = i;
		if (fabs(m[piv][k]) < 1e-12)
			return -1;
		if (piv != k) {
			for (j = 0; j < 3; j++) {
				double	 tmp = m[k][j];

				m[k][j] = m[piv][j];
				m[piv][j] = tmp;
			}
			{
				double	 tmp = v[k];

				v[k] = v[piv];
				v[piv] = tmp;
			}
		}
		for (i = k + 1; i < 3; i++) {
			double	 f = m[i][k] / m[k][k];

			for (j = k; j < 3; j++)
				m[i][j] -= f * m[k][j];
			v[i] -= f * v[k];
		}
	}
	for (k = 2; k >= 0; k--) {
		double	 s = v[k];

		for (j = k + 1; j < 3; j++)
			s -= m[k][j] * x[j];
		x[k] = s / m[k][k];
	}
	return 0;
}

/* Circle through three points; -1 if they are (nearly) collinear. */
static int
fov_circle3(double x1, double y1, double x2, double y2, double x3,
    double y3, struct fov_circle *c)
{
	double	 bx = x2 - x1, by = y2 - y1, cx = x3 - x1, cy = y3 - y1;
	double	 d = 2 * (bx * cy - by * cx), b2, c2;

	if (fabs(d) < 1e-9)
		return -1;
	b2 = bx * bx + by * by;
	c2 = cx * cx + cy * cy;
	c->a = x1 + (cy * b2 - by * c2) / d;
	c->b = y1 + (bx * c2 - cx * b2) / d;
	c->r = hypot(c->a - x1, c->b - y1);
	return 0;
}

/*
 * Gauss-Newton on the geometric distance over points with |d - r| < tol
 * around the current c; the rms residual of those points, or -1 when too
 * few are left or the system is singular.
 */
static double
fov_refine(const struct fov_work *wk, struct fov_circle *c, double tol,
    size_t *ninl)
{
	double	 rms = -1;
	int	 it;

	for (it = 0; it < 6; it++) {
		double	 m[3][3], g[3], dx[3], ss = 0;
		size_t	 i, n = 0;

		memset(m, 0, sizeof(m));
		memset(g, 0, sizeof(g));
		for (i = 0; i < wk->npts; i++) {
			double	 ex = wk->px[i] - c->a;
			double	 ey = wk->py[i] - c->b;
			double	 d = hypot(ex, ey), res = d - c->r;
			double	 jac[3];
			int	 u, k;

			if (fabs(res) >= tol || d < 1e-9)
				continue;
			jac[0] = -ex / d;
			jac[1] = -ey / d;
			jac[2] = -1;
			for (u = 0; u < 3; u++) {
				for (k = 0; k < 3; k++)
					m[u][k] += jac[u] * jac[k];
				g[u] -= jac[u] * res;
			}
			ss += res * res;
			n++;
		}
		if (n < FOV_MIN_POINTS || fov_solve3(m, g, dx) != 0)
			return -1;
		*ninl = n;
		rms = sqrt(ss / n);
		c->a += dx[0];
		c->b += dx[1];
		c->r += dx[2];
		if (fabs(dx[0]) + fabs(dx[1]) + fabs(dx[2]) < 1e-4)
			break;
	}
	return rms;
}

/*
 * Trimmed refinement from c: the inlier band shrinks to the fit's own
 * noise.  The rms and *tol the final band, or -1.
 */
static double
fov_trim(const struct fov_work *wk, struct fov_circle *c, double *tol)
{
	double	 tol0 = wk->blk, rms = -1;
	size_t	 ninl;
	int	 it;

	*tol = 2 * tol0;
	for (it = 0; it < 4; it++) {
		rms = fov_refine(wk, c, *tol, &ninl);
		if (rms < 0)
			return -1;
		*tol = fmax(0.5 * tol0, fmin(tol0, 3 * rms));
	}
	return rms;
}

/* Index i with c[i] <= x < c[i + 1] among n >= 2 increasing centres. */
static int
fov_cell(const double *c, int n, double x, double guess)
{
	int	 i = guess < 0 ? 0 : guess > n - 2 ? n - 2 : (int)guess;

	while (i < n - 2 && c[i + 1] <= x)
		i++;
	while (i > 0 && c[i] > x)
		i--;
	return i;
}

/* Reduced image at full-pixel (x, y), bilinear between block centres. */
static double
fov_sample(const struct fov_work *wk, double x, double y)
{
	int	 rw = wk->rw, rh = wk->rh, i, j;
	double	 ax, ay;
	const float *p;

	if (!(x >= wk->bx[0] && x <= wk->bx[rw - 1] && y >= wk->by[0] &&
	    y <= wk->by[rh - 1]))
		return -1;
	i = fov_cell(wk->bx, rw, x, x * rw / wk->w - 0.5);
	j = fov_cell(wk->by, rh, y, y * rh / wk->h - 0.5);
	ax = (x - wk->bx[i]) / (wk->bx[i + 1] - wk->bx[i]);
	ay = (y - wk->by[j]) / (wk->by[j + 1] - wk->by[j]);
	p = wk->v + (size_t)j * rw + i;
	return (1 - ay) * ((1 - ax) * p[0] + ax * p[1]) +
	    ay * ((1 - ax) * p[rw] + ax * p[rw + 1]);
}

/*
 * Replace the edge points by one per ray across the fitted circle c: the
 * crossing, scanning inwards, of the level half-way between the ray's own
 * inner and outer plateaus.  A global level would sit off the 50 % point
 * wherever vignetting dims the rim, by a share of the edge's blur; this
 * does not.  Rays leaving the grid or without contrast give nothing.
 * Returns 0, or -1 (too few rays, no memory) leaving the points as they
 * were.
 */
static int
fov_profile_points(struct fov_work *wk, const struct fov_circle *c)
{
	double	 delta = fmax(4 * wk->blk, 0.1 * c->r);
	double	 step = 0.5 * wk->blk;
	int	 ns = (int)(2 * delta / step) + 1;
	int	 q = ns / 4 > 0 ? ns / 4 : 1;
	int	 nray = (int)(2 * FOV_PI * c->r / wk->blk), k, s;
	double	*prof = NULL, *px = NULL, *py = NULL;
	size_t	 n = 0;

	if (wk->rw < 4 || wk->rh < 4)
		return -1;
	nray = nray < 64 ? 64 : nray > 4096 ? 4096 : nray;
	prof = malloc((size_t)ns * sizeof(*prof));
	px = malloc((size_t)nray * sizeof(*px));
	py = malloc((size_t)nray * sizeof(*py));
	if (prof == NULL || px == NULL || py == NULL)
		goto fail;
	for (k = 0; k < nray; k++) {
		double	 th = 2 * FOV_PI * k / nray;
		double	 co = cos(th), si = sin(th), lb = 0, ld = 0, lev;

		for (s = 0; s < ns; s++) {
			double	 rho = c->r - delta + s * step;

			prof[s] = fov_sample(wk, c->a + rho * co,
			    c->b + rho * si);
			if (prof[s] < 0)
				break;
		}
		if (s < ns)
			continue;
		for (s = 0; s < q; s++) {
			lb += prof[s] / q;
			ld += prof[ns - 1 - s] / q;
		}
		if (lb - ld < FOV_MIN_CONTRAST / 2)
			continue;
		lev = (lb + ld) / 2;
		for (s = ns - 1; s > 0; s--)
			if (prof[s - 1] >= lev && prof[s] < lev) {
				double	 al = (prof[s - 1] - lev) /
				    (prof[s - 1] - prof[s]);
				double	 rho = c->r - delta +
				    step * (s - 1 + al);

				px[n] = c->a + rho * co;
				py[n] = c->b + rho * si;
				n++;
				break;
			}
	}
	if (n < FOV_MIN_POINTS || 8 * n < (size_t)nray)
		goto fail;
	free(prof);
	free(wk->px);
	free(wk->py);
	wk->px = px;
	wk->py = py;
	wk->npts = n;
	return 0;
fail:
	free(prof);
	free(px);
	free(py);
	return -1;
}

static uint32_t
fov_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Fit the field stop; 0 and *c when a plausible circle was found. */
static int
fov_fit_circle(struct fov_work *wk, struct fov_circle *c,
    double *rmsp)
{
	double	 short_side = wk->w < wk->h ? wk->w : wk->h;
	double	 rmin = FOV_MIN_R_SHORT * short_side;
	double	 rmax = hypot(wk->w, wk->h);
	double	 tol0 = wk->blk, tol, rms = 0, rms2;
	size_t	 n = wk->npts, stride, best = 0, ninl = 0, i;
	size_t	 nin = 0, lit = 0, nout = 0, dark = 0;
	struct fov_circle cand, c2;
	uint32_t seed = 0x9e3779b9u;
	int	 it, bins[FOV_ANGLE_BINS], nbins = 0, j;

	if (n < FOV_MIN_POINTS)
		return -1;
	stride = n > FOV_SCORE_POINTS ? n / FOV_SCORE_POINTS : 1;
	for (it = 0; it < FOV_RANSAC_ITER; it++) {
		size_t	 i1 = fov_rand(&seed) % n;
		size_t	 i2 = fov_rand(&seed) % n;
		size_t	 i3 = fov_rand(&seed) % n, score = 0;

		if (i1 == i2 || i2 == i3 || i1 == i3)
			continue;
		if (fov_circle3(wk->px[i1], wk->py[i1], wk->px[i2],
		    wk->py[i2], wk->px[i3], wk->py[i3], &cand) != 0)
			continue;
		if (cand.r < rmin || cand.r > rmax)
			continue;
		for (i = 0; i < n; i += stride)
			if (fabs(hypot(wk->px[i] - cand.a, wk->py[i] - cand.b) -
			    cand.r) < tol0)
				score++;
		if (score > best) {
			best = score;
			*c = cand;
		}
	}
	if (best == 0)
		return -1;

	if ((rms = fov_trim(wk, c, &tol)) < 0 ||
	    !(c->r >= rmin && c->r <= rmax))
		return -1;

	/* Share of edge points on the circle and their angular spread. */
	memset(bins, 0, sizeof(bins));
	ninl = 0;
	for (i = 0; i < n; i++) {
		double	 ex = wk->px[i] - c->a, ey = wk->py[i] - c->b;

		if (fabs(hypot(ex, ey) - c->r) >= tol)
			continue;
		ninl++;
		j = (int)((atan2(ey, ex) + FOV_PI) / (2 * FOV_PI) *
		    FOV_ANGLE_BINS);
		j = j < 0 ? 0 : j >= FOV_ANGLE_BINS ? FOV_ANGLE_BINS - 1 : j;
		bins[j]++;
	}
	for (j = 0; j < FOV_ANGLE_BINS; j++)
		if (bins[j] >= 2)
			nbins++;
	if ((double)ninl < FOV_MIN_INLIERS * n || nbins < FOV_MIN_ANGLE_BINS)
		return -1;

	/* Re-place the edge on local levels; keep it if it agrees. */
	c2 = *c;
	if (fov_profile_points(wk, &c2) == 0 &&
	    (rms2 = fov_trim(wk, &c2, &tol)) >= 0 &&
	    hypot(c2.a - c->a, c2.b - c->b) < 0.05 * c->r &&
	    fabs(c2.r - c->r) < 0.05 * c->r) {
		*c = c2;
		rms = rms2;
	}

	/* Lit inside, dark outside. */
	for (j = 0; j < wk->rh; j++)
		for (it = 0; it < wk->rw; it++) {
			double	 d = hypot(wk->bx[it] - c->a,
			    wk->by[j] - c->b);
			double	 v = wk->v[(size_t)j * wk->rw + it];

			if (d < 0.95 * c->r) {
				nin++;
				lit += v >= wk->t;
			} else if (d > 1.05 * c->r) {
				nout++;
				dark += v < wk->t;
			}
		}
	if (nin * 100 < (size_t)wk->rw * wk->rh ||
	    lit < FOV_MIN_LIT_INSIDE * nin ||
	    (nout > 0 && dark < FOV_MIN_DARK_OUTSIDE * nout))
		return -1;
	*rmsp = rms;
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

int
fov_contains(const struct fov *f, double x, double y)
{
	if (f == NULL || !isfinite(x) || !isfinite(y))
		return 0;
	if (f->shape == FOV_CIRCLE) {
		if (f->img_w > 0 && (x < 0 || x > f->img_w))
			return 0;
		if (f->img_h > 0 && (y < 0 || y > f->img_h))
			return 0;
		return (x - f->cx) * (x - f->cx) + (y - f->cy) * (y - f->cy) <=
		    f->r * f->r;
	}
	return x >= f->x && x <= f->x + f->w && y >= f->y &&
	    y <= f->y + f->h;
}

/* Integral of sqrt(r^2 - u^2) from 0 to u, u clamped to [-r, r]. */
static double
fov_chord_integral(double u, double r)
{
	if (u > r)
		u = r;
	if (u < -r)
		u = -r;
	return 0.5 * (u * sqrt(fmax(0, r * r - u * u)) + r * r * asin(u / r));
}

/*
 * Integrate the clipped chord length over x (u = x - cx).  Between the
 * points where the chord's ends cross y = 0 or y = h, each end is either
 * a constant or cy +- sqrt(r^2 - u^2), both integrable in closed form.
 */
double
fov_circle_rect_area(double cx, double cy, double r, double w, double h)
{
	double	 br[6], lo, hi, area = 0, d[2];
	int	 nb = 0, i, j;

	if (!isfinite(cx) || !isfinite(cy) || !isfinite(r) || !isfinite(w) ||
	    !isfinite(h) || !(r > 0) || !(w > 0) || !(h > 0))
		return 0;
	lo = fmax(-r, -cx);
	hi = fmin(r, w - cx);
	if (lo >= hi)
		return 0;
	br[nb++] = lo;
	br[nb++] = hi;
	d[0] = cy;
	d[1] = h - cy;
	for (i = 0; i < 2; i++) {
		double	 s;

		if (fabs(d[i]) >= r)
			continue;
		s = sqrt(r * r - d[i] * d[i]);
		if (-s > lo && -s < hi)
			br[nb++] = -s;
		if (s > lo && s < hi)
			br[nb++] = s;
	}
	for (i = 1; i < nb; i++)
		for (j = i; j > 0 && br[j - 1] > br[j]; j--) {
			double	 t = br[j];

			br[j] = br[j - 1];
			br[j - 1] = t;
		}
	for (i = 0; i + 1 < nb; i++) {
		double	 a = br[i], b = br[i + 1], len = b - a, u, s, S;
		int	 top_h, bot_0;

		if (len <= 0)
			continue;
		u = (a + b) / 2;
		s = sqrt(fmax(0, r * r - u * u));
		top_h = cy + s >= h;
		bot_0 = cy - s <= 0;
		if ((top_h ? h : cy + s) <= (bot_0 ? 0 : cy - s))
			continue;
		S = fov_chord_integral(b, r) - fov_chord_integral(a, r);
		area += top_h ? h * len : cy * len + S;
		area -= bot_0 ? 0 : cy * len - S;
	}
	return area;
}

/* Fill pixels of row y whose centres lie in [a, b]. */
static void
fov_span(struct img *im, int y, double a, double b)
{
	double	 fx0 = ceil(a - 0.5), fx1 = floor(b - 0.5);
	int	 x0, x1, x;
	unsigned char *p;

	if (y < 0 || y >= im->h || fx1 < 0 || fx0 > im->w - 1 || fx1 < fx0)
		return;
	x0 = fx0 < 0 ? 0 : (int)fx0;
	x1 = fx1 > im->w - 1 ? im->w - 1 : (int)fx1;
	p = im->rgb + ((size_t)y * im->w + x0) * 3;
	for (x = x0; x <= x1; x++, p += 3)
		memcpy(p, fov_rgb, 3);
}

void
fov_draw(struct img *im, const struct fov *f, double s)
{
	int	 t, y;

	if (im == NULL || im->rgb == NULL || im->w <= 0 || im->h <= 0 ||
	    f == NULL)
		return;
	if (!(s > 0) || !isfinite(s))
		s = 1;
	t = (im->w > 1000 || im->h > 1000) ? 3 : 2;
	if (f->shape == FOV_CIRCLE) {
		double	 cx = f->cx * s, cy = f->cy * s, r = f->r * s;
		double	 ro = r + t / 2.0, ri = r - t / 2.0, ylo, yhi;

		if (!isfinite(cx) || !isfinite(cy) || !(r > 0) || !isfinite(r))
			return;
		ylo = fmax(0, floor(cy - ro));
		yhi = fmin(im->h - 1, ceil(cy + ro));
		for (y = (int)ylo; y <= (int)yhi; y++) {
			double	 dy = y + 0.5 - cy, so, si;

			if (fabs(dy) > ro)
				continue;
			so = sqrt(ro * ro - dy * dy);
			if (ri <= 0 || fabs(dy) >= ri) {
				fov_span(im, y, cx - so, cx + so);
				continue;
			}
			si = sqrt(ri * ri - dy * dy);
			fov_span(im, y, cx - so, cx - si);
			fov_span(im, y, cx + si, cx + so);
		}
	} else {
		double	 x0 = f->x * s, y0 = f->y * s;
		double	 x1 = (f->x + f->w) * s, y1 = (f->y + f->h) * s;

		if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) ||
		    !isfinite(y1) || x1 <= x0 || y1 <= y0)
			return;
		/* Bands just inside the edges, as pixel-centre spans. */
		for (y = (int)fmax(0, floor(y0)); y < im->h && y + 0.5 < y1;
		    y++) {
			if (y + 0.5 < y0 + t || y + 0.5 > y1 - t)
				fov_span(im, y, x0, x1);
			else {
				fov_span(im, y, x0, x0 + t);
				fov_span(im, y, x1 - t, x1);
			}
		}
	}
}
