/* samples.h: samples (groups of analysed fields of one preparation) and their routes */
#ifndef BV_SAMPLES_H
#define BV_SAMPLES_H

#include <stddef.h>
#include <jansson.h>

struct app;
struct clinical;
struct http_request;
struct http_response;

/* Most results one sample may hold (a smear review rarely needs 100). */
#define SAMPLES_MAX_RESULTS	1000

enum samples_err {
	SAMPLES_OK = 0,
	SAMPLES_ERR_NOTFOUND,		/* sample or result absent: 404 */
	SAMPLES_ERR_LIMIT,		/* SAMPLES_MAX_RESULTS reached: 400 */
	SAMPLES_ERR_FULL,		/* ENOSPC/EDQUOT: 507 */
	SAMPLES_ERR_IO			/* anything else: 500 */
};

/*
 * How a field (an attached result) was chosen: a random field of the
 * monolayer, or one chosen around white cells.  Density estimates use
 * random fields only (a field chosen for its white cells overstates
 * them and says nothing of the red cells' density); the differential
 * uses every field.
 */
enum samples_selection {
	SAMPLES_SEL_RANDOM = 0,
	SAMPLES_SEL_TARGETED
};

/* "random", "targeted" */
const char	*samples_selection_name(enum samples_selection s);

/* The enum value of a name above, or -1 (NULL too). */
int		 samples_selection_from_name(const char *name);

/*
 * How result_id was chosen in sample (its "field_selection"); random when
 * the sample says nothing (stored before fields were marked).
 */
enum samples_selection samples_field_selection(const json_t *sample,
	    const char *result_id);

/*
 * The store.  Samples live in <results>/samples/<id>.json; every change is
 * a read-modify-write under an exclusive flock(2) on samples/.lock and is
 * published by writing a temporary file, fsync, rename, fsync of the
 * directory, so readers (who take no lock) see the old or the new file,
 * never a torn one, and concurrent writers (several backend processes)
 * lose no update.  results_fd is an O_DIRECTORY fd of the results dir.
 * Ids must have passed id_valid(); the functions check again.
 */

/*
 * Store sample (an object from samples_validate()) under a fresh id,
 * adding "id", "created" and an empty "results".  On SAMPLES_OK the id is
 * in id_out and sample holds the stored fields.
 */
enum samples_err samples_create(int results_fd, json_t *sample,
	    char *id_out, size_t id_outsz);

/*
 * Replace the facts of sample id with sample (an object from
 * samples_validate()), keeping its "id", "created", "results",
 * "field_selection" and "new_field_selection" and
 * setting "edited" to now: the summary, recomputed on every read, follows.
 * On SAMPLES_OK sample holds the stored object.
 */
enum samples_err samples_update(int results_fd, const char *id,
	    json_t *sample);

/* The stored sample id, a new reference the caller owns; NULL if absent. */
json_t	*samples_load(int results_fd, const char *id);

/*
 * Append result_id to sample_id's results (no-op if already there: its
 * marking stays), marked as the sample's "new_field_selection" says
 * (random unless set).  SAMPLES_ERR_NOTFOUND if either is absent.
 */
enum samples_err samples_attach(int results_fd, const char *sample_id,
	    const char *result_id);

/*
 * samples_attach() with the field marked selection (an enum
 * samples_selection), or, when selection is -1, as the sample says.  The
 * id and its marking are written together.
 */
enum samples_err samples_attach_as(int results_fd, const char *sample_id,
	    const char *result_id, int selection);

/*
 * Mark result_id of sample_id as chosen by selection.
 * SAMPLES_ERR_NOTFOUND if the sample is absent or does not hold it.
 */
enum samples_err samples_mark(int results_fd, const char *sample_id,
	    const char *result_id, enum samples_selection selection);

/*
 * A reviewer's decision on a field flagged poor (quality.h): include
 * (1) puts result_id of sample_id back into the sample's estimates,
 * recorded in "quality_include" {result id: {"by", "at"}}; 0 takes it
 * out again (the record is removed).  Errors as samples_mark().
 */
enum samples_err samples_include_poor(int results_fd, const char *sample_id,
	    const char *result_id, int include, const char *by);

/* Whether sample's field result_id was included by a reviewer though poor. */
int	 samples_poor_included(const json_t *sample, const char *result_id);

/*
 * Set how the fields attached to sample id from now on without an
 * explicit marking (analysed into it) are marked: "new_field_selection".
 */
enum samples_err samples_set_new_selection(int results_fd, const char *id,
	    enum samples_selection selection);

/*
 * Whether sample id can take one more result now: SAMPLES_OK,
 * SAMPLES_ERR_NOTFOUND, SAMPLES_ERR_LIMIT or SAMPLES_ERR_IO.  Takes no
 * lock: samples_attach() decides, this only spares a doomed analysis.
 */
enum samples_err samples_room(int results_fd, const char *id);

/*
 * Take result_id out of sample_id's results (the result itself stays, as
 * does a deleted result's id until it is taken out).  SAMPLES_ERR_NOTFOUND
 * if the sample is absent or does not hold result_id.
 */
enum samples_err samples_detach(int results_fd, const char *sample_id,
	    const char *result_id);

/*
 * samples_detach() that also appends to the sample's "removed" audit list
 * {"result", "at", "by" (NULL: not given), "how": "taken_out" (the field
 * left the sample, the result stays) or "result_deleted"}.
 */
enum samples_err samples_detach_audit(int results_fd, const char *sample_id,
	    const char *result_id, const char *by, const char *how);

#define SAMPLES_BY_MAX	64	/* bytes of an audit entry's "by" */

/*
 * The "by" of query (who removes a field: ?by=name), URL-decoded into buf
 * (SAMPLES_BY_MAX + 2 bytes or more), when it is 1 to SAMPLES_BY_MAX bytes
 * with no control character; else NULL (not given: a longer one too).
 */
const char	*samples_audit_by(const char *query, char *buf, size_t bufsz);

/*
 * Before result_id is deleted: take it out of every sample holding it,
 * each with a "result_deleted" audit entry by by (NULL: not given), so
 * every count of a sample's fields agrees.  Returns how many samples held
 * it, or -1 when one could not be written (errno set).
 */
int	samples_forget_result(int results_fd, const char *result_id,
	    const char *by);

/*
 * Remove the temporaries of writers killed before their rename (under
 * the lock, so never a live one's); returns how many.
 */
int	 samples_sweep(int results_fd);

/* Delete sample id (its results stay). */
enum samples_err samples_remove(int results_fd, const char *id);

/*
 * Delete samples not changed (created or given a result) for more than
 * days days; returns how many.  days <= 0: none.  Their results are the
 * results store's business (results_expire()).
 */
int	 samples_expire(int results_fd, int days);

/* New array of sample digests, newest first, at most limit. NULL on error. */
json_t	*samples_list(int results_fd, size_t limit);

/*
 * New object: every stored sample's id -> a string that changes whenever
 * the sample is written (its file's inode and time; samples_file.c), for
 * a reader that keeps what it read of each sample.  NULL on no memory.
 */
json_t	*samples_stamps(int results_fd);

/*
 * Check a client's sample object and return a new normalised one (the
 * caller owns it), or NULL with an English message naming the field in
 * err and, when msgs is not NULL, the same message as a new
 * [{"code","params"}] list in *msgs (the caller owns it; params name the
 * "field"); *missing is set to 1 when a required field is absent.  c may
 * be NULL (profile names are then not checked).
 */
json_t	*samples_validate(const json_t *in, const struct clinical *c,
	    char *err, size_t errsz, int *missing, json_t **msgs);

/*
 * New summary object of sample: per-field counts read from each result's
 * result.json, totals, mean +- SD and 95 % CI, density estimates with
 * their formulas, reference flags, screening result, disclaimer.  Every
 * English sentence "x" comes with "x_i18n", the same as codes and params
 * (docs/api.md).  c may be NULL (estimates then say why they are
 * missing).  NULL only on ENOMEM.
 */
json_t	*samples_summary(int results_fd, const json_t *sample,
	    const struct clinical *c);

/*
 * samples_summary() whose "differential" also compares with the
 * reference intervals in wbc_ref (the "wbc_differential" block of the
 * reference data; NULL: none shown).
 */
json_t	*samples_summary_ref(int results_fd, const json_t *sample,
	    const struct clinical *c, const json_t *wbc_ref);

/*
 * The "wbc_differential" block of the reference data file at path, read
 * on the first call and kept for the process's lifetime (borrowed, like
 * the rest of the reference data: a change needs a restart).  NULL when
 * the file has no such block or cannot be read.
 */
const json_t *samples_wbc_reference(const char *path);

#endif /* BV_SAMPLES_H */
