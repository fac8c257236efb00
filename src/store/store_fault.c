/* store_fault.c — a store back end that forwards to another store and fails on purpose
 * from a chosen call on (store_fault.h), for the fault-injection tests. */
#include "store_fault.h"
#include <stdio.h>
#include <stdlib.h>
#include "store_backend.h"

typedef struct fault_store {
    struct store base;
    store_t *inner;
    long fail_at, calls;
    int once;
    int injected; /* the last call failed on purpose */
} fault_t;

static const struct store_ops fault_ops;

/* Count a call; 1 when it is to fail. */
static int fails(store_t *base)
{
    fault_t *f = (fault_t *)base;
    f->calls++;
    f->injected = f->fail_at > 0 && (f->once ? f->calls == f->fail_at : f->calls >= f->fail_at);
    return f->injected;
}

/* The same for a call that reports how it ended in *rc. */
static int fails_rc(store_t *base, int *rc)
{
    if (!fails(base))
        return 0;
    *rc = ST_ERROR;
    return 1;
}

static store_t *inner(store_t *base) { return ((fault_t *)base)->inner; }

store_t *store_fault_wrap(store_t *in, long fail_at)
{
    fault_t *f = calloc(1, sizeof *f);
    f->base.ops = &fault_ops;
    f->inner = in;
    f->fail_at = fail_at;
    return &f->base;
}

store_t *store_fault_unwrap(store_t *st)
{
    store_t *in = inner(st);
    free(st);
    return in;
}

void store_fault_once(store_t *st) { ((fault_t *)st)->once = 1; }
long store_fault_calls(store_t *st) { return ((fault_t *)st)->calls; }

static store_t *f_open(const char *path, char *err, size_t errsz)
{
    (void)path;
    snprintf(err, errsz, "the fault store wraps an open store: store_fault_wrap");
    return NULL;
}

static void f_close(store_t *st)
{
    store_close(inner(st));
    free(st);
}

static const char *f_errmsg(store_t *st)
{
    fault_t *f = (fault_t *)st;
    return f->injected ? "injected fault" : store_errmsg(f->inner);
}

static int f_begin(store_t *st, int write) { return fails(st) ? ST_ERROR : store_begin(inner(st), write); }

static int f_commit(store_t *st)
{
    if (fails(st)) {
        store_rollback(inner(st)); /* a commit that fails leaves nothing behind */
        return ST_ERROR;
    }
    return store_commit(inner(st));
}

static void f_rollback(store_t *st) { store_rollback(inner(st)); }

static json_t *f_get(store_t *st, coll_t c, const char *id, int *rc)
{
    if (fails_rc(st, rc))
        return NULL;
    json_t *d = store_get(inner(st), c, id);
    *rc = store_errcode(inner(st));
    return d;
}

static int f_put(store_t *st, coll_t c, json_t *doc) { return fails(st) ? ST_ERROR : store_put(inner(st), c, doc); }
static int f_del(store_t *st, coll_t c, const char *id)
{
    return fails(st) ? ST_ERROR : store_delete(inner(st), c, id);
}

static json_t *f_get_field(store_t *st, coll_t c, const char *id, const char *field, int *rc)
{
    if (fails_rc(st, rc))
        return NULL;
    json_t *v = store_get_field(inner(st), c, id, field);
    *rc = store_errcode(inner(st));
    return v;
}

static long f_count(store_t *st, coll_t c, const char *field, const char *value, int *rc)
{
    if (fails_rc(st, rc))
        return -1;
    long n = store_count(inner(st), c, field, value);
    *rc = store_errcode(inner(st));
    return n;
}

static int f_list(store_t *st, coll_t c, const query_t *q, json_t **items, long *total)
{
    *items = NULL;
    return fails(st) ? ST_ERROR : store_list(inner(st), c, q, items, total);
}

static json_t *f_path(store_t *st, coll_t c, const char *id, int max_depth, int *rc)
{
    if (fails_rc(st, rc))
        return NULL;
    json_t *p = store_path(inner(st), c, id, max_depth);
    *rc = store_errcode(inner(st));
    return p;
}

static json_t *f_subtree(store_t *st, coll_t c, json_t *root_ids, int *rc)
{
    if (fails_rc(st, rc))
        return NULL;
    json_t *ids = store_subtree(inner(st), c, root_ids);
    *rc = store_errcode(inner(st));
    return ids;
}

static json_t *f_user_by_email(store_t *st, const char *email, char **hash, int *rc)
{
    if (fails_rc(st, rc))
        return NULL;
    json_t *u = store_user_by_email(inner(st), email, hash);
    *rc = store_errcode(inner(st));
    return u;
}

static char *f_user_hash(store_t *st, const char *user_id, int *rc)
{
    if (fails_rc(st, rc))
        return NULL;
    char *h = store_user_hash(inner(st), user_id);
    *rc = store_errcode(inner(st));
    return h;
}

static int f_set_password(store_t *st, const char *user_id, const char *hash)
{
    return fails(st) ? ST_ERROR : store_set_password(inner(st), user_id, hash);
}

static unsigned long f_users_version(store_t *st) { return store_users_version(inner(st)); }

static int f_session_put(store_t *st, const char *sid, const char *user_id, long long expires_ms)
{
    return fails(st) ? ST_ERROR : store_session_put(inner(st), sid, user_id, expires_ms);
}

static char *f_session_user(store_t *st, const char *sid, int *rc)
{
    if (fails_rc(st, rc))
        return NULL;
    char *u = store_session_user(inner(st), sid);
    *rc = store_errcode(inner(st));
    return u;
}

static int f_session_delete(store_t *st, const char *sid)
{
    return fails(st) ? ST_ERROR : store_session_delete(inner(st), sid);
}

static int f_session_delete_user(store_t *st, const char *user_id)
{
    return fails(st) ? ST_ERROR : store_session_delete_user(inner(st), user_id);
}

static int f_presence(store_t *st, unsigned long long id, int hold)
{
    if (fails(st))
        return hold ? ST_ERROR : -ST_ERROR;
    return hold ? store_present_hold(inner(st), id) : store_present(inner(st), id);
}

static const struct store_ops fault_ops = {
    .name = "fault",
    .open = f_open,
    .close = f_close,
    .errmsg = f_errmsg,
    .begin = f_begin,
    .commit = f_commit,
    .rollback = f_rollback,
    .get = f_get,
    .put = f_put,
    .del = f_del,
    .get_field = f_get_field,
    .count = f_count,
    .list = f_list,
    .path = f_path,
    .subtree = f_subtree,
    .user_by_email = f_user_by_email,
    .user_hash = f_user_hash,
    .set_password = f_set_password,
    .users_version = f_users_version,
    .session_put = f_session_put,
    .session_user = f_session_user,
    .session_delete = f_session_delete,
    .session_delete_user = f_session_delete_user,
    .presence = f_presence,
};
