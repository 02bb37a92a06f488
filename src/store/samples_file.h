/* samples_file.h: the sample store's files (private to samples.c and samples_file.c) */
#ifndef BV_SAMPLES_FILE_H
#define BV_SAMPLES_FILE_H

#include <jansson.h>

/* fd of <results>/samples, created on first use if create; -1 with errno. */
int	 samples_file_dir(int results_fd, int create);

/* Exclusive lock serialising writers of every sample; -1 with errno. */
int	 samples_file_lock(int dirfd);

/* Drop the lock samples_file_lock() gave (fd < 0: none). */
void	 samples_file_unlock(int fd);

/*
 * Publish obj as <id>.json in dirfd: temporary file, fsync, rename,
 * fsync of the directory.  Called under the lock.  -1 with errno.
 */
int	 samples_file_write(int dirfd, const char *id, const json_t *obj);

/* Sample id as stored in dirfd (new), or NULL with errno. */
json_t	*samples_file_read(int dirfd, const char *id);

/* Every stored sample's id -> its file's stamp (samples_stamps()). */
json_t	*samples_file_stamps(int results_fd);

#endif /* BV_SAMPLES_FILE_H */
