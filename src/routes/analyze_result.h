/* analyze_result.h: an upload's result object, before the steps after detection add to it */
#ifndef BV_ANALYZE_RESULT_H
#define BV_ANALYZE_RESULT_H

#include <stddef.h>
#include <jansson.h>

#include "base/context.h"

struct det_box;

/*
 * The result object of upload id (W x H pixels of type mime): the model,
 * counts and detections (boxes in the photo's pixels, counted at
 * thr[class]), the URLs of its files and its sample (NULL: none).
 * threshold is the request's value or the global fallback (what clients
 * that know one threshold show); thr[class] are the ones actually counted
 * with.  NULL on no memory.
 */
json_t	*analyze_result_new(const struct app *app, const char *id, int W,
	    int H, const char *mime, double threshold, const double *thr,
	    const struct det_box *v, size_t n, const char *sample);

#endif /* BV_ANALYZE_RESULT_H */
