/* vocap.h: Pascal VOC average precision (AP@IoU, all-point interpolation) */
#ifndef BV_VOCAP_H
#define BV_VOCAP_H

#include <stddef.h>

/* Boxes are corners in any consistent unit (pixels here). */
struct vocap_gt {
	int img, cls;
	float x0, y0, x1, y1;
	int difficult;          /* matched difficult boxes count neither way */
};

struct vocap_det {
	int img, cls;
	float conf;
	float x0, y0, x1, y1;
};

/* Intersection over union of two corner boxes; 0 when either is empty. */
double vocap_iou(float ax0, float ay0, float ax1, float ay1,
    float bx0, float by0, float bx1, float by1);

/*
 * VOC2010+ AP for each of ncls classes: detections of a class are ranked by
 * confidence (ties keep input order), each is a true positive when its best
 * IoU with a ground-truth box of the same image and class is >= iou_thresh
 * and that box is not yet matched, else a false positive; AP is the area
 * under the precision envelope (all-point interpolation).
 *
 * ap[c] is set to NAN for a class with no (non-difficult) ground truth: its
 * AP is undefined, so it is left out of the mean.  *map (may be NULL) gets
 * the mean over the other classes, NAN when there are none.  Images are
 * numbered 0..nimg-1; entries outside that range or class are ignored.
 * Returns 0, or -1 when out of memory.
 */
int vocap_eval(const struct vocap_gt *gt, size_t ngt,
    const struct vocap_det *det, size_t ndet, int nimg, int ncls,
    double iou_thresh, double *ap, double *map);

#endif
