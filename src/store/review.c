/* review.c: a person's corrections of a result, stored as versions beside the detector's output */
/*
 * A technician checks the boxes of a result and fixes them: a box of the
 * wrong class is reclassified, a false one deleted, a missed cell added.
 * The detector's result.json stays as it was (version 0); each save is a
 * new file review-N.json in the result's directory holding the whole list
 * of changes against version 0, who made it and when, and the counts it
 * gives.  Readers (the result route, the results list, sample summaries)
 * merge the latest version into the result, so everything downstream uses
 * the reviewed counts and can say so.
 *
 * Two people saving at once: a save names the version it edits ("base");
 * it is refused (409) unless that is still the latest, and the new file is
 * published with link(2), which fails when the name already exists, so of
 * two concurrent saves of one version exactly one lands.  Changes refer
 * to detections by their index in result.json's "detections", which never
 * changes.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* linkat(2), openat(2) under -std=c11 */
#endif

#include "store/review.h"
#include "store/review_int.h"
#include "store/fsutil.h"
#include "store/rbcdata.h"
#include "base/count.h"
#include "base/timing.h"
#include "store/ids.h"
#include "store/results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- store ----------------------------------------------------------- */

static int
open_result(int results_fd, const char *id)
{
	if (!id_valid(id)) {
		errno = ENOENT;
		return -1;
	}
	return openat(results_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/* Versions are contiguous (N + 1 is only made once N exists). */
static int
current_in(int dfd)
{
	struct stat	 st;
	char		 name[32];
	int		 v;

	for (v = 1; v <= REVIEW_MAX_VERSIONS; v++) {
		snprintf(name, sizeof(name), "review-%d.json", v);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			break;
	}
	return v - 1;
}

int
review_current(int results_fd, const char *id)
{
	int	 dfd, v;

	if ((dfd = open_result(results_fd, id)) < 0)
		return -1;
	v = current_in(dfd);
	close(dfd);
	return v;
}

json_t *
review_load(int results_fd, const char *id)
{
	char	 path[ID_LEN + 32];
	int	 v;

	if ((v = review_current(results_fd, id)) <= 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/review-%d.json", id, v);
	return fsutil_load_json(results_fd, path);
}

static enum review_err
errno_err(int e)
{
	if (e == ENOENT)
		return REVIEW_ERR_NOTFOUND;
	return fsutil_errno_full(e) ? REVIEW_ERR_FULL : REVIEW_ERR_IO;
}

/* ---- counting -------------------------------------------------------- */

/* The result's class names: "classes", else the keys of "counts". */
json_t *
review_classes_of(const json_t *result)
{
	const json_t	*c = json_object_get(result, "classes");
	const char	*k;
	json_t		*v, *out;

	if (json_is_array(c) && json_array_size(c) > 0)
		return json_incref((json_t *)c);
	out = json_array();
	json_object_foreach((json_t *)json_object_get(result, "counts"), k, v)
		json_array_append_new(out, json_string(k));
	return out;
}

double
review_threshold(const json_t *result, const char *name)
{
	const json_t	*t = json_object_get(json_object_get(result,
			    "thresholds"), name);

	if (json_is_number(t))
		return json_number_value(t);
	t = json_object_get(result, "threshold");
	return json_is_number(t) ? json_number_value(t) : 0;
}

static void
bump(json_t *counts, const char *name)
{
	json_t	*n = json_object_get(counts, name);

	json_object_set_new(counts, name, json_integer(
	    (json_is_integer(n) ? json_integer_value(n) : 0) + 1));
}

/*
 * cls[i] (n entries): what detection i of result counts as once changes
 * are applied, NULL when it is not counted.
 */
static void
counted_as(const json_t *result, const json_t *changes, const char **cls,
    size_t n)
{
	const json_t	*dets = json_object_get(result, "detections");
	const json_t	*d, *ch;
	const char	*op, *name;
	size_t		 i;
	json_int_t	 k;

	for (i = 0; i < n; i++) {
		d = json_array_get(dets, i);
		name = json_string_value(json_object_get(d, "class"));
		cls[i] = NULL;
		if (name != NULL && count_counted(json_number_value(
		    json_object_get(d, "confidence")), review_threshold(result,
		    name)))
			cls[i] = name;
	}
	for (i = 0; i < json_array_size(changes); i++) {
		ch = json_array_get(changes, i);
		op = json_string_value(json_object_get(ch, "op"));
		name = json_string_value(json_object_get(ch, "class"));
		k = json_integer_value(json_object_get(ch, "detection"));
		if (op == NULL || k < 0 || (size_t)k >= n)
			continue;
		if (strcmp(op, "delete") == 0)
			cls[k] = NULL;
		else if (strcmp(op, "reclassify") == 0)
			cls[k] = name;
	}
}

void
review_counted_as(const json_t *result, const json_t *changes,
    const char **cls, size_t n)
{
	counted_as(result, changes, cls, n);
}

json_t *
review_counts(const json_t *result, const json_t *changes)
{
	const json_t	*ch;
	json_t		*counts, *classes;
	const char	**cls = NULL, *op, *name;
	size_t		 i, n = json_array_size(json_object_get(result,
			    "detections"));

	counts = json_object();
	classes = review_classes_of(result);
	for (i = 0; i < json_array_size(classes); i++)
		if ((name = json_string_value(json_array_get(classes, i))))
			json_object_set_new(counts, name, json_integer(0));
	json_decref(classes);
	if (n > 0 && (cls = calloc(n, sizeof(*cls))) == NULL) {
		json_decref(counts);
		return NULL;
	}
	counted_as(result, changes, cls, n);
	for (i = 0; i < json_array_size(changes); i++) {
		ch = json_array_get(changes, i);
		op = json_string_value(json_object_get(ch, "op"));
		name = json_string_value(json_object_get(ch, "class"));
		if (op != NULL && strcmp(op, "add") == 0 && name != NULL)
			bump(counts, name);
	}
	for (i = 0; i < n; i++)
		if (cls[i] != NULL)
			bump(counts, cls[i]);
	free(cls);
	return counts;
}

/* ---- white-cell types ------------------------------------------------ */

/*
 * The types a person may give a white cell: the classifier's classes
 * (models/v2-wbc.names) less its reject class "platelet" (a platelet
 * clump boxed as a WBC is reclassified or deleted, not typed), and
 * "untyped" for a cell the person cannot type either.
 */
static const char *const wbc_types[] = {
	"neutrophil", "lymphocyte", "monocyte", "eosinophil", "basophil",
	"ig", "erythroblast", "untyped", NULL
};

/* The stored name of type s (any case), or NULL (REVIEW_WBC_TYPES_TEXT). */
const char *
review_wbc_type_name(const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && wbc_types[i] != NULL; i++)
		if (strcasecmp(s, wbc_types[i]) == 0)
			return wbc_types[i];
	return NULL;
}

/* A type as a change or a detection gives it: a string or {"class"}. */
static const char *
type_of(const json_t *j)
{
	if (json_is_string(j))
		return json_string_value(j);
	return json_string_value(json_object_get(j, "class"));
}

/*
 * The reviewed differential of result (which has the classifier's
 * "differential") under changes: every counted WBC, as review_counts()
 * counts them, by its type: the person's when a change gives one, else
 * the classifier's when the detector called it a WBC too, else untyped
 * (made a WBC by hand and not typed).  As samples_diff.c reads a field.
 */
static json_t *
reviewed_differential(const json_t *result, const json_t *changes)
{
	const json_t	*dets = json_object_get(result, "detections");
	const json_t	*df = json_object_get(result, "differential");
	const json_t	*ch;
	json_t		*by, *out;
	const char	**cls = NULL, **type = NULL, *op, *name, *was, *t;
	unsigned char	*person = NULL;
	size_t		 i, n = json_array_size(dets);
	json_int_t	 k, typed = 0, untyped = 0, reviewed = 0;

	if (n > 0 && ((cls = calloc(n, sizeof(*cls))) == NULL ||
	    (type = calloc(n, sizeof(*type))) == NULL ||
	    (person = calloc(n, 1)) == NULL)) {
		free(cls);
		free(type);
		return NULL;
	}
	by = json_object();
	for (i = 0; i < json_array_size(json_object_get(df, "classes")); i++)
		if ((name = json_string_value(json_array_get(json_object_get(
		    df, "classes"), i))) != NULL)
			json_object_set_new(by, name, json_integer(0));
	counted_as(result, changes, cls, n);
	for (i = 0; i < n; i++)
		type[i] = type_of(json_object_get(json_array_get(dets, i),
		    "wbc_type"));
	for (i = 0; i < json_array_size(changes); i++) {
		ch = json_array_get(changes, i);
		op = json_string_value(json_object_get(ch, "op"));
		name = json_string_value(json_object_get(ch, "class"));
		t = review_wbc_type_name(type_of(json_object_get(ch,
		    "wbc_type")));
		k = json_integer_value(json_object_get(ch, "detection"));
		if (op == NULL || name == NULL || strcmp(name, "WBC") != 0)
			continue;
		if (strcmp(op, "add") == 0) {
			if (t != NULL && strcmp(t, "untyped") != 0) {
				bump(by, t);
				typed++;
				reviewed++;
			} else
				untyped++;
			continue;
		}
		if (strcmp(op, "reclassify") != 0 || k < 0 || (size_t)k >= n)
			continue;
		was = json_string_value(json_object_get(json_array_get(dets,
		    (size_t)k), "class"));
		if (t != NULL) {
			type[k] = t;
			person[k] = 1;
		} else if (was == NULL || strcmp(was, "WBC") != 0)
			type[k] = NULL;
	}
	for (i = 0; i < n; i++) {
		if (cls[i] == NULL || strcmp(cls[i], "WBC") != 0)
			continue;
		if (type[i] != NULL &&
		    review_wbc_type_name(type[i]) != NULL &&
		    strcmp(type[i], "untyped") != 0) {
			bump(by, review_wbc_type_name(type[i]));
			typed++;
			reviewed += person[i];
		} else
			untyped++;
	}
	free(cls);
	free(type);
	free(person);
	out = json_pack("{s:o,s:I,s:I,s:I}", "by", by, "typed", typed,
	    "untyped", untyped, "reviewed", reviewed);
	if (out != NULL && json_object_get(df, "classes") != NULL)
		json_object_set(out, "classes", json_object_get(df, "classes"));
	if (out != NULL && json_object_get(df, "min_confidence") != NULL)
		json_object_set(out, "min_confidence", json_object_get(df,
		    "min_confidence"));
	return out;
}

/*
 * Show the types a person set on result's detections: "wbc_type" becomes
 * {"class", "by": "review"}, the classifier's moves to
 * "detector_wbc_type".
 */
static void
mark_types(json_t *result, const json_t *changes)
{
	json_t		*dets = json_object_get(result, "detections"), *d;
	const json_t	*ch;
	const char	*op, *name, *t;
	size_t		 i;
	json_int_t	 k;

	for (i = 0; i < json_array_size(changes); i++) {
		ch = json_array_get(changes, i);
		op = json_string_value(json_object_get(ch, "op"));
		name = json_string_value(json_object_get(ch, "class"));
		t = review_wbc_type_name(type_of(json_object_get(ch,
		    "wbc_type")));
		k = json_integer_value(json_object_get(ch, "detection"));
		if (op == NULL || strcmp(op, "reclassify") != 0 || t == NULL ||
		    name == NULL || strcmp(name, "WBC") != 0 || k < 0 ||
		    (d = json_array_get(dets, (size_t)k)) == NULL)
			continue;
		/* Merged twice: the classifier's is already moved. */
		if (json_object_get(d, "wbc_type") != NULL &&
		    json_object_get(json_object_get(d, "wbc_type"),
		    "by") == NULL)
			json_object_set(d, "detector_wbc_type",
			    json_object_get(d, "wbc_type"));
		json_object_set_new(d, "wbc_type", json_pack("{s:s,s:s}",
		    "class", t, "by", "review"));
	}
}

/* {"reclassified", "deleted", "added"}: how many of each. */
static json_t *
summary_of(const json_t *changes)
{
	json_int_t	 r = 0, d = 0, a = 0;
	const char	*op;
	size_t		 i;

	for (i = 0; i < json_array_size(changes); i++) {
		op = json_string_value(json_object_get(json_array_get(changes,
		    i), "op"));
		if (op == NULL)
			continue;
		r += strcmp(op, "reclassify") == 0;
		d += strcmp(op, "delete") == 0;
		a += strcmp(op, "add") == 0;
	}
	return json_pack("{s:I,s:I,s:I}", "reclassified", r, "deleted", d,
	    "added", a);
}

/* ---- saving and merging ---------------------------------------------- */

enum review_err
review_save(int results_fd, const char *id, int base, json_t *review,
    int *current)
{
	char		 tmp[ID_LEN + 16], name[32], at[32], rnd[ID_LEN + 1];
	json_t		*result;
	char		*s = NULL;
	int		 dfd, fd = -1, cur, e = 0;
	enum review_err	 rc;

	tmp[0] = '\0';		/* nothing to unlink until it is named */
	/* Held to the end: a delete waits, or has taken the result first. */
	if ((dfd = results_lock(results_fd, id)) < 0)
		return errno_err(errno);
	cur = current_in(dfd);
	*current = cur;
	if (base != cur) {
		close(dfd);
		return REVIEW_ERR_CONFLICT;
	}
	if (cur >= REVIEW_MAX_VERSIONS) {
		close(dfd);
		return REVIEW_ERR_LIMIT;
	}
	if ((result = fsutil_load_json(dfd, "result.json")) == NULL) {
		e = errno;
		close(dfd);
		return errno_err(e);
	}
	timing_now_iso(at, sizeof(at));
	json_object_set_new(review, "version", json_integer(cur + 1));
	json_object_set_new(review, "base", json_integer(cur));
	json_object_set_new(review, "at", json_string(at));
	json_object_set_new(review, "counts", review_counts(result,
	    json_object_get(review, "changes")));
	json_object_set(review, "detector_counts",
	    json_object_get(result, "counts"));
	json_object_set_new(review, "summary", summary_of(
	    json_object_get(review, "changes")));
	json_decref(result);

	/* A private temporary name: two writers never share one. */
	if (id_new(rnd) == -1) {
		e = EIO;
		goto fail;
	}
	snprintf(tmp, sizeof(tmp), ".rv-%s", rnd);
	snprintf(name, sizeof(name), "review-%d.json", cur + 1);
	if ((s = json_dumps(review, JSON_INDENT(1) | JSON_REAL_PRECISION(
	    10))) == NULL) {
		e = ENOMEM;
		goto fail;
	}
	/*
	 * The temporary lives in the results directory, not the result's:
	 * one a killed writer leaves is removed by results_sweep(), which
	 * skips it while this flock(2) shows a live writer holds it.
	 */
	fd = openat(results_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) == -1 ||
	    fsutil_write_all(fd, s, strlen(s)) == -1 ||
	    fsutil_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		e = errno;
		goto fail;
	}
	if (linkat(results_fd, tmp, dfd, name, 0) == -1) {
		e = errno;
		goto fail;
	}
	(void)unlinkat(results_fd, tmp, 0);
	close(fd);
	(void)fsync(dfd);
	free(s);
	close(dfd);
	return REVIEW_OK;
fail:
	if (tmp[0] != '\0')
		(void)unlinkat(results_fd, tmp, 0);
	if (fd >= 0)
		close(fd);
	free(s);
	if (e == EEXIST) {
		/* Another save of the same version landed first. */
		*current = current_in(dfd);
		rc = REVIEW_ERR_CONFLICT;
	} else
		rc = errno_err(e);
	close(dfd);
	return rc;
}

void
review_merge(int results_fd, const char *id, json_t *result)
{
	json_t	*rv, *counts, *df;

	if (result == NULL)
		return;
	if ((rv = review_load(results_fd, id)) == NULL) {
		json_object_set_new(result, "review", json_null());
		return;
	}
	/* Recounted from the changes, so a hand-edited file cannot disagree. */
	counts = review_counts(result, json_object_get(rv, "changes"));
	if (counts != NULL) {
		json_object_set(result, "detector_counts",
		    json_object_get(result, "counts"));
		json_object_set_new(result, "counts", counts);
	}
	/* The types a person set: on their boxes and in the differential. */
	if (json_is_object(json_object_get(result, "differential")) &&
	    json_object_get(result, "detector_differential") == NULL &&
	    (df = reviewed_differential(result, json_object_get(rv,
	    "changes"))) != NULL) {
		json_object_set(result, "detector_differential",
		    json_object_get(result, "differential"));
		json_object_set_new(result, "differential", df);
	}
	mark_types(result, json_object_get(rv, "changes"));
	/* the red-cell classes a person set, and the field's shares */
	rbcdata_apply(result, json_object_get(rv, "changes"));
	json_object_set_new(result, "review", json_pack("{s:O?,s:O?,s:O?,"
	    "s:O?,s:O?,s:O?}", "version", json_object_get(rv, "version"),
	    "base", json_object_get(rv, "base"),
	    "by", json_object_get(rv, "by"), "at", json_object_get(rv, "at"),
	    "changes", json_object_get(rv, "changes"),
	    "summary", json_object_get(rv, "summary")));
	/* "every cell checked" (a complete review): microscope.h's fields */
	json_object_set_new(json_object_get(result, "review"), "checked",
	    json_boolean(json_is_true(json_object_get(rv, "checked"))));
	json_decref(rv);
}
