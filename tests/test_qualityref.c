/* test_qualityref.c: a microscope's field-quality reference read from a real results store follows every attach, detach and removal */
/*
 * qualityref_for() keeps what it read (each result's measures, each
 * sample's result list) and reads again only the samples whose files
 * changed: here each step changes the store and the reference must be
 * the hand-worked median of what is attached now, never a stale one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mkdtemp under -std=c11 */
#endif

#include "check.h"
#include "clinical/qualityref.h"
#include "store/ids.h"
#include "store/results.h"
#include "store/samples.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char	 tmpdir[] = "/tmp/test_qualityref.XXXXXX";
static int	 rfd = -1;

/* A stored result of microscope mic, focus f (stains fixed), poor or not. */
static void
result(char id[ID_LEN + 1], const char *mic, double f, int poor)
{
	char			 buf[400];
	struct result_file	 rf = { "result.json", buf, 0 };

	CHECK(id_new(id) == 0);
	rf.len = (size_t)snprintf(buf, sizeof(buf), "{\"id\":\"%s\","
	    "\"microscope\":\"%s\",\"quality\":{\"poor\":%s,\"measures\":{"
	    "\"edge_sharpness\":%.4f,\"stain_blue_rg\":0.3,\"stain_pink\":0.45,"
	    "\"stain_faded\":0.6}}}\n", id, mic, poor ? "true" : "false", f);
	CHECK(results_commit(rfd, id, &rf, 1) == RESULTS_OK);
}

static void
new_sample(char sid[ID_LEN + 1])
{
	json_t	*s = json_pack("{s:s}", "code", "QR-T");

	CHECK(samples_create(rfd, s, sid, ID_LEN + 1) == SAMPLES_OK);
	json_decref(s);
}

/* Attach to sid a result of mic with focus f; its id in id. */
static void
attach(const char *sid, char id[ID_LEN + 1], const char *mic, double f,
    int poor)
{
	result(id, mic, f, poor);
	CHECK(samples_attach(rfd, sid, id) == SAMPLES_OK);
}

/* The reference of mic now: used (1/0), its field count and focus. */
static int
ref_now(const char *mic, long *n, double *focus)
{
	struct quality_ref	 ref = { 0, 0, 0, 0 };
	int			 used = qualityref_for(rfd, mic, &ref, n);

	*focus = used ? ref.focus : NAN;
	return used;
}

int
main(void)
{
	char	 a[ID_LEN + 1], b[ID_LEN + 1], id[ID_LEN + 1], last[ID_LEN + 1];
	long	 n;
	double	 focus;
	int	 i;

	CHECK(mkdtemp(tmpdir) != NULL);
	CHECK((rfd = open(tmpdir, O_RDONLY | O_DIRECTORY)) != -1);
	CHECK(ref_now("scope-a", &n, &focus) == 0 && n == 0);
	new_sample(a);
	/* 9 clean fields (focus 0.10 .. 0.18), a poor one, another scope's */
	for (i = 0; i < 9; i++)
		attach(a, id, "scope-a", 0.10 + 0.01 * i, 0);
	attach(a, id, "scope-a", 0.99, 1);
	attach(a, id, "scope-b", 0.99, 0);
	CHECK(ref_now("scope-a", &n, &focus) == 0 && n == 9);
	/* the tenth clean field, in a second sample: the reference is used */
	new_sample(b);
	attach(b, last, "scope-a", 0.30, 0);
	CHECK(ref_now("scope-a", &n, &focus) == 1 && n == 10);
	CHECK(fabs(focus - 0.145) < 1e-9);	/* (0.14 + 0.15) / 2 */
	/* asked again with nothing changed: the same */
	CHECK(ref_now("scope-a", &n, &focus) == 1 && n == 10 &&
	    fabs(focus - 0.145) < 1e-9);
	/* one more into the first sample: 11 fields, median 0.15 */
	attach(a, id, "scope-a", 0.40, 0);
	CHECK(ref_now("scope-a", &n, &focus) == 1 && n == 11 &&
	    fabs(focus - 0.15) < 1e-9);
	/* taken out of its sample again: back to 10 */
	CHECK(samples_detach(rfd, a, id) == SAMPLES_OK);
	CHECK(ref_now("scope-a", &n, &focus) == 1 && n == 10 &&
	    fabs(focus - 0.145) < 1e-9);
	/* the second sample removed: 9 fields, the defaults again */
	CHECK(samples_remove(rfd, b) == SAMPLES_OK);
	CHECK(ref_now("scope-a", &n, &focus) == 0 && n == 9);
	/* the other scope's single field is its own, below the minimum */
	CHECK(ref_now("scope-b", &n, &focus) == 0 && n == 1);
	close(rfd);
	{
		char	 cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		CHECK(system(cmd) == 0);
	}
	return check_done("test_qualityref");
}
