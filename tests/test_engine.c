/* test_engine.c: the XNNPACK engine against libdarknet, layer type by layer type */
/*
 * 1. A small random cfg with every layer type the engine maps (strided,
 *    grouped, 1x1, relu/linear/leaky convolutions, both max-pool kinds,
 *    upsample with a scale, routes that place, alias and copy, shortcut,
 *    two yolo heads), random weights and sane batch-norm statistics
 *    (darknet's init leaves the variance at 0): yolo outputs within 1e-3
 *    of libdarknet's and the same boxes.
 * 2. The shipped detectors, the default (models/v3.*, the one production
 *    runs), v2.1 (models/v2.*) and v1 (models/bccd.*), on real BCCD images (val split;
 *    skipped without the dataset): the same, plus detector_run() through
 *    both engines.
 * 3. A cfg with a layer the engine cannot map: an error naming the layer,
 *    and detector_open() falling back to libdarknet.
 * 4. int8, for each shipped model with its .int8 (both ship one): boxes
 *    close to fp32's, which production's xnnpack-int8 runs; int8 on
 *    the random cfg, its shortcut (leaky, and linear) included.  Each
 *    int8 check twice: BV_QGEMM=off (XNNPACK's kernels) and on (our
 *    int8 convolution, qgemm.h, wherever it runs).
 * 5. A convolution large enough to be split into output-channel chunks,
 *    fp32 and int8.
 * 6. Classifiers (global avgpool + softmax): a random one and the shipped
 *    white-cell classifier, engine_xnn_result() against network_predict;
 *    a features net (ending in a leaky convolution, as classifier.c runs
 *    the shipped ones) on int8: engine_xnn_result() gives the real values
 *    its int8 output stands for, within a few of its steps of fp32's.
 * Exit 77 when the build has no XNNPACK.
 */

#include "base/config.h"
#include "vision/detector.h"
#include "engine/engine_xnn.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "tools/toolutil.h"
#include "check.h"

#include <darknet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NIMAGES	20		/* BCCD val images compared */

static unsigned long rng = 12345;

static float
frand(float lo, float hi)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return lo + (hi - lo) * (float)((rng >> 40) & 0xffffff) / 16777216.0f;
}

/* Max |engine - darknet| over every yolo output after one forward each. */
static double
compare_outputs(network *net, struct engine_xnn *e, float *input)
{
	double	 worst = 0, d;
	float	*buf;
	int	 k, li, i, n;
	size_t	 cap = 0;

	network_predict(net, input);
	if (engine_xnn_forward(e, input) == -1)
		return INFINITY;
	for (k = 0; k < engine_xnn_outputs(e); k++) {
		for (i = 0; i < net->n; i++)
			if ((size_t)net->layers[i].outputs > cap)
				cap = (size_t)net->layers[i].outputs;
		if ((buf = malloc(cap * sizeof(*buf))) == NULL)
			return INFINITY;
		if (engine_xnn_output(e, k, buf, cap, &li) == -1) {
			free(buf);
			return INFINITY;
		}
		n = net->layers[li].outputs;
		for (i = 0; i < n; i++) {
			d = fabs((double)buf[i] - net->layers[li].output[i]);
			if (!(d <= worst))
				worst = isnan(d) ? INFINITY : d;
		}
		free(buf);
	}
	return worst;
}

static int
far(float a, float b)
{
	return !(fabsf(a - b) <= .05f + 1e-4f * fabsf(a));
}

/*
 * Same boxes, in the same order (two neighbours whose sort keys tie
 * within float noise may come out swapped), from darknet's
 * get_network_boxes (+ do_nms_sort when nms > 0) and ours; probabilities
 * within 1e-3 except where one side sits at the threshold.
 */
static int
same_box(const detection *d, const struct engine_det *x)
{
	return !far(d->bbox.x, x->x) && !far(d->bbox.y, x->y) &&
	    !far(d->bbox.w, x->w) && !far(d->bbox.h, x->h);
}

static int
compare_boxes(network *net, struct engine_xnn *e, float thresh, float nms)
{
	detection		*dd;
	struct engine_det	*xd;
	int			 nd = 0, nx = 0, i, j, kept_d = 0, kept_x = 0,
				 bad = 0;

	dd = get_network_boxes(net, net->w, net->h, thresh, .5f, NULL, 0,
	    &nd);
	if (nms > 0)
		do_nms_sort(dd, nd, net->layers[net->n - 1].classes, nms);
	if (engine_xnn_boxes(e, thresh, nms, &xd, &nx) == -1)
		return -1;
	if (nd != nx)
		bad++;
	for (i = 0; i < nd && i < nx; i++) {
		if (i + 1 < nd && i + 1 < nx && !same_box(&dd[i], &xd[i]) &&
		    same_box(&dd[i], &xd[i + 1]) && same_box(&dd[i + 1], &xd[i])) {
			/* Two boxes whose sort keys tie within float noise
			 * come out in the other order: the same set. */
			struct engine_det t = xd[i];

			xd[i] = xd[i + 1];
			xd[i + 1] = t;
		}
		if (far(dd[i].bbox.x, xd[i].x) ||
		    far(dd[i].bbox.y, xd[i].y) ||
		    far(dd[i].bbox.w, xd[i].w) ||
		    far(dd[i].bbox.h, xd[i].h)) {
			if (bad++ < 3)
				fprintf(stderr, "box %d: darknet %g %g %g %g, "
				    "ours %g %g %g %g\n", i, dd[i].bbox.x,
				    dd[i].bbox.y, dd[i].bbox.w, dd[i].bbox.h,
				    xd[i].x, xd[i].y, xd[i].w, xd[i].h);
		}
		for (j = 0; j < net->layers[net->n - 1].classes; j++) {
			if (fabsf(dd[i].prob[j] - xd[i].prob[j]) > 1e-3f &&
			    fabsf(dd[i].prob[j] - thresh) > 1e-3f &&
			    fabsf(xd[i].prob[j] - thresh) > 1e-3f)
				bad++;
			kept_d += dd[i].prob[j] > 0;
			kept_x += xd[i].prob[j] > 0;
		}
	}
	if (bad)
		fprintf(stderr, "boxes: darknet %d (%d kept), ours %d (%d "
		    "kept), %d differ\n", nd, kept_d, nx, kept_x, bad);
	free_detections(dd, nd);
	free(xd);
	return bad;
}

static const char random_cfg[] =
    "[net]\nbatch=1\nsubdivisions=1\nwidth=64\nheight=64\nchannels=3\n"
    /* 0 */ "[convolutional]\nbatch_normalize=1\nfilters=8\nsize=3\n"
	"stride=2\npad=1\nactivation=leaky\n"
    /* 1 */ "[maxpool]\nsize=2\nstride=1\n"
    /* 2 */ "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\n"
	"stride=1\npad=1\ngroups=2\nactivation=relu\n"
    /* 3 */ "[maxpool]\nsize=2\nstride=2\n"
    /* 4 */ "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=1\n"
	"stride=1\npad=1\nactivation=leaky\n"
    /* 5 */ "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\n"
	"stride=1\npad=1\nactivation=linear\n"
    /* 6 */ "[shortcut]\nfrom=-2\nactivation=leaky\n"
    /* 7 */ "[convolutional]\nbatch_normalize=1\nfilters=32\nsize=3\n"
	"stride=2\npad=1\nactivation=leaky\n"
    /* 8 */ "[upsample]\nstride=2\nscale=0.5\n"
    /* 9 */ "[route]\nlayers=-1,4\n"
    /* 10 */ "[route]\nlayers=6,-2\n"
    /* 11 */ "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\n"
	"stride=1\npad=1\nactivation=leaky\n"
    /* 12 */ "[convolutional]\nfilters=16\nsize=1\nstride=1\npad=1\n"
	"activation=linear\n"
    /* 13 */ "[yolo]\nmask=0,1\nanchors=10,12, 20,18, 30,40, 50,45\n"
	"classes=3\nnum=4\n"
    /* 14 */ "[route]\nlayers=7\n"
    /* 15 */ "[convolutional]\nfilters=16\nsize=1\nstride=1\npad=1\n"
	"activation=linear\n"
    /* 16 */ "[yolo]\nmask=2,3\nanchors=10,12, 20,18, 30,40, 50,45\n"
	"classes=3\nnum=4\n";

static const char unsupported_cfg[] =
    "[net]\nbatch=1\nsubdivisions=1\nwidth=32\nheight=32\nchannels=3\n"
    "[convolutional]\nbatch_normalize=1\nfilters=8\nsize=3\nstride=1\n"
	"pad=1\nactivation=leaky\n"
    "[reorg]\nstride=2\n"
    "[convolutional]\nfilters=8\nsize=1\nstride=1\npad=1\n"
	"activation=linear\n"
    "[yolo]\nmask=0\nanchors=10,12\nclasses=3\nnum=1\n";

static int
write_file(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Sane random parameters: darknet's init leaves BN variance at 0. */
static void
randomise(network *net)
{
	layer	*l;
	float	 a;
	int	 i, k;

	for (i = 0; i < net->n; i++) {
		l = &net->layers[i];
		if (l->type != CONVOLUTIONAL)
			continue;
		/* variance ~ 1 / fan-in keeps activations O(1) */
		a = sqrtf(3.0f / (float)(l->size * l->size * l->c /
		    l->groups));
		for (k = 0; k < l->nweights; k++)
			l->weights[k] = frand(-a, a);
		for (k = 0; k < l->n; k++) {
			l->biases[k] = frand(-.3f, .3f);
			if (l->batch_normalize) {
				l->scales[k] = frand(.5f, 1.5f);
				l->rolling_mean[k] = frand(-.2f, .2f);
				l->rolling_variance[k] = frand(.3f, 2.0f);
			}
		}
	}
}

static void
test_random(const char *dir)
{
	char		 cfg[512], wts[512], names[512], err[512];
	network		*net;
	struct engine_xnn *e;
	struct detector	*d;
	float		*in;
	double		 diff;
	int		 r, i;

	snprintf(cfg, sizeof(cfg), "%s/random.cfg", dir);
	snprintf(wts, sizeof(wts), "%s/random.weights", dir);
	snprintf(names, sizeof(names), "%s/random.names", dir);
	CHECK(write_file(cfg, random_cfg) == 0);
	CHECK(write_file(names, "a\nb\nc\n") == 0);
	net = parse_network_cfg(cfg);
	set_batch_network(net, 1);
	randomise(net);
	save_weights(net, wts);
	e = engine_xnn_new(net, NULL, 2, err, sizeof(err));
	if (e == NULL)
		fprintf(stderr, "random cfg: %s\n", err);
	CHECK(e != NULL);
	in = malloc(64 * 64 * 3 * sizeof(*in));
	for (r = 0; e != NULL && r < 3; r++) {
		for (i = 0; i < 64 * 64 * 3; i++)
			in[i] = frand(0, 1);
		diff = compare_outputs(net, e, in);
		printf("random cfg, input %d: max |xnnpack - darknet| %.3g\n",
		    r, diff);
		CHECK(diff <= 1e-3);
		CHECK(compare_boxes(net, e, .3f, 0) == 0);
		CHECK(compare_boxes(net, e, .3f, .45f) == 0);
	}
	free(in);
	engine_xnn_free(e);
	free_network(net);
	d = detector_open(cfg, wts, names, DETECTOR_XNNPACK, 1, err,
	    sizeof(err));
	CHECK(d != NULL && detector_engine(d) == DETECTOR_XNNPACK);
	detector_free(d);
	/* no calibration file: int8 falls back to fp32 xnnpack, logged */
	d = detector_open(cfg, wts, names, DETECTOR_XNNPACK_INT8, 1, err,
	    sizeof(err));
	CHECK(d != NULL && detector_engine(d) == DETECTOR_XNNPACK);
	detector_free(d);
	unlink(cfg);
	unlink(wts);
	unlink(names);
}

static void
test_unsupported(const char *dir)
{
	char		 cfg[512], wts[512], names[512], err[512];
	network		*net;
	struct engine_xnn *e;
	struct detector	*d;

	snprintf(cfg, sizeof(cfg), "%s/unsup.cfg", dir);
	snprintf(wts, sizeof(wts), "%s/unsup.weights", dir);
	snprintf(names, sizeof(names), "%s/unsup.names", dir);
	CHECK(write_file(cfg, unsupported_cfg) == 0);
	CHECK(write_file(names, "a\nb\nc\n") == 0);
	net = parse_network_cfg(cfg);
	set_batch_network(net, 1);
	randomise(net);
	save_weights(net, wts);
	err[0] = '\0';
	e = engine_xnn_new(net, NULL, 1, err, sizeof(err));
	CHECK(e == NULL);
	printf("unsupported cfg: \"%s\"\n", err);
	CHECK(strstr(err, "layer 1 (reorg)") != NULL);
	free_network(net);
	d = detector_open(cfg, wts, names, DETECTOR_XNNPACK, 1, err,
	    sizeof(err));
	CHECK(d != NULL && detector_engine(d) == DETECTOR_DARKNET);
	detector_free(d);
	CHECK(detector_engine_name(DETECTOR_XNNPACK_INT8) != NULL &&
	    strcmp(detector_engine_name(DETECTOR_XNNPACK_INT8),
	    "xnnpack-int8") == 0);
	{
		enum detector_engine de;
		struct config	 c;

		CHECK(detector_engine_parse("xnnpack", &de) == 0 &&
		    de == DETECTOR_XNNPACK);
		CHECK(detector_engine_parse("onnx", &de) == -1);
		/* the config key takes exactly the names the detector parses */
		config_defaults(&c);
		CHECK(detector_engine_parse(c.engine, &de) == 0);
		CHECK(config_set(&c, "engine", "darknet", NULL, err,
		    sizeof(err)) == 0 && strcmp(c.engine, "darknet") == 0);
		CHECK(config_set(&c, "engine", "xnnpack-int8", NULL, err,
		    sizeof(err)) == 0 && detector_engine_parse(c.engine, &de)
		    == 0 && de == DETECTOR_XNNPACK_INT8);
		CHECK(config_set(&c, "engine", "onnx", NULL, err,
		    sizeof(err)) == -1 && strcmp(c.engine, "xnnpack-int8") == 0);
	}
	unlink(cfg);
	unlink(wts);
	unlink(names);
}

static int
read_image(const char *path, struct img *im)
{
	struct img_limits lim;
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	if (tool_read_file(path, 64UL << 20, &buf, &len) == -1)
		return -1;
	img_limits_default(&lim);
	rc = imgio_decode(buf, len, IMG_JPEG, &lim, im) == IMG_OK ? 0 : -1;
	free(buf);
	return rc;
}

/* Boxes of a and b: same count, each within px pixels and conf within
 * dc of its partner (in order); near-threshold ones may come and go. */
static int
same_dets(const struct det_box *a, size_t na, const struct det_box *b,
    size_t nb, float px, float dc)
{
	size_t	 i, bad = 0;

	if (na != nb)
		return -1;
	for (i = 0; i < na; i++)
		if (a[i].cls != b[i].cls || fabsf(a[i].x - b[i].x) > px ||
		    fabsf(a[i].y - b[i].y) > px || fabsf(a[i].w - b[i].w) > px
		    || fabsf(a[i].h - b[i].h) > px ||
		    fabsf(a[i].conf - b[i].conf) > dc)
			bad++;
	return bad ? -1 : 0;
}

/* Greedy match count (same class, IoU >= 0.5) for the int8 comparison. */
static size_t
matched(const struct det_box *a, size_t na, const struct det_box *b,
    size_t nb)
{
	size_t	 i, j, m = 0;
	char	 used[4096] = { 0 };
	float	 ix, iy, u;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb && j < sizeof(used); j++) {
			if (used[j] || a[i].cls != b[j].cls)
				continue;
			ix = fminf(a[i].x + a[i].w, b[j].x + b[j].w) -
			    fmaxf(a[i].x, b[j].x);
			iy = fminf(a[i].y + a[i].h, b[j].y + b[j].h) -
			    fmaxf(a[i].y, b[j].y);
			if (ix <= 0 || iy <= 0)
				continue;
			u = a[i].w * a[i].h + b[j].w * b[j].h - ix * iy;
			if (ix * iy / u >= .5f) {
				used[j] = 1;
				m++;
				break;
			}
		}
	return m;
}

/* Shipped model models/<model>.* (classes in models/bccd.names) on BCCD val. */
static int
test_bccd(const char *top, const char *dataset, const char *model)
{
	char		 ids[NIMAGES][64], line[256];
	FILE		*list;
	size_t		 nids = 0;
	char		 cfg[1024], wts[1024], names[1024], path[2048],
			 calib[1024], err[512];
	network		*net;
	struct engine_xnn *e;
	struct detector	*dd, *dx, *dq[2] = { NULL, NULL };
	struct det_box	*ba, *bb;
	struct letterbox lb;
	struct img	 im;
	size_t		 na, nb, i, tot_f = 0, tot_m[2] = { 0, 0 }, k;
	float		*in;
	double		 diff, worst = 0;

	snprintf(cfg, sizeof(cfg), "%s/models/%s.cfg", top, model);
	snprintf(wts, sizeof(wts), "%s/models/%s.weights", top, model);
	snprintf(names, sizeof(names), "%s/models/bccd.names", top);
	snprintf(path, sizeof(path), "%s/BCCD/ImageSets/Main/val.txt",
	    dataset);
	if ((list = fopen(path, "r")) == NULL)
		return 77;
	while (nids < NIMAGES && fgets(line, sizeof(line), list) != NULL)
		if (sscanf(line, "%63s", ids[nids]) == 1)
			nids++;
	fclose(list);
	net = load_network(cfg, wts, 0);
	set_batch_network(net, 1);
	e = engine_xnn_new(net, NULL, 2, err, sizeof(err));
	if (e == NULL)
		fprintf(stderr, "%s: %s\n", model, err);
	CHECK(e != NULL);
	in = malloc((size_t)net->w * net->h * 3 * sizeof(*in));
	dd = detector_open(cfg, wts, names, DETECTOR_DARKNET, 1, err,
	    sizeof(err));
	dx = detector_open(cfg, wts, names, DETECTOR_XNNPACK, 2, err,
	    sizeof(err));
	CHECK(dd != NULL && dx != NULL);
	CHECK(dx != NULL && detector_engine(dx) == DETECTOR_XNNPACK);
	/* both shipped models carry their int8 calibration */
	CHECK(detector_calib_path(wts, calib, sizeof(calib)) == 0 &&
	    access(calib, R_OK) == 0);
	/* int8 twice: XNNPACK's kernels alone, ours wherever they run */
	for (k = 0; k < 2 && detector_calib_path(wts, calib, sizeof(calib))
	    == 0 && access(calib, R_OK) == 0; k++) {
		setenv("BV_QGEMM", k == 0 ? "off" : "on", 1);
		dq[k] = detector_open(cfg, wts, names, DETECTOR_XNNPACK_INT8, 2,
		    err, sizeof(err));
		CHECK(dq[k] != NULL && detector_engine(dq[k]) ==
		    DETECTOR_XNNPACK_INT8);
	}
	unsetenv("BV_QGEMM");
	for (i = 0; e != NULL && dd != NULL && dx != NULL &&
	    i < nids; i++) {
		snprintf(path, sizeof(path), "%s/BCCD/JPEGImages/%s.jpg",
		    dataset, ids[i]);
		if (read_image(path, &im) == -1) {
			CHECK(!"decode");
			continue;
		}
		imgio_letterbox(&im, net->w, net->h, in, &lb);
		diff = compare_outputs(net, e, in);
		if (diff > worst)
			worst = diff;
		CHECK(diff <= 1e-3);
		CHECK(compare_boxes(net, e, .05f, .45f) == 0);
		CHECK(detector_run(dd, &im, .25f, .45f, &ba, &na) == 0);
		CHECK(detector_run(dx, &im, .25f, .45f, &bb, &nb) == 0);
		CHECK(same_dets(ba, na, bb, nb, .5f, 1e-3f) == 0);
		printf("%s %s: max |xnnpack - darknet| %.3g, %zu boxes\n",
		    model, ids[i], diff, na);
		tot_f += na;
		for (k = 0; k < 2 && dq[k] != NULL; k++) {
			free(bb);
			CHECK(detector_run(dq[k], &im, .25f, .45f, &bb, &nb) ==
			    0);
			tot_m[k] += matched(ba, na, bb, nb);
			printf("%s %s: int8 (%s kernels) %zu boxes, %zu match "
			    "fp32\n", model, ids[i], k ? "our" : "xnnpack", nb,
			    matched(ba, na, bb, nb));
		}
		free(ba);
		free(bb);
		imgio_free(&im);
	}
	printf("%s: worst max |xnnpack - darknet| over %zu val images: "
	    "%.3g; int8 found %zu (xnnpack kernels), %zu (ours) of fp32's "
	    "%zu boxes\n", model, nids, worst, tot_m[0], tot_m[1], tot_f);
	CHECK(nids == NIMAGES);
	/* int8: at least 90 % of fp32's boxes found again (IoU >= 0.5) */
	for (k = 0; k < 2; k++) {
		CHECK(dq[k] != NULL && tot_f > 0 && tot_m[k] * 10 >= tot_f * 9);
		detector_free(dq[k]);
	}
	detector_free(dx);
	detector_free(dd);
	engine_xnn_free(e);
	free(in);
	free_network(net);
	return 0;
}

/* Largest |int8 - fp32| over the yolo outputs that are probabilities. */
static double
compare_int8(const network *net, struct engine_xnn *ef, struct engine_xnn *eq,
    const float *in, size_t cap)
{
	float	*a = malloc(cap * sizeof(*a)), *b = malloc(cap * sizeof(*b));
	double	 worst = 0, d;
	int	 k, la, lb;
	size_t	 i, hw = 0, per;

	if (a == NULL || b == NULL || engine_xnn_forward(ef, in) == -1 ||
	    engine_xnn_forward(eq, in) == -1)
		worst = INFINITY;
	for (k = 0; worst == 0 && k < engine_xnn_outputs(ef); k++) {
		if (engine_xnn_output(ef, k, a, cap, &la) == -1 ||
		    engine_xnn_output(eq, k, b, cap, &lb) == -1 || la != lb) {
			worst = INFINITY;
			break;
		}
		hw = (size_t)net->layers[la].w * net->layers[la].h;
		per = (size_t)net->layers[la].classes + 5;
		for (i = 0; i < (size_t)net->layers[la].c * hw; i++) {
			if ((i / hw) % per == 2 || (i / hw) % per == 3)
				continue;	/* raw w, h */
			d = fabs((double)a[i] - b[i]);
			if (!(d <= worst))
				worst = isnan(d) ? INFINITY : d;
		}
	}
	free(a);
	free(b);
	return worst;
}

/*
 * int8 on the random cfg, shortcut activation act: calibrate on random
 * inputs, then probabilities within 0.05 of fp32 on others; the max-pools,
 * upsample and route copies run their tables, the shortcut adds layer 5
 * (its own buffer) to layer 4 (placed in route 9's buffer at a stride).
 */
/*
 * An int8 engine for net from ef's calibration on 8 random inputs of n
 * floats (written to calib); NULL (with err said) when none is made.
 */
static struct engine_xnn *
calibrated(network *net, struct engine_xnn *ef, const char *calib, size_t n,
    const char *what)
{
	struct engine_xnn	*eq;
	char			 err[512];
	float			*in = malloc(n * sizeof(*in));
	size_t			 i;
	int			 r;

	if (in == NULL)
		return NULL;
	engine_xnn_calib_start(ef);
	for (r = 0; r < 8; r++) {
		for (i = 0; i < n; i++)
			in[i] = frand(0, 1);
		CHECK(engine_xnn_forward(ef, in) == 0);
	}
	free(in);
	CHECK(engine_xnn_calib_write(ef, calib, err, sizeof(err)) == 0);
	/* an fp32 engine built for calibration records, then runs */
	if ((eq = engine_xnn_new(net, calib, 1, err, sizeof(err))) == NULL)
		fprintf(stderr, "%s int8: %s\n", what, err);
	CHECK(eq != NULL);
	return eq;
}

static void
test_random_int8(const char *dir, const char *act)
{
	char		 cfg[512], calib[512], err[512], *text, *p;
	network		*net;
	struct engine_xnn *ef, *eq = NULL;
	float		*in;
	double		 diff;
	int		 r, i;

	snprintf(cfg, sizeof(cfg), "%s/random8.cfg", dir);
	snprintf(calib, sizeof(calib), "%s/random8.int8", dir);
	/* the shortcut's activation replaced by act */
	p = strstr(random_cfg, "[shortcut]");
	text = malloc(sizeof(random_cfg) + 64);
	CHECK(p != NULL && text != NULL);
	if (p == NULL || text == NULL)
		return;
	snprintf(text, sizeof(random_cfg) + 64, "%.*s%s%s%s",
	    (int)(p - random_cfg), random_cfg,
	    "[shortcut]\nfrom=-2\nactivation=", act,
	    strstr(p, "activation=leaky") + strlen("activation=leaky"));
	CHECK(write_file(cfg, text) == 0);
	free(text);
	net = parse_network_cfg(cfg);
	set_batch_network(net, 1);
	randomise(net);
	ef = engine_xnn_new(net, NULL, 1, err, sizeof(err));
	CHECK(ef != NULL);
	in = malloc(64 * 64 * 3 * sizeof(*in));
	if (ef != NULL &&
	    (eq = calibrated(net, ef, calib, 64 * 64 * 3, "random")) != NULL)
		CHECK(strcmp(engine_xnn_precision(eq), "int8") == 0);
	for (r = 0; eq != NULL && r < 3; r++) {
		for (i = 0; i < 64 * 64 * 3; i++)
			in[i] = frand(0, 1);
		diff = compare_int8(net, ef, eq, in, 16 * 16 * 16);
		printf("random cfg int8 (%s shortcut), input %d: max |int8 - "
		    "fp32| probability %.3g\n", act, r, diff);
		CHECK(diff <= .05);
	}
	/* a calibration of another network is refused */
	CHECK(write_file(calib, "bloodview-int8-calibration 1 3 64x64\n")
	    == 0);
	CHECK(engine_xnn_new(net, calib, 1, err, sizeof(err)) == NULL);
	free(in);
	engine_xnn_free(eq);
	engine_xnn_free(ef);
	free_network(net);
	unlink(cfg);
	unlink(calib);
}

/*
 * Convolutions whose weights outgrow the engine's per-operator budget
 * (1 MB) run as several operators over output-channel ranges: 256 -> 464
 * channels 3x3 is 4.3 MB in fp32 (5 chunks, the last one shorter) and
 * 1.07 MB in int8 (2 chunks).  fp32 against libdarknet, int8 against
 * fp32, as above.
 */
static const char chunk_cfg[] =
    "[net]\nbatch=1\nsubdivisions=1\nwidth=32\nheight=32\nchannels=3\n"
    "[convolutional]\nbatch_normalize=1\nfilters=256\nsize=3\nstride=2\n"
	"pad=1\nactivation=leaky\n"
    "[convolutional]\nbatch_normalize=1\nfilters=464\nsize=3\nstride=2\n"
	"pad=1\nactivation=leaky\n"
    "[convolutional]\nbatch_normalize=1\nfilters=128\nsize=1\nstride=1\n"
	"pad=1\nactivation=linear\n"
    "[convolutional]\nfilters=16\nsize=1\nstride=1\npad=1\n"
	"activation=linear\n"
    "[yolo]\nmask=0,1\nanchors=10,12, 20,18\nclasses=3\nnum=2\n";

static void
test_chunks(const char *dir)
{
	char		 cfg[512], calib[512], err[512];
	network		*net;
	struct engine_xnn *ef, *eq = NULL;
	float		*in;
	double		 diff;
	int		 r, i;

	snprintf(cfg, sizeof(cfg), "%s/chunk.cfg", dir);
	snprintf(calib, sizeof(calib), "%s/chunk.int8", dir);
	CHECK(write_file(cfg, chunk_cfg) == 0);
	net = parse_network_cfg(cfg);
	set_batch_network(net, 1);
	randomise(net);
	ef = engine_xnn_new(net, NULL, 1, err, sizeof(err));
	if (ef == NULL)
		fprintf(stderr, "chunk cfg: %s\n", err);
	CHECK(ef != NULL);
	in = malloc(32 * 32 * 3 * sizeof(*in));
	for (r = 0; ef != NULL && r < 2; r++) {
		for (i = 0; i < 32 * 32 * 3; i++)
			in[i] = frand(0, 1);
		diff = compare_outputs(net, ef, in);
		printf("chunked cfg, input %d: max |xnnpack - darknet| %.3g\n",
		    r, diff);
		CHECK(diff <= 1e-3);
		CHECK(compare_boxes(net, ef, .3f, .45f) == 0);
	}
	if (ef != NULL)
		eq = calibrated(net, ef, calib, 32 * 32 * 3, "chunk");
	for (r = 0; eq != NULL && r < 2; r++) {
		for (i = 0; i < 32 * 32 * 3; i++)
			in[i] = frand(0, 1);
		diff = compare_int8(net, ef, eq, in, 8 * 8 * 16);
		printf("chunked cfg int8, input %d: max |int8 - fp32| "
		    "probability %.3g\n", r, diff);
		CHECK(diff <= .05);
	}
	free(in);
	engine_xnn_free(eq);
	engine_xnn_free(ef);
	free_network(net);
	unlink(cfg);
	unlink(calib);
}

static const char cls_cfg[] =
    "[net]\nbatch=1\nsubdivisions=1\nwidth=32\nheight=32\nchannels=3\n"
    "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\nstride=1\n"
	"pad=1\nactivation=leaky\n"
    "[maxpool]\nsize=2\nstride=2\n"
    "[convolutional]\nfilters=5\nsize=1\nstride=1\npad=1\n"
	"activation=linear\n"
    "[avgpool]\n"
    "[softmax]\ngroups=1\n";

/* Max |engine - darknet| of a classifier's output on n random inputs. */
static double
compare_classifier(network *net, struct engine_xnn *e, int n)
{
	size_t	 sz = (size_t)net->w * net->h * net->c;
	float	*in = malloc(sz * sizeof(*in)), *p, out[64];
	double	 worst = 0, d, sum;
	int	 r, i, k;
	size_t	 j;

	if (in == NULL)
		return INFINITY;
	for (r = 0; r < n; r++) {
		for (j = 0; j < sz; j++)
			in[j] = frand(0, 1);
		p = network_predict(net, in);
		if (engine_xnn_forward(e, in) == -1 ||
		    (k = engine_xnn_result(e, out, 64)) !=
		    net->layers[net->n - 1].outputs) {
			worst = INFINITY;
			break;
		}
		sum = 0;
		for (i = 0; i < k; i++) {
			d = fabs((double)out[i] - p[i]);
			if (!(d <= worst))
				worst = isnan(d) ? INFINITY : d;
			sum += out[i];
		}
		if (fabs(sum - 1) > 1e-5)	/* a softmax: sums to 1 */
			worst = INFINITY;
	}
	free(in);
	return worst;
}

static void
test_classifier(const char *dir, const char *top)
{
	char		 cfg[1024], wts[1024], err[512];
	network		*net;
	struct engine_xnn *e;
	double		 diff;
	float		 out[8];

	snprintf(cfg, sizeof(cfg), "%s/cls.cfg", dir);
	CHECK(write_file(cfg, cls_cfg) == 0);
	net = parse_network_cfg(cfg);
	set_batch_network(net, 1);
	randomise(net);
	e = engine_xnn_new(net, NULL, 1, err, sizeof(err));
	if (e == NULL)
		fprintf(stderr, "classifier cfg: %s\n", err);
	CHECK(e != NULL);
	if (e != NULL) {
		diff = compare_classifier(net, e, 3);
		printf("random classifier: max |xnnpack - darknet| %.3g\n",
		    diff);
		CHECK(diff <= 1e-5);
		CHECK(engine_xnn_result(e, out, 4) == -1);	/* too short */
	}
	engine_xnn_free(e);
	free_network(net);
	unlink(cfg);

	/* the shipped white-cell classifier (models/v2-wbc.*) */
	snprintf(cfg, sizeof(cfg), "%s/models/v2-wbc.cfg", top);
	snprintf(wts, sizeof(wts), "%s/models/v2-wbc.weights", top);
	if (access(cfg, R_OK) != 0 || access(wts, R_OK) != 0) {
		printf("white-cell classifier not found, skipped\n");
		return;
	}
	net = load_network(cfg, wts, 0);
	set_batch_network(net, 1);
	e = engine_xnn_new(net, NULL, 1, err, sizeof(err));
	if (e == NULL)
		fprintf(stderr, "v2-wbc: %s\n", err);
	CHECK(e != NULL);
	if (e != NULL) {
		diff = compare_classifier(net, e, 3);
		printf("v2-wbc classifier: max |xnnpack - darknet| %.3g\n",
		    diff);
		CHECK(diff <= 1e-5);
	}
	engine_xnn_free(e);
	free_network(net);
}

static const char feat_cfg[] =
    "[net]\nbatch=1\nsubdivisions=1\nwidth=32\nheight=32\nchannels=3\n"
    "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\nstride=1\n"
	"pad=1\nactivation=leaky\n"
    "[maxpool]\nsize=2\nstride=2\n"
    "[convolutional]\nbatch_normalize=1\nfilters=32\nsize=3\nstride=1\n"
	"pad=1\nactivation=leaky\n"
    "[maxpool]\nsize=2\nstride=2\n"
    "[convolutional]\nbatch_normalize=1\nfilters=24\nsize=3\nstride=1\n"
	"pad=1\nactivation=leaky\n";

/*
 * The int8 read-out of a features net: calibrated on 8 random inputs,
 * then on 3 others engine_xnn_result() of the int8 engine against the
 * fp32 one's: every value within 6 % of the output's range (a few int8
 * steps; a lost zero point is half the range off) and the means within
 * 1 %.
 */
static void
test_features_int8(const char *dir)
{
	enum { NOUT = 8 * 8 * 24 };
	char		 cfg[512], calib[512], err[512];
	static float	 in[32 * 32 * 3], a[NOUT], b[NOUT];
	struct engine_xnn *ef, *eq = NULL;
	network		*net;
	double		 lo, hi, worst, sa, sb;
	int		 r, i;

	snprintf(cfg, sizeof(cfg), "%s/feat.cfg", dir);
	snprintf(calib, sizeof(calib), "%s/feat.int8", dir);
	CHECK(write_file(cfg, feat_cfg) == 0);
	net = parse_network_cfg(cfg);
	set_batch_network(net, 1);
	randomise(net);
	ef = engine_xnn_new(net, NULL, 1, err, sizeof(err));
	CHECK(ef != NULL);
	if (ef != NULL)
		eq = calibrated(net, ef, calib, 32 * 32 * 3, "features");
	for (r = 0; eq != NULL && r < 3; r++) {
		for (i = 0; i < 32 * 32 * 3; i++)
			in[i] = frand(0, 1);
		CHECK(engine_xnn_forward(ef, in) == 0 &&
		    engine_xnn_forward(eq, in) == 0);
		CHECK(engine_xnn_result(ef, a, NOUT) == NOUT);
		CHECK(engine_xnn_result(eq, b, NOUT) == NOUT);
		lo = hi = a[0];
		worst = sa = sb = 0;
		for (i = 0; i < NOUT; i++) {
			lo = a[i] < lo ? a[i] : lo;
			hi = a[i] > hi ? a[i] : hi;
			worst = fmax(worst, fabs((double)a[i] - b[i]));
			sa += a[i];
			sb += b[i];
		}
		printf("features int8, input %d: max |int8 - fp32| %.3g of a "
		    "range %.3g, means %.4g / %.4g\n", r, worst, hi - lo,
		    sa / NOUT, sb / NOUT);
		CHECK(hi > lo && worst <= 0.06 * (hi - lo));
		CHECK(fabs(sa - sb) / NOUT <= 0.01 * (hi - lo));
	}
	engine_xnn_free(eq);
	engine_xnn_free(ef);
	free_network(net);
	unlink(cfg);
	unlink(calib);
}

int
main(void)
{
	const char	*top = getenv("top_srcdir"), *ds = getenv("BV_DATASET");
	char		 dir[] = "/tmp/test_engine.XXXXXX";
	int		 rc, k;

	if (!engine_xnn_available()) {
		printf("SKIP: built without XNNPACK\n");
		return 77;
	}
	if (mkdtemp(dir) == NULL)
		return 99;
	if (top == NULL)
		top = "..";
	if (ds == NULL)
		ds = "../shared/datasets/bccd";
	test_random(dir);
	/* int8 on XNNPACK's kernels, then on ours wherever they run */
	for (k = 0; k < 2; k++) {
		setenv("BV_QGEMM", k == 0 ? "off" : "on", 1);
		printf("int8 with BV_QGEMM=%s\n", k == 0 ? "off" : "on");
		test_random_int8(dir, "leaky");
		test_random_int8(dir, "linear");
		test_chunks(dir);
	}
	unsetenv("BV_QGEMM");
	test_classifier(dir, top);
	test_features_int8(dir);
	test_unsupported(dir);
	rc = test_bccd(top, ds, "v3");		/* the default */
	if (rc == 0)
		rc = test_bccd(top, ds, "v2");
	if (rc == 0)
		rc = test_bccd(top, ds, "bccd");
	rmdir(dir);
	if (rc == 77)
		printf("bccd part skipped: no dataset at %s\n", ds);
	rc = check_done("test_engine");
	return rc;
}
