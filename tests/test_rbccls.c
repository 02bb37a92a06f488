/* test_rbccls.c: the server's red-cell morphology classes (rbccls.c) on labelled chula-rbc validation images, through the server's own crop and rule */
/*
 * Eight images of chula-rbc's validation split (bv-rbc-crops, seed 27; the
 * test split is read once, for the model card, never here).  Each
 * labelled point becomes a detected red-cell box of the typical size (40
 * px, centred on the point); rbcmorph_field() measures them and
 * rbccls_field() classifies the measured ones, as /api/analyze does.
 * Checks: every measured cell is classified or abstained, none more;
 * "reject" is never a class of the counts; and, among classified cells,
 * the labels are matched far above chance (12 classes): a wrong crop
 * geometry or colour order between training and server would not be.
 * Skips (77) without ../shared's chula-rbc or models/v1-rbcmorph.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vision/classifier.h"
#include "vision/detector.h"
#include "vision/rbccls.h"
#include "vision/rbcmorph.h"
#include "vision/wbcood.h"
#include "image/imgio.h"
#include "check.h"

#define MAXP	512
#define FLOOR	0.60	/* accuracy among classified cells, at least */

static const int val_ids[] = { 385, 277, 118, 686, 373, 690, 13, 388 };
static const char *const chula[13] = { "normal", "macrocyte", "microcyte",
	"spherocyte", "target", "stomatocyte", "ovalocyte", "teardrop",
	"burr", "schistocyte", "uncategorised", "hypochromia", "elliptocyte" };

static int
read_all(const char *path, unsigned char **buf, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	long	 n;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (*buf = malloc((size_t)n)) == NULL ||
	    fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	*len = (size_t)n;
	fclose(f);
	return 0;
}

/* One image: its labelled points as boxes, classified; adds to the tallies. */
static int
one_image(struct classifier *c, const char *dir, int id, int *right,
    int *classified)
{
	char		 p[2048];
	unsigned char	*buf;
	size_t		 len, n = 0, i;
	struct img	 im;
	struct det_box	 b[MAXP];
	int		 lab[MAXP], x, y, k;
	double		 thr[1] = { 0.5 };
	json_t		*morph, *cls, *cell;
	FILE		*f;

	snprintf(p, sizeof(p), "%s/images/%d.jpg", dir, id);
	if (read_all(p, &buf, &len) == -1)
		return -1;
	CHECK(imgio_decode(buf, len, len > 4 && memcmp(buf, "\x89PNG", 4) == 0 ?
	    IMG_PNG : IMG_JPEG, NULL, &im) == IMG_OK);
	free(buf);
	snprintf(p, sizeof(p), "%s/labels/%d.txt", dir, id);
	if ((f = fopen(p, "r")) == NULL)
		return -1;
	while (n < MAXP && fscanf(f, "%d %d %d", &x, &y, &k) == 3)
		if (k >= 0 && k < 13 && k != 10) {
			b[n] = (struct det_box){ 0, 0.9f, x - 22.0f, y - 22.0f,
			    44, 44 };
			lab[n++] = k;
		}
	fclose(f);
	morph = rbcmorph_field(&im, 1.0, NULL, b, n, 0, thr, 0);
	CHECK(morph != NULL);
	CHECK(rbccls_field(c, &im, 1.0, NULL, b, n, 0, thr, morph) == 0);
	cls = json_object_get(morph, "classes");
	CHECK(json_is_object(cls));
	CHECK(json_integer_value(json_object_get(cls, "classified")) +
	    json_integer_value(json_object_get(cls, "abstained")) ==
	    json_integer_value(json_object_get(morph, "measured")));
	CHECK(json_object_get(json_object_get(cls, "by"), "reject") == NULL);
	CHECK(fabs(json_number_value(json_object_get(cls, "typical_px")) - 44) <
	    1e-9);
	/* the model's offsets as the API shows them: its non-zero ones */
	for (k = 0; k < classifier_classes(c); k++) {
		json_t	*o = json_object_get(json_object_get(cls,
		    "class_offsets"), classifier_class_name(c, k));
		double	 want = wbcood_offset(classifier_ood(c), k);

		CHECK(want == 0 ? o == NULL : fabs(json_number_value(o) -
		    want) < 1e-3);
	}
	json_array_foreach(json_object_get(cls, "cells"), i, cell) {
		size_t		 box = (size_t)json_integer_value(
		    json_object_get(cell, "box"));
		const char	*name = json_string_value(json_object_get(cell,
		    "class"));

		CHECK(box < n && name != NULL);
		if (box >= n || name == NULL || strcmp(name, "abstained") == 0)
			continue;
		(*classified)++;
		*right += strcmp(name, chula[lab[box]]) == 0;
	}
	json_decref(morph);
	imgio_free(&im);
	return 0;
}

/* A 3-class rule with temperature 2 and the given "class_offsets" JSON. */
static struct wbcood *
offset_model(const char *off)
{
	static const char *names[3] = { "normal", "microcyte", "reject" };
	char	 buf[512], err[256];
	json_t	*j;
	struct wbcood *m;

	snprintf(buf, sizeof(buf), "{\"classes\":[\"normal\",\"microcyte\","
	    "\"reject\"],\"temperature\":2,\"min_confidence\":0.5,"
	    "\"reject\":[\"reject\"]%s%s}", off[0] ? ",\"class_offsets\":" :
	    "", off);
	j = json_loads(buf, 0, NULL);
	m = wbcood_from_json(j, names, 3, err, sizeof(err));
	json_decref(j);
	return m;
}

/*
 * The model's class_offsets (rbc-offsets.py): added to the calibrated
 * logits, they move a close call to the favoured class and its
 * probability to softmax(z / t + b); the energy test reads the raw
 * logits; offsets of the wrong count or beyond +-5 refuse the file.
 */
static void
test_offsets(void)
{
	struct wbcood		*none = offset_model(""), *off;
	struct wbcood_verdict	 v0, v1;
	float			 z[3] = { 2.0f, 1.2f, -3.0f };
	double			 e0, e1, e2;

	off = offset_model("[0,0.5,0]");
	CHECK(none != NULL && off != NULL);
	if (none == NULL || off == NULL)
		goto out;
	CHECK(wbcood_offset(none, 1) == 0 && wbcood_offset(off, 1) == 0.5);
	wbcood_judge(none, z, NULL, 0, NULL, 0, &v0);
	wbcood_judge(off, z, NULL, 0, NULL, 0, &v1);
	/* without: 1.0 vs 0.6 after /2, normal; with: 1.0 vs 1.1, microcyte */
	CHECK(v0.cls == 0 && v1.cls == 1);
	e0 = exp(2.0 / 2);
	e1 = exp(1.2 / 2 + 0.5);
	e2 = exp(-3.0 / 2);
	CHECK(fabs(v1.conf - e1 / (e0 + e1 + e2)) < 1e-5);
	CHECK(v1.reason == WBCOOD_TYPED && v1.energy == v0.energy);
	CHECK(wbcood_is_reject(off, 2) && !wbcood_is_reject(off, 1));
out:
	wbcood_free(none);
	wbcood_free(off);
	CHECK(offset_model("[0,0.5]") == NULL);
	CHECK(offset_model("[0,5.5,0]") == NULL);
	CHECK(offset_model("[0,\"a\",0]") == NULL);
}

int
main(void)
{
	const char		*top = getenv("top_srcdir") ? getenv("top_srcdir") : "..";
	char			 dir[1024], m[1024], err[512];
	struct classifier	*c;
	int			 right = 0, classified = 0;

	test_offsets();
	snprintf(dir, sizeof(dir), "%s/../shared/datasets/chula-rbc", top);
	snprintf(m, sizeof(m), "%s/models/v3.cfg", top);
	if ((c = rbccls_load(m, 0, err, sizeof(err))) == NULL) {
		printf("SKIP: %s\n", err);
		return check_failures ? 1 : 77;
	}
	for (size_t i = 0; i < sizeof(val_ids) / sizeof(val_ids[0]); i++)
		if (one_image(c, dir, val_ids[i], &right, &classified) == -1) {
			printf("SKIP: chula-rbc image %d not found\n", val_ids[i]);
			classifier_free(c);
			return check_failures ? 1 : 77;
		}
	printf("classified %d cells, %d as labelled (%.3f)\n", classified, right,
	    classified ? (double)right / classified : 0);
	CHECK(classified > 100);
	CHECK(classified > 0 && (double)right / classified >= FLOOR);
	classifier_free(c);
	return check_done("test_rbccls");
}
