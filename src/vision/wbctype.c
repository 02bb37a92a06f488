/* wbctype.c: the white-cell differential: each counted WBC box typed by the classifier, or untyped with a reason */
/*
 * A second stage after detection: every white cell that is counted gets
 * its crop classified (models/v2-wbc.*).  The crop follows cellcrop.h,
 * the same code bv-train classify trained on, so the server and training
 * cannot drift apart.  Whether the answer is shown as a type is
 * wbcood.c's rule (calibrated confidence, the crop's stain and features
 * against training's, a cut cell): otherwise the cell is "untyped" with
 * the reason, and counted as such.  Probabilities are the classifier's,
 * calibrated on validation crops: a confidence, not a measurement.
 */

#include "vision/wbctype.h"
#include "base/count.h"
#include "base/num.h"
#include "vision/classifier.h"
#include "vision/detector.h"
#include "image/imgio.h"
#include "vision/cellcrop.h"
#include "vision/cropjudge.h"

#include <math.h>
#include <string.h>

/* Classify and judge one crop of geometry g into t. */
static int
judge_one(struct classifier *c, const struct img *im, const struct cellcrop *g,
    int is_cut, struct wbc_type *t)
{
	struct wbcood_verdict v;

	if (cropjudge_run(c, im, g, is_cut, &v) == -1)
		return -1;
	memcpy(t->probs, v.probs, sizeof(t->probs));
	t->cls = v.cls;
	t->conf = v.conf;
	t->reason = v.reason;
	t->stain_z = v.stain_z;
	t->dist = v.dist;
	t->energy = v.energy;
	return 0;
}

int
wbctype_run(struct classifier *c, const struct img *im, double s,
    const struct det_box *boxes, size_t n, int wbc, const double *thr,
    struct wbc_type *out)
{
	struct cellcrop	 g;
	double		 x0, y0, x1, y1;
	size_t		 i;

	if (classifier_classes(c) > WBCTYPE_MAX_CLASSES)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].cls = -1;
		if (boxes[i].cls != wbc || !count_counted(boxes[i].conf,
		    thr[wbc]))
			continue;
		x0 = boxes[i].x * s;
		y0 = boxes[i].y * s;
		x1 = (boxes[i].x + boxes[i].w) * s;
		y1 = (boxes[i].y + boxes[i].h) * s;
		if (cellcrop_geom((float)x0, (float)y0, (float)x1, (float)y1,
		    CELLCROP_MARGIN, im->w, im->h, &g) == -1)
			continue;
		if (judge_one(c, im, &g, wbcood_cut(x0, y0, x1, y1, im->w, im->h),
		    &out[i]) == -1)
			return -1;
	}
	return 0;
}

/* A number for JSON, 3 decimals; null when not finite. */
static json_t *
num3(double v)
{
	return isfinite(v) ? json_real(num_round3(v)) : json_null();
}

json_t *
wbctype_json(const struct classifier *c, const struct wbc_type *t)
{
	json_t	*scores, *o;
	int	 k, typed = t->reason == WBCOOD_TYPED;

	if ((scores = json_object()) == NULL)
		return NULL;
	for (k = 0; k < classifier_classes(c); k++)
		json_object_set_new(scores, classifier_class_name(c, k),
		    num3(t->probs[k]));
	o = json_pack("{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:o}}", "class", typed ?
	    classifier_class_name(c, t->cls) : "untyped", "best",
	    classifier_class_name(c, t->cls), "confidence", num3(t->conf),
	    "scores", scores, "checks", "stain_z", num3(t->stain_z),
	    "distance", num3(t->dist), "energy", num3(t->energy));
	if (o != NULL && !typed)
		json_object_set_new(o, "reason", json_string(
		    wbcood_reason_name(t->reason)));
	return o;
}

json_t *
wbctype_annotate(const struct classifier *c, json_t *detections,
    const struct wbc_type *t, size_t n)
{
	json_t	*by, *names, *d, *why;
	size_t	 i;
	int	 k, ntyped = 0, untyped = 0;
	const char *name;
	const struct wbcood *m = classifier_ood(c);

	by = json_object();
	why = json_object();
	names = json_array();
	for (k = 0; k < classifier_classes(c); k++) {
		name = classifier_class_name(c, k);
		if (strcmp(name, "platelet") == 0)	/* the reject class */
			continue;
		json_object_set_new(by, name, json_integer(0));
		json_array_append_new(names, json_string(name));
	}
	for (i = 0; i < n; i++) {
		if (t[i].cls < 0 || (d = json_array_get(detections, i)) == NULL)
			continue;
		json_object_set_new(d, "wbc_type", wbctype_json(c, &t[i]));
		name = t[i].reason == WBCOOD_TYPED ?
		    classifier_class_name(c, t[i].cls) :
		    wbcood_reason_name(t[i].reason);
		d = t[i].reason == WBCOOD_TYPED ? by : why;
		json_object_set_new(d, name, json_integer(
		    json_integer_value(json_object_get(d, name)) + 1));
		if (t[i].reason == WBCOOD_TYPED)
			ntyped++;
		else
			untyped++;
	}
	return json_pack("{s:o,s:i,s:i,s:o,s:o,s:f,s:f}", "by", by, "typed",
	    ntyped, "untyped", untyped, "untyped_by", why, "classes", names,
	    "min_confidence", num_round3(wbcood_min_conf(m)),
	    "temperature", num_round3(wbcood_temperature(m)));
}
