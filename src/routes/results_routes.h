/* results_routes.h: the results API: the list (joined with reviews and samples), one result, its delete */
#ifndef BV_RESULTS_ROUTES_H
#define BV_RESULTS_ROUTES_H

#include <stddef.h>
#include <jansson.h>

struct app;
struct http_request;
struct http_response;

#define RESULTS_CODE_MAX	32	/* a sample code's length (samples) */
#define RESULTS_LIMIT_MAX	1000	/* results one page may hold */
#define RESULTS_OFFSET_MAX	10000000

/*
 * One page of the results list: the results whose sample code contains
 * code (ignoring case; "" any) and whose "created" day (UTC) lies in
 * [from, to] ("YYYY-MM-DD", "" open), newest first, from offset on.
 */
struct results_query {
	size_t	offset;
	size_t	limit;
	char	code[RESULTS_CODE_MAX + 1];
	char	from[11];
	char	to[11];
};

/*
 * New object {"results": [...], "total", "offset", "limit"}: the page of
 * q, newest first (each summary: id, file_name, created, counts with the
 * latest review merged, image, urls, sample, reviewed, and "samples":
 * [{"id", "code"}], the samples holding it), total the number of results
 * q matches.  NULL only on ENOMEM.  The caller owns the reference.
 */
json_t	*results_query(int dirfd, const struct results_query *q);

/* GET /api/results?offset&limit&code&from&to (docs/api.md). */
void	 results_route_list(struct app *app, const struct http_request *req,
	    struct http_response *resp);

/* GET (its latest review merged) and DELETE /api/results/{id}. */
void	 results_route_one(struct app *app, const struct http_request *req,
	    const char *id, struct http_response *resp);

#endif /* BV_RESULTS_ROUTES_H */
