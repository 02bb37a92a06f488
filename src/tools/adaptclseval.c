/* adaptclseval.c: `bv-adapt cls-evaluate`: a fine-tuned white-cell classifier against the one in use, as the server types, by micadapt_cls_decide() (adaptcls.h) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tools/adaptcls.h"
#include "clinical/micadapt.h"
#include "tools/toolutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct ace {
	const char	*work, *tool, *cfg, *weights, *model, *names, *pbc;
	const char	*cand;
	char		 cand_path[PATH_MAX], cand_json[PATH_MAX];
};

/* argv run niced: stdout into out, stderr to WORK/cls-evaluate.log. */
static int
ace_run(const struct ace *o, char **argv, const char *out)
{
	char	 log[PATH_MAX];

	snprintf(log, sizeof(log), "%s/cls-evaluate.log", o->work);
	return tool_run_logged(argv, out, log, 1);
}

/* The number after `label` in file out, or NAN. */
static double
ace_number(const char *out, const char *label)
{
	char	 buf[8192], *p;
	size_t	 n;
	FILE	*f = fopen(out, "r");

	if (f == NULL)
		return NAN;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strstr(buf, label)) == NULL)
		return NAN;
	return strtod(p + strlen(label), NULL);
}

/* One model (weights w, calibration json) on one split of WORK:
 * accuracy (every crop, best class) and confidently wrong among typed. */
static int
ace_measure(const struct ace *o, const char *w, const char *json,
    const char *split, const char *tag, double *acc, double *cw)
{
	char	 out[PATH_MAX];
	char	*av[] = { (char *)o->tool, "eval", "--cfg", (char *)o->cfg,
	    "--weights", (char *)w, "--names", (char *)o->names, "--data",
	    (char *)o->work, "--split", (char *)split, "--model", (char *)json,
	    NULL };

	snprintf(out, sizeof(out), "%s/cls-eval-%s-%s.txt", o->work, tag,
	    split);
	if (ace_run(o, av, out) != 0) {
		fprintf(stderr, "bv-adapt: bv-calib-cls eval %s on %s failed "
		    "(%s/cls-evaluate.log)\n", tag, split, o->work);
		return -1;
	}
	*acc = ace_number(out, "accuracy (every crop, best class) ");
	if (cw != NULL)
		*cw = ace_number(out, "confidently wrong (>= 0.8) ");
	return 0;
}

/* Both models on the held-out crops and pbc-cells val. */
static int
ace_figures(const struct ace *o, struct micadapt_cls_eval *b,
    struct micadapt_cls_eval *a)
{
	char	 fitout[PATH_MAX];
	char	*fit[] = { (char *)o->tool, "fit", "--cfg", (char *)o->cfg,
	    "--weights", (char *)o->cand, "--names", (char *)o->names,
	    "--data", (char *)o->pbc, "--out", (char *)o->cand_json,
	    "--normalise", "1", NULL };

	snprintf(fitout, sizeof(fitout), "%s/cls-fit.txt", o->work);
	if (ace_run(o, fit, fitout) != 0) {
		fprintf(stderr, "bv-adapt: bv-calib-cls fit of %s failed\n",
		    o->cand);
		return -1;
	}
	if (ace_measure(o, o->weights, o->model, "held", "current",
	    &b->held_acc, &b->held_cw) == -1 ||
	    ace_measure(o, o->cand, o->cand_json, "held", "candidate",
	    &a->held_acc, &a->held_cw) == -1 ||
	    ace_measure(o, o->weights, o->model, "pbcval", "current",
	    &b->val_acc, NULL) == -1 ||
	    ace_measure(o, o->cand, o->cand_json, "pbcval", "candidate",
	    &a->val_acc, NULL) == -1)
		return -1;
	return 0;
}

static json_t *
ace_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
ace_json(const struct micadapt_cls_eval *e)
{
	return json_pack("{s:o,s:o,s:o}", "held_accuracy", ace_num(e->held_acc),
	    "held_confidently_wrong", ace_num(e->held_cw), "pbc_val_accuracy",
	    ace_num(e->val_acc));
}

/* WORK/cls-evaluation.json through a .tmp and a rename. */
static int
ace_write(const struct ace *o, const struct micadapt_cls_eval *b,
    const struct micadapt_cls_eval *a, int adopt, const char *why)
{
	char	 p[PATH_MAX], tmp[PATH_MAX + 8];
	json_t	*j;
	int	 rc;

	j = json_pack("{s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:b,s:s}", "kind",
	    "classifier", "candidate", o->cand, "calibration", o->cand_json,
	    "adopted", adopt, "why", why, "before", ace_json(b), "after",
	    ace_json(a), "served", 0, "note", "evaluated only: uploads still "
	    "type with the shipped classifier");
	snprintf(p, sizeof(p), "%s/cls-evaluation.json", o->work);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	rc = j != NULL && json_dump_file(j, tmp, JSON_INDENT(1)) == 0 &&
	    rename(tmp, p) == 0 ? 0 : -1;
	json_decref(j);
	return rc;
}

int
adaptcls_evaluate_main(int argc, char **argv)
{
	struct ace			 o = { 0 };
	struct micadapt_cls_eval	 b, a;
	char				 why[512];
	int				 adopt;

	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--work") == 0) o.work = v;
		else if (strcmp(k, "--bv-calib-cls") == 0) o.tool = v;
		else if (strcmp(k, "--cfg") == 0) o.cfg = v;
		else if (strcmp(k, "--weights") == 0) o.weights = v;
		else if (strcmp(k, "--model") == 0) o.model = v;
		else if (strcmp(k, "--names") == 0) o.names = v;
		else if (strcmp(k, "--pbc") == 0) o.pbc = v;
		else if (strcmp(k, "--candidate") == 0) o.cand = v;
		else
			return 64;
	}
	if (!o.work || !o.tool || !o.cfg || !o.weights || !o.model ||
	    !o.names || !o.pbc)
		return 64;
	snprintf(o.cand_path, sizeof(o.cand_path), "%s/run/final.weights",
	    o.work);
	snprintf(o.cand_json, sizeof(o.cand_json), "%s/candidate.json", o.work);
	if (o.cand == NULL)
		o.cand = o.cand_path;
	if (access(o.cand, R_OK) == -1) {
		fprintf(stderr, "bv-adapt: %s: %s (has the run finished?)\n",
		    o.cand, strerror(errno));
		return 1;
	}
	if (ace_figures(&o, &b, &a) == -1)
		return 1;
	adopt = micadapt_cls_decide(&b, &a, why, sizeof(why));
	if (ace_write(&o, &b, &a, adopt, why) == -1) {
		fprintf(stderr, "bv-adapt: %s/cls-evaluation.json: cannot "
		    "write it\n", o.work);
		return 1;
	}
	printf("bv-adapt: classifier %s: %s (evaluated only, not served)\n",
	    adopt ? "better by the rule" : "refused", why);
	return 0;
}
