/* bind.c — binds a raw tree to a DTO type: the one place where request values are
 * type-checked.  Keys match fields case-insensitively (unknown keys are ignored, as
 * ServiceStack does); each bad value adds an errors[] entry naming the field by its
 * .NET path ("Schedule.Rules[0].Priority"). */
#include "codec.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void add_error(json_t *errors, const char *path, const char *fmt, const char *val)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, val, path);
    json_array_append_new(errors, json_pack("{s:s,s:s,s:s}", "errorCode", "SerializationException",
                                            "fieldName", path, "message", msg));
}

static const char *leaf_text(json_t *v, char *tmp, size_t n)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        snprintf(tmp, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(tmp, n, "%g", json_real_value(v));
    else if (json_is_true(v))
        return "true";
    else if (json_is_false(v))
        return "false";
    else if (json_is_array(v))
        return "[...]";
    else if (json_is_object(v))
        return "{...}";
    else
        return "null";
    return tmp;
}

/* copy of s without surrounding whitespace */
static char *trimmed(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

static json_t *parse_bool(const char *s)
{
    static const char *const yes[] = {"true", "1", "t", "y", "yes", "on"};
    static const char *const no[] = {"false", "0", "f", "n", "no", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return json_true();
        if (strcasecmp(s, no[i]) == 0)
            return json_false();
    }
    return NULL;
}

json_t *bind_scalar_text(const type_t *t, const char *raw)
{
    if (t->kind == K_STRING)
        return json_string(raw);
    char *s = trimmed(raw);
    json_t *v = NULL;
    char *end;
    switch (t->kind) {
    case K_BOOL:
        v = parse_bool(s);
        break;
    case K_INT:
    case K_LONG: {
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (*s && !*end && !errno && (t->kind == K_LONG || (x >= INT_MIN && x <= INT_MAX)))
            v = json_integer(x);
        break;
    }
    case K_DOUBLE: {
        errno = 0;
        double d = strtod(s, &end);
        if (*s && !*end && !errno && isfinite(d))
            v = (d == floor(d) && fabs(d) < 9e15) ? json_integer((json_int_t)d) : json_real(d);
        break;
    }
    case K_ENUM: {
        int i = schema_enum_index(t, s);
        if (i < 0 && *s) { /* numeric value of the enum */
            long x = strtol(s, &end, 10);
            if (!*end && x >= 0 && x < t->nvalues)
                i = (int)x;
        }
        if (i >= 0)
            v = json_string(t->values[i]);
        break;
    }
    default:
        break;
    }
    free(s);
    return v;
}

static json_t *bind_value(const type_t *t, json_t *raw, int text, const char *path, json_t *errors, int depth);

static json_t *bind_object(const type_t *t, json_t *raw, int text, const char *path, json_t *errors, int depth)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(raw, k, v)
    {
        const field_t *f = schema_field(t, k);
        if (!f || json_is_null(v))
            continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", f->name);
        json_t *bv;
        if (f->flags & F_LIST) {
            json_t *list = v;
            json_t *parsed = NULL;
            if (text && json_is_string(v)) { /* "a,b" or "[a,b]" */
                const char *s = json_string_value(v);
                char err[128];
                if (*s == '[') {
                    parsed = jsv_parse(s, strlen(s), err, sizeof err);
                } else if (*s == 0) {
                    parsed = json_array();
                } else {
                    buf_t b = {0};
                    buf_putc(&b, '[');
                    buf_puts(&b, s);
                    buf_putc(&b, ']');
                    parsed = jsv_parse(b.p, b.len, err, sizeof err);
                    buf_free(&b);
                }
                list = parsed;
            }
            if (!json_is_array(list)) {
                add_error(errors, sub, "'%s' is an Invalid value for '%s'", leaf_text(v, (char[64]){0}, 64));
                json_decref(parsed);
                continue;
            }
            bv = json_array();
            size_t i;
            json_t *it;
            json_array_foreach(list, i, it)
            {
                char isub[540];
                snprintf(isub, sizeof isub, "%s[%zu]", sub, i);
                json_t *e = bind_value(f->type, it, text, isub, errors, depth + 1);
                if (e)
                    json_array_append_new(bv, e);
            }
            json_decref(parsed);
        } else {
            bv = bind_value(f->type, v, text, sub, errors, depth + 1);
        }
        if (bv)
            json_object_set_new(out, f->json, bv);
    }
    return out;
}

static json_t *bind_value(const type_t *t, json_t *raw, int text, const char *path, json_t *errors, int depth)
{
    char tmp[64];
    if (json_is_null(raw))
        return NULL;
    if (depth > codec_limits.max_depth) {
        add_error(errors, path, "'%s' is nested too deeply in '%s'", "...");
        return NULL;
    }
    if (t->kind == K_OBJECT || t->kind == K_MAP) {
        json_t *parsed = NULL;
        if (text && json_is_string(raw)) {
            const char *s = json_string_value(raw);
            char err[128];
            parsed = *s ? jsv_parse(s, strlen(s), err, sizeof err) : json_object();
            raw = parsed;
        }
        json_t *out = NULL;
        if (!json_is_object(raw)) {
            add_error(errors, path, "'%s' is an Invalid value for '%s'", leaf_text(raw, tmp, sizeof tmp));
        } else if (t->kind == K_OBJECT) {
            out = bind_object(t, raw, text, path, errors, depth);
        } else {
            out = json_object();
            const char *k;
            json_t *v;
            json_object_foreach(raw, k, v)
            {
                char sub[512];
                snprintf(sub, sizeof sub, "%s[%s]", path, k);
                json_t *bv = bind_value(t->value_type, v, text, sub, errors, depth + 1);
                if (bv)
                    json_object_set_new(out, k, bv);
            }
        }
        json_decref(parsed);
        return out;
    }
    /* scalars */
    json_t *v = NULL;
    if (json_is_string(raw)) {
        v = bind_scalar_text(t, json_string_value(raw));
    } else if (!text) {
        switch (t->kind) {
        case K_STRING:
            if (json_is_number(raw))
                v = json_string(leaf_text(raw, tmp, sizeof tmp));
            break;
        case K_BOOL:
            if (json_is_boolean(raw))
                v = json_incref(raw);
            break;
        case K_INT:
        case K_LONG:
            if (json_is_integer(raw) && (t->kind == K_LONG || (json_integer_value(raw) >= INT_MIN &&
                                                               json_integer_value(raw) <= INT_MAX)))
                v = json_incref(raw);
            else if (json_is_real(raw) && json_real_value(raw) == floor(json_real_value(raw)) &&
                     fabs(json_real_value(raw)) <= INT_MAX)
                v = json_integer((json_int_t)json_real_value(raw));
            break;
        case K_DOUBLE:
            if (json_is_number(raw))
                v = json_incref(raw);
            break;
        case K_ENUM:
            if (json_is_integer(raw) && json_integer_value(raw) >= 0 && json_integer_value(raw) < t->nvalues)
                v = json_string(t->values[json_integer_value(raw)]);
            break;
        default:
            break;
        }
    }
    if (!v)
        add_error(errors, path, "'%s' is an Invalid value for '%s'", leaf_text(raw, tmp, sizeof tmp));
    return v;
}

json_t *bind_dto(const type_t *t, json_t *raw, int text, json_t *errors)
{
    if (!json_is_object(raw))
        return NULL;
    return bind_object(t, raw, text, "", errors, 0);
}
