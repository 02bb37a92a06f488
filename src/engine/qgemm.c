/* qgemm.c: our int8 convolution: packing, the C path, the choice of path */

#include "engine/qgemm.h"
#include "engine/qgemm_paths.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum qgemm_path
qgemm_best_path(void)
{
	return qg_have_vnni() ? QGEMM_VNNI : qg_have_avx2() ? QGEMM_AVX2 :
	    QGEMM_C;
}

int
qgemm_path_ok(enum qgemm_path p)
{
	return p == QGEMM_C || (p == QGEMM_AVX2 && qg_have_avx2()) ||
	    (p == QGEMM_VNNI && qg_have_vnni());
}

const char *
qgemm_path_name(enum qgemm_path p)
{
	return p == QGEMM_VNNI ? "vnni" : p == QGEMM_AVX2 ? "avx2" : "c";
}

int8_t
qgemm_requant(int32_t acc, float mul, int zo, int omin)
{
	float	 v = (float)acc * mul;
	long	 q;

	v = v < -1024.0f ? -1024.0f : v;
	v = v > 1024.0f ? 1024.0f : v;
	q = lrintf(v) + zo;
	q = q < omin ? omin : q;
	return (int8_t)(q > 127 ? 127 : q);
}

static int
qconv_pack(struct qconv *q, const int8_t *w, const int32_t *b,
    const float *ks, float si, int zi, float so)
{
	const struct qconv_shape *s = &q->s;
	size_t	 K = q->kq * 4, f, k;
	int32_t	 sum;

	q->wp = calloc(q->nblk * K * QG_NB, 1);
	q->bias = calloc(q->nblk * QG_NB, sizeof(*q->bias));
	q->mul = calloc(q->nblk * QG_NB, sizeof(*q->mul));
	q->zrow = malloc((size_t)s->c + 64);
	if (q->wp == NULL || q->bias == NULL || q->mul == NULL ||
	    q->zrow == NULL)
		return -1;
	memset(q->zrow, zi, (size_t)s->c + 64);
	for (f = 0; f < (size_t)s->oc; f++) {
		sum = 0;
		for (k = 0; k < K; k++) {
			sum += w[f * K + k];
			q->wp[((f / QG_NB * q->kq + k / 4) * QG_NB + f %
			    QG_NB) * 4 + k % 4] = w[f * K + k];
		}
		q->bias[f] = b[f] - (zi + 128) * sum;
		q->mul[f] = si * ks[f] / so;
	}
	return 0;
}

struct qconv *
qconv_new(const struct qconv_shape *s, const int8_t *w, const int32_t *b,
    const float *ks, float si, int zi, float so, int zo, int omin,
    enum qgemm_path path)
{
	struct qconv	*q;
	int		 k;

	if (s->c < 4 || s->c % 4 != 0 || s->oc < 1 || s->k < 1 ||
	    s->k > QG_KMAX || s->stride < 1 || s->pad < 0 || s->oh < 1 ||
	    s->ow < 1 || !qgemm_path_ok(path))
		return NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->s = *s;
	q->path = path;
	q->kq = (size_t)s->k * s->k * s->c / 4;
	q->nblk = ((size_t)s->oc + QG_NB - 1) / QG_NB;
	q->zo = zo;
	q->omin = omin;
	for (k = 0; k < s->k * s->k; k++)
		q->off[k] = ((size_t)(k / s->k) * s->w + (size_t)(k % s->k)) *
		    s->in_stride;
	if (qconv_pack(q, w, b, ks, si, zi, so) == -1) {
		qconv_free(q);
		return NULL;
	}
	return q;
}

void
qconv_free(struct qconv *q)
{
	if (q == NULL)
		return;
	free(q->wp);
	free(q->bias);
	free(q->mul);
	free(q->zrow);
	free(q);
}

size_t
qconv_tiles(const struct qconv *q)
{
	return ((size_t)q->s.oh * q->s.ow + QCONV_TILE - 1) / QCONV_TILE;
}

void
qg_rows(const struct qconv *q, const int8_t *in, size_t m,
    const int8_t **rows)
{
	const struct qconv_shape *s = &q->s;
	int	 oy = (int)(m / (size_t)s->ow), ox = (int)(m % (size_t)s->ow),
		 ky, kx, iy, ix, kk;
	const int8_t *base;

	iy = oy * s->stride - s->pad;
	ix = ox * s->stride - s->pad;
	if (iy >= 0 && ix >= 0 && iy + s->k <= s->h && ix + s->k <= s->w) {
		base = in + ((size_t)iy * s->w + ix) * s->in_stride;
		for (kk = 0; kk < s->k * s->k; kk++)
			rows[kk] = base + q->off[kk];
		return;
	}
	for (ky = 0; ky < s->k; ky++)
		for (kx = 0; kx < s->k; kx++) {
			iy = oy * s->stride - s->pad + ky;
			ix = ox * s->stride - s->pad + kx;
			rows[ky * s->k + kx] = iy < 0 || ix < 0 ||
			    iy >= s->h || ix >= s->w ? q->zrow : in +
			    ((size_t)iy * s->w + ix) * s->in_stride;
		}
}

void
qg_sum_c(const struct qconv *q, const int8_t *const *rows, size_t blk,
    int32_t *acc)
{
	const int8_t	*wb = q->wp + blk * q->kq * QG_NB * 4, *r;
	size_t		 kk, c4 = (size_t)q->s.c / 4, j, i, n = 0;
	int32_t		 u[4];

	memset(acc, 0, QG_NB * sizeof(*acc));
	for (kk = 0; kk < (size_t)q->s.k * q->s.k; kk++)
		for (r = rows[kk], i = 0; i < c4; i++, n++) {
			u[0] = (uint8_t)(r[4 * i] ^ 0x80);
			u[1] = (uint8_t)(r[4 * i + 1] ^ 0x80);
			u[2] = (uint8_t)(r[4 * i + 2] ^ 0x80);
			u[3] = (uint8_t)(r[4 * i + 3] ^ 0x80);
			for (j = 0; j < QG_NB; j++)
				acc[j] += u[0] * wb[(n * QG_NB + j) * 4] +
				    u[1] * wb[(n * QG_NB + j) * 4 + 1] +
				    u[2] * wb[(n * QG_NB + j) * 4 + 2] +
				    u[3] * wb[(n * QG_NB + j) * 4 + 3];
		}
}

/* Pixels m0..m1-1 of block blk, one at a time (C and AVX2 paths). */
static void
tile_by_pixel(const struct qconv *q, const int8_t *in, int8_t *out,
    size_t m0, size_t m1, size_t blk)
{
	const int8_t	*rows[QG_KMAX * QG_KMAX];
	int32_t		 acc[QG_NB];
	size_t		 m, j, f;

	for (m = m0; m < m1; m++) {
		qg_rows(q, in, m, rows);
		if (q->path == QGEMM_AVX2)
			qg_sum_avx2(q, rows, blk, acc);
		else
			qg_sum_c(q, rows, blk, acc);
		for (j = 0; j < QG_NB; j++) {
			f = blk * QG_NB + j;
			if (f >= (size_t)q->s.oc)
				break;
			out[m * q->s.out_stride + f] = qgemm_requant(acc[j] +
			    q->bias[f], q->mul[f], q->zo, q->omin);
		}
	}
}

void
qconv_run_tile(const struct qconv *q, const int8_t *in, int8_t *out,
    size_t t)
{
	size_t	 m0 = t * QCONV_TILE, m1 = m0 + QCONV_TILE, px = (size_t)q->s.oh *
	    q->s.ow, blk, m;

	if (m1 > px)
		m1 = px;
	/* block outer: its weights stay in cache over the tile's pixels */
	for (blk = 0; blk < q->nblk; blk++) {
		if (q->path != QGEMM_VNNI) {
			tile_by_pixel(q, in, out, m0, m1, blk);
			continue;
		}
		for (m = m0; m < m1; m += QG_MR)
			qg_tile_vnni(q, in, out, m, m + QG_MR < m1 ? m + QG_MR :
			    m1, blk);
	}
}

void
qconv_run(const struct qconv *q, const int8_t *in, int8_t *out)
{
	size_t	 t;

	for (t = 0; t < qconv_tiles(q); t++)
		qconv_run_tile(q, in, out, t);
}
