/* imgpng.c: PNG decode (bounded chunks, expanded to RGB, streamed if scaled) */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "image/imgint.h"
#include "image/imgio.h"

/* Ancillary PNG chunks (iCCP, zTXt...) may not inflate beyond this. */
#define PNG_CHUNK_MAX		(8L << 20)

/* ---- PNG decode ------------------------------------------------------ */

struct pdec {
	png_structp	 png;
	png_infop	 info;
	const unsigned char *buf;
	size_t		 len, off;
	enum img_err	 code;	/* what the longjmp means */
	unsigned char	*pix;	/* w * h * channels */
	png_bytep	*rows;
	int		 w, h, ch, ilace;
	/* factor < 1: rows go through line into rs, not into pix. */
	double		 factor;
	struct imgio_rsmp	 rs;
	unsigned char	*line;	/* one row, w * ch */
};

static void
png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void
png_warn(png_structp png, png_const_charp msg)
{
	/* Benign in libpng's eyes, but the image rows would be incomplete. */
	if (msg != NULL && strstr(msg, "Not enough image data") != NULL)
		png_error(png, "truncated image data");
}

static void
png_read_mem(png_structp png, png_bytep data, size_t n)
{
	struct pdec *d = png_get_io_ptr(png);

	if (n > d->len - d->off)
		png_error(png, "unexpected end of file");
	memcpy(data, d->buf + d->off, n);
	d->off += n;
}

/* Header, limits and transforms; inside the caller's setjmp. */
static enum img_err
pdec_setup(struct pdec *d, const struct img_limits *lim)
{
	png_uint_32	 w, h;
	int		 depth, ctype;
	enum img_err	 e;

	png_set_read_fn(d->png, d, png_read_mem);
	png_set_user_limits(d->png, (png_uint_32)lim->max_side,
	    (png_uint_32)lim->max_side);
	png_set_chunk_malloc_max(d->png, PNG_CHUNK_MAX);
	png_set_chunk_cache_max(d->png, 128);
	png_read_info(d->png, d->info);
	if (!png_get_IHDR(d->png, d->info, &w, &h, &depth, &ctype, &d->ilace,
	    NULL, NULL))
		return IMG_ERR_CORRUPT;
	if ((e = imgio_dims_ok(w, h, lim)) != IMG_OK)
		return e;
	d->w = (int)w;
	d->h = (int)h;
	png_set_expand(d->png);		/* palette, <8-bit gray, tRNS */
	png_set_strip_16(d->png);
	png_set_gray_to_rgb(d->png);
	png_set_interlace_handling(d->png);
	png_read_update_info(d->png, d->info);
	d->ch = png_get_channels(d->png, d->info);
	if ((d->ch != 3 && d->ch != 4) ||
	    png_get_rowbytes(d->png, d->info) != (size_t)d->w * d->ch)
		return IMG_ERR_CORRUPT;
	return IMG_OK;
}

/* Composite n RGBA pixels on white into RGB; d may alias s. */
static void
rgba_on_white(const unsigned char *s, unsigned char *d, size_t n)
{
	size_t	 i;
	int	 c;

	/* The write index never passes the read. */
	for (i = 0; i < n; i++) {
		unsigned a = s[i * 4 + 3];

		for (c = 0; c < 3; c++)
			d[i * 3 + c] = (unsigned char)((s[i * 4 + c] * a +
			    255 * (255 - a) + 127) / 255);
	}
}

static enum img_err
pdec_run(struct pdec *d, const struct img_limits *lim)
{
	enum img_err	 e;
	size_t		 y;

	if (setjmp(png_jmpbuf(d->png)))
		return d->code;
	if ((e = pdec_setup(d, lim)) != IMG_OK)
		return e;
	d->code = IMG_ERR_NOMEM;
	if ((d->pix = malloc((size_t)d->w * d->h * d->ch)) == NULL ||
	    (d->rows = malloc((size_t)d->h * sizeof(*d->rows))) == NULL)
		return IMG_ERR_NOMEM;
	d->code = IMG_ERR_CORRUPT;
	for (y = 0; y < (size_t)d->h; y++)
		d->rows[y] = d->pix + y * d->w * d->ch;
	png_read_image(d->png, d->rows);
	/* Chunks after the image data cannot change the pixels: not read. */
	return IMG_OK;
}

/* Non-interlaced only: one row at a time into the resampler. */
static enum img_err
pdec_run_scaled(struct pdec *d, const struct img_limits *lim)
{
	enum img_err	 e;
	int		 y;

	if (setjmp(png_jmpbuf(d->png)))
		return d->code;
	if ((e = pdec_setup(d, lim)) != IMG_OK)
		return e;
	if (d->ilace != PNG_INTERLACE_NONE)
		return IMG_ERR_CORRUPT;		/* the caller checked */
	d->code = IMG_ERR_NOMEM;
	if (imgio_rsmp_init(&d->rs, d->w, d->h, 1.0, d->w, d->h,
	    imgio_scaled_side(d->w, d->factor),
	    imgio_scaled_side(d->h, d->factor)) == -1 ||
	    (d->line = malloc((size_t)d->w * d->ch)) == NULL)
		return IMG_ERR_NOMEM;
	d->code = IMG_ERR_CORRUPT;
	for (y = 0; y < d->h; y++) {
		png_read_row(d->png, d->line, NULL);
		if (d->ch == 4)
			rgba_on_white(d->line, d->line, (size_t)d->w);
		imgio_rsmp_push(&d->rs, d->line);
	}
	if (d->rs.done != d->rs.oh)
		return IMG_ERR_CORRUPT;
	d->pix = d->rs.out;
	d->rs.out = NULL;
	d->w = d->rs.ow;
	d->h = d->rs.oh;
	d->ch = 3;
	return IMG_OK;
}

/*
 * Walk the chunk list before libpng sees it: every chunk's declared length
 * must fit in the bytes that are left.  libpng allocates (and zeroes) some
 * ancillary chunks, zTXt among them, at their declared length before
 * reading them, so a 60-byte file could otherwise cost hundreds of MB.
 */
static int
png_chunks_fit(const unsigned char *buf, size_t len)
{
	size_t		 off = 8, clen;

	if (len < off)
		return -1;
	while (len - off >= 12) {
		clen = (size_t)buf[off] << 24 | (size_t)buf[off + 1] << 16 |
		    (size_t)buf[off + 2] << 8 | buf[off + 3];
		if (clen > 0x7fffffffUL || clen > len - off - 12)
			return -1;
		if (memcmp(buf + off + 4, "IEND", 4) == 0)
			return 0;
		off += 12 + clen;
	}
	return 0;
}

/* factor 1: full size; below 1: rows resampled as read (see imgio.h). */
enum img_err
imgio_decode_png(const unsigned char *buf, size_t len,
    const struct img_limits *lim, double factor, struct img *out)
{
	struct pdec	 d;
	enum img_err	 e;
	size_t		 n;
	unsigned char	*p;

	if (png_chunks_fit(buf, len) == -1)
		return IMG_ERR_CORRUPT;
	memset(&d, 0, sizeof(d));
	d.buf = buf;
	d.len = len;
	d.code = IMG_ERR_CORRUPT;
	d.factor = factor;
	d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, png_fail,
	    png_warn);
	if (d.png == NULL)
		return IMG_ERR_NOMEM;
	if ((d.info = png_create_info_struct(d.png)) == NULL) {
		e = IMG_ERR_NOMEM;
		goto out;
	}
	e = factor < 1.0 ? pdec_run_scaled(&d, lim) : pdec_run(&d, lim);
out:
	png_destroy_read_struct(&d.png, &d.info, NULL);
	free(d.rows);
	free(d.line);
	imgio_rsmp_free(&d.rs);
	if (e != IMG_OK) {
		free(d.pix);
		return e;
	}
	if (d.ch == 4) {
		n = (size_t)d.w * d.h;
		rgba_on_white(d.pix, d.pix, n);
		if ((p = realloc(d.pix, n * 3)) != NULL)
			d.pix = p;
	}
	out->w = d.w;
	out->h = d.h;
	out->rgb = d.pix;
	return IMG_OK;
}
