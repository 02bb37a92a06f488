/* test_multipart.c: unit tests for the multipart/form-data parser */
/*
 * Includes the module itself to reach its static helpers.  Every body is
 * copied into a heap buffer of exactly its length, so a build with
 * -fsanitize=address turns any read past len into a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/base/multipart.c"

#include "check.h"

#define CD "Content-Disposition: form-data; "

struct parsed {
	unsigned char		*buf;
	struct multipart	*m;
	enum multipart_err	 err;
};

static struct parsed
parse_n(const char *s, size_t n, const char *boundary,
    const struct multipart_limits *lim)
{
	struct parsed	r;

	/* malloc(0) may return NULL; keep one byte but never expose it. */
	if ((r.buf = malloc(n ? n : 1)) == NULL) {
		perror("malloc");
		exit(99);
	}
	memcpy(r.buf, s, n);
	r.err = (enum multipart_err)-1;
	r.m = multipart_parse(r.buf, n, boundary, lim, &r.err);
	return r;
}

static struct parsed
parse_s(const char *s, const char *boundary)
{
	return parse_n(s, strlen(s), boundary, NULL);
}

static void
parsed_free(struct parsed *r)
{
	multipart_free(r->m);
	free(r->buf);
}

/* Parse s and check it fails with want, and that NULL goes with it. */
static void
expect_err_n(int line, const char *s, size_t n, const char *boundary,
    const struct multipart_limits *lim, enum multipart_err want)
{
	struct parsed	r = parse_n(s, n, boundary, lim);

	check_count++;
	if (r.m != NULL || r.err != want) {
		fprintf(stderr, "%s:%d: want error %d (%s), got %d (%s), "
		    "result %s\n", __FILE__, line, (int)want,
		    multipart_strerror(want), (int)r.err,
		    multipart_strerror(r.err), r.m ? "non-NULL" : "NULL");
		check_failures++;
	}
	parsed_free(&r);
}

#define EXPECT_ERR(s, b, want) \
	expect_err_n(__LINE__, (s), strlen(s), (b), NULL, (want))
#define EXPECT_ERR_LIM(s, b, lim, want) \
	expect_err_n(__LINE__, (s), strlen(s), (b), (lim), (want))

static int
data_is(const struct multipart_part *p, const char *want)
{
	return p != NULL && p->len == strlen(want) &&
	    memcmp(p->data, want, p->len) == 0;
}

static void
test_one_part(void)
{
	static const char		 body[] = "--b\r\n"
	    CD "name=\"image\"; filename=\"a.jpg\"\r\n"
	    "Content-Type: image/jpeg\r\n"
	    "\r\n"
	    "DATA\r\n"
	    "--b--\r\n";
	struct parsed			 r;
	const struct multipart_part	*p;

	r = parse_n(body, sizeof(body) - 1, "b", NULL);
	CHECK(r.m != NULL && r.err == MULTIPART_OK);
	CHECK(multipart_count(r.m) == 1);
	p = multipart_get(r.m, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK(strcmp(p->name, "image") == 0);
		CHECK(p->filename != NULL && strcmp(p->filename, "a.jpg") == 0);
		CHECK(p->content_type != NULL &&
		    strcmp(p->content_type, "image/jpeg") == 0);
		CHECK(data_is(p, "DATA"));
		/* data points into the body, it is not a copy */
		CHECK(p->data == r.buf + (strstr(body, "DATA") - body));
	}
	CHECK(multipart_get(r.m, 1) == NULL);
	CHECK(multipart_find(r.m, "image") == p);
	CHECK(multipart_find(r.m, "Image") == NULL);	/* names are exact */
	parsed_free(&r);

	/* Close delimiter at the very end, no CRLF after it. */
	r = parse_s("--b\r\n" CD "name=x\r\n\r\nv\r\n--b--", "b");
	CHECK(r.m != NULL && multipart_count(r.m) == 1);
	p = multipart_get(r.m, 0);
	CHECK(p != NULL && p->filename == NULL && p->content_type == NULL);
	CHECK(data_is(p, "v"));
	parsed_free(&r);
}

static void
test_several_parts(void)
{
	struct parsed			 r;
	const struct multipart_part	*p;

	r = parse_s("--XyZ\r\n"
	    CD "name=\"threshold\"\r\n\r\n0.4\r\n"
	    "--XyZ\r\n"
	    CD "name=\"image\"; filename=\"x.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n\x89PNG\r\n"
	    "--XyZ\r\n"
	    CD "name=\"sample\"\r\n\r\nS-1\r\n"
	    "--XyZ\r\n"
	    CD "name=\"threshold\"\r\n\r\n0.9\r\n"
	    "--XyZ--\r\n", "XyZ");
	CHECK(r.m != NULL);
	CHECK(multipart_count(r.m) == 4);
	CHECK(data_is(multipart_find(r.m, "threshold"), "0.4"));	/* first wins */
	CHECK(data_is(multipart_get(r.m, 3), "0.9"));
	p = multipart_find(r.m, "image");
	CHECK(p == multipart_get(r.m, 1));
	CHECK(data_is(p, "\x89PNG"));
	CHECK(p != NULL && p->content_type != NULL &&
	    strcmp(p->content_type, "image/png") == 0);
	CHECK(data_is(multipart_find(r.m, "sample"), "S-1"));
	CHECK(multipart_find(r.m, "missing") == NULL);
	CHECK(multipart_find(r.m, NULL) == NULL);
	CHECK(multipart_get(r.m, 4) == NULL);
	parsed_free(&r);
}

static void
test_preamble_epilogue(void)
{
	struct parsed	r;

	r = parse_s("This is the preamble. --b here is not at a line start.\r\n"
	    "Nor is x--b.\r\n"
	    "--b\r\n" CD "name=a\r\n\r\nA\r\n"
	    "--b--\r\n"
	    "Epilogue, ignored even when it holds a delimiter:\r\n"
	    "--b\r\nnot a header\r\n\r\n", "b");
	CHECK(r.m != NULL && multipart_count(r.m) == 1);
	CHECK(data_is(multipart_get(r.m, 0), "A"));
	parsed_free(&r);

	/* Preamble that is only a CRLF. */
	r = parse_s("\r\n--b\r\n" CD "name=a\r\n\r\nA\r\n--b--", "b");
	CHECK(r.m != NULL && data_is(multipart_get(r.m, 0), "A"));
	parsed_free(&r);

	/* Transport padding after the boundary (RFC 2046 5.1.1). */
	r = parse_s("--b \t \r\n" CD "name=a\r\n\r\nA\r\n--b\t\r\n"
	    CD "name=c\r\n\r\nC\r\n--b--  \r\n", "b");
	CHECK(r.m != NULL && multipart_count(r.m) == 2);
	CHECK(data_is(multipart_find(r.m, "c"), "C"));
	parsed_free(&r);
}

static void
test_data_lookalikes(void)
{
	struct parsed	r;
	const char	*want = "line1\r\nline2\r\n\r\n"
	    "x--XyZ123 \n--XyZ123 \r--XyZ123--\r\n--XyZ12\r\n-XyZ123\r\n";

	/* CRLFs kept; the boundary not preceded by CRLF is data. */
	r = parse_s("--XyZ123\r\n" CD "name=t\r\n\r\n"
	    "line1\r\nline2\r\n\r\n"
	    "x--XyZ123 \n--XyZ123 \r--XyZ123--\r\n--XyZ12\r\n-XyZ123\r\n"
	    "\r\n--XyZ123--\r\n", "XyZ123");
	CHECK(r.m != NULL && multipart_count(r.m) == 1);
	CHECK(data_is(multipart_get(r.m, 0), want));
	parsed_free(&r);

	/*
	 * RFC 2046 5.1.1: the boundary in full after CRLF is a delimiter,
	 * whatever follows; junk after it makes the body malformed.
	 */
	EXPECT_ERR("--XyZ123\r\n" CD "name=t\r\n\r\nab\r\n--XyZ123456\r\n"
	    "\r\n--XyZ123--\r\n", "XyZ123", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--XyZ123x\r\n" CD "name=t\r\n\r\nab\r\n--XyZ123--",
	    "XyZ123", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--XyZ123x\n" CD "name=t\r\n\r\nab\r\n--XyZ123--",
	    "XyZ123", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=t\r\n\r\nab\r\n--b-x", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=t\r\n\r\nab\r\n--b\rx", "b",
	    MULTIPART_ERR_SYNTAX);
}

static void
test_binary(void)
{
	static const char	 head[] = "--bin\r\n" CD "name=f\r\n\r\n";
	static const char	 tail[] = "\r\n--bin--\r\n";
	static const char	 lone_nul[] = "--b\r\n" CD "name=z\r\n\r\n\0\r\n--b--";
	char			 body[sizeof(head) + 256 + sizeof(tail)];
	unsigned char		 bytes[256];
	struct parsed		 r;
	const struct multipart_part *p;
	size_t			 i, n = 0;

	for (i = 0; i < 256; i++)
		bytes[i] = (unsigned char)i;
	memcpy(body, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	memcpy(body + n, bytes, 256);
	n += 256;
	memcpy(body + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;

	r = parse_n(body, n, "bin", NULL);
	CHECK(r.m != NULL);
	p = multipart_get(r.m, 0);
	CHECK(p != NULL && p->len == 256 && memcmp(p->data, bytes, 256) == 0);
	parsed_free(&r);

	/* A lone NUL as the whole data. */
	r = parse_n(lone_nul, sizeof(lone_nul) - 1, "b", NULL);
	CHECK(r.m != NULL);
	p = multipart_get(r.m, 0);
	CHECK(p != NULL && p->len == 1 && p->data[0] == '\0');
	parsed_free(&r);
}

static void
test_truncated(void)
{
	EXPECT_ERR("", "b", MULTIPART_ERR_TRUNCATED);
	EXPECT_ERR("no delimiter at all", "b", MULTIPART_ERR_TRUNCATED);
	EXPECT_ERR("--b\r\n" CD "name=a\r\n\r\ndata", "b",
	    MULTIPART_ERR_TRUNCATED);
	EXPECT_ERR("--b\r\n" CD "name=a\r\n\r\ndata\r\n", "b",
	    MULTIPART_ERR_TRUNCATED);
	/* A delimiter but never the close delimiter. */
	EXPECT_ERR("--b\r\n" CD "name=a\r\n\r\ndata\r\n--b\r\n", "b",
	    MULTIPART_ERR_TRUNCATED);
	EXPECT_ERR("--b\r\n" CD "name=a\r\n\r\ndata\r\n--b\r\n"
	    CD "name=c\r\n\r\nmore", "b", MULTIPART_ERR_TRUNCATED);
	/* NULL body means empty. */
	{
		enum multipart_err e = MULTIPART_OK;

		CHECK(multipart_parse(NULL, 0, "b", NULL, &e) == NULL);
		CHECK(e == MULTIPART_ERR_TRUNCATED);
		/* err may be NULL */
		CHECK(multipart_parse(NULL, 0, "b", NULL, NULL) == NULL);
	}
}

/*
 * Every prefix of a valid body: before the close delimiter is complete
 * it must fail with TRUNCATED; from then on (the epilogue) it must parse
 * to the same parts.  Each prefix sits in an exact-size buffer.
 */
static void
test_every_prefix(void)
{
	static const char body[] =
	    "preamble\r\n"
	    "--=_b0und'ry\r\n"
	    CD "name=\"image\"; filename=\"q\\\"x.jpg\"\r\n"
	    "Content-Type: image/jpeg\r\n"
	    "X-Other: ignored\r\n"
	    "\r\n"
	    "\xff\xd8\r\n--=_b0und'r\0\r\n\r\n"
	    "--=_b0und'ry \r\n"
	    CD "name=empty\r\n"
	    "\r\n"
	    "--=_b0und'ry\r\n"
	    CD "name=t\r\n"
	    "\r\n"
	    "0.5\r\n"
	    "--=_b0und'ry--\r\n"
	    "epilogue";
	static const char close[] = "--=_b0und'ry--";
	static const char data0[] = "\xff\xd8\r\n--=_b0und'r\0\r\n";
	size_t		 total = sizeof(body) - 1;
	size_t		 closed_at = 0, k;
	struct parsed	 r;
	int		 bad = 0;

	/* body holds a NUL: find the close delimiter without strstr. */
	for (k = 0; k + sizeof(close) - 1 <= total; k++)
		if (memcmp(body + k, close, sizeof(close) - 1) == 0)
			closed_at = k + sizeof(close) - 1;
	CHECK(closed_at > 0);
	for (k = 0; k <= total; k++) {
		r = parse_n(body, k, "=_b0und'ry", NULL);
		if (k < closed_at) {
			if (r.m != NULL || r.err != MULTIPART_ERR_TRUNCATED) {
				fprintf(stderr, "prefix %zu: err %d\n", k,
				    (int)r.err);
				bad++;
			}
		} else if (r.m == NULL || multipart_count(r.m) != 3 ||
		    !data_is(multipart_get(r.m, 2), "0.5") ||
		    multipart_get(r.m, 1)->len != 0 ||
		    multipart_get(r.m, 0)->len != sizeof(data0) - 1 ||
		    memcmp(multipart_get(r.m, 0)->data, data0,
		    sizeof(data0) - 1) != 0 ||
		    strcmp(multipart_get(r.m, 0)->filename, "q\"x.jpg") != 0) {
			fprintf(stderr, "prefix %zu: err %d\n", k, (int)r.err);
			bad++;
		}
		parsed_free(&r);
	}
	CHECK(bad == 0);
}

static void
test_empty_part(void)
{
	struct parsed			 r;
	const struct multipart_part	*p;

	/* Empty data with the usual CRLF before the next delimiter. */
	r = parse_s("--b\r\n" CD "name=e\r\n\r\n\r\n--b\r\n"
	    CD "name=f\r\n\r\nF\r\n--b--", "b");
	CHECK(r.m != NULL && multipart_count(r.m) == 2);
	p = multipart_find(r.m, "e");
	CHECK(p != NULL && p->len == 0 && p->data != NULL);
	CHECK(data_is(multipart_find(r.m, "f"), "F"));
	parsed_free(&r);

	/* Headers ended by the delimiter's own CRLF (no data at all). */
	r = parse_s("--b\r\n" CD "name=e\r\n\r\n--b--", "b");
	CHECK(r.m != NULL && multipart_count(r.m) == 1);
	p = multipart_get(r.m, 0);
	CHECK(p != NULL && p->len == 0);
	parsed_free(&r);

	/* Empty field name is still a name (RFC 7578 requires the param). */
	r = parse_s("--b\r\n" CD "name=\"\"\r\n\r\nx\r\n--b--", "b");
	CHECK(r.m != NULL && data_is(multipart_find(r.m, ""), "x"));
	parsed_free(&r);
}

static void
test_too_many_parts(void)
{
	struct multipart_limits	 lim;
	char			 body[4096];
	size_t			 n, i;
	struct parsed		 r;

	multipart_limits_default(&lim);
	CHECK(lim.max_parts == 16 && lim.max_header_line == 1024 &&
	    lim.max_headers == 8);

	for (i = 1; i <= 17; i++) {
		size_t j;

		n = 0;
		for (j = 0; j < i; j++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
			    "--b\r\n" CD "name=p%zu\r\n\r\n%zu\r\n", j, j);
		n += (size_t)snprintf(body + n, sizeof(body) - n, "--b--\r\n");
		r = parse_n(body, n, "b", NULL);
		if (i <= 16)
			CHECK(r.m != NULL && multipart_count(r.m) == i);
		else
			CHECK(r.m == NULL && r.err == MULTIPART_ERR_TOO_MANY_PARTS);
		parsed_free(&r);
	}

	lim.max_parts = 2;
	EXPECT_ERR_LIM("--b\r\n" CD "name=a\r\n\r\n\r\n--b\r\n" CD "name=b\r\n"
	    "\r\n\r\n--b\r\n" CD "name=c\r\n\r\n\r\n--b--", "b", &lim,
	    MULTIPART_ERR_TOO_MANY_PARTS);
	r = parse_s("--b\r\n" CD "name=a\r\n\r\n\r\n--b\r\n" CD "name=b\r\n"
	    "\r\n\r\n--b--", "b");
	CHECK(r.m != NULL && multipart_count(r.m) == 2);
	parsed_free(&r);
}

static void
test_header_limits(void)
{
	struct multipart_limits	 lim;
	char			 body[4096], pad[2048];
	size_t			 n, padlen;
	struct parsed		 r;
	int			 i;

	multipart_limits_default(&lim);
	/* "X-Pad: " + padding makes a line of exactly max_header_line. */
	padlen = lim.max_header_line - strlen("X-Pad: ");
	memset(pad, 'a', padlen);
	pad[padlen] = '\0';
	n = (size_t)snprintf(body, sizeof(body), "--b\r\nX-Pad: %s\r\n"
	    CD "name=a\r\n\r\nA\r\n--b--", pad);
	r = parse_n(body, n, "b", NULL);
	CHECK(r.m != NULL && data_is(multipart_get(r.m, 0), "A"));
	parsed_free(&r);

	/* One byte more is refused. */
	pad[padlen] = 'a';
	pad[padlen + 1] = '\0';
	n = (size_t)snprintf(body, sizeof(body), "--b\r\nX-Pad: %s\r\n"
	    CD "name=a\r\n\r\nA\r\n--b--", pad);
	expect_err_n(__LINE__, body, n, "b", NULL,
	    MULTIPART_ERR_HEADER_TOO_LONG);

	/* An endless line: refused as too long, not as truncated. */
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	n = (size_t)snprintf(body, sizeof(body), "--b\r\nX-Pad: %s", pad);
	expect_err_n(__LINE__, body, n, "b", NULL,
	    MULTIPART_ERR_HEADER_TOO_LONG);

	/* Header count: 8 lines pass, 9 do not. */
	for (i = 8; i <= 9; i++) {
		int j;

		n = (size_t)snprintf(body, sizeof(body), "--b\r\n" CD "name=a\r\n");
		for (j = 1; j < i; j++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
			    "X-H%d: v\r\n", j);
		n += (size_t)snprintf(body + n, sizeof(body) - n,
		    "\r\nA\r\n--b--");
		r = parse_n(body, n, "b", NULL);
		if (i == 8)
			CHECK(r.m != NULL && data_is(multipart_get(r.m, 0), "A"));
		else
			CHECK(r.m == NULL &&
			    r.err == MULTIPART_ERR_HEADER_TOO_LONG);
		parsed_free(&r);
	}

	/* Custom small limits. */
	lim.max_header_line = 10;
	EXPECT_ERR_LIM("--b\r\n" CD "name=a\r\n\r\nA\r\n--b--", "b", &lim,
	    MULTIPART_ERR_HEADER_TOO_LONG);
	lim.max_header_line = 1024;
	lim.max_headers = 0;
	EXPECT_ERR_LIM("--b\r\n" CD "name=a\r\n\r\nA\r\n--b--", "b", &lim,
	    MULTIPART_ERR_HEADER_TOO_LONG);
}

static void
test_boundary_length(void)
{
	char	b70[71], b71[72], buf[128], ct[160], body[256];
	size_t	n;
	struct parsed r;

	memset(b70, 'q', 70);
	b70[70] = '\0';
	memset(b71, 'q', 71);
	b71[71] = '\0';

	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
	CHECK(multipart_boundary(ct, buf, sizeof(buf)) == MULTIPART_OK);
	CHECK(strcmp(buf, b70) == 0);
	CHECK(multipart_boundary(ct, buf, 71) == MULTIPART_OK);
	/* A buffer too small for a valid boundary is refused, not overrun. */
	CHECK(multipart_boundary(ct, buf, 70) ==
	    MULTIPART_ERR_BOUNDARY_TOO_LONG);

	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=\"%s\"", b71);
	CHECK(multipart_boundary(ct, buf, sizeof(buf)) ==
	    MULTIPART_ERR_BOUNDARY_TOO_LONG);
	CHECK(buf[0] == '\0');

	n = (size_t)snprintf(body, sizeof(body),
	    "--%s\r\n" CD "name=a\r\n\r\nA\r\n--%s--", b70, b70);
	r = parse_n(body, n, b70, NULL);
	CHECK(r.m != NULL && data_is(multipart_get(r.m, 0), "A"));
	parsed_free(&r);
	n = (size_t)snprintf(body, sizeof(body),
	    "--%s\r\n" CD "name=a\r\n\r\nA\r\n--%s--", b71, b71);
	expect_err_n(__LINE__, body, n, b71, NULL,
	    MULTIPART_ERR_BOUNDARY_TOO_LONG);

	/* Unusable boundaries given straight to the parser. */
	EXPECT_ERR("--\r\n", "", MULTIPART_ERR_NOBOUNDARY);
	EXPECT_ERR("--\r\n", NULL, MULTIPART_ERR_NOBOUNDARY);
	EXPECT_ERR("--a\rb\r\n", "a\rb", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--ab \r\n", "ab ", MULTIPART_ERR_SYNTAX);
}

static void
test_content_type(void)
{
	char	buf[71];

	CHECK(multipart_boundary("multipart/form-data; boundary=\"a b:c?\"",
	    buf, sizeof(buf)) == MULTIPART_OK);
	CHECK(strcmp(buf, "a b:c?") == 0);
	/* Quoted-pair inside the quoted boundary. */
	CHECK(multipart_boundary("multipart/form-data; boundary=\"a\\bc\"",
	    buf, sizeof(buf)) == MULTIPART_OK);
	CHECK(strcmp(buf, "abc") == 0);
	CHECK(multipart_boundary("Multipart/Form-Data;charset=utf-8;"
	    "BOUNDARY=----WebKitFormBoundary7MA4YWxkTrZu0gW", buf,
	    sizeof(buf)) == MULTIPART_OK);
	CHECK(strcmp(buf, "----WebKitFormBoundary7MA4YWxkTrZu0gW") == 0);
	CHECK(multipart_boundary("  multipart/form-data ;\tboundary=x ; ",
	    buf, sizeof(buf)) == MULTIPART_OK);
	CHECK(strcmp(buf, "x") == 0);

	CHECK(multipart_boundary(NULL, buf, sizeof(buf)) ==
	    MULTIPART_ERR_NOBOUNDARY);
	CHECK(multipart_boundary("", buf, sizeof(buf)) ==
	    MULTIPART_ERR_NOBOUNDARY);
	CHECK(multipart_boundary("text/plain; boundary=x", buf, sizeof(buf)) ==
	    MULTIPART_ERR_NOBOUNDARY);
	CHECK(multipart_boundary("multipart/mixed; boundary=x", buf,
	    sizeof(buf)) == MULTIPART_ERR_NOBOUNDARY);
	CHECK(multipart_boundary("multipart/form-data", buf, sizeof(buf)) ==
	    MULTIPART_ERR_NOBOUNDARY);
	CHECK(multipart_boundary("multipart/form-data; boundary=\"\"", buf,
	    sizeof(buf)) == MULTIPART_ERR_NOBOUNDARY);
	CHECK(multipart_boundary("multipart/form-data; boundary=", buf,
	    sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	CHECK(multipart_boundary("multipart/form-data; boundary=\"abc", buf,
	    sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	CHECK(multipart_boundary("multipart/form-data; boundary=a; "
	    "boundary=b", buf, sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	CHECK(multipart_boundary("multipart/form-data; boundary=abc def", buf,
	    sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	CHECK(multipart_boundary("multipart/form-data; boundary=\"ab \"", buf,
	    sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	CHECK(multipart_boundary("multipart/form-data; boundary=\"a\x01\"",
	    buf, sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	/* Controls are refused in any parameter, even escaped. */
	CHECK(multipart_boundary("multipart/form-data; x=\"\\\x01\"; "
	    "boundary=b", buf, sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	CHECK(multipart_boundary("multipart/form-data; boundary=\"a\\\"b\"",
	    buf, sizeof(buf)) == MULTIPART_ERR_SYNTAX);	/* " not a bchar */
	CHECK(multipart_boundary("multipart/form-data; boundary = x", buf,
	    sizeof(buf)) == MULTIPART_ERR_SYNTAX);
	CHECK(buf[0] == '\0');
}

static void
test_escapes_and_case(void)
{
	struct parsed			 r;
	const struct multipart_part	*p;

	r = parse_s("--b\r\n"
	    "cOnTeNt-DiSpOsItIoN:FORM-DATA;   NAME=\"we\\\"ird\" ;"
	    " FileName=\"my \\\"best\\\" \\\\slide.jpg\"; filename*=utf-8''x\r\n"
	    "CONTENT-TYPE:   image/jpeg; q=1  \r\n"
	    "content-transfer-encoding: binary\r\n"
	    "\r\n"
	    "J\r\n--b--", "b");
	CHECK(r.m != NULL);
	p = multipart_get(r.m, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK(strcmp(p->name, "we\"ird") == 0);
		CHECK(p->filename != NULL &&
		    strcmp(p->filename, "my \"best\" \\slide.jpg") == 0);
		CHECK(p->content_type != NULL &&
		    strcmp(p->content_type, "image/jpeg; q=1") == 0);
		CHECK(data_is(p, "J"));
	}
	CHECK(multipart_find(r.m, "we\"ird") == p);
	parsed_free(&r);

	/* UTF-8 file names pass through (RFC 7578 5.1). */
	r = parse_s("--b\r\n" CD "name=f; filename=\"\xc3\xa9t\xc3\xa9.png\"\r\n"
	    "\r\nx\r\n--b--", "b");
	CHECK(r.m != NULL && strcmp(multipart_get(r.m, 0)->filename,
	    "\xc3\xa9t\xc3\xa9.png") == 0);
	parsed_free(&r);
}

static void
test_syntax_errors(void)
{
	/* No Content-Disposition, or no name in it. */
	EXPECT_ERR("--b\r\n\r\nA\r\n--b--", "b", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\nContent-Type: text/plain\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "filename=\"a\"\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\nContent-Disposition: attachment; name=a\r\n\r\n"
	    "A\r\n--b--", "b", MULTIPART_ERR_SYNTAX);
	/* Duplicates are ambiguous. */
	EXPECT_ERR("--b\r\n" CD "name=a\r\n" CD "name=c\r\n\r\nA\r\n--b--",
	    "b", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=a\r\nContent-Disposition: form-data\r\n"
	    "\r\nA\r\n--b--", "b", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=a; name=c\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=a; filename=x; filename=y\r\n\r\n"
	    "A\r\n--b--", "b", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=a\r\nContent-Type: a/b\r\n"
	    "content-type: c/d\r\n\r\nA\r\n--b--", "b", MULTIPART_ERR_SYNTAX);
	/* Malformed header lines. */
	EXPECT_ERR("--b\r\n" CD "name=a\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\n" CD "name=a\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\nno colon here\r\n" CD "name=a\r\n\r\nA\r\n--b--",
	    "b", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\nContent-Disposition : form-data; name=a\r\n\r\n"
	    "A\r\n--b--", "b", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\nContent-Disposition: form-data;\r\n name=a\r\n"
	    "\r\nA\r\n--b--", "b", MULTIPART_ERR_SYNTAX);	/* obs-fold */
	EXPECT_ERR("--b\r\n" CD "name=\"a\rb\"\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	{
		static const char nul[] = "--b\r\n" CD "name=\"a\0b\"\r\n\r\n"
		    "A\r\n--b--";

		expect_err_n(__LINE__, nul, sizeof(nul) - 1, "b", NULL,
		    MULTIPART_ERR_SYNTAX);
	}
	/* Bad parameters. */
	EXPECT_ERR("--b\r\n" CD "name=\"a\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=a b\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD ";; name=a\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("--b\r\n" CD "name=\"a\\\r\n\r\nA\r\n--b--", "b",
	    MULTIPART_ERR_SYNTAX);
	/* A body with no part at all (RFC 2046: one part at least). */
	EXPECT_ERR("--b--\r\n", "b", MULTIPART_ERR_SYNTAX);
	EXPECT_ERR("preamble\r\n--b--", "b", MULTIPART_ERR_SYNTAX);
	/* Unknown headers are ignored, not errors. */
	{
		struct parsed r = parse_s("--b\r\nX-Foo: bar\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n" CD "name=a\r\n"
		    "\r\nA\r\n--b--", "b");

		CHECK(r.m != NULL && data_is(multipart_find(r.m, "a"), "A"));
		parsed_free(&r);
	}
}

static void
test_misc(void)
{
	int	i;

	multipart_free(NULL);
	CHECK(multipart_count(NULL) == 0);
	CHECK(multipart_get(NULL, 0) == NULL);
	CHECK(multipart_find(NULL, "a") == NULL);
	for (i = MULTIPART_OK; i <= MULTIPART_ERR_NOMEM; i++) {
		int j;

		CHECK(multipart_strerror((enum multipart_err)i) != NULL);
		for (j = MULTIPART_OK; j < i; j++)
			CHECK(strcmp(multipart_strerror((enum multipart_err)i),
			    multipart_strerror((enum multipart_err)j)) != 0);
	}
	CHECK(strcmp(multipart_strerror((enum multipart_err)99),
	    "unknown multipart error") == 0);
	CHECK(ieq("Form-Data", 9, "form-data"));
	CHECK(!ieq("Form-Dat", 8, "form-data"));
	CHECK(!ieq("Form-Datax", 10, "form-data"));
}

/*
 * Linear cost: 8 MiB of near-miss delimiters (CRLF--boundary minus its
 * last byte) and of CRs must parse in far less CPU time than a quadratic
 * search would need (hours).  CPU time, so a busy machine does not fail it.
 */
static void
test_linear(void)
{
	static const char	 head[] = "--XyZ123\r\n" CD "name=big\r\n\r\n";
	static const char	 tail[] = "\r\n--XyZ123--";
	static const char	 miss[] = "\r\n--XyZ12";
	size_t			 fill = 8u << 20, n = 0, i;
	char			*body;
	struct parsed		 r;
	clock_t			 t0;
	double			 secs;

	if ((body = malloc(sizeof(head) + fill + sizeof(tail))) == NULL) {
		perror("malloc");
		exit(99);
	}
	memcpy(body, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	for (i = 0; i + sizeof(miss) - 1 <= fill / 2; i += sizeof(miss) - 1)
		memcpy(body + n + i, miss, sizeof(miss) - 1);
	memset(body + n + i, '\r', fill - i);
	n += fill;
	memcpy(body + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;

	t0 = clock();
	r = parse_n(body, n, "XyZ123", NULL);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK(r.m != NULL && multipart_get(r.m, 0) != NULL &&
	    multipart_get(r.m, 0)->len == fill);
	CHECK(secs < 5.0);
	printf("linear: %zu bytes parsed in %.3f s CPU\n", n, secs);
	parsed_free(&r);
	free(body);
}

int
main(void)
{
	test_one_part();
	test_several_parts();
	test_preamble_epilogue();
	test_data_lookalikes();
	test_binary();
	test_truncated();
	test_every_prefix();
	test_empty_part();
	test_too_many_parts();
	test_header_limits();
	test_boundary_length();
	test_content_type();
	test_escapes_and_case();
	test_syntax_errors();
	test_misc();
	test_linear();
	return check_done("test_multipart");
}
