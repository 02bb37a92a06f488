/* trainanchors.c: `bv-train anchors`: YOLO anchors by k-means (1 - IoU) on the label boxes */

#include "tools/trainanchors.h"
#include "tools/traindata.h"
#include "tools/trainrng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANCH_MAXK	32

/* The box sizes (w, h at input S) of one list, appended to *wh. */
static int
anch_collect(const char *list, int S, float **wh, int *n, int *cap)
{
	struct dataset ds;

	if (traindata_load(&ds, list, 0.7f) == -1)
		return -1;
	for (int j = 0; j < ds.n; j++) {
		struct sample *s = &ds.s[j];
		float sc = traindata_base_scale(s, S, 288);

		for (int b = 0; b < s->nb; b++) {
			if (s->b[b * 5] < 0)
				continue;	/* ignore region */
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 4096;
				if ((*wh = realloc(*wh, *cap * 2 * sizeof **wh)) == NULL)
					return -1;
			}
			(*wh)[2 * *n] = (s->b[b * 5 + 3] - s->b[b * 5 + 1]) * sc;
			(*wh)[2 * *n + 1] = (s->b[b * 5 + 4] - s->b[b * 5 + 2]) * sc;
			(*n)++;
		}
		free_image(s->im);
	}
	return 0;
}

static double
wh_iou(float w1, float h1, float w2, float h2)
{
	double i = fmin(w1, w2) * fmin(h1, h2);

	return i / (w1 * h1 + w2 * h2 - i);
}

/* k-means++ seeding with the 1 - IoU distance. */
static void
anch_seed(const float *wh, int n, int k, float *cw, float *ch)
{
	int j;

	trainrng_state = 12345;
	j = trainrng_int(n);
	cw[0] = wh[2 * j];
	ch[0] = wh[2 * j + 1];
	for (int c = 1; c < k; c++) {
		double tot = 0, pick;
		double *dd = malloc(n * sizeof *dd);

		for (int i = 0; i < n; i++) {
			double best = 1;
			for (int m = 0; m < c; m++)
				best = fmin(best, 1 - wh_iou(wh[2 * i], wh[2 * i + 1], cw[m], ch[m]));
			dd[i] = best * best;
			tot += dd[i];
		}
		pick = trainrng_uniform(0, 1) * tot;
		for (int i = 0; i < n; i++) {
			pick -= dd[i];
			if (pick <= 0 || i == n - 1) {
				cw[c] = wh[2 * i];
				ch[c] = wh[2 * i + 1];
				break;
			}
		}
		free(dd);
	}
}

/* 300 Lloyd iterations; returns the last mean best IoU. */
static double
anch_lloyd(const float *wh, int n, int k, float *cw, float *ch)
{
	double avg = 0;

	for (int iter = 0; iter < 300; iter++) {
		double sw[ANCH_MAXK] = { 0 }, sh[ANCH_MAXK] = { 0 };
		int cnt[ANCH_MAXK] = { 0 };

		avg = 0;
		for (int i = 0; i < n; i++) {
			int bi = 0;
			double best = -1;
			for (int m = 0; m < k; m++) {
				double o = wh_iou(wh[2 * i], wh[2 * i + 1], cw[m], ch[m]);
				if (o > best) {
					best = o;
					bi = m;
				}
			}
			avg += best;
			sw[bi] += wh[2 * i];
			sh[bi] += wh[2 * i + 1];
			cnt[bi]++;
		}
		for (int m = 0; m < k; m++)
			if (cnt[m]) {
				cw[m] = sw[m] / cnt[m];
				ch[m] = sh[m] / cnt[m];
			}
	}
	return avg;
}

int
trainanchors_main(int argc, char **argv)
{
	int S = 256, k = 6, n = 0, cap = 0;
	float *wh = NULL, cw[ANCH_MAXK], ch[ANCH_MAXK];
	double avg;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			S = atoi(argv[++i]);
		else if (strcmp(argv[i], "--k") == 0 && i + 1 < argc)
			k = atoi(argv[++i]);
		else if (strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
			if (anch_collect(argv[++i], S, &wh, &n, &cap) == -1)
				return 1;
		} else {
			fprintf(stderr, "usage: bv-train anchors --list L [--list L2] [--size 256] [--k 6]\n");
			return 2;
		}
	}
	if (n < k || k < 1 || k > ANCH_MAXK) {
		fprintf(stderr, "bv-train anchors: need boxes and 1 <= k <= 32\n");
		return 1;
	}
	anch_seed(wh, n, k, cw, ch);
	avg = anch_lloyd(wh, n, k, cw, ch);
	/* Sort by area: darknet's masks index anchors small to large. */
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++)
			if (cw[b] * ch[b] < cw[a] * ch[a]) {
				float t = cw[a]; cw[a] = cw[b]; cw[b] = t;
				t = ch[a]; ch[a] = ch[b]; ch[b] = t;
			}
	printf("# %d boxes at input %d, mean best IoU %.3f\nanchors = ", n, S, avg / n);
	for (int m = 0; m < k; m++)
		printf("%s%d,%d", m ? ", " : "", (int)lrintf(cw[m]), (int)lrintf(ch[m]));
	printf("\n");
	free(wh);
	return 0;
}
