/* fuzz_multipart.c: libFuzzer harness for the multipart/form-data parser */
/*
 * Input format: the first line (up to the first LF, a trailing CR
 * dropped) is a Content-Type header value given to multipart_boundary();
 * the rest is the body.  When that line yields no boundary (or there is
 * no LF at all, and then the whole input is the body) the boundary is
 * "bvfuzz", so random bodies still reach the parser.  Seeds start with
 * "multipart/form-data; boundary=bvfuzz".
 *
 * Besides crashes and sanitizer reports, abort() flags broken contracts:
 * parts outside the body or out of order, a result that tighter limits
 * accept but the defaults refuse, parts that do not survive being
 * written back out as a body and parsed again, or a body built here from
 * the input's two halves as field data that does not parse back to them
 * (this one catches bodies refused or split wrongly).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/multipart.h"

#define FUZZ_BOUNDARY	"bvfuzz"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Append s[0..n) to the growing buffer; aborts on OOM (a harness bug). */
static void
put(unsigned char **buf, size_t *len, size_t *cap, const void *s, size_t n)
{
	if (n == 0)
		return;
	if (*len + n > *cap) {
		*cap = (*len + n) * 2 + 64;
		if ((*buf = realloc(*buf, *cap)) == NULL)
			abort();
	}
	memcpy(*buf + *len, s, n);
	*len += n;
}

static void
put_str(unsigned char **buf, size_t *len, size_t *cap, const char *s)
{
	put(buf, len, cap, s, strlen(s));
}

/* A quoted-string holding s, escaping only what must be (RFC 7230 3.2.6). */
static void
put_quoted(unsigned char **buf, size_t *len, size_t *cap, const char *s)
{
	put(buf, len, cap, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			put(buf, len, cap, "\\", 1);
		put(buf, len, cap, s, 1);
	}
	put(buf, len, cap, "\"", 1);
}

/* Parts are well formed: inside the body, in order, names findable. */
static void
check_parts(const struct multipart *m, const uint8_t *body, size_t len,
    size_t max_parts)
{
	const struct multipart_part	*p, *f;
	const unsigned char		*prev_end = body;
	size_t				 i, n = multipart_count(m);

	if (n == 0 || n > max_parts || multipart_get(m, n) != NULL)
		abort();
	for (i = 0; i < n; i++) {
		if ((p = multipart_get(m, i)) == NULL || p->name == NULL)
			abort();
		if (p->data < prev_end || p->len > len ||
		    p->data > body + len - p->len)
			abort();
		prev_end = p->data + p->len;
		if ((f = multipart_find(m, p->name)) == NULL || f > p ||
		    strcmp(f->name, p->name) != 0)
			abort();
	}
}

/*
 * Write the parts back out as a body and parse it again: the same
 * fields must come back (escaping may lengthen header lines, hence the
 * larger line limit).
 */
static void
check_roundtrip(const struct multipart *m, const char *boundary)
{
	struct multipart_limits		 lim;
	struct multipart		*m2;
	const struct multipart_part	*p, *q;
	enum multipart_err		 e;
	unsigned char			*buf = NULL;
	size_t				 len = 0, cap = 0, i;

	for (i = 0; i < multipart_count(m); i++) {
		p = multipart_get(m, i);
		put_str(&buf, &len, &cap, "--");
		put_str(&buf, &len, &cap, boundary);
		put_str(&buf, &len, &cap,
		    "\r\nContent-Disposition: form-data; name=");
		put_quoted(&buf, &len, &cap, p->name);
		if (p->filename != NULL) {
			put_str(&buf, &len, &cap, "; filename=");
			put_quoted(&buf, &len, &cap, p->filename);
		}
		if (p->content_type != NULL) {
			put_str(&buf, &len, &cap, "\r\nContent-Type: ");
			put_str(&buf, &len, &cap, p->content_type);
		}
		put_str(&buf, &len, &cap, "\r\n\r\n");
		put(&buf, &len, &cap, p->data, p->len);
		put_str(&buf, &len, &cap, "\r\n");
	}
	put_str(&buf, &len, &cap, "--");
	put_str(&buf, &len, &cap, boundary);
	put_str(&buf, &len, &cap, "--\r\n");

	multipart_limits_default(&lim);
	lim.max_header_line = 1 << 16;
	if ((m2 = multipart_parse(buf, len, boundary, &lim, &e)) == NULL)
		abort();
	if (multipart_count(m2) != multipart_count(m))
		abort();
	for (i = 0; i < multipart_count(m); i++) {
		p = multipart_get(m, i);
		q = multipart_get(m2, i);
		if (!str_eq(p->name, q->name) ||
		    !str_eq(p->filename, q->filename) ||
		    !str_eq(p->content_type, q->content_type) ||
		    p->len != q->len ||
		    (p->len != 0 && memcmp(p->data, q->data, p->len) != 0))
			abort();
	}
	multipart_free(m2);
	free(buf);
}

/*
 * Whether d[0..n), placed after the CRLF that ends a part's headers,
 * would hold a delimiter: "--boundary" at its start or "CRLF--boundary"
 * anywhere.  Naive on purpose: an independent check of find_delim().
 */
static int
holds_delim(const uint8_t *d, size_t n, const char *boundary)
{
	size_t	blen = strlen(boundary), i;

	if (n >= 2 + blen && memcmp(d, "--", 2) == 0 &&
	    memcmp(d + 2, boundary, blen) == 0)
		return 1;
	for (i = 0; i + 4 + blen <= n; i++)
		if (memcmp(d + i, "\r\n--", 4) == 0 &&
		    memcmp(d + i + 4, boundary, blen) == 0)
			return 1;
	return 0;
}

/* Build a two-field body from the halves of in and parse it back. */
static void
check_build(const uint8_t *in, size_t n, const char *boundary)
{
	struct multipart		*m;
	const struct multipart_part	*p;
	enum multipart_err		 e;
	unsigned char			*buf = NULL;
	size_t				 len = 0, cap = 0, half = n / 2, i;
	const uint8_t			*chunk[2] = { in, in + half };
	size_t				 chunklen[2] = { half, n - half };

	for (i = 0; i < 2; i++)
		if (holds_delim(chunk[i], chunklen[i], boundary))
			return;		/* not representable: skip */
	for (i = 0; i < 2; i++) {
		put_str(&buf, &len, &cap, "--");
		put_str(&buf, &len, &cap, boundary);
		put_str(&buf, &len, &cap, i == 0 ?
		    "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" :
		    "\r\ncontent-disposition: form-data; name=b\r\n\r\n");
		put(&buf, &len, &cap, chunk[i], chunklen[i]);
		put_str(&buf, &len, &cap, "\r\n");
	}
	put_str(&buf, &len, &cap, "--");
	put_str(&buf, &len, &cap, boundary);
	put_str(&buf, &len, &cap, "--");
	if ((m = multipart_parse(buf, len, boundary, NULL, &e)) == NULL)
		abort();
	if (multipart_count(m) != 2)
		abort();
	for (i = 0; i < 2; i++) {
		p = multipart_get(m, i);
		if (p->len != chunklen[i] || strcmp(p->name, i ? "b" : "a") ||
		    (p->len != 0 && memcmp(p->data, chunk[i], p->len) != 0))
			abort();
	}
	multipart_free(m);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct multipart_limits	 lim, tight;
	struct multipart	*m, *mt;
	enum multipart_err	 e, et;
	const uint8_t		*lf, *body = data;
	size_t			 len = size, linelen;
	char			 boundary[71], *ct;

	strcpy(boundary, FUZZ_BOUNDARY);
	if (size > 0 && (lf = memchr(data, '\n', size)) != NULL) {
		linelen = (size_t)(lf - data);
		if (linelen > 0 && data[linelen - 1] == '\r')
			linelen--;
		if ((ct = malloc(linelen + 1)) == NULL)
			return 0;
		memcpy(ct, data, linelen);
		ct[linelen] = '\0';
		e = multipart_boundary(ct, boundary, sizeof(boundary));
		if (e != MULTIPART_OK) {
			if (boundary[0] != '\0' || multipart_strerror(e) == NULL)
				abort();
			strcpy(boundary, FUZZ_BOUNDARY);
		} else if (strlen(boundary) == 0 || strlen(boundary) > 70)
			abort();
		free(ct);
		body = lf + 1;
		len = size - (size_t)(body - data);
	}

	multipart_limits_default(&lim);
	m = multipart_parse(body, len, boundary, &lim, &e);
	if ((m == NULL) != (e != MULTIPART_OK) || multipart_strerror(e) == NULL)
		abort();

	/* Anything tighter limits accept, the defaults accept identically. */
	tight.max_parts = 2;
	tight.max_header_line = 64;
	tight.max_headers = 2;
	mt = multipart_parse(body, len, boundary, &tight, &et);
	if ((mt == NULL) != (et != MULTIPART_OK))
		abort();
	if (mt != NULL) {
		if (m == NULL || multipart_count(mt) != multipart_count(m))
			abort();
		check_parts(mt, body, len, tight.max_parts);
	}

	if (m != NULL) {
		check_parts(m, body, len, lim.max_parts);
		check_roundtrip(m, boundary);
	}
	check_build(body, len, boundary);
	multipart_free(mt);
	multipart_free(m);
	return 0;
}
