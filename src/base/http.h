/* http.h: transport-neutral request/response used by every route handler */
#ifndef BV_HTTP_H
#define BV_HTTP_H

#include <stddef.h>
#include <jansson.h>

#include "base/errors.h"

/*
 * A request as the router sees it, whatever carried it (FastCGI, CGI, tests).
 * All strings are borrowed and live until the handler returns.
 */
struct http_request {
	const char		*method;	/* "GET", "POST", ... */
	const char		*path;		/* decoded? no: raw path, no query */
	const char		*query;		/* raw query string or "" */
	const char		*content_type;	/* header value or "" */
	const unsigned char	*body;		/* request body (may be NULL) */
	size_t			 body_len;
	const char		*remote_addr;	/* logs, login backoff */
	const char		*host;		/* Host header or "" */
	const char		*origin;	/* Origin header or "" */
	const char		*fetch_site;	/* Sec-Fetch-Site header or "" */
	const char		*scheme;	/* "http" or "https" */
	const char		*server_port;	/* SERVER_PORT or "" */
	const char		*cookie;	/* Cookie header or "" (login.c) */
};

/*
 * A response. body is malloc'd and owned by the response;
 * http_response_free() releases it.  headers holds extra
 * "Name: value\r\n" lines.
 */
struct http_response {
	int		 status;
	const char	*content_type;
	char		*body;
	size_t		 body_len;
	char		 headers[512];
	const char	*error_code;	/* set by http_error(), for the log line */
	char		 note[192];	/* extra detail for the log line */
};

/* Set resp to status with obj serialised as its body; steals obj's reference. */
void	http_json(struct http_response *resp, int status, json_t *obj);

/*
 * Set resp to error e of the one error table (base/errors.h): its status
 * and the one shape {"error":{"code","message"}} with its message.
 */
void	http_fail(struct http_response *resp, enum err_code e);

/*
 * As http_fail(), with message (NULL: the table's) saying what exactly
 * was wrong, and "message_i18n": msgs, that message as a list of
 * {"code","params"} a client words in its own language (docs/api.md).
 * Steals msgs' reference; msgs NULL: none.
 */
void	http_fail_detail(struct http_response *resp, enum err_code e,
	    const char *message, json_t *msgs);

/*
 * The error shape with a status and code given here rather than by the
 * table: for http.c and the tests only (tests/errors.sh keeps it out of
 * src/routes, src/server and src/vision).
 */
void	http_error(struct http_response *resp, int status,
	    const char *code, const char *message);
void	http_error_i18n(struct http_response *resp, int status,
	    const char *code, const char *message, json_t *msgs);

/*
 * A one-message "message_i18n" list [{"code": code, "params": params}]
 * (params NULL: {}); steals params' reference.  New reference.
 */
json_t	*http_msg1(const char *code, json_t *params);

/* 405 method_not_allowed with the Allow header (allow: "GET, PUT"). */
void	http_method_not_allowed(struct http_response *resp, const char *allow);

/* Append one extra header line ("Allow: GET"). */
void	http_add_header(struct http_response *resp, const char *name,
	    const char *value);

/* Value of field key in a query string, URL-decoded into buf; -1 if absent. */
int	http_query_get(const char *query, const char *key, char *buf,
	    size_t bufsz);

/*
 * 1 if Host header value host names this server: localhost, an IP
 * literal (a DNS-rebinding page can only send names), or one of the
 * names in list (space- or comma-separated, case-insensitive, "*": any).
 * The port and one trailing dot are ignored; an empty host (HTTP/1.0,
 * never a browser) passes.
 */
int	http_host_allowed(const char *host, const char *list);

/*
 * 1 if a write comes from the served origin scheme://host: Sec-Fetch-Site
 * (when sent) is same-origin or none, and Origin (when sent) equals it.
 * A host without a port (nginx's $host drops it) matches the scheme's
 * default port or server_port.  Neither header: not a browser, so no
 * cross-site request to refuse; 1.
 */
int	http_same_origin(const char *origin, const char *fetch_site,
	    const char *scheme, const char *host, const char *server_port);

/* 1 if a Content-Type header value is application/json (any parameters). */
int	http_is_json(const char *content_type);

void	http_response_free(struct http_response *resp);

/*
 * Fill req's request line and headers from CGI/FastCGI parameters, each
 * read through get(ctx, name) ("" when not set): method, path (REQUEST_URI
 * up to its '?', else SCRIPT_NAME; copied into path, pathsz bytes), query,
 * content type, client, Host, Origin, Sec-Fetch-Site, port, Cookie and
 * scheme (REQUEST_SCHEME, else HTTPS=on).  body is left to the caller.
 */
void	http_request_from_params(struct http_request *req,
	    const char *(*get)(void *ctx, const char *name), void *ctx,
	    char *path, size_t pathsz);

/* The reason phrase for a status line ("Not Found"). */
const char *http_status_text(int status);

#endif /* BV_HTTP_H */
