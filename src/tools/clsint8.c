/* clsint8.c: bv-calib-cls's int8 steps: calibrate a classifier's int8 engine on training crops, compare it with fp32 */
/*
 * Calibration is a model choice, so it reads training crops only; the
 * comparison reads the same crops (val) through both engines in the same
 * order and compares what the rule is given: the logits, as softmax
 * probabilities.  Accuracy, the share typed and the confidently wrong
 * are bv-calib-cls eval's, with and without --int8 1.
 */

#include "tools/clsint8.h"
#include "vision/classifier.h"
#include "vision/wbcood.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int
clsint8_calib(struct clsrecs_in *in, const char *split, const char *out)
{
	struct clsrecs r = { 0 };
	char	 err[512];
	int	 rc = -1;

	if (strcmp(split, "train") != 0) {
		fprintf(stderr, "bv-calib-cls: int8 ranges come from the train "
		    "split only, not %s\n", split);
		return -1;
	}
	if (classifier_calib_start(in->cls) == -1) {
		fprintf(stderr, "bv-calib-cls: calibration needs the fp32 "
		    "xnnpack engine (this one: %s)\n",
		    classifier_engine(in->cls, NULL));
		return -1;
	}
	r.k = in->ncls;
	classifier_features(in->cls, &r.nf);
	if (clsrecs_cells(in, split, &r) == -1 || r.n == 0)
		fprintf(stderr, "bv-calib-cls: no %s crop read\n", split);
	else if (classifier_calib_write(in->cls, out, err, sizeof(err)) == -1)
		fprintf(stderr, "bv-calib-cls: %s\n", err);
	else {
		printf("int8 ranges of %d %s crops -> %s\n", r.n, split, out);
		rc = 0;
	}
	clsrecs_free(&r);
	return rc;
}

/* Compare the records a (fp32) and b (int8) at temperature t. */
static void
agree_at(const struct clsrecs *a, const struct clsrecs *b, double t)
{
	float	 pa[CLSRECS_MAXC], pb[CLSRECS_MAXC];
	double	 d, dmax = 0, dsum = 0;
	int	 i, k, ta, tb, same = 0, dn = 0;

	for (i = 0; i < a->n; i++) {
		wbcood_softmax(a->logits + (size_t)i * a->k, a->k, t, pa);
		wbcood_softmax(b->logits + (size_t)i * b->k, b->k, t, pb);
		for (ta = tb = 0, k = 0; k < a->k; k++) {
			ta = pa[k] > pa[ta] ? k : ta;
			tb = pb[k] > pb[tb] ? k : tb;
			d = fabs((double)pa[k] - pb[k]);
			dmax = d > dmax ? d : dmax;
			dsum += d;
			dn++;
		}
		same += ta == tb;
	}
	printf("T=%.4f: same top class %d of %d (%.4f), probability "
	    "difference max %.4f, mean %.5f\n", t, same, a->n,
	    (double)same / a->n, dmax, dn ? dsum / dn : 0);
}

int
clsint8_agree(struct clsrecs_in *in, struct classifier *cls8,
    const char *split, double t)
{
	struct clsrecs a = { 0 }, b = { 0 };
	struct classifier *c32 = in->cls;
	int	 rc = -1;

	a.k = b.k = in->ncls;
	classifier_features(c32, &a.nf);
	classifier_features(cls8, &b.nf);
	if (clsrecs_cells(in, split, &a) == -1)
		goto out;
	in->cls = cls8;
	if (clsrecs_cells(in, split, &b) == -1)
		goto out;
	if (a.n != b.n || a.n == 0) {
		fprintf(stderr, "bv-calib-cls: %d fp32 crops, %d int8\n", a.n,
		    b.n);
		goto out;
	}
	printf("# %s crops, fp32 (%s) against int8 (%s)\n", split,
	    classifier_engine(c32, NULL), classifier_engine(cls8, NULL));
	agree_at(&a, &b, 1);
	agree_at(&a, &b, t);
	rc = 0;
out:
	in->cls = c32;
	clsrecs_free(&a);
	clsrecs_free(&b);
	return rc;
}
