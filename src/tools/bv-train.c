/* bv-train.c: train Darknet YOLO detectors and cell classifiers (mosaic, EMA, cosine LR): the command line */
/*
 * libdarknet 2018 does the forward/backward/update (train_network()); this
 * program does everything around it that the stock `darknet detector train`
 * lacks or does slowly:
 *   - gemm() routed to OpenBLAS (blasgemm.c, linked into this executable);
 *   - its own batches: images decoded once and cached, then mosaic, random
 *     scale/translate, the 8 flips/rotations of the square and wide HSV
 *     jitter, all driven by one seeded PRNG so that a resumed run continues
 *     exactly (darknet's own rand() is never used for augmentation);
 *   - warmup + cosine learning rate, EMA of the weights (kept in a second,
 *     batch-1 network that is also the validation network);
 *   - checkpoints (weights, EMA, momentum, state) written to a fresh
 *     directory and published by renaming a "latest" symlink, so a kill at
 *     any moment leaves a complete previous checkpoint;
 *   - VOC mAP@0.5 on the validation list(s), keeping best.weights (EMA).
 * v2 (models/README.md, "Model v2"): per-image cell scale (list scale=),
 * ignore regions in the YOLO loss (border=ignore, cells cut by mosaic
 * tiles), white balance, blur, vignetting, noise and JPEG augmentation.
 * Subcommands: `anchors` (k-means on label boxes), `--init-only`, `eval`
 * (mAP of a weights file on lists), `classify` / `classify-eval` (the
 * white-cell classifier on pbc-cells) and `classify-e2e` (detector then
 * classifier on whole images).
 * The parts: traindata.c (lists, labels, ignore regions), trainaug.c
 * (augmentation; its pixel rules are perturb.c's), trainrng.c (the PRNG),
 * trainnet.c (nets, EMA, checkpoints), traindet.c (detector),
 * trainanchors.c, traincls.c (classifier), traine2e.c (both).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/trainanchors.h"
#include "tools/traincls.h"
#include "tools/traindet.h"
#include "vision/cellcrop.h"

enum mode { M_DETECT, M_CLASSIFY, M_CLASSIFY_EVAL, M_EVAL, M_E2E };

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bv-train --cfg CFG --train LIST [--val LIST] --out DIR [options]\n"
	    "       bv-train --cfg CFG --init-only OUT.weights [--seed N]\n"
	    "       bv-train anchors --list LIST [--list LIST] [--size 256] [--k 6]\n"
	    "options: --batch 16 --iters 4000 --lr 0.002 --lr-final 0.0001 --warmup 300\n"
	    "  --ema 0.999 --ckpt-every 200 --val-every 500 --log-every 10 --seed 1\n"
	    "  --threads 2 --resume --stop-at N --weights W --mosaic 0.5 --nomosaic-last 0.1\n"
	    "  --hue 0.1 --sat 1.7 --exp 1.7 --scale-min 0.6 --scale-max 1.5 --no-flip\n"
	    "  --val may be given up to 4 times (best.weights on their mean mAP)\n"
	    "v2 (off by default): --scale-ref 288 (what list scale= values refer to)\n"
	    "  --wb 1 (per-channel gain, e.g. 1.15) --cam-p 0.3 (probability of each:)\n"
	    "  --blur 0 (max sigma px, <= 2.8) --vignette 0 (max falloff) --noise 0 (max sigma)\n"
	    "  --jpeg-min 0 (lowest quality) --border-aspect 0.7 --v1-step\n"
	    "list lines: IMAGE [scale=F] [border=ignore] [labels=partial]\n"
	    "       bv-train eval --cfg CFG --weights W --list LIST [--list LIST]\n"
	    "         [--scale-ref 288] [--border-aspect 0.7] [--threads 1]\n"
	    "       bv-train classify --cfg CFG --data PBC_CELLS --names NAMES --out DIR\n"
	    "         [training options above] --margin 0.2 --box-min 95 --box-max 170\n"
	    "         --jitter 12 (synthetic WBC box: side and centre offset, source px)\n"
	    "       bv-train classify-eval --cfg CFG --weights W --data PBC_CELLS\n"
	    "         --names NAMES [--split val] [--margin 0.2] [--threads 1]\n"
	    "       bv-train classify-e2e --cfg DET_CFG --weights DET_W --cls-cfg CFG\n"
	    "         --cls-weights W --names NAMES --list LIST (lines with wbc=CLASS)\n"
	    "         [--wbc-thresh 0.3] [--margin 0.2] [--per-image]\n");
}

/* Options that take no value; 1 when a was one. */
static int
opt_flag(struct opts *o, const char *a)
{
	if (strcmp(a, "--per-image") == 0)
		o->per_image = 1;
	else if (strcmp(a, "--v1-step") == 0)
		o->v1_step = 1;
	else if (strcmp(a, "--resume") == 0)
		o->resume = 1;
	else if (strcmp(a, "--no-flip") == 0)
		o->aug.flips = 0;
	else
		return 0;
	return 1;
}

/* Options with a value v; 1 when a was one, -1 on too many --val. */
static int
opt_value(struct opts *o, const char *a, const char *v)
{
#define S_OPT(name, field) if (strcmp(a, name) == 0) { o->field = v; return 1; }
#define I_OPT(name, field) if (strcmp(a, name) == 0) { o->field = atoi(v); return 1; }
#define F_OPT(name, field) if (strcmp(a, name) == 0) { o->field = strtof(v, NULL); return 1; }
	if (strcmp(a, "--val") == 0 || strcmp(a, "--list") == 0) {
		if (o->nval == TRAINNET_MAXVAL) {
			fprintf(stderr, "bv-train: at most %d --val lists\n",
			    TRAINNET_MAXVAL);
			return -1;
		}
		o->val[o->nval++] = v;
		return 1;
	}
	S_OPT("--cfg", cfg) S_OPT("--train", train)
	S_OPT("--data", data) S_OPT("--names", names) S_OPT("--split", split)
	F_OPT("--margin", margin) F_OPT("--box-min", box_min)
	F_OPT("--box-max", box_max) F_OPT("--jitter", jitter)
	S_OPT("--cls-cfg", cls_cfg) S_OPT("--cls-weights", cls_weights)
	F_OPT("--wbc-thresh", wbc_thresh)
	S_OPT("--out", out) S_OPT("--weights", weights) S_OPT("--init-only", init_only)
	I_OPT("--batch", batch) I_OPT("--iters", iters) I_OPT("--warmup", warmup)
	I_OPT("--ckpt-every", ckpt_every) I_OPT("--val-every", val_every)
	I_OPT("--threads", threads) I_OPT("--log-every", log_every)
	I_OPT("--stop-at", stop_at) I_OPT("--dump-aug", dump_aug)
	F_OPT("--lr", lr) F_OPT("--lr-final", lr_final) F_OPT("--ema", ema)
	F_OPT("--nomosaic-last", nomosaic_last) F_OPT("--mosaic", aug.mosaic)
	F_OPT("--hue", aug.hue) F_OPT("--sat", aug.sat) F_OPT("--exp", aug.exp)
	F_OPT("--scale-min", aug.scale_min) F_OPT("--scale-max", aug.scale_max)
	F_OPT("--scale-ref", aug.scale_ref) F_OPT("--wb", aug.wb)
	F_OPT("--cam-p", aug.cam_p) F_OPT("--blur", aug.blur)
	F_OPT("--vignette", aug.vignette) F_OPT("--noise", aug.noise)
	I_OPT("--jpeg-min", aug.jpeg_min)
	F_OPT("--border-aspect", border_aspect)
	if (strcmp(a, "--seed") == 0) {
		o->seed = strtoul(v, NULL, 10);
		return 1;
	}
	return 0;
#undef S_OPT
#undef I_OPT
#undef F_OPT
}

/* Whether the training and camera options are in range. */
static int
opts_training_ok(const struct opts *o)
{
	return o->out != NULL && o->batch >= 1 && o->iters >= 1 &&
	    o->warmup >= 1 && o->ckpt_every >= 1 && o->val_every >= 1 &&
	    o->log_every >= 1 && o->aug.sat >= 1 && o->aug.exp >= 1 &&
	    o->aug.wb >= 1 && o->aug.blur >= 0 && o->aug.blur <= 2.8f &&
	    o->aug.noise >= 0 && o->aug.vignette >= 0 && o->aug.vignette <= 1 &&
	    o->aug.jpeg_min >= 0 && o->aug.jpeg_min <= 95;
}

/* Whether the options a mode needs are there and in range. */
static int
opts_ok(enum mode mode, struct opts *o)
{
	switch (mode) {
	case M_E2E:
		return o->weights != NULL && o->cls_cfg != NULL &&
		    o->cls_weights != NULL && o->names != NULL && o->nval > 0 &&
		    o->margin >= 0 && o->wbc_thresh > 0 && o->wbc_thresh < 1;
	case M_EVAL:
		return o->weights != NULL && o->nval > 0 && o->aug.scale_ref > 0;
	case M_CLASSIFY_EVAL:
		if (o->split == NULL)
			o->split = "val";
		return o->weights != NULL && o->data != NULL && o->names != NULL;
	case M_CLASSIFY:
		return o->data != NULL && o->names != NULL && o->margin >= 0 &&
		    o->box_min > 0 && o->box_max >= o->box_min && o->jitter >= 0 &&
		    opts_training_ok(o);
	case M_DETECT:
	default:
		return o->train != NULL && o->aug.scale_min > 0 &&
		    o->aug.scale_max >= o->aug.scale_min && o->aug.scale_ref > 0 &&
		    opts_training_ok(o);
	}
}

static enum mode
mode_of(const char *word)
{
	static const struct { const char *word; enum mode mode; } m[] = {
		{ "classify", M_CLASSIFY }, { "classify-eval", M_CLASSIFY_EVAL },
		{ "eval", M_EVAL }, { "classify-e2e", M_E2E },
	};

	for (size_t i = 0; word != NULL && i < sizeof m / sizeof m[0]; i++)
		if (strcmp(word, m[i].word) == 0)
			return m[i].mode;
	return M_DETECT;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.batch = 16, .iters = 4000, .warmup = 300, .ckpt_every = 200,
		.val_every = 500, .threads = 2, .log_every = 10, .seed = 1,
		.lr = 0.002f, .lr_final = 0.0001f, .ema = 0.999f,
		.nomosaic_last = 0.1f, .border_aspect = 0.7f,
		.margin = CELLCROP_MARGIN, .box_min = 95, .box_max = 170, .jitter = 12,
		.wbc_thresh = 0.3f,
		.aug = { .mosaic = 0.5f, .scale_min = 0.6f, .scale_max = 1.5f,
		    .scale_ref = 288, .hue = 0.1f, .sat = 1.7f, .exp = 1.7f,
		    .wb = 1, .cam_p = 0.3f, .flips = 1 },
	};
	enum mode mode;

	if (argc > 1 && strcmp(argv[1], "anchors") == 0)
		return trainanchors_main(argc - 2, argv + 2);
	mode = mode_of(argc > 1 ? argv[1] : NULL);
	for (int i = mode != M_DETECT ? 2 : 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = v != NULL ? opt_value(&o, argv[i], v) : 0;

		if (r == -1)
			return 2;
		if (r == 1)
			i++;
		else if (!opt_flag(&o, argv[i])) {
			usage();
			return 2;
		}
	}
	if (o.cfg == NULL) {
		usage();
		return 2;
	}
	if (o.init_only != NULL)
		return traindet_init_only(&o);
	if (!opts_ok(mode, &o)) {
		usage();
		return 2;
	}
	switch (mode) {
	case M_E2E:		return traine2e_main(&o);
	case M_EVAL:		return traindet_eval(&o);
	case M_CLASSIFY_EVAL:	return traincls_eval(&o);
	case M_CLASSIFY:	return traincls_train(&o);
	default:		return traindet_train(&o);
	}
}
