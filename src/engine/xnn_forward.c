/* xnn_forward.c: one forward pass of the XNNPACK engine, layer by layer */

#include "engine/engine_xnn.h"
#include "engine/xnn_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_XNNPACK

static void
load_input(struct engine_xnn *e, const float *in)
{
	size_t	 hw = (size_t)e->netw * e->neth, p;

	if (!e->int8) {
		float *d = e->b[0].p;

		for (p = 0; p < hw; p++) {
			d[3 * p] = in[p];
			d[3 * p + 1] = in[hw + p];
			d[3 * p + 2] = in[2 * hw + p];
		}
	} else if (e->in32 != NULL) {
		float *d = e->in32;

		for (p = 0; p < hw; p++) {
			d[3 * p] = in[p];
			d[3 * p + 1] = in[hw + p];
			d[3 * p + 2] = in[2 * hw + p];
		}
	} else {
		int8_t *d = e->b[0].p;

		size_t	 c;
		float	 v;

		/* scale 1/255, zero point -128: 8-bit pixels exactly */
		for (c = 0; c < 3; c++)
			for (p = 0; p < hw; p++) {
				v = in[c * hw + p] * 255.0f + .5f;
				v = v < 0 ? 0 : v > 255 ? 255 : v;
				d[3 * p + c] = (int8_t)((int)v - 128);
			}
	}
}

float *
engine_xnn_input_hwc(struct engine_xnn *e)
{
	return !e->int8 ? e->b[0].p : e->in32;
}

/* darknet's softmax() (temperature 1), its double exp() included. */
static void
softmax_forward(const float *in, float *out, size_t n)
{
	float	 largest = -INFINITY, sum = 0, v;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (in[i] > largest)
			largest = in[i];
	for (i = 0; i < n; i++) {
		v = (float)exp((double)(in[i] - largest));
		sum += v;
		out[i] = v;
	}
	for (i = 0; i < n; i++)
		out[i] /= sum;
}

static void
route_forward(struct engine_xnn *e, struct xlayer *x)
{
	struct xlayer	*y;
	struct loc	 o;
	int		 k;

	for (k = 0; k < x->nin; k++) {
		if (!x->copy[k])
			continue;
		y = &e->l[x->ins[k]];
		o = x->out;
		o.off += x->inoff[k];
		xe_lut_move(e, xe_loc_ptr(e, &y->out), y->out.stride, &o,
		    (size_t)y->oc, e->int8 ? x->lut + 256 * k : NULL, x->ow,
		    x->oh);
	}
}

/*
 * The profile's clock: with one thread (the pool runs every task on the
 * caller) this thread's CPU time, which a busy machine does not inflate;
 * with more, the wall clock.
 */
static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(pthreadpool_get_threads_count(xe_pool) <= 1 ?
	    CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
engine_xnn_layers(const struct engine_xnn *e)
{
	return e->nl;
}

void
engine_xnn_profile(struct engine_xnn *e, double *ms)
{
	e->prof = ms;
}

/* One convolution: its operators, then its output moved into place. */
static int
conv_forward(struct engine_xnn *e, struct xlayer *x)
{
	int	 k;

	if (x->f32head && xnn_run_operator(x->aux, xe_pool) !=
	    xnn_status_success)
		return -1;
	if (x->qc != NULL)
		xe_qconv_run(x);
	else if (xnn_run_operator(x->op, xe_pool) != xnn_status_success)
		return -1;
	for (k = 0; k < x->nmore; k++)
		if (xnn_run_operator(x->more[k], xe_pool) != xnn_status_success)
			return -1;
	if (e->calib)
		xe_range_of(e, &x->out, (size_t)x->ow * x->oh, (size_t)x->oc,
		    &x->pre_lo, &x->pre_hi);
	if (x->f32in)
		xe_requant_move(e, x, e->scratchf, 0, 0);
	else if (x->via_scratch && xe_lut_fast())
		xe_lut_move(e, e->scratch8, (size_t)x->oc, &x->out,
		    (size_t)x->oc, x->lut, x->ow, x->oh);
	else if (x->via_scratch)	/* the same values */
		xe_requant_move(e, x, e->scratch8, x->pre_scale, x->pre_zp);
	else if (x->aux != NULL && !x->f32head &&
	    xnn_run_operator(x->aux, xe_pool) != xnn_status_success)
		return -1;
	return 0;
}

static int
layer_forward(struct engine_xnn *e, struct xlayer *x)
{
	struct loc	 in = xe_in_loc(e, x);

	switch (x->type) {
	case XL_CONV:
		return conv_forward(e, x);
	case XL_MAXPOOL:
		if (xnn_run_operator(x->op, xe_pool) != xnn_status_success)
			return -1;
		if (x->via_scratch)
			xe_lut_move(e, e->scratch8, (size_t)x->oc, &x->out,
			    (size_t)x->oc, x->lut, x->ow, x->oh);
		return 0;
	case XL_UPSAMPLE:
		xe_upsample(e, x);
		return 0;
	case XL_ROUTE:
		route_forward(e, x);
		return 0;
	case XL_AVGPOOL:
		return xnn_run_operator(x->op, xe_pool) != xnn_status_success ?
		    -1 : 0;
	case XL_SOFTMAX:
		softmax_forward(xe_loc_ptr(e, &in), xe_loc_ptr(e, &x->out),
		    (size_t)x->c);
		return 0;
	case XL_SHORTCUT:
		xe_shortcut(e, x);
		return 0;
	default:
		return 0;
	}
}

int
engine_xnn_forward(struct engine_xnn *e, const float *input)
{
	struct xlayer	*x;
	struct loc	 tmp;
	double		 t0 = 0, t1;
	int		 i;

	if (e->prof != NULL)
		t0 = now_ms();
	if (input != NULL)
		load_input(e, input);
	for (i = 0; i < e->nl; i++) {
		if (e->prof != NULL && i > 0) {
			t1 = now_ms();
			e->prof[i - 1] += t1 - t0;
			t0 = t1;
		}
		x = &e->l[i];
		if (layer_forward(e, x) == -1)
			return -1;
		if (e->calib && x->type != XL_YOLO) {
			tmp = x->out;
			xe_range_of(e, &tmp, (size_t)x->ow * x->oh,
			    (size_t)x->oc, &x->out_lo, &x->out_hi);
		}
	}
	if (e->prof != NULL)
		e->prof[e->nl - 1] += now_ms() - t0;
	return 0;
}

#endif /* HAVE_XNNPACK */
