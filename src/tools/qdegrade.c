/* qdegrade.c: degraded and transformed copies of a picture for bv-quality (flags and negatives) */

#include "tools/qdegrade.h"
#include "tools/perturb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char
clip8(double v)
{
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
}

/* Per channel: the 90th percentile, the background of a smear. */
static void
background(const struct img *im, double bg[3])
{
	size_t	 hist[3][256], n = (size_t)im->w * im->h, i, acc;
	int	 c, v;

	memset(hist, 0, sizeof(hist));
	for (i = 0; i < n; i++)
		for (c = 0; c < 3; c++)
			hist[c][im->rgb[i * 3 + c]]++;
	for (c = 0; c < 3; c++) {
		for (v = 0, acc = 0; v < 256; v++)
			if ((acc += hist[c][v]) >= n * 9 / 10)
				break;
		bg[c] = v > 0 ? v : 1;
	}
}

/* Layers of cells on cells: each copy shifted, densities added. */
static int
thick(struct img *im, int layers)
{
	size_t		 n = (size_t)im->w * im->h * 3;
	unsigned char	*src;
	double		 bg[3], v;
	int		 x, y, c, l, d, sx, sy;

	if ((src = malloc(n)) == NULL)
		return -1;
	memcpy(src, im->rgb, n);
	background(im, bg);
	d = (im->w < im->h ? im->w : im->h) / 8 / 3 + 1;
	for (l = 1; l < layers; l++)
		for (y = 0; y < im->h; y++)
			for (x = 0; x < im->w; x++) {
				sx = (x + d * l * 2) % im->w;
				sy = (y + d * l) % im->h;
				for (c = 0; c < 3; c++) {
					v = im->rgb[((size_t)y * im->w + x) * 3 +
					    c] * (src[((size_t)sy * im->w + sx) *
					    3 + c] / bg[c]);
					im->rgb[((size_t)y * im->w + x) * 3 + c] =
					    clip8(v);
				}
			}
	free(src);
	return 0;
}

static void
sparse(struct img *im)
{
	double	 bg[3], r = (im->w < im->h ? im->w : im->h) / 20.0, dx, dy;
	int	 x, y, c;

	background(im, bg);
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++) {
			dx = x - im->w / 2.0;
			dy = y - im->h / 2.0;
			if (dx * dx + dy * dy <= r * r)
				continue;
			for (c = 0; c < 3; c++)
				im->rgb[((size_t)y * im->w + x) * 3 + c] =
				    clip8(bg[c]);
		}
}

static int
replace(struct img *im, struct img *out, int rc)
{
	if (rc == -1)
		return -1;
	imgio_free(im);
	*im = *out;
	return 0;
}

static int
crop(struct img *im, double f)
{
	struct img	 o;
	int		 x0, y0, y;

	o.w = (int)(im->w * f);
	o.h = (int)(im->h * f);
	if (o.w < 8 || o.h < 8 || f > 1 ||
	    (o.rgb = malloc((size_t)o.w * o.h * 3)) == NULL)
		return -1;
	x0 = (im->w - o.w) / 2;
	y0 = (im->h - o.h) / 2;
	for (y = 0; y < o.h; y++)
		memcpy(o.rgb + (size_t)y * o.w * 3, im->rgb + ((size_t)(y0 + y) *
		    im->w + x0) * 3, (size_t)o.w * 3);
	return replace(im, &o, 0);
}

/* One spec (no '+'). */
static int
apply_one(struct img *im, const char *s)
{
	struct img	 o;
	double		 a, g[3];
	float		 fg[3];
	size_t		 i, n = (size_t)im->w * im->h * 3;

	if (strcmp(s, "none") == 0)
		return 0;
	if (strcmp(s, "sparse") == 0) {
		sparse(im);
		return 0;
	}
	if (sscanf(s, "scale:%lf", &a) == 1)
		return a > 0 && a <= 4 ? replace(im, &o,
		    imgio_resize_factor(im, a, &o)) : -1;
	if (sscanf(s, "crop:%lf", &a) == 1)
		return crop(im, a);
	if (sscanf(s, "blur:%lf", &a) == 1) {
		a *= (im->w < im->h ? im->w : im->h) / 100.0;
		return perturb_blur(im, (float)fmin(8, a));
	}
	if (sscanf(s, "noise:%lf", &a) == 1) {
		/* the camera's noise: uniform, +-a levels, a fixed sequence */
		unsigned long r = 23;

		for (i = 0; i < n; i++) {
			r = r * 6364136223846793005UL + 1442695040888963407UL;
			im->rgb[i] = clip8(im->rgb[i] + ((double)(r >> 33) /
			    (1UL << 31) * 2 - 1) * a);
		}
		return 0;
	}
	if (sscanf(s, "gain:%lf", &a) == 1) {
		for (i = 0; i < n; i++)
			im->rgb[i] = clip8(im->rgb[i] * a);
		return 0;
	}
	if (sscanf(s, "thick:%lf", &a) == 1)
		return thick(im, (int)a);
	if (sscanf(s, "od:%lf,%lf,%lf", &g[0], &g[1], &g[2]) == 3) {
		for (i = 0; i < 3; i++)
			fg[i] = (float)g[i];
		perturb_od_gain(im, fg);
		return 0;
	}
	if (sscanf(s, "cast:%lf,%lf,%lf", &g[0], &g[1], &g[2]) == 3) {
		for (i = 0; i < n; i++)
			im->rgb[i] = clip8(im->rgb[i] * g[i % 3]);
		return 0;
	}
	return -1;
}

int
qdegrade_apply(struct img *im, const char *spec)
{
	char	 buf[256], *p, *save = NULL;

	if (strlen(spec) >= sizeof(buf))
		return -1;
	strcpy(buf, spec);
	for (p = strtok_r(buf, "+", &save); p != NULL;
	    p = strtok_r(NULL, "+", &save))
		if (apply_one(im, p) == -1)
			return -1;
	return 0;
}
