/* test_countest.c: a sample's estimates from counting-frame counts, their intervals and flags */
/*
 * Results written as the analyse pipeline writes them (a "frame" with its
 * counts and areas, the model's "count_error"), a sample of them, and its
 * summary: densities from frame counts x field area / frame area, each
 * estimate's interval against hand-worked values (profile bccd-smear-100x
 * of the shipped etc/clinical.json: 20 images a field, factor 15,000,
 * factor spread 0.17), a low flag the interval does not bear out turned
 * into "cannot tell", one it does kept, and the whole count when a field
 * has no frame.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mkdtemp under -std=c11 */
#endif

#include "clinical/clinical.h"
#include "store/ids.h"
#include "store/review.h"
#include "store/samples.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char		 tmpdir[] = "/tmp/test_countest.XXXXXX";
static int		 rfd = -1;
static struct clinical	*clin;

static const char count_error[] = "\"count_error\":{\"RBC\":{\"bias\":0,"
    "\"sd_rel\":0.05,\"sd_abs\":1,\"fields\":40,\"sources\":\"test\"}}";

/*
 * results/<id>/result.json: whole-photo RBC count whole; a frame with RBC
 * count frame and field area ratio x its area (frame < 0: no frame).
 */
static void
result(char *id, int whole, int frame, double ratio)
{
	char	 path[512], fr[400];
	FILE	*f;

	CHECK(id_new(id) == 0);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, id);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/%s/result.json", tmpdir, id);
	if (frame >= 0)
		snprintf(fr, sizeof(fr), ",\"frame\":{\"valid\":true,\"basis\":"
		    "\"rect\",\"x0\":100,\"y0\":100,\"x1\":540,\"y1\":380,"
		    "\"area_px\":100000,\"field_area_px\":%.17g,\"counts\":"
		    "{\"RBC\":%d,\"WBC\":0,\"Platelets\":0}}", 100000 * ratio,
		    frame);
	else
		fr[0] = '\0';
	if ((f = fopen(path, "w")) == NULL) {
		CHECK(!"cannot write result.json");
		return;
	}
	fprintf(f, "{\"id\":\"%s\",\"image\":{\"width\":640,\"height\":480},"
	    "\"counts\":{\"RBC\":%d,\"WBC\":0,\"Platelets\":0},%s%s}\n", id,
	    whole, count_error, fr);
	fclose(f);
}

/* A new sample (woman, 30: RBC range 3.8-4.8 M/uL) into sid; 0 or -1. */
static int
new_sample(char *sid)
{
	char	 err[256];
	json_t	*in, *s, *msgs = NULL;
	int	 missing;
	enum samples_err e;

	in = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s}", "code", "CE-1", "age",
	    30, "age_unit", "years", "sex", "female", "preparation", "smear",
	    "profile", "bccd-smear-100x");
	s = samples_validate(in, clin, err, sizeof(err), &missing, &msgs);
	json_decref(in);
	json_decref(msgs);
	CHECK(s != NULL);
	if (s == NULL)
		return -1;
	e = samples_create(rfd, s, sid, ID_LEN + 1);
	CHECK(e == SAMPLES_OK);
	json_decref(s);
	return e == SAMPLES_OK ? 0 : -1;
}

/* The summary of sample sid. */
static json_t *
summarise(const char *sid)
{
	json_t	*s, *sum;

	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	json_decref(s);
	CHECK(sum != NULL);
	return sum;
}

/* A sample of n results made by result(); its summary. */
static json_t *
summary(const int *whole, const int *frame, const double *ratio, int n)
{
	char	 sid[ID_LEN + 1], r[ID_LEN + 1];
	int	 i;

	if (new_sample(sid) == -1)
		return json_object();
	for (i = 0; i < n; i++) {
		result(r, whole[i], frame[i], ratio[i]);
		CHECK(samples_attach(rfd, sid, r) == SAMPLES_OK);
	}
	return summarise(sid);
}

static json_t *
get(json_t *o, const char *a, const char *b, const char *c)
{
	o = json_object_get(o, a);
	if (b != NULL)
		o = json_object_get(o, b);
	if (c != NULL)
		o = json_object_get(o, c);
	return o;
}

static double
num(json_t *o, const char *a, const char *b, const char *c)
{
	return json_number_value(get(o, a, b, c));
}

/*
 * Frame counts 4, 5, 6 in frames a third of their fields: 12, 15, 18 a
 * field, mean 15 x 20 x 15000 = 4,500,000 /uL (the whole counts, 20
 * each, would say 6,000,000).  Interval: 15 cells counted, 300,000 /uL
 * each; relative variance 1/15 + 0.05^2 + 3 x 1^2 / 15^2 + 0.17^2 =
 * 0.1114, root 0.33377, x 1.96 = 0.65418: 1,556,180 to 7,443,820.
 * Normal for a woman, and stays so.
 */
static void
test_frame_estimate(void)
{
	static const int	 whole[] = { 20, 20, 20 }, frame[] = { 4, 5, 6 };
	static const double	 ratio[] = { 3, 3, 3 };
	json_t			*sum = summary(whole, frame, ratio, 3);

	CHECK(json_is_true(get(sum, "counting_frame", "used", NULL)));
	CHECK(num(sum, "counting_frame", "fields", NULL) == 3);
	CHECK(num(json_array_get(get(sum, "per_field", NULL, NULL), 1),
	    "frame", "counts", "RBC") == 5);
	CHECK(num(json_array_get(get(sum, "per_field", NULL, NULL), 1),
	    "frame", "field_over_frame", NULL) == 3);
	CHECK(num(sum, "estimates", "RBC", "per_ul") == 4500000);
	/* stability counts the red cells counted (15 in the frames), not 45 */
	CHECK(num(sum, "stability", "rbc", NULL) == 15);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "lo", NULL,
	    NULL) == 1556180);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "hi", NULL,
	    NULL) == 7443820);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "components",
	    "cells_counted", NULL) == 15);
	CHECK(json_is_true(get(get(sum, "estimates", "RBC", "interval95"),
	    "components", "factor_sd_unverified", NULL)));
	CHECK(json_is_null(get(sum, "estimates", "RBC",
	    "interval_unavailable")));
	CHECK_STR(json_string_value(get(sum, "flags", "RBC", "flag")),
	    "normal");
	/* the results measure no WBC error: said so, not invented */
	CHECK(json_is_null(get(sum, "estimates", "WBC", "interval95")));
	CHECK(json_is_string(get(sum, "estimates", "WBC",
	    "interval_unavailable")));
	CHECK_STR(json_string_value(json_object_get(json_array_get(get(sum,
	    "estimates", "WBC", "interval_unavailable_i18n"), 0), "code")),
	    "interval_no_count_error");
	CHECK(json_is_string(json_object_get(sum, "interval_method")));
	json_decref(sum);
}

/*
 * Frame counts 3, 3, 3 x 3: 9 a field, 2,700,000 /uL, below 3.8 M: low
 * on the estimate alone.  Interval: 9 cells, variance 1/9 + 0.0025 + 3 /
 * 81 + 0.0289 = 0.17955, root 0.42373 x 1.96 = 0.83049: 457,614 to
 * 4,942,386, across 3.8 M: cannot tell.  The screening is then not told
 * of a low RBC.
 */
static void
test_cannot_tell(void)
{
	static const int	 whole[] = { 9, 9, 9 }, frame[] = { 3, 3, 3 };
	static const double	 ratio[] = { 3, 3, 3 };
	json_t			*sum = summary(whole, frame, ratio, 3);

	CHECK(num(sum, "estimates", "RBC", "per_ul") == 2700000);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "lo", NULL,
	    NULL) == 457614);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "hi", NULL,
	    NULL) == 4942386);
	CHECK_STR(json_string_value(get(sum, "flags", "RBC", "flag")),
	    "cannot_tell");
	CHECK_STR(json_string_value(get(sum, "flags", "RBC", "point_flag")),
	    "low");
	CHECK(json_array_size(get(sum, "flags", "RBC", "range_per_ul")) == 2);
	CHECK(strstr(json_string_value(get(sum, "flags", "RBC", "text")),
	    "457614\xe2\x80\x93" "4942386") != NULL);
	CHECK_STR(json_string_value(json_object_get(json_array_get(get(sum,
	    "screening", "reason_i18n", NULL), 0), "code")), "no_hemoglobin");
	json_decref(sum);
}

/*
 * Ten fields, frame count 5 each, frame the whole field: 5 x 20 x 15000 =
 * 1,500,000 /uL; 50 cells: variance 0.02 + 0.0025 + 10 / 2500 + 0.0289 =
 * 0.0554, root 0.23537 x 1.96 = 0.46133: 808,006 to 2,191,994, wholly
 * below 3.8 M: the low flag stands.
 */
static void
test_low_stands(void)
{
	int	 whole[10], frame[10], i;
	double	 ratio[10];
	json_t	*sum;

	for (i = 0; i < 10; i++) {
		whole[i] = 7;
		frame[i] = 5;
		ratio[i] = 1;
	}
	sum = summary(whole, frame, ratio, 10);
	CHECK(num(sum, "estimates", "RBC", "per_ul") == 1500000);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "lo", NULL,
	    NULL) == 808006);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "hi", NULL,
	    NULL) == 2191994);
	CHECK_STR(json_string_value(get(sum, "flags", "RBC", "flag")), "low");
	json_decref(sum);
}

/* One field without a frame: the whole counts for all, and why. */
static void
test_no_frame(void)
{
	static const int	 whole[] = { 10, 12 }, frame[] = { 4, -1 };
	static const double	 ratio[] = { 3, 0 };
	json_t			*sum = summary(whole, frame, ratio, 2);

	CHECK(json_is_false(get(sum, "counting_frame", "used", NULL)));
	CHECK(num(sum, "counting_frame", "fields_with_frame", NULL) == 1);
	CHECK(json_is_null(json_object_get(json_array_get(get(sum,
	    "per_field", NULL, NULL), 1), "frame")));
	CHECK_STR(json_string_value(json_object_get(json_array_get(get(sum,
	    "counting_frame", "text_i18n", NULL), 0), "code")),
	    "frame_not_used");
	/* 11 x 20 x 15000 */
	CHECK(num(sum, "estimates", "RBC", "per_ul") == 3300000);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "components",
	    "cells_counted", NULL) == 22);
	json_decref(sum);
}

/*
 * A reviewed field: of three RBC the detector counted, two in the frame
 * (the third crosses its right edge), a person deletes one, calls the
 * other a WBC and adds an RBC inside the frame and a platelet outside
 * it.  The frame then holds 1 RBC, 1 WBC, no platelet: the densities
 * follow the review (1 x 20 x 15000 = 300,000 /uL each).
 */
static void
test_reviewed(void)
{
	char	 sid[ID_LEN + 1], id[ID_LEN + 1], path[512];
	json_t	*rv, *sum;
	FILE	*f;
	int	 cur = 0;

	CHECK(id_new(id) == 0);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, id);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/%s/result.json", tmpdir, id);
	if ((f = fopen(path, "w")) == NULL || new_sample(sid) == -1) {
		CHECK(!"cannot set up");
		if (f != NULL)
			fclose(f);
		return;
	}
	fprintf(f, "{\"id\":\"%s\",\"image\":{\"width\":640,\"height\":480},"
	    "\"classes\":[\"RBC\",\"WBC\",\"Platelets\"],\"thresholds\":"
	    "{\"RBC\":0.5,\"WBC\":0.5,\"Platelets\":0.5},"
	    "\"counts\":{\"RBC\":3,\"WBC\":0,\"Platelets\":0},"
	    "\"fov\":{\"shape\":\"rect\",\"x\":0,\"y\":0,\"w\":640,"
	    "\"h\":480,\"area_px\":307200},\"detections\":["
	    "{\"class\":\"RBC\",\"class_id\":0,\"confidence\":0.9,\"box\":"
	    "{\"x\":200,\"y\":200,\"w\":50,\"h\":50}},"
	    "{\"class\":\"RBC\",\"class_id\":0,\"confidence\":0.9,\"box\":"
	    "{\"x\":300,\"y\":200,\"w\":50,\"h\":50}},"
	    "{\"class\":\"RBC\",\"class_id\":0,\"confidence\":0.9,\"box\":"
	    "{\"x\":520,\"y\":200,\"w\":50,\"h\":50}}],%s,"
	    "\"frame\":{\"valid\":true,\"basis\":\"rect\",\"x0\":100,"
	    "\"y0\":100,\"x1\":540,\"y1\":380,\"area_px\":123200,"
	    "\"field_area_px\":123200,\"counts\":{\"RBC\":2,\"WBC\":0,"
	    "\"Platelets\":0}}}\n", id, count_error);
	fclose(f);
	rv = json_loads("{\"by\":\"T\",\"changes\":["
	    "{\"op\":\"delete\",\"detection\":0},"
	    "{\"op\":\"reclassify\",\"detection\":1,\"class\":\"WBC\"},"
	    "{\"op\":\"add\",\"class\":\"RBC\",\"box\":{\"x\":150,"
	    "\"y\":150,\"w\":40,\"h\":40}},"
	    "{\"op\":\"add\",\"class\":\"Platelets\",\"box\":{\"x\":10,"
	    "\"y\":10,\"w\":20,\"h\":20}}]}", 0, NULL);
	CHECK(rv != NULL && review_save(rfd, id, 0, rv, &cur) == REVIEW_OK);
	json_decref(rv);
	CHECK(samples_attach(rfd, sid, id) == SAMPLES_OK);
	sum = summarise(sid);
	CHECK(json_is_true(get(sum, "counting_frame", "used", NULL)));
	CHECK(num(sum, "estimates", "RBC", "per_ul") == 300000);
	CHECK(num(sum, "estimates", "WBC", "per_ul") == 300000);
	CHECK(num(sum, "estimates", "Platelets", "per_ul") == 0);
	CHECK(num(get(sum, "estimates", "RBC", "interval95"), "components",
	    "cells_counted", NULL) == 1);
	json_decref(sum);
}

int
main(void)
{
	const char	*dir = getenv("top_srcdir");
	char		 cal[1024], ref[1024], err[256], cmd[600];

	if (dir == NULL)
		dir = ".";
	snprintf(cal, sizeof(cal), "%s/etc/clinical.json", dir);
	snprintf(ref, sizeof(ref), "%s/etc/reference-ranges.json", dir);
	if ((clin = clinical_load(cal, ref, err, sizeof(err))) == NULL) {
		fprintf(stderr, "cannot load the shipped data: %s\n", err);
		return 99;
	}
	if (mkdtemp(tmpdir) == NULL ||
	    (rfd = open(tmpdir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror(tmpdir);
		return 99;
	}
	test_frame_estimate();
	test_cannot_tell();
	test_low_stands();
	test_no_frame();
	test_reviewed();
	close(rfd);
	clinical_free(clin);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return check_done("test_countest");
}
