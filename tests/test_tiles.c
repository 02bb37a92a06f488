/* test_tiles.c: tile layout, the ownership rule and the merge; scale arithmetic */
/*
 * The detector is replaced by an exact one: a tile "sees" every cell whose
 * visible part inside the tile is at least a given share of its area and
 * reports the visible (cut) box, which is what a real network does at a
 * tile edge at worst.  Each synthetic cell must come out exactly once,
 * wherever it lies: on a seam, at the corner of four tiles, at the image
 * edge.
 */

#include "check.h"
#include "vision/detector.h"
#include "image/imgio.h"
#include "vision/scale.h"
#include "vision/tiles.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cell {
	int	 cls;
	double	 cx, cy, d;
};

/* What the exact detector reports for tile t: boxes in tile pixels. */
static size_t
fake_detect(const struct tile *t, const struct cell *c, size_t nc,
    double min_share, struct det_box *out)
{
	size_t	 i, n = 0;
	double	 x0, y0, x1, y1;

	for (i = 0; i < nc; i++) {
		x0 = fmax(c[i].cx - c[i].d / 2, t->x);
		y0 = fmax(c[i].cy - c[i].d / 2, t->y);
		x1 = fmin(c[i].cx + c[i].d / 2, t->x + t->w);
		y1 = fmin(c[i].cy + c[i].d / 2, t->y + t->h);
		if (x1 <= x0 || y1 <= y0 ||
		    (x1 - x0) * (y1 - y0) < min_share * c[i].d * c[i].d)
			continue;
		out[n].cls = c[i].cls;
		out[n].conf = 0.9f - 0.001f * (float)i;
		out[n].x = (float)(x0 - t->x);
		out[n].y = (float)(y0 - t->y);
		out[n].w = (float)(x1 - x0);
		out[n].h = (float)(y1 - y0);
		n++;
	}
	return n;
}

/* Run layout, fake detection, keep and merge; the merged boxes in out. */
static size_t
run_tiled(int w, int h, const struct cell *c, size_t nc, double share,
    struct det_box *out, size_t *ntiles)
{
	struct tile	*t;
	struct det_box	 v[256];
	int		 tid[4096];
	size_t		 nt, k, n, i, nall = 0;

	if (tiles_layout(w, h, 288, 288, 96, &t, &nt) == -1)
		return (size_t)-1;
	for (k = 0; k < nt; k++) {
		n = fake_detect(&t[k], c, nc, share, v);
		n = tiles_keep(&t[k], v, n, w, h);
		for (i = 0; i < n; i++) {
			tid[nall] = (int)k;
			out[nall++] = v[i];
		}
	}
	free(t);
	*ntiles = nt;
	return tiles_merge(out, tid, nall, 0.45f, 0.8f);
}

static void
test_layout(void)
{
	struct tile	*t;
	size_t		 n, i, j;
	int		 covered;

	/* one tile, image centred in it (the letterbox's placement) */
	CHECK(tiles_layout(288, 216, 288, 288, 96, &t, &n) == 0);
	CHECK(n == 1 && t[0].x == 0 && t[0].y == -36);
	CHECK(tiles_owns(&t[0], -1e9, 1e9));
	free(t);

	/* 1210 x 907: 6 x 5 tiles, edge to edge, overlap >= 96 */
	CHECK(tiles_layout(1210, 907, 288, 288, 96, &t, &n) == 0);
	CHECK(n == 30);
	CHECK(t[0].x == 0 && t[0].y == 0);
	CHECK(t[5].x + 288 == 1210 && t[29].y + 288 == 907);
	for (i = 0; i + 1 < 6; i++)
		CHECK(t[i].x + 288 - t[i + 1].x >= 96);
	for (j = 0; j + 6 < n; j += 6)
		CHECK(t[j].y + 288 - t[j + 6].y >= 96);
	/* the cores partition the image: every point has exactly one owner */
	for (j = 0; j < 907; j += 7)
		for (i = 0; i < 1210; i += 7) {
			size_t k;

			covered = 0;
			for (k = 0; k < n; k++)
				covered += tiles_owns(&t[k], i + 0.5, j + 0.5);
			CHECK(covered == 1);
		}
	/* a point owned by a tile lies at least overlap/2 inside it */
	for (i = 0; i < n; i++) {
		if (isfinite(t[i].cx0))
			CHECK(t[i].cx0 - t[i].x >= 48);
		if (isfinite(t[i].cx1))
			CHECK(t[i].x + 288 - t[i].cx1 >= 48);
	}
	free(t);

	CHECK(tiles_layout(0, 10, 288, 288, 96, &t, &n) == -1);
	CHECK(tiles_layout(10, 10, 288, 288, 288, &t, &n) == -1);
}

static void
test_seams(void)
{
	struct tile	*t;
	struct det_box	 out[4096];
	struct cell	 c[64];
	size_t		 nt, n, k, i;
	double		 sx, sy;

	CHECK(tiles_layout(1000, 1000, 288, 288, 96, &t, &nt) == 0);
	/* the first vertical and horizontal seams */
	sx = t[0].cx1;
	sy = -1;
	for (k = 0; k < nt; k++)
		if (isfinite(t[k].cy1)) {
			sy = t[k].cy1;
			break;
		}
	free(t);
	CHECK(sy > 0);

	/* a WBC (90 px) exactly on a seam, and a hair either side */
	for (i = 0; i < 5; i++) {
		c[0] = (struct cell){ 1, sx + (double)i - 2, 500, 90 };
		n = run_tiled(1000, 1000, c, 1, 0.05, out, &nt);
		CHECK(n == 1);
	}
	/* a cell at the corner of four tiles, at many small offsets */
	for (i = 0; i < 25; i++) {
		c[0] = (struct cell){ 0, sx + (double)(i % 5) - 2,
		    sy + (double)(i / 5) - 2, 47 };
		n = run_tiled(1000, 1000, c, 1, 0.05, out, &nt);
		CHECK(n == 1);
		if (n == 1)
			CHECK(fabs(out[0].w - 47) < 1e-3 &&
			    fabs(out[0].h - 47) < 1e-3);
	}
	/* a field of cells on a grid that crosses every seam */
	n = 0;
	for (i = 0; i < 64; i++)
		c[i] = (struct cell){ (int)(i % 3), 60 + (double)(i % 8) * 117,
		    60 + (double)(i / 8) * 117, i % 3 == 1 ? 90 : 40 };
	n = run_tiled(1000, 1000, c, 64, 0.02, out, &nt);
	CHECK(nt > 1);
	CHECK(n == 64);
	/* the one tile of a small image: same boxes as the exact answer */
	c[0] = (struct cell){ 0, 100, 100, 47 };
	c[1] = (struct cell){ 2, 30, 150, 17 };
	n = run_tiled(288, 216, c, 2, 0.05, out, &nt);
	CHECK(nt == 1 && n == 2);
}

static void
test_merge(void)
{
	struct det_box	 v[4];
	int		 tid[4] = { 0, 1, 0, 0 };

	/* same tile, overlapping: left alone (the detector's NMS saw them) */
	v[0] = (struct det_box){ 0, 0.9f, 10, 10, 40, 40 };
	v[1] = (struct det_box){ 0, 0.8f, 12, 12, 40, 40 };
	tid[1] = 0;
	CHECK(tiles_merge(v, tid, 2, 0.45f, 0.8f) == 2);
	/* other tile: suppressed by IoU */
	v[0] = (struct det_box){ 0, 0.9f, 10, 10, 40, 40 };
	v[1] = (struct det_box){ 0, 0.8f, 12, 12, 40, 40 };
	tid[1] = 1;
	CHECK(tiles_merge(v, tid, 2, 0.45f, 0.8f) == 1);
	CHECK(v[0].conf > 0.85f);
	/* a cut box inside the whole one: suppressed by containment */
	v[0] = (struct det_box){ 0, 0.7f, 10, 10, 40, 40 };
	v[1] = (struct det_box){ 0, 0.8f, 10, 10, 12, 40 };
	CHECK(tiles_merge(v, tid, 2, 0.45f, 0.8f) == 1);
	/* other class: kept */
	v[0] = (struct det_box){ 0, 0.9f, 10, 10, 40, 40 };
	v[1] = (struct det_box){ 1, 0.8f, 12, 12, 40, 40 };
	CHECK(tiles_merge(v, tid, 2, 0.45f, 0.8f) == 2);
	/* disjoint: kept, best first */
	v[0] = (struct det_box){ 0, 0.5f, 10, 10, 40, 40 };
	v[1] = (struct det_box){ 0, 0.8f, 100, 10, 40, 40 };
	CHECK(tiles_merge(v, tid, 2, 0.45f, 0.8f) == 2);
	CHECK(v[0].conf > v[1].conf);
}

static void
test_scale(void)
{
	struct det_box		 v[40];
	struct scale_meas	 m;
	enum scale_status	 st;
	enum scale_reason	 why;
	struct img		 im;
	size_t			 i, j;
	uint32_t		 s = 1;

	/* 20 red cells of 40-50 px and two cut at the border, a WBC */
	for (i = 0; i < 20; i++)
		v[i] = (struct det_box){ 0, 0.9f, 20 + (float)i * 10, 100,
		    40 + (float)(i % 11), 40 + (float)(i % 11) };
	v[20] = (struct det_box){ 0, 0.9f, 0, 10, 10, 45 };
	v[21] = (struct det_box){ 0, 0.9f, 250, 260, 60, 40 };
	v[22] = (struct det_box){ 1, 0.9f, 100, 150, 90, 90 };
	v[23] = (struct det_box){ 0, 0.1f, 100, 150, 90, 90 };
	CHECK(scale_measure(v, 24, 0, 0.4f, 300, 300, &m) == 0);
	CHECK(m.n == 20);
	CHECK(fabs(m.median - 44.5) < 1e-9);
	scale_judge(&m, &st, &why);
	CHECK(st == SCALE_OK && why == SCALE_R_NONE);
	/* one cut by the left side, centre in view: its height is a ruler */
	v[24] = (struct det_box){ 0, 0.9f, 0, 150, 30, 50 };
	CHECK(scale_measure(v, 25, 0, 0.4f, 300, 300, &m) == 0);
	CHECK(m.n == 21 && fabs(m.median - 45) < 1e-9);
	CHECK(scale_measure(v, 3, 0, 0.4f, 300, 300, &m) == 0 && m.n == 3);
	scale_judge(&m, &st, &why);
	CHECK(st == SCALE_UNSURE && why == SCALE_R_FEW_RBC);
	CHECK(scale_measure(v, 0, 0, 0.4f, 300, 300, &m) == 0 && m.n == 0);
	scale_judge(&m, &st, &why);
	CHECK(st == SCALE_UNSURE && why == SCALE_R_NO_RBC);
	/* sizes that disagree (a wrong trial scale: mixed objects) */
	for (i = 0; i < 20; i++)
		v[i].w = v[i].h = i % 2 ? 20 : 80;
	CHECK(scale_measure(v, 20, 0, 0.4f, 300, 300, &m) == 0);
	scale_judge(&m, &st, &why);
	CHECK(st == SCALE_UNSURE && why == SCALE_R_SPREAD);

	CHECK(scale_fit(47, 47) == 1 && scale_fit(60, 47) == 1);
	CHECK(scale_fit(94, 47) == 0 && scale_fit(23, 47) == 0);
	CHECK(scale_fit(70, 47) > 0 && scale_fit(70, 47) < 1);
	CHECK(scale_fit(0, 47) == 0);

	/* texture: a flat grey image is blank, noise is not, black ignored */
	im.w = 200;
	im.h = 100;
	im.rgb = malloc(200 * 100 * 3);
	memset(im.rgb, 128, 200 * 100 * 3);
	CHECK(scale_texture(&im, 40) < 0.5);
	for (i = 0; i < 200 * 100 * 3; i++) {
		s = s * 1103515245u + 12345u;
		im.rgb[i] = (unsigned char)(100 + (s >> 16) % 100);
	}
	CHECK(scale_texture(&im, 40) > 10);
	memset(im.rgb, 0, 200 * 50 * 3);
	memset(im.rgb + 200 * 50 * 3, 200, 200 * 50 * 3);
	CHECK(scale_texture(&im, 40) < 0.5);
	/* a small smear (1/16 of the frame) in a flat background is not blank */
	memset(im.rgb, 180, 200 * 100 * 3);
	for (j = 40; j < 65; j++)
		for (i = 0; i < 50 * 3; i++) {
			s = s * 1103515245u + 12345u;
			im.rgb[(j * 200 + 75) * 3 + i] =
			    (unsigned char)(100 + (s >> 16) % 100);
		}
	CHECK(scale_texture(&im, 40) > 10);
	free(im.rgb);
}

/*
 * The engines' interleaved input made straight from the photo
 * (imgio_letterbox_hwc, imgio_tile_hwc) holds bit for bit the values of
 * the planar versions the engine used to transpose: random photos and
 * sizes, tiles hanging off every edge.
 */
static size_t
hwc_differs(const float *planar, const float *hwc, size_t n)
{
	size_t	 i, bad = 0;
	int	 c;

	for (i = 0; i < n; i++)
		for (c = 0; c < 3; c++)
			bad += memcmp(&hwc[i * 3 + c], &planar[c * n + i],
			    sizeof(float)) != 0;
	return bad;
}

static void
test_input_hwc(void)
{
	static const int sz[][4] = { { 640, 480, 288, 288 }, { 97, 311, 288,
	    288 }, { 1300, 40, 1100, 700 }, { 1, 1, 32, 32 }, { 333, 333, 64,
	    96 } };
	static const int at[][2] = { { 0, 0 }, { -20, -7 }, { 600, 400 },
	    { -300, 10 }, { 5, -400 } };
	struct img	 im;
	struct letterbox lf, lq;
	float		*f, *q;
	size_t		 i, k, n;
	uint32_t	 s = 7;
	int		 w, h, nw, nh;

	for (k = 0; k < sizeof(sz) / sizeof(sz[0]); k++) {
		w = sz[k][0], h = sz[k][1], nw = sz[k][2], nh = sz[k][3];
		n = (size_t)nw * nh;
		im.w = w, im.h = h;
		im.rgb = malloc((size_t)w * h * 3);
		f = malloc(n * 3 * sizeof(*f));
		q = malloc(n * 3 * sizeof(*q));
		if (im.rgb == NULL || f == NULL || q == NULL)
			abort();
		for (i = 0; i < (size_t)w * h * 3; i++) {
			s = s * 1103515245u + 12345u;
			im.rgb[i] = (unsigned char)(s >> 16);
		}
		imgio_letterbox(&im, nw, nh, f, &lf);
		memset(q, 0x7f, n * 3 * sizeof(*q));	/* no leftovers pass */
		imgio_letterbox_hwc(&im, nw, nh, q, &lq);
		CHECK(hwc_differs(f, q, n) == 0);
		CHECK(memcmp(&lf, &lq, sizeof(lf)) == 0);
		imgio_tile_planar(&im, at[k][0], at[k][1], nw, nh, f);
		memset(q, 0x7f, n * 3 * sizeof(*q));
		imgio_tile_hwc(&im, at[k][0], at[k][1], nw, nh, q);
		CHECK(hwc_differs(f, q, n) == 0);
		free(im.rgb);
		free(f);
		free(q);
	}
}
/*
 * scale_texture against the plain formula (each sample's region by two
 * divisions): the same value bit for bit on photos of odd sizes, with
 * dark pixels skipped.
 */
static double
texture_ref(const struct img *im, int dark)
{
	enum { G = 8 };
	double	 sum[G * G] = { 0 }, sum2[G * G] = { 0 }, y, m, sd, best = 0;
	long	 n[G * G] = { 0 };
	int	 step, i, j, r;
	const unsigned char *p;

	step = (int)ceil(sqrt((double)im->w * im->h / 65536.0));
	if (step < 1)
		step = 1;
	for (j = 0; j < im->h; j += step)
		for (i = 0; i < im->w; i += step) {
			p = im->rgb + ((size_t)j * im->w + i) * 3;
			y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
			if (y <= dark)
				continue;
			r = (int)((long)j * G / im->h) * G +
			    (int)((long)i * G / im->w);
			sum[r] += y;
			sum2[r] += y * y;
			n[r]++;
		}
	for (r = 0; r < G * G; r++) {
		if (n[r] < 16)
			continue;
		m = sum[r] / n[r];
		sd = sqrt(fmax(0, sum2[r] / n[r] - m * m));
		if (sd > best)
			best = sd;
	}
	return best;
}

static void
test_texture_same(void)
{
	static const int sz[][2] = { { 640, 480 }, { 37, 1000 }, { 1003, 17 },
	    { 2001, 1499 }, { 9, 9 }, { 300, 301 } };
	struct img	 im;
	double		 a, b;
	size_t		 i, k;
	uint32_t	 s = 11;

	for (k = 0; k < sizeof(sz) / sizeof(sz[0]); k++) {
		im.w = sz[k][0], im.h = sz[k][1];
		if ((im.rgb = malloc((size_t)im.w * im.h * 3)) == NULL)
			abort();
		for (i = 0; i < (size_t)im.w * im.h * 3; i++) {
			s = s * 1103515245u + 12345u;
			/* cells by region: a different spread in each */
			im.rgb[i] = (unsigned char)((s >> 16) % (1 + (i / 3 %
			    (size_t)im.w) * 255 / (size_t)im.w));
		}
		a = scale_texture(&im, 40);
		b = texture_ref(&im, 40);
		CHECK(memcmp(&a, &b, sizeof(a)) == 0);
		CHECK(a > 0 || (im.w < 20 && a == 0));
		free(im.rgb);
	}
}

int
main(void)
{
	test_layout();
	test_seams();
	test_merge();
	test_scale();
	test_input_hwc();
	test_texture_same();
	return check_done("test_tiles");
}
