/* test_micserve.c: the detector a microscope's uploads run: its adopted model, cached at most MICSERVE_MAX per process (least recently used closed), the shipped one otherwise and after a rollback */
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
	env = (struct micserve_env){ fd, dir, "v3", names, "darknet", 1 };

	/* no microscope, an unknown one, another model's name: shipped */
	CHECK(micserve_detector(&env, "", shipped, &v, NULL, 0) == shipped &&
	    v == 0);
	CHECK(micserve_detector(&env, "nosuch", shipped, &v, NULL, 0) ==
	    shipped && v == 0);
	env.model = "v2";
	CHECK(micserve_detector(&env, "m1", shipped, &v, NULL, 0) == shipped);
	env.model = "v3";

	/* loaded on first use, then cached */
	d1 = micserve_detector(&env, "m1", shipped, &v, got, sizeof(got));
	CHECK(d1 != NULL && d1 != shipped && v == 1);
	CHECK(strncmp(got, "models/m1-", 10) == 0);
	d2 = micserve_detector(&env, "m2", shipped, &v, NULL, 0);
	CHECK(d2 != NULL && d2 != shipped && d2 != d1);
	CHECK(micserve_detector(&env, "m1", shipped, &v, NULL, 0) == d1);
	micserve_stats(&cached, &opened);
	CHECK(cached == 2 && opened == 2);
	/* a third: bounded, the least recently used (m2) closed */
	d3 = micserve_detector(&env, "m3", shipped, &v, NULL, 0);
	CHECK(d3 != NULL && d3 != shipped);
	micserve_stats(&cached, &opened);
	CHECK(cached == MICSERVE_MAX && opened == 3);
	CHECK(micserve_detector(&env, "m1", shipped, &v, NULL, 0) == d1);
	micserve_stats(&cached, &opened);
	CHECK(opened == 3);
	(void)micserve_detector(&env, "m2", shipped, &v, NULL, 0);
	micserve_stats(&cached, &opened);
	CHECK(cached == MICSERVE_MAX && opened == 4);

	/* rollback: the next call gives the shipped detector */
	CHECK(micstore_update(fd, "m1", rollback_fn, NULL) == 0);
	CHECK(micserve_detector(&env, "m1", shipped, &v, NULL, 0) == shipped &&
	    v == 0);

	micserve_clear();
	micserve_stats(&cached, &opened);
	CHECK(cached == 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_micserve");
}
