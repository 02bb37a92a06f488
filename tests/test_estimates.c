/* test_estimates.c: hand-computed cases for estimates.c and the shipped reference data */
/*
 * The WHO boundaries are tested through etc/reference-ranges.json as
 * shipped, so a typo in the data file fails here just like a bug in the
 * code.  Every expected number below is worked out by hand in a comment.
 */

#include "clinical/clinical.h"
#include "clinical/estimates.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

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

/*
 * The WHO groups as cited in etc/reference-ranges.json ("cite", quoted
 * in docs/reference-data.md): age band in completed months, cutoff
 * (anaemia below it), mild from, moderate from; severe below that.
 */
static const struct who_group {
	const char	*id;
	double		 age_lo, age_hi;	/* first and last month in it */
	enum est_sex	 sex;
	int		 pregnant, trimester;
	double		 below, mild, moderate;
} who_groups[] = {
	{ "pregnant_t1", 15 * 12, 49 * 12, EST_SEX_FEMALE, 1, 1, 110, 100, 70 },
	{ "pregnant_t2", 15 * 12, 49 * 12, EST_SEX_FEMALE, 1, 2, 105, 95, 70 },
	{ "pregnant_t3", 15 * 12, 49 * 12, EST_SEX_FEMALE, 1, 3, 110, 100, 70 },
	{ "child_6_23m", 6, 23, EST_SEX_UNKNOWN, 0, 0, 105, 95, 70 },
	{ "child_24_59m", 24, 59, EST_SEX_UNKNOWN, 0, 0, 110, 100, 70 },
	{ "child_5_11y", 60, 143, EST_SEX_UNKNOWN, 0, 0, 115, 110, 80 },
	{ "child_12_14y", 144, 179, EST_SEX_UNKNOWN, 0, 0, 120, 110, 80 },
	{ "women_15y", 180, 90 * 12, EST_SEX_FEMALE, 0, 0, 120, 110, 80 },
	{ "men_15y", 180, 90 * 12, EST_SEX_MALE, 0, 0, 130, 110, 80 },
};
#define NWHO	(sizeof(who_groups) / sizeof(who_groups[0]))

/* Screen a person of group w aged age with haemoglobin hb (g/L). */
static void
screen_who(const struct who_group *w, double age, double hb,
    struct est_hb_result *r)
{
	struct est_person	 p = person(age, w->sex, hb);

	p.pregnant = w->pregnant;
	p.trimester = w->trimester;
	est_anaemia(&p, &clin->rules, EST_FLAG_NONE, r);
}

/* The result's group is w; says which otherwise. */
static void
check_group(const struct est_hb_result *r, const struct who_group *w,
    double age, double hb)
{
	CHECK(r->group != NULL && strcmp(r->group->id, w->id) == 0);
	if (r->group == NULL || strcmp(r->group->id, w->id) != 0)
		fprintf(stderr, "  %s at %g mo, Hb %g: group %s\n", w->id,
		    age, hb, r->group ? r->group->id : "none");
}

/*
 * Every cutoff on both sides, at both ends of the group's age band: Hb
 * exactly at the cutoff is not anaemia (WHO: "below"), 0.1 g/L under it
 * is, and so is 0.1 g/dL (1 g/L) under it.
 */
static void
test_who_cutoffs(void)
{
	struct est_hb_result	 r;
	const struct who_group	*w;
	double			 ages[2];
	size_t			 i, a;

	CHECK(clin->ngroups == NWHO);
	for (i = 0; i < NWHO; i++) {
		w = &who_groups[i];
		ages[0] = w->age_lo;
		ages[1] = w->age_hi;
		for (a = 0; a < 2; a++) {
			screen_who(w, ages[a], w->below, &r);
			check_group(&r, w, ages[a], w->below);
			CHECK(r.screen == EST_SCREEN_NOT_INDICATED);
			NEAR(r.group ? r.group->anaemia_below : -1, w->below,
			    0);
			screen_who(w, ages[a], w->below - 0.1, &r);
			CHECK(r.screen == EST_SCREEN_LIKELY);
			CHECK(r.severity == EST_SEV_MILD);
			screen_who(w, ages[a], w->below - 1, &r);
			CHECK(r.screen == EST_SCREEN_LIKELY);
		}
	}
	/* Age edges between groups, completed months: 5|6, 23|24, ... */
	{
		static const struct {
			double		 age;
			enum est_sex	 sex;
			const char	*id;	/* NULL: no group */
		} e[] = {
			{ 5, EST_SEX_MALE, NULL },
			{ 6, EST_SEX_MALE, "child_6_23m" },
			{ 23, EST_SEX_FEMALE, "child_6_23m" },
			{ 24, EST_SEX_FEMALE, "child_24_59m" },
			{ 59, EST_SEX_UNKNOWN, "child_24_59m" },
			{ 60, EST_SEX_UNKNOWN, "child_5_11y" },
			{ 143, EST_SEX_MALE, "child_5_11y" },
			{ 144, EST_SEX_MALE, "child_12_14y" },
			{ 179, EST_SEX_FEMALE, "child_12_14y" },
			{ 180, EST_SEX_FEMALE, "women_15y" },
			{ 180, EST_SEX_MALE, "men_15y" },
			{ 180, EST_SEX_UNKNOWN, NULL },
		};
		struct est_person	 p;

		for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
			p = person(e[i].age, e[i].sex, 100);
			est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
			if (e[i].id == NULL)
				CHECK(r.group == NULL &&
				    r.screen == EST_SCREEN_CANNOT_TELL);
			else
				CHECK(r.group != NULL &&
				    strcmp(r.group->id, e[i].id) == 0);
		}
	}
	/* A pregnant woman of unknown age still gets the pregnancy cutoff. */
	screen_who(&who_groups[1], -1, 105, &r);
	check_group(&r, &who_groups[1], -1, 105);
	CHECK(r.screen == EST_SCREEN_NOT_INDICATED);
	screen_who(&who_groups[1], -1, 104.9, &r);
	CHECK(r.screen == EST_SCREEN_LIKELY);
}

/*
 * Every severity band edge of every group: mild from mild_from, 0.1 g/L
 * under it moderate; moderate from moderate_from, 0.1 under it severe.
 */
static void
test_severity(void)
{
	struct est_hb_result	 r;
	const struct who_group	*w;
	size_t			 i, j;
	struct {
		double			 hb;
		enum est_severity	 sev;
	} c[5];

	for (i = 0; i < NWHO; i++) {
		w = &who_groups[i];
		c[0].hb = w->below - 0.1;	c[0].sev = EST_SEV_MILD;
		c[1].hb = w->mild;		c[1].sev = EST_SEV_MILD;
		c[2].hb = w->mild - 0.1;	c[2].sev = EST_SEV_MODERATE;
		c[3].hb = w->moderate;		c[3].sev = EST_SEV_MODERATE;
		c[4].hb = w->moderate - 0.1;	c[4].sev = EST_SEV_SEVERE;
		for (j = 0; j < 5; j++) {
			screen_who(w, w->age_lo, c[j].hb, &r);
			check_group(&r, w, w->age_lo, c[j].hb);
			CHECK(r.screen == EST_SCREEN_LIKELY);
			CHECK(r.severity == c[j].sev);
			if (r.severity != c[j].sev)
				fprintf(stderr, "  %s Hb %g: %s\n", w->id,
				    c[j].hb, est_severity_name(r.severity));
		}
		NEAR(r.group ? r.group->mild_from : -1, w->mild, 0);
		NEAR(r.group ? r.group->moderate_from : -1, w->moderate, 0);
	}
	/* The lowest haemoglobin still says severe. */
	screen_who(&who_groups[8], 300, 1, &r);
	CHECK(r.severity == EST_SEV_SEVERE);
}

/* The altitude table as shipped (unverified): band from (m), g/L. */
static const double alt_from[] = {
	0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500
};
static const double alt_g_l[] = { 0, 4, 8, 11, 14, 18, 21, 25, 29, 33 };
#define NALT	(sizeof(alt_from) / sizeof(alt_from[0]))

static void
test_altitude(void)
{
	struct est_person	 p;
	double			 adj, hi;
	size_t			 i;

	CHECK(clin->naltitude == NALT);
	for (i = 0; i < NALT && i < clin->naltitude; i++) {
		NEAR(clin->altitude[i].from, alt_from[i], 0);
		NEAR(clin->altitude[i].g_l, alt_g_l[i], 0);
	}
	/*
	 * Every band's lower edge (its from, inclusive) and upper edge (1 m
	 * and 0.1 m under the next band's from), and the metre after.
	 */
	for (i = 0; i < NALT; i++) {
		NEAR(est_step_lookup(clin->altitude, clin->naltitude,
		    alt_from[i]), alt_g_l[i], 0);
		NEAR(est_step_lookup(clin->altitude, clin->naltitude,
		    alt_from[i] + 1), alt_g_l[i], 0);
		hi = i + 1 < NALT ? alt_from[i + 1] : 8848;
		NEAR(est_step_lookup(clin->altitude, clin->naltitude, hi - 1),
		    alt_g_l[i], 0);
		NEAR(est_step_lookup(clin->altitude, clin->naltitude,
		    hi - 0.1), alt_g_l[i], 0);
		if (i + 1 < NALT)
			NEAR(est_step_lookup(clin->altitude, clin->naltitude,
			    hi), alt_g_l[i + 1], 0);
	}
	/* The highland clinics' edges named in the issue. */
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 2999), 18, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 3000), 21, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 3400), 21, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 3499), 21, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 3500), 25, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, 499), 0, 0);
	NEAR(est_step_lookup(clin->altitude, clin->naltitude, -100), 0, 0);

	/*
	 * The screening turns at a band edge.  Woman, cutoff 120: Hb 138 at
	 * 2999 m: 138 - 18 = 120, at the cutoff, not indicated; at 3000 m:
	 * 138 - 21 = 117, anaemia; at 3400 m the same 117.
	 */
	p = person(30 * 12, EST_SEX_FEMALE, 138);
	p.has_altitude = 1;
	p.altitude_m = 2999;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 120, 0);
	p.altitude_m = 3000;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 117, 0);
	p.altitude_m = 3400;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 117, 0);
	/* At 3500 m, Hb 145: 145 - 25 = 120, not indicated; 144.9: 119.9. */
	p.altitude_m = 3500;
	p.hb_g_l = 145;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 120, 0);
	p.hb_g_l = 144.9;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 119.9, 1e-9);
	/* Woman, Hb 125: fine at sea level and at 499 m... */
	p = person(30 * 12, EST_SEX_FEMALE, 125);
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 125, 0);
	p.has_altitude = 1;
	p.altitude_m = 499;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 125, 0);
	/* ...125 - 4 = 121 at 500 m, 125 - 8 = 117 < 120 at 1000 m. */
	p.altitude_m = 500;
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 121, 0);
	p.altitude_m = 1000;
	CHECK(screen(&p, &adj) == EST_SCREEN_LIKELY);
	NEAR(adj, 117, 0);
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
	static const struct {
		double	 packs;		/* < 0: amount unknown */
		double	 g_l;
	} s[] = {
		{ -1, 3 }, { 0, 3 }, { 0.5, 3 }, { 0.99, 3 }, { 1, 5 },
		{ 1.99, 5 }, { 2, 7 }, { 2.5, 7 }, { 10, 7 },
	};
	double			 adj;
	size_t			 i;

	/* The table as shipped (unverified): 3 / 5 / 7 g/L, unknown 3. */
	CHECK(clin->nsmoking == 3);
	NEAR(clin->rules.smoking_unknown_g_l, 3, 0);
	/* Man, Hb 133 g/L: not anaemic as a non-smoker, nothing taken off. */
	p = person(40 * 12, EST_SEX_MALE, 133);
	CHECK(screen(&p, &adj) == EST_SCREEN_NOT_INDICATED);
	NEAR(adj, 133, 0);
	/* Each step's edges: 133 - 3 = 130 at the cutoff; 133 - 5 = 128. */
	p.smoker = 1;
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		p.packs_per_day = s[i].packs;
		est_anaemia(&p, &clin->rules, EST_FLAG_NONE, &r);
		NEAR(r.smoking_adj, s[i].g_l, 0);
		NEAR(r.adjusted, 133 - s[i].g_l, 0);
		CHECK(r.screen == (133 - s[i].g_l < 130 ?
		    EST_SCREEN_LIKELY : EST_SCREEN_NOT_INDICATED));
	}
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

/*
 * "check": true in the shipped data, entry by entry, as
 * docs/reference-data.md lists it: the two groups whose severity bands
 * were not found in a source, the altitude and smoking tables, every
 * reference range; of the white-cell differential only the adult
 * absolute counts are verified.
 */
static void
test_unverified(void)
{
	const struct clinical_wbc_group	*w;
	size_t				 i;

	for (i = 0; i < clin->ngroups; i++) {
		const struct est_hb_group *g = &clin->groups[i];
		int	 check = strcmp(g->id, "pregnant_t2") == 0 ||
			    strcmp(g->id, "child_6_23m") == 0;

		CHECK(g->unverified == check);
	}
	CHECK(clin->altitude_unverified == 1);
	CHECK(clin->smoking_unverified == 1);
	/* The whole reference_ranges section is marked. */
	CHECK(clin->nranges == 12);
	for (i = 0; i < clin->nranges; i++)
		CHECK(clin->ranges[i].unverified == 1);
	CHECK(clin->nwbc == 5);
	for (i = 0; i < clin->nwbc; i++) {
		w = &clin->wbc[i];
		CHECK(w->unverified == (strcmp(w->group, "adult") != 0));
		CHECK(w->pct_unverified == 1);
	}
}

/* The shipped file as JSON, to read its citations or make bad copies. */
static json_t *
shipped_reference(const char *dir)
{
	char		 path[1024];
	json_error_t	 e;

	snprintf(path, sizeof(path), "%s/etc/reference-ranges.json", dir);
	return json_load_file(path, 0, &e);
}

/* The cite item of entry o naming value, or NULL. */
static const json_t *
cite_for(const json_t *o, const char *value)
{
	const json_t	*c = json_object_get(o, "cite"), *v;
	size_t		 i, j;

	for (i = 0; i < json_array_size(c); i++) {
		v = json_object_get(json_array_get(c, i), "values");
		for (j = 0; j < json_array_size(v); j++)
			if (strcmp(json_string_value(json_array_get(v, j)),
			    value) == 0)
				return json_array_get(c, i);
	}
	return NULL;
}

static int
text_has(const json_t *cite, const char *what)
{
	const char	*t = json_string_value(json_object_get(cite, "text"));

	return t != NULL && strstr(t, what) != NULL;
}

/*
 * The quoted texts say the numbers the server uses: each verified cutoff
 * "Hb <N g/L", each verified band row "mild lo - hi | moderate lo - hi",
 * each adult absolute count "lo-hi".
 */
static void
test_citations(const char *dir)
{
	json_t		*root = shipped_reference(dir);
	const json_t	*groups, *g, *c, *w;
	const struct est_hb_group *hg;
	char		 want[64];
	size_t		 i;
	int		 k;

	CHECK(root != NULL);
	if (root == NULL)
		return;
	groups = json_object_get(json_object_get(root, "hemoglobin_cutoffs"),
	    "groups");
	CHECK(json_array_size(groups) == clin->ngroups);
	for (i = 0; i < json_array_size(groups) && i < clin->ngroups; i++) {
		g = json_array_get(groups, i);
		hg = &clin->groups[i];
		/* Every cutoff has its quote, verified group or not. */
		c = cite_for(g, "anaemia_below");
		snprintf(want, sizeof(want), "Hb <%g g/L", hg->anaemia_below);
		CHECK(c != NULL && text_has(c, want));
		CHECK_STR(json_string_value(json_object_get(c, "source")),
		    "bmj_bp_anaemia");
		if (hg->unverified) {
			CHECK(cite_for(g, "mild_from") == NULL);
			continue;
		}
		c = cite_for(g, "mild_from");
		CHECK(c != NULL && c == cite_for(g, "moderate_from"));
		snprintf(want, sizeof(want), "| %g - %g | %g - %g |",
		    hg->mild_from, hg->anaemia_below - 1, hg->moderate_from,
		    hg->mild_from - 1);
		CHECK(c != NULL && text_has(c, want));
		if (c == NULL || !text_has(c, want))
			fprintf(stderr, "  %s: no \"%s\" quoted\n", hg->id,
			    want);
	}
	/* The adult white-cell counts as quoted from Henry's. */
	w = json_array_get(json_object_get(json_object_get(root,
	    "wbc_differential"), "groups"), 4);
	CHECK_STR(json_string_value(json_object_get(w, "group")), "adult");
	for (k = 0; k < CLINICAL_NWBC && clin->nwbc == 5; k++) {
		snprintf(want, sizeof(want), "%s.per_ul",
		    clinical_wbc_class_name(k));
		c = cite_for(w, want);
		snprintf(want, sizeof(want), " %g-%g ",
		    clin->wbc[4].per_ul[k][0], clin->wbc[4].per_ul[k][1]);
		CHECK(c != NULL && text_has(c, want));
	}
	/* Every cite names a listed source and quotes something. */
	CHECK(cite_for(json_object_get(root, "altitude_adjustment"),
	    "steps") != NULL);
	json_decref(root);
}

/* Load the shipped calibration with reference r written to a temp file. */
static struct clinical *
load_copy(const char *dir, json_t *r, char *err, size_t errsz)
{
	struct clinical	*c;
	char		 cal[1024], path[1024];

	snprintf(cal, sizeof(cal), "%s/etc/clinical.json", dir);
	snprintf(path, sizeof(path), "/tmp/test_estimates_ref.%ld.json",
	    (long)getpid());
	if (json_dump_file(r, path, 0) == -1) {
		snprintf(err, errsz, "cannot write the temporary copy");
		return NULL;
	}
	c = clinical_load(cal, path, err, errsz);
	unlink(path);
	return c;
}

/* Expect the copy refused with an error holding both strings. */
static void
check_refused(const char *dir, json_t *r, const char *a, const char *b)
{
	struct clinical	*c;
	char		 err[512];

	c = load_copy(dir, r, err, sizeof(err));
	CHECK(c == NULL);
	CHECK(c == NULL && strstr(err, a) != NULL && strstr(err, b) != NULL);
	if (c != NULL || strstr(err, a) == NULL || strstr(err, b) == NULL)
		fprintf(stderr, "  want \"%s\" ... \"%s\", got \"%s\"\n", a, b,
		    c == NULL ? err : "(loaded)");
	clinical_free(c);
}

#define SECTION(r, name)	json_object_get((r), (name))
#define GROUP(r, sec, i)	json_array_get(json_object_get(SECTION((r), \
	    (sec)), "groups"), (i))

/* Nothing is shown as verified without the text it was checked against. */
static void
test_cite_rules(const char *dir)
{
	struct clinical	*c;
	json_t		*r, *o;
	char		 err[512];

	/* A verified group without its band quote: refused, named. */
	if ((r = shipped_reference(dir)) == NULL) {
		CHECK(!"cannot read the shipped file");
		return;
	}
	o = GROUP(r, "hemoglobin_cutoffs", 8);
	json_array_remove(json_object_get(o, "cite"), 1);
	check_refused(dir, r, "groups[8] (men_15y)", "mild_from has neither");
	/* ...accepted once marked "check": true. */
	json_object_set_new(o, "check", json_true());
	c = load_copy(dir, r, err, sizeof(err));
	CHECK(c != NULL && c->groups[8].unverified == 1);
	clinical_free(c);
	/* A cite of a source the file does not list. */
	json_object_set_new(json_array_get(json_object_get(o, "cite"), 0),
	    "source", json_string("wikipedia"));
	check_refused(dir, r, "groups[8]", "an id of \"sources\"");
	json_decref(r);

	/* A cite naming a number the entry does not have. */
	r = shipped_reference(dir);
	o = json_array_get(json_object_get(GROUP(r, "hemoglobin_cutoffs", 0),
	    "cite"), 0);
	json_array_append_new(json_object_get(o, "values"),
	    json_string("anemia_below"));
	check_refused(dir, r, "groups[0] (pregnant_t1)", "names no number");
	json_decref(r);

	/* A quote that says nothing. */
	r = shipped_reference(dir);
	json_object_set_new(json_array_get(json_object_get(GROUP(r,
	    "hemoglobin_cutoffs", 4), "cite"), 0), "text", json_string(""));
	check_refused(dir, r, "groups[4]", "text");
	json_decref(r);

	/* The altitude table unmarked keeps its one quote: accepted... */
	r = shipped_reference(dir);
	json_object_del(SECTION(r, "altitude_adjustment"), "check");
	c = load_copy(dir, r, err, sizeof(err));
	CHECK(c != NULL && c->altitude_unverified == 0);
	clinical_free(c);
	/* ...without it: refused. */
	json_object_del(SECTION(r, "altitude_adjustment"), "cite");
	check_refused(dir, r, "altitude_adjustment", "steps has neither");
	json_decref(r);

	/* Smoking unmarked: steps are quoted, the unknown amount too. */
	r = shipped_reference(dir);
	o = SECTION(r, "smoking_adjustment");
	json_object_del(o, "check");
	json_array_remove(json_object_get(json_array_get(json_object_get(o,
	    "cite"), 0), "values"), 1);
	check_refused(dir, r, "smoking_adjustment",
	    "unknown_amount_g_l has neither");
	json_decref(r);

	/* A reference range unmarked needs its own quote. */
	r = shipped_reference(dir);
	json_object_del(SECTION(r, "reference_ranges"), "check");
	check_refused(dir, r, "reference_ranges: ranges[0]",
	    "low has neither");
	json_decref(r);
}

/* The white-cell differential block: optional, strict when present. */
static void
test_wbc(const char *dir)
{
	const struct clinical_wbc_group	*g;
	struct clinical			*c;
	json_t				*r, *o;
	char				 err[512];

	/* Groups by age, first match, ends as documented. */
	CHECK(clinical_wbc_find(clin, 5) == NULL);
	CHECK(clinical_wbc_find(clin, -1) == NULL);
	CHECK(clinical_wbc_find(NULL, 300) == NULL);
	g = clinical_wbc_find(clin, 6);
	CHECK(g != NULL && strcmp(g->group, "child_6_23m") == 0);
	g = clinical_wbc_find(clin, 23.9);
	CHECK(g != NULL && strcmp(g->group, "child_6_23m") == 0);
	g = clinical_wbc_find(clin, 24);
	CHECK(g != NULL && strcmp(g->group, "child_2_5y") == 0);
	g = clinical_wbc_find(clin, 72);
	CHECK(g != NULL && strcmp(g->group, "child_6_11y") == 0);
	g = clinical_wbc_find(clin, 215);
	CHECK(g != NULL && strcmp(g->group, "adolescent") == 0);
	g = clinical_wbc_find(clin, 216);
	CHECK(g != NULL && strcmp(g->group, "adult") == 0);
	g = clinical_wbc_find(clin, 90 * 12);
	CHECK(g != NULL && strcmp(g->group, "adult") == 0);
	/* Adult absolute counts (Henry's): neutrophils 1800-7800/uL ... */
	CHECK(g != NULL && g->per_ul[CLINICAL_NEUTROPHIL][0] == 1800 &&
	    g->per_ul[CLINICAL_NEUTROPHIL][1] == 7800);
	CHECK(g != NULL && g->per_ul[CLINICAL_LYMPHOCYTE][0] == 1000 &&
	    g->per_ul[CLINICAL_LYMPHOCYTE][1] == 4800);
	CHECK(g != NULL && g->per_ul[CLINICAL_MONOCYTE][1] == 800);
	CHECK(g != NULL && g->per_ul[CLINICAL_EOSINOPHIL][1] == 450);
	CHECK(g != NULL && g->per_ul[CLINICAL_BASOPHIL][1] == 200);
	CHECK(g != NULL && g->pct[CLINICAL_BASOPHIL][0] == 0 &&
	    g->pct[CLINICAL_BASOPHIL][1] == 1);
	CHECK_STR(clinical_wbc_class_name(CLINICAL_EOSINOPHIL), "eosinophil");
	CHECK_STR(clinical_wbc_class_name(CLINICAL_NWBC), "?");

	/* Section absent: loads, no groups. */
	r = shipped_reference(dir);
	json_object_del(r, "wbc_differential");
	c = load_copy(dir, r, err, sizeof(err));
	CHECK(c != NULL && c->nwbc == 0 && clinical_wbc_find(c, 300) == NULL);
	clinical_free(c);
	json_decref(r);

	/* The adult group without its lymphocyte quote: refused. */
	r = shipped_reference(dir);
	o = GROUP(r, "wbc_differential", 4);
	json_array_remove(json_object_get(o, "cite"), 3);
	check_refused(dir, r, "groups[4] (adult)",
	    "lymphocyte.per_ul has neither");
	/* Its percentages claimed verified without a quote: refused. */
	json_decref(r);
	r = shipped_reference(dir);
	o = GROUP(r, "wbc_differential", 4);
	json_object_set_new(o, "pct_check", json_false());
	check_refused(dir, r, "groups[4] (adult)",
	    "neutrophil.pct has neither");
	json_decref(r);

	/* A group's "check": false overrides the section's; absent inherits. */
	r = shipped_reference(dir);
	json_object_del(GROUP(r, "wbc_differential", 0), "check");
	json_object_set_new(GROUP(r, "wbc_differential", 0), "pct_check",
	    json_false());
	c = load_copy(dir, r, err, sizeof(err));
	CHECK(c != NULL && c->wbc[0].unverified == 1 &&
	    c->wbc[0].pct_unverified == 1 && c->wbc[4].unverified == 0);
	clinical_free(c);
	/* Section unmarked: the group without its own "check" needs cites. */
	json_object_set_new(SECTION(r, "wbc_differential"), "check",
	    json_false());
	check_refused(dir, r, "groups[0] (child_6_23m)",
	    "neutrophil.pct has neither");
	json_decref(r);

	/* Intervals: high below low, a percentage over 100, a missing class. */
	r = shipped_reference(dir);
	o = json_object_get(json_object_get(GROUP(r, "wbc_differential", 1),
	    "classes"), "monocyte");
	json_object_set_new(o, "per_ul", json_pack("[i,i]", 1000, 200));
	check_refused(dir, r, "wbc_differential: groups[1]",
	    "classes.monocyte");
	json_object_set_new(o, "per_ul", json_pack("[i,i]", 200, 1000));
	json_object_set_new(o, "pct", json_pack("[i,i]", 2, 110));
	check_refused(dir, r, "groups[1]", "classes.monocyte");
	json_object_del(json_object_get(GROUP(r, "wbc_differential", 1),
	    "classes"), "monocyte");
	check_refused(dir, r, "groups[1]", "classes.monocyte");
	json_decref(r);

	/* Ages: an upper bound not above the lower one. */
	r = shipped_reference(dir);
	json_object_set_new(GROUP(r, "wbc_differential", 2), "age_max_months",
	    json_integer(72));
	check_refused(dir, r, "wbc_differential: groups[2]", "age_max_months");
	json_object_set_new(GROUP(r, "wbc_differential", 2), "check",
	    json_string("yes"));
	json_object_set_new(GROUP(r, "wbc_differential", 2), "age_max_months",
	    json_integer(144));
	check_refused(dir, r, "groups[2]", "check must be");
	json_decref(r);
	r = shipped_reference(dir);
	json_object_set_new(SECTION(r, "wbc_differential"), "groups",
	    json_array());
	check_refused(dir, r, "wbc_differential", "non-empty");
	json_decref(r);
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
	test_citations(dir);
	test_cite_rules(dir);
	test_wbc(dir);
	test_clinical_load(dir);
	clinical_free(clin);
	return check_done("test_estimates");
}
