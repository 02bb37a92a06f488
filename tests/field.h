/* field.h: test photos from smear images: load, change the magnification, save */
#ifndef BV_TEST_FIELD_H
#define BV_TEST_FIELD_H

#include "image/imgio.h"

/* Decode the JPEG at path (default limits) into im; 0 or -1. */
int	field_load(const char *path, struct img *im);

/*
 * A magnification change: the content of im scaled by f (0.1 to 4) about
 * the centre in a field of the same size (f < 1: framed by the mean
 * colour of im's border, the smear's background), as bv-eval --zoom does.
 * *ox, *oy (may be NULL): where the scaled image's origin lies, negated.
 * 0 or -1.
 */
int	field_zoom(const struct img *im, double f, struct img *out, int *ox,
	    int *oy);

/* Write im to path as a JPEG (quality 92) or a PNG (RGB8); 0 or -1. */
int	field_save_jpeg(const char *path, const struct img *im);
int	field_save_png(const char *path, const struct img *im);

#endif
