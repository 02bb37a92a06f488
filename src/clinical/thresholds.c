/* thresholds.c: per-class operating thresholds (config > model info > global) */
/*
 * A model's count errors are reported at thresholds tuned per class on the
 * validation split, and those ship with the model (its info JSON), so a
 * retrained model brings its own.  An administrator may still override a
 * class in bloodview.conf; whatever neither names falls back to the one
 * global threshold.  This is resolved once at start-up, after the model is
 * loaded, because only then are the class names known; a request's own
 * threshold (one value for all classes) is applied by analyze.c on top.
 */

#include "clinical/thresholds.h"
#include "base/config.h"
#include "base/log.h"
#include "base/num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double
thresholds_clamp(double t, double min_confidence)
{
	if (t < min_confidence)
		t = min_confidence;
	return num_round3(t);
}

const char *
thresholds_source_name(enum thr_source src)
{
	switch (src) {
	case THR_CONFIG:
		return "class_thresholds";
	case THR_MODEL:
		return "model_info";
	case THR_GLOBAL:
	default:
		return "threshold";
	}
}

static long
class_index(const char *const *names, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return (long)i;
	return -1;
}

/* "RBC, WBC, Platelets" into buf, for messages. */
static void
class_list(const char *const *names, size_t n, char *buf, size_t bufsz)
{
	size_t	 i, len;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		snprintf(buf + len, bufsz - len, "%s%s", i ? ", " : "",
		    names[i] ? names[i] : "?");
	}
}

int
thresholds_resolve(struct thresholds *out, const struct config *cfg,
    const json_t *info, const char *info_path, const char *const *names,
    size_t n, char *err, size_t errsz)
{
	const json_t	*obj, *val;
	const char	*key;
	double		*v = NULL;
	enum thr_source	*src = NULL;
	char		 list[256];
	size_t		 i;
	long		 c;
	double		 d;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL ||
	    (src = calloc(n + 1, sizeof(*src))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		v[i] = cfg->threshold;
		src[i] = THR_GLOBAL;
	}

	obj = info != NULL ? json_object_get(info, "thresholds") : NULL;
	if (obj != NULL && !json_is_object(obj))
		log_warnx("model info %s: \"thresholds\" is not an object "
		    "(ignored)", info_path);
	else if (obj != NULL) {
		/* jansson's iteration macro takes a non-const object */
		json_object_foreach((json_t *)obj, key, val) {
			c = class_index(names, n, key);
			d = json_number_value(val);
			if (c < 0)
				log_warnx("model info %s: thresholds: the model "
				    "has no class \"%s\" (ignored)", info_path,
				    key);
			else if (!json_is_number(val) || !(d >= 0 && d <= 1))
				log_warnx("model info %s: thresholds: %s is not "
				    "a number in [0, 1] (ignored)", info_path,
				    key);
			else {
				v[c] = d;
				src[c] = THR_MODEL;
			}
		}
	}

	for (i = 0; i < cfg->nclass_thresholds; i++) {
		key = cfg->class_thresholds[i].name;
		if ((c = class_index(names, n, key)) < 0) {
			class_list(names, n, list, sizeof(list));
			snprintf(err, errsz, "%s%sclass_thresholds: the model "
			    "has no class \"%s\" (its classes: %s)",
			    cfg->class_thresholds_at,
			    cfg->class_thresholds_at[0] ? ": " : "", key,
			    list);
			goto fail;
		}
		v[c] = cfg->class_thresholds[i].value;
		src[c] = THR_CONFIG;
	}

	for (i = 0; i < n; i++)
		v[i] = thresholds_clamp(v[i], cfg->min_confidence);
	out->n = n;
	out->v = v;
	out->src = src;
	return 0;
fail:
	free(v);
	free(src);
	return -1;
}

void
thresholds_free(struct thresholds *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t->src);
	t->v = NULL;
	t->src = NULL;
	t->n = 0;
}
