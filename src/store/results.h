/* results.h: the results store (one directory per result, committed atomically) */
#ifndef BV_RESULTS_H
#define BV_RESULTS_H

#include <stddef.h>
#include <jansson.h>

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

/* Remove result id (renamed away first, so it vanishes at once). */
enum results_err results_delete(int dirfd, const char *id);

/* 1 if result id exists. */
int	results_exists(int dirfd, const char *id);

/*
 * Load result id's result.json; NULL if absent or unreadable.
 * The caller owns the reference.
 */
json_t	*results_load(int dirfd, const char *id);

/* New array of summaries of at most limit results, newest first. */
json_t	*results_list(int dirfd, size_t limit);

#define RESULTS_CODE_MAX	32	/* a sample code's length (samples) */
#define RESULTS_LIMIT_MAX	1000	/* results one page may hold */
#define RESULTS_OFFSET_MAX	10000000

/*
 * One page of the results list: the results whose sample code contains
 * code (ignoring case; "" any) and whose "created" day (UTC) lies in
 * [from, to] ("YYYY-MM-DD", "" open), newest first, from offset on.
 */
struct results_query {
	size_t	offset;
	size_t	limit;
	char	code[RESULTS_CODE_MAX + 1];
	char	from[11];
	char	to[11];
};

/*
 * New object {"results": [...], "total", "offset", "limit"}: the page of
 * q (each summary as results_list()'s plus "samples": [{"id", "code"}],
 * the samples holding it), total the number of results q matches.  NULL
 * only on ENOMEM.  The caller owns the reference.
 */
json_t	*results_query(int dirfd, const struct results_query *q);

/* 1 if s is a real calendar date written "YYYY-MM-DD", else 0. */
int	results_date_valid(const char *s);

/*
 * Remove leftovers of interrupted commits and deletes, but never a
 * temporary a live process still holds locked; returns how many.
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
