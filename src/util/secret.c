/* secret.c — see secret.h. */
#include "secret.h"
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char key[crypto_secretbox_KEYBYTES];
static int have_key;

int secret_set_key(const char *text)
{
    if (!text || sodium_init() < 0)
        return -1;
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    unsigned char k[crypto_secretbox_KEYBYTES + 1];
    size_t got = 0;
    const char *end = NULL;
    int ok = 0;
    if (len == 2 * crypto_secretbox_KEYBYTES)
        ok = !sodium_hex2bin(k, sizeof k, text, len, NULL, &got, &end) && got == crypto_secretbox_KEYBYTES &&
             end == text + len;
    if (!ok)
        ok = !sodium_base642bin(k, sizeof k, text, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) &&
             got == crypto_secretbox_KEYBYTES && end == text + len;
    if (!ok) {
        sodium_memzero(k, sizeof k);
        return -1;
    }
    memcpy(key, k, sizeof key);
    sodium_memzero(k, sizeof k);
    have_key = 1;
    return 0;
}

int secret_load_key_file(const char *path, char *err, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "cannot read %s", path);
        return -1;
    }
    char text[256];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    int rc = len < sizeof text - 1 ? secret_set_key(text) : -1;
    sodium_memzero(text, sizeof text);
    if (rc)
        snprintf(err, n, "%s does not hold a key: 64 hex digits or base64 of 32 bytes", path);
    return rc;
}

int secret_have_key(void) { return have_key; }

void secret_forget_key(void)
{
    sodium_memzero(key, sizeof key);
    have_key = 0;
}

int secret_is_sealed(const char *s) { return s && !strncmp(s, SECRET_PREFIX, strlen(SECRET_PREFIX)); }

char *secret_seal(const char *plain)
{
    if (!have_key || !plain)
        return NULL;
    size_t m = strlen(plain), bn = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + m;
    unsigned char *b = malloc(bn);
    if (!b)
        return NULL;
    randombytes_buf(b, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(b + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, m, b, key);
    size_t pl = strlen(SECRET_PREFIX), tn = sodium_base64_ENCODED_LEN(bn, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(pl + tn);
    if (out) {
        memcpy(out, SECRET_PREFIX, pl);
        sodium_bin2base64(out + pl, tn, b, bn, sodium_base64_VARIANT_ORIGINAL);
    }
    free(b);
    return out;
}

const char *secret_open(const char *stored, char *buf, size_t n)
{
    if (!stored || !*stored || !n)
        return NULL;
    if (!secret_is_sealed(stored)) { /* plaintext from before sealing */
        if (strlen(stored) >= n)
            return NULL;
        memcpy(buf, stored, strlen(stored) + 1);
        return buf;
    }
    if (!have_key)
        return NULL;
    const char *t = stored + strlen(SECRET_PREFIX);
    size_t tl = strlen(t), cap = tl / 4 * 3 + 3, got = 0;
    unsigned char *b = malloc(cap);
    if (!b)
        return NULL;
    const char *res = NULL;
    if (!sodium_base642bin(b, cap, t, tl, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) &&
        got >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        size_t m = got - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
        if (m < n && !crypto_secretbox_open_easy((unsigned char *)buf, b + crypto_secretbox_NONCEBYTES,
                                                 got - crypto_secretbox_NONCEBYTES, b, key)) {
            buf[m] = 0;
            res = memchr(buf, 0, m) ? NULL : buf; /* a NUL inside is not a token */
        }
    }
    sodium_memzero(b, cap);
    free(b);
    if (!res)
        sodium_memzero(buf, n);
    return res;
}
