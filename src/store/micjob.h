/* micjob.h: one microscope's fine-tuning job (bv-adapt) run detached: start, stop, its record and progress */
#ifndef BV_MICJOB_H
#define BV_MICJOB_H

#include <stddef.h>
#include <jansson.h>

/*
 * A job lives in RESULTS/microscopes/adapt-NAME/ (bv-adapt's work dir:
 * images, labels, lists, run/, status.json, train.log) with job.json,
 * this file's record: {"microscope", "state", "pid", "started", "ended",
 * "decision"}.  RESULTS/microscopes/adapt.lock is held (flock) by the
 * job's supervisor for as long as it lives: at most one job per box, and
 * a job whose supervisor died (kill, power cut) reads as stopped.
 */

/* What a job is started with; the tools' paths come from the config. */
struct micjob_spec {
	const char	*results_dir, *microscope, *model, *names;
	const char	*cfg, *weights;		/* the model adapted */
	const char	*info;			/* its json ("" none) */
	const char	*adapt_tool, *train_tool;	/* bv-eval beside bv-train */
	int		 iters, batch;
	const char	*val;		/* file naming validation lists, or "" */
};

/*
 * Start (or resume, when the last job of this microscope was stopped
 * with a checkpoint) a job: a supervisor, detached (double fork, setsid,
 * nice 19), runs `bv-adapt prepare` (skipped when a stopped job had
 * prepared), `bv-adapt run` (skipped when it had finished) and `bv-adapt
 * evaluate` (adopt or refuse, recorded once per run), and records the end.  0, or -1 with
 * errno EBUSY (a job runs on this box) or another.
 */
int	 micjob_start(const struct micjob_spec *s);

/*
 * Ask the running job to stop (SIGTERM to its process group: bv-adapt
 * run stops bv-train, which keeps its checkpoint).  0, or -1 with errno
 * ESRCH when no job of this microscope runs.
 */
int	 micjob_stop(const char *results_dir, const char *microscope);

/*
 * The job of this microscope: job.json with bv-adapt's status.json
 * ("iter", "iters"), the last logged average loss ("loss"), "alive" (its
 * supervisor holds the lock), "decision" (bv-adapt evaluate's
 * evaluation.json: "adopted", "why", "before", "after", "version") and
 * "state" one of none, starting, preparing, running, evaluating, stopped,
 * done, failed.  New reference, NULL on ENOMEM.
 */
json_t	*micjob_status(const char *results_dir, const char *microscope);

/* The decision shown when a job is done and no evaluation.json exists. */
#define MICJOB_NOT_EVALUATED	"finished, not evaluated: not adopted"

#endif /* BV_MICJOB_H */
