/* ids.h — entity ids, timestamps and random tokens. */
#ifndef IDS_H
#define IDS_H
#include <stddef.h>

/* 24 lowercase hex: 4 bytes of creation time (big-endian seconds), 3 bytes of a count
 * kept by the process (from a random start), 5 random bytes.  The ids one process makes
 * grow, so each index of a table takes a new one at its end (one page written per commit,
 * not one per row), and still cannot be guessed (40 random bits). */
void id_new(char out[25]);
int id_valid(const char *s);
/* n random bytes for ids (from the system's generator, drawn in blocks per thread). */
void rand_bytes(void *out, size_t n);
/* ISO 8601 UTC with milliseconds: 2026-11-22T13:46:30.123Z */
void now_iso(char out[64]);
long long now_ms(void);
/* URL-safe random token of len characters (A-Z a-z 0-9 - _). */
void token_new(char *out, size_t len);
#endif
