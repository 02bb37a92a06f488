/* timing.h: a monotonic clock for durations, and the UTC time stamp results carry */
#ifndef BV_TIMING_H
#define BV_TIMING_H

#include <stddef.h>

/* Milliseconds on CLOCK_MONOTONIC: only differences mean anything. */
double	timing_ms(void);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (21 bytes do). */
void	timing_now_iso(char *buf, size_t bufsz);

#endif /* BV_TIMING_H */
