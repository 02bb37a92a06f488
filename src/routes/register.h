/* register.h: the health post's monthly register over HTTP (register.c) */
#ifndef BV_REGISTER_H
#define BV_REGISTER_H

struct app;
struct http_request;
struct http_response;

/*
 * GET /api/register.csv?from=YYYY-MM-DD&to=YYYY-MM-DD (one row a sample,
 * no names) and GET /api/register/summary?month=YYYY-MM (screenings by age
 * group, the anaemia share).  Returns 0 without touching resp if the path
 * is not ours, else fills resp and returns 1.
 */
int	 register_route(struct app *app, const struct http_request *req,
	    struct http_response *resp);

#endif /* BV_REGISTER_H */
