/* xnn_stubs.c: the engine's calls in a build without XNNPACK: each says so */

#include "engine/engine_xnn.h"

#include <stdio.h>

#ifndef HAVE_XNNPACK

int
engine_xnn_result(const struct engine_xnn *e, float *dst, size_t n)
{
	(void)e;
	(void)dst;
	(void)n;
	return -1;
}

int
engine_xnn_layers(const struct engine_xnn *e)
{
	(void)e;
	return 0;
}

void
engine_xnn_profile(struct engine_xnn *e, double *ms)
{
	(void)e;
	(void)ms;
}

int
engine_xnn_available(void)
{
	return 0;
}

struct engine_xnn *
engine_xnn_new(struct network *net, const char *calib, int threads,
    char *err, size_t errsz)
{
	(void)net;
	(void)calib;
	(void)threads;
	snprintf(err, errsz, "this build has no XNNPACK (install the Debian "
	    "packages libxnnpack-dev and libpthreadpool-dev, then "
	    "re-run configure)");
	return NULL;
}

void
engine_xnn_free(struct engine_xnn *e)
{
	(void)e;
}

int
engine_xnn_forward(struct engine_xnn *e, const float *input)
{
	(void)e;
	(void)input;
	return -1;
}

float *
engine_xnn_input_hwc(struct engine_xnn *e)
{
	(void)e;
	return NULL;
}

int
engine_xnn_boxes(struct engine_xnn *e, float thresh, float nms,
    struct engine_det **out, int *n)
{
	(void)e;
	(void)thresh;
	(void)nms;
	*out = NULL;
	*n = 0;
	return -1;
}

int
engine_xnn_outputs(const struct engine_xnn *e)
{
	(void)e;
	return 0;
}

int
engine_xnn_output(const struct engine_xnn *e, int k, float *dst, size_t n,
    int *layer)
{
	(void)e;
	(void)k;
	(void)dst;
	(void)n;
	(void)layer;
	return -1;
}

void
engine_xnn_calib_start(struct engine_xnn *e)
{
	(void)e;
}

int
engine_xnn_calib_write(const struct engine_xnn *e, const char *path,
    char *err, size_t errsz)
{
	(void)e;
	(void)path;
	snprintf(err, errsz, "this build has no XNNPACK");
	return -1;
}

const char *
engine_xnn_precision(const struct engine_xnn *e)
{
	(void)e;
	return "none";
}


int
engine_xnn_own_convs(const struct engine_xnn *e)
{
	(void)e;
	return 0;
}

#endif /* !HAVE_XNNPACK */
