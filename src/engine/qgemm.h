/* qgemm.h: our int8 convolution (direct GEMM over NHWC), C, AVX2 and VNNI */
#ifndef BV_QGEMM_H
#define BV_QGEMM_H

#include "engine/qgemm_paths.h"

#include <stddef.h>
#include <stdint.h>

/*
 * An int8 convolution, groups 1, NHWC in and out at pixel strides, as
 * XNNPACK's qc8 operator computes it: input int8 with one scale and zero
 * point (si, zi), weights int8 per output channel (scale ks[f], symmetric),
 * int32 biases in units of si * ks[f]; each output is
 *   q = clamp(rint(min(max(acc * mul[f], -1024), 1024)) + zo, omin, 127)
 * with acc = bias + the sum of (x - zi) * w and mul[f] = si * ks[f] / so,
 * padding reading zi (a real zero).  The kernel is a GEMM walking the
 * input in place (pixels x (kh, kw, c)), no im2col: the input channels
 * must be a multiple of 4.  The paths give the same bytes: the int32 sum
 * is exact in each and the requantisation is the same float steps.
 *
 * Paths are chosen at run time from the CPU (never from the build
 * machine's): VNNI (AVX-512 vpdpbusd), AVX2 (16-bit products, vpmaddwd),
 * or the portable C loop.  The types (enum qgemm_path, struct
 * qconv_shape) are in qgemm_paths.h.
 */

/* Pixels per task of qconv_run_tile(). */
#define QCONV_TILE	64

/* The best path this CPU runs; 1 if path runs here. */
enum qgemm_path	 qgemm_best_path(void);
int		 qgemm_path_ok(enum qgemm_path);
const char	*qgemm_path_name(enum qgemm_path);

/*
 * The convolution of shape s with weights w (OHWI: oc x k x k x c), biases
 * b (oc), weight scales ks (oc); input (si, zi), output (so, zo), lowest
 * output omin; path (QGEMM_* that qgemm_path_ok()).  NULL: out of memory,
 * a shape it does not take (c % 4, an empty one) or a path not here.  The
 * caller frees it with qconv_free(); w, b, ks are copied.
 */
struct qconv	*qconv_new(const struct qconv_shape *s, const int8_t *w,
		    const int32_t *b, const float *ks, float si, int zi,
		    float so, int zo, int omin, enum qgemm_path path);
void		 qconv_free(struct qconv *);

/* Tasks of QCONV_TILE output pixels; task t of in -> out (any thread). */
size_t		 qconv_tiles(const struct qconv *);
void		 qconv_run_tile(const struct qconv *, const int8_t *in,
		    int8_t *out, size_t t);
/* The whole convolution on the calling thread. */
void		 qconv_run(const struct qconv *, const int8_t *in,
		    int8_t *out);

/* One output value from its int32 sum (the rule above). */
int8_t		 qgemm_requant(int32_t acc, float mul, int zo, int omin);

#endif /* BV_QGEMM_H */
