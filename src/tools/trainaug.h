/* trainaug.h: bv-train's augmentation: mosaic, scale, flips, colour, camera */
#ifndef BV_TRAINAUG_H
#define BV_TRAINAUG_H

#include <stddef.h>

#include "tools/traindata.h"

/* The augmentation settings (command-line options of bv-train). */
struct aug {
	float mosaic;          /* probability of a 4-image mosaic */
	float scale_min, scale_max; /* object scale vs. the sample's base scale */
	float scale_ref;       /* input size that list scale= values refer to */
	float hue, sat, exp;   /* hue shift (fraction of the circle), factors */
	float wb;              /* per-channel gain factor (white balance), >= 1 */
	/* Camera: each applied with probability cam_p, in this order. */
	float cam_p;
	float blur;            /* max Gaussian sigma, px at the network input */
	float vignette;        /* max corner darkening (fraction) */
	float noise;           /* max Gaussian noise sigma (0-1 scale) */
	int jpeg_min;          /* lowest JPEG quality (0: off) */
	int flips;             /* flips and 90-degree turns */
};

/* Boxes for one training image: darknet truth rows and ignore regions. */
struct ignores {
	int n, max;
	float *b;              /* n x {x0, y0, x1, y1} relative to the input */
};

/*
 * One training image of sample idx into the SxS plane-major RGB canvas
 * cv (mosaic with a probability, placement, colour, camera), its truth row
 * y (maxb x {cx, cy, w, h, cls}) and its ignore regions (ig may be NULL).
 * All draws come from trainrng.h in a fixed order.
 */
void	trainaug_sample(const struct dataset *ds, int idx, float *cv, int S,
	    const struct aug *a, float *y, int maxb, struct ignores *ig);

/* Jitter hue/saturation/exposure and the white balance of the canvas
 * pixels inside rect r = {x0, y0, x1, y1}. */
void	trainaug_hsv(float *cv, int S, const int r[4], const struct aug *a);

/* Camera and optics on the whole canvas (blur, vignetting, noise, JPEG). */
void	trainaug_camera(float *cv, int S, const struct aug *a);

/* Whether a's camera augmentation does anything. */
int	trainaug_camera_on(const struct aug *a);

/* One of the 8 flips/turns of an N x N planar image, in place (tmp holds
 * 3 N N floats). */
void	trainaug_orient(float *cv, int N, float *tmp);

/* A CHW float image in [0, 1] as interleaved RGB8 (clamped, rounded):
 * rgb holds 3 w h bytes. */
void	trainaug_rgb8(const float *chw, int w, int h, unsigned char *rgb);

/* --dump-aug: write one augmented input as PATH.png with its truths and
 * ignore regions drawn (the canvas is drawn on). */
void	trainaug_dump(const char *path, float *cv, int S, const float *y,
	    int maxb, const struct ignores *ig);

#endif /* BV_TRAINAUG_H */
