/* microscope_routes.h: /api/microscopes: each microscope's checked fields, measured error and adaptation */
#ifndef BV_MICROSCOPE_ROUTES_H
#define BV_MICROSCOPE_ROUTES_H

#include <jansson.h>

struct app;
struct http_request;
struct http_response;

/*
 * Route handler for /api/microscopes and below.  Returns 0 without
 * touching resp if the path is not ours, else fills resp and returns 1.
 */
int	 microscope_route(struct app *app, const struct http_request *req,
	    struct http_response *resp);

/*
 * /api/microscopes/NAME/finetune (microscope_adapt.c): start, watch and
 * stop microscope name's fine-tuning job; name is valid (micstore.h).
 */
void	 microscope_finetune(struct app *app, const struct http_request *req,
	    const char *name, struct http_response *resp);

/*
 * /api/model's "microscopes": [{"microscope", "fields", "adaptation",
 * "error": {NAME: {"bias", "sd"}}}, ...] for every stored microscope.
 * New reference; NULL on ENOMEM.
 */
json_t	*microscope_routes_model(struct app *app);

#endif /* BV_MICROSCOPE_ROUTES_H */
