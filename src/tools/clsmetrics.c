/* clsmetrics.c: confusion matrix, accuracy, recall, precision, macro-F1 */
#include <math.h>
#include <string.h>

#include "tools/clsmetrics.h"

int
clsm_init(struct clsm *cm, int n)
{
	if (n < 1 || n > CLSM_MAX)
		return -1;
	memset(cm, 0, sizeof *cm);
	cm->n = n;
	return 0;
}

void
clsm_add(struct clsm *cm, int truth, int pred)
{
	if (truth < 0 || truth >= cm->n || pred < 0 || pred >= cm->n)
		return;
	cm->m[truth][pred]++;
}

double
clsm_accuracy(const struct clsm *cm)
{
	long ok = 0, all = 0;

	for (int t = 0; t < cm->n; t++)
		for (int p = 0; p < cm->n; p++) {
			all += cm->m[t][p];
			if (t == p)
				ok += cm->m[t][p];
		}
	return all > 0 ? (double)ok / all : NAN;
}

double
clsm_recall(const struct clsm *cm, int c)
{
	long row = 0;

	for (int p = 0; p < cm->n; p++)
		row += cm->m[c][p];
	return row > 0 ? (double)cm->m[c][c] / row : NAN;
}

double
clsm_precision(const struct clsm *cm, int c)
{
	long col = 0;

	for (int t = 0; t < cm->n; t++)
		col += cm->m[t][c];
	return col > 0 ? (double)cm->m[c][c] / col : NAN;
}

double
clsm_f1(const struct clsm *cm, int c)
{
	double r = clsm_recall(cm, c), p = clsm_precision(cm, c);

	if (isnan(r) || isnan(p))
		return NAN;
	return r + p > 0 ? 2 * r * p / (r + p) : 0;
}

double
clsm_macro_f1(const struct clsm *cm, const int *cls, int k)
{
	double sum = 0;
	int used = 0;

	if (cls == NULL)
		k = cm->n;
	for (int i = 0; i < k; i++) {
		int c = cls != NULL ? cls[i] : i;
		double f;

		if (c < 0 || c >= cm->n)
			continue;
		f = clsm_f1(cm, c);
		if (isnan(f)) {
			if (isnan(clsm_recall(cm, c)))
				continue;	/* no truths: undefined, skipped */
			f = 0;			/* truths, never predicted */
		}
		sum += f;
		used++;
	}
	return used > 0 ? sum / used : NAN;
}

void
clsm_print(FILE *f, const struct clsm *cm, const char *const *names)
{
	long all = 0;

	for (int t = 0; t < cm->n; t++)
		for (int p = 0; p < cm->n; p++)
			all += cm->m[t][p];
	fprintf(f, "images %ld, accuracy %.4f, macro-F1 (all %d classes) %.4f\n",
	    all, clsm_accuracy(cm), cm->n, clsm_macro_f1(cm, NULL, 0));
	fprintf(f, "%-14s %7s %7s %7s %6s\n", "class", "recall", "prec", "F1", "n");
	for (int c = 0; c < cm->n; c++) {
		long row = 0;

		for (int p = 0; p < cm->n; p++)
			row += cm->m[c][p];
		fprintf(f, "%-14s %7.4f %7.4f %7.4f %6ld\n", names[c],
		    clsm_recall(cm, c), clsm_precision(cm, c), clsm_f1(cm, c), row);
	}
	fprintf(f, "confusion (rows truth, columns predicted):\n%-14s", "");
	for (int p = 0; p < cm->n; p++)
		fprintf(f, " %5.5s", names[p]);
	fprintf(f, "\n");
	for (int t = 0; t < cm->n; t++) {
		fprintf(f, "%-14s", names[t]);
		for (int p = 0; p < cm->n; p++)
			fprintf(f, " %5ld", cm->m[t][p]);
		fprintf(f, "\n");
	}
}
