/* toolutil.h: helpers shared by the command-line model tools */
#ifndef BV_TOOLUTIL_H
#define BV_TOOLUTIL_H

#include <stddef.h>

/* snprintf into a path buffer; -1 (and a message on stderr) if it does not fit. */
int	tool_pathf(char *buf, size_t sz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Read a whole regular file of 1..max bytes into a malloc'd buffer the
 * caller frees.  0, or -1 (nothing allocated).
 */
int	tool_read_file(const char *path, size_t max, unsigned char **buf,
	    size_t *len);

#endif /* BV_TOOLUTIL_H */
