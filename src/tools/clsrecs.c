/* clsrecs.c: bv-calib-cls's crops: pbc-cells, BCCD or YOLO-labelled sets read through the classifier and the rule's measurements */

#include "tools/clsrecs.h"
#include "vision/cellcrop.h"
#include "image/imgio.h"
#include "base/timing.h"
#include "tools/perturb.h"
#include "tools/toolutil.h"
#include "tools/voc.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
recs_add(struct clsrecs *r)
{
	if (r->n == r->cap) {
		int c = r->cap ? r->cap * 2 : 1024;
		void *a, *b, *d, *e, *f, *g;

		a = realloc(r->logits, (size_t)c * r->k * sizeof(float));
		if (a != NULL)
			r->logits = a;
		b = realloc(r->feat, (size_t)c * (r->nf ? r->nf : 1) *
		    sizeof(float));
		if (b != NULL)
			r->feat = b;
		d = realloc(r->stain, (size_t)c * WBCOOD_NSTAIN * sizeof(float));
		if (d != NULL)
			r->stain = d;
		e = realloc(r->stain_ok, (size_t)c);
		if (e != NULL)
			r->stain_ok = e;
		f = realloc(r->cut, (size_t)c);
		if (f != NULL)
			r->cut = f;
		g = realloc(r->label, (size_t)c * sizeof(int));
		if (g != NULL)
			r->label = g;
		if (a == NULL || b == NULL || d == NULL || e == NULL ||
		    f == NULL || g == NULL)
			return -1;
		r->cap = c;
	}
	return r->n++;
}

/* Apply one --shift to im (scale may replace it); *f tracks the scale. */
static int
shift_one(struct img *im, const char *s, double *f)
{
	float	 g[3];
	double	 v;
	struct img out;

	if (sscanf(s, "od:%f,%f,%f", &g[0], &g[1], &g[2]) == 3) {
		perturb_od_gain(im, g);
		return 0;
	}
	if (sscanf(s, "wb:%f,%f,%f", &g[0], &g[1], &g[2]) == 3) {
		for (size_t i = 0; i < (size_t)im->w * im->h * 3; i++) {
			v = im->rgb[i] * g[i % 3];
			im->rgb[i] = (unsigned char)(v > 255 ? 255 : lrint(v));
		}
		return 0;
	}
	if (sscanf(s, "blur:%lf", &v) == 1)
		return perturb_blur(im, (float)v);
	if (sscanf(s, "jpeg:%lf", &v) == 1)
		return perturb_jpeg(im, (int)v);
	if (sscanf(s, "scale:%lf", &v) == 1) {
		if (imgio_resize_factor(im, v, &out) == -1)
			return -1;
		*f *= (double)out.w / im->w;
		imgio_free(im);
		*im = out;
		return 0;
	}
	fprintf(stderr, "bv-calib-cls: bad --shift %s\n", s);
	return -1;
}

/* Crop box (x0, y0)-(x1, y1) of im, classify, record with label. */
static int
record(struct clsrecs_in *in, struct clsrecs *r, const struct img *im, double x0, double y0, double x1,
    double y1, int label)
{
	struct cellcrop g;
	float	 probs[CLSRECS_MAXC];
	const float *feat;
	double	 t0, t1;
	int	 i, nf, side = classifier_input_size(in->cls);

	if (cellcrop_geom((float)x0, (float)y0, (float)x1, (float)y1,
	    CELLCROP_MARGIN, im->w, im->h, &g) == -1)
		return 0;
	if ((i = recs_add(r)) == -1)
		return -1;
	cellcrop_sample(im->rgb, im->w, im->h, &g, side, classifier_input(in->cls));
	t0 = timing_ms();
	r->stain_ok[i] = (in->norm == NULL || wbcood_normalise(in->norm,
	    classifier_input(in->cls), side, &g) == 0) &&
	    wbcood_stain(classifier_input(in->cls), side, &g,
	    r->stain + (size_t)i * WBCOOD_NSTAIN) == 0;
	r->cut[i] = (unsigned char)wbcood_cut(x0, y0, x1, y1, im->w, im->h);
	t1 = timing_ms();
	if (classifier_run(in->cls, probs) == -1)
		return -1;
	in->ms_rule += t1 - t0;
	in->ms_net += timing_ms() - t1;
	memcpy(r->logits + (size_t)i * r->k, classifier_logits(in->cls),
	    (size_t)r->k * sizeof(float));
	feat = classifier_features(in->cls, &nf);
	if (nf > 0)
		memcpy(r->feat + (size_t)i * nf, feat, (size_t)nf * sizeof(float));
	r->label[i] = label;
	return 0;
}

/* Decode path and apply the shifts; *f: the scale they applied. */
static int
load_image(const struct clsrecs_in *o, const char *path, struct img *im, double *f)
{
	unsigned char *buf;
	size_t	 len;
	int	 rc = -1;

	*f = 1;
	memset(im, 0, sizeof(*im));
	if (tool_read_file(path, 32 << 20, &buf, &len) == -1)
		return -1;
	if (imgio_decode(buf, len, IMG_JPEG, NULL, im) != IMG_OK)
		fprintf(stderr, "bv-calib-cls: %s: not a decodable JPEG\n", path);
	else
		rc = 0;
	free(buf);
	for (int s = 0; rc == 0 && s < o->nshift; s++)
		rc = shift_one(im, o->shift[s], f);
	return rc;
}

/* pbc-cells rows of split (classes in the names), centred crops. */
int
clsrecs_cells(struct clsrecs_in *o, const char *split, struct clsrecs *r)
{
	char	 line[1024], p[PATH_MAX];
	FILE	*fp;
	int	 c, rc = 0;

	tool_pathf(p, sizeof(p), "%s/index.csv", o->data);
	if ((fp = fopen(p, "r")) == NULL) {
		perror(p);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL &&
	    (o->limit <= 0 || r->n < o->limit)) {
		char *file, *cl, *sp, *save = NULL;
		struct img im;
		double f, h;

		line[strcspn(line, "\r\n")] = '\0';
		file = strtok_r(line, ",", &save);
		cl = strtok_r(NULL, ",", &save);
		sp = strtok_r(NULL, ",", &save);
		if (file == NULL || cl == NULL || sp == NULL ||
		    strcmp(sp, split) != 0)
			continue;
		for (c = 0; c < o->ncls && strcmp(o->cnames[c], cl) != 0; c++)
			;
		if (c == o->ncls || tool_pathf(p, sizeof(p), "%s/%s", o->data,
		    file) == -1)
			continue;
		if ((rc = load_image(o, p, &im, &f)) == 0) {
			h = CLSRECS_EVAL_BOX * f / 2;
			rc = record(o, r, &im, im.w / 2.0 - h, im.h / 2.0 - h,
			    im.w / 2.0 + h, im.h / 2.0 + h, c);
		}
		imgio_free(&im);
	}
	fclose(fp);
	return rc;
}

/* BCCD's labelled WBC boxes of split (label -1: no type). */
int
clsrecs_bccd(struct clsrecs_in *o, const char *split, struct clsrecs *r)
{
	char	 id[256], p[PATH_MAX], err[256];
	FILE	*fp;
	int	 rc = 0;

	tool_pathf(p, sizeof(p), "%s/ImageSets/Main/%s.txt", o->data, split);
	if ((fp = fopen(p, "r")) == NULL) {
		perror(p);
		return -1;
	}
	while (rc == 0 && fscanf(fp, "%255s", id) == 1) {
		struct voc_ann a;
		struct img im;
		double f;

		tool_pathf(p, sizeof(p), "%s/Annotations/%s.xml", o->data, id);
		if (voc_read(p, &a, err, sizeof(err)) == -1) {
			fprintf(stderr, "bv-calib-cls: %s\n", err);
			rc = -1;
			break;
		}
		voc_clean(&a, NULL);
		tool_pathf(p, sizeof(p), "%s/JPEGImages/%s.jpg", o->data, id);
		if ((rc = load_image(o, p, &im, &f)) == 0)
			for (size_t b = 0; rc == 0 && b < a.n; b++)
				if (a.boxes[b].cls == VOC_WBC)
					rc = record(o, r, &im, a.boxes[b].xmin * f,
					    a.boxes[b].ymin * f,
					    a.boxes[b].xmax * f,
					    a.boxes[b].ymax * f, -1);
		imgio_free(&im);
		voc_ann_clear(&a);
	}
	fclose(fp);
	return rc;
}

/*
 * The WBC boxes (class 1) of a YOLO-labelled set (raabin-detect: DIR/
 * all.txt lists images/NAME.jpg, DIR/labels/NAME.txt their boxes), label
 * -1: no type.
 */
int
clsrecs_yolo(struct clsrecs_in *o, struct clsrecs *r)
{
	char	 rel[512], p[PATH_MAX], *base, *dot;
	FILE	*fp, *lf;
	int	 rc = 0, c;
	float	 cx, cy, w, h;

	tool_pathf(p, sizeof(p), "%s/all.txt", o->data);
	if ((fp = fopen(p, "r")) == NULL) {
		perror(p);
		return -1;
	}
	while (rc == 0 && fscanf(fp, "%511s", rel) == 1) {
		struct img im;
		double f;

		base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
		if ((dot = strrchr(base, '.')) != NULL)
			*dot = '\0';
		tool_pathf(p, sizeof(p), "%s/labels/%s.txt", o->data, base);
		if ((lf = fopen(p, "r")) == NULL)
			continue;
		if (dot != NULL)
			*dot = '.';
		tool_pathf(p, sizeof(p), "%s/%s", o->data, rel);
		if ((rc = load_image(o, p, &im, &f)) == 0)
			while (rc == 0 && fscanf(lf, "%d %f %f %f %f", &c, &cx,
			    &cy, &w, &h) == 5)
				if (c == 1)
					rc = record(o, r, &im, (cx - w / 2) * im.w,
					    (cy - h / 2) * im.h, (cx + w / 2) *
					    im.w, (cy + h / 2) * im.h, -1);
		fclose(lf);
		imgio_free(&im);
	}
	fclose(fp);
	return rc;
}

void
clsrecs_free(struct clsrecs *r)
{
	free(r->logits);
	free(r->feat);
	free(r->stain);
	free(r->stain_ok);
	free(r->cut);
	free(r->label);
	r->logits = r->feat = r->stain = NULL;
	r->stain_ok = r->cut = NULL;
	r->label = NULL;
	r->n = r->cap = 0;
}
