/* csv.c — the CSV writer (ServiceStack's CSV format, RFC 4180).
 *
 * A list response (a type with an `Items` list of objects: ListResponse<T>) is one header
 * row of the item type's field names and one row per item; any other object is one header
 * row and one row.  Names are the PascalCase field names in wire order (own fields, then
 * the base type's).  Cells: strings as they are, other scalars as JSV writes them
 * (True/False, invariant numbers, enum names), nested objects, maps and lists as JSV;
 * absent fields empty, except non-nullable value types, which are their default as in
 * JSON.  A cell holding `,` `"` CR or LF is quoted with inner quotes doubled.  Every row
 * ends with CRLF. */
#include "codec.h"
#include <string.h>

/* RFC 4180: quoted when it holds a comma, a quote or a line break */
static void csv_cell(buf_t *b, const char *s, size_t n) { write_quoted(b, s, n, ",\"\r\n", 0); }

static int visible(const field_t *f, unsigned flags) { return !(f->flags & F_SECRET) || (flags & W_SECRETS); }

static void write_cell(buf_t *b, const field_t *f, json_t *v, unsigned flags)
{
    if (json_is_null(v))
        v = NULL;
    int value_type = !(f->flags & (F_LIST | F_NULLABLE)) &&
                     (f->type->kind == K_BOOL || f->type->kind == K_INT || f->type->kind == K_LONG ||
                      f->type->kind == K_DOUBLE || f->type->kind == K_ENUM);
    if (!v && !value_type)
        return;
    if (f->type->kind == K_STRING && !(f->flags & F_LIST) && json_is_string(v)) {
        csv_cell(b, json_string_value(v), json_string_length(v));
        return;
    }
    buf_t t = {0};
    if (f->flags & F_LIST) {
        buf_putc(&t, '[');
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            if (i)
                buf_putc(&t, ',');
            write_dto(&t, FMT_JSV, f->type, it, flags);
        }
        buf_putc(&t, ']');
    } else if (!v) { /* the default of a value type, as JSV spells it */
        buf_puts(&t, f->type->kind == K_BOOL ? "False" : f->type->kind == K_ENUM ? f->type->values[0] : "0");
    } else {
        write_dto(&t, FMT_JSV, f->type, v, flags);
    }
    csv_cell(b, t.p ? t.p : "", t.len);
    buf_free(&t);
}

/* One line of the type's visible fields: their names (obj NULL: the header), or the
 * values of obj. */
static void line(buf_t *b, const type_t *t, json_t *obj, unsigned flags)
{
    int first = 1, n = schema_nwire(t);
    for (int i = 0; i < n; i++) {
        const field_t *f = schema_wire_field(t, i);
        if (!visible(f, flags))
            continue;
        if (!first)
            buf_putc(b, ',');
        first = 0;
        if (obj)
            write_cell(b, f, json_object_get(obj, f->json), flags);
        else
            csv_cell(b, f->name, strlen(f->name));
    }
    buf_puts(b, "\r\n");
}

void write_csv(buf_t *b, const type_t *t, json_t *obj, unsigned flags)
{
    if (!obj || t->kind != K_OBJECT)
        return;
    const field_t *items = NULL;
    for (int i = 0; i < t->nfields; i++)
        if (!strcmp(t->fields[i].name, "Items") && (t->fields[i].flags & F_LIST) && t->fields[i].type->kind == K_OBJECT)
            items = &t->fields[i];
    if (!items) {
        line(b, t, NULL, flags);
        line(b, t, obj, flags);
        return;
    }
    line(b, items->type, NULL, flags);
    json_t *none = json_object(); /* an item that is not an object: a row of empty cells */
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(obj, items->json), i, it)
        line(b, items->type, json_is_object(it) ? it : none, flags);
    json_decref(none);
}
