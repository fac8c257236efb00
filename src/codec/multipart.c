/* multipart.c — a multipart/form-data request body (RFC 7578) read as a form: each part
 * named by its Content-Disposition gives one {name: "value"} (repeated names join with
 * ',', as query strings and urlencoded forms do); file parts (with a filename) are
 * skipped.  The binder then treats the values like any form's. */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "codec.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* the value of parameter `name` in a header (name="v" or name=v), copied to out */
static int header_param(const char *h, size_t hl, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl < hl; i++) {
        if (strncasecmp(h + i, name, nl) || h[i + nl] != '=')
            continue;
        if (i > 0 && h[i - 1] != ';' && h[i - 1] != ' ' && h[i - 1] != '\t')
            continue;
        const char *v = h + i + nl + 1, *end = h + hl;
        size_t l;
        if (v < end && *v == '"') {
            v++;
            const char *q = memchr(v, '"', (size_t)(end - v));
            l = q ? (size_t)(q - v) : (size_t)(end - v);
        } else {
            l = 0;
            while (v + l < end && v[l] != ';' && v[l] != ' ' && v[l] != '\t' && v[l] != '\r' && v[l] != '\n')
                l++;
        }
        snprintf(out, outsz, "%.*s", (int)l, v);
        return 1;
    }
    return 0;
}

static json_t *fail(char *err, size_t errsz, const char *msg, json_t *o)
{
    snprintf(err, errsz, "%s", msg);
    json_decref(o);
    return NULL;
}

json_t *multipart_parse(const char *content_type, const char *s, size_t n, char *err, size_t errsz)
{
    char boundary[200];
    if (!content_type || !header_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary) ||
        !boundary[0])
        return fail(err, errsz, "multipart/form-data without a boundary", NULL);
    char delim[210];
    int dl = snprintf(delim, sizeof delim, "--%s", boundary);
    json_t *o = json_object();
    const char *end = s + n;
    const char *p = memmem(s, n, delim, (size_t)dl);
    if (!p)
        return fail(err, errsz, "multipart body without its boundary", o);
    for (;;) {
        p += dl;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return o; /* closing delimiter */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (p < end && *p == '\n')
            p++;
        else
            return fail(err, errsz, "malformed multipart delimiter", o);
        /* headers up to the blank line */
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        size_t skip = 4;
        const char *lf = memmem(p, (size_t)(end - p), "\n\n", 2);
        if (!hend || (lf && lf < hend))
            hend = lf, skip = 2;
        if (!hend)
            return fail(err, errsz, "multipart part without a blank line after its headers", o);
        char name[256] = "", filename[8];
        int is_file = 0, has_name = 0;
        for (const char *h = p; h < hend;) {
            const char *eol = memchr(h, '\n', (size_t)(hend - h));
            const char *he = eol ? eol : hend;
            size_t hl = (size_t)(he - h);
            if (hl >= 20 && !strncasecmp(h, "Content-Disposition:", 20)) {
                has_name = header_param(h, hl, "name", name, sizeof name);
                is_file = header_param(h, hl, "filename", filename, sizeof filename);
            }
            h = eol ? eol + 1 : hend;
        }
        const char *body = hend + skip;
        /* the part ends at CRLF (or LF) before the next delimiter */
        const char *next = memmem(body, (size_t)(end - body), delim, (size_t)dl);
        if (!next)
            return fail(err, errsz, "multipart part without a closing boundary", o);
        const char *vend = next;
        if (vend > body && vend[-1] == '\n')
            vend--;
        if (vend > body && vend[-1] == '\r')
            vend--;
        if (has_name && !is_file) {
            if (memchr(body, 0, (size_t)(vend - body)))
                return fail(err, errsz, "NUL in a multipart value", o);
            json_t *v = json_stringn(body, (size_t)(vend - body));
            if (!v)
                return fail(err, errsz, "invalid UTF-8 in a multipart value", o);
            json_t *prev = json_object_get(o, name);
            if (json_is_string(prev)) {
                buf_t b = {0};
                buf_printf(&b, "%s,%s", json_string_value(prev), json_string_value(v));
                json_decref(v);
                v = json_stringn(b.p, b.len);
                buf_free(&b);
            }
            json_object_set_new(o, name, v);
        }
        p = next;
    }
}
