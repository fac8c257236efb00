/* types.c — GET /types/metadata: ServiceStack's MetadataTypes document
 *   {config, namespaces, types[], operations[]}
 * the input of ServiceStack's client generators.  Request DTOs appear as operations[].request,
 * every other type the operations reach in types[]; .NET spellings throughout (String,
 * Int32, List`1, Nullable`1, ListResponse`1 with genericArgs). */
#include "meta_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *clr_name(const type_t *t)
{
    switch (t->kind) {
    case K_STRING: return "String";
    case K_BOOL: return "Boolean";
    case K_INT: return "Int32";
    case K_LONG: return "Int64";
    case K_DOUBLE: return "Double";
    default: return t->name;
    }
}

/* {name, namespace, genericArgs?} of a type reference */
static json_t *type_ref(const type_t *t)
{
    char base[128];
    const type_t *ga = meta_generic(t, base, sizeof base);
    if (ga) {
        char n[140];
        snprintf(n, sizeof n, "%s`1", base);
        return json_pack("{s:s,s:s,s:[s]}", "name", n, "namespace", t->ns, "genericArgs", clr_name(ga));
    }
    return json_pack("{s:s,s:s}", "name", clr_name(t), "namespace", t->ns ? t->ns : "System");
}

static json_t *property(const field_t *f, const type_t *ga)
{
    const type_t *t = f->type;
    const char *arg = ga && t == ga ? "T" : clr_name(t);
    json_t *p = json_pack("{s:s}", "name", f->name);
    if (f->flags & F_LIST) {
        json_object_set_new(p, "type", json_string("List`1"));
        json_object_set_new(p, "namespace", json_string("System.Collections.Generic"));
        json_object_set_new(p, "genericArgs", json_pack("[s]", arg));
    } else if ((f->flags & F_NULLABLE) && meta_value_type(t)) {
        json_object_set_new(p, "type", json_string("Nullable`1"));
        json_object_set_new(p, "namespace", json_string("System"));
        json_object_set_new(p, "isValueType", json_true());
        json_object_set_new(p, "genericArgs", json_pack("[s]", arg));
    } else {
        json_object_set_new(p, "type", json_string(arg));
        json_object_set_new(p, "namespace", json_string(t->ns && !(ga && t == ga) ? t->ns : "System"));
        if (meta_value_type(t))
            json_object_set_new(p, "isValueType", json_true());
    }
    if (t->kind == K_ENUM)
        json_object_set_new(p, "isEnum", json_true());
    if (f->desc)
        json_object_set_new(p, "description", json_string(f->desc));
    return p;
}

static json_t *mtype(const type_t *t)
{
    char base[128];
    const type_t *ga = meta_generic(t, base, sizeof base);
    json_t *o = json_object();
    if (ga) {
        char n[140];
        snprintf(n, sizeof n, "%s`1", base);
        json_object_set_new(o, "name", json_string(n));
        json_object_set_new(o, "namespace", json_string(t->ns));
        json_object_set_new(o, "genericArgs", json_pack("[s]", "T"));
    } else {
        json_object_set_new(o, "name", json_string(t->name));
        json_object_set_new(o, "namespace", json_string(t->ns ? t->ns : "System"));
    }
    if (t->base)
        json_object_set_new(o, "inherits", type_ref(t->base));
    if (t->kind == K_MAP)
        json_object_set_new(o, "inherits", json_pack("{s:s,s:s,s:[s,s]}", "name", "Dictionary`2", "namespace",
                                                     "System.Collections.Generic", "genericArgs", "String",
                                                     clr_name(t->value_type)));
    if (t->desc)
        json_object_set_new(o, "description", json_string(t->desc));
    if (t->kind == K_ENUM) {
        json_t *names = json_array();
        for (int i = 0; i < t->nvalues; i++)
            json_array_append_new(names, json_string(t->values[i]));
        json_object_set_new(o, "isEnum", json_true());
        json_object_set_new(o, "enumNames", names);
    }
    json_t *props = json_array();
    for (int i = 0; i < t->nfields; i++)
        json_array_append_new(props, property(&t->fields[i], ga));
    json_object_set_new(o, "properties", props);
    return o;
}

static json_t *strings(const char *csv)
{
    json_t *a = json_array();
    for (const char *v = csv; *v;) {
        const char *e = strchr(v, ',');
        size_t l = e ? (size_t)(e - v) : strlen(v);
        json_array_append_new(a, json_stringn(v, l));
        v += l + (e ? 1 : 0);
    }
    return a;
}

static json_t *operation(const op_t *op)
{
    char verb[16];
    meta_method(op, verb, sizeof verb);
    json_t *routes = json_array();
    for (int r = 0; r < 3 && op->routes[r]; r++)
        json_array_append_new(routes, json_pack("{s:s,s:s}", "path", op->routes[r], "verbs", op->verbs));
    const char *roles[3];
    int nr = meta_roles(op->roles, roles);
    json_t *all = json_array(), *any = json_array();
    for (int i = 0; i < nr; i++)
        json_array_append_new(nr == 1 ? all : any, json_string(roles[i]));
    json_t *o = json_pack("{s:o,s:o,s:o,s:s,s:b,s:o,s:b,s:o,s:o}", "request", mtype(op->req), "response",
                          type_ref(op->resp), "actions", strings(op->verbs), "method", verb, "returnsVoid",
                          op->resp->nfields == 0, "routes", routes, "requiresAuth", !(op->flags & OP_ANON),
                          "requiredRoles", all, "requiresAnyRole", any);
    if (op->desc) {
        json_object_set_new(json_object_get(o, "request"), "description", json_string(op->desc));
        json_object_set_new(o, "summary", json_string(op->desc));
    }
    return o;
}

static int is_request(const type_t *t)
{
    for (int i = 0; i < api_nops; i++)
        if (api_ops[i].req == t)
            return 1;
    return 0;
}

void meta_types_json(buf_t *b)
{
    tlist_t all = {.n = 0};
    meta_all_types(&all);
    json_t *types = json_array(), *ops = json_array(), *nss = json_array();
    json_t *generics = json_object();
    for (int i = 0; i < all.n; i++) {
        const type_t *t = all.t[i];
        int dup = 0;
        for (size_t k = 0; k < json_array_size(nss); k++)
            dup |= t->ns && !strcmp(json_string_value(json_array_get(nss, k)), t->ns);
        if (t->ns && !dup)
            json_array_append_new(nss, json_string(t->ns));
        if (is_request(t))
            continue;
        char base[128];
        if (meta_generic(t, base, sizeof base)) { /* one generic type for all its instances */
            if (json_object_get(generics, base))
                continue;
            json_object_set_new(generics, base, json_true());
        }
        json_array_append_new(types, mtype(t));
    }
    json_decref(generics);
    for (int i = 0; i < api_nops; i++)
        json_array_append_new(ops, operation(&api_ops[i]));
    json_t *config = json_pack("{s:s,s:b,s:b,s:b,s:b,s:b,s:s}", "baseUrl", "/", "makePartial", 1, "makeVirtual", 1,
                               "addReturnMarker", 1, "addDescriptionAsComments", 1, "addServiceStackTypes", 1,
                               "globalNamespace", "Voice.Api");
    json_t *doc = json_pack("{s:o,s:o,s:o,s:o}", "config", config, "namespaces", nss, "types", types, "operations", ops);
    char *s = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_INDENT(1));
    buf_puts(b, s);
    buf_putc(b, '\n');
    free(s);
    json_decref(doc);
}
