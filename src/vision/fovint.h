/* fovint.h: what fov.c and fovcircle.c share (not for other files) */
#ifndef BV_FOVINT_H
#define BV_FOVINT_H

#include <stddef.h>

/* Bright and dark levels this far apart at least, or there is no stop. */
#define FOV_MIN_CONTRAST	60

/* The reduced copy, its levels and the edge points (fov.c fills it). */
struct fov_work {
	int		 w, h;		/* full image */
	int		 rw, rh;	/* reduced */
	double		 blk;		/* mean block side, px */
	float		*v;		/* top channel of block means */
	double		*bx, *by;	/* block centres, full pixels */
	double		*bw, *bh;	/* block sizes, full pixels */
	unsigned char	*sur;		/* 1: dark, joined to edge */
	double		*px, *py;	/* edge points, full pixels */
	size_t		 npts;
	double		 dark, bright, t;
};

struct fov_circle {
	double		 a, b, r;
};

/*
 * Fit the field stop to wk's edge points (RANSAC, trimmed Gauss-Newton,
 * local-level rays; fovcircle.c): 0 with *c and its rms when a plausible
 * circle was found, -1 otherwise.  May replace wk's edge points.
 */
int		 fov_fit_circle(struct fov_work *wk, struct fov_circle *c,
		    double *rmsp);

#endif /* BV_FOVINT_H */
