/* test_rbcmorph.c: unit tests for red-cell geometry on drawn cells of known size, shape and pallor */
/*
 * Cells are drawn as stain absorbance (Beer-Lambert, as gen-smear does):
 * an ellipse of optical density OD with a central disc of radius 1/3 of
 * the cell's where the density is OD * (1 - pallor), edges anti-aliased
 * by 4x4 supersampling, plus seeded sensor noise.  The drawn pallor is
 * then exactly the measured ratio's definition (docs/morphology.md).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vision/rbcmorph.h"
#include "clinical/morphsum.h"
#include "vision/detector.h"
#include "vision/fov.h"
#include "image/imgio.h"
#include "tools/toolutil.h"
#include "check.h"

#define BG	230.0		/* background grey (green) */

static uint64_t rng = 42;

/* A uniform in [-0.5, 0.5) (splitmix64). */
static double
noise(void)
{
	uint64_t	 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0 - 0.5;
}

static void
canvas(struct img *im, int w, int h)
{
	im->w = w;
	im->h = h;
	im->rgb = malloc((size_t)w * h * 3);
	memset(im->rgb, (int)BG, (size_t)w * h * 3);
}

/* An ellipse (semi-axes a >= b, angle th) of density od, pale centre. */
static void
draw_cell(struct img *im, double cx, double cy, double a, double b,
    double th, double od, double pallor)
{
	int	 x, y, sx, sy;
	double	 c = cos(th), s = sin(th);

	for (y = (int)(cy - a - 2); y <= (int)(cy + a + 2); y++)
		for (x = (int)(cx - a - 2); x <= (int)(cx + a + 2); x++) {
			double	 d = 0;
			unsigned char *p;

			if (x < 0 || y < 0 || x >= im->w || y >= im->h)
				continue;
			for (sy = 0; sy < 4; sy++)
				for (sx = 0; sx < 4; sx++) {
					double	 px = x + (sx + 0.5) / 4 - cx;
					double	 py = y + (sy + 0.5) / 4 - cy;
					double	 u = (px * c + py * s) / a;
					double	 v = (-px * s + py * c) / b;
					double	 rho = sqrt(u * u + v * v);

					if (rho < 1.0 / 3)
						d += od * (1 - pallor);
					else if (rho < 1)
						d += od;
				}
			p = im->rgb + 3 * ((size_t)y * im->w + x);
			/* green absorbs most; red little, blue some */
			p[0] = (unsigned char)fmin(255, BG * exp(-d / 16 * 0.3) +
			    2 * noise());
			p[1] = (unsigned char)fmin(255, BG * exp(-d / 16) +
			    2 * noise());
			p[2] = (unsigned char)fmin(255, BG * exp(-d / 16 * 0.6) +
			    2 * noise());
		}
}

/* Disc cells of known diameter and pallor: within 3 % and 0.05. */
static void
test_discs(void)
{
	static const double diam[] = { 30, 48, 64, 100 };
	static const double pal[] = { 0.0, 0.3, 0.6, 0.9 };
	size_t	 i, j;

	for (i = 0; i < sizeof(diam) / sizeof(diam[0]); i++)
		for (j = 0; j < sizeof(pal) / sizeof(pal[0]); j++) {
			struct img		 im;
			struct rbcmorph_cell	 c;
			double			 r = diam[i] / 2;
			int			 W = (int)(diam[i] * 2);

			canvas(&im, W, W);
			draw_cell(&im, W / 2.0 + 0.3, W / 2.0 - 0.2, r, r, 0,
			    0.5, pal[j]);
			CHECK(rbcmorph_cell_measure(&im, 1.0, (int)(W / 2.0 -
			    r), (int)(W / 2.0 - r), (int)(W / 2.0 + r + 1),
			    (int)(W / 2.0 + r + 1), &c) == 0);
			CHECK(c.status == RBCMORPH_OK);
			CHECK(fabs(c.diameter_px / diam[i] - 1) < 0.03);
			CHECK(fabs(c.pallor - pal[j]) < 0.05);
			CHECK(c.elongation < 1.06);
			CHECK(c.circularity > 0.9);
			/* drawn at optical density 0.5 (centre 0.5 (1 -
			 * pallor) on a ninth of the area) */
			CHECK(fabs(c.ring_od - 0.5) < 0.03);
			CHECK(fabs(c.od - 0.5 * (1 - pal[j] / 9)) < 0.05);
			if (fabs(c.ring_od - 0.5) >= 0.03 || fabs(c.od - 0.5 *
			    (1 - pal[j] / 9)) >= 0.05)
				fprintf(stderr, "d %g p %g: od %g ring %g\n",
				    diam[i], pal[j], c.od, c.ring_od);
			if (fabs(c.diameter_px / diam[i] - 1) >= 0.03 ||
			    fabs(c.pallor - pal[j]) >= 0.05)
				fprintf(stderr, "d %g p %g: got %g %g\n",
				    diam[i], pal[j], c.diameter_px, c.pallor);
			imgio_free(&im);
		}
}

/* A drawn ellipse's elongation (axis ratio) at any angle; dfac scales. */
static void
test_ellipse(void)
{
	static const double ratio[] = { 1.5, 2.0, 2.5 };
	size_t	 i;

	for (i = 0; i < sizeof(ratio) / sizeof(ratio[0]); i++) {
		struct img		 im;
		struct rbcmorph_cell	 c;
		double			 a = 36, b = a / ratio[i];

		/* the rotated ellipse's bounding box, as a detector gives */
		double			 hw = sqrt(pow(a * cos(0.6), 2) +
		    pow(b * sin(0.6), 2)), hh = sqrt(pow(a * sin(0.6), 2) +
		    pow(b * cos(0.6), 2));

		canvas(&im, 120, 120);
		draw_cell(&im, 60, 60, a, b, 0.6, 0.5, 0.2);
		CHECK(rbcmorph_cell_measure(&im, 0.5, (int)(60 - hw),
		    (int)(60 - hh), (int)ceil(60 + hw), (int)ceil(60 + hh),
		    &c) == 0);
		CHECK(c.status == RBCMORPH_OK);
		CHECK(fabs(c.elongation / ratio[i] - 1) < 0.05);
		/* area-equivalent diameter 2 sqrt(ab), in original px */
		CHECK(fabs(c.diameter_px / (2 * sqrt(a * b) / 0.5) - 1) < 0.03);
		CHECK(c.circularity < 0.99 - 0.05 * (ratio[i] - 1));
		imgio_free(&im);
	}
}

/* An empty box (no cell) and a box too small are not measured. */
static void
test_refused(void)
{
	struct img		 im;
	struct rbcmorph_cell	 c;

	canvas(&im, 100, 100);
	CHECK(rbcmorph_cell_measure(&im, 1, 30, 30, 70, 70, &c) == 0);
	CHECK(c.status == RBCMORPH_SEGMENT);
	draw_cell(&im, 50, 50, 20, 20, 0, 0.5, 0.3);
	CHECK(rbcmorph_cell_measure(&im, 1, 48, 48, 52, 52, &c) == 0);
	CHECK(c.status == RBCMORPH_SEGMENT);
	/* a box far larger than the cell: the outline fills too little */
	CHECK(rbcmorph_cell_measure(&im, 1, 5, 5, 95, 95, &c) == 0);
	CHECK(c.status == RBCMORPH_SEGMENT);
	imgio_free(&im);
}

/* A field: border, overlap, other classes, thresholds; the summary. */
static void
test_field(void)
{
	struct img		 im;
	struct det_box		 b[7];
	struct rbcmorph_cell	 c[7];
	struct rbcmorph_summary	 s;
	double			 thr[2] = { 0.5, 0.5 };
	json_t			*j;

	canvas(&im, 400, 300);
	/* three whole cells: diameters 40, 44, 48; the last elongated */
	draw_cell(&im, 60, 60, 20, 20, 0, 0.5, 0.3);
	draw_cell(&im, 160, 60, 22, 22, 0, 0.5, 0.8);
	draw_cell(&im, 260, 60, 32, 18, 0, 0.5, 0.3);
	b[0] = (struct det_box){ 0, 0.9f, 39, 39, 42, 42 };
	b[1] = (struct det_box){ 0, 0.9f, 137, 37, 46, 46 };
	b[2] = (struct det_box){ 0, 0.9f, 227, 41, 66, 38 };
	/* cut by the left border */
	draw_cell(&im, 10, 200, 20, 20, 0, 0.5, 0.3);
	b[3] = (struct det_box){ 0, 0.9f, 0, 179, 31, 42 };
	/* two overlapping cells */
	draw_cell(&im, 150, 200, 20, 20, 0, 0.5, 0.3);
	draw_cell(&im, 180, 200, 20, 20, 0, 0.5, 0.3);
	b[4] = (struct det_box){ 0, 0.9f, 129, 179, 42, 42 };
	b[5] = (struct det_box){ 0, 0.9f, 159, 179, 42, 42 };
	/* a box of another class, and a red cell under its threshold */
	b[6] = (struct det_box){ 1, 0.9f, 300, 200, 40, 40 };
	CHECK(rbcmorph_measure(&im, 1, NULL, b, 7, 0, thr, c) == 0);
	CHECK(c[0].status == RBCMORPH_OK && c[1].status == RBCMORPH_OK &&
	    c[2].status == RBCMORPH_OK);
	CHECK(c[3].status == RBCMORPH_BORDER);
	CHECK(c[4].status == RBCMORPH_OVERLAP && c[5].status ==
	    RBCMORPH_OVERLAP);
	CHECK(c[6].status == RBCMORPH_SKIP);
	CHECK(rbcmorph_summarize(c, 7, 0, &s) == 0);
	CHECK(s.considered == 6 && s.measured == 3 && s.border == 1 &&
	    s.overlap == 2 && s.segment == 0);
	CHECK(fabs(s.median_px - 44) < 44 * 0.03);
	CHECK(s.median_um == 0);
	CHECK(fabs(s.hypo_share - 1.0 / 3) < 1e-9);
	CHECK(fabs(s.ellip_share - 0.0) < 1e-9);	/* 32/18 < 2 */
	CHECK(s.cv > 0.05 && s.cv < 0.15);
	j = rbcmorph_json(&s);
	CHECK(j != NULL && json_is_null(json_object_get(j,
	    "median_diameter_um")));
	json_decref(j);
	CHECK(rbcmorph_summarize(c, 7, 0.2, &s) == 0);
	CHECK(fabs(s.median_um - s.median_px * 0.2) < 1e-9);
	/* an eyepiece's field stop through the first cell: cut, not measured */
	{
		struct fov	 f = { .shape = FOV_CIRCLE, .cx = 200, .cy = 60,
		    .r = 125, .img_w = 400, .img_h = 300 };

		CHECK(rbcmorph_measure(&im, 1, &f, b, 7, 0, thr, c) == 0);
		CHECK(c[0].status == RBCMORPH_BORDER);
		CHECK(c[1].status == RBCMORPH_OK);
		f.r = 400;
		CHECK(rbcmorph_measure(&im, 1, &f, b, 7, 0, thr, c) == 0);
		CHECK(c[0].status == RBCMORPH_OK);
	}
	/* below its threshold, a red cell is not considered */
	b[0].conf = 0.4f;
	CHECK(rbcmorph_measure(&im, 1, NULL, b, 7, 0, thr, c) == 0);
	CHECK(c[0].status == RBCMORPH_SKIP);
	/* nothing measured: the figures are null, not zero */
	CHECK(rbcmorph_summarize(c, 1, 0, &s) == 0);
	j = rbcmorph_json(&s);
	CHECK(j != NULL && s.measured == 0 && json_is_null(json_object_get(j,
	    "median_diameter_px")) && json_is_null(json_object_get(j,
	    "hypochromic_share")));
	json_decref(j);
	imgio_free(&im);
}

/*
 * What never reaches the morphology shares: boxes of other classes
 * (white cells, platelets), a red cell sharing its box with one, and a
 * clump boxed as one red cell (area-equivalent side above
 * RBCMORPH_CLUMP_SIDE times the field's typical size), while a large or
 * elongated single cell below the cut is measured.
 */
static void
test_not_red_cells(void)
{
	struct img		 im;
	struct det_box		 b[10];
	struct rbcmorph_cell	 c[10];
	struct rbcmorph_summary	 s;
	json_t			*j;
	int			 i;

	canvas(&im, 640, 400);
	/* five single cells in a row: boxes 42 px, the typical size */
	for (i = 0; i < 5; i++) {
		draw_cell(&im, 60 + 100 * i, 60, 20, 20, 0, 0.5, 0.3);
		b[i] = (struct det_box){ 0, 0.9f, 39 + 100 * i, 39, 42, 42 };
	}
	/* a clump of three cells in one red-cell box: 80 x 80 (1.9x) */
	draw_cell(&im, 90, 200, 20, 20, 0, 0.5, 0.3);
	draw_cell(&im, 128, 200, 20, 20, 0, 0.5, 0.3);
	draw_cell(&im, 109, 234, 20, 20, 0, 0.5, 0.3);
	b[5] = (struct det_box){ 0, 0.9f, 68, 178, 82, 78 };
	/* a large cell at 1.3x the typical box, and an elongated one */
	draw_cell(&im, 260, 220, 26, 26, 0, 0.5, 0.3);
	b[6] = (struct det_box){ 0, 0.9f, 232, 192, 56, 56 };
	draw_cell(&im, 400, 220, 36, 17, 0, 0.5, 0.3);
	b[7] = (struct det_box){ 0, 0.9f, 362, 201, 76, 38 };
	/* a white cell (class 1) and a red cell overlapping a platelet
	 * (class 2) */
	draw_cell(&im, 560, 200, 40, 40, 0, 1.5, 0);
	b[8] = (struct det_box){ 1, 0.9f, 518, 158, 84, 84 };
	draw_cell(&im, 540, 330, 20, 20, 0, 0.5, 0.3);
	b[9] = (struct det_box){ 2, 0.9f, 545, 320, 16, 16 };
	CHECK(rbcmorph_typical(b, 10, 0, NULL) == 42);
	CHECK(rbcmorph_measure(&im, 1, NULL, b, 10, 0, NULL, c) == 0);
	for (i = 0; i < 5; i++)
		CHECK(c[i].status == RBCMORPH_OK);
	CHECK(c[5].status == RBCMORPH_CLUMP);
	CHECK(c[6].status == RBCMORPH_OK && c[7].status == RBCMORPH_OK);
	CHECK(c[8].status == RBCMORPH_SKIP && c[9].status == RBCMORPH_SKIP);
	/* the red cell under the platelet's box */
	b[9] = (struct det_box){ 0, 0.9f, 519, 309, 42, 42 };
	b[8] = (struct det_box){ 2, 0.9f, 530, 320, 16, 16 };
	CHECK(rbcmorph_measure(&im, 1, NULL, b, 10, 0, NULL, c) == 0);
	CHECK(c[9].status == RBCMORPH_OVERLAP && c[8].status ==
	    RBCMORPH_SKIP);
	CHECK(rbcmorph_summarize(c, 10, 0, &s) == 0);
	CHECK(s.considered == 9 && s.measured == 7 && s.clump == 1 &&
	    s.overlap == 1);
	j = rbcmorph_json(&s);
	CHECK(j != NULL && json_integer_value(json_object_get(
	    json_object_get(j, "not_measured"), "clump")) == 1);
	json_decref(j);
	imgio_free(&im);
}

/* A result with a morphology object of n cells (mean, sd px, shares). */
static json_t *
result_with(int n, double mean, double sd, double hypo, double ellip,
    const char *src, double um)
{
	return json_pack("{s:{s:i,s:i,s:f,s:f,s:f,s:f},s:{s:s,s:f}}",
	    "morphology", "considered", n + 3, "measured", n,
	    "mean_diameter_px", mean, "sd_diameter_px", sd,
	    "hypochromic_share", hypo, "elongated_share", ellip,
	    "scale", "source", src, "um_per_px", um);
}

static const char *
pattern_code(const json_t *o)
{
	return json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "pattern_i18n"), 0), "code"));
}

/* A sample: pooled figures, the um rule, the pattern, its withholding. */
static void
test_sample(void)
{
	struct morphsum	 m;
	json_t		*r1, *r2, *o;
	double		 mean, var;

	/* two fields: 60 cells mean 80 sd 4, 50 cells mean 90 sd 6 */
	r1 = result_with(60, 80, 4, 0.5, 0, "request", 0.08);
	r2 = result_with(50, 90, 6, 0.1, 0, "request", 0.08);
	morphsum_init(&m);
	morphsum_field(r1, &m);
	morphsum_field(r2, &m);
	o = morphsum_json(&m);
	mean = (60 * 80 + 50 * 90) / 110.0;
	var = (59 * 16 + 60 * 6400.0 + 49 * 36 + 50 * 8100.0 - 110 * mean *
	    mean) / 109;
	CHECK(json_integer_value(json_object_get(o, "measured")) == 110);
	CHECK(json_integer_value(json_object_get(o, "considered")) == 116);
	CHECK(fabs(json_number_value(json_object_get(o, "mean_diameter_px")) -
	    mean) < 0.06);
	CHECK(fabs(json_number_value(json_object_get(o, "diameter_cv")) -
	    sqrt(var) / mean) < 0.001);
	CHECK(fabs(json_number_value(json_object_get(o, "hypochromic_share")) -
	    35 / 110.0) < 0.001);
	/* mean 6.8 um: pale but not small: the hypochromic line */
	CHECK(fabs(json_number_value(json_object_get(o, "mean_diameter_um")) -
	    mean * 0.08) < 0.06);
	CHECK(pattern_code(o) != NULL && strcmp(pattern_code(o),
	    "morph_pattern_hypo") == 0);
	CHECK_STR(json_string_value(json_object_get(o, "pattern_source")),
	    "geometry");
	CHECK(json_is_null(json_object_get(o, "withheld")));
	json_decref(o);
	/* one field's scale measured on the cells: no um, so no "small" */
	json_decref(r2);
	r2 = result_with(50, 70, 6, 0.5, 0, "auto", 0.1);
	morphsum_init(&m);
	morphsum_field(r1, &m);
	morphsum_field(r2, &m);
	o = morphsum_json(&m);
	CHECK(json_is_null(json_object_get(o, "mean_diameter_um")));
	CHECK(strcmp(pattern_code(o), "morph_pattern_hypo") == 0);
	json_decref(o);
	/* both given: small (6.0 um) and pale */
	json_decref(r2);
	r2 = result_with(50, 75, 6, 0.5, 0, "profile", 0.08);
	morphsum_init(&m);
	morphsum_field(r1, &m);
	morphsum_field(r2, &m);
	o = morphsum_json(&m);
	CHECK(strcmp(pattern_code(o), "morph_pattern_micro_hypo") == 0);
	json_decref(o);
	/* one field only: 60 cells, under the minimum: withheld */
	morphsum_init(&m);
	morphsum_field(r1, &m);
	o = morphsum_json(&m);
	CHECK(MORPHSUM_MIN_CELLS > 60);
	CHECK(json_is_null(json_object_get(o, "pattern")) &&
	    json_is_null(json_object_get(o, "pattern_i18n")));
	CHECK(json_is_string(json_object_get(o, "withheld")));
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(o, "withheld_i18n"), 0), "params"),
	    "min")) == MORPHSUM_MIN_CELLS);
	json_decref(o);
	/* a result saved before morphology adds nothing */
	json_decref(r2);
	r2 = json_pack("{s:{s:s}}", "scale", "source", "none");
	morphsum_init(&m);
	morphsum_field(r2, &m);
	o = morphsum_json(&m);
	CHECK(json_integer_value(json_object_get(o, "fields")) == 0 &&
	    json_is_null(json_object_get(o, "mean_diameter_px")));
	json_decref(o);
	json_decref(r1);
	json_decref(r2);
}

/* The typical red-cell size: the median longer side of counted RBC boxes. */
static void
test_typical(void)
{
	struct det_box	 b[6] = {
		{ 0, 0.9f, 0, 0, 40, 38 }, { 0, 0.9f, 50, 0, 30, 44 },
		{ 0, 0.9f, 0, 50, 36, 36 }, { 0, 0.2f, 0, 90, 90, 90 },
		{ 1, 0.9f, 90, 90, 120, 120 }, { 0, 0.9f, 90, 0, 42, 20 },
	};
	double		 thr[2] = { 0.5, 0.5 };

	/* counted RBCs: 40, 44, 36, 42 -> median (40 + 42) / 2 */
	CHECK(fabs(rbcmorph_typical(b, 6, 0, thr) - 41) < 1e-9);
	/* no threshold: the low-score 90 px box counts too -> 42 */
	CHECK(fabs(rbcmorph_typical(b, 6, 0, NULL) - 42) < 1e-9);
	/* fewer than RBCMORPH_MIN_TYPICAL boxes: no typical size */
	CHECK(rbcmorph_typical(b, 3, 0, thr) == 0);
	CHECK(rbcmorph_typical(b, 6, -1, thr) == 0);
}

/* A result whose morphology carries classes (rbccls_json()'s shape). */
static json_t *
result_classes(int normal, int micro, int sphero, int abst)
{
	return json_pack("{s:{s:i,s:i,s:f,s:f,s:f,s:f,s:{s:i,s:i,s:{s:i,s:i,"
	    "s:i},s:{s:i}}},s:{s:s}}", "morphology", "considered", normal +
	    micro + sphero + abst, "measured", normal + micro + sphero + abst,
	    "mean_diameter_px", 40.0, "sd_diameter_px", 3.0,
	    "hypochromic_share", 0.0, "elongated_share", 0.0, "classes",
	    "classified", normal + micro + sphero, "abstained", abst, "by",
	    "normal", normal, "microcyte", micro, "spherocyte", sphero,
	    "abstained_by", "low_confidence", abst, "scale", "source", "auto");
}

/* Classified cells under the minimum: withheld, though enough were
 * measured for the geometry rule; spherocytes leading once enough. */
static void
test_sample_withheld(void)
{
	struct morphsum	 m;
	json_t		*r = result_classes(60, 10, 5, 40), *o, *w;

	morphsum_init(&m);
	morphsum_field(r, &m);
	o = morphsum_json(&m);
	w = json_array_get(json_object_get(o, "withheld_i18n"), 0);
	CHECK(json_integer_value(json_object_get(o, "measured")) >=
	    MORPHSUM_MIN_CELLS);
	CHECK(json_is_null(json_object_get(o, "pattern")) &&
	    json_is_null(json_object_get(o, "pattern_i18n")));
	CHECK_STR(json_string_value(json_object_get(w, "code")),
	    "morph_pattern_withheld_classes");
	CHECK(json_integer_value(json_object_get(json_object_get(w, "params"),
	    "classified")) == 75);
	CHECK(strstr(json_string_value(json_object_get(o, "withheld")),
	    "75 red cells classified") != NULL);
	json_decref(o);
	json_decref(r);
	/* two fields of 60 normal, 5 microcytes, 40 spherocytes: 0.38 */
	r = result_classes(60, 5, 40, 0);
	morphsum_init(&m);
	morphsum_field(r, &m);
	morphsum_field(r, &m);
	o = morphsum_json(&m);
	CHECK_STR(pattern_code(o), "morph_pattern_sphero");
	CHECK(json_is_null(json_object_get(o, "withheld")));
	json_decref(o);
	json_decref(r);
	/* 95 normal, 5 + 5 abnormal of 105: no group reaches the cut */
	r = result_classes(95, 5, 5, 0);
	morphsum_init(&m);
	morphsum_field(r, &m);
	o = morphsum_json(&m);
	CHECK_STR(pattern_code(o), "morph_pattern_none_classes");
	json_decref(o);
	json_decref(r);
}

/* The class rule on given shares: groups, the small/pale split, the cut. */
static void
test_pattern_classes(void)
{
	struct morphpattern_classes c = { 6, 0, { "normal", "microcyte",
	    "hypochromia", "target", "schistocyte", "macrocyte" },
	    { 0.5, 0.12, 0.10, 0.18, 0, 0 } };
	const char	*en = NULL;

	/* 0.22 small and pale, both kinds >= 0.05 */
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_micro_hypo");
	CHECK(en != NULL && strstr(en, "Not a diagnosis.") != NULL);
	c.share[1] = 0.02;
	c.share[2] = 0.25;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_hypo");
	/* target cells 0.30 lead the small/pale 0.27 */
	c.share[3] = 0.30;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_target");
	/* every group under the cut: no pattern */
	c.share[2] = 0.10;
	c.share[3] = MORPHPAT_CLASS_SHARE - 0.001;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_none_classes");
	/* at the cut: fragments; a tie goes to the earlier group (large) */
	c.share[3] = 0;
	c.share[4] = MORPHPAT_CLASS_SHARE;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_schisto");
	c.share[5] = MORPHPAT_CLASS_SHARE;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_macro");
	/* classes absent from the model count as 0 */
	c.n = 1;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_none_classes");
	/* elliptocytes 0.40: their line only when the geometry sees
	 * elongated cells too (the class reads one slide's stain) */
	c.n = 2;
	c.name[1] = "elliptocyte";
	c.share[1] = 0.40;
	c.elongated = MORPHPAT_ELLIP_GEOM - 0.01;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_none_classes");
	c.elongated = MORPHPAT_ELLIP_GEOM;
	CHECK_STR(morphpattern_classes(&c, &en), "morph_pattern_ellip");
}

/* A sample's class shares, pooled over fields; the leading abnormal one. */
static void
test_sample_classes(void)
{
	struct morphsum	 m;
	json_t		*r1 = result_classes(50, 10, 20, 5);
	json_t		*r2 = result_classes(30, 25, 5, 3), *o, *c;

	morphsum_init(&m);
	morphsum_field(r1, &m);
	morphsum_field(r2, &m);
	o = morphsum_json(&m);
	c = json_object_get(o, "classes");
	CHECK(json_is_true(json_object_get(o, "classifier")));
	CHECK(json_integer_value(json_object_get(c, "classified")) == 140);
	CHECK(json_integer_value(json_object_get(c, "abstained")) == 8);
	CHECK(json_integer_value(json_object_get(json_object_get(c, "by"),
	    "microcyte")) == 35);
	CHECK(fabs(json_number_value(json_object_get(json_object_get(c,
	    "share"), "spherocyte")) - 25 / 140.0) < 0.001);
	/* microcytes 35 > spherocytes 25; normal never leads */
	CHECK_STR(json_string_value(json_object_get(c, "leading_abnormal")),
	    "microcyte");
	/* the pattern comes from the classes: microcytes 0.25 of the
	 * classified, no hypochromic cell by the classes (nor by geometry) */
	CHECK_STR(json_string_value(json_object_get(o, "pattern_source")),
	    "classes");
	CHECK_STR(pattern_code(o), "morph_pattern_micro");
	json_decref(o);
	/* one field: 80 classified, under the minimum: no leading class */
	morphsum_init(&m);
	morphsum_field(r1, &m);
	o = morphsum_json(&m);
	CHECK(json_is_null(json_object_get(json_object_get(o, "classes"),
	    "leading_abnormal")));
	json_decref(o);
	test_sample_withheld();
	/* results without classes: classes null, classifier false */
	json_decref(r2);
	r2 = result_with(60, 80, 4, 0.5, 0, "request", 0.08);
	morphsum_init(&m);
	morphsum_field(r2, &m);
	o = morphsum_json(&m);
	CHECK(json_is_null(json_object_get(o, "classes")) &&
	    json_is_false(json_object_get(o, "classifier")));
	json_decref(o);
	json_decref(r1);
	json_decref(r2);
}

/* chula-rbc's point labels (tool_chula_points, the tools' one reader). */
static void
test_chula_points(void)
{
	char			 dir[] = "/tmp/bv-chula-XXXXXX", p[256];
	struct tool_point	 pt[4];
	FILE			*f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/labels", dir);
	CHECK(mkdir(p, 0700) == 0);
	snprintf(p, sizeof(p), "%s/labels/7.txt", dir);
	CHECK((f = fopen(p, "w")) != NULL);
	fputs("10 20 0\n\n300 40 12\n5 6 3\n", f);
	fclose(f);
	CHECK(tool_chula_points(dir, 7, pt, 4) == 3);
	CHECK(pt[1].x == 300 && pt[1].y == 40 && pt[1].cls == 12);
	CHECK(pt[2].cls == 3);
	CHECK(tool_chula_points(dir, 7, pt, 2) == 2);	/* at most max */
	CHECK(tool_chula_points(dir, 8, pt, 4) == 0);	/* no label file */
	CHECK((f = fopen(p, "a")) != NULL);
	fputs("1 x 2\n", f);
	fclose(f);
	CHECK(tool_chula_points(dir, 7, pt, 4) == -1);	/* malformed line */
	unlink(p);
	snprintf(p, sizeof(p), "%s/labels", dir);
	rmdir(p);
	rmdir(dir);
}

int
main(void)
{
	test_chula_points();
	test_typical();
	test_pattern_classes();
	test_sample_classes();
	test_discs();
	test_ellipse();
	test_refused();
	test_field();
	test_not_red_cells();
	test_sample();
	return check_done("test_rbcmorph");
}
