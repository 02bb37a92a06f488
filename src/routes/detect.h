/* detect.h: live frames: validate, decode, detect, answer; nothing stored */
#ifndef BV_DETECT_H
#define BV_DETECT_H

#include "base/context.h"
#include "base/http.h"

struct fov;

/* A frame is at most this many bytes and pixels a side (413 / 422 beyond). */
#define DETECT_MAX_BYTES	(2 * 1024 * 1024)
#define DETECT_MAX_SIDE		1920

/*
 * Below this Laplacian variance (grey levels squared, measured inside the
 * field on the frame as sent) a frame is reported out of focus: BCCD's
 * 640x480 fields measure 8-13, the same blurred by two 3x3 box passes 6.2
 * (the measure depends on the frame size and the JPEG noise: live frames
 * are sent at about 640 px for that reason).  A share of
 * overlapping red cells at or above DETECT_OVERLAP_SHARE (with at least
 * DETECT_OVERLAP_MIN of them) asks for a thinner area.  Since issue 23 the
 * frame's "warnings" are the field-quality flags of vision/quality.h (the
 * same as an upload's, docs/quality.md); these figures stay as measures.
 */
#define DETECT_FOCUS_MIN	7.5
#define DETECT_OVERLAP_SHARE	0.5
#define DETECT_OVERLAP_MIN	8

/* POST /api/detect: fills resp with the frame's detections or one error. */
void	detect_handle(struct app *app, const struct http_request *req,
	    struct http_response *resp);

/*
 * The focus measure: variance of the 4-neighbour Laplacian of the grey
 * image over the pixels of the rgb image w x h inside f (all of it when f
 * is NULL); *mean gets their mean grey level (0-255).  0 when fewer than
 * two pixels qualify.
 */
double	detect_sharpness(const unsigned char *rgb, int w, int h,
	    const struct fov *f, double *mean);

#endif /* BV_DETECT_H */
