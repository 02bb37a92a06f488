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
method_not_allowed(struct http_response *resp, const char *allow)
{
	http_add_header(resp, "Allow", allow);
	http_error(resp, 405, "method_not_allowed",
	    "This method is not allowed here.");
}

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
		http_error(resp, 503, "not_ready", "The model is not loaded.");
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
	/* The report's header (bloodview.conf clinic_name); null: none. */
	if (o != NULL)
		json_object_set_new(o, "clinic_name", cfg->clinic_name[0] ?
		    json_string(cfg->clinic_name) : json_null());
	http_json(resp, 200, o);
}

/* 1 if s is a whole number (digits only) in [min, max], stored in *out. */
static int
whole_in(const char *s, size_t min, size_t max, size_t *out)
{
	size_t	 n = strspn(s, "0123456789");

	if (n == 0 || n > 9 || s[n] != '\0')
		return 0;
	*out = (size_t)strtoul(s, NULL, 10);
	return *out >= min && *out <= max;
}

/*
 * The results list's query (docs/api.md): offset, limit, code, from, to.
 * A bad one is refused naming it, never replaced by a default: 0, or -1
 * with resp filled.
 */
static int
results_params(const struct http_request *req, struct results_query *q,
    struct http_response *resp)
{
	char		 buf[64], msg[128];
	const char	*bad = NULL, *why = NULL;
	size_t		 n;

	memset(q, 0, sizeof(*q));
	q->limit = 50;
	if (http_query_get(req->query, "offset", buf, sizeof(buf)) == 0 &&
	    !whole_in(buf, 0, RESULTS_OFFSET_MAX, &q->offset))
		bad = "offset", why = "a whole number from 0 to 10000000";
	else if (http_query_get(req->query, "limit", buf, sizeof(buf)) == 0 &&
	    !whole_in(buf, 1, RESULTS_LIMIT_MAX, &q->limit))
		bad = "limit", why = "a whole number from 1 to 1000";
	else if (http_query_get(req->query, "code", buf, sizeof(buf)) == 0) {
		/* a sample code's alphabet (samples_validate()); "": any */
		n = strlen(buf);
		if (n > RESULTS_CODE_MAX || strspn(buf, "ABCDEFGHIJKLMNOPQRS"
		    "TUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
			bad = "code", why = "up to 32 characters from A-Z "
			    "a-z 0-9 . _ -";
		else
			memcpy(q->code, buf, n + 1);
	}
	if (bad == NULL && http_query_get(req->query, "from", buf,
	    sizeof(buf)) == 0 && buf[0] != '\0') {
		if (!results_date_valid(buf))
			bad = "from", why = "a date written YYYY-MM-DD";
		else
			memcpy(q->from, buf, sizeof(q->from));
	}
	if (bad == NULL && http_query_get(req->query, "to", buf,
	    sizeof(buf)) == 0 && buf[0] != '\0') {
		if (!results_date_valid(buf))
			bad = "to", why = "a date written YYYY-MM-DD";
		else if (q->from[0] != '\0' && strcmp(buf, q->from) < 0)
			bad = "to", why = "a date on or after from";
		else
			memcpy(q->to, buf, sizeof(q->to));
	}
	if (bad == NULL)
		return 0;
	snprintf(msg, sizeof(msg), "Parameter \"%s\": %s.", bad, why);
	http_error_i18n(resp, 400, "bad_request", msg, json_pack(
	    "[{s:s,s:{s:s}}]", "code", "query_invalid", "params", "field",
	    bad));
	return -1;
}

static void
handle_results(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct results_query	 q;
	json_t			*o;

	if (strcmp(req->method, "GET") != 0) {
		method_not_allowed(resp, "GET");
		return;
	}
	if (results_params(req, &q, resp) == -1)
		return;
	if ((o = results_query(app->results_fd, &q)) == NULL)
		http_error(resp, 500, "internal", "Internal error.");
	else
		http_json(resp, 200, o);
}

static void
handle_result(struct app *app, const struct http_request *req,
    const char *id, struct http_response *resp)
{
	json_t	*r;

	if (!id_valid(id)) {
		http_error(resp, 404, "not_found", "No such result.");
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		/* With its latest review merged in (docs/api.md). */
		if ((r = results_load(app->results_fd, id)) == NULL)
			http_error(resp, 404, "not_found", "No such result.");
		else {
			review_merge(app->results_fd, id, r);
			http_json(resp, 200, r);
		}
		return;
	}
	if (strcmp(req->method, "DELETE") != 0) {
		method_not_allowed(resp, "GET, DELETE");
		return;
	}
	switch (results_delete(app->results_fd, id)) {
	case RESULTS_OK:
		snprintf(resp->note, sizeof(resp->note), "deleted %s", id);
		http_json(resp, 200, json_pack("{s:s}", "deleted", id));
		break;
	case RESULTS_ERR_NOTFOUND:
		http_error(resp, 404, "not_found", "No such result.");
		break;
	default:
		http_error(resp, 500, "internal", "Internal error.");
		break;
	}
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
		http_error(resp, 421, "misdirected",
		    "This server does not answer to that host name; add it "
		    "to allowed_hosts.");
		return -1;
	}
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
	    strcmp(m, "OPTIONS") != 0 && !http_same_origin(req->origin,
	    req->fetch_site, req->scheme, req->host, req->server_port)) {
		snprintf(resp->note, sizeof(resp->note), "origin %.80s "
		    "fetch-site %.20s", req->origin, req->fetch_site);
		http_error(resp, 403, "cross_origin",
		    "Changes are only accepted from this server's own pages.");
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
	if (login_check(app, req, resp))
		return;
	if (strcmp(path, "/api/analyze") == 0) {
		if (strcmp(req->method, "POST") != 0)
			method_not_allowed(resp, "POST");
		else
			analyze_handle(app, req, resp);
	} else if (strcmp(path, "/api/detect") == 0) {
		if (strcmp(req->method, "POST") != 0)
			method_not_allowed(resp, "POST");
		else
			detect_handle(app, req, resp);
	} else if (strcmp(path, "/api/health") == 0) {
		if (strcmp(req->method, "GET") != 0 &&
		    strcmp(req->method, "HEAD") != 0)
			method_not_allowed(resp, "GET");
		else
			handle_health(app, resp);
	} else if (strcmp(path, "/api/model") == 0) {
		if (strcmp(req->method, "GET") != 0 &&
		    strcmp(req->method, "HEAD") != 0)
			method_not_allowed(resp, "GET");
		else
			handle_model(app, resp);
	} else if (strcmp(path, "/api/results") == 0) {
		handle_results(app, req, resp);
	} else if (strncmp(path, "/api/results/", 13) == 0) {
		if (!review_route(app, req, path + 13, resp))
			handle_result(app, req, path + 13, resp);
	} else if (samples_route(app, req, resp)) {
		/* handled */
	} else
		http_error(resp, 404, "not_found", "No such API route.");
}
