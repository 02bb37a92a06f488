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

/* New array of the stored microscopes' names, sorted; NULL on ENOMEM. */
json_t	*micstore_list(int results_fd);

#endif /* BV_MICSTORE_H */
