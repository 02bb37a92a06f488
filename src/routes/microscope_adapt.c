/* microscope_adapt.c: /api/microscopes/NAME/finetune: start, watch and stop a microscope's fine-tuning job (bv-adapt) */
/*
 *   POST   /api/microscopes/NAME/finetune   start it, or resume a stopped
 *                                           one (202; 409 when a job runs
 *                                           on this box)
 *   GET    /api/microscopes/NAME/finetune   its state, iteration of
 *                                           iterations, loss, decision
 *   DELETE /api/microscopes/NAME/finetune   stop it (409 when none runs)
 *
 * The job itself is store/micjob.h's: prepare, run, then evaluate (the
 * candidate against the model in use on the held-out checked fields and
 * the shipped validation sets of adapt_val; adopted or refused by
 * micadapt_model_decide(), the decision and its figures in the status).
 */

#include "routes/microscope_routes.h"
#include "base/config.h"
#include "base/context.h"
#include "base/http.h"
#include "base/log.h"
#include "clinical/micmodel.h"
#include "store/micjob.h"
#include "store/micstore.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void
job_json(struct app *app, const char *name, int status,
    struct http_response *resp)
{
	json_t	*o = micjob_status(app->results_dir, name);

	if (o == NULL)
		http_fail(resp, ERR_INTERNAL);
	else
		http_json(resp, status, o);
}

/*
 * The weights the microscope runs now: its adopted fine-tuned model's
 * (then the run starts from it and the candidate must beat it), else the
 * shipped ones.
 */
static const char *
running_weights(struct app *app, const char *name, char *buf, size_t len)
{
	json_t	*st = micstore_load(app->results_fd, name);
	char	 dir[MICSTORE_NAME_MAX + 64];
	int	 v;

	v = st != NULL ? micmodel_current(st, app->model_name, dir,
	    sizeof(dir)) : 0;
	json_decref(st);
	if (v > 0 && micstore_model_path(app->results_dir, dir,
	    "model.weights", buf, len) == 0)
		return buf;
	return app->cfg->model_weights;
}

static void
finetune_start(struct app *app, const char *name, struct http_response *resp)
{
	char			 wbuf[4096];
	const struct config	*c = app->cfg;
	struct micjob_spec	 s = { .results_dir = app->results_dir,
	    .microscope = name, .model = app->model_name,
	    .names = c->model_names, .cfg = c->model_cfg,
	    .weights = running_weights(app, name, wbuf, sizeof(wbuf)),
	    .info = c->model_info,
	    .adapt_tool = c->adapt_tool, .train_tool = c->train_tool,
	    .iters = c->adapt_iters, .batch = c->adapt_batch,
	    .val = c->adapt_val };

	if (c->adapt_tool[0] == '\0' || c->train_tool[0] == '\0') {
		http_fail_detail(resp, ERR_NOT_READY, "Fine-tuning is not set "
		    "up on this box (adapt_tool and train_tool in the "
		    "configuration).", http_msg1("microscope_finetune_off",
		    NULL));
		return;
	}
	if (micjob_start(&s) == -1) {
		if (errno == EBUSY) {
			http_fail_detail(resp, ERR_CONFLICT, "A fine-tuning "
			    "job runs on this box: stop it or let it end.",
			    http_msg1("microscope_finetune_busy", NULL));
			return;
		}
		log_warn("microscope %s: fine-tuning not started", name);
		http_fail(resp, ERR_INTERNAL);
		return;
	}
	snprintf(resp->note, sizeof(resp->note), "microscope %s finetune "
	    "started", name);
	job_json(app, name, 202, resp);
}

static void
finetune_stop(struct app *app, const char *name, struct http_response *resp)
{
	if (micjob_stop(app->results_dir, name) == -1) {
		if (errno == ESRCH)
			http_fail_detail(resp, ERR_CONFLICT, "No fine-tuning "
			    "job of this microscope runs.",
			    http_msg1("microscope_finetune_none", NULL));
		else
			http_fail(resp, ERR_INTERNAL);
		return;
	}
	snprintf(resp->note, sizeof(resp->note), "microscope %s finetune "
	    "stop asked", name);
	job_json(app, name, 200, resp);
}

void
microscope_finetune(struct app *app, const struct http_request *req,
    const char *name, struct http_response *resp)
{
	json_t	*st;

	/* a microscope nobody has checked a field of yet has never been
	 * fine-tuned: its status says so (the result page asks for every
	 * result's microscope); starting or stopping it is 404 */
	if (strcmp(req->method, "GET") == 0) {
		job_json(app, name, 200, resp);
		return;
	}
	if ((st = micstore_load(app->results_fd, name)) == NULL) {
		http_fail_detail(resp, ERR_NOT_FOUND, "No such microscope.",
		    NULL);
		return;
	}
	json_decref(st);
	if (strcmp(req->method, "POST") == 0)
		finetune_start(app, name, resp);
	else if (strcmp(req->method, "DELETE") == 0)
		finetune_stop(app, name, resp);
	else
		http_method_not_allowed(resp, "GET, POST, DELETE");
}
