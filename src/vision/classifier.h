/* classifier.h: a Darknet classifier network behind an opaque handle */
#ifndef BV_CLASSIFIER_H
#define BV_CLASSIFIER_H

#include <stddef.h>

struct classifier;
struct wbcood;

/*
 * Load a square-input classifier (cfg ending in [softmax], one output per
 * line of names).  Checks the files first (darknet exit()s on a missing
 * one).  The calibration and out-of-distribution model beside the
 * weights (X.weights -> X.json, wbcood.h) is loaded when present and
 * valid (classifier_ood() says).  NULL with a message in err on failure.
 */
struct classifier *classifier_new(const char *cfg, const char *weights,
		    const char *names, char *err, size_t errsz);
/*
 * The same, int8 != 0: the int8 engine with the calibration beside the
 * weights (X.weights -> X.int8) when there is one and every layer maps,
 * else fp32 (classifier_engine() says which, and why not int8).
 * classifier_new() is classifier_open(..., 0, ...): fp32, the reference.
 */
struct classifier *classifier_open(const char *cfg, const char *weights,
		    const char *names, int int8, char *err, size_t errsz);
void		 classifier_free(struct classifier *);

/* Input side n (n x n planar float RGB in [0, 1]) and its buffer. */
int		 classifier_input_size(const struct classifier *);
float		*classifier_input(struct classifier *);

/*
 * Forward what the input buffer holds; probs gets one probability per
 * class (classifier_classes() of them).  0, or -1 on a non-finite output.
 */
int		 classifier_run(struct classifier *, float *probs);

/*
 * After classifier_run(): its logits (classes of them) and its pooled
 * features (the spatial mean of the layer before the 1x1 class layer;
 * *n of them, 0 and NULL when the cfg has no such head).  Owned by c,
 * valid until the next run.
 */
const float	*classifier_logits(const struct classifier *);
const float	*classifier_features(const struct classifier *, int *n);

/* The rule loaded with the network (never NULL); set_ood replaces it
 * (c takes ood, not NULL; the old one is freed): for bv-calib-cls. */
const struct wbcood *classifier_ood(const struct classifier *);
int		 classifier_set_ood(struct classifier *, struct wbcood *ood);

int		 classifier_classes(const struct classifier *);
const char	*classifier_class_name(const struct classifier *, int cls);

/* "xnnpack-int8", "xnnpack" (fp32) or "darknet": what runs it; *why (may
 * be NULL) says why not XNNPACK int8 ("" when it is). */
const char	*classifier_engine(const struct classifier *, const char **why);

/*
 * int8 calibration (fp32 XNNPACK engine only, -1 otherwise): record the
 * activation ranges of every run from now on; write them (the file
 * classifier_open() reads: X.int8 beside X.weights).  For bv-calib-cls.
 */
int		 classifier_calib_start(struct classifier *);
int		 classifier_calib_write(const struct classifier *,
		    const char *path, char *err, size_t errsz);

#endif /* BV_CLASSIFIER_H */
