/* schema.c — the scalar types and the look-ups every codec uses over dto.c's tables. */
#include "schema.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const type_t T_string = {.name = "string", .kind = K_STRING};
const type_t T_bool = {.name = "bool", .kind = K_BOOL};
const type_t T_int = {.name = "int", .kind = K_INT};
const type_t T_long = {.name = "long", .kind = K_LONG};
const type_t T_double = {.name = "double", .kind = K_DOUBLE};

void schema_camel(const char *s, char *out, size_t outsz)
{
    size_t n = strlen(s), i = 0;
    if (n + 1 > outsz)
        n = outsz - 1;
    memcpy(out, s, n);
    out[n] = 0;
    if (n == 0)
        return;
    /* Lower the leading run of capitals, but keep the last one of a run that is
     * followed by a lower-case letter: "AIInsights" -> "aiInsights", "ID" -> "id". */
    out[0] = (char)tolower((unsigned char)out[0]);
    for (i = 1; i < n && isupper((unsigned char)out[i]); i++) {
        if (i + 1 < n && islower((unsigned char)out[i + 1]))
            break;
        out[i] = (char)tolower((unsigned char)out[i]);
    }
}

void schema_init(void)
{
    for (int t = 0; t < schema_ntypes; t++) {
        const type_t *ty = schema_types[t];
        for (int i = 0; i < ty->nfields; i++) {
            field_t *f = &ty->fields[i];
            if (f->json)
                continue;
            char tmp[128];
            schema_camel(f->name, tmp, sizeof tmp);
            f->json = strdup(tmp);
        }
    }
}

const field_t *schema_field(const type_t *t, const char *name)
{
    for (; t; t = t->base)
        for (int i = 0; i < t->nfields; i++)
            if (strcasecmp(t->fields[i].name, name) == 0)
                return &t->fields[i];
    return NULL;
}

int schema_enum_index(const type_t *t, const char *name)
{
    for (int i = 0; i < t->nvalues; i++)
        if (strcasecmp(t->values[i], name) == 0)
            return i;
    return -1;
}

const type_t *schema_type_by_name(const char *name)
{
    for (int i = 0; i < schema_ntypes; i++)
        if (strcmp(schema_types[i]->name, name) == 0)
            return schema_types[i];
    return NULL;
}

int schema_nwire(const type_t *t)
{
    int n = 0;
    for (; t; t = t->base)
        n += t->nfields;
    return n;
}

const field_t *schema_wire_field(const type_t *t, int i)
{
    /* own fields first, then the base's (EntityInfo last, as the seeds show) */
    for (; t; t = t->base) {
        if (i < t->nfields)
            return &t->fields[i];
        i -= t->nfields;
    }
    return NULL;
}
