/* qdegrade.h: degraded and transformed copies of a picture for bv-quality (flags and negatives) */
#ifndef BV_QDEGRADE_H
#define BV_QDEGRADE_H

#include "image/imgio.h"

/*
 * Apply spec to im in place (im may be replaced): "none"; "scale:F"
 * (resampled by F); "blur:F" (Gaussian, sigma F % of the short side);
 * "gain:G" (exposure times G, clipped: dark below 1, burnt above);
 * "od:R,G,B" (stain: optical density per channel times the gains);
 * "thick:N" (N copies shifted by a third of the short side / 8 and
 * multiplied, as a layer of cells on cells); "sparse" (all but a disc
 * of a twentieth of the short side replaced by the background colour);
 * "crop:F" (the centre F of each side); "cast:R,G,B" (channel gains, a
 * colour cast); "noise:A" (the camera's noise, uniform +-A levels, added
 * after a blur as a defocused photo has it).  Several specs joined by '+' apply in order.  0, or -1
 * on a bad spec or no memory.
 */
int	 qdegrade_apply(struct img *im, const char *spec);

#endif /* BV_QDEGRADE_H */
