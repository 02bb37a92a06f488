/* micexport.c: a microscope's checked fields as one file (images and labels, no patient facts), and that file read back on another box */
/*
 * Import checks the whole pack before it writes anything, then writes
 * each field as a result the usual way (results_commit: all of a result
 * or nothing) with its review (review_save), and deletes what it wrote
 * if a later field fails: a failed import leaves the box as it was.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* openat(2), O_CLOEXEC under -std=c11 */
#endif

#include "clinical/micexport.h"
#include "base/timing.h"
#include "store/micpack.h"
#include "store/micstore.h"
#include "store/results.h"
#include "store/review.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMG_MAX		(64L * 1024 * 1024)

static const char *const images[] = { "plain.jpg", "annotated.jpg",
    "thumb.jpg" };
/* What a result may say that is about a patient or this box, not the field. */
static const char *const dropped[] = { "id", "urls", "sample", "patient",
    "notes", "client", "review" };

/* File path of result id, malloc'd in *out; 0, or -1 with errno. */
static int
read_file(int results_fd, const char *id, const char *path,
    unsigned char **out, size_t *len)
{
	struct stat	 st;
	unsigned char	*b = NULL;
	int		 dfd, fd = -1, e = EIO;
	ssize_t		 r;
	size_t		 got = 0;

	if ((dfd = openat(results_fd, id, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if ((fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) == -1) {
		e = errno;
		goto fail;
	}
	if (st.st_size > IMG_MAX || (b = malloc((size_t)st.st_size + 1)) ==
	    NULL) {
		e = ENOMEM;
		goto fail;
	}
	while (got < (size_t)st.st_size && (r = read(fd, b + got,
	    (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	if (got != (size_t)st.st_size)
		goto fail;
	close(fd);
	close(dfd);
	*out = b;
	*len = got;
	return 0;
fail:
	free(b);
	if (fd >= 0)
		close(fd);
	close(dfd);
	errno = e;
	return -1;
}

/* Add result id (checked) as folder dir of pack p: 0, 1 (not a checked
 * field now: skipped), -1 with errno. */
static int
add_field(struct micpack *p, int results_fd, const char *id, const char *dir)
{
	json_t		*r = results_load(results_fd, id), *rv;
	json_t		*lab = NULL;
	char		*js = NULL, path[64];
	unsigned char	*img;
	size_t		 ilen, i;
	int		 rc = 1;

	rv = review_load(results_fd, id);
	if (r == NULL || rv == NULL || !json_is_true(json_object_get(rv,
	    "checked")))
		goto out;
	rc = -1;
	for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		json_object_del(r, dropped[i]);
	lab = json_pack("{s:s,s:O,s:b}", "by", "export", "changes",
	    json_object_get(rv, "changes"), "checked", 1);
	if (lab == NULL || (js = json_dumps(r, JSON_COMPACT)) == NULL)
		goto nomem;
	snprintf(path, sizeof(path), "%s/result.json", dir);
	if (micpack_add(p, path, js, strlen(js)) == -1)
		goto out;
	free(js);
	if ((js = json_dumps(lab, JSON_COMPACT)) == NULL)
		goto nomem;
	snprintf(path, sizeof(path), "%s/review.json", dir);
	if (micpack_add(p, path, js, strlen(js)) == -1)
		goto out;
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		if (read_file(results_fd, id, images[i], &img, &ilen) == -1) {
			if (errno == ENOENT && i > 0)
				continue;	/* plain.jpg is the one needed */
			goto out;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, images[i]);
		if (micpack_add(p, path, img, ilen) == -1) {
			free(img);
			goto out;
		}
		free(img);
	}
	rc = 0;
	goto out;
nomem:
	errno = ENOMEM;
out:
	free(js);
	json_decref(lab);
	json_decref(rv);
	json_decref(r);
	return rc;
}

int
micexport_fields(int results_fd, const char *name, unsigned char **out,
    size_t *outlen, size_t *nfields)
{
	struct micpack	 p;
	json_t		*st, *list, *dirs;
	char		 dir[32], at[64];
	size_t		 i;
	int		 rc = -1, r;

	*nfields = 0;
	if (micpack_init(&p, "fields") == -1)
		return -1;
	st = micstore_load(results_fd, name);
	list = json_object_get(st, "checked");
	dirs = json_array();
	for (i = 0; dirs != NULL && i < json_array_size(list); i++) {
		const char *id = json_string_value(json_array_get(list, i));

		snprintf(dir, sizeof(dir), "fields/%04zu", *nfields + 1);
		if (id == NULL || !id_valid(id))
			continue;
		if ((r = add_field(&p, results_fd, id, dir)) == -1)
			goto out;
		if (r == 0) {
			json_array_append_new(dirs, json_string(dir));
			(*nfields)++;
		}
	}
	timing_now_iso(at, sizeof(at));
	if (dirs == NULL || json_object_set_new(p.manifest, "fields", dirs) ==
	    -1 || json_object_set_new(p.manifest, "microscope",
	    json_string(name)) == -1 || json_object_set_new(p.manifest,
	    "exported", json_string(at)) == -1) {
		dirs = NULL;
		errno = ENOMEM;
		goto out;
	}
	dirs = NULL;
	rc = micpack_dump(&p, out, outlen);
out:
	json_decref(dirs);
	json_decref(st);
	micpack_free(&p);
	return rc;
}

/* ---- import -------------------------------------------------------------- */

/* One field of a pack, checked. */
struct infield {
	json_t				*result;
	json_t				*changes;
	const struct micpack_member	*img[3];	/* as images[] */
	char				 id[ID_LEN + 1];	/* once written */
};

static json_t *
member_json(const struct micpack_member *m)
{
	json_t	*o;

	if (m == NULL)
		return NULL;
	o = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Check field dir of the pack into f: 0, or -1 with err. */
static int
check_field(const struct micpack_member *m, size_t n, const char *dir,
    struct infield *f, char *err, size_t errlen)
{
	char		 path[MICPACK_NAME_MAX + 16], why[256];
	json_t		*rv;
	size_t		 i;

	snprintf(path, sizeof(path), "%s/result.json", dir);
	f->result = member_json(micpack_find(m, n, path));
	snprintf(path, sizeof(path), "%s/review.json", dir);
	rv = member_json(micpack_find(m, n, path));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, images[i]);
		f->img[i] = micpack_find(m, n, path);
	}
	if (f->result == NULL || rv == NULL || f->img[0] == NULL ||
	    !json_is_array(json_object_get(f->result, "detections")) ||
	    !json_is_true(json_object_get(rv, "checked"))) {
		snprintf(err, errlen, "Field %s of the pack lacks a result, "
		    "a checked review or its image.", dir);
		json_decref(rv);
		return -1;
	}
	f->changes = review_check(f->result, json_object_get(rv, "changes"),
	    why, sizeof(why), NULL);
	json_decref(rv);
	if (f->changes == NULL) {
		snprintf(err, errlen, "Field %s of the pack: its review does "
		    "not fit its result (%s).", dir, why);
		return -1;
	}
	return 0;
}

/* Write checked field f as a new result of microscope name: 0 or -1. */
static int
write_field(int results_fd, const char *name, struct infield *f)
{
	struct result_file	 files[4];
	char			 url[128], *js;
	json_t			*urls, *rv;
	size_t			 nf = 0, i;
	int			 cur, rc;

	if (id_new(f->id) == -1)
		return -1;
	urls = json_object();
	snprintf(url, sizeof(url), "/results/%s/annotated.jpg", f->id);
	json_object_set_new(urls, "image", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/plain.jpg", f->id);
	json_object_set_new(urls, "plain", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/thumb.jpg", f->id);
	json_object_set_new(urls, "thumb", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/result.json", f->id);
	json_object_set_new(urls, "json", json_string(url));
	json_object_set_new(f->result, "urls", urls);
	json_object_set_new(f->result, "id", json_string(f->id));
	json_object_set_new(f->result, "sample", json_null());
	json_object_set_new(f->result, "imported_from", json_incref(
	    json_object_get(f->result, "microscope") ?
	    json_object_get(f->result, "microscope") : json_null()));
	json_object_set_new(f->result, "microscope", json_string(name));
	if ((js = json_dumps(f->result, JSON_INDENT(1))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < 3; i++)
		if (f->img[i] != NULL)
			files[nf++] = (struct result_file){ images[i],
			    f->img[i]->data, f->img[i]->len };
	files[nf++] = (struct result_file){ "result.json", js, strlen(js) };
	rc = results_commit(results_fd, f->id, files, nf) == RESULTS_OK ? 0 :
	    -1;
	free(js);
	if (rc == -1) {
		f->id[0] = '\0';
		return -1;
	}
	rv = json_pack("{s:s,s:O,s:b}", "by", "import", "changes", f->changes,
	    "checked", 1);
	if (rv == NULL || review_save(results_fd, f->id, 0, rv, &cur) !=
	    REVIEW_OK || micstore_mark(results_fd, name, f->id, 1) == -1)
		rc = -1;
	json_decref(rv);
	return rc;
}

static void
undo(int results_fd, const char *name, struct infield *f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (f[i].id[0] == '\0')
			continue;
		(void)micstore_mark(results_fd, name, f[i].id, 0);
		(void)results_delete(results_fd, f[i].id);
	}
}

int
micexport_import_fields(int results_fd, const char *name, const void *buf,
    size_t len, size_t *nfields, char *err, size_t errlen)
{
	struct micpack_member	*m = NULL;
	struct infield		*f = NULL;
	json_t			*man = NULL, *dirs;
	size_t			 n, nf = 0, i;
	int			 rc = -1, e = EINVAL;

	*nfields = 0;
	if (micpack_read(buf, len, &man, &m, &n, err, errlen) == -1) {
		e = EBADMSG;
		goto out;
	}
	if (strcmp(json_string_value(json_object_get(man, "kind")) ?
	    json_string_value(json_object_get(man, "kind")) : "", "fields") !=
	    0) {
		snprintf(err, errlen, "This pack holds a %s, not checked "
		    "fields.", json_string_value(json_object_get(man,
		    "kind")) ? json_string_value(json_object_get(man,
		    "kind")) : "something else");
		goto out;
	}
	dirs = json_object_get(man, "fields");
	nf = json_array_size(dirs);
	if (nf == 0 || nf > MICSTORE_MAX_CHECKED || (f = calloc(nf,
	    sizeof(*f))) == NULL) {
		snprintf(err, errlen, "The pack lists no fields (or too "
		    "many).");
		goto out;
	}
	for (i = 0; i < nf; i++)
		if (!json_is_string(json_array_get(dirs, i)) ||
		    check_field(m, n, json_string_value(json_array_get(dirs,
		    i)), &f[i], err, errlen) == -1)
			goto out;
	for (i = 0; i < nf; i++)
		if (write_field(results_fd, name, &f[i]) == -1) {
			e = errno;
			snprintf(err, errlen, "Writing imported field %zu "
			    "failed (%s); nothing was kept.", i + 1,
			    strerror(e));
			undo(results_fd, name, f, nf);
			goto out;
		}
	*nfields = nf;
	rc = 0;
	e = 0;
out:
	for (i = 0; f != NULL && i < nf; i++) {
		json_decref(f[i].result);
		json_decref(f[i].changes);
	}
	free(f);
	free(m);
	json_decref(man);
	errno = e;
	return rc;
}
