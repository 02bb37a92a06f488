/* voc.h: read Pascal VOC annotation files (BCCD) into boxes */
#ifndef BV_VOC_H
#define BV_VOC_H

#include <stddef.h>

/* The three BCCD classes, in the order of models/bccd.names. */
enum voc_class { VOC_RBC = 0, VOC_WBC = 1, VOC_PLATELETS = 2, VOC_NCLASSES = 3 };

struct voc_box {
	int cls;                      /* enum voc_class */
	float xmin, ymin, xmax, ymax; /* pixels, as written in the file */
	int difficult;
	int truncated;
};

struct voc_ann {
	int width, height;            /* from <size> */
	size_t n;
	struct voc_box *boxes;        /* owned; freed by voc_ann_clear() */
};

/* Class name ("RBC", "WBC", "Platelets") to index; -1 when unknown. */
int voc_class_index(const char *name);
const char *voc_class_name(int cls);

/*
 * Parse one VOC XML file into *out (zeroed first).  Objects of unknown
 * classes are skipped.  Returns 0, or -1 with a message in err; on error
 * *out holds nothing to free.  The caller frees with voc_ann_clear().
 */
int voc_read(const char *path, struct voc_ann *out, char *err, size_t errsz);

/* Same as voc_read() on a buffer of len bytes (need not be NUL-terminated). */
int voc_parse(const char *buf, size_t len, struct voc_ann *out,
    char *err, size_t errsz);

/*
 * Repair BCCD's known defects in place: clamp boxes to [0,width]x[0,height]
 * and drop boxes with no area after clamping.  Returns the number of boxes
 * dropped; *nclamped (if not NULL) gets the number of boxes clamped.
 */
size_t voc_clean(struct voc_ann *a, size_t *nclamped);

void voc_ann_clear(struct voc_ann *a);

#endif
