/* bv-convert.c: BCCD (Pascal VOC) to Darknet labels and list files */
/*
 * Usage: bv-convert [-q] DATASET WORKDIR
 *
 * DATASET is the BCCD folder holding JPEGImages/, Annotations/ and
 * ImageSets/Main/ (or its parent holding BCCD/).  WORKDIR receives
 *   JPEGImages/ID.jpg   symlinks to the dataset's images
 *   labels/ID.txt       "class cx cy w h", relative to the image size
 *   train.txt val.txt trainval.txt test.txt   absolute image paths
 * Darknet finds a label by rewriting "JPEGImages" to "labels" and ".jpg"
 * to ".txt" in the image path, hence the two sibling folders.  BCCD's own
 * splits are kept; nothing is ever written below DATASET.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* realpath(), symlink() */
#endif
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/voc.h"
#include "tools/toolutil.h"

static const char *const splits[] = { "train", "val", "trainval", "test" };

static int
mkdir_p(const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "bv-convert: mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Valid BCCD ids are short names of [A-Za-z0-9_-]; refuse anything else. */
static int
id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128)
		return 0;
	for (; *id; id++)
		if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
		    (*id >= '0' && *id <= '9') || *id == '_' || *id == '-'))
			return 0;
	return 1;
}

/* Write WORKDIR/labels/ID.txt atomically; returns 0 or -1. */
static int
write_label(const char *work, const char *id, const struct voc_ann *a)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	if (tool_pathf(path, sizeof path, "%s/labels/%s.txt", work, id) == -1 ||
	    tool_pathf(tmp, sizeof tmp, "%s.tmp", path) == -1)
		return -1;
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "bv-convert: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct voc_box *b = &a->boxes[i];

		fprintf(f, "%d %.6f %.6f %.6f %.6f\n", b->cls,
		    (b->xmin + b->xmax) / 2 / a->width,
		    (b->ymin + b->ymax) / 2 / a->height,
		    (b->xmax - b->xmin) / a->width,
		    (b->ymax - b->ymin) / a->height);
	}
	if (fclose(f) == EOF || rename(tmp, path) == -1) {
		fprintf(stderr, "bv-convert: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
convert_split(const char *ds, const char *work, const char *split, int quiet,
    size_t *tot_boxes, size_t *tot_dropped, size_t *tot_clamped)
{
	char path[PATH_MAX], line[256], err[512], img[PATH_MAX], link[PATH_MAX];
	char outp[PATH_MAX], tmp[PATH_MAX];
	FILE *in = NULL, *out = NULL;
	size_t nimg = 0;
	int rc = -1;

	snprintf(path, sizeof path, "%s/ImageSets/Main/%s.txt", ds, split);
	if ((in = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bv-convert: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (tool_pathf(outp, sizeof outp, "%s/%s.txt", work, split) == -1 ||
	    tool_pathf(tmp, sizeof tmp, "%s.tmp", outp) == -1)
		goto cleanup;
	if ((out = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "bv-convert: %s: %s\n", tmp, strerror(errno));
		goto cleanup;
	}
	while (fgets(line, sizeof line, in) != NULL) {
		struct voc_ann a;
		size_t dropped, clamped;

		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (!id_ok(line)) {
			fprintf(stderr, "bv-convert: %s: bad id '%s'\n", path, line);
			goto cleanup;
		}
		if (tool_pathf(path, sizeof path, "%s/Annotations/%s.xml", ds, line) == -1)
			goto cleanup;
		if (voc_read(path, &a, err, sizeof err) == -1) {
			fprintf(stderr, "bv-convert: %s\n", err);
			goto cleanup;
		}
		dropped = voc_clean(&a, &clamped);
		if (!quiet && (dropped || clamped))
			fprintf(stderr, "bv-convert: %s: %zu zero-size box(es) "
			    "skipped, %zu clamped to the border\n", line,
			    dropped, clamped);
		*tot_boxes += a.n;
		*tot_dropped += dropped;
		*tot_clamped += clamped;
		if (write_label(work, line, &a) == -1) {
			voc_ann_clear(&a);
			goto cleanup;
		}
		voc_ann_clear(&a);

		if (tool_pathf(img, sizeof img, "%s/JPEGImages/%s.jpg", ds, line) == -1 ||
		    tool_pathf(link, sizeof link, "%s/JPEGImages/%s.jpg", work, line) == -1)
			goto cleanup;
		if (access(img, R_OK) == -1) {
			fprintf(stderr, "bv-convert: %s: %s\n", img, strerror(errno));
			goto cleanup;
		}
		unlink(link);
		if (symlink(img, link) == -1) {
			fprintf(stderr, "bv-convert: symlink %s: %s\n", link, strerror(errno));
			goto cleanup;
		}
		fprintf(out, "%s\n", link);
		nimg++;
	}
	if (fclose(out) == EOF) {
		out = NULL;
		fprintf(stderr, "bv-convert: %s: %s\n", tmp, strerror(errno));
		goto cleanup;
	}
	out = NULL;
	if (rename(tmp, outp) == -1) {
		fprintf(stderr, "bv-convert: %s: %s\n", outp, strerror(errno));
		goto cleanup;
	}
	if (!quiet)
		printf("%s: %zu images\n", split, nimg);
	rc = 0;
cleanup:
	if (out != NULL)
		fclose(out);
	fclose(in);
	return rc;
}

/*
 * Absolute, symlink-free form of a path that may not exist yet: its
 * parent must exist.  Lets us refuse a WORKDIR inside the dataset before
 * creating anything.
 */
static int
resolve(const char *in, char *out)
{
	char a[PATH_MAX], b[PATH_MAX], parent[PATH_MAX];

	if (realpath(in, out) != NULL)
		return 0;
	if (errno != ENOENT || tool_pathf(a, sizeof a, "%s", in) == -1 ||
	    tool_pathf(b, sizeof b, "%s", in) == -1)
		return -1;
	if (realpath(dirname(a), parent) == NULL)
		return -1;
	return tool_pathf(out, PATH_MAX, "%s/%s", parent, basename(b));
}

int
main(int argc, char **argv)
{
	char ds[PATH_MAX], work[PATH_MAX], probe[PATH_MAX], sub[PATH_MAX];
	size_t boxes = 0, dropped = 0, clamped = 0, n;
	int quiet = 0, argi = 1;
	struct stat st;

	if (argi < argc && strcmp(argv[argi], "-q") == 0) {
		quiet = 1;
		argi++;
	}
	if (argc - argi != 2) {
		fprintf(stderr, "usage: bv-convert [-q] DATASET WORKDIR\n");
		return 2;
	}
	if (realpath(argv[argi], ds) == NULL) {
		fprintf(stderr, "bv-convert: %s: %s\n", argv[argi], strerror(errno));
		return 1;
	}
	if (tool_pathf(probe, sizeof probe, "%s/BCCD/Annotations", ds) == -1)
		return 1;
	if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode) &&
	    tool_pathf(ds + strlen(ds), sizeof ds - strlen(ds), "/BCCD") == -1)
		return 1;
	if (resolve(argv[argi + 1], work) == -1) {
		fprintf(stderr, "bv-convert: %s: %s\n", argv[argi + 1], strerror(errno));
		return 1;
	}
	/* The dataset is shared and read-only by policy: refuse to write in it. */
	n = strlen(ds);
	if (strncmp(work, ds, n) == 0 && (work[n] == '/' || work[n] == '\0')) {
		fprintf(stderr, "bv-convert: refusing to write inside the dataset\n");
		return 1;
	}
	if (mkdir_p(work) == -1 ||
	    tool_pathf(sub, sizeof sub, "%s/JPEGImages", work) == -1 || mkdir_p(sub) == -1 ||
	    tool_pathf(sub, sizeof sub, "%s/labels", work) == -1 || mkdir_p(sub) == -1)
		return 1;
	for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++)
		if (convert_split(ds, work, splits[i], quiet, &boxes, &dropped,
		    &clamped) == -1)
			return 1;
	if (!quiet)
		printf("boxes written %zu, zero-size skipped %zu, clamped %zu "
		    "(counted over all lists, trainval repeats train+val)\n",
		    boxes, dropped, clamped);
	return 0;
}
