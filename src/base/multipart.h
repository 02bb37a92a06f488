/* multipart.h: parse multipart/form-data request bodies (RFC 7578, RFC 2046 5.1) */
#ifndef BV_MULTIPART_H
#define BV_MULTIPART_H

#include <stddef.h>

enum multipart_err {
	MULTIPART_OK = 0,
	MULTIPART_ERR_NOBOUNDARY,	/* not multipart/form-data, or no boundary= */
	MULTIPART_ERR_BOUNDARY_TOO_LONG, /* boundary over 70 chars (RFC 2046 5.1.1) */
	MULTIPART_ERR_SYNTAX,		/* malformed body, header or parameter */
	MULTIPART_ERR_TRUNCATED,	/* body ends before the close delimiter */
	MULTIPART_ERR_TOO_MANY_PARTS,	/* more than limits.max_parts parts */
	MULTIPART_ERR_HEADER_TOO_LONG,	/* header line or header count over limits */
	MULTIPART_ERR_NOMEM
};

/* Bounds on what one body may make the parser allocate. */
struct multipart_limits {
	size_t	max_parts;		/* default 16 */
	size_t	max_header_line;	/* bytes, CRLF excluded; default 1024 */
	size_t	max_headers;		/* header lines per part; default 8 */
};

/*
 * One part.  The strings are owned by the struct multipart and are
 * NUL-terminated (NUL bytes in part headers are refused).  data points
 * INTO the body passed to multipart_parse(): the body must outlive the
 * parts.  data may hold any bytes, NUL included; len may be 0.
 */
struct multipart_part {
	char			*name;		/* form field name, never NULL */
	char			*filename;	/* NULL if none; never trust it */
	char			*content_type;	/* raw header value, NULL if none */
	const unsigned char	*data;
	size_t			 len;
};

struct multipart;	/* opaque: the parsed parts, in body order */

/* Fill lim with the defaults (16 parts, 1024-byte lines, 8 headers). */
void	multipart_limits_default(struct multipart_limits *lim);

/*
 * Extract the boundary from a Content-Type header value such as
 * `multipart/form-data; boundary="abc"` (token or quoted-string).
 * On MULTIPART_OK, buf holds the NUL-terminated boundary (1..70 chars);
 * bufsz must be at least 71.  On error buf holds "".
 */
enum multipart_err
	multipart_boundary(const char *content_type, char *buf, size_t bufsz);

/*
 * Parse body (len bytes, need not be NUL-terminated) split by boundary
 * (without the leading "--").  lim NULL means the defaults.  Returns a
 * struct the caller frees with multipart_free(); it borrows body.  On
 * failure returns NULL and sets *err (err may be NULL); nothing leaks.
 */
struct multipart *
	multipart_parse(const unsigned char *body, size_t len,
	    const char *boundary, const struct multipart_limits *lim,
	    enum multipart_err *err);

/* Number of parts (0 for NULL). */
size_t	multipart_count(const struct multipart *m);

/* Part i (0-based), or NULL when out of range.  Borrowed from m. */
const struct multipart_part *
	multipart_get(const struct multipart *m, size_t i);

/* First part whose field name equals name exactly, or NULL.  Borrowed. */
const struct multipart_part *
	multipart_find(const struct multipart *m, const char *name);

/* Free m and its strings (not the body).  NULL is a no-op. */
void	multipart_free(struct multipart *m);

/* Static English text for an error code; never NULL. */
const char *multipart_strerror(enum multipart_err e);

#endif /* BV_MULTIPART_H */
