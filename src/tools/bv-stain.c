/* bv-stain.c: a microscope's colour transform (per-channel optical-density gains) fitted to its images against the training stain; no labels */
/*
 * bv-stain fit REF_LIST MIC_LIST            prints the transform as one line
 * bv-stain apply "I0R I0G I0B GR GG GB" LIST OUT
 *
 * Stain is absorbance (Beer-Lambert): a pixel is its field's illumination
 * I0 times exp(-OD), OD per channel.  Per image, I0 is each channel's 99th
 * percentile (the bright background) and a pixel is stained when its OD
 * summed over the channels exceeds 0.3.  fit averages, over the stained
 * pixels of every image of a list, each channel's OD, for the reference
 * (training) images and the microscope's, and prints the reference's mean
 * I0 and the gains g = OD_ref / OD_mic.  apply maps each image of LIST to
 * I0_ref * exp(-g OD) (its own I0 giving OD) and writes it as
 * OUT/images/NAME.jpg, with OUT/labels linked to the list's labels
 * folder, so bv-eval reads the copies with their labels.  Step (b) of
 * docs/microscope.md, measured there.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/imgio.h"
#include "tools/toolutil.h"

#define ST_MAX_FILE	(64L << 20)
#define ST_STAINED	0.3

struct st_acc {
	double	 i0[3], od[3];
	double	 npx;		/* stained pixels */
	int	 nimg;
};

static int
st_load(const char *path, struct img *im)
{
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	if (tool_read_file(path, ST_MAX_FILE, &buf, &len) == -1) {
		fprintf(stderr, "bv-stain: %s: cannot read\n", path);
		return -1;
	}
	rc = imgio_decode(buf, len, IMG_JPEG, NULL, im) == IMG_OK ? 0 : -1;
	free(buf);
	if (rc == -1)
		fprintf(stderr, "bv-stain: %s: cannot decode\n", path);
	return rc;
}

/* Each channel's 99th percentile: the background's brightness. */
static void
st_i0(const struct img *im, double i0[3])
{
	size_t	 n = (size_t)im->w * im->h, hist[3][256] = { { 0 } }, k;

	for (k = 0; k < n; k++)
		for (int c = 0; c < 3; c++)
			hist[c][im->rgb[3 * k + c]]++;
	for (int c = 0; c < 3; c++) {
		size_t	 acc = 0;
		int	 v = 255;

		for (; v > 0; v--)
			if ((acc += hist[c][v]) >= n / 100)
				break;
		i0[c] = v < 1 ? 1 : v;
	}
}

static void
st_od(const unsigned char *px, const double i0[3], double od[3])
{
	for (int c = 0; c < 3; c++)
		od[c] = fmax(0, -log(fmax(px[c], 1) / i0[c]));
}

static void
st_accumulate(const struct img *im, struct st_acc *a)
{
	size_t	 n = (size_t)im->w * im->h, k;
	double	 i0[3], od[3];

	st_i0(im, i0);
	for (int c = 0; c < 3; c++)
		a->i0[c] += i0[c];
	a->nimg++;
	for (k = 0; k < n; k++) {
		st_od(im->rgb + 3 * k, i0, od);
		if (od[0] + od[1] + od[2] <= ST_STAINED)
			continue;
		for (int c = 0; c < 3; c++)
			a->od[c] += od[c];
		a->npx++;
	}
}

/* Accumulate every image of list (one path first on each line). */
static int
st_list(const char *list, struct st_acc *a)
{
	FILE	*f = fopen(list, "r");
	char	 line[4096], path[4096];
	struct img im;

	if (f == NULL) {
		fprintf(stderr, "bv-stain: %s: %s\n", list, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%4095s", path) != 1)
			continue;
		if (st_load(path, &im) == -1)
			continue;
		st_accumulate(&im, a);
		imgio_free(&im);
	}
	fclose(f);
	return a->npx > 0 ? 0 : -1;
}

static int
st_fit(const char *ref, const char *mic)
{
	struct st_acc	 r = { { 0 }, { 0 }, 0, 0 }, m = r;

	if (st_list(ref, &r) == -1 || st_list(mic, &m) == -1) {
		fprintf(stderr, "bv-stain: no stained pixels\n");
		return 1;
	}
	fprintf(stderr, "bv-stain: reference %d images, OD %.3f %.3f %.3f; "
	    "microscope %d images, OD %.3f %.3f %.3f\n", r.nimg, r.od[0] /
	    r.npx, r.od[1] / r.npx, r.od[2] / r.npx, m.nimg, m.od[0] / m.npx,
	    m.od[1] / m.npx, m.od[2] / m.npx);
	printf("%.1f %.1f %.1f %.4f %.4f %.4f\n", r.i0[0] / r.nimg,
	    r.i0[1] / r.nimg, r.i0[2] / r.nimg, (r.od[0] / r.npx) /
	    (m.od[0] / m.npx), (r.od[1] / r.npx) / (m.od[1] / m.npx),
	    (r.od[2] / r.npx) / (m.od[2] / m.npx));
	return 0;
}

static void
st_transform(struct img *im, const double ref_i0[3], const double g[3])
{
	size_t	 n = (size_t)im->w * im->h, k;
	double	 i0[3], od[3];

	st_i0(im, i0);
	for (k = 0; k < n; k++) {
		st_od(im->rgb + 3 * k, i0, od);
		for (int c = 0; c < 3; c++) {
			double v = ref_i0[c] * exp(-g[c] * od[c]);

			im->rgb[3 * k + c] = (unsigned char)lround(fmin(255,
			    fmax(0, v)));
		}
	}
}

/* OUT/labels -> the labels folder beside the first image's images/. */
static int
st_labels_link(const char *img, const char *out)
{
	char	 dir[4096], link[4096];
	const char *q = strstr(img, "images/");

	if (q == NULL || (size_t)(q - img) + 7 >= sizeof dir)
		return -1;
	snprintf(dir, sizeof dir, "%.*slabels", (int)(q - img), img);
	snprintf(link, sizeof link, "%s/labels", out);
	if (symlink(dir, link) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static int
st_apply(const char *params, const char *list, const char *out)
{
	double	 i0[3], g[3];
	char	 line[4096], path[4096], dst[8192];
	FILE	*f, *o;
	struct img im;
	unsigned char *jpg;
	size_t	 len;
	int	 n = 0, linked = 0;

	if (sscanf(params, "%lf %lf %lf %lf %lf %lf", &i0[0], &i0[1], &i0[2],
	    &g[0], &g[1], &g[2]) != 6 || (f = fopen(list, "r")) == NULL) {
		fprintf(stderr, "bv-stain: bad parameters or list\n");
		return 2;
	}
	snprintf(dst, sizeof dst, "%s/images", out);
	(void)mkdir(out, 0755);
	(void)mkdir(dst, 0755);
	while (fgets(line, sizeof line, f) != NULL) {
		const char *base;

		if (sscanf(line, "%4095s", path) != 1 || st_load(path, &im) == -1)
			continue;
		if (!linked && (linked = st_labels_link(path, out) == 0) == 0)
			fprintf(stderr, "bv-stain: %s: no labels folder\n", path);
		st_transform(&im, i0, g);
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (snprintf(dst, sizeof dst, "%s/images/%.1000s", out, base) >=
		    (int)sizeof dst) {
			imgio_free(&im);
			continue;
		}
		if (imgio_encode_jpeg(&im, 95, &jpg, &len) == 0 &&
		    (o = fopen(dst, "wb")) != NULL) {
			n += fwrite(jpg, 1, len, o) == len;
			fclose(o);
			free(jpg);
			printf("%s\n", dst);
		}
		imgio_free(&im);
	}
	fclose(f);
	fprintf(stderr, "bv-stain: %d images written\n", n);
	return n > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "fit") == 0)
		return st_fit(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "apply") == 0)
		return st_apply(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: bv-stain fit REF_LIST MIC_LIST\n"
	    "       bv-stain apply \"I0R I0G I0B GR GG GB\" LIST OUT\n");
	return 2;
}
