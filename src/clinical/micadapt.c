/* micadapt.c: per-microscope operating thresholds from the checked fields: choose, adopt or refuse, roll back */
/*
 * Step (a) of learning a microscope, the cheapest: the detector stays as
 * it is and only the confidence a cell must reach to be counted moves, so
 * that on this microscope counts are unbiased.  A threshold is chosen on
 * two thirds of the checked fields and kept only if it is better on the
 * other third than the one in use: a choice that merely fits its own
 * fields is refused.  Thresholds on other microscopes never change, so the
 * shipped validation sets (other microscopes) cannot get worse.  Every
 * try is kept as a version, adopted or not; rolling back moves "current"
 * to the previous adopted version.
 */

#include "clinical/micadapt.h"
#include "clinical/countcal.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/micstore.h"

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; s != NULL && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct hashed {
	uint64_t	 h;
	size_t		 i;
};

static int
cmp_hashed(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
micadapt_split(const char *const *ids, size_t nf, unsigned char *held)
{
	struct hashed	*v = calloc(nf + 1, sizeof(*v));
	size_t		 k;

	memset(held, 0, nf);
	if (v == NULL) {
		for (k = 2; k < nf; k += 3)	/* no memory: input order */
			held[k] = 1;
		return;
	}
	for (k = 0; k < nf; k++)
		v[k] = (struct hashed){ fnv1a(ids[k]), k };
	qsort(v, nf, sizeof(*v), cmp_hashed);
	for (k = 2; k < nf; k += 3)
		held[v[k].i] = 1;
	free(v);
}

int
micadapt_choose(const struct mic_field *f, size_t nf,
    const unsigned char *held, int cls, float cur, float lo,
    struct micadapt_class *out)
{
	struct cc_field	*all, *fit, *ho;
	float		*sc;
	size_t		 nfit = 0, nho = 0, i;
	double		 w;

	*out = (struct micadapt_class){ .cur = cur, .chosen = cur };
	out->held_before = out->held_after = NAN;
	if ((all = mic_cc_fields(f, nf, cls, &sc)) == NULL)
		return -1;
	fit = calloc(nf + 1, sizeof(*fit));
	ho = calloc(nf + 1, sizeof(*ho));
	if (fit == NULL || ho == NULL) {
		free(fit);
		free(ho);
		free(all);
		free(sc);
		return -1;
	}
	for (i = 0; i < nf; i++) {
		if (held[i])
			ho[nho++] = all[i];
		else
			fit[nfit++] = all[i];
	}
	out->held_before = cc_bias(ho, nho, -1, cur, &out->held_cells);
	(void)cc_bias(fit, nfit, -1, cur, &out->fit_cells);
	if (out->fit_cells >= MICADAPT_MIN_CELLS &&
	    out->held_cells >= MICADAPT_MIN_CELLS) {
		float t = cc_choose(fit, nfit, 1, fmaxf(lo, MICADAPT_LO),
		    MICADAPT_HI, MICADAPT_STEP, 0, &w);

		out->tried = t >= 0;
		if (out->tried) {
			out->chosen = roundf(t * 1000) / 1000;
			out->held_after = cc_bias(ho, nho, -1, out->chosen,
			    NULL);
			out->adopted = fabs(out->held_after) <
			    fabs(out->held_before) - 1e-9;
		}
	}
	free(fit);
	free(ho);
	free(all);
	free(sc);
	return 0;
}

static void
now_iso(char *buf, size_t sz)
{
	time_t		 t = time(NULL);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A threshold as result.json writes one (3 decimals), not a float's tail. */
static double
thr3(float t)
{
	return round((double)t * 1000) / 1000;
}

static json_t *
num_or_null(double v)
{
	return isfinite(v) ? json_real(round(v * 10000) / 10000) : json_null();
}

int
micadapt_record(json_t *state, const char *model, size_t nf, size_t nheld,
    const char *const *names, int ncls, const struct micadapt_class *cl)
{
	json_t	*vs = json_object_get(state, "versions"), *thr, *cls, *v;
	char	 at[32];
	int	 adopted = 0, ver;

	if (!json_is_array(vs) || json_array_size(vs) >=
	    MICSTORE_MAX_VERSIONS) {
		errno = json_is_array(vs) ? ENOSPC : EINVAL;
		return -1;
	}
	ver = (int)json_array_size(vs) + 1;
	thr = json_object();
	cls = json_object();
	for (int c = 0; c < ncls; c++) {
		adopted |= cl[c].adopted;
		json_object_set_new(thr, names[c], json_real(thr3(
		    cl[c].adopted ? cl[c].chosen : cl[c].cur)));
		json_object_set_new(cls, names[c], json_pack("{s:b,s:b,s:f,"
		    "s:f,s:o,s:o,s:I,s:I}", "tried", cl[c].tried, "adopted",
		    cl[c].adopted, "was", thr3(cl[c].cur), "chosen",
		    thr3(cl[c].chosen), "held_bias_before",
		    num_or_null(cl[c].held_before), "held_bias_after",
		    num_or_null(cl[c].held_after), "fit_cells",
		    (json_int_t)cl[c].fit_cells, "held_cells",
		    (json_int_t)cl[c].held_cells));
	}
	now_iso(at, sizeof(at));
	v = json_pack("{s:i,s:s,s:s,s:s,s:I,s:I,s:O,s:b,s:o,s:o}", "version",
	    ver, "at", at, "kind", "thresholds", "model", model, "fields",
	    (json_int_t)nf, "held_out", (json_int_t)nheld, "based_on",
	    json_object_get(state, "current"), "adopted", adopted,
	    "thresholds", thr, "classes", cls);
	if (v == NULL || json_array_append_new(vs, v) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (adopted)
		json_object_set_new(state, "current", json_integer(ver));
	return ver;
}

int
micadapt_rollback(json_t *state)
{
	json_t		*vs = json_object_get(state, "versions"), *log;
	json_int_t	 cur = json_integer_value(json_object_get(state,
			    "current")), to = 0, k;
	char		 at[32];

	if (cur <= 0) {
		errno = ENOENT;
		return -1;
	}
	for (k = cur - 1; k >= 1; k--)
		if (json_is_true(json_object_get(json_array_get(vs,
		    (size_t)k - 1), "adopted"))) {
			to = k;
			break;
		}
	if ((log = json_object_get(state, "rollbacks")) == NULL) {
		log = json_array();
		json_object_set_new(state, "rollbacks", log);
	}
	now_iso(at, sizeof(at));
	json_array_append_new(log, json_pack("{s:s,s:I,s:I}", "at", at,
	    "from", cur, "to", to));
	/* Rolled back versions are never current again by accident. */
	json_object_set_new(json_array_get(vs, (size_t)cur - 1),
	    "rolled_back", json_string(at));
	json_object_set_new(json_array_get(vs, (size_t)cur - 1), "adopted",
	    json_false());
	json_object_set_new(state, "current", json_integer(to));
	return (int)to;
}

int
micadapt_thresholds(const json_t *state, const char *model,
    const char *const *names, int ncls, double *thr)
{
	json_int_t	 cur = json_integer_value(json_object_get(state,
			    "current"));
	const json_t	*v, *t, *tv;

	if (cur <= 0 || (v = json_array_get(json_object_get(state,
	    "versions"), (size_t)cur - 1)) == NULL || model == NULL ||
	    !json_is_string(json_object_get(v, "model")) || strcmp(model,
	    json_string_value(json_object_get(v, "model"))) != 0)
		return 0;
	t = json_object_get(v, "thresholds");
	for (int c = 0; c < ncls; c++)
		if (json_is_number(tv = json_object_get(t, names[c])) &&
		    json_number_value(tv) >= 0 && json_number_value(tv) <= 1)
			thr[c] = json_number_value(tv);
	return (int)cur;
}

int
micadapt_load_thresholds(int results_fd, const char *name, const char *model,
    const char *const *names, int ncls, double *thr)
{
	json_t	*state;
	int	 v;

	if (name == NULL || (state = micstore_load(results_fd, name)) == NULL)
		return 0;
	v = micadapt_thresholds(state, model, names, ncls, thr);
	json_decref(state);
	return v;
}
