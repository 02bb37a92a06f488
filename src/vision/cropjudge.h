/* cropjudge.h: one cell's crop sampled, white-balanced, stain-measured, classified and judged (wbctype.c, rbccls.c) */
#ifndef BV_CROPJUDGE_H
#define BV_CROPJUDGE_H

#include "vision/wbcood.h"

struct cellcrop;
struct classifier;
struct img;

/*
 * The crop g of im (cellcrop.h: the geometry training used) sampled to
 * c's input, its background white-balanced when c's rule says so
 * (wbcood_normalise()), its stain measured (wbcood_stain()), classified,
 * and judged by c's abstention rule (wbcood_judge()) into v.  cut: the
 * cell's box meets the image border (wbcood_cut()); a crop with too few
 * pixels in the image for stain statistics is judged as cut too.  0, or
 * -1 when the classifier fails or has more classes than WBCOOD_MAX_CLASSES.
 */
int	 cropjudge_run(struct classifier *c, const struct img *im,
	    const struct cellcrop *g, int cut, struct wbcood_verdict *v);

#endif /* BV_CROPJUDGE_H */
