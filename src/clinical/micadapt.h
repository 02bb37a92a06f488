/* micadapt.h: per-microscope operating thresholds from the checked fields: choose, adopt or refuse, roll back */
#ifndef BV_MICADAPT_H
#define BV_MICADAPT_H

#include <stddef.h>
#include <jansson.h>

#include "clinical/microscope.h"

/* Fewest checked fields an adaptation is tried on (6 to fit, 3 held out). */
#define MICADAPT_MIN_FIELDS	9
/* Fewest reviewed cells of a class on each side of the split. */
#define MICADAPT_MIN_CELLS	10
/* The thresholds tried: MICADAPT_LO (or min_confidence), + step, ... */
#define MICADAPT_LO		0.05f
#define MICADAPT_HI		0.99f
#define MICADAPT_STEP		0.01f

/*
 * The held-out split: fields in the order of an FNV-1a hash of their keys
 * (micadapt_field_key()), every third held out (held[i] = 1), so the
 * split is fixed for a set of fields whatever order they come in, and a
 * field keeps its side as others are added unless the ones around it in
 * the hash order change.
 */
void	 micadapt_split(const char *const *keys, size_t nf,
	    unsigned char *held);

/* The seed of the split's hash: another seed, another (fixed) split. */
#define MICADAPT_SPLIT_SEED	26u
#define MICADAPT_KEY_LEN	17

/*
 * A field's split key: 16 hex digits of an FNV-1a hash of
 * MICADAPT_SPLIT_SEED and its detections (class, confidence, box as
 * result.json rounds them).  The key follows what was photographed and
 * what the model saw, not the random result id, so the same fields give
 * the same split on every run and every box (an imported field too).
 */
void	 micadapt_field_key(const struct mic_field *f,
	    char out[MICADAPT_KEY_LEN]);

/* One class's choice. */
struct micadapt_class {
	int	 tried;			/* enough cells on both sides */
	int	 adopted;		/* better on the held-out fields */
	float	 cur, chosen;		/* in use now; chosen on the fit side */
	double	 held_before, held_after;	/* held-out bias at cur, chosen */
	long	 fit_cells, held_cells;
};

/*
 * Choose class cls's threshold on the fields not held out (cc_choose:
 * the least |bias|, ties to the higher threshold, from max(lo,
 * MICADAPT_LO) to MICADAPT_HI by MICADAPT_STEP) and adopt it only when
 * its held-out |bias| is lower than cur's.  0, or -1 on ENOMEM.
 */
int	 micadapt_choose(const struct mic_field *f, size_t nf,
	    const unsigned char *held, int cls, float cur, float lo,
	    struct micadapt_class *out);

/*
 * Record an adaptation in a microscope's state (micstore.h): a new
 * version {"version", "at", "kind": "thresholds", "model", "fields",
 * "held_out", "based_on", "adopted", "thresholds", "classes"} whose
 * thresholds are the chosen ones for adopted classes and cur for the
 * rest; "current" moves to it only when a class was adopted.  Returns the
 * new version number, or -1 (ENOMEM, or ENOSPC: too many versions).
 */
int	 micadapt_record(json_t *state, const char *model, size_t nf,
	    size_t nheld, const char *const *names, int ncls,
	    const struct micadapt_class *cl);

/*
 * Roll back: "current" goes to the adopted version before it, or 0 (the
 * model's own thresholds); the step is logged in "rollbacks".  Returns
 * the new current version, or -1 with errno ENOENT when nothing is
 * adopted now.
 */
int	 micadapt_rollback(json_t *state);

/*
 * The thresholds state's current version sets for model: thr[c] replaced
 * for each named class; thr untouched when no version is current or it
 * was made for another model.  Returns the version applied, or 0.
 */
int	 micadapt_thresholds(const json_t *state, const char *model,
	    const char *const *names, int ncls, double *thr);

/* ---- step (c): a fine-tuned model (bv-adapt) ---------------------------- */

/* Most shipped validation sets a model is checked on. */
#define MICADAPT_MAX_VAL	8
/* How much lower a shipped validation mAP may come out and still count as
 * "not worse": the spread of mAP@0.5 between two evaluations of one model
 * with another engine (darknet vs xnnpack-int8) is of this order. */
#define MICADAPT_VAL_TOL	0.005
/* How much held-out mAP must improve to count as better, and how much a
 * held-out figure may come out worse and still count as "not worse". */
#define MICADAPT_HELD_MIN	0.005
/*
 * How much the held-out |RBC count bias| must fall to count as clearly
 * better: the per-field spread of the RBC bias on the simulated clinic's
 * checked fields was 9.9 % (docs/microscope.md), so the mean of the 10
 * held-out fields of 30 checked has a standard error of about 3.1 %;
 * 0.05 is about 1.6 of them (one-sided 95 %).
 */
#define MICADAPT_BIAS_GAIN	0.05

/* One model measured: on the held-out checked fields and the shipped
 * validation sets (NAN: not measured, which refuses). */
struct micadapt_eval {
	double	 held_ap;		/* mAP@0.5 on the held-out fields */
	double	 held_bias;		/* RBC count bias there (ratio) */
	double	 val_ap[MICADAPT_MAX_VAL];
	int	 nval;
};

/*
 * Adopt a fine-tuned model (after) over the one in use (before) only if,
 * on the held-out checked fields, it is clearly better on one criterion
 * and not worse on the other - mAP up by at least MICADAPT_HELD_MIN, or
 * |RBC count bias| down by at least MICADAPT_BIAS_GAIN; neither mAP
 * down nor |bias| up by more than MICADAPT_HELD_MIN - and not worse on
 * any shipped validation set (mAP down by at most MICADAPT_VAL_TOL).
 * (A few held-out fields near AP 1.0 cannot show an mAP gain; the count
 * bias, what the clinic reads, can.)  1 adopt, 0 refuse; why gets the reason in English
 * either way.
 */
int	 micadapt_model_decide(const struct micadapt_eval *before,
	    const struct micadapt_eval *after, char *why, size_t whylen);

/* ---- the white-cell classifier fine-tuned on reviewed types -------------- */

/* How much held-out typing accuracy must rise to count as better: one
 * crop in 50 (the held-out side of 30 checked crops a class over 7
 * types is about 70 crops; 0.02 is between one and two of them). */
#define MICADAPT_CLS_GAIN	0.02
/* How much a held-out share may come out worse and still count as not
 * worse (the confidently-wrong share; accuracy uses the gain's sign). */
#define MICADAPT_CLS_CW_TOL	0.01
/* How much lower pbc-cells val accuracy may come out: 1050 crops, one
 * binomial standard error at 0.95 is 0.007; 0.01 is about 1.5 of them. */
#define MICADAPT_CLS_VAL_TOL	0.01

/* One classifier measured as the server types (bv-calib-cls eval:
 * temperature, abstention): NAN is not measured, which refuses. */
struct micadapt_cls_eval {
	double	 held_acc;		/* held-out reviewed crops, best class */
	double	 held_cw;		/* confidently wrong, share of typed */
	double	 val_acc;		/* pbc-cells val, best class */
};

/*
 * Adopt a fine-tuned classifier over the one in use only if, on the
 * held-out reviewed crops, its accuracy is higher by MICADAPT_CLS_GAIN
 * and its confidently-wrong share not higher by more than
 * MICADAPT_CLS_CW_TOL, and its pbc-cells val accuracy is not lower by
 * more than MICADAPT_CLS_VAL_TOL.  1 adopt, 0 refuse; why gets the
 * reason in English either way.
 */
int	 micadapt_cls_decide(const struct micadapt_cls_eval *before,
	    const struct micadapt_cls_eval *after, char *why, size_t whylen);

/*
 * Record a fine-tuned model in a microscope's state: a new version
 * {"version", "at", "kind": "model", "model", "adapt_version", "dir",
 * "based_on", "adopted", "why", "before", "after"}; "current" moves to it
 * when adopted (the previous one stays, micadapt_rollback() goes back).
 * Returns the version, or -1 (ENOMEM, ENOSPC).
 */
int	 micadapt_record_model(json_t *state, const char *model,
	    const char *adapt_version, const char *dir,
	    const struct micadapt_eval *before,
	    const struct micadapt_eval *after, int adopted, const char *why);

#endif /* BV_MICADAPT_H */
