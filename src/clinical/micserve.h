/* micserve.h: the detector an upload from a microscope runs: its adopted fine-tuned model (loaded on first use, a few cached per process) or the shipped one */
#ifndef BV_MICSERVE_H
#define BV_MICSERVE_H

#include <stddef.h>
#include <jansson.h>

struct app;
struct detector;

/*
 * Fine-tuned models kept loaded per backend process (least recently used
 * goes first).  Each costs what the shipped detector costs: its weights
 * in memory (v2, v3: 7 MB on disk) plus the engine's buffers, measured
 * 20-35 MB resident each on fp32 xnnpack, the engine a fine-tuned model
 * runs on (docs/microscope.md): at most about 70 MB per backend process.
 */
#define MICSERVE_MAX	2

/* Where the models come from and how they are opened (the server's). */
struct micserve_env {
	int		 results_fd;
	const char	*results_dir;
	const char	*model;		/* the running model's name */
	const char	*names;		/* its class names file */
	const char	*engine;	/* configured; fp32 xnnpack as a fallback */
	int		 threads;
	double		 min_confidence; /* the floor of thresholds_clamp() */
};

/* The server's env (base/context.h's app). */
void	 micserve_env_app(const struct app *app, struct micserve_env *env);

/*
 * What an upload or a live frame from a microscope runs, all from one
 * read of its state (so the model and the thresholds are of the same
 * version, and one upload reads the state file once).
 */
struct micserve_use {
	struct detector	*det;		/* its adopted model, or shipped */
	int		 model;		/* that model's version; 0: shipped */
	int		 thresholds;	/* the current version thr was set
					   from (micadapt_thresholds()); 0: none */
};

/*
 * The detector and operating thresholds for microscope mic (NULL or "":
 * none, shipped and thr untouched): its state is read once; the detector
 * is micserve_detector()'s; when thr is not NULL (ncls classes named
 * names, in: the thresholds in force, out: the microscope's), the
 * current version's thresholds replace them, each through
 * thresholds_clamp().  The state is read on every call, so a rollback
 * acts on the next upload.
 */
void	 micserve_use(const struct micserve_env *env, const char *mic,
	    struct detector *shipped, const char *const *names, int ncls,
	    double *thr, struct micserve_use *u);

/*
 * The detector for a microscope whose state (micstore.h) is state (NULL:
 * none stored): when its current version is an adopted fine-tuned model
 * of the running model (micmodel_current()), that model, opened on first
 * use and cached; else, or when it does not load (said in the log),
 * shipped.  *version gets the model version used (0: shipped) and dir
 * (dirlen bytes, may be NULL) its folder.
 */
struct detector *micserve_detector(const struct micserve_env *env,
	    const json_t *state, struct detector *shipped, int *version,
	    char *dir, size_t dirlen);

/*
 * A result's "adaptation" for microscope mic and what u says ran:
 * {"microscope", "version", "kind": "model"} when its adopted model ran,
 * else "kind": "thresholds" when its thresholds did, else JSON null.
 */
json_t	*micserve_json(const char *mic, const struct micserve_use *u);

/* Close every cached model (process exit, tests). */
void	 micserve_clear(void);

/* How many models are cached now, and how many were opened in all. */
void	 micserve_stats(int *cached, unsigned long *opened);

#endif /* BV_MICSERVE_H */
