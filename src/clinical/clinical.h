/* clinical.h: calibration profiles and reference data (etc/clinical.json, etc/reference-ranges.json) */
#ifndef BV_CLINICAL_H
#define BV_CLINICAL_H

#include <stddef.h>
#include <jansson.h>

#include "clinical/estimates.h"

enum clinical_prep {
	CLINICAL_SMEAR = 0,
	CLINICAL_CHAMBER,
	CLINICAL_NPREP
};

/* One calibration profile: how an image maps to a volume of blood. */
struct clinical_profile {
	char			 name[64];
	char			 label[160];
	enum clinical_prep	 prep;
	double			 um_per_px;	/* 0: not calibrated */
	/* smear */
	double			 field_diameter_um; /* 0: not set */
	double			 images_per_field;  /* 0: from um_per_px + diameter */
	double			 factor[EST_NCLASS]; /* cells/uL per cell per field */
	/* chamber */
	double			 depth_mm;
	double			 field_area_mm2;    /* 0: from um_per_px */
	double			 default_dilution;
	/*
	 * Relative SD of the factor (smear) or of depth x dilution
	 * (chamber): "factor_spread": {"sd_rel", "unverified"}; sd_rel 0
	 * when not recorded.  interval.h adds it to each estimate's interval.
	 */
	double			 factor_sd_rel;
	int			 factor_sd_unverified;
};

/* White-cell classes of the differential intervals, in file order. */
enum clinical_wbc_class {
	CLINICAL_NEUTROPHIL = 0,
	CLINICAL_LYMPHOCYTE,
	CLINICAL_MONOCYTE,
	CLINICAL_EOSINOPHIL,
	CLINICAL_BASOPHIL,
	CLINICAL_NWBC
};

/*
 * One age group of "wbc_differential": [low, high] inclusive intervals of
 * each class as a percentage of all white cells and per uL.
 */
struct clinical_wbc_group {
	char		 group[32];
	double		 age_min_months;	/* inclusive */
	double		 age_max_months;	/* exclusive; < 0: none */
	double		 pct[CLINICAL_NWBC][2];
	double		 per_ul[CLINICAL_NWBC][2];
	int		 unverified;	/* per_ul: "check" (group, else section) */
	int		 pct_unverified; /* pct: unverified or "pct_check" */
};

/* Process-lifetime, read-only once loaded. */
struct clinical {
	struct clinical_profile	*profiles;
	size_t			 nprofiles;
	char			 default_profile[CLINICAL_NPREP][64];
	double			 min_rbc;	/* stability rule */
	size_t			 min_fields;

	struct est_hb_group	*groups;
	size_t			 ngroups;
	struct est_step		*altitude;
	size_t			 naltitude;
	struct est_step		*smoking;
	size_t			 nsmoking;
	int			 altitude_unverified; /* its "check": true */
	int			 smoking_unverified;
	struct est_hb_rules	 rules;		/* points into the arrays above */
	struct est_range	*ranges;
	size_t			 nranges;
	struct clinical_wbc_group *wbc;	/* optional section: nwbc may be 0 */
	size_t			 nwbc;
	json_t			*sources;	/* the reference file's "sources" */
	char			 version[32];
};

/*
 * Load and check both files.  Returns a new struct clinical the caller
 * frees with clinical_free(), or NULL with a message ("file: where: why")
 * in err.  Nothing half-loaded is ever returned.  In the reference file,
 * an entry not marked "check": true must quote, in its "cite" list, a
 * source text for each of its numbers (docs/reference-data.md); the
 * "wbc_differential" section is optional.
 */
struct clinical *clinical_load(const char *path_calibration,
	    const char *path_reference, char *err, size_t errsz);

/* Release c and everything it holds; NULL is a no-op. */
void	clinical_free(struct clinical *c);

/*
 * c's anaemia rules less every adjustment not verified against its source
 * (its steps left out, so it adds 0 g/L): the screening a headline may rest
 * on.  The groups are c's; a group's own "unverified" is the caller's to
 * check.  out borrows from c.
 */
void	clinical_verified_rules(const struct clinical *c,
	    struct est_hb_rules *out);

/* Profile named name, or NULL.  Borrowed from c. */
const struct clinical_profile *clinical_profile_find(const struct clinical *c,
	    const char *name);

/*
 * First "wbc_differential" group whose ages hold age_months; NULL when
 * none does, the age is unknown (< 0) or the file has no such section.
 */
const struct clinical_wbc_group *clinical_wbc_find(const struct clinical *c,
	    double age_months);

/* "neutrophil", "lymphocyte", "monocyte", "eosinophil", "basophil" */
const char	*clinical_wbc_class_name(enum clinical_wbc_class k);

/* The enum value of "smear" or "chamber", or -1. */
int		 clinical_prep_from_name(const char *name);

/* New JSON description of the profiles and the stability rule (caller owns). */
json_t	*clinical_profiles_json(const struct clinical *c);

#endif /* BV_CLINICAL_H */
