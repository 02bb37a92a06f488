/* qualityref.c: a microscope's field-quality reference, the medians of its accepted clean fields' stored measures */

#include "clinical/qualityref.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/results.h"
#include "store/samples.h"

/*
 * The flags whose measures a reference is built from, in struct
 * quality_ref's order (stored under quality_measure_key()).
 */
static const enum quality_flag ref_flags[4] = {
	QFLAG_FOCUS, QFLAG_STAIN_BLUE, QFLAG_STAIN_PINK, QFLAG_STAIN_FADED
};

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
qualityref_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Whether q (a result's "quality") counts: not poor, all four measured. */
static int
field_values(const json_t *q, double out[4])
{
	const json_t	*ms = json_object_get(q, "measures");
	const json_t	*v;
	int		 k;

	if (!json_is_object(ms) || !json_is_false(json_object_get(q, "poor")))
		return 0;
	for (k = 0; k < 4; k++) {
		v = json_object_get(ms, quality_measure_key(ref_flags[k]));
		if (!json_is_number(v) || !isfinite(out[k] =
		    json_number_value(v)))
			return 0;
	}
	return 1;
}

long
qualityref_build(const json_t *fields, struct quality_ref *ref)
{
	size_t	 nf = json_array_size(fields), i, n = 0;
	double	*v[4], f[4];
	int	 k;

	for (k = 0; k < 4; k++)
		v[k] = malloc((nf + 1) * sizeof(double));
	if (v[0] == NULL || v[1] == NULL || v[2] == NULL || v[3] == NULL) {
		for (k = 0; k < 4; k++)
			free(v[k]);
		return -1;
	}
	for (i = 0; i < nf; i++) {
		if (!field_values(json_array_get(fields, i), f))
			continue;
		for (k = 0; k < 4; k++)
			v[k][n] = f[k];
		n++;
	}
	if (n > 0)
		*ref = (struct quality_ref){ qualityref_median(v[0], n),
		    qualityref_median(v[1], n), qualityref_median(v[2], n),
		    qualityref_median(v[3], n) };
	for (k = 0; k < 4; k++)
		free(v[k]);
	return (long)n;
}

/*
 * What each stored result says for a reference, by id: {"mic", "poor",
 * "measures"}, or null (no quality).  A result never changes once
 * written, so a reference rebuilt after a sample changed reads only the
 * results it has not seen; cleared past MEMO_MAX entries.
 */
#define MEMO_MAX	200000
static json_t	*memo;

static const json_t *
memo_get(int results_fd, const char *id)
{
	json_t		*r, *q, *e;
	const char	*mic;

	if (memo == NULL || json_object_size(memo) >= MEMO_MAX) {
		json_decref(memo);
		if ((memo = json_object()) == NULL)
			return NULL;
	}
	if ((e = json_object_get(memo, id)) != NULL)
		return e;
	if ((r = results_load(results_fd, id)) == NULL)
		return NULL;		/* gone, or unreadable now: not kept */
	mic = json_string_value(json_object_get(r, "microscope"));
	q = json_object_get(r, "quality");
	e = json_is_object(q) ? json_pack("{s:s,s:O,s:O*}", "mic", mic ? mic :
	    "", "poor", json_object_get(q, "poor"), "measures",
	    json_object_get(q, "measures")) : json_null();
	json_decref(r);
	if (e == NULL || json_object_set_new(memo, id, e) == -1)
		return NULL;
	return e;
}

/* Add result id's quality to fields if it was recorded with name. */
static void
collect_result(int results_fd, const char *id, const char *name,
    json_t *seen, json_t *fields)
{
	const json_t	*e;
	const char	*mic;

	if (id == NULL || json_object_get(seen, id) != NULL ||
	    json_object_set_new(seen, id, json_true()) == -1 ||
	    (e = memo_get(results_fd, id)) == NULL || !json_is_object(e))
		return;
	mic = json_string_value(json_object_get(e, "mic"));
	if (mic != NULL && strcmp(mic, name) == 0)
		json_array_append(fields, (json_t *)e);
}

/*
 * What each stored sample held when last read, by id: {"stamp", "results"}
 * (samples_stamps()).  A reference rebuilt after an attach reads again
 * only the sample that changed, not every sample.
 */
static json_t	*sample_memo;

/* Sample sid's result ids, read again only when its stamp moved. */
static json_t *
sample_results(int results_fd, const char *sid, json_t *stamp, json_t *memo)
{
	json_t	*e = json_object_get(sample_memo, sid), *s;

	if (e == NULL || !json_equal(json_object_get(e, "stamp"), stamp)) {
		if ((s = samples_load(results_fd, sid)) == NULL)
			return NULL;
		e = json_pack("{s:O,s:O}", "stamp", stamp, "results",
		    json_is_array(json_object_get(s, "results")) ?
		    json_object_get(s, "results") : json_array());
		json_decref(s);
		if (e == NULL || json_object_set_new(memo, sid, e) == -1)
			return NULL;
	} else if (json_object_set(memo, sid, e) == -1)
		return NULL;
	return json_object_get(e, "results");
}

/* The "quality" objects of the sampled results recorded with name. */
static json_t *
collect_fields(int results_fd, const char *name)
{
	json_t		*stamps, *fields, *seen, *memo, *ids, *stamp, *id;
	const char	*sid;
	size_t		 j;

	fields = json_array();
	seen = json_object();
	memo = json_object();
	if ((stamps = samples_stamps(results_fd)) == NULL || fields == NULL ||
	    seen == NULL || memo == NULL) {
		json_decref(stamps);
		json_decref(fields);
		json_decref(seen);
		json_decref(memo);
		return NULL;
	}
	json_object_foreach(stamps, sid, stamp) {
		if ((ids = sample_results(results_fd, sid, stamp, memo)) == NULL)
			continue;
		json_array_foreach(ids, j, id)
			collect_result(results_fd, json_string_value(id), name,
			    seen, fields);
	}
	json_decref(sample_memo);	/* samples removed since go with it */
	sample_memo = memo;
	json_decref(stamps);
	json_decref(seen);
	return fields;
}

/* ---- the per-process cache --------------------------------------------- */

#define REF_SLOTS	8
#define REF_NAME_MAX	128

struct ref_stamp {
	unsigned long long	 ino;
	long long		 sec, nsec;
	int			 valid;
};

static struct ref_slot {
	char			 name[REF_NAME_MAX];
	struct ref_stamp	 stamp;
	struct quality_ref	 ref;
	long			 n;
	unsigned long		 used;		/* least recently used goes */
} slots[REF_SLOTS];
static unsigned long ref_clock;

/* The samples directory's identity and time: any attach or detach moves it. */
static void
ref_stamp(int results_fd, struct ref_stamp *s)
{
	struct stat	 st;

	memset(s, 0, sizeof(*s));
	if (fstatat(results_fd, "samples", &st, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	*s = (struct ref_stamp){ (unsigned long long)st.st_ino,
	    (long long)st.st_mtim.tv_sec, (long long)st.st_mtim.tv_nsec, 1 };
}

static struct ref_slot *
ref_cached(const char *name, const struct ref_stamp *now)
{
	for (int i = 0; i < REF_SLOTS; i++)
		if (slots[i].used != 0 && strcmp(slots[i].name, name) == 0 &&
		    now->valid && slots[i].stamp.valid &&
		    slots[i].stamp.ino == now->ino &&
		    slots[i].stamp.sec == now->sec &&
		    slots[i].stamp.nsec == now->nsec) {
			slots[i].used = ++ref_clock;
			return &slots[i];
		}
	return NULL;
}

static void
ref_put(const char *name, const struct ref_stamp *now,
    const struct quality_ref *ref, long n)
{
	int	 k = 0;

	if (!now->valid || strlen(name) >= REF_NAME_MAX)
		return;
	for (int i = 0; i < REF_SLOTS; i++) {
		if (slots[i].used != 0 && strcmp(slots[i].name, name) == 0) {
			k = i;
			break;
		}
		if (slots[i].used < slots[k].used)
			k = i;
	}
	snprintf(slots[k].name, sizeof(slots[k].name), "%s", name);
	slots[k].stamp = *now;
	slots[k].ref = *ref;
	slots[k].n = n;
	slots[k].used = ++ref_clock;
}

int
qualityref_for(int results_fd, const char *name, struct quality_ref *ref,
    long *n)
{
	struct ref_stamp	 now;
	struct ref_slot		*s;
	struct quality_ref	 r = { 0, 0, 0, 0 };
	json_t			*fields;

	*n = 0;
	if (name == NULL || name[0] == '\0')
		return 0;
	ref_stamp(results_fd, &now);
	if ((s = ref_cached(name, &now)) != NULL) {
		r = s->ref;
		*n = s->n;
	} else {
		if ((fields = collect_fields(results_fd, name)) == NULL)
			return 0;
		*n = qualityref_build(fields, &r);
		json_decref(fields);
		if (*n < 0) {
			*n = 0;
			return 0;
		}
		ref_put(name, &now, &r, *n);
	}
	if (*n < QUALITYREF_MIN)
		return 0;
	*ref = r;
	return 1;
}

const char *
qualityref_label(const char *name, int used, long n, char *buf, size_t len)
{
	if (used)
		snprintf(buf, len, "profile:%s, %ld fields", name, n);
	else
		snprintf(buf, len, "default");
	return buf;
}
