/* traindet.c: bv-train's detector: YOLO training with ignore regions, validation mAP, eval */
/*
 * libdarknet 2018 does the forward/backward/update; this file adds the
 * ignore regions to its YOLO loss (train_step), the batches from
 * trainaug.c, warmup + cosine learning rate and the EMA (trainnet.c), and
 * VOC mAP@0.5 on the validation list(s), keeping best.weights (EMA).
 */
#include "tools/traindet.h"
#include "tools/trainrng.h"
#include "tools/toolutil.h"
#include "tools/vocap.h"
#include "engine/blasgemm.h"
#include "base/geom.h"
#include "base/timing.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mAP@0.5 of net (batch 1) over the validation set; ap[] per class. */
static double
validate(network *net, struct valset *vs, int ncls, double *ap)
{
	struct vocap_gt *gt = NULL;
	struct vocap_det *det = NULL;
	size_t ngt = 0, ndet = 0, capd = 0, capg = 0;
	double map = NAN;

	for (int i = 0; i < vs->ds.n; i++) {
		struct sample *s = &vs->ds.s[i];
		detection *dets;
		int nd = 0;

		for (int k = 0; k < s->nb; k++) {
			if (ngt == capg) {
				capg = capg ? capg * 2 : 1024;
				gt = realloc(gt, capg * sizeof *gt);
				if (gt == NULL)
					goto out;
			}
			gt[ngt].img = i;
			gt[ngt].cls = (int)s->b[k * 5];
			/* Ignore regions: matched detections count neither way. */
			gt[ngt].difficult = gt[ngt].cls < 0;
			if (gt[ngt].cls < 0)
				gt[ngt].cls = -1 - gt[ngt].cls;
			gt[ngt].x0 = s->b[k * 5 + 1];
			gt[ngt].y0 = s->b[k * 5 + 2];
			gt[ngt].x1 = s->b[k * 5 + 3];
			gt[ngt].y1 = s->b[k * 5 + 4];
			ngt++;
		}
		network_predict(net, vs->boxed[i].data);
		/* Scaled inputs: boxes relative to the canvas, mapped back below. */
		if (vs->sc[i] > 0)
			dets = get_network_boxes(net, net->w, net->h, 0.005f, 0.5f, 0, 1, &nd);
		else
			dets = get_network_boxes(net, s->im.w, s->im.h, 0.005f, 0.5f, 0, 1, &nd);
		do_nms_sort(dets, nd, ncls, 0.45f);
		for (int k = 0; k < nd; k++)
			for (int c = 0; c < ncls; c++) {
				box b = dets[k].bbox;

				if (dets[k].prob[c] <= 0)
					continue;
				if (ndet == capd) {
					capd = capd ? capd * 2 : 4096;
					det = realloc(det, capd * sizeof *det);
					if (det == NULL) {
						free_detections(dets, nd);
						goto out;
					}
				}
				det[ndet].img = i;
				det[ndet].cls = c;
				det[ndet].conf = dets[k].prob[c];
				if (vs->sc[i] > 0) {
					float sc = vs->sc[i];

					det[ndet].x0 = ((b.x - b.w / 2) * net->w - vs->dx[i]) / sc;
					det[ndet].x1 = ((b.x + b.w / 2) * net->w - vs->dx[i]) / sc;
					det[ndet].y0 = ((b.y - b.h / 2) * net->h - vs->dy[i]) / sc;
					det[ndet].y1 = ((b.y + b.h / 2) * net->h - vs->dy[i]) / sc;
				} else {
					det[ndet].x0 = (b.x - b.w / 2) * s->im.w;
					det[ndet].x1 = (b.x + b.w / 2) * s->im.w;
					det[ndet].y0 = (b.y - b.h / 2) * s->im.h;
					det[ndet].y1 = (b.y + b.h / 2) * s->im.h;
				}
				ndet++;
			}
		free_detections(dets, nd);
	}
	if (vocap_eval(gt, ngt, det, ndet, vs->ds.n, ncls, 0.5, ap, &map) == -1)
		map = NAN;
out:
	free(gt);
	free(det);
	return map;
}
/* IoU of corner box (ax0, ay0, ax1, ay1) and b = {x0, y0, x1, y1}. */
static float
box_iou_c(float ax0, float ay0, float ax1, float ay1, const float *b)
{
	return (float)geom_iou((struct geom_box){ ax0, ay0, ax1, ay1 },
	    (struct geom_box){ b[0], b[1], b[2], b[3] });
}

/*
 * Ignore regions in libdarknet's YOLO loss: after forward_network() has
 * filled each [yolo] layer's delta, a prediction that was pushed towards
 * "no object" (negative objectness delta) and whose box lies on an ignore
 * region (centre inside it, or IoU >= 0.3) gets no objectness gradient.
 * Positive deltas (assigned truths) are left alone.  Layout as in
 * libdarknet's yolo_layer.c entry_index().
 */
static void
mask_ignores(network *net, const struct ignores *ig)
{
	for (int li = 0; li < net->n; li++) {
		layer *l = &net->layers[li];
		int wh = l->w * l->h, stride = wh * (4 + l->classes + 1);

		if (l->type != YOLO)
			continue;
		for (int b = 0; b < l->batch; b++) {
			const struct ignores *g = &ig[b];

			if (g->n == 0)
				continue;
			for (int n = 0; n < l->n; n++)
				for (int loc = 0; loc < wh; loc++) {
					int idx = b * l->outputs + n * stride + loc;
					int obj = idx + 4 * wh;
					float *o = l->output, cx, cy, w, h;

					if (l->delta[obj] >= 0)
						continue;
					cx = (loc % l->w + o[idx]) / l->w;
					cy = (loc / l->w + o[idx + wh]) / l->h;
					w = expf(o[idx + 2 * wh]) * l->biases[2 * l->mask[n]] / net->w;
					h = expf(o[idx + 3 * wh]) * l->biases[2 * l->mask[n] + 1] / net->h;
					for (int k = 0; k < g->n; k++) {
						const float *r = g->b + k * 4;

						if ((cx >= r[0] && cx <= r[2] && cy >= r[1] && cy <= r[3]) ||
						    box_iou_c(cx - w / 2, cy - h / 2, cx + w / 2,
						    cy + h / 2, r) >= 0.3f) {
							l->delta[obj] = 0;
							break;
						}
					}
				}
		}
	}
}

/* train_network() for one batch, with the ignore regions masked between
 * the forward and the backward pass.  Returns the loss per image. */
static float
train_step(network *net, const data *d, const struct ignores *ig, int masking)
{
	for (int b = 0; b < net->batch; b++) {
		memcpy(net->input + (size_t)b * net->inputs, d->X.vals[b],
		    (size_t)net->inputs * sizeof *net->input);
		memcpy(net->truth + (size_t)b * net->truths, d->y.vals[b],
		    (size_t)net->truths * sizeof *net->truth);
	}
	*net->seen += net->batch;
	net->train = 1;
	forward_network(net);
	if (masking)
		mask_ignores(net, ig);
	backward_network(net);
	update_network(net);
	return *net->cost / net->batch;
}
int
traindet_init_only(const struct opts *o)
{
	network *net;

	srand((unsigned)o->seed);
	net = parse_network_cfg((char *)o->cfg);
	trainnet_sane_bn(net);
	if (trainnet_save(net, o->init_only) == -1)
		return 1;
	printf("wrote %s (random init, seed %lu)\n", o->init_only, o->seed);
	free_network(net);
	return 0;
}

/* One detector training run's data and networks. */
struct det_run {
	network *net, *ema;
	struct dataset train;
	struct valset vs[TRAINNET_MAXVAL];
	struct ignores *ig;
	data d;
	int S, maxb, ncls, masking;
	struct trainnet_pace pace;
	FILE *log;
};

/* The network's input size, classes and truths; 0, or -1 with a message. */
static int
det_shape(struct det_run *r)
{
	layer out = r->net->layers[r->net->n - 1];

	r->S = r->net->w;
	if (r->net->h != r->S) {
		fprintf(stderr, "bv-train: square inputs only\n");
		return -1;
	}
	r->ncls = out.classes;
	r->maxb = r->net->truths / 5;
	if (out.type != YOLO || r->net->truths % 5 != 0) {
		fprintf(stderr, "bv-train: last layer must be [yolo]\n");
		return -1;
	}
	return 0;
}

/* The lists, validation inputs and per-image ignore buffers. */
static int
det_data(const struct opts *o, struct det_run *r)
{
	int nvalimg = 0;

	fprintf(r->log, "loading %s ...\n", o->train);
	if (traindata_load(&r->train, o->train, o->border_aspect) == -1)
		return -1;
	for (int v = 0; v < o->nval; v++) {
		r->vs[v].name = o->val[v];
		if (traindata_load(&r->vs[v].ds, o->val[v], o->border_aspect) == -1 ||
		    traindata_valset(&r->vs[v], r->S, o->aug.scale_ref) == -1)
			return -1;
		nvalimg += r->vs[v].ds.n;
	}
	fprintf(r->log, "train %d images, val %d, input %dx%d, batch %d, max boxes %d, "
	    "classes %d, iters %d\n", r->train.n, nvalimg, r->S, r->S, o->batch,
	    r->maxb, r->ncls, o->iters);
	/* Ignore regions exist when a list asks for them or mosaic cuts cells;
	 * without them the step is exactly v1's train_network(). */
	r->masking = o->aug.mosaic > 0;
	for (int i = 0; i < r->train.n && !r->masking; i++)
		for (int k = 0; k < r->train.s[i].nb; k++)
			if (r->train.s[i].b[k * 5] < 0)
				r->masking = 1;
	if ((r->ig = calloc(o->batch, sizeof *r->ig)) == NULL)
		return -1;
	for (int b = 0; b < o->batch; b++) {
		r->ig[b].max = 4 * r->maxb;
		if ((r->ig[b].b = malloc((size_t)r->ig[b].max * 4 *
		    sizeof *r->ig[b].b)) == NULL)
			return -1;
	}
	return 0;
}

/* --dump-aug: write that many augmented inputs to OUT. */
static void
det_dump(const struct opts *o, struct det_run *r)
{
	char p[PATH_MAX];

	for (int k = 0; k < o->dump_aug; k++) {
		struct aug a = o->aug;

		trainaug_sample(&r->train, trainrng_int(r->train.n), r->d.X.vals[0],
		    r->S, &a, r->d.y.vals[0], r->maxb, &r->ig[0]);
		tool_pathf(p, sizeof p, "%s/aug-%03d", o->out, k);
		trainaug_dump(p, r->d.X.vals[0], r->S, r->d.y.vals[0], r->maxb,
		    &r->ig[0]);
		fprintf(r->log, "wrote %s.png (%d ignore regions)\n", p, r->ig[0].n);
	}
}

/* Validation of the EMA on every list; best.weights on their mean mAP. */
static void
det_validate(const struct opts *o, struct det_run *r, struct state *st, int it)
{
	double ap[16], map = 0, tv = timing_ms() / 1e3;

	for (int v = 0; v < o->nval; v++) {
		double m = validate(r->ema, &r->vs[v], r->ncls, ap);

		fprintf(r->log, "val iter %d mAP %.4f (", it, m);
		for (int c = 0; c < r->ncls && c < 16; c++)
			fprintf(r->log, "%s%.4f", c ? " " : "", ap[c]);
		fprintf(r->log, ")%s%s %.1fs\n", o->nval > 1 ? " " : "",
		    o->nval > 1 ? r->vs[v].name : "", timing_ms() / 1e3 - tv);
		map += m / o->nval;
	}
	if (o->nval > 1)
		fprintf(r->log, "val iter %d mean mAP %.4f\n", it, map);
	trainnet_best(o, r->ema, st, map, it, r->log);
}

/* One batch: augment, step, EMA, log line.  0, or -1 on a non-finite loss. */
static int
det_iteration(const struct opts *o, struct det_run *r, struct state *st)
{
	struct aug a = o->aug;
	float loss, lr = trainnet_lr(o, st->iter);

	if (st->iter >= o->iters * (1 - o->nomosaic_last))
		a.mosaic = 0;
	for (int b = 0; b < o->batch; b++)
		trainaug_sample(&r->train, trainnet_next(st), r->d.X.vals[b], r->S,
		    &a, r->d.y.vals[b], r->maxb, &r->ig[b]);
	r->net->learning_rate = lr;
	loss = o->v1_step ? train_network(r->net, r->d) :
	    train_step(r->net, &r->d, r->ig, r->masking);
	return trainnet_stepped(o, &r->pace, r->net, r->ema, st, loss, lr);
}

int
traindet_train(const struct opts *o)
{
	struct det_run r = { 0 };
	struct state st = { 0, 0, -1, -1, NULL, 0, 0 };

	r.log = trainnet_log();
	trainnet_seed(o);
	if (trainnet_open(o, &r.net, &r.ema) == -1 || det_shape(&r) == -1 ||
	    det_data(o, &r) == -1 ||
	    trainnet_start(o, r.net, r.ema, &st, r.train.n, r.log, "mAP") == -1)
		return 1;
	r.d.X = make_matrix(o->batch, r.S * r.S * 3);
	r.d.y = make_matrix(o->batch, r.net->truths);
	if (o->dump_aug > 0) {
		det_dump(o, &r);
		return 0;
	}
	trainnet_signals();
	trainnet_pace_start(&r.pace, r.log, &st);
	while (st.iter < o->iters && !trainnet_stop &&
	    (o->stop_at <= 0 || st.iter < o->stop_at)) {
		if (det_iteration(o, &r, &st) == -1)
			return 1;
		if (o->nval > 0 && (st.iter % o->val_every == 0 || st.iter == o->iters))
			det_validate(o, &r, &st, st.iter);
		trainnet_ckpt_due(o, r.net, r.ema, &st, r.log);
	}
	trainnet_finish(o, r.ema, &st, r.log, "mAP");
	return 0;
}

static double
net_bflops(const network *net)
{
	double f = 0;

	for (int i = 0; i < net->n; i++) {
		const layer *l = &net->layers[i];

		if (l->type == CONVOLUTIONAL)
			f += 2.0 * l->n * l->size * l->size * l->c / l->groups *
			    l->out_w * l->out_h;
	}
	return f / 1e9;
}

/* `bv-train eval`: VOC mAP@0.5 of one weights file on lists, each read
 * and scaled as in training validation (scale=, border=ignore). */
int
traindet_eval(const struct opts *o)
{
	network *net;
	int ncls;

	blasgemm_threads(o->threads);
	net = trainnet_load(o->cfg, o->weights);
	ncls = net->layers[net->n - 1].classes;
	printf("# %s at %dx%d (%.3f BFLOPs), scale-ref %.0f\n", o->weights,
	    net->w, net->h, net_bflops(net), o->aug.scale_ref);
	for (int v = 0; v < o->nval; v++) {
		struct valset vs = { o->val[v], { NULL, 0 }, NULL, NULL, NULL, NULL };
		double ap[16], map, t0 = timing_ms();
		int ngt[16] = { 0 }, nign = 0;

		if (traindata_load(&vs.ds, o->val[v], o->border_aspect) == -1 ||
		    traindata_valset(&vs, net->w, o->aug.scale_ref) == -1)
			return 1;
		for (int i = 0; i < vs.ds.n; i++)
			for (int k = 0; k < vs.ds.s[i].nb; k++) {
				int c = (int)vs.ds.s[i].b[k * 5];

				if (c < 0)
					nign++;
				else if (c < 16)
					ngt[c]++;
			}
		map = validate(net, &vs, ncls, ap);
		printf("%s: %d images, mAP@0.5 %.4f (", o->val[v], vs.ds.n, map);
		for (int c = 0; c < ncls && c < 16; c++)
			printf("%s%.4f", c ? " " : "", ap[c]);
		printf(") boxes (");
		for (int c = 0; c < ncls && c < 16; c++)
			printf("%s%d", c ? " " : "", ngt[c]);
		printf(") ignored %d, %.1f ms/image\n", nign,
		    (timing_ms() - t0) / vs.ds.n);
	}
	return 0;
}
