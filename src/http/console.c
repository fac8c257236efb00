/* console.c — the web console, served from the binary: its files (console/, embedded at
 * build time by scripts/embed-console as build/gen/console_assets.h) at /console and
 * /console/<name>, gzipped when the client takes it, with a strict Content-Security-Policy
 * and strong ETags; and "/" sends a browser (Accept: text/html) there.  The console talks to the API like any client. */
#define _GNU_SOURCE
#include "http.h"
#include <string.h>
#include <strings.h>

typedef struct console_asset {
    const char *path, *type, *etag, *gzip_etag;
    const unsigned char *bytes;
    size_t len;
    const unsigned char *gzip;
    size_t gzip_len;
} console_asset_t;
#include "console_assets.h"

#define CSP                                                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "      \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

static const console_asset_t *find(const char *path)
{
    size_t n = strlen(path);
    if (n > 1 && path[n - 1] == '/')
        n--; /* /console/ is /console */
    for (size_t i = 0; i < sizeof console_assets / sizeof console_assets[0]; i++)
        if (strlen(console_assets[i].path) == n && !strncmp(console_assets[i].path, path, n))
            return &console_assets[i];
    return NULL;
}

/* Does the If-None-Match list name etag (or '*')? */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    if (strchr(inm, '*'))
        return 1;
    return strstr(inm, etag) != NULL;
}

int console_dispatch(const http_req_t *r, http_resp_t *out)
{
    const char *p = r->path;
    int get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
    if (!strcmp(p, "/") && get && r->accept && strcasestr(r->accept, "text/html")) {
        out->status = 302;
        http_resp_header(out, "Location: /console");
        return 1;
    }
    if (strncmp(p, "/console", 8) || (p[8] && p[8] != '/'))
        return 0;
    if (!get) {
        dispatch_error(out, 405, "MethodNotAllowed", "The console is read with GET");
        return 1;
    }
    const console_asset_t *a = find(p);
    if (!a) {
        dispatch_error(out, 404, "NotFound", "No console file at this path");
        return 1;
    }
    /* gzip unless the client refuses it ("gzip;q=0") or does not name it */
    const char *ae = r->accept_encoding ? strcasestr(r->accept_encoding, "gzip") : NULL;
    int gz = ae && strncmp(ae + 4, ";q=0", 4) != 0;
    const char *etag = gz ? a->gzip_etag : a->etag;
    http_resp_header(out, "Content-Security-Policy: " CSP);
    http_resp_header(out, "X-Content-Type-Options: nosniff");
    http_resp_header(out, "ETag: %s", etag);
    http_resp_header(out, "Vary: Accept-Encoding");
    /* the page itself is checked every time (it names the current script); the rest too,
     * cheaply: a 304 when the ETag still matches */
    http_resp_header(out, "Cache-Control: no-cache");
    http_resp_header(out, "Referrer-Policy: same-origin");
    if (etag_matches(r->if_none_match, etag)) {
        out->status = 304;
        return 1;
    }
    out->status = 200;
    out->content_type = a->type;
    if (gz)
        http_resp_header(out, "Content-Encoding: gzip");
    buf_put(&out->body, (const char *)(gz ? a->gzip : a->bytes), gz ? a->gzip_len : a->len);
    return 1;
}
