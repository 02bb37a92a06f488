/* bv-calib.c: calibrate the int8 XNNPACK engine's activation ranges */
/*
 * Runs a split's images through the server's own decode, letterbox and
 * fp32 XNNPACK engine, records every layer's activation range and writes
 * them where detector_open() looks for them (x.weights -> x.int8), or to
 * --out.  Calibration is a model choice: train (or val) only; the test
 * split is refused.
 */

#include "vision/detector.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "tools/toolutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage(void)
{
	fprintf(stderr, "usage: bv-calib --cfg CFG --weights W --names N "
	    "--dataset DIR\n  [--split train] [--limit N] [--threads 1] "
	    "[--out FILE]   (default FILE: W with .int8 for .weights)\n");
}

int
main(int argc, char **argv)
{
	const char	*cfg = NULL, *weights = NULL, *names = NULL,
			*dataset = NULL, *split = "train", *out = NULL;
	char		 path[PATH_MAX], dflt[PATH_MAX], line[256], id[128],
			 err[512];
	struct detector	*det;
	struct img_limits lim;
	struct img	 im;
	unsigned char	*buf;
	size_t		 len;
	FILE		*f;
	int		 i, limit = 0, threads = 1, n = 0, rc = 1;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--cfg") == 0)
			cfg = argv[i + 1];
		else if (strcmp(argv[i], "--weights") == 0)
			weights = argv[i + 1];
		else if (strcmp(argv[i], "--names") == 0)
			names = argv[i + 1];
		else if (strcmp(argv[i], "--dataset") == 0)
			dataset = argv[i + 1];
		else if (strcmp(argv[i], "--split") == 0)
			split = argv[i + 1];
		else if (strcmp(argv[i], "--limit") == 0)
			limit = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--threads") == 0)
			threads = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--out") == 0)
			out = argv[i + 1];
		else
			break;
	}
	if (i != argc || cfg == NULL || weights == NULL || names == NULL ||
	    dataset == NULL) {
		usage();
		return 2;
	}
	if (strcmp(split, "test") == 0) {
		fprintf(stderr, "bv-calib: never calibrate on the test split\n");
		return 2;
	}
	if (out == NULL) {
		if (detector_calib_path(weights, dflt, sizeof(dflt)) == -1)
			return 2;
		out = dflt;
	}
	if ((det = detector_open(cfg, weights, names, DETECTOR_XNNPACK,
	    threads, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bv-calib: %s\n", err);
		return 1;
	}
	if (detector_engine(det) != DETECTOR_XNNPACK) {
		fprintf(stderr, "bv-calib: the xnnpack engine does not run "
		    "this network\n");
		goto out;
	}
	if (tool_pathf(path, sizeof(path), "%s/BCCD/ImageSets/Main/%s.txt",
	    dataset, split) == -1)
		goto out;
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		goto out;
	}
	img_limits_default(&lim);
	while ((limit <= 0 || n < limit) && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s", id) != 1)
			continue;
		if (tool_pathf(path, sizeof(path), "%s/BCCD/JPEGImages/%s.jpg",
		    dataset, id) == -1 ||
		    tool_read_file(path, 64UL << 20, &buf, &len) == -1) {
			fprintf(stderr, "bv-calib: cannot read %s\n", path);
			continue;
		}
		if (imgio_decode(buf, len, IMG_JPEG, &lim, &im) == IMG_OK) {
			if (detector_calib_add(det, &im) == 0)
				n++;
			imgio_free(&im);
		}
		free(buf);
	}
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "bv-calib: no image of split %s\n", split);
		goto out;
	}
	if (detector_calib_write(det, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "bv-calib: %s\n", err);
		goto out;
	}
	printf("bv-calib: %d %s images -> %s\n", n, split, out);
	rc = 0;
out:
	detector_free(det);
	return rc;
}
