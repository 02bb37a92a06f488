/* samples_summary.c: a sample's totals, estimates, flags, screening and their sentences */

#include "store/samples.h"
#include "store/samples_int.h"
#include "clinical/clinical.h"
#include "clinical/estimates.h"
#include "clinical/countest.h"
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

/* ---- summary --------------------------------------------------------- */

/* Rounded to d decimals, for display-friendly JSON numbers. */
static double
rnd(double x, int d)
{
	double	 m = pow(10, d);

	return round(x * m) / m;
}

static json_t *
num_or_null(const json_t *o, const char *key, double *v)
{
	json_t	*j = json_object_get(o, key);

	if (!json_is_number(j))
		return NULL;
	*v = json_number_value(j);
	return j;
}

/* Per-field data read from the results. */
struct field {
	double	count[EST_NCLASS];
	double	w, h;		/* image pixels; 0 if unknown */
	double	fov_um2;	/* measured field of view (result "fov"."area_um2"); 0 if none */
	int	targeted;	/* chosen around white cells: no estimate */
	double	frame[EST_NCLASS];	/* counting-frame counts */
	double	frame_ratio;	/* field area / frame area; 0: no frame */
};

struct density {
	int	ok;
	double	per_ul;
	double	lo, hi;		/* valid when has_ci */
	double	scale;		/* cells/uL per unit of the mean per image */
	int	has_ci;
	char	formula[400];
};

/* A fixed English sentence and its code (see msg_add()). */
struct sentence {
	const char	*code;
	const char	*en;
};

static const char *const class_noun[EST_NCLASS] = {
	"RBC", "WBC", "platelets"
};

/* How many of the n fields have a measured field of view in um^2. */
static size_t
fov_measured(const struct field *f, size_t n)
{
	size_t	 i, m = 0;

	for (i = 0; i < n; i++)
		if (f[i].fov_um2 > 0)
			m++;
	return m;
}

/*
 * Smear, measured: images per field from the mean measured field of view
 * of the n images (each > 0) and the profile's field diameter.  Equal to
 * total cells / total measured area x field area, so images of different
 * sizes weigh by their area.
 */
static double
smear_ipf_measured(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	char	 d[32], a[32], r[32];
	double	 sum = 0, mean, ipf;
	size_t	 i;

	for (i = 0; i < n; i++)
		sum += f[i].fov_um2;
	mean = sum / (double)n;
	ipf = est_images_per_field_area(mean, p->field_diameter_um);
	est_fmt(d, sizeof(d), p->field_diameter_um, 2);
	est_fmt(a, sizeof(a), mean, 1);
	est_fmt(r, sizeof(r), ipf, 3);
	snprintf(how, howsz, "images per field = \xcf\x80 \xc3\x97 (%s "
	    "\xc2\xb5m \xc3\xb7 2)\xc2\xb2 \xc3\xb7 %s \xc2\xb5m\xc2\xb2 "
	    "(mean measured field of view of %zu image%s) = %s", d, a, n,
	    n == 1 ? "" : "s", r);
	msg_add(msgs, "images_per_field_measured", json_pack("{s:f,s:f,s:I,"
	    "s:f}", "field_diameter_um", shown(p->field_diameter_um, 2),
	    "fov_area_um2", shown(mean, 1), "images", (json_int_t)n,
	    "images_per_field", shown(ipf, 3)));
	return ipf;
}

/*
 * Smear, fixed: images per field from the profile, or from the
 * calibration and the mean image size.  -1 with how saying why if
 * neither is possible.
 */
static double
smear_ipf_profile(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	char	 a[32], b[32], cw[32], ch[32], d[32];
	double	 w = 0, h = 0, ipf;
	size_t	 i;

	if (p->images_per_field > 0) {
		est_fmt(a, sizeof(a), p->images_per_field, 3);
		snprintf(how, howsz, "images per field = %s (profile "
		    "\"%s\": one image is 1/%s of a field)", a, p->name, a);
		msg_add(msgs, "images_per_field_profile", json_pack("{s:f,"
		    "s:s}", "images_per_field", shown(p->images_per_field, 3),
		    "profile", p->name));
		return p->images_per_field;
	}
	for (i = 0; i < n; i++) {
		if (f[i].w <= 0 || f[i].h <= 0) {
			snprintf(how, howsz, "image size missing in a "
			    "result.json");
			msg_add(msgs, "image_size_missing", NULL);
			return -1;
		}
		w += f[i].w / (double)n;
		h += f[i].h / (double)n;
	}
	ipf = est_images_per_field(w, h, p->um_per_px, p->field_diameter_um);
	est_fmt(d, sizeof(d), p->field_diameter_um, 2);
	est_fmt(cw, sizeof(cw), w, 1);
	est_fmt(ch, sizeof(ch), h, 1);
	est_fmt(b, sizeof(b), p->um_per_px, 4);
	est_fmt(a, sizeof(a), ipf, 2);
	snprintf(how, howsz, "images per field = \xcf\x80 \xc3\x97 (%s "
	    "\xc2\xb5m \xc3\xb7 2)\xc2\xb2 \xc3\xb7 (%s px \xc3\x97 %s px "
	    "\xc3\x97 (%s \xc2\xb5m/px)\xc2\xb2) = %s", d, cw, ch, b, a);
	msg_add(msgs, "images_per_field_calibrated", json_pack("{s:f,s:f,"
	    "s:f,s:f,s:f}", "field_diameter_um", shown(p->field_diameter_um,
	    2), "width_px", shown(w, 1), "height_px", shown(h, 1),
	    "um_per_px", shown(p->um_per_px, 4), "images_per_field",
	    shown(ipf, 2)));
	return ipf;
}

/*
 * Smear: images per field, written out in how and as messages in msgs;
 * -1 (how saying why) when it cannot be worked out.  The measured field
 * of view (fov.area_um2 of each result, known when the image's um/px
 * was) is used when every image has one and the profile gives the
 * field diameter; otherwise the profile's fixed figure, with a second
 * sentence saying why measured areas were left unused.  All or nothing:
 * a mean over some images only would mix two ways of counting.
 */
static double
smear_images_per_field(const struct clinical_profile *p,
    const struct field *f, size_t n, char *how, size_t howsz, json_t *msgs)
{
	double	 ipf;
	size_t	 measured = fov_measured(f, n), len;

	if (n > 0 && measured == n && p->field_diameter_um > 0)
		return smear_ipf_measured(p, f, n, how, howsz, msgs);
	ipf = smear_ipf_profile(p, f, n, how, howsz, msgs);
	len = strlen(how);
	if (measured > 0 && measured < n) {
		snprintf(how + len, howsz - len, " (field of view measured in "
		    "%zu of %zu images: the measured area is used only when "
		    "every image of the sample has one)", measured, n);
		msg_add(msgs, "fov_partly_measured", json_pack("{s:I,s:I}",
		    "measured", (json_int_t)measured, "images",
		    (json_int_t)n));
	} else if (measured > 0) {
		snprintf(how + len, howsz - len, " (every image has a measured "
		    "field of view, but profile \"%s\" gives no field "
		    "diameter: not used)", p->name);
		msg_add(msgs, "fov_no_field_diameter", json_pack("{s:s}",
		    "profile", p->name));
	}
	return ipf;
}

/* Density of class k on a smear; its formula also as a message in msgs. */
static void
smear_density(const struct clinical_profile *p, enum est_class k,
    const struct est_stats *st, double ipf, struct density *out,
    json_t *msgs)
{
	char	 tot[32], mean[32], ip[32], fac[32], res[32];
	double	 scale;

	out->scale = scale = ipf * p->factor[k];
	out->per_ul = est_smear_per_ul(st->mean, ipf, p->factor[k]);
	if (!(out->ok = out->per_ul >= 0))
		return;
	if (st->has_ci) {
		out->lo = st->ci_lo * scale;
		out->hi = st->ci_hi * scale;
		out->has_ci = 1;
	}
	est_fmt(tot, sizeof(tot), st->total, 0);
	est_fmt(mean, sizeof(mean), st->mean, 3);
	est_fmt(ip, sizeof(ip), ipf, 3);
	est_fmt(fac, sizeof(fac), p->factor[k], 0);
	est_fmt(res, sizeof(res), out->per_ul, 0);
	snprintf(out->formula, sizeof(out->formula),
	    "%s/\xc2\xb5L \xe2\x89\x88 %s per image (%s %s \xc3\xb7 %zu "
	    "image%s) \xc3\x97 %s images/field \xc3\x97 %s = %s",
	    est_class_name(k), mean, tot, class_noun[k], st->n,
	    st->n == 1 ? "" : "s", ip, fac, res);
	msg_add(msgs, "smear_density", json_pack("{s:s,s:f,s:o,s:I,s:f,s:o,"
	    "s:o}", "class", est_class_name(k), "mean", shown(st->mean, 3),
	    "total", jnum(st->total, 0), "fields", (json_int_t)st->n,
	    "images_per_field", shown(ipf, 3), "factor",
	    jnum(p->factor[k], 0), "per_ul", jnum(out->per_ul, 0)));
}

/* Chamber, fixed: the profile's area per image, or width x height x (um/px)^2. */
static double
chamber_area_profile(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	char	 a[32], b[32], cw[32], ch[32], t[32];
	double	 total = 0, one;
	size_t	 i;
	int	 same = 1;

	if (p->field_area_mm2 > 0) {
		total = p->field_area_mm2 * (double)n;
		est_fmt(a, sizeof(a), p->field_area_mm2, 6);
		est_fmt(t, sizeof(t), total, 6);
		snprintf(how, howsz, "counted area = %zu image%s \xc3\x97 %s "
		    "mm\xc2\xb2 (profile \"%s\") = %s mm\xc2\xb2", n,
		    n == 1 ? "" : "s", a, p->name, t);
		msg_add(msgs, "area_profile", json_pack("{s:I,s:f,s:s,s:f}",
		    "images", (json_int_t)n, "field_area_mm2",
		    shown(p->field_area_mm2, 6), "profile", p->name,
		    "area_mm2", shown(total, 6)));
		return total;
	}
	for (i = 0; i < n; i++) {
		one = est_image_area_mm2(f[i].w, f[i].h, p->um_per_px);
		if (one <= 0) {
			snprintf(how, howsz, "image size missing in a "
			    "result.json");
			msg_add(msgs, "image_size_missing", NULL);
			return -1;
		}
		total += one;
		if (f[i].w != f[0].w || f[i].h != f[0].h)
			same = 0;
	}
	est_fmt(b, sizeof(b), p->um_per_px, 4);
	est_fmt(t, sizeof(t), total, 6);
	if (same) {
		one = est_image_area_mm2(f[0].w, f[0].h, p->um_per_px);
		est_fmt(cw, sizeof(cw), f[0].w, 0);
		est_fmt(ch, sizeof(ch), f[0].h, 0);
		est_fmt(a, sizeof(a), one, 6);
		snprintf(how, howsz, "counted area = %zu image%s \xc3\x97 %s "
		    "px \xc3\x97 %s px \xc3\x97 (%s \xc2\xb5m/px)\xc2\xb2 = "
		    "%zu \xc3\x97 %s mm\xc2\xb2 = %s mm\xc2\xb2", n,
		    n == 1 ? "" : "s", cw, ch, b, n, a, t);
		msg_add(msgs, "area_calibrated", json_pack("{s:I,s:o,s:o,s:f,"
		    "s:f,s:f}", "images", (json_int_t)n, "width_px",
		    jnum(f[0].w, 0), "height_px", jnum(f[0].h, 0),
		    "um_per_px", shown(p->um_per_px, 4), "image_area_mm2",
		    shown(one, 6), "area_mm2", shown(total, 6)));
	} else {
		snprintf(how, howsz, "counted area = \xce\xa3 (width px "
		    "\xc3\x97 height px \xc3\x97 (%s \xc2\xb5m/px)\xc2\xb2) "
		    "over %zu image%s = %s mm\xc2\xb2", b, n, n == 1 ? "" : "s",
		    t);
		msg_add(msgs, "area_calibrated_mixed", json_pack("{s:f,s:I,"
		    "s:f}", "um_per_px", shown(p->um_per_px, 4), "images",
		    (json_int_t)n, "area_mm2", shown(total, 6)));
	}
	return total;
}

/*
 * Chamber: total counted area in mm^2, written out in how and as a
 * message in msgs; -1 if unknown (how says why).  As for a smear, the
 * measured fields of view when every field has one (only the cells
 * inside them were counted), else the profile's way, saying why.
 */
static double
chamber_area(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	double	 total = 0;
	size_t	 i, measured = fov_measured(f, n), len;
	char	 t[32];

	if (n > 0 && measured == n) {
		for (i = 0; i < n; i++)
			total += f[i].fov_um2 / 1e6;
		est_fmt(t, sizeof(t), total, 6);
		snprintf(how, howsz, "counted area = measured field of view of "
		    "%zu image%s = %s mm\xc2\xb2", n, n == 1 ? "" : "s", t);
		msg_add(msgs, "area_measured", json_pack("{s:I,s:f}", "images",
		    (json_int_t)n, "area_mm2", shown(total, 6)));
		return total;
	}
	total = chamber_area_profile(p, f, n, how, howsz, msgs);
	len = strlen(how);
	if (measured > 0) {
		snprintf(how + len, howsz - len, " (field of view measured in "
		    "%zu of %zu images: the measured area is used only when "
		    "every image of the sample has one)", measured, n);
		msg_add(msgs, "fov_partly_measured", json_pack("{s:I,s:I}",
		    "measured", (json_int_t)measured, "images",
		    (json_int_t)n));
	}
	return total;
}

/* Density of class k in a chamber; its formula also as a message in msgs. */
static void
chamber_density(const struct clinical_profile *p, enum est_class k,
    const struct est_stats *st, double area, double dilution,
    struct density *out, json_t *msgs)
{
	char	 tot[32], ar[32], dp[32], dl[32], res[32];
	double	 scale;

	out->per_ul = est_chamber_per_ul(st->total, area, p->depth_mm,
	    dilution);
	if (!(out->ok = out->per_ul >= 0))
		return;
	/* Mean per image to cells/uL: n images share the total area. */
	out->scale = scale = (double)st->n / (area * p->depth_mm) * dilution;
	if (st->has_ci) {
		out->lo = st->ci_lo * scale;
		out->hi = st->ci_hi * scale;
		out->has_ci = 1;
	}
	est_fmt(tot, sizeof(tot), st->total, 0);
	est_fmt(ar, sizeof(ar), area, 6);
	est_fmt(dp, sizeof(dp), p->depth_mm, 4);
	est_fmt(dl, sizeof(dl), dilution, 2);
	est_fmt(res, sizeof(res), out->per_ul, 0);
	snprintf(out->formula, sizeof(out->formula),
	    "%s/\xc2\xb5L = %s %s \xc3\xb7 (%s mm\xc2\xb2 \xc3\x97 %s mm) "
	    "\xc3\x97 %s = %s", est_class_name(k), tot, class_noun[k], ar,
	    dp, dl, res);
	msg_add(msgs, "chamber_density", json_pack("{s:s,s:o,s:f,s:f,s:f,"
	    "s:o}", "class", est_class_name(k), "total", jnum(st->total, 0),
	    "area_mm2", shown(area, 6), "depth_mm", shown(p->depth_mm, 4),
	    "dilution", shown(dilution, 2), "per_ul",
	    jnum(out->per_ul, 0)));
}

static const struct sentence *
assumptions(enum clinical_prep prep, enum est_class k)
{
	static const struct sentence	 chamber = { "assumptions_chamber",
		"Assumes the cells settled evenly in the chamber, the "
		"stated dilution and depth, the counted area from the "
		"calibration, and that the detector found every cell." };
	static const struct sentence	 smear[EST_NCLASS] = {
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

static const struct sentence *
flag_text(enum est_class k, enum est_flag f)
{
	static const struct sentence	 t[EST_NCLASS][2] = {
		{ { "flag_rbc_low", "Low RBC estimate \xe2\x80\x94 confirm "
		    "with a hemoglobin test." },
		  { "flag_rbc_high", "High RBC estimate \xe2\x80\x94 confirm "
		    "with a full blood count." } },
		{ { "flag_wbc_low", "Low WBC estimate \xe2\x80\x94 confirm "
		    "with a WBC count." },
		  { "flag_wbc_high", "High WBC estimate \xe2\x80\x94 confirm "
		    "with a WBC count." } },
		{ { "flag_platelets_low", "Low platelet estimate \xe2\x80\x94 "
		    "look for platelet clumps and confirm with a platelet "
		    "count." },
		  { "flag_platelets_high", "High platelet estimate "
		    "\xe2\x80\x94 confirm with a platelet count." } }
	};
	static const struct sentence	 normal = { "flag_normal",
		"Within the reference range." };
	static const struct sentence	 none = { "flag_none",
		"No reference range applies (age or sex unknown, or under "
		"6 months), or no estimate." };

	if (f == EST_FLAG_LOW)
		return &t[k][0];
	if (f == EST_FLAG_HIGH)
		return &t[k][1];
	return f == EST_FLAG_NORMAL ? &normal : &none;
}

/*
 * The flag of an estimate outside est_envelope(): no real count, so the
 * fields or the calibration are wrong; never "high" or "low".
 */
static json_t *
implausible_json(enum est_class k, double per_ul)
{
	const struct est_envelope	*e = est_envelope(k);
	char				 text[320], lim[32];
	int				 high = est_plausible(e, per_ul) > 0;

	est_fmt(lim, sizeof(lim), high ? e->max : e->min, 0);
	snprintf(text, sizeof(text), "Implausible \xe2\x80\x94 check field "
	    "selection or calibration: %s estimates %s %s/\xc2\xb5L are no "
	    "real count, so this one is not flagged high or low.",
	    est_class_name(k), high ? "above" : "below", lim);
	return json_pack("{s:s,s:s,s:o,s:[f,f]}", "flag", "implausible",
	    "text", text, "text_i18n", msg_list(high ?
	    "flag_implausible_high" : "flag_implausible_low",
	    json_pack(high ? "{s:s,s:o}" : "{s:s,s:o}", "class",
	    est_class_name(k), high ? "max_per_ul" : "min_per_ul",
	    jnum(high ? e->max : e->min, 0))), "plausible_per_ul",
	    e->min, e->max);
}

static void
msg_add_sel(json_t *l, const char *code, size_t targeted,
    size_t random)
{
	msg_add(l, code, json_pack("{s:I,s:I}", "targeted",
	    (json_int_t)targeted, "random", (json_int_t)random));
}

/* Why a summary has no estimates. */
static const struct sentence
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

static const struct sentence ci_method = { "ci_method",
	"95% confidence interval of the mean count per image: mean \xc2\xb1 "
	"t \xc3\x97 SD \xc3\xb7 \xe2\x88\x9an, with SD the sample standard "
	"deviation (n \xe2\x88\x92 1) and t the two-sided 95% Student t "
	"value for n \xe2\x88\x92 1 degrees of freedom (table; 1.96 above "
	"120); lower bound clamped at 0; none with fewer than 2 images. "
	"Density intervals scale the same interval by the same factors." };

static enum est_sex
sex_of(const json_t *sample)
{
	const char	*s = json_string_value(json_object_get(sample, "sex"));

	if (s != NULL && strcmp(s, "female") == 0)
		return EST_SEX_FEMALE;
	if (s != NULL && strcmp(s, "male") == 0)
		return EST_SEX_MALE;
	return EST_SEX_UNKNOWN;
}

static json_t *
stats_json(const struct est_stats *st)
{
	json_t	*o;

	o = json_pack("{s:I,s:I,s:f}", "n", (json_int_t)st->n,
	    "total", (json_int_t)llround(st->total),
	    "mean", rnd(st->mean, 3));
	if (o == NULL)
		return NULL;
	if (st->has_ci) {
		json_object_set_new(o, "sd", json_real(rnd(st->sd, 3)));
		json_object_set_new(o, "t", json_real(st->t));
		json_object_set_new(o, "ci95", json_pack("[f,f]",
		    rnd(st->ci_lo, 3), rnd(st->ci_hi, 3)));
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

/* The screening reason as messages: its code, then the altitude note. */
static json_t *
reason_i18n(const struct est_hb_result *r)
{
	const struct est_hb_group	*g = r->group;
	json_t				*l, *params = NULL;

	if ((l = json_array()) == NULL)
		return NULL;
	if (r->reason_code == EST_REASON_NOT_BELOW ||
	    r->reason_code == EST_REASON_BELOW)
		params = json_pack("{s:f,s:f,s:s,s:s}",
		    "adjusted_g_l", shown(r->adjusted, 1),
		    "cutoff_g_l", shown(g->anaemia_below, 1),
		    "group", g->id, "group_label", g->label);
	if (params != NULL && r->reason_code == EST_REASON_BELOW)
		json_object_set_new(params, "severity",
		    json_string(est_severity_name(r->severity)));
	msg_add(l, est_reason_name(r->reason_code), params);
	if (r->no_altitude)
		msg_add(l, "altitude_not_given", NULL);
	return l;
}

/* ---- reference data not yet verified -------------------------------- */

/*
 * Entries of etc/reference-ranges.json marked "check": true were written
 * from memory of their source and are not verified: every summary that
 * uses one says so (summary "unverified"), beside the figure too.
 */
struct unverified {
	int			 ranges;
	const struct est_hb_group *cutoff;	/* the group used, if unverified */
	int			 altitude;
	int			 smoking;
};

static json_t *
unverified_json(const struct unverified *u)
{
	char	 text[800], one[240];
	json_t	*items, *l;

	text[0] = '\0';
	items = json_array();
	l = json_array();
	if (u->ranges) {
		json_array_append_new(items, json_string("reference_ranges"));
		msg_add(l, "unverified_ranges", NULL);
		snprintf(one, sizeof(one), "Unverified: the reference ranges "
		    "are written from memory of the cited source, not yet "
		    "checked against it; prefer your laboratory's own "
		    "ranges.");
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	if (u->cutoff != NULL) {
		json_array_append_new(items, json_string("hemoglobin_cutoff"));
		msg_add(l, "unverified_cutoff", json_pack("{s:s,s:s}",
		    "group", u->cutoff->id, "group_label", u->cutoff->label));
		snprintf(one, sizeof(one), "Unverified: the haemoglobin "
		    "cutoff and severity bands for %s are not yet checked "
		    "against the WHO 2024 guideline.", u->cutoff->label);
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	if (u->altitude) {
		json_array_append_new(items, json_string(
		    "altitude_adjustment"));
		msg_add(l, "unverified_altitude", NULL);
		snprintf(one, sizeof(one), "Unverified: the altitude "
		    "adjustment table is not yet checked against the WHO 2024 "
		    "guideline.");
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	if (u->smoking) {
		json_array_append_new(items, json_string(
		    "smoking_adjustment"));
		msg_add(l, "unverified_smoking", NULL);
		snprintf(one, sizeof(one), "Unverified: the smoking "
		    "adjustment is not yet checked against its source.");
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	return json_pack("{s:o,s:s,s:o}", "items", items, "text", text,
	    "text_i18n", l);
}

/* The haemoglobin arithmetic of r (has_hb), as JSON; null without. */
static json_t *
hb_json(const struct est_hb_result *r)
{
	if (!r->has_hb)
		return json_null();
	return json_pack("{s:f,s:f,s:f,s:f,s:f,s:s,s:o}",
	    "measured_g_l", r->measured,
	    "altitude_adjustment_g_l", r->altitude_adj,
	    "smoking_adjustment_g_l", r->smoking_adj,
	    "adjusted_g_l", r->adjusted,
	    "cutoff_g_l", r->group->anaemia_below,
	    "formula", r->formula,
	    "formula_i18n", msg_list("hemoglobin_formula",
	    json_pack("{s:f,s:f,s:f,s:f,s:s,s:s,s:f}",
	    "measured_g_l", shown(r->measured, 1),
	    "altitude_g_l", shown(r->altitude_adj, 1),
	    "smoking_g_l", shown(r->smoking_adj, 1),
	    "adjusted_g_l", shown(r->adjusted, 1),
	    "group", r->group->id, "group_label", r->group->label,
	    "cutoff_g_l", shown(r->group->anaemia_below, 1))));
}

/* r's result and severity (NULL unless anaemia is likely), as JSON. */
static json_t *
screen_pair(enum est_screen screen, enum est_severity sev)
{
	return json_pack("{s:s,s:s?}", "result", est_screen_name(screen),
	    "severity", screen == EST_SCREEN_LIKELY ?
	    est_severity_name(sev) : NULL);
}

/*
 * The screening p got on verified reference data alone (c's verified rules;
 * an unverified cutoff gives no result), into v, its reason words in *why.
 */
static void
screening_verified(const struct est_person *p, const struct clinical *c,
    enum est_flag rbc_flag, const struct unverified *u,
    struct est_hb_result *v, json_t **why)
{
	struct est_hb_rules	 vr;

	clinical_verified_rules(c, &vr);
	est_anaemia(p, &vr, rbc_flag, v);
	if (u->cutoff == NULL) {
		*why = reason_i18n(v);
		return;
	}
	v->screen = EST_SCREEN_CANNOT_TELL;
	v->has_hb = 0;
	snprintf(v->reason, sizeof(v->reason), "The haemoglobin cutoff "
	    "for %s is not yet verified: no result is given on it alone.",
	    u->cutoff->label);
	*why = msg_list("cutoff_unverified_no_result", json_pack(
	    "{s:s,s:s}", "group", u->cutoff->id, "group_label",
	    u->cutoff->label));
}

/*
 * r used reference data not yet verified (u) that changed its numbers: the
 * headline of o (result, severity, reason, hemoglobin) is made to rest on
 * verified data alone, "with_unverified" keeps r for the page to show
 * beside it and "without_unverified" the verified result.  The headline's
 * result is both results' when they agree, else "cannot tell"; its
 * severity only when both give the same band.
 */
static void
screening_split(json_t *o, const struct est_person *p,
    const struct clinical *c, enum est_flag rbc_flag,
    const struct est_hb_result *r, const struct unverified *u)
{
	static const char *const labels[] = {
		"Cannot tell", "Anaemia not indicated", "Anaemia likely"
	};
	struct est_hb_result	 v;
	enum est_screen		 head;
	json_t			*uses, *why, *w;
	int			 alt = u->altitude && r->altitude_adj != 0;
	int			 smk = u->smoking && r->smoking_adj != 0;
	size_t			 n;

	if (u->cutoff == NULL && !alt && !smk)
		return;
	uses = json_array();
	if (u->cutoff != NULL)
		json_array_append_new(uses, json_string("hemoglobin_cutoff"));
	if (alt)
		json_array_append_new(uses, json_string("altitude_adjustment"));
	if (smk)
		json_array_append_new(uses, json_string("smoking_adjustment"));
	w = screen_pair(r->screen, r->severity);
	json_object_set_new(w, "reason", json_string(r->reason));
	json_object_set_new(w, "reason_i18n", reason_i18n(r));
	json_object_set_new(w, "hemoglobin", hb_json(r));
	json_object_set_new(json_object_get(w, "hemoglobin"),
	    "altitude_unverified", json_boolean(alt));
	json_object_set_new(json_object_get(w, "hemoglobin"),
	    "smoking_unverified", json_boolean(smk));
	json_object_set_new(w, "uses", uses);
	json_object_set_new(o, "with_unverified", w);

	screening_verified(p, c, rbc_flag, u, &v, &why);
	json_object_set_new(o, "without_unverified",
	    screen_pair(v.screen, v.severity));
	head = v.screen == r->screen ? v.screen : EST_SCREEN_CANNOT_TELL;
	n = strlen(v.reason);
	if (head != v.screen) {
		snprintf(v.reason + n, sizeof(v.reason) - n, " With reference "
		    "data not yet verified the result differs: cannot tell "
		    "until that data is checked.");
		msg_add(why, "screen_depends_on_unverified", NULL);
	} else if (head == EST_SCREEN_LIKELY && v.severity != r->severity) {
		snprintf(v.reason + n, sizeof(v.reason) - n, " The severity "
		    "band depends on reference data not yet verified: not "
		    "given.");
		msg_add(why, "severity_depends_on_unverified", NULL);
	}
	n = strlen(v.reason);
	if (alt) {
		snprintf(v.reason + n, sizeof(v.reason) - n, " The altitude "
		    "adjustment is left out here: it is not yet verified.");
		msg_add(why, "altitude_left_out", NULL);
	}
	n = strlen(v.reason);
	if (smk) {
		snprintf(v.reason + n, sizeof(v.reason) - n, " The smoking "
		    "adjustment is left out here: it is not yet verified.");
		msg_add(why, "smoking_left_out", NULL);
	}
	json_object_set_new(o, "result", json_string(est_screen_name(head)));
	json_object_set_new(o, "label", json_string(labels[head]));
	if (head == EST_SCREEN_LIKELY && v.severity == r->severity)
		json_object_set_new(o, "severity",
		    json_string(est_severity_name(v.severity)));
	else
		json_object_del(o, "severity");
	json_object_set_new(o, "reason", json_string(v.reason));
	json_object_set_new(o, "reason_i18n", why);
	json_object_set_new(o, "hemoglobin", hb_json(&v));
}

static json_t *
screening_json(const json_t *sample, const struct clinical *c,
    enum est_flag rbc_flag, struct unverified *u)
{
	struct est_person	 p;
	struct est_hb_result	 r;
	json_t			*o, *hb, *why;
	double			 v;
	static const char *const labels[] = {
		"Cannot tell", "Anaemia not indicated", "Anaemia likely"
	};

	memset(&p, 0, sizeof(p));
	p.age_months = num_or_null(sample, "age_months", &v) ? v : -1;
	p.sex = sex_of(sample);
	p.pregnant = json_is_true(json_object_get(sample, "pregnant"));
	p.trimester = num_or_null(sample, "trimester", &v) ? (int)v : 0;
	p.hb_g_l = num_or_null(sample, "hemoglobin_g_l", &v) ? v : -1;
	p.has_altitude = num_or_null(sample, "altitude_m", &v) != NULL;
	p.altitude_m = p.has_altitude ? v : 0;
	p.smoker = json_is_true(json_object_get(sample, "smoker"));
	p.packs_per_day = num_or_null(sample, "packs_per_day", &v) ? v : -1;

	if (c == NULL) {
		memset(&r, 0, sizeof(r));
		snprintf(r.reason, sizeof(r.reason), "Reference data not "
		    "loaded on this server (see the server log).");
		why = msg_list("reference_not_loaded", NULL);
	} else {
		est_anaemia(&p, &c->rules, rbc_flag, &r);
		why = reason_i18n(&r);
	}

	hb = hb_json(&r);
	o = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s,s:o,s:o}",
	    "result", est_screen_name(r.screen),
	    "label", labels[r.screen],
	    "severity", r.screen == EST_SCREEN_LIKELY ?
	    est_severity_name(r.severity) : NULL,
	    "group", r.group != NULL ? r.group->label : NULL,
	    "group_id", r.group != NULL && r.group->id[0] != '\0' ?
	    r.group->id : NULL,
	    "reason", r.reason,
	    "reason_i18n", why != NULL ? why : json_null(),
	    "hemoglobin", hb != NULL ? hb : json_null());
	/* Which of the numbers used are not verified against their source. */
	if (c != NULL && r.has_hb && r.group != NULL) {
		if (r.group->unverified)
			u->cutoff = r.group;
		u->altitude = p.has_altitude && c->altitude_unverified;
		u->smoking = p.smoker && c->smoking_unverified;
	}
	json_object_set_new(o, "cutoff_unverified",
	    json_boolean(u->cutoff != NULL));
	if (json_is_object(json_object_get(o, "hemoglobin"))) {
		json_object_set_new(json_object_get(o, "hemoglobin"),
		    "altitude_unverified", json_boolean(u->altitude));
		json_object_set_new(json_object_get(o, "hemoglobin"),
		    "smoking_unverified", json_boolean(u->smoking));
	}
	if (c != NULL && r.has_hb)
		screening_split(o, &p, c, rbc_flag, &r, u);
	return o;
}

/*
 * The technician's own chamber counts (sample "manual_counts"): per class
 * cells/uL = cells / (squares x square area x depth) x dilution, written
 * out, flagged like an estimate (plausibility first).  Sets *rbc_flag to
 * the manual RBC's flag when there is one.  NULL without manual counts
 * or a chamber profile.
 */
static json_t *
manual_json(const json_t *sample, const struct clinical *c,
    const struct clinical_profile *prof, double age, enum est_flag *rbc_flag,
    struct unverified *unv)
{
	const json_t			*mc = json_object_get(sample,
					    "manual_counts"), *m;
	const struct samples_square	*sq;
	const struct est_range		*range;
	const struct sentence		*sn;
	json_t				*out, *o, *fo;
	double				 cells, squares, dil, sdil, area, per_ul;
	char				 a[32], b[32], d[32], e[32], f[32];
	char				 g[32], formula[400];
	enum est_flag			 fl;
	int				 k;

	if (!json_is_object(mc) || prof == NULL ||
	    prof->prep != CLINICAL_CHAMBER || !(prof->depth_mm > 0))
		return NULL;
	if (!num_or_null(sample, "dilution", &sdil) || sdil < 1)
		sdil = prof->default_dilution;
	out = json_object();
	for (k = 0; k < EST_NCLASS; k++) {
		m = json_object_get(mc, est_class_name(k));
		if (!json_is_object(m) || (sq = samples_square_find(
		    json_string_value(json_object_get(m, "square")))) == NULL ||
		    !num_or_null(m, "cells", &cells) ||
		    !num_or_null(m, "squares", &squares) || !(squares > 0))
			continue;
		if (!num_or_null(m, "dilution", &dil) || dil < 1)
			dil = sdil;
		area = squares * sq->area_mm2;
		per_ul = cells / (area * prof->depth_mm) * dil;
		est_fmt(a, sizeof(a), cells, 0);
		est_fmt(b, sizeof(b), squares, 0);
		est_fmt(d, sizeof(d), sq->area_mm2, 4);
		est_fmt(e, sizeof(e), prof->depth_mm, 4);
		est_fmt(f, sizeof(f), dil, 2);
		est_fmt(g, sizeof(g), per_ul, 0);
		snprintf(formula, sizeof(formula), "%s/\xc2\xb5L = %s cells "
		    "counted \xc3\xb7 (%s %s square%s \xc3\x97 %s mm\xc2\xb2 "
		    "\xc3\x97 %s mm deep) \xc3\x97 dilution %s = %s",
		    est_class_name(k), a, b, sq->name, squares == 1 ? "" : "s",
		    d, e, f, g);
		o = json_pack("{s:o,s:o,s:s,s:f,s:f,s:f,s:o,s:s,s:o}",
		    "cells", jnum(cells, 0), "squares", jnum(squares, 0),
		    "square", sq->name, "square_area_mm2", sq->area_mm2,
		    "depth_mm", prof->depth_mm, "dilution", dil,
		    "per_ul", jnum(per_ul, 0), "formula", formula,
		    "formula_i18n", msg_list("manual_density", json_pack(
		    "{s:s,s:o,s:o,s:s,s:f,s:f,s:f,s:o}", "class",
		    est_class_name(k), "cells", jnum(cells, 0), "squares",
		    jnum(squares, 0), "square", sq->name, "square_area_mm2",
		    shown(sq->area_mm2, 4), "depth_mm", shown(prof->depth_mm, 4),
		    "dilution", shown(dil, 2), "per_ul", jnum(per_ul, 0))));
		range = c != NULL ? est_range_find(c->ranges, c->nranges, k,
		    sex_of(sample), age) : NULL;
		fl = est_flag_estimate(k, range, per_ul);
		if (k == EST_RBC)
			*rbc_flag = fl;
		json_object_set_new(o, "plausible", json_boolean(fl !=
		    EST_FLAG_IMPLAUSIBLE));
		if (fl == EST_FLAG_IMPLAUSIBLE)
			fo = implausible_json(k, per_ul);
		else {
			sn = flag_text(k, fl);
			fo = json_pack("{s:s,s:s,s:o}", "flag", est_flag_name(fl),
			    "text", sn->en, "text_i18n", msg_list(sn->code,
			    NULL));
		}
		if (range != NULL) {
			json_object_set_new(fo, "range_per_ul",
			    json_pack("[f,f]", range->low, range->high));
			json_object_set_new(fo, "range_unverified",
			    json_boolean(range->unverified));
			if (range->unverified && fl != EST_FLAG_IMPLAUSIBLE)
				unv->ranges = 1;
		}
		json_object_set_new(o, "flag", fo);
		json_object_set_new(out, est_class_name(k), o);
	}
	return out;
}

/* Why a chamber's photos are not the count (until the detector is validated on them). */
static const struct sentence chamber_note = { "chamber_not_validated",
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

json_t *
samples_summary_ref(int results_fd, const json_t *sample,
    const struct clinical *c, const json_t *wbc_ref)
{
	const struct clinical_profile	*prof = NULL;
	const json_t			*ids;
	json_t				*sum = NULL, *fields, *missing, *r, *counts;
	json_t				*totals, *stats, *est, *flags, *o;
	json_t				*how_i18n, *formula_i18n, *rv;
	struct field			*f = NULL;
	struct est_stats		 st[EST_NCLASS], se[EST_NCLASS], sr;
	struct density			 d[EST_NCLASS];
	struct samples_diff		 diff;
	struct morphsum			 morph;	/* issue 27 */
	struct field			*fr = NULL;
	const struct est_range		*range;
	const struct sentence		*unavailable = NULL, *sn;
	enum est_flag			 fl[EST_NCLASS], rbc_flag;
	struct unverified		 unv;
	double				*x = NULL, age, v, scale_in = 0;
	double				 dilution = 0;
	size_t				 n = 0, i, nids, nreviewed = 0, nr = 0;
	size_t				 npoor = 0;
	const json_t			*fq;
	int				 poor, included;
	const char			*withheld = NULL;
	json_t				*withheld_i18n = NULL;
	char				 how[640];
	const char			*rid, *prep_s;
	int				 k, prep;
	/* issue 20: frame counts, the detector's error, the intervals */
	json_t				*cerr = NULL, *ct;
	double				 counted[EST_NCLASS], rsum = 0;
	size_t				 nframe = 0;
	int				 use_frame;
	struct interval			 iv;
	const char			*ivwhy = NULL;

	memset(d, 0, sizeof(d));
	memset(&unv, 0, sizeof(unv));
	memset(&diff, 0, sizeof(diff));
	morphsum_init(&morph);
	ids = json_object_get(sample, "results");
	nids = json_array_size(ids);
	if ((f = calloc(nids + 1, sizeof(*f))) == NULL ||
	    (fr = calloc(nids + 1, sizeof(*fr))) == NULL ||
	    (x = calloc(nids + 1, sizeof(*x))) == NULL)
		goto fail;
	fields = json_array();
	missing = json_array();
	for (i = 0; i < nids; i++) {
		rid = json_string_value(json_array_get(ids, i));
		if (rid == NULL || !id_valid(rid) ||
		    (r = results_load(results_fd, rid)) == NULL) {
			json_array_append_new(missing, json_string(rid ? rid :
			    ""));
			continue;
		}
		/* A person's corrections, where there are some, count. */
		review_merge(results_fd, rid, r);
		rv = json_object_get(r, "review");
		nreviewed += json_is_object(rv);
		counts = json_object_get(r, "counts");
		for (k = 0; k < EST_NCLASS; k++) {
			v = 0;
			num_or_null(counts, est_class_name(k), &v);
			f[n].count[k] = v < 0 ? 0 : v;
		}
		num_or_null(json_object_get(r, "image"), "width", &f[n].w);
		num_or_null(json_object_get(r, "image"), "height", &f[n].h);
		if (!num_or_null(json_object_get(r, "fov"), "area_um2",
		    &f[n].fov_um2) || !(f[n].fov_um2 > 0))
			f[n].fov_um2 = 0;
		countest_frame_read(r, f[n].frame, &f[n].frame_ratio);
		if (cerr == NULL && json_is_object(json_object_get(r,
		    "count_error")))
			cerr = json_deep_copy(json_object_get(r, "count_error"));
		f[n].targeted = samples_field_selection(sample, rid) ==
		    SAMPLES_SEL_TARGETED;
		/* a field flagged poor counts only once a reviewer includes it */
		fq = json_object_get(r, "quality");
		poor = json_is_true(json_object_get(fq, "poor"));
		included = poor && samples_poor_included(sample, rid);
		npoor += poor && !included && !f[n].targeted;
		if (!f[n].targeted && (!poor || included))
			fr[nr++] = f[n];
		if (!poor || included)
			morphsum_field(r, &morph);
		if (samples_diff_field(r, &diff) == -1) {
			json_decref(r);
			json_decref(fields);
			json_decref(missing);
			goto fail;
		}
		json_array_append_new(fields, json_pack("{s:s,s:{s:I,s:I,s:I},"
		    "s:{s:I,s:I},s:o}", "result", rid,
		    "counts", "RBC", (json_int_t)llround(f[n].count[EST_RBC]),
		    "WBC", (json_int_t)llround(f[n].count[EST_WBC]),
		    "Platelets", (json_int_t)llround(f[n].count[EST_PLT]),
		    "image", "width", (json_int_t)llround(f[n].w),
		    "height", (json_int_t)llround(f[n].h),
		    "fov_area_um2", f[n].fov_um2 > 0 ?
		    json_real(f[n].fov_um2) : json_null()));
		json_object_set_new(json_array_get(fields,
		    json_array_size(fields) - 1), "frame", countest_field_json(
		    f[n].frame, f[n].frame_ratio));
		json_object_set_new(json_array_get(fields,
		    json_array_size(fields) - 1), "review_version",
		    json_is_object(rv) ? json_incref(json_object_get(rv,
		    "version")) : json_integer(0));
		json_object_set_new(json_array_get(fields,
		    json_array_size(fields) - 1), "scale_unsure", json_boolean(
		    json_is_string(json_object_get(json_object_get(r, "scale"),
		    "status")) && strcmp(json_string_value(json_object_get(
		    json_object_get(r, "scale"), "status")), "unsure") == 0));
		json_object_set_new(json_array_get(fields,
		    json_array_size(fields) - 1), "file_name", json_is_string(
		    json_object_get(r, "file_name")) ? json_incref(
		    json_object_get(r, "file_name")) : json_null());
		json_object_set_new(json_array_get(fields,
		    json_array_size(fields) - 1), "selection", json_string(
		    samples_selection_name(f[n].targeted ?
		    SAMPLES_SEL_TARGETED : SAMPLES_SEL_RANDOM)));
		json_object_set_new(json_array_get(fields,
		    json_array_size(fields) - 1), "quality", json_is_object(fq) ?
		    json_pack("{s:b,s:O,s:b,s:O?}", "poor", poor, "flags",
		    json_object_get(fq, "flags"), "included", included,
		    "included_by", json_object_get(json_object_get(sample,
		    "quality_include"), rid)) : json_null());
		json_decref(r);
		n++;
	}
	/* Densities count in the counting frames when every field has one. */
	for (i = 0; i < nr; i++) {
		nframe += fr[i].frame_ratio > 0;
		rsum += fr[i].frame_ratio;
	}
	use_frame = nr > 0 && nframe == nr;
	totals = json_object();
	stats = json_object();
	for (k = 0; k < EST_NCLASS; k++) {
		for (i = 0; i < n; i++)
			x[i] = f[i].count[k];
		est_stats(x, n, &st[k]);
		/* Estimates: the random fields only. */
		for (i = 0, counted[k] = 0; i < nr; i++) {
			x[i] = use_frame ? fr[i].frame[k] * fr[i].frame_ratio :
			    fr[i].count[k];
			counted[k] += use_frame ? fr[i].frame[k] :
			    fr[i].count[k];
		}
		est_stats(x, nr, &se[k]);
		json_object_set_new(totals, est_class_name(k),
		    json_integer((json_int_t)llround(st[k].total)));
		json_object_set_new(stats, est_class_name(k),
		    stats_json(&st[k]));
	}
	sum = json_pack("{s:I,s:o,s:o,s:o,s:o,s:s,s:o}",
	    "fields", (json_int_t)n, "per_field", fields,
	    "missing_results", missing, "totals", totals,
	    "per_field_stats", stats,
	    "ci_method", ci_method.en,
	    "ci_method_i18n", msg_list(ci_method.code, NULL));
	if (sum == NULL)
		goto fail;
	/* stable on the red cells actually counted (in the frames, if used) */
	sr = se[EST_RBC];
	sr.total = counted[EST_RBC];
	json_object_set_new(sum, "stability", stability_json(&sr, nr, c));
	json_object_set_new(sum, "selection", selection_json(nr + npoor,
	    n - nr - npoor));
	json_object_set_new(sum, "quality", poor_json(npoor));
	json_object_set_new(sum, "review", review_json(nreviewed, n));
	json_object_set_new(sum, "counting_frame", countest_frame_json(
	    use_frame, nframe, nr));
	json_object_set_new(sum, "interval_method", json_string(
	    countest_interval_method));
	json_object_set_new(sum, "interval_method_i18n", msg_list(
	    "interval_method", NULL));

	/* Densities. */
	prep_s = json_string_value(json_object_get(sample, "preparation"));
	prep = clinical_prep_from_name(prep_s);
	if (c == NULL)
		unavailable = &unavail_calibration;
	else if ((prof = clinical_profile_find(c, json_string_value(
	    json_object_get(sample, "profile")))) == NULL ||
	    (int)prof->prep != prep)
		unavailable = &unavail_profile;
	else if (n == 0)
		unavailable = &unavail_fields;
	else if (nr == 0)
		unavailable = &unavail_random;
	how[0] = '\0';
	how_i18n = json_array();
	if (unavailable == NULL && prep == CLINICAL_SMEAR) {
		scale_in = smear_images_per_field(prof, fr, nr, how,
		    sizeof(how), how_i18n);
		if (scale_in <= 0)
			unavailable = &unavail_ipf;
	} else if (unavailable == NULL) {
		if (!num_or_null(sample, "dilution", &dilution) ||
		    dilution < 1)
			dilution = prof->default_dilution;
		scale_in = chamber_area(prof, fr, nr, how, sizeof(how),
		    how_i18n);
		if (scale_in <= 0)
			unavailable = &unavail_area;
	}
	est = json_object();
	age = num_or_null(sample, "age_months", &v) ? v : -1;
	flags = json_object();
	for (k = 0; k < EST_NCLASS; k++) {
		fl[k] = EST_FLAG_NONE;
		if (unavailable != NULL)
			continue;
		formula_i18n = json_array();
		if (prep == CLINICAL_SMEAR)
			smear_density(prof, k, &se[k], scale_in, &d[k],
			    formula_i18n);
		else
			chamber_density(prof, k, &se[k], scale_in, dilution,
			    &d[k], formula_i18n);
		if (!d[k].ok) {
			json_decref(formula_i18n);
			continue;
		}
		sn = assumptions(prep, k);
		o = json_pack("{s:I,s:s,s:o,s:s,s:o}",
		    "per_ul", (json_int_t)llround(d[k].per_ul),
		    "formula", d[k].formula,
		    "formula_i18n", formula_i18n,
		    "assumptions", sn->en,
		    "assumptions_i18n", msg_list(sn->code, NULL));
		json_object_set_new(o, "ci95", d[k].has_ci ?
		    json_pack("[I,I]", (json_int_t)llround(d[k].lo),
		    (json_int_t)llround(d[k].hi)) : json_null());
		json_object_set_new(est, est_class_name(k), o);
		json_object_set_new(o, "interval95", countest_interval(cerr, k,
		    counted[k], nr, counted[k] > 0 ? d[k].per_ul / counted[k] :
		    d[k].scale * (use_frame ? rsum / nr : 1) / nr, prof, &iv,
		    &ivwhy));
		json_object_set_new(o, "interval_unavailable", ivwhy ?
		    json_string(ivwhy) : json_null());
		json_object_set_new(o, "interval_unavailable_i18n", ivwhy ?
		    msg_list(countest_unavailable_code(ivwhy), NULL) :
		    json_null());

		range = est_range_find(c->ranges, c->nranges, k,
		    sex_of(sample), age);
		fl[k] = est_flag_estimate(k, range, d[k].per_ul);
		json_object_set_new(json_object_get(est, est_class_name(k)),
		    "plausible", json_boolean(fl[k] != EST_FLAG_IMPLAUSIBLE));
		if (fl[k] == EST_FLAG_IMPLAUSIBLE)
			o = implausible_json(k, d[k].per_ul);
		else {
			sn = flag_text(k, fl[k]);
			o = json_pack("{s:s,s:s,s:o}", "flag",
			    est_flag_name(fl[k]), "text", sn->en, "text_i18n",
			    msg_list(sn->code, NULL));
		}
		/* no low or high the interval does not bear out */
		if (ivwhy == NULL && (ct = countest_cannot_tell(k, fl[k], range,
		    &iv)) != NULL) {
			json_decref(o);
			o = ct;
			fl[k] = EST_FLAG_NONE;
		}
		if (range != NULL) {
			json_object_set_new(o, "range_per_ul",
			    json_pack("[f,f]", range->low, range->high));
			json_object_set_new(o, "range_unverified",
			    json_boolean(range->unverified));
			if (range->unverified && fl[k] != EST_FLAG_IMPLAUSIBLE)
				unv.ranges = 1;
		}
		json_object_set_new(flags, est_class_name(k), o);
	}
	json_object_set_new(sum, "estimates", est);
	json_object_set_new(sum, "estimates_unavailable",
	    unavailable ? json_string(unavailable->en) : json_null());
	json_object_set_new(sum, "estimates_unavailable_i18n",
	    unavailable ? msg_list(unavailable->code, NULL) : json_null());
	json_object_set_new(sum, "calibration", json_pack("{s:s?,s:s?,s:s,"
	    "s:o}", "profile", prof ? prof->name : NULL,
	    "label", prof ? prof->label : NULL, "formula", how,
	    "formula_i18n", how_i18n));
	if (prep == CLINICAL_CHAMBER && unavailable == NULL)
		json_object_set_new(json_object_get(sum, "calibration"),
		    "dilution", json_real(dilution));
	json_object_set_new(sum, "flags", flags);
	/* A chamber: the technician's counts, and why the photos are not. */
	rbc_flag = fl[EST_RBC];
	o = prep == CLINICAL_CHAMBER && c != NULL ? manual_json(sample, c,
	    prof, age, &rbc_flag, &unv) : NULL;
	json_object_set_new(sum, "manual", o != NULL ? o : json_null());
	json_object_set_new(sum, "detector_note", prep == CLINICAL_CHAMBER ?
	    json_string(chamber_note.en) : json_null());
	json_object_set_new(sum, "detector_note_i18n", prep ==
	    CLINICAL_CHAMBER ? msg_list(chamber_note.code, NULL) :
	    json_null());
	/* The differential's /uL needs this sample's WBC estimate, valid. */
	if (unavailable != NULL) {
		withheld = unavailable->en;
		withheld_i18n = msg_list(unavailable->code, NULL);
	} else if (!d[EST_WBC].ok) {
		withheld = "No WBC estimate.";
		withheld_i18n = msg_list("diff_per_ul_no_wbc", NULL);
	} else if (fl[EST_WBC] == EST_FLAG_IMPLAUSIBLE) {
		withheld = "The WBC estimate is implausible (check field "
		    "selection or calibration).";
		withheld_i18n = msg_list("diff_per_ul_implausible", NULL);
	}
	o = samples_diff_json(&diff, withheld == NULL ? d[EST_WBC].per_ul : -1,
	    withheld, withheld_i18n, wbc_ref, age);
	json_object_set_new(sum, "differential", o != NULL ? o : json_null());
	json_object_set_new(sum, "morphology", morphsum_json(&morph));
	json_object_set_new(sum, "screening", screening_json(sample, c,
	    rbc_flag, &unv));
	json_object_set_new(sum, "unverified", unverified_json(&unv));
	json_object_set_new(sum, "disclaimer", json_string(disclaimer));
	json_object_set_new(sum, "disclaimer_i18n", msg_list("disclaimer",
	    NULL));
	json_object_set_new(sum, "sources", c && c->sources ?
	    json_incref(c->sources) : json_array());
	free(f);
	free(fr);
	free(x);
	json_decref(cerr);
	return sum;
fail:
	json_decref(cerr);
	json_decref(sum);
	free(f);
	free(fr);
	free(x);
	return NULL;
}
