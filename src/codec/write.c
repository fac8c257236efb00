/* write.c — the JSON and JSV writers: one walk over the schema, two spellings.
 *
 * Order: a type's own fields in documented order, then its base type's (EntityInfo
 * last, as in the seed samples).  A null or absent field is not written, except a
 * non-nullable value type (bool, int, double, enum), which .NET always has and so
 * always writes: false, 0, or the enum's first member. */
#include "codec.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../util/jtext.h"

limits_t codec_limits = {64, 100000};

static void json_str(buf_t *b, const char *s, size_t n) { jtext_string(b, s, n, 1); }

void write_quoted(buf_t *b, const char *s, size_t n, const char *specials, int quote_empty)
{
    int quote = n == 0 && quote_empty;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] && strchr(specials, s[i]) != NULL;
    if (!quote) {
        buf_put(b, s, n);
        return;
    }
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            buf_put(b, s + run, i + 1 - run);
            buf_putc(b, '"');
            run = i + 1;
        }
    buf_put(b, s + run, n - run);
    buf_putc(b, '"');
}

static void jsv_str(buf_t *b, const char *s, size_t n) { write_quoted(b, s, n, "\":,{}[]\r\n", 1); }

void write_string(buf_t *b, fmt_t fmt, const char *s, size_t n)
{
    if (fmt == FMT_JSV)
        jsv_str(b, s, n);
    else
        json_str(b, s, n);
}

static void write_double(buf_t *b, double d)
{
    if (!isfinite(d)) {
        buf_putc(b, '0');
        return;
    }
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", d);
    if (strtod(tmp, NULL) != d)
        snprintf(tmp, sizeof tmp, "%.17g", d);
    buf_puts(b, tmp);
}

static void write_key(buf_t *b, fmt_t fmt, const char *k)
{
    write_string(b, fmt, k, strlen(k));
    buf_putc(b, ':');
}

/* A field's wire name: a .NET member name (letters, digits, _), in which neither format
 * escapes anything (JSON quotes it, JSV writes it as it is). */
static void write_field_key(buf_t *b, fmt_t fmt, const char *k)
{
    size_t n = strlen(k);
    char tmp[128];
    if (n + 3 > sizeof tmp) {
        write_key(b, fmt, k);
        return;
    }
    size_t at = 0;
    if (fmt == FMT_JSON)
        tmp[at++] = '"';
    memcpy(tmp + at, k, n);
    at += n;
    if (fmt == FMT_JSON)
        tmp[at++] = '"';
    tmp[at++] = ':';
    buf_put(b, tmp, at);
}

static void write_value(buf_t *b, fmt_t fmt, const type_t *t, json_t *v, unsigned flags);

/* 1 when v is a rendering made earlier (CODEC_WIRE), written out as it stands. */
static int write_wire(buf_t *b, json_t *v)
{
    json_t *w = json_object_size(v) <= 2 ? json_object_get(v, CODEC_WIRE) : NULL;
    if (!json_is_string(w))
        return 0;
    buf_put(b, json_string_value(w), json_string_length(w));
    return 1;
}

static void write_object(buf_t *b, fmt_t fmt, const type_t *t, json_t *obj, unsigned flags)
{
    buf_putc(b, '{');
    int first = 1, n = schema_nwire(t);
    for (int i = 0; i < n; i++) {
        const field_t *f = schema_wire_field(t, i);
        if ((f->flags & F_SECRET) && !(flags & W_SECRETS))
            continue;
        json_t *v = json_object_get(obj, f->json);
        if (v && json_is_null(v))
            v = NULL;
        int scalar_default = !(f->flags & (F_LIST | F_NULLABLE)) &&
                             (f->type->kind == K_BOOL || f->type->kind == K_INT ||
                              f->type->kind == K_LONG || f->type->kind == K_DOUBLE ||
                              f->type->kind == K_ENUM);
        if (!v && !scalar_default)
            continue;
        if (!first)
            buf_putc(b, ',');
        first = 0;
        write_field_key(b, fmt, f->json);
        if (f->flags & F_LIST) {
            buf_putc(b, '[');
            size_t j;
            json_t *it;
            json_array_foreach(v, j, it)
            {
                if (j)
                    buf_putc(b, ',');
                if (f->type->kind != K_OBJECT || !write_wire(b, it))
                    write_value(b, fmt, f->type, it, flags);
            }
            buf_putc(b, ']');
        } else {
            write_value(b, fmt, f->type, v, flags);
        }
    }
    buf_putc(b, '}');
}

static void write_value(buf_t *b, fmt_t fmt, const type_t *t, json_t *v, unsigned flags)
{
    switch (t->kind) {
    case K_STRING:
        if (json_is_string(v))
            write_string(b, fmt, json_string_value(v), json_string_length(v));
        else if (fmt == FMT_JSON)
            buf_puts(b, "null");
        break;
    case K_BOOL:
        if (fmt == FMT_JSV)
            buf_puts(b, json_is_true(v) ? "True" : "False");
        else
            buf_puts(b, json_is_true(v) ? "true" : "false");
        break;
    case K_INT:
    case K_LONG:
        jtext_integer(b, (long long)(json_is_integer(v) ? json_integer_value(v) : json_number_value(v)));
        break;
    case K_DOUBLE:
        if (json_is_integer(v))
            jtext_integer(b, (long long)json_integer_value(v));
        else
            write_double(b, v ? json_number_value(v) : 0);
        break;
    case K_ENUM: {
        const char *s = json_is_string(v) ? json_string_value(v) : t->values[0];
        if (fmt == FMT_JSV)
            buf_puts(b, s);
        else
            json_str(b, s, strlen(s));
        break;
    }
    case K_OBJECT:
        if (!json_is_object(v)) {
            buf_puts(b, fmt == FMT_JSON ? "null" : "{}");
            break;
        }
        write_object(b, fmt, t, v, flags);
        break;
    case K_MAP: {
        buf_putc(b, '{');
        const char *k;
        json_t *it;
        int first = 1;
        json_object_foreach(v, k, it)
        {
            if (json_is_null(it))
                continue;
            if (!first)
                buf_putc(b, ',');
            first = 0;
            write_key(b, fmt, k);
            write_value(b, fmt, t->value_type, it, flags);
        }
        buf_putc(b, '}');
        break;
    }
    }
}

void write_dto(buf_t *b, fmt_t fmt, const type_t *t, json_t *obj, unsigned flags)
{
    if (fmt == FMT_XML) {
        write_xml(b, t, obj, flags);
        return;
    }
    if (fmt == FMT_CSV) {
        write_csv(b, t, obj, flags);
        return;
    }
    if (!obj) {
        if (fmt == FMT_JSON)
            buf_puts(b, "null");
        return;
    }
    if (t->kind != K_OBJECT || !write_wire(b, obj))
        write_value(b, fmt, t, obj, flags);
}
