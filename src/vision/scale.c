/* scale.c: the image's cell scale: where it comes from and how sure it is */
/*
 * Red cells are the ruler: 7-8 um across and the most numerous object on
 * a smear.  The detector itself measures them (scan.c runs it at a few
 * trial scales); this file holds the arithmetic that turns its boxes into
 * a diameter and says how much that diameter can be trusted.  The median
 * of sqrt(w h) over whole (uncut) cells, and of the side along the frame
 * for cells cut by one side of it, is robust to the odd platelet
 * clump or merged pair; the interquartile spread flags a field where the
 * sizes disagree (a wrong trial scale finds a mixture of things).
 */

#include "vision/scale.h"
#include "vision/detector.h"
#include "image/imgio.h"

#include <math.h>
#include <stdlib.h>

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
scale_measure(const struct det_box *v, size_t n, int rbc, float conf,
    double w, double h, struct scale_meas *out)
{
	double	*s;
	size_t	 i, k = 0;
	const double edge = 1.5;

	out->n = 0;
	out->median = 0;
	out->spread = 0;
	if (n == 0)
		return 0;
	if ((s = malloc(n * sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		int cut_x, cut_y;

		if (v[i].cls != rbc || v[i].conf < conf)
			continue;
		cut_x = v[i].x < edge || v[i].x + v[i].w > w - edge;
		cut_y = v[i].y < edge || v[i].y + v[i].h > h - edge;
		if (!cut_x && !cut_y)
			s[k++] = sqrt((double)v[i].w * v[i].h);
		/*
		 * A cell cut by one side, its centre still in view, keeps its
		 * whole diameter along that side: a ruler too, which a photo of
		 * a few large cells needs (most of them touch the frame).
		 */
		else if (cut_x && !cut_y && v[i].w >= 0.5 * v[i].h)
			s[k++] = v[i].h;
		else if (cut_y && !cut_x && v[i].h >= 0.5 * v[i].w)
			s[k++] = v[i].w;
	}
	if (k > 0) {
		qsort(s, k, sizeof(*s), dbl_cmp);
		out->n = (int)k;
		out->median = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
		out->spread = (s[(3 * k) / 4] - s[k / 4]) / out->median;
	}
	free(s);
	return 0;
}

double
scale_fit(double m, double t)
{
	double	 r;

	if (!(m > 0) || !(t > 0))
		return 0;
	r = fabs(log(m / t));
	if (r <= log(1.34))
		return 1;
	if (r >= log(2.0))
		return 0;
	return (log(2.0) - r) / (log(2.0) - log(1.34));
}

void
scale_judge(const struct scale_meas *m, enum scale_status *st,
    enum scale_reason *why)
{
	*st = SCALE_UNSURE;
	if (m->n == 0)
		*why = SCALE_R_NO_RBC;
	else if (m->n < 4)
		*why = SCALE_R_FEW_RBC;
	else if (m->spread >= 0.35)
		*why = SCALE_R_SPREAD;
	else {
		*st = SCALE_OK;
		*why = SCALE_R_NONE;
	}
}

double
scale_texture(const struct img *im, int dark)
{
	enum { G = 8 };			/* G x G regions */
	double	 sum[G * G] = { 0 }, sum2[G * G] = { 0 }, y, m, sd, best = 0;
	long	 n[G * G] = { 0 }, next;
	int	 step, i, j, r, rj, c;
	const unsigned char *p;

	if (im->w < 1 || im->h < 1)
		return 0;
	step = (int)ceil(sqrt((double)im->w * im->h / 65536.0));
	if (step < 1)
		step = 1;
	for (j = 0; j < im->h; j += step) {
		/* region (j * G / h, i * G / w); the column's without a
		 * division a pixel: c grows when i * G reaches (c + 1) * w */
		rj = (int)((long)j * G / im->h) * G;
		c = 0;
		next = ((long)im->w + G - 1) / G;
		for (i = 0; i < im->w; i += step) {
			while (i >= next) {
				c++;
				next = ((long)(c + 1) * im->w + G - 1) / G;
			}
			p = im->rgb + ((size_t)j * im->w + i) * 3;
			y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
			if (y <= dark)
				continue;
			r = rj + c;
			sum[r] += y;
			sum2[r] += y * y;
			n[r]++;
		}
	}
	/* the busiest region: a small smear in a wide blank frame counts */
	for (r = 0; r < G * G; r++) {
		if (n[r] < 16)
			continue;
		m = sum[r] / n[r];
		sd = sqrt(fmax(0, sum2[r] / n[r] - m * m));
		if (sd > best)
			best = sd;
	}
	return best;
}

const char *
scale_source_name(enum scale_source s)
{
	switch (s) {
	case SCALE_REQUEST:
		return "request";
	case SCALE_PROFILE:
		return "profile";
	case SCALE_AUTO:
		return "auto";
	case SCALE_REMEMBERED:
		return "remembered";
	default:
		return "none";
	}
}

const char *
scale_reason_name(enum scale_reason r)
{
	switch (r) {
	case SCALE_R_NO_RBC:
		return "no_red_cells";
	case SCALE_R_FEW_RBC:
		return "few_red_cells";
	case SCALE_R_SPREAD:
		return "inconsistent_sizes";
	case SCALE_R_MISMATCH:
		return "scale_mismatch";
	case SCALE_R_WBC_RULER:
		return "white_cell_ruler";
	default:
		return NULL;
	}
}
