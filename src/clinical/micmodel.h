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
	    int adaptation, const char *const *names, int ncls,
	    unsigned char **out, size_t *outlen);

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
 * "model", "model", "adaptation", "dir", "adopted": false} of its
 * state: not used for counting until adopted.  Refused, with nothing
 * written, when the pack is damaged or cut short, holds something else,
 * or its network differs (layers, classes or weights size).  Returns the
 * version, or -1 with err and errno: EBADMSG damaged or cut short,
 * EDOM another network, EINVAL anything else refused, else the store's.
 */
int	 micmodel_import(int results_fd, const char *name,
	    const struct micmodel_paths *p, const char *const *names,
	    int ncls, const void *buf, size_t len, char *err, size_t errlen);

/*
 * Record the evaluation of a fine-tuned candidate (bv-adapt evaluate) in
 * microscope name's state: when adopted, its files p are kept first
 * (micstore_put_model()) and the new version (micadapt_record_model(),
 * "dir" the kept folder) becomes current; when refused, the version
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
 * version is an adopted "kind": "model" version made for model (not an
 * imported one, which waits for its own evaluation), its folder
 * (micstore_put_model()'s "models/...") goes to dir and the version is
 * returned; else 0 (the shipped detector).
 */
int	 micmodel_current(const json_t *state, const char *model, char *dir,
	    size_t dirlen);

#endif /* BV_MICMODEL_H */
