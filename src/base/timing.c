/* timing.c: a monotonic clock for durations */

#include "base/timing.h"

#include <time.h>

double
timing_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
