/* meta.c — routes metadata requests to their generators:
 *   /metadata, /{json|jsv|xml|csv}/metadata[?op=Name]   HTML index and operation pages (pages.c)
 *   /types, /types/metadata                             links; MetadataTypes JSON (types.c)
 *   /types/typescript, /types/js, /types/csharp         DTO sources (gen.c)
 *   /openapi.json                                       OpenAPI 3.0 (openapi.c)
 * No login is needed for any of them; only GET and HEAD are answered. */
#define _GNU_SOURCE /* strcasestr */
#include "meta_int.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HTML "text/html; charset=utf-8"
#define JSON "application/json; charset=utf-8"
#define TEXT "text/plain; charset=utf-8"

static const char *const fmt_names[] = {"json", "jsv", "xml", "csv"};

/* Does path equal p, allowing one trailing slash? */
static int is(const char *path, const char *p)
{
    size_t n = strlen(p);
    return !strncasecmp(path, p, n) && (path[n] == 0 || (path[n] == '/' && path[n + 1] == 0));
}

static void types_index(buf_t *b)
{
    buf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Evo Voice types</title></head><body>\n"
                "<h1>Evo Voice</h1>\n<ul>\n"
                "<li><a href=\"/types/metadata\">Metadata (JSON)</a></li>\n"
                "<li><a href=\"/types/typescript\">TypeScript</a></li>\n"
                "<li><a href=\"/types/js\">JavaScript (ES module)</a></li>\n"
                "<li><a href=\"/types/csharp\">C#</a></li>\n"
                "<li><a href=\"/openapi.json\">OpenAPI 3.0</a></li>\n"
                "</ul>\n<p><a href=\"/metadata\">&lt;back to all web services</a></p>\n</body></html>\n");
}

int meta_dispatch(const http_req_t *r, http_resp_t *out)
{
    const char *p = r->path;
    int fmt = -1, kind = 0; /* 1 index, 2 op page, 3.. below */
    if (is(p, "/metadata"))
        kind = 1;
    int metadata = strcasestr(p, "/metadata") != NULL; /* most paths: no format to try */
    for (int i = 0; i < 4 && !kind && metadata; i++) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "/%s/metadata", fmt_names[i]);
        if (is(p, tmp))
            kind = 2, fmt = i;
    }
    if (!kind) {
        if (is(p, "/types"))
            kind = 3;
        else if (is(p, "/types/metadata"))
            kind = 4;
        else if (is(p, "/types/typescript") || is(p, "/types/ts"))
            kind = 5;
        else if (is(p, "/types/js") || is(p, "/types/javascript"))
            kind = 6;
        else if (is(p, "/types/csharp"))
            kind = 7;
        else if (is(p, "/openapi.json") || is(p, "/openapi"))
            kind = 8;
        else
            return 0;
    }
    if (strcasecmp(r->method, "GET") && strcasecmp(r->method, "HEAD")) {
        dispatch_error(out, 405, "MethodNotAllowed", "Metadata is read with GET");
        return 1;
    }
    out->status = 200;
    const char *op = json_string_value(json_object_get(r->query, "op"));
    tlist_t all = {.n = 0};
    switch (kind) {
    case 2:
        if (op && *op) {
            if (!meta_op_page(&out->body, (fmt_t)fmt, op)) {
                out->body.len = 0;
                dispatch_error(out, 404, "NotFound", "No operation of that name");
                return 1;
            }
            out->content_type = HTML;
            break;
        }
        /* without ?op= the index */
        __attribute__((fallthrough));
    case 1:
        meta_index_page(&out->body);
        out->content_type = HTML;
        break;
    case 3:
        types_index(&out->body);
        out->content_type = HTML;
        break;
    case 4:
        meta_types_json(&out->body);
        out->content_type = JSON;
        break;
    case 5:
    case 6:
    case 7:
        meta_all_types(&all);
        meta_source(&out->body, kind == 5 ? LANG_TS : kind == 6 ? LANG_JS : LANG_CS, &all, 1);
        out->content_type = TEXT;
        break;
    case 8:
        meta_openapi(&out->body);
        out->content_type = JSON;
        break;
    }
    return 1;
}
