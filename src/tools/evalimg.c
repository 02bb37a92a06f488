/* evalimg.c: the test images bv-eval makes: rescaled, zoomed, mosaics in an eyepiece stop */

#include "tools/evalimg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bilinear resize by factor f into a new image; -1 on failure. */
int
evalimg_rescale(struct img *im, float f)
{
	struct img o;

	o.w = (int)lrintf(im->w * f);
	o.h = (int)lrintf(im->h * f);
	if (o.w < 1 || o.h < 1 || (o.rgb = malloc((size_t)o.w * o.h * 3)) == NULL)
		return -1;
	for (int y = 0; y < o.h; y++) {
		float sy = fminf(fmaxf((y + 0.5f) * im->h / o.h - 0.5f, 0), im->h - 1);
		int y0 = (int)sy, y1 = y0 + 1 < im->h ? y0 + 1 : y0;
		float ay = sy - y0;

		for (int x = 0; x < o.w; x++) {
			float sx = fminf(fmaxf((x + 0.5f) * im->w / o.w - 0.5f, 0), im->w - 1);
			int x0 = (int)sx, x1 = x0 + 1 < im->w ? x0 + 1 : x0;
			float ax = sx - x0;

			for (int c = 0; c < 3; c++) {
				float a = im->rgb[(y0 * im->w + x0) * 3 + c] * (1 - ax) +
				    im->rgb[(y0 * im->w + x1) * 3 + c] * ax;
				float b = im->rgb[(y1 * im->w + x0) * 3 + c] * (1 - ax) +
				    im->rgb[(y1 * im->w + x1) * 3 + c] * ax;

				o.rgb[((size_t)y * o.w + x) * 3 + c] =
				    (unsigned char)lrintf(a * (1 - ay) + b * ay);
			}
		}
	}
	imgio_free(im);
	*im = o;
	return 0;
}

/*
 * A magnification change: the field of view keeps its size in pixels while
 * its content is scaled by f about the centre (f > 1: cropped, cells larger;
 * f < 1: the shrunk field is framed by the mean colour of the original's
 * border, i.e. the smear background).  Ground truth follows; a box with less
 * than half of its area left in view becomes "difficult" (neither found nor
 * missed), as does one wholly outside.
 */
int
evalimg_zoom(struct img *im, struct voc_ann *gt, float f)
{
	struct img s, o = { .w = im->w, .h = im->h };
	double bg[3] = { 0, 0, 0 };
	long nb = 0;
	int ox, oy;

	for (int y = 0; y < im->h; y++)
		for (int x = 0; x < im->w; x++) {
			if (y != 0 && y != im->h - 1 && x != 0 && x != im->w - 1)
				continue;
			for (int c = 0; c < 3; c++)
				bg[c] += im->rgb[((size_t)y * im->w + x) * 3 + c];
			nb++;
		}
	if ((o.rgb = malloc((size_t)o.w * o.h * 3)) == NULL)
		return -1;
	/* rescale_img replaces *im: s is the scaled field, im is o below. */
	if (evalimg_rescale(im, f) == -1) {
		free(o.rgb);
		return -1;
	}
	s = *im;
	ox = (s.w - o.w) / 2;
	oy = (s.h - o.h) / 2;
	for (int y = 0; y < o.h; y++)
		for (int x = 0; x < o.w; x++) {
			int sx = x + ox, sy = y + oy;
			unsigned char *d = o.rgb + ((size_t)y * o.w + x) * 3;

			if (sx >= 0 && sx < s.w && sy >= 0 && sy < s.h)
				memcpy(d, s.rgb + ((size_t)sy * s.w + sx) * 3, 3);
			else
				for (int c = 0; c < 3; c++)
					d[c] = (unsigned char)lrint(bg[c] / nb);
		}
	imgio_free(&s);
	*im = o;
	for (size_t k = 0; k < gt->n; k++) {
		struct voc_box *b = &gt->boxes[k];
		double x0 = b->xmin * f - ox, y0 = b->ymin * f - oy;
		double x1 = b->xmax * f - ox, y1 = b->ymax * f - oy;
		double area = (x1 - x0) * (y1 - y0), vis;

		b->xmin = fmax(x0, 0);
		b->ymin = fmax(y0, 0);
		b->xmax = fmin(x1, o.w);
		b->ymax = fmin(y1, o.h);
		vis = fmax(b->xmax - b->xmin, 0) * fmax(b->ymax - b->ymin, 0);
		if (area <= 0 || vis < 0.5 * area) {
			b->difficult = 1;
			if (b->xmax <= b->xmin || b->ymax <= b->ymin) {
				b->xmin = b->ymin = 0;
				b->xmax = b->ymax = 1;
			}
		}
	}
	return 0;
}

/*
 * The N x N mosaic of ims[0..N*N) (all the size of the first), labels
 * carried over, resized by scale, then (eye_w > 0) centred on a black
 * eye_w x eye_h frame, black outside the circle whose diameter is the
 * mosaic's shorter side: labels whose centre is outside are dropped (the
 * edge rule).  pl[k] says where image k landed; *cx, *cy, *r the stop.
 */
int
evalimg_mosaic(struct img *ims, struct voc_ann *gts, int N, double scale,
    int eye_w, int eye_h, struct img *out, struct voc_ann *gt,
    struct evalimg_place *pl, double *cx, double *cy, double *r)
{
	struct img m, t;
	int w = ims[0].w, h = ims[0].h, k, y, x, ox = 0, oy = 0;
	size_t nb = 0, j;
	double s = scale;

	m.w = w * N;
	m.h = h * N;
	if ((m.rgb = malloc((size_t)m.w * m.h * 3)) == NULL)
		return -1;
	memset(gt, 0, sizeof *gt);
	for (k = 0; k < N * N; k++)
		nb += gts[k].n;
	if ((gt->boxes = calloc(nb + 1, sizeof *gt->boxes)) == NULL) {
		free(m.rgb);
		return -1;
	}
	for (k = 0; k < N * N; k++) {
		if (ims[k].w != w || ims[k].h != h) {
			fprintf(stderr, "bv-eval: --wide needs images of one size\n");
			free(m.rgb);
			return -1;
		}
		for (y = 0; y < h; y++)
			memcpy(m.rgb + (((size_t)(k / N) * h + y) * m.w + (size_t)(k % N) * w) * 3,
			    ims[k].rgb + (size_t)y * w * 3, (size_t)w * 3);
	}
	if (s != 1) {
		if (imgio_resize_factor(&m, s, &t) == -1) {
			free(m.rgb);
			return -1;
		}
		free(m.rgb);
		m = t;
	}
	*cx = *cy = *r = 0;
	if (eye_w > 0) {
		if (eye_w < m.w || eye_h < m.h) {
			fprintf(stderr, "bv-eval: --eyepiece frame smaller than the mosaic\n");
			free(m.rgb);
			return -1;
		}
		t.w = eye_w;
		t.h = eye_h;
		if ((t.rgb = calloc((size_t)t.w * t.h, 3)) == NULL) {
			free(m.rgb);
			return -1;
		}
		ox = (t.w - m.w) / 2;
		oy = (t.h - m.h) / 2;
		*cx = t.w / 2.0;
		*cy = t.h / 2.0;
		*r = (m.w < m.h ? m.w : m.h) / 2.0;
		for (y = 0; y < m.h; y++)
			for (x = 0; x < m.w; x++) {
				double dx = ox + x + 0.5 - *cx, dy = oy + y + 0.5 - *cy;

				if (dx * dx + dy * dy <= *r * *r)
					memcpy(t.rgb + ((size_t)(oy + y) * t.w + ox + x) * 3,
					    m.rgb + ((size_t)y * m.w + x) * 3, 3);
			}
		free(m.rgb);
		m = t;
	}
	for (k = 0; k < N * N; k++) {
		pl[k].ox = ox + (double)(k % N) * w * s;
		pl[k].oy = oy + (double)(k / N) * h * s;
		pl[k].s = s;
		for (j = 0; j < gts[k].n; j++) {
			struct voc_box b = gts[k].boxes[j];
			double bx, by;

			b.xmin = (float)(pl[k].ox + b.xmin * s);
			b.xmax = (float)(pl[k].ox + b.xmax * s);
			b.ymin = (float)(pl[k].oy + b.ymin * s);
			b.ymax = (float)(pl[k].oy + b.ymax * s);
			bx = (b.xmin + b.xmax) / 2 - *cx;
			by = (b.ymin + b.ymax) / 2 - *cy;
			if (*r > 0 && bx * bx + by * by > *r * *r)
				continue;
			gt->boxes[gt->n++] = b;
		}
	}
	gt->width = m.w;
	gt->height = m.h;
	*out = m;
	return 0;
}
