/* http.h — a request as the dispatcher sees it, independent of the HTTP library, and
 * the response it produces.  server.c fills and sends these with libmicrohttpd. */
#ifndef HTTP_H
#define HTTP_H
#include <jansson.h>
#include <stddef.h>
#include "../util/buf.h"

typedef struct http_req {
    const char *method;
    const char *path;          /* URL-decoded path, no query */
    json_t *query;             /* {name: "value"}; repeated names joined with ',' */
    const char *body;
    size_t body_len;
    const char *content_type;
    const char *accept;
    const char *authorization;
    const char *session_id;    /* ss-id cookie or X-ss-id header */
    int session_cookie;        /* session_id came from the cookie (a browser sends it by itself) */
    const char *host;          /* Host header */
    const char *origin;        /* Origin header (browsers send it on writes) */
    const char *fetch_site;    /* Sec-Fetch-Site header (same-origin, same-site, cross-site, none) */
    const char *if_none_match; /* If-None-Match header */
    const char *if_match;      /* If-Match header */
    const char *requested_with; /* X-Requested-With header (the console sends it) */
    const char *accept_encoding; /* Accept-Encoding header */
    const char *idempotency_key; /* Idempotency-Key header */
    const char *twilio_signature; /* X-Twilio-Signature header (the carrier's webhooks) */
    const char *client;        /* the client's address (the proxy's X-Forwarded-For with trust_proxy) */
    int tls;                   /* came over HTTPS (X-Forwarded-Proto with trust_proxy) */
    int can_defer;             /* the server can hold the answer to a write until it is durable */
    int can_offload;           /* the server runs slow operations on threads of their own */
} http_req_t;

typedef struct http_later http_later_t;
typedef struct http_resp {
    int status;
    const char *content_type;
    buf_t body;
    char headers[8][512];      /* extra "Name: value" header lines */
    int nheaders;
    http_later_t *later;       /* set: the answer stands only once the write is durable (below) */
    int offload;               /* (r->can_offload) nothing done: an operation that waits on the
                                * carrier or a password hash (OP_OWN_TXN); dispatch the request
                                * again, without can_offload, on a thread that may wait */
} http_resp_t;

/* A write whose commit is still to come (r->can_defer, group commit): dispatch() leaves
 * its answer in out with out->later set, and the thread goes on to other requests.  The
 * server holds the answer back, then calls http_later_arm: 1 when the commit is already
 * over, else 0 and wake(arg) is called once, from another thread, when it is.  Then
 * http_later_end(out), which waits for the commit if it is not over yet: out is the answer
 * to send (an error when the commit failed), and out->later is gone.  http_later_ready: the commit is over and wake, if armed, has
 * returned (nothing needs holding, and the connection may be closed). */
int http_later_ready(http_later_t *l);
int http_later_arm(http_later_t *l, void (*wake)(void *arg), void *arg);
void http_later_end(http_resp_t *out);

typedef struct server_config {
    const char *db_path;
    size_t max_body;           /* bytes (default 1 MiB) */
    int trust_proxy;           /* believe X-Forwarded-For and X-Forwarded-Proto */
    int allow_query_credentials; /* accept passwords and tokens in a query string */
} server_config_t;
extern server_config_t server_config;

void dispatch(const http_req_t *r, http_resp_t *out);
/* The web console's files at /console (console.c), and "/" redirecting a browser there.
 * 1 when it answered. */
int console_dispatch(const http_req_t *r, http_resp_t *out);

/* Route a request's method and URL-decoded path (no query) to an operation.  The
 * pre-defined routes /api/{Op} and /{format}/reply/{Op} name it (any method); any other
 * path loses a format suffix on its last segment (/customers/ID.xml) and is matched
 * against the route templates, the one with the most literal segments winning.  *fmt is
 * the format the path names (FMT_*, -1: none).  ROUTE_OK: *op is the operation and
 * *params a new object of its path parameters {name: "value"} (empty for a pre-defined
 * route); otherwise *op and *params are NULL.  A parameter named ...Id matches an id
 * (24 lowercase hex) only, so /endpoints/duplicates is no endpoint's path. */
struct op;
enum {
    ROUTE_OK = 0,
    ROUTE_NO_OP = 1,          /* a pre-defined route naming no operation */
    ROUTE_NOT_FOUND = 404,    /* no route template matches */
    ROUTE_BAD_METHOD = 405,   /* templates match, none of them with that method */
};
int http_route(const char *method, const char *path, const struct op **op, json_t **params, int *fmt);
/* The same; with ROUTE_BAD_METHOD, allow (allown bytes) holds the methods the path does
 * take ("GET, PATCH"), for the Allow header. */
int http_route_allow(const char *method, const char *path, const struct op **op, json_t **params, int *fmt,
                     char *allow, size_t allown);
/* Percent-decode s in place, except %00: a NUL would cut the string short and let
 * "/accounts/ID%00junk" name account ID.  Returns the new length. */
size_t http_unescape(char *s);
/* Add one name=value pair of a query string or form to o: a repeated name joins its
 * values with ',' ("tagIds=a&tagIds=b" is "a,b"), a NULL value is "", and a name or value
 * that is not UTF-8 is dropped. */
void http_form_add(json_t *o, const char *name, const char *value);
/* An application/x-www-form-urlencoded body as {name: "value"}: pairs split at '&' and
 * the first '=', '+' read as a space, both sides http_unescape'd, added with
 * http_form_add.  (libmicrohttpd splits a query string the same way, then calls our
 * http_unescape and http_form_add.) */
json_t *http_parse_form(const char *s, size_t n);
void http_resp_header(http_resp_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dispatch_error(http_resp_t *out, int status, const char *code, const char *msg);
/* The calling thread's store connection (opened on first use). */
struct store *thread_store(void);
void close_thread_stores(void);

#endif
