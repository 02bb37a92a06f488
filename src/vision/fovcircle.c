/* fovcircle.c: the field stop circle: RANSAC, trimmed fit, local-level rays */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vision/fovint.h"

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

/* M_PI is POSIX, not C11. */
#define FOV_PI			3.14159265358979323846

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
int
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
