/* codec.h — schema-driven readers and writers of DTOs.
 *
 * A DTO in memory is a jansson object whose keys are the fields' camelCase wire names.
 * Readers produce a raw tree (JSON as typed by the sender; JSV, query strings and forms
 * as strings), then bind_dto() checks it against the schema and returns the canonical
 * object.  Writers walk the schema, so key order and defaults are the type's, not the
 * tree's. */
#ifndef CODEC_H
#define CODEC_H
#include <jansson.h>
#include "../schema/schema.h"
#include "../util/buf.h"

typedef enum { FMT_JSON, FMT_JSV, FMT_XML, FMT_CSV } fmt_t;

enum {
    W_SECRETS = 1, /* include F_SECRET fields */
};

/* Limits every reader enforces. */
typedef struct limits {
    int max_depth;      /* nesting of objects and lists (default 64) */
    size_t max_list;    /* items in one list (default 100000) */
} limits_t;
extern limits_t codec_limits;

/* A rendering made earlier (the render cache, src/api/render.c): a response object, or
 * an item of a list in one, holding a string member CODEC_WIRE is written as that
 * string's bytes as they stand.  It was made by write_dto for the same type, format and
 * flags; only the JSON and JSV writers take one.  The name cannot be a field's, so no
 * bound request or stored document can hold it where the writers look. */
#define CODEC_WIRE "\x01wire"

/* Write obj (may be NULL: JSON null) as type t. */
void write_dto(buf_t *b, fmt_t fmt, const type_t *t, json_t *obj, unsigned flags);
/* The XML (xml.c) and CSV (csv.c) writers; write_dto() calls them for FMT_XML/FMT_CSV. */
void write_xml(buf_t *b, const type_t *t, json_t *obj, unsigned flags);
void write_csv(buf_t *b, const type_t *t, json_t *obj, unsigned flags);

/* s in double quotes with inner quotes doubled when it holds one of specials (or is
 * empty and quote_empty), else as it is: the quoting of JSV and of CSV. */
void write_quoted(buf_t *b, const char *s, size_t n, const char *specials, int quote_empty);

/* A JSON or JSV string literal as that format writes it. */
void write_string(buf_t *b, fmt_t fmt, const char *s, size_t n);

/* Parse JSV text into an untyped tree (objects, arrays, strings).  NULL on a syntax
 * error, with a message in err. */
json_t *jsv_parse(const char *s, size_t n, char *err, size_t errsz);

/* Parse an XML (DataContract) body for request type t into the raw text tree that
 * bind_dto(t, raw, 1, ...) expects (xml.c).  Nothing is fetched from the network or disk;
 * a DOCTYPE or entity declaration is refused.  NULL on error, with a message in err. */
json_t *xml_parse(const type_t *t, const char *s, size_t n, char *err, size_t errsz);

/* Parse a multipart/form-data body into {name: "value"} like a form (multipart.c): file
 * parts are skipped, repeated names join with ','.  NULL on error, with a message in err. */
json_t *multipart_parse(const char *content_type, const char *s, size_t n, char *err, size_t errsz);

/* Parse a JSON body (strict, UTF-8 checked, depth-limited).  NULL on error. */
json_t *json_parse_body(const char *s, size_t n, char *err, size_t errsz);

/* Bind raw to type t.  text: leaves are strings to be parsed (JSV, query, form, XML).
 * Each bad field appends {errorCode, fieldName, message} to errors.  Returns a new
 * canonical object (never NULL for an object input; NULL when raw is not an object). */
json_t *bind_dto(const type_t *t, json_t *raw, int text, json_t *errors);

/* Parse one scalar from text for type t (used by bind and by path parameters). */
json_t *bind_scalar_text(const type_t *t, const char *s);

#endif
