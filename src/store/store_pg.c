/* store_pg.c — the PostgreSQL back end of store.h (libpq), for several servers on one
 * database.
 *
 * The contract in database terms (see store.h for what each primitive does):
 * - Documents are kept as json (their exact text) beside their indexed columns, and
 *   filters read them as jsonb: jsonb would reorder a document's keys (a customer's data
 *   map comes back in the order it was given) and rewrite its numbers (-2.5e300 as a
 *   301-digit integer), and the wire must give back what was stored.  Every tenant table carries
 *   root_id, the id of the tenant's top account, so the tables can be distributed by
 *   tenant (Citus) without changing a query.  users, sessions and idempotency are global.
 * - Writers are serialized: every write transaction takes one transaction-scoped
 *   advisory lock (pg_advisory_xact_lock) before its first statement, on every server,
 *   and runs at READ COMMITTED, so each of its statements sees every write committed
 *   before it — the single-writer model of SQLite's BEGIN IMMEDIATE, across servers.
 *   That keeps every read-then-write rule (the phone-number cap, the parent-cycle check,
 *   unique numbers and e-mails) whole.  Reads never wait for it: a read transaction is
 *   one REPEATABLE READ snapshot.
 * - Round trips are what a request costs (the database is a network hop away, and the
 *   lock is held for every round trip of a write), so they are few: BEGIN (and a write's
 *   lock) travel with the transaction's first statement in one pipeline (run_all), as do
 *   a page and its total count; a read transaction's COMMIT is sent without waiting; a
 *   page's breadcrumbs are one recursive query (pg_paths); a write's audit entry takes
 *   the old document from the transaction's own read (store.c).  A GET of a customer is 4 round trips, a page of
 *   25 customers 4, a PATCH 7, the lock held over 6 of them (before: 6, 32, and 9).
 * - The lock is held for round trips only, never for a disk write: a write transaction
 *   commits with synchronous_commit off (the lock goes at once) and, in the same round
 *   trip, a transaction of one WAL record commits synchronously after it; its commit
 *   record follows ours in the WAL, so pg_commit returns once ours is on the disk (and on
 *   a synchronous standby).  Concurrent writers' flushes become one disk write.  An
 *   answered write is durable as before.  What changes: a write is visible to others
 *   from its commit, a flush before it is durable, so a reader may see a write whose
 *   writer then fails (its server or the database crashes in that flush) and which a
 *   crash of the database then loses; nobody was told it succeeded, and a later write
 *   that read it is flushed after it, so no rule is built on a lost write.
 * - Why one lock for all tenants, not one per tenant (root_id): a write transaction does
 *   not know its tenant when it begins (a PATCH learns it from the document it reads),
 *   and taking the lock later would let the reads before it go stale, so each rule would
 *   need re-reading under the lock; the global rules (unique e-mails, unique numbers
 *   across tenants) would still need the global lock, and two locks taken in different
 *   orders deadlock.  With the lock held for a handful of sub-millisecond round trips and
 *   no disk write, it is not what limits a write.
 * - The users' version lives in the database (evovoiced_meta, bumped by a trigger in the
 *   transaction that changes users), so a password changed through one server is seen
 *   by every server's credential cache on its next request.
 * - Migrations run under a session advisory lock, one server at a time; a database whose
 *   schema is newer than this program is refused.
 * - One connection per store_t (per worker thread).  A lost connection is answered
 *   ST_BUSY (503 upstream) and re-made on a later call, backing off from 100 ms to 5 s;
 *   connect_timeout and tcp_user_timeout bound how long a dead server can hold a call. */
#include "store_backend.h"
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../util/buf.h"
#include "../util/jtext.h"
#include "../util/ids.h"

enum { STMT_CACHE = 128, MAX_PARAMS = 24, WRITE_LOCK = 7260401, MIGRATE_LOCK = 7260402 };

typedef struct pg_store {
    struct store base;
    PGconn *conn;
    int in_txn;
    const char *begin_sql; /* a transaction begun but not yet sent: it goes with its first statement */
    int write;            /* the open transaction is a write transaction */
    int wrote;            /* ... and it ran a command (a read transaction that wrote commits as a write one) */
    int commit_sent;      /* a read transaction's COMMIT sent, its answer not yet read */
    long long retry_at;   /* when a lost connection may be tried again (ms) */
    int backoff_ms;
    struct {
        char *sql;
        char name[8];
    } cache[STMT_CACHE]; /* statements prepared on this connection, by SQL text */
    int ncached;
    unsigned long long present; /* the presence id this connection holds (taken again after a reconnect) */
    char err[512];
} pg_t;

/* A collection: its table, the document fields kept in columns, and how its root_id
 * (the tenant) is found. */
typedef enum { ROOT_NONE, ROOT_SELF, ROOT_OF_ACCOUNT } root_t;
typedef struct {
    const char *table;
    const char *fields[5];
    const char *cols[5];
    const char *types[5];  /* SQL type of each column: "text" or "bigint" */
    const char *unique[2]; /* columns other than id that are unique (of fields) */
    root_t root;
    const char *account;   /* ROOT_OF_ACCOUNT: the field holding the account id */
    const char *sort;
} coll_def_t;

static const coll_def_t colls[C__COUNT] = {
    [C_ACCOUNTS] = {"accounts", {"parentAccountId", "name"}, {"parent_id", "name"}, {"text", "text"}, {0}, ROOT_SELF,
                    NULL, "name"},
    [C_CUSTOMERS] = {"customers", {"accountId", "parentCustomerId", "name"}, {"account_id", "parent_id", "name"},
                     {"text", "text", "text"}, {0}, ROOT_OF_ACCOUNT, "accountId", "name"},
    [C_ENDPOINTS] = {"endpoints", {"accountId", "customerId", "phoneNumber", "displayName", "type"},
                     {"account_id", "customer_id", "phone_number", "display_name", "type"},
                     {"text", "text", "text", "text", "text"}, {"phone_number"}, ROOT_OF_ACCOUNT, "accountId",
                     "displayName"},
    [C_USERS] = {"users", {"emailAddress"}, {"email"}, {"text"}, {"email"}, ROOT_NONE, NULL, "emailAddress"},
    [C_SETTINGS] = {"settings", {"accountId"}, {"account_id"}, {"text"}, {"account_id"}, ROOT_OF_ACCOUNT, "accountId",
                    "accountId"},
    [C_PURCHASES] = {"purchases", {"accountId", "phoneNumber"}, {"account_id", "phone_number"}, {"text", "text"},
                     {"phone_number"}, ROOT_OF_ACCOUNT, "accountId", "phoneNumber"},
    [C_IDEMPOTENCY] = {"idempotency", {"createdMs"}, {"created_ms"}, {"bigint"}, {0}, ROOT_NONE, NULL, "createdMs"},
    [C_JOBS] = {"routing_jobs", {"nextAtMs", "seq"}, {"next_at", "seq"}, {"bigint", "bigint"}, {0}, ROOT_OF_ACCOUNT,
                "accountId", "seq"},
    [C_FLOWS] = {"flows", {"accountId", "customerId", "name"}, {"account_id", "customer_id", "name"},
                 {"text", "text", "text"}, {0}, ROOT_OF_ACCOUNT, "accountId", "name"},
    [C_SESSIONS] = {"call_sessions", {"accountId", "customerId", "endpointId", "dateCreated", "callSid"},
                    {"account_id", "customer_id", "endpoint_id", "date_created", "call_sid"},
                    {"text", "text", "text", "text", "text"}, {0},
                    ROOT_OF_ACCOUNT, "accountId", "dateCreated"},
    [C_FILES] = {"files", {"accountId", "customerId", "sessionId", "type"}, {"account_id", "customer_id", "session_id", "type"},
                 {"text", "text", "text", "text"}, {0}, ROOT_OF_ACCOUNT, "accountId", "id"},
    [C_LOG] = {"log_entries", {"accountId", "customerId", "entityType", "entityId", "date"},
               {"account_id", "customer_id", "entity_type", "entity_id", "date"}, {"text", "text", "text", "text", "text"},
               {0}, ROOT_OF_ACCOUNT, "accountId", "id"},
};

/* ASCII-only case folding and byte order: the order of SQLite's NOCASE, so both back
 * ends list alike.  SQLite puts NULLs first in ascending order: the indexes that give a
 * list its order say NULLS FIRST too, so PostgreSQL reads a page from the index (forwards,
 * or backwards for a descending list) instead of sorting the whole account. */
#define NOCASE(x) "evo_nocase(" x ") COLLATE \"C\""

static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE FUNCTION evo_nocase(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;"
    "CREATE TABLE accounts(id text PRIMARY KEY, root_id text NOT NULL, parent_id text, name text, doc json NOT NULL);"
    "CREATE INDEX accounts_parent ON accounts(parent_id);"
    "CREATE INDEX accounts_name ON accounts(evo_nocase(name) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE TABLE customers(id text PRIMARY KEY, root_id text, account_id text NOT NULL, parent_id text, name text,"
    " doc json NOT NULL);"
    "CREATE INDEX customers_account_name ON customers(account_id, evo_nocase(name) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE INDEX customers_parent ON customers(parent_id);"
    "CREATE INDEX customers_root ON customers(root_id);"
    "CREATE TABLE endpoints(id text PRIMARY KEY, root_id text, account_id text NOT NULL, customer_id text,"
    " phone_number text UNIQUE, display_name text, type text, doc json NOT NULL);"
    "CREATE INDEX endpoints_account ON endpoints(account_id, evo_nocase(display_name) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE INDEX endpoints_customer ON endpoints(customer_id);"
    "CREATE TABLE users(id text PRIMARY KEY, email text NOT NULL, password_hash text, doc json NOT NULL);"
    "CREATE UNIQUE INDEX users_email ON users(evo_nocase(email));"
    "CREATE INDEX users_email_order ON users(evo_nocase(email) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE TABLE settings(id text PRIMARY KEY, root_id text, account_id text UNIQUE, doc json NOT NULL);"
    "CREATE TABLE sessions(id text PRIMARY KEY, user_id text NOT NULL, expires bigint NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE purchases(id text PRIMARY KEY, root_id text, account_id text NOT NULL, phone_number text UNIQUE,"
    " doc json NOT NULL);"
    "CREATE INDEX purchases_account ON purchases(account_id);"
    "CREATE TABLE idempotency(id text PRIMARY KEY, created_ms bigint, doc json NOT NULL);"
    "CREATE TABLE routing_jobs(id text PRIMARY KEY, root_id text, next_at bigint, seq bigint, doc json NOT NULL);"
    "CREATE INDEX routing_jobs_due ON routing_jobs(next_at);"
    "CREATE TABLE evovoiced_meta(key text PRIMARY KEY, value bigint NOT NULL);"
    "INSERT INTO evovoiced_meta VALUES('users_version', 0);"
    "CREATE FUNCTION evo_users_changed() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE evovoiced_meta SET value = value + 1 WHERE key = 'users_version'; RETURN NULL; END $$;"
    "CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users"
    " FOR EACH STATEMENT EXECUTE FUNCTION evo_users_changed();",
    /* 2: flows, listed by name as customers are (NULLS FIRST: SQLite's order) */
    "CREATE TABLE flows(id text PRIMARY KEY, root_id text, account_id text NOT NULL, customer_id text, name text,"
    " doc json NOT NULL);"
    "CREATE INDEX flows_account_name ON flows(account_id, evo_nocase(name) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE INDEX flows_customer ON flows(customer_id);"
    "CREATE INDEX flows_root ON flows(root_id);",
    /* 3: sessions (the call log; "sessions" holds the logins') and their files */
    "CREATE TABLE call_sessions(id text PRIMARY KEY, root_id text, account_id text NOT NULL, customer_id text,"
    " endpoint_id text, date_created text, doc json NOT NULL);"
    "CREATE INDEX call_sessions_account ON call_sessions(account_id, date_created COLLATE \"C\");"
    "CREATE INDEX call_sessions_customer ON call_sessions(customer_id, date_created COLLATE \"C\");"
    "CREATE INDEX call_sessions_endpoint ON call_sessions(endpoint_id);"
    "CREATE INDEX call_sessions_date ON call_sessions(evo_nocase(date_created) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE INDEX call_sessions_root ON call_sessions(root_id);"
    "CREATE TABLE files(id text PRIMARY KEY, root_id text, account_id text NOT NULL, customer_id text, session_id text,"
    " type text, doc json NOT NULL);"
    "CREATE INDEX files_account ON files(account_id);"
    "CREATE INDEX files_customer ON files(customer_id);"
    "CREATE INDEX files_session ON files(session_id);"
    "CREATE INDEX files_type ON files(type);"
    "CREATE INDEX files_root ON files(root_id);",
    /* 4: the status callback finds a call's session by its call sid */
    "ALTER TABLE call_sessions ADD COLUMN call_sid text;"
    "UPDATE call_sessions SET call_sid = doc->>'callSid';"
    "CREATE INDEX call_sessions_call_sid ON call_sessions(call_sid);",
    /* 5: the audit log, listed newest first (ids grow with time); root_id NULL for an
     * entry of no account (a user without one) */
    "CREATE TABLE log_entries(id text PRIMARY KEY, root_id text, account_id text, customer_id text, entity_type text,"
    " entity_id text, date text, doc json NOT NULL);"
    "CREATE INDEX log_entries_account ON log_entries(account_id, id COLLATE \"C\");"
    "CREATE INDEX log_entries_customer ON log_entries(customer_id, id COLLATE \"C\");"
    "CREATE INDEX log_entries_entity ON log_entries(entity_id, id COLLATE \"C\");"
    "CREATE INDEX log_entries_order ON log_entries(evo_nocase(id) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE INDEX log_entries_root ON log_entries(root_id);",
    /* 6: a list across all accounts (a system administrator's, no account filter) reads its
     * page by name from an index instead of sorting the whole table (100,000 customers: seconds) */
    "CREATE INDEX customers_name ON customers(evo_nocase(name) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE INDEX endpoints_display_name ON endpoints(evo_nocase(display_name) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");"
    "CREATE INDEX flows_name ON flows(evo_nocase(name) COLLATE \"C\" NULLS FIRST, id COLLATE \"C\");",
    /* 7: the routing worker's poll for SIP credentials due (sipPending.dueMs <= now) reads the
     * few pending endpoints from an index of their own, not every endpoint */
    ("CREATE INDEX endpoints_sip_due ON endpoints((((doc#>>'{sipPending,dueMs}'))::numeric))"
     " WHERE (doc#>>'{sipPending,dueMs}') IS NOT NULL;"),
};
static int nmigrations(void) { return (int)(sizeof migrations / sizeof *migrations); }

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *pg_errmsg(store_t *base)
{
    pg_t *st = (pg_t *)base;
    return st->err[0] ? st->err : PQerrorMessage(st->conn);
}

/* The store code of a failed result: a unique or check violation is a conflict; a
 * serialization failure, deadlock, lock or statement time-out, or a lost connection is
 * "busy, try again"; the rest is an error. */
static int code_of(pg_t *st, PGresult *r)
{
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        return ST_OK;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(st->err, sizeof st->err, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(st->conn));
    if (PQstatus(st->conn) != CONNECTION_OK)
        return ST_BUSY;
    if (!state)
        return ST_ERROR;
    if (!strncmp(state, "23", 2))
        return ST_CONFLICT;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") || !strcmp(state, "57014") ||
        !strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
        return ST_BUSY;
    return ST_ERROR;
}

static void forget_statements(pg_t *st)
{
    for (int i = 0; i < st->ncached; i++)
        free(st->cache[i].sql);
    st->ncached = 0;
}

/* Read the answer of a read transaction's COMMIT sent without waiting (pg_commit). */
static void settle(pg_t *st)
{
    if (!st->commit_sent)
        return;
    st->commit_sent = 0;
    PGresult *r;
    while ((r = PQgetResult(st->conn)))
        PQclear(r);
}

/* Make the connection again; 0 when it worked.  The statements prepared on the old one are
 * gone, and so is the presence lock it held: taken again. */
static int reconnect(pg_t *st)
{
    PQreset(st->conn);
    forget_statements(st);
    if (PQstatus(st->conn) != CONNECTION_OK)
        return -1;
    if (st->present) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%lld)", (long long)st->present);
        PQclear(PQexec(st->conn, sql));
    }
    return 0;
}

/* The connection, made again if it was lost (not inside a transaction: that one is gone
 * and its caller is told so).  0 when usable. */
static int usable(pg_t *st)
{
    settle(st);
    if (PQstatus(st->conn) == CONNECTION_OK)
        return 0;
    if (st->in_txn)
        return -1;
    long long now = mono_ms();
    if (now < st->retry_at)
        return -1;
    if (!reconnect(st)) {
        st->backoff_ms = 0;
        return 0;
    }
    st->backoff_ms = st->backoff_ms ? (st->backoff_ms * 2 > 5000 ? 5000 : st->backoff_ms * 2) : 100;
    st->retry_at = now + st->backoff_ms;
    snprintf(st->err, sizeof st->err, "the database is unreachable: %s", PQerrorMessage(st->conn));
    return -1;
}

/* One statement of a pipeline: a prepared one by name, else sql. */
typedef struct {
    const char *sql, *name;
    int n;
    const char *const *vals;
} pq_t;

/* Send the statements qs in one pipeline (one round trip): the database runs them in
 * order, as if each had been sent alone, and skips the rest after one fails.  res[i]
 * gets each one's result (the caller PQclear()s them; NULL when none came).  Returns the
 * first failure, or ST_OK. */
static int pipeline(pg_t *st, int nq, const pq_t *qs, PGresult **res)
{
    int ok = PQenterPipelineMode(st->conn), rc = ST_OK;
    for (int q = 0; ok && q < nq; q++)
        ok = qs[q].name ? PQsendQueryPrepared(st->conn, qs[q].name, qs[q].n, qs[q].vals, NULL, NULL, 0)
                        : PQsendQueryParams(st->conn, qs[q].sql, qs[q].n, NULL, qs[q].vals, NULL, NULL, 0);
    ok = ok && PQpipelineSync(st->conn);
    PGresult *r;
    for (int q = 0; q < nq; q++) {
        res[q] = NULL;
        while (ok && (r = PQgetResult(st->conn))) {
            if (!res[q])
                res[q] = r;
            else
                PQclear(r);
        }
        if (!rc) /* the first failure's message, not the skipped statements' */
            rc = code_of(st, ok ? res[q] : NULL);
    }
    while (ok && (r = PQgetResult(st->conn))) { /* the pipeline's end (PGRES_PIPELINE_SYNC) */
        int done = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (done)
            break;
    }
    if (!PQexitPipelineMode(st->conn)) { /* answers left unread: start the connection afresh */
        reconnect(st);
        rc = ST_BUSY;
    }
    return rc;
}

/* The name of sql prepared on this connection (prepared now when new), or NULL to send it
 * unprepared when the cache is full; *rc the failure. */
static const char *prepared(pg_t *st, const char *sql, int n, int *rc)
{
    *rc = ST_OK;
    for (int i = 0; i < st->ncached; i++)
        if (!strcmp(st->cache[i].sql, sql))
            return st->cache[i].name;
    if (st->ncached >= STMT_CACHE)
        return NULL;
    int i = st->ncached;
    snprintf(st->cache[i].name, sizeof st->cache[i].name, "s%d", i);
    PGresult *p = PQprepare(st->conn, st->cache[i].name, sql, n, NULL);
    *rc = code_of(st, p);
    PQclear(p);
    if (*rc)
        return NULL;
    st->cache[i].sql = strdup(sql);
    st->ncached++;
    return st->cache[i].name;
}

enum { MAX_BATCH = 4 };

/* Run the statements qs (parameters $1..$n as text, NULL for SQL NULL; each prepared once
 * per connection) in one round trip, together with the transaction's BEGIN (and a write
 * transaction's lock) when it has not been sent yet: the database runs them in order, so
 * the lock is held before the first statement runs.  res[i] gets each one's result (the
 * caller PQclear()s them) and ST_OK comes back, or every res[i] is NULL and the first
 * failure comes back (when BEGIN or the lock fails, that one: the rest were skipped). */
static int run_all(pg_t *st, int nq, pq_t *qs, PGresult **res)
{
    int rc = ST_OK;
    for (int i = 0; i < nq; i++)
        res[i] = NULL;
    if (nq > MAX_BATCH)
        return ST_ERROR;
    if (usable(st))
        return ST_BUSY;
    for (int i = 0; i < nq && !rc; i++)
        qs[i].name = prepared(st, qs[i].sql, qs[i].n, &rc);
    if (rc)
        return rc;
    if (nq == 1 && !st->begin_sql) {
        res[0] = qs[0].name ? PQexecPrepared(st->conn, qs[0].name, qs[0].n, qs[0].vals, NULL, NULL, 0)
                            : PQexecParams(st->conn, qs[0].sql, qs[0].n, NULL, qs[0].vals, NULL, NULL, 0);
        rc = code_of(st, res[0]);
    } else {
        char lock[128];
        snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d), set_config('synchronous_commit', 'off', true)",
                 WRITE_LOCK);
        pq_t all[MAX_BATCH + 2];
        PGresult *got[MAX_BATCH + 2];
        int k = 0;
        if (st->begin_sql) {
            all[k++] = (pq_t){st->begin_sql, NULL, 0, NULL};
            if (st->write)
                all[k++] = (pq_t){lock, NULL, 0, NULL};
            st->begin_sql = NULL;
        }
        for (int i = 0; i < nq; i++)
            all[k + i] = qs[i];
        rc = pipeline(st, k + nq, all, got);
        for (int i = 0; i < k + nq; i++)
            if (i < k)
                PQclear(got[i]);
            else
                res[i - k] = got[i];
    }
    if (rc)
        for (int i = 0; i < nq; i++) {
            PQclear(res[i]);
            res[i] = NULL;
        }
    return rc;
}

/* One statement: its result (the caller PQclear()s it) with *rc ST_OK, or NULL with the
 * failure. */
static PGresult *run(pg_t *st, const char *sql, int n, const char *const *vals, int *rc)
{
    pq_t q = {sql, NULL, n, vals};
    PGresult *r;
    *rc = run_all(st, 1, &q, &r);
    return r;
}

/* A command whose rows do not matter; the number of rows it touched in *changed. */
static int command(pg_t *st, const char *sql, int n, const char *const *vals, long *changed)
{
    int rc;
    st->wrote = 1;
    PGresult *r = run(st, sql, n, vals, &rc);
    if (r && changed)
        *changed = atol(PQcmdTuples(r));
    PQclear(r);
    return rc;
}

/* A script of several statements, unprepared (transactions, migrations). */
static int script(pg_t *st, const char *sql)
{
    if (usable(st))
        return ST_BUSY;
    PGresult *r = PQexec(st->conn, sql);
    int rc = code_of(st, r);
    PQclear(r);
    return rc;
}

static int migrate(pg_t *st, char *err, size_t errsz)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%d)", MIGRATE_LOCK);
    int rc = script(st, sql);
    if (!rc)
        rc = script(st, "CREATE TABLE IF NOT EXISTS evovoiced_schema(version int NOT NULL);"
                        "INSERT INTO evovoiced_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM evovoiced_schema)");
    int version = -1;
    if (!rc) {
        PGresult *r = PQexec(st->conn, "SELECT version FROM evovoiced_schema");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            version = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    if (rc || version < 0)
        snprintf(err, errsz, "cannot read the schema version: %s", pg_errmsg(&st->base));
    else if (version > nmigrations())
        snprintf(err, errsz, "database schema version %d is newer than this program (%d)", version, nmigrations());
    for (int v = version; !rc && v >= 0 && v < nmigrations(); v++) {
        char bump[96];
        snprintf(bump, sizeof bump, "UPDATE evovoiced_schema SET version=%d", v + 1);
        if (script(st, "BEGIN") || script(st, migrations[v]) || script(st, bump) || script(st, "COMMIT")) {
            snprintf(err, errsz, "migration %d failed: %s", v + 1, pg_errmsg(&st->base));
            script(st, "ROLLBACK");
            rc = ST_ERROR;
        }
    }
    int ok = !rc && version >= 0 && version <= nmigrations();
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%d)", MIGRATE_LOCK);
    script(st, sql);
    return ok ? 0 : -1;
}

static void pg_close(store_t *base)
{
    pg_t *st = (pg_t *)base;
    forget_statements(st);
    PQfinish(st->conn);
    free(st);
}

static store_t *pg_open(const char *url, char *err, size_t errsz)
{
    pg_t *st = calloc(1, sizeof *st);
    st->base.ops = &store_pg_ops;
    /* defaults first: what the URL says wins */
    const char *keys[] = {"connect_timeout", "application_name", "tcp_user_timeout", "keepalives_idle", "dbname", NULL};
    const char *vals[] = {"5", "evovoiced", "10000", "30", url, NULL};
    st->conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(st->conn) != CONNECTION_OK) {
        snprintf(err, errsz, "cannot connect to the database: %s", PQerrorMessage(st->conn));
        pg_close(&st->base);
        return NULL;
    }
    PQclear(PQexec(st->conn, "SET client_min_messages = warning"));
    if (migrate(st, err, errsz)) {
        pg_close(&st->base);
        return NULL;
    }
    return &st->base;
}

/* BEGIN is not sent here: it goes with the transaction's first statement (run_all), so
 * it costs no round trip of its own.  The connection is made again here if it was lost. */
static int pg_begin(store_t *base, int write)
{
    pg_t *st = (pg_t *)base;
    if (usable(st))
        return ST_BUSY;
    if (PQtransactionStatus(st->conn) != PQTRANS_IDLE)
        script(st, "ROLLBACK");
    st->begin_sql = write ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL REPEATABLE READ";
    st->write = write;
    st->wrote = 0;
    st->in_txn = 1;
    return ST_OK;
}

/* A transaction that ran nothing has nothing to end.  A read transaction's COMMIT ends a
 * snapshot and makes nothing durable: it is sent without waiting, and its answer read
 * before the connection's next use.  A write transaction commits without waiting for its
 * WAL to reach the disk (synchronous_commit off, set with its lock), which lets go of the
 * writers' lock at once; then, in the same round trip, a transaction that writes one WAL
 * record (a logical decoding message, which any user may emit and nothing stores)
 * commits synchronously: its commit record comes after ours in the WAL, so once it is on
 * the disk (and on a synchronous standby) so is ours, and only then does this return.  (A
 * transaction that only took an id would write no WAL of its own, and PostgreSQL would
 * not wait for its commit.)  Concurrent writers' flushes share one disk write. */
static int pg_commit(store_t *base)
{
    pg_t *st = (pg_t *)base;
    st->in_txn = 0;
    if (st->begin_sql) {
        st->begin_sql = NULL;
        return ST_OK;
    }
    if (PQstatus(st->conn) != CONNECTION_OK)
        return ST_BUSY;
    if (!st->write && !st->wrote && PQsendQuery(st->conn, "COMMIT")) {
        st->commit_sent = 1;
        return ST_OK;
    }
    pq_t qs[2] = {{"COMMIT", NULL, 0, NULL}, {"SELECT pg_logical_emit_message(true, 'evovoiced', 'flush')", NULL, 0, NULL}};
    PGresult *res[2];
    int rc = pipeline(st, st->write ? 2 : 1, qs, res);
    if (!rc && strcmp(PQcmdStatus(res[0]), "COMMIT")) /* an aborted transaction "commits" as ROLLBACK */
        rc = ST_ERROR;
    PQclear(res[0]);
    if (st->write)
        PQclear(res[1]);
    return rc;
}

static void pg_rollback(store_t *base)
{
    pg_t *st = (pg_t *)base;
    st->begin_sql = NULL;
    settle(st);
    if (PQstatus(st->conn) == CONNECTION_OK && PQtransactionStatus(st->conn) != PQTRANS_IDLE)
        PQclear(PQexec(st->conn, "ROLLBACK"));
    st->in_txn = 0;
}

/* ---- documents ---- */

static json_t *doc_at(store_t *st, PGresult *r, int row, int col, coll_t c, const char *id)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return store_doc_shared(st, c, id, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static json_t *pg_get(store_t *base, coll_t c, const char *id, int *rc)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT doc::text FROM %s WHERE id=$1", colls[c].table);
    const char *v[1] = {id};
    PGresult *r = run((pg_t *)base, sql, 1, v, rc);
    json_t *d = r && PQntuples(r) ? doc_at(base, r, 0, 0, c, id) : NULL;
    if (r && PQntuples(r) && !d)
        *rc = ST_ERROR; /* a row that does not parse is a failure */
    PQclear(r);
    return d;
}

/* A JSON scalar as a text parameter: NULL for null, absent or "" (an empty parent is no
 * parent, as in the SQLite back end). */
static char *param_of(json_t *v)
{
    if (json_is_string(v))
        return json_string_length(v) ? strdup(json_string_value(v)) : NULL;
    if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v))
        return json_dumps(v, JSON_ENCODE_ANY);
    return NULL;
}

/* put of doc as the text txt (made by the caller, or NULL: made here) */
static int put_as(store_t *base, coll_t c, json_t *doc, const char *txt)
{
    pg_t *st = (pg_t *)base;
    const coll_def_t *d = &colls[c];
    char *vals[MAX_PARAMS] = {0};
    int n = 0;
    buf_t b = {0}, v = {0}, up = {0}, uq = {0};
    vals[n++] = param_of(json_object_get(doc, "id"));
    vals[n++] = txt ? strdup(txt) : jtext(doc, NULL);
    buf_printf(&b, "INSERT INTO %s(id,doc", d->table);
    buf_puts(&v, "$1,$2::json");
    buf_puts(&up, "doc=excluded.doc");
    for (int i = 0; i < 5 && d->fields[i]; i++) {
        vals[n++] = param_of(json_object_get(doc, d->fields[i]));
        buf_printf(&b, ",%s", d->cols[i]);
        buf_printf(&v, ",$%d::%s", n, d->types[i]);
        buf_printf(&up, ",%s=excluded.%s", d->cols[i], d->cols[i]);
        for (int u = 0; u < 2 && d->unique[u]; u++)
            if (!strcmp(d->unique[u], d->cols[i])) { /* taken by another document: a conflict, not an abort */
                if (c == C_USERS) /* e-mails are unique case-insensitively */
                    buf_printf(&uq, " AND NOT EXISTS (SELECT 1 FROM users WHERE evo_nocase(email)=evo_nocase($%d) AND id<>$1)", n);
                else
                    buf_printf(&uq, " AND NOT EXISTS (SELECT 1 FROM %s WHERE %s=$%d::%s AND id<>$1)", d->table, d->cols[i], n,
                               d->types[i]);
            }
    }
    if (d->root == ROOT_SELF) {
        buf_puts(&b, ",root_id");
        buf_puts(&v, ",coalesce($2::json->'ancestorIds'->>0,$1)");
        buf_puts(&up, ",root_id=excluded.root_id");
    } else if (d->root == ROOT_OF_ACCOUNT) {
        vals[n++] = param_of(json_object_get(doc, d->account));
        buf_puts(&b, ",root_id");
        buf_printf(&v, ",(SELECT root_id FROM accounts WHERE id=$%d)", n);
        buf_puts(&up, ",root_id=excluded.root_id");
    }
    buf_printf(&b, ") SELECT %s WHERE TRUE%s ON CONFLICT(id) DO UPDATE SET %s", v.p, uq.p ? uq.p : "", up.p);
    long changed = 0;
    int rc = command(st, b.p, n, (const char *const *)vals, &changed);
    if (!rc && changed == 0)
        rc = ST_CONFLICT;
    if (!rc && vals[1]) { /* the json column keeps the text as given: a read hashes the same */
        char ver[STORE_VER_LEN + 1];
        store_text_version(vals[1], strlen(vals[1]), ver);
        store_seen(base, c, vals[0], ver);
    }
    for (int i = 0; i < n; i++)
        free(vals[i]);
    buf_free(&b);
    buf_free(&v);
    buf_free(&up);
    buf_free(&uq);
    return rc;
}

static int pg_put(store_t *base, coll_t c, json_t *doc) { return put_as(base, c, doc, NULL); }

/* The text is the document's as given (NUL-terminated by its maker: jtext, store.c);
 * create changes nothing here, an upsert costing no more than an insert. */
static int pg_put_text(store_t *base, coll_t c, json_t *doc, const char *txt, size_t len, int create)
{
    return put_as(base, c, doc, txt);
}

static int pg_delete(store_t *base, coll_t c, const char *id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id=$1", colls[c].table);
    const char *v[1] = {id};
    long changed = 0;
    int rc = command((pg_t *)base, sql, 1, v, &changed);
    return rc ? rc : changed ? ST_OK : ST_NOTFOUND;
}

/* A field as SQL: its column, or the document's member (as jsonb with json, else as
 * text).  -1 for an unsafe name. */
static int field_sql(buf_t *b, coll_t c, const char *field, int json, const char **type)
{
    if (type)
        *type = "text";
    if (!store_field_ok(field))
        return -1;
    const char *col = !strcmp(field, "id") ? "id" : NULL;
    for (int i = 0; !col && i < 5 && colls[c].fields[i]; i++)
        if (!strcmp(colls[c].fields[i], field)) {
            col = colls[c].cols[i];
            if (type)
                *type = colls[c].types[i];
        }
    if (col)
        buf_printf(b, json ? "to_jsonb(%s)" : "%s", col);
    else if (strchr(field, '.')) { /* a path: doc #> '{data,plan,stringValue}' */
        buf_puts(b, json ? "(doc#>'{" : "(doc#>>'{");
        for (const char *p = field; *p; p++)
            buf_putc(b, *p == '.' ? ',' : *p);
        buf_puts(b, json ? "}')::jsonb" : "}')");
        if (type)
            *type = "json";
    } else {
        buf_printf(b, json ? "(doc->'%s')::jsonb" : "(doc->>'%s')", field);
        if (type)
            *type = "json";
    }
    return 0;
}

static json_t *pg_get_field(store_t *base, coll_t c, const char *id, const char *field, int *rc)
{
    buf_t b = {0};
    buf_puts(&b, "SELECT (");
    if (field_sql(&b, c, field, 1, NULL)) {
        buf_free(&b);
        *rc = ST_ERROR;
        return NULL;
    }
    buf_printf(&b, ")::text FROM %s WHERE id=$1", colls[c].table);
    const char *v[1] = {id};
    PGresult *r = run((pg_t *)base, b.p, 1, v, rc);
    buf_free(&b);
    json_t *out = NULL;
    if (r && PQntuples(r))
        out = PQgetisnull(r, 0, 0) ? json_null() : json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, NULL);
    PQclear(r);
    return out;
}

static long pg_count(store_t *base, coll_t c, const char *field, const char *value, int *rc)
{
    buf_t b = {0};
    const char *type;
    buf_printf(&b, "SELECT count(*) FROM %s WHERE ", colls[c].table);
    if (field_sql(&b, c, field, 0, &type)) {
        buf_free(&b);
        *rc = ST_ERROR;
        return -1;
    }
    buf_printf(&b, "=$1::%s", !strcmp(type, "bigint") ? "bigint" : "text");
    const char *v[1] = {value};
    PGresult *r = run((pg_t *)base, b.p, 1, v, rc);
    buf_free(&b);
    long n = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 0)) : -1;
    if (r && n < 0)
        *rc = ST_ERROR;
    PQclear(r);
    return n;
}

/* ---- queries ---- */

/* One filter's condition; its parameter is $n, its text in *val. */
static int cond(buf_t *b, coll_t c, const qfilter_t *f, int n, char **val)
{
    const char *type;
    json_t *first = json_is_array(f->values) ? json_array_get(f->values, 0) : f->values;
    int as_list = f->op == Q_HAS_ALL || f->op == Q_HAS_ANY || f->op == Q_LACKS || f->op == Q_WITHIN || f->op == Q_HAS_ELEM ||
                  (f->op == Q_IN && json_array_size(f->values) != 1);
    *val = as_list ? json_dumps(f->values, JSON_COMPACT) : param_of(first);
    if (!as_list && json_is_string(first) && !json_string_length(first))
        *val = strdup("");
    buf_t fx = {0};
    int json = (as_list && f->op != Q_IN) || (f->op == Q_EQ && !json_is_string(first));
    if (field_sql(&fx, c, f->field, json, &type)) {
        buf_free(&fx);
        return -1;
    }
    switch (f->op) {
    case Q_IN:
        if (json_array_size(f->values) == 1)
            buf_printf(b, "%s=$%d", fx.p, n);
        else
            buf_printf(b, "%s IN (SELECT jsonb_array_elements_text($%d::jsonb))", fx.p, n);
        break;
    case Q_CONTAINS: buf_printf(b, "strpos(evo_nocase(%s),evo_nocase($%d::text))>0", fx.p, n); break;
    case Q_HAS_ALL: buf_printf(b, "coalesce(%s @> $%d::jsonb,false)", fx.p, n); break;
    case Q_EQ:
        if (json_is_string(first))
            buf_printf(b, "%s=$%d::text", fx.p, n);
        else
            buf_printf(b, "%s=$%d::jsonb", fx.p, n);
        break;
    case Q_LE:
        if (!strcmp(type, "bigint"))
            buf_printf(b, "%s<=$%d::bigint", fx.p, n);
        else
            buf_printf(b, "(%s)::numeric<=$%d::numeric", fx.p, n);
        break;
    case Q_GE:
    case Q_LT: {
        const char *opx = f->op == Q_GE ? ">=" : "<";
        if (!strcmp(type, "bigint"))
            buf_printf(b, "%s%s$%d::bigint", fx.p, opx, n);
        else if (json_is_string(first))
            buf_printf(b, "(%s) COLLATE \"C\"%s$%d::text", fx.p, opx, n);
        else
            buf_printf(b, "(%s)::numeric%s$%d::numeric", fx.p, opx, n);
        break;
    }
    case Q_HAS_ANY: buf_printf(b, "coalesce(%s ?| ARRAY(SELECT jsonb_array_elements_text($%d::jsonb)),false)", fx.p, n); break;
    case Q_LACKS: buf_printf(b, "NOT coalesce(%s ?| ARRAY(SELECT jsonb_array_elements_text($%d::jsonb)),false)", fx.p, n); break;
    case Q_WITHIN:
        buf_printf(b, "(jsonb_typeof(%s)='array' AND jsonb_array_length(%s)>0 AND $%d::jsonb @> %s)", fx.p, fx.p, n, fx.p);
        break;
    case Q_HAS_ELEM:
        buf_printf(b, "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(%s) WHEN 'array' THEN %s ELSE "
                      "'[]'::jsonb END) e WHERE NOT EXISTS (SELECT 1 FROM jsonb_each($%d::jsonb) k WHERE NOT "
                      "coalesce(k.value ? (e->>k.key),false)))",
                   fx.p, fx.p, n);
        break;
    }
    buf_free(&fx);
    return 0;
}

typedef struct {
    coll_t c;
    char **vals;
} where_ctx_t;

static int pg_cond(buf_t *b, const qfilter_t *f, int n, void *arg)
{
    where_ctx_t *w = arg;
    return cond(b, w->c, f, n, &w->vals[n - 1]);
}

static int where(buf_t *b, coll_t c, const query_t *q, char **vals)
{
    where_ctx_t w = {c, vals};
    return store_where(b, q, "TRUE", pg_cond, &w);
}

/* ORDER BY a field: text case-insensitively in byte order; a document member as SQLite
 * orders json_extract() values (nulls, then numbers, then text). */
static int order_by(buf_t *b, coll_t c, const char *field, int desc)
{
    buf_t fx = {0};
    const char *type;
    if (field_sql(&fx, c, field, 0, &type)) {
        buf_free(&fx);
        return -1;
    }
    const char *dir = desc ? "DESC" : "ASC", *nulls = desc ? "NULLS LAST" : "NULLS FIRST";
    if (!strcmp(type, "bigint"))
        buf_printf(b, " ORDER BY %s %s %s", fx.p, dir, nulls);
    else if (!strcmp(type, "text"))
        buf_printf(b, " ORDER BY " NOCASE("%s") " %s %s", fx.p, dir, nulls);
    else
        buf_printf(b,
                   " ORDER BY CASE coalesce(json_typeof(doc->'%s'),'null') WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 "
                   "WHEN 'string' THEN 2 WHEN 'null' THEN 0 ELSE 3 END %s, CASE json_typeof(doc->'%s') WHEN "
                   "'number' THEN (doc->>'%s')::numeric WHEN 'boolean' THEN (CASE doc->>'%s' WHEN 'true' THEN 1 ELSE "
                   "0 END) END %s, " NOCASE("%s") " %s",
                   field, dir, field, field, field, dir, fx.p, dir);
    buf_printf(b, ", id COLLATE \"C\" %s", dir);
    buf_free(&fx);
    return 0;
}

static int pg_list(store_t *base, coll_t c, const query_t *q, json_t **items, long *total)
{
    pg_t *st = (pg_t *)base;
    char *vals[QUERY_MAX_FILTERS] = {0};
    buf_t w = {0}, b = {0}, cnt = {0};
    int rc = ST_ERROR;
    *items = NULL;
    if (q->nf > QUERY_MAX_FILTERS || where(&w, c, q, vals))
        goto out;
    buf_printf(&b, "SELECT doc::text, id FROM %s%s", colls[c].table, w.p);
    if (order_by(&b, c, q->sort ? q->sort : colls[c].sort, q->desc))
        goto out;
    if (q->limit >= 0)
        buf_printf(&b, " LIMIT %ld", q->limit);
    buf_printf(&b, " OFFSET %ld", q->offset);
    /* the page, and its total when asked for, in one round trip */
    buf_printf(&cnt, "SELECT count(*) FROM %s%s", colls[c].table, w.p);
    pq_t qs[2] = {{b.p, NULL, q->nf, (const char *const *)vals}, {cnt.p, NULL, q->nf, (const char *const *)vals}};
    PGresult *res[2], *r;
    int counted = q->count && total;
    rc = run_all(st, counted ? 2 : 1, qs, res);
    r = res[0];
    if (counted) {
        *total = res[1] && PQntuples(res[1]) ? atol(PQgetvalue(res[1], 0, 0)) : 0;
        PQclear(res[1]);
    }
    if (r) {
        json_t *arr = json_array();
        for (int i = 0; i < PQntuples(r); i++) {
            json_t *d = doc_at(NULL, r, i, 0, c, PQgetvalue(r, i, 1));
            if (d)
                json_array_append_new(arr, d);
        }
        *items = arr;
    }
    PQclear(r);
out:
    for (int i = 0; i < QUERY_MAX_FILTERS; i++)
        free(vals[i]);
    buf_free(&w);
    buf_free(&b);
    buf_free(&cnt);
    return rc;
}

static json_t *pg_path(store_t *base, coll_t c, const char *id, int max_depth, int *rc)
{
    char sql[512], depth[16];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE p(id, parent_id, name, depth) AS (SELECT id, parent_id, name, 1 FROM %s WHERE id=$1 "
             "UNION ALL SELECT x.id, x.parent_id, x.name, p.depth+1 FROM %s x JOIN p ON x.id=p.parent_id WHERE "
             "p.depth < $2::int) SELECT id, name FROM p ORDER BY depth DESC",
             colls[c].table, colls[c].table);
    snprintf(depth, sizeof depth, "%d", max_depth);
    const char *v[2] = {id ? id : "", depth};
    PGresult *r = run((pg_t *)base, sql, 2, v, rc);
    if (!r)
        return NULL;
    json_t *out = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(out, json_pack("[s,s?]", PQgetvalue(r, i, 0), PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1)));
    PQclear(r);
    return out;
}

static json_t *pg_paths(store_t *base, coll_t c, json_t *ids, int max_depth, int *rc)
{
    char sql[640], depth[16];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE p(start, id, parent_id, name, depth) AS (SELECT id, id, parent_id, name, 1 FROM %s WHERE "
             "id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb))) UNION ALL SELECT p.start, x.id, x.parent_id, "
             "x.name, p.depth+1 FROM %s x JOIN p ON x.id=p.parent_id WHERE p.depth < $2::int) "
             "SELECT start, id, name FROM p ORDER BY start, depth DESC",
             colls[c].table, colls[c].table);
    snprintf(depth, sizeof depth, "%d", max_depth);
    char *list = json_dumps(ids, JSON_COMPACT);
    const char *v[2] = {list ? list : "[]", depth};
    PGresult *r = run((pg_t *)base, sql, 2, v, rc);
    free(list);
    if (!r)
        return NULL;
    json_t *out = json_object(), *id;
    size_t i;
    json_array_foreach(ids, i, id) if (json_is_string(id)) json_object_set_new(out, json_string_value(id), json_array());
    for (int row = 0; row < PQntuples(r); row++)
        json_array_append_new(json_object_get(out, PQgetvalue(r, row, 0)),
                              json_pack("[s,s?]", PQgetvalue(r, row, 1), PQgetisnull(r, row, 2) ? NULL : PQgetvalue(r, row, 2)));
    PQclear(r);
    return out;
}

static json_t *pg_subtree(store_t *base, coll_t c, json_t *root_ids, int *rc)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE t(id) AS (SELECT jsonb_array_elements_text($1::jsonb) UNION SELECT x.id FROM %s x JOIN t "
             "ON x.parent_id=t.id) SELECT id FROM t",
             colls[c].table);
    char *ids = json_dumps(root_ids, JSON_COMPACT);
    const char *v[1] = {ids};
    PGresult *r = run((pg_t *)base, sql, 1, v, rc);
    free(ids);
    if (!r)
        return NULL;
    json_t *out = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(out, json_string(PQgetvalue(r, i, 0)));
    PQclear(r);
    return out;
}

/* ---- users and sessions ---- */

static json_t *pg_user_by_email(store_t *base, const char *email, char **hash, int *rc)
{
    const char *v[1] = {email};
    PGresult *r = run((pg_t *)base, "SELECT doc::text, password_hash, id FROM users WHERE evo_nocase(email)=evo_nocase($1)",
                      1, v, rc);
    json_t *doc = NULL;
    if (r && PQntuples(r)) {
        doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        if (hash)
            *hash = PQgetisnull(r, 0, 1) ? NULL : strdup(PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return doc;
}

static char *pg_user_hash(store_t *base, const char *user_id, int *rc)
{
    const char *v[1] = {user_id};
    PGresult *r = run((pg_t *)base, "SELECT password_hash FROM users WHERE id=$1", 1, v, rc);
    char *out = r && PQntuples(r) && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return out;
}

static int pg_set_password(store_t *base, const char *user_id, const char *hash)
{
    const char *v[2] = {user_id, hash};
    return command((pg_t *)base, "UPDATE users SET password_hash=$2 WHERE id=$1", 2, v, NULL);
}

static unsigned long pg_users_version(store_t *base)
{
    int rc;
    PGresult *r = run((pg_t *)base, "SELECT value FROM evovoiced_meta WHERE key='users_version'", 0, NULL, &rc);
    unsigned long v = r && PQntuples(r) ? strtoul(PQgetvalue(r, 0, 0), NULL, 10) : STORE_VERSION_UNKNOWN;
    PQclear(r);
    return v;
}

static int pg_session_put(store_t *base, const char *sid, const char *user_id, long long expires_ms)
{
    char exp[32];
    snprintf(exp, sizeof exp, "%lld", expires_ms);
    const char *v[3] = {sid, user_id, exp};
    return command((pg_t *)base,
                   "INSERT INTO sessions(id,user_id,expires) VALUES($1,$2,$3::bigint) ON CONFLICT(id) DO UPDATE SET "
                   "user_id=excluded.user_id, expires=excluded.expires",
                   3, v, NULL);
}

static char *pg_session_user(store_t *base, const char *sid, int *rc)
{
    char now[32];
    snprintf(now, sizeof now, "%lld", now_ms());
    const char *v[2] = {sid, now};
    PGresult *r = run((pg_t *)base, "SELECT user_id FROM sessions WHERE id=$1 AND expires>$2::bigint", 2, v, rc);
    char *out = r && PQntuples(r) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return out;
}

static int pg_session_delete(store_t *base, const char *sid)
{
    const char *v[1] = {sid};
    return command((pg_t *)base, "DELETE FROM sessions WHERE id=$1", 1, v, NULL);
}

static int pg_session_delete_user(store_t *base, const char *user_id)
{
    const char *v[1] = {user_id};
    return command((pg_t *)base, "DELETE FROM sessions WHERE user_id=$1", 1, v, NULL);
}

/* Presence as a session advisory lock on the id (ids have their top bit set, apart from
 * the small constants of the write and migration locks). */
static int pg_presence(store_t *base, unsigned long long id, int hold)
{
    pg_t *st = (pg_t *)base;
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)(id | 1ULL << 63));
    const char *v[1] = {key};
    int rc;
    if (hold) {
        PGresult *r = run(st, "SELECT pg_advisory_lock($1::bigint)", 1, v, &rc);
        PQclear(r);
        if (!rc)
            st->present = id | 1ULL << 63;
        return rc;
    }
    if ((id | 1ULL << 63) == st->present)
        return 1; /* asking about itself: a session lock is re-entrant, so do not ask the database */
    PGresult *r = run(st, "SELECT pg_try_advisory_lock($1::bigint)", 1, v, &rc);
    int got = r && PQntuples(r) && !strcmp(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    if (rc)
        return -rc;
    if (got) { /* nobody holds it: its holder is gone; let it go again at once */
        r = run(st, "SELECT pg_advisory_unlock($1::bigint)", 1, v, &rc);
        PQclear(r);
    }
    return !got;
}

const struct store_ops store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .errmsg = pg_errmsg,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .get = pg_get,
    .put = pg_put,
    .put_text = pg_put_text,
    .del = pg_delete,
    .get_field = pg_get_field,
    .count = pg_count,
    .list = pg_list,
    .path = pg_path,
    .subtree = pg_subtree,
    .paths = pg_paths,
    .user_by_email = pg_user_by_email,
    .user_hash = pg_user_hash,
    .set_password = pg_set_password,
    .users_version = pg_users_version,
    .session_put = pg_session_put,
    .session_user = pg_session_user,
    .session_delete = pg_session_delete,
    .session_delete_user = pg_session_delete_user,
    .presence = pg_presence,
};
