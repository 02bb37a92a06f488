/* context.h: what a route handler is handed: the process-lifetime state start-up builds */
#ifndef BV_CONTEXT_H
#define BV_CONTEXT_H

#include <jansson.h>

struct config;
struct detector;
struct clinical;
struct thresholds;
struct classifier;
struct clientgate;
struct login;

/*
 * Built once at start-up by server/main.c (which owns and frees every
 * member), read by the routes while serving, one request at a time per
 * process.  It sits on the lowest floor so that the routes and the
 * pieces they call name it without including the router above them.
 */
struct app {
	const struct config	*cfg;
	struct detector		*det;		/* NULL when the model failed to load */
	void			*magic;		/* libmagic cookie (magic_t) */
	int			 results_fd;	/* O_DIRECTORY fd of the results dir */
	const char		*results_dir;	/* its path */
	struct clinical		*clinical;	/* calibration + reference data, may be NULL */
	json_t			*model_info;	/* models/<name>.json: name, trained, metrics */
	const char		*model_name;
	const struct thresholds	*thresholds;	/* per-class defaults; set when det is */
	struct classifier	*wbc;		/* white-cell types; NULL: none */
	struct classifier	*rbccls;	/* red-cell morphology classes; NULL: none */
	struct login		*login;		/* the session gate (routes/login.h) */
	struct clientgate	*gate;		/* live frames per client; NULL: unbounded */
};

#endif /* BV_CONTEXT_H */
