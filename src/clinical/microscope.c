/* microscope.c: the model's measured error on one microscope, from the fields a person checked */
/*
 * A field a reviewer marked "every cell checked" is a labelled field of
 * this microscope: the boxes its review leaves are the truth, and the
 * detector's own boxes (result.json keeps every one down to
 * min_confidence, with its confidence) say what the model would count at
 * any threshold.  So the error is recomputed at the threshold in use now,
 * not the one the field was first counted with: counts by countcal.c's
 * rule (cc_count), boxes matched by IoU, white-cell types compared with
 * the classifier's.  Pure arithmetic over JSON already loaded.
 */

#include "clinical/microscope.h"
#include "store/review.h"
#include "base/count.h"
#include "base/geom.h"
#include "base/num.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* IoU by base/geom.c, the one rule for box overlap. */
static double
iou(const struct mic_box *a, const struct mic_box *b)
{
	return geom_iou(geom_xywh(a->x, a->y, a->w, a->h), geom_xywh(b->x,
	    b->y, b->w, b->h));
}

static const struct mic_box *by_conf_base;

static int
cmp_conf(const void *a, const void *b)
{
	float ca = by_conf_base[*(const size_t *)a].conf;
	float cb = by_conf_base[*(const size_t *)b].conf;

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int
mic_match(const struct mic_field *f, int cls, float thr, long *tp, long *fp,
    long *fn)
{
	size_t		*order = NULL, no = 0, i, j, best;
	unsigned char	*used = NULL;
	double		 o, bo;

	if ((f->ndet > 0 && (order = malloc(f->ndet * sizeof(*order))) ==
	    NULL) || (f->nref > 0 && (used = calloc(f->nref, 1)) == NULL)) {
		free(order);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < f->ndet; i++)
		if (f->det[i].cls == cls && count_counted(f->det[i].conf, thr))
			order[no++] = i;
	by_conf_base = f->det;
	if (no > 1)
		qsort(order, no, sizeof(*order), cmp_conf);
	for (i = 0; i < no; i++) {
		best = f->nref;
		bo = MIC_IOU_MATCH;
		for (j = 0; j < f->nref; j++) {
			if (used[j] || f->ref[j].cls != cls)
				continue;
			o = iou(&f->det[order[i]], &f->ref[j]);
			if (o >= bo && (best == f->nref || o > bo)) {
				bo = o;
				best = j;
			}
		}
		if (best < f->nref) {
			used[best] = 1;
			(*tp)++;
		} else
			(*fp)++;
	}
	for (j = 0; j < f->nref; j++)
		*fn += f->ref[j].cls == cls && !used[j];
	free(order);
	free(used);
	return 0;
}

struct cc_field *
mic_cc_fields(const struct mic_field *f, size_t nf, int cls, float **scores)
{
	struct cc_field	*cf;
	size_t		 total = 0, k = 0, i, j;

	for (i = 0; i < nf; i++)
		total += f[i].ndet;
	cf = calloc(nf + 1, sizeof(*cf));
	*scores = calloc(total + 1, sizeof(**scores));
	if (cf == NULL || *scores == NULL) {
		free(cf);
		free(*scores);
		*scores = NULL;
		return NULL;
	}
	for (i = 0; i < nf; i++) {
		cf[i].src = 0;
		cf[i].score = *scores + k;
		for (j = 0; j < f[i].ndet; j++)
			if (f[i].det[j].cls == cls)
				(*scores)[k++] = f[i].det[j].conf;
		cf[i].n = (size_t)(*scores + k - cf[i].score);
		for (j = 0; j < f[i].nref; j++)
			cf[i].label += f[i].ref[j].cls == cls;
	}
	return cf;
}

int
mic_measure(const struct mic_field *f, size_t nf, int cls, float thr,
    struct mic_class *out)
{
	struct cc_field	*cf;
	float		*sc;
	double		 s = 0, ss = 0, d;
	long		 nrel = 0;
	size_t		 i;

	*out = (struct mic_class){ .fields = (long)nf };
	if ((cf = mic_cc_fields(f, nf, cls, &sc)) == NULL)
		return -1;
	for (i = 0; i < nf; i++) {
		int n = cc_count(&cf[i], thr);

		out->lab += cf[i].label;
		out->cnt += n;
		if (cf[i].label > 0) {
			d = (double)(n - cf[i].label) / cf[i].label;
			s += d;
			ss += d * d;
			nrel++;
		}
		if (mic_match(&f[i], cls, thr, &out->tp, &out->fp,
		    &out->fn) == -1) {
			free(cf);
			free(sc);
			return -1;
		}
	}
	free(cf);
	free(sc);
	out->bias = out->lab > 0 ? (double)(out->cnt - out->lab) / out->lab :
	    NAN;
	out->sd = nrel >= 2 ? sqrt(fmax(0, (ss - s * s / nrel) / (nrel - 1))) :
	    NAN;
	out->recall = out->tp + out->fn > 0 ? (double)out->tp / (out->tp +
	    out->fn) : NAN;
	out->precision = out->tp + out->fp > 0 ? (double)out->tp / (out->tp +
	    out->fp) : NAN;
	return 0;
}

void
mic_measure_wbc(const struct mic_field *f, size_t nf, struct mic_wbc *out)
{
	size_t	 i;

	*out = (struct mic_wbc){ 0 };
	for (i = 0; i < nf; i++) {
		out->ref += f[i].wbc_ref;
		out->typed += f[i].wbc_typed;
		out->judged += f[i].wbc_judged;
		out->correct += f[i].wbc_correct;
	}
	out->accuracy = out->judged > 0 ? (double)out->correct / out->judged :
	    NAN;
	out->coverage = out->ref > 0 ? (double)out->typed / out->ref : NAN;
}

int
mic_count_error(const struct mic_field *f, size_t nf, int cls, float thr,
    const char *name, struct interval_error *out)
{
	struct cc_field	*cf;
	struct cc_error	 e;
	float		*sc;
	long		 lab = 0;
	size_t		 i;

	memset(out, 0, sizeof(*out));
	if (nf < MIC_MIN_FIELDS)
		return -1;
	if ((cf = mic_cc_fields(f, nf, cls, &sc)) == NULL)
		return -1;
	for (i = 0; i < nf; i++)
		lab += cf[i].label;
	cc_error_fit(cf, nf, thr, &e);
	free(cf);
	free(sc);
	if (lab == 0 || !(e.bias > -1) || !isfinite(e.sd_rel) ||
	    !isfinite(e.sd_abs))
		return -1;
	out->valid = 1;
	out->bias = e.bias;
	out->sd_rel = e.sd_rel;
	out->sd_abs = e.sd_abs;
	out->fields = (long)nf;
	snprintf(out->sources, sizeof(out->sources), "%zu checked fields on "
	    "microscope %s", nf, name != NULL ? name : "?");
	return 0;
}

void
mic_field_free(struct mic_field *f)
{
	if (f == NULL)
		return;
	free(f->det);
	free(f->ref);
	memset(f, 0, sizeof(*f));
}

int
mic_result_checked(const json_t *merged)
{
	return json_is_true(json_object_get(json_object_get(merged, "review"),
	    "checked"));
}

/* ---- from a merged result -------------------------------------------- */

static int
class_index(const char *const *names, int ncls, const char *name)
{
	for (int c = 0; name != NULL && c < ncls; c++)
		if (strcmp(names[c], name) == 0)
			return c;
	return -1;
}

static int
box_of(const json_t *b, int cls, float conf, struct mic_box *out)
{
	const json_t	*x = json_object_get(b, "x"), *y = json_object_get(b,
			    "y"), *w = json_object_get(b, "w"),
			*h = json_object_get(b, "h");

	if (cls < 0 || !json_is_number(x) || !json_is_number(y) ||
	    !json_is_number(w) || !json_is_number(h))
		return -1;
	*out = (struct mic_box){ cls, conf, json_number_value(x),
	    json_number_value(y), json_number_value(w), json_number_value(h) };
	return 0;
}

/* A type as a detection holds it: {"class", ...}, or NULL. */
static const char *
type_class(const json_t *t)
{
	return json_string_value(json_object_get(t, "class"));
}

/*
 * One reviewed WBC from detection d: the classifier's type (the one the
 * review moved aside, else the detection's own when no person set it),
 * and the final type (a person's, else the classifier's: the field is
 * checked, so a type left alone was accepted).
 */
static void
wbc_typing(const json_t *d, struct mic_field *out)
{
	const json_t	*wt = json_object_get(d, "wbc_type");
	const json_t	*dt = json_object_get(d, "detector_wbc_type");
	const char	*model, *final;
	int		 person = json_object_get(wt, "by") != NULL;

	model = type_class(person ? dt : wt);
	final = type_class(wt);
	out->wbc_ref++;
	if (model == NULL || strcmp(model, "untyped") == 0)
		return;
	out->wbc_typed++;
	if (final == NULL || strcmp(final, "untyped") == 0)
		return;
	out->wbc_judged++;
	out->wbc_correct += strcmp(model, final) == 0;
}

/* The review's added boxes onto out->ref (and its WBCs, untyped by the model). */
static void
added_boxes(const json_t *changes, const char *const *names, int ncls,
    struct mic_field *out)
{
	const json_t	*ch;
	const char	*op;
	size_t		 i;
	int		 c;

	for (i = 0; i < json_array_size(changes); i++) {
		ch = json_array_get(changes, i);
		op = json_string_value(json_object_get(ch, "op"));
		c = class_index(names, ncls, json_string_value(
		    json_object_get(ch, "class")));
		if (op == NULL || strcmp(op, "add") != 0 || box_of(
		    json_object_get(ch, "box"), c, 1, &out->ref[out->nref]) ==
		    -1)
			continue;
		out->nref++;
		out->wbc_ref += strcmp(names[c], "WBC") == 0;
	}
}

int
mic_field_from_result(const json_t *merged, const char *const *names,
    int ncls, struct mic_field *out)
{
	const json_t	*dets = json_object_get(merged, "detections"), *d;
	const json_t	*changes = json_object_get(json_object_get(merged,
			    "review"), "changes");
	const char	**cls = NULL;
	size_t		 n = json_array_size(dets), i;
	int		 c;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(dets)) {
		errno = EINVAL;
		return -1;
	}
	out->det = calloc(n + 1, sizeof(*out->det));
	out->ref = calloc(n + json_array_size(changes) + 1,
	    sizeof(*out->ref));
	cls = calloc(n + 1, sizeof(*cls));
	if (out->det == NULL || out->ref == NULL || cls == NULL) {
		free(cls);
		mic_field_free(out);
		errno = ENOMEM;
		return -1;
	}
	review_counted_as(merged, changes, cls, n);
	for (i = 0; i < n; i++) {
		d = json_array_get(dets, i);
		c = class_index(names, ncls, json_string_value(
		    json_object_get(d, "class")));
		if (box_of(json_object_get(d, "box"), c, (float)
		    json_number_value(json_object_get(d, "confidence")),
		    &out->det[out->ndet]) == 0)
			out->ndet++;
		c = class_index(names, ncls, cls[i]);
		if (cls[i] == NULL || box_of(json_object_get(d, "box"), c, 1,
		    &out->ref[out->nref]) == -1)
			continue;
		out->nref++;
		if (strcmp(cls[i], "WBC") == 0)
			wbc_typing(d, out);
	}
	added_boxes(changes, names, ncls, out);
	free(cls);
	return 0;
}

/* ---- as JSON ----------------------------------------------------------- */

static json_t *
ratio(double v)
{
	return isfinite(v) ? json_real(num_round3(v)) : json_null();
}

json_t *
mic_measure_json(const struct mic_field *f, size_t nf,
    const char *const *names, int ncls, const double *thr)
{
	struct mic_class	 m;
	struct mic_wbc		 w;
	json_t			*classes, *out;

	if ((classes = json_object()) == NULL)
		return NULL;
	for (int c = 0; c < ncls; c++) {
		if (mic_measure(f, nf, c, (float)thr[c], &m) == -1) {
			json_decref(classes);
			return NULL;
		}
		json_object_set_new(classes, names[c], json_pack("{s:f,s:I,"
		    "s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:o,s:o}", "threshold",
		    thr[c], "fields", (json_int_t)m.fields, "reviewed",
		    (json_int_t)m.lab, "counted", (json_int_t)m.cnt, "bias",
		    ratio(m.bias), "sd", ratio(m.sd), "tp", (json_int_t)m.tp,
		    "fp", (json_int_t)m.fp, "fn", (json_int_t)m.fn, "recall",
		    ratio(m.recall), "precision", ratio(m.precision)));
	}
	mic_measure_wbc(f, nf, &w);
	out = json_pack("{s:I,s:i,s:o,s:{s:I,s:I,s:I,s:I,s:o,s:o}}",
	    "fields", (json_int_t)nf, "min_fields", MIC_MIN_FIELDS,
	    "classes", classes, "wbc_typing", "reviewed", (json_int_t)w.ref,
	    "typed", (json_int_t)w.typed, "judged", (json_int_t)w.judged,
	    "correct", (json_int_t)w.correct, "accuracy", ratio(w.accuracy),
	    "coverage", ratio(w.coverage));
	return out;
}

json_t *
mic_count_error_json(const struct mic_field *f, size_t nf,
    const char *const *names, int ncls, const double *thr, const char *name)
{
	struct interval_error	 e;
	json_t			*out = NULL;

	for (int c = 0; c < ncls; c++) {
		if (mic_count_error(f, nf, c, (float)thr[c], name, &e) == -1)
			continue;
		if (out == NULL && (out = json_object()) == NULL)
			return NULL;
		json_object_set_new(out, names[c], json_pack("{s:f,s:f,s:f,"
		    "s:I,s:s}", "bias", num_round3(e.bias),
		    "sd_rel", num_round3(e.sd_rel), "sd_abs",
		    num_round3(e.sd_abs), "fields",
		    (json_int_t)e.fields, "sources", e.sources));
	}
	return out;
}
