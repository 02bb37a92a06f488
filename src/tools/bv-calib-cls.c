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
 *   calib8  pbc-cells-like train crops through the fp32 engine: the int8
 *         activation ranges, written to --out (default W -> W.int8).
 *   agree8  one split through fp32 and int8: the same top class, the
 *         probability differences (clsint8.c).
 * --int8 1 runs eval, bccd and yolo on the int8 engine (refused when the
 * calibration is missing or the engine falls back to fp32).
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
#include "tools/clsint8.h"
#include "tools/clsrecs.h"
#include "tools/perturb.h"
#include "tools/toolutil.h"
#include "tools/voc.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXC		WBCOOD_MAX_CLASSES
#define MAXSHIFT	CLSRECS_MAXSHIFT
#define NREASON		(WBCOOD_LOW_CONF + 1)
#define CONF_WRONG	0.8	/* "confidently wrong" */

struct opts {
	const char *mode, *cfg, *weights, *names, *data, *split, *out, *model;
	const char *shift[MAXSHIFT], *dump, *logits;
	int nshift, limit, normalise, int8;
	double pass, min_conf;
};

/* The classifier, the white balance and the crop timings (clsrecs.h). */
static struct clsrecs_in in;
static const char *cnames[MAXC];
static int ncls;

static void
usage(void)
{
	fprintf(stderr, "usage: bv-calib-cls fit|eval|bccd|yolo --cfg CFG --weights W "
	    "--names N --data DIR\n  [--split val] [--out FILE] [--model FILE] "
	    "[--shift od:R,G,B|wb:R,G,B|blur:S|jpeg:Q|scale:F]...\n"
	    "  [--pass 0.95] [--min-conf 0.6] [--normalise 0|1] [--limit N] "
	    "[--dump FILE]\n  [--logits FILE] [--int8 0|1]\n"
	    "       bv-calib-cls calib8|agree8 (the same options; calib8: "
	    "--split train)\n");
}

/* The verdicts of model m on every record. */
static void
judge_all(const struct wbcood *m, const struct clsrecs *r,
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
is_wbc(const struct clsrecs *r, int i)
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
fit_features(const struct clsrecs *r)
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
fit_stain(const struct clsrecs *r)
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
ece_at(const struct clsrecs *r, double t)
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
fit_limits(const struct clsrecs *va, json_t *root, double pass, double *qout)
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
    const struct clsrecs *, const char *);

/* Val: accuracy among typed and share typed at several minimum
 * confidences, to choose --min-conf on val. */
static void
sweep_min_conf(const json_t *root, const struct clsrecs *va)
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

/*
 * --normalise: the train crops' mean background colour becomes the
 * target every crop is white-balanced to (root's
 * "normalise_background"); train is read again, normalised.
 */
static int
normalise_train(const struct opts *o, struct clsrecs *tr, json_t *root)
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
	in.norm = m;
	clsrecs_free(tr);
	return clsrecs_cells(&in, "train", tr);
}

static int
cmd_fit(const struct opts *o)
{
	struct clsrecs tr = { 0 }, va = { 0 };
	struct wbcood *m;
	json_t	*root;
	char	 tmp[PATH_MAX], err[256];
	double	 t, share, q = 0;

	tr.k = va.k = ncls;
	classifier_features(in.cls, &tr.nf);
	va.nf = tr.nf;
	if (o->out == NULL || tr.nf == 0) {
		fprintf(stderr, "bv-calib-cls: fit needs --out and a cfg with "
		    "pooled features\n");
		return 1;
	}
	if (clsrecs_cells(&in, "train", &tr) == -1)
		return 1;
	root = json_object();
	json_object_set_new(root, "name", json_string("v2-wbc"));
	json_object_set_new(root, "classes", json_array());
	for (int k = 0; k < ncls; k++)
		json_array_append_new(json_object_get(root, "classes"),
		    json_string(cnames[k]));
	if (o->normalise && normalise_train(o, &tr, root) == -1)
		return 1;
	if (clsrecs_cells(&in, "val", &va) == -1)
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

/* Each labelled crop's label and raw logits to path (rbc-offsets.py). */
static int
write_logits(const char *path, const struct clsrecs *r)
{
	FILE	*f = fopen(path, "w");
	int	 i, k;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (i = 0; i < r->n; i++) {
		fprintf(f, "%d", r->label[i]);
		for (k = 0; k < r->k; k++)
			fprintf(f, " %.6g", r->logits[(size_t)i * r->k + k]);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/*
 * Per class: recall, precision and F1 of the best class (offsets
 * included, abstention not), and the macro-F1 over the classes other
 * than the reject class(es), as bv-train classify-eval prints them.
 */
static void
per_class(const struct wbcood *m, const struct clsrecs *r,
    const struct wbcood_verdict *v)
{
	long	 tp[MAXC] = { 0 }, nl[MAXC] = { 0 }, np[MAXC] = { 0 };
	double	 f1, rec, pre, sum = 0;
	int	 i, k, nk = 0;

	for (i = 0; i < r->n; i++) {
		if (r->label[i] < 0)
			continue;
		nl[r->label[i]]++;
		np[v[i].cls]++;
		tp[v[i].cls] += v[i].cls == r->label[i];
	}
	printf("class           recall    prec      F1      n\n");
	for (k = 0; k < ncls; k++) {
		if (nl[k] == 0)
			continue;
		rec = (double)tp[k] / nl[k];
		pre = np[k] ? (double)tp[k] / np[k] : 0;
		f1 = rec + pre > 0 ? 2 * rec * pre / (rec + pre) : 0;
		printf("%-14s %7.4f %7.4f %7.4f %6ld\n", cnames[k], rec, pre,
		    f1, nl[k]);
		if (!wbcood_is_reject(m, k)) {
			sum += f1;
			nk++;
		}
	}
	printf("macro-F1 (best class, %d labelled classes but the reject "
	    "class) %.4f\n", nk, nk ? sum / nk : NAN);
}

/* Print the rule's figures on r (and each crop to --dump). */
static void
report(const struct opts *o, const struct wbcood *m, const struct clsrecs *r,
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
	in.ms_rule += timing_ms() - t0;
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
	if (o->logits != NULL && write_logits(o->logits, r) == -1)
		fprintf(stderr, "bv-calib-cls: cannot write %s\n", o->logits);
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
	printf("\n");
	if (lab > 0)
		per_class(m, r, v);
	printf("untyped:");
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
	struct clsrecs r = { 0 };
	struct wbcood *m = NULL;
	char	 err[512];
	int	 bccd = strcmp(o->mode, "bccd") == 0;
	int	 yolo = strcmp(o->mode, "yolo") == 0;

	r.k = ncls;
	classifier_features(in.cls, &r.nf);
	if (o->model != NULL && (m = wbcood_load(o->model, cnames, ncls, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bv-calib-cls: %s\n", err);
		return 1;
	}
	in.norm = m != NULL ? m : classifier_ood(in.cls);
	if ((yolo ? clsrecs_yolo(&in, &r) : bccd ? clsrecs_bccd(&in, o->split, &r) :
	    clsrecs_cells(&in, o->split, &r)) == -1) {
		clsrecs_free(&r);
		wbcood_free(m);
		return 1;
	}
	report(o, m != NULL ? m : classifier_ood(in.cls), &r, yolo ?
	    "YOLO-labelled WBC boxes" : bccd ? "BCCD WBC boxes" : "pbc-cells");
	printf("time per crop: classifier %.3f ms, the rule (white balance, "
	    "stain statistics, judging) %.3f ms: %.3fx\n",
	    in.ms_net / r.n, in.ms_rule / r.n, (in.ms_net + in.ms_rule) / in.ms_net);
	clsrecs_free(&r);
	wbcood_free(m);
	return 0;
}

/* calib8 and agree8 (clsint8.c), crops white-balanced as the server's. */
static int
cmd_int8(const struct opts *o)
{
	struct classifier *c8;
	const char *why;
	char	 out[PATH_MAX], err[512];
	size_t	 len = strlen(o->weights);
	int	 rc;

	in.norm = classifier_ood(in.cls);
	if (strcmp(o->mode, "calib8") == 0) {
		if (len > 8 && strcmp(o->weights + len - 8, ".weights") == 0)
			len -= 8;
		snprintf(out, sizeof(out), "%.*s.int8", (int)len, o->weights);
		return clsint8_calib(&in, o->split, o->out ? o->out : out) ==
		    0 ? 0 : 1;
	}
	if ((c8 = classifier_open(o->cfg, o->weights, o->names, 1, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bv-calib-cls: %s\n", err);
		return 1;
	}
	if (strcmp(classifier_engine(c8, &why), "xnnpack-int8") != 0) {
		fprintf(stderr, "bv-calib-cls: no int8 engine: %s\n", why);
		classifier_free(c8);
		return 1;
	}
	rc = clsint8_agree(&in, c8, o->split,
	    wbcood_temperature(classifier_ood(in.cls)));
	classifier_free(c8);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *why;
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
		else if (strcmp(a, "--logits") == 0) o.logits = v;
		else if (strcmp(a, "--pass") == 0) o.pass = atof(v);
		else if (strcmp(a, "--min-conf") == 0) o.min_conf = atof(v);
		else if (strcmp(a, "--limit") == 0) o.limit = atoi(v);
		else if (strcmp(a, "--normalise") == 0) o.normalise = atoi(v);
		else if (strcmp(a, "--int8") == 0) o.int8 = atoi(v);
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
	if ((in.cls = classifier_open(o.cfg, o.weights, o.names, o.int8, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bv-calib-cls: %s\n", err);
		return 1;
	}
	if (o.int8 && strcmp(classifier_engine(in.cls, &why),
	    "xnnpack-int8") != 0) {
		fprintf(stderr, "bv-calib-cls: no int8 engine: %s\n", why);
		return 1;
	}
	ncls = classifier_classes(in.cls);
	for (i = 0; i < ncls; i++)
		cnames[i] = classifier_class_name(in.cls, i);
	in.cnames = cnames;
	in.ncls = ncls;
	in.data = o.data;
	in.limit = o.limit;
	in.shift = o.shift;
	in.nshift = o.nshift;
	if (strcmp(o.mode, "fit") == 0)
		return cmd_fit(&o);
	if (strcmp(o.mode, "calib8") == 0 || strcmp(o.mode, "agree8") == 0)
		return cmd_int8(&o);
	if (strcmp(o.mode, "eval") == 0 || strcmp(o.mode, "bccd") == 0 ||
	    strcmp(o.mode, "yolo") == 0)
		return cmd_eval(&o);
	usage();
	return 2;
}
