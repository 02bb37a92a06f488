/* qtrain.h: train the scene gate (logistic regression) from bv-quality features */
#ifndef BV_QTRAIN_H
#define BV_QTRAIN_H

/*
 * Read csv (bv-quality features' output), fit a logistic regression on
 * the rows of split "train" (features standardised, classes weighted to
 * equal mass, L2 1e-3, full-batch gradient descent), choose the
 * threshold on split "val": half the score of the smear at quantile
 * refuse_max of the validation smears' scores, so at most that share of
 * them is refused; print false refusals and false acceptances per
 * source for val, then test (report test once), and write the model
 * header to out (NULL: no file).  Rows of any other split are ignored.
 * A picture the scan itself refused (no cells, blank) counts as refused.
 * 0, or 1 on an unreadable file or too few rows.
 */
int	 qtrain_run(const char *csv, const char *out, double refuse_max);

#endif /* BV_QTRAIN_H */
