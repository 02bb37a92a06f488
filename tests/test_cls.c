/* test_cls.c: classifier metrics (confusion, recall, macro-F1) and crop geometry */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "vision/cellcrop.h"
#include "tools/clsmetrics.h"

#define NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) < 1e-6)

static void
test_confusion(void)
{
	struct clsm cm;
	int main2[2] = { 0, 1 };

	CHECK(clsm_init(&cm, 0) == -1);
	CHECK(clsm_init(&cm, CLSM_MAX + 1) == -1);
	CHECK(clsm_init(&cm, 3) == 0);
	CHECK(isnan(clsm_accuracy(&cm)));
	CHECK(isnan(clsm_macro_f1(&cm, NULL, 0)));

	/* truth 0: 8 right, 2 as 1; truth 1: 5 right, 5 as 2; truth 2: 10
	 * right.  Out-of-range pairs are ignored. */
	for (int i = 0; i < 8; i++)
		clsm_add(&cm, 0, 0);
	for (int i = 0; i < 2; i++)
		clsm_add(&cm, 0, 1);
	for (int i = 0; i < 5; i++) {
		clsm_add(&cm, 1, 1);
		clsm_add(&cm, 1, 2);
	}
	for (int i = 0; i < 10; i++)
		clsm_add(&cm, 2, 2);
	clsm_add(&cm, 3, 0);
	clsm_add(&cm, 0, -1);
	CHECK(cm.m[0][0] == 8 && cm.m[0][1] == 2 && cm.m[1][2] == 5);
	NEAR(clsm_accuracy(&cm), 23.0 / 30);
	NEAR(clsm_recall(&cm, 0), 0.8);
	NEAR(clsm_recall(&cm, 1), 0.5);
	NEAR(clsm_recall(&cm, 2), 1.0);
	NEAR(clsm_precision(&cm, 0), 1.0);
	NEAR(clsm_precision(&cm, 1), 5.0 / 7);
	NEAR(clsm_precision(&cm, 2), 10.0 / 15);
	NEAR(clsm_f1(&cm, 0), 2 * 0.8 / 1.8);
	NEAR(clsm_f1(&cm, 1), 2 * 0.5 * (5.0 / 7) / (0.5 + 5.0 / 7));
	NEAR(clsm_f1(&cm, 2), 2 * (10.0 / 15) / (1 + 10.0 / 15));
	NEAR(clsm_macro_f1(&cm, NULL, 0),
	    (clsm_f1(&cm, 0) + clsm_f1(&cm, 1) + clsm_f1(&cm, 2)) / 3);
	/* A subset uses the full matrix: class 1's misses into class 2 count. */
	NEAR(clsm_macro_f1(&cm, main2, 2), (clsm_f1(&cm, 0) + clsm_f1(&cm, 1)) / 2);

	/* A class with truths that is never predicted has F1 0 in the mean;
	 * a class without truths is left out. */
	CHECK(clsm_init(&cm, 3) == 0);
	clsm_add(&cm, 0, 0);
	clsm_add(&cm, 1, 0);
	CHECK(isnan(clsm_f1(&cm, 1)));
	CHECK(isnan(clsm_recall(&cm, 2)));
	NEAR(clsm_f1(&cm, 0), 2 * 1 * 0.5 / 1.5);
	NEAR(clsm_macro_f1(&cm, NULL, 0), (2.0 / 3 + 0) / 2);
}

static void
test_geometry(void)
{
	struct cellcrop c;

	/* Interior box 100x80 at (100,100), margin 0.2: a 140 px square
	 * centred on (150,140). */
	CHECK(cellcrop_geom(100, 100, 200, 180, 0.2f, 640, 480, &c) == 0);
	NEAR(c.side, 140);
	NEAR(c.sx0, 80);
	NEAR(c.sy0, 70);
	NEAR(c.x0, 80);
	NEAR(c.y0, 70);
	NEAR(c.x1, 220);
	NEAR(c.y1, 210);

	/* Margin 0: the square on the longer side. */
	CHECK(cellcrop_geom(10, 20, 30, 60, 0, 100, 100, &c) == 0);
	NEAR(c.side, 40);
	NEAR(c.sx0, 0);
	NEAR(c.sy0, 20);

	/* Near the top-left corner: the square keeps its place (the cell
	 * stays centred), the sampled part is clamped to the image. */
	CHECK(cellcrop_geom(0, 5, 50, 55, 0.5f, 640, 480, &c) == 0);
	NEAR(c.side, 100);
	NEAR(c.sx0, -25);
	NEAR(c.sy0, -20);
	NEAR(c.x0, 0);
	NEAR(c.y0, 0);
	NEAR(c.x1, 75);
	NEAR(c.y1, 80);

	/* Bottom-right border and a crop larger than the image. */
	CHECK(cellcrop_geom(590, 440, 640, 480, 0.2f, 640, 480, &c) == 0);
	NEAR(c.x1, 640);
	NEAR(c.y1, 480);
	CHECK(cellcrop_geom(0, 0, 100, 100, 1.0f, 100, 100, &c) == 0);
	NEAR(c.side, 300);
	NEAR(c.x0, 0);
	NEAR(c.x1, 100);

	/* Refused: empty box, negative margin, empty image, off the image;
	 * the output is left untouched. */
	{
		struct cellcrop before = c;

		CHECK(cellcrop_geom(10, 10, 10, 20, 0.2f, 100, 100, &c) == -1);
		CHECK(cellcrop_geom(10, 10, 20, 20, -0.1f, 100, 100, &c) == -1);
		CHECK(cellcrop_geom(10, 10, 20, 20, 0.2f, 0, 100, &c) == -1);
		CHECK(cellcrop_geom(200, 200, 220, 220, 0.2f, 100, 100, &c) == -1);
		CHECK(cellcrop_geom(NAN, 10, 20, 20, 0.2f, 100, 100, &c) == -1);
		CHECK(memcmp(&c, &before, sizeof c) == 0);
	}
}

static void
test_sample(void)
{
	enum { W = 40, H = 30, N = 8 };
	unsigned char rgb[W * H * 3];
	float out[3 * N * N];
	struct cellcrop c;

	/* A uniform image samples to its value inside, 0.5 outside. */
	memset(rgb, 200, sizeof rgb);
	CHECK(cellcrop_geom(0, 0, 20, 20, 0, W, H, &c) == 0);
	cellcrop_sample(rgb, W, H, &c, N, out);
	NEAR(out[0], 200 / 255.0f);
	NEAR(out[2 * N * N + N * N - 1], 200 / 255.0f);
	/* Box at the left edge with margin: the left quarter is off the image. */
	CHECK(cellcrop_geom(0, 5, 20, 25, 0.5f, W, H, &c) == 0);
	cellcrop_sample(rgb, W, H, &c, N, out);
	NEAR(out[(N / 2) * N + 0], 0.5f);
	NEAR(out[(N / 2) * N + N / 2], 200 / 255.0f);

	/* Left half black, right half white: the averaged footprint keeps
	 * the edge between the two middle output columns. */
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			memset(&rgb[(y * W + x) * 3], x < 20 ? 0 : 255, 3);
	CHECK(cellcrop_geom(12, 7, 28, 23, 0, W, H, &c) == 0);
	cellcrop_sample(rgb, W, H, &c, N, out);
	CHECK(out[3 * N + 0] < 0.01f && out[3 * N + N - 1] > 0.99f);
	CHECK(out[3 * N + N / 2 - 2] < 0.05f && out[3 * N + N / 2 + 1] > 0.95f);
}

int
main(void)
{
	test_confusion();
	test_geometry();
	test_sample();
	return check_done("test_cls");
}
