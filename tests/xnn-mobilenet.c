/* xnn-mobilenet.c: FP32 MobileNet v1 1.0 (224x224) through XNNPACK: a yardstick for published Raspberry Pi 4 figures */
/*
 * xnn-mobilenet THREADS RUNS
 *
 * XNNPACK's README publishes end2end_bench times for "MobileNet v1 1.0X"
 * (FP32, randomized weights and input) on a Raspberry Pi 4; this builds
 * the same network from the same operators (3x3 stride-2 convolution, 13
 * depthwise 3x3 + pointwise pairs, ReLU6 fused, global average pool, 1001
 * fully connected) so that the Pi-to-here ratio is measured with the
 * engine the backend uses (README.md, "Live mode": the Pi 4 estimate).
 * Prints the median of RUNS forward passes after two warm-up passes.  A
 * benchmark, not a test.
 */

#define _POSIX_C_SOURCE 200809L

#include <xnnpack.h>
#include <pthreadpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MN_LAYERS	32

struct mn_layer {
	xnn_operator_t	 op;
	int		 kind;		/* 0 conv, 1 pool, 2 fc */
	size_t		 ih, iw;
	float		*in, *out;
};

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static float *
random_floats(size_t n)
{
	float	*p = malloc(n * sizeof(*p));
	size_t	 i;

	for (i = 0; p != NULL && i < n; i++)
		p[i] = (float)rand() / RAND_MAX - 0.5f;
	return p;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	/* channels out, stride, depthwise? (after the first full conv) */
	static const int plan[][3] = {
		{ 32, 2, 0 },
		{ 32, 1, 1 }, { 64, 1, 0 }, { 64, 2, 1 }, { 128, 1, 0 },
		{ 128, 1, 1 }, { 128, 1, 0 }, { 128, 2, 1 }, { 256, 1, 0 },
		{ 256, 1, 1 }, { 256, 1, 0 }, { 256, 2, 1 }, { 512, 1, 0 },
		{ 512, 1, 1 }, { 512, 1, 0 }, { 512, 1, 1 }, { 512, 1, 0 },
		{ 512, 1, 1 }, { 512, 1, 0 }, { 512, 1, 1 }, { 512, 1, 0 },
		{ 512, 1, 1 }, { 512, 1, 0 }, { 512, 2, 1 }, { 1024, 1, 0 },
		{ 1024, 1, 1 }, { 1024, 1, 0 }
	};
	struct mn_layer		 L[MN_LAYERS];
	pthreadpool_t		 pool = NULL;
	size_t			 n = 0, i, h = 224, w = 224, c = 3, oh, ow;
	float			*buf, *wts, *bias;
	double			*t;
	int			 threads, runs, r, rc = 1;

	if (argc != 3 || (threads = atoi(argv[1])) < 1 ||
	    (runs = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: xnn-mobilenet THREADS RUNS\n");
		return 2;
	}
	if (xnn_initialize(NULL) != xnn_status_success) {
		fprintf(stderr, "xnn-mobilenet: xnn_initialize failed\n");
		return 1;
	}
	if (threads > 1)
		pool = pthreadpool_create((size_t)threads);
	memset(L, 0, sizeof(L));
	buf = random_floats(h * w * c);
	for (i = 0; i < sizeof(plan) / sizeof(plan[0]); i++, n++) {
		int co = plan[i][0], s = plan[i][1], dw = plan[i][2];
		int k = (i == 0 || dw) ? 3 : 1;
		size_t groups = dw ? c : 1, gi = dw ? 1 : c, go = dw ? 1 :
		    (size_t)co;

		/* TensorFlow's SAME padding: stride 2 pads bottom/right only */
		uint32_t pt = k == 3 && s == 1, pl = pt, pb = k == 3,
		    pr = k == 3;

		wts = random_floats((size_t)co * k * k * (dw ? 1 : c));
		bias = random_floats((size_t)co);
		if (xnn_create_convolution2d_nhwc_f32(pt, pr, pb, pl, k, k, s,
		    s, 1, 1, (uint32_t)groups, gi, go, c, (size_t)co, wts,
		    bias, 0.0f, 6.0f, 0, &L[n].op) != xnn_status_success) {
			fprintf(stderr, "xnn-mobilenet: layer %zu\n", i);
			goto out;
		}
		free(wts);
		free(bias);
		oh = (h + pt + pb - k) / s + 1;
		ow = (w + pl + pr - k) / s + 1;
		L[n].ih = h;
		L[n].iw = w;
		L[n].in = buf;
		L[n].out = buf = malloc(oh * ow * (size_t)co * sizeof(float));
		h = oh;
		w = ow;
		c = (size_t)co;
	}
	if (xnn_create_global_average_pooling_nwc_f32(c, c, c, -1e30f, 1e30f,
	    0, &L[n].op) != xnn_status_success)
		goto out;
	L[n].kind = 1;
	L[n].ih = h;
	L[n].iw = w;
	L[n].in = buf;
	L[n++].out = buf = malloc(c * sizeof(float));
	wts = random_floats(c * 1001);
	bias = random_floats(1001);
	if (xnn_create_fully_connected_nc_f32(c, 1001, c, 1001, wts, bias,
	    -1e30f, 1e30f, 0, &L[n].op) != xnn_status_success)
		goto out;
	free(wts);
	free(bias);
	L[n].kind = 2;
	L[n].in = buf;
	L[n++].out = malloc(1001 * sizeof(float));
	for (i = 0; i < n; i++) {
		enum xnn_status st = L[i].kind == 0 ?
		    xnn_setup_convolution2d_nhwc_f32(L[i].op, 1, L[i].ih,
		    L[i].iw, L[i].in, L[i].out, pool) : L[i].kind == 1 ?
		    xnn_setup_global_average_pooling_nwc_f32(L[i].op, 1,
		    L[i].ih * L[i].iw, L[i].in, L[i].out, pool) :
		    xnn_setup_fully_connected_nc_f32(L[i].op, 1, L[i].in,
		    L[i].out, pool);
		if (st != xnn_status_success)
			goto out;
	}
	if ((t = calloc((size_t)runs, sizeof(*t))) == NULL)
		goto out;
	for (r = -2; r < runs; r++) {
		double t0 = now_ms();

		for (i = 0; i < n; i++)
			xnn_run_operator(L[i].op, pool);
		if (r >= 0)
			t[r] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	printf("FP32 MobileNet v1 1.0X (XNNPACK, %d thread%s): median %.1f ms "
	    "over %d runs (min %.1f, max %.1f)\n", threads, threads > 1 ? "s" :
	    "", t[runs / 2], runs, t[0], t[runs - 1]);
	free(t);
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		xnn_delete_operator(L[i].op);
		free(L[i].in);
	}
	if (n > 0)
		free(L[n - 1].out);
	if (pool != NULL)
		pthreadpool_destroy(pool);
	xnn_deinitialize();
	return rc;
}
