/* jtext.h — a JSON value's compact text, byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT) writes, in a fraction of its time: the store writes every
 * document (and audit entry) this way, and a text's version is a hash of it. */
#ifndef JTEXT_H
#define JTEXT_H
#include <jansson.h>
#include "buf.h"

/* Append s (n bytes) to b as a JSON string, escaped as above; \u00XX in lower-case hex
 * when lower_hex (the wire's spelling), else upper-case (jansson's). */
void jtext_string(buf_t *b, const char *s, size_t n, int lower_hex);
/* Append v in decimal to b (what printf's %lld writes, without its machinery). */
void jtext_integer(buf_t *b, long long v);
/* Append v's text to b. */
void jtext_put(buf_t *b, json_t *v);
/* v's text, NUL-terminated, to free(); *len its length when len is not NULL. */
char *jtext(json_t *v, size_t *len);
#endif
