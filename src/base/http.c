/* http.c: response helpers shared by every route (JSON bodies, errors) */

#include "base/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Used when even the error body cannot be allocated. */
static const char oom_body[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"Out of memory.\"}}";

static void
set_body(struct http_response *resp, int status, char *body)
{
	free(resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	if (body == NULL) {
		resp->status = 500;
		resp->error_code = "internal";
		body = strdup(oom_body);
	}
	resp->body = body;
	resp->body_len = body != NULL ? strlen(body) : 0;
}

void
http_json(struct http_response *resp, int status, json_t *obj)
{
	char	*s = NULL;

	if (obj != NULL)
		s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII |
		    JSON_REAL_PRECISION(10));
	json_decref(obj);
	set_body(resp, status, s);
}

void
http_error(struct http_response *resp, int status, const char *code,
    const char *message)
{
	http_error_i18n(resp, status, code, message, NULL);
}

void
http_error_i18n(struct http_response *resp, int status, const char *code,
    const char *message, json_t *msgs)
{
	json_t	*o;

	o = json_pack("{s:{s:s,s:s,s:o*}}", "error", "code", code,
	    "message", message, "message_i18n", msgs);
	resp->error_code = code;
	http_json(resp, status, o);
}

void
http_fail(struct http_response *resp, enum err_code e)
{
	http_fail_detail(resp, e, NULL, NULL);
}

void
http_fail_detail(struct http_response *resp, enum err_code e,
    const char *message, json_t *msgs)
{
	const struct err_entry	*x = errors_get(e);

	http_error_i18n(resp, x->status, x->code, message != NULL ? message :
	    x->message, msgs);
}

json_t *
http_msg1(const char *code, json_t *params)
{
	return json_pack("[{s:s,s:o}]", "code", code, "params",
	    params != NULL ? params : json_object());
}

void
http_method_not_allowed(struct http_response *resp, const char *allow)
{
	http_add_header(resp, "Allow", allow);
	http_fail(resp, ERR_METHOD_NOT_ALLOWED);
}

void
http_add_header(struct http_response *resp, const char *name,
    const char *value)
{
	size_t	 len = strlen(resp->headers);

	snprintf(resp->headers + len, sizeof(resp->headers) - len,
	    "%s: %s\r\n", name, value);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
http_query_get(const char *query, const char *key, char *buf, size_t bufsz)
{
	const char	*p = query, *end;
	size_t		 klen = strlen(key), o;
	int		 hi, lo;

	if (query == NULL || bufsz == 0)
		return -1;
	while (*p != '\0') {
		end = p + strcspn(p, "&");
		if ((size_t)(end - p) >= klen && strncmp(p, key, klen) == 0 &&
		    (p[klen] == '=' || p + klen == end)) {
			p += klen + (p[klen] == '=');
			for (o = 0; p < end && o + 1 < bufsz; p++) {
				if (*p == '+')
					buf[o++] = ' ';
				else if (*p == '%' && p + 2 < end &&
				    (hi = hexval(p[1])) >= 0 &&
				    (lo = hexval(p[2])) >= 0) {
					buf[o++] = (char)(hi * 16 + lo);
					p += 2;
				} else
					buf[o++] = *p;
			}
			buf[o] = '\0';
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return -1;
}

/*
 * Split "name[:port]" or "[v6]:port" (RFC 9110 section 7.2, the Host and
 * Origin authority) of length len into a lower-case name without one
 * trailing dot, and port (-1 when absent).  -1 if malformed.
 */
static int
split_authority(const char *s, size_t len, char *name, size_t namesz,
    long *port)
{
	size_t	 n, i, nl;
	long	 p = 0;

	if (len > 0 && s[0] == '[') {
		for (n = 1; n < len && s[n] != ']'; n++)
			;
		if (n == len)
			return -1;
		n++;
	} else
		n = strcspn(s, ":") < len ? strcspn(s, ":") : len;
	nl = n > 1 && s[n - 1] == '.' ? n - 1 : n;
	if (nl == 0 || nl >= namesz)
		return -1;
	for (i = 0; i < nl; i++) {
		name[i] = (char)tolower((unsigned char)s[i]);
		if (s[0] != '[' && !isalnum((unsigned char)s[i]) &&
		    strchr(".-_", s[i]) == NULL)
			return -1;
	}
	name[nl] = '\0';
	*port = -1;
	if (n == len)
		return 0;
	if (s[n] != ':' || n + 1 == len || len - n > 6)
		return -1;
	for (i = n + 1; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		p = p * 10 + (s[i] - '0');
	}
	*port = p;
	return 0;
}

/* 1 if name (from split_authority) is an IPv4 or bracketed IPv6 literal. */
static int
ip_literal(const char *name)
{
	unsigned char	 a[16];
	char		 v6[64];
	size_t		 n = strlen(name);

	if (name[0] != '[')
		return inet_pton(AF_INET, name, a) == 1;
	if (n < 3 || n - 2 >= sizeof(v6))
		return 0;
	memcpy(v6, name + 1, n - 2);
	v6[n - 2] = '\0';
	return inet_pton(AF_INET6, v6, a) == 1;
}

int
http_host_allowed(const char *host, const char *list)
{
	char		 name[256], tok[256];
	const char	*p = list ? list : "";
	size_t		 len;
	long		 port;

	if (host == NULL || *host == '\0')
		return 1;
	if (split_authority(host, strlen(host), name, sizeof(name),
	    &port) == -1)
		return 0;
	if (strcmp(name, "localhost") == 0 || ip_literal(name))
		return 1;
	for (;;) {
		p += strspn(p, " \t,");
		if ((len = strcspn(p, " \t,")) == 0)
			return 0;
		if (len < sizeof(tok)) {
			memcpy(tok, p, len);
			tok[len] = '\0';
			if (len > 1 && tok[len - 1] == '.')
				tok[len - 1] = '\0';
			if (strcmp(tok, "*") == 0 || strcasecmp(tok, name) == 0)
				return 1;
			/* "*.clinic.lan": any name below clinic.lan */
			if (tok[0] == '*' && tok[1] == '.' &&
			    strlen(name) > strlen(tok + 1) &&
			    strcasecmp(name + strlen(name) - strlen(tok + 1),
			    tok + 1) == 0)
				return 1;
		}
		p += len;
	}
}

static long
default_port(const char *scheme)
{
	return strcasecmp(scheme, "https") == 0 ? 443 : 80;
}

int
http_same_origin(const char *origin, const char *fetch_site,
    const char *scheme, const char *host, const char *server_port)
{
	char		 oname[256], hname[256];
	const char	*sep;
	long		 oport, hport;
	size_t		 slen;

	if (fetch_site != NULL && *fetch_site != '\0' &&
	    strcmp(fetch_site, "same-origin") != 0 &&
	    strcmp(fetch_site, "none") != 0)
		return 0;
	if (origin == NULL || *origin == '\0')
		return 1;
	/* "null" (sandboxed pages, some redirects) is never us */
	if ((sep = strstr(origin, "://")) == NULL || host == NULL)
		return 0;
	slen = (size_t)(sep - origin);
	if (slen != strlen(scheme) || strncasecmp(origin, scheme, slen) != 0)
		return 0;
	origin = sep + 3;
	if (split_authority(origin, strlen(origin), oname, sizeof(oname),
	    &oport) == -1 || split_authority(host, strlen(host), hname,
	    sizeof(hname), &hport) == -1)
		return 0;
	if (strcmp(oname, hname) != 0)
		return 0;
	if (oport == -1)
		oport = default_port(scheme);
	if (hport != -1)
		return oport == hport;
	return oport == default_port(scheme) || (server_port != NULL &&
	    *server_port != '\0' && oport == strtol(server_port, NULL, 10));
}

int
http_is_json(const char *content_type)
{
	static const char	 json[] = "application/json";
	size_t			 n = sizeof(json) - 1;

	if (content_type == NULL)
		return 0;
	content_type += strspn(content_type, " \t");
	if (strncasecmp(content_type, json, n) != 0)
		return 0;
	content_type += n;
	content_type += strspn(content_type, " \t");
	return *content_type == '\0' || *content_type == ';';
}

void
http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

void
http_request_from_params(struct http_request *req,
    const char *(*get)(void *, const char *), void *ctx, char *path,
    size_t pathsz)
{
	const char	*uri, *q;

	memset(req, 0, sizeof(*req));
	uri = get(ctx, "REQUEST_URI");
	if (*uri == '\0')
		uri = get(ctx, "SCRIPT_NAME");
	q = strchr(uri, '?');
	snprintf(path, pathsz, "%.*s",
	    (int)(q ? (size_t)(q - uri) : strlen(uri)), uri);
	req->method = get(ctx, "REQUEST_METHOD");
	req->path = path;
	req->query = get(ctx, "QUERY_STRING");
	req->content_type = get(ctx, "CONTENT_TYPE");
	req->remote_addr = get(ctx, "REMOTE_ADDR");
	req->host = get(ctx, "HTTP_HOST");
	req->origin = get(ctx, "HTTP_ORIGIN");
	req->fetch_site = get(ctx, "HTTP_SEC_FETCH_SITE");
	req->server_port = get(ctx, "SERVER_PORT");
	req->cookie = get(ctx, "HTTP_COOKIE");
	req->scheme = get(ctx, "REQUEST_SCHEME");
	if (*req->scheme == '\0')
		req->scheme = strcasecmp(get(ctx, "HTTPS"), "on") == 0 ?
		    "https" : "http";
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return status < 500 ? "Error" : "Internal Server Error";
	}
}
