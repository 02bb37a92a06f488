/* cropjudge.c: one cell's crop sampled, white-balanced, stain-measured, classified and judged (wbctype.c, rbccls.c) */
/*
 * The white-cell differential and the red-cell morphology classes take
 * the same steps per cell, in this order: the stain is measured on the
 * white-balanced crop the classifier sees, and the rule gets the logits
 * and pooled features of that same forward.  One place, so that the two
 * cannot drift apart.
 */

#include "vision/cropjudge.h"
#include "vision/cellcrop.h"
#include "vision/classifier.h"
#include "image/imgio.h"

int
cropjudge_run(struct classifier *c, const struct img *im,
    const struct cellcrop *g, int cut, struct wbcood_verdict *v)
{
	float		 probs[WBCOOD_MAX_CLASSES], stain[WBCOOD_NSTAIN];
	const float	*feat;
	int		 nf, side = classifier_input_size(c), have;

	if (classifier_classes(c) > WBCOOD_MAX_CLASSES)
		return -1;
	cellcrop_sample(im->rgb, im->w, im->h, g, side, classifier_input(c));
	have = wbcood_normalise(classifier_ood(c), classifier_input(c), side,
	    g) == 0 && wbcood_stain(classifier_input(c), side, g, stain) == 0;
	if (classifier_run(c, probs) == -1)
		return -1;
	feat = classifier_features(c, &nf);
	/* too few pixels in the image for stain statistics: a cut crop */
	wbcood_judge(classifier_ood(c), classifier_logits(c), feat, nf,
	    have ? stain : NULL, cut || !have, v);
	return 0;
}
