/* jsv.c — reader of ServiceStack's JSV text format into an untyped tree.
 *
 * Grammar (WIRE.md): objects {k:v,...}, lists [a,b], strings raw or "quoted" with ""
 * for a quote.  Every scalar comes back as a JSON string: the binder gives it a type
 * from the schema.  Keys are trimmed; an unquoted value keeps its whitespace.
 * Whitespace before a {, [ or " and after a closing }, ] or " is ignored, so the
 * pretty-printed samples of the metadata pages read too. */
#include "codec.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t n, i;
    char *err;
    size_t errsz;
} jr_t;

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void skip_ws(jr_t *r)
{
    while (r->i < r->n && is_ws(r->s[r->i]))
        r->i++;
}

/* skip whitespace only when a structural character follows it */
static void skip_ws_before(jr_t *r)
{
    size_t j = r->i;
    while (j < r->n && is_ws(r->s[j]))
        j++;
    if (j < r->n && (r->s[j] == '{' || r->s[j] == '[' || r->s[j] == '"'))
        r->i = j;
}

static json_t *fail(jr_t *r, const char *msg)
{
    snprintf(r->err, r->errsz, "%s at offset %zu", msg, r->i);
    return NULL;
}

static json_t *parse_value(jr_t *r, int depth, int top);

static json_t *parse_quoted(jr_t *r)
{
    buf_t b = {0};
    r->i++; /* opening quote */
    for (;;) {
        if (r->i >= r->n) {
            buf_free(&b);
            return fail(r, "unterminated quoted string");
        }
        char c = r->s[r->i++];
        if (c == '"') {
            if (r->i < r->n && r->s[r->i] == '"') {
                buf_putc(&b, '"');
                r->i++;
                continue;
            }
            break;
        }
        buf_putc(&b, c);
    }
    json_t *v = json_stringn(b.p ? b.p : "", b.len);
    buf_free(&b);
    if (!v)
        return fail(r, "invalid UTF-8");
    return v;
}

static json_t *parse_raw(jr_t *r, int top)
{
    size_t start = r->i;
    if (!top)
        while (r->i < r->n && r->s[r->i] != ',' && r->s[r->i] != '}' && r->s[r->i] != ']')
            r->i++;
    else
        r->i = r->n;
    json_t *v = json_stringn(r->s + start, r->i - start);
    if (!v)
        return fail(r, "invalid UTF-8");
    return v;
}

static json_t *parse_object(jr_t *r, int depth)
{
    json_t *o = json_object();
    r->i++;
    skip_ws(r);
    if (r->i < r->n && r->s[r->i] == '}') {
        r->i++;
        return o;
    }
    for (;;) {
        skip_ws(r);
        json_t *k;
        if (r->i < r->n && r->s[r->i] == '"') {
            k = parse_quoted(r);
            skip_ws(r);
        } else {
            size_t st = r->i;
            while (r->i < r->n && r->s[r->i] != ':' && r->s[r->i] != ',' && r->s[r->i] != '}')
                r->i++;
            size_t en = r->i;
            while (en > st && is_ws(r->s[en - 1]))
                en--;
            k = json_stringn(r->s + st, en - st);
        }
        if (!k || r->i >= r->n || r->s[r->i] != ':') {
            json_decref(k);
            json_decref(o);
            return k ? fail(r, "expected ':' after key") : fail(r, "invalid key");
        }
        r->i++;
        json_t *v = parse_value(r, depth + 1, 0);
        if (!v) {
            json_decref(k);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, json_string_value(k), v);
        json_decref(k);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == '}') {
            r->i++;
            return o;
        }
        json_decref(o);
        return fail(r, "expected ',' or '}'");
    }
}

static json_t *parse_list(jr_t *r, int depth)
{
    json_t *a = json_array();
    r->i++;
    size_t item = r->i; /* an item keeps its leading whitespace, like every later one */
    skip_ws(r);
    if (r->i < r->n && r->s[r->i] == ']') {
        r->i++;
        return a;
    }
    r->i = item;
    for (;;) {
        if (json_array_size(a) >= codec_limits.max_list) {
            json_decref(a);
            return fail(r, "too many list items");
        }
        json_t *v = parse_value(r, depth + 1, 0);
        if (!v) {
            json_decref(a);
            return NULL;
        }
        json_array_append_new(a, v);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == ']') {
            r->i++;
            return a;
        }
        json_decref(a);
        return fail(r, "expected ',' or ']'");
    }
}

static json_t *parse_value(jr_t *r, int depth, int top)
{
    if (depth > codec_limits.max_depth)
        return fail(r, "nesting too deep");
    skip_ws_before(r);
    json_t *v;
    if (r->i < r->n && r->s[r->i] == '{')
        v = parse_object(r, depth);
    else if (r->i < r->n && r->s[r->i] == '[')
        v = parse_list(r, depth);
    else if (r->i < r->n && r->s[r->i] == '"')
        v = parse_quoted(r);
    else
        return parse_raw(r, top);
    if (v)
        skip_ws(r);
    return v;
}

json_t *jsv_parse(const char *s, size_t n, char *err, size_t errsz)
{
    jr_t r = {s, n, 0, err, errsz};
    json_t *v = parse_value(&r, 0, 1);
    if (v && r.i != r.n) {
        json_decref(v);
        return fail(&r, "unexpected text after value");
    }
    return v;
}

static int depth_ok(json_t *v, int depth)
{
    if (depth > codec_limits.max_depth)
        return 0;
    size_t i;
    const char *k;
    json_t *it;
    if (json_is_array(v)) {
        if (json_array_size(v) > codec_limits.max_list)
            return 0;
        json_array_foreach(v, i, it) if (!depth_ok(it, depth + 1)) return 0;
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, it) if (!depth_ok(it, depth + 1)) return 0;
    }
    return 1;
}

json_t *json_parse_body(const char *s, size_t n, char *err, size_t errsz)
{
    json_error_t je;
    json_t *v = json_loadb(s, n, JSON_DECODE_ANY, &je);
    if (!v) {
        snprintf(err, errsz, "%s at line %d column %d", je.text, je.line, je.column);
        return NULL;
    }
    if (!depth_ok(v, 0)) {
        json_decref(v);
        snprintf(err, errsz, "nesting deeper than %d or a list longer than %zu", codec_limits.max_depth,
                 codec_limits.max_list);
        return NULL;
    }
    return v;
}
