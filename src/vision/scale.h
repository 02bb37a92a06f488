/* scale.h: the image's cell scale: where it comes from and how sure it is */
#ifndef BV_SCALE_H
#define BV_SCALE_H

#include <stddef.h>

struct det_box;
struct img;

enum scale_source {
	SCALE_NONE = 0,		/* not known: the image was taken as it is */
	SCALE_REQUEST,		/* the upload's um_per_px field */
	SCALE_PROFILE,		/* the sample's calibration profile */
	SCALE_AUTO,		/* searched: measured on the image's red cells */
	SCALE_REMEMBERED	/* the microscope's last measured scale (scalemem.h) */
};

enum scale_status {
	SCALE_OK = 0,
	SCALE_UNSURE
};

enum scale_reason {
	SCALE_R_NONE = 0,
	SCALE_R_NO_RBC,		/* no red cell found at any scale tried */
	SCALE_R_FEW_RBC,	/* too few to measure well */
	SCALE_R_SPREAD,		/* their sizes disagree */
	SCALE_R_MISMATCH,	/* the given um_per_px disagrees with the cells */
	SCALE_R_WBC_RULER	/* no red cell: measured on white cells */
};

/* What the result says of the scale ("scale" in result.json). */
struct scale_info {
	enum scale_source	 source;
	enum scale_status	 status;
	enum scale_reason	 reason;
	double			 rbc_px;	/* median RBC diameter, original px; 0: none */
	double			 um_per_px;	/* 0 unless source is request/profile */
	double			 factor;	/* working px per original px */
	int			 nrbc;		/* red cells measured */
	int			 checked;	/* 1: the red cells detected at the
						   working scale confirm it (status ok) */
};

/* Red cells measured on one set of boxes. */
struct scale_meas {
	int	 n;		/* boxes used */
	double	 median;	/* of sqrt(w h), in the boxes' pixels */
	double	 spread;	/* interquartile range / median */
};

/*
 * Measure the red cells (class rbc) in v: boxes with confidence >= conf;
 * a whole cell gives sqrt(w h), one cut by a single side of the w x h
 * area they were found in gives its extent along that side (when at least
 * half of it is in view), one cut at a corner nothing.  out->n is 0 when
 * none qualify.  0, or -1 on no memory.
 */
int	 scale_measure(const struct det_box *v, size_t n, int rbc, float conf,
	    double w, double h, struct scale_meas *out);

/*
 * How far a measured median size m is from the network's own red-cell
 * size t, as a weight in [0, 1]: 1 within 0.75-1.33x, falling off to 0
 * outside 0.5-2x (the sizes its training augmentation covered).
 */
double	 scale_fit(double m, double t);

/* The status a measurement earns (SCALE_OK needs >= 4 whole cells, spread < 0.35). */
void	 scale_judge(const struct scale_meas *m, enum scale_status *st,
	    enum scale_reason *why);

/*
 * Texture: the largest standard deviation of the luma in any of 8 x 8
 * regions of im (sampled on a grid of at most ~64k pixels; pixels with
 * luma at or below dark, the field stop's black, left out): a blank or
 * featureless photo measures a few units, a smear tens, also when it
 * fills only part of the frame.
 */
double	 scale_texture(const struct img *im, int dark);

const char	*scale_source_name(enum scale_source);
const char	*scale_reason_name(enum scale_reason);	/* NULL for none */

#endif /* BV_SCALE_H */
