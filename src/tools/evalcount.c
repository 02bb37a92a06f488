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
 * labelled count lies in the interval, countcal.h's error model) with its
 * mean width relative to the label.
 *
 * Thresholds and the error model come from --model-json ("thresholds",
 * "count_error"), overridden by --thresh-*.  --tune chooses each class's
 * threshold so that the worst source's bias is least (cc_choose), fits
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
#include "tools/countcal.h"
#include "tools/evalcount.h"
#include "tools/toolutil.h"
#include "tools/voc.h"
#include "vision/detector.h"
#include "vision/scan.h"

#define EC_NCLS VOC_NCLASSES
#define EC_MAX_SRC 8
#define EC_MAX_FILE (64L << 20)
#define EC_FLOOR 0.05f

struct ec_opts {
	const char *cfg, *weights, *names, *engine, *model_json;
	const char *src_name[EC_MAX_SRC], *src_list[EC_MAX_SRC];
	int nsrc, threads, tune, json;
	float thr[EC_NCLS];
	struct cc_error err[EC_NCLS];
	int have_err[EC_NCLS];
};

/* Fields of one class over every image, scores owned here. */
struct ec_class {
	struct cc_field *f;
	size_t n, cap;
};

static const char *ec_key[EC_NCLS] = { "RBC", "WBC", "Platelets" };

/* images/X.jpg or JPEGImages/X.jpg -> labels/X.txt (bv-train's rule). */
static int
ec_label_path(const char *img, char *out, size_t sz)
{
	const char *j = strstr(img, "JPEGImages/"), *dot = strrchr(img, '.');
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
	return (size_t)snprintf(out, sz, "%.*slabels%.*s.txt", (int)(j - img), img,
	    (int)(dot - (j + skip)), j + skip) < sz ? 0 : -1;
}

/* Labelled cells per class of one image (YOLO text; a box of no area is skipped). */
static int
ec_labels(const char *img, int *lab)
{
	char lp[PATH_MAX], line[256];
	FILE *f;

	memset(lab, 0, EC_NCLS * sizeof *lab);
	if (ec_label_path(img, lp, sizeof lp) == -1 || (f = fopen(lp, "r")) == NULL) {
		fprintf(stderr, "bv-eval: no label file for %s\n", img);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		int c;
		float x, y, w, h;

		if (sscanf(line, "%d %f %f %f %f", &c, &x, &y, &w, &h) == 5 &&
		    c >= 0 && c < EC_NCLS && w > 0 && h > 0)
			lab[c]++;
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

/* Detect one image as the server does; its scores go to cls[] per class. */
static int
ec_image(struct detector *det, const char *path, int src, struct ec_class *cls)
{
	unsigned char *buf;
	size_t len, nper[EC_NCLS] = { 0 };
	struct img im;
	struct scan_model m;
	struct scan_opts so;
	struct scan_result r;
	float *sc[EC_NCLS];
	int lab[EC_NCLS], rc = -1;
	enum scan_err e;

	if (ec_labels(path, lab) == -1 || tool_read_file(path, EC_MAX_FILE, &buf, &len) == -1)
		return -1;
	if (imgio_decode(buf, len, IMG_JPEG, NULL, &im) != IMG_OK) {
		free(buf);
		fprintf(stderr, "bv-eval: %s: cannot decode\n", path);
		return -1;
	}
	free(buf);
	scan_model_default(&m);
	scan_opts_default(&so, EC_FLOOR, 0.45f);
	memset(&r, 0, sizeof r);
	e = scan_detect(det, &m, &so, &im, 1.0, im.w, im.h, 0, SCALE_NONE, NULL, NULL, &r);
	imgio_free(&im);
	if (e == SCAN_ERR_NOMEM)
		return -1;
	if (e != SCAN_OK)
		r.n = 0;	/* refused: counts nothing */
	for (int c = 0; c < EC_NCLS; c++)
		if ((sc[c] = malloc((r.n + 1) * sizeof **sc)) == NULL)
			goto out;
	for (size_t k = 0; k < r.n; k++)
		if (r.boxes[k].cls >= 0 && r.boxes[k].cls < EC_NCLS)
			sc[r.boxes[k].cls][nper[r.boxes[k].cls]++] = r.boxes[k].conf;
	for (int c = 0; c < EC_NCLS; c++) {
		if (ec_push(&cls[c], src, lab[c], sc[c], nper[c]) == -1)
			goto out;
		sc[c] = NULL;
	}
	rc = 0;
out:
	for (int c = 0; c < EC_NCLS && rc == -1; c++)
		free(sc[c]);
	free(r.boxes);
	return rc;
}

static int
ec_source(struct detector *det, const char *list, int src, struct ec_class *cls)
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
		if (ec_image(det, line, src, cls) == -1) {
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* The 95 % interval of the labelled count given the count n (countcal.h's model). */
static void
ec_interval(const struct cc_error *e, int n, int *lo, int *hi)
{
	double c = n / (1 + e->bias);
	double hw = 1.96 * sqrt(e->sd_rel * c * e->sd_rel * c + e->sd_abs * e->sd_abs);

	*lo = (int)lround(fmax(0, c - hw));
	*hi = (int)lround(c + hw);
}

/* Coverage and mean relative width of the interval over src's fields. */
static void
ec_coverage(const struct ec_class *k, int src, float t, const struct cc_error *e,
    double *cover, double *width)
{
	int n = 0, in = 0;

	*width = 0;
	for (size_t i = 0; i < k->n; i++) {
		int lo, hi, L = k->f[i].label;

		if (src >= 0 && k->f[i].src != src)
			continue;
		ec_interval(e, cc_count(&k->f[i], t), &lo, &hi);
		in += L >= lo && L <= hi;
		*width += (double)(hi - lo) / (L > 1 ? L : 1);
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
		json_t *v = json_object_get(th, ec_key[c]), *e = json_object_get(ce, ec_key[c]);

		if (json_is_number(v) && o->thr[c] < 0)
			o->thr[c] = (float)json_number_value(v);
		if (json_is_object(e)) {
			o->err[c].bias = json_number_value(json_object_get(e, "bias"));
			o->err[c].sd_rel = json_number_value(json_object_get(e, "sd_rel"));
			o->err[c].sd_abs = json_number_value(json_object_get(e, "sd_abs"));
			o->have_err[c] = 1;
		}
	}
	json_decref(root);
	return 0;
}

/* One table row: source src (< 0: all) of class c. */
static void
ec_row(const struct ec_opts *o, const struct ec_class *k, int c, int src)
{
	struct cc_fields fs;
	long lab;
	double b = cc_bias(k->f, k->n, src, o->thr[c], &lab), cover = NAN, width = NAN;

	cc_field_stats(k->f, k->n, src, o->thr[c], &fs);
	if (o->have_err[c])
		ec_coverage(k, src, o->thr[c], &o->err[c], &cover, &width);
	if (o->json) {
		printf("%s{\"source\":\"%s\",\"class\":\"%s\",\"fields\":%d,\"labelled\":%ld,"
		    "\"threshold\":%.2f,\"bias\":%.4f,\"mean_rel\":%.4f,\"mape\":%.2f,"
		    "\"within10\":%.3f,\"within20\":%.3f,\"coverage95\":%.3f,"
		    "\"width_rel\":%.3f}", src == 0 && c == 0 ? "" : ",\n",
		    src < 0 ? "all" : o->src_name[src], ec_key[c], fs.n, lab,
		    o->thr[c], isnan(b) ? 0 : b, fs.mean_rel, fs.mape, fs.within10,
		    fs.within20, isnan(cover) ? -1 : cover, isnan(width) ? -1 : width);
		return;
	}
	printf("%-14s %-9s %5d %7ld %5.2f %+7.1f%% %+7.1f%% %6.1f%% %6.0f%% %6.0f%% %7.0f%% %6.2f\n",
	    src < 0 ? "all" : o->src_name[src], ec_key[c], fs.n, lab, o->thr[c],
	    100 * b, 100 * fs.mean_rel, fs.mape, 100 * fs.within10,
	    100 * fs.within20, 100 * cover, width);
}

static void
ec_report(const struct ec_opts *o, const struct ec_class *cls)
{
	if (o->json)
		printf("{\"rows\":[\n");
	else
		printf("%-14s %-9s %5s %7s %5s %8s %8s %7s %7s %7s %8s %6s\n", "source",
		    "class", "fields", "label", "thr", "bias", "meanrel", "MAPE",
		    "in10%", "in20%", "cover95", "width");
	for (int s = 0; s < o->nsrc; s++)
		for (int c = 0; c < EC_NCLS; c++)
			ec_row(o, &cls[c], c, s);
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
		float t = cc_choose(cls[c].f, cls[c].n, o->nsrc, 0.05f, 0.95f, 0.01f,
		    30, &worst);

		if (t >= 0)
			o->thr[c] = t;
		printf("%s\"%s\": %.2f", c ? ", " : "", ec_key[c], o->thr[c]);
		fprintf(stderr, "bv-eval: %s threshold %.2f, worst source |bias| %.1f %%\n",
		    ec_key[c], o->thr[c], 100 * worst);
	}
	printf("},\n \"count_error\": {");
	for (int c = 0; c < EC_NCLS; c++) {
		cc_error_fit(cls[c].f, cls[c].n, o->thr[c], &o->err[c]);
		o->have_err[c] = 1;
		printf("%s\n  \"%s\": {\"bias\": %.4f, \"sd_rel\": %.4f, \"sd_abs\": %.3f, "
		    "\"fields\": %d}", c ? "," : "", ec_key[c], o->err[c].bias,
		    o->err[c].sd_rel, o->err[c].sd_abs, o->err[c].fields);
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
	struct ec_class cls[EC_NCLS] = { { 0 } };
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
		if (ec_source(det, o.src_list[s], s, cls) < 0)
			goto out;
	if (o.tune)
		ec_tune(&o, cls);
	ec_report(&o, cls);
	rc = 0;
out:
	for (int c = 0; c < EC_NCLS; c++) {
		for (size_t i = 0; i < cls[c].n; i++)
			free((void *)cls[c].f[i].score);
		free(cls[c].f);
	}
	detector_free(det);
	return rc;
}
