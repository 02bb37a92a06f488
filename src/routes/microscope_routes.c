/* microscope_routes.c: /api/microscopes: each microscope's checked fields, measured error and adaptation */
/*
 *   GET  /api/microscopes                 every microscope, in short
 *   GET  /api/microscopes/NAME            its measured error, thresholds,
 *                                         adaptation versions
 *   POST /api/microscopes/NAME/adapt      try step (a): thresholds
 *   POST /api/microscopes/NAME/rollback   back to the previous version
 *   GET  /api/microscopes/NAME/fields     its checked fields as one file
 *   POST /api/microscopes/NAME/fields     import such a file as its own
 *   GET  /api/microscopes/NAME/model      the model it counts with, one file
 *   POST /api/microscopes/NAME/model      keep a model file made elsewhere
 *                                         (refused for another network)
 *   POST, GET, DELETE /api/microscopes/NAME/finetune
 *                                         start, watch, stop fine-tuning
 *                                         (microscope_adapt.c)
 *
 * The measured error is recomputed on each GET from the checked fields
 * (micfields.h) at the thresholds the microscope counts with now.
 */

#include "routes/microscope_routes.h"
#include "base/config.h"
#include "base/context.h"
#include "base/http.h"
#include "base/log.h"
#include "base/num.h"
#include "clinical/micadapt.h"
#include "clinical/micexport.h"
#include "clinical/micmodel.h"
#include "clinical/micfields.h"
#include "clinical/microscope.h"
#include "clinical/thresholds.h"
#include "store/fsutil.h"
#include "store/micstore.h"
#include "vision/detector.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIC_PREFIX	"/api/microscopes"
#define MIC_NCLS_MAX	16

/* The model's class names and the thresholds name counts with now. */
struct mic_ctx {
	const char	*names[MIC_NCLS_MAX];
	int		 ncls;
	double		 thr[MIC_NCLS_MAX];
	int		 version;	/* adaptation in use; 0: none */
};

static void
ctx_init(struct app *app, const json_t *state, struct mic_ctx *x)
{
	memset(x, 0, sizeof(*x));
	x->ncls = detector_classes(app->det);
	if (x->ncls > MIC_NCLS_MAX)
		x->ncls = MIC_NCLS_MAX;
	for (int c = 0; c < x->ncls; c++) {
		x->names[c] = detector_class_name(app->det, c);
		x->thr[c] = app->thresholds->v[c];
	}
	if (state != NULL)
		x->version = micadapt_thresholds(state, app->model_name,
		    x->names, x->ncls, x->thr);
}

static json_t *
thr_json(const struct mic_ctx *x)
{
	json_t	*o = json_object();

	for (int c = 0; c < x->ncls; c++)
		json_object_set_new(o, x->names[c], json_real(x->thr[c]));
	return o;
}

/* {"bias", "sd"} per class with reviewed cells: the line shown with counts. */
static json_t *
short_error(const struct micfields *m, const struct mic_ctx *x)
{
	struct mic_class	 mc;
	json_t			*o = json_object();

	for (int c = 0; c < x->ncls; c++) {
		if (mic_measure(m->f, m->n, c, (float)x->thr[c], &mc) == -1 ||
		    !isfinite(mc.bias))
			continue;
		json_object_set_new(o, x->names[c], json_pack("{s:f,s:o,s:I}",
		    "bias", num_round3(mc.bias), "sd",
		    isfinite(mc.sd) ? json_real(num_round3(mc.sd)) :
		    json_null(), "reviewed", (json_int_t)mc.lab));
	}
	return o;
}

/* One microscope; full adds the whole measurement and every version. */
static json_t *
describe(struct app *app, const char *name, int full)
{
	struct micfields	 m;
	struct mic_ctx		 x;
	json_t			*o, *st;

	st = micstore_load(app->results_fd, name);
	ctx_init(app, st, &x);
	json_decref(st);
	if (micfields_load(app->results_fd, name, app->model_name, x.names,
	    x.ncls, &m) == -1)
		return NULL;
	st = m.state;
	o = json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i,s:o,s:o}", "microscope",
	    name, "model", app->model_name, "fields", (json_int_t)m.n,
	    "listed", (json_int_t)m.listed, "min_fields", MIC_MIN_FIELDS,
	    "adapt_min_fields", MICADAPT_MIN_FIELDS, "adaptation", x.version,
	    "thresholds", thr_json(&x), "error", short_error(&m, &x));
	if (o != NULL && full) {
		json_t *ce = mic_count_error_json(m.f, m.n, x.names, x.ncls,
		    x.thr, name);

		json_object_set_new(o, "measured", mic_measure_json(m.f, m.n,
		    x.names, x.ncls, x.thr));
		json_object_set_new(o, "count_error", ce ? ce : json_null());
		json_t *v = st ? json_object_get(st, "versions") : NULL;
		json_t *r = st ? json_object_get(st, "rollbacks") : NULL;

		json_object_set_new(o, "versions", v ? json_incref(v) :
		    json_array());
		json_object_set_new(o, "rollbacks", r ? json_incref(r) :
		    json_array());
	}
	micfields_free(&m);
	return o;
}

json_t *
microscope_routes_model(struct app *app)
{
	json_t	*names = micstore_list(app->results_fd), *out = json_array();
	size_t	 i;

	if (app->det == NULL)
		return out;
	for (i = 0; out != NULL && i < json_array_size(names); i++) {
		json_t *d = describe(app, json_string_value(json_array_get(
		    names, i)), 0);

		if (d != NULL)
			json_array_append_new(out, d);
	}
	json_decref(names);
	return out;
}

/* ---- adapt and roll back ---------------------------------------------- */

struct adapt_arg {
	struct app	*app;
	const char	*name;
	int		 version;	/* the new one */
	int		 adopted;
	size_t		 fields;
	int		 too_few;
};

static int
adapt_fn(json_t *state, void *argp)
{
	struct adapt_arg	*a = argp;
	struct micfields	 m;
	struct mic_ctx		 x;
	struct micadapt_class	 cl[MIC_NCLS_MAX];
	unsigned char		*held;
	char			(*keys)[MICADAPT_KEY_LEN] = NULL;
	const char		**kp = NULL;
	size_t			 nheld = 0, i;
	int			 rc = -1;

	ctx_init(a->app, state, &x);
	if (micfields_load(a->app->results_fd, a->name, a->app->model_name,
	    x.names, x.ncls, &m) == -1)
		return -1;
	a->fields = m.n;
	if (m.n < MICADAPT_MIN_FIELDS) {
		a->too_few = 1;
		micfields_free(&m);
		return 1;
	}
	held = calloc(m.n, 1);
	keys = calloc(m.n, sizeof(*keys));
	kp = calloc(m.n, sizeof(*kp));
	if (held == NULL || keys == NULL || kp == NULL)
		goto out;
	for (i = 0; i < m.n; i++) {
		micadapt_field_key(&m.f[i], keys[i]);
		kp[i] = keys[i];
	}
	micadapt_split(kp, m.n, held);
	for (i = 0; i < m.n; i++)
		nheld += held[i];
	for (int c = 0; c < x.ncls; c++)
		if (micadapt_choose(m.f, m.n, held, c, (float)x.thr[c],
		    (float)a->app->cfg->min_confidence, &cl[c]) == -1)
			goto out;
	if ((a->version = micadapt_record(state, a->app->model_name, m.n,
	    nheld, x.names, x.ncls, cl)) == -1)
		goto out;
	a->adopted = json_integer_value(json_object_get(state, "current")) ==
	    a->version;
	rc = 0;
out:
	free(held);
	free(keys);
	free(kp);
	micfields_free(&m);
	return rc;
}

static int
rollback_fn(json_t *state, void *argp)
{
	int	*to = argp;

	if ((*to = micadapt_rollback(state)) == -1)
		return 1;
	return 0;
}

static void
store_failed(struct http_response *resp, const char *name)
{
	log_warn("microscope %s", name);
	if (errno == ENOSPC)
		http_fail_detail(resp, ERR_STORAGE_FULL,
		    "The results disk is full, or the microscope has the "
		    "most versions it may keep.", NULL);
	else
		http_fail(resp, ERR_INTERNAL);
}

static void
handle_adapt(struct app *app, const char *name, struct http_response *resp)
{
	struct adapt_arg	 a = { app, name, 0, 0, 0, 0 };
	json_t			*o;

	if (micstore_update(app->results_fd, name, adapt_fn, &a) == -1) {
		store_failed(resp, name);
		return;
	}
	if (a.too_few) {
		http_fail_detail(resp, ERR_TOO_FEW_FIELDS, "An adaptation "
		    "needs more checked fields of this microscope.",
		    http_msg1("microscope_too_few_fields", json_pack(
		    "{s:I,s:i}", "fields", (json_int_t)a.fields, "min",
		    MICADAPT_MIN_FIELDS)));
		return;
	}
	snprintf(resp->note, sizeof(resp->note), "microscope %s adapt v%d %s",
	    name, a.version, a.adopted ? "adopted" : "refused");
	o = describe(app, name, 1);
	if (o != NULL)
		json_object_set_new(o, "tried", json_pack("{s:i,s:b}",
		    "version", a.version, "adopted", a.adopted));
	if (o == NULL)
		http_fail(resp, ERR_INTERNAL);
	else
		http_json(resp, 200, o);
}

static void
handle_rollback(struct app *app, const char *name, struct http_response *resp)
{
	json_t	*o;
	int	 to = -1, rc;

	rc = micstore_update(app->results_fd, name, rollback_fn, &to);
	if (rc == -1) {
		store_failed(resp, name);
		return;
	}
	if (to == -1) {
		http_fail_detail(resp, ERR_CONFLICT, "This microscope runs "
		    "no adaptation: nothing to roll back.",
		    http_msg1("microscope_nothing_to_roll_back", NULL));
		return;
	}
	snprintf(resp->note, sizeof(resp->note), "microscope %s rollback to "
	    "v%d", name, to);
	if ((o = describe(app, name, 1)) == NULL)
		http_fail(resp, ERR_INTERNAL);
	else
		http_json(resp, 200, o);
}

/* ---- export and import (micexport.h, micmodel.h) ------------------------ */

/* resp carries buf[0..len) (taken) as a download called file. */
static void
send_pack(struct http_response *resp, unsigned char *buf, size_t len,
    const char *file)
{
	char	 disp[160];

	resp->status = 200;
	resp->content_type = "application/octet-stream";
	resp->body = (char *)buf;
	resp->body_len = len;
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", file);
	http_add_header(resp, "Content-Disposition", disp);
}

/* An import refused or failed: errno as micexport.h/micmodel.h set it. */
static void
import_failed(struct http_response *resp, const char *name, const char *err)
{
	int	 e = errno;

	log_warnx("microscope %s import: %s", name, err);
	if (e == EBADMSG)
		http_fail_detail(resp, ERR_BAD_REQUEST, err, http_msg1(
		    "microscope_pack_damaged", NULL));
	else if (e == EDOM)
		http_fail_detail(resp, ERR_CONFLICT, err, http_msg1(
		    "microscope_model_other_network", NULL));
	else if (e == EINVAL)
		http_fail_detail(resp, ERR_BAD_REQUEST, err, http_msg1(
		    "microscope_pack_refused", NULL));
	else if (fsutil_errno_full(e))
		http_fail(resp, ERR_STORAGE_FULL);
	else
		http_fail(resp, ERR_INTERNAL);
}

static void
handle_fields(struct app *app, const struct http_request *req,
    const char *name, struct http_response *resp)
{
	unsigned char	*buf;
	size_t		 len, n;
	char		 err[512], file[MICSTORE_NAME_MAX + 32];
	json_t		*o;

	if (strcmp(req->method, "GET") == 0) {
		if (micexport_fields(app->results_fd, name, &buf, &len, &n) ==
		    -1) {
			log_warn("microscope %s export", name);
			http_fail(resp, ERR_INTERNAL);
			return;
		}
		snprintf(file, sizeof(file), "fields-%s.bvpack", name);
		snprintf(resp->note, sizeof(resp->note), "microscope %s "
		    "export %zu fields", name, n);
		send_pack(resp, buf, len, file);
		return;
	}
	if (micexport_import_fields(app->results_fd, name, req->body,
	    req->body_len, &n, err, sizeof(err)) == -1) {
		import_failed(resp, name, err);
		return;
	}
	snprintf(resp->note, sizeof(resp->note), "microscope %s import %zu "
	    "fields", name, n);
	if ((o = describe(app, name, 1)) == NULL)
		http_fail(resp, ERR_INTERNAL);
	else {
		json_object_set_new(o, "imported", json_integer((json_int_t)n));
		http_json(resp, 200, o);
	}
}

static void
handle_model(struct app *app, const struct http_request *req,
    const char *name, struct http_response *resp)
{
	struct micmodel_paths	 p = { app->cfg->model_cfg,
				    app->cfg->model_weights,
				    app->cfg->model_info };
	struct mic_ctx		 x;
	unsigned char		*buf;
	size_t			 len;
	char			 err[512], file[MICSTORE_NAME_MAX + 32];
	json_t			*o;
	int			 v, served;

	ctx_init(app, NULL, &x);
	if (strcmp(req->method, "GET") == 0) {
		/* its adopted fine-tuned model, else the shipped one */
		if (micmodel_export_for(app->results_fd, app->results_dir,
		    name, &p, app->model_name, x.names, x.ncls, &buf, &len,
		    &v) == -1) {
			log_warn("microscope %s model export", name);
			http_fail(resp, ERR_INTERNAL);
			return;
		}
		snprintf(file, sizeof(file), "model-%s.bvpack", name);
		snprintf(resp->note, sizeof(resp->note), "microscope %s model "
		    "export, adaptation %d", name, v);
		send_pack(resp, buf, len, file);
		return;
	}
	if ((v = micmodel_import(app->results_fd, name, &p, app->model_name,
	    x.names, x.ncls, req->body, req->body_len, &served, err,
	    sizeof(err))) == -1) {
		import_failed(resp, name, err);
		return;
	}
	snprintf(resp->note, sizeof(resp->note), "microscope %s model kept "
	    "as v%d, %s", name, v, served ? "served" : "not served");
	if ((o = describe(app, name, 1)) == NULL)
		http_fail(resp, ERR_INTERNAL);
	else {
		json_object_set_new(o, "kept", json_integer(v));
		json_object_set_new(o, "served", json_boolean(served));
		json_object_set_new(o, "why", json_string(err));
		http_json(resp, 200, o);
	}
}

/* ---- the route ---------------------------------------------------------- */

int
microscope_route(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const char	*p = req->path, *rest, *slash;
	char		 name[MICSTORE_NAME_MAX + 1];
	size_t		 len;
	int		 get = strcmp(req->method, "GET") == 0;
	json_t		*o;

	if (strncmp(p, MIC_PREFIX, strlen(MIC_PREFIX)) != 0 ||
	    (p[strlen(MIC_PREFIX)] != '\0' && p[strlen(MIC_PREFIX)] != '/'))
		return 0;
	if (app->det == NULL) {
		http_fail(resp, ERR_NOT_READY);
		return 1;
	}
	rest = p + strlen(MIC_PREFIX);
	if (*rest == '\0') {
		if (!get)
			http_method_not_allowed(resp, "GET");
		else
			http_json(resp, 200, json_pack("{s:o,s:i,s:i}",
			    "microscopes", microscope_routes_model(app),
			    "min_fields", MIC_MIN_FIELDS, "adapt_min_fields",
			    MICADAPT_MIN_FIELDS));
		return 1;
	}
	rest++;
	slash = strchr(rest, '/');
	len = slash ? (size_t)(slash - rest) : strlen(rest);
	if (len == 0 || len > MICSTORE_NAME_MAX) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such microscope.",
		    NULL);
		return 1;
	}
	memcpy(name, rest, len);
	name[len] = '\0';
	if (!micstore_name_valid(name)) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such microscope.",
		    NULL);
		return 1;
	}
	if (slash == NULL) {
		if (!get)
			http_method_not_allowed(resp, "GET");
		else if ((o = describe(app, name, 1)) == NULL)
			http_fail(resp, ERR_INTERNAL);
		else
			http_json(resp, 200, o);
	} else if (strcmp(slash, "/adapt") == 0 ||
	    strcmp(slash, "/rollback") == 0) {
		if (strcmp(req->method, "POST") != 0)
			http_method_not_allowed(resp, "POST");
		else if (slash[1] == 'a')
			handle_adapt(app, name, resp);
		else
			handle_rollback(app, name, resp);
	} else if (strcmp(slash, "/finetune") == 0) {
		microscope_finetune(app, req, name, resp);
	} else if (strcmp(slash, "/fields") == 0 ||
	    strcmp(slash, "/model") == 0) {
		if (!get && strcmp(req->method, "POST") != 0)
			http_method_not_allowed(resp, "GET, POST");
		else if (slash[1] == 'f')
			handle_fields(app, req, name, resp);
		else
			handle_model(app, req, name, resp);
	} else
		http_fail_detail(resp, ERR_NOT_FOUND, "No such API route.", NULL);
	return 1;
}
