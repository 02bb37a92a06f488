/* samples.c: the sample store, sample summaries and the /api/samples routes */
/*
 * A sample is one preparation (a smear or a counting chamber) of one
 * person, identified by a code, never a name, with the few facts the WHO
 * anaemia cutoffs need, and the ids of the analysed images (fields) that
 * belong to it.  The stored file holds only those facts and ids: the
 * summary is recomputed from each result.json on every request, so a
 * deleted result or an edited calibration shows at once and nothing can
 * go stale.  Store layout and locking: see samples.h.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* flock(2), openat(2) under -std=c11 */
#endif

#include "samples.h"
#include "app.h"
#include "clinical.h"
#include "estimates.h"
#include "http.h"
#include "fsutil.h"
#include "ids.h"
#include "results.h"
#include "review.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_DIR		"samples"
#define SAMPLES_LOCK		".lock"
#define SAMPLES_CODE_MAX	32
#define SAMPLES_NOTE_MAX	500
#define SAMPLES_BODY_MAX	(64 * 1024)

static const char disclaimer[] =
    "Screening aid, not a diagnosis. Counts come from an automated detector "
    "on a few images and can be wrong; estimates from a photo rest on the "
    "calibration and assumptions shown; anaemia is defined by haemoglobin. "
    "Confirm any abnormal or unexpected result with standard laboratory "
    "methods and a qualified clinician.";

/* ---- sentences in other languages ------------------------------------ */

/*
 * Every English sentence a summary or an error carries in a field "x" has
 * a sibling "x_i18n": the same sentences as a list of {"code", "params"},
 * which a client words in its own language (the web page: "msg.<code>" in
 * htdocs/js/i18n.js) and shows in place of the English.  A number in
 * params is rounded to exactly the digits the English shows (shown() and
 * est_fmt() round alike), so both forms always state the same figures.
 */

/* Append {"code": code, "params": params} to list; steals params (NULL: {}). */
static void
msg_add(json_t *list, const char *code, json_t *params)
{
	if (params == NULL)
		params = json_object();
	json_array_append_new(list, json_pack("{s:s,s:o}", "code", code,
	    "params", params));
}

/* New list holding one message; steals params (NULL: {}). */
static json_t *
msg_list(const char *code, json_t *params)
{
	json_t	*l = json_array();

	if (l == NULL)
		json_decref(params);
	else
		msg_add(l, code, params);
	return l;
}

/* x rounded half away from zero to d decimals, never -0: as est_fmt() shows. */
static double
shown(double x, int d)
{
	double	 m = pow(10, d), v = round(x * m) / m;

	return v == 0 ? 0 : v;
}

/* shown(x, d) as JSON: an integer when d is 0. */
static json_t *
jnum(double x, int d)
{
	return d <= 0 ? json_integer((json_int_t)llround(x)) :
	    json_real(shown(x, d));
}

/* How many bytes of s, at most max, end on a UTF-8 character boundary. */
static int
utf8_cut(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* ---- store ----------------------------------------------------------- */

static enum samples_err
errno_err(int e)
{
	if (e == ENOENT)
		return SAMPLES_ERR_NOTFOUND;
	return (e == ENOSPC || e == EDQUOT) ? SAMPLES_ERR_FULL :
	    SAMPLES_ERR_IO;
}

/* fd of <results>/samples, created on first use; -1 with errno. */
static int
open_dir(int results_fd, int create)
{
	int	 fd;

	fd = openat(results_fd, SAMPLES_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(results_fd, SAMPLES_DIR, 0755) == -1 && errno != EEXIST)
		return -1;
	return openat(results_fd, SAMPLES_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
}

/* Exclusive lock serialising writers of every sample; -1 with errno. */
static int
lock_take(int dirfd)
{
	int	 fd;

	fd = openat(dirfd, SAMPLES_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing the last fd drops the flock */
}

/*
 * Publish obj as <id>.json: temporary file, fsync, rename, fsync of the
 * directory (so the rename itself survives a crash).  Called under the
 * lock, so one temporary name per id suffices.
 */
static int
write_sample(int dirfd, const char *id, const json_t *obj)
{
	char	 tmp[ID_LEN + 16], name[ID_LEN + 8], *s;
	int	 fd, e;

	snprintf(tmp, sizeof(tmp), ".tmp-%s.json", id);
	snprintf(name, sizeof(name), "%s.json", id);
	if ((s = json_dumps(obj, JSON_INDENT(1))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	(void)unlinkat(dirfd, tmp, 0);	/* leftover of a crashed writer */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	if (fsutil_write_all(fd, s, strlen(s)) == -1 ||
	    fsutil_write_all(fd, "\n", 1) == -1 ||
	    fsync(fd) == -1) {
		e = errno;
		close(fd);
		errno = e;
		goto fail_unlink;
	}
	if (close(fd) == -1 || renameat(dirfd, tmp, dirfd, name) == -1)
		goto fail_unlink;
	free(s);
	return fsync(dirfd);
fail_unlink:
	e = errno;
	(void)unlinkat(dirfd, tmp, 0);
	errno = e;
fail:
	e = errno;
	free(s);
	errno = e;
	return -1;
}

static json_t *
read_sample(int dirfd, const char *id)
{
	char		 name[ID_LEN + 8];

	if (!id_valid(id)) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(name, sizeof(name), "%s.json", id);
	return fsutil_load_json(dirfd, name);
}

static void
now_iso(char *buf, size_t bufsz)
{
	time_t		 t = time(NULL);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum samples_err
samples_create(int results_fd, json_t *sample, char *id_out, size_t id_outsz)
{
	char			 id[ID_LEN + 1], created[32];
	json_t			*head = NULL;
	int			 dirfd, lockfd = -1;
	enum samples_err	 rc;

	if ((dirfd = open_dir(results_fd, 1)) < 0)
		return errno_err(errno == ENOENT ? EIO : errno);
	if (id_new(id) == -1) {
		rc = SAMPLES_ERR_IO;
		goto out;
	}
	now_iso(created, sizeof(created));
	/* id and created first: the stored file reads top-down. */
	if ((head = json_pack("{s:s,s:s}", "id", id, "created",
	    created)) == NULL || json_object_update(head, sample) == -1 ||
	    json_object_set_new(head, "results", json_array()) == -1 ||
	    json_object_clear(sample) == -1 ||
	    json_object_update(sample, head) == -1) {
		rc = SAMPLES_ERR_IO;
		goto out;
	}
	if ((lockfd = lock_take(dirfd)) < 0 ||
	    write_sample(dirfd, id, sample) == -1) {
		rc = errno_err(errno == ENOENT ? EIO : errno);
		goto out;
	}
	snprintf(id_out, id_outsz, "%s", id);
	rc = SAMPLES_OK;
out:
	json_decref(head);
	lock_release(lockfd);
	close(dirfd);
	return rc;
}

enum samples_err
samples_update(int results_fd, const char *id, json_t *sample)
{
	char			 edited[32];
	json_t			*old = NULL, *head = NULL;
	int			 dirfd, lockfd = -1;
	enum samples_err	 rc;

	if (!id_valid(id))
		return SAMPLES_ERR_NOTFOUND;
	if ((dirfd = open_dir(results_fd, 0)) < 0)
		return errno_err(errno);
	if ((lockfd = lock_take(dirfd)) < 0) {
		rc = errno_err(errno == ENOENT ? EIO : errno);
		goto out;
	}
	/* Under the lock: a field added meanwhile is kept. */
	if ((old = read_sample(dirfd, id)) == NULL) {
		rc = errno_err(errno);
		goto out;
	}
	now_iso(edited, sizeof(edited));
	if ((head = json_pack("{s:O?,s:O?,s:s}", "id", json_object_get(old,
	    "id"), "created", json_object_get(old, "created"), "edited",
	    edited)) == NULL || json_object_update(head, sample) == -1 ||
	    json_object_set(head, "results", json_is_array(json_object_get(
	    old, "results")) ? json_object_get(old, "results") :
	    json_array()) == -1) {
		rc = SAMPLES_ERR_IO;
		goto out;
	}
	if (write_sample(dirfd, id, head) == -1) {
		rc = errno_err(errno == ENOENT ? EIO : errno);
		goto out;
	}
	json_object_clear(sample);
	json_object_update(sample, head);
	rc = SAMPLES_OK;
out:
	json_decref(head);
	json_decref(old);
	lock_release(lockfd);
	close(dirfd);
	return rc;
}

json_t *
samples_load(int results_fd, const char *id)
{
	json_t	*o;
	int	 dirfd, e;

	if ((dirfd = open_dir(results_fd, 0)) < 0)
		return NULL;
	o = read_sample(dirfd, id);
	e = errno;
	close(dirfd);
	errno = e;	/* callers tell absent (ENOENT) from broken */
	return o;
}

int
samples_exists(int results_fd, const char *id)
{
	json_t	*o = samples_load(results_fd, id);

	json_decref(o);
	return o != NULL;
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

enum samples_err
samples_attach(int results_fd, const char *sample_id, const char *result_id)
{
	json_t			*o = NULL, *arr;
	size_t			 i;
	int			 dirfd, lockfd = -1;
	enum samples_err	 rc = SAMPLES_ERR_NOTFOUND;

	if (!id_valid(sample_id) || !id_valid(result_id) ||
	    !results_exists(results_fd, result_id))
		return SAMPLES_ERR_NOTFOUND;
	if ((dirfd = open_dir(results_fd, 0)) < 0)
		return errno_err(errno);
	if ((lockfd = lock_take(dirfd)) < 0) {
		rc = errno_err(errno == ENOENT ? EIO : errno);
		goto out;
	}
	/* Read under the lock: another writer may just have added a field. */
	if ((o = read_sample(dirfd, sample_id)) == NULL) {
		rc = errno_err(errno);
		goto out;
	}
	if (!json_is_array(arr = json_object_get(o, "results"))) {
		arr = json_array();
		json_object_set_new(o, "results", arr);
	}
	for (i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)) ?
		    json_string_value(json_array_get(arr, i)) : "",
		    result_id) == 0) {
			rc = SAMPLES_OK;
			goto out;
		}
	if (json_array_size(arr) >= SAMPLES_MAX_RESULTS) {
		rc = SAMPLES_ERR_LIMIT;
		goto out;
	}
	if (json_array_append_new(arr, json_string(result_id)) == -1) {
		rc = SAMPLES_ERR_IO;
		goto out;
	}
	rc = write_sample(dirfd, sample_id, o) == -1 ?
	    errno_err(errno == ENOENT ? EIO : errno) : SAMPLES_OK;
out:
	json_decref(o);
	lock_release(lockfd);
	close(dirfd);
	return rc;
}

enum samples_err
samples_detach(int results_fd, const char *sample_id, const char *result_id)
{
	json_t			*o = NULL, *arr;
	const char		*v;
	size_t			 i;
	int			 dirfd, lockfd = -1;
	enum samples_err	 rc = SAMPLES_ERR_NOTFOUND;

	if (!id_valid(sample_id) || !id_valid(result_id))
		return SAMPLES_ERR_NOTFOUND;
	if ((dirfd = open_dir(results_fd, 0)) < 0)
		return errno_err(errno);
	if ((lockfd = lock_take(dirfd)) < 0) {
		rc = errno_err(errno == ENOENT ? EIO : errno);
		goto out;
	}
	if ((o = read_sample(dirfd, sample_id)) == NULL) {
		rc = errno_err(errno);
		goto out;
	}
	arr = json_object_get(o, "results");
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_string_value(json_array_get(arr, i));
		if (v != NULL && strcmp(v, result_id) == 0)
			break;
	}
	if (i == json_array_size(arr))
		goto out;		/* not in this sample */
	json_array_remove(arr, i);
	rc = write_sample(dirfd, sample_id, o) == -1 ?
	    errno_err(errno == ENOENT ? EIO : errno) : SAMPLES_OK;
out:
	json_decref(o);
	lock_release(lockfd);
	close(dirfd);
	return rc;
}

enum samples_err
samples_remove(int results_fd, const char *id)
{
	char			 name[ID_LEN + 8], tmp[ID_LEN + 16];
	int			 dirfd, lockfd;
	enum samples_err	 rc = SAMPLES_OK;

	if (!id_valid(id))
		return SAMPLES_ERR_NOTFOUND;
	if ((dirfd = open_dir(results_fd, 0)) < 0)
		return errno_err(errno);
	snprintf(name, sizeof(name), "%s.json", id);
	snprintf(tmp, sizeof(tmp), ".tmp-%s.json", id);
	/* Under the lock, so a concurrent attach cannot resurrect it. */
	if ((lockfd = lock_take(dirfd)) < 0)
		rc = errno_err(errno == ENOENT ? EIO : errno);
	else if (unlinkat(dirfd, name, 0) == -1 || fsync(dirfd) == -1)
		rc = errno_err(errno);
	else
		(void)unlinkat(dirfd, tmp, 0);	/* a crashed writer's */
	lock_release(lockfd);
	close(dirfd);
	return rc;
}

int
samples_expire(int results_fd, int days)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 id[ID_LEN + 1];
	time_t		 cutoff;
	int		 fd, n = 0;

	if (days <= 0 || (fd = open_dir(results_fd, 0)) < 0)
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
		if (!id_valid(id) || fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || st.st_mtime >= cutoff)
			continue;
		if (samples_remove(results_fd, id) == SAMPLES_OK)
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
	if ((fd = open_dir(results_fd, 0)) < 0)
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
		if ((o = read_sample(dirfd(d), id)) == NULL)
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

int
samples_add_result(const char *results_dir, const char *sample_id,
    const char *result_id, char *err, size_t errsz)
{
	int			 fd;
	enum samples_err	 rc;

	if (!id_valid(sample_id) || !id_valid(result_id)) {
		snprintf(err, errsz, "invalid sample or result id");
		errno = EINVAL;
		return -1;
	}
	fd = open(results_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", results_dir, strerror(errno));
		return -1;
	}
	rc = samples_attach(fd, sample_id, result_id);
	close(fd);
	switch (rc) {
	case SAMPLES_OK:
		return 0;
	case SAMPLES_ERR_NOTFOUND:
		snprintf(err, errsz, "no sample %s or result %s", sample_id,
		    result_id);
		errno = ENOENT;
		break;
	case SAMPLES_ERR_LIMIT:
		snprintf(err, errsz, "sample %s already holds %d results",
		    sample_id, SAMPLES_MAX_RESULTS);
		errno = EFBIG;
		break;
	case SAMPLES_ERR_FULL:
		snprintf(err, errsz, "results directory full");
		errno = ENOSPC;
		break;
	default:
		snprintf(err, errsz, "cannot update sample %s", sample_id);
		errno = EIO;
		break;
	}
	return -1;
}

/* ---- validation ------------------------------------------------------ */

static const char *const known_fields[] = {
	"code", "age", "age_unit", "sex", "pregnant", "trimester",
	"hemoglobin", "hemoglobin_unit", "altitude_m", "smoker",
	"packs_per_day", "note", "preparation", "profile", "dilution", NULL
};

static int
is_known_field(const char *k)
{
	size_t	 i;

	for (i = 0; known_fields[i] != NULL; i++)
		if (strcmp(k, known_fields[i]) == 0)
			return 1;
	return 0;
}

/*
 * Optional number field: 0 absent/null, 1 present (in *v), -1 wrong type
 * or outside [min, max].
 */
static int
opt_num(const json_t *in, const char *key, double min, double max, double *v)
{
	json_t	*j = json_object_get(in, key);

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return (*v < min || *v > max || isnan(*v)) ? -1 : 1;
}

/* Optional boolean: 0 absent (*b = 0), 1 present, -1 wrong type. */
static int
opt_bool(const json_t *in, const char *key, int *b)
{
	json_t	*j = json_object_get(in, key);

	*b = 0;
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_boolean(j))
		return -1;
	*b = json_is_true(j);
	return 1;
}

static int
code_ok(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > SAMPLES_CODE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

/* Printable text (UTF-8 checked by jansson), newlines and tabs allowed. */
static int
note_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len > SAMPLES_NOTE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n' &&
		    s[i] != '\t') || s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * Refuse with an English message (err) and its code and params for
 * *msgs; FIELD(name) is the params of a message about one field.
 */
#define BAD(code, params, ...)	do { fcode = (code); fparams = (params); \
			    snprintf(err, errsz, __VA_ARGS__); goto fail; \
			    } while (0)
#define MISSING(code, params, ...) do { *missing = 1; \
			    BAD(code, params, __VA_ARGS__); } while (0)
#define FIELD(name)	json_pack("{s:s}", "field", (name))

json_t *
samples_validate(const json_t *in, const struct clinical *c, char *err,
    size_t errsz, int *missing, json_t **msgs)
{
	const struct clinical_profile	*prof = NULL;
	json_t				*out, *j, *fparams = NULL;
	const char			*key, *s, *unit, *prep_s, *pname;
	const char			*fcode = "bad_request";
	char				 num[32];
	int				 cut;
	double				 age = 0, hb = 0, alt = 0, ppd = 0;
	double				 tri = 0, dil = 0, age_months = -1;
	int				 has_age, has_hb, has_alt, has_ppd;
	int				 has_tri, has_dil, pregnant, smoker;
	int				 prep;
	enum est_sex			 sex = EST_SEX_UNKNOWN;

	*missing = 0;
	if (msgs != NULL)
		*msgs = NULL;
	if ((out = json_object()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (!json_is_object(in))
		BAD("body_not_object", NULL, "The body must be a JSON object.");
	json_object_foreach((json_t *)in, key, j)
		if (!is_known_field(key)) {
			cut = utf8_cut(key, 40);
			BAD("unknown_field", json_pack("{s:s#}", "field", key,
			    cut), "Unknown field \"%.*s\".", cut,
			    key);
		}

	if ((j = json_object_get(in, "code")) == NULL)
		MISSING("code_required", FIELD("code"), "Field \"code\" is "
		    "required (a sample code, never a patient name).");
	if ((s = json_string_value(j)) == NULL || !code_ok(s))
		BAD("code_invalid", json_pack("{s:s,s:i}", "field", "code",
		    "max", SAMPLES_CODE_MAX), "Field \"code\": 1 to %d "
		    "characters from A-Z a-z 0-9 . _ - (a sample code, never a "
		    "patient name).", SAMPLES_CODE_MAX);
	json_object_set_new(out, "code", json_string(s));

	if ((has_age = opt_num(in, "age", 0, 1560, &age)) == -1)
		BAD("age_invalid", FIELD("age"),
		    "Field \"age\" must be a number >= 0.");
	unit = json_string_value(json_object_get(in, "age_unit"));
	if (has_age) {
		if (unit == NULL)
			MISSING("age_unit_required", FIELD("age_unit"),
			    "Field \"age_unit\" (\"years\" or \"months\") "
			    "is required with \"age\"; give months for "
			    "children under 5.");
		if (strcmp(unit, "months") == 0)
			age_months = age;
		else if (strcmp(unit, "years") == 0 && age <= 130)
			age_months = age * 12;
		else
			BAD("age_unit_invalid", FIELD("age_unit"),
			    "Field \"age_unit\" must be \"years\" (age up to "
			    "130) or \"months\".");
		json_object_set_new(out, "age", json_pack("{s:f,s:s}",
		    "value", age, "unit", unit));
		json_object_set_new(out, "age_months", json_real(age_months));
	} else if (json_object_get(in, "age_unit") != NULL &&
	    !json_is_null(json_object_get(in, "age_unit")))
		BAD("age_unit_without_age", FIELD("age_unit"),
		    "Field \"age_unit\" given without \"age\".");
	else {
		json_object_set_new(out, "age", json_null());
		json_object_set_new(out, "age_months", json_null());
	}

	j = json_object_get(in, "sex");
	s = j == NULL || json_is_null(j) ? "unknown" : json_string_value(j);
	if (s != NULL && strcmp(s, "female") == 0)
		sex = EST_SEX_FEMALE;
	else if (s != NULL && strcmp(s, "male") == 0)
		sex = EST_SEX_MALE;
	else if (s == NULL || strcmp(s, "unknown") != 0)
		BAD("sex_invalid", FIELD("sex"), "Field \"sex\" must be "
		    "\"female\", \"male\" or \"unknown\".");
	json_object_set_new(out, "sex", json_string(s));

	if (opt_bool(in, "pregnant", &pregnant) == -1)
		BAD("pregnant_invalid", FIELD("pregnant"),
		    "Field \"pregnant\" must be true or false.");
	if ((has_tri = opt_num(in, "trimester", 1, 3, &tri)) == -1 ||
	    (has_tri && tri != floor(tri)))
		BAD("trimester_invalid", FIELD("trimester"),
		    "Field \"trimester\" must be 1, 2 or 3.");
	if (pregnant && sex != EST_SEX_FEMALE)
		BAD("pregnant_not_female", FIELD("pregnant"),
		    "Field \"pregnant\": only for sex \"female\".");
	if (pregnant && age_months >= 0 && age_months < 120)
		BAD("pregnant_too_young", FIELD("pregnant"),
		    "Field \"pregnant\": not plausible under 10 years of age; "
		    "check \"age\" and \"age_unit\".");
	if (has_tri && !pregnant)
		BAD("trimester_without_pregnant", FIELD("trimester"),
		    "Field \"trimester\" needs \"pregnant\": true.");
	json_object_set_new(out, "pregnant", json_boolean(pregnant));
	json_object_set_new(out, "trimester",
	    has_tri ? json_integer((json_int_t)tri) : json_null());

	if ((has_hb = opt_num(in, "hemoglobin", 0, 1000, &hb)) == -1)
		BAD("hemoglobin_invalid", FIELD("hemoglobin"),
		    "Field \"hemoglobin\" must be a number.");
	unit = json_string_value(json_object_get(in, "hemoglobin_unit"));
	if (has_hb) {
		double	 g_l;

		if (unit == NULL)
			MISSING("hemoglobin_unit_required",
			    FIELD("hemoglobin_unit"), "Field "
			    "\"hemoglobin_unit\" (\"g/dL\" or \"g/L\") is "
			    "required with \"hemoglobin\".");
		if (strcmp(unit, "g/dL") == 0)
			g_l = hb * 10;
		else if (strcmp(unit, "g/L") == 0)
			g_l = hb;
		else
			BAD("hemoglobin_unit_invalid",
			    FIELD("hemoglobin_unit"), "Field "
			    "\"hemoglobin_unit\" must be \"g/dL\" or "
			    "\"g/L\".");
		/* Catches a g/L value sent as g/dL and the reverse. */
		if (g_l < 10 || g_l > 250) {
			est_fmt(num, sizeof(num), hb, 3);
			BAD("hemoglobin_out_of_range", json_pack("{s:s,s:f,"
			    "s:s}", "field", "hemoglobin", "value",
			    shown(hb, 3), "unit", unit), "Field "
			    "\"hemoglobin\": %s %s is outside 1-25 g/dL "
			    "(10-250 g/L); check the unit.", num, unit);
		}
		json_object_set_new(out, "hemoglobin", json_pack("{s:f,s:s}",
		    "value", hb, "unit", unit));
		json_object_set_new(out, "hemoglobin_g_l", json_real(g_l));
	} else {
		json_object_set_new(out, "hemoglobin", json_null());
		json_object_set_new(out, "hemoglobin_g_l", json_null());
	}

	if ((has_alt = opt_num(in, "altitude_m", -500, 9000, &alt)) == -1)
		BAD("altitude_invalid", FIELD("altitude_m"),
		    "Field \"altitude_m\" must be a number from -500 to 9000 "
		    "(metres above sea level).");
	json_object_set_new(out, "altitude_m",
	    has_alt ? json_real(alt) : json_null());

	if (opt_bool(in, "smoker", &smoker) == -1)
		BAD("smoker_invalid", FIELD("smoker"),
		    "Field \"smoker\" must be true or false.");
	if ((has_ppd = opt_num(in, "packs_per_day", 0, 10, &ppd)) == -1)
		BAD("packs_per_day_invalid", FIELD("packs_per_day"),
		    "Field \"packs_per_day\" must be a number from 0 to 10.");
	if (has_ppd && !smoker)
		BAD("packs_per_day_without_smoker", FIELD("packs_per_day"),
		    "Field \"packs_per_day\" needs \"smoker\": true.");
	json_object_set_new(out, "smoker", json_boolean(smoker));
	json_object_set_new(out, "packs_per_day",
	    has_ppd ? json_real(ppd) : json_null());

	j = json_object_get(in, "note");
	if (j != NULL && !json_is_null(j)) {
		if (!json_is_string(j) || !note_ok(json_string_value(j),
		    json_string_length(j)))
			BAD("note_invalid", json_pack("{s:s,s:i}", "field",
			    "note", "max", SAMPLES_NOTE_MAX), "Field \"note\": "
			    "text of at most %d bytes without control "
			    "characters (no patient names).",
			    SAMPLES_NOTE_MAX);
		json_object_set_new(out, "note", json_copy(j));
	} else
		json_object_set_new(out, "note", json_string(""));

	j = json_object_get(in, "preparation");
	prep_s = j == NULL || json_is_null(j) ? "smear" : json_string_value(j);
	if ((prep = clinical_prep_from_name(prep_s)) < 0)
		BAD("preparation_invalid", FIELD("preparation"), "Field "
		    "\"preparation\" must be \"smear\" or \"chamber\".");
	json_object_set_new(out, "preparation", json_string(prep_s));

	j = json_object_get(in, "profile");
	pname = j == NULL || json_is_null(j) ? NULL : json_string_value(j);
	if (j != NULL && !json_is_null(j) && pname == NULL)
		BAD("profile_invalid", FIELD("profile"),
		    "Field \"profile\" must be a string.");
	if (c != NULL) {
		if (pname == NULL)
			pname = c->default_profile[prep];
		prof = clinical_profile_find(c, pname);
		if (prof == NULL || prof->prep != (enum clinical_prep)prep) {
			cut = utf8_cut(pname, 60);
			BAD("profile_unknown", json_pack("{s:s,s:s,s:s#}",
			    "field", "profile", "preparation", prep_s,
			    "profile", pname, cut), "Field "
			    "\"profile\": no %s profile named \"%.*s\" (see "
			    "GET /api/samples/profiles).", prep_s, cut, pname);
		}
	}
	json_object_set_new(out, "profile",
	    pname != NULL ? json_string(pname) : json_null());

	if ((has_dil = opt_num(in, "dilution", 1, 1e6, &dil)) == -1)
		BAD("dilution_invalid", FIELD("dilution"),
		    "Field \"dilution\" must be a number from 1 to 1000000 "
		    "(200 for 1:200).");
	if (has_dil && prep != CLINICAL_CHAMBER)
		BAD("dilution_not_chamber", FIELD("dilution"), "Field "
		    "\"dilution\" applies to chamber preparations only.");
	if (!has_dil && prof != NULL && prep == CLINICAL_CHAMBER) {
		dil = prof->default_dilution;
		has_dil = 1;
	}
	json_object_set_new(out, "dilution",
	    has_dil ? json_real(dil) : json_null());
	return out;
fail:
	json_decref(out);
	if (msgs != NULL)
		*msgs = msg_list(fcode, fparams);
	else
		json_decref(fparams);
	return NULL;
}

#undef BAD
#undef MISSING
#undef FIELD

/* ---- summary --------------------------------------------------------- */

/* Rounded to d decimals, for display-friendly JSON numbers. */
static double
rnd(double x, int d)
{
	double	 m = pow(10, d);

	return round(x * m) / m;
}

static json_t *
num_or_null(const json_t *o, const char *key, double *v)
{
	json_t	*j = json_object_get(o, key);

	if (!json_is_number(j))
		return NULL;
	*v = json_number_value(j);
	return j;
}

/* Per-field data read from the results. */
struct field {
	double	count[EST_NCLASS];
	double	w, h;		/* image pixels; 0 if unknown */
	double	fov_um2;	/* measured field of view (result "fov"."area_um2"); 0 if none */
};

struct density {
	int	ok;
	double	per_ul;
	double	lo, hi;		/* valid when has_ci */
	int	has_ci;
	char	formula[400];
};

/* A fixed English sentence and its code (see msg_add()). */
struct sentence {
	const char	*code;
	const char	*en;
};

static const char *const class_noun[EST_NCLASS] = {
	"RBC", "WBC", "platelets"
};

/* How many of the n fields have a measured field of view in um^2. */
static size_t
fov_measured(const struct field *f, size_t n)
{
	size_t	 i, m = 0;

	for (i = 0; i < n; i++)
		if (f[i].fov_um2 > 0)
			m++;
	return m;
}

/*
 * Smear, measured: images per field from the mean measured field of view
 * of the n images (each > 0) and the profile's field diameter.  Equal to
 * total cells / total measured area x field area, so images of different
 * sizes weigh by their area.
 */
static double
smear_ipf_measured(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	char	 d[32], a[32], r[32];
	double	 sum = 0, mean, ipf;
	size_t	 i;

	for (i = 0; i < n; i++)
		sum += f[i].fov_um2;
	mean = sum / (double)n;
	ipf = est_images_per_field_area(mean, p->field_diameter_um);
	est_fmt(d, sizeof(d), p->field_diameter_um, 2);
	est_fmt(a, sizeof(a), mean, 1);
	est_fmt(r, sizeof(r), ipf, 3);
	snprintf(how, howsz, "images per field = \xcf\x80 \xc3\x97 (%s "
	    "\xc2\xb5m \xc3\xb7 2)\xc2\xb2 \xc3\xb7 %s \xc2\xb5m\xc2\xb2 "
	    "(mean measured field of view of %zu image%s) = %s", d, a, n,
	    n == 1 ? "" : "s", r);
	msg_add(msgs, "images_per_field_measured", json_pack("{s:f,s:f,s:I,"
	    "s:f}", "field_diameter_um", shown(p->field_diameter_um, 2),
	    "fov_area_um2", shown(mean, 1), "images", (json_int_t)n,
	    "images_per_field", shown(ipf, 3)));
	return ipf;
}

/*
 * Smear, fixed: images per field from the profile, or from the
 * calibration and the mean image size.  -1 with how saying why if
 * neither is possible.
 */
static double
smear_ipf_profile(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	char	 a[32], b[32], cw[32], ch[32], d[32];
	double	 w = 0, h = 0, ipf;
	size_t	 i;

	if (p->images_per_field > 0) {
		est_fmt(a, sizeof(a), p->images_per_field, 3);
		snprintf(how, howsz, "images per field = %s (profile "
		    "\"%s\": one image is 1/%s of a field)", a, p->name, a);
		msg_add(msgs, "images_per_field_profile", json_pack("{s:f,"
		    "s:s}", "images_per_field", shown(p->images_per_field, 3),
		    "profile", p->name));
		return p->images_per_field;
	}
	for (i = 0; i < n; i++) {
		if (f[i].w <= 0 || f[i].h <= 0) {
			snprintf(how, howsz, "image size missing in a "
			    "result.json");
			msg_add(msgs, "image_size_missing", NULL);
			return -1;
		}
		w += f[i].w / (double)n;
		h += f[i].h / (double)n;
	}
	ipf = est_images_per_field(w, h, p->um_per_px, p->field_diameter_um);
	est_fmt(d, sizeof(d), p->field_diameter_um, 2);
	est_fmt(cw, sizeof(cw), w, 1);
	est_fmt(ch, sizeof(ch), h, 1);
	est_fmt(b, sizeof(b), p->um_per_px, 4);
	est_fmt(a, sizeof(a), ipf, 2);
	snprintf(how, howsz, "images per field = \xcf\x80 \xc3\x97 (%s "
	    "\xc2\xb5m \xc3\xb7 2)\xc2\xb2 \xc3\xb7 (%s px \xc3\x97 %s px "
	    "\xc3\x97 (%s \xc2\xb5m/px)\xc2\xb2) = %s", d, cw, ch, b, a);
	msg_add(msgs, "images_per_field_calibrated", json_pack("{s:f,s:f,"
	    "s:f,s:f,s:f}", "field_diameter_um", shown(p->field_diameter_um,
	    2), "width_px", shown(w, 1), "height_px", shown(h, 1),
	    "um_per_px", shown(p->um_per_px, 4), "images_per_field",
	    shown(ipf, 2)));
	return ipf;
}

/*
 * Smear: images per field, written out in how and as messages in msgs;
 * -1 (how saying why) when it cannot be worked out.  The measured field
 * of view (fov.area_um2 of each result, known when the image's um/px
 * was) is used when every image has one and the profile gives the
 * field diameter; otherwise the profile's fixed figure, with a second
 * sentence saying why measured areas were left unused.  All or nothing:
 * a mean over some images only would mix two ways of counting.
 */
static double
smear_images_per_field(const struct clinical_profile *p,
    const struct field *f, size_t n, char *how, size_t howsz, json_t *msgs)
{
	double	 ipf;
	size_t	 measured = fov_measured(f, n), len;

	if (n > 0 && measured == n && p->field_diameter_um > 0)
		return smear_ipf_measured(p, f, n, how, howsz, msgs);
	ipf = smear_ipf_profile(p, f, n, how, howsz, msgs);
	len = strlen(how);
	if (measured > 0 && measured < n) {
		snprintf(how + len, howsz - len, " (field of view measured in "
		    "%zu of %zu images: the measured area is used only when "
		    "every image of the sample has one)", measured, n);
		msg_add(msgs, "fov_partly_measured", json_pack("{s:I,s:I}",
		    "measured", (json_int_t)measured, "images",
		    (json_int_t)n));
	} else if (measured > 0) {
		snprintf(how + len, howsz - len, " (every image has a measured "
		    "field of view, but profile \"%s\" gives no field "
		    "diameter: not used)", p->name);
		msg_add(msgs, "fov_no_field_diameter", json_pack("{s:s}",
		    "profile", p->name));
	}
	return ipf;
}

/* Density of class k on a smear; its formula also as a message in msgs. */
static void
smear_density(const struct clinical_profile *p, enum est_class k,
    const struct est_stats *st, double ipf, struct density *out,
    json_t *msgs)
{
	char	 tot[32], mean[32], ip[32], fac[32], res[32];
	double	 scale;

	scale = ipf * p->factor[k];
	out->per_ul = est_smear_per_ul(st->mean, ipf, p->factor[k]);
	if (!(out->ok = out->per_ul >= 0))
		return;
	if (st->has_ci) {
		out->lo = st->ci_lo * scale;
		out->hi = st->ci_hi * scale;
		out->has_ci = 1;
	}
	est_fmt(tot, sizeof(tot), st->total, 0);
	est_fmt(mean, sizeof(mean), st->mean, 3);
	est_fmt(ip, sizeof(ip), ipf, 3);
	est_fmt(fac, sizeof(fac), p->factor[k], 0);
	est_fmt(res, sizeof(res), out->per_ul, 0);
	snprintf(out->formula, sizeof(out->formula),
	    "%s/\xc2\xb5L \xe2\x89\x88 %s per image (%s %s \xc3\xb7 %zu "
	    "image%s) \xc3\x97 %s images/field \xc3\x97 %s = %s",
	    est_class_name(k), mean, tot, class_noun[k], st->n,
	    st->n == 1 ? "" : "s", ip, fac, res);
	msg_add(msgs, "smear_density", json_pack("{s:s,s:f,s:o,s:I,s:f,s:o,"
	    "s:o}", "class", est_class_name(k), "mean", shown(st->mean, 3),
	    "total", jnum(st->total, 0), "fields", (json_int_t)st->n,
	    "images_per_field", shown(ipf, 3), "factor",
	    jnum(p->factor[k], 0), "per_ul", jnum(out->per_ul, 0)));
}

/* Chamber, fixed: the profile's area per image, or width x height x (um/px)^2. */
static double
chamber_area_profile(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	char	 a[32], b[32], cw[32], ch[32], t[32];
	double	 total = 0, one;
	size_t	 i;
	int	 same = 1;

	if (p->field_area_mm2 > 0) {
		total = p->field_area_mm2 * (double)n;
		est_fmt(a, sizeof(a), p->field_area_mm2, 6);
		est_fmt(t, sizeof(t), total, 6);
		snprintf(how, howsz, "counted area = %zu image%s \xc3\x97 %s "
		    "mm\xc2\xb2 (profile \"%s\") = %s mm\xc2\xb2", n,
		    n == 1 ? "" : "s", a, p->name, t);
		msg_add(msgs, "area_profile", json_pack("{s:I,s:f,s:s,s:f}",
		    "images", (json_int_t)n, "field_area_mm2",
		    shown(p->field_area_mm2, 6), "profile", p->name,
		    "area_mm2", shown(total, 6)));
		return total;
	}
	for (i = 0; i < n; i++) {
		one = est_image_area_mm2(f[i].w, f[i].h, p->um_per_px);
		if (one <= 0) {
			snprintf(how, howsz, "image size missing in a "
			    "result.json");
			msg_add(msgs, "image_size_missing", NULL);
			return -1;
		}
		total += one;
		if (f[i].w != f[0].w || f[i].h != f[0].h)
			same = 0;
	}
	est_fmt(b, sizeof(b), p->um_per_px, 4);
	est_fmt(t, sizeof(t), total, 6);
	if (same) {
		one = est_image_area_mm2(f[0].w, f[0].h, p->um_per_px);
		est_fmt(cw, sizeof(cw), f[0].w, 0);
		est_fmt(ch, sizeof(ch), f[0].h, 0);
		est_fmt(a, sizeof(a), one, 6);
		snprintf(how, howsz, "counted area = %zu image%s \xc3\x97 %s "
		    "px \xc3\x97 %s px \xc3\x97 (%s \xc2\xb5m/px)\xc2\xb2 = "
		    "%zu \xc3\x97 %s mm\xc2\xb2 = %s mm\xc2\xb2", n,
		    n == 1 ? "" : "s", cw, ch, b, n, a, t);
		msg_add(msgs, "area_calibrated", json_pack("{s:I,s:o,s:o,s:f,"
		    "s:f,s:f}", "images", (json_int_t)n, "width_px",
		    jnum(f[0].w, 0), "height_px", jnum(f[0].h, 0),
		    "um_per_px", shown(p->um_per_px, 4), "image_area_mm2",
		    shown(one, 6), "area_mm2", shown(total, 6)));
	} else {
		snprintf(how, howsz, "counted area = \xce\xa3 (width px "
		    "\xc3\x97 height px \xc3\x97 (%s \xc2\xb5m/px)\xc2\xb2) "
		    "over %zu image%s = %s mm\xc2\xb2", b, n, n == 1 ? "" : "s",
		    t);
		msg_add(msgs, "area_calibrated_mixed", json_pack("{s:f,s:I,"
		    "s:f}", "um_per_px", shown(p->um_per_px, 4), "images",
		    (json_int_t)n, "area_mm2", shown(total, 6)));
	}
	return total;
}

/*
 * Chamber: total counted area in mm^2, written out in how and as a
 * message in msgs; -1 if unknown (how says why).  As for a smear, the
 * measured fields of view when every field has one (only the cells
 * inside them were counted), else the profile's way, saying why.
 */
static double
chamber_area(const struct clinical_profile *p, const struct field *f,
    size_t n, char *how, size_t howsz, json_t *msgs)
{
	double	 total = 0;
	size_t	 i, measured = fov_measured(f, n), len;
	char	 t[32];

	if (n > 0 && measured == n) {
		for (i = 0; i < n; i++)
			total += f[i].fov_um2 / 1e6;
		est_fmt(t, sizeof(t), total, 6);
		snprintf(how, howsz, "counted area = measured field of view of "
		    "%zu image%s = %s mm\xc2\xb2", n, n == 1 ? "" : "s", t);
		msg_add(msgs, "area_measured", json_pack("{s:I,s:f}", "images",
		    (json_int_t)n, "area_mm2", shown(total, 6)));
		return total;
	}
	total = chamber_area_profile(p, f, n, how, howsz, msgs);
	len = strlen(how);
	if (measured > 0) {
		snprintf(how + len, howsz - len, " (field of view measured in "
		    "%zu of %zu images: the measured area is used only when "
		    "every image of the sample has one)", measured, n);
		msg_add(msgs, "fov_partly_measured", json_pack("{s:I,s:I}",
		    "measured", (json_int_t)measured, "images",
		    (json_int_t)n));
	}
	return total;
}

/* Density of class k in a chamber; its formula also as a message in msgs. */
static void
chamber_density(const struct clinical_profile *p, enum est_class k,
    const struct est_stats *st, double area, double dilution,
    struct density *out, json_t *msgs)
{
	char	 tot[32], ar[32], dp[32], dl[32], res[32];
	double	 scale;

	out->per_ul = est_chamber_per_ul(st->total, area, p->depth_mm,
	    dilution);
	if (!(out->ok = out->per_ul >= 0))
		return;
	/* Mean per image to cells/uL: n images share the total area. */
	scale = (double)st->n / (area * p->depth_mm) * dilution;
	if (st->has_ci) {
		out->lo = st->ci_lo * scale;
		out->hi = st->ci_hi * scale;
		out->has_ci = 1;
	}
	est_fmt(tot, sizeof(tot), st->total, 0);
	est_fmt(ar, sizeof(ar), area, 6);
	est_fmt(dp, sizeof(dp), p->depth_mm, 4);
	est_fmt(dl, sizeof(dl), dilution, 2);
	est_fmt(res, sizeof(res), out->per_ul, 0);
	snprintf(out->formula, sizeof(out->formula),
	    "%s/\xc2\xb5L = %s %s \xc3\xb7 (%s mm\xc2\xb2 \xc3\x97 %s mm) "
	    "\xc3\x97 %s = %s", est_class_name(k), tot, class_noun[k], ar,
	    dp, dl, res);
	msg_add(msgs, "chamber_density", json_pack("{s:s,s:o,s:f,s:f,s:f,"
	    "s:o}", "class", est_class_name(k), "total", jnum(st->total, 0),
	    "area_mm2", shown(area, 6), "depth_mm", shown(p->depth_mm, 4),
	    "dilution", shown(dilution, 2), "per_ul",
	    jnum(out->per_ul, 0)));
}

static const struct sentence *
assumptions(enum clinical_prep prep, enum est_class k)
{
	static const struct sentence	 chamber = { "assumptions_chamber",
		"Assumes the cells settled evenly in the chamber, the "
		"stated dilution and depth, the counted area from the "
		"calibration, and that the detector found every cell." };
	static const struct sentence	 smear[EST_NCLASS] = {
		{ "assumptions_smear_rbc",
		  "Estimate only: assumes images from the monolayer "
		  "(red cells just touching), the profile's blood volume "
		  "per field, and that the detector separated every red "
		  "cell; overlapping cells make it low. Anaemia needs a "
		  "haemoglobin test." },
		{ "assumptions_smear_wbc",
		  "Assumes images from the monolayer and the profile's "
		  "factor; white cells gather at the feathered edge, so the "
		  "body of the smear can read low." },
		{ "assumptions_smear_platelets",
		  "Assumes images from the monolayer and the profile's "
		  "factor (15,000-20,000 per platelet per oil field); "
		  "platelet clumps make it low." }
	};

	return prep == CLINICAL_CHAMBER ? &chamber : &smear[k];
}

static const struct sentence *
flag_text(enum est_class k, enum est_flag f)
{
	static const struct sentence	 t[EST_NCLASS][2] = {
		{ { "flag_rbc_low", "Low RBC estimate \xe2\x80\x94 confirm "
		    "with a hemoglobin test." },
		  { "flag_rbc_high", "High RBC estimate \xe2\x80\x94 confirm "
		    "with a full blood count." } },
		{ { "flag_wbc_low", "Low WBC estimate \xe2\x80\x94 confirm "
		    "with a WBC count." },
		  { "flag_wbc_high", "High WBC estimate \xe2\x80\x94 confirm "
		    "with a WBC count." } },
		{ { "flag_platelets_low", "Low platelet estimate \xe2\x80\x94 "
		    "look for platelet clumps and confirm with a platelet "
		    "count." },
		  { "flag_platelets_high", "High platelet estimate "
		    "\xe2\x80\x94 confirm with a platelet count." } }
	};
	static const struct sentence	 normal = { "flag_normal",
		"Within the reference range." };
	static const struct sentence	 none = { "flag_none",
		"No reference range applies (age or sex unknown, or under "
		"6 months), or no estimate." };

	if (f == EST_FLAG_LOW)
		return &t[k][0];
	if (f == EST_FLAG_HIGH)
		return &t[k][1];
	return f == EST_FLAG_NORMAL ? &normal : &none;
}

/*
 * The flag of an estimate outside est_envelope(): no real count, so the
 * fields or the calibration are wrong; never "high" or "low".
 */
static json_t *
implausible_json(enum est_class k, double per_ul)
{
	const struct est_envelope	*e = est_envelope(k);
	char				 text[320], lim[32];
	int				 high = est_plausible(e, per_ul) > 0;

	est_fmt(lim, sizeof(lim), high ? e->max : e->min, 0);
	snprintf(text, sizeof(text), "Implausible \xe2\x80\x94 check field "
	    "selection or calibration: %s estimates %s %s/\xc2\xb5L are no "
	    "real count, so this one is not flagged high or low.",
	    est_class_name(k), high ? "above" : "below", lim);
	return json_pack("{s:s,s:s,s:o,s:[f,f]}", "flag", "implausible",
	    "text", text, "text_i18n", msg_list(high ?
	    "flag_implausible_high" : "flag_implausible_low",
	    json_pack(high ? "{s:s,s:o}" : "{s:s,s:o}", "class",
	    est_class_name(k), high ? "max_per_ul" : "min_per_ul",
	    jnum(high ? e->max : e->min, 0))), "plausible_per_ul",
	    e->min, e->max);
}

/* Why a summary has no estimates. */
static const struct sentence
    unavail_calibration = { "calibration_not_loaded",
	"Calibration not loaded on this server." },
    unavail_profile = { "profile_missing",
	"The sample's calibration profile no longer exists in "
	"clinical.json." },
    unavail_fields = { "no_fields", "No fields yet." },
    unavail_ipf = { "images_per_field_unknown",
	"Cannot compute images per field." },
    unavail_area = { "area_unknown", "Cannot compute the counted area." };

static const struct sentence ci_method = { "ci_method",
	"95% confidence interval of the mean count per image: mean \xc2\xb1 "
	"t \xc3\x97 SD \xc3\xb7 \xe2\x88\x9an, with SD the sample standard "
	"deviation (n \xe2\x88\x92 1) and t the two-sided 95% Student t "
	"value for n \xe2\x88\x92 1 degrees of freedom (table; 1.96 above "
	"120); lower bound clamped at 0; none with fewer than 2 images. "
	"Density intervals scale the same interval by the same factors." };

static enum est_sex
sex_of(const json_t *sample)
{
	const char	*s = json_string_value(json_object_get(sample, "sex"));

	if (s != NULL && strcmp(s, "female") == 0)
		return EST_SEX_FEMALE;
	if (s != NULL && strcmp(s, "male") == 0)
		return EST_SEX_MALE;
	return EST_SEX_UNKNOWN;
}

static json_t *
stats_json(const struct est_stats *st)
{
	json_t	*o;

	o = json_pack("{s:I,s:I,s:f}", "n", (json_int_t)st->n,
	    "total", (json_int_t)llround(st->total),
	    "mean", rnd(st->mean, 3));
	if (o == NULL)
		return NULL;
	if (st->has_ci) {
		json_object_set_new(o, "sd", json_real(rnd(st->sd, 3)));
		json_object_set_new(o, "t", json_real(st->t));
		json_object_set_new(o, "ci95", json_pack("[f,f]",
		    rnd(st->ci_lo, 3), rnd(st->ci_hi, 3)));
	} else {
		json_object_set_new(o, "sd", json_null());
		json_object_set_new(o, "t", json_null());
		json_object_set_new(o, "ci95", json_null());
	}
	return o;
}

/* The stability rule and, when it fails, why, each with its messages. */
static json_t *
stability_json(const struct est_stats *rbc, size_t n,
    const struct clinical *c)
{
	double		 min_rbc = c ? c->min_rbc : 200;
	size_t		 min_fields = c ? c->min_fields : 10;
	char		 rule[160], a[32], why[240];
	json_t		*warn;
	unsigned	 bad;
	int		 stable;

	stable = est_stable(rbc->total, n, min_rbc, min_fields, why,
	    sizeof(why));
	bad = est_stability(rbc->total, n, min_rbc, min_fields);
	est_fmt(a, sizeof(a), min_rbc, 0);
	snprintf(rule, sizeof(rule), "Stable when at least %s RBC and at "
	    "least %zu fields (images) were counted.", a, min_fields);
	warn = json_null();
	if (bad != 0 && (warn = json_array()) != NULL) {
		if (bad & EST_FEW_RBC)
			msg_add(warn, "few_rbc", json_pack("{s:o,s:o}",
			    "rbc", jnum(rbc->total, 0), "min_rbc",
			    jnum(min_rbc, 0)));
		if (bad & EST_FEW_FIELDS)
			msg_add(warn, "few_fields", json_pack("{s:I,s:I}",
			    "fields", (json_int_t)n, "min_fields",
			    (json_int_t)min_fields));
	}
	return json_pack("{s:b,s:s,s:o,s:s?,s:o}", "stable", stable,
	    "rule", rule, "rule_i18n", msg_list("stability_rule",
	    json_pack("{s:o,s:I}", "min_rbc", jnum(min_rbc, 0),
	    "min_fields", (json_int_t)min_fields)),
	    "warning", stable ? NULL : why,
	    "warning_i18n", warn != NULL ? warn : json_null());
}

/* How many fields a person reviewed, in words. */
static json_t *
review_json(size_t reviewed, size_t n)
{
	char	 text[200];
	json_t	*l;

	text[0] = '\0';
	l = json_array();
	if (n > 0 && reviewed == 0) {
		snprintf(text, sizeof(text), "No field was reviewed: every "
		    "count is the detector's.");
		msg_add(l, "review_none", NULL);
	} else if (n > 0 && reviewed == n) {
		snprintf(text, sizeof(text), "Reviewed counts: a person "
		    "checked and corrected the boxes of every field (%zu).",
		    n);
		msg_add(l, "review_all", json_pack("{s:I}", "fields",
		    (json_int_t)n));
	} else if (n > 0) {
		snprintf(text, sizeof(text), "Reviewed counts in %zu of %zu "
		    "fields; the others are the detector's.", reviewed, n);
		msg_add(l, "review_some", json_pack("{s:I,s:I}", "reviewed",
		    (json_int_t)reviewed, "fields", (json_int_t)n));
	}
	return json_pack("{s:I,s:I,s:s,s:o}", "reviewed_fields",
	    (json_int_t)reviewed, "fields", (json_int_t)n, "text", text,
	    "text_i18n", l);
}

/* The screening reason as messages: its code, then the altitude note. */
static json_t *
reason_i18n(const struct est_hb_result *r)
{
	const struct est_hb_group	*g = r->group;
	json_t				*l, *params = NULL;

	if ((l = json_array()) == NULL)
		return NULL;
	if (r->reason_code == EST_REASON_NOT_BELOW ||
	    r->reason_code == EST_REASON_BELOW)
		params = json_pack("{s:f,s:f,s:s,s:s}",
		    "adjusted_g_l", shown(r->adjusted, 1),
		    "cutoff_g_l", shown(g->anaemia_below, 1),
		    "group", g->id, "group_label", g->label);
	if (params != NULL && r->reason_code == EST_REASON_BELOW)
		json_object_set_new(params, "severity",
		    json_string(est_severity_name(r->severity)));
	msg_add(l, est_reason_name(r->reason_code), params);
	if (r->no_altitude)
		msg_add(l, "altitude_not_given", NULL);
	return l;
}

/* ---- reference data not yet verified -------------------------------- */

/*
 * Entries of etc/reference-ranges.json marked "check": true were written
 * from memory of their source and are not verified: every summary that
 * uses one says so (summary "unverified"), beside the figure too.
 */
struct unverified {
	int			 ranges;
	const struct est_hb_group *cutoff;	/* the group used, if unverified */
	int			 altitude;
	int			 smoking;
};

static json_t *
unverified_json(const struct unverified *u)
{
	char	 text[800], one[240];
	json_t	*items, *l;

	text[0] = '\0';
	items = json_array();
	l = json_array();
	if (u->ranges) {
		json_array_append_new(items, json_string("reference_ranges"));
		msg_add(l, "unverified_ranges", NULL);
		snprintf(one, sizeof(one), "Unverified: the reference ranges "
		    "are written from memory of the cited source, not yet "
		    "checked against it; prefer your laboratory's own "
		    "ranges.");
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	if (u->cutoff != NULL) {
		json_array_append_new(items, json_string("hemoglobin_cutoff"));
		msg_add(l, "unverified_cutoff", json_pack("{s:s,s:s}",
		    "group", u->cutoff->id, "group_label", u->cutoff->label));
		snprintf(one, sizeof(one), "Unverified: the haemoglobin "
		    "cutoff and severity bands for %s are not yet checked "
		    "against the WHO 2024 guideline.", u->cutoff->label);
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	if (u->altitude) {
		json_array_append_new(items, json_string(
		    "altitude_adjustment"));
		msg_add(l, "unverified_altitude", NULL);
		snprintf(one, sizeof(one), "Unverified: the altitude "
		    "adjustment table is not yet checked against the WHO 2024 "
		    "guideline.");
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	if (u->smoking) {
		json_array_append_new(items, json_string(
		    "smoking_adjustment"));
		msg_add(l, "unverified_smoking", NULL);
		snprintf(one, sizeof(one), "Unverified: the smoking "
		    "adjustment is not yet checked against its source.");
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s", text[0] ? " " : "", one);
	}
	return json_pack("{s:o,s:s,s:o}", "items", items, "text", text,
	    "text_i18n", l);
}

static json_t *
screening_json(const json_t *sample, const struct clinical *c,
    enum est_flag rbc_flag, struct unverified *u)
{
	struct est_person	 p;
	struct est_hb_result	 r;
	json_t			*o, *hb, *why;
	double			 v;
	static const char *const labels[] = {
		"Cannot tell", "Anaemia not indicated", "Anaemia likely"
	};

	memset(&p, 0, sizeof(p));
	p.age_months = num_or_null(sample, "age_months", &v) ? v : -1;
	p.sex = sex_of(sample);
	p.pregnant = json_is_true(json_object_get(sample, "pregnant"));
	p.trimester = num_or_null(sample, "trimester", &v) ? (int)v : 0;
	p.hb_g_l = num_or_null(sample, "hemoglobin_g_l", &v) ? v : -1;
	p.has_altitude = num_or_null(sample, "altitude_m", &v) != NULL;
	p.altitude_m = p.has_altitude ? v : 0;
	p.smoker = json_is_true(json_object_get(sample, "smoker"));
	p.packs_per_day = num_or_null(sample, "packs_per_day", &v) ? v : -1;

	if (c == NULL) {
		memset(&r, 0, sizeof(r));
		snprintf(r.reason, sizeof(r.reason), "Reference data not "
		    "loaded on this server (see the server log).");
		why = msg_list("reference_not_loaded", NULL);
	} else {
		est_anaemia(&p, &c->rules, rbc_flag, &r);
		why = reason_i18n(&r);
	}

	hb = json_null();
	if (r.has_hb)
		hb = json_pack("{s:f,s:f,s:f,s:f,s:f,s:s,s:o}",
		    "measured_g_l", r.measured,
		    "altitude_adjustment_g_l", r.altitude_adj,
		    "smoking_adjustment_g_l", r.smoking_adj,
		    "adjusted_g_l", r.adjusted,
		    "cutoff_g_l", r.group->anaemia_below,
		    "formula", r.formula,
		    "formula_i18n", msg_list("hemoglobin_formula",
		    json_pack("{s:f,s:f,s:f,s:f,s:s,s:s,s:f}",
		    "measured_g_l", shown(r.measured, 1),
		    "altitude_g_l", shown(r.altitude_adj, 1),
		    "smoking_g_l", shown(r.smoking_adj, 1),
		    "adjusted_g_l", shown(r.adjusted, 1),
		    "group", r.group->id, "group_label", r.group->label,
		    "cutoff_g_l", shown(r.group->anaemia_below, 1))));
	o = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s,s:o,s:o}",
	    "result", est_screen_name(r.screen),
	    "label", labels[r.screen],
	    "severity", r.screen == EST_SCREEN_LIKELY ?
	    est_severity_name(r.severity) : NULL,
	    "group", r.group != NULL ? r.group->label : NULL,
	    "group_id", r.group != NULL && r.group->id[0] != '\0' ?
	    r.group->id : NULL,
	    "reason", r.reason,
	    "reason_i18n", why != NULL ? why : json_null(),
	    "hemoglobin", hb != NULL ? hb : json_null());
	/* Which of the numbers used are not verified against their source. */
	if (c != NULL && r.has_hb && r.group != NULL) {
		if (r.group->unverified)
			u->cutoff = r.group;
		u->altitude = p.has_altitude && c->altitude_unverified;
		u->smoking = p.smoker && c->smoking_unverified;
	}
	json_object_set_new(o, "cutoff_unverified",
	    json_boolean(u->cutoff != NULL));
	if (json_is_object(json_object_get(o, "hemoglobin"))) {
		json_object_set_new(json_object_get(o, "hemoglobin"),
		    "altitude_unverified", json_boolean(u->altitude));
		json_object_set_new(json_object_get(o, "hemoglobin"),
		    "smoking_unverified", json_boolean(u->smoking));
	}
	return o;
}

json_t *
samples_summary(int results_fd, const json_t *sample, const struct clinical *c)
{
	const struct clinical_profile	*prof = NULL;
	const json_t			*ids;
	json_t				*sum = NULL, *fields, *missing, *r, *counts;
	json_t				*totals, *stats, *est, *flags, *o;
	json_t				*how_i18n, *formula_i18n, *rv;
	struct field			*f = NULL;
	struct est_stats		 st[EST_NCLASS];
	struct density			 d[EST_NCLASS];
	const struct est_range		*range;
	const struct sentence		*unavailable = NULL, *sn;
	enum est_flag			 fl[EST_NCLASS];
	struct unverified		 unv;
	double				*x = NULL, age, v, scale_in = 0;
	double				 dilution = 0;
	size_t				 n = 0, i, nids, nreviewed = 0;
	char				 how[640];
	const char			*rid, *prep_s;
	int				 k, prep;

	memset(d, 0, sizeof(d));
	memset(&unv, 0, sizeof(unv));
	ids = json_object_get(sample, "results");
	nids = json_array_size(ids);
	if ((f = calloc(nids + 1, sizeof(*f))) == NULL ||
	    (x = calloc(nids + 1, sizeof(*x))) == NULL)
		goto fail;
	fields = json_array();
	missing = json_array();
	for (i = 0; i < nids; i++) {
		rid = json_string_value(json_array_get(ids, i));
		if (rid == NULL || !id_valid(rid) ||
		    (r = results_load(results_fd, rid)) == NULL) {
			json_array_append_new(missing, json_string(rid ? rid :
			    ""));
			continue;
		}
		/* A person's corrections, where there are some, count. */
		review_merge(results_fd, rid, r);
		rv = json_object_get(r, "review");
		nreviewed += json_is_object(rv);
		counts = json_object_get(r, "counts");
		for (k = 0; k < EST_NCLASS; k++) {
			v = 0;
			num_or_null(counts, est_class_name(k), &v);
			f[n].count[k] = v < 0 ? 0 : v;
		}
		num_or_null(json_object_get(r, "image"), "width", &f[n].w);
		num_or_null(json_object_get(r, "image"), "height", &f[n].h);
		if (!num_or_null(json_object_get(r, "fov"), "area_um2",
		    &f[n].fov_um2) || !(f[n].fov_um2 > 0))
			f[n].fov_um2 = 0;
		json_array_append_new(fields, json_pack("{s:s,s:{s:I,s:I,s:I},"
		    "s:{s:I,s:I},s:o}", "result", rid,
		    "counts", "RBC", (json_int_t)llround(f[n].count[EST_RBC]),
		    "WBC", (json_int_t)llround(f[n].count[EST_WBC]),
		    "Platelets", (json_int_t)llround(f[n].count[EST_PLT]),
		    "image", "width", (json_int_t)llround(f[n].w),
		    "height", (json_int_t)llround(f[n].h),
		    "fov_area_um2", f[n].fov_um2 > 0 ?
		    json_real(f[n].fov_um2) : json_null()));
		json_object_set_new(json_array_get(fields,
		    json_array_size(fields) - 1), "review_version",
		    json_is_object(rv) ? json_incref(json_object_get(rv,
		    "version")) : json_integer(0));
		json_decref(r);
		n++;
	}
	totals = json_object();
	stats = json_object();
	for (k = 0; k < EST_NCLASS; k++) {
		for (i = 0; i < n; i++)
			x[i] = f[i].count[k];
		est_stats(x, n, &st[k]);
		json_object_set_new(totals, est_class_name(k),
		    json_integer((json_int_t)llround(st[k].total)));
		json_object_set_new(stats, est_class_name(k),
		    stats_json(&st[k]));
	}
	sum = json_pack("{s:I,s:o,s:o,s:o,s:o,s:s,s:o}",
	    "fields", (json_int_t)n, "per_field", fields,
	    "missing_results", missing, "totals", totals,
	    "per_field_stats", stats,
	    "ci_method", ci_method.en,
	    "ci_method_i18n", msg_list(ci_method.code, NULL));
	if (sum == NULL)
		goto fail;
	json_object_set_new(sum, "stability", stability_json(&st[EST_RBC], n,
	    c));
	json_object_set_new(sum, "review", review_json(nreviewed, n));

	/* Densities. */
	prep_s = json_string_value(json_object_get(sample, "preparation"));
	prep = clinical_prep_from_name(prep_s);
	if (c == NULL)
		unavailable = &unavail_calibration;
	else if ((prof = clinical_profile_find(c, json_string_value(
	    json_object_get(sample, "profile")))) == NULL ||
	    (int)prof->prep != prep)
		unavailable = &unavail_profile;
	else if (n == 0)
		unavailable = &unavail_fields;
	how[0] = '\0';
	how_i18n = json_array();
	if (unavailable == NULL && prep == CLINICAL_SMEAR) {
		scale_in = smear_images_per_field(prof, f, n, how,
		    sizeof(how), how_i18n);
		if (scale_in <= 0)
			unavailable = &unavail_ipf;
	} else if (unavailable == NULL) {
		if (!num_or_null(sample, "dilution", &dilution) ||
		    dilution < 1)
			dilution = prof->default_dilution;
		scale_in = chamber_area(prof, f, n, how, sizeof(how),
		    how_i18n);
		if (scale_in <= 0)
			unavailable = &unavail_area;
	}
	est = json_object();
	age = num_or_null(sample, "age_months", &v) ? v : -1;
	flags = json_object();
	for (k = 0; k < EST_NCLASS; k++) {
		fl[k] = EST_FLAG_NONE;
		if (unavailable != NULL)
			continue;
		formula_i18n = json_array();
		if (prep == CLINICAL_SMEAR)
			smear_density(prof, k, &st[k], scale_in, &d[k],
			    formula_i18n);
		else
			chamber_density(prof, k, &st[k], scale_in, dilution,
			    &d[k], formula_i18n);
		if (!d[k].ok) {
			json_decref(formula_i18n);
			continue;
		}
		sn = assumptions(prep, k);
		o = json_pack("{s:I,s:s,s:o,s:s,s:o}",
		    "per_ul", (json_int_t)llround(d[k].per_ul),
		    "formula", d[k].formula,
		    "formula_i18n", formula_i18n,
		    "assumptions", sn->en,
		    "assumptions_i18n", msg_list(sn->code, NULL));
		json_object_set_new(o, "ci95", d[k].has_ci ?
		    json_pack("[I,I]", (json_int_t)llround(d[k].lo),
		    (json_int_t)llround(d[k].hi)) : json_null());
		json_object_set_new(est, est_class_name(k), o);

		range = est_range_find(c->ranges, c->nranges, k,
		    sex_of(sample), age);
		fl[k] = est_flag_estimate(k, range, d[k].per_ul);
		json_object_set_new(json_object_get(est, est_class_name(k)),
		    "plausible", json_boolean(fl[k] != EST_FLAG_IMPLAUSIBLE));
		if (fl[k] == EST_FLAG_IMPLAUSIBLE)
			o = implausible_json(k, d[k].per_ul);
		else {
			sn = flag_text(k, fl[k]);
			o = json_pack("{s:s,s:s,s:o}", "flag",
			    est_flag_name(fl[k]), "text", sn->en, "text_i18n",
			    msg_list(sn->code, NULL));
		}
		if (range != NULL) {
			json_object_set_new(o, "range_per_ul",
			    json_pack("[f,f]", range->low, range->high));
			json_object_set_new(o, "range_unverified",
			    json_boolean(range->unverified));
			if (range->unverified && fl[k] != EST_FLAG_IMPLAUSIBLE)
				unv.ranges = 1;
		}
		json_object_set_new(flags, est_class_name(k), o);
	}
	json_object_set_new(sum, "estimates", est);
	json_object_set_new(sum, "estimates_unavailable",
	    unavailable ? json_string(unavailable->en) : json_null());
	json_object_set_new(sum, "estimates_unavailable_i18n",
	    unavailable ? msg_list(unavailable->code, NULL) : json_null());
	json_object_set_new(sum, "calibration", json_pack("{s:s?,s:s?,s:s,"
	    "s:o}", "profile", prof ? prof->name : NULL,
	    "label", prof ? prof->label : NULL, "formula", how,
	    "formula_i18n", how_i18n));
	if (prep == CLINICAL_CHAMBER && unavailable == NULL)
		json_object_set_new(json_object_get(sum, "calibration"),
		    "dilution", json_real(dilution));
	json_object_set_new(sum, "flags", flags);
	json_object_set_new(sum, "screening", screening_json(sample, c,
	    fl[EST_RBC], &unv));
	json_object_set_new(sum, "unverified", unverified_json(&unv));
	json_object_set_new(sum, "disclaimer", json_string(disclaimer));
	json_object_set_new(sum, "disclaimer_i18n", msg_list("disclaimer",
	    NULL));
	json_object_set_new(sum, "sources", c && c->sources ?
	    json_incref(c->sources) : json_array());
	free(f);
	free(x);
	return sum;
fail:
	json_decref(sum);
	free(f);
	free(x);
	return NULL;
}

/* ---- routes ---------------------------------------------------------- */

static void
store_error(struct http_response *resp, enum samples_err e)
{
	switch (e) {
	case SAMPLES_ERR_NOTFOUND:
		http_error_i18n(resp, 404, "not_found", "No such sample or "
		    "result.", msg_list("sample_or_result_not_found", NULL));
		break;
	case SAMPLES_ERR_LIMIT:
		http_error_i18n(resp, 400, "bad_request", "The sample already "
		    "holds the maximum number of results.",
		    msg_list("sample_full", json_pack("{s:i}", "max",
		    SAMPLES_MAX_RESULTS)));
		break;
	case SAMPLES_ERR_FULL:
		http_error(resp, 507, "storage_full",
		    "The results directory is full.");
		break;
	default:
		http_error(resp, 500, "internal", "Internal error.");
		break;
	}
}

void
samples_analyze_error(struct http_response *resp, enum samples_err e)
{
	if (e == SAMPLES_ERR_NOTFOUND)
		/* not_found alone would read "no such result" */
		http_error_i18n(resp, 404, "not_found", "No such sample.",
		    msg_list("sample_not_found", NULL));
	else
		store_error(resp, e);
}

static void
method_not_allowed(struct http_response *resp, const char *allow)
{
	http_add_header(resp, "Allow", allow);
	http_error(resp, 405, "method_not_allowed",
	    "Method not allowed for this route.");
}

/* Parse the body as a JSON object; NULL after filling resp with a 400. */
static json_t *
body_json(const struct http_request *req, struct http_response *resp)
{
	json_error_t	 jerr;
	json_t		*o;
	char		 msg[200];

	if (req->body == NULL || req->body_len == 0) {
		http_error_i18n(resp, 400, "bad_request", "A JSON body is "
		    "required.", msg_list("body_required", NULL));
		return NULL;
	}
	/*
	 * A cross-site form can send text/plain or urlencoded bodies without
	 * a CORS preflight, never application/json: insist on it.
	 */
	if (!http_is_json(req->content_type)) {
		http_error_i18n(resp, 415, "json_required", "Send the body "
		    "as Content-Type: application/json.",
		    msg_list("json_required", NULL));
		return NULL;
	}
	if (req->body_len > SAMPLES_BODY_MAX) {
		http_error_i18n(resp, 413, "too_large", "The JSON body is too "
		    "large.", msg_list("body_too_large", json_pack("{s:i}",
		    "max_bytes", SAMPLES_BODY_MAX)));
		return NULL;
	}
	o = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		/* jansson's words: technical, and English in every language. */
		snprintf(msg, sizeof(msg), "The body is not valid JSON (%s).",
		    jerr.text);
		http_error_i18n(resp, 400, "bad_request", msg,
		    msg_list("body_not_json", json_pack("{s:s}", "error",
		    jerr.text)));
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		http_error_i18n(resp, 400, "bad_request", "The body must be a "
		    "JSON object.", msg_list("body_not_object", NULL));
		return NULL;
	}
	return o;
}

static void
route_create(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	json_t			*in, *s, *msgs;
	char			 err[240], id[ID_LEN + 1], loc[64];
	int			 missing;
	enum samples_err	 e;

	if ((in = body_json(req, resp)) == NULL)
		return;
	s = samples_validate(in, app->clinical, err, sizeof(err), &missing,
	    &msgs);
	json_decref(in);
	if (s == NULL) {
		http_error_i18n(resp, 400, missing ? "missing_field" :
		    "bad_request", err, msgs);
		return;
	}
	if ((e = samples_create(app->results_fd, s, id, sizeof(id))) !=
	    SAMPLES_OK) {
		json_decref(s);
		store_error(resp, e);
		return;
	}
	snprintf(loc, sizeof(loc), "/api/samples/%s", id);
	http_add_header(resp, "Location", loc);
	http_json(resp, 201, s);
}

static void route_show(struct app *, const char *, struct http_response *,
	    int);

/* PUT /api/samples/{id}: the whole sample again, checked like a new one. */
static void
route_update(struct app *app, const char *id, const struct http_request *req,
    struct http_response *resp)
{
	json_t			*in, *s, *msgs;
	char			 err[240];
	int			 missing;
	enum samples_err	 e;

	if ((in = body_json(req, resp)) == NULL)
		return;
	s = samples_validate(in, app->clinical, err, sizeof(err), &missing,
	    &msgs);
	json_decref(in);
	if (s == NULL) {
		http_error_i18n(resp, 400, missing ? "missing_field" :
		    "bad_request", err, msgs);
		return;
	}
	e = samples_update(app->results_fd, id, s);
	json_decref(s);
	if (e != SAMPLES_OK) {
		store_error(resp, e);
		return;
	}
	route_show(app, id, resp, 200);
}

static void
route_show(struct app *app, const char *id, struct http_response *resp,
    int status)
{
	json_t	*s, *sum;

	if ((s = samples_load(app->results_fd, id)) == NULL) {
		store_error(resp, errno == ENOENT ? SAMPLES_ERR_NOTFOUND :
		    SAMPLES_ERR_IO);
		return;
	}
	if ((sum = samples_summary(app->results_fd, s, app->clinical)) ==
	    NULL) {
		json_decref(s);
		store_error(resp, SAMPLES_ERR_IO);
		return;
	}
	http_json(resp, status, json_pack("{s:o,s:o}", "sample", s,
	    "summary", sum));
}

static void
route_attach(struct app *app, const char *id, const struct http_request *req,
    struct http_response *resp)
{
	json_t			*in;
	const char		*rid;
	enum samples_err	 e;

	if ((in = body_json(req, resp)) == NULL)
		return;
	rid = json_string_value(json_object_get(in, "result"));
	if (rid == NULL) {
		json_decref(in);
		http_error_i18n(resp, 400, "missing_field",
		    "Field \"result\" (a result id) is required.",
		    msg_list("result_required", json_pack("{s:s}", "field",
		    "result")));
		return;
	}
	if (!id_valid(rid)) {
		json_decref(in);
		http_error_i18n(resp, 404, "not_found", "No such result.",
		    msg_list("result_not_found", NULL));
		return;
	}
	e = samples_attach(app->results_fd, id, rid);
	json_decref(in);
	if (e != SAMPLES_OK) {
		store_error(resp, e);
		return;
	}
	route_show(app, id, resp, 200);
}

int
samples_route(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	static const char	 prefix[] = "/api/samples";
	const char		*rest, *m = req->method;
	char			 id[ID_LEN + 1], buf[16];
	size_t			 limit = 100;
	long			 l;
	char			*end;
	json_t			*list;
	enum samples_err	 e;

	if (strncmp(req->path, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	rest = req->path + sizeof(prefix) - 1;
	if (*rest != '\0' && *rest != '/')
		return 0;		/* "/api/samplesX" is not ours */

	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (strcmp(m, "GET") == 0) {
			if (http_query_get(req->query, "limit", buf,
			    sizeof(buf)) == 0) {
				l = strtol(buf, &end, 10);
				if (*buf == '\0' || *end != '\0' || l < 1 ||
				    l > 1000) {
					http_error_i18n(resp, 400,
					    "bad_request", "limit must be 1 "
					    "to 1000.", msg_list(
					    "limit_invalid", json_pack(
					    "{s:i}", "max", 1000)));
					return 1;
				}
				limit = (size_t)l;
			}
			if ((list = samples_list(app->results_fd, limit)) ==
			    NULL)
				store_error(resp, SAMPLES_ERR_IO);
			else
				http_json(resp, 200, json_pack("{s:o}",
				    "samples", list));
		} else if (strcmp(m, "POST") == 0)
			route_create(app, req, resp);
		else
			method_not_allowed(resp, "GET, POST");
		return 1;
	}
	rest++;
	if (strcmp(rest, "profiles") == 0) {
		if (strcmp(m, "GET") != 0)
			method_not_allowed(resp, "GET");
		else if (app->clinical == NULL)
			http_error_i18n(resp, 503, "not_ready", "Calibration "
			    "and reference data are not loaded.",
			    msg_list("clinical_not_loaded", NULL));
		else
			http_json(resp, 200,
			    clinical_profiles_json(app->clinical));
		return 1;
	}
	/* Ids are checked before they reach any path. */
	if (strlen(rest) < ID_LEN) {
		http_error_i18n(resp, 404, "not_found", "No such sample.",
		    msg_list("sample_not_found", NULL));
		return 1;
	}
	memcpy(id, rest, ID_LEN);
	id[ID_LEN] = '\0';
	rest += ID_LEN;
	if (!id_valid(id)) {
		http_error_i18n(resp, 404, "not_found", "No such sample.",
		    msg_list("sample_not_found", NULL));
		return 1;
	}
	if (*rest == '\0') {
		if (strcmp(m, "GET") == 0)
			route_show(app, id, resp, 200);
		else if (strcmp(m, "PUT") == 0)
			route_update(app, id, req, resp);
		else if (strcmp(m, "DELETE") == 0) {
			if ((e = samples_remove(app->results_fd, id)) !=
			    SAMPLES_OK)
				store_error(resp, e);
			else
				http_json(resp, 200, json_pack("{s:s}",
				    "deleted", id));
		} else
			method_not_allowed(resp, "GET, PUT, DELETE");
		return 1;
	}
	if (strcmp(rest, "/results") == 0) {
		if (strcmp(m, "POST") == 0)
			route_attach(app, id, req, resp);
		else
			method_not_allowed(resp, "POST");
		return 1;
	}
	/* "/results/<result id>": take a field out of the sample. */
	if (strncmp(rest, "/results/", 9) == 0) {
		if (strcmp(m, "DELETE") != 0)
			method_not_allowed(resp, "DELETE");
		else if (!id_valid(rest + 9))
			http_error_i18n(resp, 404, "not_found", "No such result.",
			    msg_list("result_not_found", NULL));
		else if ((e = samples_detach(app->results_fd, id, rest + 9)) !=
		    SAMPLES_OK)
			store_error(resp, e);
		else
			route_show(app, id, resp, 200);
		return 1;
	}
	http_error_i18n(resp, 404, "not_found", "No such route.",
	    msg_list("route_not_found", NULL));
	return 1;
}
