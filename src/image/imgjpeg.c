/* imgjpeg.c: JPEG decode (bounded, EXIF orientation, DCT-scaled) and encode */
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image/imgint.h"
#include "image/imgio.h"

/* Cap on libjpeg-internal memory beyond a whole-image coefficient buffer. */
#define JPEG_MEM_SLACK		(64L << 20)
/* More warnings than this on one image is a sign of garbage, not noise. */
#define JPEG_MAX_WARNINGS	1000

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
	struct imgio_rsmp			 rs;
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
	if ((e = imgio_dims_ok(c->image_width, c->image_height, lim)) != IMG_OK)
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
	if ((e = imgio_dims_ok(c->output_width, c->output_height, lim)) !=
	    IMG_OK)
		return e;
	if (d->factor < 1.0) {
		/* The DCT-scaled pixel spans 8/M header pixels (the last cut). */
		if (imgio_rsmp_init(&d->rs, d->w, d->h,
		    (double)c->scale_denom / c->scale_num, c->image_width,
		    c->image_height, imgio_scaled_side((int)c->image_width,
		    d->factor), imgio_scaled_side((int)c->image_height,
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
			imgio_rsmp_push(&d->rs, d->line);
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
enum img_err
imgio_decode_jpeg(const unsigned char *buf, size_t len,
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
	imgio_rsmp_free(&d.rs);
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
