/* micmodel.h: a detector model (cfg, weights, json) as one file between boxes, refused on import when its network differs */
#ifndef BV_MICMODEL_H
#define BV_MICMODEL_H

#include <stddef.h>
#include <jansson.h>

#include "clinical/micadapt.h"

/* The files of a model on disk. */
struct micmodel_paths {
	const char	*cfg, *weights, *info;	/* info: model json; may be "" */
};

/*
 * A pack (store/micpack.h) of kind "model": model.cfg, model.weights,
 * model.json; the manifest adds "model" (its name), "adaptation" (the
 * microscope's version it came from, 0: none), "classes" and "network"
 * (micmodel_signature() of the cfg).  0 with *out (malloc'd), or -1
 * with errno.
 */
int	 micmodel_export(const struct micmodel_paths *p, const char *model,
	    int adaptation, const json_t *evaluation,
	    const char *const *names, int ncls, unsigned char **out,
	    size_t *outlen);

/*
 * What microscope name exports as its model: its adopted fine-tuned
 * model when one is current (micmodel_current()), "adaptation" its
 * version and "evaluation" {"adopted": true, "why", "before", "after"}
 * the figures that adopted it; else the shipped model's files (0, no
 * evaluation).  *version gets the adaptation exported (0: shipped).
 * micmodel_export()'s answer.
 */
int	 micmodel_export_for(int results_fd, const char *results_dir,
	    const char *name, const struct micmodel_paths *shipped,
	    const char *model, const char *const *names, int ncls,
	    unsigned char **out, size_t *outlen, int *version);

/*
 * Whether an imported model pack (its manifest man) is used for counting
 * on this box, running model: 1 when it says it is a fine-tuned model of
 * that model which the rule adopted (adaptation > 0, "evaluation" with
 * "adopted": true and both held-out mAPs), else 0.  why gets a sentence
 * either way.  The pack's SHA-256s say it is whole, not who made it: the
 * administrator who imports it chooses it, and one rollback undoes it.
 */
int	 micmodel_import_served(const json_t *man, const char *model,
	    char *why, size_t whylen);

/*
 * The layer shapes of a Darknet cfg as one string: each section's name
 * and the keys that set a layer's shape or the meaning of its outputs
 * (filters, size, stride, pad, classes, anchors, mask, num, layers, from,
 * groups, batch_normalize, width, height, channels), in order.  Two
 * models with the same signature take the same weights file.  New
 * string (free it), NULL on ENOMEM.
 */
char	*micmodel_signature(const char *cfg, size_t len);

/*
 * Check the model pack buf[0..len) against the running model (its files
 * p, its classes names[0..ncls)) and keep it for microscope name
 * (micstore_put_model()) as a new version {"version", "at", "kind":
 * "model", "model", "adaptation", "dir", "imported": true, "adopted",
 * "why"} of its state.  When micmodel_import_served() says so (model is
 * the running model's name) it is adopted and made current, its
 * "before" and "after" figures copied, "based_on" the version it
 * replaces, and *served is 1; else it is kept, not used for counting,
 * and *served 0; err gets micmodel_import_served()'s sentence.  Refused,
 * with nothing written, when the pack is damaged or cut short, holds
 * something else, or its network differs (layers, classes or weights
 * size).  Returns the version, or -1 with err and errno: EBADMSG damaged
 * or cut short, EDOM another network, EINVAL anything else refused,
 * else the store's.
 */
int	 micmodel_import(int results_fd, const char *name,
	    const struct micmodel_paths *p, const char *model,
	    const char *const *names, int ncls, const void *buf, size_t len,
	    int *served, char *err, size_t errlen);

/*
 * Record the evaluation of a fine-tuned candidate (bv-adapt evaluate) in
 * microscope name's state: when adopted, its files p are kept
 * (micstore_put_model()) and the new version (micadapt_record_model(),
 * "dir" the kept folder) becomes current, both under the microscope's
 * lock, where model folders no version names (an evaluation or import
 * killed between keeping and recording) are removed first (this and
 * micmodel_import() do it); when refused, the version
 * records the figures and why, with no files and "dir" "".  adapt_id
 * names the run: a version with that "adapt_version" already there is
 * answered again, never recorded twice (an evaluation killed after it
 * recorded and run again adopts nothing new).  Returns the version, or
 * -1 with errno.
 */
int	 micmodel_record_candidate(int results_fd, const char *name,
	    const char *model, const char *adapt_id,
	    const struct micmodel_paths *p, const struct micadapt_eval *before,
	    const struct micadapt_eval *after, int adopted, const char *why);

/*
 * The fine-tuned model microscope name counts with now: when its current
 * version is an adopted "kind": "model" version made for model (an
 * imported one too when micmodel_import() adopted it), its folder
 * (micstore_put_model()'s "models/...") goes to dir and the version is
 * returned; else 0 (the shipped detector).
 */
int	 micmodel_current(const json_t *state, const char *model, char *dir,
	    size_t dirlen);

#endif /* BV_MICMODEL_H */
