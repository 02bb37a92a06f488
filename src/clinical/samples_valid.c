/* samples_valid.c: check a client's sample facts and return them normalised */

#include "store/samples.h"
#include "store/samples_int.h"
#include "clinical/clinical.h"
#include "clinical/estimates.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- validation ------------------------------------------------------ */

static const char *const known_fields[] = {
	"code", "age", "age_unit", "sex", "pregnant", "trimester",
	"hemoglobin", "hemoglobin_unit", "altitude_m", "smoker",
	"packs_per_day", "note", "preparation", "profile", "dilution",
	"manual_counts", NULL
};

static int
is_known_field(const char *k)
{
	size_t	 i;

	for (i = 0; known_fields[i] != NULL; i++)
		if (strcmp(k, known_fields[i]) == 0)
			return 1;
	return 0;
}

/*
 * Optional number field: 0 absent/null, 1 present (in *v), -1 wrong type
 * or outside [min, max].
 */
static int
opt_num(const json_t *in, const char *key, double min, double max, double *v)
{
	json_t	*j = json_object_get(in, key);

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return (*v < min || *v > max || isnan(*v)) ? -1 : 1;
}

/* Optional boolean: 0 absent (*b = 0), 1 present, -1 wrong type. */
static int
opt_bool(const json_t *in, const char *key, int *b)
{
	json_t	*j = json_object_get(in, key);

	*b = 0;
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_boolean(j))
		return -1;
	*b = json_is_true(j);
	return 1;
}

static int
code_ok(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > SAMPLES_CODE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

/* Printable text (UTF-8 checked by jansson), newlines and tabs allowed. */
static int
note_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len > SAMPLES_NOTE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n' &&
		    s[i] != '\t') || s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * The "manual_counts" of a chamber sample: {class: {"cells", "squares",
 * "square", "dilution"?}} for any of RBC, WBC, Platelets.  A new
 * normalised object, or NULL with err, *code and *params (a new object
 * naming the field, e.g. "manual_counts.WBC.cells") set.
 */
static json_t *
manual_counts_check(const json_t *in, char *err, size_t errsz,
    const char **code, json_t **params)
{
	static const char *const classes[] = { "RBC", "WBC", "Platelets",
	    NULL };
	const struct samples_square	*sq;
	const char			*k, *ck, *cls = NULL;
	json_t				*out, *v, *one, *cv;
	double				 cells, squares, dil;
	char				 name[64];
	size_t				 i;

	*params = NULL;
	if ((out = json_object()) == NULL) {
		snprintf(err, errsz, "out of memory");
		*code = "bad_request";
		return NULL;
	}
	if (!json_is_object(in) || json_object_size(in) == 0) {
		snprintf(name, sizeof(name), "manual_counts");
		goto bad_shape;
	}
	json_object_foreach((json_t *)in, k, v) {
		for (i = 0; classes[i] != NULL && strcmp(classes[i], k); i++)
			;
		cls = classes[i];
		snprintf(name, sizeof(name), "manual_counts.%.20s", k);
		if (cls == NULL || !json_is_object(v))
			goto bad_shape;
		json_object_foreach(v, ck, cv)
			if (strcmp(ck, "cells") && strcmp(ck, "squares") &&
			    strcmp(ck, "square") && strcmp(ck, "dilution"))
				goto bad_shape;
		snprintf(name, sizeof(name), "manual_counts.%s.cells", cls);
		cv = json_object_get(v, "cells");
		if (!json_is_integer(cv) || (cells = (double)
		    json_integer_value(cv)) < 0 || cells > 100000) {
			snprintf(err, errsz, "Field \"%s\": the number of cells "
			    "counted, a whole number from 0 to 100000.", name);
			*code = "manual_cells_invalid";
			goto bad;
		}
		snprintf(name, sizeof(name), "manual_counts.%s.square", cls);
		if ((sq = samples_square_find(json_string_value(
		    json_object_get(v, "square")))) == NULL) {
			snprintf(err, errsz, "Field \"%s\" must be \"large\" "
			    "(1 mm\xc2\xb2), \"medium\" (0.04 mm\xc2\xb2) or "
			    "\"small\" (0.0025 mm\xc2\xb2), squares of the "
			    "improved Neubauer ruling.", name);
			*code = "manual_square_invalid";
			goto bad;
		}
		snprintf(name, sizeof(name), "manual_counts.%s.squares", cls);
		cv = json_object_get(v, "squares");
		if (!json_is_number(cv) || !((squares = json_number_value(cv))
		    > 0) || squares > sq->max || squares != floor(squares)) {
			snprintf(err, errsz, "Field \"%s\": how many %s "
			    "squares were counted, a whole number from 1 to %d.",
			    name, sq->name, sq->max);
			*code = "manual_squares_invalid";
			*params = json_pack("{s:s,s:s,s:i}", "field", name,
			    "square", sq->name, "max", sq->max);
			goto fail;
		}
		snprintf(name, sizeof(name), "manual_counts.%s.dilution", cls);
		cv = json_object_get(v, "dilution");
		dil = 0;
		if (cv != NULL && !json_is_null(cv) && (!json_is_number(cv) ||
		    (dil = json_number_value(cv)) < 1 || dil > 1e6)) {
			snprintf(err, errsz, "Field \"%s\" must be a number "
			    "from 1 to 1000000 (20 for 1:20), or absent for the "
			    "sample's dilution.", name);
			*code = "manual_dilution_invalid";
			goto bad;
		}
		one = json_pack("{s:I,s:I,s:s}", "cells", (json_int_t)cells,
		    "squares", (json_int_t)squares, "square", sq->name);
		json_object_set_new(one, "dilution", dil >= 1 ?
		    json_real(dil) : json_null());
		json_object_set_new(out, cls, one);
	}
	return out;
bad_shape:
	snprintf(err, errsz, "Field \"%s\": an object {\"RBC\"|\"WBC\"|"
	    "\"Platelets\": {\"cells\", \"squares\", \"square\", "
	    "\"dilution\"}}.", name);
	*code = "manual_counts_invalid";
bad:
	*params = json_pack("{s:s}", "field", name);
fail:
	json_decref(out);
	return NULL;
}

/* Why a check refused the facts: its English (err), code and params. */
struct vfail {
	char		*err;
	size_t		 errsz;
	int		*missing;	/* 1: a required field is absent */
	const char	*code;
	json_t		*params;	/* for the message; NULL: {} */
};

/* Refuse with code, params (stolen) and the English of fmt; -1. */
static int
vbad(struct vfail *f, const char *code, json_t *params, const char *fmt,
    ...)
{
	va_list	 ap;

	f->code = code;
	f->params = params;
	va_start(ap, fmt);
	vsnprintf(f->err, f->errsz, fmt, ap);
	va_end(ap);
	return -1;
}

/* FIELD(name) is the params of a message about one field. */
#define BAD(code, params, ...)	return vbad(f, (code), (params), __VA_ARGS__)
#define MISSING(code, params, ...) do { *f->missing = 1; \
			    BAD(code, params, __VA_ARGS__); } while (0)
#define FIELD(name)	json_pack("{s:s}", "field", (name))

/* The body is an object naming known fields only. */
static int
check_keys(const json_t *in, struct vfail *f)
{
	const char	*key;
	json_t		*j;
	int		 cut;

	if (!json_is_object(in))
		BAD("body_not_object", NULL, "The body must be a JSON object.");
	json_object_foreach((json_t *)in, key, j)
		if (!is_known_field(key)) {
			cut = utf8_cut(key, 40);
			BAD("unknown_field", json_pack("{s:s#}", "field", key,
			    cut), "Unknown field \"%.*s\".", cut,
			    key);
		}
	return 0;
}

static int
check_code(const json_t *in, json_t *out, struct vfail *f)
{
	const json_t	*j;
	const char	*s;

	if ((j = json_object_get(in, "code")) == NULL)
		MISSING("code_required", FIELD("code"), "Field \"code\" is "
		    "required (a sample code, never a patient name).");
	if ((s = json_string_value(j)) == NULL || !code_ok(s))
		BAD("code_invalid", json_pack("{s:s,s:i}", "field", "code",
		    "max", SAMPLES_CODE_MAX), "Field \"code\": 1 to %d "
		    "characters from A-Z a-z 0-9 . _ - (a sample code, never a "
		    "patient name).", SAMPLES_CODE_MAX);
	json_object_set_new(out, "code", json_string(s));
	return 0;
}

/* "age" and "age_unit"; the age in months (-1: unknown) in *age_months. */
static int
check_age(const json_t *in, json_t *out, struct vfail *f, double *age_months)
{
	const char	*unit;
	double		 age = 0;
	int		 has_age;

	if ((has_age = opt_num(in, "age", 0, 1560, &age)) == -1)
		BAD("age_invalid", FIELD("age"),
		    "Field \"age\" must be a number >= 0.");
	unit = json_string_value(json_object_get(in, "age_unit"));
	if (has_age) {
		if (unit == NULL)
			MISSING("age_unit_required", FIELD("age_unit"),
			    "Field \"age_unit\" (\"years\" or \"months\") "
			    "is required with \"age\"; give months for "
			    "children under 5.");
		if (strcmp(unit, "months") == 0)
			*age_months = age;
		else if (strcmp(unit, "years") == 0 && age <= 130)
			*age_months = age * 12;
		else
			BAD("age_unit_invalid", FIELD("age_unit"),
			    "Field \"age_unit\" must be \"years\" (age up to "
			    "130) or \"months\".");
		json_object_set_new(out, "age", json_pack("{s:f,s:s}",
		    "value", age, "unit", unit));
		json_object_set_new(out, "age_months", json_real(*age_months));
	} else if (json_object_get(in, "age_unit") != NULL &&
	    !json_is_null(json_object_get(in, "age_unit")))
		BAD("age_unit_without_age", FIELD("age_unit"),
		    "Field \"age_unit\" given without \"age\".");
	else {
		json_object_set_new(out, "age", json_null());
		json_object_set_new(out, "age_months", json_null());
	}
	return 0;
}

/* "sex", "pregnant" and "trimester", which depend on sex and age. */
static int
check_sex(const json_t *in, json_t *out, struct vfail *f, double age_months)
{
	const json_t	*j = json_object_get(in, "sex");
	const char	*s;
	double		 tri = 0;
	int		 has_tri, pregnant;
	enum est_sex	 sex = EST_SEX_UNKNOWN;

	s = j == NULL || json_is_null(j) ? "unknown" : json_string_value(j);
	if (s != NULL && strcmp(s, "female") == 0)
		sex = EST_SEX_FEMALE;
	else if (s != NULL && strcmp(s, "male") == 0)
		sex = EST_SEX_MALE;
	else if (s == NULL || strcmp(s, "unknown") != 0)
		BAD("sex_invalid", FIELD("sex"), "Field \"sex\" must be "
		    "\"female\", \"male\" or \"unknown\".");
	json_object_set_new(out, "sex", json_string(s));

	if (opt_bool(in, "pregnant", &pregnant) == -1)
		BAD("pregnant_invalid", FIELD("pregnant"),
		    "Field \"pregnant\" must be true or false.");
	if ((has_tri = opt_num(in, "trimester", 1, 3, &tri)) == -1 ||
	    (has_tri && tri != floor(tri)))
		BAD("trimester_invalid", FIELD("trimester"),
		    "Field \"trimester\" must be 1, 2 or 3.");
	if (pregnant && sex != EST_SEX_FEMALE)
		BAD("pregnant_not_female", FIELD("pregnant"),
		    "Field \"pregnant\": only for sex \"female\".");
	if (pregnant && age_months >= 0 && age_months < 120)
		BAD("pregnant_too_young", FIELD("pregnant"),
		    "Field \"pregnant\": not plausible under 10 years of age; "
		    "check \"age\" and \"age_unit\".");
	if (has_tri && !pregnant)
		BAD("trimester_without_pregnant", FIELD("trimester"),
		    "Field \"trimester\" needs \"pregnant\": true.");
	json_object_set_new(out, "pregnant", json_boolean(pregnant));
	json_object_set_new(out, "trimester",
	    has_tri ? json_integer((json_int_t)tri) : json_null());
	return 0;
}

/* "hemoglobin" and "hemoglobin_unit", also as g/L. */
static int
check_hemoglobin(const json_t *in, json_t *out, struct vfail *f)
{
	const char	*unit;
	char		 num[32];
	double		 hb = 0, g_l;
	int		 has_hb;

	if ((has_hb = opt_num(in, "hemoglobin", 0, 1000, &hb)) == -1)
		BAD("hemoglobin_invalid", FIELD("hemoglobin"),
		    "Field \"hemoglobin\" must be a number.");
	unit = json_string_value(json_object_get(in, "hemoglobin_unit"));
	if (!has_hb) {
		json_object_set_new(out, "hemoglobin", json_null());
		json_object_set_new(out, "hemoglobin_g_l", json_null());
		return 0;
	}
	if (unit == NULL)
		MISSING("hemoglobin_unit_required", FIELD("hemoglobin_unit"),
		    "Field \"hemoglobin_unit\" (\"g/dL\" or \"g/L\") is "
		    "required with \"hemoglobin\".");
	if (strcmp(unit, "g/dL") == 0)
		g_l = hb * 10;
	else if (strcmp(unit, "g/L") == 0)
		g_l = hb;
	else
		BAD("hemoglobin_unit_invalid", FIELD("hemoglobin_unit"),
		    "Field \"hemoglobin_unit\" must be \"g/dL\" or \"g/L\".");
	/* Catches a g/L value sent as g/dL and the reverse. */
	if (g_l < 10 || g_l > 250) {
		est_fmt(num, sizeof(num), hb, 3);
		BAD("hemoglobin_out_of_range", json_pack("{s:s,s:f,s:s}",
		    "field", "hemoglobin", "value", shown(hb, 3), "unit",
		    unit), "Field \"hemoglobin\": %s %s is outside 1-25 g/dL "
		    "(10-250 g/L); check the unit.", num, unit);
	}
	json_object_set_new(out, "hemoglobin", json_pack("{s:f,s:s}",
	    "value", hb, "unit", unit));
	json_object_set_new(out, "hemoglobin_g_l", json_real(g_l));
	return 0;
}

/* "altitude_m", "smoker" and "packs_per_day": the adjustments' facts. */
static int
check_adjustments(const json_t *in, json_t *out, struct vfail *f)
{
	double	 alt = 0, ppd = 0;
	int	 has_alt, has_ppd, smoker;

	if ((has_alt = opt_num(in, "altitude_m", -500, 9000, &alt)) == -1)
		BAD("altitude_invalid", FIELD("altitude_m"),
		    "Field \"altitude_m\" must be a number from -500 to 9000 "
		    "(metres above sea level).");
	json_object_set_new(out, "altitude_m",
	    has_alt ? json_real(alt) : json_null());

	if (opt_bool(in, "smoker", &smoker) == -1)
		BAD("smoker_invalid", FIELD("smoker"),
		    "Field \"smoker\" must be true or false.");
	if ((has_ppd = opt_num(in, "packs_per_day", 0, 10, &ppd)) == -1)
		BAD("packs_per_day_invalid", FIELD("packs_per_day"),
		    "Field \"packs_per_day\" must be a number from 0 to 10.");
	if (has_ppd && !smoker)
		BAD("packs_per_day_without_smoker", FIELD("packs_per_day"),
		    "Field \"packs_per_day\" needs \"smoker\": true.");
	json_object_set_new(out, "smoker", json_boolean(smoker));
	json_object_set_new(out, "packs_per_day",
	    has_ppd ? json_real(ppd) : json_null());
	return 0;
}

static int
check_note(const json_t *in, json_t *out, struct vfail *f)
{
	json_t	*j = json_object_get(in, "note");

	if (j == NULL || json_is_null(j)) {
		json_object_set_new(out, "note", json_string(""));
		return 0;
	}
	if (!json_is_string(j) || !note_ok(json_string_value(j),
	    json_string_length(j)))
		BAD("note_invalid", json_pack("{s:s,s:i}", "field", "note",
		    "max", SAMPLES_NOTE_MAX), "Field \"note\": text of at "
		    "most %d bytes without control characters (no patient "
		    "names).", SAMPLES_NOTE_MAX);
	json_object_set_new(out, "note", json_copy(j));
	return 0;
}

/*
 * "preparation" (into *prep) and "profile", which c must hold for that
 * preparation (into *prof; NULL without c).
 */
static int
check_profile(const json_t *in, const struct clinical *c, json_t *out,
    struct vfail *f, int *prep, const struct clinical_profile **prof)
{
	const json_t	*j = json_object_get(in, "preparation");
	const char	*prep_s, *pname;
	int		 cut;

	prep_s = j == NULL || json_is_null(j) ? "smear" : json_string_value(j);
	if ((*prep = clinical_prep_from_name(prep_s)) < 0)
		BAD("preparation_invalid", FIELD("preparation"), "Field "
		    "\"preparation\" must be \"smear\" or \"chamber\".");
	json_object_set_new(out, "preparation", json_string(prep_s));

	j = json_object_get(in, "profile");
	pname = j == NULL || json_is_null(j) ? NULL : json_string_value(j);
	if (j != NULL && !json_is_null(j) && pname == NULL)
		BAD("profile_invalid", FIELD("profile"),
		    "Field \"profile\" must be a string.");
	if (c != NULL) {
		if (pname == NULL)
			pname = c->default_profile[*prep];
		*prof = clinical_profile_find(c, pname);
		if (*prof == NULL ||
		    (*prof)->prep != (enum clinical_prep)*prep) {
			cut = utf8_cut(pname, 60);
			BAD("profile_unknown", json_pack("{s:s,s:s,s:s#}",
			    "field", "profile", "preparation", prep_s,
			    "profile", pname, cut), "Field "
			    "\"profile\": no %s profile named \"%.*s\" (see "
			    "GET /api/samples/profiles).", prep_s, cut, pname);
		}
	}
	json_object_set_new(out, "profile",
	    pname != NULL ? json_string(pname) : json_null());
	return 0;
}

/* "dilution" and "manual_counts", for a chamber only. */
static int
check_chamber(const json_t *in, int prep, const struct clinical_profile *prof,
    json_t *out, struct vfail *f)
{
	const json_t	*j;
	json_t		*mc;
	double		 dil = 0;
	int		 has_dil;

	if ((has_dil = opt_num(in, "dilution", 1, 1e6, &dil)) == -1)
		BAD("dilution_invalid", FIELD("dilution"),
		    "Field \"dilution\" must be a number from 1 to 1000000 "
		    "(200 for 1:200).");
	if (has_dil && prep != CLINICAL_CHAMBER)
		BAD("dilution_not_chamber", FIELD("dilution"), "Field "
		    "\"dilution\" applies to chamber preparations only.");
	if (!has_dil && prof != NULL && prep == CLINICAL_CHAMBER) {
		dil = prof->default_dilution;
		has_dil = 1;
	}
	json_object_set_new(out, "dilution",
	    has_dil ? json_real(dil) : json_null());

	/* Counts a technician made in the chamber by eye (samples_int.h). */
	j = json_object_get(in, "manual_counts");
	if (j == NULL || json_is_null(j)) {
		json_object_set_new(out, "manual_counts", json_null());
		return 0;
	}
	if (prep != CLINICAL_CHAMBER)
		BAD("manual_counts_not_chamber", FIELD("manual_counts"),
		    "Field \"manual_counts\" applies to chamber "
		    "preparations only.");
	if ((mc = manual_counts_check(j, f->err, f->errsz, &f->code,
	    &f->params)) == NULL)
		return -1;
	json_object_set_new(out, "manual_counts", mc);
	return 0;
}

#undef BAD
#undef MISSING
#undef FIELD

json_t *
samples_validate(const json_t *in, const struct clinical *c, char *err,
    size_t errsz, int *missing, json_t **msgs)
{
	const struct clinical_profile	*prof = NULL;
	struct vfail			 f = { err, errsz, missing,
					    "bad_request", NULL };
	json_t				*out;
	double				 age_months = -1;
	int				 prep = 0;

	*missing = 0;
	if (msgs != NULL)
		*msgs = NULL;
	if ((out = json_object()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (check_keys(in, &f) == 0 && check_code(in, out, &f) == 0 &&
	    check_age(in, out, &f, &age_months) == 0 &&
	    check_sex(in, out, &f, age_months) == 0 &&
	    check_hemoglobin(in, out, &f) == 0 &&
	    check_adjustments(in, out, &f) == 0 &&
	    check_note(in, out, &f) == 0 &&
	    check_profile(in, c, out, &f, &prep, &prof) == 0 &&
	    check_chamber(in, prep, prof, out, &f) == 0)
		return out;
	json_decref(out);
	if (msgs != NULL)
		*msgs = msg_list(f.code, f.params);
	else
		json_decref(f.params);
	return NULL;
}
