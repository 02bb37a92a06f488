/* imgint.h: what the image/ files share among themselves (not other folders) */
#ifndef BV_IMGINT_H
#define BV_IMGINT_H

#include <stddef.h>

#include "image/imgcheck.h"

struct img;		/* image/imgio.h; not included, so no include loop */

/* ---- streaming resampler (imgresample.c) ----------------------------- */

/*
 * Separable: each output sample along an axis is a weighted sum of cnt
 * consecutive source samples from first (weights w[off..off + cnt)).
 * Rows are pushed one at a time, resampled horizontally into a ring of
 * float rows, and each output row is written as soon as its last source
 * row has arrived, so a decoder can feed scanlines without ever holding
 * the source image: memory is the output plus span rows.
 */
struct imgio_axis {
	int	*first, *cnt, *off;
	float	*w;
	int	 span;		/* largest cnt */
};

struct imgio_rsmp {
	struct imgio_axis ax, ay;
	int		 sw, sh, ow, oh;
	int		 in, done;	/* rows pushed, rows written */
	float		*ring;		/* ay.span rows of ow * 3 */
	const float	**rows;		/* ay.span pointers into ring */
	unsigned char	*out;		/* ow * oh * 3 */
};

/*
 * sw x sh source rows whose pixels are px output-extent units wide,
 * covering ext_w x ext_h, into ow x oh.  0 or -1 (no memory; r zeroed).
 */
int		 imgio_rsmp_init(struct imgio_rsmp *r, int sw, int sh,
		    double px, double ext_w, double ext_h, int ow, int oh);
/* Take source row r->in (sw RGB8 pixels); write the rows it completes. */
void		 imgio_rsmp_push(struct imgio_rsmp *r,
		    const unsigned char *row);
void		 imgio_rsmp_free(struct imgio_rsmp *r);
/* Output size along one axis: max(1, round(n * f)). */
int		 imgio_scaled_side(int n, double f);

/*
 * Bilinear tap, pixel-centre aligned: the source coordinate of output
 * pixel centre i when n source pixels span m output pixels, clamped so
 * edge rows and columns use real pixels; *i0, *i1 the two source pixels,
 * *f the weight of *i1.  The letterbox and imgio_resize_bilinear() share it.
 */
void		 imgio_bilinear_tap(int i, int n, int m, int *i0, int *i1,
		    float *f);

/* ---- decoders (imgio.c dispatches) ------------------------------------ */

/* IMG_OK, IMG_ERR_CORRUPT (a zero side) or IMG_ERR_PIXELS (over lim). */
enum img_err	 imgio_dims_ok(unsigned long w, unsigned long h,
		    const struct img_limits *lim);
/* factor 1: full size; below 1: DCT-scaled and resampled (see imgio.h). */
enum img_err	 imgio_decode_jpeg(const unsigned char *buf, size_t len,
		    const struct img_limits *lim, double factor,
		    struct img *out);
/* factor 1: full size; below 1: rows resampled as read (see imgio.h). */
enum img_err	 imgio_decode_png(const unsigned char *buf, size_t len,
		    const struct img_limits *lim, double factor,
		    struct img *out);

#endif /* BV_IMGINT_H */
