/* quality_px.h: field-quality measures read from the pixels: red cells in clumps, edge sharpness */
#ifndef BV_QUALITY_PX_H
#define BV_QUALITY_PX_H

#include <stddef.h>

/*
 * A reduced picture as quality.c makes it: w x h, grey l and green g in
 * 0..1, m[i] 1 inside the field of view.
 */
struct qpx_plane {
	int			 w, h;
	const float		*l, *g;
	const unsigned char	*m;
};

/*
 * Percentile q (0..1) of v over the mask m (NULL: every value) from a
 * 256-bin histogram of 0..top.
 */
double	 qpx_percentile(const float *v, const unsigned char *m, size_t n,
	    double q, double top);

/*
 * Share of the field covered by cells: pixels whose green optical
 * density against the background (the 95th percentile of green) is over
 * cut, of the pixels inside the field, 0..1.  Where cells lie on cells
 * the field fills up; a monolayer leaves gaps between them.  NAN with
 * no background or no field pixel.
 */
double	 qpx_cover(const struct qpx_plane *p, double cut);

/*
 * Mark in ring (w x h) the border of a cell centred at (cx, cy) with
 * radii rx, ry: pixels between 0.7 and 1.3 of the ellipse.
 */
void	 qpx_ring(unsigned char *ring, int w, int h, double cx, double cy,
	    double rx, double ry);

/* The blur the sharpness measure compares with: QPX_REBLUR_PASSES px^2. */
#define QPX_REBLUR_PASSES	4

/*
 * Edge sharpness at the cells' borders (ring from qpx_ring(); NULL: the
 * whole field), free of the stain's strength and the exposure: the 97th
 * percentile of the grey gradient (Sobel) there, over the same on the
 * picture blurred once more by a Gaussian of variance QPX_REBLUR_PASSES
 * px^2 (sigma 2 px), less 1.  A border already blurred by sigma s px
 * gives about sqrt(1 + 4 / s^2) - 1: sharp borders change much under the
 * extra blur, blurred ones little (1.24 at s = 1 px, 0.41 at 2, 0.20 at
 * 3; a red cell is about 32 px across on the plane it is read on).  NAN
 * with under 50 border pixels or a flat picture, or on no memory.
 */
double	 qpx_edge_sharpness(const struct qpx_plane *p,
	    const unsigned char *ring);

#endif /* BV_QUALITY_PX_H */
