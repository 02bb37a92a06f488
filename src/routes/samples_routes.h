/* samples_routes.h: /api/samples and below over HTTP (store/samples.h keeps the samples) */
#ifndef BV_SAMPLES_ROUTES_H
#define BV_SAMPLES_ROUTES_H

#include "store/samples.h"

struct app;
struct http_request;
struct http_response;

/*
 * Route handler for /api/samples and below.  Returns 0 without touching
 * resp if the path is not ours, else fills resp and returns 1.
 */
int	 samples_route(struct app *app, const struct http_request *req,
	    struct http_response *resp);

/*
 * Fill resp with the error for analysing into a sample that failed with
 * e (404 sample_not_found, 400 sample_full, 507, 500).
 */
void	 samples_analyze_error(struct http_response *resp,
	    enum samples_err e);

#endif /* BV_SAMPLES_ROUTES_H */
