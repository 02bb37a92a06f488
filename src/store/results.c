/* results.c: commit, list and delete results under the results directory */
/*
 * Layout: <results>/<id>/{result.json,annotated.jpg,thumb.jpg}.  A commit
 * writes into ".tmp-<id>" (hidden: lighttpd refuses dot paths and ids never
 * start with a dot), fsyncs each file and the directory, then renames it to
 * <id>.  A delete renames <id> to ".del-<id>" before unlinking its files.
 * Interrupted commits or deletes leave only dot directories, which
 * results_sweep() clears at start-up.  Several processes share the
 * directory (lighttpd max-procs), and one restarted after a crash sweeps
 * while its siblings commit: a writer holds an flock(2) on its temporary
 * directory from creation to rename, the kernel drops it when the writer
 * dies, and the sweep removes only temporaries whose lock it can take.
 * All access is relative to one directory fd, so no client string ever
 * reaches a path unchecked: callers pass ids that passed id_valid().
 */

#include "store/results.h"
#include "store/fsutil.h"
#include "store/ids.h"
#include "base/log.h"
#include "store/review.h"
#include "store/samples.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum results_err
errno_to_err(int e)
{
	return (e == ENOSPC || e == EDQUOT) ? RESULTS_ERR_FULL :
	    RESULTS_ERR_IO;
}

/* Unlink every plain file in subdirectory name of dirfd, then the directory. */
static int
remove_tree(int dirfd, const char *name)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd, rc = 0;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1)
			rc = -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1)
		rc = -1;
	return rc;
}

enum results_err
results_commit(int dirfd, const char *id, const struct result_file *files,
    size_t n)
{
	char		 tmp[ID_LEN + 8];
	struct stat	 st;
	int		 tfd = -1, fd, e = 0, tries;
	size_t		 i;

	snprintf(tmp, sizeof(tmp), ".tmp-%s", id);
	for (tries = 0;; tries++) {
		if (mkdirat(dirfd, tmp, 0755) == -1)
			return errno_to_err(errno);
		tfd = openat(dirfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tfd < 0 && errno != ENOENT) {
			e = errno;
			goto fail;
		}
		/* held until close(), after the rename: see the top */
		if (tfd >= 0 && (flock(tfd, LOCK_EX) == -1 ||
		    fstat(tfd, &st) == -1)) {
			e = errno;
			goto fail;
		}
		if (tfd >= 0 && st.st_nlink > 0)
			break;
		/*
		 * A sweep took it between mkdirat and openat (ENOENT) or
		 * between openat and flock (unlinked): make it again.
		 */
		if (tfd >= 0)
			close(tfd);
		tfd = -1;
		if (tries == 3) {
			log_warnx("results: commit %s: temporary directory "
			    "swept away %d times", id, tries + 1);
			return RESULTS_ERR_IO;
		}
	}
	for (i = 0; i < n; i++) {
		fd = openat(tfd, files[i].name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			e = errno;
			goto fail;
		}
		if (fsutil_write_all(fd, files[i].data, files[i].len) == -1 ||
		    fsync(fd) == -1) {
			e = errno;
			close(fd);
			goto fail;
		}
		if (close(fd) == -1) {
			e = errno;
			goto fail;
		}
	}
	if (fsync(tfd) == -1 || renameat(dirfd, tmp, dirfd, id) == -1) {
		e = errno;
		goto fail;
	}
	close(tfd);
	/* Make the rename itself durable; a failure here loses nothing visible. */
	(void)fsync(dirfd);
	return RESULTS_OK;
fail:
	log_warnx("results: commit %s: %s", id, strerror(e));
	(void)remove_tree(dirfd, tmp);	/* still locked: no sweep races it */
	if (tfd >= 0)
		close(tfd);
	return errno_to_err(e);
}

enum results_err
results_delete(int dirfd, const char *id)
{
	char	 del[ID_LEN + 8];

	snprintf(del, sizeof(del), ".del-%s", id);
	if (renameat(dirfd, id, dirfd, del) == -1)
		return errno == ENOENT ? RESULTS_ERR_NOTFOUND :
		    RESULTS_ERR_IO;
	if (remove_tree(dirfd, del) == -1)
		log_warn("results: remove %s", del);
	return RESULTS_OK;
}

int
results_exists(int dirfd, const char *id)
{
	struct stat	 st;

	return fstatat(dirfd, id, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode);
}

json_t *
results_load(int dirfd, const char *id)
{
	char		 path[512];

	snprintf(path, sizeof(path), "%s/result.json", id);
	return fsutil_load_json(dirfd, path);
}

struct entry {
	char		id[ID_LEN + 1];
	time_t		mtime;
	long		mtime_ns;	/* orders results made in one second */
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns < y->mtime_ns ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* Collect valid result ids with their result.json mtime. */
static struct entry *
scan(int dirfd, size_t *np)
{
	DIR		*d;
	struct dirent	*de;
	struct entry	*v = NULL, *nv;
	struct stat	 st;
	char		 path[512];
	size_t		 n = 0, cap = 0;
	int		 fd;

	*np = 0;
	if ((fd = dup(dirfd)) < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!id_valid(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/result.json", de->d_name);
		if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		memcpy(v[n].id, de->d_name, ID_LEN + 1);
		v[n].mtime = st.st_mtim.tv_sec;
		v[n].mtime_ns = st.st_mtim.tv_nsec;
		n++;
	}
	closedir(d);
	*np = n;
	return v;
}

/* The list's summary of loaded result r (id), its latest review merged. */
static json_t *
summary(int dirfd, const char *id, json_t *r)
{
	/* Reviewed counts where a person corrected the boxes. */
	review_merge(dirfd, id, r);
	return json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:b}",
	    "id", json_object_get(r, "id"),
	    "created", json_object_get(r, "created"),
	    "counts", json_object_get(r, "counts"),
	    "image", json_object_get(r, "image"),
	    "urls", json_object_get(r, "urls"),
	    "sample", json_object_get(r, "sample"),
	    "reviewed", json_is_object(json_object_get(r, "review")));
}

json_t *
results_list(int dirfd, size_t limit)
{
	struct entry	*v;
	json_t		*arr, *r, *s;
	size_t		 n, i;

	if ((arr = json_array()) == NULL)
		return NULL;
	v = scan(dirfd, &n);
	if (v == NULL)
		return arr;
	qsort(v, n, sizeof(*v), entry_cmp);
	for (i = 0; i < n && json_array_size(arr) < limit; i++) {
		if ((r = results_load(dirfd, v[i].id)) == NULL)
			continue;
		s = summary(dirfd, v[i].id, r);
		json_decref(r);
		if (s != NULL)
			json_array_append_new(arr, s);
	}
	free(v);
	return arr;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long
days_from_civil(long y, long m, long d)
{
	long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
results_date_valid(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 i, y, m, d, leap;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' :
		    !isdigit((unsigned char)s[i]))
			return 0;
	if (s[10] != '\0')
		return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= mdays[m - 1] + (m == 2 && leap);
}

/* Seconds since the epoch of 00:00 UTC on date "YYYY-MM-DD" (valid). */
static time_t
date_start(const char *s)
{
	return (time_t)days_from_civil(atol(s), atol(s + 5), atol(s + 8)) *
	    86400;
}

/* 1 if needle ("" always) is in hay, ignoring ASCII case. */
static int
contains_nocase(const char *hay, const char *needle)
{
	size_t	 i, n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0' &&
		    tolower((unsigned char)hay[i]) ==
		    tolower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return n == 0;
}

/*
 * Which samples hold each result: {result id: [{"id", "code"}, ...]}.
 * The samples' own lists decide (a field can be attached later or taken
 * out), not the "sample" a result was analysed into.
 */
static json_t *
sample_index(int dirfd)
{
	json_t		*idx, *list, *d, *s, *ids, *arr, *who;
	const char	*sid, *rid;
	size_t		 i, k;

	if ((idx = json_object()) == NULL)
		return NULL;
	if ((list = samples_list(dirfd, SIZE_MAX)) == NULL)
		return idx;
	json_array_foreach(list, i, d) {
		if ((sid = json_string_value(json_object_get(d, "id"))) ==
		    NULL || (s = samples_load(dirfd, sid)) == NULL)
			continue;
		ids = json_object_get(s, "results");
		json_array_foreach(ids, k, who) {
			if ((rid = json_string_value(who)) == NULL)
				continue;
			if ((arr = json_object_get(idx, rid)) == NULL) {
				arr = json_array();
				if (json_object_set_new(idx, rid, arr) == -1)
					continue;
			}
			json_array_append_new(arr, json_pack("{s:s,s:O?}",
			    "id", sid, "code", json_object_get(d, "code")));
		}
		json_decref(s);
	}
	json_decref(list);
	return idx;
}

/* 1 if one of in (an array of {"id", "code"}, or NULL) has code in it. */
static int
code_matches(const json_t *in, const char *code)
{
	const json_t	*x;
	const char	*c;
	size_t		 i;

	if (code[0] == '\0')
		return 1;
	json_array_foreach(in, i, x)
		if ((c = json_string_value(json_object_get(x, "code"))) !=
		    NULL && contains_nocase(c, code))
			return 1;
	return 0;
}

/* 1 if result r's "created" day is within q's dates. */
static int
date_matches(const json_t *r, const struct results_query *q)
{
	const char	*c = json_string_value(json_object_get(r, "created"));

	if (c == NULL || strlen(c) < 10)
		return 0;
	return (q->from[0] == '\0' || strncmp(c, q->from, 10) >= 0) &&
	    (q->to[0] == '\0' || strncmp(c, q->to, 10) <= 0);
}

json_t *
results_query(int dirfd, const struct results_query *q)
{
	struct entry	*v;
	json_t		*out, *arr, *idx, *in, *r, *s;
	size_t		 n = 0, i, total = 0;
	time_t		 lo = 0, hi = 0;
	int		 dated = q->from[0] != '\0' || q->to[0] != '\0';

	arr = json_array();
	idx = sample_index(dirfd);
	out = json_pack("{s:o,s:I,s:I}", "results", arr, "offset",
	    (json_int_t)q->offset, "limit", (json_int_t)q->limit);
	if (arr == NULL || idx == NULL || out == NULL) {
		json_decref(idx);
		json_decref(out);
		return NULL;
	}
	/*
	 * A result's created time is taken before its result.json is
	 * written, so a result.json older than from's midnight cannot match
	 * and one written days after to is not read either (no analysis
	 * takes two days): only results near the dates are opened.
	 */
	if (q->from[0] != '\0')
		lo = date_start(q->from);
	if (q->to[0] != '\0')
		hi = date_start(q->to) + 3 * 86400;
	if ((v = scan(dirfd, &n)) != NULL)
		qsort(v, n, sizeof(*v), entry_cmp);
	for (i = 0; i < n; i++) {
		in = json_object_get(idx, v[i].id);
		if (!code_matches(in, q->code))
			continue;
		if ((q->from[0] != '\0' && v[i].mtime < lo) ||
		    (q->to[0] != '\0' && v[i].mtime >= hi))
			continue;
		r = NULL;
		if (dated) {
			if ((r = results_load(dirfd, v[i].id)) == NULL)
				continue;
			if (!date_matches(r, q)) {
				json_decref(r);
				continue;
			}
		}
		if (total++ < q->offset || total > q->offset + q->limit) {
			json_decref(r);
			continue;
		}
		if (r == NULL && (r = results_load(dirfd, v[i].id)) == NULL)
			continue;
		s = summary(dirfd, v[i].id, r);
		json_decref(r);
		if (s == NULL)
			continue;
		if (in != NULL)
			json_object_set(s, "samples", in);
		else
			json_object_set_new(s, "samples", json_array());
		json_array_append_new(arr, s);
	}
	free(v);
	json_decref(idx);
	json_object_set_new(out, "total", json_integer((json_int_t)total));
	return out;
}

int
results_sweep(int dirfd)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd, lfd, n = 0;

	if ((fd = dup(dirfd)) < 0)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if ((strncmp(de->d_name, ".tmp-", 5) != 0 &&
		    strncmp(de->d_name, ".del-", 5) != 0) ||
		    !id_valid(de->d_name + 5))
			continue;
		lfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (lfd < 0)
			continue;
		/* locked: a live sibling is writing it; its own to finish */
		if (flock(lfd, LOCK_EX | LOCK_NB) == 0 &&
		    remove_tree(dirfd, de->d_name) == 0)
			n++;
		close(lfd);
	}
	closedir(d);
	return n;
}

int
results_expire(int dirfd, int days)
{
	struct entry	*v;
	size_t		 n, i;
	time_t		 cutoff;
	int		 removed = 0;

	if (days <= 0)
		return 0;
	cutoff = time(NULL) - (time_t)days * 86400;
	if ((v = scan(dirfd, &n)) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (v[i].mtime < cutoff &&
		    results_delete(dirfd, v[i].id) == RESULTS_OK) {
			/* the deletion audit trail: ids only, never contents */
			log_info("retention: expired result %s", v[i].id);
			removed++;
		}
	free(v);
	return removed;
}

int
results_writable(int dirfd)
{
	char	 name[ID_LEN + 16];
	int	 fd;

	snprintf(name, sizeof(name), ".probe-%ld", (long)getpid());
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return 0;
	close(fd);
	unlinkat(dirfd, name, 0);
	return 1;
}
