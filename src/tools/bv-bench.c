/* bv-bench.c: time the server's inference path against stock libdarknet */
/*
 * One process, one network, the same letterboxed input: forward passes
 * alternate between libdarknet's own math (blasgemm_set_stock(1)) and the
 * accelerated path (OpenBLAS gemm and our loops), so machine noise hits
 * both alike.  Prints medians and their ratio, then the whole request
 * pipeline (decode, detect, annotate, encode) as the backend runs it.
 * A benchmark, not a test: it asserts nothing.
 */

#include "annotate.h"
#include "blasgemm.h"
#include "detector.h"
#include "imgcheck.h"
#include "imgio.h"
#include "toolutil.h"
#include "timing.h"

#include <darknet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	double			*ts, *ta, *tp, t;
	float			*input;
	char			 err[512];
	int			 runs = 20, threads = 2, r, w, h;

	if (argc < 5) {
		fprintf(stderr, "usage: bv-bench model.cfg model.weights "
		    "model.names image.jpg [runs] [threads]\n");
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
	if (input == NULL || ts == NULL || ta == NULL || tp == NULL)
		return 1;
	imgio_letterbox(&im, w, h, input, &lb);

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
	}
	free_network(net);

	if ((det = detector_new(argv[1], argv[2], argv[3], err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
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

	printf("bv-bench: %s on %s, %dx%d input, %d runs, %d threads\n",
	    argv[1], argv[4], w, h, runs, threads);
	t = median(ts, runs);
	printf("forward, stock libdarknet:    median %8.2f ms\n", t);
	printf("forward, accelerated (ours):  median %8.2f ms\n",
	    median(ta, runs));
	printf("speed-up stock/ours:          %8.2fx\n", t / median(ta, runs));
	printf("whole request pipeline:       median %8.2f ms "
	    "(decode+letterbox+forward+NMS+annotate+encode)\n",
	    median(tp, runs));
	free(ts);
	free(ta);
	free(tp);
	free(input);
	imgio_free(&im);
	free(buf);
	return 0;
}
