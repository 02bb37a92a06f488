/* micstore.h: each microscope's state on disk: its checked fields and its adaptation versions */
#ifndef BV_MICSTORE_H
#define BV_MICSTORE_H

#include <jansson.h>

/* A microscope's name: 1 to MICSTORE_NAME_MAX of [A-Za-z0-9-_.:]. */
#define MICSTORE_NAME_MAX	64
/* Most checked fields and adaptation versions one microscope keeps. */
#define MICSTORE_MAX_CHECKED	5000
#define MICSTORE_MAX_VERSIONS	200

/*
 * One JSON object per microscope, <results>/microscopes/m-<name>.json:
 *
 *   {"microscope": name, "checked": [result ids], "versions": [{...}],
 *    "current": N}
 *
 * "checked" lists the results whose latest review says every cell was
 * checked; "versions" are the adaptations tried, 1, 2, ... (what each
 * holds is microscope.c's business); "current" is the version in use, 0
 * for none (the model's own thresholds).  Every change is a read, modify
 * and write under an exclusive flock(2) on m-<name>.lock, the new file
 * written beside the old, fsynced and renamed over it: readers see the
 * old state or the new, never half of one.
 */

/* 1 if s is a valid microscope name. */
int	 micstore_name_valid(const char *s);

/* The state of microscope name, a new reference; NULL with errno (ENOENT:
 * nothing stored yet). */
json_t	*micstore_load(int results_fd, const char *name);

/*
 * Change microscope name's state under its lock: fn gets the state (a
 * fresh {"microscope", "checked": [], "versions": [], "current": 0} when
 * none is stored) and returns 0 to write it, 1 to leave the file as it
 * was, -1 to fail.  Returns fn's answer, or -1 with errno when the store
 * fails (nothing changed then).
 */
int	 micstore_update(int results_fd, const char *name,
	    int (*fn)(json_t *state, void *arg), void *arg);

/* Add (checked 1) or remove result id from name's checked fields. 0 or -1. */
int	 micstore_mark(int results_fd, const char *name, const char *id,
	    int checked);

/* A file of a model kept for a microscope. */
struct micstore_file {
	const char	*name;		/* "model.cfg", ... : no "/" */
	const void	*data;
	size_t		 len;
};

/*
 * Keep a model's files for microscope name in a new folder
 * <results>/microscopes/models/<name>-<random>: written into a hidden
 * temporary folder, each file fsynced, then renamed, so the folder is
 * whole or absent.  Its name (relative to the microscopes folder,
 * "models/...") goes to dir.  0, or -1 with errno (nothing left behind).
 */
int	 micstore_put_model(int results_fd, const char *name,
	    const struct micstore_file *files, size_t n, char *dir,
	    size_t dirlen);

/*
 * Remove microscope name's model folders (models/<name>-<id>) that no
 * version of state names: files kept by an evaluation or an import killed
 * before it recorded them.  Call it under name's lock (from a
 * micstore_update() fn, where every model of name is kept and recorded),
 * so a folder being recorded is never taken.  How many were removed.
 */
int	 micstore_sweep_models(int results_fd, const char *name,
	    const json_t *state);

/* Path of dir (micstore_put_model()'s) file under the results folder
 * results_dir in out: 0, or -1 (ENAMETOOLONG). */
int	 micstore_model_path(const char *results_dir, const char *dir,
	    const char *file, char *out, size_t outlen);

/*
 * A per-process cache of something computed from microscope name's
 * checked fields (the count error each upload needs), under a key the
 * caller makes (model and thresholds).  An entry is valid while the
 * microscope's state file is the one it was computed from: every change
 * (a field checked or unchecked, a review of a checked field, an
 * adaptation, a rollback) writes a new file and so invalidates it.
 * micstore_cache_get() gives a new reference or NULL (no entry, stale);
 * micstore_cache_put() keeps a reference to value (NULL too: "nothing")
 * and *stamp must be what micstore_cache_stamp() gave before computing
 * it, so a change in between is never cached as current.
 */
struct micstore_stamp {
	unsigned long long	 ino, size;
	long long		 sec, nsec;
	int			 valid;
};

void	 micstore_cache_stamp(int results_fd, const char *name,
	    struct micstore_stamp *stamp);
int	 micstore_cache_get(int results_fd, const char *name, const char *key,
	    json_t **value);
void	 micstore_cache_put(const char *name, const char *key,
	    const struct micstore_stamp *stamp, json_t *value);

/* New array of the stored microscopes' names, sorted; NULL on ENOMEM. */
json_t	*micstore_list(int results_fd);

#endif /* BV_MICSTORE_H */
