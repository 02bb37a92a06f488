/* micserve.h: the detector an upload from a microscope runs: its adopted fine-tuned model (loaded on first use, a few cached per process) or the shipped one */
#ifndef BV_MICSERVE_H
#define BV_MICSERVE_H

#include <stddef.h>

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
};

/*
 * The detector for an upload from microscope mic: when its current
 * version is an adopted fine-tuned model of the running model
 * (micmodel_current()), that model, opened on first use and cached;
 * else, or when it does not load (said in the log), shipped.  *version
 * gets the model version used (0: shipped) and dir (dirlen bytes, may be
 * NULL) its folder.  The state is read on every call, so a rollback
 * takes effect with the next upload.
 */
struct detector *micserve_detector(const struct micserve_env *env,
	    const char *mic, struct detector *shipped, int *version,
	    char *dir, size_t dirlen);

/* Close every cached model (process exit, tests). */
void	 micserve_clear(void);

/* How many models are cached now, and how many were opened in all. */
void	 micserve_stats(int *cached, unsigned long *opened);

#endif /* BV_MICSERVE_H */
