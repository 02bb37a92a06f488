/* bv-morph-check.c: red-cell geometry (rbcmorph.c) per labelled morphology class of chula-rbc, to see what the cuts separate */
/*
 * usage: bv-morph-check DATASET_DIR [SIDE [even|odd]]
 *
 * chula-rbc gives a point and a class on each labelled cell, no box: a
 * SIDE x SIDE box (default 52 px, about 1.3 cell diameters at its 1000x)
 * is centred on each point and measured as the server measures a detected
 * red cell (rbcmorph_cell_measure()); boxes cut by the photo's border are
 * left out.  Prints, per class, the cells measured, the median diameter
 * (px), pallor ratio and elongation, and the shares above the summary's
 * cuts (RBCMORPH_HYPO_PALLOR, RBCMORPH_ELLIP_ELONG).  A description of
 * what the fixed cuts do on labelled cells, not a fit: nothing is chosen
 * from it (docs/morphology.md).  Images with an even number (default;
 * where cuts are chosen) or an odd one (held out: read once, to report).
 * The quantile columns (p90, p95) help choose a cut on the even half.
 *
 * usage: bv-morph-check DATASET_DIR SIDE points
 *
 * One line a labelled point of every image ("image x y class status
 * diameter_px pallor elongation od ring_od"; status ok, border or
 * segment), for the
 * geometry-logit fusion (src/tools/rbc-fuse.py).  The server measures a
 * cell inside its detected box, which fits the cell; with no box here,
 * the cell is first measured in SIDE px boxes (then 0.7, 1.2 and 1.5
 * times SIDE until one outlines it), then again in a box of its own
 * diameter / RBCCLS_BOX_TO_CELL, the box a detector draws around a cell
 * of that size on these photos (rbccls.h).
 */

#include "vision/rbccls.h"
#include "vision/rbcmorph.h"
#include "image/imgcheck.h"
#include "image/imgio.h"
#include "tools/toolutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCLS		13
#define MAX_PER_CLS	20000

static const char *const names[NCLS] = { "normal", "macrocyte", "microcyte",
	"spherocyte", "target", "stomatocyte", "ovalocyte", "teardrop",
	"burr", "schistocyte", "uncategorised", "hypochromia", "elliptocyte" };

struct acc {
	int	 n, seen;
	double	*d, *p, *e;
};

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of v[0..n) (sorts v; nearest rank); NAN when empty. */
static double
quantile(double *v, int n, double q)
{
	if (n == 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[(int)fmin(n - 1, floor(q * n))];
}

/* Decode DIR/images/I.jpg into im: 0, or -1 (absent or undecodable). */
static int
load_photo(const char *dir, int i, struct img *im)
{
	char		 path[4096];
	unsigned char	*buf;
	size_t		 len = 0;

	snprintf(path, sizeof(path), "%s/images/%d.jpg", dir, i);
	if (tool_read_file(path, 64UL << 20, &buf, &len) == -1)
		return -1;
	/* some of its .jpg files are PNGs */
	if (imgio_decode(buf, len, len > 4 && memcmp(buf, "\x89PNG", 4) == 0 ?
	    IMG_PNG : IMG_JPEG, NULL, im) != IMG_OK) {
		fprintf(stderr, "%s: not decoded\n", path);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* Measure in a side x side box centred on (x, y): 1 when outlined, 0 when
 * not, -1 when the box leaves the photo. */
static int
box_measure(const struct img *im, int x, int y, int side,
    struct rbcmorph_cell *m)
{
	int	 x0 = x - side / 2, y0 = y - side / 2;

	if (x0 < 3 || y0 < 3 || x0 + side > im->w - 3 ||
	    y0 + side > im->h - 3)
		return -1;
	return rbcmorph_cell_measure(im, 1, x0, y0, x0 + side, y0 + side,
	    m) == 0 && m->status == RBCMORPH_OK;
}

/* One point measured as usage says: "ok", "border" or "segment". */
static const char *
point_measure(const struct img *im, int x, int y, int side,
    struct rbcmorph_cell *m)
{
	static const double	 tries[] = { 1.0, 0.7, 1.2, 1.5 };
	int			 r = 0;

	for (size_t t = 0; t < sizeof(tries) / sizeof(tries[0]); t++)
		if ((r = box_measure(im, x, y, (int)lrint(side * tries[t]),
		    m)) == 1)
			break;
	if (r != 1)
		return r == -1 ? "border" : "segment";
	r = box_measure(im, x, y, (int)lrint(m->diameter_px /
	    RBCCLS_BOX_TO_CELL), m);
	return r == 1 ? "ok" : r == -1 ? "border" : "segment";
}

/* Print every labelled point of image i (the points mode). */
static void
points_image(const char *dir, int i, int side)
{
	static struct tool_point pt[4096];
	struct rbcmorph_cell	 m;
	struct img		 im;
	const char		*st;
	int			 n;

	if (load_photo(dir, i, &im) == -1)
		return;
	n = tool_chula_points(dir, i, pt, 4096);
	for (int k = 0; k < n; k++) {
		st = point_measure(&im, pt[k].x, pt[k].y, side, &m);
		printf("%d %d %d %d %s %.2f %.4f %.3f %.4f %.4f\n", i,
		    pt[k].x, pt[k].y, pt[k].cls, st, m.diameter_px, m.pallor,
		    m.elongation, m.od, m.ring_od);
	}
	imgio_free(&im);
}

/* Measure every labelled cell of image i into acc. */
static void
one_image(const char *dir, int i, int side, struct acc *acc)
{
	struct img		 im;
	static struct tool_point pt[4096];
	int			 n;

	if (load_photo(dir, i, &im) == -1)
		return;
	n = tool_chula_points(dir, i, pt, 4096);
	for (int k = 0; k < n; k++) {
		struct rbcmorph_cell	 m;
		struct acc		*a;
		int			 c = pt[k].cls;
		int			 x0 = pt[k].x - side / 2;
		int			 y0 = pt[k].y - side / 2;

		if (c < 0 || c >= NCLS)
			continue;
		a = &acc[c];
		a->seen++;
		if (x0 < 3 || y0 < 3 || x0 + side > im.w - 3 ||
		    y0 + side > im.h - 3 || a->n >= MAX_PER_CLS)
			continue;
		if (rbcmorph_cell_measure(&im, 1, x0, y0, x0 + side,
		    y0 + side, &m) == 0 && m.status == RBCMORPH_OK) {
			a->d[a->n] = m.diameter_px;
			a->p[a->n] = m.pallor;
			a->e[a->n] = m.elongation;
			a->n++;
		}
	}
	imgio_free(&im);
}

int
main(int argc, char **argv)
{
	struct acc	 acc[NCLS];
	int		 side = argc > 2 ? atoi(argv[2]) : 52, i, c, k;
	int		 odd = argc > 3 && strcmp(argv[3], "odd") == 0;

	if (argc < 2 || side < 8) {
		fprintf(stderr, "usage: bv-morph-check DATASET_DIR [SIDE "
		    "[even|odd|points]]\n");
		return 2;
	}
	if (argc > 3 && strcmp(argv[3], "points") == 0) {
		for (i = 0; i <= 2001; i++)
			points_image(argv[1], i, side);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	for (c = 0; c < NCLS; c++) {
		acc[c].n = acc[c].seen = 0;
		acc[c].d = malloc(MAX_PER_CLS * sizeof(double));
		acc[c].p = malloc(MAX_PER_CLS * sizeof(double));
		acc[c].e = malloc(MAX_PER_CLS * sizeof(double));
		if (!acc[c].d || !acc[c].p || !acc[c].e)
			return 1;
	}
	for (i = odd; i <= 2001; i += 2)
		one_image(argv[1], i, side, acc);
	printf("%s half; medians, then quantiles\n", odd ? "odd" : "even");
	printf("%-14s %5s %5s %7s %6s %6s %6s %6s %6s %6s %6s\n", "class",
	    "seen", "meas", "diam_px", "pallor", "elong", ">pal", ">elong",
	    "pal90", "pal95", "elo95");
	for (c = 0; c < NCLS; c++) {
		struct acc	*a = &acc[c];
		int		 hp = 0, he = 0;

		for (k = 0; k < a->n; k++) {
			hp += a->p[k] > RBCMORPH_HYPO_PALLOR;
			he += a->e[k] > RBCMORPH_ELLIP_ELONG;
		}
		printf("%-14s %5d %5d %7.1f %6.3f %6.3f %6.3f %6.3f %6.3f "
		    "%6.3f %6.3f\n", names[c], a->seen, a->n,
		    quantile(a->d, a->n, 0.5), quantile(a->p, a->n, 0.5),
		    quantile(a->e, a->n, 0.5), a->n ? (double)hp / a->n : NAN,
		    a->n ? (double)he / a->n : NAN, quantile(a->p, a->n, 0.9),
		    quantile(a->p, a->n, 0.95), quantile(a->e, a->n, 0.95));
		free(a->d);
		free(a->p);
		free(a->e);
	}
	return 0;
}
