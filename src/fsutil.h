/* fsutil.h: small file-system helpers shared by the results and samples stores */
#ifndef BV_FSUTIL_H
#define BV_FSUTIL_H

#include <stddef.h>

/* write(2) all of buf, retrying on EINTR and short writes; 0, or -1 with errno. */
int	fsutil_write_all(int fd, const void *buf, size_t len);

#endif /* BV_FSUTIL_H */
