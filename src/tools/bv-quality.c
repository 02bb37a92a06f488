/* bv-quality.c: measure pictures as the server's scene gate does, and train the gate */
/*
 * usage: bv-quality features [--cfg C --weights W --names N --info J]
 *            [--engine E] LIST > features.csv
 *            [--ref REFS] LIST > features.csv
 *        bv-quality train [--out quality_model.h] [--refuse-max P] CSV
 *        bv-quality refbench [SAMPLES [FIELDS]]   (qrefbench.h)
 *
 * features: LIST has one picture a line, "label split source spec path"
 * (label 1 smear, 0 not a smear; split train|val|test; spec a
 * qdegrade.h transformation, "none" for the picture as it is; the path
 * last, spaces allowed).  Each picture is decoded, transformed, then
 * taken exactly the server's way (scan_detect() at the model's scale
 * and thresholds, then quality_measure()), and one CSV line is printed:
 * the list's columns, the scan's verdict ("ok" or the refusal), the
 * gate's score with the compiled model, the features and the flag
 * values.  "mag:F" as spec (F != 1) measures the magnification flag as
 * if the given um/px were F times the cells' own.  --ref REFS (lines
 * "source focus blue pink faded": the medians of a source's clean
 * training fields, quality-flags.py --write-refs): the focus and stain
 * flags of that source's pictures are judged against its reference, as
 * a calibration profile's would be.  BVQ_VERBOSE in the environment: the
 * scan's scale and probes on stderr.
 *
 * train: see qtrain.h.
 *
 * bench: the cost of quality_measure() per picture (PATHLIST: one path a
 * line), against the detection of the same picture in the same run.
 */

#include "tools/qdegrade.h"
#include "tools/qrefbench.h"
#include "tools/qtrain.h"
#include "tools/toolutil.h"
#include "vision/detector.h"
#include "vision/quality.h"
#include "vision/scan.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "base/num.h"
#include "base/timing.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A reference per source (--ref FILE: "source focus blue pink faded"). */
struct sref {
	char			 source[64];
	struct quality_ref	 r;
};

struct fopts {
	const char	*cfg, *weights, *names, *info, *engine;
	double		 thr[8];
	struct scan_model sm;
	struct sref	 refs[32];
	int		 nref;
};

static int
load_refs(const char *path, struct fopts *o)
{
	FILE	*f;
	char	 line[256];
	struct sref *r;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bv-quality: cannot read %s\n", path);
		return -1;
	}
	while (o->nref < 32 && fgets(line, sizeof(line), f) != NULL) {
		r = &o->refs[o->nref];
		if (sscanf(line, "%63s %lf %lf %lf %lf", r->source,
		    &r->r.focus, &r->r.blue, &r->r.pink, &r->r.faded) == 5)
			o->nref++;
	}
	fclose(f);
	return 0;
}

/* The reference of source, NULL when none was given. */
static const struct quality_ref *
ref_of(const struct fopts *o, const char *source)
{
	int	 i;

	for (i = 0; i < o->nref; i++)
		if (strcmp(o->refs[i].source, source) == 0)
			return &o->refs[i].r;
	return NULL;
}

static int
load_picture(const char *path, struct img *im)
{
	unsigned char	*buf;
	size_t		 len;
	enum img_err	 e;

	if (tool_read_file(path, 64 << 20, &buf, &len) == -1)
		return -1;
	e = imgio_decode(buf, len, len > 2 && buf[0] == 0x89 ? IMG_PNG :
	    IMG_JPEG, NULL, im);
	free(buf);
	return e == IMG_OK ? 0 : -1;
}

/* Thresholds and scale constants from the model's JSON, as the server. */
static int
load_info(struct detector *det, struct fopts *o)
{
	json_t	*j, *t, *s;
	double	 v;
	int	 c;

	scan_model_default(&o->sm);
	for (c = 0; c < detector_classes(det) && c < 8; c++) {
		o->thr[c] = 0.35;
		if (strcmp(detector_class_name(det, c), "RBC") == 0)
			o->sm.rbc_cls = c;
		if (strcmp(detector_class_name(det, c), "WBC") == 0)
			o->sm.wbc_cls = c;
	}
	if ((j = json_load_file(o->info, 0, NULL)) == NULL) {
		fprintf(stderr, "bv-quality: cannot read %s\n", o->info);
		return -1;
	}
	t = json_object_get(j, "thresholds");
	s = json_object_get(j, "scale");
	for (c = 0; c < detector_classes(det) && c < 8; c++)
		if ((v = json_number_value(json_object_get(t,
		    detector_class_name(det, c)))) > 0)
			o->thr[c] = num_round3(v);
	if ((v = json_number_value(json_object_get(s, "rbc_net_px"))) > 0)
		o->sm.rbc_net_px = v;
	if ((v = json_number_value(json_object_get(s, "wbc_net_px"))) > 0)
		o->sm.wbc_net_px = v;
	if ((v = json_number_value(json_object_get(s, "rbc_um"))) > 0)
		o->sm.rbc_um = v;
	json_decref(j);
	return 0;
}

static void
header(void)
{
	int	 i;

	printf("label,split,source,spec,path,scan,score");
	for (i = 0; i < QF_N; i++)
		printf(",%s", quality_feature_name(i));
	for (i = 0; i < QFLAG_N; i++)
		printf(",v_%s", quality_flag_name(i));
	printf(",flags\n");
}

static const char *
scan_name(enum scan_err e)
{
	return e == SCAN_OK ? "ok" : e == SCAN_ERR_BLANK ? "blank" :
	    e == SCAN_ERR_NO_CELLS ? "no_cells" : e == SCAN_ERR_TOO_SMALL ?
	    "too_small" : "error";
}

/* One picture: transform, detect, measure, print. */
static int
one(struct detector *det, const struct fopts *o, const char *label,
    const char *split, const char *source, const char *spec,
    const char *path)
{
	struct img		 im = { 0, 0, NULL };
	struct scan_opts	 so;
	struct scan_result	 r;
	struct quality_input	 in;
	struct quality		 q;
	enum scan_err		 e;
	double			 mag = 1;
	char			 sp[256];
	int			 i;

	if (load_picture(path, &im) == -1 || (sscanf(spec, "mag:%lf",
	    &mag) != 1 && qdegrade_apply(&im, spec) == -1)) {
		fprintf(stderr, "bv-quality: %s: cannot load or %s\n", path,
		    spec);
		imgio_free(&im);
		return -1;
	}
	scan_opts_default(&so, 0.05f, 0.45f);
	memset(&r, 0, sizeof(r));
	e = scan_detect(det, &o->sm, &so, &im, 1.0, im.w, im.h, 0,
	    SCALE_NONE, NULL, NULL, &r);
	memset(&q, 0, sizeof(q));
	if (getenv("BVQ_VERBOSE") != NULL)
		fprintf(stderr, "%s: scale rbc %.1f px, probes %s, %zu boxes\n",
		    path, r.scale.rbc_px, r.probes, r.n);
	if (e == SCAN_OK) {
		if (mag != 1 && r.scale.rbc_px > 0)
			r.scale.um_per_px = mag * o->sm.rbc_um / r.scale.rbc_px;
		in = (struct quality_input){ &im, 1.0, &r.fov, r.boxes, r.n,
		    o->thr, o->sm.rbc_cls, &r.scale, o->sm.rbc_um,
		    ref_of(o, source) };
		if (quality_measure(&in, &q) == -1)
			e = SCAN_ERR_NOMEM;
	}
	/* the spec's commas (od:R,G,B) become ';' to keep the CSV's columns */
	snprintf(sp, sizeof(sp), "%s", spec);
	for (i = 0; sp[i] != '\0'; i++)
		if (sp[i] == ',')
			sp[i] = ';';
	printf("%s,%s,%s,%s,%s,%s,%.5f", label, split, source, sp, path,
	    scan_name(e), q.score);
	for (i = 0; i < QF_N; i++)
		printf(",%.5g", q.feat[i]);
	for (i = 0; i < QFLAG_N; i++)
		printf(",%.5g", q.value[i]);
	printf(",%u\n", q.flags);
	fflush(stdout);
	free(r.boxes);
	imgio_free(&im);
	return 0;
}

static int
features(struct fopts *o, const char *list)
{
	struct detector	*det;
	enum detector_engine de = DETECTOR_XNNPACK_INT8;
	FILE		*f;
	char		 line[4096], err[256], lab[8], spl[16], src[64];
	char		 spec[256];
	int		 off, rc = 0;

	if (detector_engine_parse(o->engine, &de) == -1 ||
	    (det = detector_open(o->cfg, o->weights, o->names, de, 1, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bv-quality: model: %s\n", err);
		return 1;
	}
	if (load_info(det, o) == -1 || (f = fopen(list, "r")) == NULL) {
		detector_free(det);
		return 1;
	}
	header();
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%7s %15s %63s %255s %n", lab, spl, src, spec,
		    &off) != 4 || line[off] == '\0')
			continue;
		if (one(det, o, lab, spl, src, spec, line + off) == -1)
			rc = 1;
	}
	fclose(f);
	detector_free(det);
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* This thread's CPU time, ms: what a measure costs, however loaded the box. */
static double
thread_cpu_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * bench: for each picture of LIST (a path a line), detect once, then time
 * quality_measure() 15 times (wall clock and this thread's CPU time) and,
 * as the reference in the same run, the picture's detection
 * (scan_detect()) 3 times; print the medians.
 */
static int
bench(struct fopts *o, const char *list)
{
	struct detector		*det;
	enum detector_engine	 de = DETECTOR_XNNPACK_INT8;
	struct scan_opts	 so;
	struct scan_result	 r;
	struct quality_input	 in;
	struct quality		 q;
	struct img		 im = { 0, 0, NULL };
	FILE			*f;
	char			 line[4096], err[256];
	double			 tq[15], tc[15], td[3], mq[256], mc[256];
	double			 md[256], t0, c0;
	int			 i, n = 0;

	if (detector_engine_parse(o->engine, &de) == -1 ||
	    (det = detector_open(o->cfg, o->weights, o->names, de, 1, err,
	    sizeof(err))) == NULL || load_info(det, o) == -1 ||
	    (f = fopen(list, "r")) == NULL)
		return 1;
	scan_opts_default(&so, 0.05f, 0.45f);
	while (n < 256 && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (load_picture(line, &im) == -1)
			continue;
		for (i = 0; i < 3; i++) {
			t0 = timing_ms();
			if (scan_detect(det, &o->sm, &so, &im, 1.0, im.w, im.h,
			    0, SCALE_NONE, NULL, NULL, &r) == SCAN_OK && i < 2)
				free(r.boxes);
			td[i] = timing_ms() - t0;
		}
		in = (struct quality_input){ &im, 1.0, &r.fov, r.boxes, r.n,
		    o->thr, o->sm.rbc_cls, &r.scale, o->sm.rbc_um, NULL };
		for (i = 0; i < 15; i++) {
			t0 = timing_ms();
			c0 = thread_cpu_ms();
			quality_measure(&in, &q);
			tc[i] = thread_cpu_ms() - c0;
			tq[i] = timing_ms() - t0;
		}
		free(r.boxes);
		imgio_free(&im);
		qsort(tq, 15, sizeof(double), cmp_double);
		qsort(tc, 15, sizeof(double), cmp_double);
		qsort(td, 3, sizeof(double), cmp_double);
		mq[n] = tq[7];
		mc[n] = tc[7];
		md[n++] = td[1];
	}
	fclose(f);
	detector_free(det);
	if (n == 0)
		return 1;
	qsort(mq, n, sizeof(double), cmp_double);
	qsort(mc, n, sizeof(double), cmp_double);
	qsort(md, n, sizeof(double), cmp_double);
	printf("%d pictures: quality_measure median %.2f ms (max of medians "
	    "%.2f; CPU time median %.2f ms), detection median %.1f ms: the "
	    "gate and flags cost %.1f %% of the detection\n", n, mq[n / 2],
	    mq[n - 1], mc[n / 2], md[n / 2], 100 * mq[n / 2] / md[n / 2]);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: bv-quality features [--cfg C --weights W "
	    "--names N --info J --engine E --ref R] LIST\n"
	    "       bv-quality train [--out FILE] [--refuse-max P] CSV\n"
	    "       bv-quality bench [--cfg ...] PATHLIST\n"
	    "       bv-quality refbench [SAMPLES [FIELDS]]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct fopts	 o = { .cfg = "models/v2.cfg",
			    .weights = "models/v2.weights",
			    .names = "models/bccd.names", .info = "models/v2.json",
			    .engine = "xnnpack-int8" };
	const char	*out = NULL;
	double		 refuse_max = 0.002;
	int		 i;

	if (argc >= 2 && strcmp(argv[1], "refbench") == 0)
		return qrefbench_run(argc - 2, argv + 2);
	if (argc < 3)
		return usage();
	for (i = 2; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--cfg") == 0) o.cfg = argv[i + 1];
		else if (strcmp(argv[i], "--weights") == 0) o.weights = argv[i + 1];
		else if (strcmp(argv[i], "--names") == 0) o.names = argv[i + 1];
		else if (strcmp(argv[i], "--info") == 0) o.info = argv[i + 1];
		else if (strcmp(argv[i], "--engine") == 0) o.engine = argv[i + 1];
		else if (strcmp(argv[i], "--out") == 0) out = argv[i + 1];
		else if (strcmp(argv[i], "--ref") == 0) {
			if (load_refs(argv[i + 1], &o) == -1)
				return 1;
		}
		else if (strcmp(argv[i], "--refuse-max") == 0)
			refuse_max = atof(argv[i + 1]);
		else
			return usage();
	}
	if (i != argc - 1)
		return usage();
	if (strcmp(argv[1], "features") == 0)
		return features(&o, argv[i]);
	if (strcmp(argv[1], "bench") == 0)
		return bench(&o, argv[i]);
	if (strcmp(argv[1], "train") == 0)
		return qtrain_run(argv[i], out, refuse_max);
	return usage();
}
