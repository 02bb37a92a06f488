/* benchcrop.h: bv-bench --crops: where one classified crop's time goes (crop, white balance, stain, forward), warm and cache-cold */
#ifndef BV_BENCHCROP_H
#define BV_BENCHCROP_H

struct img;

/*
 * Classifier cfg/wts/names (models/v2-wbc or v1-rbcmorph) on one crop of
 * im: a square box of side box px at the picture's centre.  runs rounds,
 * each timing the steps of cropjudge.c once right after the previous
 * round ("warm") and once after a 64 MB sweep has evicted the caches, as
 * the server's one crop per request meets them after a detection
 * ("cold").  Prints the medians in ms.  int8: the int8 engine
 * (classifier_open(); W.int8 beside the weights), else fp32.  0, or 1
 * when the classifier does not load or int8 falls back to fp32.
 */
int	benchcrop_run(const char *cfg, const char *wts, const char *names,
	    const struct img *im, double box, int runs, int int8);

#endif /* BV_BENCHCROP_H */
