/* gen-smear.c: draw a synthetic stained blood smear from a seed (test images without the dataset) */
/*
 * usage: gen-smear [--edges] SEED OUT.jpg|OUT.png [W H]
 *
 * Draws a field at BCCD's magnification (640x480 by default; red cells
 * about 100 px across, white cells about 190 px, platelets about 35 px):
 * a light pink-beige background with vignetting and mild noise, red
 * cells as pink discs with a darker rim and a pale centre (slightly
 * oval, wobbly outlines, some overlapping, some cut by the frame), one
 * or two white cells (a pale lilac cytoplasm around a dark purple lobed
 * nucleus) and a few platelets (small purple granular clusters).  The
 * same SEED gives the same picture.  --edges also cuts two red cells by
 * each of the four edges of the frame (centre inside, 15-45 % of the
 * diameter outside), for the tests of whole-photo and counting-frame
 * counts; without it the picture is what it always was.  OUT ending in .png is written as an
 * RGB PNG, anything else as a JPEG (quality 92).
 *
 * Stain is modelled as absorbance (Beer-Lambert): every object adds an
 * optical density per channel and the pixel is the illumination times
 * exp(-density), so overlapping cells darken as they do under a
 * microscope.
 *
 * stdout: one line "seed S size WxH rbc N whole M wbc K platelets P"
 * (M: red cells wholly inside the frame), then one line per drawn object
 * "CLASS x y w h whole" (its bounding box in pixels, whole 1 or 0).
 */

#include "field.h"
#include "image/imgio.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMEAR_MAX_RBC	100	/* 1280x960 holds some 80 */
#define SMEAR_MAX_WBC	2
#define SMEAR_MAX_PLT	24
#define SMEAR_MAX_LOBES	5
#define SMEAR_NOISE	2.0	/* sensor noise, SD in grey levels */

struct smear_rng {
	uint64_t	 s;
};

struct smear_cell {
	double		 x, y, r;
};

struct smear_canvas {
	int		 w, h;
	float		*od;		/* w * h * 3 optical densities */
	struct smear_rng rng;
};

/* splitmix64: deterministic on every platform, unlike rand(). */
static uint64_t
smear_next(struct smear_rng *g)
{
	uint64_t	 z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
smear_u01(struct smear_rng *g)
{
	return (double)(smear_next(g) >> 11) / 9007199254740992.0;
}

static double
smear_range(struct smear_rng *g, double a, double b)
{
	return a + (b - a) * smear_u01(g);
}

static double
smear_gauss(struct smear_rng *g)
{
	double	 u = smear_u01(g), v = smear_u01(g);

	return sqrt(-2 * log(u + 1e-12)) * cos(2 * M_PI * v);
}

/* A hash of a lattice point: value noise that needs no table. */
static double
smear_lattice(uint64_t seed, int i, int j)
{
	struct smear_rng g = { seed ^ ((uint64_t)(uint32_t)i << 32) ^
	    (uint32_t)j };

	smear_next(&g);
	return smear_u01(&g) * 2 - 1;
}

/* Smooth value noise in [-1, 1] with features about cell px across. */
static double
smear_noise(uint64_t seed, double x, double y, double cell)
{
	double	 fx = x / cell, fy = y / cell, tx, ty, a, b;
	int	 i = (int)floor(fx), j = (int)floor(fy);

	tx = fx - i;
	ty = fy - j;
	tx = tx * tx * (3 - 2 * tx);
	ty = ty * ty * (3 - 2 * ty);
	a = smear_lattice(seed, i, j) * (1 - tx) +
	    smear_lattice(seed, i + 1, j) * tx;
	b = smear_lattice(seed, i, j + 1) * (1 - tx) +
	    smear_lattice(seed, i + 1, j + 1) * tx;
	return a * (1 - ty) + b * ty;
}

static double
smear_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void
smear_add(struct smear_canvas *cv, int x, int y, const double od[3], double k)
{
	float	*p = cv->od + ((size_t)y * cv->w + x) * 3;

	p[0] += (float)(od[0] * k);
	p[1] += (float)(od[1] * k);
	p[2] += (float)(od[2] * k);
}

/*
 * A red cell: an outline r(phi) = r (1 + e cos 2(phi - t) + k3 cos
 * 3(phi - p3)), density rising towards the rim and falling in the
 * central pallor, a soft 1.5 px edge, fine texture.
 */
static void
smear_draw_rbc(struct smear_canvas *cv, const struct smear_cell *c)
{
	static const double body[3] = { 0.20, 0.40, 0.34 };
	double		 e = smear_range(&cv->rng, 0.0, 0.07);
	double		 t = smear_range(&cv->rng, 0, M_PI);
	double		 k3 = smear_range(&cv->rng, 0.0, 0.03);
	double		 p3 = smear_range(&cv->rng, 0, 2 * M_PI);
	double		 pallor = smear_range(&cv->rng, 0.35, 0.6);
	double		 dens = smear_range(&cv->rng, 0.85, 1.15);
	uint64_t	 tex = smear_next(&cv->rng);
	double		 dx, dy, d, phi, rr, rho, cov, prof, rim;
	int		 x, y, x0, x1, y0, y1;

	x0 = (int)smear_clamp(floor(c->x - c->r * 1.2), 0, cv->w - 1);
	x1 = (int)smear_clamp(ceil(c->x + c->r * 1.2), 0, cv->w - 1);
	y0 = (int)smear_clamp(floor(c->y - c->r * 1.2), 0, cv->h - 1);
	y1 = (int)smear_clamp(ceil(c->y + c->r * 1.2), 0, cv->h - 1);
	for (y = y0; y <= y1; y++)
		for (x = x0; x <= x1; x++) {
			dx = x - c->x;
			dy = y - c->y;
			d = sqrt(dx * dx + dy * dy);
			phi = atan2(dy, dx);
			rr = c->r * (1 + e * cos(2 * (phi - t)) +
			    k3 * cos(3 * (phi - p3)));
			cov = smear_clamp((rr - d) / 1.5 + 0.5, 0, 1);
			if (cov <= 0)
				continue;
			rho = d / rr;
			rim = exp(-pow((rho - 0.9) / 0.1, 2));
			prof = 1 + 0.35 * rim - pallor * exp(-pow(rho / 0.45, 2));
			prof *= 1 + 0.08 * smear_noise(tex, x, y, 5);
			smear_add(cv, x, y, body, cov * prof * dens);
		}
}

/*
 * A white cell: a pale granular cytoplasm disc, and a nucleus of three to
 * five lobes along an arc (a neutrophil), drawn as a thresholded sum of
 * Gaussians so the lobes join smoothly.
 */
static void
smear_draw_wbc(struct smear_canvas *cv, const struct smear_cell *c)
{
	static const double cyto[3] = { 0.10, 0.12, 0.03 };
	static const double nuc[3] = { 0.50, 0.80, 0.06 };
	double		 lx[SMEAR_MAX_LOBES], ly[SMEAR_MAX_LOBES];
	double		 lr[SMEAR_MAX_LOBES];
	double		 a0, span, arc, dx, dy, d, f, cov, nc, mx, my;
	uint64_t	 tex = smear_next(&cv->rng), tex2 = smear_next(&cv->rng);
	int		 n, i, x, y, x0, x1, y0, y1;

	n = 3 + (int)(smear_u01(&cv->rng) * 3);
	if (n > SMEAR_MAX_LOBES)
		n = SMEAR_MAX_LOBES;
	a0 = smear_range(&cv->rng, 0, 2 * M_PI);
	arc = c->r * smear_range(&cv->rng, 0.42, 0.5);
	/*
	 * Neighbouring lobes about 2.1 lobe radii apart (joined by a waist
	 * some 60 % of their width), the nucleus spanning some two thirds
	 * of the cell, as in BCCD; the arc is centred on the cell.
	 */
	span = smear_clamp((n - 1) * 2.1 * 0.21 * c->r / arc, 0, 4.4);
	for (mx = my = 0, i = 0; i < n; i++) {
		double	 a = a0 + span * ((double)i / (n - 1) - 0.5);

		lx[i] = arc * cos(a) + smear_gauss(&cv->rng) * 2;
		ly[i] = arc * sin(a) + smear_gauss(&cv->rng) * 2;
		lr[i] = c->r * smear_range(&cv->rng, 0.19, 0.23);
		mx += lx[i] / n;
		my += ly[i] / n;
	}
	for (i = 0; i < n; i++) {
		lx[i] += c->x - mx * 0.7;
		ly[i] += c->y - my * 0.7;
	}
	x0 = (int)smear_clamp(floor(c->x - c->r - 2), 0, cv->w - 1);
	x1 = (int)smear_clamp(ceil(c->x + c->r + 2), 0, cv->w - 1);
	y0 = (int)smear_clamp(floor(c->y - c->r - 2), 0, cv->h - 1);
	y1 = (int)smear_clamp(ceil(c->y + c->r + 2), 0, cv->h - 1);
	for (y = y0; y <= y1; y++)
		for (x = x0; x <= x1; x++) {
			dx = x - c->x;
			dy = y - c->y;
			d = sqrt(dx * dx + dy * dy) / (c->r *
			    (1 + 0.03 * smear_noise(tex2, x, y, 40)));
			cov = smear_clamp((1 - d) * c->r / 1.5 + 0.5, 0, 1);
			if (cov <= 0)
				continue;
			smear_add(cv, x, y, cyto, cov * (1 + 0.35 *
			    smear_noise(tex, x, y, 3)));
			for (f = 0, i = 0; i < n; i++) {
				dx = x - lx[i];
				dy = y - ly[i];
				f += exp(-(dx * dx + dy * dy) / (lr[i] * lr[i]));
			}
			/* the edge of the nucleus: f crossing 0.45, over ~2 px */
			nc = smear_clamp((f - 0.45) / 0.12 + 0.5, 0, 1);
			if (nc > 0)
				smear_add(cv, x, y, nuc, nc * (1 + 0.25 *
				    smear_noise(tex ^ 0x55, x, y, 4)));
		}
}

/* A platelet: a faint halo with six to nine dark granules. */
static void
smear_draw_plt(struct smear_canvas *cv, const struct smear_cell *c)
{
	static const double halo[3] = { 0.10, 0.12, 0.0 };
	static const double gran[3] = { 0.50, 0.60, 0.02 };
	double		 gx[9], gy[9], gr[9], dx, dy, d, f, cov;
	int		 n = 6 + (int)(smear_u01(&cv->rng) * 4), i, x, y;
	int		 x0, x1, y0, y1;

	if (n > 9)
		n = 9;
	for (i = 0; i < n; i++) {
		double	 a = smear_range(&cv->rng, 0, 2 * M_PI);
		double	 rr = c->r * 0.5 * sqrt(smear_u01(&cv->rng));

		gx[i] = c->x + rr * cos(a);
		gy[i] = c->y + rr * sin(a);
		gr[i] = smear_range(&cv->rng, 3.5, 5.5);
	}
	x0 = (int)smear_clamp(floor(c->x - c->r - 2), 0, cv->w - 1);
	x1 = (int)smear_clamp(ceil(c->x + c->r + 2), 0, cv->w - 1);
	y0 = (int)smear_clamp(floor(c->y - c->r - 2), 0, cv->h - 1);
	y1 = (int)smear_clamp(ceil(c->y + c->r + 2), 0, cv->h - 1);
	for (y = y0; y <= y1; y++)
		for (x = x0; x <= x1; x++) {
			dx = x - c->x;
			dy = y - c->y;
			d = sqrt(dx * dx + dy * dy);
			cov = smear_clamp((c->r * 0.7 - d) / 3 + 0.5, 0, 1);
			if (cov <= 0)
				continue;
			smear_add(cv, x, y, halo, cov);
			for (f = 0, i = 0; i < n; i++) {
				dx = x - gx[i];
				dy = y - gy[i];
				f += exp(-(dx * dx + dy * dy) / (gr[i] * gr[i]));
			}
			smear_add(cv, x, y, gran, smear_clamp(f, 0, 1.3));
		}
}

static double
smear_dist(const struct smear_cell *a, double x, double y)
{
	return sqrt((a->x - x) * (a->x - x) + (a->y - y) * (a->y - y));
}

/* c keeps clear of the n cells in v (the layout's overlap rule), and of w. */
static int
smear_clear(const struct smear_cell *c, const struct smear_cell *v, int n,
    const struct smear_cell *w, int nw)
{
	int	 k;

	for (k = 0; k < nw; k++)
		if (smear_dist(&w[k], c->x, c->y) <= w[k].r + c->r * 0.85)
			return 0;
	for (k = 0; k < n; k++)
		if (smear_dist(&v[k], c->x, c->y) <= 0.92 * (v[k].r + c->r))
			return 0;
	return 1;
}

/*
 * --edges: two red cells on each edge of the frame (left, right, top,
 * bottom), their centres inside it by 5-35 % of a diameter, so each is
 * cut by that edge; appended to rbc[*nr].
 */
static void
smear_edge_cells(struct smear_canvas *cv, struct smear_cell *rbc, int *nr,
    const struct smear_cell *wbc, int nw)
{
	struct smear_rng *g = &cv->rng;
	struct smear_cell c;
	int		 e, j, tries;
	double		 in, along;

	for (e = 0; e < 4; e++)
		for (j = 0; j < 2 && *nr < SMEAR_MAX_RBC; j++)
			for (tries = 0; tries < 400; tries++) {
				c.r = smear_range(g, 47, 56);
				in = c.r * 2 * smear_range(g, 0.05, 0.35);
				along = smear_range(g, c.r * 1.2, (e < 2 ?
				    cv->h : cv->w) - c.r * 1.2);
				c.x = e == 0 ? in : e == 1 ? cv->w - in : along;
				c.y = e == 2 ? in : e == 3 ? cv->h - in : along;
				if (!smear_clear(&c, rbc, *nr, wbc, nw))
					continue;
				rbc[(*nr)++] = c;
				break;
			}
}

/*
 * Where the cells lie.  White cells first, wholly inside the frame; red
 * cells by rejection sampling (most wholly inside the frame, some cut by
 * it but at least half inside; about one pair in four may overlap by up
 * to a third of a diameter); platelets in the gaps.  Counts in *nr, *nw, *np.
 */
static void
smear_layout(struct smear_canvas *cv, struct smear_cell *rbc, int *nr,
    struct smear_cell *wbc, int *nw, struct smear_cell *plt, int *np,
    int edges)
{
	struct smear_rng *g = &cv->rng;
	double		 x, y, r, need, edge, area;
	int		 i, k, tries, ok, want;

	*nw = smear_u01(g) < 0.3 ? 2 : 1;
	for (i = 0; i < *nw; i++)
		for (tries = 0; tries < 200; tries++) {
			r = smear_range(g, 88, 102);
			x = smear_range(g, r + 4, cv->w - r - 4);
			y = smear_range(g, r + 4, cv->h - r - 4);
			if (i == 1 && smear_dist(&wbc[0], x, y) < wbc[0].r + r +
			    30)
				continue;
			wbc[i].x = x;
			wbc[i].y = y;
			wbc[i].r = r;
			break;
		}
	if (*nw == 2 && tries == 200)
		*nw = 1;
	/* 14 to 22 red cells and 2 to 5 platelets in 640 x 480 */
	area = (double)cv->w * cv->h / (640 * 480);
	want = (int)(smear_range(g, 14, 22) * area);
	*nr = 0;
	if (edges) {
		smear_edge_cells(cv, rbc, nr, wbc, *nw);
		want += *nr;
	}
	for (tries = 0; *nr < want && *nr < SMEAR_MAX_RBC &&
	    tries < 200 * want; tries++) {
		r = smear_range(g, 47, 56);
		/* most wholly inside; one try in eight at least half inside */
		edge = smear_u01(g) < 0.125 ? 0 : r * 1.1;
		x = smear_range(g, edge, cv->w - edge);
		y = smear_range(g, edge, cv->h - edge);
		need = smear_u01(g) < 0.25 ? 0.68 : 0.92;
		for (ok = 1, k = 0; ok && k < *nw; k++)
			ok = smear_dist(&wbc[k], x, y) > wbc[k].r + r * 0.85;
		for (k = 0; ok && k < *nr; k++)
			ok = smear_dist(&rbc[k], x, y) > need * (rbc[k].r + r);
		if (!ok)
			continue;
		rbc[*nr].x = x;
		rbc[*nr].y = y;
		rbc[*nr].r = r;
		(*nr)++;
	}
	want = (int)((2 + (int)(smear_u01(g) * 4)) * area);
	for (*np = 0, tries = 0; *np < want && *np < SMEAR_MAX_PLT &&
	    tries < 1000 * want; tries++) {
		r = smear_range(g, 15, 20);
		x = smear_range(g, r + 2, cv->w - r - 2);
		y = smear_range(g, r + 2, cv->h - r - 2);
		for (ok = 1, k = 0; ok && k < *nw; k++)
			ok = smear_dist(&wbc[k], x, y) > wbc[k].r + r + 8;
		for (k = 0; ok && k < *nr; k++)
			ok = smear_dist(&rbc[k], x, y) > rbc[k].r * 1.07 + r + 6;
		for (k = 0; ok && k < *np; k++)
			ok = smear_dist(&plt[k], x, y) > plt[k].r + r + 20;
		if (!ok)
			continue;
		plt[*np].x = x;
		plt[*np].y = y;
		plt[*np].r = r;
		(*np)++;
	}
}

/*
 * One pass of a Gaussian blur of sigma SMEAR_BLUR (radius 3) along x, or
 * along y, of the w x h x 3 image src into dst, edges clamped.
 */
#define SMEAR_BLUR	1.5
static void
smear_blur_pass(const float *src, float *dst, int w, int h, int along_y)
{
	double	 k[7], sum = 0, s;
	int	 i, x, y, c, t, len = along_y ? h : w;

	for (i = -3; i <= 3; i++)
		sum += k[i + 3] = exp(-i * i / (2 * SMEAR_BLUR * SMEAR_BLUR));
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			for (c = 0; c < 3; c++) {
				for (s = 0, i = -3; i <= 3; i++) {
					t = (int)smear_clamp((along_y ? y : x) + i,
					    0, len - 1);
					s += k[i + 3] * src[((size_t)(along_y ? t :
					    y) * w + (along_y ? x : t)) * 3 + c];
				}
				dst[((size_t)y * w + x) * 3 + c] = (float)(s / sum);
			}
}

/*
 * Densities to colours: illumination (pink-beige, vignetted, slowly
 * uneven) times exp(-density), a Gaussian blur (the optics), then sensor
 * noise.  Blur and noise are set so that /api/detect's focus measure
 * (Laplacian variance) reads as on BCCD fields: about 13 here against
 * 12, and 5.5-6.5 against 6 after tests/detect.sh's blur (warning below
 * 7.5).  0, or -1 on no memory.
 */
static int
smear_render(struct smear_canvas *cv, struct img *im)
{
	static const double paper[3] = { 226, 214, 210 };
	float		*lin, *tmp;
	double		 cx = cv->w / 2.0, cy = cv->h / 2.0, rmax, q, v;
	uint64_t	 lum = smear_next(&cv->rng);
	size_t		 n = (size_t)cv->w * cv->h * 3, i;
	int		 x, y, c;

	lin = malloc(n * sizeof(*lin));
	tmp = malloc(n * sizeof(*tmp));
	im->w = cv->w;
	im->h = cv->h;
	if (lin == NULL || tmp == NULL || (im->rgb = malloc(n)) == NULL) {
		free(lin);
		free(tmp);
		return -1;
	}
	rmax = sqrt(cx * cx + cy * cy);
	for (y = 0; y < cv->h; y++)
		for (x = 0; x < cv->w; x++) {
			q = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) /
			    (rmax * rmax);
			v = (1 - 0.13 * q) * (1 + 0.025 *
			    smear_noise(lum, x, y, 140));
			for (c = 0; c < 3; c++)
				lin[((size_t)y * cv->w + x) * 3 + c] =
				    (float)(paper[c] * v * exp(-cv->od[((size_t)y *
				    cv->w + x) * 3 + c]));
		}
	smear_blur_pass(lin, tmp, cv->w, cv->h, 0);
	smear_blur_pass(tmp, lin, cv->w, cv->h, 1);
	for (i = 0; i < n; i++) {
		v = lin[i] + smear_gauss(&cv->rng) * SMEAR_NOISE;
		im->rgb[i] = (unsigned char)smear_clamp(v + 0.5, 0, 255);
	}
	free(tmp);
	free(lin);
	return 0;
}

/*
 * The outline of a red cell reaches up to e + k3 = 10 % beyond r (5 %
 * on average): its box is taken 5 % beyond r, white cells and platelets
 * at r.  Whole: that box inside the w x h frame.
 */
static int
smear_whole(const struct smear_cell *c, double grow, int w, int h)
{
	double	 r = c->r * grow;

	return c->x - r >= 0 && c->y - r >= 0 && c->x + r <= w &&
	    c->y + r <= h;
}

static void
smear_print(const char *cls, const struct smear_cell *c, double grow,
    int w, int h)
{
	double	 r = c->r * grow;
	double	 x0 = smear_clamp(c->x - r, 0, w), y0 = smear_clamp(c->y - r, 0, h);
	double	 x1 = smear_clamp(c->x + r, 0, w), y1 = smear_clamp(c->y + r, 0, h);

	printf("%s %.0f %.0f %.0f %.0f %d\n", cls, x0, y0, x1 - x0, y1 - y0,
	    smear_whole(c, grow, w, h));
}

int
main(int argc, char **argv)
{
	struct smear_canvas cv;
	struct smear_cell rbc[SMEAR_MAX_RBC], wbc[SMEAR_MAX_WBC];
	struct smear_cell plt[SMEAR_MAX_PLT];
	struct img	 im;
	const char	*out, *dot;
	char		*end;
	unsigned long	 seed;
	int		 nr, nw, np, i, nwhole = 0, rc, edges = 0;

	if (argc > 1 && strcmp(argv[1], "--edges") == 0) {
		edges = 1;
		argc--;
		argv++;
	}
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: gen-smear [--edges] SEED OUT.jpg|OUT.png "
		    "[W H]\n");
		return 2;
	}
	seed = strtoul(argv[1], &end, 10);
	cv.w = argc == 5 ? atoi(argv[3]) : 640;
	cv.h = argc == 5 ? atoi(argv[4]) : 480;
	if (*argv[1] == '\0' || *end != '\0' || cv.w < 320 || cv.h < 240 ||
	    cv.w > 1280 || cv.h > 960) {
		fprintf(stderr, "gen-smear: SEED is a number, W x H from "
		    "320x240 to 1280x960\n");
		return 2;
	}
	out = argv[2];
	cv.rng.s = 0x5eed0000ULL + seed;
	smear_next(&cv.rng);
	if ((cv.od = calloc((size_t)cv.w * cv.h * 3, sizeof(*cv.od))) == NULL) {
		perror("gen-smear");
		return 1;
	}
	smear_layout(&cv, rbc, &nr, wbc, &nw, plt, &np, edges);
	for (i = 0; i < nw; i++)
		smear_draw_wbc(&cv, &wbc[i]);
	for (i = 0; i < nr; i++)
		smear_draw_rbc(&cv, &rbc[i]);
	for (i = 0; i < np; i++)
		smear_draw_plt(&cv, &plt[i]);
	rc = smear_render(&cv, &im);
	free(cv.od);
	if (rc == -1) {
		perror("gen-smear");
		return 1;
	}
	for (i = 0; i < nr; i++)
		nwhole += smear_whole(&rbc[i], 1.05, cv.w, cv.h);
	printf("seed %lu size %dx%d rbc %d whole %d wbc %d platelets %d\n",
	    seed, cv.w, cv.h, nr, nwhole, nw, np);
	for (i = 0; i < nr; i++)
		smear_print("RBC", &rbc[i], 1.05, cv.w, cv.h);
	for (i = 0; i < nw; i++)
		smear_print("WBC", &wbc[i], 1.0, cv.w, cv.h);
	for (i = 0; i < np; i++)
		smear_print("Platelets", &plt[i], 1.0, cv.w, cv.h);
	dot = strrchr(out, '.');
	rc = dot != NULL && strcmp(dot, ".png") == 0 ?
	    field_save_png(out, &im) : field_save_jpeg(out, &im);
	free(im.rgb);
	if (rc == -1) {
		perror(out);
		return 1;
	}
	return 0;
}
