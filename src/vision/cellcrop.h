/* cellcrop.h: the white-cell classifier's crop: geometry and sampling */
#ifndef BV_CELLCROP_H
#define BV_CELLCROP_H

/*
 * The crop of a detected cell is a square centred on its box, of side
 * max(w, h) * (1 + 2 * margin) (the box grown by margin of its longer side
 * on each side), then clamped to the image.  The clamped part is what is
 * sampled; the rest of the square is grey, so a cell near the border stays
 * centred and undistorted, as in training.
 */
struct cellcrop {
	float sx0, sy0, side;     /* the square, in image pixels (unclamped) */
	float x0, y0, x1, y1;     /* the square clamped to the image */
};

#define CELLCROP_MARGIN 0.2f     /* the margin the shipped classifier uses */

/*
 * Crop geometry of box (x0, y0)-(x1, y1), image pixels, in a w x h image.
 * Returns 0, or -1 (crop untouched) when the box is empty, margin < 0, the
 * image empty, or the square misses the image.
 */
int	cellcrop_geom(float x0, float y0, float x1, float y1, float margin,
	    int w, int h, struct cellcrop *out);

/*
 * Sample crop c of rgb (interleaved RGB8, w x h) into out, planar float
 * RGB in [0,1], n x n (out[ch * n * n + y * n + x]).  Each output pixel
 * averages k x k bilinear samples over its footprint (k = ceil(side / n),
 * at most 8), so the result hardly depends on the source resolution.
 * Outside the clamped part: 0.5.  Each source row is interpolated along
 * x once for every output pixel that uses it.
 */
void	cellcrop_sample(const unsigned char *rgb, int w, int h,
	    const struct cellcrop *c, int n, float *out);

/*
 * The straightforward sampler (every tap computed on its own): the same
 * bytes as cellcrop_sample(), which falls back to it for crops too large
 * for its tables; tests compare the two.
 */
void	cellcrop_sample_ref(const unsigned char *rgb, int w, int h,
	    const struct cellcrop *c, int n, float *out);

#endif /* BV_CELLCROP_H */
