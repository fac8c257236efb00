/* store.h — the storage interface: collections of JSON documents with a few indexed
 * columns, transactions, users' credentials and sessions.  It knows nothing of HTTP or
 * formats.  One store_t is one connection; use it from one thread at a time.
 * These functions (store.c) forward to a back end's table of primitives
 * (store_backend.h): SQLite (store_sqlite.c) and PostgreSQL (store_pg.c); store_fault.c
 * wraps any store to fail on purpose, for tests.  tests/unit/test_store.c holds every
 * back end to this contract.
 *
 * The contract, in database terms (every back end, however many servers share it):
 * - A read transaction (store_begin(st, 0)) sees one snapshot of committed data.
 * - Write transactions are serialized: one runs at a time against a database, and each of
 *   its reads sees every write committed before it.  A read-then-write inside one (a cap,
 *   a uniqueness or cycle check) therefore holds without retries.  SQLite: one writer
 *   connection per file in the process, each write transaction a savepoint of a shared
 *   BEGIN IMMEDIATE transaction (group commit, store_batch_max); PostgreSQL: a
 *   transaction-scoped advisory lock.
 * - store_commit returns only once the transaction is durable; an answered write is never
 *   lost to a crash of the server.
 * - The users' version (store_users_version) is the database's, so a credential cache in
 *   any server sees a change at once.
 * - Background work is claimed by writing a lease into the work item inside a write
 *   transaction; a claim whose worker is gone (store_present) is void.
 * - Opening a store migrates the schema, one server at a time; a schema newer than the
 *   program is refused.
 *
 * Failures.  A call fails with ST_BUSY (try again) or ST_ERROR; ST_NOTFOUND and
 * ST_CONFLICT are answers, not failures.  Calls that return a pointer or a count say
 * "nothing there" and "failed" the same way (NULL, -1): store_errcode() tells them apart,
 * and a caller that acts on "nothing there" must ask it.  A transaction in which any call
 * failed cannot commit: store_commit rolls it back and returns that failure, so a
 * failure a caller overlooked never becomes a half-done change (PostgreSQL's rule for an
 * aborted transaction). */
#ifndef STORE_H
#define STORE_H
#include <jansson.h>

typedef enum {
    C_ACCOUNTS, C_CUSTOMERS, C_ENDPOINTS, C_USERS, C_SETTINGS,
    C_PURCHASES,   /* numbers being bought: reserved before the carrier call, until stored */
    C_IDEMPOTENCY, /* Idempotency-Key -> the first answer */
    C_JOBS,        /* carrier routing updates still to apply, one per endpoint */
    C_FLOWS,       /* call flows: a graph of nodes, of an account or one of its customers */
    C_SESSIONS,    /* calls (the call log): one per call, of an endpoint's account and customer */
    C_FILES,       /* voice messages, recordings, uploads: of an account, a customer, maybe a session */
    C_LOG,         /* the audit log: one entry per document an API call changed (store_audit) */
    C__COUNT
} coll_t;

/* ST_RETRY: only store_apply's (an optimistic transaction to run again, see there) */
enum { ST_OK = 0, ST_NOTFOUND = 1, ST_CONFLICT = 2, ST_BUSY = 3, ST_ERROR = 4, ST_RETRY = 5 };

typedef struct store store_t;

/* Open (creating and migrating as needed).  The path chooses the back end: a
 * postgresql:// (or postgres://) URL is PostgreSQL, a file name is SQLite.  NULL with a message in err on failure. */
/* Settings every store opened afterwards takes.  exclusive (SQLite only): this process
 * alone opens the file.  It takes one file lock when its first connection opens and holds
 * it until the last closes, and keeps the WAL index in its own memory, so its connections
 * (one per thread, readers and the writer together) coordinate in memory and a
 * transaction costs no fcntl lock.  Any other process that opens the file meanwhile (a
 * second server, `user add`, `session add`) waits out the busy timeout and fails with an
 * error naming the lock; nothing is written.  A credential change made there could not
 * reach this server's cache anyway: the users' version of SQLite lives in the process. */
typedef struct {
    int exclusive;
} store_config_t;
extern store_config_t store_config;

store_t *store_open(const char *path, char *err, size_t errsz);
/* 1 when st's statements go to a database server and wait for it (PostgreSQL). */
int store_remote(const store_t *st);
void store_close(store_t *st);
const char *store_errmsg(store_t *st);

/* The failure of the last call on st (ST_BUSY, ST_ERROR), or ST_OK when it worked,
 * whether or not it found anything.  Ask it when a call returned NULL or -1. */
int store_errcode(store_t *st);
/* The first failure of a call in the open transaction, which store_commit will return;
 * ST_OK when none failed or no transaction is open. */
int store_failed(store_t *st);

int store_begin(store_t *st, int write); /* write: serialized with every other write */
/* Group commit (SQLite): concurrent write transactions of one process commit together,
 * each in its own savepoint, at most this many in one COMMIT (1: each commits alone).
 * Set before the first store opens; the --batch-max flag. */
extern int store_batch_max;
/* Grows after every committed change to users (documents, passwords); caches of users
 * compare it.  Where it lives is the back end's: SQLite keeps it in the process (one
 * process owns the file), PostgreSQL in the database (every server sees a change at
 * once).  Read it before reading the users it stands for. */
unsigned long store_users_version(store_t *st);
/* The write generation the open read transaction began in: 1 with *gen filled when the
 * back end can vouch that no change was committed to the database while the generation
 * stays the same, else 0 (PostgreSQL, whose servers share a database; SQLite without
 * store_config.exclusive, where another process may write; an in-memory database; a
 * write transaction).  It is read before the transaction's snapshot, so what the
 * transaction reads is at least as new as its generation: a thing made from those reads
 * and kept under the generation is current for as long as the generation is. */
int store_generation(store_t *st, unsigned long *gen);
/* An optimistic write transaction: what store_begin(st, 1) gives, without holding the
 * writer while the caller works.  It reads a snapshot as a read transaction does, noting
 * each document it reads by id (or finds missing) with its version, and keeps its writes
 * (with their audit entries, their texts already made) in memory, where its own later
 * reads by id find them.  store_apply then takes the writer, checks that every document
 * read is still as it was, and makes the writes: the outcome is the one store_begin(st, 1)
 * would have had had the caller run at that moment.  Only reads by id can be checked:
 * any other read (a list, a count, a subtree, a user by email, ...) or a login write makes
 * the transaction one to run again (store_must_retry), failing that call.  Back ends
 * where a write gains nothing by it (PostgreSQL, an in-memory database) begin an ordinary
 * write transaction here. */
int store_begin_optimistic(store_t *st);
/* 1 when the open optimistic transaction cannot go on (it read what it cannot check):
 * roll it back and run the work again in store_begin(st, 1). */
int store_must_retry(store_t *st);
/* An optimistic transaction's writes, made under the writer once its reads are checked:
 * ST_OK and the transaction is an ordinary write transaction, for store_commit (or
 * store_commit_then); ST_RETRY when a document read has changed since (or a write was
 * refused: a uniqueness conflict), and it is rolled back: run the work again in
 * store_begin(st, 1); or the failure to take the writer, rolled back.  ST_OK at once for
 * any other transaction.  store_commit applies one not applied yet. */
int store_apply(store_t *st);
/* ST_OK, or the failure; either way the transaction is over (rolled back on failure,
 * also when an earlier call in it failed). */
int store_commit(store_t *st);
void store_rollback(store_t *st);
/* store_commit without waiting for durability where the back end makes a batch of
 * transactions durable together (SQLite's group commit): done(arg, rc) is called exactly
 * once with what store_commit would have returned, from whichever thread commits the
 * batch, maybe before this returns.  Until then nothing of the transaction may be told to
 * anyone; st is free for its next transaction at once.  Back ends without batches commit
 * here and call done before returning. */
void store_commit_then(store_t *st, void (*done)(void *arg, int rc), void *arg);
/* A thread that serves many requests in a round (the server's: all the requests its poll
 * found ready) may turn this on: then the batch its store_commit_then calls join stays
 * open for the rest of the round, unless it fills, and the thread calls store_flush when
 * the round ends, so that a round's writes share one COMMIT.  Other threads' commits and
 * store_commit are unchanged.  Back ends without batches ignore both. */
void store_defer_commits(int on);
/* The end of the batch this thread left open (store_defer_commits), if it still is. */
void store_flush(void);

/* Documents.  A document is a DTO object with an "id" key; the store keeps the
 * collection's indexed fields (accountId, parentId, name, ...) in columns.
 * Documents that store_get and store_list return may be shared with other requests:
 * they are read-only.  To change one, change a copy (json_copy) and store_put it. */
json_t *store_get(store_t *st, coll_t c, const char *id);      /* new ref, or NULL: missing or failed */
int store_put(store_t *st, coll_t c, json_t *doc);              /* insert or replace */
/* store_put of a document whose id id_new made just now, so that no document has it: no
 * read of an old one first (nor, in an optimistic transaction, a check that it is still
 * missing), and its audit entry is a creation. */
int store_put_new(store_t *st, coll_t c, json_t *doc);
int store_delete(store_t *st, coll_t c, const char *id);
/* The version of document id of c as this transaction (or the last one, once over) last
 * read it with store_get or wrote it with store_put: a hash of its stored text, so it
 * changes with every write that changes the document (every entity write stamps
 * dateLastModified), and every server of a database computes the same one.  Costs no
 * round trip: 1 with ver filled, 0 when the transaction did not read or write it. */
enum { STORE_VER_LEN = 32 };
int store_version(store_t *st, coll_t c, const char *id, char ver[STORE_VER_LEN + 1]);
/* One field of a document (a column when the collection indexes it), without reading
 * the document: a new reference, or NULL when there is no such document (or it failed). */
json_t *store_get_field(store_t *st, coll_t c, const char *id, const char *field);
/* Documents whose field equals value; -1 when it failed. */
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
    Q_WITHIN,   /* list field is not empty and every one of its elements is among values */
    Q_GE,       /* field >= values[0]: text in byte order when values[0] is a string, else numbers */
    Q_LT,       /* field < values[0], likewise */
    Q_HAS_ELEM  /* list field (of objects) holds an element e where, for each key k of values
                 * (an object {k: [strings]}), e.k is one of values.k */
} qop_t;
typedef struct {
    const char *field; /* a camelCase field name, or a path into the document through objects:
                        * "data.plan.stringValue" (letters, digits, _ and single dots) */
    qop_t op;
    json_t *values;
    int any;           /* 0: this filter must hold; filters sharing a nonzero any form one
                        * group, which holds when any one of them does */
} qfilter_t;
enum { QUERY_MAX_FILTERS = 32 };
typedef struct {
    qfilter_t f[QUERY_MAX_FILTERS];
    int nf;
    const char *sort;  /* field name; NULL: the collection's default */
    int desc;
    long offset, limit; /* limit < 0: no limit */
    int count;          /* also compute the total */
} query_t;
/* ST_OK with *items an array (and *total with q->count), or the failure with *items NULL. */
int store_list(store_t *st, coll_t c, const query_t *q, json_t **items, long *total);
/* For back ends: is field a name or path a filter may use? */
int store_field_ok(const char *field);

/* Root-first [id, name] pairs (the rows' id and name columns) from the top of id's tree
 * down to id itself (empty if id is missing); at most max_depth entries.  Never NULL: empty when it failed. */
json_t *store_path(store_t *st, coll_t c, const char *id, int max_depth);

/* store_path for each id of the array ids at once: an object of id -> its root-first
 * [id, name] pairs (an empty array for an id that is missing).  One query on PostgreSQL
 * for a page of customers' breadcrumbs, not one per customer.  Never NULL: empty when it
 * failed. */
json_t *store_paths(store_t *st, coll_t c, json_t *ids, int max_depth);

/* Ids of the given roots and all their descendants (by parentCustomerId/parentAccountId).
 * Never NULL, empty when it failed: callers take NULL for "no restriction". */
json_t *store_subtree(store_t *st, coll_t c, json_t *root_ids);

/* Users: the password hash lives beside the document, never in it.  NULL: no such user,
 * or it failed. */
json_t *store_user_by_email(store_t *st, const char *email, char **hash);
char *store_user_hash(store_t *st, const char *user_id);
int store_set_password(store_t *st, const char *user_id, const char *hash);

/* Sessions */
int store_session_put(store_t *st, const char *sid, const char *user_id, long long expires_ms);
char *store_session_user(store_t *st, const char *sid); /* user id, or NULL: none or failed */
int store_session_delete(store_t *st, const char *sid);
int store_session_delete_user(store_t *st, const char *user_id);

/* The audit log.  While a call's context is set (store_audit), every store_put and
 * store_delete of an entity (accounts, customers, endpoints, users, settings, flows,
 * sessions, files) and every store_set_password also writes one C_LOG entry in the same
 * transaction: who, when, the operation, the entity's type, id, account and customer, and
 * the fields changed with their old and new values (compared at the top level and one
 * level into objects; a field the context's masked() names shows as "***").  A failed
 * entry fails the change, as any failed call fails its transaction.  Without a context
 * (the call runtime's writes, the command line) nothing is logged.  Bookkeeping
 * collections (purchases, idempotency, routing jobs, the log) are never logged.
 *
 * An entry: {id, date, userId, userName, operation, entityType, entityId, accountId,
 * customerId, accountIds, changes: [{field, oldValue, newValue}]}: accountIds is every
 * account the entity names (before or after; a user may have several), accountId the
 * first; values are text (a string as itself, anything else as compact JSON); ids grow
 * with time, so sorting by id is newest last. */
typedef struct {
    const char *user_id, *user_name, *operation;
    int (*masked)(const char *field); /* NULL: mask nothing */
} store_audit_t;
/* Set (who kept by reference until cleared) or clear (NULL) the audit context of st. */
void store_audit(store_t *st, const store_audit_t *who);

/* Presence: how one server's work (a claimed routing update) is known to be orphaned when
 * that server died.  A process announces itself under a random id it keeps for its life
 * (store_present_hold, on a store it keeps open); any store can then ask whether that id
 * is still there: 1 present, 0 gone, or the failure (< 0).  SQLite: a database file has one
 * process, so only its own id is present.  PostgreSQL: a session advisory lock on the
 * holder's connection, released by the database when that connection or its server dies
 * (and taken again when the connection is made again). */
int store_present_hold(store_t *st, unsigned long long id);
int store_present(store_t *st, unsigned long long id);

#endif
