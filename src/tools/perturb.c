/* perturb.c: image perturbations shared by the tools (bv-eval, bv-train, bv-calib-cls, bv-quality) */
/*
 * Each function changes one struct img (RGB8) in place: colour (hue and
 * brightness), a stain-like change in optical density, defocus blur and a
 * JPEG round trip.  They model what differs between the training images
 * and other clinics' photos; bv-eval applies them to every image of a split
 * before detection (src/tools/eval-robustness.sh runs the table).
 * bv-train's augmentation (trainaug.c) uses the same HSV conversion and
 * JPEG round trip on its float canvases.
 */

#include "tools/perturb.h"
#include "image/imgcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
perturb_rgb2hsv(float r, float g, float b, float *h, float *s, float *v)
{
	float mx = fmaxf(r, fmaxf(g, b)), mn = fminf(r, fminf(g, b)), d = mx - mn;

	*v = mx;
	*s = mx > 0 ? d / mx : 0;
	if (d <= 0)
		*h = 0;
	else if (mx == r)
		*h = (g - b) / d / 6;
	else if (mx == g)
		*h = ((b - r) / d + 2) / 6;
	else
		*h = ((r - g) / d + 4) / 6;
	if (*h < 0)
		*h += 1;
}

void
perturb_hsv2rgb(float h, float s, float v, float *r, float *g, float *b)
{
	float f, p, q, t;
	int i;

	h = (h - floorf(h)) * 6;
	i = (int)h;
	f = h - i;
	p = v * (1 - s);
	q = v * (1 - s * f);
	t = v * (1 - s * (1 - f));
	switch (i % 6) {
	case 0: *r = v; *g = t; *b = p; break;
	case 1: *r = q; *g = v; *b = p; break;
	case 2: *r = p; *g = v; *b = t; break;
	case 3: *r = p; *g = q; *b = v; break;
	case 4: *r = t; *g = p; *b = v; break;
	default: *r = v; *g = p; *b = q; break;
	}
}

void
perturb_colour(struct img *im, float deg, float gain)
{
	size_t n = (size_t)im->w * im->h;

	for (size_t i = 0; i < n; i++) {
		unsigned char *p = im->rgb + 3 * i;
		float r, g, b, h, s, v;

		perturb_rgb2hsv(p[0] / 255.f, p[1] / 255.f, p[2] / 255.f, &h, &s, &v);
		perturb_hsv2rgb(h + deg / 360.f, s, fminf(1, v * gain), &r, &g, &b);
		p[0] = (unsigned char)lrintf(r * 255);
		p[1] = (unsigned char)lrintf(g * 255);
		p[2] = (unsigned char)lrintf(b * 255);
	}
}

void
perturb_od_gain(struct img *im, const float gain[3])
{
	unsigned char lut[3][256];
	size_t n = (size_t)im->w * im->h * 3;

	/* OD of value v: -ln((v + 1) / 256), so 0 stays finite */
	for (int c = 0; c < 3; c++)
		for (int v = 0; v < 256; v++) {
			double od = -log((v + 1) / 256.0) * gain[c];
			double o = 256.0 * exp(-od) - 1;

			lut[c][v] = (unsigned char)(o < 0 ? 0 : o > 255 ? 255 :
			    lrint(o));
		}
	for (size_t i = 0; i < n; i++)
		im->rgb[i] = lut[i % 3][im->rgb[i]];
}

/* One pass of a 1-D kernel along rows (step 3) or columns (step 3 w). */
static void
blur_pass(const unsigned char *src, unsigned char *dst, int w, int h,
    const float *k, int r, int vertical)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < 3; c++) {
				float acc = 0;

				for (int j = -r; j <= r; j++) {
					int xx = vertical ? x : x + j;
					int yy = vertical ? y + j : y;

					/* edges: clamp (repeat the border) */
					xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
					yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
					acc += k[j + r] * src[3 * ((size_t)yy *
					    w + xx) + c];
				}
				dst[3 * ((size_t)y * w + x) + c] =
				    (unsigned char)lrintf(acc);
			}
}

int
perturb_blur(struct img *im, float sigma)
{
	float k[2 * 24 + 1], sum = 0;
	int r = (int)ceilf(3 * sigma);
	unsigned char *tmp;

	if (!(sigma > 0 && sigma <= 8))
		return -1;
	for (int j = -r; j <= r; j++)
		sum += k[j + r] = expf(-(float)(j * j) / (2 * sigma * sigma));
	for (int j = 0; j <= 2 * r; j++)
		k[j] /= sum;
	if ((tmp = malloc((size_t)im->w * im->h * 3)) == NULL)
		return -1;
	blur_pass(im->rgb, tmp, im->w, im->h, k, r, 0);
	blur_pass(tmp, im->rgb, im->w, im->h, k, r, 1);
	free(tmp);
	return 0;
}

int
perturb_jpeg(struct img *im, int quality)
{
	struct img_limits lim;
	struct img out;
	unsigned char *buf = NULL;
	size_t len = 0;

	img_limits_default(&lim);
	if (imgio_encode_jpeg(im, quality, &buf, &len) == -1)
		return -1;
	if (imgio_decode(buf, len, IMG_JPEG, &lim, &out) != IMG_OK) {
		free(buf);
		return -1;
	}
	free(buf);
	imgio_free(im);
	*im = out;
	return 0;
}
