/* detect.c: one live frame, top to bottom: parse, validate, decode, detect, answer */
/*
 * The live camera's route.  A frame goes through the same checks and the
 * same detection as an upload (imgcheck, imgio, scan_detect(), the same
 * operating thresholds), under tighter limits, and nothing of it touches
 * the disk: no id, no result, no log of its pixels.  On top of the counts
 * it says whether the frame is worth capturing: a Laplacian-variance focus
 * measure and its mean brightness inside the field, and how many red
 * cells overlap (a thick area of the smear, where counts are unreliable).
 * Before any of it, the client's share is checked (clientgate.c): a few
 * frames in flight and a frame rate per address, across all backends.
 */

#include "routes/detect.h"
#include "auth/clientgate.h"
#include "base/config.h"
#include "vision/detector.h"
#include "vision/fov.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "base/log.h"
#include "base/multipart.h"
#include "vision/pipeline.h"
#include "vision/scan.h"
#include "vision/scalemem.h"
#include "clinical/micserve.h"
#include "clinical/thresholds.h"
#include "clinical/interval.h"
#include "base/count.h"
#include "base/geom.h"
#include "base/num.h"
#include "base/timing.h"
#include "store/micstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double
detect_sharpness(const unsigned char *rgb, int w, int h, const struct fov *f,
    double *mean)
{
	double		 s = 0, s2 = 0, g = 0, l;
	long		 n = 0;
	int		 x, y, c, u, d, lf, r;
	const unsigned char *p;

#define GREY(q)	((299 * (q)[0] + 587 * (q)[1] + 114 * (q)[2]) / 1000)
	*mean = 0;
	for (y = 1; y < h - 1; y++)
		for (x = 1; x < w - 1; x++) {
			if (f != NULL && !fov_contains(f, x + 0.5, y + 0.5))
				continue;
			p = rgb + ((size_t)y * w + x) * 3;
			c = GREY(p);
			u = GREY(p - (size_t)w * 3);
			d = GREY(p + (size_t)w * 3);
			lf = GREY(p - 3);
			r = GREY(p + 3);
			l = 4.0 * c - u - d - lf - r;
			s += l;
			s2 += l * l;
			g += c;
			n++;
		}
#undef GREY
	if (n < 2)
		return 0;
	*mean = g / n;
	return (s2 - s * s / n) / (n - 1);
}

/*
 * Share of the counted red cells whose box overlaps another's by more
 * than a third of the smaller box (touching cells do not count).
 */
static double
overlap_share(const struct det_box *v, size_t n, const double *thr,
    int rbc, int *nrbc)
{
	size_t	 i, j, hit = 0;
	char	*mark;
	double	 a;

	*nrbc = 0;
	if (n == 0 || (mark = calloc(n, 1)) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i].cls != rbc || !count_counted(v[i].conf, thr[rbc]))
			continue;
		(*nrbc)++;
		for (j = i + 1; j < n; j++) {
			if (v[j].cls != rbc ||
			    !count_counted(v[j].conf, thr[rbc]))
				continue;
			a = fmin(v[i].w * v[i].h, v[j].w * v[j].h);
			if (geom_inter(geom_xywh(v[i].x, v[i].y, v[i].w,
			    v[i].h), geom_xywh(v[j].x, v[j].y, v[j].w,
			    v[j].h)) > a / 3)
				mark[i] = mark[j] = 1;
		}
	}
	for (i = 0; i < n; i++)
		hit += mark[i];
	free(mark);
	return *nrbc > 0 ? (double)hit / *nrbc : 0;
}

/* The answer: counts and counted boxes at the operating thresholds. */
static json_t *
build_answer(const struct app *app, int W, int H, const char *mime,
    const struct scan_result *dr, const double *thr)
{
	const struct detector	*det = app->det;
	json_t			*o, *counts, *boxes, *tv;
	const char		*name;
	size_t			 i;

	counts = pipeline_class_map(det, NULL);
	tv = pipeline_class_map(det, thr);
	boxes = json_array();
	for (i = 0; i < dr->n; i++) {
		const struct det_box *b = &dr->boxes[i];
		double conf = num_round3(b->conf);

		/* the rule of /api/analyze: the rounded score counts */
		if (!count_counted(b->conf, thr[b->cls]))
			continue;
		name = detector_class_name(det, b->cls);
		json_object_set_new(counts, name, json_integer(
		    json_integer_value(json_object_get(counts, name)) + 1));
		json_array_append_new(boxes, json_pack(
		    "{s:s,s:f,s:f,s:f,s:f,s:f}", "class", name,
		    "confidence", conf, "x", num_round1(b->x), "y",
		    num_round1(b->y), "w", num_round1(b->w), "h",
		    num_round1(b->h)));
	}
	o = json_pack("{s:{s:i,s:i,s:s},s:s,s:o,s:o,s:o}",
	    "image", "width", W, "height", H, "type", mime,
	    "model", app->model_name, "thresholds", tv, "counts", counts,
	    "boxes", boxes);
	if (o != NULL) {
		json_object_set_new(o, "scale",
		    pipeline_scale_json(&dr->scale));
		json_object_set_new(o, "fov", pipeline_fov_json(&dr->fov,
		    dr->scale.um_per_px));
		json_object_set_new(o, "working", json_pack("{s:i,s:i,s:i}",
		    "width", dr->work_w, "height", dr->work_h,
		    "tiles", dr->tiles));
		/* each count's 95 % interval, as /api/analyze gives it */
		json_object_set_new(o, "count_intervals", interval_counts_json(
		    counts, json_object_get(app->model_info, "count_error")));
	}
	return o;
}

/*
 * 0: the frame may go on; -1: resp holds the 429.  The per-client gate
 * is start-up's (app->gate, server/main.c); NULL: no bound configured, or
 * it could not be opened (said once in the log), and frames pass.
 */
static int
gate_enter(const struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const struct config		*cfg = app->cfg;
	struct clientgate_limits	 lim;
	enum clientgate_verdict		 v;
	char				 msg[160], ra[16];
	int				 retry;

	lim.max_inflight = cfg->detect_max_inflight;
	lim.max_fps = cfg->detect_max_fps;
	if (lim.max_inflight <= 0 && lim.max_fps <= 0)
		return 0;
	if (app->gate == NULL)
		return 0;
	v = clientgate_enter(app->gate, req->remote_addr, &lim, timing_ms(),
	    &retry);
	if (v == CLIENTGATE_PASS)
		return 0;
	if (v == CLIENTGATE_UNAVAILABLE) {
		/* the guard fails closed (clientgate.h) */
		log_warnx("live-frame gate: cannot lock its table");
		http_fail_detail(resp, ERR_BUSY, "Live frames are refused for "
		    "now; try again.", NULL);
		http_add_header(resp, "Retry-After", "1");
		snprintf(resp->note, sizeof(resp->note), "frame refused: "
		    "gate unavailable");
		return -1;
	}
	if (v == CLIENTGATE_INFLIGHT)
		snprintf(msg, sizeof(msg), "At most %d live frames in flight "
		    "per client; wait for an answer before the next frame.",
		    lim.max_inflight);
	else
		snprintf(msg, sizeof(msg), "At most %g live frames a second "
		    "per client; send the next frame later.", lim.max_fps);
	http_fail_detail(resp, ERR_TOO_MANY_FRAMES, msg, NULL);
	snprintf(ra, sizeof(ra), "%d", retry);
	http_add_header(resp, "Retry-After", ra);
	snprintf(resp->note, sizeof(resp->note), "frame refused: %s",
	    v == CLIENTGATE_INFLIGHT ? "in flight" : "rate");
	return -1;
}

/*
 * The key the live session's scale is remembered under (scalemem.h): the
 * page's microscope field when it is a valid id, else the client's address.
 */
static const char *
frame_scale_key(const struct multipart *mp, const struct http_request *req,
    char *buf, size_t len)
{
	const struct multipart_part	*p = multipart_find(mp, "microscope");

	if ((p == NULL || scalemem_key(buf, len, "mic", p->data, p->len) ==
	    -1) && req->remote_addr != NULL)
		scalemem_key(buf, len, "client", req->remote_addr,
		    strlen(req->remote_addr));
	return buf;
}

/*
 * The microscope of a frame (its scale key "mic:<name>", when name is a
 * microscope's) runs its adopted model and counts with its thresholds,
 * as its uploads do (micserve.h): u says what, *thr (mthr, 64 classes at
 * most, or the model's) the thresholds.  Returns the microscope's name,
 * or NULL.
 */
static const char *
frame_microscope(const struct app *app, const char *skey, double *mthr,
    const double **thr, struct micserve_use *u)
{
	const char		*names[64], *mic = NULL;
	struct micserve_env	 env;
	int			 ncls = detector_classes(app->det), c;

	*thr = app->thresholds->v;
	if (strncmp(skey, "mic:", 4) == 0 && micstore_name_valid(skey + 4))
		mic = skey + 4;
	for (c = 0; c < ncls && ncls <= 64; c++) {
		names[c] = detector_class_name(app->det, c);
		mthr[c] = app->thresholds->v[c];
	}
	micserve_env_app(app, &env);
	micserve_use(&env, mic, app->det, names, ncls, ncls <= 64 ? mthr :
	    NULL, u);
	if (u->thresholds > 0)
		*thr = mthr;
	return mic;
}

static void
frame_too_large(struct http_response *resp)
{
	http_fail(resp, ERR_FRAME_TOO_LARGE);
}

/*
 * Decode the frame part's bytes into im (W x H), under the frame limits:
 * bytes, then header, then pixels.  -1 with resp the refusal.
 */
static int
frame_decode(struct app *app, const struct multipart_part *part,
    struct img *im, char *mime, size_t mimesz, struct http_response *resp)
{
	const struct config	*cfg = app->cfg;
	struct img_limits	 ilim;
	enum img_type		 type;
	enum img_err		 ierr;
	int			 W = 0, H = 0;

	ilim.max_side = cfg->max_side < DETECT_MAX_SIDE ? cfg->max_side :
	    DETECT_MAX_SIDE;
	ilim.max_pixels = (long)ilim.max_side * ilim.max_side;
	if (ilim.max_pixels > cfg->max_pixels)
		ilim.max_pixels = cfg->max_pixels;
	if ((ierr = imgcheck_sniff(app->magic, part->data, part->len, &type,
	    mime, mimesz)) != IMG_OK ||
	    (ierr = imgcheck_probe(part->data, part->len, type, &ilim,
	    &W, &H)) != IMG_OK ||
	    (ierr = imgio_decode(part->data, part->len, type, &ilim,
	    im)) != IMG_OK) {
		pipeline_image_error(resp, ierr);
		snprintf(resp->note, sizeof(resp->note), "frame: %s",
		    img_strerror(ierr));
		return -1;
	}
	return 0;
}

/*
 * The answer for frame im (its mime) and its detections dr: boxes, the
 * field's quality, whether it is worth capturing (*sharp its sharpness).
 * NULL on ENOMEM.
 */
static json_t *
frame_answer(struct app *app, const struct img *im, const char *mime,
    const struct scan_result *dr, const struct quality *qual, int rbc_cls,
    const double *thr, double *sharp)
{
	json_t	*o, *warn;
	double	 mean, share;
	int	 i, nrbc;

	/* is the frame worth capturing?  the flags of quality.h */
	*sharp = detect_sharpness(im->rgb, im->w, im->h, &dr->fov, &mean);
	share = overlap_share(dr->boxes, dr->n, thr, rbc_cls, &nrbc);
	if ((o = build_answer(app, im->w, im->h, mime, dr, thr)) == NULL ||
	    (warn = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < QFLAG_N; i++)
		if (qual->flags & (1u << i))
			json_array_append_new(warn, json_string(
			    quality_flag_name(i)));
	/*
	 * A live frame is sent at ~640 px, where the absolute sharpness also
	 * sees a slight defocus the cell-scale focus ratio does not: the live
	 * guide asks to refocus on either (detect.h); an exposure flag says
	 * it alone, as quality.h does.
	 */
	if (*sharp < DETECT_FOCUS_MIN && !(qual->flags & (1u << QFLAG_FOCUS |
	    1u << QFLAG_DARK | 1u << QFLAG_BRIGHT)))
		json_array_append_new(warn, json_string("focus"));
	json_object_set_new(o, "field_quality", quality_json(qual));
	json_object_set_new(o, "quality", json_pack("{s:f,s:f,s:f,s:i}",
	    "sharpness", num_round1(*sharp), "brightness", num_round1(mean),
	    "rbc_overlap", num_round3(share), "rbc", nrbc));
	json_object_set_new(o, "warnings", warn);
	return o;
}

void
detect_handle(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const struct config		*cfg = app->cfg;
	struct multipart		*mp = NULL;
	const struct multipart_part	*part;
	struct img			 im = { 0, 0, NULL };
	enum scan_err			 derr;
	struct scan_result		 dr;
	struct scan_model		 sm;
	struct scan_opts		 so;
	json_t				*o = NULL;
	struct quality			 qual;
	struct micserve_use		 mu;
	char				 mime[64], skey[SCALEMEM_KEY_MAX];
	double				 t0, t1, t2, sharp, mthr[64];
	const double			*thr;
	const char			*mic;

	t0 = timing_ms();
	memset(&dr, 0, sizeof(dr));
	if (app->det == NULL) {
		http_fail(resp, ERR_NOT_READY);
		return;
	}
	/* refuse a big body before parsing it: 4 KB is room for the form */
	if (req->body_len > DETECT_MAX_BYTES + 4096) {
		frame_too_large(resp);
		return;
	}
	if (gate_enter(app, req, resp) == -1)
		return;
	if ((mp = pipeline_parse_form(app, req, resp, "frame")) == NULL)
		goto out;
	if ((part = multipart_find(mp, "image")) == NULL || part->len == 0) {
		http_fail_detail(resp, ERR_MISSING_FIELD,
		    "No frame in the field named \"image\".", NULL);
		goto out;
	}
	if (part->len > DETECT_MAX_BYTES) {
		frame_too_large(resp);
		goto out;
	}
	if (frame_decode(app, part, &im, mime, sizeof(mime), resp) == -1)
		goto out;
	t1 = timing_ms();

	/* scale, field of view, detection: as analyze, on the whole frame */
	pipeline_model_scale(app, &sm);
	scan_opts_default(&so, (float)cfg->min_confidence, (float)cfg->nms);
	so.auto_scale = cfg->auto_scale;
	frame_scale_key(mp, req, skey, sizeof(skey));
	mic = frame_microscope(app, skey, mthr, &thr, &mu);
	if ((derr = scalemem_detect(mu.det, &sm, &so, &im, 1.0, im.w, im.h,
	    skey, NULL, NULL, &dr)) != SCAN_OK) {
		pipeline_detect_error(resp, derr);
		snprintf(resp->note, sizeof(resp->note), "frame: detect %d",
		    (int)derr);
		goto out;
	}
	t2 = timing_ms();
	/* the scene gate: not a smear is a 422 the live page shows as such */
	if (pipeline_quality(app, &im, 1.0, &dr, thr, &qual, resp) == -1)
		goto out;
	if ((o = frame_answer(app, &im, mime, &dr, &qual, sm.rbc_cls, thr,
	    &sharp)) == NULL) {
		http_fail(resp, ERR_INTERNAL);
		goto out;
	}
	json_object_set_new(o, "adaptation", micserve_json(mic, &mu));
	json_object_set_new(o, "timings_ms", json_pack("{s:f,s:f,s:f,s:f}",
	    "decode", num_round1(t1 - t0), "scale", num_round1(dr.t_scale),
	    "detect", num_round1(t2 - t1), "total",
	    num_round1(timing_ms() - t0)));
	snprintf(resp->note, sizeof(resp->note), "frame %dx%d boxes=%zu "
	    "tiles=%d sharp=%.0f detect=%.1fms", im.w, im.h, dr.n, dr.tiles,
	    sharp, t2 - t1);
	http_json(resp, 200, o);
	o = NULL;
out:
	clientgate_leave(app->gate);
	json_decref(o);
	free(dr.boxes);
	imgio_free(&im);
	multipart_free(mp);
}
