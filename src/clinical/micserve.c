/* micserve.c: the detector an upload from a microscope runs: its adopted fine-tuned model (loaded on first use, a few cached per process) or the shipped one */
/*
 * A backend process serves one request at a time, so the cache needs no
 * lock.  Models are keyed by their folder (micstore_put_model() makes a
 * new one for every kept model), so a model rolled back and adopted
 * again is the same entry, and a stale one is never served: the state
 * says which folder is current on every upload.
 */

#include "clinical/micserve.h"
#include "clinical/micadapt.h"
#include "clinical/micmodel.h"
#include "clinical/thresholds.h"
#include "base/config.h"
#include "base/context.h"
#include "base/log.h"
#include "store/micstore.h"
#include "vision/detector.h"

#include <stdio.h>
#include <string.h>

#define MS_DIR_MAX	(MICSTORE_NAME_MAX + 64)

struct ms_slot {
	char			 dir[MS_DIR_MAX];
	struct detector		*det;
	unsigned long		 used;
};

static struct ms_slot	 ms_cache[MICSERVE_MAX];
static unsigned long	 ms_clock, ms_opened;

/* Open the model in folder dir; NULL (logged) when it does not load. */
static struct detector *
ms_open(const struct micserve_env *env, const char *dir)
{
	char			 cfg[4096], w[4096], err[512];
	enum detector_engine	 e = DETECTOR_DARKNET;
	struct detector		*d;

	if (micstore_model_path(env->results_dir, dir, "model.cfg", cfg,
	    sizeof(cfg)) == -1 || micstore_model_path(env->results_dir, dir,
	    "model.weights", w, sizeof(w)) == -1)
		return NULL;
	(void)detector_engine_parse(env->engine, &e);
	d = detector_open(cfg, w, env->names, e, env->threads, err,
	    sizeof(err));
	if (d == NULL && e != DETECTOR_XNNPACK) {
		/* a fine-tuned model has no int8 calibration of its own */
		log_info("fine-tuned model %s on %s: %s; trying xnnpack", dir,
		    detector_engine_name(e), err);
		d = detector_open(cfg, w, env->names, DETECTOR_XNNPACK,
		    env->threads, err, sizeof(err));
	}
	if (d == NULL)
		log_warnx("fine-tuned model %s not loaded: %s", dir, err);
	else
		log_info("fine-tuned model %s loaded (engine %s)", dir,
		    detector_engine_name(detector_engine(d)));
	return d;
}

/* The cached model of folder dir, opened into the oldest slot if new. */
static struct detector *
ms_get(const struct micserve_env *env, const char *dir)
{
	struct ms_slot	*s, *old = &ms_cache[0];
	int		 i;

	for (i = 0; i < MICSERVE_MAX; i++) {
		s = &ms_cache[i];
		if (s->det != NULL && strcmp(s->dir, dir) == 0) {
			s->used = ++ms_clock;
			return s->det;
		}
		if (s->det == NULL || (old->det != NULL && s->used <
		    old->used))
			old = s;
	}
	if (old->det != NULL) {
		detector_free(old->det);	/* the least recently used */
		old->det = NULL;
	}
	if ((old->det = ms_open(env, dir)) == NULL)
		return NULL;
	ms_opened++;
	snprintf(old->dir, sizeof(old->dir), "%s", dir);
	old->used = ++ms_clock;
	return old->det;
}

struct detector *
micserve_detector(const struct micserve_env *env, const json_t *state,
    struct detector *shipped, int *version, char *dir, size_t dirlen)
{
	char			 d[MS_DIR_MAX];
	struct detector		*det = NULL;
	int			 v;

	*version = 0;
	if (dir != NULL && dirlen > 0)
		dir[0] = '\0';
	if (state == NULL || (v = micmodel_current(state, env->model, d,
	    sizeof(d))) <= 0 || (det = ms_get(env, d)) == NULL)
		return shipped;
	*version = v;
	if (dir != NULL)
		snprintf(dir, dirlen, "%s", d);
	return det;
}

void
micserve_env_app(const struct app *app, struct micserve_env *env)
{
	*env = (struct micserve_env){ app->results_fd, app->results_dir,
	    app->model_name, app->cfg->model_names, app->cfg->engine,
	    app->cfg->threads, app->cfg->min_confidence };
}

void
micserve_use(const struct micserve_env *env, const char *mic,
    struct detector *shipped, const char *const *names, int ncls,
    double *thr, struct micserve_use *u)
{
	json_t	*state;

	*u = (struct micserve_use){ shipped, 0, 0 };
	if (mic == NULL || mic[0] == '\0' ||
	    (state = micstore_load(env->results_fd, mic)) == NULL)
		return;		/* nothing stored: shipped, thr as given */
	u->det = micserve_detector(env, state, shipped, &u->model, NULL, 0);
	if (thr != NULL && (u->thresholds = micadapt_thresholds(state,
	    env->model, names, ncls, thr)) > 0)
		for (int c = 0; c < ncls; c++)
			thr[c] = thresholds_clamp(thr[c], env->min_confidence);
	json_decref(state);
}

json_t *
micserve_json(const char *mic, const struct micserve_use *u)
{
	if (mic == NULL || mic[0] == '\0' || (u->model <= 0 &&
	    u->thresholds <= 0))
		return json_null();
	return json_pack("{s:s,s:i,s:s}", "microscope", mic, "version",
	    u->model > 0 ? u->model : u->thresholds, "kind", u->model > 0 ?
	    "model" : "thresholds");
}

void
micserve_clear(void)
{
	for (int i = 0; i < MICSERVE_MAX; i++) {
		if (ms_cache[i].det != NULL)
			detector_free(ms_cache[i].det);
		ms_cache[i].det = NULL;
	}
}

void
micserve_stats(int *cached, unsigned long *opened)
{
	*cached = 0;
	for (int i = 0; i < MICSERVE_MAX; i++)
		*cached += ms_cache[i].det != NULL;
	*opened = ms_opened;
}
