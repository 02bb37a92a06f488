/* countest.h: the counts behind a sample's estimates: frame counts, intervals */
#ifndef BV_COUNTEST_H
#define BV_COUNTEST_H

#include <stddef.h>
#include <jansson.h>

#include "clinical/clinical.h"
#include "clinical/estimates.h"
#include "clinical/interval.h"

/*
 * A result's counting frame (its "frame", countframe.h): the per-class
 * frame counts into frame[] and the field's area over the frame's into
 * *ratio, so frame[k] x ratio is the field's count without the edge
 * effects.  A reviewed result (review_merge()) is recounted in its frame
 * under the review: what the person kept, reclassified or added.  0, or
 * -1 (ratio 0, frame[] 0) when the result has no valid frame (older
 * results, fields too small for one).
 */
int	 countest_frame_read(const json_t *result, double frame[EST_NCLASS],
	    double *ratio);

/*
 * A per_field entry's "frame": {"counts": {class: n}, "field_over_frame":
 * ratio}, the field's count for a density being counts x ratio; JSON
 * null when ratio is 0 (no frame).  New reference.
 */
json_t	*countest_field_json(const double frame[EST_NCLASS], double ratio);

/*
 * The summary's "counting_frame": whether the estimates used frame
 * counts (used: every one of the n random fields has a frame; with_frame
 * of them do) and why, in English and as messages ("" and none without
 * a field).  New reference.
 */
json_t	*countest_frame_json(int used, size_t with_frame, size_t n);

/*
 * The 95 % interval of class k's estimate per_ul from count cells counted
 * in fields fields (per_cell: cells/uL one counted cell stands for), the
 * detector's count_error (the results' "count_error", may be NULL) and
 * the profile's factor spread.  Fills iv and returns the estimate's
 * "interval95" object ({"lo", "hi", "centre", "components"}); with no
 * measured count error returns JSON null, *why set to the sentence saying
 * the interval is unavailable, and iv zeroed.  New reference.
 */
json_t	*countest_interval(const json_t *count_error, enum est_class k,
	    double count, size_t fields, double per_cell,
	    const struct clinical_profile *p, struct interval *iv,
	    const char **why);

/* The message code of a why countest_interval() gave. */
const char	*countest_unavailable_code(const char *why);

/*
 * A low or high flag f that the interval iv does not bear out (iv
 * reaches across range's limit): the flag object saying "cannot tell"
 * instead, with the interval and the limit.  NULL when f stands (not low
 * or high, no range, or iv wholly beyond the limit).  New reference.
 */
json_t	*countest_cannot_tell(enum est_class k, enum est_flag f,
	    const struct est_range *range, const struct interval *iv);

/* The sentence saying what an interval means (the report's accuracy note). */
extern const char countest_interval_method[];

#endif /* BV_COUNTEST_H */
