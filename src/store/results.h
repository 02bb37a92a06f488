/* results.h: the results store (one directory per result, committed atomically) */
#ifndef BV_RESULTS_H
#define BV_RESULTS_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>

#include "store/ids.h"

struct result_file {
	const char	*name;		/* "result.json", "annotated.jpg", ... */
	const void	*data;
	size_t		 len;
};

enum results_err {
	RESULTS_OK = 0,
	RESULTS_ERR_FULL,		/* ENOSPC/EDQUOT: 507 */
	RESULTS_ERR_IO,			/* anything else: 500/503 */
	RESULTS_ERR_NOTFOUND
};

/*
 * Write files into a hidden temporary directory under dirfd, fsync them,
 * then rename it to id: readers see the whole result or nothing.  On
 * failure the temporary directory is removed.
 */
enum results_err results_commit(int dirfd, const char *id,
	    const struct result_file *files, size_t n);

/*
 * Remove result id (renamed away first, so it vanishes at once) under
 * results_lock().  RESULTS_ERR_IO when its files could not all be
 * removed: it is hidden then, and results_sweep() (run by the next
 * delete and periodically by the server) retries.
 */
enum results_err results_delete(int dirfd, const char *id);

/*
 * Open result id's directory and take its exclusive flock(2), which
 * results_delete() holds from before the rename to the last unlink, so
 * whoever writes into a result (a review) holds it too and never writes
 * into one being deleted.  Returns the locked fd (the caller closes it,
 * which unlocks), or -1 with errno (ENOENT: no such result, or deleted
 * while we waited).
 */
int	results_lock(int dirfd, const char *id);

/* 1 if result id exists. */
int	results_exists(int dirfd, const char *id);

/*
 * Load result id's result.json; NULL if absent or unreadable.
 * The caller owns the reference.
 */
json_t	*results_load(int dirfd, const char *id);

/* A stored result: its id and when its result.json was written. */
struct results_entry {
	char		id[ID_LEN + 1];
	time_t		mtime;
	long		mtime_ns;	/* orders results made in one second */
};

/*
 * The stored results, newest first (then by id); *np gets their count.
 * NULL with *np 0 when there are none or on no memory; the caller frees.
 */
struct results_entry *results_scan(int dirfd, size_t *np);

/* 1 if s is a real calendar date written "YYYY-MM-DD", else 0. */
int	results_date_valid(const char *s);

/*
 * Remove leftovers of interrupted commits, deletes and review saves, and
 * the health probes of dead processes, but never a temporary a live
 * process still holds locked; returns how many.
 */
int	results_sweep(int dirfd);

/*
 * Delete results whose result.json is older than days days
 * (by modification time); returns how many were removed.
 */
int	results_expire(int dirfd, int days);

/* 1 if a file can be created in dirfd now (health check). */
int	results_writable(int dirfd);

#endif /* BV_RESULTS_H */
