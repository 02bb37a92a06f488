/* authorizer.c: bloodview-authorize, lighttpd's FastCGI authorizer for /results/ (the clinic password) */
/*
 * lighttpd puts every /results/ request to this program first
 * ("mode" => "authorizer" in lighttpd-bloodview.conf): 200 lets lighttpd
 * serve the file, anything else is the answer.  It reads bloodview.conf
 * and the session files (login.c, auth.c) and nothing else: a separate
 * small process rather than the backend, so that result images never
 * wait behind a running analysis and the check costs no model in memory.
 * The backend answers the same question at /api/authorize (nginx's
 * auth_request).
 */

#include "auth/auth.h"
#include "base/config.h"
#include "base/http.h"
#include "base/log.h"
#include "routes/login.h"

#include <fcgiapp.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef BV_SYSCONFDIR
#define BV_SYSCONFDIR "/usr/local/etc/bloodview"
#endif

static const char *
param(void *ctx, const char *name)
{
	const char	*v = FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);

	return v ? v : "";
}

static void
serve(struct login *lg, FCGX_Request *r)
{
	struct http_request	 req;
	struct http_response	 resp;
	char			 path[1024], head[256];
	int			 n;

	memset(&resp, 0, sizeof(resp));
	http_request_from_params(&req, param, r, path, sizeof(path));
	login_authorize(lg, &req, &resp);
	/* snprintf, not FCGX_FPrintF: libfcgi's own printf lacks %zu */
	n = snprintf(head, sizeof(head), "Status: %d %s\r\nContent-Type: %s"
	    "\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n\r\n",
	    resp.status, http_status_text(resp.status),
	    resp.content_type ? resp.content_type : "application/json",
	    resp.body_len);
	if (n < 0 || (size_t)n >= sizeof(head))
		n = snprintf(head, sizeof(head), "Status: 500 Error\r\n"
		    "Content-Length: 0\r\n\r\n");
	FCGX_PutStr(head, n, r->out);
	if (resp.body != NULL && strcmp(req.method, "HEAD") != 0)
		FCGX_PutStr(resp.body, (int)resp.body_len, r->out);
	if (resp.status != 200)
		log_info("authorize %s %s %d %s", req.method, path,
		    resp.status, resp.error_code ? resp.error_code : "-");
	http_response_free(&resp);
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	struct login	 lg;
	FCGX_Request	 r;
	char		 err[512];
	const char	*cfgpath = BV_SYSCONFDIR "/bloodview.conf";
	int		 ch, cfg_given = 0, results_fd;

	log_init("bloodview-authorize");
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: bloodview-authorize "
			    "[-c bloodview.conf]\n");
			return 2;
		}
		cfgpath = optarg;
		cfg_given = 1;
	}
	if (getuid() == 0 || geteuid() == 0) {
		log_warnx("refusing to run as root (lighttpd server.username)");
		return 1;
	}
	config_defaults(&cfg);
	if ((cfg_given || access(cfgpath, F_OK) == 0) &&
	    config_load(&cfg, cfgpath, err, sizeof(err)) == -1) {
		log_warnx("config: %s", err);
		return 1;
	}
	if (cfg.password_hash[0] != '\0' &&
	    !auth_hash_usable(cfg.password_hash)) {
		log_warnx("config: password_hash is not a hash this libcrypt "
		    "takes: set it again with bv-passwd");
		return 1;
	}
	results_fd = open(cfg.results_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (results_fd < 0 && cfg.password_hash[0] != '\0')
		log_warn("results directory %s", cfg.results_dir);
	login_init(&lg, &cfg, results_fd, cfg.results_dir);
	if (FCGX_Init() != 0) {
		log_warnx("FCGX_Init failed");
		return 1;
	}
	FCGX_InitRequest(&r, 0, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		serve(&lg, &r);
		FCGX_Finish_r(&r);
	}
	login_close(&lg);
	if (results_fd >= 0)
		close(results_fd);
	return 0;
}
