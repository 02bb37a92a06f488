/* adaptcls.c: `bv-adapt cls-prepare`: one microscope's reviewed white-cell types as a pbc-cells-like training set (adaptcls.h) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tools/adaptcls.h"
#include "clinical/micadapt.h"
#include "image/imgio.h"
#include "tools/toolutil.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AC_NAMES	16
#define AC_SIDE		189	/* 135 px box grown by 0.2 a side */

struct ac_cell {
	char	 key[PATH_MAX];		/* RESULT/CROP: the split's key */
	char	 src[PATH_MAX];		/* the crop wbcdata kept */
	char	 type[32];
};

struct ac {
	const char	*results, *mic, *names, *pbc, *out;
	int		 repeat, replay_n;
	unsigned long	 seed;
	char		 nm[AC_NAMES][32];
	int		 ncls;
	struct ac_cell	*c;
	size_t		 n, cap;
};

/* The class names, one a line.  How many, or -1. */
static int
ac_names(struct ac *a)
{
	char	 line[64];
	FILE	*f = fopen(a->names, "r");
	int	 n = 0;

	if (f == NULL)
		return -1;
	while (n < AC_NAMES && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0' && strlen(line) < sizeof(a->nm[0]))
			snprintf(a->nm[n++], sizeof(a->nm[0]), "%s", line);
	}
	fclose(f);
	return n;
}

static int
ac_named(const struct ac *a, const char *t)
{
	for (int i = 0; i < a->ncls; i++)
		if (strcmp(a->nm[i], t) == 0)
			return 1;
	return 0;
}

/* The newest review's typed cells of result id, when its microscope is
 * a->mic.  0, or -1 (no memory). */
static int
ac_result(struct ac *a, const char *id)
{
	char	 p[PATH_MAX], f[64];
	int	 v, best = 0;
	json_t	*j, *cells, *e;
	size_t	 i;

	for (v = 1; v < 1000; v++) {
		snprintf(f, sizeof(f), "wbc-types-%d.json", v);
		if (tool_pathf(p, sizeof(p), "%s/%s/%s", a->results, id, f) ==
		    0 && access(p, R_OK) == 0)
			best = v;
	}
	if (best == 0)
		return 0;
	snprintf(f, sizeof(f), "wbc-types-%d.json", best);
	tool_pathf(p, sizeof(p), "%s/%s/%s", a->results, id, f);
	if ((j = json_load_file(p, 0, NULL)) == NULL)
		return 0;
	if (strcmp(json_string_value(json_object_get(j, "microscope")) ?
	    json_string_value(json_object_get(j, "microscope")) : "",
	    a->mic) != 0) {
		json_decref(j);
		return 0;
	}
	cells = json_object_get(j, "cells");
	json_array_foreach(cells, i, e) {
		const char *crop = json_string_value(json_object_get(e, "crop"));
		const char *t = json_string_value(json_object_get(e, "type"));
		struct ac_cell *c;

		if (crop == NULL || t == NULL || !ac_named(a, t) ||
		    strlen(t) >= sizeof(c->type))
			continue;
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 256;
			if ((c = realloc(a->c, a->cap * sizeof(*c))) == NULL) {
				json_decref(j);
				return -1;
			}
			a->c = c;
		}
		c = &a->c[a->n++];
		snprintf(c->key, sizeof(c->key), "%s/%s", id, crop);
		snprintf(c->src, sizeof(c->src), "%s/%s/%s", a->results, id,
		    crop);
		snprintf(c->type, sizeof(c->type), "%s", t);
	}
	json_decref(j);
	return 0;
}

/* A crop resampled to AC_SIDE px (its longer side) as WORK/cells/N.jpg. */
static int
ac_write_crop(const struct ac *a, const struct ac_cell *c, size_t k)
{
	unsigned char	*buf = NULL, *jpg = NULL;
	size_t		 len, jlen;
	struct img	 im = { 0, 0, NULL }, rs = { 0, 0, NULL };
	char		 p[PATH_MAX], tmp[PATH_MAX + 8];
	int		 rc = -1, side;
	FILE		*f;

	if (tool_read_file(c->src, 16 << 20, &buf, &len) == -1)
		return -1;
	if (imgio_decode(buf, len, IMG_JPEG, NULL, &im) != IMG_OK) {
		fprintf(stderr, "bv-adapt: %s: not a decodable JPEG\n", c->src);
		goto out;
	}
	side = im.w > im.h ? im.w : im.h;
	if (imgio_resize_bilinear(&im, (double)AC_SIDE / side, &rs) == -1 ||
	    imgio_encode_jpeg(&rs, 95, &jpg, &jlen) == -1)
		goto out;
	snprintf(p, sizeof(p), "%s/cells/%zu.jpg", a->out, k);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	if ((f = fopen(tmp, "wb")) == NULL)
		goto out;
	rc = fwrite(jpg, 1, jlen, f) == jlen ? 0 : -1;
	if (fclose(f) != 0 || rc == -1 || rename(tmp, p) == -1)
		rc = -1;
out:
	free(jpg);
	imgio_free(&rs);
	imgio_free(&im);
	free(buf);
	return rc;
}

static unsigned long long
ac_rng(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* pbc-cells rows: replay_n train rows drawn (seeded), every val row as
 * pbcval, the file names through the link WORK/pbc. */
static int
ac_pbc_rows(const struct ac *a, FILE *out)
{
	char		 p[PATH_MAX], line[1024], **tr = NULL;
	size_t		 nt = 0, cap = 0;
	unsigned long long s = a->seed * 2654435761ULL + 1;
	FILE		*f;

	tool_pathf(p, sizeof(p), "%s/index.csv", a->pbc);
	if ((f = fopen(p, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;

		line[strcspn(line, "\r\n")] = '\0';
		if (c2 == NULL)
			continue;
		if (strcmp(c2 + 1, "val") == 0) {
			*c2 = '\0';
			fprintf(out, "pbc/%s,pbcval\n", line);
		} else if (strcmp(c2 + 1, "train") == 0) {
			*c2 = '\0';
			if (nt == cap && (cap = cap ? cap * 2 : 1024,
			    tr = realloc(tr, cap * sizeof(*tr))) == NULL)
				break;
			if ((tr[nt] = strdup(line)) != NULL)
				nt++;
		}
	}
	fclose(f);
	for (size_t i = 0; i < nt && i < (size_t)a->replay_n; i++) {
		size_t j = i + ac_rng(&s) % (nt - i);
		char *t = tr[i];

		tr[i] = tr[j];
		tr[j] = t;
		fprintf(out, "pbc/%s,train\n", tr[i]);
	}
	for (size_t i = 0; i < nt; i++)
		free(tr[i]);
	free(tr);
	return nt > 0 ? 0 : -1;
}

/* WORK/index.csv through index.csv.tmp.  0, or -1. */
static int
ac_index(const struct ac *a, const unsigned char *held)
{
	char	 p[PATH_MAX], tmp[PATH_MAX + 8];
	FILE	*f;
	int	 rc;

	snprintf(p, sizeof(p), "%s/index.csv", a->out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	for (size_t k = 0; k < a->n; k++) {
		if (held[k]) {
			fprintf(f, "cells/%zu.jpg,%s,held\n", k, a->c[k].type);
			continue;
		}
		for (int r = 0; r < a->repeat; r++)
			fprintf(f, "cells/%zu.jpg,%s,train\n", k, a->c[k].type);
		fprintf(f, "cells/%zu.jpg,%s,val\n", k, a->c[k].type);
	}
	rc = ac_pbc_rows(a, f);
	if (fclose(f) != 0 || rc == -1 || rename(tmp, p) == -1) {
		fprintf(stderr, "bv-adapt: %s: cannot write it (pbc-cells at "
		    "%s?)\n", p, a->pbc);
		return -1;
	}
	return 0;
}

/* Collect, split, write the crops and the index.  Exit status. */
static int
ac_prepare(struct ac *a)
{
	DIR		*d;
	struct dirent	*e;
	const char	**keys = NULL;
	unsigned char	*held = NULL;
	char		 p[PATH_MAX];
	size_t		 nh = 0;
	int		 rc = 1;

	if ((a->ncls = ac_names(a)) < 2 ||
	    (d = opendir(a->results)) == NULL) {
		fprintf(stderr, "bv-adapt: %s or %s: cannot read\n", a->names,
		    a->results);
		return 1;
	}
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && ac_result(a, e->d_name) == -1)
			break;
	closedir(d);
	snprintf(p, sizeof(p), "%s/cells", a->out);
	(void)mkdir(a->out, 0755);
	(void)mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/pbc", a->out);
	(void)unlink(p);
	if (symlink(a->pbc, p) == -1)
		goto out;
	keys = calloc(a->n + 1, sizeof(*keys));
	held = calloc(a->n + 1, 1);
	if (keys == NULL || held == NULL)
		goto out;
	for (size_t k = 0; k < a->n; k++)
		keys[k] = a->c[k].key;
	micadapt_split(keys, a->n, held);
	for (size_t k = 0; k < a->n; k++) {
		nh += held[k];
		if (ac_write_crop(a, &a->c[k], k) == -1)
			goto out;
	}
	if (ac_index(a, held) == -1)
		goto out;
	printf("bv-adapt: %zu reviewed white cells of %s: %zu fit (x%d), %zu "
	    "held out; replay %d pbc-cells train crops\n", a->n, a->mic,
	    a->n - nh, a->repeat, nh, a->replay_n);
	rc = nh >= MICADAPT_MIN_CELLS && a->n - nh >= MICADAPT_MIN_CELLS ?
	    0 : 2;
	if (rc == 2)
		fprintf(stderr, "bv-adapt: fewer than %d reviewed cells on a "
		    "side\n", MICADAPT_MIN_CELLS);
out:
	if (rc == 1)
		fprintf(stderr, "bv-adapt: %s: %s\n", a->out, strerror(errno));
	free(keys);
	free(held);
	free(a->c);
	return rc;
}

int
adaptcls_prepare_main(int argc, char **argv)
{
	struct ac	 a = { .repeat = 3, .replay_n = 300, .seed = 26 };

	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--results") == 0) a.results = v;
		else if (strcmp(k, "--microscope") == 0) a.mic = v;
		else if (strcmp(k, "--names") == 0) a.names = v;
		else if (strcmp(k, "--pbc") == 0) a.pbc = v;
		else if (strcmp(k, "--out") == 0) a.out = v;
		else if (strcmp(k, "--repeat") == 0) a.repeat = atoi(v);
		else if (strcmp(k, "--replay-n") == 0) a.replay_n = atoi(v);
		else if (strcmp(k, "--seed") == 0) a.seed = strtoul(v, NULL, 10);
		else
			return 64;
	}
	if (!a.results || !a.mic || !a.names || !a.pbc || !a.out ||
	    a.repeat < 1 || a.replay_n < 0)
		return 64;
	return ac_prepare(&a);
}
