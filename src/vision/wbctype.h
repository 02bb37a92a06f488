/* wbctype.h: the white-cell differential: each counted WBC box typed by the classifier, or untyped with a reason */
#ifndef BV_WBCTYPE_H
#define BV_WBCTYPE_H

#include <stddef.h>
#include <jansson.h>

#include "vision/wbcood.h"

struct classifier;
struct det_box;
struct img;

#define WBCTYPE_MAX_CLASSES	WBCOOD_MAX_CLASSES

/* One WBC's type: the classifier's verdict on its crop (wbcood.h:
 * calibrated probabilities, the reason when it is not typed). */
struct wbc_type {
	int	 cls;		/* -1: not a counted WBC, or no crop */
	float	 conf;		/* calibrated */
	float	 probs[WBCTYPE_MAX_CLASSES];	/* calibrated */
	enum wbcood_reason reason;
	float	 stain_z, dist, energy;
};

/*
 * Type boxes[i] for every box of class wbc whose confidence reaches
 * thr[wbc] (the counted white cells): its crop (the box grown by
 * CELLCROP_MARGIN, square, clamped; the geometry the classifier was
 * trained with) from im, which is the photo scaled by s (boxes are in
 * the photo's pixels), sampled to the classifier's input, then judged by
 * the classifier's abstention rule (classifier_ood()).  out[i] for every
 * box; others get cls -1.  0, or -1 when the classifier fails.
 */
int	 wbctype_run(struct classifier *, const struct img *im, double s,
	    const struct det_box *boxes, size_t n, int wbc, const double *thr,
	    struct wbc_type *out);

/*
 * {"class", "best", "confidence", "scores": {name: p, ...}, "reason",
 * "checks"} for t (new reference): "class" is the type, or "untyped"
 * with "reason" (wbcood_reason_name(): low_confidence, crop_cut, ...);
 * "best" the classifier's pick; probabilities calibrated.
 */
json_t	*wbctype_json(const struct classifier *, const struct wbc_type *t);

/*
 * Put "wbc_type" on detections[i] (a result's "detections", in the order
 * of the boxes) for every classified t[i], and return the differential:
 * {"by": {type: count}, "typed": n, "untyped": n, "untyped_by": {reason:
 * n}, "classes": [...], "min_confidence": p, "temperature": t} (new
 * reference).
 */
json_t	*wbctype_annotate(const struct classifier *, json_t *detections,
	    const struct wbc_type *t, size_t n);

#endif /* BV_WBCTYPE_H */
