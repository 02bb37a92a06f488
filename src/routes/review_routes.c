/* review_routes.c: GET and PUT /api/results/{id}/review: a person's corrections over HTTP */
/*
 * The HTTP side of store/review.c: parse and bound the body, check it
 * against the result (review_check), save it as the next version
 * (review_save) and answer with the merged result, or one error.
 */

#include "routes/review_routes.h"
#include "base/context.h"
#include "base/http.h"
#include "store/ids.h"
#include "store/results.h"
#include "store/review.h"
#include "store/micstore.h"
#include "store/wbcdata.h"
#include "store/rbcdata.h"
#include "base/log.h"

#include <stdio.h>
#include <string.h>

#define REVIEW_BY_MAX		64		/* bytes of "by" */
#define REVIEW_BODY_MAX		(1024 * 1024)

/* "by": 1 to REVIEW_BY_MAX bytes of UTF-8 text, no control characters. */
static int
by_ok(const char *s)
{
	size_t	 n = s != NULL ? strlen(s) : 0, i;

	if (n == 0 || n > REVIEW_BY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static void
bad(struct http_response *resp, enum err_code e, const char *msg,
    const char *i18n_code, json_t *params)
{
	http_fail_detail(resp, e, msg, http_msg1(i18n_code, params));
}

/* The request's body as a JSON object, or NULL with resp the refusal. */
static json_t *
body_object(const struct http_request *req, struct http_response *resp)
{
	json_error_t	 jerr;
	json_t		*in;

	if (req->body == NULL || req->body_len == 0) {
		bad(resp, ERR_BAD_REQUEST, "A JSON body is required.",
		    "body_required", NULL);
		return NULL;
	}
	if (req->body_len > REVIEW_BODY_MAX) {
		bad(resp, ERR_TOO_LARGE, "The JSON body is too large.",
		    "body_too_large", json_pack("{s:i}", "max_bytes",
		    REVIEW_BODY_MAX));
		return NULL;
	}
	in = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(in)) {
		bad(resp, ERR_BAD_REQUEST, "The body must be a JSON object.",
		    "body_not_object", NULL);
		json_decref(in);
		return NULL;
	}
	return in;
}

/*
 * The body's own fields checked: the version it edits into *base, who
 * into *by.  -1 with resp the refusal.
 */
static int
body_fields(json_t *in, json_int_t *base, const char **by,
    struct http_response *resp)
{
	json_t		*v;
	const char	*k;
	char		 err[240];

	json_object_foreach(in, k, v) {
		if (strcmp(k, "version") != 0 && strcmp(k, "by") != 0 &&
		    strcmp(k, "changes") != 0 && strcmp(k, "checked") != 0) {
			snprintf(err, sizeof(err), "Unknown field \"%s\".", k);
			bad(resp, ERR_BAD_REQUEST, err, "unknown_field",
			    json_pack("{s:s}", "field", k));
			return -1;
		}
	}
	/* "every cell checked": a complete review, microscope.h's field */
	if ((v = json_object_get(in, "checked")) != NULL &&
	    !json_is_boolean(v)) {
		bad(resp, ERR_BAD_REQUEST, "Field \"checked\" must be true "
		    "or false.", "review_checked_invalid", json_pack("{s:s}",
		    "field", "checked"));
		return -1;
	}
	v = json_object_get(in, "version");
	if (v == NULL) {
		bad(resp, ERR_MISSING_FIELD, "Field \"version\" (the version "
		    "this review edits: 0 for the detector's) is required.",
		    "review_version_required", json_pack("{s:s}", "field",
		    "version"));
		return -1;
	}
	if (!json_is_integer(v) || (*base = json_integer_value(v)) < 0 ||
	    *base > REVIEW_MAX_VERSIONS) {
		bad(resp, ERR_BAD_REQUEST, "Field \"version\" must be a "
		    "whole number >= 0.", "review_version_invalid",
		    json_pack("{s:s}", "field", "version"));
		return -1;
	}
	*by = json_string_value(json_object_get(in, "by"));
	if (!by_ok(*by)) {
		bad(resp, json_object_get(in, "by") ? ERR_BAD_REQUEST :
		    ERR_MISSING_FIELD,
		    "Field \"by\": who reviewed, 1 to 64 bytes of text.",
		    "review_by_invalid", json_pack("{s:s,s:i}", "field", "by",
		    "max", REVIEW_BY_MAX));
		return -1;
	}
	return 0;
}

/*
 * Saved review version cur + 1 of result id: its white-cell types kept,
 * the microscope's checked fields marked, the merged result answered.
 */
static void
saved(struct app *app, const char *id, int cur, json_t *result,
    const json_t *changes, const char *by, int checked,
    struct http_response *resp)
{
	const char	*mic = json_string_value(json_object_get(result,
			    "microscope"));

	/* the types a person set or confirmed become data */
	if (wbcdata_keep(app->results_fd, id, cur + 1, result, changes,
	    by) == -1)
		log_warn("result %s: reviewed white-cell types", id);
	if (rbcdata_keep(app->results_fd, id, cur + 1, result, changes,
	    by) == -1)
		log_warn("result %s: reviewed red-cell classes", id);
	review_merge(app->results_fd, id, result);
	/* the microscope's list of checked fields follows the review */
	if (mic != NULL && micstore_mark(app->results_fd, mic, id,
	    checked) == -1)
		log_warn("microscope %s: checked field %s", mic, id);
	snprintf(resp->note, sizeof(resp->note), "review %s v%d", id,
	    cur + 1);
	http_json(resp, 200, json_incref(result));
}

/*
 * Save rv (by's changes, checked or not) over version base of result id,
 * answering in resp.
 */
static void
save(struct app *app, const char *id, json_int_t base, json_t *rv,
    json_t *result, const json_t *changes, const char *by, int checked,
    struct http_response *resp)
{
	char	 err[240];
	int	 cur = 0;

	switch (review_save(app->results_fd, id, (int)base, rv, &cur)) {
	case REVIEW_OK:
		saved(app, id, cur, result, changes, by, checked, resp);
		break;
	case REVIEW_ERR_CONFLICT:
		snprintf(err, sizeof(err), "This result was reviewed again "
		    "meanwhile: the save edits version %lld, the latest is %d. "
		    "Reload it and redo the changes.", (long long)base, cur);
		bad(resp, ERR_CONFLICT, err, "review_conflict",
		    json_pack("{s:s,s:I,s:i}", "field", "version", "version",
		    base, "current", cur));
		break;
	case REVIEW_ERR_LIMIT:
		bad(resp, ERR_CONFLICT, "This result has the most review "
		    "versions it may have.", "review_too_many", json_pack(
		    "{s:i}", "max", REVIEW_MAX_VERSIONS));
		break;
	case REVIEW_ERR_NOTFOUND:
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.",
		    http_msg1("result_not_found", NULL));
		break;
	case REVIEW_ERR_FULL:
		http_fail(resp, ERR_STORAGE_FULL);
		break;
	default:
		http_fail(resp, ERR_INTERNAL);
		break;
	}
}

static void
route_put(struct app *app, const struct http_request *req, const char *id,
    struct http_response *resp)
{
	json_t		*in, *result = NULL, *changes = NULL, *msgs, *rv;
	const char	*by = NULL;
	char		 err[240];
	json_int_t	 base = 0;
	int		 checked;

	if ((in = body_object(req, resp)) == NULL)
		return;
	if (body_fields(in, &base, &by, resp) == -1)
		goto out;
	if ((result = results_load(app->results_fd, id)) == NULL) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.",
		    http_msg1("result_not_found", NULL));
		goto out;
	}
	if (json_object_get(in, "changes") == NULL) {
		snprintf(err, sizeof(err), "Field \"changes\" must be a list "
		    "of at most %d changes.", REVIEW_MAX_CHANGES);
		bad(resp, ERR_MISSING_FIELD, err, "review_changes_invalid",
		    json_pack("{s:s,s:i}", "field", "changes", "max",
		    REVIEW_MAX_CHANGES));
		goto out;
	}
	changes = review_check(result, json_object_get(in, "changes"), err,
	    sizeof(err), &msgs);
	if (changes == NULL) {
		http_fail_detail(resp, ERR_BAD_REQUEST, err, msgs);
		goto out;
	}
	checked = json_is_true(json_object_get(in, "checked"));
	rv = json_pack("{s:s,s:O,s:b}", "by", by, "changes", changes,
	    "checked", checked);
	save(app, id, base, rv, result, changes, by, checked, resp);
	json_decref(rv);
out:
	json_decref(changes);
	json_decref(result);
	json_decref(in);
}

int
review_route(struct app *app, const struct http_request *req,
    const char *rest, struct http_response *resp)
{
	char	 id[ID_LEN + 1];
	json_t	*r, *rv;

	if (strlen(rest) != ID_LEN + 7 || strcmp(rest + ID_LEN, "/review") != 0)
		return 0;
	memcpy(id, rest, ID_LEN);
	id[ID_LEN] = '\0';
	if (!id_valid(id)) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.",
		    http_msg1("result_not_found", NULL));
		return 1;
	}
	if (strcmp(req->method, "PUT") == 0) {
		route_put(app, req, id, resp);
		return 1;
	}
	if (strcmp(req->method, "GET") != 0) {
		http_method_not_allowed(resp, "GET, PUT");
		return 1;
	}
	if ((r = results_load(app->results_fd, id)) == NULL) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.",
		    http_msg1("result_not_found", NULL));
		return 1;
	}
	rv = review_load(app->results_fd, id);
	review_merge(app->results_fd, id, r);
	http_json(resp, 200, json_pack("{s:s,s:i,s:O,s:O?,s:O?}", "result", id,
	    "version", rv ? (int)json_integer_value(json_object_get(rv,
	    "version")) : 0, "review", json_object_get(r, "review"),
	    "counts", json_object_get(r, "counts"),
	    "detector_counts", json_object_get(r, rv ? "detector_counts" :
	    "counts")));
	json_decref(rv);
	json_decref(r);
	return 1;
}
