/* test_scale.c: the automatic cell scale on BCCD images rescaled by known factors */
/*
 * With the shipped model: three BCCD test images, each resized by 0.3 to
 * 2.0 (the same field at another pixel scale) and zoomed by 0.33 to 1.4
 * (another magnification: the content scaled in a field of the same
 * size), must give a red-cell diameter that follows the factor within
 * 10 % of the image's own at 1.0,
 * through scan_detect() as the server runs it; a blank image is refused
 * and a 1-tile image takes the single pass.  Skips (77) without the
 * dataset.
 */

#include "check.h"
#include "blasgemm.h"
#include "detector.h"
#include "imgcheck.h"
#include "imgio.h"
#include "scan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
load(const char *path, struct img *im)
{
	FILE		*f;
	unsigned char	*buf;
	long		 len;
	enum img_err	 e;
	struct img_limits lim;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if (len <= 0 || (buf = malloc((size_t)len)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return -1;
	}
	fclose(f);
	img_limits_default(&lim);
	e = imgio_decode(buf, (size_t)len, IMG_JPEG, &lim, im);
	free(buf);
	return e == IMG_OK ? 0 : -1;
}

/*
 * A magnification change: the content of im scaled by f about the centre
 * in a field of the same size (f < 1 framed by the mean border colour),
 * as bv-eval --zoom does.
 */
static int
zoom(const struct img *im, double f, struct img *out)
{
	struct img	 s;
	double		 bg[3] = { 0, 0, 0 };
	long		 nb = 0;
	int		 x, y, c, ox, oy;

	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x += (y == 0 || y == im->h - 1) ? 1 :
		    im->w - 1) {
			for (c = 0; c < 3; c++)
				bg[c] += im->rgb[((size_t)y * im->w + x) * 3 + c];
			nb++;
		}
	if (imgio_resize_factor(im, f, &s) == -1)
		return -1;
	out->w = im->w;
	out->h = im->h;
	if ((out->rgb = malloc((size_t)im->w * im->h * 3)) == NULL) {
		imgio_free(&s);
		return -1;
	}
	ox = (s.w - im->w) / 2;
	oy = (s.h - im->h) / 2;
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++) {
			unsigned char *d = out->rgb + ((size_t)y * im->w + x) * 3;
			int sx = x + ox, sy = y + oy;

			if (sx >= 0 && sx < s.w && sy >= 0 && sy < s.h)
				memcpy(d, s.rgb + ((size_t)sy * s.w + sx) * 3, 3);
			else
				for (c = 0; c < 3; c++)
					d[c] = (unsigned char)lrint(bg[c] / nb);
		}
	imgio_free(&s);
	return 0;
}

int
main(void)
{
	static const char *ids[] = { "BloodImage_00007", "BloodImage_00041",
	    "BloodImage_00120" };
	static const double fs[] = { 0.3, 0.5, 0.7, 1.4, 2.0 };
	static const double zs[] = { 0.33, 0.5, 0.7, 1.4 };
	const char	*ds = getenv("BV_DATASET"), *top = getenv("top_srcdir");
	char		 path[4096], cfg[4096], w[4096], names[4096], err[256];
	struct detector	*d;
	struct scan_model m;
	struct scan_opts o;
	struct scan_result r;
	struct img	 im, s;
	size_t		 i, k;
	double		 ref;

	if (ds == NULL || top == NULL)
		return 77;
	snprintf(path, sizeof(path), "%s/BCCD/JPEGImages/%s.jpg", ds, ids[0]);
	if (load(path, &im) == -1) {
		printf("SKIP: no BCCD dataset at %s\n", ds);
		return 77;
	}
	imgio_free(&im);
	snprintf(cfg, sizeof(cfg), "%s/models/bccd.cfg", top);
	snprintf(w, sizeof(w), "%s/models/bccd.weights", top);
	snprintf(names, sizeof(names), "%s/models/bccd.names", top);
	blasgemm_threads(1);
	if ((d = detector_new(cfg, w, names, err, sizeof(err))) == NULL) {
		fprintf(stderr, "test_scale: %s\n", err);
		return 99;
	}
	scan_model_default(&m);
	scan_opts_default(&o, 0.05f, 0.45f);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(path, sizeof(path), "%s/BCCD/JPEGImages/%s.jpg", ds,
		    ids[i]);
		CHECK(load(path, &im) == 0);
		CHECK(scan_detect(d, &m, &o, &im, 1, im.w, im.h, 0, SCALE_NONE,
		    NULL, NULL, &r) == SCAN_OK);
		/* a BCCD field at its own scale: one letterboxed pass */
		CHECK(r.tiles == 0 && r.scale.source == SCALE_AUTO);
		ref = r.scale.rbc_px;
		CHECK(ref > 90 && ref < 120);
		printf("%s: %.1f px at 1.0\n", ids[i], ref);
		free(r.boxes);
		for (k = 0; k < sizeof(fs) / sizeof(fs[0]); k++) {
			CHECK(imgio_resize_factor(&im, fs[k], &s) == 0);
			CHECK(scan_detect(d, &m, &o, &s, 1, s.w, s.h, 0,
			    SCALE_NONE, NULL, NULL, &r) == SCAN_OK);
			printf("  x%.1f: %.1f px (%+.1f %%), %d tiles, %zu boxes\n",
			    fs[k], r.scale.rbc_px,
			    100 * (r.scale.rbc_px / (ref * fs[k]) - 1), r.tiles,
			    r.n);
			CHECK(fabs(r.scale.rbc_px / (ref * fs[k]) - 1) <= 0.10);
			/* boxes in the resized photo's pixels */
			CHECK(r.n == 0 || (r.boxes[0].x >= 0 &&
			    r.boxes[0].x + r.boxes[0].w <= s.w + 0.01));
			free(r.boxes);
			imgio_free(&s);
		}
		/* another magnification: the cells shrink or grow in the field */
		for (k = 0; k < sizeof(zs) / sizeof(zs[0]); k++) {
			CHECK(zoom(&im, zs[k], &s) == 0);
			CHECK(scan_detect(d, &m, &o, &s, 1, s.w, s.h, 0,
			    SCALE_NONE, NULL, NULL, &r) == SCAN_OK);
			printf("  zoom %.2f: %.1f px (%+.1f %%), %d tiles, %zu "
			    "boxes\n", zs[k], r.scale.rbc_px,
			    100 * (r.scale.rbc_px / (ref * zs[k]) - 1), r.tiles,
			    r.n);
			CHECK(fabs(r.scale.rbc_px / (ref * zs[k]) - 1) <= 0.10);
			/* small cells are found on tiles at the trained scale */
			CHECK(zs[k] > 0.8 || r.tiles > 1);
			free(r.boxes);
			imgio_free(&s);
		}
		imgio_free(&im);
	}
	/* a blank field is refused, not counted as zero */
	s.w = 800;
	s.h = 600;
	s.rgb = malloc((size_t)s.w * s.h * 3);
	memset(s.rgb, 200, (size_t)s.w * s.h * 3);
	CHECK(scan_detect(d, &m, &o, &s, 1, s.w, s.h, 0, SCALE_NONE, NULL,
	    NULL, &r) == SCAN_ERR_BLANK);
	/* a given um/px so small that cells would need > 2.5x */
	CHECK(scan_detect(d, &m, &o, &s, 1, s.w, s.h, 0.5, SCALE_REQUEST, NULL,
	    NULL, &r) == SCAN_ERR_BLANK);
	for (k = 0; k < (size_t)s.w * s.h * 3; k++)
		s.rgb[k] = (unsigned char)(100 + (k * 2654435761u >> 24) % 100);
	CHECK(scan_detect(d, &m, &o, &s, 1, s.w, s.h, 1.0, SCALE_REQUEST,
	    NULL, NULL, &r) == SCAN_ERR_TOO_SMALL);
	imgio_free(&s);
	detector_free(d);
	return check_done("test_scale");
}
