/* review.h: a person's corrections of a result, stored as versions beside the detector's output */
#ifndef BV_REVIEW_H
#define BV_REVIEW_H

#include <stddef.h>
#include <jansson.h>

struct http_request;
struct http_response;

/* Most versions one result may have; most changes one version may hold. */
#define REVIEW_MAX_VERSIONS	999
#define REVIEW_MAX_CHANGES	10000

enum review_err {
	REVIEW_OK = 0,
	REVIEW_ERR_NOTFOUND,		/* no such result: 404 */
	REVIEW_ERR_CONFLICT,		/* base is not the current version: 409 */
	REVIEW_ERR_LIMIT,		/* REVIEW_MAX_VERSIONS reached: 409 */
	REVIEW_ERR_FULL,		/* ENOSPC/EDQUOT: 507 */
	REVIEW_ERR_IO			/* anything else: 500 */
};

/*
 * The store.  Version 0 is the detector's result.json, never rewritten;
 * version N >= 1 is <results>/<id>/review-N.json, the whole list of
 * changes against version 0, written to a temporary file, fsynced and
 * hard-linked to its name (link(2) fails if the name exists, so of two
 * writers saving the same version at once exactly one wins and the other
 * gets REVIEW_ERR_CONFLICT).  A save holds results_lock() on the result,
 * so a delete either waits for it or has removed the result first
 * (REVIEW_ERR_NOTFOUND): never a review written into a result being
 * deleted.  Ids must have passed
 * id_valid().
 */

/* Current version of result id: 0 when never reviewed; -1 with errno. */
int	 review_current(int results_fd, const char *id);

/* The latest review of id, a new reference; NULL if none (or unreadable). */
json_t	*review_load(int results_fd, const char *id);

/*
 * Check a client's change list against result (its detections, classes,
 * image and field of view).  Returns a new normalised list the caller
 * owns, or NULL with an English message in err and, when msgs is not
 * NULL, the same as a new [{"code","params"}] list in *msgs.  An add or
 * reclassify change to "WBC" may carry "wbc_type" (a person's type of the
 * cell: one of the classifier's types less its reject class, or
 * "untyped"), stored in lower case.  {"op": "rbc_class", "detection",
 * "rbc_class"} gives a red cell the morphology classifier saw a person's
 * class (rbcdata_class_name()), stored with the classifier's as "from".
 */
json_t	*review_check(const json_t *result, const json_t *changes, char *err,
	    size_t errsz, json_t **msgs);

/*
 * Counts of result with changes applied (a new object per class): a
 * deleted detection is not counted, a reclassified one counts under its
 * new class whatever its confidence (a person decided), an added cell
 * counts, and every other detection counts when its confidence reaches
 * its class's saved threshold, as the detector's own counts do.
 */
json_t	*review_counts(const json_t *result, const json_t *changes);

/*
 * cls[i] for each of result's n detections: the class it counts as once
 * changes are applied (a string result or changes own), or NULL when it
 * is not counted: review_counts()'s rule, for whoever needs the boxes.
 */
void	 review_counted_as(const json_t *result, const json_t *changes,
	    const char **cls, size_t n);

/* The threshold result.json saved for class name ("thresholds", else the
 * global "threshold", else 0): what an untouched detection is counted by. */
double	 review_threshold(const json_t *result, const char *name);

/*
 * Save review (an object holding "by" and "changes") as version base + 1
 * of result id, adding "version", "base", "at", "counts",
 * "detector_counts" and "summary".  REVIEW_ERR_CONFLICT when base is not
 * the current version; *current is then set to it.
 */
enum review_err review_save(int results_fd, const char *id, int base,
	    json_t *review, int *current);

/*
 * Make result (id's result.json, modified in place) say what its latest
 * review says: "counts" become the reviewed ones, the detector's move to
 * "detector_counts", and "review" is {"version","base","by","at",
 * "changes","summary"}, or null when the result was never reviewed.  A
 * white-cell type a person set ("wbc_type" of a change) shows on its
 * detection as {"class", "by": "review"} (the classifier's moved to
 * "detector_wbc_type"), and a classified result's "differential" is
 * recounted under the review (the classifier's kept in
 * "detector_differential").  A red cell's morphology class a person set
 * ({"op": "rbc_class"}) shows on its cell of morphology.classes
 * (rbcdata_apply()).
 */
void	 review_merge(int results_fd, const char *id, json_t *result);

#endif /* BV_REVIEW_H */
