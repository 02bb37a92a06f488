/* micstore.c: each microscope's state on disk: its checked fields and its adaptation versions */
/*
 * A few microscopes per box, each a small JSON file changed rarely (a
 * review marked checked, an adaptation, a rollback), so one file per
 * microscope and a lock per change is plenty.  The lock is a separate
 * file because the state file itself is replaced by rename(2) on each
 * change: a lock held on the old inode would not exclude a writer that
 * opened the new one.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* openat(2), O_CLOEXEC under -std=c11 */
#endif

#include "store/micstore.h"
#include "store/fsutil.h"
#include "store/ids.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MICSTORE_DIR	"microscopes"

int
micstore_name_valid(const char *s)
{
	size_t	 n = s != NULL ? strlen(s) : 0, i;

	if (n == 0 || n > MICSTORE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("-_.:", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* The microscopes directory, created when create is set; -1 with errno. */
static int
open_dir(int results_fd, int create)
{
	int	 fd;

	fd = openat(results_fd, MICSTORE_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(results_fd, MICSTORE_DIR, 0755) == -1 && errno != EEXIST)
		return -1;
	return openat(results_fd, MICSTORE_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
}

json_t *
micstore_load(int results_fd, const char *name)
{
	char	 path[MICSTORE_NAME_MAX + 16];
	json_t	*o;
	int	 dfd, e;

	if (!micstore_name_valid(name)) {
		errno = EINVAL;
		return NULL;
	}
	if ((dfd = open_dir(results_fd, 0)) < 0)
		return NULL;
	snprintf(path, sizeof(path), "m-%s.json", name);
	o = fsutil_load_json(dfd, path);
	e = errno;
	close(dfd);
	errno = e;
	return o;
}

/* Write state as dfd's m-<name>.json: temporary, fsync, rename. */
static int
write_state(int dfd, const char *name, const json_t *state)
{
	char	 tmp[ID_LEN + 16], path[MICSTORE_NAME_MAX + 16], rnd[ID_LEN + 1];
	char	*s;
	int	 fd, e = 0;

	if (id_new(rnd) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), ".mc-%s", rnd);
	snprintf(path, sizeof(path), "m-%s.json", name);
	if ((s = json_dumps(state, JSON_INDENT(1) | JSON_REAL_PRECISION(
	    10))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0 || fsutil_write_all(fd, s, strlen(s)) == -1 ||
	    fsutil_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1)
		e = errno;
	if (fd >= 0 && close(fd) == -1 && e == 0)
		e = errno;
	if (e == 0 && renameat(dfd, tmp, dfd, path) == -1)
		e = errno;
	free(s);
	if (e != 0) {
		(void)unlinkat(dfd, tmp, 0);
		errno = e;
		return -1;
	}
	(void)fsync(dfd);
	return 0;
}

int
micstore_update(int results_fd, const char *name,
    int (*fn)(json_t *state, void *arg), void *arg)
{
	char	 path[MICSTORE_NAME_MAX + 16];
	json_t	*state = NULL;
	int	 dfd, lfd = -1, rc = -1, e = 0;

	if (!micstore_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	if ((dfd = open_dir(results_fd, 1)) < 0)
		return -1;
	snprintf(path, sizeof(path), "m-%s.lock", name);
	if ((lfd = openat(dfd, path, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0 || flock(lfd, LOCK_EX) == -1) {
		e = errno;
		goto out;
	}
	snprintf(path, sizeof(path), "m-%s.json", name);
	if ((state = fsutil_load_json(dfd, path)) == NULL) {
		if (errno != ENOENT) {
			e = errno;
			goto out;
		}
		state = json_pack("{s:s,s:[],s:[],s:i}", "microscope", name,
		    "checked", "versions", "current", 0);
		if (state == NULL) {
			e = ENOMEM;
			goto out;
		}
	}
	rc = fn(state, arg);
	if (rc == 0 && write_state(dfd, name, state) == -1) {
		e = errno;
		rc = -1;
	}
out:
	json_decref(state);
	if (lfd >= 0)
		close(lfd);		/* unlocks */
	close(dfd);
	errno = e;
	return rc;
}

struct mark {
	const char	*id;
	int		 checked;
};

static int
mark_fn(json_t *state, void *arg)
{
	const struct mark	*m = arg;
	json_t			*list = json_object_get(state, "checked");
	size_t			 i;

	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(state, "checked", list);
	}
	for (i = 0; i < json_array_size(list); i++)
		if (json_is_string(json_array_get(list, i)) &&
		    strcmp(json_string_value(json_array_get(list, i)),
		    m->id) == 0)
			break;
	if (i < json_array_size(list)) {
		if (m->checked)
			return 1;	/* already there */
		json_array_remove(list, i);
		return 0;
	}
	if (!m->checked)
		return 1;
	if (json_array_size(list) >= MICSTORE_MAX_CHECKED) {
		errno = ENOSPC;
		return -1;
	}
	return json_array_append_new(list, json_string(m->id)) == 0 ? 0 : -1;
}

int
micstore_mark(int results_fd, const char *name, const char *id, int checked)
{
	struct mark	 m = { id, checked != 0 };

	if (!id_valid(id)) {
		errno = EINVAL;
		return -1;
	}
	return micstore_update(results_fd, name, mark_fn, &m) == -1 ? -1 : 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *
micstore_list(int results_fd)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL, **nv, name[MICSTORE_NAME_MAX + 1];
	size_t		 n = 0, cap = 0, len, i;
	json_t		*out;
	int		 dfd;

	if ((out = json_array()) == NULL)
		return NULL;
	if ((dfd = open_dir(results_fd, 0)) < 0 || (d = fdopendir(dfd)) ==
	    NULL) {
		if (dfd >= 0)
			close(dfd);
		return out;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 8 || len - 7 > MICSTORE_NAME_MAX ||
		    strncmp(de->d_name, "m-", 2) != 0 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		memcpy(name, de->d_name + 2, len - 7);
		name[len - 7] = '\0';
		if (!micstore_name_valid(name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		if ((v[n] = strdup(name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		json_array_append_new(out, json_string(v[i]));
		free(v[i]);
	}
	free(v);
	return out;
}

/* ---- models kept for a microscope -------------------------------------- */

/* Write files into the empty folder fd; 0 or -1 with errno. */
static int
put_files(int fd, const struct micstore_file *files, size_t n)
{
	size_t	 i;
	int	 f, e;

	for (i = 0; i < n; i++) {
		if (strchr(files[i].name, '/') != NULL) {
			errno = EINVAL;
			return -1;
		}
		if ((f = openat(fd, files[i].name, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
			return -1;
		if (fsutil_write_all(f, files[i].data, files[i].len) == -1 ||
		    fsync(f) == -1) {
			e = errno;
			close(f);
			errno = e;
			return -1;
		}
		if (close(f) == -1)
			return -1;
	}
	return fsync(fd);
}

static void
remove_tmp(int mfd, const char *tmp, const struct micstore_file *files,
    size_t n)
{
	int	 fd = openat(mfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	size_t	 i;

	for (i = 0; fd >= 0 && i < n; i++)
		(void)unlinkat(fd, files[i].name, 0);
	if (fd >= 0)
		close(fd);
	(void)unlinkat(mfd, tmp, AT_REMOVEDIR);
}

int
micstore_put_model(int results_fd, const char *name,
    const struct micstore_file *files, size_t n, char *dir, size_t dirlen)
{
	char	 tmp[ID_LEN + 16], final[MICSTORE_NAME_MAX + ID_LEN + 8];
	char	 rnd[ID_LEN + 1];
	int	 dfd, mfd = -1, fd = -1, e = 0;

	if (!micstore_name_valid(name) || id_new(rnd) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((dfd = open_dir(results_fd, 1)) < 0)
		return -1;
	if ((mkdirat(dfd, "models", 0755) == -1 && errno != EEXIST) ||
	    (mfd = openat(dfd, "models", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		e = errno;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".tmp-%s", rnd);
	snprintf(final, sizeof(final), "%s-%s", name, rnd);
	if (mkdirat(mfd, tmp, 0755) == -1 || (fd = openat(mfd, tmp,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    put_files(fd, files, n) == -1 ||
	    renameat(mfd, tmp, mfd, final) == -1) {
		e = errno;
		remove_tmp(mfd, tmp, files, n);
		goto out;
	}
	(void)fsync(mfd);
	if ((size_t)snprintf(dir, dirlen, "models/%s", final) >= dirlen)
		e = ENAMETOOLONG;
out:
	if (fd >= 0)
		close(fd);
	if (mfd >= 0)
		close(mfd);
	close(dfd);
	errno = e;
	return e ? -1 : 0;
}

/* Whether a version of state keeps its files in models/<ent>. */
static int
model_named(const json_t *state, const char *ent)
{
	const json_t	*v;
	const char	*d;
	size_t		 i;

	json_array_foreach(json_object_get(state, "versions"), i, v)
		if ((d = json_string_value(json_object_get(v, "dir"))) !=
		    NULL && strncmp(d, "models/", 7) == 0 && strcmp(d + 7,
		    ent) == 0)
			return 1;
	return 0;
}

/* Remove the folder ent of mfd and the plain files in it. */
static int
remove_model(int mfd, const char *ent)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if ((fd = openat(mfd, ent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") !=
		    0)
			(void)unlinkat(fd, de->d_name, 0);
	closedir(d);
	return unlinkat(mfd, ent, AT_REMOVEDIR);
}

int
micstore_sweep_models(int results_fd, const char *name, const json_t *state)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 nl = strlen(name);
	int		 dfd, mfd, n = 0;

	if (!micstore_name_valid(name) || (dfd = open_dir(results_fd, 0)) < 0)
		return 0;
	mfd = openat(dfd, "models", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(dfd);
	if (mfd < 0 || (d = fdopendir(dup(mfd))) == NULL) {
		if (mfd >= 0)
			close(mfd);
		return 0;
	}
	/* <name>-<id>: another microscope's "<name>-x-<id>" is longer */
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, name, nl) == 0 && de->d_name[nl] ==
		    '-' && strlen(de->d_name + nl + 1) == ID_LEN &&
		    !model_named(state, de->d_name) &&
		    remove_model(mfd, de->d_name) == 0)
			n++;
	closedir(d);
	close(mfd);
	return n;
}

int
micstore_model_path(const char *results_dir, const char *dir,
    const char *file, char *out, size_t outlen)
{
	if (strncmp(dir, "models/", 7) != 0 || strstr(dir, "..") != NULL ||
	    strchr(dir + 7, '/') != NULL || strchr(file, '/') != NULL ||
	    (size_t)snprintf(out, outlen, "%s/%s/%s/%s", results_dir,
	    MICSTORE_DIR, dir, file) >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* ---- the per-process cache --------------------------------------------- */

#define CACHE_SLOTS	8
#define CACHE_KEY_MAX	256

static struct cache_slot {
	char			 name[MICSTORE_NAME_MAX + 1];
	char			 key[CACHE_KEY_MAX];
	struct micstore_stamp	 stamp;
	json_t			*value;
	unsigned long		 used;		/* least recently used goes */
} cache[CACHE_SLOTS];
static unsigned long cache_clock;

void
micstore_cache_stamp(int results_fd, const char *name,
    struct micstore_stamp *s)
{
	char		 path[MICSTORE_NAME_MAX + 32];
	struct stat	 st;

	memset(s, 0, sizeof(*s));
	if (!micstore_name_valid(name))
		return;
	snprintf(path, sizeof(path), MICSTORE_DIR "/m-%s.json", name);
	if (fstatat(results_fd, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	*s = (struct micstore_stamp){ (unsigned long long)st.st_ino,
	    (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec,
	    (long long)st.st_mtim.tv_nsec, 1 };
}

static int
stamp_eq(const struct micstore_stamp *a, const struct micstore_stamp *b)
{
	return a->valid && b->valid && a->ino == b->ino && a->size == b->size &&
	    a->sec == b->sec && a->nsec == b->nsec;
}

int
micstore_cache_get(int results_fd, const char *name, const char *key,
    json_t **value)
{
	struct micstore_stamp	 now;

	micstore_cache_stamp(results_fd, name, &now);
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].name[0] != '\0' && strcmp(cache[i].name, name) ==
		    0 && strcmp(cache[i].key, key) == 0 &&
		    stamp_eq(&cache[i].stamp, &now)) {
			cache[i].used = ++cache_clock;
			*value = json_incref(cache[i].value);
			return 1;
		}
	*value = NULL;
	return 0;
}

void
micstore_cache_put(const char *name, const char *key,
    const struct micstore_stamp *stamp, json_t *value)
{
	int	 k = 0;

	if (!stamp->valid || strlen(name) > MICSTORE_NAME_MAX ||
	    strlen(key) >= CACHE_KEY_MAX)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (strcmp(cache[i].name, name) == 0 &&
		    strcmp(cache[i].key, key) == 0) {
			k = i;
			break;
		}
		if (cache[i].used < cache[k].used)
			k = i;
	}
	json_decref(cache[k].value);
	snprintf(cache[k].name, sizeof(cache[k].name), "%s", name);
	snprintf(cache[k].key, sizeof(cache[k].key), "%s", key);
	cache[k].stamp = *stamp;
	cache[k].value = json_incref(value);
	cache[k].used = ++cache_clock;
}
