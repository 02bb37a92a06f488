/* review_check.c: a client's change list checked against its result and normalised, or refused with its reason */

#include "store/review.h"
#include "store/review_int.h"
#include "store/rbcdata.h"
#include "base/http.h"
#include "base/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if name is one of classes. */
static int
has_class(const json_t *classes, const char *name)
{
	const char	*c;
	size_t		 i;

	for (i = 0; name != NULL && i < json_array_size(classes); i++)
		if ((c = json_string_value(json_array_get(classes, i))) !=
		    NULL && strcmp(c, name) == 0)
			return 1;
	return 0;
}

/* 1 if every member of o is named in keys (NULL-terminated). */
static int
keys_ok(const json_t *o, const char *const *keys)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL)
			return 0;
	}
	return 1;
}

/* Whether image point (x, y) lies in the result's field of view (none: yes). */
static int
in_field(const json_t *fov, double x, double y)
{
	const char	*shape = json_string_value(json_object_get(fov,
			    "shape"));
	double		 cx, cy, r, fx, fy, fw, fh;

	if (shape == NULL)
		return 1;
	if (strcmp(shape, "circle") == 0) {
		cx = json_number_value(json_object_get(fov, "cx"));
		cy = json_number_value(json_object_get(fov, "cy"));
		r = json_number_value(json_object_get(fov, "r"));
		return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
	}
	if (strcmp(shape, "rect") == 0) {
		fx = json_number_value(json_object_get(fov, "x"));
		fy = json_number_value(json_object_get(fov, "y"));
		fw = json_number_value(json_object_get(fov, "w"));
		fh = json_number_value(json_object_get(fov, "h"));
		return x >= fx && x <= fx + fw && y >= fy && y <= fy + fh;
	}
	return 1;
}

static int
num_member(const json_t *o, const char *key, double *v)
{
	const json_t	*j = json_object_get(o, key);

	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return isfinite(*v) ? 0 : -1;
}

/* A normalised box {"x","y","w","h"} inside the image, or NULL. */
static json_t *
check_box(const json_t *result, const json_t *box)
{
	const json_t	*img = json_object_get(result, "image");
	double		 x, y, w, h, iw, ih;

	if (!json_is_object(box) || json_object_size(box) != 4 ||
	    num_member(box, "x", &x) == -1 || num_member(box, "y", &y) == -1 ||
	    num_member(box, "w", &w) == -1 || num_member(box, "h", &h) == -1 ||
	    num_member(img, "width", &iw) == -1 ||
	    num_member(img, "height", &ih) == -1)
		return NULL;
	if (!(w >= 1 && h >= 1 && w <= iw && h <= ih && x >= -w / 2 &&
	    y >= -h / 2 && x + w / 2 <= iw && y + h / 2 <= ih))
		return NULL;
	return json_pack("{s:f,s:f,s:f,s:f}", "x", num_round1(x), "y",
	    num_round1(y), "w", num_round1(w), "h", num_round1(h));
}

/* What a client may send; the stored (normalised) forms included. */
static const char *const add_keys[] = { "op", "class", "box", "wbc_type",
    NULL };
static const char *const del_keys[] = { "op", "detection", "class", NULL };
static const char *const rec_keys[] = { "op", "detection", "class", "from",
    "wbc_type", NULL };

/* Change ch adding a cell of class name (type: its WBC type or NULL) to out. */
static const char *
check_add(const json_t *result, const json_t *classes, const json_t *ch,
    const char *name, const char *type, json_t *out)
{
	json_t	*nb;

	if (!keys_ok(ch, add_keys) || !has_class(classes, name))
		return name != NULL && !has_class(classes, name) ?
		    "review_class_invalid" : "review_change_invalid";
	if ((nb = check_box(result, json_object_get(ch, "box"))) == NULL)
		return "review_box_invalid";
	if (!in_field(json_object_get(result, "fov"),
	    json_number_value(json_object_get(nb, "x")) +
	    json_number_value(json_object_get(nb, "w")) / 2,
	    json_number_value(json_object_get(nb, "y")) +
	    json_number_value(json_object_get(nb, "h")) / 2)) {
		json_decref(nb);
		return "review_outside_field";
	}
	json_array_append_new(out, json_pack("{s:s,s:s,s:o,s:s*}", "op", "add",
	    "class", name, "box", nb, "wbc_type", type));
	return NULL;
}

/*
 * Change ch (op "delete" or "reclassify") of detection *k of dets (n of
 * them, seen marking those changed already) to out.
 */
static const char *
check_existing(const json_t *dets, size_t n, unsigned char *seen,
    const json_t *classes, const json_t *ch, const char *op,
    const char *name, const char *type, json_t *out, json_int_t *k)
{
	const char	*was;

	if (!json_is_integer(json_object_get(ch, "detection")) ||
	    (*k = json_integer_value(json_object_get(ch, "detection"))) < 0 ||
	    (size_t)*k >= n)
		return "review_detection_invalid";
	if (seen[*k] & 1)
		return "review_detection_twice";
	seen[*k] |= 1;
	was = json_string_value(json_object_get(json_array_get(dets,
	    (size_t)*k), "class"));
	if (strcmp(op, "delete") == 0) {
		if (!keys_ok(ch, del_keys))
			return "review_change_invalid";
		json_array_append_new(out, json_pack("{s:s,s:I,s:s?}", "op",
		    "delete", "detection", *k, "class", was));
		return NULL;
	}
	if (!keys_ok(ch, rec_keys) || !has_class(classes, name))
		return name != NULL && !has_class(classes, name) ?
		    "review_class_invalid" : "review_change_invalid";
	json_array_append_new(out, json_pack("{s:s,s:I,s:s,s:s?,s:s*}", "op",
	    "reclassify", "detection", *k, "class", name, "from", was,
	    "wbc_type", type));
	return NULL;
}

static const char *const rbc_keys[] = { "op", "detection", "rbc_class",
    "from", NULL };

/*
 * Change ch giving red cell *k (one the morphology classifier saw: its
 * morphology.classes.cells) a person's class, to out.
 */
static const char *
check_rbc(const json_t *result, const json_t *ch, unsigned char *seen,
    json_t *out, json_int_t *k)
{
	const json_t	*cells = json_object_get(json_object_get(json_object_get(
			    result, "morphology"), "classes"), "cells"), *c;
	const char	*name;
	size_t		 i, n = json_array_size(json_object_get(result,
			    "detections"));

	if (!keys_ok(ch, rbc_keys))
		return "review_change_invalid";
	if (!json_is_integer(json_object_get(ch, "detection")) ||
	    (*k = json_integer_value(json_object_get(ch, "detection"))) < 0 ||
	    (size_t)*k >= n)
		return "review_detection_invalid";
	if ((name = rbcdata_class_name(json_string_value(json_object_get(ch,
	    "rbc_class")))) == NULL)
		return "review_rbc_class_invalid";
	for (i = 0; (c = json_array_get(cells, i)) != NULL; i++)
		if (json_integer_value(json_object_get(c, "box")) == *k)
			break;
	if (c == NULL)
		return "review_rbc_cell_invalid";
	if (seen[*k] & 2)
		return "review_detection_twice";
	seen[*k] |= 2;
	json_array_append_new(out, json_pack("{s:s,s:I,s:s,s:O?}", "op",
	    "rbc_class", "detection", *k, "rbc_class", name, "from",
	    json_object_get(c, json_object_get(c, "by") != NULL ?
	    "detector_class" : "class")));
	return NULL;
}

/* Change ch checked and normalised into out: NULL, or the refusal's code. */
static const char *
check_change(const json_t *result, const json_t *classes, const json_t *ch,
    unsigned char *seen, json_t *out, json_int_t *k)
{
	const json_t	*dets = json_object_get(result, "detections");
	const char	*op, *name, *type = NULL;

	op = json_string_value(json_object_get(ch, "op"));
	name = json_string_value(json_object_get(ch, "class"));
	if (!json_is_object(ch) || op == NULL)
		return "review_change_invalid";
	/* A type: only on a WBC added or reclassified, one we know. */
	if (json_object_get(ch, "wbc_type") != NULL && (strcmp(op,
	    "add") == 0 || strcmp(op, "reclassify") == 0 || strcmp(op,
	    "delete") == 0) && (strcmp(op, "delete") == 0 ||
	    name == NULL || strcmp(name, "WBC") != 0 ||
	    (type = review_wbc_type_name(json_string_value(json_object_get(ch,
	    "wbc_type")))) == NULL))
		return "review_wbc_type_invalid";
	if (strcmp(op, "rbc_class") == 0)
		return check_rbc(result, ch, seen, out, k);
	if (strcmp(op, "add") == 0)
		return check_add(result, classes, ch, name, type, out);
	if (strcmp(op, "delete") != 0 && strcmp(op, "reclassify") != 0)
		return "review_change_invalid";
	return check_existing(dets, json_array_size(dets), seen, classes, ch,
	    op, name, type, out, k);
}

/*
 * The English (err) and params of refusal code of change i (ch; k the
 * detection it named; n the result's detections).
 */
static json_t *
change_refusal(const char *code, size_t i, const json_t *ch, json_int_t k,
    size_t n, char *err, size_t errsz)
{
	json_t	*params;

	params = json_pack("{s:s,s:I}", "field", "changes", "index",
	    (json_int_t)i);
	if (strcmp(code, "review_change_invalid") == 0)
		snprintf(err, errsz, "Change %zu: an object with \"op\" "
		    "\"reclassify\" (\"detection\", \"class\"), \"delete\" "
		    "(\"detection\"), \"add\" (\"class\", \"box\") or "
		    "\"rbc_class\" (\"detection\", \"rbc_class\") is "
		    "required.", i);
	else if (strcmp(code, "review_class_invalid") == 0) {
		snprintf(err, errsz, "Change %zu: \"%s\" is not a class of "
		    "this result.", i, json_string_value(json_object_get(ch,
		    "class")));
		json_object_set_new(params, "class", json_string(
		    json_string_value(json_object_get(ch, "class"))));
	} else if (strcmp(code, "review_wbc_type_invalid") == 0) {
		snprintf(err, errsz, "Change %zu: \"wbc_type\" goes only on a "
		    "WBC that is added or reclassified, and must be one of "
		    "%s.", i, REVIEW_WBC_TYPES_TEXT);
		json_object_set_new(params, "allowed", json_string(
		    REVIEW_WBC_TYPES_TEXT));
	} else if (strcmp(code, "review_rbc_class_invalid") == 0) {
		snprintf(err, errsz, "Change %zu: \"rbc_class\" must be one of "
		    "%s.", i, RBCDATA_CLASSES_TEXT);
		json_object_set_new(params, "allowed", json_string(
		    RBCDATA_CLASSES_TEXT));
	} else if (strcmp(code, "review_rbc_cell_invalid") == 0) {
		snprintf(err, errsz, "Change %zu: detection %lld is not a red "
		    "cell the morphology classifier saw.", i, (long long)k);
		json_object_set_new(params, "detection", json_integer(k));
	} else if (strcmp(code, "review_box_invalid") == 0)
		snprintf(err, errsz, "Change %zu: \"box\" needs numbers x, y, "
		    "w, h (at least 1 px) with its centre inside the image.",
		    i);
	else if (strcmp(code, "review_outside_field") == 0)
		snprintf(err, errsz, "Change %zu: the added cell lies outside "
		    "the counted field of view.", i);
	else if (strcmp(code, "review_detection_twice") == 0) {
		snprintf(err, errsz, "Change %zu: detection %lld is changed "
		    "twice.", i, (long long)k);
		json_object_set_new(params, "detection", json_integer(k));
	} else {
		snprintf(err, errsz, "Change %zu: \"detection\" must be the "
		    "index of one of the result's %zu detections.", i, n);
		json_object_set_new(params, "detections", json_integer(
		    (json_int_t)n));
	}
	return params;
}

json_t *
review_check(const json_t *result, const json_t *changes, char *err,
    size_t errsz, json_t **msgs)
{
	json_t		*out = NULL, *classes, *params = NULL;
	const char	*code = NULL;
	unsigned char	*seen = NULL;
	size_t		 i, n = json_array_size(json_object_get(result,
			    "detections"));
	json_int_t	 k = -1;

	if (msgs != NULL)
		*msgs = NULL;
	classes = review_classes_of(result);
	if (!json_is_array(changes) ||
	    json_array_size(changes) > REVIEW_MAX_CHANGES) {
		snprintf(err, errsz, "Field \"changes\" must be a list of at "
		    "most %d changes.", REVIEW_MAX_CHANGES);
		code = "review_changes_invalid";
		params = json_pack("{s:s,s:i}", "field", "changes", "max",
		    REVIEW_MAX_CHANGES);
	} else if ((seen = calloc(n + 1, 1)) == NULL ||
	    (out = json_array()) == NULL) {
		snprintf(err, errsz, "Out of memory.");
		json_decref(out);
		free(seen);
		json_decref(classes);
		return NULL;
	} else {
		for (i = 0; code == NULL && i < json_array_size(changes); i++)
			code = check_change(result, classes, json_array_get(
			    changes, i), seen, out, &k);
		if (code != NULL)
			params = change_refusal(code, i - 1, json_array_get(
			    changes, i - 1), k, n, err, errsz);
	}
	free(seen);
	json_decref(classes);
	if (code == NULL)
		return out;
	if (msgs != NULL)
		*msgs = http_msg1(code, params);
	else
		json_decref(params);
	json_decref(out);
	return NULL;
}
