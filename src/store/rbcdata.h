/* rbcdata.h: red-cell morphology classes a reviewer set: the names allowed, applied to a result, kept as data */
#ifndef BV_RBCDATA_H
#define BV_RBCDATA_H

#include <jansson.h>

/*
 * The classes a person may give a red cell: models/v1-rbcmorph.names less
 * its reject class (a box that is no red cell is reclassified or deleted
 * instead), in words for messages.  tests/test_review.c holds the list to
 * the model's file.
 */
#define RBCDATA_CLASSES_TEXT	"normal, macrocyte, microcyte, spherocyte, " \
	"target, stomatocyte, ovalocyte, teardrop, burr, schistocyte, " \
	"hypochromia, elliptocyte"

/* The stored name of class s (any case), or NULL when it is none. */
const char	*rbcdata_class_name(const char *s);

/* The i-th class (0 up), NULL past the last: the list above. */
const char	*rbcdata_class_at(int i);

/*
 * A review's "rbc_class" changes ({"op": "rbc_class", "detection": k,
 * "rbc_class"}) applied to result (modified in place): the cell of
 * morphology.classes.cells whose "box" is k gets "class" the person's,
 * "by": "review" and the classifier's in "detector_class"; the field's
 * "by", "share", "classified", "abstained" and "abstained_by" are
 * recounted from its cells (the classifier's kept in "detector_by"), and
 * "reviewed" says how many a person set.  Applying twice changes nothing.
 */
void	 rbcdata_apply(json_t *result, const json_t *changes);

/*
 * Keep every red-cell class review version `version` of result id sets,
 * beside the review: rbc-classes-V.json, {"result", "review_version",
 * "by", "microscope", "scale", "model", "cells": [{"detection", "box",
 * "class", "classifier": {"class", "best", "confidence"}, "confirmed"}]},
 * written under a private name and linked into place, so it is only seen
 * whole (no crops: the box and the result's plain.jpg give them).  result
 * is result.json as stored.  Does nothing when the review sets no class.
 * 0, or -1 with errno.
 */
int	 rbcdata_keep(int results_fd, const char *id, int version,
	    const json_t *result, const json_t *changes, const char *by);

#endif /* BV_RBCDATA_H */
