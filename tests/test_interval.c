/* test_interval.c: count and estimate intervals against hand-worked values */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clinical/interval.h"
#include "clinical/countest.h"
#include "check.h"

static void
err_set(struct interval_error *e, double b, double s, double a)
{
	memset(e, 0, sizeof(*e));
	e->valid = 1;
	e->bias = b;
	e->sd_rel = s;
	e->sd_abs = a;
}

static void
test_count(void)
{
	struct interval_error	 e;
	struct interval		 iv;

	/*
	 * n 100, b -0.10, s 0.05, a 2: centre 100 / 0.9 = 111.111; s x c =
	 * 5.5556, squared 30.864, + a^2 4 = 34.864, root 5.9046, x 1.96 =
	 * 11.573: [99.54, 122.68] -> 100 to 123, centre 111.
	 */
	err_set(&e, -0.10, 0.05, 2);
	CHECK(interval_count(100, &e, &iv) == 0);
	CHECK(iv.centre == 111 && iv.lo == 100 && iv.hi == 123);
	/*
	 * n 118, b 0, s 0.05, a 1: s x c 5.9, squared 34.81 + 1 = 35.81,
	 * root 5.9841 x 1.96 = 11.729: [106.27, 129.73] -> 106 to 130.
	 */
	err_set(&e, 0, 0.05, 1);
	CHECK(interval_count(118, &e, &iv) == 0);
	CHECK(iv.centre == 118 && iv.lo == 106 && iv.hi == 130);
	/* n 0, a 1.5: half-width 2.94: -3 floored to 0, to 3 */
	err_set(&e, 0.10, 0.10, 1.5);
	CHECK(interval_count(0, &e, &iv) == 0);
	CHECK(iv.centre == 0 && iv.lo == 0 && iv.hi == 3);
	/* an over-counting detector: n 30, b +0.25: centre 24 */
	err_set(&e, 0.25, 0.10, 0);
	CHECK(interval_count(30, &e, &iv) == 0);
	/* s x c 2.4 x 1.96 = 4.704: [19.30, 28.70] -> 19 to 29 */
	CHECK(iv.centre == 24 && iv.lo == 19 && iv.hi == 29);
	/* no spread: the corrected count itself */
	err_set(&e, 0, 0, 0);
	CHECK(interval_count(3, &e, &iv) == 0);
	CHECK(iv.centre == 3 && iv.lo == 3 && iv.hi == 3);
	/* no measured error, or a bad count: none */
	e.valid = 0;
	CHECK(interval_count(100, &e, &iv) == -1);
	CHECK(iv.lo == 0 && iv.hi == 0);
	err_set(&e, 0, 0.05, 1);
	CHECK(interval_count(-1, &e, &iv) == -1);
	CHECK(interval_count(NAN, &e, &iv) == -1);
	CHECK(interval_count(1, NULL, &iv) == -1);
}

static int
near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

static void
test_estimate(void)
{
	struct interval_error	 e;
	struct interval_est_in	 in;
	struct interval		 iv;

	/*
	 * 400 cells in 10 frames, 10,000 /uL a cell, factor SD 0.17; b 0,
	 * s 0.05, a 2.  Relative variance: 1/400 = 0.0025, s^2 = 0.0025,
	 * 10 x 4 / 400^2 = 0.00025, 0.17^2 = 0.0289: 0.03415, root
	 * 0.18480, x 1.96 = 0.36220.  Centre 4,000,000: 2,551,190 to
	 * 5,448,810.
	 */
	err_set(&e, 0, 0.05, 2);
	in = (struct interval_est_in){ 400, 10, 10000, 0.17 };
	CHECK(interval_estimate(&in, &e, &iv) == 0);
	CHECK(near(iv.centre, 4000000, 0.5));
	CHECK(near(iv.lo, 2551190, 2));
	CHECK(near(iv.hi, 5448810, 2));
	/*
	 * The same, b +0.10 and 50 cells in 5 frames, 1,000 /uL a cell, no
	 * factor spread, s 0.10, a 1: corrected count 45.4545; 1 / 45.4545
	 * = 0.022, s^2 0.01, 5 x 1 / 2066.12 = 0.00242: 0.03442, root
	 * 0.18553, x 1.96 = 0.36364.  Centre 45,454.5: 28,925.8 to
	 * 61,983.3.
	 */
	err_set(&e, 0.10, 0.10, 1);
	in = (struct interval_est_in){ 50, 5, 1000, 0 };
	CHECK(interval_estimate(&in, &e, &iv) == 0);
	CHECK(near(iv.centre, 45454.5, 0.1));
	CHECK(near(iv.lo, 28925.8, 0.2));
	CHECK(near(iv.hi, 61983.3, 0.2));
	/* nothing counted: 0 to 3.689 cells' worth */
	err_set(&e, 0, 0.05, 1);
	in = (struct interval_est_in){ 0, 10, 15000, 0.1 };
	CHECK(interval_estimate(&in, &e, &iv) == 0);
	CHECK(iv.centre == 0 && iv.lo == 0 && near(iv.hi, 55335, 0.5));
	/* a wide spread never goes below 0 */
	err_set(&e, 0, 0.9, 0);
	in = (struct interval_est_in){ 4, 1, 100, 0 };
	CHECK(interval_estimate(&in, &e, &iv) == 0);
	CHECK(iv.lo == 0 && iv.hi > iv.centre);
	/* refused */
	e.valid = 0;
	CHECK(interval_estimate(&in, &e, &iv) == -1);
	err_set(&e, 0, 0.05, 1);
	in.per_cell = -1;
	CHECK(interval_estimate(&in, &e, &iv) == -1);
	in.per_cell = INFINITY;
	CHECK(interval_estimate(&in, &e, &iv) == -1);
}

static void
test_side(void)
{
	struct interval	 iv = { 3.5e6, 3.0e6, 3.9e6 };

	CHECK(interval_side(&iv, 4.0e6, 5.5e6) == -1);	/* wholly low */
	CHECK(interval_side(&iv, 3.8e6, 5.5e6) == 0);	/* across low */
	CHECK(interval_side(&iv, 2.0e6, 2.9e6) == 1);	/* wholly high */
	CHECK(interval_side(&iv, 2.0e6, 3.2e6) == 0);	/* across high */
	CHECK(interval_side(&iv, 2.0e6, 5.0e6) == 0);	/* inside */
}

static void
test_json(void)
{
	struct interval_error	 e;
	json_t			*ce, *counts, *o;

	ce = json_loads("{\"RBC\": {\"bias\": -0.1, \"sd_rel\": 0.05, "
	    "\"sd_abs\": 2, \"fields\": 120, \"sources\": \"bccd-complete "
	    "val\"}, \"WBC\": {\"bias\": -1, \"sd_rel\": 0.1, \"sd_abs\": 0},"
	    " \"Platelets\": {\"bias\": 0, \"sd_rel\": 0.1}}", 0, NULL);
	CHECK(ce != NULL);
	CHECK(interval_error_parse(ce, "RBC", &e) == 0);
	CHECK(e.valid && e.bias == -0.1 && e.sd_rel == 0.05 &&
	    e.sd_abs == 2 && e.fields == 120);
	CHECK_STR(e.sources, "bccd-complete val");
	CHECK(interval_error_parse(ce, "WBC", &e) == -1 && !e.valid);
	CHECK(interval_error_parse(ce, "Platelets", &e) == -1);
	CHECK(interval_error_parse(ce, "Other", &e) == -1);
	CHECK(interval_error_parse(NULL, "RBC", &e) == -1);

	counts = json_pack("{s:i,s:i,s:i}", "RBC", 100, "WBC", 1,
	    "Platelets", 4);
	o = interval_counts_json(counts, ce);
	CHECK(o != NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(o, "RBC"),
	    "lo")) == 100);
	CHECK(json_integer_value(json_object_get(json_object_get(o, "RBC"),
	    "hi")) == 123);
	CHECK(json_integer_value(json_object_get(json_object_get(o, "RBC"),
	    "count")) == 100);
	CHECK(json_object_get(json_object_get(o, "WBC"), "lo") == NULL);
	CHECK(json_is_string(json_object_get(json_object_get(o, "WBC"),
	    "unavailable")));
	json_decref(o);
	/* a model without count_error: every class unavailable */
	o = interval_counts_json(counts, NULL);
	CHECK(o != NULL && json_is_string(json_object_get(json_object_get(o,
	    "RBC"), "unavailable")));
	json_decref(o);
	json_decref(counts);
	json_decref(ce);
}

/* The summary's side: frame counts read back, the estimate's interval, flags. */
static void
test_countest(void)
{
	struct clinical_profile	 p;
	struct est_range	 rg;
	struct interval		 iv;
	const char		*why;
	double			 fr[EST_NCLASS], ratio;
	json_t			*r, *ce, *o;

	r = json_loads("{\"frame\": {\"valid\": true, \"area_px\": 100000, "
	    "\"field_area_px\": 307200, \"counts\": {\"RBC\": 12, \"WBC\": 1, "
	    "\"Platelets\": 0}}}", 0, NULL);
	CHECK(countest_frame_read(r, fr, &ratio) == 0);
	CHECK(fr[EST_RBC] == 12 && fr[EST_WBC] == 1 && fr[EST_PLT] == 0);
	CHECK(ratio == 3.072);
	json_object_set_new(json_object_get(r, "frame"), "valid",
	    json_false());
	CHECK(countest_frame_read(r, fr, &ratio) == -1 && ratio == 0 &&
	    fr[EST_RBC] == 0);
	json_decref(r);
	CHECK(countest_frame_read(NULL, fr, &ratio) == -1);

	memset(&p, 0, sizeof(p));
	p.factor_sd_rel = 0.17;
	p.factor_sd_unverified = 1;
	ce = json_loads("{\"RBC\": {\"bias\": 0, \"sd_rel\": 0.05, "
	    "\"sd_abs\": 2, \"fields\": 40, \"sources\": \"x val\"}}", 0, NULL);
	/* test_estimate()'s first case: 2,551,190 to 5,448,810 */
	o = countest_interval(ce, EST_RBC, 400, 10, 10000, &p, &iv, &why);
	CHECK(why == NULL && json_is_object(o));
	CHECK(json_integer_value(json_object_get(o, "lo")) == 2551190);
	CHECK(json_integer_value(json_object_get(o, "hi")) == 5448810);
	CHECK(json_is_true(json_object_get(json_object_get(o, "components"),
	    "factor_sd_unverified")));
	json_decref(o);
	/* no measured error for WBC: null, and why */
	o = countest_interval(ce, EST_WBC, 20, 10, 100, &p, &iv, &why);
	CHECK(json_is_null(o) && why != NULL && iv.hi == 0);
	CHECK_STR(countest_unavailable_code(why), "interval_no_count_error");
	json_decref(o);

	/* RBC 4.0-5.5 M/uL; the interval 2.55-5.45 M reaches across 4.0 M */
	memset(&rg, 0, sizeof(rg));
	rg.low = 4.0e6;
	rg.high = 5.5e6;
	iv = (struct interval){ 4.0e6, 2551190, 5448810 };
	o = countest_cannot_tell(EST_RBC, EST_FLAG_LOW, &rg, &iv);
	CHECK(o != NULL);
	CHECK_STR(json_string_value(json_object_get(o, "flag")),
	    "cannot_tell");
	CHECK_STR(json_string_value(json_object_get(o, "point_flag")), "low");
	json_decref(o);
	/* wholly below the range: the low flag stands */
	iv = (struct interval){ 3.0e6, 2.6e6, 3.4e6 };
	CHECK(countest_cannot_tell(EST_RBC, EST_FLAG_LOW, &rg, &iv) == NULL);
	/* high, with the interval reaching down into the range */
	iv = (struct interval){ 6.0e6, 5.0e6, 7.0e6 };
	o = countest_cannot_tell(EST_RBC, EST_FLAG_HIGH, &rg, &iv);
	CHECK(o != NULL);
	json_decref(o);
	CHECK(countest_cannot_tell(EST_RBC, EST_FLAG_NORMAL, &rg, &iv) ==
	    NULL);
	CHECK(countest_cannot_tell(EST_RBC, EST_FLAG_LOW, NULL, &iv) == NULL);
	json_decref(ce);
}

int
main(void)
{
	test_countest();
	test_count();
	test_estimate();
	test_side();
	test_json();
	return check_done("test_interval");
}
