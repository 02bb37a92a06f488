/* morphsum.c: a sample's red-cell morphology over its fields, and its plain-language pattern line */
/*
 * Each field's result carries its own figures (rbcmorph.c): cells
 * measured, mean and SD of the diameters, the shares above the pallor and
 * elongation cuts.  Pooled here exactly: the sums of diameters and of
 * their squares come back from n, mean and SD, the counts from n and the
 * shares; the class counts by name.  The pattern line (morphpattern.c:
 * from the class shares when the classifier ran, else from the geometry)
 * is withheld below MORPHSUM_MIN_CELLS classified (or measured) cells;
 * every cut it uses is marked unverified (docs/morphology.md).
 */

#include "clinical/morphsum.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
morphsum_init(struct morphsum *m)
{
	memset(m, 0, sizeof(*m));
	m->um_ok = 1;
}

/* The number at key in o, or d when it is not a number. */
static double
num_at(const json_t *o, const char *key, double d)
{
	const json_t	*j = json_object_get(o, key);

	return json_is_number(j) ? json_number_value(j) : d;
}

/* Add one field's "classes" object (rbccls_json()). */
static void
morphsum_classes(const json_t *c, struct morphsum *m)
{
	const json_t	*by = json_object_get(c, "by"), *v;
	const char	*key;
	int		 k;

	if (!json_is_object(c))
		return;
	m->classified += (int)num_at(c, "classified", 0);
	m->abstained += (int)num_at(c, "abstained", 0);
	json_object_foreach((json_t *)by, key, v) {
		for (k = 0; k < m->ncls && strcmp(m->cls[k], key) != 0; k++)
			;
		if (k == m->ncls) {
			if (m->ncls == MORPHSUM_MAX_CLASSES ||
			    strlen(key) >= sizeof(m->cls[0]))
				continue;
			snprintf(m->cls[m->ncls++], sizeof(m->cls[0]), "%s", key);
		}
		m->by[k] += (int)json_integer_value(v);
	}
}

/* The sample's "classes" object; NULL when nothing was classified. */
static json_t *
morphsum_classes_json(const struct morphsum *m)
{
	json_t	*by, *share;
	int	 k, lead = -1;

	if (m->classified + m->abstained == 0)
		return NULL;
	by = json_object();
	share = json_object();
	for (k = 0; k < m->ncls; k++) {
		json_object_set_new(by, m->cls[k], json_integer(m->by[k]));
		json_object_set_new(share, m->cls[k], json_real(m->classified >
		    0 ? round(1000.0 * m->by[k] / m->classified) / 1000 : 0));
		if (strcmp(m->cls[k], "normal") != 0 && m->by[k] > 0 &&
		    (lead < 0 || m->by[k] > m->by[lead]))
			lead = k;
	}
	return json_pack("{s:i,s:i,s:o,s:o,s:o}", "classified", m->classified,
	    "abstained", m->abstained, "by", by, "share", share,
	    "leading_abnormal", lead >= 0 && m->classified >=
	    MORPHSUM_MIN_CELLS ? json_string(m->cls[lead]) : json_null());
}

void
morphsum_field(const json_t *result, struct morphsum *m)
{
	const json_t	*o = json_object_get(result, "morphology");
	const json_t	*sc = json_object_get(result, "scale");
	const char	*src = json_string_value(json_object_get(sc, "source"));
	double		 n, mean, sd, um;

	if (!json_is_object(o))
		return;
	m->fields++;
	m->considered += (int)num_at(o, "considered", 0);
	morphsum_classes(json_object_get(o, "classes"), m);
	if ((n = num_at(o, "measured", 0)) < 1)
		return;
	mean = num_at(o, "mean_diameter_px", 0);
	sd = num_at(o, "sd_diameter_px", 0);
	m->measured += (int)n;
	m->sum += n * mean;
	m->sumsq += (n - 1) * sd * sd + n * mean * mean;
	m->hypo += round(n * num_at(o, "hypochromic_share", 0));
	m->ellip += round(n * num_at(o, "elongated_share", 0));
	um = num_at(sc, "um_per_px", 0);
	if (src == NULL || (strcmp(src, "request") != 0 &&
	    strcmp(src, "profile") != 0) || !(um > 0))
		m->um_ok = 0;
	else
		m->sum_um += n * mean * um;
}

/* One {"code", "params"} list. */
static json_t *
morphsum_msg(const char *code, json_t *params)
{
	return json_pack("[{s:s,s:o}]", "code", code, "params",
	    params != NULL ? params : json_object());
}

/* The classified cells' shares and the elongated share, for the class rule. */
static void
morphsum_shares(const struct morphsum *m, double ellip,
    struct morphpattern_classes *c)
{
	c->n = m->ncls;
	c->elongated = ellip;
	for (int k = 0; k < m->ncls; k++) {
		c->name[k] = m->cls[k];
		c->share[k] = m->classified > 0 ? (double)m->by[k] /
		    m->classified : 0;
	}
}

/*
 * Set "pattern", "pattern_i18n", "pattern_source", "withheld" and
 * "withheld_i18n" on o: from the classes when any field was classified
 * (at least MORPHSUM_MIN_CELLS classified cells), else from the geometry
 * (as many measured cells).
 */
static void
morphsum_set_pattern(json_t *o, const struct morphsum *m, double mean_um,
    double hypo, double ellip)
{
	int	 by_cls = m->classified + m->abstained > 0;
	int	 have = by_cls ? m->classified : m->measured;
	const char *code = NULL, *en = NULL;
	char	 why[128];
	struct morphpattern_classes c;

	if (have >= MORPHSUM_MIN_CELLS && by_cls) {
		morphsum_shares(m, ellip, &c);
		code = morphpattern_classes(&c, &en);
	} else if (have >= MORPHSUM_MIN_CELLS)
		code = morphpattern_geometry(mean_um, hypo, ellip, &en);
	json_object_set_new(o, "pattern_source", json_string(by_cls ?
	    "classes" : "geometry"));
	json_object_set_new(o, "pattern", code ? json_string(en) :
	    json_null());
	json_object_set_new(o, "pattern_i18n", code ? morphsum_msg(code, NULL) :
	    json_null());
	snprintf(why, sizeof(why), "No pattern line: %d red cells %s, at least "
	    "%d needed.", have, by_cls ? "classified" : "measured",
	    MORPHSUM_MIN_CELLS);
	json_object_set_new(o, "withheld", code ? json_null() :
	    json_string(why));
	json_object_set_new(o, "withheld_i18n", code ? json_null() :
	    by_cls ? morphsum_msg("morph_pattern_withheld_classes",
	    json_pack("{s:i,s:i}", "classified", have, "min",
	    MORPHSUM_MIN_CELLS)) : morphsum_msg("morph_pattern_withheld",
	    json_pack("{s:i,s:i}", "measured", have, "min",
	    MORPHSUM_MIN_CELLS)));
}

json_t *
morphsum_json(const struct morphsum *m)
{
	double		 n = m->measured, mean = n > 0 ? m->sum / n : 0;
	double		 mean_um = n > 0 && m->um_ok ? m->sum_um / n : 0;
	double		 sd = n > 1 ? sqrt(fmax(0, (m->sumsq - n * mean * mean) /
			    (n - 1))) : 0;
	double		 hypo = n > 0 ? m->hypo / n : 0;
	double		 ellip = n > 0 ? m->ellip / n : 0;
	json_t		*o, *cj;

	o = json_pack("{s:i,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:i,s:b,s:b}",
	    "fields", m->fields, "considered", m->considered, "measured",
	    m->measured,
	    "mean_diameter_px", n > 0 ? json_real(round(mean * 10) / 10) :
	    json_null(),
	    "mean_diameter_um", mean_um > 0 ? json_real(round(mean_um * 10) /
	    10) : json_null(),
	    "diameter_cv", n > 1 && mean > 0 ? json_real(round(sd / mean *
	    1000) / 1000) : json_null(),
	    "hypochromic_share", n > 0 ? json_real(round(hypo * 1000) / 1000) :
	    json_null(),
	    "elongated_share", n > 0 ? json_real(round(ellip * 1000) / 1000) :
	    json_null(),
	    "min_cells", MORPHSUM_MIN_CELLS, "verified", 0, "classifier",
	    m->classified + m->abstained > 0);
	if (o == NULL)
		return NULL;
	cj = morphsum_classes_json(m);
	json_object_set_new(o, "classes", cj != NULL ? cj : json_null());
	morphsum_set_pattern(o, m, mean_um, hypo, ellip);
	return o;
}
