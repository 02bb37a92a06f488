/* quality.h: is this picture a usable smear field? the scene gate and per-field quality flags */
#ifndef BV_QUALITY_H
#define BV_QUALITY_H

#include <stddef.h>
#include <jansson.h>

#include "vision/fov.h"
#include "vision/scale.h"

struct det_box;
struct img;

/*
 * The features the scene gate reads (their order is the model's, see
 * quality_model.h, written by bv-quality train): colour, texture and
 * frequency statistics of the picture at the cells' scale, then the
 * detector's own evidence.
 */
enum quality_feature {
	QF_BRIGHT = 0,		/* mean grey level, 0..1 */
	QF_BRIGHT_SD,		/* its standard deviation */
	QF_BACKGROUND,		/* 90th percentile of grey (the smear's background) */
	QF_SATURATION,		/* mean (max - min) / max */
	QF_GREEN_MIN,		/* share of coloured pixels whose green is the lowest */
	QF_RED_GREEN,		/* mean (R - G) / grey */
	QF_BLUE_GREEN,		/* mean (B - G) / grey */
	QF_HUE_ENTROPY,		/* entropy of the hue of coloured pixels, 0..1 */
	QF_FINE,		/* fine detail (1 px) over all contrast */
	QF_BAND,		/* contrast at the cells' size over all contrast */
	QF_EDGES,		/* share of pixels on a strong edge */
	QF_NRBC,		/* log(1 + counted red cells) */
	QF_COVER,		/* counted red-cell area / field area */
	QF_SIZE_CV,		/* coefficient of variation of red-cell size */
	QF_ASPECT,		/* mean |log(w / h)| of red cells */
	QF_CONF,		/* mean confidence of counted red cells */
	QF_CONTRAST,		/* red-cell centre grey - background grey */
	QF_CELL_CV,		/* spread of red-cell centre colour */
	QF_CLUMP,		/* share of red-cell area in clumps */
	QF_N
};

/* Field-quality flags; each has its measured value and its limit. */
enum quality_flag {
	QFLAG_FOCUS = 0,	/* out of focus */
	QFLAG_DARK,		/* under-exposed */
	QFLAG_BRIGHT,		/* over-exposed */
	QFLAG_THICK,		/* too thick: red cells in clumps */
	QFLAG_SPARSE,		/* too sparse or empty */
	QFLAG_MAGNIFICATION,	/* cell size implausible for the scale */
	QFLAG_STAIN_BLUE,	/* stain too blue */
	QFLAG_STAIN_PINK,	/* stain too pink */
	QFLAG_STAIN_FADED,	/* stain faded */
	QFLAG_N
};

/*
 * A microscope's and stain's reference: what a calibration profile's (or
 * a dataset's) clean fields measure, the medians of the focus and stain
 * flags' values.  With one, those flags are judged against it (quality.c's
 * rule table says by how much a field may differ) instead of against one
 * range for every laboratory's camera and stain.
 */
struct quality_ref {
	double	 focus;		/* edge sharpness */
	double	 blue;		/* red OD / (red + green OD) */
	double	 pink;		/* green optical density share */
	double	 faded;		/* total optical density */
};

/* What the measures are taken from: one analysed picture. */
struct quality_input {
	const struct img	*im;	/* the picture (or its display copy) */
	double			 dfac;	/* im px per original px (1: the photo) */
	const struct fov	*fov;	/* original px */
	const struct det_box	*boxes;	/* original px, every class */
	size_t			 n;
	const double		*thr;	/* counting threshold per class */
	int			 rbc_cls;
	const struct scale_info	*scale;
	double			 rbc_um;	/* red-cell diameter for um/px checks */
	const struct quality_ref *ref;	/* NULL: the default ranges */
};

struct quality {
	double	 feat[QF_N];
	double	 score;		/* the gate's probability of a smear, 0..1 */
	int	 smear;		/* score >= the model's threshold */
	/* the flags' measured values (see quality_flag_limit()) */
	double	 value[QFLAG_N];
	double	 limit[QFLAG_N];	/* the limit each was judged by */
	unsigned flags;		/* bit i: flag i raised */
	int	 nrbc;		/* counted red cells */
};

/*
 * Measure in's picture and boxes: the gate's features and score, the
 * flags and their values.  Borrows everything; allocates and frees its
 * own work memory.  0, or -1 on no memory or an empty picture (out is
 * then zeroed, smear 1 and no flag: never refuse on our own failure).
 */
int	 quality_measure(const struct quality_input *in, struct quality *out);

/* The gate alone from features: the probability of a smear. */
double	 quality_score(const double feat[QF_N]);

/* The gate's threshold (quality_model.h). */
double	 quality_threshold(void);

/* "focus", "dark", ... (the JSON and the web page's codes). */
const char *quality_flag_name(enum quality_flag f);
const char *quality_feature_name(enum quality_feature f);

/*
 * The key flag f's value is stored under in a result's measures: its
 * name, or a new key where the measure's meaning changed
 * ("edge_sharpness" for focus), so that a reference never mixes old and
 * new values.
 */
const char *quality_measure_key(enum quality_flag f);

/*
 * The default limit a flag's value is compared with (a reference moves
 * the focus and stain flags' limits: struct quality's limit), and on which
 * side it fails: a raised flag has value < limit when below is 1, value
 * > limit else.
 */
double	 quality_flag_limit(enum quality_flag f, int *below);

/* Whether q has any flag raised: the field is poor. */
int	 quality_poor(const struct quality *q);

/*
 * The result's "quality" object (docs/api.md): poor, smear_score and
 * flags [{flag, value, limit, text, text_i18n}], each text a plain
 * English sentence, text_i18n its code and params for other languages,
 * and measures {flag: value}, every flag's measured value raised or not.
 * New reference, NULL on no memory.
 */
json_t	*quality_json(const struct quality *q);

#endif /* BV_QUALITY_H */
