/* blasgemm.h: route libdarknet's CPU math to OpenBLAS and faster loops */
#ifndef BV_BLASGEMM_H
#define BV_BLASGEMM_H

/*
 * Linking blasgemm.c into a program that also links libdarknet.so replaces
 * these libdarknet functions (libdarknet calls them through its PLT, so
 * the executable's definitions win).  Same signatures and results as
 * libdarknet's (im2col/col2im and the activations bit for bit; gemm to
 * float rounding); tests/test_blasgemm.c checks them against the library.
 */
extern unsigned long blasgemm_calls;      /* gemm() calls, to prove routing */

/* Set OpenBLAS's thread count (n <= 0: leave as is). */
void blasgemm_threads(int n);

/* on != 0: hand every call to libdarknet's own code, as if this file were
 * not linked (to time the stock path in the same process). */
void blasgemm_set_stock(int on);

/* C = ALPHA * op(A) * op(B) + BETA * C, row-major (darknet's gemm). */
void gemm(int TA, int TB, int M, int N, int K, float ALPHA,
    float *A, int lda, float *B, int ldb, float BETA, float *C, int ldc);

void im2col_cpu(float *data_im, int channels, int height, int width,
    int ksize, int stride, int pad, float *data_col);
void col2im_cpu(float *data_col, int channels, int height, int width,
    int ksize, int stride, int pad, float *data_im);

/* a is darknet's ACTIVATION; LEAKY and LINEAR are done here, the others
 * are passed on to libdarknet's own functions. */
void activate_array(float *x, const int n, const int a);
void gradient_array(const float *x, const int n, const int a, float *delta);

void normalize_cpu(float *x, float *mean, float *variance, int batch,
    int filters, int spatial);
void variance_cpu(float *x, float *mean, int batch, int filters, int spatial,
    float *variance);
void normalize_delta_cpu(float *x, float *mean, float *variance,
    float *mean_delta, float *variance_delta, int batch, int filters,
    int spatial, float *delta);

#endif
