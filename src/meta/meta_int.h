/* meta_int.h — what the metadata generators share (common.c): walks over the type graph the
 * operations reach, .NET spellings of field types, placeholder sample DTOs, role names.
 * Everything is derived from schema_types[] and api_ops[]; nothing here lists a DTO. */
#ifndef META_INT_H
#define META_INT_H
#include <jansson.h>
#include "meta.h"
#include "../api/api.h"
#include "../codec/codec.h"
#include "../schema/schema.h"

#define META_MAXTYPES 512

/* An ordered set of named types. */
typedef struct tlist {
    const type_t *t[META_MAXTYPES];
    int n;
} tlist_t;
int tlist_has(const tlist_t *l, const type_t *t);
void tlist_add(tlist_t *l, const type_t *t);

/* Named types (objects, enums, maps) reachable from t, dependencies first: base type, then
 * each field's type (a map's value type, a generic's argument), then t itself. */
void meta_closure(const type_t *t, tlist_t *out);
/* The closure of every operation (response before request), in api_ops order. */
void meta_all_types(tlist_t *out);
/* The same for one operation. */
void meta_op_types(const op_t *op, tlist_t *out);

/* Is t a scalar (string, bool, int, long, double)? */
int meta_scalar(const type_t *t);
/* A value type in .NET terms (bool, numbers, enums). */
int meta_value_type(const type_t *t);

/* "ListResponse<AccountInfo>": writes "ListResponse" to base and returns AccountInfo's type;
 * NULL for a type that is not a generic instance. */
const type_t *meta_generic(const type_t *t, char *base, size_t n);

/* A field's type as .NET spells it: string, bool?, List<string>, List<Struct>, Schedule. */
void meta_dotnet(const field_t *f, char *out, size_t n);

/* A sample of t with every field filled: "String", 0, false, the first enum member, lists
 * of one item, maps of one "String" entry.  A type that can contain itself (Struct, Value)
 * is left out, as ServiceStack's sample populator does.  NULL for such a type. */
json_t *meta_sample(const type_t *t);

/* Is f bound from a {placeholder} of one of op's routes? */
int meta_path_param(const op_t *op, const field_t *f);

/* Role names of a ROLE_* mask, in order SystemAdministrator, Manager, Customer. */
int meta_roles(unsigned roles, const char *names[3]);

/* The verb a generated client should use: the only one, else POST if allowed, else the first. */
void meta_method(const op_t *op, char *out, size_t n);

/* HTML-escape s into b. */
void meta_html(buf_t *b, const char *s);

/* Generators (one per file). */
void meta_index_page(buf_t *b);
int meta_op_page(buf_t *b, fmt_t fmt, const char *op_name);    /* 0: no such op */
void meta_types_json(buf_t *b);
enum { LANG_TS, LANG_JS, LANG_CS };
void meta_source(buf_t *b, int lang, const tlist_t *types, int header);
void meta_openapi(buf_t *b);

#endif
