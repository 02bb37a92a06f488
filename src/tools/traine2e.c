/* traine2e.c: `bv-train classify-e2e`: the detector then the white-cell classifier on whole images */
/*
 * Images whose list lines carry wbc=CLASS (the class of the image's
 * centred white cell, pbc-detect's index.csv).  Per image: the detector at
 * the list's cell scale; among WBC detections at --wbc-thresh, the one
 * nearest the image centre, if its centre lies within 20 % of the shorter
 * side of it; its crop (cellcrop_geom, --margin) classified.  Prints how
 * many centred cells were found and typed correctly, and the confusion
 * matrix.  Lines without wbc= (e.g. BCCD, no white-cell types) only get
 * the classifier's answers on their labelled WBC boxes counted, per class.
 */
#include "tools/traincls.h"
#include "tools/traindata.h"
#include "tools/trainaug.h"
#include "tools/clsmetrics.h"
#include "vision/cellcrop.h"
#include "engine/blasgemm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The run's networks, names and tallies. */
struct e2e {
	const struct opts *o;
	char names[TRAINCLS_MAXC][32];
	int ncls, found, right, total, untyped;
	long hist[TRAINCLS_MAXC];
	network *det, *cls;
	float *buf;
	struct clsm cm;
};

/* The classifier's class of the crop of box (x0, y0, x1, y1) of s, or -1
 * when the crop does not fit. */
static int
e2e_type(struct e2e *e, const struct sample *s, const unsigned char *rgb,
    float x0, float y0, float x1, float y1)
{
	struct cellcrop cc;
	float *p;
	int best = 0;

	if (cellcrop_geom(x0, y0, x1, y1, e->o->margin, s->im.w, s->im.h,
	    &cc) == -1)
		return -1;
	cellcrop_sample(rgb, s->im.w, s->im.h, &cc, e->cls->w, e->buf);
	p = network_predict(e->cls, e->buf);
	for (int k = 1; k < e->ncls; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

/* The classifier's answer on each labelled WBC box (class 1) of s, counted
 * in hist[]; untyped counts the boxes. */
static void
e2e_gt_boxes(struct e2e *e, const struct sample *s)
{
	unsigned char *rgb = malloc((size_t)s->im.w * s->im.h * 3);

	if (rgb == NULL)
		return;
	trainaug_rgb8(s->im.data, s->im.w, s->im.h, rgb);
	for (int b = 0; b < s->nb; b++) {
		const float *bx = s->b + b * 5;
		int best;

		if ((int)bx[0] != 1 ||
		    (best = e2e_type(e, s, rgb, bx[1], bx[2], bx[3], bx[4])) < 0)
			continue;
		e->hist[best]++;
		e->untyped++;
	}
	free(rgb);
}

/* The WBC detection nearest the image centre (image pixels) in bb;
 * returns its distance from the centre (1e30 when none). */
static float
e2e_centred(struct e2e *e, const struct valset *vs, int i, float bb[4])
{
	const struct sample *s = &vs->ds.s[i];
	network *det = e->det;
	float cx = s->im.w / 2.0f, cy = s->im.h / 2.0f, bestd = 1e30f;
	detection *dets;
	int nd = 0;

	network_predict(det, vs->boxed[i].data);
	if (vs->sc[i] > 0)
		dets = get_network_boxes(det, det->w, det->h, e->o->wbc_thresh,
		    0.5f, 0, 1, &nd);
	else
		dets = get_network_boxes(det, s->im.w, s->im.h, e->o->wbc_thresh,
		    0.5f, 0, 1, &nd);
	do_nms_sort(dets, nd, det->layers[det->n - 1].classes, 0.45f);
	for (int k = 0; k < nd; k++) {
		box b = dets[k].bbox;
		float x0, y0, x1, y1, d;

		if (dets[k].prob[1] < e->o->wbc_thresh)
			continue;
		if (vs->sc[i] > 0) {
			x0 = ((b.x - b.w / 2) * det->w - vs->dx[i]) / vs->sc[i];
			x1 = ((b.x + b.w / 2) * det->w - vs->dx[i]) / vs->sc[i];
			y0 = ((b.y - b.h / 2) * det->h - vs->dy[i]) / vs->sc[i];
			y1 = ((b.y + b.h / 2) * det->h - vs->dy[i]) / vs->sc[i];
		} else {
			x0 = (b.x - b.w / 2) * s->im.w;
			x1 = (b.x + b.w / 2) * s->im.w;
			y0 = (b.y - b.h / 2) * s->im.h;
			y1 = (b.y + b.h / 2) * s->im.h;
		}
		d = hypotf((x0 + x1) / 2 - cx, (y0 + y1) / 2 - cy);
		if (d < bestd) {
			bestd = d;
			bb[0] = x0; bb[1] = y0; bb[2] = x1; bb[3] = y1;
		}
	}
	free_detections(dets, nd);
	return bestd;
}

/* One image of a list; 0, or -1 (unknown wbc= class, no memory). */
static int
e2e_image(struct e2e *e, const struct valset *vs, int i)
{
	const struct sample *s = &vs->ds.s[i];
	float lim = 0.2f * (s->im.w < s->im.h ? s->im.w : s->im.h);
	float bb[4] = { 0, 0, 0, 0 };
	int truth = -1, pred = -1;

	if (s->wbc == NULL) {
		e2e_gt_boxes(e, s);
		return 0;
	}
	for (int c = 0; c < e->ncls; c++)
		if (strcmp(e->names[c], s->wbc) == 0)
			truth = c;
	if (truth < 0) {
		fprintf(stderr, "bv-train: %s: no wbc=CLASS of %s\n", s->path,
		    e->o->names);
		return -1;
	}
	e->total++;
	if (e2e_centred(e, vs, i, bb) <= lim) {
		unsigned char *rgb = malloc((size_t)s->im.w * s->im.h * 3);

		if (rgb == NULL)
			return -1;
		trainaug_rgb8(s->im.data, s->im.w, s->im.h, rgb);
		pred = e2e_type(e, s, rgb, bb[0], bb[1], bb[2], bb[3]);
		free(rgb);
	}
	if (pred >= 0) {
		e->found++;
		e->right += pred == truth;
		clsm_add(&e->cm, truth, pred);
	}
	if (e->o->per_image)
		printf("%s %s %s\n", s->path, e->names[truth],
		    pred >= 0 ? e->names[pred] : "(not found)");
	return 0;
}

static void
e2e_report(struct e2e *e)
{
	const struct opts *o = e->o;

	printf("# detector %s, classifier %s, WBC threshold %.2f, margin %.2f\n",
	    o->weights, o->cls_weights, o->wbc_thresh, o->margin);
	if (e->untyped > 0) {
		printf("labelled WBC boxes of images without wbc=: %d, typed as:",
		    e->untyped);
		for (int c = 0; c < e->ncls; c++)
			printf(" %s %ld", e->names[c], e->hist[c]);
		printf("\n");
	}
	printf("centred white cells: %d, found %d (%.4f), typed correctly %d "
	    "(%.4f of all, %.4f of found)\n", e->total, e->found,
	    e->total ? (double)e->found / e->total : NAN, e->right,
	    e->total ? (double)e->right / e->total : NAN,
	    e->found ? (double)e->right / e->found : NAN);
	traincls_report(stdout, &e->cm, e->names, e->ncls);
}

int
traine2e_main(const struct opts *o)
{
	struct e2e e = { .o = o };

	if ((e.ncls = traincls_names(o->names, e.names, TRAINCLS_MAXC)) < 2)
		return 1;
	blasgemm_threads(o->threads);
	e.det = trainnet_load(o->cfg, o->weights);
	e.cls = trainnet_load(o->cls_cfg, o->cls_weights);
	if (e.cls->outputs != e.ncls ||
	    (e.buf = malloc((size_t)3 * e.cls->w * e.cls->h * sizeof *e.buf)) == NULL)
		return 1;
	clsm_init(&e.cm, e.ncls);
	for (int v = 0; v < o->nval; v++) {
		struct valset vs = { o->val[v], { NULL, 0 }, NULL, NULL, NULL, NULL };

		if (traindata_load(&vs.ds, o->val[v], o->border_aspect) == -1 ||
		    traindata_valset(&vs, e.det->w, o->aug.scale_ref) == -1)
			return 1;
		for (int i = 0; i < vs.ds.n; i++)
			if (e2e_image(&e, &vs, i) == -1)
				return 1;
	}
	e2e_report(&e);
	free(e.buf);
	return 0;
}
