/* errors.h: the one error table: each API error code with its HTTP status, message and i18n key */
#ifndef BV_ERRORS_H
#define BV_ERRORS_H

#include <stddef.h>

/*
 * Every error the API answers with.  A route names one of these
 * (http_fail() in base/http.h); the table in errors.c gives its code
 * ("storage_full"), its HTTP status (507), its one English message and
 * the key the front end words it with in English and Spanish
 * ("err.storage_full" in htdocs/i18n/<lang>.json).  A detail that names a
 * field or a limit travels beside it in "message_i18n" (docs/api.md).
 */
enum err_code {
	ERR_BAD_REQUEST,
	ERR_BAD_MULTIPART,
	ERR_BAD_THRESHOLD,
	ERR_MISSING_FIELD,
	ERR_LOGIN_REQUIRED,
	ERR_WRONG_PASSWORD,
	ERR_CROSS_ORIGIN,
	ERR_NOT_FOUND,
	ERR_LOGIN_OFF,
	ERR_METHOD_NOT_ALLOWED,
	ERR_CONFLICT,
	ERR_TOO_LARGE,
	ERR_FRAME_TOO_LARGE,
	ERR_JSON_REQUIRED,
	ERR_UNSUPPORTED_TYPE,
	ERR_MISDIRECTED,
	ERR_TOO_MANY_PIXELS,
	ERR_UNDECODABLE,
	ERR_NOT_A_SMEAR,
	ERR_CELLS_TOO_SMALL,
	ERR_TOO_FEW_FIELDS,
	ERR_TOO_MANY_FRAMES,
	ERR_TOO_MANY_ATTEMPTS,
	ERR_INTERNAL,
	ERR_BUSY,
	ERR_NOT_READY,
	ERR_STORAGE_UNAVAILABLE,
	ERR_STORAGE_FULL,
	ERR_N
};

struct err_entry {
	const char	*code;		/* the JSON's error.code */
	int		 status;	/* HTTP status, 4xx or 5xx */
	const char	*message;	/* English, one sentence */
	const char	*i18n;		/* the front end's key: "err." code */
};

/* The entry of e; an out-of-range e gives ERR_INTERNAL's. */
const struct err_entry *errors_get(enum err_code e);

/* The entry whose code is code, or NULL (tests, tools). */
const struct err_entry *errors_find(const char *code);

#endif /* BV_ERRORS_H */
