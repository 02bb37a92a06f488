/* fov.h: field-of-view detection (eyepiece field stop or rectangle) */
#ifndef BV_FOV_H
#define BV_FOV_H

#include "image/imgio.h"

/* Longest side of the reduced copy fov_detect() works on. */
#define FOV_WORK_SIDE		384

enum fov_shape {
	FOV_RECT = 0,
	FOV_CIRCLE = 1
};

/*
 * A field in the image's pixel coordinates: pixel (i, j) covers
 * [i, i+1) x [j, j+1), so the frame is [0, img_w] x [0, img_h].
 */
struct fov {
	enum fov_shape	 shape;
	/* Circle; it may extend past the frame. */
	double		 cx, cy, r;
	/* Rect: the whole frame, or the lit rectangle inside dark bands. */
	double		 x, y, w, h;
	double		 area_px;	/* field area inside the frame */
	int		 clipped;	/* circle cut by the frame edge */
	int		 img_w, img_h;	/* frame the field lies in */
	/* Share of the frame that is lit, 0..1: near 0 for a dark frame. */
	double		 bright_frac;
	double		 fit_rms;	/* circle fit rms, px; 0: rect */
};

/*
 * Find the field stop in im (any size; it works on a copy reduced to
 * FOV_WORK_SIDE, sampling at most ~16 pixels per reduced pixel).  A photo
 * through an eyepiece, dark outside a circle (off-centre or clipped by the
 * frame), gives FOV_CIRCLE; dark bands along the frame give the bright
 * FOV_RECT between them; anything else (no dark surround, a blank image,
 * a dark frame with only a small lit spot) gives FOV_RECT = the whole
 * frame.  out is always filled (the whole frame when in doubt).  Borrows
 * im; allocates and frees its own work memory.  Returns 0, or -1 on bad
 * arguments or allocation failure (out is then the whole frame, or zero
 * for an empty image).
 */
int		 fov_detect(const struct img *im, struct fov *out);

/*
 * The edge rule used everywhere (tiles, FOV, evaluator): a cell counts
 * when the centre of its box lies inside the field, boundary included
 * (and, for a circle, inside the frame).
 */
int		 fov_contains(const struct fov *f, double x, double y);

/*
 * Exact area of the disc (cx, cy, r) intersected with [0,w] x [0,h];
 * 0 when r, w or h is not positive.
 */
double		 fov_circle_rect_area(double cx, double cy, double r,
		    double w, double h);

/*
 * Outline f in im (circle or rect, 2 px thick, 3 px on images over 1000
 * px) in white, as the web page outlines it (no class box is white).  s
 * maps f's coordinates to im's (0.5 when im is a half-size copy of the
 * image f was found in; s <= 0 is taken as 1).  Clipped to im.
 */
void		 fov_draw(struct img *im, const struct fov *f, double s);

#endif /* BV_FOV_H */
