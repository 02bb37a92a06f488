/* micmodel.c: a detector model (cfg, weights, json) as one file between boxes, refused on import when its network differs */
/*
 * A model for another network would load (darknet reads what the cfg
 * says and ignores the rest of a weights file) and count nonsense, so
 * import compares three things with the running model before keeping
 * anything: the cfg's layer signature, the class names, and the weights
 * file's size, which for the same layers and the same header is fixed.
 *
 * A microscope's export carries its adopted fine-tuned model when it has
 * one, with the evaluation that adopted it; on import that model is
 * served (made current, the previous version kept for one rollback) only
 * when the pack says the rule adopted it for the same running model.
 */

#include "clinical/micmodel.h"
#include "base/log.h"
#include "base/timing.h"
#include "store/micpack.h"
#include "store/micstore.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAX	(256L * 1024 * 1024)

static const char *const shape_keys[] = { "filters", "size", "stride", "pad",
    "padding", "classes", "anchors", "mask", "num", "layers", "from",
    "groups", "batch_normalize", "width", "height", "channels", NULL };

/* The whole file path, malloc'd (NUL-terminated) in *out; 0 or -1. */
static int
slurp(const char *path, unsigned char **out, size_t *len)
{
	FILE		*fp = fopen(path, "rb");
	unsigned char	*b = NULL, *nb;
	size_t		 n = 0, cap = 0, r;

	if (fp == NULL)
		return -1;
	do {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if (cap > MODEL_MAX || (nb = realloc(b, cap)) == NULL) {
				free(b);
				fclose(fp);
				errno = ENOMEM;
				return -1;
			}
			b = nb;
		}
		r = fread(b + n, 1, 65536, fp);
		n += r;
	} while (r > 0);
	if (ferror(fp)) {
		free(b);
		fclose(fp);
		errno = EIO;
		return -1;
	}
	fclose(fp);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static int
shape_key(const char *k, size_t n)
{
	for (int i = 0; shape_keys[i] != NULL; i++)
		if (strlen(shape_keys[i]) == n && strncmp(k, shape_keys[i],
		    n) == 0)
			return 1;
	return 0;
}

/* Append line p[0..n) to sig without blanks. */
static void
append_clean(char *sig, size_t *sl, const char *p, size_t n, char end)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)p[i]))
			sig[(*sl)++] = p[i];
	sig[(*sl)++] = end;
	sig[*sl] = '\0';
}

char *
micmodel_signature(const char *cfg, size_t len)
{
	char		*sig = malloc(len + 2);
	size_t		 sl = 0, i = 0, n, k;
	const char	*p, *eq;

	if (sig == NULL)
		return NULL;
	sig[0] = '\0';
	while (i < len) {
		p = cfg + i;
		for (n = 0; i + n < len && p[n] != '\n'; n++)
			;
		i += n + 1;
		while (n > 0 && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		for (k = 0; k < n && p[k] != '#' && p[k] != ';'; k++)
			;
		n = k;
		if (n == 0)
			continue;
		if (p[0] == '[') {
			append_clean(sig, &sl, p, n, ' ');
			continue;
		}
		if ((eq = memchr(p, '=', n)) == NULL)
			continue;
		for (k = (size_t)(eq - p); k > 0 && isspace((unsigned char)
		    p[k - 1]); k--)
			;
		if (shape_key(p, k))
			append_clean(sig, &sl, p, n, ' ');
	}
	return sig;
}

int
micmodel_export(const struct micmodel_paths *p, const char *model,
    int adaptation, const json_t *evaluation, const char *const *names,
    int ncls, unsigned char **out, size_t *outlen)
{
	struct micpack	 pk;
	unsigned char	*cfg = NULL, *w = NULL, *info = NULL;
	size_t		 cl, wl, il = 2;
	char		*sig = NULL;
	json_t		*cls = json_array();
	int		 rc = -1;

	if (micpack_init(&pk, "model") == -1) {
		json_decref(cls);
		return -1;
	}
	for (int c = 0; c < ncls; c++)
		json_array_append_new(cls, json_string(names[c]));
	if (slurp(p->cfg, &cfg, &cl) == -1 || slurp(p->weights, &w, &wl) ==
	    -1 || (p->info[0] != '\0' ? slurp(p->info, &info, &il) :
	    (info = (unsigned char *)strdup("{}")) == NULL ? -1 : 0) == -1)
		goto out;
	if ((sig = micmodel_signature((const char *)cfg, cl)) == NULL ||
	    micpack_add(&pk, "model.cfg", cfg, cl) == -1 ||
	    micpack_add(&pk, "model.weights", w, wl) == -1 ||
	    micpack_add(&pk, "model.json", info, il) == -1)
		goto out;
	json_object_set_new(pk.manifest, "model", json_string(model));
	json_object_set_new(pk.manifest, "adaptation",
	    json_integer(adaptation));
	json_object_set_new(pk.manifest, "classes", json_incref(cls));
	json_object_set_new(pk.manifest, "network", json_string(sig));
	if (evaluation != NULL)
		json_object_set(pk.manifest, "evaluation",
		    (json_t *)evaluation);
	rc = micpack_dump(&pk, out, outlen);
out:
	json_decref(cls);
	free(sig);
	free(cfg);
	free(w);
	free(info);
	micpack_free(&pk);
	return rc;
}

int
micmodel_export_for(int results_fd, const char *results_dir,
    const char *name, const struct micmodel_paths *shipped,
    const char *model, const char *const *names, int ncls,
    unsigned char **out, size_t *outlen, int *version)
{
	char			 dir[MICSTORE_NAME_MAX + 64], c[4096], w[4096];
	char			 i[4096];
	json_t			*st = micstore_load(results_fd, name), *v, *ev;
	struct micmodel_paths	 p;
	int			 rc;

	*version = st != NULL ? micmodel_current(st, model, dir, sizeof(dir)) :
	    0;
	if (*version <= 0 || micstore_model_path(results_dir, dir,
	    "model.cfg", c, sizeof(c)) == -1 || micstore_model_path(
	    results_dir, dir, "model.weights", w, sizeof(w)) == -1 ||
	    micstore_model_path(results_dir, dir, "model.json", i,
	    sizeof(i)) == -1) {
		json_decref(st);
		*version = 0;
		return micmodel_export(shipped, model, 0, NULL, names, ncls,
		    out, outlen);
	}
	v = json_array_get(json_object_get(st, "versions"),
	    (size_t)*version - 1);
	ev = json_pack("{s:b,s:O?,s:O?,s:O?}", "adopted", 1, "why",
	    json_object_get(v, "why"), "before", json_object_get(v, "before"),
	    "after", json_object_get(v, "after"));
	p = (struct micmodel_paths){ c, w, i };
	rc = ev == NULL ? -1 : micmodel_export(&p, model, *version, ev, names,
	    ncls, out, outlen);
	json_decref(ev);
	json_decref(st);
	return rc;
}

/* ---- import -------------------------------------------------------------- */

int
micmodel_import_served(const json_t *man, const char *model, char *why,
    size_t whylen)
{
	const json_t	*ev = json_object_get(man, "evaluation");
	const char	*m = json_string_value(json_object_get(man, "model"));
	json_int_t	 a = json_integer_value(json_object_get(man,
			    "adaptation"));
	double		 b, f;

	if (a <= 0 || !json_is_object(ev)) {
		snprintf(why, whylen, "not used for counting: the file holds "
		    "a model no microscope adopted (adaptation 0)");
		return 0;
	}
	if (m == NULL || model == NULL || strcmp(m, model) != 0) {
		snprintf(why, whylen, "not used for counting: it was "
		    "fine-tuned from %s, this box runs %s", m ? m : "another "
		    "model", model ? model : "no model");
		return 0;
	}
	b = json_number_value(json_object_get(json_object_get(ev, "before"),
	    "held_ap"));
	f = json_number_value(json_object_get(json_object_get(ev, "after"),
	    "held_ap"));
	if (!json_is_true(json_object_get(ev, "adopted")) ||
	    !json_is_number(json_object_get(json_object_get(ev, "before"),
	    "held_ap")) || !json_is_number(json_object_get(json_object_get(
	    ev, "after"), "held_ap"))) {
		snprintf(why, whylen, "not used for counting: the file does "
		    "not record the evaluation that adopted it");
		return 0;
	}
	snprintf(why, whylen, "used for counting: adopted as adaptation "
	    "%lld on the box that made it (held-out mAP %.3f -> %.3f)",
	    (long long)a, b, f);
	return 1;
}

/* The pack's members m against the running model: 0, or -1 with err. */
static int
check_network(const struct micmodel_paths *p, const char *const *names,
    int ncls, const json_t *man, const struct micpack_member *cfg,
    const struct micpack_member *w, char *err, size_t errlen)
{
	unsigned char	*rc = NULL;
	size_t		 rl;
	char		*sa = NULL, *sb = NULL;
	const json_t	*cls = json_object_get(man, "classes");
	long long	 wl = -1;
	FILE		*fp;
	int		 ok = -1;

	if (!json_is_array(cls) || json_array_size(cls) != (size_t)ncls) {
		snprintf(err, errlen, "The model is for another network: it "
		    "has %zu classes, this box's model %d.",
		    json_array_size(cls), ncls);
		return -1;
	}
	for (int c = 0; c < ncls; c++)
		if (strcmp(json_string_value(json_array_get(cls, (size_t)c)) ?
		    json_string_value(json_array_get(cls, (size_t)c)) : "",
		    names[c]) != 0) {
			snprintf(err, errlen, "The model is for another "
			    "network: its class %d is not \"%s\".", c + 1,
			    names[c]);
			return -1;
		}
	if ((fp = fopen(p->weights, "rb")) != NULL) {
		if (fseek(fp, 0, SEEK_END) == 0)
			wl = ftell(fp);
		fclose(fp);
	}
	if (slurp(p->cfg, &rc, &rl) == -1 || wl < 0 ||
	    (sa = micmodel_signature((const char *)rc, rl)) == NULL ||
	    (sb = micmodel_signature((const char *)cfg->data, cfg->len)) ==
	    NULL) {
		snprintf(err, errlen, "The running model's files could not "
		    "be read.");
		goto out;
	}
	if (strcmp(sa, sb) != 0)
		snprintf(err, errlen, "The model is for another network: its "
		    "layers differ from this box's model.");
	else if ((long long)w->len != wl)
		snprintf(err, errlen, "The model is for another network: its "
		    "weights are %zu bytes, this box's model takes %lld.",
		    w->len, wl);
	else
		ok = 0;
out:
	free(rc);
	free(sa);
	free(sb);
	return ok;
}

/* A model's three files to keep for microscope name (keep()). */
struct keep {
	int				 results_fd;
	const char			*name;
	const struct micstore_file	*files;	/* NULL: nothing to keep */
	char				 dir[MICSTORE_NAME_MAX + 64];
};

/*
 * Under name's lock (a micstore_update() fn): remove the model folders
 * no version names (files kept by an evaluation or an import killed
 * before it recorded them), then keep k's files in a new folder, k->dir.
 * Keeping and recording under one lock, nothing in between is swept.
 * 0, or -1 with errno.
 */
static int
keep(const json_t *state, struct keep *k)
{
	int	 n;

	k->dir[0] = '\0';
	if ((n = micstore_sweep_models(k->results_fd, k->name, state)) > 0)
		log_info("microscope %s: %d unrecorded model folder(s) "
		    "removed", k->name, n);
	return k->files == NULL ? 0 : micstore_put_model(k->results_fd,
	    k->name, k->files, 3, k->dir, sizeof(k->dir));
}

struct add_ver {
	const json_t	*man;
	const char	*why;
	struct keep	 k;
	int		 version, served;
};

static int
add_version_fn(json_t *state, void *argp)
{
	struct add_ver	*a = argp;
	json_t		*vs = json_object_get(state, "versions"), *v, *ev;
	char		 at[64];

	if (!json_is_array(vs) || json_array_size(vs) >=
	    MICSTORE_MAX_VERSIONS) {
		errno = ENOSPC;
		return -1;
	}
	if (keep(state, &a->k) == -1)
		return -1;
	a->version = (int)json_array_size(vs) + 1;
	timing_now_iso(at, sizeof(at));
	v = json_pack("{s:i,s:s,s:s,s:O,s:O,s:s,s:b,s:b}", "version",
	    a->version, "at", at, "kind", "model", "model",
	    json_object_get(a->man, "model") ? json_object_get(a->man,
	    "model") : json_null(), "adaptation", json_object_get(a->man,
	    "adaptation") ? json_object_get(a->man, "adaptation") :
	    json_null(), "dir", a->k.dir, "imported", 1, "adopted",
	    a->served);
	if (v == NULL || json_array_append_new(vs, v) == -1) {
		errno = ENOMEM;
		return -1;
	}
	json_object_set_new(v, "why", json_string(a->why));
	ev = json_object_get(a->man, "evaluation");
	if (a->served) {
		json_object_set(v, "before", json_object_get(ev, "before"));
		json_object_set(v, "after", json_object_get(ev, "after"));
		json_object_set_new(v, "based_on", json_incref(json_object_get(
		    state, "current")));
		json_object_set_new(state, "current", json_integer(
		    a->version));
	}
	return 0;
}

int
micmodel_import(int results_fd, const char *name,
    const struct micmodel_paths *p, const char *model,
    const char *const *names, int ncls, const void *buf, size_t len,
    int *served, char *err, size_t errlen)
{
	struct micpack_member		*m = NULL;
	const struct micpack_member	*cfg, *w, *info;
	struct micstore_file		 files[3];
	struct add_ver			 a = { NULL, NULL, { results_fd, name,
					    files, "" }, -1, 0 };
	json_t				*man = NULL, *ij = NULL;
	const char			*kind;
	size_t				 n;
	int				 e = EINVAL;

	if (micpack_read(buf, len, &man, &m, &n, err, errlen) == -1) {
		errno = EBADMSG;
		return -1;
	}
	kind = json_string_value(json_object_get(man, "kind"));
	cfg = micpack_find(m, n, "model.cfg");
	w = micpack_find(m, n, "model.weights");
	info = micpack_find(m, n, "model.json");
	if (kind == NULL || strcmp(kind, "model") != 0)
		snprintf(err, errlen, "This pack holds %s, not a model.",
		    kind ? kind : "something else");
	else if (cfg == NULL || w == NULL || info == NULL || (ij = json_loadb(
	    (const char *)info->data, info->len, 0, NULL)) == NULL ||
	    !json_is_object(ij))
		snprintf(err, errlen, "The model pack lacks model.cfg, "
		    "model.weights or a valid model.json.");
	else if (check_network(p, names, ncls, man, cfg, w, err, errlen) == -1)
		e = EDOM;
	else {
		files[0] = (struct micstore_file){ "model.cfg", cfg->data,
		    cfg->len };
		files[1] = (struct micstore_file){ "model.weights", w->data,
		    w->len };
		files[2] = (struct micstore_file){ "model.json", info->data,
		    info->len };
		a.man = man;
		a.served = micmodel_import_served(man, model, err, errlen);
		a.why = err;
		if (micstore_update(results_fd, name, add_version_fn, &a) ==
		    -1) {
			e = errno;
			snprintf(err, errlen, "Keeping the model failed: %s.",
			    strerror(e));
			a.version = -1;
		}
	}
	json_decref(ij);
	json_decref(man);
	free(m);
	*served = a.version > 0 && a.served;
	errno = a.version == -1 ? e : 0;
	return a.version;
}

/* ---- a fine-tuned candidate, evaluated ------------------------------------ */

struct cand {
	const char			*model, *id, *why;
	const struct micadapt_eval	*before, *after;
	int				 adopted, version;
	struct keep			 k;
};

static int
record_fn(json_t *state, void *argp)
{
	struct cand	*c = argp;
	json_t		*vs = json_object_get(state, "versions"), *v;
	size_t		 i;

	json_array_foreach(vs, i, v) {
		const char *av = json_string_value(json_object_get(v,
		    "adapt_version"));

		if (av != NULL && strcmp(av, c->id) == 0) {
			c->version = (int)i + 1;	/* recorded before */
			return 1;
		}
	}
	if (keep(state, &c->k) == -1)
		return -1;
	c->version = micadapt_record_model(state, c->model, c->id, c->k.dir,
	    c->before, c->after, c->adopted, c->why);
	return c->version == -1 ? -1 : 0;
}

/* Whether name's state already holds a version of run id (its number). */
static int
recorded(int results_fd, const char *name, const char *id)
{
	json_t	*st = micstore_load(results_fd, name), *v;
	size_t	 i;
	int	 ver = 0;

	json_array_foreach(json_object_get(st, "versions"), i, v)
		if (json_is_string(json_object_get(v, "adapt_version")) &&
		    strcmp(json_string_value(json_object_get(v,
		    "adapt_version")), id) == 0)
			ver = (int)i + 1;
	json_decref(st);
	return ver;
}

int
micmodel_record_candidate(int results_fd, const char *name,
    const char *model, const char *adapt_id, const struct micmodel_paths *p,
    const struct micadapt_eval *before, const struct micadapt_eval *after,
    int adopted, const char *why)
{
	struct micstore_file	 files[3];
	unsigned char		*cfg = NULL, *w = NULL, *info = NULL;
	size_t			 cl, wl, il = 2;
	struct cand		 c = { model, adapt_id, why, before, after,
				    adopted, -1, { results_fd, name, NULL, "" } };
	int			 ver, e;

	if ((ver = recorded(results_fd, name, adapt_id)) > 0)
		return ver;	/* no second copy of the files either */
	if (adopted) {
		if (slurp(p->cfg, &cfg, &cl) == -1 || slurp(p->weights, &w,
		    &wl) == -1 || (p->info[0] != '\0' ? slurp(p->info, &info,
		    &il) : (info = (unsigned char *)strdup("{}")) == NULL ?
		    -1 : 0) == -1)
			goto out;
		files[0] = (struct micstore_file){ "model.cfg", cfg, cl };
		files[1] = (struct micstore_file){ "model.weights", w, wl };
		files[2] = (struct micstore_file){ "model.json", info, il };
		c.k.files = files;	/* kept under the lock, then recorded */
	}
	if (micstore_update(results_fd, name, record_fn, &c) == -1)
		c.version = -1;
out:
	e = errno;
	free(cfg);
	free(w);
	free(info);
	errno = c.version == -1 ? e : 0;
	return c.version;
}

int
micmodel_current(const json_t *state, const char *model, char *dir,
    size_t dirlen)
{
	json_int_t	 cur = json_integer_value(json_object_get(state,
			    "current"));
	const json_t	*v;
	const char	*k, *m, *d;

	if (cur <= 0 || (v = json_array_get(json_object_get(state,
	    "versions"), (size_t)cur - 1)) == NULL)
		return 0;
	k = json_string_value(json_object_get(v, "kind"));
	m = json_string_value(json_object_get(v, "model"));
	d = json_string_value(json_object_get(v, "dir"));
	if (k == NULL || strcmp(k, "model") != 0 || m == NULL || model ==
	    NULL || strcmp(m, model) != 0 || d == NULL || d[0] == '\0' ||
	    !json_is_true(json_object_get(v, "adopted")) ||
	    (size_t)snprintf(dir, dirlen, "%s", d) >= dirlen)
		return 0;
	return (int)cur;
}
