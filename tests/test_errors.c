/* test_errors.c: the error table has a status, message and i18n key for every code, and routes send what it says */

#include "base/errors.h"
#include "base/http.h"
#include "check.h"

#include <ctype.h>
#include <string.h>

/* Every entry: a lower-case code, once; a 4xx/5xx status; a sentence; "err." code. */
static void
test_table(void)
{
	const struct err_entry	*x, *y;
	char			 key[64];
	int			 i, j;
	size_t			 k, n;

	for (i = 0; i < ERR_N; i++) {
		x = errors_get((enum err_code)i);
		CHECK(x != NULL && x->code != NULL && x->message != NULL &&
		    x->i18n != NULL);
		if (x == NULL || x->code == NULL || x->message == NULL ||
		    x->i18n == NULL)
			continue;
		n = strlen(x->code);
		CHECK(n > 0);
		for (k = 0; k < n; k++)
			CHECK(islower((unsigned char)x->code[k]) ||
			    x->code[k] == '_');
		CHECK(x->status >= 400 && x->status <= 599);
		n = strlen(x->message);
		CHECK(n > 1 && isupper((unsigned char)x->message[0]) &&
		    x->message[n - 1] == '.');
		snprintf(key, sizeof(key), "err.%s", x->code);
		CHECK_STR(x->i18n, key);
		CHECK(errors_find(x->code) == x);
		for (j = 0; j < i; j++) {
			y = errors_get((enum err_code)j);
			CHECK(strcmp(x->code, y->code) != 0);
		}
	}
	CHECK(errors_find("no_such_code") == NULL);
	CHECK(errors_find(NULL) == NULL);
	/* out of range: internal, never a wild read */
	CHECK_STR(errors_get(ERR_N)->code, "internal");
	CHECK(errors_get(ERR_N)->status == 500);
	/* the codes the issue found with two messages now have one */
	CHECK(errors_find("storage_full")->status == 507);
	CHECK(errors_find("method_not_allowed")->status == 405);
}

static json_t *
body_error(const struct http_response *resp)
{
	json_error_t	 jerr;
	json_t		*o = json_loads(resp->body, 0, &jerr);
	json_t		*e = json_incref(json_object_get(o, "error"));

	json_decref(o);
	return e;
}

/* http_fail() and http_fail_detail() send the table's code and status. */
static void
test_send(void)
{
	struct http_response	 resp;
	const struct err_entry	*x;
	json_t			*e;
	int			 i;

	for (i = 0; i < ERR_N; i++) {
		x = errors_get((enum err_code)i);
		memset(&resp, 0, sizeof(resp));
		http_fail(&resp, (enum err_code)i);
		CHECK(resp.status == x->status);
		CHECK_STR(resp.error_code, x->code);
		e = body_error(&resp);
		CHECK_STR(json_string_value(json_object_get(e, "code")),
		    x->code);
		CHECK_STR(json_string_value(json_object_get(e, "message")),
		    x->message);
		CHECK(json_object_get(e, "message_i18n") == NULL);
		json_decref(e);
		http_response_free(&resp);
	}

	memset(&resp, 0, sizeof(resp));
	http_fail_detail(&resp, ERR_NOT_FOUND, "No such sample.",
	    http_msg1("sample_not_found", NULL));
	CHECK(resp.status == 404);
	e = body_error(&resp);
	CHECK_STR(json_string_value(json_object_get(e, "code")), "not_found");
	CHECK_STR(json_string_value(json_object_get(e, "message")),
	    "No such sample.");
	CHECK_STR(json_string_value(json_object_get(json_array_get(
	    json_object_get(e, "message_i18n"), 0), "code")),
	    "sample_not_found");
	json_decref(e);
	http_response_free(&resp);

	/* a NULL detail falls back to the table's message */
	memset(&resp, 0, sizeof(resp));
	http_fail_detail(&resp, ERR_BUSY, NULL, NULL);
	e = body_error(&resp);
	CHECK(resp.status == 503);
	CHECK_STR(json_string_value(json_object_get(e, "message")),
	    errors_get(ERR_BUSY)->message);
	json_decref(e);
	http_response_free(&resp);

	memset(&resp, 0, sizeof(resp));
	http_method_not_allowed(&resp, "GET, PUT");
	CHECK(resp.status == 405);
	CHECK_STR(resp.headers, "Allow: GET, PUT\r\n");
	e = body_error(&resp);
	CHECK_STR(json_string_value(json_object_get(e, "message")),
	    errors_get(ERR_METHOD_NOT_ALLOWED)->message);
	json_decref(e);
	http_response_free(&resp);
}

int
main(void)
{
	test_table();
	test_send();
	return check_done("test_errors");
}
