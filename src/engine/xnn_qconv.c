/* xnn_qconv.c: our int8 convolution (qgemm.h) on the layers where it is faster */
/*
 * The rule, decided at load per layer: an int8 convolution with one group
 * and input channels a multiple of 4 (all but the first layer here) is
 * built on our kernel too, on its real buffers; both are run 5 times,
 * alternating, and the faster (best of 5, wall clock) is kept, the other
 * deleted.  BV_QGEMM=off keeps XNNPACK everywhere, BV_QGEMM=on takes
 * ours wherever it can run (tests compare both against darknet),
 * BV_QGEMM=avx2 or c takes ours on that path.  Otherwise the kernel's
 * path (VNNI, AVX2, C) is the CPU's best (qgemm_best_path()).
 */

#include "engine/engine_xnn.h"
#include "engine/xnn_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_XNNPACK

#define QC_TRIES	5

static void
qc_task(void *ctx, size_t t)
{
	const struct xlayer *x = ctx;

	qconv_run_tile(x->qc, x->qc_in, x->qc_out, t);
}

void
xe_qconv_run(const struct xlayer *x)
{
	pthreadpool_parallelize_1d(xe_pool, qc_task, (void *)x,
	    qconv_tiles(x->qc), 0);
}

static double
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One run of x's XNNPACK operators (ms); a huge time if one fails. */
static double
time_xnn(const struct xlayer *x)
{
	double	 t = wall_ms();
	int	 k;

	if (xnn_run_operator(x->op, xe_pool) != xnn_status_success)
		return 1e9;
	for (k = 0; k < x->nmore; k++)
		if (xnn_run_operator(x->more[k], xe_pool) != xnn_status_success)
			return 1e9;
	return wall_ms() - t;
}

static double
time_own(const struct xlayer *x)
{
	double	 t = wall_ms();

	xe_qconv_run(x);
	return wall_ms() - t;
}

/* 1 when ours is the faster on x (best of QC_TRIES each, alternating). */
static int
own_faster(const struct xlayer *x)
{
	double	 bx = 1e18, bo = 1e18, t;
	int	 i;

	for (i = 0; i < QC_TRIES; i++) {
		if ((t = time_xnn(x)) < bx)
			bx = t;
		if ((t = time_own(x)) < bo)
			bo = t;
	}
	return bo < bx;
}

static int
mode_off(void)
{
	const char	*mode = getenv("BV_QGEMM");

	return mode != NULL && strcmp(mode, "off") == 0;
}

/* BV_QGEMM=avx2 or c: ours on that path, forced (for benchmarks). */
static enum qgemm_path
mode_path(const char *mode)
{
	if (mode != NULL && strcmp(mode, "avx2") == 0)
		return QGEMM_AVX2;
	if (mode != NULL && strcmp(mode, "c") == 0)
		return QGEMM_C;
	return qgemm_best_path();
}

void
xe_qconv_choose(struct engine_xnn *e, struct xlayer *x, const layer *l,
    const struct qconv_args *a)
{
	const char	*mode = getenv("BV_QGEMM");
	struct loc	 in = xe_in_loc(e, x);
	struct qconv_shape s;
	int		 k;

	/* the C path (arm64, x86 without AVX2) is ~20x XNNPACK: not tried
	 * unless asked for */
	if (mode_off() || l->groups != 1 || x->c % 4 != 0 ||
	    (mode == NULL && mode_path(mode) == QGEMM_C))
		return;
	memset(&s, 0, sizeof(s));
	s.h = x->h;
	s.w = x->w;
	s.c = x->c;
	s.oh = x->oh;
	s.ow = x->ow;
	s.oc = x->oc;
	s.k = l->size;
	s.stride = l->stride;
	s.pad = l->pad;
	s.in_stride = in.stride;
	s.out_stride = a->out_stride;
	if ((x->qc = qconv_new(&s, a->w, a->b, a->ks, a->si, a->zi, a->so,
	    a->zo, a->omin, mode_path(mode))) == NULL)
		return;
	x->qc_in = xe_loc_ptr(e, &in);
	x->qc_out = a->dst;
	if ((mode == NULL || strcmp(mode, "on") != 0) && mode_path(mode) ==
	    qgemm_best_path() && !own_faster(x)) {
		qconv_free(x->qc);
		x->qc = NULL;
		return;
	}
	xnn_delete_operator(x->op);
	x->op = NULL;
	for (k = 0; k < x->nmore; k++)
		xnn_delete_operator(x->more[k]);
	x->nmore = 0;
	e->nown++;
}

int
engine_xnn_own_convs(const struct engine_xnn *e)
{
	return e->nown;
}

#endif /* HAVE_XNNPACK */
