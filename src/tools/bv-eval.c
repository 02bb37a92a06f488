/* bv-eval.c: evaluate a BloodView model on a BCCD split (AP, counts, speed) */
/*
 * Runs exactly the server's path (imgio_decode -> detector_run, which
 * letterboxes with imgio_letterbox and runs darknet with gemm on OpenBLAS)
 * over a split of the VOC dataset and reports:
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
 * --stock times libdarknet's own math instead of blasgemm.c's.
 * Human table by default, one JSON object with --json.
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

#include "blasgemm.h"
#include "detector.h"
#include "imgcheck.h"
#include "imgio.h"
#include "voc.h"
#include "vocap.h"
#include "toolutil.h"
#include "timing.h"

#define EVAL_MAX_FILE (64L << 20)
#define NCLS VOC_NCLASSES

struct eval_img {
	char id[64];
	struct voc_ann gt;
	struct det_box *dets;
	size_t nd;
	double ms;
};

struct eval_opts {
	const char *cfg, *weights, *names, *dataset, *split, *dets_dir;
	float thr[NCLS], ap_thresh, nms, hue, gain, rescale, zoom;
	int json, tune, threads, limit, stock, per_image;
};

/* Shift hue by deg degrees and multiply value by gain, in place. */
static void
perturb_colour(struct img *im, float deg, float gain)
{
	size_t n = (size_t)im->w * im->h;

	for (size_t i = 0; i < n; i++) {
		unsigned char *p = im->rgb + 3 * i;
		float r = p[0] / 255.f, g = p[1] / 255.f, b = p[2] / 255.f;
		float mx = fmaxf(r, fmaxf(g, b)), mn = fminf(r, fminf(g, b));
		float d = mx - mn, h = 0, s = mx > 0 ? d / mx : 0, v = mx, f, q, t, pp;
		int k;

		if (d > 0)
			h = mx == r ? (g - b) / d : mx == g ? (b - r) / d + 2 : (r - g) / d + 4;
		h = h / 6 + deg / 360.f;
		h -= floorf(h);
		v = fminf(1, v * gain);
		h *= 6;
		k = (int)h % 6;
		f = h - (int)h;
		pp = v * (1 - s);
		q = v * (1 - s * f);
		t = v * (1 - s * (1 - f));
		switch (k) {
		case 0: r = v; g = t; b = pp; break;
		case 1: r = q; g = v; b = pp; break;
		case 2: r = pp; g = v; b = t; break;
		case 3: r = pp; g = q; b = v; break;
		case 4: r = t; g = pp; b = v; break;
		default: r = v; g = pp; b = q; break;
		}
		p[0] = (unsigned char)lrintf(r * 255);
		p[1] = (unsigned char)lrintf(g * 255);
		p[2] = (unsigned char)lrintf(b * 255);
	}
}

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

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bv-eval --cfg CFG --weights W --names N --dataset DIR [--split test]\n"
	    "  [--thresh T | --thresh-rbc T --thresh-wbc T --thresh-plt T] [--nms 0.45]\n"
	    "  [--ap-thresh 0.005] [--threads 2] [--tune] [--json] [--limit N]\n"
	    "  [--hue DEG] [--gain F] [--rescale F] [--zoom F] [--stock] [--per-image]\n"
	    "  [--dets-dir DIR]   (DIR/<id>.txt: class conf xmin ymin xmax ymax)\n"
	    "--stock runs libdarknet's own gemm/im2col/... (to time the stock path)\n");
}

int
main(int argc, char **argv)
{
	struct eval_opts o = {
		.split = "test", .thr = { 0.25f, 0.25f, 0.25f }, .ap_thresh = 0.005f,
		.nms = 0.45f, .gain = 1, .rescale = 1, .zoom = 1, .threads = 2,
	};
	char path[PATH_MAX], line[256], err[512], ds[PATH_MAX];
	struct eval_img *ev = NULL;
	struct detector *det = NULL;
	struct img_limits lim;
	struct counts cnt;
	double ap[NCLS], map, tot_ms = 0;
	int n = 0, cap = 0, rc = 1;
	FILE *f = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0) { o.json = 1; continue; }
		if (strcmp(a, "--tune") == 0) { o.tune = 1; continue; }
		if (strcmp(a, "--per-image") == 0) { o.per_image = 1; continue; }
		if (strcmp(a, "--stock") == 0) { o.stock = 1; continue; }
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
		else if (strcmp(a, "--rescale") == 0) o.rescale = strtof(v, NULL);
		else if (strcmp(a, "--zoom") == 0) o.zoom = strtof(v, NULL);
		else { usage(); return 2; }
	}
	if (!o.cfg || !o.weights || !o.names || !o.dataset || o.gain <= 0 ||
	    o.rescale <= 0.05f || o.rescale > 4 ||
	    !(o.zoom >= 0.25f && o.zoom <= 4)) {
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
	if ((det = detector_new(o.cfg, o.weights, o.names, err, sizeof err)) == NULL) {
		fprintf(stderr, "bv-eval: %s\n", err);
		return 1;
	}
	if (tool_pathf(path, sizeof path, "%s/ImageSets/Main/%s.txt", ds, o.split) == -1 ||
	    (f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bv-eval: %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	while (fgets(line, sizeof line, f) != NULL && (o.limit <= 0 || n < o.limit)) {
		unsigned char *buf;
		size_t len;
		struct img im;
		enum img_err e;
		double t0;

		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0' || strchr(line, '/') != NULL)
			continue;
		if (n == cap) {
			struct eval_img *ne;

			cap = cap ? cap * 2 : 128;
			if ((ne = realloc(ev, cap * sizeof *ne)) == NULL)
				goto cleanup;
			ev = ne;
		}
		memset(&ev[n], 0, sizeof ev[n]);
		if (tool_pathf(path, sizeof path, "%s/Annotations/%s.xml", ds, line) == -1 ||
		    voc_read(path, &ev[n].gt, err, sizeof err) == -1) {
			fprintf(stderr, "bv-eval: %s\n", err);
			goto cleanup;
		}
		voc_clean(&ev[n].gt, NULL);
		snprintf(ev[n].id, sizeof ev[n].id, "%.63s", line);
		n++;
		if (tool_pathf(path, sizeof path, "%s/JPEGImages/%s.jpg", ds, line) == -1 ||
		    tool_read_file(path, EVAL_MAX_FILE, &buf, &len) == -1) {
			fprintf(stderr, "bv-eval: %s: cannot read\n", path);
			goto cleanup;
		}
		e = imgio_decode(buf, len, IMG_JPEG, &lim, &im);
		free(buf);
		if (e != IMG_OK) {
			fprintf(stderr, "bv-eval: %s: %s\n", path, img_strerror(e));
			goto cleanup;
		}
		if (o.hue != 0 || o.gain != 1)
			perturb_colour(&im, o.hue, o.gain);
		if (o.rescale != 1) {
			float sx, sy;

			if (rescale_img(&im, o.rescale) == -1) {
				imgio_free(&im);
				goto cleanup;
			}
			sx = (float)im.w / ev[n - 1].gt.width;
			sy = (float)im.h / ev[n - 1].gt.height;
			for (size_t k = 0; k < ev[n - 1].gt.n; k++) {
				struct voc_box *b = &ev[n - 1].gt.boxes[k];

				b->xmin *= sx;
				b->xmax *= sx;
				b->ymin *= sy;
				b->ymax *= sy;
			}
		}
		if (o.zoom != 1 && zoom_img(&im, &ev[n - 1].gt, o.zoom) == -1) {
			imgio_free(&im);
			goto cleanup;
		}
		t0 = timing_ms();
		if (detector_run(det, &im, o.ap_thresh, o.nms, &ev[n - 1].dets,
		    &ev[n - 1].nd) == -1) {
			imgio_free(&im);
			fprintf(stderr, "bv-eval: detector failed\n");
			goto cleanup;
		}
		ev[n - 1].ms = timing_ms() - t0;
		/* The first call pays for buffers and thread start-up. */
		if (n > 1)
			tot_ms += ev[n - 1].ms;
		imgio_free(&im);
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
		    "\"rescale\":%g,\"zoom\":%g}\n", o.split, n, map, ap[0], ap[1], ap[2],
		    o.thr[0], o.thr[1], o.thr[2], cnt.mae[0], cnt.mae[1], cnt.mae[2],
		    cnt.rbc_mape, cnt.wbc_exact, n > 1 ? tot_ms / (n - 1) : ev[0].ms,
		    o.stock ? "true" : "false", o.threads, o.hue, o.gain, o.rescale, o.zoom);
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
		    o.stock ? "stock libdarknet" : "OpenBLAS", o.threads);
	}
	rc = 0;
cleanup:
	if (f != NULL)
		fclose(f);
	for (int i = 0; i < n; i++) {
		voc_ann_clear(&ev[i].gt);
		free(ev[i].dets);
	}
	free(ev);
	detector_free(det);
	return rc;
}
