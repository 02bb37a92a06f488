/* trainnet.h: bv-train's options and the training loop's shared parts (nets, EMA, checkpoints) */
#ifndef BV_TRAINNET_H
#define BV_TRAINNET_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <darknet.h>

#include "tools/trainaug.h"

#define TRAINNET_MAXVAL	4

/* bv-train's command line (bv-train.c parses it). */
struct opts {
	const char *cfg, *train, *val[TRAINNET_MAXVAL], *out, *weights, *init_only;
	int nval;
	int batch, iters, warmup, ckpt_every, val_every, threads, resume, log_every;
	int stop_at;            /* stop (with a checkpoint) here; schedule unchanged */
	int v1_step;            /* libdarknet's train_network(), no ignore regions */
	int dump_aug;           /* write this many augmented inputs to OUT, stop */
	float border_aspect;    /* border=ignore's short/long side ratio */
	/* classify, classify-eval */
	const char *data, *names, *split, *cls_cfg, *cls_weights;
	float margin, box_min, box_max, jitter, wbc_thresh;
	int per_image;
	unsigned long seed;
	float lr, lr_final, ema, nomosaic_last;
	struct aug aug;
};

/* What a checkpoint's "state" file holds. */
struct state {
	int iter;
	uint64_t rng;
	double best_map;       /* best validation score (mAP or macro-F1) */
	int best_iter;
	int *perm, nperm, pi;  /* epoch order and position, for an exact resume */
};

/* Set by SIGTERM/SIGINT/SIGHUP once trainnet_signals() ran. */
extern volatile sig_atomic_t trainnet_stop;

/*
 * libdarknet prints per-layer chatter on stdout every iteration: returns
 * a line-buffered copy of stdout for the progress log and points fd 1 at
 * /dev/null.
 */
FILE	*trainnet_log(void);

/* Seed trainrng and rand() from o->seed, set the gemm threads. */
void	trainnet_seed(const struct opts *o);

/*
 * The training network (o->cfg at o->batch, OUT/train.cfg) with sane
 * batch-norm statistics and o->weights if given, and its EMA copy at
 * batch 1.  0, or -1 with a message.
 */
int	trainnet_open(const struct opts *o, network **net, network **ema);

/*
 * st's epoch order over n items (identity, fresh shuffle at first use);
 * with o->resume, the latest checkpoint's weights, EMA, momentum, order
 * and PRNG state (what names the score in the log line).  0, or -1.
 */
int	trainnet_start(const struct opts *o, network *net, network *ema,
	    struct state *st, int n, FILE *log, const char *what);

/* The next index of the epoch order, reshuffled after each epoch. */
int	trainnet_next(struct state *st);

/* Learning rate at iteration it: quadratic warm-up, then cosine. */
float	trainnet_lr(const struct opts *o, int it);

/* The EMA after iteration it (decay ramps up so random weights fade). */
void	trainnet_ema(const struct opts *o, network *ema, network *net, int it);

/* The loop's pace: where this process started and the loss's running mean. */
struct trainnet_pace {
	FILE	*log;
	int	 it0;           /* the iteration this process started at */
	double	 t0;            /* when, in seconds */
	double	 loss_avg;      /* < 0 before the first step */
};

/* Start the pace at st's iteration, now. */
void	trainnet_pace_start(struct trainnet_pace *p, FILE *log,
	    const struct state *st);

/*
 * After one training step's loss at learning rate lr: -1 (said in the
 * log) when the loss is not finite; else the running mean and the EMA
 * follow, st counts the iteration and the progress line is logged when
 * due.  0, or -1.
 */
int	trainnet_stepped(const struct opts *o, struct trainnet_pace *p,
	    network *net, network *ema, struct state *st, float loss, float lr);

/* Write weights to path through path.tmp and a rename.  0, or -1. */
int	trainnet_save(network *net, const char *path);

/* A validation score at iteration it: keeps OUT/best.weights (EMA) when
 * it beats st->best_map. */
void	trainnet_best(const struct opts *o, network *ema, struct state *st,
	    double score, int it, FILE *log);

/* Checkpoint when due (every ckpt_every, at the end, stop or stop-at). */
void	trainnet_ckpt_due(const struct opts *o, network *net, network *ema,
	    struct state *st, FILE *log);

/* OUT/final.weights (EMA) when the run finished, and the last log line. */
void	trainnet_finish(const struct opts *o, network *ema,
	    const struct state *st, FILE *log, const char *what);

/* Parse cfg and load weights with libdarknet's layer table on stderr
 * silenced; batch 1. */
network	*trainnet_load(const char *cfg, const char *weights);

/* Untrained batch-norm statistics that keep inference finite. */
void	trainnet_sane_bn(network *net);

/* Stop flag handlers on SIGTERM, SIGINT and SIGHUP. */
void	trainnet_signals(void);

#endif /* BV_TRAINNET_H */
