/* bv-calib-cls.c: calibrate the white-cell classifier and fit its out-of-distribution tests; measure abstention */
/*
 * Runs crops through the server's own classifier (classifier.c: XNNPACK
 * fp32, the same features and logits) and rule (wbcood.c):
 *
 *   fit   pbc-cells train: the class means and spread of the pooled
 *         features, the stain statistics' mean and spread; pbc-cells val:
 *         the temperature (likelihood), then the OOD limits (the smallest
 *         per-test quantile q at which >= --pass of val crops pass every
 *         test); writes --out (models/v2-wbc.json).  Never reads test.
 *   eval  one split of pbc-cells, optionally shifted (--shift, repeated:
 *         od:R,G,B optical-density gains, wb:R,G,B channel gains, blur:S,
 *         jpeg:Q, scale:F): accuracy, ECE before/after, share typed,
 *         accuracy among typed, share confidently wrong, untyped reasons.
 *   bccd  the labelled WBC boxes of a BCCD split (no types): share typed
 *         and the reasons (plus the same shifts).
 *   yolo  the same for a YOLO-labelled set (raabin-detect: all.txt,
 *         labels/NAME.txt, class 1 = WBC).
 *
 * pbc-cells images are centred on their cell without a box; the crop is
 * the median PBC WBC box (135 px) centred, as bv-train classify-eval.
 */

#include "vision/classifier.h"
#include "vision/cellcrop.h"
#include "vision/wbcood.h"
#include "image/imgio.h"
#include "base/timing.h"
#include "tools/clscalib.h"
#include "tools/perturb.h"
#include "tools/toolutil.h"
#include "tools/voc.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVAL_BOX	135.0
#define MAXSHIFT	8
#define MAXC		WBCOOD_MAX_CLASSES
#define NREASON		(WBCOOD_LOW_CONF + 1)
#define CONF_WRONG	0.8	/* "confidently wrong" */

struct opts {
	const char *mode, *cfg, *weights, *names, *data, *split, *out, *model;
	const char *shift[MAXSHIFT], *dump;
	int nshift, limit, normalise;
	double pass, min_conf;
};

/* What the rule reads of every crop of a set. */
struct recs {
	int n, cap, k, nf;
	float *logits, *feat, *stain;
	unsigned char *stain_ok, *cut;
	int *label;
};

static struct classifier *cls;
static const struct wbcood *norm;	/* white-balances crops (or NULL) */
static const char *cnames[MAXC];
static int ncls;
static double ms_net, ms_rule;	/* time in the classifier, in the rule */

static void
usage(void)
{
	fprintf(stderr, "usage: bv-calib-cls fit|eval|bccd|yolo --cfg CFG --weights W "
	    "--names N --data DIR\n  [--split val] [--out FILE] [--model FILE] "
	    "[--shift od:R,G,B|wb:R,G,B|blur:S|jpeg:Q|scale:F]...\n"
	    "  [--pass 0.95] [--min-conf 0.6] [--normalise 0|1] [--limit N] "
	    "[--dump FILE]\n");
}

static int
recs_add(struct recs *r)
{
	if (r->n == r->cap) {
		int c = r->cap ? r->cap * 2 : 1024;
		void *a, *b, *d, *e, *f, *g;

		a = realloc(r->logits, (size_t)c * r->k * sizeof(float));
		if (a != NULL)
			r->logits = a;
		b = realloc(r->feat, (size_t)c * (r->nf ? r->nf : 1) *
		    sizeof(float));
		if (b != NULL)
			r->feat = b;
		d = realloc(r->stain, (size_t)c * WBCOOD_NSTAIN * sizeof(float));
		if (d != NULL)
			r->stain = d;
		e = realloc(r->stain_ok, (size_t)c);
		if (e != NULL)
			r->stain_ok = e;
		f = realloc(r->cut, (size_t)c);
		if (f != NULL)
			r->cut = f;
		g = realloc(r->label, (size_t)c * sizeof(int));
		if (g != NULL)
			r->label = g;
		if (a == NULL || b == NULL || d == NULL || e == NULL ||
		    f == NULL || g == NULL)
			return -1;
		r->cap = c;
	}
	return r->n++;
}

/* Apply one --shift to im (scale may replace it); *f tracks the scale. */
static int
shift_one(struct img *im, const char *s, double *f)
{
	float	 g[3];
	double	 v;
	struct img out;

	if (sscanf(s, "od:%f,%f,%f", &g[0], &g[1], &g[2]) == 3) {
		perturb_od_gain(im, g);
		return 0;
	}
	if (sscanf(s, "wb:%f,%f,%f", &g[0], &g[1], &g[2]) == 3) {
		for (size_t i = 0; i < (size_t)im->w * im->h * 3; i++) {
			v = im->rgb[i] * g[i % 3];
			im->rgb[i] = (unsigned char)(v > 255 ? 255 : lrint(v));
		}
		return 0;
	}
	if (sscanf(s, "blur:%lf", &v) == 1)
		return perturb_blur(im, (float)v);
	if (sscanf(s, "jpeg:%lf", &v) == 1)
		return perturb_jpeg(im, (int)v);
	if (sscanf(s, "scale:%lf", &v) == 1) {
		if (imgio_resize_factor(im, v, &out) == -1)
			return -1;
		*f *= (double)out.w / im->w;
		imgio_free(im);
		*im = out;
		return 0;
	}
	fprintf(stderr, "bv-calib-cls: bad --shift %s\n", s);
	return -1;
}

/* Crop box (x0, y0)-(x1, y1) of im, classify, record with label. */
static int
record(struct recs *r, const struct img *im, double x0, double y0, double x1,
    double y1, int label)
{
	struct cellcrop g;
	float	 probs[MAXC];
	const float *feat;
	double	 t0, t1;
	int	 i, nf, side = classifier_input_size(cls);

	if (cellcrop_geom((float)x0, (float)y0, (float)x1, (float)y1,
	    CELLCROP_MARGIN, im->w, im->h, &g) == -1)
		return 0;
	if ((i = recs_add(r)) == -1)
		return -1;
	cellcrop_sample(im->rgb, im->w, im->h, &g, side, classifier_input(cls));
	t0 = timing_ms();
	r->stain_ok[i] = (norm == NULL || wbcood_normalise(norm,
	    classifier_input(cls), side, &g) == 0) &&
	    wbcood_stain(classifier_input(cls), side, &g,
	    r->stain + (size_t)i * WBCOOD_NSTAIN) == 0;
	r->cut[i] = (unsigned char)wbcood_cut(x0, y0, x1, y1, im->w, im->h);
	t1 = timing_ms();
	if (classifier_run(cls, probs) == -1)
		return -1;
	ms_rule += t1 - t0;
	ms_net += timing_ms() - t1;
	memcpy(r->logits + (size_t)i * r->k, classifier_logits(cls),
	    (size_t)r->k * sizeof(float));
	feat = classifier_features(cls, &nf);
	if (nf > 0)
		memcpy(r->feat + (size_t)i * nf, feat, (size_t)nf * sizeof(float));
	r->label[i] = label;
	return 0;
}

/* Decode path and apply the shifts; *f: the scale they applied. */
static int
load_image(const struct opts *o, const char *path, struct img *im, double *f)
{
	unsigned char *buf;
	size_t	 len;
	int	 rc = -1;

	*f = 1;
	memset(im, 0, sizeof(*im));
	if (tool_read_file(path, 32 << 20, &buf, &len) == -1)
		return -1;
	if (imgio_decode(buf, len, IMG_JPEG, NULL, im) != IMG_OK)
		fprintf(stderr, "bv-calib-cls: %s: not a decodable JPEG\n", path);
	else
		rc = 0;
	free(buf);
	for (int s = 0; rc == 0 && s < o->nshift; s++)
		rc = shift_one(im, o->shift[s], f);
	return rc;
}

/* pbc-cells rows of split (classes in the names), centred crops. */
static int
load_cells(const struct opts *o, const char *split, struct recs *r)
{
	char	 line[1024], p[PATH_MAX];
	FILE	*fp;
	int	 c, rc = 0;

	tool_pathf(p, sizeof(p), "%s/index.csv", o->data);
	if ((fp = fopen(p, "r")) == NULL) {
		perror(p);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL &&
	    (o->limit <= 0 || r->n < o->limit)) {
		char *file, *cl, *sp, *save = NULL;
		struct img im;
		double f, h;

		line[strcspn(line, "\r\n")] = '\0';
		file = strtok_r(line, ",", &save);
		cl = strtok_r(NULL, ",", &save);
		sp = strtok_r(NULL, ",", &save);
		if (file == NULL || cl == NULL || sp == NULL ||
		    strcmp(sp, split) != 0)
			continue;
		for (c = 0; c < ncls && strcmp(cnames[c], cl) != 0; c++)
			;
		if (c == ncls || tool_pathf(p, sizeof(p), "%s/%s", o->data,
		    file) == -1)
			continue;
		if ((rc = load_image(o, p, &im, &f)) == 0) {
			h = EVAL_BOX * f / 2;
			rc = record(r, &im, im.w / 2.0 - h, im.h / 2.0 - h,
			    im.w / 2.0 + h, im.h / 2.0 + h, c);
		}
		imgio_free(&im);
	}
	fclose(fp);
	return rc;
}

/* BCCD's labelled WBC boxes of split (label -1: no type). */
static int
load_bccd(const struct opts *o, const char *split, struct recs *r)
{
	char	 id[256], p[PATH_MAX], err[256];
	FILE	*fp;
	int	 rc = 0;

	tool_pathf(p, sizeof(p), "%s/ImageSets/Main/%s.txt", o->data, split);
	if ((fp = fopen(p, "r")) == NULL) {
		perror(p);
		return -1;
	}
	while (rc == 0 && fscanf(fp, "%255s", id) == 1) {
		struct voc_ann a;
		struct img im;
		double f;

		tool_pathf(p, sizeof(p), "%s/Annotations/%s.xml", o->data, id);
		if (voc_read(p, &a, err, sizeof(err)) == -1) {
			fprintf(stderr, "bv-calib-cls: %s\n", err);
			rc = -1;
			break;
		}
		voc_clean(&a, NULL);
		tool_pathf(p, sizeof(p), "%s/JPEGImages/%s.jpg", o->data, id);
		if ((rc = load_image(o, p, &im, &f)) == 0)
			for (size_t b = 0; rc == 0 && b < a.n; b++)
				if (a.boxes[b].cls == VOC_WBC)
					rc = record(r, &im, a.boxes[b].xmin * f,
					    a.boxes[b].ymin * f,
					    a.boxes[b].xmax * f,
					    a.boxes[b].ymax * f, -1);
		imgio_free(&im);
		voc_ann_clear(&a);
	}
	fclose(fp);
	return rc;
}

/*
 * The WBC boxes (class 1) of a YOLO-labelled set (raabin-detect: DIR/
 * all.txt lists images/NAME.jpg, DIR/labels/NAME.txt their boxes), label
 * -1: no type.
 */
static int
load_yolo(const struct opts *o, struct recs *r)
{
	char	 rel[512], p[PATH_MAX], *base, *dot;
	FILE	*fp, *lf;
	int	 rc = 0, c;
	float	 cx, cy, w, h;

	tool_pathf(p, sizeof(p), "%s/all.txt", o->data);
	if ((fp = fopen(p, "r")) == NULL) {
		perror(p);
		return -1;
	}
	while (rc == 0 && fscanf(fp, "%511s", rel) == 1) {
		struct img im;
		double f;

		base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
		if ((dot = strrchr(base, '.')) != NULL)
			*dot = '\0';
		tool_pathf(p, sizeof(p), "%s/labels/%s.txt", o->data, base);
		if ((lf = fopen(p, "r")) == NULL)
			continue;
		if (dot != NULL)
			*dot = '.';
		tool_pathf(p, sizeof(p), "%s/%s", o->data, rel);
		if ((rc = load_image(o, p, &im, &f)) == 0)
			while (rc == 0 && fscanf(lf, "%d %f %f %f %f", &c, &cx,
			    &cy, &w, &h) == 5)
				if (c == 1)
					rc = record(r, &im, (cx - w / 2) * im.w,
					    (cy - h / 2) * im.h, (cx + w / 2) *
					    im.w, (cy + h / 2) * im.h, -1);
		fclose(lf);
		imgio_free(&im);
	}
	fclose(fp);
	return rc;
}

/* The verdicts of model m on every record. */
static void
judge_all(const struct wbcood *m, const struct recs *r,
    struct wbcood_verdict *v)
{
	for (int i = 0; i < r->n; i++)
		wbcood_judge(m, r->logits + (size_t)i * r->k, r->nf ?
		    r->feat + (size_t)i * r->nf : NULL, r->nf, r->stain_ok[i] ?
		    r->stain + (size_t)i * WBCOOD_NSTAIN : NULL,
		    r->cut[i] || !r->stain_ok[i], &v[i]);
}

/* 1 when record i's label is a white-cell type (not the reject class). */
static int
is_wbc(const struct recs *r, int i)
{
	return r->label[i] >= 0 && strcmp(cnames[r->label[i]], "platelet") != 0;
}

static json_t *
farr(const double *v, int n)
{
	json_t	*a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

/* Class means and pooled within-class SD of the train features. */
static json_t *
fit_features(const struct recs *r)
{
	double	*mu = calloc((size_t)r->k * r->nf, sizeof(double));
	double	*sd = calloc((size_t)r->nf, sizeof(double)), msd = 0, d;
	int	 cnt[MAXC] = { 0 }, i, j, k;
	json_t	*means, *o = NULL;

	if (mu == NULL || sd == NULL)
		goto out;
	for (i = 0; i < r->n; i++) {
		cnt[r->label[i]]++;
		for (j = 0; j < r->nf; j++)
			mu[(size_t)r->label[i] * r->nf + j] +=
			    r->feat[(size_t)i * r->nf + j];
	}
	for (k = 0; k < r->k; k++)
		for (j = 0; j < r->nf; j++)
			mu[(size_t)k * r->nf + j] /= cnt[k] > 0 ? cnt[k] : 1;
	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->nf; j++) {
			d = r->feat[(size_t)i * r->nf + j] -
			    mu[(size_t)r->label[i] * r->nf + j];
			sd[j] += d * d;
		}
	for (j = 0; j < r->nf; j++)
		msd += (sd[j] = sqrt(sd[j] / r->n)) / r->nf;
	for (j = 0; j < r->nf; j++)	/* a dead feature must not divide */
		sd[j] = fmax(sd[j], 0.01 * msd + 1e-6);
	means = json_array();
	for (k = 0; k < r->k; k++)
		json_array_append_new(means, farr(mu + (size_t)k * r->nf, r->nf));
	o = json_pack("{s:o,s:o,s:f}", "scale", farr(sd, r->nf), "means",
	    means, "max_distance", 1e30);
out:
	free(mu);
	free(sd);
	return o;
}

/* Mean and SD of the train crops' stain statistics. */
static json_t *
fit_stain(const struct recs *r)
{
	double	 m[WBCOOD_NSTAIN] = { 0 }, s[WBCOOD_NSTAIN] = { 0 }, n = 0, d;
	int	 i, j;

	for (i = 0; i < r->n; i++)
		for (j = 0, n += r->stain_ok[i]; r->stain_ok[i] &&
		    j < WBCOOD_NSTAIN; j++)
			m[j] += r->stain[(size_t)i * WBCOOD_NSTAIN + j];
	for (j = 0; j < WBCOOD_NSTAIN; j++)
		m[j] /= n;
	for (i = 0; i < r->n; i++)
		for (j = 0; r->stain_ok[i] && j < WBCOOD_NSTAIN; j++) {
			d = r->stain[(size_t)i * WBCOOD_NSTAIN + j] - m[j];
			s[j] += d * d;
		}
	for (j = 0; j < WBCOOD_NSTAIN; j++)
		s[j] = fmax(sqrt(s[j] / n), 1e-4);
	return json_pack("{s:[sssssssss],s:o,s:o,s:f}", "stats",
	    "background_r", "background_g", "background_b", "nucleus_od_r",
	    "nucleus_od_g", "nucleus_od_b", "mean_od_r", "mean_od_g",
	    "mean_od_b", "mean", farr(m, WBCOOD_NSTAIN), "sd",
	    farr(s, WBCOOD_NSTAIN), "max_z", 1e30);
}

/* ECE of the argmax confidence at temperature t (labelled records). */
static double
ece_at(const struct recs *r, double t)
{
	float	*conf = malloc((size_t)r->n * sizeof(float)), p[MAXC];
	unsigned char *ok = malloc((size_t)r->n);
	double	 e = NAN;
	int	 i, k, best, m = 0;

	if (conf == NULL || ok == NULL)
		goto out;
	for (i = 0; i < r->n; i++) {
		if (r->label[i] < 0)
			continue;
		wbcood_softmax(r->logits + (size_t)i * r->k, r->k, t, p);
		for (best = 0, k = 1; k < r->k; k++)
			if (p[k] > p[best])
				best = k;
		conf[m] = p[best];
		ok[m++] = best == r->label[i];
	}
	e = clscalib_ece(conf, ok, m, 15);
out:
	free(conf);
	free(ok);
	return e;
}

/*
 * The smallest quantile q (one for the three tests) at which >= pass of
 * the val crops pass stain, distance and energy together; sets the
 * limits in root.  Returns the share passing.
 */
static double
fit_limits(const struct recs *va, json_t *root, double pass, double *qout)
{
	struct wbcood_verdict *v = calloc((size_t)va->n, sizeof(*v));
	float	*z = malloc((size_t)va->n * 3 * sizeof(float));
	struct wbcood *m;
	char	 err[256];
	double	 q, lz = 0, ld = 0, le = 0, share = 0;
	int	 i, ok;

	m = wbcood_from_json(root, cnames, ncls, err, sizeof(err));
	if (v == NULL || z == NULL || m == NULL)
		goto out;
	judge_all(m, va, v);
	for (i = 0; i < va->n; i++) {
		z[i] = v[i].stain_z;
		z[va->n + i] = v[i].dist;
		z[2 * va->n + i] = v[i].energy;
	}
	for (q = 0.95; q <= 1.0001 && share < pass; q += 0.001) {
		lz = clscalib_quantile(z, va->n, q);
		ld = clscalib_quantile(z + va->n, va->n, q);
		le = clscalib_quantile(z + 2 * va->n, va->n, q);
		for (ok = 0, i = 0; i < va->n; i++)
			ok += !va->cut[i] && va->stain_ok[i] && v[i].stain_z <=
			    lz && v[i].dist <= ld && v[i].energy <= le;
		share = (double)ok / va->n;
		*qout = q;
	}
	json_object_set_new(json_object_get(root, "stain"), "max_z",
	    json_real(lz));
	json_object_set_new(json_object_get(root, "features"), "max_distance",
	    json_real(ld));
	json_object_set_new(root, "energy_max", json_real(le));
out:
	wbcood_free(m);
	free(v);
	free(z);
	return share;
}

static void report(const struct opts *, const struct wbcood *,
    const struct recs *, const char *);

/* Val: accuracy among typed and share typed at several minimum
 * confidences, to choose --min-conf on val. */
static void
sweep_min_conf(const json_t *root, const struct recs *va)
{
	json_t	*r = json_deep_copy(root);
	struct wbcood_verdict *v = calloc((size_t)va->n, sizeof(*v));
	struct wbcood *m;
	char	 err[256];

	for (double c = 0.4; r != NULL && v != NULL && c < 0.96; c += 0.05) {
		int typed = 0, right = 0, cw = 0, nw = 0;

		json_object_set_new(r, "min_confidence", json_real(c));
		if ((m = wbcood_from_json(r, cnames, ncls, err,
		    sizeof(err))) == NULL)
			break;
		judge_all(m, va, v);
		for (int i = 0; i < va->n; i++) {
			nw += is_wbc(va, i);
			if (v[i].reason != WBCOOD_TYPED)
				continue;
			typed++;
			right += v[i].cls == va->label[i];
			cw += v[i].cls != va->label[i] && v[i].conf >= CONF_WRONG;
		}
		printf("val min_confidence %.2f: typed %.4f of white cells, "
		    "accuracy among typed %.4f, confidently wrong %.4f\n", c,
		    (double)typed / nw, (double)right / typed, (double)cw / typed);
		wbcood_free(m);
	}
	json_decref(r);
	free(v);
}

static void
recs_free(struct recs *r)
{
	free(r->logits);
	free(r->feat);
	free(r->stain);
	free(r->stain_ok);
	free(r->cut);
	free(r->label);
	r->logits = r->feat = r->stain = NULL;
	r->stain_ok = r->cut = NULL;
	r->label = NULL;
	r->n = r->cap = 0;
}

/*
 * --normalise: the train crops' mean background colour becomes the
 * target every crop is white-balanced to (root's
 * "normalise_background"); train is read again, normalised.
 */
static int
normalise_train(const struct opts *o, struct recs *tr, json_t *root)
{
	static struct wbcood *m;
	double	 bg[3] = { 0, 0, 0 }, n = 0;
	char	 err[256];
	json_t	*j;

	for (int i = 0; i < tr->n; i++)
		for (int c = 0; c < 3 && tr->stain_ok[i]; c++, n += c == 3)
			bg[c] += tr->stain[(size_t)i * WBCOOD_NSTAIN + c];
	if (n < 1)
		return -1;
	json_object_set_new(root, "normalise_background", json_pack("[f,f,f]",
	    bg[0] / n, bg[1] / n, bg[2] / n));
	j = json_pack("{s:O,s:f,s:f,s:O}", "classes", json_object_get(root,
	    "classes"), "temperature", 1.0, "min_confidence", o->min_conf,
	    "normalise_background", json_object_get(root,
	    "normalise_background"));
	m = wbcood_from_json(j, cnames, ncls, err, sizeof(err));
	json_decref(j);
	if (m == NULL) {
		fprintf(stderr, "bv-calib-cls: %s\n", err);
		return -1;
	}
	norm = m;
	recs_free(tr);
	return load_cells(o, "train", tr);
}

static int
cmd_fit(const struct opts *o)
{
	struct recs tr = { 0 }, va = { 0 };
	struct wbcood *m;
	json_t	*root;
	char	 tmp[PATH_MAX], err[256];
	double	 t, share, q = 0;

	tr.k = va.k = ncls;
	classifier_features(cls, &tr.nf);
	va.nf = tr.nf;
	if (o->out == NULL || tr.nf == 0) {
		fprintf(stderr, "bv-calib-cls: fit needs --out and a cfg with "
		    "pooled features\n");
		return 1;
	}
	if (load_cells(o, "train", &tr) == -1)
		return 1;
	root = json_object();
	json_object_set_new(root, "name", json_string("v2-wbc"));
	json_object_set_new(root, "classes", json_array());
	for (int k = 0; k < ncls; k++)
		json_array_append_new(json_object_get(root, "classes"),
		    json_string(cnames[k]));
	if (o->normalise && normalise_train(o, &tr, root) == -1)
		return 1;
	if (load_cells(o, "val", &va) == -1)
		return 1;
	t = clscalib_fit_temperature(va.logits, va.label, va.n, va.k);
	json_object_set_new(root, "temperature", json_real(t));
	json_object_set_new(root, "min_confidence", json_real(o->min_conf));
	json_object_set_new(root, "reject", json_pack("[s]", "platelet"));
	json_object_set_new(root, "features", fit_features(&tr));
	json_object_set_new(root, "stain", fit_stain(&tr));
	share = fit_limits(&va, root, o->pass, &q);
	json_object_set_new(root, "fit", json_pack("{s:s,s:i,s:i,s:f,s:f,s:f,"
	    "s:f,s:f,s:f,s:f}", "data", "pbc-cells: features and stain from "
	    "train, temperature and limits from val", "train", tr.n, "val",
	    va.n, "val_nll_t1", clscalib_nll(va.logits, va.label, va.n, va.k,
	    1), "val_nll", clscalib_nll(va.logits, va.label, va.n, va.k, t),
	    "val_ece_t1", ece_at(&va, 1), "val_ece", ece_at(&va, t),
	    "limits_quantile", q, "val_pass_ood", share, "pass_target",
	    o->pass));
	printf("train %d, val %d crops; temperature %.4f (val NLL %.4f -> "
	    "%.4f, ECE %.4f -> %.4f); OOD limits at the val %.3f quantile: "
	    "%.4f of val pass\n", tr.n, va.n, t, clscalib_nll(va.logits,
	    va.label, va.n, va.k, 1), clscalib_nll(va.logits, va.label, va.n,
	    va.k, t), ece_at(&va, 1), ece_at(&va, t), q, share);
	sweep_min_conf(root, &va);
	tool_pathf(tmp, sizeof(tmp), "%s.tmp", o->out);
	if (json_dump_file(root, tmp, JSON_INDENT(1))
	    == -1 || rename(tmp, o->out) == -1) {
		perror(o->out);
		return 1;
	}
	if ((m = wbcood_from_json(root, cnames, ncls, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "bv-calib-cls: %s\n", err);
		return 1;
	}
	report(o, m, &va, "val");
	wbcood_free(m);
	json_decref(root);
	return 0;
}

/* Print the rule's figures on r (and each crop to --dump). */
static void
report(const struct opts *o, const struct wbcood *m, const struct recs *r,
    const char *what)
{
	struct wbcood_verdict *v = calloc((size_t)r->n, sizeof(*v));
	long	 why[NREASON] = { 0 }, as[MAXC] = { 0 };
	int	 lab = 0, top = 0, nw = 0, typed = 0, right = 0, cw = 0, i;
	FILE	*d = o->dump ? fopen(o->dump, "w") : NULL;
	double	 t0;

	if (v == NULL)
		return;
	t0 = timing_ms();
	judge_all(m, r, v);
	ms_rule += timing_ms() - t0;
	for (i = 0; i < r->n; i++) {
		if (d != NULL)
			fprintf(d, "%d %d %.4f %.4f %.4f %.4f %s\n", r->label[i],
			    v[i].cls, v[i].conf, v[i].dist, v[i].energy,
			    v[i].stain_z, wbcood_reason_name(v[i].reason));
		why[v[i].reason]++;
		lab += r->label[i] >= 0;
		top += r->label[i] >= 0 && v[i].cls == r->label[i];
		nw += r->label[i] < 0 || is_wbc(r, i);
		if (v[i].reason != WBCOOD_TYPED)
			continue;
		as[v[i].cls]++;
		typed++;
		right += v[i].cls == r->label[i];
		cw += v[i].cls != r->label[i] && v[i].conf >= CONF_WRONG;
	}
	if (d != NULL)
		fclose(d);
	printf("# %s, shifts:", what);
	for (i = 0; i < o->nshift; i++)
		printf(" %s", o->shift[i]);
	printf("%s; temperature %.4f, min confidence %.2f\ncrops %d",
	    o->nshift ? "" : " none", wbcood_temperature(m),
	    wbcood_min_conf(m), r->n);
	if (lab > 0)
		printf(", accuracy (every crop, best class) %.4f, ECE (15 bins) "
		    "%.4f at T=1, %.4f calibrated", (double)top / lab,
		    ece_at(r, 1), ece_at(r, wbcood_temperature(m)));
	printf("\ntyped %d of %d white cells (%.4f)", typed, nw,
	    (double)typed / nw);
	if (lab > 0)
		printf(", accuracy among typed %.4f, confidently wrong (>= %.1f) "
		    "%.4f of typed", typed ? (double)right / typed : NAN,
		    CONF_WRONG, typed ? (double)cw / typed : NAN);
	printf("\nuntyped:");
	for (i = 1; i < NREASON; i++)
		printf(" %s %ld", wbcood_reason_name((enum wbcood_reason)i),
		    why[i]);
	printf("\ntyped as:");
	for (i = 0; i < ncls; i++)
		printf(" %s %ld", cnames[i], as[i]);
	printf("\n");
	free(v);
}

static int
cmd_eval(const struct opts *o)
{
	struct recs r = { 0 };
	struct wbcood *m = NULL;
	char	 err[512];
	int	 bccd = strcmp(o->mode, "bccd") == 0;
	int	 yolo = strcmp(o->mode, "yolo") == 0;

	r.k = ncls;
	classifier_features(cls, &r.nf);
	if (o->model != NULL && (m = wbcood_load(o->model, cnames, ncls, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bv-calib-cls: %s\n", err);
		return 1;
	}
	norm = m != NULL ? m : classifier_ood(cls);
	if ((yolo ? load_yolo(o, &r) : bccd ? load_bccd(o, o->split, &r) :
	    load_cells(o, o->split, &r)) == -1) {
		recs_free(&r);
		wbcood_free(m);
		return 1;
	}
	report(o, m != NULL ? m : classifier_ood(cls), &r, yolo ?
	    "YOLO-labelled WBC boxes" : bccd ? "BCCD WBC boxes" : "pbc-cells");
	printf("time per crop: classifier %.3f ms, the rule (white balance, "
	    "stain statistics, judging) %.3f ms: %.3fx\n",
	    ms_net / r.n, ms_rule / r.n, (ms_net + ms_rule) / ms_net);
	recs_free(&r);
	wbcood_free(m);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	char	 err[512];
	int	 i;

	o.split = "val";
	o.pass = 0.95;
	o.min_conf = 0.6;
	if (argc < 2) {
		usage();
		return 2;
	}
	o.mode = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL) {
			usage();
			return 2;
		}
		if (strcmp(a, "--cfg") == 0) o.cfg = v;
		else if (strcmp(a, "--weights") == 0) o.weights = v;
		else if (strcmp(a, "--names") == 0) o.names = v;
		else if (strcmp(a, "--data") == 0) o.data = v;
		else if (strcmp(a, "--split") == 0) o.split = v;
		else if (strcmp(a, "--out") == 0) o.out = v;
		else if (strcmp(a, "--model") == 0) o.model = v;
		else if (strcmp(a, "--dump") == 0) o.dump = v;
		else if (strcmp(a, "--pass") == 0) o.pass = atof(v);
		else if (strcmp(a, "--min-conf") == 0) o.min_conf = atof(v);
		else if (strcmp(a, "--limit") == 0) o.limit = atoi(v);
		else if (strcmp(a, "--normalise") == 0) o.normalise = atoi(v);
		else if (strcmp(a, "--shift") == 0 && o.nshift < MAXSHIFT)
			o.shift[o.nshift++] = v;
		else {
			usage();
			return 2;
		}
		i++;
	}
	if (o.cfg == NULL || o.weights == NULL || o.names == NULL ||
	    o.data == NULL) {
		usage();
		return 2;
	}
	if ((cls = classifier_new(o.cfg, o.weights, o.names, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bv-calib-cls: %s\n", err);
		return 1;
	}
	ncls = classifier_classes(cls);
	for (i = 0; i < ncls; i++)
		cnames[i] = classifier_class_name(cls, i);
	if (strcmp(o.mode, "fit") == 0)
		return cmd_fit(&o);
	if (strcmp(o.mode, "eval") == 0 || strcmp(o.mode, "bccd") == 0 ||
	    strcmp(o.mode, "yolo") == 0)
		return cmd_eval(&o);
	usage();
	return 2;
}
