/* trainrng.h: bv-train's seeded PRNG (splitmix64), saved in checkpoints */
#ifndef BV_TRAINRNG_H
#define BV_TRAINRNG_H

#include <stdint.h>

/*
 * Every random draw of bv-train (order, augmentation, k-means seeding)
 * comes from this one state, so a run resumed from a checkpoint (which
 * stores it) continues exactly; darknet's rand() is never used for them.
 */
extern uint64_t trainrng_state;

uint64_t trainrng_next(void);
/* Uniform in [lo, hi). */
float	trainrng_uniform(float lo, float hi);
/* Uniform integer in [0, n). */
int	trainrng_int(int n);
/* Log-uniform factor in [1/s, s]. */
float	trainrng_scale(float s);
/* Standard normal deviate (Box-Muller). */
float	trainrng_gauss(void);

#endif /* BV_TRAINRNG_H */
