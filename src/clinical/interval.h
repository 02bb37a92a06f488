/* interval.h: 95 % intervals on cell counts and estimates (pure arithmetic) */
#ifndef BV_INTERVAL_H
#define BV_INTERVAL_H

#include <stddef.h>
#include <jansson.h>

/* Two-sided 95 % normal quantile. */
#define INTERVAL_Z	1.96

/*
 * The detector's measured count error for one class (the model's JSON,
 * "count_error"."RBC" ...): on validation fields a labelled count L and
 * the count n relate by (n - L) / L with mean bias and SD sd_rel; sd_abs
 * is an absolute SD in cells that dominates small counts.
 */
struct interval_error {
	int		 valid;		/* 0: not measured for this class */
	double		 bias;		/* b > -1 */
	double		 sd_rel;	/* s >= 0 */
	double		 sd_abs;	/* a >= 0, cells */
	long		 fields;	/* validation fields it was measured on */
	char		 sources[160];	/* the sets, in words */
};

/* A count or estimate with its interval (lo <= centre <= hi, lo >= 0). */
struct interval {
	double	 centre;
	double	 lo, hi;
};

/*
 * Read class cls's error from count_error (the model's "count_error"
 * object; NULL allowed).  0 and out->valid 1 when bias > -1, sd_rel and
 * sd_abs >= 0 are all numbers; else -1 with out->valid 0.
 */
int	 interval_error_parse(const json_t *count_error, const char *cls,
	    struct interval_error *out);

/*
 * The true count of a field from its count n: centre n / (1 + b),
 * half-width z sqrt((s n / (1 + b))^2 + a^2), z = INTERVAL_Z; centre
 * and ends rounded to whole cells (half away from zero), lo floored at
 * 0.  -1 (out zeroed) when e is not valid or n < 0.
 */
int	 interval_count(double n, const struct interval_error *e,
	    struct interval *out);

/* The ingredients of a density estimate's interval. */
struct interval_est_in {
	double		 count;		/* cells counted (frame counts, summed) */
	size_t		 fields;	/* fields they were counted in */
	double		 per_cell;	/* cells/uL one counted cell stands for */
	double		 factor_sd_rel;	/* the calibration factor's relative SD */
};

/*
 * A density estimate's interval on the relative scale: centre
 * count / (1 + b) x per_cell; relative variance the sum of counting
 * noise 1 / C (Poisson, C the corrected count), the detector's
 * systematic error s^2, its per-field absolute error fields x a^2 / C^2,
 * and the calibration factor's spread f^2; half-width z x centre x
 * sqrt(variance), lo floored at 0.  A count of 0 gives [0, 3.689 x
 * per_cell / (1 + b)] (the exact 95 % upper Poisson bound for no
 * event).  Not rounded.  -1 (out zeroed) when e is not valid or an input
 * is negative or not finite.
 */
int	 interval_estimate(const struct interval_est_in *in,
	    const struct interval_error *e, struct interval *out);

/*
 * Where the interval lies against a reference range [low, high]: -1
 * wholly below low, 1 wholly above high, 0 otherwise (inside, or across
 * a limit).
 */
int	 interval_side(const struct interval *iv, double low, double high);

/*
 * The result's "count_intervals" object: for each class in counts (the
 * result's "counts"), {"count", "lo", "hi", "centre"} from the model's
 * count_error, or {"count", "unavailable": sentence} when the model has
 * no measured error for that class.  New reference, NULL on no memory.
 */
json_t	*interval_counts_json(const json_t *counts, const json_t *count_error);

#endif /* BV_INTERVAL_H */
