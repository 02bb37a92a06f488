/* fovshape.c: a found field's geometry: containment, exact area, outline */
#include <math.h>
#include <string.h>

#include "vision/fov.h"

/* Outline colour: white, as the web page draws it (platelets are #009E73). */
static const unsigned char fov_rgb[3] = { 0xff, 0xff, 0xff };

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
