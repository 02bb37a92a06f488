/* ids.h: unguessable, URL-safe identifiers for results and samples */
#ifndef BV_IDS_H
#define BV_IDS_H

/* 128 random bits as unpadded base64url: 22 characters. */
#define ID_LEN	22

/* Write a fresh id and its NUL into out; 0, or -1 if getrandom failed. */
int	id_new(char out[ID_LEN + 1]);

/* 1 if s is exactly ID_LEN characters of [A-Za-z0-9_-], else 0. */
int	id_valid(const char *s);

#endif /* BV_IDS_H */
