/* test_perturb.c: bv-eval's robustness perturbations (src/tools/perturb.c) */
#include "tools/perturb.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct img
make(int w, int h)
{
	struct img im = { w, h, malloc((size_t)w * h * 3) };

	/* a pink background with a purple disc: a cell on a smear */
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned char *p = im.rgb + 3 * ((size_t)y * w + x);
			int in = (x - w / 2) * (x - w / 2) + (y - h / 2) *
			    (y - h / 2) < (w / 4) * (w / 4);

			p[0] = in ? 120 : 235;
			p[1] = in ? 60 : 205;
			p[2] = in ? 160 : 210;
		}
	return im;
}

static double
mean(const struct img *im, int c)
{
	double s = 0;

	for (size_t i = 0; i < (size_t)im->w * im->h; i++)
		s += im->rgb[3 * i + c];
	return s / ((double)im->w * im->h);
}

int
main(void)
{
	struct img a = make(64, 48), b = make(64, 48);
	float one[3] = { 1, 1, 1 }, heavy[3] = { 1.3f, 1.3f, 1.3f };
	float bluer[3] = { 0.8f, 1, 1.25f };
	unsigned char white[3] = { 255, 255, 255 };
	struct img w = { 1, 1, white };
	int same = 1;

	/* OD gain 1 changes nothing; white stays white at any gain */
	perturb_od_gain(&b, one);
	CHECK(memcmp(a.rgb, b.rgb, (size_t)64 * 48 * 3) == 0);
	perturb_od_gain(&w, heavy);
	CHECK(white[0] == 255 && white[1] == 255 && white[2] == 255);
	/* a heavier stain darkens every stained pixel; bluer: more red absorbed */
	perturb_od_gain(&b, heavy);
	CHECK(b.rgb[3 * (24 * 64 + 32)] < a.rgb[3 * (24 * 64 + 32)]);
	CHECK(b.rgb[3 * (24 * 64 + 32) + 1] < a.rgb[3 * (24 * 64 + 32) + 1]);
	memcpy(b.rgb, a.rgb, (size_t)64 * 48 * 3);
	perturb_od_gain(&b, bluer);
	CHECK(b.rgb[3 * (24 * 64 + 32)] > a.rgb[3 * (24 * 64 + 32)]);
	CHECK(b.rgb[3 * (24 * 64 + 32) + 2] < a.rgb[3 * (24 * 64 + 32) + 2]);

	/* blur: the mean stays (within rounding), the disc edge softens */
	memcpy(b.rgb, a.rgb, (size_t)64 * 48 * 3);
	CHECK(perturb_blur(&b, 2) == 0);
	CHECK(fabs(mean(&a, 0) - mean(&b, 0)) < 1.0);
	CHECK(b.rgb[3 * (24 * 64 + 16)] != a.rgb[3 * (24 * 64 + 16)]);
	CHECK(perturb_blur(&b, 0) == -1 && perturb_blur(&b, 9) == -1);

	/* hue 0 and gain 1: the same image (up to rounding of the HSV trip) */
	memcpy(b.rgb, a.rgb, (size_t)64 * 48 * 3);
	perturb_colour(&b, 0, 1);
	for (size_t i = 0; i < (size_t)64 * 48 * 3; i++)
		same &= abs(a.rgb[i] - b.rgb[i]) <= 1;
	CHECK(same);

	/* JPEG round trip: same size, close, not identical at quality 15 */
	memcpy(b.rgb, a.rgb, (size_t)64 * 48 * 3);
	CHECK(perturb_jpeg(&b, 15) == 0);
	CHECK(b.w == 64 && b.h == 48);
	CHECK(fabs(mean(&a, 1) - mean(&b, 1)) < 6.0);
	CHECK(memcmp(a.rgb, b.rgb, (size_t)64 * 48 * 3) != 0);

	free(a.rgb);
	imgio_free(&b);
	return check_done("test_perturb");
}
