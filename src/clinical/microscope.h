/* microscope.h: the model's measured error on one microscope, from the fields a person checked */
#ifndef BV_MICROSCOPE_H
#define BV_MICROSCOPE_H

#include <stddef.h>
#include <jansson.h>

#include "clinical/countcal.h"
#include "clinical/interval.h"

/*
 * Checked fields a microscope needs before its measured count error
 * replaces the model's validation figures in the count intervals.  The
 * interval's width is the per-field spread, and a spread estimated from n
 * fields is off by about 1 / sqrt(2 (n - 1)) of itself (normal errors):
 * 24 % at 10 fields, 16 % at 20, 12 % at 40.  At 20 the bias is known to
 * sd / sqrt(20), about a fifth of a field's spread, and an interval of
 * nominal 95 % covers 93-97 % when the spread is off by one standard
 * error; fewer fields would make the intervals claim more than was
 * measured.
 */
#define MIC_MIN_FIELDS		20

/* IoU at which a detector box and a reviewed box are the same cell. */
#define MIC_IOU_MATCH		0.5

/* One box: class index, confidence (reviewed boxes: 1), corner and size. */
struct mic_box {
	int	 cls;
	float	 conf;
	double	 x, y, w, h;
};

/*
 * One checked field: the detector's boxes at every confidence it kept,
 * and the boxes the review leaves (what a person says is there), plus
 * its white cells' typing: wbc_ref reviewed WBCs, wbc_typed of them typed
 * by the classifier, wbc_judged typed by both classifier and person,
 * wbc_correct of those the same.
 */
struct mic_field {
	struct mic_box	*det;
	size_t		 ndet;
	struct mic_box	*ref;
	size_t		 nref;
	long		 wbc_ref, wbc_typed, wbc_judged, wbc_correct;
};

/* One class's error at a threshold over a microscope's checked fields. */
struct mic_class {
	long	 fields;		/* checked fields */
	long	 lab, cnt;		/* reviewed cells, cells counted */
	double	 bias;			/* (cnt - lab) / lab; NAN: lab 0 */
	double	 sd;			/* SD of per-field (n - L) / L; NAN: < 2 */
	long	 tp, fp, fn;		/* IoU >= MIC_IOU_MATCH, same class */
	double	 recall, precision;	/* NAN when undefined */
};

/* White-cell typing over the fields. */
struct mic_wbc {
	long	 ref, typed, judged, correct;
	double	 accuracy;		/* correct / judged; NAN: 0 judged */
	double	 coverage;		/* typed / ref; NAN: 0 ref */
};

/*
 * Greedy matching, detections of class cls at or above thr by falling
 * confidence, each to the unmatched reviewed box of that class with the
 * highest IoU >= MIC_IOU_MATCH: *tp matched, *fp unmatched detections,
 * *fn unmatched reviewed boxes (each added to what they hold).  -1 on
 * ENOMEM.
 */
int	 mic_match(const struct mic_field *f, int cls, float thr, long *tp,
	    long *fp, long *fn);

/* Class cls's error at thr over f[0..nf). -1 on ENOMEM. */
int	 mic_measure(const struct mic_field *f, size_t nf, int cls, float thr,
	    struct mic_class *out);

void	 mic_measure_wbc(const struct mic_field *f, size_t nf,
	    struct mic_wbc *out);

/*
 * Class cls of each field as countcal.c takes it (label: reviewed boxes,
 * scores: every detection's confidence).  New array of nf fields whose
 * scores live in *scores (both the caller's to free); NULL on ENOMEM.
 */
struct cc_field *mic_cc_fields(const struct mic_field *f, size_t nf, int cls,
	    float **scores);

/*
 * The count-error model of class cls at thr for the intervals
 * (interval.h), fitted on the checked fields by cc_error_fit(), when
 * there are at least MIC_MIN_FIELDS of them with a reviewed cell of the
 * class among them: 0 with out->valid 1 (sources says "N checked fields
 * on microscope NAME"), else -1 with out->valid 0.
 */
int	 mic_count_error(const struct mic_field *f, size_t nf, int cls,
	    float thr, const char *name, struct interval_error *out);

/*
 * A checked field from a result that review_merge() has merged (its
 * "review" holds the changes): names[0..ncls) are the model's classes.
 * 0, or -1 (ENOMEM, or EINVAL: no detections list); mic_field_free()
 * releases what it holds.
 */
int	 mic_field_from_result(const json_t *merged, const char *const *names,
	    int ncls, struct mic_field *out);

void	 mic_field_free(struct mic_field *f);

/* 1 if result's latest review (merged) says every cell was checked. */
int	 mic_result_checked(const json_t *merged);

/*
 * The measured error as JSON: {"fields", "min_fields", "classes": {NAME:
 * {"fields", "reviewed", "counted", "bias", "sd", "recall", "precision",
 * "tp", "fp", "fn", "threshold"}}, "wbc_typing": {...}}, ratios null when
 * undefined.  New reference; NULL on ENOMEM.
 */
json_t	*mic_measure_json(const struct mic_field *f, size_t nf,
	    const char *const *names, int ncls, const double *thr);

/*
 * The count errors in the shape of a model's "count_error" ({NAME:
 * {"bias", "sd_rel", "sd_abs", "fields", "sources"}}, what
 * interval_error_parse() reads) for the classes mic_count_error() gives
 * one for; NULL when none (fewer than MIC_MIN_FIELDS fields) or ENOMEM.
 */
json_t	*mic_count_error_json(const struct mic_field *f, size_t nf,
	    const char *const *names, int ncls, const double *thr,
	    const char *name);

#endif /* BV_MICROSCOPE_H */
