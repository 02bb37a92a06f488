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
 *
 * The forward itself is libdarknet's or, when asked for and the network
 * maps, engine_xnn.c's (XNNPACK fp32 or int8), which decodes and
 * suppresses boxes with darknet's semantics; both feed the same mapping
 * below.  With XNNPACK running, darknet's network is freed after the
 * mapping (only its copy of the weights is needed, inside XNNPACK).
 */

#include "vision/detector.h"
#include "engine/engine_xnn.h"
#include "image/imgio.h"
#include "base/log.h"

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
	struct engine_xnn *xnn;
	enum detector_engine engine;
	int	 calibrating;
	int	 netw, neth;
	int	 classes;
	char	*names[NAMES_MAX];
	float	*input;
	int	 in_hwc;	/* the next input is in the engine's own buffer */
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

static const char *const engine_names[] = {
	"darknet", "xnnpack", "xnnpack-int8"
};

const char *
detector_engine_name(enum detector_engine e)
{
	return (unsigned)e < 3 ? engine_names[e] : "?";
}

int
detector_engine_parse(const char *s, enum detector_engine *e)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, engine_names[i]) == 0) {
			*e = (enum detector_engine)i;
			return 0;
		}
	return -1;
}

int
detector_calib_path(const char *weights, char *buf, size_t sz)
{
	size_t	 len = strlen(weights);
	int	 n;

	if (len > 8 && strcmp(weights + len - 8, ".weights") == 0)
		len -= 8;
	n = snprintf(buf, sz, "%.*s.int8", (int)len, weights);
	return n < 0 || (size_t)n >= sz ? -1 : 0;
}

/* The best engine at or below want that maps d->net; darknet at worst. */
static void
open_engine(struct detector *d, const char *weights,
    enum detector_engine want, int threads)
{
	char	 calib[1024], why[512];

	for (; want != DETECTOR_DARKNET; want--) {
		why[0] = '\0';
		if (want == DETECTOR_XNNPACK_INT8 &&
		    detector_calib_path(weights, calib, sizeof(calib)) == -1) {
			snprintf(why, sizeof(why), "calibration path too long");
		} else if ((d->xnn = engine_xnn_new(d->net,
		    want == DETECTOR_XNNPACK_INT8 ? calib : NULL, threads,
		    why, sizeof(why))) != NULL) {
			d->engine = want;
			free_network(d->net);
			d->net = NULL;
			return;
		}
		log_warnx("engine %s unavailable: %s; falling back to %s",
		    detector_engine_name(want), why,
		    detector_engine_name(want - 1));
	}
	d->engine = DETECTOR_DARKNET;
}

struct detector *
detector_open(const char *cfg, const char *weights, const char *names,
    enum detector_engine engine, int threads, char *err, size_t errsz)
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
	open_engine(d, weights, engine, threads);
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
	engine_xnn_free(d->xnn);
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
 * One candidate (centre bx, by and size in network pixels, darknet's
 * per-class probabilities) as a box in image pixels: image = (net - d) /
 * scale, clamped to [0, cw] x [0, ch].  0 when it is dropped.
 */
static int
map_box(const struct detector *d, const struct letterbox *lb, int cw,
    int ch, float thresh, float bx, float by, float bw, float bh,
    const float *prob, struct det_box *out)
{
	float		 best = 0, x0, y0, x1, y1;
	int		 j, cls = -1;

	for (j = 0; j < d->classes; j++)
		if (prob[j] > best) {
			best = prob[j];
			cls = j;
		}
	if (cls < 0 || !(best >= thresh) || !isfinite(best))
		return 0;
	/* network pixels (centre, size) -> image pixels (corners) */
	x0 = (bx - bw / 2 - lb->dx) / lb->scale;
	y0 = (by - bh / 2 - lb->dy) / lb->scale;
	x1 = (bx + bw / 2 - lb->dx) / lb->scale;
	y1 = (by + bh / 2 - lb->dy) / lb->scale;
	if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
		return 0;
	x0 = clampf(x0, 0, cw);
	x1 = clampf(x1, 0, cw);
	y0 = clampf(y0, 0, ch);
	y1 = clampf(y1, 0, ch);
	if (x1 - x0 < 1 || y1 - y0 < 1)
		return 0;
	out->cls = cls;
	out->conf = best;
	out->x = x0;
	out->y = y0;
	out->w = x1 - x0;
	out->h = y1 - y0;
	return 1;
}

/* The engine's own interleaved input, or NULL (it takes d->input). */
static float *
detector_input_hwc(struct detector *d)
{
	return d->xnn != NULL && !d->calibrating ?
	    engine_xnn_input_hwc(d->xnn) : NULL;
}

/* Forward the loaded input with the engine that runs, and collect the boxes. */
static int
run_mapped(struct detector *d, const struct letterbox *lb, int cw, int ch,
    float thresh, float nms, struct det_box **out, size_t *nout)
{
	struct det_box	*v = NULL;
	detection	*dets = NULL;
	struct engine_det *xd = NULL;
	int		 ndets = 0, i, rc = -1;
	size_t		 n = 0;

	*out = NULL;
	*nout = 0;
	if (d->xnn != NULL) {
		if (engine_xnn_forward(d->xnn, d->in_hwc ? NULL : d->input) ==
		    -1 ||
		    engine_xnn_boxes(d->xnn, thresh, nms, &xd, &ndets) == -1)
			return -1;
	} else {
		network_predict(d->net, d->input);
		dets = get_network_boxes(d->net, d->netw, d->neth, thresh,
		    0.5f, NULL, 0, &ndets);
		if (dets == NULL)
			return ndets == 0 ? 0 : -1;
		if (nms > 0)
			do_nms_sort(dets, ndets, d->classes, nms);
	}
	if (ndets > 0 && (v = calloc((size_t)ndets, sizeof(*v))) == NULL)
		goto done;
	for (i = 0; i < ndets; i++) {
		if (xd != NULL)
			n += map_box(d, lb, cw, ch, thresh, xd[i].x, xd[i].y,
			    xd[i].w, xd[i].h, xd[i].prob, &v[n]);
		else
			n += map_box(d, lb, cw, ch, thresh, dets[i].bbox.x,
			    dets[i].bbox.y, dets[i].bbox.w, dets[i].bbox.h,
			    dets[i].prob, &v[n]);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), box_cmp);
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	*nout = n;
	rc = 0;
done:
	if (dets != NULL)
		free_detections(dets, ndets);
	free(xd);
	return rc;
}

int
detector_run(struct detector *d, const struct img *im, float thresh,
    float nms, struct det_box **out, size_t *nout)
{
	struct letterbox lb;
	float		*q;

	/* straight into the engine's own (interleaved) input when it has one */
	if ((d->in_hwc = (q = detector_input_hwc(d)) != NULL))
		imgio_letterbox_hwc(im, d->netw, d->neth, q, &lb);
	else
		imgio_letterbox(im, d->netw, d->neth, d->input, &lb);
	return run_mapped(d, &lb, im->w, im->h, thresh, nms, out, nout);
}

float *
detector_input(struct detector *d)
{
	d->in_hwc = 0;
	return d->input;
}

void
detector_load_tile(struct detector *d, const struct img *im, int x, int y)
{
	float	*q;

	if ((d->in_hwc = (q = detector_input_hwc(d)) != NULL))
		imgio_tile_hwc(im, x, y, d->netw, d->neth, q);
	else
		imgio_tile_planar(im, x, y, d->netw, d->neth, d->input);
}

int
detector_run_input(struct detector *d, float thresh, float nms,
    struct det_box **out, size_t *nout)
{
	struct letterbox lb = { 1.0f, 0, 0, d->netw, d->neth };

	return run_mapped(d, &lb, d->netw, d->neth, thresh, nms, out, nout);
}

enum detector_engine
detector_engine(const struct detector *d)
{
	return d->engine;
}

int
detector_calib_add(struct detector *d, const struct img *im)
{
	struct letterbox lb;

	if (d->xnn == NULL || d->engine != DETECTOR_XNNPACK)
		return -1;
	if (!d->calibrating) {
		engine_xnn_calib_start(d->xnn);
		d->calibrating = 1;
	}
	imgio_letterbox(im, d->netw, d->neth, d->input, &lb);
	return engine_xnn_forward(d->xnn, d->input);
}

int
detector_calib_write(struct detector *d, const char *path, char *err,
    size_t errsz)
{
	if (d->xnn == NULL || d->engine != DETECTOR_XNNPACK) {
		snprintf(err, errsz, "calibration needs the xnnpack engine");
		return -1;
	}
	return engine_xnn_calib_write(d->xnn, path, err, errsz);
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
