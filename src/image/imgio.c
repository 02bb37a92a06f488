/* imgio.c: image decode (JPEG/PNG, bounded), JPEG encode, resize, letterbox */
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
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "image/imgio.h"

/* Cap on libjpeg-internal memory beyond a whole-image coefficient buffer. */
#define JPEG_MEM_SLACK		(64L << 20)
/* More warnings than this on one image is a sign of garbage, not noise. */
#define JPEG_MAX_WARNINGS	1000
/* Ancillary PNG chunks (iCCP, zTXt...) may not inflate beyond this. */
#define PNG_CHUNK_MAX		(8L << 20)

static const struct img_limits *
limits_or_default(const struct img_limits *lim, struct img_limits *def)
{
	if (lim != NULL)
		return lim;
	img_limits_default(def);
	return def;
}

static enum img_err
dims_ok(unsigned long w, unsigned long h, const struct img_limits *lim)
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

/* ---- EXIF orientation ------------------------------------------------ */

/*
 * Return a new buffer holding s (w x h) as displayed under EXIF
 * orientation o; *dw x *dh is its size (swapped for 5-8).
 */
static unsigned char *
orient_apply(const unsigned char *s, int w, int h, int o, int *dw, int *dh)
{
	unsigned char	*d;
	int		 x, y, sx, sy, ow, oh;

	ow = o >= 5 ? h : w;
	oh = o >= 5 ? w : h;
	if ((d = malloc((size_t)w * h * 3)) == NULL)
		return NULL;
	for (y = 0; y < oh; y++) {
		for (x = 0; x < ow; x++) {
			switch (o) {
			case 2: sx = w - 1 - x; sy = y; break;
			case 3: sx = w - 1 - x; sy = h - 1 - y; break;
			case 4: sx = x; sy = h - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = h - 1 - x; break;
			case 7: sx = w - 1 - y; sy = h - 1 - x; break;
			case 8: sx = w - 1 - y; sy = x; break;
			default: sx = x; sy = y; break;
			}
			memcpy(d + ((size_t)y * ow + x) * 3,
			    s + ((size_t)sy * w + sx) * 3, 3);
		}
	}
	*dw = ow;
	*dh = oh;
	return d;
}

/* ---- streaming resampler --------------------------------------------- */

/*
 * Separable: each output sample along an axis is a weighted sum of cnt
 * consecutive source samples from first (weights w[off..off + cnt)).
 * Rows are pushed one at a time, resampled horizontally into a ring of
 * float rows, and each output row is written as soon as its last source
 * row has arrived, so a decoder can feed scanlines without ever holding
 * the source image: memory is the output plus span rows.
 */
struct axis {
	int	*first, *cnt, *off;
	float	*w;
	int	 span;		/* largest cnt */
};

struct rsmp {
	struct axis	 ax, ay;
	int		 sw, sh, ow, oh;
	int		 in, done;	/* rows pushed, rows written */
	float		*ring;		/* ay.span rows of ow * 3 */
	const float	**rows;		/* ay.span pointers into ring */
	unsigned char	*out;		/* ow * oh * 3 */
};

static void
axis_free(struct axis *a)
{
	free(a->first);
	free(a->w);
	memset(a, 0, sizeof(*a));
}

/*
 * n source samples, each px units wide, cover [0, ext) (the last one may
 * be cut short: a DCT-scaled JPEG's edge block); m output samples split
 * [0, ext) evenly.  m <= n * px: each output averages the source area it
 * covers.  m > n (enlarging, px 1): bilinear, pixel centres aligned.
 */
static int
axis_init(struct axis *a, int n, double px, double ext, int m)
{
	size_t	 k = 0;
	int	 j, i;

	memset(a, 0, sizeof(*a));
	if ((a->first = malloc((size_t)m * 3 * sizeof(int))) == NULL ||
	    (a->w = malloc(((size_t)n + 2 * (size_t)m + 1) *
	    sizeof(float))) == NULL) {
		axis_free(a);
		return -1;
	}
	a->cnt = a->first + m;
	a->off = a->cnt + m;
	for (j = 0; j < m; j++) {
		a->off[j] = (int)k;
		if (m > n) {
			double s = (j + 0.5) * n / m - 0.5;

			s = s < 0 ? 0 : s > n - 1 ? n - 1 : s;
			i = (int)s;
			a->first[j] = i;
			if (i + 1 < n && s > i) {
				a->w[k++] = (float)(1.0 - (s - i));
				a->w[k++] = (float)(s - i);
				a->cnt[j] = 2;
			} else {
				a->w[k++] = 1.0f;
				a->cnt[j] = 1;
			}
		} else {
			double c = j * ext / m;
			double d = j == m - 1 ? ext : (j + 1) * ext / m;
			double sum = 0, lo, hi;
			size_t k0 = k;

			i = (int)(c / px);
			if (i > n - 1)
				i = n - 1;
			a->first[j] = -1;
			for (; i < n && i * px < d; i++) {
				lo = i * px > c ? i * px : c;
				hi = (i + 1) * px < d ? (i + 1) * px : d;
				/* Slivers from rounding at a shared edge. */
				if (hi - lo <= 1e-9 * px)
					continue;
				if (a->first[j] < 0)
					a->first[j] = i;
				a->w[k++] = (float)(hi - lo);
				sum += hi - lo;
			}
			if (a->first[j] < 0) {		/* cannot happen */
				a->first[j] = i > n - 1 ? n - 1 : i;
				a->w[k++] = 1.0f;
				sum = 1.0;
			}
			a->cnt[j] = (int)(k - k0);
			for (; k0 < k; k0++)
				a->w[k0] = (float)(a->w[k0] / sum);
		}
		if (a->cnt[j] > a->span)
			a->span = a->cnt[j];
	}
	return 0;
}

static void
rsmp_free(struct rsmp *r)
{
	axis_free(&r->ax);
	axis_free(&r->ay);
	free(r->ring);
	free(r->rows);
	free(r->out);
	memset(r, 0, sizeof(*r));
}

/*
 * sw x sh source rows whose pixels are px output-extent units wide,
 * covering ext_w x ext_h, into ow x oh.  0 or -1 (no memory; r zeroed).
 */
static int
rsmp_init(struct rsmp *r, int sw, int sh, double px, double ext_w,
    double ext_h, int ow, int oh)
{
	memset(r, 0, sizeof(*r));
	r->sw = sw;
	r->sh = sh;
	r->ow = ow;
	r->oh = oh;
	if (axis_init(&r->ax, sw, px, ext_w, ow) == -1 ||
	    axis_init(&r->ay, sh, px, ext_h, oh) == -1 ||
	    (r->ring = malloc((size_t)r->ay.span * ow * 3 *
	    sizeof(float))) == NULL ||
	    (r->rows = malloc((size_t)r->ay.span * sizeof(*r->rows))) ==
	    NULL ||
	    (r->out = malloc((size_t)ow * oh * 3)) == NULL) {
		rsmp_free(r);
		return -1;
	}
	return 0;
}

/* Take source row r->in (sw RGB8 pixels); write the rows it completes. */
static void
rsmp_push(struct rsmp *r, const unsigned char *row)
{
	const struct axis	*ax = &r->ax, *ay = &r->ay;
	float			*h;
	size_t			 rl = (size_t)r->ow * 3, i;
	int			 x, k, j, n;

	if (r->in >= r->sh)
		return;
	h = r->ring + (size_t)(r->in % ay->span) * rl;
	for (x = 0; x < r->ow; x++) {
		const unsigned char	*p = row + (size_t)ax->first[x] * 3;
		const float		*w = ax->w + ax->off[x];
		float			 a0 = 0, a1 = 0, a2 = 0;

		for (k = 0; k < ax->cnt[x]; k++, p += 3) {
			a0 += w[k] * p[0];
			a1 += w[k] * p[1];
			a2 += w[k] * p[2];
		}
		h[x * 3] = a0;
		h[x * 3 + 1] = a1;
		h[x * 3 + 2] = a2;
	}
	r->in++;
	/* Sources are monotone in the output row, so rows finish in order. */
	while (r->done < r->oh &&
	    ay->first[r->done] + ay->cnt[r->done] <= r->in) {
		const float	*w = ay->w + ay->off[r->done];
		unsigned char	*o = r->out + (size_t)r->done * rl;

		j = ay->first[r->done];
		n = ay->cnt[r->done];
		for (k = 0; k < n; k++)
			r->rows[k] = r->ring + (size_t)((j + k) % ay->span) *
			    rl;
		for (i = 0; i < rl; i++) {
			float v = 0.5f;

			for (k = 0; k < n; k++)
				v += w[k] * r->rows[k][i];
			o[i] = v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)v;
		}
		r->done++;
	}
}

/* Output size along one axis: max(1, round(n * f)). */
static int
scaled_side(int n, double f)
{
	/* Positive, so truncation is floor(); no libm for one call. */
	int v = (int)(n * f + 0.5);

	return v < 1 ? 1 : v;
}

/* ---- JPEG decode ----------------------------------------------------- */

struct jerr {
	struct jpeg_error_mgr	 pub;
	jmp_buf			 jb;
	enum img_err		 code;	/* what the longjmp means */
	unsigned		 nwarn;
};

struct jdec {
	struct jpeg_decompress_struct	 cinfo;
	struct jpeg_progress_mgr	 prog;
	struct jerr			 err;
	unsigned char			*pix;	/* w * h * 3 */
	unsigned char			*row;	/* one CMYK row */
	int				 w, h, orient;
	/* factor < 1: scanlines go through line into rs, not into pix. */
	double				 factor;
	struct rsmp			 rs;
	unsigned char			*line;	/* one RGB row */
};

static void
jpeg_fail(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;

	if (e->code == IMG_ERR_CORRUPT && c->err->msg_code == JERR_OUT_OF_MEMORY)
		e->code = IMG_ERR_NOMEM;
	longjmp(e->jb, 1);
}

/* Serving processes keep stderr for their own log lines. */
static void
jpeg_quiet(j_common_ptr c)
{
	(void)c;
}

static void
jpeg_emit(j_common_ptr c, int level)
{
	struct jerr *e = (struct jerr *)c->err;

	if (level >= 0)
		return;		/* trace messages */
	switch (c->err->msg_code) {
	case JWRN_JPEG_EOF:	/* truncated: libjpeg pads with grey */
	case JWRN_HIT_MARKER:	/* entropy data cut short */
	case JWRN_HUFF_BAD_CODE:
	case JWRN_MUST_RESYNC:
		jpeg_fail(c);
		break;
	default:
		if (++e->nwarn > JPEG_MAX_WARNINGS)
			jpeg_fail(c);
		break;
	}
}

/*
 * Called before each chunk of input is absorbed, so at least once per
 * scan: each progressive scan costs a pass over the whole coefficient
 * buffer, and thousands of tiny scans would pin the CPU.
 */
static void
jpeg_progress(j_common_ptr c)
{
	j_decompress_ptr d = (j_decompress_ptr)c;

	if (d->input_scan_number > IMGIO_MAX_SCANS)
		jpeg_fail(c);
}

static int
jdec_orientation(j_decompress_ptr c)
{
	jpeg_saved_marker_ptr m;

	for (m = c->marker_list; m != NULL; m = m->next)
		if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
		    memcmp(m->data, "Exif\0\0", 6) == 0)
			return imgcheck_exif_orientation(m->data,
			    m->data_length);
	return 1;
}

/* Adobe writes CMYK inverted; without the marker, plain. */
static void
cmyk_to_rgb(const unsigned char *s, unsigned char *d, size_t n, int adobe)
{
	size_t i;

	for (i = 0; i < n; i++, s += 4, d += 3) {
		unsigned cc = s[0], mm = s[1], yy = s[2], kk = s[3];

		if (!adobe) {
			cc = 255 - cc; mm = 255 - mm;
			yy = 255 - yy; kk = 255 - kk;
		}
		d[0] = (unsigned char)((cc * kk + 127) / 255);
		d[1] = (unsigned char)((mm * kk + 127) / 255);
		d[2] = (unsigned char)((yy * kk + 127) / 255);
	}
}

/* Smallest M/8 >= f: libjpeg(-turbo)'s scaled IDCT, scale_num/8. */
static int
dct_scale(double f)
{
	int m;

	for (m = 1; m < 8; m++)
		if (m >= f * 8)
			break;
	return m;
}

static enum img_err
jdec_run(struct jdec *d, const unsigned char *buf, size_t len,
    const struct img_limits *lim)
{
	struct jpeg_decompress_struct	*c = &d->cinfo;
	enum img_err			 e;
	JSAMPROW			 rp;
	unsigned char			*dst;

	if (setjmp(d->err.jb))
		return d->err.code;
	jpeg_create_decompress(c);
	c->mem->max_memory_to_use = JPEG_MEM_SLACK + lim->max_pixels * 8;
	d->prog.progress_monitor = jpeg_progress;
	c->progress = &d->prog;
	if (len > ULONG_MAX)
		return IMG_ERR_CORRUPT;
	jpeg_mem_src(c, buf, (unsigned long)len);
	jpeg_save_markers(c, JPEG_APP0 + 1, 0xffff);
	if (jpeg_read_header(c, TRUE) != JPEG_HEADER_OK)
		return IMG_ERR_CORRUPT;
	if ((e = dims_ok(c->image_width, c->image_height, lim)) != IMG_OK)
		return e;
	d->orient = jdec_orientation(c);
	if (c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK)
		c->out_color_space = JCS_CMYK;
	else
		c->out_color_space = JCS_RGB;
	if (d->factor < 1.0) {
		c->scale_num = (unsigned)dct_scale(d->factor);
		c->scale_denom = 8;
	}
	jpeg_start_decompress(c);
	d->w = (int)c->output_width;
	d->h = (int)c->output_height;
	if ((e = dims_ok(c->output_width, c->output_height, lim)) != IMG_OK)
		return e;
	if (d->factor < 1.0) {
		/* The DCT-scaled pixel spans 8/M header pixels (the last cut). */
		if (rsmp_init(&d->rs, d->w, d->h,
		    (double)c->scale_denom / c->scale_num, c->image_width,
		    c->image_height, scaled_side((int)c->image_width,
		    d->factor), scaled_side((int)c->image_height,
		    d->factor)) == -1 ||
		    (d->line = malloc((size_t)d->w * 3)) == NULL)
			return IMG_ERR_NOMEM;
	} else if ((d->pix = malloc((size_t)d->w * d->h * 3)) == NULL)
		return IMG_ERR_NOMEM;
	if (c->out_color_space == JCS_CMYK &&
	    (d->row = malloc((size_t)d->w * 4)) == NULL)
		return IMG_ERR_NOMEM;
	while (c->output_scanline < c->output_height) {
		dst = d->line != NULL ? d->line :
		    d->pix + (size_t)c->output_scanline * d->w * 3;
		rp = d->row != NULL ? d->row : dst;
		if (jpeg_read_scanlines(c, &rp, 1) != 1)
			return IMG_ERR_CORRUPT;
		if (d->row != NULL)
			cmyk_to_rgb(d->row, dst, (size_t)d->w,
			    c->saw_Adobe_marker);
		if (d->line != NULL)
			rsmp_push(&d->rs, d->line);
	}
	/*
	 * No jpeg_finish_decompress(): it would parse whatever follows the
	 * image (a polyglot's payload) for nothing.
	 */
	if (d->line != NULL) {
		if (d->rs.done != d->rs.oh)
			return IMG_ERR_CORRUPT;
		d->pix = d->rs.out;
		d->rs.out = NULL;
		d->w = d->rs.ow;
		d->h = d->rs.oh;
	}
	return IMG_OK;
}

/*
 * Count SOS markers by walking segments and skipping entropy-coded data
 * (T.81 B.1.1.5: inside it 0xFF is followed by 0x00 stuffing, RSTn or
 * fill bytes).  Linear in len with no decoding, so a file with thousands
 * of scans is refused before libjpeg spends a pass per scan on it; the
 * progress monitor stays as the backstop for anything this walk misreads.
 */
static int
jpeg_too_many_scans(const unsigned char *p, size_t len)
{
	size_t		 i = 2, seglen;
	unsigned	 m, scans = 0;

	while (i < len) {
		if (p[i] != 0xff) {
			i++;		/* entropy data or garbage */
			continue;
		}
		while (i < len && p[i] == 0xff)
			i++;
		if (i >= len)
			break;
		m = p[i++];
		if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd8))
			continue;
		if (m == 0xd9)
			break;		/* EOI */
		if (len - i < 2)
			break;
		seglen = (size_t)p[i] << 8 | p[i + 1];
		if (seglen < 2)
			break;
		if (m == 0xda && ++scans > IMGIO_MAX_SCANS)
			return 1;
		i += seglen;
	}
	return 0;
}

/* factor 1: full size; below 1: DCT-scaled and resampled (see imgio.h). */
static enum img_err
decode_jpeg(const unsigned char *buf, size_t len,
    const struct img_limits *lim, double factor, struct img *out)
{
	struct jdec	 d;
	enum img_err	 e;
	unsigned char	*rot;
	int		 ow, oh;

	if (jpeg_too_many_scans(buf, len))
		return IMG_ERR_CORRUPT;
	memset(&d, 0, sizeof(d));
	d.cinfo.err = jpeg_std_error(&d.err.pub);
	d.err.pub.error_exit = jpeg_fail;
	d.err.pub.emit_message = jpeg_emit;
	d.err.pub.output_message = jpeg_quiet;
	d.err.code = IMG_ERR_CORRUPT;
	d.factor = factor;

	e = jdec_run(&d, buf, len, lim);
	jpeg_destroy_decompress(&d.cinfo);
	free(d.row);
	free(d.line);
	rsmp_free(&d.rs);
	if (e != IMG_OK)
		goto fail;
	if (d.orient != 1) {
		if ((rot = orient_apply(d.pix, d.w, d.h, d.orient, &ow,
		    &oh)) == NULL) {
			e = IMG_ERR_NOMEM;
			goto fail;
		}
		free(d.pix);
		d.pix = rot;
		d.w = ow;
		d.h = oh;
	}
	out->w = d.w;
	out->h = d.h;
	out->rgb = d.pix;
	return IMG_OK;
fail:
	free(d.pix);
	return e;
}

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
	struct rsmp	 rs;
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
	if ((e = dims_ok(w, h, lim)) != IMG_OK)
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
	if (rsmp_init(&d->rs, d->w, d->h, 1.0, d->w, d->h,
	    scaled_side(d->w, d->factor), scaled_side(d->h, d->factor)) == -1 ||
	    (d->line = malloc((size_t)d->w * d->ch)) == NULL)
		return IMG_ERR_NOMEM;
	d->code = IMG_ERR_CORRUPT;
	for (y = 0; y < d->h; y++) {
		png_read_row(d->png, d->line, NULL);
		if (d->ch == 4)
			rgba_on_white(d->line, d->line, (size_t)d->w);
		rsmp_push(&d->rs, d->line);
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
static enum img_err
decode_png(const unsigned char *buf, size_t len,
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
	rsmp_free(&d.rs);
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
		return decode_jpeg(buf, len, lim, 1.0, out);
	case IMG_PNG:
		return decode_png(buf, len, lim, 1.0, out);
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
		return decode_jpeg(buf, len, lim, factor, out);
	case IMG_PNG:
		/* IHDR interlace byte; the probe found IHDR at offset 8. */
		if (e != IMG_OK || p[28] == PNG_INTERLACE_NONE)
			return decode_png(buf, len, lim, factor, out);
		if ((e = decode_png(buf, len, lim, 1.0, &full)) != IMG_OK)
			return e;
		if (imgio_resize_factor(&full, factor, out) == -1)
			e = IMG_ERR_NOMEM;
		imgio_free(&full);
		return e;
	default:
		return IMG_ERR_TYPE;
	}
}

/* ---- JPEG encode ----------------------------------------------------- */

/*
 * Our own growable memory destination: jpeg_mem_dest() leaves its caller
 * a dangling pointer if an error hits after the buffer has grown.
 */
struct jenc {
	struct jpeg_compress_struct	 cinfo;
	struct jpeg_destination_mgr	 dest;
	struct jerr			 err;
	unsigned char			*buf;
	size_t				 cap;
};

static void
jenc_init(j_compress_ptr c)
{
	(void)c;
}

static boolean
jenc_empty(j_compress_ptr c)
{
	struct jenc	*e = (struct jenc *)c;	/* cinfo is the first member */
	unsigned char	*nb;
	size_t		 ncap = e->cap * 2;

	if ((nb = realloc(e->buf, ncap)) == NULL)
		ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
	e->buf = nb;
	e->dest.next_output_byte = nb + e->cap;
	e->dest.free_in_buffer = ncap - e->cap;
	e->cap = ncap;
	return TRUE;
}

static void
jenc_term(j_compress_ptr c)
{
	(void)c;
}

static int
jenc_run(struct jenc *e, const struct img *im, int quality)
{
	struct jpeg_compress_struct	*c = &e->cinfo;
	JSAMPROW			 rp;

	if (setjmp(e->err.jb))
		return -1;
	jpeg_create_compress(c);
	e->cap = 64 * 1024;
	if ((e->buf = malloc(e->cap)) == NULL)
		return -1;
	e->dest.init_destination = jenc_init;
	e->dest.empty_output_buffer = jenc_empty;
	e->dest.term_destination = jenc_term;
	e->dest.next_output_byte = e->buf;
	e->dest.free_in_buffer = e->cap;
	c->dest = &e->dest;
	c->image_width = (JDIMENSION)im->w;
	c->image_height = (JDIMENSION)im->h;
	c->input_components = 3;
	c->in_color_space = JCS_RGB;
	jpeg_set_defaults(c);
	jpeg_set_quality(c, quality, TRUE);
	jpeg_start_compress(c, TRUE);
	while (c->next_scanline < c->image_height) {
		/* libjpeg's API is not const-correct; it only reads rows. */
		rp = (JSAMPROW)(uintptr_t)(im->rgb +
		    (size_t)c->next_scanline * im->w * 3);
		jpeg_write_scanlines(c, &rp, 1);
	}
	jpeg_finish_compress(c);
	return 0;
}

int
imgio_encode_jpeg(const struct img *im, int quality, unsigned char **out,
    size_t *outlen)
{
	struct jenc	 e;
	int		 rc;

	*out = NULL;
	*outlen = 0;
	if (im == NULL || im->rgb == NULL || im->w <= 0 || im->h <= 0 ||
	    im->w > JPEG_MAX_DIMENSION || im->h > JPEG_MAX_DIMENSION)
		return -1;
	if (quality < 1)
		quality = 1;
	if (quality > 100)
		quality = 100;
	memset(&e, 0, sizeof(e));
	e.cinfo.err = jpeg_std_error(&e.err.pub);
	e.err.pub.error_exit = jpeg_fail;
	e.err.pub.output_message = jpeg_quiet;
	rc = jenc_run(&e, im, quality);
	if (rc == 0) {
		*out = e.buf;
		*outlen = e.cap - e.dest.free_in_buffer;
		e.buf = NULL;
	}
	jpeg_destroy_compress(&e.cinfo);
	free(e.buf);
	return rc;
}

/* ---- resize and letterbox -------------------------------------------- */

int
imgio_resize_fit(const struct img *src, int max_w, int max_h,
    struct img *dst)
{
	double		 s;
	int		 dw, dh, x, y, c;
	size_t		 sx0, sx1, sy0, sy1, i, j, cnt, *xs;
	unsigned long	 acc[3];

	memset(dst, 0, sizeof(*dst));
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0 ||
	    max_w <= 0 || max_h <= 0)
		return -1;
	s = (double)max_w / src->w;
	if ((double)max_h / src->h < s)
		s = (double)max_h / src->h;
	if (s >= 1.0) {
		dw = src->w;
		dh = src->h;
	} else {
		dw = (int)(src->w * s + 0.5);
		dh = (int)(src->h * s + 0.5);
		dw = dw < 1 ? 1 : dw > max_w ? max_w : dw;
		dh = dh < 1 ? 1 : dh > max_h ? max_h : dh;
	}
	if ((dst->rgb = malloc((size_t)dw * dh * 3)) == NULL ||
	    (xs = malloc((size_t)dw * 2 * sizeof(*xs))) == NULL) {
		free(dst->rgb);
		dst->rgb = NULL;
		return -1;
	}
	dst->w = dw;
	dst->h = dh;
	/* the columns each output pixel covers, once */
	for (x = 0; x < dw; x++) {
		xs[2 * x] = (size_t)x * src->w / dw;
		xs[2 * x + 1] = (size_t)(x + 1) * src->w / dw;
		if (xs[2 * x + 1] <= xs[2 * x])
			xs[2 * x + 1] = xs[2 * x] + 1;
	}
	/* Each output pixel averages the source cells it covers. */
	for (y = 0; y < dh; y++) {
		sy0 = (size_t)y * src->h / dh;
		sy1 = (size_t)(y + 1) * src->h / dh;
		if (sy1 <= sy0)
			sy1 = sy0 + 1;
		for (x = 0; x < dw; x++) {
			sx0 = xs[2 * x];
			sx1 = xs[2 * x + 1];
			acc[0] = acc[1] = acc[2] = 0;
			for (j = sy0; j < sy1; j++) {
				const unsigned char *p = src->rgb +
				    (j * src->w + sx0) * 3;

				for (i = sx0; i < sx1; i++, p += 3) {
					acc[0] += p[0];
					acc[1] += p[1];
					acc[2] += p[2];
				}
			}
			cnt = (sx1 - sx0) * (sy1 - sy0);
			for (c = 0; c < 3; c++)
				dst->rgb[((size_t)y * dw + x) * 3 + c] =
				    (unsigned char)((acc[c] + cnt / 2) / cnt);
		}
	}
	free(xs);
	return 0;
}

int
imgio_resize_factor(const struct img *src, double factor, struct img *dst)
{
	struct rsmp	 r;
	size_t		 n;
	int		 y, ow, oh;

	memset(dst, 0, sizeof(*dst));
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0 ||
	    !(factor > 0.0 && factor <= 4.0) || src->w > INT_MAX / 4 ||
	    src->h > INT_MAX / 4)
		return -1;
	ow = scaled_side(src->w, factor);
	oh = scaled_side(src->h, factor);
	if ((size_t)ow > SIZE_MAX / 3 / (size_t)oh)
		return -1;
	if (ow == src->w && oh == src->h) {
		n = (size_t)ow * oh * 3;
		if ((dst->rgb = malloc(n)) == NULL)
			return -1;
		memcpy(dst->rgb, src->rgb, n);
	} else {
		if (rsmp_init(&r, src->w, src->h, 1.0, src->w, src->h, ow,
		    oh) == -1)
			return -1;
		for (y = 0; y < src->h; y++)
			rsmp_push(&r, src->rgb + (size_t)y * src->w * 3);
		dst->rgb = r.out;
		r.out = NULL;
		rsmp_free(&r);
	}
	dst->w = ow;
	dst->h = oh;
	return 0;
}

void
imgio_tile_planar(const struct img *src, int x, int y, int ow, int oh,
    float *out)
{
	size_t	 plane, k;
	long	 lx;
	int	 xx, yy, c, x0, x1;

	if (out == NULL || ow <= 0 || oh <= 0)
		return;
	plane = (size_t)ow * oh;
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0) {
		for (k = 0; k < plane * 3; k++)
			out[k] = 0.5f;
		return;
	}
	/* Columns [x0, x1) of the tile fall inside src; long: no overflow. */
	lx = -(long)x;
	x0 = lx <= 0 ? 0 : lx >= ow ? ow : (int)lx;
	lx = (long)src->w - x;
	x1 = lx <= x0 ? x0 : lx >= ow ? ow : (int)lx;
	for (yy = 0; yy < oh; yy++) {
		long		 sy = (long)y + yy;
		const unsigned char *row;

		for (c = 0; c < 3; c++) {
			float *o = out + c * plane + (size_t)yy * ow;

			if (sy < 0 || sy >= src->h) {
				for (xx = 0; xx < ow; xx++)
					o[xx] = 0.5f;
				continue;
			}
			row = src->rgb + (size_t)sy * src->w * 3;
			for (xx = 0; xx < x0; xx++)
				o[xx] = 0.5f;
			for (xx = x0; xx < x1; xx++)
				o[xx] = row[(size_t)((long)x + xx) * 3 + c] /
				    255.0f;
			for (xx = x1; xx < ow; xx++)
				o[xx] = 0.5f;
		}
	}
}

/*
 * Source coordinate of output pixel centre i when n source pixels span m
 * output pixels, clamped so edge rows and columns use real pixels.
 */
static void
lb_axis(int i, int n, int m, int *i0, int *i1, float *f)
{
	float s = ((float)i + 0.5f) * (float)n / (float)m - 0.5f;

	if (s < 0.0f)
		s = 0.0f;
	if (s > (float)(n - 1))
		s = (float)(n - 1);
	*i0 = (int)s;
	*i1 = *i0 + 1 < n ? *i0 + 1 : n - 1;
	*f = s - (float)*i0;
}

void
imgio_letterbox(const struct img *im, int net_w, int net_h, float *out,
    struct letterbox *lb)
{
	struct { int i0, i1; float f; } *xt;
	size_t	 plane, k;
	int	 new_w, new_h, dx, dy, x, y, c, x0, x1, y0, y1;
	float	 fx, fy, scale;

	if (net_w <= 0 || net_h <= 0 || out == NULL)
		return;
	plane = (size_t)net_w * net_h;
	for (k = 0; k < plane * 3; k++)
		out[k] = 0.5f;
	if (im == NULL || im->rgb == NULL || im->w <= 0 || im->h <= 0) {
		if (lb != NULL)
			memset(lb, 0, sizeof(*lb));
		return;
	}
	/* darknet's letterbox_image() and correct_yolo_boxes() sizes. */
	if ((float)net_w / im->w < (float)net_h / im->h) {
		new_w = net_w;
		new_h = (int)((long)im->h * net_w / im->w);
		scale = (float)net_w / im->w;
	} else {
		new_h = net_h;
		new_w = (int)((long)im->w * net_h / im->h);
		scale = (float)net_h / im->h;
	}
	/* Guard the canvas against degenerate sizes and float ties. */
	new_w = new_w < 1 ? 1 : new_w > net_w ? net_w : new_w;
	new_h = new_h < 1 ? 1 : new_h > net_h ? net_h : new_h;
	dx = (net_w - new_w) / 2;
	dy = (net_h - new_h) / 2;
	/* the columns' taps once, not once a row (NULL: per pixel) */
	if ((xt = malloc((size_t)new_w * sizeof(*xt))) != NULL)
		for (x = 0; x < new_w; x++)
			lb_axis(x, im->w, new_w, &xt[x].i0, &xt[x].i1,
			    &xt[x].f);
	for (y = 0; y < new_h; y++) {
		lb_axis(y, im->h, new_h, &y0, &y1, &fy);
		for (x = 0; x < new_w; x++) {
			const unsigned char *r0, *r1;

			if (xt != NULL) {
				x0 = xt[x].i0;
				x1 = xt[x].i1;
				fx = xt[x].f;
			} else
				lb_axis(x, im->w, new_w, &x0, &x1, &fx);
			r0 = im->rgb + (size_t)y0 * im->w * 3;
			r1 = im->rgb + (size_t)y1 * im->w * 3;
			for (c = 0; c < 3; c++) {
				float top = r0[x0 * 3 + c] * (1.0f - fx) +
				    r0[x1 * 3 + c] * fx;
				float bot = r1[x0 * 3 + c] * (1.0f - fx) +
				    r1[x1 * 3 + c] * fx;

				out[c * plane + (size_t)(y + dy) * net_w +
				    (x + dx)] = (top * (1.0f - fy) + bot * fy) /
				    255.0f;
			}
		}
	}
	free(xt);
	if (lb != NULL) {
		lb->scale = scale;
		lb->dx = (float)dx;
		lb->dy = (float)dy;
		lb->new_w = new_w;
		lb->new_h = new_h;
	}
}
