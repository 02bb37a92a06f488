/* clsint8.h: bv-calib-cls's int8 steps: calibrate a classifier's int8 engine on training crops, compare it with fp32 */
#ifndef BV_CLSINT8_H
#define BV_CLSINT8_H

#include "tools/clsrecs.h"

/*
 * Run the crops of split (train only: val and test are refused) through
 * in->cls (fp32 XNNPACK) recording every layer's activation range, and
 * write the ranges to out (classifier_open() reads X.int8 beside
 * X.weights).  0, or -1 with a message.
 */
int	clsint8_calib(struct clsrecs_in *in, const char *split, const char *out);

/*
 * The same crops of split through in->cls (fp32) and cls8 (int8): the
 * share with the same top class and the largest and mean difference of
 * a class probability, at temperature 1 and at t (the rule's).  Printed;
 * 0, or -1 with a message.
 */
int	clsint8_agree(struct clsrecs_in *in, struct classifier *cls8,
	    const char *split, double t);

#endif /* BV_CLSINT8_H */
