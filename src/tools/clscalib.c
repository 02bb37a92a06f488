/* clscalib.c: confidence calibration maths: temperature by likelihood, expected calibration error, quantiles */
/*
 * Temperature scaling (one scalar dividing every logit, fitted by
 * likelihood on held-out data) keeps the classifier's ranking and only
 * moves its confidences; the expected calibration error measures how far
 * the confidences are from the accuracy they promise.
 */

#include "tools/clscalib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double
clscalib_nll(const float *logits, const int *labels, int n, int k, double t)
{
	double	 sum = 0, big, s;
	int	 i, j;

	for (i = 0; i < n; i++) {
		const float *z = logits + (size_t)i * k;

		for (big = -INFINITY, j = 0; j < k; j++)
			big = fmax(big, z[j] / t);
		for (s = 0, j = 0; j < k; j++)
			s += exp(z[j] / t - big);
		sum += big + log(s) - z[labels[i]] / t;
	}
	return n > 0 ? sum / n : NAN;
}

double
clscalib_fit_temperature(const float *logits, const int *labels, int n, int k)
{
	const double g = (sqrt(5.0) - 1) / 2;
	double	 a = 1 / 20.0, b = 1 / 0.05, c, d, fc, fd;

	if (n < 1)
		return NAN;
	c = b - g * (b - a);
	d = a + g * (b - a);
	fc = clscalib_nll(logits, labels, n, k, 1 / c);
	fd = clscalib_nll(logits, labels, n, k, 1 / d);
	while (b - a > 1e-4 * (a + b) / 2) {
		if (fc < fd) {
			b = d;
			d = c;
			fd = fc;
			c = b - g * (b - a);
			fc = clscalib_nll(logits, labels, n, k, 1 / c);
		} else {
			a = c;
			c = d;
			fc = fd;
			d = a + g * (b - a);
			fd = clscalib_nll(logits, labels, n, k, 1 / d);
		}
	}
	return 2 / (a + b);
}

double
clscalib_ece(const float *conf, const unsigned char *correct, int n, int bins)
{
	double	*sc, *sa, ece = 0;
	int	*cnt, i, b;

	if (n < 1 || bins < 1)
		return NAN;
	sc = calloc((size_t)bins, sizeof(*sc));
	sa = calloc((size_t)bins, sizeof(*sa));
	cnt = calloc((size_t)bins, sizeof(*cnt));
	if (sc == NULL || sa == NULL || cnt == NULL) {
		ece = NAN;
		goto out;
	}
	for (i = 0; i < n; i++) {
		b = (int)(conf[i] * bins);
		b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
		sc[b] += conf[i];
		sa[b] += correct[i] != 0;
		cnt[b]++;
	}
	for (b = 0; b < bins; b++)
		if (cnt[b] > 0)
			ece += fabs(sa[b] - sc[b]) / n;
out:
	free(sc);
	free(sa);
	free(cnt);
	return ece;
}

static int
cmp_float(const void *a, const void *b)
{
	float	 x = *(const float *)a, y = *(const float *)b;

	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return (x > y) - (x < y);
}

double
clscalib_quantile(const float *v, int n, double q)
{
	float	*c;
	double	 r;

	if (n < 1 || (c = malloc((size_t)n * sizeof(*c))) == NULL)
		return NAN;
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_float);
	q = q < 0 ? 0 : q > 1 ? 1 : q;
	r = c[(size_t)floor(q * (n - 1))];
	free(c);
	return r;
}
