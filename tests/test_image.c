/* test_image.c: unit tests for imgcheck, imgio and annotate */
/*
 * All inputs are built in memory by tests/hostile.c; the only file read
 * is BloodImage_00001.jpg from $BV_DATASET when present.  Linked with
 * -Wl,--wrap=malloc,calloc,realloc so that the size of every allocation
 * made by our own objects can be watched: header-only refusal must not
 * allocate at all, and decode must refuse before sizing a pixel buffer.
 * Timings are printed for the record (make check keeps them in the log).
 */
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/wait.h>
#include <unistd.h>

#include <magic.h>
#include <png.h>

#include "image/imgcheck.h"
#include "image/imgio.h"
#include "vision/annotate.h"
#include "hostile.h"
#include "base/timing.h"

static int failures;

#define CHECK(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__,	\
			    __LINE__, #cond);				\
			failures++;					\
		}							\
	} while (0)

/* ---- allocation watch (via ld --wrap) -------------------------------- */

#ifdef TEST_WRAP_MALLOC
void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);

static size_t	alloc_count, alloc_max;

static void
note(size_t n)
{
	alloc_count++;
	if (n > alloc_max)
		alloc_max = n;
}

void *
__wrap_malloc(size_t n)
{
	note(n);
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t a, size_t b)
{
	note(a * b);
	return __real_calloc(a, b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	note(n);
	return __real_realloc(p, n);
}

#define WATCH_RESET()	(alloc_count = 0, alloc_max = 0)
#define WATCHING	1
#else
static size_t	alloc_count, alloc_max;
#define WATCH_RESET()	(alloc_count = 0, alloc_max = 0)
#define WATCHING	0
#endif

static const unsigned char *
px(const struct img *im, int x, int y)
{
	return im->rgb + ((size_t)y * im->w + x) * 3;
}

/* ---- sniff ------------------------------------------------------------ */

static void
test_sniff(magic_t mc)
{
	unsigned char	*jpg, *png, *p;
	size_t		 jn, pn, n;
	enum img_type	 t;
	char		 mime[64];

	jpg = hostile_jpeg(32, 24, &jn);
	png = hostile_png(32, 24, PNG_COLOR_TYPE_RGB, 8, 0, &pn);
	CHECK(jpg != NULL && png != NULL);
	if (jpg == NULL || png == NULL)
		goto out;

	CHECK(imgcheck_sniff(mc, jpg, jn, &t, mime, sizeof(mime)) == IMG_OK);
	CHECK(t == IMG_JPEG);
	CHECK(strcmp(mime, "image/jpeg") == 0);
	CHECK(imgcheck_sniff(mc, png, pn, &t, mime, sizeof(mime)) == IMG_OK);
	CHECK(t == IMG_PNG);
	CHECK(strcmp(mime, "image/png") == 0);
	/* Without a cookie the signature alone decides. */
	CHECK(imgcheck_sniff(NULL, jpg, jn, &t, NULL, 0) == IMG_OK &&
	    t == IMG_JPEG);
	CHECK(imgcheck_sniff(NULL, hostile_txt, strlen(hostile_txt), &t,
	    NULL, 0) == IMG_ERR_TYPE && t == IMG_NONE);

#define REFUSED(expr) do {						\
		p = (expr);						\
		CHECK(p != NULL);					\
		if (p != NULL) {					\
			t = IMG_JPEG;					\
			CHECK(imgcheck_sniff(mc, p, n, &t, mime,	\
			    sizeof(mime)) == IMG_ERR_TYPE);		\
			CHECK(t == IMG_NONE);				\
			printf("  sniff refuses %-22s as %s\n", #expr,	\
			    mime);					\
			free(p);					\
		}							\
	} while (0)
	REFUSED(hostile_text(hostile_txt, &n));
	REFUSED(hostile_text(hostile_svg, &n));
	REFUSED(hostile_text(hostile_pdf, &n));
	REFUSED(hostile_text(hostile_html, &n));
	REFUSED(hostile_elf(&n));
	REFUSED(hostile_concat(hostile_html, jpg, jn, &n));
	/* PNG bytes prefixed to a JPEG: libmagic and signature disagree. */
	REFUSED(hostile_concat("GIF89a", jpg, jn, &n));
#undef REFUSED
	CHECK(imgcheck_sniff(mc, jpg, 0, &t, NULL, 0) == IMG_ERR_TYPE);
	CHECK(imgcheck_sniff(mc, NULL, 10, &t, NULL, 0) == IMG_ERR_TYPE);
out:
	free(jpg);
	free(png);
}

/* ---- probe ------------------------------------------------------------ */

static void
test_probe(void)
{
	struct img_limits	 lim;
	unsigned char		*jpg, *png, *hp, *hj, *ex;
	size_t			 jn, pn, hpn, hjn, exn, i;
	int			 w, h, k, iters = 1000;
	double			 t0, ms;
	struct img		 im;

	img_limits_default(&lim);
	CHECK(lim.max_side == 8000 && lim.max_pixels == 40000000L);
	jpg = hostile_jpeg(64, 48, &jn);
	png = hostile_png(64, 48, PNG_COLOR_TYPE_RGB, 8, 0, &pn);
	hp = hostile_png_claim(100000, 100000, &hpn);
	hj = hostile_jpeg_claim(65500, 65500, &hjn);
	ex = jpg ? hostile_exif_jpeg(jpg, jn, 6, &exn) : NULL;
	CHECK(jpg && png && hp && hj && ex);
	if (!(jpg && png && hp && hj && ex))
		goto out;

	w = h = 0;
	CHECK(imgcheck_probe(jpg, jn, IMG_JPEG, &lim, &w, &h) == IMG_OK);
	CHECK(w == 64 && h == 48);
	w = h = 0;
	CHECK(imgcheck_probe(png, pn, IMG_PNG, NULL, &w, &h) == IMG_OK);
	CHECK(w == 64 && h == 48);
	/* EXIF 6: the displayed size. */
	CHECK(imgcheck_probe(ex, exn, IMG_JPEG, &lim, &w, &h) == IMG_OK);
	CHECK(w == 48 && h == 64);

	/* Tight limits: 64 > 50 a side; 64 * 48 = 3072 > 3000 pixels. */
	lim.max_side = 50;
	CHECK(imgcheck_probe(jpg, jn, IMG_JPEG, &lim, &w, &h) ==
	    IMG_ERR_PIXELS);
	lim.max_side = 8000;
	lim.max_pixels = 3000;
	CHECK(imgcheck_probe(png, pn, IMG_PNG, &lim, &w, &h) ==
	    IMG_ERR_PIXELS);
	lim.max_pixels = 3072;
	CHECK(imgcheck_probe(png, pn, IMG_PNG, &lim, &w, &h) == IMG_OK);
	img_limits_default(&lim);

	/* Hostile claims: refused, fast, no allocation at all. */
	WATCH_RESET();
	t0 = timing_ms();
	for (k = 0; k < iters; k++) {
		CHECK(imgcheck_probe(hp, hpn, IMG_PNG, &lim, &w, &h) ==
		    IMG_ERR_PIXELS);
		CHECK(imgcheck_probe(hj, hjn, IMG_JPEG, &lim, &w, &h) ==
		    IMG_ERR_PIXELS);
	}
	ms = (timing_ms() - t0) / (2.0 * iters);
	/* no allocation is the check; the time is a figure (no wall-clock
	 * bound in make check: an ASan build on a loaded machine runs it) */
	CHECK(alloc_count == 0);
	printf("  probe refuses huge.png / huge.jpg in %.2f us each, %zu "
	    "allocations%s\n", ms * 1e3, alloc_count, WATCHING ? "" :
	    " (allocation watch not linked)");

	/* Decode must refuse them before sizing any pixel buffer either. */
	WATCH_RESET();
	CHECK(imgio_decode(hp, hpn, IMG_PNG, &lim, &im) == IMG_ERR_PIXELS);
	CHECK(im.rgb == NULL);
	CHECK(imgio_decode(hj, hjn, IMG_JPEG, &lim, &im) == IMG_ERR_PIXELS);
	CHECK(im.rgb == NULL);
	CHECK(alloc_max < 1024 * 1024);

	/* Type mismatch, and every prefix of a header, never crash. */
	CHECK(imgcheck_probe(jpg, jn, IMG_PNG, &lim, &w, &h) ==
	    IMG_ERR_CORRUPT);
	CHECK(imgcheck_probe(png, pn, IMG_JPEG, &lim, &w, &h) ==
	    IMG_ERR_CORRUPT);
	CHECK(imgcheck_probe(png, pn, IMG_NONE, &lim, &w, &h) ==
	    IMG_ERR_TYPE);
	for (i = 0; i < 29; i++)
		CHECK(imgcheck_probe(png, i, IMG_PNG, &lim, &w, &h) ==
		    IMG_ERR_CORRUPT);
	/* A JPEG cut before its first SOS has no usable header. */
	for (i = 0; i < 200 && i < jn; i++)
		CHECK(imgcheck_probe(jpg, i, IMG_JPEG, &lim, &w, &h) ==
		    IMG_ERR_CORRUPT);
out:
	free(jpg);
	free(png);
	free(hp);
	free(hj);
	free(ex);
}

/* ---- decode ----------------------------------------------------------- */

static void
test_truncated(void)
{
	unsigned char	*jpg, *png;
	size_t		 jn, pn, cut;
	struct img	 im;
	int		 pct;

	jpg = hostile_jpeg(256, 256, &jn);
	png = hostile_png(256, 256, PNG_COLOR_TYPE_RGB, 8, 0, &pn);
	CHECK(jpg && png);
	if (!(jpg && png))
		goto out;
	CHECK(imgio_decode(jpg, jn, IMG_JPEG, NULL, &im) == IMG_OK);
	imgio_free(&im);
	CHECK(imgio_decode(png, pn, IMG_PNG, NULL, &im) == IMG_OK);
	imgio_free(&im);
	/* Any cut before the last entropy-coded byte is an error. */
	for (pct = 0; pct < 100; pct += 5) {
		cut = jn * pct / 100;
		CHECK(imgio_decode(jpg, cut, IMG_JPEG, NULL, &im) ==
		    IMG_ERR_CORRUPT);
		CHECK(im.rgb == NULL && im.w == 0);
		cut = pn * pct / 100;
		CHECK(imgio_decode(png, cut, IMG_PNG, NULL, &im) ==
		    IMG_ERR_CORRUPT);
		CHECK(im.rgb == NULL && im.w == 0);
	}
	/*
	 * PNG without IEND: the pixels are complete, so accepted.  (A JPEG
	 * without EOI usually is not: libjpeg reads ahead into the missing
	 * bytes while decoding the last row, which looks like truncation.)
	 */
	CHECK(imgio_decode(png, pn - 12, IMG_PNG, NULL, &im) == IMG_OK);
	imgio_free(&im);
	/* Garbage after a valid signature. */
	memset(jpg + 200, 0x55, jn - 200);
	CHECK(imgio_decode(jpg, jn, IMG_JPEG, NULL, &im) == IMG_ERR_CORRUPT);
	imgio_free(&im);
out:
	free(jpg);
	free(png);
}

static void
fill(struct img *im, int w, int h, unsigned char r, unsigned char g,
    unsigned char b)
{
	size_t i;

	im->w = w;
	im->h = h;
	im->rgb = malloc((size_t)w * h * 3);
	if (im->rgb == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	for (i = 0; i < (size_t)w * h; i++) {
		im->rgb[i * 3] = r;
		im->rgb[i * 3 + 1] = g;
		im->rgb[i * 3 + 2] = b;
	}
}

static void
rect(struct img *im, int x0, int y0, int x1, int y1, unsigned char r,
    unsigned char g, unsigned char b)
{
	int x, y;

	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++) {
			unsigned char *p = im->rgb + ((size_t)y * im->w + x) * 3;

			p[0] = r;
			p[1] = g;
			p[2] = b;
		}
}

static int
is_red(const unsigned char *p)
{
	return p[0] > 180 && p[1] < 80 && p[2] < 80;
}

static int
is_blue(const unsigned char *p)
{
	return p[2] > 180 && p[0] < 80 && p[1] < 80;
}

/* Where stored (8,8) [red] and (40,24) [blue] of 64x32 show up. */
static const int exif_want[9][4] = {
	{ 0 },
	{ 8, 8, 40, 24 },	/* 1 as stored */
	{ 55, 8, 23, 24 },	/* 2 mirror horizontal */
	{ 55, 23, 23, 7 },	/* 3 rotate 180 */
	{ 8, 23, 40, 7 },	/* 4 mirror vertical */
	{ 8, 8, 24, 40 },	/* 5 transpose */
	{ 23, 8, 7, 40 },	/* 6 rotate 90 CW */
	{ 23, 55, 7, 23 },	/* 7 transverse */
	{ 8, 55, 24, 23 },	/* 8 rotate 90 CCW */
};

static void
test_exif(void)
{
	const int	(*want)[4] = exif_want;
	struct img	 src, im;
	unsigned char	*jpg = NULL, *ex;
	size_t		 jn, exn;
	int		 o, w, h;

	fill(&src, 64, 32, 128, 128, 128);
	rect(&src, 0, 0, 16, 16, 255, 0, 0);
	rect(&src, 32, 16, 48, 32, 0, 0, 255);
	CHECK(imgio_encode_jpeg(&src, 95, &jpg, &jn) == 0);
	imgio_free(&src);
	if (jpg == NULL)
		return;
	for (o = 1; o <= 8; o++) {
		ex = hostile_exif_jpeg(jpg, jn, o, &exn);
		CHECK(ex != NULL);
		if (ex == NULL)
			continue;
		CHECK(imgcheck_probe(ex, exn, IMG_JPEG, NULL, &w, &h) ==
		    IMG_OK);
		CHECK(imgio_decode(ex, exn, IMG_JPEG, NULL, &im) == IMG_OK);
		if (im.rgb != NULL) {
			CHECK(im.w == (o >= 5 ? 32 : 64));
			CHECK(im.h == (o >= 5 ? 64 : 32));
			CHECK(w == im.w && h == im.h);
			CHECK(is_red(px(&im, want[o][0], want[o][1])));
			CHECK(is_blue(px(&im, want[o][2], want[o][3])));
			if (!is_red(px(&im, want[o][0], want[o][1])) ||
			    !is_blue(px(&im, want[o][2], want[o][3])))
				fprintf(stderr, "  orientation %d wrong\n", o);
		}
		imgio_free(&im);
		free(ex);
	}
	/* Orientation 6 by name, as the brief states it: w/h swap. */
	ex = hostile_exif_jpeg(jpg, jn, 6, &exn);
	if (ex != NULL && imgio_decode(ex, exn, IMG_JPEG, NULL, &im) == IMG_OK) {
		CHECK(im.w == 32 && im.h == 64);
		CHECK(is_red(px(&im, 23, 8)) && !is_red(px(&im, 8, 8)));
		imgio_free(&im);
	}
	free(ex);
	free(jpg);

	/* Parser bounds: junk and short segments mean orientation 1. */
	CHECK(imgcheck_exif_orientation((const unsigned char *)"Exif\0\0MM",
	    8) == 1);
	CHECK(imgcheck_exif_orientation(NULL, 0) == 1);
}

static void
test_png_variants(void)
{
	static const struct {
		int	 ctype, depth, ilace;
		const char *name;
	} v[] = {
		{ PNG_COLOR_TYPE_GRAY, 8, 0, "gray8" },
		{ PNG_COLOR_TYPE_GRAY, 16, 0, "gray16" },
		{ PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, "gray+alpha" },
		{ PNG_COLOR_TYPE_RGB, 8, 0, "rgb8" },
		{ PNG_COLOR_TYPE_RGB, 16, 1, "rgb16 interlaced" },
		{ PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, "rgba8" },
		{ PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, "rgba16" },
		{ PNG_COLOR_TYPE_PALETTE, 8, 1, "palette interlaced" },
	};
	unsigned char	*p, e[3];
	size_t		 n, i;
	struct img	 im;
	int		 x, y, c, bad;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p = hostile_png(37, 23, v[i].ctype, v[i].depth, v[i].ilace, &n);
		CHECK(p != NULL);
		if (p == NULL)
			continue;
		CHECK(imgio_decode(p, n, IMG_PNG, NULL, &im) == IMG_OK);
		free(p);
		if (im.rgb == NULL)
			continue;
		CHECK(im.w == 37 && im.h == 23);
		bad = 0;
		for (y = 0; y < im.h; y++)
			for (x = 0; x < im.w; x++) {
				unsigned a, g = HOSTILE_PATTERN(x, y, 0);

				switch (v[i].ctype) {
				case PNG_COLOR_TYPE_GRAY:
					e[0] = e[1] = e[2] = (unsigned char)g;
					break;
				case PNG_COLOR_TYPE_GRAY_ALPHA:
					a = HOSTILE_PATTERN(x, y, 1);
					e[0] = e[1] = e[2] = (unsigned char)
					    ((g * a + 255 * (255 - a) + 127) /
					    255);
					break;
				case PNG_COLOR_TYPE_PALETTE:
					e[0] = (unsigned char)g;
					e[1] = (unsigned char)(255 - g);
					e[2] = (unsigned char)(g / 2);
					break;
				case PNG_COLOR_TYPE_RGB_ALPHA:
					a = HOSTILE_PATTERN(x, y, 3);
					for (c = 0; c < 3; c++)
						e[c] = (unsigned char)
						    ((HOSTILE_PATTERN(x, y, c) *
						    a + 255 * (255 - a) + 127) /
						    255);
					break;
				default:
					for (c = 0; c < 3; c++)
						e[c] = HOSTILE_PATTERN(x, y, c);
					break;
				}
				if (memcmp(px(&im, x, y), e, 3) != 0)
					bad++;
			}
		if (bad)
			fprintf(stderr, "  png %s: %d pixels differ\n",
			    v[i].name, bad);
		CHECK(bad == 0);
		imgio_free(&im);
	}
}

static void
test_progressive(void)
{
	unsigned char	*p;
	size_t		 n;
	struct img	 im;
	double		 t0, ms;
	enum img_err	 e;

	/* Few scans: a valid image, uniform grey (DC 0 + level shift). */
	p = hostile_progressive(256, 50, &n);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK(imgio_decode(p, n, IMG_JPEG, NULL, &im) == IMG_OK);
		CHECK(im.w == 256 && im.h == 256);
		if (im.rgb != NULL)
			CHECK(px(&im, 255, 255)[0] == 128 &&
			    px(&im, 0, 0)[2] == 128);
		imgio_free(&im);
		free(p);
	}
	/* The same construction past the scan cap is refused. */
	p = hostile_progressive(256, IMGIO_MAX_SCANS + 1, &n);
	if (p != NULL) {
		CHECK(imgio_decode(p, n, IMG_JPEG, NULL, &im) ==
		    IMG_ERR_CORRUPT);
		free(p);
	}
	p = hostile_progressive(256, IMGIO_MAX_SCANS, &n);
	if (p != NULL) {
		CHECK(imgio_decode(p, n, IMG_JPEG, NULL, &im) == IMG_OK);
		imgio_free(&im);
		free(p);
	}
	/* gen-hostile's progressive-scans.jpg. */
	p = hostile_progressive(4096, 2000, &n);
	CHECK(p != NULL);
	if (p != NULL) {
		t0 = timing_ms();
		e = imgio_decode(p, n, IMG_JPEG, NULL, &im);
		ms = timing_ms() - t0;
		CHECK(e == IMG_ERR_CORRUPT);
		printf("  decode refuses 4096x4096 / 2000-scan progressive JPEG "
		    "in %.1f ms\n", ms);
		free(p);
	}
}

static void
test_jpeg_variants(void)
{
	unsigned char	*pj, *bj, *gj, *cj;
	size_t		 pn, bn, gn, cn, i;
	struct img	 pi, bi, gi, ci;
	double		 diff = 0;
	int		 grey = 1;

	pj = hostile_jpeg_ex(64, 48, HOSTILE_JPEG_PROGRESSIVE, &pn);
	bj = hostile_jpeg(64, 48, &bn);
	gj = hostile_jpeg_ex(40, 30, HOSTILE_JPEG_GRAY, &gn);
	cj = hostile_jpeg_ex(32, 32, HOSTILE_JPEG_CMYK, &cn);
	CHECK(pj && bj && gj && cj);
	if (!(pj && bj && gj && cj))
		goto out;
	/* Real progressive (10 scans) decodes like the baseline one. */
	CHECK(imgio_decode(pj, pn, IMG_JPEG, NULL, &pi) == IMG_OK);
	CHECK(imgio_decode(bj, bn, IMG_JPEG, NULL, &bi) == IMG_OK);
	if (pi.rgb != NULL && bi.rgb != NULL) {
		CHECK(pi.w == 64 && pi.h == 48);
		for (i = 0; i < (size_t)64 * 48 * 3; i++)
			diff += abs((int)pi.rgb[i] - (int)bi.rgb[i]);
		diff /= 64.0 * 48 * 3;
		CHECK(diff < 6.0);
	}
	imgio_free(&pi);
	imgio_free(&bi);
	/* Grey JPEG comes out as RGB with equal channels. */
	CHECK(imgio_decode(gj, gn, IMG_JPEG, NULL, &gi) == IMG_OK);
	if (gi.rgb != NULL) {
		CHECK(gi.w == 40 && gi.h == 30);
		for (i = 0; i < (size_t)40 * 30; i++)
			if (gi.rgb[i * 3] != gi.rgb[i * 3 + 1] ||
			    gi.rgb[i * 3] != gi.rgb[i * 3 + 2])
				grey = 0;
		CHECK(grey);
	}
	imgio_free(&gi);
	/* Adobe CMYK (inverted): magenta ink only displays as magenta. */
	CHECK(imgio_decode(cj, cn, IMG_JPEG, NULL, &ci) == IMG_OK);
	if (ci.rgb != NULL) {
		const unsigned char *m = px(&ci, 16, 16);

		CHECK(m[0] > 235 && m[1] < 20 && m[2] > 235);
	}
	imgio_free(&ci);
out:
	free(pj);
	free(bj);
	free(gj);
	free(cj);
}

/* ---- encode, resize, letterbox, 1x1 ------------------------------------ */

static void
test_roundtrip(magic_t mc)
{
	struct img	 src, im, th;
	unsigned char	*jpg = NULL;
	size_t		 jn, i;
	double		 err = 0;
	enum img_type	 t;
	int		 x, y;

	fill(&src, 640, 480, 0, 0, 128);
	for (y = 0; y < 480; y++)
		for (x = 0; x < 640; x++) {
			unsigned char *p = src.rgb + ((size_t)y * 640 + x) * 3;

			p[0] = (unsigned char)(x * 255 / 639);
			p[1] = (unsigned char)(y * 255 / 479);
		}
	CHECK(imgio_encode_jpeg(&src, 90, &jpg, &jn) == 0);
	CHECK(jpg != NULL && jn > 100 && jn < 640 * 480 * 3);
	if (jpg != NULL) {
		CHECK(imgcheck_sniff(mc, jpg, jn, &t, NULL, 0) == IMG_OK &&
		    t == IMG_JPEG);
		CHECK(imgio_decode(jpg, jn, IMG_JPEG, NULL, &im) == IMG_OK);
		CHECK(im.w == 640 && im.h == 480);
		if (im.rgb != NULL) {
			for (i = 0; i < (size_t)640 * 480 * 3; i++)
				err += abs((int)im.rgb[i] - (int)src.rgb[i]);
			err /= 640.0 * 480 * 3;
			printf("  encode q90 640x480: %zu bytes, mean abs error "
			    "%.2f\n", jn, err);
			CHECK(err < 3.0);
		}
		imgio_free(&im);
		free(jpg);
	}
	/* Thumbnail: fits, keeps aspect, averages. */
	CHECK(imgio_resize_fit(&src, 160, 160, &th) == 0);
	CHECK(th.w == 160 && th.h == 120);
	if (th.rgb != NULL) {
		CHECK(abs((int)px(&th, 80, 60)[0] - 80 * 255 / 159) <= 3);
		CHECK(px(&th, 80, 60)[2] == 128);
	}
	imgio_free(&th);
	/* Never enlarges. */
	CHECK(imgio_resize_fit(&src, 1000, 1000, &th) == 0);
	CHECK(th.w == 640 && th.h == 480 &&
	    memcmp(th.rgb, src.rgb, (size_t)640 * 480 * 3) == 0);
	imgio_free(&th);
	CHECK(imgio_resize_fit(&src, 0, 10, &th) == -1 && th.rgb == NULL);
	imgio_free(&src);
	imgio_free(NULL);
}

static void
test_letterbox(void)
{
	static const int nets[] = { 320, 416, 448, 256 };
	struct letterbox lb;
	struct img	 im, sq, g;
	float		*out;
	size_t		 plane, k;
	int		 x, y, c, net, bad;
	float		 v, want, ix;

	/* Uniform 200: every letterboxed pixel must be 200/255 exactly. */
	fill(&im, 640, 480, 200, 200, 200);
	for (k = 0; k < sizeof(nets) / sizeof(nets[0]); k++) {
		net = nets[k];
		plane = (size_t)net * net;
		out = malloc(plane * 3 * sizeof(*out));
		if (out == NULL)
			exit(99);
		imgio_letterbox(&im, net, net, out, &lb);
		CHECK(lb.new_w == net && lb.new_h == net * 3 / 4);
		CHECK(lb.dx == 0 && lb.dy == (float)((net - net * 3 / 4) / 2));
		CHECK(fabsf(lb.scale - net / 640.0f) < 1e-6f);
		bad = 0;
		for (c = 0; c < 3; c++)
			for (y = 0; y < net; y++)
				for (x = 0; x < net; x++) {
					v = out[c * plane + (size_t)y * net + x];
					want = (y >= lb.dy && y < lb.dy +
					    lb.new_h) ? 200.0f / 255 : 0.5f;
					if (fabsf(v - want) > 1e-5f)
						bad++;
				}
		if (bad)
			fprintf(stderr, "  letterbox %d: %d bad values\n", net,
			    bad);
		CHECK(bad == 0);
		/* The bug to avoid: last image row/column dark. */
		y = (int)lb.dy + lb.new_h - 1;
		CHECK(out[(size_t)y * net + net - 1] > 0.7f);
		free(out);
	}
	imgio_free(&im);

	/* A known square maps back to where it is in the image. */
	fill(&sq, 640, 480, 0, 0, 0);
	rect(&sq, 400, 300, 440, 340, 255, 255, 255);
	out = malloc((size_t)416 * 416 * 3 * sizeof(*out));
	if (out == NULL)
		exit(99);
	imgio_letterbox(&sq, 416, 416, out, &lb);
	{
		int nx = (int)(420 * lb.scale + lb.dx);
		int ny = (int)(320 * lb.scale + lb.dy);

		CHECK(out[(size_t)ny * 416 + nx] > 0.99f);
		CHECK(fabsf((nx - lb.dx) / lb.scale - 420) < 2.0f);
		CHECK(fabsf((ny - lb.dy) / lb.scale - 320) < 2.0f);
		/* Just outside the square's mapped edge: black. */
		nx = (int)(390 * lb.scale + lb.dx);
		CHECK(out[(size_t)ny * 416 + nx] < 0.01f);
		/* Padding band above the image. */
		CHECK(out[0] == 0.5f && out[416 * 416 * 2] == 0.5f);
	}
	imgio_free(&sq);

	/* Horizontal ramp: each column samples the right source position. */
	fill(&g, 640, 480, 0, 0, 0);
	for (y = 0; y < 480; y++)
		for (x = 0; x < 640; x++)
			g.rgb[((size_t)y * 640 + x) * 3] =
			    (unsigned char)(x * 255 / 639);
	imgio_letterbox(&g, 416, 416, out, &lb);
	bad = 0;
	for (x = 1; x < 415; x++) {
		ix = (x + 0.5f) / lb.scale - 0.5f;
		want = ix * 255.0f / 639 / 255.0f;
		v = out[(size_t)((int)lb.dy + 10) * 416 + x];
		if (fabsf(v - want) > 2.0f / 255)
			bad++;
	}
	CHECK(bad == 0);
	imgio_free(&g);

	/* Portrait: padding left and right instead. */
	fill(&im, 480, 640, 10, 20, 30);
	imgio_letterbox(&im, 416, 416, out, &lb);
	CHECK(lb.new_h == 416 && lb.new_w == 312 && lb.dx == 52 && lb.dy == 0);
	CHECK(out[0] == 0.5f && out[415] == 0.5f);
	CHECK(fabsf(out[52] - 10.0f / 255) < 1e-5f);
	CHECK(fabsf(out[416 * 416 + 415 * 416 + 52 + 311] - 20.0f / 255) <
	    1e-5f);
	imgio_free(&im);
	free(out);
}

static void
test_tiny(magic_t mc)
{
	struct img	 one, im, th;
	unsigned char	*jpg = NULL;
	size_t		 jn, k;
	float		*out;
	enum img_type	 t;
	int		 w, h, bad = 0;
	struct annot_box b = { 0, 0.5f, 0, 0, 1, 1 };
	struct letterbox lb;

	fill(&one, 1, 1, 10, 200, 30);
	CHECK(imgio_encode_jpeg(&one, 90, &jpg, &jn) == 0);
	if (jpg != NULL) {
		CHECK(imgcheck_sniff(mc, jpg, jn, &t, NULL, 0) == IMG_OK);
		CHECK(imgcheck_probe(jpg, jn, IMG_JPEG, NULL, &w, &h) ==
		    IMG_OK && w == 1 && h == 1);
		CHECK(imgio_decode(jpg, jn, IMG_JPEG, NULL, &im) == IMG_OK);
		CHECK(im.w == 1 && im.h == 1);
		if (im.rgb != NULL)
			CHECK(abs(im.rgb[1] - 200) < 12);
		imgio_free(&im);
		free(jpg);
	}
	out = malloc((size_t)416 * 416 * 3 * sizeof(*out));
	if (out == NULL)
		exit(99);
	imgio_letterbox(&one, 416, 416, out, &lb);
	CHECK(lb.new_w == 416 && lb.new_h == 416);
	for (k = 0; k < (size_t)416 * 416; k++)
		if (fabsf(out[416 * 416 + k] - 200.0f / 255) > 1e-5f)
			bad++;
	CHECK(bad == 0);
	free(out);
	CHECK(imgio_resize_fit(&one, 1, 1, &th) == 0 && th.w == 1);
	imgio_free(&th);
	annotate_draw(&one, &b, 1);
	imgio_free(&one);
}

/* ---- scaled decode, resize by factor, tiles ---------------------------- */

/* Live heap bytes (glibc), to see that failed decodes give back all. */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

static unsigned char
clamp255(int v)
{
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/*
 * Smooth ramps and soft blobs, roughly what a smear photo looks like;
 * noise (0: none) adds sensor-like grain of +-noise levels, which is what
 * makes a phone JPEG big and slow to entropy-decode.
 */
static void
smear_like(struct img *im, int w, int h, int noise)
{
	float		*sx, *cy;
	int		 x, y, c;
	unsigned	 st = 12345;

	fill(im, w, h, 0, 0, 0);
	sx = malloc((size_t)w * sizeof(*sx));
	cy = malloc((size_t)h * sizeof(*cy));
	if (sx == NULL || cy == NULL)
		exit(99);
	for (x = 0; x < w; x++)
		sx[x] = sinf(x / 23.0f);
	for (y = 0; y < h; y++)
		cy[y] = cosf(y / 17.0f);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned char *p = im->rgb + ((size_t)y * w + x) * 3;

			p[0] = (unsigned char)((long)x * 255 / (w - 1));
			p[1] = (unsigned char)((long)y * 255 / (h - 1));
			p[2] = (unsigned char)(128 + 90 * sx[x] * cy[y]);
			for (c = 0; noise && c < 3; c++) {
				st = st * 1103515245u + 12345u;
				p[c] = clamp255(p[c] + (int)((st >> 16) %
				    (2u * noise + 1)) - noise);
			}
		}
	free(sx);
	free(cy);
}

/* Mean absolute difference per sample; 1e9 when the sizes differ. */
static double
mad(const struct img *a, const struct img *b)
{
	size_t	 i, n;
	double	 s = 0;

	if (a->rgb == NULL || b->rgb == NULL || a->w != b->w || a->h != b->h)
		return 1e9;
	n = (size_t)a->w * a->h * 3;
	for (i = 0; i < n; i++)
		s += abs((int)a->rgb[i] - (int)b->rgb[i]);
	return s / n;
}

static double
img_mean(const struct img *im, int c)
{
	size_t	 i, n = (size_t)im->w * im->h;
	double	 s = 0;

	for (i = 0; i < n; i++)
		s += im->rgb[i * 3 + c];
	return s / n;
}

/* imgio_decode() then imgio_resize_factor(): what scaled decode matches. */
static enum img_err
decode_then_resize(const unsigned char *p, size_t n, enum img_type t,
    double f, struct img *out)
{
	struct img	 full;
	enum img_err	 e;

	memset(out, 0, sizeof(*out));
	if ((e = imgio_decode(p, n, t, NULL, &full)) != IMG_OK)
		return e;
	if (imgio_resize_factor(&full, f, out) == -1)
		e = IMG_ERR_NOMEM;
	imgio_free(&full);
	return e;
}

static void
test_decode_scaled(void)
{
	static const struct {
		double	 f;
		int	 w, h;
	} fs[] = {
		{ 1.0, 1000, 750 }, { 0.5, 500, 375 }, { 0.3, 300, 225 },
		{ 0.126, 126, 95 },	/* 750 * 0.126 = 94.5 rounds up */
	};
	struct img	 src, a, b;
	unsigned char	*jpg = NULL, *ex;
	size_t		 jn, exn, k;
	double		 d, t0, ts, tr;
	int		 o;

	smear_like(&src, 1000, 750, 0);
	CHECK(imgio_encode_jpeg(&src, 95, &jpg, &jn) == 0);
	imgio_free(&src);
	if (jpg == NULL)
		return;
	for (k = 0; k < sizeof(fs) / sizeof(fs[0]); k++) {
		t0 = timing_ms();
		CHECK(imgio_decode_scaled(jpg, jn, IMG_JPEG, NULL, fs[k].f,
		    &a) == IMG_OK);
		ts = timing_ms() - t0;
		t0 = timing_ms();
		CHECK(decode_then_resize(jpg, jn, IMG_JPEG, fs[k].f, &b) ==
		    IMG_OK);
		tr = timing_ms() - t0;
		CHECK(a.w == fs[k].w && a.h == fs[k].h);
		CHECK(b.w == fs[k].w && b.h == fs[k].h);
		d = mad(&a, &b);
		printf("  jpeg 1000x750 x %.3f -> %dx%d: mean abs diff %.3f "
		    "vs decode+resize (%.1f vs %.1f ms)\n", fs[k].f, a.w, a.h,
		    d, ts, tr);
		CHECK(d < 1.5);
		if (fs[k].f == 1.0)
			CHECK(d == 0);
		imgio_free(&a);
		imgio_free(&b);
	}
	/* Every orientation, applied to the small result. */
	for (o = 1; o <= 8; o++) {
		ex = hostile_exif_jpeg(jpg, jn, o, &exn);
		CHECK(ex != NULL);
		if (ex == NULL)
			continue;
		CHECK(imgio_decode_scaled(ex, exn, IMG_JPEG, NULL, 0.3, &a) ==
		    IMG_OK);
		CHECK(decode_then_resize(ex, exn, IMG_JPEG, 0.3, &b) ==
		    IMG_OK);
		CHECK(a.w == (o >= 5 ? 225 : 300) && a.h == (o >= 5 ? 300 :
		    225));
		d = mad(&a, &b);
		if (d >= 1.5)
			fprintf(stderr, "  orientation %d scaled: diff %.2f\n",
			    o, d);
		CHECK(d < 1.5);
		imgio_free(&a);
		imgio_free(&b);
		free(ex);
	}
	free(jpg);
}

static void
test_decode_scaled_exif(void)
{
	struct img	 src, im;
	unsigned char	*jpg = NULL, *ex;
	size_t		 exn, jn;
	int		 o;

	/* test_exif's picture at 4x, decoded at 1/4: the same positions. */
	fill(&src, 256, 128, 128, 128, 128);
	rect(&src, 0, 0, 64, 64, 255, 0, 0);
	rect(&src, 128, 64, 192, 128, 0, 0, 255);
	CHECK(imgio_encode_jpeg(&src, 95, &jpg, &jn) == 0);
	imgio_free(&src);
	if (jpg == NULL)
		return;
	for (o = 1; o <= 8; o++) {
		ex = hostile_exif_jpeg(jpg, jn, o, &exn);
		if (ex == NULL ||
		    imgio_decode_scaled(ex, exn, IMG_JPEG, NULL, 0.25, &im) !=
		    IMG_OK) {
			CHECK(!"exif scaled decode");
			free(ex);
			continue;
		}
		CHECK(im.w == (o >= 5 ? 32 : 64) && im.h == (o >= 5 ? 64 : 32));
		CHECK(is_red(px(&im, exif_want[o][0], exif_want[o][1])));
		CHECK(is_blue(px(&im, exif_want[o][2], exif_want[o][3])));
		imgio_free(&im);
		free(ex);
	}
	free(jpg);
}

static void
test_decode_scaled_png(void)
{
	static const struct {
		int	 ctype, depth, ilace;
		const char *name;
	} v[] = {
		{ PNG_COLOR_TYPE_RGB, 8, 0, "rgb8" },
		{ PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, "rgba8" },
		{ PNG_COLOR_TYPE_GRAY, 16, 0, "gray16" },
		{ PNG_COLOR_TYPE_PALETTE, 8, 1, "palette interlaced" },
		{ PNG_COLOR_TYPE_RGB, 16, 1, "rgb16 interlaced" },
	};
	static const double fs[] = { 0.5, 0.3, 0.126 };
	struct img	 a, b;
	unsigned char	*p;
	size_t		 n, i, k;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p = hostile_png(301, 203, v[i].ctype, v[i].depth, v[i].ilace,
		    &n);
		CHECK(p != NULL);
		if (p == NULL)
			continue;
		/* Lossless input, one resampler: equal to the byte. */
		for (k = 0; k < sizeof(fs) / sizeof(fs[0]); k++) {
			CHECK(imgio_decode_scaled(p, n, IMG_PNG, NULL, fs[k],
			    &a) == IMG_OK);
			CHECK(decode_then_resize(p, n, IMG_PNG, fs[k], &b) ==
			    IMG_OK);
			CHECK(a.w == (int)(301 * fs[k] + 0.5) &&
			    a.h == (int)(203 * fs[k] + 0.5));
			if (mad(&a, &b) != 0)
				fprintf(stderr, "  png %s x %.3f: diff %.3f\n",
				    v[i].name, fs[k], mad(&a, &b));
			CHECK(mad(&a, &b) == 0);
			imgio_free(&a);
			imgio_free(&b);
		}
		CHECK(imgio_decode_scaled(p, n, IMG_PNG, NULL, 1.0, &a) ==
		    IMG_OK);
		CHECK(imgio_decode(p, n, IMG_PNG, NULL, &b) == IMG_OK);
		CHECK(mad(&a, &b) == 0);
		imgio_free(&a);
		imgio_free(&b);
		free(p);
	}
	printf("  png rgb8, rgba8, gray16 streamed, interlaced decoded "
	    "full: equal to decode+resize\n");
}

static void
test_decode_scaled_bad(void)
{
	static const double bad[] = { 0.0, -0.5, 1.0001, 2.0, NAN, INFINITY };
	struct img_limits lim;
	struct img	 src, im;
	unsigned char	*jpg = NULL, *png, *ipng, *hj, *hp;
	size_t		 jn, pn, ipn, hjn, hpn, cut, heap0, k;
	int		 pct, bad_cuts = 0;

	smear_like(&src, 1000, 750, 0);
	CHECK(imgio_encode_jpeg(&src, 90, &jpg, &jn) == 0);
	imgio_free(&src);
	png = hostile_png(256, 256, PNG_COLOR_TYPE_RGB, 8, 0, &pn);
	ipng = hostile_png(256, 256, PNG_COLOR_TYPE_RGB, 8, 1, &ipn);
	hj = hostile_jpeg_claim(65500, 65500, &hjn);
	hp = hostile_png_claim(100000, 100000, &hpn);
	CHECK(jpg && png && ipng && hj && hp);
	if (!(jpg && png && ipng && hj && hp))
		goto out;

	/* Every cut, every format and path: an error, out zeroed, no leak. */
	heap0 = heap_in_use();
	for (pct = 0; pct < 100; pct += 5) {
		cut = jn * pct / 100;
		if (imgio_decode_scaled(jpg, cut, IMG_JPEG, NULL, 0.3, &im) !=
		    IMG_ERR_CORRUPT || im.rgb != NULL || im.w != 0)
			bad_cuts++;
		if (imgio_decode_scaled(jpg, cut, IMG_JPEG, NULL, 0.126,
		    &im) != IMG_ERR_CORRUPT || im.rgb != NULL)
			bad_cuts++;
		cut = pn * pct / 100;
		if (imgio_decode_scaled(png, cut, IMG_PNG, NULL, 0.3, &im) !=
		    IMG_ERR_CORRUPT || im.rgb != NULL || im.w != 0)
			bad_cuts++;
		cut = ipn * pct / 100;
		if (imgio_decode_scaled(ipng, cut, IMG_PNG, NULL, 0.3, &im) !=
		    IMG_ERR_CORRUPT || im.rgb != NULL || im.w != 0)
			bad_cuts++;
	}
	CHECK(bad_cuts == 0);
	CHECK(imgio_decode_scaled(hj, hjn, IMG_JPEG, NULL, 0.1, &im) ==
	    IMG_ERR_PIXELS && im.rgb == NULL);
	CHECK(imgio_decode_scaled(hp, hpn, IMG_PNG, NULL, 0.1, &im) ==
	    IMG_ERR_PIXELS && im.rgb == NULL);
	CHECK(imgio_decode_scaled(png, pn, IMG_NONE, NULL, 0.5, &im) ==
	    IMG_ERR_TYPE);
	CHECK(imgio_decode_scaled(NULL, 10, IMG_JPEG, NULL, 0.5, &im) ==
	    IMG_ERR_CORRUPT);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		im.w = 1;
		CHECK(imgio_decode_scaled(jpg, jn, IMG_JPEG, NULL, bad[k],
		    &im) == IMG_ERR_NOMEM && im.rgb == NULL && im.w == 0);
	}
	/* The header meets the limits even when the output would fit. */
	img_limits_default(&lim);
	lim.max_pixels = 1000L * 750 - 1;
	CHECK(imgio_decode_scaled(jpg, jn, IMG_JPEG, &lim, 0.3, &im) ==
	    IMG_ERR_PIXELS && im.rgb == NULL);
	lim.max_pixels = 1000L * 750;
	lim.max_side = 999;
	CHECK(imgio_decode_scaled(jpg, jn, IMG_JPEG, &lim, 0.3, &im) ==
	    IMG_ERR_PIXELS && im.rgb == NULL);
	lim.max_side = 1000;
	CHECK(imgio_decode_scaled(jpg, jn, IMG_JPEG, &lim, 0.3, &im) ==
	    IMG_OK);
	imgio_free(&im);
	/* Garbage after a valid header. */
	memset(jpg + 400, 0x55, jn - 400);
	CHECK(imgio_decode_scaled(jpg, jn, IMG_JPEG, NULL, 0.3, &im) ==
	    IMG_ERR_CORRUPT && im.rgb == NULL);
	CHECK(heap_in_use() == heap0);
	if (heap_in_use() != heap0)
		fprintf(stderr, "  heap %zu -> %zu bytes\n", heap0,
		    heap_in_use());
out:
	free(jpg);
	free(png);
	free(ipng);
	free(hj);
	free(hp);
}

static void
test_resize_factor(void)
{
	static const double fs[] = { 0.05, 0.126, 0.3, 0.5, 0.77, 1.0, 1.5,
	    2.5, 4.0 };
	static const double bad[] = { 0.0, -1.0, 4.01, NAN, INFINITY };
	struct img	 k1, k8, cst, r, d;
	size_t		 i, n, j;
	int		 x, y, off;
	double		 m, want;

	fill(&cst, 37, 23, 10, 200, 30);
	fill(&k1, 100, 80, 0, 0, 0);
	fill(&k8, 96, 64, 0, 0, 0);
	for (y = 0; y < 80; y++)
		for (x = 0; x < 100; x++)
			memset(k1.rgb + ((size_t)y * 100 + x) * 3,
			    (x + y) % 2 ? 255 : 0, 3);
	for (y = 0; y < 64; y++)
		for (x = 0; x < 96; x++)
			memset(k8.rgb + ((size_t)y * 96 + x) * 3,
			    (x / 8 + y / 8) % 2 ? 255 : 0, 3);
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		/* Constant stays constant, sizes are round(n * f). */
		CHECK(imgio_resize_factor(&cst, fs[i], &r) == 0);
		CHECK(r.w == (int)(37 * fs[i] + 0.5 < 1 ? 1 :
		    37 * fs[i] + 0.5));
		CHECK(r.h == (int)(23 * fs[i] + 0.5 < 1 ? 1 :
		    23 * fs[i] + 0.5));
		off = 0;
		for (j = 0; r.rgb != NULL && j < (size_t)r.w * r.h; j++)
			if (r.rgb[j * 3] != 10 || r.rgb[j * 3 + 1] != 200 ||
			    r.rgb[j * 3 + 2] != 30)
				off++;
		CHECK(r.rgb != NULL && off == 0);
		imgio_free(&r);
		/* Checkerboards keep their mean (bilinear: edges aside). */
		CHECK(imgio_resize_factor(&k1, fs[i], &r) == 0);
		if (r.rgb != NULL) {
			m = img_mean(&r, 1);
			if (fabs(m - 127.5) > (fs[i] > 1 ? 2.0 : 1.0))
				fprintf(stderr, "  checker1 x %.3f: mean %.2f\n",
				    fs[i], m);
			CHECK(fabs(m - 127.5) <= (fs[i] > 1 ? 2.0 : 1.0));
		}
		imgio_free(&r);
		CHECK(imgio_resize_factor(&k8, fs[i], &r) == 0);
		if (r.rgb != NULL) {
			m = img_mean(&r, 0);
			if (fabs(m - 127.5) > 2.0)
				fprintf(stderr, "  checker8 x %.3f: mean %.2f\n",
				    fs[i], m);
			CHECK(fabs(m - 127.5) <= 2.0);
		}
		imgio_free(&r);
	}
	/* 1x1 to 4x4 and back; factor 1 is a copy. */
	fill(&d, 1, 1, 9, 8, 7);
	CHECK(imgio_resize_factor(&d, 4.0, &r) == 0 && r.w == 4 && r.h == 4 &&
	    r.rgb[15 * 3 + 2] == 7);
	imgio_free(&r);
	imgio_free(&d);
	CHECK(imgio_resize_factor(&k8, 1.0, &r) == 0 &&
	    memcmp(r.rgb, k8.rgb, (size_t)96 * 64 * 3) == 0);
	imgio_free(&r);
	/* Enlarging: bilinear with pixel centres aligned, edges clamped. */
	fill(&d, 64, 4, 0, 0, 0);
	for (y = 0; y < 4; y++)
		for (x = 0; x < 64; x++)
			d.rgb[((size_t)y * 64 + x) * 3] = (unsigned char)(x * 4);
	CHECK(imgio_resize_factor(&d, 2.5, &r) == 0 && r.w == 160);
	off = 0;
	for (x = 0; r.rgb != NULL && x < r.w; x++) {
		want = (x + 0.5) / 2.5 - 0.5;
		want = 4 * (want < 0 ? 0 : want > 63 ? 63 : want);
		if (fabs(px(&r, x, 5)[0] - want) > 0.51)
			off++;
	}
	CHECK(off == 0);
	imgio_free(&r);
	imgio_free(&d);
	/* Shrinking: each output averages exactly the source it covers. */
	fill(&d, 1000, 3, 0, 0, 0);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 1000; x++)
			d.rgb[((size_t)y * 1000 + x) * 3] =
			    (unsigned char)(x * 255 / 999);
	CHECK(imgio_resize_factor(&d, 0.3, &r) == 0 && r.w == 300 && r.h == 1);
	off = 0;
	for (x = 0; r.rgb != NULL && x < r.w; x++) {
		double s = 0, lo = x / 0.3, hi = (x + 1) / 0.3;
		int sx;

		if (x == r.w - 1)
			hi = 1000;
		for (sx = (int)lo; sx < 1000 && sx < hi; sx++)
			s += ((sx + 1 < hi ? sx + 1 : hi) -
			    (sx > lo ? sx : lo)) * (sx * 255 / 999);
		if (fabs(px(&r, x, 0)[0] - s / (hi - lo)) > 0.51)
			off++;
	}
	CHECK(off == 0);
	imgio_free(&r);
	imgio_free(&d);
	for (n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		r.w = 5;
		CHECK(imgio_resize_factor(&k8, bad[n], &r) == -1 &&
		    r.rgb == NULL && r.w == 0);
	}
	CHECK(imgio_resize_factor(NULL, 0.5, &r) == -1);
	imgio_free(&cst);
	imgio_free(&k1);
	imgio_free(&k8);
}

static void
test_tile_planar(void)
{
	static const int tiles[][4] = {
		{ -3, 5, 8, 6 },	/* hangs off the left and bottom */
		{ 2, 1, 4, 4 },		/* inside */
		{ 6, -2, 9, 13 },	/* off the top, right and bottom */
		{ 20, 20, 3, 3 },	/* wholly outside */
		{ -100, -100, 3, 2 },
	};
	struct img	 im;
	float		 out[3 * 9 * 13], want;
	size_t		 t, plane;
	int		 x, y, c, bad = 0;

	fill(&im, 10, 8, 0, 0, 7);
	for (y = 0; y < 8; y++)
		for (x = 0; x < 10; x++) {
			im.rgb[((size_t)y * 10 + x) * 3] = (unsigned char)(x * 20);
			im.rgb[((size_t)y * 10 + x) * 3 + 1] =
			    (unsigned char)(y * 30);
		}
	for (t = 0; t < sizeof(tiles) / sizeof(tiles[0]); t++) {
		int tx = tiles[t][0], ty = tiles[t][1];
		int ow = tiles[t][2], oh = tiles[t][3];

		plane = (size_t)ow * oh;
		imgio_tile_planar(&im, tx, ty, ow, oh, out);
		for (c = 0; c < 3; c++)
			for (y = 0; y < oh; y++)
				for (x = 0; x < ow; x++) {
					int sx = tx + x, sy = ty + y;

					if (sx < 0 || sy < 0 || sx >= 10 ||
					    sy >= 8)
						want = 0.5f;
					else
						want = px(&im, sx, sy)[c] /
						    255.0f;
					if (out[c * plane + (size_t)y * ow + x] !=
					    want)
						bad++;
				}
	}
	CHECK(bad == 0);
	imgio_tile_planar(NULL, 0, 0, 4, 4, out);
	for (x = 0; x < 3 * 16; x++)
		if (out[x] != 0.5f)
			bad++;
	/* Far-off origins must not overflow into the image. */
	imgio_tile_planar(&im, INT_MIN, 0, 3, 2, out);
	for (x = 0; x < 3 * 6; x++)
		if (out[x] != 0.5f)
			bad++;
	imgio_tile_planar(&im, INT_MAX - 1, 0, 3, 2, out);
	for (x = 0; x < 3 * 6; x++)
		if (out[x] != 0.5f)
			bad++;
	CHECK(bad == 0);
	imgio_free(&im);
}

/* ---- 48 MP: time and memory, printed for the record -------------------- */

/* A /proc/self/status field in kB; -1 when unreadable. */
static long
proc_kb(const char *key)
{
	FILE	*f;
	char	 line[256];
	long	 v = -1;
	size_t	 n = strlen(key);

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * Decode in a child so that its peak RSS (VmHWM, which starts at the
 * inherited RSS) measures this decode alone.  Exits 0 when the size came
 * out as expected.
 */
static int
measure(const char *what, const unsigned char *p, size_t n,
    const struct img_limits *lim, double f, int ew, int eh)
{
	struct img	 im;
	enum img_err	 e;
	pid_t		 pid;
	long		 rss0, hwm;
	double		 t0, ms;
	int		 st;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		WATCH_RESET();
		rss0 = proc_kb("VmRSS");
		t0 = timing_ms();
		e = imgio_decode_scaled(p, n, IMG_JPEG, lim, f, &im);
		ms = timing_ms() - t0;
		hwm = proc_kb("VmHWM");
		printf("  %-30s %5d x %-5d %7.0f ms, peak RSS +%4ld MB, largest "
		    "malloc %5.1f MB%s\n", what, im.w, im.h, ms,
		    (hwm - rss0) / 1024, alloc_max / 1048576.0, WATCHING ? "" :
		    " (not watched)");
		fflush(stdout);
		_exit(e == IMG_OK && im.w == ew && im.h == eh ? 0 : 1);
	}
	if (waitpid(pid, &st, 0) == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_48mp(void)
{
	struct img_limits lim;
	struct img	 src, im;
	unsigned char	*jpg = NULL, *ex = NULL, *pj = NULL;
	size_t		 jn, exn, pn;
	double		 t0;

	/* 8064 x 6048 = 48.8 Mpixel: over today's default limits. */
	lim.max_side = 8192;
	lim.max_pixels = 50000000L;
	smear_like(&src, 8064, 6048, 6);
	t0 = timing_ms();
	CHECK(imgio_encode_jpeg(&src, 90, &jpg, &jn) == 0);
	imgio_free(&src);
	if (jpg == NULL)
		return;
	printf("  8064x6048 q90 baseline JPEG: %.1f MB, encoded in %.0f ms\n",
	    jn / 1048576.0, timing_ms() - t0);
	printf("  default limits: %s; with max_side 8192, max_pixels "
	    "50000000:\n", img_strerror(imgio_decode_scaled(jpg, jn,
	    IMG_JPEG, NULL, 0.25, &im)));
	imgio_free(&im);
	CHECK(measure("full decode (factor 1)", jpg, jn, &lim, 1.0, 8064,
	    6048) == 0);
	CHECK(measure("decode_scaled 0.5 (DCT 4/8)", jpg, jn, &lim, 0.5,
	    4032, 3024) == 0);
	CHECK(measure("decode_scaled 0.25 (DCT 2/8)", jpg, jn, &lim, 0.25,
	    2016, 1512) == 0);
	CHECK(measure("decode_scaled 0.2 (DCT 2/8)", jpg, jn, &lim, 0.2,
	    1613, 1210) == 0);
	ex = hostile_exif_jpeg(jpg, jn, 6, &exn);
	if (ex != NULL)
		CHECK(measure("decode_scaled 0.25, EXIF 6", ex, exn, &lim, 0.25,
		    1512, 2016) == 0);
	/* Progressive: libjpeg keeps every coefficient at full size. */
	t0 = timing_ms();
	pj = hostile_jpeg_ex(8064, 6048, HOSTILE_JPEG_PROGRESSIVE, &pn);
	if (pj != NULL) {
		printf("  8064x6048 progressive JPEG: %.1f MB, encoded in %.0f "
		    "ms\n", pn / 1048576.0, timing_ms() - t0);
		CHECK(measure("progressive, scaled 0.25", pj, pn, &lim, 0.25,
		    2016, 1512) == 0);
	}
	free(pj);
	free(ex);
	free(jpg);
}

/* ---- annotate ---------------------------------------------------------- */

static void
test_annotate(void)
{
	struct annot_box bx[] = {
		{ 0, 0.93f, 10, 20, 50, 40 },
		{ 1, 0.5f, 60, 60, 30, 30 },
		{ 2, 1.0f, 90, 0, 40, 10 },	/* partly outside */
		{ 7, 0.2f, -50, -50, 20, 20 },	/* wholly outside */
	};
	struct annot_box junk[] = {
		{ 0, NAN, NAN, 0, 10, 10 },
		{ 0, 0.5f, 0, 0, INFINITY, 10 },
		{ 1, 0.5f, 20, 20, -5, 10 },
		{ 2, 0.5f, 1e30f, 1e30f, 10, 10 },
	};
	unsigned char	 rgb[3], col[3][3], *copy;
	struct img	 im;
	int		 i, j, tagpix;

	for (i = 0; i < 3; i++)
		CHECK(annotate_class_color(i, col[i]) == 0);
	CHECK(annotate_class_color(3, rgb) == -1);
	CHECK(annotate_class_color(-1, rgb) == -1);
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			CHECK(abs(col[i][0] - col[j][0]) +
			    abs(col[i][1] - col[j][1]) +
			    abs(col[i][2] - col[j][2]) > 150);

	fill(&im, 100, 100, 128, 128, 128);
	copy = malloc(100 * 100 * 3);
	if (copy == NULL)
		exit(99);
	memcpy(copy, im.rgb, 100 * 100 * 3);
	annotate_draw(&im, junk, sizeof(junk) / sizeof(junk[0]));
	CHECK(memcmp(copy, im.rgb, 100 * 100 * 3) == 0);

	annotate_draw(&im, bx, sizeof(bx) / sizeof(bx[0]));
	/* Box 0: outline corners in RBC colour, interior untouched. */
	CHECK(memcmp(px(&im, 10, 20), col[0], 3) == 0);
	CHECK(memcmp(px(&im, 59, 59), col[0], 3) == 0);
	CHECK(memcmp(px(&im, 35, 40), copy, 3) == 0);
	CHECK(memcmp(px(&im, 9, 40), copy, 3) == 0);	/* outside left */
	CHECK(memcmp(px(&im, 75, 89), col[1], 3) == 0);
	CHECK(memcmp(px(&im, 99, 5), col[2], 3) == 0);
	/* Box 0's tag sits above it: class colour plus text pixels. */
	tagpix = 0;
	for (j = 11; j < 20; j++)
		for (i = 10; i < 40; i++)
			if (memcmp(px(&im, i, j), col[0], 3) == 0)
				tagpix++;
	CHECK(tagpix > 100 && tagpix < 30 * 9);
	free(copy);
	imgio_free(&im);
	annotate_draw(NULL, bx, 1);
}

/* ---- hostile files end to end, and the dataset ------------------------- */

static void
refuse_timing(magic_t mc, const char *name, unsigned char *p, size_t n,
    enum img_err want)
{
	struct img	 im;
	enum img_type	 t = IMG_NONE;
	enum img_err	 e;
	const char	*stage = "sniff";
	double		 t0, ms;
	int		 w, h;

	if (p == NULL) {
		CHECK(p != NULL);
		return;
	}
	t0 = timing_ms();
	e = imgcheck_sniff(mc, p, n, &t, NULL, 0);
	if (e == IMG_OK) {
		stage = "probe";
		e = imgcheck_probe(p, n, t, NULL, &w, &h);
	}
	if (e == IMG_OK) {
		stage = "decode";
		e = imgio_decode(p, n, t, NULL, &im);
		imgio_free(&im);
	}
	ms = timing_ms() - t0;
	printf("  %-22s -> %-8s at %-6s in %8.3f ms\n", name,
	    e == IMG_OK ? "accepted" : e == IMG_ERR_TYPE ? "415" :
	    e == IMG_ERR_PIXELS ? "422 px" : e == IMG_ERR_CORRUPT ?
	    "422" : "500", stage, ms);
	CHECK(e == want);
	free(p);
}

static void
test_hostile(magic_t mc)
{
	unsigned char	*ok, *src, *orig;
	size_t		 okn, sn, n;

	ok = hostile_jpeg(64, 48, &okn);
	if (ok == NULL) {
		CHECK(ok != NULL);
		return;
	}
	printf("  end-to-end (sniff -> probe -> decode):\n");
	/* Build first: argument evaluation order is unspecified. */
#define RT(name, expr, want) do {					\
		n = 0;							\
		src = (expr);						\
		refuse_timing(mc, (name), src, n, (want));		\
	} while (0)
	RT("ok.jpg", hostile_truncate(ok, okn, &n), IMG_OK);
	RT("ok.png", hostile_png(64, 48, PNG_COLOR_TYPE_RGB, 8, 0, &n),
	    IMG_OK);
	RT("jpeg-html-comment.jpg", hostile_jpeg_comment(ok, okn,
	    hostile_html, &n), IMG_OK);
	RT("huge.png", hostile_png_claim(100000, 100000, &n), IMG_ERR_PIXELS);
	RT("huge.jpg", hostile_jpeg_claim(65500, 65500, &n), IMG_ERR_PIXELS);
	RT("progressive-scans.jpg", hostile_progressive(4096, 2000, &n),
	    IMG_ERR_CORRUPT);
	orig = hostile_jpeg(256, 256, &sn);
	RT("truncated.jpg", orig ? hostile_truncate(orig, sn * 6 / 10, &n) :
	    NULL, IMG_ERR_CORRUPT);
	free(orig);
	orig = hostile_png(256, 256, PNG_COLOR_TYPE_RGB, 8, 0, &sn);
	RT("truncated.png", orig ? hostile_truncate(orig, sn * 6 / 10, &n) :
	    NULL, IMG_ERR_CORRUPT);
	free(orig);
	RT("polyglot-html.jpg", hostile_concat(hostile_html, ok, okn, &n),
	    IMG_ERR_TYPE);
	RT("image.svg.jpg", hostile_text(hostile_svg, &n), IMG_ERR_TYPE);
	RT("doc.pdf.jpg", hostile_text(hostile_pdf, &n), IMG_ERR_TYPE);
	RT("elf.jpg", hostile_elf(&n), IMG_ERR_TYPE);
	RT("text.jpg", hostile_text(hostile_txt, &n), IMG_ERR_TYPE);
	RT("tiny1x1.jpg", hostile_jpeg(1, 1, &n), IMG_OK);
#undef RT
	free(ok);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*p = NULL;
	long		 sz;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)sz)) != NULL &&
	    fread(p, 1, (size_t)sz, f) != (size_t)sz) {
		free(p);
		p = NULL;
	}
	if (p != NULL)
		*len = (size_t)sz;
	fclose(f);
	return p;
}

static void
test_bccd(magic_t mc)
{
	const char	*ds = getenv("BV_DATASET");
	char		 path[4096];
	unsigned char	*p, *jpg = NULL;
	size_t		 n, jn;
	struct img	 im;
	enum img_type	 t;
	int		 w, h, k, iters = 20;
	double		 t0, ms;
	float		*out;
	struct letterbox lb;

	if (ds == NULL || *ds == '\0') {
		printf("  BCCD part skipped: BV_DATASET not set\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/BCCD/JPEGImages/BloodImage_00001.jpg",
	    ds);
	if ((p = slurp(path, &n)) == NULL) {
		printf("  BCCD part skipped: cannot read %s\n", path);
		return;
	}
	CHECK(imgcheck_sniff(mc, p, n, &t, NULL, 0) == IMG_OK && t == IMG_JPEG);
	CHECK(imgcheck_probe(p, n, IMG_JPEG, NULL, &w, &h) == IMG_OK);
	CHECK(w == 640 && h == 480);
	CHECK(imgio_decode(p, n, IMG_JPEG, NULL, &im) == IMG_OK);
	CHECK(im.w == 640 && im.h == 480);
	imgio_free(&im);
	t0 = timing_ms();
	for (k = 0; k < iters; k++) {
		imgio_decode(p, n, IMG_JPEG, NULL, &im);
		imgio_free(&im);
	}
	ms = (timing_ms() - t0) / iters;
	printf("  BCCD BloodImage_00001.jpg (%zu bytes): decode 640x480 in "
	    "%.2f ms\n", n, ms);
	CHECK(imgio_decode(p, n, IMG_JPEG, NULL, &im) == IMG_OK);
	if ((out = malloc((size_t)416 * 416 * 3 * sizeof(*out))) != NULL) {
		t0 = timing_ms();
		imgio_letterbox(&im, 416, 416, out, &lb);
		printf("  letterbox 640x480 -> 416: %.2f ms\n", timing_ms() - t0);
		free(out);
	}
	t0 = timing_ms();
	CHECK(imgio_encode_jpeg(&im, 90, &jpg, &jn) == 0);
	printf("  encode 640x480 q90: %.2f ms, %zu bytes\n", timing_ms() - t0, jn);
	free(jpg);
	imgio_free(&im);
	free(p);
}

int
main(void)
{
	magic_t mc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((mc = magic_open(MAGIC_MIME_TYPE)) == NULL ||
	    magic_load(mc, NULL) != 0) {
		fprintf(stderr, "test_image: cannot load the magic database\n");
		return 99;
	}
	printf("sniff\n");
	test_sniff(mc);
	printf("probe\n");
	test_probe();
	printf("truncated\n");
	test_truncated();
	printf("exif\n");
	test_exif();
	printf("png variants\n");
	test_png_variants();
	printf("jpeg variants\n");
	test_jpeg_variants();
	printf("progressive\n");
	test_progressive();
	printf("roundtrip\n");
	test_roundtrip(mc);
	printf("letterbox\n");
	test_letterbox();
	printf("tiny\n");
	test_tiny(mc);
	printf("decode scaled\n");
	test_decode_scaled();
	test_decode_scaled_exif();
	test_decode_scaled_png();
	test_decode_scaled_bad();
	printf("resize by factor\n");
	test_resize_factor();
	printf("tile planar\n");
	test_tile_planar();
	printf("48 MP\n");
	test_48mp();
	printf("annotate\n");
	test_annotate();
	printf("hostile\n");
	test_hostile(mc);
	printf("bccd\n");
	test_bccd(mc);
	magic_close(mc);
	if (failures) {
		fprintf(stderr, "test_image: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_image: all passed\n");
	return 0;
}
