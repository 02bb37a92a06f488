/* clsmetrics.h: confusion matrix, accuracy, recall, precision, macro-F1 */
#ifndef BV_CLSMETRICS_H
#define BV_CLSMETRICS_H

#include <stdio.h>

#define CLSM_MAX 16

/* m[truth][pred] counts for n classes (n <= CLSM_MAX). */
struct clsm {
	int n;
	long m[CLSM_MAX][CLSM_MAX];
};

/* Zero cm for n classes; returns -1 when n is out of range. */
int	clsm_init(struct clsm *cm, int n);

/* Count one (truth, pred) pair; pairs outside 0..n-1 are ignored. */
void	clsm_add(struct clsm *cm, int truth, int pred);

/* Fraction correct over all counted pairs; NAN when there are none. */
double	clsm_accuracy(const struct clsm *cm);

/* Per class c: recall (NAN without truths), precision (NAN without
 * predictions), F1 (0 when recall or precision is 0, NAN when either is
 * undefined). */
double	clsm_recall(const struct clsm *cm, int c);
double	clsm_precision(const struct clsm *cm, int c);
double	clsm_f1(const struct clsm *cm, int c);

/*
 * Mean F1 over the classes in cls[0..k-1] (all n when cls is NULL), from
 * the full matrix: a main class predicted as a class outside the subset
 * still counts as its miss.  An undefined class F1 counts as 0 when the
 * class has truths (it was never predicted) and is skipped otherwise.
 * NAN when nothing is left.
 */
double	clsm_macro_f1(const struct clsm *cm, const int *cls, int k);

/* Print accuracy, per-class recall/precision/F1, macro-F1 and the matrix
 * (rows truth, columns predicted) with the class names. */
void	clsm_print(FILE *f, const struct clsm *cm, const char *const *names);

#endif /* BV_CLSMETRICS_H */
