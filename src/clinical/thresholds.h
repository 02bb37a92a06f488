/* thresholds.h: per-class operating thresholds (config > model info > global) */
#ifndef BV_THRESHOLDS_H
#define BV_THRESHOLDS_H

#include <stddef.h>
#include <jansson.h>

struct config;

/* Where a class's default threshold came from. */
enum thr_source {
	THR_GLOBAL = 0,		/* config "threshold" (the fallback) */
	THR_MODEL,		/* model info "thresholds" */
	THR_CONFIG		/* config "class_thresholds" */
};

/* The default threshold of each of the model's classes, by class id. */
struct thresholds {
	size_t		 n;
	double		*v;
	enum thr_source	*src;
};

/*
 * Resolve the defaults for a model with n classes (names[i] is class i):
 * per class, config class_thresholds, else the model info's "thresholds"
 * object (info may be NULL), else config threshold; each passed through
 * thresholds_clamp().  A class_thresholds name the model does not have is
 * an error naming the config file and line: -1 with the message in err
 * and out untouched.  Bad entries of the model info (unknown class, not a
 * number in [0, 1]) are logged with info_path and skipped.  On success the
 * caller owns out and frees it with thresholds_free().
 */
int	thresholds_resolve(struct thresholds *out, const struct config *cfg,
	    const json_t *info, const char *info_path,
	    const char *const *names, size_t n, char *err, size_t errsz);

/* Release out's arrays; out itself is the caller's.  NULL is a no-op. */
void	thresholds_free(struct thresholds *out);

/*
 * The one rule for an effective threshold: raised to min_confidence (no
 * detection below it is kept) and rounded to 3 decimals, as result.json
 * rounds confidences, so that counting what the JSON says is exact.
 */
double	thresholds_clamp(double t, double min_confidence);

/* "class_thresholds", "model_info" or "threshold": the config/file key. */
const char *thresholds_source_name(enum thr_source src);

#endif /* BV_THRESHOLDS_H */
