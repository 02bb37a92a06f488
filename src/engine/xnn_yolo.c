/* xnn_yolo.c: the engine's outputs: YOLO decode, darknet's NMS, a result */

#include "engine/engine_xnn.h"
#include "engine/xnn_internal.h"

#include <math.h>
#include <stdlib.h>

#ifdef HAVE_XNNPACK

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
	const float	*p = xe_loc_ptr(e, &x->out);

	return p[px * x->out.stride + (size_t)a * (x->classes + 5) + k];
}

int
engine_xnn_result(const struct engine_xnn *e, float *dst, size_t n)
{
	const struct xlayer *x = &e->l[e->nl - 1];
	const struct xbuf *b = &e->b[x->out.buf];
	const float	*p;
	const int8_t	*q;
	size_t		 hw = (size_t)x->ow * x->oh, px, ch, at;

	if (x->type == XL_YOLO || n < hw * x->oc)
		return -1;
	p = xe_loc_ptr(e, &x->out);
	q = xe_loc_ptr(e, &x->out);
	for (px = 0; px < hw; px++)	/* NHWC -> darknet's CHW */
		for (ch = 0; ch < (size_t)x->oc; ch++) {
			at = px * x->out.stride + ch;
			/* int8: the real value the quantised one stands for */
			dst[ch * hw + px] = e->int8 && !b->f32 ?
			    (float)(q[at] - b->zp) * b->scale : p[at];
		}
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

/*
 * darknet's box_iou() in float (base/geom.h's geom_iou() computes in
 * double, which moves ties at the nms threshold: kept apart on purpose).
 */
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

#endif /* HAVE_XNNPACK */
