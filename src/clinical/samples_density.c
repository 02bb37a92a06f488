/* samples_density.c: a sample's densities (images per field or counted area, cells/uL) and manual chamber counts, written out */
/*
 * The arithmetic is estimates.c's; this file chooses which of it applies
 * to a sample (measured fields of view or the profile's figures, smear
 * or chamber) and writes each step out in English and as messages, so a
 * reader can redo the sum.  Part of the sample summary (samples_sum.h).
 */

#include "clinical/samples_sum.h"
#include "store/samples_int.h"

#include <stdio.h>
#include <string.h>

static const char *const class_noun[EST_NCLASS] = {
	"RBC", "WBC", "platelets"
};

/* How many of the n fields have a measured field of view in um^2. */
static size_t
fov_measured(const struct samples_field *f, size_t n)
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
smear_ipf_measured(const struct clinical_profile *p,
    const struct samples_field *f, size_t n, char *how, size_t howsz,
    json_t *msgs)
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
smear_ipf_profile(const struct clinical_profile *p,
    const struct samples_field *f, size_t n, char *how, size_t howsz,
    json_t *msgs)
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
double
samples_images_per_field(const struct clinical_profile *p,
    const struct samples_field *f, size_t n, char *how, size_t howsz,
    json_t *msgs)
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
void
samples_smear_density(const struct clinical_profile *p, enum est_class k,
    const struct est_stats *st, double ipf, struct samples_density *out,
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

/* Chamber, fixed: the profile's area per image, or w x h x (um/px)^2. */
static double
chamber_area_profile(const struct clinical_profile *p,
    const struct samples_field *f, size_t n, char *how, size_t howsz,
    json_t *msgs)
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
double
samples_chamber_area(const struct clinical_profile *p,
    const struct samples_field *f, size_t n, char *how, size_t howsz,
    json_t *msgs)
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
void
samples_chamber_density(const struct clinical_profile *p, enum est_class k,
    const struct est_stats *st, double area, double dilution,
    struct samples_density *out, json_t *msgs)
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

/*
 * The technician's own chamber counts (sample "manual_counts"): per class
 * cells/uL = cells / (squares x square area x depth) x dilution, written
 * out, flagged like an estimate (plausibility first).  Sets *rbc_flag to
 * the manual RBC's flag when there is one.  NULL without manual counts
 * or a chamber profile.
 */
json_t *
samples_manual_json(const json_t *sample, const struct clinical *c,
    const struct clinical_profile *prof, double age, enum est_flag *rbc_flag,
    struct samples_unverified *unv)
{
	const json_t			*mc = json_object_get(sample,
					    "manual_counts"), *m;
	const struct samples_square	*sq;
	const struct est_range		*range;
	json_t				*out, *o, *fo;
	double				 cells, squares, dil, sdil, area, per_ul;
	char				 a[32], b[32], d[32], e[32], f[32];
	char				 g[32], formula[400];
	enum est_flag			 fl;
	int				 k;

	if (!json_is_object(mc) || prof == NULL ||
	    prof->prep != CLINICAL_CHAMBER || !(prof->depth_mm > 0))
		return NULL;
	if (!samples_num(sample, "dilution", &sdil) || sdil < 1)
		sdil = prof->default_dilution;
	out = json_object();
	for (k = 0; k < EST_NCLASS; k++) {
		m = json_object_get(mc, est_class_name(k));
		if (!json_is_object(m) || (sq = samples_square_find(
		    json_string_value(json_object_get(m, "square")))) == NULL ||
		    !samples_num(m, "cells", &cells) ||
		    !samples_num(m, "squares", &squares) || !(squares > 0))
			continue;
		if (!samples_num(m, "dilution", &dil) || dil < 1)
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
		    samples_sex(sample), age) : NULL;
		fl = est_flag_estimate(k, range, per_ul);
		if (k == EST_RBC)
			*rbc_flag = fl;
		json_object_set_new(o, "plausible", json_boolean(fl !=
		    EST_FLAG_IMPLAUSIBLE));
		fo = samples_flag_json(k, fl, per_ul);
		samples_flag_range(fo, range, fl, unv);
		json_object_set_new(o, "flag", fo);
		json_object_set_new(out, est_class_name(k), o);
	}
	return out;
}
