/* analyze.c: one upload, top to bottom: parse, validate, decode, scale, detect, commit */
/*
 * This file reads as the request pipeline.  HTTP stays in the router and
 * image details stay in imgcheck/imgio/annotate; here each step either
 * succeeds or maps its failure to one status and error code, and nothing
 * becomes visible until results_commit() renames a complete directory into
 * place.  The uploaded bytes are never stored: only the re-encoded
 * annotated image, a thumbnail and the JSON.
 *
 * Photos of any field: the display copy (the photo, or a reduced copy of
 * a very large one) gives the field of view and, unless the upload or the
 * sample's profile says how many um a pixel is, the cell scale measured
 * on its red cells (scan.h); the working copy is the photo resampled so
 * its cells have the size the network was trained on, covered with
 * tiles.  A photo already at that scale takes today's single letterboxed
 * pass.  Boxes stay in the photo's own pixels throughout the result.
 */

#include "routes/analyze.h"
#include "vision/annotate.h"
#include "vision/classifier.h"
#include "clinical/clinical.h"
#include "base/config.h"
#include "vision/detector.h"
#include "vision/fov.h"
#include "store/ids.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "base/log.h"
#include "base/multipart.h"
#include "vision/pipeline.h"
#include "store/results.h"
#include "store/samples.h"
#include "vision/scan.h"
#include "clinical/thresholds.h"
#include "base/timing.h"
#include "vision/wbctype.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
round3(double v)
{
	return round(v * 1000) / 1000;
}

static double
round1(double v)
{
	return round(v * 10) / 10;
}

/* Parse the optional threshold field: a decimal in [0, 1]. */
static int
parse_threshold(const struct multipart_part *p, double *out)
{
	char	 buf[32], *end;
	double	 v;

	if (p->len == 0 || p->len >= sizeof(buf))
		return -1;
	memcpy(buf, p->data, p->len);
	buf[p->len] = '\0';
	v = strtod(buf, &end);
	if (end == buf || *end != '\0' || !(v >= 0.0 && v <= 1.0))
		return -1;
	*out = v;
	return 0;
}

/*
 * The result object.  threshold is the request's value or the global
 * fallback (what clients that know one threshold show); thr[class] are the
 * ones actually counted with.
 */
static json_t *
build_result(const struct app *app, const char *id, int W, int H,
    const char *mime, double threshold, const double *thr,
    const struct det_box *v, size_t n, const char *sample)
{
	const struct detector	*det = app->det;
	json_t			*o, *counts, *dets, *classes, *urls, *tv;
	char			 created[32], url[96];
	time_t			 t = time(NULL);
	struct tm		 tm;
	int			 c, netw, neth;
	size_t			 i;

	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	detector_input_size(det, &netw, &neth);
	counts = json_object();
	classes = json_array();
	tv = json_object();
	for (c = 0; c < detector_classes(det); c++) {
		json_object_set_new(counts, detector_class_name(det, c),
		    json_integer(0));
		json_object_set_new(tv, detector_class_name(det, c),
		    json_real(thr[c]));
		json_array_append_new(classes,
		    json_string(detector_class_name(det, c)));
	}
	dets = json_array();
	for (i = 0; i < n; i++) {
		const char *name = detector_class_name(det, v[i].cls);
		/* count what the JSON says: rounded score, rounded corners */
		double conf = round3(v[i].conf);
		double x0 = round1(v[i].x), y0 = round1(v[i].y);
		double x1 = round1(v[i].x + v[i].w), y1 = round1(v[i].y + v[i].h);

		if (conf >= thr[v[i].cls])
			json_object_set_new(counts, name, json_integer(
			    json_integer_value(json_object_get(counts,
			    name)) + 1));
		json_array_append_new(dets, json_pack(
		    "{s:s,s:i,s:f,s:{s:f,s:f,s:f,s:f}}",
		    "class", name, "class_id", v[i].cls,
		    "confidence", conf, "box", "x", x0, "y", y0,
		    "w", round1(x1 - x0), "h", round1(y1 - y0)));
	}
	urls = json_object();
	snprintf(url, sizeof(url), "/results/%s/annotated.jpg", id);
	json_object_set_new(urls, "image", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/plain.jpg", id);
	json_object_set_new(urls, "plain", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/thumb.jpg", id);
	json_object_set_new(urls, "thumb", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/result.json", id);
	json_object_set_new(urls, "json", json_string(url));

	o = json_pack("{s:s,s:s,s:{s:i,s:i,s:s},s:{s:s,s:b,s:{s:i,s:i}},"
	    "s:f,s:o,s:f,s:o,s:o,s:o,s:o}",
	    "id", id, "created", created,
	    "image", "width", W, "height", H, "type", mime,
	    "model", "name", app->model_name,
	    "trained", json_is_true(json_object_get(app->model_info,
	    "trained")), "input", "width", netw, "height", neth,
	    "threshold", threshold, "thresholds", tv,
	    "min_confidence", round3(app->cfg->min_confidence),
	    "classes", classes, "counts", counts, "detections", dets,
	    "urls", urls);
	if (o != NULL)
		json_object_set_new(o, "sample",
		    sample ? json_string(sample) : json_null());
	return o;
}


/*
 * Parse the optional um_per_px field: a decimal with a point or a comma
 * (what a Spanish keyboard types), in (0, 100].
 */
static int
parse_um_per_px(const struct multipart_part *p, double *out)
{
	char	 buf[32], *end, *c;
	double	 v;

	if (p->len == 0 || p->len >= sizeof(buf))
		return -1;
	memcpy(buf, p->data, p->len);
	buf[p->len] = '\0';
	if ((c = strchr(buf, ',')) != NULL) {
		if (strchr(buf, '.') != NULL || strchr(c + 1, ',') != NULL)
			return -1;
		*c = '.';
	}
	v = strtod(buf, &end);
	if (end == buf || *end != '\0' || !(v > 0.0 && v <= 100.0))
		return -1;
	*out = v;
	return 0;
}

/* The um/px of sample's calibration profile, or 0. */
static double
profile_um_per_px(const struct app *app, const char *sample)
{
	const struct clinical_profile	*p;
	json_t				*o;
	const char			*name;
	double				 v = 0;

	if (app->clinical == NULL || (o = samples_load(app->results_fd,
	    sample)) == NULL)
		return 0;
	if ((name = json_string_value(json_object_get(o, "profile"))) !=
	    NULL && (p = clinical_profile_find(app->clinical, name)) != NULL)
		v = p->um_per_px;
	json_decref(o);
	return v;
}




/* The upload, for scan_detect()'s finer decode. */
struct upload {
	const struct multipart_part	*part;
	enum img_type			 type;
	const struct img_limits		*lim;
};

static int
upload_decode(void *arg, double factor, struct img *out, int *nomem)
{
	const struct upload	*u = arg;
	enum img_err		 e;

	e = imgio_decode_scaled(u->part->data, u->part->len, u->type, u->lim,
	    factor, out);
	*nomem = e == IMG_ERR_NOMEM;
	return e == IMG_OK ? 0 : -1;
}


/* The detector's white-cell class, or -1. */
static int
wbc_class(const struct app *app)
{
	int	 c;

	for (c = 0; c < detector_classes(app->det); c++)
		if (strcmp(detector_class_name(app->det, c), "WBC") == 0)
			return c;
	return -1;
}

void
analyze_handle(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const struct config		*cfg = app->cfg;
	struct multipart		*mp = NULL;
	const struct multipart_part	*part, *p;
	struct img_limits		 ilim;
	struct img			 im = { 0, 0, NULL }, thumb = { 0, 0, NULL };
	enum img_type			 type;
	enum img_err			 ierr;
	struct det_box			*boxes = NULL;
	struct wbc_type			*types = NULL;
	struct annot_box		*ab = NULL;
	unsigned char			*jpg = NULL, *tjpg = NULL, *pjpg = NULL;
	size_t				 jpglen = 0, tjpglen = 0, pjpglen = 0;
	size_t				 nboxes = 0, i, ns;
	char				 mime[64], id[ID_LEN + 1];
	char				 sample[ID_LEN + 1], *js = NULL;
	const char			*sample_id = NULL;
	const double			*thr;
	double				*uniform = NULL;
	double				 t0, t1, t2, t3, threshold = cfg->threshold;
	int				 has_threshold = 0, ncls, W = 0, H = 0, wbc;
	double				 dfac = 1, um = 0;
	enum scale_source		 usrc = SCALE_NONE;
	enum scan_err			 derr;
	struct scan_result		 dr;
	struct scan_model		 sm;
	struct scan_opts		 so;
	struct upload			 up;
	json_t				*result = NULL, *timings;
	struct result_file		 files[4];
	enum results_err		 rerr;
	enum samples_err		 serr;

	t0 = timing_ms();
	if (app->det == NULL) {
		http_error(resp, 503, "not_ready",
		    "The model is not loaded; see the server log.");
		return;
	}
	if ((mp = pipeline_parse_form(app, req, resp, "image")) == NULL)
		return;
	if ((part = multipart_find(mp, "image")) == NULL) {
		http_error(resp, 400, "missing_field",
		    "No file in the field named \"image\".");
		goto out;
	}
	if ((p = multipart_find(mp, "threshold")) != NULL) {
		if (parse_threshold(p, &threshold) == -1) {
			http_error(resp, 400, "bad_threshold",
			    "The threshold must be a number between 0 and 1.");
			goto out;
		}
		has_threshold = 1;
	}
	if ((p = multipart_find(mp, "um_per_px")) != NULL && p->len > 0) {
		if (parse_um_per_px(p, &um) == -1) {
			http_error_i18n(resp, 400, "bad_request",
			    "um_per_px must be a number of micrometres per pixel "
			    "above 0 and at most 100 (\"0.1\" or \"0,1\").",
			    json_pack("[{s:s,s:{}}]", "code",
			    "um_per_px_invalid", "params"));
			goto out;
		}
		usrc = SCALE_REQUEST;
	}
	threshold = thresholds_clamp(threshold, cfg->min_confidence);
	/* a request's threshold applies to every class; else the defaults */
	ncls = detector_classes(app->det);
	thr = app->thresholds->v;
	if (has_threshold) {
		if ((uniform = calloc((size_t)ncls + 1,
		    sizeof(*uniform))) == NULL) {
			http_error(resp, 500, "internal", "Internal error.");
			goto out;
		}
		for (i = 0; i < (size_t)ncls; i++)
			uniform[i] = threshold;
		thr = uniform;
	}
	if ((p = multipart_find(mp, "sample")) != NULL && p->len > 0) {
		if (p->len != ID_LEN) {
			http_error_i18n(resp, 400, "bad_request",
			    "The sample id is not valid.", json_pack(
			    "[{s:s,s:{}}]", "code", "sample_id_invalid",
			    "params"));
			goto out;
		}
		memcpy(sample, p->data, ID_LEN);
		sample[ID_LEN] = '\0';
		if (!id_valid(sample)) {
			http_error_i18n(resp, 400, "bad_request",
			    "The sample id is not valid.", json_pack(
			    "[{s:s,s:{}}]", "code", "sample_id_invalid",
			    "params"));
			goto out;
		}
		/* full or absent: say so before detection, not after */
		if ((serr = samples_room(app->results_fd, sample)) !=
		    SAMPLES_OK) {
			samples_analyze_error(resp, serr);
			goto out;
		}
		sample_id = sample;
		if (usrc == SCALE_NONE &&
		    (um = profile_um_per_px(app, sample)) > 0)
			usrc = SCALE_PROFILE;
	}

	/* validate: bytes, then header, then decode with limits */
	if (part->len == 0) {
		http_error(resp, 400, "missing_field", "The file is empty.");
		goto out;
	}
	ilim.max_side = cfg->max_side;
	ilim.max_pixels = cfg->max_pixels;
	if ((ierr = imgcheck_sniff(app->magic, part->data, part->len, &type,
	    mime, sizeof(mime))) != IMG_OK ||
	    (ierr = imgcheck_probe(part->data, part->len, type, &ilim,
	    &W, &H)) != IMG_OK) {
		pipeline_image_error(resp, ierr);
		snprintf(resp->note, sizeof(resp->note), "image: %s",
		    img_strerror(ierr));
		goto out;
	}
	/* the display copy: the photo itself unless it is very large */
	dfac = fmin(1.0, sqrt((double)cfg->display_pixels / ((double)W * H)));
	if ((ierr = dfac < 1 ? imgio_decode_scaled(part->data, part->len,
	    type, &ilim, dfac, &im) : imgio_decode(part->data, part->len,
	    type, &ilim, &im)) != IMG_OK) {
		pipeline_image_error(resp, ierr);
		snprintf(resp->note, sizeof(resp->note), "image: %s",
		    img_strerror(ierr));
		goto out;
	}
	/* the decoded size wins: EXIF orientation may swap the sides */
	if (dfac < 1) {
		dfac = (double)im.w / (im.w > im.h ? fmax(W, H) : fmin(W, H));
		W = (int)lround(im.w / dfac);
		H = (int)lround(im.h / dfac);
	} else {
		W = im.w;
		H = im.h;
	}
	t1 = timing_ms();

	/* scale, field of view, detection at the floor */
	pipeline_model_scale(app, &sm);
	scan_opts_default(&so, (float)cfg->min_confidence, (float)cfg->nms);
	so.auto_scale = cfg->auto_scale;
	up = (struct upload){ part, type, &ilim };
	if ((derr = scan_detect(app->det, &sm, &so, &im, dfac, W, H, um, usrc,
	    upload_decode, &up, &dr)) != SCAN_OK) {
		pipeline_detect_error(resp, derr);
		snprintf(resp->note, sizeof(resp->note), "detect: %d probes=%.100s",
		    (int)derr, dr.probes);
		goto out;
	}
	boxes = dr.boxes;
	nboxes = dr.n;
	/* the white-cell differential, on the display copy before drawing */
	if (app->wbc != NULL && nboxes > 0 && (wbc = wbc_class(app)) >= 0 &&
	    ((types = calloc(nboxes, sizeof(*types))) == NULL ||
	    wbctype_run(app->wbc, &im, dfac, boxes, nboxes, wbc, thr,
	    types) == -1)) {
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	t2 = timing_ms();

	/* annotate a copy of what is counted, then re-encode */
	if (nboxes > 0 &&
	    (ab = calloc(nboxes, sizeof(*ab))) == NULL) {
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	for (i = 0, ns = 0; i < nboxes; i++) {
		if (round3(boxes[i].conf) < thr[boxes[i].cls])
			continue;
		ab[ns].cls = boxes[i].cls;
		ab[ns].conf = boxes[i].conf;
		ab[ns].x = boxes[i].x * dfac;
		ab[ns].y = boxes[i].y * dfac;
		ab[ns].w = boxes[i].w * dfac;
		ab[ns].h = boxes[i].h * dfac;
		ns++;
	}
	if (imgio_resize_fit(&im, cfg->thumb_size, cfg->thumb_size,
	    &thumb) == -1 ||
	    imgio_encode_jpeg(&thumb, 75, &tjpg, &tjpglen) == -1) {
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	if (imgio_encode_jpeg(&im, cfg->jpeg_quality, &pjpg, &pjpglen) == -1) {
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	/* outline the field, unless it is simply the whole frame */
	if (dr.fov.shape == FOV_CIRCLE || dr.fov.w < W - 1 || dr.fov.h < H - 1)
		fov_draw(&im, &dr.fov, dfac);
	annotate_draw(&im, ab, ns);
	if (imgio_encode_jpeg(&im, cfg->jpeg_quality, &jpg, &jpglen) == -1) {
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	t3 = timing_ms();

	if (id_new(id) == -1) {
		log_warn("getrandom");
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	result = build_result(app, id, W, H, mime, threshold, thr, boxes,
	    nboxes, sample_id);
	if (result != NULL && types != NULL)
		json_object_set_new(result, "differential", wbctype_annotate(
		    app->wbc, json_object_get(result, "detections"), types,
		    nboxes));
	if (result != NULL) {
		json_object_set_new(result, "scale",
		    pipeline_scale_json(&dr.scale));
		json_object_set_new(result, "fov", pipeline_fov_json(&dr.fov,
		    dr.scale.um_per_px));
		json_object_set_new(result, "working", json_pack(
		    "{s:i,s:i,s:i}", "width", dr.work_w, "height", dr.work_h,
		    "tiles", dr.tiles));
		if (dfac < 1)
			json_object_set_new(result, "display", json_pack(
			    "{s:i,s:i}", "width", im.w, "height", im.h));
	}
	if (result == NULL) {
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	timings = json_pack("{s:f,s:f,s:f,s:f,s:f}",
	    "decode", round1(t1 - t0), "scale", round1(dr.t_scale),
	    "detect", round1(t2 - t1),
	    "encode", round1(t3 - t2), "total", round1(timing_ms() - t0));
	json_object_set_new(result, "timings_ms", timings);
	if ((js = json_dumps(result, JSON_INDENT(1) | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(10))) ==
	    NULL) {
		http_error(resp, 500, "internal", "Internal error.");
		goto out;
	}
	files[0] = (struct result_file){ "annotated.jpg", jpg, jpglen };
	files[1] = (struct result_file){ "thumb.jpg", tjpg, tjpglen };
	files[2] = (struct result_file){ "plain.jpg", pjpg, pjpglen };
	files[3] = (struct result_file){ "result.json", js, strlen(js) };
	if ((rerr = results_commit(app->results_fd, id, files, 4)) !=
	    RESULTS_OK) {
		if (rerr == RESULTS_ERR_FULL)
			http_error(resp, 507, "storage_full",
			    "The results disk is full; delete old results.");
		else
			http_error(resp, 503, "storage_unavailable",
			    "Results cannot be saved; see the server log.");
		goto out;
	}
	/*
	 * The result names its sample, so it must be in it before we answer:
	 * if the sample filled up or was deleted meanwhile, take the result
	 * back and say why; never a 200 the sample contradicts.
	 */
	if (sample_id != NULL && (serr = samples_attach(app->results_fd,
	    sample_id, id)) != SAMPLES_OK) {
		if (results_delete(app->results_fd, id) != RESULTS_OK)
			log_warnx("sample %s: cannot take back %s", sample_id,
			    id);
		snprintf(resp->note, sizeof(resp->note), "sample %s: attach "
		    "%s failed (%d), result taken back", sample_id, id,
		    (int)serr);
		samples_analyze_error(resp, serr);
		goto out;
	}
	snprintf(resp->note, sizeof(resp->note),
	    "id=%s %dx%d boxes=%zu shown=%zu scale=%s:%.3f tiles=%d "
	    "decode=%.1fms detect=%.1fms encode=%.1fms probes=%.60s", id, W, H,
	    nboxes, ns, scale_source_name(dr.scale.source), dr.scale.factor,
	    dr.tiles, t1 - t0, t2 - t1, t3 - t2, dr.probes);
	http_json(resp, 200, result);
	result = NULL;
out:
	json_decref(result);
	free(js);
	free(jpg);
	free(tjpg);
	free(pjpg);
	free(ab);
	free(uniform);
	free(boxes);
	free(types);
	imgio_free(&im);
	imgio_free(&thumb);
	multipart_free(mp);
}
