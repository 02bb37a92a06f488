/* timing.h: a monotonic clock for durations */
#ifndef BV_TIMING_H
#define BV_TIMING_H

/* Milliseconds on CLOCK_MONOTONIC: only differences mean anything. */
double	timing_ms(void);

#endif /* BV_TIMING_H */
