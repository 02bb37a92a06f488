/* errors.c: the one error table (errors.h): code, HTTP status, message, i18n key */

#include "base/errors.h"

#include <string.h>

/* One entry: the code is the enum's name in lower case, the key "err." code. */
#define E(name, code, st, msg) \
	[ERR_##name] = { (code), (st), (msg), "err." code }

static const struct err_entry table[ERR_N] = {
	E(BAD_REQUEST, "bad_request", 400,
	    "The request is not valid."),
	E(BAD_MULTIPART, "bad_multipart", 400,
	    "The upload is malformed or incomplete."),
	E(BAD_THRESHOLD, "bad_threshold", 400,
	    "The threshold must be a number between 0 and 1."),
	E(MISSING_FIELD, "missing_field", 400,
	    "A required field is missing."),
	E(LOGIN_REQUIRED, "login_required", 401,
	    "Log in with the clinic password first."),
	E(WRONG_PASSWORD, "wrong_password", 401,
	    "Wrong password."),
	E(CROSS_ORIGIN, "cross_origin", 403,
	    "Changes are only accepted from this server's own pages."),
	E(NOT_FOUND, "not_found", 404,
	    "No such resource."),
	E(LOGIN_OFF, "login_off", 404,
	    "No password is set on this server."),
	E(METHOD_NOT_ALLOWED, "method_not_allowed", 405,
	    "This method is not allowed here."),
	E(CONFLICT, "conflict", 409,
	    "The resource changed meanwhile; reload it."),
	E(TOO_LARGE, "too_large", 413,
	    "The file is too large."),
	E(FRAME_TOO_LARGE, "frame_too_large", 413,
	    "A live frame is at most 2 MB; send a smaller JPEG."),
	E(JSON_REQUIRED, "json_required", 415,
	    "Send the body as Content-Type: application/json."),
	E(UNSUPPORTED_TYPE, "unsupported_type", 415,
	    "The file is not a JPEG or PNG image."),
	E(MISDIRECTED, "misdirected", 421,
	    "This server does not answer to that host name; add it to "
	    "allowed_hosts."),
	E(TOO_MANY_PIXELS, "too_many_pixels", 422,
	    "The image has too many pixels."),
	E(UNDECODABLE, "undecodable", 422,
	    "The image is damaged or incomplete and cannot be read."),
	E(NOT_A_SMEAR, "not_a_smear", 422,
	    "This picture does not look like a stained blood smear: "
	    "nothing was counted or saved."),
	E(CELLS_TOO_SMALL, "cells_too_small", 422,
	    "The cells are too small in this photo to be counted."),
	E(TOO_FEW_FIELDS, "too_few_fields", 422,
	    "More checked fields of this microscope are needed."),
	E(TOO_MANY_FRAMES, "too_many_frames", 429,
	    "Too many live frames; slow down."),
	E(TOO_MANY_ATTEMPTS, "too_many_attempts", 429,
	    "Too many wrong passwords from this computer; wait and try "
	    "again."),
	E(INTERNAL, "internal", 500,
	    "Internal error."),
	E(BUSY, "busy", 503,
	    "The server is busy; try again."),
	E(NOT_READY, "not_ready", 503,
	    "The model is not loaded; see the server log."),
	E(STORAGE_UNAVAILABLE, "storage_unavailable", 503,
	    "Results cannot be saved; see the server log."),
	E(STORAGE_FULL, "storage_full", 507,
	    "The results disk is full; delete old results."),
};

const struct err_entry *
errors_get(enum err_code e)
{
	if ((int)e < 0 || e >= ERR_N)
		e = ERR_INTERNAL;
	return &table[e];
}

const struct err_entry *
errors_find(const char *code)
{
	int	 i;

	for (i = 0; code != NULL && i < ERR_N; i++)
		if (strcmp(table[i].code, code) == 0)
			return &table[i];
	return NULL;
}
