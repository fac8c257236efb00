/* store.c — store.h's functions: choose a back end by the path, then forward every call
 * through st->ops, keeping what is the same for every back end: the failure of the last
 * call (store_errcode) and the rule that a transaction in which a call failed cannot
 * commit. */
#include "store_backend.h"
#include <ctype.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../util/ids.h"
#include "../util/hash.h"
#include "../util/jtext.h"

store_config_t store_config;

/* Back ends by how the path begins; the first match wins, "" matches anything.  A
 * scheme known but not built in (ops NULL) is refused, not taken for a file name. */
static const struct {
    const char *prefix;
    const struct store_ops *ops;
} backends[] = {
    {"postgresql://", &store_pg_ops},
    {"postgres://", &store_pg_ops},
    {"", &store_sqlite_ops},
};

store_t *store_open(const char *path, char *err, size_t errsz)
{
    for (size_t i = 0; i < sizeof backends / sizeof *backends; i++) {
        if (strncmp(path, backends[i].prefix, strlen(backends[i].prefix)))
            continue;
        if (!backends[i].ops) {
            snprintf(err, errsz, "cannot open %s: this build has no %.*s back end", path,
                     (int)strcspn(backends[i].prefix, ":"), backends[i].prefix);
            return NULL;
        }
        return backends[i].ops->open(path, err, errsz);
    }
    snprintf(err, errsz, "cannot open %s: no back end for it", path);
    return NULL;
}

int store_remote(const store_t *st) { return st->ops == &store_pg_ops; }

static void front_free(store_t *st);
static void opt_clear(store_t *st);
static int opt_on(store_t *st);

static void forget_seen(store_t *st)
{
    for (int i = 0; i < st->nseen; i++)
        json_decref(st->seen[i].doc);
    st->nseen = 0;
}

/* A transaction is over (or none was open): nothing of it stays but what it read. */
static void txn_ended(store_t *st)
{
    st->in_txn = 0;
    st->failed = ST_OK;
    json_decref(st->audit_last);
    st->audit_last = NULL;
    free(st->audit_text);
    st->audit_text = NULL;
    opt_clear(st);
}

void store_close(store_t *st)
{
    if (!st)
        return;
    txn_ended(st);
    forget_seen(st);
    front_free(st);
    free(st->opt);
    st->ops->close(st);
}

const char *store_errmsg(store_t *st) { return st->ops->errmsg(st); }

int store_errcode(store_t *st) { return st->last; }
int store_failed(store_t *st) { return st->in_txn ? st->failed : ST_OK; }

/* Every call ends here: remember a failure, for store_errcode and for the commit. */
static int note(store_t *st, int rc)
{
    int failure = rc == ST_BUSY || rc == ST_ERROR ? rc : ST_OK;
    st->last = failure;
    if (failure && st->in_txn && !st->failed)
        st->failed = failure;
    return rc;
}

/* mode: the back end's begin's (0 read, 1 write, 2 an optimistic transaction's snapshot) */
static int begin_as(store_t *st, int mode)
{
    txn_ended(st);
    forget_seen(st);
    st->gen_ok = !mode && st->ops->generation && st->ops->generation(st, &st->gen);
    int rc = note(st, st->ops->begin(st, mode));
    st->in_txn = rc == ST_OK;
    st->gen_ok = st->gen_ok && st->in_txn;
    st->failed = ST_OK;
    st->writing = mode == 1 && rc == ST_OK;
    return rc;
}

int store_begin(store_t *st, int write) { return begin_as(st, write ? 1 : 0); }

int store_commit(store_t *st)
{
    int rc = store_apply(st);
    if (rc)
        return rc; /* rolled back */
    rc = st->failed;
    if (rc)
        st->ops->rollback(st);
    else
        rc = st->ops->commit(st);
    txn_ended(st);
    return note(st, rc);
}

void store_commit_then(store_t *st, void (*done)(void *arg, int rc), void *arg)
{
    int rc = store_apply(st);
    if (rc) {
        done(arg, rc);
        return;
    }
    if (st->failed || !st->ops->commit_then) {
        done(arg, store_commit(st));
        return;
    }
    st->ops->commit_then(st, done, arg);
    txn_ended(st);
    note(st, ST_OK); /* the commit's own result goes to done */
}

void store_rollback(store_t *st)
{
    st->ops->rollback(st);
    txn_ended(st);
}

void store_seen(store_t *st, coll_t c, const char *id, const char *ver)
{
    size_t n = id ? strlen(id) : sizeof st->seen[0].id;
    if (!st || n >= sizeof st->seen[0].id)
        return;
    int cap = (int)(sizeof st->seen / sizeof st->seen[0]);
    if (st->nseen == cap) { /* forget the oldest */
        json_decref(st->seen[0].doc);
        memmove(&st->seen[0], &st->seen[1], sizeof st->seen[0] * (size_t)(cap - 1));
        st->nseen--;
    }
    st->seen[st->nseen].c = c;
    memcpy(st->seen[st->nseen].id, id, n + 1);
    memcpy(st->seen[st->nseen].ver, ver, STORE_VER_LEN + 1);
    st->seen[st->nseen].doc = NULL;
    st->nseen++;
}

/* The latest of st's notes of id in c, or -1. */
static int seen_at(store_t *st, coll_t c, const char *id)
{
    for (int i = st->nseen - 1; id && i >= 0; i--)
        if (st->seen[i].c == c && !strcmp(st->seen[i].id, id))
            return i;
    return -1;
}

int store_version(store_t *st, coll_t c, const char *id, char ver[STORE_VER_LEN + 1])
{
    int i = seen_at(st, c, id);
    if (i >= 0)
        memcpy(ver, st->seen[i].ver, STORE_VER_LEN + 1);
    return i >= 0;
}

/* SipHash-128 with a key every server shares (the version must be the same on each), so
 * a version costs about what the document cache's keyed hash does: a fraction of a
 * microsecond for a kilobyte.  It need not resist a client choosing texts: two versions
 * of one document that collided would only let its own tenant's stale tag pass. */
void store_text_version(const char *txt, size_t len, char ver[STORE_VER_LEN + 1])
{
    static const unsigned char key[crypto_shorthash_siphashx24_KEYBYTES] = "evovoiced-etag-1";
    unsigned char h[crypto_shorthash_siphashx24_BYTES];
    crypto_shorthash_siphashx24(h, (const unsigned char *)txt, len, key);
    sodium_bin2hex(ver, STORE_VER_LEN + 1, h, sizeof h);
}

int store_generation(store_t *st, unsigned long *gen)
{
    if (!st->in_txn || !st->gen_ok || opt_on(st)) /* what an optimistic one uses must be read */
        return 0;
    *gen = st->gen;
    return 1;
}

unsigned long store_users_version(store_t *st) { return st->ops->users_version(st); }

/* ---- optimistic write transactions (store_begin_optimistic) ----
 * What such a transaction read by id (with the version it read, "" for missing) and what
 * it will write, in memory until store_apply.  Bounded: a transaction that reads or writes
 * more is run again in the writer (store_must_retry). */
enum { OPT_READS = 64, OPT_WRITES = 32, OPT_ID = 48 };
typedef struct {
    coll_t c;
    char id[OPT_ID];
    char ver[STORE_VER_LEN + 1];
} oread_t;
typedef struct {
    coll_t c;
    char id[OPT_ID];
    json_t *doc; /* the store's own, never changed after; NULL: deleted */
    char *txt;   /* doc's text, made here rather than under the writer */
    size_t len;
    int create;  /* no row had the id when it was read (checked by store_apply) */
} owrite_t;
struct store_opt {
    int on;    /* open and not applied yet */
    int retry; /* it read what cannot be checked, or outgrew its tables: run it again */
    oread_t reads[OPT_READS];
    owrite_t writes[OPT_WRITES];
    int nreads, nwrites;
};

static int opt_on(store_t *st) { return st->opt && st->opt->on; }

static void opt_clear(store_t *st)
{
    struct store_opt *o = st->opt;
    if (!o)
        return;
    for (int i = 0; i < o->nwrites; i++) {
        json_decref(o->writes[i].doc);
        free(o->writes[i].txt);
    }
    o->nreads = o->nwrites = o->on = o->retry = 0;
}

/* The open optimistic transaction met what it cannot check: it fails (and so cannot
 * commit) and is to run again in the writer. */
static int opt_refuse(store_t *st)
{
    st->opt->retry = 1;
    return note(st, ST_BUSY);
}

static int fits_id(const char *id) { return id && strlen(id) < OPT_ID; }

static owrite_t *opt_written(store_t *st, coll_t c, const char *id)
{
    struct store_opt *o = st->opt;
    for (int i = 0; id && i < o->nwrites; i++)
        if (o->writes[i].c == c && !strcmp(o->writes[i].id, id))
            return &o->writes[i];
    return NULL;
}

static oread_t *opt_read_of(store_t *st, coll_t c, const char *id)
{
    struct store_opt *o = st->opt;
    for (int i = 0; i < o->nreads; i++)
        if (o->reads[i].c == c && !strcmp(o->reads[i].id, id))
            return &o->reads[i];
    return NULL;
}

static int seen_at(store_t *st, coll_t c, const char *id);
static void unsee(store_t *st, coll_t c, const char *id);

/* The snapshot just gave doc (NULL: none) for id of c: noted with its version. */
static void opt_note_read(store_t *st, coll_t c, const char *id, json_t *doc)
{
    struct store_opt *o = st->opt;
    if (!id || opt_read_of(st, c, id))
        return; /* no id finds nothing anywhere; a snapshot answers the same each time */
    int i = doc ? seen_at(st, c, id) : -1;
    if (!fits_id(id) || o->nreads == OPT_READS || (doc && i < 0)) {
        opt_refuse(st);
        return;
    }
    oread_t *r = &o->reads[o->nreads++];
    r->c = c;
    strcpy(r->id, id);
    if (doc)
        memcpy(r->ver, st->seen[i].ver, sizeof r->ver);
    else
        r->ver[0] = 0;
}

/* Document id of c as the open transaction sees it: in an optimistic one its own write,
 * else the snapshot's (noted). */
static json_t *txn_get(store_t *st, coll_t c, const char *id, int *rc)
{
    *rc = ST_OK;
    if (opt_on(st)) {
        owrite_t *w = opt_written(st, c, id);
        if (w)
            return json_incref(w->doc);
    }
    json_t *d = st->ops->get(st, c, id, rc);
    if (opt_on(st) && *rc == ST_OK)
        opt_note_read(st, c, id, d);
    return d;
}

/* Write doc (NULL: delete id) in an optimistic transaction: noted, with its text made
 * now (or given: txt, len bytes, copied; doc then only needs the indexed columns), a later
 * write of the same document taking the earlier one's place. */
static int opt_write(store_t *st, coll_t c, const char *id, json_t *doc, int create, const char *txt, size_t len)
{
    struct store_opt *o = st->opt;
    owrite_t *w = opt_written(st, c, id);
    if (!fits_id(id) || (!w && o->nwrites == OPT_WRITES))
        return opt_refuse(st);
    if (w) {
        json_decref(w->doc);
        free(w->txt);
    } else {
        w = &o->writes[o->nwrites++];
        w->c = c;
        strcpy(w->id, id);
        w->create = create;
    }
    w->txt = NULL;
    w->len = 0;
    if (!doc) {
        w->doc = NULL;
        return ST_OK;
    }
    if (txt) { /* the store's own columns (an audit entry's) and its text */
        w->doc = json_incref(doc);
        if ((w->txt = malloc(len + 1))) {
            memcpy(w->txt, txt, len);
            w->txt[len] = 0;
            w->len = len;
        }
    } else { /* a caller's document: a copy, the text made of it */
        w->doc = json_deep_copy(doc);
        w->txt = w->doc ? jtext(w->doc, &w->len) : NULL;
    }
    if (!w->txt)
        return ST_ERROR;
    if (c != C_LOG) { /* its version, for store_version, as a write's */
        char ver[STORE_VER_LEN + 1];
        store_text_version(w->txt, w->len, ver);
        store_seen(st, c, id, ver);
    }
    return ST_OK;
}

/* The back end's put, or an optimistic transaction's note of it. */
static int txn_put(store_t *st, coll_t c, json_t *doc, int create)
{
    if (opt_on(st))
        return opt_write(st, c, json_string_value(json_object_get(doc, "id")), doc, create, NULL, 0);
    if (!create || !st->ops->put_text)
        return st->ops->put(st, c, doc);
    /* a creation: the back end inserts without first trying to replace */
    json_t *own = json_deep_copy(doc);
    size_t len;
    char *txt = own ? jtext(own, &len) : NULL;
    int rc = txt ? st->ops->put_text(st, c, own, txt, len, 1) : ST_ERROR;
    free(txt);
    json_decref(own);
    return rc;
}

/* A new document whose text is made already (txt, len bytes: the caller's still), doc
 * holding its id and indexed columns.  A back end without put_text is given the
 * document the text spells. */
static int txn_put_text(store_t *st, coll_t c, json_t *doc, const char *txt, size_t len)
{
    if (opt_on(st))
        return opt_write(st, c, json_string_value(json_object_get(doc, "id")), doc, 1, txt, len);
    if (st->ops->put_text)
        return st->ops->put_text(st, c, doc, txt, len, 1);
    json_t *whole = json_loadb(txt, len, 0, NULL);
    int rc = whole ? st->ops->put(st, c, whole) : ST_ERROR;
    json_decref(whole);
    return rc;
}

int store_begin_optimistic(store_t *st)
{
    if (!st->ops->put_text || !st->ops->optimistic || !st->ops->optimistic(st) ||
        (!st->opt && !(st->opt = calloc(1, sizeof *st->opt))))
        return store_begin(st, 1);
    int rc = begin_as(st, 2);
    st->opt->on = rc == ST_OK;
    return rc;
}

int store_must_retry(store_t *st) { return opt_on(st) && st->opt->retry; }

/* Is what the snapshot gave for r still what the writer sees? */
static int opt_still(store_t *st, const oread_t *r)
{
    int rc = ST_OK, i;
    json_t *d = st->ops->get(st, r->c, r->id, &rc);
    int same = rc == ST_OK && (d ? (i = seen_at(st, r->c, r->id)) >= 0 && !strcmp(st->seen[i].ver, r->ver) : !r->ver[0]);
    json_decref(d);
    return same;
}

int store_apply(store_t *st)
{
    if (!opt_on(st))
        return ST_OK;
    struct store_opt *o = st->opt;
    int rc = o->retry ? ST_RETRY : st->failed;
    if (rc) {
        store_rollback(st);
        return rc;
    }
    o->on = 0; /* from here on an ordinary write transaction */
    st->in_txn = st->gen_ok = 0;
    if ((rc = note(st, st->ops->begin(st, 1)))) { /* the snapshot ends first */
        txn_ended(st);
        return rc;
    }
    st->in_txn = st->writing = 1;
    for (int i = 0; i < o->nreads && !rc; i++)
        if (!opt_still(st, &o->reads[i]))
            rc = ST_RETRY;
    for (int i = 0; i < o->nwrites && !rc; i++) {
        owrite_t *w = &o->writes[i];
        rc = w->doc ? st->ops->put_text(st, w->c, w->doc, w->txt, w->len, w->create) : st->ops->del(st, w->c, w->id);
        if (!w->doc && rc == ST_OK)
            unsee(st, w->c, w->id);
    }
    if (rc) { /* changed since it was read, or refused (a unique value taken meanwhile): again, in the writer */
        st->ops->rollback(st);
        st->writing = 0;
        txn_ended(st);
        return ST_RETRY;
    }
    opt_clear(st);
    return ST_OK;
}

json_t *store_get(store_t *st, coll_t c, const char *id)
{
    int rc;
    json_t *d = txn_get(st, c, id, &rc);
    note(st, rc);
    return d;
}

/* ---- the audit log (store.h): one C_LOG entry per audited write ---- */

/* The entity type of each audited collection; NULL: bookkeeping, never logged. */
static const char *const entity_types[C__COUNT] = {
    [C_ACCOUNTS] = "Account", [C_CUSTOMERS] = "Customer", [C_ENDPOINTS] = "Endpoint", [C_USERS] = "User",
    [C_SETTINGS] = "SystemSettings", [C_FLOWS] = "Flow", [C_SESSIONS] = "Session", [C_FILES] = "File",
};

void store_audit(store_t *st, const store_audit_t *who) { st->audit = who; }

static const char *str_of(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* A value as the log shows it, as JSON text: "***" when masked, a string as itself,
 * anything else as its compact JSON in a string. */
static void put_shown(buf_t *b, json_t *v, int masked)
{
    if (masked) {
        buf_put(b, "\"***\"", 5);
    } else if (json_is_string(v)) {
        jtext_string(b, json_string_value(v), json_string_length(v), 0);
    } else {
        buf_t t = {0};
        jtext_put(&t, v);
        jtext_string(b, t.p ? t.p : "", t.len, 0);
        buf_free(&t);
    }
}

/* s as a JSON string, or null. */
static void put_str(buf_t *b, const char *s)
{
    if (s)
        jtext_string(b, s, strlen(s), 0);
    else
        buf_put(b, "null", 4);
}

/* A field's name in the log: key under prefix ("data.plan"), cut to fit out. */
static const char *field_name(char out[256], const char *prefix, const char *key)
{
    if (!*prefix)
        return key;
    snprintf(out, 256, "%s.%s", prefix, key);
    return out;
}

/* The changes of an entry, written as their text (what jtext would make of the objects):
 * b and how many are in it so far. */
typedef struct {
    buf_t b;
    int n;
} changes_t;

/* One change: {field, oldValue, newValue}, the values as shown; a value that was not there
 * (o or n NULL: the field added or removed) is left out rather than stored as null, which
 * every format writes the same way (a creation's entry, every field of it, is a sixth
 * smaller for it). */
static void change(changes_t *ch, const store_audit_t *a, const char *field, const char *key, json_t *o, json_t *n)
{
    int masked = a->masked && a->masked(key);
    if (ch->n++)
        buf_putc(&ch->b, ',');
    buf_put(&ch->b, "{\"field\":", 9);
    put_str(&ch->b, field);
    if (o) {
        buf_put(&ch->b, ",\"oldValue\":", 12);
        put_shown(&ch->b, o, masked);
    }
    if (n) {
        buf_put(&ch->b, ",\"newValue\":", 12);
        put_shown(&ch->b, n, masked);
    }
    buf_putc(&ch->b, '}');
}

/* The members of o and n that differ ("id" aside), under prefix; an object in both is
 * compared member by member when depth allows.  o may be NULL (n created), and then
 * every member of n is a change from nothing. */
static void diff(changes_t *ch, const store_audit_t *a, const char *prefix, json_t *o, json_t *n, int depth)
{
    const char *k;
    json_t *v;
    char field[256];
    json_object_foreach(o, k, v) {
        json_t *nv = json_object_get(n, k);
        if (!*prefix && !strcmp(k, "id"))
            continue;
        if (depth > 0 && json_is_object(v) && json_is_object(nv) && !(a->masked && a->masked(k)))
            diff(ch, a, field_name(field, prefix, k), v, nv, depth - 1);
        else if (!nv || !json_equal(v, nv))
            change(ch, a, field_name(field, prefix, k), k, v, nv);
    }
    json_object_foreach(n, k, v) {
        if ((o && json_object_get(o, k)) || (!*prefix && !strcmp(k, "id")))
            continue;
        change(ch, a, field_name(field, prefix, k), k, NULL, v);
    }
}

/* Every account a document names: an account itself, accountId, a user's accountIds. */
static void add_accounts(json_t *ids, coll_t c, json_t *doc)
{
    json_t *v = c == C_ACCOUNTS ? json_object_get(doc, "id")
                : c == C_USERS  ? json_object_get(doc, "accountIds")
                                : json_object_get(doc, "accountId");
    json_t *one[1] = {v}, *x;
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < n; i++) {
        x = json_is_array(v) ? json_array_get(v, i) : one[0];
        if (!json_is_string(x) || !json_string_length(x))
            continue;
        int seen = 0;
        for (size_t j = 0; j < json_array_size(ids) && !seen; j++)
            seen = json_equal(json_array_get(ids, j), x);
        if (!seen)
            json_array_append(ids, x);
    }
}

static char *log_id(char out[25])
{
    static atomic_uint seq;
    unsigned char r[4];
    rand_bytes(r, sizeof r);
    snprintf(out, 25, "%012llx%04x%02x%02x%02x%02x", (unsigned long long)now_ms() & 0xffffffffffffULL,
             atomic_fetch_add(&seq, 1) & 0xffff, r[0], r[1], r[2], r[3]);
    return out;
}

/* Write the entry whose columns are in cols as the text txt (len bytes), and keep both as
 * the transaction's last entry. */
static int log_put(store_t *st, json_t *cols, char *txt, size_t len)
{
    int rc = txn_put_text(st, C_LOG, cols, txt, len);
    if (cols != st->audit_last) {
        json_decref(st->audit_last);
        st->audit_last = json_incref(cols);
    }
    free(st->audit_text);
    st->audit_text = txt;
    st->audit_len = len;
    return rc == ST_CONFLICT ? ST_ERROR : rc;
}

/* The same entity again in this transaction (its last entry): one entry, each field from
 * its first old value to its last new one.  Rare (a new login and its password), so made
 * through parsed documents. */
static int audit_merge(store_t *st, const char *changes_text, size_t changes_len)
{
    json_t *prev = json_loadb(st->audit_text, st->audit_len, 0, NULL);
    json_t *changes = json_loadb(changes_text, changes_len, 0, NULL);
    json_t *into = json_object_get(prev, "changes"), *ch;
    int rc = ST_ERROR;
    if (json_is_array(into) && json_is_array(changes)) {
        size_t i, k;
        json_array_foreach(changes, i, ch) {
            json_t *same = NULL, *p;
            json_array_foreach(into, k, p) if (!strcmp(str_of(p, "field") ?: "", str_of(ch, "field") ?: "")) same = p;
            json_t *nv = json_object_get(ch, "newValue");
            if (same && nv)
                json_object_set(same, "newValue", nv);
            else if (same) /* removed since */
                json_object_del(same, "newValue");
            else
                json_array_append(into, ch);
        }
        size_t len;
        char *txt = jtext(prev, &len);
        rc = txt ? log_put(st, st->audit_last, txt, len) : ST_ERROR;
    }
    json_decref(prev);
    json_decref(changes);
    return rc;
}

/* The entry for entity id of c going from old to new (either NULL: created, deleted);
 * extra, when not NULL, is the change to log instead of a diff.  ST_OK when nothing
 * changed.  Its text is written here as jtext would spell the entry's document, without
 * making that document: only its indexed columns are one (the transaction's last entry,
 * for a later change of the same entity to join). */
static int audit_write(store_t *st, coll_t c, const char *id, json_t *old, json_t *new, json_t *extra)
{
    const store_audit_t *a = st->audit;
    changes_t ch = {{0}, 0};
    buf_grow(&ch.b, 1024);
    buf_putc(&ch.b, '[');
    size_t i;
    json_t *x;
    json_array_foreach(extra, i, x) {
        if (ch.n++)
            buf_putc(&ch.b, ',');
        jtext_put(&ch.b, x);
    }
    if (!extra)
        diff(&ch, a, "", old, new, 1);
    buf_putc(&ch.b, ']');
    int rc = ST_OK;
    json_t *last = st->audit_last;
    if (!extra && old && new && !ch.n) {
        /* nothing changed */
    } else if (last && st->audit_text && !strcmp(str_of(last, "entityType") ?: "", entity_types[c]) &&
               !strcmp(str_of(last, "entityId") ?: "", id)) {
        rc = audit_merge(st, ch.b.p, ch.b.len);
    } else {
        json_t *doc = new ? new : old, *accounts = json_array();
        add_accounts(accounts, c, old);
        add_accounts(accounts, c, new);
        const char *customer = c == C_CUSTOMERS ? id : str_of(doc, "customerId");
        customer = customer && *customer ? customer : NULL;
        json_t *account = json_array_get(accounts, 0);
        char lid[25], date[64];
        now_iso(date);
        log_id(lid);
        buf_t e = {0};
        buf_grow(&e, ch.b.len + 512);
        buf_put(&e, "{\"id\":", 6);
        put_str(&e, lid);
        buf_put(&e, ",\"date\":", 8);
        put_str(&e, date);
        buf_put(&e, ",\"userId\":", 10);
        put_str(&e, a->user_id);
        buf_put(&e, ",\"userName\":", 12);
        put_str(&e, a->user_name);
        buf_put(&e, ",\"operation\":", 13);
        put_str(&e, a->operation ? a->operation : "");
        buf_put(&e, ",\"entityType\":", 14);
        put_str(&e, entity_types[c]);
        buf_put(&e, ",\"entityId\":", 12);
        put_str(&e, id);
        buf_put(&e, ",\"accountId\":", 13);
        put_str(&e, json_string_value(account));
        buf_put(&e, ",\"customerId\":", 14);
        put_str(&e, customer);
        buf_put(&e, ",\"accountIds\":", 14);
        jtext_put(&e, accounts);
        buf_put(&e, ",\"changes\":", 11);
        buf_put(&e, ch.b.p, ch.b.len);
        buf_putc(&e, '}');
        json_t *cols = json_pack("{s:s,s:s,s:s,s:s,s:O?,s:s?}", "id", lid, "date", date, "entityType", entity_types[c],
                                 "entityId", id, "accountId", account, "customerId", customer);
        size_t len = e.len;
        rc = cols ? log_put(st, cols, buf_take(&e), len) : ST_ERROR;
        buf_free(&e);
        json_decref(cols);
        json_decref(accounts);
    }
    buf_free(&ch.b);
    return rc;
}

static int audited(store_t *st, coll_t c) { return st->audit && entity_types[c]; }

/* The document as stored now, for the entry of a change to it: ST_OK with *old NULL when
 * there is none. */
static int audit_old(store_t *st, coll_t c, const char *id, json_t **old)
{
    int i = st->writing || opt_on(st) ? seen_at(st, c, id) : -1;
    if (i >= 0 && (*old = json_incref(st->seen[i].doc)))
        return ST_OK; /* read by this transaction under the lock (or to be checked by
                       * store_apply): as stored now */
    int rc = ST_OK;
    *old = id ? txn_get(st, c, id, &rc) : NULL;
    return rc;
}

/* Write doc (create: no document has its id) and its audit entry, old being the document
 * it replaces (NULL: none). */
static int put_logged(store_t *st, coll_t c, json_t *doc, int create, json_t *old)
{
    const char *id = str_of(doc, "id");
    int rc = txn_put(st, c, doc, create);
    if (!rc && id && audited(st, c))
        rc = audit_write(st, c, id, old, doc, NULL);
    return rc;
}

int store_put(store_t *st, coll_t c, json_t *doc)
{
    if (!audited(st, c))
        return note(st, txn_put(st, c, doc, 0));
    json_t *old;
    int rc = audit_old(st, c, str_of(doc, "id"), &old);
    if (!rc)
        rc = put_logged(st, c, doc, !old, old);
    json_decref(old);
    return note(st, rc);
}

int store_put_new(store_t *st, coll_t c, json_t *doc) { return note(st, put_logged(st, c, doc, 1, NULL)); }

/* Forget the documents read of id (deleted, or its delete was tried). */
static void unsee(store_t *st, coll_t c, const char *id)
{
    for (int i = 0; id && i < st->nseen; i++)
        if (st->seen[i].c == c && !strcmp(st->seen[i].id, id)) {
            json_decref(st->seen[i].doc);
            st->seen[i].doc = NULL;
        }
}

/* store_delete in an optimistic transaction: what it deletes is read (and so checked),
 * for ST_NOTFOUND and the audit entry. */
static int opt_delete(store_t *st, coll_t c, const char *id)
{
    json_t *old;
    int rc = audit_old(st, c, id, &old);
    if (!rc && !old)
        rc = ST_NOTFOUND;
    if (!rc)
        rc = opt_write(st, c, id, NULL, 0, NULL, 0);
    if (!rc && audited(st, c))
        rc = audit_write(st, c, id, old, NULL, NULL);
    unsee(st, c, id);
    json_decref(old);
    return rc;
}

int store_delete(store_t *st, coll_t c, const char *id)
{
    if (opt_on(st))
        return note(st, opt_delete(st, c, id));
    if (!audited(st, c)) {
        unsee(st, c, id);
        return note(st, st->ops->del(st, c, id));
    }
    json_t *old;
    int rc = audit_old(st, c, id, &old);
    if (!rc)
        rc = st->ops->del(st, c, id);
    if (!rc)
        rc = audit_write(st, c, id, old, NULL, NULL);
    unsee(st, c, id);
    json_decref(old);
    return note(st, rc);
}

json_t *store_get_field(store_t *st, coll_t c, const char *id, const char *field)
{
    int rc = ST_OK;
    if (opt_on(st)) { /* the field as the snapshot has it, checked with its document */
        json_t *d = txn_get(st, c, id, &rc);
        json_t *v = json_object_get(d, field);
        /* a top-level text is itself, as every back end gives it; other values the back
         * end's way (a column, a JSON path's conversions), but only from the snapshot */
        if (json_is_string(v) && json_string_length(v)) {
            v = json_incref(v);
            json_decref(d);
            return v;
        }
        int own = d && opt_written(st, c, id);
        json_decref(d);
        if (rc || !d) {
            note(st, rc);
            return NULL;
        }
        if (own) { /* written by this transaction: the back end's field is the snapshot's */
            opt_refuse(st);
            return NULL;
        }
    }
    json_t *v = st->ops->get_field(st, c, id, field, &rc);
    note(st, rc);
    return v;
}

long store_count(store_t *st, coll_t c, const char *field, const char *value)
{
    if (opt_on(st)) {
        opt_refuse(st);
        return -1;
    }
    int rc = ST_OK;
    long n = st->ops->count(st, c, field, value, &rc);
    note(st, rc);
    return rc ? -1 : n;
}

/* ---- a list's total, kept within a write generation ----
 * A list's total (q->count) counts every row its filters match: for an account of 1000
 * customers that costs more than reading the page.  In a read transaction whose write
 * generation the back end vouches for (store_generation), a total counted for the same
 * collection and filters in the same generation is taken as it was: nothing has been
 * committed since.  A fixed table of COUNT_SLOTS totals, each keyed by its filters as
 * text of at most COUNT_KEY_MAX bytes (a longer key is not kept): at most 1 MiB. */
enum { COUNT_SLOTS = 256, COUNT_KEY_MAX = 4096 };
typedef struct {
    unsigned long gen;
    char *key;
    long total;
} cslot_t;
static cslot_t cslots[COUNT_SLOTS];
static pthread_mutex_t cslots_mu = PTHREAD_MUTEX_INITIALIZER;

/* The key of q's total: the collection and each filter (field, operator, group, values);
 * NULL when too long. */
static char *count_key(coll_t c, const query_t *q)
{
    buf_t b = {0};
    buf_printf(&b, "%d", (int)c);
    for (int i = 0; i < q->nf; i++) {
        buf_printf(&b, "\x1f%s\x1f%d\x1f%d\x1f", q->f[i].field, (int)q->f[i].op, q->f[i].any);
        if (q->f[i].values)
            jtext_put(&b, q->f[i].values);
    }
    if (b.len > COUNT_KEY_MAX) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

static cslot_t *count_slot(const char *key)
{
    return &cslots[fnv1a(FNV1A_START, key, strlen(key)) % COUNT_SLOTS];
}

int store_list(store_t *st, coll_t c, const query_t *q, json_t **items, long *total)
{
    *items = NULL;
    if (opt_on(st))
        return opt_refuse(st);
    unsigned long gen = 0;
    char *key = q->count && total && store_generation(st, &gen) ? count_key(c, q) : NULL;
    cslot_t *e = key ? count_slot(key) : NULL;
    int kept = 0;
    if (e) {
        pthread_mutex_lock(&cslots_mu);
        if ((kept = e->key && e->gen == gen && !strcmp(e->key, key)))
            *total = e->total;
        pthread_mutex_unlock(&cslots_mu);
    }
    query_t uncounted;
    if (kept) {
        uncounted = *q;
        uncounted.count = 0;
        q = &uncounted;
    }
    int rc = note(st, st->ops->list(st, c, q, items, total));
    if (rc) {
        json_decref(*items);
        *items = NULL;
    } else if (e && !kept) {
        pthread_mutex_lock(&cslots_mu);
        char *old = e->key;
        e->key = key;
        e->gen = gen;
        e->total = *total;
        key = old;
        pthread_mutex_unlock(&cslots_mu);
    }
    free(key);
    return rc;
}

/* The field naming a document's parent, in the collections that are trees. */
static const char *const parent_field[C__COUNT] = {[C_ACCOUNTS] = "parentAccountId",
                                                   [C_CUSTOMERS] = "parentCustomerId"};

/* store_path in an optimistic transaction: the documents read one by one, each checked by
 * store_apply, and the pairs made as the back ends make them from their columns. */
static json_t *opt_path(store_t *st, coll_t c, const char *id, int max_depth, int *rc)
{
    *rc = ST_OK;
    if (!parent_field[c]) {
        *rc = opt_refuse(st);
        return NULL;
    }
    json_t *out = json_array();
    char cur[OPT_ID];
    snprintf(cur, sizeof cur, "%s", id ? id : "");
    for (int depth = 0; *cur && depth < max_depth; depth++) {
        json_t *d = txn_get(st, c, cur, rc);
        if (*rc || !d)
            break;
        const char *name = str_of(d, "name"), *parent = str_of(d, parent_field[c]);
        json_array_insert_new(out, 0, json_pack("[s,s?]", cur, name && *name ? name : NULL));
        if (parent && strlen(parent) >= sizeof cur)
            *rc = opt_refuse(st);
        snprintf(cur, sizeof cur, "%s", parent ? parent : "");
        json_decref(d);
    }
    if (*rc) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *path_of(store_t *st, coll_t c, const char *id, int max_depth, int *rc)
{
    return opt_on(st) ? opt_path(st, c, id, max_depth, rc) : st->ops->path(st, c, id, max_depth, rc);
}

json_t *store_path(store_t *st, coll_t c, const char *id, int max_depth)
{
    int rc = ST_OK;
    json_t *p = path_of(st, c, id, max_depth, &rc);
    note(st, rc);
    if (rc || !p) {
        json_decref(p);
        p = json_array();
    }
    return p;
}

json_t *store_paths(store_t *st, coll_t c, json_t *ids, int max_depth)
{
    int rc = ST_OK;
    json_t *out = NULL, *id;
    size_t i;
    if (st->ops->paths && !opt_on(st)) {
        out = st->ops->paths(st, c, ids, max_depth, &rc);
    } else {
        out = json_object();
        json_array_foreach(ids, i, id)
        {
            json_t *p = json_is_string(id) ? path_of(st, c, json_string_value(id), max_depth, &rc) : NULL;
            if (rc) {
                json_decref(p);
                break;
            }
            if (p)
                json_object_set_new(out, json_string_value(id), p);
        }
    }
    note(st, rc);
    if (rc || !out) {
        json_decref(out);
        out = json_object();
    }
    return out;
}

json_t *store_subtree(store_t *st, coll_t c, json_t *root_ids)
{
    int rc = ST_OK;
    if (opt_on(st)) {
        opt_refuse(st);
        return json_array();
    }
    json_t *ids = st->ops->subtree(st, c, root_ids, &rc);
    note(st, rc);
    if (rc || !ids) { /* never NULL: to a caller that means "everything" */
        json_decref(ids);
        ids = json_array();
    }
    return ids;
}

json_t *store_user_by_email(store_t *st, const char *email, char **hash)
{
    int rc = ST_OK;
    if (opt_on(st)) {
        if (hash)
            *hash = NULL;
        opt_refuse(st);
        return NULL;
    }
    json_t *u = st->ops->user_by_email(st, email, hash, &rc);
    note(st, rc);
    return u;
}

char *store_user_hash(store_t *st, const char *user_id)
{
    int rc = ST_OK;
    if (opt_on(st)) {
        opt_refuse(st);
        return NULL;
    }
    char *h = st->ops->user_hash(st, user_id, &rc);
    note(st, rc);
    return h;
}

int store_set_password(store_t *st, const char *user_id, const char *hash)
{
    if (opt_on(st))
        return opt_refuse(st);
    int rc = st->ops->set_password(st, user_id, hash);
    if (!rc && audited(st, C_USERS)) { /* the hash is never shown: the change is that there is a new one */
        json_t *user = NULL, *ch = json_pack("[{s:s,s:s,s:s}]", "field", "password", "oldValue", "***", "newValue", "***");
        rc = audit_old(st, C_USERS, user_id, &user);
        if (!rc)
            rc = audit_write(st, C_USERS, user_id, user, user, ch);
        json_decref(user);
        json_decref(ch);
    }
    return note(st, rc);
}

/* Logins' sessions and presence are not documents an optimistic transaction can check. */
int store_session_put(store_t *st, const char *sid, const char *user_id, long long expires_ms)
{
    if (opt_on(st))
        return opt_refuse(st);
    return note(st, st->ops->session_put(st, sid, user_id, expires_ms));
}

char *store_session_user(store_t *st, const char *sid)
{
    int rc = ST_OK;
    if (opt_on(st)) {
        opt_refuse(st);
        return NULL;
    }
    char *u = st->ops->session_user(st, sid, &rc);
    note(st, rc);
    return u;
}

int store_session_delete(store_t *st, const char *sid)
{
    return opt_on(st) ? opt_refuse(st) : note(st, st->ops->session_delete(st, sid));
}

int store_session_delete_user(store_t *st, const char *user_id)
{
    return opt_on(st) ? opt_refuse(st) : note(st, st->ops->session_delete_user(st, user_id));
}

int store_present_hold(store_t *st, unsigned long long id)
{
    return opt_on(st) ? opt_refuse(st) : note(st, st->ops->presence(st, id, 1));
}

int store_present(store_t *st, unsigned long long id)
{
    if (opt_on(st))
        return -opt_refuse(st);
    int r = st->ops->presence(st, id, 0);
    note(st, r < 0 ? -r : ST_OK);
    return r;
}

int store_field_ok(const char *field)
{
    if (!field || !*field || *field == '.')
        return 0;
    for (const char *p = field; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || (*p == '.' && p[1] && p[1] != '.')))
            return 0;
    return 1;
}

/* Is filter i in a group an earlier filter opened (so it is written with that one)? */
static int grouped(const query_t *q, int i)
{
    for (int j = 0; q->f[i].any && j < i; j++)
        if (q->f[j].any == q->f[i].any)
            return 1;
    return 0;
}

int store_where(buf_t *b, const query_t *q, const char *always,
                int (*cond)(buf_t *b, const qfilter_t *f, int n, void *ctx), void *ctx)
{
    buf_printf(b, " WHERE %s", always);
    for (int i = 0; i < q->nf; i++) {
        if (grouped(q, i))
            continue; /* written with the first of its group */
        buf_puts(b, " AND (");
        for (int j = i; j < q->nf; j++) {
            if (j != i && (!q->f[i].any || q->f[j].any != q->f[i].any))
                continue;
            if (j != i)
                buf_puts(b, " OR ");
            if (cond(b, &q->f[j], j + 1, ctx))
                return -1;
            if (!q->f[i].any)
                break;
        }
        buf_putc(b, ')');
    }
    return 0;
}

/* ---- parsed documents, shared between requests ----
 * Found by collection and id (the slot by a keyed hash of the id: SipHash, random key, so
 * a client cannot steer ids into one slot) and kept with the very text they were parsed
 * from: a row whose text is not byte for byte that text is parsed anew, so nothing stale
 * is ever served (comparing the texts costs a tenth of hashing them).  Documents are
 * shared, hence read-only for every caller (store.h).  The table is fixed in size; each
 * connection has a small one of its own in front of it. */
enum { DOC_SLOTS = 8192, DOC_STRIPES = 64, DOC_ID_MAX = 48 };
typedef struct {
    coll_t coll;
    char id[DOC_ID_MAX];
    json_t *text; /* the text doc was parsed from (a JSON string, shared between tables) */
    json_t *doc;
} dslot_t;
static dslot_t dslots[DOC_SLOTS];
static pthread_mutex_t dlocks[DOC_STRIPES];
static unsigned char dkey[crypto_shorthash_KEYBYTES];
static pthread_once_t dkey_once = PTHREAD_ONCE_INIT;

static void doc_init(void)
{
    randombytes_buf(dkey, sizeof dkey);
    for (int i = 0; i < DOC_STRIPES; i++)
        pthread_mutex_init(&dlocks[i], NULL);
}

/* Does slot e hold the document of id in c parsed from the text txt (len bytes)? */
static int slot_holds(const dslot_t *e, coll_t c, const char *id, const char *txt, size_t len)
{
    return e->doc && e->coll == c && json_string_length(e->text) == len && !strcmp(e->id, id) &&
           !memcmp(json_string_value(e->text), txt, len);
}

/* Put doc, parsed from text, into slot e (each keeps a reference of its own); what it held
 * before, to release with slot_release. */
static dslot_t slot_set(dslot_t *e, coll_t c, const char *id, size_t idlen, json_t *text, json_t *doc)
{
    dslot_t old = *e;
    e->coll = c;
    memcpy(e->id, id, idlen + 1);
    e->text = json_incref(text);
    e->doc = json_incref(doc);
    return old;
}

static void slot_release(dslot_t old)
{
    json_decref(old.text);
    json_decref(old.doc);
}

/* Each connection (one per thread) keeps the documents it served lately in a small table
 * of its own in front of the shared one: a document read again and again (a hot customer,
 * its breadcrumb's ancestors) is found there without taking any lock another thread
 * holds.  Its entries are checked against the text just read exactly as the shared
 * table's are, so they are never stale either; they hold references to the same parsed
 * documents, so they cost little memory. */
enum { FRONT_SLOTS = 256 };
struct store_front {
    dslot_t e[FRONT_SLOTS];
};

static dslot_t *front_slot(store_t *st, size_t slot)
{
    if (!st)
        return NULL;
    if (!st->front && !(st->front = calloc(1, sizeof *st->front)))
        return NULL;
    return &st->front->e[slot % FRONT_SLOTS];
}

static void front_free(store_t *st)
{
    for (int i = 0; st->front && i < FRONT_SLOTS; i++)
        slot_release(st->front->e[i]);
    free(st->front);
    st->front = NULL;
}

/* Put doc (never changed after) in the tables as the parse of txt. */
static void doc_keep(store_t *st, coll_t c, const char *id, size_t idlen, const char *txt, size_t len, size_t slot,
                     json_t *doc)
{
    json_t *text = json_stringn_nocheck(txt, len);
    if (!text)
        return;
    pthread_mutex_t *mu = &dlocks[slot % DOC_STRIPES];
    pthread_mutex_lock(mu);
    dslot_t old = slot_set(&dslots[slot], c, id, idlen, text, doc);
    pthread_mutex_unlock(mu);
    slot_release(old);
    dslot_t *mine = front_slot(st, slot);
    if (mine)
        slot_release(slot_set(mine, c, id, idlen, text, doc));
    json_decref(text);
}

/* The slot of id in c. */
static size_t doc_slot(coll_t c, const char *id, size_t idlen)
{
    uint64_t slot_h;
    crypto_shorthash((unsigned char *)&slot_h, (const unsigned char *)id, idlen, dkey);
    return (size_t)((slot_h ^ (uint64_t)c) % DOC_SLOTS);
}

void store_doc_kept(store_t *st, coll_t c, const char *id, const char *txt, size_t len, json_t *doc)
{
    pthread_once(&dkey_once, doc_init);
    size_t idlen = id ? strlen(id) : DOC_ID_MAX;
    if (idlen < DOC_ID_MAX)
        doc_keep(st, c, id, idlen, txt, len, doc_slot(c, id, idlen), doc);
}

void store_doc_written(store_t *st, coll_t c, const char *id, const char *txt, size_t len, json_t *doc)
{
    json_t *copy = json_deep_copy(doc);
    if (copy)
        store_doc_kept(st, c, id, txt, len, copy);
    json_decref(copy);
}

/* The document st's transaction just noted as read (store_seen) is doc: kept with the
 * note, so that the audit entry of a write to it needs no second read. */
static json_t *seen_doc(store_t *st, coll_t c, const char *id, json_t *doc)
{
    if (st && st->nseen && st->seen[st->nseen - 1].c == c && !strcmp(st->seen[st->nseen - 1].id, id)) {
        json_decref(st->seen[st->nseen - 1].doc);
        st->seen[st->nseen - 1].doc = json_incref(doc);
    }
    return doc;
}

json_t *store_doc_shared(store_t *st, coll_t c, const char *id, const char *txt, size_t len)
{
    if (!txt || !id)
        return NULL;
    if (st) { /* one document read by id: its version, for store_version */
        char ver[STORE_VER_LEN + 1];
        store_text_version(txt, len, ver);
        store_seen(st, c, id, ver);
    }
    pthread_once(&dkey_once, doc_init);
    size_t idlen = strlen(id);
    if (idlen >= DOC_ID_MAX)
        return seen_doc(st, c, id, json_loadb(txt, len, 0, NULL));
    size_t slot = doc_slot(c, id, idlen);
    dslot_t *mine = front_slot(st, slot);
    if (mine && slot_holds(mine, c, id, txt, len))
        return seen_doc(st, c, id, json_incref(mine->doc));
    dslot_t *e = &dslots[slot];
    pthread_mutex_t *mu = &dlocks[slot % DOC_STRIPES];
    json_t *doc = NULL, *text = NULL;
    pthread_mutex_lock(mu);
    if (slot_holds(e, c, id, txt, len)) {
        doc = json_incref(e->doc);
        text = json_incref(e->text);
    }
    pthread_mutex_unlock(mu);
    if (doc) {
        if (mine)
            slot_release(slot_set(mine, c, id, idlen, text, doc));
        json_decref(text);
        return seen_doc(st, c, id, doc);
    }
    if (!(doc = json_loadb(txt, len, 0, NULL)))
        return NULL;
    doc_keep(st, c, id, idlen, txt, len, slot, doc);
    return seen_doc(st, c, id, doc);
}
