/* xnn_qconv.c: our int8 convolution (qgemm.h) for XNNPACK's, by a fixed rule */
/*
 * The rule, a fixed one (the same bytes on every run of a machine): an
 * int8 convolution with one group and input channels a multiple of 4 (all
 * but the first layer here) runs on our kernel where the CPU has its VNNI
 * path, XNNPACK's qc8 elsewhere.  Measured on models/v3, 1 thread: with
 * VNNI each of the 13 such layers was faster on ours (a load-time
 * timing, best of 5 alternated runs, picked ours for all 13 in every
 * run), the forward 4.4 against 11.7 ms; forced on the AVX2 path the
 * forward took 21.3 ms, on the C path 223 ms (models/README.md).
 * BV_QGEMM=off keeps XNNPACK everywhere, on takes ours (the CPU's best
 * path) wherever it can run, avx2 or c ours on that path: for tests (they
 * compare both against darknet) and benchmarks.
 */

#include "engine/engine_xnn.h"
#include "engine/xnn_internal.h"

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_XNNPACK

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

	if (mode != NULL && strcmp(mode, "on") != 0 && strcmp(mode, "avx2") !=
	    0 && strcmp(mode, "c") != 0)
		mode = NULL;		/* unset, off or unknown: the rule */
	if (mode_off() || l->groups != 1 || x->c % 4 != 0 ||
	    (mode == NULL && qgemm_best_path() != QGEMM_VNNI))
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
