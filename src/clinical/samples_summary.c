/* samples_summary.c: a sample's summary: its fields read, totals, stability, estimates and flags put together */
/*
 * The densities are worked out in samples_density.c and the flags and
 * anaemia screening in samples_screen.c (samples_sum.h); this file reads
 * the sample's results and puts the summary together (docs/api.md).
 */

#include "store/samples.h"
#include "store/samples_int.h"
#include "clinical/samples_sum.h"
#include "clinical/countest.h"
#include "base/num.h"
#include "store/ids.h"
#include "store/results.h"
#include "store/review.h"
#include "clinical/morphsum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char disclaimer[] =
    "Screening aid, not a diagnosis. Counts come from an automated detector "
    "on a few images and can be wrong; estimates from a photo rest on the "
    "calibration and assumptions shown; anaemia is defined by haemoglobin. "
    "Confirm any abnormal or unexpected result with standard laboratory "
    "methods and a qualified clinician.";

/* What a density of class k from a prep rests on. */
static const struct samples_sentence *
assumptions(enum clinical_prep prep, enum est_class k)
{
	static const struct samples_sentence	 chamber = { "assumptions_chamber",
		"Assumes the cells settled evenly in the chamber, the "
		"stated dilution and depth, the counted area from the "
		"calibration, and that the detector found every cell." };
	static const struct samples_sentence	 smear[EST_NCLASS] = {
		{ "assumptions_smear_rbc",
		  "Estimate only: assumes images from the monolayer "
		  "(red cells just touching), the profile's blood volume "
		  "per field, and that the detector separated every red "
		  "cell; overlapping cells make it low. Anaemia needs a "
		  "haemoglobin test." },
		{ "assumptions_smear_wbc",
		  "Assumes images from the monolayer and the profile's "
		  "factor; white cells gather at the feathered edge, so the "
		  "body of the smear can read low." },
		{ "assumptions_smear_platelets",
		  "Assumes images from the monolayer and the profile's "
		  "factor (15,000-20,000 per platelet per oil field); "
		  "platelet clumps make it low." }
	};

	return prep == CLINICAL_CHAMBER ? &chamber : &smear[k];
}

static void
msg_add_sel(json_t *l, const char *code, size_t targeted,
    size_t random)
{
	msg_add(l, code, json_pack("{s:I,s:I}", "targeted",
	    (json_int_t)targeted, "random", (json_int_t)random));
}

/* Why a summary has no estimates. */
static const struct samples_sentence
    unavail_calibration = { "calibration_not_loaded",
	"Calibration not loaded on this server." },
    unavail_profile = { "profile_missing",
	"The sample's calibration profile no longer exists in "
	"clinical.json." },
    unavail_fields = { "no_fields", "No fields yet." },
    unavail_ipf = { "images_per_field_unknown",
	"Cannot compute images per field." },
    unavail_area = { "area_unknown", "Cannot compute the counted area." },
    unavail_random = { "no_random_fields", "Every field was chosen around "
	"white cells: estimates need random monolayer fields." };

static const struct samples_sentence ci_method = { "ci_method",
	"95% confidence interval of the mean count per image: mean \xc2\xb1 "
	"t \xc3\x97 SD \xc3\xb7 \xe2\x88\x9an, with SD the sample standard "
	"deviation (n \xe2\x88\x92 1) and t the two-sided 95% Student t "
	"value for n \xe2\x88\x92 1 degrees of freedom (table; 1.96 above "
	"120); lower bound clamped at 0; none with fewer than 2 images. "
	"Density intervals scale the same interval by the same factors." };

static json_t *
stats_json(const struct est_stats *st)
{
	json_t	*o;

	o = json_pack("{s:I,s:I,s:f}", "n", (json_int_t)st->n,
	    "total", (json_int_t)llround(st->total),
	    "mean", num_round3(st->mean));
	if (o == NULL)
		return NULL;
	if (st->has_ci) {
		json_object_set_new(o, "sd", json_real(num_round3(st->sd)));
		json_object_set_new(o, "t", json_real(st->t));
		json_object_set_new(o, "ci95", json_pack("[f,f]",
		    num_round3(st->ci_lo), num_round3(st->ci_hi)));
	} else {
		json_object_set_new(o, "sd", json_null());
		json_object_set_new(o, "t", json_null());
		json_object_set_new(o, "ci95", json_null());
	}
	return o;
}

/* The stability rule and, when it fails, why, each with its messages. */
static json_t *
stability_json(const struct est_stats *rbc, size_t n,
    const struct clinical *c)
{
	double		 min_rbc = c ? c->min_rbc : 200;
	size_t		 min_fields = c ? c->min_fields : 10;
	char		 rule[160], a[32], why[240];
	json_t		*warn;
	unsigned	 bad;
	int		 stable;

	stable = est_stable(rbc->total, n, min_rbc, min_fields, why,
	    sizeof(why));
	bad = est_stability(rbc->total, n, min_rbc, min_fields);
	est_fmt(a, sizeof(a), min_rbc, 0);
	snprintf(rule, sizeof(rule), "Stable when at least %s RBC and at "
	    "least %zu fields (images) were counted.", a, min_fields);
	warn = json_null();
	if (bad != 0 && (warn = json_array()) != NULL) {
		if (bad & EST_FEW_RBC)
			msg_add(warn, "few_rbc", json_pack("{s:o,s:o}",
			    "rbc", jnum(rbc->total, 0), "min_rbc",
			    jnum(min_rbc, 0)));
		if (bad & EST_FEW_FIELDS)
			msg_add(warn, "few_fields", json_pack("{s:I,s:I}",
			    "fields", (json_int_t)n, "min_fields",
			    (json_int_t)min_fields));
	}
	/* the numbers too, for progress ("field 4 of 10, 84/200 RBC") */
	return json_pack("{s:b,s:o,s:I,s:o,s:I,s:s,s:o,s:s?,s:o}", "stable",
	    stable, "rbc", jnum(rbc->total, 0), "fields", (json_int_t)n,
	    "min_rbc", jnum(min_rbc, 0), "min_fields",
	    (json_int_t)min_fields,
	    "rule", rule, "rule_i18n", msg_list("stability_rule",
	    json_pack("{s:o,s:I}", "min_rbc", jnum(min_rbc, 0),
	    "min_fields", (json_int_t)min_fields)),
	    "warning", stable ? NULL : why,
	    "warning_i18n", warn != NULL ? warn : json_null());
}

/* How many fields a person reviewed, in words. */
static json_t *
review_json(size_t reviewed, size_t n)
{
	char	 text[200];
	json_t	*l;

	text[0] = '\0';
	l = json_array();
	if (n > 0 && reviewed == 0) {
		snprintf(text, sizeof(text), "No field was reviewed: every "
		    "count is the detector's.");
		msg_add(l, "review_none", NULL);
	} else if (n > 0 && reviewed == n) {
		snprintf(text, sizeof(text), "Reviewed counts: a person "
		    "checked and corrected the boxes of every field (%zu).",
		    n);
		msg_add(l, "review_all", json_pack("{s:I}", "fields",
		    (json_int_t)n));
	} else if (n > 0) {
		snprintf(text, sizeof(text), "Reviewed counts in %zu of %zu "
		    "fields; the others are the detector's.", reviewed, n);
		msg_add(l, "review_some", json_pack("{s:I,s:I}", "reviewed",
		    (json_int_t)reviewed, "fields", (json_int_t)n));
	}
	return json_pack("{s:I,s:I,s:s,s:o}", "reviewed_fields",
	    (json_int_t)reviewed, "fields", (json_int_t)n, "text", text,
	    "text_i18n", l);
}

/* Why a chamber's photos are not the count (until the detector is validated). */
static const struct samples_sentence chamber_note = { "chamber_not_validated",
	"The detector has not been validated on counting-chamber images: "
	"use the manual counts typed from the chamber; the image-based "
	"estimates are shown for comparison only." };

json_t *
samples_summary(int results_fd, const json_t *sample, const struct clinical *c)
{
	return samples_summary_ref(results_fd, sample, c, NULL);
}

/*
 * Which fields the estimates use, in words: only random monolayer
 * fields, so a sample with fields chosen around white cells says how
 * many were left out, and one with none random says why there is none.
 */
static json_t *
selection_json(size_t random, size_t targeted)
{
	char	 text[400];
	json_t	*l = json_array();

	text[0] = '\0';
	if (targeted > 0 && random == 0) {
		snprintf(text, sizeof(text), "Every field (%zu) was chosen "
		    "around white cells: density estimates need random "
		    "monolayer fields (white cells would read high and red "
		    "cells low), so none is given.", targeted);
		msg_add(l, "selection_none_random", json_pack("{s:I}",
		    "targeted", (json_int_t)targeted));
	} else if (targeted > 0) {
		snprintf(text, sizeof(text), "Estimates use the %zu random "
		    "monolayer field%s only; %zu field%s chosen around white "
		    "cells %s left out of them (still counted in the totals "
		    "and the differential).", random, random == 1 ? "" : "s",
		    targeted, targeted == 1 ? "" : "s", targeted == 1 ? "is" :
		    "are");
		msg_add_sel(l, "selection_some_targeted", targeted,
		    random);
	}
	return json_pack("{s:I,s:I,s:s,s:o}", "random", (json_int_t)random,
	    "targeted", (json_int_t)targeted, "text", text, "text_i18n", l);
}

/*
 * Fields flagged poor (quality.h) that no reviewer included: stored and
 * totalled, but left out of the estimates.
 */
static json_t *
poor_json(size_t npoor)
{
	char	 text[240];

	text[0] = '\0';
	if (npoor > 0)
		snprintf(text, sizeof(text), "%zu field%s flagged poor (focus, "
		    "exposure, thickness, density, magnification or stain) "
		    "%s left out of the estimates until a reviewer includes "
		    "%s.", npoor, npoor == 1 ? "" : "s", npoor == 1 ? "is" :
		    "are", npoor == 1 ? "it" : "them");
	return json_pack("{s:I,s:s,s:o}", "poor_excluded", (json_int_t)npoor,
	    "text", text, "text_i18n", npoor > 0 ? msg_list(
	    "quality_poor_excluded", json_pack("{s:I}", "n",
	    (json_int_t)npoor)) : json_array());
}

/* What samples_summary_ref() gathers from a sample and works out. */
struct sum {
	const json_t			*sample;
	const struct clinical		*c;
	struct samples_field		*f;	/* every field read */
	struct samples_field		*fr;	/* those the estimates use */
	double				*x;
	size_t				 n, nr, nreviewed, npoor;
	struct samples_diff		 diff;
	struct morphsum			 morph;	/* issue 27 */
	/* issue 20: frame counts, the detector's error, the intervals */
	json_t				*cerr;
	double				 counted[EST_NCLASS], rsum;
	size_t				 nframe;
	int				 use_frame;
	struct est_stats		 st[EST_NCLASS], se[EST_NCLASS];
	/* the densities */
	const struct clinical_profile	*prof;
	const struct samples_sentence	*unavailable;
	int				 prep;
	double				 scale_in, dilution, age;
	char				 how[640];
	struct samples_density		 d[EST_NCLASS];
	enum est_flag			 fl[EST_NCLASS];
	struct samples_unverified	 unv;
};

/* The summary's "per_field" entry of field f (result r, id rid). */
static json_t *
field_json(const struct sum *s, const struct samples_field *f,
    const json_t *r, const char *rid, int poor, int included)
{
	const json_t	*rv = json_object_get(r, "review");
	const json_t	*fq = json_object_get(r, "quality");
	json_t		*o;

	o = json_pack("{s:s,s:{s:I,s:I,s:I},s:{s:I,s:I},s:o}", "result", rid,
	    "counts", "RBC", (json_int_t)llround(f->count[EST_RBC]),
	    "WBC", (json_int_t)llround(f->count[EST_WBC]),
	    "Platelets", (json_int_t)llround(f->count[EST_PLT]),
	    "image", "width", (json_int_t)llround(f->w),
	    "height", (json_int_t)llround(f->h),
	    "fov_area_um2", f->fov_um2 > 0 ? json_real(f->fov_um2) :
	    json_null());
	json_object_set_new(o, "frame", countest_field_json(f->frame,
	    f->frame_ratio));
	json_object_set_new(o, "review_version", json_is_object(rv) ?
	    json_incref(json_object_get(rv, "version")) : json_integer(0));
	json_object_set_new(o, "scale_unsure", json_boolean(json_is_string(
	    json_object_get(json_object_get(r, "scale"), "status")) &&
	    strcmp(json_string_value(json_object_get(json_object_get(r,
	    "scale"), "status")), "unsure") == 0));
	json_object_set_new(o, "file_name", json_is_string(json_object_get(r,
	    "file_name")) ? json_incref(json_object_get(r, "file_name")) :
	    json_null());
	json_object_set_new(o, "selection", json_string(
	    samples_selection_name(f->targeted ? SAMPLES_SEL_TARGETED :
	    SAMPLES_SEL_RANDOM)));
	json_object_set_new(o, "quality", json_is_object(fq) ?
	    json_pack("{s:b,s:O,s:b,s:O?,s:O?}", "poor", poor, "flags",
	    json_object_get(fq, "flags"), "included", included,
	    "included_by", json_object_get(json_object_get(s->sample,
	    "quality_include"), rid), "reference", json_object_get(fq,
	    "reference")) : json_null());
	return o;
}

/*
 * Read result r (id rid, its review merged) as the next field of s and
 * append its entry to fields.  -1 on ENOMEM.
 */
static int
field_read(struct sum *s, json_t *r, const char *rid, json_t *fields)
{
	struct samples_field	*f = &s->f[s->n];
	const json_t		*counts = json_object_get(r, "counts");
	double			 v;
	int			 k, poor, included;

	s->nreviewed += json_is_object(json_object_get(r, "review"));
	for (k = 0; k < EST_NCLASS; k++) {
		v = 0;
		samples_num(counts, est_class_name(k), &v);
		f->count[k] = v < 0 ? 0 : v;
	}
	samples_num(json_object_get(r, "image"), "width", &f->w);
	samples_num(json_object_get(r, "image"), "height", &f->h);
	if (!samples_num(json_object_get(r, "fov"), "area_um2",
	    &f->fov_um2) || !(f->fov_um2 > 0))
		f->fov_um2 = 0;
	countest_frame_read(r, f->frame, &f->frame_ratio);
	if (s->cerr == NULL && json_is_object(json_object_get(r,
	    "count_error")))
		s->cerr = json_deep_copy(json_object_get(r, "count_error"));
	f->targeted = samples_field_selection(s->sample, rid) ==
	    SAMPLES_SEL_TARGETED;
	/* a field flagged poor counts only once a reviewer includes it */
	poor = json_is_true(json_object_get(json_object_get(r, "quality"),
	    "poor"));
	included = poor && samples_poor_included(s->sample, rid);
	s->npoor += poor && !included && !f->targeted;
	if (!f->targeted && (!poor || included))
		s->fr[s->nr++] = *f;
	if (!poor || included)
		morphsum_field(r, &s->morph);
	if (samples_diff_field(r, &s->diff) == -1)
		return -1;
	json_array_append_new(fields, field_json(s, f, r, rid, poor,
	    included));
	s->n++;
	return 0;
}

/*
 * Read the sample's fields into s, their entries into fields and the ids
 * of results gone into missing.  -1 on ENOMEM.
 */
static int
fields_read(struct sum *s, int results_fd, json_t *fields, json_t *missing)
{
	const json_t	*ids = json_object_get(s->sample, "results");
	const char	*rid;
	json_t		*r;
	size_t		 i;
	int		 rc;

	for (i = 0; i < json_array_size(ids); i++) {
		rid = json_string_value(json_array_get(ids, i));
		if (rid == NULL || !id_valid(rid) ||
		    (r = results_load(results_fd, rid)) == NULL) {
			json_array_append_new(missing, json_string(rid ? rid :
			    ""));
			continue;
		}
		/* A person's corrections, where there are some, count. */
		review_merge(results_fd, rid, r);
		rc = field_read(s, r, rid, fields);
		json_decref(r);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/*
 * Each class's statistics over every field (s->st, into totals and
 * stats) and over the fields the estimates use (s->se, s->counted).
 */
static void
fields_stats(struct sum *s, json_t *totals, json_t *stats)
{
	size_t	 i;
	int	 k;

	/* Densities count in the counting frames when every field has one. */
	for (i = 0; i < s->nr; i++) {
		s->nframe += s->fr[i].frame_ratio > 0;
		s->rsum += s->fr[i].frame_ratio;
	}
	s->use_frame = s->nr > 0 && s->nframe == s->nr;
	for (k = 0; k < EST_NCLASS; k++) {
		for (i = 0; i < s->n; i++)
			s->x[i] = s->f[i].count[k];
		est_stats(s->x, s->n, &s->st[k]);
		/* Estimates: the random fields only. */
		for (i = 0, s->counted[k] = 0; i < s->nr; i++) {
			s->x[i] = s->use_frame ? s->fr[i].frame[k] *
			    s->fr[i].frame_ratio : s->fr[i].count[k];
			s->counted[k] += s->use_frame ? s->fr[i].frame[k] :
			    s->fr[i].count[k];
		}
		est_stats(s->x, s->nr, &s->se[k]);
		json_object_set_new(totals, est_class_name(k),
		    json_integer((json_int_t)llround(s->st[k].total)));
		json_object_set_new(stats, est_class_name(k),
		    stats_json(&s->st[k]));
	}
}

/* The new summary's counts: totals, statistics, stability, selection. */
static json_t *
counts_json(struct sum *s, json_t *fields, json_t *missing)
{
	struct est_stats	 sr;
	json_t			*sum, *totals = json_object(), *stats;

	stats = json_object();
	fields_stats(s, totals, stats);
	sum = json_pack("{s:I,s:o,s:o,s:o,s:o,s:s,s:o}",
	    "fields", (json_int_t)s->n, "per_field", fields,
	    "missing_results", missing, "totals", totals,
	    "per_field_stats", stats,
	    "ci_method", ci_method.en,
	    "ci_method_i18n", msg_list(ci_method.code, NULL));
	if (sum == NULL)
		return NULL;
	/* stable on the red cells actually counted (in the frames, if used) */
	sr = s->se[EST_RBC];
	sr.total = s->counted[EST_RBC];
	json_object_set_new(sum, "stability", stability_json(&sr, s->nr,
	    s->c));
	json_object_set_new(sum, "selection", selection_json(s->nr + s->npoor,
	    s->n - s->nr - s->npoor));
	json_object_set_new(sum, "quality", poor_json(s->npoor));
	json_object_set_new(sum, "review", review_json(s->nreviewed, s->n));
	json_object_set_new(sum, "counting_frame", countest_frame_json(
	    s->use_frame, s->nframe, s->nr));
	json_object_set_new(sum, "interval_method", json_string(
	    countest_interval_method));
	json_object_set_new(sum, "interval_method_i18n", msg_list(
	    "interval_method", NULL));
	return sum;
}

/*
 * The profile, images per field or counted area (s->scale_in, written
 * out in s->how and how_i18n) and dilution; s->unavailable when the
 * estimates cannot be made.
 */
static void
estimates_scale(struct sum *s, json_t *how_i18n)
{
	const char	*profile = json_string_value(json_object_get(s->sample,
			    "profile"));

	s->prep = clinical_prep_from_name(json_string_value(json_object_get(
	    s->sample, "preparation")));
	if (s->c == NULL)
		s->unavailable = &unavail_calibration;
	else if ((s->prof = clinical_profile_find(s->c, profile)) == NULL ||
	    (int)s->prof->prep != s->prep)
		s->unavailable = &unavail_profile;
	else if (s->n == 0)
		s->unavailable = &unavail_fields;
	else if (s->nr == 0)
		s->unavailable = &unavail_random;
	s->how[0] = '\0';
	if (s->unavailable == NULL && s->prep == CLINICAL_SMEAR) {
		s->scale_in = samples_images_per_field(s->prof, s->fr, s->nr,
		    s->how, sizeof(s->how), how_i18n);
		if (s->scale_in <= 0)
			s->unavailable = &unavail_ipf;
	} else if (s->unavailable == NULL) {
		if (!samples_num(s->sample, "dilution", &s->dilution) ||
		    s->dilution < 1)
			s->dilution = s->prof->default_dilution;
		s->scale_in = samples_chamber_area(s->prof, s->fr, s->nr,
		    s->how, sizeof(s->how), how_i18n);
		if (s->scale_in <= 0)
			s->unavailable = &unavail_area;
	}
}

/*
 * Class k's estimate object (its density s->d[k] made), with its
 * interval into iv, or why none into *ivwhy.
 */
static json_t *
estimate_json(struct sum *s, int k, json_t *formula_i18n,
    struct interval *iv, const char **ivwhy)
{
	const struct samples_sentence	*sn = assumptions(s->prep, k);
	const struct samples_density	*d = &s->d[k];
	double				 per_cell;
	json_t				*o;

	o = json_pack("{s:I,s:s,s:o,s:s,s:o}",
	    "per_ul", (json_int_t)llround(d->per_ul),
	    "formula", d->formula,
	    "formula_i18n", formula_i18n,
	    "assumptions", sn->en,
	    "assumptions_i18n", msg_list(sn->code, NULL));
	json_object_set_new(o, "ci95", d->has_ci ?
	    json_pack("[I,I]", (json_int_t)llround(d->lo),
	    (json_int_t)llround(d->hi)) : json_null());
	per_cell = s->counted[k] > 0 ? d->per_ul / s->counted[k] :
	    d->scale * (s->use_frame ? s->rsum / s->nr : 1) / s->nr;
	json_object_set_new(o, "interval95", countest_interval(s->cerr, k,
	    s->counted[k], s->nr, per_cell, s->prof, iv, ivwhy));
	json_object_set_new(o, "interval_unavailable", *ivwhy ?
	    json_string(*ivwhy) : json_null());
	json_object_set_new(o, "interval_unavailable_i18n", *ivwhy ?
	    msg_list(countest_unavailable_code(*ivwhy), NULL) : json_null());
	return o;
}

/* Class k's density, its estimate into est and its flag into flags. */
static void
estimate_class(struct sum *s, int k, json_t *est, json_t *flags)
{
	const struct est_range	*range;
	struct interval		 iv;
	const char		*ivwhy = NULL;
	json_t			*formula_i18n, *o, *ct;

	formula_i18n = json_array();
	if (s->prep == CLINICAL_SMEAR)
		samples_smear_density(s->prof, k, &s->se[k], s->scale_in,
		    &s->d[k], formula_i18n);
	else
		samples_chamber_density(s->prof, k, &s->se[k], s->scale_in,
		    s->dilution, &s->d[k], formula_i18n);
	if (!s->d[k].ok) {
		json_decref(formula_i18n);
		return;
	}
	o = estimate_json(s, k, formula_i18n, &iv, &ivwhy);
	json_object_set_new(est, est_class_name(k), o);
	range = est_range_find(s->c->ranges, s->c->nranges, k,
	    samples_sex(s->sample), s->age);
	s->fl[k] = est_flag_estimate(k, range, s->d[k].per_ul);
	json_object_set_new(o, "plausible", json_boolean(s->fl[k] !=
	    EST_FLAG_IMPLAUSIBLE));
	o = samples_flag_json(k, s->fl[k], s->d[k].per_ul);
	/* no low or high the interval does not bear out */
	if (ivwhy == NULL && (ct = countest_cannot_tell(k, s->fl[k], range,
	    &iv)) != NULL) {
		json_decref(o);
		o = ct;
		s->fl[k] = EST_FLAG_NONE;
	}
	samples_flag_range(o, range, s->fl[k], &s->unv);
	json_object_set_new(flags, est_class_name(k), o);
}

/* Add the densities, their flags and the calibration used to sum. */
static void
estimates_add(struct sum *s, json_t *sum)
{
	const struct samples_sentence	*un;
	json_t				*est, *flags, *how_i18n;
	int				 k;

	how_i18n = json_array();
	estimates_scale(s, how_i18n);
	un = s->unavailable;
	est = json_object();
	flags = json_object();
	for (k = 0; k < EST_NCLASS; k++) {
		s->fl[k] = EST_FLAG_NONE;
		if (un == NULL)
			estimate_class(s, k, est, flags);
	}
	json_object_set_new(sum, "estimates", est);
	json_object_set_new(sum, "estimates_unavailable",
	    un ? json_string(un->en) : json_null());
	json_object_set_new(sum, "estimates_unavailable_i18n",
	    un ? msg_list(un->code, NULL) : json_null());
	json_object_set_new(sum, "calibration", json_pack("{s:s?,s:s?,s:s,"
	    "s:o}", "profile", s->prof ? s->prof->name : NULL,
	    "label", s->prof ? s->prof->label : NULL, "formula", s->how,
	    "formula_i18n", how_i18n));
	if (s->prep == CLINICAL_CHAMBER && un == NULL)
		json_object_set_new(json_object_get(sum, "calibration"),
		    "dilution", json_real(s->dilution));
	json_object_set_new(sum, "flags", flags);
}

/* The summary's "differential": its /uL needs a valid WBC estimate. */
static json_t *
differential_json(const struct sum *s, const json_t *wbc_ref)
{
	const char	*withheld = NULL;
	json_t		*withheld_i18n = NULL, *o;

	if (s->unavailable != NULL) {
		withheld = s->unavailable->en;
		withheld_i18n = msg_list(s->unavailable->code, NULL);
	} else if (!s->d[EST_WBC].ok) {
		withheld = "No WBC estimate.";
		withheld_i18n = msg_list("diff_per_ul_no_wbc", NULL);
	} else if (s->fl[EST_WBC] == EST_FLAG_IMPLAUSIBLE) {
		withheld = "The WBC estimate is implausible (check field "
		    "selection or calibration).";
		withheld_i18n = msg_list("diff_per_ul_implausible", NULL);
	}
	o = samples_diff_json(&s->diff, withheld == NULL ?
	    s->d[EST_WBC].per_ul : -1, withheld, withheld_i18n, wbc_ref,
	    s->age);
	return o != NULL ? o : json_null();
}

/* Add the chamber's manual counts, the differential, morphology, screening. */
static void
findings_add(struct sum *s, json_t *sum, const json_t *wbc_ref)
{
	enum est_flag	 rbc_flag = s->fl[EST_RBC];
	int		 chamber = s->prep == CLINICAL_CHAMBER;
	json_t		*o;

	/* A chamber: the technician's counts, and why the photos are not. */
	o = chamber && s->c != NULL ? samples_manual_json(s->sample, s->c,
	    s->prof, s->age, &rbc_flag, &s->unv) : NULL;
	json_object_set_new(sum, "manual", o != NULL ? o : json_null());
	json_object_set_new(sum, "detector_note", chamber ?
	    json_string(chamber_note.en) : json_null());
	json_object_set_new(sum, "detector_note_i18n", chamber ?
	    msg_list(chamber_note.code, NULL) : json_null());
	json_object_set_new(sum, "differential", differential_json(s,
	    wbc_ref));
	json_object_set_new(sum, "morphology", morphsum_json(&s->morph));
	json_object_set_new(sum, "screening", samples_screening_json(
	    s->sample, s->c, rbc_flag, &s->unv));
	json_object_set_new(sum, "unverified", samples_unverified_json(
	    &s->unv));
	json_object_set_new(sum, "disclaimer", json_string(disclaimer));
	json_object_set_new(sum, "disclaimer_i18n", msg_list("disclaimer",
	    NULL));
	json_object_set_new(sum, "sources", s->c && s->c->sources ?
	    json_incref(s->c->sources) : json_array());
}

json_t *
samples_summary_ref(int results_fd, const json_t *sample,
    const struct clinical *c, const json_t *wbc_ref)
{
	struct sum	*s;
	json_t		*sum = NULL, *fields, *missing;
	size_t		 nids;
	double		 v;

	nids = json_array_size(json_object_get(sample, "results"));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->sample = sample;
	s->c = c;
	morphsum_init(&s->morph);
	if ((s->f = calloc(nids + 1, sizeof(*s->f))) == NULL ||
	    (s->fr = calloc(nids + 1, sizeof(*s->fr))) == NULL ||
	    (s->x = calloc(nids + 1, sizeof(*s->x))) == NULL)
		goto done;
	fields = json_array();
	missing = json_array();
	if (fields_read(s, results_fd, fields, missing) == -1) {
		json_decref(fields);
		json_decref(missing);
		goto done;
	}
	if ((sum = counts_json(s, fields, missing)) == NULL)
		goto done;
	s->age = samples_num(sample, "age_months", &v) ? v : -1;
	estimates_add(s, sum);
	findings_add(s, sum, wbc_ref);
done:
	json_decref(s->cerr);
	free(s->f);
	free(s->fr);
	free(s->x);
	free(s);
	return sum;
}
