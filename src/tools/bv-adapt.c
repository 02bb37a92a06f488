/* bv-adapt.c: fine-tune the detector on one microscope's checked fields (issue 26, step c): prepare the data, run bv-train niced and resumable, report progress */
/*
 * Two steps, each safe to repeat:
 *
 *   bv-adapt prepare --results DIR --microscope NAME --model MODEL
 *       --names NAMES --out WORK [--scale F] [--repeat 3]
 *       [--replay LIST] [--replay-n 60] [--seed 26]
 *     writes WORK/images/KEY.jpg and WORK/labels/KEY.txt (YOLO boxes: what
 *     the person left after review) for each checked field, split by
 *     micadapt_split() on micadapt_field_key() into WORK/fit.txt and
 *     WORK/held.txt, and WORK/train.txt: the fit fields --repeat times
 *     plus --replay-n lines drawn (seeded) from a shipped training list,
 *     so the model keeps what it knew.  Patient facts never enter WORK.
 *
 *   bv-adapt run --work WORK --bv-train PATH --cfg CFG --weights W
 *       [--iters 600] [--batch 8] [--seed 26] [--stop-at N] [-- ARGS]
 *     runs bv-train at nice 19 (--out WORK/run, --resume when a checkpoint
 *     exists, so a run killed at any moment goes on from its last
 *     checkpoint and, bv-train's PRNG and order being in the checkpoint,
 *     ends with the same weights), its output in WORK/train.log, and
 *     keeps WORK/status.json {"state", "pid", "iter", "iters", "at"}
 *     current (written beside and renamed: never half a file).
 *
 *   bv-adapt evaluate --work WORK ... (adapteval.h)
 *     measures the finished run's weights against the model in use on the
 *     held-out fields and the shipped validation sets, and adopts or
 *     refuses it by micadapt_model_decide()'s rule (docs/microscope.md).  The training itself is bv-train's, called as
 * a program: its files are being split by another change, and a child
 * process also keeps darknet's exit() on errors away from this one.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "clinical/micadapt.h"
#include "clinical/micfields.h"
#include "tools/adaptcls.h"
#include "tools/adapteval.h"
#include "tools/toolutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCLS_MAX	16
#define LINE_MAX_	4096

struct prep {
	const char	*results, *mic, *model, *names, *out, *replay;
	double		 scale;
	int		 repeat, replay_n;
	unsigned long	 seed;
};

static int
read_names(const char *path, char names[NCLS_MAX][64])
{
	FILE	*f = fopen(path, "r");
	int	 n = 0;
	char	 line[64];

	if (f == NULL)
		return -1;
	while (n < NCLS_MAX && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0')
			memcpy(names[n++], line, sizeof(line));
	}
	fclose(f);
	return n;
}

static int
copy_file(const char *from, const char *to)
{
	FILE	*a = fopen(from, "rb"), *b;
	char	 buf[65536];
	size_t	 r;
	int	 rc = 0;

	if (a == NULL)
		return -1;
	if ((b = fopen(to, "wb")) == NULL) {
		fclose(a);
		return -1;
	}
	while ((r = fread(buf, 1, sizeof(buf), a)) > 0)
		if (fwrite(buf, 1, r, b) != r)
			rc = -1;
	if (ferror(a) || fclose(b) != 0)
		rc = -1;
	fclose(a);
	return rc;
}

/* Field k's image and YOLO labels under out; 0 or -1. */
static int
write_field(const struct prep *p, const struct micfields *m, size_t k,
    const char *key, double W, double H)
{
	char	 src[LINE_MAX_], dst[LINE_MAX_];
	FILE	*f;

	snprintf(src, sizeof(src), "%s/%s/plain.jpg", p->results, m->ids[k]);
	snprintf(dst, sizeof(dst), "%s/images/%s.jpg", p->out, key);
	if (copy_file(src, dst) == -1) {
		fprintf(stderr, "bv-adapt: %s: %s\n", src, strerror(errno));
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s/labels/%s.txt", p->out, key);
	if ((f = fopen(dst, "w")) == NULL)
		return -1;
	for (size_t i = 0; i < m->f[k].nref; i++) {
		const struct mic_box *b = &m->f[k].ref[i];

		fprintf(f, "%d %.6f %.6f %.6f %.6f\n", b->cls,
		    (b->x + b->w / 2) / W, (b->y + b->h / 2) / H, b->w / W,
		    b->h / H);
	}
	return fclose(f);
}

/* The image size result id recorded; 0 or -1. */
static int
image_size(const char *results, const char *id, double *W, double *H)
{
	char		 path[LINE_MAX_];
	json_t		*r, *im;
	json_error_t	 je;

	snprintf(path, sizeof(path), "%s/%s/result.json", results, id);
	if ((r = json_load_file(path, 0, &je)) == NULL)
		return -1;
	im = json_object_get(r, "image");
	*W = json_number_value(json_object_get(im, "width"));
	*H = json_number_value(json_object_get(im, "height"));
	json_decref(r);
	return *W > 0 && *H > 0 ? 0 : -1;
}

/* xorshift64*: the replay draw, fixed by --seed. */
static unsigned long long
rng_next(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Append n lines drawn without replacement from list to f; 0 or -1. */
static int
write_replay(FILE *f, const char *list, int n, unsigned long seed)
{
	FILE			*l = fopen(list, "r");
	char			**v = NULL, **nv, line[LINE_MAX_];
	size_t			 nl = 0, cap = 0, i, j;
	unsigned long long	 s = 0x9E3779B97F4A7C15ULL ^ seed;

	if (l == NULL)
		return -1;
	while (fgets(line, sizeof(line), l) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (nl == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		if ((v[nl] = strdup(line)) == NULL)
			break;
		nl++;
	}
	fclose(l);
	for (i = 0; i < nl && (int)i < n; i++) {	/* partial Fisher-Yates */
		char *t;

		j = i + (size_t)(rng_next(&s) % (nl - i));
		t = v[i];
		v[i] = v[j];
		v[j] = t;
		fprintf(f, "%s\n", v[i]);
	}
	for (i = 0; i < nl; i++)
		free(v[i]);
	free(v);
	return 0;
}

static int
write_lists(const struct prep *p, const struct micfields *m,
    char (*keys)[MICADAPT_KEY_LEN], const unsigned char *held)
{
	char	 path[LINE_MAX_], sc[32] = "";
	FILE	*fit, *ho, *tr;
	int	 rc = 0;

	if (p->scale > 0)
		snprintf(sc, sizeof(sc), " scale=%.3f", p->scale);
	snprintf(path, sizeof(path), "%s/fit.txt", p->out);
	fit = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/held.txt", p->out);
	ho = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/train.txt", p->out);
	tr = fopen(path, "w");
	if (fit == NULL || ho == NULL || tr == NULL)
		rc = -1;
	for (size_t k = 0; rc == 0 && k < m->n; k++) {
		fprintf(held[k] ? ho : fit, "%s/images/%s.jpg%s\n", p->out,
		    keys[k], sc);
		for (int r = 0; !held[k] && r < p->repeat; r++)
			fprintf(tr, "%s/images/%s.jpg%s\n", p->out, keys[k],
			    sc);
	}
	if (rc == 0 && p->replay != NULL && write_replay(tr, p->replay,
	    p->replay_n, p->seed) == -1) {
		fprintf(stderr, "bv-adapt: %s: %s\n", p->replay,
		    strerror(errno));
		rc = -1;
	}
	if (fit != NULL && fclose(fit) != 0)
		rc = -1;
	if (ho != NULL && fclose(ho) != 0)
		rc = -1;
	if (tr != NULL && fclose(tr) != 0)
		rc = -1;
	return rc;
}

static int
cmd_prepare(const struct prep *p)
{
	char			 names[NCLS_MAX][64], path[LINE_MAX_];
	const char		*np[NCLS_MAX];
	struct micfields	 m;
	char			(*keys)[MICADAPT_KEY_LEN];
	const char		**kp;
	unsigned char		*held;
	int			 ncls, fd, rc = 1;
	size_t			 nheld = 0;
	double			 W, H;

	if ((ncls = read_names(p->names, names)) <= 0) {
		fprintf(stderr, "bv-adapt: %s: no class names\n", p->names);
		return 1;
	}
	for (int c = 0; c < ncls; c++)
		np[c] = names[c];
	if ((fd = open(p->results, O_RDONLY | O_DIRECTORY)) < 0 ||
	    micfields_load(fd, p->mic, p->model, np, ncls, &m) == -1) {
		fprintf(stderr, "bv-adapt: %s: %s\n", p->results,
		    strerror(errno));
		return 1;
	}
	keys = calloc(m.n + 1, sizeof(*keys));
	kp = calloc(m.n + 1, sizeof(*kp));
	held = calloc(m.n + 1, 1);
	snprintf(path, sizeof(path), "%s/images", p->out);
	(void)mkdir(p->out, 0755);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/labels", p->out);
	(void)mkdir(path, 0755);
	if (keys == NULL || kp == NULL || held == NULL)
		goto out;
	for (size_t k = 0; k < m.n; k++) {
		micadapt_field_key(&m.f[k], keys[k]);
		kp[k] = keys[k];
		if (image_size(p->results, m.ids[k], &W, &H) == -1 ||
		    write_field(p, &m, k, keys[k], W, H) == -1)
			goto out;
	}
	micadapt_split(kp, m.n, held);
	for (size_t k = 0; k < m.n; k++)
		nheld += held[k];
	if (write_lists(p, &m, keys, held) == -1)
		goto out;
	printf("bv-adapt: %zu checked fields of %s: %zu fit (x%d), %zu held "
	    "out; replay %d from %s\n", m.n, p->mic, m.n - nheld, p->repeat,
	    nheld, p->replay ? p->replay_n : 0, p->replay ? p->replay :
	    "(none)");
	rc = m.n >= MICADAPT_MIN_FIELDS ? 0 : 2;
	if (rc == 2)
		fprintf(stderr, "bv-adapt: fewer than %d checked fields\n",
		    MICADAPT_MIN_FIELDS);
out:
	free(keys);
	free(kp);
	free(held);
	micfields_free(&m);
	close(fd);
	return rc;
}

/* ---- run ----------------------------------------------------------------- */

static volatile sig_atomic_t stop_asked;

static void
on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static void
write_status(const char *work, const char *state, pid_t pid, int iter,
    int iters, int rc)
{
	char	 tmp[LINE_MAX_], path[LINE_MAX_], at[32];
	time_t	 t = time(NULL);
	FILE	*f;

	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(tmp, sizeof(tmp), "%s/.status.tmp", work);
	snprintf(path, sizeof(path), "%s/status.json", work);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "{\"state\": \"%s\", \"pid\": %ld, \"iter\": %d, "
	    "\"iters\": %d, \"exit\": %d, \"at\": \"%s\"}\n", state,
	    (long)pid, iter, iters, rc, at);
	if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0)
		(void)rename(tmp, path);
	else
		(void)unlink(tmp);
}

/* The last "iter N/" bv-train logged, or -1. */
static int
last_iter(const char *log)
{
	FILE	*f = fopen(log, "r");
	char	 line[512];
	int	 it = -1, v;

	if (f == NULL)
		return -1;
	if (fseek(f, -8192, SEEK_END) != 0)
		rewind(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "iter %d/", &v) == 1)
			it = v;
	fclose(f);
	return it;
}

static pid_t
spawn(char **argv, const char *log)
{
	pid_t	 pid = fork();
	int	 fd;

	if (pid != 0)
		return pid;
	if (nice(19) == -1 && errno != 0)
		_exit(126);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0 ||
	    dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

static int
cmd_run(int argc, char **argv, const char *work, int iters)
{
	char	 log[LINE_MAX_], latest[LINE_MAX_];
	char	*av[64];
	int	 n = 0, st = 0, it = 0, rc;
	pid_t	 pid, got;

	snprintf(log, sizeof(log), "%s/train.log", work);
	snprintf(latest, sizeof(latest), "%s/run/latest", work);
	for (int i = 0; i < argc && n < 60; i++)
		av[n++] = argv[i];
	if (access(latest, F_OK) == 0)
		av[n++] = "--resume";	/* go on from the last checkpoint */
	av[n] = NULL;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	if ((pid = spawn(av, log)) == -1) {
		perror("bv-adapt: fork");
		return 1;
	}
	write_status(work, "running", getpid(), last_iter(log), iters, 0);
	for (;;) {
		got = waitpid(pid, &st, WNOHANG);
		if (got == pid || (got == -1 && errno != EINTR))
			break;
		if (stop_asked == 1) {
			kill(pid, SIGTERM);
			stop_asked = 2;
		}
		if ((it = last_iter(log)) >= 0)
			write_status(work, stop_asked ? "stopping" : "running",
			    getpid(), it, iters, 0);
		sleep(1);
	}
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	write_status(work, stop_asked ? "stopped" : rc == 0 ? "done" :
	    "failed", getpid(), last_iter(log), iters, rc);
	return rc == 0 ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bv-adapt prepare --results DIR --microscope "
	    "NAME --model MODEL --names NAMES --out WORK\n"
	    "         [--scale F] [--repeat 3] [--replay LIST] [--replay-n 60]"
	    " [--seed 26]\n"
	    "       bv-adapt run --work WORK --bv-train PATH --cfg CFG "
	    "--weights W\n"
	    "         [--iters 600] [--batch 8] [--seed 26] [--stop-at N] "
	    "[-- BV-TRAIN ARGS]\n"
	    "       bv-adapt evaluate --work WORK --results DIR --microscope "
	    "NAME --model MODEL\n"
	    "         --names NAMES --cfg CFG --weights W [--info JSON] "
	    "--bv-train PATH --bv-eval PATH\n"
	    "         [--val-lists FILE] [--figures FIXTURE]\n"
	    "       bv-adapt cls-prepare --results DIR --microscope NAME "
	    "--names NAMES --pbc PBC_CELLS\n"
	    "         --out WORK [--repeat 3] [--replay-n 300] [--seed 26]\n"
	    "       bv-adapt cls-run --work WORK --bv-train PATH --cfg CFG "
	    "--weights W --names NAMES\n"
	    "         [--iters 300] [--batch 16] [--lr 0.001] [--seed 26] "
	    "[--stop-at N]\n"
	    "         [-- BV-TRAIN ARGS]\n"
	    "       bv-adapt cls-evaluate --work WORK --bv-calib-cls PATH "
	    "--cfg CFG --weights W\n"
	    "         --model JSON --names NAMES --pbc PBC_CELLS "
	    "[--candidate W]\n");
}

static int
main_prepare(int argc, char **argv)
{
	/* bv-train decodes and keeps every list line, repeats too: 20 fit
	 * fields x 3 + 60 replay lines peaked at 0.70 GiB, x 8 + 160 at 1.30
	 * (docs/microscope.md), and a Pi has 1 GB to spare */
	struct prep	 p = { .repeat = 3, .replay_n = 60, .seed = 26 };

	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--results") == 0) p.results = v;
		else if (strcmp(k, "--microscope") == 0) p.mic = v;
		else if (strcmp(k, "--model") == 0) p.model = v;
		else if (strcmp(k, "--names") == 0) p.names = v;
		else if (strcmp(k, "--out") == 0) p.out = v;
		else if (strcmp(k, "--replay") == 0) p.replay = v;
		else if (strcmp(k, "--scale") == 0) p.scale = atof(v);
		else if (strcmp(k, "--repeat") == 0) p.repeat = atoi(v);
		else if (strcmp(k, "--replay-n") == 0) p.replay_n = atoi(v);
		else if (strcmp(k, "--seed") == 0) p.seed = strtoul(v, NULL, 10);
		else {
			usage();
			return 1;
		}
	}
	if (!p.results || !p.mic || !p.model || !p.names || !p.out) {
		usage();
		return 1;
	}
	return cmd_prepare(&p);
}

static int
main_run(int argc, char **argv)
{
	const char	*work = NULL, *bt = NULL, *cfg = NULL, *w = NULL;
	const char	*iters = "600", *batch = "8", *seed = "26", *stop = NULL;
	char		 train[LINE_MAX_], held[LINE_MAX_], out[LINE_MAX_];
	char		*av[64];
	int		 n = 0, i;

	for (i = 2; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--work") == 0) work = v;
		else if (strcmp(k, "--bv-train") == 0) bt = v;
		else if (strcmp(k, "--cfg") == 0) cfg = v;
		else if (strcmp(k, "--weights") == 0) w = v;
		else if (strcmp(k, "--iters") == 0) iters = v;
		else if (strcmp(k, "--batch") == 0) batch = v;
		else if (strcmp(k, "--seed") == 0) seed = v;
		else if (strcmp(k, "--stop-at") == 0) stop = v;
		else {
			usage();
			return 1;
		}
	}
	if (!work || !bt || !cfg || !w) {
		usage();
		return 1;
	}
	snprintf(train, sizeof(train), "%s/train.txt", work);
	snprintf(held, sizeof(held), "%s/held.txt", work);
	snprintf(out, sizeof(out), "%s/run", work);
	av[n++] = (char *)bt;
	av[n++] = "--cfg"; av[n++] = (char *)cfg;
	av[n++] = "--weights"; av[n++] = (char *)w;
	av[n++] = "--train"; av[n++] = train;
	av[n++] = "--val"; av[n++] = held;
	av[n++] = "--out"; av[n++] = out;
	av[n++] = "--iters"; av[n++] = (char *)iters;
	av[n++] = "--batch"; av[n++] = (char *)batch;
	av[n++] = "--seed"; av[n++] = (char *)seed;
	av[n++] = "--threads"; av[n++] = "1";
	if (stop != NULL) {
		av[n++] = "--stop-at";
		av[n++] = (char *)stop;
	}
	for (i++; i < argc && n < 60; i++)
		av[n++] = argv[i];
	return cmd_run(n, av, work, atoi(iters));
}

/* bv-train classify from the classifier in use on WORK (cls-prepare's
 * index), at nice 19 and resumable like the detector's run. */
static int
main_cls_run(int argc, char **argv)
{
	const char	*work = NULL, *bt = NULL, *cfg = NULL, *w = NULL;
	const char	*names = NULL, *iters = "300", *batch = "16";
	const char	*lr = "0.001", *seed = "26", *stop = NULL;
	char		 out[LINE_MAX_], *av[64];
	int		 n = 0, i;

	for (i = 2; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--work") == 0) work = v;
		else if (strcmp(k, "--bv-train") == 0) bt = v;
		else if (strcmp(k, "--cfg") == 0) cfg = v;
		else if (strcmp(k, "--weights") == 0) w = v;
		else if (strcmp(k, "--names") == 0) names = v;
		else if (strcmp(k, "--iters") == 0) iters = v;
		else if (strcmp(k, "--batch") == 0) batch = v;
		else if (strcmp(k, "--lr") == 0) lr = v;
		else if (strcmp(k, "--seed") == 0) seed = v;
		else if (strcmp(k, "--stop-at") == 0) stop = v;
		else
			return 64;
	}
	if (!work || !bt || !cfg || !w || !names)
		return 64;
	snprintf(out, sizeof(out), "%s/run", work);
	av[n++] = (char *)bt;
	av[n++] = "classify";
	av[n++] = "--cfg"; av[n++] = (char *)cfg;
	av[n++] = "--weights"; av[n++] = (char *)w;
	av[n++] = "--data"; av[n++] = (char *)work;
	av[n++] = "--names"; av[n++] = (char *)names;
	av[n++] = "--out"; av[n++] = out;
	av[n++] = "--iters"; av[n++] = (char *)iters;
	av[n++] = "--batch"; av[n++] = (char *)batch;
	av[n++] = "--lr"; av[n++] = (char *)lr;
	av[n++] = "--lr-final"; av[n++] = "0.0001";
	av[n++] = "--warmup"; av[n++] = "20";
	av[n++] = "--val-every"; av[n++] = (char *)iters;
	av[n++] = "--ckpt-every"; av[n++] = "50";
	av[n++] = "--seed"; av[n++] = (char *)seed;
	av[n++] = "--threads"; av[n++] = "1";
	if (stop != NULL) {
		av[n++] = "--stop-at";
		av[n++] = (char *)stop;
	}
	for (i++; i < argc && n < 60; i++)
		av[n++] = argv[i];
	return cmd_run(n, av, work, atoi(iters));
}

static int
main_sub(int argc, char **argv)
{
	int	 rc = -1;

	if (strcmp(argv[1], "cls-prepare") == 0)
		rc = adaptcls_prepare_main(argc, argv);
	else if (strcmp(argv[1], "cls-run") == 0)
		rc = main_cls_run(argc, argv);
	else if (strcmp(argv[1], "cls-evaluate") == 0)
		rc = adaptcls_evaluate_main(argc, argv);
	if (rc == 64) {
		usage();
		return 1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "prepare") == 0)
		return main_prepare(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return main_run(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "evaluate") == 0) {
		int rc = adapteval_main(argc, argv);

		if (rc == 2)
			usage();
		return rc == 0 ? 0 : 1;
	}
	if (argc >= 2 && strncmp(argv[1], "cls-", 4) == 0)
		return main_sub(argc, argv);
	usage();
	return 1;
}
