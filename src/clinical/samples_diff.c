/* samples_diff.c: a sample's white-cell differential: types over every field, the 100-cell rule, /uL, reference intervals */
/*
 * Each counted white cell of a result carries the classifier's
 * "wbc_type" (result.json); a person's review may delete the cell,
 * reclassify it (to or from WBC) or add one, and may set its type
 * ("wbc_type" on a reclassify or add change): the person's type wins.
 * Counting follows review_counts() exactly (an untouched detection counts
 * when its confidence reaches its class's saved threshold; a reclassified
 * or added cell always counts), so typed + untyped is the sample's WBC
 * total.  A cell the classifier rejected, or one nobody typed, is
 * "untyped": never guessed.
 *
 * Coverage comes first ("typed 62 of 100 white cells").  Percentages
 * (and the counts per uL made from them) are of the typed cells and are
 * shown only from SAMPLES_DIFF_PCT_MIN typed cells: below it, counts
 * only.  The usual rule asks for at least SAMPLES_DIFF_MIN typed cells
 * before a differential is read, so below it nothing is flagged high or
 * low: the summary says it is incomplete.
 * Absolute counts per uL need a valid WBC density estimate of the same
 * sample (random fields, plausible); otherwise they are withheld with
 * the estimate's reason.  Reference intervals come from the optional
 * "wbc_differential" block of etc/reference-ranges.json (schema in
 * docs/api.md); "check": true there is shown as unverified.
 */

#include "store/review.h"
#include "store/samples.h"
#include "store/samples_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const samples_diff_types[SAMPLES_DIFF_NTYPES] = {
	"neutrophil", "lymphocyte", "monocyte", "eosinophil", "basophil",
	"ig", "erythroblast"
};

static int
type_index(const char *name)
{
	int	 k;

	for (k = 0; name != NULL && k < SAMPLES_DIFF_NTYPES; k++)
		if (strcmp(name, samples_diff_types[k]) == 0)
			return k;
	return -1;
}

/* A type as a change or a detection gives it: a string or {"class"}. */
static const char *
type_of(const json_t *j)
{
	if (json_is_string(j))
		return json_string_value(j);
	return json_string_value(json_object_get(j, "class"));
}


/* 1 if the classifier left a cell untyped as unlike its training. */
static int
unlike(const json_t *wt)
{
	const char	*r = json_string_value(json_object_get(wt, "reason"));

	return r != NULL && (strcmp(r, "stain_unlike_training") == 0 ||
	    strcmp(r, "unlike_training") == 0);
}

int
samples_diff_field(const json_t *result, struct samples_diff *acc)
{
	const json_t	*dets = json_object_get(result, "detections");
	const json_t	*changes, *ch, *d;
	const char	*op, *name, *was, **cls = NULL, **type = NULL;
	unsigned char	*by_person = NULL;
	size_t		 i, n = json_array_size(dets);
	json_int_t	 k;
	int		 t, rc = -1;

	changes = json_object_get(json_object_get(result, "review"),
	    "changes");
	if (n > 0 && ((cls = calloc(n, sizeof(*cls))) == NULL ||
	    (type = calloc(n, sizeof(*type))) == NULL ||
	    (by_person = calloc(n, 1)) == NULL))
		goto out;
	if (json_is_object(json_object_get(result, "differential")))
		acc->classified_fields++;
	for (i = 0; i < n; i++) {
		d = json_array_get(dets, i);
		name = json_string_value(json_object_get(d, "class"));
		if (name != NULL && json_number_value(json_object_get(d,
		    "confidence")) >= review_threshold(result, name))
			cls[i] = name;
		type[i] = type_of(json_object_get(d, "wbc_type"));
	}
	for (i = 0; i < json_array_size(changes); i++) {
		ch = json_array_get(changes, i);
		op = json_string_value(json_object_get(ch, "op"));
		name = json_string_value(json_object_get(ch, "class"));
		k = json_integer_value(json_object_get(ch, "detection"));
		if (op == NULL)
			continue;
		if (strcmp(op, "add") == 0) {
			if (name == NULL || strcmp(name, "WBC") != 0)
				continue;
			t = type_index(type_of(json_object_get(ch,
			    "wbc_type")));
			if (t >= 0) {
				acc->count[t]++;
				acc->reviewed_types++;
			} else
				acc->untyped++;
			continue;
		}
		if (k < 0 || (size_t)k >= n)
			continue;
		if (strcmp(op, "delete") == 0)
			cls[k] = NULL;
		else if (strcmp(op, "reclassify") == 0) {
			was = json_string_value(json_object_get(
			    json_array_get(dets, (size_t)k), "class"));
			cls[k] = name;
			if (json_object_get(ch, "wbc_type") != NULL) {
				type[k] = type_of(json_object_get(ch,
				    "wbc_type"));
				by_person[k] = 1;
			} else if (was == NULL || strcmp(was, "WBC") != 0)
				type[k] = NULL;	/* made a WBC by hand */
		}
	}
	for (i = 0; i < n; i++) {
		if (cls[i] == NULL || strcmp(cls[i], "WBC") != 0)
			continue;
		if ((t = type_index(type[i])) >= 0) {
			acc->count[t]++;
			acc->reviewed_types += by_person[i];
		} else {
			acc->untyped++;
			acc->unlike += !by_person[i] && unlike(json_object_get(
			    json_array_get(dets, i), "wbc_type"));
		}
	}
	rc = 0;
out:
	free(cls);
	free(type);
	free(by_person);
	return rc;
}

/* ---- reference intervals -------------------------------------------- */

/* [lo, hi] of a two-number array with lo <= hi: 1, else 0. */
static int
interval(const json_t *a, double *lo, double *hi)
{
	if (!json_is_array(a) || json_array_size(a) != 2 ||
	    !json_is_number(json_array_get(a, 0)) ||
	    !json_is_number(json_array_get(a, 1)))
		return 0;
	*lo = json_number_value(json_array_get(a, 0));
	*hi = json_number_value(json_array_get(a, 1));
	return *lo <= *hi && *lo >= 0;
}

/*
 * The first group of ref whose ages hold age_months: age_min_months
 * inclusive, age_max_months exclusive (absent: no bound), as the
 * file's "reference_ranges" read.  NULL if none or age unknown (< 0).
 */
static const json_t *
ref_group(const json_t *ref, double age_months)
{
	const json_t	*groups = json_object_get(ref, "groups"), *g, *j;
	size_t		 i;

	if (age_months < 0)
		return NULL;
	for (i = 0; i < json_array_size(groups); i++) {
		g = json_array_get(groups, i);
		if (!json_is_object(json_object_get(g, "classes")))
			continue;
		j = json_object_get(g, "age_min_months");
		if (json_is_number(j) && age_months < json_number_value(j))
			continue;
		j = json_object_get(g, "age_max_months");
		if (json_is_number(j) && age_months >= json_number_value(j))
			continue;
		return g;
	}
	return NULL;
}

static const char *
flag_of(double v, double lo, double hi)
{
	return v < lo ? "low" : v > hi ? "high" : "normal";
}

/*
 * The reference part of the differential: the group's intervals, and
 * beside each a flag only when the differential is complete.  Adds the
 * sentences about it to l (text: English).  NULL when no reference
 * applies (why in l too, except when the file has no block).
 */
static json_t *
ref_json(const json_t *ref, double age_months, const double *pct,
    const double *per_ul, int complete, int has_per_ul, char *text,
    size_t textsz, json_t *l)
{
	const json_t	*g, *c, *j;
	json_t		*o, *classes, *one;
	double		 lo, hi;
	int		 k, unverified, pct_unverified, flagged = 0;
	const char	*f;
	size_t		 len;

	if (!json_is_object(ref))
		return NULL;
	len = strlen(text);
	if ((g = ref_group(ref, age_months)) == NULL) {
		snprintf(text + len, textsz - len, "%sNo reference interval "
		    "for this age%s.", len ? " " : "", age_months < 0 ?
		    " (age unknown)" : "");
		msg_add(l, age_months < 0 ? "diff_ref_no_age" :
		    "diff_ref_no_group", NULL);
		return NULL;
	}
	/*
	 * A group's "check" overrides the section's and covers its
	 * intervals; "pct_check" marks its percentages alone unverified.
	 */
	j = json_object_get(g, "check");
	unverified = json_is_boolean(j) ? json_is_true(j) :
	    json_is_true(json_object_get(ref, "check"));
	pct_unverified = unverified ||
	    json_is_true(json_object_get(g, "pct_check"));
	classes = json_object();
	for (k = 0; k < SAMPLES_DIFF_NTYPES; k++) {
		c = json_object_get(json_object_get(g, "classes"),
		    samples_diff_types[k]);
		if (!json_is_object(c))
			continue;
		one = json_object();
		if (interval(json_object_get(c, "pct"), &lo, &hi)) {
			json_object_set_new(one, "pct", json_pack("[f,f]", lo,
			    hi));
			f = complete ? flag_of(shown(pct[k], 1), lo, hi) : NULL;
			json_object_set_new(one, "pct_flag", f ? json_string(f) :
			    json_null());
			flagged |= f != NULL && strcmp(f, "normal") != 0;
		}
		if (interval(json_object_get(c, "per_ul"), &lo, &hi)) {
			json_object_set_new(one, "per_ul", json_pack("[f,f]",
			    lo, hi));
			f = complete && has_per_ul ? flag_of(round(per_ul[k]),
			    lo, hi) : NULL;
			json_object_set_new(one, "per_ul_flag", f ?
			    json_string(f) : json_null());
			flagged |= f != NULL && strcmp(f, "normal") != 0;
		}
		json_object_set_new(classes, samples_diff_types[k], one);
	}
	o = json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:b,s:b,s:b,s:o}",
	    "source", json_object_get(ref, "source"),
	    "group", json_object_get(g, "group"),
	    "note", json_object_get(g, "note"),
	    "age_min_months", json_object_get(g, "age_min_months"),
	    "age_max_months", json_object_get(g, "age_max_months"),
	    "unverified", unverified || pct_unverified,
	    "pct_unverified", pct_unverified,
	    "per_ul_unverified", unverified, "classes", classes);
	len = strlen(text);
	if (!complete) {
		snprintf(text + len, textsz - len, "%sIncomplete: not compared "
		    "with the reference intervals (nothing is flagged high or "
		    "low below %d typed white cells).", len ? " " : "",
		    SAMPLES_DIFF_MIN);
		msg_add(l, "diff_ref_incomplete", json_pack("{s:i}", "min",
		    SAMPLES_DIFF_MIN));
	} else if (flagged) {
		snprintf(text + len, textsz - len, "%sOutside the reference "
		    "interval: confirm with a manual differential.", len ?
		    " " : "");
		msg_add(l, "diff_ref_outside", NULL);
	}
	len = strlen(text);
	if (unverified) {
		snprintf(text + len, textsz - len, "%sUnverified: these "
		    "differential reference intervals are not yet checked "
		    "against their source.", len ? " " : "");
		msg_add(l, "diff_ref_unverified", NULL);
	} else if (pct_unverified) {
		snprintf(text + len, textsz - len, "%sUnverified: the "
		    "percentage intervals are not yet checked against their "
		    "source (the counts per \xc2\xb5L are cited).", len ? " " :
		    "");
		msg_add(l, "diff_ref_pct_unverified", NULL);
	}
	return o;
}

const json_t *
samples_wbc_reference(const char *path)
{
	static char	 loaded_path[4096];
	static json_t	*block;
	static int	 loaded;
	json_t		*root;
	json_t		*b;

	if (path == NULL || path[0] == '\0')
		return NULL;
	if (loaded && strcmp(path, loaded_path) == 0)
		return block;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	b = json_object_get(root, "wbc_differential");
	json_decref(block);
	block = json_is_object(b) && json_is_array(json_object_get(b,
	    "groups")) ? json_incref(b) : NULL;
	json_decref(root);
	snprintf(loaded_path, sizeof(loaded_path), "%s", path);
	loaded = 1;
	return block;
}

/* ---- the summary part ------------------------------------------------ */

#define STR2(x)			#x
#define STR(x)			STR2(x)
#define SAMPLES_DIFF_PCT_MIN_S	STR(SAMPLES_DIFF_PCT_MIN)

/*
 * The coverage sentence ("Typed 62 of 100 white cells.") and, below
 * SAMPLES_DIFF_PCT_MIN typed cells, that only counts are shown; appended
 * to text and l.
 */
static void
diff_coverage(const struct samples_diff *d, double typed, int pct_ok,
    char *text, size_t textsz, json_t *l)
{
	size_t	 len = strlen(text);
	double	 total = typed + d->untyped;

	if (total <= 0)
		return;
	snprintf(text + len, textsz - len, "%sTyped %.0f of %.0f white "
	    "cells.", len ? " " : "", typed, total);
	msg_add(l, "diff_coverage", json_pack("{s:o,s:o}", "typed",
	    jnum(typed, 0), "total", jnum(total, 0)));
	if (pct_ok || typed <= 0)
		return;
	len = strlen(text);
	snprintf(text + len, textsz - len, " Counts only: percentages from %d "
	    "typed white cells.", SAMPLES_DIFF_PCT_MIN);
	msg_add(l, "diff_counts_only", json_pack("{s:i}", "min",
	    SAMPLES_DIFF_PCT_MIN));
}

/*
 * When many white cells look unlike the classifier's training (another
 * stain or camera), the ones it typed are suspect too: said so.
 */
static void
diff_unlike(const struct samples_diff *d, double typed, char *text,
    size_t textsz, json_t *l)
{
	size_t	 len = strlen(text);
	double	 total = typed + d->untyped;

	if (total < SAMPLES_DIFF_PCT_MIN || typed <= 0 ||
	    d->unlike < SAMPLES_DIFF_UNLIKE_SHARE * total)
		return;
	snprintf(text + len, textsz - len, " %.0f of %.0f white cells look "
	    "unlike the smears the classifier learned from (stain or "
	    "camera): the types it gave may be wrong too; confirm by "
	    "microscopy.", d->unlike, total);
	msg_add(l, "diff_unlike_training", json_pack("{s:o,s:o}", "unlike",
	    jnum(d->unlike, 0), "total", jnum(total, 0)));
}

/*
 * The rule and progress in words, into text (English) and the returned
 * message list: which rule applies, the coverage, the untyped cells and
 * the reviewers' types.
 */
static json_t *
diff_words(const struct samples_diff *d, double typed, int complete,
    int pct_ok, char *text, size_t textsz)
{
	json_t	*l = json_array();
	size_t	 len;

	text[0] = '\0';
	if (d->classified_fields == 0 && typed == 0) {
		snprintf(text, textsz, "No white-cell types: these fields "
		    "were analysed without the white-cell classifier.");
		msg_add(l, "diff_no_classifier", NULL);
	} else if (complete) {
		snprintf(text, textsz, "Differential of %.0f typed white "
		    "cells (at least %d needed).", typed, SAMPLES_DIFF_MIN);
		msg_add(l, "diff_complete", json_pack("{s:o,s:i}", "typed",
		    jnum(typed, 0), "min", SAMPLES_DIFF_MIN));
	} else {
		snprintf(text, textsz, "Differential needs >= %d typed "
		    "white cells: %.0f/%d.", SAMPLES_DIFF_MIN, typed,
		    SAMPLES_DIFF_MIN);
		msg_add(l, "diff_incomplete", json_pack("{s:o,s:i}", "typed",
		    jnum(typed, 0), "min", SAMPLES_DIFF_MIN));
	}
	diff_coverage(d, typed, pct_ok, text, textsz, l);
	diff_unlike(d, typed, text, textsz, l);
	len = strlen(text);
	if (d->untyped > 0) {
		snprintf(text + len, textsz - len, " %.0f white cell%s "
		    "not typed (the classifier was unsure, the crop was unlike "
		    "its training or cut): not counted in the percentages.",
		    d->untyped,
		    d->untyped == 1 ? "" : "s");
		msg_add(l, "diff_untyped", json_pack("{s:o}", "untyped",
		    jnum(d->untyped, 0)));
	}
	len = strlen(text);
	if (d->reviewed_types > 0) {
		snprintf(text + len, textsz - len, " %.0f type%s set by "
		    "a reviewer.", d->reviewed_types, d->reviewed_types == 1 ?
		    "" : "s");
		msg_add(l, "diff_reviewed", json_pack("{s:o}", "reviewed",
		    jnum(d->reviewed_types, 0)));
	}
	return l;
}

json_t *
samples_diff_json(const struct samples_diff *d, double wbc_per_ul,
    const char *withheld, json_t *withheld_i18n, const json_t *ref,
    double age_months)
{
	json_t	*counts, *pct, *perul, *flags, *l, *o, *rj;
	double	 typed = 0, p[SAMPLES_DIFF_NTYPES], u[SAMPLES_DIFF_NTYPES];
	char	 text[900], why[300];
	int	 k, complete, pct_ok, has_per_ul;

	for (k = 0; k < SAMPLES_DIFF_NTYPES; k++)
		typed += d->count[k];
	complete = typed >= SAMPLES_DIFF_MIN;
	pct_ok = typed >= SAMPLES_DIFF_PCT_MIN;
	has_per_ul = wbc_per_ul >= 0 && pct_ok;
	counts = json_object();
	pct = json_object();
	perul = has_per_ul ? json_object() : json_null();
	for (k = 0; k < SAMPLES_DIFF_NTYPES; k++) {
		p[k] = typed > 0 ? d->count[k] * 100 / typed : 0;
		u[k] = has_per_ul ? p[k] / 100 * wbc_per_ul : 0;
		json_object_set_new(counts, samples_diff_types[k],
		    json_integer((json_int_t)llround(d->count[k])));
		json_object_set_new(pct, samples_diff_types[k], pct_ok ?
		    json_real(shown(p[k], 1)) : json_null());
		if (has_per_ul)
			json_object_set_new(perul, samples_diff_types[k],
			    json_integer((json_int_t)llround(u[k])));
	}

	l = diff_words(d, typed, complete, pct_ok, text, sizeof(text));
	rj = ref_json(ref, age_months, p, u, complete, has_per_ul, text,
	    sizeof(text), l);

	/* Cells a technician must look at, whatever the count. */
	flags = json_array();
	for (k = SAMPLES_DIFF_IG; k <= SAMPLES_DIFF_ERYTHROBLAST; k++) {
		if (d->count[k] <= 0)
			continue;
		snprintf(why, sizeof(why), "%s seen (%.0f): review the smear "
		    "and confirm by microscopy.", k == SAMPLES_DIFF_IG ?
		    "Immature granulocytes" : "Nucleated red cells "
		    "(erythroblasts)", d->count[k]);
		json_array_append_new(flags, json_pack("{s:s,s:o,s:s,s:o}",
		    "class", samples_diff_types[k], "count",
		    jnum(d->count[k], 0), "text", why, "text_i18n", msg_list(
		    k == SAMPLES_DIFF_IG ? "diff_flag_ig" :
		    "diff_flag_erythroblast", json_pack("{s:o}", "count",
		    jnum(d->count[k], 0)))));
	}

	o = json_pack("{s:[sssssss],s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:i,s:i,s:b,"
	    "s:s,s:o,s:o}", "classes", samples_diff_types[0],
	    samples_diff_types[1], samples_diff_types[2],
	    samples_diff_types[3], samples_diff_types[4],
	    samples_diff_types[5], samples_diff_types[6],
	    "counts", counts, "percent", pct, "per_ul", perul,
	    "typed", (json_int_t)llround(typed),
	    "untyped", (json_int_t)llround(d->untyped),
	    "unlike_training", (json_int_t)llround(d->unlike),
	    "reviewed_types", (json_int_t)llround(d->reviewed_types),
	    "required", SAMPLES_DIFF_MIN, "percent_from", SAMPLES_DIFF_PCT_MIN,
	    "complete", complete,
	    "text", text, "text_i18n", l, "flags", flags);
	if (o == NULL) {
		json_decref(withheld_i18n);	/* steals it in every case */
		json_decref(rj);
		return NULL;
	}
	json_object_set_new(o, "progress", json_pack("[I,i]",
	    (json_int_t)llround(typed), SAMPLES_DIFF_MIN));
	/* No typed cell: nothing to scale, whatever the WBC estimate; too
	 * few: no percentage to scale. */
	if (!has_per_ul && typed == 0 && withheld == NULL) {
		withheld = "No typed white cell yet.";
		withheld_i18n = msg_list("diff_per_ul_no_typed", NULL);
	} else if (!has_per_ul && !pct_ok && withheld == NULL) {
		withheld = "Fewer than " SAMPLES_DIFF_PCT_MIN_S " typed white "
		    "cells: counts only.";
		withheld_i18n = msg_list("diff_per_ul_few", json_pack("{s:i}",
		    "min", SAMPLES_DIFF_PCT_MIN));
	}
	json_object_set_new(o, "per_ul_withheld", !has_per_ul && withheld ?
	    json_string(withheld) : json_null());
	json_object_set_new(o, "per_ul_withheld_i18n", !has_per_ul &&
	    withheld_i18n ? withheld_i18n : json_null());
	if (has_per_ul)
		json_decref(withheld_i18n);
	json_object_set_new(o, "reference", rj != NULL ? rj : json_null());
	return o;
}
