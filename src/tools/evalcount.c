/* evalcount.c: `bv-eval --count`: count bias, spread and interval coverage per source */
/*
 * bv-eval --count --cfg C --weights W --names N [--engine E] [--threads T]
 *     [--model-json J] [--thresh-rbc T ...] [--tune] [--json]
 *     --list NAME=LIST [--list NAME=LIST ...]
 *
 * Each LIST line is "IMAGE [field=value ...]" (bv-train's lists; the
 * fields are ignored here): the image's YOLO labels sit beside it in
 * labels/ (images/X.jpg or JPEGImages/X.jpg -> labels/X.txt), every cell
 * boxed (complete labels).  Each image runs the server's own path
 * (imgio_decode, scan_detect: field of view, automatic scale, tiles,
 * merge) at the server's floor (0.05); a photo the server would refuse
 * counts nothing.  Per source and class it prints the labelled and counted
 * cells, the pooled signed bias sum(n - L) / sum(L), the mean signed and
 * absolute per-field relative error, the share of fields within 10 % and
 * 20 %, and the 95 % interval's coverage (the share of fields whose
 * labelled count lies in the interval of interval_count(), the product's
 * rule) with its mean width relative to the label; then the same bias in
 * Gundersen's counting frame (countframe.h: labelled and detected boxes
 * alike counted by the frame's rule, the frame made from the field of view
 * and the working scale as the server makes it).
 *
 * Thresholds and the error model come from --model-json ("thresholds",
 * "count_error"), overridden by --thresh-*.  --tune chooses each class's
 * threshold: the highest whose worst source's bias is within half a
 * percentage point of the least (cc_choose_tol: fewer false cells on
 * photos unlike the validation fields, for at most 0.5 % more bias), fits
 * the error model at it over every source, and prints both as the JSON
 * blocks to put in the model's .json: run it on validation lists only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/blasgemm.h"
#include "image/imgio.h"
#include "clinical/countcal.h"
#include "clinical/interval.h"
#include "tools/evalcount.h"
#include "tools/toolutil.h"
#include "tools/voc.h"
#include "vision/countframe.h"
#include "vision/detector.h"
#include "vision/scan.h"

#define EC_NCLS VOC_NCLASSES
#define EC_MAX_SRC 8
#define EC_MAX_FILE (64L << 20)
#define EC_FLOOR 0.05f
/* --tune: the highest threshold within half a point of the least worst-source bias */
#define EC_TOL 0.005

struct ec_opts {
	const char *cfg, *weights, *names, *engine, *model_json;
	const char *src_name[EC_MAX_SRC], *src_list[EC_MAX_SRC];
	int nsrc, threads, tune, json;
	float thr[EC_NCLS];
	struct interval_error err[EC_NCLS];
};

/* Fields of one class over every image, scores owned here. */
struct ec_class {
	struct cc_field *f;
	size_t n, cap;
};

static const char *ec_key[EC_NCLS] = { "RBC", "WBC", "Platelets" };

/* One image's labelled boxes in pixels (YOLO text; no-area boxes skipped). */
struct ec_lab {
	int	 n;
	int	 cls[512];
	double	 b[512][4];
};

static int
ec_labels(const char *img, int w, int h, struct ec_lab *lab)
{
	char lp[PATH_MAX], line[256];
	FILE *f;

	lab->n = 0;
	if (tool_label_path(img, lp, sizeof lp) == -1 || (f = fopen(lp, "r")) == NULL) {
		fprintf(stderr, "bv-eval: no label file for %s\n", img);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL && lab->n < 512) {
		int c;
		float x, y, bw, bh;

		if (sscanf(line, "%d %f %f %f %f", &c, &x, &y, &bw, &bh) != 5 ||
		    c < 0 || c >= EC_NCLS || bw <= 0 || bh <= 0)
			continue;
		lab->cls[lab->n] = c;
		lab->b[lab->n][0] = (x - bw / 2) * w;
		lab->b[lab->n][1] = (y - bh / 2) * h;
		lab->b[lab->n][2] = (x + bw / 2) * w;
		lab->b[lab->n][3] = (y + bh / 2) * h;
		lab->n++;
	}
	fclose(f);
	return 0;
}

static int
ec_push(struct ec_class *k, int src, int label, float *score, size_t n)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		struct cc_field *nf = realloc(k->f, cap * sizeof *nf);

		if (nf == NULL)
			return -1;
		k->f = nf;
		k->cap = cap;
	}
	k->f[k->n++] = (struct cc_field){ src, label, score, n };
	return 0;
}

/*
 * One image's fields into cls[] (whole photo) and frm[] (counting frame):
 * labels per class, detection scores per class.
 */
static int
ec_fields(const struct ec_lab *lab, const struct det_box *d, size_t nd,
    const struct countframe *cf, int src, struct ec_class *cls,
    struct ec_class *frm)
{
	for (int c = 0; c < EC_NCLS; c++) {
		float *sa = malloc((nd + 1) * sizeof *sa), *sf = malloc((nd + 1) * sizeof *sf);
		size_t na = 0, nf = 0;
		int la = 0, lf = 0;

		if (sa == NULL || sf == NULL) {
			free(sa);
			free(sf);
			return -1;
		}
		for (int k = 0; k < lab->n; k++)
			if (lab->cls[k] == c) {
				la++;
				lf += cf->valid && countframe_counts(cf, lab->b[k][0],
				    lab->b[k][1], lab->b[k][2], lab->b[k][3]);
			}
		for (size_t k = 0; k < nd; k++)
			if (d[k].cls == c) {
				sa[na++] = d[k].conf;
				if (cf->valid && countframe_counts(cf, d[k].x, d[k].y,
				    d[k].x + d[k].w, d[k].y + d[k].h))
					sf[nf++] = d[k].conf;
			}
		if (ec_push(&cls[c], src, la, sa, na) == -1) {
			free(sa);
			free(sf);
			return -1;
		}
		if (!cf->valid) {
			free(sf);
			continue;	/* no frame: no frame field */
		}
		if (ec_push(&frm[c], src, lf, sf, nf) == -1) {
			free(sf);
			return -1;
		}
	}
	return 0;
}

/* Detect one image as the server does and add its fields. */
static int
ec_image(struct detector *det, const char *path, int src, struct ec_class *cls,
    struct ec_class *frm)
{
	unsigned char *buf;
	size_t len;
	struct img im;
	struct scan_model m;
	struct scan_opts so;
	struct scan_result r;
	struct countframe cf;
	static struct ec_lab lab;
	enum scan_err e;
	int rc;

	if (tool_read_file(path, EC_MAX_FILE, &buf, &len) == -1)
		return -1;
	if (imgio_decode(buf, len, IMG_JPEG, NULL, &im) != IMG_OK) {
		free(buf);
		fprintf(stderr, "bv-eval: %s: cannot decode\n", path);
		return -1;
	}
	free(buf);
	if (ec_labels(path, im.w, im.h, &lab) == -1) {
		imgio_free(&im);
		return -1;
	}
	scan_model_default(&m);
	scan_opts_default(&so, EC_FLOOR, 0.45f);
	memset(&r, 0, sizeof r);
	e = scan_detect(det, &m, &so, &im, 1.0, im.w, im.h, 0, SCALE_NONE, NULL, NULL, &r);
	imgio_free(&im);
	if (e == SCAN_ERR_NOMEM)
		return -1;
	if (e != SCAN_OK)
		r.n = 0;	/* refused: counts nothing, and no frame */
	memset(&cf, 0, sizeof cf);
	if (e == SCAN_OK)
		countframe_make(&r.fov, countframe_inset(&r.scale, m.rbc_net_px), &cf);
	rc = ec_fields(&lab, r.boxes, r.n, &cf, src, cls, frm);
	free(r.boxes);
	return rc;
}

static int
ec_source(struct detector *det, const char *list, int src, struct ec_class *cls,
    struct ec_class *frm)
{
	char line[PATH_MAX + 256];
	FILE *f = fopen(list, "r");
	int n = 0;

	if (f == NULL) {
		fprintf(stderr, "bv-eval: %s: %s\n", list, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (ec_image(det, line, src, cls, frm) == -1) {
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* Coverage and mean relative width of the interval over src's fields. */
static void
ec_coverage(const struct ec_class *k, int src, float t,
    const struct interval_error *e, double *cover, double *width)
{
	int n = 0, in = 0;

	*width = 0;
	for (size_t i = 0; i < k->n; i++) {
		int L = k->f[i].label;
		struct interval iv;

		if (src >= 0 && k->f[i].src != src)
			continue;
		if (interval_count(cc_count(&k->f[i], t), e, &iv) == -1)
			continue;
		in += L >= iv.lo && L <= iv.hi;
		*width += (iv.hi - iv.lo) / (L > 1 ? L : 1);
		n++;
	}
	*cover = n ? (double)in / n : NAN;
	*width = n ? *width / n : NAN;
}

static int
ec_read_model_json(struct ec_opts *o)
{
	json_error_t je;
	json_t *root = json_load_file(o->model_json, 0, &je), *th, *ce;

	if (root == NULL) {
		fprintf(stderr, "bv-eval: %s: %s\n", o->model_json, je.text);
		return -1;
	}
	th = json_object_get(root, "thresholds");
	ce = json_object_get(root, "count_error");
	for (int c = 0; c < EC_NCLS; c++) {
		json_t *v = json_object_get(th, ec_key[c]);

		if (json_is_number(v) && o->thr[c] < 0)
			o->thr[c] = (float)json_number_value(v);
		interval_error_parse(ce, ec_key[c], &o->err[c]);
	}
	json_decref(root);
	return 0;
}

/* One table row: source src of class c, whole photo (k) and frame (fk). */
static void
ec_row(const struct ec_opts *o, const struct ec_class *k,
    const struct ec_class *fk, int c, int src)
{
	struct cc_fields fs;
	long lab, flab;
	double b = cc_bias(k->f, k->n, src, o->thr[c], &lab), cover = NAN, width = NAN;
	double fb = cc_bias(fk->f, fk->n, src, o->thr[c], &flab);

	cc_field_stats(k->f, k->n, src, o->thr[c], &fs);
	if (o->err[c].valid)
		ec_coverage(k, src, o->thr[c], &o->err[c], &cover, &width);
	if (o->json) {
		printf("%s{\"source\":\"%s\",\"class\":\"%s\",\"fields\":%d,\"labelled\":%ld,"
		    "\"threshold\":%.2f,\"bias\":%.4f,\"mean_rel\":%.4f,\"mape\":%.2f,"
		    "\"within10\":%.3f,\"within20\":%.3f,\"coverage95\":%.3f,"
		    "\"width_rel\":%.3f,\"frame_labelled\":%ld,\"frame_bias\":%.4f}",
		    src == 0 && c == 0 ? "" : ",\n", o->src_name[src], ec_key[c],
		    fs.n, lab, o->thr[c], isnan(b) ? 0 : b, fs.mean_rel, fs.mape,
		    fs.within10, fs.within20, isnan(cover) ? -1 : cover,
		    isnan(width) ? -1 : width, flab, isnan(fb) ? 0 : fb);
		return;
	}
	printf("%-14s %-9s %5d %6ld %5.2f %+7.1f%% %+7.1f%% %6.1f%% %5.0f%% %5.0f%% %6.0f%% %5.2f %6ld %+7.1f%%\n",
	    o->src_name[src], ec_key[c], fs.n, lab, o->thr[c], 100 * b,
	    100 * fs.mean_rel, fs.mape, 100 * fs.within10, 100 * fs.within20,
	    100 * cover, width, flab, 100 * fb);
}

static void
ec_report(const struct ec_opts *o, const struct ec_class *cls,
    const struct ec_class *frm)
{
	if (o->json)
		printf("{\"rows\":[\n");
	else
		printf("%-14s %-9s %5s %6s %5s %8s %8s %7s %6s %6s %7s %5s %6s %8s\n",
		    "source", "class", "fields", "label", "thr", "bias", "meanrel",
		    "MAPE", "in10%", "in20%", "cover95", "width", "frameL",
		    "framebias");
	for (int s = 0; s < o->nsrc; s++)
		for (int c = 0; c < EC_NCLS; c++)
			ec_row(o, &cls[c], &frm[c], c, s);
	if (o->json)
		printf("\n]}\n");
}

/* --tune: thresholds and error model, printed as the model .json's blocks. */
static void
ec_tune(struct ec_opts *o, const struct ec_class *cls)
{
	printf("{\n \"thresholds\": {");
	for (int c = 0; c < EC_NCLS; c++) {
		double worst;
		float t = cc_choose_tol(cls[c].f, cls[c].n, o->nsrc, 0.05f, 0.95f,
		    0.01f, 30, EC_TOL, &worst);

		if (t >= 0)
			o->thr[c] = t;
		printf("%s\"%s\": %.2f", c ? ", " : "", ec_key[c], o->thr[c]);
		fprintf(stderr, "bv-eval: %s threshold %.2f, worst source |bias| %.1f %%\n",
		    ec_key[c], o->thr[c], 100 * worst);
	}
	printf("},\n \"count_error\": {");
	for (int c = 0; c < EC_NCLS; c++) {
		struct cc_error e;

		cc_error_fit(cls[c].f, cls[c].n, o->thr[c], &e);
		o->err[c] = (struct interval_error){ 1, e.bias, e.sd_rel, e.sd_abs,
		    e.fields, "" };
		printf("%s\n  \"%s\": {\"bias\": %.4f, \"sd_rel\": %.4f, \"sd_abs\": %.3f, "
		    "\"fields\": %d}", c ? "," : "", ec_key[c], e.bias, e.sd_rel,
		    e.sd_abs, e.fields);
	}
	printf("\n }\n}\n");
}

static int
ec_parse(int argc, char **argv, struct ec_opts *o)
{
	for (int c = 0; c < EC_NCLS; c++)
		o->thr[c] = -1;
	o->threads = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *eq;

		if (strcmp(a, "--count") == 0) continue;
		if (strcmp(a, "--tune") == 0) { o->tune = 1; continue; }
		if (strcmp(a, "--json") == 0) { o->json = 1; continue; }
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(a, "--cfg") == 0) o->cfg = v;
		else if (strcmp(a, "--weights") == 0) o->weights = v;
		else if (strcmp(a, "--names") == 0) o->names = v;
		else if (strcmp(a, "--engine") == 0) o->engine = v;
		else if (strcmp(a, "--model-json") == 0) o->model_json = v;
		else if (strcmp(a, "--threads") == 0) o->threads = atoi(v);
		else if (strcmp(a, "--thresh-rbc") == 0) o->thr[VOC_RBC] = strtof(v, NULL);
		else if (strcmp(a, "--thresh-wbc") == 0) o->thr[VOC_WBC] = strtof(v, NULL);
		else if (strcmp(a, "--thresh-plt") == 0) o->thr[VOC_PLATELETS] = strtof(v, NULL);
		else if (strcmp(a, "--list") == 0 && (eq = strchr(v, '=')) != NULL &&
		    o->nsrc < EC_MAX_SRC) {
			o->src_name[o->nsrc] = strndup(v, (size_t)(eq - v));
			o->src_list[o->nsrc++] = eq + 1;
		} else
			return -1;
	}
	return o->cfg && o->weights && o->names && o->nsrc > 0 ? 0 : -1;
}

int
evalcount_main(int argc, char **argv)
{
	struct ec_opts o = { 0 };
	struct ec_class cls[EC_NCLS] = { { 0 } }, frm[EC_NCLS] = { { 0 } };
	enum detector_engine de = DETECTOR_DARKNET;
	struct detector *det = NULL;
	char err[512];
	int rc = 1;

	if (ec_parse(argc, argv, &o) == -1 ||
	    (o.engine && detector_engine_parse(o.engine, &de) == -1)) {
		fprintf(stderr, "usage: bv-eval --count --cfg C --weights W --names N "
		    "[--engine E] [--model-json J] [--thresh-rbc T] [--thresh-wbc T] "
		    "[--thresh-plt T] [--tune] [--json] --list NAME=LIST ...\n");
		return 2;
	}
	if (o.model_json != NULL && ec_read_model_json(&o) == -1)
		return 1;
	for (int c = 0; c < EC_NCLS; c++)
		if (o.thr[c] < 0)
			o.thr[c] = 0.25f;
	blasgemm_threads(o.threads);
	if ((det = detector_open(o.cfg, o.weights, o.names, de, o.threads, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "bv-eval: %s\n", err);
		return 1;
	}
	for (int s = 0; s < o.nsrc; s++)
		if (ec_source(det, o.src_list[s], s, cls, frm) < 0)
			goto out;
	if (o.tune)
		ec_tune(&o, cls);
	ec_report(&o, cls, frm);
	rc = 0;
out:
	for (int c = 0; c < EC_NCLS; c++) {
		for (size_t i = 0; i < cls[c].n; i++)
			free((void *)cls[c].f[i].score);
		for (size_t i = 0; i < frm[c].n; i++)
			free((void *)frm[c].f[i].score);
		free(cls[c].f);
		free(frm[c].f);
	}
	for (int s = 0; s < o.nsrc; s++)
		free((void *)o.src_name[s]);
	detector_free(det);
	return rc;
}
