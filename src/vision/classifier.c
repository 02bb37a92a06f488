/* classifier.c: a Darknet classifier network behind an opaque handle */
/*
 * The white-cell differential's network (models/v2-wbc.*, trained by
 * bv-train classify).  Like detector.c, this file keeps darknet.h to
 * itself: darknet's global names and its exit() on a missing file stay
 * out of the rest of the server.  The crop is the caller's (wbctype.c,
 * with the geometry training used); this only runs the net: on XNNPACK
 * (fp32, engine_xnn.c; the same outputs within 1e-5, tests/test_engine)
 * when this build has it and every layer maps, else on libdarknet.
 */

#include "vision/classifier.h"
#include "engine/engine_xnn.h"

#include <darknet.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLS_NAMES_MAX	32

struct classifier {
	network	*net;
	int	 n;		/* input side */
	int	 classes;
	char	*names[CLS_NAMES_MAX];
	float	*input;
	struct engine_xnn *xnn;	/* NULL: libdarknet runs it */
	char	 why[256];	/* why not XNNPACK */
};

struct classifier *
classifier_new(const char *cfg, const char *weights, const char *names,
    char *err, size_t errsz)
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
	/* the faster engine when it maps every layer (then darknet's copy of
	 * the weights is freed: the engine keeps its own); else darknet's */
	if (engine_xnn_available())
		c->xnn = engine_xnn_new(c->net, NULL, 1, c->why,
		    sizeof(c->why));
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

int
classifier_run(struct classifier *c, float *probs)
{
	float	*p;
	int	 i;

	if (c->xnn != NULL) {
		if (engine_xnn_forward(c->xnn, c->input) == -1 ||
		    engine_xnn_result(c->xnn, probs, (size_t)c->classes) !=
		    c->classes)
			return -1;
		for (i = 0; i < c->classes; i++)
			if (!isfinite(probs[i]))
				return -1;
		return 0;
	}
	p = network_predict(c->net, c->input);
	for (i = 0; i < c->classes; i++) {
		if (!isfinite(p[i]))
			return -1;
		probs[i] = p[i];
	}
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
		*why = c->xnn != NULL ? "" : c->why;
	return c->xnn != NULL ? "xnnpack" : "darknet";
}
