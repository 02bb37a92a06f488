/* quality.c: is this picture a usable smear field? the scene gate and per-field quality flags */
/*
 * Everything is measured on two small copies of the picture made at the
 * cells' own scale (the scale the detector found): a "fine" copy where a
 * red cell is about 32 px across (focus) and a "coarse" one at about 16
 * px (colour, texture, frequency, background, the cells' colour).  So a
 * 640x480 BCCD field and a 12-megapixel eyepiece photo of the same smear
 * give the same figures, and the cost stays a few milliseconds whatever
 * the photo's size (each copy is capped and sampled, not fully read).
 *
 * The gate is a logistic regression over those statistics and the
 * detector's own evidence (how many red cells, how alike in size and
 * colour, how much of the field they fill), its weights in
 * quality_model.h, written by bv-quality train from smear fields and
 * pictures that are not smears (docs/quality.md).  The flags are plain
 * rules, one measured value and one limit each (the table below), their
 * limits measured in docs/quality.md.
 */

#include "vision/quality.h"
#include "base/count.h"
#include "base/geom.h"
#include "base/num.h"
#include "vision/detector.h"
#include "vision/quality_model.h"
#include "vision/quality_px.h"
#include "image/imgio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The flags: name, default limit, side, digits shown, the limit against
 * a reference (struct quality_ref; focus and stain flags only: the
 * reference plus rel for blue and pink, times rel for focus and faded;
 * 0: none), English sentence (%s: value, %s: limit), and the key its
 * value is stored under in a result's measures (a measure whose meaning
 * changed gets a new key, so that references built from stored results
 * never mix the two: focus was "focus" until the edge measure changed,
 * stain_blue "stain_blue" while it was red's share of all three channels'
 * density; red against red and green alone sets blue-shifted fields
 * apart from four laboratories' clean ones, docs/quality.md).
 */
static const struct flag_rule {
	const char	*name;
	double		 limit;
	int		 below;		/* raised when value < limit */
	int		 digits;	/* the value as shown */
	double		 rel;		/* limit from a reference */
	const char	*text;
	const char	*key;		/* NULL: name */
} rules[QFLAG_N] = {
	[QFLAG_FOCUS] = { "focus", 0.50, 1, 2, 0.50,
	    "Out of focus: edge sharpness %s, below %s. Turn the fine "
	    "focus until the cell edges are sharp.", "edge_sharpness" },
	[QFLAG_DARK] = { "dark", 0.30, 1, 2, 0,
	    "Under-exposed: the background is at %s of full brightness, "
	    "below %s. Open the diaphragm or raise the light.", NULL },
	[QFLAG_BRIGHT] = { "bright", 0.65, 0, 2, 0,
	    "Over-exposed: %s of the field is burnt white, above %s. Lower "
	    "the light or the exposure.", NULL },
	[QFLAG_THICK] = { "thick", 0.72, 0, 2, 0,
	    "Too thick: cells cover %s of the field, above %s. Move "
	    "toward the feathered edge, where cells just touch.", NULL },
	[QFLAG_SPARSE] = { "sparse", 0.04, 1, 3, 0,
	    "Too sparse: red cells fill %s of the field, below %s. Move "
	    "toward the body of the smear.", NULL },
	[QFLAG_MAGNIFICATION] = { "magnification", 1.50, 0, 2, 0,
	    "Magnification implausible: red cells measure %s times (or "
	    "1/%s) the size the scale implies, beyond %s. Check the "
	    "objective and the calibration profile.", NULL },
	[QFLAG_STAIN_BLUE] = { "stain_blue", 0.49, 0, 2, 0.14,
	    "Stain too blue: red cells absorb red light at %s of their red "
	    "and green absorption, above %s. Check the buffer pH and the "
	    "staining time.", "stain_blue_rg" },
	[QFLAG_STAIN_PINK] = { "stain_pink", 0.60, 0, 2, 0.12,
	    "Stain too pink: green absorption is %s of the red cells' "
	    "density, above %s. Check the buffer pH and the staining time.",
	    NULL },
	[QFLAG_STAIN_FADED] = { "stain_faded", 0.30, 1, 2, 0.45,
	    "Stain faded: red cells have an optical density of %s, below "
	    "%s. Restain or use a fresher slide.", NULL },
};

static const char *const feature_names[QF_N] = {
	"bright", "bright_sd", "background", "saturation", "green_min",
	"red_green", "blue_green", "hue_entropy", "fine", "band", "edges",
	"nrbc", "cover", "size_cv", "aspect", "conf", "contrast", "cell_cv",
	"clump"
};

/* A reduced copy: grey and the three channels, 0..1, and the field mask. */
struct plane {
	int		 w, h;
	float		*c[3], *l;
	unsigned char	*m;
	double		 k;		/* im px per plane px */
};

static void
plane_free(struct plane *p)
{
	int	 i;

	for (i = 0; i < 3; i++)
		free(p->c[i]);
	free(p->l);
	free(p->m);
	memset(p, 0, sizeof(*p));
}

static int
plane_alloc(struct plane *p, int w, int h)
{
	size_t	 n = (size_t)w * h;
	int	 i;

	memset(p, 0, sizeof(*p));
	p->w = w;
	p->h = h;
	for (i = 0; i < 3; i++)
		if ((p->c[i] = malloc(n * sizeof(float))) == NULL)
			goto fail;
	if ((p->l = malloc(n * sizeof(float))) == NULL ||
	    (p->m = malloc(n)) == NULL)
		goto fail;
	return 0;
fail:
	plane_free(p);
	return -1;
}

/*
 * The picture's sample positions of plane pixel i along an axis of n
 * plane pixels: pos[i * s + j] = (int)(i * k + (j + 0.5) * k / s), times
 * mul (3 for a column's byte offset in a row, the row's length for a
 * row's).  NULL on no memory.
 */
static size_t *
plane_samples(int n, int s, double k, size_t mul)
{
	size_t	*pos;
	double	 st = k / s;
	int	 i, j;

	if ((pos = malloc((size_t)n * s * sizeof(*pos))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		for (j = 0; j < s; j++)
			pos[(size_t)i * s + j] = (size_t)(int)(i * k + (j +
			    0.5) * st) * mul;
	return pos;
}

/* Plane pixel (x, y): each channel's mean over its s x s samples, 0..1. */
static void
plane_pixel(const struct img *im, const size_t *xs, const size_t *ys,
    int s, int x, int y, float out[3])
{
	unsigned	 acc[3] = { 0, 0, 0 };
	int		 i, j;

	for (j = 0; j < s; j++) {
		const unsigned char *row = im->rgb + ys[(size_t)y * s + j];

		for (i = 0; i < s; i++) {
			const unsigned char *q = row + xs[(size_t)x * s + i];

			acc[0] += q[0];
			acc[1] += q[1];
			acc[2] += q[2];
		}
	}
	for (i = 0; i < 3; i++)
		out[i] = (float)(acc[i] / (255.0 * s * s));
}

/*
 * p: im reduced by k (>= 1) in each direction, each pixel the mean of at
 * most 4 x 4 samples of its block; m[i] = 1 inside the field.
 */
static int
plane_from_img(const struct img *im, double k, const struct quality_input *in,
    struct plane *p)
{
	int	 w = (int)(im->w / k), h = (int)(im->h / k), x, y, s;
	size_t	 o, *xs, *ys;
	float	 v[3];

	if (w < 4 || h < 4 || plane_alloc(p, w, h) == -1)
		return -1;
	p->k = k;
	s = k >= 4 ? 4 : (int)k < 1 ? 1 : (int)k;
	xs = plane_samples(w, s, k, 3);
	ys = plane_samples(h, s, k, (size_t)im->w * 3);
	if (xs == NULL || ys == NULL) {
		free(xs);
		free(ys);
		plane_free(p);
		return -1;
	}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			o = (size_t)y * w + x;
			plane_pixel(im, xs, ys, s, x, y, v);
			p->c[0][o] = v[0];
			p->c[1][o] = v[1];
			p->c[2][o] = v[2];
			p->l[o] = (v[0] + v[1] + v[2]) / 3;
			p->m[o] = in->fov == NULL || fov_contains(in->fov,
			    (x + 0.5) * k / in->dfac, (y + 0.5) * k / in->dfac);
		}
	free(xs);
	free(ys);
	return 0;
}

/* Colour statistics of the coarse copy. */
static void
colour_features(const struct plane *p, double *f, double *clipped)
{
	size_t	 n = (size_t)p->w * p->h, i, cnt = 0, col = 0, gmin = 0;
	double	 s = 0, s2 = 0, sat = 0, rg = 0, bg = 0, hist[12] = { 0 }, e;
	double	 r, g, b, mx, mn, l, hue, clip = 0;
	int	 k;

	for (i = 0; i < n; i++) {
		if (!p->m[i])
			continue;
		r = p->c[0][i];
		g = p->c[1][i];
		b = p->c[2][i];
		l = p->l[i];
		mx = fmax(r, fmax(g, b));
		mn = fmin(r, fmin(g, b));
		cnt++;
		s += l;
		s2 += l * l;
		sat += mx > 1e-3 ? (mx - mn) / mx : 0;
		rg += (r - g) / (l + 0.02);
		bg += (b - g) / (l + 0.02);
		clip += mx >= 0.98;
		if (mx - mn > 0.04) {
			col++;
			gmin += g <= r && g <= b;
			hue = atan2(sqrt(3) * (g - b), 2 * r - g - b);
			k = (int)((hue + M_PI) / (2 * M_PI) * 12);
			hist[k < 0 ? 0 : k > 11 ? 11 : k]++;
		}
	}
	if (cnt == 0)
		return;
	f[QF_BRIGHT] = s / cnt;
	f[QF_BRIGHT_SD] = sqrt(fmax(0, s2 / cnt - f[QF_BRIGHT] *
	    f[QF_BRIGHT]));
	f[QF_BACKGROUND] = qpx_percentile(p->l, p->m, n, 0.9, 1.0);
	f[QF_SATURATION] = sat / cnt;
	f[QF_GREEN_MIN] = col > 0 ? (double)gmin / col : 0;
	f[QF_RED_GREEN] = rg / cnt;
	f[QF_BLUE_GREEN] = bg / cnt;
	e = 0;
	for (k = 0; k < 12 && col > 0; k++)
		if (hist[k] > 0)
			e -= hist[k] / col * log(hist[k] / col);
	f[QF_HUE_ENTROPY] = e / log(12);
	*clipped = clip / cnt;
}

/* Sum of grey over the box [x0, x1) x [y0, y1) from the integral image. */
static double
box_sum(const double *ii, int w, int x0, int y0, int x1, int y1)
{
	size_t	 W = (size_t)w + 1;

	return ii[(size_t)y1 * W + x1] - ii[(size_t)y0 * W + x1] -
	    ii[(size_t)y1 * W + x0] + ii[(size_t)y0 * W + x0];
}

/* Texture and frequency: detail at 1 px, contrast at the cells' size, edges. */
static int
texture_features(const struct plane *p, double *f)
{
	int	 w = p->w, h = p->h, x, y;
	size_t	 W = (size_t)w + 1, o, cnt = 0, edges = 0;
	double	*ii, fine = 0, band = 0, b3, b9, gx, gy, sd;

	if ((ii = calloc(W * (h + 1), sizeof(*ii))) == NULL)
		return -1;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			ii[(y + 1) * W + x + 1] = p->l[(size_t)y * w + x] +
			    ii[y * W + x + 1] + ii[(y + 1) * W + x] -
			    ii[y * W + x];
	for (y = 4; y < h - 4; y++)
		for (x = 4; x < w - 4; x++) {
			o = (size_t)y * w + x;
			if (!p->m[o])
				continue;
			b3 = box_sum(ii, w, x - 1, y - 1, x + 2, y + 2) / 9;
			b9 = box_sum(ii, w, x - 4, y - 4, x + 5, y + 5) / 81;
			fine += fabs(p->l[o] - b3);
			band += fabs(b3 - b9);
			gx = p->l[o + 1] - p->l[o - 1];
			gy = p->l[o + w] - p->l[o - w];
			edges += fabs(gx) + fabs(gy) > 0.16;
			cnt++;
		}
	free(ii);
	sd = f[QF_BRIGHT_SD] + 0.01;
	if (cnt > 0) {
		f[QF_FINE] = fine / cnt / sd;
		f[QF_BAND] = band / cnt / sd;
		f[QF_EDGES] = (double)edges / cnt;
	}
	return 0;
}

static int
counted_rbc(const struct quality_input *in, const struct det_box *b)
{
	return b->cls == in->rbc_cls &&
	    count_counted(b->conf, in->thr[in->rbc_cls]);
}

/* Share of counted red-cell area overlapping another by > 1/3 of the smaller. */
static double
clump_share(const struct quality_input *in)
{
	const struct det_box	*v = in->boxes;
	size_t			 i, j;
	double			 tot = 0, hit = 0, a;
	int			 mark;

	for (i = 0; i < in->n; i++) {
		if (!counted_rbc(in, &v[i]))
			continue;
		tot += v[i].w * v[i].h;
		for (j = 0, mark = 0; j < in->n && !mark; j++) {
			if (j == i || !counted_rbc(in, &v[j]))
				continue;
			a = fmin(v[i].w * v[i].h, v[j].w * v[j].h);
			mark = geom_inter(geom_xywh(v[i].x, v[i].y, v[i].w,
			    v[i].h), geom_xywh(v[j].x, v[j].y, v[j].w,
			    v[j].h)) > a / 3;
		}
		if (mark)
			hit += v[i].w * v[i].h;
	}
	return tot > 0 ? hit / tot : 0;
}

/* Mean of channel c over the 3 x 3 plane pixels around (x, y), im px. */
static double
plane_at(const struct plane *p, int c, double x, double y)
{
	int	 px = (int)(x / p->k), py = (int)(y / p->k), i, j, n = 0;
	double	 s = 0;
	const float *v = c < 3 ? p->c[c] : p->l;

	for (j = py - 1; j <= py + 1; j++)
		for (i = px - 1; i <= px + 1; i++)
			if (i >= 0 && j >= 0 && i < p->w && j < p->h) {
				s += v[(size_t)j * p->w + i];
				n++;
			}
	return n > 0 ? s / n : 0;
}

/*
 * Add to acc[0..2] each channel's mean over the cell's inner disc (0.8 of
 * the box's half sides), im px centre (x, y) and half sides (rx, ry).
 */
static void
plane_disc(const struct plane *p, double x, double y, double rx, double ry,
    double acc[3])
{
	int	 i, j, c, n = 0;
	double	 cx = x / p->k, cy = y / p->k, ax = 0.8 * rx / p->k;
	double	 ay = 0.8 * ry / p->k, s[3] = { 0, 0, 0 }, dx, dy;
	size_t	 o;

	for (j = (int)(cy - ay); j <= (int)(cy + ay); j++)
		for (i = (int)(cx - ax); i <= (int)(cx + ax); i++) {
			dx = (i + 0.5 - cx) / fmax(ax, 0.5);
			dy = (j + 0.5 - cy) / fmax(ay, 0.5);
			if (i < 0 || j < 0 || i >= p->w || j >= p->h ||
			    dx * dx + dy * dy > 1)
				continue;
			o = (size_t)j * p->w + i;
			for (c = 0; c < 3; c++)
				s[c] += p->c[c][o];
			n++;
		}
	for (c = 0; c < 3; c++)
		acc[c] += n > 0 ? s[c] / n : plane_at(p, c, x, y);
}

/*
 * Red cells: the detector's evidence, the colour at their centres (the
 * gate's), and the stain measured over their inner discs (the flags').
 */
static void
cell_features(const struct quality_input *in, const struct plane *p,
    double *f, struct quality *q, double *od)
{
	size_t	 i;
	int	 n = 0, c;
	double	 area = 0, s = 0, s2 = 0, asp = 0, conf = 0, sz, x, y, lc;
	double	 lsum = 0, l2 = 0, ch[3] = { 0, 0, 0 }, bg;

	for (i = 0; i < in->n; i++) {
		const struct det_box *b = &in->boxes[i];

		if (!counted_rbc(in, b) || b->w <= 0 || b->h <= 0)
			continue;
		n++;
		area += b->w * b->h;
		sz = sqrt(b->w * b->h);
		s += sz;
		s2 += sz * sz;
		asp += fabs(log(b->w / b->h));
		conf += b->conf;
		x = (b->x + b->w / 2) * in->dfac;
		y = (b->y + b->h / 2) * in->dfac;
		lc = plane_at(p, 3, x, y);
		lsum += lc;
		l2 += lc * lc;
		plane_disc(p, x, y, b->w / 2 * in->dfac, b->h / 2 * in->dfac,
		    ch);
	}
	q->nrbc = n;
	f[QF_NRBC] = log1p(n);
	f[QF_COVER] = in->fov != NULL && in->fov->area_px > 0 ?
	    fmin(2, area / in->fov->area_px) : 0;
	f[QF_SIZE_CV] = n >= 3 ? sqrt(fmax(0, s2 / n - (s / n) * (s / n))) /
	    (s / n) : 1;
	f[QF_ASPECT] = n > 0 ? asp / n : 1;
	f[QF_CONF] = n > 0 ? conf / n : 0;
	f[QF_CONTRAST] = n > 0 ? lsum / n - f[QF_BACKGROUND] : 0;
	f[QF_CELL_CV] = n >= 3 ? sqrt(fmax(0, l2 / n - (lsum / n) *
	    (lsum / n))) / fmax(0.02, lsum / n) : 1;
	f[QF_CLUMP] = clump_share(in);
	/* optical density of the cells against the background, per channel */
	for (c = 0; c < 3 && n > 0; c++) {
		bg = qpx_percentile(p->c[c], p->m, (size_t)p->w * p->h, 0.9,
		    1.0);
		od[c] = fmax(0, -log(fmax(ch[c] / n, 0.004) / fmax(bg,
		    0.004)));
	}
	q->value[QFLAG_SPARSE] = f[QF_COVER];
	if (n >= 3 && in->scale != NULL && in->scale->um_per_px > 0 &&
	    in->rbc_um > 0) {
		double r = (s / n) * in->scale->um_per_px / in->rbc_um;

		q->value[QFLAG_MAGNIFICATION] = r >= 1 ? r : 1 / r;
	}
}

/* The reduction of the fine copy: red cells ~32 px, at most ~250k pixels. */
static double
fine_factor(const struct quality_input *in)
{
	const struct img	*im = in->im;
	double			 k = 1, rbc;

	rbc = in->scale != NULL ? in->scale->rbc_px * in->dfac : 0;
	if (rbc > 0)
		k = rbc / 32;
	else
		k = (im->w > im->h ? im->w : im->h) / 640.0;
	if (k < 1)
		k = 1;
	while ((double)im->w * im->h / (k * k) > 250000)
		k *= 1.25;
	return k;
}

/*
 * Each flag's limit: the table's, or for a focus or stain flag measured
 * against a reference, the reference moved by the table's rel.
 */
static void
set_limits(const struct quality_ref *ref, struct quality *q)
{
	int	 i;

	for (i = 0; i < QFLAG_N; i++)
		q->limit[i] = rules[i].limit;
	if (ref == NULL)
		return;
	q->limit[QFLAG_FOCUS] = ref->focus * rules[QFLAG_FOCUS].rel;
	q->limit[QFLAG_STAIN_BLUE] = ref->blue + rules[QFLAG_STAIN_BLUE].rel;
	q->limit[QFLAG_STAIN_PINK] = ref->pink + rules[QFLAG_STAIN_PINK].rel;
	q->limit[QFLAG_STAIN_FADED] = ref->faded *
	    rules[QFLAG_STAIN_FADED].rel;
}

/*
 * Raise the flags whose value passes its limit (NAN: not measured).  A
 * burnt or dark field says so alone: its cells' edges and colours are
 * the exposure's doing, so focus and stain are not judged on it; nor is
 * thickness on a clearly blurred field, its focus below BLUR_JOINS of its
 * limit (blur joins neighbouring cells; the overlaps of a thick field
 * lower focus a little, and that field stays thick).
 */
#define BLUR_JOINS	0.85
static void
raise_flags(struct quality *q)
{
	const unsigned	 exposure = 1u << QFLAG_DARK | 1u << QFLAG_BRIGHT;
	const unsigned	 judged = 1u << QFLAG_FOCUS | 1u << QFLAG_STAIN_BLUE |
			    1u << QFLAG_STAIN_PINK | 1u << QFLAG_STAIN_FADED;
	int		 i;

	q->flags = 0;
	for (i = 0; i < QFLAG_N; i++) {
		if (isnan(q->value[i]))
			continue;
		if (rules[i].below ? q->value[i] < q->limit[i] :
		    q->value[i] > q->limit[i])
			q->flags |= 1u << i;
	}
	if (q->flags & exposure)
		q->flags &= ~judged;
	if ((q->flags & 1u << QFLAG_FOCUS) && q->value[QFLAG_FOCUS] <
	    BLUR_JOINS * q->limit[QFLAG_FOCUS])
		q->flags &= ~(1u << QFLAG_THICK);
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * One red cell's green optical density, the lower quartile over the
 * counted cells (each the mean of its inner disc against the background,
 * the 95th percentile of green): a cell lying alone, where the median
 * would already count cells on cells.  0 with under 3 cells.
 */
static double
single_cell_od(const struct quality_input *in, const struct plane *p)
{
	double	*v, acc[3], bg, r = 0;
	size_t	 i, n = 0;

	if ((v = malloc((in->n + 1) * sizeof(*v))) == NULL)
		return 0;
	bg = fmax(0.004, qpx_percentile(p->c[1], p->m, (size_t)p->w * p->h,
	    0.95, 1.0));
	for (i = 0; i < in->n; i++) {
		const struct det_box *b = &in->boxes[i];

		if (!counted_rbc(in, b) || b->w <= 0 || b->h <= 0)
			continue;
		acc[0] = acc[1] = acc[2] = 0;
		plane_disc(p, (b->x + b->w / 2) * in->dfac, (b->y + b->h / 2) *
		    in->dfac, b->w / 2 * in->dfac, b->h / 2 * in->dfac, acc);
		v[n++] = -log(fmax(acc[1], 0.004) / bg);
	}
	if (n >= 3) {
		qsort(v, n, sizeof(*v), cmp_double);
		r = v[n / 4];
	}
	free(v);
	return r;
}

/*
 * The flags read from the pixels: edge sharpness on the fine copy at the
 * counted red cells' borders (the whole field with under 3), the share
 * of the field the cells cover on the coarse one (cell pixels: green
 * optical density over THICK_CUT of a lone cell's, single_cell_od()).
 */
#define THICK_CUT	0.4
static void
pixel_flags(const struct quality_input *in, const struct plane *fine,
    const struct plane *coarse, struct quality *q)
{
	struct qpx_plane f = { fine->w, fine->h, fine->l, fine->c[1], fine->m };
	struct qpx_plane c = { coarse->w, coarse->h, coarse->l, coarse->c[1],
	    coarse->m };

	unsigned char	*ring;
	size_t		 i;
	double		 s = 1 / fine->k, od1;

	if (q->nrbc >= 3 && (ring = calloc((size_t)fine->w * fine->h, 1)) !=
	    NULL) {
		for (i = 0; i < in->n; i++) {
			const struct det_box *b = &in->boxes[i];

			if (counted_rbc(in, b))
				qpx_ring(ring, fine->w, fine->h, (b->x + b->w /
				    2) * in->dfac * s, (b->y + b->h / 2) *
				    in->dfac * s, b->w / 2 * in->dfac * s,
				    b->h / 2 * in->dfac * s);
		}
		q->value[QFLAG_FOCUS] = qpx_edge_sharpness(&f, ring);
		free(ring);
	} else
		q->value[QFLAG_FOCUS] = qpx_edge_sharpness(&f, NULL);
	if (q->nrbc >= 3 && (od1 = single_cell_od(in, coarse)) > 0)
		q->value[QFLAG_THICK] = qpx_cover(&c, fmax(0.03, THICK_CUT *
		    od1));
}

int
quality_measure(const struct quality_input *in, struct quality *q)
{
	struct plane	 fine, coarse;
	double		 k, clipped = 0, od[3] = { 0, 0, 0 }, sum;
	int		 i, rc = -1;

	memset(q, 0, sizeof(*q));
	memset(&fine, 0, sizeof(fine));
	memset(&coarse, 0, sizeof(coarse));
	for (i = 0; i < QFLAG_N; i++)
		q->value[i] = NAN;
	set_limits(in->ref, q);
	k = fine_factor(in);
	if (in->im == NULL || in->im->rgb == NULL ||
	    plane_from_img(in->im, k, in, &fine) == -1 ||
	    plane_from_img(in->im, 2 * k, in, &coarse) == -1)
		goto out;
	colour_features(&coarse, q->feat, &clipped);
	if (texture_features(&coarse, q->feat) == -1)
		goto out;
	cell_features(in, &coarse, q->feat, q, od);
	q->value[QFLAG_DARK] = q->feat[QF_BACKGROUND];
	q->value[QFLAG_BRIGHT] = clipped;
	if (q->nrbc >= 3) {
		sum = od[0] + od[1] + od[2];
		q->value[QFLAG_STAIN_FADED] = sum;
		if (sum > 0.05) {
			q->value[QFLAG_STAIN_BLUE] = od[0] / (od[0] + od[1] +
			    1e-9);
			q->value[QFLAG_STAIN_PINK] = od[1] / sum;
		}
	}
	pixel_flags(in, &fine, &coarse, q);
	q->score = quality_score(q->feat);
	q->smear = q->score >= quality_threshold();
	raise_flags(q);
	rc = 0;
out:
	plane_free(&fine);
	plane_free(&coarse);
	if (rc == -1) {
		memset(q, 0, sizeof(*q));
		q->smear = 1;
		q->score = 1;
	}
	return rc;
}

double
quality_score(const double feat[QF_N])
{
	double	 z = quality_model_bias, x;
	int	 i;

	for (i = 0; i < QF_N; i++) {
		x = (feat[i] - quality_model_mean[i]) / quality_model_sd[i];
		z += quality_model_w[i] * x;
	}
	return 1 / (1 + exp(-z));
}

double
quality_threshold(void)
{
	return quality_model_threshold;
}

const char *
quality_flag_name(enum quality_flag f)
{
	return f < QFLAG_N ? rules[f].name : "?";
}

const char *
quality_measure_key(enum quality_flag f)
{
	return f >= QFLAG_N ? "?" : rules[f].key != NULL ? rules[f].key :
	    rules[f].name;
}

const char *
quality_feature_name(enum quality_feature f)
{
	return f < QF_N ? feature_names[f] : "?";
}

double
quality_flag_limit(enum quality_flag f, int *below)
{
	if (f >= QFLAG_N)
		return NAN;
	if (below != NULL)
		*below = rules[f].below;
	return rules[f].limit;
}

int
quality_poor(const struct quality *q)
{
	return q->flags != 0;
}

/* One flag as {flag, value, limit, text, text_i18n}. */
static json_t *
flag_json(const struct quality *q, int i)
{
	const struct flag_rule	*r = &rules[i];
	double			 m = pow(10, r->digits);
	double			 v = round(q->value[i] * m) / m;
	double			 lim = round(q->limit[i] * m) / m;
	char			 vs[32], ls[32], text[400], code[48];

	snprintf(vs, sizeof(vs), "%.*f", r->digits, v);
	snprintf(ls, sizeof(ls), "%.*f", r->digits, q->limit[i]);
	if (i == QFLAG_MAGNIFICATION)
		snprintf(text, sizeof(text), r->text, vs, vs, ls);
	else
		snprintf(text, sizeof(text), r->text, vs, ls);
	snprintf(code, sizeof(code), "quality_%s", r->name);
	return json_pack("{s:s,s:f,s:f,s:s,s:[{s:s,s:{s:f,s:f}}]}",
	    "flag", r->name, "value", v, "limit", lim, "text", text,
	    "text_i18n", "code", code, "params", "value", v,
	    "limit", lim);
}

/*
 * Every flag's measured value, raised or not ({name: value}; one not
 * measured is left out): what a profile's reference is built from
 * (clinical/qualityref.h), rounded to 4 digits.
 */
static json_t *
measures_json(const struct quality *q)
{
	json_t	*ms;
	int	 i;

	if ((ms = json_object()) == NULL)
		return NULL;
	for (i = 0; i < QFLAG_N; i++)
		if (isfinite(q->value[i]) && json_object_set_new(ms,
		    quality_measure_key(i), json_real(round(q->value[i] * 1e4) /
		    1e4)) == -1) {
			json_decref(ms);
			return NULL;
		}
	return ms;
}

json_t *
quality_json(const struct quality *q)
{
	json_t	*o, *fl, *f, *ms;
	int	 i;

	if ((fl = json_array()) == NULL)
		return NULL;
	for (i = 0; i < QFLAG_N; i++) {
		if (!(q->flags & (1u << i)))
			continue;
		if ((f = flag_json(q, i)) == NULL) {
			json_decref(fl);
			return NULL;
		}
		json_array_append_new(fl, f);
	}
	if ((ms = measures_json(q)) == NULL) {
		json_decref(fl);
		return NULL;
	}
	o = json_pack("{s:b,s:f,s:o,s:o}", "poor", quality_poor(q),
	    "smear_score", num_round3(q->score), "flags", fl, "measures", ms);
	return o;
}
