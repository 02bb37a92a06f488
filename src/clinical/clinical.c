/* clinical.c: load calibration profiles and reference data from JSON files */
/*
 * Two files, because two people edit them: the administrator owns the
 * calibration (etc/clinical.json: microscope, camera, chamber, factors),
 * and the reference data (etc/reference-ranges.json: WHO cutoffs,
 * adjustments, ranges, with their sources) changes only when a guideline
 * does.  Both are checked strictly at start-up, so a typo is a start-up
 * error naming the file and entry instead of a wrong estimate later.
 */

#include "clinical/clinical.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prep_names[CLINICAL_NPREP] = { "smear", "chamber" };

int
clinical_prep_from_name(const char *name)
{
	int	 i;

	for (i = 0; i < CLINICAL_NPREP; i++)
		if (name != NULL && strcmp(name, prep_names[i]) == 0)
			return i;
	return -1;
}

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Load path as a JSON object; NULL with err set. */
static json_t *
load_object(const char *path, char *err, size_t errsz)
{
	json_error_t	 jerr;
	json_t		*o;

	if ((o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		seterr(err, errsz, "%s:%d: %s", path, jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		seterr(err, errsz, "%s: not a JSON object", path);
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Optional number member key of o into *v (absent or null: def).  -1 if
 * present but not a number, or below min.
 */
static int
get_num(const json_t *o, const char *key, double def, double min, double *v)
{
	json_t	*j = json_object_get(o, key);

	if (j == NULL || json_is_null(j)) {
		*v = def;
		return 0;
	}
	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return *v < min ? -1 : 0;
}

static void
get_str(const json_t *o, const char *key, char *buf, size_t bufsz)
{
	const char	*s = json_string_value(json_object_get(o, key));

	snprintf(buf, bufsz, "%s", s != NULL ? s : "");
}

/* Optional "sex": absent = either. */
static int
get_sex(const json_t *o, enum est_sex *sex)
{
	json_t		*j = json_object_get(o, "sex");
	const char	*s;

	*sex = EST_SEX_UNKNOWN;
	if (j == NULL)
		return 0;
	if ((s = json_string_value(j)) == NULL)
		return -1;
	if (strcmp(s, "female") == 0)
		*sex = EST_SEX_FEMALE;
	else if (strcmp(s, "male") == 0)
		*sex = EST_SEX_MALE;
	else
		return -1;
	return 0;
}

/* Age bounds: from_months required (>= 0), to_months optional (> from). */
static int
get_ages(const json_t *o, double *from, double *to)
{
	if (get_num(o, "from_months", 0, 0, from) == -1 ||
	    get_num(o, "to_months", -1, 0, to) == -1)
		return -1;
	return (*to >= 0 && *to <= *from) ? -1 : 0;
}

static int
load_profile(const json_t *o, struct clinical_profile *p, char *why,
    size_t whysz)
{
	const json_t	*f;
	int		 prep, i;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(o))
		return seterr(why, whysz, "not an object"), -1;
	get_str(o, "name", p->name, sizeof(p->name));
	get_str(o, "label", p->label, sizeof(p->label));
	if (p->name[0] == '\0')
		return seterr(why, whysz, "name missing"), -1;
	prep = clinical_prep_from_name(json_string_value(
	    json_object_get(o, "preparation")));
	if (prep < 0)
		return seterr(why, whysz,
		    "preparation must be \"smear\" or \"chamber\""), -1;
	p->prep = prep;
	if (get_num(o, "um_per_px", 0, 0, &p->um_per_px) == -1)
		return seterr(why, whysz, "um_per_px must be >= 0"), -1;
	if (p->prep == CLINICAL_SMEAR) {
		if (get_num(o, "field_diameter_um", 0, 0,
		    &p->field_diameter_um) == -1 ||
		    get_num(o, "images_per_field", 0, 0,
		    &p->images_per_field) == -1)
			return seterr(why, whysz, "field_diameter_um and "
			    "images_per_field must be numbers >= 0"), -1;
		if (p->images_per_field <= 0 &&
		    (p->um_per_px <= 0 || p->field_diameter_um <= 0))
			return seterr(why, whysz, "a smear profile needs "
			    "images_per_field, or um_per_px and "
			    "field_diameter_um"), -1;
		f = json_object_get(o, "factors_per_ul");
		for (i = 0; i < EST_NCLASS; i++) {
			if (get_num(f, est_class_name(i), -1, 0,
			    &p->factor[i]) == -1 || p->factor[i] <= 0)
				return seterr(why, whysz, "factors_per_ul.%s "
				    "must be a number > 0",
				    est_class_name(i)), -1;
		}
	} else {
		if (get_num(o, "depth_mm", -1, 0, &p->depth_mm) == -1 ||
		    p->depth_mm <= 0)
			return seterr(why, whysz, "depth_mm must be > 0"), -1;
		if (get_num(o, "default_dilution", -1, 1,
		    &p->default_dilution) == -1 || p->default_dilution < 1)
			return seterr(why, whysz,
			    "default_dilution must be >= 1"), -1;
		if (get_num(o, "field_area_mm2", 0, 0,
		    &p->field_area_mm2) == -1)
			return seterr(why, whysz,
			    "field_area_mm2 must be >= 0"), -1;
		if (p->field_area_mm2 <= 0 && p->um_per_px <= 0)
			return seterr(why, whysz, "a chamber profile needs "
			    "um_per_px or field_area_mm2"), -1;
	}
	f = json_object_get(o, "factor_spread");
	if (get_num(f, "sd_rel", 0, 0, &p->factor_sd_rel) == -1 ||
	    p->factor_sd_rel > 1)
		return seterr(why, whysz, "factor_spread.sd_rel must be a "
		    "number from 0 to 1"), -1;
	p->factor_sd_unverified = json_is_true(json_object_get(f,
	    "unverified"));
	return 0;
}

static int
load_calibration(struct clinical *c, const char *path, char *err,
    size_t errsz)
{
	json_t		*root, *arr, *o;
	char		 why[160];
	size_t		 i, j;
	double		 v;
	int		 rc = -1;

	if ((root = load_object(path, err, errsz)) == NULL)
		return -1;
	o = json_object_get(root, "stability");
	if (get_num(o, "min_rbc", -1, 0, &c->min_rbc) == -1 ||
	    c->min_rbc < 0 ||
	    get_num(o, "min_fields", -1, 0, &v) == -1 || v < 1) {
		seterr(err, errsz, "%s: stability: min_rbc (>= 0) and "
		    "min_fields (>= 1) are required", path);
		goto out;
	}
	c->min_fields = (size_t)v;
	arr = json_object_get(root, "profiles");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		seterr(err, errsz, "%s: profiles: a non-empty array is "
		    "required", path);
		goto out;
	}
	c->nprofiles = json_array_size(arr);
	if ((c->profiles = calloc(c->nprofiles, sizeof(*c->profiles))) ==
	    NULL) {
		seterr(err, errsz, "%s: out of memory", path);
		goto out;
	}
	for (i = 0; i < c->nprofiles; i++) {
		if (load_profile(json_array_get(arr, i), &c->profiles[i], why,
		    sizeof(why)) == -1) {
			seterr(err, errsz, "%s: profiles[%zu]: %s", path, i,
			    why);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(c->profiles[j].name,
			    c->profiles[i].name) == 0) {
				seterr(err, errsz, "%s: profiles[%zu]: "
				    "duplicate name \"%s\"", path, i,
				    c->profiles[i].name);
				goto out;
			}
	}
	o = json_object_get(root, "default_profile");
	for (i = 0; i < CLINICAL_NPREP; i++) {
		const struct clinical_profile	*p;

		get_str(o, prep_names[i], c->default_profile[i],
		    sizeof(c->default_profile[i]));
		p = clinical_profile_find(c, c->default_profile[i]);
		if (p == NULL || p->prep != (enum clinical_prep)i) {
			seterr(err, errsz, "%s: default_profile.%s must name "
			    "a %s profile", path, prep_names[i],
			    prep_names[i]);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/*
 * "check": true marks an entry (or a whole section) not verified against
 * a source text: shown as unverified.  Either level marking it is enough
 * here; only "wbc_differential" lets a group's "check": false override
 * its section (load_wbc()).
 */
static int
unverified(const json_t *o, const json_t *section)
{
	return json_is_true(json_object_get(o, "check")) ||
	    json_is_true(json_object_get(section, "check"));
}

/* 1 if sources (the file's "sources") has an entry whose "id" is id. */
static int
source_known(const json_t *sources, const char *id)
{
	size_t	 i;

	if (id == NULL || *id == '\0')
		return 0;
	for (i = 0; i < json_array_size(sources); i++)
		if (json_is_string(json_object_get(json_array_get(sources, i),
		    "id")) && strcmp(json_string_value(json_object_get(
		    json_array_get(sources, i), "id")), id) == 0)
			return 1;
	return 0;
}

static int
nonempty_string(const json_t *j)
{
	return json_is_string(j) && json_string_length(j) > 0;
}

/*
 * An entry's optional "cite": a list of {"values": [names], "source": id,
 * "where": place, "text": the sentence or table row quoted}.  Each item
 * must name numbers of the entry (keys), a source of the file, and quote
 * something.  The numbers whose bit is set in need (those of an entry not
 * marked "check": true) must each be named by some item: nothing is shown
 * as verified without the text it was verified against.
 */
static int
check_cite(const json_t *o, const json_t *sources, const char *const *keys,
    size_t nkeys, unsigned need, char *why, size_t whysz)
{
	const json_t	*arr = json_object_get(o, "cite"), *e, *vals;
	const char	*name;
	unsigned	 seen = 0;
	size_t		 i, j, k;

	if (arr != NULL && !json_is_array(arr))
		return seterr(why, whysz, "cite: an array is required"), -1;
	for (i = 0; i < json_array_size(arr); i++) {
		e = json_array_get(arr, i);
		vals = json_object_get(e, "values");
		if (!json_is_object(e) || !source_known(sources,
		    json_string_value(json_object_get(e, "source"))) ||
		    !nonempty_string(json_object_get(e, "text")) ||
		    !json_is_array(vals) || json_array_size(vals) == 0)
			return seterr(why, whysz, "cite[%zu]: needs values, "
			    "source (an id of \"sources\") and text (the "
			    "sentence quoted)", i), -1;
		for (j = 0; j < json_array_size(vals); j++) {
			name = json_string_value(json_array_get(vals, j));
			for (k = 0; k < nkeys; k++)
				if (name != NULL && strcmp(name, keys[k]) == 0)
					break;
			if (k == nkeys)
				return seterr(why, whysz, "cite[%zu]: values[%zu]"
				    " names no number of this entry", i, j), -1;
			seen |= 1u << k;
		}
	}
	for (k = 0; k < nkeys; k++)
		if ((need & (1u << k)) && !(seen & (1u << k)))
			return seterr(why, whysz, "%s has neither \"check\": "
			    "true nor a cite", keys[k]), -1;
	return 0;
}

static int
load_groups(struct clinical *c, const json_t *sec, char *why, size_t whysz)
{
	static const char *const keys[] = {
		"anaemia_below", "mild_from", "moderate_from"
	};
	char			 cwhy[160];
	const json_t		*arr = json_object_get(sec, "groups");
	struct est_hb_group	*g;
	const json_t		*o, *j;
	size_t			 i;
	double			 v;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return seterr(why, whysz, "groups: a non-empty array is "
		    "required"), -1;
	c->ngroups = json_array_size(arr);
	if ((c->groups = calloc(c->ngroups, sizeof(*c->groups))) == NULL)
		return seterr(why, whysz, "out of memory"), -1;
	for (i = 0; i < c->ngroups; i++) {
		g = &c->groups[i];
		o = json_array_get(arr, i);
		get_str(o, "id", g->id, sizeof(g->id));
		get_str(o, "label", g->label, sizeof(g->label));
		g->unverified = unverified(o, sec);
		g->pregnant = -1;
		if ((j = json_object_get(o, "pregnant")) != NULL) {
			if (!json_is_boolean(j))
				goto bad;
			g->pregnant = json_is_true(j);
		}
		if (get_num(o, "trimester", 0, 0, &v) == -1 || v > 3)
			goto bad;
		g->trimester = (int)v;
		if (g->label[0] == '\0' || get_sex(o, &g->sex) == -1 ||
		    get_ages(o, &g->from_months, &g->to_months) == -1 ||
		    get_num(o, "anaemia_below", -1, 1,
		    &g->anaemia_below) == -1 ||
		    get_num(o, "mild_from", -1, 1, &g->mild_from) == -1 ||
		    get_num(o, "moderate_from", -1, 1,
		    &g->moderate_from) == -1)
			goto bad;
		if (!(g->anaemia_below >= g->mild_from &&
		    g->mild_from >= g->moderate_from))
			goto bad;
		if (check_cite(o, c->sources, keys, 3, g->unverified ? 0 : 7,
		    cwhy, sizeof(cwhy)) == -1)
			return seterr(why, whysz, "groups[%zu] (%s): %s", i,
			    g->id, cwhy), -1;
	}
	return 0;
bad:
	return seterr(why, whysz, "groups[%zu]: needs label, from_months, "
	    "anaemia_below >= mild_from >= moderate_from > 0, and valid "
	    "sex/pregnant/trimester", i), -1;
}

static int
load_steps(const json_t *obj, const char *fromkey, struct est_step **out,
    size_t *n, char *why, size_t whysz)
{
	const json_t	*arr = json_object_get(obj, "steps");
	size_t		 i;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return seterr(why, whysz, "steps: a non-empty array is "
		    "required"), -1;
	*n = json_array_size(arr);
	if ((*out = calloc(*n, sizeof(**out))) == NULL)
		return seterr(why, whysz, "out of memory"), -1;
	for (i = 0; i < *n; i++) {
		if (get_num(json_array_get(arr, i), fromkey, -1, 0,
		    &(*out)[i].from) == -1 ||
		    get_num(json_array_get(arr, i), "g_l", -1, 0,
		    &(*out)[i].g_l) == -1 ||
		    (*out)[i].from < 0 || (*out)[i].g_l < 0 ||
		    (i > 0 && (*out)[i].from <= (*out)[i - 1].from))
			return seterr(why, whysz, "steps[%zu]: needs %s and "
			    "g_l >= 0, %s ascending", i, fromkey,
			    fromkey), -1;
	}
	return 0;
}

static int
load_ranges(struct clinical *c, const json_t *sec, char *why, size_t whysz)
{
	static const char *const keys[] = { "low", "high" };
	char			 cwhy[160];
	const json_t		*arr = json_object_get(sec, "ranges");
	struct est_range	*r;
	const json_t		*o;
	size_t			 i;
	int			 cls;

	if (!json_is_array(arr))
		return seterr(why, whysz, "ranges: an array is required"), -1;
	c->nranges = json_array_size(arr);
	if (c->nranges > 0 &&
	    (c->ranges = calloc(c->nranges, sizeof(*c->ranges))) == NULL)
		return seterr(why, whysz, "out of memory"), -1;
	for (i = 0; i < c->nranges; i++) {
		r = &c->ranges[i];
		o = json_array_get(arr, i);
		cls = est_class_from_name(json_string_value(
		    json_object_get(o, "class")));
		if (cls < 0 || get_sex(o, &r->sex) == -1 ||
		    get_ages(o, &r->from_months, &r->to_months) == -1 ||
		    get_num(o, "low", -1, 0, &r->low) == -1 ||
		    get_num(o, "high", -1, 0, &r->high) == -1 ||
		    r->low < 0 || r->high <= r->low)
			return seterr(why, whysz, "ranges[%zu]: needs class "
			    "(RBC, WBC, Platelets), from_months, 0 <= low < "
			    "high", i), -1;
		r->cls = cls;
		r->unverified = unverified(o, sec);
		if (check_cite(o, c->sources, keys, 2, r->unverified ? 0 : 3,
		    cwhy, sizeof(cwhy)) == -1)
			return seterr(why, whysz, "ranges[%zu]: %s", i, cwhy),
			    -1;
	}
	return 0;
}

const char *
clinical_wbc_class_name(enum clinical_wbc_class k)
{
	static const char *const names[CLINICAL_NWBC] = {
		"neutrophil", "lymphocyte", "monocyte", "eosinophil",
		"basophil"
	};

	return (k >= 0 && k < CLINICAL_NWBC) ? names[k] : "?";
}

/* o[key] as [low, high] with 0 <= low <= high <= max; -1 otherwise. */
static int
get_interval(const json_t *o, const char *key, double max, double out[2])
{
	const json_t	*a = json_object_get(o, key);

	if (!json_is_array(a) || json_array_size(a) != 2 ||
	    !json_is_number(json_array_get(a, 0)) ||
	    !json_is_number(json_array_get(a, 1)))
		return -1;
	out[0] = json_number_value(json_array_get(a, 0));
	out[1] = json_number_value(json_array_get(a, 1));
	return (out[0] < 0 || out[1] < out[0] || out[1] > max) ? -1 : 0;
}

/*
 * Optional "wbc_differential": per age group and class, pct and per_ul
 * intervals.  A group's "check" overrides the section's; "pct_check"
 * marks the percentages alone.  Absent section: no groups, no error.
 */
static int
load_wbc(struct clinical *c, const json_t *sec, char *why, size_t whysz)
{
	static const char *const keys[2 * CLINICAL_NWBC] = {
		"neutrophil.pct", "neutrophil.per_ul",
		"lymphocyte.pct", "lymphocyte.per_ul",
		"monocyte.pct", "monocyte.per_ul",
		"eosinophil.pct", "eosinophil.per_ul",
		"basophil.pct", "basophil.per_ul"
	};
	struct clinical_wbc_group	*g;
	const json_t			*arr, *o, *cls, *j;
	char				 cwhy[160];
	unsigned			 need;
	size_t				 i;
	int				 k, sec_check;

	if (sec == NULL)
		return 0;
	arr = json_object_get(sec, "groups");
	if (!json_is_object(sec) || !json_is_array(arr) ||
	    json_array_size(arr) == 0)
		return seterr(why, whysz, "groups: a non-empty array is "
		    "required"), -1;
	sec_check = json_is_true(json_object_get(sec, "check"));
	c->nwbc = json_array_size(arr);
	if ((c->wbc = calloc(c->nwbc, sizeof(*c->wbc))) == NULL)
		return seterr(why, whysz, "out of memory"), -1;
	for (i = 0; i < c->nwbc; i++) {
		g = &c->wbc[i];
		o = json_array_get(arr, i);
		get_str(o, "group", g->group, sizeof(g->group));
		if (g->group[0] == '\0' || get_num(o, "age_min_months", -1, 0,
		    &g->age_min_months) == -1 || g->age_min_months < 0 ||
		    get_num(o, "age_max_months", -1, 0,
		    &g->age_max_months) == -1 ||
		    (g->age_max_months >= 0 &&
		    g->age_max_months <= g->age_min_months))
			return seterr(why, whysz, "groups[%zu]: needs group, "
			    "age_min_months >= 0 and age_max_months (null or "
			    "above age_min_months)", i), -1;
		g->unverified = sec_check;
		if ((j = json_object_get(o, "check")) != NULL) {
			if (!json_is_boolean(j))
				return seterr(why, whysz, "groups[%zu]: check "
				    "must be true or false", i), -1;
			g->unverified = json_is_true(j);
		}
		j = json_object_get(o, "pct_check");
		if (j != NULL && !json_is_boolean(j))
			return seterr(why, whysz, "groups[%zu]: pct_check "
			    "must be true or false", i), -1;
		g->pct_unverified = g->unverified || json_is_true(j);
		cls = json_object_get(o, "classes");
		for (k = 0; k < CLINICAL_NWBC; k++) {
			j = json_object_get(cls, clinical_wbc_class_name(k));
			if (get_interval(j, "pct", 100, g->pct[k]) == -1 ||
			    get_interval(j, "per_ul", 1e6, g->per_ul[k]) == -1)
				return seterr(why, whysz, "groups[%zu]: "
				    "classes.%s needs pct [low, high] within "
				    "0-100 and per_ul [low, high] >= 0", i,
				    clinical_wbc_class_name(k)), -1;
		}
		for (need = 0, k = 0; k < CLINICAL_NWBC; k++)
			need |= (g->pct_unverified ? 0u : 1u << (2 * k)) |
			    (g->unverified ? 0u : 1u << (2 * k + 1));
		if (check_cite(o, c->sources, keys, 2 * CLINICAL_NWBC, need,
		    cwhy, sizeof(cwhy)) == -1)
			return seterr(why, whysz, "groups[%zu] (%s): %s", i,
			    g->group, cwhy), -1;
	}
	return 0;
}

const struct clinical_wbc_group *
clinical_wbc_find(const struct clinical *c, double age_months)
{
	size_t	 i;

	if (c == NULL || age_months < 0)
		return NULL;
	for (i = 0; i < c->nwbc; i++)
		if (age_months >= c->wbc[i].age_min_months &&
		    (c->wbc[i].age_max_months < 0 ||
		    age_months < c->wbc[i].age_max_months))
			return &c->wbc[i];
	return NULL;
}

static int
load_reference(struct clinical *c, const char *path, char *err,
    size_t errsz)
{
	static const char *const altitude_keys[] = { "steps" };
	static const char *const smoking_keys[] = {
		"steps", "unknown_amount_g_l"
	};
	json_t		*root, *o;
	char		 why[200];
	const char	*where = "";
	double		 v;
	int		 rc = -1;

	if ((root = load_object(path, err, errsz)) == NULL)
		return -1;
	get_str(root, "version", c->version, sizeof(c->version));
	c->sources = json_incref(json_object_get(root, "sources"));
	if (!json_is_array(c->sources)) {
		seterr(err, errsz, "%s: sources: an array is required", path);
		goto out;
	}
	where = "hemoglobin_cutoffs";
	o = json_object_get(root, where);
	if (load_groups(c, o, why, sizeof(why)) == -1)
		goto bad;
	where = "altitude_adjustment";
	if (load_steps(json_object_get(root, where), "from_m", &c->altitude,
	    &c->naltitude, why, sizeof(why)) == -1)
		goto bad;
	o = json_object_get(root, where);
	c->altitude_unverified = unverified(o, NULL);
	if (check_cite(o, c->sources, altitude_keys, 1,
	    c->altitude_unverified ? 0 : 1, why, sizeof(why)) == -1)
		goto bad;
	where = "smoking_adjustment";
	o = json_object_get(root, where);
	if (load_steps(o, "from_packs_per_day", &c->smoking, &c->nsmoking,
	    why, sizeof(why)) == -1)
		goto bad;
	c->smoking_unverified = unverified(o, NULL);
	if (get_num(o, "unknown_amount_g_l", -1, 0, &v) == -1 || v < 0) {
		seterr(why, sizeof(why), "unknown_amount_g_l >= 0 is "
		    "required");
		goto bad;
	}
	if (check_cite(o, c->sources, smoking_keys, 2,
	    c->smoking_unverified ? 0 : 3, why, sizeof(why)) == -1)
		goto bad;
	c->rules.smoking_unknown_g_l = v;
	where = "reference_ranges";
	if (load_ranges(c, json_object_get(root, where), why,
	    sizeof(why)) == -1)
		goto bad;
	where = "wbc_differential";
	if (load_wbc(c, json_object_get(root, where), why,
	    sizeof(why)) == -1)
		goto bad;
	rc = 0;
	goto out;
bad:
	seterr(err, errsz, "%s: %s: %s", path, where, why);
out:
	json_decref(root);
	return rc;
}

struct clinical *
clinical_load(const char *path_calibration, const char *path_reference,
    char *err, size_t errsz)
{
	struct clinical	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		seterr(err, errsz, "out of memory");
		return NULL;
	}
	if (load_calibration(c, path_calibration, err, errsz) == -1 ||
	    load_reference(c, path_reference, err, errsz) == -1) {
		clinical_free(c);
		return NULL;
	}
	c->rules.groups = c->groups;
	c->rules.ngroups = c->ngroups;
	c->rules.altitude = c->altitude;
	c->rules.naltitude = c->naltitude;
	c->rules.smoking = c->smoking;
	c->rules.nsmoking = c->nsmoking;
	return c;
}

void
clinical_free(struct clinical *c)
{
	if (c == NULL)
		return;
	free(c->profiles);
	free(c->groups);
	free(c->altitude);
	free(c->smoking);
	free(c->ranges);
	free(c->wbc);
	json_decref(c->sources);
	free(c);
}

void
clinical_verified_rules(const struct clinical *c, struct est_hb_rules *out)
{
	*out = c->rules;
	if (c->altitude_unverified) {
		out->altitude = NULL;
		out->naltitude = 0;
	}
	if (c->smoking_unverified) {
		out->smoking = NULL;
		out->nsmoking = 0;
		out->smoking_unknown_g_l = 0;
	}
}

const struct clinical_profile *
clinical_profile_find(const struct clinical *c, const char *name)
{
	size_t	 i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

json_t *
clinical_profiles_json(const struct clinical *c)
{
	const struct clinical_profile	*p;
	json_t				*arr, *o, *f;
	size_t				 i;
	int				 k;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < c->nprofiles; i++) {
		p = &c->profiles[i];
		o = json_pack("{s:s,s:s,s:s}", "name", p->name,
		    "label", p->label, "preparation", prep_names[p->prep]);
		if (o == NULL)
			continue;
		if (p->um_per_px > 0)
			json_object_set_new(o, "um_per_px",
			    json_real(p->um_per_px));
		if (p->prep == CLINICAL_SMEAR) {
			if (p->images_per_field > 0)
				json_object_set_new(o, "images_per_field",
				    json_real(p->images_per_field));
			if (p->field_diameter_um > 0)
				json_object_set_new(o, "field_diameter_um",
				    json_real(p->field_diameter_um));
			f = json_object();
			for (k = 0; k < EST_NCLASS; k++)
				json_object_set_new(f, est_class_name(k),
				    json_real(p->factor[k]));
			json_object_set_new(o, "factors_per_ul", f);
		} else {
			json_object_set_new(o, "depth_mm",
			    json_real(p->depth_mm));
			json_object_set_new(o, "default_dilution",
			    json_real(p->default_dilution));
			if (p->field_area_mm2 > 0)
				json_object_set_new(o, "field_area_mm2",
				    json_real(p->field_area_mm2));
		}
		json_array_append_new(arr, o);
	}
	return json_pack("{s:o,s:{s:s,s:s},s:{s:f,s:I,s:s},s:s}",
	    "profiles", arr,
	    "default_profile", "smear", c->default_profile[CLINICAL_SMEAR],
	    "chamber", c->default_profile[CLINICAL_CHAMBER],
	    "stability", "min_rbc", c->min_rbc,
	    "min_fields", (json_int_t)c->min_fields,
	    "rule", "Unstable when fewer than min_rbc red cells or fewer "
	    "than min_fields fields were counted.",
	    "reference_version", c->version);
}
