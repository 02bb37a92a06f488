/* micpack.c: one file of named members, a manifest and a SHA-256 per member: what boxes exchange (checked fields, models) */
/*
 * Built in memory (a microscope's checked fields are a few MB, a model
 * 7 MB) and read from memory (a request body), so the reader can check
 * every size and digest before the caller writes anything anywhere.
 */

#include "store/micpack.h"
#include "base/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
micpack_name_valid(const char *s)
{
	size_t	 n = s ? strlen(s) : 0, i, part = 0;

	if (n == 0 || n > MICPACK_NAME_MAX || s[0] == '/')
		return 0;
	for (i = 0; i <= n; i++) {
		if (s[i] == '/' || s[i] == '\0') {
			if (part == 0 || (part == 1 && s[i - 1] == '.') ||
			    (part == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
				return 0;
			part = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("._-", s[i]) != NULL))
			return 0;
		part++;
	}
	return 1;
}

int
micpack_init(struct micpack *p, const char *kind)
{
	memset(p, 0, sizeof(*p));
	p->manifest = json_pack("{s:s,s:i,s:s,s:[]}", "format",
	    "bloodview-pack", "version", 1, "kind", kind, "members");
	if (p->manifest == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
micpack_add(struct micpack *p, const char *name, const void *data, size_t len)
{
	struct micpack_member	*nm;
	unsigned char		*copy;
	char			 hex[SHA256_HEX];

	if (!micpack_name_valid(name) || micpack_find(p->m, p->n, name)) {
		errno = EINVAL;
		return -1;
	}
	if (p->n >= MICPACK_MAX_MEMBERS) {
		errno = E2BIG;
		return -1;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		if ((nm = realloc(p->m, p->cap * sizeof(*nm))) == NULL)
			goto nomem;
		p->m = nm;
	}
	if ((copy = malloc(len ? len : 1)) == NULL)
		goto nomem;
	if (len > 0)
		memcpy(copy, data, len);
	sha256_hex(copy, len, hex);
	if (json_array_append_new(json_object_get(p->manifest, "members"),
	    json_pack("{s:s,s:I,s:s}", "name", name, "size", (json_int_t)len,
	    "sha256", hex)) == -1) {
		free(copy);
		goto nomem;
	}
	snprintf(p->m[p->n].name, sizeof(p->m[p->n].name), "%s", name);
	p->m[p->n].data = copy;
	p->m[p->n].len = len;
	p->n++;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

int
micpack_dump(struct micpack *p, unsigned char **out, size_t *outlen)
{
	char		*js, head[128], hex[SHA256_HEX];
	size_t		 total, jl, hl, i, off;
	unsigned char	*b;

	if ((js = json_dumps(p->manifest, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL)
		goto nomem;
	jl = strlen(js);
	sha256_hex(js, jl, hex);
	hl = (size_t)snprintf(head, sizeof(head), "%s%zu %s\n", MICPACK_MAGIC,
	    jl, hex);
	total = hl + jl;
	for (i = 0; i < p->n; i++)
		total += p->m[i].len;
	if ((b = malloc(total)) == NULL) {
		free(js);
		goto nomem;
	}
	memcpy(b, head, hl);
	memcpy(b + hl, js, jl);
	off = hl + jl;
	for (i = 0; i < p->n; i++) {
		if (p->m[i].len > 0)
			memcpy(b + off, p->m[i].data, p->m[i].len);
		off += p->m[i].len;
	}
	free(js);
	*out = b;
	*outlen = total;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

void
micpack_free(struct micpack *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free((void *)p->m[i].data);
	free(p->m);
	json_decref(p->manifest);
	memset(p, 0, sizeof(*p));
}

const struct micpack_member *
micpack_find(const struct micpack_member *m, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

/* The manifest of buf, its end in *body; NULL with err. */
static json_t *
read_head(const unsigned char *buf, size_t len, size_t *body, char *err,
    size_t errlen)
{
	size_t		 ml = strlen(MICPACK_MAGIC), i, jl = 0;
	json_t		*man;
	json_error_t	 je;
	char		 hex[SHA256_HEX];

	if (len < ml || memcmp(buf, MICPACK_MAGIC, ml) != 0) {
		snprintf(err, errlen, "Not a BloodView pack (it must start "
		    "with \"BVPACK 1\").");
		return NULL;
	}
	for (i = ml; i < len && i < ml + 9 && buf[i] >= '0' && buf[i] <= '9';
	    i++)
		jl = jl * 10 + (size_t)(buf[i] - '0');
	if (i == ml || len - i < SHA256_HEX + 1 || buf[i] != ' ' ||
	    buf[i + SHA256_HEX] != '\n' || jl > MICPACK_MANIFEST_MAX ||
	    jl > len - i - SHA256_HEX - 1) {
		snprintf(err, errlen, "The pack is damaged or cut short (its "
		    "first lines).");
		return NULL;
	}
	sha256_hex(buf + i + SHA256_HEX + 1, jl, hex);
	if (memcmp(hex, buf + i + 1, SHA256_HEX - 1) != 0) {
		snprintf(err, errlen, "The pack is damaged: its manifest does "
		    "not match its sha256.");
		return NULL;
	}
	i += SHA256_HEX;
	man = json_loadb((const char *)buf + i + 1, jl, JSON_REJECT_DUPLICATES,
	    &je);
	if (!json_is_object(man) || !json_is_array(json_object_get(man,
	    "members")) || json_integer_value(json_object_get(man,
	    "version")) != 1 || strcmp("bloodview-pack", json_string_value(
	    json_object_get(man, "format")) ? json_string_value(
	    json_object_get(man, "format")) : "") != 0) {
		json_decref(man);
		snprintf(err, errlen, "The pack's manifest is not a "
		    "BloodView pack version 1.");
		return NULL;
	}
	*body = i + 1 + jl;
	return man;
}

/* Check member k of the manifest against buf at *off; 0 or -1 with err. */
static int
read_member(const json_t *e, const unsigned char *buf, size_t len,
    size_t *off, struct micpack_member *out, char *err, size_t errlen)
{
	const char	*name = json_string_value(json_object_get(e, "name"));
	const char	*want = json_string_value(json_object_get(e, "sha256"));
	json_int_t	 sz = json_integer_value(json_object_get(e, "size"));
	char		 hex[SHA256_HEX];

	if (!micpack_name_valid(name) || !json_is_integer(json_object_get(e,
	    "size")) || sz < 0 || want == NULL) {
		snprintf(err, errlen, "The pack's manifest lists a member "
		    "without a valid name, size and sha256.");
		return -1;
	}
	if ((size_t)sz > len - *off) {
		snprintf(err, errlen, "The pack is cut short: member \"%s\" "
		    "needs %lld bytes, %zu are left.", name, (long long)sz,
		    len - *off);
		return -1;
	}
	sha256_hex(buf + *off, (size_t)sz, hex);
	if (strcmp(hex, want) != 0) {
		snprintf(err, errlen, "The pack is damaged: member \"%s\" "
		    "does not match its sha256.", name);
		return -1;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->data = buf + *off;
	out->len = (size_t)sz;
	*off += (size_t)sz;
	return 0;
}

int
micpack_read(const void *bufp, size_t len, json_t **manifest,
    struct micpack_member **members, size_t *n, char *err, size_t errlen)
{
	const unsigned char	*buf = bufp;
	struct micpack_member	*m = NULL;
	json_t			*man, *list;
	size_t			 off, k, nm;

	if ((man = read_head(buf, len, &off, err, errlen)) == NULL)
		return -1;
	list = json_object_get(man, "members");
	nm = json_array_size(list);
	if (nm > MICPACK_MAX_MEMBERS || (m = calloc(nm + 1, sizeof(*m))) ==
	    NULL) {
		snprintf(err, errlen, "The pack has too many members.");
		goto fail;
	}
	for (k = 0; k < nm; k++) {
		if (read_member(json_array_get(list, k), buf, len, &off, &m[k],
		    err, errlen) == -1)
			goto fail;
		if (micpack_find(m, k, m[k].name) != NULL) {
			snprintf(err, errlen, "The pack lists member \"%s\" "
			    "twice.", m[k].name);
			goto fail;
		}
	}
	if (off != len) {
		snprintf(err, errlen, "The pack has %zu bytes after its last "
		    "member.", len - off);
		goto fail;
	}
	*manifest = man;
	*members = m;
	*n = nm;
	return 0;
fail:
	free(m);
	json_decref(man);
	return -1;
}
