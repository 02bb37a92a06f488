/* results_routes.c: GET /api/results (the list joined with reviews and samples), GET and DELETE /api/results/{id} */
/*
 * The results store keeps results; reviews and samples are other stores.
 * Listing a result as the History shows it joins the three: its latest
 * review merged into its counts, and the samples that hold it (the
 * samples' own lists decide).  The join lives here, above the stores, so
 * that no store calls another one that calls it back.
 */

#include "routes/results_routes.h"
#include "base/context.h"
#include "base/http.h"
#include "store/ids.h"
#include "store/results.h"
#include "store/review.h"
#include "store/samples.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The list's summary of loaded result r (id), its latest review merged. */
static json_t *
summary(int dirfd, const char *id, json_t *r)
{
	/* Reviewed counts where a person corrected the boxes. */
	review_merge(dirfd, id, r);
	return json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:b}",
	    "id", json_object_get(r, "id"),
	    "file_name", json_object_get(r, "file_name"),
	    "created", json_object_get(r, "created"),
	    "counts", json_object_get(r, "counts"),
	    "image", json_object_get(r, "image"),
	    "urls", json_object_get(r, "urls"),
	    "sample", json_object_get(r, "sample"),
	    "reviewed", json_is_object(json_object_get(r, "review")));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long
days_from_civil(long y, long m, long d)
{
	long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Seconds since the epoch of 00:00 UTC on date "YYYY-MM-DD" (valid). */
static time_t
date_start(const char *s)
{
	return (time_t)days_from_civil(atol(s), atol(s + 5), atol(s + 8)) *
	    86400;
}

/* 1 if needle ("" always) is in hay, ignoring ASCII case. */
static int
contains_nocase(const char *hay, const char *needle)
{
	size_t	 i, n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0' &&
		    tolower((unsigned char)hay[i]) ==
		    tolower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return n == 0;
}

/*
 * Which samples hold each result: {result id: [{"id", "code"}, ...]}.
 * The samples' own lists decide (a field can be attached later or taken
 * out), not the "sample" a result was analysed into.
 */
static json_t *
sample_index(int dirfd)
{
	json_t		*idx, *list, *d, *s, *ids, *arr, *who;
	const char	*sid, *rid;
	size_t		 i, k;

	if ((idx = json_object()) == NULL)
		return NULL;
	if ((list = samples_list(dirfd, SIZE_MAX)) == NULL)
		return idx;
	json_array_foreach(list, i, d) {
		if ((sid = json_string_value(json_object_get(d, "id"))) ==
		    NULL || (s = samples_load(dirfd, sid)) == NULL)
			continue;
		ids = json_object_get(s, "results");
		json_array_foreach(ids, k, who) {
			if ((rid = json_string_value(who)) == NULL)
				continue;
			if ((arr = json_object_get(idx, rid)) == NULL) {
				arr = json_array();
				if (json_object_set_new(idx, rid, arr) == -1)
					continue;
			}
			json_array_append_new(arr, json_pack("{s:s,s:O?}",
			    "id", sid, "code", json_object_get(d, "code")));
		}
		json_decref(s);
	}
	json_decref(list);
	return idx;
}

/* 1 if one of in (an array of {"id", "code"}, or NULL) has code in it. */
static int
code_matches(const json_t *in, const char *code)
{
	const json_t	*x;
	const char	*c;
	size_t		 i;

	if (code[0] == '\0')
		return 1;
	json_array_foreach(in, i, x)
		if ((c = json_string_value(json_object_get(x, "code"))) !=
		    NULL && contains_nocase(c, code))
			return 1;
	return 0;
}

/* 1 if result r's "created" day is within q's dates. */
static int
date_matches(const json_t *r, const struct results_query *q)
{
	const char	*c = json_string_value(json_object_get(r, "created"));

	if (c == NULL || strlen(c) < 10)
		return 0;
	return (q->from[0] == '\0' || strncmp(c, q->from, 10) >= 0) &&
	    (q->to[0] == '\0' || strncmp(c, q->to, 10) <= 0);
}

json_t *
results_query(int dirfd, const struct results_query *q)
{
	struct results_entry	*v;
	json_t		*out, *arr, *idx, *in, *r, *s;
	size_t		 n = 0, i, total = 0;
	time_t		 lo = 0, hi = 0;
	int		 dated = q->from[0] != '\0' || q->to[0] != '\0';

	arr = json_array();
	idx = sample_index(dirfd);
	out = json_pack("{s:o,s:I,s:I}", "results", arr, "offset",
	    (json_int_t)q->offset, "limit", (json_int_t)q->limit);
	if (arr == NULL || idx == NULL || out == NULL) {
		json_decref(idx);
		json_decref(out);
		return NULL;
	}
	/*
	 * A result's created time is taken before its result.json is
	 * written, so a result.json older than from's midnight cannot match
	 * and one written days after to is not read either (no analysis
	 * takes two days): only results near the dates are opened.
	 */
	if (q->from[0] != '\0')
		lo = date_start(q->from);
	if (q->to[0] != '\0')
		hi = date_start(q->to) + 3 * 86400;
	v = results_scan(dirfd, &n);
	for (i = 0; i < n; i++) {
		in = json_object_get(idx, v[i].id);
		if (!code_matches(in, q->code))
			continue;
		if ((q->from[0] != '\0' && v[i].mtime < lo) ||
		    (q->to[0] != '\0' && v[i].mtime >= hi))
			continue;
		r = NULL;
		if (dated) {
			if ((r = results_load(dirfd, v[i].id)) == NULL)
				continue;
			if (!date_matches(r, q)) {
				json_decref(r);
				continue;
			}
		}
		if (total++ < q->offset || total > q->offset + q->limit) {
			json_decref(r);
			continue;
		}
		if (r == NULL && (r = results_load(dirfd, v[i].id)) == NULL)
			continue;
		s = summary(dirfd, v[i].id, r);
		json_decref(r);
		if (s == NULL)
			continue;
		if (in != NULL)
			json_object_set(s, "samples", in);
		else
			json_object_set_new(s, "samples", json_array());
		json_array_append_new(arr, s);
	}
	free(v);
	json_decref(idx);
	json_object_set_new(out, "total", json_integer((json_int_t)total));
	return out;
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
	http_fail_detail(resp, ERR_BAD_REQUEST, msg, json_pack(
	    "[{s:s,s:{s:s}}]", "code", "query_invalid", "params", "field",
	    bad));
	return -1;
}

void
results_route_list(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct results_query	 q;
	json_t			*o;

	if (strcmp(req->method, "GET") != 0) {
		http_method_not_allowed(resp, "GET");
		return;
	}
	if (results_params(req, &q, resp) == -1)
		return;
	if ((o = results_query(app->results_fd, &q)) == NULL)
		http_fail(resp, ERR_INTERNAL);
	else
		http_json(resp, 200, o);
}

void
results_route_one(struct app *app, const struct http_request *req,
    const char *id, struct http_response *resp)
{
	json_t	*r;
	char	 by[SAMPLES_BY_MAX + 2];

	if (!id_valid(id)) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.", NULL);
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		/* With its latest review merged in (docs/api.md). */
		if ((r = results_load(app->results_fd, id)) == NULL)
			http_fail_detail(resp, ERR_NOT_FOUND, "No such result.",
			    NULL);
		else {
			review_merge(app->results_fd, id, r);
			http_json(resp, 200, r);
		}
		return;
	}
	if (strcmp(req->method, "DELETE") != 0) {
		http_method_not_allowed(resp, "GET, DELETE");
		return;
	}
	/* Out of its samples first, each noting it (?by=: who deleted it). */
	if (results_exists(app->results_fd, id) &&
	    samples_forget_result(app->results_fd, id, samples_audit_by(
	    req->query, by, sizeof(by))) == -1) {
		http_fail(resp, ERR_INTERNAL);
		return;
	}
	switch (results_delete(app->results_fd, id)) {
	case RESULTS_OK:
		snprintf(resp->note, sizeof(resp->note), "deleted %s", id);
		http_json(resp, 200, json_pack("{s:s}", "deleted", id));
		break;
	case RESULTS_ERR_NOTFOUND:
		http_fail_detail(resp, ERR_NOT_FOUND, "No such result.", NULL);
		break;
	default:
		http_fail(resp, ERR_INTERNAL);
		break;
	}
}
