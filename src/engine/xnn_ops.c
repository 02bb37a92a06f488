/* xnn_ops.c: each layer's XNNPACK operators, created and set up at load */

#include "engine/xnn_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_XNNPACK

/* Packed weights per convolution operator: see conv_chunks() */
#define CHUNK_BYTES	(1024 * 1024)

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

int
xe_xfail(enum xnn_status st, const struct xlayer *x, const char *what,
    char *err, size_t errsz)
{
	if (st == xnn_status_success)
		return 0;
	snprintf(err, errsz, "layer %d (%s): xnnpack %s failed (status %d)",
	    x->dn, xe_type_name(x->type == XL_CONV ? CONVOLUTIONAL :
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
	float		*w, *b, *dst = xe_loc_ptr(e, &x->out);
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
		    (size_t)x->h, (size_t)x->w, in, dst + c0, xe_pool);
	}
	free(w);
	free(b);
	if (xe_xfail(st, x, "convolution", err, errsz) == -1)
		return -1;
	if (x->act == XA_LEAKY) {
		st = xnn_create_leaky_relu_nc_f32((size_t)x->oc,
		    x->out.stride, x->out.stride, .1f, 0, &x->aux);
		if (xe_xfail(st, x, "leaky relu", err, errsz) == -1)
			return -1;
		st = xnn_setup_leaky_relu_nc_f32(x->aux, (size_t)x->ow * x->oh,
		    xe_loc_ptr(e, &x->out), xe_loc_ptr(e, &x->out), xe_pool);
		if (xe_xfail(st, x, "leaky relu setup", err, errsz) == -1)
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
	if (xe_xfail(st, x, "convolution", err, errsz) == -1)
		return -1;
	st = xnn_setup_convolution2d_nhwc_f32(x->op, 1, (size_t)x->h,
	    (size_t)x->w, e->in32, e->scratchf, xe_pool);
	return xe_xfail(st, x, "convolution setup", err, errsz);
}

static int
make_conv_qc8(struct engine_xnn *e, struct xlayer *x, const layer *l,
    char *err, size_t errsz)
{
	struct loc	 in = xe_in_loc(e, x);
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
		xe_qparams(x->pre_lo, x->pre_hi, &x->pre_scale, &x->pre_zp);
		os = x->pre_scale;
		ozp = x->pre_zp;
		dst = e->scratch8;
	} else {
		os = bo->scale;
		ozp = bo->zp;
		dst = xe_loc_ptr(e, &x->out);
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
		if (xe_xfail(st, x, "qc8 convolution", err, errsz) == -1)
			goto out;
		x->nmore = q;
		st = xnn_setup_convolution2d_nhwc_qc8(*chunk_op(x, q), 1,
		    (size_t)x->h, (size_t)x->w, xe_loc_ptr(e, &in),
		    (int8_t *)dst + c0, xe_pool);
		if (xe_xfail(st, x, "qc8 convolution setup", err, errsz) == -1)
			goto out;
	}
	{
		struct qconv_args a = { wq, bq, ks, bi->scale, os, bi->zp, ozp,
		    omin, dst, x->via_scratch ? (size_t)x->oc : x->out.stride };

		xe_qconv_choose(e, x, l, &a);
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

int
xe_make_maxpool(struct engine_xnn *e, struct xlayer *x, const layer *l,
    char *err, size_t errsz)
{
	struct loc	 in = xe_in_loc(e, x);
	enum xnn_status	 st;
	uint32_t	 t = (uint32_t)(l->pad / 2), bo = (uint32_t)(l->pad -
	    l->pad / 2), s = (uint32_t)l->size, str = (uint32_t)l->stride;

	if (!e->int8) {
		st = xnn_create_max_pooling2d_nhwc_f32(t, bo, bo, t, s, s, str,
		    str, 1, 1, (size_t)x->c, in.stride, x->out.stride,
		    -INFINITY, INFINITY, 0, &x->op);
		if (xe_xfail(st, x, "max pooling", err, errsz) == -1)
			return -1;
		st = xnn_setup_max_pooling2d_nhwc_f32(x->op, 1, (size_t)x->h,
		    (size_t)x->w, xe_loc_ptr(e, &in), xe_loc_ptr(e, &x->out), xe_pool);
		return xe_xfail(st, x, "max pooling setup", err, errsz);
	}
	x->via_scratch = !xe_same_q(&e->b[in.buf], &e->b[x->out.buf]);
	if (x->via_scratch) {
		if ((x->lut = malloc(256)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		xe_make_lut(x->lut, e->b[in.buf].scale, e->b[in.buf].zp,
		    e->b[x->out.buf].scale, e->b[x->out.buf].zp, XA_LINEAR, 1);
	}
	st = xnn_create_max_pooling2d_nhwc_s8(t, bo, bo, t, s, s, str, str,
	    1, 1, (size_t)x->c, in.stride, x->via_scratch ? (size_t)x->oc :
	    x->out.stride, -128, 127, 0, &x->op);
	if (xe_xfail(st, x, "s8 max pooling", err, errsz) == -1)
		return -1;
	st = xnn_setup_max_pooling2d_nhwc_s8(x->op, 1, (size_t)x->h,
	    (size_t)x->w, xe_loc_ptr(e, &in), x->via_scratch ? (void *)e->scratch8
	    : xe_loc_ptr(e, &x->out), xe_pool);
	return xe_xfail(st, x, "s8 max pooling setup", err, errsz);
}

/* Copies into a route's buffer (inputs placed elsewhere): int8 tables. */
int
xe_make_route(struct engine_xnn *e, struct xlayer *x, char *err, size_t errsz)
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
		xe_make_lut(x->lut + 256 * k, e->b[y->out.buf].scale,
		    e->b[y->out.buf].zp, e->b[x->out.buf].scale,
		    e->b[x->out.buf].zp, XA_LINEAR, 1);
	}
	return 0;
}

/* int8, a convolution feeding yolo: its input dequantised to scratchf. */
static int
make_conv_head(struct engine_xnn *e, struct xlayer *x, const layer *l,
    char *err, size_t errsz)
{
	struct loc	 in = xe_in_loc(e, x);
	enum xnn_status	 st;

	st = xnn_create_convert_nc_qs8_f32((size_t)x->c, in.stride,
	    (size_t)x->c, e->b[in.buf].scale, (int8_t)e->b[in.buf].zp, 0,
	    &x->aux);
	if (xe_xfail(st, x, "convert", err, errsz) == -1)
		return -1;
	st = xnn_setup_convert_nc_qs8_f32(x->aux, (size_t)x->w * x->h,
	    xe_loc_ptr(e, &in), e->scratchf, xe_pool);
	if (xe_xfail(st, x, "convert setup", err, errsz) == -1)
		return -1;
	/* the leaky op would be set up as well */
	if (x->act == XA_LEAKY) {
		snprintf(err, errsz, "layer %d: a leaky head is not supported "
		    "by the int8 engine", x->dn);
		return -1;
	}
	return make_conv_f32(e, x, l, e->scratchf, (size_t)x->c, err, errsz);
}

int
xe_make_conv(struct engine_xnn *e, struct xlayer *x, const layer *l,
    char *err, size_t errsz)
{
	struct loc	 in = xe_in_loc(e, x);

	if (!e->int8)
		return make_conv_f32(e, x, l, xe_loc_ptr(e, &in), in.stride,
		    err, errsz);
	if (x->f32in)
		return make_conv_f32in(e, x, l, err, errsz);
	if (x->f32head)
		return make_conv_head(e, x, l, err, errsz);
	if (make_conv_qc8(e, x, l, err, errsz) == -1)
		return -1;
	if (x->via_scratch && xe_conv_lut(e, x) == -1) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

/* darknet's (global) avgpool. */
int
xe_make_avgpool(struct engine_xnn *e, struct xlayer *x, char *err,
    size_t errsz)
{
	struct loc	 in = xe_in_loc(e, x);
	enum xnn_status	 st;

	st = xnn_create_global_average_pooling_nwc_f32((size_t)x->c,
	    in.stride, x->out.stride, -INFINITY, INFINITY, 0, &x->op);
	if (xe_xfail(st, x, "global average pooling", err, errsz) == -1)
		return -1;
	st = xnn_setup_global_average_pooling_nwc_f32(x->op, 1,
	    (size_t)x->w * x->h, xe_loc_ptr(e, &in), xe_loc_ptr(e, &x->out),
	    xe_pool);
	return xe_xfail(st, x, "global average pooling setup", err, errsz);
}

#endif /* HAVE_XNNPACK */
