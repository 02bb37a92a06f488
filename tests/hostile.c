/* hostile.c: in-memory builders of valid and hostile image files for tests */
/*
 * Everything is built from scratch at run time (no binary fixtures in the
 * repository, no dataset files).  PNG chunks get real CRCs so that only
 * the property under test is wrong; the progressive JPEG is assembled
 * marker by marker because libjpeg refuses to write a scan script with
 * repeated scans, while its decoder accepts one.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <jpeglib.h>
#include <png.h>

#include "image/imgio.h"
#include "hostile.h"

const char hostile_svg[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\">\n"
    "<script>alert(document.cookie)</script>\n"
    "<rect width=\"64\" height=\"64\" fill=\"red\"/>\n</svg>\n";
const char hostile_pdf[] =
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    "trailer\n<< /Root 1 0 R >>\n%%EOF\n";
const char hostile_txt[] =
    "This is not an image.\nIt is a plain text file named .jpg.\n";
const char hostile_html[] =
    "<!DOCTYPE html>\n<html><head><title>x</title></head><body>"
    "<script>alert(document.cookie)</script></body></html>\n";

/* Growable byte buffer. */
struct buf {
	unsigned char	*p;
	size_t		 n, cap;
	int		 err;
};

static void
put(struct buf *b, const void *d, size_t n)
{
	unsigned char *np;

	if (b->err || n == 0)
		return;
	if (b->n + n > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;

		while (ncap < b->n + n)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void
put8(struct buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(b, &c, 1);
}

static void
put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put32(struct buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}

static unsigned char *
done(struct buf *b, size_t *len)
{
	if (b->err) {
		free(b->p);
		return NULL;
	}
	*len = b->n;
	return b->p;
}

/* ---- PNG ------------------------------------------------------------- */

static void
png_write_mem(png_structp png, png_bytep d, size_t n)
{
	put(png_get_io_ptr(png), d, n);
}

static void
png_flush_mem(png_structp png)
{
	(void)png;
}

struct pngw {
	png_structp	 png;
	png_infop	 info;
	unsigned char	*pix;
	png_bytep	*rows;
};

static int
pngw_run(struct pngw *s, struct buf *b, int w, int h, int ctype, int depth,
    int interlace)
{
	png_color	 pal[256];
	int		 ch, x, y, c, bps = depth / 8;
	size_t		 rb;

	if (setjmp(png_jmpbuf(s->png)))
		return -1;
	png_set_write_fn(s->png, b, png_write_mem, png_flush_mem);
	png_set_IHDR(s->png, s->info, (png_uint_32)w, (png_uint_32)h, depth,
	    ctype, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	switch (ctype) {
	case PNG_COLOR_TYPE_GRAY: ch = 1; break;
	case PNG_COLOR_TYPE_GRAY_ALPHA: ch = 2; break;
	case PNG_COLOR_TYPE_RGB: ch = 3; break;
	case PNG_COLOR_TYPE_RGB_ALPHA: ch = 4; break;
	case PNG_COLOR_TYPE_PALETTE:
		ch = 1;
		/* Entry i is the colour (i, 255 - i, i / 2). */
		for (c = 0; c < 256; c++) {
			pal[c].red = (png_byte)c;
			pal[c].green = (png_byte)(255 - c);
			pal[c].blue = (png_byte)(c / 2);
		}
		png_set_PLTE(s->png, s->info, pal, 256);
		break;
	default:
		return -1;
	}
	rb = (size_t)w * ch * bps;
	if ((s->pix = calloc((size_t)h, rb)) == NULL ||
	    (s->rows = calloc((size_t)h, sizeof(*s->rows))) == NULL)
		return -1;
	for (y = 0; y < h; y++) {
		s->rows[y] = s->pix + (size_t)y * rb;
		for (x = 0; x < w; x++)
			for (c = 0; c < ch; c++)
				/* 16-bit: pattern in the high byte. */
				s->rows[y][((size_t)x * ch + c) * bps] =
				    HOSTILE_PATTERN(x, y, c);
	}
	png_write_info(s->png, s->info);
	png_write_image(s->png, s->rows);
	png_write_end(s->png, NULL);
	return 0;
}

unsigned char *
hostile_png(int w, int h, int ctype, int depth, int interlace, size_t *len)
{
	struct pngw	 s;
	struct buf	 b;
	int		 rc = -1;

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	s.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL);
	if (s.png == NULL)
		return NULL;
	if ((s.info = png_create_info_struct(s.png)) != NULL)
		rc = pngw_run(&s, &b, w, h, ctype, depth, interlace);
	png_destroy_write_struct(&s.png, &s.info);
	free(s.rows);
	free(s.pix);
	if (rc != 0)
		b.err = 1;
	return done(&b, len);
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void
png_chunk(struct buf *b, const char *type, const unsigned char *d, size_t n)
{
	size_t start;

	put32(b, (uint32_t)n);
	start = b->n;
	put(b, type, 4);
	put(b, d, n);
	if (!b->err)
		put32(b, crc32_png(b->p + start, 4 + n));
}

unsigned char *
hostile_png_claim(unsigned w, unsigned h, size_t *len)
{
	static const unsigned char sig[8] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
	};
	/* zlib stream of a few zero bytes: far too little for the claim. */
	static const unsigned char idat[] = {
		0x78, 0x9c, 0x63, 0x60, 0x60, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01
	};
	struct buf	 b;
	unsigned char	 ihdr[13];

	memset(&b, 0, sizeof(b));
	put(&b, sig, sizeof(sig));
	ihdr[0] = (unsigned char)(w >> 24); ihdr[1] = (unsigned char)(w >> 16);
	ihdr[2] = (unsigned char)(w >> 8); ihdr[3] = (unsigned char)w;
	ihdr[4] = (unsigned char)(h >> 24); ihdr[5] = (unsigned char)(h >> 16);
	ihdr[6] = (unsigned char)(h >> 8); ihdr[7] = (unsigned char)h;
	ihdr[8] = 8;		/* depth */
	ihdr[9] = 2;		/* RGB */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;
	png_chunk(&b, "IHDR", ihdr, sizeof(ihdr));
	png_chunk(&b, "IDAT", idat, sizeof(idat));
	png_chunk(&b, "IEND", NULL, 0);
	return done(&b, len);
}

/* ---- JPEG ------------------------------------------------------------ */

unsigned char *
hostile_jpeg(int w, int h, size_t *len)
{
	struct img	 im;
	unsigned char	*out = NULL;
	int		 x, y, c;

	im.w = w;
	im.h = h;
	if ((im.rgb = malloc((size_t)w * h * 3)) == NULL)
		return NULL;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			for (c = 0; c < 3; c++)
				im.rgb[((size_t)y * w + x) * 3 + c] =
				    HOSTILE_PATTERN(x, y, c);
	if (imgio_encode_jpeg(&im, 90, &out, len) != 0)
		out = NULL;
	free(im.rgb);
	return out;
}

unsigned char *
hostile_jpeg_ex(int w, int h, int mode, size_t *len)
{
	struct jpeg_compress_struct	 c;
	struct jpeg_error_mgr		 err;
	unsigned char			*mem = NULL, *row;
	unsigned long			 msize = 0;
	int				 x, ch, k;

	ch = mode == HOSTILE_JPEG_GRAY ? 1 : mode == HOSTILE_JPEG_CMYK ? 4 : 3;
	if ((row = malloc((size_t)w * ch)) == NULL)
		return NULL;
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &msize);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = ch;
	c.in_color_space = ch == 1 ? JCS_GRAYSCALE : ch == 4 ? JCS_CMYK :
	    JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	if (mode == HOSTILE_JPEG_PROGRESSIVE)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		for (x = 0; x < w; x++)
			for (k = 0; k < ch; k++)
				row[x * ch + k] = ch == 4 ?
				    (k == 1 ? 0 : 255) :
				    HOSTILE_PATTERN(x, (int)c.next_scanline, k);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	*len = msize;
	return mem;
}

unsigned char *
hostile_jpeg_claim(unsigned w, unsigned h, size_t *len)
{
	unsigned char	*p;
	size_t		 i;

	if ((p = hostile_jpeg(16, 16, len)) == NULL)
		return NULL;
	for (i = 2; i + 9 < *len; i++)
		if (p[i] == 0xff && p[i + 1] == 0xc0) {
			p[i + 5] = (unsigned char)(h >> 8);
			p[i + 6] = (unsigned char)h;
			p[i + 7] = (unsigned char)(w >> 8);
			p[i + 8] = (unsigned char)w;
			return p;
		}
	free(p);
	return NULL;
}

/* MSB-first bit writer with JPEG byte stuffing (T.81 F.1.2.3). */
struct bits {
	struct buf	*b;
	unsigned	 acc, n;
};

static void
bits_put(struct bits *w, unsigned v, unsigned n)
{
	while (n-- > 0) {
		w->acc = w->acc << 1 | ((v >> n) & 1);
		if (++w->n == 8) {
			put8(w->b, w->acc);
			if (w->acc == 0xff)
				put8(w->b, 0x00);
			w->acc = w->n = 0;
		}
	}
}

static void
bits_flush(struct bits *w)
{
	while (w->n != 0)
		bits_put(w, 1, 1);	/* pad with 1s */
}

static void
sos(struct buf *b, int ss, int se)
{
	put16(b, 0xffda);
	put16(b, 8);
	put8(b, 1);		/* one component */
	put8(b, 1);		/* component id 1 */
	put8(b, 0x00);		/* DC table 0, AC table 0 */
	put8(b, (unsigned)ss);
	put8(b, (unsigned)se);
	put8(b, 0x00);		/* Ah = Al = 0 */
}

unsigned char *
hostile_progressive(int side, int nscans, size_t *len)
{
	struct buf	 b;
	struct bits	 bw;
	long		 blocks, k, i;
	int		 s;

	if (side <= 0 || side % 8 != 0 || side > 65500 || nscans < 1)
		return NULL;
	memset(&b, 0, sizeof(b));
	blocks = (long)(side / 8) * (side / 8);
	put16(&b, 0xffd8);
	put16(&b, 0xffdb);		/* DQT: table 0, all ones */
	put16(&b, 67);
	put8(&b, 0x00);
	for (i = 0; i < 64; i++)
		put8(&b, 1);
	put16(&b, 0xffc2);		/* SOF2: progressive, 8-bit, grey */
	put16(&b, 11);
	put8(&b, 8);
	put16(&b, (unsigned)side);
	put16(&b, (unsigned)side);
	put8(&b, 1);
	put8(&b, 1);
	put8(&b, 0x11);
	put8(&b, 0);
	/* One-symbol Huffman tables, code "0": DC diff 0, AC EOB14. */
	for (i = 0; i < 2; i++) {
		put16(&b, 0xffc4);
		put16(&b, 2 + 1 + 16 + 1);
		put8(&b, i == 0 ? 0x00 : 0x10);
		put8(&b, 1);
		for (k = 1; k < 16; k++)
			put8(&b, 0);
		put8(&b, i == 0 ? 0x00 : 0xe0);
	}
	/* DC first scan: every block's DC difference is 0. */
	sos(&b, 0, 0);
	bw.b = &b;
	bw.acc = bw.n = 0;
	for (k = 0; k < blocks; k++)
		bits_put(&bw, 0, 1);
	bits_flush(&bw);
	/* AC first scans, repeated: EOB runs of 2^14 + 16383 = 32767. */
	for (s = 1; s < nscans; s++) {
		sos(&b, 1, 63);
		for (k = 0; k < blocks; k += 32767) {
			bits_put(&bw, 0, 1);
			bits_put(&bw, 0x3fff, 14);
		}
		bits_flush(&bw);
	}
	put16(&b, 0xffd9);
	return done(&b, len);
}

unsigned char *
hostile_truncate(const unsigned char *buf, size_t keep, size_t *len)
{
	unsigned char *p;

	if ((p = malloc(keep ? keep : 1)) == NULL)
		return NULL;
	memcpy(p, buf, keep);
	*len = keep;
	return p;
}

/* buf with a segment (marker, payload) inserted right after SOI. */
static unsigned char *
insert_segment(const unsigned char *jpg, size_t jlen, unsigned marker,
    const unsigned char *pay, size_t plen, size_t *len)
{
	struct buf b;

	if (jlen < 2 || plen > 65533)
		return NULL;
	memset(&b, 0, sizeof(b));
	put(&b, jpg, 2);
	put16(&b, 0xff00 | marker);
	put16(&b, (unsigned)(plen + 2));
	put(&b, pay, plen);
	put(&b, jpg + 2, jlen - 2);
	return done(&b, len);
}

unsigned char *
hostile_exif_jpeg(const unsigned char *jpg, size_t jlen, int o, size_t *len)
{
	struct buf	 e;
	unsigned char	*r;

	memset(&e, 0, sizeof(e));
	put(&e, "Exif\0\0", 6);
	put(&e, "MM", 2);		/* big-endian TIFF */
	put16(&e, 42);
	put32(&e, 8);			/* IFD0 right after the header */
	put16(&e, 2);			/* two entries */
	put16(&e, 0x010f);		/* Make, ASCII, 4 bytes in place */
	put16(&e, 2);
	put32(&e, 4);
	put(&e, "BV\0\0", 4);
	put16(&e, 0x0112);		/* Orientation, SHORT, 1 */
	put16(&e, 3);
	put32(&e, 1);
	put16(&e, (unsigned)o);
	put16(&e, 0);
	put32(&e, 0);			/* no IFD1 */
	if (e.err)
		return NULL;
	r = insert_segment(jpg, jlen, 0xe1, e.p, e.n, len);
	free(e.p);
	return r;
}

unsigned char *
hostile_jpeg_comment(const unsigned char *jpg, size_t jlen, const char *text,
    size_t *len)
{
	return insert_segment(jpg, jlen, 0xfe, (const unsigned char *)text,
	    strlen(text), len);
}

unsigned char *
hostile_concat(const char *prefix, const unsigned char *buf, size_t blen,
    size_t *len)
{
	struct buf b;

	memset(&b, 0, sizeof(b));
	put(&b, prefix, strlen(prefix));
	put(&b, buf, blen);
	return done(&b, len);
}

unsigned char *
hostile_elf(size_t *len)
{
	struct buf	 b;
	int		 i;

	memset(&b, 0, sizeof(b));
	put(&b, "\177ELF", 4);
	put8(&b, 2);			/* ELFCLASS64 */
	put8(&b, 1);			/* little-endian */
	put8(&b, 1);			/* EV_CURRENT */
	for (i = 7; i < 16; i++)
		put8(&b, 0);
	put8(&b, 2); put8(&b, 0);	/* e_type ET_EXEC (LE) */
	put8(&b, 0x3e); put8(&b, 0);	/* e_machine x86-64 */
	put8(&b, 1); put8(&b, 0); put8(&b, 0); put8(&b, 0); /* e_version */
	for (i = 24; i < 256; i++)
		put8(&b, 0);
	return done(&b, len);
}

unsigned char *
hostile_text(const char *s, size_t *len)
{
	return hostile_truncate((const unsigned char *)s, strlen(s), len);
}
