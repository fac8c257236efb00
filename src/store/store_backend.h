/* store_backend.h — what a store back end provides: the table of its primitives, and
 * struct store, which every back end's own struct begins with (as sqlite3_vfs or curl's
 * TLS back ends do).  Handlers never include this: they call store.h, whose functions
 * (store.c) forward through st->ops.
 *
 * Each primitive does what its store.h namesake says.  Those that return a pointer or a
 * count also say how they ended in *rc: ST_OK (found, or nothing there: NULL, 0) or the
 * failure (ST_BUSY, ST_ERROR), with NULL or -1.  store.c keeps the bookkeeping common to
 * every back end (store_errcode, a failed transaction refusing to commit). */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H
#include "store.h"
#include "../util/buf.h"

struct store_ops {
    const char *name;
    store_t *(*open)(const char *path, char *err, size_t errsz);
    void (*close)(store_t *st);
    const char *(*errmsg)(store_t *st);

    /* write: 0 read, 1 write, 2 an optimistic transaction's snapshot (only where
     * optimistic says so): a read transaction after which begin(st, 1) comes, ending it,
     * unless rollback ends it first */
    int (*begin)(store_t *st, int write);
    int (*commit)(store_t *st); /* a commit that fails leaves the transaction rolled back */
    /* store_commit_then's (NULL: commit, then done at once) */
    void (*commit_then)(store_t *st, void (*done)(void *arg, int rc), void *arg);
    void (*rollback)(store_t *st);

    json_t *(*get)(store_t *st, coll_t c, const char *id, int *rc);
    int (*put)(store_t *st, coll_t c, json_t *doc);
    /* put with doc's text already made (txt, len bytes: jtext's): doc is the store's own,
     * never changed after (kept as the text's parse); create: no row has doc's id, so it is
     * inserted without first trying to replace one.  Optional (NULL): no optimistic
     * transactions (store_begin_optimistic then takes the writer at once). */
    int (*put_text)(store_t *st, coll_t c, json_t *doc, const char *txt, size_t len, int create);
    /* Would a write transaction gain by running optimistically (other writers wait for
     * this one's writer)?  NULL: never. */
    int (*optimistic)(store_t *st);
    int (*del)(store_t *st, coll_t c, const char *id);
    json_t *(*get_field)(store_t *st, coll_t c, const char *id, const char *field, int *rc);
    long (*count)(store_t *st, coll_t c, const char *field, const char *value, int *rc);
    int (*list)(store_t *st, coll_t c, const query_t *q, json_t **items, long *total);
    json_t *(*path)(store_t *st, coll_t c, const char *id, int max_depth, int *rc);
    json_t *(*subtree)(store_t *st, coll_t c, json_t *root_ids, int *rc);
    /* optional: NULL asks path for each id (a back end in the process pays no round trip) */
    json_t *(*paths)(store_t *st, coll_t c, json_t *ids, int max_depth, int *rc);

    json_t *(*user_by_email)(store_t *st, const char *email, char **hash, int *rc);
    char *(*user_hash)(store_t *st, const char *user_id, int *rc);
    int (*set_password)(store_t *st, const char *user_id, const char *hash);
    unsigned long (*users_version)(store_t *st); /* STORE_VERSION_UNKNOWN when it cannot tell */
    /* The write generation (store_generation): 1 with *gen filled, or 0 when the back end
     * cannot vouch for one (NULL: never). */
    int (*generation)(store_t *st, unsigned long *gen);

    int (*session_put)(store_t *st, const char *sid, const char *user_id, long long expires_ms);
    char *(*session_user)(store_t *st, const char *sid, int *rc);
    int (*session_delete)(store_t *st, const char *sid);
    int (*session_delete_user)(store_t *st, const char *user_id);

    int (*presence)(store_t *st, unsigned long long id, int hold);
};

struct store {
    const struct store_ops *ops;
    /* kept by store.c, whatever the back end */
    int last;   /* the failure of the last call (ST_BUSY, ST_ERROR) or ST_OK */
    int in_txn; /* between a store_begin that worked and its commit or rollback */
    int failed; /* the first failure inside the open transaction */
    const store_audit_t *audit; /* the API call's context while it runs (store_audit), else NULL */
    json_t *audit_last; /* the open transaction's last audit entry (its indexed columns; its text
                         * in audit_text): a further change to the same entity joins it (a new
                         * login and its password are one entry) */
    char *audit_text;
    size_t audit_len;
    /* the versions of the documents the open (or last) transaction read or wrote one by
     * one, newest last, for store_version; emptied by store_begin.  doc: the document read
     * (NULL for one written): a write transaction's audit entry takes the old document
     * from here instead of reading it again, as nothing can change it under the writers'
     * lock but the transaction itself, whose own write is a newer entry */
    struct {
        coll_t c;
        char id[48];
        char ver[STORE_VER_LEN + 1];
        json_t *doc;
    } seen[8];
    int nseen;
    int gen_ok;        /* the open read transaction began at write generation gen */
    unsigned long gen;
    int writing; /* the open transaction is a write transaction */
    struct store_front *front; /* this connection's own recent parsed documents (store.c) */
    struct store_opt *opt;     /* the open optimistic transaction's reads and writes (store.c) */
};

extern const struct store_ops store_sqlite_ops, store_pg_ops;

/* A WHERE clause for q: " WHERE <always>", then each filter (or group of alternatives)
 * ANDed, the condition of filter f, whose parameter is number n, written by cond. */
int store_where(buf_t *b, const query_t *q, const char *always,
                int (*cond)(buf_t *b, const qfilter_t *f, int n, void *ctx), void *ctx);

/* A version no real one equals: a cache comparing it misses, which is safe. */
#define STORE_VERSION_UNKNOWN (~0UL)

/* The parsed document for the stored text txt of id in collection c, shared between
 * requests (read-only): parsing is a read's largest cost, so a parsed document is kept by
 * collection and id with a keyed hash and the length of its text, and a row whose text
 * changed in any way is parsed anew.  NULL when the text does not parse.  With st, the
 * text's version (store_text_version) is noted as read by st's transaction (store_seen):
 * a back end's read of one document by id passes its store, a list NULL (no cost). */
json_t *store_doc_shared(store_t *st, coll_t c, const char *id, const char *txt, size_t len);
/* A back end just stored doc as the text txt: a copy of doc is kept as its parse, so the
 * next read of it (the next request's, most often) parses nothing. */
void store_doc_written(store_t *st, coll_t c, const char *id, const char *txt, size_t len, json_t *doc);
/* store_doc_written for a doc that is the store's own already (never changed after): kept
 * itself, not a copy. */
void store_doc_kept(store_t *st, coll_t c, const char *id, const char *txt, size_t len, json_t *doc);
/* The version of a stored text: hex of a 128-bit hash of it, the same in every server. */
void store_text_version(const char *txt, size_t len, char ver[STORE_VER_LEN + 1]);
/* Note that st's transaction read or wrote document id of c at version ver. */
void store_seen(store_t *st, coll_t c, const char *id, const char *ver);

#endif
