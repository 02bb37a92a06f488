/* estimates.c: cell-count arithmetic and anaemia screening rules (pure, no I/O) */
/*
 * Everything here is arithmetic a technician can redo by hand: no file,
 * no clock, no allocation.  The numbers the rules use (WHO cutoffs,
 * adjustments, reference ranges, calibration) come from the data files
 * loaded by clinical.c and arrive as tables, so a change of guideline is
 * a data edit, not a code change.  Haemoglobin is in g/L throughout.
 */

#include "clinical/estimates.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* M_PI is POSIX, not C11. */
#define EST_PI 3.14159265358979323846

static const char *const class_names[EST_NCLASS] = {
	"RBC", "WBC", "Platelets"
};

const char *
est_class_name(enum est_class c)
{
	return (c >= 0 && c < EST_NCLASS) ? class_names[c] : "?";
}

int
est_class_from_name(const char *name)
{
	int	 i;

	for (i = 0; i < EST_NCLASS; i++)
		if (name != NULL && strcmp(name, class_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Two-sided 95 % critical values of Student's t (standard tables).  For df
 * between table rows the next lower row is used, which widens the interval
 * slightly: conservative, never optimistic.
 */
static const struct {
	unsigned	df;
	double		t;
} t_table[] = {
	{ 1, 12.706 }, { 2, 4.303 }, { 3, 3.182 }, { 4, 2.776 },
	{ 5, 2.571 }, { 6, 2.447 }, { 7, 2.365 }, { 8, 2.306 },
	{ 9, 2.262 }, { 10, 2.228 }, { 11, 2.201 }, { 12, 2.179 },
	{ 13, 2.160 }, { 14, 2.145 }, { 15, 2.131 }, { 16, 2.120 },
	{ 17, 2.110 }, { 18, 2.101 }, { 19, 2.093 }, { 20, 2.086 },
	{ 21, 2.080 }, { 22, 2.074 }, { 23, 2.069 }, { 24, 2.064 },
	{ 25, 2.060 }, { 26, 2.056 }, { 27, 2.052 }, { 28, 2.048 },
	{ 29, 2.045 }, { 30, 2.042 }, { 40, 2.021 }, { 60, 2.000 },
	{ 120, 1.980 }
};

double
est_t975(unsigned df)
{
	size_t	 i, n = sizeof(t_table) / sizeof(t_table[0]);
	double	 t = t_table[0].t;

	if (df > t_table[n - 1].df)
		return 1.960;
	for (i = 0; i < n && t_table[i].df <= df; i++)
		t = t_table[i].t;
	return t;
}

void
est_stats(const double *x, size_t n, struct est_stats *st)
{
	size_t	 i;
	double	 ss = 0, half;

	memset(st, 0, sizeof(*st));
	st->n = n;
	for (i = 0; i < n; i++)
		st->total += x[i];
	if (n == 0)
		return;
	st->mean = st->total / (double)n;
	if (n < 2)
		return;
	for (i = 0; i < n; i++)
		ss += (x[i] - st->mean) * (x[i] - st->mean);
	st->sd = sqrt(ss / (double)(n - 1));
	st->t = est_t975((unsigned)(n - 1));
	half = st->t * st->sd / sqrt((double)n);
	/* A count cannot be negative; a symmetric interval can. */
	st->ci_lo = st->mean - half < 0 ? 0 : st->mean - half;
	st->ci_hi = st->mean + half;
	st->has_ci = 1;
}

double
est_chamber_per_ul(double count, double area_mm2, double depth_mm,
    double dilution)
{
	if (count < 0 || area_mm2 <= 0 || depth_mm <= 0 || dilution <= 0)
		return -1;
	return count / (area_mm2 * depth_mm) * dilution;
}

double
est_image_area_mm2(double w_px, double h_px, double um_per_px)
{
	if (w_px <= 0 || h_px <= 0 || um_per_px <= 0)
		return -1;
	return w_px * um_per_px * h_px * um_per_px / 1e6;
}

double
est_images_per_field(double w_px, double h_px, double um_per_px,
    double field_diam_um)
{
	double	 img_um2, r;

	if (w_px <= 0 || h_px <= 0 || um_per_px <= 0 || field_diam_um <= 0)
		return -1;
	img_um2 = w_px * um_per_px * h_px * um_per_px;
	r = field_diam_um / 2;
	return EST_PI * r * r / img_um2;
}

double
est_images_per_field_area(double area_um2, double field_diam_um)
{
	double	 r;

	if (area_um2 <= 0 || field_diam_um <= 0)
		return -1;
	r = field_diam_um / 2;
	return EST_PI * r * r / area_um2;
}

double
est_smear_per_ul(double mean_per_image, double images_per_field,
    double factor)
{
	if (mean_per_image < 0 || images_per_field <= 0 || factor <= 0)
		return -1;
	return mean_per_image * images_per_field * factor;
}

unsigned
est_stability(double rbc_total, size_t nfields, double min_rbc,
    size_t min_fields)
{
	return (rbc_total < min_rbc ? EST_FEW_RBC : 0) |
	    (nfields < min_fields ? EST_FEW_FIELDS : 0);
}

int
est_stable(double rbc_total, size_t nfields, double min_rbc,
    size_t min_fields, char *why, size_t whysz)
{
	char		 a[32], b[32];
	size_t		 len;
	unsigned	 bad;

	bad = est_stability(rbc_total, nfields, min_rbc, min_fields);
	if (whysz == 0)
		return bad == 0;
	why[0] = '\0';
	if (bad & EST_FEW_RBC) {
		est_fmt(a, sizeof(a), rbc_total, 0);
		est_fmt(b, sizeof(b), min_rbc, 0);
		snprintf(why, whysz, "Only %s RBC counted (fewer than %s). ",
		    a, b);
	}
	if (bad & EST_FEW_FIELDS) {
		len = strlen(why);
		snprintf(why + len, whysz - len,
		    "Only %zu field%s (fewer than %zu). ", nfields,
		    nfields == 1 ? "" : "s", min_fields);
	}
	len = strlen(why);
	if (len > 0 && why[len - 1] == ' ')
		why[len - 1] = '\0';
	return bad == 0;
}

const char *
est_flag_name(enum est_flag f)
{
	switch (f) {
	case EST_FLAG_LOW:
		return "low";
	case EST_FLAG_NORMAL:
		return "normal";
	case EST_FLAG_HIGH:
		return "high";
	case EST_FLAG_IMPLAUSIBLE:
		return "implausible";
	default:
		return "none";
	}
}

static int
age_fits(double age, double from, double to)
{
	if (age < 0)
		return from <= 0 && to < 0;
	return age >= from && (to < 0 || age < to);
}

const struct est_range *
est_range_find(const struct est_range *r, size_t n, enum est_class c,
    enum est_sex sex, double age_months)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (r[i].cls != c)
			continue;
		if (r[i].sex != EST_SEX_UNKNOWN && r[i].sex != sex)
			continue;
		if (age_fits(age_months, r[i].from_months, r[i].to_months))
			return &r[i];
	}
	return NULL;
}

enum est_flag
est_range_flag(const struct est_range *range, double value)
{
	if (range == NULL || value < 0)
		return EST_FLAG_NONE;
	if (value < range->low)
		return EST_FLAG_LOW;
	if (value > range->high)
		return EST_FLAG_HIGH;
	return EST_FLAG_NORMAL;
}

/*
 * Wide on purpose: only values no living person has.  RBC: severe
 * anaemia rarely goes below 1 x 10^6/uL, polycythaemia rarely above
 * 8 x 10^6/uL; WBC: leukaemias with hyperleukocytosis pass 100 x 10^3/uL
 * but a smear estimate that high is far likelier a field chosen around
 * white cells (BCCD's photos are); platelets: essential thrombocythaemia
 * rarely passes 2 x 10^6/uL.
 */
static const struct est_envelope envelopes[EST_NCLASS] = {
	{ 500000, 10000000 },	/* RBC */
	{ 0, 100000 },		/* WBC */
	{ 0, 2000000 }		/* Platelets */
};

const struct est_envelope *
est_envelope(enum est_class c)
{
	return (c >= 0 && c < EST_NCLASS) ? &envelopes[c] : NULL;
}

int
est_plausible(const struct est_envelope *e, double per_ul)
{
	if (e == NULL)
		return 0;
	if (per_ul < e->min)
		return -1;
	return per_ul > e->max ? 1 : 0;
}

enum est_flag
est_flag_estimate(enum est_class c, const struct est_range *range,
    double per_ul)
{
	if (per_ul >= 0 && est_plausible(est_envelope(c), per_ul) != 0)
		return EST_FLAG_IMPLAUSIBLE;
	return est_range_flag(range, per_ul);
}

const char *
est_reason_name(enum est_reason r)
{
	static const char *const names[] = {
		"no_hemoglobin", "no_hemoglobin_low_rbc", "trimester_needed",
		"age_needed", "under_6_months", "sex_needed",
		"no_cutoff_group", "hemoglobin_not_below_cutoff",
		"hemoglobin_below_cutoff"
	};

	return ((unsigned)r < sizeof(names) / sizeof(names[0])) ?
	    names[r] : "no_cutoff_group";
}

const char *
est_screen_name(enum est_screen s)
{
	switch (s) {
	case EST_SCREEN_LIKELY:
		return "likely";
	case EST_SCREEN_NOT_INDICATED:
		return "not_indicated";
	default:
		return "cannot_tell";
	}
}

const char *
est_severity_name(enum est_severity s)
{
	switch (s) {
	case EST_SEV_MILD:
		return "mild";
	case EST_SEV_MODERATE:
		return "moderate";
	case EST_SEV_SEVERE:
		return "severe";
	default:
		return "none";
	}
}

double
est_step_lookup(const struct est_step *s, size_t n, double x)
{
	size_t	 i;
	double	 v = 0;

	for (i = 0; i < n && s[i].from <= x; i++)
		v = s[i].g_l;
	return v;
}

const struct est_hb_group *
est_hb_group_find(const struct est_hb_group *g, size_t n,
    const struct est_person *p)
{
	size_t	 i;

	/* Unknown age still fits groups open at both ends (pregnancy). */
	for (i = 0; i < n; i++) {
		if (!age_fits(p->age_months, g[i].from_months, g[i].to_months))
			continue;
		if (g[i].sex != EST_SEX_UNKNOWN && g[i].sex != p->sex)
			continue;
		if (g[i].pregnant == 1 && !p->pregnant)
			continue;
		if (g[i].pregnant == 0 && p->pregnant)
			continue;
		if (g[i].trimester != 0 && g[i].trimester != p->trimester)
			continue;
		return &g[i];
	}
	return NULL;
}

/* Why no group matched, in words a technician can act on. */
static enum est_reason
no_group_reason(const struct est_person *p, char *buf, size_t bufsz)
{
	if (p->pregnant && p->trimester == 0) {
		snprintf(buf, bufsz, "Pregnancy trimester is needed: the WHO "
		    "cutoff differs by trimester.");
		return EST_REASON_NEED_TRIMESTER;
	}
	if (p->age_months < 0) {
		snprintf(buf, bufsz, "Age is needed to choose the WHO "
		    "haemoglobin cutoff.");
		return EST_REASON_NEED_AGE;
	}
	if (p->age_months < 6) {
		snprintf(buf, bufsz, "WHO gives no haemoglobin cutoff for "
		    "infants under 6 months.");
		return EST_REASON_UNDER_6_MONTHS;
	}
	if (p->sex == EST_SEX_UNKNOWN) {
		snprintf(buf, bufsz, "Sex is needed to choose the WHO "
		    "haemoglobin cutoff from 15 years of age.");
		return EST_REASON_NEED_SEX;
	}
	snprintf(buf, bufsz, "No WHO haemoglobin cutoff fits this "
	    "person's age, sex and pregnancy status.");
	return EST_REASON_NO_GROUP;
}

void
est_anaemia(const struct est_person *p, const struct est_hb_rules *rules,
    enum est_flag rbc_flag, struct est_hb_result *out)
{
	const struct est_hb_group	*g;
	char				 m[32], a[32], s[32], adj[32], cut[32];
	const char			*band, *alt;

	memset(out, 0, sizeof(*out));
	out->screen = EST_SCREEN_CANNOT_TELL;
	if (p->hb_g_l < 0) {
		if (rbc_flag == EST_FLAG_LOW) {
			out->reason_code = EST_REASON_NO_HB_LOW_RBC;
			snprintf(out->reason, sizeof(out->reason),
			    "No haemoglobin was measured. Low RBC estimate "
			    "\xe2\x80\x94 confirm with a hemoglobin test. "
			    "Anaemia is defined by haemoglobin, which a photo "
			    "cannot measure.");
		} else {
			out->reason_code = EST_REASON_NO_HB;
			snprintf(out->reason, sizeof(out->reason),
			    "No haemoglobin was measured. Anaemia is defined "
			    "by haemoglobin, which a photo cannot measure; "
			    "measure it to screen for anaemia.");
		}
		return;
	}
	out->group = g = est_hb_group_find(rules->groups, rules->ngroups, p);
	if (g == NULL) {
		out->reason_code = no_group_reason(p, out->reason,
		    sizeof(out->reason));
		return;
	}
	out->has_hb = 1;
	out->no_altitude = !p->has_altitude;
	out->measured = p->hb_g_l;
	if (p->has_altitude)
		out->altitude_adj = est_step_lookup(rules->altitude,
		    rules->naltitude, p->altitude_m);
	if (p->smoker)
		out->smoking_adj = p->packs_per_day < 0 ?
		    rules->smoking_unknown_g_l :
		    est_step_lookup(rules->smoking, rules->nsmoking,
		    p->packs_per_day);
	out->adjusted = out->measured - out->altitude_adj - out->smoking_adj;

	est_fmt(m, sizeof(m), out->measured, 1);
	est_fmt(a, sizeof(a), out->altitude_adj, 1);
	est_fmt(s, sizeof(s), out->smoking_adj, 1);
	est_fmt(adj, sizeof(adj), out->adjusted, 1);
	est_fmt(cut, sizeof(cut), g->anaemia_below, 1);
	snprintf(out->formula, sizeof(out->formula),
	    "adjusted Hb = %s g/L measured \xe2\x88\x92 %s g/L altitude "
	    "\xe2\x88\x92 %s g/L smoking = %s g/L; cutoff for %s: "
	    "anaemia below %s g/L", m, a, s, adj, g->label, cut);
	alt = out->no_altitude ? " Altitude not given: no altitude "
	    "adjustment applied (assumes residence below 500 m)." : "";

	if (out->adjusted >= g->anaemia_below) {
		out->screen = EST_SCREEN_NOT_INDICATED;
		out->reason_code = EST_REASON_NOT_BELOW;
		snprintf(out->reason, sizeof(out->reason),
		    "Adjusted haemoglobin %s g/L is at or above the WHO "
		    "cutoff of %s g/L for %s.%s", adj, cut, g->label, alt);
		return;
	}
	out->screen = EST_SCREEN_LIKELY;
	out->reason_code = EST_REASON_BELOW;
	if (out->adjusted >= g->mild_from)
		out->severity = EST_SEV_MILD;
	else if (out->adjusted >= g->moderate_from)
		out->severity = EST_SEV_MODERATE;
	else
		out->severity = EST_SEV_SEVERE;
	band = est_severity_name(out->severity);
	snprintf(out->reason, sizeof(out->reason),
	    "Adjusted haemoglobin %s g/L is below the WHO cutoff of %s g/L "
	    "for %s: %s anaemia band.%s", adj, cut, g->label, band, alt);
}

void
est_fmt(char *buf, size_t bufsz, double x, int decimals)
{
	size_t	 len;

	if (bufsz == 0)
		return;
	if (decimals < 0)
		decimals = 0;
	/* Half away from zero, not printf's round-half-even on binary. */
	x = round(x * pow(10, decimals)) / pow(10, decimals);
	/* Avoid "-0" after rounding tiny negatives: -0.0 == 0 too. */
	if (x == 0)
		x = 0;
	snprintf(buf, bufsz, "%.*f", decimals, x);
	if (decimals <= 0 || strchr(buf, '.') == NULL)
		return;
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
}
