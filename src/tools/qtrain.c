/* qtrain.c: train the scene gate (logistic regression) from bv-quality features */

#include "tools/qtrain.h"
#include "vision/quality.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
	int	 label;
	char	 split[16], source[64];
	int	 scan_ok;
	double	 x[QF_N];
	double	 p;		/* the new model's score */
};

/* Parse one CSV line (no quoted fields: paths have no commas). */
static int
parse_row(char *line, struct row *r)
{
	char	*f[8 + QF_N], *save = NULL, *p;
	int	 n = 0, i;

	for (p = strtok_r(line, ",\n", &save); p != NULL && n < 7 + QF_N;
	    p = strtok_r(NULL, ",\n", &save))
		f[n++] = p;
	if (n < 7 + QF_N || (strcmp(f[0], "0") != 0 && strcmp(f[0], "1") != 0))
		return -1;
	r->label = f[0][0] == '1';
	snprintf(r->split, sizeof(r->split), "%s", f[1]);
	snprintf(r->source, sizeof(r->source), "%s", f[2]);
	r->scan_ok = strcmp(f[5], "ok") == 0;
	for (i = 0; i < QF_N; i++)
		r->x[i] = strtod(f[7 + i], NULL);
	return 0;
}

static struct row *
read_rows(const char *csv, size_t *n)
{
	FILE		*fp;
	char		 line[8192];
	struct row	*v = NULL, *t;
	size_t		 cap = 0;

	*n = 0;
	if ((fp = fopen(csv, "r")) == NULL) {
		perror(csv);
		return NULL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((t = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				fclose(fp);
				return NULL;
			}
			v = t;
		}
		if (parse_row(line, &v[*n]) == 0)
			(*n)++;
	}
	fclose(fp);
	return v;
}

static int
in_split(const struct row *r, const char *split)
{
	return strcmp(r->split, split) == 0;
}

/* Gradient descent on the weighted log-loss; w[QF_N] is the bias. */
static void
fit(const struct row *v, size_t n, const double *mu, const double *sd,
    double *w)
{
	double	 g[QF_N + 1], z, p, cw[2] = { 0, 0 }, x;
	size_t	 i, npos = 0, ntr = 0;
	int	 it, j;

	for (i = 0; i < n; i++)
		if (in_split(&v[i], "train") && v[i].scan_ok) {
			ntr++;
			npos += v[i].label;
		}
	cw[1] = 0.5 / (npos ? npos : 1);
	cw[0] = 0.5 / (ntr - npos ? ntr - npos : 1);
	memset(w, 0, sizeof(double) * (QF_N + 1));
	for (it = 0; it < 4000; it++) {
		memset(g, 0, sizeof(g));
		for (i = 0; i < n; i++) {
			if (!in_split(&v[i], "train") || !v[i].scan_ok)
				continue;
			for (j = 0, z = w[QF_N]; j < QF_N; j++)
				z += w[j] * (v[i].x[j] - mu[j]) / sd[j];
			p = 1 / (1 + exp(-z));
			x = cw[v[i].label] * (p - v[i].label);
			for (j = 0; j < QF_N; j++)
				g[j] += x * (v[i].x[j] - mu[j]) / sd[j];
			g[QF_N] += x;
		}
		for (j = 0; j < QF_N; j++)
			w[j] -= 1.0 * (g[j] + 1e-3 * w[j]);
		w[QF_N] -= 1.0 * g[QF_N];
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Refusals per source and label in split, at threshold t. */
static void
report(const struct row *v, size_t n, const char *split, double t)
{
	char	 seen[32][64];
	int	 ns = 0, s, k, lab;
	size_t	 i, tot, ref;

	for (i = 0; i < n; i++) {
		for (k = 0; k < ns && strcmp(seen[k], v[i].source) != 0; k++)
			;
		if (k == ns && ns < 32)
			snprintf(seen[ns++], 64, "%s", v[i].source);
	}
	for (s = 0; s < ns; s++)
		for (lab = 1; lab >= 0; lab--) {
			for (i = 0, tot = 0, ref = 0; i < n; i++) {
				if (!in_split(&v[i], split) || v[i].label !=
				    lab || strcmp(v[i].source, seen[s]) != 0)
					continue;
				tot++;
				ref += !v[i].scan_ok || v[i].p < t;
			}
			if (tot > 0)
				printf("%s %-28s %s %5zu refused %5zu "
				    "(%.2f %%)\n", split, seen[s], lab ?
				    "smear    " : "not smear", tot, ref,
				    100.0 * ref / tot);
		}
}

static int
write_model(const char *out, const double *mu, const double *sd,
    const double *w, double t)
{
	FILE	*f;
	int	 j;

	if ((f = fopen(out, "w")) == NULL) {
		perror(out);
		return -1;
	}
	fprintf(f, "/* quality_model.h: the scene gate's weights (written by "
	    "bv-quality train; docs/quality.md) */\n#ifndef BV_QUALITY_MODEL_H\n"
	    "#define BV_QUALITY_MODEL_H\n\n/* feature order: quality.h enum "
	    "quality_feature */\n");
	fprintf(f, "static const double quality_model_mean[QF_N] = {");
	for (j = 0; j < QF_N; j++)
		fprintf(f, "%s%.6g", j ? ", " : " ", mu[j]);
	fprintf(f, " };\nstatic const double quality_model_sd[QF_N] = {");
	for (j = 0; j < QF_N; j++)
		fprintf(f, "%s%.6g", j ? ", " : " ", sd[j]);
	fprintf(f, " };\nstatic const double quality_model_w[QF_N] = {");
	for (j = 0; j < QF_N; j++)
		fprintf(f, "%s%.6g", j ? ", " : " ", w[j]);
	fprintf(f, " };\nstatic const double quality_model_bias = %.6g;\n"
	    "static const double quality_model_threshold = %.6g;\n\n"
	    "#endif /* BV_QUALITY_MODEL_H */\n", w[QF_N], t);
	return fclose(f) == 0 ? 0 : -1;
}

int
qtrain_run(const char *csv, const char *out, double refuse_max)
{
	struct row	*v;
	double		 mu[QF_N], sd[QF_N], w[QF_N + 1], *ps, t, z;
	size_t		 n, i, ntr = 0, npv = 0;
	int		 j, rc = 1;

	if ((v = read_rows(csv, &n)) == NULL)
		return 1;
	memset(mu, 0, sizeof(mu));
	memset(sd, 0, sizeof(sd));
	for (i = 0; i < n; i++)
		if (in_split(&v[i], "train") && v[i].scan_ok) {
			ntr++;
			for (j = 0; j < QF_N; j++) {
				mu[j] += v[i].x[j];
				sd[j] += v[i].x[j] * v[i].x[j];
			}
		}
	if (ntr < 20 || (ps = calloc(n + 1, sizeof(*ps))) == NULL) {
		fprintf(stderr, "bv-quality: too few training rows (%zu)\n",
		    ntr);
		free(v);
		return 1;
	}
	for (j = 0; j < QF_N; j++) {
		mu[j] /= ntr;
		sd[j] = sqrt(fmax(1e-12, sd[j] / ntr - mu[j] * mu[j]));
	}
	fit(v, n, mu, sd, w);
	for (i = 0; i < n; i++) {
		for (j = 0, z = w[QF_N]; j < QF_N; j++)
			z += w[j] * (v[i].x[j] - mu[j]) / sd[j];
		v[i].p = 1 / (1 + exp(-z));
		if (in_split(&v[i], "val") && v[i].label && v[i].scan_ok)
			ps[npv++] = v[i].p;
	}
	qsort(ps, npv, sizeof(*ps), cmp_double);
	t = npv > 0 ? 0.5 * ps[(size_t)(refuse_max * npv)] : 0.5;
	printf("threshold %.6g (half the validation smear score at quantile "
	    "%g)\nweights:", t, refuse_max);
	for (j = 0; j < QF_N; j++)
		printf(" %s=%.3f", quality_feature_name(j), w[j]);
	printf(" bias=%.3f\n", w[QF_N]);
	report(v, n, "train", t);
	report(v, n, "val", t);
	report(v, n, "test", t);
	/* degraded smear fields (quality-lists.sh): smears the flags, not the gate, judge */
	report(v, n, "fval", t);
	report(v, n, "ftest", t);
	rc = out != NULL && write_model(out, mu, sd, w, t) == -1;
	free(ps);
	free(v);
	return rc;
}
