/* voc.c: read Pascal VOC annotation files (BCCD) into boxes */
/*
 * BCCD's XML is flat, machine-written VOC: no attributes, comments, CDATA
 * or entities in the elements we read.  So rather than a general XML
 * parser we scan for the few elements we need, always bounded by the end
 * of the enclosing element, and reject anything malformed.  Files are
 * capped at VOC_MAX_FILE bytes and VOC_MAX_OBJECTS objects.
 */
#include "tools/voc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VOC_MAX_FILE (1u << 20)
#define VOC_MAX_OBJECTS 4096

static const char *const voc_names[VOC_NCLASSES] = { "RBC", "WBC", "Platelets" };

int
voc_class_index(const char *name)
{
	for (int i = 0; i < VOC_NCLASSES; i++)
		if (strcmp(name, voc_names[i]) == 0)
			return i;
	return -1;
}

const char *
voc_class_name(int cls)
{
	return cls >= 0 && cls < VOC_NCLASSES ? voc_names[cls] : "?";
}

/* Find needle in [p, end); NULL if absent. */
static const char *
voc_find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p + n <= end; p++)
		if (*p == *needle && memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/*
 * Locate the text of <tag>...</tag> inside [p, end).  On success sets
 * ts and te to the text bounds and returns the position after the close tag.
 */
static const char *
voc_element(const char *p, const char *end, const char *tag,
    const char **ts, const char **te)
{
	char open[64], close[64];
	const char *a, *b;

	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	if ((a = voc_find(p, end, open)) == NULL)
		return NULL;
	a += strlen(open);
	if ((b = voc_find(a, end, close)) == NULL)
		return NULL;
	*ts = a;
	*te = b;
	return b + strlen(close);
}

/* Copy trimmed text [s, e) into buf; -1 if it does not fit. */
static int
voc_text(const char *s, const char *e, char *buf, size_t bufsz)
{
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if ((size_t)(e - s) >= bufsz)
		return -1;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return 0;
}

static int
voc_number(const char *p, const char *end, const char *tag, double *out)
{
	const char *ts, *te;
	char buf[64], *ep;

	if (voc_element(p, end, tag, &ts, &te) == NULL)
		return -1;
	if (voc_text(ts, te, buf, sizeof buf) == -1 || buf[0] == '\0')
		return -1;
	errno = 0;
	*out = strtod(buf, &ep);
	if (errno != 0 || *ep != '\0' || *out != *out)
		return -1;
	return 0;
}

int
voc_parse(const char *buf, size_t len, struct voc_ann *out,
    char *err, size_t errsz)
{
	const char *p = buf, *end = buf + len, *ts, *te, *os, *oe;
	double w, h;
	size_t cap = 0;

	memset(out, 0, sizeof *out);
	if (voc_element(p, end, "size", &ts, &te) == NULL ||
	    voc_number(ts, te, "width", &w) == -1 ||
	    voc_number(ts, te, "height", &h) == -1 ||
	    w < 1 || h < 1 || w > 1e5 || h > 1e5) {
		snprintf(err, errsz, "missing or bad <size>");
		return -1;
	}
	out->width = (int)w;
	out->height = (int)h;

	while ((p = voc_element(p, end, "object", &os, &oe)) != NULL) {
		struct voc_box b;
		char name[64];
		double v[4], d;
		static const char *const k[4] = { "xmin", "ymin", "xmax", "ymax" };
		const char *bs, *be;

		if (voc_element(os, oe, "name", &ts, &te) == NULL ||
		    voc_text(ts, te, name, sizeof name) == -1) {
			snprintf(err, errsz, "object without <name>");
			goto fail;
		}
		if ((b.cls = voc_class_index(name)) < 0)
			continue;
		if (voc_element(os, oe, "bndbox", &bs, &be) == NULL) {
			snprintf(err, errsz, "object without <bndbox>");
			goto fail;
		}
		for (int i = 0; i < 4; i++)
			if (voc_number(bs, be, k[i], &v[i]) == -1 ||
			    v[i] < -1e5 || v[i] > 1e5) {
				snprintf(err, errsz, "bad <%s>", k[i]);
				goto fail;
			}
		b.xmin = (float)v[0];
		b.ymin = (float)v[1];
		b.xmax = (float)v[2];
		b.ymax = (float)v[3];
		b.difficult = voc_number(os, oe, "difficult", &d) == 0 && d != 0;
		b.truncated = voc_number(os, oe, "truncated", &d) == 0 && d != 0;
		if (out->n == cap) {
			struct voc_box *nb;

			if (cap >= VOC_MAX_OBJECTS) {
				snprintf(err, errsz, "too many objects");
				goto fail;
			}
			cap = cap ? cap * 2 : 32;
			if ((nb = realloc(out->boxes, cap * sizeof *nb)) == NULL) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			out->boxes = nb;
		}
		out->boxes[out->n++] = b;
	}
	return 0;
fail:
	voc_ann_clear(out);
	return -1;
}

int
voc_read(const char *path, struct voc_ann *out, char *err, size_t errsz)
{
	FILE *f;
	char *buf = NULL;
	size_t len;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(VOC_MAX_FILE + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto cleanup;
	}
	len = fread(buf, 1, VOC_MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		goto cleanup;
	}
	if (len > VOC_MAX_FILE) {
		snprintf(err, errsz, "%s: file too large", path);
		goto cleanup;
	}
	if (voc_parse(buf, len, out, err, errsz) == -1) {
		char tmp[256];

		snprintf(tmp, sizeof tmp, "%s", err);
		snprintf(err, errsz, "%s: %s", path, tmp);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(buf);
	fclose(f);
	return rc;
}

static float
voc_clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

size_t
voc_clean(struct voc_ann *a, size_t *nclamped)
{
	size_t i, j, dropped = 0, clamped = 0;
	float W = (float)a->width, H = (float)a->height;

	for (i = j = 0; i < a->n; i++) {
		struct voc_box b = a->boxes[i];
		struct voc_box c = b;

		c.xmin = voc_clampf(b.xmin, 0, W);
		c.xmax = voc_clampf(b.xmax, 0, W);
		c.ymin = voc_clampf(b.ymin, 0, H);
		c.ymax = voc_clampf(b.ymax, 0, H);
		if (c.xmax - c.xmin < 1 || c.ymax - c.ymin < 1) {
			dropped++;
			continue;
		}
		if (memcmp(&b, &c, sizeof b) != 0)
			clamped++;
		a->boxes[j++] = c;
	}
	a->n = j;
	if (nclamped != NULL)
		*nclamped = clamped;
	return dropped;
}

void
voc_ann_clear(struct voc_ann *a)
{
	if (a == NULL)
		return;
	free(a->boxes);
	a->boxes = NULL;
	a->n = 0;
}
