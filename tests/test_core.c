/* test_core.c: unit tests for config, thresholds, ids, http helpers and the results store */

#include "base/config.h"
#include "base/http.h"
#include "store/ids.h"
#include "base/log.h"
#include "store/results.h"
#include "routes/results_routes.h"
#include "clinical/thresholds.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static void
test_ids(void)
{
	char	 a[ID_LEN + 1], b[ID_LEN + 1];
	int	 i, seen_dash_or_underscore = 0;

	CHECK(id_new(a) == 0);
	CHECK(strlen(a) == ID_LEN);
	CHECK(id_valid(a));
	CHECK(id_new(b) == 0);
	CHECK(strcmp(a, b) != 0);
	for (i = 0; i < 2000; i++) {
		CHECK(id_new(a) == 0 && id_valid(a));
		if (strpbrk(a, "-_"))
			seen_dash_or_underscore = 1;
	}
	/* 2000 ids * 22 chars: both '-' and '_' must occur somewhere */
	CHECK(seen_dash_or_underscore);
	CHECK(!id_valid(""));
	CHECK(!id_valid(NULL));
	CHECK(!id_valid("../../../../etc/passwd"));
	CHECK(!id_valid("AAAAAAAAAAAAAAAAAAAAA"));	/* 21 */
	CHECK(!id_valid("AAAAAAAAAAAAAAAAAAAAAAA"));	/* 23 */
	CHECK(!id_valid("AAAAAAAAAAAAAAAAAAAA/A"));
	CHECK(!id_valid(".tmp-AAAAAAAAAAAAAAAAA"));
	CHECK(id_valid("AAAAAAAAAAAAAAAAAAAA-_"));
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, f);
	fclose(f);
}

static void
test_config(const char *dir)
{
	struct config	 cfg;
	char		 path[512], err[512], want[600];

	config_defaults(&cfg);
	/* a 48 MP phone photo (8064 x 6048, up to 40 MiB) fits */
	CHECK(cfg.max_body == 40 * 1024 * 1024);
	CHECK(cfg.max_side == 8192);
	CHECK(cfg.max_pixels == 50000000L);
	CHECK(cfg.auto_scale == 1);
	CHECK(strstr(cfg.wbc_cfg, "v2-wbc.cfg") != NULL);
	CHECK(config_set(&cfg, "wbc_cfg", "", NULL, err, sizeof(err)) == 0 &&
	    cfg.wbc_cfg[0] == '\0');
	CHECK(config_set(&cfg, "model_cfg", "", NULL, err, sizeof(err)) == -1);
	config_defaults(&cfg);
	CHECK(cfg.display_pixels >= 4032L * 3024);

	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	write_file(path, "# comment\n\n  threshold = 0.4  # trailing\n"
	    "model_cfg = models/x.cfg\nresults_dir=/abs/results\n"
	    "max_body = 1048576\n");
	CHECK(config_load(&cfg, path, err, sizeof(err)) == 0);
	CHECK(cfg.threshold > 0.399 && cfg.threshold < 0.401);
	snprintf(want, sizeof(want), "%s/models/x.cfg", dir);
	CHECK_STR(cfg.model_cfg, want);
	CHECK_STR(cfg.results_dir, "/abs/results");
	CHECK(cfg.max_body == 1048576);

	snprintf(path, sizeof(path), "%s/bad1.conf", dir);
	write_file(path, "threshold = 0.4\nthreshhold = 0.5\n");
	CHECK(config_load(&cfg, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, ":2:") != NULL && strstr(err, "threshhold"));

	snprintf(path, sizeof(path), "%s/bad2.conf", dir);
	write_file(path, "threshold = 1.5\n");
	CHECK(config_load(&cfg, path, err, sizeof(err)) == -1);

	snprintf(path, sizeof(path), "%s/bad3.conf", dir);
	write_file(path, "max_side = 12.5\n");
	CHECK(config_load(&cfg, path, err, sizeof(err)) == -1);

	snprintf(path, sizeof(path), "%s/bad4.conf", dir);
	write_file(path, "max_side\n");
	CHECK(config_load(&cfg, path, err, sizeof(err)) == -1);

	snprintf(path, sizeof(path), "%s/bad5.conf", dir);
	write_file(path, "max_body = 12abc\n");
	CHECK(config_load(&cfg, path, err, sizeof(err)) == -1);

	CHECK(config_load(&cfg, "/nonexistent/x.conf", err,
	    sizeof(err)) == -1);
}

/* Write text to dir/name, load it over the defaults; config_load's result. */
static int
load_text(struct config *cfg, const char *dir, const char *name,
    const char *text, char *err, size_t errsz)
{
	char	 path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(path, text);
	config_defaults(cfg);
	err[0] = '\0';
	return config_load(cfg, path, err, errsz);
}

static int
near(double a, double b)
{
	return a > b - 1e-9 && a < b + 1e-9;
}

static void
test_class_thresholds_config(const char *dir)
{
	struct config	 cfg;
	char		 err[512], want[600];

	config_defaults(&cfg);
	CHECK(cfg.nclass_thresholds == 0);

	/* valid: spaces, commas, a later line replaces the list */
	CHECK(load_text(&cfg, dir, "ct1.conf", "threshold = 0.3\n"
	    "class_thresholds = RBC:0.38  WBC:0.33,Platelets:0.51 # tuned\n",
	    err, sizeof(err)) == 0);
	CHECK(cfg.nclass_thresholds == 3);
	CHECK_STR(cfg.class_thresholds[0].name, "RBC");
	CHECK(near(cfg.class_thresholds[0].value, 0.38));
	CHECK_STR(cfg.class_thresholds[1].name, "WBC");
	CHECK(near(cfg.class_thresholds[1].value, 0.33));
	CHECK_STR(cfg.class_thresholds[2].name, "Platelets");
	CHECK(near(cfg.class_thresholds[2].value, 0.51));
	snprintf(want, sizeof(want), "%s/ct1.conf:2", dir);
	CHECK_STR(cfg.class_thresholds_at, want);
	CHECK(near(cfg.threshold, 0.3));

	CHECK(load_text(&cfg, dir, "ct2.conf", "class_thresholds = RBC:1\n"
	    "class_thresholds = WBC:0 Platelets:0.5\n", err,
	    sizeof(err)) == 0);
	CHECK(cfg.nclass_thresholds == 2);
	CHECK_STR(cfg.class_thresholds[0].name, "WBC");
	CHECK(near(cfg.class_thresholds[0].value, 0.0));

	/* bad values and shapes: an error naming file, line and the pair */
	CHECK(load_text(&cfg, dir, "ct3.conf", "\nclass_thresholds = "
	    "RBC:0.4 WBC:1.5\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "ct3.conf:2:") != NULL && strstr(err, "WBC") &&
	    strstr(err, "1.5"));
	CHECK(cfg.nclass_thresholds == 0);	/* all or nothing */
	CHECK(load_text(&cfg, dir, "ct4.conf", "class_thresholds = RBC:-0.1\n",
	    err, sizeof(err)) == -1);
	CHECK(strstr(err, "ct4.conf:1:") != NULL);
	CHECK(load_text(&cfg, dir, "ct5.conf", "class_thresholds = RBC:abc\n",
	    err, sizeof(err)) == -1);
	CHECK(strstr(err, "ct5.conf:1:") != NULL && strstr(err, "abc"));
	CHECK(load_text(&cfg, dir, "ct6.conf", "class_thresholds = RBC 0.4\n",
	    err, sizeof(err)) == -1);
	CHECK(strstr(err, "CLASS:VALUE") != NULL);
	CHECK(load_text(&cfg, dir, "ct7.conf", "class_thresholds = :0.4\n",
	    err, sizeof(err)) == -1);
	CHECK(load_text(&cfg, dir, "ct8.conf", "class_thresholds = RBC:\n",
	    err, sizeof(err)) == -1);
	CHECK(load_text(&cfg, dir, "ct9.conf", "class_thresholds = RBC:0.4 "
	    "RBC:0.5\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "twice") != NULL);
	CHECK(load_text(&cfg, dir, "ct10.conf", "class_thresholds =\n",
	    err, sizeof(err)) == -1);
	CHECK(strstr(err, "ct10.conf:1:") != NULL);
	CHECK(load_text(&cfg, dir, "ct11.conf", "class_thresholds = "
	    "RBC:0.4:0.5\n", err, sizeof(err)) == -1);
	CHECK(load_text(&cfg, dir, "ct12.conf", "class_thresholds = "
	    "WBC:nan\n", err, sizeof(err)) == -1);
	CHECK(load_text(&cfg, dir, "ct13.conf", "threshold = nan\n", err,
	    sizeof(err)) == -1);

	/* config_set alone (no file): no place recorded */
	config_defaults(&cfg);
	CHECK(config_set(&cfg, "class_thresholds", "WBC:0.2", NULL, err,
	    sizeof(err)) == 0);
	CHECK(cfg.nclass_thresholds == 1 && cfg.class_thresholds_at[0] == 0);
}

/* The shipped etc/bloodview.conf parses, and so does its commented example. */
static void
test_shipped_config(const char *dir)
{
	struct config	 cfg;
	const char	*src = getenv("top_srcdir");
	char		 path[1024], line[2048], err[512], out[600];
	FILE		*in, *o;
	int		 found = 0;

	if (src == NULL)
		return;		/* run by hand: make check sets it */
	snprintf(path, sizeof(path), "%s/etc/bloodview.conf", src);
	config_defaults(&cfg);
	CHECK(config_load(&cfg, path, err, sizeof(err)) == 0);
	CHECK(cfg.nclass_thresholds == 0);
	snprintf(out, sizeof(out), "%s/shipped.conf", dir);
	if ((in = fopen(path, "r")) == NULL || (o = fopen(out, "w")) == NULL) {
		CHECK(!"open etc/bloodview.conf");
		if (in != NULL)
			fclose(in);
		return;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		if (strncmp(line, "#class_thresholds", 17) == 0) {
			found = 1;
			fputs(line + 1, o);
		} else
			fputs(line, o);
	}
	fclose(in);
	fclose(o);
	CHECK(found);
	config_defaults(&cfg);
	CHECK(config_load(&cfg, out, err, sizeof(err)) == 0);
	CHECK(cfg.nclass_thresholds == 3);
}

static void
test_thresholds(const char *dir)
{
	static const char *const names[] = { "RBC", "WBC", "Platelets" };
	struct config		 cfg;
	struct thresholds	 t = { 0, NULL, NULL };
	json_t			*info;
	char			 err[512];

	/* nothing but the global threshold: it applies to every class */
	config_defaults(&cfg);
	CHECK(thresholds_resolve(&t, &cfg, NULL, "x.json", names, 3, err,
	    sizeof(err)) == 0);
	CHECK(t.n == 3 && near(t.v[0], 0.35) && near(t.v[1], 0.35) &&
	    near(t.v[2], 0.35));
	CHECK(t.src[0] == THR_GLOBAL && t.src[2] == THR_GLOBAL);
	CHECK_STR(thresholds_source_name(t.src[1]), "threshold");
	thresholds_free(&t);

	/* model info above the global one, config above both */
	info = json_pack("{s:{s:f,s:f,s:f}}", "thresholds",
	    "RBC", 0.38, "WBC", 0.33, "Platelets", 0.51);
	CHECK(load_text(&cfg, dir, "p1.conf", "threshold = 0.2\n"
	    "class_thresholds = WBC:0.6\n", err, sizeof(err)) == 0);
	CHECK(thresholds_resolve(&t, &cfg, info, "x.json", names, 3, err,
	    sizeof(err)) == 0);
	CHECK(near(t.v[0], 0.38) && t.src[0] == THR_MODEL);
	CHECK(near(t.v[1], 0.6) && t.src[1] == THR_CONFIG);
	CHECK(near(t.v[2], 0.51) && t.src[2] == THR_MODEL);
	CHECK_STR(thresholds_source_name(t.src[1]), "class_thresholds");
	CHECK_STR(thresholds_source_name(t.src[0]), "model_info");
	thresholds_free(&t);
	CHECK(t.v == NULL && t.n == 0);
	thresholds_free(&t);		/* twice is harmless */
	thresholds_free(NULL);
	json_decref(info);

	/* a class the model info leaves out falls back to the global one */
	info = json_pack("{s:{s:f}}", "thresholds", "Platelets", 0.5);
	config_defaults(&cfg);
	cfg.threshold = 0.25;
	CHECK(thresholds_resolve(&t, &cfg, info, "x.json", names, 3, err,
	    sizeof(err)) == 0);
	CHECK(near(t.v[0], 0.25) && t.src[0] == THR_GLOBAL);
	CHECK(near(t.v[2], 0.5) && t.src[2] == THR_MODEL);
	thresholds_free(&t);
	json_decref(info);

	/* bad model info entries are skipped (and logged), not fatal */
	info = json_pack("{s:{s:f,s:s,s:f}}", "thresholds", "Neutrophil", 0.4,
	    "WBC", "high", "RBC", 1.5);
	CHECK(thresholds_resolve(&t, &cfg, info, "x.json", names, 3, err,
	    sizeof(err)) == 0);
	CHECK(near(t.v[0], 0.25) && near(t.v[1], 0.25) && near(t.v[2], 0.25));
	CHECK(t.src[0] == THR_GLOBAL && t.src[1] == THR_GLOBAL);
	thresholds_free(&t);
	json_decref(info);

	/* raised to min_confidence and rounded like the JSON's scores */
	config_defaults(&cfg);
	cfg.min_confidence = 0.05;
	CHECK(config_set(&cfg, "class_thresholds", "RBC:0.01 WBC:0.3333",
	    NULL, err, sizeof(err)) == 0);
	CHECK(thresholds_resolve(&t, &cfg, NULL, "x.json", names, 3, err,
	    sizeof(err)) == 0);
	CHECK(near(t.v[0], 0.05) && near(t.v[1], 0.333));
	thresholds_free(&t);
	CHECK(near(thresholds_clamp(0.0, 0.05), 0.05));
	CHECK(near(thresholds_clamp(0.4567, 0.05), 0.457));

	/* a class the model does not have: error with file and line */
	CHECK(load_text(&cfg, dir, "p2.conf", "# per class\n"
	    "class_thresholds = RBC:0.4 Neutrophil:0.3\n", err,
	    sizeof(err)) == 0);
	t.n = 99;
	CHECK(thresholds_resolve(&t, &cfg, NULL, "x.json", names, 3, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "p2.conf:2:") != NULL);
	CHECK(strstr(err, "\"Neutrophil\"") != NULL);
	CHECK(strstr(err, "RBC, WBC, Platelets") != NULL);
	CHECK(t.n == 99 && t.v == NULL);	/* untouched */
	/* names are case-sensitive, as in the .names file */
	CHECK(load_text(&cfg, dir, "p3.conf", "class_thresholds = rbc:0.4\n",
	    err, sizeof(err)) == 0);
	CHECK(thresholds_resolve(&t, &cfg, NULL, "x.json", names, 3, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "p3.conf:1:") != NULL);
}

static void
test_http(void)
{
	struct http_response	 resp;
	json_error_t		 jerr;
	json_t			*o;
	char			 buf[64];
	const char		*nasty = "quote\" back\\ nl\n ctl\x01 </script> é";

	memset(&resp, 0, sizeof(resp));
	http_error(&resp, 415, "unsupported_type", nasty);
	CHECK(resp.status == 415);
	CHECK_STR(resp.error_code, "unsupported_type");
	CHECK(resp.body != NULL && resp.body_len == strlen(resp.body));
	/* escaped: no raw control characters, quotes or non-ASCII */
	CHECK(strchr(resp.body, '\n') == NULL);
	CHECK(strchr(resp.body, '\x01') == NULL);
	CHECK(strstr(resp.body, "\\\"") != NULL);
	CHECK(strcasestr(resp.body, "\\u00e9") != NULL);
	/* and it round-trips to the same string */
	o = json_loads(resp.body, 0, &jerr);
	CHECK(o != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o,
	    "error"), "message")), nasty);
	CHECK_STR(json_string_value(json_object_get(json_object_get(o,
	    "error"), "code")), "unsupported_type");
	json_decref(o);
	http_response_free(&resp);

	http_add_header(&resp, "Allow", "GET");
	CHECK_STR(resp.headers, "Allow: GET\r\n");

	CHECK(http_query_get("limit=5&x=a%20b+c", "x", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "a b c");
	CHECK(http_query_get("limit=5&x=1", "limit", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "5");
	CHECK(http_query_get("limitx=5", "limit", buf, sizeof(buf)) == -1);
	CHECK(http_query_get("", "limit", buf, sizeof(buf)) == -1);
	CHECK(http_query_get("a=%4", "a", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "%4");
}

/* Host allow-list, same-origin writes, JSON content type (src/base/http.c). */
static void
test_http_origin(void)
{
	const char	*list = "bloodview.lan, *.clinic.lan";

	CHECK(http_host_allowed("localhost:8080", ""));
	CHECK(http_host_allowed("LOCALHOST.", ""));
	CHECK(http_host_allowed("127.0.0.1:8080", ""));
	CHECK(http_host_allowed("192.168.1.20", ""));
	CHECK(http_host_allowed("[::1]:8080", ""));
	CHECK(http_host_allowed("", ""));
	CHECK(!http_host_allowed("evil.example", ""));
	CHECK(!http_host_allowed("127.0.0.1.evil.example", ""));
	CHECK(!http_host_allowed("localhost.evil.example:8080", ""));
	CHECK(!http_host_allowed("[::1", ""));
	CHECK(!http_host_allowed("localhost:80x", ""));
	CHECK(!http_host_allowed("a b", ""));
	CHECK(http_host_allowed("BloodView.LAN:8080", list));
	CHECK(http_host_allowed("pc1.clinic.lan", list));
	CHECK(!http_host_allowed("clinic.lan", list));
	CHECK(!http_host_allowed("bloodview.lan.evil.example", list));
	CHECK(http_host_allowed("anything.example", "*"));

	CHECK(http_same_origin("", "", "http", "127.0.0.1:8080", "8080"));
	CHECK(http_same_origin("http://127.0.0.1:8080", "same-origin", "http",
	    "127.0.0.1:8080", "8080"));
	CHECK(http_same_origin("", "none", "http", "h", "80"));
	CHECK(http_same_origin("http://box", "", "http", "box:80", "80"));
	/* nginx's $host has no port: the server's own or the default */
	CHECK(http_same_origin("http://box:8080", "", "http", "box", "8080"));
	CHECK(http_same_origin("http://box", "", "http", "box", "8080"));
	CHECK(!http_same_origin("http://box:9000", "", "http", "box", "8080"));
	CHECK(!http_same_origin("http://evil.example", "", "http", "box",
	    "80"));
	CHECK(!http_same_origin("null", "", "http", "box", "80"));
	CHECK(!http_same_origin("https://box", "", "http", "box", "80"));
	CHECK(!http_same_origin("http://box:8081", "", "http", "box:8080",
	    "8080"));
	CHECK(!http_same_origin("", "cross-site", "http", "box", "80"));
	CHECK(!http_same_origin("", "same-site", "http", "box", "80"));
	CHECK(!http_same_origin("http://box", "cross-site", "http", "box",
	    "80"));

	CHECK(http_is_json("application/json"));
	CHECK(http_is_json("Application/JSON; charset=utf-8"));
	CHECK(!http_is_json("application/jsonx"));
	CHECK(!http_is_json("text/plain"));
	CHECK(!http_is_json(""));
}

static int
count_entries(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	int		 n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The list GET /api/results serves: its first page of at most limit results. */
static json_t *
first_page(int fd, size_t limit)
{
	struct results_query	 q;
	json_t			*out, *list;

	memset(&q, 0, sizeof(q));
	q.limit = limit;
	out = results_query(fd, &q);
	list = json_incref(json_object_get(out, "results"));
	json_decref(out);
	return list;
}

static void
test_results(const char *dir)
{
	char			 rdir[512], id1[ID_LEN + 1], id2[ID_LEN + 1];
	char			 path[600], js[256];
	struct result_file	 files[2];
	json_t			*list, *r;
	int			 fd;

	snprintf(rdir, sizeof(rdir), "%s/results", dir);
	CHECK(mkdir(rdir, 0755) == 0);
	fd = open(rdir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK(results_writable(fd));
	CHECK(count_entries(rdir) == 0);

	id_new(id1);
	snprintf(js, sizeof(js), "{\"id\":\"%s\",\"created\":\"t1\","
	    "\"counts\":{\"RBC\":3}}", id1);
	files[0] = (struct result_file){ "result.json", js, strlen(js) };
	files[1] = (struct result_file){ "annotated.jpg", "JPEG", 4 };
	CHECK(results_commit(fd, id1, files, 2) == RESULTS_OK);
	CHECK(results_exists(fd, id1));
	snprintf(path, sizeof(path), "%s/%s/annotated.jpg", rdir, id1);
	CHECK(access(path, R_OK) == 0);
	CHECK(count_entries(rdir) == 1);	/* no temp dir left */

	/* a second result, made older by its mtime */
	id_new(id2);
	snprintf(js, sizeof(js), "{\"id\":\"%s\",\"created\":\"t0\"}", id2);
	files[0] = (struct result_file){ "result.json", js, strlen(js) };
	CHECK(results_commit(fd, id2, files, 1) == RESULTS_OK);
	snprintf(path, sizeof(path), "%s/%s/result.json", rdir, id2);
	{
		struct timespec	 ts[2] = { { 1000, 0 }, { 1000, 0 } };

		CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
	}
	list = first_page(fd, 10);
	CHECK(json_array_size(list) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0),
	    "id")), id1);	/* newest first */
	json_decref(list);
	list = first_page(fd, 1);
	CHECK(json_array_size(list) == 1);
	json_decref(list);

	r = results_load(fd, id1);
	CHECK(r != NULL && json_integer_value(json_object_get(
	    json_object_get(r, "counts"), "RBC")) == 3);
	json_decref(r);
	CHECK(results_load(fd, "AAAAAAAAAAAAAAAAAAAAAA") == NULL);

	/* committing the same id twice fails and leaves no temp dir */
	CHECK(results_commit(fd, id1, files, 1) != RESULTS_OK);
	CHECK(count_entries(rdir) == 2);

	/* retention: id2 is from 1970 */
	CHECK(results_expire(fd, 0) == 0);
	CHECK(results_expire(fd, 30) == 1);
	CHECK(!results_exists(fd, id2));
	CHECK(results_exists(fd, id1));

	/* interrupted commit and delete leftovers are swept */
	snprintf(path, sizeof(path), "%s/.tmp-%s", rdir, id2);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/.tmp-%s/result.json", rdir, id2);
	write_file(path, "{\"half\":");
	snprintf(path, sizeof(path), "%s/.del-%s", rdir, id2);
	CHECK(mkdir(path, 0755) == 0);
	list = first_page(fd, 10);
	CHECK(json_array_size(list) == 1);	/* never listed */
	json_decref(list);
	CHECK(results_sweep(fd) == 2);
	CHECK(count_entries(rdir) == 1);

	CHECK(results_delete(fd, id1) == RESULTS_OK);
	CHECK(results_delete(fd, id1) == RESULTS_ERR_NOTFOUND);
	CHECK(count_entries(rdir) == 0);
	close(fd);
}

int
main(void)
{
	char	 tmpl[] = "/tmp/bv-test-core.XXXXXX";
	char	*dir, cmd[600];
	int	 rc;

	if ((dir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_ids();
	log_init("test_core");
	test_config(dir);
	test_class_thresholds_config(dir);
	test_thresholds(dir);
	test_shipped_config(dir);
	test_http();
	test_http_origin();
	test_results(dir);
	rc = check_done("test_core");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}
