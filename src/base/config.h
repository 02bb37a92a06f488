/* config.h: backend configuration (key = value file, overridable by flags) */
#ifndef BV_CONFIG_H
#define BV_CONFIG_H

#include <stddef.h>

#define CONFIG_PATH_MAX 1024
#define CONFIG_CLASSES_MAX 32		/* entries in class_thresholds */
#define CONFIG_CLASS_NAME_MAX 64
#define CONFIG_ENGINE_MAX 16
#define CONFIG_HASH_MAX 256		/* password_hash (crypt(3) output) */
#define CONFIG_TEXT_MAX 129		/* clinic_name: 128 bytes and its NUL */

/* One "NAME:VALUE" of class_thresholds. */
struct config_class_threshold {
	char	name[CONFIG_CLASS_NAME_MAX];
	double	value;
};

struct config {
	char	model_cfg[CONFIG_PATH_MAX];
	char	model_weights[CONFIG_PATH_MAX];
	char	model_names[CONFIG_PATH_MAX];
	char	model_info[CONFIG_PATH_MAX];	/* JSON: name, trained, metrics */
	char	wbc_cfg[CONFIG_PATH_MAX];	/* white-cell classifier; "" = none */
	char	wbc_weights[CONFIG_PATH_MAX];
	char	wbc_names[CONFIG_PATH_MAX];
	char	results_dir[CONFIG_PATH_MAX];
	char	clinical_calibration[CONFIG_PATH_MAX];
	char	clinical_reference[CONFIG_PATH_MAX];
	double	threshold;		/* global fallback operating threshold */
	/*
	 * class_thresholds: per-class operating thresholds, above the model
	 * info's and the global one.  The names are checked against the
	 * model's only once it is loaded (thresholds.c), so the place they
	 * came from is kept for that message: "file:line", or "" when set
	 * by config_set() alone.
	 */
	struct config_class_threshold class_thresholds[CONFIG_CLASSES_MAX];
	size_t	nclass_thresholds;
	char	class_thresholds_at[CONFIG_PATH_MAX + 16];
	double	min_confidence;		/* lowest score kept in result.json */
	double	nms;
	size_t	max_body;		/* bytes */
	int	max_side;		/* pixels */
	long	max_pixels;
	size_t	max_parts;
	int	jpeg_quality;
	int	thumb_size;
	int	threads;		/* OpenBLAS threads per process */
	int	retention_days;		/* 0: keep forever */
	long	display_pixels;		/* annotated/plain images at most this big */
	int	auto_scale;		/* 1: measure the cell scale on each photo */
	/*
	 * allowed_hosts: names (space/comma-separated) a request's Host may
	 * carry besides localhost and IP literals (http_host_allowed()).
	 */
	char	allowed_hosts[CONFIG_PATH_MAX];
	char	engine[CONFIG_ENGINE_MAX];	/* darknet, xnnpack, xnnpack-int8 */
	/*
	 * listen: the FastCGI socket to open ("" = the one on stdin): an
	 * absolute UNIX socket path, or HOST:PORT / :PORT for TCP.
	 * listen_allow: the web servers' addresses that may connect over TCP
	 * (libfcgi's FCGI_WEB_SERVER_ADDRS; "" = any).
	 */
	char	listen[CONFIG_PATH_MAX];
	char	listen_allow[CONFIG_PATH_MAX];
	/*
	 * Live frames (POST /api/detect) per client address, across the
	 * backend processes of this host: at most detect_max_inflight at once
	 * and detect_max_fps a second (a token bucket, one second of burst);
	 * 0 turns either off.  detect_gate_file: the small shared file that
	 * holds the counts ("" = a POSIX shared-memory object named after
	 * results_dir).  camera: 1 when bv-capture serves a camera under
	 * /camera/ (GET /api/health says so, and the live page offers it).
	 */
	int	detect_max_inflight;
	double	detect_max_fps;
	char	detect_gate_file[CONFIG_PATH_MAX];
	int	camera;
	/*
	 * The clinic password (login.c): its crypt(3) hash ("" = off, the
	 * default), the idle minutes after which a session ends, and the
	 * failed logins from one address before each try must wait.
	 */
	char	password_hash[CONFIG_HASH_MAX];
	int	session_minutes;
	int	session_max_hours;	/* absolute lifetime of a login */
	int	login_attempts;
	char	clinic_name[CONFIG_TEXT_MAX];	/* report header; "" = none */
	/*
	 * Fine-tuning a microscope's detector from the admin page (issue 26):
	 * the bv-adapt and bv-train programs ("" = not offered on this box:
	 * bv-adapt is built, not installed), and the run's iterations and
	 * batch.
	 */
	char	adapt_tool[CONFIG_PATH_MAX];
	char	train_tool[CONFIG_PATH_MAX];
	int	adapt_iters;
	int	adapt_batch;
	/* a file naming the shipped validation lists a fine-tuned model must
	 * not be worse on, one a line ("" = none: nothing is adopted) */
	char	adapt_val[CONFIG_PATH_MAX];
};

/* Fill cfg with the built-in defaults (paths from configure). */
void	config_defaults(struct config *cfg);

/*
 * Read "key = value" lines from path into cfg ('#' starts a comment).
 * Relative paths in values are taken relative to the file's directory.
 * Returns 0, or -1 with a message "file:line: why" in err.
 */
int	config_load(struct config *cfg, const char *path, char *err,
	    size_t errsz);

/* Set one key from a string; -1 with a message in err if key or value is bad. */
int	config_set(struct config *cfg, const char *key, const char *value,
	    const char *basedir, char *err, size_t errsz);

#endif /* BV_CONFIG_H */
