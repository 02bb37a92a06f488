/* test_blasgemm.c: blasgemm.c's replacements against libdarknet's own */
/*
 * dlsym() on libdarknet's handle returns the library's definitions even
 * though this executable interposes its own, so both run on the same
 * random inputs.  im2col/col2im/activations must match bit for bit, the
 * batch-norm loops too (same float/double arithmetic), gemm to rounding.
 * Also checks that libdarknet's own callers reach our gemm (interposition
 * really happens): a forward pass through a tiny conv net bumps the count.
 */
#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/blasgemm.h"

/* From darknet.h, declared loosely so that this test needs only the
 * library: calling them directly makes libdarknet a link-time dependency,
 * which is what lets the executable interpose its definitions. */
void *parse_network_cfg(char *filename);
float *network_predict(void *net, float *input);

#ifndef DARKNET_SO
#define DARKNET_SO "libdarknet.so"   /* already loaded: same handle */
#endif

static int failures;

static void
fill(float *p, size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		p[i] = ((*seed >> 8) & 0xffff) / 32768.0f - 1.0f;
	}
}

static void
expect_same(const char *what, const float *a, const float *b, size_t n, double tol)
{
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - b[i]);

		if (tol == 0 ? memcmp(&a[i], &b[i], sizeof *a) != 0 :
		    d > tol * (1 + fabs(b[i]))) {
			fprintf(stderr, "FAIL %s: [%zu] %.9g != %.9g\n", what, i, a[i], b[i]);
			failures++;
			return;
		}
	}
}

int
main(void)
{
	void *h = dlopen(DARKNET_SO, RTLD_NOW);
	void (*lib_im2col)(float *, int, int, int, int, int, int, float *);
	void (*lib_col2im)(float *, int, int, int, int, int, int, float *);
	void (*lib_gemm)(int, int, int, int, int, float, float *, int, float *, int, float, float *, int);
	void (*lib_act)(float *, int, int);
	void (*lib_grad)(const float *, int, int, float *);
	void (*lib_norm)(float *, float *, float *, int, int, int);
	void (*lib_var)(float *, float *, int, int, int, float *);
	void (*lib_nd)(float *, float *, float *, float *, float *, int, int, int, float *);
	static const int shapes[][6] = {    /* c, h, w, ksize, stride, pad */
		{ 3, 17, 13, 3, 1, 1 }, { 4, 16, 16, 3, 2, 1 }, { 2, 9, 11, 1, 1, 0 },
		{ 5, 8, 7, 3, 1, 0 }, { 2, 15, 10, 5, 2, 2 }, { 3, 7, 9, 2, 2, 0 },
		{ 1, 5, 5, 3, 3, 1 }, { 6, 12, 12, 1, 2, 0 },
	};
	unsigned seed = 42;

	if (h == NULL) {
		printf("SKIP: cannot load %s: %s\n", DARKNET_SO, dlerror());
		return 77;
	}
	*(void **)&lib_im2col = dlsym(h, "im2col_cpu");
	*(void **)&lib_col2im = dlsym(h, "col2im_cpu");
	*(void **)&lib_gemm = dlsym(h, "gemm");
	*(void **)&lib_act = dlsym(h, "activate_array");
	*(void **)&lib_grad = dlsym(h, "gradient_array");
	*(void **)&lib_norm = dlsym(h, "normalize_cpu");
	*(void **)&lib_var = dlsym(h, "variance_cpu");
	*(void **)&lib_nd = dlsym(h, "normalize_delta_cpu");
	if (!lib_im2col || !lib_col2im || !lib_gemm || !lib_act || !lib_grad ||
	    !lib_norm || !lib_var || !lib_nd) {
		fprintf(stderr, "missing symbols in %s\n", DARKNET_SO);
		return 99;
	}
	if ((void *)lib_gemm == (void *)gemm || (void *)lib_im2col == (void *)im2col_cpu) {
		fprintf(stderr, "dlsym returned our own functions\n");
		return 99;
	}

	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		int c = shapes[s][0], H = shapes[s][1], W = shapes[s][2];
		int k = shapes[s][3], st = shapes[s][4], p = shapes[s][5];
		int hc = (H + 2 * p - k) / st + 1, wc = (W + 2 * p - k) / st + 1;
		size_t ni = (size_t)c * H * W, nc = (size_t)c * k * k * hc * wc;
		float *im = malloc(ni * sizeof *im), *a = malloc(nc * sizeof *a);
		float *b = malloc(nc * sizeof *b), *ia = malloc(ni * sizeof *ia);
		float *ib = malloc(ni * sizeof *ib);
		char what[64];

		fill(im, ni, &seed);
		memset(a, 0x7f, nc * sizeof *a);
		memset(b, 0x7f, nc * sizeof *b);
		im2col_cpu(im, c, H, W, k, st, p, a);
		lib_im2col(im, c, H, W, k, st, p, b);
		snprintf(what, sizeof what, "im2col shape %zu", s);
		expect_same(what, a, b, nc, 0);

		fill(ia, ni, &seed);
		memcpy(ib, ia, ni * sizeof *ia);
		col2im_cpu(a, c, H, W, k, st, p, ia);
		lib_col2im(a, c, H, W, k, st, p, ib);
		snprintf(what, sizeof what, "col2im shape %zu", s);
		expect_same(what, ia, ib, ni, 0);
		free(im), free(a), free(b), free(ia), free(ib);
	}

	{   /* gemm: all four transpositions, with ALPHA and BETA. */
		int M = 13, N = 17, K = 19;
		float A[19 * 19], B[19 * 19], C1[13 * 17], C2[13 * 17];

		for (int tt = 0; tt < 4; tt++) {
			int TA = tt & 1, TB = tt >> 1;
			char what[32];

			fill(A, sizeof A / sizeof *A, &seed);
			fill(B, sizeof B / sizeof *B, &seed);
			fill(C1, sizeof C1 / sizeof *C1, &seed);
			memcpy(C2, C1, sizeof C1);
			gemm(TA, TB, M, N, K, 0.7f, A, TA ? M : K, B, TB ? K : N, 0.3f, C1, N);
			lib_gemm(TA, TB, M, N, K, 0.7f, A, TA ? M : K, B, TB ? K : N, 0.3f, C2, N);
			snprintf(what, sizeof what, "gemm TA=%d TB=%d", TA, TB);
			expect_same(what, C1, C2, (size_t)M * N, 1e-5);
		}
	}

	{   /* activations and batch norm (2 x 5 filters x 37 spatial). */
		enum { NB = 2, NF = 5, SP = 37, N = NB * NF * SP };
		float x1[N], x2[N], d1[N], d2[N], mean[NF], var1[NF], var2[NF];
		float md[NF], vd[NF];
		static const int acts[] = { 0, 3, 7 };   /* LOGISTIC, LINEAR, LEAKY */

		for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
			fill(x1, N, &seed);
			memcpy(x2, x1, sizeof x1);
			activate_array(x1, N, acts[i]);
			lib_act(x2, N, acts[i]);
			expect_same("activate_array", x1, x2, N, 0);
			fill(d1, N, &seed);
			memcpy(d2, d1, sizeof d1);
			gradient_array(x1, N, acts[i], d1);
			lib_grad(x1, N, acts[i], d2);
			expect_same("gradient_array", d1, d2, N, 0);
		}
		fill(x1, N, &seed);
		fill(mean, NF, &seed);
		variance_cpu(x1, mean, NB, NF, SP, var1);
		lib_var(x1, mean, NB, NF, SP, var2);
		expect_same("variance_cpu", var1, var2, NF, 0);
		memcpy(x2, x1, sizeof x1);
		normalize_cpu(x1, mean, var1, NB, NF, SP);
		lib_norm(x2, mean, var1, NB, NF, SP);
		expect_same("normalize_cpu", x1, x2, N, 0);
		fill(d1, N, &seed);
		memcpy(d2, d1, sizeof d1);
		fill(md, NF, &seed);
		fill(vd, NF, &seed);
		normalize_delta_cpu(x1, mean, var1, md, vd, NB, NF, SP, d1);
		lib_nd(x1, mean, var1, md, vd, NB, NF, SP, d2);
		expect_same("normalize_delta_cpu", d1, d2, N, 0);
	}

	{   /* The library's own conv layer must call our gemm and im2col. */
		char path[] = "/tmp/test_blasgemm_XXXXXX";
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		unsigned long before = blasgemm_calls;
		float in[3 * 8 * 8];

		if (f == NULL) {
			fprintf(stderr, "cannot set up the network check\n");
			return 99;
		}
		fprintf(f, "[net]\nbatch=1\nwidth=8\nheight=8\nchannels=3\n"
		    "[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n");
		fclose(f);
		fill(in, sizeof in / sizeof *in, &seed);
		void *net = parse_network_cfg(path);
		unlink(path);
		network_predict(net, in);
		if (blasgemm_calls == before) {
			fprintf(stderr, "FAIL libdarknet did not call our gemm\n");
			failures++;
		}
		/* Stock mode hands calls back to libdarknet: no OpenBLAS call. */
		blasgemm_set_stock(1);
		before = blasgemm_calls;
		network_predict(net, in);
		blasgemm_set_stock(0);
		if (blasgemm_calls != before) {
			fprintf(stderr, "FAIL stock mode still used OpenBLAS\n");
			failures++;
		}
	}
	if (failures)
		return 1;
	printf("PASS blasgemm: im2col/col2im/activations/batch-norm identical, "
	    "gemm within 1e-5, interposition active\n");
	return 0;
}
