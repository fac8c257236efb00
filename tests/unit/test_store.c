/* test_store.c — the store conformance suite: what store.h promises, checked against
 * every back end.  SQLite always (a temporary file); PostgreSQL too when
 * EVOVOICED_TEST_PG names a cluster (postgresql://user@host:port/db): each run makes a
 * database of its own there and drops it at the end.
 *
 * Covered: every primitive; rollback; conflict answers (unique columns, delete of a
 * missing document); the list order (case-insensitive, ties by id) and every filter;
 * tree paths and subtrees; users and sessions; writers serialized across connections (a
 * read-count-then-insert under a cap, from several threads with a connection each); the
 * users' version seen from a second connection; migration of an empty database and the
 * refusal of one newer than the program; the audit log (an entry per audited write in
 * its transaction, the diff, masked secrets, a failed entry failing the change);
 * optimistic transactions (their own writes read back, reads checked at the commit, a
 * batch waiting for one still reading). */
#include "check.h"
#include "scratch.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "store/store.h"
#include "store/store_fault.h"
#include "store/walvfs.h"

static const char *url; /* the back end under test */

static json_t *doc(const char *json)
{
    json_error_t e;
    json_t *d = json_loads(json, 0, &e);
    if (!d)
        fprintf(stderr, "bad test JSON: %s: %s\n", e.text, json);
    return d;
}

static int put(store_t *st, coll_t c, const char *json)
{
    json_t *d = doc(json);
    int rc = store_put(st, c, d);
    json_decref(d);
    return rc;
}

static const char *str(json_t *d, const char *k) { return json_string_value(json_object_get(d, k)); }

/* The size of the file at path, or -1. */
static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (f)
        fclose(f);
    return n;
}

/* What the shell command cmd printed (at most size - 1 bytes) into out; 0 when it ran and
 * exited 0. */
static int shell_out(const char *cmd, char *out, size_t size)
{
    FILE *f = popen(cmd, "r");
    size_t n = f ? fread(out, 1, size - 1, f) : 0;
    out[n] = 0;
    return f && pclose(f) == 0 ? 0 : -1;
}

/* the ids of a list, comma-separated, in order */
static char *ids_of(store_t *st, coll_t c, query_t *q, long *total)
{
    json_t *rows = NULL;
    static char out[1024];
    out[0] = 0;
    if (store_list(st, c, q, &rows, total))
        return strcpy(out, "(failed)");
    size_t i;
    json_t *d;
    json_array_foreach(rows, i, d)
    {
        if (i)
            strcat(out, ",");
        strncat(out, str(d, "id"), sizeof out - strlen(out) - 1);
    }
    json_decref(rows);
    return out;
}

static void primitives(store_t *st)
{
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"a1\",\"name\":\"beta\",\"ancestorIds\":[],\"maxPhoneNumbers\":3}") == ST_OK);
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"a2\",\"name\":\"Alpha\",\"ancestorIds\":[],\"maxPhoneNumbers\":10}") == ST_OK);
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"a3\",\"name\":\"alpha\",\"parentAccountId\":\"a1\",\"ancestorIds\":[\"a1\"]}") == ST_OK);
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"a0\",\"name\":\"ALPHA\",\"ancestorIds\":[]}") == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"c1\",\"accountId\":\"a1\",\"name\":\"Root\",\"tagIds\":[\"t1\",\"t2\"],"
                               "\"data\":{\"plan\":{\"stringValue\":\"gold\"},\"seats\":{\"numberValue\":5}}}") == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"c2\",\"accountId\":\"a1\",\"parentCustomerId\":\"c1\",\"name\":\"kid\",\"tagIds\":[\"t2\"]}") == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"c3\",\"accountId\":\"a1\",\"parentCustomerId\":\"c2\",\"name\":\"Grand\",\"tagIds\":[]}") == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"c4\",\"accountId\":\"a2\",\"parentCustomerId\":\"\",\"name\":\"Other\"}") == ST_OK);
    CHECK(put(st, C_ENDPOINTS, "{\"id\":\"e1\",\"accountId\":\"a1\",\"customerId\":\"c1\",\"phoneNumber\":\"+13125550100\","
                               "\"displayName\":\"(312) 555-0100\",\"type\":\"PhoneNumber\"}") == ST_OK);
    CHECK(store_commit(st) == ST_OK);

    /* get, keys in the order stored, numbers exactly */
    json_t *c1 = store_get(st, C_CUSTOMERS, "c1");
    CHECK(c1 && !strcmp(str(c1, "name"), "Root"));
    char *txt = json_dumps(c1, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR(txt, "{\"id\":\"c1\",\"accountId\":\"a1\",\"name\":\"Root\",\"tagIds\":[\"t1\",\"t2\"],"
                   "\"data\":{\"plan\":{\"stringValue\":\"gold\"},\"seats\":{\"numberValue\":5}}}");
    free(txt);
    json_decref(c1);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"c5\",\"accountId\":\"a2\",\"name\":\"Nums\",\"data\":{\"z\":{\"numberValue\":-2.5e300},"
                               "\"a\":{\"numberValue\":1e-07}}}") == ST_OK);
    json_t *c5 = store_get(st, C_CUSTOMERS, "c5");
    json_t *z = json_object_get(json_object_get(json_object_get(c5, "data"), "z"), "numberValue");
    CHECK(json_is_real(z) && json_real_value(z) == -2.5e300);
    CHECK(!strcmp(json_object_iter_key(json_object_iter(json_object_get(c5, "data"))), "z"));
    json_decref(c5);
    CHECK(store_delete(st, C_CUSTOMERS, "c5") == ST_OK);
    CHECK(store_get(st, C_CUSTOMERS, "nope") == NULL && store_errcode(st) == ST_OK);
    CHECK(store_delete(st, C_CUSTOMERS, "nope") == ST_NOTFOUND);

    /* get_field and count */
    json_t *f = store_get_field(st, C_ACCOUNTS, "a1", "maxPhoneNumbers");
    CHECK(json_integer_value(f) == 3);
    json_decref(f);
    f = store_get_field(st, C_CUSTOMERS, "c2", "parentCustomerId");
    CHECK_STR(json_string_value(f), "c1");
    json_decref(f);
    f = store_get_field(st, C_CUSTOMERS, "c4", "parentCustomerId"); /* "" is stored as no parent */
    CHECK(json_is_null(f));
    json_decref(f);
    CHECK(store_get_field(st, C_CUSTOMERS, "nope", "name") == NULL);
    CHECK(store_count(st, C_CUSTOMERS, "accountId", "a1") == 3);
    CHECK(store_count(st, C_CUSTOMERS, "parentCustomerId", "c1") == 1);
    CHECK(store_count(st, C_CUSTOMERS, "accountId", "zz") == 0);

    /* lists: case-insensitive name order, ties by id; paging; totals */
    query_t q = {0};
    q.limit = -1;
    q.count = 1;
    long total = 0;
    CHECK_STR(ids_of(st, C_ACCOUNTS, &q, &total), "a0,a2,a3,a1");
    CHECK(total == 4);
    q.desc = 1;
    CHECK_STR(ids_of(st, C_ACCOUNTS, &q, NULL), "a1,a3,a2,a0");
    q.desc = 0;
    q.limit = 2;
    q.offset = 1;
    CHECK_STR(ids_of(st, C_ACCOUNTS, &q, &total), "a2,a3");
    CHECK(total == 4);
    q = (query_t){.limit = -1, .sort = "maxPhoneNumbers"}; /* a member of the document, numbers in order */
    CHECK_STR(ids_of(st, C_ACCOUNTS, &q, NULL), "a0,a3,a1,a2");

    /* filters */
    json_t *v1 = json_pack("[s]", "a1"), *v2 = json_pack("[s,s]", "c1", "c3"), *sub = json_string("RAN"),
           *t2 = json_pack("[s]", "t2"), *t12 = json_pack("[s,s]", "t1", "t2"), *gold = json_string("gold"),
           *five = json_string("5"), *fivenum = json_real(5.0), *within = json_pack("[s,s]", "t1", "t2"), *three = json_integer(3);
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, v1};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c3,c2,c1");
    q.f[q.nf++] = (qfilter_t){"id", Q_IN, v2};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c3,c1");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"name", Q_CONTAINS, sub};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c3");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"tagIds", Q_HAS_ALL, t12};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c1");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"tagIds", Q_HAS_ANY, t2};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c2,c1");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, v1};
    q.f[q.nf++] = (qfilter_t){"tagIds", Q_LACKS, t2};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c3");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"tagIds", Q_WITHIN, within}; /* not empty, and all among them */
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c2,c1");
    q = (query_t){.limit = -1}; /* paths into the document, and groups of alternatives */
    q.f[q.nf++] = (qfilter_t){"data.plan.stringValue", Q_EQ, gold};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c1");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"data.seats.stringValue", Q_EQ, five, 1};
    q.f[q.nf++] = (qfilter_t){"data.seats.numberValue", Q_EQ, fivenum, 1};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c1");
    q.f[1].values = three;
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "");
    q.f[q.nf++] = (qfilter_t){"name", Q_EQ, gold, 2};
    q.f[q.nf++] = (qfilter_t){"data.plan.stringValue", Q_EQ, gold, 2};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "");
    q.f[1].values = fivenum; /* (seats is "5" or 5) and (name or plan is gold) */
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "c1");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"data..x", Q_EQ, gold};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "(failed)");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"maxPhoneNumbers", Q_EQ, three};
    CHECK_STR(ids_of(st, C_ACCOUNTS, &q, NULL), "a1");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"maxPhoneNumbers", Q_LE, three};
    CHECK_STR(ids_of(st, C_ACCOUNTS, &q, NULL), "a1");
    json_decref(v1), json_decref(v2), json_decref(sub), json_decref(t2), json_decref(t12), json_decref(gold);
    json_decref(five), json_decref(fivenum), json_decref(within), json_decref(three);

    /* trees */
    json_t *path = store_path(st, C_CUSTOMERS, "c3", 100);
    txt = json_dumps(path, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR(txt, "[[\"c1\",\"Root\"],[\"c2\",\"kid\"],[\"c3\",\"Grand\"]]");
    free(txt);
    json_decref(path);
    path = store_path(st, C_CUSTOMERS, "c3", 2);
    CHECK(json_array_size(path) == 2);
    json_decref(path);
    /* several paths at once: each id's own, a missing one empty */
    json_t *starts = json_pack("[s,s,s]", "c3", "c1", "nope"), *paths = store_paths(st, C_CUSTOMERS, starts, 100);
    txt = json_dumps(paths, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(txt, "{\"c1\":[[\"c1\",\"Root\"]],\"c3\":[[\"c1\",\"Root\"],[\"c2\",\"kid\"],[\"c3\",\"Grand\"]],"
                   "\"nope\":[]}");
    free(txt);
    json_decref(paths);
    paths = store_paths(st, C_CUSTOMERS, starts, 2);
    CHECK(json_array_size(json_object_get(paths, "c3")) == 2);
    CHECK_STR(json_string_value(json_array_get(json_array_get(json_object_get(paths, "c3"), 0), 0)), "c2");
    json_decref(paths);
    json_decref(starts);
    json_t *roots = json_pack("[s]", "c2"), *tree = store_subtree(st, C_CUSTOMERS, roots);
    CHECK(json_array_size(tree) == 2);
    json_decref(roots);
    json_decref(tree);

    /* flows: per account, ordered by name, filtered by customer */
    CHECK(put(st, C_FLOWS, "{\"id\":\"f1\",\"accountId\":\"a1\",\"name\":\"Main\",\"nodes\":[{\"id\":\"n\"}]}") == ST_OK);
    CHECK(put(st, C_FLOWS, "{\"id\":\"f2\",\"accountId\":\"a1\",\"customerId\":\"c1\",\"name\":\"after hours\"}") == ST_OK);
    q = (query_t){.limit = -1};
    json_t *fa = json_pack("[s]", "a1");
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, fa};
    CHECK_STR(ids_of(st, C_FLOWS, &q, NULL), "f2,f1");
    json_t *fc = json_pack("[s]", "c1");
    q.f[q.nf++] = (qfilter_t){"customerId", Q_IN, fc};
    CHECK_STR(ids_of(st, C_FLOWS, &q, NULL), "f2");
    CHECK(store_count(st, C_FLOWS, "customerId", "c1") == 1);
    json_decref(fa), json_decref(fc);

    /* sessions: by account, newest last by default, filtered by endpoint and a date range */
    CHECK(put(st, C_SESSIONS, "{\"id\":\"s1\",\"accountId\":\"a1\",\"customerId\":\"c1\",\"endpointId\":\"e1\","
                              "\"dateCreated\":\"2026-01-02T10:00:00.000Z\",\"logText\":\"Call started\"}") == ST_OK);
    CHECK(put(st, C_SESSIONS, "{\"id\":\"s2\",\"accountId\":\"a1\",\"endpointId\":\"e2\","
                              "\"dateCreated\":\"2026-01-01T10:00:00.000Z\"}") == ST_OK);
    q = (query_t){.limit = -1};
    json_t *sa = json_pack("[s]", "a1");
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, sa};
    CHECK_STR(ids_of(st, C_SESSIONS, &q, NULL), "s2,s1");
    json_t *from = json_string("2026-01-02"), *to = json_string("2026-01-03");
    q.f[q.nf++] = (qfilter_t){"dateCreated", Q_GE, from};
    q.f[q.nf++] = (qfilter_t){"dateCreated", Q_LT, to};
    CHECK_STR(ids_of(st, C_SESSIONS, &q, NULL), "s1");
    json_t *se = json_pack("[s]", "e2");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"endpointId", Q_IN, se};
    CHECK_STR(ids_of(st, C_SESSIONS, &q, NULL), "s2");
    json_t *lt = json_string("STARTED");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"logText", Q_CONTAINS, lt};
    CHECK_STR(ids_of(st, C_SESSIONS, &q, NULL), "s1");
    json_decref(sa), json_decref(from), json_decref(to), json_decref(se), json_decref(lt);

    /* files: by session and type */
    CHECK(put(st, C_FILES, "{\"id\":\"fl1\",\"accountId\":\"a1\",\"sessionId\":\"s1\",\"type\":\"VoiceMessage\"}") == ST_OK);
    CHECK(put(st, C_FILES, "{\"id\":\"fl2\",\"accountId\":\"a1\",\"customerId\":\"c1\",\"type\":\"Upload\"}") == ST_OK);
    q = (query_t){.limit = -1};
    json_t *fs = json_string("s1"), *ft = json_string("Upload");
    q.f[q.nf++] = (qfilter_t){"sessionId", Q_EQ, fs};
    CHECK_STR(ids_of(st, C_FILES, &q, NULL), "fl1");
    q = (query_t){.limit = -1};
    q.f[q.nf++] = (qfilter_t){"type", Q_EQ, ft};
    CHECK_STR(ids_of(st, C_FILES, &q, NULL), "fl2");
    CHECK(store_count(st, C_FILES, "accountId", "a1") == 2);
    json_decref(fs), json_decref(ft);

    /* unique columns answer ST_CONFLICT, and the transaction goes on */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_ENDPOINTS, "{\"id\":\"e2\",\"accountId\":\"a1\",\"phoneNumber\":\"+13125550100\",\"type\":\"PhoneNumber\"}") ==
          ST_CONFLICT);
    CHECK(put(st, C_ENDPOINTS, "{\"id\":\"e2\",\"accountId\":\"a1\",\"phoneNumber\":\"+13125550101\",\"type\":\"PhoneNumber\"}") ==
          ST_OK);
    CHECK(store_commit(st) == ST_OK);
    CHECK(store_count(st, C_ENDPOINTS, "accountId", "a1") == 2);

    /* rollback leaves nothing */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"c9\",\"accountId\":\"a1\",\"name\":\"Gone\"}") == ST_OK);
    CHECK(store_delete(st, C_ACCOUNTS, "a2") == ST_OK);
    store_rollback(st);
    CHECK(!store_get(st, C_CUSTOMERS, "c9"));
    json_t *a2 = store_get(st, C_ACCOUNTS, "a2");
    CHECK(a2 != NULL);
    json_decref(a2);

    /* users and sessions */
    unsigned long v0 = store_users_version(st);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_USERS, "{\"id\":\"u1\",\"emailAddress\":\"Ann@Example.test\",\"accountIds\":[\"a1\"]}") == ST_OK);
    CHECK(store_set_password(st, "u1", "$hash-1") == ST_OK);
    CHECK(put(st, C_USERS, "{\"id\":\"u2\",\"emailAddress\":\"ann@example.TEST\"}") == ST_CONFLICT); /* e-mails: case-insensitive */
    CHECK(store_commit(st) == ST_OK);
    CHECK(store_users_version(st) != v0);
    char *hash = NULL;
    json_t *u = store_user_by_email(st, "ANN@example.test", &hash);
    CHECK(u && !strcmp(str(u, "id"), "u1"));
    CHECK_STR(hash, "$hash-1");
    free(hash);
    json_decref(u);
    char *h = store_user_hash(st, "u1");
    CHECK_STR(h, "$hash-1");
    free(h);
    CHECK(store_session_put(st, "s1", "u1", 9999999999999LL) == ST_OK);
    CHECK(store_session_put(st, "s2", "u1", 1) == ST_OK); /* expired */
    char *who = store_session_user(st, "s1");
    CHECK_STR(who, "u1");
    free(who);
    CHECK(store_session_user(st, "s2") == NULL);
    CHECK(store_session_delete(st, "s1") == ST_OK);
    CHECK(store_session_user(st, "s1") == NULL);
    CHECK(store_session_put(st, "s3", "u1", 9999999999999LL) == ST_OK);
    CHECK(store_session_delete_user(st, "u1") == ST_OK);
    CHECK(store_session_user(st, "s3") == NULL);
}

/* ---- writers from several connections ---- */
enum { WRITERS = 6, TRIES = 10, CAP = 7 };
static int conflicts_seen;
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;

/* Each try: in a write transaction, count the account's endpoints and add one when
 * under the cap — the read-then-write a cap rests on. */
static void *writer(void *arg)
{
    char err[256];
    store_t *st = store_open(url, err, sizeof err);
    if (!st)
        return NULL;
    for (int i = 0; i < TRIES; i++) {
        int rc = store_begin(st, 1);
        if (rc)
            continue;
        long n = store_count(st, C_ENDPOINTS, "accountId", "capped");
        if (n >= 0 && n < CAP) {
            char json[256];
            snprintf(json, sizeof json, "{\"id\":\"w%ld-%d\",\"accountId\":\"capped\",\"phoneNumber\":\"+1555000%02ld%02d\"}",
                     (long)(intptr_t)arg, i, (long)(intptr_t)arg, i);
            json_t *d = json_loads(json, 0, NULL);
            rc = store_put(st, C_ENDPOINTS, d);
            json_decref(d);
        }
        if (rc || store_commit(st)) {
            store_rollback(st);
            pthread_mutex_lock(&seen_mu);
            conflicts_seen++;
            pthread_mutex_unlock(&seen_mu);
        }
    }
    store_close(st);
    return NULL;
}

static void writers(store_t *st)
{
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"capped\",\"name\":\"Capped\",\"ancestorIds\":[]}") == ST_OK);
    pthread_t t[WRITERS];
    for (long i = 0; i < WRITERS; i++)
        pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    CHECK(store_count(st, C_ENDPOINTS, "accountId", "capped") == CAP);
    CHECK(conflicts_seen == 0);

    /* the users' version, as another connection sees it */
    char err[256];
    store_t *other = store_open(url, err, sizeof err);
    CHECK(other != NULL);
    if (!other)
        return;
    unsigned long before = store_users_version(other);
    CHECK(store_set_password(st, "u1", "$hash-2") == ST_OK);
    unsigned long after = store_users_version(other);
    CHECK(after != before);
    char *h = store_user_hash(other, "u1");
    CHECK_STR(h, "$hash-2");
    free(h);
    /* a read transaction is one snapshot; a write from elsewhere shows after it */
    CHECK(store_begin(other, 0) == ST_OK);
    json_t *a = store_get(other, C_ACCOUNTS, "capped");
    json_decref(a);
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"late\",\"name\":\"Late\",\"ancestorIds\":[]}") == ST_OK);
    CHECK(store_commit(other) == ST_OK);
    json_t *late = store_get(other, C_ACCOUNTS, "late");
    CHECK(late != NULL);
    json_decref(late);

    /* presence: held by one store, seen by another; gone with its holder (on a database
     * shared by processes: PostgreSQL) */
    store_t *holder = store_open(url, err, sizeof err);
    CHECK(store_present_hold(holder, 0x1234abcdULL) == ST_OK);
    CHECK(store_present(holder, 0x1234abcdULL) == 1);
    CHECK(store_present(other, 0x1234abcdULL) == 1);
    CHECK(store_present(other, 0x9999ULL) == 0);
    CHECK(store_present(other, 0x1234abcdULL) == 1); /* asking does not take it */
    int shared = strncmp(url, "postgres", 8) == 0;
    store_close(holder);
    if (shared) {
        int gone = 0;
        for (int i = 0; i < 50 && !gone; i++, usleep(20000)) /* the server notices the closed connection */
            gone = store_present(other, 0x1234abcdULL) == 0;
        CHECK(gone);
    }
    store_close(other);
}

/* ---- the audit log ---- */
static int secret_name(const char *field) { return !strcmp(field, "sipPassword") || !strcmp(field, "twilioAuthToken"); }

/* The entries of entity id, oldest first. */
static json_t *entries(store_t *st, const char *id)
{
    query_t q = {.nf = 1, .limit = -1};
    json_t *v = json_string(id), *rows = NULL;
    q.f[0] = (qfilter_t){"entityId", Q_EQ, v};
    store_list(st, C_LOG, &q, &rows, NULL);
    json_decref(v);
    return rows ? rows : json_array();
}

/* The change to field in entry e, as "old>new" ("-" for none). */
static const char *change_of(json_t *e, const char *field)
{
    static char out[256];
    size_t i;
    json_t *ch;
    json_array_foreach(json_object_get(e, "changes"), i, ch) if (!strcmp(str(ch, "field"), field))
    {
        snprintf(out, sizeof out, "%s>%s", str(ch, "oldValue") ? str(ch, "oldValue") : "-",
                 str(ch, "newValue") ? str(ch, "newValue") : "-");
        return out;
    }
    return "(no change)";
}

static void audit(store_t *st)
{
    store_audit_t who = {"u-admin", "Ada Admin", "PatchEndpoint", secret_name};
    store_audit(st, &who);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_ENDPOINTS, "{\"id\":\"ea\",\"accountId\":\"a1\",\"customerId\":\"c1\",\"displayName\":\"Desk\","
                               "\"sipPassword\":\"hunter2-secret\",\"data\":{\"k\":\"v\",\"same\":1}}") == ST_OK);
    CHECK(store_commit(st) == ST_OK); /* one entry per entity a transaction changes: three transactions */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_ENDPOINTS, "{\"id\":\"ea\",\"accountId\":\"a1\",\"customerId\":\"c1\",\"displayName\":\"Desk 2\","
                               "\"sipPassword\":\"other-secret\",\"data\":{\"k\":\"w\",\"same\":1},\"n\":[1]}") == ST_OK);
    CHECK(put(st, C_ENDPOINTS, "{\"id\":\"ea\",\"accountId\":\"a1\",\"customerId\":\"c1\",\"displayName\":\"Desk 2\","
                               "\"sipPassword\":\"other-secret\",\"data\":{\"k\":\"w\",\"same\":1},\"n\":[1]}") == ST_OK);
    CHECK(put(st, C_JOBS, "{\"id\":\"ea\",\"accountId\":\"a1\",\"seq\":1}") == ST_OK); /* bookkeeping: not logged */
    CHECK(store_commit(st) == ST_OK);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(store_delete(st, C_ENDPOINTS, "ea") == ST_OK);
    CHECK(store_delete(st, C_ENDPOINTS, "ea") == ST_NOTFOUND);
    CHECK(store_commit(st) == ST_OK);
    json_t *e = entries(st, "ea");
    CHECK(json_array_size(e) == 3); /* created, changed, deleted; the unchanged put and the missing delete leave none */
    json_t *made = json_array_get(e, 0), *changed = json_array_get(e, 1), *gone = json_array_get(e, 2);
    CHECK_STR(str(made, "userId"), "u-admin");
    CHECK_STR(str(made, "userName"), "Ada Admin");
    CHECK_STR(str(made, "operation"), "PatchEndpoint");
    CHECK_STR(str(made, "entityType"), "Endpoint");
    CHECK_STR(str(made, "accountId"), "a1");
    CHECK_STR(str(made, "customerId"), "c1");
    CHECK(str(made, "date") && strlen(str(made, "date")) == 24);
    CHECK_STR(change_of(made, "displayName"), "->Desk");
    CHECK_STR(change_of(made, "sipPassword"), "->***");
    CHECK_STR(change_of(changed, "displayName"), "Desk>Desk 2");
    CHECK_STR(change_of(changed, "sipPassword"), "***>***");
    CHECK_STR(change_of(changed, "data.k"), "v>w");      /* one level into objects */
    CHECK_STR(change_of(changed, "data.same"), "(no change)");
    CHECK_STR(change_of(changed, "n"), "->[1]");         /* anything but text as JSON */
    CHECK_STR(change_of(changed, "id"), "(no change)");
    CHECK(json_array_size(json_object_get(changed, "changes")) == 4); /* displayName, sipPassword, data.k, n */
    CHECK_STR(change_of(gone, "displayName"), "Desk 2>-");
    char *all = json_dumps(e, 0);
    CHECK(all && !strstr(all, "hunter2") && !strstr(all, "other-secret"));
    /* a value that was not there is left out, not stored as null (every format writes the
     * two alike): a creation's changes hold no oldValue, a deletion's no newValue */
    CHECK(all && !strstr(all, "null"));
    CHECK(!json_object_get(json_array_get(json_object_get(made, "changes"), 0), "oldValue"));
    free(all);
    json_decref(e);

    /* a password set is logged, masked, in the entry of the login's creation (one entity,
     * one transaction, one entry); later, an entry of its own; rolled back: neither the
     * change nor its entry */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_USERS, "{\"id\":\"ua\",\"emailAddress\":\"ua@x\",\"accountIds\":[\"a2\",\"a1\"]}") == ST_OK);
    CHECK(store_set_password(st, "ua", "$hash-ua") == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    e = entries(st, "ua");
    CHECK(json_array_size(e) == 1);
    CHECK_STR(str(json_array_get(e, 0), "accountId"), "a2");
    CHECK(json_array_size(json_object_get(json_array_get(e, 0), "accountIds")) == 2);
    CHECK_STR(change_of(json_array_get(e, 0), "emailAddress"), "->ua@x");
    CHECK_STR(change_of(json_array_get(e, 0), "password"), "***>***");
    json_decref(e);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(store_set_password(st, "ua", "$hash-ua-2") == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    e = entries(st, "ua");
    CHECK(json_array_size(e) == 2);
    CHECK_STR(change_of(json_array_get(e, 1), "password"), "***>***");
    CHECK(json_array_size(json_object_get(json_array_get(e, 1), "changes")) == 1);
    json_decref(e);
    /* one entity changed twice in a transaction: one entry, each field from its first old
     * value to its last new one; a field added and then removed again ends with neither */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_FLOWS, "{\"id\":\"fm\",\"accountId\":\"a1\",\"name\":\"F\",\"note\":\"n\"}") == ST_OK);
    CHECK(put(st, C_FLOWS, "{\"id\":\"fm\",\"accountId\":\"a1\",\"name\":\"G\"}") == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    e = entries(st, "fm");
    CHECK(json_array_size(e) == 1);
    CHECK_STR(change_of(json_array_get(e, 0), "name"), "->G");
    CHECK_STR(change_of(json_array_get(e, 0), "note"), "->-");
    json_decref(e);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_FLOWS, "{\"id\":\"fa\",\"accountId\":\"a1\",\"name\":\"F\"}") == ST_OK);
    store_rollback(st);
    e = entries(st, "fa");
    CHECK(json_array_size(e) == 0);
    json_decref(e);

    /* without a context nothing is logged */
    store_audit(st, NULL);
    CHECK(put(st, C_FLOWS, "{\"id\":\"fb\",\"accountId\":\"a1\",\"name\":\"F\"}") == ST_OK);
    e = entries(st, "fb");
    CHECK(json_array_size(e) == 0);
    json_decref(e);

    /* an entry that cannot be written fails the change: read the old document (call 2),
     * write the new one (3), then the entry (4) fails */
    store_t *f = store_fault_wrap(st, 4);
    store_fault_once(f);
    store_audit(f, &who);
    CHECK(store_begin(f, 1) == ST_OK);
    CHECK(put(f, C_FLOWS, "{\"id\":\"fc\",\"accountId\":\"a1\",\"name\":\"F\"}") == ST_ERROR);
    CHECK(store_commit(f) == ST_ERROR);
    store_fault_unwrap(f);
    json_t *fc = store_get(st, C_FLOWS, "fc");
    CHECK(fc == NULL);
    json_decref(fc);
    e = entries(st, "fc");
    CHECK(json_array_size(e) == 0);
    json_decref(e);
}

/* ---- one back end ---- */
/* Q_HAS_ELEM: an element of a list of objects matching every key given */
static void elem_filter(store_t *st)
{
    static const char *const docs[] = {
        "{\"id\":\"he1\",\"accountId\":\"hx\",\"scheduledFlows\":[{\"stateName\":\"Open\",\"flowId\":\"f1\"},"
        "{\"stateName\":\"Closed\",\"flowId\":\"f2\"}]}",
        "{\"id\":\"he2\",\"accountId\":\"hx\",\"scheduledFlows\":[{\"stateName\":\"Open\",\"flowId\":\"f2\"}]}",
        "{\"id\":\"he3\",\"accountId\":\"hx\",\"scheduledFlows\":\"not a list\"}",
        "{\"id\":\"he4\",\"accountId\":\"hx\",\"scheduledFlows\":[\"f1\",{\"flowId\":\"f1\"}]}",
    };
    CHECK(store_begin(st, 1) == ST_OK);
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_t *d = json_loads(docs[i], 0, NULL);
        CHECK(store_put(st, C_ENDPOINTS, d) == ST_OK);
        json_decref(d);
    }
    static const struct {
        const char *want, *values;
    } cases[] = {
        {"he1,he4", "{\"flowId\":[\"f1\"]}"},
        {"he1,he2", "{\"flowId\":[\"f2\"]}"},
        {"he1", "{\"stateName\":[\"Open\"],\"flowId\":[\"f1\"]}"},
        {"he2", "{\"stateName\":[\"Open\"],\"flowId\":[\"f2\",\"f9\"]}"},
        {"", "{\"stateName\":[\"Closed\"],\"flowId\":[\"f1\"]}"}, /* not from two elements */
        {"he1,he2", "{\"stateName\":[\"Open\"]}"},
        {"", "{\"stateName\":[\"Holiday\"]}"},
    };
    json_t *hx = json_pack("[s]", "hx");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *v = json_loads(cases[i].values, 0, NULL);
        query_t q = {.limit = -1, .sort = "id"};
        q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, hx};
        q.f[q.nf++] = (qfilter_t){"scheduledFlows", Q_HAS_ELEM, v};
        CHECK_STR(ids_of(st, C_ENDPOINTS, &q, NULL), cases[i].want);
        json_decref(v);
    }
    store_rollback(st); /* nothing kept: the later checks count endpoints */
    json_decref(hx);
}

/* ---- a failed write beside others ----
 * Writers queued at once (SQLite commits them together, each in a savepoint): the one
 * that rolls back loses only its own write, the others commit, and each reads what the
 * writers before it wrote. */
static pthread_mutex_t side_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t side_cv = PTHREAD_COND_INITIALIZER;
static int first_in;
static int side_rc[3], side_saw[3];

static void *side_writer(void *arg)
{
    int i = (int)(intptr_t)arg;
    char err[256], json[128], id[8];
    store_t *st = store_open(url, err, sizeof err);
    if (!st)
        return NULL;
    side_rc[i] = store_begin(st, 1);
    json_t *seen = store_get(st, C_ACCOUNTS, "side0");
    side_saw[i] = seen != NULL;
    json_decref(seen);
    snprintf(id, sizeof id, "side%d", i);
    snprintf(json, sizeof json, "{\"id\":\"%s\",\"name\":\"Side\",\"ancestorIds\":[]}", id);
    if (!side_rc[i])
        side_rc[i] = put(st, C_ACCOUNTS, json);
    if (i == 0) { /* let the others queue behind this transaction */
        pthread_mutex_lock(&side_mu);
        first_in = 1;
        pthread_cond_broadcast(&side_cv);
        pthread_mutex_unlock(&side_mu);
        usleep(100000);
    }
    if (i == 1)
        store_rollback(st);
    else if (!side_rc[i])
        side_rc[i] = store_commit(st);
    store_close(st);
    return NULL;
}

static void side_by_side(store_t *st)
{
    pthread_t t[3];
    first_in = 0;
    pthread_create(&t[0], NULL, side_writer, (void *)(intptr_t)0);
    pthread_mutex_lock(&side_mu);
    while (!first_in)
        pthread_cond_wait(&side_cv, &side_mu);
    pthread_mutex_unlock(&side_mu);
    for (long i = 1; i < 3; i++)
        pthread_create(&t[i], NULL, side_writer, (void *)(intptr_t)i);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK(side_rc[0] == ST_OK && side_rc[1] == ST_OK && side_rc[2] == ST_OK);
    CHECK(side_saw[1] && side_saw[2]); /* the first one's write, from the writers after it */
    json_t *kept0 = store_get(st, C_ACCOUNTS, "side0"), *kept1 = store_get(st, C_ACCOUNTS, "side1"),
           *kept2 = store_get(st, C_ACCOUNTS, "side2");
    CHECK(kept0 != NULL && kept1 == NULL && kept2 != NULL);
    json_decref(kept0);
    json_decref(kept1);
    json_decref(kept2);
    CHECK(store_delete(st, C_ACCOUNTS, "side0") == ST_OK && store_delete(st, C_ACCOUNTS, "side2") == ST_OK);
}

/* store_commit_then: done is called once, with the commit's result, and only when what
 * the transaction wrote is there for every other connection.  On SQLite a transaction
 * that leaves while another writer waits is not durable yet when store_commit_then
 * returns (its batch stays open for the next one); the writer that ends the batch, here
 * with a plain store_commit, makes it durable and calls done. */
enum { THEN_N = 3 };
static store_t *then_reader[THEN_N];
static int then_calls[THEN_N], then_rc[THEN_N], then_saw[THEN_N], then_before_return[THEN_N], then_last[THEN_N], then_in;
static atomic_int then_order;

static void then_done(void *arg, int rc)
{
    int i = (int)(intptr_t)arg;
    char id[16];
    snprintf(id, sizeof id, "then%d", i);
    then_calls[i]++;
    then_rc[i] = rc;
    if (store_begin(then_reader[i], 0) == ST_OK) { /* another connection, at the moment of done */
        json_t *d = store_get(then_reader[i], C_ACCOUNTS, id);
        then_saw[i] = d != NULL;
        json_decref(d);
        store_commit(then_reader[i]);
    }
}

static void *then_writer(void *arg)
{
    int i = (int)(intptr_t)arg;
    char err[256], json[128];
    store_t *st = store_open(url, err, sizeof err);
    if (!st)
        return NULL;
    int rc = store_begin(st, 1);
    snprintf(json, sizeof json, "{\"id\":\"then%d\",\"name\":\"Then\",\"ancestorIds\":[]}", i);
    if (!rc)
        rc = put(st, C_ACCOUNTS, json);
    if (i == 0) { /* hold the writer until the others queue behind it */
        pthread_mutex_lock(&side_mu);
        then_in = 1;
        pthread_cond_broadcast(&side_cv);
        pthread_mutex_unlock(&side_mu);
        usleep(100000);
    }
    int order = atomic_fetch_add(&then_order, 1); /* in the writer: the order the writers had it in */
    then_last[i] = order == THEN_N - 1;
    if (rc) {
        then_rc[i] = rc;
    } else if (then_last[i]) { /* the last one waits for the commit itself */
        then_rc[i] = store_commit(st);
        then_calls[i]++;
        then_saw[i] = 1;
    } else {
        store_commit_then(st, then_done, (void *)(intptr_t)i);
        then_before_return[i] = then_calls[i];
    }
    store_close(st);
    return NULL;
}

/* Does the back end under test gather writes into batches (SQLite on a file)? */
static int batches_here(void) { return !strstr(url, "://") && strcmp(url, ":memory:"); }

/* then_reader[0..n) opened, and what then_done noted for each cleared */
static void then_open(int n)
{
    char err[256];
    for (int i = 0; i < n; i++) {
        then_reader[i] = store_open(url, err, sizeof err);
        CHECK(then_reader[i] != NULL);
        then_calls[i] = then_saw[i] = then_before_return[i] = 0;
        then_rc[i] = -1;
    }
}

static void then_close(int n)
{
    for (int i = 0; i < n; i++)
        store_close(then_reader[i]);
}

static void commit_then(store_t *st)
{
    then_open(THEN_N);
    /* alone: done at once or soon, with the write there */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"then0\",\"name\":\"Then\",\"ancestorIds\":[]}") == ST_OK);
    store_commit_then(st, then_done, (void *)(intptr_t)0);
    CHECK(then_calls[0] == 1 && then_rc[0] == ST_OK && then_saw[0]);
    CHECK(store_delete(st, C_ACCOUNTS, "then0") == ST_OK);
    /* three writers, the first holding the writer while the others queue */
    then_calls[0] = then_saw[0] = 0;
    then_in = 0;
    atomic_store(&then_order, 0);
    pthread_t t[THEN_N];
    pthread_create(&t[0], NULL, then_writer, (void *)(intptr_t)0);
    pthread_mutex_lock(&side_mu);
    while (!then_in)
        pthread_cond_wait(&side_cv, &side_mu);
    pthread_mutex_unlock(&side_mu);
    for (long i = 1; i < THEN_N; i++)
        pthread_create(&t[i], NULL, then_writer, (void *)(intptr_t)i);
    for (int i = 0; i < THEN_N; i++)
        pthread_join(t[i], NULL);
    int batched = batches_here();
    for (int i = 0; i < THEN_N; i++) {
        CHECK(then_calls[i] == 1 && then_rc[i] == ST_OK && then_saw[i]);
        if (!then_last[i])
            CHECK(then_before_return[i] == !batched); /* SQLite: told later, by the batch's last writer */
    }
    for (int i = 0; i < THEN_N; i++) {
        char id[16];
        snprintf(id, sizeof id, "then%d", i);
        CHECK(store_delete(st, C_ACCOUNTS, id) == ST_OK);
    }
    then_close(THEN_N);
}

/* store_defer_commits: a thread that serves in rounds leaves its writes' batch open; on
 * SQLite's file neither write is told nor seen by another connection until the thread's
 * store_flush, which commits both in one batch; back ends without batches commit at once.
 * A flush with nothing owed does nothing; turned off, a lone write commits at once again. */
static void deferred_commits(store_t *st)
{
    int batched = batches_here();
    then_open(2);
    store_defer_commits(1);
    store_flush(); /* nothing owed */
    for (int i = 0; i < 2; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"id\":\"then%d\",\"name\":\"Then\",\"ancestorIds\":[]}", i);
        CHECK(store_begin(st, 1) == ST_OK);
        CHECK(put(st, C_ACCOUNTS, json) == ST_OK);
        store_commit_then(st, then_done, (void *)(intptr_t)i);
        CHECK(then_calls[i] == !batched);
    }
    if (batched) { /* still open: another connection sees neither */
        CHECK(store_begin(then_reader[0], 0) == ST_OK);
        json_t *d0 = store_get(then_reader[0], C_ACCOUNTS, "then0"), *d1 = store_get(then_reader[0], C_ACCOUNTS, "then1");
        CHECK(d0 == NULL && d1 == NULL);
        json_decref(d0);
        json_decref(d1);
        store_commit(then_reader[0]);
    }
    store_flush();
    for (int i = 0; i < 2; i++)
        CHECK(then_calls[i] == 1 && then_rc[i] == ST_OK && then_saw[i]);
    store_flush(); /* told once only */
    CHECK(then_calls[0] == 1 && then_calls[1] == 1);
    store_defer_commits(0);
    then_calls[0] = then_saw[0] = 0;
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(store_delete(st, C_ACCOUNTS, "then1") == ST_OK);
    store_commit_then(st, then_done, (void *)(intptr_t)0);
    CHECK(then_calls[0] == 1 && then_rc[0] == ST_OK && then_saw[0]); /* then0 is still there */
    CHECK(store_delete(st, C_ACCOUNTS, "then0") == ST_OK);
    then_close(2);
}

/* A write that leaves the writer with its batch still open has written every WAL frame it
 * made (a large transaction spills pages into the WAL before its commit): none is left
 * held back in its thread (walvfs.c), where that thread's next call would write it beside
 * the writer's next holder's frames.  The batch then commits and reads back whole. */
static void spilled_frames(store_t *st)
{
    if (!batches_here())
        return;
    enum { BIG = 1 << 20, DOCS = 4 }; /* 4 MiB: past the writer's page cache, so it spills */
    char *big = malloc(BIG + 1), id[16];
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 'x', BIG);
    big[BIG] = 0;
    then_open(1);
    store_defer_commits(1);
    CHECK(store_begin(st, 1) == ST_OK);
    for (int i = 0; i < DOCS; i++) {
        snprintf(id, sizeof id, "spill%d", i);
        json_t *d = json_pack("{s:s,s:s,s:s}", "id", id, "accountId", "as", "note", big);
        CHECK(store_put(st, C_CUSTOMERS, d) == ST_OK);
        json_decref(d);
    }
    store_commit_then(st, then_done, (void *)(intptr_t)0);
    CHECK(then_calls[0] == 0);    /* the batch is open */
    CHECK(walvfs_held() == 0);    /* and nothing of it is held back here */
    store_flush();
    CHECK(then_calls[0] == 1 && then_rc[0] == ST_OK);
    store_defer_commits(0);
    for (int i = 0; i < DOCS; i++) {
        snprintf(id, sizeof id, "spill%d", i);
        json_t *d = store_get(st, C_CUSTOMERS, id);
        CHECK(d && strlen(json_string_value(json_object_get(d, "note")) ?: "") == BIG);
        json_decref(d);
        CHECK(store_delete(st, C_CUSTOMERS, id) == ST_OK);
    }
    then_close(1);
    free(big);
}

/* A store_flush that finds the writer in another thread's hands asks that thread to end
 * the batch as it leaves, even when it defers its own commits: the first write is told at
 * the second's leaving, not at the second thread's own flush. */
static atomic_int flush_step;
static int flush_told_at_leave, flush_second_told;

static void *deferring_writer(void *arg)
{
    (void)arg;
    char err[256];
    store_t *st = store_open(url, err, sizeof err);
    if (!st)
        return NULL;
    store_defer_commits(1);
    if (store_begin(st, 1) == ST_OK && put(st, C_ACCOUNTS, "{\"id\":\"then1\",\"name\":\"Then\",\"ancestorIds\":[]}") == ST_OK) {
        atomic_store(&flush_step, 1); /* holding the writer */
        while (atomic_load(&flush_step) != 2)
            usleep(1000);
        store_commit_then(st, then_done, (void *)(intptr_t)1);
        flush_told_at_leave = then_calls[0] == 1 && then_calls[1] == 1;
        store_flush();
        flush_second_told = then_calls[1] == 1 && then_saw[1];
    }
    atomic_store(&flush_step, 3);
    store_close(st);
    return NULL;
}

static void flush_while_busy(store_t *st)
{
    then_open(2);
    atomic_store(&flush_step, 0);
    flush_told_at_leave = flush_second_told = 0;
    store_defer_commits(1);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_ACCOUNTS, "{\"id\":\"then0\",\"name\":\"Then\",\"ancestorIds\":[]}") == ST_OK);
    store_commit_then(st, then_done, (void *)(intptr_t)0);
    CHECK(then_calls[0] == 0); /* owed by this thread */
    pthread_t t;
    pthread_create(&t, NULL, deferring_writer, NULL);
    while (atomic_load(&flush_step) == 0)
        usleep(1000);
    store_flush(); /* the writer is the other thread's: it is asked to end the batch */
    CHECK(then_calls[0] == 0);
    atomic_store(&flush_step, 2);
    pthread_join(t, NULL);
    CHECK(flush_told_at_leave && then_saw[0]);
    CHECK(flush_second_told);
    store_defer_commits(0);
    CHECK(store_delete(st, C_ACCOUNTS, "then0") == ST_OK && store_delete(st, C_ACCOUNTS, "then1") == ST_OK);
    then_close(2);
}

/* store_version: the version a transaction read or wrote, the same from another
 * connection, new after every write, forgotten by the next transaction */
static void versions(store_t *st)
{
    char err[256] = "", v1[STORE_VER_LEN + 1], v2[STORE_VER_LEN + 1], v3[STORE_VER_LEN + 1], v4[STORE_VER_LEN + 1];
    store_t *other = store_open(url, err, sizeof err);
    CHECK(other != NULL);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(!store_version(st, C_CUSTOMERS, "cv", v1));
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cv\",\"accountId\":\"a1\",\"name\":\"v one\"}") == ST_OK);
    CHECK(store_version(st, C_CUSTOMERS, "cv", v1) && strlen(v1) == STORE_VER_LEN);
    CHECK(!store_version(st, C_ACCOUNTS, "cv", v2)); /* by collection and id */
    CHECK(store_commit(st) == ST_OK);
    CHECK(store_version(st, C_CUSTOMERS, "cv", v2) && !strcmp(v1, v2)); /* still known once committed */
    CHECK(store_begin(other, 0) == ST_OK);
    json_t *d = store_get(other, C_CUSTOMERS, "cv");
    CHECK(d && store_version(other, C_CUSTOMERS, "cv", v2) && !strcmp(v1, v2)); /* what a read of it gives, anywhere */
    json_decref(d);
    CHECK(store_commit(other) == ST_OK);
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(!store_version(st, C_CUSTOMERS, "cv", v3)); /* a new transaction has read nothing yet */
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cv\",\"accountId\":\"a1\",\"name\":\"v two\"}") == ST_OK);
    CHECK(store_version(st, C_CUSTOMERS, "cv", v3) && strcmp(v3, v1));
    CHECK(store_commit(st) == ST_OK);
    CHECK(store_begin(other, 0) == ST_OK);
    d = store_get(other, C_CUSTOMERS, "cv");
    CHECK(d && store_version(other, C_CUSTOMERS, "cv", v4) && !strcmp(v3, v4));
    /* other parsed "v one" before: its own recent documents must not hand that back */
    CHECK_STR(json_string_value(json_object_get(d, "name")), "v two");
    json_decref(d);
    query_t q = {0};
    q.limit = -1;
    json_t *rows = NULL;
    CHECK(store_list(other, C_ACCOUNTS, &q, &rows, NULL) == ST_OK && json_array_size(rows) > 0);
    CHECK(!store_version(other, C_ACCOUNTS, "a1", v4)); /* a list notes nothing */
    json_decref(rows);
    CHECK(store_commit(other) == ST_OK);
    CHECK(store_delete(st, C_CUSTOMERS, "cv") == ST_OK);
    store_close(other);
}

/* A put that keeps a document's indexed columns replaces the document alone (SQLite);
 * one that changes them moves its index entries: counts, tree and order follow either way. */
static void columns_follow(store_t *st)
{
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cf1\",\"accountId\":\"acf\",\"name\":\"Alpha\",\"referenceId\":\"r1\"}") == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cf2\",\"accountId\":\"acf\",\"name\":\"Beta\"}") == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    /* the same columns, another field */
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cf1\",\"accountId\":\"acf\",\"name\":\"Alpha\",\"referenceId\":\"r2\"}") == ST_OK);
    json_t *d = store_get(st, C_CUSTOMERS, "cf1");
    CHECK_STR(str(d, "referenceId"), "r2");
    json_decref(d);
    CHECK(store_count(st, C_CUSTOMERS, "name", "Alpha") == 1);
    /* a write rolled back: what it wrote (kept parsed for the next read) is never read back */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cf1\",\"accountId\":\"acf\",\"name\":\"Alpha\",\"referenceId\":\"gone\"}") == ST_OK);
    d = store_get(st, C_CUSTOMERS, "cf1");
    CHECK_STR(str(d, "referenceId"), "gone"); /* inside its transaction */
    json_decref(d);
    store_rollback(st);
    d = store_get(st, C_CUSTOMERS, "cf1");
    CHECK_STR(str(d, "referenceId"), "r2");
    json_decref(d);
    /* renamed and moved under cf2: the name, order and tree indexes follow */
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cf1\",\"accountId\":\"acf\",\"name\":\"Gamma\",\"parentCustomerId\":\"cf2\"}") == ST_OK);
    CHECK(store_count(st, C_CUSTOMERS, "name", "Alpha") == 0);
    CHECK(store_count(st, C_CUSTOMERS, "name", "Gamma") == 1);
    json_t *acc = json_pack("[s]", "acf");
    query_t q = {.limit = -1};
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, acc};
    CHECK_STR(ids_of(st, C_CUSTOMERS, &q, NULL), "cf2,cf1"); /* Beta, Gamma */
    json_decref(acc);
    json_t *roots = json_pack("[s]", "cf2"), *sub = store_subtree(st, C_CUSTOMERS, roots);
    CHECK(json_array_size(sub) == 2);
    json_decref(sub);
    json_t *path = store_path(st, C_CUSTOMERS, "cf1", 10);
    CHECK(json_array_size(path) == 2 && !strcmp(json_string_value(json_array_get(json_array_get(path, 1), 1)), "Gamma"));
    json_decref(path);
    /* back to the top: an empty parent is no parent */
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"cf1\",\"accountId\":\"acf\",\"name\":\"Gamma\",\"parentCustomerId\":\"\"}") == ST_OK);
    sub = store_subtree(st, C_CUSTOMERS, roots);
    CHECK(json_array_size(sub) == 1);
    json_decref(sub);
    json_decref(roots);
    CHECK(store_delete(st, C_CUSTOMERS, "cf1") == ST_OK);
    CHECK(store_delete(st, C_CUSTOMERS, "cf2") == ST_OK);
}

/* Optimistic transactions (store_begin_optimistic).  Every back end: the writes are made
 * by the commit and seen by the transaction's own reads before; a read that cannot be
 * checked (a count) is either refused (store_must_retry, and the commit fails) or, where
 * the transaction holds the writer from the start, simply answered; audit entries as in
 * any write.  SQLite, whose optimistic transactions hold no writer until store_apply: a
 * document read and changed meanwhile by another connection makes store_apply answer
 * ST_RETRY with nothing written; an open batch waits for a transaction still reading
 * its snapshot, and commits when that one ends without writing. */
static int opt_calls, opt_rc;
static void opt_done(void *arg, int rc)
{
    opt_calls++;
    opt_rc = rc;
}

static void optimistic(store_t *st)
{
    int optimistic_here = strncmp(url, "postgres", 8) != 0; /* PostgreSQL takes the writer at once */
    char err[256];
    store_t *other = store_open(url, err, sizeof err);
    CHECK(other != NULL);
    if (!other)
        return;
    /* its own writes, by id, before the commit; nothing of them elsewhere until then */
    CHECK(store_begin_optimistic(st) == ST_OK);
    json_t *a1 = store_get(st, C_ACCOUNTS, "a1");
    CHECK(a1 != NULL);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"o1\",\"accountId\":\"a1\",\"name\":\"Opt\"}") == ST_OK);
    json_t *o1 = store_get(st, C_CUSTOMERS, "o1");
    CHECK(o1 && !strcmp(str(o1, "name"), "Opt"));
    json_decref(o1);
    char ver[STORE_VER_LEN + 1] = "";
    CHECK(store_version(st, C_CUSTOMERS, "o1", ver) == 1 && strlen(ver) == STORE_VER_LEN);
    json_t *path = store_path(st, C_CUSTOMERS, "c3", 10); /* c1 > c2 > c3, read one by one */
    CHECK(json_array_size(path) == 3 && !strcmp(json_string_value(json_array_get(json_array_get(path, 0), 0)), "c1"));
    json_decref(path);
    json_t *name = store_get_field(st, C_ACCOUNTS, "a1", "name");
    CHECK(name && !strcmp(json_string_value(name), str(a1, "name")));
    json_decref(name);
    CHECK(store_delete(st, C_CUSTOMERS, "nope") == ST_NOTFOUND);
    CHECK(store_must_retry(st) == 0);
    CHECK(store_apply(st) == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    char ver2[STORE_VER_LEN + 1] = "";
    CHECK(store_version(st, C_CUSTOMERS, "o1", ver2) == 1 && !strcmp(ver, ver2)); /* the version written */
    CHECK(store_begin(other, 0) == ST_OK);
    o1 = store_get(other, C_CUSTOMERS, "o1");
    CHECK(o1 && !strcmp(str(o1, "accountId"), "a1"));
    json_decref(o1);
    store_commit(other);
    /* a delete, seen by its own read at once */
    CHECK(store_begin_optimistic(st) == ST_OK);
    CHECK(store_delete(st, C_CUSTOMERS, "o1") == ST_OK);
    CHECK(store_get(st, C_CUSTOMERS, "o1") == NULL && store_errcode(st) == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    CHECK(store_begin(other, 0) == ST_OK);
    CHECK(store_get(other, C_CUSTOMERS, "o1") == NULL);
    store_commit(other);
    /* a count cannot be checked: refused where the writer is not held, else answered */
    CHECK(store_begin_optimistic(st) == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"o2\",\"accountId\":\"a1\",\"name\":\"Never\"}") == ST_OK);
    long n = store_count(st, C_CUSTOMERS, "accountId", "a1");
    CHECK(store_must_retry(st) == optimistic_here);
    CHECK(optimistic_here ? n == -1 && store_commit(st) != ST_OK : n >= 3 && store_commit(st) == ST_OK);
    CHECK(store_begin(other, 0) == ST_OK);
    json_t *o2 = store_get(other, C_CUSTOMERS, "o2");
    CHECK(optimistic_here ? o2 == NULL : o2 != NULL);
    json_decref(o2);
    store_commit(other);
    if (!optimistic_here) {
        CHECK(store_begin(st, 1) == ST_OK && store_delete(st, C_CUSTOMERS, "o2") == ST_OK && store_commit(st) == ST_OK);
    }
    /* audited as any write: the entry is made by the commit */
    store_audit_t who = {"u-opt", "Opt User", "NewCustomer", NULL};
    store_audit(st, &who);
    CHECK(store_begin_optimistic(st) == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"o3\",\"accountId\":\"a1\",\"name\":\"Logged\"}") == ST_OK);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"o3\",\"accountId\":\"a1\",\"name\":\"Logged 2\"}") == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    store_audit(st, NULL);
    json_t *e = entries(st, "o3");
    CHECK(json_array_size(e) == 1); /* one entry for the entity in one transaction */
    CHECK_STR(change_of(json_array_get(e, 0), "name"), "->Logged 2");
    CHECK_STR(str(json_array_get(e, 0), "userId"), "u-opt");
    json_decref(e);
    /* a document whose id was just made (store_put_new): no old one read first, nothing of
     * it checked by the commit; its entry is a creation, which a later change in the same
     * transaction joins */
    store_audit(st, &who);
    CHECK(store_begin_optimistic(st) == ST_OK);
    json_t *fresh = json_pack("{s:s,s:s,s:s}", "id", "o9", "accountId", "a1", "name", "New");
    CHECK(store_put_new(st, C_CUSTOMERS, fresh) == ST_OK);
    json_decref(fresh);
    CHECK(put(st, C_CUSTOMERS, "{\"id\":\"o9\",\"accountId\":\"a1\",\"name\":\"New 2\"}") == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    store_audit(st, NULL);
    e = entries(st, "o9");
    CHECK(json_array_size(e) == 1);
    CHECK_STR(change_of(json_array_get(e, 0), "name"), "->New 2");
    CHECK_STR(change_of(json_array_get(e, 0), "accountId"), "->a1");
    json_decref(e);
    CHECK(store_begin(st, 0) == ST_OK);
    json_t *o9 = store_get(st, C_CUSTOMERS, "o9");
    CHECK_STR(o9 ? str(o9, "name") : NULL, "New 2");
    json_decref(o9);
    store_commit(st);
    if (optimistic_here) {
        /* read here, changed there and committed: the writes are not made */
        CHECK(store_begin_optimistic(st) == ST_OK);
        json_t *c1 = store_get(st, C_CUSTOMERS, "c1");
        CHECK(c1 != NULL);
        json_decref(c1);
        opt_calls = 0;
        opt_rc = -1;
        CHECK(store_begin(other, 1) == ST_OK);
        CHECK(put(other, C_CUSTOMERS, "{\"id\":\"c1\",\"accountId\":\"a1\",\"name\":\"Root\",\"tagIds\":[\"t1\",\"t2\"],"
                                      "\"data\":{\"plan\":{\"stringValue\":\"gold\"}},\"changedBy\":\"other\"}") == ST_OK);
        store_commit_then(other, opt_done, NULL);
        CHECK(opt_calls == 0); /* the batch waits for the transaction still reading */
        CHECK(put(st, C_CUSTOMERS, "{\"id\":\"o4\",\"accountId\":\"a1\",\"name\":\"Stale\"}") == ST_OK);
        CHECK(store_apply(st) == ST_RETRY);
        CHECK(opt_calls == 1 && opt_rc == ST_OK); /* that one was the last in: the batch committed */
        CHECK(store_begin(st, 0) == ST_OK);
        json_t *o4 = store_get(st, C_CUSTOMERS, "o4");
        c1 = store_get(st, C_CUSTOMERS, "c1");
        CHECK(o4 == NULL && c1 && !strcmp(str(c1, "changedBy"), "other"));
        json_decref(o4);
        json_decref(c1);
        store_commit(st);
        /* found missing here, made there: likewise */
        CHECK(store_begin_optimistic(st) == ST_OK);
        CHECK(store_get(st, C_CUSTOMERS, "o5") == NULL);
        CHECK(store_begin(other, 1) == ST_OK && put(other, C_CUSTOMERS, "{\"id\":\"o5\",\"accountId\":\"a1\",\"name\":\"There\"}") == ST_OK);
        opt_calls = 0;
        store_commit_then(other, opt_done, NULL);
        CHECK(put(st, C_CUSTOMERS, "{\"id\":\"o5\",\"accountId\":\"a1\",\"name\":\"Here\"}") == ST_OK);
        CHECK(store_commit(st) == ST_RETRY);
        CHECK(opt_calls == 1 && opt_rc == ST_OK);
        /* a transaction that ends without writing lets the batch it held open commit */
        CHECK(store_begin_optimistic(st) == ST_OK);
        CHECK(store_begin(other, 1) == ST_OK && store_delete(other, C_CUSTOMERS, "o5") == ST_OK);
        opt_calls = 0;
        store_commit_then(other, opt_done, NULL);
        CHECK(opt_calls == 0);
        store_rollback(st);
        CHECK(opt_calls == 1 && opt_rc == ST_OK);
    }
    CHECK(store_begin(st, 1) == ST_OK && store_delete(st, C_CUSTOMERS, "o3") == ST_OK && store_commit(st) == ST_OK);
    json_decref(a1);
    store_close(other);
}

static void suite(const char *name)
{
    char err[256] = "";
    store_t *st = store_open(url, err, sizeof err);
    CHECK(st != NULL);
    if (!st) {
        fprintf(stderr, "%s: %s\n", name, err);
        return;
    }
    fprintf(stderr, "store conformance: %s\n", name);
    primitives(st);
    versions(st);
    columns_follow(st);
    elem_filter(st);
    writers(st);
    side_by_side(st);
    commit_then(st);
    deferred_commits(st);
    spilled_frames(st);
    if (batches_here())
        flush_while_busy(st); /* SQLite's file: where batches are */
    audit(st);
    optimistic(st);
    store_close(st);
    /* opened again: migrations already done, data there */
    st = store_open(url, err, sizeof err);
    CHECK(st && store_count(st, C_ACCOUNTS, "name", "Capped") == 1);
    store_close(st);
}

/* A write walvfs held back that fails where SQLite cannot be told of it (walvfs.c's must):
 * the process stops there, so no commit is acknowledged that the WAL does not hold, and
 * no frame counted as copied into the database is missing from it.  Each case runs in a
 * child whose file size limit (RLIMIT_FSIZE) makes the held write fail: at the WAL index's
 * barrier (a commit's frames past the limit) and at a checkpoint's end (its last page, far
 * into the database, past it).  The child says on a pipe what SQLite told it succeeded;
 * this process then reads the file with SQLite's own VFS. */

enum { HELD_ROWS = 3000 };

static int held_exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL); }

static long held_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The child: a connection through walvfs, the limit set once the WAL holds what it holds,
 * then the case's writes; one letter on fd for each step SQLite answered SQLITE_OK. */
static void held_child(const char *path, int at_checkpoint, int fd)
{
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 2); /* the stop's message */
    signal(SIGXFSZ, SIG_IGN);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, WALVFS_NAME) != SQLITE_OK ||
        held_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0") != SQLITE_OK)
        _exit(3);
    struct rlimit lim;
    if (!at_checkpoint) {
        /* the WAL grown first (its index mapped); the next commit's frames cross the limit */
        char wal[600];
        struct stat sb;
        snprintf(wal, sizeof wal, "%s-wal", path);
        if (held_exec(db, "UPDATE t SET v=zeroblob(3000) WHERE id<=20") != SQLITE_OK || stat(wal, &sb) != 0)
            _exit(4);
        lim.rlim_cur = lim.rlim_max = (rlim_t)sb.st_size + 100;
        setrlimit(RLIMIT_FSIZE, &lim);
        if (held_exec(db, "UPDATE t SET v=zeroblob(2000) WHERE id=2000") == SQLITE_OK)
            (void)!write(fd, "A", 1);
    } else {
        /* the database is ~12 MiB; the WAL, written from its start, stays far below 6 MiB */
        lim.rlim_cur = lim.rlim_max = 6 << 20;
        setrlimit(RLIMIT_FSIZE, &lim);
        char sql[96];
        snprintf(sql, sizeof sql, "UPDATE t SET v=zeroblob(2000) WHERE id=%d", HELD_ROWS);
        if (held_exec(db, sql) != SQLITE_OK)
            _exit(5);
        (void)!write(fd, "A", 1);
        int log = 0, copied = 0;
        if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK &&
            copied == log)
            (void)!write(fd, "C", 1);
        /* the WAL starts again from its beginning, over the frames counted as copied */
        if (held_exec(db, "UPDATE t SET v=zeroblob(1000) WHERE id<=20") == SQLITE_OK)
            (void)!write(fd, "W", 1);
    }
    _exit(0); /* no close: nothing more copied, nothing written */
}

static void held_write_fails(void)
{
    if (!sqlite3_vfs_find(WALVFS_NAME)) {
        CHECK(!"walvfs is registered by a store_open");
        return;
    }
    for (int at_checkpoint = 0; at_checkpoint < 2; at_checkpoint++) {
        char path[] = "/tmp/evovoiced-held-XXXXXX", sql[200];
        sqlite_scratch(path);
        sqlite3 *db;
        CHECK(sqlite3_open(path, &db) == SQLITE_OK);
        snprintf(sql, sizeof sql,
                 "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); WITH RECURSIVE c(i) AS "
                 "(SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<%d) INSERT INTO t SELECT i, zeroblob(4000) FROM c",
                 HELD_ROWS);
        CHECK(held_exec(db, sql) == SQLITE_OK);
        sqlite3_close(db); /* copied into the database; the WAL removed */
        int fds[2];
        CHECK(pipe(fds) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            held_child(path, at_checkpoint, fds[1]);
        }
        close(fds[1]);
        char said[8] = "";
        int status = 0;
        ssize_t n = 0, r;
        while (n < (ssize_t)sizeof said - 1 && (r = read(fds[0], said + n, sizeof said - 1 - n)) > 0)
            n += r;
        close(fds[0]);
        waitpid(pid, &status, 0);
        fprintf(stderr, "held write failing at %s: the child said \"%s\", %s %d\n",
                at_checkpoint ? "a checkpoint's end" : "the barrier", said,
                WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT); /* it stopped, */
        CHECK(sqlite3_open(path, &db) == SQLITE_OK);                /* and what it acknowledged is there */
        if (!at_checkpoint) {
            CHECK_STR(said, ""); /* the commit whose frames failed was not acknowledged */
            CHECK(held_int(db, "SELECT length(v) FROM t WHERE id=2000") == 4000);
        } else {
            CHECK_STR(said, "A");
            snprintf(sql, sizeof sql, "SELECT length(v) FROM t WHERE id=%d", HELD_ROWS);
            CHECK(held_int(db, sql) == 2000);
        }
        CHECK(held_int(db, "SELECT count(*) FROM t") == HELD_ROWS);
        /* the commit before the limit (barrier case), and nothing after the stop (checkpoint) */
        CHECK(held_int(db, "SELECT length(v) FROM t WHERE id=1") == (at_checkpoint ? 4000 : 3000));
        sqlite3_close(db);
        sqlite_remove(path);
    }
}

int main(void)
{
    char path[] = "/tmp/evovoiced-store-XXXXXX";
    sqlite_scratch(path);
    url = path;
    suite("sqlite");
    /* a list across all accounts reads its page from an index in the order the store asks
     * for (name without case, then id; either direction): no sort of the whole table */
    {
        static const char *const orders[] = {
            "customers ORDER BY name COLLATE NOCASE ASC, id ASC",
            "customers ORDER BY name COLLATE NOCASE DESC, id DESC",
            "endpoints ORDER BY display_name COLLATE NOCASE ASC, id ASC",
            "flows ORDER BY name COLLATE NOCASE DESC, id DESC",
        };
        for (size_t i = 0; i < sizeof orders / sizeof *orders; i++) {
            char cmd[512], plan[512] = "";
            snprintf(cmd, sizeof cmd, "sqlite3 %s 'EXPLAIN QUERY PLAN SELECT doc, id FROM %s LIMIT 25 OFFSET 75000'", path,
                     orders[i]);
            CHECK(shell_out(cmd, plan, sizeof plan) == 0);
            CHECK(strstr(plan, "USING INDEX") != NULL);
            if (strstr(plan, "TEMP B-TREE"))
                fprintf(stderr, "sorts the whole table: %s\n%s", orders[i], plan);
            CHECK(strstr(plan, "TEMP B-TREE") == NULL);
        }
    }
    /* the routing worker's poll for SIP credentials due reads the few pending endpoints from
     * their own index, not every endpoint (the query as the store writes it, default order) */
    {
        char cmd[700], plan[512] = "";
        snprintf(cmd, sizeof cmd,
                 "sqlite3 %s \"EXPLAIN QUERY PLAN SELECT rowid FROM endpoints WHERE 1 AND "
                 "(json_extract(doc,'\\$.sipPending.dueMs')<=?1) ORDER BY display_name COLLATE NOCASE ASC, id ASC "
                 "LIMIT 20\"",
                 path);
        CHECK(shell_out(cmd, plan, sizeof plan) == 0);
        CHECK(strstr(plan, "USING INDEX endpoints_sip_due") != NULL);
    }
    /* parsed documents are shared only while the row's text is byte for byte the one they
     * came from: a row changed behind the store (same length, one letter) is parsed anew */
    {
        char err[256] = "", cmd[700];
        store_t *st = store_open(path, err, sizeof err);
        CHECK(st && put(st, C_ACCOUNTS, "{\"id\":\"behind\",\"name\":\"Alpha\",\"ancestorIds\":[]}") == ST_OK);
        for (int round = 0; st && round < 2; round++) { /* kept when written, then when read */
            json_t *d = store_get(st, C_ACCOUNTS, "behind");
            CHECK_STR(d ? json_string_value(json_object_get(d, "name")) : NULL, "Alpha");
            json_decref(d);
            snprintf(cmd, sizeof cmd, "sqlite3 %s \"UPDATE accounts SET doc = replace(doc, '%s', '%s') WHERE id = 'behind'\"",
                     path, "Alpha", "Alphb");
            CHECK(system(cmd) == 0);
            d = store_get(st, C_ACCOUNTS, "behind");
            CHECK_STR(d ? json_string_value(json_object_get(d, "name")) : NULL, "Alphb");
            json_decref(d);
            snprintf(cmd, sizeof cmd, "sqlite3 %s \"UPDATE accounts SET doc = replace(doc, 'Alphb', 'Alpha') WHERE id = 'behind'\"",
                     path);
            CHECK(system(cmd) == 0);
        }
        CHECK(st && store_delete(st, C_ACCOUNTS, "behind") == ST_OK);
        store_close(st);
    }
    /* the WAL as this store writes it (each frame's header and page in one write,
     * walvfs.c) is the WAL SQLite reads: another process, with SQLite's own VFS, reads every
     * committed row from it while the store still has it open, and finds the file sound;
     * batches of writes from several connections, a rolled-back one among them */
    {
        char err[256] = "", cmd[700], out[256] = "";
        store_t *a = store_open(path, err, sizeof err), *b = store_open(path, err, sizeof err);
        CHECK(a && b);
        for (int i = 0; a && b && i < 300; i++) {
            store_t *w = i % 2 ? a : b;
            char json[160];
            snprintf(json, sizeof json, "{\"id\":\"wal%03d\",\"accountId\":\"aw\",\"name\":\"Wal %d\",\"n\":%d}", i, i, i);
            CHECK(store_begin(w, 1) == ST_OK && put(w, C_CUSTOMERS, json) == ST_OK);
            if (i % 50 == 7)
                store_rollback(w);
            else
                CHECK(store_commit(w) == ST_OK);
        }
        snprintf(cmd, sizeof cmd,
                 "sqlite3 %s \"SELECT count(*), sum(json_extract(doc, '$.n')) FROM customers WHERE id LIKE 'wal%%'; "
                 "PRAGMA integrity_check\" | tr '\\n' ' '", path);
        CHECK(shell_out(cmd, out, sizeof out) == 0);
        /* 300 written, 6 rolled back (7, 57, ..., 257): 294 rows whose n sum to 44850 - 792 */
        CHECK_STR(out, "294|44058 ok ");
        for (int i = 0; a && i < 300; i++) {
            char id[16];
            snprintf(id, sizeof id, "wal%03d", i);
            if (i % 50 != 7)
                CHECK(store_begin(a, 1) == ST_OK && store_delete(a, C_CUSTOMERS, id) == ST_OK && store_commit(a) == ST_OK);
        }
        store_close(a);
        store_close(b);
    }
    /* checkpoints: the WAL is copied back into the database beside the writes, by the
     * writer group's own thread, which asks the writer for the last step once it has
     * copied 4,000 pages or more (the writer does it all itself at 8,000); and under
     * sustained writes the WAL starts again from its beginning, so it stays within that
     * bound (8,000 pages and their frame headers, 32.2 MiB) instead of growing with every
     * write (over 100 MiB here) */
    {
        char err[256] = "", wal[600], big[3001];
        memset(big, 'x', 3000);
        big[3000] = 0;
        snprintf(wal, sizeof wal, "%s-wal", path);
        store_t *st = store_open(path, err, sizeof err);
        CHECK(st != NULL);
        long before = file_size(path), failed = 0;
        for (int t = 0; st && t < 25; t++) { /* 2,500 rows of a page each, 100 a commit: past 1,000 pages, short of 4,000 */
            failed += store_begin(st, 1) != ST_OK;
            for (int i = 0; i < 100; i++) {
                char id[32];
                snprintf(id, sizeof id, "k%d-%d", t, i);
                json_t *d = json_pack("{s:s,s:s,s:s,s:s}", "id", id, "accountId", "ak", "name", id, "note", big);
                failed += store_put(st, C_CUSTOMERS, d) != ST_OK;
                json_decref(d);
            }
            failed += store_commit(st) != ST_OK;
        }
        fprintf(stderr, "checkpoints: the WAL holds %ld KiB\n", file_size(wal) / 1024);
        long grown = 0;
        for (int t = 0; t < 100 && grown < 4L << 20; t++) { /* the thread's copy, within 5 s */
            usleep(50000);
            grown = file_size(path) - before;
        }
        fprintf(stderr, "checkpoints: the database took %ld KiB from the WAL beside the writes\n", grown / 1024);
        CHECK(grown >= 4L << 20);
        long max_wal = 0;
        for (int i = 0; st && i < 40000; i++) {
            char id[32];
            snprintf(id, sizeof id, "w%d", i % 500);
            json_t *d = json_pack("{s:s,s:s,s:s,s:i,s:s}", "id", id, "accountId", "aw", "name", id, "n", i, "note", big);
            if (store_begin(st, 1) != ST_OK || store_put(st, C_CUSTOMERS, d) != ST_OK || store_commit(st) != ST_OK)
                failed++;
            json_decref(d);
            if (file_size(wal) > max_wal)
                max_wal = file_size(wal);
        }
        fprintf(stderr, "sustained writes: the WAL reached %ld KiB\n", max_wal / 1024);
        CHECK(failed == 0);
        CHECK(max_wal > 0 && max_wal < 33L * 1024 * 1024);
        store_close(st);
        /* what the checkpoints wrote (neighbouring pages in one write, walvfs.c) is the
         * database: the last close copied the rest and removed the WAL, and another process
         * reads every row from the database alone (w0..w499, each with the n of its last
         * write, 39,500 + its number) and finds the file sound */
        char cmd[700], out[256] = "";
        CHECK(file_size(wal) <= 0);
        snprintf(cmd, sizeof cmd,
                 "sqlite3 %s \"SELECT count(*), sum(json_extract(doc, '$.n')) FROM customers WHERE id GLOB 'w[0-9]*'; "
                 "SELECT count(*) FROM customers WHERE id GLOB 'k[0-9]*'; PRAGMA integrity_check\" | tr '\\n' ' '", path);
        CHECK(shell_out(cmd, out, sizeof out) == 0);
        CHECK_STR(out, "500|19874750 2500 ok ");
    }
    /* a newer schema is refused */
    {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "sqlite3 %s 'PRAGMA user_version=999'", path);
        CHECK(system(cmd) == 0);
        char err[256] = "";
        store_t *st = store_open(path, err, sizeof err);
        CHECK(st == NULL && strstr(err, "newer"));
        store_close(st);
    }
    sqlite_remove(path);

    /* the same contract when this process owns the file (--db-exclusive): its connections
     * coordinate in memory; another process cannot read it meanwhile */
    {
        char xpath[] = "/tmp/evovoiced-store-XXXXXX";
        sqlite_scratch(xpath);
        url = xpath;
        conflicts_seen = 0;
        store_config.exclusive = 1;
        suite("sqlite, one process owning the file");
        char err[256] = "", cmd[512];
        store_t *st = store_open(xpath, err, sizeof err);
        CHECK(st != NULL);
        snprintf(cmd, sizeof cmd, "sqlite3 %s 'SELECT count(*) FROM accounts' >/dev/null 2>&1", xpath);
        CHECK(system(cmd) != 0);
        store_close(st);
        CHECK(system(cmd) == 0); /* the lock went with the last connection */
        store_config.exclusive = 0;
        sqlite_remove(xpath);
    }
    held_write_fails(); /* walvfs, registered by the store_open calls above */

    char db[64], dburl[512];
    int made = pg_scratch("evs", dburl, sizeof dburl, db, sizeof db);
    CHECK(made >= 0);
    if (made == 0) {
        url = dburl;
        conflicts_seen = 0;
        suite("postgresql");
        CHECK(pg_exec(dburl, "UPDATE evovoiced_schema SET version=999") == 0);
        char err[256] = "";
        store_t *st = store_open(dburl, err, sizeof err);
        CHECK(st == NULL && strstr(err, "newer"));
        store_close(st);
        CHECK(pg_drop(db) == 0);
    } else if (made == 1) {
        fprintf(stderr, "store conformance: postgresql skipped (EVOVOICED_TEST_PG is not set)\n");
    }
    return CHECK_DONE();
}
