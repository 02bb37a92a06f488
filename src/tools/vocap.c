/* vocap.c: Pascal VOC average precision (AP@IoU, all-point interpolation) */
/*
 * Pure computation, no I/O, so the trainer's validation and bv-eval share
 * it and unit tests pin it down.  Continuous coordinates: IoU uses x1-x0,
 * not the devkit's historic +1 pixel.
 */
#include "tools/vocap.h"
#include "base/geom.h"

#include <math.h>
#include <stdlib.h>

double
vocap_iou(float ax0, float ay0, float ax1, float ay1,
    float bx0, float by0, float bx1, float by1)
{
	return geom_iou((struct geom_box){ ax0, ay0, ax1, ay1 },
	    (struct geom_box){ bx0, by0, bx1, by1 });
}

struct vocap_rank {
	float conf;
	size_t idx;
};

static int
vocap_rank_cmp(const void *a, const void *b)
{
	const struct vocap_rank *x = a, *y = b;

	if (x->conf != y->conf)
		return x->conf > y->conf ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The ground truth of class c among order[from..to) that overlaps d
 * most: its IoU (0: none overlaps) and its index in *bi. */
static double
vocap_best(const struct vocap_gt *gt, const size_t *order, size_t from,
    size_t to, const struct vocap_det *d, int c, size_t *bi)
{
	double best = 0;

	for (size_t k = from; k < to; k++) {
		const struct vocap_gt *g = &gt[order[k]];
		double o;

		if (g->cls != c)
			continue;
		o = vocap_iou(d->x0, d->y0, d->x1, d->y1,
		    g->x0, g->y0, g->x1, g->y1);
		if (o > best) {
			best = o;
			*bi = order[k];
		}
	}
	return best;
}

/* All-point interpolated area under the precision/recall points
 * rec/prec[1..np] (rec/prec hold np + 2 entries; both are changed). */
static double
vocap_area(double *rec, double *prec, size_t np)
{
	double a = 0;

	/* Envelope: sentinels (0,0) and (1,0), then max from the right. */
	rec[0] = 0;
	prec[0] = 0;
	rec[np + 1] = 1;
	prec[np + 1] = 0;
	for (size_t i = np + 1; i > 0; i--)
		if (prec[i] > prec[i - 1])
			prec[i - 1] = prec[i];
	for (size_t i = 0; i < np + 1; i++)
		if (rec[i + 1] != rec[i])
			a += (rec[i + 1] - rec[i]) * prec[i + 1];
	return a;
}

int
vocap_eval(const struct vocap_gt *gt, size_t ngt,
    const struct vocap_det *det, size_t ndet, int nimg, int ncls,
    double iou_thresh, double *ap, double *map)
{
	size_t *start = NULL, *order = NULL, *fill = NULL;
	struct vocap_rank *rank = NULL;
	unsigned char *used = NULL;
	double *prec = NULL, *rec = NULL, sum = 0;
	int nvalid = 0, rc = -1;

	if (nimg < 0 || ncls < 0)
		return -1;
	/* Group ground truth by image (counting sort) for cheap matching. */
	start = calloc((size_t)nimg + 1, sizeof *start);
	fill = calloc((size_t)nimg + 1, sizeof *fill);
	order = malloc((ngt ? ngt : 1) * sizeof *order);
	used = malloc(ngt ? ngt : 1);
	rank = malloc((ndet ? ndet : 1) * sizeof *rank);
	prec = malloc((ndet + 2) * sizeof *prec);
	rec = malloc((ndet + 2) * sizeof *rec);
	if (!start || !fill || !order || !used || !rank || !prec || !rec)
		goto cleanup;
	for (size_t i = 0; i < ngt; i++)
		if (gt[i].img >= 0 && gt[i].img < nimg)
			start[gt[i].img + 1]++;
	for (int i = 0; i < nimg; i++)
		start[i + 1] += start[i];
	for (size_t i = 0; i < ngt; i++)
		if (gt[i].img >= 0 && gt[i].img < nimg)
			order[start[gt[i].img] + fill[gt[i].img]++] = i;

	for (int c = 0; c < ncls; c++) {
		size_t npos = 0, nr = 0, tp = 0, fp = 0, np = 0;
		double a;

		for (size_t i = 0; i < ngt; i++) {
			used[i] = 0;
			if (gt[i].cls == c && !gt[i].difficult &&
			    gt[i].img >= 0 && gt[i].img < nimg)
				npos++;
		}
		if (npos == 0) {
			ap[c] = NAN;
			continue;
		}
		for (size_t i = 0; i < ndet; i++)
			if (det[i].cls == c && det[i].img >= 0 && det[i].img < nimg) {
				rank[nr].conf = det[i].conf;
				rank[nr].idx = i;
				nr++;
			}
		qsort(rank, nr, sizeof *rank, vocap_rank_cmp);
		for (size_t r = 0; r < nr; r++) {
			const struct vocap_det *d = &det[rank[r].idx];
			size_t bi = 0;
			double best = vocap_best(gt, order, start[d->img],
			    start[d->img + 1], d, c, &bi);

			if (best > 0 && best >= iou_thresh) {
				if (gt[bi].difficult)
					continue;
				if (!used[bi]) {
					used[bi] = 1;
					tp++;
				} else
					fp++;
			} else
				fp++;
			rec[np + 1] = (double)tp / npos;
			prec[np + 1] = (double)tp / (tp + fp);
			np++;
		}
		a = vocap_area(rec, prec, np);
		ap[c] = a;
		sum += a;
		nvalid++;
	}
	if (map != NULL)
		*map = nvalid ? sum / nvalid : NAN;
	rc = 0;
cleanup:
	free(start);
	free(fill);
	free(order);
	free(used);
	free(rank);
	free(prec);
	free(rec);
	return rc;
}
