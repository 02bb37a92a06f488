/* countcal.h: count-error statistics and the unbiased threshold chooser */
#ifndef BV_COUNTCAL_H
#define BV_COUNTCAL_H

#include <stddef.h>

/*
 * One field (photo) of one class: its labelled count and the confidences
 * of every detection of that class (any order).  src says which source
 * (dataset) the field comes from, 0..nsrc-1.
 */
struct cc_field {
	int		 src;
	int		 label;
	const float	*score;
	size_t		 n;
};

/* Detections of f at or above t. */
int	 cc_count(const struct cc_field *f, float t);

/*
 * Pooled signed count bias of source src (src < 0: every source) at t:
 * sum(counted - labelled) / sum(labelled).  *nlab (if not NULL) gets
 * sum(labelled); the bias is NAN when it is 0.
 */
double	 cc_bias(const struct cc_field *f, size_t nf, int src, float t,
	    long *nlab);

/*
 * The operating threshold that makes counts unbiased: over t = lo, lo +
 * step, ... <= hi, the one whose worst source |bias| is least, counting
 * only sources with at least min_lab labelled cells (all sources pooled
 * when none has that many).  Ties go to the higher threshold (fewer false
 * cells).  *worst gets that least worst |bias|.  -1 when no source has a
 * labelled cell.
 */
float	 cc_choose(const struct cc_field *f, size_t nf, int nsrc, float lo,
	    float hi, float step, long min_lab, double *worst);

/*
 * cc_choose() with a tolerance: the highest threshold whose worst source
 * |bias| is within tol of the least one (*worst gets its worst bias).
 * Fewer false cells on photos unlike the validation fields, at a bias
 * no more than tol worse on them.  At most 1023 steps.
 */
float	 cc_choose_tol(const struct cc_field *f, size_t nf, int nsrc, float lo,
	    float hi, float step, long min_lab, double tol, double *worst);

/*
 * The detector's count error at t, as the interval model uses it: a
 * labelled count L and the count n have (n - L) = b L + e, with e of
 * variance (s L)^2 + a^2.  b is the pooled bias (every source); s and a
 * are fitted by least squares of e^2 on L^2, both kept >= 0.
 */
struct cc_error {
	double	 bias;		/* b */
	double	 sd_rel;	/* s */
	double	 sd_abs;	/* a, cells */
	int	 fields;
};

void	 cc_error_fit(const struct cc_field *f, size_t nf, float t,
	    struct cc_error *out);

/*
 * Per-field figures at t for source src (< 0: all): mean signed relative
 * error and mean absolute percent error over fields with a labelled cell,
 * shares of fields whose count is within 10 % and 20 % of the label (a
 * field with no labelled cell is within when nothing is counted).
 */
struct cc_fields {
	int	 n;		/* fields */
	int	 n_lab;		/* with a labelled cell */
	double	 mean_rel;	/* signed */
	double	 mape;
	double	 within10, within20;
};

void	 cc_field_stats(const struct cc_field *f, size_t nf, int src, float t,
	    struct cc_fields *out);

#endif /* BV_COUNTCAL_H */
