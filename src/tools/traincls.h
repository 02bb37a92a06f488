/* traincls.h: bv-train's white-cell classifier commands and their shared reports */
#ifndef BV_TRAINCLS_H
#define BV_TRAINCLS_H

#include <stdio.h>

#include "tools/trainnet.h"
#include "tools/clsmetrics.h"

#define TRAINCLS_MAXC	CLSM_MAX

/* `bv-train classify`: train a [softmax] classifier on pbc-cells. */
int	traincls_train(const struct opts *o);

/* `bv-train classify-eval`: the metrics of one weights file on a split. */
int	traincls_eval(const struct opts *o);

/* `bv-train classify-e2e` (traine2e.c): detector then classifier. */
int	traine2e_main(const struct opts *o);

/* Class names, one a line (blank lines skipped), at most max of < 32
 * bytes.  The count, or -1 with a message. */
int	traincls_names(const char *path, char names[][32], int max);

/* The confusion matrix and macro-F1 (five main classes, all white-cell
 * classes) to f. */
void	traincls_report(FILE *f, const struct clsm *cm, char names[][32], int ncls);

#endif /* BV_TRAINCLS_H */
