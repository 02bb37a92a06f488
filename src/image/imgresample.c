/* imgresample.c: resampling: streaming area average, fit, factor, bilinear */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/imgint.h"
#include "image/imgio.h"

/* ---- streaming resampler (struct imgio_rsmp: see imgint.h) ----------- */

static void
axis_free(struct imgio_axis *a)
{
	free(a->first);
	free(a->w);
	memset(a, 0, sizeof(*a));
}

/*
 * n source samples, each px units wide, cover [0, ext) (the last one may
 * be cut short: a DCT-scaled JPEG's edge block); m output samples split
 * [0, ext) evenly.  m <= n * px: each output averages the source area it
 * covers.  m > n (enlarging, px 1): bilinear, pixel centres aligned.
 */
static int
axis_init(struct imgio_axis *a, int n, double px, double ext, int m)
{
	size_t	 k = 0;
	int	 j, i;

	memset(a, 0, sizeof(*a));
	if ((a->first = malloc((size_t)m * 3 * sizeof(int))) == NULL ||
	    (a->w = malloc(((size_t)n + 2 * (size_t)m + 1) *
	    sizeof(float))) == NULL) {
		axis_free(a);
		return -1;
	}
	a->cnt = a->first + m;
	a->off = a->cnt + m;
	for (j = 0; j < m; j++) {
		a->off[j] = (int)k;
		if (m > n) {
			double s = (j + 0.5) * n / m - 0.5;

			s = s < 0 ? 0 : s > n - 1 ? n - 1 : s;
			i = (int)s;
			a->first[j] = i;
			if (i + 1 < n && s > i) {
				a->w[k++] = (float)(1.0 - (s - i));
				a->w[k++] = (float)(s - i);
				a->cnt[j] = 2;
			} else {
				a->w[k++] = 1.0f;
				a->cnt[j] = 1;
			}
		} else {
			double c = j * ext / m;
			double d = j == m - 1 ? ext : (j + 1) * ext / m;
			double sum = 0, lo, hi;
			size_t k0 = k;

			i = (int)(c / px);
			if (i > n - 1)
				i = n - 1;
			a->first[j] = -1;
			for (; i < n && i * px < d; i++) {
				lo = i * px > c ? i * px : c;
				hi = (i + 1) * px < d ? (i + 1) * px : d;
				/* Slivers from rounding at a shared edge. */
				if (hi - lo <= 1e-9 * px)
					continue;
				if (a->first[j] < 0)
					a->first[j] = i;
				a->w[k++] = (float)(hi - lo);
				sum += hi - lo;
			}
			if (a->first[j] < 0) {		/* cannot happen */
				a->first[j] = i > n - 1 ? n - 1 : i;
				a->w[k++] = 1.0f;
				sum = 1.0;
			}
			a->cnt[j] = (int)(k - k0);
			for (; k0 < k; k0++)
				a->w[k0] = (float)(a->w[k0] / sum);
		}
		if (a->cnt[j] > a->span)
			a->span = a->cnt[j];
	}
	return 0;
}

void
imgio_rsmp_free(struct imgio_rsmp *r)
{
	axis_free(&r->ax);
	axis_free(&r->ay);
	free(r->ring);
	free(r->rows);
	free(r->out);
	memset(r, 0, sizeof(*r));
}

/*
 * sw x sh source rows whose pixels are px output-extent units wide,
 * covering ext_w x ext_h, into ow x oh.  0 or -1 (no memory; r zeroed).
 */
int
imgio_rsmp_init(struct imgio_rsmp *r, int sw, int sh, double px, double ext_w,
    double ext_h, int ow, int oh)
{
	memset(r, 0, sizeof(*r));
	r->sw = sw;
	r->sh = sh;
	r->ow = ow;
	r->oh = oh;
	if (axis_init(&r->ax, sw, px, ext_w, ow) == -1 ||
	    axis_init(&r->ay, sh, px, ext_h, oh) == -1 ||
	    (r->ring = malloc((size_t)r->ay.span * ow * 3 *
	    sizeof(float))) == NULL ||
	    (r->rows = malloc((size_t)r->ay.span * sizeof(*r->rows))) ==
	    NULL ||
	    (r->out = malloc((size_t)ow * oh * 3)) == NULL) {
		imgio_rsmp_free(r);
		return -1;
	}
	return 0;
}

/* Take source row r->in (sw RGB8 pixels); write the rows it completes. */
void
imgio_rsmp_push(struct imgio_rsmp *r, const unsigned char *row)
{
	const struct imgio_axis	*ax = &r->ax, *ay = &r->ay;
	float			*h;
	size_t			 rl = (size_t)r->ow * 3, i;
	int			 x, k, j, n;

	if (r->in >= r->sh)
		return;
	h = r->ring + (size_t)(r->in % ay->span) * rl;
	for (x = 0; x < r->ow; x++) {
		const unsigned char	*p = row + (size_t)ax->first[x] * 3;
		const float		*w = ax->w + ax->off[x];
		float			 a0 = 0, a1 = 0, a2 = 0;

		for (k = 0; k < ax->cnt[x]; k++, p += 3) {
			a0 += w[k] * p[0];
			a1 += w[k] * p[1];
			a2 += w[k] * p[2];
		}
		h[x * 3] = a0;
		h[x * 3 + 1] = a1;
		h[x * 3 + 2] = a2;
	}
	r->in++;
	/* Sources are monotone in the output row, so rows finish in order. */
	while (r->done < r->oh &&
	    ay->first[r->done] + ay->cnt[r->done] <= r->in) {
		const float	*w = ay->w + ay->off[r->done];
		unsigned char	*o = r->out + (size_t)r->done * rl;

		j = ay->first[r->done];
		n = ay->cnt[r->done];
		for (k = 0; k < n; k++)
			r->rows[k] = r->ring + (size_t)((j + k) % ay->span) *
			    rl;
		for (i = 0; i < rl; i++) {
			float v = 0.5f;

			for (k = 0; k < n; k++)
				v += w[k] * r->rows[k][i];
			o[i] = v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)v;
		}
		r->done++;
	}
}

/* Output size along one axis: max(1, round(n * f)). */
int
imgio_scaled_side(int n, double f)
{
	/* Positive, so truncation is floor(); no libm for one call. */
	int v = (int)(n * f + 0.5);

	return v < 1 ? 1 : v;
}
/* ---- resize and letterbox -------------------------------------------- */

int
imgio_resize_fit(const struct img *src, int max_w, int max_h,
    struct img *dst)
{
	double		 s;
	int		 dw, dh, x, y, c;
	size_t		 sx0, sx1, sy0, sy1, i, j, cnt, *xs;
	unsigned long	 acc[3];

	memset(dst, 0, sizeof(*dst));
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0 ||
	    max_w <= 0 || max_h <= 0)
		return -1;
	s = (double)max_w / src->w;
	if ((double)max_h / src->h < s)
		s = (double)max_h / src->h;
	if (s >= 1.0) {
		dw = src->w;
		dh = src->h;
	} else {
		dw = (int)(src->w * s + 0.5);
		dh = (int)(src->h * s + 0.5);
		dw = dw < 1 ? 1 : dw > max_w ? max_w : dw;
		dh = dh < 1 ? 1 : dh > max_h ? max_h : dh;
	}
	if ((dst->rgb = malloc((size_t)dw * dh * 3)) == NULL ||
	    (xs = malloc((size_t)dw * 2 * sizeof(*xs))) == NULL) {
		free(dst->rgb);
		dst->rgb = NULL;
		return -1;
	}
	dst->w = dw;
	dst->h = dh;
	/* the columns each output pixel covers, once */
	for (x = 0; x < dw; x++) {
		xs[2 * x] = (size_t)x * src->w / dw;
		xs[2 * x + 1] = (size_t)(x + 1) * src->w / dw;
		if (xs[2 * x + 1] <= xs[2 * x])
			xs[2 * x + 1] = xs[2 * x] + 1;
	}
	/* Each output pixel averages the source cells it covers. */
	for (y = 0; y < dh; y++) {
		sy0 = (size_t)y * src->h / dh;
		sy1 = (size_t)(y + 1) * src->h / dh;
		if (sy1 <= sy0)
			sy1 = sy0 + 1;
		for (x = 0; x < dw; x++) {
			sx0 = xs[2 * x];
			sx1 = xs[2 * x + 1];
			acc[0] = acc[1] = acc[2] = 0;
			for (j = sy0; j < sy1; j++) {
				const unsigned char *p = src->rgb +
				    (j * src->w + sx0) * 3;

				for (i = sx0; i < sx1; i++, p += 3) {
					acc[0] += p[0];
					acc[1] += p[1];
					acc[2] += p[2];
				}
			}
			cnt = (sx1 - sx0) * (sy1 - sy0);
			for (c = 0; c < 3; c++)
				dst->rgb[((size_t)y * dw + x) * 3 + c] =
				    (unsigned char)((acc[c] + cnt / 2) / cnt);
		}
	}
	free(xs);
	return 0;
}

int
imgio_resize_factor(const struct img *src, double factor, struct img *dst)
{
	struct imgio_rsmp	 r;
	size_t		 n;
	int		 y, ow, oh;

	memset(dst, 0, sizeof(*dst));
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0 ||
	    !(factor > 0.0 && factor <= 4.0) || src->w > INT_MAX / 4 ||
	    src->h > INT_MAX / 4)
		return -1;
	ow = imgio_scaled_side(src->w, factor);
	oh = imgio_scaled_side(src->h, factor);
	if ((size_t)ow > SIZE_MAX / 3 / (size_t)oh)
		return -1;
	if (ow == src->w && oh == src->h) {
		n = (size_t)ow * oh * 3;
		if ((dst->rgb = malloc(n)) == NULL)
			return -1;
		memcpy(dst->rgb, src->rgb, n);
	} else {
		if (imgio_rsmp_init(&r, src->w, src->h, 1.0, src->w, src->h, ow,
		    oh) == -1)
			return -1;
		for (y = 0; y < src->h; y++)
			imgio_rsmp_push(&r, src->rgb + (size_t)y * src->w * 3);
		dst->rgb = r.out;
		r.out = NULL;
		imgio_rsmp_free(&r);
	}
	dst->w = ow;
	dst->h = oh;
	return 0;
}

/* Pixel-centre aligned, clamped to real pixels (see imgint.h). */
void
imgio_bilinear_tap(int i, int n, int m, int *i0, int *i1, float *f)
{
	float s = ((float)i + 0.5f) * (float)n / (float)m - 0.5f;

	if (s < 0.0f)
		s = 0.0f;
	if (s > (float)(n - 1))
		s = (float)(n - 1);
	*i0 = (int)s;
	*i1 = *i0 + 1 < n ? *i0 + 1 : n - 1;
	*f = s - (float)*i0;
}

int
imgio_resize_bilinear(const struct img *src, double f, struct img *dst)
{
	int		*xi, x, y, c, w, h, y0, y1;
	float		*xf, fy;
	const unsigned char *r0, *r1;
	unsigned char	*d;

	memset(dst, 0, sizeof(*dst));
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0 ||
	    !(f > 0.0))
		return -1;
	w = (int)lround(src->w * f);
	h = (int)lround(src->h * f);
	w = w < 1 ? 1 : w;
	h = h < 1 ? 1 : h;
	dst->rgb = malloc((size_t)w * h * 3);
	xi = malloc((size_t)w * 2 * sizeof(*xi));
	xf = malloc((size_t)w * sizeof(*xf));
	if (dst->rgb == NULL || xi == NULL || xf == NULL) {
		free(dst->rgb);
		free(xi);
		free(xf);
		dst->rgb = NULL;
		return -1;
	}
	dst->w = w;
	dst->h = h;
	for (x = 0; x < w; x++)
		imgio_bilinear_tap(x, src->w, w, &xi[2 * x], &xi[2 * x + 1],
		    &xf[x]);
	for (y = 0; y < h; y++) {
		imgio_bilinear_tap(y, src->h, h, &y0, &y1, &fy);
		r0 = src->rgb + (size_t)y0 * src->w * 3;
		r1 = src->rgb + (size_t)y1 * src->w * 3;
		d = dst->rgb + (size_t)y * w * 3;
		for (x = 0; x < w; x++) {
			int a = xi[2 * x] * 3, b = xi[2 * x + 1] * 3;
			float fx = xf[x];

			for (c = 0; c < 3; c++) {
				float top = r0[a + c] * (1.0f - fx) +
				    r0[b + c] * fx;
				float bot = r1[a + c] * (1.0f - fx) +
				    r1[b + c] * fx;

				d[x * 3 + c] = (unsigned char)(top *
				    (1.0f - fy) + bot * fy + 0.5f);
			}
		}
	}
	free(xi);
	free(xf);
	return 0;
}
