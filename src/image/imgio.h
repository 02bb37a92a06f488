/* imgio.h: image decode (JPEG/PNG, bounded), JPEG encode, resize, letterbox */
#ifndef BV_IMGIO_H
#define BV_IMGIO_H

#include <stddef.h>

#include "image/imgcheck.h"

/* Progressive JPEGs with more scans than this are refused as corrupt. */
#define IMGIO_MAX_SCANS		100

/* Interleaved RGB8, row-major, w * h * 3 bytes. */
struct img {
	int		 w, h;
	unsigned char	*rgb;
};

/*
 * Decode a JPEG (libjpeg) or PNG (libpng) held in memory into out (RGB8).
 * JPEG: EXIF Orientation 1-8 applied, so out is the displayed image;
 * grayscale and CMYK converted; more than IMGIO_MAX_SCANS scans, any
 * truncation before the last row, or corrupt entropy data is an error.
 * PNG: palette, gray, 16-bit and tRNS expanded; alpha composited on white.
 * lim NULL means img_limits_default().  On success out->rgb is malloc'd and
 * the caller frees it with imgio_free(); on error out is zeroed and holds
 * nothing.  Never exits; libjpeg/libpng errors unwind with longjmp.
 */
enum img_err	 imgio_decode(const void *buf, size_t len, enum img_type type,
		    const struct img_limits *lim, struct img *out);

/*
 * Decode like imgio_decode() (same checks, EXIF orientation applied, same
 * limits on the header), but return the displayed image scaled by factor
 * (0 < factor <= 1): out is max(1, round(w * factor)) x max(1, round(h *
 * factor)) of the displayed w x h.  The limits apply to the header size,
 * not only to the output, because a progressive JPEG's coefficients are
 * buffered whole at the header size whatever the scale; the output, never
 * larger, is under them too.
 * JPEG: libjpeg decodes at the DCT scale M/8 (M = 1..8, the smallest with
 * M/8 >= factor) and each scanline streams through an area-average
 * resampler to the exact output size, so memory holds the output and a
 * few rows, never the full-size image; the orientation is applied to the
 * small result.  PNG: non-interlaced rows stream through the same
 * resampler; an Adam7-interlaced PNG needs every pass before any row is
 * final, so it is decoded full size and then resampled (same result).
 * factor == 1 is imgio_decode().  A factor outside (0, 1] is the caller's
 * bug and returns IMG_ERR_NOMEM (the 500).  Ownership as imgio_decode().
 */
enum img_err	 imgio_decode_scaled(const void *buf, size_t len,
		    enum img_type type, const struct img_limits *lim,
		    double factor, struct img *out);

/* Free im->rgb and zero im; NULL-safe, and safe on a zeroed img. */
void		 imgio_free(struct img *im);

/*
 * Encode im as a baseline JPEG (quality 1-100, clamped; 4:2:0).  On success
 * *out is malloc'd (caller free()s it), *outlen its size, returns 0.
 * Returns -1 on error with *out NULL.
 */
int		 imgio_encode_jpeg(const struct img *im, int quality,
		    unsigned char **out, size_t *outlen);

/*
 * Area-average src down into dst so that it fits max_w x max_h, keeping
 * the aspect ratio (each side at least 1 pixel).  Never enlarges: an image
 * that already fits is copied.  dst->rgb is malloc'd (imgio_free() it).
 * Returns 0, or -1 (bad arguments, no memory) with dst zeroed.
 */
int		 imgio_resize_fit(const struct img *src, int max_w, int max_h,
		    struct img *dst);

/*
 * Resample src by factor (0 < factor <= 4) to max(1, round(w * factor)) x
 * max(1, round(h * factor)): exact area average along an axis that
 * shrinks, bilinear with pixel-centre alignment along one that grows, a
 * copy when the size is unchanged.  dst->rgb is malloc'd (imgio_free()
 * it).  Returns 0, or -1 (bad arguments, no memory) with dst zeroed.
 */
int		 imgio_resize_factor(const struct img *src, double factor,
		    struct img *dst);

/*
 * Bilinear resampling by f (f > 0) to max(1, lround(w * f)) x max(1,
 * lround(h * f)), pixel-centre aligned, every output pixel from its 2 x 2
 * nearest input pixels: the letterbox's interpolation (the same taps) and
 * the training's resizes, so the network sees a tile the way it saw its
 * training images (an area average would be smoother than anything it
 * learned on).  dst->rgb is malloc'd (imgio_free() it).  Returns 0, or -1
 * (bad arguments, no memory) with dst zeroed.
 */
int		 imgio_resize_bilinear(const struct img *src, double f,
		    struct img *dst);

/*
 * Copy the rectangle of src at (x, y), ow x oh pixels, into planar float
 * RGB in [0,1]: out[c * ow * oh + yy * ow + xx].  Pixels outside src (x
 * and y may be negative) get 0.5 grey, the network's tile fill.  No
 * resampling.  out must hold 3 * ow * oh floats; src NULL fills all grey.
 */
void		 imgio_tile_planar(const struct img *src, int x, int y,
		    int ow, int oh, float *out);

/*
 * Letterbox transform: image_x = (net_x - dx) / scale, likewise y.
 * new_w x new_h is the scaled image inside the net_w x net_h canvas.
 */
struct letterbox {
	float		 scale;
	float		 dx, dy;
	int		 new_w, new_h;
};

/*
 * Scale im to fit net_w x net_h keeping the aspect ratio (same new_w,
 * new_h and integer offsets as darknet's letterbox_image(), so darknet's
 * box correction agrees), center it on a 0.5 grey canvas, and write
 * planar float RGB in [0,1]: out[c * net_w * net_h + y * net_w + x].
 * Bilinear with pixel-centre alignment, every edge row/column sampled from
 * real pixels.  out must hold 3 * net_w * net_h floats; lb may be NULL.
 */
void		 imgio_letterbox(const struct img *im, int net_w, int net_h,
		    float *out, struct letterbox *lb);
/*
 * imgio_letterbox and imgio_tile_planar interleaved (the engines' own
 * layout): out[(y * w + x) * 3 + c], the same float values, byte for
 * byte.  out holds 3 * w * h floats.
 */
void		 imgio_letterbox_hwc(const struct img *im, int net_w, int net_h,
		    float *out, struct letterbox *lb);
void		 imgio_tile_hwc(const struct img *src, int x, int y, int ow,
		    int oh, float *out);

#endif /* BV_IMGIO_H */
