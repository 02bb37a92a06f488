/* rbcdata.c: red-cell morphology classes a reviewer set: the names allowed, applied to a result, kept as data */
/*
 * A reviewer's class of a red cell corrects what the morphology
 * classifier (models/v1-rbcmorph) said of it: the result and the sample's
 * shares then count the person's class, and each one is kept beside the
 * review as a label for a later adaptation to this microscope, as
 * wbcdata.c keeps white-cell types.
 */

#include "store/rbcdata.h"
#include "store/fsutil.h"
#include "store/results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const classes[] = { "normal", "macrocyte", "microcyte",
	"spherocyte", "target", "stomatocyte", "ovalocyte", "teardrop", "burr",
	"schistocyte", "hypochromia", "elliptocyte", NULL };

const char *
rbcdata_class_name(const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && classes[i] != NULL; i++)
		if (strcasecmp(s, classes[i]) == 0)
			return classes[i];
	return NULL;
}

const char *
rbcdata_class_at(int i)
{
	return i >= 0 && i < (int)(sizeof(classes) / sizeof(classes[0])) ?
	    classes[i] : NULL;
}

/* The cell of cells whose "box" is k, or NULL. */
static json_t *
cell_of(const json_t *cells, json_int_t k)
{
	json_t	*c;
	size_t	 i;

	json_array_foreach((json_t *)cells, i, c)
		if (json_integer_value(json_object_get(c, "box")) == k)
			return c;
	return NULL;
}

static void
bump(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(
	    json_integer_value(json_object_get(o, key)) + 1));
}

/* The field's figures recounted from its cells. */
static void
recount(json_t *cls)
{
	json_t		*by = json_object(), *why = json_object(), *share;
	json_t		*c, *v;
	const char	*name, *key;
	json_int_t	 ok = 0, no = 0, rv = 0;
	size_t		 i;

	json_object_foreach(json_object_get(cls, "by"), key, v)
		json_object_set_new(by, key, json_integer(0));
	json_array_foreach(json_object_get(cls, "cells"), i, c) {
		name = json_string_value(json_object_get(c, "class"));
		rv += json_object_get(c, "by") != NULL;
		if (name != NULL && strcmp(name, "abstained") == 0) {
			no++;
			if (json_is_string(json_object_get(c, "reason")))
				bump(why, json_string_value(json_object_get(c,
				    "reason")));
		} else if (name != NULL) {
			ok++;
			bump(by, name);
		}
	}
	share = json_object();
	json_object_foreach(by, key, v)
		json_object_set_new(share, key, json_real(ok > 0 ? round(1000.0 *
		    json_integer_value(v) / ok) / 1000 : 0));
	json_object_set_new(cls, "by", by);
	json_object_set_new(cls, "share", share);
	json_object_set_new(cls, "abstained_by", why);
	json_object_set_new(cls, "classified", json_integer(ok));
	json_object_set_new(cls, "abstained", json_integer(no));
	json_object_set_new(cls, "reviewed", json_integer(rv));
}

void
rbcdata_apply(json_t *result, const json_t *changes)
{
	json_t		*cls = json_object_get(json_object_get(result,
			    "morphology"), "classes"), *c;
	const json_t	*ch;
	const char	*op, *name;
	size_t		 i;
	int		 any = 0;

	if (!json_is_object(cls))
		return;
	json_array_foreach((json_t *)changes, i, ch) {
		op = json_string_value(json_object_get(ch, "op"));
		name = rbcdata_class_name(json_string_value(json_object_get(ch,
		    "rbc_class")));
		if (op == NULL || strcmp(op, "rbc_class") != 0 ||
		    name == NULL || (c = cell_of(json_object_get(cls, "cells"),
		    json_integer_value(json_object_get(ch, "detection")))) ==
		    NULL)
			continue;
		if (json_object_get(c, "by") == NULL)
			json_object_set(c, "detector_class",
			    json_object_get(c, "class"));
		json_object_set_new(c, "class", json_string(name));
		json_object_set_new(c, "by", json_string("review"));
		any = 1;
	}
	if (!any)
		return;
	if (json_object_get(cls, "detector_by") == NULL)
		json_object_set(cls, "detector_by", json_object_get(cls, "by"));
	recount(cls);
}

/* The entries of the cells changes set (result as stored). */
static json_t *
cells_of(const json_t *result, const json_t *changes)
{
	const json_t	*cells = json_object_get(json_object_get(json_object_get(
			    result, "morphology"), "classes"), "cells");
	const json_t	*ch, *c;
	json_t		*out = json_array();
	const char	*op, *name, *was;
	json_int_t	 k;
	size_t		 i;

	json_array_foreach((json_t *)changes, i, ch) {
		op = json_string_value(json_object_get(ch, "op"));
		name = rbcdata_class_name(json_string_value(json_object_get(ch,
		    "rbc_class")));
		k = json_integer_value(json_object_get(ch, "detection"));
		if (op == NULL || strcmp(op, "rbc_class") != 0 ||
		    name == NULL || (c = cell_of(cells, k)) == NULL)
			continue;
		was = json_string_value(json_object_get(c, "class"));
		json_array_append_new(out, json_pack("{s:I,s:O?,s:s,s:{s:O?,"
		    "s:O?,s:O?},s:b}", "detection", k, "box", json_object_get(
		    json_array_get(json_object_get(result, "detections"),
		    (size_t)k), "box"), "class", name, "classifier", "class",
		    json_object_get(c, "class"), "best", json_object_get(c,
		    "best"), "confidence", json_object_get(c, "confidence"),
		    "confirmed", was != NULL && strcmp(was, name) == 0));
	}
	return out;
}

int
rbcdata_keep(int results_fd, const char *id, int version,
    const json_t *result, const json_t *changes, const char *by)
{
	json_t	*cells = cells_of(result, changes), *o;
	char	 fname[48], *s = NULL;
	int	 dfd, rc, e;

	if (cells == NULL || json_array_size(cells) == 0) {
		json_decref(cells);
		return 0;
	}
	o = json_pack("{s:s,s:i,s:s,s:O?,s:O?,s:s,s:o}", "result", id,
	    "review_version", version, "by", by, "microscope",
	    json_object_get(result, "microscope"), "scale",
	    json_object_get(result, "scale"), "model", "v1-rbcmorph", "cells",
	    cells);
	if (o == NULL || (s = json_dumps(o, JSON_INDENT(1))) == NULL) {
		json_decref(o);
		errno = ENOMEM;
		return -1;
	}
	json_decref(o);
	if ((dfd = results_lock(results_fd, id)) < 0) {
		e = errno;
		free(s);
		errno = e;
		return -1;
	}
	snprintf(fname, sizeof(fname), "rbc-classes-%d.json", version);
	rc = fsutil_put_new(dfd, fname, "rd", s, strlen(s));
	e = errno;
	if (rc == 0)
		(void)fsync(dfd);
	close(dfd);
	free(s);
	errno = e;
	return rc;
}
