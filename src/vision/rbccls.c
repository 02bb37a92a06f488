/* rbccls.c: the red-cell morphology class of each measured red cell (models/v1-rbcmorph), or abstained with a reason */
/*
 * A second stage after rbcmorph.c: every red cell that was measured (whole,
 * not overlapping, outlined) gets its crop classified by the morphology
 * classifier trained on chula-rbc (models/README.md).  The crop's size is
 * the field's typical red cell, not the cell's own box: a microcyte must
 * look small.  Whether the answer is shown is wbcood.c's rule, the same
 * as the white-cell differential's (calibrated confidence, stain and
 * features against training's, a cut crop, the reject class); otherwise
 * the cell is "abstained" with the reason.  Probabilities are the
 * classifier's, calibrated on validation crops: a confidence, not a
 * measurement.
 */

#include "vision/rbccls.h"
#include "base/count.h"
#include "base/num.h"
#include "base/timing.h"
#include "vision/cellcrop.h"
#include "vision/classifier.h"
#include "vision/cropjudge.h"
#include "vision/detector.h"
#include "image/imgio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct classifier *
rbccls_load(const char *beside, int int8, char *err, size_t errsz)
{
	char		 dir[4096], cfg[4200], w[4200], names[4200];
	const char	*slash = strrchr(beside, '/');
	size_t		 k = slash == NULL ? 1 : (size_t)(slash - beside);

	if (k >= sizeof(dir))
		k = sizeof(dir) - 1;
	memcpy(dir, slash == NULL ? "." : beside, k);
	dir[k] = '\0';
	snprintf(cfg, sizeof(cfg), "%s/v1-rbcmorph.cfg", dir);
	snprintf(w, sizeof(w), "%s/v1-rbcmorph.weights", dir);
	snprintf(names, sizeof(names), "%s/v1-rbcmorph.names", dir);
	return classifier_open(cfg, w, names, int8, err, errsz);
}

/* Classify and judge one crop of geometry g into t. */
static int
judge_one(struct classifier *c, const struct img *im, const struct cellcrop *g,
    int is_cut, struct rbccls_cell *t)
{
	struct wbcood_verdict v;

	if (cropjudge_run(c, im, g, is_cut, &v) == -1)
		return -1;
	t->cls = v.cls;
	t->conf = v.conf;
	t->reason = v.reason;
	return 0;
}

int
rbccls_run(struct classifier *c, const struct img *im, double dfac,
    const struct det_box *b, size_t n, const struct rbcmorph_cell *m,
    double typical_px, struct rbccls_cell *out)
{
	struct cellcrop	 g;
	double		 h = typical_px * RBCCLS_BOX_TO_CELL * dfac / 2;
	size_t		 i;

	if (classifier_classes(c) > RBCCLS_MAX_CLASSES)
		return -1;
	for (i = 0; i < n; i++) {
		double	 cx = (b[i].x + b[i].w / 2) * dfac;
		double	 cy = (b[i].y + b[i].h / 2) * dfac;

		memset(&out[i], 0, sizeof(out[i]));
		out[i].cls = -1;
		if (m[i].status != RBCMORPH_OK || typical_px <= 0 ||
		    cellcrop_geom((float)(cx - h), (float)(cy - h),
		    (float)(cx + h), (float)(cy + h), CELLCROP_MARGIN, im->w,
		    im->h, &g) == -1)
			continue;
		if (judge_one(c, im, &g, wbcood_cut(cx - h, cy - h, cx + h,
		    cy + h, im->w, im->h), &out[i]) == -1)
			return -1;
	}
	return 0;
}

/* Add one to the integer at key of o. */
static void
bump(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(
	    json_integer_value(json_object_get(o, key)) + 1));
}

/* One cell's entry. */
static json_t *
cell_json(const struct classifier *c, const struct rbccls_cell *t, size_t i)
{
	int	 ok = t->reason == WBCOOD_TYPED;
	json_t	*o = json_pack("{s:I,s:s,s:s,s:f}", "box", (json_int_t)i,
	    "class", ok ? classifier_class_name(c, t->cls) : "abstained",
	    "best", classifier_class_name(c, t->cls), "confidence",
	    isfinite(t->conf) ? num_round3(t->conf) : 0.0);

	if (o != NULL && !ok)
		json_object_set_new(o, "reason", json_string(
		    wbcood_reason_name(t->reason)));
	return o;
}

/* {class: offset} of the model's non-zero class offsets (wbcood.c). */
static json_t *
offsets_json(const struct classifier *c)
{
	json_t	*o = json_object();
	double	 b;
	int	 k;

	for (k = 0; k < classifier_classes(c); k++)
		if ((b = wbcood_offset(classifier_ood(c), k)) != 0)
			json_object_set_new(o, classifier_class_name(c, k),
			    json_real(num_round3(b)));
	return o;
}

json_t *
rbccls_json(const struct classifier *c, const struct rbccls_cell *t,
    size_t n, double typical_px)
{
	json_t	*by = json_object(), *why = json_object(), *cells = json_array();
	json_t	*share = json_object(), *it;
	int	 k, ok = 0, no = 0;
	const char *key;

	for (k = 0; k < classifier_classes(c); k++)
		if (strcmp(classifier_class_name(c, k), RBCCLS_REJECT) != 0)
			json_object_set_new(by, classifier_class_name(c, k),
			    json_integer(0));
	for (size_t i = 0; i < n; i++) {
		if (t[i].cls < 0)
			continue;
		json_array_append_new(cells, cell_json(c, &t[i], i));
		if (t[i].reason == WBCOOD_TYPED) {
			bump(by, classifier_class_name(c, t[i].cls));
			ok++;
		} else {
			bump(why, wbcood_reason_name(t[i].reason));
			no++;
		}
	}
	json_object_foreach(by, key, it)
		json_object_set_new(share, key, json_real(ok > 0 ?
		    num_round3((double)json_integer_value(it) / ok) : 0));
	return json_pack("{s:s,s:i,s:i,s:o,s:o,s:o,s:f,s:f,s:o,s:f,s:o}", "model",
	    "v1-rbcmorph", "classified", ok, "abstained", no, "by", by,
	    "share", share, "abstained_by", why, "min_confidence",
	    num_round3(wbcood_min_conf(classifier_ood(c))), "temperature",
	    num_round3(wbcood_temperature(classifier_ood(c))), "class_offsets",
	    offsets_json(c), "typical_px", num_round1(typical_px), "cells",
	    cells);
}

int
rbccls_field(struct classifier *c, const struct img *im, double dfac,
    const struct fov *f, const struct det_box *b, size_t n, int rbc,
    const double *thr, json_t *morph)
{
	struct rbcmorph_cell	*m = NULL;
	struct rbccls_cell	*t = NULL;
	double			 t0 = timing_ms(), typ;
	json_t			*j = NULL;
	int			 rc = -1;

	typ = rbcmorph_typical(b, n, rbc, thr);
	if (typ <= 0 || n == 0) {
		json_object_set_new(morph, "classes", json_null());
		return 0;
	}
	if ((m = calloc(n, sizeof(*m))) == NULL ||
	    (t = calloc(n, sizeof(*t))) == NULL ||
	    rbcmorph_measure(im, dfac, f, b, n, rbc, thr, m) == -1 ||
	    rbccls_run(c, im, dfac, b, n, m, typ, t) == -1 ||
	    (j = rbccls_json(c, t, n, typ)) == NULL)
		goto out;
	json_object_set_new(morph, "classes", j);
	json_object_set_new(morph, "classifier", json_true());
	json_object_set_new(morph, "classes_ms", json_real(num_round1(
	    timing_ms() - t0)));
	rc = 0;
out:
	free(m);
	free(t);
	return rc;
}
