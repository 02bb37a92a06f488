/* test_core.c: unit tests for config, ids, http helpers and the results store */

#include "config.h"
#include "http.h"
#include "ids.h"
#include "results.h"

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
	CHECK(cfg.max_body == 20 * 1024 * 1024);
	CHECK(cfg.max_side == 8000);
	CHECK(cfg.max_pixels == 40000000L);

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
	list = results_list(fd, 10);
	CHECK(json_array_size(list) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0),
	    "id")), id1);	/* newest first */
	json_decref(list);
	list = results_list(fd, 1);
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
	list = results_list(fd, 10);
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
	test_config(dir);
	test_http();
	test_results(dir);
	rc = check_done("test_core");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}
