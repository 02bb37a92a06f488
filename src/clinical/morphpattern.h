/* morphpattern.h: the plain-language pattern line of a sample's red-cell morphology, from class shares or geometry */
#ifndef BV_MORPHPATTERN_H
#define BV_MORPHPATTERN_H

/* Every number here is unverified (docs/morphology.md). */
#define MORPHPAT_HYPO_SHARE	0.30	/* hypochromic share: many pale cells */
#define MORPHPAT_ELLIP_SHARE	0.25	/* elongated share: many elliptocytes */
#define MORPHPAT_MICRO_UM	6.5	/* mean diameter below: small cells */
#define MORPHPAT_MACRO_UM	8.5	/* mean diameter above: large cells */
/* A class group's share of the classified cells that makes a pattern. */
#define MORPHPAT_CLASS_SHARE	0.20
/* Microcytes and hypochromic cells both at least this: "small pale". */
#define MORPHPAT_CLASS_MINOR	0.05
/*
 * The elliptocyte class was learned from one slide and calls round cells
 * of it elliptocytes (docs/morphology.md): its line also needs the
 * geometry's elongated share (elongation > 2) at least this.  0.08 =
 * the class cut 0.20 x 0.44, the share of chula-rbc's labelled
 * elliptocytes above elongation 2 (bv-morph-check, odd half), rounded
 * down; normal cells: 0.000.
 */
#define MORPHPAT_ELLIP_GEOM	0.08
#define MORPHPAT_MAX_CLASSES	16

/* A sample's class shares of the classified cells, by name, and the
 * geometry's elongated share of its measured cells. */
struct morphpattern_classes {
	int		 n;
	double		 elongated;
	const char	*name[MORPHPAT_MAX_CLASSES];
	double		 share[MORPHPAT_MAX_CLASSES];
};

/*
 * The pattern from the geometry cuts: pooled mean diameter in um (0 when
 * not every field had a given scale), hypochromic and elongated shares.
 * Returns the message code, *en its English line.
 */
const char	*morphpattern_geometry(double mean_um, double hypo,
		    double ellip, const char **en);

/*
 * The pattern from the classifier's class shares: the group (small/pale,
 * large, elliptocytes, spherocytes, target cells, fragments) with the
 * largest share, when at least MORPHPAT_CLASS_SHARE; elliptocytes only
 * when the elongated share is at least MORPHPAT_ELLIP_GEOM.  Returns the
 * code, *en its English line.
 */
const char	*morphpattern_classes(const struct morphpattern_classes *c,
		    const char **en);

#endif /* BV_MORPHPATTERN_H */
