/* scalemem.h: the working scale remembered per microscope, checked after detection */
#ifndef BV_SCALEMEM_H
#define BV_SCALEMEM_H

#include <stddef.h>

#include "vision/scan.h"

/*
 * How many microscopes (keys) one backend remembers: the least recently
 * used is forgotten first.  A key is at most SCALEMEM_KEY_MAX - 1 bytes
 * (scalemem_key).
 */
#define SCALEMEM_SLOTS		32
#define SCALEMEM_KEY_MAX	80
#define SCALEMEM_ID_MAX		64

/*
 * Detect on a photo as scan_detect() does with no scale given, but
 * through the scale remembered for key (a microscope: "mic:<id>",
 * "profile:<name>", "client:<address>"; NULL or "" remembers nothing) at
 * this photo size (W x H: another camera resolution is another entry).
 *
 * The rule: with a remembered red-cell size, detect directly at that
 * working scale (source SCALE_REMEMBERED, no search); the red cells
 * found there are the check: when they earn status ok (at least 4 whole
 * cells, spread under 35 %, median within 30 % of the remembered size:
 * scan_detect()'s ruler) the result stands, checked, and their median
 * joins the microscope's last 8 (scalemem_add): the remembered size is
 * the median of those, so one photo's odd cells (a patient's, a field's)
 * do not set the scale of the next.  Otherwise the photo is searched
 * afresh (scan_estimate, source SCALE_AUTO) as if nothing were
 * remembered; the working scale a search chose (out->chosen) starts the
 * history anew when its final ruler says ok, any other outcome forgets it.  out->searches says how many searches ran (0
 * or 1).  Errors and ownership as scan_detect().
 */
enum scan_err scalemem_detect(struct detector *, const struct scan_model *,
	    const struct scan_opts *, const struct img *disp, double dfac,
	    int W, int H, const char *key, scan_decode_fn decode, void *arg,
	    struct scan_result *out);

/* The red-cell diameter (original px) remembered for key at W x H: 1, or 0. */
int	 scalemem_get(const char *key, int W, int H, double *rbc_px);

/* Remember rbc_px alone for key at W x H (replacing the least recently used). */
void	 scalemem_put(const char *key, int W, int H, double rbc_px);

/* Add a checked photo's rbc_px to key's history (none: nothing). */
void	 scalemem_add(const char *key, int W, int H, double rbc_px);

/* Forget key at W x H. */
void	 scalemem_forget(const char *key, int W, int H);

/* Forget everything (tests; a new model). */
void	 scalemem_clear(void);

/*
 * The key for a request: kind ("mic", "profile", "client") and id (idlen
 * bytes: 1 to SCALEMEM_ID_MAX letters, digits, '-', '_', '.' or ':')
 * joined as "kind:id" into buf (size len).  0, or -1 when the id is
 * missing or not of that form (buf then "": nothing is remembered).
 */
int	 scalemem_key(char *buf, size_t len, const char *kind, const void *id,
	    size_t idlen);

#endif /* BV_SCALEMEM_H */
