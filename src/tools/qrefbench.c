/* qrefbench.c: time building a microscope's field-quality reference from a store of sampled results */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mkdtemp under -std=c11 */
#endif

#include "tools/qrefbench.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clinical/qualityref.h"
#include "store/ids.h"
#include "store/results.h"
#include "store/samples.h"

#define MIC	"bench-scope"
#define RUNS	21

static double
now_ms(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
cmp_ms(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A stored result recorded with MIC, its measures varied by k; id. */
static int
bench_result(int fd, int k, char id[ID_LEN + 1])
{
	char			 buf[512];
	struct result_file	 f = { "result.json", buf, 0 };
	int			 n;

	if (id_new(id) != 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "{\"id\":\"%s\",\"microscope\":\""
	    MIC "\",\"quality\":{\"poor\":false,\"measures\":{\"focus\":"
	    "%.4f,\"stain_blue_rg\":%.4f,\"stain_pink\":%.4f,\"stain_faded\":"
	    "%.4f}}}\n", id, 0.25 + 0.001 * (k % 97), 0.18 + 0.001 * (k % 41),
	    0.42 + 0.001 * (k % 37), 0.55 + 0.002 * (k % 53));
	f.len = (size_t)n;
	return results_commit(fd, id, &f, 1) == RESULTS_OK ? 0 : -1;
}

/* A sample holding fields results; its id in sid. */
static int
bench_sample(int fd, int fields, int *k, char sid[ID_LEN + 1])
{
	json_t	*s = json_pack("{s:s}", "code", "BENCH");
	char	 rid[ID_LEN + 1];
	int	 i;

	if (s == NULL || samples_create(fd, s, sid, ID_LEN + 1) != SAMPLES_OK) {
		json_decref(s);
		return -1;
	}
	json_decref(s);
	for (i = 0; i < fields; i++)
		if (bench_result(fd, (*k)++, rid) == -1 ||
		    samples_attach(fd, sid, rid) != SAMPLES_OK)
			return -1;
	return 0;
}

/* One qualityref_for() call, ms; -1 when the reference did not build. */
static double
bench_call(int fd, long want)
{
	struct quality_ref	 ref;
	long			 n;
	double			 t = now_ms();
	int			 used = qualityref_for(fd, MIC, &ref, &n);

	t = now_ms() - t;
	return used && n == want ? t : -1;
}

static void
report(const char *what, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof(*ms), cmp_ms);
	printf("%-34s median %8.3f ms  min %8.3f  max %8.3f  (%d calls)\n",
	    what, ms[n / 2], ms[0], ms[n - 1], n);
}

static int
bench_time(int fd, const char *sid, long fields)
{
	double	 first, hit[RUNS], attach[RUNS];
	char	 rid[ID_LEN + 1];
	int	 i, k = 1000000;

	if ((first = bench_call(fd, fields)) < 0)
		return -1;
	for (i = 0; i < RUNS; i++)
		if ((hit[i] = bench_call(fd, fields)) < 0)
			return -1;
	for (i = 0; i < RUNS; i++) {
		if (bench_result(fd, k++, rid) == -1 ||
		    samples_attach(fd, sid, rid) != SAMPLES_OK ||
		    (attach[i] = bench_call(fd, ++fields)) < 0)
			return -1;
	}
	printf("%-34s %8.3f ms  (%ld fields)\n", "first call of a process", first,
	    fields - RUNS);
	report("nothing changed since the last", hit, RUNS);
	report("after an attach", attach, RUNS);
	return 0;
}

int
qrefbench_run(int argc, char **argv)
{
	char	 dir[] = "/tmp/qrefbench.XXXXXX", sid[ID_LEN + 1], cmd[64];
	int	 ns = argc > 0 ? atoi(argv[0]) : 50, nf = argc > 1 ?
		    atoi(argv[1]) : 20, fd, i, k = 0, rc = 1;

	if (ns < 1 || nf < 1 || ns > 10000 || nf > 1000) {
		fprintf(stderr, "bv-quality refbench: SAMPLES 1..10000, "
		    "FIELDS 1..1000\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL || (fd = open(dir, O_RDONLY |
	    O_DIRECTORY)) == -1) {
		perror(dir);
		return 1;
	}
	for (i = 0; i < ns; i++)
		if (bench_sample(fd, nf, &k, sid) == -1)
			break;
	if (i < ns)
		fprintf(stderr, "bv-quality refbench: could not build the "
		    "store in %s\n", dir);
	else {
		printf("%d samples x %d fields, one microscope\n", ns, nf);
		rc = bench_time(fd, sid, (long)ns * nf) == -1;
		if (rc)
			fprintf(stderr, "bv-quality refbench: no reference\n");
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bv-quality refbench: %s left\n", dir);
	return rc;
}
