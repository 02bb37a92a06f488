/* pipeline.c: pieces shared by the upload pipelines (analyze.c, detect.c) */
/*
 * Both routes validate, decode and detect the same way and answer with the
 * same error codes and the same "scale" and "fov" objects; what they share
 * lives here so neither copies the other.
 */

#include "vision/pipeline.h"
#include "base/num.h"
#include "vision/detector.h"
#include "vision/fov.h"
#include "base/http.h"
#include "base/config.h"
#include "base/multipart.h"
#include "vision/scale.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct multipart *
pipeline_parse_form(const struct app *app, const struct http_request *req,
    struct http_response *resp, const char *what)
{
	struct multipart_limits	 mlim;
	struct multipart	*mp;
	enum multipart_err	 merr;
	char			 boundary[80], msg[80];

	if (multipart_boundary(req->content_type, boundary,
	    sizeof(boundary)) != MULTIPART_OK) {
		snprintf(msg, sizeof(msg), "Send the %s as multipart/form-data.",
		    what);
		http_fail_detail(resp, ERR_BAD_MULTIPART, msg, NULL);
		return NULL;
	}
	multipart_limits_default(&mlim);
	mlim.max_parts = app->cfg->max_parts;
	mp = multipart_parse(req->body, req->body_len, boundary, &mlim, &merr);
	if (mp == NULL) {
		snprintf(resp->note, sizeof(resp->note), "multipart: %s",
		    multipart_strerror(merr));
		if (merr == MULTIPART_ERR_NOMEM)
			http_fail(resp, ERR_INTERNAL);
		else
			http_fail(resp, ERR_BAD_MULTIPART);
	}
	return mp;
}

void
pipeline_image_error(struct http_response *resp, enum img_err e)
{
	switch (e) {
	case IMG_ERR_TYPE:
		http_fail(resp, ERR_UNSUPPORTED_TYPE);
		break;
	case IMG_ERR_PIXELS:
		http_fail(resp, ERR_TOO_MANY_PIXELS);
		break;
	case IMG_ERR_CORRUPT:
		http_fail(resp, ERR_UNDECODABLE);
		break;
	default:
		http_fail(resp, ERR_INTERNAL);
		break;
	}
}

/* The model's scale constants (models/<name>.json "scale"), or defaults. */
void
pipeline_model_scale(const struct app *app, struct scan_model *m)
{
	json_t	*o = json_object_get(app->model_info, "scale");
	double	 v;
	int	 c;

	scan_model_default(m);
	for (c = 0; c < detector_classes(app->det); c++) {
		if (strcmp(detector_class_name(app->det, c), "RBC") == 0)
			m->rbc_cls = c;
		if (strcmp(detector_class_name(app->det, c), "WBC") == 0)
			m->wbc_cls = c;
	}
	if ((v = json_number_value(json_object_get(o, "rbc_net_px"))) > 0)
		m->rbc_net_px = v;
	if ((v = json_number_value(json_object_get(o, "wbc_net_px"))) > 0)
		m->wbc_net_px = v;
	if ((v = json_number_value(json_object_get(o, "rbc_um"))) > 0)
		m->rbc_um = v;
}

json_t *
pipeline_scale_json(const struct scale_info *sc)
{
	const char	*why = scale_reason_name(sc->reason);

	return json_pack("{s:s,s:o,s:o,s:f,s:s,s:o,s:i,s:b}",
	    "source", scale_source_name(sc->source),
	    "rbc_px", sc->rbc_px > 0 ? json_real(num_round1(sc->rbc_px)) :
	    json_null(),
	    "um_per_px", sc->um_per_px > 0 ? json_real(round(sc->um_per_px *
	    1e5) / 1e5) : json_null(),
	    "factor", round(sc->factor * 1e4) / 1e4,
	    "status", sc->status == SCALE_OK ? "ok" : "unsure",
	    "reason", why ? json_string(why) : json_null(),
	    "rbc_measured", sc->nrbc, "checked", sc->checked);
}

json_t *
pipeline_class_map(const struct detector *det, const double *vals)
{
	json_t	*o = json_object();
	int	 c;

	for (c = 0; c < detector_classes(det); c++)
		json_object_set_new(o, detector_class_name(det, c),
		    vals != NULL ? json_real(vals[c]) : json_integer(0));
	return o;
}

json_t *
pipeline_fov_json(const struct fov *f, double um_per_px)
{
	json_t	*o;

	if (f->shape == FOV_CIRCLE)
		o = json_pack("{s:s,s:f,s:f,s:f,s:b,s:f}", "shape", "circle",
		    "cx", num_round1(f->cx), "cy", num_round1(f->cy), "r", num_round1(f->r),
		    "clipped", f->clipped, "area_px", round(f->area_px));
	else
		o = json_pack("{s:s,s:f,s:f,s:f,s:f,s:f}", "shape", "rect",
		    "x", num_round1(f->x), "y", num_round1(f->y), "w", num_round1(f->w),
		    "h", num_round1(f->h), "area_px", round(f->area_px));
	if (o != NULL && um_per_px > 0)
		json_object_set_new(o, "area_um2", json_real(num_round1(f->area_px *
		    um_per_px * um_per_px)));
	return o;
}

void
pipeline_detect_error(struct http_response *resp, enum scan_err e)
{
	switch (e) {
	case SCAN_ERR_BLANK:
		http_fail_detail(resp, ERR_NOT_A_SMEAR,
		    "The photo is blank or featureless: no smear to count.",
		    json_pack("[{s:s,s:{}}]", "code", "not_a_smear_blank",
		    "params"));
		break;
	case SCAN_ERR_NO_CELLS:
		http_fail_detail(resp, ERR_NOT_A_SMEAR,
		    "No red cells were found at any magnification: the photo "
		    "is not a blood smear, or it is out of focus.",
		    json_pack("[{s:s,s:{}}]", "code", "not_a_smear_no_cells",
		    "params"));
		break;
	case SCAN_ERR_TOO_SMALL:
		http_fail_detail(resp, ERR_CELLS_TOO_SMALL,
		    "The cells are too small in this photo to be counted, even "
		    "at full resolution: use a higher magnification or a "
		    "camera with more pixels.", json_pack("[{s:s,s:{}}]",
		    "code", "cells_too_small", "params"));
		break;
	case SCAN_ERR_DECODE:
		http_fail(resp, ERR_UNDECODABLE);
		break;
	default:
		http_fail(resp, ERR_INTERNAL);
		break;
	}
}

int
pipeline_quality(const struct app *app, const struct img *im, double dfac,
    const struct scan_result *dr, const double *thr, struct quality *q,
    struct http_response *resp)
{
	return pipeline_quality_ref(app, im, dfac, dr, thr, NULL, q, resp);
}

int
pipeline_quality_ref(const struct app *app, const struct img *im,
    double dfac, const struct scan_result *dr, const double *thr,
    const struct quality_ref *ref, struct quality *q,
    struct http_response *resp)
{
	struct scan_model	 sm;
	struct quality_input	 in;

	pipeline_model_scale(app, &sm);
	in = (struct quality_input){ im, dfac, &dr->fov, dr->boxes, dr->n,
	    thr, sm.rbc_cls, &dr->scale, sm.rbc_um, ref };
	quality_measure(&in, q);	/* on failure: a smear, no flag */
	if (q->smear)
		return 0;
	http_fail_detail(resp, ERR_NOT_A_SMEAR,
	    "This picture does not look like a stained blood smear seen "
	    "through a microscope (its colours, texture and cells do not "
	    "fit one): nothing was counted or saved.", json_pack(
	    "[{s:s,s:{s:f}}]", "code", "not_a_smear_scene", "params",
	    "score", num_round3(q->score)));
	snprintf(resp->note, sizeof(resp->note), "not a smear: score %.3f "
	    "(threshold %.3f) rbc=%d", q->score, quality_threshold(),
	    q->nrbc);
	return -1;
}
