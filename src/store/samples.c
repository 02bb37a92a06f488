/* samples.c: the sample store: create, update, attach, mark, detach, expire and list samples */
/*
 * A sample is one preparation (a smear or a counting chamber) of one
 * person, identified by a code, never a name, with the few facts the WHO
 * anaemia cutoffs need, and the ids of the analysed images (fields) that
 * belong to it.  The stored file holds only those facts and ids: the
 * summary (samples_summary.c) is recomputed from each result.json on every
 * request, so a deleted result or an edited calibration shows at once and
 * nothing can go stale.  Store layout and locking: see samples.h; the
 * files themselves (folder, lock, atomic publish) are samples_file.c's.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* flock(2), openat(2) under -std=c11 */
#endif

#include "store/samples.h"
#include "store/samples_int.h"
#include "store/samples_file.h"
#include "store/fsutil.h"
#include "base/timing.h"
#include "store/ids.h"
#include "store/results.h"
#include "base/log.h"
#include "base/http.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- store (its files: samples_file.c) ------------------------------- */

/* The store's error for errno e. */
static enum samples_err
errno_err(int e)
{
	if (e == ENOENT)
		return SAMPLES_ERR_NOTFOUND;
	return fsutil_errno_full(e) ? SAMPLES_ERR_FULL : SAMPLES_ERR_IO;
}

enum samples_err
samples_create(int results_fd, json_t *sample, char *id_out, size_t id_outsz)
{
	char			 id[ID_LEN + 1], created[32];
	json_t			*head = NULL;
	int			 dirfd, lockfd = -1;
	enum samples_err	 rc;

	if ((dirfd = samples_file_dir(results_fd, 1)) < 0)
		return errno_err(errno == ENOENT ? EIO : errno);
	if (id_new(id) == -1) {
		rc = SAMPLES_ERR_IO;
		goto out;
	}
	timing_now_iso(created, sizeof(created));
	/* id and created first: the stored file reads top-down. */
	if ((head = json_pack("{s:s,s:s}", "id", id, "created",
	    created)) == NULL || json_object_update(head, sample) == -1 ||
	    json_object_set_new(head, "results", json_array()) == -1 ||
	    json_object_set_new(head, "field_selection", json_object()) == -1 ||
	    json_object_set_new(head, "new_field_selection",
	    json_string("random")) == -1 ||
	    json_object_clear(sample) == -1 ||
	    json_object_update(sample, head) == -1) {
		rc = SAMPLES_ERR_IO;
		goto out;
	}
	if ((lockfd = samples_file_lock(dirfd)) < 0 ||
	    samples_file_write(dirfd, id, sample) == -1) {
		rc = errno_err(errno == ENOENT ? EIO : errno);
		goto out;
	}
	snprintf(id_out, id_outsz, "%s", id);
	rc = SAMPLES_OK;
out:
	json_decref(head);
	samples_file_unlock(lockfd);
	close(dirfd);
	return rc;
}

/* A change sample_change() applies to a sample read under the lock. */
typedef int (*sample_change_fn)(json_t *o, void *arg);

/* What a change returns to leave the file as it was (and succeed). */
#define CHANGE_NONE	(-1)

/*
 * Sample id read under the store's lock, change(o, arg) applied to it,
 * and written back when the change says SAMPLES_OK: another writer's
 * field added meanwhile is in o, never lost.  CHANGE_NONE leaves the file
 * and gives SAMPLES_OK; any other code is given back, nothing written.
 */
static enum samples_err
sample_change(int results_fd, const char *id, sample_change_fn change,
    void *arg)
{
	json_t			*o = NULL;
	int			 dirfd, lockfd, r;
	enum samples_err	 rc;

	if (!id_valid(id))
		return SAMPLES_ERR_NOTFOUND;
	if ((dirfd = samples_file_dir(results_fd, 0)) < 0)
		return errno_err(errno);
	if ((lockfd = samples_file_lock(dirfd)) < 0)
		rc = errno_err(errno == ENOENT ? EIO : errno);
	else if ((o = samples_file_read(dirfd, id)) == NULL)
		rc = errno_err(errno);
	else if ((r = change(o, arg)) == CHANGE_NONE)
		rc = SAMPLES_OK;
	else if (r != SAMPLES_OK)
		rc = (enum samples_err)r;
	else
		rc = samples_file_write(dirfd, id, o) == -1 ?
		    errno_err(errno == ENOENT ? EIO : errno) : SAMPLES_OK;
	json_decref(o);
	samples_file_unlock(lockfd);
	close(dirfd);
	return rc;
}

/* The kept keys of a stored sample that an update does not replace. */
static const char *const kept_keys[] = {
	"field_selection", "new_field_selection", "removed"
};

/* samples_update()'s change: sample's facts over the stored o's. */
static int
update_change(json_t *o, void *arg)
{
	json_t		*sample = arg, *head;
	char		 edited[32];
	size_t		 i;
	int		 rc = SAMPLES_ERR_IO;

	timing_now_iso(edited, sizeof(edited));
	if ((head = json_pack("{s:O?,s:O?,s:s}", "id", json_object_get(o,
	    "id"), "created", json_object_get(o, "created"), "edited",
	    edited)) == NULL || json_object_update(head, sample) == -1 ||
	    json_object_set(head, "results", json_is_array(json_object_get(
	    o, "results")) ? json_object_get(o, "results") :
	    json_array()) == -1)
		goto out;
	for (i = 0; i < sizeof(kept_keys) / sizeof(kept_keys[0]); i++)
		if (json_object_get(o, kept_keys[i]) != NULL &&
		    json_object_set(head, kept_keys[i],
		    json_object_get(o, kept_keys[i])) == -1)
			goto out;
	/* o becomes head (its order: id, created, edited first) */
	if (json_object_clear(o) == -1 || json_object_update(o, head) == -1 ||
	    json_object_clear(sample) == -1 ||
	    json_object_update(sample, head) == -1)
		goto out;
	rc = SAMPLES_OK;
out:
	json_decref(head);
	return rc;
}

enum samples_err
samples_update(int results_fd, const char *id, json_t *sample)
{
	return sample_change(results_fd, id, update_change, sample);
}

json_t *
samples_load(int results_fd, const char *id)
{
	json_t	*o;
	int	 dirfd, e;

	if ((dirfd = samples_file_dir(results_fd, 0)) < 0)
		return NULL;
	o = samples_file_read(dirfd, id);
	e = errno;
	close(dirfd);
	errno = e;	/* callers tell absent (ENOENT) from broken */
	return o;
}

enum samples_err
samples_room(int results_fd, const char *id)
{
	json_t			*o = samples_load(results_fd, id);
	enum samples_err	 rc;

	if (o == NULL)
		return errno == ENOENT ? SAMPLES_ERR_NOTFOUND : SAMPLES_ERR_IO;
	rc = json_array_size(json_object_get(o, "results")) >=
	    SAMPLES_MAX_RESULTS ? SAMPLES_ERR_LIMIT : SAMPLES_OK;
	json_decref(o);
	return rc;
}

const char *
samples_selection_name(enum samples_selection s)
{
	return s == SAMPLES_SEL_TARGETED ? "targeted" : "random";
}

int
samples_selection_from_name(const char *name)
{
	if (name != NULL && strcmp(name, "random") == 0)
		return SAMPLES_SEL_RANDOM;
	if (name != NULL && strcmp(name, "targeted") == 0)
		return SAMPLES_SEL_TARGETED;
	return -1;
}

enum samples_selection
samples_field_selection(const json_t *sample, const char *result_id)
{
	const char	*v = json_string_value(json_object_get(json_object_get(
			    sample, "field_selection"), result_id));

	/* A field of a sample stored before marking existed: random. */
	return samples_selection_from_name(v) == SAMPLES_SEL_TARGETED ?
	    SAMPLES_SEL_TARGETED : SAMPLES_SEL_RANDOM;
}

/* The marking new fields of sample o get: its "new_field_selection". */
static enum samples_selection
new_selection(const json_t *o)
{
	return samples_selection_from_name(json_string_value(json_object_get(o,
	    "new_field_selection"))) == SAMPLES_SEL_TARGETED ?
	    SAMPLES_SEL_TARGETED : SAMPLES_SEL_RANDOM;
}

/* Set o's "field_selection"[rid] to s; -1 on ENOMEM. */
static int
mark_field(json_t *o, const char *rid, enum samples_selection s)
{
	json_t	*m = json_object_get(o, "field_selection");

	if (!json_is_object(m)) {
		if ((m = json_object()) == NULL ||
		    json_object_set_new(o, "field_selection", m) == -1)
			return -1;
	}
	return json_object_set_new(m, rid, json_string(
	    samples_selection_name(s)));
}

/* Index of rid in o's results, or -1. */
static long
result_index(const json_t *o, const char *rid)
{
	const json_t	*arr = json_object_get(o, "results");
	const char	*v;
	size_t		 i;

	for (i = 0; i < json_array_size(arr); i++) {
		v = json_string_value(json_array_get(arr, i));
		if (v != NULL && strcmp(v, rid) == 0)
			return (long)i;
	}
	return -1;
}

enum samples_err
samples_attach(int results_fd, const char *sample_id, const char *result_id)
{
	return samples_attach_as(results_fd, sample_id, result_id, -1);
}

struct attach_arg {
	const char	*rid;
	int		 selection;
};

/* samples_attach_as()'s change: the field and its marking in one write. */
static int
attach_change(json_t *o, void *arg)
{
	const struct attach_arg	*a = arg;
	json_t			*arr;

	if (!json_is_array(arr = json_object_get(o, "results"))) {
		arr = json_array();
		json_object_set_new(o, "results", arr);
	}
	if (result_index(o, a->rid) >= 0)
		return CHANGE_NONE;	/* already there: its marking stays */
	if (json_array_size(arr) >= SAMPLES_MAX_RESULTS)
		return SAMPLES_ERR_LIMIT;
	if (json_array_append_new(arr, json_string(a->rid)) == -1 ||
	    mark_field(o, a->rid, a->selection == SAMPLES_SEL_RANDOM ||
	    a->selection == SAMPLES_SEL_TARGETED ?
	    (enum samples_selection)a->selection : new_selection(o)) == -1)
		return SAMPLES_ERR_IO;
	return SAMPLES_OK;
}

enum samples_err
samples_attach_as(int results_fd, const char *sample_id,
    const char *result_id, int selection)
{
	struct attach_arg	 a = { result_id, selection };

	if (!id_valid(result_id) || !results_exists(results_fd, result_id))
		return SAMPLES_ERR_NOTFOUND;
	return sample_change(results_fd, sample_id, attach_change, &a);
}

/* One field's change to a sample, under the lock: edit(o, rid, arg). */
typedef int (*field_edit_fn)(json_t *o, const char *rid, const void *arg);

struct field_arg {
	const char	*rid;
	field_edit_fn	 edit;
	const void	*arg;
};

/* edit_field()'s change: the field's edit, when the sample holds it. */
static int
field_change(json_t *o, void *arg)
{
	const struct field_arg	*a = arg;

	if (result_index(o, a->rid) < 0)
		return SAMPLES_ERR_NOTFOUND;	/* not in this sample */
	return a->edit(o, a->rid, a->arg) == -1 ? SAMPLES_ERR_IO : SAMPLES_OK;
}

static enum samples_err
edit_field(int results_fd, const char *sample_id, const char *result_id,
    field_edit_fn edit, const void *arg)
{
	struct field_arg	 a = { result_id, edit, arg };

	if (!id_valid(result_id))
		return SAMPLES_ERR_NOTFOUND;
	return sample_change(results_fd, sample_id, field_change, &a);
}

static int
mark_edit(json_t *o, const char *rid, const void *arg)
{
	return mark_field(o, rid, *(const enum samples_selection *)arg);
}

enum samples_err
samples_mark(int results_fd, const char *sample_id, const char *result_id,
    enum samples_selection selection)
{
	return edit_field(results_fd, sample_id, result_id, mark_edit,
	    &selection);
}

struct include_arg {
	int		 include;
	const char	*by;
};

/* Set or remove o's "quality_include"[rid]; -1 on ENOMEM. */
static int
include_edit(json_t *o, const char *rid, const void *arg)
{
	const struct include_arg *a = arg;
	json_t		*m = json_object_get(o, "quality_include");
	char		 at[32];

	if (!json_is_object(m)) {
		if ((m = json_object()) == NULL ||
		    json_object_set_new(o, "quality_include", m) == -1)
			return -1;
	}
	if (!a->include) {
		json_object_del(m, rid);
		return 0;
	}
	timing_now_iso(at, sizeof(at));
	return json_object_set_new(m, rid, json_pack("{s:s,s:s}", "by",
	    a->by != NULL ? a->by : "", "at", at));
}

enum samples_err
samples_include_poor(int results_fd, const char *sample_id,
    const char *result_id, int include, const char *by)
{
	struct include_arg a = { include, by };

	return edit_field(results_fd, sample_id, result_id, include_edit, &a);
}

int
samples_poor_included(const json_t *sample, const char *result_id)
{
	return json_is_object(json_object_get(json_object_get(sample,
	    "quality_include"), result_id));
}

/* samples_set_new_selection()'s change. */
static int
selection_change(json_t *o, void *arg)
{
	const enum samples_selection *sel = arg;

	return json_object_set_new(o, "new_field_selection", json_string(
	    samples_selection_name(*sel))) == -1 ? SAMPLES_ERR_IO : SAMPLES_OK;
}

enum samples_err
samples_set_new_selection(int results_fd, const char *id,
    enum samples_selection selection)
{
	return sample_change(results_fd, id, selection_change, &selection);
}

enum samples_err
samples_detach(int results_fd, const char *sample_id, const char *result_id)
{
	return samples_detach_audit(results_fd, sample_id, result_id, NULL,
	    "taken_out");
}

const char *
samples_audit_by(const char *query, char *buf, size_t bufsz)
{
	const unsigned char	*c;

	if (bufsz < SAMPLES_BY_MAX + 2 || query == NULL ||
	    http_query_get(query, "by", buf, bufsz) == -1 ||
	    buf[0] == '\0' || strlen(buf) > SAMPLES_BY_MAX)
		return NULL;
	for (c = (const unsigned char *)buf; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			return NULL;
	return buf;
}

/* Append the audit entry of result_id leaving sample o. */
static int
audit_removed(json_t *o, const char *result_id, const char *by,
    const char *how)
{
	json_t	*list = json_object_get(o, "removed");
	char	 at[40];

	if (!json_is_array(list)) {
		if (json_object_set_new(o, "removed", json_array()) == -1)
			return -1;
		list = json_object_get(o, "removed");
	}
	timing_now_iso(at, sizeof(at));
	return json_array_append_new(list, json_pack("{s:s,s:s,s:s?,s:s}",
	    "result", result_id, "at", at, "by", by, "how", how));
}

struct detach_arg {
	const char	*rid, *by, *how;
};

/* samples_detach_audit()'s change: the field out, its leaving recorded. */
static int
detach_change(json_t *o, void *arg)
{
	const struct detach_arg	*a = arg;
	long			 i;

	if ((i = result_index(o, a->rid)) < 0)
		return SAMPLES_ERR_NOTFOUND;	/* not in this sample */
	json_array_remove(json_object_get(o, "results"), (size_t)i);
	json_object_del(json_object_get(o, "field_selection"), a->rid);
	return audit_removed(o, a->rid, a->by, a->how) == -1 ?
	    SAMPLES_ERR_IO : SAMPLES_OK;
}

enum samples_err
samples_detach_audit(int results_fd, const char *sample_id,
    const char *result_id, const char *by, const char *how)
{
	struct detach_arg	 a = { result_id, by, how };

	if (!id_valid(result_id))
		return SAMPLES_ERR_NOTFOUND;
	return sample_change(results_fd, sample_id, detach_change, &a);
}

int
samples_forget_result(int results_fd, const char *result_id, const char *by)
{
	json_t			*list, *d, *s;
	const char		*sid;
	size_t			 i;
	long			 k;
	int			 n = 0, failed = 0;
	enum samples_err	 e;

	if ((list = samples_list(results_fd, SIZE_MAX)) == NULL)
		return -1;
	json_array_foreach(list, i, d) {
		sid = json_string_value(json_object_get(d, "id"));
		if (sid == NULL || (s = samples_load(results_fd, sid)) == NULL)
			continue;
		k = result_index(s, result_id);
		json_decref(s);
		if (k < 0)
			continue;
		e = samples_detach_audit(results_fd, sid, result_id, by,
		    "result_deleted");
		if (e == SAMPLES_OK)
			n++;
		else if (e != SAMPLES_ERR_NOTFOUND)
			failed = 1;
	}
	json_decref(list);
	if (failed) {
		errno = EIO;
		return -1;
	}
	return n;
}

/*
 * Unlink sample id under the lock.  With cutoff not 0, only when its file
 * is still older than cutoff, read under the lock: a field attached since
 * the caller looked makes it new again, and it stays.  *removed says
 * whether it went.
 */
static enum samples_err
remove_if_old(int results_fd, const char *id, time_t cutoff, int *removed)
{
	char			 name[ID_LEN + 8], tmp[ID_LEN + 16];
	struct stat		 st;
	int			 dirfd, lockfd;
	enum samples_err	 rc = SAMPLES_OK;

	*removed = 0;
	if (!id_valid(id))
		return SAMPLES_ERR_NOTFOUND;
	if ((dirfd = samples_file_dir(results_fd, 0)) < 0)
		return errno_err(errno);
	snprintf(name, sizeof(name), "%s.json", id);
	snprintf(tmp, sizeof(tmp), ".tmp-%s.json", id);
	/* Under the lock, so a concurrent attach cannot resurrect it. */
	if ((lockfd = samples_file_lock(dirfd)) < 0)
		rc = errno_err(errno == ENOENT ? EIO : errno);
	else if (cutoff != 0 && fstatat(dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) == -1)
		rc = errno_err(errno);
	else if (cutoff != 0 && st.st_mtime >= cutoff)
		;			/* changed meanwhile: kept */
	else if (unlinkat(dirfd, name, 0) == -1)
		rc = errno_err(errno);
	else {
		*removed = 1;
		if (fsync(dirfd) == -1)		/* gone for every reader */
			log_warn("samples: fsync after removing %s", name);
		(void)unlinkat(dirfd, tmp, 0);	/* a crashed writer's */
	}
	samples_file_unlock(lockfd);
	close(dirfd);
	return rc;
}

enum samples_err
samples_remove(int results_fd, const char *id)
{
	int	 removed;

	return remove_if_old(results_fd, id, 0, &removed);
}

int
samples_sweep(int results_fd)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 len;
	int		 fd, lockfd, n = 0;

	if ((fd = samples_file_dir(results_fd, 0)) < 0)
		return 0;
	/* every writer holds the lock while its temporary exists */
	if ((lockfd = samples_file_lock(fd)) < 0 || (d = fdopendir(fd)) == NULL) {
		samples_file_unlock(lockfd);
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, ".tmp-", 5) == 0 && len > 10 &&
		    strcmp(de->d_name + len - 5, ".json") == 0 &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	samples_file_unlock(lockfd);
	return n;
}

int
samples_expire(int results_fd, int days)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 id[ID_LEN + 1];
	time_t		 cutoff;
	int		 fd, n = 0, removed;

	if (days <= 0 || (fd = samples_file_dir(results_fd, 0)) < 0)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	cutoff = time(NULL) - (time_t)days * 86400;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != ID_LEN + 5 ||
		    strcmp(de->d_name + ID_LEN, ".json") != 0)
			continue;
		memcpy(id, de->d_name, ID_LEN);
		id[ID_LEN] = '\0';
		/* a first look without the lock; decided under it */
		if (!id_valid(id) || fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || st.st_mtime >= cutoff)
			continue;
		if (remove_if_old(results_fd, id, cutoff, &removed) ==
		    SAMPLES_OK && removed)
			n++;
	}
	closedir(d);
	return n;
}

static int
digest_cmp(const void *a, const void *b)
{
	const char	*x, *y;

	x = json_string_value(json_object_get(*(json_t *const *)a, "created"));
	y = json_string_value(json_object_get(*(json_t *const *)b, "created"));
	/* ISO 8601 UTC strings sort as times; newest first. */
	return strcmp(y ? y : "", x ? x : "");
}

json_t *
samples_list(int results_fd, size_t limit)
{
	DIR		*d;
	struct dirent	*de;
	json_t		*arr, *o, *dg, **v = NULL, **nv;
	char		 id[ID_LEN + 1];
	size_t		 n = 0, cap = 0, i, len;
	int		 fd;

	if ((arr = json_array()) == NULL)
		return NULL;
	if ((fd = samples_file_dir(results_fd, 0)) < 0)
		return arr;		/* no sample yet */
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return arr;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len != ID_LEN + 5 || strcmp(de->d_name + ID_LEN, ".json"))
			continue;
		memcpy(id, de->d_name, ID_LEN);
		id[ID_LEN] = '\0';
		if ((o = samples_file_read(dirfd(d), id)) == NULL)
			continue;
		dg = json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:I}",
		    "id", json_object_get(o, "id"),
		    "created", json_object_get(o, "created"),
		    "code", json_object_get(o, "code"),
		    "preparation", json_object_get(o, "preparation"),
		    "profile", json_object_get(o, "profile"),
		    "note", json_object_get(o, "note"),
		    "fields", (json_int_t)json_array_size(
		    json_object_get(o, "results")));
		json_decref(o);
		if (dg == NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				json_decref(dg);
				break;
			}
			v = nv;
		}
		v[n++] = dg;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), digest_cmp);
	for (i = 0; i < n; i++) {
		if (i < limit)
			json_array_append(arr, v[i]);
		json_decref(v[i]);
	}
	free(v);
	return arr;
}

json_t *
samples_stamps(int results_fd)
{
	return samples_file_stamps(results_fd);
}
