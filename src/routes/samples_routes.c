/* samples_routes.c: the /api/samples HTTP handlers */

#include "routes/samples_routes.h"
#include "store/samples.h"
#include "store/samples_int.h"
#include "base/context.h"
#include "clinical/clinical.h"
#include "base/config.h"
#include "base/http.h"
#include "store/ids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- routes ---------------------------------------------------------- */

static void
store_error(struct http_response *resp, enum samples_err e)
{
	switch (e) {
	case SAMPLES_ERR_NOTFOUND:
		http_fail_detail(resp, ERR_NOT_FOUND, "No such sample or "
		    "result.", msg_list("sample_or_result_not_found", NULL));
		break;
	case SAMPLES_ERR_LIMIT:
		http_fail_detail(resp, ERR_BAD_REQUEST, "The sample already "
		    "holds the maximum number of results.",
		    msg_list("sample_full", json_pack("{s:i}", "max",
		    SAMPLES_MAX_RESULTS)));
		break;
	case SAMPLES_ERR_FULL:
		http_fail(resp, ERR_STORAGE_FULL);
		break;
	default:
		http_fail(resp, ERR_INTERNAL);
		break;
	}
}

void
samples_analyze_error(struct http_response *resp, enum samples_err e)
{
	if (e == SAMPLES_ERR_NOTFOUND)
		/* not_found alone would read "no such result" */
		http_fail_detail(resp, ERR_NOT_FOUND, "No such sample.",
		    msg_list("sample_not_found", NULL));
	else
		store_error(resp, e);
}

static void
method_not_allowed(struct http_response *resp, const char *allow)
{
	http_method_not_allowed(resp, allow);
}

/* Parse the body as a JSON object; NULL after filling resp with a 400. */
static json_t *
body_json(const struct http_request *req, struct http_response *resp)
{
	json_error_t	 jerr;
	json_t		*o;
	char		 msg[200];

	if (req->body == NULL || req->body_len == 0) {
		http_fail_detail(resp, ERR_BAD_REQUEST, "A JSON body is "
		    "required.", msg_list("body_required", NULL));
		return NULL;
	}
	/*
	 * A cross-site form can send text/plain or urlencoded bodies without
	 * a CORS preflight, never application/json: insist on it.
	 */
	if (!http_is_json(req->content_type)) {
		http_fail_detail(resp, ERR_JSON_REQUIRED, "Send the body "
		    "as Content-Type: application/json.",
		    msg_list("json_required", NULL));
		return NULL;
	}
	if (req->body_len > SAMPLES_BODY_MAX) {
		http_fail_detail(resp, ERR_TOO_LARGE, "The JSON body is too "
		    "large.", msg_list("body_too_large", json_pack("{s:i}",
		    "max_bytes", SAMPLES_BODY_MAX)));
		return NULL;
	}
	o = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		/* jansson's words: technical, and English in every language. */
		snprintf(msg, sizeof(msg), "The body is not valid JSON (%s).",
		    jerr.text);
		http_fail_detail(resp, ERR_BAD_REQUEST, msg,
		    msg_list("body_not_json", json_pack("{s:s}", "error",
		    jerr.text)));
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		http_fail_detail(resp, ERR_BAD_REQUEST, "The body must be a "
		    "JSON object.", msg_list("body_not_object", NULL));
		return NULL;
	}
	return o;
}

static void
route_create(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	json_t			*in, *s, *msgs;
	char			 err[240], id[ID_LEN + 1], loc[64];
	int			 missing;
	enum samples_err	 e;

	if ((in = body_json(req, resp)) == NULL)
		return;
	s = samples_validate(in, app->clinical, err, sizeof(err), &missing,
	    &msgs);
	json_decref(in);
	if (s == NULL) {
		http_fail_detail(resp, missing ? ERR_MISSING_FIELD :
		    ERR_BAD_REQUEST, err, msgs);
		return;
	}
	if ((e = samples_create(app->results_fd, s, id, sizeof(id))) !=
	    SAMPLES_OK) {
		json_decref(s);
		store_error(resp, e);
		return;
	}
	snprintf(loc, sizeof(loc), "/api/samples/%s", id);
	http_add_header(resp, "Location", loc);
	http_json(resp, 201, s);
}

static void route_show(struct app *, const char *, struct http_response *,
	    int);
static void route_changed(struct app *, const char *, enum samples_err,
	    struct http_response *);

/* PUT /api/samples/{id}: the whole sample again, checked like a new one. */
static void
route_update(struct app *app, const char *id, const struct http_request *req,
    struct http_response *resp)
{
	json_t			*in, *s, *msgs;
	char			 err[240];
	int			 missing;
	enum samples_err	 e;

	if ((in = body_json(req, resp)) == NULL)
		return;
	s = samples_validate(in, app->clinical, err, sizeof(err), &missing,
	    &msgs);
	json_decref(in);
	if (s == NULL) {
		http_fail_detail(resp, missing ? ERR_MISSING_FIELD :
		    ERR_BAD_REQUEST, err, msgs);
		return;
	}
	e = samples_update(app->results_fd, id, s);
	json_decref(s);
	route_changed(app, id, e, resp);
}

static void
route_show(struct app *app, const char *id, struct http_response *resp,
    int status)
{
	json_t	*s, *sum;

	if ((s = samples_load(app->results_fd, id)) == NULL) {
		store_error(resp, errno == ENOENT ? SAMPLES_ERR_NOTFOUND :
		    SAMPLES_ERR_IO);
		return;
	}
	if ((sum = samples_summary_ref(app->results_fd, s, app->clinical,
	    app->clinical != NULL && app->cfg != NULL ?
	    samples_wbc_reference(app->cfg->clinical_reference) : NULL)) ==
	    NULL) {
		json_decref(s);
		store_error(resp, SAMPLES_ERR_IO);
		return;
	}
	http_json(resp, status, json_pack("{s:o,s:o}", "sample", s,
	    "summary", sum));
}

/* After a store change: the sample (200), or the store's error. */
static void
route_changed(struct app *app, const char *id, enum samples_err e,
    struct http_response *resp)
{
	if (e != SAMPLES_OK)
		store_error(resp, e);
	else
		route_show(app, id, resp, 200);
}

/* 400 naming an unexpected member of a body. */
static void
unknown_field(struct http_response *resp, const char *key)
{
	char	 msg[120];
	int	 cut = utf8_cut(key, 40);

	snprintf(msg, sizeof(msg), "Unknown field \"%.*s\".", cut, key);
	http_fail_detail(resp, ERR_BAD_REQUEST, msg, msg_list(
	    "unknown_field", json_pack("{s:s#}", "field", key, cut)));
}

/*
 * 1 when each member of body in is one of names (NULL-ended); else 0
 * with resp a 400 naming the first that is not.
 */
static int
only_fields(const json_t *in, const char *const *names,
    struct http_response *resp)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)in, k, v) {
		for (i = 0; names[i] != NULL && strcmp(k, names[i]) != 0; i++)
			continue;
		if (names[i] == NULL) {
			unknown_field(resp, k);
			return 0;
		}
	}
	return 1;
}

/*
 * The "selection" of body in: an enum samples_selection, -1 when absent
 * and not required, -2 after filling resp with a 400 naming the field.
 */
static int
selection_of(const json_t *in, int required, struct http_response *resp)
{
	const json_t	*j = json_object_get(in, "selection");
	int		 s;

	if ((j == NULL || json_is_null(j)) && !required)
		return -1;
	if ((s = samples_selection_from_name(json_string_value(j))) >= 0)
		return s;
	http_fail_detail(resp, j == NULL ? ERR_MISSING_FIELD :
	    ERR_BAD_REQUEST, "Field \"selection\" must be \"random\" (a random "
	    "monolayer field) or \"targeted\" (chosen around white cells).",
	    msg_list("selection_invalid", json_pack("{s:s}", "field",
	    "selection")));
	return -2;
}

/*
 * PUT /api/samples/{id}/results/{rid} {"include_poor": true, "by"}: a
 * reviewer puts a field flagged poor (quality.h) back into the estimates,
 * recorded with who and when; false takes it out again.  Steals in.
 */
static void
route_include(struct app *app, const char *id, const char *rid, json_t *in,
    struct http_response *resp)
{
	const json_t		*inc = json_object_get(in, "include_poor");
	const char		*by = json_string_value(json_object_get(in,
				    "by"));
	static const char *const fields[] = { "include_poor", "by", NULL };
	enum samples_err	 e;

	if (!only_fields(in, fields, resp)) {
		json_decref(in);
		return;
	}
	if (!json_is_boolean(inc) || (json_is_true(inc) && (by == NULL ||
	    *by == '\0' || strlen(by) > 64))) {
		json_decref(in);
		http_fail_detail(resp, ERR_BAD_REQUEST, "Field "
		    "\"include_poor\" must be true or false, and including a "
		    "poor field needs \"by\", the reviewer's name (1 to 64 "
		    "characters).", msg_list("include_poor_invalid",
		    json_pack("{s:s}", "field", "include_poor")));
		return;
	}
	e = samples_include_poor(app->results_fd, id, rid, json_is_true(inc),
	    by);
	json_decref(in);
	route_changed(app, id, e, resp);
}

/*
 * PUT /api/samples/{id}/results/{rid} {"selection"}: re-mark one field;
 * PUT /api/samples/{id}/selection {"selection"}: how fields analysed into
 * the sample from now on are marked (rid NULL).
 */
static void
route_mark(struct app *app, const char *id, const char *rid,
    const struct http_request *req, struct http_response *resp)
{
	static const char *const mark_fields[] = { "selection", NULL };
	json_t			*in;
	int			 sel;
	enum samples_err	 e;

	if ((in = body_json(req, resp)) == NULL)
		return;
	if (rid != NULL && json_object_get(in, "include_poor") != NULL) {
		route_include(app, id, rid, in, resp);
		return;
	}
	if (!only_fields(in, mark_fields, resp)) {
		json_decref(in);	/* after: the message holds a copy */
		return;
	}
	sel = selection_of(in, 1, resp);
	json_decref(in);
	if (sel < 0)
		return;
	e = rid != NULL ? samples_mark(app->results_fd, id, rid,
	    (enum samples_selection)sel) : samples_set_new_selection(
	    app->results_fd, id, (enum samples_selection)sel);
	route_changed(app, id, e, resp);
}

static void
route_attach(struct app *app, const char *id, const struct http_request *req,
    struct http_response *resp)
{
	static const char *const attach_fields[] = { "result", "selection",
				    NULL };
	json_t			*in;
	const char		*rid;
	int			 sel;
	enum samples_err	 e;

	if ((in = body_json(req, resp)) == NULL)
		return;
	if (!only_fields(in, attach_fields, resp)) {
		json_decref(in);	/* after: the message holds a copy */
		return;
	}
	rid = json_string_value(json_object_get(in, "result"));
	if (rid == NULL) {
		json_decref(in);
		http_fail_detail(resp, ERR_MISSING_FIELD,
		    "Field \"result\" (a result id) is required.",
		    msg_list("result_required", json_pack("{s:s}", "field",
		    "result")));
		return;
	}
	if (!id_valid(rid)) {
		json_decref(in);
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.",
		    msg_list("result_not_found", NULL));
		return;
	}
	if ((sel = selection_of(in, 0, resp)) == -2) {
		json_decref(in);
		return;
	}
	e = samples_attach_as(app->results_fd, id, rid, sel);
	json_decref(in);
	route_changed(app, id, e, resp);
}

/* GET (the list, ?limit) and POST /api/samples. */
static void
route_collection(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const char	*m = req->method;
	char		 buf[16], *end;
	size_t		 limit = 100;
	long		 l;
	json_t		*list;

	if (strcmp(m, "POST") == 0) {
		route_create(app, req, resp);
		return;
	}
	if (strcmp(m, "GET") != 0) {
		method_not_allowed(resp, "GET, POST");
		return;
	}
	if (http_query_get(req->query, "limit", buf, sizeof(buf)) == 0) {
		l = strtol(buf, &end, 10);
		if (*buf == '\0' || *end != '\0' || l < 1 || l > 1000) {
			http_fail_detail(resp, ERR_BAD_REQUEST, "limit must be "
			    "1 to 1000.", msg_list("limit_invalid", json_pack(
			    "{s:i}", "max", 1000)));
			return;
		}
		limit = (size_t)l;
	}
	if ((list = samples_list(app->results_fd, limit)) == NULL)
		store_error(resp, SAMPLES_ERR_IO);
	else
		http_json(resp, 200, json_pack("{s:o}", "samples", list));
}

/* GET /api/samples/profiles. */
static void
route_profiles(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	if (strcmp(req->method, "GET") != 0)
		method_not_allowed(resp, "GET");
	else if (app->clinical == NULL)
		http_fail_detail(resp, ERR_NOT_READY, "Calibration and "
		    "reference data are not loaded.",
		    msg_list("clinical_not_loaded", NULL));
	else
		http_json(resp, 200, clinical_profiles_json(app->clinical));
}

/* /api/samples/{id}: GET, PUT, DELETE. */
static void
route_sample(struct app *app, const char *id, const struct http_request *req,
    struct http_response *resp)
{
	const char		*m = req->method;
	enum samples_err	 e;

	if (strcmp(m, "GET") == 0)
		route_show(app, id, resp, 200);
	else if (strcmp(m, "PUT") == 0)
		route_update(app, id, req, resp);
	else if (strcmp(m, "DELETE") == 0) {
		if ((e = samples_remove(app->results_fd, id)) != SAMPLES_OK)
			store_error(resp, e);
		else
			http_json(resp, 200, json_pack("{s:s}", "deleted",
			    id));
	} else
		method_not_allowed(resp, "GET, PUT, DELETE");
}

/* /api/samples/{id}/results/{result id}: take a field out, or re-mark it. */
static void
route_field(struct app *app, const char *id, const char *rid,
    const struct http_request *req, struct http_response *resp)
{
	const char		*m = req->method;
	char			 by[SAMPLES_BY_MAX + 2];
	enum samples_err	 e;

	if (strcmp(m, "DELETE") != 0 && strcmp(m, "PUT") != 0)
		method_not_allowed(resp, "PUT, DELETE");
	else if (!id_valid(rid))
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.",
		    msg_list("result_not_found", NULL));
	else if (strcmp(m, "PUT") == 0)
		route_mark(app, id, rid, req, resp);
	else if ((e = samples_detach_audit(app->results_fd, id, rid,
	    samples_audit_by(req->query, by, sizeof(by)), "taken_out")) !=
	    SAMPLES_OK)
		store_error(resp, e);
	else
		route_show(app, id, resp, 200);
}

int
samples_route(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	static const char	 prefix[] = "/api/samples";
	const char		*rest, *m = req->method;
	char			 id[ID_LEN + 1];

	if (strncmp(req->path, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	rest = req->path + sizeof(prefix) - 1;
	if (*rest != '\0' && *rest != '/')
		return 0;		/* "/api/samplesX" is not ours */
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		route_collection(app, req, resp);
		return 1;
	}
	rest++;
	if (strcmp(rest, "profiles") == 0) {
		route_profiles(app, req, resp);
		return 1;
	}
	/* Ids are checked before they reach any path. */
	if (strlen(rest) < ID_LEN) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such sample.",
		    msg_list("sample_not_found", NULL));
		return 1;
	}
	memcpy(id, rest, ID_LEN);
	id[ID_LEN] = '\0';
	rest += ID_LEN;
	if (!id_valid(id)) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such sample.",
		    msg_list("sample_not_found", NULL));
		return 1;
	}
	if (*rest == '\0')
		route_sample(app, id, req, resp);
	else if (strcmp(rest, "/results") == 0) {
		if (strcmp(m, "POST") == 0)
			route_attach(app, id, req, resp);
		else
			method_not_allowed(resp, "POST");
	} else if (strcmp(rest, "/selection") == 0) {
		if (strcmp(m, "PUT") == 0)
			route_mark(app, id, NULL, req, resp);
		else
			method_not_allowed(resp, "PUT");
	} else if (strncmp(rest, "/results/", 9) == 0)
		route_field(app, id, rest + 9, req, resp);
	else
		http_fail_detail(resp, ERR_NOT_FOUND, "No such route.",
		    msg_list("route_not_found", NULL));
	return 1;
}
