/* test_review.c: reviews of a result: checks, counts, versions, the 409 on a stale save, downstream use */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mkdtemp under -std=c11 */
#endif

#include "base/context.h"
#include "routes/review_routes.h"
#include "base/http.h"
#include "store/ids.h"
#include "store/results.h"
#include "routes/results_routes.h"
#include "store/review.h"
#include "store/fsutil.h"
#include "store/rbcdata.h"
#include "store/samples.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"

static char	 tmpdir[] = "/tmp/test_review.XXXXXX";
static int	 rfd = -1;
static struct app app;

/*
 * A 640 x 480 result counted at RBC 0.4, WBC 0.3, Platelets 0.5:
 * detections 0-2 RBC (0.9, 0.5, 0.2: two counted), 3 WBC (0.8),
 * 4 Platelets (0.45: not counted); field of view x 0-600.
 */
static const char result_json[] =
    "{\"id\":\"%s\",\"image\":{\"width\":640,\"height\":480},"
    "\"classes\":[\"RBC\",\"WBC\",\"Platelets\"],"
    "\"threshold\":0.35,\"thresholds\":{\"RBC\":0.4,\"WBC\":0.3,"
    "\"Platelets\":0.5},"
    "\"fov\":{\"shape\":\"rect\",\"x\":0,\"y\":0,\"w\":600,\"h\":480,"
    "\"area_px\":288000},"
    "\"counts\":{\"RBC\":2,\"WBC\":1,\"Platelets\":0},\"detections\":["
    "{\"class\":\"RBC\",\"class_id\":0,\"confidence\":0.9,\"box\":{\"x\":10,"
    "\"y\":10,\"w\":80,\"h\":80}},"
    "{\"class\":\"RBC\",\"class_id\":0,\"confidence\":0.5,\"box\":{\"x\":100,"
    "\"y\":10,\"w\":80,\"h\":80}},"
    "{\"class\":\"RBC\",\"class_id\":0,\"confidence\":0.2,\"box\":{\"x\":200,"
    "\"y\":10,\"w\":80,\"h\":80}},"
    "{\"class\":\"WBC\",\"class_id\":1,\"confidence\":0.8,\"box\":{\"x\":300,"
    "\"y\":100,\"w\":120,\"h\":120}},"
    "{\"class\":\"Platelets\",\"class_id\":2,\"confidence\":0.45,\"box\":"
    "{\"x\":400,\"y\":300,\"w\":20,\"h\":20}}],\"sample\":null}\n";

static void
make_result(char *id)
{
	FILE	*f;

	if ((f = fixture_result(tmpdir, id)) == NULL)
		return;
	fprintf(f, result_json, id);
	fclose(f);
}

static json_t *
req(const char *method, const char *path, const char *body, int *status)
{
	struct http_request	 rq;
	struct http_response	 rs;
	json_t			*o = NULL;
	int			 handled;

	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	rq.method = method;
	rq.path = path;
	rq.query = "";
	rq.content_type = "application/json";
	rq.body = (const unsigned char *)body;
	rq.body_len = body ? strlen(body) : 0;
	handled = review_route(&app, &rq, path + strlen("/api/results/"), &rs);
	*status = handled ? rs.status : 0;
	if (handled && rs.body != NULL)
		o = json_loadb(rs.body, rs.body_len, 0, NULL);
	http_response_free(&rs);
	return o;
}

static json_int_t
count(const json_t *o, const char *obj, const char *cls)
{
	return json_integer_value(json_object_get(json_object_get(o, obj),
	    cls));
}

/* The code of message 0 of o's error. */
static const char *
err_code(const json_t *o)
{
	return json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(o, "error"), "message_i18n"), 0),
	    "code"));
}

static json_t *
load_result(const char *id)
{
	return results_load(rfd, id);
}

/* review_check() on changes (a JSON text): NULL and *code on refusal. */
static json_t *
check_changes(const json_t *r, const char *changes, const char **code)
{
	static char	 codebuf[64];
	char		 err[240];
	json_t		*in, *out, *msgs = NULL;

	in = json_loads(changes, 0, NULL);
	CHECK(in != NULL);
	out = review_check(r, in, err, sizeof(err), &msgs);
	*code = NULL;
	if (out == NULL) {
		CHECK(err[0] != '\0');
		snprintf(codebuf, sizeof(codebuf), "%s", json_string_value(
		    json_object_get(json_array_get(msgs, 0), "code")));
		*code = codebuf;
		/* Every refusal names its field. */
		CHECK(json_string_value(json_object_get(json_object_get(
		    json_array_get(msgs, 0), "params"), "field")) != NULL);
	}
	json_decref(msgs);
	json_decref(in);
	return out;
}

static void
test_check(void)
{
	char		 id[ID_LEN + 1];
	json_t		*r, *c, *counts;
	const char	*code;
	size_t		 i;
	static const struct {
		const char	*changes;
		const char	*code;
	} refused[] = {
		{ "{}", "review_changes_invalid" },
		{ "[1]", "review_change_invalid" },
		{ "[{\"op\":\"move\",\"detection\":0}]", "review_change_invalid" },
		{ "[{\"op\":\"delete\",\"detection\":5}]",
		  "review_detection_invalid" },
		{ "[{\"op\":\"delete\",\"detection\":-1}]",
		  "review_detection_invalid" },
		{ "[{\"op\":\"delete\",\"detection\":1.5}]",
		  "review_detection_invalid" },
		{ "[{\"op\":\"delete\",\"detection\":1},{\"op\":\"reclassify\","
		  "\"detection\":1,\"class\":\"WBC\"}]", "review_detection_twice" },
		{ "[{\"op\":\"reclassify\",\"detection\":1,\"class\":\"Neutro\"}]",
		  "review_class_invalid" },
		{ "[{\"op\":\"reclassify\",\"detection\":1}]",
		  "review_change_invalid" },
		{ "[{\"op\":\"delete\",\"detection\":1,\"x\":1}]",
		  "review_change_invalid" },
		{ "[{\"op\":\"add\",\"class\":\"RBC\",\"box\":{\"x\":10,\"y\":10,"
		  "\"w\":0,\"h\":10}}]", "review_box_invalid" },
		{ "[{\"op\":\"add\",\"class\":\"RBC\",\"box\":{\"x\":700,\"y\":10,"
		  "\"w\":10,\"h\":10}}]", "review_box_invalid" },
		{ "[{\"op\":\"add\",\"class\":\"RBC\",\"box\":{\"x\":10,\"y\":10,"
		  "\"w\":10}}]", "review_box_invalid" },
		/* Centre at x 615: inside the image, outside the counted field. */
		{ "[{\"op\":\"add\",\"class\":\"RBC\",\"box\":{\"x\":610,\"y\":10,"
		  "\"w\":10,\"h\":10}}]", "review_outside_field" },
	};

	make_result(id);
	r = load_result(id);
	CHECK(r != NULL);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		c = check_changes(r, refused[i].changes, &code);
		CHECK(c == NULL);
		CHECK_STR(code, refused[i].code);
		json_decref(c);
	}

	/* No changes: the detector's own counts. */
	c = check_changes(r, "[]", &code);
	CHECK(c != NULL && json_array_size(c) == 0);
	counts = review_counts(r, c);
	CHECK(json_equal(counts, json_object_get(r, "counts")));
	json_decref(counts);
	json_decref(c);

	/*
	 * Delete RBC 0, make the uncounted RBC 2 (0.2) a WBC, confirm the
	 * uncounted platelet 4 (0.45 < 0.5) by giving its own class, add a
	 * platelet: RBC 1, WBC 2, Platelets 2.  Normalised: the old class
	 * is recorded, the box rounded to 0.1 px.
	 */
	c = check_changes(r, "[{\"op\":\"delete\",\"detection\":0},"
	    "{\"op\":\"reclassify\",\"detection\":2,\"class\":\"WBC\"},"
	    "{\"op\":\"reclassify\",\"detection\":4,\"class\":\"Platelets\"},"
	    "{\"op\":\"add\",\"class\":\"Platelets\",\"box\":{\"x\":50.04,"
	    "\"y\":300,\"w\":20,\"h\":20}}]", &code);
	CHECK(c != NULL && json_array_size(c) == 4);
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 0),
	    "class")), "RBC");
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 1),
	    "from")), "RBC");
	CHECK(json_real_value(json_object_get(json_object_get(json_array_get(
	    c, 3), "box"), "x")) == 50.0);
	counts = review_counts(r, c);
	CHECK(json_integer_value(json_object_get(counts, "RBC")) == 1);
	CHECK(json_integer_value(json_object_get(counts, "WBC")) == 2);
	CHECK(json_integer_value(json_object_get(counts, "Platelets")) == 2);
	json_decref(counts);
	/* The stored form is accepted back as it is (a client resends it). */
	{
		char		*s = json_dumps(c, 0);
		json_t		*again;

		again = check_changes(r, s, &code);
		CHECK(again != NULL && json_equal(again, c));
		json_decref(again);
		free(s);
	}
	json_decref(c);
	json_decref(r);
}

static void
test_route(void)
{
	char	 id[ID_LEN + 1], path[128], body[512];
	json_t	*o, *r, *list;
	int	 st;

	make_result(id);
	snprintf(path, sizeof(path), "/api/results/%s/review", id);
	CHECK(review_current(rfd, id) == 0);

	o = req("GET", "/api/results/AAAAAAAAAAAAAAAAAAAAAA", NULL, &st);
	CHECK(st == 0 && o == NULL);
	o = req("GET", path, NULL, &st);
	CHECK(st == 200);
	CHECK(json_integer_value(json_object_get(o, "version")) == 0);
	CHECK(json_is_null(json_object_get(o, "review")));
	json_decref(o);
	o = req("POST", path, "{}", &st);
	CHECK(st == 405);
	json_decref(o);
	o = req("GET", "/api/results/AAAAAAAAAAAAAAAAAAAAAA/review", NULL, &st);
	CHECK(st == 404);
	json_decref(o);

	/* Refusals name the field. */
	o = req("PUT", path, "{\"by\":\"ana\",\"changes\":[]}", &st);
	CHECK(st == 400);
	CHECK_STR(err_code(o), "review_version_required");
	json_decref(o);
	o = req("PUT", path, "{\"version\":0,\"changes\":[]}", &st);
	CHECK(st == 400);
	CHECK_STR(err_code(o), "review_by_invalid");
	json_decref(o);
	o = req("PUT", path, "{\"version\":0,\"by\":\"ana\",\"changes\":[],"
	    "\"x\":1}", &st);
	CHECK(st == 400);
	CHECK_STR(err_code(o), "unknown_field");
	json_decref(o);
	o = req("PUT", path, "{\"version\":0,\"by\":\"ana\",\"changes\":"
	    "[{\"op\":\"delete\",\"detection\":9}]}", &st);
	CHECK(st == 400);
	CHECK_STR(err_code(o), "review_detection_invalid");
	json_decref(o);
	CHECK(review_current(rfd, id) == 0);

	/* Version 1: delete RBC 0 and add a WBC. */
	o = req("PUT", path, "{\"version\":0,\"by\":\"ana\",\"changes\":["
	    "{\"op\":\"delete\",\"detection\":0},{\"op\":\"add\",\"class\":"
	    "\"WBC\",\"box\":{\"x\":20,\"y\":300,\"w\":100,\"h\":100}}]}", &st);
	CHECK(st == 200);
	CHECK(count(o, "counts", "RBC") == 1 && count(o, "counts", "WBC") == 2);
	CHECK(count(o, "detector_counts", "RBC") == 2);
	CHECK(json_integer_value(json_object_get(json_object_get(o, "review"),
	    "version")) == 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o,
	    "review"), "by")), "ana");
	CHECK(json_string_value(json_object_get(json_object_get(o, "review"),
	    "at")) != NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_object_get(o, "review"), "summary"), "added")) == 1);
	json_decref(o);
	CHECK(review_current(rfd, id) == 1);

	/* A second reviewer still editing version 0: 409, nothing saved. */
	o = req("PUT", path, "{\"version\":0,\"by\":\"luis\",\"changes\":[]}",
	    &st);
	CHECK(st == 409);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o,
	    "error"), "code")), "conflict");
	CHECK_STR(err_code(o), "review_conflict");
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(json_object_get(o, "error"),
	    "message_i18n"), 0), "params"), "current")) == 1);
	json_decref(o);
	o = req("PUT", path, "{\"version\":2,\"by\":\"luis\",\"changes\":[]}",
	    &st);
	CHECK(st == 409);
	json_decref(o);
	CHECK(review_current(rfd, id) == 1);

	/* Naming the version it edits, the save lands as version 2. */
	o = req("PUT", path, "{\"version\":1,\"by\":\"luis\",\"changes\":["
	    "{\"op\":\"reclassify\",\"detection\":1,\"class\":\"WBC\"}]}",
	    &st);
	CHECK(st == 200);
	CHECK(count(o, "counts", "RBC") == 1 && count(o, "counts", "WBC") == 2);
	json_decref(o);
	o = req("GET", path, NULL, &st);
	CHECK(st == 200 && json_integer_value(json_object_get(o, "version")) ==
	    2);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o,
	    "review"), "by")), "luis");
	json_decref(o);

	/* The detector's output is untouched; merging gives the reviewed view. */
	r = load_result(id);
	CHECK(count(r, "counts", "RBC") == 2 && count(r, "counts", "WBC") == 1);
	review_merge(rfd, id, r);
	CHECK(count(r, "counts", "RBC") == 1 && count(r, "counts", "WBC") == 2);
	CHECK(count(r, "detector_counts", "RBC") == 2);
	json_decref(r);

	/* The results list carries the reviewed counts and says so. */
	{
		struct results_query	 q;
		json_t			*page;

		memset(&q, 0, sizeof(q));
		q.limit = 100;
		page = results_query(rfd, &q);
		list = json_incref(json_object_get(page, "results"));
		json_decref(page);
	}
	{
		size_t	 i;
		int	 found = 0;

		for (i = 0; i < json_array_size(list); i++) {
			json_t	*e = json_array_get(list, i);

			if (strcmp(json_string_value(json_object_get(e, "id")),
			    id) != 0)
				continue;
			found = 1;
			CHECK(json_is_true(json_object_get(e, "reviewed")));
			CHECK(count(e, "counts", "RBC") == 1);
		}
		CHECK(found);
	}
	json_decref(list);

	/* So does a sample summary holding it. */
	{
		char	 sid[ID_LEN + 1];
		json_t	*s, *sum, *in;

		in = json_pack("{s:s}", "code", "RV-1");
		s = samples_validate(in, NULL, body, sizeof(body), &st, NULL);
		json_decref(in);
		CHECK(s != NULL);
		CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
		json_decref(s);
		CHECK(samples_attach(rfd, sid, id) == SAMPLES_OK);
		s = samples_load(rfd, sid);
		sum = samples_summary(rfd, s, NULL);
		CHECK(count(sum, "totals", "RBC") == 1);
		CHECK(count(sum, "totals", "WBC") == 2);
		CHECK(json_integer_value(json_object_get(json_object_get(sum,
		    "review"), "reviewed_fields")) == 1);
		CHECK_STR(json_string_value(json_object_get(json_object_get(
		    sum, "review"), "text")), "Reviewed counts: a person "
		    "checked and corrected the boxes of every field (1).");
		CHECK(json_integer_value(json_object_get(json_array_get(
		    json_object_get(sum, "per_field"), 0), "review_version")) ==
		    2);
		json_decref(sum);
		json_decref(s);
	}
}

/*
 * The fixture with morphology classes: RBC 0 "normal" (0.9), RBC 1
 * abstained (best microcyte, 0.4); the sample's shares follow them.
 */
static void
add_morph(const char *id)
{
	char	 path[512];
	json_t	*r = load_result(id);

	CHECK(r != NULL);
	json_object_set_new(r, "morphology", json_pack("{s:i,s:{s:s,s:i,s:i,"
	    "s:{s:i,s:i,s:i},s:{s:f,s:f,s:f},s:{s:i},s:["
	    "{s:i,s:s,s:s,s:f},{s:i,s:s,s:s,s:f,s:s}]}}",
	    "considered", 2, "classes", "model", "v1-rbcmorph",
	    "classified", 1, "abstained", 1,
	    "by", "normal", 1, "microcyte", 0, "spherocyte", 0,
	    "share", "normal", 1.0, "microcyte", 0.0, "spherocyte", 0.0,
	    "abstained_by", "low_confidence", 1,
	    "cells", "box", 0, "class", "normal", "best", "normal",
	    "confidence", 0.9, "box", 1, "class", "abstained", "best",
	    "microcyte", "confidence", 0.4, "reason", "low_confidence"));
	snprintf(path, sizeof(path), "%s/%s/result.json", tmpdir, id);
	CHECK(json_dump_file(r, path, 0) == 0);
	json_decref(r);
}

/* The classes a person may give: the model's names less "reject". */
static void
test_rbc_names(void)
{
	const char	*top = getenv("srcdir");
	char		 path[512], line[64];
	FILE		*f;
	int		 i = 0;

	snprintf(path, sizeof(path), "%s/models/v1-rbcmorph.names",
	    top != NULL ? top : ".");
	if ((f = fopen(path, "r")) == NULL) {
		CHECK(!"cannot read models/v1-rbcmorph.names");
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || strcmp(line, "reject") == 0)
			continue;
		CHECK_STR(rbcdata_class_at(i), line);
		i++;
	}
	fclose(f);
	CHECK(rbcdata_class_at(i) == NULL);
	CHECK(i == 12);
}

/* The shares of class cls in sample summary sum's morphology. */
static double
sample_share(const json_t *sum, const char *cls)
{
	return json_number_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(sum, "morphology"), "classes"),
	    "share"), cls));
}

/* Red-cell class changes of result id checked: the refusals, one accepted. */
static void
test_rbc_check(const char *id)
{
	json_t		*r, *c;
	const char	*code;
	size_t		 i;
	static const struct { const char *changes, *code; } refused[] = {
		{ "[{\"op\":\"rbc_class\",\"detection\":1,\"rbc_class\":"
		    "\"blast\"}]", "review_rbc_class_invalid" },
		{ "[{\"op\":\"rbc_class\",\"detection\":1,\"rbc_class\":"
		    "\"reject\"}]", "review_rbc_class_invalid" },
		{ "[{\"op\":\"rbc_class\",\"detection\":1}]",
		    "review_rbc_class_invalid" },
		{ "[{\"op\":\"rbc_class\",\"detection\":3,\"rbc_class\":"
		    "\"microcyte\"}]", "review_rbc_cell_invalid" },
		{ "[{\"op\":\"rbc_class\",\"detection\":99,\"rbc_class\":"
		    "\"microcyte\"}]", "review_detection_invalid" },
		{ "[{\"op\":\"rbc_class\",\"detection\":1,\"rbc_class\":"
		    "\"microcyte\",\"class\":\"RBC\"}]", "review_change_invalid" },
		{ "[{\"op\":\"rbc_class\",\"detection\":1,\"rbc_class\":"
		    "\"microcyte\"},{\"op\":\"rbc_class\",\"detection\":1,"
		    "\"rbc_class\":\"target\"}]", "review_detection_twice" },
	};

	r = load_result(id);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		c = check_changes(r, refused[i].changes, &code);
		CHECK(c == NULL);
		CHECK_STR(code, refused[i].code);
		json_decref(c);
	}
	/* A box's class and its shape class are two changes of one cell. */
	c = check_changes(r, "[{\"op\":\"reclassify\",\"detection\":1,"
	    "\"class\":\"RBC\"},{\"op\":\"rbc_class\",\"detection\":1,"
	    "\"rbc_class\":\"Target\"}]", &code);
	CHECK(c != NULL && json_array_size(c) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 1),
	    "rbc_class")), "target");
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 1),
	    "from")), "abstained");
	json_decref(c);
	json_decref(r);
}

/* A person's red-cell class: checked, stored, merged, kept, in the sample. */
static void
test_rbc(void)
{
	char		 id[ID_LEN + 1], path[128], sid[ID_LEN + 1], body[240];
	json_t		*r, *c, *o, *cls, *s, *sum, *kept;
	int		 st;

	test_rbc_names();
	make_result(id);
	add_morph(id);
	test_rbc_check(id);

	/* The sample before: microcyte 0 % of the classified. */
	o = json_pack("{s:s}", "code", "RV-RBC");
	s = samples_validate(o, NULL, body, sizeof(body), &st, NULL);
	json_decref(o);
	CHECK(s != NULL);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	CHECK(samples_attach(rfd, sid, id) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, NULL);
	CHECK(sample_share(sum, "microcyte") == 0);
	CHECK(sample_share(sum, "normal") == 1);
	json_decref(sum);

	/* A bad class over HTTP: 400 with the allowed names, nothing saved. */
	snprintf(path, sizeof(path), "/api/results/%s/review", id);
	o = req("PUT", path, "{\"version\":0,\"by\":\"ana\",\"changes\":[{"
	    "\"op\":\"rbc_class\",\"detection\":1,\"rbc_class\":\"blast\"}]}",
	    &st);
	CHECK(st == 400);
	CHECK_STR(err_code(o), "review_rbc_class_invalid");
	CHECK(strstr(json_string_value(json_object_get(json_object_get(o,
	    "error"), "message")), "must be one of normal, macrocyte") !=
	    NULL);
	json_decref(o);
	CHECK(review_current(rfd, id) == 0);

	/* The abstained cell made a microcyte, the normal one confirmed. */
	o = req("PUT", path, "{\"version\":0,\"by\":\"ana\",\"changes\":[{"
	    "\"op\":\"rbc_class\",\"detection\":1,\"rbc_class\":\"Microcyte\"},"
	    "{\"op\":\"rbc_class\",\"detection\":0,\"rbc_class\":\"normal\"}]}",
	    &st);
	CHECK(st == 200);
	CHECK(review_current(rfd, id) == 1);
	cls = json_object_get(json_object_get(o, "morphology"), "classes");
	c = json_array_get(json_object_get(cls, "cells"), 1);
	CHECK_STR(json_string_value(json_object_get(c, "class")), "microcyte");
	CHECK_STR(json_string_value(json_object_get(c, "by")), "review");
	CHECK_STR(json_string_value(json_object_get(c, "detector_class")),
	    "abstained");
	CHECK(count(cls, "by", "microcyte") == 1);
	CHECK(count(cls, "by", "normal") == 1);
	CHECK(json_integer_value(json_object_get(cls, "classified")) == 2);
	CHECK(json_integer_value(json_object_get(cls, "abstained")) == 0);
	CHECK(json_integer_value(json_object_get(cls, "reviewed")) == 2);
	CHECK(count(cls, "detector_by", "microcyte") == 0);
	CHECK(count(o, "counts", "RBC") == 2);	/* boxes untouched */
	json_decref(o);

	/* A stale save is refused; the detector's file is never rewritten. */
	o = req("PUT", path, "{\"version\":0,\"by\":\"bo\",\"changes\":[]}",
	    &st);
	CHECK(st == 409);
	json_decref(o);
	CHECK(review_current(rfd, id) == 1);
	r = load_result(id);
	CHECK_STR(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(json_object_get(r, "morphology"),
	    "classes"), "cells"), 1), "class")), "abstained");
	/* Reloaded and merged (twice: nothing changes the second time). */
	review_merge(rfd, id, r);
	review_merge(rfd, id, r);
	cls = json_object_get(json_object_get(r, "morphology"), "classes");
	CHECK(json_integer_value(json_object_get(cls, "reviewed")) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(
	    json_object_get(cls, "cells"), 1), "detector_class")), "abstained");
	json_decref(r);

	/* Kept as data: both cells, the normal one a confirmation. */
	snprintf(path, sizeof(path), "%s/rbc-classes-1.json", id);
	kept = fsutil_load_json(rfd, path);
	CHECK(kept != NULL);
	CHECK(json_array_size(json_object_get(kept, "cells")) == 2);
	c = json_array_get(json_object_get(kept, "cells"), 0);
	CHECK_STR(json_string_value(json_object_get(c, "class")), "microcyte");
	CHECK(json_is_false(json_object_get(c, "confirmed")));
	CHECK(json_integer_value(json_object_get(json_object_get(c, "box"),
	    "x")) == 100);
	CHECK(json_is_true(json_object_get(json_array_get(json_object_get(kept,
	    "cells"), 1), "confirmed")));
	CHECK(json_integer_value(json_object_get(kept, "review_version")) ==
	    1);
	json_decref(kept);

	/* The sample after: microcyte half of the two classified. */
	sum = samples_summary(rfd, s, NULL);
	CHECK(sample_share(sum, "microcyte") == 0.5);
	CHECK(sample_share(sum, "normal") == 0.5);
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_object_get(sum, "morphology"), "classes"), "abstained")) == 0);
	json_decref(sum);
	json_decref(s);
}

/* The fixture with classifier types: WBC 3 a neutrophil, a differential. */
static void
add_types(const char *id)
{
	char	 path[512];
	json_t	*r = load_result(id);

	CHECK(r != NULL);
	json_object_set_new(json_array_get(json_object_get(r, "detections"),
	    3), "wbc_type", json_pack("{s:s,s:s,s:f}", "class", "neutrophil",
	    "best", "neutrophil", "confidence", 0.9));
	json_object_set_new(r, "differential", json_pack("{s:{s:i,s:i},s:i,"
	    "s:i,s:[ss],s:f}", "by", "neutrophil", 1, "lymphocyte", 0,
	    "typed", 1, "untyped", 0, "classes", "neutrophil", "lymphocyte",
	    "min_confidence", 0.6));
	snprintf(path, sizeof(path), "%s/%s/result.json", tmpdir, id);
	CHECK(json_dump_file(r, path, 0) == 0);
	json_decref(r);
}

/* A person's white-cell type: checked, normalised, merged downstream. */
static void
test_types(void)
{
	char		 id[ID_LEN + 1], path[128];
	json_t		*r, *c, *o, *d, *df;
	const char	*code;
	size_t		 i;
	int		 st;
	static const char *const refused[] = {
		/* Not a type; the classifier's reject class; not a string. */
		"[{\"op\":\"reclassify\",\"detection\":3,\"class\":\"WBC\","
		"\"wbc_type\":\"blast\"}]",
		"[{\"op\":\"reclassify\",\"detection\":3,\"class\":\"WBC\","
		"\"wbc_type\":\"platelet\"}]",
		"[{\"op\":\"reclassify\",\"detection\":3,\"class\":\"WBC\","
		"\"wbc_type\":{\"class\":\"monocyte\"}}]",
		"[{\"op\":\"reclassify\",\"detection\":3,\"class\":\"WBC\","
		"\"wbc_type\":null}]",
		/* On a red cell, on a deletion, on an added platelet. */
		"[{\"op\":\"reclassify\",\"detection\":0,\"class\":\"RBC\","
		"\"wbc_type\":\"lymphocyte\"}]",
		"[{\"op\":\"delete\",\"detection\":3,\"wbc_type\":"
		"\"lymphocyte\"}]",
		"[{\"op\":\"add\",\"class\":\"Platelets\",\"box\":{\"x\":50,"
		"\"y\":300,\"w\":20,\"h\":20},\"wbc_type\":\"monocyte\"}]",
	};

	make_result(id);
	add_types(id);
	r = load_result(id);
	CHECK(r != NULL);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		c = check_changes(r, refused[i], &code);
		CHECK(c == NULL);
		CHECK_STR(code, "review_wbc_type_invalid");
		json_decref(c);
	}

	/*
	 * WBC 3 stays a WBC, only its type changes (any case, stored in
	 * lower case); RBC 2 made a WBC typed "untyped"; an added WBC
	 * typed monocyte.
	 */
	c = check_changes(r, "[{\"op\":\"reclassify\",\"detection\":3,"
	    "\"class\":\"WBC\",\"wbc_type\":\"Lymphocyte\"},"
	    "{\"op\":\"reclassify\",\"detection\":2,\"class\":\"WBC\","
	    "\"wbc_type\":\"untyped\"},"
	    "{\"op\":\"add\",\"class\":\"WBC\",\"box\":{\"x\":20,\"y\":300,"
	    "\"w\":100,\"h\":100},\"wbc_type\":\"monocyte\"}]", &code);
	CHECK(c != NULL && json_array_size(c) == 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 0),
	    "wbc_type")), "lymphocyte");
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 0),
	    "from")), "WBC");
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 1),
	    "wbc_type")), "untyped");
	CHECK_STR(json_string_value(json_object_get(json_array_get(c, 2),
	    "wbc_type")), "monocyte");
	json_decref(c);
	/* An unknown op stays an invalid change, whatever it carries. */
	c = check_changes(r, "[{\"op\":\"move\",\"detection\":3,"
	    "\"class\":\"WBC\",\"wbc_type\":\"monocyte\"}]", &code);
	CHECK(c == NULL);
	CHECK_STR(code, "review_change_invalid");
	/* No type given: none stored. */
	c = check_changes(r, "[{\"op\":\"reclassify\",\"detection\":3,"
	    "\"class\":\"WBC\"}]", &code);
	CHECK(c != NULL && json_object_get(json_array_get(c, 0),
	    "wbc_type") == NULL);
	json_decref(c);
	json_decref(r);

	/* Saved, then read back as the result route reads it. */
	snprintf(path, sizeof(path), "/api/results/%s/review", id);
	o = req("PUT", path, "{\"version\":0,\"by\":\"ana\",\"changes\":["
	    "{\"op\":\"reclassify\",\"detection\":3,\"class\":\"WBC\","
	    "\"wbc_type\":\"lymphocyte\"},{\"op\":\"add\",\"class\":\"WBC\","
	    "\"box\":{\"x\":20,\"y\":300,\"w\":100,\"h\":100},\"wbc_type\":"
	    "\"monocyte\"}]}", &st);
	CHECK(st == 200);
	CHECK(count(o, "counts", "WBC") == 2);
	json_decref(o);
	o = req("PUT", path, "{\"version\":1,\"by\":\"ana\",\"changes\":["
	    "{\"op\":\"reclassify\",\"detection\":3,\"class\":\"WBC\","
	    "\"wbc_type\":\"platelet\"}]}", &st);
	CHECK(st == 400);
	CHECK_STR(err_code(o), "review_wbc_type_invalid");
	CHECK(strstr(json_string_value(json_object_get(json_object_get(o,
	    "error"), "message")), "Change 0") != NULL);
	json_decref(o);

	r = load_result(id);
	CHECK(r != NULL);
	review_merge(rfd, id, r);
	review_merge(rfd, id, r);	/* twice: the same view */
	d = json_array_get(json_object_get(r, "detections"), 3);
	CHECK_STR(json_string_value(json_object_get(json_object_get(d,
	    "wbc_type"), "class")), "lymphocyte");
	CHECK_STR(json_string_value(json_object_get(json_object_get(d,
	    "wbc_type"), "by")), "review");
	CHECK_STR(json_string_value(json_object_get(json_object_get(d,
	    "detector_wbc_type"), "class")), "neutrophil");
	df = json_object_get(r, "differential");
	CHECK(count(df, "by", "lymphocyte") == 1);
	CHECK(count(df, "by", "monocyte") == 1);
	CHECK(count(df, "by", "neutrophil") == 0);
	CHECK(json_integer_value(json_object_get(df, "typed")) == 2);
	CHECK(json_integer_value(json_object_get(df, "untyped")) == 0);
	CHECK(json_integer_value(json_object_get(df, "reviewed")) == 2);
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_object_get(r, "detector_differential"), "by"),
	    "neutrophil")) == 1);
	json_decref(r);

	/* A WBC typed lymphocyte made a red cell: its type no longer counts. */
	o = req("PUT", path, "{\"version\":1,\"by\":\"ana\",\"changes\":["
	    "{\"op\":\"reclassify\",\"detection\":3,\"class\":\"RBC\"},"
	    "{\"op\":\"reclassify\",\"detection\":1,\"class\":\"WBC\"}]}", &st);
	CHECK(st == 200);
	json_decref(o);
	r = load_result(id);
	review_merge(rfd, id, r);
	df = json_object_get(r, "differential");
	CHECK(json_integer_value(json_object_get(df, "typed")) == 0);
	CHECK(json_integer_value(json_object_get(df, "untyped")) == 1);
	CHECK_STR(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r, "detections"), 3), "wbc_type"),
	    "class")), "neutrophil");
	json_decref(r);
}

/* Two processes saving the same version at once: exactly one lands. */
static void
test_race(void)
{
	char	 id[ID_LEN + 1];
	pid_t	 pid[8];
	int	 i, st, ok = 0, conflict = 0, round;

	make_result(id);
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 8; i++) {
			if ((pid[i] = fork()) == 0) {
				json_t	*rv = json_pack("{s:s,s:[]}", "by",
					    "racer", "changes");
				int	 cur;
				enum review_err e;

				e = review_save(rfd, id, round, rv, &cur);
				json_decref(rv);
				_exit(e == REVIEW_OK ? 0 :
				    e == REVIEW_ERR_CONFLICT ? 1 : 2);
			}
		}
		for (i = 0; i < 8; i++) {
			if (pid[i] < 0 || waitpid(pid[i], &st, 0) != pid[i]) {
				CHECK(!"fork or wait failed");
				continue;
			}
			ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
			conflict += WIFEXITED(st) && WEXITSTATUS(st) == 1;
		}
		CHECK(review_current(rfd, id) == round + 1);
	}
	CHECK(ok == 5);
	CHECK(conflict == 35);
}

int
main(void)
{
	char	 cmd[600];
	int	 rc;

	if (mkdtemp(tmpdir) == NULL ||
	    (rfd = open(tmpdir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror(tmpdir);
		return 99;
	}
	memset(&app, 0, sizeof(app));
	app.results_fd = rfd;
	app.results_dir = tmpdir;
	test_check();
	test_route();
	test_types();
	test_rbc();
	test_race();
	close(rfd);
	rc = check_done("test_review");
	if (rc == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	return rc;
}
