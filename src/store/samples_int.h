/* samples_int.h: what the sample store, validation, summary and routes share (private) */
#ifndef BV_SAMPLES_INT_H
#define BV_SAMPLES_INT_H

/*
 * The sample module's files, one responsibility each: samples.c (the
 * store; its files, flock, temporary + fsync + rename in samples_file.c),
 * samples_valid.c (checking a client's facts), samples_summary.c with
 * samples_density.c and samples_screen.c (totals, estimates, flags,
 * screening and their sentences), samples_diff.c (the differential) and
 * samples_routes.c (the HTTP handlers).  Only they include this header;
 * everyone else uses samples.h.
 */

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <jansson.h>

#define SAMPLES_CODE_MAX	32
#define SAMPLES_NOTE_MAX	500
#define SAMPLES_BODY_MAX	(64 * 1024)

/* ---- sentences in other languages ------------------------------------ */

/*
 * Every English sentence a summary or an error carries in a field "x" has
 * a sibling "x_i18n": the same sentences as a list of {"code", "params"},
 * which a client words in its own language (the web page: "msg.<code>" in
 * htdocs/i18n/<lang>.json) and shows in place of the English.  A number in
 * params is rounded to exactly the digits the English shows (shown() and
 * est_fmt() round alike), so both forms always state the same figures.
 */

/* Append {"code": code, "params": params} to list; steals params (NULL: {}). */
static inline void
msg_add(json_t *list, const char *code, json_t *params)
{
	if (params == NULL)
		params = json_object();
	json_array_append_new(list, json_pack("{s:s,s:o}", "code", code,
	    "params", params));
}

/* New list holding one message; steals params (NULL: {}). */
static inline json_t *
msg_list(const char *code, json_t *params)
{
	json_t	*l = json_array();

	if (l == NULL)
		json_decref(params);
	else
		msg_add(l, code, params);
	return l;
}

/* x rounded half away from zero to d decimals, never -0: as est_fmt() shows. */
static inline double
shown(double x, int d)
{
	double	 m = pow(10, d), v = round(x * m) / m;

	return v == 0 ? 0 : v;
}

/* shown(x, d) as JSON: an integer when d is 0. */
static inline json_t *
jnum(double x, int d)
{
	return d <= 0 ? json_integer((json_int_t)llround(x)) :
	    json_real(shown(x, d));
}

/* How many bytes of s, at most max, end on a UTF-8 character boundary. */
static inline int
utf8_cut(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* ---- manual chamber counts -------------------------------------------- */

/*
 * The squares of the improved Neubauer ruling a technician counts in: a
 * 3 x 3 mm grid of nine 1 mm squares ("large"), the centre one divided
 * into 25 squares 0.2 mm wide ("medium"), each into 16 of 0.05 mm
 * ("small"); max is how many of each the ruling holds.
 */
struct samples_square {
	const char	*name;
	double		 area_mm2;
	int		 max;
};

/* The square named name, or NULL. */
static inline const struct samples_square *
samples_square_find(const char *name)
{
	static const struct samples_square	 sq[] = {
		{ "large", 1.0, 9 }, { "medium", 0.04, 25 },
		{ "small", 0.0025, 400 }
	};
	size_t					 i;

	for (i = 0; name != NULL && i < sizeof(sq) / sizeof(sq[0]); i++)
		if (strcmp(name, sq[i].name) == 0)
			return &sq[i];
	return NULL;
}

/* ---- the white-cell differential (samples_diff.c) --------------------- */

/* The classifier's types (src/wbctype.c), in the order they are shown. */
#define SAMPLES_DIFF_NTYPES		7
#define SAMPLES_DIFF_IG			5
#define SAMPLES_DIFF_ERYTHROBLAST	6
/* The usual rule: a differential is read from at least 100 white cells. */
#define SAMPLES_DIFF_MIN		100
/* Below this many typed cells only counts are shown: a percentage of a
 * few cells is no finding (1 of 2 cells would read "50 %"). */
#define SAMPLES_DIFF_PCT_MIN		20
/* A share of white cells unlike the classifier's training (stain,
 * camera, features) at which the typed ones are suspect too: 5x the share
 * of its own validation crops it refuses (wbcood.c's limits pass 95 %). */
#define SAMPLES_DIFF_UNLIKE_SHARE	0.25

extern const char *const samples_diff_types[SAMPLES_DIFF_NTYPES];

/* Typed white cells of a sample, summed over its fields. */
struct samples_diff {
	double	count[SAMPLES_DIFF_NTYPES];
	double	untyped;		/* counted WBC with no type */
	double	unlike;			/* of them: the classifier found the
					 * crop unlike its training */
	double	reviewed_types;		/* types a reviewer set */
	size_t	classified_fields;	/* fields the classifier ran on */
};

/*
 * Add result's counted white cells to acc: result is a result.json with
 * its review merged (review_merge()), so its review's changes apply and
 * a type a reviewer set wins.  -1 on ENOMEM (acc then partly updated).
 */
int	 samples_diff_field(const json_t *result, struct samples_diff *acc);

/*
 * The summary's "differential" (docs/api.md): counts and % of the typed
 * cells, the 100-cell rule, flags for IG and erythroblasts, absolute
 * counts per uL from wbc_per_ul (< 0: withheld, withheld saying why in
 * English and withheld_i18n as messages, which this steals), and the
 * reference intervals of ref (the "wbc_differential" block; NULL: none)
 * for age_months (< 0: unknown).  NULL on ENOMEM.
 */
json_t	*samples_diff_json(const struct samples_diff *d, double wbc_per_ul,
	    const char *withheld, json_t *withheld_i18n, const json_t *ref,
	    double age_months);

#endif /* BV_SAMPLES_INT_H */
