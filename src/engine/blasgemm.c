/* blasgemm.c: route libdarknet's CPU math to OpenBLAS and faster loops */
/*
 * Debian's libdarknet.so is built without BLAS: its gemm() is a naive
 * triple loop, and im2col/col2im fetch every element through a bounds-
 * checking helper call (together more than half of a training step here).
 * libdarknet calls all of these through its PLT, so definitions with the
 * same names in the executable take precedence at run time (ELF symbol
 * interposition).  Each replacement keeps libdarknet's arithmetic,
 * including its float/double mix, so results match the library:
 * im2col/col2im copy or add the same values in the same per-pixel order.
 * Self-contained on purpose: the backend and the tools link this file.
 */
#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
/*
 * The element-wise loops below only pay off vectorised, which GCC does at
 * -O3 (not at the default -O2).  Vectorising them changes no result: no
 * reassociation is allowed without -ffast-math, so sums keep their order.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#include "engine/blasgemm.h"

#include <dlfcn.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

/* Values of darknet.h's ACTIVATION enum (stable in the 2018 header). */
enum { BG_LINEAR = 3, BG_LEAKY = 7 };

unsigned long blasgemm_calls;

/* libdarknet's signatures, for passing calls on. */
typedef void (*gemm_fn)(int, int, int, int, int, float, float *, int,
    float *, int, float, float *, int);
typedef void (*col_fn)(float *, int, int, int, int, int, int, float *);
typedef void (*norm_fn)(float *, float *, float *, int, int, int);
typedef void (*var_fn)(float *, float *, int, int, int, float *);
typedef void (*nd_fn)(float *, float *, float *, float *, float *, int, int,
    int, float *);

/* Non-zero: pass every call on to libdarknet's own code (for timings). */
static int stock;

void
blasgemm_threads(int n)
{
	if (n > 0)
		openblas_set_num_threads(n);
}

void
blasgemm_set_stock(int on)
{
	stock = on;
}

/* libdarknet's own definition of name (the next one after ours). */
static void *
next_fn(void **cache, const char *name)
{
	if (*cache == NULL)
		*cache = dlsym(RTLD_NEXT, name);
	return *cache;
}

#define PASS_ON(name, type, ...) do {					\
	static void *cache_;						\
	type fn_;							\
	*(void **)&fn_ = next_fn(&cache_, name);			\
	if (fn_ != NULL) {						\
		fn_(__VA_ARGS__);					\
		return;							\
	}								\
} while (0)

void
gemm(int TA, int TB, int M, int N, int K, float ALPHA,
    float *A, int lda, float *B, int ldb, float BETA, float *C, int ldc)
{
	if (stock)
		PASS_ON("gemm", gemm_fn, TA, TB, M, N, K, ALPHA,
		    A, lda, B, ldb, BETA, C, ldc);
	blasgemm_calls++;
	cblas_sgemm(CblasRowMajor, TA ? CblasTrans : CblasNoTrans,
	    TB ? CblasTrans : CblasNoTrans, M, N, K, ALPHA, A, lda, B, ldb,
	    BETA, C, ldc);
}

/* Output columns w in [*w0, *w1) read input column w*stride + off inside
 * [0, width); the others fall into the zero padding. */
static void
valid_range(int off, int stride, int width, int width_col, int *w0, int *w1)
{
	int a = 0, b;

	if (off < 0)
		a = (-off + stride - 1) / stride;
	b = width - off <= 0 ? 0 : (width - off - 1) / stride + 1;
	if (b > width_col)
		b = width_col;
	if (a > b)
		a = b;
	*w0 = a;
	*w1 = b;
}

void
im2col_cpu(float *data_im, int channels, int height, int width,
    int ksize, int stride, int pad, float *data_col)
{
	int height_col = (height + 2 * pad - ksize) / stride + 1;
	int width_col = (width + 2 * pad - ksize) / stride + 1;

	if (stock)
		PASS_ON("im2col_cpu", col_fn, data_im, channels, height, width, ksize, stride,
		    pad, data_col);
	for (int c = 0; c < channels * ksize * ksize; c++) {
		int kw = c % ksize, kh = (c / ksize) % ksize, ci = c / ksize / ksize;
		const float *plane = data_im + (size_t)ci * height * width;
		int w0, w1;

		valid_range(kw - pad, stride, width, width_col, &w0, &w1);
		for (int h = 0; h < height_col; h++) {
			float *out = data_col + ((size_t)c * height_col + h) * width_col;
			int row = kh + h * stride - pad;
			const float *in;

			if (row < 0 || row >= height) {
				memset(out, 0, (size_t)width_col * sizeof *out);
				continue;
			}
			in = plane + (size_t)row * width + (kw - pad);
			for (int w = 0; w < w0; w++)
				out[w] = 0;
			if (stride == 1)
				memcpy(out + w0, in + w0, (size_t)(w1 - w0) * sizeof *out);
			else
				for (int w = w0; w < w1; w++)
					out[w] = in[w * stride];
			for (int w = w1; w < width_col; w++)
				out[w] = 0;
		}
	}
}

void
col2im_cpu(float *data_col, int channels, int height, int width,
    int ksize, int stride, int pad, float *data_im)
{
	int height_col = (height + 2 * pad - ksize) / stride + 1;
	int width_col = (width + 2 * pad - ksize) / stride + 1;

	if (stock)
		PASS_ON("col2im_cpu", col_fn, data_col, channels, height, width, ksize, stride,
		    pad, data_im);
	for (int c = 0; c < channels * ksize * ksize; c++) {
		int kw = c % ksize, kh = (c / ksize) % ksize, ci = c / ksize / ksize;
		float *plane = data_im + (size_t)ci * height * width;
		int w0, w1;

		valid_range(kw - pad, stride, width, width_col, &w0, &w1);
		for (int h = 0; h < height_col; h++) {
			const float *col = data_col + ((size_t)c * height_col + h) * width_col;
			int row = kh + h * stride - pad;
			float *out;

			if (row < 0 || row >= height)
				continue;
			out = plane + (size_t)row * width + (kw - pad);
			if (stride == 1)
				for (int w = w0; w < w1; w++)
					out[w] += col[w];
			else
				for (int w = w0; w < w1; w++)
					out[w * stride] += col[w];
		}
	}
}

typedef void (*act_fn)(float *, const int, const int);
typedef void (*grad_fn)(const float *, const int, const int, float *);

void
activate_array(float *x, const int n, const int a)
{
	static act_fn next;

	if (a == BG_LINEAR)
		return;
	if (a == BG_LEAKY && !stock) {
		for (int i = 0; i < n; i++)
			x[i] = x[i] > 0 ? x[i] : (float)(.1 * x[i]);
		return;
	}
	if (next == NULL)
		*(void **)&next = dlsym(RTLD_NEXT, "activate_array");
	if (next != NULL)
		next(x, n, a);
}

void
gradient_array(const float *x, const int n, const int a, float *delta)
{
	static grad_fn next;

	if (a == BG_LINEAR)
		return;
	if (a == BG_LEAKY && !stock) {
		for (int i = 0; i < n; i++)
			delta[i] *= x[i] > 0 ? 1.0f : (float).1;
		return;
	}
	if (next == NULL)
		*(void **)&next = dlsym(RTLD_NEXT, "gradient_array");
	if (next != NULL)
		next(x, n, a, delta);
}

void
normalize_cpu(float *x, float *mean, float *variance, int batch,
    int filters, int spatial)
{
	if (stock)
		PASS_ON("normalize_cpu", norm_fn, x, mean, variance, batch, filters, spatial);
	for (int b = 0; b < batch; b++)
		for (int f = 0; f < filters; f++) {
			double den = sqrt(variance[f]) + .000001f;
			float m = mean[f], *p = x + ((size_t)b * filters + f) * spatial;

			for (int i = 0; i < spatial; i++)
				p[i] = (float)((p[i] - m) / den);
		}
}

void
variance_cpu(float *x, float *mean, int batch, int filters, int spatial,
    float *variance)
{
	float scale = 1. / (batch * spatial - 1);

	if (stock)
		PASS_ON("variance_cpu", var_fn, x, mean, batch, filters, spatial, variance);

	for (int f = 0; f < filters; f++) {
		float v = 0, m = mean[f];

		for (int b = 0; b < batch; b++) {
			const float *p = x + ((size_t)b * filters + f) * spatial;

			for (int i = 0; i < spatial; i++) {
				double d = p[i] - m;

				v = (float)(v + d * d);
			}
		}
		variance[f] = v * scale;
	}
}

void
normalize_delta_cpu(float *x, float *mean, float *variance,
    float *mean_delta, float *variance_delta, int batch, int filters,
    int spatial, float *delta)
{
	int sb = spatial * batch;

	if (stock)
		PASS_ON("normalize_delta_cpu", nd_fn, x, mean, variance,
		    mean_delta, variance_delta, batch, filters, spatial, delta);

	for (int b = 0; b < batch; b++)
		for (int f = 0; f < filters; f++) {
			size_t o = ((size_t)b * filters + f) * spatial;
			double s = sqrt(variance[f] + .00001f);
			double vd2 = variance_delta[f] * 2.;
			float md = mean_delta[f] / sb, m = mean[f];

			for (int i = 0; i < spatial; i++)
				delta[o + i] = (float)(delta[o + i] * 1. / s +
				    vd2 * (x[o + i] - m) / sb + md);
		}
}
