/* classifier.c: a Darknet classifier network behind an opaque handle */
/*
 * The white-cell differential's network (models/v2-wbc.*, trained by
 * bv-train classify).  Like detector.c, this file keeps darknet.h to
 * itself: darknet's global names and its exit() on a missing file stay
 * out of the rest of the server.  The crop is the caller's (wbctype.c,
 * with the geometry training used); this only runs the net: on XNNPACK
 * (fp32, engine_xnn.c; the same outputs within 1e-5, tests/test_engine)
 * when this build has it and every layer maps, else on libdarknet.  With
 * int8 asked for (classifier_open()) and a calibration beside the weights
 * (X.weights -> X.int8, bv-calib-cls calib8 on training crops), the
 * engine's int8 path runs the layers up to the features instead; the
 * 1x1 class layer stays fp32 (below), so only the features are
 * quantised.  fp32 stays the reference (classifier_new(), engine =
 * xnnpack in bloodview.conf).  The calibration names the weights it was
 * made with (their SHA-256, a last line the engine does not read): ranges
 * of other weights would quantise silently wrong, so they are refused
 * (fp32 then, and classifier_engine() says why).
 *
 * The abstention rule (wbcood.c) needs more than the softmax: the logits
 * and the pooled features before the class layer.  For a cfg that ends
 * in [convolutional] 1x1 linear to the classes, [avgpool], [softmax] (the
 * shipped one), the engine runs the net up to the layer before that 1x1
 * conv; this file averages that layer over space (the features) and
 * applies the 1x1 conv to the average (the logits: the same numbers,
 * since both are linear), then the softmax.  Any other [softmax] cfg runs
 * whole, without features.  The calibration beside the weights
 * (X.weights -> X.json, wbcood.h) is loaded here too, so one handle
 * carries the network and how far to trust it.
 */

#include "vision/classifier.h"
#include "vision/wbcood.h"
#include "vision/detector.h"
#include "engine/engine_xnn.h"
#include "base/sha256.h"

#include <darknet.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLS_NAMES_MAX	32
#define CLS_TAG		"weights sha256 "	/* the calibration's last line */

struct classifier {
	network	*net;
	int	 n;		/* input side */
	int	 classes;
	char	*names[CLS_NAMES_MAX];
	float	*input;
	struct engine_xnn *xnn;	/* NULL: libdarknet runs it */
	int	 int8;		/* xnn is the int8 engine */
	char	*weights;	/* the weights' path (calibration tag) */
	char	 why[256];	/* why not XNNPACK (or not int8) */
	int	 nf;		/* pooled features (0: no split head) */
	int	 flayer;	/* the features' layer (darknet path) */
	float	*hw, *hb;	/* the 1x1 class layer: classes x nf, classes */
	float	*fmap;		/* the features' layer output, CHW */
	size_t	 fmapn;
	float	*feat;
	float	 logits[CLS_NAMES_MAX];
	struct wbcood *ood;	/* the abstention rule (never NULL) */
};

/*
 * If net ends in a 1x1 linear conv to the classes, an avgpool and the
 * softmax, keep that conv's weights and note the layer before it: 0.
 * -1 (nf stays 0) when the tail is another shape; ENOMEM also -1.
 */
static int
split_head(struct classifier *c, network *net)
{
	layer	*f, *k;
	int	 n = net->n;

	if (n < 4 || net->layers[n - 2].type != AVGPOOL)
		return -1;
	f = &net->layers[n - 4];
	k = &net->layers[n - 3];
	if (k->type != CONVOLUTIONAL || k->size != 1 || k->stride != 1 ||
	    k->pad != 0 || k->groups != 1 || k->batch_normalize ||
	    k->activation != LINEAR || k->n != c->classes ||
	    k->c != f->out_c || f->out_w < 1 || f->out_h < 1)
		return -1;
	c->fmapn = (size_t)f->outputs;
	if ((c->hw = malloc((size_t)k->n * k->c * sizeof(float))) == NULL ||
	    (c->hb = malloc((size_t)k->n * sizeof(float))) == NULL ||
	    (c->feat = calloc((size_t)k->c, sizeof(float))) == NULL ||
	    (c->fmap = malloc(c->fmapn * sizeof(float))) == NULL)
		return -1;
	memcpy(c->hw, k->weights, (size_t)k->n * k->c * sizeof(float));
	memcpy(c->hb, k->biases, (size_t)k->n * sizeof(float));
	c->nf = k->c;
	c->flayer = n - 4;
	return 0;
}

/*
 * The calibration beside weights (X.weights -> X.json, else W.json); the
 * uncalibrated rule (wbcood_default()) when there is none.  -1 with a
 * message in err when the file is there but unreadable or wrong.
 */
static int
load_ood(struct classifier *c, const char *weights, char *err, size_t errsz)
{
	char	 p[4096];
	size_t	 len = strlen(weights);

	if (len > 8 && strcmp(weights + len - 8, ".weights") == 0)
		len -= 8;
	if (snprintf(p, sizeof(p), "%.*s.json", (int)len, weights) >=
	    (int)sizeof(p) || access(p, F_OK) == -1)
		c->ood = wbcood_default((const char **)c->names, c->classes);
	else
		c->ood = wbcood_load(p, (const char **)c->names, c->classes,
		    err, errsz);
	if (c->ood == NULL && err[0] == '\0')
		snprintf(err, errsz, "out of memory");
	return c->ood != NULL ? 0 : -1;
}

/* The SHA-256 of file path in hex: 0, or -1 when it cannot be read. */
static int
file_sha256(const char *path, char hex[SHA256_HEX])
{
	struct sha256	 s;
	unsigned char	 buf[65536], d[SHA256_LEN];
	size_t		 n;
	FILE		*f;
	int		 i, bad;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	sha256_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(&s, buf, n);
	bad = ferror(f);
	fclose(f);
	if (bad)
		return -1;
	sha256_final(&s, d);
	for (i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* 1 when calibration file path ends with the tag of these weights. */
static int
calib_of(const char *path, const char *weights)
{
	char	 line[256], tag[256] = "", want[SHA256_HEX];
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, CLS_TAG, strlen(CLS_TAG)) == 0)
			snprintf(tag, sizeof(tag), "%.64s",
			    line + strlen(CLS_TAG));
	fclose(f);
	return file_sha256(weights, want) == 0 && strcmp(tag, want) == 0;
}

/* X.weights -> X.int8 in buf (the detector's rule): -1 when absent. */
static int
int8_path(const char *weights, char *buf, size_t sz)
{
	return detector_calib_path(weights, buf, sz) == -1 ||
	    access(buf, R_OK) == -1 ? -1 : 0;
}

/*
 * The XNNPACK engine over the layers up to the features (all of them
 * without a split head): int8 when asked and calibrated, else fp32 (why
 * says what stopped int8).  c->xnn stays NULL when neither maps.
 */
static void
open_engine(struct classifier *c, const char *weights, int int8)
{
	char	 calib[4200];
	int	 n = c->net->n;

	if (c->nf > 0)
		c->net->n = c->flayer + 1;
	if (int8 && int8_path(weights, calib, sizeof(calib)) == -1)
		snprintf(c->why, sizeof(c->why), "no int8 calibration beside "
		    "%.200s", weights);
	else if (int8 && !calib_of(calib, weights))
		snprintf(c->why, sizeof(c->why), "int8 calibration %.90s: "
		    "not made with %.90s (bv-calib-cls calib8)", calib,
		    weights);
	else if (int8 && (c->xnn = engine_xnn_new(c->net, calib, 1, c->why,
	    sizeof(c->why))) != NULL)
		c->int8 = 1;
	if (c->xnn == NULL)
		c->xnn = engine_xnn_new(c->net, NULL, 1, c->why,
		    sizeof(c->why));
	c->net->n = n;
}

struct classifier *
classifier_new(const char *cfg, const char *weights, const char *names,
    char *err, size_t errsz)
{
	return classifier_open(cfg, weights, names, 0, err, errsz);
}

struct classifier *
classifier_open(const char *cfg, const char *weights, const char *names,
    int int8, char *err, size_t errsz)
{
	struct classifier	*c;
	FILE			*f;
	char			 line[128];
	size_t			 len;

	if (access(cfg, R_OK) == -1 || access(weights, R_OK) == -1 ||
	    access(names, R_OK) == -1) {
		snprintf(err, errsz, "classifier %s / %s / %s: %s", cfg,
		    weights, names, strerror(errno));
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((c->weights = strdup(weights)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if ((f = fopen(names, "r")) == NULL) {
		snprintf(err, errsz, "names %s: %s", names, strerror(errno));
		goto fail;
	}
	while (c->classes < CLS_NAMES_MAX && fgets(line, sizeof(line), f)) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len > 0 && (c->names[c->classes++] = strdup(line)) == NULL)
			break;
	}
	fclose(f);
	/* darknet takes char * although it does not modify them */
	c->net = load_network((char *)cfg, (char *)weights, 0);
	if (c->net == NULL) {
		snprintf(err, errsz, "cannot load network %s", cfg);
		goto fail;
	}
	set_batch_network(c->net, 1);
	c->n = network_width(c->net);
	if (network_height(c->net) != c->n || c->net->outputs != c->classes ||
	    c->net->layers[c->net->n - 1].type != SOFTMAX) {
		snprintf(err, errsz, "%s: not a square [softmax] classifier "
		    "with the %d classes of %s", cfg, c->classes, names);
		goto fail;
	}
	if ((c->input = calloc((size_t)c->n * c->n * 3,
	    sizeof(float))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (split_head(c, c->net) == -1)
		c->nf = 0;
	err[0] = '\0';
	if (load_ood(c, weights, err, errsz) == -1)
		goto fail;
	/* the faster engine when it maps every layer (then darknet's copy of
	 * the weights is freed: the engine keeps its own); else darknet's.
	 * With a split head it maps the layers up to the features' only. */
	if (engine_xnn_available())
		open_engine(c, weights, int8);
	else
		snprintf(c->why, sizeof(c->why), "built without XNNPACK");
	if (c->xnn != NULL) {
		free_network(c->net);
		c->net = NULL;
	}
	return c;
fail:
	classifier_free(c);
	return NULL;
}

void
classifier_free(struct classifier *c)
{
	int	 i;

	if (c == NULL)
		return;
	engine_xnn_free(c->xnn);
	if (c->net != NULL)
		free_network(c->net);
	for (i = 0; i < CLS_NAMES_MAX; i++)
		free(c->names[i]);
	free(c->input);
	free(c->weights);
	free(c->hw);
	free(c->hb);
	free(c->fmap);
	free(c->feat);
	wbcood_free(c->ood);
	free(c);
}

int
classifier_input_size(const struct classifier *c)
{
	return c->n;
}

float *
classifier_input(struct classifier *c)
{
	return c->input;
}

/* Features (the mean over space of fmap, CHW) and logits from them. */
static void
head_forward(struct classifier *c, const float *fmap)
{
	size_t	 hw = c->fmapn / (size_t)c->nf, p;
	int	 j, k;
	double	 acc;

	for (j = 0; j < c->nf; j++) {
		for (acc = 0, p = 0; p < hw; p++)
			acc += fmap[(size_t)j * hw + p];
		c->feat[j] = (float)(acc / (double)hw);
	}
	for (k = 0; k < c->classes; k++) {
		for (acc = c->hb[k], j = 0; j < c->nf; j++)
			acc += (double)c->hw[(size_t)k * c->nf + j] * c->feat[j];
		c->logits[k] = (float)acc;
	}
}

int
classifier_run(struct classifier *c, float *probs)
{
	float	*p;
	int	 i;

	if (c->xnn != NULL) {
		if (engine_xnn_forward(c->xnn, c->input) == -1)
			return -1;
		if (c->nf > 0) {
			if (engine_xnn_result(c->xnn, c->fmap, c->fmapn) !=
			    (int)c->fmapn)
				return -1;
			head_forward(c, c->fmap);
		} else if (engine_xnn_result(c->xnn, probs,
		    (size_t)c->classes) != c->classes)
			return -1;
	} else {
		p = network_predict(c->net, c->input);
		if (c->nf > 0)
			head_forward(c, c->net->layers[c->flayer].output);
		else
			memcpy(probs, p, (size_t)c->classes * sizeof(*p));
	}
	if (c->nf > 0)
		wbcood_softmax(c->logits, c->classes, 1, probs);
	else	/* no logits: log-probabilities stand for them (up to a
		 * constant, which a softmax ignores) */
		for (i = 0; i < c->classes; i++)
			c->logits[i] = logf(fmaxf(probs[i], 1e-30f));
	for (i = 0; i < c->classes; i++)
		if (!isfinite(probs[i]) || !isfinite(c->logits[i]))
			return -1;
	return 0;
}

const float *
classifier_logits(const struct classifier *c)
{
	return c->logits;
}

const float *
classifier_features(const struct classifier *c, int *n)
{
	*n = c->nf;
	return c->nf > 0 ? c->feat : NULL;
}

const struct wbcood *
classifier_ood(const struct classifier *c)
{
	return c->ood;
}

int
classifier_set_ood(struct classifier *c, struct wbcood *ood)
{
	wbcood_free(c->ood);
	c->ood = ood;
	return 0;
}

int
classifier_classes(const struct classifier *c)
{
	return c->classes;
}

const char *
classifier_class_name(const struct classifier *c, int cls)
{
	return cls >= 0 && cls < c->classes ? c->names[cls] : "?";
}

const char *
classifier_engine(const struct classifier *c, const char **why)
{
	if (why != NULL)
		*why = c->xnn != NULL && c->int8 ? "" : c->why;
	return c->xnn == NULL ? "darknet" : c->int8 ? "xnnpack-int8" :
	    "xnnpack";
}

int
classifier_calib_start(struct classifier *c)
{
	if (c->xnn == NULL || c->int8)
		return -1;
	engine_xnn_calib_start(c->xnn);
	return 0;
}

int
classifier_calib_write(const struct classifier *c, const char *path,
    char *err, size_t errsz)
{
	char	 hex[SHA256_HEX];
	FILE	*f;
	int	 bad = 0;

	if (c->xnn == NULL || c->int8) {
		snprintf(err, errsz, "calibration needs the fp32 xnnpack "
		    "engine");
		return -1;
	}
	if (file_sha256(c->weights, hex) == -1) {
		snprintf(err, errsz, "%s: %s", c->weights, strerror(errno));
		return -1;
	}
	if (engine_xnn_calib_write(c->xnn, path, err, errsz) == -1)
		return -1;
	if ((f = fopen(path, "a")) != NULL) {
		bad = fprintf(f, "%s%s\n", CLS_TAG, hex) < 0;
		bad |= fclose(f) != 0;
	}
	if (f == NULL || bad) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}
