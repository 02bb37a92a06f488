/* benchcrop.c: bv-bench --crops: where one classified crop's time goes (crop, white balance, stain, forward), warm and cache-cold */

#include "tools/benchcrop.h"
#include "base/timing.h"
#include "image/imgio.h"
#include "vision/cellcrop.h"
#include "vision/classifier.h"
#include "vision/wbcood.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the steps, then their sum (BC_N) */
enum { BC_CROP, BC_NORM, BC_STAIN, BC_FORWARD, BC_N };
static const char *const bc_names[BC_N + 1] = { "crop", "white balance",
	"stain", "forward", "total" };

#define BC_SWEEP	(64UL << 20)	/* bytes: more than the caches */

static int
bc_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bc_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bc_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The steps of cropjudge_run(), each timed into ms[step]; the whole in
 * ms[BC_N]. */
static void
bc_once(struct classifier *c, const struct img *im, const struct cellcrop *g,
    double *ms)
{
	float	 probs[WBCOOD_MAX_CLASSES], stain[WBCOOD_NSTAIN];
	int	 side = classifier_input_size(c);
	double	 t[BC_N + 1];

	t[0] = timing_ms();
	cellcrop_sample(im->rgb, im->w, im->h, g, side, classifier_input(c));
	t[1] = timing_ms();
	wbcood_normalise(classifier_ood(c), classifier_input(c), side, g);
	t[2] = timing_ms();
	wbcood_stain(classifier_input(c), side, g, stain);
	t[3] = timing_ms();
	classifier_run(c, probs);
	t[4] = timing_ms();
	for (int s = 0; s < BC_N; s++)
		ms[s] = t[s + 1] - t[s];
	ms[BC_N] = t[BC_N] - t[0];
}

int
benchcrop_run(const char *cfg, const char *wts, const char *names,
    const struct img *im, double box, int runs, int int8)
{
	struct classifier	*c;
	struct cellcrop		 g;
	char			 err[512];
	double			*ms, one[BC_N + 1], cx = im->w / 2.0, cy = im->h / 2.0;
	volatile unsigned char	*sweep;
	const char		*why;

	if ((c = classifier_open(cfg, wts, names, int8, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bv-bench --crops: %s\n", err);
		return 1;
	}
	if (int8 && strcmp(classifier_engine(c, &why), "xnnpack-int8") != 0) {
		fprintf(stderr, "bv-bench --crops: no int8 engine: %s\n", why);
		classifier_free(c);
		return 1;
	}
	if (classifier_classes(c) > WBCOOD_MAX_CLASSES ||
	    cellcrop_geom((float)(cx - box / 2), (float)(cy - box / 2),
	    (float)(cx + box / 2), (float)(cy + box / 2), CELLCROP_MARGIN,
	    im->w, im->h, &g) == -1 ||
	    (ms = calloc((size_t)runs * 2 * (BC_N + 1), sizeof(double))) == NULL ||
	    (sweep = calloc(BC_SWEEP, 1)) == NULL) {
		fprintf(stderr, "bv-bench --crops: no crop of %g px here, or "
		    "out of memory\n", box);
		classifier_free(c);
		return 1;
	}
	bc_once(c, im, &g, one);		/* first call: not counted */
	for (int r = 0; r < runs; r++) {
		for (size_t i = 0; i < BC_SWEEP; i += 64)
			sweep[i]++;
		bc_once(c, im, &g, one);
		for (int s = 0; s <= BC_N; s++)
			ms[(size_t)(2 * s + 1) * runs + r] = one[s];
		bc_once(c, im, &g, one);
		for (int s = 0; s <= BC_N; s++)
			ms[(size_t)(2 * s) * runs + r] = one[s];
	}
	printf("bv-bench --crops: %s, %dx%d input (%s), box %g px, %d runs, "
	    "medians in ms (warm / cold):\n", cfg, classifier_input_size(c),
	    classifier_input_size(c), classifier_engine(c, NULL), box, runs);
	for (int s = 0; s <= BC_N; s++)
		printf("  %-14s %7.3f / %7.3f\n", bc_names[s],
		    bc_median(ms + (size_t)(2 * s) * runs, runs),
		    bc_median(ms + (size_t)(2 * s + 1) * runs, runs));
	free((void *)sweep);
	free(ms);
	classifier_free(c);
	return 0;
}
