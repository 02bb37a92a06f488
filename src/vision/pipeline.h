/* pipeline.h: pieces shared by the upload pipelines (analyze.c, detect.c) */
#ifndef BV_PIPELINE_H
#define BV_PIPELINE_H

#include <jansson.h>

#include "base/context.h"
#include "base/http.h"
#include "image/imgcheck.h"
#include "vision/scan.h"
#include "vision/quality.h"

struct detector;
struct http_request;
struct multipart;

/*
 * Parse req's multipart/form-data body with the configured limits.  NULL
 * with resp filled (400 bad_multipart, 500 on no memory) on failure; what
 * names the file in the message ("image", "frame").
 */
struct multipart *pipeline_parse_form(const struct app *app,
	    const struct http_request *req, struct http_response *resp,
	    const char *what);

/* Fill resp with the status and error code of an image check or decode. */
void	 pipeline_image_error(struct http_response *resp, enum img_err e);

/* Fill resp with the status and error code of a failed scan_detect(). */
void	 pipeline_detect_error(struct http_response *resp, enum scan_err e);

/* The model's scale constants (models/<name>.json "scale"), or defaults. */
void	 pipeline_model_scale(const struct app *app, struct scan_model *m);

/* The result's "scale" object (docs/api.md); a new reference, NULL on no memory. */
json_t	*pipeline_scale_json(const struct scale_info *sc);

/*
 * An object with one member per detector class, in the model's order: the
 * class's value in vals (a per-class array), or the integer 0 when vals is
 * NULL (counts to fill).  A new reference.
 */
json_t	*pipeline_class_map(const struct detector *det, const double *vals);

/* The result's "fov" object, with area_um2 when um_per_px > 0; new reference. */
json_t	*pipeline_fov_json(const struct fov *f, double um_per_px);

/*
 * The scene gate and the field's quality flags (quality.h) on what
 * scan_detect() found: im is the picture it ran on (dfac im px per
 * original px), thr the counting thresholds.  0 with q filled; -1 after
 * filling resp with 422 not_a_smear (nothing is to be stored) when the
 * picture is not a smear field.
 */
int	 pipeline_quality(const struct app *app, const struct img *im,
	    double dfac, const struct scan_result *dr, const double *thr,
	    struct quality *q, struct http_response *resp);

/* pipeline_quality() judged against ref (a profile's, NULL: the defaults). */
int	 pipeline_quality_ref(const struct app *app, const struct img *im,
	    double dfac, const struct scan_result *dr, const double *thr,
	    const struct quality_ref *ref, struct quality *q,
	    struct http_response *resp);

#endif /* BV_PIPELINE_H */
