/* rbcmorph.c: red-cell geometry inside each detected box: size, elongation, circularity, central pallor */
/*
 * A cheap outline per cell, no model: inside the detected box grown by a
 * margin, the stain signal is the green channel's darkness (haemoglobin
 * and eosin absorb green most); Otsu's threshold splits cell from
 * background, the largest 4-connected dark component is the cell, and
 * holes in it (a pale centre darker than nothing) are filled.  An outline
 * that reaches the region's edge (merged with a neighbour, or a dark
 * background) or covers too little or too much of its box is refused
 * rather than measured.
 *
 * From the filled outline: the area-equivalent diameter 2 sqrt(A / pi);
 * elongation sqrt(l1 / l2) of the second moments' eigenvalues; the
 * perimeter by Crofton's formula on four directions (so a digital disc's
 * perimeter is 2 pi r, not the 8 r its pixel edges sum to), circularity
 * 4 pi A / P^2.  Central pallor: the stain is optical density
 * log(background / green), background the mean green outside the outline;
 * in the cell's moment ellipse scaled to its outline (rho = 1 at the
 * edge), the centre is rho < 1/3 and the ring 1/3 <= rho < 0.85 (the rim
 * left out: its pixels mix with the background); pallor ratio = 1 -
 * mean OD(centre) / mean OD(ring): 0 when the centre is stained like the
 * ring, 1 when it is empty.  docs/morphology.md.
 */

#include "vision/rbcmorph.h"
#include "base/count.h"
#include "base/geom.h"
#include "base/num.h"
#include "base/timing.h"
#include "vision/detector.h"
#include "vision/fov.h"
#include "image/imgio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MORPH_MARGIN	0.15	/* region: the box grown by this per side */
#define MORPH_ELLIPSE	1.08	/* the cell lies in the box's ellipse x this */
#define MORPH_MIN_FILL	0.30	/* outline area / box area, at least */
#define MORPH_MAX_FILL	1.10	/* ... and at most */
#define MORPH_MIN_SIDE	6	/* a box narrower (im px) is not measured */
#define MORPH_CENTRE	(1.0 / 3.0)
#define MORPH_RING	0.85

/* One cell's working region: its pixels' darkness and its outline. */
struct morph_region {
	int		 x0, y0, w, h;
	unsigned char	*dark;		/* 255 - green */
	unsigned char	*mask;		/* 1: the cell */
	int		*stack;
	double		 ecx, ecy, iea, ieb;	/* the box's ellipse, 1 / axes */
	int		 clip;		/* 1: the cell is kept in that ellipse */
};

/* Is region pixel p inside the box's (grown) ellipse? */
static int
morph_inside(const struct morph_region *r, int p)
{
	double	 u = (p % r->w + 0.5 - r->ecx) * r->iea;
	double	 v = (p / r->w + 0.5 - r->ecy) * r->ieb;

	return !r->clip || u * u + v * v <= 1;
}

/* Otsu's threshold on a 256-bin histogram: dark > t is the cell. */
static int
morph_otsu(const unsigned *hist, unsigned total)
{
	double	 sum = 0, sumb = 0, wb = 0, best = -1;
	int	 t, bt = 0;

	for (t = 0; t < 256; t++)
		sum += (double)t * hist[t];
	for (t = 0; t < 256; t++) {
		double	 wf, mb, mf, between;

		wb += hist[t];
		if (wb == 0)
			continue;
		if ((wf = total - wb) == 0)
			break;
		sumb += (double)t * hist[t];
		mb = sumb / wb;
		mf = (sum - sumb) / wf;
		between = wb * wf * (mb - mf) * (mb - mf);
		if (between > best) {
			best = between;
			bt = t;
		}
	}
	return bt;
}

/* Flood the dark pixels 4-connected to seed, marking them in seen. */
static int
morph_flood(struct morph_region *r, int t, int seed, unsigned char *seen)
{
	int	 sp = 0, size = 0;

	r->stack[sp++] = seed;
	seen[seed] = 1;
	while (sp > 0) {
		int	 p = r->stack[--sp], x = p % r->w, y = p / r->w, k;
		int	 q[4] = { x > 0 ? p - 1 : -1, x < r->w - 1 ? p + 1 : -1,
		    y > 0 ? p - r->w : -1, y < r->h - 1 ? p + r->w : -1 };

		size++;
		for (k = 0; k < 4; k++)
			if (q[k] >= 0 && !seen[q[k]] && r->dark[q[k]] > t &&
			    morph_inside(r, q[k])) {
				seen[q[k]] = 1;
				r->stack[sp++] = q[k];
			}
	}
	return size;
}

/* Threshold the region; the mask is its largest 4-connected dark part. */
static int
morph_component(struct morph_region *r, int t, unsigned char *seen)
{
	int	 n = r->w * r->h, i, size, best = 0, seed = -1;

	if (n <= 0)
		return 0;
	memset(seen, 0, (size_t)n);
	for (i = 0; i < n; i++)
		if (r->dark[i] > t && !seen[i] && morph_inside(r, i) &&
		    (size = morph_flood(r, t, i, seen)) > best) {
			best = size;
			seed = i;
		}
	memset(r->mask, 0, (size_t)n);
	if (seed >= 0)
		morph_flood(r, t, seed, r->mask);
	return best;
}

/*
 * Fill the holes of the mask: what the region's edge cannot reach without
 * crossing the cell is the cell.  Returns 1 if the cell touches the edge.
 */
static int
morph_fill(struct morph_region *r, unsigned char *out)
{
	int	 n = r->w * r->h, i, sp = 0, touches = 0;

	for (i = 0; i < n; i++) {
		int	 x = i % r->w, y = i / r->w;
		int	 edge = x == 0 || y == 0 || x == r->w - 1 || y == r->h - 1;

		out[i] = 0;
		if (edge && r->mask[i])
			touches = 1;
		if (edge && !r->mask[i]) {
			out[i] = 1;
			r->stack[sp++] = i;
		}
	}
	while (sp > 0) {
		int	 p = r->stack[--sp], x = p % r->w, y = p / r->w, k;
		int	 q[4] = { x > 0 ? p - 1 : -1, x < r->w - 1 ? p + 1 : -1,
		    y > 0 ? p - r->w : -1, y < r->h - 1 ? p + r->w : -1 };

		for (k = 0; k < 4; k++)
			if (q[k] >= 0 && !out[q[k]] && !r->mask[q[k]]) {
				out[q[k]] = 1;
				r->stack[sp++] = q[k];
			}
	}
	for (i = 0; i < n; i++)
		r->mask[i] = !out[i];
	return touches;
}

/* The mask at (x, y); 0 outside the region. */
static int
morph_at(const struct morph_region *r, int x, int y)
{
	return x >= 0 && y >= 0 && x < r->w && y < r->h && r->mask[y * r->w + x];
}

/* Crofton's perimeter of the mask from its crossings on four directions. */
static double
morph_perimeter(const struct morph_region *r)
{
	long	 hv = 0, dg = 0;
	int	 x, y;

	for (y = -1; y < r->h; y++)
		for (x = -1; x <= r->w; x++) {
			int	 a = morph_at(r, x, y);

			hv += (a != morph_at(r, x + 1, y)) +
			    (a != morph_at(r, x, y + 1));
			dg += (a != morph_at(r, x + 1, y + 1)) +
			    (a != morph_at(r, x - 1, y + 1));
		}
	/* P = (pi / 8) * sum over directions of crossings x line spacing */
	return M_PI / 8.0 * ((double)hv + (double)dg / M_SQRT2);
}

/* Area, moments, pallor of the filled mask; -1 when it cannot be read. */
static int
morph_shape(const struct morph_region *r, int t, struct rbcmorph_cell *c,
    double *area)
{
	double	 n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, bg = 0;
	double	 nb = 0, cx, cy, vxx, vyy, vxy, det, tr, disc, l1, l2;
	double	 odc = 0, odr = 0, nc = 0, nr = 0, oda = 0, lg[256];
	int	 x, y;

	for (y = 0; y < r->h; y++)
		for (x = 0; x < r->w; x++) {
			if (!r->mask[y * r->w + x]) {
				/* the background: not a neighbour's pixel */
				if (r->dark[y * r->w + x] <= t) {
					bg += 255 - r->dark[y * r->w + x];
					nb++;
				}
				continue;
			}
			n++;
			sx += x;
			sy += y;
			sxx += (double)x * x;
			syy += (double)y * y;
			sxy += (double)x * y;
		}
	if (n < 16 || nb < 8)
		return -1;
	cx = sx / n;
	cy = sy / n;
	vxx = sxx / n - cx * cx + 1.0 / 12;
	vyy = syy / n - cy * cy + 1.0 / 12;
	vxy = sxy / n - cx * cy;
	det = vxx * vyy - vxy * vxy;
	tr = vxx + vyy;
	disc = sqrt(fmax(0, tr * tr / 4 - det));
	l1 = tr / 2 + disc;
	l2 = tr / 2 - disc;
	if (det <= 0 || l2 <= 0)
		return -1;
	bg = fmax(1, bg / nb);
	for (x = 0; x < 256; x++)	/* od = log(bg) - lg[dark] */
		lg[x] = log(fmax(1, 255 - x));
	for (y = 0; y < r->h; y++)
		for (x = 0; x < r->w; x++) {
			double	 dx = x - cx, dy = y - cy, rho, od;
			int	 i = y * r->w + x;

			if (!r->mask[i])
				continue;
			/* x^T V^-1 x = 4 on the moment ellipse's edge */
			rho = sqrt((vyy * dx * dx - 2 * vxy * dx * dy +
			    vxx * dy * dy) / det / 4);
			od = log(bg) - lg[r->dark[i]];
			oda += od;
			if (rho < MORPH_CENTRE) {
				odc += od;
				nc++;
			} else if (rho < MORPH_RING) {
				odr += od;
				nr++;
			}
		}
	if (nc < 1 || nr < 1 || odr / nr <= 0.01)
		return -1;
	*area = n;
	c->elongation = sqrt(l1 / l2);
	c->pallor = fmin(1, fmax(0, 1 - (odc / nc) / (odr / nr)));
	c->od = oda / n;
	c->ring_od = odr / nr;
	return 0;
}

/* Fill r's darkness from im; the histogram of it. */
static void
morph_load(struct morph_region *r, const struct img *im, unsigned *hist)
{
	int	 x, y;

	memset(hist, 0, 256 * sizeof(*hist));
	for (y = 0; y < r->h; y++)
		for (x = 0; x < r->w; x++) {
			const unsigned char *p = im->rgb + 3 * ((size_t)(r->y0 +
			    y) * im->w + (r->x0 + x));
			unsigned char d = (unsigned char)(255 - p[1]);

			r->dark[y * r->w + x] = d;
			r->mask[y * r->w + x] = 0;
			hist[d]++;
		}
}

int
rbcmorph_cell_measure(const struct img *im, double dfac, int x0, int y0,
    int x1, int y1, struct rbcmorph_cell *out)
{
	struct morph_region	 r;
	unsigned		 hist[256];
	unsigned char		*tmp;
	double			 area, bw, bh, fill;
	int			 mx, my, t, size, ret = 0;

	memset(out, 0, sizeof(*out));
	out->status = RBCMORPH_SEGMENT;
	bw = x1 - x0;
	bh = y1 - y0;
	if (bw < MORPH_MIN_SIDE || bh < MORPH_MIN_SIDE || dfac <= 0)
		return 0;
	mx = (int)ceil(bw * MORPH_MARGIN);
	my = (int)ceil(bh * MORPH_MARGIN);
	r.x0 = x0 - mx < 0 ? 0 : x0 - mx;
	r.y0 = y0 - my < 0 ? 0 : y0 - my;
	r.w = (x1 + mx > im->w ? im->w : x1 + mx) - r.x0;
	r.h = (y1 + my > im->h ? im->h : y1 + my) - r.y0;
	if (r.w < MORPH_MIN_SIDE || r.h < MORPH_MIN_SIDE)
		return 0;
	r.dark = malloc((size_t)r.w * r.h * 3);
	r.stack = malloc((size_t)r.w * r.h * sizeof(*r.stack));
	if (r.dark == NULL || r.stack == NULL) {
		ret = -1;
		goto done;
	}
	r.mask = r.dark + (size_t)r.w * r.h;
	tmp = r.mask + (size_t)r.w * r.h;
	r.ecx = (x0 + x1) / 2.0 - r.x0;
	r.ecy = (y0 + y1) / 2.0 - r.y0;
	r.iea = 2 / (bw * MORPH_ELLIPSE);
	r.ieb = 2 / (bh * MORPH_ELLIPSE);
	r.clip = 0;
	morph_load(&r, im, hist);
	t = morph_otsu(hist, (unsigned)(r.w * r.h));
	/* merged with a neighbour: again, kept in its box's ellipse */
	if ((size = morph_component(&r, t, tmp)) > 0 && morph_fill(&r, tmp)) {
		r.clip = 1;
		if ((size = morph_component(&r, t, tmp)) > 0 &&
		    morph_fill(&r, tmp))
			goto done;
	}
	if (size == 0 || morph_shape(&r, t, out, &area) == -1)
		goto done;
	fill = area / (bw * bh);
	if (fill < MORPH_MIN_FILL || fill > MORPH_MAX_FILL)
		goto done;
	out->diameter_px = 2 * sqrt(area / M_PI) / dfac;
	out->circularity = fmin(1, 4 * M_PI * area /
	    pow(morph_perimeter(&r), 2));
	out->status = RBCMORPH_OK;
done:
	free(r.dark);
	free(r.stack);
	return ret;
}

/* Does box i share more than the allowed part of its area with another? */
static int
morph_overlaps(const struct det_box *b, size_t n, size_t i,
    const unsigned char *counted)
{
	struct geom_box	 gi = geom_xywh(b[i].x, b[i].y, b[i].w, b[i].h);
	double		 lim = RBCMORPH_OVERLAP_SHARE * b[i].w * b[i].h;
	size_t		 j;

	for (j = 0; j < n; j++)
		if (j != i && counted[j] && geom_inter(gi, geom_xywh(b[j].x,
		    b[j].y, b[j].w, b[j].h)) > lim)
			return 1;
	return 0;
}

/* Does box b's inscribed ellipse leave the field (eight points on it)? */
static int
morph_cut_by_field(const struct fov *f, const struct det_box *b)
{
	int	 k;

	if (f == NULL || f->shape != FOV_CIRCLE)
		return 0;
	for (k = 0; k < 8; k++)
		if (!fov_contains(f, b->x + b->w / 2 * (1 + cos(k * M_PI / 4)),
		    b->y + b->h / 2 * (1 + sin(k * M_PI / 4))))
			return 1;
	return 0;
}

int
rbcmorph_measure(const struct img *im, double dfac, const struct fov *f,
    const struct det_box *b, size_t n, int rbc, const double *thr,
    struct rbcmorph_cell *out)
{
	unsigned char	*counted;
	size_t		 i;
	int		 ret = 0;
	double		 typ;

	if (n == 0)
		return 0;
	typ = rbcmorph_typical(b, n, rbc, thr);
	if ((counted = malloc(n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		counted[i] = thr == NULL || count_counted(b[i].conf,
		    thr[b[i].cls]);
	for (i = 0; i < n && ret == 0; i++) {
		int	 x0 = (int)floor(b[i].x * dfac);
		int	 y0 = (int)floor(b[i].y * dfac);
		int	 x1 = (int)ceil((b[i].x + b[i].w) * dfac);
		int	 y1 = (int)ceil((b[i].y + b[i].h) * dfac);

		memset(&out[i], 0, sizeof(out[i]));
		if (b[i].cls != rbc || !counted[i])
			out[i].status = RBCMORPH_SKIP;
		else if (x0 < 3 || y0 < 3 || x1 > im->w - 3 || y1 > im->h - 3 ||
		    morph_cut_by_field(f, &b[i]))
			out[i].status = RBCMORPH_BORDER;
		else if (morph_overlaps(b, n, i, counted))
			out[i].status = RBCMORPH_OVERLAP;
		else if (typ > 0 && sqrt(b[i].w * b[i].h) >
		    RBCMORPH_CLUMP_SIDE * typ)
			out[i].status = RBCMORPH_CLUMP;
		else
			ret = rbcmorph_cell_measure(im, dfac, x0, y0, x1, y1,
			    &out[i]);
	}
	free(counted);
	return ret;
}

static int
morph_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v); 0 when n is 0. */
static double
morph_median(double *v, int n)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), morph_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
rbcmorph_summarize(const struct rbcmorph_cell *c, size_t n, double um_per_px,
    struct rbcmorph_summary *s)
{
	double	*d, *p, sum = 0, ss = 0, mean;
	size_t	 i;
	int	 m = 0, hypo = 0, ellip = 0;

	memset(s, 0, sizeof(*s));
	d = malloc((n + 1) * sizeof(*d));
	p = malloc((n + 1) * sizeof(*p));
	if (d == NULL || p == NULL) {
		free(d);
		free(p);
		return -1;
	}
	for (i = 0; i < n; i++) {
		s->considered += c[i].status != RBCMORPH_SKIP;
		s->border += c[i].status == RBCMORPH_BORDER;
		s->overlap += c[i].status == RBCMORPH_OVERLAP;
		s->segment += c[i].status == RBCMORPH_SEGMENT;
		s->clump += c[i].status == RBCMORPH_CLUMP;
		if (c[i].status != RBCMORPH_OK)
			continue;
		d[m] = c[i].diameter_px;
		p[m] = c[i].pallor;
		sum += d[m];
		ss += d[m] * d[m];
		hypo += c[i].pallor > RBCMORPH_HYPO_PALLOR;
		ellip += c[i].elongation > RBCMORPH_ELLIP_ELONG;
		m++;
	}
	s->measured = m;
	if (m > 0) {
		mean = sum / m;
		s->mean_px = mean;
		if (m > 1)
			s->sd_px = sqrt(fmax(0, (ss - m * mean * mean) /
			    (m - 1)));
		if (m > 1 && mean > 0)
			s->cv = s->sd_px / mean;
		s->hypo_share = (double)hypo / m;
		s->ellip_share = (double)ellip / m;
		s->median_px = morph_median(d, m);
		s->median_pallor = morph_median(p, m);
		if (um_per_px > 0)
			s->median_um = s->median_px * um_per_px;
	}
	free(d);
	free(p);
	return 0;
}

/* A share or figure, or null when nothing was measured. */
static json_t *
morph_num(int measured, double v)
{
	return measured > 0 ? json_real(num_round3(v)) : json_null();
}

json_t *
rbcmorph_json(const struct rbcmorph_summary *s)
{
	int	 m = s->measured;

	return json_pack("{s:i,s:i,s:{s:i,s:i,s:i,s:i},s:o,s:o,s:o,s:o,s:o,s:o,"
	    "s:o,s:o,s:{s:f,s:f,s:b,s:s},s:b}",
	    "considered", s->considered, "measured", m,
	    "not_measured", "border", s->border, "overlap", s->overlap,
	    "segmentation", s->segment, "clump", s->clump,
	    "median_diameter_px", m > 0 ? json_real(num_round1(s->median_px)) :
	    json_null(),
	    "median_diameter_um", m > 0 && s->median_um > 0 ?
	    json_real(num_round1(s->median_um)) : json_null(),
	    "mean_diameter_px", m > 0 ? json_real(num_round1(s->mean_px)) :
	    json_null(),
	    "sd_diameter_px", m > 1 ? json_real(num_round1(s->sd_px)) :
	    json_null(),
	    "diameter_cv", morph_num(m > 1 ? m : 0, s->cv),
	    "median_pallor", morph_num(m, s->median_pallor),
	    "hypochromic_share", morph_num(m, s->hypo_share),
	    "elongated_share", morph_num(m, s->ellip_share),
	    "cuts", "pallor", RBCMORPH_HYPO_PALLOR, "elongation",
	    RBCMORPH_ELLIP_ELONG, "verified", 0, "source",
	    "unverified: not checked against ICSH 2015 (docs/morphology.md)",
	    "classifier", 0);
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
rbcmorph_typical(const struct det_box *b, size_t n, int rbc, const double *thr)
{
	double	*v, med = 0;
	size_t	 i, k = 0;

	if (rbc < 0 || n == 0 || (v = malloc(n * sizeof(*v))) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (b[i].cls == rbc && (thr == NULL ||
		    count_counted(b[i].conf, thr[rbc])))
			v[k++] = fmax(b[i].w, b[i].h);
	if (k >= RBCMORPH_MIN_TYPICAL) {
		qsort(v, k, sizeof(*v), cmp_double);
		med = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	}
	free(v);
	return med;
}

json_t *
rbcmorph_field(const struct img *im, double dfac, const struct fov *f,
    const struct det_box *b, size_t n, int rbc, const double *thr,
    double um_per_px)
{
	struct rbcmorph_cell	*c = NULL;
	struct rbcmorph_summary	 s;
	double			 t0 = timing_ms();
	json_t			*j = NULL;

	if (n > 0 && (c = calloc(n, sizeof(*c))) == NULL)
		return NULL;
	if (rbc < 0)
		n = 0;
	if (rbcmorph_measure(im, dfac, f, b, n, rbc, thr, c) == 0 &&
	    rbcmorph_summarize(c, n, um_per_px, &s) == 0 &&
	    (j = rbcmorph_json(&s)) != NULL)
		json_object_set_new(j, "ms", json_real(num_round1(timing_ms() -
		    t0)));
	free(c);
	return j;
}
