/* traincls.c: bv-train's white-cell classifier on pbc-cells: training and classify-eval */
#include "tools/traincls.h"
#include "tools/trainrng.h"
#include "tools/toolutil.h"
#include "vision/cellcrop.h"
#include "image/imgio.h"
#include "engine/blasgemm.h"
#include "base/timing.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * `bv-train classify`: a Darknet classifier ([softmax] output) on
 * pbc-cells, whose JPEGs are centred on one cell.  Each image is decoded
 * once (libjpeg, imgio) and its central CLS_SRC px kept at half resolution
 * (CLS_CACHE px, RGB8: ~49 KB an image).  A training input is the crop of
 * a synthetic WBC box (side uniform in --box-min..--box-max source px,
 * centre jittered by --jitter px), grown by --margin (cellcrop.h: the
 * geometry the server uses on detected boxes), sampled to the network
 * input, then the 8 flips/turns, HSV and white balance, and the camera
 * augmentations.  Validation and `classify-eval` use the median PBC WBC
 * box (CLS_EVAL_BOX px, centred).
 */
#define CLS_SRC		256
#define CLS_CACHE	128
#define CLS_EVAL_BOX	135.0f

struct cell {
	unsigned char *px;	/* CLS_CACHE x CLS_CACHE RGB8 */
	int cls;
};

struct cellset {
	struct cell *c;
	int n;
};

static void
cellset_free(struct cellset *cs)
{
	for (int i = 0; i < cs->n; i++)
		free(cs->c[i].px);
	free(cs->c);
	memset(cs, 0, sizeof *cs);
}

int
traincls_names(const char *path, char names[][32], int max)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (strlen(line) >= 32) {
			fprintf(stderr, "bv-train: %s: name too long: %s\n", path, line);
			fclose(f);
			return -1;
		}
		memcpy(names[n++], line, strlen(line) + 1);
	}
	fclose(f);
	return n;
}

/* Decode one JPEG and keep its central CLS_SRC px at half resolution. */
static unsigned char *
cell_cache(const char *path)
{
	unsigned char *buf = NULL, *px = NULL;
	size_t len;
	struct img im = { 0, 0, NULL };
	int ox, oy;

	if (tool_read_file(path, 16 << 20, &buf, &len) == -1)
		return NULL;
	if (imgio_decode(buf, len, IMG_JPEG, NULL, &im) != IMG_OK) {
		fprintf(stderr, "bv-train: %s: not a decodable JPEG\n", path);
		goto out;
	}
	if ((px = malloc((size_t)CLS_CACHE * CLS_CACHE * 3)) == NULL)
		goto out;
	ox = (im.w - CLS_SRC) / 2;
	oy = (im.h - CLS_SRC) / 2;
	for (int v = 0; v < CLS_CACHE; v++)
		for (int u = 0; u < CLS_CACHE; u++)
			for (int ch = 0; ch < 3; ch++) {
				int acc = 0;

				for (int j = 0; j < 2; j++)
					for (int i = 0; i < 2; i++) {
						int x = ox + 2 * u + i, y = oy + 2 * v + j;

						x = x < 0 ? 0 : x >= im.w ? im.w - 1 : x;
						y = y < 0 ? 0 : y >= im.h ? im.h - 1 : y;
						acc += im.rgb[((size_t)y * im.w + x) * 3 + ch];
					}
				px[((size_t)v * CLS_CACHE + u) * 3 + ch] =
				    (unsigned char)((acc + 2) / 4);
			}
out:
	imgio_free(&im);
	free(buf);
	return px;
}

/* Load DIR/index.csv's rows of split whose class is in names (others,
 * e.g. a class left out of the names file, are skipped). */
static int
cellset_load(struct cellset *cs, const char *dir, const char *split,
    char names[][32], int ncls)
{
	char line[TRAINDATA_MAXLINE], p[PATH_MAX];
	FILE *f;
	int cap = 0;

	memset(cs, 0, sizeof *cs);
	tool_pathf(p, sizeof p, "%s/index.csv", dir);
	if ((f = fopen(p, "r")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", p, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *file, *cls, *spl, *save = NULL;
		int c;

		line[strcspn(line, "\r\n")] = '\0';
		file = strtok_r(line, ",", &save);
		cls = strtok_r(NULL, ",", &save);
		spl = strtok_r(NULL, ",", &save);
		if (file == NULL || cls == NULL || spl == NULL ||
		    strcmp(spl, split) != 0)
			continue;
		for (c = 0; c < ncls && strcmp(names[c], cls) != 0; c++)
			;
		if (c == ncls)
			continue;
		if (cs->n == cap) {
			struct cell *nc;

			cap = cap ? cap * 2 : 1024;
			if ((nc = realloc(cs->c, cap * sizeof *nc)) == NULL)
				goto fail;
			cs->c = nc;
		}
		tool_pathf(p, sizeof p, "%s/%s", dir, file);
		if ((cs->c[cs->n].px = cell_cache(p)) == NULL)
			goto fail;
		cs->c[cs->n].cls = c;
		cs->n++;
	}
	fclose(f);
	if (cs->n == 0) {
		fprintf(stderr, "bv-train: %s: no %s images of the named classes\n",
		    dir, split);
		return -1;
	}
	return 0;
fail:
	fclose(f);
	return -1;
}

/* The network input of cell c for box side `side` and centre offset
 * (jx, jy), in source pixels. */
static void
cell_input(const struct cell *c, float side, float jx, float jy, float margin,
    int N, float *out)
{
	struct cellcrop cc;
	float h = side / 4, cx = CLS_CACHE / 2.0f + jx / 2, cy = CLS_CACHE / 2.0f + jy / 2;

	if (cellcrop_geom(cx - h, cy - h, cx + h, cy + h, margin, CLS_CACHE,
	    CLS_CACHE, &cc) == -1) {
		for (size_t i = 0; i < (size_t)3 * N * N; i++)
			out[i] = 0.5f;
		return;
	}
	cellcrop_sample(c->px, CLS_CACHE, CLS_CACHE, &cc, N, out);
}

/* Confusion matrix of net (batch 1) on cs at the evaluation box. */
static void
cls_evaluate(network *net, const struct cellset *cs, int ncls, float margin,
    struct clsm *cm, float *buf)
{
	int N = net->w;

	clsm_init(cm, ncls);
	for (int i = 0; i < cs->n; i++) {
		float *p;
		int best = 0;

		cell_input(&cs->c[i], CLS_EVAL_BOX, 0, 0, margin, N, buf);
		p = network_predict(net, buf);
		for (int k = 1; k < ncls; k++)
			if (p[k] > p[best])
				best = k;
		clsm_add(cm, cs->c[i].cls, best);
	}
}

/* The five main classes' indices in names (-1 when absent). */
static int
cls_main5(char names[][32], int ncls, int *idx)
{
	static const char *m5[5] = {
		"neutrophil", "lymphocyte", "monocyte", "eosinophil", "basophil",
	};
	int k = 0;

	for (int i = 0; i < 5; i++)
		for (int c = 0; c < ncls; c++)
			if (strcmp(names[c], m5[i]) == 0)
				idx[k++] = c;
	return k;
}

void
traincls_report(FILE *f, const struct clsm *cm, char names[][32], int ncls)
{
	const char *np[TRAINCLS_MAXC];
	int m5[5], k = cls_main5(names, ncls, m5), wbc[TRAINCLS_MAXC], nw = 0;
	double minr = 1;

	for (int c = 0; c < ncls; c++) {
		np[c] = names[c];
		if (strcmp(names[c], "platelet") != 0)
			wbc[nw++] = c;
	}
	clsm_print(f, cm, np);
	for (int i = 0; i < k; i++)
		minr = fmin(minr, clsm_recall(cm, m5[i]));
	fprintf(f, "macro-F1: %d main classes %.4f (lowest recall %.4f), "
	    "%d white-cell classes %.4f\n", k, clsm_macro_f1(cm, m5, k), minr,
	    nw, clsm_macro_f1(cm, wbc, nw));
}

/* One classifier training run's data and networks. */
struct cls_run {
	char names[TRAINCLS_MAXC][32];
	int ncls, N;
	network *net, *ema;
	struct cellset train, val;
	data d;
	float *tmp;
	struct trainnet_pace pace;
	FILE *log;
};

/* Names, networks and both splits; 0, or -1 with a message. */
static int
cls_setup(const struct opts *o, struct cls_run *r)
{
	if ((r->ncls = traincls_names(o->names, r->names, TRAINCLS_MAXC)) < 2) {
		fprintf(stderr, "bv-train: %s: need 2 or more class names\n", o->names);
		return -1;
	}
	r->log = trainnet_log();
	trainnet_seed(o);
	if (trainnet_open(o, &r->net, &r->ema) == -1)
		return -1;
	r->N = r->net->w;
	if (r->net->h != r->N || r->net->outputs != r->ncls ||
	    r->net->layers[r->net->n - 1].type != SOFTMAX) {
		fprintf(stderr, "bv-train: classify needs a square cfg ending in "
		    "[softmax] with %d outputs (one per name)\n", r->ncls);
		return -1;
	}
	fprintf(r->log, "loading %s (train, val) ...\n", o->data);
	if (cellset_load(&r->train, o->data, "train", r->names, r->ncls) == -1 ||
	    cellset_load(&r->val, o->data, "val", r->names, r->ncls) == -1)
		return -1;
	fprintf(r->log, "train %d images, val %d, input %dx%d, classes %d, batch %d, "
	    "iters %d\n", r->train.n, r->val.n, r->N, r->N, r->ncls, o->batch, o->iters);
	if ((r->tmp = malloc((size_t)3 * r->N * r->N * sizeof *r->tmp)) == NULL)
		return -1;
	return 0;
}

/* One batch of synthetic WBC boxes, flipped, colour- and camera-jittered. */
static void
cls_batch(const struct opts *o, struct cls_run *r, struct state *st)
{
	int N = r->N, full[4] = { 0, 0, N, N };

	for (int b = 0; b < o->batch; b++) {
		const struct cell *c = &r->train.c[trainnet_next(st)];
		float side = trainrng_uniform(o->box_min, o->box_max);
		float jx = trainrng_uniform(-o->jitter, o->jitter);
		float jy = trainrng_uniform(-o->jitter, o->jitter);

		cell_input(c, side, jx, jy, o->margin, N, r->d.X.vals[b]);
		if (o->aug.flips)
			trainaug_orient(r->d.X.vals[b], N, r->tmp);
		trainaug_hsv(r->d.X.vals[b], N, full, &o->aug);
		if (trainaug_camera_on(&o->aug))
			trainaug_camera(r->d.X.vals[b], N, &o->aug);
		memset(r->d.y.vals[b], 0, r->ncls * sizeof(float));
		r->d.y.vals[b][c->cls] = 1;
	}
}

/* Validation of the EMA; best.weights on the macro-F1. */
static void
cls_validate(const struct opts *o, struct cls_run *r, struct state *st, int it)
{
	struct clsm cm;
	int m5[5], k = cls_main5(r->names, r->ncls, m5);
	double f1, tv = timing_ms() / 1e3;

	cls_evaluate(r->ema, &r->val, r->ncls, o->margin, &cm, r->tmp);
	f1 = clsm_macro_f1(&cm, NULL, 0);
	fprintf(r->log, "val iter %d accuracy %.4f macro-F1 %.4f (main %d "
	    "%.4f) %.1fs\n", it, clsm_accuracy(&cm), f1, k,
	    clsm_macro_f1(&cm, m5, k), timing_ms() / 1e3 - tv);
	trainnet_best(o, r->ema, st, f1, it, r->log);
}

/* One batch: step, EMA, log line.  0, or -1 on a non-finite loss. */
static int
cls_iteration(const struct opts *o, struct cls_run *r, struct state *st)
{
	float lr = trainnet_lr(o, st->iter);

	cls_batch(o, r, st);
	r->net->learning_rate = lr;
	return trainnet_stepped(o, &r->pace, r->net, r->ema, st,
	    train_network(r->net, r->d), lr);
}

int
traincls_train(const struct opts *o)
{
	struct cls_run r = { 0 };
	struct state st = { 0, 0, -1, -1, NULL, 0, 0 };
	struct clsm cm;

	if (cls_setup(o, &r) == -1 ||
	    trainnet_start(o, r.net, r.ema, &st, r.train.n, r.log, "macro-F1") == -1)
		return 1;
	r.d.X = make_matrix(o->batch, r.N * r.N * 3);
	r.d.y = make_matrix(o->batch, r.ncls);
	trainnet_signals();
	trainnet_pace_start(&r.pace, r.log, &st);
	while (st.iter < o->iters && !trainnet_stop &&
	    (o->stop_at <= 0 || st.iter < o->stop_at)) {
		if (cls_iteration(o, &r, &st) == -1)
			return 1;
		if (st.iter % o->val_every == 0 || st.iter == o->iters)
			cls_validate(o, &r, &st, st.iter);
		trainnet_ckpt_due(o, r.net, r.ema, &st, r.log);
	}
	trainnet_finish(o, r.ema, &st, r.log, "macro-F1");
	if (st.iter >= o->iters) {
		cls_evaluate(r.ema, &r.val, r.ncls, o->margin, &cm, r.tmp);
		fprintf(r.log, "final EMA weights on val:\n");
		traincls_report(r.log, &cm, r.names, r.ncls);
	}
	return 0;
}

/* `bv-train classify-eval`: the metrics of one weights file on a split. */
int
traincls_eval(const struct opts *o)
{
	char names[TRAINCLS_MAXC][32];
	struct cellset cs;
	struct clsm cm;
	network *net;
	float *buf;
	int ncls;
	double t0;

	if ((ncls = traincls_names(o->names, names, TRAINCLS_MAXC)) < 2)
		return 1;
	blasgemm_threads(o->threads);
	net = trainnet_load(o->cfg, o->weights);
	if (net->outputs != ncls) {
		fprintf(stderr, "bv-train: %s has %d outputs, %s %d names\n", o->cfg,
		    net->outputs, o->names, ncls);
		return 1;
	}
	if (cellset_load(&cs, o->data, o->split, names, ncls) == -1)
		return 1;
	if ((buf = malloc((size_t)3 * net->w * net->h * sizeof *buf)) == NULL)
		return 1;
	t0 = timing_ms();
	cls_evaluate(net, &cs, ncls, o->margin, &cm, buf);
	printf("# %s on %s split %s (box %.0f px centred, margin %.2f, input %d)\n",
	    o->weights, o->data, o->split, CLS_EVAL_BOX, o->margin, net->w);
	traincls_report(stdout, &cm, names, ncls);
	printf("forward %.2f ms per crop (1 thread unless --threads)\n",
	    (timing_ms() - t0) / cs.n);
	free(buf);
	cellset_free(&cs);
	free_network(net);
	return 0;
}
