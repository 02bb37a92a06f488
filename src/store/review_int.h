/* review_int.h: what the review store and its change-list check share (private) */
#ifndef BV_REVIEW_INT_H
#define BV_REVIEW_INT_H

/*
 * review.c (the store, counting, types) and review_check.c (a client's
 * change list checked) only; everyone else uses review.h.
 */

#include <jansson.h>

/* The types review_wbc_type_name() knows, in words (its list in review.c). */
#define REVIEW_WBC_TYPES_TEXT	"neutrophil, lymphocyte, monocyte, " \
	"eosinophil, basophil, ig, erythroblast, untyped"

/* The result's class names: "classes", else the keys of "counts" (new). */
json_t		*review_classes_of(const json_t *result);

/* The stored name of white-cell type s (any case), or NULL if none. */
const char	*review_wbc_type_name(const char *s);

#endif /* BV_REVIEW_INT_H */
