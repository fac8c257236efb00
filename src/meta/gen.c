/* gen.c — DTO sources for "Add ServiceStack Reference": TypeScript, JavaScript (an ES
 * module) and C#, in the style of ServiceStack's generators.  A request DTO carries
 * getTypeName(), getMethod() and createResponse() (IReturn<T>), which is all that
 * @servicestack/client's JsonServiceClient.api()/send() need to call /api/{Name}.
 * Concrete generic instances of the schema ("ListResponse<AccountInfo>") are written once
 * as the generic class (ListResponse<T>); dictionaries (Struct) extend Dictionary. */
#include "meta_int.h"
#include <stdio.h>
#include <string.h>

static const op_t *op_of_request(const type_t *t)
{
    for (int i = 0; i < api_nops; i++)
        if (api_ops[i].req == t)
            return &api_ops[i];
    return NULL;
}

/* The class name a type is declared under: "ListResponse" for "ListResponse<AccountInfo>". */
static void decl_name(const type_t *t, char *out, size_t n)
{
    if (!meta_generic(t, out, n))
        snprintf(out, n, "%s", t->name);
}

/* Was a type declared under the same name (another instance of one generic) before i? */
static int generic_seen(const tlist_t *types, int i)
{
    char name[128], other[128];
    decl_name(types->t[i], name, sizeof name);
    for (int j = 0; j < i; j++) {
        decl_name(types->t[j], other, sizeof other);
        if (!strcmp(other, name))
            return 1;
    }
    return 0;
}

/* A type reference; ga, when set, is the generic argument written as T. */
static void type_ref(buf_t *b, int lang, const type_t *t, const type_t *ga)
{
    if (ga && t == ga) {
        buf_puts(b, "T");
        return;
    }
    switch (t->kind) {
    case K_STRING: buf_puts(b, "string"); return;
    case K_BOOL: buf_puts(b, lang == LANG_CS ? "bool" : "boolean"); return;
    case K_INT: buf_puts(b, lang == LANG_CS ? "int" : "number"); return;
    case K_LONG: buf_puts(b, lang == LANG_CS ? "long" : "number"); return;
    case K_DOUBLE: buf_puts(b, lang == LANG_CS ? "double" : "number"); return;
    default: buf_puts(b, t->name); return;
    }
}

static void field_type(buf_t *b, int lang, const field_t *f, const type_t *ga)
{
    int nullable = (f->flags & F_NULLABLE) && meta_value_type(f->type);
    if (lang == LANG_CS) {
        if (f->flags & F_LIST)
            buf_puts(b, "List<");
        type_ref(b, lang, f->type, ga);
        buf_puts(b, (f->flags & F_LIST) ? ">" : nullable ? "?" : "");
        return;
    }
    if (lang == LANG_JS && nullable)
        buf_putc(b, '?');
    type_ref(b, lang, f->type, ga);
    if (f->flags & F_LIST)
        buf_puts(b, "[]");
}

static void quoted(buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_putc(b, '\\');
        buf_putc(b, *s);
    }
}

/* ---- TypeScript and JavaScript ---- */

static void js_enum(buf_t *b, int lang, const type_t *t)
{
    if (lang == LANG_TS) {
        buf_printf(b, "export enum %s\n{\n", t->name);
        for (int i = 0; i < t->nvalues; i++)
            buf_printf(b, "    %s = '%s',\n", t->values[i], t->values[i]);
        buf_puts(b, "}\n\n");
        return;
    }
    buf_puts(b, "/** @typedef {");
    for (int i = 0; i < t->nvalues; i++)
        buf_printf(b, "%s'%s'", i ? "|" : "", t->values[i]);
    buf_printf(b, "} */\nexport var %s;\n(function (%s) {\n", t->name, t->name);
    for (int i = 0; i < t->nvalues; i++)
        buf_printf(b, "    %s[\"%s\"] = \"%s\"\n", t->name, t->values[i], t->values[i]);
    buf_printf(b, "})(%s || (%s = {}));\n", t->name, t->name);
}

static void js_class(buf_t *b, int lang, const type_t *t)
{
    char name[128];
    decl_name(t, name, sizeof name);
    const type_t *ga = meta_generic(t, name, sizeof name);
    const op_t *op = op_of_request(t);
    int ts = lang == LANG_TS;
    if (op) {
        if (op->desc) {
            buf_puts(b, "/** @description ");
            buf_puts(b, op->desc);
            buf_puts(b, " */\n");
        }
        for (int r = 0; r < 3 && op->routes[r]; r++)
            buf_printf(b, "// @Route(\"%s\", \"%s\")\n", op->routes[r], op->verbs);
    }
    if (!ts && ga)
        buf_puts(b, "/** @template T */\n");
    buf_printf(b, "export class %s%s", name, ts && ga ? "<T>" : "");
    if (t->base)
        buf_printf(b, " extends %s", t->base->name);
    if (t->kind == K_MAP) {
        buf_puts(b, ts ? " extends Dictionary<" : "");
        if (ts)
            type_ref(b, lang, t->value_type, NULL), buf_putc(b, '>');
    }
    if (ts && op) {
        buf_puts(b, " implements IReturn<");
        type_ref(b, lang, op->resp, NULL);
        buf_putc(b, '>');
    }
    int super = t->base || (ts && t->kind == K_MAP);
    buf_puts(b, ts ? "\n{\n" : " {\n");
    if (!ts) { /* the constructor first, with the JSDoc of its init object */
        buf_puts(b, "    /** @param {{");
        int n = schema_nwire(t);
        for (int i = 0; i < n; i++) {
            const field_t *f = schema_wire_field(t, i);
            buf_printf(b, "%s%s?:", i ? "," : "", f->json);
            field_type(b, LANG_TS, f, ga);
        }
        buf_printf(b, "}} [init] */\n    constructor(init) { %sObject.assign(this, init) }\n", t->base ? "super(init); " : "");
    }
    for (int i = 0; i < t->nfields; i++) {
        const field_t *f = &t->fields[i];
        if (ts) {
            if (f->desc)
                buf_printf(b, "    /** @description %s */\n", f->desc);
            buf_printf(b, "    public %s?: ", f->json);
            field_type(b, lang, f, ga);
            buf_puts(b, ";\n\n");
        } else {
            buf_puts(b, f->desc ? "    /**\n     * @type {" : "    /** @type {");
            field_type(b, lang, f, ga);
            if (f->desc)
                buf_printf(b, "}\n     * @description %s */\n", f->desc);
            else
                buf_puts(b, "} */\n");
            buf_printf(b, "    %s;\n", f->json);
        }
    }
    if (ts) {
        buf_printf(b, "    public constructor(init?: Partial<%s%s>) { %s(Object as any).assign(this, init); }\n", name,
                   ga ? "<T>" : "", super ? (t->base ? "super(init); " : "super(); ") : "");
    }
    if (op) {
        char verb[16];
        meta_method(op, verb, sizeof verb);
        const char *pub = ts ? "public " : "", *semi = ts ? ";" : "";
        if (ts)
            buf_putc(b, '\n');
        buf_printf(b, "    %sgetTypeName() { return '%s'%s }\n", pub, op->name, semi);
        buf_printf(b, "    %sgetMethod() { return '%s'%s }\n", pub, verb, semi);
        buf_printf(b, "    %screateResponse() { return new ", pub);
        if (ts) {
            type_ref(b, lang, op->resp, NULL);
        } else {
            char rn[128];
            decl_name(op->resp, rn, sizeof rn);
            buf_puts(b, rn);
        }
        buf_printf(b, "()%s }\n", semi);
    }
    buf_puts(b, ts ? "}\n\n" : "}\n");
}

/* ---- C# ---- */

static int cs_builtin(const type_t *t)
{
    return t->ns && (!strcmp(t->ns, "System") || !strcmp(t->ns, "ServiceStack"));
}

static void cs_type(buf_t *b, const type_t *t)
{
    char name[128];
    decl_name(t, name, sizeof name);
    const type_t *ga = meta_generic(t, name, sizeof name);
    const op_t *op = op_of_request(t);
    if (t->kind == K_ENUM) {
        buf_printf(b, "    public enum %s\n    {\n", t->name);
        for (int i = 0; i < t->nvalues; i++)
            buf_printf(b, "        %s,\n", t->values[i]);
        buf_puts(b, "    }\n\n");
        return;
    }
    if (op) {
        for (int r = 0; r < 3 && op->routes[r]; r++)
            buf_printf(b, "    [Route(\"%s\", \"%s\")]\n", op->routes[r], op->verbs);
        if (op->desc) {
            buf_puts(b, "    [Api(Description=\"");
            quoted(b, op->desc);
            buf_puts(b, "\")]\n");
        }
    }
    buf_printf(b, "    public partial class %s%s\n", name, ga ? "<T>" : "");
    int colon = 0;
    if (t->base)
        buf_printf(b, "        : %s", t->base->name), colon = 1;
    if (t->kind == K_MAP) {
        buf_printf(b, "%sDictionary<string, ", colon ? ", " : "        : ");
        type_ref(b, LANG_CS, t->value_type, NULL);
        buf_putc(b, '>');
        colon = 1;
    }
    if (op) {
        buf_printf(b, "%sIReturn<%s>", colon ? ", " : "        : ", op->resp->name);
        colon = 1;
    }
    buf_puts(b, colon ? "\n    {\n" : "    {\n");
    for (int i = 0; i < t->nfields; i++) {
        const field_t *f = &t->fields[i];
        if (f->desc) {
            buf_printf(b, "        ///<summary>\n        ///%s\n        ///</summary>\n        [ApiMember(Description=\"", f->desc);
            quoted(b, f->desc);
            buf_puts(b, "\")]\n");
        }
        buf_puts(b, "        public virtual ");
        field_type(b, LANG_CS, f, ga);
        buf_printf(b, " %s { get; set; }\n", f->name);
    }
    buf_puts(b, "    }\n\n");
}

static void csharp(buf_t *b, const tlist_t *types)
{
    const char *ns[64];
    int nns = 0;
    for (int i = 0; i < types->n; i++) {
        const type_t *t = types->t[i];
        if (cs_builtin(t) || !t->ns)
            continue;
        int k = 0;
        while (k < nns && strcmp(ns[k], t->ns))
            k++;
        if (k == nns && nns < 64)
            ns[nns++] = t->ns;
    }
    buf_puts(b, "using System;\nusing System.Collections.Generic;\nusing System.Runtime.Serialization;\n"
                "using ServiceStack;\nusing ServiceStack.DataAnnotations;\n");
    for (int k = 0; k < nns; k++)
        buf_printf(b, "using %s;\n", ns[k]);
    buf_putc(b, '\n');
    for (int k = 0; k < nns; k++) {
        buf_printf(b, "namespace %s\n{\n\n", ns[k]);
        for (int i = 0; i < types->n; i++) {
            const type_t *t = types->t[i];
            if (cs_builtin(t) || !t->ns || strcmp(t->ns, ns[k]))
                continue;
            if (!generic_seen(types, i))
                cs_type(b, t);
        }
        buf_puts(b, "}\n\n");
    }
}

void meta_source(buf_t *b, int lang, const tlist_t *types, int header)
{
    if (header) {
        buf_printf(b, "/* Options:\nVersion: evovoiced\nBaseUrl: /\nGenerated from the server's schema: %d types, %d operations\n*/\n\n",
                   types->n, api_nops);
    }
    if (lang == LANG_CS) {
        csharp(b, types);
        return;
    }
    if (lang == LANG_JS)
        buf_puts(b, "\"use strict\";\n");
    else {
        buf_puts(b, "export interface IReturn<T>\n{\n    createResponse(): T;\n}\n\n"
                    "export interface IReturnVoid\n{\n    createResponse(): void;\n}\n\n");
        for (int i = 0; i < types->n; i++)
            if (types->t[i]->kind == K_MAP) {
                buf_puts(b, "export class Dictionary<T> { [Key: string]: T; }\n\n");
                break;
            }
    }
    for (int i = 0; i < types->n; i++) {
        const type_t *t = types->t[i];
        if (t->kind == K_ENUM) {
            js_enum(b, lang, t);
            continue;
        }
        if (generic_seen(types, i))
            continue;
        js_class(b, lang, t);
    }
}
