/* buf.h — a growable byte buffer, the output target of every writer. */
#ifndef BUF_H
#define BUF_H
#include <stddef.h>
#include <stdarg.h>
#include <string.h>

typedef struct buf {
    char *p;
    size_t len, cap;
} buf_t;

/* Room for n more bytes and a NUL (out of line: the writers below inline their common
 * case, a buffer with room already, as they run for every piece of every answer). */
void buf_grow(buf_t *b, size_t n);
static inline void buf_put(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        buf_grow(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static inline void buf_putc(buf_t *b, char c)
{
    if (b->len + 2 > b->cap)
        buf_grow(b, 1);
    b->p[b->len++] = c;
    b->p[b->len] = 0;
}
void buf_puts(buf_t *b, const char *s);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s percent-encoded: every byte but RFC 3986's unreserved ones as %XX. */
void buf_put_urlenc(buf_t *b, const char *s);
char *buf_cstr(buf_t *b);            /* NUL-terminated view (not counted in len) */
char *buf_take(buf_t *b);            /* hand the storage over; b becomes empty */
void buf_free(buf_t *b);
#endif
