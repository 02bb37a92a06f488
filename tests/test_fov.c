/* test_fov.c: unit tests for field-of-view detection (fov.c) */
/*
 * Every frame is synthesised here: a smear-like texture (pale plasma,
 * pink red cells with a central pallor, white cells with dark-purple
 * lobed nuclei, platelets, noise), then optionally a field stop (a
 * linear ramp of a few pixels at the radius, vignetting inside, near
 * black outside) or dark bands.  Dark nuclei are also placed right on
 * the stop's edge, where they join the dark surround and bend it.  The
 * tolerances are those of issue 10's tests: centre and radius within
 * 1.5 % of r, area within 2 %.  Timing on a 4032x3024 frame is printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vision/fov.h"
#include "base/timing.h"
#include "check.h"

#define T_PI	3.14159265358979323846

static uint32_t
t_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static double
t_unif(uint32_t *s)
{
	return (t_rand(s) >> 8) / 16777216.0;
}

static int
t_img_new(struct img *im, int w, int h)
{
	im->w = w;
	im->h = h;
	im->rgb = malloc((size_t)w * h * 3);
	return im->rgb == NULL ? -1 : 0;
}

static void
t_fill(struct img *im, int r, int g, int b)
{
	size_t	 i, n = (size_t)im->w * im->h;

	for (i = 0; i < n; i++) {
		im->rgb[i * 3] = (unsigned char)r;
		im->rgb[i * 3 + 1] = (unsigned char)g;
		im->rgb[i * 3 + 2] = (unsigned char)b;
	}
}

static void
t_disc(struct img *im, double cx, double cy, double r, int cr, int cg,
    int cb)
{
	int	 x, y;
	int	 y0 = (int)floor(cy - r), y1 = (int)ceil(cy + r);
	int	 x0 = (int)floor(cx - r), x1 = (int)ceil(cx + r);

	for (y = y0 < 0 ? 0 : y0; y <= y1 && y < im->h; y++)
		for (x = x0 < 0 ? 0 : x0; x <= x1 && x < im->w; x++) {
			double	 dx = x + 0.5 - cx, dy = y + 0.5 - cy;
			unsigned char *p;

			if (dx * dx + dy * dy > r * r)
				continue;
			p = im->rgb + ((size_t)y * im->w + x) * 3;
			p[0] = (unsigned char)cr;
			p[1] = (unsigned char)cg;
			p[2] = (unsigned char)cb;
		}
}

/* A white cell: cytoplasm and a lobed nucleus, dark or very dark. */
static void
t_wbc(struct img *im, double x, double y, double cr, int very_dark,
    uint32_t *s)
{
	int	 k, nr = very_dark ? 50 : 88, ng = very_dark ? 18 : 36;
	int	 nb = very_dark ? 72 : 128;

	t_disc(im, x, y, 1.7 * cr, 205, 178, 215);
	for (k = 0; k < 3; k++) {
		double	 a = t_unif(s) * 2 * T_PI;

		t_disc(im, x + 0.5 * cr * cos(a), y + 0.5 * cr * sin(a),
		    0.65 * cr, nr, ng, nb);
	}
}

/* Smear texture over the whole frame, cells of radius cr. */
static void
t_smear(struct img *im, double cr, uint32_t seed)
{
	uint32_t s = seed | 1;
	double	 area = (double)im->w * im->h;
	long	 n = (long)(0.45 * area / (T_PI * cr * cr)), i;

	t_fill(im, 238, 226, 232);
	for (i = 0; i < n; i++) {
		double	 x = t_unif(&s) * im->w, y = t_unif(&s) * im->h;
		double	 r = cr * (0.85 + 0.3 * t_unif(&s));

		t_disc(im, x, y, r, 216, 138, 150);
		t_disc(im, x, y, 0.4 * r, 228, 172, 180);
	}
	for (i = 0; i < n / 120 + 2; i++)
		t_wbc(im, t_unif(&s) * im->w, t_unif(&s) * im->h, cr,
		    (int)(i % 2), &s);
	for (i = 0; i < n / 15; i++)
		t_disc(im, t_unif(&s) * im->w, t_unif(&s) * im->h,
		    0.25 * cr, 150, 90, 170);
}

/* Near-black outside a circle with a ramp of edge px, vignetting in. */
static void
t_stop(struct img *im, double cx, double cy, double r, double edge)
{
	int	 x, y;

	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++) {
			double	 d = hypot(x + 0.5 - cx, y + 0.5 - cy);
			double	 ramp = 0.5 - (d - r) / edge, vig;
			unsigned char *p;
			int	 c;

			p = im->rgb + ((size_t)y * im->w + x) * 3;

			ramp = ramp < 0 ? 0 : ramp > 1 ? 1 : ramp;
			vig = 1 - 0.25 * (d / r) * (d / r);
			vig = vig < 0.7 ? 0.7 : vig;
			for (c = 0; c < 3; c++)
				p[c] = (unsigned char)(ramp * vig * p[c] +
				    (1 - ramp) * (c == 2 ? 10 : 7) + 0.5);
		}
}

/* Dark bands of rows [0, top) and [h - bot, h). */
static void
t_bands(struct img *im, int top, int bot)
{
	int	 y;

	for (y = 0; y < im->h; y++)
		if (y < top || y >= im->h - bot)
			memset(im->rgb + (size_t)y * im->w * 3, 8,
			    (size_t)im->w * 3);
}

static void
t_noise(struct img *im, int amp, uint32_t seed)
{
	uint32_t s = seed | 1;
	size_t	 i, n = (size_t)im->w * im->h * 3;

	for (i = 0; i < n; i++) {
		int	 v = im->rgb[i] - amp;

		v += (int)(t_rand(&s) % (2 * amp + 1));

		im->rgb[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

/* Nuclei straddling the stop's edge: they join the dark surround. */
static void
t_edge_nuclei(struct img *im, double cx, double cy, double r, double cr)
{
	static const double ang[] = { 30, 150, 260 };
	size_t	 i;

	for (i = 0; i < sizeof(ang) / sizeof(ang[0]); i++) {
		double	 a = ang[i] * T_PI / 180;

		t_disc(im, cx + (r - 0.3 * cr) * cos(a),
		    cy + (r - 0.3 * cr) * sin(a), cr, 50, 18, 72);
	}
}

/* An eyepiece frame: smear, edge nuclei, stop, noise. */
static int
t_eyepiece(struct img *im, int w, int h, double cx, double cy, double r,
    double cr, uint32_t seed)
{
	if (t_img_new(im, w, h) != 0)
		return -1;
	t_smear(im, cr, seed);
	t_edge_nuclei(im, cx, cy, r, cr);
	t_stop(im, cx, cy, r, fmax(3, r / 150));
	t_noise(im, 10, seed * 7 + 3);
	return 0;
}

static double worst_c, worst_r, worst_a;

/* Detect and compare with the true circle; print the errors. */
static void
t_check_circle(const char *name, const struct img *im, double cx,
    double cy, double r)
{
	struct fov f;
	double	 area, ec, er, ea;
	double	 t0 = timing_ms(), ms;

	CHECK(fov_detect(im, &f) == 0);
	ms = timing_ms() - t0;
	area = fov_circle_rect_area(cx, cy, r, im->w, im->h);
	CHECK(f.shape == FOV_CIRCLE);
	ec = hypot(f.cx - cx, f.cy - cy) / r;
	er = fabs(f.r - r) / r;
	ea = fabs(f.area_px - area) / area;
	printf("%-22s %4dx%-4d circle (%.1f, %.1f, r %.1f) found %s "
	    "(%.1f, %.1f, r %.1f) centre %.3f%% r %.3f%% area %.3f%% "
	    "rms %.2f px, %.2f ms\n", name, im->w, im->h, cx, cy, r,
	    f.shape == FOV_CIRCLE ? "circle" : "RECT", f.cx, f.cy, f.r,
	    100 * ec, 100 * er, 100 * ea, f.fit_rms, ms);
	if (f.shape != FOV_CIRCLE)
		return;
	CHECK(fabs(f.cx - cx) <= 0.015 * r);
	CHECK(fabs(f.cy - cy) <= 0.015 * r);
	CHECK(er <= 0.015);
	CHECK(ea <= 0.02);
	CHECK(f.clipped == (cx - r < 0 || cy - r < 0 || cx + r > im->w ||
	    cy + r > im->h));
	CHECK(f.img_w == im->w && f.img_h == im->h);
	CHECK(f.bright_frac > 0.2 && f.bright_frac <= 1);
	worst_c = fmax(worst_c, ec);
	worst_r = fmax(worst_r, er);
	worst_a = fmax(worst_a, ea);
}

static void
t_check_whole(const char *name, const struct img *im)
{
	struct fov f;

	CHECK(fov_detect(im, &f) == 0);
	printf("%-22s %4dx%-4d %s x %.1f y %.1f w %.1f h %.1f "
	    "bright %.3f\n", name, im->w, im->h,
	    f.shape == FOV_CIRCLE ? "CIRCLE" : "rect", f.x, f.y, f.w, f.h,
	    f.bright_frac);
	CHECK(f.shape == FOV_RECT);
	CHECK(f.x == 0 && f.y == 0 && f.w == im->w && f.h == im->h);
	CHECK(f.area_px == (double)im->w * im->h);
	CHECK(!f.clipped);
}

static void
test_circles(void)
{
	struct img im;

	if (t_eyepiece(&im, 1600, 1200, 800, 600, 520, 9, 11) == 0) {
		t_check_circle("centred", &im, 800, 600, 520);
		free(im.rgb);
	}
	if (t_eyepiece(&im, 1600, 1200, 620.3, 517.8, 431.6, 9, 12) == 0) {
		t_check_circle("off-centre", &im, 620.3, 517.8, 431.6);
		free(im.rgb);
	}
	/* Centre near the bottom, radius beyond half the height. */
	if (t_eyepiece(&im, 1600, 1200, 830, 980, 690, 9, 13) == 0) {
		t_check_circle("clipped bottom", &im, 830, 980, 690);
		free(im.rgb);
	}
	/* Centre near the left edge: cut on three sides. */
	if (t_eyepiece(&im, 1600, 1200, 240, 610, 660, 9, 14) == 0) {
		t_check_circle("clipped left", &im, 240, 610, 660);
		free(im.rgb);
	}
	/* Wider than the frame is tall: cut top and bottom. */
	if (t_eyepiece(&im, 1600, 1200, 790, 600, 700, 9, 15) == 0) {
		t_check_circle("clipped top+bottom", &im, 790, 600, 700);
		free(im.rgb);
	}
	/* A BCCD-sized photo, block side 2 px. */
	if (t_eyepiece(&im, 640, 480, 330, 236, 205, 6, 16) == 0) {
		t_check_circle("small 640x480", &im, 330, 236, 205);
		free(im.rgb);
	}
	/* Smaller than the work side: no reduction. */
	if (t_eyepiece(&im, 300, 240, 150, 118, 96, 3, 17) == 0) {
		t_check_circle("tiny 300x240", &im, 150, 118, 96);
		free(im.rgb);
	}
	/* Portrait, off-centre. */
	if (t_eyepiece(&im, 1200, 1600, 560, 880, 500, 9, 18) == 0) {
		t_check_circle("portrait", &im, 560, 880, 500);
		free(im.rgb);
	}
}

static void
test_no_stop(void)
{
	struct img im;
	struct fov f;

	/* A full smear, dark nuclei on the frame edge included. */
	if (t_img_new(&im, 1600, 1200) == 0) {
		t_smear(&im, 9, 21);
		t_wbc(&im, 4, 600, 9, 1, &(uint32_t){ 5 });
		t_wbc(&im, 800, 2, 9, 1, &(uint32_t){ 6 });
		t_noise(&im, 10, 22);
		t_check_whole("full smear", &im);
		free(im.rgb);
	}
	/* A blank grey photo (the 422 not_a_smear case downstream). */
	if (t_img_new(&im, 1024, 768) == 0) {
		t_fill(&im, 128, 128, 128);
		t_noise(&im, 3, 23);
		t_check_whole("blank grey", &im);
		free(im.rgb);
	}
	/* Dark frame, a tiny lit spot: no fake circle, and it says so. */
	if (t_img_new(&im, 1600, 1200) == 0) {
		t_fill(&im, 7, 7, 10);
		t_disc(&im, 500, 400, 40, 230, 200, 210);
		t_noise(&im, 6, 24);
		CHECK(fov_detect(&im, &f) == 0);
		CHECK(f.shape == FOV_RECT);
		CHECK(f.bright_frac < 0.01);
		printf("%-22s %4dx%-4d %s bright %.4f\n", "dark, tiny spot",
		    im.w, im.h, f.shape == FOV_CIRCLE ? "CIRCLE" : "rect",
		    f.bright_frac);
		free(im.rgb);
	}
	/* Dark frame, a small smear disc (r = 0.1 x short side). */
	if (t_img_new(&im, 1600, 1200) == 0) {
		t_smear(&im, 9, 25);
		t_stop(&im, 900, 700, 120, 3);
		t_noise(&im, 6, 26);
		CHECK(fov_detect(&im, &f) == 0);
		CHECK(f.shape == FOV_RECT);
		printf("%-22s %4dx%-4d %s bright %.4f\n", "dark, small disc",
		    im.w, im.h, f.shape == FOV_CIRCLE ? "CIRCLE" : "rect",
		    f.bright_frac);
		free(im.rgb);
	}
	/* All black. */
	if (t_img_new(&im, 800, 600) == 0) {
		t_fill(&im, 0, 0, 0);
		CHECK(fov_detect(&im, &f) == 0);
		CHECK(f.shape == FOV_RECT && f.w == 800 && f.h == 600);
		CHECK(f.bright_frac == 0);
		free(im.rgb);
	}
	/* Degenerate sizes and arguments. */
	if (t_img_new(&im, 1, 1) == 0) {
		t_fill(&im, 200, 200, 200);
		CHECK(fov_detect(&im, &f) == 0);
		CHECK(f.shape == FOV_RECT && f.w == 1 && f.h == 1);
		free(im.rgb);
	}
	if (t_img_new(&im, 2000, 3) == 0) {
		t_smear(&im, 2, 27);
		CHECK(fov_detect(&im, &f) == 0);
		CHECK(f.shape == FOV_RECT && f.w == 2000 && f.h == 3);
		free(im.rgb);
	}
	im.w = 0;
	im.h = 0;
	im.rgb = NULL;
	CHECK(fov_detect(&im, &f) == -1);
	CHECK(f.shape == FOV_RECT && f.area_px == 0);
	CHECK(fov_detect(NULL, &f) == -1);
}

static void
test_bands(void)
{
	struct img im;
	struct fov f;

	/* Letterboxed: 137 dark rows on top, 151 below. */
	if (t_img_new(&im, 1600, 1200) == 0) {
		t_smear(&im, 9, 31);
		t_bands(&im, 137, 151);
		t_noise(&im, 8, 32);
		CHECK(fov_detect(&im, &f) == 0);
		printf("%-22s %4dx%-4d %s x %.1f y %.1f w %.1f h %.1f "
		    "(true y 137 h 912)\n", "dark bands", im.w, im.h,
		    f.shape == FOV_CIRCLE ? "CIRCLE" : "rect", f.x, f.y, f.w,
		    f.h);
		CHECK(f.shape == FOV_RECT);
		CHECK(fabs(f.x) < 1 && fabs(f.w - 1600) < 1);
		CHECK(fabs(f.y - 137) < 3 && fabs(f.h - 912) < 5);
		CHECK(fabs(f.area_px - 1600.0 * 912) < 0.01 * 1600 * 912);
		CHECK(fov_contains(&f, 800, 140));
		CHECK(!fov_contains(&f, 800, 130));
		free(im.rgb);
	}
}

/* Chord-by-chord midpoint integration: slow, independent reference. */
static double
t_area_numeric(double cx, double cy, double r, double w, double h)
{
	int	 i, n = 200000;
	double	 lo = fmax(0, cx - r), hi = fmin(w, cx + r), dx, a = 0;

	if (hi <= lo)
		return 0;
	dx = (hi - lo) / n;
	for (i = 0; i < n; i++) {
		double	 x = lo + (i + 0.5) * dx, u = x - cx;
		double	 s = sqrt(fmax(0, r * r - u * u));
		double	 top = fmin(h, cy + s), bot = fmax(0, cy - s);

		if (top > bot)
			a += (top - bot) * dx;
	}
	return a;
}

static void
test_area(void)
{
	uint32_t s = 0x1234567u;
	double	 worst = 0;
	int	 i, hits = 0, n = 400000;

	/* Closed forms. */
	CHECK(fabs(fov_circle_rect_area(50, 50, 10, 100, 100) - T_PI * 100) <
	    1e-9);
	CHECK(fabs(fov_circle_rect_area(50, 50, 1000, 100, 80) - 8000) <
	    1e-6);
	CHECK(fabs(fov_circle_rect_area(0, 50, 10, 100, 100) - T_PI * 50) <
	    1e-9);
	CHECK(fabs(fov_circle_rect_area(0, 0, 10, 100, 100) - T_PI * 25) <
	    1e-9);
	CHECK(fabs(fov_circle_rect_area(100, 100, 10, 100, 100) - T_PI * 25) <
	    1e-9);
	CHECK(fov_circle_rect_area(-20, 50, 10, 100, 100) == 0);
	CHECK(fov_circle_rect_area(50, 150, 10, 100, 100) == 0);
	CHECK(fov_circle_rect_area(50, 50, 0, 100, 100) == 0);
	CHECK(fov_circle_rect_area(50, 50, -3, 100, 100) == 0);
	CHECK(fov_circle_rect_area(50, 50, NAN, 100, 100) == 0);
	/* A chord: the segment of a unit-ish circle beyond y = h. */
	{
		double	 r = 10, d = 5;	/* centre 5 px inside */
		double	 seg = r * r * acos(d / r) -
		    d * sqrt(r * r - d * d);

		CHECK(fabs(fov_circle_rect_area(50, 95, r, 100, 100) -
		    (T_PI * r * r - seg)) < 1e-9);
	}
	/* Random circles against integration. */
	for (i = 0; i < 300; i++) {
		double	 w = 50 + 500 * t_unif(&s);
		double	 h = 50 + 500 * t_unif(&s);
		double	 cx = -0.3 * w + 1.6 * w * t_unif(&s);
		double	 cy = -0.3 * h + 1.6 * h * t_unif(&s);
		double	 r = 5 + 700 * t_unif(&s);
		double	 a = fov_circle_rect_area(cx, cy, r, w, h);
		double	 b = t_area_numeric(cx, cy, r, w, h);

		if (b > 1e-3 * w * h)
			worst = fmax(worst, fabs(a - b) / b);
		else
			CHECK(fabs(a - b) < 1e-3 * w * h);
	}
	printf("circle-rect area: worst relative difference to numeric "
	    "integration %.2e over 300 random cases\n", worst);
	CHECK(worst < 1e-5);
	/* Monte Carlo on the clipped eyepiece geometry. */
	for (i = 0; i < n; i++) {
		double	 x = t_unif(&s) * 1600, y = t_unif(&s) * 1200;

		hits += hypot(x - 240, y - 610) <= 660;
	}
	{
		double	 mc = 1600.0 * 1200 * hits / n;
		double	 a = fov_circle_rect_area(240, 610, 660, 1600,
		    1200);

		printf("circle-rect area: exact %.0f, Monte Carlo %.0f "
		    "(%d points)\n", a, mc, n);
		CHECK(fabs(a - mc) / a < 0.01);
	}
}

static void
test_contains(void)
{
	struct fov f;

	memset(&f, 0, sizeof(f));
	f.shape = FOV_CIRCLE;
	f.cx = 100;
	f.cy = 80;
	f.r = 90;
	f.img_w = 200;
	f.img_h = 150;
	CHECK(fov_contains(&f, 100, 80));
	CHECK(fov_contains(&f, 100 + 89.9, 80));
	CHECK(!fov_contains(&f, 100 + 90.1, 80));
	CHECK(fov_contains(&f, 100 + 90, 80));		/* boundary: in */
	CHECK(fov_contains(&f, 100 + 63.5, 80 + 63.5));	/* 89.8 away */
	CHECK(!fov_contains(&f, 100 + 63.7, 80 + 63.7));	/* 90.08 away */
	CHECK(!fov_contains(&f, 100, -5));	/* in disc, off frame */
	CHECK(fov_contains(&f, 100, 0));
	CHECK(!fov_contains(&f, NAN, 80));
	CHECK(!fov_contains(NULL, 100, 80));

	memset(&f, 0, sizeof(f));
	f.shape = FOV_RECT;
	f.x = 10;
	f.y = 20;
	f.w = 100;
	f.h = 50;
	CHECK(fov_contains(&f, 10, 20));
	CHECK(fov_contains(&f, 110, 70));
	CHECK(!fov_contains(&f, 9.99, 30));
	CHECK(!fov_contains(&f, 50, 70.01));
}

static int
t_is_fov(const struct img *im, int x, int y)
{
	const unsigned char *p = im->rgb + ((size_t)y * im->w + x) * 3;

	return p[0] == 0xff && p[1] == 0xff && p[2] == 0xff;
}

static void
test_draw(void)
{
	struct img im;
	struct fov f;
	int	 x, y, n = 0;

	if (t_img_new(&im, 400, 300) != 0)
		return;
	memset(&f, 0, sizeof(f));
	f.shape = FOV_CIRCLE;
	f.cx = 400;	/* found on an 800x600 frame, drawn at half size */
	f.cy = 300;
	f.r = 250;
	f.img_w = 800;
	f.img_h = 600;
	t_fill(&im, 0, 0, 0);
	fov_draw(&im, &f, 0.5);
	CHECK(t_is_fov(&im, 200 + 124, 150) || t_is_fov(&im, 200 + 125, 150));
	CHECK(t_is_fov(&im, 200, 150 - 125) || t_is_fov(&im, 200, 150 - 126));
	CHECK(!t_is_fov(&im, 200, 150));
	CHECK(!t_is_fov(&im, 200 + 128, 150));
	CHECK(!t_is_fov(&im, 200 + 121, 150));
	/* Every drawn pixel lies on the ring, and the ring is closed. */
	for (y = 0; y < im.h; y++)
		for (x = 0; x < im.w; x++)
			if (t_is_fov(&im, x, y)) {
				double	 d = hypot(x + 0.5 - 200,
				    y + 0.5 - 150);

				CHECK(fabs(d - 125) <= 1.5);
				n++;
			}
	CHECK(n > 2 * 2 * T_PI * 125 * 0.9);
	for (x = 0; x < 360; x++) {
		double	 a = x * T_PI / 180;
		int	 hit = 0, k;

		for (k = -1; k <= 1 && !hit; k++) {
			double	 rr = 125 + 0.5 * k;
			int	 px = (int)floor(200 + rr * cos(a));
			int	 py = (int)floor(150 + rr * sin(a));

			hit = t_is_fov(&im, px, py);
		}
		CHECK(hit);
	}
	/* A clipped circle and a whole-frame rect are drawn without harm. */
	f.cx = 0;
	f.cy = 0;
	f.r = 5000;
	fov_draw(&im, &f, 1);
	f.shape = FOV_RECT;
	f.x = 0;
	f.y = 0;
	f.w = 400;
	f.h = 300;
	t_fill(&im, 0, 0, 0);
	fov_draw(&im, &f, 1);
	CHECK(t_is_fov(&im, 0, 0) && t_is_fov(&im, 399, 299));
	CHECK(t_is_fov(&im, 1, 150) && t_is_fov(&im, 398, 150));
	CHECK(t_is_fov(&im, 200, 1) && !t_is_fov(&im, 200, 2));
	CHECK(!t_is_fov(&im, 200, 150));
	fov_draw(NULL, &f, 1);
	fov_draw(&im, NULL, 1);
	free(im.rgb);
}

static void
test_timing(void)
{
	struct img im;
	struct fov f;
	double	 best = 1e9;
	int	 i;

	/* The eyepiece photo: 12 MP, the stop inside the frame. */
	if (t_eyepiece(&im, 4032, 3024, 2016, 1512, 1450, 14, 41) != 0)
		return;
	t_check_circle("4032x3024 eyepiece", &im, 2016, 1512, 1450);
	for (i = 0; i < 5; i++) {
		double	 t0 = timing_ms();

		CHECK(fov_detect(&im, &f) == 0);
		best = fmin(best, timing_ms() - t0);
	}
	printf("fov_detect 4032x3024: %.2f ms (best of 5)\n", best);
	free(im.rgb);
}

int
main(void)
{
	test_area();
	test_contains();
	test_draw();
	test_circles();
	test_no_stop();
	test_bands();
	test_timing();
	printf("worst circle error: centre %.3f%% r %.3f%% area %.3f%% "
	    "of r / area\n", 100 * worst_c, 100 * worst_r, 100 * worst_a);
	return check_done("test_fov");
}
