/* test_samples.c: the sample store (atomic, concurrent writers), validation, summaries, routes */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mkdtemp, utimensat under -std=c11 */
#endif

#include "app.h"
#include "clinical.h"
#include "http.h"
#include "ids.h"
#include "samples.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static char		 tmpdir[] = "/tmp/test_samples.XXXXXX";
static int		 rfd = -1;
static struct clinical	*clin;

/* Make results/<id>/result.json with these counts and image size. */
static void
make_result(char *id, int rbc, int wbc, int plt, int w, int h)
{
	char	 path[512];
	FILE	*f;

	CHECK(id_new(id) == 0);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, id);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/%s/result.json", tmpdir, id);
	if ((f = fopen(path, "w")) == NULL) {
		CHECK(!"cannot write result.json");
		return;
	}
	fprintf(f, "{\"id\":\"%s\",\"image\":{\"width\":%d,\"height\":%d},"
	    "\"counts\":{\"RBC\":%d,\"WBC\":%d,\"Platelets\":%d}}\n",
	    id, w, h, rbc, wbc, plt);
	fclose(f);
}

static json_t *
valid(const char *js, char *err, size_t errsz, int *missing)
{
	json_t	*in, *out;

	in = json_loads(js, 0, NULL);
	CHECK(in != NULL);
	out = samples_validate(in, clin, err, errsz, missing);
	json_decref(in);
	return out;
}

static void
test_validate(void)
{
	static const struct {
		const char	*body;
		int		 ok, missing;
		const char	*needle;	/* in the error message */
	} c[] = {
		{ "{\"code\":\"S-001\"}", 1, 0, NULL },
		{ "{\"code\":\"S-001\",\"age\":18,\"age_unit\":\"months\","
		  "\"sex\":\"female\",\"hemoglobin\":9.8,"
		  "\"hemoglobin_unit\":\"g/dL\",\"altitude_m\":2400}", 1, 0, NULL },
		{ "{}", 0, 1, "code" },
		{ "{\"code\":\"Jane Doe\"}", 0, 0, "code" },
		{ "{\"code\":\"\"}", 0, 0, "code" },
		{ "{\"code\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", 0, 0, "code" },
		{ "{\"code\":\"S1\",\"name\":\"x\"}", 0, 0, "Unknown field" },
		{ "{\"code\":\"S1\",\"age\":4}", 0, 1, "age_unit" },
		{ "{\"code\":\"S1\",\"age\":400,\"age_unit\":\"years\"}", 0, 0,
		  "age_unit" },
		{ "{\"code\":\"S1\",\"hemoglobin\":12}", 0, 1,
		  "hemoglobin_unit" },
		{ "{\"code\":\"S1\",\"hemoglobin\":120,"
		  "\"hemoglobin_unit\":\"g/dL\"}", 0, 0, "check the unit" },
		{ "{\"code\":\"S1\",\"sex\":\"male\",\"pregnant\":true}", 0, 0,
		  "pregnant" },
		{ "{\"code\":\"S1\",\"sex\":\"female\",\"pregnant\":true,"
		  "\"age\":36,\"age_unit\":\"months\"}", 0, 0, "pregnant" },
		{ "{\"code\":\"S1\",\"trimester\":2}", 0, 0, "trimester" },
		{ "{\"code\":\"S1\",\"sex\":\"female\",\"pregnant\":true,"
		  "\"trimester\":4}", 0, 0, "trimester" },
		{ "{\"code\":\"S1\",\"packs_per_day\":1}", 0, 0, "smoker" },
		{ "{\"code\":\"S1\",\"dilution\":200}", 0, 0, "chamber" },
		{ "{\"code\":\"S1\",\"preparation\":\"chamber\","
		  "\"profile\":\"bccd-smear-100x\"}", 0, 0, "profile" },
		{ "{\"code\":\"S1\",\"preparation\":\"wet\"}", 0, 0,
		  "preparation" },
		{ "{\"code\":\"S1\",\"note\":\"a\\u0001b\"}", 0, 0, "note" },
		{ "{\"code\":\"S1\",\"altitude_m\":\"high\"}", 0, 0,
		  "altitude_m" },
	};
	char	 err[256];
	int	 missing;
	size_t	 i;
	json_t	*o;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		err[0] = '\0';
		o = valid(c[i].body, err, sizeof(err), &missing);
		CHECK((o != NULL) == c[i].ok);
		if ((o != NULL) != c[i].ok)
			fprintf(stderr, "  case %zu: %s -> %s\n", i, c[i].body,
			    o ? "accepted" : err);
		if (!c[i].ok) {
			CHECK(missing == c[i].missing);
			CHECK(strstr(err, c[i].needle) != NULL);
		}
		json_decref(o);
	}

	/* Normalisation: g/dL -> g/L, years -> months, defaults. */
	o = valid("{\"code\":\"S-2\",\"age\":2,\"age_unit\":\"years\","
	    "\"hemoglobin\":10.4,\"hemoglobin_unit\":\"g/dL\"}", err,
	    sizeof(err), &missing);
	CHECK(o != NULL);
	CHECK(fabs(json_number_value(json_object_get(o, "hemoglobin_g_l")) -
	    104) < 1e-9);
	CHECK(json_number_value(json_object_get(o, "age_months")) == 24);
	CHECK_STR(json_string_value(json_object_get(o, "preparation")),
	    "smear");
	CHECK_STR(json_string_value(json_object_get(o, "profile")),
	    "bccd-smear-100x");
	CHECK_STR(json_string_value(json_object_get(o, "sex")), "unknown");
	CHECK(json_is_null(json_object_get(o, "dilution")));
	json_decref(o);
	/* A chamber gets its profile's default dilution. */
	o = valid("{\"code\":\"C-1\",\"preparation\":\"chamber\"}", err,
	    sizeof(err), &missing);
	CHECK(o != NULL &&
	    json_number_value(json_object_get(o, "dilution")) == 200);
	json_decref(o);
}

/* Names in the samples dir other than . and .. and .lock. */
static int
count_entries(const char *prefix)
{
	char		 path[512];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/samples", tmpdir);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, ".lock"))
			n++;
	closedir(d);
	return n;
}

static void
test_store(void)
{
	char	 id[ID_LEN + 1], id2[ID_LEN + 1], r1[ID_LEN + 1];
	char	 r2[ID_LEN + 1], ghost[ID_LEN + 1], err[256], path[512];
	json_t	*s, *l;
	int	 missing;

	/* List before any sample exists: empty, not an error. */
	l = samples_list(rfd, 100);
	CHECK(l != NULL && json_array_size(l) == 0);
	json_decref(l);

	s = valid("{\"code\":\"LAB-1\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, id, sizeof(id)) == SAMPLES_OK);
	json_decref(s);
	CHECK(id_valid(id));
	snprintf(path, sizeof(path), "%s/samples/%s.json", tmpdir, id);
	CHECK(access(path, R_OK) == 0);
	s = samples_load(rfd, id);
	CHECK(s != NULL);
	CHECK_STR(json_string_value(json_object_get(s, "code")), "LAB-1");
	CHECK_STR(json_string_value(json_object_get(s, "id")), id);
	CHECK(json_array_size(json_object_get(s, "results")) == 0);
	json_decref(s);
	CHECK(samples_exists(rfd, id));

	make_result(r1, 10, 1, 2, 640, 480);
	make_result(r2, 12, 0, 1, 640, 480);
	CHECK(id_new(ghost) == 0);
	CHECK(samples_attach(rfd, id, r1) == SAMPLES_OK);
	CHECK(samples_attach(rfd, id, r2) == SAMPLES_OK);
	CHECK(samples_attach(rfd, id, r1) == SAMPLES_OK);	/* no dup */
	CHECK(samples_attach(rfd, id, ghost) == SAMPLES_ERR_NOTFOUND);
	CHECK(samples_attach(rfd, ghost, r1) == SAMPLES_ERR_NOTFOUND);
	CHECK(samples_attach(rfd, "../../etc/passwd", r1) ==
	    SAMPLES_ERR_NOTFOUND);
	s = samples_load(rfd, id);
	CHECK(json_array_size(json_object_get(s, "results")) == 2);
	CHECK_STR(json_string_value(json_array_get(json_object_get(s,
	    "results"), 0)), r1);
	json_decref(s);

	/* The analyse handler's entry point. */
	snprintf(path, sizeof(path), "%s", tmpdir);
	CHECK(samples_add_result(path, id, r2, err, sizeof(err)) == 0);
	errno = 0;
	CHECK(samples_add_result(path, id, ghost, err, sizeof(err)) == -1 &&
	    errno == ENOENT);
	CHECK(samples_add_result(path, "x", r1, err, sizeof(err)) == -1 &&
	    errno == EINVAL);

	/* A second sample; list is newest first, both present. */
	s = valid("{\"code\":\"LAB-2\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, id2, sizeof(id2)) == SAMPLES_OK);
	json_decref(s);
	l = samples_list(rfd, 100);
	CHECK(json_array_size(l) == 2);
	json_decref(l);
	l = samples_list(rfd, 1);
	CHECK(json_array_size(l) == 1);
	json_decref(l);

	/* A crashed writer's temporary file is ignored by the list. */
	snprintf(path, sizeof(path), "%s/samples/.tmp-%s.json", tmpdir, id);
	fclose(fopen(path, "w"));
	l = samples_list(rfd, 100);
	CHECK(json_array_size(l) == 2);
	json_decref(l);
	/* ... and cleared by the next write of that sample. */
	make_result(r2, 1, 1, 1, 640, 480);
	CHECK(samples_attach(rfd, id, r2) == SAMPLES_OK);
	CHECK(count_entries(".tmp") == 0);
	/* A delete clears it too. */
	fclose(fopen(path, "w"));

	CHECK(samples_remove(rfd, id2) == SAMPLES_OK);
	CHECK(samples_remove(rfd, id2) == SAMPLES_ERR_NOTFOUND);
	CHECK(samples_load(rfd, id2) == NULL && errno == ENOENT);
	CHECK(samples_remove(rfd, "not-an-id") == SAMPLES_ERR_NOTFOUND);
	CHECK(count_entries("") == 2);		/* id.json, .tmp-id.json */
	CHECK(samples_remove(rfd, id) == SAMPLES_OK);
	CHECK(count_entries("") == 0);
}

static void
test_expire(void)
{
	char		 old[ID_LEN + 1], fresh[ID_LEN + 1], err[256], p[512];
	struct timespec	 ts[2];
	json_t		*s;
	int		 missing;

	s = valid("{\"code\":\"OLD\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, old, sizeof(old)) == SAMPLES_OK);
	json_decref(s);
	s = valid("{\"code\":\"NEW\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, fresh, sizeof(fresh)) == SAMPLES_OK);
	json_decref(s);
	/* Last changed 3 days ago. */
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 3 * 86400;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	snprintf(p, sizeof(p), "%s/samples/%s.json", tmpdir, old);
	CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
	CHECK(samples_expire(rfd, 0) == 0);
	CHECK(samples_expire(rfd, 7) == 0);
	CHECK(samples_expire(rfd, 2) == 1);
	CHECK(!samples_exists(rfd, old));
	CHECK(samples_exists(rfd, fresh));
	CHECK(samples_remove(rfd, fresh) == SAMPLES_OK);
}

/*
 * Two processes each add 50 results to one sample at the same time.
 * Without the lock, read-modify-write races lose updates; with it, all
 * 100 must be there.
 */
static void
test_concurrent(void)
{
	char	 sid[ID_LEN + 1], err[256];
	char	 (*ids)[ID_LEN + 1];
	json_t	*s, *arr;
	pid_t	 pid[2];
	int	 i, k, st, missing, found, all = 1;

	s = valid("{\"code\":\"RACE\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	if ((ids = calloc(100, sizeof(*ids))) == NULL)
		return;
	for (i = 0; i < 100; i++)
		make_result(ids[i], i, 0, 0, 640, 480);
	for (k = 0; k < 2; k++) {
		if ((pid[k] = fork()) == 0) {
			for (i = 0; i < 50; i++)
				if (samples_add_result(tmpdir, sid,
				    ids[k * 50 + i], err, sizeof(err)) == -1)
					_exit(1);
			_exit(0);
		}
		CHECK(pid[k] > 0);
	}
	for (k = 0; k < 2; k++) {
		CHECK(waitpid(pid[k], &st, 0) == pid[k]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	s = samples_load(rfd, sid);
	arr = json_object_get(s, "results");
	CHECK(json_array_size(arr) == 100);
	for (i = 0; i < 100; i++) {
		size_t	 j;

		found = 0;
		for (j = 0; j < json_array_size(arr); j++)
			if (strcmp(json_string_value(json_array_get(arr, j)),
			    ids[i]) == 0)
				found = 1;
		all &= found;
	}
	CHECK(all);
	CHECK(count_entries(".tmp") == 0);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
	free(ids);
}

static const char *
path_str(json_t *root, const char *a, const char *b, const char *c)
{
	json_t	*o = json_object_get(root, a);

	if (b != NULL)
		o = json_object_get(o, b);
	if (c != NULL)
		o = json_object_get(o, c);
	return json_string_value(o);
}

static double
path_num(json_t *root, const char *a, const char *b, const char *c)
{
	json_t	*o = json_object_get(root, a);

	if (b != NULL)
		o = json_object_get(o, b);
	if (c != NULL)
		o = json_object_get(o, c);
	return json_is_number(o) ? json_number_value(o) : -12345;
}

static void
test_summary_smear(void)
{
	char	 sid[ID_LEN + 1], r[3][ID_LEN + 1], err[256];
	json_t	*s, *sum;
	int	 missing, i;

	/* RBC 10, 12, 14; WBC 1, 0, 1; platelets 1, 2, 1. */
	make_result(r[0], 10, 1, 1, 640, 480);
	make_result(r[1], 12, 0, 2, 640, 480);
	make_result(r[2], 14, 1, 1, 640, 480);
	s = valid("{\"code\":\"SM-1\",\"age\":30,\"age_unit\":\"years\","
	    "\"sex\":\"male\",\"hemoglobin\":11.5,\"hemoglobin_unit\":"
	    "\"g/dL\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	for (i = 0; i < 3; i++)
		CHECK(samples_attach(rfd, sid, r[i]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK(sum != NULL);
	CHECK(path_num(sum, "fields", NULL, NULL) == 3);
	CHECK(path_num(sum, "totals", "RBC", NULL) == 36);
	CHECK(path_num(sum, "totals", "WBC", NULL) == 2);
	CHECK(path_num(sum, "totals", "Platelets", NULL) == 4);
	/* RBC mean 12, SD 2, t(2) 4.303: 12 +- 4.303 x 2 / sqrt 3 = 4.969. */
	CHECK(path_num(sum, "per_field_stats", "RBC", "mean") == 12);
	CHECK(path_num(sum, "per_field_stats", "RBC", "sd") == 2);
	CHECK(fabs(json_number_value(json_array_get(json_object_get(
	    json_object_get(json_object_get(sum, "per_field_stats"), "RBC"),
	    "ci95"), 0)) - 7.031) < 1e-9);
	/* Platelets: 4 / 3 x 20 x 15000 = 400,000 /uL. */
	CHECK(path_num(sum, "estimates", "Platelets", "per_ul") == 400000);
	CHECK_STR(path_str(sum, "estimates", "Platelets", "formula"),
	    "Platelets/\xc2\xb5L \xe2\x89\x88 1.333 per image (4 platelets "
	    "\xc3\xb7 3 images) \xc3\x97 20 images/field \xc3\x97 15000 = "
	    "400000");
	/* RBC: 12 x 20 x 15000 = 3,600,000: low for a man (4.5-5.5 M). */
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 3600000);
	CHECK_STR(path_str(sum, "flags", "RBC", "flag"), "low");
	/* WBC: 2/3 x 20 x 15000 = 200,000: high. */
	CHECK(path_num(sum, "estimates", "WBC", "per_ul") == 200000);
	CHECK_STR(path_str(sum, "flags", "WBC", "flag"), "high");
	CHECK_STR(path_str(sum, "flags", "Platelets", "flag"), "normal");
	/* 36 RBC in 3 fields: unstable. */
	CHECK(json_is_false(json_object_get(json_object_get(sum,
	    "stability"), "stable")));
	/* Man, Hb 115 g/L < 130: likely, mild (110-129). */
	CHECK_STR(path_str(sum, "screening", "result", NULL), "likely");
	CHECK_STR(path_str(sum, "screening", "severity", NULL), "mild");
	CHECK(path_num(sum, "screening", "hemoglobin", "cutoff_g_l") == 130);
	CHECK(strstr(path_str(sum, "disclaimer", NULL, NULL),
	    "not a diagnosis") != NULL);
	CHECK(json_array_size(json_object_get(sum, "sources")) >= 3);
	json_decref(sum);

	/* A deleted result is reported, not counted. */
	{
		char	 p[512];

		snprintf(p, sizeof(p), "%s/%s/result.json", tmpdir, r[2]);
		unlink(p);
		sum = samples_summary(rfd, s, clin);
		CHECK(path_num(sum, "fields", NULL, NULL) == 2);
		CHECK(json_array_size(json_object_get(sum,
		    "missing_results")) == 1);
		CHECK(path_num(sum, "totals", "RBC", NULL) == 22);
		json_decref(sum);
	}
	/* Without calibration: counts still there, estimates explained. */
	sum = samples_summary(rfd, s, NULL);
	CHECK(path_num(sum, "totals", "RBC", NULL) == 22);
	CHECK(json_object_size(json_object_get(sum, "estimates")) == 0);
	CHECK(path_str(sum, "estimates_unavailable", NULL, NULL) != NULL);
	CHECK_STR(path_str(sum, "screening", "result", NULL), "cannot_tell");
	json_decref(sum);
	json_decref(s);
}

static void
test_summary_chamber(void)
{
	char	 sid[ID_LEN + 1], r[ID_LEN + 1], err[256];
	json_t	*s, *sum;
	int	 missing, i;

	/*
	 * Neubauer profile, 0.5 um/px: a 400 x 400 px image is one medium
	 * square, 0.04 mm^2.  Five images of 100 RBC: 500 / (0.2 x 0.1) x
	 * 200 = 5,000,000 /uL (the textbook count).
	 */
	s = valid("{\"code\":\"CH-1\",\"preparation\":\"chamber\","
	    "\"sex\":\"female\",\"age\":25,\"age_unit\":\"years\"}", err,
	    sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	for (i = 0; i < 5; i++) {
		make_result(r, 100, 0, 5, 400, 400);
		CHECK(samples_attach(rfd, sid, r) == SAMPLES_OK);
	}
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 5000000);
	CHECK_STR(path_str(sum, "estimates", "RBC", "formula"),
	    "RBC/\xc2\xb5L = 500 RBC \xc3\xb7 (0.2 mm\xc2\xb2 \xc3\x97 0.1 mm) "
	    "\xc3\x97 200 = 5000000");
	CHECK(strstr(path_str(sum, "calibration", "formula", NULL),
	    "5 images \xc3\x97 400 px \xc3\x97 400 px") != NULL);
	/* 5.0 M is above 4.8 M for a woman. */
	CHECK_STR(path_str(sum, "flags", "RBC", "flag"), "high");
	/* Identical fields: SD 0, CI collapses onto the estimate. */
	CHECK(json_integer_value(json_array_get(json_object_get(
	    json_object_get(json_object_get(sum, "estimates"), "RBC"),
	    "ci95"), 0)) == 5000000);
	/* No haemoglobin: cannot tell. */
	CHECK_STR(path_str(sum, "screening", "result", NULL), "cannot_tell");
	json_decref(sum);
	json_decref(s);
}

/* One request through samples_route(); returns the parsed body. */
static json_t *
req(struct app *app, const char *method, const char *path, const char *body,
    int *status, char *headers, size_t hsz)
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
	handled = samples_route(app, &rq, &rs);
	*status = handled ? rs.status : 0;
	if (headers != NULL)
		snprintf(headers, hsz, "%s", rs.headers);
	if (handled && rs.body != NULL)
		o = json_loadb(rs.body, rs.body_len, 0, NULL);
	http_response_free(&rs);
	return o;
}

static void
test_routes(void)
{
	struct app	 app;
	json_t		*o;
	int		 st;
	char		 hdr[512], path[128], body[128], sid[ID_LEN + 1];
	char		 rid[ID_LEN + 1];

	memset(&app, 0, sizeof(app));
	app.results_fd = rfd;
	app.results_dir = tmpdir;
	app.clinical = clin;

	o = req(&app, "GET", "/api/samplesX", NULL, &st, NULL, 0);
	CHECK(st == 0 && o == NULL);
	o = req(&app, "GET", "/api/results", NULL, &st, NULL, 0);
	CHECK(st == 0);

	o = req(&app, "POST", "/api/samples",
	    "{\"code\":\"R-1\",\"sex\":\"female\"}", &st, hdr, sizeof(hdr));
	CHECK(st == 201);
	CHECK_STR(path_str(o, "code", NULL, NULL), "R-1");
	snprintf(sid, sizeof(sid), "%s", path_str(o, "id", NULL, NULL) ?
	    path_str(o, "id", NULL, NULL) : "");
	CHECK(id_valid(sid));
	CHECK(strstr(hdr, "Location: /api/samples/") != NULL);
	json_decref(o);

	o = req(&app, "POST", "/api/samples", "{\"code\":", &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(path_str(o, "error", "code", NULL), "bad_request");
	json_decref(o);
	o = req(&app, "POST", "/api/samples", "{}", &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(path_str(o, "error", "code", NULL), "missing_field");
	json_decref(o);
	o = req(&app, "PUT", "/api/samples", "{}", &st, hdr, sizeof(hdr));
	CHECK(st == 405 && strstr(hdr, "Allow: GET, POST") != NULL);
	json_decref(o);

	o = req(&app, "GET", "/api/samples", NULL, &st, NULL, 0);
	CHECK(st == 200 && json_array_size(json_object_get(o, "samples")) >= 1);
	json_decref(o);

	snprintf(path, sizeof(path), "/api/samples/%s", sid);
	o = req(&app, "GET", path, NULL, &st, NULL, 0);
	CHECK(st == 200);
	CHECK(json_is_object(json_object_get(o, "sample")));
	CHECK(path_num(o, "summary", "fields", NULL) == 0);
	CHECK(path_str(o, "summary", "disclaimer", NULL) != NULL);
	json_decref(o);
	o = req(&app, "PATCH", path, NULL, &st, hdr, sizeof(hdr));
	CHECK(st == 405 && strstr(hdr, "Allow: GET, DELETE") != NULL);
	json_decref(o);

	o = req(&app, "GET", "/api/samples/AAAAAAAAAAAAAAAAAAAAAA", NULL, &st,
	    NULL, 0);
	CHECK(st == 404);
	json_decref(o);
	o = req(&app, "GET", "/api/samples/..%2F..%2Fetc%2Fpasswd", NULL,
	    &st, NULL, 0);
	CHECK(st == 404);
	json_decref(o);
	o = req(&app, "GET", "/api/samples/../../../../etc/passwd", NULL, &st,
	    NULL, 0);
	CHECK(st == 404);
	json_decref(o);

	/* Attach: missing result -> 404; real one -> 200 with summary. */
	snprintf(path, sizeof(path), "/api/samples/%s/results", sid);
	o = req(&app, "POST", path, "{\"result\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
	    &st, NULL, 0);
	CHECK(st == 404);
	json_decref(o);
	o = req(&app, "POST", path, "{\"result\":\"../x\"}", &st, NULL, 0);
	CHECK(st == 404);
	json_decref(o);
	o = req(&app, "POST", path, "{}", &st, NULL, 0);
	CHECK(st == 400);
	json_decref(o);
	make_result(rid, 20, 1, 3, 640, 480);
	snprintf(body, sizeof(body), "{\"result\":\"%s\"}", rid);
	o = req(&app, "POST", path, body, &st, NULL, 0);
	CHECK(st == 200);
	CHECK(path_num(o, "summary", "totals", "Platelets") == 3);
	json_decref(o);
	o = req(&app, "GET", path, NULL, &st, hdr, sizeof(hdr));
	CHECK(st == 405 && strstr(hdr, "Allow: POST") != NULL);
	json_decref(o);

	o = req(&app, "GET", "/api/samples/profiles", NULL, &st, NULL, 0);
	CHECK(st == 200 &&
	    json_array_size(json_object_get(o, "profiles")) == 3);
	json_decref(o);

	snprintf(path, sizeof(path), "/api/samples/%s", sid);
	o = req(&app, "DELETE", path, NULL, &st, NULL, 0);
	CHECK(st == 200);
	CHECK_STR(path_str(o, "deleted", NULL, NULL), sid);
	json_decref(o);
	o = req(&app, "DELETE", path, NULL, &st, NULL, 0);
	CHECK(st == 404);
	json_decref(o);
	o = req(&app, "GET", path, NULL, &st, NULL, 0);
	CHECK(st == 404);
	json_decref(o);
}

int
main(void)
{
	const char	*dir = getenv("top_srcdir");
	char		 cal[1024], ref[1024], err[256], cmd[600];
	int		 rc;

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
	test_validate();
	test_store();
	test_expire();
	test_concurrent();
	test_summary_smear();
	test_summary_chamber();
	test_routes();
	close(rfd);
	clinical_free(clin);
	rc = check_done("test_samples");
	if (rc == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	return rc;
}
