/* common.c — the walks and spellings every metadata generator shares: type closures in
 * dependency order, .NET type names, placeholder samples, route parameters, role names. */
#include "meta_int.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

int tlist_has(const tlist_t *l, const type_t *t)
{
    for (int i = 0; i < l->n; i++)
        if (l->t[i] == t)
            return 1;
    return 0;
}

void tlist_add(tlist_t *l, const type_t *t)
{
    if (!tlist_has(l, t) && l->n < META_MAXTYPES)
        l->t[l->n++] = t;
}

int meta_scalar(const type_t *t)
{
    return t->kind == K_STRING || t->kind == K_BOOL || t->kind == K_INT || t->kind == K_LONG ||
           t->kind == K_DOUBLE;
}

int meta_value_type(const type_t *t)
{
    return t->kind != K_STRING && t->kind != K_OBJECT && t->kind != K_MAP;
}

const type_t *meta_generic(const type_t *t, char *base, size_t n)
{
    const char *lt = strchr(t->name, '<'), *gt = strrchr(t->name, '>');
    if (!lt || !gt || gt < lt)
        return NULL;
    snprintf(base, n, "%.*s", (int)(lt - t->name), t->name);
    char arg[128];
    snprintf(arg, sizeof arg, "%.*s", (int)(gt - lt - 1), lt + 1);
    return schema_type_by_name(arg);
}

/* closure with a "being visited" mark, so recursive types terminate */
static void closure(const type_t *t, tlist_t *out, tlist_t *open)
{
    if (meta_scalar(t) || tlist_has(out, t) || tlist_has(open, t))
        return;
    tlist_add(open, t);
    if (t->base)
        closure(t->base, out, open);
    char gb[64];
    const type_t *ga = meta_generic(t, gb, sizeof gb);
    if (ga)
        closure(ga, out, open);
    if (t->value_type)
        closure(t->value_type, out, open);
    for (int i = 0; i < t->nfields; i++)
        closure(t->fields[i].type, out, open);
    tlist_add(out, t);
}

void meta_closure(const type_t *t, tlist_t *out)
{
    tlist_t open = {.n = 0};
    closure(t, out, &open);
}

void meta_op_types(const op_t *op, tlist_t *out)
{
    meta_closure(op->resp, out);
    meta_closure(op->req, out);
}

void meta_all_types(tlist_t *out)
{
    for (int i = 0; i < api_nops; i++)
        meta_op_types(&api_ops[i], out);
}

void meta_dotnet(const field_t *f, char *out, size_t n)
{
    const char *name = f->type->name;
    if (f->flags & F_LIST)
        snprintf(out, n, "List<%s>", name);
    else if ((f->flags & F_NULLABLE) && meta_value_type(f->type))
        snprintf(out, n, "%s?", name);
    else
        snprintf(out, n, "%s", name);
}

/* Can a value of `from` contain a value of `target`? */
static int contains(const type_t *from, const type_t *target, tlist_t *seen)
{
    if (meta_scalar(from) || tlist_has(seen, from))
        return 0;
    tlist_add(seen, from);
    if (from->value_type && (from->value_type == target || contains(from->value_type, target, seen)))
        return 1;
    for (const type_t *t = from; t; t = t->base)
        for (int i = 0; i < t->nfields; i++)
            if (t->fields[i].type == target || contains(t->fields[i].type, target, seen))
                return 1;
    return 0;
}

static int recursive(const type_t *t)
{
    tlist_t seen = {.n = 0};
    return contains(t, t, &seen);
}

json_t *meta_sample(const type_t *t)
{
    switch (t->kind) {
    case K_STRING: return json_string("String");
    case K_BOOL: return json_false();
    case K_INT:
    case K_LONG:
    case K_DOUBLE: return json_integer(0);
    case K_ENUM: return json_string(t->nvalues ? t->values[0] : "");
    case K_MAP: {
        if (recursive(t))
            return NULL;
        json_t *v = meta_sample(t->value_type);
        return v ? json_pack("{s:o}", "String", v) : json_object();
    }
    case K_OBJECT: break;
    }
    if (recursive(t))
        return NULL;
    json_t *o = json_object();
    int n = schema_nwire(t);
    for (int i = 0; i < n; i++) {
        const field_t *f = schema_wire_field(t, i);
        json_t *v = meta_sample(f->type);
        if (!v)
            continue;
        if (f->flags & F_LIST)
            v = json_pack("[o]", v);
        json_object_set_new(o, f->json, v);
    }
    return o;
}

int meta_path_param(const op_t *op, const field_t *f)
{
    for (int r = 0; r < 3 && op->routes[r]; r++)
        for (const char *p = strchr(op->routes[r], '{'); p; p = strchr(p + 1, '{')) {
            const char *e = strchr(p, '}');
            if (e && (size_t)(e - p - 1) == strlen(f->name) && !strncasecmp(p + 1, f->name, (size_t)(e - p - 1)))
                return 1;
        }
    return 0;
}

int meta_roles(unsigned roles, const char *names[3])
{
    int n = 0;
    if (roles & ROLE_SA)
        names[n++] = "SystemAdministrator";
    if (roles & ROLE_MANAGER)
        names[n++] = "Manager";
    if (roles & ROLE_CUSTOMER)
        names[n++] = "Customer";
    return n;
}

void meta_method(const op_t *op, char *out, size_t n)
{
    const char *v = op->verbs, *comma = strchr(v, ',');
    if (comma && strstr(v, "POST"))
        snprintf(out, n, "POST");
    else
        snprintf(out, n, "%.*s", comma ? (int)(comma - v) : (int)strlen(v), v);
}

void meta_html(buf_t *b, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        default: buf_putc(b, *s);
        }
}
