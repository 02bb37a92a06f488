/* engine_xnn.c: a Darknet YOLO network run on XNNPACK operators (fp32, int8) */
/*
 * The network is still read by libdarknet (cfg + weights); this file maps
 * its layers once, at load, onto XNNPACK's NHWC operator API and then
 * never calls darknet again.  Design:
 *
 * - Every layer's output lives at a "loc": a buffer, a channel offset and
 *   a pixel stride.  A route with several inputs owns one buffer and its
 *   inputs are placed into it at their channel offsets, so producers write
 *   the concatenation directly (XNNPACK takes pixel strides on input and
 *   output); a route with one input is an alias; only an input that is
 *   already placed elsewhere is copied.  Every operator is created and set
 *   up at load on fixed buffers: a forward is a row of xnn_run_operator().
 * - Convolutions take batch-norm folded in at load, with darknet's own
 *   formula (x - mean) / (sqrt(var) + 1e-6) * scale + bias.  Leaky ReLU
 *   (slope 0.1, darknet's) is XNNPACK's leaky op in place on the output;
 *   ReLU is the convolution's output clamp.
 * - Classifiers: darknet's (global) avgpool is XNNPACK's global average
 *   pooling, a last one-group softmax is darknet's loop (fp32 engine only;
 *   engine_xnn_result() reads it).
 * - Upsample (nearest, times darknet's scale) and shortcut are our loops,
 *   spread on the same thread pool; so is the yolo decode, which follows
 *   darknet's get_yolo_detections() and do_nms_sort() step by step.
 * - int8: per-output-channel symmetric weights (XNNPACK "qc8"), per-tensor
 *   asymmetric activations from ranges calibrated on fp32 forwards of
 *   training images (engine_xnn_calib_*).  All inputs of a route share its
 *   buffer's quantisation.  A leaky convolution writes its pre-activation
 *   range to scratch and one vectorised pass (leaky + requantise) moves it
 *   to its place.  The first convolution (3 input channels, a slow qc8
 *   case) runs in fp32 and that pass quantises its output; the ones
 *   feeding a yolo layer run in fp32 on a dequantised input, as box
 *   coordinates and logits need the precision and those layers cost
 *   little.  Max-pool, upsample and route copies between buffers of
 *   different quantisation go through 256-entry tables.  A shortcut is one
 *   pass over both inputs' int8 values (their real sum, activated,
 *   requantised to its buffer): XNNPACK's add_nd_qs8 takes dense tensors
 *   only, and a shortcut's input may sit in a route's buffer at a stride.
 *
 * One pthreadpool and one xnn_initialize() per process, shared by every
 * engine (reference counted).
 */

#include "engine/engine_xnn.h"

#include <darknet.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_XNNPACK

#include <pthreadpool.h>
#include <xnnpack.h>

#define ROUTE_MAX	16
#define CHUNK_MAX	16
/* Packed weights per convolution operator: see conv_chunks() */
#define CHUNK_BYTES	(1024 * 1024)
#define CALIB_MAGIC	"bloodview-int8-calibration 1"

enum xl_type { XL_CONV, XL_MAXPOOL, XL_UPSAMPLE, XL_ROUTE, XL_SHORTCUT,
	XL_YOLO, XL_AVGPOOL, XL_SOFTMAX };
enum xl_act { XA_LINEAR, XA_LEAKY, XA_RELU };

struct loc {
	int	 buf;
	size_t	 off, stride;		/* elements */
};

struct xbuf {
	void	*p;
	size_t	 elems;
	int	 f32;			/* int8 engine: holds floats */
	float	 scale;			/* int8 quantisation */
	int	 zp;
};

struct xlayer {
	int		 type, act, dn;		/* dn: darknet layer index */
	int		 w, h, c, ow, oh, oc;
	int		 src;			/* input layer, -1: network input */
	struct loc	 out;
	xnn_operator_t	 op, aux;
	xnn_operator_t	 more[CHUNK_MAX];	/* conv: output-channel chunks
						 * after op's */
	int		 nmore;
	/* int8 */
	int		 f32head;		/* conv feeding yolo: fp32 */
	int		 f32in;			/* first conv: fp32, quantised out */
	int		 via_scratch;		/* op writes scratch, lut moves */
	float		 pre_scale;
	int		 pre_zp;
	int8_t		*lut;			/* 256 per input */
	/* upsample */
	int		 up;
	float		 upscale;
	/* route */
	int		 nin, ins[ROUTE_MAX], copy[ROUTE_MAX];
	size_t		 inoff[ROUTE_MAX];
	/* shortcut */
	int		 from;
	float		 alpha, beta;
	/* yolo */
	int		 n, classes, mask[ROUTE_MAX];
	float		 anchors[2 * ROUTE_MAX];
	/* calibration: pre-activation and output ranges */
	float		 pre_lo, pre_hi, out_lo, out_hi;
};

struct engine_xnn {
	int		 int8, calib;
	int		 netw, neth;
	int		 nl, nbuf;
	struct xlayer	*l;
	struct xbuf	*b;
	int8_t		*scratch8;
	float		*scratchf;
	float		*in32;			/* int8 engine: fp32 NHWC input */
	size_t		 nscratch8, nscratchf;
	double		*prof;			/* ms per layer, or NULL */
};

static pthreadpool_t	pool;
static int		pool_refs;

static const char *const type_names[] = {
	"convolutional", "deconvolutional", "connected", "maxpool", "softmax",
	"detection", "dropout", "crop", "route", "cost", "normalization",
	"avgpool", "local", "shortcut", "active", "rnn", "gru", "lstm",
	"crnn", "batchnorm", "network", "xnor", "region", "yolo", "iseg",
	"reorg", "upsample", "logxent", "l2norm", "blank"
};

static const char *
type_name(int t)
{
	if (t >= 0 && (size_t)t < sizeof(type_names) / sizeof(type_names[0]))
		return type_names[t];
	return "unknown";
}

int
engine_xnn_available(void)
{
	return 1;
}

static int
pool_get(int threads, char *err, size_t errsz)
{
	enum xnn_status	 st;

	if (pool_refs++ > 0)
		return 0;
	if ((st = xnn_initialize(NULL)) != xnn_status_success) {
		snprintf(err, errsz, "xnnpack: initialisation failed (status "
		    "%d%s)", (int)st, st == xnn_status_unsupported_hardware ?
		    ", unsupported CPU" : "");
		pool_refs = 0;
		return -1;
	}
	if ((pool = pthreadpool_create(threads > 0 ? (size_t)threads : 1))
	    == NULL) {
		snprintf(err, errsz, "xnnpack: cannot create the thread pool");
		xnn_deinitialize();
		pool_refs = 0;
		return -1;
	}
	return 0;
}

static void
pool_put(void)
{
	if (pool_refs == 0 || --pool_refs > 0)
		return;
	pthreadpool_destroy(pool);
	pool = NULL;
	xnn_deinitialize();
}

static void *
loc_ptr(const struct engine_xnn *e, const struct loc *o)
{
	const struct xbuf *b = &e->b[o->buf];

	return (char *)b->p + o->off * (b->f32 || !e->int8 ? 4 : 1);
}

static int
add_buf(struct engine_xnn *e, size_t elems, int f32)
{
	struct xbuf	*nb;

	if ((nb = realloc(e->b, (size_t)(e->nbuf + 1) * sizeof(*nb))) == NULL)
		return -1;
	e->b = nb;
	memset(&nb[e->nbuf], 0, sizeof(*nb));
	nb[e->nbuf].elems = elems;
	nb[e->nbuf].f32 = f32;
	return e->nbuf++;
}

/* ---- reading darknet's network --------------------------------------- */

static int
read_layers(struct engine_xnn *e, network *net, char *err, size_t errsz)
{
	struct xlayer	*x;
	layer		*l;
	int		 i, k;

	for (i = 0; i < net->n; i++) {
		l = &net->layers[i];
		x = &e->l[i];
		x->dn = i;
		x->src = i - 1;
		x->w = l->w;
		x->h = l->h;
		x->c = l->c;
		x->ow = l->out_w;
		x->oh = l->out_h;
		x->oc = l->out_c;
		switch (l->type) {
		case CONVOLUTIONAL:
			x->type = XL_CONV;
			if (l->binary || l->xnor) {
				snprintf(err, errsz, "layer %d (convolutional):"
				    " binary/xnor weights are not supported by "
				    "the xnnpack engine", i);
				return -1;
			}
			if (l->activation == LEAKY)
				x->act = XA_LEAKY;
			else if (l->activation == RELU)
				x->act = XA_RELU;
			else if (l->activation == LINEAR)
				x->act = XA_LINEAR;
			else {
				snprintf(err, errsz, "layer %d (convolutional):"
				    " activation %d is not supported by the "
				    "xnnpack engine (linear, leaky, relu)", i,
				    (int)l->activation);
				return -1;
			}
			if (l->groups < 1 || l->c % l->groups != 0 ||
			    l->n % l->groups != 0) {
				snprintf(err, errsz, "layer %d (convolutional):"
				    " bad groups %d", i, l->groups);
				return -1;
			}
			break;
		case MAXPOOL:
			x->type = XL_MAXPOOL;
			if (l->size < 1 || l->stride < 1 || l->pad < 0 ||
			    l->size * l->size < 2) {
				snprintf(err, errsz, "layer %d (maxpool): size "
				    "%d stride %d not supported by the xnnpack "
				    "engine", i, l->size, l->stride);
				return -1;
			}
			break;
		case UPSAMPLE:
			x->type = XL_UPSAMPLE;
			if (l->reverse || l->stride < 1) {
				snprintf(err, errsz, "layer %d (upsample): "
				    "downsampling is not supported by the "
				    "xnnpack engine", i);
				return -1;
			}
			x->up = l->stride;
			x->upscale = l->scale;
			break;
		case ROUTE:
			x->type = XL_ROUTE;
			if (l->n < 1 || l->n > ROUTE_MAX) {
				snprintf(err, errsz, "layer %d (route): %d "
				    "inputs", i, l->n);
				return -1;
			}
			x->nin = l->n;
			for (k = 0; k < l->n; k++) {
				int j = l->input_layers[k];

				if (j < 0 || j >= i || e->l[j].type == XL_YOLO
				    || e->l[j].ow != x->ow ||
				    e->l[j].oh != x->oh) {
					snprintf(err, errsz, "layer %d (route): "
					    "input layer %d cannot be "
					    "concatenated", i, j);
					return -1;
				}
				x->ins[k] = j;
				x->inoff[k] = k == 0 ? 0 : x->inoff[k - 1] +
				    (size_t)e->l[x->ins[k - 1]].oc;
			}
			x->src = x->ins[0];
			break;
		case SHORTCUT:
			x->type = XL_SHORTCUT;
			x->from = l->index;
			x->alpha = l->alpha;
			x->beta = l->beta;
			if (l->activation == LEAKY)
				x->act = XA_LEAKY;
			else if (l->activation == LINEAR)
				x->act = XA_LINEAR;
			else if (l->activation == RELU)
				x->act = XA_RELU;
			else
				x->act = -1;
			if (x->from < 0 || x->from >= i || x->act < 0 ||
			    e->l[x->from].type == XL_YOLO ||
			    e->l[x->from].ow != x->ow ||
			    e->l[x->from].oh != x->oh ||
			    e->l[x->from].oc != x->oc || x->w != x->ow ||
			    x->h != x->oh || x->c != x->oc) {
				snprintf(err, errsz, "layer %d (shortcut): only "
				    "same-shape shortcuts with a linear, leaky "
				    "or relu activation are supported by the "
				    "xnnpack engine", i);
				return -1;
			}
			break;
		case AVGPOOL:		/* darknet's is global */
			x->type = XL_AVGPOOL;
			if (x->ow != 1 || x->oh != 1 || x->oc != x->c) {
				snprintf(err, errsz, "layer %d (avgpool): "
				    "unexpected shape", i);
				return -1;
			}
			break;
		case SOFTMAX:
			x->type = XL_SOFTMAX;
			if (l->groups != 1 || l->temperature != 1 || l->w > 1
			    || l->h > 1 || i != net->n - 1) {
				snprintf(err, errsz, "layer %d (softmax): only a "
				    "last, one-group softmax of a 1x1 input is "
				    "supported by the xnnpack engine", i);
				return -1;
			}
			/* darknet gives a softmax its input's count alone */
			x->w = x->h = x->ow = x->oh = 1;
			x->c = x->oc = l->inputs;
			break;
		case YOLO:
			x->type = XL_YOLO;
			x->n = l->n;
			x->classes = l->classes;
			if (l->n < 1 || l->n > ROUTE_MAX || l->c !=
			    l->n * (l->classes + 5) || i == 0 ||
			    e->l[i - 1].type == XL_YOLO) {
				snprintf(err, errsz, "layer %d (yolo): "
				    "unexpected shape", i);
				return -1;
			}
			for (k = 0; k < l->n; k++) {
				if (l->mask[k] < 0 || l->mask[k] >= l->total) {
					snprintf(err, errsz, "layer %d (yolo): "
					    "mask %d out of range", i,
					    l->mask[k]);
					return -1;
				}
				x->mask[k] = l->mask[k];
				x->anchors[2 * k] = l->biases[2 * l->mask[k]];
				x->anchors[2 * k + 1] =
				    l->biases[2 * l->mask[k] + 1];
			}
			break;
		default:
			snprintf(err, errsz, "layer %d (%s): not supported by "
			    "the xnnpack engine", i, type_name(l->type));
			return -1;
		}
		if (i > 0 && e->l[i - 1].type == XL_YOLO && x->type != XL_ROUTE) {
			snprintf(err, errsz, "layer %d (%s): reads a yolo "
			    "layer's output, not supported by the xnnpack "
			    "engine", i, type_name(l->type));
			return -1;
		}
	}
	return 0;
}

/*
 * Decide every layer's loc: multi-input routes own a buffer and their
 * inputs are placed into it (first route wins; later ones copy).
 */
static int
plan(struct engine_xnn *e)
{
	struct xlayer	*x, *y;
	int		*placed = NULL, i, k, j, rc = -1;
	size_t		*poff = NULL;

	if (e->nl < 1 || e->nl > 100000)
		return -1;
	placed = malloc((size_t)e->nl * sizeof(*placed));
	poff = calloc((size_t)e->nl, sizeof(*poff));
	if (placed == NULL || poff == NULL)
		goto out;
	for (i = 0; i < e->nl; i++)
		placed[i] = -1;
	/* buffer 0: the network input, NHWC */
	if (add_buf(e, (size_t)e->netw * e->neth * 3, 0) == -1)
		goto out;
	for (i = 0; i < e->nl; i++) {
		x = &e->l[i];
		if (x->type != XL_ROUTE || x->nin < 2)
			continue;
		if ((x->out.buf = add_buf(e, (size_t)x->ow * x->oh * x->oc,
		    0)) == -1)
			goto out;
		x->out.off = 0;
		x->out.stride = (size_t)x->oc;
		for (k = 0; k < x->nin; k++) {
			j = x->ins[k];
			y = &e->l[j];
			if (placed[j] == -1 && y->type != XL_ROUTE &&
			    y->type != XL_YOLO && !y->f32head) {
				placed[j] = i;
				poff[j] = x->inoff[k];
			} else
				x->copy[k] = 1;
		}
	}
	for (i = 0; i < e->nl; i++) {
		x = &e->l[i];
		if (x->type == XL_ROUTE && x->nin >= 2)
			continue;
		if (x->type == XL_ROUTE || x->type == XL_YOLO) {
			x->out = e->l[x->src].out;
			continue;
		}
		if (placed[i] >= 0) {
			x->out.buf = e->l[placed[i]].out.buf;
			x->out.off = poff[i];
			x->out.stride = (size_t)e->l[placed[i]].oc;
			continue;
		}
		if ((x->out.buf = add_buf(e, (size_t)x->ow * x->oh * x->oc,
		    e->int8 && x->f32head)) == -1)
			goto out;
		x->out.off = 0;
		x->out.stride = (size_t)x->oc;
	}
	rc = 0;
out:
	free(placed);
	free(poff);
	return rc;
}

static struct loc
in_loc(const struct engine_xnn *e, const struct xlayer *x)
{
	struct loc	 in = { 0, 0, 3 };

	if (x->src >= 0)
		in = e->l[x->src].out;
	return in;
}

/* ---- int8 helpers ----------------------------------------------------- */

static void
qparams(float lo, float hi, float *scale, int *zp)
{
	long	 z;

	if (lo > 0)
		lo = 0;
	if (hi < 0)
		hi = 0;
	if (!(hi - lo >= 1e-6f))
		hi = lo + 1e-6f;
	*scale = (hi - lo) / 255.0f;
	z = lrintf(-128.0f - lo / *scale);
	*zp = z < -128 ? -128 : z > 127 ? 127 : (int)z;
}

static int8_t
quant(float v, float scale, int zp)
{
	long	 q = lrintf(v / scale) + zp;

	return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

/* Table: int8 in (si, zi) -> act(mul * x) -> int8 out (so, zo). */
static void
make_lut(int8_t *lut, float si, int zi, float so, int zo, int act, float mul)
{
	float	 v;
	int	 q;

	for (q = -128; q < 128; q++) {
		v = (float)(q - zi) * si * mul;
		if (act == XA_LEAKY && v < 0)
			v = .1f * v;
		else if (act == XA_RELU && v < 0)
			v = 0;
		lut[q + 128] = quant(v, so, zo);
	}
}

static int
same_q(const struct xbuf *a, const struct xbuf *b)
{
	return a->scale == b->scale && a->zp == b->zp;
}

/* ---- operator creation ------------------------------------------------ */

/* Folded OHWI weights and biases of conv layer l (caller frees both). */
static int
fold_conv(const layer *l, float **wout, float **bout)
{
	size_t	 gin = (size_t)(l->c / l->groups), k2 = (size_t)l->size *
	    l->size, f, ci, ky, kx;
	float	*w, *b, s;

	w = malloc((size_t)l->n * gin * k2 * sizeof(*w));
	b = malloc((size_t)l->n * sizeof(*b));
	if (w == NULL || b == NULL) {
		free(w);
		free(b);
		return -1;
	}
	for (f = 0; f < (size_t)l->n; f++) {
		s = 1;
		b[f] = l->biases[f];
		if (l->batch_normalize) {
			s = l->scales[f] / (sqrtf(l->rolling_variance[f]) +
			    .000001f);
			b[f] = l->biases[f] - l->rolling_mean[f] * s;
		}
		for (ci = 0; ci < gin; ci++)
			for (ky = 0; ky < (size_t)l->size; ky++)
				for (kx = 0; kx < (size_t)l->size; kx++)
					w[((f * l->size + ky) * l->size + kx) *
					    gin + ci] = l->weights[(f * gin +
					    ci) * k2 + ky * l->size + kx] * s;
	}
	*wout = w;
	*bout = b;
	return 0;
}

static int
xfail(enum xnn_status st, const struct xlayer *x, const char *what,
    char *err, size_t errsz)
{
	if (st == xnn_status_success)
		return 0;
	snprintf(err, errsz, "layer %d (%s): xnnpack %s failed (status %d)",
	    x->dn, type_name(x->type == XL_CONV ? CONVOLUTIONAL :
	    x->type == XL_MAXPOOL ? MAXPOOL : x->type == XL_ROUTE ? ROUTE :
	    x->type == XL_AVGPOOL ? AVGPOOL : SHORTCUT), what, (int)st);
	return -1;
}

/*
 * Output channels per operator.  XNNPACK walks a convolution's rows in
 * tiles of a few pixels and, per tile, all its output channels: every
 * tile reads all the packed weights again.  Once those outgrow the L2
 * cache (yolov3-tiny's 3x3x512x1024 layer: 19 MB in fp32, 4.7 MB in
 * int8, re-read ~40 times for 169 pixels) the layer is bound by memory,
 * not arithmetic.  Split into operators of at most CHUNK_BYTES of
 * weights each, writing their channels into the same output at its pixel
 * stride, every tile re-reads weights from L2 (half of these cores' 2 MB;
 * 192 KB-1 MB measured alike).  Each output channel's arithmetic is
 * unchanged (the shipped model's outputs stay bit for bit).  Grouped
 * convolutions stay whole.
 */
static int
conv_chunks(const layer *l, size_t esize, int *per)
{
	size_t	 bytes = (size_t)l->n * (size_t)(l->c / l->groups) * l->size *
	    l->size * esize;
	int	 n = (int)((bytes + CHUNK_BYTES - 1) / CHUNK_BYTES), c;

	if (l->groups != 1 || n <= 1) {
		*per = l->n;
		return 1;
	}
	if (n > CHUNK_MAX + 1)
		n = CHUNK_MAX + 1;
	c = (l->n + n - 1) / n;
	c = (c + 15) / 16 * 16;		/* whole 16-channel kernel tiles */
	if (c >= l->n) {
		*per = l->n;
		return 1;
	}
	*per = c;
	return (l->n + c - 1) / c;
}

static xnn_operator_t *
chunk_op(struct xlayer *x, int k)
{
	return k == 0 ? &x->op : &x->more[k - 1];
}

static int
make_conv_f32(struct engine_xnn *e, struct xlayer *x, const layer *l,
    const float *in, size_t instride, char *err, size_t errsz)
{
	enum xnn_status	 st = xnn_status_success;
	float		*w, *b, *dst = loc_ptr(e, &x->out);
	uint32_t	 p = (uint32_t)l->pad;
	size_t		 per = (size_t)(l->c / l->groups) * l->size * l->size;
	int		 k, nk, cper, c0, nc;

	if (fold_conv(l, &w, &b) == -1) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	nk = conv_chunks(l, sizeof(float), &cper);
	for (k = 0; k < nk && st == xnn_status_success; k++) {
		c0 = k * cper;
		nc = l->n - c0 < cper ? l->n - c0 : cper;
		st = xnn_create_convolution2d_nhwc_f32(p, p, p, p,
		    (uint32_t)l->size, (uint32_t)l->size, (uint32_t)l->stride,
		    (uint32_t)l->stride, 1, 1, (uint32_t)l->groups,
		    (size_t)(l->c / l->groups), nk > 1 ? (size_t)nc :
		    (size_t)(l->n / l->groups), instride, x->out.stride,
		    w + (size_t)c0 * per, b + c0, x->act == XA_RELU ? 0.0f :
		    -INFINITY, INFINITY, 0, chunk_op(x, k));
		if (st != xnn_status_success)
			break;
		x->nmore = k;
		st = xnn_setup_convolution2d_nhwc_f32(*chunk_op(x, k), 1,
		    (size_t)x->h, (size_t)x->w, in, dst + c0, pool);
	}
	free(w);
	free(b);
	if (xfail(st, x, "convolution", err, errsz) == -1)
		return -1;
	if (x->act == XA_LEAKY) {
		st = xnn_create_leaky_relu_nc_f32((size_t)x->oc,
		    x->out.stride, x->out.stride, .1f, 0, &x->aux);
		if (xfail(st, x, "leaky relu", err, errsz) == -1)
			return -1;
		st = xnn_setup_leaky_relu_nc_f32(x->aux, (size_t)x->ow * x->oh,
		    loc_ptr(e, &x->out), loc_ptr(e, &x->out), pool);
		if (xfail(st, x, "leaky relu setup", err, errsz) == -1)
			return -1;
	}
	return 0;
}

/* int8 engine, first layer: fp32 conv of in32 into scratchf. */
static int
make_conv_f32in(struct engine_xnn *e, struct xlayer *x, const layer *l,
    char *err, size_t errsz)
{
	enum xnn_status	 st;
	float		*w, *b;
	uint32_t	 p = (uint32_t)l->pad;

	if (fold_conv(l, &w, &b) == -1) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	st = xnn_create_convolution2d_nhwc_f32(p, p, p, p, (uint32_t)l->size,
	    (uint32_t)l->size, (uint32_t)l->stride, (uint32_t)l->stride, 1, 1,
	    (uint32_t)l->groups, (size_t)(l->c / l->groups),
	    (size_t)(l->n / l->groups), 3, (size_t)x->oc, w, b, -INFINITY,
	    INFINITY, 0, &x->op);
	free(w);
	free(b);
	if (xfail(st, x, "convolution", err, errsz) == -1)
		return -1;
	st = xnn_setup_convolution2d_nhwc_f32(x->op, 1, (size_t)x->h,
	    (size_t)x->w, e->in32, e->scratchf, pool);
	return xfail(st, x, "convolution setup", err, errsz);
}

static int
make_conv_qc8(struct engine_xnn *e, struct xlayer *x, const layer *l,
    char *err, size_t errsz)
{
	struct loc	 in = in_loc(e, x);
	const struct xbuf *bi = &e->b[in.buf], *bo = &e->b[x->out.buf];
	enum xnn_status	 st;
	size_t		 per, f, k;
	float		*w = NULL, *b = NULL, *ks = NULL, m, os;
	int8_t		*wq = NULL, omin;
	int32_t		*bq = NULL;
	int		 ozp, rc = -1, q, nk, cper, c0, nc;
	uint32_t	 p = (uint32_t)l->pad;
	void		*dst;

	if (fold_conv(l, &w, &b) == -1)
		goto oom;
	per = (size_t)(l->c / l->groups) * l->size * l->size;
	ks = malloc((size_t)l->n * sizeof(*ks));
	wq = malloc((size_t)l->n * per);
	bq = malloc((size_t)l->n * sizeof(*bq));
	if (ks == NULL || wq == NULL || bq == NULL)
		goto oom;
	for (f = 0; f < (size_t)l->n; f++) {
		m = 0;
		for (k = 0; k < per; k++)
			m = fmaxf(m, fabsf(w[f * per + k]));
		ks[f] = m > 0 ? m / 127.0f : 1.0f;
		for (k = 0; k < per; k++)
			wq[f * per + k] = (int8_t)lrintf(w[f * per + k] /
			    ks[f]);
		bq[f] = (int32_t)lrint((double)b[f] /
		    ((double)bi->scale * ks[f]));
	}
	/* leaky: pre-activation range to scratch, then the table */
	x->via_scratch = x->act == XA_LEAKY;
	if (x->via_scratch) {
		qparams(x->pre_lo, x->pre_hi, &x->pre_scale, &x->pre_zp);
		os = x->pre_scale;
		ozp = x->pre_zp;
		dst = e->scratch8;
	} else {
		os = bo->scale;
		ozp = bo->zp;
		dst = loc_ptr(e, &x->out);
	}
	omin = x->act == XA_RELU ? (int8_t)ozp : -128;
	nk = conv_chunks(l, 1, &cper);
	for (q = 0; q < nk; q++) {
		c0 = q * cper;
		nc = l->n - c0 < cper ? l->n - c0 : cper;
		st = xnn_create_convolution2d_nhwc_qc8(p, p, p, p,
		    (uint32_t)l->size, (uint32_t)l->size, (uint32_t)l->stride,
		    (uint32_t)l->stride, 1, 1, (uint32_t)l->groups,
		    (size_t)(l->c / l->groups), nk > 1 ? (size_t)nc :
		    (size_t)(l->n / l->groups), in.stride,
		    x->via_scratch ? (size_t)x->oc : x->out.stride,
		    (int8_t)bi->zp, bi->scale, ks + c0, wq + (size_t)c0 * per,
		    bq + c0, (int8_t)ozp, os, omin, 127, 0, chunk_op(x, q));
		if (xfail(st, x, "qc8 convolution", err, errsz) == -1)
			goto out;
		x->nmore = q;
		st = xnn_setup_convolution2d_nhwc_qc8(*chunk_op(x, q), 1,
		    (size_t)x->h, (size_t)x->w, loc_ptr(e, &in),
		    (int8_t *)dst + c0, pool);
		if (xfail(st, x, "qc8 convolution setup", err, errsz) == -1)
			goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errsz, "out of memory");
out:
	free(w);
	free(b);
	free(ks);
	free(wq);
	free(bq);
	return rc;
}

static int
make_maxpool(struct engine_xnn *e, struct xlayer *x, const layer *l,
    char *err, size_t errsz)
{
	struct loc	 in = in_loc(e, x);
	enum xnn_status	 st;
	uint32_t	 t = (uint32_t)(l->pad / 2), bo = (uint32_t)(l->pad -
	    l->pad / 2), s = (uint32_t)l->size, str = (uint32_t)l->stride;

	if (!e->int8) {
		st = xnn_create_max_pooling2d_nhwc_f32(t, bo, bo, t, s, s, str,
		    str, 1, 1, (size_t)x->c, in.stride, x->out.stride,
		    -INFINITY, INFINITY, 0, &x->op);
		if (xfail(st, x, "max pooling", err, errsz) == -1)
			return -1;
		st = xnn_setup_max_pooling2d_nhwc_f32(x->op, 1, (size_t)x->h,
		    (size_t)x->w, loc_ptr(e, &in), loc_ptr(e, &x->out), pool);
		return xfail(st, x, "max pooling setup", err, errsz);
	}
	x->via_scratch = !same_q(&e->b[in.buf], &e->b[x->out.buf]);
	if (x->via_scratch) {
		if ((x->lut = malloc(256)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		make_lut(x->lut, e->b[in.buf].scale, e->b[in.buf].zp,
		    e->b[x->out.buf].scale, e->b[x->out.buf].zp, XA_LINEAR, 1);
	}
	st = xnn_create_max_pooling2d_nhwc_s8(t, bo, bo, t, s, s, str, str,
	    1, 1, (size_t)x->c, in.stride, x->via_scratch ? (size_t)x->oc :
	    x->out.stride, -128, 127, 0, &x->op);
	if (xfail(st, x, "s8 max pooling", err, errsz) == -1)
		return -1;
	st = xnn_setup_max_pooling2d_nhwc_s8(x->op, 1, (size_t)x->h,
	    (size_t)x->w, loc_ptr(e, &in), x->via_scratch ? (void *)e->scratch8
	    : loc_ptr(e, &x->out), pool);
	return xfail(st, x, "s8 max pooling setup", err, errsz);
}

/* Copies into a route's buffer (inputs placed elsewhere): int8 tables. */
static int
make_route(struct engine_xnn *e, struct xlayer *x, char *err, size_t errsz)
{
	const struct xlayer *y;
	int		 k;

	if (x->nin < 2 || !e->int8)
		return 0;
	if ((x->lut = malloc((size_t)x->nin * 256)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (k = 0; k < x->nin; k++) {
		if (!x->copy[k])
			continue;
		y = &e->l[x->ins[k]];
		if (e->b[y->out.buf].f32) {
			snprintf(err, errsz, "layer %d (route): input %d also "
			    "feeds a yolo layer, not supported by the int8 "
			    "engine", x->dn, y->dn);
			return -1;
		}
		make_lut(x->lut + 256 * k, e->b[y->out.buf].scale,
		    e->b[y->out.buf].zp, e->b[x->out.buf].scale,
		    e->b[x->out.buf].zp, XA_LINEAR, 1);
	}
	return 0;
}

/* ---- our loops -------------------------------------------------------- */

struct task {
	const struct engine_xnn	*e;
	const struct xlayer	*x;
	const void		*src;
	void			*dst;
	size_t			 ss, ds, c;
	const int8_t		*lut;
	int			 w;		/* pixels per row */
	int			 srcf, zi;	/* requant: float source, or
						 * int8 with zero point zi */
	float			 mul, add, neg;	/* requant: see requant_row */
};

/*
 * d[i] = lut[s[i] + 128]: every int8 -> int8 step (requantisation with
 * or without leaky, max-pool and route moves, upsample) is a 256-entry
 * table.  With AVX-512 VBMI a table is four registers and 64 bytes take
 * two vpermi2b and a blend; elsewhere (and on arm64) the plain loop, and
 * a leaky convolution's pass stays the vectorised float one (requant_s8,
 * which built its table: the same bytes either way).
 */
static void
lut_plain(const int8_t *s, int8_t *d, size_t n, const int8_t *lut)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		d[i] = lut[s[i] + 128];
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>

static void __attribute__((target("avx512f,avx512bw,avx512vbmi")))
lut_vbmi(const int8_t *s, int8_t *d, size_t n, const int8_t *lut)
{
	const __m512i	 t0 = _mm512_loadu_si512(lut),
			 t1 = _mm512_loadu_si512(lut + 64),
			 t2 = _mm512_loadu_si512(lut + 128),
			 t3 = _mm512_loadu_si512(lut + 192),
			 flip = _mm512_set1_epi8((char)0x80);
	__m512i		 v, lo, hi;
	__mmask64	 m;
	size_t		 i;

	for (i = 0; i < n; i += 64) {
		m = n - i >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n - i)) - 1;
		/* index s + 128: the sign bit flipped */
		v = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, s + i), flip);
		lo = _mm512_permutex2var_epi8(t0, v, t1);
		hi = _mm512_permutex2var_epi8(t2, v, t3);
		_mm512_mask_storeu_epi8(d + i, m, _mm512_mask_blend_epi8(
		    _mm512_movepi8_mask(v), lo, hi));
	}
}

/* 1 when tables run vectorised (then they beat the float pass). */
static int
lut_fast(void)
{
	static int	 vbmi = -1;

	if (vbmi == -1)
		vbmi = __builtin_cpu_supports("avx512vbmi") &&
		    __builtin_cpu_supports("avx512bw");
	return vbmi;
}

static void
lut8(const int8_t *s, int8_t *d, size_t n, const int8_t *lut)
{
	if (lut_fast())
		lut_vbmi(s, d, n, lut);
	else
		lut_plain(s, d, n, lut);
}
#else
#define lut8 lut_plain
#define lut_fast() 0
#endif

/* One row of a nearest upsample. */
static void
up_row(void *ctx, size_t oy)
{
	const struct task	*t = ctx;
	const struct xlayer	*x = t->x;
	size_t			 ox, ch, iy = oy / (size_t)x->up, ix;

	for (ox = 0; ox < (size_t)x->ow; ox++) {
		ix = ox / (size_t)x->up;
		if (t->lut == NULL) {
			const float *s = (const float *)t->src +
			    (iy * x->w + ix) * t->ss;
			float *d = (float *)t->dst + (oy * x->ow + ox) * t->ds;

			for (ch = 0; ch < t->c; ch++)
				d[ch] = x->upscale * s[ch];
		} else
			lut8((const int8_t *)t->src + (iy * x->w + ix) * t->ss,
			    (int8_t *)t->dst + (oy * x->ow + ox) * t->ds, t->c,
			    t->lut);
	}
}

/* One row of pixels through a table (int8) or copied (fp32). */
static void
lut_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	size_t			 px, p0 = y * (size_t)t->w;

	if (t->lut != NULL && t->ss == t->c && t->ds == t->c) {
		lut8((const int8_t *)t->src + p0 * t->c, (int8_t *)t->dst +
		    p0 * t->c, t->c * t->w, t->lut);
		return;
	}
	for (px = p0; px < p0 + (size_t)t->w; px++) {
		if (t->lut == NULL)
			memcpy((float *)t->dst + px * t->ds,
			    (const float *)t->src + px * t->ss,
			    t->c * sizeof(float));
		else
			lut8((const int8_t *)t->src + px * t->ss,
			    (int8_t *)t->dst + px * t->ds, t->c, t->lut);
	}
}

/*
 * The requantisation loops only pay off vectorised: O3 for GCC, and fast
 * math for these two alone so that the clamps become min/max (values are
 * finite here: int8 in, or a convolution of finite inputs).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTORISE __attribute__((optimize("O3", "fast-math"), \
	target_clones("avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define VECTORISE __attribute__((optimize("O3", "fast-math")))
#else
#define VECTORISE
#endif

static void VECTORISE
requant_f32(const float *restrict s, int8_t *restrict d, size_t c,
    float mul, float add, float neg)
{
	size_t	 ch;
	float	 v;

	for (ch = 0; ch < c; ch++) {
		v = s[ch];
		v = v < 0 ? v * neg : v;
		v = v * mul + add;
		v = v < 0 ? 0 : v;
		v = v > 255.5f ? 255.5f : v;
		d[ch] = (int8_t)((int)v - 128);
	}
}

static void VECTORISE
requant_s8(const int8_t *restrict s, int8_t *restrict d, size_t c,
    float zi, float mul, float add, float neg)
{
	size_t	 ch;
	float	 v;

	for (ch = 0; ch < c; ch++) {
		v = (float)s[ch] - zi;
		v = v < 0 ? v * neg : v;
		v = v * mul + add;
		v = v < 0 ? 0 : v;
		v = v > 255.5f ? 255.5f : v;
		d[ch] = (int8_t)((int)v - 128);
	}
}

/* int8 shortcut: (a - za) * ma + (b - zb) * mb, activated, requantised. */
static void VECTORISE
shortcut_s8(const int8_t *restrict a, const int8_t *restrict b,
    int8_t *restrict d, size_t c, float za, float ma, float zb, float mb,
    float add, float neg)
{
	size_t	 ch;
	float	 v;

	for (ch = 0; ch < c; ch++) {
		v = ((float)a[ch] - za) * ma + ((float)b[ch] - zb) * mb;
		v = v < 0 ? v * neg : v;
		v = v + add;
		v = v < 0 ? 0 : v;
		v = v > 255.5f ? 255.5f : v;
		d[ch] = (int8_t)((int)v - 128);
	}
}

/*
 * One row of pixels, activated and requantised: v = src - zero point (int8)
 * or src (float); v *= neg where v < 0 (leaky .1, relu 0, linear 1); out
 * = floor(v * mul + add) - 128, clamped, with add = zo + 128.5 (so the
 * floor is a truncation of a non-negative number).
 */
static void
requant_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	size_t			 px, p0 = y * (size_t)t->w;

	if (t->ds == t->c) {		/* a dense destination: one call */
		if (t->srcf)
			requant_f32((const float *)t->src + p0 * t->c,
			    (int8_t *)t->dst + p0 * t->c, t->c * t->w, t->mul,
			    t->add, t->neg);
		else
			requant_s8((const int8_t *)t->src + p0 * t->c,
			    (int8_t *)t->dst + p0 * t->c, t->c * t->w,
			    (float)t->zi, t->mul, t->add, t->neg);
		return;
	}
	for (px = p0; px < p0 + (size_t)t->w; px++) {
		if (t->srcf)
			requant_f32((const float *)t->src + px * t->c,
			    (int8_t *)t->dst + px * t->ds, t->c, t->mul,
			    t->add, t->neg);
		else
			requant_s8((const int8_t *)t->src + px * t->c,
			    (int8_t *)t->dst + px * t->ds, t->c,
			    (float)t->zi, t->mul, t->add, t->neg);
	}
}

/* One row of a shortcut (fp32): alpha * prev + beta * from, activated. */
static void
shortcut_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	const struct xlayer	*x = t->x;
	const struct loc	*fl = &t->e->l[x->from].out;
	const float		*a, *b;
	float			*d, v;
	size_t			 px, ch, p0 = y * (size_t)x->ow;

	for (px = p0; px < p0 + (size_t)x->ow; px++) {
		a = (const float *)t->src + px * t->ss;
		b = (const float *)loc_ptr(t->e, fl) + px * fl->stride;
		d = (float *)t->dst + px * t->ds;
		for (ch = 0; ch < t->c; ch++) {
			v = x->alpha * a[ch] + x->beta * b[ch];
			if (x->act == XA_LEAKY && v < 0)
				v = .1f * v;
			else if (x->act == XA_RELU && v < 0)
				v = 0;
			d[ch] = v;
		}
	}
}

/*
 * One row of an int8 shortcut: alpha * prev + beta * from in the output's
 * quantisation (v = prev's and from's real values scaled by 1 / out
 * scale, so the activation's sign is the real one's).
 */
static void
shortcut8_row(void *ctx, size_t y)
{
	const struct task	*t = ctx;
	const struct xlayer	*x = t->x;
	const struct loc	*fl = &t->e->l[x->from].out;
	const struct xbuf	*ba = &t->e->b[t->e->l[x->src].out.buf],
				*bb = &t->e->b[fl->buf],
				*bo = &t->e->b[x->out.buf];
	const int8_t		*fp = loc_ptr(t->e, fl);
	size_t			 px, p0 = y * (size_t)x->ow;
	float			 ma = x->alpha * ba->scale / bo->scale,
				 mb = x->beta * bb->scale / bo->scale;

	for (px = p0; px < p0 + (size_t)x->ow; px++)
		shortcut_s8((const int8_t *)t->src + px * t->ss,
		    fp + px * fl->stride, (int8_t *)t->dst + px * t->ds,
		    t->c, (float)ba->zp, ma, (float)bb->zp, mb,
		    (float)bo->zp + 128.5f, t->neg);
}

static void
run_rows(pthreadpool_task_1d_t fn, struct task *t, size_t rows)
{
	pthreadpool_parallelize_1d(pool, fn, t, rows, 0);
}

static void
lut_move(const struct engine_xnn *e, const void *src, size_t ss,
    const struct loc *dst, size_t c, const int8_t *lut, int w, int h)
{
	struct task	 t;

	memset(&t, 0, sizeof(t));
	t.e = e;
	t.src = src;
	t.ss = ss;
	t.dst = loc_ptr(e, dst);
	t.ds = dst->stride;
	t.c = c;
	t.lut = lut;
	t.w = w;
	run_rows(lut_row, &t, (size_t)h);
}

/*
 * Move a contiguous conv output (scratch: int8 at pre-activation (si, zi),
 * or float when si == 0) activated into its place.
 */
static void
requant_move(const struct engine_xnn *e, const struct xlayer *x,
    const void *src, float si, int zi)
{
	const struct xbuf *bo = &e->b[x->out.buf];
	struct task	 t;

	memset(&t, 0, sizeof(t));
	t.src = src;
	t.srcf = si == 0;
	t.zi = zi;
	t.dst = loc_ptr(e, &x->out);
	t.ds = x->out.stride;
	t.c = (size_t)x->oc;
	t.w = x->ow;
	t.neg = x->act == XA_LEAKY ? .1f : x->act == XA_RELU ? 0 : 1;
	t.mul = (t.srcf ? 1 : si) / bo->scale;
	t.add = (float)bo->zp + 128.5f;
	run_rows(requant_row, &t, (size_t)x->oh);
}

/*
 * The table of a leaky int8 convolution's pass from scratch (its
 * pre-activation quantisation) to its place: requant_s8() itself on the
 * 256 values, so the result is the one the float pass would give.
 */
static int
conv_lut(const struct engine_xnn *e, struct xlayer *x)
{
	const struct xbuf *bo = &e->b[x->out.buf];
	int8_t		 in[256];
	int		 q;

	if ((x->lut = malloc(256)) == NULL)
		return -1;
	for (q = 0; q < 256; q++)
		in[q] = (int8_t)(q - 128);
	requant_s8(in, x->lut, 256, (float)x->pre_zp, x->pre_scale /
	    bo->scale, (float)bo->zp + 128.5f, x->act == XA_LEAKY ? .1f :
	    x->act == XA_RELU ? 0 : 1);
	return 0;
}

/* ---- calibration ------------------------------------------------------ */

static void
range_of(const struct engine_xnn *e, const struct loc *o, size_t pixels,
    size_t c, float *lo, float *hi)
{
	const float	*p = loc_ptr(e, o);
	size_t		 px, ch;

	for (px = 0; px < pixels; px++)
		for (ch = 0; ch < c; ch++) {
			if (p[px * o->stride + ch] < *lo)
				*lo = p[px * o->stride + ch];
			if (p[px * o->stride + ch] > *hi)
				*hi = p[px * o->stride + ch];
		}
}

void
engine_xnn_calib_start(struct engine_xnn *e)
{
	int	 i;

	if (e->int8)
		return;
	e->calib = 1;
	for (i = 0; i < e->nl; i++) {
		e->l[i].pre_lo = e->l[i].out_lo = INFINITY;
		e->l[i].pre_hi = e->l[i].out_hi = -INFINITY;
	}
}

int
engine_xnn_calib_write(const struct engine_xnn *e, const char *path,
    char *err, size_t errsz)
{
	FILE	*f;
	int	 i;

	if (e->int8 || !e->calib) {
		snprintf(err, errsz, "no calibration recorded");
		return -1;
	}
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%s %d %dx%d\n", CALIB_MAGIC, e->nl, e->netw, e->neth);
	for (i = 0; i < e->nl; i++)
		fprintf(f, "%d %.9g %.9g %.9g %.9g\n", i, e->l[i].pre_lo,
		    e->l[i].pre_hi, e->l[i].out_lo, e->l[i].out_hi);
	if (fclose(f) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
calib_read(struct engine_xnn *e, const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[256];
	int	 i, k, n = 0, rc = -1;
	float	 a, b, c, d;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "int8 calibration %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, CALIB_MAGIC " ", strlen(CALIB_MAGIC) + 1) != 0 ||
	    sscanf(line + strlen(CALIB_MAGIC), "%d", &n) != 1 || n != e->nl) {
		snprintf(err, errsz, "int8 calibration %s: not a calibration "
		    "of this network (%d layers)", path, e->nl);
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (fgets(line, sizeof(line), f) == NULL ||
		    sscanf(line, "%d %f %f %f %f", &i, &a, &b, &c, &d) != 5 ||
		    i != k) {
			snprintf(err, errsz, "int8 calibration %s: bad line "
			    "%d", path, k + 2);
			goto out;
		}
		e->l[k].pre_lo = a;
		e->l[k].pre_hi = b;
		e->l[k].out_lo = c;
		e->l[k].out_hi = d;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* ---- load ------------------------------------------------------------- */

static int
build(struct engine_xnn *e, network *net, const char *calib, char *err,
    size_t errsz)
{
	struct xlayer	*x;
	struct xbuf	*b;
	struct loc	 in;
	size_t		 s8 = 0, sf = 0, need;
	float		 lo, hi;
	int		 i, k;

	if (read_layers(e, net, err, errsz) == -1)
		return -1;
	if (e->int8) {
		if (calib_read(e, calib, err, errsz) == -1)
			return -1;
		for (i = 0; i + 1 < e->nl; i++)
			if (e->l[i + 1].type == XL_YOLO) {
				if (e->l[i].type != XL_CONV) {
					snprintf(err, errsz, "layer %d (yolo): "
					    "input is not a convolution, not "
					    "supported by the int8 engine",
					    i + 1);
					return -1;
				}
				e->l[i].f32head = 1;
			}
		for (i = 0; i < e->nl; i++)
			if (e->l[i].type == XL_AVGPOOL ||
			    e->l[i].type == XL_SOFTMAX) {
				snprintf(err, errsz, "layer %d (%s): not "
				    "supported by the int8 engine", i,
				    e->l[i].type == XL_AVGPOOL ? "avgpool" :
				    "softmax");
				return -1;
			}
		/* 3 input channels make a slow qc8 kernel: fp32, then the
		 * activation quantises it */
		if (e->l[0].type == XL_CONV && !e->l[0].f32head)
			e->l[0].f32in = 1;
	}
	if (plan(e) == -1)
		goto oom;
	/* quantisation of each int8 buffer: the union of what it holds */
	if (e->int8) {
		e->b[0].scale = 1.0f / 255;
		e->b[0].zp = -128;
		for (k = 1; k < e->nbuf; k++) {
			lo = INFINITY;
			hi = -INFINITY;
			for (i = 0; i < e->nl; i++)
				if (e->l[i].out.buf == k &&
				    e->l[i].type != XL_YOLO) {
					lo = fminf(lo, e->l[i].out_lo);
					hi = fmaxf(hi, e->l[i].out_hi);
				}
			if (!(lo <= hi)) {
				snprintf(err, errsz, "int8 calibration %s: "
				    "empty range", calib);
				return -1;
			}
			qparams(lo, hi, &e->b[k].scale, &e->b[k].zp);
		}
	}
	for (k = 0; k < e->nbuf; k++) {
		b = &e->b[k];
		need = b->elems * (b->f32 || !e->int8 ? 4 : 1) +
		    XNN_EXTRA_BYTES;
		if ((b->p = calloc(1, need)) == NULL)
			goto oom;
	}
	for (i = 0; i < e->nl; i++) {
		x = &e->l[i];
		need = (size_t)x->ow * x->oh * x->oc;
		if (x->type == XL_CONV && x->f32head && (size_t)x->w * x->h *
		    x->c > sf)
			sf = (size_t)x->w * x->h * x->c;
		if (x->f32in && need > sf)
			sf = need;
		if ((x->type == XL_CONV || x->type == XL_MAXPOOL) && need > s8)
			s8 = need;
	}
	if (e->int8) {
		e->scratch8 = calloc(1, s8 + XNN_EXTRA_BYTES);
		e->scratchf = calloc(1, sf * sizeof(float) + XNN_EXTRA_BYTES);
		if (e->scratch8 == NULL || e->scratchf == NULL)
			goto oom;
		if (e->l[0].f32in && (e->in32 = calloc(1, (size_t)e->netw *
		    e->neth * 3 * sizeof(float) + XNN_EXTRA_BYTES)) == NULL)
			goto oom;
	}
	for (i = 0; i < e->nl; i++) {
		x = &e->l[i];
		in = in_loc(e, x);
		switch (x->type) {
		case XL_CONV:
			if (!e->int8) {
				if (make_conv_f32(e, x, &net->layers[i],
				    loc_ptr(e, &in), in.stride, err, errsz)
				    == -1)
					return -1;
			} else if (x->f32in) {
				if (make_conv_f32in(e, x, &net->layers[i], err,
				    errsz) == -1)
					return -1;
			} else if (x->f32head) {
				enum xnn_status st;

				st = xnn_create_convert_nc_qs8_f32((size_t)x->c,
				    in.stride, (size_t)x->c, e->b[in.buf].scale,
				    (int8_t)e->b[in.buf].zp, 0, &x->aux);
				if (xfail(st, x, "convert", err, errsz) == -1)
					return -1;
				st = xnn_setup_convert_nc_qs8_f32(x->aux,
				    (size_t)x->w * x->h, loc_ptr(e, &in),
				    e->scratchf, pool);
				if (xfail(st, x, "convert setup", err, errsz)
				    == -1)
					return -1;
				/* the leaky op would be set up as well */
				if (x->act == XA_LEAKY) {
					snprintf(err, errsz, "layer %d: a leaky"
					    " head is not supported by the "
					    "int8 engine", i);
					return -1;
				}
				if (make_conv_f32(e, x, &net->layers[i],
				    e->scratchf, (size_t)x->c, err, errsz)
				    == -1)
					return -1;
			} else if (make_conv_qc8(e, x, &net->layers[i], err,
			    errsz) == -1)
				return -1;
			else if (x->via_scratch && conv_lut(e, x) == -1)
				goto oom;
			break;
		case XL_MAXPOOL:
			if (make_maxpool(e, x, &net->layers[i], err, errsz)
			    == -1)
				return -1;
			break;
		case XL_UPSAMPLE:
			if (e->int8) {
				if ((x->lut = malloc(256)) == NULL)
					goto oom;
				make_lut(x->lut, e->b[in.buf].scale,
				    e->b[in.buf].zp, e->b[x->out.buf].scale,
				    e->b[x->out.buf].zp, XA_LINEAR, x->upscale);
			}
			break;
		case XL_ROUTE:
			if (make_route(e, x, err, errsz) == -1)
				return -1;
			break;
		case XL_AVGPOOL: {
			enum xnn_status st;

			st = xnn_create_global_average_pooling_nwc_f32(
			    (size_t)x->c, in.stride, x->out.stride, -INFINITY,
			    INFINITY, 0, &x->op);
			if (xfail(st, x, "global average pooling", err, errsz)
			    == -1)
				return -1;
			st = xnn_setup_global_average_pooling_nwc_f32(x->op, 1,
			    (size_t)x->w * x->h, loc_ptr(e, &in),
			    loc_ptr(e, &x->out), pool);
			if (xfail(st, x, "global average pooling setup", err,
			    errsz) == -1)
				return -1;
			break;
		}
		case XL_SHORTCUT:
			if (e->int8 && (e->b[in.buf].f32 ||
			    e->b[e->l[x->from].out.buf].f32 ||
			    e->b[x->out.buf].f32)) {
				snprintf(err, errsz, "layer %d (shortcut): an "
				    "input also feeds a yolo layer, not "
				    "supported by the int8 engine", i);
				return -1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
oom:
	snprintf(err, errsz, "out of memory");
	return -1;
}

struct engine_xnn *
engine_xnn_new(struct network *net, const char *calib, int threads,
    char *err, size_t errsz)
{
	struct engine_xnn	*e;

	if (net == NULL || net->n < 1) {
		snprintf(err, errsz, "xnnpack: no network");
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (pool_get(threads, err, errsz) == -1) {
		free(e);
		return NULL;
	}
	e->int8 = calib != NULL;
	e->netw = net->w;
	e->neth = net->h;
	e->nl = net->n;
	if (net->c != 3) {
		snprintf(err, errsz, "xnnpack: %d input channels (3 only)",
		    net->c);
		goto fail;
	}
	if ((e->l = calloc((size_t)e->nl, sizeof(*e->l))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (build(e, net, calib, err, errsz) == -1)
		goto fail;
	return e;
fail:
	engine_xnn_free(e);
	return NULL;
}

void
engine_xnn_free(struct engine_xnn *e)
{
	int	 i, k;

	if (e == NULL)
		return;
	for (i = 0; e->l != NULL && i < e->nl; i++) {
		if (e->l[i].op != NULL)
			xnn_delete_operator(e->l[i].op);
		if (e->l[i].aux != NULL)
			xnn_delete_operator(e->l[i].aux);
		for (k = 0; k < e->l[i].nmore; k++)
			xnn_delete_operator(e->l[i].more[k]);
		free(e->l[i].lut);
	}
	for (i = 0; i < e->nbuf; i++)
		free(e->b[i].p);
	free(e->b);
	free(e->l);
	free(e->scratch8);
	free(e->scratchf);
	free(e->in32);
	free(e);
	pool_put();
}

/* ---- forward ---------------------------------------------------------- */

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
		lut_move(e, loc_ptr(e, &y->out), y->out.stride, &o,
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

	clock_gettime(pthreadpool_get_threads_count(pool) <= 1 ?
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

int
engine_xnn_forward(struct engine_xnn *e, const float *input)
{
	struct xlayer	*x;
	struct task	 t;
	struct loc	 in, tmp;
	double		 t0 = 0;
	int		 i, k;

	if (e->prof != NULL)
		t0 = now_ms();
	load_input(e, input);
	for (i = 0; i < e->nl; i++) {
		if (e->prof != NULL && i > 0) {
			double t1 = now_ms();

			e->prof[i - 1] += t1 - t0;
			t0 = t1;
		}
		x = &e->l[i];
		in = in_loc(e, x);
		switch (x->type) {
		case XL_CONV:
			if (x->f32head && xnn_run_operator(x->aux, pool) !=
			    xnn_status_success)
				return -1;
			if (xnn_run_operator(x->op, pool) != xnn_status_success)
				return -1;
			for (k = 0; k < x->nmore; k++)
				if (xnn_run_operator(x->more[k], pool) !=
				    xnn_status_success)
					return -1;
			if (e->calib)
				range_of(e, &x->out, (size_t)x->ow * x->oh,
				    (size_t)x->oc, &x->pre_lo, &x->pre_hi);
			if (x->f32in)
				requant_move(e, x, e->scratchf, 0, 0);
			else if (x->via_scratch && lut_fast())
				lut_move(e, e->scratch8, (size_t)x->oc,
				    &x->out, (size_t)x->oc, x->lut, x->ow,
				    x->oh);
			else if (x->via_scratch)	/* the same values */
				requant_move(e, x, e->scratch8, x->pre_scale,
				    x->pre_zp);
			else if (x->aux != NULL && !x->f32head &&
			    xnn_run_operator(x->aux, pool) !=
			    xnn_status_success)
				return -1;
			break;
		case XL_MAXPOOL:
			if (xnn_run_operator(x->op, pool) != xnn_status_success)
				return -1;
			if (x->via_scratch)
				lut_move(e, e->scratch8, (size_t)x->oc,
				    &x->out, (size_t)x->oc, x->lut, x->ow,
				    x->oh);
			break;
		case XL_UPSAMPLE:
			memset(&t, 0, sizeof(t));
			t.e = e;
			t.x = x;
			t.src = loc_ptr(e, &in);
			t.ss = in.stride;
			t.dst = loc_ptr(e, &x->out);
			t.ds = x->out.stride;
			t.c = (size_t)x->oc;
			t.lut = x->lut;
			run_rows(up_row, &t, (size_t)x->oh);
			break;
		case XL_ROUTE:
			route_forward(e, x);
			break;
		case XL_AVGPOOL:
			if (xnn_run_operator(x->op, pool) != xnn_status_success)
				return -1;
			break;
		case XL_SOFTMAX:
			softmax_forward(loc_ptr(e, &in), loc_ptr(e, &x->out),
			    (size_t)x->c);
			break;
		case XL_SHORTCUT:
			memset(&t, 0, sizeof(t));
			t.e = e;
			t.x = x;
			t.src = loc_ptr(e, &in);
			t.ss = in.stride;
			t.dst = loc_ptr(e, &x->out);
			t.ds = x->out.stride;
			t.c = (size_t)x->oc;
			t.neg = x->act == XA_LEAKY ? .1f : x->act == XA_RELU ?
			    0 : 1;
			run_rows(e->int8 ? shortcut8_row : shortcut_row, &t,
			    (size_t)x->oh);
			break;
		default:
			break;
		}
		if (e->calib && x->type != XL_YOLO) {
			tmp = x->out;
			range_of(e, &tmp, (size_t)x->ow * x->oh, (size_t)x->oc,
			    &x->out_lo, &x->out_hi);
		}
	}
	if (e->prof != NULL)
		e->prof[e->nl - 1] += now_ms() - t0;
	return 0;
}

/* ---- yolo decode ------------------------------------------------------ */

static float
logistic(float x)
{
	return 1. / (1. + exp(-x));
}

/* The yolo layer's values, pixel px, anchor a, entry k (raw). */
static float
yolo_raw(const struct engine_xnn *e, const struct xlayer *x, size_t px,
    int a, int k)
{
	const float	*p = loc_ptr(e, &x->out);

	return p[px * x->out.stride + (size_t)a * (x->classes + 5) + k];
}

int
engine_xnn_result(const struct engine_xnn *e, float *dst, size_t n)
{
	const struct xlayer *x = &e->l[e->nl - 1];
	const float	*p;
	size_t		 hw = (size_t)x->ow * x->oh, px, ch;

	if (x->type == XL_YOLO || (e->int8 && !e->b[x->out.buf].f32) ||
	    n < hw * x->oc)
		return -1;
	p = loc_ptr(e, &x->out);
	for (px = 0; px < hw; px++)	/* NHWC -> darknet's CHW */
		for (ch = 0; ch < (size_t)x->oc; ch++)
			dst[ch * hw + px] = p[px * x->out.stride + ch];
	return (int)(hw * x->oc);
}

int
engine_xnn_outputs(const struct engine_xnn *e)
{
	int	 i, n = 0;

	for (i = 0; i < e->nl; i++)
		n += e->l[i].type == XL_YOLO;
	return n;
}

int
engine_xnn_output(const struct engine_xnn *e, int k, float *dst, size_t n,
    int *layer)
{
	const struct xlayer *x = NULL;
	size_t		 hw, px;
	int		 i, a, j;
	float		 v;

	for (i = 0; i < e->nl; i++)
		if (e->l[i].type == XL_YOLO && k-- == 0) {
			x = &e->l[i];
			break;
		}
	if (x == NULL)
		return -1;
	hw = (size_t)x->w * x->h;
	if (n < hw * x->c)
		return -1;
	*layer = x->dn;
	for (a = 0; a < x->n; a++)
		for (j = 0; j < x->classes + 5; j++)
			for (px = 0; px < hw; px++) {
				v = yolo_raw(e, x, px, a, j);
				if (j != 2 && j != 3)
					v = logistic(v);
				dst[((size_t)a * (x->classes + 5) + j) * hw +
				    px] = v;
			}
	return 0;
}

static float
overlap(float x1, float w1, float x2, float w2)
{
	float	 l1 = x1 - w1 / 2, l2 = x2 - w2 / 2, r1 = x1 + w1 / 2,
		 r2 = x2 + w2 / 2;

	return (r1 < r2 ? r1 : r2) - (l1 > l2 ? l1 : l2);
}

static float
iou(const struct engine_det *a, const struct engine_det *b)
{
	float	 w = overlap(a->x, a->w, b->x, b->w),
		 h = overlap(a->y, a->h, b->y, b->h), i, u;

	if (w < 0 || h < 0)
		return 0;
	i = w * h;
	u = a->w * a->h + b->w * b->h - i;
	return i / u;
}

static int
nms_cmp(const void *pa, const void *pb)
{
	const struct engine_det *a = pa, *b = pb;
	float	 d;

	if (b->sort_class >= 0)
		d = a->prob[b->sort_class] - b->prob[b->sort_class];
	else
		d = a->objectness - b->objectness;
	return d < 0 ? 1 : d > 0 ? -1 : 0;
}

/* darknet's do_nms_sort(), step by step (its order decides ties). */
static void
nms_sort(struct engine_det *d, int total, int classes, float thresh)
{
	struct engine_det swap;
	int		 i, j, k;

	k = total - 1;
	for (i = 0; i <= k; i++)
		if (d[i].objectness == 0) {
			swap = d[i];
			d[i] = d[k];
			d[k] = swap;
			k--;
			i--;
		}
	total = k + 1;
	for (k = 0; k < classes; k++) {
		for (i = 0; i < total; i++)
			d[i].sort_class = k;
		qsort(d, (size_t)total, sizeof(*d), nms_cmp);
		for (i = 0; i < total; i++) {
			if (d[i].prob[k] == 0)
				continue;
			for (j = i + 1; j < total; j++)
				if (iou(&d[i], &d[j]) > thresh)
					d[j].prob[k] = 0;
		}
	}
}

int
engine_xnn_boxes(struct engine_xnn *e, float thresh, float nms,
    struct engine_det **out, int *nout)
{
	const struct xlayer *x;
	struct engine_det *d;
	float		*probs, obj, p;
	size_t		 hw, px, ncls = 0;
	int		 i, a, j, n = 0, row, col;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < e->nl; i++) {
		x = &e->l[i];
		if (x->type != XL_YOLO)
			continue;
		if ((size_t)x->classes > ncls)
			ncls = (size_t)x->classes;
		hw = (size_t)x->w * x->h;
		for (px = 0; px < hw; px++)
			for (a = 0; a < x->n; a++)
				if (logistic(yolo_raw(e, x, px, a, 4)) > thresh)
					n++;
	}
	if (n == 0)
		return 0;
	if ((d = calloc(1, (size_t)n * (sizeof(*d) + ncls * sizeof(float))))
	    == NULL)
		return -1;
	probs = (float *)(d + n);
	n = 0;
	for (i = 0; i < e->nl; i++) {
		x = &e->l[i];
		if (x->type != XL_YOLO)
			continue;
		hw = (size_t)x->w * x->h;
		for (px = 0; px < hw; px++)
			for (a = 0; a < x->n; a++) {
				obj = logistic(yolo_raw(e, x, px, a, 4));
				if (obj <= thresh)
					continue;
				row = (int)(px / (size_t)x->w);
				col = (int)(px % (size_t)x->w);
				d[n].x = (col + logistic(yolo_raw(e, x, px, a,
				    0))) / x->w;
				d[n].y = (row + logistic(yolo_raw(e, x, px, a,
				    1))) / x->h;
				d[n].w = exp(yolo_raw(e, x, px, a, 2)) *
				    x->anchors[2 * a] / e->netw;
				d[n].h = exp(yolo_raw(e, x, px, a, 3)) *
				    x->anchors[2 * a + 1] / e->neth;
				d[n].x *= e->netw;
				d[n].w *= e->netw;
				d[n].y *= e->neth;
				d[n].h *= e->neth;
				d[n].objectness = obj;
				d[n].prob = probs + (size_t)n * ncls;
				d[n].sort_class = 0;
				for (j = 0; j < x->classes; j++) {
					p = obj * logistic(yolo_raw(e, x, px,
					    a, 5 + j));
					d[n].prob[j] = p > thresh ? p : 0;
				}
				n++;
			}
	}
	if (nms > 0)
		nms_sort(d, n, (int)ncls, nms);
	*out = d;
	*nout = n;
	return 0;
}

const char *
engine_xnn_precision(const struct engine_xnn *e)
{
	return e->int8 ? "int8" : "fp32";
}

#else /* !HAVE_XNNPACK */

int
engine_xnn_result(const struct engine_xnn *e, float *dst, size_t n)
{
	(void)e;
	(void)dst;
	(void)n;
	return -1;
}

int
engine_xnn_layers(const struct engine_xnn *e)
{
	(void)e;
	return 0;
}

void
engine_xnn_profile(struct engine_xnn *e, double *ms)
{
	(void)e;
	(void)ms;
}

int
engine_xnn_available(void)
{
	return 0;
}

struct engine_xnn *
engine_xnn_new(struct network *net, const char *calib, int threads,
    char *err, size_t errsz)
{
	(void)net;
	(void)calib;
	(void)threads;
	snprintf(err, errsz, "this build has no XNNPACK (install the Debian "
	    "packages libxnnpack-dev and libpthreadpool-dev, then "
	    "re-run configure)");
	return NULL;
}

void
engine_xnn_free(struct engine_xnn *e)
{
	(void)e;
}

int
engine_xnn_forward(struct engine_xnn *e, const float *input)
{
	(void)e;
	(void)input;
	return -1;
}

int
engine_xnn_boxes(struct engine_xnn *e, float thresh, float nms,
    struct engine_det **out, int *n)
{
	(void)e;
	(void)thresh;
	(void)nms;
	*out = NULL;
	*n = 0;
	return -1;
}

int
engine_xnn_outputs(const struct engine_xnn *e)
{
	(void)e;
	return 0;
}

int
engine_xnn_output(const struct engine_xnn *e, int k, float *dst, size_t n,
    int *layer)
{
	(void)e;
	(void)k;
	(void)dst;
	(void)n;
	(void)layer;
	return -1;
}

void
engine_xnn_calib_start(struct engine_xnn *e)
{
	(void)e;
}

int
engine_xnn_calib_write(const struct engine_xnn *e, const char *path,
    char *err, size_t errsz)
{
	(void)e;
	(void)path;
	snprintf(err, errsz, "this build has no XNNPACK");
	return -1;
}

const char *
engine_xnn_precision(const struct engine_xnn *e)
{
	(void)e;
	return "none";
}

#endif /* HAVE_XNNPACK */
