/* multipart.c: parse multipart/form-data (RFC 7578, RFC 2046 5.1) */
/*
 * Design.  The whole body is already in memory (the backend caps it), so
 * the parser is a single forward pass over (body, len) that never copies
 * part data: each part's data points into the body.  Only the field name,
 * the file name and the Content-Type value are copied, into small
 * NUL-terminated strings.  No recursion, no I/O, never reads past len.
 *
 * Cost is linear: the delimiter search (find_delim) looks for CR with
 * memchr and compares the delimiter byte by byte; since a valid boundary
 * holds no CR, a failed comparison stops at or before the next CR, so no
 * byte is looked at more than twice.  Header lines are looked for only
 * within max_header_line bytes, so an endless "header" costs the limit,
 * not the body.
 *
 * Strictness: whatever is ambiguous is refused (SYNTAX) rather than
 * guessed, because the bytes become a medical image: bare LF line ends,
 * folded header lines, a repeated Content-Disposition, Content-Type, name
 * or filename, and a boundary followed by junk (RFC 2046 5.1.1: a match of
 * the boundary at the start of a line is a delimiter, whatever follows).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/multipart.h"

#define MULTIPART_BOUNDARY_MAX	70	/* RFC 2046 5.1.1 */

struct multipart {
	struct multipart_part	*parts;
	size_t			 n;
	size_t			 cap;
};

/* A read position over borrowed header or parameter text. */
struct cursor {
	const char	*p;
	const char	*end;
};

/* How a delimiter line ends (after "--boundary"). */
enum delim_kind {
	DELIM_NEXT,		/* transport padding CRLF: a part follows */
	DELIM_CLOSE		/* "--": close delimiter, epilogue follows */
};

static const char *const multipart_errstr[] = {
	[MULTIPART_OK] = "no error",
	[MULTIPART_ERR_NOBOUNDARY] = "not multipart/form-data or no boundary",
	[MULTIPART_ERR_BOUNDARY_TOO_LONG] = "boundary longer than 70 characters",
	[MULTIPART_ERR_SYNTAX] = "malformed multipart body",
	[MULTIPART_ERR_TRUNCATED] = "multipart body ends before its close delimiter",
	[MULTIPART_ERR_TOO_MANY_PARTS] = "too many parts in multipart body",
	[MULTIPART_ERR_HEADER_TOO_LONG] = "part header line too long or too many headers",
	[MULTIPART_ERR_NOMEM] = "out of memory",
};

const char *
multipart_strerror(enum multipart_err e)
{
	if ((unsigned)e >= sizeof(multipart_errstr) / sizeof(multipart_errstr[0]))
		return "unknown multipart error";
	return multipart_errstr[e];
}

void
multipart_limits_default(struct multipart_limits *lim)
{
	lim->max_parts = 16;
	lim->max_header_line = 1024;
	lim->max_headers = 8;
}

/* RFC 7230 3.2.6 tchar; ASCII only, independent of the locale. */
static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 2046 5.1.1 bchars (space included; the caller checks the end). */
static int
is_bchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("'()+_,-./:=? ", c) != NULL;
}

static int
is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Controls other than HTAB may appear nowhere in header text. */
static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive equality of s[0..n) and the lower-case literal lit. */
static int
ieq(const char *s, size_t n, const char *lit)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || ascii_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return 0;
	return lit[n] == '\0';
}

static char *
str_ndup(const char *s, size_t n)
{
	char	*d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void
cursor_skip_ows(struct cursor *c)
{
	while (c->p < c->end && is_ows((unsigned char)*c->p))
		c->p++;
}

/* Length of the run of tchars at the cursor, consumed. */
static size_t
cursor_token(struct cursor *c)
{
	const char	*start = c->p;

	while (c->p < c->end && is_tchar((unsigned char)*c->p))
		c->p++;
	return (size_t)(c->p - start);
}

/*
 * Read a parameter value at the cursor: a token or a quoted-string
 * (RFC 7230 3.2.6, backslash escapes undone).  On MULTIPART_OK *val is a
 * malloc'd NUL-terminated string the caller frees; otherwise *val is NULL.
 * Controls are refused even when escaped, so *val never holds a NUL.
 */
static enum multipart_err
param_value(struct cursor *c, char **val, size_t *vallen)
{
	const char	*start = c->p;
	char		*out;
	size_t		 n = 0;
	unsigned char	 ch;

	*val = NULL;
	if (c->p < c->end && *c->p != '"') {
		if ((n = cursor_token(c)) == 0)
			return MULTIPART_ERR_SYNTAX;
		if ((*val = str_ndup(start, n)) == NULL)
			return MULTIPART_ERR_NOMEM;
		*vallen = n;
		return MULTIPART_OK;
	}
	if (c->p >= c->end)
		return MULTIPART_ERR_SYNTAX;
	/* Unescaped text is never longer than the quoted text. */
	if ((out = malloc((size_t)(c->end - c->p))) == NULL)
		return MULTIPART_ERR_NOMEM;
	for (c->p++; c->p < c->end; c->p++) {
		ch = (unsigned char)*c->p;
		if (ch == '"') {
			c->p++;
			out[n] = '\0';
			*val = out;
			*vallen = n;
			return MULTIPART_OK;
		}
		if (ch == '\\') {
			if (++c->p >= c->end)
				break;
			ch = (unsigned char)*c->p;
		}
		if (is_ctl(ch))
			break;
		out[n++] = (char)ch;
	}
	free(out);
	return MULTIPART_ERR_SYNTAX;
}

/*
 * Read the next `OWS ";" OWS name=value` parameter (RFC 7231 3.1.1.1).
 * Sets *done at the end of the text (one trailing ";" tolerated, as some
 * clients send it).  On MULTIPART_OK without *done, *name and *namelen borrow
 * the name and *val is malloc'd for the caller to free.
 */
static enum multipart_err
param_next(struct cursor *c, const char **name, size_t *namelen,
    char **val, size_t *vallen, int *done)
{
	*val = NULL;
	*done = 0;
	cursor_skip_ows(c);
	if (c->p == c->end) {
		*done = 1;
		return MULTIPART_OK;
	}
	if (*c->p != ';')
		return MULTIPART_ERR_SYNTAX;
	c->p++;
	cursor_skip_ows(c);
	if (c->p == c->end) {
		*done = 1;
		return MULTIPART_OK;
	}
	*name = c->p;
	if ((*namelen = cursor_token(c)) == 0)
		return MULTIPART_ERR_SYNTAX;
	if (c->p == c->end || *c->p != '=')
		return MULTIPART_ERR_SYNTAX;
	c->p++;
	return param_value(c, val, vallen);
}

/* A boundary usable by the parser: 1..70 bchars, not ending in space. */
static enum multipart_err
boundary_check(const char *b, size_t n)
{
	size_t	i;

	if (n == 0)
		return MULTIPART_ERR_NOBOUNDARY;
	if (n > MULTIPART_BOUNDARY_MAX)
		return MULTIPART_ERR_BOUNDARY_TOO_LONG;
	for (i = 0; i < n; i++)
		if (!is_bchar((unsigned char)b[i]))
			return MULTIPART_ERR_SYNTAX;
	if (b[n - 1] == ' ')
		return MULTIPART_ERR_SYNTAX;
	return MULTIPART_OK;
}

enum multipart_err
multipart_boundary(const char *content_type, char *buf, size_t bufsz)
{
	struct cursor		 c;
	const char		*type, *name;
	size_t			 typelen, namelen, vallen = 0, blen = 0;
	char			*val = NULL, *b = NULL;
	int			 done;
	enum multipart_err	 e;

	if (buf != NULL && bufsz > 0)
		buf[0] = '\0';
	if (content_type == NULL)
		return MULTIPART_ERR_NOBOUNDARY;
	c.p = content_type;
	c.end = content_type + strlen(content_type);

	/* Media types are case-insensitive (RFC 7231 3.1.1.1). */
	cursor_skip_ows(&c);
	type = c.p;
	typelen = cursor_token(&c);
	if (!ieq(type, typelen, "multipart") || c.p == c.end || *c.p != '/')
		return MULTIPART_ERR_NOBOUNDARY;
	c.p++;
	type = c.p;
	typelen = cursor_token(&c);
	if (!ieq(type, typelen, "form-data"))
		return MULTIPART_ERR_NOBOUNDARY;

	for (;;) {
		if ((e = param_next(&c, &name, &namelen, &val, &vallen,
		    &done)) != MULTIPART_OK)
			goto out;
		if (done)
			break;
		if (ieq(name, namelen, "boundary")) {
			if (b != NULL) {
				/* Two boundaries: which one would the client use? */
				e = MULTIPART_ERR_SYNTAX;
				goto out;
			}
			b = val;
			blen = vallen;
		} else
			free(val);
		val = NULL;
	}
	if (b == NULL) {
		e = MULTIPART_ERR_NOBOUNDARY;
		goto out;
	}
	if ((e = boundary_check(b, blen)) != MULTIPART_OK)
		goto out;
	if (buf == NULL || bufsz < blen + 1) {
		e = MULTIPART_ERR_BOUNDARY_TOO_LONG;
		goto out;
	}
	memcpy(buf, b, blen + 1);
out:
	free(val);
	free(b);
	return e;
}

/*
 * First "CRLF--boundary" (d, dlen) at or after p, or NULL.  Linear
 * because d holds no CR after its first byte (see the top comment).
 */
static const unsigned char *
find_delim(const unsigned char *p, const unsigned char *end,
    const unsigned char *d, size_t dlen)
{
	const unsigned char	*cr;
	size_t			 i;

	while ((size_t)(end - p) >= dlen) {
		cr = memchr(p, '\r', (size_t)(end - p) - dlen + 1);
		if (cr == NULL)
			return NULL;
		for (i = 1; i < dlen && cr[i] == d[i]; i++)
			continue;
		if (i == dlen)
			return cr;
		p = cr + 1;
	}
	return NULL;
}

/*
 * p is just past "--boundary".  RFC 2046 5.1.1: either "--" (close
 * delimiter; the epilogue after it is ignored, even a missing CRLF), or
 * transport padding (LWSP, which senders must not generate but parsers
 * must accept) and CRLF, then *next is where the part's headers start.
 */
static enum multipart_err
delim_end(const unsigned char *p, const unsigned char *end,
    enum delim_kind *kind, const unsigned char **next)
{
	if (p < end && *p == '-') {
		if (p + 1 == end)
			return MULTIPART_ERR_TRUNCATED;
		if (p[1] == '-') {
			*kind = DELIM_CLOSE;
			return MULTIPART_OK;
		}
		return MULTIPART_ERR_SYNTAX;
	}
	while (p < end && is_ows(*p))
		p++;
	if (p == end)
		return MULTIPART_ERR_TRUNCATED;
	if (*p != '\r')
		return MULTIPART_ERR_SYNTAX;
	if (p + 1 == end)
		return MULTIPART_ERR_TRUNCATED;
	if (p[1] != '\n')
		return MULTIPART_ERR_SYNTAX;
	*kind = DELIM_NEXT;
	*next = p + 2;
	return MULTIPART_OK;
}

static void
part_clear(struct multipart_part *part)
{
	free(part->name);
	free(part->filename);
	free(part->content_type);
	memset(part, 0, sizeof(*part));
}

/*
 * Content-Disposition value (RFC 7578 4.2): "form-data" and its
 * parameters; name is required (checked by the caller), filename is
 * optional, others (filename* included, 4.2 says not to send it) are
 * ignored.
 */
static enum multipart_err
parse_disposition(struct cursor *c, struct multipart_part *part)
{
	const char		*type, *name;
	size_t			 typelen, namelen, vallen;
	char			*val, **slot;
	int			 done;
	enum multipart_err	 e;

	type = c->p;
	typelen = cursor_token(c);
	if (!ieq(type, typelen, "form-data"))
		return MULTIPART_ERR_SYNTAX;
	for (;;) {
		if ((e = param_next(c, &name, &namelen, &val, &vallen,
		    &done)) != MULTIPART_OK)
			return e;
		if (done)
			return MULTIPART_OK;
		slot = NULL;
		if (ieq(name, namelen, "name"))
			slot = &part->name;
		else if (ieq(name, namelen, "filename"))
			slot = &part->filename;
		if (slot == NULL) {
			free(val);
			continue;
		}
		if (*slot != NULL) {
			free(val);
			return MULTIPART_ERR_SYNTAX;
		}
		*slot = val;
	}
}

/* One header line s[0..n), CRLF excluded, controls already refused. */
static enum multipart_err
parse_header(const char *s, size_t n, struct multipart_part *part,
    int *have_disposition)
{
	struct cursor	 c = { s, s + n };
	const char	*name = s, *vend;
	size_t		 namelen;

	/*
	 * No space before the colon and no obs-fold continuation lines
	 * (RFC 7230 3.2.4): both leave namelen 0 or no colon here.
	 */
	namelen = cursor_token(&c);
	if (namelen == 0 || c.p == c.end || *c.p != ':')
		return MULTIPART_ERR_SYNTAX;
	c.p++;
	cursor_skip_ows(&c);
	vend = c.end;
	while (vend > c.p && is_ows((unsigned char)vend[-1]))
		vend--;
	c.end = vend;

	if (ieq(name, namelen, "content-disposition")) {
		if (*have_disposition)
			return MULTIPART_ERR_SYNTAX;
		*have_disposition = 1;
		return parse_disposition(&c, part);
	}
	if (ieq(name, namelen, "content-type")) {
		if (part->content_type != NULL)
			return MULTIPART_ERR_SYNTAX;
		part->content_type = str_ndup(c.p, (size_t)(c.end - c.p));
		return part->content_type == NULL ?
		    MULTIPART_ERR_NOMEM : MULTIPART_OK;
	}
	return MULTIPART_OK;	/* RFC 7578 4.8: other headers ignored */
}

/*
 * The header section starting at p, up to and including its empty line;
 * *data is where the part's data starts.  Fills part's strings.
 */
static enum multipart_err
parse_headers(const unsigned char *p, const unsigned char *end,
    const struct multipart_limits *lim, struct multipart_part *part,
    const unsigned char **data)
{
	const unsigned char	*lf;
	size_t			 avail, cap, scan, linelen, i, count = 0;
	int			 have_disposition = 0;
	enum multipart_err	 e;

	/* A line may take max_header_line bytes plus its CRLF. */
	cap = lim->max_header_line <= SIZE_MAX - 2 ?
	    lim->max_header_line + 2 : SIZE_MAX;
	for (;;) {
		avail = (size_t)(end - p);
		scan = avail < cap ? avail : cap;
		if ((lf = memchr(p, '\n', scan)) == NULL)
			return scan < cap ? MULTIPART_ERR_TRUNCATED :
			    MULTIPART_ERR_HEADER_TOO_LONG;
		if (lf == p || lf[-1] != '\r')
			return MULTIPART_ERR_SYNTAX;	/* bare LF */
		linelen = (size_t)(lf - 1 - p);
		if (linelen == 0)
			break;
		if (++count > lim->max_headers)
			return MULTIPART_ERR_HEADER_TOO_LONG;
		for (i = 0; i < linelen; i++)
			if (is_ctl(p[i]))
				return MULTIPART_ERR_SYNTAX;
		if ((e = parse_header((const char *)p, linelen, part,
		    &have_disposition)) != MULTIPART_OK)
			return e;
		p = lf + 1;
	}
	if (part->name == NULL)
		return MULTIPART_ERR_SYNTAX;	/* RFC 7578 4.2: name required */
	*data = lf + 1;
	return MULTIPART_OK;
}

/* Move part into m (which then owns its strings). */
static enum multipart_err
multipart_append(struct multipart *m, struct multipart_part *part)
{
	struct multipart_part	*np;
	size_t			 ncap;

	if (m->n == m->cap) {
		ncap = m->cap == 0 ? 4 : m->cap * 2;
		if (ncap > SIZE_MAX / sizeof(*np))
			return MULTIPART_ERR_NOMEM;
		if ((np = realloc(m->parts, ncap * sizeof(*np))) == NULL)
			return MULTIPART_ERR_NOMEM;
		m->parts = np;
		m->cap = ncap;
	}
	m->parts[m->n++] = *part;
	memset(part, 0, sizeof(*part));
	return MULTIPART_OK;
}

struct multipart *
multipart_parse(const unsigned char *body, size_t len, const char *boundary,
    const struct multipart_limits *lim, enum multipart_err *err)
{
	struct multipart_limits	 deflim;
	struct multipart	*m = NULL;
	struct multipart_part	 part;
	unsigned char		 delim[4 + MULTIPART_BOUNDARY_MAX];
	const unsigned char	*end, *p, *d, *data, *next = NULL;
	size_t			 blen, dlen;
	enum delim_kind		 kind;
	enum multipart_err	 e;

	memset(&part, 0, sizeof(part));
	if (lim == NULL) {
		multipart_limits_default(&deflim);
		lim = &deflim;
	}
	if (boundary == NULL) {
		e = MULTIPART_ERR_NOBOUNDARY;
		goto fail;
	}
	/* Bounded strlen: an over-long boundary is refused, not measured. */
	for (blen = 0; blen <= MULTIPART_BOUNDARY_MAX && boundary[blen]; blen++)
		continue;
	if ((e = boundary_check(boundary, blen)) != MULTIPART_OK)
		goto fail;
	if (body == NULL) {
		/* NULL + 0 is undefined behaviour; parse "" instead. */
		body = (const unsigned char *)"";
		len = 0;
	}
	end = body + len;

	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary, blen);
	dlen = 4 + blen;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		e = MULTIPART_ERR_NOMEM;
		goto fail;
	}

	/*
	 * RFC 2046 5.1.1: the first delimiter may open the body (no CRLF
	 * before it); otherwise whatever precedes it is preamble.
	 */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((d = find_delim(body, end, delim, dlen)) != NULL)
		p = d + dlen;
	else {
		e = MULTIPART_ERR_TRUNCATED;
		goto fail;
	}
	if ((e = delim_end(p, end, &kind, &next)) != MULTIPART_OK)
		goto fail;
	if (kind == DELIM_CLOSE) {
		e = MULTIPART_ERR_SYNTAX;	/* at least one part required */
		goto fail;
	}

	for (;;) {
		if (m->n >= lim->max_parts) {
			e = MULTIPART_ERR_TOO_MANY_PARTS;
			goto fail;
		}
		if ((e = parse_headers(next, end, lim, &part, &data)) !=
		    MULTIPART_OK)
			goto fail;
		/*
		 * Search from the empty line's CRLF: a part with no data may
		 * end its headers with the delimiter's own CRLF (RFC 2046:
		 * body-part := MIME-part-headers [CRLF *OCTET]).
		 */
		if ((d = find_delim(data - 2, end, delim, dlen)) == NULL) {
			e = MULTIPART_ERR_TRUNCATED;
			goto fail;
		}
		part.data = data;
		part.len = d > data ? (size_t)(d - data) : 0;
		if ((e = multipart_append(m, &part)) != MULTIPART_OK)
			goto fail;
		if ((e = delim_end(d + dlen, end, &kind, &next)) != MULTIPART_OK)
			goto fail;
		if (kind == DELIM_CLOSE)
			break;
	}
	if (err != NULL)
		*err = MULTIPART_OK;
	return m;
fail:
	part_clear(&part);
	multipart_free(m);
	if (err != NULL)
		*err = e;
	return NULL;
}

size_t
multipart_count(const struct multipart *m)
{
	return m == NULL ? 0 : m->n;
}

const struct multipart_part *
multipart_get(const struct multipart *m, size_t i)
{
	if (m == NULL || i >= m->n)
		return NULL;
	return &m->parts[i];
}

const struct multipart_part *
multipart_find(const struct multipart *m, const char *name)
{
	size_t	i;

	if (m == NULL || name == NULL)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (strcmp(m->parts[i].name, name) == 0)
			return &m->parts[i];
	return NULL;
}

void
multipart_free(struct multipart *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		part_clear(&m->parts[i]);
	free(m->parts);
	free(m);
}
