/* results.c: commit, list and delete results under the results directory */
/*
 * Layout: <results>/<id>/{result.json,annotated.jpg,thumb.jpg}.  A commit
 * writes into ".tmp-<id>" (hidden: lighttpd refuses dot paths and ids never
 * start with a dot), writes every file, then fsyncs each file and the
 * directory, then renames it to <id> and fsyncs the results directory.
 * A delete renames <id> to ".del-<id>" before unlinking its files.
 * Interrupted commits or deletes leave only dot directories, which
 * results_sweep() clears at start-up, after each delete and every few
 * minutes (the server's loop).  Several processes share the
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

#include <ctype.h>
#include <signal.h>
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
	return fsutil_errno_full(e) ? RESULTS_ERR_FULL : RESULTS_ERR_IO;
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

/* Files written before any is synced (results_write_batch()). */
#define RESULTS_SYNC_BATCH	8

/*
 * Create and write files[0..n-1] in tfd, starting each one's writeback as
 * soon as it is written, then fsync and close them all: the disk writes
 * overlap and one journal commit usually covers every file, where
 * write-then-fsync one by one makes a commit for each in turn (measured:
 * src/tools/bench-stages.sh, commit= on the log line).  Each file is
 * still fsynced before the caller goes on.  Returns 0, or -1 with errno.
 */
static int
results_write_batch(int tfd, const struct result_file *files, size_t n)
{
	int	 fds[RESULTS_SYNC_BATCH];
	size_t	 i, open_n = 0;
	int	 e = 0;

	for (i = 0; i < n && e == 0; i++) {
		fds[open_n] = openat(tfd, files[i].name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fds[open_n] < 0) {
			e = errno;
			break;
		}
		open_n++;
		if (fsutil_write_all(fds[open_n - 1], files[i].data,
		    files[i].len) == -1) {
			e = errno;
			break;
		}
#ifdef SYNC_FILE_RANGE_WRITE
		/* a hint: fsync below is what makes it durable */
		(void)sync_file_range(fds[open_n - 1], 0, 0,
		    SYNC_FILE_RANGE_WRITE);
#endif
	}
#ifdef SYNC_FILE_RANGE_WRITE
	/*
	 * Wait for every file's data first: the metadata its completion
	 * changes (ext4 converts the extents then) lands in the journal
	 * commit the first fsync makes, and the later ones find it made.
	 */
	for (i = 0; i < open_n && e == 0; i++)
		(void)sync_file_range(fds[i], 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
		    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
#endif
	for (i = 0; i < open_n; i++) {
		if (e == 0 && fsync(fds[i]) == -1)
			e = errno;
		if (close(fds[i]) == -1 && e == 0)
			e = errno;
	}
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

enum results_err
results_commit(int dirfd, const char *id, const struct result_file *files,
    size_t n)
{
	char		 tmp[ID_LEN + 8];
	struct stat	 st;
	int		 tfd = -1, e = 0, tries;
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
	for (i = 0; i < n; i += RESULTS_SYNC_BATCH) {
		if (results_write_batch(tfd, files + i, n - i <
		    RESULTS_SYNC_BATCH ? n - i : RESULTS_SYNC_BATCH) == -1) {
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

int
results_lock(int dirfd, const char *id)
{
	struct stat	 held, named;
	int		 fd, e;

	if (!id_valid(id)) {
		errno = ENOENT;
		return -1;
	}
	fd = openat(dirfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR)
			goto fail;
	}
	/* A delete that held it first has renamed it away meanwhile. */
	if (fstat(fd, &held) == -1)
		goto fail;
	if (fstatat(dirfd, id, &named, AT_SYMLINK_NOFOLLOW) == -1 ||
	    named.st_ino != held.st_ino || named.st_dev != held.st_dev) {
		errno = ENOENT;
		goto fail;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

enum results_err
results_delete(int dirfd, const char *id)
{
	char	 del[ID_LEN + 8];
	int	 fd, rc, e;

	/* Locked: a review being saved into it finishes first, or finds it gone. */
	if ((fd = results_lock(dirfd, id)) < 0)
		return errno == ENOENT ? RESULTS_ERR_NOTFOUND :
		    RESULTS_ERR_IO;
	snprintf(del, sizeof(del), ".del-%s", id);
	if (renameat(dirfd, id, dirfd, del) == -1) {
		e = errno;
		close(fd);
		return e == ENOENT ? RESULTS_ERR_NOTFOUND : RESULTS_ERR_IO;
	}
	rc = remove_tree(dirfd, del);
	close(fd);
	if (rc == -1) {
		/* Hidden, but its files are still on disk: say so. */
		log_warn("results: remove %s (a later sweep retries)", del);
		return RESULTS_ERR_IO;
	}
	/* What an earlier failed delete left goes now, not at a restart. */
	(void)results_sweep(dirfd);
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

static int
entry_cmp(const void *a, const void *b)
{
	const struct results_entry *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns < y->mtime_ns ? 1 : -1;
	return strcmp(x->id, y->id);
}

struct results_entry *
results_scan(int dirfd, size_t *np)
{
	DIR		*d;
	struct dirent	*de;
	struct results_entry	*v = NULL, *nv;
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
	if (v != NULL)
		qsort(v, n, sizeof(*v), entry_cmp);
	*np = n;
	return v;
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

/*
 * A file a killed writer left in the results directory: a review's
 * temporary (".rv-<id>", review.c: removed unless a live writer holds
 * its flock) or a health probe (".probe-<pid>", removed once its process
 * is gone).  1 if name was one and is removed, else 0.
 */
static int
sweep_file(int dirfd, const char *name)
{
	char	*end;
	long	 pid;
	int	 fd, rc = 0;

	if (strncmp(name, ".rv-", 4) == 0 && id_valid(name + 4)) {
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return 0;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    unlinkat(dirfd, name, 0) == 0)
			rc = 1;
		close(fd);
		return rc;
	}
	if (strncmp(name, ".probe-", 7) == 0) {
		pid = strtol(name + 7, &end, 10);
		if (*end == '\0' && pid > 0 && kill((pid_t)pid, 0) == -1 &&
		    errno == ESRCH && unlinkat(dirfd, name, 0) == 0)
			return 1;
	}
	return 0;
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
		if (sweep_file(dirfd, de->d_name) == 1) {
			n++;
			continue;
		}
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
	struct results_entry	*v;
	size_t			 n, i;
	time_t			 cutoff;
	int			 removed = 0;

	if (days <= 0)
		return 0;
	cutoff = time(NULL) - (time_t)days * 86400;
	if ((v = results_scan(dirfd, &n)) == NULL)
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
