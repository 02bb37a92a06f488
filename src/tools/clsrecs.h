/* clsrecs.h: bv-calib-cls's crops: pbc-cells, BCCD or YOLO-labelled sets read through the classifier and the rule's measurements */
#ifndef BV_CLSRECS_H
#define BV_CLSRECS_H

#include "vision/classifier.h"
#include "vision/wbcood.h"

#define CLSRECS_MAXSHIFT	8
#define CLSRECS_MAXC		WBCOOD_MAX_CLASSES
#define CLSRECS_EVAL_BOX	135.0	/* pbc-cells: the median WBC box, centred */

/* What the rule reads of every crop of a set. */
struct clsrecs {
	int n, cap, k, nf;
	float *logits, *feat, *stain;
	unsigned char *stain_ok, *cut;
	int *label;
};

/* Where crops come from and what reads them. */
struct clsrecs_in {
	struct classifier *cls;
	const struct wbcood *norm;	/* white-balances crops (or NULL) */
	const char *const *cnames;	/* the classifier's class names */
	int ncls;
	const char *data;		/* the set's folder */
	int limit;			/* pbc-cells: at most this many (0: all) */
	const char *const *shift;	/* --shift od:|wb:|blur:|jpeg:|scale: */
	int nshift;
	double ms_net, ms_rule;		/* time in the classifier, in the rule */
};

/*
 * Append the crops of a set to r (r->k and r->nf set by the caller):
 * pbc-cells rows of split whose class is named (centred box), BCCD's
 * labelled WBC boxes of split, or the class-1 boxes of a YOLO set
 * (DIR/all.txt, DIR/labels/NAME.txt); label -1 where there is no type.
 * 0, or -1 with a message (what was read stays in r).
 */
int	clsrecs_cells(struct clsrecs_in *in, const char *split, struct clsrecs *r);
int	clsrecs_bccd(struct clsrecs_in *in, const char *split, struct clsrecs *r);
int	clsrecs_yolo(struct clsrecs_in *in, struct clsrecs *r);

/* Free r's arrays and empty it. */
void	clsrecs_free(struct clsrecs *r);

#endif /* BV_CLSRECS_H */
