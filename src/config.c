/* config.c: parse the backend configuration file */
/*
 * The format is deliberately tiny: one "key = value" per line, blank lines
 * and '#' comments ignored, no quoting.  Every key is known and typed; an
 * unknown key or a value out of range is an error naming file and line, so
 * a typo never silently falls back to a default.  The one list-valued key,
 * class_thresholds, is "NAME:VALUE" pairs separated by spaces or commas;
 * its values are checked here, its names once the model is loaded.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BV_MODELSDIR
#define BV_MODELSDIR "/usr/local/share/bloodview/models"
#endif
#ifndef BV_SYSCONFDIR
#define BV_SYSCONFDIR "/usr/local/etc/bloodview"
#endif
#ifndef BV_RESULTSDIR
#define BV_RESULTSDIR "/usr/local/var/lib/bloodview/results"
#endif

enum ctype { C_PATH, C_DOUBLE, C_SIZE, C_INT, C_LONG, C_CLASSES, C_HOSTS,
	C_ENGINE };

struct ckey {
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	double		 min, max;
};

#define OFF(f) offsetof(struct config, f)

static const struct ckey keys[] = {
	{ "model_cfg",		  C_PATH,   OFF(model_cfg), 0, 0 },
	{ "model_weights",	  C_PATH,   OFF(model_weights), 0, 0 },
	{ "model_names",	  C_PATH,   OFF(model_names), 0, 0 },
	{ "model_info",		  C_PATH,   OFF(model_info), 0, 0 },
	{ "wbc_cfg",		  C_PATH,   OFF(wbc_cfg), 0, 0 },
	{ "wbc_weights",	  C_PATH,   OFF(wbc_weights), 0, 0 },
	{ "wbc_names",		  C_PATH,   OFF(wbc_names), 0, 0 },
	{ "results_dir",	  C_PATH,   OFF(results_dir), 0, 0 },
	{ "clinical_calibration", C_PATH,   OFF(clinical_calibration), 0, 0 },
	{ "clinical_reference",	  C_PATH,   OFF(clinical_reference), 0, 0 },
	{ "threshold",		  C_DOUBLE, OFF(threshold), 0.0, 1.0 },
	{ "class_thresholds",	  C_CLASSES, OFF(class_thresholds), 0.0, 1.0 },
	{ "min_confidence",	  C_DOUBLE, OFF(min_confidence), 0.001, 1.0 },
	{ "nms",		  C_DOUBLE, OFF(nms), 0.0, 1.0 },
	{ "max_body",		  C_SIZE,   OFF(max_body), 1024, 1024.0 * 1024 * 1024 },
	{ "max_side",		  C_INT,    OFF(max_side), 1, 65535 },
	{ "max_pixels",		  C_LONG,   OFF(max_pixels), 1, 1e9 },
	{ "max_parts",		  C_SIZE,   OFF(max_parts), 1, 1000 },
	{ "jpeg_quality",	  C_INT,    OFF(jpeg_quality), 10, 100 },
	{ "thumb_size",		  C_INT,    OFF(thumb_size), 32, 1024 },
	{ "threads",		  C_INT,    OFF(threads), 1, 64 },
	{ "retention_days",	  C_INT,    OFF(retention_days), 0, 36500 },
	{ "display_pixels",	  C_LONG,   OFF(display_pixels), 65536, 1e9 },
	{ "auto_scale",		  C_INT,    OFF(auto_scale), 0, 1 },
	{ "allowed_hosts",	  C_HOSTS,  OFF(allowed_hosts), 0, 0 },
	{ "engine",		  C_ENGINE, OFF(engine), 0, 0 },
};

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->model_cfg, sizeof(cfg->model_cfg), "%s/bccd.cfg",
	    BV_MODELSDIR);
	snprintf(cfg->model_weights, sizeof(cfg->model_weights),
	    "%s/bccd.weights", BV_MODELSDIR);
	snprintf(cfg->model_names, sizeof(cfg->model_names), "%s/bccd.names",
	    BV_MODELSDIR);
	snprintf(cfg->model_info, sizeof(cfg->model_info), "%s/bccd.json",
	    BV_MODELSDIR);
	snprintf(cfg->wbc_cfg, sizeof(cfg->wbc_cfg), "%s/v2-wbc.cfg",
	    BV_MODELSDIR);
	snprintf(cfg->wbc_weights, sizeof(cfg->wbc_weights),
	    "%s/v2-wbc.weights", BV_MODELSDIR);
	snprintf(cfg->wbc_names, sizeof(cfg->wbc_names), "%s/v2-wbc.names",
	    BV_MODELSDIR);
	snprintf(cfg->results_dir, sizeof(cfg->results_dir), "%s",
	    BV_RESULTSDIR);
	snprintf(cfg->clinical_calibration, sizeof(cfg->clinical_calibration),
	    "%s/clinical.json", BV_SYSCONFDIR);
	snprintf(cfg->clinical_reference, sizeof(cfg->clinical_reference),
	    "%s/reference-ranges.json", BV_SYSCONFDIR);
	cfg->threshold = 0.35;
	cfg->min_confidence = 0.05;
	cfg->nms = 0.45;
	cfg->max_body = 40 * 1024 * 1024;
	cfg->max_side = 8192;		/* 48 MP phones: 8064 x 6048 */
	cfg->max_pixels = 50000000L;
	cfg->max_parts = 16;
	cfg->jpeg_quality = 85;
	cfg->thumb_size = 240;
	cfg->threads = 2;
	cfg->retention_days = 0;
	cfg->display_pixels = 12600000L;	/* 4032 x 3024 kept whole */
	cfg->auto_scale = 1;
	snprintf(cfg->engine, sizeof(cfg->engine), "xnnpack-int8");
}

static int
parse_number(const char *s, double *out)
{
	char	*end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0)
		return -1;
	return 0;
}

/*
 * class_thresholds = RBC:0.38 WBC:0.33 Platelets:0.51 (spaces or commas
 * between pairs).  All or nothing: cfg changes only when every pair is
 * good, and a later line replaces the whole list, as for any other key.
 */
static int
parse_class_thresholds(struct config *cfg, const struct ckey *k,
    const char *value, char *err, size_t errsz)
{
	struct config_class_threshold	 v[CONFIG_CLASSES_MAX];
	const char			*p = value, *colon;
	char				 tok[CONFIG_CLASS_NAME_MAX + 64];
	size_t				 n = 0, len, i;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		if (len >= sizeof(tok)) {
			snprintf(err, errsz, "%s: \"%.*s...\" is too long",
			    k->name, 20, p);
			return -1;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		colon = strchr(tok, ':');
		if (colon == NULL || colon == tok || colon[1] == '\0') {
			snprintf(err, errsz, "%s: \"%s\" is not CLASS:VALUE",
			    k->name, tok);
			return -1;
		}
		if ((size_t)(colon - tok) >= CONFIG_CLASS_NAME_MAX) {
			snprintf(err, errsz, "%s: class name in \"%s\" is "
			    "too long", k->name, tok);
			return -1;
		}
		if (n == CONFIG_CLASSES_MAX) {
			snprintf(err, errsz, "%s: more than %d classes",
			    k->name, CONFIG_CLASSES_MAX);
			return -1;
		}
		memcpy(v[n].name, tok, (size_t)(colon - tok));
		v[n].name[colon - tok] = '\0';
		if (parse_number(colon + 1, &v[n].value) == -1 ||
		    !(v[n].value >= k->min && v[n].value <= k->max)) {
			snprintf(err, errsz, "%s: %s: \"%s\" is not a number "
			    "in [%g, %g]", k->name, v[n].name, colon + 1,
			    k->min, k->max);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, v[n].name) == 0) {
				snprintf(err, errsz, "%s: class \"%s\" given "
				    "twice", k->name, v[n].name);
				return -1;
			}
		n++;
	}
	if (n == 0) {
		snprintf(err, errsz, "%s: empty (give CLASS:VALUE pairs, or "
		    "leave the key out)", k->name);
		return -1;
	}
	memcpy(cfg->class_thresholds, v, n * sizeof(v[0]));
	cfg->nclass_thresholds = n;
	cfg->class_thresholds_at[0] = '\0';
	return 0;
}

int
config_set(struct config *cfg, const char *key, const char *value,
    const char *basedir, char *err, size_t errsz)
{
	const struct ckey	*k = NULL;
	char			*dst;
	double			 d;
	size_t			 i;
	int			 n;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	if (k == NULL) {
		snprintf(err, errsz, "unknown key \"%s\"", key);
		return -1;
	}
	if (k->type == C_PATH) {
		dst = (char *)cfg + k->off;
		/* an empty wbc_cfg turns the white-cell classifier off */
		if (value[0] == '\0' && k->off == OFF(wbc_cfg)) {
			dst[0] = '\0';
			return 0;
		}
		if (value[0] == '/' || basedir == NULL || basedir[0] == '\0')
			n = snprintf(dst, CONFIG_PATH_MAX, "%s", value);
		else
			n = snprintf(dst, CONFIG_PATH_MAX, "%s/%s", basedir,
			    value);
		if (value[0] == '\0' || n < 0 || n >= CONFIG_PATH_MAX) {
			snprintf(err, errsz, "%s: empty or too long path", key);
			return -1;
		}
		return 0;
	}
	if (k->type == C_CLASSES)
		return parse_class_thresholds(cfg, k, value, err, errsz);
	if (k->type == C_HOSTS) {
		/* host names, [IPv6] or IPv4 literals, "*"; no ports */
		i = strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_[]:*, \t");
		if (value[i] != '\0' || strlen(value) >= CONFIG_PATH_MAX) {
			snprintf(err, errsz, "%s: \"%s\" is not a list of host "
			    "names", key, value);
			return -1;
		}
		snprintf((char *)cfg + k->off, CONFIG_PATH_MAX, "%s", value);
		return 0;
	}
	if (k->type == C_ENGINE) {
		/* names as detector_engine_parse() knows them */
		if (strcmp(value, "darknet") != 0 &&
		    strcmp(value, "xnnpack") != 0 &&
		    strcmp(value, "xnnpack-int8") != 0) {
			snprintf(err, errsz, "%s: \"%s\" is not darknet, "
			    "xnnpack or xnnpack-int8", key, value);
			return -1;
		}
		snprintf((char *)cfg + k->off, CONFIG_ENGINE_MAX, "%s", value);
		return 0;
	}
	/* written so that NaN ("nan" parses) is out of range too */
	if (parse_number(value, &d) == -1 || !(d >= k->min && d <= k->max) ||
	    (k->type != C_DOUBLE && d != (double)(long long)d)) {
		snprintf(err, errsz, "%s: \"%s\" is not a number in [%g, %g]%s",
		    key, value, k->min, k->max,
		    k->type != C_DOUBLE ? " (whole number)" : "");
		return -1;
	}
	switch (k->type) {
	case C_DOUBLE:
		*(double *)((char *)cfg + k->off) = d;
		break;
	case C_SIZE:
		*(size_t *)((char *)cfg + k->off) = (size_t)d;
		break;
	case C_INT:
		*(int *)((char *)cfg + k->off) = (int)d;
		break;
	case C_LONG:
		*(long *)((char *)cfg + k->off) = (long)d;
		break;
	case C_PATH:
	case C_CLASSES:
	case C_HOSTS:
	case C_ENGINE:
		break;
	}
	return 0;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[2048], basedir[CONFIG_PATH_MAX], why[512];
	char	*key, *val, *eq, *slash;
	int	 lineno = 0, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(basedir, sizeof(basedir), "%s", path);
	if ((slash = strrchr(basedir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(basedir, sizeof(basedir), ".");

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		if ((val = strchr(line, '#')) != NULL)
			*val = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errsz, "%s:%d: expected key = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (config_set(cfg, key, val, basedir, why, sizeof(why)) == -1) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, why);
			goto out;
		}
		if (strcmp(key, "class_thresholds") == 0)
			snprintf(cfg->class_thresholds_at,
			    sizeof(cfg->class_thresholds_at), "%s:%d", path,
			    lineno);
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}
