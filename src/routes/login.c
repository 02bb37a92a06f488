/* login.c: the clinic password's routes and session gate (the HTTP side of auth.c) */
/*
 * Off unless bloodview.conf has password_hash (bv-passwd writes it).  On,
 * every API route but the ones below and /api/health needs a session
 * cookie, and so does every file under /results/ (lighttpd asks
 * login_authorize() in bloodview-authorize, a FastCGI authorizer, nginx
 * asks /api/authorize through auth_request).  Pages stay public: they show a login form when
 * the API answers 401 "login_required".
 *
 * The Host and same-origin checks (app.c) run before any of this, so a
 * cross-site page can neither log a browser in nor out.  The cookie is
 * HttpOnly (no script reads it), SameSite=Strict (no other site's request
 * carries it) and Secure when the login came over HTTPS.
 */

#include "routes/login.h"
#include "auth/auth.h"
#include "base/config.h"
#include "base/http.h"
#include "base/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOGIN_BODY_MAX	4096

void
login_init(struct login *lg, const struct config *cfg, int results_fd,
    const char *results_dir)
{
	lg->cfg = cfg;
	lg->results_fd = results_fd;
	lg->results_dir = results_dir;
	lg->session_fd = -1;
}

void
login_close(struct login *lg)
{
	if (lg->session_fd >= 0)
		close(lg->session_fd);
	lg->session_fd = -1;
}

/* The session directory, opened on first use (none without a password). */
static int
state_dir(struct login *lg)
{
	if (lg->session_fd < 0 && lg->results_fd >= 0) {
		lg->session_fd = auth_state_open(lg->results_fd);
		if (lg->session_fd < 0)
			log_warn("session directory %s/%s", lg->results_dir,
			    AUTH_STATE_DIR);
	}
	return lg->session_fd;
}

static int
password_on(struct login *lg)
{
	return lg->cfg->password_hash[0] != '\0';
}

static long
idle_seconds(struct login *lg)
{
	return (long)lg->cfg->session_minutes * 60;
}

/* 1: the request carries a live session; 0: none; -1: cannot tell. */
static int
session_live(struct login *lg, const struct http_request *req)
{
	char	 ids[AUTH_COOKIES_MAX][AUTH_ID_HEX + 1];
	size_t	 n, i;
	int	 fd, live = 0;

	n = auth_cookie_sessions(req->cookie, ids, AUTH_COOKIES_MAX);
	if (n == 0)
		return 0;
	if ((fd = state_dir(lg)) < 0)
		return -1;
	for (i = 0; i < n && !live; i++)
		live = auth_session_check(fd, ids[i], time(NULL),
		    idle_seconds(lg), (long)lg->cfg->session_max_hours *
		    3600) == AUTH_OK;
	explicit_bzero(ids, sizeof(ids));
	return live;
}

static void
login_required(struct http_response *resp)
{
	http_fail(resp, ERR_LOGIN_REQUIRED);
}

static void
set_cookie(struct http_response *resp, const struct http_request *req,
    const char *value, int clear)
{
	char	 v[AUTH_ID_HEX + 128];

	snprintf(v, sizeof(v), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	    AUTH_COOKIE, value, clear ? "; Max-Age=0" : "",
	    req->scheme != NULL && strcmp(req->scheme, "https") == 0 ?
	    "; Secure" : "");
	http_add_header(resp, "Set-Cookie", v);
	explicit_bzero(v, sizeof(v));
}

static void
too_many(struct http_response *resp, long retry)
{
	const struct err_entry	*x = errors_get(ERR_TOO_MANY_ATTEMPTS);
	char			 buf[32], msg[160];

	snprintf(buf, sizeof(buf), "%ld", retry);
	http_add_header(resp, "Retry-After", buf);
	snprintf(msg, sizeof(msg), "Too many wrong passwords from this "
	    "computer; try again in %ld seconds.", retry);
	/* the table's code and status, with the seconds to wait beside */
	resp->error_code = x->code;
	http_json(resp, x->status, json_pack("{s:{s:s,s:s,s:I}}", "error",
	    "code", x->code, "message", msg, "retry_after",
	    (json_int_t)retry));
}

/* The password of a {"password": "..."} body, or NULL with resp filled. */
static json_t *
login_body(const struct http_request *req, struct http_response *resp,
    const char **pw)
{
	json_error_t	 jerr;
	json_t		*o, *p;

	/* a cross-site form cannot send application/json (app.c) */
	if (!http_is_json(req->content_type)) {
		http_fail(resp, ERR_JSON_REQUIRED);
		return NULL;
	}
	if (req->body_len > LOGIN_BODY_MAX) {
		http_fail_detail(resp, ERR_TOO_LARGE, "The JSON body is too "
		    "large.", NULL);
		return NULL;
	}
	o = req->body == NULL ? NULL : json_loadb((const char *)req->body,
	    req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	p = json_object_get(o, "password");
	/* an embedded NUL would cut the password short: refused */
	if (!json_is_string(p) || json_string_length(p) == 0 ||
	    json_string_length(p) != strlen(json_string_value(p))) {
		json_decref(o);
		http_fail_detail(resp, ERR_BAD_REQUEST, "password: send "
		    "{\"password\": \"...\"} with the clinic password.", NULL);
		return NULL;
	}
	*pw = json_string_value(p);
	return o;
}

/* End the sessions req's cookie names (logout, or a new login). */
static void
drop_sessions(struct login *lg, const struct http_request *req)
{
	char	 ids[AUTH_COOKIES_MAX][AUTH_ID_HEX + 1];
	size_t	 n, i;
	int	 fd;

	/* password off: no session directory to make */
	n = password_on(lg) ? auth_cookie_sessions(req->cookie, ids,
	    AUTH_COOKIES_MAX) : 0;
	if (n > 0 && (fd = state_dir(lg)) >= 0)
		for (i = 0; i < n; i++)
			(void)auth_session_delete(fd, ids[i]);
	explicit_bzero(ids, sizeof(ids));
}

static void
handle_login(struct login *lg, const struct http_request *req,
    struct http_response *resp)
{
	const struct config	*cfg = lg->cfg;
	struct auth_backoff	 b;
	char			 id[AUTH_ID_HEX + 1];
	const char		*pw;
	json_t			*o;
	enum auth_err		 v;
	long			 retry;
	int			 fd, n;

	if (strcmp(req->method, "POST") != 0) {
		http_method_not_allowed(resp, "POST");
		return;
	}
	if (!password_on(lg)) {
		http_fail(resp, ERR_LOGIN_OFF);
		return;
	}
	if ((o = login_body(req, resp, &pw)) == NULL)
		return;
	if ((fd = state_dir(lg)) < 0) {
		http_fail_detail(resp, ERR_BUSY, "Sessions cannot be stored; "
		    "try again.", NULL);
		goto out;
	}
	switch (auth_backoff_begin(fd, req->remote_addr, time(NULL),
	    cfg->login_attempts, &b, &retry)) {
	case AUTH_OK:
		break;
	case AUTH_ERR_LOCKED:
		snprintf(resp->note, sizeof(resp->note), "login locked %lds",
		    retry);
		too_many(resp, retry);
		goto out;
	default:
		log_warn("login backoff record");
		http_fail_detail(resp, ERR_BUSY, "Sessions cannot be stored; "
		    "try again.", NULL);
		goto out;
	}
	v = auth_verify_password(pw, cfg->password_hash);
	if (auth_backoff_end(&b, v == AUTH_OK, time(NULL)) != AUTH_OK)
		log_warn("login backoff record not updated (it keeps the "
		    "count before)");
	if (v == AUTH_ERR_BADHASH) {
		log_warnx("password_hash is not a usable crypt(3) hash");
		http_fail(resp, ERR_INTERNAL);
		goto out;
	}
	if (v != AUTH_OK) {
		snprintf(resp->note, sizeof(resp->note), "login failed "
		    "(%d in a row)", b.fails);
		http_fail(resp, ERR_WRONG_PASSWORD);
		goto out;
	}
	if (auth_session_create(fd, time(NULL), id) != AUTH_OK) {
		log_warn("session create");
		http_fail_detail(resp, ERR_BUSY, "Sessions cannot be stored; "
		    "try again.", NULL);
		goto out;
	}
	set_cookie(resp, req, id, 0);
	explicit_bzero(id, sizeof(id));
	drop_sessions(lg, req);	/* a new id each login: no fixation */
	if ((n = auth_sweep(fd, time(NULL), idle_seconds(lg))) > 0)
		log_info("sessions: removed %d expired record(s)", n);
	snprintf(resp->note, sizeof(resp->note), "login ok");
	http_json(resp, 200, json_pack("{s:b,s:i}", "logged_in", 1,
	    "session_minutes", cfg->session_minutes));
out:
	json_decref(o);
}

static void
handle_logout(struct login *lg, const struct http_request *req,
    struct http_response *resp)
{
	if (strcmp(req->method, "POST") != 0) {
		http_method_not_allowed(resp, "POST");
		return;
	}
	drop_sessions(lg, req);
	set_cookie(resp, req, "", 1);
	http_json(resp, 200, json_pack("{s:b}", "logged_out", 1));
}

static int
get_only(const struct http_request *req, struct http_response *resp)
{
	if (strcmp(req->method, "GET") == 0 || strcmp(req->method,
	    "HEAD") == 0)
		return 1;
	http_method_not_allowed(resp, "GET");
	return 0;
}

int
login_check(struct login *lg, const struct http_request *req,
    struct http_response *resp)
{
	const char	*path = req->path;
	int		 live;

	if (strcmp(path, "/api/login") == 0) {
		handle_login(lg, req, resp);
		return 1;
	}
	if (strcmp(path, "/api/logout") == 0) {
		handle_logout(lg, req, resp);
		return 1;
	}
	if (strcmp(path, "/api/session") == 0) {
		if (get_only(req, resp)) {
			live = password_on(lg) ? session_live(lg, req) : 0;
			http_json(resp, 200, json_pack("{s:b,s:b,s:i}",
			    "password", password_on(lg), "logged_in",
			    live == 1, "session_minutes",
			    lg->cfg->session_minutes));
		}
		return 1;
	}
	if (strcmp(path, "/api/authorize") == 0) {
		if (get_only(req, resp))
			login_authorize(lg, req, resp);
		return 1;
	}
	/* health tells nothing about patients; monitors poll it */
	if (!password_on(lg) || strcmp(path, "/api/health") == 0)
		return 0;
	if ((live = session_live(lg, req)) == 1)
		return 0;
	if (live < 0)
		http_fail_detail(resp, ERR_BUSY, "Sessions cannot be read; "
		    "try again.", NULL);
	else
		login_required(resp);
	return 1;
}

void
login_authorize(struct login *lg, const struct http_request *req,
    struct http_response *resp)
{
	int	 live;

	if (!http_host_allowed(req->host, lg->cfg->allowed_hosts)) {
		http_fail(resp, ERR_MISDIRECTED);
		return;
	}
	if (!password_on(lg) || (live = session_live(lg, req)) == 1) {
		resp->status = 200;
		return;
	}
	if (live < 0)
		http_fail_detail(resp, ERR_BUSY, "Sessions cannot be read; "
		    "try again.", NULL);
	else
		login_required(resp);
}
