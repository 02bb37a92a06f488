/* engine_xnn.c: the XNNPACK engine's load: pool, buffers, layer operators */

#include "engine/engine_xnn.h"
#include "engine/xnn_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_XNNPACK

pthreadpool_t		xe_pool;
static int		pool_refs;

static const char *const type_names[] = {
	"convolutional", "deconvolutional", "connected", "maxpool", "softmax",
	"detection", "dropout", "crop", "route", "cost", "normalization",
	"avgpool", "local", "shortcut", "active", "rnn", "gru", "lstm",
	"crnn", "batchnorm", "network", "xnor", "region", "yolo", "iseg",
	"reorg", "upsample", "logxent", "l2norm", "blank"
};


const char *
xe_type_name(int t)
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
	if ((xe_pool = pthreadpool_create(threads > 0 ? (size_t)threads : 1))
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
	pthreadpool_destroy(xe_pool);
	xe_pool = NULL;
	xnn_deinitialize();
}

void *
xe_loc_ptr(const struct engine_xnn *e, const struct loc *o)
{
	const struct xbuf *b = &e->b[o->buf];

	return (char *)b->p + o->off * (b->f32 || !e->int8 ? 4 : 1);
}

int
xe_add_buf(struct engine_xnn *e, size_t elems, int f32)
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

/* ---- load ------------------------------------------------------------- */

/* int8: which convolutions run in fp32 (yolo heads, the first); refusals. */
static int
build_int8_marks(struct engine_xnn *e, char *err, size_t errsz)
{
	int	 i;

	for (i = 0; i + 1 < e->nl; i++)
		if (e->l[i + 1].type == XL_YOLO) {
			if (e->l[i].type != XL_CONV) {
				snprintf(err, errsz, "layer %d (yolo): input is"
				    " not a convolution, not supported by the "
				    "int8 engine", i + 1);
				return -1;
			}
			e->l[i].f32head = 1;
		}
	for (i = 0; i < e->nl; i++)
		if (e->l[i].type == XL_AVGPOOL || e->l[i].type == XL_SOFTMAX) {
			snprintf(err, errsz, "layer %d (%s): not supported by "
			    "the int8 engine", i, e->l[i].type == XL_AVGPOOL ?
			    "avgpool" : "softmax");
			return -1;
		}
	/* 3 input channels make a slow qc8 kernel: fp32, then the
	 * activation quantises it (our VNNI kernel on 4 channels, the 4th
	 * a zero, measured no faster: 1.02 ms against 0.94 on models/v3) */
	if (e->l[0].type == XL_CONV && !e->l[0].f32head)
		e->l[0].f32in = 1;
	return 0;
}

/* Quantisation of each int8 buffer: the union of what it holds. */
static int
build_qparams(struct engine_xnn *e, const char *calib, char *err,
    size_t errsz)
{
	float	 lo, hi;
	int	 i, k;

	e->b[0].scale = 1.0f / 255;
	e->b[0].zp = -128;
	for (k = 1; k < e->nbuf; k++) {
		lo = INFINITY;
		hi = -INFINITY;
		for (i = 0; i < e->nl; i++)
			if (e->l[i].out.buf == k && e->l[i].type != XL_YOLO) {
				lo = fminf(lo, e->l[i].out_lo);
				hi = fmaxf(hi, e->l[i].out_hi);
			}
		if (!(lo <= hi)) {
			snprintf(err, errsz, "int8 calibration %s: empty range",
			    calib);
			return -1;
		}
		xe_qparams(lo, hi, &e->b[k].scale, &e->b[k].zp);
	}
	return 0;
}

/* Every buffer, and the int8 engine's scratch; -1: out of memory. */
static int
build_alloc(struct engine_xnn *e)
{
	struct xlayer	*x;
	struct xbuf	*b;
	size_t		 s8 = 0, sf = 0, need;
	int		 i, k;

	for (k = 0; k < e->nbuf; k++) {
		b = &e->b[k];
		need = b->elems * (b->f32 || !e->int8 ? 4 : 1) +
		    XNN_EXTRA_BYTES;
		if ((b->p = calloc(1, need)) == NULL)
			return -1;
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
	if (!e->int8)
		return 0;
	e->scratch8 = calloc(1, s8 + XNN_EXTRA_BYTES);
	e->scratchf = calloc(1, sf * sizeof(float) + XNN_EXTRA_BYTES);
	if (e->scratch8 == NULL || e->scratchf == NULL)
		return -1;
	if (e->l[0].f32in && (e->in32 = calloc(1, (size_t)e->netw *
	    e->neth * 3 * sizeof(float) + XNN_EXTRA_BYTES)) == NULL)
		return -1;
	return 0;
}

/* Layer i's operators, tables and checks. */
static int
build_layer(struct engine_xnn *e, network *net, int i, char *err,
    size_t errsz)
{
	struct xlayer	*x = &e->l[i];
	struct loc	 in = xe_in_loc(e, x);

	switch (x->type) {
	case XL_CONV:
		return xe_make_conv(e, x, &net->layers[i], err, errsz);
	case XL_MAXPOOL:
		return xe_make_maxpool(e, x, &net->layers[i], err, errsz);
	case XL_UPSAMPLE:
		if (!e->int8)
			return 0;
		if ((x->lut = malloc(256)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		xe_make_lut(x->lut, e->b[in.buf].scale, e->b[in.buf].zp,
		    e->b[x->out.buf].scale, e->b[x->out.buf].zp, XA_LINEAR,
		    x->upscale);
		return 0;
	case XL_ROUTE:
		return xe_make_route(e, x, err, errsz);
	case XL_AVGPOOL:
		return xe_make_avgpool(e, x, err, errsz);
	case XL_SHORTCUT:
		if (e->int8 && (e->b[in.buf].f32 ||
		    e->b[e->l[x->from].out.buf].f32 || e->b[x->out.buf].f32)) {
			snprintf(err, errsz, "layer %d (shortcut): an input "
			    "also feeds a yolo layer, not supported by the "
			    "int8 engine", i);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

static int
build(struct engine_xnn *e, network *net, const char *calib, char *err,
    size_t errsz)
{
	int	 i;

	if (xe_read_layers(e, net, err, errsz) == -1)
		return -1;
	if (e->int8 && (xe_calib_read(e, calib, err, errsz) == -1 ||
	    build_int8_marks(e, err, errsz) == -1))
		return -1;
	if (xe_plan(e) == -1)
		goto oom;
	if (e->int8 && build_qparams(e, calib, err, errsz) == -1)
		return -1;
	if (build_alloc(e) == -1)
		goto oom;
	for (i = 0; i < e->nl; i++)
		if (build_layer(e, net, i, err, errsz) == -1)
			return -1;
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
		qconv_free(e->l[i].qc);
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

const char *
engine_xnn_precision(const struct engine_xnn *e)
{
	return e->int8 ? "int8" : "fp32";
}

#endif /* HAVE_XNNPACK */
