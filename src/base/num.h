/* num.h: the rounding the API's JSON shows (one decimal for pixels and times, three for scores) */
#ifndef BV_NUM_H
#define BV_NUM_H

/* v rounded to one decimal (pixels, micrometres, milliseconds). */
double	num_round1(double v);

/* v rounded to three decimals (confidences, thresholds, shares). */
double	num_round3(double v);

#endif /* BV_NUM_H */
