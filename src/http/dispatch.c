/* dispatch.c — one request through the pipeline:
 *   route -> authenticate -> role check -> bind request DTO (query, body, path)
 *   -> handler in one store transaction -> encode the response DTO or the error.
 * Driven by the operation table (api_ops) and the schema; it knows formats and HTTP
 * status codes, and nothing of the domain. */
#define _GNU_SOURCE
#include "http.h"
#include <ctype.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../api/api.h"
#include "../auth/throttle.h"
#include "../codec/codec.h"
#include "../meta/meta.h"
#include "../store/store.h"
#include "../util/ids.h"
#include "../voice/voice.h"

server_config_t server_config = {"data/evovoiced.db", 1 << 20, 0, 0};

/* ---- per-thread store connections ---- */
static __thread store_t *tl_store;
static store_t *all_stores[256];
static int nstores;
static pthread_mutex_t stores_mu = PTHREAD_MUTEX_INITIALIZER;

store_t *thread_store(void)
{
    if (tl_store)
        return tl_store;
    char err[256];
    tl_store = store_open(server_config.db_path, err, sizeof err);
    if (!tl_store) {
        fprintf(stderr, "evovoiced: %s\n", err);
        return NULL;
    }
    pthread_mutex_lock(&stores_mu);
    if (nstores < 256)
        all_stores[nstores++] = tl_store;
    pthread_mutex_unlock(&stores_mu);
    return tl_store;
}

void close_thread_stores(void)
{
    pthread_mutex_lock(&stores_mu);
    for (int i = 0; i < nstores; i++)
        store_close(all_stores[i]);
    nstores = 0;
    pthread_mutex_unlock(&stores_mu);
}

void http_resp_header(http_resp_t *out, const char *fmt, ...)
{
    if (out->nheaders >= (int)(sizeof out->headers / sizeof out->headers[0]))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->headers[out->nheaders++], sizeof out->headers[0], fmt, ap);
    va_end(ap);
}

/* ---- formats ---- */
static const char *const fmt_names[] = {"json", "jsv", "xml", "csv"};
static const char *const fmt_types[] = {"application/json; charset=utf-8", "application/jsv; charset=utf-8",
                                        "application/xml", "text/csv"};

static int fmt_by_name(const char *s, size_t n)
{
    for (int i = 0; i < 4; i++)
        if (strlen(fmt_names[i]) == n && !strncasecmp(s, fmt_names[i], n))
            return i;
    return -1;
}

static int fmt_of_type(const char *ct)
{
    if (!ct)
        return -1;
    if (strcasestr(ct, "application/json"))
        return FMT_JSON;
    if (strcasestr(ct, "jsv"))
        return FMT_JSV;
    if (strcasestr(ct, "xml"))
        return FMT_XML;
    if (strcasestr(ct, "text/csv"))
        return FMT_CSV;
    return -1;
}

/* ---- errors ---- */
static void encode_error(http_resp_t *out, fmt_t fmt, int status, const char *code, const char *msg, json_t *fields)
{
    json_t *rs = json_pack("{s:s,s:s,s:O}", "errorCode", code, "message", msg, "errors",
                           fields ? fields : json_array());
    if (!fields)
        json_decref(json_object_get(rs, "errors")), json_object_set_new(rs, "errors", json_array());
    json_t *body = json_pack("{s:o}", "responseStatus", rs);
    out->status = status;
    out->content_type = fmt_types[fmt];
    out->body.len = 0;
    write_dto(&out->body, fmt, &T_ErrorResponse, body, 0);
    json_decref(body);
    if (status == 401)
        http_resp_header(out, "WWW-Authenticate: Basic realm=\"/auth/basic\"");
}

void dispatch_error(http_resp_t *out, int status, const char *code, const char *msg)
{
    encode_error(out, FMT_JSON, status, code, msg, NULL);
}

/* 429 for a sign-in that must wait, with Retry-After in whole seconds. */
static void encode_throttled(http_resp_t *out, fmt_t fmt, long wait_ms)
{
    char msg[128];
    snprintf(msg, sizeof msg, THROTTLED_MESSAGE, throttle_seconds(wait_ms));
    encode_error(out, fmt, 429, "TooManyRequests", msg, NULL);
    http_resp_header(out, "Retry-After: %ld", throttle_seconds(wait_ms));
}

/* A password or token in the query string ends up in access and proxy logs: refused
 * (400 naming the field) unless the server allows it for old clients.  0 when clean. */
static int query_credentials(const op_t *op, json_t *query, http_resp_t *out, fmt_t fmt)
{
    if (server_config.allow_query_credentials)
        return 0;
    const char *k;
    json_t *v;
    json_object_foreach(query, k, v)
    {
        const field_t *f = schema_field(op->req, k);
        if (!f || !(f->flags & F_CREDENTIAL))
            continue;
        json_t *errors = json_pack("[{s:s,s:s,s:s}]", "errorCode", "ArgumentException", "fieldName", f->name, "message",
                                   "Send credentials in the request body, never in the URL");
        char msg[160];
        snprintf(msg, sizeof msg, "%s is not accepted in the query string: send it in the request body", f->name);
        encode_error(out, fmt, 400, "ArgumentException", msg, errors);
        json_decref(errors);
        return -1;
    }
    return 0;
}

/* ---- a List operation's filters: applied or refused (api.h, op_t.filters) ---- */
static int applies(const op_t *op, const char *wire)
{
    size_t n = strlen(wire);
    for (const char *p = op->filters ? op->filters : ""; (p = strstr(p, wire)); p += n)
        if ((p == op->filters || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
            return 1;
    return 0;
}

static int given(json_t *v)
{
    return json_is_array(v) ? json_array_size(v) > 0 : json_is_string(v) ? json_string_length(v) > 0
                                                     : !json_is_null(v) && !json_is_false(v);
}

/* the transport's own query names, which are no request field */
static int transport_name(const char *k)
{
    static const char *const names[] = {"format", "callback", "jsconfig", "_", NULL};
    for (int i = 0; names[i]; i++)
        if (!strcasecmp(k, names[i]))
            return 1;
    return 0;
}

/* 0, or a 400 naming the first filter a List operation would not apply: a name in raw
 * (the query or the body as sent) that is no field of the request, or a field given
 * (bound in dto) that the operation does not apply. */
static int unapplied_filter(const op_t *op, json_t *query, json_t *body, json_t *dto, http_resp_t *out, fmt_t fmt)
{
    if (op->req->base != &T_ListRequest)
        return 0;
    const char *bad = NULL, *k;
    json_t *v;
    json_t *raws[2] = {query, body};
    for (int i = 0; i < 2 && !bad; i++)
        json_object_foreach(raws[i], k, v) if (!schema_field(op->req, k) && !transport_name(k))
        {
            bad = k;
            break;
        }
    const field_t *f = NULL;
    for (int i = 0; !bad && (f = schema_wire_field(op->req, i)); i++)
        if (!schema_field(&T_ListRequest, f->name) && !applies(op, f->json) && given(json_object_get(dto, f->json)))
            bad = f->name;
    if (!bad)
        return 0;
    char msg[300];
    snprintf(msg, sizeof msg, "%.100s is not a filter %s applies: it would be ignored", bad, op->name);
    json_t *errors = json_pack("[{s:s,s:s,s:s}]", "errorCode", "ArgumentException", "fieldName", bad, "message", msg);
    encode_error(out, fmt, 400, "ArgumentException", msg, errors);
    json_decref(errors);
    return -1;
}

/* The session cookies: HttpOnly, SameSite=Lax (ServiceStack's default), Secure over HTTPS. */
static void session_cookies(const http_req_t *r, http_resp_t *out, const call_t *c)
{
    const char *secure = r->tls ? "; Secure" : "";
    static const char *const gone = "Thu, 01 Jan 1970 00:00:00 GMT", *const perm = "Fri, 01 Jan 2046 00:00:00 GMT";
    if (c->session_out[0]) {
        char pid[21]; /* the permanent id is its own random value, as ServiceStack's */
        token_new(pid, 20);
        http_resp_header(out, "Set-Cookie: ss-id=%s; Path=/; HttpOnly; SameSite=Lax%s", c->session_out, secure);
        http_resp_header(out, "Set-Cookie: ss-pid=%s; Path=/; Expires=%s; HttpOnly; SameSite=Lax%s", pid, perm, secure);
        if (c->session_remember)
            http_resp_header(out, "Set-Cookie: ss-opt=perm; Path=/; Expires=%s; HttpOnly; SameSite=Lax%s", perm, secure);
    } else if (c->session_end) {
        static const char *const names[] = {"ss-id", "ss-pid", "ss-opt"};
        for (int i = 0; i < 3; i++)
            http_resp_header(out, "Set-Cookie: %s=; Path=/; Expires=%s; HttpOnly; SameSite=Lax%s", names[i], gone, secure);
    }
}

/* ---- routing ---- */
/* A path parameter named ...Id holds an entity id: 24 lowercase hex (util/ids.h). */
static int id_segment(const char *s, size_t n)
{
    if (n != 24)
        return 0;
    char id[25];
    memcpy(id, s, 24);
    id[24] = 0;
    return id_valid(id);
}

/* Does path match template tpl?  Fills params (when not NULL: without them a parameter's
 * text is not checked to be UTF-8, so a match is only certain once filled); returns the
 * number of literal segments matched + 1, or 0 for no match. */
static int match_route(const char *tpl, const char *path, json_t *params)
{
    int literals = 1;
    while (*tpl == '/' && *path == '/') {
        tpl++;
        path++;
        const char *te = strchr(tpl, '/'), *pe = strchr(path, '/');
        size_t tl = te ? (size_t)(te - tpl) : strlen(tpl), pl = pe ? (size_t)(pe - path) : strlen(path);
        if (tl > 2 && tpl[0] == '{' && tpl[tl - 1] == '}') {
            if (pl == 0)
                return 0;
            /* a "...Id" parameter takes only an id: "/endpoints/duplicates" is no endpoint's path */
            if (tl > 4 && !memcmp(tpl + tl - 3, "Id}", 3) && !id_segment(path, pl))
                return 0;
            if (params) {
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)(tl - 2), tpl + 1);
                json_t *v = json_stringn(path, pl);
                if (!v) /* not UTF-8: it names nothing, and must not drop out of the request */
                    return 0;
                json_object_set_new(params, name, v);
            }
        } else {
            if (tl != pl || strncasecmp(tpl, path, tl))
                return 0;
            literals++;
        }
        tpl += tl;
        path += pl;
    }
    return (*tpl == 0 && (*path == 0 || (path[0] == '/' && path[1] == 0))) ? literals : 0;
}

static int verb_allowed(const op_t *op, const char *method)
{
    size_t n = strlen(method);
    for (const char *v = op->verbs; *v;) {
        const char *e = strchr(v, ',');
        size_t l = e ? (size_t)(e - v) : strlen(v);
        if (l == n && !strncasecmp(v, method, n))
            return 1;
        v += l + (e ? 1 : 0);
    }
    return 0;
}

/* Could route template t match a path whose first segment is first (firstn long)?  No
 * when t begins with another word: most routes end here. */
static int first_segment_fits(const char *t, const char *first, size_t firstn)
{
    if (t[0] != '/' || t[1] == '{')
        return 1;
    return tolower((unsigned char)t[1]) == tolower((unsigned char)first[0]) && !strncasecmp(t + 1, first, firstn) &&
           (t[1 + firstn] == '/' || t[1 + firstn] == 0);
}

/* The full search: the best route with its parameters, and for a 405 the verbs allowed. */
static int route_all(const char *method, const char *path, const op_t **op, json_t **params, char *allow, size_t allown)
{
    int best = 0, seen = 0;
    for (int i = 0; i < api_nops; i++) {
        const op_t *o = &api_ops[i];
        for (int r = 0; r < 3 && o->routes[r]; r++) {
            /* the parameters are taken only from a template that matches: most do not */
            int score = match_route(o->routes[r], path, NULL);
            json_t *p = score ? json_object() : NULL;
            if (p)
                score = match_route(o->routes[r], path, p);
            if (score && !verb_allowed(o, method)) {
                if (allow && !strstr(allow, o->verbs)) /* the Allow header of a 405 */
                    snprintf(allow + strlen(allow), allown - strlen(allow), "%s%s", *allow ? ", " : "", o->verbs);
                seen = 1;
                score = 0;
            }
            if (score > best) {
                best = score;
                json_decref(*params);
                *params = p;
                *op = o;
            } else {
                json_decref(p);
            }
        }
    }
    return best ? ROUTE_OK : seen ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

/* the operation whose route template matches path best: 0 found; 404 no route; 405
 * routes, but none with that verb.  The usual request is settled by one pass that builds
 * nothing (routes of another first segment or verb passed by, parameters taken once, from
 * the winner); anything else (no route, a 405, a parameter that is not UTF-8) by the full
 * search. */
static int route(const char *method, const char *path, const op_t **op, json_t **params, char *allow, size_t allown)
{
    int best = 0;
    const char *best_t = NULL;
    const op_t *best_op = NULL;
    const char *first = path[0] == '/' ? path + 1 : path;
    size_t firstn = strcspn(first, "/");
    for (int i = 0; i < api_nops; i++) {
        const op_t *o = &api_ops[i];
        for (int r = 0; r < 3 && o->routes[r]; r++) {
            const char *t = o->routes[r];
            if (!first_segment_fits(t, first, firstn))
                continue;
            int score = match_route(t, path, NULL);
            if (score > best && verb_allowed(o, method)) {
                best = score;
                best_t = t;
                best_op = o;
            }
        }
    }
    if (best_t) {
        json_t *p = json_object();
        if (match_route(best_t, path, p)) {
            *params = p;
            *op = best_op;
            return ROUTE_OK;
        }
        json_decref(p);
    }
    return route_all(method, path, op, params, allow, allown);
}

int http_route(const char *method, const char *path, const op_t **op, json_t **params, int *fmt)
{
    return http_route_allow(method, path, op, params, fmt, NULL, 0);
}

int http_route_allow(const char *method, const char *path, const op_t **op, json_t **params, int *fmt, char *allow,
                     size_t allown)
{
    if (allow && allown)
        *allow = 0;
    *op = NULL;
    *params = NULL;
    *fmt = -1;
    char *p = strdup(path);
    int rc;
    /* the pre-defined routes: /api/{Op}, /{fmt}/reply/{Op} */
    char *slash = p[0] == '/' ? strchr(p + 1, '/') : NULL;
    const char *name = NULL;
    if (slash) {
        int pf = fmt_by_name(p + 1, (size_t)(slash - p - 1));
        if (!strncasecmp(p, "/api/", 5))
            name = p + 5;
        else if (pf >= 0 && !strncasecmp(slash, "/reply/", 7)) {
            name = slash + 7;
            *fmt = pf;
        }
    }
    if (name && *name && !strchr(name, '/')) {
        *op = api_op_by_name(name);
        if (*op)
            *params = json_object();
        rc = *op ? ROUTE_OK : ROUTE_NO_OP;
    } else {
        /* a format suffix on the last segment */
        char *dot = strrchr(p, '.');
        if (dot && !strchr(dot, '/')) {
            int sf = fmt_by_name(dot + 1, strlen(dot + 1));
            if (sf >= 0) {
                *dot = 0;
                *fmt = sf;
            }
        }
        rc = route(method, p, op, params, allow, allown);
        if (rc) {
            json_decref(*params);
            *op = NULL;
            *params = NULL;
        }
    }
    free(p);
    return rc;
}

/* ---- the pipeline ---- */
static int merge(json_t *dst, json_t *src)
{
    if (src)
        json_object_update(dst, src);
    json_decref(src);
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

size_t http_unescape(char *s)
{
    char *r = s, *w = s;
    while (*r) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo)) {
            *w++ = (char)(hi << 4 | lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

void http_form_add(json_t *o, const char *name, const char *value)
{
    json_t *prev = json_object_get(o, name), *v;
    if (json_is_string(prev)) {
        buf_t b = {0};
        buf_printf(&b, "%s,%s", json_string_value(prev), value ? value : "");
        v = json_string(b.p);
        buf_free(&b);
    } else {
        v = json_string(value ? value : "");
    }
    json_object_set_new(o, name, v); /* with v NULL (not UTF-8), or name not UTF-8: nothing */
}

json_t *http_parse_form(const char *s, size_t n)
{
    json_t *o = json_object();
    char *copy = strndup(s, n), *save = NULL;
    for (char *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = 0;
        char *k = kv, *v = eq ? eq + 1 : kv + strlen(kv); /* writable: it is unescaped in place */
        for (char *x = k; *x; x++) if (*x == '+') *x = ' ';
        for (char *x = v; *x; x++) if (*x == '+') *x = ' ';
        http_unescape(k);
        http_unescape(v);
        http_form_add(o, k, v);
    }
    free(copy);
    return o;
}

/* A write that a browser made on its own authority, from another site: authenticated by
 * the session cookie alone (no Authorization, no X-ss-id), with an Origin that is not
 * this server's, or marked cross-site by Sec-Fetch-Site.  SameSite=Lax already keeps the
 * cookie off another site's POST; this also covers sibling subdomains (same site, other
 * origin) and old browsers.  The console sends X-Requested-With, which another site
 * cannot add without a CORS preflight this server never grants. */
static int forged_write(const http_req_t *r)
{
    if (!r->session_cookie || (r->authorization && *r->authorization) || !strcasecmp(r->method, "GET") ||
        !strcasecmp(r->method, "HEAD") || !strcasecmp(r->method, "OPTIONS"))
        return 0;
    if (r->fetch_site && (!strcasecmp(r->fetch_site, "cross-site") || !strcasecmp(r->fetch_site, "same-site")))
        return 1;
    if (!r->origin)
        return 0;
    const char *o = r->origin;
    if (!strncasecmp(o, "http://", 7))
        o += 7;
    else if (!strncasecmp(o, "https://", 8))
        o += 8;
    else
        return 1; /* "null" (a sandboxed frame, a data: page) or another scheme */
    return !r->host || strcasecmp(o, r->host) != 0;
}

/* A response showing one entity carries its ETag: the version the call read or wrote
 * (store_version, so no extra read), in this format, and with or without the secrets a
 * SystemAdministrator sees.  1 when a GET's If-None-Match names it: the answer is 304. */
static int entity_etag(const http_req_t *r, http_resp_t *out, call_t *c, fmt_t fmt, int full)
{
    const entity_kind_t *k = api_entity_of_type(c->op->resp);
    const char *id = k ? json_string_value(json_object_get(c->resp, "id")) : NULL;
    char ver[STORE_VER_LEN + 1], tag[STORE_VER_LEN + 16];
    if (!id || c->status != 200 || !store_version(c->st, k->coll, id, ver))
        return 0;
    entity_tag(tag, sizeof tag, ver, fmt_names[fmt], full);
    http_resp_header(out, "ETag: \"%s\"", tag);
    return r->if_none_match && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) &&
           tag_listed(r->if_none_match, tag, 0);
}

/* ---- answers held until their write is durable (http.h) ---- */
enum { LATER_RUNNING, LATER_ARMED, LATER_DONE };
struct http_later {
    atomic_int state;
    atomic_int settled; /* later_done is over (wake included): the connection may go */
    int rc;     /* the commit's result, once LATER_DONE */
    fmt_t fmt;  /* of the answer, for the error when the commit failed */
    void (*wake)(void *arg);
    void *wake_arg;
};

/* store_commit_then's word, from whichever thread committed the batch */
static void later_done(void *arg, int rc)
{
    http_later_t *l = arg;
    l->rc = rc;
    if (atomic_exchange(&l->state, LATER_DONE) == LATER_ARMED)
        l->wake(l->wake_arg);
    atomic_store(&l->settled, 1);
}

int http_later_ready(http_later_t *l) { return atomic_load(&l->settled); }

int http_later_arm(http_later_t *l, void (*wake)(void *arg), void *arg)
{
    l->wake = wake;
    l->wake_arg = arg;
    int running = LATER_RUNNING;
    return !atomic_compare_exchange_strong(&l->state, &running, LATER_ARMED);
}

void http_later_end(http_resp_t *out)
{
    http_later_t *l = out->later;
    out->later = NULL;
    while (!atomic_load(&l->settled)) /* woken: later_done is on its last store */
        sched_yield();
    if (l->rc) { /* the batch did not commit: nothing of this write is stored */
        buf_free(&out->body);
        out->nheaders = 0;
        out->content_type = NULL;
        fprintf(stderr, "evovoiced: a batch of writes failed to commit (%d)\n", l->rc);
        if (l->rc == ST_BUSY)
            encode_error(out, l->fmt, 503, "ServiceUnavailable", "The store is busy; try again", NULL);
        else
            encode_error(out, l->fmt, 500, "InternalServerError", "The change could not be stored", NULL);
    }
    free(l);
}

/* ---- optimistic writes (store_begin_optimistic) ----
 * A write runs as an optimistic transaction, so that the writer is held only to check its
 * reads and make its writes, unless its operation lately had to run again in the writer:
 * it read what such a transaction cannot check (a list, a count: the next OPT_REFUSED runs
 * take the writer at once), or what it read had changed by the time it took the writer
 * (contention on one document: the next OPT_STALE runs).  Either way the answer is the
 * one the writer gives; this only decides where the time goes. */
enum { OPT_OPS = 512, OPT_REFUSED = 1024, OPT_STALE = 64 };
static atomic_int opt_wait[OPT_OPS];

static atomic_int *opt_slot(const op_t *op)
{
    long i = op - api_ops;
    return i >= 0 && i < api_nops && i < OPT_OPS ? &opt_wait[i] : NULL;
}

static int opt_try(const op_t *op)
{
    atomic_int *w = opt_slot(op);
    if (!w || (op->flags & (OP_WRITE | OP_OWN_TXN)) != OP_WRITE)
        return 0;
    if (atomic_load_explicit(w, memory_order_relaxed) <= 0)
        return 1;
    atomic_fetch_sub_explicit(w, 1, memory_order_relaxed);
    return 0;
}

static void opt_back_off(const op_t *op, int runs)
{
    atomic_int *w = opt_slot(op);
    if (w)
        atomic_store_explicit(w, runs, memory_order_relaxed);
}

/* params: the path parameters (the caller keeps and frees them) */
static void run(const http_req_t *r, http_resp_t *out, const op_t *op, json_t *params, fmt_t fmt)
{
    store_t *st = thread_store();
    if (!st) {
        encode_error(out, fmt, 503, "ServiceUnavailable", "The store is not available; try again", NULL);
        return;
    }
    if (query_credentials(op, r->query, out, fmt))
        return;
    if (forged_write(r)) {
        encode_error(out, fmt, 403, "Forbidden", "A cookie-authenticated write must come from this server's own pages", NULL);
        return;
    }
    principal_t who = {0};
    long wait_ms = 0;
    int a = auth_resolve(st, r->authorization, r->session_id, r->client, &who, &wait_ms);
    if (a == AUTH_THROTTLED) {
        encode_throttled(out, fmt, wait_ms);
        return;
    }
    if (a == AUTH_UNAVAILABLE) {
        encode_error(out, fmt, 503, "ServiceUnavailable", "The store is busy; try again", NULL);
        return;
    }
    if (!(op->flags & OP_ANON)) {
        if (a != AUTH_OK) {
            encode_error(out, fmt, 401, "Unauthorized", a == AUTH_NONE ? "Not Authenticated" : "Invalid Username or Password", NULL);
            return;
        }
        if (op->roles && !(who.roles & op->roles)) {
            principal_free(&who);
            encode_error(out, fmt, 403, "Forbidden", "Invalid Role", NULL);
            return;
        }
        if (!(who.roles & ROLE_SA) && (who.roles & ROLE_MANAGER) && op->access > who.access) {
            principal_free(&who);
            encode_error(out, fmt, 403, "Forbidden", "Your manager access does not allow this operation", NULL);
            return;
        }
    } else if (a != AUTH_OK) {
        principal_free(&who);
    }

    /* bind: query string, then body, then path (path wins) */
    json_t *errors = json_array();
    json_t *dto = json_object(), *body_raw = NULL;
    merge(dto, bind_dto(op->req, r->query, 1, errors));
    if (r->body_len) {
        int bf = fmt_of_type(r->content_type);
        char err[256] = "";
        json_t *raw = NULL;
        int text = 1;
        if (r->content_type && strcasestr(r->content_type, "application/x-www-form-urlencoded")) {
            raw = http_parse_form(r->body, r->body_len);
        } else if (r->content_type && strcasestr(r->content_type, "multipart/form-data")) {
            raw = multipart_parse(r->content_type, r->body, r->body_len, err, sizeof err);
        } else if (bf == FMT_XML) {
            raw = xml_parse(op->req, r->body, r->body_len, err, sizeof err);
        } else if (bf == FMT_JSV) {
            raw = jsv_parse(r->body, r->body_len, err, sizeof err);
        } else if (bf == FMT_JSON || bf < 0) {
            raw = json_parse_body(r->body, r->body_len, err, sizeof err);
            text = 0;
        } else {
            json_decref(errors);
            json_decref(dto);
            principal_free(&who);
            encode_error(out, fmt, 415, "NotSupported", "This request content type is not supported", NULL);
            return;
        }
        if (!raw || !json_is_object(raw)) {
            char msg[400];
            snprintf(msg, sizeof msg, "Could not parse the request body: %s", raw ? "it is not an object" : err);
            json_decref(raw);
            json_decref(errors);
            json_decref(dto);
            principal_free(&who);
            encode_error(out, fmt, 400, "SerializationException", msg, NULL);
            return;
        }
        merge(dto, bind_dto(op->req, raw, text, errors));
        body_raw = raw;
    }
    merge(dto, bind_dto(op->req, params, 1, errors));
    if (json_array_size(errors)) {
        char msg[300];
        snprintf(msg, sizeof msg, "Unable to bind to request '%s'", op->name);
        encode_error(out, fmt, 400, "SerializationException", msg, errors);
    }
    int refused = json_array_size(errors) || unapplied_filter(op, r->query, body_raw, dto, out, fmt);
    json_decref(errors);
    json_decref(body_raw);
    if (refused) {
        json_decref(dto);
        principal_free(&who);
        return;
    }

    call_t c = {.op = op, .who = &who, .st = st, .req = dto, .status = 200, .session_in = r->session_id,
                .client = r->client, .idempotency_key = r->idempotency_key && *r->idempotency_key ? r->idempotency_key : NULL,
                .if_match = r->if_match && *r->if_match ? r->if_match : NULL,
                .wire = fmt == FMT_JSON || fmt == FMT_JSV ? (int)fmt + 1 : 0,
                .wire_flags = (who.roles & ROLE_SA) ? W_SECRETS : 0};
    int rc;
    store_audit_t audit;
    char audit_name[256];
    if (op->flags & (OP_WRITE | OP_OWN_TXN)) /* a read transaction changes nothing */
        audit_begin(&c, &audit, audit_name, sizeof audit_name);
    /* a write's answer may wait for its commit in the server rather than in this thread
     * (not a JSONP one: its failure could not be wrapped) */
    http_later_t *later = r->can_defer && (op->flags & (OP_WRITE | OP_OWN_TXN)) == OP_WRITE &&
                                  !json_object_get(r->query, "callback")
                              ? calloc(1, sizeof *later)
                              : NULL;
    int deferred = 0, optimistic = opt_try(op);
    const call_t fresh = c; /* what a run again starts from */
    for (int attempt = 0;; attempt++) {
        if (op->flags & OP_OWN_TXN) { /* it calls the carrier between its own transactions */
            rc = op->handler(&c) ? -1 : ST_OK;
            break;
        }
        rc = optimistic ? store_begin_optimistic(st) : store_begin(st, op->flags & OP_WRITE);
        if (rc == ST_OK) {
            /* If-Match is checked in the transaction that writes, so nothing comes between
             * the check and the write; the handler still runs, so that a caller who may
             * not see the entity hears 403 or 404 rather than that it changed */
            int stale = precondition_failed(&c);
            int failed = op->handler(&c) || stale;
            if (optimistic && store_must_retry(st)) { /* whatever it answered, it read what cannot be checked */
                store_rollback(st);
                opt_back_off(op, OPT_REFUSED);
                rc = ST_RETRY;
            } else if (failed) { /* an optimistic one's refusal is the snapshot's: as good as the writer's */
                rc = -1;
            } else if (optimistic && (rc = store_apply(st))) { /* rolled back */
                if (rc == ST_RETRY)
                    opt_back_off(op, OPT_STALE);
            } else if (later) { /* answered below, sent once durable (http_later_end) */
                later->fmt = fmt;
                store_commit_then(st, later_done, later);
                deferred = 1;
                rc = ST_OK;
            } else {
                rc = store_commit(st);
            }
            if (rc == -1)
                store_rollback(st);
            if (rc == -1 && stale && !c.err_code)
                stale < 0 ? fail_store(&c, store_errcode(st), "precondition") : fail_precondition(&c);
        }
        if (rc == ST_RETRY) { /* again, in the writer, from the start */
            optimistic = 0;
            attempt--;
        } else if (rc != ST_BUSY || attempt >= 3) {
            break;
        }
        json_decref(c.resp); /* start again from nothing: what was read is stale */
        json_decref(c.memo);
        json_decref(c.err_fields);
        c = fresh;
    }
    audit_end(&c);
    if (rc > 0 && !c.err_code)
        fail_store(&c, rc, "transaction");
    if (c.err_code) {
        encode_error(out, fmt, c.status, c.err_code, c.err_msg, c.err_fields);
        if (c.retry_after_ms)
            http_resp_header(out, "Retry-After: %ld", throttle_seconds(c.retry_after_ms));
        if (c.err_code[0] == 'I' && c.status == 500)
            fprintf(stderr, "evovoiced: %s: %s\n", op->name, c.err_msg);
    } else {
        out->status = c.status;
        if (c.resp && entity_etag(r, out, &c, fmt, who.roles & ROLE_SA)) {
            out->status = 304; /* the client holds this version in this format: no body */
        } else if (c.resp) {
            out->content_type = fmt_types[fmt];
            write_dto(&out->body, fmt, op->resp, c.resp, c.wire_flags);
        } else if (out->status == 200) {
            out->status = 204;
        }
        session_cookies(r, out, &c);
    }
    if (deferred) {
        out->later = later;
        if (http_later_ready(later)) /* its batch is over already: no need to hold it */
            http_later_end(out);
    } else {
        free(later);
    }
    json_decref(c.resp);
    json_decref(c.err_fields);
    json_decref(c.memo);
    json_decref(dto);
    principal_free(&who);
}

/* 5. the Accept header in the server's order of preference (q-values are not used);
 * text/html has no format of its own here and gets JSON; "any" (star/star) means the
 * request's own Content-Type when it is one of ours (not a form).  -1: no preference. */
static int fmt_of_accept(const char *accept, const char *content_type)
{
    if (!accept)
        return -1;
    if (strcasestr(accept, "application/json") || strcasestr(accept, "text/html"))
        return FMT_JSON;
    if (strcasestr(accept, "application/xml") || strcasestr(accept, "text/xml"))
        return FMT_XML;
    if (strcasestr(accept, "application/jsv") || strcasestr(accept, "text/jsv"))
        return FMT_JSV;
    if (strcasestr(accept, "text/csv"))
        return FMT_CSV;
    if (strstr(accept, "*/*"))
        return fmt_of_type(content_type);
    return -1;
}

/* 1. ?callback=NAME: JSONP; characters outside [A-Za-z0-9._] become '_'. */
static int jsonp_name(const http_req_t *r, char *name, size_t n)
{
    const char *cb = json_string_value(json_object_get(r->query, "callback"));
    if (!cb || !*cb)
        return 0;
    snprintf(name, n, "%s", cb);
    for (char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_'))
            *p = '_';
    return 1;
}

/* NAME(<json>) as text/javascript; an error is sent with status 200 (its body still holds
 * the error), as a script tag cannot read a failed response. */
static void jsonp_wrap(http_resp_t *out, const char *name)
{
    if (out->status == 204 || out->status == 304)
        return;
    buf_t b = {0};
    buf_printf(&b, "%s(", name);
    if (out->body.len)
        buf_put(&b, out->body.p, out->body.len);
    buf_putc(&b, ')');
    buf_free(&out->body);
    out->body = b;
    out->content_type = "text/javascript";
    if (out->status >= 400)
        out->status = 200;
}

/* For load balancers, unauthenticated and cheap, telling nothing but up or not:
 * GET /health — the process answers; GET /ready — and its store does (a transaction
 * begun and ended; migrations are done once a store opens). */
static int probe(const http_req_t *r, http_resp_t *out)
{
    int health = !strcmp(r->path, "/health"), ready = !strcmp(r->path, "/ready");
    if (!health && !ready)
        return 0;
    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        encode_error(out, FMT_JSON, 405, "MethodNotAllowed", "This route does not allow that HTTP method", NULL);
        return 1;
    }
    if (ready) {
        store_t *st = thread_store();
        int rc = ST_BUSY;
        /* twice: a connection the database dropped while it sat idle shows it only at its
         * next statement, and is made again at the next begin */
        for (int attempt = 0; st && rc == ST_BUSY && attempt < 2; attempt++)
            if (!(rc = store_begin(st, 0))) { /* one statement: a transaction that runs none need not reach the database */
                store_count(st, C_USERS, "id", "");
                rc = store_commit(st);
            }
        if (rc) {
            encode_error(out, FMT_JSON, 503, "ServiceUnavailable", "The store is not available", NULL);
            return 1;
        }
    }
    out->status = 200;
    out->content_type = fmt_types[FMT_JSON];
    buf_puts(&out->body, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"up\"}");
    return 1;
}

/* A script's request (X-Requested-With) gets no WWW-Authenticate: the challenge would make
 * the browser ask for a password in its own dialog instead of letting the page answer. */
static void drop_challenge(http_resp_t *out)
{
    for (int i = 0; i < out->nheaders; i++)
        if (!strncasecmp(out->headers[i], "WWW-Authenticate:", 17)) {
            memmove(out->headers[i], out->headers[i + 1], sizeof out->headers[0] * (size_t)(out->nheaders - i - 1));
            out->nheaders--;
            i--;
        }
}

void dispatch(const http_req_t *r, http_resp_t *out)
{
    if (probe(r, out) || console_dispatch(r, out) || voice_webhook(r, out) || meta_dispatch(r, out))
        return;
    int fmt = -1;
    /* 1. ?callback= (JSONP) */
    char jsonp[256];
    int is_jsonp = jsonp_name(r, jsonp, sizeof jsonp);
    if (is_jsonp)
        fmt = FMT_JSON;
    /* 2. ?format= (the part before a '.') */
    const char *qf = json_string_value(json_object_get(r->query, "format"));
    if (qf && fmt < 0)
        fmt = fmt_by_name(qf, strcspn(qf, "."));
    /* 3. pre-defined routes /{fmt}/reply/{Op}; 4. a format suffix on the route */
    const op_t *op;
    json_t *params;
    int path_fmt;
    char allow[128];
    int rc = http_route_allow(r->method, r->path, &op, &params, &path_fmt, allow, sizeof allow);
    if (fmt < 0)
        fmt = path_fmt;
    /* 5. Accept; 6. JSON */
    if (fmt < 0)
        fmt = fmt_of_accept(r->accept, r->content_type);
    if (fmt < 0)
        fmt = FMT_JSON;
    if (rc == ROUTE_NO_OP)
        encode_error(out, (fmt_t)fmt, 405, "NotImplementedException", "The operation does not exist for this service", NULL);
    else if (rc == ROUTE_BAD_METHOD) {
        encode_error(out, (fmt_t)fmt, 405, "MethodNotAllowed", "This route does not allow that HTTP method", NULL);
        http_resp_header(out, "Allow: %s", allow);
    } else if (rc) {
        char msg[300];
        snprintf(msg, sizeof msg, "There is no such route: %.16s %.200s", r->method, r->path);
        encode_error(out, (fmt_t)fmt, 404, "NotFound", msg, NULL);
    }
    else if (r->can_offload && (op->flags & OP_OWN_TXN)) { /* it waits on the carrier or a hash: not here */
        out->offload = 1;
        json_decref(params);
        return;
    } else
        run(r, out, op, params, (fmt_t)fmt);
    json_decref(params);
    if (is_jsonp)
        jsonp_wrap(out, jsonp);
    if (r->requested_with && *r->requested_with)
        drop_challenge(out);
}
