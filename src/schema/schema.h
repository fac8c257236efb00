/* schema.h — type descriptors for every DTO and enum of the API.
 *
 * One table of these describes the whole wire surface: the binder (every request
 * format), the writers (JSON, JSV, XML, CSV), validation, the metadata pages and the
 * generated client sources all walk them.  Nothing else in the program knows a DTO's
 * field list.  The definitions themselves live in dto.c. */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stddef.h>

typedef enum {
    K_STRING, K_BOOL, K_INT, K_LONG, K_DOUBLE, /* scalars */
    K_ENUM,                                    /* a .NET enum, written by name */
    K_OBJECT,                                  /* a class with fields */
    K_MAP                                      /* Dictionary<string, value_type> */
} kind_t;

typedef struct type type_t;

/* field flags */
enum {
    F_LIST     = 1 << 0, /* List<type> */
    F_NULLABLE = 1 << 1, /* bool?, int?, double?, enum?: absent means null, not default */
    F_SECRET   = 1 << 2, /* only shown to SystemAdministrators */
    F_CREDENTIAL = 1 << 3, /* a password or token: refused in a query string (it would end up in logs) */
};

typedef struct field {
    const char *name;     /* PascalCase .NET member name, e.g. "AIInsights" */
    const type_t *type;   /* element type when F_LIST */
    unsigned flags;
    const char *desc;     /* description shown on metadata pages; may be NULL */
    const char *json;     /* camelCase wire name; filled in by schema_init() */
} field_t;

struct type {
    const char *name;        /* .NET name: "CustomerInfo", "string", "int", ... */
    kind_t kind;
    const char *ns;          /* .NET namespace (XML); NULL for scalars */
    const type_t *base;      /* base class (EntityInfo, ListRequest), or NULL */
    field_t *fields;         /* K_OBJECT: own fields, in documented order */
    int nfields;
    const char *const *values; /* K_ENUM: member names in declaration order */
    int nvalues;
    const type_t *value_type;  /* K_MAP: element type; keys are strings */
    const char *desc;
};

/* scalar types */
extern const type_t T_string, T_bool, T_int, T_long, T_double;

/* Registry of every named type (objects, enums, maps), for metadata and lookups. */
extern const type_t *const schema_types[];
extern const int schema_ntypes;

/* Fill in each field's wire name; call once at start-up before any codec runs. */
void schema_init(void);

/* ServiceStack's camelCase of a PascalCase name: "AIInsights" -> "aiInsights". */
void schema_camel(const char *pascal, char *out, size_t outsz);

/* Find a field by name, case-insensitively, walking base types; NULL if none. */
const field_t *schema_field(const type_t *t, const char *name);

/* Index of an enum member by name (case-insensitive), or -1. */
int schema_enum_index(const type_t *t, const char *name);

const type_t *schema_type_by_name(const char *name);

/* Iterate every field of an object type in wire (JSON/JSV) order: own fields in
 * documented order, then the base type's.  Returns the i-th, or NULL past the end. */
const field_t *schema_wire_field(const type_t *t, int i);
int schema_nwire(const type_t *t);

#endif
