/* app.h: process-lifetime state shared by the route handlers */
#ifndef BV_APP_H
#define BV_APP_H

#include "base/http.h"

struct config;
struct detector;
struct clinical;
struct thresholds;
struct classifier;

/*
 * Built once at start-up by main.c, read-only while serving
 * (one request at a time per process).
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
};

/*
 * Route one request.  Fills resp; never exits.
 */
void	app_handle(struct app *app, const struct http_request *req,
	    struct http_response *resp);

#endif /* BV_APP_H */
