/* main.c: BloodView backend start-up and FastCGI (or one-shot CGI) loop */
/*
 * Start-up loads everything that lives as long as the process (config,
 * model, libmagic cookie, results directory fd); then the loop accepts one
 * request at a time, reads at most max_body bytes of it, hands it to
 * app_handle() and writes the response.  Concurrency comes from several
 * processes (lighttpd max-procs or spawn-fcgi -F), each with its own
 * network.  Started without a FastCGI socket on stdin, the same binary
 * answers one CGI request: that is how the fast request tests drive it.
 */

#include "server/app.h"
#include "auth/auth.h"
#include "auth/clientgate.h"
#include "routes/login.h"
#include "base/config.h"
#include "vision/classifier.h"
#include "vision/detector.h"
#include "vision/rbccls.h"
#include "base/log.h"
#include "store/results.h"
#include "clinical/clinical.h"
#include "store/samples.h"
#include "clinical/thresholds.h"
#include "base/timing.h"

#include <fcgiapp.h>
#include <magic.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef BV_SYSCONFDIR
#define BV_SYSCONFDIR "/usr/local/etc/bloodview"
#endif

void	openblas_set_num_threads(int);

/* How a request's bytes come and go: FastCGI or plain CGI. */
struct io {
	FCGX_Request	*req;		/* NULL in CGI mode */
	char		**envp;
};

static const char *
io_param(void *ctx, const char *name)
{
	struct io	*io = ctx;
	const char	*v;

	v = io->req ? FCGX_GetParam(name, io->envp) : getenv(name);
	return v ? v : "";
}

static size_t
io_read(struct io *io, unsigned char *buf, size_t len)
{
	size_t	 got = 0;
	int	 n;

	while (got < len) {
		if (io->req) {
			n = FCGX_GetStr((char *)buf + got,
			    (int)(len - got > INT_MAX ? INT_MAX : len - got),
			    io->req->in);
			if (n <= 0)
				break;
		} else {
			n = (int)fread(buf + got, 1, len - got, stdin);
			if (n <= 0)
				break;
		}
		got += (size_t)n;
	}
	return got;
}

static void
io_write(struct io *io, const char *buf, size_t len)
{
	if (io->req)
		FCGX_PutStr(buf, (int)len, io->req->out);
	else
		fwrite(buf, 1, len, stdout);
}

/*
 * The security headers (X-Content-Type-Options, CSP, Referrer-Policy) are
 * the web server's: it adds them to every response, its own errors and
 * static files included, so sending them here too would duplicate them.
 */
static void
send_response(struct io *io, const char *method,
    const struct http_response *resp)
{
	char	 head[1024];
	int	 n;

	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s\r\n",
	    resp->status, http_status_text(resp->status),
	    resp->content_type ? resp->content_type : "application/json",
	    resp->body_len, resp->headers);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	io_write(io, head, (size_t)n);
	if (strcmp(method, "HEAD") != 0 && resp->body != NULL)
		io_write(io, resp->body, resp->body_len);
}

/*
 * CONTENT_LENGTH strictly: digits only, no sign, no overflow.
 * Returns 0 and *len, or -1.
 */
static int
parse_length(const char *s, size_t *len)
{
	size_t	 v = 0;

	if (*s == '\0') {
		*len = 0;
		return 0;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	*len = v;
	return 0;
}

/*
 * Run retention at most once an hour, between requests; the first call
 * (at start-up, before the first accept) runs it at once, so a restart
 * applies a lowered retention_days immediately.  Leftovers of failed
 * deletes are swept every 10 minutes, retention or not.
 */
static void
maybe_expire(struct app *app)
{
	static time_t	 last, last_sweep;
	time_t		 now = time(NULL);
	int		 n;

	/* every 10 minutes: what a failed delete or a killed writer left */
	if (app->results_fd >= 0 && now - last_sweep >= 600) {
		last_sweep = now;
		n = results_sweep(app->results_fd);
		n += samples_sweep(app->results_fd);
		if (n > 0)
			log_info("removed %d leftover(s)", n);
	}
	if (app->cfg->retention_days <= 0 || now - last < 3600)
		return;
	last = now;
	n = results_expire(app->results_fd, app->cfg->retention_days);
	n += samples_expire(app->results_fd, app->cfg->retention_days);
	if (n > 0)
		log_info("retention: removed %d expired item(s)", n);
}

static void
serve_one(struct app *app, struct io *io)
{
	struct http_request	 req;
	struct http_response	 resp;
	unsigned char		*body = NULL;
	char			 path[1024];
	const char		*method;
	size_t			 len = 0, got = 0;
	double			 t0 = timing_ms();

	memset(&resp, 0, sizeof(resp));
	http_request_from_params(&req, io_param, io, path, sizeof(path));
	method = req.method;

	if (parse_length(io_param(io, "CONTENT_LENGTH"), &len) == -1) {
		http_fail_detail(&resp, ERR_BAD_REQUEST,
		    "The Content-Length header is not valid.", NULL);
	} else if (len > app->cfg->max_body) {
		http_fail(&resp, ERR_TOO_LARGE);
	} else {
		if (len > 0 && (body = malloc(len)) == NULL) {
			http_fail_detail(&resp, ERR_BUSY,
			    "The server is out of memory; try again.", NULL);
		} else if ((got = io_read(io, body, len)) != len) {
			http_fail_detail(&resp, ERR_BAD_REQUEST,
			    "The request body is incomplete.", NULL);
		} else {
			req.body = body;
			req.body_len = len;
			app_handle(app, &req, &resp);
		}
	}
	send_response(io, method, &resp);
	log_info("%s %s %d %s bytes=%zu %.1fms%s%s", method, path,
	    resp.status, resp.error_code ? resp.error_code : "-", got,
	    timing_ms() - t0, resp.note[0] ? " " : "", resp.note);
	free(body);
	http_response_free(&resp);
}

static json_t *
load_model_info(const char *path)
{
	json_error_t	 jerr;
	json_t		*o;

	if ((o = json_load_file(path, 0, &jerr)) == NULL || !json_is_object(o)) {
		if (access(path, F_OK) == 0)
			log_warnx("model info %s: %s", path, jerr.text);
		json_decref(o);
		return json_pack("{s:b}", "trained", 0);
	}
	return o;
}

/*
 * The model's per-class default thresholds into thr (see thresholds.c),
 * logged with where each came from.  -1 with a message in err when
 * class_thresholds names a class the model does not have.
 */
static int
load_thresholds(struct thresholds *thr, const struct config *cfg,
    const struct detector *det, const json_t *info, char *err, size_t errsz)
{
	const char	**names;
	char		  list[512];
	size_t		  i, len, n = (size_t)detector_classes(det);
	int		  rc;

	if ((names = calloc(n + 1, sizeof(*names))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		names[i] = detector_class_name(det, (int)i);
	rc = thresholds_resolve(thr, cfg, info, cfg->model_info, names, n,
	    err, errsz);
	if (rc == 0) {
		list[0] = '\0';
		for (i = 0; i < n; i++) {
			len = strlen(list);
			snprintf(list + len, sizeof(list) - len,
			    "%s%s %.3g (%s)", i ? ", " : "", names[i],
			    thr->v[i], thresholds_source_name(thr->src[i]));
		}
		log_info("thresholds: %s", list);
	}
	free(names);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bloodview [-c config] [-m model.cfg] [-w model.weights] "
	    "[-n model.names] [-r results_dir] [-s socket]\n");
	exit(2);
}

/* Command-line options over the configuration; exits 2 on a bad one. */
static void
parse_options(int argc, char *argv[], struct config *cfg, const char **sock)
{
	static const struct {
		int		 ch;
		const char	*key;
	} keys[] = { { 'm', "model_cfg" }, { 'w', "model_weights" },
	    { 'n', "model_names" }, { 'r', "results_dir" } };
	struct {
		const char *key, *val;
	} over[8];
	const char	*cfgpath = BV_SYSCONFDIR "/bloodview.conf";
	char		 err[512];
	int		 ch, cfg_given = 0, nover = 0, i;
	size_t		 k;

	while ((ch = getopt(argc, argv, "c:m:w:n:r:s:")) != -1) {
		if (ch == 'c') {
			cfgpath = optarg;
			cfg_given = 1;
			continue;
		}
		if (ch == 's') {
			*sock = optarg;
			continue;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]) &&
		    keys[k].ch != ch; k++)
			;
		if (k == sizeof(keys) / sizeof(keys[0]))
			usage();
		over[nover].key = keys[k].key;
		over[nover++].val = optarg;
		if (nover == 8)
			usage();
	}
	config_defaults(cfg);
	if ((cfg_given || access(cfgpath, F_OK) == 0) &&
	    config_load(cfg, cfgpath, err, sizeof(err)) == -1) {
		log_warnx("config: %s", err);
		exit(1);
	}
	for (i = 0; i < nover; i++)
		if (config_set(cfg, over[i].key, over[i].val, ".", err,
		    sizeof(err)) == -1) {
			log_warnx("option: %s", err);
			exit(1);
		}
}

/* The results directory (made if missing), swept of interrupted commits. */
static void
start_results(struct app *app, const struct config *cfg)
{
	int	 n;

	app->results_dir = cfg->results_dir;
	if (mkdir(cfg->results_dir, 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s", cfg->results_dir);
	app->results_fd = open(cfg->results_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (app->results_fd < 0)
		log_warn("results directory %s", cfg->results_dir);
	else if ((n = results_sweep(app->results_fd)) > 0)
		log_info("removed %d interrupted result(s)", n);
}

/*
 * The detector, its thresholds and the white-cell classifier.  A model
 * that does not load leaves app->det NULL (the routes answer 503); -1
 * only for a configuration error that must stop start-up.
 */
static int
start_models(struct app *app, const struct config *cfg,
    struct thresholds *thr, char name[CONFIG_PATH_MAX])
{
	enum detector_engine	 engine;
	char			 err[512], *dot, *slash;
	const char		*eng, *why;

	/* model name: the weights' base name without extension */
	slash = strrchr(cfg->model_weights, '/');
	snprintf(name, CONFIG_PATH_MAX, "%s", slash ? slash + 1 :
	    cfg->model_weights);
	if ((dot = strrchr(name, '.')) != NULL)
		*dot = '\0';
	app->model_info = load_model_info(cfg->model_info);
	app->model_name = json_string_value(json_object_get(app->model_info,
	    "name"));
	if (app->model_name == NULL)
		app->model_name = name;
	if (detector_engine_parse(cfg->engine, &engine) == -1)
		engine = DETECTOR_DARKNET;
	app->det = detector_open(cfg->model_cfg, cfg->model_weights,
	    cfg->model_names, engine, cfg->threads, err, sizeof(err));
	if (app->det == NULL) {
		log_warnx("model not loaded: %s", err);
		return 0;
	}
	log_info("model %s: engine %s, %d thread(s)", app->model_name,
	    detector_engine_name(detector_engine(app->det)), cfg->threads);
	if (load_thresholds(thr, cfg, app->det, app->model_info, err,
	    sizeof(err)) == -1) {
		log_warnx("config: %s", err);
		return -1;
	}
	app->thresholds = thr;
	log_info("model %s loaded (%d classes, %s)", app->model_name,
	    detector_classes(app->det),
	    json_is_true(json_object_get(app->model_info, "trained")) ?
	    "trained" : "untrained");
	/* red-cell morphology classes: optional, beside the detector; both
	 * classifiers on int8 when the detector's engine is (calibrated) */
	if ((app->rbccls = rbccls_load(cfg->model_cfg, engine ==
	    DETECTOR_XNNPACK_INT8, err, sizeof(err))) == NULL)
		log_info("red-cell morphology classes off: %s", err);
	else {
		eng = classifier_engine(app->rbccls, &why);
		log_info("red-cell morphology classifier: engine %s%s%s", eng,
		    why[0] != '\0' ? ": " : "", why);
	}
	/* the white-cell differential is optional: counts work without it */
	if (cfg->wbc_cfg[0] == '\0')
		return 0;
	app->wbc = classifier_open(cfg->wbc_cfg, cfg->wbc_weights,
	    cfg->wbc_names, engine == DETECTOR_XNNPACK_INT8, err, sizeof(err));
	if (app->wbc == NULL) {
		log_warnx("white-cell classifier not loaded: %s", err);
		return 0;
	}
	eng = classifier_engine(app->wbc, &why);
	log_info("white-cell classifier %s: %d classes, %dx%d, engine %s%s%s",
	    cfg->wbc_cfg, classifier_classes(app->wbc),
	    classifier_input_size(app->wbc), classifier_input_size(app->wbc),
	    eng, why[0] != '\0' ? ": " : "", why);
	return 0;
}

/*
 * The per-client bound on live frames, shared by this host's backend
 * processes (clientgate.h).  Not opened: said once, and frames pass
 * unbounded (the bound is a guard, not a reason to stop live mode).
 */
static void
start_gate(struct app *app, const struct config *cfg)
{
	char	 err[256];

	if (cfg->detect_max_inflight <= 0 && cfg->detect_max_fps <= 0)
		return;
	if (clientgate_open(&app->gate, cfg->detect_gate_file,
	    cfg->results_dir, err, sizeof(err)) == -1) {
		log_warnx("live frames are not bounded per client: %s", err);
		app->gate = NULL;
	}
}

/* Serve over FastCGI on sock (or the socket we were started on) or once as CGI. */
static int
serve(struct app *app, const struct config *cfg, const char *sock)
{
	struct io	 io;
	FCGX_Request	 freq;
	int		 listen_fd = 0;

	/* -s wins over the config's listen; libfcgi reads the allow-list in
	 * FCGX_Init() and refuses other peers on a TCP socket */
	if (sock == NULL && cfg->listen[0] != '\0')
		sock = cfg->listen;
	if (cfg->listen_allow[0] != '\0' &&
	    setenv("FCGI_WEB_SERVER_ADDRS", cfg->listen_allow, 1) == -1) {
		log_warn("setenv");
		return 1;
	}
	if (FCGX_Init() != 0) {
		log_warnx("FCGX_Init failed");
		return 1;
	}
	if (sock != NULL) {
		if ((listen_fd = FCGX_OpenSocket(sock, 64)) < 0) {
			log_warnx("cannot listen on %s", sock);
			return 1;
		}
		log_info("listening on %s%s%s", sock,
		    cfg->listen_allow[0] != '\0' ? ", web servers " : "",
		    cfg->listen_allow);
	} else if (FCGX_IsCGI()) {
		/* one-shot CGI: the request is in the environment and stdin */
		io.req = NULL;
		io.envp = NULL;
		serve_one(app, &io);
		fflush(stdout);
		return 0;
	}
	FCGX_InitRequest(&freq, listen_fd, 0);
	maybe_expire(app);
	while (FCGX_Accept_r(&freq) >= 0) {
		io.req = &freq;
		io.envp = freq.envp;
		serve_one(app, &io);
		FCGX_Finish_r(&freq);
		maybe_expire(app);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	struct app	 app;
	struct login	 lg;
	struct thresholds thr = { 0, NULL, NULL };
	magic_t		 cookie = NULL;
	char		 err[512], name[CONFIG_PATH_MAX];
	const char	*sock = NULL;
	int		 rc = 1;

	log_init("bloodview");
	if (getuid() == 0 || geteuid() == 0) {
		log_warnx("refusing to run as root: run the backend as an "
		    "unprivileged user (lighttpd server.username, or User= in "
		    "the systemd unit)");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv, &cfg, &sock);
	/* a hash no login could match would lock everyone out: say so */
	if (cfg.password_hash[0] != '\0' &&
	    !auth_hash_usable(cfg.password_hash)) {
		log_warnx("config: password_hash is not a yescrypt (or other "
		    "current crypt(3)) hash this libcrypt takes: set it again "
		    "with bv-passwd");
		return 1;
	}
	openblas_set_num_threads(cfg.threads);

	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	start_results(&app, &cfg);
	login_init(&lg, &cfg, app.results_fd, cfg.results_dir);
	app.login = &lg;
	if ((cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
	    MAGIC_NO_CHECK_ELF | MAGIC_ERROR)) == NULL ||
	    magic_load(cookie, NULL) == -1) {
		log_warnx("libmagic: %s", cookie ? magic_error(cookie) :
		    "cannot open");
		goto done;
	}
	app.magic = cookie;
	if (start_models(&app, &cfg, &thr, name) == -1)
		goto done;
	app.clinical = clinical_load(cfg.clinical_calibration,
	    cfg.clinical_reference, err, sizeof(err));
	if (app.clinical == NULL)
		log_warnx("clinical data not loaded: %s", err);
	start_gate(&app, &cfg);
	rc = serve(&app, &cfg, sock);
done:
	clientgate_free(app.gate);
	clinical_free(app.clinical);
	thresholds_free(&thr);
	classifier_free(app.wbc);
	classifier_free(app.rbccls);
	detector_free(app.det);
	json_decref(app.model_info);
	if (cookie != NULL)
		magic_close(cookie);
	login_close(&lg);
	if (app.results_fd >= 0)
		close(app.results_fd);
	return rc;
}
