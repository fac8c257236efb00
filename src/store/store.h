/* store.h — the storage interface: collections of JSON documents with a few indexed
 * columns, transactions, users' credentials and sessions.  It knows SQL and nothing of
 * HTTP or formats.  One store_t is one connection; use it from one thread at a time.
 * Back ends: SQLite (store_sqlite.c). */
#ifndef STORE_H
#define STORE_H
#include <jansson.h>

typedef enum {
    C_ACCOUNTS, C_CUSTOMERS, C_ENDPOINTS, C_USERS, C_SETTINGS,
    C_PURCHASES,   /* numbers being bought: reserved before the carrier call, until stored */
    C_IDEMPOTENCY, /* Idempotency-Key -> the first answer */
    C_JOBS,        /* carrier routing updates still to apply, one per endpoint */
    C__COUNT
} coll_t;

enum { ST_OK = 0, ST_NOTFOUND = 1, ST_CONFLICT = 2, ST_BUSY = 3, ST_ERROR = 4 };

typedef struct store store_t;

/* Open (creating and migrating as needed).  NULL with a message in err on failure. */
store_t *store_open(const char *path, char *err, size_t errsz);
void store_close(store_t *st);
const char *store_errmsg(store_t *st);

int store_begin(store_t *st, int write); /* write: BEGIN IMMEDIATE */
/* Grows after every committed change to users (documents, passwords); caches of users
 * compare it. */
unsigned long store_users_version(void);
int store_commit(store_t *st);
void store_rollback(store_t *st);

/* Documents.  A document is a DTO object with an "id" key; the store keeps the
 * collection's indexed fields (accountId, parentId, name, ...) in columns.
 * Documents that store_get and store_list return may be shared with other requests:
 * they are read-only.  To change one, change a copy (json_copy) and store_put it. */
json_t *store_get(store_t *st, coll_t c, const char *id);      /* new ref or NULL */
int store_put(store_t *st, coll_t c, json_t *doc);              /* insert or replace */
int store_delete(store_t *st, coll_t c, const char *id);
/* One field of a document (a column when the collection indexes it), without reading
 * the document: a new reference, or NULL when there is no such document. */
json_t *store_get_field(store_t *st, coll_t c, const char *id, const char *field);
long store_count(store_t *st, coll_t c, const char *field, const char *value);

/* Queries over one collection. */
typedef enum {
    Q_IN,       /* field IN values (array of strings) */
    Q_CONTAINS, /* field contains values[0] as a substring, case-insensitively */
    Q_HAS_ALL,  /* list field holds every one of values */
    Q_EQ,       /* field = values[0] (a JSON scalar) */
    Q_HAS_ANY,  /* list field holds at least one of values */
    Q_LACKS,    /* list field does not hold values[0] */
    Q_LE,       /* field <= values[0] */
    Q_DATA_EQ,  /* data[field] (a Struct Value) equals values[0]: string, number or boolean */
    Q_WITHIN    /* list field is not empty and every one of its elements is among values */
} qop_t;
typedef struct {
    const char *field; /* camelCase field name (letters and digits only) */
    qop_t op;
    json_t *values;
} qfilter_t;
typedef struct {
    qfilter_t f[16];
    int nf;
    const char *sort;  /* field name; NULL: the collection's default */
    int desc;
    long offset, limit; /* limit < 0: no limit */
    int count;          /* also compute the total */
} query_t;
int store_list(store_t *st, coll_t c, const query_t *q, json_t **items, long *total);

/* Root-first [{id, name}] from the top of id's tree down to id itself (empty if id is
 * missing); at most max_depth entries. */
json_t *store_path(store_t *st, coll_t c, const char *id, int max_depth);

/* Ids of the given roots and all their descendants (by parentCustomerId/parentAccountId). */
json_t *store_subtree(store_t *st, coll_t c, json_t *root_ids);

/* Users: the password hash lives beside the document, never in it. */
json_t *store_user_by_email(store_t *st, const char *email, char **hash);
char *store_user_hash(store_t *st, const char *user_id);
int store_set_password(store_t *st, const char *user_id, const char *hash);

/* Sessions */
int store_session_put(store_t *st, const char *sid, const char *user_id, long long expires_ms);
char *store_session_user(store_t *st, const char *sid); /* user id, or NULL */
int store_session_delete(store_t *st, const char *sid);
int store_session_delete_user(store_t *st, const char *user_id);

#endif
