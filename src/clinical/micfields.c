/* micfields.c: a microscope's checked fields, loaded from the results store */

#include "clinical/micfields.h"
#include "store/micstore.h"
#include "store/results.h"
#include "store/review.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Result id as a checked field of name by model, merged; NULL if not one. */
static json_t *
load_one(int results_fd, const char *id, const char *name, const char *model)
{
	json_t	*r = results_load(results_fd, id);
	const char *m = json_string_value(json_object_get(r, "microscope"));
	const char *mo = json_string_value(json_object_get(json_object_get(r,
	    "model"), "name"));

	if (r == NULL || m == NULL || strcmp(m, name) != 0 || mo == NULL ||
	    model == NULL || strcmp(mo, model) != 0) {
		json_decref(r);
		return NULL;
	}
	review_merge(results_fd, id, r);
	if (!mic_result_checked(r)) {
		json_decref(r);
		return NULL;
	}
	return r;
}

int
micfields_load(int results_fd, const char *name, const char *model,
    const char *const *names, int ncls, struct micfields *out)
{
	const json_t	*list;
	json_t		*r;
	const char	*id;
	size_t		 i, n;

	memset(out, 0, sizeof(*out));
	if ((out->state = micstore_load(results_fd, name)) == NULL)
		return errno == ENOMEM ? -1 : 0;
	list = json_object_get(out->state, "checked");
	n = out->listed = json_array_size(list);
	out->f = calloc(n + 1, sizeof(*out->f));
	out->ids = calloc(n + 1, sizeof(*out->ids));
	if (out->f == NULL || out->ids == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((id = json_string_value(json_array_get(list, i))) == NULL ||
		    (r = load_one(results_fd, id, name, model)) == NULL)
			continue;
		if (mic_field_from_result(r, names, ncls, &out->f[out->n]) ==
		    -1) {
			json_decref(r);
			if (errno == ENOMEM)
				goto nomem;
			continue;
		}
		json_decref(r);
		if ((out->ids[out->n] = strdup(id)) == NULL) {
			mic_field_free(&out->f[out->n]);
			goto nomem;
		}
		out->n++;
	}
	return 0;
nomem:
	micfields_free(out);
	errno = ENOMEM;
	return -1;
}

void
micfields_free(struct micfields *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		mic_field_free(&m->f[i]);
		free(m->ids[i]);
	}
	free(m->f);
	free(m->ids);
	json_decref(m->state);
	memset(m, 0, sizeof(*m));
}

json_t *
micfields_count_error(int results_fd, const char *name, const char *model,
    const char *const *names, int ncls, const double *thr)
{
	struct micfields	 m;
	struct micstore_stamp	 st;
	json_t			*out;
	char			 key[256];
	size_t			 kl;

	/* the key: the model and the thresholds the error is measured at */
	kl = (size_t)snprintf(key, sizeof(key), "%s", model ? model : "");
	for (int c = 0; c < ncls && kl < sizeof(key); c++)
		kl += (size_t)snprintf(key + kl, sizeof(key) - kl, "|%.3f",
		    thr[c]);
	if (kl < sizeof(key) && micstore_cache_get(results_fd, name, key, &out))
		return out;
	micstore_cache_stamp(results_fd, name, &st);
	if (micfields_load(results_fd, name, model, names, ncls, &m) == -1)
		return NULL;
	out = mic_count_error_json(m.f, m.n, names, ncls, thr, name);
	micfields_free(&m);
	if (kl < sizeof(key))
		micstore_cache_put(name, key, &st, out);
	return out;
}
