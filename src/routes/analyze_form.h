/* analyze_form.h: the upload form's own fields checked (POST /api/analyze) */
#ifndef BV_ANALYZE_FORM_H
#define BV_ANALYZE_FORM_H

#include <jansson.h>

#include "base/multipart.h"

#define ORIGINAL_NAME_MAX	120	/* bytes of a shown file name */

/* The optional threshold field: a decimal in [0, 1] into *out; else -1. */
int	 analyze_form_threshold(const struct multipart_part *p, double *out);

/*
 * The optional um_per_px field: a decimal with a point or a comma (what
 * a Spanish keyboard types), in (0, 100], into *out; else -1.
 */
int	 analyze_form_um_per_px(const struct multipart_part *p, double *out);

/*
 * The photo's own file name fn, only to show which photo is which: its
 * last path element, no control character, at most ORIGINAL_NAME_MAX
 * bytes cut at a character boundary, bytes of invalid UTF-8 as '_'.
 * Never used as a path.  JSON null without a name.
 */
json_t	*analyze_form_file_name(const char *fn);

#endif /* BV_ANALYZE_FORM_H */
