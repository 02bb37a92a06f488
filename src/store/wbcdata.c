/* wbcdata.c: white-cell types set or confirmed by a reviewer, kept as data (crop, type, microscope) */
/*
 * A reviewer's type of a white cell is the best label this installation
 * will ever get for its own microscope, stain and camera: each one is
 * kept, with the cell's crop and how the photo was taken, so that a
 * later adaptation (issue "learns your microscope") can train on it.
 * Files go into the result's own directory, under its lock, so deleting
 * the result deletes them too; each is written under a private name and
 * linked into place, the JSON last.
 */

#include "store/wbcdata.h"
#include "store/fsutil.h"
#include "store/results.h"
#include "image/imgio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WBCDATA_MARGIN	0.2	/* as the classifier's crop */
#define WBCDATA_MAXPX	256
#define WBCDATA_PLAIN_MAX	(64 * 1024 * 1024)

static const char *const types[] = { "neutrophil", "lymphocyte",
	"monocyte", "eosinophil", "basophil", "ig", "erythroblast" };

/* The type a change gives (a string or {"class"}), if it is one. */
static const char *
change_type(const json_t *ch)
{
	const json_t	*t = json_object_get(ch, "wbc_type");
	const char	*s = json_is_string(t) ? json_string_value(t) :
	    json_string_value(json_object_get(t, "class"));
	size_t		 i;

	for (i = 0; s != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(s, types[i]) == 0)
			return types[i];
	return NULL;
}

/* plain.jpg of the result, decoded; -1 with errno. */
static int
load_plain(int dfd, struct img *im)
{
	unsigned char	*buf;
	struct stat	 st;
	int		 fd, rc = -1;

	if ((fd = openat(dfd, "plain.jpg", O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    st.st_size > WBCDATA_PLAIN_MAX ||
	    (buf = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		errno = EIO;
		return -1;
	}
	if (read(fd, buf, (size_t)st.st_size) == st.st_size &&
	    imgio_decode(buf, (size_t)st.st_size, IMG_JPEG, NULL, im) ==
	    IMG_OK)
		rc = 0;
	else
		errno = EIO;
	free(buf);
	close(fd);
	return rc;
}

/*
 * The JPEG crop of box (original-image pixels; f: plain.jpg's scale to
 * them) from plain: square, the box grown by WBCDATA_MARGIN, clamped,
 * at most WBCDATA_MAXPX.  0, or -1.
 */
static int
crop_jpeg(const struct img *plain, double f, const json_t *box,
    unsigned char **out, size_t *len)
{
	double	 x = json_number_value(json_object_get(box, "x")) * f;
	double	 y = json_number_value(json_object_get(box, "y")) * f;
	double	 w = json_number_value(json_object_get(box, "w")) * f;
	double	 h = json_number_value(json_object_get(box, "h")) * f;
	double	 side = fmax(w, h) * (1 + 2 * WBCDATA_MARGIN);
	struct img c = { 0, 0, NULL }, s = { 0, 0, NULL };
	int	 x0, y0, x1, y1, rc = -1;

	if (!(w > 0) || !(h > 0))
		return -1;
	x0 = (int)fmax(0, floor(x + w / 2 - side / 2));
	y0 = (int)fmax(0, floor(y + h / 2 - side / 2));
	x1 = (int)fmin(plain->w, ceil(x + w / 2 + side / 2));
	y1 = (int)fmin(plain->h, ceil(y + h / 2 + side / 2));
	if (x1 - x0 < 2 || y1 - y0 < 2)
		return -1;
	c.w = x1 - x0;
	c.h = y1 - y0;
	if ((c.rgb = malloc((size_t)c.w * c.h * 3)) == NULL)
		return -1;
	for (int r = 0; r < c.h; r++)
		memcpy(c.rgb + (size_t)r * c.w * 3, plain->rgb +
		    ((size_t)(y0 + r) * plain->w + x0) * 3, (size_t)c.w * 3);
	if (imgio_resize_fit(&c, WBCDATA_MAXPX, WBCDATA_MAXPX, &s) == 0 &&
	    imgio_encode_jpeg(&s, 92, out, len) == 0)
		rc = 0;
	imgio_free(&s);
	imgio_free(&c);
	return rc;
}

/* One typed cell: its crop written, its entry appended to cells. */
static int
keep_one(int dfd, const struct img *plain, double f, int version, size_t k,
    const json_t *result, const json_t *ch, const char *type, json_t *cells)
{
	const char	*op = json_string_value(json_object_get(ch, "op"));
	const json_t	*det = NULL, *box, *was = NULL;
	json_int_t	 di = -1;
	unsigned char	*jpg = NULL;
	size_t		 len;
	char		 name[64];
	int		 rc;

	if (strcmp(op, "add") == 0)
		box = json_object_get(ch, "box");
	else {
		di = json_integer_value(json_object_get(ch, "detection"));
		det = json_array_get(json_object_get(result, "detections"),
		    (size_t)di);
		box = json_object_get(det, "box");
		/* the classifier's type (a merged result keeps it apart) */
		was = json_object_get(det, "detector_wbc_type");
		if (was == NULL && json_object_get(json_object_get(det,
		    "wbc_type"), "by") == NULL)
			was = json_object_get(det, "wbc_type");
	}
	if (crop_jpeg(plain, f, box, &jpg, &len) == -1)
		return 0;	/* no crop to keep: the type alone is no data */
	snprintf(name, sizeof(name), "wbc-types-%d-%zu.jpg", version, k);
	rc = fsutil_put_new(dfd, name, "wd", jpg, len);
	free(jpg);
	if (rc == -1)
		return -1;
	json_array_append_new(cells, json_pack("{s:s,s:o,s:O,s:s,s:b,s:O?}",
	    "crop", name, "detection", di >= 0 ? json_integer(di) :
	    json_null(), "box", box, "type", type, "confirmed", was != NULL &&
	    json_is_string(json_object_get(was, "class")) &&
	    strcmp(json_string_value(json_object_get(was, "class")), type) ==
	    0, "classifier", was));
	return 0;
}

/* Remove the crops of cells (a failed keep leaves nothing behind). */
static void
unlink_crops(int dfd, const json_t *cells)
{
	size_t	 i;

	for (i = 0; i < json_array_size(cells); i++)
		(void)unlinkat(dfd, json_string_value(json_object_get(
		    json_array_get(cells, i), "crop")), 0);
}

/* The cells of changes, written; the JSON beside them.  -1: errno. */
static int
keep_all(int dfd, const char *id, int version, const json_t *result,
    const json_t *changes, const char *by)
{
	struct img	 plain = { 0, 0, NULL };
	json_t		*cells = json_array(), *o;
	const json_t	*ch;
	const char	*type, *name;
	char		 fname[48], *s;
	double		 f;
	size_t		 i;
	int		 rc = -1, e;

	if (load_plain(dfd, &plain) == -1) {
		if (errno == ENOENT)	/* no picture: nothing to keep */
			rc = 0;
		goto out;
	}
	f = (double)plain.w / json_number_value(json_object_get(
	    json_object_get(result, "image"), "width"));
	for (i = 0; i < json_array_size(changes); i++) {
		ch = json_array_get(changes, i);
		name = json_string_value(json_object_get(ch, "class"));
		if ((type = change_type(ch)) == NULL || name == NULL ||
		    strcmp(name, "WBC") != 0 || !(f > 0))
			continue;
		if (keep_one(dfd, &plain, f, version, i, result, ch, type,
		    cells) == -1)
			goto out;
	}
	rc = 0;
	if (json_array_size(cells) == 0)
		goto out;
	o = json_pack("{s:s,s:i,s:s,s:O?,s:O?,s:O?,s:O}", "result", id,
	    "review_version", version, "by", by,
	    "microscope", json_object_get(result, "microscope"), "scale",
	    json_object_get(result, "scale"), "model", json_object_get(result,
	    "model"), "cells", cells);
	snprintf(fname, sizeof(fname), "wbc-types-%d.json", version);
	if (o == NULL || (s = json_dumps(o, JSON_INDENT(1))) == NULL) {
		json_decref(o);
		errno = ENOMEM;
		rc = -1;
		goto out;
	}
	rc = fsutil_put_new(dfd, fname, "wd", s, strlen(s));
	free(s);
	json_decref(o);
	if (rc == 0)
		(void)fsync(dfd);
out:
	e = errno;
	if (rc == -1)
		unlink_crops(dfd, cells);
	imgio_free(&plain);
	json_decref(cells);
	errno = e;
	return rc;
}

int
wbcdata_keep(int results_fd, const char *id, int version,
    const json_t *result, const json_t *changes, const char *by)
{
	size_t	 i;
	int	 dfd, rc, e;

	for (i = 0; i < json_array_size(changes); i++)
		if (change_type(json_array_get(changes, i)) != NULL)
			break;
	if (i == json_array_size(changes))
		return 0;
	if ((dfd = results_lock(results_fd, id)) < 0)
		return -1;
	rc = keep_all(dfd, id, version, result, changes, by);
	e = errno;
	close(dfd);
	errno = e;
	return rc;
}
