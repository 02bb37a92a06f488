/* evalimg.h: the test images bv-eval makes: rescaled, zoomed, mosaics in an eyepiece stop */
#ifndef BV_EVALIMG_H
#define BV_EVALIMG_H

#include "image/imgio.h"
#include "tools/voc.h"

/* Bilinear resize of im by factor f, in place (im's pixels replaced); -1
 * on failure (im unchanged). */
int	evalimg_rescale(struct img *im, float f);

/*
 * A magnification change: the field of view keeps its size in pixels while
 * its content is scaled by f about the centre (f > 1: cropped, cells larger;
 * f < 1: the shrunk field is framed by the mean colour of the original's
 * border, i.e. the smear background).  Ground truth follows; a box with less
 * than half of its area left in view becomes "difficult" (neither found nor
 * missed), as does one wholly outside.  0, or -1.
 */
int	evalimg_zoom(struct img *im, struct voc_ann *gt, float f);

/* Where an image of a mosaic landed: x' = ox + s x, y' = oy + s y. */
struct evalimg_place {
	double ox, oy, s;
};

/*
 * The N x N mosaic of ims[0..N*N) (all the size of the first), labels
 * carried over, resized by scale, then (eye_w > 0) centred on a black
 * eye_w x eye_h frame, black outside the circle whose diameter is the
 * mosaic's shorter side: labels whose centre is outside are dropped (the
 * edge rule).  pl[k] says where image k landed; *cx, *cy, *r the stop.
 * out and gt are the caller's to free; 0, or -1 (gt may then hold boxes:
 * voc_ann_clear() it).
 */
int	evalimg_mosaic(struct img *ims, struct voc_ann *gts, int N, double scale,
	    int eye_w, int eye_h, struct img *out, struct voc_ann *gt,
	    struct evalimg_place *pl, double *cx, double *cy, double *r);

#endif /* BV_EVALIMG_H */
