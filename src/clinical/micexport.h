/* micexport.h: a microscope's checked fields as one file (images and labels, no patient facts), and that file read back on another box */
#ifndef BV_MICEXPORT_H
#define BV_MICEXPORT_H

#include <stddef.h>

/*
 * A pack (store/micpack.h) of kind "fields": for each checked field k,
 * fields/NNNN/result.json (the detector's result, version 0, less its id,
 * links and sample: no patient facts travel), fields/NNNN/review.json
 * ({"by": "export", "changes", "checked": true}: the person's
 * corrections, without their name) and its images plain.jpg,
 * annotated.jpg, thumb.jpg; the manifest adds "microscope", "fields" (the
 * folder names) and "exported" (when).
 */

/* Microscope name's checked fields as a pack in *out (malloc'd), *outlen;
 * *nfields gets how many.  0, or -1 with errno (ENOMEM, EIO). */
int	 micexport_fields(int results_fd, const char *name,
	    unsigned char **out, size_t *outlen, size_t *nfields);

/*
 * Import the fields pack buf[0..len) as checked fields of microscope
 * name: everything is checked first (the pack, each result and each
 * review against its result); then each field becomes a new result with
 * its review, marked checked.  If any step fails, the results made so
 * far are deleted again: all fields or none.  0 with *nfields, or -1
 * with err (English) and errno EBADMSG (damaged or cut short), EINVAL
 * (anything else refused) or the store's errno.
 */
int	 micexport_import_fields(int results_fd, const char *name,
	    const void *buf, size_t len, size_t *nfields, char *err,
	    size_t errlen);

#endif /* BV_MICEXPORT_H */
