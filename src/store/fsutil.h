/* fsutil.h: small file-system helpers shared by the results and samples stores */
#ifndef BV_FSUTIL_H
#define BV_FSUTIL_H

#include <stddef.h>
#include <jansson.h>

/* write(2) all of buf, retrying on EINTR and short writes; 0, or -1 with errno. */
int	fsutil_write_all(int fd, const void *buf, size_t len);

/*
 * Parse the JSON object in file path under dirfd (no symlinks followed).
 * A new reference the caller owns, or NULL with errno: the open's errno,
 * or EIO when the file is not a JSON object.
 */
json_t	*fsutil_load_json(int dirfd, const char *path);

/*
 * Create name under dirfd holding buf, whole or not at all: written to a
 * private name (tag plus a random id), fsynced, then linked (EEXIST when
 * name exists); the private name is always removed.  0, or -1 with errno.
 */
int	fsutil_put_new(int dirfd, const char *name, const char *tag,
	    const void *buf, size_t len);

/* 1 if errno value e means the disk or quota is full (ENOSPC, EDQUOT): 507. */
int	fsutil_errno_full(int e);

#endif /* BV_FSUTIL_H */
