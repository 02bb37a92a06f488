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
 * Share of the field's cell area in clumps: pixels whose green optical
 * density against the background (the 95th percentile of green) is over
 * cut are cell, eroded by one pixel so that cells that only touch part
 * and cells that overlap stay joined; a 4-connected component larger than
 * clump_cells times a red cell's area (a disc of diameter rbc_px plane
 * px) is a clump.  The value is clump area / all cell area, 0..1; NAN
 * when there is no cell pixel or on no memory.
 */
double	 qpx_clump_share(const struct qpx_plane *p, double rbc_px, double cut,
	    double clump_cells);

/*
 * Mark in ring (w x h) the border of a cell centred at (cx, cy) with
 * radii rx, ry: pixels between 0.7 and 1.3 of the ellipse.
 */
void	 qpx_ring(unsigned char *ring, int w, int h, double cx, double cy,
	    double rx, double ry);

/*
 * Edge sharpness normalised by contrast, at the cells' borders (ring
 * from qpx_ring(); NULL: the whole field): the 90th percentile of the
 * gradient magnitude (Sobel, per plane px) there over contrast (> 0:
 * the cells' own, background grey less theirs; else the field's, grey's
 * 95th minus 5th percentile).  A step edge blurred by a Gaussian of
 * sigma s has its steepest slope at contrast / (s sqrt(2 pi)), so the
 * value falls as 1 / s whatever the stain's strength or the exposure.
 * NAN with under 50 border pixels or no contrast (nothing to judge), or
 * on no memory.
 */
double	 qpx_edge_sharpness(const struct qpx_plane *p,
	    const unsigned char *ring, double contrast);

#endif /* BV_QUALITY_PX_H */
