/* xnn_quant.c: int8 parameters, 256-entry tables, calibration ranges */

#include "engine/engine_xnn.h"
#include "engine/xnn_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_XNNPACK

#define CALIB_MAGIC	"bloodview-int8-calibration 1"

void
xe_qparams(float lo, float hi, float *scale, int *zp)
{
	long	 z;

	if (lo > 0)
		lo = 0;
	if (hi < 0)
		hi = 0;
	if (!(hi - lo >= 1e-6f))
		hi = lo + 1e-6f;
	*scale = (hi - lo) / 255.0f;
	z = lrintf(-128.0f - lo / *scale);
	*zp = z < -128 ? -128 : z > 127 ? 127 : (int)z;
}

static int8_t
quant(float v, float scale, int zp)
{
	long	 q = lrintf(v / scale) + zp;

	return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

/* Table: int8 in (si, zi) -> act(mul * x) -> int8 out (so, zo). */
void
xe_make_lut(int8_t *lut, float si, int zi, float so, int zo, int act, float mul)
{
	float	 v;
	int	 q;

	for (q = -128; q < 128; q++) {
		v = (float)(q - zi) * si * mul;
		if (act == XA_LEAKY && v < 0)
			v = .1f * v;
		else if (act == XA_RELU && v < 0)
			v = 0;
		lut[q + 128] = quant(v, so, zo);
	}
}

int
xe_same_q(const struct xbuf *a, const struct xbuf *b)
{
	return a->scale == b->scale && a->zp == b->zp;
}

/* ---- calibration ------------------------------------------------------ */

void
xe_range_of(const struct engine_xnn *e, const struct loc *o, size_t pixels,
    size_t c, float *lo, float *hi)
{
	const float	*p = xe_loc_ptr(e, o);
	size_t		 px, ch;

	for (px = 0; px < pixels; px++)
		for (ch = 0; ch < c; ch++) {
			if (p[px * o->stride + ch] < *lo)
				*lo = p[px * o->stride + ch];
			if (p[px * o->stride + ch] > *hi)
				*hi = p[px * o->stride + ch];
		}
}

void
engine_xnn_calib_start(struct engine_xnn *e)
{
	int	 i;

	if (e->int8)
		return;
	e->calib = 1;
	for (i = 0; i < e->nl; i++) {
		e->l[i].pre_lo = e->l[i].out_lo = INFINITY;
		e->l[i].pre_hi = e->l[i].out_hi = -INFINITY;
	}
}

int
engine_xnn_calib_write(const struct engine_xnn *e, const char *path,
    char *err, size_t errsz)
{
	FILE	*f;
	int	 i;

	if (e->int8 || !e->calib) {
		snprintf(err, errsz, "no calibration recorded");
		return -1;
	}
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%s %d %dx%d\n", CALIB_MAGIC, e->nl, e->netw, e->neth);
	for (i = 0; i < e->nl; i++)
		fprintf(f, "%d %.9g %.9g %.9g %.9g\n", i, e->l[i].pre_lo,
		    e->l[i].pre_hi, e->l[i].out_lo, e->l[i].out_hi);
	if (fclose(f) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
xe_calib_read(struct engine_xnn *e, const char *path, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[256];
	int	 i, k, n = 0, rc = -1;
	float	 a, b, c, d;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "int8 calibration %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, CALIB_MAGIC " ", strlen(CALIB_MAGIC) + 1) != 0 ||
	    sscanf(line + strlen(CALIB_MAGIC), "%d", &n) != 1 || n != e->nl) {
		snprintf(err, errsz, "int8 calibration %s: not a calibration "
		    "of this network (%d layers)", path, e->nl);
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (fgets(line, sizeof(line), f) == NULL ||
		    sscanf(line, "%d %f %f %f %f", &i, &a, &b, &c, &d) != 5 ||
		    i != k) {
			snprintf(err, errsz, "int8 calibration %s: bad line "
			    "%d", path, k + 2);
			goto out;
		}
		e->l[k].pre_lo = a;
		e->l[k].pre_hi = b;
		e->l[k].out_lo = c;
		e->l[k].out_hi = d;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

#endif /* HAVE_XNNPACK */
