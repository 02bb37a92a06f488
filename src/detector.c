/* detector.c: run a Darknet YOLO network on a decoded image */
/*
 * darknet.h declares global names (error, list, image...) and its loaders
 * exit() on failure, so it is included here and nowhere else in the server.
 * Preprocessing is ours (imgio_letterbox), never darknet's load_image or
 * letterbox_image: the first shells out on bad files, the second leaves a
 * dark last row at some sizes.  Boxes are asked of darknet in network
 * pixels (w = netw, h = neth, relative = 0, which makes its letterbox
 * correction the identity) and mapped back with our own letterbox
 * transform, so the two can never disagree.
 */

#include "detector.h"
#include "imgio.h"

#include <darknet.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAMES_MAX	64

struct detector {
	network	*net;
	int	 netw, neth;
	int	 classes;
	char	*names[NAMES_MAX];
	float	*input;
};

static int
check_readable(const char *path, const char *what, char *err, size_t errsz)
{
	if (access(path, R_OK) == -1) {
		snprintf(err, errsz, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
read_names(struct detector *d, const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[256];
	size_t	 len;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "names %s: %s", path, strerror(errno));
		return -1;
	}
	while (n < NAMES_MAX && fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len == 0)
			continue;
		if ((d->names[n++] = strdup(line)) == NULL)
			break;
	}
	fclose(f);
	return n;
}

struct detector *
detector_new(const char *cfg, const char *weights, const char *names,
    char *err, size_t errsz)
{
	struct detector	*d;
	layer		 l;
	int		 n, i, out_classes = -1;

	if (check_readable(cfg, "model cfg", err, errsz) == -1 ||
	    check_readable(weights, "model weights", err, errsz) == -1)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((n = read_names(d, names, err, errsz)) <= 0) {
		if (n == 0)
			snprintf(err, errsz, "names %s: no class names",
			    names);
		goto fail;
	}
	d->classes = n;
	/* darknet takes char * although it does not modify them */
	d->net = load_network((char *)cfg, (char *)weights, 0);
	if (d->net == NULL) {
		snprintf(err, errsz, "cannot load network %s", cfg);
		goto fail;
	}
	set_batch_network(d->net, 1);
	d->netw = network_width(d->net);
	d->neth = network_height(d->net);
	for (i = 0; i < d->net->n; i++) {
		l = d->net->layers[i];
		if (l.type == YOLO || l.type == REGION || l.type == DETECTION) {
			if (out_classes >= 0 && l.classes != out_classes)
				out_classes = -2;
			else if (out_classes != -2)
				out_classes = l.classes;
		}
	}
	if (out_classes != d->classes) {
		snprintf(err, errsz, "%s: output layers have %d classes but "
		    "%s names %d", cfg, out_classes, names, d->classes);
		goto fail;
	}
	d->input = calloc((size_t)d->netw * d->neth * 3, sizeof(float));
	if (d->input == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	return d;
fail:
	detector_free(d);
	return NULL;
}

void
detector_free(struct detector *d)
{
	int	 i;

	if (d == NULL)
		return;
	if (d->net != NULL)
		free_network(d->net);
	for (i = 0; i < NAMES_MAX; i++)
		free(d->names[i]);
	free(d->input);
	free(d);
}

static int
box_cmp(const void *a, const void *b)
{
	const struct det_box *x = a, *y = b;

	return (x->conf < y->conf) - (x->conf > y->conf);
}

static float
clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Forward d->input and collect the boxes, mapped to image pixels by lb
 * (image = (net - d) / scale) and clamped to [0, cw] x [0, ch].
 */
static int
run_mapped(struct detector *d, const struct letterbox *lbp, int cw, int ch,
    float thresh, float nms, struct det_box **out, size_t *nout)
{
	struct letterbox lb = *lbp;
	struct det_box	*v = NULL;
	detection	*dets;
	float		 best, x0, y0, x1, y1;
	int		 ndets = 0, i, j, cls;
	size_t		 n = 0;

	*out = NULL;
	*nout = 0;
	network_predict(d->net, d->input);
	dets = get_network_boxes(d->net, d->netw, d->neth, thresh, 0.5f,
	    NULL, 0, &ndets);
	if (dets == NULL)
		return ndets == 0 ? 0 : -1;
	if (nms > 0)
		do_nms_sort(dets, ndets, d->classes, nms);
	if (ndets > 0 && (v = calloc((size_t)ndets, sizeof(*v))) == NULL) {
		free_detections(dets, ndets);
		return -1;
	}
	for (i = 0; i < ndets; i++) {
		best = 0;
		cls = -1;
		for (j = 0; j < d->classes; j++)
			if (dets[i].prob[j] > best) {
				best = dets[i].prob[j];
				cls = j;
			}
		if (cls < 0 || !(best >= thresh) || !isfinite(best))
			continue;
		/* network pixels (centre, size) -> image pixels (corners) */
		x0 = (dets[i].bbox.x - dets[i].bbox.w / 2 - lb.dx) / lb.scale;
		y0 = (dets[i].bbox.y - dets[i].bbox.h / 2 - lb.dy) / lb.scale;
		x1 = (dets[i].bbox.x + dets[i].bbox.w / 2 - lb.dx) / lb.scale;
		y1 = (dets[i].bbox.y + dets[i].bbox.h / 2 - lb.dy) / lb.scale;
		if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) ||
		    !isfinite(y1))
			continue;
		x0 = clampf(x0, 0, cw);
		x1 = clampf(x1, 0, cw);
		y0 = clampf(y0, 0, ch);
		y1 = clampf(y1, 0, ch);
		if (x1 - x0 < 1 || y1 - y0 < 1)
			continue;
		v[n].cls = cls;
		v[n].conf = best;
		v[n].x = x0;
		v[n].y = y0;
		v[n].w = x1 - x0;
		v[n].h = y1 - y0;
		n++;
	}
	free_detections(dets, ndets);
	if (n > 1)
		qsort(v, n, sizeof(*v), box_cmp);
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	*nout = n;
	return 0;
}

int
detector_run(struct detector *d, const struct img *im, float thresh,
    float nms, struct det_box **out, size_t *nout)
{
	struct letterbox lb;

	imgio_letterbox(im, d->netw, d->neth, d->input, &lb);
	return run_mapped(d, &lb, im->w, im->h, thresh, nms, out, nout);
}

float *
detector_input(struct detector *d)
{
	return d->input;
}

int
detector_run_input(struct detector *d, float thresh, float nms,
    struct det_box **out, size_t *nout)
{
	struct letterbox lb = { 1.0f, 0, 0, d->netw, d->neth };

	return run_mapped(d, &lb, d->netw, d->neth, thresh, nms, out, nout);
}

int
detector_classes(const struct detector *d)
{
	return d->classes;
}

const char *
detector_class_name(const struct detector *d, int cls)
{
	return cls >= 0 && cls < d->classes ? d->names[cls] : "?";
}

void
detector_input_size(const struct detector *d, int *w, int *h)
{
	*w = d->netw;
	*h = d->neth;
}
