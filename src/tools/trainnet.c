/* trainnet.c: bv-train's training loop's shared parts: nets, EMA, learning rate, checkpoints */
/*
 * Used by the detector (traindet.c) and the classifier (traincls.c)
 * training: the EMA of the weights is kept in a second, batch-1 network
 * that is also the validation network; checkpoints (weights, EMA,
 * momentum, state) are written to a fresh directory and published by
 * renaming a "latest" symlink, so a kill at any moment leaves a complete
 * previous checkpoint.
 */
#include "tools/trainnet.h"
#include "tools/trainrng.h"
#include "tools/toolutil.h"
#include "engine/blasgemm.h"
#include "base/timing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy cfg to out, forcing [net] batch and subdivisions. */
static int
cfg_with_batch(const char *in, const char *out, int batch)
{
	char line[TRAINDATA_MAXLINE];
	FILE *fi, *fo;
	int innet = 0;

	if ((fi = fopen(in, "r")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", in, strerror(errno));
		return -1;
	}
	if ((fo = fopen(out, "w")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", out, strerror(errno));
		fclose(fi);
		return -1;
	}
	while (fgets(line, sizeof line, fi) != NULL) {
		if (line[0] == '[') {
			innet = strncmp(line, "[net]", 5) == 0;
			fputs(line, fo);
			if (innet)
				fprintf(fo, "batch=%d\nsubdivisions=1\n", batch);
			continue;
		}
		if (innet && (strncmp(line, "batch", 5) == 0 ||
		    strncmp(line, "subdivisions", 12) == 0))
			continue;
		fputs(line, fo);
	}
	fclose(fi);
	return fclose(fo) == EOF ? -1 : 0;
}

/* Untrained batch-norm statistics that keep inference finite. */
void
trainnet_sane_bn(network *net)
{
	for (int i = 0; i < net->n; i++) {
		layer *l = &net->layers[i];

		if (l->type == CONVOLUTIONAL && l->batch_normalize)
			for (int k = 0; k < l->n; k++) {
				l->rolling_mean[k] = 0;
				l->rolling_variance[k] = 1;
			}
	}
}

typedef void (*param_fn)(float *dst, float *src, int n, float d);

static void
p_copy(float *dst, float *src, int n, float d)
{
	(void)d;
	memcpy(dst, src, (size_t)n * sizeof *dst);
}

static void
p_ema(float *dst, float *src, int n, float d)
{
	for (int i = 0; i < n; i++)
		dst[i] = d * dst[i] + (1 - d) * src[i];
}

/* Apply fn to every parameter array pair of two same-shaped networks. */
static void
net_params(network *dst, network *src, param_fn fn, float d)
{
	for (int i = 0; i < dst->n; i++) {
		layer *a = &dst->layers[i], *b = &src->layers[i];

		if (a->type != CONVOLUTIONAL)
			continue;
		fn(a->weights, b->weights, a->nweights, d);
		fn(a->biases, b->biases, a->n, d);
		if (a->batch_normalize) {
			fn(a->scales, b->scales, a->n, d);
			fn(a->rolling_mean, b->rolling_mean, a->n, d);
			fn(a->rolling_variance, b->rolling_variance, a->n, d);
		}
	}
}

/* Momentum buffers (not in .weights files) for an exact resume. */
static int
momentum_io(network *net, const char *path, int save)
{
	FILE *f = fopen(path, save ? "wb" : "rb");
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < net->n && rc == 0; i++) {
		layer *l = &net->layers[i];
		float *arr[3] = { l->weight_updates, l->bias_updates, l->scale_updates };
		int len[3] = { l->nweights, l->n, l->batch_normalize ? l->n : 0 };

		if (l->type != CONVOLUTIONAL)
			continue;
		for (int k = 0; k < 3; k++) {
			size_t got = save ? fwrite(arr[k], sizeof(float), len[k], f) :
			    fread(arr[k], sizeof(float), len[k], f);

			if (got != (size_t)len[k])
				rc = -1;
		}
	}
	if (fclose(f) == EOF)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "bv-train: %s: short %s\n", path, save ? "write" : "read");
	return rc;
}

volatile sig_atomic_t trainnet_stop;

static void
on_signal(int sig)
{
	(void)sig;
	trainnet_stop = 1;
}

static int
state_write(const char *path, const struct state *st, const struct opts *o)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "iter %d\nrng %llu\nbest_map %.6f\nbest_iter %d\nseed %lu\n"
	    "batch %d\niters %d\npi %d\nperm %d", st->iter,
	    (unsigned long long)st->rng, st->best_map, st->best_iter, o->seed,
	    o->batch, o->iters, st->pi, st->nperm);
	for (int i = 0; i < st->nperm; i++)
		fprintf(f, " %d", st->perm[i]);
	fprintf(f, "\n");
	return fclose(f) == EOF ? -1 : 0;
}

/* Reads what state_write() wrote; st->perm (nperm entries) must be
 * allocated.  A state without a usable order leaves st->pi = nperm, so
 * the next batch starts a fresh shuffle. */
static int
state_read(const char *path, struct state *st)
{
	FILE *f = fopen(path, "r");
	unsigned long long r = 0;
	unsigned long seed;
	int ok, batch, iters, n, order_ok = 0;

	if (f == NULL)
		return -1;
	ok = fscanf(f, "iter %d\nrng %llu\nbest_map %lf\nbest_iter %d\n",
	    &st->iter, &r, &st->best_map, &st->best_iter) == 4;
	st->rng = r;
	if (ok && fscanf(f, "seed %lu\nbatch %d\niters %d\npi %d\nperm %d",
	    &seed, &batch, &iters, &st->pi, &n) == 5 && n == st->nperm &&
	    st->pi >= 0 && st->pi <= n) {
		order_ok = 1;
		for (int i = 0; i < n; i++)
			if (fscanf(f, "%d", &st->perm[i]) != 1 || st->perm[i] < 0 ||
			    st->perm[i] >= n)
				order_ok = 0;
	}
	if (!order_ok) {
		for (int i = 0; i < st->nperm; i++)
			st->perm[i] = i;
		st->pi = st->nperm;
	}
	fclose(f);
	return ok ? 0 : -1;
}

int
trainnet_save(network *net, const char *path)
{
	char tmp[PATH_MAX];

	tool_pathf(tmp, sizeof tmp, "%s.tmp", path);
	save_weights(net, tmp);
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Checkpoint: OUT/ckpt-NNNNNNN/{weights,ema.weights,momentum.bin,state},
 * published by atomically replacing the OUT/latest symlink.  The previous
 * checkpoint directory is removed only after that.
 */
static int
checkpoint(const struct opts *o, network *net, network *ema, const struct state *st)
{
	char dir[PATH_MAX], p[PATH_MAX], name[64], tmpl[PATH_MAX], old[PATH_MAX];
	ssize_t n;

	snprintf(name, sizeof name, "ckpt-%07d", st->iter);
	tool_pathf(dir, sizeof dir, "%s/%s", o->out, name);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	tool_pathf(p, sizeof p, "%s/weights", dir);
	save_weights(net, p);
	tool_pathf(p, sizeof p, "%s/ema.weights", dir);
	save_weights(ema, p);
	tool_pathf(p, sizeof p, "%s/momentum.bin", dir);
	if (momentum_io(net, p, 1) == -1)
		return -1;
	tool_pathf(p, sizeof p, "%s/state", dir);
	if (state_write(p, st, o) == -1)
		return -1;
	tool_pathf(p, sizeof p, "%s/latest", o->out);
	n = readlink(p, old, sizeof old - 1);
	old[n > 0 ? n : 0] = '\0';
	tool_pathf(tmpl, sizeof tmpl, "%s/latest.tmp", o->out);
	unlink(tmpl);
	if (symlink(name, tmpl) == -1 || rename(tmpl, p) == -1) {
		fprintf(stderr, "bv-train: latest: %s\n", strerror(errno));
		return -1;
	}
	if (old[0] != '\0' && strcmp(old, name) != 0) {
		const char *f[] = { "weights", "ema.weights", "momentum.bin", "state" };

		for (int i = 0; i < 4; i++) {
			tool_pathf(p, sizeof p, "%s/%s/%s", o->out, old, f[i]);
			unlink(p);
		}
		tool_pathf(p, sizeof p, "%s/%s", o->out, old);
		rmdir(p);
	}
	return 0;
}

float
trainnet_lr(const struct opts *o, int it)
{
	if (it < o->warmup)
		return o->lr * powf((float)(it + 1) / o->warmup, 2);
	float t = (float)(it - o->warmup) / fmaxf(1, o->iters - o->warmup);
	return o->lr_final + (o->lr - o->lr_final) * 0.5f * (1 + cosf((float)M_PI * t));
}

void
trainnet_signals(void)
{
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
}

FILE *
trainnet_log(void)
{
	FILE *log = fdopen(dup(1), "w");
	int dn = open("/dev/null", O_WRONLY);

	setvbuf(log, NULL, _IOLBF, 0);
	dup2(dn, 1);
	close(dn);
	return log;
}

void
trainnet_seed(const struct opts *o)
{
	blasgemm_threads(o->threads);
	trainrng_state = o->seed * 0x2545F4914F6CDD1DULL + 1;
	srand((unsigned)o->seed);
}

int
trainnet_open(const struct opts *o, network **net, network **ema)
{
	char tcfg[PATH_MAX];

	if (mkdir(o->out, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "bv-train: %s: %s\n", o->out, strerror(errno));
		return -1;
	}
	if (tool_pathf(tcfg, sizeof tcfg, "%s/train.cfg", o->out) == -1 ||
	    cfg_with_batch(o->cfg, tcfg, o->batch) == -1)
		return -1;
	*net = parse_network_cfg(tcfg);
	*ema = parse_network_cfg((char *)o->cfg);
	set_batch_network(*ema, 1);
	trainnet_sane_bn(*net);
	if (o->weights != NULL)
		load_weights(*net, (char *)o->weights);
	net_params(*ema, *net, p_copy, 0);
	(*net)->burn_in = 0;
	(*net)->policy = CONSTANT;
	return 0;
}

int
trainnet_start(const struct opts *o, network *net, network *ema,
    struct state *st, int n, FILE *log, const char *what)
{
	char p[PATH_MAX];

	st->nperm = n;
	if ((st->perm = malloc(n * sizeof *st->perm)) == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		st->perm[i] = i;
	st->pi = n;
	if (!o->resume)
		return 0;
	tool_pathf(p, sizeof p, "%s/latest/state", o->out);
	if (state_read(p, st) == -1) {
		fprintf(stderr, "bv-train: no checkpoint to resume in %s\n", o->out);
		return -1;
	}
	tool_pathf(p, sizeof p, "%s/latest/weights", o->out);
	load_weights(net, p);
	tool_pathf(p, sizeof p, "%s/latest/ema.weights", o->out);
	load_weights(ema, p);
	tool_pathf(p, sizeof p, "%s/latest/momentum.bin", o->out);
	if (momentum_io(net, p, 0) == -1)
		return -1;
	trainrng_state = st->rng;
	fprintf(log, "resumed at iteration %d (best val %s %.4f at %d)\n",
	    st->iter, what, st->best_map, st->best_iter);
	return 0;
}

int
trainnet_next(struct state *st)
{
	if (st->pi >= st->nperm) {
		for (int i = st->nperm - 1; i > 0; i--) {
			int j = trainrng_int(i + 1), tmp = st->perm[i];

			st->perm[i] = st->perm[j];
			st->perm[j] = tmp;
		}
		st->pi = 0;
	}
	return st->perm[st->pi++];
}

void
trainnet_ema(const struct opts *o, network *ema, network *net, int it)
{
	float dcy = o->ema * (1 - expf(-(float)(it + 1) / 200));

	net_params(ema, net, p_ema, dcy);
}

void
trainnet_pace_start(struct trainnet_pace *p, FILE *log, const struct state *st)
{
	p->log = log;
	p->it0 = st->iter;
	p->t0 = timing_ms() / 1e3;
	p->loss_avg = -1;
}

int
trainnet_stepped(const struct opts *o, struct trainnet_pace *p, network *net,
    network *ema, struct state *st, float loss, float lr)
{
	int it = st->iter;
	double t, ips, eta;

	if (!isfinite(loss)) {
		fprintf(p->log, "loss is not finite at iteration %d: stopping "
		    "(resume from the last checkpoint with a lower --lr)\n", it);
		return -1;
	}
	p->loss_avg = p->loss_avg < 0 ? loss : 0.95 * p->loss_avg + 0.05 * loss;
	trainnet_ema(o, ema, net, it);
	st->iter = ++it;
	if (it % o->log_every != 0 && it != o->iters)
		return 0;
	t = timing_ms() / 1e3;
	ips = (double)(it - p->it0) * o->batch / (t - p->t0);
	eta = (o->iters - it) * o->batch / ips;
	fprintf(p->log, "iter %d/%d loss %.4f avg %.4f lr %.5f %.1f img/s "
	    "elapsed %.0fs ETA %02d:%02d gemm %lu\n", it, o->iters, loss,
	    p->loss_avg, lr, ips, t - p->t0, (int)(eta / 3600),
	    (int)(eta / 60) % 60, blasgemm_calls);
	return 0;
}

void
trainnet_best(const struct opts *o, network *ema, struct state *st,
    double score, int it, FILE *log)
{
	char p[PATH_MAX];

	if (!(score > st->best_map))
		return;
	st->best_map = score;
	st->best_iter = it;
	tool_pathf(p, sizeof p, "%s/best.weights", o->out);
	trainnet_save(ema, p);
	fprintf(log, "new best -> %s\n", p);
}

void
trainnet_ckpt_due(const struct opts *o, network *net, network *ema,
    struct state *st, FILE *log)
{
	int it = st->iter;

	st->rng = trainrng_state;
	if (it % o->ckpt_every == 0 || it == o->iters || trainnet_stop ||
	    it == o->stop_at) {
		if (checkpoint(o, net, ema, st) == -1)
			fprintf(log, "checkpoint at %d FAILED\n", it);
		else
			fprintf(log, "checkpoint %d\n", it);
	}
}

void
trainnet_finish(const struct opts *o, network *ema, const struct state *st,
    FILE *log, const char *what)
{
	char p[PATH_MAX];

	tool_pathf(p, sizeof p, "%s/final.weights", o->out);
	if (st->iter >= o->iters)
		trainnet_save(ema, p);
	fprintf(log, "%s at iteration %d; best val %s %.4f at %d\n",
	    trainnet_stop ? "stopped" : "done", st->iter, what, st->best_map,
	    st->best_iter);
}

network *
trainnet_load(const char *cfg, const char *weights)
{
	/* libdarknet's layer table goes to stderr; keep it quiet. */
	int dn = open("/dev/null", O_WRONLY), e = dup(2);
	network *net;

	dup2(dn, 2);
	net = parse_network_cfg((char *)cfg);
	load_weights(net, (char *)weights);
	dup2(e, 2);
	close(e);
	close(dn);
	set_batch_network(net, 1);
	return net;
}
