/* test_estimates.c: hand-computed cases for estimates.c and the shipped reference data */
/*
 * The WHO boundaries are tested through etc/reference-ranges.json as
 * shipped, so a typo in the data file fails here just like a bug in the
 * code.  Every expected number below is worked out by hand in a comment.
 */

#include "clinical.h"
#include "estimates.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define NEAR(a, b, eps)	CHECK(fabs((a) - (b)) <= (eps))
#define EST_TEST_PI	3.14159265358979323846	/* M_PI is POSIX, not C11 */

static struct clinical *clin;

static void
test_chamber(void)
{
	/*
	 * Textbook Neubauer RBC count: 5 medium squares of the central
	 * square (each 0.2 x 0.2 mm = 0.04 mm^2, 0.2 mm^2 in all), depth
	 * 0.1 mm, dilution 1:200, 500 cells counted:
	 * 500 / (0.2 x 0.1) x 200 = 500 x 50 x 200 = 5,000,000 /uL.
	 */
	NEAR(est_chamber_per_ul(500, 0.2, 0.1, 200), 5000000, 1e-6);
	/* WBC: 4 large corner squares (4 mm^2), 1:20, 150 cells: 7,500 /uL. */
	NEAR(est_chamber_per_ul(150, 4.0, 0.1, 20), 7500, 1e-9);
	CHECK(est_chamber_per_ul(10, 0, 0.1, 200) < 0);
	CHECK(est_chamber_per_ul(10, 0.2, 0, 200) < 0);
	CHECK(est_chamber_per_ul(10, 0.2, 0.1, 0) < 0);
	/* 400 x 400 px at 0.5 um/px = 200 x 200 um = 0.04 mm^2. */
	NEAR(est_image_area_mm2(400, 400, 0.5), 0.04, 1e-12);
}

static void
test_smear(void)
{
	double		 plt[] = { 1, 2, 1, 2, 1 };
	struct est_stats st;

	/* Mean 7 / 5 = 1.4 platelets per image; 20 images per oil field;
	 * factor 15,000: 1.4 x 20 x 15,000 = 420,000 /uL. */
	est_stats(plt, 5, &st);
	NEAR(st.mean, 1.4, 1e-12);
	NEAR(est_smear_per_ul(st.mean, 20, 15000), 420000, 1e-6);
	/* Same with a 20,000 factor (wedge smear): 560,000. */
	NEAR(est_smear_per_ul(1.4, 20, 20000), 560000, 1e-6);
	NEAR(est_smear_per_ul(0, 20, 15000), 0, 0);
	CHECK(est_smear_per_ul(1, 0, 15000) < 0);
	/*
	 * Field share from a calibration: field diameter 180 um (FN 18,
	 * 100x), 640 x 480 px at 0.1 um/px = 64 x 48 um = 3072 um^2;
	 * pi x 90^2 = 25446.9 um^2; 25446.9 / 3072 = 8.2835 images/field.
	 */
	NEAR(est_images_per_field(640, 480, 0.1, 180), 8.2835, 1e-4);
	CHECK(est_images_per_field(640, 480, 0, 180) < 0);
	/*
	 * From a measured field of view: a circle of radius 300 px at
	 * 0.1 um/px is pi x 30^2 = 2827.43 um^2; pi x 90^2 / (pi x 30^2)
	 * = 9 images per field exactly.
	 */
	NEAR(est_images_per_field_area(EST_TEST_PI * 900, 180), 9, 1e-12);
	NEAR(est_images_per_field_area(3072, 180), 8.2835, 1e-4);
	CHECK(est_images_per_field_area(0, 180) < 0);
	CHECK(est_images_per_field_area(3072, 0) < 0);
}

static void
test_stats(void)
{
	double		 x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	double		 one[] = { 7 };
	struct est_stats st;

	/*
	 * n 8, total 40, mean 5; squares of deviations 9+1+1+1+0+0+4+16 = 32;
	 * SD = sqrt(32 / 7) = 2.13809; t(0.975, 7) = 2.365;
	 * half-width = 2.365 x 2.13809 / sqrt(8) = 1.78777.
	 */
	est_stats(x, 8, &st);
	CHECK(st.n == 8);
	NEAR(st.total, 40, 0);
	NEAR(st.mean, 5, 1e-12);
	NEAR(st.sd, 2.13809, 1e-5);
	NEAR(st.t, 2.365, 0);
	CHECK(st.has_ci);
	NEAR(st.ci_lo, 5 - 1.78777, 1e-4);
	NEAR(st.ci_hi, 5 + 1.78777, 1e-4);

	est_stats(one, 1, &st);
	CHECK(!st.has_ci);
	NEAR(st.mean, 7, 0);
	est_stats(NULL, 0, &st);
	CHECK(st.n == 0 && !st.has_ci && st.mean == 0);

	/* Lower bound clamped at 0: {0, 0, 3}: mean 1, SD sqrt(3),
	 * half = 4.303 x 1.732 / 1.732 = 4.303. */
	{
		double	 y[] = { 0, 0, 3 };

		est_stats(y, 3, &st);
		NEAR(st.ci_lo, 0, 0);
		NEAR(st.ci_hi, 1 + 4.303, 1e-9);
	}

	NEAR(est_t975(1), 12.706, 0);
	NEAR(est_t975(9), 2.262, 0);
	NEAR(est_t975(30), 2.042, 0);
	NEAR(est_t975(35), 2.042, 0);	/* next lower row: conservative */
	NEAR(est_t975(60), 2.000, 0);
	NEAR(est_t975(500), 1.960, 0);
}

static void
test_stability(void)
{
	char	 why[200];

	CHECK(est_stable(200, 10, 200, 10, why, sizeof(why)) == 1);
	CHECK_STR(why, "");
	CHECK(est_stable(199, 10, 200, 10, why, sizeof(why)) == 0);
	CHECK(strstr(why, "199 RBC") != NULL);
	CHECK(est_stable(500, 9, 200, 10, why, sizeof(why)) == 0);
	CHECK(strstr(why, "9 fields") != NULL);
	CHECK(est_stable(20, 1, 200, 10, why, sizeof(why)) == 0);
	CHECK(strstr(why, "RBC") != NULL && strstr(why, "1 field ") != NULL);

	/* The same rule as bits, from which the summary's codes are made. */
	CHECK(est_stability(200, 10, 200, 10) == 0);
	CHECK(est_stability(199, 10, 200, 10) == EST_FEW_RBC);
	CHECK(est_stability(500, 9, 200, 10) == EST_FEW_FIELDS);
	CHECK(est_stability(20, 1, 200, 10) == (EST_FEW_RBC | EST_FEW_FIELDS));
	/* No room for the sentence: still the right answer. */
	CHECK(est_stable(20, 1, 200, 10, why, 0) == 0);
	CHECK(est_stable(200, 10, 200, 10, why, 0) == 1);
}

static void
test_fmt(void)
{
	/*
	 * Ties round away from zero, as round() does for the numbers sent
	 * beside the sentences (printf alone would print 104.2 and 2).
	 */
	static const struct {
		double		 v;
		int		 digits;
		const char	*want;
	} cases[] = {
		{ 420000.0, 0, "420000" }, { 4.0 / 3, 3, "1.333" },
		{ 1.5, 3, "1.5" }, { 20, 3, "20" }, { -0.0001, 1, "0" },
		{ 104.25, 1, "104.3" }, { 2.5, 0, "3" }, { -2.5, 0, "-3" },
		{ 0.0768, 6, "0.0768" },
	};
	char	 b[32];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		est_fmt(b, sizeof(b), cases[i].v, cases[i].digits);
		CHECK_STR(b, cases[i].want);
	}
}

static struct est_person
person(double age_months, enum est_sex sex, double hb)
{
	struct est_person	 p;

	memset(&p, 0, sizeof(p));
	p.age_months = age_months;
	p.sex = sex;
	p.hb_g_l = hb;
	p.packs_per_day = -1;
	return p;
}

static enum est_screen
screen(const struct est_person *p, double *adjusted)
{
	struct est_hb_result	 r;

	est_anaemia(p, &clin->rules, EST_FLAG_NONE, &r);
	if (adjusted != NULL)
		*adjusted = r.adjusted;
	return r.screen;
}

/* Below the cutoff: likely; at it: not indicated (WHO: "below"). */
static void
check_cutoff(double age_months, enum est_sex sex, int pregnant,
    int trimester, double cutoff, const char *group_id)
{
	struct est_person	 p = person(age_months, sex, cutoff - 1);
	struct est_hb_result	 r;

	p.pregnant = pregnant;
	p.trimester = trimester;
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK(r.screen == EST_SCREEN_LIKELY);
	CHECK(r.group != NULL && strcmp(r.group->id, group_id) == 0);
	if (r.group == NULL || strcmp(r.group->id, group_id) != 0)
		fprintf(stderr, "  age %g mo sex %d: group %s, want %s\n",
		    age_months, sex, r.group ? r.group->id : "none",
		    group_id);
	p.hb_g_l = cutoff;
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK(r.screen == EST_SCREEN_NOT_INDICATED);
	NEAR(r.group ? r.group->anaemia_below : -1, cutoff, 0);
}

static void
test_who_cutoffs(void)
{
	/* Children: age bands in completed months, either sex. */
	check_cutoff(6, EST_SEX_FEMALE, 0, 0, 105, "child_6_23m");
	check_cutoff(23, EST_SEX_MALE, 0, 0, 105, "child_6_23m");
	check_cutoff(24, EST_SEX_FEMALE, 0, 0, 110, "child_24_59m");
	check_cutoff(59, EST_SEX_UNKNOWN, 0, 0, 110, "child_24_59m");
	check_cutoff(60, EST_SEX_MALE, 0, 0, 115, "child_5_11y");
	check_cutoff(11 * 12 + 11, EST_SEX_FEMALE, 0, 0, 115, "child_5_11y");
	check_cutoff(12 * 12, EST_SEX_FEMALE, 0, 0, 120, "child_12_14y");
	check_cutoff(14 * 12 + 11, EST_SEX_MALE, 0, 0, 120, "child_12_14y");
	/* 15 years: split by sex. */
	check_cutoff(15 * 12, EST_SEX_FEMALE, 0, 0, 120, "women_15y");
	check_cutoff(40 * 12, EST_SEX_FEMALE, 0, 0, 120, "women_15y");
	check_cutoff(15 * 12, EST_SEX_MALE, 0, 0, 130, "men_15y");
	check_cutoff(70 * 12, EST_SEX_MALE, 0, 0, 130, "men_15y");
	/* Pregnancy by trimester: 110, 105, 110. */
	check_cutoff(25 * 12, EST_SEX_FEMALE, 1, 1, 110, "pregnant_t1");
	check_cutoff(25 * 12, EST_SEX_FEMALE, 1, 2, 105, "pregnant_t2");
	check_cutoff(25 * 12, EST_SEX_FEMALE, 1, 3, 110, "pregnant_t3");
	/* A pregnant woman of unknown age still gets the pregnancy cutoff. */
	check_cutoff(-1, EST_SEX_FEMALE, 1, 2, 105, "pregnant_t2");
}

static void
test_severity(void)
{
	struct est_person	 p;
	struct est_hb_result	 r;
	static const struct {
		double			 age;
		enum est_sex		 sex;
		double			 hb;
		enum est_severity	 sev;
	} c[] = {
		/* Non-pregnant women: mild 110-119, moderate 80-109, < 80. */
		{ 300, EST_SEX_FEMALE, 119, EST_SEV_MILD },
		{ 300, EST_SEX_FEMALE, 110, EST_SEV_MILD },
		{ 300, EST_SEX_FEMALE, 109, EST_SEV_MODERATE },
		{ 300, EST_SEX_FEMALE, 80, EST_SEV_MODERATE },
		{ 300, EST_SEX_FEMALE, 79, EST_SEV_SEVERE },
		/* Men: mild 110-129. */
		{ 300, EST_SEX_MALE, 129, EST_SEV_MILD },
		{ 300, EST_SEX_MALE, 109, EST_SEV_MODERATE },
		/* Children 24-59 months: mild 100-109, moderate 70-99. */
		{ 30, EST_SEX_MALE, 100, EST_SEV_MILD },
		{ 30, EST_SEX_MALE, 99, EST_SEV_MODERATE },
		{ 30, EST_SEX_MALE, 69, EST_SEV_SEVERE },
		/* Children 6-23 months: mild 95-104. */
		{ 12, EST_SEX_FEMALE, 95, EST_SEV_MILD },
		{ 12, EST_SEX_FEMALE, 94, EST_SEV_MODERATE },
		{ 12, EST_SEX_FEMALE, 70, EST_SEV_MODERATE },
		{ 12, EST_SEX_FEMALE, 69, EST_SEV_SEVERE },
	};
	size_t			 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p = person(c[i].age, c[i].sex, c[i].hb);
		est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
		CHECK(r.screen == EST_SCREEN_LIKELY);
		CHECK(r.severity == c[i].sev);
		if (r.severity != c[i].sev)
			fprintf(stderr, "  case %zu: severity %s\n", i,
			    est_severity_name(r.severity));
	}
}

static void
test_altitude(void)
{
	struct est_person	 p;
	double			 adj;

	/* Table steps as shipped: none below 500 m, then 4, 8, ... g/L. */
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 0), 0, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 499), 0, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 500), 4, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 999), 4, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 1000), 8, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 2500), 18, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 3000), 21, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 4500), 33, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 6000), 33, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, -100), 0, 0);

	/* Woman, Hb 125 g/L: fine at sea level... */
	p = person(30 * 12, EST_SEX_FEMALE, 125);
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 125, 0);
	/* ...and at 400 m (below the first step)... */
	p.has_altitude = 1;
	p.altitude_m = 400;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	/* ...but at 2000 m: 125 - 14 = 111 < 120, mild anaemia. */
	p.altitude_m = 2000;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 111, 0);
	/* At 1000 m: 125 - 8 = 117 < 120. */
	p.altitude_m = 1000;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 117, 0);
	/* At 500 m: 125 - 4 = 121, not indicated. */
	p.altitude_m = 500;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 121, 0);
	/* Child 3 years at 3500 m, Hb 130: 130 - 25 = 105 < 110. */
	p = person(36, EST_SEX_MALE, 130);
	p.has_altitude = 1;
	p.altitude_m = 3500;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 105, 0);
}

static void
test_smoking(void)
{
	struct est_person	 p;
	struct est_hb_result	 r;
	double			 adj;

	/* Man, Hb 133 g/L: not anaemic as a non-smoker. */
	p = person(40 * 12, EST_SEX_MALE, 133);
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	/* Smoker, amount unknown: -3 -> 130, still not indicated. */
	p.smoker = 1;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 130, 0);
	/* Half a packet a day: -3. */
	p.packs_per_day = 0.5;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 130, 0);
	/* One packet a day: -5 -> 128 < 130, likely. */
	p.packs_per_day = 1;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 128, 0);
	/* Two or more: -7 -> 126. */
	p.packs_per_day = 2.5;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 126, 0);
	/* Altitude and smoking add up: 150 at 3000 m, 2 packs: 150-21-7=122. */
	p = person(40 * 12, EST_SEX_MALE, 150);
	p.has_altitude = 1;
	p.altitude_m = 3000;
	p.smoker = 1;
	p.packs_per_day = 2;
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	NEAR(r.altitude_adj, 21, 0);
	NEAR(r.smoking_adj, 7, 0);
	NEAR(r.adjusted, 122, 0);
	CHECK(r.screen == EST_SCREEN_LIKELY && r.severity == EST_SEV_MILD);
	CHECK(strstr(r.formula, "150 g/L measured") != NULL);
	CHECK(strstr(r.formula, "= 122 g/L") != NULL);
}

/* The reason's code as a client sees it. */
#define CHECK_REASON(r, name) CHECK_STR(est_reason_name((r).reason_code), \
	    (name))

static void
test_cannot_tell(void)
{
	struct est_person	 p;
	struct est_hb_result	 r;

	/* No haemoglobin. */
	p = person(30 * 12, EST_SEX_FEMALE, -1);
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK(r.screen == EST_SCREEN_CANNOT_TELL);
	CHECK(strstr(r.reason, "No haemoglobin") != NULL);
	CHECK(strstr(r.reason, "confirm with a hemoglobin test") == NULL);
	CHECK_REASON(r, "no_hemoglobin");
	CHECK(r.no_altitude == 0);	/* no Hb: nothing was adjusted */
	/* No haemoglobin, low RBC estimate: say so, still cannot tell. */
	est_anaemia(&p, &clin->rules, EST_FLAG_LOW, &r);
	CHECK(r.screen == EST_SCREEN_CANNOT_TELL);
	CHECK(strstr(r.reason, "Low RBC estimate") != NULL);
	CHECK(strstr(r.reason, "confirm with a hemoglobin test") != NULL);
	CHECK_REASON(r, "no_hemoglobin_low_rbc");
	/* A high RBC estimate does not suggest a haemoglobin test. */
	est_anaemia(&p, &clin->rules, EST_FLAG_HIGH, &r);
	CHECK_REASON(r, "no_hemoglobin");
	/* Age unknown. */
	p = person(-1, EST_SEX_FEMALE, 90);
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK(r.screen == EST_SCREEN_CANNOT_TELL && r.group == NULL);
	CHECK(strstr(r.reason, "Age") != NULL);
	CHECK_REASON(r, "age_needed");
	/* Under 6 months: no WHO cutoff. */
	p = person(5, EST_SEX_MALE, 90);
	CHECK(screen(&p, NULL) == EST_SCREEN_CANNOT_TELL);
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK_REASON(r, "under_6_months");
	CHECK(strstr(r.reason, "under 6 months") != NULL);
	/* Adult of unknown sex. */
	p = person(20 * 12, EST_SEX_UNKNOWN, 90);
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK(r.screen == EST_SCREEN_CANNOT_TELL);
	CHECK(strstr(r.reason, "Sex") != NULL);
	CHECK_REASON(r, "sex_needed");
	/* But a 10-year-old of unknown sex has a cutoff (115). */
	p = person(120, EST_SEX_UNKNOWN, 114);
	CHECK(screen(&p, NULL) == EST_SCREEN_LIKELY);
	/* Pregnant, trimester unknown. */
	p = person(25 * 12, EST_SEX_FEMALE, 107);
	p.pregnant = 1;
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK(r.screen == EST_SCREEN_CANNOT_TELL);
	CHECK(strstr(r.reason, "trimester") != NULL);
	CHECK_REASON(r, "trimester_needed");
}

/* With haemoglobin: the reason's code, its numbers and the altitude note. */
static void
test_reason_codes(void)
{
	struct est_person	 p;
	struct est_hb_result	 r;
	size_t			 i, j;
	const char		*a, *b;

	/* Woman, 104 g/L, no altitude given: below 120, moderate. */
	p = person(30 * 12, EST_SEX_FEMALE, 104);
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK_REASON(r, "hemoglobin_below_cutoff");
	CHECK(r.severity == EST_SEV_MODERATE && r.no_altitude == 1);
	CHECK_STR(r.reason, "Adjusted haemoglobin 104 g/L is below the WHO "
	    "cutoff of 120 g/L for non-pregnant women 15 years and older: "
	    "moderate anaemia band. Altitude not given: no altitude "
	    "adjustment applied (assumes residence below 500 m).");
	CHECK(r.group != NULL && strcmp(r.group->id, "women_15y") == 0);
	/* Altitude given (even below the first step): no note. */
	p.has_altitude = 1;
	p.altitude_m = 100;
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK_REASON(r, "hemoglobin_below_cutoff");
	CHECK(r.no_altitude == 0);
	CHECK(strstr(r.reason, "Altitude") == NULL);
	/* At or above the cutoff. */
	p.hb_g_l = 120;
	est_anaemia(&p, &clin->rules, EST_FLAG_LOW, &r);
	CHECK_REASON(r, "hemoglobin_not_below_cutoff");
	CHECK(r.screen == EST_SCREEN_NOT_INDICATED);
	CHECK_STR(r.reason, "Adjusted haemoglobin 120 g/L is at or above the "
	    "WHO cutoff of 120 g/L for non-pregnant women 15 years and "
	    "older.");
	/* A tie rounds like the number sent beside it: 104.25 -> 104.3. */
	p.hb_g_l = 104.25;
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
	CHECK(strstr(r.reason, "Adjusted haemoglobin 104.3 g/L") != NULL);

	/* Every reason has its own name. */
	for (i = EST_REASON_NO_HB; i <= EST_REASON_BELOW; i++) {
		a = est_reason_name((enum est_reason)i);
		CHECK(a != NULL && *a != '\0');
		for (j = EST_REASON_NO_HB; j < i; j++) {
			b = est_reason_name((enum est_reason)j);
			CHECK(strcmp(a, b) != 0);
		}
	}
}

/* The plausibility envelope, at and just past each bound. */
static void
test_envelope(void)
{
	const struct est_range	*r;
	static const struct {
		enum est_class	 c;
		double		 per_ul;
		int		 want;
	} t[] = {
		{ EST_RBC, 499999, -1 }, { EST_RBC, 500000, 0 },
		{ EST_RBC, 4500000, 0 }, { EST_RBC, 10000000, 0 },
		{ EST_RBC, 10000001, 1 },
		{ EST_WBC, 0, 0 }, { EST_WBC, 100000, 0 },
		{ EST_WBC, 100001, 1 }, { EST_WBC, 300000, 1 },
		{ EST_PLT, 0, 0 }, { EST_PLT, 2000000, 0 },
		{ EST_PLT, 2000001, 1 },
	};
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(est_plausible(est_envelope(t[i].c), t[i].per_ul) ==
		    t[i].want);
	CHECK(est_plausible(NULL, 1e12) == 0);
	CHECK(est_envelope(EST_NCLASS) == NULL);
	CHECK_STR(est_flag_name(EST_FLAG_IMPLAUSIBLE), "implausible");

	/* An implausible estimate is never flagged high or low. */
	r = est_range_find(clin->ranges, clin->nranges, EST_WBC,
	    EST_SEX_MALE, 30 * 12);
	CHECK(est_flag_estimate(EST_WBC, r, 300000) == EST_FLAG_IMPLAUSIBLE);
	CHECK(est_flag_estimate(EST_WBC, r, 100000) == EST_FLAG_HIGH);
	CHECK(est_flag_estimate(EST_WBC, r, 12000) == EST_FLAG_HIGH);
	CHECK(est_flag_estimate(EST_WBC, NULL, 300000) ==
	    EST_FLAG_IMPLAUSIBLE);
	CHECK(est_flag_estimate(EST_WBC, NULL, 12000) == EST_FLAG_NONE);
	r = est_range_find(clin->ranges, clin->nranges, EST_RBC,
	    EST_SEX_MALE, 30 * 12);
	CHECK(est_flag_estimate(EST_RBC, r, 499999) == EST_FLAG_IMPLAUSIBLE);
	CHECK(est_flag_estimate(EST_RBC, r, 500000) == EST_FLAG_LOW);
	CHECK(est_flag_estimate(EST_RBC, r, 10000001) ==
	    EST_FLAG_IMPLAUSIBLE);
	CHECK(est_flag_estimate(EST_RBC, r, 10000000) == EST_FLAG_HIGH);
	CHECK(est_flag_estimate(EST_RBC, r, 5000000) == EST_FLAG_NORMAL);
	CHECK(est_flag_estimate(EST_RBC, r, -1) == EST_FLAG_NONE);
	r = est_range_find(clin->ranges, clin->nranges, EST_PLT,
	    EST_SEX_UNKNOWN, 30 * 12);
	CHECK(est_flag_estimate(EST_PLT, r, 2000001) == EST_FLAG_IMPLAUSIBLE);
	CHECK(est_flag_estimate(EST_PLT, r, 2000000) == EST_FLAG_HIGH);
	CHECK(est_flag_estimate(EST_PLT, r, 0) == EST_FLAG_LOW);
}

/* "check": true in the shipped data: unverified, entry by entry. */
static void
test_unverified(void)
{
	size_t	 i;

	for (i = 0; i < clin->ngroups; i++) {
		const struct est_hb_group *g = &clin->groups[i];
		int	 check = strcmp(g->id, "pregnant_t2") == 0 ||
			    strcmp(g->id, "child_6_23m") == 0;

		CHECK(g->unverified == check);
	}
	CHECK(clin->altitude_unverified == 1);
	CHECK(clin->smoking_unverified == 0);
	/* The whole reference_ranges section is marked. */
	for (i = 0; i < clin->nranges; i++)
		CHECK(clin->ranges[i].unverified == 1);
}

static void
test_ranges(void)
{
	const struct est_range	*r;

	/* Adult man RBC 4.5-5.5 x10^6/uL. */
	r = est_range_find(clin->ranges, clin->nranges, EST_RBC,
	    EST_SEX_MALE, 30 * 12);
	CHECK(r != NULL);
	CHECK(est_range_flag(r, 4000000) == EST_FLAG_LOW);
	CHECK(est_range_flag(r, 5000000) == EST_FLAG_NORMAL);
	CHECK(est_range_flag(r, 4500000) == EST_FLAG_NORMAL);
	CHECK(est_range_flag(r, 6000000) == EST_FLAG_HIGH);
	/* Adult woman: 5.0 x10^6 is above 4.8. */
	r = est_range_find(clin->ranges, clin->nranges, EST_RBC,
	    EST_SEX_FEMALE, 30 * 12);
	CHECK(est_range_flag(r, 5000000) == EST_FLAG_HIGH);
	/* Adult of unknown sex: no RBC range. */
	CHECK(est_range_find(clin->ranges, clin->nranges, EST_RBC,
	    EST_SEX_UNKNOWN, 30 * 12) == NULL);
	CHECK(est_range_flag(NULL, 1) == EST_FLAG_NONE);
	/* Platelets 150-410 x10^3 for adults of either sex. */
	r = est_range_find(clin->ranges, clin->nranges, EST_PLT,
	    EST_SEX_UNKNOWN, 30 * 12);
	CHECK(r != NULL);
	CHECK(est_range_flag(r, 100000) == EST_FLAG_LOW);
	CHECK(est_range_flag(r, 420000) == EST_FLAG_HIGH);
	/* WBC: 4,000-10,000 adult; a 3-year-old has 5,000-15,000. */
	r = est_range_find(clin->ranges, clin->nranges, EST_WBC,
	    EST_SEX_MALE, 30 * 12);
	CHECK(est_range_flag(r, 12000) == EST_FLAG_HIGH);
	r = est_range_find(clin->ranges, clin->nranges, EST_WBC,
	    EST_SEX_MALE, 36);
	CHECK(est_range_flag(r, 12000) == EST_FLAG_NORMAL);
	/* Infant under 6 months: none. */
	CHECK(est_range_find(clin->ranges, clin->nranges, EST_WBC,
	    EST_SEX_MALE, 3) == NULL);
}

static void
test_clinical_load(const char *dir)
{
	const struct clinical_profile	*p;
	struct clinical			*c;
	char				 err[256], path[1024], ref[1024];
	FILE				*f;

	p = clinical_profile_find(clin, "bccd-smear-100x");
	CHECK(p != NULL && p->prep == CLINICAL_SMEAR);
	CHECK(p != NULL && p->images_per_field == 20);
	CHECK(p != NULL && p->factor[EST_PLT] == 15000);
	p = clinical_profile_find(clin, "neubauer-40x");
	CHECK(p != NULL && p->prep == CLINICAL_CHAMBER);
	CHECK(p != NULL && p->depth_mm == 0.1 && p->default_dilution == 200);
	CHECK(clinical_profile_find(clin, "nope") == NULL);
	CHECK(clin->min_rbc == 200 && clin->min_fields == 10);

	snprintf(ref, sizeof(ref), "%s/etc/reference-ranges.json", dir);
	c = clinical_load("/nonexistent/clinical.json", ref, err,
	    sizeof(err));
	CHECK(c == NULL && strstr(err, "/nonexistent/clinical.json") != NULL);

	/* A chamber without depth is refused, naming the entry. */
	snprintf(path, sizeof(path), "/tmp/test_estimates.%ld.json",
	    (long)getpid());
	if ((f = fopen(path, "w")) == NULL) {
		CHECK(!"cannot write temp file");
		return;
	}
	fputs("{\"stability\":{\"min_rbc\":200,\"min_fields\":10},"
	    "\"default_profile\":{\"smear\":\"s\",\"chamber\":\"c\"},"
	    "\"profiles\":[{\"name\":\"s\",\"preparation\":\"smear\","
	    "\"images_per_field\":20,\"factors_per_ul\":{\"RBC\":1,"
	    "\"WBC\":1,\"Platelets\":1}},{\"name\":\"c\",\"preparation\":"
	    "\"chamber\",\"um_per_px\":0.5,\"default_dilution\":200}]}", f);
	fclose(f);
	c = clinical_load(path, ref, err, sizeof(err));
	CHECK(c == NULL && strstr(err, "profiles[1]") != NULL &&
	    strstr(err, "depth_mm") != NULL);
	unlink(path);
	clinical_free(NULL);
}

int
main(void)
{
	const char	*dir = getenv("top_srcdir");
	char		 cal[1024], ref[1024], err[256];

	if (dir == NULL)
		dir = ".";
	snprintf(cal, sizeof(cal), "%s/etc/clinical.json", dir);
	snprintf(ref, sizeof(ref), "%s/etc/reference-ranges.json", dir);
	if ((clin = clinical_load(cal, ref, err, sizeof(err))) == NULL) {
		fprintf(stderr, "cannot load the shipped data: %s\n", err);
		return 99;
	}
	test_chamber();
	test_smear();
	test_stats();
	test_stability();
	test_fmt();
	test_who_cutoffs();
	test_severity();
	test_altitude();
	test_smoking();
	test_cannot_tell();
	test_reason_codes();
	test_ranges();
	test_envelope();
	test_unverified();
	test_clinical_load(dir);
	clinical_free(clin);
	return check_done("test_estimates");
}
