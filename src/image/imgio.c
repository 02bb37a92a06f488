/* imgio.c: image decode entry points (limits, type dispatch) and imgio_free */
/*
 * Decoders run on hostile bytes, so each bounds what it does before doing
 * it: dimensions are checked against the limits right after the header
 * (before the pixel buffer exists), libjpeg's own memory is capped, a
 * progress monitor stops progressive JPEGs with absurd scan counts, and
 * warnings that mean "data missing or damaged" are promoted to errors
 * because libjpeg would otherwise return grey-padded pixels as success.
 * libjpeg and libpng report errors by longjmp; each setjmp lives in a
 * small *_run() function whose state sits in a struct owned by its caller
 * (C11 7.13.2.1 leaves changed locals of the setjmp frame indeterminate),
 * and the caller releases everything on one path.
 *
 * A phone photo can be 48 Mpixel while detection wants a fraction of
 * that, so the scaled decode never holds the full-size image: libjpeg's
 * scaled IDCT shrinks by M/8 while decoding, and a streaming separable
 * resampler (rows in, finished output rows out, a ring of a few rows in
 * between) takes the rest of the way to the exact size.  The same
 * resampler serves imgio_resize_factor(), so both paths agree.
 */
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "image/imgint.h"
#include "image/imgio.h"

static const struct img_limits *
limits_or_default(const struct img_limits *lim, struct img_limits *def)
{
	if (lim != NULL)
		return lim;
	img_limits_default(def);
	return def;
}

enum img_err
imgio_dims_ok(unsigned long w, unsigned long h, const struct img_limits *lim)
{
	if (w == 0 || h == 0)
		return IMG_ERR_CORRUPT;
	if (w > (unsigned long)lim->max_side || h > (unsigned long)lim->max_side)
		return IMG_ERR_PIXELS;
	if ((unsigned long long)w * h > (unsigned long long)lim->max_pixels)
		return IMG_ERR_PIXELS;
	return IMG_OK;
}

void
imgio_free(struct img *im)
{
	if (im == NULL)
		return;
	free(im->rgb);
	im->rgb = NULL;
	im->w = im->h = 0;
}

enum img_err
imgio_decode(const void *buf, size_t len, enum img_type type,
    const struct img_limits *lim, struct img *out)
{
	struct img_limits	 def;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len == 0)
		return IMG_ERR_CORRUPT;
	lim = limits_or_default(lim, &def);
	/*
	 * The header probe gives the precise error for oversized images
	 * (libpng's own limit check reports a generic error); the decoders
	 * check again from what they parse.
	 */
	if (imgcheck_probe(buf, len, type, lim, NULL, NULL) == IMG_ERR_PIXELS)
		return IMG_ERR_PIXELS;
	switch (type) {
	case IMG_JPEG:
		return imgio_decode_jpeg(buf, len, lim, 1.0, out);
	case IMG_PNG:
		return imgio_decode_png(buf, len, lim, 1.0, out);
	default:
		return IMG_ERR_TYPE;
	}
}

enum img_err
imgio_decode_scaled(const void *buf, size_t len, enum img_type type,
    const struct img_limits *lim, double factor, struct img *out)
{
	struct img_limits	 def;
	struct img		 full;
	const unsigned char	*p = buf;
	enum img_err		 e;

	memset(out, 0, sizeof(*out));
	if (!(factor > 0.0 && factor <= 1.0))	/* NaN too */
		return IMG_ERR_NOMEM;
	if (factor == 1.0)
		return imgio_decode(buf, len, type, lim, out);
	if (buf == NULL || len == 0)
		return IMG_ERR_CORRUPT;
	lim = limits_or_default(lim, &def);
	/* As imgio_decode(): the header, not the output, meets the limits. */
	e = imgcheck_probe(buf, len, type, lim, NULL, NULL);
	if (e == IMG_ERR_PIXELS)
		return IMG_ERR_PIXELS;
	switch (type) {
	case IMG_JPEG:
		return imgio_decode_jpeg(buf, len, lim, factor, out);
	case IMG_PNG:
		/* IHDR interlace byte; the probe found IHDR at offset 8. */
		if (e != IMG_OK || p[28] == PNG_INTERLACE_NONE)
			return imgio_decode_png(buf, len, lim, factor, out);
		if ((e = imgio_decode_png(buf, len, lim, 1.0, &full)) != IMG_OK)
			return e;
		if (imgio_resize_factor(&full, factor, out) == -1)
			e = IMG_ERR_NOMEM;
		imgio_free(&full);
		return e;
	default:
		return IMG_ERR_TYPE;
	}
}
