/* login.h: the clinic password's routes and session gate (the HTTP side of auth.c) */
#ifndef BV_LOGIN_H
#define BV_LOGIN_H

struct config;
struct http_request;
struct http_response;

/*
 * The login routes' process-lifetime state: built by start-up
 * (login_init), handed to every call, closed at exit (login_close).
 * The session directory is opened on first use, so a box without a
 * password never makes one.
 */
struct login {
	const struct config	*cfg;
	int			 results_fd;	/* the results directory */
	const char		*results_dir;	/* its path, for the log */
	int			 session_fd;	/* its sessions; -1: not open yet */
};

/* Fill lg; cfg and results_dir are borrowed for lg's life. */
void	login_init(struct login *lg, const struct config *cfg, int results_fd,
	    const char *results_dir);

/* Close the session directory if it was opened. */
void	login_close(struct login *lg);

/*
 * Called for every API request after the Host and same-origin checks.
 * Serves POST /api/login, POST /api/logout, GET /api/session and
 * GET /api/authorize, and with password_hash set answers 401
 * "login_required" to any other route but /api/health without a live
 * session.  1 when it filled resp (the request is answered), else 0.
 * Without password_hash it serves /api/session (and the rest as 404
 * "login_off"), and lets everything else through.
 */
int	login_check(struct login *lg, const struct http_request *req,
	    struct http_response *resp);

/*
 * The FastCGI authorizer role (lighttpd, /results/): 200 with no body
 * when the request may go on (no password set, or a live session), else
 * 401 "login_required".
 */
void	login_authorize(struct login *lg, const struct http_request *req,
	    struct http_response *resp);

#endif /* BV_LOGIN_H */
