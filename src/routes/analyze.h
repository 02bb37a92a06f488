/* analyze.h: the upload pipeline (validate, decode, detect, annotate, commit) */
#ifndef BV_ANALYZE_H
#define BV_ANALYZE_H

#include "base/context.h"
#include "base/http.h"

/* POST /api/analyze: fills resp with the result or one error. */
void	analyze_handle(struct app *app, const struct http_request *req,
	    struct http_response *resp);

#endif /* BV_ANALYZE_H */
