/* test_wbctype.c: the shipped white-cell classifier abstains on a stain-shifted or cut crop, with its reason */
/*
 * A PBC basophil (pbc-cells val, the classifier's own stain) through the
 * server's path (wbctype_run: crop, white balance, classifier, rule):
 * typed basophil; the same photo after a strong stain shift in optical
 * density: untyped, stain_unlike_training; its box moved onto the border:
 * untyped, crop_cut.  Skips (77) without ../shared's pbc-cells or the
 * shipped weights.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image/imgio.h"
#include "vision/classifier.h"
#include "vision/detector.h"
#include "vision/wbcood.h"
#include "vision/wbctype.h"

#define CELL	"basophil/BA_100102.jpg"

static int
read_all(const char *path, unsigned char **buf, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) == -1 || (*buf = malloc((size_t)n)) == NULL) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	*len = fread(*buf, 1, (size_t)n, f);
	fclose(f);
	return *len == (size_t)n ? 0 : -1;
}

/* Optical density of each channel times gain (a heavier or lighter dye
 * per colour band); the white background stays white. */
static void
od_gain(struct img *im, const double *gain)
{
	for (size_t i = 0; i < (size_t)im->w * im->h * 3; i++) {
		double od = -log((im->rgb[i] + 1) / 256.0) * gain[i % 3];
		double v = 256 * exp(-od) - 1;

		im->rgb[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
	}
}

/* The verdict on im's box b (photo pixels, the WBC class 1). */
static struct wbc_type
type_of(struct classifier *c, const struct img *im, struct det_box b)
{
	struct wbc_type	 t;
	double		 thr[3] = { 0.5, 0.5, 0.5 };

	memset(&t, 0, sizeof(t));
	CHECK(wbctype_run(c, im, 1.0, &b, 1, 1, thr, &t) == 0);
	return t;
}

int
main(void)
{
	const char	*top = getenv("top_srcdir") ? getenv("top_srcdir") : "..";
	char		 cfg[1024], w[1024], names[1024], img[1024], err[512];
	unsigned char	*buf;
	size_t		 len;
	struct classifier *c;
	struct img	 im;
	struct wbc_type	 t;
	struct det_box	 b = { 1, 0.9f, 0, 0, 135, 135 };
	const double	 strong[3] = { 0.4, 1.0, 2.5 };
	json_t		*dets, *diff;

	snprintf(cfg, sizeof(cfg), "%s/models/v2-wbc.cfg", top);
	snprintf(w, sizeof(w), "%s/models/v2-wbc.weights", top);
	snprintf(names, sizeof(names), "%s/models/v2-wbc.names", top);
	snprintf(img, sizeof(img), "%s/../shared/datasets/pbc-cells/" CELL, top);
	if (read_all(img, &buf, &len) == -1) {
		printf("SKIP: %s not found\n", img);
		return 77;
	}
	if ((c = classifier_new(cfg, w, names, err, sizeof(err))) == NULL) {
		printf("SKIP: %s\n", err);
		free(buf);
		return 77;
	}
	CHECK(imgio_decode(buf, len, IMG_JPEG, NULL, &im) == IMG_OK);
	free(buf);
	/* the calibration beside the weights is loaded */
	CHECK(wbcood_temperature(classifier_ood(c)) != 1.0);
	b.x = im.w / 2.0f - b.w / 2;
	b.y = im.h / 2.0f - b.h / 2;

	t = type_of(c, &im, b);
	CHECK(t.reason == WBCOOD_TYPED);
	CHECK_STR(classifier_class_name(c, t.cls), "basophil");

	/* the box on the left border: a cut cell */
	b.x = 0;
	t = type_of(c, &im, b);
	CHECK_STR(wbcood_reason_name(t.reason), "crop_cut");
	b.x = im.w / 2.0f - b.w / 2;

	/* a strong stain shift: untyped, saying why, in the JSON too */
	od_gain(&im, strong);
	t = type_of(c, &im, b);
	CHECK_STR(wbcood_reason_name(t.reason), "stain_unlike_training");
	dets = json_pack("[{s:s}]", "class", "WBC");
	diff = wbctype_annotate(c, dets, &t, 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(
	    json_array_get(dets, 0), "wbc_type"), "class")), "untyped");
	CHECK_STR(json_string_value(json_object_get(json_object_get(
	    json_array_get(dets, 0), "wbc_type"), "reason")),
	    "stain_unlike_training");
	CHECK(json_integer_value(json_object_get(diff, "untyped")) == 1);
	CHECK(json_integer_value(json_object_get(diff, "typed")) == 0);
	CHECK(json_integer_value(json_object_get(json_object_get(diff,
	    "untyped_by"), "stain_unlike_training")) == 1);
	json_decref(dets);
	json_decref(diff);
	imgio_free(&im);
	classifier_free(c);
	return check_done("test_wbctype");
}
