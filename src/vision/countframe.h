/* countframe.h: Gundersen's unbiased counting frame inside the field of view */
#ifndef BV_COUNTFRAME_H
#define BV_COUNTFRAME_H

#include <stddef.h>
#include <jansson.h>

#include "vision/fov.h"
#include "vision/scale.h"

struct det_box;
struct img;

enum countframe_basis {
	COUNTFRAME_RECT = 0,	/* inset from the photo or the lit rectangle */
	COUNTFRAME_CIRCLE	/* square inscribed in the inset field stop */
};

/*
 * The frame [x0, x1] x [y0, y1] in image pixels (y grows downward).  The
 * top (y0) and left (x0) edges are the inclusion edges; the right (x1)
 * and bottom (y1) edges are the exclusion edges, each extended beyond the
 * frame: the right line upward to the top of the photo, the bottom line
 * leftward to its left side (Gundersen 1977).
 */
struct countframe {
	int			 valid;	/* 0: the field is too small for one */
	enum countframe_basis	 basis;
	double			 x0, y0, x1, y1;
	double			 inset;		/* px from the photo edge / field stop */
	double			 area_px;
};

/*
 * The frame for field f (fov_detect()), inset by inset px (about one
 * red-cell diameter, so a cell the frame counts lies whole in the photo):
 * a rectangular field gives its rectangle moved in by inset on every side;
 * a circular field stop gives the largest square centred on the circle
 * inside the disc of radius r - inset (half-side (r - inset) / sqrt 2),
 * then cut to the photo moved in by inset (a circle the frame clips gives
 * a rectangle).  valid is 0, everything else 0, when either side of the
 * frame would be shorter than 2 x inset or inset is not positive.
 */
void	 countframe_make(const struct fov *f, double inset,
	    struct countframe *out);

/*
 * The inset: about one red-cell diameter in the photo's pixels, from the
 * working scale (sc->rbc_px, the scale ruler's median red cell), else
 * the network's trained red-cell size rbc_net_px over sc->factor
 * (network px per photo px); 0 when neither is known.
 */
double	 countframe_inset(const struct scale_info *sc, double rbc_net_px);

/*
 * Gundersen's rule for the box [bx0, bx1] x [by0, by1]: 1 when the box
 * meets the frame (inside it, or touching an inclusion edge) and touches
 * neither exclusion line (the right and bottom edges and their
 * extensions); else 0.  For axis-aligned boxes this is the same as the
 * box's bottom-right corner lying in [x0, x1) x [y0, y1), so frames
 * tiling the plane count every box exactly once.
 */
int	 countframe_counts(const struct countframe *cf, double bx0, double by0,
	    double bx1, double by1);

/*
 * The result's "frame" object (docs/api.md): the frame, its area in px^2
 * and, when um_per_px > 0, in um^2, the field's area it stands for and
 * the per-class counts (classes: the result's array of class names,
 * indexed by class id; each a string) of the boxes v
 * (confidence rounded to 3 decimals at or above thr[class], corners
 * rounded to 0.1 px as the JSON shows them).  Invalid: {"valid": false, "reason": ...}.  New reference, NULL
 * on no memory.
 */
json_t	*countframe_json(const struct countframe *cf, const struct fov *f,
	    const json_t *classes, const struct det_box *v, size_t n,
	    const double *thr, double um_per_px);

#endif /* BV_COUNTFRAME_H */
