/* micpack.h: one file of named members, a manifest and a SHA-256 per member: what boxes exchange (checked fields, models) */
#ifndef BV_MICPACK_H
#define BV_MICPACK_H

#include <stddef.h>
#include <jansson.h>

/*
 * The format, chosen over tar so the reader is short and checks
 * everything before anything is used:
 *
 *   "BVPACK 1\n"  manifest length (decimal) " " its SHA-256 (hex) "\n"
 *   manifest (JSON)
 *   member bytes, in the manifest's order, nothing after them
 *
 * manifest = {"format": "bloodview-pack", "version": 1, "kind": KIND,
 *             "members": [{"name", "size", "sha256"}], ...what KIND adds}
 *
 * A member name is 1 to MICPACK_NAME_MAX of [A-Za-z0-9._-/], no empty,
 * "." or ".." part, no leading "/": a name never leaves the folder it is
 * unpacked in.
 */
#define MICPACK_MAGIC		"BVPACK 1\n"
#define MICPACK_NAME_MAX	128
#define MICPACK_MAX_MEMBERS	20000
#define MICPACK_MANIFEST_MAX	(4 * 1024 * 1024)

struct micpack_member {
	char			 name[MICPACK_NAME_MAX + 1];
	const unsigned char	*data;		/* builder: own copy; reader: into the buffer */
	size_t			 len;
};

/* A pack being built. */
struct micpack {
	json_t			*manifest;
	struct micpack_member	*m;
	size_t			 n, cap;
};

/* 1 if s is a valid member name. */
int	 micpack_name_valid(const char *s);

/* Start a pack of kind; 0, or -1 on ENOMEM.  micpack_free() releases it. */
int	 micpack_init(struct micpack *p, const char *kind);

/* Add a copy of data[0..len) as member name. 0, or -1 (EINVAL: a bad or
 * repeated name, E2BIG: too many members, ENOMEM). */
int	 micpack_add(struct micpack *p, const char *name, const void *data,
	    size_t len);

/* The whole file, malloc'd, in *out and *outlen; 0 or -1 (ENOMEM). */
int	 micpack_dump(struct micpack *p, unsigned char **out, size_t *outlen);

void	 micpack_free(struct micpack *p);

/*
 * Read the pack in buf[0..len): magic, manifest, every member's size and
 * SHA-256, nothing missing or left over.  On success 0 with *manifest (a
 * new reference) and *members (malloc'd, pointing into buf) of *n; else
 * -1 with an English reason in err (nothing to free).
 */
int	 micpack_read(const void *buf, size_t len, json_t **manifest,
	    struct micpack_member **members, size_t *n, char *err,
	    size_t errlen);

/* The member called name among m[0..n), or NULL. */
const struct micpack_member *micpack_find(const struct micpack_member *m,
	    size_t n, const char *name);

#endif /* BV_MICPACK_H */
