/* fsutil.c: small file-system helpers shared by the results and samples stores */

#include "store/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
fsutil_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

json_t *
fsutil_load_json(int dirfd, const char *path)
{
	json_error_t	 jerr;
	json_t		*o;
	FILE		*f;
	int		 fd;

	if ((fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	o = json_loadf(f, 0, &jerr);
	fclose(f);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		errno = EIO;
		return NULL;
	}
	return o;
}

int
fsutil_errno_full(int e)
{
	return e == ENOSPC || e == EDQUOT;
}
