/* api.h — what a handler sees: the bound request DTO, the caller, the store, and a
 * place for the response DTO or an error.  No HTTP and no wire format in here. */
#ifndef API_H
#define API_H
#include <jansson.h>
#include "../auth/auth.h"
#include "../schema/dto.h"
#include "../store/store.h"

typedef struct call call_t;
typedef int (*handler_t)(call_t *c);

/* op flags */
enum {
    OP_ANON = 1 << 0,  /* no login needed */
    OP_WRITE = 1 << 1, /* runs in a write transaction */
    OP_OWN_TXN = 1 << 2, /* opens its own transactions (it calls the carrier between them) */
};

typedef struct op {
    const char *name;       /* operation (and request DTO) name */
    const char *verbs;      /* "GET", "GET,POST" */
    const char *routes[3];  /* route templates: "/customers/{customerId}" */
    unsigned roles;         /* ROLE_* allowed; 0 with OP_ANON: anyone; 0 otherwise: any login */
    int access;             /* ACCESS_READ/WRITE/DELETE a Manager needs */
    unsigned flags;
    const type_t *req, *resp;
    handler_t handler;
    const char *desc;
    /* A List operation (its request extends ListRequest): the request fields its handler
     * applies, by wire name ("accountIds nameFilter"), besides ListRequest's own (paging,
     * sort, specificIds: list.c).  The dispatcher refuses any other field given, and any
     * name that is no field of the request, with a 400 naming it: a filter is applied or
     * refused, never ignored. */
    const char *filters;
} op_t;

extern const op_t api_ops[];
extern const int api_nops;
const op_t *api_op_by_name(const char *name);

/* The entities an operation names by a path parameter ("/flows/{flowId}/copy"), and the
 * DTO that shows one: the dispatcher's ETag and If-Match know an entity by these. */
typedef struct entity_kind {
    const char *param; /* the path parameter (and request field) holding its id */
    coll_t coll;
    const type_t *info;
} entity_kind_t;
/* The entity the request req to op names: the first ...Id parameter of op's routes that
 * req gives (its id in *id), or NULL. */
const entity_kind_t *api_op_entity(const op_t *op, json_t *req, const char **id);
/* The entity a route template names by a path parameter ("/flows/{flowId}/copy"), or NULL. */
const entity_kind_t *api_route_entity(const char *route);
/* The entity whose DTO is t, or NULL. */
const entity_kind_t *api_entity_of_type(const type_t *t);

struct call {
    const op_t *op;
    principal_t *who;       /* the caller; who->user NULL when anonymous */
    store_t *st;
    json_t *req;            /* bound request DTO */
    json_t *resp;           /* response DTO (type op->resp), set by the handler */
    int status;             /* 200 unless the handler says otherwise */
    /* error */
    const char *err_code;
    char err_msg[512];
    json_t *err_fields;     /* [{errorCode, fieldName, message}] */
    /* session effects, carried out by the transport */
    const char *session_in; /* the session id the request came with */
    const char *idempotency_key; /* the request's Idempotency-Key, or NULL */
    const char *client;     /* the caller's address, for throttling failed sign-ins */
    long retry_after_ms;    /* with a 429: how long the client should wait */
    char session_out[64];   /* a new session to hand to the client */
    int session_remember;
    int session_end;
    json_t *memo;           /* documents already read in this call, by "coll:id" */
    const char *if_match;   /* the request's If-Match, or NULL */
    /* How the response will be written, for the render cache (render.c): its format
     * (fmt_t) + 1 when the cache may serve that format, else 0; and the writer's flags. */
    int wire;
    unsigned wire_flags;
};

/* Errors: each returns -1 so a handler can `return fail(...)`. */
int fail(call_t *c, int status, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int fail_field(call_t *c, const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The store's answer rc (not ST_OK) as the call's: 404, 409, 503 or 500.  A store
 * failure in the call's open transaction also takes the place of any fail() or
 * fail_field() that follows it: the handler may have read that NULL or -1 as absence. */
int fail_store(call_t *c, int rc, const char *what);
/* 429: too many failed sign-ins; try again after wait_ms. */
int fail_throttled(call_t *c, long wait_ms);
/* A refusal while something refers to id: 0 when no document of coll has field = id,
 * else fail()s 409 with why, or the store's failure to count. */
int refuse_if_any(call_t *c, coll_t coll, const char *field, const char *id, const char *why);
/* The end of a handler that stored doc (rc: the store's result): the store error, or
 * present(c, doc) as the response.  Takes the reference to doc. */
int respond_stored(call_t *c, int rc, json_t *doc, json_t *(*present)(call_t *, json_t *), const char *what);

/* An entity's tag (ETag without the quotes) for version ver (store_version) written in a
 * format (fmt: "json", "xml", ...), full: with the secrets a SystemAdministrator sees. */
void entity_tag(char *out, size_t n, const char *ver, const char *fmt, int full);
/* Does the If-Match or If-None-Match list (a header's value) name version ver, or "*"?
 * any_format: compare the version only (If-Match: has the entity changed?); else the
 * whole tag (If-None-Match: is this the representation the client holds?). */
int tag_listed(const char *list, const char *tag, int any_format);
/* If-Match for the entity the call names, inside its transaction: 0 when it holds (or
 * the request has no If-Match, or names no entity), 1 when the entity changed (or is
 * gone), -1 when the store failed.  A handler that opens its own transactions calls it
 * in each; the dispatcher does it for every other operation. */
int precondition_failed(call_t *c);
/* 412 Precondition Failed for the entity the call names. */
int fail_precondition(call_t *c);
/* For a handler with its own transactions, in each (after its reach check): 0 when
 * If-Match holds, else fail()s 412 (or the store's failure) and -1. */
int hold_precondition(call_t *c);

/* Request field access (canonical camelCase keys). */
const char *req_str(call_t *c, const char *key);       /* NULL when absent */
json_t *req_get(call_t *c, const char *key);

/* Shared entity helpers (entity.c) */
void entity_stamp_new(call_t *c, json_t *doc);  /* id, dates, createdBy, lastModifiedBy */
void entity_stamp_mod(call_t *c, json_t *doc);
/* PATCH: copy each present request field named in keys into doc ("" clears a string). */
void patch_fields(call_t *c, json_t *doc, const char *const *keys);

/* The per-call memo of things read once per request: memo_get gives the value kept
 * under key (borrowed; JSON null for "known to be missing"), or NULL when nothing is kept
 * yet; memo_put keeps v (stolen; NULL keeps JSON null) and gives it back borrowed. */
json_t *memo_get(call_t *c, const char *key);
json_t *memo_put(call_t *c, const char *key, json_t *v);

/* A document read once per call (memoised); borrowed reference, NULL if missing. */
json_t *call_get(call_t *c, coll_t coll, const char *id);
/* The name of an account (memoised per call), read from its column; borrowed, or NULL. */
json_t *account_name(call_t *c, const char *account_id);

/* Reach (access.c): 0 when the caller may act on the thing, else fail()s 403/404 and -1.
 * reach() is the one mechanism: the document (404 when missing), then can() (403). */
int reach(call_t *c, coll_t coll, const char *id, const char *noun, int (*can)(call_t *, json_t *), json_t **out);
int reach_account(call_t *c, const char *account_id, json_t **account_out);
int reach_customer(call_t *c, const char *customer_id, json_t **customer_out);
int can_reach_account(call_t *c, json_t *account);
/* An operation on a whole account (accountId required, reached, and by a SystemAdministrator
 * or Manager: Customer logins act on their customers): 0, or 400/403/404 and -1.  what
 * completes "Customer logins cannot ...". */
int reach_account_level(call_t *c, const char *account_id, const char *what);
int can_reach_customer(call_t *c, json_t *customer);
/* Accounts a Manager (or Customer, through its customers) may see; NULL = all (SA). */
json_t *reach_account_ids(call_t *c);
/* Customer ids a Customer-role caller reaches (its customerIds and their descendants). */
json_t *reach_customer_ids(call_t *c);

/* Flows an endpoint names belong to its account (endpoints.c): 0, or 400/403. */
int check_endpoint_flows(call_t *c, const char *account, json_t *flow_id, json_t *scheduled);

/* The account's numbers, stored and being bought (numbers.c); -1 when the store failed. */
long count_numbers(call_t *c, const char *account);
/* A login's password: 8 to 1024 characters (users.c); 0, or a 400 naming field. */
int check_password(call_t *c, const char *pw, const char *field);

/* BreadcrumbInfo entries from store_path's [id, name] pairs (taken); customers.c. */
json_t *breadcrumb_entries(json_t *pairs);

/* Lists (list.c): apply ListRequest paging/sort to q, run it, and build the response. */
int list_run(call_t *c, coll_t coll, const type_t *item, query_t *q, json_t *(*present)(call_t *, json_t *));
/* list_run for a present() whose result depends on the stored data alone (not on the
 * request or the caller), so that each item's wire form may come from the render cache;
 * prepare(c, rows), when not NULL, is called once on the page's documents before any is
 * presented, to read what the items need for the whole page at once (not when the render
 * cache serves them). */
int list_run_cached(call_t *c, coll_t coll, const type_t *item, query_t *q, void (*prepare)(call_t *, json_t *),
                    json_t *(*present)(call_t *, json_t *));

/* The render cache (render.c): present(c, doc), or the wire form of it (as type t, in the
 * call's format) kept from an earlier read of the same document in the same write
 * generation, as an object the writers write as it stands (CODEC_WIRE) beside doc's id.
 * present must depend on the stored data alone.  Only reads use it; it decides nothing
 * about who may see doc. */
json_t *render_present(call_t *c, coll_t coll, const type_t *t, json_t *doc, json_t *(*present)(call_t *, json_t *));
/* Filter on map[field] (a Struct Value: map is "data" or "flowParams") equal to value,
 * whichever kind of value it is; -1 when q has no room.  list_free_data_filters frees
 * what these filters own. */
int list_data_filter(query_t *q, const char *map, const char *field, const char *value);
void list_free_data_filters(query_t *q);
/* A date filter of a list (sessions.c): field >= the start of request member key (upper 0),
 * or < the end of it (upper 1: a date's next midnight, a time's next millisecond); the
 * value it makes goes to owned[(*no)++].  0, or 400 naming name and -1. */
int list_date_filter(call_t *c, query_t *q, json_t **owned, int *no, const char *key, const char *name,
                     const char *field, int upper);
/* The audit context of a call (log.c): set on c->st for a signed-in caller, so every
 * change the call makes is logged (store_audit); audit_end clears it. */
void audit_begin(call_t *c, store_audit_t *ctx, char *name, size_t namesz);
void audit_end(call_t *c);
/* A user's name as lists show it (log.c): "First Last", or the e-mail when it has none;
 * written into out and returned. */
const char *user_display_name(json_t *user, char *out, size_t outsz);

#endif
