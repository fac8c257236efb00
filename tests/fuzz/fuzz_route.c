/* fuzz_route.c — libFuzzer target for the router: http_route() (http/dispatch.c) on an
 * arbitrary method and URL-decoded path, given as "METHOD PATH" (without a space the
 * method is GET).  Covers the route templates and their path parameters, the
 * pre-defined routes /api/{Op} and /{format}/reply/{Op}, and the format suffix
 * (/customers/ID.xml).  Oracles: a pre-defined route names exactly the operation of that
 * name, with no parameters; any other match allows the method, and its template with the
 * parameters put back gives the path (less the suffix, and a trailing '/'); parameters
 * are non-empty strings without '/'. */
#define _GNU_SOURCE /* strcasestr */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api/api.h"
#include "http/http.h"
#include "util/buf.h"

static const char *const fmt_names[] = {"json", "jsv", "xml", "csv"};

/* the operation name in /api/NAME or /FMT/reply/NAME, or NULL */
static const char *predefined_name(const char *path)
{
    const char *name = NULL;
    if (!strncasecmp(path, "/api/", 5))
        name = path + 5;
    for (int i = 0; i < 4 && !name; i++) {
        size_t n = strlen(fmt_names[i]);
        if (path[0] == '/' && !strncasecmp(path + 1, fmt_names[i], n) && !strncasecmp(path + 1 + n, "/reply/", 7))
            name = path + 1 + n + 7;
    }
    return name && *name && !strchr(name, '/') ? name : NULL;
}

static int method_allowed(const op_t *op, const char *method)
{
    size_t n = strlen(method);
    const char *v = op->verbs;
    while ((v = strcasestr(v, method))) {
        if ((v == op->verbs || v[-1] == ',') && (v[n] == 0 || v[n] == ','))
            return 1;
        v++;
    }
    return 0;
}

/* route template tpl with each {name} replaced by params[name]; NULL if one is missing */
static char *fill(const char *tpl, json_t *params)
{
    buf_t b = {0};
    int used = 0;
    for (const char *t = tpl; *t;) {
        const char *close = t[0] == '{' ? strchr(t, '}') : NULL;
        if (!close) {
            buf_putc(&b, *t++);
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(close - t - 1), t + 1);
        const char *v = json_string_value(json_object_get(params, name));
        if (!v) {
            buf_free(&b);
            return NULL;
        }
        buf_puts(&b, v);
        used++;
        t = close + 1;
    }
    if ((size_t)used != json_object_size(params)) { /* a parameter no template names */
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = 0; /* a NUL inside cuts the path short, as in a C string */
    char *sp = strchr(in, ' ');
    const char *method = "GET", *path = in;
    if (sp) {
        *sp = 0;
        method = in;
        path = sp + 1;
    }

    const op_t *op;
    json_t *params;
    int fmt;
    int rc = http_route(method, path, &op, &params, &fmt);
    if (fmt < -1 || fmt > 3)
        abort();
    if (rc != ROUTE_OK) {
        if ((rc != ROUTE_NO_OP && rc != ROUTE_NOT_FOUND && rc != ROUTE_BAD_METHOD) || op || params)
            abort();
    } else if (!op || op < api_ops || op >= api_ops + api_nops || !json_is_object(params)) {
        abort();
    }

    const char *name = predefined_name(path);
    if (name) {
        /* the operation of that name, whatever the method */
        if ((rc == ROUTE_OK) != (api_op_by_name(name) != NULL) || (rc != ROUTE_OK && rc != ROUTE_NO_OP))
            abort();
        if (rc == ROUTE_OK && (strcasecmp(op->name, name) || json_object_size(params)))
            abort();
    } else if (rc == ROUTE_NO_OP) {
        abort();
    } else if (rc == ROUTE_OK) {
        if (!method_allowed(op, method))
            abort();
        const char *k;
        json_t *v;
        json_object_foreach(params, k, v)
        {
            if (!json_is_string(v) || !json_string_length(v) || strchr(json_string_value(v), '/'))
                abort();
        }
        /* the path the router matched: less a format suffix it took */
        char *want = strdup(path);
        if (fmt >= 0) {
            size_t n = strlen(want), fl = strlen(fmt_names[fmt]);
            if (n < fl + 1 || want[n - fl - 1] != '.' || strcasecmp(want + n - fl, fmt_names[fmt]))
                abort();
            want[n - fl - 1] = 0;
        }
        int found = 0;
        for (int r = 0; r < 3 && op->routes[r] && !found; r++) {
            char *got = fill(op->routes[r], params);
            if (got) {
                size_t gl = strlen(got);
                found = !strcasecmp(got, want) ||
                        (!strncasecmp(got, want, gl) && want[gl] == '/' && want[gl + 1] == 0);
            }
            free(got);
        }
        free(want);
        if (!found)
            abort();
    }
    json_decref(params);
    free(in);
    return 0;
}
