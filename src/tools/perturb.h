/* perturb.h: image perturbations shared by the tools (bv-eval, bv-train, bv-calib-cls, bv-quality) */
#ifndef BV_PERTURB_H
#define BV_PERTURB_H

#include "image/imgio.h"

/*
 * RGB in [0, 1] -> hue (fraction of the circle, [0, 1)), saturation and
 * value; and back (hue taken modulo 1).  The one HSV rule of the tools:
 * perturb_colour() and bv-train's colour augmentation (trainaug.c).
 */
void	perturb_rgb2hsv(float r, float g, float b, float *h, float *s, float *v);
void	perturb_hsv2rgb(float h, float s, float v, float *r, float *g, float *b);

/* Shift hue by deg degrees and multiply HSV value by gain, in place. */
void	perturb_colour(struct img *im, float deg, float gain);

/*
 * Stain-like colour change in optical density (Beer-Lambert: OD = -ln(I /
 * 255) per channel): OD_c *= gain[c], so a dye's absorption in one band
 * grows or shrinks as with a heavier, lighter or differently balanced
 * stain, while the white background stays white.  In place.
 */
void	perturb_od_gain(struct img *im, const float gain[3]);

/* Separable Gaussian blur (defocus), sigma in pixels (0 < sigma <= 8). */
int	perturb_blur(struct img *im, float sigma);

/* A JPEG round trip at quality q (libjpeg, as a phone or an upload would). */
int	perturb_jpeg(struct img *im, int quality);

#endif /* BV_PERTURB_H */
