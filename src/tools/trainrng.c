/* trainrng.c: bv-train's seeded PRNG (splitmix64), saved in checkpoints */

#include "tools/trainrng.h"

#include <math.h>

uint64_t trainrng_state = 1;

uint64_t
trainrng_next(void)
{
	uint64_t z = (trainrng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
float
trainrng_uniform(float lo, float hi)
{
	return lo + (hi - lo) * (float)((trainrng_next() >> 40) * (1.0 / 16777216.0));
}

int
trainrng_int(int n)
{
	return (int)(trainrng_next() % (uint64_t)n);
}

/* Log-uniform factor in [1/s, s]. */
float
trainrng_scale(float s)
{
	return expf(trainrng_uniform(-logf(s), logf(s)));
}

/* Standard normal deviate from the seeded PRNG (Box-Muller). */
float
trainrng_gauss(void)
{
	float u = trainrng_uniform(1e-7f, 1), v = trainrng_uniform(0, 1);

	return sqrtf(-2 * logf(u)) * cosf(2 * (float)M_PI * v);
}
