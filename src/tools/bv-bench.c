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
 * other paths would only add noise and hours.
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
	printf("per layer, xnnpack %s (median of %d, ms):\n", name, runs);
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

/*
 * --stages: where one upload's server time goes, step by step as
 * analyze.c runs them on this image (int8 engine, else the best there
 * is): decode, field of view, texture, the scale search, detection at
 * the remembered scale (scalemem.h), the bare forward, the thumbnail,
 * the plain and the annotated JPEG; medians of this thread's CPU time
 * (so, one engine thread), and each as forwards.
 */
static int
stages(const char *cfg, const char *wts, const char *names,
    const unsigned char *buf, size_t len, int runs, int threads)
{
	static const char *what[] = { "decode", "field of view",
	    "texture", "detect, fresh search", "detect, remembered scale",
	    "forward+NMS (letterbox)", "thumbnail (resize+encode)",
	    "plain JPEG encode", "annotate+JPEG encode" };
	enum { NST = sizeof(what) / sizeof(what[0]) };
	struct img_limits lim;
	struct img	 im, th, cp;
	struct fov	 fv;
	struct scan_model m;
	struct scan_opts o;
	struct scan_result sr;
	struct det_box	*v;
	struct detector	*det;
	unsigned char	*jpg;
	size_t		 jl, n;
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
	scan_model_default(&m);
	scan_opts_default(&o, 0.05f, 0.45f);
	scalemem_clear();
	STAGE(0, imgio_decode(buf, len, IMG_JPEG, &lim, &cp);
	    imgio_free(&cp));
	STAGE(1, fov_detect(&im, &fv));
	STAGE(2, scale_texture(&im, 40));
	STAGE(3, scan_detect(det, &m, &o, &im, 1, im.w, im.h, 0, SCALE_NONE,
	    NULL, NULL, &sr); free(sr.boxes));
	STAGE(4, scalemem_detect(det, &m, &o, &im, 1, im.w, im.h, "mic:bench",
	    NULL, NULL, &sr); free(sr.boxes));
	STAGE(5, detector_run(det, &im, 0.05f, 0.45f, &v, &n); free(v));
	STAGE(6, imgio_resize_fit(&im, 240, 240, &th);
	    imgio_encode_jpeg(&th, 75, &jpg, &jl); free(jpg); imgio_free(&th));
	STAGE(7, imgio_encode_jpeg(&im, 85, &jpg, &jl); free(jpg));
	detector_run(det, &im, 0.05f, 0.45f, &v, &n);
	STAGE(8, draw_encode(&im, &fv, v, n));
	free(v);
	printf("bv-bench --stages: %dx%d, engine %s, %d runs, %d threads, "
	    "thread CPU time\n", im.w, im.h, detector_engine_name(detector_engine(det)), runs,
	    threads);
	for (k = 0; k < NST; k++)
		printf("  %-28s median %8.2f ms  %5.2f forwards\n", what[k],
		    st[k], st[k] / st[5]);
	printf("  search / remembered:         %.2fx\n", st[3] / st[4]);
	free(col);
	imgio_free(&im);
	detector_free(det);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct img_limits	 lim;
	struct img		 im;
	struct letterbox	 lb;
	struct det_box		*boxes;
	struct annot_box	*ab;
	struct detector		*det;
	network			*net;
	unsigned char		*buf, *jpg;
	size_t			 len, n, jlen, i;
	double			*ts, *ta, *tp, *tx, *tq, *txw, *tqw, t,
				 tpx[3];
	float			*input;
	char			 err[512], calib[1024];
	struct engine_xnn	*ex = NULL, *eq = NULL;
	int			 runs = 20, threads = 2, r, w, h, k, prof = 0;
	int			 stg = 0;
	const char		*only = NULL;

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--profile") == 0)
			prof = 1;
		else if (strcmp(argv[1], "--stages") == 0)
			stg = 1;
		else if (strcmp(argv[1], "--only") == 0 && argc > 2 &&
		    (strcmp(argv[2], "stock") == 0 || strcmp(argv[2],
		    "blas") == 0 || strcmp(argv[2], "fp32") == 0 ||
		    strcmp(argv[2], "int8") == 0)) {
			only = argv[2];
			argc--;
			argv++;
		} else
			break;
		argc--;
		argv++;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: bv-bench [--profile | --stages] "
		    "[--only stock|"
		    "blas|fp32|int8] model.cfg model.weights model.names "
		    "image.jpg [runs] [threads]\n");
		return 2;
	}
	if (argc > 5)
		runs = atoi(argv[5]);
	if (argc > 6)
		threads = atoi(argv[6]);
	if (runs < 1)
		runs = 1;
	blasgemm_threads(threads);
	if (tool_read_file(argv[4], 64UL << 20, &buf, &len) == -1) {
		perror(argv[4]);
		return 1;
	}
	if (stg)
		return stages(argv[1], argv[2], argv[3], buf, len, runs,
		    threads);
	img_limits_default(&lim);
	if (imgio_decode(buf, len, buf[0] == 0x89 ? IMG_PNG : IMG_JPEG, &lim,
	    &im) != IMG_OK) {
		fprintf(stderr, "%s: cannot decode\n", argv[4]);
		return 1;
	}
	net = load_network(argv[1], argv[2], 0);
	set_batch_network(net, 1);
	w = network_width(net);
	h = network_height(net);
	input = calloc((size_t)w * h * 3, sizeof(float));
	ts = calloc((size_t)runs, sizeof(double));
	ta = calloc((size_t)runs, sizeof(double));
	tp = calloc((size_t)runs, sizeof(double));
	tx = calloc((size_t)runs, sizeof(double));
	tq = calloc((size_t)runs, sizeof(double));
	txw = calloc((size_t)runs, sizeof(double));
	tqw = calloc((size_t)runs, sizeof(double));
	if (input == NULL || ts == NULL || ta == NULL || tp == NULL ||
	    tx == NULL || tq == NULL || txw == NULL || tqw == NULL)
		return 1;
	imgio_letterbox(&im, w, h, input, &lb);
	if ((only == NULL || strcmp(only, "fp32") == 0) &&
	    (ex = engine_xnn_new(net, NULL, threads, err, sizeof(err))) ==
	    NULL)
		fprintf(stderr, "xnnpack fp32: %s\n", err);
	if ((only == NULL || strcmp(only, "int8") == 0) &&
	    detector_calib_path(argv[2], calib, sizeof(calib)) == 0 &&
	    (eq = engine_xnn_new(net, calib, threads, err, sizeof(err))) ==
	    NULL)
		fprintf(stderr, "xnnpack int8: %s\n", err);
	if (only != NULL && ((strcmp(only, "fp32") == 0 && ex == NULL) ||
	    (strcmp(only, "int8") == 0 && eq == NULL))) {
		fprintf(stderr, "bv-bench: no %s engine for this network\n",
		    only);
		return 1;
	}
	if (only != NULL) {
		double	*tt = strcmp(only, "stock") == 0 ? ts :
			    strcmp(only, "blas") == 0 ? ta : ex != NULL ? tx :
			    tq;

		blasgemm_set_stock(strcmp(only, "stock") == 0);
		for (r = 0; r <= runs; r++) {	/* run 0: warm-up */
			t = timing_ms();
			if (ex != NULL)
				engine_xnn_forward(ex, input);
			else if (eq != NULL)
				engine_xnn_forward(eq, input);
			else
				network_predict(net, input);
			if (r > 0)
				tt[r - 1] = timing_ms() - t;
		}
		printf("bv-bench --only %s: median %.3f ms (%d runs, %d "
		    "threads)\n", only, median(tt, runs), runs, threads);
		free_network(net);
		engine_xnn_free(ex);
		engine_xnn_free(eq);
		free(tx);
		free(tq);
		free(txw);
		free(tqw);
		free(ts);
		free(ta);
		free(tp);
		free(input);
		imgio_free(&im);
		free(buf);
		return 0;
	}
	if (ex != NULL)
		engine_xnn_forward(ex, input);	/* warm-up */
	if (eq != NULL)
		engine_xnn_forward(eq, input);

	network_predict(net, input);		/* warm-up */
	for (r = 0; r < runs; r++) {
		blasgemm_set_stock(1);
		t = timing_ms();
		network_predict(net, input);
		ts[r] = timing_ms() - t;
		blasgemm_set_stock(0);
		t = timing_ms();
		network_predict(net, input);
		ta[r] = timing_ms() - t;
		/* let OpenBLAS's spinning workers go idle first */
		usleep(100000);
		if (ex != NULL) {
			t = timing_ms();
			engine_xnn_forward(ex, input);
			tx[r] = timing_ms() - t;
			t = timing_ms();
			engine_xnn_forward(ex, input);
			txw[r] = timing_ms() - t;
		}
		if (eq != NULL) {
			t = timing_ms();
			engine_xnn_forward(eq, input);
			tq[r] = timing_ms() - t;
			t = timing_ms();
			engine_xnn_forward(eq, input);
			tqw[r] = timing_ms() - t;
		}
	}
	if (prof && ex != NULL)
		profile(ex, net, input, runs, "fp32");
	if (prof && eq != NULL)
		profile(eq, net, input, runs, "int8");
	free_network(net);
	engine_xnn_free(ex);
	engine_xnn_free(eq);

	/* the whole request, per engine (darknet: the accelerated path) */
	for (k = 0; k < 3; k++)
		tpx[k] = -1;
	for (k = 0; k < 3; k++) {
		if ((det = detector_open(argv[1], argv[2], argv[3],
		    (enum detector_engine)k, threads, err, sizeof(err))) == NULL) {
			/* not a detector (a classifier): forwards only */
			fprintf(stderr, "no whole request: %s\n", err);
			break;
		}
		if (detector_engine(det) != (enum detector_engine)k) {
			detector_free(det);
			continue;
		}
		for (r = 0; r < runs; r++) {
			struct img copy;

			t = timing_ms();
			imgio_decode(buf, len, IMG_JPEG, &lim, &copy);
			detector_run(det, &copy, 0.05f, 0.45f, &boxes, &n);
			ab = calloc(n + 1, sizeof(*ab));
			for (i = 0; i < n; i++) {
				ab[i].cls = boxes[i].cls;
				ab[i].conf = boxes[i].conf;
				ab[i].x = boxes[i].x;
				ab[i].y = boxes[i].y;
				ab[i].w = boxes[i].w;
				ab[i].h = boxes[i].h;
			}
			annotate_draw(&copy, ab, n);
			imgio_encode_jpeg(&copy, 85, &jpg, &jlen);
			tp[r] = timing_ms() - t;
			free(jpg);
			free(ab);
			free(boxes);
			imgio_free(&copy);
		}
		detector_free(det);
		tpx[k] = median(tp, runs);
	}

	printf("bv-bench: %s on %s, %dx%d input, %d runs, %d threads\n",
	    argv[1], argv[4], w, h, runs, threads);
	t = median(ts, runs);
	printf("forward, stock libdarknet:    median %8.2f ms\n", t);
	printf("forward, accelerated (ours):  median %8.2f ms\n",
	    median(ta, runs));
	printf("speed-up stock/ours:          %8.2fx\n", t / median(ta, runs));
	if (ex != NULL)
		printf("forward, xnnpack fp32 cold:   median %8.2f ms  "
		    "%6.2fx stock\n"
		    "forward, xnnpack fp32 warm:   median %8.2f ms  "
		    "%6.2fx stock\n", median(tx, runs), t / median(tx, runs),
		    median(txw, runs), t / median(txw, runs));
	if (eq != NULL)
		printf("forward, xnnpack int8 cold:   median %8.2f ms  "
		    "%6.2fx stock\n"
		    "forward, xnnpack int8 warm:   median %8.2f ms  "
		    "%6.2fx stock\n", median(tq, runs), t / median(tq, runs),
		    median(tqw, runs), t / median(tqw, runs));
	if (ex != NULL && eq != NULL)
		printf("int8 / fp32 speed-up:         cold %.2fx, warm %.2fx\n",
		    median(tx, runs) / median(tq, runs), median(txw, runs) /
		    median(tqw, runs));
	for (k = 0; k < 3; k++)
		if (tpx[k] >= 0)
			printf("whole request, %-13s median %8.2f ms "
			    "(decode+letterbox+forward+NMS+annotate+encode)\n",
			    detector_engine_name((enum detector_engine)k),
			    tpx[k]);
	free(tx);
	free(tq);
	free(txw);
	free(tqw);
	free(ts);
	free(ta);
	free(tp);
	free(input);
	imgio_free(&im);
	free(buf);
	return 0;
}
