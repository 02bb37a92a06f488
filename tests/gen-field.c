/* gen-field.c: wide-field test photos built from single smear images */
/*
 *   gen-field mosaic N SCALE OUT.jpg IMG...      N x N images side by side
 *                                                (row-major), resized by SCALE
 *   gen-field eyepiece N SCALE W H OUT.jpg IMG... the mosaic resized by SCALE,
 *                                                centred on a black W x H
 *                                                frame, black outside a
 *                                                circle of diameter = the
 *                                                mosaic's shorter side
 *   gen-field blank W H GREY OUT.jpg             a flat grey photo
 *   gen-field png IN.jpg OUT.png                 the same photo as an RGB PNG
 *   gen-field zoom F IN.jpg OUT.jpg              a magnification change: the
 *                                                content scaled by F about the
 *                                                centre in a field of the same
 *                                                size (F < 1: framed by the
 *                                                mean border colour), as
 *                                                bv-eval --zoom does
 * Every input must have the first one's size.  For each input, one line
 * on stdout: "i ox oy s cx cy r": where its pixel (x, y) lands in OUT
 * (ox + s x, oy + s y) and the stop circle (r 0: none), so a test can map
 * single-image detections into the mosaic.
 */

#include "field.h"
#include "image/imgio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Save im as a JPEG at path and free it: the exit status. */
static int
save_free(const char *path, struct img *im)
{
	int	 rc = field_save_jpeg(path, im) == 0 ? 0 : 1;

	imgio_free(im);
	return rc;
}

/* The N x N mosaic of the images in paths. */
static int
mosaic(int n, char **paths, struct img *out)
{
	struct img	 im;
	int		 i, j, w = 0, h = 0;

	for (i = 0; i < n * n; i++) {
		if (field_load(paths[i], &im) == -1) {
			fprintf(stderr, "gen-field: %s: cannot read\n",
			    paths[i]);
			return -1;
		}
		if (i == 0) {
			w = im.w;
			h = im.h;
			out->w = w * n;
			out->h = h * n;
			if ((out->rgb = malloc((size_t)out->w * out->h * 3)) ==
			    NULL)
				return -1;
		} else if (im.w != w || im.h != h) {
			fprintf(stderr, "gen-field: %s: size differs\n",
			    paths[i]);
			imgio_free(&im);
			return -1;
		}
		for (j = 0; j < h; j++)
			memcpy(out->rgb + (((size_t)(i / n) * h + j) * out->w +
			    (size_t)(i % n) * w) * 3, im.rgb + (size_t)j * w * 3,
			    (size_t)w * 3);
		imgio_free(&im);
	}
	return 0;
}

static int
zoom(double f, const char *in, const char *out)
{
	struct img	 im, o;
	int		 ox, oy;

	if (field_load(in, &im) == -1)
		return 2;
	if (field_zoom(&im, f, &o, &ox, &oy) == -1) {
		imgio_free(&im);
		return 2;
	}
	imgio_free(&im);
	printf("%d %d %.4f %d %d\n", o.w, o.h, f, ox, oy);
	return save_free(out, &o);
}

int
main(int argc, char **argv)
{
	struct img	 m = { 0, 0, NULL }, s = { 0, 0, NULL }, o;
	int		 n, i, x, y, W, H, ox, oy, cw, ch, first;
	double		 sc, cx, cy, r;

	if (argc == 6 && strcmp(argv[1], "blank") == 0) {
		o.w = atoi(argv[2]);
		o.h = atoi(argv[3]);
		if (o.w < 1 || o.h < 1 || o.w > 20000 || o.h > 20000 ||
		    (o.rgb = malloc((size_t)o.w * o.h * 3)) == NULL)
			return 2;
		memset(o.rgb, atoi(argv[4]), (size_t)o.w * o.h * 3);
		return save_free(argv[5], &o);
	}
	if (argc == 5 && strcmp(argv[1], "zoom") == 0)
		return zoom(atof(argv[2]), argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "png") == 0) {
		if (field_load(argv[2], &o) == -1)
			return 1;
		i = field_save_png(argv[3], &o) == 0 ? 0 : 1;
		imgio_free(&o);
		return i;
	}
	if (argc < 5)
		goto usage;
	n = atoi(argv[2]);
	sc = atof(argv[3]);
	if (n < 1 || n > 8 || !(sc > 0.05 && sc <= 4))
		goto usage;
	if (strcmp(argv[1], "mosaic") == 0) {
		if (argc != 5 + n * n)
			goto usage;
		first = 5;
	} else if (strcmp(argv[1], "eyepiece") == 0) {
		if (argc != 7 + n * n)
			goto usage;
		first = 7;
	} else
		goto usage;
	if (mosaic(n, argv + first, &m) == -1)
		return 1;
	cw = m.w / n;
	ch = m.h / n;
	if (sc != 1) {
		if (imgio_resize_factor(&m, sc, &s) == -1)
			return 1;
		imgio_free(&m);
		m = s;
	}
	if (first == 5) {
		for (i = 0; i < n * n; i++)
			printf("%d %.4f %.4f %.6f 0 0 0\n", i,
			    (double)(i % n) * cw * sc, (double)(i / n) * ch * sc,
			    sc);
		return save_free(argv[4], &m);
	}
	W = atoi(argv[4]);
	H = atoi(argv[5]);
	if (W < m.w || H < m.h || W > 20000 || H > 20000) {
		imgio_free(&m);
		goto usage;
	}
	if ((o.rgb = calloc((size_t)W * H, 3)) == NULL) {
		imgio_free(&m);
		return 1;
	}
	o.w = W;
	o.h = H;
	ox = (W - m.w) / 2;
	oy = (H - m.h) / 2;
	cx = W / 2.0;
	cy = H / 2.0;
	r = (m.w < m.h ? m.w : m.h) / 2.0;
	for (y = 0; y < m.h; y++)
		for (x = 0; x < m.w; x++) {
			double dx = ox + x + 0.5 - cx, dy = oy + y + 0.5 - cy;

			if (dx * dx + dy * dy > r * r)
				continue;
			memcpy(o.rgb + ((size_t)(oy + y) * W + ox + x) * 3,
			    m.rgb + ((size_t)y * m.w + x) * 3, 3);
		}
	for (i = 0; i < n * n; i++)
		printf("%d %.4f %.4f %.6f %.2f %.2f %.2f\n", i,
		    ox + (double)(i % n) * cw * sc,
		    oy + (double)(i / n) * ch * sc, sc, cx, cy, r);
	imgio_free(&m);
	return save_free(argv[6], &o);
usage:
	fprintf(stderr, "usage: gen-field mosaic N SCALE OUT.jpg IMG...\n"
	    "       gen-field eyepiece N SCALE W H OUT.jpg IMG...\n"
	    "       gen-field blank W H GREY OUT.jpg\n"
	    "       gen-field png IN.jpg OUT.png\n"
	    "       gen-field zoom F IN.jpg OUT.jpg\n");
	return 2;
}
