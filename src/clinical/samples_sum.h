/* samples_sum.h: what the sample summary's files share (private): densities, flags, screening */
#ifndef BV_SAMPLES_SUM_H
#define BV_SAMPLES_SUM_H

/*
 * samples_summary_ref() (samples_summary.c) reads a sample's fields and
 * assembles its summary; samples_density.c works out its densities and
 * samples_screen.c its flags and anaemia screening.  Only these three
 * include this header; everyone else uses store/samples.h.
 */

#include "clinical/clinical.h"
#include "clinical/estimates.h"

#include <stddef.h>
#include <jansson.h>

/* Per-field data read from the results. */
struct samples_field {
	double	count[EST_NCLASS];
	double	w, h;		/* image pixels; 0 if unknown */
	double	fov_um2;	/* measured field of view ("fov"."area_um2"); 0: none */
	int	targeted;	/* chosen around white cells: no estimate */
	double	frame[EST_NCLASS];	/* counting-frame counts */
	double	frame_ratio;	/* field area / frame area; 0: no frame */
};

/* One class's density. */
struct samples_density {
	int	ok;
	double	per_ul;
	double	lo, hi;		/* valid when has_ci */
	double	scale;		/* cells/uL per unit of the mean per image */
	int	has_ci;
	char	formula[400];
};

/* A fixed English sentence and its code (see msg_add()). */
struct samples_sentence {
	const char	*code;
	const char	*en;
};

/*
 * Entries of etc/reference-ranges.json marked "check": true were written
 * from memory of their source and are not verified: every summary that
 * uses one says so (summary "unverified"), beside the figure too.
 */
struct samples_unverified {
	int			 ranges;
	const struct est_hb_group *cutoff;	/* the group used, if unverified */
	int			 altitude;
	int			 smoking;
};

/* ---- samples_screen.c -------------------------------------------------- */

/* o's number key into *v: its JSON value, or NULL (*v untouched) if none. */
json_t		*samples_num(const json_t *o, const char *key, double *v);

/* The sample's "sex". */
enum est_sex	 samples_sex(const json_t *sample);

/* Class k's flag object for an estimate of per_ul flagged fl (new). */
json_t		*samples_flag_json(enum est_class k, enum est_flag fl,
		    double per_ul);

/* Add range (NULL: none) to flag object o; an unverified one marks u. */
void		 samples_flag_range(json_t *o, const struct est_range *range,
		    enum est_flag fl, struct samples_unverified *u);

/*
 * The summary's "screening" for the person of sample, with the RBC flag
 * rbc_flag, against c (NULL: not loaded); marks in u what of it is not
 * verified.
 */
json_t		*samples_screening_json(const json_t *sample,
		    const struct clinical *c, enum est_flag rbc_flag,
		    struct samples_unverified *u);

/* The summary's "unverified": what of u it used, in words. */
json_t		*samples_unverified_json(const struct samples_unverified *u);

/* ---- samples_density.c ------------------------------------------------- */

/*
 * Smear: images per field of the n fields f, written out in how and as
 * messages in msgs; -1 (how saying why) when it cannot be worked out.
 */
double	 samples_images_per_field(const struct clinical_profile *p,
	    const struct samples_field *f, size_t n, char *how, size_t howsz,
	    json_t *msgs);

/* Density of class k on a smear; its formula also as a message in msgs. */
void	 samples_smear_density(const struct clinical_profile *p,
	    enum est_class k, const struct est_stats *st, double ipf,
	    struct samples_density *out, json_t *msgs);

/*
 * Chamber: total counted area in mm^2 of the n fields f, written out in
 * how and as a message in msgs; -1 if unknown (how says why).
 */
double	 samples_chamber_area(const struct clinical_profile *p,
	    const struct samples_field *f, size_t n, char *how, size_t howsz,
	    json_t *msgs);

/* Density of class k in a chamber; its formula also as a message in msgs. */
void	 samples_chamber_density(const struct clinical_profile *p,
	    enum est_class k, const struct est_stats *st, double area,
	    double dilution, struct samples_density *out, json_t *msgs);

/*
 * The technician's own chamber counts of sample as the summary's
 * "manual"; sets *rbc_flag to the manual RBC's flag when there is one.
 * NULL without manual counts or a chamber profile prof.
 */
json_t	*samples_manual_json(const json_t *sample, const struct clinical *c,
	    const struct clinical_profile *prof, double age,
	    enum est_flag *rbc_flag, struct samples_unverified *unv);

#endif /* BV_SAMPLES_SUM_H */
