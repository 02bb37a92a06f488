/* bv-bench.c: time the server's inference path against stock libdarknet */
/*
 * One process, one network, the same letterboxed input: forward passes
 * alternate between libdarknet's own math (blasgemm_set_stock(1)) and the
 * accelerated path (OpenBLAS gemm and our loops), and then the same
 * network mapped onto XNNPACK in fp32 and (when the weights have an int8
 * calibration file) int8, so machine noise hits all alike.  Each XNNPACK
 * engine is timed twice per round: "cold", its first forward after the
 * other engines (and a 100 ms pause) have had the caches, and "warm",
 * the forward right after it (a busy server's case).  Prints
 * medians and their ratios to stock, then the whole request pipeline
 * (decode, detect, annotate, encode) as the backend runs it, per engine.
 * A benchmark, not a test: it asserts nothing.
 *
 * --profile adds each layer's median time per XNNPACK engine; --only E
 * (stock, blas, fp32, int8) runs that forward alone, runs times, and
 * prints its median: for instruction counts under callgrind, where the
 * other paths would only add noise and hours.  --crops BOX (a
 * classifier: models/v2-wbc, v1-rbcmorph) times one crop's steps instead,
 * warm and cache-cold, on fp32 and on int8 (--only fp32|int8: one)
 * (benchcrop.c).
 */

#include "vision/annotate.h"
#include "engine/blasgemm.h"
#include "vision/detector.h"
#include "vision/fov.h"
#include "vision/scalemem.h"
#include "vision/scan.h"
#include "engine/engine_xnn.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "tools/benchcrop.h"
#include "tools/toolutil.h"
#include "base/timing.h"

#include <darknet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *
layer_kind(const layer *l)
{
	switch (l->type) {
	case CONVOLUTIONAL:
		return "conv";
	case MAXPOOL:
		return "maxpool";
	case ROUTE:
		return "route";
	case UPSAMPLE:
		return "upsample";
	case SHORTCUT:
		return "shortcut";
	case YOLO:
		return "yolo";
	default:
		return "other";
	}
}

/* Per-layer medians of runs forwards of e (its first forward is done). */
static int
profile(struct engine_xnn *e, network *net, const float *input, int runs,
    const char *name)
{
	double	*acc, *col, sum = 0, m;
	int	 nl = engine_xnn_layers(e), r, i;

	acc = calloc((size_t)nl * runs, sizeof(*acc));
	col = calloc((size_t)runs, sizeof(*col));
	if (acc == NULL || col == NULL) {
		free(acc);
		free(col);
		return -1;
	}
	for (r = 0; r < runs; r++) {
		engine_xnn_profile(e, acc + (size_t)r * nl);
		engine_xnn_forward(e, input);
	}
	engine_xnn_profile(e, NULL);
	printf("per layer, xnnpack %s (median of %d, ms; %d convolutions on "
	    "our int8 kernel):\n", name, runs, engine_xnn_own_convs(e));
	for (i = 0; i < nl; i++) {
		for (r = 0; r < runs; r++)
			col[r] = acc[(size_t)r * nl + i];
		m = median(col, runs);
		sum += m;
		printf("  %3d %-8s %3dx%3dx%4d -> %3dx%3dx%4d %8.3f\n", i,
		    layer_kind(&net->layers[i]), net->layers[i].w,
		    net->layers[i].h, net->layers[i].c, net->layers[i].out_w,
		    net->layers[i].out_h, net->layers[i].out_c, m);
	}
	printf("  sum of medians %.3f ms\n", sum);
	free(acc);
	free(col);
	return 0;
}

/* Draw the boxes above 0.5 and the field on a copy of im, encode it. */
static void
draw_encode(const struct img *im, const struct fov *fv,
    const struct det_box *v, size_t n)
{
	struct annot_box *ab = calloc(n + 1, sizeof(*ab));
	struct img	 cp = *im;
	unsigned char	*jpg = NULL;
	size_t		 i, k = 0, jl;

	cp.rgb = malloc((size_t)im->w * im->h * 3);
	if (ab == NULL || cp.rgb == NULL)
		goto out;
	memcpy(cp.rgb, im->rgb, (size_t)im->w * im->h * 3);
	for (i = 0; i < n; i++)
		if (v[i].conf >= 0.5f)
			ab[k++] = (struct annot_box){ .cls = v[i].cls,
			    .conf = v[i].conf, .x = v[i].x, .y = v[i].y,
			    .w = v[i].w, .h = v[i].h };
	fov_draw(&cp, fv, 1);
	annotate_draw(&cp, ab, k);
	imgio_encode_jpeg(&cp, 85, &jpg, &jl);
out:
	free(jpg);
	free(ab);
	free(cp.rgb);
}

/*
 * This thread's CPU time in ms: on a shared machine (another job on the
 * other core) it is what the step itself costs, where the wall clock
 * also counts the waits for a core.
 */
static double
cpu_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One stage of the request path, timed runs times (median CPU ms). */
#define STAGE(slot, stmt) do {						\
	for (r = 0; r < runs; r++) {					\
		t = cpu_ms();						\
		stmt;							\
		col[r] = cpu_ms() - t;					\
	}								\
	st[slot] = median(col, runs);					\
} while (0)
/* Stock libdarknet's forward of cfg/wts on im, letterboxed (median CPU). */
static double
stages_stock(const char *cfg, const char *wts, const struct img *im,
    int runs, double *col)
{
	struct letterbox lb;
	network		*net;
	float		*input;
	double		 t;
	int		 r;

	net = load_network((char *)cfg, (char *)wts, 0);
	set_batch_network(net, 1);
	if ((input = calloc((size_t)net->w * net->h * 3, sizeof(float))) ==
	    NULL) {
		free_network(net);
		return -1;
	}
	imgio_letterbox(im, net->w, net->h, input, &lb);
	blasgemm_set_stock(1);
	network_predict(net, input);		/* warm-up */
	for (r = 0; r < runs; r++) {
		t = cpu_ms();
		network_predict(net, input);
		col[r] = cpu_ms() - t;
	}
	blasgemm_set_stock(0);
	free(input);
	free_network(net);
	return median(col, runs);
}

static const char *const stage_what[] = { "decode", "field of view",
    "texture", "detect, fresh search", "detect, remembered scale",
    "forward+NMS (letterbox)", "thumbnail (resize+encode)",
    "plain JPEG encode", "annotate+JPEG encode",
    "forward+NMS fp32 (letterbox)", "stock libdarknet forward" };
enum { NST = sizeof(stage_what) / sizeof(stage_what[0]) };

/* Stages 0-8 (see stages()) with detector det on the decoded im. */
static void
stages_run(struct detector *det, const struct img *im,
    const unsigned char *buf, size_t len, int runs, double *col, double *st)
{
	struct img_limits lim;
	struct img	 th, cp;
	struct fov	 fv;
	struct scan_model m;
	struct scan_opts o;
	struct scan_result sr;
	struct det_box	*v;
	unsigned char	*jpg;
	size_t		 jl, n;
	double		 t;
	int		 r;

	img_limits_default(&lim);
	scan_model_default(&m);
	scan_opts_default(&o, 0.05f, 0.45f);
	scalemem_clear();
	STAGE(0, imgio_decode(buf, len, IMG_JPEG, &lim, &cp);
	    imgio_free(&cp));
	STAGE(1, fov_detect(im, &fv));
	STAGE(2, scale_texture(im, 40));
	STAGE(3, scan_detect(det, &m, &o, im, 1, im->w, im->h, 0, SCALE_NONE,
	    NULL, NULL, &sr); free(sr.boxes));
	STAGE(4, scalemem_detect(det, &m, &o, im, 1, im->w, im->h,
	    "mic:bench", NULL, NULL, &sr); free(sr.boxes));
	STAGE(5, detector_run(det, im, 0.05f, 0.45f, &v, &n); free(v));
	STAGE(6, imgio_resize_fit(im, 240, 240, &th);
	    imgio_encode_jpeg(&th, 75, &jpg, &jl); free(jpg); imgio_free(&th));
	STAGE(7, imgio_encode_jpeg(im, 85, &jpg, &jl); free(jpg));
	detector_run(det, im, 0.05f, 0.45f, &v, &n);
	STAGE(8, draw_encode(im, &fv, v, n));
	free(v);
}

/*
 * --stages: where one upload's server time goes, step by step as
 * analyze.c runs them on this image (int8 engine, else the best there
 * is): decode, field of view, texture, the scale search, detection at
 * the remembered scale (scalemem.h), the bare forward, the thumbnail,
 * the plain and the annotated JPEG; then the fp32 engine's forward and
 * stock libdarknet's, the references; medians of this thread's CPU time
 * (so, one engine thread), and each as forwards.
 */
static int
stages(const char *cfg, const char *wts, const char *names,
    const unsigned char *buf, size_t len, int runs, int threads)
{
	struct img_limits lim;
	struct img	 im;
	struct det_box	*v;
	struct detector	*det, *d32;
	size_t		 n;
	double		*col, st[NST], t;
	char		 err[512];
	int		 r, k;

	img_limits_default(&lim);
	if ((det = detector_open(cfg, wts, names, DETECTOR_XNNPACK_INT8,
	    threads, err, sizeof(err))) == NULL ||
	    (col = calloc((size_t)runs, sizeof(*col))) == NULL ||
	    imgio_decode(buf, len, IMG_JPEG, &lim, &im) != IMG_OK) {
		fprintf(stderr, "bv-bench --stages: %s\n", err);
		return 1;
	}
	stages_run(det, &im, buf, len, runs, col, st);
	st[9] = -1;
	if ((d32 = detector_open(cfg, wts, names, DETECTOR_XNNPACK, threads,
	    err, sizeof(err))) != NULL &&
	    detector_engine(d32) == DETECTOR_XNNPACK)
		STAGE(9, detector_run(d32, &im, 0.05f, 0.45f, &v, &n);
		    free(v));
	detector_free(d32);
	st[10] = stages_stock(cfg, wts, &im, runs, col);
	printf("bv-bench --stages: %dx%d, engine %s, %d runs, %d threads, "
	    "thread CPU time\n", im.w, im.h,
	    detector_engine_name(detector_engine(det)), runs, threads);
	for (k = 0; k < NST; k++)
		if (st[k] >= 0)
			printf("  %-28s median %8.2f ms  %5.2f forwards\n",
			    stage_what[k], st[k], st[k] / st[5]);
	printf("  search / remembered:         %.2fx\n", st[3] / st[4]);
	if (st[9] >= 0)
		printf("  fp32 / int8 forward+NMS:     %.2fx\n", st[9] / st[5]);
	printf("  stock forward / remembered:  %.2fx\n", st[10] / st[4]);
	free(col);
	imgio_free(&im);
	detector_free(det);
	return 0;
}

struct opts {
	int		 prof, stg, runs, threads;
	double		 crops;		/* --crops: the box side, px */
	const char	*only, *cfg, *wts, *names, *image;
};

/* Command line into o; -1 after the usage message. */
static int
parse_args(int argc, char *argv[], struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->runs = 20;
	o->threads = 2;
	while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--profile") == 0)
			o->prof = 1;
		else if (strcmp(argv[1], "--stages") == 0)
			o->stg = 1;
		else if (strcmp(argv[1], "--crops") == 0 && argc > 2 &&
		    atof(argv[2]) > 0) {
			o->crops = atof(argv[2]);
			argc--;
			argv++;
		}
		else if (strcmp(argv[1], "--only") == 0 && argc > 2 &&
		    (strcmp(argv[2], "stock") == 0 || strcmp(argv[2],
		    "blas") == 0 || strcmp(argv[2], "fp32") == 0 ||
		    strcmp(argv[2], "int8") == 0)) {
			o->only = argv[2];
			argc--;
			argv++;
		} else
			break;
		argc--;
		argv++;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: bv-bench [--profile | --stages | "
		    "--crops BOX_PX] [--only stock|blas|fp32|int8] "
		    "model.cfg model.weights "
		    "model.names image.jpg [runs] [threads]\n");
		return -1;
	}
	o->cfg = argv[1];
	o->wts = argv[2];
	o->names = argv[3];
	o->image = argv[4];
	if (argc > 5)
		o->runs = atoi(argv[5]);
	if (argc > 6)
		o->threads = atoi(argv[6]);
	if (o->runs < 1)
		o->runs = 1;
	return 0;
}

/* Per-run times: stock, accelerated, fp32 and int8 cold/warm, request. */
struct times {
	double	*ts, *ta, *tx, *tq, *txw, *tqw, *tp;
};

static int
times_new(struct times *tm, int runs)
{
	double	**p[] = { &tm->ts, &tm->ta, &tm->tx, &tm->tq, &tm->txw,
		    &tm->tqw, &tm->tp };
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if ((*p[i] = calloc((size_t)runs, sizeof(double))) == NULL)
			rc = -1;
	return rc;
}

static void
times_free(struct times *tm)
{
	free(tm->ts);
	free(tm->ta);
	free(tm->tx);
	free(tm->tq);
	free(tm->txw);
	free(tm->tqw);
	free(tm->tp);
}

/* --only: one kind of forward alone, runs times after a warm-up. */
static void
run_only(const struct opts *o, network *net, struct engine_xnn *ex,
    struct engine_xnn *eq, const float *input, struct times *tm)
{
	double	*tt = strcmp(o->only, "stock") == 0 ? tm->ts :
		    strcmp(o->only, "blas") == 0 ? tm->ta : ex != NULL ?
		    tm->tx : tm->tq, t;
	int	 r;

	blasgemm_set_stock(strcmp(o->only, "stock") == 0);
	for (r = 0; r <= o->runs; r++) {	/* run 0: warm-up */
		t = timing_ms();
		if (ex != NULL)
			engine_xnn_forward(ex, input);
		else if (eq != NULL)
			engine_xnn_forward(eq, input);
		else
			network_predict(net, (float *)input);
		if (r > 0)
			tt[r - 1] = timing_ms() - t;
	}
	printf("bv-bench --only %s: median %.3f ms (%d runs, %d threads)\n",
	    o->only, median(tt, o->runs), o->runs, o->threads);
}

/* Forward with e; its wall-clock ms. */
static double
timed_forward(struct engine_xnn *e, const float *input)
{
	double	 t = timing_ms();

	engine_xnn_forward(e, input);
	return timing_ms() - t;
}

/* Rounds of stock, accelerated, fp32 (cold, warm) and int8 forwards. */
static void
run_rounds(const struct opts *o, network *net, struct engine_xnn *ex,
    struct engine_xnn *eq, float *input, struct times *tm)
{
	double	 t;
	int	 r;

	if (ex != NULL)
		engine_xnn_forward(ex, input);	/* warm-up */
	if (eq != NULL)
		engine_xnn_forward(eq, input);
	network_predict(net, input);		/* warm-up */
	for (r = 0; r < o->runs; r++) {
		blasgemm_set_stock(1);
		t = timing_ms();
		network_predict(net, input);
		tm->ts[r] = timing_ms() - t;
		blasgemm_set_stock(0);
		t = timing_ms();
		network_predict(net, input);
		tm->ta[r] = timing_ms() - t;
		/* let OpenBLAS's spinning workers go idle first */
		usleep(100000);
		if (ex != NULL) {
			tm->tx[r] = timed_forward(ex, input);
			tm->txw[r] = timed_forward(ex, input);
		}
		if (eq != NULL) {
			tm->tq[r] = timed_forward(eq, input);
			tm->tqw[r] = timed_forward(eq, input);
		}
	}
}

/* One whole request with det on the photo buf (decode to encode). */
static void
one_request(struct detector *det, const unsigned char *buf, size_t len)
{
	struct img_limits lim;
	struct annot_box *ab;
	struct det_box	*boxes;
	struct img	 copy;
	unsigned char	*jpg = NULL;
	size_t		 n = 0, i, jlen;

	img_limits_default(&lim);
	if (imgio_decode(buf, len, IMG_JPEG, &lim, &copy) != IMG_OK)
		return;
	detector_run(det, &copy, 0.05f, 0.45f, &boxes, &n);
	if ((ab = calloc(n + 1, sizeof(*ab))) != NULL) {
		for (i = 0; i < n; i++)
			ab[i] = (struct annot_box){ .cls = boxes[i].cls,
			    .conf = boxes[i].conf, .x = boxes[i].x,
			    .y = boxes[i].y, .w = boxes[i].w, .h = boxes[i].h };
		annotate_draw(&copy, ab, n);
	}
	imgio_encode_jpeg(&copy, 85, &jpg, &jlen);
	free(jpg);
	free(ab);
	free(boxes);
	imgio_free(&copy);
}

/* The whole request per engine (darknet: the accelerated path). */
static void
run_requests(const struct opts *o, const unsigned char *buf, size_t len,
    double *tp, double tpx[3])
{
	struct detector	*det;
	char		 err[512];
	double		 t;
	int		 k, r;

	for (k = 0; k < 3; k++)
		tpx[k] = -1;
	for (k = 0; k < 3; k++) {
		if ((det = detector_open(o->cfg, o->wts, o->names,
		    (enum detector_engine)k, o->threads, err, sizeof(err))) ==
		    NULL) {
			/* not a detector (a classifier): forwards only */
			fprintf(stderr, "no whole request: %s\n", err);
			break;
		}
		if (detector_engine(det) != (enum detector_engine)k) {
			detector_free(det);
			continue;
		}
		for (r = 0; r < o->runs; r++) {
			t = timing_ms();
			one_request(det, buf, len);
			tp[r] = timing_ms() - t;
		}
		detector_free(det);
		tpx[k] = median(tp, o->runs);
	}
}

static void
report(const struct opts *o, int w, int h, struct times *tm, int fp32,
    int int8, const double tpx[3])
{
	int	 runs = o->runs, k;
	double	 t = median(tm->ts, runs), a = median(tm->ta, runs);

	printf("bv-bench: %s on %s, %dx%d input, %d runs, %d threads\n",
	    o->cfg, o->image, w, h, runs, o->threads);
	printf("forward, stock libdarknet:    median %8.2f ms\n", t);
	printf("forward, accelerated (ours):  median %8.2f ms\n", a);
	printf("speed-up stock/ours:          %8.2fx\n", t / a);
	if (fp32)
		printf("forward, xnnpack fp32 cold:   median %8.2f ms  "
		    "%6.2fx stock\n"
		    "forward, xnnpack fp32 warm:   median %8.2f ms  "
		    "%6.2fx stock\n", median(tm->tx, runs), t /
		    median(tm->tx, runs), median(tm->txw, runs), t /
		    median(tm->txw, runs));
	if (int8)
		printf("forward, xnnpack int8 cold:   median %8.2f ms  "
		    "%6.2fx stock\n"
		    "forward, xnnpack int8 warm:   median %8.2f ms  "
		    "%6.2fx stock\n", median(tm->tq, runs), t /
		    median(tm->tq, runs), median(tm->tqw, runs), t /
		    median(tm->tqw, runs));
	if (fp32 && int8)
		printf("int8 / fp32 speed-up:         cold %.2fx, warm %.2fx\n",
		    median(tm->tx, runs) / median(tm->tq, runs),
		    median(tm->txw, runs) / median(tm->tqw, runs));
	for (k = 0; k < 3; k++)
		if (tpx[k] >= 0)
			printf("whole request, %-13s median %8.2f ms "
			    "(decode+letterbox+forward+NMS+annotate+encode)\n",
			    detector_engine_name((enum detector_engine)k),
			    tpx[k]);
}

/* The engines of o on net (fp32 and/or int8); -1 if --only's is missing. */
static int
open_engines(const struct opts *o, network *net, struct engine_xnn **ex,
    struct engine_xnn **eq)
{
	char	 err[512], calib[1024];

	*ex = *eq = NULL;
	if ((o->only == NULL || strcmp(o->only, "fp32") == 0) &&
	    (*ex = engine_xnn_new(net, NULL, o->threads, err, sizeof(err))) ==
	    NULL)
		fprintf(stderr, "xnnpack fp32: %s\n", err);
	if ((o->only == NULL || strcmp(o->only, "int8") == 0) &&
	    detector_calib_path(o->wts, calib, sizeof(calib)) == 0 &&
	    (*eq = engine_xnn_new(net, calib, o->threads, err, sizeof(err))) ==
	    NULL)
		fprintf(stderr, "xnnpack int8: %s\n", err);
	if (o->only != NULL && ((strcmp(o->only, "fp32") == 0 && *ex == NULL) ||
	    (strcmp(o->only, "int8") == 0 && *eq == NULL))) {
		fprintf(stderr, "bv-bench: no %s engine for this network\n",
		    o->only);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct img_limits	 lim;
	struct img		 im;
	struct letterbox	 lb;
	struct times		 tm;
	struct opts		 o;
	struct engine_xnn	*ex, *eq;
	network			*net;
	unsigned char		*buf;
	size_t			 len;
	double			 tpx[3];
	float			*input;
	int			 w, h, has32, has8;

	if (parse_args(argc, argv, &o) == -1)
		return 2;
	blasgemm_threads(o.threads);
	if (tool_read_file(o.image, 64UL << 20, &buf, &len) == -1) {
		perror(o.image);
		return 1;
	}
	if (o.stg)
		return stages(o.cfg, o.wts, o.names, buf, len, o.runs,
		    o.threads);
	img_limits_default(&lim);
	if (imgio_decode(buf, len, buf[0] == 0x89 ? IMG_PNG : IMG_JPEG, &lim,
	    &im) != IMG_OK) {
		fprintf(stderr, "%s: cannot decode\n", o.image);
		return 1;
	}
	if (o.crops > 0) {	/* a classifier: one crop's steps, fp32 and
				 * int8 (or the one --only names) */
		int	 rc = 0;

		if (o.only == NULL || strcmp(o.only, "fp32") == 0)
			rc |= benchcrop_run(o.cfg, o.wts, o.names, &im,
			    o.crops, o.runs, 0);
		if (o.only == NULL || strcmp(o.only, "int8") == 0)
			rc |= benchcrop_run(o.cfg, o.wts, o.names, &im,
			    o.crops, o.runs, 1);
		imgio_free(&im);
		return rc;
	}
	net = load_network((char *)o.cfg, (char *)o.wts, 0);
	set_batch_network(net, 1);
	w = network_width(net);
	h = network_height(net);
	input = calloc((size_t)w * h * 3, sizeof(float));
	if (input == NULL || times_new(&tm, o.runs) == -1)
		return 1;
	imgio_letterbox(&im, w, h, input, &lb);
	if (open_engines(&o, net, &ex, &eq) == -1)
		return 1;
	has32 = ex != NULL;
	has8 = eq != NULL;
	if (o.only != NULL)
		run_only(&o, net, ex, eq, input, &tm);
	else {
		run_rounds(&o, net, ex, eq, input, &tm);
		if (o.prof && ex != NULL)
			profile(ex, net, input, o.runs, "fp32");
		if (o.prof && eq != NULL)
			profile(eq, net, input, o.runs, "int8");
	}
	free_network(net);
	engine_xnn_free(ex);
	engine_xnn_free(eq);
	if (o.only == NULL) {
		run_requests(&o, buf, len, tm.tp, tpx);
		report(&o, w, h, &tm, has32, has8, tpx);
	}
	times_free(&tm);
	free(input);
	imgio_free(&im);
	free(buf);
	return 0;
}
