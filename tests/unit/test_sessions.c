/* test_sessions.c — the call log's internal API (src/api/sessions.h) through the store:
 * create a session for an endpoint inside a write transaction, append to its log, update
 * it, end it, file a voice message under it; what it refuses; and that a rollback takes
 * it all back.  SQLite always; PostgreSQL too when EVOVOICED_TEST_PG names a cluster (a
 * database of its own there, dropped at the end). */
#include "check.h"
#include "scratch.h"
#include <stdlib.h>
#include <unistd.h>
#include "api/sessions.h"
#include "schema/schema.h"
#include "store/store.h"

static const char *jstr(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void suite(const char *url, const char *name)
{
    fprintf(stderr, "sessions: %s\n", name);
    char err[256];
    store_t *st = store_open(url, err, sizeof err);
    CHECK(st != NULL);
    if (!st) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    /* an account, a customer and a number of it */
    CHECK(store_begin(st, 1) == ST_OK);
    json_t *a = json_pack("{s:s,s:s}", "id", "a1", "name", "Acme");
    json_t *cu = json_pack("{s:s,s:s,s:s}", "id", "c1", "accountId", "a1", "name", "Globex");
    json_t *ep = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", "e1", "accountId", "a1", "customerId", "c1", "phoneNumber",
                           "+13125550100", "displayName", "(312) 555-0100", "type", "PhoneNumber");
    CHECK(store_put(st, C_ACCOUNTS, a) == ST_OK && store_put(st, C_CUSTOMERS, cu) == ST_OK &&
          store_put(st, C_ENDPOINTS, ep) == ST_OK);
    json_decref(a), json_decref(cu), json_decref(ep);
    CHECK(store_commit(st) == ST_OK);

    /* create, inside the caller's transaction */
    int rc = -1;
    CHECK(store_begin(st, 1) == ST_OK);
    session_new_t n = {.endpoint_id = "e1", .from = "+14155550199", .from_name = "Ann", .to = "+13125550100",
                       .call_sid = "CA123", .direction = NULL};
    json_t *s = session_create(st, &n, &rc);
    CHECK(s && rc == ST_OK);
    const char *sid = jstr(s, "id");
    CHECK(sid && strlen(sid) == 24);
    CHECK_STR(jstr(s, "accountId"), "a1");
    CHECK_STR(jstr(s, "customerId"), "c1");
    CHECK_STR(jstr(s, "endpointName"), "(312) 555-0100");
    CHECK_STR(jstr(s, "callState"), "Ringing");
    CHECK_STR(jstr(s, "dialState"), "Active");
    CHECK_STR(jstr(s, "channel"), "Voice");
    CHECK_STR(jstr(s, "direction"), "Incoming");
    CHECK(json_is_false(json_object_get(s, "ended")));
    CHECK(session_log(st, sid, "Call started") == ST_OK);
    CHECK(session_log(st, sid, "Flow Main line: Say") == ST_OK);
    json_t *fields = json_pack("{s:s,s:s,s:b}", "callState", "Connected", "answeredByName", "Bob", "wasMissed", 0);
    CHECK(session_update(st, sid, fields) == ST_OK);
    json_decref(fields);
    CHECK(store_commit(st) == ST_OK);

    json_t *got = store_get(st, C_SESSIONS, sid);
    CHECK(got != NULL);
    CHECK(json_array_size(json_object_get(got, "log")) == 2);
    CHECK_STR(jstr(json_array_get(json_object_get(got, "log"), 1), "message"), "Flow Main line: Say");
    CHECK_STR(jstr(got, "logText"), "Call started\nFlow Main line: Say");
    CHECK_STR(jstr(got, "callState"), "Connected");
    CHECK_STR(jstr(got, "answeredByName"), "Bob");
    json_decref(got);

    /* what it refuses, changing nothing */
    CHECK(store_begin(st, 1) == ST_OK);
    json_t *bad1 = json_pack("{s:s}", "accountId", "a2"), *bad2 = json_pack("{s:s}", "callState", "Dancing"),
           *bad3 = json_pack("{s:i}", "outcome", 3);
    CHECK(session_update(st, sid, bad1) == ST_CONFLICT);
    CHECK(session_update(st, sid, bad2) == ST_CONFLICT);
    CHECK(session_update(st, sid, bad3) == ST_CONFLICT);
    json_decref(bad1), json_decref(bad2), json_decref(bad3);
    CHECK(session_log(st, "000000000000000000000000", "x") == ST_NOTFOUND);
    CHECK(session_end(st, sid, "Sleeping", NULL) == ST_CONFLICT);
    session_new_t none = {.endpoint_id = "nope"};
    CHECK(session_create(st, &none, &rc) == NULL && rc == ST_NOTFOUND);
    session_new_t badch = {.endpoint_id = "e1", .channel = "Pigeon"};
    CHECK(session_create(st, &badch, &rc) == NULL && rc == ST_CONFLICT);
    CHECK(store_commit(st) == ST_OK);

    /* end it, and file a voice message */
    CHECK(store_begin(st, 1) == ST_OK);
    CHECK(session_end(st, sid, NULL, "Voicemail") == ST_OK);
    session_file_t vf = {.recording_sid = "RE1", .recording_duration = 17, .uri = "https://x.invalid/RE1"};
    json_t *f = session_add_file(st, sid, &vf, &rc);
    CHECK(f && rc == ST_OK);
    CHECK(store_commit(st) == ST_OK);
    got = store_get(st, C_SESSIONS, sid);
    CHECK(json_is_true(json_object_get(got, "ended")));
    CHECK_STR(jstr(got, "callState"), "Disconnected");
    CHECK_STR(jstr(got, "outcome"), "Voicemail");
    CHECK(jstr(got, "dateCompleted") != NULL);
    json_decref(got);
    CHECK_STR(jstr(f, "type"), "VoiceMessage");
    CHECK_STR(jstr(f, "sessionId"), sid);
    CHECK_STR(jstr(f, "customerId"), "c1");
    CHECK_STR(jstr(f, "fromAddress"), "+14155550199");
    CHECK(json_integer_value(json_object_get(f, "recordingDuration")) == 17);
    query_t q = {.limit = -1};
    json_t *sv = json_string(sid), *items = NULL;
    q.f[q.nf++] = (qfilter_t){"sessionId", Q_EQ, sv};
    CHECK(store_list(st, C_FILES, &q, &items, NULL) == ST_OK && json_array_size(items) == 1);
    json_decref(items), json_decref(sv), json_decref(f);

    /* a rollback takes the session back */
    CHECK(store_begin(st, 1) == ST_OK);
    json_t *s2 = session_create(st, &n, &rc);
    char id2[32];
    snprintf(id2, sizeof id2, "%s", s2 ? jstr(s2, "id") : "");
    json_decref(s2);
    store_rollback(st);
    CHECK(store_get(st, C_SESSIONS, id2) == NULL);
    CHECK(store_count(st, C_SESSIONS, "accountId", "a1") == 1);

    json_decref(s);
    store_close(st);
}

int main(void)
{
    schema_init();
    char path[] = "/tmp/evovoiced-sessions-XXXXXX";
    sqlite_scratch(path);
    suite(path, "sqlite");
    sqlite_remove(path);
    char db[64], dburl[512];
    int made = pg_scratch("evsess", dburl, sizeof dburl, db, sizeof db);
    CHECK(made >= 0);
    if (made == 0) {
        suite(dburl, "postgresql");
        CHECK(pg_drop(db) == 0);
    } else if (made == 1) {
        fprintf(stderr, "sessions: postgresql skipped (EVOVOICED_TEST_PG is not set)\n");
    }
    return CHECK_DONE();
}
