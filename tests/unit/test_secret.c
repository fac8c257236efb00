/* test_secret.c — sealing carrier tokens: a round trip, a fresh nonce each time, the
 * key in hex or base64, a wrong key or a tampered box refused, plaintext from before
 * sealing read as it is, and nothing sealed without a key. */
#include "check.h"
#include <stdlib.h>
#include "util/secret.h"

int main(void)
{
    char buf[128];
    CHECK(!secret_have_key());
    CHECK(secret_seal("tok") == NULL);
    CHECK_STR(secret_open("plain-old-token", buf, sizeof buf), "plain-old-token"); /* from before sealing */
    CHECK(secret_open("sbox1:AAAA", buf, sizeof buf) == NULL);                    /* sealed, no key */
    CHECK(secret_set_key("zz") == -1 && !secret_have_key());
    CHECK(secret_set_key("00112233445566778899aabbccddeeff00112233445566778899aabbccddeef") == -1); /* 63 digits */
    CHECK(secret_set_key(" 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n") == 0);

    char *a = secret_seal("f00dfeed0123456789abcdef01234567"), *b = secret_seal("f00dfeed0123456789abcdef01234567");
    CHECK(a && b && secret_is_sealed(a) && strcmp(a, b)); /* a new nonce each time */
    CHECK(a && !strstr(a, "f00dfeed"));
    CHECK_STR(secret_open(a, buf, sizeof buf), "f00dfeed0123456789abcdef01234567");
    CHECK(secret_open(a, buf, 8) == NULL); /* does not fit */
    char *t = strdup(a);
    t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A'; /* tampered */
    CHECK(secret_open(t, buf, sizeof buf) == NULL);
    free(t);
    char *e = secret_seal("");
    CHECK(e && secret_open(e, buf, sizeof buf) && !*buf);
    free(e);

    /* the same key as base64 opens it; another key does not */
    CHECK(secret_set_key("ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=") == 0);
    CHECK_STR(secret_open(b, buf, sizeof buf), "f00dfeed0123456789abcdef01234567");
    CHECK(secret_set_key("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff") == 0);
    CHECK(secret_open(a, buf, sizeof buf) == NULL);
    CHECK(secret_open(NULL, buf, sizeof buf) == NULL && secret_open("", buf, sizeof buf) == NULL);
    secret_forget_key();
    CHECK(!secret_have_key());
    free(a);
    free(b);
    return CHECK_DONE();
}
