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
#include "base/num.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/micstore.h"

#define FNV_BASIS	1469598103934665603ULL

static uint64_t
fnv1a_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t
fnv1a(const char *s)
{
	return fnv1a_bytes(FNV_BASIS, s, s != NULL ? strlen(s) : 0);
}

void
micadapt_field_key(const struct mic_field *f, char out[MICADAPT_KEY_LEN])
{
	unsigned	 seed = MICADAPT_SPLIT_SEED;
	uint64_t	 h = fnv1a_bytes(FNV_BASIS, &seed, sizeof(seed));
	long		 v[6];

	for (size_t i = 0; i < f->ndet; i++) {
		/* the numbers result.json holds, as integers: no float bits */
		v[0] = f->det[i].cls;
		v[1] = lround(num_round3(f->det[i].conf) * 1000);
		v[2] = lround(f->det[i].x * 10);
		v[3] = lround(f->det[i].y * 10);
		v[4] = lround(f->det[i].w * 10);
		v[5] = lround(f->det[i].h * 10);
		h = fnv1a_bytes(h, v, sizeof(v));
	}
	snprintf(out, MICADAPT_KEY_LEN, "%016llx", (unsigned long long)h);
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
			out->chosen = (float)num_round3(t);
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
	return num_round3((double)t);
}

static json_t *
num_or_null(double v)
{
	return isfinite(v) ? json_real(num_round3(v)) : json_null();
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

/* ---- step (c): a fine-tuned model --------------------------------------- */

int
micadapt_model_decide(const struct micadapt_eval *b,
    const struct micadapt_eval *a, char *why, size_t whylen)
{
	int	 i, ap_up, bias_down;

	if (!isfinite(b->held_ap) || !isfinite(a->held_ap) ||
	    !isfinite(b->held_bias) || !isfinite(a->held_bias) ||
	    a->nval != b->nval || a->nval < 1) {
		snprintf(why, whylen, "not measured on the held-out fields "
		    "and the shipped validation sets");
		return 0;
	}
	/* better on one held-out criterion, not worse on the other */
	ap_up = a->held_ap >= b->held_ap + MICADAPT_HELD_MIN;
	bias_down = fabs(a->held_bias) <= fabs(b->held_bias) -
	    MICADAPT_BIAS_GAIN;
	if (a->held_ap < b->held_ap - MICADAPT_HELD_MIN) {
		snprintf(why, whylen, "held-out mAP %.3f -> %.3f: worse",
		    b->held_ap, a->held_ap);
		return 0;
	}
	if (fabs(a->held_bias) > fabs(b->held_bias) + MICADAPT_HELD_MIN) {
		snprintf(why, whylen, "held-out RBC bias %+.3f -> %+.3f: "
		    "worse", b->held_bias, a->held_bias);
		return 0;
	}
	if (!ap_up && !bias_down) {
		snprintf(why, whylen, "held-out mAP %.3f -> %.3f, RBC bias "
		    "%+.3f -> %+.3f: neither clearly better", b->held_ap,
		    a->held_ap, b->held_bias, a->held_bias);
		return 0;
	}
	for (i = 0; i < a->nval; i++)
		if (!isfinite(a->val_ap[i]) || !isfinite(b->val_ap[i]) ||
		    a->val_ap[i] < b->val_ap[i] - MICADAPT_VAL_TOL) {
			snprintf(why, whylen, "shipped validation set %d mAP "
			    "%.3f -> %.3f: worse", i + 1, b->val_ap[i],
			    a->val_ap[i]);
			return 0;
		}
	snprintf(why, whylen, "held-out mAP %.3f -> %.3f, RBC bias %+.3f -> "
	    "%+.3f; no shipped validation set worse", b->held_ap, a->held_ap,
	    b->held_bias, a->held_bias);
	return 1;
}

int
micadapt_cls_decide(const struct micadapt_cls_eval *b,
    const struct micadapt_cls_eval *a, char *why, size_t whylen)
{
	if (!isfinite(b->held_acc) || !isfinite(a->held_acc) ||
	    !isfinite(b->held_cw) || !isfinite(a->held_cw) ||
	    !isfinite(b->val_acc) || !isfinite(a->val_acc)) {
		snprintf(why, whylen, "not measured on the held-out crops and "
		    "pbc-cells val");
		return 0;
	}
	if (a->held_acc < b->held_acc + MICADAPT_CLS_GAIN) {
		snprintf(why, whylen, "held-out typing accuracy %.3f -> %.3f: "
		    "not better by %.2f", b->held_acc, a->held_acc,
		    MICADAPT_CLS_GAIN);
		return 0;
	}
	if (a->held_cw > b->held_cw + MICADAPT_CLS_CW_TOL) {
		snprintf(why, whylen, "held-out confidently wrong %.3f -> "
		    "%.3f: worse", b->held_cw, a->held_cw);
		return 0;
	}
	if (a->val_acc < b->val_acc - MICADAPT_CLS_VAL_TOL) {
		snprintf(why, whylen, "pbc-cells val accuracy %.3f -> %.3f: "
		    "worse", b->val_acc, a->val_acc);
		return 0;
	}
	snprintf(why, whylen, "held-out typing accuracy %.3f -> %.3f, "
	    "confidently wrong %.3f -> %.3f; pbc-cells val %.3f -> %.3f",
	    b->held_acc, a->held_acc, b->held_cw, a->held_cw, b->val_acc,
	    a->val_acc);
	return 1;
}

static json_t *
eval_json(const struct micadapt_eval *e)
{
	json_t	*v = json_array();

	for (int i = 0; i < e->nval && i < MICADAPT_MAX_VAL; i++)
		json_array_append_new(v, num_or_null(e->val_ap[i]));
	return json_pack("{s:o,s:o,s:o}", "held_ap", num_or_null(e->held_ap),
	    "held_bias", num_or_null(e->held_bias), "val_ap", v);
}

int
micadapt_record_model(json_t *state, const char *model,
    const char *adapt_version, const char *dir,
    const struct micadapt_eval *before, const struct micadapt_eval *after,
    int adopted, const char *why)
{
	json_t	*vs = json_object_get(state, "versions"), *v;
	char	 at[32];
	int	 ver;

	if (!json_is_array(vs) || json_array_size(vs) >=
	    MICSTORE_MAX_VERSIONS) {
		errno = json_is_array(vs) ? ENOSPC : EINVAL;
		return -1;
	}
	ver = (int)json_array_size(vs) + 1;
	now_iso(at, sizeof(at));
	v = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:O,s:b,s:s,s:o,s:o}",
	    "version", ver, "at", at, "kind", "model", "model", model,
	    "adapt_version", adapt_version, "dir", dir, "based_on",
	    json_object_get(state, "current"), "adopted", adopted, "why", why,
	    "before", eval_json(before), "after", eval_json(after));
	if (v == NULL || json_array_append_new(vs, v) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (adopted)
		json_object_set_new(state, "current", json_integer(ver));
	return ver;
}
