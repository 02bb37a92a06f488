/* test_qgemm.c: every int8 convolution path against a plain reference, byte for byte */

#include "engine/qgemm.h"

#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t	 seed = 12345;

static uint32_t
rnd(void)
{
	seed = seed * 1664525u + 1013904223u;
	return seed >> 8;
}

static int
rint_in(int lo, int hi)
{
	return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

/* The convolution as its definition says, no packing, no tricks. */
static void
reference(const struct qconv_shape *s, const int8_t *in, const int8_t *w,
    const int32_t *b, const float *ks, float si, int zi, float so, int zo,
    int omin, int8_t *out)
{
	int	 oy, ox, f, ky, kx, c, iy, ix;
	int32_t	 acc;

	for (oy = 0; oy < s->oh; oy++)
		for (ox = 0; ox < s->ow; ox++)
			for (f = 0; f < s->oc; f++) {
				acc = b[f];
				for (ky = 0; ky < s->k; ky++)
					for (kx = 0; kx < s->k; kx++)
						for (c = 0; c < s->c; c++) {
							iy = oy * s->stride - s->pad + ky;
							ix = ox * s->stride - s->pad + kx;
							if (iy < 0 || ix < 0 || iy >= s->h || ix >= s->w)
								continue;
							acc += (in[((size_t)iy * s->w + ix) * s->in_stride + c] - zi) *
							    w[(((size_t)f * s->k + ky) * s->k + kx) * s->c + c];
						}
				out[((size_t)oy * s->ow + ox) * s->out_stride + f] =
				    qgemm_requant(acc, si * ks[f] / so, zo, omin);
			}
}

/* One random shape through every path here; 0 when all match. */
static void
one_case(int n)
{
	struct qconv_shape s;
	struct qconv	*q;
	int8_t		*in, *w, *ref, *got;
	int32_t		*b;
	float		*ks, si, so;
	int		 zi, zo, omin, p;
	size_t		 nin, nout, i;

	memset(&s, 0, sizeof(s));
	s.k = n % 3 == 0 ? 1 : 3;
	s.stride = n % 5 == 4 ? 2 : 1;
	s.pad = s.k == 3 ? 1 : 0;
	s.c = 4 * rint_in(1, n < 20 ? 8 : 40);
	s.oc = rint_in(1, n < 20 ? 40 : 130);
	s.h = rint_in(1, 15);
	s.w = rint_in(1, 15);
	s.oh = (s.h + 2 * s.pad - s.k) / s.stride + 1;
	s.ow = (s.w + 2 * s.pad - s.k) / s.stride + 1;
	s.in_stride = (size_t)s.c + (n % 2 ? 4 : 0);
	s.out_stride = (size_t)s.oc + (n % 4 == 1 ? 7 : 0);
	if (s.oh < 1 || s.ow < 1)
		return;
	nin = (size_t)s.h * s.w * s.in_stride;
	nout = (size_t)s.oh * s.ow * s.out_stride;
	in = malloc(nin);
	w = malloc((size_t)s.oc * s.k * s.k * s.c);
	b = malloc((size_t)s.oc * sizeof(*b));
	ks = malloc((size_t)s.oc * sizeof(*ks));
	ref = malloc(nout);
	got = malloc(nout);
	CHECK(in && w && b && ks && ref && got);
	for (i = 0; i < nin; i++)
		in[i] = (int8_t)rint_in(-128, 127);
	for (i = 0; i < (size_t)s.oc * s.k * s.k * s.c; i++)
		w[i] = (int8_t)rint_in(-127, 127);
	for (i = 0; i < (size_t)s.oc; i++) {
		b[i] = rint_in(-20000, 20000);
		ks[i] = (float)rint_in(1, 1000) / 50000.0f;
	}
	si = (float)rint_in(1, 100) / 1000.0f;
	so = (float)rint_in(1, 100) / 50.0f;
	zi = rint_in(-128, 127);
	zo = rint_in(-128, 127);
	omin = n % 3 == 2 ? zo : -128;
	memset(ref, 0x5a, nout);
	reference(&s, in, w, b, ks, si, zi, so, zo, omin, ref);
	for (p = QGEMM_C; p <= QGEMM_VNNI; p++) {
		if (!qgemm_path_ok((enum qgemm_path)p))
			continue;
		q = qconv_new(&s, w, b, ks, si, zi, so, zo, omin,
		    (enum qgemm_path)p);
		CHECK(q != NULL);
		if (q == NULL)
			continue;
		memset(got, 0x5a, nout);	/* the gaps must stay */
		qconv_run(q, in, got);
		if (memcmp(ref, got, nout) != 0)
			fprintf(stderr, "case %d path %s: %dx%dx%d k%d s%d -> "
			    "%d differs\n", n, qgemm_path_name(
			    (enum qgemm_path)p), s.h, s.w, s.c, s.k, s.stride,
			    s.oc);
		CHECK(memcmp(ref, got, nout) == 0);
		qconv_free(q);
	}
	free(in);
	free(w);
	free(b);
	free(ks);
	free(ref);
	free(got);
}

int
main(void)
{
	struct qconv_shape s;
	int	 n, p;

	printf("test_qgemm: paths here:");
	for (p = QGEMM_C; p <= QGEMM_VNNI; p++)
		if (qgemm_path_ok((enum qgemm_path)p))
			printf(" %s", qgemm_path_name((enum qgemm_path)p));
	printf("\n");
	for (n = 0; n < 60; n++)
		one_case(n);
	/* refused shapes: channels not a multiple of 4, a kernel too big */
	memset(&s, 0, sizeof(s));
	s.h = s.w = s.oh = s.ow = 4;
	s.c = 3;
	s.oc = 8;
	s.k = 1;
	s.stride = 1;
	s.in_stride = 3;
	s.out_stride = 8;
	CHECK(qconv_new(&s, NULL, NULL, NULL, 1, 0, 1, 0, -128, QGEMM_C) ==
	    NULL);
	s.c = 4;
	s.k = 9;
	CHECK(qconv_new(&s, NULL, NULL, NULL, 1, 0, 1, 0, -128, QGEMM_C) ==
	    NULL);
	/* the requantisation's rule: rounding to even, clamps */
	CHECK(qgemm_requant(5, 0.5f, 0, -128) == 2);
	CHECK(qgemm_requant(7, 0.5f, 0, -128) == 4);
	CHECK(qgemm_requant(-1000000, 1.0f, 3, -128) == -128);
	CHECK(qgemm_requant(1000000, 1.0f, 3, -128) == 127);
	CHECK(qgemm_requant(-50, 1.0f, 10, 10) == 10);
	return check_done("test_qgemm");
}
