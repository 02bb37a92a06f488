/* interval.c: 95 % intervals on cell counts and estimates (pure arithmetic) */
/*
 * Two sources of error, both measured, never guessed.  The detector's:
 * how far its count n of a field falls from a person's complete count L
 * on validation fields, as the relative error (n - L) / L (mean b, SD s)
 * plus an absolute SD a that small counts need (a field with 3 platelets
 * cannot be 10 % off); these figures live in the model's JSON
 * ("count_error") and, where they are missing, no interval is shown.
 * The sample's: a density from N counted cells carries counting (Poisson)
 * noise of relative SD 1 / sqrt N, and the calibration factor (blood
 * volume per field) has its own spread, recorded in etc/clinical.json.
 * The estimate combines them on the relative scale: relative variances
 * add, since each multiplies the estimate.
 */

#include "clinical/interval.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The exact one-sided 97.5 % upper Poisson bound when nothing was seen. */
#define INTERVAL_POISSON_ZERO_HI	3.689

static int
num(const json_t *o, const char *key, double *v)
{
	const json_t	*j = json_object_get(o, key);

	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return isfinite(*v) ? 0 : -1;
}

int
interval_error_parse(const json_t *count_error, const char *cls,
    struct interval_error *out)
{
	const json_t	*o = json_object_get(count_error, cls);
	const char	*src;
	double		 fields = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) || num(o, "bias", &out->bias) == -1 ||
	    num(o, "sd_rel", &out->sd_rel) == -1 ||
	    num(o, "sd_abs", &out->sd_abs) == -1 || !(out->bias > -1) ||
	    out->sd_rel < 0 || out->sd_abs < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	if (num(o, "fields", &fields) == 0 && fields > 0)
		out->fields = (long)fields;
	if ((src = json_string_value(json_object_get(o, "sources"))) != NULL)
		snprintf(out->sources, sizeof(out->sources), "%s", src);
	out->valid = 1;
	return 0;
}

int
interval_count(double n, const struct interval_error *e,
    struct interval *out)
{
	double	 c, half;

	memset(out, 0, sizeof(*out));
	if (e == NULL || !e->valid || !(n >= 0) || !isfinite(n))
		return -1;
	c = n / (1 + e->bias);
	half = INTERVAL_Z * sqrt(e->sd_rel * c * e->sd_rel * c +
	    e->sd_abs * e->sd_abs);
	out->centre = round(c);
	out->lo = fmax(0, round(c - half));
	out->hi = round(c + half);
	return 0;
}

int
interval_estimate(const struct interval_est_in *in,
    const struct interval_error *e, struct interval *out)
{
	double	 c, var;

	memset(out, 0, sizeof(*out));
	if (in == NULL || e == NULL || !e->valid || !(in->count >= 0) ||
	    !(in->per_cell >= 0) || !(in->factor_sd_rel >= 0) ||
	    !isfinite(in->count) || !isfinite(in->per_cell) ||
	    !isfinite(in->factor_sd_rel))
		return -1;
	c = in->count / (1 + e->bias);
	if (c <= 0) {
		out->hi = INTERVAL_POISSON_ZERO_HI * in->per_cell /
		    (1 + e->bias);
		return 0;
	}
	var = 1 / c + e->sd_rel * e->sd_rel + (double)in->fields *
	    e->sd_abs * e->sd_abs / (c * c) + in->factor_sd_rel *
	    in->factor_sd_rel;
	out->centre = c * in->per_cell;
	out->lo = fmax(0, out->centre * (1 - INTERVAL_Z * sqrt(var)));
	out->hi = out->centre * (1 + INTERVAL_Z * sqrt(var));
	return 0;
}

int
interval_side(const struct interval *iv, double low, double high)
{
	if (iv->hi < low)
		return -1;
	if (iv->lo > high)
		return 1;
	return 0;
}

json_t *
interval_counts_json(const json_t *counts, const json_t *count_error)
{
	struct interval_error	 e;
	struct interval		 iv;
	const char		*cls;
	json_t			*o = json_object(), *v, *one;
	double			 n;

	if (o == NULL)
		return NULL;
	json_object_foreach((json_t *)counts, cls, v) {
		n = json_number_value(v);
		if (interval_error_parse(count_error, cls, &e) == 0 &&
		    interval_count(n, &e, &iv) == 0)
			one = json_pack("{s:I,s:I,s:I,s:I}", "count",
			    (json_int_t)llround(n), "centre",
			    (json_int_t)iv.centre, "lo", (json_int_t)iv.lo,
			    "hi", (json_int_t)iv.hi);
		else
			one = json_pack("{s:I,s:s}", "count",
			    (json_int_t)llround(n), "unavailable",
			    "Interval unavailable: the detector's count error "
			    "has not been measured for this model.");
		if (one == NULL) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, cls, one);
	}
	return o;
}
