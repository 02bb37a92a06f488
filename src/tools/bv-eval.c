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
#include "tools/evalimg.h"
#include "tools/evalopts.h"
#include "tools/perturb.h"
#include "vision/scan.h"
#include "vision/scalemem.h"
#include "tools/voc.h"
#include "tools/vocap.h"
#include "tools/toolutil.h"
#include "base/count.h"
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


struct counts {
	double mae[NCLS], rbc_mape, wbc_exact;
	int n_rbc_imgs;
};

/*
 * One image's cells per class: labelled (difficult boxes left out) and
 * counted (count_counted(), the server's rule: rounded confidence at or
 * above the class's threshold).
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

		if (cl >= 0 && cl < NCLS && count_counted(e->dets[k].conf, thr[cl]))
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

/* A source image of the split, labels and pixels (perturbed). */
struct src {
	char id[64];
	struct voc_ann gt;
	struct img im;
	double ref_rbc;
};

/* One evaluation run: the split read, the images evaluated, the tallies. */
struct eval_run {
	struct eval_opts o;
	char ds[PATH_MAX];
	struct detector *det;
	struct img_limits lim;
	struct src *src;
	int nsrc, srccap;
	struct eval_img *ev;
	int n, nrefused;
	double tot_ms;
	/* --zoom: the scale estimate against the zoom */
	double zq_worst, zq_sum;
	int nzq, zq_in;
	/* --wide: the mosaic's counts and the same images one by one */
	long ind_tot[NCLS], wide_tot[NCLS];
};

/* The dataset folder (or its parent holding BCCD/) and the detector;
 * 0, or the exit status. */
static int
eval_open(struct eval_run *r)
{
	const struct eval_opts *o = &r->o;
	enum detector_engine de = DETECTOR_DARKNET;
	struct stat st;
	char err[512];

	if (tool_pathf(r->ds, sizeof r->ds, "%s/BCCD", o->dataset) == -1)
		return 2;
	if (stat(r->ds, &st) == -1 &&
	    tool_pathf(r->ds, sizeof r->ds, "%s", o->dataset) == -1)
		return 2;
	blasgemm_threads(o->threads);
	blasgemm_set_stock(o->stock);
	img_limits_default(&r->lim);
	if (o->engine != NULL && detector_engine_parse(o->engine, &de) == -1) {
		evalopts_usage();
		return 2;
	}
	if ((r->det = detector_open(o->cfg, o->weights, o->names, de, o->threads,
	    err, sizeof err)) == NULL) {
		fprintf(stderr, "bv-eval: %s\n", err);
		return 1;
	}
	if (detector_engine(r->det) != de) {
		fprintf(stderr, "bv-eval: engine %s unavailable\n", o->engine);
		return 1;
	}
	return 0;
}

/* The perturbations and the --rescale of one decoded image. */
static int
eval_perturb(const struct eval_opts *o, struct src *s, const char *path)
{
	if (o->hue != 0 || o->gain != 1)
		perturb_colour(&s->im, o->hue, o->gain);
	if (o->od[0] != 1 || o->od[1] != 1 || o->od[2] != 1)
		perturb_od_gain(&s->im, o->od);
	if ((o->blur > 0 && perturb_blur(&s->im, o->blur) == -1) ||
	    (o->jpeg > 0 && perturb_jpeg(&s->im, o->jpeg) == -1)) {
		fprintf(stderr, "bv-eval: %s: perturbation failed\n", path);
		return -1;
	}
	if (o->rescale != 1 && o->wide == 0) {
		struct voc_ann *g = &s->gt;
		float sx, sy;

		if (evalimg_rescale(&s->im, o->rescale) == -1)
			return -1;
		sx = (float)s->im.w / g->width;
		sy = (float)s->im.h / g->height;
		for (size_t k = 0; k < g->n; k++) {
			g->boxes[k].xmin *= sx;
			g->boxes[k].xmax *= sx;
			g->boxes[k].ymin *= sy;
			g->boxes[k].ymax *= sy;
		}
	}
	return 0;
}

/* One image id of the split: its labels and pixels appended to r->src. */
static int
eval_read_one(struct eval_run *r, const char *id)
{
	char path[PATH_MAX], err[512];
	struct src *s;
	unsigned char *buf;
	size_t len;
	enum img_err e;

	if (r->nsrc == r->srccap) {
		struct src *ns;

		r->srccap = r->srccap ? r->srccap * 2 : 128;
		if ((ns = realloc(r->src, r->srccap * sizeof *ns)) == NULL)
			return -1;
		r->src = ns;
	}
	s = &r->src[r->nsrc];
	memset(s, 0, sizeof *s);
	if (tool_pathf(path, sizeof path, "%s/Annotations/%s.xml", r->ds, id) == -1 ||
	    voc_read(path, &s->gt, err, sizeof err) == -1) {
		fprintf(stderr, "bv-eval: %s\n", err);
		return -1;
	}
	voc_clean(&s->gt, NULL);
	snprintf(s->id, sizeof s->id, "%.63s", id);
	r->nsrc++;
	if (tool_pathf(path, sizeof path, "%s/JPEGImages/%s.jpg", r->ds, id) == -1 ||
	    tool_read_file(path, EVAL_MAX_FILE, &buf, &len) == -1) {
		fprintf(stderr, "bv-eval: %s: cannot read\n", path);
		return -1;
	}
	e = imgio_decode(buf, len, IMG_JPEG, &r->lim, &s->im);
	free(buf);
	if (e != IMG_OK) {
		fprintf(stderr, "bv-eval: %s: %s\n", path, img_strerror(e));
		return -1;
	}
	return eval_perturb(&r->o, s, path);
}

/* Read the split's list (ImageSets/Main/SPLIT.txt), up to --limit. */
static int
eval_read_split(struct eval_run *r)
{
	char path[PATH_MAX], line[256];
	FILE *f;
	int rc = 0;

	if (tool_pathf(path, sizeof path, "%s/ImageSets/Main/%s.txt", r->ds,
	    r->o.split) == -1 || (f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bv-eval: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, f) != NULL &&
	    (r->o.limit <= 0 || r->nsrc < r->o.limit)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0' || strchr(line, '/') != NULL)
			continue;
		rc = eval_read_one(r, line);
	}
	fclose(f);
	if (rc == 0 && (r->ev = calloc(r->nsrc + 1, sizeof *r->ev)) == NULL)
		rc = -1;
	return rc;
}

/* Source image i on its own (zoomed with --zoom, against zoom 1). */
static int
eval_single(struct eval_run *r, int i)
{
	const struct eval_opts *o = &r->o;
	struct src *s = &r->src[i];
	struct eval_img *e;
	double t0;

	/* the same photo at zoom 1: the scale the zoom should multiply */
	if (o->zoom != 1 && !o->letterbox) {
		struct eval_opts fresh = *o;
		struct eval_img ref = { 0 };

		fresh.remember = 0;	/* a search of its own */
		if (detect_img(r->det, &fresh, &s->im, &ref) == -1)
			return -1;
		free(ref.dets);
		s->ref_rbc = ref.scale.rbc_px;
	}
	e = &r->ev[r->n++];
	*e = (struct eval_img){ .gt = s->gt };
	memcpy(e->id, s->id, sizeof e->id);
	s->gt = (struct voc_ann){ 0 };
	if (o->zoom != 1 && evalimg_zoom(&s->im, &e->gt, o->zoom) == -1)
		return -1;
	t0 = timing_ms();
	if (detect_img(r->det, o, &s->im, e) == -1) {
		fprintf(stderr, "bv-eval: detector failed\n");
		return -1;
	}
	e->ms = timing_ms() - t0;
	/* The first call pays for buffers and thread start-up. */
	if (r->n > 1)
		r->tot_ms += e->ms;
	if (o->zoom != 1 && s->ref_rbc > 0 && e->scale.rbc_px > 0) {
		double q = e->scale.rbc_px / s->ref_rbc / o->zoom;

		r->nzq++;
		r->zq_worst = fmax(r->zq_worst, fabs(q - 1));
		r->zq_in += fabs(q - 1) <= 0.10;
		r->zq_sum += q;
	}
	imgio_free(&s->im);
	return 0;
}

/* The cells of source image k counted one by one where the mosaic put
 * it, inside the stop (r > 0), into r->ind_tot. */
static int
eval_wide_one(struct eval_run *r, int k, const struct evalimg_place *pl,
    double cx, double cy, double rad)
{
	struct eval_img one = { 0 };

	if (detect_img(r->det, &r->o, &r->src[k].im, &one) == -1)
		return -1;
	for (size_t q = 0; q < one.nd; q++) {
		const struct det_box *d = &one.dets[q];
		double x = pl->ox + (d->x + d->w / 2) * pl->s;
		double y = pl->oy + (d->y + d->h / 2) * pl->s;

		if (!count_counted(d->conf, r->o.thr[d->cls]) || (rad > 0 &&
		    (x - cx) * (x - cx) + (y - cy) * (y - cy) > rad * rad))
			continue;
		r->ind_tot[d->cls]++;
	}
	free(one.dets);
	return 0;
}

/* The mosaic of source images g..g+N*N, then the same images one by one. */
static int
eval_wide_group(struct eval_run *r, int g)
{
	int N = r->o.wide, per = N * N;
	struct evalimg_place pl[64];
	struct voc_ann gts[64];
	struct img ims[64], mos;
	struct eval_img *e = &r->ev[r->n];
	double cx, cy, rad, t0;

	for (int k = 0; k < per; k++) {
		gts[k] = r->src[g + k].gt;
		ims[k] = r->src[g + k].im;	/* borrowed */
	}
	*e = (struct eval_img){ 0 };
	snprintf(e->id, sizeof e->id, "wide%dx%d-%02d", N, N, g / per);
	if (evalimg_mosaic(ims, gts, N, r->o.rescale, r->o.eye_w, r->o.eye_h,
	    &mos, &e->gt, pl, &cx, &cy, &rad) == -1) {
		voc_ann_clear(&e->gt);
		return -1;
	}
	r->n++;
	t0 = timing_ms();
	if (detect_img(r->det, &r->o, &mos, e) == -1) {
		imgio_free(&mos);
		return -1;
	}
	e->ms = timing_ms() - t0;
	if (r->n > 1)
		r->tot_ms += e->ms;
	imgio_free(&mos);
	for (int k = 0; k < per; k++)
		if (eval_wide_one(r, g + k, &pl[k], cx, cy, rad) == -1)
			return -1;
	for (size_t q = 0; q < e->nd; q++)
		if (count_counted(e->dets[q].conf, r->o.thr[e->dets[q].cls]))
			r->wide_tot[e->dets[q].cls]++;
	return 0;
}

/* --wide: N x N mosaics of the images of the first image's size. */
static int
eval_wide(struct eval_run *r)
{
	int per = r->o.wide * r->o.wide, kept = 0;
	struct src *src = r->src;

	/* a mosaic needs one image size: keep the first image's */
	for (int i = 0; i < r->nsrc; i++) {
		if (src[i].im.w == src[0].im.w && src[i].im.h == src[0].im.h) {
			struct src t = src[kept];

			src[kept++] = src[i];
			src[i] = t;
		}
	}
	if (kept < r->nsrc)
		fprintf(stderr, "bv-eval: --wide: %d of %d images left out (not %dx%d)\n",
		    r->nsrc - kept, r->nsrc, src[0].im.w, src[0].im.h);
	for (int g = 0; g + per <= kept; g += per)
		if (eval_wide_group(r, g) == -1)
			return -1;
	return 0;
}

/*
 * --tune, per class: the threshold with the lowest count error.  The
 * error is often flat over a range (WBCs are few and confident): then
 * take the middle of the optimal thresholds rather than an end, which
 * would sit on the edge of the plateau.
 */
static void
eval_tune(struct eval_run *r)
{
	struct counts cnt;

	for (int c = 0; c < NCLS; c++) {
		float t[NCLS];
		double err[91], best = INFINITY;
		int opt[91], nopt = 0;

		memcpy(t, r->o.thr, sizeof t);
		for (int k = 5; k <= 90; k++) {
			t[c] = k / 100.0f;
			count_errors(r->ev, r->n, t, &cnt);
			err[k] = c == VOC_RBC ? cnt.rbc_mape : cnt.mae[c];
			if (err[k] < best)
				best = err[k];
		}
		for (int k = 5; k <= 90; k++)
			if (err[k] <= best + 1e-9)
				opt[nopt++] = k;
		r->o.thr[c] = opt[nopt / 2] / 100.0f;
	}
}

/* Mean forward time, the first image left out when there are others. */
static double
eval_ms(const struct eval_run *r)
{
	return r->n > 1 ? r->tot_ms / (r->n - 1) : r->ev[0].ms;
}

static void
eval_print_json(const struct eval_run *r, const double *ap, double map,
    const struct counts *cnt)
{
	const struct eval_opts *o = &r->o;

	printf("{\"split\":\"%s\",\"images\":%d,\"map50\":%.4f,\"ap50\":{"
	    "\"RBC\":%.4f,\"WBC\":%.4f,\"Platelets\":%.4f},"
	    "\"thresholds\":{\"RBC\":%.2f,\"WBC\":%.2f,\"Platelets\":%.2f},"
	    "\"count_mae\":{\"RBC\":%.3f,\"WBC\":%.3f,\"Platelets\":%.3f},"
	    "\"rbc_mape_percent\":%.2f,\"wbc_exact_share\":%.4f,"
	    "\"forward_ms\":%.2f,\"stock\":%s,\"threads\":%d,\"hue\":%g,\"gain\":%g,"
	    "\"rescale\":%g,\"zoom\":%g,\"blur\":%g,\"jpeg\":%d,"
	    "\"od_gain\":[%g,%g,%g]}\n", o->split, r->n, map, ap[0], ap[1], ap[2],
	    o->thr[0], o->thr[1], o->thr[2], cnt->mae[0], cnt->mae[1], cnt->mae[2],
	    cnt->rbc_mape, cnt->wbc_exact, eval_ms(r),
	    o->stock ? "true" : "false", o->threads, o->hue, o->gain, o->rescale,
	    o->zoom, o->blur, o->jpeg, o->od[0], o->od[1], o->od[2]);
	printf("{\"refused\":%d,\"scale_within_10\":%d,\"scale_n\":%d,"
	    "\"scale_worst\":%.4f,\"wide\":{\"RBC\":[%ld,%ld],\"WBC\":[%ld,%ld],"
	    "\"Platelets\":[%ld,%ld]}}\n", r->nrefused, r->zq_in, r->nzq,
	    r->zq_worst, r->wide_tot[0], r->ind_tot[0], r->wide_tot[1],
	    r->ind_tot[1], r->wide_tot[2], r->ind_tot[2]);
}

/* The human table's last lines: refusals, scale vs zoom, consistency. */
static void
eval_print_checks(const struct eval_run *r)
{
	const struct eval_opts *o = &r->o;
	long lab[NCLS] = { 0 };

	printf("path: %s; %d of %d refused (422)\n", o->letterbox ?
	    "letterbox (no scale search)" : "tiled, automatic scale", r->nrefused,
	    r->n);
	if (r->nzq > 0)
		printf("scale vs zoom %g: estimate/true mean %.4f, worst |error| %.1f %%, "
		    "within 10 %%: %d of %d\n", o->zoom, r->zq_sum / r->nzq,
		    100 * r->zq_worst, r->zq_in, r->nzq);
	if (o->wide == 0)
		return;
	for (int i = 0; i < r->n; i++) {
		int gt[NCLS], pr[NCLS];

		image_counts(&r->ev[i], o->thr, gt, pr);
		for (int c = 0; c < NCLS; c++)
			lab[c] += gt[c];
	}
	for (int c = 0; c < NCLS; c++)
		printf("count consistency %-9s wide %5ld  images one by one %5ld  "
		    "%+6.1f %%  (labelled %ld)\n", voc_class_name(c), r->wide_tot[c],
		    r->ind_tot[c], r->ind_tot[c] ? 100.0 * (r->wide_tot[c] -
		    r->ind_tot[c]) / r->ind_tot[c] : 0.0, lab[c]);
}

static void
eval_print_text(const struct eval_run *r, const double *ap, double map,
    const struct counts *cnt)
{
	const struct eval_opts *o = &r->o;

	printf("split %s: %d images (hue %+g deg, gain %g, rescale %g, zoom %g)\n",
	    o->split, r->n, o->hue, o->gain, o->rescale, o->zoom);
	printf("%-10s %8s %8s %10s\n", "class", "AP@0.5", "thresh", "count MAE");
	for (int c = 0; c < NCLS; c++)
		printf("%-10s %8.4f %8.2f %10.3f\n", voc_class_name(c), ap[c],
		    o->thr[c], cnt->mae[c]);
	printf("%-10s %8.4f\n", "mAP", map);
	printf("RBC count mean abs. percent error: %.2f %% (%d images with RBC)\n",
	    cnt->rbc_mape, cnt->n_rbc_imgs);
	printf("exact WBC count: %.1f %% of images\n", 100 * cnt->wbc_exact);
	printf("forward (letterbox + network + boxes): %.2f ms/image, %s path, "
	    "%d threads\n", eval_ms(r),
	    detector_engine(r->det) != DETECTOR_DARKNET ?
	    detector_engine_name(detector_engine(r->det)) :
	    o->stock ? "stock libdarknet" : "OpenBLAS", o->threads);
	eval_print_checks(r);
}

/* AP, tuning, counts and the report of the evaluated images. */
static int
eval_report(struct eval_run *r)
{
	struct counts cnt;
	double ap[NCLS], map;

	if (r->n == 0) {
		fprintf(stderr, "bv-eval: empty split\n");
		return -1;
	}
	if (compute_ap(r->ev, r->n, ap, &map) == -1)
		return -1;
	if (r->o.tune)
		eval_tune(r);
	count_errors(r->ev, r->n, r->o.thr, &cnt);
	for (int i = 0; i < r->n; i++)
		r->nrefused += r->ev[i].refused;
	if (r->o.per_image)
		print_per_image(r->ev, r->n, r->o.thr);
	if (r->o.dets_dir != NULL && write_dets(r->o.dets_dir, r->ev, r->n) == -1)
		return -1;
	if (r->o.json)
		eval_print_json(r, ap, map, &cnt);
	else
		eval_print_text(r, ap, map, &cnt);
	return 0;
}

static void
eval_free(struct eval_run *r)
{
	if (r->o.remember)
		fprintf(stderr, "bv-eval: %d scale searches\n", eval_searches);
	for (int i = 0; i < r->n; i++) {
		voc_ann_clear(&r->ev[i].gt);
		free(r->ev[i].dets);
	}
	free(r->ev);
	for (int i = 0; i < r->nsrc; i++) {
		voc_ann_clear(&r->src[i].gt);
		imgio_free(&r->src[i].im);
	}
	free(r->src);
	detector_free(r->det);
}

int
main(int argc, char **argv)
{
	static struct eval_run r = { .o = {
		.split = "test", .thr = { 0.25f, 0.25f, 0.25f }, .ap_thresh = 0.005f,
		.nms = 0.45f, .gain = 1, .od = { 1, 1, 1 }, .rescale = 1, .zoom = 1,
		.threads = 2, .rbc_net_px = 47,
	} };
	int rc;

	if (argc > 1 && strcmp(argv[1], "--count") == 0)
		return evalcount_main(argc, argv);
	if ((rc = evalopts_parse(argc, argv, &r.o)) != 0)
		return rc;
	if ((rc = eval_open(&r)) != 0) {
		if (rc == 1)
			eval_free(&r);
		return rc;
	}
	rc = 1;
	if (eval_read_split(&r) == 0) {
		int ok = 0;

		if (r.o.wide == 0)
			for (int i = 0; i < r.nsrc && ok == 0; i++)
				ok = eval_single(&r, i);
		else
			ok = eval_wide(&r);
		if (ok == 0 && eval_report(&r) == 0)
			rc = 0;
	}
	eval_free(&r);
	return rc;
}
