/* test_micpack.c: SHA-256 against FIPS 180-4 vectors; the pack format: round trip, every cut and every changed byte refused, member names; the model's layer signature */

#include "base/sha256.h"
#include "clinical/micmodel.h"
#include "store/micpack.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static void
test_sha256(void)
{
	char		 hex[SHA256_HEX];
	char		*a = malloc(1000000);
	struct sha256	 s;
	unsigned char	 d[SHA256_LEN];

	sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	/* one million 'a', fed in uneven pieces */
	memset(a, 'a', 1000000);
	sha256_init(&s);
	for (size_t off = 0, k = 1; off < 1000000; off += k, k = k * 3 % 997 + 1)
		sha256_update(&s, a + off, off + k > 1000000 ? 1000000 - off : k);
	sha256_final(&s, d);
	CHECK(d[0] == 0xcd && d[1] == 0xc7 && d[29] == 0x11 && d[30] == 0x2c &&
	    d[31] == 0xd0);
	free(a);
}

static void
test_names(void)
{
	CHECK(micpack_name_valid("fields/0001/plain.jpg"));
	CHECK(micpack_name_valid("model.cfg"));
	CHECK(!micpack_name_valid(""));
	CHECK(!micpack_name_valid("/etc/passwd"));
	CHECK(!micpack_name_valid("a/../b"));
	CHECK(!micpack_name_valid(".."));
	CHECK(!micpack_name_valid("a//b"));
	CHECK(!micpack_name_valid("a/./b"));
	CHECK(!micpack_name_valid("a/"));
	CHECK(!micpack_name_valid("a b"));
	CHECK(micpack_name_valid("..a/b.."));
}

static void
test_pack(void)
{
	struct micpack		 p;
	struct micpack_member	*m;
	json_t			*man;
	unsigned char		*buf;
	size_t			 len, n, cut, bad = 0, ok = 0;
	char			 err[256];

	CHECK(micpack_init(&p, "fields") == 0);
	CHECK(micpack_add(&p, "a.txt", "hello", 5) == 0);
	CHECK(micpack_add(&p, "empty", "", 0) == 0);
	CHECK(micpack_add(&p, "d/b.bin", "\0\1\2", 3) == 0);
	CHECK(micpack_add(&p, "a.txt", "again", 5) == -1);	/* repeated */
	CHECK(micpack_add(&p, "../x", "x", 1) == -1);
	CHECK(micpack_dump(&p, &buf, &len) == 0);
	micpack_free(&p);

	CHECK(micpack_read(buf, len, &man, &m, &n, err, sizeof(err)) == 0);
	CHECK(n == 3);
	CHECK_STR(json_string_value(json_object_get(man, "kind")), "fields");
	CHECK(m[0].len == 5 && memcmp(m[0].data, "hello", 5) == 0);
	CHECK(m[1].len == 0);
	CHECK(micpack_find(m, n, "d/b.bin") == &m[2] && m[2].data[2] == 2);
	free(m);
	json_decref(man);

	/* every shorter file is refused */
	for (cut = 0; cut < len; cut++)
		if (micpack_read(buf, cut, &man, &m, &n, err, sizeof(err)) ==
		    -1)
			bad++;
	CHECK(bad == len);
	/* every changed byte is refused */
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x20;
		if (micpack_read(buf, len, &man, &m, &n, err, sizeof(err)) ==
		    0) {
			ok++;
			free(m);
			json_decref(man);
		}
		buf[i] ^= 0x20;
	}
	/* the manifest has its own digest, each member its own: no change
	 * passes */
	CHECK(ok == 0);
	free(buf);
}

static void
test_signature(void)
{
	const char *a = "# comment\n[net]\nwidth=288\nlearning_rate=0.1\n"
	    "[convolutional]\nfilters = 16 \nsize=3\nactivation=leaky\n";
	const char *b = "[net]\nwidth=288\nlearning_rate=0.5 # other\n\n"
	    "[convolutional]\n  filters=16\nsize=3\nactivation=relu\n";
	const char *c = "[net]\nwidth=288\n[convolutional]\nfilters=32\n"
	    "size=3\n";
	char *sa = micmodel_signature(a, strlen(a));
	char *sb = micmodel_signature(b, strlen(b));
	char *sc = micmodel_signature(c, strlen(c));

	CHECK_STR(sa, "[net] width=288 [convolutional] filters=16 size=3 ");
	CHECK_STR(sa, sb);		/* comments, training keys ignored */
	CHECK(strcmp(sa, sc) != 0);	/* a layer's shape is not */
	free(sa);
	free(sb);
	free(sc);
}

int
main(void)
{
	test_sha256();
	test_names();
	test_pack();
	test_signature();
	return check_done("test_micpack");
}
