/* samples_screen.c: a sample's flags against reference ranges, its anaemia screening, what rests on unverified data */

#include "clinical/samples_sum.h"
#include "store/samples_int.h"

#include <stdio.h>
#include <string.h>

json_t *
samples_num(const json_t *o, const char *key, double *v)
{
	json_t	*j = json_object_get(o, key);

	if (!json_is_number(j))
		return NULL;
	*v = json_number_value(j);
	return j;
}

enum est_sex
samples_sex(const json_t *sample)
{
	const char	*s = json_string_value(json_object_get(sample, "sex"));

	if (s != NULL && strcmp(s, "female") == 0)
		return EST_SEX_FEMALE;
	if (s != NULL && strcmp(s, "male") == 0)
		return EST_SEX_MALE;
	return EST_SEX_UNKNOWN;
}

static const struct samples_sentence *
flag_text(enum est_class k, enum est_flag f)
{
	static const struct samples_sentence	 t[EST_NCLASS][2] = {
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
	static const struct samples_sentence	 normal = { "flag_normal",
		"Within the reference range." };
	static const struct samples_sentence	 none = { "flag_none",
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

/* Class k's flag object for an estimate of per_ul flagged fl. */
json_t *
samples_flag_json(enum est_class k, enum est_flag fl, double per_ul)
{
	const struct samples_sentence	*sn;

	if (fl == EST_FLAG_IMPLAUSIBLE)
		return implausible_json(k, per_ul);
	sn = flag_text(k, fl);
	return json_pack("{s:s,s:s,s:o}", "flag", est_flag_name(fl), "text",
	    sn->en, "text_i18n", msg_list(sn->code, NULL));
}

void
samples_flag_range(json_t *o, const struct est_range *range,
    enum est_flag fl, struct samples_unverified *u)
{
	if (range == NULL)
		return;
	json_object_set_new(o, "range_per_ul", json_pack("[f,f]", range->low,
	    range->high));
	json_object_set_new(o, "range_unverified",
	    json_boolean(range->unverified));
	if (range->unverified && fl != EST_FLAG_IMPLAUSIBLE)
		u->ranges = 1;
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


json_t *
samples_unverified_json(const struct samples_unverified *u)
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
    enum est_flag rbc_flag, const struct samples_unverified *u,
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
    const struct est_hb_result *r, const struct samples_unverified *u)
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

json_t *
samples_screening_json(const json_t *sample, const struct clinical *c,
    enum est_flag rbc_flag, struct samples_unverified *u)
{
	struct est_person	 p;
	struct est_hb_result	 r;
	json_t			*o, *hb, *why;
	double			 v;
	static const char *const labels[] = {
		"Cannot tell", "Anaemia not indicated", "Anaemia likely"
	};

	memset(&p, 0, sizeof(p));
	p.age_months = samples_num(sample, "age_months", &v) ? v : -1;
	p.sex = samples_sex(sample);
	p.pregnant = json_is_true(json_object_get(sample, "pregnant"));
	p.trimester = samples_num(sample, "trimester", &v) ? (int)v : 0;
	p.hb_g_l = samples_num(sample, "hemoglobin_g_l", &v) ? v : -1;
	p.has_altitude = samples_num(sample, "altitude_m", &v) != NULL;
	p.altitude_m = p.has_altitude ? v : 0;
	p.smoker = json_is_true(json_object_get(sample, "smoker"));
	p.packs_per_day = samples_num(sample, "packs_per_day", &v) ? v : -1;

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
