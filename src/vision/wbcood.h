/* wbcood.h: when the white-cell classifier does not know: calibration, out-of-distribution tests, reasons */
#ifndef BV_WBCOOD_H
#define BV_WBCOOD_H

#include <stddef.h>

struct cellcrop;

#define WBCOOD_MAX_CLASSES	32
#define WBCOOD_NSTAIN		9	/* stain statistics of a crop */

/* Why a crop is not typed; WBCOOD_TYPED when it is.  In the order the
 * rule tests them: the first that holds is the reason given. */
enum wbcood_reason {
	WBCOOD_TYPED = 0,
	WBCOOD_CROP_CUT,	/* the cell's box touches the image border */
	WBCOOD_STAIN,		/* the crop's colours are unlike training's */
	WBCOOD_UNLIKE,		/* its features are far from every class */
	WBCOOD_REJECTED,	/* the reject class: not a white cell */
	WBCOOD_LOW_CONF		/* below the calibrated minimum */
};

/* One crop's verdict. */
struct wbcood_verdict {
	enum wbcood_reason reason;
	int	 cls;			/* the classifier's best class */
	float	 conf;			/* its calibrated probability */
	float	 probs[WBCOOD_MAX_CLASSES];	/* calibrated */
	float	 energy;		/* -T log sum exp(z / T) */
	float	 dist;			/* to the nearest class mean (NAN:
					 * no features) */
	float	 stain_z;		/* largest |z| of the stain stats */
};

/*
 * The model: temperature, minimum confidence, reject class, and the
 * tests' statistics and limits (models/v2-wbc.json, written by
 * bv-calib-cls; docs in models/README.md), and optional
 * "class_offsets" (one a class, |b| <= 5, added to the calibrated
 * logits: z / t + b; src/tools/rbc-offsets.py).  Read from path for a
 * classifier whose classes are names[0..n-1] (the file's "classes" must
 * be the same list).  NULL with a message in err when the file is
 * unreadable or inconsistent.  wbcood_free(NULL) is a no-op.
 */
struct wbcood	*wbcood_load(const char *path, const char **names, int n,
		    char *err, size_t errsz);
/* The same from a parsed file (a json_t *; borrowed). */
struct wbcood	*wbcood_from_json(const void *root, const char **names, int n,
		    char *err, size_t errsz);

/* 1 when a cell's box (x0, y0)-(x1, y1) touches the border of a w x h
 * image (the crop_cut rule), else 0. */
int		 wbcood_cut(double x0, double y0, double x1, double y1, int w,
		    int h);
void		 wbcood_free(struct wbcood *);

/*
 * The rule without a calibration file: temperature 1, minimum 0.6, the
 * class named "platelet" rejected, no out-of-distribution test (the
 * classifier's behaviour before calibration).  NULL on ENOMEM.
 */
struct wbcood	*wbcood_default(const char **names, int n);

/* p = softmax(z / t), n values; t > 0.  Computed in double. */
void		 wbcood_softmax(const float *z, int n, double t, float *p);

/*
 * The stain statistics of a crop (planar float RGB in [0, 1], side x
 * side, the classifier's input), over its pixels inside the image (g:
 * the crop's geometry, NULL for all): the background's colour (mean of
 * the brightest fifth; 3), the optical density of the darkest tenth
 * against the background (the nucleus stain; 3), and the mean optical
 * density against the background (3).  -1 when fewer than 100 pixels lie
 * inside.
 */
int		 wbcood_stain(const float *in, int side, const struct cellcrop *g,
		    float *stats);

/*
 * When the model says so ("normalise_background"), scale the crop's
 * channels (pixels inside the image, g as above) so that its background
 * (the brightest fifth) takes the training crops' mean colour: a
 * camera's white balance and exposure then reach neither the classifier
 * nor the stain test.  Call before wbcood_stain() and the classifier.
 * 0 (also when the model does not normalise), or -1 when fewer than 100
 * pixels lie inside (in untouched).
 */
int		 wbcood_normalise(const struct wbcood *, float *in, int side,
		    const struct cellcrop *g);

/*
 * Judge a crop: logits (classifier_classes() of them), features (nf;
 * NULL or nf 0 when none), stain statistics (NULL: not measured), cut
 * (its box touches the image border).  Fills v; returns v->reason.
 */
enum wbcood_reason wbcood_judge(const struct wbcood *, const float *logits,
		    const float *feat, int nf, const float *stain, int cut,
		    struct wbcood_verdict *v);

/* "low_confidence", "stain_unlike_training", ...: the API's names. */
const char	*wbcood_reason_name(enum wbcood_reason);

/* The model's temperature and minimum calibrated confidence. */
double		 wbcood_temperature(const struct wbcood *);
double		 wbcood_min_conf(const struct wbcood *);
/* 1 when class k is a reject class; class k's offset (0 when none). */
int		 wbcood_is_reject(const struct wbcood *, int k);
double		 wbcood_offset(const struct wbcood *, int k);

#endif /* BV_WBCOOD_H */
