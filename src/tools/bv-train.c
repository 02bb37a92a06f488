/* bv-train.c: train a Darknet YOLO cfg on BCCD with mosaic, EMA and cosine LR */
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
 *   - VOC mAP@0.5 on the validation list, keeping best.weights (EMA).
 * Subcommands: `anchors` (k-means on label boxes) and `--init-only`.
 */
#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

#include "blasgemm.h"
#include "vocap.h"
#include "toolutil.h"
#include "timing.h"

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

struct sample {
	char *path;
	image im;          /* CHW float RGB in [0,1] (darknet layout) */
	int nb;
	float *b;          /* nb x {cls, x0, y0, x1, y1} in pixels */
};

struct dataset {
	struct sample *s;
	int n;
};

/* Darknet's convention: .../JPEGImages/X.jpg -> .../labels/X.txt */
static int
label_path(const char *img, char *out, size_t outsz)
{
	const char *j = strstr(img, "JPEGImages");
	const char *dot = strrchr(img, '.');

	if (j == NULL || dot == NULL || dot < j)
		return -1;
	if ((size_t)snprintf(out, outsz, "%.*slabels%.*s.txt", (int)(j - img), img,
	    (int)(dot - (j + 10)), j + 10) >= outsz)
		return -1;
	return 0;
}

static int
sample_load(struct sample *s, const char *path)
{
	char lp[PATH_MAX], line[256];
	FILE *f;
	int cap = 0;

	memset(s, 0, sizeof *s);
	if ((s->path = strdup(path)) == NULL)
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
		s->nb++;
	}
	fclose(f);
	return 0;
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
	float scale_min, scale_max; /* object scale vs. plain letterbox */
	float hue, sat, exp;   /* hue shift (fraction of the circle), factors */
	int flips;             /* flips and 90-degree turns */
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

/* Jitter hue/saturation/exposure of canvas pixels inside rect. */
static void
aug_hsv(float *cv, int S, const int r[4], const struct aug *a)
{
	float dh = rng_uniform(-a->hue, a->hue);
	float ds = rng_scale(a->sat), dv = rng_scale(a->exp);
	size_t plane = (size_t)S * S;

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

/*
 * Draw sample src into rect r of the SxS canvas at a random scale, offset
 * and orientation; append its visible boxes (relative cx cy w h cls) to
 * y at *nout, up to maxb.
 */
static void
aug_place(const struct sample *src, float *cv, int S, const int r[4],
    const struct aug *a, float *y, int *nout, int maxb)
{
	const image *im = &src->im;
	int tr = a->flips ? rng_int(2) : 0;
	int fx = a->flips ? rng_int(2) : 0, fy = a->flips ? rng_int(2) : 0;
	int vw = tr ? im->h : im->w, vh = tr ? im->w : im->h;
	float base = (float)S / (vw > vh ? vw : vh);
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
		/* Cells mostly outside the tile are dropped, like BCCD's
		 * annotators who boxed cells cut by the border but not slivers. */
		if (cx1 - cx0 < 2 || cy1 - cy0 < 2 ||
		    (cx1 - cx0) * (cy1 - cy0) < 0.35f * full)
			continue;
		y[*nout * 5 + 0] = (cx0 + cx1) / 2 / S;
		y[*nout * 5 + 1] = (cy0 + cy1) / 2 / S;
		y[*nout * 5 + 2] = (cx1 - cx0) / S;
		y[*nout * 5 + 3] = (cy1 - cy0) / S;
		y[*nout * 5 + 4] = b[0];
		(*nout)++;
	}
}

/* One training image (plane-major RGB) and its truth row. */
static void
aug_sample(const struct dataset *ds, int idx, float *cv, int S,
    const struct aug *a, float *y, int maxb)
{
	int n = 0;

	for (size_t i = 0; i < (size_t)3 * S * S; i++)
		cv[i] = 0.5f;
	memset(y, 0, (size_t)maxb * 5 * sizeof *y);
	if (rng_uniform(0, 1) < a->mosaic) {
		int mx = (int)(S * rng_uniform(0.3f, 0.7f));
		int my = (int)(S * rng_uniform(0.3f, 0.7f));
		int rects[4][4] = {
			{ 0, 0, mx, my }, { mx, 0, S, my },
			{ 0, my, mx, S }, { mx, my, S, S },
		};

		for (int k = 0; k < 4; k++) {
			int j = k == 0 ? idx : rng_int(ds->n);

			aug_place(&ds->s[j], cv, S, rects[k], a, y, &n, maxb);
		}
	} else {
		int r[4] = { 0, 0, S, S };

		aug_place(&ds->s[idx], cv, S, r, a, y, &n, maxb);
	}
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
	struct dataset ds;
	image *boxed;         /* letterboxed inputs, cached */
};

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
			gt[ngt].x0 = s->b[k * 5 + 1];
			gt[ngt].y0 = s->b[k * 5 + 2];
			gt[ngt].x1 = s->b[k * 5 + 3];
			gt[ngt].y1 = s->b[k * 5 + 4];
			gt[ngt].difficult = 0;
			ngt++;
		}
		network_predict(net, vs->boxed[i].data);
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
				det[ndet].x0 = (b.x - b.w / 2) * s->im.w;
				det[ndet].x1 = (b.x + b.w / 2) * s->im.w;
				det[ndet].y0 = (b.y - b.h / 2) * s->im.h;
				det[ndet].y1 = (b.y + b.h / 2) * s->im.h;
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
				float sc = (float)S / (s->im.w > s->im.h ? s->im.w : s->im.h);

				for (int b = 0; b < s->nb; b++) {
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

/* -------------------------------------------------------------- train */

struct opts {
	const char *cfg, *train, *val, *out, *weights, *init_only;
	int batch, iters, warmup, ckpt_every, val_every, threads, resume, log_every;
	int stop_at;            /* stop (with a checkpoint) here; schedule unchanged */
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
	struct valset vs = { 0 };
	struct state st = { 0, 0, -1, -1, NULL, 0, 0 };
	data d = { 0 };
	int S, maxb, ncls, out_fd;
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
	if (o->val != NULL) {
		if (dataset_load(&vs.ds, o->val) == -1)
			return 1;
		vs.boxed = calloc(vs.ds.n, sizeof *vs.boxed);
		for (int i = 0; i < vs.ds.n; i++)
			vs.boxed[i] = letterbox_image(vs.ds.s[i].im, S, S);
	}
	fprintf(log, "train %d images, val %d, input %dx%d, batch %d, max boxes %d, "
	    "classes %d, iters %d\n", train.n, vs.ds.n, S, S, o->batch, maxb, ncls, o->iters);

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
			    d.y.vals[b], maxb);
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
		if (vs.ds.n > 0 && (it % o->val_every == 0 || it == o->iters)) {
			double ap[16], map, tv = timing_ms() / 1e3;

			map = validate(ema, &vs, ncls, ap);
			fprintf(log, "val iter %d mAP %.4f (", it, map);
			for (int c = 0; c < ncls && c < 16; c++)
				fprintf(log, "%s%.4f", c ? " " : "", ap[c]);
			fprintf(log, ") %.1fs\n", timing_ms() / 1e3 - tv);
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
	    "  --hue 0.1 --sat 1.7 --exp 1.7 --scale-min 0.6 --scale-max 1.5 --no-flip\n");
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.batch = 16, .iters = 4000, .warmup = 300, .ckpt_every = 200,
		.val_every = 500, .threads = 2, .log_every = 10, .seed = 1,
		.lr = 0.002f, .lr_final = 0.0001f, .ema = 0.999f,
		.nomosaic_last = 0.1f,
		.aug = { .mosaic = 0.5f, .scale_min = 0.6f, .scale_max = 1.5f,
		    .hue = 0.1f, .sat = 1.7f, .exp = 1.7f, .flips = 1 },
	};

	if (argc > 1 && strcmp(argv[1], "anchors") == 0)
		return cmd_anchors(argc - 2, argv + 2);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define S_OPT(name, field) if (strcmp(a, name) == 0 && v) { o.field = v; i++; continue; }
#define I_OPT(name, field) if (strcmp(a, name) == 0 && v) { o.field = atoi(v); i++; continue; }
#define F_OPT(name, field) if (strcmp(a, name) == 0 && v) { o.field = strtof(v, NULL); i++; continue; }
		S_OPT("--cfg", cfg) S_OPT("--train", train) S_OPT("--val", val)
		S_OPT("--out", out) S_OPT("--weights", weights) S_OPT("--init-only", init_only)
		I_OPT("--batch", batch) I_OPT("--iters", iters) I_OPT("--warmup", warmup)
		I_OPT("--ckpt-every", ckpt_every) I_OPT("--val-every", val_every)
		I_OPT("--threads", threads) I_OPT("--log-every", log_every)
		I_OPT("--stop-at", stop_at)
		F_OPT("--lr", lr) F_OPT("--lr-final", lr_final) F_OPT("--ema", ema)
		F_OPT("--nomosaic-last", nomosaic_last) F_OPT("--mosaic", aug.mosaic)
		F_OPT("--hue", aug.hue) F_OPT("--sat", aug.sat) F_OPT("--exp", aug.exp)
		F_OPT("--scale-min", aug.scale_min) F_OPT("--scale-max", aug.scale_max)
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
	if (o.train == NULL || o.out == NULL || o.batch < 1 || o.iters < 1 ||
	    o.warmup < 1 || o.ckpt_every < 1 || o.val_every < 1 || o.log_every < 1 ||
	    o.aug.scale_min <= 0 || o.aug.scale_max < o.aug.scale_min ||
	    o.aug.sat < 1 || o.aug.exp < 1) {
		usage();
		return 2;
	}
	return cmd_train(&o);
}
