/* adapteval.c: `bv-adapt evaluate`: measure a fine-tuned candidate against the model in use, adopt or refuse it by micadapt_model_decide() */
/*
 * Both models, the one in use (--weights) and the candidate
 * (WORK/run/final.weights, the finished run), are measured the same way:
 *   - mAP@0.5 on the held-out checked fields (WORK/held.txt, the
 *     threshold step's split) and on each shipped validation list named
 *     in --val-lists (a file, one list a line; an absent list is skipped
 *     and said so), by `bv-train eval` (darknet);
 *   - the held-out red-cell count bias, by `bv-eval --count` (the
 *     server's path, darknet engine: the candidate has no int8
 *     calibration), each at the red-cell threshold it would count with:
 *     the model in use at the microscope's adopted threshold when a
 *     thresholds version is current (what its uploads count with now),
 *     else its own (its json); the candidate at its own, since an
 *     adopted model version carries no thresholds of its own.
 * The figures go to micadapt_model_decide(); the decision, with them, is
 * written to WORK/evaluation.json (beside and renamed) and recorded as a
 * version of the microscope (micmodel_record_candidate(): an adopted
 * candidate's files kept, current moved to it; a run is recorded once,
 * by its id WORK/adapt-id, so an evaluation killed and run again never
 * adopts twice; once evaluation.json holds the run's decision, running
 * it again only says it).  --figures FIXTURE takes the figures from a file
 * ({"before": {...}, "after": {...}}, micadapt_eval's fields) instead of
 * measuring: for tests of adoption and serving; the record says
 * "measured": false.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tools/adapteval.h"
#include "clinical/micadapt.h"
#include "tools/toolutil.h"
#include "clinical/micmodel.h"
#include "store/micstore.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define AE_PATH		4096

struct ae_opts {
	const char	*work, *results, *mic, *model, *names, *cfg, *weights;
	const char	*info, *train, *eval, *vals, *figures;
	char		 val[MICADAPT_MAX_VAL][AE_PATH];
	int		 nval;
};

/* argv run: stdout into out, stderr to WORK/evaluate.log; exit code. */
static int
ae_run(const struct ae_opts *o, char **argv, const char *out)
{
	char	 log[AE_PATH];

	snprintf(log, sizeof(log), "%s/evaluate.log", o->work);
	return tool_run_logged(argv, out, log, 0);
}

/* The shipped validation lists named in o->vals; absent ones skipped. */
static int
ae_val_lists(struct ae_opts *o)
{
	char	 line[AE_PATH], base[AE_PATH], *slash;
	FILE	*f;

	if (o->vals == NULL) {
		printf("bv-adapt: no shipped validation sets named\n");
		return 0;
	}
	if ((f = fopen(o->vals, "r")) == NULL) {
		fprintf(stderr, "bv-adapt: %s: %s\n", o->vals, strerror(errno));
		return -1;
	}
	snprintf(base, sizeof(base), "%s", o->vals);
	if ((slash = strrchr(base, '/')) != NULL)
		slash[1] = '\0';
	else
		base[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = o->val[o->nval];

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((size_t)snprintf(p, AE_PATH, "%s%s", line[0] == '/' ? "" :
		    base, line) >= AE_PATH || access(p, R_OK) != 0) {
			printf("bv-adapt: validation set %s absent: skipped\n",
			    line);
			continue;
		}
		if (++o->nval == MICADAPT_MAX_VAL)
			break;
	}
	fclose(f);
	return 0;
}

/* mAP of weights w on held.txt then each validation list, into e. */
static int
ae_map(const struct ae_opts *o, const char *w, const char *tag,
    struct micadapt_eval *e)
{
	char	 held[AE_PATH], out[AE_PATH], line[1024], *av[64], *m;
	FILE	*f;
	int	 n = 0, k = 0;

	snprintf(held, sizeof(held), "%s/held.txt", o->work);
	snprintf(out, sizeof(out), "%s/eval-%s-map.txt", o->work, tag);
	av[n++] = (char *)o->train; av[n++] = "eval";
	av[n++] = "--cfg"; av[n++] = (char *)o->cfg;
	av[n++] = "--weights"; av[n++] = (char *)w;
	av[n++] = "--list"; av[n++] = held;
	for (int v = 0; v < o->nval; v++) {
		av[n++] = "--list";
		av[n++] = (char *)o->val[v];
	}
	av[n] = NULL;
	if (ae_run(o, av, out) != 0 || (f = fopen(out, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && k <= o->nval)
		if ((m = strstr(line, " images, mAP@0.5 ")) != NULL) {
			double ap = strtod(m + 17, NULL);

			if (k == 0)
				e->held_ap = ap;
			else
				e->val_ap[k - 1] = ap;
			k++;
		}
	fclose(f);
	e->nval = o->nval;
	return k == o->nval + 1 ? 0 : -1;
}

/*
 * The red-cell threshold microscope o->mic counts with now when its
 * current version sets one (an adopted thresholds version), else NAN:
 * the model's own.
 */
static double
ae_rbc_now(const struct ae_opts *o)
{
	const char	*nm[1] = { "RBC" };
	double		 thr[1] = { NAN };
	json_t		*st = NULL;
	int		 fd;

	if ((fd = open(o->results, O_RDONLY | O_DIRECTORY)) >= 0) {
		st = micstore_load(fd, o->mic);
		close(fd);
	}
	if (st != NULL)
		(void)micadapt_thresholds(st, o->model, nm, 1, thr);
	json_decref(st);
	return thr[0];
}

/* Held-out RBC count bias of weights w at red-cell threshold rbc (NAN:
 * the model's own, its json). */
static int
ae_bias(const struct ae_opts *o, const char *w, const char *tag,
    double rbc, struct micadapt_eval *e)
{
	char		 list[AE_PATH], out[AE_PATH], t[32], *av[32];
	json_t		*j, *r;
	size_t		 i;
	int		 n = 0;

	snprintf(list, sizeof(list), "held=%s/held.txt", o->work);
	snprintf(out, sizeof(out), "%s/eval-%s-count.json", o->work, tag);
	av[n++] = (char *)o->eval; av[n++] = "--count";
	av[n++] = "--cfg"; av[n++] = (char *)o->cfg;
	av[n++] = "--weights"; av[n++] = (char *)w;
	av[n++] = "--names"; av[n++] = (char *)o->names;
	av[n++] = "--json";
	if (o->info != NULL && o->info[0] != '\0') {
		av[n++] = "--model-json";
		av[n++] = (char *)o->info;
	}
	if (isfinite(rbc)) {
		snprintf(t, sizeof(t), "%.4f", rbc);
		av[n++] = "--thresh-rbc"; av[n++] = t;
		printf("bv-adapt: %s bias at the microscope's red-cell "
		    "threshold %.3f\n", tag, rbc);
	}
	av[n++] = "--list"; av[n++] = list;
	av[n] = NULL;
	if (ae_run(o, av, out) != 0 || (j = json_load_file(out, 0, NULL)) ==
	    NULL)
		return -1;
	json_array_foreach(json_object_get(j, "rows"), i, r)
		if (json_is_string(json_object_get(r, "class")) && strcmp(
		    json_string_value(json_object_get(r, "class")), "RBC") == 0)
			e->held_bias = json_number_value(json_object_get(r,
			    "bias"));
	json_decref(j);
	return isfinite(e->held_bias) ? 0 : -1;
}

static void
ae_eval_init(struct micadapt_eval *e)
{
	e->held_ap = e->held_bias = NAN;
	for (int i = 0; i < MICADAPT_MAX_VAL; i++)
		e->val_ap[i] = NAN;
	e->nval = 0;
}

/* A micadapt_eval from the fixture's object j. */
static void
ae_eval_json(const json_t *j, struct micadapt_eval *e)
{
	const json_t	*v;
	size_t		 i;

	ae_eval_init(e);
	if (json_is_number(json_object_get(j, "held_ap")))
		e->held_ap = json_number_value(json_object_get(j, "held_ap"));
	if (json_is_number(json_object_get(j, "held_bias")))
		e->held_bias = json_number_value(json_object_get(j,
		    "held_bias"));
	json_array_foreach(json_object_get(j, "val_ap"), i, v)
		if (i < MICADAPT_MAX_VAL) {
			e->val_ap[i] = json_is_number(v) ? json_number_value(v) :
			    NAN;
			e->nval = (int)i + 1;
		}
}

/* The run's id (WORK/adapt-id), made once: "<UTC time>-<pid>". */
static int
ae_adapt_id(const char *work, char *id, size_t len)
{
	char	 path[AE_PATH], tmp[AE_PATH], at[32];
	time_t	 t = time(NULL);
	FILE	*f;
	struct tm tm;

	snprintf(path, sizeof(path), "%s/adapt-id", work);
	if ((f = fopen(path, "r")) != NULL) {
		int ok = fgets(id, (int)len, f) != NULL;

		fclose(f);
		id[strcspn(id, "\r\n")] = '\0';
		if (ok && id[0] != '\0')
			return 0;
	}
	strftime(at, sizeof(at), "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
	snprintf(id, len, "%s-%ld", at, (long)getpid());
	snprintf(tmp, sizeof(tmp), "%s/.adapt-id.tmp", work);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%s\n", id);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static json_t *
ae_fig(const struct micadapt_eval *e)
{
	json_t	*v = json_array();

	for (int i = 0; i < e->nval; i++)
		json_array_append_new(v, isfinite(e->val_ap[i]) ?
		    json_real(e->val_ap[i]) : json_null());
	return json_pack("{s:o,s:o,s:o}", "held_ap", isfinite(e->held_ap) ?
	    json_real(e->held_ap) : json_null(), "held_bias",
	    isfinite(e->held_bias) ? json_real(e->held_bias) : json_null(),
	    "val_ap", v);
}

/* WORK/evaluation.json, written beside and renamed. */
static int
ae_write(const struct ae_opts *o, const char *id, int measured,
    const struct micadapt_eval *b, const struct micadapt_eval *a,
    int adopted, const char *why, int version)
{
	char	 tmp[AE_PATH], path[AE_PATH];
	json_t	*vl = json_array(), *j;
	int	 rc;

	for (int v = 0; v < o->nval; v++)
		json_array_append_new(vl, json_string(o->val[v]));
	j = json_pack("{s:s,s:b,s:o,s:o,s:o,s:b,s:b,s:s,s:i}", "adapt_id", id,
	    "measured", measured, "val_lists", vl, "before", ae_fig(b),
	    "after", ae_fig(a), "evaluated", 1, "adopted", adopted, "why",
	    why, "version", version);
	snprintf(tmp, sizeof(tmp), "%s/.evaluation.tmp", o->work);
	snprintf(path, sizeof(path), "%s/evaluation.json", o->work);
	rc = j == NULL || json_dump_file(j, tmp, JSON_INDENT(1)) == -1 ||
	    rename(tmp, path) == -1 ? -1 : 0;
	json_decref(j);
	return rc;
}

/* Both models' figures, measured or from the fixture; 0 or -1. */
static int
ae_figures(const struct ae_opts *o, const char *cand,
    struct micadapt_eval *b, struct micadapt_eval *a, int *measured)
{
	json_t	*fx;

	ae_eval_init(b);
	ae_eval_init(a);
	*measured = o->figures == NULL;
	if (o->figures != NULL) {
		if ((fx = json_load_file(o->figures, 0, NULL)) == NULL) {
			fprintf(stderr, "bv-adapt: %s: not JSON\n", o->figures);
			return -1;
		}
		ae_eval_json(json_object_get(fx, "before"), b);
		ae_eval_json(json_object_get(fx, "after"), a);
		json_decref(fx);
		return 0;
	}
	if (ae_val_lists((struct ae_opts *)o) == -1)
		return -1;
	if (ae_map(o, o->weights, "before", b) == -1 ||
	    ae_map(o, cand, "after", a) == -1 ||
	    ae_bias(o, o->weights, "before", ae_rbc_now(o), b) == -1 ||
	    ae_bias(o, cand, "after", NAN, a) == -1) {
		fprintf(stderr, "bv-adapt: measuring failed (%s/evaluate.log)\n",
		    o->work);
		return -1;
	}
	return 0;
}

/* The run was evaluated and recorded before (evaluation.json of id). */
static int
ae_done_before(const struct ae_opts *o, const char *id)
{
	char	 path[AE_PATH];
	json_t	*j;
	int	 done;

	snprintf(path, sizeof(path), "%s/evaluation.json", o->work);
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return 0;
	done = json_is_string(json_object_get(j, "adapt_id")) && strcmp(
	    json_string_value(json_object_get(j, "adapt_id")), id) == 0 &&
	    json_integer_value(json_object_get(j, "version")) > 0;
	if (done)
		printf("bv-adapt: %s: evaluated before: %s (%s), version %d\n",
		    o->mic, json_is_true(json_object_get(j, "adopted")) ?
		    "adopted" : "refused", json_string_value(json_object_get(j,
		    "why")), (int)json_integer_value(json_object_get(j,
		    "version")));
	json_decref(j);
	return done;
}

static int
ae_evaluate(struct ae_opts *o)
{
	struct micadapt_eval	 b, a;
	struct micmodel_paths	 p;
	char			 cand[AE_PATH], id[128], why[256];
	int			 measured, adopted, fd, ver;

	snprintf(cand, sizeof(cand), "%s/run/final.weights", o->work);
	if (access(cand, R_OK) != 0) {
		fprintf(stderr, "bv-adapt: %s: no finished run\n", cand);
		return 1;
	}
	if (ae_adapt_id(o->work, id, sizeof(id)) == -1)
		return 1;
	if (ae_done_before(o, id))
		return 0;
	if (ae_figures(o, cand, &b, &a, &measured) == -1)
		return 1;
	adopted = micadapt_model_decide(&b, &a, why, sizeof(why));
	p = (struct micmodel_paths){ o->cfg, cand, o->info ? o->info : "" };
	if ((fd = open(o->results, O_RDONLY | O_DIRECTORY)) < 0) {
		fprintf(stderr, "bv-adapt: %s: %s\n", o->results,
		    strerror(errno));
		return 1;
	}
	ver = micmodel_record_candidate(fd, o->mic, o->model, id, &p, &b, &a,
	    adopted, why);
	close(fd);
	if (ver == -1 || ae_write(o, id, measured, &b, &a, adopted, why,
	    ver) == -1) {
		fprintf(stderr, "bv-adapt: recording the decision failed: %s\n",
		    strerror(errno));
		return 1;
	}
	printf("bv-adapt: %s: %s (%s), version %d\n", o->mic, adopted ?
	    "adopted" : "refused", why, ver);
	return 0;
}

int
adapteval_main(int argc, char **argv)
{
	struct ae_opts	 o;

	memset(&o, 0, sizeof(o));
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--work") == 0) o.work = v;
		else if (strcmp(k, "--results") == 0) o.results = v;
		else if (strcmp(k, "--microscope") == 0) o.mic = v;
		else if (strcmp(k, "--model") == 0) o.model = v;
		else if (strcmp(k, "--names") == 0) o.names = v;
		else if (strcmp(k, "--cfg") == 0) o.cfg = v;
		else if (strcmp(k, "--weights") == 0) o.weights = v;
		else if (strcmp(k, "--info") == 0) o.info = v;
		else if (strcmp(k, "--bv-train") == 0) o.train = v;
		else if (strcmp(k, "--bv-eval") == 0) o.eval = v;
		else if (strcmp(k, "--val-lists") == 0) o.vals = v;
		else if (strcmp(k, "--figures") == 0) o.figures = v;
		else
			return 2;
	}
	if (!o.work || !o.results || !o.mic || !o.model || !o.names ||
	    !o.cfg || !o.weights || (o.figures == NULL && (!o.train ||
	    !o.eval)))
		return 2;
	return ae_evaluate(&o);
}
