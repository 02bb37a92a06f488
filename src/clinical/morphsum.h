/* morphsum.h: a sample's red-cell morphology over its fields, and its plain-language pattern line */
#ifndef BV_MORPHSUM_H
#define BV_MORPHSUM_H

#include <jansson.h>

#include "clinical/morphpattern.h"

/*
 * Below this many red cells a sample gets no pattern line (classified
 * cells when the classifier ran on its fields, measured ones otherwise):
 * a few dozen cells from thick fields say too little of a smear.
 * Unverified, like the pattern's cuts (morphpattern.h,
 * docs/morphology.md).
 */
#define MORPHSUM_MIN_CELLS	100

#define MORPHSUM_MAX_CLASSES	MORPHPAT_MAX_CLASSES	/* classes pooled */

/* The running sums over a sample's fields. */
struct morphsum {
	int	 fields;	/* fields with a morphology object */
	int	 considered, measured;
	double	 sum, sumsq;	/* diameters, px */
	double	 sum_um;	/* diameters, um, while every field has a scale */
	int	 um_ok;		/* 1 while every measured field had a given scale */
	double	 hypo, ellip;	/* cells above the cuts */
	int	 classified, abstained;	/* morphology classes (rbccls.h) */
	int	 ncls;
	char	 cls[MORPHSUM_MAX_CLASSES][24];
	int	 by[MORPHSUM_MAX_CLASSES];
};

/* Start the sums. */
void	 morphsum_init(struct morphsum *m);

/*
 * Add one result's "morphology" object (a result without one, saved
 * before issue 27, adds nothing); the result's "scale" says whether its
 * um_per_px was given (request or profile).
 */
void	 morphsum_field(const json_t *result, struct morphsum *m);

/*
 * The sample's "morphology" object: cells measured, mean diameter (px;
 * um only when every measured field's scale was given), its coefficient
 * of variation, the hypochromic and elongated shares, and "pattern" /
 * "pattern_i18n": one plain-language line (morphpattern.h; from the class
 * shares when the classifier ran, else from the geometry:
 * "pattern_source" "classes" or "geometry"), null with "withheld" /
 * "withheld_i18n" below MORPHSUM_MIN_CELLS classified (or measured)
 * cells.  Never a diagnosis.  With
 * classified cells, "classes": {"classified", "abstained", "by", "share"
 * (of classified), "leading_abnormal" (the commonest class other than
 * normal, null below MORPHSUM_MIN_CELLS classified)}.  New reference;
 * NULL on no memory.
 */
json_t	*morphsum_json(const struct morphsum *m);

#endif /* BV_MORPHSUM_H */
