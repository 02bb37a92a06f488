/* bv-train.c: train Darknet YOLO detectors and cell classifiers (mosaic, EMA, cosine LR) */
/*
 * libdarknet 2018 does the forward/backward/update (train_network()); this
 * program does everything around it that the stock `darknet detector train`
 * lacks or does slowly:
 *   - gemm() routed to OpenBLAS (blasgemm.c, linked into this executable);
 *   - its own batches: images decoded once and cached, then mosaic, random
 *     scale/translate, the 8 flips/rotations of the square and wide HSV
 *     jitter, all driven by one seeded PRNG so that a resumed run continues
 *     exactly (darknet's own rand() is never used for augmentation);
 *   - warmup + cosine learning rate, EMA of the weights (kept in a second,
 *     batch-1 network that is also the validation network);
 *   - checkpoints (weights, EMA, momentum, state) written to a fresh
 *     directory and published by renaming a "latest" symlink, so a kill at
 *     any moment leaves a complete previous checkpoint;
 *   - VOC mAP@0.5 on the validation list(s), keeping best.weights (EMA).
 * v2 (models/README.md, "Model v2"): per-image cell scale (list scale=),
 * ignore regions in the YOLO loss (border=ignore, cells cut by mosaic
 * tiles), white balance, blur, vignetting, noise and JPEG augmentation.
 * Subcommands: `anchors` (k-means on label boxes), `--init-only`, `eval`
 * (mAP of a weights file on lists), `classify` / `classify-eval` (the
 * white-cell classifier on pbc-cells) and `classify-e2e` (detector then
 * classifier on whole images).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <darknet.h>

#include "engine/blasgemm.h"
#include "vision/cellcrop.h"
#include "tools/clsmetrics.h"
#include "image/imgio.h"
#include "tools/vocap.h"
#include "tools/toolutil.h"
#include "base/timing.h"
#include "base/geom.h"

#define MAXLINE 4096

/* ---------------------------------------------------------------- rng */

static uint64_t rng_state = 1;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static float
rng_uniform(float lo, float hi)
{
	return lo + (hi - lo) * (float)((rng_next() >> 40) * (1.0 / 16777216.0));
}

static int
rng_int(int n)
{
	return (int)(rng_next() % (uint64_t)n);
}

/* Log-uniform factor in [1/s, s]. */
static float
rng_scale(float s)
{
	return expf(rng_uniform(-logf(s), logf(s)));
}

/* ------------------------------------------------------------ dataset */

/*
 * A list line is "IMAGE [scale=F] [border=ignore] [labels=partial]".
 * scale is the image's
 * cell scale: network-input pixels per image pixel at the reference input
 * size (--scale-ref, 288), i.e. the scale at which its red cells come out
 * ~47 px like BCCD letterboxed to 288 (0.45); the scale augmentation is
 * relative to it.  Without it the letterbox is the base scale (v1).
 * border=ignore turns boxes cut by the image border (touching it, with a
 * short/long side ratio below --border-aspect) into ignore regions: the
 * TXL-PBC labels box every cut cell, BCCD's only some, so neither
 * convention is taught on them.  An ignore region is stored with
 * cls = -1 - class (negative): never a truth, never a negative in the
 * objectness loss, and a "difficult" box in validation.
 * labels=partial (v3: BCCD images whose own boxes leave out many red
 * cells) adds one ignore region over the whole image: its boxes are
 * taught as objects, and nothing in it is taught as background.
 */
struct sample {
	char *path;
	image im;          /* CHW float RGB in [0,1] (darknet layout) */
	int nb;
	float *b;          /* nb x {cls, x0, y0, x1, y1} in pixels */
	float scale;       /* cell scale at --scale-ref; 0: letterbox */
	char *wbc;         /* wbc=CLASS: the centred white cell's class */
};

static float border_aspect = 0.7f;

struct dataset {
	struct sample *s;
	int n;
};

/* Darknet's convention: .../JPEGImages/X.jpg -> .../labels/X.txt; also
 * .../images/X.jpg -> .../labels/X.txt (pbc-detect's layout). */
static int
label_path(const char *img, char *out, size_t outsz)
{
	const char *j = strstr(img, "JPEGImages");
	const char *dot = strrchr(img, '.');
	size_t skip = 10;

	if (j == NULL) {
		for (const char *q = strstr(img, "images/"); q != NULL;
		    q = strstr(q + 1, "images/"))
			if (q == img || q[-1] == '/')
				j = q;
		skip = 6;
	}
	if (j == NULL || dot == NULL || dot < j)
		return -1;
	if ((size_t)snprintf(out, outsz, "%.*slabels%.*s.txt", (int)(j - img), img,
	    (int)(dot - (j + skip)), j + skip) >= outsz)
		return -1;
	return 0;
}

/* labels=partial: one ignore region (class 0's) over the whole image. */
static int
sample_add_whole_ignore(struct sample *s, int cap)
{
	if (s->nb == cap) {
		float *nb = realloc(s->b, (cap + 1) * 5 * sizeof *nb);

		if (nb == NULL)
			return -1;
		s->b = nb;
	}
	s->b[s->nb * 5 + 0] = -1;
	s->b[s->nb * 5 + 1] = 0;
	s->b[s->nb * 5 + 2] = 0;
	s->b[s->nb * 5 + 3] = (float)s->im.w;
	s->b[s->nb * 5 + 4] = (float)s->im.h;
	s->nb++;
	return 0;
}

static int
sample_load(struct sample *s, char *spec)
{
	char lp[PATH_MAX], line[256], *path, *tok, *save = NULL;
	FILE *f;
	int cap = 0, border_ignore = 0, partial = 0;

	memset(s, 0, sizeof *s);
	path = strtok_r(spec, " \t", &save);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strncmp(tok, "scale=", 6) == 0 && strtof(tok + 6, NULL) > 0)
			s->scale = strtof(tok + 6, NULL);
		else if (strcmp(tok, "border=ignore") == 0)
			border_ignore = 1;
		else if (strcmp(tok, "labels=partial") == 0)
			partial = 1;
		else if (strncmp(tok, "wbc=", 4) == 0 && s->wbc == NULL)
			s->wbc = strdup(tok + 4);
		else {
			fprintf(stderr, "bv-train: %s: unknown list field %s\n", path, tok);
			return -1;
		}
	}
	if (path == NULL || (s->path = strdup(path)) == NULL)
		return -1;
	/* load_image_color() exits on failure: check readability first. */
	if (access(path, R_OK) == -1) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	s->im = load_image_color(s->path, 0, 0);
	if (label_path(path, lp, sizeof lp) == -1 || (f = fopen(lp, "r")) == NULL) {
		fprintf(stderr, "bv-train: no label file for %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		int c;
		float x, y, w, h;

		if (sscanf(line, "%d %f %f %f %f", &c, &x, &y, &w, &h) != 5)
			continue;
		if (s->nb == cap) {
			float *nb;

			cap = cap ? cap * 2 : 32;
			if ((nb = realloc(s->b, cap * 5 * sizeof *nb)) == NULL) {
				fclose(f);
				return -1;
			}
			s->b = nb;
		}
		s->b[s->nb * 5 + 0] = (float)c;
		s->b[s->nb * 5 + 1] = (x - w / 2) * s->im.w;
		s->b[s->nb * 5 + 2] = (y - h / 2) * s->im.h;
		s->b[s->nb * 5 + 3] = (x + w / 2) * s->im.w;
		s->b[s->nb * 5 + 4] = (y + h / 2) * s->im.h;
		if (border_ignore && w > 0 && h > 0) {
			float pw = w * s->im.w, ph = h * s->im.h;
			float asp = pw < ph ? pw / ph : ph / pw;
			int edge = s->b[s->nb * 5 + 1] < 2 || s->b[s->nb * 5 + 2] < 2 ||
			    s->b[s->nb * 5 + 3] > s->im.w - 2 ||
			    s->b[s->nb * 5 + 4] > s->im.h - 2;

			if (edge && asp < border_aspect)
				s->b[s->nb * 5 + 0] = (float)(-1 - c);
		}
		s->nb++;
	}
	fclose(f);
	return partial ? sample_add_whole_ignore(s, cap) : 0;
}

static int
dataset_load(struct dataset *ds, const char *list)
{
	char line[MAXLINE];
	FILE *f;
	int cap = 0;

	memset(ds, 0, sizeof *ds);
	if ((f = fopen(list, "r")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", list, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (ds->n == cap) {
			struct sample *ns;

			cap = cap ? cap * 2 : 256;
			if ((ns = realloc(ds->s, cap * sizeof *ns)) == NULL)
				goto fail;
			ds->s = ns;
		}
		if (sample_load(&ds->s[ds->n], line) == -1)
			goto fail;
		ds->n++;
	}
	fclose(f);
	if (ds->n == 0) {
		fprintf(stderr, "bv-train: %s: empty list\n", list);
		return -1;
	}
	return 0;
fail:
	fclose(f);
	return -1;
}

/* ------------------------------------------------------- augmentation */

struct aug {
	float mosaic;          /* probability of a 4-image mosaic */
	float scale_min, scale_max; /* object scale vs. the sample's base scale */
	float scale_ref;       /* input size that list scale= values refer to */
	float hue, sat, exp;   /* hue shift (fraction of the circle), factors */
	float wb;              /* per-channel gain factor (white balance), >= 1 */
	/* Camera: each applied with probability cam_p, in this order. */
	float cam_p;
	float blur;            /* max Gaussian sigma, px at the network input */
	float vignette;        /* max corner darkening (fraction) */
	float noise;           /* max Gaussian noise sigma (0-1 scale) */
	int jpeg_min;          /* lowest JPEG quality (0: off) */
	int flips;             /* flips and 90-degree turns */
};

/* Boxes for one training image: darknet truth rows and ignore regions. */
struct ignores {
	int n, max;
	float *b;              /* n x {x0, y0, x1, y1} relative to the input */
};

static void
rgb2hsv(float r, float g, float b, float *h, float *s, float *v)
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

static void
hsv2rgb(float h, float s, float v, float *r, float *g, float *b)
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

static float
clamp01(float x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Jitter hue/saturation/exposure and the white balance of canvas pixels
 * inside rect. */
static void
aug_hsv(float *cv, int S, const int r[4], const struct aug *a)
{
	float dh = rng_uniform(-a->hue, a->hue);
	float ds = rng_scale(a->sat), dv = rng_scale(a->exp);
	size_t plane = (size_t)S * S;

	if (a->wb > 1) {
		/* Draws only when enabled, so v1 runs keep their PRNG stream. */
		float g[3];

		for (int c = 0; c < 3; c++)
			g[c] = rng_scale(a->wb);
		for (int c = 0; c < 3; c++)
			for (int y = r[1]; y < r[3]; y++)
				for (int x = r[0]; x < r[2]; x++) {
					float *px = &cv[c * plane + (size_t)y * S + x];

					*px = clamp01(*px * g[c]);
				}
	}

	for (int y = r[1]; y < r[3]; y++)
		for (int x = r[0]; x < r[2]; x++) {
			size_t i = (size_t)y * S + x;
			float h, s, v, R, G, B;

			rgb2hsv(cv[i], cv[i + plane], cv[i + 2 * plane], &h, &s, &v);
			hsv2rgb(h + dh, clamp01(s * ds), clamp01(v * dv), &R, &G, &B);
			cv[i] = R;
			cv[i + plane] = G;
			cv[i + 2 * plane] = B;
		}
}

static void
ignore_add(struct ignores *ig, float x0, float y0, float x1, float y1, int S)
{
	if (ig == NULL || ig->n >= ig->max)
		return;
	ig->b[ig->n * 4 + 0] = x0 / S;
	ig->b[ig->n * 4 + 1] = y0 / S;
	ig->b[ig->n * 4 + 2] = x1 / S;
	ig->b[ig->n * 4 + 3] = y1 / S;
	ig->n++;
}

/* Base scale (network pixels per image pixel) of a sample at input S. */
static float
sample_base_scale(const struct sample *s, int S, float scale_ref)
{
	if (s->scale > 0)
		return s->scale * S / scale_ref;
	return (float)S / (s->im.w > s->im.h ? s->im.w : s->im.h);
}

/*
 * Draw sample src into rect r of the SxS canvas at a random scale, offset
 * and orientation; append its visible boxes (relative cx cy w h cls) to
 * y at *nout, up to maxb, and its ignore regions, plus boxes the tile cuts
 * below 35 % of their area, to ig.
 */
static void
aug_place(const struct sample *src, float *cv, int S, const int r[4],
    const struct aug *a, float *y, int *nout, int maxb, struct ignores *ig)
{
	const image *im = &src->im;
	int tr = a->flips ? rng_int(2) : 0;
	int fx = a->flips ? rng_int(2) : 0, fy = a->flips ? rng_int(2) : 0;
	int vw = tr ? im->h : im->w, vh = tr ? im->w : im->h;
	float base = sample_base_scale(src, S, a->scale_ref);
	float s = base * expf(rng_uniform(logf(a->scale_min), logf(a->scale_max)));
	float rw = r[2] - r[0], rh = r[3] - r[1];
	float slackx = rw - vw * s, slacky = rh - vh * s;
	float ox = r[0] + rng_uniform(fminf(0, slackx), fmaxf(0, slackx));
	float oy = r[1] + rng_uniform(fminf(0, slacky), fmaxf(0, slacky));
	size_t plane = (size_t)S * S, iplane = (size_t)im->w * im->h;

	for (int py = r[1]; py < r[3]; py++) {
		float v = (py + 0.5f - oy) / s - 0.5f;

		if (v < -0.5f || v >= vh - 0.5f)
			continue;
		for (int px = r[0]; px < r[2]; px++) {
			float u = (px + 0.5f - ox) / s - 0.5f, uu, vv, sx, sy, ax, ay;
			int x0, y0, x1, y1;

			if (u < -0.5f || u >= vw - 0.5f)
				continue;
			uu = fx ? vw - 1 - u : u;
			vv = fy ? vh - 1 - v : v;
			sx = tr ? vv : uu;
			sy = tr ? uu : vv;
			sx = sx < 0 ? 0 : sx > im->w - 1 ? im->w - 1 : sx;
			sy = sy < 0 ? 0 : sy > im->h - 1 ? im->h - 1 : sy;
			x0 = (int)sx;
			y0 = (int)sy;
			x1 = x0 + 1 < im->w ? x0 + 1 : x0;
			y1 = y0 + 1 < im->h ? y0 + 1 : y0;
			ax = sx - x0;
			ay = sy - y0;
			for (int c = 0; c < 3; c++) {
				const float *p = im->data + c * iplane;
				float top = p[y0 * im->w + x0] * (1 - ax) + p[y0 * im->w + x1] * ax;
				float bot = p[y1 * im->w + x0] * (1 - ax) + p[y1 * im->w + x1] * ax;

				cv[c * plane + (size_t)py * S + px] = top * (1 - ay) + bot * ay;
			}
		}
	}
	aug_hsv(cv, S, r, a);

	for (int i = 0; i < src->nb && *nout < maxb; i++) {
		const float *b = src->b + i * 5;
		float bx0 = tr ? b[2] : b[1], by0 = tr ? b[1] : b[2];
		float bx1 = tr ? b[4] : b[3], by1 = tr ? b[3] : b[4];
		float t, full, cx0, cy0, cx1, cy1;

		if (fx) {
			t = vw - bx1;
			bx1 = vw - bx0;
			bx0 = t;
		}
		if (fy) {
			t = vh - by1;
			by1 = vh - by0;
			by0 = t;
		}
		bx0 = bx0 * s + ox;
		bx1 = bx1 * s + ox;
		by0 = by0 * s + oy;
		by1 = by1 * s + oy;
		full = (bx1 - bx0) * (by1 - by0);
		cx0 = fmaxf(bx0, r[0]);
		cy0 = fmaxf(by0, r[1]);
		cx1 = fminf(bx1, r[2]);
		cy1 = fminf(by1, r[3]);
		if (cx1 - cx0 < 1 || cy1 - cy0 < 1)
			continue;
		/* Cells mostly outside the tile are not truths (BCCD's
		 * annotators boxed cells cut by the border but not slivers);
		 * they are ignore regions, so the net is not taught that a
		 * visible part of a cell is background either. */
		if (b[0] < 0 || cx1 - cx0 < 2 || cy1 - cy0 < 2 ||
		    (cx1 - cx0) * (cy1 - cy0) < 0.35f * full) {
			ignore_add(ig, cx0, cy0, cx1, cy1, S);
			continue;
		}
		y[*nout * 5 + 0] = (cx0 + cx1) / 2 / S;
		y[*nout * 5 + 1] = (cy0 + cy1) / 2 / S;
		y[*nout * 5 + 2] = (cx1 - cx0) / S;
		y[*nout * 5 + 3] = (cy1 - cy0) / S;
		y[*nout * 5 + 4] = b[0];
		(*nout)++;
	}
}

/* Standard normal deviate from the seeded PRNG (Box-Muller). */
static float
rng_gauss(void)
{
	float u = rng_uniform(1e-7f, 1), v = rng_uniform(0, 1);

	return sqrtf(-2 * logf(u)) * cosf(2 * (float)M_PI * v);
}

/* Separable Gaussian blur of the SxS planar canvas. */
static void
cam_blur(float *cv, int S, float sigma)
{
	float k[16], sum = 0, *row = malloc((size_t)S * sizeof *row);
	int rad = (int)ceilf(2.5f * sigma);

	if (row == NULL)
		return;
	if (rad > 7)
		rad = 7;
	for (int i = -rad; i <= rad; i++)
		sum += k[i + rad] = expf(-0.5f * i * i / (sigma * sigma));
	for (int i = 0; i <= 2 * rad; i++)
		k[i] /= sum;
	for (int c = 0; c < 3; c++) {
		float *p = cv + (size_t)c * S * S;

		for (int y = 0; y < S; y++) {	/* rows */
			for (int x = 0; x < S; x++) {
				float acc = 0;

				for (int i = -rad; i <= rad; i++) {
					int xx = x + i < 0 ? 0 : x + i >= S ? S - 1 : x + i;
					acc += k[i + rad] * p[(size_t)y * S + xx];
				}
				row[x] = acc;
			}
			memcpy(p + (size_t)y * S, row, (size_t)S * sizeof *row);
		}
		for (int x = 0; x < S; x++) {	/* columns */
			for (int y = 0; y < S; y++) {
				float acc = 0;

				for (int i = -rad; i <= rad; i++) {
					int yy = y + i < 0 ? 0 : y + i >= S ? S - 1 : y + i;
					acc += k[i + rad] * p[(size_t)yy * S + x];
				}
				row[y] = acc;
			}
			for (int y = 0; y < S; y++)
				p[(size_t)y * S + x] = row[y];
		}
	}
	free(row);
}

/* Round trip through libjpeg at quality q (4:2:0), like a phone camera
 * or a re-saved upload: block artefacts and chroma smearing. */
static void
cam_jpeg(float *cv, int S, int q)
{
	struct img im = { S, S, malloc((size_t)S * S * 3) }, out;
	unsigned char *buf = NULL;
	size_t len = 0, plane = (size_t)S * S;

	if (im.rgb == NULL)
		return;
	for (size_t i = 0; i < plane; i++)
		for (int c = 0; c < 3; c++)
			im.rgb[i * 3 + c] = (unsigned char)lrintf(clamp01(cv[c * plane + i]) * 255);
	if (imgio_encode_jpeg(&im, q, &buf, &len) == 0 &&
	    imgio_decode(buf, len, IMG_JPEG, NULL, &out) == IMG_OK) {
		if (out.w == S && out.h == S)
			for (size_t i = 0; i < plane; i++)
				for (int c = 0; c < 3; c++)
					cv[c * plane + i] = out.rgb[i * 3 + c] / 255.0f;
		imgio_free(&out);
	}
	free(buf);
	free(im.rgb);
}

/*
 * Camera and optics on the whole canvas: defocus blur, vignetting (lamp
 * and objective falloff), sensor noise, JPEG loss; each with probability
 * cam_p.  The PRNG draws happen in a fixed order whatever is applied.
 */
static void
aug_camera(float *cv, int S, const struct aug *a)
{
	size_t plane = (size_t)S * S;
	float pb = rng_uniform(0, 1), sb = rng_uniform(0.4f, fmaxf(0.4f, a->blur));
	float pv = rng_uniform(0, 1), kv = rng_uniform(0, a->vignette);
	float vx = S * rng_uniform(0.3f, 0.7f), vy = S * rng_uniform(0.3f, 0.7f);
	float pn = rng_uniform(0, 1), sn = rng_uniform(0, a->noise);
	float pj = rng_uniform(0, 1);
	int qj = a->jpeg_min > 0 ? a->jpeg_min + rng_int(96 - a->jpeg_min) : 0;

	if (a->blur > 0 && pb < a->cam_p)
		cam_blur(cv, S, sb);
	if (a->vignette > 0 && pv < a->cam_p) {
		float R2 = 0.5f * S * S;

		for (int y = 0; y < S; y++)
			for (int x = 0; x < S; x++) {
				float dx = x - vx, dy = y - vy;
				float g = 1 - kv * fminf(1, (dx * dx + dy * dy) / R2);

				for (int c = 0; c < 3; c++)
					cv[c * plane + (size_t)y * S + x] *= g;
			}
	}
	if (a->noise > 0 && pn < a->cam_p)
		for (size_t i = 0; i < 3 * plane; i++)
			cv[i] = clamp01(cv[i] + sn * rng_gauss());
	if (qj > 0 && pj < a->cam_p)
		cam_jpeg(cv, S, qj);
}

static int
aug_camera_on(const struct aug *a)
{
	return a->cam_p > 0 && (a->blur > 0 || a->vignette > 0 ||
	    a->noise > 0 || a->jpeg_min > 0);
}

/* One training image (plane-major RGB), its truth row and ignore regions. */
static void
aug_sample(const struct dataset *ds, int idx, float *cv, int S,
    const struct aug *a, float *y, int maxb, struct ignores *ig)
{
	int n = 0;

	for (size_t i = 0; i < (size_t)3 * S * S; i++)
		cv[i] = 0.5f;
	memset(y, 0, (size_t)maxb * 5 * sizeof *y);
	if (ig != NULL)
		ig->n = 0;
	if (rng_uniform(0, 1) < a->mosaic) {
		int mx = (int)(S * rng_uniform(0.3f, 0.7f));
		int my = (int)(S * rng_uniform(0.3f, 0.7f));
		int rects[4][4] = {
			{ 0, 0, mx, my }, { mx, 0, S, my },
			{ 0, my, mx, S }, { mx, my, S, S },
		};

		for (int k = 0; k < 4; k++) {
			int j = k == 0 ? idx : rng_int(ds->n);

			aug_place(&ds->s[j], cv, S, rects[k], a, y, &n, maxb, ig);
		}
	} else {
		int r[4] = { 0, 0, S, S };

		aug_place(&ds->s[idx], cv, S, r, a, y, &n, maxb, ig);
	}
	if (aug_camera_on(a))
		aug_camera(cv, S, a);
}

/* Outline a box (relative corners) into the planar canvas. */
static void
dump_rect(float *cv, int S, float x0, float y0, float x1, float y1,
    const float rgb[3])
{
	int a = (int)(x0 * S), b = (int)(y0 * S), c = (int)(x1 * S), d = (int)(y1 * S);
	size_t plane = (size_t)S * S;

	a = a < 0 ? 0 : a; b = b < 0 ? 0 : b;
	c = c > S - 1 ? S - 1 : c; d = d > S - 1 ? S - 1 : d;
	for (int k = 0; k < 3; k++)
		for (int x = a; x <= c; x++) {
			cv[k * plane + (size_t)b * S + x] = rgb[k];
			cv[k * plane + (size_t)d * S + x] = rgb[k];
		}
	for (int k = 0; k < 3; k++)
		for (int y = b; y <= d; y++) {
			cv[k * plane + (size_t)y * S + a] = rgb[k];
			cv[k * plane + (size_t)y * S + c] = rgb[k];
		}
}

/* --dump-aug: write one augmented input as PATH.png (libdarknet's
 * writer) with its truths (RBC green, WBC blue, platelets yellow) and
 * ignore regions (red) drawn. */
static void
dump_aug(const char *path, float *cv, int S, const float *y, int maxb,
    const struct ignores *ig)
{
	static const float col[4][3] = {
		{ 0, 1, 0 }, { 0, 0, 1 }, { 1, 1, 0 }, { 1, 0, 0 },
	};
	image im = { S, S, 3, cv };

	for (int i = 0; i < maxb && y[i * 5 + 2] > 0; i++) {
		const float *t = y + i * 5;
		int c = (int)t[4];

		dump_rect(cv, S, t[0] - t[2] / 2, t[1] - t[3] / 2, t[0] + t[2] / 2,
		    t[1] + t[3] / 2, col[c >= 0 && c < 3 ? c : 3]);
	}
	for (int i = 0; i < ig->n; i++)
		dump_rect(cv, S, ig->b[i * 4], ig->b[i * 4 + 1], ig->b[i * 4 + 2],
		    ig->b[i * 4 + 3], col[3]);
	save_image_options(im, path, PNG, 0);
}

/* -------------------------------------------------------- net helpers */

/* Copy cfg to out, forcing [net] batch and subdivisions. */
static int
cfg_with_batch(const char *in, const char *out, int batch)
{
	char line[MAXLINE];
	FILE *fi, *fo;
	int innet = 0;

	if ((fi = fopen(in, "r")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", in, strerror(errno));
		return -1;
	}
	if ((fo = fopen(out, "w")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", out, strerror(errno));
		fclose(fi);
		return -1;
	}
	while (fgets(line, sizeof line, fi) != NULL) {
		if (line[0] == '[') {
			innet = strncmp(line, "[net]", 5) == 0;
			fputs(line, fo);
			if (innet)
				fprintf(fo, "batch=%d\nsubdivisions=1\n", batch);
			continue;
		}
		if (innet && (strncmp(line, "batch", 5) == 0 ||
		    strncmp(line, "subdivisions", 12) == 0))
			continue;
		fputs(line, fo);
	}
	fclose(fi);
	return fclose(fo) == EOF ? -1 : 0;
}

/* Untrained batch-norm statistics that keep inference finite. */
static void
net_sane_bn(network *net)
{
	for (int i = 0; i < net->n; i++) {
		layer *l = &net->layers[i];

		if (l->type == CONVOLUTIONAL && l->batch_normalize)
			for (int k = 0; k < l->n; k++) {
				l->rolling_mean[k] = 0;
				l->rolling_variance[k] = 1;
			}
	}
}

typedef void (*param_fn)(float *dst, float *src, int n, float d);

static void
p_copy(float *dst, float *src, int n, float d)
{
	(void)d;
	memcpy(dst, src, (size_t)n * sizeof *dst);
}

static void
p_ema(float *dst, float *src, int n, float d)
{
	for (int i = 0; i < n; i++)
		dst[i] = d * dst[i] + (1 - d) * src[i];
}

/* Apply fn to every parameter array pair of two same-shaped networks. */
static void
net_params(network *dst, network *src, param_fn fn, float d)
{
	for (int i = 0; i < dst->n; i++) {
		layer *a = &dst->layers[i], *b = &src->layers[i];

		if (a->type != CONVOLUTIONAL)
			continue;
		fn(a->weights, b->weights, a->nweights, d);
		fn(a->biases, b->biases, a->n, d);
		if (a->batch_normalize) {
			fn(a->scales, b->scales, a->n, d);
			fn(a->rolling_mean, b->rolling_mean, a->n, d);
			fn(a->rolling_variance, b->rolling_variance, a->n, d);
		}
	}
}

/* Momentum buffers (not in .weights files) for an exact resume. */
static int
momentum_io(network *net, const char *path, int save)
{
	FILE *f = fopen(path, save ? "wb" : "rb");
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < net->n && rc == 0; i++) {
		layer *l = &net->layers[i];
		float *arr[3] = { l->weight_updates, l->bias_updates, l->scale_updates };
		int len[3] = { l->nweights, l->n, l->batch_normalize ? l->n : 0 };

		if (l->type != CONVOLUTIONAL)
			continue;
		for (int k = 0; k < 3; k++) {
			size_t got = save ? fwrite(arr[k], sizeof(float), len[k], f) :
			    fread(arr[k], sizeof(float), len[k], f);

			if (got != (size_t)len[k])
				rc = -1;
		}
	}
	if (fclose(f) == EOF)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "bv-train: %s: short %s\n", path, save ? "write" : "read");
	return rc;
}

/* ---------------------------------------------------------- validation */

struct valset {
	const char *name;
	struct dataset ds;
	image *boxed;         /* network inputs, cached */
	float *sc, *dx, *dy;  /* input = image * sc + (dx, dy); sc 0: letterbox */
};

/*
 * Cache the network inputs of a validation set.  Samples with a list
 * scale= are resized to their cell scale (at most the letterbox scale, so
 * the whole image fits) and centred on a 0.5 grey canvas, as the server's
 * fixed-cell-scale tiles see them; the others are letterboxed as in v1.
 * Returns 0, or -1 when out of memory.
 */
static int
valset_prepare(struct valset *vs, int S, float scale_ref)
{
	int n = vs->ds.n;

	vs->boxed = calloc(n, sizeof *vs->boxed);
	vs->sc = calloc(n, sizeof *vs->sc);
	vs->dx = calloc(n, sizeof *vs->dx);
	vs->dy = calloc(n, sizeof *vs->dy);
	if (vs->boxed == NULL || vs->sc == NULL || vs->dx == NULL || vs->dy == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct sample *s = &vs->ds.s[i];
		float lb = (float)S / (s->im.w > s->im.h ? s->im.w : s->im.h);
		float sc = sample_base_scale(s, S, scale_ref);
		int nw, nh, ox, oy;
		image rs, cv;

		if (s->scale <= 0) {
			vs->boxed[i] = letterbox_image(s->im, S, S);
			continue;
		}
		if (sc > lb)
			sc = lb;
		nw = (int)lrintf(s->im.w * sc);
		nh = (int)lrintf(s->im.h * sc);
		nw = nw < 1 ? 1 : nw > S ? S : nw;
		nh = nh < 1 ? 1 : nh > S ? S : nh;
		ox = (S - nw) / 2;
		oy = (S - nh) / 2;
		rs = resize_image(s->im, nw, nh);
		cv = make_image(S, S, 3);
		for (size_t k = 0; k < (size_t)3 * S * S; k++)
			cv.data[k] = 0.5f;
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < nh; y++)
				memcpy(cv.data + ((size_t)c * S + y + oy) * S + ox,
				    rs.data + ((size_t)c * nh + y) * nw,
				    (size_t)nw * sizeof *cv.data);
		free_image(rs);
		vs->boxed[i] = cv;
		vs->sc[i] = (float)nw / s->im.w;
		vs->dx[i] = (float)ox;
		vs->dy[i] = (float)oy;
	}
	return 0;
}

/* mAP@0.5 of net (batch 1) over the validation set; ap[] per class. */
static double
validate(network *net, struct valset *vs, int ncls, double *ap)
{
	struct vocap_gt *gt = NULL;
	struct vocap_det *det = NULL;
	size_t ngt = 0, ndet = 0, capd = 0, capg = 0;
	double map = NAN;

	for (int i = 0; i < vs->ds.n; i++) {
		struct sample *s = &vs->ds.s[i];
		detection *dets;
		int nd = 0;

		for (int k = 0; k < s->nb; k++) {
			if (ngt == capg) {
				capg = capg ? capg * 2 : 1024;
				gt = realloc(gt, capg * sizeof *gt);
				if (gt == NULL)
					goto out;
			}
			gt[ngt].img = i;
			gt[ngt].cls = (int)s->b[k * 5];
			/* Ignore regions: matched detections count neither way. */
			gt[ngt].difficult = gt[ngt].cls < 0;
			if (gt[ngt].cls < 0)
				gt[ngt].cls = -1 - gt[ngt].cls;
			gt[ngt].x0 = s->b[k * 5 + 1];
			gt[ngt].y0 = s->b[k * 5 + 2];
			gt[ngt].x1 = s->b[k * 5 + 3];
			gt[ngt].y1 = s->b[k * 5 + 4];
			ngt++;
		}
		network_predict(net, vs->boxed[i].data);
		/* Scaled inputs: boxes relative to the canvas, mapped back below. */
		if (vs->sc[i] > 0)
			dets = get_network_boxes(net, net->w, net->h, 0.005f, 0.5f, 0, 1, &nd);
		else
			dets = get_network_boxes(net, s->im.w, s->im.h, 0.005f, 0.5f, 0, 1, &nd);
		do_nms_sort(dets, nd, ncls, 0.45f);
		for (int k = 0; k < nd; k++)
			for (int c = 0; c < ncls; c++) {
				box b = dets[k].bbox;

				if (dets[k].prob[c] <= 0)
					continue;
				if (ndet == capd) {
					capd = capd ? capd * 2 : 4096;
					det = realloc(det, capd * sizeof *det);
					if (det == NULL) {
						free_detections(dets, nd);
						goto out;
					}
				}
				det[ndet].img = i;
				det[ndet].cls = c;
				det[ndet].conf = dets[k].prob[c];
				if (vs->sc[i] > 0) {
					float sc = vs->sc[i];

					det[ndet].x0 = ((b.x - b.w / 2) * net->w - vs->dx[i]) / sc;
					det[ndet].x1 = ((b.x + b.w / 2) * net->w - vs->dx[i]) / sc;
					det[ndet].y0 = ((b.y - b.h / 2) * net->h - vs->dy[i]) / sc;
					det[ndet].y1 = ((b.y + b.h / 2) * net->h - vs->dy[i]) / sc;
				} else {
					det[ndet].x0 = (b.x - b.w / 2) * s->im.w;
					det[ndet].x1 = (b.x + b.w / 2) * s->im.w;
					det[ndet].y0 = (b.y - b.h / 2) * s->im.h;
					det[ndet].y1 = (b.y + b.h / 2) * s->im.h;
				}
				ndet++;
			}
		free_detections(dets, nd);
	}
	if (vocap_eval(gt, ngt, det, ndet, vs->ds.n, ncls, 0.5, ap, &map) == -1)
		map = NAN;
out:
	free(gt);
	free(det);
	return map;
}

/* ------------------------------------------------------------- anchors */

static double
wh_iou(float w1, float h1, float w2, float h2)
{
	double i = fmin(w1, w2) * fmin(h1, h2);

	return i / (w1 * h1 + w2 * h2 - i);
}

static int
cmd_anchors(int argc, char **argv)
{
	int S = 256, k = 6, n = 0, cap = 0;
	float *wh = NULL, cw[32], ch[32];
	double avg = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			S = atoi(argv[++i]);
		else if (strcmp(argv[i], "--k") == 0 && i + 1 < argc)
			k = atoi(argv[++i]);
		else if (strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
			struct dataset ds;

			if (dataset_load(&ds, argv[++i]) == -1)
				return 1;
			for (int j = 0; j < ds.n; j++) {
				struct sample *s = &ds.s[j];
				float sc = sample_base_scale(s, S, 288);

				for (int b = 0; b < s->nb; b++) {
					if (s->b[b * 5] < 0)
						continue;	/* ignore region */
					if (n == cap) {
						cap = cap ? cap * 2 : 4096;
						if ((wh = realloc(wh, cap * 2 * sizeof *wh)) == NULL)
							return 1;
					}
					wh[2 * n] = (s->b[b * 5 + 3] - s->b[b * 5 + 1]) * sc;
					wh[2 * n + 1] = (s->b[b * 5 + 4] - s->b[b * 5 + 2]) * sc;
					n++;
				}
				free_image(s->im);
			}
		} else {
			fprintf(stderr, "usage: bv-train anchors --list L [--list L2] [--size 256] [--k 6]\n");
			return 2;
		}
	}
	if (n < k || k < 1 || k > 32) {
		fprintf(stderr, "bv-train anchors: need boxes and 1 <= k <= 32\n");
		return 1;
	}
	/* k-means++ seeding, then Lloyd iterations with 1 - IoU distance. */
	rng_state = 12345;
	{
		int j = rng_int(n);
		cw[0] = wh[2 * j];
		ch[0] = wh[2 * j + 1];
	}
	for (int c = 1; c < k; c++) {
		double tot = 0, pick;
		double *dd = malloc(n * sizeof *dd);

		for (int i = 0; i < n; i++) {
			double best = 1;
			for (int m = 0; m < c; m++)
				best = fmin(best, 1 - wh_iou(wh[2 * i], wh[2 * i + 1], cw[m], ch[m]));
			dd[i] = best * best;
			tot += dd[i];
		}
		pick = rng_uniform(0, 1) * tot;
		for (int i = 0; i < n; i++) {
			pick -= dd[i];
			if (pick <= 0 || i == n - 1) {
				cw[c] = wh[2 * i];
				ch[c] = wh[2 * i + 1];
				break;
			}
		}
		free(dd);
	}
	for (int iter = 0; iter < 300; iter++) {
		double sw[32] = { 0 }, sh[32] = { 0 };
		int cnt[32] = { 0 };

		avg = 0;
		for (int i = 0; i < n; i++) {
			int bi = 0;
			double best = -1;
			for (int m = 0; m < k; m++) {
				double o = wh_iou(wh[2 * i], wh[2 * i + 1], cw[m], ch[m]);
				if (o > best) {
					best = o;
					bi = m;
				}
			}
			avg += best;
			sw[bi] += wh[2 * i];
			sh[bi] += wh[2 * i + 1];
			cnt[bi]++;
		}
		for (int m = 0; m < k; m++)
			if (cnt[m]) {
				cw[m] = sw[m] / cnt[m];
				ch[m] = sh[m] / cnt[m];
			}
	}
	/* Sort by area: darknet's masks index anchors small to large. */
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++)
			if (cw[b] * ch[b] < cw[a] * ch[a]) {
				float t = cw[a]; cw[a] = cw[b]; cw[b] = t;
				t = ch[a]; ch[a] = ch[b]; ch[b] = t;
			}
	printf("# %d boxes at input %d, mean best IoU %.3f\nanchors = ", n, S, avg / n);
	for (int m = 0; m < k; m++)
		printf("%s%d,%d", m ? ", " : "", (int)lrintf(cw[m]), (int)lrintf(ch[m]));
	printf("\n");
	free(wh);
	return 0;
}

/* ------------------------------------------------------- train step */

/* IoU of corner box (ax0, ay0, ax1, ay1) and b = {x0, y0, x1, y1}. */
static float
box_iou_c(float ax0, float ay0, float ax1, float ay1, const float *b)
{
	return (float)geom_iou((struct geom_box){ ax0, ay0, ax1, ay1 },
	    (struct geom_box){ b[0], b[1], b[2], b[3] });
}

/*
 * Ignore regions in libdarknet's YOLO loss: after forward_network() has
 * filled each [yolo] layer's delta, a prediction that was pushed towards
 * "no object" (negative objectness delta) and whose box lies on an ignore
 * region (centre inside it, or IoU >= 0.3) gets no objectness gradient.
 * Positive deltas (assigned truths) are left alone.  Layout as in
 * libdarknet's yolo_layer.c entry_index().
 */
static void
mask_ignores(network *net, const struct ignores *ig)
{
	for (int li = 0; li < net->n; li++) {
		layer *l = &net->layers[li];
		int wh = l->w * l->h, stride = wh * (4 + l->classes + 1);

		if (l->type != YOLO)
			continue;
		for (int b = 0; b < l->batch; b++) {
			const struct ignores *g = &ig[b];

			if (g->n == 0)
				continue;
			for (int n = 0; n < l->n; n++)
				for (int loc = 0; loc < wh; loc++) {
					int idx = b * l->outputs + n * stride + loc;
					int obj = idx + 4 * wh;
					float *o = l->output, cx, cy, w, h;

					if (l->delta[obj] >= 0)
						continue;
					cx = (loc % l->w + o[idx]) / l->w;
					cy = (loc / l->w + o[idx + wh]) / l->h;
					w = expf(o[idx + 2 * wh]) * l->biases[2 * l->mask[n]] / net->w;
					h = expf(o[idx + 3 * wh]) * l->biases[2 * l->mask[n] + 1] / net->h;
					for (int k = 0; k < g->n; k++) {
						const float *r = g->b + k * 4;

						if ((cx >= r[0] && cx <= r[2] && cy >= r[1] && cy <= r[3]) ||
						    box_iou_c(cx - w / 2, cy - h / 2, cx + w / 2,
						    cy + h / 2, r) >= 0.3f) {
							l->delta[obj] = 0;
							break;
						}
					}
				}
		}
	}
}

/* train_network() for one batch, with the ignore regions masked between
 * the forward and the backward pass.  Returns the loss per image. */
static float
train_step(network *net, const data *d, const struct ignores *ig, int masking)
{
	for (int b = 0; b < net->batch; b++) {
		memcpy(net->input + (size_t)b * net->inputs, d->X.vals[b],
		    (size_t)net->inputs * sizeof *net->input);
		memcpy(net->truth + (size_t)b * net->truths, d->y.vals[b],
		    (size_t)net->truths * sizeof *net->truth);
	}
	*net->seen += net->batch;
	net->train = 1;
	forward_network(net);
	if (masking)
		mask_ignores(net, ig);
	backward_network(net);
	update_network(net);
	return *net->cost / net->batch;
}

/* -------------------------------------------------------------- train */

#define MAXVAL 4

struct opts {
	const char *cfg, *train, *val[MAXVAL], *out, *weights, *init_only;
	int nval;
	int batch, iters, warmup, ckpt_every, val_every, threads, resume, log_every;
	int stop_at;            /* stop (with a checkpoint) here; schedule unchanged */
	int v1_step;            /* libdarknet's train_network(), no ignore regions */
	int dump_aug;           /* write this many augmented inputs to OUT, stop */
	/* classify, classify-eval */
	const char *data, *names, *split, *cls_cfg, *cls_weights;
	float margin, box_min, box_max, jitter, wbc_thresh;
	int per_image;
	unsigned long seed;
	float lr, lr_final, ema, nomosaic_last;
	struct aug aug;
};

struct state {
	int iter;
	uint64_t rng;
	double best_map;
	int best_iter;
	int *perm, nperm, pi;  /* epoch order and position, for an exact resume */
};

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
state_write(const char *path, const struct state *st, const struct opts *o)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "iter %d\nrng %llu\nbest_map %.6f\nbest_iter %d\nseed %lu\n"
	    "batch %d\niters %d\npi %d\nperm %d", st->iter,
	    (unsigned long long)st->rng, st->best_map, st->best_iter, o->seed,
	    o->batch, o->iters, st->pi, st->nperm);
	for (int i = 0; i < st->nperm; i++)
		fprintf(f, " %d", st->perm[i]);
	fprintf(f, "\n");
	return fclose(f) == EOF ? -1 : 0;
}

/* Reads what state_write() wrote; st->perm (nperm entries) must be
 * allocated.  A state without a usable order leaves st->pi = nperm, so
 * the next batch starts a fresh shuffle. */
static int
state_read(const char *path, struct state *st)
{
	FILE *f = fopen(path, "r");
	unsigned long long r = 0;
	unsigned long seed;
	int ok, batch, iters, n, order_ok = 0;

	if (f == NULL)
		return -1;
	ok = fscanf(f, "iter %d\nrng %llu\nbest_map %lf\nbest_iter %d\n",
	    &st->iter, &r, &st->best_map, &st->best_iter) == 4;
	st->rng = r;
	if (ok && fscanf(f, "seed %lu\nbatch %d\niters %d\npi %d\nperm %d",
	    &seed, &batch, &iters, &st->pi, &n) == 5 && n == st->nperm &&
	    st->pi >= 0 && st->pi <= n) {
		order_ok = 1;
		for (int i = 0; i < n; i++)
			if (fscanf(f, "%d", &st->perm[i]) != 1 || st->perm[i] < 0 ||
			    st->perm[i] >= n)
				order_ok = 0;
	}
	if (!order_ok) {
		for (int i = 0; i < st->nperm; i++)
			st->perm[i] = i;
		st->pi = st->nperm;
	}
	fclose(f);
	return ok ? 0 : -1;
}

static int
save_atomic_weights(network *net, const char *path)
{
	char tmp[PATH_MAX];

	tool_pathf(tmp, sizeof tmp, "%s.tmp", path);
	save_weights(net, tmp);
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Checkpoint: OUT/ckpt-NNNNNNN/{weights,ema.weights,momentum.bin,state},
 * published by atomically replacing the OUT/latest symlink.  The previous
 * checkpoint directory is removed only after that.
 */
static int
checkpoint(const struct opts *o, network *net, network *ema, const struct state *st)
{
	char dir[PATH_MAX], p[PATH_MAX], name[64], tmpl[PATH_MAX], old[PATH_MAX];
	ssize_t n;

	snprintf(name, sizeof name, "ckpt-%07d", st->iter);
	tool_pathf(dir, sizeof dir, "%s/%s", o->out, name);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	tool_pathf(p, sizeof p, "%s/weights", dir);
	save_weights(net, p);
	tool_pathf(p, sizeof p, "%s/ema.weights", dir);
	save_weights(ema, p);
	tool_pathf(p, sizeof p, "%s/momentum.bin", dir);
	if (momentum_io(net, p, 1) == -1)
		return -1;
	tool_pathf(p, sizeof p, "%s/state", dir);
	if (state_write(p, st, o) == -1)
		return -1;
	tool_pathf(p, sizeof p, "%s/latest", o->out);
	n = readlink(p, old, sizeof old - 1);
	old[n > 0 ? n : 0] = '\0';
	tool_pathf(tmpl, sizeof tmpl, "%s/latest.tmp", o->out);
	unlink(tmpl);
	if (symlink(name, tmpl) == -1 || rename(tmpl, p) == -1) {
		fprintf(stderr, "bv-train: latest: %s\n", strerror(errno));
		return -1;
	}
	if (old[0] != '\0' && strcmp(old, name) != 0) {
		const char *f[] = { "weights", "ema.weights", "momentum.bin", "state" };

		for (int i = 0; i < 4; i++) {
			tool_pathf(p, sizeof p, "%s/%s/%s", o->out, old, f[i]);
			unlink(p);
		}
		tool_pathf(p, sizeof p, "%s/%s", o->out, old);
		rmdir(p);
	}
	return 0;
}

static float
lr_at(const struct opts *o, int it)
{
	if (it < o->warmup)
		return o->lr * powf((float)(it + 1) / o->warmup, 2);
	float t = (float)(it - o->warmup) / fmaxf(1, o->iters - o->warmup);
	return o->lr_final + (o->lr - o->lr_final) * 0.5f * (1 + cosf((float)M_PI * t));
}

static int
cmd_init_only(const struct opts *o)
{
	network *net;

	srand((unsigned)o->seed);
	net = parse_network_cfg((char *)o->cfg);
	net_sane_bn(net);
	if (save_atomic_weights(net, o->init_only) == -1)
		return 1;
	printf("wrote %s (random init, seed %lu)\n", o->init_only, o->seed);
	free_network(net);
	return 0;
}

static int
cmd_train(const struct opts *o)
{
	char tcfg[PATH_MAX], p[PATH_MAX];
	network *net, *ema;
	struct dataset train;
	struct valset vs[MAXVAL] = { { 0 } };
	struct state st = { 0, 0, -1, -1, NULL, 0, 0 };
	struct ignores *ig = NULL;
	data d = { 0 };
	int S, maxb, ncls, out_fd, nvalimg = 0, masking = 0;
	double t0, loss_avg = -1;
	FILE *log;

	if (mkdir(o->out, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "bv-train: %s: %s\n", o->out, strerror(errno));
		return 1;
	}
	/* libdarknet prints per-layer chatter on stdout every iteration:
	 * keep our own copy of stdout for the progress log, silence fd 1. */
	out_fd = dup(1);
	log = fdopen(out_fd, "w");
	setvbuf(log, NULL, _IOLBF, 0);
	{
		int dn = open("/dev/null", O_WRONLY);
		dup2(dn, 1);
		close(dn);
	}
	blasgemm_threads(o->threads);
	rng_state = o->seed * 0x2545F4914F6CDD1DULL + 1;
	srand((unsigned)o->seed);

	tool_pathf(tcfg, sizeof tcfg, "%s/train.cfg", o->out);
	if (cfg_with_batch(o->cfg, tcfg, o->batch) == -1)
		return 1;
	net = parse_network_cfg(tcfg);
	ema = parse_network_cfg((char *)o->cfg);
	set_batch_network(ema, 1);
	net_sane_bn(net);
	if (o->weights != NULL)
		load_weights(net, (char *)o->weights);
	net_params(ema, net, p_copy, 0);
	net->burn_in = 0;
	net->policy = CONSTANT;
	S = net->w;
	if (net->h != S) {
		fprintf(stderr, "bv-train: square inputs only\n");
		return 1;
	}
	{
		layer out = net->layers[net->n - 1];

		ncls = out.classes;
		maxb = net->truths / 5;
		if (out.type != YOLO || net->truths % 5 != 0) {
			fprintf(stderr, "bv-train: last layer must be [yolo]\n");
			return 1;
		}
	}
	fprintf(log, "loading %s ...\n", o->train);
	if (dataset_load(&train, o->train) == -1)
		return 1;
	for (int v = 0; v < o->nval; v++) {
		vs[v].name = o->val[v];
		if (dataset_load(&vs[v].ds, o->val[v]) == -1 ||
		    valset_prepare(&vs[v], S, o->aug.scale_ref) == -1)
			return 1;
		nvalimg += vs[v].ds.n;
	}
	fprintf(log, "train %d images, val %d, input %dx%d, batch %d, max boxes %d, "
	    "classes %d, iters %d\n", train.n, nvalimg, S, S, o->batch, maxb, ncls, o->iters);
	/* Ignore regions exist when a list asks for them or mosaic cuts cells;
	 * without them the step is exactly v1's train_network(). */
	masking = o->aug.mosaic > 0;
	for (int i = 0; i < train.n && !masking; i++)
		for (int k = 0; k < train.s[i].nb; k++)
			if (train.s[i].b[k * 5] < 0)
				masking = 1;
	if ((ig = calloc(o->batch, sizeof *ig)) == NULL)
		return 1;
	for (int b = 0; b < o->batch; b++) {
		ig[b].max = 4 * maxb;
		if ((ig[b].b = malloc((size_t)ig[b].max * 4 * sizeof *ig[b].b)) == NULL)
			return 1;
	}

	st.nperm = train.n;
	if ((st.perm = malloc(train.n * sizeof *st.perm)) == NULL)
		return 1;
	for (int i = 0; i < train.n; i++)
		st.perm[i] = i;
	st.pi = train.n;
	if (o->resume) {
		tool_pathf(p, sizeof p, "%s/latest/state", o->out);
		if (state_read(p, &st) == -1) {
			fprintf(stderr, "bv-train: no checkpoint to resume in %s\n", o->out);
			return 1;
		}
		tool_pathf(p, sizeof p, "%s/latest/weights", o->out);
		load_weights(net, p);
		tool_pathf(p, sizeof p, "%s/latest/ema.weights", o->out);
		load_weights(ema, p);
		tool_pathf(p, sizeof p, "%s/latest/momentum.bin", o->out);
		if (momentum_io(net, p, 0) == -1)
			return 1;
		rng_state = st.rng;
		fprintf(log, "resumed at iteration %d (best val mAP %.4f at %d)\n",
		    st.iter, st.best_map, st.best_iter);
	}

	d.X = make_matrix(o->batch, S * S * 3);
	d.y = make_matrix(o->batch, net->truths);
	for (int k = 0; k < o->dump_aug; k++) {
		struct aug a = o->aug;

		aug_sample(&train, rng_int(train.n), d.X.vals[0], S, &a, d.y.vals[0],
		    maxb, &ig[0]);
		tool_pathf(p, sizeof p, "%s/aug-%03d", o->out, k);
		dump_aug(p, d.X.vals[0], S, d.y.vals[0], maxb, &ig[0]);
		fprintf(log, "wrote %s.png (%d ignore regions)\n", p, ig[0].n);
	}
	if (o->dump_aug > 0)
		return 0;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);

	t0 = timing_ms() / 1e3;
	int it0 = st.iter;
	while (st.iter < o->iters && !stop_flag &&
	    (o->stop_at <= 0 || st.iter < o->stop_at)) {
		int it = st.iter;
		struct aug a = o->aug;
		float loss, lr = lr_at(o, it);
		double t;

		if (it >= o->iters * (1 - o->nomosaic_last))
			a.mosaic = 0;
		for (int b = 0; b < o->batch; b++) {
			if (st.pi >= train.n) {
				for (int i = train.n - 1; i > 0; i--) {
					int j = rng_int(i + 1), tmp = st.perm[i];
					st.perm[i] = st.perm[j];
					st.perm[j] = tmp;
				}
				st.pi = 0;
			}
			aug_sample(&train, st.perm[st.pi++], d.X.vals[b], S, &a,
			    d.y.vals[b], maxb, &ig[b]);
		}
		net->learning_rate = lr;
		loss = o->v1_step ? train_network(net, d) :
		    train_step(net, &d, ig, masking);
		if (!isfinite(loss)) {
			fprintf(log, "loss is not finite at iteration %d: stopping "
			    "(resume from the last checkpoint with a lower --lr)\n", it);
			return 1;
		}
		loss_avg = loss_avg < 0 ? loss : 0.95 * loss_avg + 0.05 * loss;
		{
			/* EMA decay ramps up so early, random weights fade fast. */
			float dcy = o->ema * (1 - expf(-(float)(it + 1) / 200));
			net_params(ema, net, p_ema, dcy);
		}
		st.iter = ++it;
		t = timing_ms() / 1e3;
		if (it % o->log_every == 0 || it == o->iters) {
			double ips = (double)(it - it0) * o->batch / (t - t0);
			double eta = (o->iters - it) * o->batch / ips;

			fprintf(log, "iter %d/%d loss %.3f avg %.3f lr %.5f %.1f img/s "
			    "elapsed %.0fs ETA %02d:%02d gemm %lu\n", it, o->iters, loss,
			    loss_avg, lr, ips, t - t0, (int)(eta / 3600),
			    (int)(eta / 60) % 60, blasgemm_calls);
		}
		if (o->nval > 0 && (it % o->val_every == 0 || it == o->iters)) {
			double ap[16], map = 0, tv = timing_ms() / 1e3;

			/* Several val lists (one per source): best on their mean. */
			for (int v = 0; v < o->nval; v++) {
				double m = validate(ema, &vs[v], ncls, ap);

				fprintf(log, "val iter %d mAP %.4f (", it, m);
				for (int c = 0; c < ncls && c < 16; c++)
					fprintf(log, "%s%.4f", c ? " " : "", ap[c]);
				fprintf(log, ")%s%s %.1fs\n", o->nval > 1 ? " " : "",
				    o->nval > 1 ? vs[v].name : "", timing_ms() / 1e3 - tv);
				map += m / o->nval;
			}
			if (o->nval > 1)
				fprintf(log, "val iter %d mean mAP %.4f\n", it, map);
			if (map > st.best_map) {
				st.best_map = map;
				st.best_iter = it;
				tool_pathf(p, sizeof p, "%s/best.weights", o->out);
				save_atomic_weights(ema, p);
				fprintf(log, "new best -> %s\n", p);
			}
		}
		st.rng = rng_state;
		if (it % o->ckpt_every == 0 || it == o->iters || stop_flag ||
		    it == o->stop_at) {
			if (checkpoint(o, net, ema, &st) == -1)
				fprintf(log, "checkpoint at %d FAILED\n", it);
			else
				fprintf(log, "checkpoint %d\n", it);
		}
	}
	tool_pathf(p, sizeof p, "%s/final.weights", o->out);
	if (st.iter >= o->iters)
		save_atomic_weights(ema, p);
	fprintf(log, "%s at iteration %d; best val mAP %.4f at %d\n",
	    stop_flag ? "stopped" : "done", st.iter, st.best_map, st.best_iter);
	return 0;
}

/* Darknet's own count: 2 x multiply-adds of the convolutions. */
static double
net_bflops(const network *net)
{
	double f = 0;

	for (int i = 0; i < net->n; i++) {
		const layer *l = &net->layers[i];

		if (l->type == CONVOLUTIONAL)
			f += 2.0 * l->n * l->size * l->size * l->c / l->groups *
			    l->out_w * l->out_h;
	}
	return f / 1e9;
}

/* `bv-train eval`: VOC mAP@0.5 of one weights file on lists, each read
 * and scaled as in training validation (scale=, border=ignore). */
static int
cmd_eval(const struct opts *o)
{
	network *net;
	int ncls;

	blasgemm_threads(o->threads);
	{
		int dn = open("/dev/null", O_WRONLY), e = dup(2);

		dup2(dn, 2);
		net = parse_network_cfg((char *)o->cfg);
		load_weights(net, (char *)o->weights);
		dup2(e, 2);
		close(e);
		close(dn);
	}
	set_batch_network(net, 1);
	ncls = net->layers[net->n - 1].classes;
	printf("# %s at %dx%d (%.3f BFLOPs), scale-ref %.0f\n", o->weights,
	    net->w, net->h, net_bflops(net), o->aug.scale_ref);
	for (int v = 0; v < o->nval; v++) {
		struct valset vs = { o->val[v], { NULL, 0 }, NULL, NULL, NULL, NULL };
		double ap[16], map, t0 = timing_ms();
		int ngt[16] = { 0 }, nign = 0;

		if (dataset_load(&vs.ds, o->val[v]) == -1 ||
		    valset_prepare(&vs, net->w, o->aug.scale_ref) == -1)
			return 1;
		for (int i = 0; i < vs.ds.n; i++)
			for (int k = 0; k < vs.ds.s[i].nb; k++) {
				int c = (int)vs.ds.s[i].b[k * 5];

				if (c < 0)
					nign++;
				else if (c < 16)
					ngt[c]++;
			}
		map = validate(net, &vs, ncls, ap);
		printf("%s: %d images, mAP@0.5 %.4f (", o->val[v], vs.ds.n, map);
		for (int c = 0; c < ncls && c < 16; c++)
			printf("%s%.4f", c ? " " : "", ap[c]);
		printf(") boxes (");
		for (int c = 0; c < ncls && c < 16; c++)
			printf("%s%d", c ? " " : "", ngt[c]);
		printf(") ignored %d, %.1f ms/image\n", nign,
		    (timing_ms() - t0) / vs.ds.n);
	}
	return 0;
}

/* ------------------------------------------------ white-cell classifier */

/*
 * `bv-train classify`: a Darknet classifier ([softmax] output) on
 * pbc-cells, whose JPEGs are centred on one cell.  Each image is decoded
 * once (libjpeg, imgio) and its central CLS_SRC px kept at half resolution
 * (CLS_CACHE px, RGB8: ~49 KB an image).  A training input is the crop of
 * a synthetic WBC box (side uniform in --box-min..--box-max source px,
 * centre jittered by --jitter px), grown by --margin (cellcrop.h: the
 * geometry the server uses on detected boxes), sampled to the network
 * input, then the 8 flips/turns, HSV and white balance, and the camera
 * augmentations.  Validation and `classify-eval` use the median PBC WBC
 * box (CLS_EVAL_BOX px, centred).
 */
#define CLS_SRC		256
#define CLS_CACHE	128
#define CLS_EVAL_BOX	135.0f
#define CLS_MAXC	CLSM_MAX

struct cell {
	unsigned char *px;	/* CLS_CACHE x CLS_CACHE RGB8 */
	int cls;
};

struct cellset {
	struct cell *c;
	int n;
};

static void
cellset_free(struct cellset *cs)
{
	for (int i = 0; i < cs->n; i++)
		free(cs->c[i].px);
	free(cs->c);
	memset(cs, 0, sizeof *cs);
}

static int
names_load(const char *path, char names[][32], int max)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (strlen(line) >= 32) {
			fprintf(stderr, "bv-train: %s: name too long: %s\n", path, line);
			fclose(f);
			return -1;
		}
		memcpy(names[n++], line, strlen(line) + 1);
	}
	fclose(f);
	return n;
}

/* Decode one JPEG and keep its central CLS_SRC px at half resolution. */
static unsigned char *
cell_cache(const char *path)
{
	unsigned char *buf = NULL, *px = NULL;
	size_t len;
	struct img im = { 0, 0, NULL };
	int ox, oy;

	if (tool_read_file(path, 16 << 20, &buf, &len) == -1)
		return NULL;
	if (imgio_decode(buf, len, IMG_JPEG, NULL, &im) != IMG_OK) {
		fprintf(stderr, "bv-train: %s: not a decodable JPEG\n", path);
		goto out;
	}
	if ((px = malloc((size_t)CLS_CACHE * CLS_CACHE * 3)) == NULL)
		goto out;
	ox = (im.w - CLS_SRC) / 2;
	oy = (im.h - CLS_SRC) / 2;
	for (int v = 0; v < CLS_CACHE; v++)
		for (int u = 0; u < CLS_CACHE; u++)
			for (int ch = 0; ch < 3; ch++) {
				int acc = 0;

				for (int j = 0; j < 2; j++)
					for (int i = 0; i < 2; i++) {
						int x = ox + 2 * u + i, y = oy + 2 * v + j;

						x = x < 0 ? 0 : x >= im.w ? im.w - 1 : x;
						y = y < 0 ? 0 : y >= im.h ? im.h - 1 : y;
						acc += im.rgb[((size_t)y * im.w + x) * 3 + ch];
					}
				px[((size_t)v * CLS_CACHE + u) * 3 + ch] =
				    (unsigned char)((acc + 2) / 4);
			}
out:
	imgio_free(&im);
	free(buf);
	return px;
}

/* Load DIR/index.csv's rows of split whose class is in names (others,
 * e.g. a class left out of the names file, are skipped). */
static int
cellset_load(struct cellset *cs, const char *dir, const char *split,
    char names[][32], int ncls)
{
	char line[MAXLINE], p[PATH_MAX];
	FILE *f;
	int cap = 0;

	memset(cs, 0, sizeof *cs);
	tool_pathf(p, sizeof p, "%s/index.csv", dir);
	if ((f = fopen(p, "r")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", p, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *file, *cls, *spl, *save = NULL;
		int c;

		line[strcspn(line, "\r\n")] = '\0';
		file = strtok_r(line, ",", &save);
		cls = strtok_r(NULL, ",", &save);
		spl = strtok_r(NULL, ",", &save);
		if (file == NULL || cls == NULL || spl == NULL ||
		    strcmp(spl, split) != 0)
			continue;
		for (c = 0; c < ncls && strcmp(names[c], cls) != 0; c++)
			;
		if (c == ncls)
			continue;
		if (cs->n == cap) {
			struct cell *nc;

			cap = cap ? cap * 2 : 1024;
			if ((nc = realloc(cs->c, cap * sizeof *nc)) == NULL)
				goto fail;
			cs->c = nc;
		}
		tool_pathf(p, sizeof p, "%s/%s", dir, file);
		if ((cs->c[cs->n].px = cell_cache(p)) == NULL)
			goto fail;
		cs->c[cs->n].cls = c;
		cs->n++;
	}
	fclose(f);
	if (cs->n == 0) {
		fprintf(stderr, "bv-train: %s: no %s images of the named classes\n",
		    dir, split);
		return -1;
	}
	return 0;
fail:
	fclose(f);
	return -1;
}

/* The network input of cell c for box side `side` and centre offset
 * (jx, jy), in source pixels. */
static void
cell_input(const struct cell *c, float side, float jx, float jy, float margin,
    int N, float *out)
{
	struct cellcrop cc;
	float h = side / 4, cx = CLS_CACHE / 2.0f + jx / 2, cy = CLS_CACHE / 2.0f + jy / 2;

	if (cellcrop_geom(cx - h, cy - h, cx + h, cy + h, margin, CLS_CACHE,
	    CLS_CACHE, &cc) == -1) {
		for (size_t i = 0; i < (size_t)3 * N * N; i++)
			out[i] = 0.5f;
		return;
	}
	cellcrop_sample(c->px, CLS_CACHE, CLS_CACHE, &cc, N, out);
}

/* One of the 8 flips/turns of an N x N planar image, in place. */
static void
aug_orient(float *cv, int N, float *tmp)
{
	int tr = rng_int(2), fx = rng_int(2), fy = rng_int(2);
	size_t plane = (size_t)N * N;

	memcpy(tmp, cv, 3 * plane * sizeof *cv);
	for (int c = 0; c < 3; c++)
		for (int y = 0; y < N; y++)
			for (int x = 0; x < N; x++) {
				int sx = fx ? N - 1 - x : x, sy = fy ? N - 1 - y : y;

				if (tr) {
					int t = sx;
					sx = sy;
					sy = t;
				}
				cv[c * plane + (size_t)y * N + x] =
				    tmp[c * plane + (size_t)sy * N + sx];
			}
}

/* Confusion matrix of net (batch 1) on cs at the evaluation box. */
static void
cls_evaluate(network *net, const struct cellset *cs, int ncls, float margin,
    struct clsm *cm, float *buf)
{
	int N = net->w;

	clsm_init(cm, ncls);
	for (int i = 0; i < cs->n; i++) {
		float *p;
		int best = 0;

		cell_input(&cs->c[i], CLS_EVAL_BOX, 0, 0, margin, N, buf);
		p = network_predict(net, buf);
		for (int k = 1; k < ncls; k++)
			if (p[k] > p[best])
				best = k;
		clsm_add(cm, cs->c[i].cls, best);
	}
}

/* The five main classes' indices in names (-1 when absent). */
static int
cls_main5(char names[][32], int ncls, int *idx)
{
	static const char *m5[5] = {
		"neutrophil", "lymphocyte", "monocyte", "eosinophil", "basophil",
	};
	int k = 0;

	for (int i = 0; i < 5; i++)
		for (int c = 0; c < ncls; c++)
			if (strcmp(names[c], m5[i]) == 0)
				idx[k++] = c;
	return k;
}

static void
cls_report(FILE *f, const struct clsm *cm, char names[][32], int ncls)
{
	const char *np[CLS_MAXC];
	int m5[5], k = cls_main5(names, ncls, m5), wbc[CLS_MAXC], nw = 0;
	double minr = 1;

	for (int c = 0; c < ncls; c++) {
		np[c] = names[c];
		if (strcmp(names[c], "platelet") != 0)
			wbc[nw++] = c;
	}
	clsm_print(f, cm, np);
	for (int i = 0; i < k; i++)
		minr = fmin(minr, clsm_recall(cm, m5[i]));
	fprintf(f, "macro-F1: %d main classes %.4f (lowest recall %.4f), "
	    "%d white-cell classes %.4f\n", k, clsm_macro_f1(cm, m5, k), minr,
	    nw, clsm_macro_f1(cm, wbc, nw));
}

static int
cmd_classify(const struct opts *o)
{
	char tcfg[PATH_MAX], p[PATH_MAX], names[CLS_MAXC][32];
	network *net, *ema;
	struct cellset train, val = { NULL, 0 };
	struct state st = { 0, 0, -1, -1, NULL, 0, 0 };
	struct clsm cm;
	data d = { 0 };
	float *tmp;
	int N, ncls, out_fd;
	double t0, loss_avg = -1;
	FILE *log;

	if ((ncls = names_load(o->names, names, CLS_MAXC)) < 2) {
		fprintf(stderr, "bv-train: %s: need 2 or more class names\n", o->names);
		return 1;
	}
	if (mkdir(o->out, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "bv-train: %s: %s\n", o->out, strerror(errno));
		return 1;
	}
	out_fd = dup(1);
	log = fdopen(out_fd, "w");
	setvbuf(log, NULL, _IOLBF, 0);
	{
		int dn = open("/dev/null", O_WRONLY);
		dup2(dn, 1);
		close(dn);
	}
	blasgemm_threads(o->threads);
	rng_state = o->seed * 0x2545F4914F6CDD1DULL + 1;
	srand((unsigned)o->seed);
	tool_pathf(tcfg, sizeof tcfg, "%s/train.cfg", o->out);
	if (cfg_with_batch(o->cfg, tcfg, o->batch) == -1)
		return 1;
	net = parse_network_cfg(tcfg);
	ema = parse_network_cfg((char *)o->cfg);
	set_batch_network(ema, 1);
	net_sane_bn(net);
	if (o->weights != NULL)
		load_weights(net, (char *)o->weights);
	net_params(ema, net, p_copy, 0);
	net->burn_in = 0;
	net->policy = CONSTANT;
	N = net->w;
	if (net->h != N || net->outputs != ncls ||
	    net->layers[net->n - 1].type != SOFTMAX) {
		fprintf(stderr, "bv-train: classify needs a square cfg ending in "
		    "[softmax] with %d outputs (one per name)\n", ncls);
		return 1;
	}
	fprintf(log, "loading %s (train, val) ...\n", o->data);
	if (cellset_load(&train, o->data, "train", names, ncls) == -1 ||
	    cellset_load(&val, o->data, "val", names, ncls) == -1)
		return 1;
	fprintf(log, "train %d images, val %d, input %dx%d, classes %d, batch %d, "
	    "iters %d\n", train.n, val.n, N, N, ncls, o->batch, o->iters);
	st.nperm = train.n;
	if ((st.perm = malloc(train.n * sizeof *st.perm)) == NULL ||
	    (tmp = malloc((size_t)3 * N * N * sizeof *tmp)) == NULL)
		return 1;
	for (int i = 0; i < train.n; i++)
		st.perm[i] = i;
	st.pi = train.n;
	if (o->resume) {
		tool_pathf(p, sizeof p, "%s/latest/state", o->out);
		if (state_read(p, &st) == -1) {
			fprintf(stderr, "bv-train: no checkpoint to resume in %s\n", o->out);
			return 1;
		}
		tool_pathf(p, sizeof p, "%s/latest/weights", o->out);
		load_weights(net, p);
		tool_pathf(p, sizeof p, "%s/latest/ema.weights", o->out);
		load_weights(ema, p);
		tool_pathf(p, sizeof p, "%s/latest/momentum.bin", o->out);
		if (momentum_io(net, p, 0) == -1)
			return 1;
		rng_state = st.rng;
		fprintf(log, "resumed at iteration %d (best val macro-F1 %.4f at %d)\n",
		    st.iter, st.best_map, st.best_iter);
	}
	d.X = make_matrix(o->batch, N * N * 3);
	d.y = make_matrix(o->batch, ncls);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);

	t0 = timing_ms() / 1e3;
	int it0 = st.iter;
	while (st.iter < o->iters && !stop_flag &&
	    (o->stop_at <= 0 || st.iter < o->stop_at)) {
		int it = st.iter, full[4] = { 0, 0, N, N };
		float loss, lr = lr_at(o, it);
		double t;

		for (int b = 0; b < o->batch; b++) {
			const struct cell *c;
			float side, jx, jy;

			if (st.pi >= train.n) {
				for (int i = train.n - 1; i > 0; i--) {
					int j = rng_int(i + 1), k = st.perm[i];
					st.perm[i] = st.perm[j];
					st.perm[j] = k;
				}
				st.pi = 0;
			}
			c = &train.c[st.perm[st.pi++]];
			side = rng_uniform(o->box_min, o->box_max);
			jx = rng_uniform(-o->jitter, o->jitter);
			jy = rng_uniform(-o->jitter, o->jitter);
			cell_input(c, side, jx, jy, o->margin, N, d.X.vals[b]);
			if (o->aug.flips)
				aug_orient(d.X.vals[b], N, tmp);
			aug_hsv(d.X.vals[b], N, full, &o->aug);
			if (aug_camera_on(&o->aug))
				aug_camera(d.X.vals[b], N, &o->aug);
			memset(d.y.vals[b], 0, ncls * sizeof(float));
			d.y.vals[b][c->cls] = 1;
		}
		net->learning_rate = lr;
		loss = train_network(net, d);
		if (!isfinite(loss)) {
			fprintf(log, "loss is not finite at iteration %d: stopping "
			    "(resume from the last checkpoint with a lower --lr)\n", it);
			return 1;
		}
		loss_avg = loss_avg < 0 ? loss : 0.95 * loss_avg + 0.05 * loss;
		{
			float dcy = o->ema * (1 - expf(-(float)(it + 1) / 200));
			net_params(ema, net, p_ema, dcy);
		}
		st.iter = ++it;
		t = timing_ms() / 1e3;
		if (it % o->log_every == 0 || it == o->iters) {
			double ips = (double)(it - it0) * o->batch / (t - t0);
			double eta = (o->iters - it) * o->batch / ips;

			fprintf(log, "iter %d/%d loss %.4f avg %.4f lr %.5f %.1f img/s "
			    "elapsed %.0fs ETA %02d:%02d\n", it, o->iters, loss, loss_avg,
			    lr, ips, t - t0, (int)(eta / 3600), (int)(eta / 60) % 60);
		}
		if (it % o->val_every == 0 || it == o->iters) {
			int m5[5], k = cls_main5(names, ncls, m5);
			double f1, tv = timing_ms() / 1e3;

			cls_evaluate(ema, &val, ncls, o->margin, &cm, tmp);
			f1 = clsm_macro_f1(&cm, NULL, 0);
			fprintf(log, "val iter %d accuracy %.4f macro-F1 %.4f (main %d "
			    "%.4f) %.1fs\n", it, clsm_accuracy(&cm), f1, k,
			    clsm_macro_f1(&cm, m5, k), timing_ms() / 1e3 - tv);
			if (f1 > st.best_map) {
				st.best_map = f1;
				st.best_iter = it;
				tool_pathf(p, sizeof p, "%s/best.weights", o->out);
				save_atomic_weights(ema, p);
				fprintf(log, "new best -> %s\n", p);
			}
		}
		st.rng = rng_state;
		if (it % o->ckpt_every == 0 || it == o->iters || stop_flag ||
		    it == o->stop_at) {
			if (checkpoint(o, net, ema, &st) == -1)
				fprintf(log, "checkpoint at %d FAILED\n", it);
			else
				fprintf(log, "checkpoint %d\n", it);
		}
	}
	tool_pathf(p, sizeof p, "%s/final.weights", o->out);
	if (st.iter >= o->iters)
		save_atomic_weights(ema, p);
	fprintf(log, "%s at iteration %d; best val macro-F1 %.4f at %d\n",
	    stop_flag ? "stopped" : "done", st.iter, st.best_map, st.best_iter);
	if (st.iter >= o->iters) {
		cls_evaluate(ema, &val, ncls, o->margin, &cm, tmp);
		fprintf(log, "final EMA weights on val:\n");
		cls_report(log, &cm, names, ncls);
	}
	return 0;
}

/* `bv-train classify-eval`: the metrics of one weights file on a split. */
static int
cmd_classify_eval(const struct opts *o)
{
	char names[CLS_MAXC][32];
	struct cellset cs;
	struct clsm cm;
	network *net;
	float *buf;
	int ncls;
	double t0;

	if ((ncls = names_load(o->names, names, CLS_MAXC)) < 2)
		return 1;
	blasgemm_threads(o->threads);
	{
		/* libdarknet's layer table goes to stderr; keep it quiet. */
		int dn = open("/dev/null", O_WRONLY), e = dup(2);

		dup2(dn, 2);
		net = parse_network_cfg((char *)o->cfg);
		load_weights(net, (char *)o->weights);
		dup2(e, 2);
		close(e);
		close(dn);
	}
	set_batch_network(net, 1);
	if (net->outputs != ncls) {
		fprintf(stderr, "bv-train: %s has %d outputs, %s %d names\n", o->cfg,
		    net->outputs, o->names, ncls);
		return 1;
	}
	if (cellset_load(&cs, o->data, o->split, names, ncls) == -1)
		return 1;
	if ((buf = malloc((size_t)3 * net->w * net->h * sizeof *buf)) == NULL)
		return 1;
	t0 = timing_ms();
	cls_evaluate(net, &cs, ncls, o->margin, &cm, buf);
	printf("# %s on %s split %s (box %.0f px centred, margin %.2f, input %d)\n",
	    o->weights, o->data, o->split, CLS_EVAL_BOX, o->margin, net->w);
	cls_report(stdout, &cm, names, ncls);
	printf("forward %.2f ms per crop (1 thread unless --threads)\n",
	    (timing_ms() - t0) / cs.n);
	free(buf);
	cellset_free(&cs);
	free_network(net);
	return 0;
}

/* The classifier's answer on each labelled WBC box (class 1) of s, counted
 * in hist[]; *n counts the boxes. */
static void
cls_gt_boxes(network *cls, const struct sample *s, float margin, int ncls,
    float *buf, long *hist, int *n)
{
	size_t plane = (size_t)s->im.w * s->im.h;
	unsigned char *rgb = malloc(plane * 3);

	if (rgb == NULL)
		return;
	for (size_t k = 0; k < plane; k++)
		for (int ch = 0; ch < 3; ch++)
			rgb[k * 3 + ch] = (unsigned char)lrintf(
			    clamp01(s->im.data[ch * plane + k]) * 255);
	for (int b = 0; b < s->nb; b++) {
		const float *bx = s->b + b * 5;
		struct cellcrop cc;
		float *p;
		int best = 0;

		if ((int)bx[0] != 1 || cellcrop_geom(bx[1], bx[2], bx[3], bx[4],
		    margin, s->im.w, s->im.h, &cc) == -1)
			continue;
		cellcrop_sample(rgb, s->im.w, s->im.h, &cc, cls->w, buf);
		p = network_predict(cls, buf);
		for (int k = 1; k < ncls; k++)
			if (p[k] > p[best])
				best = k;
		hist[best]++;
		(*n)++;
	}
	free(rgb);
}

/*
 * `bv-train classify-e2e`: detector then classifier on whole images whose
 * list lines carry wbc=CLASS (the class of the image's centred white
 * cell, pbc-detect's index.csv).  Per image: the detector at the list's
 * cell scale; among WBC detections at --wbc-thresh, the one nearest the
 * image centre, if its centre lies within 20 % of the shorter side of it;
 * its crop (cellcrop_geom, --margin) classified.  Prints how many centred
 * cells were found and typed correctly, and the confusion matrix.  Lines
 * without wbc= (e.g. BCCD, no white-cell types) only get the classifier's
 * answers on their labelled WBC boxes counted, per class.
 */
static int
cmd_classify_e2e(const struct opts *o)
{
	char names[CLS_MAXC][32];
	network *det, *cls;
	struct clsm cm;
	float *buf;
	int ncls, found = 0, right = 0, total = 0, untyped = 0;
	long hist[CLS_MAXC] = { 0 };

	if ((ncls = names_load(o->names, names, CLS_MAXC)) < 2)
		return 1;
	blasgemm_threads(o->threads);
	{
		int dn = open("/dev/null", O_WRONLY), e = dup(2);

		dup2(dn, 2);
		det = parse_network_cfg((char *)o->cfg);
		load_weights(det, (char *)o->weights);
		cls = parse_network_cfg((char *)o->cls_cfg);
		load_weights(cls, (char *)o->cls_weights);
		dup2(e, 2);
		close(e);
		close(dn);
	}
	set_batch_network(det, 1);
	set_batch_network(cls, 1);
	if (cls->outputs != ncls ||
	    (buf = malloc((size_t)3 * cls->w * cls->h * sizeof *buf)) == NULL)
		return 1;
	clsm_init(&cm, ncls);
	for (int v = 0; v < o->nval; v++) {
		struct valset vs = { o->val[v], { NULL, 0 }, NULL, NULL, NULL, NULL };

		if (dataset_load(&vs.ds, o->val[v]) == -1 ||
		    valset_prepare(&vs, det->w, o->aug.scale_ref) == -1)
			return 1;
		for (int i = 0; i < vs.ds.n; i++) {
			struct sample *s = &vs.ds.s[i];
			float cx = s->im.w / 2.0f, cy = s->im.h / 2.0f, bestd = 1e30f;
			float lim = 0.2f * (s->im.w < s->im.h ? s->im.w : s->im.h);
			float bb[4] = { 0, 0, 0, 0 };
			detection *dets;
			int nd = 0, truth = -1, pred = -1;

			if (s->wbc == NULL) {
				cls_gt_boxes(cls, s, o->margin, ncls, buf, hist, &untyped);
				continue;
			}
			for (int c = 0; c < ncls; c++)
				if (strcmp(names[c], s->wbc) == 0)
					truth = c;
			if (truth < 0) {
				fprintf(stderr, "bv-train: %s: no wbc=CLASS of %s\n",
				    s->path, o->names);
				return 1;
			}
			total++;
			network_predict(det, vs.boxed[i].data);
			if (vs.sc[i] > 0)
				dets = get_network_boxes(det, det->w, det->h, o->wbc_thresh,
				    0.5f, 0, 1, &nd);
			else
				dets = get_network_boxes(det, s->im.w, s->im.h, o->wbc_thresh,
				    0.5f, 0, 1, &nd);
			do_nms_sort(dets, nd, det->layers[det->n - 1].classes, 0.45f);
			for (int k = 0; k < nd; k++) {
				box b = dets[k].bbox;
				float x0, y0, x1, y1, d;

				if (dets[k].prob[1] < o->wbc_thresh)
					continue;
				if (vs.sc[i] > 0) {
					x0 = ((b.x - b.w / 2) * det->w - vs.dx[i]) / vs.sc[i];
					x1 = ((b.x + b.w / 2) * det->w - vs.dx[i]) / vs.sc[i];
					y0 = ((b.y - b.h / 2) * det->h - vs.dy[i]) / vs.sc[i];
					y1 = ((b.y + b.h / 2) * det->h - vs.dy[i]) / vs.sc[i];
				} else {
					x0 = (b.x - b.w / 2) * s->im.w;
					x1 = (b.x + b.w / 2) * s->im.w;
					y0 = (b.y - b.h / 2) * s->im.h;
					y1 = (b.y + b.h / 2) * s->im.h;
				}
				d = hypotf((x0 + x1) / 2 - cx, (y0 + y1) / 2 - cy);
				if (d < bestd) {
					bestd = d;
					bb[0] = x0; bb[1] = y0; bb[2] = x1; bb[3] = y1;
				}
			}
			free_detections(dets, nd);
			if (bestd <= lim) {
				struct cellcrop cc;
				size_t plane = (size_t)s->im.w * s->im.h;
				unsigned char *rgb = malloc(plane * 3);
				float *p;

				if (rgb == NULL)
					return 1;
				for (size_t k = 0; k < plane; k++)
					for (int ch = 0; ch < 3; ch++)
						rgb[k * 3 + ch] = (unsigned char)lrintf(
						    clamp01(s->im.data[ch * plane + k]) * 255);
				if (cellcrop_geom(bb[0], bb[1], bb[2], bb[3], o->margin,
				    s->im.w, s->im.h, &cc) == 0) {
					cellcrop_sample(rgb, s->im.w, s->im.h, &cc, cls->w, buf);
					p = network_predict(cls, buf);
					pred = 0;
					for (int k = 1; k < ncls; k++)
						if (p[k] > p[pred])
							pred = k;
				}
				free(rgb);
			}
			if (pred >= 0) {
				found++;
				right += pred == truth;
				clsm_add(&cm, truth, pred);
			}
			if (o->per_image)
				printf("%s %s %s\n", s->path, names[truth],
				    pred >= 0 ? names[pred] : "(not found)");
		}
	}
	printf("# detector %s, classifier %s, WBC threshold %.2f, margin %.2f\n",
	    o->weights, o->cls_weights, o->wbc_thresh, o->margin);
	if (untyped > 0) {
		printf("labelled WBC boxes of images without wbc=: %d, typed as:", untyped);
		for (int c = 0; c < ncls; c++)
			printf(" %s %ld", names[c], hist[c]);
		printf("\n");
	}
	printf("centred white cells: %d, found %d (%.4f), typed correctly %d "
	    "(%.4f of all, %.4f of found)\n", total, found,
	    total ? (double)found / total : NAN, right,
	    total ? (double)right / total : NAN, found ? (double)right / found : NAN);
	cls_report(stdout, &cm, names, ncls);
	free(buf);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bv-train --cfg CFG --train LIST [--val LIST] --out DIR [options]\n"
	    "       bv-train --cfg CFG --init-only OUT.weights [--seed N]\n"
	    "       bv-train anchors --list LIST [--list LIST] [--size 256] [--k 6]\n"
	    "options: --batch 16 --iters 4000 --lr 0.002 --lr-final 0.0001 --warmup 300\n"
	    "  --ema 0.999 --ckpt-every 200 --val-every 500 --log-every 10 --seed 1\n"
	    "  --threads 2 --resume --stop-at N --weights W --mosaic 0.5 --nomosaic-last 0.1\n"
	    "  --hue 0.1 --sat 1.7 --exp 1.7 --scale-min 0.6 --scale-max 1.5 --no-flip\n"
	    "  --val may be given up to 4 times (best.weights on their mean mAP)\n"
	    "v2 (off by default): --scale-ref 288 (what list scale= values refer to)\n"
	    "  --wb 1 (per-channel gain, e.g. 1.15) --cam-p 0.3 (probability of each:)\n"
	    "  --blur 0 (max sigma px, <= 2.8) --vignette 0 (max falloff) --noise 0 (max sigma)\n"
	    "  --jpeg-min 0 (lowest quality) --border-aspect 0.7 --v1-step\n"
	    "list lines: IMAGE [scale=F] [border=ignore] [labels=partial]\n"
	    "       bv-train eval --cfg CFG --weights W --list LIST [--list LIST]\n"
	    "         [--scale-ref 288] [--border-aspect 0.7] [--threads 1]\n"
	    "       bv-train classify --cfg CFG --data PBC_CELLS --names NAMES --out DIR\n"
	    "         [training options above] --margin 0.2 --box-min 95 --box-max 170\n"
	    "         --jitter 12 (synthetic WBC box: side and centre offset, source px)\n"
	    "       bv-train classify-eval --cfg CFG --weights W --data PBC_CELLS\n"
	    "         --names NAMES [--split val] [--margin 0.2] [--threads 1]\n"
	    "       bv-train classify-e2e --cfg DET_CFG --weights DET_W --cls-cfg CFG\n"
	    "         --cls-weights W --names NAMES --list LIST (lines with wbc=CLASS)\n"
	    "         [--wbc-thresh 0.3] [--margin 0.2] [--per-image]\n");
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.batch = 16, .iters = 4000, .warmup = 300, .ckpt_every = 200,
		.val_every = 500, .threads = 2, .log_every = 10, .seed = 1,
		.lr = 0.002f, .lr_final = 0.0001f, .ema = 0.999f,
		.nomosaic_last = 0.1f,
		.margin = CELLCROP_MARGIN, .box_min = 95, .box_max = 170, .jitter = 12,
		.wbc_thresh = 0.3f,
		.aug = { .mosaic = 0.5f, .scale_min = 0.6f, .scale_max = 1.5f,
		    .scale_ref = 288, .hue = 0.1f, .sat = 1.7f, .exp = 1.7f,
		    .wb = 1, .cam_p = 0.3f, .flips = 1 },
	};

	int mode = 0;          /* 0 detector, 1 classify, 2 classify-eval, 3 eval */

	if (argc > 1 && strcmp(argv[1], "anchors") == 0)
		return cmd_anchors(argc - 2, argv + 2);
	if (argc > 1 && strcmp(argv[1], "classify") == 0)
		mode = 1;
	if (argc > 1 && strcmp(argv[1], "classify-eval") == 0)
		mode = 2;
	if (argc > 1 && strcmp(argv[1], "eval") == 0)
		mode = 3;
	if (argc > 1 && strcmp(argv[1], "classify-e2e") == 0)
		mode = 4;
	for (int i = mode ? 2 : 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define S_OPT(name, field) if (strcmp(a, name) == 0 && v) { o.field = v; i++; continue; }
#define I_OPT(name, field) if (strcmp(a, name) == 0 && v) { o.field = atoi(v); i++; continue; }
#define F_OPT(name, field) if (strcmp(a, name) == 0 && v) { o.field = strtof(v, NULL); i++; continue; }
		if ((strcmp(a, "--val") == 0 || strcmp(a, "--list") == 0) && v) {
			if (o.nval == MAXVAL) {
				fprintf(stderr, "bv-train: at most %d --val lists\n", MAXVAL);
				return 2;
			}
			o.val[o.nval++] = v;
			i++;
			continue;
		}
		S_OPT("--cfg", cfg) S_OPT("--train", train)
		S_OPT("--data", data) S_OPT("--names", names) S_OPT("--split", split)
		F_OPT("--margin", margin) F_OPT("--box-min", box_min)
		F_OPT("--box-max", box_max) F_OPT("--jitter", jitter)
		S_OPT("--cls-cfg", cls_cfg) S_OPT("--cls-weights", cls_weights)
		F_OPT("--wbc-thresh", wbc_thresh)
		if (strcmp(a, "--per-image") == 0) {
			o.per_image = 1;
			continue;
		}
		S_OPT("--out", out) S_OPT("--weights", weights) S_OPT("--init-only", init_only)
		I_OPT("--batch", batch) I_OPT("--iters", iters) I_OPT("--warmup", warmup)
		I_OPT("--ckpt-every", ckpt_every) I_OPT("--val-every", val_every)
		I_OPT("--threads", threads) I_OPT("--log-every", log_every)
		I_OPT("--stop-at", stop_at) I_OPT("--dump-aug", dump_aug)
		F_OPT("--lr", lr) F_OPT("--lr-final", lr_final) F_OPT("--ema", ema)
		F_OPT("--nomosaic-last", nomosaic_last) F_OPT("--mosaic", aug.mosaic)
		F_OPT("--hue", aug.hue) F_OPT("--sat", aug.sat) F_OPT("--exp", aug.exp)
		F_OPT("--scale-min", aug.scale_min) F_OPT("--scale-max", aug.scale_max)
		F_OPT("--scale-ref", aug.scale_ref) F_OPT("--wb", aug.wb)
		F_OPT("--cam-p", aug.cam_p) F_OPT("--blur", aug.blur)
		F_OPT("--vignette", aug.vignette) F_OPT("--noise", aug.noise)
		I_OPT("--jpeg-min", aug.jpeg_min)
		if (strcmp(a, "--border-aspect") == 0 && v) {
			border_aspect = strtof(v, NULL);
			i++;
			continue;
		}
		if (strcmp(a, "--v1-step") == 0) {
			o.v1_step = 1;
			continue;
		}
		if (strcmp(a, "--seed") == 0 && v) {
			o.seed = strtoul(v, NULL, 10);
			i++;
			continue;
		}
		if (strcmp(a, "--resume") == 0) {
			o.resume = 1;
			continue;
		}
		if (strcmp(a, "--no-flip") == 0) {
			o.aug.flips = 0;
			continue;
		}
		usage();
		return 2;
	}
	if (o.cfg == NULL) {
		usage();
		return 2;
	}
	if (o.init_only != NULL)
		return cmd_init_only(&o);
	if (mode == 4) {
		if (o.weights == NULL || o.cls_cfg == NULL || o.cls_weights == NULL ||
		    o.names == NULL || o.nval == 0 || o.margin < 0 ||
		    o.wbc_thresh <= 0 || o.wbc_thresh >= 1) {
			usage();
			return 2;
		}
		return cmd_classify_e2e(&o);
	}
	if (mode == 3) {
		if (o.weights == NULL || o.nval == 0 || o.aug.scale_ref <= 0) {
			usage();
			return 2;
		}
		return cmd_eval(&o);
	}
	if (mode == 2) {
		if (o.weights == NULL || o.data == NULL || o.names == NULL) {
			usage();
			return 2;
		}
		if (o.split == NULL)
			o.split = "val";
		return cmd_classify_eval(&o);
	}
	if (mode == 1) {
		if (o.data == NULL || o.names == NULL || o.out == NULL || o.batch < 1 ||
		    o.iters < 1 || o.warmup < 1 || o.ckpt_every < 1 ||
		    o.val_every < 1 || o.log_every < 1 || o.margin < 0 ||
		    o.box_min <= 0 || o.box_max < o.box_min || o.jitter < 0 ||
		    o.aug.sat < 1 || o.aug.exp < 1 || o.aug.wb < 1 ||
		    o.aug.blur < 0 || o.aug.blur > 2.8f || o.aug.noise < 0 ||
		    o.aug.vignette < 0 || o.aug.vignette > 1 || o.aug.jpeg_min < 0 ||
		    o.aug.jpeg_min > 95) {
			usage();
			return 2;
		}
		return cmd_classify(&o);
	}
	if (o.train == NULL || o.out == NULL || o.batch < 1 || o.iters < 1 ||
	    o.warmup < 1 || o.ckpt_every < 1 || o.val_every < 1 || o.log_every < 1 ||
	    o.aug.scale_min <= 0 || o.aug.scale_max < o.aug.scale_min ||
	    o.aug.sat < 1 || o.aug.exp < 1 || o.aug.wb < 1 || o.aug.scale_ref <= 0 ||
	    o.aug.blur < 0 || o.aug.blur > 2.8f || o.aug.noise < 0 ||
	    o.aug.vignette < 0 || o.aug.vignette > 1 || o.aug.jpeg_min < 0 ||
	    o.aug.jpeg_min > 95) {
		usage();
		return 2;
	}
	return cmd_train(&o);
}
