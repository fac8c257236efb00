/* json.h — the two small jansson look-ups every module needs: a member's string, and
 * whether a list of strings holds one. */
#ifndef UTIL_JSON_H
#define UTIL_JSON_H
#include <jansson.h>
#include <string.h>

/* o[k] when it is a string, else NULL. */
static inline const char *jstr(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Does the array list hold the string s? */
static inline int jlist_has(json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    if (!s)
        return 0;
    json_array_foreach(list, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return 1;
    return 0;
}

#endif
