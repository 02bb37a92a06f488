/* bv-rbc-crops.c: training crops for the red-cell morphology classifier from chula-rbc's labelled points, split by image */
/*
 * usage: bv-rbc-crops CHULA_DIR OUT_DIR [SEED [index-only]]
 *
 * chula-rbc gives a point and a class on some red cells of each photo and
 * no box.  Each labelled point (class 10, "uncategorised", left out)
 * becomes one OUT_DIR/crops/IMAGE_X_Y.jpg: the photo around the point
 * enlarged by RBCCLS_SRC_SCALE (a typical chula red cell, RBCCLS_CELL_PX
 * across, becomes the 135 px box `bv-train classify` evaluates on), so
 * `bv-train classify --data OUT_DIR` reads it as it reads pbc-cells; the
 * part outside the photo is grey.  The size of a cell is kept relative to
 * the typical cell, not to its own box: that is what tells a microcyte.
 *
 * Reject crops (class "reject") are only ones known to hold no labelled
 * cell: points of plasma (no darker pixel than the plasma-to-cell midpoint
 * in a disk of 0.4 cell diameters, > 1 cell diameter from every point).
 * Unlabelled cells are neither normal nor reject: never used.
 *
 * The split is by image (a hash of the image number and SEED, default 27):
 * 70 % train, 15 % val, 15 % test.  Train rows of a class with fewer than
 * RBCCLS_BALANCE crops are repeated (at most 4 times) so that rare classes
 * are seen as often as common ones; val and test rows appear once.
 * Writes OUT_DIR/index.csv (file,class,split) and prints the counts.
 * index-only: write no crop, index the crops already in OUT_DIR/crops
 * (a run stopped part-way: its images are an arbitrary subset, the
 * directory's order, whatever their classes).
 */

#include "image/imgcheck.h"
#include "image/imgio.h"
#include "tools/toolutil.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NCLS		14	/* 13 chula classes + reject */
#define REJECT		13
#define SKIP_CLS	10	/* uncategorised */
#define CELL_PX		40.0	/* a typical chula red cell, px (bv-morph-check) */
#define EVAL_BOX	135.0	/* bv-train's evaluation box, source px */
#define SRC_SCALE	(EVAL_BOX / CELL_PX)
#define OUT_PX		256
#define BALANCE		1500
#define MAX_ROWS	40000
#define BG_PER_IMAGE	3

static const char *const names[NCLS] = { "normal", "macrocyte", "microcyte",
	"spherocyte", "target", "stomatocyte", "ovalocyte", "teardrop",
	"burr", "schistocyte", "uncategorised", "hypochromia", "elliptocyte",
	"reject" };

struct row {
	char	 file[64];
	int	 cls, split;	/* 0 train, 1 val, 2 test */
};

static struct row	 rows[MAX_ROWS];
static int		 nrows;
static int		 index_only;

/* A 64-bit mix (splitmix64's finaliser). */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The split of image number id under seed: 0 train, 1 val, 2 test. */
static int
split_of(int id, unsigned seed)
{
	double	 u = (double)(mix((uint64_t)id * 0x9E3779B97F4A7C15ULL + seed) >> 11) /
		    9007199254740992.0;

	return u < 0.70 ? 0 : u < 0.85 ? 1 : 2;
}

/* Bilinear sample of channel ch at (x, y); grey outside the photo. */
static double
sample(const struct img *im, double x, double y, int ch)
{
	int	 x0 = (int)floor(x), y0 = (int)floor(y);
	double	 fx = x - x0, fy = y - y0, v = 0;

	if (x < 0 || y < 0 || x > im->w - 1 || y > im->h - 1)
		return 128;
	for (int j = 0; j < 2; j++)
		for (int i = 0; i < 2; i++) {
			int	 xx = x0 + i < im->w ? x0 + i : im->w - 1;
			int	 yy = y0 + j < im->h ? y0 + j : im->h - 1;
			double	 w = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);

			v += w * im->rgb[((size_t)yy * im->w + xx) * 3 + ch];
		}
	return v;
}

/* Write the enlarged crop around (cx, cy) to path; 0 or -1. */
static int
crop_write(const struct img *im, double cx, double cy, const char *path)
{
	struct img	 o = { OUT_PX, OUT_PX, NULL };
	unsigned char	*jpg = NULL;
	size_t		 len = 0;
	FILE		*f;
	int		 rc = -1;

	if ((o.rgb = malloc((size_t)OUT_PX * OUT_PX * 3)) == NULL)
		return -1;
	for (int v = 0; v < OUT_PX; v++)
		for (int u = 0; u < OUT_PX; u++)
			for (int ch = 0; ch < 3; ch++) {
				double	 x = cx + (u + 0.5 - OUT_PX / 2.0) / SRC_SCALE - 0.5;
				double	 y = cy + (v + 0.5 - OUT_PX / 2.0) / SRC_SCALE - 0.5;

				o.rgb[((size_t)v * OUT_PX + u) * 3 + ch] =
				    (unsigned char)lround(sample(im, x, y, ch));
			}
	if (imgio_encode_jpeg(&o, 95, &jpg, &len) == 0 &&
	    (f = fopen(path, "wb")) != NULL) {
		rc = fwrite(jpg, 1, len, f) == len ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(jpg);
	free(o.rgb);
	return rc;
}

static int
cmp_uc(const void *a, const void *b)
{
	return *(const unsigned char *)a - *(const unsigned char *)b;
}

/* Green levels of the photo's plasma (90th percentile) and stain (5th). */
static void
levels(const struct img *im, double *plasma, double *dark)
{
	size_t		 n = (size_t)im->w * im->h;
	unsigned char	*g = malloc(n);

	*plasma = 220;
	*dark = 120;
	if (g == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		g[i] = im->rgb[i * 3 + 1];
	qsort(g, n, 1, cmp_uc);
	*plasma = g[(size_t)(0.90 * (n - 1))];
	*dark = g[(size_t)(0.05 * (n - 1))];
	free(g);
}

/* Whether (x, y) is plasma: no pixel of the disk darker than thr. */
static int
is_plasma(const struct img *im, int x, int y, double thr)
{
	int	 r = (int)(0.4 * CELL_PX);

	for (int j = -r; j <= r; j++)
		for (int i = -r; i <= r; i++)
			if (i * i + j * j <= r * r &&
			    im->rgb[((size_t)(y + j) * im->w + x + i) * 3 + 1] < thr)
				return 0;
	return 1;
}

static void
row_add(const char *file, int cls, int split)
{
	if (nrows == MAX_ROWS)
		return;
	snprintf(rows[nrows].file, sizeof(rows[nrows].file), "%s", file);
	rows[nrows].cls = cls;
	rows[nrows].split = split;
	nrows++;
}

/* Background points of one photo, far from its n labelled points. */
static void
background(const struct img *im, int id, int split, const int *px,
    const int *py, int n, const char *out, unsigned seed)
{
	double		 plasma, dark, thr;
	uint64_t	 s = mix((uint64_t)id * 7919 + seed);
	int		 got = 0, m = (int)CELL_PX;
	char		 path[4096], file[64];

	levels(im, &plasma, &dark);
	thr = (plasma + dark) / 2;
	for (int t = 0; t < 400 && got < BG_PER_IMAGE; t++) {
		int	 x, y, far = 1;

		s = mix(s + 1);
		x = m + (int)(s % (uint64_t)(im->w - 2 * m));
		y = m + (int)((s >> 32) % (uint64_t)(im->h - 2 * m));
		for (int k = 0; k < n && far; k++)
			far = hypot(px[k] - x, py[k] - y) > CELL_PX;
		if (!far || !is_plasma(im, x, y, thr))
			continue;
		snprintf(file, sizeof(file), "crops/%d_%d_%d_bg.jpg", id, x, y);
		snprintf(path, sizeof(path), "%s/%s", out, file);
		if (crop_write(im, x, y, path) == 0) {
			row_add(file, REJECT, split);
			got++;
		}
	}
}

/* Crops of every labelled point of image id, and its background. */
static int
one_image(const char *dir, const char *out, int id, unsigned seed)
{
	char		 path[4096], file[64];
	unsigned char	*buf;
	size_t		 len = 0;
	struct img	 im;
	int		 split = split_of(id, seed), n = 0;
	static int	 px[4096], py[4096];
	static struct tool_point pt[4096];

	memset(&im, 0, sizeof(im));
	snprintf(path, sizeof(path), "%s/images/%d.jpg", dir, id);
	if (!index_only) {
		if (tool_read_file(path, 64UL << 20, &buf, &len) == -1)
			return -1;
		if (imgio_decode(buf, len, len > 4 && memcmp(buf, "\x89PNG",
		    4) == 0 ? IMG_PNG : IMG_JPEG, NULL, &im) != IMG_OK) {
			fprintf(stderr, "%s: not decoded\n", path);
			free(buf);
			return -1;
		}
		free(buf);
	}
	if ((n = tool_chula_points(dir, id, pt, 4096)) == -1) {
		imgio_free(&im);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int	 x = pt[i].x, y = pt[i].y, c = pt[i].cls;

		px[i] = x;
		py[i] = y;
		if (c < 0 || c >= REJECT || c == SKIP_CLS)
			continue;
		snprintf(file, sizeof(file), "crops/%d_%d_%d.jpg", id, x, y);
		snprintf(path, sizeof(path), "%s/%s", out, file);
		if (index_only ? access(path, R_OK) == 0 :
		    crop_write(&im, x, y, path) == 0)
			row_add(file, c, split);
	}
	if (!index_only)
		background(&im, id, split, px, py, n, out, seed);
	imgio_free(&im);
	return 0;
}

/* index-only: the background crops already written. */
static void
background_index(const char *out, unsigned seed)
{
	char		 path[4096], file[64];
	DIR		*d;
	struct dirent	*e;
	int		 id, x, y;

	snprintf(path, sizeof(path), "%s/crops", out);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (sscanf(e->d_name, "%d_%d_%d_bg.jpg", &id, &x, &y) == 3 &&
		    strstr(e->d_name, "_bg.jpg") != NULL) {
			snprintf(file, sizeof(file), "crops/%d_%d_%d_bg.jpg", id, x, y);
			row_add(file, REJECT, split_of(id, seed));
		}
	closedir(d);
}

/* Write index.csv: train rows of rare classes repeated; counts to stdout. */
static int
index_write(const char *out)
{
	static const char *const sp[3] = { "train", "val", "test" };
	int		 cnt[NCLS][3] = { { 0 } };
	char		 path[4096];
	FILE		*f;

	for (int i = 0; i < nrows; i++)
		cnt[rows[i].cls][rows[i].split]++;
	snprintf(path, sizeof(path), "%s/index.csv", out);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	for (int i = 0; i < nrows; i++) {
		int	 rep = 1, k = cnt[rows[i].cls][0];

		if (rows[i].split == 0 && k > 0 && k < BALANCE)
			rep = (BALANCE + k - 1) / k > 4 ? 4 : (BALANCE + k - 1) / k;
		for (int r = 0; r < rep; r++)
			fprintf(f, "%s,%s,%s\n", rows[i].file, names[rows[i].cls],
			    sp[rows[i].split]);
	}
	if (fclose(f) != 0)
		return -1;
	printf("%-14s %6s %6s %6s\n", "class", "train", "val", "test");
	for (int c = 0; c < NCLS; c++)
		if (c != SKIP_CLS)
			printf("%-14s %6d %6d %6d\n", names[c], cnt[c][0], cnt[c][1],
			    cnt[c][2]);
	return 0;
}

int
main(int argc, char **argv)
{
	char		 path[4096];
	unsigned	 seed = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 27;

	index_only = argc > 4 && strcmp(argv[4], "index-only") == 0;
	DIR		*d;
	struct dirent	*e;
	int		 nimg = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: bv-rbc-crops CHULA_DIR OUT_DIR [SEED]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/crops", argv[2]);
	if ((mkdir(argv[2], 0755) == -1 && errno != EEXIST) ||
	    (mkdir(path, 0755) == -1 && errno != EEXIST)) {
		fprintf(stderr, "bv-rbc-crops: %s: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/labels", argv[1]);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "bv-rbc-crops: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		int	 id;
		char	 tail[8];

		if (sscanf(e->d_name, "%d%7s", &id, tail) == 2 &&
		    strcmp(tail, ".txt") == 0 &&
		    one_image(argv[1], argv[2], id, seed) == 0)
			nimg++;
	}
	closedir(d);
	if (index_only)
		background_index(argv[2], seed);
	printf("images %d, crops %d, seed %u%s\n", nimg, nrows, seed,
	    index_only ? " (index-only)" : "");
	if (index_write(argv[2]) == -1) {
		fprintf(stderr, "bv-rbc-crops: cannot write index.csv\n");
		return 1;
	}
	return 0;
}
