/* jtext.c — compact JSON text as jansson spells it (see jtext.h).
 *
 * jansson decodes every string as UTF-8 while it writes it, one code point at a time, and
 * goes through a callback per piece; here a string is copied in runs, stopping only at the
 * bytes JSON escapes.  The spelling is jansson's: "," and ":" with no spaces, members in
 * their order, \" \\ \b \f \n \r \t and \u00XX (upper-case hex) for the other control
 * characters, "/" and non-ASCII as they are, integers in full, reals as "%.17g" with ".0"
 * added when that has no '.' or 'e', and the exponent without '+' or leading zeros. */
#include "jtext.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes JSON text cannot hold as themselves: controls, '"' and '\\'. */
static const unsigned char escaped[256] = {
    [0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

void jtext_string(buf_t *b, const char *s, size_t n, int lower_hex)
{
    const char *hex = lower_hex ? "0123456789abcdef" : "0123456789ABCDEF";
    if (b->len + n + 3 > b->cap) /* the common case, nothing to escape, in one piece */
        buf_grow(b, n + 2);
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!escaped[c])
            continue;
        buf_put(b, s + run, i - run);
        run = i + 1;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: memcpy(esc + 1, (char[]){'u', '0', '0', hex[c >> 4], hex[c & 15]}, 5);
        }
        buf_puts(b, esc);
    }
    buf_put(b, s + run, n - run);
    buf_putc(b, '"');
}

void jtext_integer(buf_t *b, long long v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_real(buf_t *b, double d)
{
    char t[64];
    int n = snprintf(t, sizeof t - 3, "%.17g", d);
    if (n < 0 || n >= (int)sizeof t - 3)
        return;
    if (!strchr(t, '.') && !strchr(t, 'e')) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(t, 'e');
    if (e) { /* "1e+300" -> "1e300", "1e-07" -> "1e-7" */
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(t + n - end) + 1);
            n -= (int)(end - start);
        }
    }
    buf_put(b, t, (size_t)n);
}

void jtext_put(buf_t *b, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        buf_putc(b, '{');
        const char *k;
        size_t klen;
        json_t *m;
        int first = 1;
        json_object_keylen_foreach(v, k, klen, m)
        {
            if (!first)
                buf_putc(b, ',');
            first = 0;
            jtext_string(b, k, klen, 0);
            buf_putc(b, ':');
            jtext_put(b, m);
        }
        buf_putc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                buf_putc(b, ',');
            jtext_put(b, json_array_get(v, i));
        }
        buf_putc(b, ']');
        break;
    }
    case JSON_STRING: jtext_string(b, json_string_value(v), json_string_length(v), 0); break;
    case JSON_INTEGER: jtext_integer(b, json_integer_value(v)); break;
    case JSON_REAL: put_real(b, json_real_value(v)); break;
    case JSON_TRUE: buf_put(b, "true", 4); break;
    case JSON_FALSE: buf_put(b, "false", 5); break;
    case JSON_NULL: buf_put(b, "null", 4); break;
    }
}

char *jtext(json_t *v, size_t *len)
{
    buf_t b = {0};
    buf_grow(&b, 1024); /* a document's text, most often, without growing again */
    jtext_put(&b, v);
    if (!b.p)
        buf_put(&b, "", 0);
    if (len)
        *len = b.len;
    return buf_take(&b);
}
