/* qualityref.h: a microscope's field-quality reference, the medians of its accepted clean fields' stored measures */
#ifndef BV_QUALITYREF_H
#define BV_QUALITYREF_H

#include <stddef.h>
#include <jansson.h>

#include "vision/quality.h"

/*
 * Fewest accepted clean fields a reference is built from; below it the
 * default limits apply.  The median of n fields has a standard error of
 * about 1.25 s / sqrt(n) (s: the fields' own spread), 0.40 s at 10: the
 * limits (reference + 0.12, 0.45 and 0.50 times it) then move by well
 * under one field's typical deviation.  docs/quality.md.
 */
#define QUALITYREF_MIN	10

/* The median of v[0..n-1] (reorders v); NAN when n is 0. */
double	 qualityref_median(double *v, size_t n);

/*
 * The reference from fields, an array of result "quality" objects
 * (quality_json()): the median of each of focus, stain_blue, stain_pink
 * and stain_faded over the fields that are not poor and measured all
 * four.  Returns how many fields counted (ref is filled when > 0), or
 * -1 on no memory.
 */
long	 qualityref_build(const json_t *fields, struct quality_ref *ref);

/*
 * Microscope name's reference: from every stored result attached to a
 * sample, recorded with that microscope (its "microscope"), not poor.
 * 1 with ref filled when at least QUALITYREF_MIN fields count, 0 else
 * (also on any failure: the defaults are never wrong to use); *n gets
 * the fields counted.  Kept per process until a sample changes (the
 * samples directory's stamp; every attach or detach renames a file in
 * it), and each result's measures once read (results never change):
 * one results store per process.
 */
int	 qualityref_for(int results_fd, const char *name,
	    struct quality_ref *ref, long *n);

/*
 * What a result says it was judged by: "default", or "profile:NAME, n
 * fields".  buf of len bytes.
 */
const char *qualityref_label(const char *name, int used, long n, char *buf,
	    size_t len);

#endif /* BV_QUALITYREF_H */
