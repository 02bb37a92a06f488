/* app.h: the router: a request's path and method to a route */
#ifndef BV_APP_H
#define BV_APP_H

#include "base/context.h"
#include "base/http.h"

/*
 * Route one request.  Fills resp; never exits.
 */
void	app_handle(struct app *app, const struct http_request *req,
	    struct http_response *resp);

#endif /* BV_APP_H */
