/* wbcdata.h: white-cell types set or confirmed by a reviewer, kept as data (crop, type, microscope) */
#ifndef BV_WBCDATA_H
#define BV_WBCDATA_H

#include <jansson.h>

/*
 * Keep every white-cell type that review version `version` of result id
 * sets or confirms (its changes: a "reclassify" or "add" to WBC with a
 * "wbc_type" naming a type), beside the review in the result's
 * directory: wbc-types-V-K.jpg, the cell's crop from plain.jpg (the box
 * grown by 0.2 of its longer side on each side, square, at most 256 px),
 * and wbc-types-V.json, written last, so it is only seen whole:
 * {"result", "review_version", "by", "microscope", "scale", "model",
 * "cells": [{"crop", "detection", "box", "type", "confirmed",
 * "classifier"}]}.  result is the result as stored (result.json).  Does
 * nothing when the review types no cell.  0, or -1 with errno (nothing
 * half-written is left visible).
 */
int	 wbcdata_keep(int results_fd, const char *id, int version,
	    const json_t *result, const json_t *changes, const char *by);

#endif /* BV_WBCDATA_H */
