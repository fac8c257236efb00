/* secret.h — secrets at rest (carrier auth tokens): sealed with libsodium's secretbox
 * (XSalsa20-Poly1305) under one 32-byte key given at start-up (--secret-key-file or
 * EVOVOICED_SECRET_KEY, hex or base64).  A sealed value is "sbox1:" then base64 of the
 * 24-byte nonce and the box; a value without that prefix is an old plaintext one and
 * is read as it is (it is sealed when it is next written). */
#ifndef SECRET_H
#define SECRET_H
#include <stddef.h>

#define SECRET_PREFIX "sbox1:"

/* The key from its text: 64 hex digits or base64 of 32 bytes (surrounding white space
 * ignored).  0, or -1 (the key is left as it was). */
int secret_set_key(const char *text);
/* The key from a file holding that text.  0, or -1 with why in err. */
int secret_load_key_file(const char *path, char *err, size_t n);
int secret_have_key(void);
void secret_forget_key(void); /* for tests */

/* plain sealed under the key: a new string, or NULL when there is no key. */
char *secret_seal(const char *plain);
/* Whether s is sealed (else: plaintext from before, or NULL). */
int secret_is_sealed(const char *s);
/* The plaintext of stored (sealed or not) into buf: buf, or NULL when stored is NULL or
 * empty, cannot be opened (no key, wrong key, tampered) or does not fit. */
const char *secret_open(const char *stored, char *buf, size_t n);

#endif
