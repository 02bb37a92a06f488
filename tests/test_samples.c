/* test_samples.c: the sample store (atomic, concurrent writers), validation, summaries, routes */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mkdtemp, utimensat under -std=c11 */
#endif

#include "base/context.h"
#include "routes/samples_routes.h"
#include "clinical/clinical.h"
#include "clinical/estimates.h"
#include "base/http.h"
#include "store/ids.h"
#include "store/results.h"
#include "store/samples.h"

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
#include "fixture.h"

#define TEST_PI		3.14159265358979323846	/* M_PI is POSIX, not C11 */

static char		 tmpdir[] = "/tmp/test_samples.XXXXXX";
static int		 rfd = -1;
static struct clinical	*clin;

/*
 * Make results/<id>/result.json with these counts and image size; extra
 * (NULL: none) is more members of the object, e.g. "scale" and "fov".
 */
static void
make_result_x(char *id, int rbc, int wbc, int plt, int w, int h,
    const char *extra)
{
	FILE	*f;

	if ((f = fixture_result(tmpdir, id)) == NULL)
		return;
	fprintf(f, "{\"id\":\"%s\",\"image\":{\"width\":%d,\"height\":%d},"
	    "\"counts\":{\"RBC\":%d,\"WBC\":%d,\"Platelets\":%d}%s%s}\n",
	    id, w, h, rbc, wbc, plt, extra ? "," : "", extra ? extra : "");
	fclose(f);
}

static void
make_result(char *id, int rbc, int wbc, int plt, int w, int h)
{
	make_result_x(id, rbc, wbc, plt, w, h, NULL);
}

/*
 * A result as the analyse pipeline writes it with a known scale: a
 * circular field of view of radius sqrt(r2) px inside a 1000 x 1000
 * image at 0.1 um/px (given with the upload), so its area is
 * pi x r2 px^2 = pi x r2 / 100 um^2.
 */
static void
make_result_fov(char *id, int rbc, int wbc, int plt, double r2)
{
	char	 extra[512];

	snprintf(extra, sizeof(extra), "\"scale\":{\"source\":\"request\","
	    "\"rbc_px\":75,\"um_per_px\":0.1,\"factor\":1.067,"
	    "\"status\":\"ok\",\"reason\":null},\"fov\":{\"shape\":"
	    "\"circle\",\"cx\":500,\"cy\":500,\"r\":%.17g,\"clipped\":"
	    "false,\"area_px\":%.17g,\"area_um2\":%.17g}", sqrt(r2),
	    TEST_PI * r2, TEST_PI * r2 / 100);
	make_result_x(id, rbc, wbc, plt, 1000, 1000, extra);
}

static json_t	*last_msgs;	/* samples_validate()'s message list */

/* 1 if sample id is stored (loads). */
static int
sample_there(const char *id)
{
	json_t	*s = samples_load(rfd, id);

	json_decref(s);
	return s != NULL;
}

static json_t *
valid(const char *js, char *err, size_t errsz, int *missing)
{
	json_t	*in, *out;

	in = json_loads(js, 0, NULL);
	CHECK(in != NULL);
	json_decref(last_msgs);
	out = samples_validate(in, clin, err, errsz, missing, &last_msgs);
	json_decref(in);
	/* The list comes with a refusal, never with a success. */
	CHECK((out == NULL) == (last_msgs != NULL));
	return out;
}

/*
 * Params of message i of list if its code is code; NULL, and a failed
 * check, if not.
 */
static json_t *
msg_params(const json_t *list, size_t i, const char *code)
{
	json_t		*m = json_array_get(list, i);
	const char	*c = json_string_value(json_object_get(m, "code"));

	CHECK_STR(c, code);
	if (c == NULL || strcmp(c, code) != 0)
		return NULL;
	CHECK(json_is_object(json_object_get(m, "params")));
	return json_object_get(m, "params");
}

static double
pnum(const json_t *params, const char *key)
{
	json_t	*j = json_object_get(params, key);

	return json_is_number(j) ? json_number_value(j) : -12345;
}

static const char *
pstr(const json_t *params, const char *key)
{
	return json_string_value(json_object_get(params, key));
}

static void
test_validate(void)
{
	static const struct {
		const char	*body;
		int		 ok, missing;
		const char	*needle;	/* in the error message */
		const char	*code;		/* of its message_i18n */
		const char	*field;		/* named by the message */
	} c[] = {
		{ "{\"code\":\"S-001\"}", 1, 0, NULL, NULL, NULL },
		{ "{\"code\":\"S-001\",\"age\":18,\"age_unit\":\"months\","
		  "\"sex\":\"female\",\"hemoglobin\":9.8,"
		  "\"hemoglobin_unit\":\"g/dL\",\"altitude_m\":2400}", 1, 0,
		  NULL, NULL, NULL },
		{ "{}", 0, 1, "code", "code_required", "code" },
		{ "{\"code\":\"Jane Doe\"}", 0, 0, "code", "code_invalid",
		  "code" },
		{ "{\"code\":\"\"}", 0, 0, "code", "code_invalid", "code" },
		{ "{\"code\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", 0, 0,
		  "code", "code_invalid", "code" },
		{ "{\"code\":\"S1\",\"name\":\"x\"}", 0, 0, "Unknown field",
		  "unknown_field", "name" },
		{ "{\"code\":\"S1\",\"age\":-1,\"age_unit\":\"years\"}", 0, 0,
		  "age", "age_invalid", "age" },
		{ "{\"code\":\"S1\",\"age\":4}", 0, 1, "age_unit",
		  "age_unit_required", "age_unit" },
		{ "{\"code\":\"S1\",\"age\":400,\"age_unit\":\"years\"}", 0, 0,
		  "age_unit", "age_unit_invalid", "age_unit" },
		{ "{\"code\":\"S1\",\"age_unit\":\"years\"}", 0, 0, "age_unit",
		  "age_unit_without_age", "age_unit" },
		{ "{\"code\":\"S1\",\"sex\":\"f\"}", 0, 0, "sex", "sex_invalid",
		  "sex" },
		{ "{\"code\":\"S1\",\"pregnant\":1}", 0, 0, "pregnant",
		  "pregnant_invalid", "pregnant" },
		{ "{\"code\":\"S1\",\"hemoglobin\":\"x\"}", 0, 0, "hemoglobin",
		  "hemoglobin_invalid", "hemoglobin" },
		{ "{\"code\":\"S1\",\"hemoglobin\":12}", 0, 1,
		  "hemoglobin_unit", "hemoglobin_unit_required",
		  "hemoglobin_unit" },
		{ "{\"code\":\"S1\",\"hemoglobin\":12,\"hemoglobin_unit\":"
		  "\"mmol/L\"}", 0, 0, "hemoglobin_unit",
		  "hemoglobin_unit_invalid", "hemoglobin_unit" },
		{ "{\"code\":\"S1\",\"hemoglobin\":120,"
		  "\"hemoglobin_unit\":\"g/dL\"}", 0, 0, "check the unit",
		  "hemoglobin_out_of_range", "hemoglobin" },
		{ "{\"code\":\"S1\",\"sex\":\"male\",\"pregnant\":true}", 0, 0,
		  "pregnant", "pregnant_not_female", "pregnant" },
		{ "{\"code\":\"S1\",\"sex\":\"female\",\"pregnant\":true,"
		  "\"age\":36,\"age_unit\":\"months\"}", 0, 0, "pregnant",
		  "pregnant_too_young", "pregnant" },
		{ "{\"code\":\"S1\",\"trimester\":2}", 0, 0, "trimester",
		  "trimester_without_pregnant", "trimester" },
		{ "{\"code\":\"S1\",\"sex\":\"female\",\"pregnant\":true,"
		  "\"trimester\":4}", 0, 0, "trimester", "trimester_invalid",
		  "trimester" },
		{ "{\"code\":\"S1\",\"smoker\":\"yes\"}", 0, 0, "smoker",
		  "smoker_invalid", "smoker" },
		{ "{\"code\":\"S1\",\"smoker\":true,\"packs_per_day\":11}", 0,
		  0, "packs_per_day", "packs_per_day_invalid",
		  "packs_per_day" },
		{ "{\"code\":\"S1\",\"packs_per_day\":1}", 0, 0, "smoker",
		  "packs_per_day_without_smoker", "packs_per_day" },
		{ "{\"code\":\"S1\",\"dilution\":200}", 0, 0, "chamber",
		  "dilution_not_chamber", "dilution" },
		{ "{\"code\":\"S1\",\"preparation\":\"chamber\","
		  "\"dilution\":0}", 0, 0, "dilution", "dilution_invalid",
		  "dilution" },
		{ "{\"code\":\"S1\",\"preparation\":\"chamber\","
		  "\"profile\":\"bccd-smear-100x\"}", 0, 0, "profile",
		  "profile_unknown", "profile" },
		{ "{\"code\":\"S1\",\"profile\":7}", 0, 0, "profile",
		  "profile_invalid", "profile" },
		{ "{\"code\":\"S1\",\"preparation\":\"wet\"}", 0, 0,
		  "preparation", "preparation_invalid", "preparation" },
		{ "{\"code\":\"S1\",\"note\":\"a\\u0001b\"}", 0, 0, "note",
		  "note_invalid", "note" },
		{ "{\"code\":\"S1\",\"altitude_m\":\"high\"}", 0, 0,
		  "altitude_m", "altitude_invalid", "altitude_m" },
		{ "[1]", 0, 0, "JSON object", "body_not_object", NULL },
	};
	char	 err[256];
	int	 missing;
	size_t	 i;
	json_t	*o, *p;

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
			/* One message: its code and the field it names. */
			CHECK(json_array_size(last_msgs) == 1);
			p = msg_params(last_msgs, 0, c[i].code);
			if (c[i].field != NULL)
				CHECK_STR(pstr(p, "field"), c[i].field);
			else
				CHECK(pstr(p, "field") == NULL);
		}
		json_decref(o);
	}

	/* Numbers and names the sentence shows travel as params. */
	valid("{\"code\":\"S1\",\"hemoglobin\":120.5,"
	    "\"hemoglobin_unit\":\"g/dL\"}", err, sizeof(err), &missing);
	p = msg_params(last_msgs, 0, "hemoglobin_out_of_range");
	CHECK(pnum(p, "value") == 120.5);
	CHECK_STR(pstr(p, "unit"), "g/dL");
	CHECK(strstr(err, "120.5 g/dL is outside") != NULL);
	valid("{\"code\":\"Jane Doe\"}", err, sizeof(err), &missing);
	CHECK(pnum(msg_params(last_msgs, 0, "code_invalid"), "max") == 32);
	valid("{\"code\":\"S1\",\"preparation\":\"chamber\","
	    "\"profile\":\"bccd-smear-100x\"}", err, sizeof(err), &missing);
	p = msg_params(last_msgs, 0, "profile_unknown");
	CHECK_STR(pstr(p, "preparation"), "chamber");
	CHECK_STR(pstr(p, "profile"), "bccd-smear-100x");
	/*
	 * A long unknown name is cut to 40 bytes, never inside a UTF-8
	 * character: 30 x U+00E9 (60 bytes) keeps 20 characters.
	 */
	{
		char	 body[200], key[64], want[64];

		for (i = 0; i < 30; i++)
			memcpy(key + 2 * i, "\xc3\xa9", 2);
		key[60] = '\0';
		memcpy(want, key, 40);
		want[40] = '\0';
		snprintf(body, sizeof(body), "{\"code\":\"S1\",\"%s\":1}",
		    key);
		valid(body, err, sizeof(err), &missing);
		CHECK_STR(pstr(msg_params(last_msgs, 0, "unknown_field"),
		    "field"), want);
		CHECK(strstr(err, want) != NULL);
	}
	json_decref(last_msgs);
	last_msgs = NULL;

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

	CHECK(samples_attach(rfd, "x", r1) == SAMPLES_ERR_NOTFOUND);

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
	CHECK(!sample_there(old));
	CHECK(sample_there(fresh));
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
				if (samples_attach(rfd, sid,
				    ids[k * 50 + i]) != SAMPLES_OK)
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

static json_t *
path_obj(json_t *root, const char *a, const char *b, const char *c)
{
	json_t	*o = json_object_get(root, a);

	if (b != NULL)
		o = json_object_get(o, b);
	if (c != NULL)
		o = json_object_get(o, c);
	return o;
}

static const char *
path_str(json_t *root, const char *a, const char *b, const char *c)
{
	return json_string_value(path_obj(root, a, b, c));
}

static double
path_num(json_t *root, const char *a, const char *b, const char *c)
{
	json_t	*o = path_obj(root, a, b, c);

	return json_is_number(o) ? json_number_value(o) : -12345;
}

/* The summary's English sentences; each must have its "_i18n" twin. */
static const char *const text_keys[] = {
	"formula", "assumptions", "text", "reason", "warning", "rule",
	"ci_method", "estimates_unavailable", "disclaimer", NULL
};

/*
 * Every number and name in the params of the messages of list appears in
 * en as est_fmt() writes it: the two forms state the same figures.
 */
static void
check_params(const char *k, const json_t *list, const char *en)
{
	const char	*pk, *sv;
	json_t		*m, *pv, *params;
	char		 num[48];
	size_t		 i, n;
	int		 ok;

	json_array_foreach(list, i, m) {
		params = json_object_get(m, "params");
		CHECK(json_is_string(json_object_get(m, "code")));
		CHECK(json_is_object(params));
		json_object_foreach(params, pk, pv) {
			sv = json_string_value(pv);
			n = strlen(pk);
			if (json_is_number(pv)) {
				est_fmt(num, sizeof(num), json_number_value(pv),
				    6);
				sv = num;
			} else if (sv == NULL || !(strcmp(pk, "profile") == 0 ||
			    (n > 6 && strcmp(pk + n - 6, "_label") == 0)))
				continue;
			ok = en != NULL && strstr(en, sv) != NULL;
			CHECK(ok);
			if (!ok)
				fprintf(stderr, "  %s: %s %s not in \"%s\"\n",
				    k, pk, sv, en);
		}
	}
}

/*
 * Walk o: every English sentence has its "_i18n" twin (null exactly when
 * the sentence is), a list of {"code", "params"} with the same numbers
 * (check_params()).  Returns how many lists it saw.
 */
static int
check_i18n(json_t *o)
{
	const char	*k, *en;
	json_t		*v;
	char		 key[64];
	size_t		 i, kl;
	int		 n = 0;

	if (json_is_array(o)) {
		json_array_foreach(o, i, v)
			n += check_i18n(v);
		return n;
	}
	json_object_foreach(o, k, v) {
		kl = strlen(k);
		if (kl > 5 && strcmp(k + kl - 5, "_i18n") == 0) {
			snprintf(key, sizeof(key), "%.*s", (int)(kl - 5), k);
			CHECK(json_object_get(o, key) != NULL);
			en = json_string_value(json_object_get(o, key));
			if (json_is_null(v)) {
				CHECK(en == NULL);
				continue;
			}
			CHECK(json_is_array(v) && en != NULL);
			check_params(k, v, en);
			n++;
			continue;
		}
		for (i = 0; text_keys[i] != NULL; i++)
			if (strcmp(k, text_keys[i]) == 0 && json_is_string(v)) {
				snprintf(key, sizeof(key), "%s_i18n", k);
				CHECK(json_object_get(o, key) != NULL);
				if (json_object_get(o, key) == NULL)
					fprintf(stderr, "  \"%s\" has no %s\n",
					    k, key);
			}
		n += check_i18n(v);
	}
	return n;
}

/* Code of the only message of the list at root.a.b.c. */
static const char *
only_code(json_t *root, const char *a, const char *b, const char *c)
{
	json_t	*l = path_obj(root, a, b, c);

	CHECK(json_array_size(l) == 1);
	return json_string_value(json_object_get(json_array_get(l, 0),
	    "code"));
}

static void
test_summary_smear(void)
{
	char	 sid[ID_LEN + 1], r[3][ID_LEN + 1], err[256];
	json_t	*s, *sum, *o, *p;
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
	/*
	 * WBC: 2/3 x 20 x 15000 = 200,000: no blood has that many, the
	 * fields were chosen around white cells: implausible, never "high".
	 */
	CHECK(path_num(sum, "estimates", "WBC", "per_ul") == 200000);
	CHECK_STR(path_str(sum, "flags", "WBC", "flag"), "implausible");
	CHECK(json_is_false(json_object_get(json_object_get(json_object_get(
	    sum, "estimates"), "WBC"), "plausible")));
	CHECK(json_is_true(json_object_get(json_object_get(json_object_get(
	    sum, "estimates"), "RBC"), "plausible")));
	CHECK_STR(path_str(sum, "flags", "WBC", "text"), "Implausible "
	    "\xe2\x80\x94 check field selection or calibration: WBC "
	    "estimates above 100000/\xc2\xb5L are no real count, so this one "
	    "is not flagged high or low.");
	CHECK(pnum(msg_params(path_obj(sum, "flags", "WBC", "text_i18n"), 0,
	    "flag_implausible_high"), "max_per_ul") == 100000);
	/* The shipped reference ranges are marked "check": unverified. */
	CHECK(json_is_true(json_object_get(json_object_get(json_object_get(
	    sum, "flags"), "RBC"), "range_unverified")));
	CHECK_STR(json_string_value(json_array_get(json_object_get(
	    json_object_get(sum, "unverified"), "items"), 0)),
	    "reference_ranges");
	CHECK(json_is_false(json_object_get(json_object_get(sum, "screening"),
	    "cutoff_unverified")));
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

	/* Every sentence also as codes, with the same numbers. */
	CHECK(check_i18n(sum) == 28);	/* + review, unverified, selection, differential (3: per_ul withheld below 20 typed), counting_frame, interval_method, interval_unavailable (3), morphology withheld */
	o = path_obj(sum, "screening", "reason_i18n", NULL);
	p = msg_params(o, 0, "hemoglobin_below_cutoff");
	CHECK(pnum(p, "adjusted_g_l") == 115 && pnum(p, "cutoff_g_l") == 130);
	CHECK_STR(pstr(p, "group"), "men_15y");
	CHECK_STR(pstr(p, "group_label"), "men 15 years and older");
	CHECK_STR(pstr(p, "severity"), "mild");
	/* No altitude given: a second sentence says so. */
	CHECK(json_array_size(o) == 2);
	msg_params(o, 1, "altitude_not_given");
	CHECK_STR(path_str(sum, "screening", "group_id", NULL), "men_15y");
	p = msg_params(path_obj(sum, "screening", "hemoglobin",
	    "formula_i18n"), 0, "hemoglobin_formula");
	CHECK(pnum(p, "measured_g_l") == 115 && pnum(p, "altitude_g_l") == 0 &&
	    pnum(p, "smoking_g_l") == 0 && pnum(p, "adjusted_g_l") == 115 &&
	    pnum(p, "cutoff_g_l") == 130);
	o = path_obj(sum, "stability", "warning_i18n", NULL);
	p = msg_params(o, 0, "few_rbc");
	CHECK(pnum(p, "rbc") == 36 && pnum(p, "min_rbc") == 200);
	p = msg_params(o, 1, "few_fields");
	CHECK(pnum(p, "fields") == 3 && pnum(p, "min_fields") == 10);
	p = msg_params(path_obj(sum, "stability", "rule_i18n", NULL), 0,
	    "stability_rule");
	CHECK(pnum(p, "min_rbc") == 200 && pnum(p, "min_fields") == 10);
	p = msg_params(path_obj(sum, "estimates", "Platelets",
	    "formula_i18n"), 0, "smear_density");
	CHECK_STR(pstr(p, "class"), "Platelets");
	CHECK(pnum(p, "mean") == 1.333 && pnum(p, "total") == 4 &&
	    pnum(p, "fields") == 3 && pnum(p, "images_per_field") == 20 &&
	    pnum(p, "factor") == 15000 && pnum(p, "per_ul") == 400000);
	CHECK_STR(only_code(sum, "estimates", "Platelets",
	    "assumptions_i18n"), "assumptions_smear_platelets");
	CHECK_STR(only_code(sum, "estimates", "RBC", "assumptions_i18n"),
	    "assumptions_smear_rbc");
	CHECK_STR(only_code(sum, "estimates", "WBC", "assumptions_i18n"),
	    "assumptions_smear_wbc");
	CHECK_STR(only_code(sum, "flags", "RBC", "text_i18n"), "flag_rbc_low");
	CHECK_STR(only_code(sum, "flags", "WBC", "text_i18n"),
	    "flag_implausible_high");
	CHECK_STR(only_code(sum, "flags", "Platelets", "text_i18n"),
	    "flag_normal");
	p = msg_params(path_obj(sum, "calibration", "formula_i18n", NULL), 0,
	    "images_per_field_profile");
	CHECK(pnum(p, "images_per_field") == 20);
	CHECK_STR(pstr(p, "profile"), "bccd-smear-100x");
	CHECK_STR(only_code(sum, "ci_method_i18n", NULL, NULL), "ci_method");
	CHECK_STR(only_code(sum, "disclaimer_i18n", NULL, NULL), "disclaimer");
	CHECK(json_is_null(json_object_get(sum, "estimates_unavailable_i18n")));
	json_decref(sum);

	/* The same fields without haemoglobin: the low RBC estimate says so. */
	json_object_set_new(s, "hemoglobin_g_l", json_null());
	sum = samples_summary(rfd, s, clin);
	CHECK_STR(path_str(sum, "screening", "result", NULL), "cannot_tell");
	CHECK_STR(only_code(sum, "screening", "reason_i18n", NULL),
	    "no_hemoglobin_low_rbc");
	CHECK(json_is_null(path_obj(sum, "screening", "group_id", NULL)));
	check_i18n(sum);
	json_decref(sum);
	/* A calibrated profile: images per field worked out. */
	json_object_set_new(s, "profile", json_string("smear-100x-fn18"));
	sum = samples_summary(rfd, s, clin);
	p = msg_params(path_obj(sum, "calibration", "formula_i18n", NULL), 0,
	    "images_per_field_calibrated");
	/* pi x 90^2 / (640 x 480 x 0.1^2) = 8.28 */
	CHECK(pnum(p, "field_diameter_um") == 180 &&
	    pnum(p, "width_px") == 640 && pnum(p, "height_px") == 480 &&
	    pnum(p, "um_per_px") == 0.1 && pnum(p, "images_per_field") == 8.28);
	CHECK(check_i18n(sum) == 27);	/* + review, unverified, selection, differential (3: per_ul withheld below 20 typed), counting_frame, interval_method, interval_unavailable (3), morphology withheld */
	json_decref(sum);
	/* The profile removed from clinical.json. */
	json_object_set_new(s, "profile", json_string("gone"));
	sum = samples_summary(rfd, s, clin);
	CHECK_STR(only_code(sum, "estimates_unavailable_i18n", NULL, NULL),
	    "profile_missing");
	CHECK(json_array_size(path_obj(sum, "calibration", "formula_i18n",
	    NULL)) == 0);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);
	s = samples_load(rfd, sid);

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
	CHECK_STR(only_code(sum, "estimates_unavailable_i18n", NULL, NULL),
	    "calibration_not_loaded");
	CHECK_STR(only_code(sum, "screening", "reason_i18n", NULL),
	    "reference_not_loaded");
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);

	/* An image without its size: images per field cannot be worked out. */
	make_result(r[0], 10, 1, 1, 0, 0);
	s = valid("{\"code\":\"SM-3\",\"profile\":\"smear-100x-fn18\","
	    "\"sex\":\"female\",\"pregnant\":true,\"hemoglobin\":10,"
	    "\"hemoglobin_unit\":\"g/dL\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	CHECK(samples_attach(rfd, sid, r[0]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK_STR(only_code(sum, "estimates_unavailable_i18n", NULL, NULL),
	    "images_per_field_unknown");
	CHECK_STR(only_code(sum, "calibration", "formula_i18n", NULL),
	    "image_size_missing");
	/* Pregnant without a trimester: no cutoff to compare with. */
	CHECK_STR(only_code(sum, "screening", "reason_i18n", NULL),
	    "trimester_needed");
	check_i18n(sum);
	json_decref(sum);
	/* No field at all. */
	json_object_set_new(s, "results", json_array());
	sum = samples_summary(rfd, s, clin);
	CHECK_STR(only_code(sum, "estimates_unavailable_i18n", NULL, NULL),
	    "no_fields");
	p = msg_params(path_obj(sum, "stability", "warning_i18n", NULL), 0,
	    "few_rbc");
	CHECK(pnum(p, "rbc") == 0);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);
}

/* Sample sid with these results attached; summary with its profile set to profile. */
static json_t *
fov_summary(json_t *s, const char *profile)
{
	json_t	*sum;

	json_object_set_new(s, "profile", json_string(profile));
	sum = samples_summary(rfd, s, clin);
	CHECK(sum != NULL);
	check_i18n(sum);
	return sum;
}

static void
test_summary_fov(void)
{
	char			 sid[ID_LEN + 1], r[4][ID_LEN + 1], err[256];
	char			 want[400];
	struct clinical_profile	*bccd = NULL;
	json_t			*s, *sum, *l, *p;
	double			 ipf;
	size_t			 i;
	int			 missing;

	/*
	 * Three fields measured: circles of pi x 600, 900 and 1200 um^2,
	 * mean pi x 900 um^2 (a 30 um radius).  A 180 um field holds
	 * pi x 90^2 / (pi x 30^2) = 9 of them.  RBC 10, 12, 14 (mean 12):
	 * 12 x 9 x 15000 = 1,620,000/uL, the same as total / area x field:
	 * 36 / (pi x 2700) x pi x 8100 x 15000.
	 */
	make_result_fov(r[0], 10, 1, 1, 60000);
	make_result_fov(r[1], 12, 0, 2, 90000);
	make_result_fov(r[2], 14, 1, 1, 120000);
	s = valid("{\"code\":\"FOV-1\",\"profile\":\"smear-100x-fn18\"}",
	    err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	for (i = 0; i < 3; i++)
		CHECK(samples_attach(rfd, sid, r[i]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = fov_summary(s, "smear-100x-fn18");
	CHECK_STR(path_str(sum, "calibration", "formula", NULL),
	    "images per field = \xcf\x80 \xc3\x97 (180 \xc2\xb5m \xc3\xb7 2)"
	    "\xc2\xb2 \xc3\xb7 2827.4 \xc2\xb5m\xc2\xb2 (mean measured field "
	    "of view of 3 images) = 9");
	CHECK_STR(only_code(sum, "calibration", "formula_i18n", NULL),
	    "images_per_field_measured");
	p = msg_params(path_obj(sum, "calibration", "formula_i18n", NULL), 0,
	    "images_per_field_measured");
	CHECK(pnum(p, "field_diameter_um") == 180 &&
	    pnum(p, "fov_area_um2") == 2827.4 && pnum(p, "images") == 3 &&
	    pnum(p, "images_per_field") == 9);
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 1620000);
	/* WBC 2/3 x 9 x 15000 = 90,000; platelets 4/3 x 9 x 15000 = 180,000. */
	CHECK(path_num(sum, "estimates", "WBC", "per_ul") == 90000);
	CHECK(path_num(sum, "estimates", "Platelets", "per_ul") == 180000);
	CHECK_STR(path_str(sum, "estimates", "Platelets", "formula"),
	    "Platelets/\xc2\xb5L \xe2\x89\x88 1.333 per image (4 platelets "
	    "\xc3\xb7 3 images) \xc3\x97 9 images/field \xc3\x97 15000 = "
	    "180000");
	p = msg_params(path_obj(sum, "estimates", "RBC", "formula_i18n"), 0,
	    "smear_density");
	CHECK(pnum(p, "images_per_field") == 9 && pnum(p, "per_ul") == 1620000);
	/* Each field's measured area is listed with it. */
	CHECK(fabs(json_number_value(json_object_get(json_array_get(
	    json_object_get(sum, "per_field"), 0), "fov_area_um2")) -
	    TEST_PI * 600) < 1e-9);
	json_decref(sum);

	/* The measured field replaces the BCCD profile's fixed 20 too. */
	sum = fov_summary(s, "bccd-smear-100x");
	CHECK_STR(only_code(sum, "calibration", "formula_i18n", NULL),
	    "images_per_field_measured");
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 1620000);
	json_decref(sum);

	/* A profile without a field diameter: its 20, and why not measured. */
	for (i = 0; i < clin->nprofiles; i++)
		if (strcmp(clin->profiles[i].name, "bccd-smear-100x") == 0)
			bccd = &clin->profiles[i];
	CHECK(bccd != NULL && bccd->field_diameter_um == 180);
	if (bccd != NULL) {
		bccd->field_diameter_um = 0;
		sum = fov_summary(s, "bccd-smear-100x");
		bccd->field_diameter_um = 180;
		l = path_obj(sum, "calibration", "formula_i18n", NULL);
		CHECK(json_array_size(l) == 2);
		msg_params(l, 0, "images_per_field_profile");
		p = msg_params(l, 1, "fov_no_field_diameter");
		CHECK_STR(pstr(p, "profile"), "bccd-smear-100x");
		CHECK_STR(path_str(sum, "calibration", "formula", NULL),
		    "images per field = 20 (profile \"bccd-smear-100x\": one "
		    "image is 1/20 of a field) (every image has a measured "
		    "field of view, but profile \"bccd-smear-100x\" gives no "
		    "field diameter: not used)");
		CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 3600000);
		json_decref(sum);
	}

	/*
	 * A fourth field without a measured field of view (RBC 12, 640 x
	 * 480): the profile's way for all four, and the summary says so.
	 * BCCD: 48 / 4 x 20 x 15000 = 3,600,000.
	 */
	make_result(r[3], 12, 0, 0, 640, 480);
	CHECK(samples_attach(rfd, sid, r[3]) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	sum = fov_summary(s, "bccd-smear-100x");
	l = path_obj(sum, "calibration", "formula_i18n", NULL);
	CHECK(json_array_size(l) == 2);
	msg_params(l, 0, "images_per_field_profile");
	p = msg_params(l, 1, "fov_partly_measured");
	CHECK(pnum(p, "measured") == 3 && pnum(p, "images") == 4);
	CHECK_STR(path_str(sum, "calibration", "formula", NULL),
	    "images per field = 20 (profile \"bccd-smear-100x\": one image "
	    "is 1/20 of a field) (field of view measured in 3 of 4 images: "
	    "the measured area is used only when every image of the sample "
	    "has one)");
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 3600000);
	CHECK(json_is_null(json_object_get(json_array_get(json_object_get(sum,
	    "per_field"), 3), "fov_area_um2")));
	json_decref(sum);
	/*
	 * fn18: mean image 910 x 870 px ((3 x 1000 + 640) / 4, (3 x 1000 +
	 * 480) / 4) at 0.1 um/px: pi x 90^2 / (91 x 87) = 3.214 images per
	 * field; RBC 12 x that x 15000.
	 */
	sum = fov_summary(s, "smear-100x-fn18");
	l = path_obj(sum, "calibration", "formula_i18n", NULL);
	CHECK(json_array_size(l) == 2);
	p = msg_params(l, 0, "images_per_field_calibrated");
	CHECK(pnum(p, "width_px") == 910 && pnum(p, "height_px") == 870 &&
	    pnum(p, "images_per_field") == 3.21);
	msg_params(l, 1, "fov_partly_measured");
	ipf = est_images_per_field(910, 870, 0.1, 180);
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") ==
	    (double)llround(12 * ipf * 15000));
	snprintf(want, sizeof(want), "%s", path_str(sum, "calibration",
	    "formula", NULL) ? path_str(sum, "calibration", "formula", NULL) :
	    "");
	CHECK(strstr(want, "\xc3\xb7 (910 px \xc3\x97 870 px \xc3\x97 (0.1 "
	    "\xc2\xb5m/px)\xc2\xb2) = 3.21 (field of view measured in 3 of 4 "
	    "images:") != NULL);
	json_decref(sum);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
}

static void
test_summary_chamber(void)
{
	char	 sid[ID_LEN + 1], r[ID_LEN + 1], err[256];
	json_t	*s, *sum, *p;
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
	/* No haemoglobin: cannot tell (a high RBC suggests no Hb test). */
	CHECK_STR(path_str(sum, "screening", "result", NULL), "cannot_tell");
	CHECK_STR(only_code(sum, "screening", "reason_i18n", NULL),
	    "no_hemoglobin");
	/* The same, as codes. */
	CHECK(check_i18n(sum) == 28);	/* + review, unverified, selection, differential (3: per_ul withheld below 20 typed), detector_note, counting_frame, interval_method, interval_unavailable (3), morphology withheld */
	p = msg_params(path_obj(sum, "estimates", "RBC", "formula_i18n"), 0,
	    "chamber_density");
	CHECK_STR(pstr(p, "class"), "RBC");
	CHECK(pnum(p, "total") == 500 && pnum(p, "area_mm2") == 0.2 &&
	    pnum(p, "depth_mm") == 0.1 && pnum(p, "dilution") == 200 &&
	    pnum(p, "per_ul") == 5000000);
	p = msg_params(path_obj(sum, "calibration", "formula_i18n", NULL), 0,
	    "area_calibrated");
	CHECK(pnum(p, "images") == 5 && pnum(p, "width_px") == 400 &&
	    pnum(p, "height_px") == 400 && pnum(p, "um_per_px") == 0.5 &&
	    pnum(p, "image_area_mm2") == 0.04 && pnum(p, "area_mm2") == 0.2);
	CHECK_STR(only_code(sum, "estimates", "WBC", "assumptions_i18n"),
	    "assumptions_chamber");
	CHECK_STR(only_code(sum, "flags", "RBC", "text_i18n"),
	    "flag_rbc_high");
	json_decref(sum);

	/* A profile that gives the area of one image (a framed square). */
	{
		struct clinical_profile	 sq;
		struct clinical		 c2 = *clin;

		sq = *clinical_profile_find(clin, "neubauer-40x");
		snprintf(sq.name, sizeof(sq.name), "square");
		sq.field_area_mm2 = 0.04;
		c2.profiles = &sq;
		c2.nprofiles = 1;
		json_object_set_new(s, "profile", json_string("square"));
		sum = samples_summary(rfd, s, &c2);
		CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 5000000);
		p = msg_params(path_obj(sum, "calibration", "formula_i18n",
		    NULL), 0, "area_profile");
		CHECK(pnum(p, "images") == 5 &&
		    pnum(p, "field_area_mm2") == 0.04 &&
		    pnum(p, "area_mm2") == 0.2);
		CHECK_STR(pstr(p, "profile"), "square");
		check_i18n(sum);
		json_decref(sum);
	}
	json_decref(s);

	/* Images of two sizes: the area is summed image by image. */
	s = valid("{\"code\":\"CH-2\",\"preparation\":\"chamber\"}", err,
	    sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	make_result(r, 100, 0, 5, 400, 400);
	CHECK(samples_attach(rfd, sid, r) == SAMPLES_OK);
	make_result(r, 25, 0, 1, 200, 200);
	CHECK(samples_attach(rfd, sid, r) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	p = msg_params(path_obj(sum, "calibration", "formula_i18n", NULL), 0,
	    "area_calibrated_mixed");
	CHECK(pnum(p, "images") == 2 && pnum(p, "um_per_px") == 0.5 &&
	    pnum(p, "area_mm2") == 0.05);
	/* Sex unknown: no range, no flag to act on. */
	CHECK_STR(only_code(sum, "flags", "RBC", "text_i18n"), "flag_none");
	check_i18n(sum);
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
test_summary_chamber_fov(void)
{
	char	 sid[ID_LEN + 1], r[ID_LEN + 1], err[256];
	json_t	*s, *sum, *l, *p;
	int	 missing, i;

	/*
	 * Neubauer, 0.5 um/px, an 800 x 800 px image of which a round field
	 * of 160,000 px = 40,000 um^2 (0.04 mm^2) was counted.  Two fields of
	 * 100 RBC: 200 / (0.08 x 0.1) x 200 = 5,000,000 /uL, where the whole
	 * frame (0.16 mm^2 each) would have given a quarter of that.
	 */
	s = valid("{\"code\":\"CH-FOV\",\"preparation\":\"chamber\"}", err,
	    sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	for (i = 0; i < 2; i++) {
		make_result_x(r, 100, 0, 5, 800, 800, "\"fov\":{\"shape\":"
		    "\"circle\",\"cx\":400,\"cy\":400,\"r\":225.675833,"
		    "\"clipped\":false,\"area_px\":160000,\"area_um2\":40000}");
		CHECK(samples_attach(rfd, sid, r) == SAMPLES_OK);
	}
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK_STR(path_str(sum, "calibration", "formula", NULL),
	    "counted area = measured field of view of 2 images = 0.08 "
	    "mm\xc2\xb2");
	p = msg_params(path_obj(sum, "calibration", "formula_i18n", NULL), 0,
	    "area_measured");
	CHECK(pnum(p, "images") == 2 && pnum(p, "area_mm2") == 0.08);
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 5000000);
	check_i18n(sum);
	json_decref(sum);
	/* A third field without one: width x height for all, and why. */
	make_result(r, 100, 0, 5, 800, 800);
	CHECK(samples_attach(rfd, sid, r) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	l = path_obj(sum, "calibration", "formula_i18n", NULL);
	CHECK(json_array_size(l) == 2);
	msg_params(l, 0, "area_calibrated");
	p = msg_params(l, 1, "fov_partly_measured");
	CHECK(pnum(p, "measured") == 2 && pnum(p, "images") == 3);
	/* 300 / (3 x 0.16 x 0.1) x 200 = 1,250,000. */
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 1250000);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
}

/* Data marked "check": true is said to be unverified where it is used. */
static void
test_summary_unverified(void)
{
	char		 sid[ID_LEN + 1], err[256];
	json_t		*s, *sum, *u;
	int		 missing;

	/* 2nd trimester (cutoff marked check) at 3000 m (table marked check). */
	s = valid("{\"code\":\"UV-1\",\"age\":25,\"age_unit\":\"years\","
	    "\"sex\":\"female\",\"pregnant\":true,\"trimester\":2,"
	    "\"hemoglobin\":10,\"hemoglobin_unit\":\"g/dL\",\"altitude_m\":3000}",
	    err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK(json_is_true(json_object_get(json_object_get(sum, "screening"),
	    "cutoff_unverified")));
	/* The headline rests on no unverified cutoff: cannot tell. */
	CHECK_STR(json_string_value(json_object_get(json_object_get(sum,
	    "screening"), "result")), "cannot_tell");
	CHECK(json_is_null(json_object_get(json_object_get(sum, "screening"),
	    "hemoglobin")));
	CHECK(json_is_true(json_object_get(json_object_get(json_object_get(
	    json_object_get(sum, "screening"), "with_unverified"),
	    "hemoglobin"), "altitude_unverified")));
	u = json_object_get(sum, "unverified");
	CHECK(json_array_size(json_object_get(u, "items")) == 2);
	CHECK_STR(json_string_value(json_array_get(json_object_get(u,
	    "items"), 0)), "hemoglobin_cutoff");
	CHECK_STR(json_string_value(json_array_get(json_object_get(u,
	    "items"), 1)), "altitude_adjustment");
	CHECK_STR(pstr(msg_params(json_object_get(u, "text_i18n"), 0,
	    "unverified_cutoff"), "group"), "pregnant_t2");
	msg_params(json_object_get(u, "text_i18n"), 1, "unverified_altitude");
	CHECK_STR(json_string_value(json_object_get(u, "text")), "Unverified: "
	    "the haemoglobin cutoff and severity bands for pregnant women, 2nd "
	    "trimester are not yet checked against the WHO 2024 guideline. "
	    "Unverified: the altitude adjustment table is not yet checked "
	    "against the WHO 2024 guideline.");
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);

	/* 3rd trimester (verified cutoff) at 3800 m: with the table moderate, without it mild. */
	s = valid("{\"code\":\"UV-3\",\"age\":25,\"age_unit\":\"years\","
	    "\"sex\":\"female\",\"pregnant\":true,\"trimester\":3,"
	    "\"hemoglobin\":10.5,\"hemoglobin_unit\":\"g/dL\","
	    "\"altitude_m\":3800}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	u = json_object_get(sum, "screening");
	CHECK_STR(json_string_value(json_object_get(u, "result")), "likely");
	CHECK(json_object_get(u, "severity") == NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(u,
	    "with_unverified"), "severity")), "moderate");
	CHECK_STR(json_string_value(json_object_get(json_object_get(u,
	    "without_unverified"), "severity")), "mild");
	CHECK(json_real_value(json_object_get(json_object_get(u,
	    "hemoglobin"), "adjusted_g_l")) == 105);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);

	/* A man at sea level with no fields: nothing unverified is used. */
	s = valid("{\"code\":\"UV-2\",\"age\":40,\"age_unit\":\"years\","
	    "\"sex\":\"male\",\"hemoglobin\":14,\"hemoglobin_unit\":\"g/dL\"}",
	    err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	u = json_object_get(sum, "unverified");
	CHECK(json_array_size(json_object_get(u, "items")) == 0);
	CHECK_STR(json_string_value(json_object_get(u, "text")), "");
	CHECK(json_array_size(json_object_get(u, "text_i18n")) == 0);
	CHECK(json_is_false(json_object_get(json_object_get(sum, "screening"),
	    "cutoff_unverified")));
	json_decref(sum);
	json_decref(s);
}

/* ---- white-cell differential and field marking ---------------------- */

/*
 * Make a result whose detections are the WBC boxes of types (one per
 * entry: a type name, "untyped", or "-" for a box below the WBC
 * threshold, 0.2 < 0.3, with no type) followed by nrbc RBC boxes; counts
 * as the detector writes them (the counted boxes).  The classifier ran
 * (a "differential" member) unless no_classifier.
 */
static void
make_typed(char *id, const char *const *types, int n, int nrbc, int plt,
    int no_classifier)
{
	char	*extra, *p;
	size_t	 cap = 600 + (size_t)(n + nrbc) * 200;
	int	 i, counted = 0;

	if ((extra = malloc(cap)) == NULL) {
		CHECK(!"out of memory");
		return;
	}
	p = extra;
	p += sprintf(p, "\"thresholds\":{\"RBC\":0.3,\"WBC\":0.3,"
	    "\"Platelets\":0.3},\"classes\":[\"RBC\",\"WBC\",\"Platelets\"],"
	    "\"detections\":[");
	for (i = 0; i < n; i++) {
		if (strcmp(types[i], "-") == 0)
			p += sprintf(p, "%s{\"class\":\"WBC\",\"confidence\":0.2,"
			    "\"box\":{\"x\":1,\"y\":1,\"w\":9,\"h\":9}}",
			    i ? "," : "");
		else {
			p += sprintf(p, "%s{\"class\":\"WBC\",\"confidence\":0.9,"
			    "\"box\":{\"x\":1,\"y\":1,\"w\":9,\"h\":9},"
			    "\"wbc_type\":{\"class\":\"%s\",\"best\":\"%s\","
			    "\"confidence\":0.9,\"scores\":{}}}", i ? "," : "",
			    types[i], strcmp(types[i], "untyped") == 0 ?
			    "platelet" : types[i]);
			counted++;
		}
	}
	for (i = 0; i < nrbc; i++)
		p += sprintf(p, "%s{\"class\":\"RBC\",\"confidence\":0.8,"
		    "\"box\":{\"x\":1,\"y\":1,\"w\":9,\"h\":9}}",
		    i || n ? "," : "");
	p += sprintf(p, "]%s", no_classifier ? "" : ",\"differential\":{}");
	make_result_x(id, nrbc, counted, plt, 640, 480, extra);
	free(extra);
}

/* Write review-1.json of result id with these changes (a JSON list). */
static void
make_review(const char *id, const char *changes)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s/review-1.json", tmpdir, id);
	if ((f = fopen(path, "w")) == NULL) {
		CHECK(!"cannot write review-1.json");
		return;
	}
	fprintf(f, "{\"version\":1,\"base\":0,\"by\":\"T. Tech\",\"at\":"
	    "\"2026-12-01T10:00:00Z\",\"changes\":%s}\n", changes);
	fclose(f);
}

static double
diff_num(json_t *sum, const char *a, const char *b)
{
	return path_num(sum, "differential", a, b);
}

static void
test_differential(void)
{
	static const char *const ta[] = { "neutrophil", "neutrophil",
		"neutrophil", "neutrophil", "neutrophil", "neutrophil",
		"lymphocyte", "lymphocyte", "untyped", "-" };
	static const char *const tb[] = { "ig", "monocyte", "lymphocyte" };
	static const char *const t1[] = { "neutrophil" };
	char	 sid[ID_LEN + 1], ra[ID_LEN + 1], rb[ID_LEN + 1];
	char	 rr[30][ID_LEN + 1], err[256], ch[600];
	json_t	*s, *sum, *l;
	double	 wbc;
	int	 missing, i;

	s = valid("{\"code\":\"D-1\",\"age\":30,\"age_unit\":\"years\","
	    "\"sex\":\"female\"}", err, sizeof(err), &missing);
	CHECK(s != NULL);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	/* Two fields chosen around white cells, crowded with red cells. */
	make_typed(ra, ta, 10, 500, 40, 0);
	make_typed(rb, tb, 3, 500, 40, 0);
	CHECK(samples_attach_as(rfd, sid, ra, SAMPLES_SEL_TARGETED) ==
	    SAMPLES_OK);
	/* New fields follow the sample's choice. */
	CHECK(samples_set_new_selection(rfd, sid, SAMPLES_SEL_TARGETED) ==
	    SAMPLES_OK);
	CHECK(samples_attach(rfd, sid, rb) == SAMPLES_OK);
	CHECK(samples_set_new_selection(rfd, sid, SAMPLES_SEL_RANDOM) ==
	    SAMPLES_OK);
	/*
	 * The review of rb: the monocyte deleted, the lymphocyte retyped a
	 * neutrophil, an eosinophil and an untyped WBC added, a red cell
	 * made a WBC (untyped: nobody typed it).
	 */
	snprintf(ch, sizeof(ch), "[{\"op\":\"delete\",\"detection\":1,"
	    "\"class\":\"WBC\"},{\"op\":\"reclassify\",\"detection\":2,"
	    "\"class\":\"WBC\",\"from\":\"WBC\",\"wbc_type\":\"neutrophil\"},"
	    "{\"op\":\"add\",\"class\":\"WBC\",\"box\":{\"x\":5,\"y\":5,"
	    "\"w\":20,\"h\":20},\"wbc_type\":\"eosinophil\"},{\"op\":\"add\","
	    "\"class\":\"WBC\",\"box\":{\"x\":50,\"y\":5,\"w\":20,\"h\":20}},"
	    "{\"op\":\"reclassify\",\"detection\":3,\"class\":\"WBC\","
	    "\"from\":\"RBC\"}]");
	make_review(rb, ch);
	/* 30 random monolayer fields: 20 RBC each, one WBC in all. */
	for (i = 0; i < 30; i++) {
		make_typed(rr[i], t1, i == 0, 20, 2, 0);
		CHECK(samples_attach(rfd, sid, rr[i]) == SAMPLES_OK);
	}
	s = samples_load(rfd, sid);
	CHECK(samples_field_selection(s, ra) == SAMPLES_SEL_TARGETED);
	CHECK(samples_field_selection(s, rb) == SAMPLES_SEL_TARGETED);
	CHECK(samples_field_selection(s, rr[7]) == SAMPLES_SEL_RANDOM);
	sum = samples_summary(rfd, s, clin);
	CHECK(sum != NULL);
	/* Totals are every field's; the review's WBC count agrees. */
	CHECK(path_num(sum, "totals", "WBC", NULL) == 9 + 5 + 1);
	CHECK(diff_num(sum, "typed", NULL) == 8 + 3 + 1);
	CHECK(diff_num(sum, "untyped", NULL) == 1 + 2);
	CHECK(diff_num(sum, "typed", NULL) + diff_num(sum, "untyped", NULL) ==
	    path_num(sum, "totals", "WBC", NULL));
	CHECK(diff_num(sum, "reviewed_types", NULL) == 2);
	CHECK(diff_num(sum, "counts", "neutrophil") == 6 + 1 + 1);
	CHECK(diff_num(sum, "counts", "lymphocyte") == 2);
	CHECK(diff_num(sum, "counts", "monocyte") == 0);
	CHECK(diff_num(sum, "counts", "eosinophil") == 1);
	CHECK(diff_num(sum, "counts", "ig") == 1);
	/* 12 typed cells: coverage and counts, no percentage (from 20). */
	CHECK(json_is_null(path_obj(sum, "differential", "percent",
	    "neutrophil")));
	CHECK(json_is_null(path_obj(sum, "differential", "percent",
	    "basophil")));
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "Typed 12 of 15 white cells. Counts only: percentages from 20 "
	    "typed white cells.") != NULL);
	/* The 100-cell rule, and nothing flagged while incomplete. */
	CHECK(json_is_false(path_obj(sum, "differential", "complete", NULL)));
	CHECK_STR(path_str(sum, "differential", "text", NULL) ?
	    strstr(path_str(sum, "differential", "text", NULL),
	    "Differential needs >= 100 typed white cells: 12/100.") ?
	    "found" : path_str(sum, "differential", "text", NULL) : NULL,
	    "found");
	CHECK(json_integer_value(json_array_get(path_obj(sum, "differential",
	    "progress", NULL), 0)) == 12);
	CHECK_STR(json_string_value(json_object_get(json_array_get(path_obj(
	    sum, "differential", "text_i18n", NULL), 0), "code")),
	    "diff_incomplete");
	/* IG present: flagged for review; no erythroblast. */
	l = path_obj(sum, "differential", "flags", NULL);
	CHECK(json_array_size(l) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(l, 0),
	    "class")), "ig");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(l, 0), "text_i18n"), 0), "code")), "diff_flag_ig");
	/* No reference block given: none shown. */
	CHECK(json_is_null(path_obj(sum, "differential", "reference", NULL)));
	/* Estimates from the 30 random fields only. */
	CHECK(path_num(sum, "selection", "random", NULL) == 30);
	CHECK(path_num(sum, "selection", "targeted", NULL) == 2);
	CHECK_STR(only_code(sum, "selection", "text_i18n", NULL),
	    "selection_some_targeted");
	CHECK(path_num(sum, "estimates", "RBC", "per_ul") == 20.0 * 20 *
	    15000);
	wbc = path_num(sum, "estimates", "WBC", "per_ul");
	CHECK(wbc == 10000);
	CHECK(json_is_true(path_obj(sum, "stability", "stable", NULL)));
	/* Absolute counts are % x the WBC estimate: none from 12 cells. */
	CHECK(json_is_null(path_obj(sum, "differential", "per_ul", NULL)));
	CHECK_STR(only_code(sum, "differential", "per_ul_withheld_i18n", NULL),
	    "diff_per_ul_few");
	for (i = 0; i < 32; i++)
		CHECK_STR(json_string_value(json_object_get(json_array_get(
		    json_object_get(sum, "per_field"), (size_t)i),
		    "selection")), i < 2 ? "targeted" : "random");
	check_i18n(sum);
	json_decref(sum);

	/* Every field targeted: no estimate, the /uL withheld, saying why. */
	for (i = 0; i < 30; i++)
		CHECK(samples_mark(rfd, sid, rr[i], SAMPLES_SEL_TARGETED) ==
		    SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK(json_object_size(json_object_get(sum, "estimates")) == 0);
	CHECK_STR(only_code(sum, "estimates_unavailable_i18n", NULL, NULL),
	    "no_random_fields");
	CHECK_STR(only_code(sum, "selection", "text_i18n", NULL),
	    "selection_none_random");
	CHECK(json_is_null(path_obj(sum, "differential", "per_ul", NULL)));
	CHECK_STR(only_code(sum, "differential", "per_ul_withheld_i18n", NULL),
	    "no_random_fields");
	CHECK(diff_num(sum, "typed", NULL) == 12);	/* still counted */
	check_i18n(sum);
	json_decref(sum);

	/* An implausible WBC estimate withholds the /uL too. */
	CHECK(samples_mark(rfd, sid, ra, SAMPLES_SEL_RANDOM) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK_STR(path_str(sum, "flags", "WBC", "flag"), "implausible");
	CHECK(json_is_null(path_obj(sum, "differential", "per_ul", NULL)));
	CHECK_STR(only_code(sum, "differential", "per_ul_withheld_i18n", NULL),
	    "diff_per_ul_implausible");
	check_i18n(sum);
	json_decref(sum);
	/* Marking a result the sample does not hold: not found. */
	CHECK(samples_mark(rfd, sid, sid, SAMPLES_SEL_RANDOM) ==
	    SAMPLES_ERR_NOTFOUND);
	/* Taking a field out drops its marking; an edit keeps the others. */
	CHECK(samples_detach(rfd, sid, ra) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	CHECK(json_object_get(json_object_get(s, "field_selection"), ra) ==
	    NULL);
	json_decref(s);
	s = valid("{\"code\":\"D-1b\"}", err, sizeof(err), &missing);
	CHECK(samples_update(rfd, sid, s) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	CHECK(samples_field_selection(s, rb) == SAMPLES_SEL_TARGETED);
	CHECK_STR(json_string_value(json_object_get(s, "new_field_selection")),
	    "random");
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
}

/*
 * The percentage rule: 19 typed cells (and one untyped) give counts and
 * coverage only; the 20th typed cell brings percentages and /uL.
 */
static void
test_differential_pct_min(void)
{
	const char	*types[21];
	char		 sid[ID_LEN + 1], r[2][ID_LEN + 1], err[256];
	static const char *const one[] = { "lymphocyte" };
	json_t		*s, *sum;
	int		 missing, i;

	for (i = 0; i < 20; i++)
		types[i] = i < 15 ? "neutrophil" : i < 19 ? "lymphocyte" :
		    "untyped";
	s = valid("{\"code\":\"D-20\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	make_typed(r[0], types, 20, 20, 2, 0);
	CHECK(samples_attach(rfd, sid, r[0]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK(diff_num(sum, "typed", NULL) == 19);
	CHECK(diff_num(sum, "counts", "neutrophil") == 15);
	CHECK(diff_num(sum, "percent_from", NULL) == 20);
	for (i = 0; i < 7; i++)
		CHECK(json_is_null(path_obj(sum, "differential", "percent",
		    json_string_value(json_array_get(path_obj(sum,
		    "differential", "classes", NULL), (size_t)i)))));
	CHECK(json_is_null(path_obj(sum, "differential", "per_ul", NULL)));
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "Typed 19 of 20 white cells. Counts only") != NULL);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);

	make_typed(r[1], one, 1, 20, 2, 0);
	CHECK(samples_attach(rfd, sid, r[1]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary(rfd, s, clin);
	CHECK(diff_num(sum, "typed", NULL) == 20);
	CHECK(diff_num(sum, "percent", "neutrophil") == 75);
	CHECK(diff_num(sum, "percent", "lymphocyte") == 25);
	CHECK(diff_num(sum, "percent", "basophil") == 0);
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "Typed 20 of 21 white cells.") != NULL);
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "Counts only") == NULL);
	/* still incomplete: nothing compared before 100 */
	CHECK(json_is_false(path_obj(sum, "differential", "complete", NULL)));
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
}

/* A result of 20 counted WBCs: `unlike` untyped as stain_unlike_training,
 * 2 untyped low_confidence, the rest neutrophils. */
static void
make_unlike(char *id, int unlike)
{
	char	 extra[20 * 220 + 400], *p = extra;
	int	 i;

	p += sprintf(p, "\"thresholds\":{\"RBC\":0.3,\"WBC\":0.3,"
	    "\"Platelets\":0.3},\"classes\":[\"RBC\",\"WBC\","
	    "\"Platelets\"],\"detections\":[");
	for (i = 0; i < 20; i++)
		p += sprintf(p, "%s{\"class\":\"WBC\",\"confidence\":0.9,"
		    "\"box\":{\"x\":1,\"y\":1,\"w\":9,\"h\":9},\"wbc_type\":"
		    "{\"class\":\"%s\",\"best\":\"neutrophil\",\"confidence\":"
		    "0.9,\"scores\":{}%s}}", i ? "," : "", i < unlike + 2 ?
		    "untyped" : "neutrophil", i < unlike ?
		    ",\"reason\":\"stain_unlike_training\"" : i < unlike + 2 ?
		    ",\"reason\":\"low_confidence\"" : "");
	sprintf(p, "],\"differential\":{}");
	make_result_x(id, 0, 20, 0, 640, 480, extra);
}

/*
 * Many white cells unlike the classifier's training (>= 25 %): the typed
 * ones are said to be suspect too; fewer: not.
 */
static void
test_differential_unlike(void)
{
	char	 sid[ID_LEN + 1], r[ID_LEN + 1], err[256];
	json_t	*s, *sum;
	int	 missing, k;

	for (k = 0; k < 2; k++) {
		s = valid("{\"code\":\"D-U\"}", err, sizeof(err), &missing);
		CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
		json_decref(s);
		make_unlike(r, k == 0 ? 5 : 4);
		CHECK(samples_attach(rfd, sid, r) == SAMPLES_OK);
		s = samples_load(rfd, sid);
		sum = samples_summary(rfd, s, clin);
		CHECK(diff_num(sum, "untyped", NULL) == (k == 0 ? 7 : 6));
		CHECK(diff_num(sum, "unlike_training", NULL) == (k == 0 ? 5 : 4));
		if (k == 0)
			CHECK(strstr(path_str(sum, "differential", "text", NULL),
			    "5 of 20 white cells look unlike the smears") != NULL);
		else
			CHECK(strstr(path_str(sum, "differential", "text", NULL),
			    "look unlike") == NULL);
		check_i18n(sum);
		json_decref(sum);
		json_decref(s);
		CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
	}
}

/*
 * Reference intervals: compared only on a complete differential; none
 * for an unknown age; "check": true shown as unverified.
 */
static void
test_differential_reference(void)
{
	const char	*types[100];
	char		 sid[ID_LEN + 1], r[2][ID_LEN + 1], err[256];
	json_t		*s, *sum, *ref, *c;
	int		 missing, i;
	static const char *const one[] = { "lymphocyte", "erythroblast" };

	ref = json_loads("{\"source\":\"test-source\",\"check\":true,"
	    "\"groups\":[{\"group\":\"children\",\"age_min_months\":6,"
	    "\"age_max_months\":216,\"classes\":{\"neutrophil\":{\"pct\":"
	    "[20,60]}}},{\"group\":\"adults\",\"age_min_months\":216,"
	    "\"classes\":{\"neutrophil\":{\"pct\":[40,75],\"per_ul\":"
	    "[2000,7500]},\"lymphocyte\":{\"pct\":[20,45]}}}]}", 0, NULL);
	CHECK(ref != NULL);
	for (i = 0; i < 100; i++)
		types[i] = i < 80 ? "neutrophil" : "lymphocyte";
	s = valid("{\"code\":\"D-2\",\"age\":40,\"age_unit\":\"years\","
	    "\"sex\":\"male\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	make_typed(r[0], types, 99, 20, 2, 0);
	CHECK(samples_attach(rfd, sid, r[0]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	/* 99 typed cells: incomplete, intervals shown, nothing flagged. */
	sum = samples_summary_ref(rfd, s, clin, ref);
	CHECK(diff_num(sum, "typed", NULL) == 99);
	CHECK(json_is_false(path_obj(sum, "differential", "complete", NULL)));
	c = path_obj(sum, "differential", "reference", NULL);
	CHECK_STR(json_string_value(json_object_get(c, "group")), "adults");
	CHECK(json_is_true(json_object_get(c, "unverified")));
	CHECK_STR(json_string_value(json_object_get(c, "source")),
	    "test-source");
	c = json_object_get(json_object_get(c, "classes"), "neutrophil");
	CHECK(json_number_value(json_array_get(json_object_get(c, "pct"),
	    1)) == 75);
	CHECK(json_is_null(json_object_get(c, "pct_flag")));
	CHECK(json_is_null(json_object_get(c, "per_ul_flag")));
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "Incomplete: not compared") != NULL);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);

	/* The 100th cell, and an erythroblast: complete, flagged. */
	make_typed(r[1], one, 2, 20, 2, 0);
	CHECK(samples_attach(rfd, sid, r[1]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary_ref(rfd, s, clin, ref);
	CHECK(diff_num(sum, "typed", NULL) == 101);
	CHECK(json_is_true(path_obj(sum, "differential", "complete", NULL)));
	CHECK_STR(json_string_value(json_object_get(json_array_get(path_obj(
	    sum, "differential", "text_i18n", NULL), 0), "code")),
	    "diff_complete");
	c = json_object_get(path_obj(sum, "differential", "reference",
	    "classes"), "neutrophil");
	/* 80 of 101 = 79.2 % > 75: high; lymphocytes 20 of 101 = 19.8 % < 20. */
	CHECK(diff_num(sum, "percent", "neutrophil") == 79.2);
	CHECK_STR(json_string_value(json_object_get(c, "pct_flag")), "high");
	c = json_object_get(path_obj(sum, "differential", "reference",
	    "classes"), "lymphocyte");
	CHECK(diff_num(sum, "percent", "lymphocyte") == 19.8);
	CHECK_STR(json_string_value(json_object_get(c, "pct_flag")), "low");
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "Outside the reference interval") != NULL);
	CHECK(json_array_size(path_obj(sum, "differential", "flags", NULL)) ==
	    1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(path_obj(
	    sum, "differential", "flags", NULL), 0), "class")),
	    "erythroblast");
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "Unverified") != NULL);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);

	/* A group's own "check" wins; "pct_check" covers percentages only. */
	json_object_set_new(json_array_get(json_object_get(ref, "groups"), 1),
	    "check", json_false());
	json_object_set_new(json_array_get(json_object_get(ref, "groups"), 1),
	    "pct_check", json_true());
	s = samples_load(rfd, sid);
	sum = samples_summary_ref(rfd, s, clin, ref);
	c = path_obj(sum, "differential", "reference", NULL);
	CHECK(json_is_true(json_object_get(c, "pct_unverified")));
	CHECK(json_is_false(json_object_get(c, "per_ul_unverified")));
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "the percentage intervals are not yet checked") != NULL);
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);

	/* Age unknown: no group, said so. */
	s = samples_load(rfd, sid);
	json_object_set_new(s, "age_months", json_null());
	sum = samples_summary_ref(rfd, s, clin, ref);
	CHECK(json_is_null(path_obj(sum, "differential", "reference", NULL)));
	CHECK(strstr(path_str(sum, "differential", "text", NULL),
	    "age unknown") != NULL);
	json_decref(sum);
	/* A child: the children's group, its own interval. */
	json_object_set_new(s, "age_months", json_real(30));
	sum = samples_summary_ref(rfd, s, clin, ref);
	CHECK_STR(path_str(sum, "differential", "reference", "group"),
	    "children");
	json_decref(sum);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);

	/* Fields analysed without the classifier: said so, all untyped. */
	s = valid("{\"code\":\"D-3\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	make_result(r[0], 20, 3, 2, 640, 480);
	CHECK(samples_attach(rfd, sid, r[0]) == SAMPLES_OK);
	s = samples_load(rfd, sid);
	sum = samples_summary_ref(rfd, s, clin, ref);
	CHECK_STR(json_string_value(json_object_get(json_array_get(path_obj(
	    sum, "differential", "text_i18n", NULL), 0), "code")),
	    "diff_no_classifier");
	CHECK(diff_num(sum, "typed", NULL) == 0);
	CHECK(json_is_null(path_obj(sum, "differential", "percent",
	    "neutrophil")));
	check_i18n(sum);
	json_decref(sum);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
	json_decref(ref);
}

/* Field marking through the routes. */
static void
test_routes_selection(void)
{
	struct app	 app;
	json_t		*o;
	int		 st;
	char		 path[160], body[128], sid[ID_LEN + 1];
	char		 r1[ID_LEN + 1], r2[ID_LEN + 1], r3[ID_LEN + 1];

	memset(&app, 0, sizeof(app));
	app.results_fd = rfd;
	app.results_dir = tmpdir;
	app.clinical = clin;
	o = req(&app, "POST", "/api/samples", "{\"code\":\"M-1\"}", &st, NULL,
	    0);
	CHECK(st == 201);
	CHECK_STR(path_str(o, "new_field_selection", NULL, NULL), "random");
	snprintf(sid, sizeof(sid), "%s", path_str(o, "id", NULL, NULL) ?
	    path_str(o, "id", NULL, NULL) : "");
	json_decref(o);
	make_result(r1, 20, 0, 2, 640, 480);
	make_result(r2, 20, 5, 2, 640, 480);
	make_result(r3, 20, 0, 2, 640, 480);

	snprintf(path, sizeof(path), "/api/samples/%s/results", sid);
	snprintf(body, sizeof(body), "{\"result\":\"%s\"}", r1);
	o = req(&app, "POST", path, body, &st, NULL, 0);
	CHECK(st == 200);
	CHECK_STR(json_string_value(json_object_get(json_array_get(path_obj(o,
	    "summary", "per_field", NULL), 0), "selection")), "random");
	json_decref(o);
	snprintf(body, sizeof(body), "{\"result\":\"%s\",\"selection\":"
	    "\"targeted\"}", r2);
	o = req(&app, "POST", path, body, &st, NULL, 0);
	CHECK(st == 200);
	CHECK_STR(json_string_value(json_object_get(json_array_get(path_obj(o,
	    "summary", "per_field", NULL), 1), "selection")), "targeted");
	CHECK(path_num(o, "summary", "selection", "targeted") == 1);
	CHECK_STR(path_str(o, "sample", "field_selection", r2), "targeted");
	json_decref(o);
	/* A wrong marking names the field; nothing is attached. */
	snprintf(body, sizeof(body), "{\"result\":\"%s\",\"selection\":"
	    "\"around\"}", r3);
	o = req(&app, "POST", path, body, &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "selection_invalid");
	CHECK_STR(pstr(json_object_get(json_array_get(path_obj(o, "error",
	    "message_i18n", NULL), 0), "params"), "field"), "selection");
	json_decref(o);
	snprintf(body, sizeof(body), "{\"result\":\"%s\",\"colour\":1}", r3);
	o = req(&app, "POST", path, body, &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "unknown_field");
	json_decref(o);
	o = samples_load(rfd, sid);
	CHECK(json_array_size(json_object_get(o, "results")) == 2);
	json_decref(o);

	/* Re-mark a field. */
	snprintf(path, sizeof(path), "/api/samples/%s/results/%s", sid, r2);
	o = req(&app, "PUT", path, "{\"selection\":\"random\"}", &st, NULL, 0);
	CHECK(st == 200);
	CHECK(path_num(o, "summary", "selection", "targeted") == 0);
	json_decref(o);
	o = req(&app, "PUT", path, "{}", &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(path_str(o, "error", "code", NULL), "missing_field");
	json_decref(o);
	snprintf(path, sizeof(path), "/api/samples/%s/results/%s", sid, r3);
	o = req(&app, "PUT", path, "{\"selection\":\"random\"}", &st, NULL, 0);
	CHECK(st == 404);
	json_decref(o);

	/* Fields analysed into the sample from now on: targeted. */
	snprintf(path, sizeof(path), "/api/samples/%s/selection", sid);
	o = req(&app, "PUT", path, "{\"selection\":\"targeted\"}", &st, NULL,
	    0);
	CHECK(st == 200);
	CHECK_STR(path_str(o, "sample", "new_field_selection", NULL),
	    "targeted");
	json_decref(o);
	o = req(&app, "GET", path, NULL, &st, NULL, 0);
	CHECK(st == 405);
	json_decref(o);
	CHECK(samples_attach(rfd, sid, r3) == SAMPLES_OK);
	o = samples_load(rfd, sid);
	CHECK(samples_field_selection(o, r3) == SAMPLES_SEL_TARGETED);
	CHECK(samples_field_selection(o, r1) == SAMPLES_SEL_RANDOM);
	json_decref(o);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
}

/* Manual chamber counts: checked, the arithmetic written out, flagged. */
static void
test_manual_counts(void)
{
	static const struct {
		const char	*mc, *code, *field;
	} bad[] = {
		{ "{\"WBC\":{\"cells\":-1,\"squares\":4,\"square\":\"large\"}}",
		  "manual_cells_invalid", "manual_counts.WBC.cells" },
		{ "{\"WBC\":{\"cells\":1.5,\"squares\":4,\"square\":\"large\"}}",
		  "manual_cells_invalid", "manual_counts.WBC.cells" },
		{ "{\"WBC\":{\"cells\":10,\"squares\":10,\"square\":\"large\"}}",
		  "manual_squares_invalid", "manual_counts.WBC.squares" },
		{ "{\"RBC\":{\"cells\":10,\"squares\":0,\"square\":\"medium\"}}",
		  "manual_squares_invalid", "manual_counts.RBC.squares" },
		{ "{\"RBC\":{\"cells\":10,\"squares\":5,\"square\":\"huge\"}}",
		  "manual_square_invalid", "manual_counts.RBC.square" },
		{ "{\"Platelets\":{\"cells\":10,\"squares\":5,\"square\":"
		  "\"small\",\"dilution\":0}}", "manual_dilution_invalid",
		  "manual_counts.Platelets.dilution" },
		{ "{\"MONO\":{\"cells\":10,\"squares\":5,\"square\":\"small\"}}",
		  "manual_counts_invalid", "manual_counts.MONO" },
		{ "{\"WBC\":{\"cells\":10,\"squares\":5,\"square\":\"small\","
		  "\"x\":1}}", "manual_counts_invalid", "manual_counts.WBC" },
		{ "[]", "manual_counts_invalid", "manual_counts" },
	};
	char	 js[600], err[256], sid[ID_LEN + 1];
	json_t	*s, *sum, *m, *p;
	int	 missing;
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(js, sizeof(js), "{\"code\":\"C-1\",\"preparation\":"
		    "\"chamber\",\"manual_counts\":%s}", bad[i].mc);
		s = valid(js, err, sizeof(err), &missing);
		CHECK(s == NULL);
		p = msg_params(last_msgs, 0, bad[i].code);
		CHECK_STR(pstr(p, "field"), bad[i].field);
		CHECK(strstr(err, bad[i].field) != NULL);
		json_decref(s);
	}
	CHECK(pnum(msg_params(last_msgs, 0, "manual_counts_invalid"), "max") ==
	    -12345);
	s = valid("{\"code\":\"C-1\",\"manual_counts\":{\"WBC\":{\"cells\":1,"
	    "\"squares\":1,\"square\":\"large\"}}}", err, sizeof(err),
	    &missing);
	CHECK(s == NULL);
	CHECK_STR(pstr(msg_params(last_msgs, 0, "manual_counts_not_chamber"),
	    "field"), "manual_counts");

	/* WBC 123 in 4 large squares at 1:20, RBC 450 in 5 medium at 1:200. */
	s = valid("{\"code\":\"C-2\",\"preparation\":\"chamber\",\"sex\":"
	    "\"female\",\"age\":30,\"age_unit\":\"years\",\"manual_counts\":"
	    "{\"WBC\":{\"cells\":123,\"squares\":4,\"square\":\"large\","
	    "\"dilution\":20},\"RBC\":{\"cells\":450,\"squares\":5,"
	    "\"square\":\"medium\"}}}", err, sizeof(err), &missing);
	CHECK(s != NULL);
	CHECK(path_num(s, "manual_counts", "WBC", "cells") == 123);
	CHECK(json_is_null(path_obj(s, "manual_counts", "RBC", "dilution")));
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	json_decref(s);
	s = samples_load(rfd, sid);
	/* No image yet: the manual counts stand alone. */
	sum = samples_summary(rfd, s, clin);
	m = json_object_get(sum, "manual");
	CHECK(path_num(m, "WBC", "per_ul", NULL) == 6150);
	CHECK_STR(path_str(m, "WBC", "formula", NULL), "WBC/\xc2\xb5L = 123 "
	    "cells counted \xc3\xb7 (4 large squares \xc3\x97 1 mm\xc2\xb2 "
	    "\xc3\x97 0.1 mm deep) \xc3\x97 dilution 20 = 6150");
	CHECK(path_num(m, "RBC", "per_ul", NULL) == 4500000);
	CHECK(path_num(m, "RBC", "dilution", NULL) == 200);
	CHECK(json_object_get(m, "Platelets") == NULL);
	CHECK_STR(path_str(m, "WBC", "flag", "flag"), "normal");
	CHECK(json_is_true(path_obj(m, "RBC", "plausible", NULL)));
	CHECK_STR(only_code(sum, "detector_note_i18n", NULL, NULL),
	    "chamber_not_validated");
	CHECK_STR(only_code(sum, "estimates_unavailable_i18n", NULL, NULL),
	    "no_fields");
	check_i18n(sum);
	json_decref(sum);
	/* Implausible by hand too: never flagged high or low. */
	json_object_set_new(json_object_get(json_object_get(s,
	    "manual_counts"), "WBC"), "cells", json_integer(100000));
	sum = samples_summary(rfd, s, clin);
	CHECK_STR(path_str(json_object_get(sum, "manual"), "WBC", "flag",
	    "flag"), "implausible");
	json_decref(sum);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);

	/* A smear says nothing of chambers. */
	s = valid("{\"code\":\"C-3\"}", err, sizeof(err), &missing);
	CHECK(samples_create(rfd, s, sid, sizeof(sid)) == SAMPLES_OK);
	sum = samples_summary(rfd, s, clin);
	CHECK(json_is_null(json_object_get(sum, "manual")));
	CHECK(json_is_null(json_object_get(sum, "detector_note")));
	json_decref(sum);
	json_decref(s);
	CHECK(samples_remove(rfd, sid) == SAMPLES_OK);
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
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "body_not_json");
	json_decref(o);
	o = req(&app, "POST", "/api/samples", NULL, &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "body_required");
	json_decref(o);
	/* The field the form must point at comes with the message. */
	o = req(&app, "POST", "/api/samples", "{}", &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(path_str(o, "error", "code", NULL), "missing_field");
	CHECK_STR(path_str(o, "error", "message", NULL), "Field \"code\" is "
	    "required (a sample code, never a patient name).");
	CHECK_STR(pstr(msg_params(path_obj(o, "error", "message_i18n", NULL),
	    0, "code_required"), "field"), "code");
	json_decref(o);
	o = req(&app, "POST", "/api/samples", "{\"code\":\"S1\",\"age\":30,"
	    "\"age_unit\":\"years\",\"hemoglobin\":300,"
	    "\"hemoglobin_unit\":\"g/L\"}", &st, NULL, 0);
	CHECK(st == 400);
	CHECK(pnum(msg_params(path_obj(o, "error", "message_i18n", NULL), 0,
	    "hemoglobin_out_of_range"), "value") == 300);
	json_decref(o);
	/* A name cut inside a UTF-8 character would not serialise: a 500. */
	{
		char		 big[160];
		const char	*field;
		size_t		 k;

		snprintf(big, sizeof(big), "{\"code\":\"S1\",\"");
		for (k = 0; k < 25; k++)
			strcat(big, "\xe2\x82\xac");	/* U+20AC, 3 bytes */
		strcat(big, "\":1}");
		o = req(&app, "POST", "/api/samples", big, &st, NULL, 0);
		CHECK(st == 400);
		/* 40 bytes cut back to 39: 13 whole characters. */
		field = pstr(msg_params(path_obj(o, "error", "message_i18n",
		    NULL), 0, "unknown_field"), "field");
		CHECK(field != NULL && strlen(field) == 39);
		json_decref(o);
	}
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
	CHECK(st == 405 && strstr(hdr, "Allow: GET, PUT, DELETE") != NULL);
	json_decref(o);
	/* Edit: the facts replaced and checked as on creation, the rest kept. */
	o = req(&app, "PUT", path, "{\"code\":\"R-1b\",\"age\":3,\"age_unit\":"
	    "\"years\"}", &st, NULL, 0);
	CHECK(st == 200);
	CHECK_STR(path_str(o, "sample", "code", NULL), "R-1b");
	CHECK_STR(path_str(o, "sample", "id", NULL), sid);
	CHECK(path_num(o, "sample", "age_months", NULL) == 36);
	CHECK(path_str(o, "sample", "edited", NULL) != NULL);
	CHECK(path_str(o, "sample", "created", NULL) != NULL);
	CHECK_STR(path_str(o, "sample", "sex", NULL), "unknown");
	CHECK(path_num(o, "summary", "fields", NULL) == 0);
	json_decref(o);
	o = req(&app, "PUT", path, "{\"code\":\"R-1\",\"age\":3}", &st, NULL,
	    0);
	CHECK(st == 400);
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "age_unit_required");
	json_decref(o);
	o = req(&app, "PUT", "/api/samples/AAAAAAAAAAAAAAAAAAAAAA",
	    "{\"code\":\"X\"}", &st, NULL, 0);
	CHECK(st == 404);
	json_decref(o);
	o = req(&app, "PUT", path, "{\"code\":\"R-1\",\"sex\":\"female\"}", &st,
	    NULL, 0);
	CHECK(st == 200 && path_str(o, "sample", "code", NULL) != NULL);
	json_decref(o);

	o = req(&app, "GET", "/api/samples/AAAAAAAAAAAAAAAAAAAAAA", NULL, &st,
	    NULL, 0);
	CHECK(st == 404);
	CHECK_STR(path_str(o, "error", "code", NULL), "not_found");
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "sample_or_result_not_found");
	json_decref(o);
	o = req(&app, "GET", "/api/samples/short", NULL, &st, NULL, 0);
	CHECK(st == 404);
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "sample_not_found");
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
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "result_not_found");
	json_decref(o);
	o = req(&app, "POST", path, "{}", &st, NULL, 0);
	CHECK(st == 400);
	CHECK_STR(only_code(o, "error", "message_i18n", NULL),
	    "result_required");
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

	/* Remove a field: the sample forgets it, the result stays. */
	{
		char	 rid2[ID_LEN + 1], dpath[160];

		make_result(rid2, 5, 0, 1, 640, 480);
		snprintf(body, sizeof(body), "{\"result\":\"%s\"}", rid2);
		o = req(&app, "POST", path, body, &st, NULL, 0);
		CHECK(st == 200 && path_num(o, "summary", "fields", NULL) == 2);
		json_decref(o);
		snprintf(dpath, sizeof(dpath), "%s/%s", path, rid2);
		o = req(&app, "DELETE", dpath, NULL, &st, NULL, 0);
		CHECK(st == 200);
		CHECK(path_num(o, "summary", "fields", NULL) == 1);
		CHECK(path_num(o, "summary", "totals", "Platelets") == 3);
		json_decref(o);
		CHECK(results_exists(rfd, rid2));
		o = req(&app, "DELETE", dpath, NULL, &st, NULL, 0);
		CHECK(st == 404);
		json_decref(o);
		o = req(&app, "GET", dpath, NULL, &st, hdr, sizeof(hdr));
		CHECK(st == 405 && strstr(hdr, "Allow: PUT, DELETE") != NULL);
		json_decref(o);
		snprintf(dpath, sizeof(dpath), "%s/..%%2Fx", path);
		o = req(&app, "DELETE", dpath, NULL, &st, NULL, 0);
		CHECK(st == 404);
		json_decref(o);
		CHECK(samples_detach(rfd, sid, rid2) == SAMPLES_ERR_NOTFOUND);
		CHECK(samples_detach(rfd, "AAAAAAAAAAAAAAAAAAAAAA", rid) ==
		    SAMPLES_ERR_NOTFOUND);
	}

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
	test_summary_fov();
	test_summary_chamber();
	test_summary_chamber_fov();
	test_summary_unverified();
	test_differential();
	test_differential_pct_min();
	test_differential_unlike();
	test_differential_reference();
	test_manual_counts();
	{
		/*
		 * The shipped block (etc/reference-ranges.json): it must load,
		 * once, and be well formed: named groups, each class's
		 * intervals [low, high] with low < high, and a source.
		 */
		const json_t	*b = samples_wbc_reference(ref), *g, *cl, *iv;
		const char	*k, *which;
		size_t		 gi, ii;

		CHECK(b != NULL);
		CHECK(b == samples_wbc_reference(ref));
		CHECK(json_array_size(json_object_get(b, "groups")) >= 1);
		CHECK(json_is_string(json_object_get(b, "source")));
		json_array_foreach(json_object_get(b, "groups"), gi, g) {
			CHECK(json_is_string(json_object_get(g, "group")));
			CHECK(json_object_size(json_object_get(g, "classes")) >=
			    1);
			json_object_foreach((json_t *)json_object_get(g,
			    "classes"), k, cl) {
				for (ii = 0; ii < 2; ii++) {
					which = ii == 0 ? "pct" : "per_ul";
					iv = json_object_get(cl, which);
					if (iv == NULL && ii == 1)
						continue;
					CHECK(json_array_size(iv) == 2 &&
					    json_number_value(json_array_get(
					    iv, 0)) < json_number_value(
					    json_array_get(iv, 1)));
				}
			}
		}
		CHECK(samples_wbc_reference("/nonexistent/ref.json") == NULL);
		CHECK(samples_wbc_reference(NULL) == NULL);
	}
	test_routes();
	test_routes_selection();
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
