/* xnn_plan.c: darknet's layers read as ours, and where each output lives */

#include "engine/xnn_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_XNNPACK

/* darknet's activation as ours, or -1 (linear, leaky and relu only). */
static int
read_act(ACTIVATION a)
{
	return a == LEAKY ? XA_LEAKY : a == RELU ? XA_RELU : a == LINEAR ?
	    XA_LINEAR : -1;
}

static int
read_conv(struct xlayer *x, const layer *l, int i, char *err, size_t errsz)
{
	x->type = XL_CONV;
	if (l->binary || l->xnor) {
		snprintf(err, errsz, "layer %d (convolutional): binary/xnor "
		    "weights are not supported by the xnnpack engine", i);
		return -1;
	}
	if ((x->act = read_act(l->activation)) < 0) {
		snprintf(err, errsz, "layer %d (convolutional): activation %d"
		    " is not supported by the xnnpack engine (linear, leaky, "
		    "relu)", i, (int)l->activation);
		return -1;
	}
	if (l->groups < 1 || l->c % l->groups != 0 || l->n % l->groups != 0) {
		snprintf(err, errsz, "layer %d (convolutional): bad groups %d",
		    i, l->groups);
		return -1;
	}
	return 0;
}

static int
read_maxpool(struct xlayer *x, const layer *l, int i, char *err,
    size_t errsz)
{
	x->type = XL_MAXPOOL;
	if (l->size < 1 || l->stride < 1 || l->pad < 0 ||
	    l->size * l->size < 2) {
		snprintf(err, errsz, "layer %d (maxpool): size %d stride %d not"
		    " supported by the xnnpack engine", i, l->size, l->stride);
		return -1;
	}
	return 0;
}

static int
read_upsample(struct xlayer *x, const layer *l, int i, char *err,
    size_t errsz)
{
	x->type = XL_UPSAMPLE;
	if (l->reverse || l->stride < 1) {
		snprintf(err, errsz, "layer %d (upsample): downsampling is not "
		    "supported by the xnnpack engine", i);
		return -1;
	}
	x->up = l->stride;
	x->upscale = l->scale;
	return 0;
}

static int
read_route(const struct engine_xnn *e, struct xlayer *x, const layer *l,
    int i, char *err, size_t errsz)
{
	int	 k, j;

	x->type = XL_ROUTE;
	if (l->n < 1 || l->n > ROUTE_MAX) {
		snprintf(err, errsz, "layer %d (route): %d inputs", i, l->n);
		return -1;
	}
	x->nin = l->n;
	for (k = 0; k < l->n; k++) {
		j = l->input_layers[k];
		if (j < 0 || j >= i || e->l[j].type == XL_YOLO ||
		    e->l[j].ow != x->ow || e->l[j].oh != x->oh) {
			snprintf(err, errsz, "layer %d (route): input layer %d "
			    "cannot be concatenated", i, j);
			return -1;
		}
		x->ins[k] = j;
		x->inoff[k] = k == 0 ? 0 : x->inoff[k - 1] +
		    (size_t)e->l[x->ins[k - 1]].oc;
	}
	x->src = x->ins[0];
	return 0;
}

static int
read_shortcut(const struct engine_xnn *e, struct xlayer *x, const layer *l,
    int i, char *err, size_t errsz)
{
	x->type = XL_SHORTCUT;
	x->from = l->index;
	x->alpha = l->alpha;
	x->beta = l->beta;
	x->act = read_act(l->activation);
	if (x->from < 0 || x->from >= i || x->act < 0 ||
	    e->l[x->from].type == XL_YOLO || e->l[x->from].ow != x->ow ||
	    e->l[x->from].oh != x->oh || e->l[x->from].oc != x->oc ||
	    x->w != x->ow || x->h != x->oh || x->c != x->oc) {
		snprintf(err, errsz, "layer %d (shortcut): only same-shape "
		    "shortcuts with a linear, leaky or relu activation are "
		    "supported by the xnnpack engine", i);
		return -1;
	}
	return 0;
}

/* darknet's avgpool is global; a softmax only last, one group, 1x1. */
static int
read_pool_softmax(struct xlayer *x, const layer *l, int i, int last,
    char *err, size_t errsz)
{
	if (l->type == AVGPOOL) {
		x->type = XL_AVGPOOL;
		if (x->ow != 1 || x->oh != 1 || x->oc != x->c) {
			snprintf(err, errsz, "layer %d (avgpool): unexpected "
			    "shape", i);
			return -1;
		}
		return 0;
	}
	x->type = XL_SOFTMAX;
	if (l->groups != 1 || l->temperature != 1 || l->w > 1 || l->h > 1 ||
	    !last) {
		snprintf(err, errsz, "layer %d (softmax): only a last, "
		    "one-group softmax of a 1x1 input is supported by the "
		    "xnnpack engine", i);
		return -1;
	}
	/* darknet gives a softmax its input's count alone */
	x->w = x->h = x->ow = x->oh = 1;
	x->c = x->oc = l->inputs;
	return 0;
}

static int
read_yolo(const struct engine_xnn *e, struct xlayer *x, const layer *l,
    int i, char *err, size_t errsz)
{
	int	 k;

	x->type = XL_YOLO;
	x->n = l->n;
	x->classes = l->classes;
	if (l->n < 1 || l->n > ROUTE_MAX || l->c != l->n * (l->classes + 5) ||
	    i == 0 || e->l[i - 1].type == XL_YOLO) {
		snprintf(err, errsz, "layer %d (yolo): unexpected shape", i);
		return -1;
	}
	for (k = 0; k < l->n; k++) {
		if (l->mask[k] < 0 || l->mask[k] >= l->total) {
			snprintf(err, errsz, "layer %d (yolo): mask %d out of "
			    "range", i, l->mask[k]);
			return -1;
		}
		x->mask[k] = l->mask[k];
		x->anchors[2 * k] = l->biases[2 * l->mask[k]];
		x->anchors[2 * k + 1] = l->biases[2 * l->mask[k] + 1];
	}
	return 0;
}

/* Layer i of net as ours; -1 with err: a layer the engine cannot run. */
static int
read_layer(struct engine_xnn *e, network *net, int i, char *err,
    size_t errsz)
{
	const layer	*l = &net->layers[i];
	struct xlayer	*x = &e->l[i];

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
		return read_conv(x, l, i, err, errsz);
	case MAXPOOL:
		return read_maxpool(x, l, i, err, errsz);
	case UPSAMPLE:
		return read_upsample(x, l, i, err, errsz);
	case ROUTE:
		return read_route(e, x, l, i, err, errsz);
	case SHORTCUT:
		return read_shortcut(e, x, l, i, err, errsz);
	case AVGPOOL:
	case SOFTMAX:
		return read_pool_softmax(x, l, i, i == net->n - 1, err, errsz);
	case YOLO:
		return read_yolo(e, x, l, i, err, errsz);
	default:
		snprintf(err, errsz, "layer %d (%s): not supported by the "
		    "xnnpack engine", i, xe_type_name(l->type));
		return -1;
	}
}

int
xe_read_layers(struct engine_xnn *e, network *net, char *err, size_t errsz)
{
	int	 i;

	for (i = 0; i < net->n; i++) {
		if (read_layer(e, net, i, err, errsz) == -1)
			return -1;
		if (i > 0 && e->l[i - 1].type == XL_YOLO &&
		    e->l[i].type != XL_ROUTE) {
			snprintf(err, errsz, "layer %d (%s): reads a yolo "
			    "layer's output, not supported by the xnnpack "
			    "engine", i, xe_type_name(net->layers[i].type));
			return -1;
		}
	}
	return 0;
}

/*
 * Decide every layer's loc: multi-input routes own a buffer and their
 * inputs are placed into it (first route wins; later ones copy).
 */
int
xe_plan(struct engine_xnn *e)
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
	if (xe_add_buf(e, (size_t)e->netw * e->neth * 3, 0) == -1)
		goto out;
	for (i = 0; i < e->nl; i++) {
		x = &e->l[i];
		if (x->type != XL_ROUTE || x->nin < 2)
			continue;
		if ((x->out.buf = xe_add_buf(e, (size_t)x->ow * x->oh * x->oc,
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
		if ((x->out.buf = xe_add_buf(e, (size_t)x->ow * x->oh * x->oc,
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

struct loc
xe_in_loc(const struct engine_xnn *e, const struct xlayer *x)
{
	struct loc	 in = { 0, 0, 3 };

	if (x->src >= 0)
		in = e->l[x->src].out;
	return in;
}

#endif /* HAVE_XNNPACK */
