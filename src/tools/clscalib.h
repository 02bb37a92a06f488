/* clscalib.h: confidence calibration maths: temperature by likelihood, expected calibration error, quantiles */
#ifndef BV_CLSCALIB_H
#define BV_CLSCALIB_H

/*
 * Mean negative log-likelihood of labels[i] under softmax(z_i / t), z_i
 * the k logits of row i (logits[i * k .. i * k + k - 1]), n rows.
 */
double	clscalib_nll(const float *logits, const int *labels, int n, int k,
	    double t);

/*
 * The temperature t in [0.05, 20] that minimises clscalib_nll() (the
 * NLL is convex in 1 / t: golden-section search on 1 / t, to 1e-4).
 * NAN when n < 1.
 */
double	clscalib_fit_temperature(const float *logits, const int *labels, int n,
	    int k);

/*
 * Expected calibration error of n predictions with confidence conf[i]
 * and correct[i] (0/1): sum over `bins` equal-width confidence bins of
 * (bin count / n) * |bin accuracy - bin mean confidence|.  A confidence
 * of exactly 1 falls in the top bin.  NAN when n < 1 or bins < 1.
 */
double	clscalib_ece(const float *conf, const unsigned char *correct, int n,
	    int bins);

/*
 * The q-quantile (0 <= q <= 1) of v[0..n-1] (order statistic at
 * floor(q * (n - 1)) after sorting a copy; NANs sort last).  NAN when
 * n < 1 or out of memory.
 */
double	clscalib_quantile(const float *v, int n, double q);

#endif /* BV_CLSCALIB_H */
