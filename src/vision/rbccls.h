/* rbccls.h: the red-cell morphology class of each measured red cell (models/v1-rbcmorph), or abstained with a reason */
#ifndef BV_RBCCLS_H
#define BV_RBCCLS_H

#include <stddef.h>
#include <jansson.h>

#include "vision/rbcmorph.h"
#include "vision/wbcood.h"

struct classifier;
struct det_box;
struct img;

#define RBCCLS_MAX_CLASSES	WBCOOD_MAX_CLASSES
#define RBCCLS_REJECT		"reject"	/* plasma, not a red cell */
/*
 * The training crops' cell size per detected red-cell box side: on
 * chula-rbc photos the detector's median box is 44.4 px (morph-bench.sh
 * with MORPH_BENCH_DIR) for cells the training crops take as 40 px.
 */
#ifndef RBCCLS_BOX_TO_CELL
#define RBCCLS_BOX_TO_CELL	0.90
#endif

/* One red cell's class (rule: wbcood.c, calibrated probabilities). */
struct rbccls_cell {
	int	 cls;		/* -1: not a measured red cell */
	float	 conf;		/* calibrated */
	enum wbcood_reason reason;
};

/*
 * Load models/v1-rbcmorph.{cfg,weights,names} (and its .json rule) from
 * the folder of the detector's cfg path beside: NULL with the reason in
 * err when absent or unreadable (morphology then has no classes).  int8:
 * on the int8 engine when v1-rbcmorph.int8 is there (classifier_open()).
 */
struct classifier *rbccls_load(const char *beside, int int8, char *err,
		    size_t errsz);

/*
 * Classify every cell that m[i] says was measured (RBCMORPH_OK): its crop
 * is a square centred on its box, side typical_px (rbcmorph_typical()) x (1 + 2
 * CELLCROP_MARGIN), NOT its own box, so that a small cell stays small
 * (the geometry bv-rbc-crops trained with); im is the picture at dfac im
 * px per original px.  out[i] for every box.  0, or -1 when the
 * classifier fails.
 */
int	 rbccls_run(struct classifier *c, const struct img *im, double dfac,
	    const struct det_box *b, size_t n, const struct rbcmorph_cell *m,
	    double typical_px, struct rbccls_cell *out);

/*
 * {"model", "classified", "abstained", "by": {class: n}, "share": {class:
 * share of classified}, "abstained_by": {reason: n}, "min_confidence",
 * "temperature", "class_offsets": {class: offset added to the calibrated
 * logits, non-zero ones}, "typical_px", "cells": [{"box", "class" (or
 * "abstained"), "best", "confidence", "reason"?}]} (new reference).
 */
json_t	*rbccls_json(const struct classifier *c, const struct rbccls_cell *t,
	    size_t n, double typical_px);

/*
 * One field: rbcmorph_measure() then rbccls_run() and rbccls_json(), set
 * as "classes" on morph (a field's "morphology" object), with its time
 * in "classes_ms".  A field without a typical size gets "classes": null.
 * 0, or -1 when out of memory or the classifier fails.
 */
int	 rbccls_field(struct classifier *c, const struct img *im, double dfac,
	    const struct fov *f, const struct det_box *b, size_t n, int rbc,
	    const double *thr, json_t *morph);

#endif /* BV_RBCCLS_H */
