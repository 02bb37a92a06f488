/* test_countcal.c: the unbiased threshold chooser and the count-error model on synthetic fields */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clinical/countcal.h"

static int
near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/*
 * Two sources.  Source 0: 10 fields of 10 labelled cells, each with 10
 * true detections scored 0.60 and 2 false ones scored 0.30.  Source 1:
 * 10 fields of 10 cells with 8 true at 0.60, and 2 more true cells the
 * detector is unsure of at 0.35.  At 0.31..0.35 both are unbiased.
 */
static float s0[] = { .655f, .655f, .655f, .655f, .655f, .655f, .655f, .655f,
	.655f, .655f, .3f, .3f };
static float s1[] = { .655f, .655f, .655f, .655f, .655f, .655f, .655f, .655f,
	.35f, .35f };

static void
test_bias_and_choice(void)
{
	struct cc_field f[20];
	double worst;
	float t;
	long lab;

	for (int i = 0; i < 10; i++) {
		f[i] = (struct cc_field){ 0, 10, s0, 12 };
		f[10 + i] = (struct cc_field){ 1, 10, s1, 10 };
	}
	CHECK(cc_count(&f[0], 0.3f) == 12);
	CHECK(cc_count(&f[0], 0.31f) == 10);
	CHECK(near(cc_bias(f, 20, 0, 0.2f, &lab), 0.2, 1e-9) && lab == 100);
	CHECK(near(cc_bias(f, 20, 1, 0.5f, NULL), -0.2, 1e-9));
	CHECK(near(cc_bias(f, 20, -1, 0.5f, NULL), -0.1, 1e-9));
	t = cc_choose(f, 20, 2, 0.05f, 0.95f, 0.01f, 30, &worst);
	/* 0.31..0.35 give bias 0 on both; ties go to the higher threshold. */
	CHECK(near(t, 0.35, 1e-4));
	CHECK(near(worst, 0, 1e-9));
	/* With a tolerance of 0.25: up to 0.65 the worst bias is 0.2 at most
	 * (source 1's -0.2 above 0.35), 0.66 and up count nothing. */
	t = cc_choose_tol(f, 20, 2, 0.05f, 0.95f, 0.01f, 30, 0.25, &worst);
	CHECK(near(t, 0.65, 1e-4));
	CHECK(near(worst, 0.2, 1e-9));
	/* A tolerance of 0 is cc_choose(). */
	CHECK(near(cc_choose_tol(f, 20, 2, 0.05f, 0.95f, 0.01f, 30, 0, &worst),
	    0.35, 1e-4));
	/* No labelled cell anywhere: no choice. */
	for (int i = 0; i < 20; i++)
		f[i].label = 0;
	CHECK(cc_choose(f, 20, 2, 0.05f, 0.95f, 0.01f, 30, &worst) < 0);
	CHECK(isnan(cc_bias(f, 20, -1, 0.5f, NULL)));
}

/*
 * Error model: 40 fields with L = 10, 20, 30, 40 (ten each), counted
 * n = L + e where e alternates +d and -d, d^2 = (0.1 L)^2 + 2^2.  The
 * pooled bias is 0, and the fit recovers s = 0.1, a = 2.
 */
static void
test_error_fit(void)
{
	struct cc_field f[40];
	static float score[64];
	struct cc_error e;

	for (int k = 0; k < 64; k++)
		score[k] = 0.9f;
	for (int i = 0; i < 40; i++) {
		int L = 10 * (1 + i / 10);
		double d = sqrt(0.01 * L * L + 4);
		/* counts are whole: the rounding is why the checks are loose */
		int n = (int)lround(L + (i % 2 ? d : -d));

		f[i] = (struct cc_field){ 0, L, score, (size_t)n };
	}
	cc_error_fit(f, 40, 0.5f, &e);
	CHECK(e.fields == 40);
	CHECK(near(e.bias, 0, 0.01));
	CHECK(near(e.sd_rel, 0.1, 0.02));
	CHECK(near(e.sd_abs, 2, 0.5));
	/* A constant error: all in the bias, nothing left to spread. */
	for (int i = 0; i < 40; i++)
		f[i].n = (size_t)(f[i].label + f[i].label / 10);
	cc_error_fit(f, 40, 0.5f, &e);
	CHECK(near(e.bias, 0.1, 1e-9));
	CHECK(near(e.sd_rel, 0, 1e-6) && near(e.sd_abs, 0, 1e-6));
}

static void
test_field_stats(void)
{
	static float score[16];
	struct cc_field f[4];
	struct cc_fields st;

	for (int k = 0; k < 16; k++)
		score[k] = 0.9f;
	f[0] = (struct cc_field){ 0, 10, score, 10 };	/* exact */
	f[1] = (struct cc_field){ 0, 10, score, 9 };	/* -10 %: within 10 */
	f[2] = (struct cc_field){ 0, 10, score, 12 };	/* +20 %: within 20 */
	f[3] = (struct cc_field){ 0, 0, score, 1 };	/* none labelled, one counted */
	cc_field_stats(f, 4, 0, 0.5f, &st);
	CHECK(st.n == 4 && st.n_lab == 3);
	CHECK(near(st.mean_rel, (0 - 0.1 + 0.2) / 3, 1e-9));
	CHECK(near(st.mape, 100 * 0.3 / 3, 1e-9));
	CHECK(near(st.within10, 2 / 4.0, 1e-9));
	CHECK(near(st.within20, 3 / 4.0, 1e-9));
}

int
main(void)
{
	test_bias_and_choice();
	test_error_fit();
	test_field_stats();
	return check_done("test_countcal");
}
