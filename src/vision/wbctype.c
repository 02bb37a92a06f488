/* wbctype.c: the white-cell differential: each counted WBC box typed by the classifier */
/*
 * A second stage after detection: every white cell that is counted gets
 * its crop classified (models/v2-wbc.*).  The crop follows
 * src/tools/cellcrop.h, the same code bv-train classify trained on, so
 * the server and training cannot drift apart.  Probabilities are the
 * classifier's softmax, shown as such: a confidence, not a measurement.
 * A crop the classifier puts in its reject class ("platelet": a platelet
 * clump boxed as a WBC) or below WBCTYPE_MIN_CONF is "untyped", not a
 * type: the classifier learned from one hospital's May-Grunwald-Giemsa
 * smears, and on other stains (BCCD's) it mostly answers the reject class,
 * which must not read as a differential.
 */
#include "base/count.h"

#include "vision/wbctype.h"
#include "vision/classifier.h"
#include "vision/detector.h"
#include "image/imgio.h"
#include "vision/cellcrop.h"

#include <math.h>
#include <string.h>

#define WBCTYPE_REJECT		"platelet"
#define WBCTYPE_MIN_CONF	0.6

/* 1 if t is a type a person may read as one. */
static int
typed(const struct classifier *c, const struct wbc_type *t)
{
	return t->cls >= 0 && t->conf >= WBCTYPE_MIN_CONF &&
	    strcmp(classifier_class_name(c, t->cls), WBCTYPE_REJECT) != 0;
}

int
wbctype_run(struct classifier *c, const struct img *im, double s,
    const struct det_box *boxes, size_t n, int wbc, const double *thr,
    struct wbc_type *out)
{
	struct cellcrop	 g;
	size_t		 i;
	int		 k, nc = classifier_classes(c), side;

	side = classifier_input_size(c);
	if (nc > WBCTYPE_MAX_CLASSES)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].cls = -1;
		if (boxes[i].cls != wbc || !count_counted(boxes[i].conf,
		    thr[wbc]))
			continue;
		if (cellcrop_geom((float)(boxes[i].x * s),
		    (float)(boxes[i].y * s), (float)((boxes[i].x +
		    boxes[i].w) * s), (float)((boxes[i].y + boxes[i].h) * s),
		    CELLCROP_MARGIN, im->w, im->h, &g) == -1)
			continue;
		cellcrop_sample(im->rgb, im->w, im->h, &g, side,
		    classifier_input(c));
		if (classifier_run(c, out[i].probs) == -1)
			return -1;
		for (k = 0; k < nc; k++)
			if (out[i].cls < 0 ||
			    out[i].probs[k] > out[i].probs[out[i].cls])
				out[i].cls = k;
		out[i].conf = out[i].probs[out[i].cls];
	}
	return 0;
}

json_t *
wbctype_json(const struct classifier *c, const struct wbc_type *t)
{
	json_t	*scores;
	int	 k;

	if ((scores = json_object()) == NULL)
		return NULL;
	for (k = 0; k < classifier_classes(c); k++)
		json_object_set_new(scores, classifier_class_name(c, k),
		    json_real(round(t->probs[k] * 1000) / 1000));
	return json_pack("{s:s,s:s,s:f,s:o}", "class", typed(c, t) ?
	    classifier_class_name(c, t->cls) : "untyped", "best",
	    classifier_class_name(c, t->cls), "confidence",
	    round(t->conf * 1000) / 1000, "scores", scores);
}

json_t *
wbctype_annotate(const struct classifier *c, json_t *detections,
    const struct wbc_type *t, size_t n)
{
	json_t	*by, *names, *d;
	size_t	 i;
	int	 k, ntyped = 0, untyped = 0;
	const char *name;

	by = json_object();
	names = json_array();
	for (k = 0; k < classifier_classes(c); k++) {
		name = classifier_class_name(c, k);
		if (strcmp(name, WBCTYPE_REJECT) == 0)
			continue;
		json_object_set_new(by, name, json_integer(0));
		json_array_append_new(names, json_string(name));
	}
	for (i = 0; i < n; i++) {
		if (t[i].cls < 0 || (d = json_array_get(detections, i)) == NULL)
			continue;
		json_object_set_new(d, "wbc_type", wbctype_json(c, &t[i]));
		if (!typed(c, &t[i])) {
			untyped++;
			continue;
		}
		name = classifier_class_name(c, t[i].cls);
		json_object_set_new(by, name, json_integer(
		    json_integer_value(json_object_get(by, name)) + 1));
		ntyped++;
	}
	return json_pack("{s:o,s:i,s:i,s:o,s:f}", "by", by, "typed", ntyped,
	    "untyped", untyped, "classes", names, "min_confidence",
	    WBCTYPE_MIN_CONF);
}
