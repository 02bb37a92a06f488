/* register.c: the health post's monthly register: GET /api/register.csv and /api/register/summary */
/*
 * A health post reports its screenings each month.  The CSV holds one row
 * per sample created in a date range: its code (never a name: the note is
 * left out), date, age group, sex, pregnancy, altitude, haemoglobin, the
 * anaemia screening as the sample page's headline gives it (verified data
 * only) and beside it the result with data not yet verified, the counts
 * and estimates with their 95 % intervals, and how many fields a person
 * reviewed.  The summary counts one month's screenings by age group and
 * the share screened anaemia-likely at the adjusted cutoffs.  Both are
 * read from each sample's summary (samples_summary()), the same numbers
 * as the sample page.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* open_memstream under -std=c11 */
#endif

#include "routes/register.h"
#include "base/context.h"
#include "base/http.h"
#include "clinical/estimates.h"
#include "store/results.h"
#include "store/samples.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGISTER_MAX	20000	/* samples one request reads, at most */

/* Age groups of the register, by age in months (WHO's anaemia groups). */
static const struct age_group {
	const char	*id;
	double		 from, to;	/* months, [from, to) */
} age_groups[] = {
	{ "0-5m", 0, 6 }, { "6-23m", 6, 24 }, { "24-59m", 24, 60 },
	{ "5-11y", 60, 144 }, { "12-14y", 144, 180 }, { "15y+", 180, 1e9 },
};
#define NAGE	(sizeof(age_groups) / sizeof(age_groups[0]))

/* The age group id of sample s, "unknown" without an age. */
static const char *
age_group(const json_t *s)
{
	const json_t	*a = json_object_get(s, "age_months");
	size_t		 i;

	if (json_is_number(a))
		for (i = 0; i < NAGE; i++)
			if (json_number_value(a) >= age_groups[i].from &&
			    json_number_value(a) < age_groups[i].to)
				return age_groups[i].id;
	return "unknown";
}

/* One CSV cell (RFC 4180); text a spreadsheet would run as a formula gets a leading '. */
static void
csv_cell(FILE *f, const char *v, int last)
{
	const char	*p;

	if (v == NULL)
		v = "";
	if (strchr("=+-@", v[0]) != NULL && v[0] != '\0' &&
	    !(v[0] == '-' && v[1] >= '0' && v[1] <= '9'))
		fputc('\'', f);
	if (strpbrk(v, ",\"\r\n") != NULL) {
		fputc('"', f);
		for (p = v; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else
		fputs(v, f);
	fputs(last ? "\r\n" : ",", f);
}

/* A JSON number or string as CSV text ("" for null or absent). */
static void
csv_json(FILE *f, const json_t *v, int last)
{
	char	 buf[64];

	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_integer_value(v));
	else if (json_is_real(v))
		est_fmt(buf, sizeof(buf), json_real_value(v), 2);
	else if (json_is_true(v) || json_is_false(v))
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_string(v))
		return csv_cell(f, json_string_value(v), last);
	else
		buf[0] = '\0';
	csv_cell(f, buf, last);
}

static const char *const classes[] = { "RBC", "WBC", "Platelets" };

static void
csv_header(FILE *f)
{
	size_t	 k;

	fputs("sample_code,date,age_group,sex,pregnant,trimester,altitude_m,"
	    "hb_g_l,anaemia,anaemia_severity,anaemia_with_unverified_data,"
	    "severity_with_unverified_data,fields,reviewed_fields,", f);
	for (k = 0; k < 3; k++)
		fprintf(f, "%s_counted,%s_per_ul,%s_per_ul_low95,"
		    "%s_per_ul_high95,", classes[k], classes[k], classes[k],
		    classes[k]);
	fputs("reviewed\r\n", f);
}

/* The row of sample s (its summary sum). */
static void
csv_row(FILE *f, const json_t *s, const json_t *sum)
{
	const json_t	*sc = json_object_get(sum, "screening");
	const json_t	*wu = json_object_get(sc, "with_unverified");
	const json_t	*rv = json_object_get(sum, "review"), *e, *iv;
	const char	*created = json_string_value(json_object_get(s,
			    "created"));
	char		 date[11];
	json_int_t	 nf, nr;
	size_t		 k;

	snprintf(date, sizeof(date), "%s", created ? created : "");
	csv_json(f, json_object_get(s, "code"), 0);
	csv_cell(f, date, 0);
	csv_cell(f, age_group(s), 0);
	csv_json(f, json_object_get(s, "sex"), 0);
	csv_json(f, json_object_get(s, "pregnant"), 0);
	csv_json(f, json_object_get(s, "trimester"), 0);
	csv_json(f, json_object_get(s, "altitude_m"), 0);
	csv_json(f, json_object_get(s, "hemoglobin_g_l"), 0);
	csv_json(f, json_object_get(sc, "result"), 0);
	csv_json(f, json_object_get(sc, "severity"), 0);
	csv_json(f, json_object_get(wu, "result"), 0);
	csv_json(f, json_object_get(wu, "severity"), 0);
	nf = json_integer_value(json_object_get(sum, "fields"));
	nr = json_integer_value(json_object_get(rv, "reviewed_fields"));
	csv_json(f, json_object_get(sum, "fields"), 0);
	csv_json(f, json_object_get(rv, "reviewed_fields"), 0);
	for (k = 0; k < 3; k++) {
		e = json_object_get(json_object_get(sum, "estimates"),
		    classes[k]);
		iv = json_object_get(e, "interval95");
		csv_json(f, json_object_get(json_object_get(sum, "totals"),
		    classes[k]), 0);
		csv_json(f, json_object_get(e, "per_ul"), 0);
		csv_json(f, json_object_get(iv, "lo"), 0);
		csv_json(f, json_object_get(iv, "hi"), 0);
	}
	csv_cell(f, nf == 0 ? "no fields" : nr == 0 ? "no" : nr < nf ?
	    "partly" : "yes", 1);
}

/*
 * Each sample created from from to to (YYYY-MM-DD, inclusive), oldest
 * first, called with its summary.  -1 when the samples cannot be listed.
 */
static int
each_sample(struct app *app, const char *from, const char *to,
    void (*fn)(void *, const json_t *, const json_t *), void *arg)
{
	json_t		*list, *d, *s, *sum;
	const char	*id, *c;
	size_t		 i;

	if ((list = samples_list(app->results_fd, REGISTER_MAX)) == NULL)
		return -1;
	for (i = json_array_size(list); i-- > 0; ) {
		d = json_array_get(list, i);
		c = json_string_value(json_object_get(d, "created"));
		id = json_string_value(json_object_get(d, "id"));
		if (c == NULL || id == NULL || strncmp(c, from, 10) < 0 ||
		    strncmp(c, to, 10) > 0 ||
		    (s = samples_load(app->results_fd, id)) == NULL)
			continue;
		if ((sum = samples_summary(app->results_fd, s,
		    app->clinical)) != NULL)
			fn(arg, s, sum);
		json_decref(sum);
		json_decref(s);
	}
	json_decref(list);
	return 0;
}

static void
row_cb(void *arg, const json_t *s, const json_t *sum)
{
	csv_row(arg, s, sum);
}

/* Counts of one age group (or all) for the summary. */
struct tally {
	json_int_t	 screened, with_hb, likely, mild, moderate, severe;
	json_int_t	 not_indicated, cannot_tell, likely_unverified;
};

struct month {
	struct tally	 t[NAGE + 2];	/* the groups, unknown, all */
};

static void
tally_add(struct tally *t, const json_t *s, const json_t *sc)
{
	const char	*r = json_string_value(json_object_get(sc, "result"));
	const char	*v = json_string_value(json_object_get(sc, "severity"));
	const char	*w = json_string_value(json_object_get(json_object_get(
			    sc, "with_unverified"), "result"));

	t->screened++;
	t->with_hb += json_is_number(json_object_get(s, "hemoglobin_g_l"));
	if (r != NULL && strcmp(r, "likely") == 0) {
		t->likely++;
		t->mild += v != NULL && strcmp(v, "mild") == 0;
		t->moderate += v != NULL && strcmp(v, "moderate") == 0;
		t->severe += v != NULL && strcmp(v, "severe") == 0;
	} else if (r != NULL && strcmp(r, "not_indicated") == 0)
		t->not_indicated++;
	else
		t->cannot_tell++;
	t->likely_unverified += w != NULL && strcmp(w, "likely") == 0 &&
	    (r == NULL || strcmp(r, "likely") != 0);
}

static void
month_cb(void *arg, const json_t *s, const json_t *sum)
{
	struct month	*m = arg;
	const char	*g = age_group(s);
	size_t		 i;

	for (i = 0; i < NAGE && strcmp(age_groups[i].id, g) != 0; i++)
		;
	tally_add(&m->t[i], s, json_object_get(sum, "screening"));
	tally_add(&m->t[NAGE + 1], s, json_object_get(sum, "screening"));
}

static json_t *
tally_json(const char *group, const struct tally *t)
{
	json_t	*o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "age_group", group, "screened", t->screened, "with_hemoglobin",
	    t->with_hb, "anaemia_likely", t->likely, "mild", t->mild,
	    "moderate", t->moderate, "severe", t->severe, "not_indicated",
	    t->not_indicated, "cannot_tell", t->cannot_tell,
	    "likely_only_with_unverified_data", t->likely_unverified);

	/* the share among those screened with a result, not a guess for the rest */
	if (o != NULL)
		json_object_set_new(o, "anaemia_share_pct", t->likely +
		    t->not_indicated > 0 ? json_real(round(1000.0 * t->likely /
		    (t->likely + t->not_indicated)) / 10) : json_null());
	return o;
}

/* YYYY-MM: from and to (YYYY-MM-01, YYYY-MM-31); -1 if it is not a month. */
static int
month_range(const char *m, char *from, char *to)
{
	char	 d[11];

	if (strlen(m) != 7)
		return -1;
	snprintf(d, sizeof(d), "%s-01", m);
	if (!results_date_valid(d))
		return -1;
	memcpy(from, d, 11);
	snprintf(to, 11, "%s-31", m);
	return 0;
}

static void
route_summary(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct month	 m;
	char		 mon[16], from[11], to[11];
	json_t		*groups;
	size_t		 i;

	if (http_query_get(req->query, "month", mon, sizeof(mon)) == -1 ||
	    month_range(mon, from, to) == -1) {
		http_fail_detail(resp, ERR_BAD_REQUEST, "Give month=YYYY-MM.", NULL);
		return;
	}
	memset(&m, 0, sizeof(m));
	if (each_sample(app, from, to, month_cb, &m) == -1) {
		http_fail(resp, ERR_INTERNAL);
		return;
	}
	groups = json_array();
	for (i = 0; i <= NAGE; i++)
		if (i < NAGE || m.t[i].screened > 0)
			json_array_append_new(groups, tally_json(i < NAGE ?
			    age_groups[i].id : "unknown", &m.t[i]));
	http_json(resp, 200, json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "month",
	    mon, "from", from, "to", to, "groups", groups, "all",
	    tally_json("all", &m.t[NAGE + 1]), "basis", "The anaemia "
	    "result is the sample page's headline: WHO cutoffs adjusted for "
	    "altitude and smoking where those adjustments are verified; a "
	    "result that rests on data not yet verified counts as cannot "
	    "tell, and is counted beside."));
}

static void
route_csv(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	char	 from[16], to[16], cd[96];
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	if (http_query_get(req->query, "from", from, sizeof(from)) == -1 ||
	    http_query_get(req->query, "to", to, sizeof(to)) == -1 ||
	    !results_date_valid(from) || !results_date_valid(to)) {
		http_fail_detail(resp, ERR_BAD_REQUEST, "Give from=YYYY-MM-DD "
		    "and to=YYYY-MM-DD.", NULL);
		return;
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		http_fail(resp, ERR_INTERNAL);
		return;
	}
	csv_header(f);
	if (each_sample(app, from, to, row_cb, f) == -1 || fclose(f) != 0) {
		free(buf);
		http_fail(resp, ERR_INTERNAL);
		return;
	}
	resp->status = 200;
	resp->content_type = "text/csv; charset=utf-8";
	resp->body = buf;
	resp->body_len = len;
	snprintf(cd, sizeof(cd), "attachment; filename=\"register-%s-%s.csv\"",
	    from, to);
	http_add_header(resp, "Content-Disposition", cd);
}

int
register_route(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	int	 csv = strcmp(req->path, "/api/register.csv") == 0;

	if (!csv && strcmp(req->path, "/api/register/summary") != 0)
		return 0;
	if (strcmp(req->method, "GET") != 0)
		http_method_not_allowed(resp, "GET");
	else if (csv)
		route_csv(app, req, resp);
	else
		route_summary(app, req, resp);
	return 1;
}
