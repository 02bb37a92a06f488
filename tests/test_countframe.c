/* test_countframe.c: unit tests for the unbiased counting frame */
/*
 * Synthetic boxes on each edge and corner of the frame, across the
 * exclusion lines' extensions, a rectangular field, a field stop inside
 * the photo and one the photo clips, a field too small for a frame, and
 * the property that makes the frame unbiased: frames tiling the plane
 * count every box exactly once.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vision/countframe.h"
#include "vision/annotate.h"
#include <stdlib.h>
#include "check.h"

static void
rect_fov(struct fov *f, int w, int h, double x, double y, double fw,
    double fh)
{
	memset(f, 0, sizeof(*f));
	f->shape = FOV_RECT;
	f->img_w = w;
	f->img_h = h;
	f->x = x;
	f->y = y;
	f->w = fw;
	f->h = fh;
	f->area_px = fw * fh;
}

static void
circle_fov(struct fov *f, int w, int h, double cx, double cy, double r)
{
	memset(f, 0, sizeof(*f));
	f->shape = FOV_CIRCLE;
	f->img_w = w;
	f->img_h = h;
	f->cx = cx;
	f->cy = cy;
	f->r = r;
	f->area_px = fov_circle_rect_area(cx, cy, r, w, h);
}

/* A 20 x 20 box with its top-left corner at (x, y). */
static int
box20(const struct countframe *cf, double x, double y)
{
	return countframe_counts(cf, x, y, x + 20, y + 20);
}

static void
test_rect(void)
{
	struct fov		 f;
	struct countframe	 cf;

	rect_fov(&f, 640, 480, 0, 0, 640, 480);
	countframe_make(&f, 50, &cf);
	CHECK(cf.valid);
	CHECK(cf.basis == COUNTFRAME_RECT);
	CHECK(cf.x0 == 50 && cf.y0 == 50 && cf.x1 == 590 && cf.y1 == 430);
	CHECK(cf.area_px == 540.0 * 380.0);

	/* inside */
	CHECK(box20(&cf, 300, 200) == 1);
	/* each edge: crossing it, touching it from outside, just outside */
	CHECK(box20(&cf, 300, 40) == 1);	/* top: inclusion */
	CHECK(box20(&cf, 300, 30) == 1);	/* touches the top from above */
	CHECK(box20(&cf, 300, 29) == 0);	/* just above: misses */
	CHECK(box20(&cf, 40, 200) == 1);	/* left: inclusion */
	CHECK(box20(&cf, 30, 200) == 1);	/* touches the left edge */
	CHECK(box20(&cf, 29, 200) == 0);
	CHECK(box20(&cf, 580, 200) == 0);	/* right: exclusion */
	CHECK(box20(&cf, 570, 200) == 0);	/* touches the right edge */
	CHECK(box20(&cf, 569, 200) == 1);	/* just inside */
	CHECK(box20(&cf, 591, 200) == 0);	/* beyond it */
	CHECK(box20(&cf, 300, 420) == 0);	/* bottom: exclusion */
	CHECK(box20(&cf, 300, 410) == 0);	/* touches the bottom edge */
	CHECK(box20(&cf, 300, 409) == 1);
	/* corners */
	CHECK(box20(&cf, 40, 40) == 1);		/* top-left: both inclusion */
	CHECK(box20(&cf, 580, 40) == 0);	/* top-right */
	CHECK(box20(&cf, 40, 420) == 0);	/* bottom-left */
	CHECK(box20(&cf, 580, 420) == 0);	/* bottom-right */
	CHECK(box20(&cf, 30, 30) == 1);		/* touches the corner point */
	CHECK(box20(&cf, 590, 430) == 0);	/* touches it from outside */
}

/*
 * The exclusion lines go on beyond the frame: the right line up to the
 * top of the photo, the bottom line left to its left side.  A box that
 * meets the frame only on an inclusion edge and crosses an extension is
 * not counted; one that crosses the other way (the top or left line
 * extended) is.
 */
static void
test_extensions(void)
{
	struct fov		 f;
	struct countframe	 cf;

	rect_fov(&f, 640, 480, 0, 0, 640, 480);
	countframe_make(&f, 50, &cf);
	/* on the top edge, straddling the right line's extension */
	CHECK(countframe_counts(&cf, 580, 10, 600, 50) == 0);
	CHECK(countframe_counts(&cf, 560, 10, 589, 50) == 1);
	/* on the left edge, straddling the bottom line's extension */
	CHECK(countframe_counts(&cf, 10, 420, 50, 440) == 0);
	CHECK(countframe_counts(&cf, 10, 400, 50, 429) == 1);
	/* long thin boxes: across the top line's extension, right of frame */
	CHECK(countframe_counts(&cf, 595, 10, 620, 100) == 0);
	/* across the left line's extension below the frame */
	CHECK(countframe_counts(&cf, 10, 435, 100, 470) == 0);
	/* a box crossing the top-left corner region counts */
	CHECK(countframe_counts(&cf, 0, 0, 60, 60) == 1);
	/* a box bigger than the frame touches the exclusion lines */
	CHECK(countframe_counts(&cf, 0, 0, 640, 480) == 0);
	/* degenerate and reversed boxes never count */
	CHECK(countframe_counts(&cf, 300, 200, 290, 210) == 0);
	CHECK(countframe_counts(&cf, NAN, 200, 310, 210) == 0);
}

/* A field stop: the square inscribed in the disc moved in by inset. */
static void
test_circle(void)
{
	struct fov		 f;
	struct countframe	 cf;
	double			 d;

	circle_fov(&f, 640, 480, 320, 240, 200);
	countframe_make(&f, 40, &cf);
	CHECK(cf.valid);
	CHECK(cf.basis == COUNTFRAME_CIRCLE);
	/* half-side (200 - 40) / sqrt 2 = 113.137, corners rounded inward */
	CHECK(cf.x0 == 207 && cf.x1 == 433 && cf.y0 == 127 && cf.y1 == 353);
	CHECK(cf.area_px == 226.0 * 226.0);
	/* every corner lies inside the field stop, at least inset from it */
	d = hypot(cf.x1 - 320, cf.y1 - 240);
	CHECK(d <= 160);
	d = hypot(cf.x0 - 320, cf.y0 - 240);
	CHECK(d <= 160);
	CHECK(box20(&cf, 300, 200) == 1);
	CHECK(box20(&cf, 197, 200) == 1);	/* on the left edge */
	CHECK(box20(&cf, 430, 200) == 0);	/* on the right edge */

	/* a stop the photo clips: the inset photo bounds top and bottom */
	circle_fov(&f, 640, 480, 320, 240, 400);
	countframe_make(&f, 40, &cf);
	CHECK(cf.valid);
	CHECK(cf.basis == COUNTFRAME_CIRCLE);
	CHECK(cf.x0 == 66 && cf.x1 == 574 && cf.y0 == 40 && cf.y1 == 440);
	CHECK(cf.area_px == 508.0 * 400.0);

	/* an off-centre stop cut by the left side */
	circle_fov(&f, 640, 480, 100, 240, 250);
	countframe_make(&f, 40, &cf);
	CHECK(cf.valid);
	CHECK(cf.x0 == 40);
	CHECK(cf.x1 == floor(100 + 210 / sqrt(2.0)));
}

static void
test_small(void)
{
	struct fov		 f;
	struct countframe	 cf;

	/* lit band 140 px wide: 140 - 2 x 50 = 40 < 2 x 50 */
	rect_fov(&f, 640, 480, 250, 0, 140, 480);
	countframe_make(&f, 50, &cf);
	CHECK(!cf.valid);
	CHECK(cf.area_px == 0);
	CHECK(countframe_counts(&cf, 300, 200, 310, 210) == 0);
	/* a dark-banded field: the lit rectangle, moved in */
	rect_fov(&f, 640, 480, 100, 0, 440, 480);
	countframe_make(&f, 50, &cf);
	CHECK(cf.valid && cf.x0 == 150 && cf.x1 == 490 && cf.y0 == 50 &&
	    cf.y1 == 430);
	/* a tiny stop, and no inset */
	circle_fov(&f, 640, 480, 320, 240, 60);
	countframe_make(&f, 50, &cf);
	CHECK(!cf.valid);
	rect_fov(&f, 640, 480, 0, 0, 640, 480);
	countframe_make(&f, 0, &cf);
	CHECK(!cf.valid);
	countframe_make(&f, NAN, &cf);
	CHECK(!cf.valid);
}

static double
urand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s & 0xffffff) / (double)0x1000000;
}

/*
 * Unbiasedness: 5 x 5 frames of 100 x 80 tiling [0, 500) x [0, 400);
 * boxes of any size (up to larger than a frame) whose bottom-right
 * corner falls in the tiled area, some on the grid lines exactly: each
 * is counted by exactly one frame.
 */
static void
test_tiling(void)
{
	struct countframe	 cf;
	uint32_t		 s = 12345;
	int			 i, fx, fy, hits, bad = 0;
	double			 bx1, by1, w, h;

	memset(&cf, 0, sizeof(cf));
	cf.valid = 1;
	for (i = 0; i < 4000; i++) {
		bx1 = floor(urand(&s) * 500);
		by1 = floor(urand(&s) * 400);
		if (i % 4 == 0)
			bx1 = 100 * floor(bx1 / 100);	/* on a grid line */
		if (i % 5 == 0)
			by1 = 80 * floor(by1 / 80);
		w = 1 + urand(&s) * (i % 3 == 0 ? 250 : 40);
		h = 1 + urand(&s) * (i % 3 == 1 ? 250 : 40);
		for (hits = 0, fy = 0; fy < 5; fy++)
			for (fx = 0; fx < 5; fx++) {
				cf.x0 = fx * 100;
				cf.x1 = cf.x0 + 100;
				cf.y0 = fy * 80;
				cf.y1 = cf.y0 + 80;
				hits += countframe_counts(&cf, bx1 - w,
				    by1 - h, bx1, by1);
			}
		bad += hits != 1;
	}
	CHECK(bad == 0);
	if (bad)
		fprintf(stderr, "tiling: %d boxes not counted once\n", bad);
}

static int
dark(const struct img *im, int x, int y)
{
	const unsigned char *p = im->rgb + ((size_t)y * im->w + x) * 3;

	return p[0] < 40 && p[1] < 40 && p[2] < 40;
}

/*
 * The drawing: on a white 320 x 240 image (lines 1 px thick), the frame
 * (40,30)-(250,200) has its top and left edges solid, its right and
 * bottom edges dashed, and those two carried on dashed to the top and
 * the left of the image; nothing else is drawn.
 */
static void
test_draw(void)
{
	struct countframe	 cf;
	struct img		 im;
	int			 x, y, on, off;

	im.w = 320;
	im.h = 240;
	if ((im.rgb = malloc((size_t)im.w * im.h * 3)) == NULL) {
		CHECK(!"no memory");
		return;
	}
	memset(im.rgb, 255, (size_t)im.w * im.h * 3);
	memset(&cf, 0, sizeof(cf));
	cf.valid = 1;
	cf.x0 = 40;
	cf.y0 = 30;
	cf.x1 = 250;
	cf.y1 = 200;
	annotate_frame(&im, &cf, 1);
	for (on = 0, x = 40; x < 250; x++)
		on += dark(&im, x, 30);
	CHECK(on == 210);			/* top: solid */
	for (on = 0, y = 30; y < 200; y++)
		on += dark(&im, 40, y);
	CHECK(on == 170);			/* left: solid */
	for (on = off = 0, y = 0; y < 200; y++)
		dark(&im, 250, y) ? on++ : off++;
	CHECK(on > 80 && off > 50);		/* right, up to the top: dashed */
	for (on = 0, y = 0; y < 30; y++)
		on += dark(&im, 250, y);
	CHECK(on > 0);				/* ...above the frame too */
	for (on = off = 0, x = 0; x < 250; x++)
		dark(&im, x, 200) ? on++ : off++;
	CHECK(on > 100 && off > 60);		/* bottom, to the left side */
	for (on = 0, x = 0; x < 40; x++)
		on += dark(&im, x, 200);
	CHECK(on > 0);
	/* nothing inside, nothing beyond the exclusion lines */
	CHECK(!dark(&im, 150, 100) && !dark(&im, 300, 100) &&
	    !dark(&im, 150, 230) && !dark(&im, 20, 100));
	/* an invalid frame draws nothing */
	memset(im.rgb, 255, (size_t)im.w * im.h * 3);
	cf.valid = 0;
	annotate_frame(&im, &cf, 1);
	for (on = 0, y = 0; y < im.h; y++)
		for (x = 0; x < im.w; x++)
			on += dark(&im, x, y);
	CHECK(on == 0);
	free(im.rgb);
}

int
main(void)
{
	test_draw();
	test_rect();
	test_extensions();
	test_circle();
	test_small();
	test_tiling();
	return check_done("test_countframe");
}
