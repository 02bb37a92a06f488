/* http.c: response helpers shared by every route (JSON bodies, errors) */

#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}
