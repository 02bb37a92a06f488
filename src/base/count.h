/* count.h: the counting rule: a detection counts when its rounded confidence reaches its class's threshold */
#ifndef BV_COUNT_H
#define BV_COUNT_H

/*
 * 1 if a detection of confidence conf counts under its class's threshold
 * thr, else 0.  The confidence is rounded to the three decimals the
 * result's JSON shows, so that anyone recounting from the JSON (a review,
 * the page's slider, a sample summary) gets the server's counts.  The
 * front end's copy of this rule is passes() in htdocs/js/app.js.
 */
int	count_counted(double conf, double thr);

#endif /* BV_COUNT_H */
