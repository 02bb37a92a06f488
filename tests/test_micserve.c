/* test_micserve.c: what a microscope's uploads and live frames run: its adopted model (cached at most MICSERVE_MAX per process, least recently used closed) and thresholds from one read of its state, the shipped ones otherwise and after a rollback */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clinical/micadapt.h"
#include "clinical/micmodel.h"
#include "clinical/micserve.h"
#include "store/micstore.h"

static int
rollback_fn(json_t *st, void *arg)
{
	(void)arg;
	return micadapt_rollback(st) == -1 ? -1 : 0;
}

/* A state whose current version 1 holds thresholds {"RBC": 0.2} for v3. */
static int
thr_fn(json_t *st, void *arg)
{
	(void)arg;
	json_array_append_new(json_object_get(st, "versions"), json_pack(
	    "{s:i,s:s,s:s,s:b,s:{s:f}}", "version", 1, "kind", "thresholds",
	    "model", "v3", "adopted", 1, "thresholds", "RBC", 0.2));
	json_object_set_new(st, "current", json_integer(1));
	return 0;
}

/* The detector of microscope mic through micserve_detector(), its state
 * read here. */
static struct detector *
det_of(const struct micserve_env *env, const char *mic,
    struct detector *shipped, int *v, char *dir, size_t dirlen)
{
	json_t		*st = micstore_load(env->results_fd, mic);
	struct detector	*d = micserve_detector(env, st, shipped, v, dir,
			    dirlen);

	json_decref(st);
	return d;
}

/*
 * micserve_use(): model and thresholds of one state; json says which.
 * m1 has an adopted model (version 1), t1 adopted thresholds.
 */
static void
check_use(const struct micserve_env *env, struct detector *shipped,
    struct detector *d1)
{
	const char		*nm[3] = { "RBC", "WBC", "Platelets" };
	double			 thr[3] = { 0.5, 0.4, 0.3 };
	struct micserve_use	 u;
	json_t			*j;

	micserve_use(env, "t1", shipped, nm, 3, thr, &u);
	CHECK(u.det == shipped && u.model == 0 && u.thresholds == 1);
	CHECK(thr[0] == 0.2 && thr[1] == 0.4 && thr[2] == 0.3);
	j = micserve_json("t1", &u);
	CHECK(json_integer_value(json_object_get(j, "version")) == 1 &&
	    strcmp(json_string_value(json_object_get(j, "kind")),
	    "thresholds") == 0);
	json_decref(j);
	/* clamped to the floor, as the configured thresholds are */
	thr[0] = 0.5;
	((struct micserve_env *)env)->min_confidence = 0.25;
	micserve_use(env, "t1", shipped, nm, 3, thr, &u);
	CHECK(thr[0] == 0.25);
	((struct micserve_env *)env)->min_confidence = 0.01;
	/* a request's own threshold: no thresholds read, the model still */
	micserve_use(env, "m1", shipped, nm, 3, NULL, &u);
	CHECK(u.det == d1 && u.model == 1 && u.thresholds == 0);
	j = micserve_json("m1", &u);
	CHECK(strcmp(json_string_value(json_object_get(j, "kind")),
	    "model") == 0);
	json_decref(j);
	micserve_use(env, NULL, shipped, nm, 3, thr, &u);
	CHECK(u.det == shipped && u.model == 0 && u.thresholds == 0);
	CHECK(json_is_null(j = micserve_json(NULL, &u)));
	json_decref(j);
}

/* Adopt the fixture model for microscope mic (a fixture candidate). */
static void
adopt(int fd, const char *mic, const struct micmodel_paths *p)
{
	struct micadapt_eval	 cur = { 0.70, -0.150, { 0.969 }, 1 };
	struct micadapt_eval	 good = { 0.82, -0.040, { 0.968 }, 1 };
	char			 why[256];

	CHECK(micadapt_model_decide(&cur, &good, why, sizeof(why)) == 1);
	CHECK(micmodel_record_candidate(fd, mic, "v3", "run-1", p, &cur, &good,
	    1, why) == 1);
}

int
main(void)
{
	const char		*top = getenv("top_srcdir");
	char			 cfg[1024], w[1024], names[1024], cmd[128];
	char			 dir[] = "/tmp/test-micserve.XXXXXX", got[128];
	struct micmodel_paths	 p;
	struct micserve_env	 env;
	struct detector		*shipped = (struct detector *)&env; /* a token */
	struct detector		*d1, *d2, *d3;
	unsigned long		 opened;
	struct micserve_use	 u;
	json_t			*held;
	int			 fd, v, cached;

	snprintf(cfg, sizeof(cfg), "%s/models/v3.cfg", top ? top : ".");
	snprintf(w, sizeof(w), "%s/models/v3.weights", top ? top : ".");
	snprintf(names, sizeof(names), "%s/models/bccd.names", top ? top : ".");
	if (access(w, R_OK) != 0) {
		printf("SKIP: %s missing\n", w);
		return 77;
	}
	CHECK(mkdtemp(dir) != NULL);
	CHECK((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0);
	p = (struct micmodel_paths){ cfg, w, "" };
	adopt(fd, "m1", &p);
	adopt(fd, "m2", &p);
	adopt(fd, "m3", &p);
	CHECK(micstore_update(fd, "t1", thr_fn, NULL) == 0);
	env = (struct micserve_env){ fd, dir, "v3", names, "darknet", 1,
	    0.01 };

	/* no microscope, an unknown one, another model's name: shipped */
	CHECK(micserve_detector(&env, NULL, shipped, &v, NULL, 0) == shipped &&
	    v == 0);
	CHECK(det_of(&env, "nosuch", shipped, &v, NULL, 0) == shipped &&
	    v == 0);
	env.model = "v2";
	CHECK(det_of(&env, "m1", shipped, &v, NULL, 0) == shipped);
	env.model = "v3";

	/* loaded on first use, then cached */
	d1 = det_of(&env, "m1", shipped, &v, got, sizeof(got));
	CHECK(d1 != NULL && d1 != shipped && v == 1);
	CHECK(strncmp(got, "models/m1-", 10) == 0);
	d2 = det_of(&env, "m2", shipped, &v, NULL, 0);
	CHECK(d2 != NULL && d2 != shipped && d2 != d1);
	CHECK(det_of(&env, "m1", shipped, &v, NULL, 0) == d1);
	micserve_stats(&cached, &opened);
	CHECK(cached == 2 && opened == 2);
	/* a third: bounded, the least recently used (m2) closed */
	d3 = det_of(&env, "m3", shipped, &v, NULL, 0);
	CHECK(d3 != NULL && d3 != shipped);
	micserve_stats(&cached, &opened);
	CHECK(cached == MICSERVE_MAX && opened == 3);
	CHECK(det_of(&env, "m1", shipped, &v, NULL, 0) == d1);
	micserve_stats(&cached, &opened);
	CHECK(opened == 3);
	(void)det_of(&env, "m2", shipped, &v, NULL, 0);
	micserve_stats(&cached, &opened);
	CHECK(cached == MICSERVE_MAX && opened == 4);

	check_use(&env, shipped, d1);

	/* the state given is the one used: not read again from the disk */
	CHECK((held = micstore_load(fd, "m1")) != NULL);
	CHECK(micstore_update(fd, "m1", rollback_fn, NULL) == 0);
	CHECK(micserve_detector(&env, held, shipped, &v, NULL, 0) == d1 &&
	    v == 1);
	json_decref(held);
	/* rollback: the next upload gives the shipped detector */
	CHECK(det_of(&env, "m1", shipped, &v, NULL, 0) == shipped &&
	    v == 0);
	micserve_use(&env, "m1", shipped, NULL, 0, NULL, &u);
	CHECK(u.det == shipped && u.model == 0);

	micserve_clear();
	micserve_stats(&cached, &opened);
	CHECK(cached == 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_micserve");
}
