/* bv-eval.c: evaluate a BloodView model on a BCCD split (AP, counts, speed) */
/*
 * Runs exactly the server's path (imgio_decode -> scan_detect: field of
 * view, automatic cell scale, tiles at the trained scale, the ownership
 * rule and merge; --letterbox: the single letterboxed detector_run of
 * earlier releases) over a split of the VOC dataset and reports:
 *   - VOC AP@0.5 per class (all-point interpolation) and mAP, from the
 *     detections above a low threshold (--ap-thresh, 0.005);
 *   - counting at the operating thresholds (--thresh, or per class with
 *     --thresh-rbc/--thresh-wbc/--thresh-plt): per-class mean absolute count
 *     error per image, RBC mean absolute percent error, the share of
 *     images with the exact WBC count.  A cell cut by the image border
 *     counts as one cell if detected, as BCCD's annotators boxed them;
 *   - forward time per image (decode excluded, letterbox included);
 *   - with --tune, the per-class threshold minimising the count error
 *     (RBC: percent error) on this split: run it on val, never on test.
 * Perturbations for robustness checks: --hue DEG, --gain F (brightness),
 * --rescale F (image resized by F, ground truth scaled with it: a change of
 * resolution, which the letterbox undoes), --zoom F (content magnified by F
 * in a field of the same size: a change of magnification).
 * --wide N evaluates N x N mosaics of the split's images at their own
 * scale (labels carried over; --rescale then resizes the mosaic, and
 * --eyepiece WxH centres it on a black frame inside a circular stop, labels
 * whose centre falls outside dropped) and also counts the same images one
 * by one: "count consistency" compares the per-class totals.  With --zoom
 * on the tiled path, each image is also measured at zoom 1 and the scale
 * estimate is checked against the zoom (estimate / true, within 10 %).
 * A photo the server would refuse (422) counts as no detections.
 * --stock times libdarknet's own math instead of blasgemm.c's.
 * Human table by default, one JSON object with --json.
 * `bv-eval --count ...` (first argument) measures counts per source on
 * lists with complete labels instead: evalcount.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/blasgemm.h"
#include "vision/detector.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "tools/evalcount.h"
#include "tools/perturb.h"
#include "vision/scan.h"
#include "vision/scalemem.h"
#include "tools/voc.h"
#include "tools/vocap.h"
#include "tools/toolutil.h"
#include "base/timing.h"

#define EVAL_MAX_FILE (64L << 20)
#define NCLS VOC_NCLASSES

struct eval_img {
	char id[64];
	struct voc_ann gt;
	struct det_box *dets;
	size_t nd;
	double ms;
	struct scale_info scale;	/* the tiled path's, when used */
	int refused;			/* the server would answer 422 */
};

struct eval_opts {
	const char *cfg, *weights, *names, *dataset, *split, *dets_dir;
	float thr[NCLS], ap_thresh, nms, hue, gain, rescale, zoom;
	float blur, od[3];      /* --blur SIGMA, --od-gain R,G,B (1,1,1 none) */
	int jpeg;               /* --jpeg Q: a JPEG round trip (0 none) */
	int json, tune, threads, limit, stock, per_image;
	int letterbox;          /* 1: the old single pass, no scale search */
	int remember;           /* 1: the server's remembered scale (scalemem.h) */
	int area;               /* 1: working copy by area average (--resample area) */
	int wide;               /* N: N x N mosaics of the split's images */
	int eye_w, eye_h;       /* > 0: the mosaic inside a dark circular stop */
	const char *engine;     /* --engine: darknet, xnnpack, xnnpack-int8 */
	double rbc_net_px;      /* the model's trained red-cell size */
};

/* Bilinear resize by factor f into a new image; -1 on failure. */
static int
rescale_img(struct img *im, float f)
{
	struct img o;

	o.w = (int)lrintf(im->w * f);
	o.h = (int)lrintf(im->h * f);
	if (o.w < 1 || o.h < 1 || (o.rgb = malloc((size_t)o.w * o.h * 3)) == NULL)
		return -1;
	for (int y = 0; y < o.h; y++) {
		float sy = fminf(fmaxf((y + 0.5f) * im->h / o.h - 0.5f, 0), im->h - 1);
		int y0 = (int)sy, y1 = y0 + 1 < im->h ? y0 + 1 : y0;
		float ay = sy - y0;

		for (int x = 0; x < o.w; x++) {
			float sx = fminf(fmaxf((x + 0.5f) * im->w / o.w - 0.5f, 0), im->w - 1);
			int x0 = (int)sx, x1 = x0 + 1 < im->w ? x0 + 1 : x0;
			float ax = sx - x0;

			for (int c = 0; c < 3; c++) {
				float a = im->rgb[(y0 * im->w + x0) * 3 + c] * (1 - ax) +
				    im->rgb[(y0 * im->w + x1) * 3 + c] * ax;
				float b = im->rgb[(y1 * im->w + x0) * 3 + c] * (1 - ax) +
				    im->rgb[(y1 * im->w + x1) * 3 + c] * ax;

				o.rgb[((size_t)y * o.w + x) * 3 + c] =
				    (unsigned char)lrintf(a * (1 - ay) + b * ay);
			}
		}
	}
	imgio_free(im);
	*im = o;
	return 0;
}

/*
 * A magnification change: the field of view keeps its size in pixels while
 * its content is scaled by f about the centre (f > 1: cropped, cells larger;
 * f < 1: the shrunk field is framed by the mean colour of the original's
 * border, i.e. the smear background).  Ground truth follows; a box with less
 * than half of its area left in view becomes "difficult" (neither found nor
 * missed), as does one wholly outside.
 */
static int
zoom_img(struct img *im, struct voc_ann *gt, float f)
{
	struct img s, o = { .w = im->w, .h = im->h };
	double bg[3] = { 0, 0, 0 };
	long nb = 0;
	int ox, oy;

	for (int y = 0; y < im->h; y++)
		for (int x = 0; x < im->w; x++) {
			if (y != 0 && y != im->h - 1 && x != 0 && x != im->w - 1)
				continue;
			for (int c = 0; c < 3; c++)
				bg[c] += im->rgb[((size_t)y * im->w + x) * 3 + c];
			nb++;
		}
	if ((o.rgb = malloc((size_t)o.w * o.h * 3)) == NULL)
		return -1;
	/* rescale_img replaces *im: s is the scaled field, im is o below. */
	if (rescale_img(im, f) == -1) {
		free(o.rgb);
		return -1;
	}
	s = *im;
	ox = (s.w - o.w) / 2;
	oy = (s.h - o.h) / 2;
	for (int y = 0; y < o.h; y++)
		for (int x = 0; x < o.w; x++) {
			int sx = x + ox, sy = y + oy;
			unsigned char *d = o.rgb + ((size_t)y * o.w + x) * 3;

			if (sx >= 0 && sx < s.w && sy >= 0 && sy < s.h)
				memcpy(d, s.rgb + ((size_t)sy * s.w + sx) * 3, 3);
			else
				for (int c = 0; c < 3; c++)
					d[c] = (unsigned char)lrint(bg[c] / nb);
		}
	imgio_free(&s);
	*im = o;
	for (size_t k = 0; k < gt->n; k++) {
		struct voc_box *b = &gt->boxes[k];
		double x0 = b->xmin * f - ox, y0 = b->ymin * f - oy;
		double x1 = b->xmax * f - ox, y1 = b->ymax * f - oy;
		double area = (x1 - x0) * (y1 - y0), vis;

		b->xmin = fmax(x0, 0);
		b->ymin = fmax(y0, 0);
		b->xmax = fmin(x1, o.w);
		b->ymax = fmin(y1, o.h);
		vis = fmax(b->xmax - b->xmin, 0) * fmax(b->ymax - b->ymin, 0);
		if (area <= 0 || vis < 0.5 * area) {
			b->difficult = 1;
			if (b->xmax <= b->xmin || b->ymax <= b->ymin) {
				b->xmin = b->ymin = 0;
				b->xmax = b->ymax = 1;
			}
		}
	}
	return 0;
}

struct counts {
	double mae[NCLS], rbc_mape, wbc_exact;
	int n_rbc_imgs;
};

/*
 * One image's cells per class: labelled (difficult boxes left out) and
 * counted (detections at or above their class's threshold).
 */
static void
image_counts(const struct eval_img *e, const float *thr, int *gt, int *pr)
{
	memset(gt, 0, NCLS * sizeof *gt);
	memset(pr, 0, NCLS * sizeof *pr);
	for (size_t k = 0; k < e->gt.n; k++)
		if (!e->gt.boxes[k].difficult)
			gt[e->gt.boxes[k].cls]++;
	for (size_t k = 0; k < e->nd; k++) {
		int cl = e->dets[k].cls;

		if (cl >= 0 && cl < NCLS && e->dets[k].conf >= thr[cl])
			pr[cl]++;
	}
}

static void
count_errors(const struct eval_img *ev, int n, const float *thr, struct counts *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < n; i++) {
		int gt[NCLS], pr[NCLS];

		image_counts(&ev[i], thr, gt, pr);
		for (int k = 0; k < NCLS; k++)
			c->mae[k] += abs(pr[k] - gt[k]);
		/* Percent error is undefined for images with no labelled RBC. */
		if (gt[VOC_RBC] > 0) {
			c->rbc_mape += 100.0 * abs(pr[VOC_RBC] - gt[VOC_RBC]) / gt[VOC_RBC];
			c->n_rbc_imgs++;
		}
		c->wbc_exact += pr[VOC_WBC] == gt[VOC_WBC];
	}
	for (int k = 0; k < NCLS; k++)
		c->mae[k] /= n;
	c->rbc_mape = c->n_rbc_imgs ? c->rbc_mape / c->n_rbc_imgs : NAN;
	c->wbc_exact /= n;
}

/* One line per image on stderr: labelled and counted cells per class. */
static void
print_per_image(const struct eval_img *ev, int n, const float *thr)
{
	fprintf(stderr, "%-20s %7s %7s %7s %7s %7s %7s\n", "image", "RBC gt",
	    "RBC", "WBC gt", "WBC", "Plt gt", "Plt");
	for (int i = 0; i < n; i++) {
		int gt[NCLS], pr[NCLS];

		image_counts(&ev[i], thr, gt, pr);
		fprintf(stderr, "%-20s %7d %7d %7d %7d %7d %7d\n", ev[i].id,
		    gt[VOC_RBC], pr[VOC_RBC], gt[VOC_WBC], pr[VOC_WBC],
		    gt[VOC_PLATELETS], pr[VOC_PLATELETS]);
	}
}

/* Every detection above --ap-thresh, one file per image, for inspection. */
static int
write_dets(const char *dir, const struct eval_img *ev, int n)
{
	char path[PATH_MAX];

	for (int i = 0; i < n; i++) {
		FILE *f;

		if (tool_pathf(path, sizeof path, "%s/%s.txt", dir, ev[i].id) == -1 ||
		    (f = fopen(path, "w")) == NULL) {
			fprintf(stderr, "bv-eval: %s/%s.txt: cannot write\n", dir, ev[i].id);
			return -1;
		}
		for (size_t k = 0; k < ev[i].nd; k++) {
			const struct det_box *d = &ev[i].dets[k];

			fprintf(f, "%s %.4f %.1f %.1f %.1f %.1f\n", voc_class_name(d->cls),
			    d->conf, d->x, d->y, d->x + d->w, d->y + d->h);
		}
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}

static int
compute_ap(const struct eval_img *ev, int n, double *ap, double *map)
{
	struct vocap_gt *gt = NULL;
	struct vocap_det *det = NULL;
	size_t ngt = 0, ndet = 0;
	int rc = -1;

	for (int i = 0; i < n; i++) {
		ngt += ev[i].gt.n;
		ndet += ev[i].nd;
	}
	if ((gt = calloc(ngt + 1, sizeof *gt)) == NULL ||
	    (det = calloc(ndet + 1, sizeof *det)) == NULL)
		goto cleanup;
	ngt = ndet = 0;
	for (int i = 0; i < n; i++) {
		for (size_t k = 0; k < ev[i].gt.n; k++) {
			const struct voc_box *b = &ev[i].gt.boxes[k];

			gt[ngt++] = (struct vocap_gt){ i, b->cls, b->xmin, b->ymin,
			    b->xmax, b->ymax, b->difficult };
		}
		for (size_t k = 0; k < ev[i].nd; k++) {
			const struct det_box *d = &ev[i].dets[k];

			det[ndet++] = (struct vocap_det){ i, d->cls, d->conf, d->x, d->y,
			    d->x + d->w, d->y + d->h };
		}
	}
	rc = vocap_eval(gt, ngt, det, ndet, n, NCLS, 0.5, ap, map);
cleanup:
	free(gt);
	free(det);
	return rc;
}

/* Scale searches run (--remember: one per change of scale). */
static int eval_searches;

/*
 * Detect on im as the server does: the tiled path (scale search, field of
 * view, tiles; scan_detect) unless --letterbox.  A photo the server would
 * refuse (422) gets no detections and is marked.
 */
static int
detect_img(struct detector *det, const struct eval_opts *o, const struct img *im,
    struct eval_img *e)
{
	struct scan_model m;
	struct scan_opts so;
	struct scan_result r;
	enum scan_err err;

	if (o->letterbox)
		return detector_run(det, im, o->ap_thresh, o->nms, &e->dets, &e->nd);
	scan_model_default(&m);
	m.rbc_net_px = o->rbc_net_px;
	scan_opts_default(&so, o->ap_thresh, o->nms);
	so.area = o->area;
	/* --remember: the split as one microscope's photos, in order */
	err = o->remember ? scalemem_detect(det, &m, &so, im, 1.0, im->w,
	    im->h, "mic:bv-eval", NULL, NULL, &r) : scan_detect(det, &m, &so,
	    im, 1.0, im->w, im->h, 0, SCALE_NONE, NULL, NULL, &r);
	if (o->remember)
		eval_searches += r.searches;
	if (err == SCAN_ERR_NOMEM)
		return -1;
	e->scale = r.scale;
	e->refused = err != SCAN_OK;
	e->dets = r.boxes;
	e->nd = r.n;
	return 0;
}

/* Where an image of a mosaic landed: x' = ox + s x, y' = oy + s y. */
struct place {
	double ox, oy, s;
};

/*
 * The N x N mosaic of ims[0..N*N) (all the size of the first), labels
 * carried over, resized by scale, then (eye_w > 0) centred on a black
 * eye_w x eye_h frame, black outside the circle whose diameter is the
 * mosaic's shorter side: labels whose centre is outside are dropped (the
 * edge rule).  pl[k] says where image k landed; *cx, *cy, *r the stop.
 */
static int
build_mosaic(const struct eval_opts *o, struct img *ims, struct voc_ann *gts,
    int N, struct img *out, struct voc_ann *gt, struct place *pl, double *cx,
    double *cy, double *r)
{
	struct img m, t;
	int w = ims[0].w, h = ims[0].h, k, y, x, ox = 0, oy = 0;
	size_t nb = 0, j;
	double s = o->rescale;

	m.w = w * N;
	m.h = h * N;
	if ((m.rgb = malloc((size_t)m.w * m.h * 3)) == NULL)
		return -1;
	memset(gt, 0, sizeof *gt);
	for (k = 0; k < N * N; k++)
		nb += gts[k].n;
	if ((gt->boxes = calloc(nb + 1, sizeof *gt->boxes)) == NULL) {
		free(m.rgb);
		return -1;
	}
	for (k = 0; k < N * N; k++) {
		if (ims[k].w != w || ims[k].h != h) {
			fprintf(stderr, "bv-eval: --wide needs images of one size\n");
			free(m.rgb);
			return -1;
		}
		for (y = 0; y < h; y++)
			memcpy(m.rgb + (((size_t)(k / N) * h + y) * m.w + (size_t)(k % N) * w) * 3,
			    ims[k].rgb + (size_t)y * w * 3, (size_t)w * 3);
	}
	if (s != 1) {
		if (imgio_resize_factor(&m, s, &t) == -1) {
			free(m.rgb);
			return -1;
		}
		free(m.rgb);
		m = t;
	}
	*cx = *cy = *r = 0;
	if (o->eye_w > 0) {
		if (o->eye_w < m.w || o->eye_h < m.h) {
			fprintf(stderr, "bv-eval: --eyepiece frame smaller than the mosaic\n");
			free(m.rgb);
			return -1;
		}
		t.w = o->eye_w;
		t.h = o->eye_h;
		if ((t.rgb = calloc((size_t)t.w * t.h, 3)) == NULL) {
			free(m.rgb);
			return -1;
		}
		ox = (t.w - m.w) / 2;
		oy = (t.h - m.h) / 2;
		*cx = t.w / 2.0;
		*cy = t.h / 2.0;
		*r = (m.w < m.h ? m.w : m.h) / 2.0;
		for (y = 0; y < m.h; y++)
			for (x = 0; x < m.w; x++) {
				double dx = ox + x + 0.5 - *cx, dy = oy + y + 0.5 - *cy;

				if (dx * dx + dy * dy <= *r * *r)
					memcpy(t.rgb + ((size_t)(oy + y) * t.w + ox + x) * 3,
					    m.rgb + ((size_t)y * m.w + x) * 3, 3);
			}
		free(m.rgb);
		m = t;
	}
	for (k = 0; k < N * N; k++) {
		pl[k].ox = ox + (double)(k % N) * w * s;
		pl[k].oy = oy + (double)(k / N) * h * s;
		pl[k].s = s;
		for (j = 0; j < gts[k].n; j++) {
			struct voc_box b = gts[k].boxes[j];
			double bx, by;

			b.xmin = (float)(pl[k].ox + b.xmin * s);
			b.xmax = (float)(pl[k].ox + b.xmax * s);
			b.ymin = (float)(pl[k].oy + b.ymin * s);
			b.ymax = (float)(pl[k].oy + b.ymax * s);
			bx = (b.xmin + b.xmax) / 2 - *cx;
			by = (b.ymin + b.ymax) / 2 - *cy;
			if (*r > 0 && bx * bx + by * by > *r * *r)
				continue;
			gt->boxes[gt->n++] = b;
		}
	}
	gt->width = m.w;
	gt->height = m.h;
	*out = m;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bv-eval --cfg CFG --weights W --names N --dataset DIR [--split test]\n"
	    "  [--thresh T | --thresh-rbc T --thresh-wbc T --thresh-plt T] [--nms 0.45]\n"
	    "  [--ap-thresh 0.005] [--threads 2] [--tune] [--json] [--limit N]\n"
	    "  [--hue DEG] [--gain F] [--rescale F] [--zoom F] [--stock] [--per-image]\n"
	    "  [--blur SIGMA] [--jpeg Q] [--od-gain R,G,B]   (defocus, JPEG round trip,\n"
	    "   stain-like optical-density gains per channel)\n"
	    "  [--letterbox | --remember] [--wide N [--eyepiece WxH]] [--rbc-net-px 47]\n"
	    "  [--resample bilinear|area]   (the tiled path's working copy)\n"
	    "  [--dets-dir DIR]   (DIR/<id>.txt: class conf xmin ymin xmax ymax)\n"
	    "  [--engine darknet|xnnpack|xnnpack-int8]   (the detector's engine)\n"
	    "--stock runs libdarknet's own gemm/im2col/... (to time the stock path)\n");
}

int
main(int argc, char **argv)
{
	struct eval_opts o = {
		.split = "test", .thr = { 0.25f, 0.25f, 0.25f }, .ap_thresh = 0.005f,
		.nms = 0.45f, .gain = 1, .od = { 1, 1, 1 }, .rescale = 1, .zoom = 1, .threads = 2,
		.rbc_net_px = 47,
	};
	char path[PATH_MAX], line[256], err[512], ds[PATH_MAX];
	struct eval_img *ev = NULL;
	struct detector *det = NULL;
	struct img_limits lim;
	struct counts cnt;
	double ap[NCLS], map, tot_ms = 0;
	double zq_worst = 0, zq_sum = 0;
	long ind_tot[NCLS] = { 0 }, wide_tot[NCLS] = { 0 };
	struct src {
		char id[64];
		struct voc_ann gt;
		struct img im;
		double ref_rbc;
	} *src = NULL;
	int n = 0, rc = 1, nsrc = 0, srccap = 0, nzq = 0, zq_in = 0, nrefused = 0;
	FILE *f = NULL;

	if (argc > 1 && strcmp(argv[1], "--count") == 0)
		return evalcount_main(argc, argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0) { o.json = 1; continue; }
		if (strcmp(a, "--tune") == 0) { o.tune = 1; continue; }
		if (strcmp(a, "--per-image") == 0) { o.per_image = 1; continue; }
		if (strcmp(a, "--stock") == 0) { o.stock = 1; continue; }
		if (strcmp(a, "--letterbox") == 0) { o.letterbox = 1; continue; }
		if (strcmp(a, "--remember") == 0) { o.remember = 1; continue; }
		if (v == NULL) { usage(); return 2; }
		i++;
		if (strcmp(a, "--cfg") == 0) o.cfg = v;
		else if (strcmp(a, "--weights") == 0) o.weights = v;
		else if (strcmp(a, "--names") == 0) o.names = v;
		else if (strcmp(a, "--dataset") == 0) o.dataset = v;
		else if (strcmp(a, "--split") == 0) o.split = v;
		else if (strcmp(a, "--dets-dir") == 0) o.dets_dir = v;
		else if (strcmp(a, "--thresh") == 0) o.thr[0] = o.thr[1] = o.thr[2] = strtof(v, NULL);
		else if (strcmp(a, "--thresh-rbc") == 0) o.thr[VOC_RBC] = strtof(v, NULL);
		else if (strcmp(a, "--thresh-wbc") == 0) o.thr[VOC_WBC] = strtof(v, NULL);
		else if (strcmp(a, "--thresh-plt") == 0) o.thr[VOC_PLATELETS] = strtof(v, NULL);
		else if (strcmp(a, "--ap-thresh") == 0) o.ap_thresh = strtof(v, NULL);
		else if (strcmp(a, "--nms") == 0) o.nms = strtof(v, NULL);
		else if (strcmp(a, "--threads") == 0) o.threads = atoi(v);
		else if (strcmp(a, "--limit") == 0) o.limit = atoi(v);
		else if (strcmp(a, "--hue") == 0) o.hue = strtof(v, NULL);
		else if (strcmp(a, "--gain") == 0) o.gain = strtof(v, NULL);
		else if (strcmp(a, "--blur") == 0) o.blur = strtof(v, NULL);
		else if (strcmp(a, "--jpeg") == 0) o.jpeg = atoi(v);
		else if (strcmp(a, "--od-gain") == 0) {
			if (sscanf(v, "%f,%f,%f", &o.od[0], &o.od[1], &o.od[2]) != 3) {
				usage();
				return 2;
			}
		}
		else if (strcmp(a, "--rescale") == 0) o.rescale = strtof(v, NULL);
		else if (strcmp(a, "--zoom") == 0) o.zoom = strtof(v, NULL);
		else if (strcmp(a, "--engine") == 0) o.engine = v;
		else if (strcmp(a, "--wide") == 0) o.wide = atoi(v);
		else if (strcmp(a, "--resample") == 0) {
			if (strcmp(v, "area") == 0) o.area = 1;
			else if (strcmp(v, "bilinear") != 0) { usage(); return 2; }
		}
		else if (strcmp(a, "--rbc-net-px") == 0) o.rbc_net_px = strtod(v, NULL);
		else if (strcmp(a, "--eyepiece") == 0) {
			if (sscanf(v, "%dx%d", &o.eye_w, &o.eye_h) != 2) { usage(); return 2; }
		}
		else { usage(); return 2; }
	}
	if (!o.cfg || !o.weights || !o.names || !o.dataset || o.gain <= 0 ||
	    o.blur < 0 || o.blur > 8 || o.jpeg < 0 || o.jpeg > 100 ||
	    !(o.od[0] > 0 && o.od[1] > 0 && o.od[2] > 0 && o.od[0] <= 4 &&
	    o.od[1] <= 4 && o.od[2] <= 4) ||
	    o.rescale <= 0.05f || o.rescale > 4 ||
	    !(o.zoom >= 0.25f && o.zoom <= 4) || o.wide < 0 || o.wide > 8 ||
	    (o.wide > 0 && o.zoom != 1) || (o.eye_w > 0 && o.wide == 0) ||
	    (o.eye_w > 0 && (o.eye_w > 20000 || o.eye_h < 1 || o.eye_h > 20000)) ||
	    !(o.rbc_net_px > 4)) {
		usage();
		return 2;
	}
	/* Accept the dataset folder or its parent holding BCCD/. */
	if (tool_pathf(ds, sizeof ds, "%s/BCCD", o.dataset) == -1)
		return 2;
	{
		struct stat st;
		if (stat(ds, &st) == -1 && tool_pathf(ds, sizeof ds, "%s", o.dataset) == -1)
			return 2;
	}
	blasgemm_threads(o.threads);
	blasgemm_set_stock(o.stock);
	img_limits_default(&lim);
	{
		enum detector_engine de = DETECTOR_DARKNET;

		if (o.engine != NULL && detector_engine_parse(o.engine, &de) == -1) {
			usage();
			return 2;
		}
		if ((det = detector_open(o.cfg, o.weights, o.names, de, o.threads,
		    err, sizeof err)) == NULL) {
			fprintf(stderr, "bv-eval: %s\n", err);
			return 1;
		}
		if (detector_engine(det) != de) {
			fprintf(stderr, "bv-eval: engine %s unavailable\n", o.engine);
			goto cleanup;
		}
	}
	if (tool_pathf(path, sizeof path, "%s/ImageSets/Main/%s.txt", ds, o.split) == -1 ||
	    (f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bv-eval: %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	/* read the split: labels, pixels (colour and resolution perturbed) */
	while (fgets(line, sizeof line, f) != NULL && (o.limit <= 0 || nsrc < o.limit)) {
		unsigned char *buf;
		size_t len;
		enum img_err e;

		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0' || strchr(line, '/') != NULL)
			continue;
		if (nsrc == srccap) {
			struct src *ns;

			srccap = srccap ? srccap * 2 : 128;
			if ((ns = realloc(src, srccap * sizeof *ns)) == NULL)
				goto cleanup;
			src = ns;
		}
		memset(&src[nsrc], 0, sizeof src[nsrc]);
		if (tool_pathf(path, sizeof path, "%s/Annotations/%s.xml", ds, line) == -1 ||
		    voc_read(path, &src[nsrc].gt, err, sizeof err) == -1) {
			fprintf(stderr, "bv-eval: %s\n", err);
			goto cleanup;
		}
		voc_clean(&src[nsrc].gt, NULL);
		snprintf(src[nsrc].id, sizeof src[nsrc].id, "%.63s", line);
		nsrc++;
		if (tool_pathf(path, sizeof path, "%s/JPEGImages/%s.jpg", ds, line) == -1 ||
		    tool_read_file(path, EVAL_MAX_FILE, &buf, &len) == -1) {
			fprintf(stderr, "bv-eval: %s: cannot read\n", path);
			goto cleanup;
		}
		e = imgio_decode(buf, len, IMG_JPEG, &lim, &src[nsrc - 1].im);
		free(buf);
		if (e != IMG_OK) {
			fprintf(stderr, "bv-eval: %s: %s\n", path, img_strerror(e));
			goto cleanup;
		}
		if (o.hue != 0 || o.gain != 1)
			perturb_colour(&src[nsrc - 1].im, o.hue, o.gain);
		if (o.od[0] != 1 || o.od[1] != 1 || o.od[2] != 1)
			perturb_od_gain(&src[nsrc - 1].im, o.od);
		if ((o.blur > 0 && perturb_blur(&src[nsrc - 1].im, o.blur) == -1) ||
		    (o.jpeg > 0 && perturb_jpeg(&src[nsrc - 1].im, o.jpeg) == -1)) {
			fprintf(stderr, "bv-eval: %s: perturbation failed\n", path);
			goto cleanup;
		}
		if (o.rescale != 1 && o.wide == 0) {
			struct img *im = &src[nsrc - 1].im;
			struct voc_ann *g = &src[nsrc - 1].gt;
			float sx, sy;

			if (rescale_img(im, o.rescale) == -1)
				goto cleanup;
			sx = (float)im->w / g->width;
			sy = (float)im->h / g->height;
			for (size_t k = 0; k < g->n; k++) {
				g->boxes[k].xmin *= sx;
				g->boxes[k].xmax *= sx;
				g->boxes[k].ymin *= sy;
				g->boxes[k].ymax *= sy;
			}
		}
	}
	if ((ev = calloc(nsrc + 1, sizeof *ev)) == NULL)
		goto cleanup;
	if (o.wide == 0) {
		for (int i = 0; i < nsrc; i++) {
			struct eval_img ref;
			double t0;

			memset(&ref, 0, sizeof ref);
			/* the same photo at zoom 1: the scale the zoom should multiply */
			if (o.zoom != 1 && !o.letterbox) {
				struct eval_opts fresh = o;

				fresh.remember = 0;	/* a search of its own */
				if (detect_img(det, &fresh, &src[i].im, &ref) == -1)
					goto cleanup;
				free(ref.dets);
				src[i].ref_rbc = ref.scale.rbc_px;
			}
			ev[n] = (struct eval_img){ .gt = src[i].gt };
			memcpy(ev[n].id, src[i].id, sizeof ev[n].id);
			src[i].gt = (struct voc_ann){ 0 };
			n++;
			if (o.zoom != 1 && zoom_img(&src[i].im, &ev[n - 1].gt, o.zoom) == -1)
				goto cleanup;
			t0 = timing_ms();
			if (detect_img(det, &o, &src[i].im, &ev[n - 1]) == -1) {
				fprintf(stderr, "bv-eval: detector failed\n");
				goto cleanup;
			}
			ev[n - 1].ms = timing_ms() - t0;
			/* The first call pays for buffers and thread start-up. */
			if (n > 1)
				tot_ms += ev[n - 1].ms;
			if (o.zoom != 1 && src[i].ref_rbc > 0 && ev[n - 1].scale.rbc_px > 0) {
				double q = ev[n - 1].scale.rbc_px / src[i].ref_rbc / o.zoom;

				nzq++;
				zq_worst = fmax(zq_worst, fabs(q - 1));
				zq_in += fabs(q - 1) <= 0.10;
				zq_sum += q;
			}
			imgio_free(&src[i].im);
		}
	} else {
		int N = o.wide, per = o.wide * o.wide;
		struct place pl[64];

		int kept = 0;

		/* a mosaic needs one image size: keep the first image's */
		for (int i = 0; i < nsrc; i++) {
			if (src[i].im.w == src[0].im.w && src[i].im.h == src[0].im.h) {
				struct src t = src[kept];

				src[kept++] = src[i];
				src[i] = t;
			}
		}
		if (kept < nsrc)
			fprintf(stderr, "bv-eval: --wide: %d of %d images left out (not %dx%d)\n",
			    nsrc - kept, nsrc, src[0].im.w, src[0].im.h);
		for (int g = 0; g + per <= kept; g += per) {
			struct img mos;
			struct voc_ann gts[64];
			double cx, cy, r, t0;

			struct img ims[64];

			for (int k = 0; k < per; k++) {
				gts[k] = src[g + k].gt;
				ims[k] = src[g + k].im;	/* borrowed */
			}
			ev[n] = (struct eval_img){ 0 };
			snprintf(ev[n].id, sizeof ev[n].id, "wide%dx%d-%02d", N, N, g / per);
			if (build_mosaic(&o, ims, gts, N, &mos, &ev[n].gt, pl, &cx,
			    &cy, &r) == -1)
				goto cleanup;
			n++;
			t0 = timing_ms();
			if (detect_img(det, &o, &mos, &ev[n - 1]) == -1) {
				imgio_free(&mos);
				goto cleanup;
			}
			ev[n - 1].ms = timing_ms() - t0;
			if (n > 1)
				tot_ms += ev[n - 1].ms;
			imgio_free(&mos);
			/* the same cells counted image by image, inside the stop */
			for (int k = 0; k < per; k++) {
				struct eval_img one = { 0 };

				if (detect_img(det, &o, &src[g + k].im, &one) == -1)
					goto cleanup;
				for (size_t q = 0; q < one.nd; q++) {
					const struct det_box *d = &one.dets[q];
					double x = pl[k].ox + (d->x + d->w / 2) * pl[k].s;
					double y = pl[k].oy + (d->y + d->h / 2) * pl[k].s;

					if (d->conf < o.thr[d->cls] || (r > 0 &&
					    (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r))
						continue;
					ind_tot[d->cls]++;
				}
				free(one.dets);
			}
			for (size_t q = 0; q < ev[n - 1].nd; q++)
				if (ev[n - 1].dets[q].conf >= o.thr[ev[n - 1].dets[q].cls])
					wide_tot[ev[n - 1].dets[q].cls]++;
		}
	}
	if (n == 0) {
		fprintf(stderr, "bv-eval: empty split\n");
		goto cleanup;
	}
	if (compute_ap(ev, n, ap, &map) == -1)
		goto cleanup;
	if (o.tune) {
		/*
		 * Per class: the threshold with the lowest count error.  The
		 * error is often flat over a range (WBCs are few and confident):
		 * then take the middle of the optimal thresholds rather than an
		 * end, which would sit on the edge of the plateau.
		 */
		for (int c = 0; c < NCLS; c++) {
			float t[NCLS];
			double err[91], best = INFINITY;
			int opt[91], nopt = 0;

			memcpy(t, o.thr, sizeof t);
			for (int k = 5; k <= 90; k++) {
				t[c] = k / 100.0f;
				count_errors(ev, n, t, &cnt);
				err[k] = c == VOC_RBC ? cnt.rbc_mape : cnt.mae[c];
				if (err[k] < best)
					best = err[k];
			}
			for (int k = 5; k <= 90; k++)
				if (err[k] <= best + 1e-9)
					opt[nopt++] = k;
			o.thr[c] = opt[nopt / 2] / 100.0f;
		}
	}
	count_errors(ev, n, o.thr, &cnt);
	for (int i = 0; i < n; i++)
		nrefused += ev[i].refused;
	if (o.per_image)
		print_per_image(ev, n, o.thr);
	if (o.dets_dir != NULL && write_dets(o.dets_dir, ev, n) == -1)
		goto cleanup;
	if (o.json) {
		printf("{\"split\":\"%s\",\"images\":%d,\"map50\":%.4f,\"ap50\":{"
		    "\"RBC\":%.4f,\"WBC\":%.4f,\"Platelets\":%.4f},"
		    "\"thresholds\":{\"RBC\":%.2f,\"WBC\":%.2f,\"Platelets\":%.2f},"
		    "\"count_mae\":{\"RBC\":%.3f,\"WBC\":%.3f,\"Platelets\":%.3f},"
		    "\"rbc_mape_percent\":%.2f,\"wbc_exact_share\":%.4f,"
		    "\"forward_ms\":%.2f,\"stock\":%s,\"threads\":%d,\"hue\":%g,\"gain\":%g,"
		    "\"rescale\":%g,\"zoom\":%g,\"blur\":%g,\"jpeg\":%d,"
		    "\"od_gain\":[%g,%g,%g]}\n", o.split, n, map, ap[0], ap[1], ap[2],
		    o.thr[0], o.thr[1], o.thr[2], cnt.mae[0], cnt.mae[1], cnt.mae[2],
		    cnt.rbc_mape, cnt.wbc_exact, n > 1 ? tot_ms / (n - 1) : ev[0].ms,
		    o.stock ? "true" : "false", o.threads, o.hue, o.gain, o.rescale, o.zoom,
		    o.blur, o.jpeg, o.od[0], o.od[1], o.od[2]);
	} else {
		printf("split %s: %d images (hue %+g deg, gain %g, rescale %g, zoom %g)\n",
		    o.split, n, o.hue, o.gain, o.rescale, o.zoom);
		printf("%-10s %8s %8s %10s\n", "class", "AP@0.5", "thresh", "count MAE");
		for (int c = 0; c < NCLS; c++)
			printf("%-10s %8.4f %8.2f %10.3f\n", voc_class_name(c), ap[c],
			    o.thr[c], cnt.mae[c]);
		printf("%-10s %8.4f\n", "mAP", map);
		printf("RBC count mean abs. percent error: %.2f %% (%d images with RBC)\n",
		    cnt.rbc_mape, cnt.n_rbc_imgs);
		printf("exact WBC count: %.1f %% of images\n", 100 * cnt.wbc_exact);
		printf("forward (letterbox + network + boxes): %.2f ms/image, %s path, "
		    "%d threads\n", n > 1 ? tot_ms / (n - 1) : ev[0].ms,
		    detector_engine(det) != DETECTOR_DARKNET ?
		    detector_engine_name(detector_engine(det)) :
		    o.stock ? "stock libdarknet" : "OpenBLAS", o.threads);
	}
	if (!o.json) {
		printf("path: %s; %d of %d refused (422)\n", o.letterbox ?
		    "letterbox (no scale search)" : "tiled, automatic scale", nrefused, n);
		if (nzq > 0)
			printf("scale vs zoom %g: estimate/true mean %.4f, worst |error| %.1f %%, "
			    "within 10 %%: %d of %d\n", o.zoom, zq_sum / nzq, 100 * zq_worst,
			    zq_in, nzq);
		if (o.wide > 0) {
			long lab[NCLS] = { 0 };

			for (int i = 0; i < n; i++) {
				int gt[NCLS], pr[NCLS];

				image_counts(&ev[i], o.thr, gt, pr);
				for (int c = 0; c < NCLS; c++)
					lab[c] += gt[c];
			}
			for (int c = 0; c < NCLS; c++)
				printf("count consistency %-9s wide %5ld  images one by one %5ld  "
				    "%+6.1f %%  (labelled %ld)\n", voc_class_name(c), wide_tot[c],
				    ind_tot[c], ind_tot[c] ? 100.0 * (wide_tot[c] - ind_tot[c]) /
				    ind_tot[c] : 0.0, lab[c]);
		}
	} else {
		printf("{\"refused\":%d,\"scale_within_10\":%d,\"scale_n\":%d,"
		    "\"scale_worst\":%.4f,\"wide\":{\"RBC\":[%ld,%ld],\"WBC\":[%ld,%ld],"
		    "\"Platelets\":[%ld,%ld]}}\n", nrefused, zq_in, nzq, zq_worst,
		    wide_tot[0], ind_tot[0], wide_tot[1], ind_tot[1], wide_tot[2], ind_tot[2]);
	}
	rc = 0;
cleanup:
	if (o.remember)
		fprintf(stderr, "bv-eval: %d scale searches\n", eval_searches);
	if (f != NULL)
		fclose(f);
	for (int i = 0; i < n; i++) {
		voc_ann_clear(&ev[i].gt);
		free(ev[i].dets);
	}
	free(ev);
	for (int i = 0; i < nsrc; i++) {
		voc_ann_clear(&src[i].gt);
		imgio_free(&src[i].im);
	}
	free(src);
	detector_free(det);
	return rc;
}
