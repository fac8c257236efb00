/* store_sqlite.c — the SQLite back end of store.h.
 *
 * WAL journal, synchronous=NORMAL (a committed transaction survives a crash of the
 * process; only a power loss can take the last ones), busy_timeout so that writers
 * queue, and BEGIN IMMEDIATE for writes so a read-then-write never fails half-way
 * with SQLITE_BUSY.  Migrations are numbered; PRAGMA user_version holds the last one
 * applied.
 *
 * Group commit.  One process owns a database file, so its write transactions need not
 * each take SQLite's write lock and commit alone: every connection to a file shares one
 * writer connection (a group), and a write transaction runs there inside its own
 * savepoint of the group's open transaction, one at a time.  When a transaction ends and
 * other writers are already waiting, the group's transaction stays open for the next one;
 * when none waits (or store_batch_max have joined) it commits, and every request of the
 * batch hears the result of that one COMMIT: store_commit returns only once it is durable,
 * and a failed COMMIT fails them all.  store_commit_then does not wait: its thread goes on
 * to other work (in the server, other connections, whose writes join the batch), and the
 * thread that commits the batch tells it the result.  A request that fails rolls back to its savepoint
 * only.  A lone writer is never delayed: nothing waits on a timer, a batch is only what
 * queued while earlier requests ran, and, for a thread that serves requests in rounds
 * (store_defer_commits: the server's), what the rest of its round wrote: the batch its
 * commit_then members joined stays open until that thread's store_flush at the end of the
 * round.  Reads inside a write transaction see the batch's
 * earlier writes (one connection); read transactions keep their own connection.
 *
 * Checkpoints.  SQLite copies the WAL back into the database (a checkpoint, with its
 * fsync) in whichever connection commits past 1000 pages, so every thousandth page or so
 * a request waited for the whole copy while holding the writer.  Here the writer's
 * commits only count the WAL's pages (a WAL hook): every CKPT_PAGES new pages a thread of
 * the group's own copies what the WAL holds (a passive checkpoint, on a connection of its
 * own, beside the requests).  It cannot finish while the writer keeps appending, and the
 * WAL only starts again from its beginning once all of it is copied and the database
 * synced, which only a checkpoint the writer makes between two commits can do.  So when
 * the thread has copied all it saw of a WAL of CKPT_RESTART pages or more, it syncs the
 * database and asks the writer for that last step: after its next commit the writer
 * copies the few pages written meanwhile, and its two fsyncs have only those to flush
 * (the step took 4-11 ms of the writer's time, every writer waiting, when it also
 * flushed everything the thread had copied since the last restart; now 2-3 ms).  Should
 * the thread fall behind, or a reader hold it back, the writer checkpoints itself at
 * CKPT_HARD pages.  The WAL stays near CKPT_RESTART pages (16 MiB) and within CKPT_HARD. */
#include "store_backend.h"
#include <jansson.h>
#if JANSSON_VERSION_HEX < 0x020d00
#error "jansson 2.13 or newer is needed: parsed documents are shared read-only between threads, and older versions mark values while encoding them"
#endif
#include <sqlite3.h>
#include <sodium.h>
#include <stdint.h>
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../util/buf.h"
#include "../util/jtext.h"
#include "../util/ids.h"
#include "../util/thread.h"
#include "walvfs.h"

enum { STMT_CACHE = 64 };

static atomic_ulong users_version;
/* The write generation (store_generation): grows after every commit of a write
 * transaction (and every write made outside one), in this process.  It speaks for the
 * database only when this process alone writes the file: store_config.exclusive. */
static atomic_ulong write_gen;

struct group;
typedef struct sq_store {
    struct store base;
    sqlite3 *db;
    int users_touched;   /* this transaction wrote users: bump users_version on commit */
    int writing;         /* the open transaction is a write transaction */
    int wrote;           /* the open transaction wrote (a read transaction may, too) */
    struct group *group; /* the writers of this file; NULL for a private (in-memory) database */
    struct sq_store *via; /* during a write transaction: the group's writer connection */
    int coming;          /* an optimistic transaction's snapshot is open: counted in group->coming */
    /* by collection: read by id; insert-or-replace; and replace the document alone when its
     * indexed columns keep their values (the usual PATCH), which rewrites no index entry */
    sqlite3_stmt *get[C__COUNT], *put[C__COUNT], *put_doc[C__COUNT];
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE]; /* prepared statements by SQL text, reused across requests */
    int next;            /* the slot to evict next */
} sq_t;

/* A prepared statement for sql, from the cache when it was prepared before.  Give it
 * back with done(). */
static sqlite3_stmt *prep(sq_t *st, const char *sql)
{
    for (int i = 0; i < STMT_CACHE; i++)
        if (st->cache[i].sql && !strcmp(st->cache[i].sql, sql))
            return st->cache[i].stmt;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        return NULL;
    int i = st->next;
    st->next = (st->next + 1) % STMT_CACHE;
    free(st->cache[i].sql);
    sqlite3_finalize(st->cache[i].stmt);
    st->cache[i].sql = strdup(sql);
    st->cache[i].stmt = s;
    return s;
}

static void done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* A collection: its table, and which document fields live in columns. */
/* The connection a call runs on: the group's writer inside a write transaction. */
static sq_t *conn(store_t *base)
{
    sq_t *st = (sq_t *)base;
    return st->via ? st->via : st;
}

typedef struct {
    const char *table;
    const char *fields[5]; /* camelCase document field */
    const char *cols[5];   /* column */
    const char *parent;    /* field naming the parent in a tree, or NULL */
    const char *sort;      /* default order */
} coll_def_t;

static const coll_def_t colls[C__COUNT] = {
    [C_ACCOUNTS] = {"accounts", {"parentAccountId", "name"}, {"parent_id", "name"}, "parentAccountId", "name"},
    [C_CUSTOMERS] = {"customers", {"accountId", "parentCustomerId", "name"}, {"account_id", "parent_id", "name"},
                     "parentCustomerId", "name"},
    [C_ENDPOINTS] = {"endpoints", {"accountId", "customerId", "phoneNumber", "displayName", "type"},
                     {"account_id", "customer_id", "phone_number", "display_name", "type"}, NULL, "displayName"},
    [C_USERS] = {"users", {"emailAddress"}, {"email"}, NULL, "emailAddress"},
    [C_SETTINGS] = {"settings", {"accountId"}, {"account_id"}, NULL, "accountId"},
    [C_PURCHASES] = {"purchases", {"accountId", "phoneNumber"}, {"account_id", "phone_number"}, NULL, "phoneNumber"},
    [C_IDEMPOTENCY] = {"idempotency", {"createdMs"}, {"created_ms"}, NULL, "createdMs"},
    [C_JOBS] = {"routing_jobs", {"nextAtMs", "seq"}, {"next_at", "seq"}, NULL, "seq"},
    [C_FLOWS] = {"flows", {"accountId", "customerId", "name"}, {"account_id", "customer_id", "name"}, NULL, "name"},
    [C_SESSIONS] = {"call_sessions", {"accountId", "customerId", "endpointId", "dateCreated", "callSid"},
                    {"account_id", "customer_id", "endpoint_id", "date_created", "call_sid"}, NULL, "dateCreated"},
    [C_FILES] = {"files", {"accountId", "customerId", "sessionId", "type"}, {"account_id", "customer_id", "session_id", "type"},
                 NULL, "id"},
    [C_LOG] = {"log_entries", {"accountId", "customerId", "entityType", "entityId", "date"},
               {"account_id", "customer_id", "entity_type", "entity_id", "date"}, NULL, "id"},
};

static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE accounts(id TEXT PRIMARY KEY, parent_id TEXT, name TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX accounts_parent ON accounts(parent_id);"
    "CREATE INDEX accounts_name ON accounts(name, id);"
    "CREATE TABLE customers(id TEXT PRIMARY KEY, account_id TEXT NOT NULL, parent_id TEXT, name TEXT,"
    " doc TEXT NOT NULL);"
    "CREATE INDEX customers_account_name ON customers(account_id, name, id);"
    "CREATE INDEX customers_parent ON customers(parent_id);"
    "CREATE TABLE endpoints(id TEXT PRIMARY KEY, account_id TEXT NOT NULL, customer_id TEXT,"
    " phone_number TEXT UNIQUE, display_name TEXT, type TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX endpoints_account ON endpoints(account_id, display_name, id);"
    "CREATE INDEX endpoints_customer ON endpoints(customer_id);"
    "CREATE TABLE users(id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT,"
    " doc TEXT NOT NULL);"
    "CREATE TABLE settings(id TEXT PRIMARY KEY, account_id TEXT UNIQUE, doc TEXT NOT NULL);"
    "CREATE TABLE sessions(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires INTEGER NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);",
    /* 2: lists sort case-insensitively; let the indexes give that order */
    "DROP INDEX accounts_name; CREATE INDEX accounts_name ON accounts(name COLLATE NOCASE, id);"
    "DROP INDEX customers_account_name;"
    "CREATE INDEX customers_account_name ON customers(account_id, name COLLATE NOCASE, id);"
    "DROP INDEX endpoints_account;"
    "CREATE INDEX endpoints_account ON endpoints(account_id, display_name COLLATE NOCASE, id);",
    /* 3: buying numbers and routing them */
    "CREATE TABLE purchases(id TEXT PRIMARY KEY, account_id TEXT NOT NULL, phone_number TEXT UNIQUE, doc TEXT NOT NULL);"
    "CREATE INDEX purchases_account ON purchases(account_id);"
    "CREATE TABLE idempotency(id TEXT PRIMARY KEY, created_ms INTEGER, doc TEXT NOT NULL);"
    "CREATE TABLE routing_jobs(id TEXT PRIMARY KEY, next_at INTEGER, seq INTEGER, doc TEXT NOT NULL);"
    "CREATE INDEX routing_jobs_due ON routing_jobs(next_at);",
    /* 4: flows, listed by name as customers are */
    "CREATE TABLE flows(id TEXT PRIMARY KEY, account_id TEXT NOT NULL, customer_id TEXT, name TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX flows_account_name ON flows(account_id, name COLLATE NOCASE, id);"
    "CREATE INDEX flows_customer ON flows(customer_id);",
    /* 5: sessions (the call log; "sessions" holds the logins') and their files */
    "CREATE TABLE call_sessions(id TEXT PRIMARY KEY, account_id TEXT NOT NULL, customer_id TEXT, endpoint_id TEXT,"
    " date_created TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX call_sessions_account ON call_sessions(account_id, date_created);"
    "CREATE INDEX call_sessions_customer ON call_sessions(customer_id, date_created);"
    "CREATE INDEX call_sessions_endpoint ON call_sessions(endpoint_id);"
    "CREATE INDEX call_sessions_date ON call_sessions(date_created COLLATE NOCASE, id);"
    "CREATE TABLE files(id TEXT PRIMARY KEY, account_id TEXT NOT NULL, customer_id TEXT, session_id TEXT, type TEXT,"
    " doc TEXT NOT NULL);"
    "CREATE INDEX files_account ON files(account_id);"
    "CREATE INDEX files_customer ON files(customer_id);"
    "CREATE INDEX files_session ON files(session_id);"
    "CREATE INDEX files_type ON files(type);",
    /* 6: the status callback finds a call's session by its call sid */
    "ALTER TABLE call_sessions ADD COLUMN call_sid TEXT;"
    "UPDATE call_sessions SET call_sid = json_extract(doc, '$.callSid');"
    "CREATE INDEX call_sessions_call_sid ON call_sessions(call_sid);",
    /* 7: the audit log, listed newest first (ids grow with time) */
    "CREATE TABLE log_entries(id TEXT PRIMARY KEY, account_id TEXT, customer_id TEXT, entity_type TEXT, entity_id TEXT,"
    " date TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX log_entries_account ON log_entries(account_id, id);"
    "CREATE INDEX log_entries_customer ON log_entries(customer_id, id);"
    "CREATE INDEX log_entries_entity ON log_entries(entity_id, id);",
    /* 8: a list across all accounts (a system administrator's, no account filter) reads its
     * page by name from an index instead of sorting the whole table (100,000 customers: seconds) */
    "CREATE INDEX customers_name ON customers(name COLLATE NOCASE, id);"
    "CREATE INDEX endpoints_display_name ON endpoints(display_name COLLATE NOCASE, id);"
    "CREATE INDEX flows_name ON flows(name COLLATE NOCASE, id);",
    /* 9: the routing worker asks every poll for SIP credentials due (sipPending.dueMs <= now):
     * without an index that read every endpoint (100,000: the whole table, each second, and
     * beside every start-up); the few pending ones are indexed alone */
    ("CREATE INDEX endpoints_sip_due ON endpoints(json_extract(doc,'$.sipPending.dueMs'))"
     " WHERE json_extract(doc,'$.sipPending.dueMs') IS NOT NULL;"),
};

static int nmigrations(void) { return (int)(sizeof migrations / sizeof *migrations); }

static const char *sq_errmsg(store_t *base) { return sqlite3_errmsg((conn(base))->db); }

static int code(int rc)
{
    switch (rc) {
    case SQLITE_OK: case SQLITE_DONE: case SQLITE_ROW: return ST_OK;
    case SQLITE_BUSY: case SQLITE_LOCKED: return ST_BUSY;
    case SQLITE_CONSTRAINT: return ST_CONFLICT;
    default: return ST_ERROR;
    }
}

static int exec(sq_t *st, const char *sql) { return code(sqlite3_exec(st->db, sql, NULL, NULL, NULL)); }

static sqlite3_stmt *prep(sq_t *st, const char *sql);
static void done(sqlite3_stmt *s);

/* A one-statement command from the statement cache (BEGIN, COMMIT, ...): sqlite3_exec
 * would parse it anew on every request. */
static int run_cached(sq_t *st, const char *sql)
{
    sqlite3_stmt *s = prep(st, sql);
    if (!s)
        return exec(st, sql);
    int rc = code(sqlite3_step(s));
    done(s);
    return rc;
}

static int migrate(sq_t *st, char *err, size_t errsz)
{
    sqlite3_stmt *s;
    int version = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            version = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    if (version > nmigrations()) {
        snprintf(err, errsz, "database schema version %d is newer than this program (%d)", version, nmigrations());
        return -1;
    }
    for (int v = version; v < nmigrations(); v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
        if (exec(st, "BEGIN IMMEDIATE") || exec(st, migrations[v]) || exec(st, pragma) || exec(st, "COMMIT")) {
            snprintf(err, errsz, "migration %d failed: %s", v + 1, sqlite3_errmsg(st->db));
            exec(st, "ROLLBACK");
            return -1;
        }
    }
    return 0;
}

/* The document in column col, parsed once and shared (store_doc_shared). */
static json_t *sq_doc(store_t *st, sqlite3_stmt *s, int col, coll_t c, const char *id)
{
    const char *txt = (const char *)sqlite3_column_text(s, col);
    return txt ? store_doc_shared(st, c, id, txt, (size_t)sqlite3_column_bytes(s, col)) : NULL;
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

/* Memory statistics make every SQLite allocation take one process-wide mutex: with a
 * connection per thread that lock was a tenth of a read's time. */
static int own_vfs; /* walvfs.h's VFSes are there */
static void configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    own_vfs = walvfs_register() == 0;
}

static void close_conn(sq_t *st);
static void sq_rollback(store_t *base);

/* One connection, migrated, with its statements prepared; in no group. */
static sq_t *open_conn(const char *path, char *err, size_t errsz)
{
    pthread_once(&config_once, configure);
    sq_t *st = calloc(1, sizeof *st);
    st->base.ops = &store_sqlite_ops;
    /* unix-excl: see store_config in store.h */
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        store_config.exclusive ? (own_vfs ? WALVFS_EXCL_NAME : "unix-excl")
                                               : (own_vfs ? WALVFS_NAME : NULL)) != SQLITE_OK) {
        snprintf(err, errsz, "cannot open %s: %s", path, sqlite3_errmsg(st->db));
        sqlite3_close(st->db);
        free(st);
        return NULL;
    }
    /* the first read takes the file lock: a process holding it exclusively (it does so
     * for as long as it runs) is named here, after a short wait, rather than in whatever
     * statement failed next */
    sqlite3_busy_timeout(st->db, 2000);
    int mode = exec(st, "PRAGMA journal_mode=WAL");
    sqlite3_busy_timeout(st->db, 10000);
    if (mode == ST_BUSY) {
        snprintf(err, errsz, "cannot open %s: the database is locked by another process (a server started with "
                 "--db-exclusive keeps it to itself while it runs)", path);
        close_conn(st);
        return NULL;
    }
    exec(st, "PRAGMA synchronous=NORMAL");
    /* savepoints' journals in memory: a write request's savepoint never opens a file */
    exec(st, "PRAGMA temp_store=MEMORY");
    exec(st, "PRAGMA foreign_keys=ON");
    if (migrate(st, err, errsz)) {
        close_conn(st);
        return NULL;
    }
    for (int c = 0; c < C__COUNT; c++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT doc FROM %s WHERE id=?", colls[c].table);
        sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->get[c], NULL);
        buf_t b = {0}, v = {0};
        buf_printf(&b, "INSERT INTO %s(id,doc", colls[c].table);
        buf_puts(&v, "?,?");
        for (int i = 0; i < 5 && colls[c].fields[i]; i++) {
            buf_printf(&b, ",%s", colls[c].cols[i]);
            buf_puts(&v, ",?");
        }
        buf_printf(&b, ") VALUES(%s) ON CONFLICT(id) DO UPDATE SET doc=excluded.doc", v.p);
        for (int i = 0; i < 5 && colls[c].fields[i]; i++)
            buf_printf(&b, ",%s=excluded.%s", colls[c].cols[i], colls[c].cols[i]);
        sqlite3_prepare_v3(st->db, b.p, -1, SQLITE_PREPARE_PERSISTENT, &st->put[c], NULL);
        buf_free(&b);
        buf_printf(&b, "UPDATE %s SET doc=?2 WHERE id=?1", colls[c].table);
        for (int i = 0; i < 5 && colls[c].fields[i]; i++)
            buf_printf(&b, " AND %s IS ?%d", colls[c].cols[i], 3 + i);
        sqlite3_prepare_v3(st->db, b.p, -1, SQLITE_PREPARE_PERSISTENT, &st->put_doc[c], NULL);
        buf_free(&b);
        buf_free(&v);
    }
    return st;
}

static void close_conn(sq_t *st)
{
    for (int c = 0; c < C__COUNT; c++) {
        sqlite3_finalize(st->get[c]);
        sqlite3_finalize(st->put[c]);
        sqlite3_finalize(st->put_doc[c]);
    }
    for (int i = 0; i < STMT_CACHE; i++) {
        free(st->cache[i].sql);
        sqlite3_finalize(st->cache[i].stmt);
    }
    sqlite3_close(st->db);
    free(st);
}

/* ---- group commit (see the top of this file) ---- */
int store_batch_max = 64;

typedef struct {
    void (*fn)(void *arg, int rc);
    void *arg;
} then_t;

typedef struct batch {
    unsigned long seq; /* which of its group's batches */
    int members; /* requests whose savepoint was released into it */
    int owed;    /* a member's thread will end it with store_flush (store_defer_commits) */
    int refs;    /* members still to read the result */
    int done, rc;
    then_t *then; /* members that did not wait (store_commit_then): told by the committer */
    int nthen, capthen;
} batch_t;

enum { CKPT_PAGES = 1000, CKPT_RESTART = 4000, CKPT_HARD = 8000, CKPT_RETRY = 256 };

typedef struct group {
    struct group *next;
    char *path;
    int refs;            /* connections of this file */
    sq_t *w;             /* the writer connection, opened by the first write */
    pthread_mutex_t mu;
    pthread_cond_t free_cv, done_cv;
    int busy;            /* a request (or the COMMIT) is using w: only that thread touches w and cur (set_busy) */
    int waiting;         /* writers waiting for w */
    int coming;          /* optimistic transactions reading their snapshot, to write soon */
    batch_t *cur;        /* the open transaction on w, or NULL */
    unsigned long seq;   /* batches begun */
    int flush_asked;     /* a store_flush found w busy: whoever leaves it next ends the batch */
    pthread_t ckpt;      /* the checkpointer, started with w */
    int ckpt_started, ckpt_due, ckpt_stop; /* under mu */
    int ckpt_done;       /* the WAL's pages copied back by the last checkpoint (under mu) */
    int ckpt_busy;       /* the checkpointer is copying or syncing (under mu) */
    int last_due;        /* it copied all of a long WAL: the writer's last step is due (under mu) */
    int hard_at;         /* the WAL's pages at the writer's last checkpoint (the writer's own) */
    pthread_cond_t ckpt_cv;
} group_t;

/* A writer that finds w busy spins this many pauses (tens of nanoseconds each) before it
 * sleeps: w is held for tens of microseconds a request, less than a sleep and a wake-up
 * cost here.  g->busy is written under g->mu but read by the spin without it: atomically. */
enum { WAIT_SPINS = 2000 };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void set_busy(group_t *g, int busy) { __atomic_store_n(&g->busy, busy, __ATOMIC_RELAXED); }

static group_t *groups;
static pthread_mutex_t groups_mu = PTHREAD_MUTEX_INITIALIZER;

/* An in-memory database is its connection's own: nothing to share. */
static int private_db(const char *path) { return !*path || !strcmp(path, ":memory:") || strstr(path, "mode=memory"); }

/* The database file of connection db synced; 0 when it is. */
static int sync_db(sqlite3 *db)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f || !f->pMethods)
        return SQLITE_ERROR;
    return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

/* The checkpointer: waits for the writer's word, then copies what the WAL holds into the
 * database on its own connection (passive: it never waits for a reader or the writer).
 * When it copied all it saw, it syncs the database, and of a WAL of CKPT_RESTART pages or
 * more it asks the writer for the last step (top of this file). */
static void *ckpt_main(void *arg)
{
    group_t *g = arg;
    char err[256];
    sq_t *c = open_conn(g->path, err, sizeof err);
    pthread_mutex_lock(&g->mu);
    while (!g->ckpt_stop) {
        if (!g->ckpt_due) {
            pthread_cond_wait(&g->ckpt_cv, &g->mu);
            continue;
        }
        g->ckpt_due = 0;
        g->ckpt_busy = 1;
        pthread_mutex_unlock(&g->mu);
        int copied = 0, pages = 0, synced = 0;
        if (c && sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &pages, &copied) == SQLITE_OK &&
            copied > 0 && copied == pages)
            synced = sync_db(c->db) == SQLITE_OK;
        pthread_mutex_lock(&g->mu);
        g->ckpt_done = copied > 0 ? copied : 0;
        g->last_due = synced && pages >= CKPT_RESTART;
        g->ckpt_due &= !g->last_due; /* the writer's step first */
        g->ckpt_busy = 0;
    }
    pthread_mutex_unlock(&g->mu);
    if (c)
        close_conn(c);
    return NULL;
}

/* After each commit of the writer: pages now in the WAL.  Called by SQLite in the
 * committing thread (g->mu not held).  While the last step is asked for, the thread is
 * not started again: the writer's step would otherwise find it copying (and give up), or
 * have to flush to disk what it had just copied. */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    group_t *g = arg;
    if (pages < g->hard_at)
        g->hard_at = 0; /* the WAL started again */
    if (pages < CKPT_PAGES)
        return SQLITE_OK;
    int last = 0;
    pthread_mutex_lock(&g->mu);
    if (pages < g->ckpt_done) { /* the WAL started again from its beginning */
        g->ckpt_done = 0;
        g->last_due = 0;
    }
    if (g->last_due && !g->ckpt_busy) {
        g->last_due = 0;
        last = 1;
    } else if (!g->last_due && pages - g->ckpt_done >= CKPT_PAGES) { /* a thousand pages more since the last one */
        g->ckpt_due = 1;
        pthread_cond_signal(&g->ckpt_cv);
    }
    pthread_mutex_unlock(&g->mu);
    if (last || (pages >= CKPT_HARD && pages >= g->hard_at + CKPT_RETRY)) {
        /* the tail the checkpointer left, so that the WAL can start again; a reader still on
         * older pages can hold that up, and then this is tried again some pages later rather
         * than at (and with an fsync in) every commit */
        g->hard_at = pages;
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return SQLITE_OK;
}

/* The writer connection w was just opened: its commits feed the checkpointer, which starts
 * now (when it cannot, w keeps SQLite's own automatic checkpoints). */
static void ckpt_start(group_t *g)
{
    pthread_mutex_lock(&g->mu);
    g->ckpt_stop = g->ckpt_due = 0;
    g->ckpt_started = thread_start(&g->ckpt, ckpt_main, g) == 0;
    pthread_mutex_unlock(&g->mu);
    if (g->ckpt_started)
        sqlite3_wal_hook(g->w->db, ckpt_hook, g);
}

static void ckpt_stop(group_t *g)
{
    if (!g->ckpt_started)
        return;
    pthread_mutex_lock(&g->mu);
    g->ckpt_stop = 1;
    pthread_cond_signal(&g->ckpt_cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->ckpt, NULL);
    g->ckpt_started = 0;
}

static group_t *group_join(const char *path)
{
    pthread_mutex_lock(&groups_mu);
    group_t *g = groups;
    while (g && strcmp(g->path, path))
        g = g->next;
    if (!g && (g = calloc(1, sizeof *g))) {
        g->path = strdup(path);
        pthread_mutex_init(&g->mu, NULL);
        pthread_cond_init(&g->free_cv, NULL);
        pthread_cond_init(&g->done_cv, NULL);
        pthread_cond_init(&g->ckpt_cv, NULL);
        g->next = groups;
        groups = g;
    }
    if (g)
        g->refs++;
    pthread_mutex_unlock(&groups_mu);
    return g;
}

static void group_leave(group_t *g)
{
    pthread_mutex_lock(&groups_mu);
    if (--g->refs == 0) {
        group_t **p = &groups;
        while (*p != g)
            p = &(*p)->next;
        *p = g->next;
        ckpt_stop(g);
        if (g->w)
            close_conn(g->w);
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->free_cv);
        pthread_cond_destroy(&g->done_cv);
        pthread_cond_destroy(&g->ckpt_cv);
        free(g->path);
        free(g);
    }
    pthread_mutex_unlock(&groups_mu);
}

static void batch_free(batch_t *b)
{
    free(b->then);
    free(b);
}

/* The end of the batch b (the caller is busy, g->mu held): COMMIT, or nothing when an error
 * already ended the transaction (dead), then tell its members. */
static void batch_end(group_t *g, batch_t *b, int dead)
{
    g->cur = NULL;
    g->flush_asked = 0;
    pthread_mutex_unlock(&g->mu);
    int rc = dead ? ST_ERROR : run_cached(g->w, "COMMIT");
    if (rc && !dead)
        run_cached(g->w, "ROLLBACK");
    /* after the commit, so a reader that saw the old version read the old rows; before
     * the batch's requests hear of it, so no answered change leaves a generation as it was */
    if (g->w->users_touched)
        atomic_fetch_add(&users_version, 1);
    g->w->users_touched = 0;
    atomic_fetch_add(&write_gen, 1);
    for (int i = 0; i < b->nthen; i++) /* no member joins a batch once it is no longer g->cur */
        b->then[i].fn(b->then[i].arg, rc);
    pthread_mutex_lock(&g->mu);
    b->rc = rc;
    b->done = 1;
    pthread_cond_broadcast(&g->done_cv);
    if (!b->refs)
        batch_free(b);
}

/* Note then in b (g->mu held); 0 when there is no memory for it. */
static int then_add(batch_t *b, const then_t *then)
{
    if (b->nthen == b->capthen) {
        int cap = b->capthen ? 2 * b->capthen : 16;
        then_t *t = realloc(b->then, sizeof *t * (size_t)cap);
        if (!t)
            return 0;
        b->then = t;
        b->capthen = cap;
    }
    b->then[b->nthen++] = *then;
    return 1;
}

/* store_defer_commits and store_flush: whether this thread's store_commit_then members
 * leave their batch open, and the batch it left open (its group and number), if any. */
static __thread int defer_on;
static __thread group_t *owed_group;
static __thread unsigned long owed_seq;

/* A request leaves the writer: its savepoint released into the batch (joined) or rolled
 * back.  The batch stays open for a writer already waiting, or for the rest of this
 * thread's round (a then member of a thread that defers its commits), unless it is full,
 * dead or a store_flush asked for its end; else it commits here.  A member then waits for
 * the batch's COMMIT and returns its result, or, with then, returns at once and then is
 * called with the result by the thread that commits (maybe this one, before returning); a
 * request that did not join returns ST_OK at once. */
static int batch_leave(group_t *g, int joined, const then_t *then)
{
    pthread_mutex_lock(&g->mu);
    batch_t *b = g->cur;
    int rc = ST_OK;
    if (b && joined && then && !then_add(b, then))
        then = NULL; /* cannot note it: wait as a plain member */
    if (b && joined) {
        b->members++;
        b->refs += !then;
    }
    /* one open batch owed at a time: a second group's is not left open */
    int defer = b && joined && then && defer_on && (!owed_group || owed_group == g);
    /* the WAL frames this thread's writes left held back (pages a large transaction spilled
     * before its commit) are written now, before another thread uses w: left to this
     * thread's next call, they would be written beside the next holder's own, and frames
     * lost in that race end the WAL's valid part there, and every commit after it with it;
     * when they cannot be written, the batch cannot commit */
    if (walvfs_release() != SQLITE_OK && b && !sqlite3_get_autocommit(g->w->db))
        run_cached(g->w, "ROLLBACK");
    int dead = b && sqlite3_get_autocommit(g->w->db); /* an error rolled the whole transaction back */
    if (b && (dead || g->flush_asked || (!defer && !g->waiting && !g->coming) || b->members >= store_batch_max)) {
        batch_end(g, b, dead);
    } else if (defer) {
        b->owed = 1;
        owed_group = g;
        owed_seq = b->seq;
    }
    set_busy(g, 0);
    pthread_cond_signal(&g->free_cv);
    if (b && joined && !then) {
        while (!b->done)
            pthread_cond_wait(&g->done_cv, &g->mu);
        rc = b->rc;
        if (--b->refs == 0)
            batch_free(b);
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

/* Wait for the writer, open the batch when none is, and start this request's savepoint. */
static int batch_join(sq_t *st)
{
    group_t *g = st->group;
    pthread_mutex_lock(&g->mu);
    g->waiting++;
    if (st->coming) { /* now waiting, in the same breath: the batch does not end between */
        g->coming--;
        st->coming = 0;
    }
    if (g->busy) { /* held for tens of microseconds: spin a while rather than sleep at once */
        pthread_mutex_unlock(&g->mu);
        for (int i = 0; i < WAIT_SPINS && __atomic_load_n(&g->busy, __ATOMIC_RELAXED); i++)
            cpu_relax();
        pthread_mutex_lock(&g->mu);
    }
    while (g->busy)
        pthread_cond_wait(&g->free_cv, &g->mu);
    g->waiting--;
    set_busy(g, 1);
    pthread_mutex_unlock(&g->mu);
    char err[256];
    int rc = ST_OK;
    if (!g->w) {
        if ((g->w = open_conn(g->path, err, sizeof err)))
            ckpt_start(g);
        else
            rc = ST_ERROR;
    }
    if (!rc && !g->cur) {
        rc = run_cached(g->w, "BEGIN IMMEDIATE");
        if (!rc && !(g->cur = calloc(1, sizeof *g->cur))) {
            run_cached(g->w, "ROLLBACK");
            rc = ST_ERROR;
        }
        if (!rc) {
            g->cur->seq = ++g->seq;
            g->w->users_touched = 0;
        }
    }
    if (!rc)
        rc = run_cached(g->w, "SAVEPOINT request");
    if (rc) {
        batch_leave(g, 0, NULL);
        return rc;
    }
    st->via = g->w;
    return ST_OK;
}

/* The end of the open batch b by a thread that is not using w, which is free (g->mu held):
 * it takes w for the COMMIT, and gives it back. */
static void batch_end_idle(group_t *g, batch_t *b)
{
    set_busy(g, 1);
    batch_end(g, b, sqlite3_get_autocommit(g->w->db));
    walvfs_release(); /* nothing, after a COMMIT: as in batch_leave */
    set_busy(g, 0);
    pthread_cond_signal(&g->free_cv);
}

/* An optimistic transaction's snapshot ends without its writer's turn (it failed, or is to
 * run again): when the open batch waited only for it, the batch commits here (one a
 * store_flush will end waits for that). */
static void batch_uncount(sq_t *st)
{
    group_t *g = st->group;
    st->coming = 0;
    pthread_mutex_lock(&g->mu);
    g->coming--;
    batch_t *b = g->cur;
    if (b && !b->owed && !g->busy && !g->waiting && !g->coming)
        batch_end_idle(g, b);
    pthread_mutex_unlock(&g->mu);
}

/* store.h: this thread's deferred batch ends here; one another thread is using the writer
 * for ends when that thread leaves it. */
void store_defer_commits(int on) { defer_on = on; }

void store_flush(void)
{
    group_t *g = owed_group;
    if (!g)
        return;
    owed_group = NULL;
    pthread_mutex_lock(&g->mu);
    batch_t *b = g->cur;
    if (b && b->seq == owed_seq) { /* still open */
        if (g->busy)
            g->flush_asked = 1;
        else
            batch_end_idle(g, b);
    }
    pthread_mutex_unlock(&g->mu);
}

/* Undo this request's writes and leave its savepoint (the batch goes on). */
static void savepoint_undo(sq_t *w)
{
    run_cached(w, "ROLLBACK TO request");
    run_cached(w, "RELEASE request");
}

static store_t *sq_open(const char *path, char *err, size_t errsz)
{
    sq_t *st = open_conn(path, err, errsz);
    if (st && !private_db(path) && !(st->group = group_join(path))) {
        close_conn(st);
        snprintf(err, errsz, "cannot open %s: out of memory", path);
        return NULL;
    }
    return st ? &st->base : NULL;
}

static void sq_close(store_t *base)
{
    sq_t *st = (sq_t *)base;
    if (st->via || st->coming) /* closed inside a transaction: it is rolled back */
        sq_rollback(base);
    if (st->group)
        group_leave(st->group);
    close_conn(st);
}

static unsigned long sq_users_version(store_t *base) { return atomic_load(&users_version); }

/* Only a file this process holds exclusively has a generation that speaks for it. */
static int sq_generation(store_t *base, unsigned long *gen)
{
    if (!store_config.exclusive || !((sq_t *)base)->group)
        return 0;
    *gen = atomic_load(&write_gen);
    return 1;
}

/* A write on st (of users, when users): the write generation (and the users' version)
 * move when it commits, which outside an explicit transaction it has already. */
static void written(sq_t *st, int users)
{
    int committed = sqlite3_get_autocommit(st->db);
    if (committed)
        atomic_fetch_add(&write_gen, 1);
    else
        st->wrote = 1;
    if (users && committed)
        atomic_fetch_add(&users_version, 1);
    else if (users)
        st->users_touched = 1;
}

/* write: 0 a read transaction, 1 a write transaction, 2 an optimistic transaction's
 * snapshot (a read transaction whose writes will follow: an open batch waits for it); 1
 * after 2 ends the snapshot first. */
static int sq_begin(store_t *base, int write)
{
    sq_t *st = (sq_t *)base;
    if (st->coming && !sqlite3_get_autocommit(st->db))
        run_cached(st, "ROLLBACK"); /* the snapshot read nothing to keep */
    st->users_touched = st->wrote = 0;
    st->writing = write == 1;
    if (write == 1 && st->group)
        return batch_join(st);
    if (write == 2 && st->group) {
        pthread_mutex_lock(&st->group->mu);
        st->group->coming++;
        st->coming = 1;
        pthread_mutex_unlock(&st->group->mu);
    }
    int rc = run_cached(st, write == 1 ? "BEGIN IMMEDIATE" : "BEGIN");
    if (rc && st->coming)
        batch_uncount(st);
    return rc;
}

/* st's write into its batch: the savepoint released, then batch_leave's result (with then:
 * ST_OK at once), or the failure to release it (the savepoint undone, the writer left). */
static int batch_release(sq_t *st, const then_t *then)
{
    sq_t *w = st->via;
    st->via = NULL;
    int rc = run_cached(w, "RELEASE request");
    if (rc) {
        savepoint_undo(w);
        batch_leave(st->group, 0, NULL);
        return rc;
    }
    return batch_leave(st->group, 1, then);
}

static int sq_commit(store_t *base)
{
    sq_t *st = (sq_t *)base;
    if (st->via) /* a write: into the batch, then durable with it (or failed with it) */
        return batch_release(st, NULL);
    int rc = run_cached(st, "COMMIT");
    if (rc)
        run_cached(st, "ROLLBACK");
    if (st->coming)
        batch_uncount(st);
    if (st->users_touched)
        atomic_fetch_add(&users_version, 1);
    if (st->writing || st->wrote)
        atomic_fetch_add(&write_gen, 1);
    st->users_touched = st->writing = st->wrote = 0;
    return rc;
}

static void sq_commit_then(store_t *base, void (*done)(void *arg, int rc), void *arg)
{
    sq_t *st = (sq_t *)base;
    if (!st->via) { /* not a member of a batch: as sq_commit */
        done(arg, sq_commit(base));
        return;
    }
    int rc = batch_release(st, &(then_t){done, arg});
    if (rc) /* never joined the batch: told here */
        done(arg, rc);
}

static void sq_rollback(store_t *base)
{
    sq_t *st = (sq_t *)base, *w = st->via;
    if (w) {
        st->via = NULL;
        savepoint_undo(w);
        batch_leave(st->group, 0, NULL);
        return;
    }
    if (!sqlite3_get_autocommit(st->db))
        run_cached(st, "ROLLBACK");
    if (st->coming)
        batch_uncount(st);
}

static json_t *doc_of(sqlite3_stmt *s, int col)
{
    const char *txt = (const char *)sqlite3_column_text(s, col);
    return txt ? json_loads(txt, 0, NULL) : NULL;
}

/* How a read of at most one row ended: ST_OK for a row or none, else the failure. */
static int one_row(int r) { return r == SQLITE_ROW || r == SQLITE_DONE ? ST_OK : code(r); }

static json_t *sq_get(store_t *base, coll_t c, const char *id, int *rc)
{
    sq_t *st = conn(base);
    sqlite3_stmt *s = st->get[c];
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(s);
    json_t *doc = r == SQLITE_ROW ? sq_doc(base, s, 0, c, id) : NULL;
    *rc = r == SQLITE_ROW && !doc ? ST_ERROR : one_row(r); /* a row that does not parse is a failure */
    sqlite3_reset(s);
    return doc;
}

static void bind_json(sqlite3_stmt *s, int i, json_t *v)
{
    if (json_is_string(v))
        sqlite3_bind_text(s, i, json_string_value(v), -1, SQLITE_TRANSIENT);
    else if (json_is_integer(v))
        sqlite3_bind_int64(s, i, json_integer_value(v));
    else if (json_is_real(v))
        sqlite3_bind_double(s, i, json_real_value(v));
    else if (json_is_boolean(v))
        sqlite3_bind_int(s, i, json_is_true(v));
    else
        sqlite3_bind_null(s, i);
}

/* Bind a document's id, text and indexed columns to s. */
static void bind_put(sqlite3_stmt *s, coll_t c, json_t *doc, const char *txt)
{
    bind_json(s, 1, json_object_get(doc, "id"));
    sqlite3_bind_text(s, 2, txt, -1, SQLITE_STATIC); /* step_put resets s before txt is freed */
    for (int i = 0; i < 5 && colls[c].fields[i]; i++) {
        json_t *v = json_object_get(doc, colls[c].fields[i]);
        if (json_is_string(v) && json_string_length(v) == 0)
            v = NULL; /* "" stores as NULL: an empty parent is no parent */
        bind_json(s, 3 + i, v);
    }
}

/* Run put statement s; 1 when it changed a row. */
static int step_put(sq_t *st, sqlite3_stmt *s, int *rc)
{
    *rc = code(sqlite3_step(s));
    int changed = *rc == ST_OK && sqlite3_changes(st->db) > 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return changed;
}

/* Store doc as txt: the document alone when the row exists with the same indexed columns
 * (put_doc: every page of every index stays clean, so a commit writes fewer pages), else
 * insert or replace (put); create skips the first, there being no row.  A changed row's
 * doc is kept as the text's parse (itself when own: the store's, never changed after; else
 * a copy).  A new row's is not: its slot in the shared table holds another document, read
 * lately, whose release (a cold tree of values) was a twentieth of a create's time, under
 * the writers' lock; the new one is parsed when first read. */
static int put_row(store_t *base, coll_t c, json_t *doc, const char *txt, size_t len, int create, int own)
{
    sq_t *st = conn(base);
    int rc = ST_OK, kept = 0;
    char ver[STORE_VER_LEN + 1];
    if (c != C_LOG) { /* an audit entry's version is never asked for */
        store_text_version(txt, len, ver);
        if (!create) {
            bind_put(st->put_doc[c], c, doc, txt);
            kept = step_put(st, st->put_doc[c], &rc);
        }
    }
    if (!kept && rc == ST_OK) {
        bind_put(st->put[c], c, doc, txt);
        step_put(st, st->put[c], &rc);
    }
    written(st, c == C_USERS);
    if (rc == ST_OK && c != C_LOG) { /* an entry is written once and seldom read */
        const char *id = json_string_value(json_object_get(doc, "id"));
        store_seen(base, c, id, ver);
        if (!create) /* see above */
            (own ? store_doc_kept : store_doc_written)(base, c, id, txt, len, doc);
    }
    return rc;
}

static int sq_put(store_t *base, coll_t c, json_t *doc)
{
    size_t len;
    char *txt = jtext(doc, &len);
    if (!txt)
        return ST_ERROR;
    int rc = put_row(base, c, doc, txt, len, 0, 0);
    free(txt);
    return rc;
}

static int sq_put_text(store_t *base, coll_t c, json_t *doc, const char *txt, size_t len, int create)
{
    return put_row(base, c, doc, txt, len, create, 1);
}

/* Optimistic transactions gain where writers queue for one writer connection. */
static int sq_optimistic(store_t *base) { return ((sq_t *)base)->group != NULL; }

static int run1(sq_t *st, const char *sql, const char *a, const char *b, long long n, int use_n)
{
    sqlite3_stmt *s;
    if (!(s = prep(st, sql)))
        return ST_ERROR;
    sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
    if (b)
        sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
    if (use_n)
        sqlite3_bind_int64(s, 3, n);
    int rc = code(sqlite3_step(s));
    done(s);
    written(st, 0);
    return rc;
}

static int sq_delete(store_t *base, coll_t c, const char *id)
{
    sq_t *st = conn(base);
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id=?", colls[c].table);
    int rc = run1(st, sql, id, NULL, 0, 0);
    if (rc == ST_OK && sqlite3_changes(st->db) == 0)
        return ST_NOTFOUND;
    if (c == C_USERS)
        written(st, 1);
    return rc;
}

/* column or json_extract() expression for a document field; NULL if the name is unsafe */
static int field_expr(buf_t *b, coll_t c, const char *field)
{
    if (!store_field_ok(field))
        return -1;
    if (strcmp(field, "id") == 0) {
        buf_puts(b, "id");
        return 0;
    }
    for (int i = 0; i < 5 && colls[c].fields[i]; i++)
        if (strcmp(colls[c].fields[i], field) == 0) {
            buf_puts(b, colls[c].cols[i]);
            return 0;
        }
    buf_printf(b, "json_extract(doc,'$.%s')", field);
    return 0;
}

static json_t *sq_get_field(store_t *base, coll_t c, const char *id, const char *field, int *rc)
{
    sq_t *st = conn(base);
    buf_t b = {0};
    *rc = ST_ERROR;
    buf_puts(&b, "SELECT ");
    if (field_expr(&b, c, field)) {
        buf_free(&b);
        return NULL;
    }
    buf_printf(&b, " FROM %s WHERE id=?", colls[c].table);
    sqlite3_stmt *s = prep(st, b.p);
    buf_free(&b);
    if (!s)
        return NULL;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    json_t *v = NULL;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        switch (sqlite3_column_type(s, 0)) {
        case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(s, 0)); break;
        case SQLITE_FLOAT: v = json_real(sqlite3_column_double(s, 0)); break;
        case SQLITE_NULL: v = json_null(); break;
        default: v = json_string((const char *)sqlite3_column_text(s, 0)); break;
        }
    }
    *rc = one_row(r);
    done(s);
    return v;
}

static long sq_count(store_t *base, coll_t c, const char *field, const char *value, int *rc)
{
    sq_t *st = conn(base);
    buf_t b = {0};
    *rc = ST_ERROR;
    buf_printf(&b, "SELECT count(*) FROM %s WHERE ", colls[c].table);
    if (field_expr(&b, c, field)) {
        buf_free(&b);
        return -1;
    }
    buf_puts(&b, "=?");
    sqlite3_stmt *s;
    long n = -1;
    if ((s = prep(st, b.p))) {
        sqlite3_bind_text(s, 1, value, -1, SQLITE_TRANSIENT);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW) {
            n = sqlite3_column_int64(s, 0);
            *rc = ST_OK;
        } else {
            *rc = r == SQLITE_DONE ? ST_ERROR : code(r); /* count(*) always has a row */
        }
        done(s);
    }
    buf_free(&b);
    return n;
}

/* One filter's condition; its parameter is ?n. */
static int cond(buf_t *b, coll_t c, const qfilter_t *f, int n)
{
    if (f->op == Q_CONTAINS)
        buf_puts(b, "instr(lower(");
    if (f->op == Q_HAS_ALL)
        buf_printf(b, "NOT EXISTS (SELECT 1 FROM json_each(?%d) w WHERE w.value NOT IN (SELECT value FROM json_each(", n);
    if (f->op == Q_HAS_ANY || f->op == Q_LACKS)
        buf_printf(b, "%s (SELECT 1 FROM json_each(", f->op == Q_LACKS ? "NOT EXISTS" : "EXISTS");
    if (f->op == Q_HAS_ELEM) { /* a member of the document, walked where it is: a list of objects or nothing */
        if (!store_field_ok(f->field))
            return -1;
        buf_printf(b, "EXISTS (SELECT 1 FROM json_each(doc,'$.%s') e WHERE e.type='object' AND NOT EXISTS (SELECT 1 FROM "
                      "json_each(?%d) k WHERE coalesce(json_extract(e.value,'$.\"'||k.key||'\"') IN (SELECT value FROM "
                      "json_each(k.value)),0)=0))",
                   f->field, n);
        return 0;
    }
    if (f->op == Q_WITHIN) {
        buf_puts(b, "json_array_length(");
        if (field_expr(b, c, f->field))
            return -1;
        buf_puts(b, ")>0 AND NOT EXISTS (SELECT 1 FROM json_each(");
    }
    if (field_expr(b, c, f->field))
        return -1;
    switch (f->op) {
    case Q_IN: /* one value: "=" lets an index give the order too */
        if (json_array_size(f->values) == 1)
            buf_printf(b, "=?%d", n);
        else
            buf_printf(b, " IN (SELECT value FROM json_each(?%d))", n);
        break;
    case Q_CONTAINS: buf_printf(b, "),lower(?%d))>0", n); break;
    case Q_HAS_ALL: buf_puts(b, ")))"); break;
    case Q_EQ: buf_printf(b, "=?%d", n); break;
    case Q_LE: buf_printf(b, "<=?%d", n); break;
    case Q_GE: buf_printf(b, ">=?%d", n); break;
    case Q_LT: buf_printf(b, "<?%d", n); break;
    case Q_HAS_ANY:
    case Q_LACKS: buf_printf(b, ") h WHERE h.value IN (SELECT value FROM json_each(?%d)))", n); break;
    case Q_WITHIN: buf_printf(b, ") h WHERE h.value NOT IN (SELECT value FROM json_each(?%d)))", n); break;
    case Q_HAS_ELEM: break; /* above */
    }
    return 0;
}

static int sq_cond(buf_t *b, const qfilter_t *f, int n, void *coll) { return cond(b, *(coll_t *)coll, f, n); }

static int where(buf_t *b, coll_t c, const query_t *q) { return store_where(b, q, "1", sq_cond, &c); }

static void bind_filters(sqlite3_stmt *s, const query_t *q)
{
    for (int i = 0; i < q->nf; i++) {
        const qfilter_t *f = &q->f[i];
        if (f->op == Q_IN && json_array_size(f->values) == 1) {
            bind_json(s, i + 1, json_array_get(f->values, 0));
        } else if (f->op == Q_IN || f->op == Q_HAS_ALL || f->op == Q_HAS_ANY || f->op == Q_LACKS || f->op == Q_WITHIN ||
                   f->op == Q_HAS_ELEM) {
            sqlite3_bind_text(s, i + 1, json_dumps(f->values, JSON_COMPACT), -1, free);
        } else {
            json_t *v = json_is_array(f->values) ? json_array_get(f->values, 0) : f->values;
            bind_json(s, i + 1, v);
        }
    }
}

static int sq_list(store_t *base, coll_t c, const query_t *q, json_t **items, long *total)
{
    sq_t *st = conn(base);
    buf_t w = {0}, b = {0};
    *items = NULL;
    if (where(&w, c, q)) {
        buf_free(&w);
        return ST_ERROR;
    }
    if (q->count && total) {
        buf_printf(&b, "SELECT count(*) FROM %s%s", colls[c].table, w.p);
        sqlite3_stmt *s;
        int r = SQLITE_ERROR;
        if ((s = prep(st, b.p))) {
            bind_filters(s, q);
            if ((r = sqlite3_step(s)) == SQLITE_ROW)
                *total = sqlite3_column_int64(s, 0);
            done(s);
        }
        if (r != SQLITE_ROW) { /* count(*) always has a row */
            buf_free(&w);
            buf_free(&b);
            return code(r) ? code(r) : ST_ERROR;
        }
        b.len = 0;
    }
    /* The page's rows are chosen by rowid first and their documents read after: the rows
     * skipped on the way to a deep page, and the rows a sort holds, carry no document (a
     * whole table's documents in the sorter cost a 20 MiB peak at 100,000 customers, and a
     * page from a name index is read from the index alone).  The chosen rowids come from a
     * subquery with a LIMIT, which SQLite never flattens into a join: it runs as a
     * co-routine yielding them in its order, and CROSS JOIN keeps it the outer loop, so
     * each document is read by rowid in that order; sorting the page again outside cost a
     * temporary b-tree per request, a third of the query. */
    buf_t order = {0};
    const char *dir = q->desc ? "DESC" : "ASC";
    buf_puts(&order, " ORDER BY ");
    if (field_expr(&order, c, q->sort ? q->sort : colls[c].sort)) {
        buf_free(&w);
        buf_free(&b);
        buf_free(&order);
        return ST_ERROR;
    }
    buf_printf(&order, " COLLATE NOCASE %s, id %s", dir, dir);
    buf_printf(&b, "SELECT x.doc, x.id FROM (SELECT rowid AS r FROM %s%s%s LIMIT %ld OFFSET %ld) p CROSS JOIN %s x ON x.rowid=p.r",
               colls[c].table, w.p, order.p, q->limit, q->offset, colls[c].table);
    buf_free(&order);
    sqlite3_stmt *s;
    int rc = ST_ERROR;
    if ((s = prep(st, b.p))) {
        bind_filters(s, q);
        json_t *arr = json_array();
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
            json_t *d = sq_doc(NULL, s, 0, c, (const char *)sqlite3_column_text(s, 1));
            if (d)
                json_array_append_new(arr, d);
        }
        rc = code(r);
        done(s);
        if (rc == ST_OK)
            *items = arr;
        else
            json_decref(arr);
    }
    buf_free(&w);
    buf_free(&b);
    return rc;
}

static json_t *sq_path(store_t *base, coll_t c, const char *id, int max_depth, int *rc)
{
    sq_t *st = conn(base);
    /* one indexed row per level: cheaper than a recursive query for the few levels of
     * a real tree (a recursive CTE builds temporary tables on every call) */
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT parent_id, name FROM %s WHERE id=?", colls[c].table);
    json_t *out = json_array();
    char cur[64];
    snprintf(cur, sizeof cur, "%s", id ? id : "");
    *rc = ST_OK;
    for (int depth = 0; *cur && depth < max_depth; depth++) {
        sqlite3_stmt *s = prep(st, sql);
        if (!s) {
            *rc = ST_ERROR;
            break;
        }
        sqlite3_bind_text(s, 1, cur, -1, SQLITE_TRANSIENT);
        int r = sqlite3_step(s);
        if (r != SQLITE_ROW) {
            *rc = one_row(r);
            done(s);
            break;
        }
        const char *parent = (const char *)sqlite3_column_text(s, 0);
        const char *name = (const char *)sqlite3_column_text(s, 1);
        json_array_insert_new(out, 0, json_pack("[s,s?]", cur, name));
        snprintf(cur, sizeof cur, "%s", parent ? parent : "");
        done(s);
    }
    if (*rc) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *sq_subtree(store_t *base, coll_t c, json_t *root_ids, int *rc)
{
    sq_t *st = conn(base);
    buf_t b = {0};
    buf_printf(&b,
               "WITH RECURSIVE t(id) AS (SELECT value FROM json_each(?) UNION SELECT x.id FROM %s x JOIN t ON "
               "x.parent_id=t.id) SELECT id FROM t",
               colls[c].table);
    sqlite3_stmt *s;
    json_t *out = json_array();
    int r = SQLITE_ERROR;
    if ((s = prep(st, b.p))) {
        sqlite3_bind_text(s, 1, json_dumps(root_ids, JSON_COMPACT), -1, free);
        while ((r = sqlite3_step(s)) == SQLITE_ROW)
            json_array_append_new(out, json_string((const char *)sqlite3_column_text(s, 0)));
        done(s);
    }
    buf_free(&b);
    *rc = one_row(r);
    if (*rc) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *sq_user_by_email(store_t *base, const char *email, char **hash, int *rc)
{
    sq_t *st = conn(base);
    sqlite3_stmt *s;
    json_t *doc = NULL;
    *rc = ST_ERROR;
    if (!(s = prep(st, "SELECT doc, password_hash FROM users WHERE email=?")))
        return NULL;
    sqlite3_bind_text(s, 1, email, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        doc = doc_of(s, 0);
        if (hash) {
            const char *h = (const char *)sqlite3_column_text(s, 1);
            *hash = h ? strdup(h) : NULL;
        }
    }
    *rc = r == SQLITE_ROW && !doc ? ST_ERROR : one_row(r);
    done(s);
    return doc;
}

/* The first column of the one row sql finds for key, as a new string; NULL: none or failed. */
static char *text_of(sq_t *st, const char *sql, const char *key, long long n, int *rc)
{
    sqlite3_stmt *s;
    char *out = NULL;
    *rc = ST_ERROR;
    if (!(s = prep(st, sql)))
        return NULL;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    if (n)
        sqlite3_bind_int64(s, 2, n);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW && sqlite3_column_text(s, 0))
        out = strdup((const char *)sqlite3_column_text(s, 0));
    *rc = one_row(r);
    done(s);
    return out;
}

static char *sq_user_hash(store_t *base, const char *user_id, int *rc)
{
    return text_of(conn(base), "SELECT password_hash FROM users WHERE id=?", user_id, 0, rc);
}

static int sq_set_password(store_t *base, const char *user_id, const char *hash)
{
    sq_t *st = conn(base);
    int rc = run1(st, "UPDATE users SET password_hash=?2 WHERE id=?1", user_id, hash, 0, 0);
    written(st, 1);
    return rc;
}

static int sq_session_put(store_t *base, const char *sid, const char *user_id, long long expires_ms)
{
    return run1(conn(base), "INSERT OR REPLACE INTO sessions(id,user_id,expires) VALUES(?1,?2,?3)", sid, user_id,
                expires_ms, 1);
}

static char *sq_session_user(store_t *base, const char *sid, int *rc)
{
    return text_of(conn(base), "SELECT user_id FROM sessions WHERE id=? AND expires>?", sid, now_ms(), rc);
}

static int sq_session_delete(store_t *base, const char *sid)
{
    return run1(conn(base), "DELETE FROM sessions WHERE id=?", sid, NULL, 0, 0);
}

static int sq_session_delete_user(store_t *base, const char *uid)
{
    return run1(conn(base), "DELETE FROM sessions WHERE user_id=?", uid, NULL, 0, 0);
}

/* One process per database file: only the id this process holds is present. */
static unsigned long long present_id;
static int sq_presence(store_t *base, unsigned long long id, int hold)
{
    if (hold) {
        present_id = id;
        return ST_OK;
    }
    return id && id == present_id;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .errmsg = sq_errmsg,
    .begin = sq_begin,
    .commit = sq_commit,
    .commit_then = sq_commit_then,
    .rollback = sq_rollback,
    .get = sq_get,
    .put = sq_put,
    .put_text = sq_put_text,
    .optimistic = sq_optimistic,
    .del = sq_delete,
    .get_field = sq_get_field,
    .count = sq_count,
    .list = sq_list,
    .path = sq_path,
    .subtree = sq_subtree,
    .user_by_email = sq_user_by_email,
    .user_hash = sq_user_hash,
    .set_password = sq_set_password,
    .users_version = sq_users_version,
    .generation = sq_generation,
    .session_put = sq_session_put,
    .session_user = sq_session_user,
    .session_delete = sq_session_delete,
    .session_delete_user = sq_session_delete_user,
    .presence = sq_presence,
};
