/* countest.c: the counts behind a sample's estimates: frame counts, intervals */
/*
 * samples_summary.c works out the estimates; this file gives it the two
 * things issue 20 changed about them.  The count: a density is frame
 * count / frame area (Gundersen's frame, countframe.h), here expressed
 * as the field's count without edge effects, frame count x field area /
 * frame area, so the summary's arithmetic per image is unchanged.  The
 * interval: interval_estimate() on the frame counts actually counted,
 * the detector's measured error carried in each result ("count_error",
 * the model's own figures) and the profile's factor spread.
 */

#include "clinical/countest.h"
#include "store/review.h"
#include "store/samples_int.h"
#include "vision/countframe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char countest_interval_method[] =
    "Intervals are 95 % intervals. On a count: the detector's measured "
    "count error on validation fields of the sources named (its mean bias "
    "corrected, its spread included). On an estimate: that error, the "
    "counting (Poisson) noise of the cells counted in the counting frames "
    "and the spread of the calibration factor, combined on the relative "
    "scale. Where the interval reaches across a reference limit the "
    "estimate is not called low or high.";

/* Add box b (a detection's or a change's "box") of class name to frame[]. */
static void
frame_add(const struct countframe *cf, const char *name, const json_t *b,
    double frame[EST_NCLASS])
{
	double	 x = json_number_value(json_object_get(b, "x"));
	double	 y = json_number_value(json_object_get(b, "y"));
	double	 w = json_number_value(json_object_get(b, "w"));
	double	 h = json_number_value(json_object_get(b, "h"));
	int	 k = name != NULL ? est_class_from_name(name) : -1;

	if (k >= 0 && json_is_object(b) &&
	    countframe_counts(cf, x, y, x + w, y + h))
		frame[k]++;
}

/*
 * The frame counts under result's review (review_merge()'s "review"):
 * each detection as the review counts it (review_counted_as()) and each
 * box a person added, by the frame's rule.  0, or -1 with frame[]
 * untouched when the result was not reviewed or on no memory.
 */
static int
frame_reviewed(const json_t *result, const json_t *f,
    double frame[EST_NCLASS])
{
	const json_t	*ch = json_object_get(json_object_get(result,
			    "review"), "changes");
	const json_t	*dets = json_object_get(result, "detections"), *c;
	struct countframe cf;
	const char	**cls;
	size_t		 i, n = json_array_size(dets);
	const char	*op;

	if (!json_is_array(ch) || (cls = calloc(n + 1, sizeof(*cls))) == NULL)
		return -1;
	memset(&cf, 0, sizeof(cf));
	cf.valid = 1;
	cf.x0 = json_number_value(json_object_get(f, "x0"));
	cf.y0 = json_number_value(json_object_get(f, "y0"));
	cf.x1 = json_number_value(json_object_get(f, "x1"));
	cf.y1 = json_number_value(json_object_get(f, "y1"));
	memset(frame, 0, sizeof(double) * EST_NCLASS);
	review_counted_as(result, ch, cls, n);
	for (i = 0; i < n; i++)
		frame_add(&cf, cls[i], json_object_get(json_array_get(dets,
		    i), "box"), frame);
	for (i = 0; i < json_array_size(ch); i++) {
		c = json_array_get(ch, i);
		op = json_string_value(json_object_get(c, "op"));
		if (op != NULL && strcmp(op, "add") == 0)
			frame_add(&cf, json_string_value(json_object_get(c,
			    "class")), json_object_get(c, "box"), frame);
	}
	free(cls);
	return 0;
}

int
countest_frame_read(const json_t *result, double frame[EST_NCLASS],
    double *ratio)
{
	const json_t	*f = json_object_get(result, "frame");
	const json_t	*c = json_object_get(f, "counts");
	double		 a, fa;
	int		 k;

	memset(frame, 0, sizeof(double) * EST_NCLASS);
	*ratio = 0;
	a = json_number_value(json_object_get(f, "area_px"));
	fa = json_number_value(json_object_get(f, "field_area_px"));
	if (!json_is_true(json_object_get(f, "valid")) || !(a > 0) ||
	    !(fa >= a) || !json_is_object(c))
		return -1;
	for (k = 0; k < EST_NCLASS; k++) {
		if (!json_is_integer(json_object_get(c, est_class_name(k))))
			return -1;
		frame[k] = (double)json_integer_value(json_object_get(c,
		    est_class_name(k)));
		if (frame[k] < 0) {
			memset(frame, 0, sizeof(double) * EST_NCLASS);
			return -1;
		}
	}
	/* a person's corrections count in the frame as in the totals */
	frame_reviewed(result, f, frame);
	*ratio = fa / a;
	return 0;
}

json_t *
countest_field_json(const double frame[EST_NCLASS], double ratio)
{
	json_t	*c;
	int	 k;

	if (!(ratio > 0) || (c = json_object()) == NULL)
		return json_null();
	for (k = 0; k < EST_NCLASS; k++)
		json_object_set_new(c, est_class_name(k), jnum(frame[k], 0));
	return json_pack("{s:o,s:f}", "counts", c, "field_over_frame", ratio);
}

json_t *
countest_frame_json(int used, size_t with_frame, size_t n)
{
	char	 text[400];
	json_t	*l;

	if (n == 0) {
		text[0] = '\0';
		l = json_array();
	} else if (used) {
		snprintf(text, sizeof(text), "Densities count the cells in "
		    "the counting frame of each of the %zu field%s (frame "
		    "count \xc3\xb7 frame area), not the whole photo: the "
		    "counts in the formulas are frame counts \xc3\x97 field "
		    "area \xc3\xb7 frame area.", n, n == 1 ? "" : "s");
		l = msg_list("frame_used", json_pack("{s:I}", "fields",
		    (json_int_t)n));
	} else {
		snprintf(text, sizeof(text), "Densities count the whole "
		    "field: %zu of %zu field%s have a counting frame (older "
		    "results, or a field too small for one), and the frame "
		    "is used only when every field has one.", with_frame, n,
		    n == 1 ? "" : "s");
		l = msg_list("frame_not_used", json_pack("{s:I,s:I}",
		    "with_frame", (json_int_t)with_frame, "fields",
		    (json_int_t)n));
	}
	return json_pack("{s:b,s:I,s:I,s:s,s:o}", "used", used,
	    "fields_with_frame", (json_int_t)with_frame, "fields",
	    (json_int_t)n, "text", text, "text_i18n", l);
}

static const char why_no_error[] = "Interval unavailable: the detector's "
    "count error has not been measured for this model.";
static const char why_no_count[] = "Interval unavailable: no count to base "
    "it on.";

const char *
countest_unavailable_code(const char *why)
{
	return why == why_no_error ? "interval_no_count_error" :
	    "interval_no_count";
}

json_t *
countest_interval(const json_t *count_error, enum est_class k,
    double count, size_t fields, double per_cell,
    const struct clinical_profile *p, struct interval *iv, const char **why)
{
	struct interval_error	 e;
	struct interval_est_in	 in;

	memset(iv, 0, sizeof(*iv));
	*why = NULL;
	if (interval_error_parse(count_error, est_class_name(k), &e) == -1) {
		*why = why_no_error;
		return json_null();
	}
	in = (struct interval_est_in){ count, fields, per_cell,
	    p->factor_sd_rel };
	if (interval_estimate(&in, &e, iv) == -1) {
		*why = why_no_count;
		return json_null();
	}
	return json_pack("{s:I,s:I,s:I,s:{s:o,s:I,s:f,s:f,s:f,s:I,s:s,s:f,"
	    "s:b}}", "lo", (json_int_t)llround(iv->lo), "hi",
	    (json_int_t)llround(iv->hi), "centre",
	    (json_int_t)llround(iv->centre), "components",
	    "cells_counted", jnum(count, 0), "fields", (json_int_t)fields,
	    "detector_bias", e.bias, "detector_sd_rel", e.sd_rel,
	    "detector_sd_abs", e.sd_abs, "detector_fields",
	    (json_int_t)e.fields, "detector_sources", e.sources,
	    "factor_sd_rel", p->factor_sd_rel, "factor_sd_unverified",
	    p->factor_sd_unverified);
}

json_t *
countest_cannot_tell(enum est_class k, enum est_flag f,
    const struct est_range *range, const struct interval *iv)
{
	char	 text[400], lo[32], hi[32], lim[32];
	double	 limit;
	int	 side;

	if (range == NULL || (f != EST_FLAG_LOW && f != EST_FLAG_HIGH))
		return NULL;
	side = interval_side(iv, range->low, range->high);
	if ((f == EST_FLAG_LOW && side == -1) ||
	    (f == EST_FLAG_HIGH && side == 1))
		return NULL;
	limit = f == EST_FLAG_LOW ? range->low : range->high;
	est_fmt(lo, sizeof(lo), iv->lo, 0);
	est_fmt(hi, sizeof(hi), iv->hi, 0);
	est_fmt(lim, sizeof(lim), limit, 0);
	snprintf(text, sizeof(text), "Cannot tell: the %s estimate is %s, "
	    "but its 95 %% interval (%s\xe2\x80\x93%s /\xc2\xb5L) reaches "
	    "across the reference limit %s /\xc2\xb5L, so it is not flagged "
	    "%s. Confirm with a laboratory count.", est_class_name(k),
	    f == EST_FLAG_LOW ? "below the range" : "above the range", lo,
	    hi, lim, f == EST_FLAG_LOW ? "low" : "high");
	return json_pack("{s:s,s:s,s:s,s:o}", "flag", "cannot_tell",
	    "point_flag", est_flag_name(f), "text", text, "text_i18n",
	    msg_list(f == EST_FLAG_LOW ? "flag_cannot_tell_low" :
	    "flag_cannot_tell_high", json_pack("{s:s,s:o,s:o,s:o}", "class",
	    est_class_name(k), "lo", jnum(iv->lo, 0), "hi", jnum(iv->hi, 0),
	    "limit", jnum(limit, 0))));
}
