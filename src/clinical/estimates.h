/* estimates.h: cell-count arithmetic and anaemia screening rules (pure, no I/O) */
#ifndef BV_ESTIMATES_H
#define BV_ESTIMATES_H

#include <stddef.h>

enum est_class {
	EST_RBC = 0,
	EST_WBC,
	EST_PLT,
	EST_NCLASS
};

enum est_sex {
	EST_SEX_UNKNOWN = 0,
	EST_SEX_FEMALE,
	EST_SEX_MALE
};

/* "RBC", "WBC", "Platelets" (the detector's class names). */
const char	*est_class_name(enum est_class c);
/* Class for a name as above; -1 if unknown. */
int		 est_class_from_name(const char *name);

/* ---- per-field statistics ------------------------------------------- */

struct est_stats {
	size_t	n;		/* fields */
	double	total;
	double	mean;
	double	sd;		/* sample SD (n - 1); valid when has_ci */
	double	t;		/* t(0.975, n - 1) used for the interval */
	double	ci_lo, ci_hi;	/* 95 % CI of the mean, lo clamped at 0 */
	int	has_ci;		/* 0 when n < 2 */
};

/* Two-sided 95 % Student t critical value for df degrees of freedom (df >= 1). */
double	est_t975(unsigned df);

/* Fill st from n per-field values; n may be 0 (everything 0, has_ci 0). */
void	est_stats(const double *x, size_t n, struct est_stats *st);

/* ---- densities ------------------------------------------------------- */

/*
 * Counting chamber: cells/uL = count / (area_mm2 * depth_mm) * dilution
 * (1 uL = 1 mm^3).  -1 if an argument is not positive.
 */
double	est_chamber_per_ul(double count, double area_mm2, double depth_mm,
	    double dilution);

/* Area in mm^2 of a w x h pixel image at um_per_px micrometres per pixel. */
double	est_image_area_mm2(double w_px, double h_px, double um_per_px);

/*
 * How many images of w x h pixels fill one circular microscope field of
 * field_diam_um (at um_per_px); -1 if an argument is not positive.
 */
double	est_images_per_field(double w_px, double h_px, double um_per_px,
	    double field_diam_um);

/*
 * The same from a measured field of view: how many fields of view of
 * area_um2 (an image's counted area, the mean over a sample's images)
 * fill one circular microscope field of field_diam_um; -1 if an argument
 * is not positive.
 */
double	est_images_per_field_area(double area_um2, double field_diam_um);

/*
 * Stained smear: cells/uL ~= mean per image * images per field * factor,
 * the factor being the reciprocal of the blood volume (uL) one field of
 * the monolayer holds.  -1 if an argument is negative or zero (mean may be 0).
 */
double	est_smear_per_ul(double mean_per_image, double images_per_field,
	    double factor);

/* ---- stability rule -------------------------------------------------- */

/* Which conditions of the stability rule failed (bits; 0: stable). */
enum est_unstable {
	EST_FEW_RBC = 1,	/* rbc_total < min_rbc */
	EST_FEW_FIELDS = 2	/* nfields < min_fields */
};

/* EST_FEW_RBC | EST_FEW_FIELDS as they apply; 0 when stable. */
unsigned	est_stability(double rbc_total, size_t nfields, double min_rbc,
	    size_t min_fields);

/*
 * 1 if rbc_total >= min_rbc and nfields >= min_fields, else 0 with one
 * English sentence per failed condition (est_stability()) written into why.
 */
int	est_stable(double rbc_total, size_t nfields, double min_rbc,
	    size_t min_fields, char *why, size_t whysz);

/* ---- reference ranges ------------------------------------------------ */

struct est_range {
	enum est_class	 cls;
	enum est_sex	 sex;		/* EST_SEX_UNKNOWN: either sex */
	double		 from_months;	/* inclusive */
	double		 to_months;	/* exclusive; < 0: no upper bound */
	double		 low, high;	/* cells per uL, inclusive */
	int		 unverified;	/* "check": true in the data file */
};

enum est_flag {
	EST_FLAG_NONE = 0,	/* no range applies or no estimate */
	EST_FLAG_LOW,
	EST_FLAG_NORMAL,
	EST_FLAG_HIGH,
	EST_FLAG_IMPLAUSIBLE	/* outside est_envelope(): never low or high */
};

/* "none", "low", "normal", "high", "implausible" */
const char	*est_flag_name(enum est_flag f);

/*
 * First range in r for class c that fits sex and age_months (age < 0:
 * unknown, matches only ranges starting at 0 with no upper bound; an
 * unknown sex matches only ranges for either sex).  NULL if none.
 */
const struct est_range *est_range_find(const struct est_range *r, size_t n,
	    enum est_class c, enum est_sex sex, double age_months);

/* Compare value with range (NULL or value < 0: EST_FLAG_NONE). */
enum est_flag	 est_range_flag(const struct est_range *range, double value);

/* ---- plausibility ----------------------------------------------------- */

/*
 * The densities any blood can have, in cells per uL, both ends inclusive
 * (min 0: no lower limit).  An estimate outside them is no patient's
 * value but the trace of the wrong fields (photos chosen around white
 * cells) or a wrong calibration: it is said to be implausible and never
 * compared with a reference range.
 */
struct est_envelope {
	double	min;
	double	max;
};

/* The envelope of class c (RBC 0.5-10 M/uL, WBC <= 100,000, platelets <= 2 M). */
const struct est_envelope *est_envelope(enum est_class c);

/* -1 below e->min, 1 above e->max, 0 within (NULL e: 0). */
int	 est_plausible(const struct est_envelope *e, double per_ul);

/*
 * The flag of an estimate: EST_FLAG_IMPLAUSIBLE outside class c's
 * envelope, else est_range_flag(range, per_ul).
 */
enum est_flag	 est_flag_estimate(enum est_class c,
	    const struct est_range *range, double per_ul);

/* ---- anaemia (WHO haemoglobin cutoffs) ------------------------------- */

/*
 * One population group.  A person matches the first group, in table order,
 * whose conditions all hold.  Haemoglobin in g/L: anaemia below
 * anaemia_below; mild from mild_from, moderate from moderate_from, severe
 * below moderate_from.
 */
struct est_hb_group {
	char		 id[32];
	char		 label[96];
	double		 from_months;	/* inclusive */
	double		 to_months;	/* exclusive; < 0: none */
	enum est_sex	 sex;		/* EST_SEX_UNKNOWN: either */
	int		 pregnant;	/* -1 either, 0 no, 1 yes */
	int		 trimester;	/* 0 any, else 1..3 */
	double		 anaemia_below;
	double		 mild_from;
	double		 moderate_from;
	int		 unverified;	/* "check": true in the data file */
};

/* Adjustment (g/L, subtracted from measured Hb) from from_m upward. */
struct est_step {
	double	from;
	double	g_l;
};

struct est_person {
	double		 age_months;	/* < 0: unknown */
	enum est_sex	 sex;
	int		 pregnant;	/* 0/1 */
	int		 trimester;	/* 0 unknown, 1..3 */
	double		 hb_g_l;	/* < 0: not measured */
	double		 altitude_m;	/* used when has_altitude */
	int		 has_altitude;
	int		 smoker;	/* 0/1 */
	double		 packs_per_day;	/* < 0: unknown */
};

struct est_hb_rules {
	const struct est_hb_group	*groups;
	size_t				 ngroups;
	const struct est_step		*altitude;	/* ascending from */
	size_t				 naltitude;
	const struct est_step		*smoking;	/* ascending packs/day */
	size_t				 nsmoking;
	double				 smoking_unknown_g_l; /* amount unknown */
};

enum est_screen {
	EST_SCREEN_CANNOT_TELL = 0,
	EST_SCREEN_NOT_INDICATED,
	EST_SCREEN_LIKELY
};

enum est_severity {
	EST_SEV_NONE = 0,
	EST_SEV_MILD,
	EST_SEV_MODERATE,
	EST_SEV_SEVERE
};

/*
 * Why est_anaemia() came to its result.  The English reason is one of
 * these, worded with the result's numbers; the names (est_reason_name())
 * are stable codes a client words in its own language.
 */
enum est_reason {
	EST_REASON_NO_HB = 0,		/* no haemoglobin measured */
	EST_REASON_NO_HB_LOW_RBC,	/* ...and the RBC estimate is low */
	EST_REASON_NEED_TRIMESTER,	/* pregnant, trimester unknown */
	EST_REASON_NEED_AGE,
	EST_REASON_UNDER_6_MONTHS,	/* WHO gives no cutoff */
	EST_REASON_NEED_SEX,		/* from 15 years */
	EST_REASON_NO_GROUP,		/* no group fits, none of the above */
	EST_REASON_NOT_BELOW,		/* adjusted Hb >= the group's cutoff */
	EST_REASON_BELOW		/* adjusted Hb < the group's cutoff */
};

/*
 * "no_hemoglobin", "no_hemoglobin_low_rbc", "trimester_needed",
 * "age_needed", "under_6_months", "sex_needed", "no_cutoff_group",
 * "hemoglobin_not_below_cutoff", "hemoglobin_below_cutoff"
 */
const char	*est_reason_name(enum est_reason r);

/* "cannot_tell", "not_indicated", "likely" */
const char	*est_screen_name(enum est_screen s);
/* "none", "mild", "moderate", "severe" */
const char	*est_severity_name(enum est_severity s);

struct est_hb_result {
	enum est_screen			 screen;
	enum est_severity		 severity;
	const struct est_hb_group	*group;		/* NULL if none matched */
	int				 has_hb;	/* numbers below valid */
	double				 measured;
	double				 altitude_adj;
	double				 smoking_adj;
	double				 adjusted;
	enum est_reason			 reason_code;
	int				 no_altitude;	/* no altitude given */
	char				 reason[640];	/* English */
	char				 formula[512];	/* "" unless has_hb */
};

/* Sum of the last step at or below x (0 below the first step or if n == 0). */
double	est_step_lookup(const struct est_step *s, size_t n, double x);

/*
 * First group matching p; NULL if none (under 6 months, sex unknown from
 * 15 years, pregnant without trimester).  An unknown age (< 0) matches
 * only groups open at both ends, i.e. pregnancy by trimester.
 */
const struct est_hb_group *est_hb_group_find(const struct est_hb_group *g,
	    size_t n, const struct est_person *p);

/*
 * Screen p for anaemia.  With measured haemoglobin: adjust it for altitude
 * and smoking, compare it with the group's cutoff.  Without: "cannot tell",
 * the reason mentioning rbc_flag when it is EST_FLAG_LOW (a low RBC
 * estimate) so a technician orders a haemoglobin test.  Always fills
 * out->reason and out->reason_code; out->no_altitude adds the sentence
 * "Altitude not given: ..." to the reason.
 */
void	est_anaemia(const struct est_person *p, const struct est_hb_rules *rules,
	    enum est_flag rbc_flag, struct est_hb_result *out);

/*
 * Format x rounded half away from zero to at most decimals digits after
 * the point, trailing zeros cut: the same digits as round(x * 10^d) / 10^d
 * printed in full, so a number shown in a sentence and the same number
 * sent as JSON beside it agree.
 */
void	est_fmt(char *buf, size_t bufsz, double x, int decimals);

#endif /* BV_ESTIMATES_H */
