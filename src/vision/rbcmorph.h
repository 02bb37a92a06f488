/* rbcmorph.h: red-cell geometry inside each detected box: size, elongation, circularity, central pallor */
#ifndef BV_RBCMORPH_H
#define BV_RBCMORPH_H

#include <stddef.h>
#include <jansson.h>

struct det_box;
struct fov;
struct img;

/*
 * The cuts the summary counts with.  Neither is from a checked source:
 * both are shown as unverified (docs/morphology.md says why and what was
 * looked for).  The pallor cut is the 90th percentile of chula-rbc's
 * normal cells on its even-numbered images (bv-morph-check); the
 * elongation cut is the textbook axis ratio of an elliptocyte.
 */
#define RBCMORPH_HYPO_PALLOR	0.75	/* pallor ratio above: hypochromic */
#define RBCMORPH_ELLIP_ELONG	2.00	/* major / minor above: elliptocyte */
#define RBCMORPH_OVERLAP_SHARE	0.10	/* box area shared with another box */
#define RBCMORPH_MIN_TYPICAL	4	/* red-cell boxes to take a typical size */
/*
 * A red-cell box whose area-equivalent side sqrt(w h) is above this many
 * times the field's typical size holds a clump, not one cell: measured on
 * the server's boxes (docs/morphology.md), no labelled chula-rbc cell of
 * any class (5,500 on 102 photos, 360 macrocytes, largest 1.36) is above
 * it, and the BCCD val box above it was a clump.
 */
#define RBCMORPH_CLUMP_SIDE	1.40

/* Why a red cell was or was not measured. */
enum rbcmorph_status {
	RBCMORPH_OK = 0,
	RBCMORPH_SKIP,		/* not a counted red cell: not considered */
	RBCMORPH_BORDER,	/* cut by the photo's border */
	RBCMORPH_OVERLAP,	/* overlaps another detected box */
	RBCMORPH_SEGMENT,	/* no clean outline inside its box */
	RBCMORPH_CLUMP		/* box too large for one cell: a clump */
};

/* One cell's measures (valid when status is RBCMORPH_OK). */
struct rbcmorph_cell {
	enum rbcmorph_status	 status;
	double			 diameter_px;	/* area-equivalent, original px */
	double			 elongation;	/* major / minor axis, >= 1 */
	double			 circularity;	/* 4 pi area / perimeter^2, 0..1 */
	double			 pallor;	/* 1 - centre / ring stain, 0..1 */
	/* mean optical density (green, natural log, against the box's
	 * background) over the outline and over its ring */
	double			 od, ring_od;
};

/* A field's (or a sample's) figures over its measured cells. */
struct rbcmorph_summary {
	int	 considered;	/* counted red cells */
	int	 measured;
	int	 border, overlap, segment, clump; /* not measured, by reason */
	double	 median_px;	/* median diameter, original px; 0: none */
	double	 mean_px, sd_px;	/* their mean and SD (sd 0 below 2) */
	double	 median_um;	/* in um; 0 unless the scale is given */
	double	 cv;		/* SD / mean of diameters; 0 below 2 cells */
	double	 median_pallor;
	double	 hypo_share;	/* share with pallor > RBCMORPH_HYPO_PALLOR */
	double	 ellip_share;	/* share with elongation > ..._ELLIP_ELONG */
};

/*
 * Segment one cell in the region [x0, x1) x [y0, y1) of im (im px) and
 * measure it; dfac is im px per original px (the diameter is returned in
 * original px).  Sets out->status to RBCMORPH_OK or RBCMORPH_SEGMENT.
 * Returns 0, or -1 when out of memory (out->status RBCMORPH_SEGMENT).
 */
int	 rbcmorph_cell_measure(const struct img *im, double dfac, int x0,
	    int y0, int x1, int y1, struct rbcmorph_cell *out);

/*
 * Measure every counted red cell of boxes b[0..n) (original px; im is the
 * picture at dfac im px per original px): a box of class rbc counts when
 * thr is NULL or count_counted(conf, thr[rbc]).  Cells whose box touches
 * the photo's border, whose inscribed ellipse leaves the field of view f
 * (original px; NULL: the whole photo), or whose box shares more than
 * RBCMORPH_OVERLAP_SHARE of its area with another counted box, or whose
 * box is a clump's (RBCMORPH_CLUMP_SIDE), are skipped with their reason
 * (RBCMORPH_BORDER for both kinds of cut).  out has n
 * entries (the caller's).  Returns 0, or -1 when out of memory.
 */
int	 rbcmorph_measure(const struct img *im, double dfac,
	    const struct fov *f, const struct det_box *b, size_t n, int rbc,
	    const double *thr, struct rbcmorph_cell *out);

/*
 * The typical red-cell size of a field: the median longer side of its
 * counted red-cell boxes (original px), 0 below RBCMORPH_MIN_TYPICAL of
 * them.  A box of class rbc counts as in rbcmorph_measure().
 */
double	 rbcmorph_typical(const struct det_box *b, size_t n, int rbc,
	    const double *thr);

/*
 * Summarise cells c[0..n) into s; um_per_px > 0 only when the scale was
 * given (the request or the profile), never measured on the red cells.
 * Returns 0, or -1 when out of memory.
 */
int	 rbcmorph_summarize(const struct rbcmorph_cell *c, size_t n,
	    double um_per_px, struct rbcmorph_summary *s);

/* The result's "morphology" object (new reference; NULL on no memory). */
json_t	*rbcmorph_json(const struct rbcmorph_summary *s);

/*
 * One field's "morphology" object: rbcmorph_measure(), _summarize() and
 * _json() in one, with the time it took ("ms").  rbc < 0 (the detector
 * has no red-cell class) gives an object with nothing considered.  New
 * reference; NULL on no memory.
 */
json_t	*rbcmorph_field(const struct img *im, double dfac,
	    const struct fov *f, const struct det_box *b, size_t n, int rbc,
	    const double *thr, double um_per_px);

#endif /* BV_RBCMORPH_H */
