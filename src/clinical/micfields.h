/* micfields.h: a microscope's checked fields, loaded from the results store */
#ifndef BV_MICFIELDS_H
#define BV_MICFIELDS_H

#include <stddef.h>
#include <jansson.h>

#include "clinical/microscope.h"

/* The fields one microscope's measurements and adaptations run on. */
struct micfields {
	struct mic_field	*f;
	char			**ids;
	size_t			 n;
	size_t			 listed;	/* ids its state lists */
	json_t			*state;		/* micstore.h; NULL: none */
};

/*
 * Load microscope name's checked fields: each result its state lists
 * that still exists, whose latest review still says every cell was
 * checked, that names this microscope and was detected by model (fields
 * of another model say nothing about this one).  0, or -1 on ENOMEM;
 * a microscope with nothing stored gives 0 fields.  micfields_free()
 * releases it.
 */
int	 micfields_load(int results_fd, const char *name, const char *model,
	    const char *const *names, int ncls, struct micfields *out);

void	 micfields_free(struct micfields *m);

/*
 * Microscope name's measured count error in the model's "count_error"
 * shape (mic_count_error_json()) at thr, the thresholds it counts with
 * now: what the count intervals use in place of the model's validation
 * figures once it has MIC_MIN_FIELDS checked fields; NULL before that.
 * Kept in micstore's cache until the microscope's state changes (a result
 * deleted without a review change is noticed at that next change).
 */
json_t	*micfields_count_error(int results_fd, const char *name,
	    const char *model, const char *const *names, int ncls,
	    const double *thr);

#endif /* BV_MICFIELDS_H */
