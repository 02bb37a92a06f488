/* samples_file.c: the sample store's files: its folder, the writers' lock, atomic publish, read */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* flock(2), openat(2) under -std=c11 */
#endif

#include "store/samples_file.h"
#include "store/fsutil.h"
#include "store/ids.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAMPLES_DIR		"samples"
#define SAMPLES_LOCK		".lock"

/* fd of <results>/samples, created on first use; -1 with errno. */
int
samples_file_dir(int results_fd, int create)
{
	int	 fd;

	fd = openat(results_fd, SAMPLES_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(results_fd, SAMPLES_DIR, 0755) == -1 && errno != EEXIST)
		return -1;
	return openat(results_fd, SAMPLES_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
}

/* Exclusive lock serialising writers of every sample; -1 with errno. */
int
samples_file_lock(int dirfd)
{
	int	 fd;

	fd = openat(dirfd, SAMPLES_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Closing the last fd of the lock file drops the flock. */
void
samples_file_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing the last fd drops the flock */
}

/*
 * Publish obj as <id>.json: temporary file, fsync, rename, fsync of the
 * directory (so the rename itself survives a crash).  Called under the
 * lock, so one temporary name per id suffices.  Once the rename is done
 * the new content is what every reader sees, so a failed fsync of the
 * directory is logged, not returned: a caller told "failed" would undo
 * work (take back a result) that the sample already lists.
 */
int
samples_file_write(int dirfd, const char *id, const json_t *obj)
{
	char	 tmp[ID_LEN + 16], name[ID_LEN + 8], *s;
	int	 fd, e;

	snprintf(tmp, sizeof(tmp), ".tmp-%s.json", id);
	snprintf(name, sizeof(name), "%s.json", id);
	if ((s = json_dumps(obj, JSON_INDENT(1))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	(void)unlinkat(dirfd, tmp, 0);	/* leftover of a crashed writer */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	if (fsutil_write_all(fd, s, strlen(s)) == -1 ||
	    fsutil_write_all(fd, "\n", 1) == -1 ||
	    fsync(fd) == -1) {
		e = errno;
		close(fd);
		errno = e;
		goto fail_unlink;
	}
	if (close(fd) == -1 || renameat(dirfd, tmp, dirfd, name) == -1)
		goto fail_unlink;
	free(s);
	if (fsync(dirfd) == -1)
		log_warn("samples: fsync after writing %s", name);
	return 0;
fail_unlink:
	e = errno;
	(void)unlinkat(dirfd, tmp, 0);
	errno = e;
fail:
	e = errno;
	free(s);
	errno = e;
	return -1;
}

/* <id>.json of dirfd; an invalid id reads as absent (ENOENT). */
json_t *
samples_file_read(int dirfd, const char *id)
{
	char		 name[ID_LEN + 8];

	if (!id_valid(id)) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(name, sizeof(name), "%s.json", id);
	return fsutil_load_json(dirfd, name);
}

/*
 * Every stored sample's id -> "inode:seconds:nanoseconds" of its file: a
 * sample is rewritten by rename, so the stamp changes with each edit.
 */
json_t *
samples_file_stamps(int results_fd)
{
	json_t		*out = json_object();
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 id[ID_LEN + 1], v[80];
	int		 fd;

	if (out == NULL || (fd = samples_file_dir(results_fd, 0)) < 0)
		return out;		/* no sample yet */
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != ID_LEN + 5 ||
		    strcmp(de->d_name + ID_LEN, ".json") != 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		memcpy(id, de->d_name, ID_LEN);
		id[ID_LEN] = '\0';
		snprintf(v, sizeof(v), "%llu:%lld:%ld", (unsigned long long)
		    st.st_ino, (long long)st.st_mtim.tv_sec,
		    (long)st.st_mtim.tv_nsec);
		if (id_valid(id))
			json_object_set_new(out, id, json_string(v));
	}
	closedir(d);
	return out;
}
