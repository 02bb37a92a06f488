/* review_routes.h: /api/results/{id}/review over HTTP (store/review.h keeps the versions) */
#ifndef BV_REVIEW_ROUTES_H
#define BV_REVIEW_ROUTES_H

struct app;
struct http_request;
struct http_response;

/*
 * Route handler for /api/results/{id}/review (rest: the path after
 * "/api/results/").  Returns 0 without touching resp if the path is not
 * ours, else fills resp and returns 1.
 */
int	 review_route(struct app *app, const struct http_request *req,
	    const char *rest, struct http_response *resp);

#endif /* BV_REVIEW_ROUTES_H */
