/* test_cls.c: classifier metrics, crop geometry, calibration maths and the abstention rule */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vision/cellcrop.h"
#include "vision/wbcood.h"
#include "tools/clscalib.h"
#include "tools/clsmetrics.h"

#define NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) < 1e-6)

static void
test_confusion(void)
{
	struct clsm cm;
	int main2[2] = { 0, 1 };

	CHECK(clsm_init(&cm, 0) == -1);
	CHECK(clsm_init(&cm, CLSM_MAX + 1) == -1);
	CHECK(clsm_init(&cm, 3) == 0);
	CHECK(isnan(clsm_accuracy(&cm)));
	CHECK(isnan(clsm_macro_f1(&cm, NULL, 0)));

	/* truth 0: 8 right, 2 as 1; truth 1: 5 right, 5 as 2; truth 2: 10
	 * right.  Out-of-range pairs are ignored. */
	for (int i = 0; i < 8; i++)
		clsm_add(&cm, 0, 0);
	for (int i = 0; i < 2; i++)
		clsm_add(&cm, 0, 1);
	for (int i = 0; i < 5; i++) {
		clsm_add(&cm, 1, 1);
		clsm_add(&cm, 1, 2);
	}
	for (int i = 0; i < 10; i++)
		clsm_add(&cm, 2, 2);
	clsm_add(&cm, 3, 0);
	clsm_add(&cm, 0, -1);
	CHECK(cm.m[0][0] == 8 && cm.m[0][1] == 2 && cm.m[1][2] == 5);
	NEAR(clsm_accuracy(&cm), 23.0 / 30);
	NEAR(clsm_recall(&cm, 0), 0.8);
	NEAR(clsm_recall(&cm, 1), 0.5);
	NEAR(clsm_recall(&cm, 2), 1.0);
	NEAR(clsm_precision(&cm, 0), 1.0);
	NEAR(clsm_precision(&cm, 1), 5.0 / 7);
	NEAR(clsm_precision(&cm, 2), 10.0 / 15);
	NEAR(clsm_f1(&cm, 0), 2 * 0.8 / 1.8);
	NEAR(clsm_f1(&cm, 1), 2 * 0.5 * (5.0 / 7) / (0.5 + 5.0 / 7));
	NEAR(clsm_f1(&cm, 2), 2 * (10.0 / 15) / (1 + 10.0 / 15));
	NEAR(clsm_macro_f1(&cm, NULL, 0),
	    (clsm_f1(&cm, 0) + clsm_f1(&cm, 1) + clsm_f1(&cm, 2)) / 3);
	/* A subset uses the full matrix: class 1's misses into class 2 count. */
	NEAR(clsm_macro_f1(&cm, main2, 2), (clsm_f1(&cm, 0) + clsm_f1(&cm, 1)) / 2);

	/* A class with truths that is never predicted has F1 0 in the mean;
	 * a class without truths is left out. */
	CHECK(clsm_init(&cm, 3) == 0);
	clsm_add(&cm, 0, 0);
	clsm_add(&cm, 1, 0);
	CHECK(isnan(clsm_f1(&cm, 1)));
	CHECK(isnan(clsm_recall(&cm, 2)));
	NEAR(clsm_f1(&cm, 0), 2 * 1 * 0.5 / 1.5);
	NEAR(clsm_macro_f1(&cm, NULL, 0), (2.0 / 3 + 0) / 2);
}

static void
test_geometry(void)
{
	struct cellcrop c;

	/* Interior box 100x80 at (100,100), margin 0.2: a 140 px square
	 * centred on (150,140). */
	CHECK(cellcrop_geom(100, 100, 200, 180, 0.2f, 640, 480, &c) == 0);
	NEAR(c.side, 140);
	NEAR(c.sx0, 80);
	NEAR(c.sy0, 70);
	NEAR(c.x0, 80);
	NEAR(c.y0, 70);
	NEAR(c.x1, 220);
	NEAR(c.y1, 210);

	/* Margin 0: the square on the longer side. */
	CHECK(cellcrop_geom(10, 20, 30, 60, 0, 100, 100, &c) == 0);
	NEAR(c.side, 40);
	NEAR(c.sx0, 0);
	NEAR(c.sy0, 20);

	/* Near the top-left corner: the square keeps its place (the cell
	 * stays centred), the sampled part is clamped to the image. */
	CHECK(cellcrop_geom(0, 5, 50, 55, 0.5f, 640, 480, &c) == 0);
	NEAR(c.side, 100);
	NEAR(c.sx0, -25);
	NEAR(c.sy0, -20);
	NEAR(c.x0, 0);
	NEAR(c.y0, 0);
	NEAR(c.x1, 75);
	NEAR(c.y1, 80);

	/* Bottom-right border and a crop larger than the image. */
	CHECK(cellcrop_geom(590, 440, 640, 480, 0.2f, 640, 480, &c) == 0);
	NEAR(c.x1, 640);
	NEAR(c.y1, 480);
	CHECK(cellcrop_geom(0, 0, 100, 100, 1.0f, 100, 100, &c) == 0);
	NEAR(c.side, 300);
	NEAR(c.x0, 0);
	NEAR(c.x1, 100);

	/* Refused: empty box, negative margin, empty image, off the image;
	 * the output is left untouched. */
	{
		struct cellcrop before = c;

		CHECK(cellcrop_geom(10, 10, 10, 20, 0.2f, 100, 100, &c) == -1);
		CHECK(cellcrop_geom(10, 10, 20, 20, -0.1f, 100, 100, &c) == -1);
		CHECK(cellcrop_geom(10, 10, 20, 20, 0.2f, 0, 100, &c) == -1);
		CHECK(cellcrop_geom(200, 200, 220, 220, 0.2f, 100, 100, &c) == -1);
		CHECK(cellcrop_geom(NAN, 10, 20, 20, 0.2f, 100, 100, &c) == -1);
		CHECK(memcmp(&c, &before, sizeof c) == 0);
	}
}

static void
test_sample(void)
{
	enum { W = 40, H = 30, N = 8 };
	unsigned char rgb[W * H * 3];
	float out[3 * N * N];
	struct cellcrop c;

	/* A uniform image samples to its value inside, 0.5 outside. */
	memset(rgb, 200, sizeof rgb);
	CHECK(cellcrop_geom(0, 0, 20, 20, 0, W, H, &c) == 0);
	cellcrop_sample(rgb, W, H, &c, N, out);
	NEAR(out[0], 200 / 255.0f);
	NEAR(out[2 * N * N + N * N - 1], 200 / 255.0f);
	/* Box at the left edge with margin: the left quarter is off the image. */
	CHECK(cellcrop_geom(0, 5, 20, 25, 0.5f, W, H, &c) == 0);
	cellcrop_sample(rgb, W, H, &c, N, out);
	NEAR(out[(N / 2) * N + 0], 0.5f);
	NEAR(out[(N / 2) * N + N / 2], 200 / 255.0f);

	/* Left half black, right half white: the averaged footprint keeps
	 * the edge between the two middle output columns. */
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			memset(&rgb[(y * W + x) * 3], x < 20 ? 0 : 255, 3);
	CHECK(cellcrop_geom(12, 7, 28, 23, 0, W, H, &c) == 0);
	cellcrop_sample(rgb, W, H, &c, N, out);
	CHECK(out[3 * N + 0] < 0.01f && out[3 * N + N - 1] > 0.99f);
	CHECK(out[3 * N + N / 2 - 2] < 0.05f && out[3 * N + N / 2 + 1] > 0.95f);
}

/* A uniform draw in [0, 1) from a fixed-seed xorshift. */
static double
urand(unsigned long long *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return (double)(*st >> 11) / 9007199254740992.0;
}

/*
 * The fast sampler (rows interpolated once, vector sums) gives the same
 * bytes as the straightforward one on random crops: every footprint k
 * from 1 to 8 and beyond, boxes cut by each border, sides not a multiple
 * of 4, and a crop too large for the fast path's tables.
 */
static void
test_sample_same(void)
{
	enum { W = 173, H = 131 };
	static unsigned char rgb[W * H * 3];
	static float a[3 * 300 * 300], b[3 * 300 * 300];
	static const int ns[] = { 96, 48, 7, 33, 1, 300 };
	unsigned long long st = 0x2545F4914F6CDD1DULL;
	struct cellcrop c;
	int	 same = 0, tried = 0;

	for (size_t i = 0; i < sizeof rgb; i++)
		rgb[i] = (unsigned char)(urand(&st) * 256);
	for (int t = 0; t < 240; t++) {
		int	 n = ns[t % 6];
		float	 x0 = (float)(urand(&st) * 1.4 * W - 0.2 * W);
		float	 y0 = (float)(urand(&st) * 1.4 * H - 0.2 * H);
		float	 sz = (float)(1 + urand(&st) * (t % 3 ? 120 : 900));

		if (cellcrop_geom(x0, y0, x0 + sz, y0 + sz * 0.8f, 0.2f, W, H,
		    &c) == -1)
			continue;
		tried++;
		memset(a, 0xAB, sizeof a);
		memset(b, 0xCD, sizeof b);
		cellcrop_sample(rgb, W, H, &c, n, a);
		cellcrop_sample_ref(rgb, W, H, &c, n, b);
		same += memcmp(a, b, 3 * (size_t)n * n * sizeof(float)) == 0;
	}
	CHECK(tried > 150);
	CHECK(same == tried);
	printf("# sampler: %d of %d random crops byte-identical\n", same,
	    tried);
}

/*
 * Synthetic logits: true logits u (3 classes), the label drawn from
 * softmax(u), and a model that reports 2.5 u (over-confident).  The
 * fitted temperature must find 2.5 back, and lower both the likelihood
 * loss and the calibration error; the ECE of a hand-made set is exact.
 */
static void
test_calibration(void)
{
	enum { N = 20000, K = 3 };
	static float z[N * K];
	static int y[N];
	static float conf[N];
	static unsigned char ok[N];
	unsigned long long st = 0x9E3779B97F4A7C15ULL;
	float	 u[K], p[K], hc[4] = { 0.9f, 0.9f, 0.6f, 0.6f };
	unsigned char hok[4] = { 1, 0, 1, 1 };
	double	 t, r, e1 = NAN, et = NAN;

	for (int i = 0; i < N; i++) {
		for (int k = 0; k < K; k++)
			u[k] = (float)(4 * urand(&st) - 2);
		wbcood_softmax(u, K, 1, p);
		r = urand(&st);
		y[i] = r < p[0] ? 0 : r < p[0] + p[1] ? 1 : 2;
		for (int k = 0; k < K; k++)
			z[i * K + k] = 2.5f * u[k];
	}
	t = clscalib_fit_temperature(z, y, N, K);
	CHECK(fabs(t - 2.5) < 0.1);
	CHECK(clscalib_nll(z, y, N, K, t) < clscalib_nll(z, y, N, K, 1));
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++) {
			int best = 0;

			wbcood_softmax(z + i * K, K, pass ? t : 1, p);
			for (int k = 1; k < K; k++)
				if (p[k] > p[best])
					best = k;
			conf[i] = p[best];
			ok[i] = best == y[i];
		}
		if (pass == 0)
			e1 = clscalib_ece(conf, ok, N, 15);
		else
			et = clscalib_ece(conf, ok, N, 15);
	}
	CHECK(e1 > 0.05 && et < 0.02 && et < e1 / 3);
	/* bins: 0.9 (accuracy 0.5) and 0.6 (accuracy 1): 0.4 x 2/4 twice */
	NEAR(clscalib_ece(hc, hok, 4, 10), 0.4);
	CHECK(isnan(clscalib_ece(hc, hok, 0, 10)));
	CHECK(isnan(clscalib_fit_temperature(z, y, 0, K)));
	/* temperature 1 on its own logits: a softmax sums to 1 */
	wbcood_softmax(z, K, 1, p);
	NEAR(p[0] + p[1] + p[2], 1);
	NEAR(clscalib_quantile(hc, 4, 0), 0.6f);
	NEAR(clscalib_quantile(hc, 4, 1), 0.9f);
}

/* A 3-class model with every test, from JSON text. */
static struct wbcood *
model(const char *extra)
{
	static const char *names[3] = { "neutrophil", "lymphocyte", "platelet" };
	char	 buf[1024], err[256];
	json_t	*j;
	struct wbcood *m;

	snprintf(buf, sizeof(buf), "{\"classes\":[\"neutrophil\","
	    "\"lymphocyte\",\"platelet\"],\"temperature\":2,"
	    "\"min_confidence\":0.7,\"reject\":[\"platelet\"],"
	    "\"energy_max\":-1,\"features\":{\"scale\":[1,2],\"means\":"
	    "[[0,0],[10,0],[0,10]],\"max_distance\":1},\"stain\":{\"mean\":"
	    "[0.9,0.9,0.9,1,1,1,0.3,0.3,0.3],\"sd\":[0.01,0.01,0.01,0.1,0.1,"
	    "0.1,0.05,0.05,0.05],\"max_z\":4}%s}", extra);
	j = json_loads(buf, 0, NULL);
	m = wbcood_from_json(j, names, 3, err, sizeof(err));
	json_decref(j);
	return m;
}

/* The abstention rule on chosen numbers: each reason, in its order. */
static void
test_rule(void)
{
	static const char *names[3] = { "neutrophil", "lymphocyte", "platelet" };
	struct wbcood_verdict v;
	struct wbcood *m = model(""), *bad;
	float	 z[3] = { 8, 2, 0 }, near0[2] = { 0.5f, 0.5f };
	float	 far[2] = { 5, 5 };
	float	 st[9] = { 0.9f, 0.9f, 0.9f, 1, 1, 1, 0.3f, 0.3f, 0.3f };
	char	 err[256];
	json_t	*j;

	CHECK(m != NULL);
	/* typed: calibrated at T = 2: e^3 / (e^3 + e^0 + e^-1) */
	CHECK(wbcood_judge(m, z, near0, 2, st, 0, &v) == WBCOOD_TYPED);
	CHECK(v.cls == 0);
	NEAR(v.conf, exp(3) / (exp(3) + 1 + exp(-1)));
	NEAR(v.energy, -(8 + log(1 + exp(-6) + exp(-8))));
	NEAR(v.dist, sqrt((0.25 + 0.0625) / 2));
	/* a strong stain shift: background bluer by 10 sd */
	st[2] = 1.0f;
	CHECK(wbcood_judge(m, z, near0, 2, st, 0, &v) == WBCOOD_STAIN);
	CHECK_STR(wbcood_reason_name(v.reason), "stain_unlike_training");
	NEAR(v.stain_z, 10);
	/* cut wins over everything */
	CHECK(wbcood_judge(m, z, near0, 2, st, 1, &v) == WBCOOD_CROP_CUT);
	CHECK_STR(wbcood_reason_name(v.reason), "crop_cut");
	st[2] = 0.9f;
	/* features far from every class mean */
	CHECK(wbcood_judge(m, z, far, 2, st, 0, &v) == WBCOOD_UNLIKE);
	/* high energy (weak logits: -log(e^-1 + e^-1.2 + e^-2) > -1) */
	CHECK(wbcood_judge(m, (float[]){ -1, -1.2f, -2 }, near0, 2, st, 0,
	    &v) == WBCOOD_UNLIKE);
	/* the reject class */
	z[0] = 0;
	z[2] = 9;
	CHECK(wbcood_judge(m, z, near0, 2, st, 0, &v) == WBCOOD_REJECTED);
	/* unsure: 9 vs 8.5 at T = 2 */
	z[2] = 0;
	z[0] = 9;
	z[1] = 8.5f;
	CHECK(wbcood_judge(m, z, near0, 2, st, 0, &v) == WBCOOD_LOW_CONF);
	CHECK_STR(wbcood_reason_name(v.reason), "low_confidence");
	CHECK(v.conf < 0.7f);
	/* no stain statistics, no features: those tests are skipped */
	CHECK(wbcood_judge(m, (float[]){ 9, 1, 0 }, NULL, 0, NULL, 0, &v) ==
	    WBCOOD_TYPED);
	wbcood_free(m);
	/* normalising: the background colour is no longer tested */
	m = model(",\"normalise_background\":[0.8,0.8,0.9]");
	CHECK(m != NULL);
	st[2] = 1.0f;
	CHECK(wbcood_judge(m, (float[]){ 9, 1, 0 }, near0, 2, st, 0, &v) ==
	    WBCOOD_TYPED);
	wbcood_free(m);
	/* bad files: a clear error, no model */
	j = json_loads("{\"classes\":[\"a\",\"b\",\"c\"],"
	    "\"temperature\":1,\"min_confidence\":0.5}", 0, NULL);
	bad = wbcood_from_json(j, names, 3, err, sizeof(err));
	CHECK(bad == NULL && strstr(err, "classes") != NULL);
	json_decref(j);
	j = json_loads("{\"classes\":[\"neutrophil\",\"lymphocyte\","
	    "\"platelet\"],\"temperature\":-1,\"min_confidence\":0.5}", 0,
	    NULL);
	bad = wbcood_from_json(j, names, 3, err, sizeof(err));
	CHECK(bad == NULL && strstr(err, "temperature") != NULL);
	json_decref(j);
	/* the uncalibrated default: T 1, minimum 0.6, platelet rejected */
	m = wbcood_default(names, 3);
	CHECK(wbcood_judge(m, (float[]){ 0, 0, 5 }, NULL, 0, NULL, 0, &v) ==
	    WBCOOD_REJECTED);
	CHECK(wbcood_judge(m, (float[]){ 1, 0.8f, 0 }, NULL, 0, NULL, 0, &v) ==
	    WBCOOD_LOW_CONF);
	wbcood_free(m);
	CHECK(wbcood_cut(0, 10, 50, 60, 640, 480) == 1);
	CHECK(wbcood_cut(10, 10, 50, 479, 640, 480) == 1);
	CHECK(wbcood_cut(10, 10, 50, 60, 640, 480) == 0);
}

/* Stain statistics and white balance on a drawn crop. */
static void
test_stain(void)
{
	enum { N = 32 };
	static float in[3 * N * N], st[9], st2[9];
	static const char *names[1] = { "x" };
	struct wbcood *m;
	json_t	*j;
	char	 err[256];

	/* background (0.9, 0.8, 0.7), a dark disc (0.3, 0.2, 0.5) */
	for (int c = 0; c < 3; c++)
		for (int p = 0; p < N * N; p++) {
			int x = p % N - N / 2, y = p / N - N / 2;
			int disc = x * x + y * y < 64;

			in[c * N * N + p] = disc ? (c == 0 ? 0.3f : c == 1 ?
			    0.2f : 0.5f) : 0.9f - 0.1f * c;
		}
	CHECK(wbcood_stain(in, N, NULL, st) == 0);
	NEAR(st[0], 0.9f);
	NEAR(st[2], 0.7f);
	NEAR(st[3], -log(0.3 / 0.9));
	NEAR(st[5], -log(0.5 / 0.7));
	/* white balance to (0.8, 0.8, 0.8): the background moves, the
	 * optical densities against it stay */
	j = json_loads("{\"classes\":[\"x\"],\"temperature\":1,"
	    "\"min_confidence\":0.5,\"normalise_background\":[0.8,0.8,0.8]}",
	    0, NULL);
	m = wbcood_from_json(j, names, 1, err, sizeof(err));
	json_decref(j);
	CHECK(m != NULL && wbcood_normalise(m, in, N, NULL) == 0);
	CHECK(wbcood_stain(in, N, NULL, st2) == 0);
	NEAR(st2[0], 0.8f);
	NEAR(st2[2], 0.8f);
	CHECK(fabs(st2[3] - st[3]) < 1e-5 && fabs(st2[5] - st[5]) < 1e-5);
	wbcood_free(m);
	CHECK(wbcood_stain(in, 8, NULL, st) == -1);	/* 64 pixels < 100 */
}

/* The per-pixel test the stain statistics used before (wbcood.c's span). */
static int
ref_inside(const struct cellcrop *g, int side, int u, int v)
{
	float	 step = g->side / side;
	float	 cx = g->sx0 + (u + 0.5f) * step, cy = g->sy0 + (v + 0.5f) * step;

	return cx >= g->x0 && cx < g->x1 && cy >= g->y0 && cy < g->y1;
}

/*
 * The optical densities as the plain loop took them: -log(max(x, 1e-3)
 * / bg) per pixel in the image, averaged; bg from wbcood_stain's own
 * stats[0..2] (their pixels are checked by the count below).
 */
static void
ref_od(const float *in, int side, const struct cellcrop *g, const float *st,
    double *od, long *n)
{
	size_t	 plane = (size_t)side * side;

	*n = 0;
	od[0] = od[1] = od[2] = 0;
	for (int v = 0; v < side; v++)
		for (int u = 0; u < side; u++) {
			if (!ref_inside(g, side, u, v))
				continue;
			(*n)++;
			for (int c = 0; c < 3; c++)
				od[c] -= log(fmax(in[c * plane + (size_t)v *
				    side + u], 1e-3) / (double)st[c]);
		}
	for (int c = 0; c < 3; c++)
		od[c] /= (double)*n;
}

/*
 * Stain statistics on random crops partly outside the image against the
 * plain per-pixel loop: the same pixels (a crop with under 100 inside
 * refused alike), mean optical densities within 2e-6 (float stats of a
 * double sum taken 32 pixels a log at a time).
 */
static void
test_stain_same(void)
{
	enum { W = 120, H = 90 };
	static unsigned char rgb[W * H * 3];
	static float in[3 * 96 * 96], st[9];
	static const int ns[] = { 96, 48 };
	unsigned long long rs = 0x9E3779B97F4A7C15ULL;
	struct cellcrop g;
	double	 od[3], worst = 0;
	long	 n;
	int	 tried = 0, agree = 0;

	for (size_t i = 0; i < sizeof rgb; i++)
		rgb[i] = (unsigned char)(urand(&rs) * 256);
	for (int t = 0; t < 200; t++) {
		int	 side = ns[t % 2], rc;
		float	 x0 = (float)(urand(&rs) * 1.4 * W - 0.3 * W);
		float	 y0 = (float)(urand(&rs) * 1.4 * H - 0.3 * H);
		float	 sz = (float)(10 + urand(&rs) * 80);

		if (cellcrop_geom(x0, y0, x0 + sz, y0 + sz, 0.2f, W, H,
		    &g) == -1)
			continue;
		cellcrop_sample(rgb, W, H, &g, side, in);
		rc = wbcood_stain(in, side, &g, st);
		ref_od(in, side, &g, st, od, &n);
		tried++;
		if (n < 100) {
			agree += rc == -1;
			continue;
		}
		if (rc != 0)
			continue;
		for (int c = 0; c < 3; c++)
			worst = fmax(worst, fabs(od[c] - st[6 + c]));
		agree += fabs(od[0] - st[6]) < 2e-6 &&
		    fabs(od[1] - st[7]) < 2e-6 && fabs(od[2] - st[8]) < 2e-6;
	}
	printf("# stain: %d of %d random crops as the per-pixel loop "
	    "(largest optical-density difference %.3g)\n", agree, tried,
	    worst);
	CHECK(tried > 100);
	CHECK(agree == tried);
}

int
main(void)
{
	test_confusion();
	test_geometry();
	test_sample();
	test_sample_same();
	test_calibration();
	test_rule();
	test_stain();
	test_stain_same();
	return check_done("test_cls");
}
