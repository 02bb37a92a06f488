/* scalemem.c: the working scale remembered per microscope, checked after detection */
/*
 * A clinic's microscope and camera rarely change between photos, yet the
 * scale search (scan_estimate) costs a few forward passes on each.  So a
 * backend remembers, per microscope and photo size, the red-cell diameter
 * its last photos measured, and detects the next photo directly at that
 * working scale.  The check is free: the red cells detected there are
 * measured anyway (scan_detect's final ruler), and a zoom change, another
 * objective or another camera moves their size out of the ruler's 30 %,
 * or leaves too few of them to measure; only then is the photo searched
 * again, at the cost the search always had.  The memory is a small table
 * in the process (one backend serves one request at a time), least
 * recently used first out; a restart forgets it, which costs one search.
 */

#include "vision/scalemem.h"
#include "base/timing.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checked photos whose red cells make the remembered size (their median). */
#define HIST	8

struct slot {
	char		 key[SCALEMEM_KEY_MAX];
	int		 w, h;
	double		 rbc_px;	/* the median of hist */
	double		 hist[HIST];	/* ring, the search's value first */
	int		 nh, ih;
	unsigned long	 used;		/* 0: empty */
};

static struct slot	 slots[SCALEMEM_SLOTS];
static unsigned long	 tick;

static struct slot *
find(const char *key, int W, int H)
{
	size_t	 i;

	for (i = 0; i < SCALEMEM_SLOTS; i++)
		if (slots[i].used != 0 && slots[i].w == W && slots[i].h == H &&
		    strncmp(slots[i].key, key, SCALEMEM_KEY_MAX - 1) == 0)
			return &slots[i];
	return NULL;
}

int
scalemem_get(const char *key, int W, int H, double *rbc_px)
{
	struct slot	*s;

	if (key == NULL || *key == '\0' || (s = find(key, W, H)) == NULL)
		return 0;
	s->used = ++tick;
	*rbc_px = s->rbc_px;
	return 1;
}

void
scalemem_put(const char *key, int W, int H, double rbc_px)
{
	struct slot	*s;
	size_t		 i;

	if (key == NULL || *key == '\0' || !(rbc_px > 0))
		return;
	if ((s = find(key, W, H)) == NULL) {
		s = &slots[0];
		for (i = 1; i < SCALEMEM_SLOTS; i++)
			if (slots[i].used < s->used)
				s = &slots[i];
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->w = W;
		s->h = H;
	}
	s->rbc_px = s->hist[0] = rbc_px;
	s->nh = s->ih = 1;
	s->used = ++tick;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
scalemem_add(const char *key, int W, int H, double rbc_px)
{
	struct slot	*s;
	double		 v[HIST];
	int		 n;

	if (key == NULL || *key == '\0' || !(rbc_px > 0) ||
	    (s = find(key, W, H)) == NULL)
		return;
	s->hist[s->ih] = rbc_px;
	s->ih = (s->ih + 1) % HIST;
	if (s->nh < HIST)
		s->nh++;
	n = s->nh;
	memcpy(v, s->hist, (size_t)n * sizeof(*v));
	qsort(v, (size_t)n, sizeof(*v), dbl_cmp);
	s->rbc_px = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
scalemem_forget(const char *key, int W, int H)
{
	struct slot	*s;

	if (key != NULL && *key != '\0' && (s = find(key, W, H)) != NULL)
		memset(s, 0, sizeof(*s));
}

void
scalemem_clear(void)
{
	memset(slots, 0, sizeof(slots));
	tick = 0;
}

int
scalemem_key(char *buf, size_t len, const char *kind, const void *idv,
    size_t idlen)
{
	const char	*id = idv;
	size_t		 i;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (id == NULL || idlen == 0 || idlen > SCALEMEM_ID_MAX ||
	    strlen(kind) + 1 + idlen >= len)
		return -1;
	for (i = 0; i < idlen; i++)
		if (!isalnum((unsigned char)id[i]) && strchr("-_.:",
		    id[i]) == NULL)
			return -1;
	snprintf(buf, len, "%s:%.*s", kind, (int)idlen, id);
	return 0;
}

enum scan_err
scalemem_detect(struct detector *d, const struct scan_model *m,
    const struct scan_opts *o, const struct img *disp, double dfac, int W,
    int H, const char *key, scan_decode_fn decode, void *arg,
    struct scan_result *out)
{
	enum scan_err	 rc;
	double		 rbc, t0, spent = 0;

	if (o->auto_scale && scalemem_get(key, W, H, &rbc)) {
		t0 = timing_ms();
		rc = scan_detect(d, m, o, disp, dfac, W, H, rbc,
		    SCALE_REMEMBERED, decode, arg, out);
		if (rc == SCAN_OK && out->scale.checked) {
			/* the microscope's scale: the median of its photos' */
			scalemem_add(key, W, H, out->scale.rbc_px);
			return SCAN_OK;
		}
		/* no photo to measure: searching would not help */
		if (rc == SCAN_ERR_NOMEM || rc == SCAN_ERR_DECODE ||
		    rc == SCAN_ERR_BLANK)
			return rc;
		free(out->boxes);
		out->boxes = NULL;
		spent = timing_ms() - t0;	/* the failed check's cost */
	}
	rc = scan_detect(d, m, o, disp, dfac, W, H, 0, SCALE_NONE, decode,
	    arg, out);
	out->t_scale += spent;
	/* the working scale the search chose, so a like photo gets its counts */
	if (rc == SCAN_OK && out->scale.source == SCALE_AUTO &&
	    out->scale.checked && out->chosen > 0)
		scalemem_put(key, W, H, m->rbc_net_px / out->chosen);
	else
		scalemem_forget(key, W, H);
	return rc;
}
