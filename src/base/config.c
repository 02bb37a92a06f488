/* config.c: parse the backend configuration file */
/*
 * The format is deliberately tiny: one "key = value" per line, blank lines
 * and '#' comments ignored, no quoting.  Every key is known and typed; an
 * unknown key or a value out of range is an error naming file and line, so
 * a typo never silently falls back to a default.  The one list-valued key,
 * class_thresholds, is "NAME:VALUE" pairs separated by spaces or commas;
 * its values are checked here, its names once the model is loaded.
 */

#include "base/config.h"

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
	C_ENGINE, C_LISTEN, C_ADDRS, C_HASH, C_TEXT };

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
	{ "listen",		  C_LISTEN, OFF(listen), 0, 0 },
	{ "listen_allow",	  C_ADDRS,  OFF(listen_allow), 0, 0 },
	{ "detect_max_inflight",  C_INT,    OFF(detect_max_inflight), 0, 1000 },
	{ "detect_max_fps",	  C_DOUBLE, OFF(detect_max_fps), 0, 1000 },
	{ "detect_gate_file",	  C_PATH,   OFF(detect_gate_file), 0, 0 },
	{ "camera",		  C_INT,    OFF(camera), 0, 1 },
	{ "password_hash",	  C_HASH,   OFF(password_hash), 0, 0 },
	{ "session_minutes",	  C_INT,    OFF(session_minutes), 1, 525600 },
	{ "session_max_hours",	  C_INT,    OFF(session_max_hours), 1, 8760 },
	{ "login_attempts",	  C_INT,    OFF(login_attempts), 1, 1000 },
	{ "clinic_name",	  C_TEXT,   OFF(clinic_name), 0, 0 },
	{ "adapt_tool",		  C_PATH,   OFF(adapt_tool), 0, 0 },
	{ "train_tool",		  C_PATH,   OFF(train_tool), 0, 0 },
	{ "adapt_iters",	  C_INT,    OFF(adapt_iters), 1, 1000000 },
	{ "adapt_batch",	  C_INT,    OFF(adapt_batch), 1, 256 },
	{ "adapt_val",		  C_PATH,   OFF(adapt_val), 0, 0 },
};

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/* model v3 (models/README.md); v2.1 is v2.*, v1 bccd.cfg/.weights/.json */
	snprintf(cfg->model_cfg, sizeof(cfg->model_cfg), "%s/v3.cfg",
	    BV_MODELSDIR);
	snprintf(cfg->model_weights, sizeof(cfg->model_weights),
	    "%s/v3.weights", BV_MODELSDIR);
	snprintf(cfg->model_names, sizeof(cfg->model_names), "%s/bccd.names",
	    BV_MODELSDIR);
	snprintf(cfg->model_info, sizeof(cfg->model_info), "%s/v3.json",
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
	cfg->session_minutes = 720;
	cfg->session_max_hours = 10;	/* a working day, breaks included */
	cfg->login_attempts = 5;
	cfg->adapt_iters = 600;		/* bv-adapt's own default */
	cfg->adapt_batch = 8;
	cfg->detect_max_inflight = 1;	/* the live page sends one at a time */
	cfg->detect_max_fps = 0;	/* etc/bloodview.conf: 30 */
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

/*
 * listen = /run/bloodview.sock (a UNIX socket, absolute path), or
 * HOST:PORT / :PORT (FastCGI over TCP, for backends on other hosts behind
 * one web server).  Empty: take the socket lighttpd or systemd hands over
 * on stdin.
 */
static int
parse_listen(struct config *cfg, const struct ckey *k, const char *value,
    char *err, size_t errsz)
{
	const char	*colon;
	char		*end;
	long		 port;

	if (value[0] == '\0' || value[0] == '/') {
		if (strlen(value) >= sizeof(cfg->listen)) {
			snprintf(err, errsz, "%s: path too long", k->name);
			return -1;
		}
		snprintf(cfg->listen, sizeof(cfg->listen), "%s", value);
		return 0;
	}
	colon = strrchr(value, ':');
	if (colon == NULL || colon[1] == '\0' ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != strlen(value) ||
	    strlen(value) >= sizeof(cfg->listen)) {
		snprintf(err, errsz, "%s: \"%s\" is not HOST:PORT, :PORT or "
		    "an absolute socket path", k->name, value);
		return -1;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port < 1 || port > 65535) {
		snprintf(err, errsz, "%s: port \"%s\" is not in [1, 65535]",
		    k->name, colon + 1);
		return -1;
	}
	snprintf(cfg->listen, sizeof(cfg->listen), "%s", value);
	return 0;
}

/* 1 if s is well-formed UTF-8 (RFC 3629) without control characters. */
static int
text_ok(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 n, i;
	unsigned long		 c;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		n = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc2 ? 1 : 0;
		if (n == 0 || *p > 0xf4)
			return 0;
		c = *p++ & (0x3f >> n);
		for (i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (*p & 0x3f);
		}
		/* overlong, surrogates, C1 controls, past U+10FFFF */
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ||
		    (c >= 0x80 && c < 0xa0))
			return 0;
	}
	return 1;
}

/* A path key: relative to basedir unless absolute. */
static int
set_path(struct config *cfg, const struct ckey *k, const char *value,
    const char *basedir, char *err, size_t errsz)
{
	char	*dst = (char *)cfg + k->off;
	int	 n;

	/* an empty wbc_cfg turns the white-cell classifier off */
	if (value[0] == '\0' && k->off == OFF(wbc_cfg)) {
		dst[0] = '\0';
		return 0;
	}
	if (value[0] == '/' || basedir == NULL || basedir[0] == '\0')
		n = snprintf(dst, CONFIG_PATH_MAX, "%s", value);
	else
		n = snprintf(dst, CONFIG_PATH_MAX, "%s/%s", basedir, value);
	if (value[0] == '\0' || n < 0 || n >= CONFIG_PATH_MAX) {
		snprintf(err, errsz, "%s: empty or too long path", k->name);
		return -1;
	}
	return 0;
}

/*
 * A key whose value is kept as text once its form is checked (hosts,
 * addresses, a password hash, an engine name, free text).
 */
static int
set_text(struct config *cfg, const struct ckey *k, const char *value,
    char *err, size_t errsz)
{
	const char	*key = k->name;
	size_t		 i, max = CONFIG_PATH_MAX;

	switch (k->type) {
	case C_HOSTS:
		/* host names, [IPv6] or IPv4 literals, "*"; no ports */
		i = strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_[]:*, \t");
		if (value[i] != '\0' || strlen(value) >= CONFIG_PATH_MAX) {
			snprintf(err, errsz, "%s: \"%s\" is not a list of host "
			    "names", key, value);
			return -1;
		}
		break;
	case C_ADDRS:
		/* IPv4/IPv6 literals, comma-separated, as libfcgi reads them */
		i = strspn(value, "0123456789abcdefABCDEF.:,");
		if (value[i] != '\0' || strlen(value) >= CONFIG_PATH_MAX) {
			snprintf(err, errsz, "%s: \"%s\" is not a comma-"
			    "separated list of IP addresses", key, value);
			return -1;
		}
		break;
	case C_HASH:
		/*
		 * crypt(3) output ($id$...: [./0-9A-Za-z$]); whether this
		 * libcrypt takes it is checked at start-up (auth.c).
		 */
		i = strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./$");
		if (value[i] != '\0' || (value[0] != '\0' && value[0] != '$') ||
		    strlen(value) >= CONFIG_HASH_MAX) {
			snprintf(err, errsz, "%s: not a crypt(3) hash (write "
			    "it with bv-passwd)", key);
			return -1;
		}
		max = CONFIG_HASH_MAX;
		break;
	case C_ENGINE:
		/* names as detector_engine_parse() knows them */
		if (strcmp(value, "darknet") != 0 &&
		    strcmp(value, "xnnpack") != 0 &&
		    strcmp(value, "xnnpack-int8") != 0) {
			snprintf(err, errsz, "%s: \"%s\" is not darknet, "
			    "xnnpack or xnnpack-int8", key, value);
			return -1;
		}
		max = CONFIG_ENGINE_MAX;
		break;
	default:	/* C_TEXT */
		/* shown as it is (report header): UTF-8, no control bytes */
		if (strlen(value) >= CONFIG_TEXT_MAX || !text_ok(value)) {
			snprintf(err, errsz, "%s: at most %d bytes of UTF-8 "
			    "text without control characters", key,
			    CONFIG_TEXT_MAX - 1);
			return -1;
		}
		max = CONFIG_TEXT_MAX;
		break;
	}
	snprintf((char *)cfg + k->off, max, "%s", value);
	return 0;
}

/* A number key, within [k->min, k->max], whole unless a double. */
static int
set_number(struct config *cfg, const struct ckey *k, const char *value,
    char *err, size_t errsz)
{
	char	*dst = (char *)cfg + k->off;
	double	 d;

	/* written so that NaN ("nan" parses) is out of range too */
	if (parse_number(value, &d) == -1 || !(d >= k->min && d <= k->max) ||
	    (k->type != C_DOUBLE && d != (double)(long long)d)) {
		snprintf(err, errsz, "%s: \"%s\" is not a number in [%g, %g]%s",
		    k->name, value, k->min, k->max,
		    k->type != C_DOUBLE ? " (whole number)" : "");
		return -1;
	}
	if (k->type == C_DOUBLE)
		*(double *)dst = d;
	else if (k->type == C_SIZE)
		*(size_t *)dst = (size_t)d;
	else if (k->type == C_INT)
		*(int *)dst = (int)d;
	else if (k->type == C_LONG)
		*(long *)dst = (long)d;
	return 0;
}

int
config_set(struct config *cfg, const char *key, const char *value,
    const char *basedir, char *err, size_t errsz)
{
	const struct ckey	*k = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	if (k == NULL) {
		snprintf(err, errsz, "unknown key \"%s\"", key);
		return -1;
	}
	switch (k->type) {
	case C_PATH:
		return set_path(cfg, k, value, basedir, err, errsz);
	case C_CLASSES:
		return parse_class_thresholds(cfg, k, value, err, errsz);
	case C_LISTEN:
		return parse_listen(cfg, k, value, err, errsz);
	case C_HOSTS:
	case C_ADDRS:
	case C_HASH:
	case C_ENGINE:
	case C_TEXT:
		return set_text(cfg, k, value, err, errsz);
	case C_DOUBLE:
	case C_SIZE:
	case C_INT:
	case C_LONG:
		break;
	}
	return set_number(cfg, k, value, err, errsz);
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
