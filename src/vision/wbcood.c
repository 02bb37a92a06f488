/* wbcood.c: when the white-cell classifier does not know: calibration, out-of-distribution tests, reasons */
/*
 * The classifier learned from one hospital's smears (one stain, one
 * camera); on others its softmax can be confidently wrong.  So a crop is
 * typed only when every test passes, in this order:
 *
 *   crop_cut               its box touches the image border;
 *   stain_unlike_training  its stain statistics (background colour,
 *                          nucleus and mean optical density) lie further
 *                          than max_z standard deviations from the
 *                          training crops' on any one of them;
 *   unlike_training        its pooled features lie further than
 *                          max_distance from every class's training mean
 *                          (per-feature standardised, RMS), or its energy
 *                          (-log sum exp of the logits) is above
 *                          energy_max: a crop unlike what it was taught;
 *   rejected               the best class is the reject class (a platelet
 *                          clump boxed as a white cell);
 *   low_confidence         its calibrated probability (softmax of the
 *                          logits over the temperature, plus the
 *                          model's class_offsets when it has them) is
 *                          below min_confidence.
 *
 * The limits are fitted by bv-calib-cls on pbc-cells (temperature on val
 * by likelihood; the OOD limits so that >= 95 % of val crops pass them
 * all) and read from models/v2-wbc.json.  This file only applies them.
 */

#include "vision/wbcood.h"
#include "vision/cellcrop.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WBCOOD_DEFAULT_MIN	0.6
#define WBCOOD_DEFAULT_REJECT	"platelet"
/* A box within this many pixels of the image border is a cut cell. */
#define WBCOOD_EDGE_PX		2.0
/* A class offset beyond this (a prior shift of e^5 ~ 150x) is an error. */
#define WBCOOD_MAX_OFFSET	5.0

struct wbcood {
	int	 n;			/* classes */
	double	 t;			/* temperature */
	/* class_offsets: log-prior shifts added to the calibrated logits
	 * (z / t + off), chosen on val (0: none) */
	double	 off[WBCOOD_MAX_CLASSES];
	double	 min_conf;
	unsigned char reject[WBCOOD_MAX_CLASSES];
	double	 energy_max;		/* INFINITY: no test */
	int	 nf;			/* 0: no feature test */
	float	*scale;			/* nf */
	float	*means;			/* n x nf */
	double	 max_dist;
	int	 stain;			/* 0: no stain test */
	double	 st_mean[WBCOOD_NSTAIN], st_sd[WBCOOD_NSTAIN], max_z;
	int	 norm;			/* 1: crops white-balanced to bg */
	double	 bg[3];
};

static const char *const reason_names[] = {
	"typed", "crop_cut", "stain_unlike_training", "unlike_training",
	"rejected", "low_confidence"
};

const char *
wbcood_reason_name(enum wbcood_reason r)
{
	return (size_t)r < sizeof(reason_names) / sizeof(reason_names[0]) ?
	    reason_names[r] : "?";
}

void
wbcood_free(struct wbcood *m)
{
	if (m == NULL)
		return;
	free(m->scale);
	free(m->means);
	free(m);
}

static struct wbcood *
model_new(const char **names, int n)
{
	struct wbcood	*m;
	int		 k;

	if (n < 1 || n > WBCOOD_MAX_CLASSES ||
	    (m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->n = n;
	m->t = 1;
	m->min_conf = WBCOOD_DEFAULT_MIN;
	m->energy_max = INFINITY;
	m->max_dist = INFINITY;
	m->max_z = INFINITY;
	for (k = 0; k < n; k++)
		m->reject[k] = strcmp(names[k], WBCOOD_DEFAULT_REJECT) == 0;
	return m;
}

struct wbcood *
wbcood_default(const char **names, int n)
{
	return model_new(names, n);
}

/* n finite numbers of array a into out: 0, else -1. */
static int
numbers(const json_t *a, size_t n, double *out)
{
	size_t	 i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!json_is_number(json_array_get(a, i)))
			return -1;
		out[i] = json_number_value(json_array_get(a, i));
		if (!isfinite(out[i]))
			return -1;
	}
	return 0;
}

/* "features": {"scale": [nf], "means": [[nf] x classes], "max_distance"} */
static int
load_features(struct wbcood *m, const json_t *f)
{
	const json_t	*sc = json_object_get(f, "scale");
	const json_t	*mu = json_object_get(f, "means");
	double		*row;
	size_t		 nf = json_array_size(sc), j;
	int		 k, rc = -1;

	if (nf == 0 || nf > 65536 || json_array_size(mu) != (size_t)m->n ||
	    !json_is_number(json_object_get(f, "max_distance")) ||
	    (row = malloc(nf * sizeof(*row))) == NULL)
		return -1;
	m->nf = (int)nf;
	if ((m->scale = malloc(nf * sizeof(float))) == NULL ||
	    (m->means = malloc(nf * m->n * sizeof(float))) == NULL ||
	    numbers(sc, nf, row) == -1)
		goto out;
	for (j = 0; j < nf; j++) {
		if (!(row[j] > 0))
			goto out;
		m->scale[j] = (float)row[j];
	}
	for (k = 0; k < m->n; k++) {
		if (numbers(json_array_get(mu, (size_t)k), nf, row) == -1)
			goto out;
		for (j = 0; j < nf; j++)
			m->means[(size_t)k * nf + j] = (float)row[j];
	}
	m->max_dist = json_number_value(json_object_get(f, "max_distance"));
	rc = m->max_dist > 0 ? 0 : -1;
out:
	free(row);
	return rc;
}

/* "stain": {"mean": [9], "sd": [9], "max_z"} */
static int
load_stain(struct wbcood *m, const json_t *s)
{
	int	 i;

	if (numbers(json_object_get(s, "mean"), WBCOOD_NSTAIN,
	    m->st_mean) == -1 || numbers(json_object_get(s, "sd"),
	    WBCOOD_NSTAIN, m->st_sd) == -1 ||
	    !json_is_number(json_object_get(s, "max_z")))
		return -1;
	for (i = 0; i < WBCOOD_NSTAIN; i++)
		if (!(m->st_sd[i] > 0))
			return -1;
	m->max_z = json_number_value(json_object_get(s, "max_z"));
	m->stain = 1;
	return m->max_z > 0 ? 0 : -1;
}

/* 1 when every class offset is within +-WBCOOD_MAX_OFFSET. */
static int
offsets_sane(const double *off, int n)
{
	for (int k = 0; k < n; k++)
		if (fabs(off[k]) > WBCOOD_MAX_OFFSET)
			return 0;
	return 1;
}

/* The top-level numbers, the classes and the reject list. */
static const char *
load_head(struct wbcood *m, const json_t *r, const char **names)
{
	const json_t	*cl = json_object_get(r, "classes"), *rj, *e;
	size_t		 i;
	int		 k;

	if (json_array_size(cl) != (size_t)m->n)
		return "\"classes\" is not the classifier's list";
	for (k = 0; k < m->n; k++)
		if (!json_is_string(json_array_get(cl, (size_t)k)) ||
		    strcmp(json_string_value(json_array_get(cl, (size_t)k)),
		    names[k]) != 0)
			return "\"classes\" is not the classifier's list";
	m->t = json_number_value(json_object_get(r, "temperature"));
	m->min_conf = json_number_value(json_object_get(r,
	    "min_confidence"));
	if (!(m->t > 0.05 && m->t < 20) || !(m->min_conf >= 0 &&
	    m->min_conf <= 1))
		return "bad \"temperature\" or \"min_confidence\"";
	if ((rj = json_object_get(r, "reject")) != NULL) {
		memset(m->reject, 0, sizeof(m->reject));
		for (i = 0; i < json_array_size(rj); i++)
			for (k = 0; k < m->n; k++)
				if (json_is_string(json_array_get(rj, i)) &&
				    strcmp(json_string_value(json_array_get(rj,
				    i)), names[k]) == 0)
					m->reject[k] = 1;
	}
	e = json_object_get(r, "class_offsets");
	if (e != NULL && !json_is_null(e) && (numbers(e, (size_t)m->n,
	    m->off) == -1 || !offsets_sane(m->off, m->n)))
		return "bad \"class_offsets\"";
	e = json_object_get(r, "normalise_background");
	if (e != NULL && !json_is_null(e)) {
		if (numbers(e, 3, m->bg) == -1 || !(m->bg[0] > 0.05 &&
		    m->bg[1] > 0.05 && m->bg[2] > 0.05))
			return "bad \"normalise_background\"";
		m->norm = 1;
	}
	e = json_object_get(r, "energy_max");
	if (json_is_number(e))
		m->energy_max = json_number_value(e);
	else if (e != NULL && !json_is_null(e))
		return "bad \"energy_max\"";
	return NULL;
}

struct wbcood *
wbcood_from_json(const void *root, const char **names, int n, char *err,
    size_t errsz)
{
	const json_t	*r = root, *f, *s;
	struct wbcood	*m;
	const char	*why = NULL;

	if ((m = model_new(names, n)) == NULL) {
		snprintf(err, errsz, "out of memory or too many classes");
		return NULL;
	}
	why = json_is_object(r) ? load_head(m, r, names) : "not an object";
	f = json_object_get(r, "features");
	s = json_object_get(r, "stain");
	if (why == NULL && f != NULL && !json_is_null(f) &&
	    load_features(m, f) == -1)
		why = "bad \"features\"";
	if (why == NULL && s != NULL && !json_is_null(s) &&
	    load_stain(m, s) == -1)
		why = "bad \"stain\"";
	if (why != NULL) {
		snprintf(err, errsz, "%s", why);
		wbcood_free(m);
		return NULL;
	}
	return m;
}

struct wbcood *
wbcood_load(const char *path, const char **names, int n, char *err,
    size_t errsz)
{
	struct wbcood	*m;
	json_error_t	 je;
	json_t		*r;
	char		 why[256];

	if ((r = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errsz, "%s:%d: %s", path, je.line, je.text);
		return NULL;
	}
	if ((m = wbcood_from_json(r, names, n, why, sizeof(why))) == NULL)
		snprintf(err, errsz, "%s: %s", path, why);
	json_decref(r);
	return m;
}

int
wbcood_cut(double x0, double y0, double x1, double y1, int w, int h)
{
	return x0 <= WBCOOD_EDGE_PX || y0 <= WBCOOD_EDGE_PX ||
	    x1 >= w - WBCOOD_EDGE_PX || y1 >= h - WBCOOD_EDGE_PX;
}

void
wbcood_softmax(const float *z, int n, double t, float *p)
{
	double	 big = -INFINITY, sum = 0, e[WBCOOD_MAX_CLASSES];
	int	 k;

	for (k = 0; k < n && k < WBCOOD_MAX_CLASSES; k++)
		if (z[k] / t > big)
			big = z[k] / t;
	for (k = 0; k < n && k < WBCOOD_MAX_CLASSES; k++)
		sum += (e[k] = exp(z[k] / t - big));
	for (k = 0; k < n && k < WBCOOD_MAX_CLASSES; k++)
		p[k] = (float)(e[k] / sum);
}

/* RMS standardised distance of feat to the nearest class mean. */
static float
nearest_mean(const struct wbcood *m, const float *feat)
{
	double	 best = INFINITY, acc, d;
	int	 j, k;

	for (k = 0; k < m->n; k++) {
		for (acc = 0, j = 0; j < m->nf; j++) {
			d = (feat[j] - m->means[(size_t)k * m->nf + j]) /
			    m->scale[j];
			acc += d * d;
		}
		if (acc < best)
			best = acc;
	}
	return (float)sqrt(best / m->nf);
}

enum wbcood_reason
wbcood_judge(const struct wbcood *m, const float *logits, const float *feat,
    int nf, const float *stain, int cut, struct wbcood_verdict *v)
{
	double	 big = -INFINITY, sum = 0, z;
	float	 shifted[WBCOOD_MAX_CLASSES] = { 0 };
	int	 k, i;

	memset(v, 0, sizeof(*v));
	for (k = 0; k < m->n; k++)
		shifted[k] = (float)(logits[k] + m->t * m->off[k]);
	wbcood_softmax(shifted, m->n, m->t, v->probs);
	for (k = 0; k < m->n; k++)
		if (k == 0 || v->probs[k] > v->probs[v->cls])
			v->cls = k;
	v->conf = v->probs[v->cls];
	for (k = 0; k < m->n; k++)
		big = fmax(big, logits[k]);
	for (k = 0; k < m->n; k++)
		sum += exp(logits[k] - big);
	v->energy = (float)-(big + log(sum));
	v->dist = feat != NULL && nf == m->nf && m->nf > 0 ?
	    nearest_mean(m, feat) : NAN;
	/* a white-balanced crop's background is the target: not a test */
	v->stain_z = 0;
	for (i = m->norm ? 3 : 0; stain != NULL && m->stain &&
	    i < WBCOOD_NSTAIN; i++) {
		z = fabs((stain[i] - m->st_mean[i]) / m->st_sd[i]);
		if (z > v->stain_z)
			v->stain_z = (float)z;
	}
	if (cut)
		v->reason = WBCOOD_CROP_CUT;
	else if (v->stain_z > m->max_z)
		v->reason = WBCOOD_STAIN;
	else if (v->dist > m->max_dist || v->energy > m->energy_max)
		v->reason = WBCOOD_UNLIKE;
	else if (m->reject[v->cls])
		v->reason = WBCOOD_REJECTED;
	else if (v->conf < m->min_conf)
		v->reason = WBCOOD_LOW_CONF;
	else
		v->reason = WBCOOD_TYPED;
	return v->reason;
}

/* The crop's pixels in the image: columns u0..u1-1, rows v0..v1-1. */
struct span {
	int	 u0, u1, v0, v1;
};

/* Is pixel centre k of a side-pixel axis from s0 (step) within [a, b)? */
static int
in_axis(float s0, float step, int k, float a, float b)
{
	float	 c = s0 + (k + 0.5f) * step;

	return c >= a && c < b;
}

/*
 * Which pixels of a side x side crop with geometry g lie in the image (all
 * with g NULL): a rectangle, since a pixel centre grows with its index;
 * each index is tested with the same float formula as before, so the set
 * is exactly the one the per-pixel test gave.
 */
static struct span
span_of(const struct cellcrop *g, int side)
{
	struct span	 s = { 0, side, 0, side };
	float		 step;

	if (g == NULL)
		return s;
	step = g->side / side;
	while (s.u0 < side && !in_axis(g->sx0, step, s.u0, g->x0, g->x1))
		s.u0++;
	for (s.u1 = s.u0; s.u1 < side && in_axis(g->sx0, step, s.u1, g->x0,
	    g->x1); s.u1++)
		;
	while (s.v0 < side && !in_axis(g->sy0, step, s.v0, g->y0, g->y1))
		s.v0++;
	for (s.v1 = s.v0; s.v1 < side && in_axis(g->sy0, step, s.v1, g->y0,
	    g->y1); s.v1++)
		;
	return s;
}

#define NBIN	768

/* Brightness bin of pixel o (sum of its channels). */
static int
bin_of(const float *in, size_t plane, size_t o)
{
	float	 s = in[o] + in[plane + o] + in[2 * plane + o];
	int	 b = (int)(s * (NBIN - 1) / 3);

	return b < 0 ? 0 : b >= NBIN ? NBIN - 1 : b;
}

/*
 * Mean colour of the brightest fifth (bg) and of the darkest tenth (dk)
 * of the crop's pixels inside the image; their count in *n.  -1 when
 * fewer than 100 lie inside.
 */
static int
extremes(const float *in, int side, const struct cellcrop *g, double *bg,
    double *dk, size_t *n)
{
	size_t	 plane = (size_t)side * side, o, hist[NBIN] = { 0 }, acc;
	double	 nb = 0, nd = 0;
	int	 u, v, c, b, lo, hi;
	struct span sp = span_of(g, side);

	*n = 0;
	for (v = sp.v0; v < sp.v1; v++)
		for (u = sp.u0; u < sp.u1; u++) {
			hist[bin_of(in, plane, (size_t)v * side + u)]++;
			(*n)++;
		}
	if (*n < 100)
		return -1;
	/* lo: the bin holding the darkest tenth's edge; hi: the brightest
	 * fifth's */
	for (acc = 0, lo = 0; lo < NBIN - 1 && (acc += hist[lo]) < *n / 10;
	    lo++)
		;
	for (acc = 0, hi = NBIN - 1; hi > 0 && (acc += hist[hi]) < *n / 5;
	    hi--)
		;
	memset(bg, 0, 3 * sizeof(*bg));
	memset(dk, 0, 3 * sizeof(*dk));
	for (v = sp.v0; v < sp.v1; v++)
		for (u = sp.u0; u < sp.u1; u++) {
			o = (size_t)v * side + u;
			b = bin_of(in, plane, o);
			for (c = 0; c < 3; c++) {
				bg[c] += b >= hi ? in[c * plane + o] : 0;
				dk[c] += b <= lo ? in[c * plane + o] : 0;
			}
			nb += b >= hi;
			nd += b <= lo;
		}
	for (c = 0; c < 3; c++) {
		bg[c] = fmax(bg[c] / nb, 1e-3);
		dk[c] = fmax(dk[c] / nd, 1e-3);
	}
	return 0;
}

/*
 * Sum over the span of -log(max(x, 1e-3) / bg) for one channel: n log(bg)
 * minus the log of the product of the values, a product taken over at
 * most 32 values at a time (each in [1e-3, 1]: no underflow below
 * 1e-96) so that one log() serves 32 pixels instead of one.  The same
 * sum to about 1e-13, not bit for bit (tests/test_cls).
 */
static double
od_sum(const float *ch, int side, const struct span *sp, double bg)
{
	double	 prod = 1, sum = 0;
	int	 u, v, k = 0;

	for (v = sp->v0; v < sp->v1; v++)
		for (u = sp->u0; u < sp->u1; u++) {
			prod *= fmax(ch[(size_t)v * side + u], 1e-3);
			if (++k == 32) {
				sum += log(prod);
				prod = 1;
				k = 0;
			}
		}
	sum += log(prod);
	return (double)(sp->u1 - sp->u0) * (sp->v1 - sp->v0) * log(bg) - sum;
}

int
wbcood_stain(const float *in, int side, const struct cellcrop *g,
    float *stats)
{
	size_t	 plane = (size_t)side * side, n;
	double	 bg[3], dk[3], od[3];
	int	 c;
	struct span sp = span_of(g, side);

	if (extremes(in, side, g, bg, dk, &n) == -1)
		return -1;
	for (c = 0; c < 3; c++)
		od[c] = od_sum(in + c * plane, side, &sp, bg[c]);
	for (c = 0; c < 3; c++) {
		stats[c] = (float)bg[c];
		stats[3 + c] = (float)-log(dk[c] / bg[c]);
		stats[6 + c] = (float)(od[c] / (double)n);
	}
	return 0;
}

int
wbcood_normalise(const struct wbcood *m, float *in, int side,
    const struct cellcrop *g)
{
	size_t	 plane = (size_t)side * side, n, o;
	double	 bg[3], dk[3], k[3];
	int	 u, v, c;
	struct span sp = span_of(g, side);

	if (!m->norm)
		return 0;
	if (extremes(in, side, g, bg, dk, &n) == -1)
		return -1;
	for (c = 0; c < 3; c++)
		k[c] = m->bg[c] / bg[c];
	for (v = sp.v0; v < sp.v1; v++)
		for (u = sp.u0; u < sp.u1; u++) {
			o = (size_t)v * side + u;
			for (c = 0; c < 3; c++)
				in[c * plane + o] = (float)fmin(1, k[c] *
				    in[c * plane + o]);
		}
	return 0;
}

double
wbcood_temperature(const struct wbcood *m)
{
	return m->t;
}

double
wbcood_min_conf(const struct wbcood *m)
{
	return m->min_conf;
}

int
wbcood_is_reject(const struct wbcood *m, int k)
{
	return k >= 0 && k < m->n && m->reject[k];
}

double
wbcood_offset(const struct wbcood *m, int k)
{
	return k >= 0 && k < m->n ? m->off[k] : 0;
}
