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
#include "routes/analyze_copies.h"
#include "routes/analyze_form.h"
#include "routes/analyze_result.h"
#include "vision/annotate.h"
#include "vision/classifier.h"
#include "clinical/clinical.h"
#include "base/config.h"
#include "base/count.h"
#include "base/num.h"
#include "vision/detector.h"
#include "vision/fov.h"
#include "vision/countframe.h"
#include "clinical/interval.h"
#include "store/ids.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "base/log.h"
#include "base/multipart.h"
#include "vision/pipeline.h"
#include "store/results.h"
#include "routes/samples_routes.h"
#include "store/samples.h"
#include "vision/scan.h"
#include "vision/scalemem.h"
#include "clinical/thresholds.h"
#include "base/timing.h"
#include "vision/wbctype.h"
#include "vision/rbcmorph.h"
#include "vision/rbccls.h"
#include "clinical/micadapt.h"
#include "clinical/micserve.h"
#include "clinical/micfields.h"
#include "clinical/qualityref.h"
#include "store/micstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The um/px of sample's calibration profile, or 0; a profile without one
 * names the scale remembered for it in skey, unless skey is already set.
 */
static double
profile_um_per_px(const struct app *app, const char *sample, char *skey,
    size_t skeylen)
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
	if (name != NULL && !(v > 0) && *skey == '\0')
		scalemem_key(skey, skeylen, "profile", name, strlen(name));
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

/* The detector's red-cell class, or -1. */
static int
rbc_class(const struct app *app)
{
	int	 c;

	for (c = 0; c < detector_classes(app->det); c++)
		if (strcmp(detector_class_name(app->det, c), "RBC") == 0)
			return c;
	return -1;
}

/*
 * One upload's state from the form to the commit: each step below fills
 * its part or writes the one error the client sees and returns -1;
 * analyze_free() releases whatever the steps got to.
 */
/* Where a request's time goes: timings_ms.stages, one key each. */
enum analyze_stage {
	AST_READ, AST_FORM, AST_SNIFF, AST_PIXELS, AST_FIND, AST_QUALITY,
	AST_WBC, AST_MORPH, AST_THUMB, AST_PLAIN, AST_COPIES_WAIT,
	AST_ANNOTATE, AST_ENCODE, AST_RESULT, AST_N
};
static const char *const analyze_stage_names[AST_N] = {
	"read", "form", "sniff", "pixels", "find", "quality", "wbc", "morph",
	"thumb", "plain", "copies_wait", "annotate", "encode", "result"
};

struct analyze {
	const struct app		*app;
	struct multipart		*mp;
	const struct multipart_part	*part;		/* the image */
	struct img_limits		 ilim;
	enum img_type			 type;
	char				 mime[64];
	int				 W, H;		/* the photo's own size */
	struct img			 im;		/* the display copy */
	double				 dfac;		/* display / photo */
	double				 threshold;
	const double			*thr;		/* per class, counted with */
	double				*uniform;	/* the request's, per class */
	double				 um;		/* um/px given, or 0 */
	enum scale_source		 usrc;
	char				 skey[SCALEMEM_KEY_MAX]; /* scalemem.h */
	char				 mic[MICSTORE_NAME_MAX + 1]; /* or "" */
	double				*mthr;		/* its adapted thresholds */
	int				 mic_version;	/* micadapt.h; 0: none */
	struct detector			*mdet;		/* its adopted model */
	int				 mic_model;	/* its version; 0: none */
	char				 sample[ID_LEN + 1];
	const char			*sample_id;	/* NULL: none */
	struct scan_result		 dr;
	struct countframe		 cf;		/* densities count here */
	struct quality			 qual;		/* scene gate, flags */
	struct quality_ref		 qref;		/* mic's, qualityref.h */
	int				 qref_used;
	long				 qref_n;	/* its fields */
	struct det_box			*boxes;
	size_t				 nboxes;
	struct wbc_type			*types;
	json_t				*morph;		/* red-cell geometry */
	struct annot_box		*ab;
	size_t				 ns;		/* boxes drawn (counted) */
	unsigned char			*jpg, *tjpg, *pjpg;
	size_t				 jpglen, tjpglen, pjpglen;
	struct analyze_copies		 cp;		/* thumb, plain: beside
							 * wbc and morph */
	char				 id[ID_LEN + 1];
	json_t				*result;
	char				*js;
	double				 t0, t1, t2, t3;
	double				 tmark;		/* last stage's end */
	double				 st[AST_N];	/* per stage, ms */
	double				 tjson, tcommit; /* the log line's */
};

/* Charge the time since the last mark to stage s (timings_ms.stages). */
static void
analyze_mark(struct analyze *a, enum analyze_stage s)
{
	double	 now = timing_ms();

	a->st[s] += now - a->tmark;
	a->tmark = now;
}

static void
analyze_internal(struct http_response *resp)
{
	http_fail(resp, ERR_INTERNAL);
}

/* The threshold and um_per_px fields, and the thresholds counted with. */
static int
analyze_fields(struct analyze *a, struct http_response *resp)
{
	const struct config		*cfg = a->app->cfg;
	const struct multipart_part	*p;
	int				 has_threshold = 0, ncls, i;

	a->threshold = cfg->threshold;
	if ((p = multipart_find(a->mp, "threshold")) != NULL) {
		if (analyze_form_threshold(p, &a->threshold) == -1) {
			http_fail(resp, ERR_BAD_THRESHOLD);
			return -1;
		}
		has_threshold = 1;
	}
	if ((p = multipart_find(a->mp, "um_per_px")) != NULL && p->len > 0) {
		if (analyze_form_um_per_px(p, &a->um) == -1) {
			http_fail_detail(resp, ERR_BAD_REQUEST,
			    "um_per_px must be a number of micrometres per pixel "
			    "above 0 and at most 100 (\"0.1\" or \"0,1\").",
			    json_pack("[{s:s,s:{}}]", "code",
			    "um_per_px_invalid", "params"));
			return -1;
		}
		a->usrc = SCALE_REQUEST;
	}
	/* the microscope whose scale is remembered (scalemem.h) */
	if ((p = multipart_find(a->mp, "microscope")) != NULL && p->len > 0 &&
	    scalemem_key(a->skey, sizeof(a->skey), "mic", p->data,
	    p->len) == -1) {
		http_fail_detail(resp, ERR_BAD_REQUEST, "The microscope id must be "
		    "1 to 64 letters, digits, '-', '_', '.' or ':'.", NULL);
		return -1;
	}
	a->threshold = thresholds_clamp(a->threshold, cfg->min_confidence);
	/* a request's threshold applies to every class; else the defaults */
	ncls = detector_classes(a->app->det);
	a->thr = a->app->thresholds->v;
	if (has_threshold) {
		if ((a->uniform = calloc((size_t)ncls + 1,
		    sizeof(*a->uniform))) == NULL) {
			analyze_internal(resp);
			return -1;
		}
		for (i = 0; i < ncls; i++)
			a->uniform[i] = a->threshold;
		a->thr = a->uniform;
	}
	return 0;
}

/* The optional sample field: valid, present and with room, before detection. */
static int
analyze_sample(struct analyze *a, struct http_response *resp)
{
	const struct multipart_part	*p;
	enum samples_err		 serr;

	if ((p = multipart_find(a->mp, "sample")) == NULL || p->len == 0)
		return 0;
	if (p->len == ID_LEN) {
		memcpy(a->sample, p->data, ID_LEN);
		a->sample[ID_LEN] = '\0';
	}
	if (p->len != ID_LEN || !id_valid(a->sample)) {
		http_fail_detail(resp, ERR_BAD_REQUEST,
		    "The sample id is not valid.", json_pack(
		    "[{s:s,s:{}}]", "code", "sample_id_invalid", "params"));
		return -1;
	}
	/* full or absent: say so before detection, not after */
	if ((serr = samples_room(a->app->results_fd, a->sample)) !=
	    SAMPLES_OK) {
		samples_analyze_error(resp, serr);
		return -1;
	}
	a->sample_id = a->sample;
	if (a->usrc == SCALE_NONE &&
	    (a->um = profile_um_per_px(a->app, a->sample, a->skey,
	    sizeof(a->skey))) > 0)
		a->usrc = SCALE_PROFILE;
	return 0;
}

/*
 * The microscope (docs/microscope.md): the upload's "microscope" field,
 * else the sample's calibration profile; without a request threshold its
 * adopted thresholds (micadapt.h) are what this upload counts with.
 */
static int
analyze_microscope(struct analyze *a, struct http_response *resp)
{
	const struct app	*app = a->app;
	const char		*names[64], *prof;
	json_t			*o;
	struct micserve_env	 env;
	struct micserve_use	 u;
	int			 ncls = detector_classes(app->det), c;

	if (strncmp(a->skey, "mic:", 4) == 0)
		snprintf(a->mic, sizeof(a->mic), "%s", a->skey + 4);
	else if (a->sample_id != NULL && (o = samples_load(app->results_fd,
	    a->sample_id)) != NULL) {
		prof = json_string_value(json_object_get(o, "profile"));
		if (micstore_name_valid(prof))
			snprintf(a->mic, sizeof(a->mic), "%s", prof);
		json_decref(o);
	}
	if (a->mic[0] == '\0')
		return 0;
	/* with a request threshold, its model only (a->mthr stays NULL) */
	if (a->uniform == NULL && ncls <= 64 && (a->mthr = calloc(
	    (size_t)ncls + 1, sizeof(*a->mthr))) == NULL) {
		analyze_internal(resp);
		return -1;
	}
	for (c = 0; a->mthr != NULL && c < ncls; c++) {
		names[c] = detector_class_name(app->det, c);
		a->mthr[c] = a->thr[c];
	}
	/* its adopted model and thresholds, one read of its state */
	micserve_env_app(app, &env);
	micserve_use(&env, a->mic, app->det, names, ncls, a->mthr, &u);
	a->mdet = u.det;
	a->mic_model = u.model;
	if ((a->mic_version = u.thresholds) > 0)
		a->thr = a->mthr;
	return 0;
}

/* Validate the bytes, then the header, then decode the display copy. */
static int
analyze_decode(struct analyze *a, struct http_response *resp)
{
	const struct config		*cfg = a->app->cfg;
	const struct multipart_part	*part = a->part;
	enum img_err			 ierr;

	if (part->len == 0) {
		http_fail_detail(resp, ERR_MISSING_FIELD, "The file is empty.", NULL);
		return -1;
	}
	a->ilim.max_side = cfg->max_side;
	a->ilim.max_pixels = cfg->max_pixels;
	if ((ierr = imgcheck_sniff(a->app->magic, part->data, part->len,
	    &a->type, a->mime, sizeof(a->mime))) != IMG_OK ||
	    (ierr = imgcheck_probe(part->data, part->len, a->type, &a->ilim,
	    &a->W, &a->H)) != IMG_OK)
		goto fail;
	analyze_mark(a, AST_SNIFF);
	/* the display copy: the photo itself unless it is very large */
	a->dfac = fmin(1.0, sqrt((double)cfg->display_pixels /
	    ((double)a->W * a->H)));
	if ((ierr = a->dfac < 1 ? imgio_decode_scaled(part->data, part->len,
	    a->type, &a->ilim, a->dfac, &a->im) : imgio_decode(part->data,
	    part->len, a->type, &a->ilim, &a->im)) != IMG_OK)
		goto fail;
	/* the decoded size wins: EXIF orientation may swap the sides */
	if (a->dfac < 1) {
		a->dfac = (double)a->im.w / (a->im.w > a->im.h ?
		    fmax(a->W, a->H) : fmin(a->W, a->H));
		a->W = (int)lround(a->im.w / a->dfac);
		a->H = (int)lround(a->im.h / a->dfac);
	} else {
		a->W = a->im.w;
		a->H = a->im.h;
	}
	analyze_mark(a, AST_PIXELS);
	return 0;
fail:
	pipeline_image_error(resp, ierr);
	snprintf(resp->note, sizeof(resp->note), "image: %s",
	    img_strerror(ierr));
	return -1;
}

/* Scale, field of view, detection at the floor; then white-cell types. */
static int
analyze_detect(struct analyze *a, struct http_response *resp)
{
	const struct app	*app = a->app;
	struct detector		*det = a->mdet ? a->mdet : app->det;
	struct scan_model	 sm;
	struct scan_opts	 so;
	struct upload		 up;
	enum scan_err		 derr;
	int			 wbc;

	pipeline_model_scale(app, &sm);
	scan_opts_default(&so, (float)app->cfg->min_confidence,
	    (float)app->cfg->nms);
	so.auto_scale = app->cfg->auto_scale;
	up = (struct upload){ a->part, a->type, &a->ilim };
	/* no scale given: the microscope's remembered one, checked */
	if ((derr = a->usrc == SCALE_NONE ? scalemem_detect(det, &sm, &so,
	    &a->im, a->dfac, a->W, a->H, a->skey, upload_decode, &up,
	    &a->dr) : scan_detect(det, &sm, &so, &a->im, a->dfac, a->W,
	    a->H, a->um, a->usrc, upload_decode, &up, &a->dr)) != SCAN_OK) {
		pipeline_detect_error(resp, derr);
		snprintf(resp->note, sizeof(resp->note), "detect: %d probes=%.100s",
		    (int)derr, a->dr.probes);
		return -1;
	}
	a->boxes = a->dr.boxes;
	a->nboxes = a->dr.n;
	analyze_mark(a, AST_FIND);
	/* the scene gate: what is not a smear field is refused, not counted;
	 * the flags against the microscope's own clean fields once it has
	 * enough of them (qualityref.h) */
	a->qref_used = qualityref_for(app->results_fd, a->mic, &a->qref,
	    &a->qref_n);
	if (pipeline_quality_ref(app, &a->im, a->dfac, &a->dr, a->thr,
	    a->qref_used ? &a->qref : NULL, &a->qual, resp) == -1)
		return -1;
	analyze_mark(a, AST_QUALITY);
	/* the thumbnail and the plain copy, on their own thread, while the
	 * cells are classified: all of them only read the picture */
	analyze_copies_start(&a->cp, &a->im, app->cfg->thumb_size,
	    app->cfg->jpeg_quality);
	countframe_make(&a->dr.fov, countframe_inset(&a->dr.scale,
	    sm.rbc_net_px), &a->cf);
	/* the white-cell differential, on the display copy before drawing */
	if (app->wbc != NULL && a->nboxes > 0 && (wbc = wbc_class(app)) >= 0 &&
	    ((a->types = calloc(a->nboxes, sizeof(*a->types))) == NULL ||
	    wbctype_run(app->wbc, &a->im, a->dfac, a->boxes, a->nboxes, wbc,
	    a->thr, a->types) == -1)) {
		analyze_internal(resp);
		return -1;
	}
	analyze_mark(a, AST_WBC);
	/* red-cell geometry, before drawing; um only from request/profile */
	if ((a->morph = rbcmorph_field(&a->im, a->dfac, &a->dr.fov, a->boxes,
	    a->nboxes, rbc_class(app), a->thr,
	    a->dr.scale.source == SCALE_REQUEST ||
	    a->dr.scale.source == SCALE_PROFILE ? a->dr.scale.um_per_px :
	    0)) == NULL || (app->rbccls != NULL && rbccls_field(app->rbccls,
	    &a->im, a->dfac, &a->dr.fov, a->boxes, a->nboxes, rbc_class(app),
	    a->thr, a->morph) == -1)) {
		analyze_internal(resp);
		return -1;
	}
	analyze_mark(a, AST_MORPH);
	return 0;
}

/* The thumbnail, the plain copy, then the annotated copy of what is counted. */
static int
analyze_draw(struct analyze *a, struct http_response *resp)
{
	const struct config	*cfg = a->app->cfg;
	size_t			 i;

	if (a->nboxes > 0 &&
	    (a->ab = calloc(a->nboxes, sizeof(*a->ab))) == NULL)
		goto fail;
	for (i = 0, a->ns = 0; i < a->nboxes; i++) {
		const struct det_box *b = &a->boxes[i];

		if (!count_counted(b->conf, a->thr[b->cls]))
			continue;
		a->ab[a->ns] = (struct annot_box){ .cls = b->cls,
		    .conf = b->conf, .x = b->x * a->dfac, .y = b->y * a->dfac,
		    .w = b->w * a->dfac, .h = b->h * a->dfac };
		a->ns++;
	}
	/* the copies started after the scene gate (their own times; the
	 * wait for them is copies_wait) */
	if (analyze_copies_join(&a->cp) == -1)
		goto fail;
	a->tjpg = a->cp.tjpg;
	a->tjpglen = a->cp.tjpglen;
	a->pjpg = a->cp.pjpg;
	a->pjpglen = a->cp.pjpglen;
	a->cp.tjpg = a->cp.pjpg = NULL;
	a->st[AST_THUMB] = a->cp.thumb_ms;
	a->st[AST_PLAIN] = a->cp.plain_ms;
	analyze_mark(a, AST_COPIES_WAIT);
	/* outline the field, unless it is simply the whole frame */
	if (a->dr.fov.shape == FOV_CIRCLE || a->dr.fov.w < a->W - 1 ||
	    a->dr.fov.h < a->H - 1)
		fov_draw(&a->im, &a->dr.fov, a->dfac);
	annotate_frame(&a->im, &a->cf, a->dfac);
	annotate_draw(&a->im, a->ab, a->ns);
	analyze_mark(a, AST_ANNOTATE);
	if (imgio_encode_jpeg(&a->im, cfg->jpeg_quality, &a->jpg,
	    &a->jpglen) == -1)
		goto fail;
	analyze_mark(a, AST_ENCODE);
	return 0;
fail:
	analyze_internal(resp);
	return -1;
}

/*
 * The count error the intervals use (interval.h): the model's validation
 * figures (its JSON's "count_error"), each class replaced by the
 * microscope's own once its checked fields measure it (micfields.h);
 * JSON null when neither has one.
 */
static json_t *
analyze_count_error(const struct analyze *a)
{
	const struct app	*app = a->app;
	const char		*names[64];
	json_t			*ce, *mic = NULL;
	int			 ncls = detector_classes(app->det), c;

	ce = json_is_object(json_object_get(app->model_info, "count_error")) ?
	    json_deep_copy(json_object_get(app->model_info, "count_error")) :
	    json_object();
	if (a->mic[0] != '\0' && ncls <= 64) {
		for (c = 0; c < ncls; c++)
			names[c] = detector_class_name(app->det, c);
		mic = micfields_count_error(app->results_fd, a->mic,
		    app->model_name, names, ncls, a->thr);
	}
	if (ce != NULL && json_is_object(mic))
		json_object_update(ce, mic);
	json_decref(mic);
	if (ce == NULL || json_object_size(ce) == 0) {
		json_decref(ce);
		return json_null();
	}
	return ce;
}

/*
 * The result's timings_ms: decode, scale, detect, encode and total as
 * before, and "stages", the same time split finer (keys as named above;
 * "find" includes "scale").  Writing the files and answering come after
 * and are on the log line (json=, commit=).
 */
static json_t *
analyze_timings_json(const struct analyze *a)
{
	json_t	*st = json_object();
	int	 s;

	for (s = 0; s < AST_N; s++)
		json_object_set_new(st, analyze_stage_names[s],
		    json_real(num_round1(a->st[s])));
	return json_pack("{s:f,s:f,s:f,s:f,s:f,s:o}",
	    "decode", num_round1(a->t1 - a->t0),
	    "scale", num_round1(a->dr.t_scale),
	    "detect", num_round1(a->t2 - a->t1),
	    "encode", num_round1(a->t3 - a->t2),
	    "total", num_round1(timing_ms() - a->t0), "stages", st);
}

/* A new id and the result's JSON, timings included. */
static int
analyze_json(struct analyze *a, struct http_response *resp)
{
	const struct app	*app = a->app;
	json_t			*r;
	char			 qlabel[MICSTORE_NAME_MAX + 48];

	if (id_new(a->id) == -1) {
		log_warn("getrandom");
		analyze_internal(resp);
		return -1;
	}
	if ((r = a->result = analyze_result_new(app, a->id, a->W, a->H, a->mime,
	    a->threshold, a->thr, a->boxes, a->nboxes, a->sample_id)) == NULL) {
		analyze_internal(resp);
		return -1;
	}
	if (a->types != NULL)
		json_object_set_new(r, "differential", wbctype_annotate(
		    app->wbc, json_object_get(r, "detections"), a->types,
		    a->nboxes));
	json_object_set_new(r, "microscope", a->mic[0] ? json_string(a->mic) :
	    json_null());
	json_object_set_new(r, "file_name",
	    analyze_form_file_name(a->part->filename));
	json_object_set_new(r, "adaptation", micserve_json(a->mic,
	    &(struct micserve_use){ NULL, a->mic_model, a->mic_version }));
	json_object_set_new(r, "scale", pipeline_scale_json(&a->dr.scale));
	json_object_set_new(r, "fov", pipeline_fov_json(&a->dr.fov,
	    a->dr.scale.um_per_px));
	/* the counting frame, and an interval on every count (issue 20) */
	json_object_set_new(r, "frame", countframe_json(&a->cf, &a->dr.fov,
	    json_object_get(r, "classes"), a->boxes, a->nboxes, a->thr,
	    a->dr.scale.um_per_px));
	json_object_set_new(r, "count_error", analyze_count_error(a));
	json_object_set_new(r, "count_intervals", interval_counts_json(
	    json_object_get(r, "counts"), json_object_get(r, "count_error")));
	json_object_set_new(r, "working", json_pack("{s:i,s:i,s:i}",
	    "width", a->dr.work_w, "height", a->dr.work_h,
	    "tiles", a->dr.tiles));
	json_object_set_new(r, "quality", quality_json(&a->qual));
	json_object_set_new(json_object_get(r, "quality"), "reference",
	    json_string(qualityref_label(a->mic, a->qref_used, a->qref_n,
	    qlabel, sizeof(qlabel))));
	json_object_set(r, "morphology", a->morph);	/* docs/morphology.md */
	if (a->dfac < 1)
		json_object_set_new(r, "display", json_pack("{s:i,s:i}",
		    "width", a->im.w, "height", a->im.h));
	analyze_mark(a, AST_RESULT);
	json_object_set_new(r, "timings_ms", analyze_timings_json(a));
	if ((a->js = json_dumps(r, JSON_INDENT(1) | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(10))) == NULL) {
		analyze_internal(resp);
		return -1;
	}
	a->tjson = timing_ms() - a->tmark;
	return 0;
}

/*
 * Commit the result's directory, then attach it to its sample.  The
 * result names its sample, so it must be in it before we answer: if the
 * sample filled up or was deleted meanwhile, take the result back and say
 * why; never a 200 the sample contradicts.
 */
static int
analyze_commit(struct analyze *a, struct http_response *resp)
{
	int			 fd = a->app->results_fd;
	struct result_file	 files[4];
	enum results_err	 rerr;
	enum samples_err	 serr;

	files[0] = (struct result_file){ "annotated.jpg", a->jpg, a->jpglen };
	files[1] = (struct result_file){ "thumb.jpg", a->tjpg, a->tjpglen };
	files[2] = (struct result_file){ "plain.jpg", a->pjpg, a->pjpglen };
	files[3] = (struct result_file){ "result.json", a->js, strlen(a->js) };
	if ((rerr = results_commit(fd, a->id, files, 4)) != RESULTS_OK) {
		if (rerr == RESULTS_ERR_FULL)
			http_fail(resp, ERR_STORAGE_FULL);
		else
			http_fail(resp, ERR_STORAGE_UNAVAILABLE);
		return -1;
	}
	if (a->sample_id != NULL && (serr = samples_attach(fd, a->sample_id,
	    a->id)) != SAMPLES_OK) {
		if (results_delete(fd, a->id) != RESULTS_OK)
			log_warnx("sample %s: cannot take back %s",
			    a->sample_id, a->id);
		snprintf(resp->note, sizeof(resp->note), "sample %s: attach "
		    "%s failed (%d), result taken back", a->sample_id, a->id,
		    (int)serr);
		samples_analyze_error(resp, serr);
		return -1;
	}
	return 0;
}

static void
analyze_free(struct analyze *a)
{
	analyze_copies_free(&a->cp);	/* first: its thread reads a->im */
	json_decref(a->result);
	free(a->js);
	free(a->jpg);
	free(a->tjpg);
	free(a->pjpg);
	free(a->ab);
	free(a->uniform);
	free(a->mthr);
	free(a->boxes);
	free(a->types);
	json_decref(a->morph);
	imgio_free(&a->im);
	multipart_free(a->mp);
}

void
analyze_handle(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct analyze	 a;

	memset(&a, 0, sizeof(a));
	a.app = app;
	a.dfac = 1;
	a.usrc = SCALE_NONE;
	a.t0 = a.tmark = timing_ms();
	if (app->det == NULL) {
		http_fail(resp, ERR_NOT_READY);
		return;
	}
	if ((a.mp = pipeline_parse_form(app, req, resp, "image")) == NULL)
		return;
	analyze_mark(&a, AST_READ);
	if ((a.part = multipart_find(a.mp, "image")) == NULL) {
		http_fail_detail(resp, ERR_MISSING_FIELD,
		    "No file in the field named \"image\".", NULL);
		goto out;
	}
	if (analyze_fields(&a, resp) == -1 || analyze_sample(&a, resp) == -1 ||
	    analyze_microscope(&a, resp) == -1)
		goto out;
	analyze_mark(&a, AST_FORM);
	if (analyze_decode(&a, resp) == -1)
		goto out;
	/* no microscope named: the client's own (one browser, one bench) */
	if (a.skey[0] == '\0' && req->remote_addr != NULL)
		scalemem_key(a.skey, sizeof(a.skey), "client",
		    req->remote_addr, strlen(req->remote_addr));
	a.t1 = timing_ms();
	if (analyze_detect(&a, resp) == -1)
		goto out;
	a.t2 = timing_ms();
	if (analyze_draw(&a, resp) == -1)
		goto out;
	a.t3 = timing_ms();
	if (analyze_json(&a, resp) == -1)
		goto out;
	a.tmark = timing_ms();
	if (analyze_commit(&a, resp) == -1)
		goto out;
	a.tcommit = timing_ms() - a.tmark;
	snprintf(resp->note, sizeof(resp->note),
	    "id=%s %dx%d boxes=%zu shown=%zu scale=%s:%.3f tiles=%d "
	    "decode=%.1fms detect=%.1fms encode=%.1fms json=%.1fms "
	    "commit=%.1fms probes=%.40s", a.id, a.W, a.H, a.nboxes, a.ns,
	    scale_source_name(a.dr.scale.source), a.dr.scale.factor,
	    a.dr.tiles, a.t1 - a.t0, a.t2 - a.t1, a.t3 - a.t2, a.tjson,
	    a.tcommit, a.dr.probes);
	http_json(resp, 200, a.result);
	a.result = NULL;
out:
	analyze_free(&a);
}
