/* traindata.c: bv-train's data: image lists, YOLO labels, ignore regions */
/*
 * Images are decoded once by libdarknet (load_image_color) and kept for
 * the whole run; labels are YOLO text files beside them (tool_label_path).
 * Validation inputs are prepared once too (traindata_valset).
 */
#include "tools/traindata.h"
#include "tools/toolutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

/* labels=partial: one ignore region (class 0's) over the whole image. */
static int
sample_add_whole_ignore(struct sample *s, int cap)
{
	if (s->nb == cap) {
		float *nb = realloc(s->b, (cap + 1) * 5 * sizeof *nb);

		if (nb == NULL)
			return -1;
		s->b = nb;
	}
	s->b[s->nb * 5 + 0] = -1;
	s->b[s->nb * 5 + 1] = 0;
	s->b[s->nb * 5 + 2] = 0;
	s->b[s->nb * 5 + 3] = (float)s->im.w;
	s->b[s->nb * 5 + 4] = (float)s->im.h;
	s->nb++;
	return 0;
}

static int
sample_load(struct sample *s, char *spec, float border_aspect)
{
	char lp[PATH_MAX], line[256], *path, *tok, *save = NULL;
	FILE *f;
	int cap = 0, border_ignore = 0, partial = 0;

	memset(s, 0, sizeof *s);
	path = strtok_r(spec, " \t", &save);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strncmp(tok, "scale=", 6) == 0 && strtof(tok + 6, NULL) > 0)
			s->scale = strtof(tok + 6, NULL);
		else if (strcmp(tok, "border=ignore") == 0)
			border_ignore = 1;
		else if (strcmp(tok, "labels=partial") == 0)
			partial = 1;
		else if (strncmp(tok, "wbc=", 4) == 0 && s->wbc == NULL)
			s->wbc = strdup(tok + 4);
		else {
			fprintf(stderr, "bv-train: %s: unknown list field %s\n", path, tok);
			return -1;
		}
	}
	if (path == NULL || (s->path = strdup(path)) == NULL)
		return -1;
	/* load_image_color() exits on failure: check readability first. */
	if (access(path, R_OK) == -1) {
		fprintf(stderr, "bv-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	s->im = load_image_color(s->path, 0, 0);
	if (tool_label_path(path, lp, sizeof lp) == -1 || (f = fopen(lp, "r")) == NULL) {
		fprintf(stderr, "bv-train: no label file for %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		int c;
		float x, y, w, h;

		if (sscanf(line, "%d %f %f %f %f", &c, &x, &y, &w, &h) != 5)
			continue;
		if (s->nb == cap) {
			float *nb;

			cap = cap ? cap * 2 : 32;
			if ((nb = realloc(s->b, cap * 5 * sizeof *nb)) == NULL) {
				fclose(f);
				return -1;
			}
			s->b = nb;
		}
		s->b[s->nb * 5 + 0] = (float)c;
		s->b[s->nb * 5 + 1] = (x - w / 2) * s->im.w;
		s->b[s->nb * 5 + 2] = (y - h / 2) * s->im.h;
		s->b[s->nb * 5 + 3] = (x + w / 2) * s->im.w;
		s->b[s->nb * 5 + 4] = (y + h / 2) * s->im.h;
		if (border_ignore && w > 0 && h > 0) {
			float pw = w * s->im.w, ph = h * s->im.h;
			float asp = pw < ph ? pw / ph : ph / pw;
			int edge = s->b[s->nb * 5 + 1] < 2 || s->b[s->nb * 5 + 2] < 2 ||
			    s->b[s->nb * 5 + 3] > s->im.w - 2 ||
			    s->b[s->nb * 5 + 4] > s->im.h - 2;

			if (edge && asp < border_aspect)
				s->b[s->nb * 5 + 0] = (float)(-1 - c);
		}
		s->nb++;
	}
	fclose(f);
	return partial ? sample_add_whole_ignore(s, cap) : 0;
}

int
traindata_load(struct dataset *ds, const char *list, float border_aspect)
{
	char line[TRAINDATA_MAXLINE];
	FILE *f;
	int cap = 0;

	memset(ds, 0, sizeof *ds);
	if ((f = fopen(list, "r")) == NULL) {
		fprintf(stderr, "bv-train: %s: %s\n", list, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (ds->n == cap) {
			struct sample *ns;

			cap = cap ? cap * 2 : 256;
			if ((ns = realloc(ds->s, cap * sizeof *ns)) == NULL)
				goto fail;
			ds->s = ns;
		}
		if (sample_load(&ds->s[ds->n], line, border_aspect) == -1)
			goto fail;
		ds->n++;
	}
	fclose(f);
	if (ds->n == 0) {
		fprintf(stderr, "bv-train: %s: empty list\n", list);
		return -1;
	}
	return 0;
fail:
	fclose(f);
	return -1;
}

/* Base scale (network pixels per image pixel) of a sample at input S. */
float
traindata_base_scale(const struct sample *s, int S, float scale_ref)
{
	if (s->scale > 0)
		return s->scale * S / scale_ref;
	return (float)S / (s->im.w > s->im.h ? s->im.w : s->im.h);
}

int
traindata_valset(struct valset *vs, int S, float scale_ref)
{
	int n = vs->ds.n;

	vs->boxed = calloc(n, sizeof *vs->boxed);
	vs->sc = calloc(n, sizeof *vs->sc);
	vs->dx = calloc(n, sizeof *vs->dx);
	vs->dy = calloc(n, sizeof *vs->dy);
	if (vs->boxed == NULL || vs->sc == NULL || vs->dx == NULL || vs->dy == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct sample *s = &vs->ds.s[i];
		float lb = (float)S / (s->im.w > s->im.h ? s->im.w : s->im.h);
		float sc = traindata_base_scale(s, S, scale_ref);
		int nw, nh, ox, oy;
		image rs, cv;

		if (s->scale <= 0) {
			vs->boxed[i] = letterbox_image(s->im, S, S);
			continue;
		}
		if (sc > lb)
			sc = lb;
		nw = (int)lrintf(s->im.w * sc);
		nh = (int)lrintf(s->im.h * sc);
		nw = nw < 1 ? 1 : nw > S ? S : nw;
		nh = nh < 1 ? 1 : nh > S ? S : nh;
		ox = (S - nw) / 2;
		oy = (S - nh) / 2;
		rs = resize_image(s->im, nw, nh);
		cv = make_image(S, S, 3);
		for (size_t k = 0; k < (size_t)3 * S * S; k++)
			cv.data[k] = 0.5f;
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < nh; y++)
				memcpy(cv.data + ((size_t)c * S + y + oy) * S + ox,
				    rs.data + ((size_t)c * nh + y) * nw,
				    (size_t)nw * sizeof *cv.data);
		free_image(rs);
		vs->boxed[i] = cv;
		vs->sc[i] = (float)nw / s->im.w;
		vs->dx[i] = (float)ox;
		vs->dy[i] = (float)oy;
	}
	return 0;
}
