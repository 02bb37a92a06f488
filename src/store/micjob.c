/* micjob.c: one microscope's fine-tuning job (bv-adapt) run detached: start, stop, its record and progress */
/*
 * The supervisor is a double-forked child of a backend process that may
 * run other threads, so after the fork it keeps to plain libc (no
 * jansson): it writes job.json with snprintf and reads status.json's
 * state with strstr.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "store/micjob.h"
#include "store/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JOB_PATH_MAX	4096
#define JOB_DIR_MAX	3072	/* a job dir; its files' paths fit JOB_PATH_MAX */

/* RESULTS/microscopes/adapt-NAME[/file] into out. */
static void
job_path(char *out, size_t len, const char *results, const char *mic,
    const char *file)
{
	snprintf(out, len, "%s/microscopes/adapt-%s%s%s", results,
	    mic, file ? "/" : "", file ? file : "");
}

static void
now_iso(char *at, size_t len)
{
	time_t	 t = time(NULL);
	struct tm tm;

	strftime(at, len, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/* job.json, written beside and renamed: never half a file. */
static void
job_write(const char *dir, const char *mic, const char *state,
    const char *started, pid_t pid)
{
	char	 tmp[JOB_PATH_MAX], path[JOB_PATH_MAX], at[32];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s/.job.tmp", dir);
	snprintf(path, sizeof(path), "%s/job.json", dir);
	now_iso(at, sizeof(at));
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "{\"microscope\": \"%s\", \"state\": \"%s\", \"pid\": %ld, "
	    "\"started\": \"%s\", \"at\": \"%s\"", mic, state, (long)pid,
	    started, at);
	fprintf(f, "}\n");
	if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0)
		(void)rename(tmp, path);
	else
		(void)unlink(tmp);
}

/* Run argv (output to the job's log), wait; its wait status, or -1. */
static int
run_child(char *const *argv)
{
	pid_t	 pid = fork();
	int	 st;

	if (pid == -1)
		return -1;
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return st;
}

/* bv-adapt's status.json names state. */
static int
status_is(const char *dir, const char *state)
{
	char	 path[JOB_PATH_MAX], buf[512], want[64];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof(path), "%s/status.json", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "\"state\": \"%s\"", state);
	return strstr(buf, want) != NULL;
}

/* The supervisor's process: detached, its descriptors its own. */
static void
sup_detach(const char *dir, int lockfd)
{
	char		 log[JOB_PATH_MAX];
	sigset_t	 none;
	int		 fd;

	if (nice(19) == -1 && errno != 0)
		errno = 0;
	signal(SIGTERM, SIG_IGN);	/* a stop is for its children */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (fd = 0; fd < 4096; fd++)
		if (fd != lockfd)
			(void)close(fd);
	snprintf(log, sizeof(log), "%s/job.log", dir);
	(void)open("/dev/null", O_RDONLY);		/* 0 */
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);	/* 1 */
	if (fd != -1 && dup(fd) == -1)			/* 2 */
		errno = 0;
}

/* The run finished before (a job stopped while it evaluated). */
static int
run_done(const char *dir)
{
	char	 path[JOB_PATH_MAX];

	snprintf(path, sizeof(path), "%s/run/final.weights", dir);
	return status_is(dir, "done") && access(path, R_OK) == 0;
}

/* `bv-adapt run`; its wait status. */
static int
sup_run(const struct micjob_spec *s, const char *dir)
{
	char	 it[16], ba[16], ck[16], le[16];

	snprintf(it, sizeof(it), "%d", s->iters);
	snprintf(ba, sizeof(ba), "%d", s->batch);
	snprintf(ck, sizeof(ck), "%d", s->iters / 20 > 1 ? s->iters / 20 : 1);
	snprintf(le, sizeof(le), "%d", s->iters / 100 > 1 ? s->iters / 100 : 1);
	{
		char *const ra[] = { (char *)s->adapt_tool, "run", "--work",
		    (char *)dir, "--bv-train", (char *)s->train_tool, "--cfg",
		    (char *)s->cfg, "--weights", (char *)s->weights, "--iters",
		    it, "--batch", ba, "--", "--ckpt-every", ck,
		    "--log-every", le, NULL };

		return run_child(ra);
	}
}

/* `bv-adapt evaluate` (bv-eval: beside bv-train); its wait status. */
static int
sup_evaluate(const struct micjob_spec *s, const char *dir)
{
	char	 ev[JOB_PATH_MAX], *slash;
	char	*ea[40];
	int	 n = 0;

	snprintf(ev, sizeof(ev), "%s", s->train_tool);
	slash = strrchr(ev, '/');
	snprintf(slash ? slash + 1 : ev, sizeof(ev) - (size_t)(slash ?
	    slash + 1 - ev : 0), "bv-eval");
	ea[n++] = (char *)s->adapt_tool; ea[n++] = "evaluate";
	ea[n++] = "--work"; ea[n++] = (char *)dir;
	ea[n++] = "--results"; ea[n++] = (char *)s->results_dir;
	ea[n++] = "--microscope"; ea[n++] = (char *)s->microscope;
	ea[n++] = "--model"; ea[n++] = (char *)s->model;
	ea[n++] = "--names"; ea[n++] = (char *)s->names;
	ea[n++] = "--cfg"; ea[n++] = (char *)s->cfg;
	ea[n++] = "--weights"; ea[n++] = (char *)s->weights;
	ea[n++] = "--info"; ea[n++] = (char *)s->info;
	ea[n++] = "--bv-train"; ea[n++] = (char *)s->train_tool;
	ea[n++] = "--bv-eval"; ea[n++] = ev;
	if (s->val != NULL && s->val[0] != '\0') {
		ea[n++] = "--val-lists";
		ea[n++] = (char *)s->val;
	}
	ea[n] = NULL;
	return run_child(ea);
}

/* The supervisor: prepare (once), run, evaluate, record the end; never
 * returns. */
static void
supervise(const struct micjob_spec *s, const char *dir, int lockfd,
    pid_t parent)
{
	char	 started[32], mark[JOB_PATH_MAX];
	int	 st, fd;

	sup_detach(dir, lockfd);
	now_iso(started, sizeof(started));
	while (getppid() == parent)	/* it writes "starting", then exits */
		usleep(1000);
	snprintf(mark, sizeof(mark), "%s/prepared", dir);
	if (access(mark, F_OK) == -1) {
		char *const pa[] = { (char *)s->adapt_tool, "prepare",
		    "--results", (char *)s->results_dir, "--microscope",
		    (char *)s->microscope, "--model", (char *)s->model,
		    "--names", (char *)s->names, "--out", (char *)dir, NULL };

		job_write(dir, s->microscope, "preparing", started, getpid());
		st = run_child(pa);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			job_write(dir, s->microscope, st != -1 &&
			    WIFSIGNALED(st) ? "stopped" : "failed", started,
			    getpid());
			_exit(1);
		}
		if ((fd = open(mark, O_WRONLY | O_CREAT, 0644)) != -1)
			(void)close(fd);
	}
	if (!run_done(dir)) {
		job_write(dir, s->microscope, "running", started, getpid());
		st = sup_run(s, dir);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
		    !status_is(dir, "done")) {
			job_write(dir, s->microscope, status_is(dir, "stopped") ||
			    status_is(dir, "stopping") || (st != -1 &&
			    WIFSIGNALED(st)) ? "stopped" : "failed", started,
			    getpid());
			_exit(0);
		}
	}
	/* evaluate: killed here, a later start evaluates again (it records
	 * a run once) */
	job_write(dir, s->microscope, "evaluating", started, getpid());
	st = sup_evaluate(s, dir);
	job_write(dir, s->microscope, st != -1 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0 ? "done" : st != -1 && WIFSIGNALED(st) ?
	    "stopped" : "failed", started, getpid());
	_exit(0);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

/* The work dir of a finished job goes; a stopped one's stays (resume). */
static int
job_dir_ready(const char *results, const char *mic, char *dir)
{
	char	 path[JOB_PATH_MAX];
	json_t	*j;
	const char *st;

	snprintf(path, sizeof(path), "%s/microscopes", results);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return -1;
	job_path(dir, JOB_DIR_MAX, results, mic, NULL);
	job_path(path, sizeof(path), results, mic, "job.json");
	if ((j = json_load_file(path, 0, NULL)) != NULL) {
		st = json_string_value(json_object_get(j, "state"));
		if (st != NULL && (strcmp(st, "done") == 0 ||
		    strcmp(st, "failed") == 0) &&
		    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == -1) {
			json_decref(j);
			return -1;
		}
		json_decref(j);
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* The box's job lock, taken (fd) or -1 with errno (EBUSY: held). */
static int
lock_take(const char *results)
{
	char	 path[JOB_PATH_MAX];
	int	 fd;

	snprintf(path, sizeof(path), "%s/microscopes", results);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/microscopes/adapt.lock", results);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int e = errno == EWOULDBLOCK ? EBUSY : errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
micjob_start(const struct micjob_spec *s)
{
	char	 dir[JOB_DIR_MAX];
	int	 lockfd, st, e;
	pid_t	 pid;

	if ((lockfd = lock_take(s->results_dir)) == -1)
		return -1;
	if (job_dir_ready(s->results_dir, s->microscope, dir) == -1 ||
	    (pid = fork()) == -1) {
		e = errno;
		close(lockfd);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		char	 at[32];
		pid_t	 mid = getpid(), sup = fork();

		/* mid, not getppid(): this process may already have exited
		 * when the supervisor first runs, and the supervisor waits for
		 * its parent to stop being mid */
		if (sup == 0) {
			setsid();	/* its own group: a stop signals it */
			supervise(s, dir, lockfd, mid);
		}
		now_iso(at, sizeof(at));
		if (sup > 0)	/* there before the answer to the start */
			job_write(dir, s->microscope, "starting", at, sup);
		_exit(sup > 0 ? 0 : 1);
	}
	close(lockfd);		/* the supervisor holds it now */
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return 0;
}

/* Whether the box's lock is held (a supervisor lives). */
static int
lock_held(const char *results)
{
	int	 fd = lock_take(results);

	if (fd == -1)
		return errno == EBUSY;
	close(fd);
	return 0;
}

/* The last "iter I/N loss L avg A" line of train.log: A, or -1. */
static double
last_loss(const char *dir)
{
	char	 path[JOB_PATH_MAX], buf[4096], *p, *line;
	FILE	*f;
	size_t	 n;
	long	 size;
	double	 avg = -1;

	snprintf(path, sizeof(path), "%s/train.log", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0)
		fseek(f, size > (long)sizeof(buf) - 1 ?
		    size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &p); line != NULL;
	    line = strtok_r(NULL, "\n", &p)) {
		const char *a = strstr(line, " avg ");
		if (strncmp(line, "iter ", 5) == 0 && strstr(line, " loss ") &&
		    a != NULL)
			avg = strtod(a + 5, NULL);
	}
	return avg;
}

json_t *
micjob_status(const char *results_dir, const char *microscope)
{
	char	 path[JOB_PATH_MAX], dir[JOB_DIR_MAX];
	json_t	*j, *s;
	const char *st;
	double	 loss;
	int	 alive;
	long	 pid;

	job_path(dir, sizeof(dir), results_dir, microscope, NULL);
	job_path(path, sizeof(path), results_dir, microscope, "job.json");
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return json_pack("{s:s,s:s,s:b}", "microscope", microscope,
		    "state", "none", "alive", 0);
	pid = (long)json_integer_value(json_object_get(j, "pid"));
	alive = pid > 0 && kill((pid_t)pid, 0) == 0 && lock_held(results_dir);
	st = json_string_value(json_object_get(j, "state"));
	if (!alive && st != NULL && (strcmp(st, "starting") == 0 ||
	    strcmp(st, "preparing") == 0 || strcmp(st, "running") == 0 ||
	    strcmp(st, "evaluating") == 0))	/* killed, or a power cut */
		json_object_set_new(j, "state", json_string("stopped"));
	json_object_set_new(j, "alive", json_boolean(alive));
	job_path(path, sizeof(path), results_dir, microscope, "status.json");
	if ((s = json_load_file(path, 0, NULL)) != NULL) {
		json_object_set(j, "iter", json_object_get(s, "iter"));
		json_object_set(j, "iters", json_object_get(s, "iters"));
		json_decref(s);
	}
	if ((loss = last_loss(dir)) >= 0)
		json_object_set_new(j, "loss", json_real(loss));
	job_path(path, sizeof(path), results_dir, microscope,
	    "evaluation.json");
	if ((s = json_load_file(path, 0, NULL)) != NULL)
		json_object_set_new(j, "decision", s);
	else if ((st = json_string_value(json_object_get(j, "state"))) !=
	    NULL && strcmp(st, "done") == 0)
		json_object_set_new(j, "decision", json_pack("{s:b,s:b,s:s}",
		    "adopted", 0, "evaluated", 0, "why", MICJOB_NOT_EVALUATED));
	return j;
}

int
micjob_stop(const char *results_dir, const char *microscope)
{
	json_t	*j = micjob_status(results_dir, microscope);
	long	 pid;
	int	 alive;

	if (j == NULL)
		return -1;
	alive = json_is_true(json_object_get(j, "alive"));
	pid = (long)json_integer_value(json_object_get(j, "pid"));
	json_decref(j);
	if (!alive || pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	/* the supervisor ignores it; bv-adapt stops bv-train */
	return kill(-(pid_t)pid, SIGTERM);
}
