/* app.c: route requests to handlers; knows HTTP, not images */

#include "server/app.h"
#include "routes/analyze.h"
#include "vision/classifier.h"
#include "base/config.h"
#include "routes/detect.h"
#include "vision/detector.h"
#include "store/ids.h"
#include "routes/login.h"
#include "store/results.h"
#include "routes/results_routes.h"
#include "routes/review_routes.h"
#include "routes/samples_routes.h"
#include "routes/register.h"
#include "routes/microscope_routes.h"
#include "store/review.h"
#include "store/samples.h"
#include "clinical/thresholds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

static void
handle_health(struct app *app, struct http_response *resp)
{
	int	 loaded = app->det != NULL;
	int	 writable = app->results_fd >= 0 &&
		    results_writable(app->results_fd);
	int	 ok = loaded && writable;

	/* camera: the box's microscope camera is offered to the live page
	 * (bv-capture behind /camera/) */
	http_json(resp, ok ? 200 : 503, json_pack("{s:s,s:b,s:b,s:s,s:b}",
	    "status", ok ? "ok" : "unhealthy", "model_loaded", loaded,
	    "results_writable", writable, "version", PACKAGE_VERSION,
	    "camera", app->cfg->camera));
}

/* The white-cell classifier as /api/model lists it, or null. */
static json_t *
wbc_json(const struct app *app)
{
	json_t	*names, *m;
	int	 k;

	if (app->wbc == NULL)
		return json_null();
	names = json_array();
	for (k = 0; k < classifier_classes(app->wbc); k++)
		json_array_append_new(names, json_string(
		    classifier_class_name(app->wbc, k)));
	m = json_object_get(app->model_info, "wbc_classifier");
	return json_pack("{s:o,s:i,s:O?}", "classes", names, "input",
	    classifier_input_size(app->wbc), "metrics", m);
}

static void
handle_model(struct app *app, struct http_response *resp)
{
	const struct config	*cfg = app->cfg;
	const struct thresholds	*thr = app->thresholds;
	json_t			*o, *classes, *metrics, *tv, *ts;
	const char		*name;
	int			 c, w = 0, h = 0;

	if (app->det == NULL) {
		http_fail(resp, ERR_NOT_READY);
		return;
	}
	detector_input_size(app->det, &w, &h);
	classes = json_array();
	tv = json_object();
	ts = json_object();
	for (c = 0; c < detector_classes(app->det); c++) {
		name = detector_class_name(app->det, c);
		json_array_append_new(classes, json_string(name));
		json_object_set_new(tv, name, json_real(thr->v[c]));
		json_object_set_new(ts, name, json_string(
		    thresholds_source_name(thr->src[c])));
	}
	metrics = json_object_get(app->model_info, "metrics");
	o = json_pack("{s:s,s:o,s:{s:i,s:i},s:f,s:o,s:o,s:f,s:f,s:b,s:O?,"
	    "s:O?}",
	    "name", app->model_name, "classes", classes,
	    "input", "width", w, "height", h,
	    "threshold", cfg->threshold,
	    "thresholds", tv, "threshold_sources", ts,
	    "min_confidence", cfg->min_confidence, "nms", cfg->nms,
	    "trained", json_is_true(json_object_get(app->model_info,
	    "trained")), "metrics", metrics,
	    "description", json_object_get(app->model_info, "description"));
	if (o != NULL)
		json_object_set_new(o, "engine", json_string(
		    detector_engine_name(detector_engine(app->det))));
	if (o != NULL)
		json_object_set_new(o, "wbc_classifier", wbc_json(app));
	/* The largest upload this backend takes (max_body), for the page's words on a 413. */
	if (o != NULL)
		json_object_set_new(o, "max_upload_bytes",
		    json_integer((json_int_t)cfg->max_body));
	/* The report's header (bloodview.conf clinic_name); null: none. */
	if (o != NULL)
		json_object_set_new(o, "clinic_name", cfg->clinic_name[0] ?
		    json_string(cfg->clinic_name) : json_null());
	/* Each microscope's measured error and adaptation (docs/microscope.md). */
	if (o != NULL)
		json_object_set_new(o, "microscopes",
		    microscope_routes_model(app));
	http_json(resp, 200, o);
}

/*
 * Who may ask at all: a Host this box answers to (a DNS-rebinding page
 * reaches us under its own name: 421, RFC 9110 section 15.5.20), and for a
 * write (anything but GET, HEAD, OPTIONS) a page of our own origin, so no
 * other site's form or script can upload, create or delete (403).
 * Returns 0, or -1 with resp filled.
 */
static int
check_request(const struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const char	*m = req->method;

	if (!http_host_allowed(req->host, app->cfg->allowed_hosts)) {
		snprintf(resp->note, sizeof(resp->note), "host %.100s",
		    req->host);
		http_fail(resp, ERR_MISDIRECTED);
		return -1;
	}
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
	    strcmp(m, "OPTIONS") != 0 && !http_same_origin(req->origin,
	    req->fetch_site, req->scheme, req->host, req->server_port)) {
		snprintf(resp->note, sizeof(resp->note), "origin %.80s "
		    "fetch-site %.20s", req->origin, req->fetch_site);
		http_fail(resp, ERR_CROSS_ORIGIN);
		return -1;
	}
	return 0;
}

void
app_handle(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const char	*path = req->path;

	if (check_request(app, req, resp) == -1)
		return;
	/* the clinic password: its routes, and 401 without a session */
	if (login_check(app->login, req, resp))
		return;
	if (strcmp(path, "/api/analyze") == 0) {
		if (strcmp(req->method, "POST") != 0)
			http_method_not_allowed(resp, "POST");
		else
			analyze_handle(app, req, resp);
	} else if (strcmp(path, "/api/detect") == 0) {
		if (strcmp(req->method, "POST") != 0)
			http_method_not_allowed(resp, "POST");
		else
			detect_handle(app, req, resp);
	} else if (strcmp(path, "/api/health") == 0) {
		if (strcmp(req->method, "GET") != 0 &&
		    strcmp(req->method, "HEAD") != 0)
			http_method_not_allowed(resp, "GET");
		else
			handle_health(app, resp);
	} else if (strcmp(path, "/api/model") == 0) {
		if (strcmp(req->method, "GET") != 0 &&
		    strcmp(req->method, "HEAD") != 0)
			http_method_not_allowed(resp, "GET");
		else
			handle_model(app, resp);
	} else if (strcmp(path, "/api/results") == 0) {
		results_route_list(app, req, resp);
	} else if (strncmp(path, "/api/results/", 13) == 0) {
		if (!review_route(app, req, path + 13, resp))
			results_route_one(app, req, path + 13, resp);
	} else if (microscope_route(app, req, resp)) {
		/* handled */
	} else if (samples_route(app, req, resp)) {
		/* handled */
	} else if (register_route(app, req, resp)) {
		/* handled */
	} else
		http_fail_detail(resp, ERR_NOT_FOUND, "No such API route.", NULL);
}
