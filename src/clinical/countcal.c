/* countcal.c: count-error statistics and the unbiased threshold chooser */
#include <math.h>
#include <stdlib.h>

#include "clinical/countcal.h"

int
cc_count(const struct cc_field *f, float t)
{
	int n = 0;

	for (size_t k = 0; k < f->n; k++)
		n += f->score[k] >= t;
	return n;
}

double
cc_bias(const struct cc_field *f, size_t nf, int src, float t, long *nlab)
{
	long lab = 0, cnt = 0;

	for (size_t i = 0; i < nf; i++) {
		if (src >= 0 && f[i].src != src)
			continue;
		lab += f[i].label;
		cnt += cc_count(&f[i], t);
	}
	if (nlab != NULL)
		*nlab = lab;
	return lab > 0 ? (double)(cnt - lab) / lab : NAN;
}

/* Worst |bias| at t over the sources that have min_lab labels. */
static double
worst_bias(const struct cc_field *f, size_t nf, int nsrc, float t,
    long min_lab)
{
	double worst = -1;

	for (int s = 0; s < nsrc; s++) {
		long lab;
		double b = cc_bias(f, nf, s, t, &lab);

		if (lab >= min_lab && lab > 0 && fabs(b) > worst)
			worst = fabs(b);
	}
	if (worst < 0) {
		long lab;
		double b = cc_bias(f, nf, -1, t, &lab);

		worst = lab > 0 ? fabs(b) : -1;
	}
	return worst;
}

float
cc_choose(const struct cc_field *f, size_t nf, int nsrc, float lo, float hi,
    float step, long min_lab, double *worst)
{
	return cc_choose_tol(f, nf, nsrc, lo, hi, step, min_lab, 0, worst);
}

float
cc_choose_tol(const struct cc_field *f, size_t nf, int nsrc, float lo,
    float hi, float step, long min_lab, double tol, double *worst)
{
	float best = -1;
	double bw = INFINITY, w[1024];
	int nstep = (int)floorf((hi - lo) / step + 0.5f);

	if (nstep < 0 || nstep >= 1024)
		return -1;
	for (int k = 0; k <= nstep; k++) {
		w[k] = worst_bias(f, nf, nsrc, lo + step * k, min_lab);
		if (w[k] < 0)
			return -1;
		if (w[k] < bw)
			bw = w[k];
	}
	/* the highest threshold within tol of the least worst bias */
	for (int k = nstep; k >= 0 && best < 0; k--)
		if (w[k] <= bw + tol + 1e-12) {
			best = lo + step * k;
			if (worst != NULL)
				*worst = w[k];
		}
	return best;
}

void
cc_error_fit(const struct cc_field *f, size_t nf, float t, struct cc_error *out)
{
	/* Least squares of y = e^2 on x = L^2: y = s2 x + a2. */
	double sx = 0, sy = 0, sxx = 0, sxy = 0, s2, a2, det;
	double b = cc_bias(f, nf, -1, t, NULL);
	size_t n = nf;

	out->bias = isnan(b) ? 0 : b;
	out->fields = (int)nf;
	for (size_t i = 0; i < nf; i++) {
		double L = f[i].label;
		double e = cc_count(&f[i], t) - L * (1 + out->bias);
		double x = L * L, y = e * e;

		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	if (n == 0) {
		out->sd_rel = out->sd_abs = 0;
		return;
	}
	det = n * sxx - sx * sx;
	if (det > 1e-12) {
		s2 = (n * sxy - sx * sy) / det;
		a2 = (sy - s2 * sx) / n;
	} else {
		s2 = 0;
		a2 = sy / n;
	}
	if (s2 < 0) {
		s2 = 0;
		a2 = sy / n;
	} else if (a2 < 0) {
		a2 = 0;
		s2 = sxx > 0 ? sxy / sxx : 0;
	}
	out->sd_rel = sqrt(s2);
	out->sd_abs = sqrt(a2);
}

void
cc_field_stats(const struct cc_field *f, size_t nf, int src, float t,
    struct cc_fields *out)
{
	int w10 = 0, w20 = 0;

	*out = (struct cc_fields){ 0 };
	for (size_t i = 0; i < nf; i++) {
		int n, L = f[i].label;
		double d;

		if (src >= 0 && f[i].src != src)
			continue;
		n = cc_count(&f[i], t);
		out->n++;
		if (L == 0) {
			w10 += n == 0;
			w20 += n == 0;
			continue;
		}
		d = (double)(n - L) / L;
		out->n_lab++;
		out->mean_rel += d;
		out->mape += fabs(d);
		w10 += fabs(d) <= 0.10 + 1e-9;
		w20 += fabs(d) <= 0.20 + 1e-9;
	}
	if (out->n_lab > 0) {
		out->mean_rel /= out->n_lab;
		out->mape = 100 * out->mape / out->n_lab;
	}
	if (out->n > 0) {
		out->within10 = (double)w10 / out->n;
		out->within20 = (double)w20 / out->n;
	}
}
