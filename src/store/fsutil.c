/* fsutil.c: small file-system helpers shared by the results and samples stores */

#include "store/fsutil.h"
#include "store/ids.h"

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

int
fsutil_put_new(int dirfd, const char *name, const char *tag, const void *buf,
    size_t len)
{
	char	 tmp[ID_LEN + 32], rnd[ID_LEN + 1];
	int	 fd, e = 0;

	if (id_new(rnd) == -1) {
		errno = EIO;
		return -1;
	}
	snprintf(tmp, sizeof(tmp), ".%.8s-%s", tag, rnd);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (fsutil_write_all(fd, buf, len) == -1 || fsync(fd) == -1)
		e = errno;
	if (close(fd) == -1 && e == 0)
		e = errno;
	if (e == 0 && linkat(dirfd, tmp, dirfd, name, 0) == -1)
		e = errno;
	(void)unlinkat(dirfd, tmp, 0);
	errno = e;
	return e == 0 ? 0 : -1;
}
