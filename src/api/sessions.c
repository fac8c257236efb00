/* sessions.c — sessions (the call log) and files: their operations and the internal API
 * of sessions.h the call runtime writes them through.
 *
 * Stored: a session's SessionInfo fields but the derived ones, plus logText (every log
 * message, one a line: what ListSessions' `log` filter searches); a file's FileInfo fields
 * plus sessionId.  Derived on every read: accountName, customerName, customerBreadcrumb,
 * endpointName (the endpoint's name now; the one it had when the endpoint is gone), a
 * file's userName.
 *
 * Reach is the endpoint's: a session or file belongs to an account and (mostly) a
 * customer; a Manager reaches those of its accounts, a Customer login those of its
 * customers and their descendants (not account-level ones).  Lists show exactly what a
 * read would allow.
 *
 * What a session left at the carrier goes with it: ending a session hangs up its call,
 * deleting a recording's file deletes the recording.  Those operations call the carrier
 * between their own transactions (a short read, the carrier, a short write), so no
 * store lock is held while the carrier answers, and a carrier failure changes nothing. */
#include "api.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "../provider/provider.h"
#include "../util/ids.h"
#include "../util/json.h"
#include "../util/secret.h"
#include "sessions.h"

enum { MAX_TREE_DEPTH = 1000, DELETE_BATCH = 1000, ARCHIVE_DAYS = 15, MAX_LOG_LINES = 10000, MAX_LOG_MESSAGE = 1000 };

int can_reach_endpoint(call_t *c, json_t *ep); /* endpoints.c: by the document's accountId and customerId */

int (*file_delete_hook)(struct call *c, json_t *file);


/* ------------------------------------------------------------------ times */

/* An ISO 8601 date or date-time (UTC unless it has an offset) as a bound on dateCreated,
 * written as the stored dates are (2026-01-02T10:00:00.000Z).  upper: the exclusive bound
 * just after it (a date: the next midnight; a date-time: 1 ms later).  0, or -1 when it
 * does not parse. */
static int iso_bound(const char *s, int upper, char out[32])
{
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    const char *p = s + 10;
    int date_only = !*p;
    long off = 0;
    if (!date_only) {
        if (*p != 'T' && *p != ' ')
            return -1;
        p++;
        if (sscanf(p, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
            return -1;
        p += 5;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &n) != 1 || n != 2)
                return -1;
            p += 3;
            if (*p == '.') {
                p++;
                int digits = 0;
                ms = 0;
                while (isdigit((unsigned char)*p)) {
                    if (digits < 3)
                        ms = ms * 10 + (*p - '0'), digits++;
                    p++;
                }
                if (!digits)
                    return -1;
                while (digits++ < 3)
                    ms *= 10;
            }
        }
        if (*p == 'Z')
            p++;
        else if (*p == '+' || *p == '-') {
            int oh, om = 0;
            if (sscanf(p + 1, "%2d%n", &oh, &n) != 1 || n != 2)
                return -1;
            const char *q = p + 3;
            if (*q == ':')
                q++;
            if (isdigit((unsigned char)*q)) {
                if (sscanf(q, "%2d%n", &om, &n) != 1 || n != 2)
                    return -1;
                q += 2;
            }
            off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
            p = q;
        }
        if (*p)
            return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    long long t = (long long)timegm(&tm) - off, tms = t * 1000 + ms;
    if (upper)
        tms += date_only ? 86400000LL : 1;
    time_t tt = (time_t)(tms / 1000);
    struct tm g;
    gmtime_r(&tt, &g);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", g.tm_year + 1900, g.tm_mon + 1, g.tm_mday, g.tm_hour, g.tm_min,
             g.tm_sec, (int)(tms % 1000));
    return 0;
}

static void iso_days_ago(int days, char out[32])
{
    time_t t = time(NULL) - (time_t)days * 86400;
    struct tm g;
    gmtime_r(&t, &g);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &g);
}

/* ------------------------------------------------------------------ internal API */

static void stamp(json_t *doc, int created, const char *date)
{
    char now[64];
    now_iso(now);
    if (created) {
        char id[25];
        id_new(id);
        json_object_set_new(doc, "id", json_string(id));
        json_object_set_new(doc, "dateCreated", json_string(date ? date : now));
        json_object_set_new(doc, "createdBy", json_string("system"));
    }
    json_object_set_new(doc, "dateLastModified", json_string(now));
    json_object_set_new(doc, "lastModifiedBy", json_string("system"));
}

static void set_str(json_t *doc, const char *k, const char *v)
{
    if (v && *v)
        json_object_set_new(doc, k, json_string(v));
}

json_t *session_create(store_t *st, const session_new_t *n, int *rc)
{
    int dummy;
    rc = rc ? rc : &dummy;
    if (!n || !n->endpoint_id || !*n->endpoint_id) {
        *rc = ST_NOTFOUND;
        return NULL;
    }
    if ((n->channel && schema_enum_index(&T_FlowChannels, n->channel) < 0) ||
        (n->date_created && !*n->date_created)) {
        *rc = ST_CONFLICT;
        return NULL;
    }
    json_t *ep = store_get(st, C_ENDPOINTS, n->endpoint_id);
    if (!ep) {
        *rc = store_errcode(st) ? store_errcode(st) : ST_NOTFOUND;
        return NULL;
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "dialState", json_string("Active"));
    json_object_set_new(doc, "callState", json_string("Ringing"));
    json_object_set_new(doc, "queueState", json_string("None"));
    json_object_set(doc, "accountId", json_object_get(ep, "accountId"));
    if (jstr(ep, "customerId") && *jstr(ep, "customerId"))
        json_object_set(doc, "customerId", json_object_get(ep, "customerId"));
    json_object_set_new(doc, "endpointId", json_string(n->endpoint_id));
    set_str(doc, "endpointName", jstr(ep, "displayName"));
    set_str(doc, "toAddress", n->to);
    set_str(doc, "fromAddress", n->from);
    set_str(doc, "fromName", n->from_name);
    json_object_set_new(doc, "channel", json_string(n->channel ? n->channel : "Voice"));
    json_object_set_new(doc, "ended", json_false());
    set_str(doc, "callSid", n->call_sid);
    json_object_set_new(doc, "log", json_array());
    json_object_set_new(doc, "wasMissed", json_false());
    json_object_set_new(doc, "direction", json_string(n->direction && *n->direction ? n->direction : "Incoming"));
    json_object_set_new(doc, "members", json_array());
    set_str(doc, "parentSessionId", n->parent_session_id);
    json_object_set_new(doc, "logText", json_string(""));
    stamp(doc, 1, n->date_created);
    json_decref(ep);
    if ((*rc = store_put(st, C_SESSIONS, doc))) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* A copy of the session to change, or NULL with *rc. */
static json_t *session_for_update(store_t *st, const char *id, int *rc)
{
    json_t *d = id ? store_get(st, C_SESSIONS, id) : NULL;
    if (!d) {
        *rc = store_errcode(st) ? store_errcode(st) : ST_NOTFOUND;
        return NULL;
    }
    json_t *out = json_deep_copy(d);
    json_decref(d);
    *rc = ST_OK;
    return out;
}

static int session_store(store_t *st, json_t *doc)
{
    stamp(doc, 0, NULL);
    int rc = store_put(st, C_SESSIONS, doc);
    json_decref(doc);
    return rc;
}

/* Append message to doc's log and its searchable text; 0, or ST_ERROR out of memory. */
static int append_line(json_t *doc, const char *message)
{
    json_t *log = json_object_get(doc, "log");
    if (!json_is_array(log))
        json_object_set_new(doc, "log", log = json_array());
    if (json_array_size(log) >= MAX_LOG_LINES) /* a runaway flow does not grow a document without end */
        return ST_OK;
    char now[64];
    now_iso(now);
    json_array_append_new(log, json_pack("{s:s,s:s}", "date", now, "message", message ? message : ""));
    const char *old = jstr(doc, "logText");
    size_t len = (old ? strlen(old) : 0) + strlen(message ? message : "") + 2;
    char *text = malloc(len);
    if (!text)
        return ST_ERROR;
    snprintf(text, len, "%s%s%s", old && *old ? old : "", old && *old ? "\n" : "", message ? message : "");
    json_object_set_new(doc, "logText", json_string(text));
    free(text);
    return ST_OK;
}

/* Whether every member of fields is a SessionInfo field the runtime may set, of its type. */
static int settable_fields(json_t *fields)
{
    static const struct {
        const char *key;
        const type_t *type; /* an enum, or NULL */
        int kind;           /* 's' string, 'b' bool, 'l' list */
    } settable[] = {
        {"dialState", &T_SessionDialState, 's'}, {"callState", &T_SessionCallState, 's'},
        {"queueState", &T_SessionQueueStates, 's'}, {"destination", NULL, 's'}, {"fromName", NULL, 's'},
        {"answeredByName", NULL, 's'}, {"queueMemberId", NULL, 's'}, {"outcome", NULL, 's'},
        {"consoleData", NULL, 's'}, {"holdQueueName", NULL, 's'}, {"heldByUserId", NULL, 's'},
        {"holdReason", &T_SessionHoldReasons, 's'}, {"conferenceSid", NULL, 's'}, {"wasMissed", NULL, 'b'},
        {"members", NULL, 'l'}, {"callSid", NULL, 's'},
    };
    const char *k;
    json_t *v;
    json_object_foreach(fields, k, v)
    {
        size_t i, n = sizeof settable / sizeof *settable;
        for (i = 0; i < n && strcmp(settable[i].key, k); i++)
            ;
        if (i == n)
            return 0;
        int ok = settable[i].kind == 's' ? json_is_string(v) : settable[i].kind == 'b' ? json_is_boolean(v) : json_is_array(v);
        if (!ok || (settable[i].type && schema_enum_index(settable[i].type, json_string_value(v)) < 0))
            return 0;
    }
    return 1;
}

/* The session as ended: ended, dateCompleted now, callState (NULL: Disconnected), dialState
 * None, outcome (NULL: left as it is). */
static void mark_ended(json_t *doc, const char *call_state, const char *outcome)
{
    char now[64];
    now_iso(now);
    json_object_set_new(doc, "ended", json_true());
    json_object_set_new(doc, "dateCompleted", json_string(now));
    json_object_set_new(doc, "callState", json_string(call_state ? call_state : "Disconnected"));
    json_object_set_new(doc, "dialState", json_string("None"));
    if (outcome)
        json_object_set_new(doc, "outcome", json_string(outcome));
}

/* Every change to a session in one read and one write: lines appended, fields set, the
 * runtime's state set (NULL leaves it, JSON null removes it), and, with end, ended. */
static int change(store_t *st, const char *session_id, json_t *lines, json_t *fields, json_t *runtime, int end,
                  const char *call_state, const char *outcome)
{
    if ((fields && !settable_fields(fields)) || (call_state && schema_enum_index(&T_SessionCallState, call_state) < 0))
        return ST_CONFLICT;
    int rc;
    json_t *doc = session_for_update(st, session_id, &rc);
    if (!doc)
        return rc;
    size_t i;
    json_t *line;
    json_array_foreach(lines, i, line) if ((rc = append_line(doc, json_string_value(line))))
    {
        json_decref(doc);
        return rc;
    }
    if (fields)
        json_object_update(doc, fields);
    if (json_is_null(runtime))
        json_object_del(doc, "runtime");
    else if (runtime)
        json_object_set(doc, "runtime", runtime);
    if (end)
        mark_ended(doc, call_state, outcome);
    return session_store(st, doc);
}

int session_step(store_t *st, const char *session_id, json_t *lines, json_t *fields, json_t *runtime)
{
    return change(st, session_id, lines, fields, runtime, 0, NULL, NULL);
}

int session_finish(store_t *st, const char *session_id, json_t *lines, json_t *fields, const char *call_state,
                   const char *outcome)
{
    return change(st, session_id, lines, fields, NULL, 1, call_state, outcome);
}

int session_log(store_t *st, const char *session_id, const char *message)
{
    json_t *lines = json_pack("[s]", message ? message : "");
    int rc = session_step(st, session_id, lines, NULL, NULL);
    json_decref(lines);
    return rc;
}

int session_update(store_t *st, const char *session_id, json_t *fields)
{
    return session_step(st, session_id, NULL, fields, NULL);
}

int session_end(store_t *st, const char *session_id, const char *call_state, const char *outcome)
{
    return change(st, session_id, NULL, NULL, NULL, 1, call_state, outcome);
}

json_t *session_add_file(store_t *st, const char *session_id, const session_file_t *f, int *rc)
{
    int dummy;
    rc = rc ? rc : &dummy;
    json_t *s = session_id ? store_get(st, C_SESSIONS, session_id) : NULL;
    if (!s) {
        *rc = store_errcode(st) ? store_errcode(st) : ST_NOTFOUND;
        return NULL;
    }
    session_file_t none = {0};
    f = f ? f : &none;
    json_t *doc = json_object();
    char name[64];
    int is_recording = f->type && !strcmp(f->type, "CallRecording");
    snprintf(name, sizeof name, "%s-%s.wav", is_recording ? "recording" : "voicemail", session_id);
    json_object_set_new(doc, "type", json_string(is_recording ? "CallRecording" : "VoiceMessage"));
    json_object_set(doc, "accountId", json_object_get(s, "accountId"));
    if (jstr(s, "customerId"))
        json_object_set(doc, "customerId", json_object_get(s, "customerId"));
    set_str(doc, "userId", f->user_id);
    json_object_set_new(doc, "fileName", json_string(f->file_name && *f->file_name ? f->file_name : name));
    set_str(doc, "uri", f->uri);
    json_object_set_new(doc, "contentType", json_string(f->content_type ? f->content_type : "audio/wav"));
    json_object_set_new(doc, "contentLength", json_integer(f->content_length));
    set_str(doc, "recordingSid", f->recording_sid);
    json_object_set_new(doc, "recordingDuration", json_integer(f->recording_duration));
    set_str(doc, "recordingFrom", jstr(s, "fromAddress"));
    set_str(doc, "transcription", f->transcription);
    set_str(doc, "fromAddress", jstr(s, "fromAddress"));
    set_str(doc, "toAddress", jstr(s, "toAddress"));
    json_object_set_new(doc, "sessionId", json_string(session_id));
    stamp(doc, 1, NULL);
    json_decref(s);
    if ((*rc = store_put(st, C_FILES, doc))) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ------------------------------------------------------------------ presentation and reach */

static void present_tenant(call_t *c, json_t *doc, json_t *out)
{
    json_t *an = account_name(c, jstr(doc, "accountId"));
    if (an)
        json_object_set(out, "accountName", an);
    const char *cid = jstr(doc, "customerId");
    json_t *cu = cid && *cid ? call_get(c, C_CUSTOMERS, cid) : NULL;
    if (cu) {
        json_object_set(out, "customerName", json_object_get(cu, "name"));
        json_object_set_new(out, "customerBreadcrumb", breadcrumb_entries(store_path(c->st, C_CUSTOMERS, cid, MAX_TREE_DEPTH)));
    }
}

static json_t *present_session_with(call_t *c, json_t *doc, int with_log)
{
    json_t *out = json_copy(doc); /* shallow: only top-level keys change */
    json_object_del(out, "logText");
    json_object_del(out, "runtime"); /* the call runtime's state between requests */
    present_tenant(c, doc, out);
    const char *eid = jstr(doc, "endpointId");
    json_t *ep = eid && *eid ? call_get(c, C_ENDPOINTS, eid) : NULL;
    if (ep && json_object_get(ep, "displayName"))
        json_object_set(out, "endpointName", json_object_get(ep, "displayName"));
    if (!with_log)
        json_object_set_new(out, "log", json_array());
    return out;
}

static json_t *present_session_item(call_t *c, json_t *doc) { return present_session_with(c, doc, 1); }
static json_t *present_session(call_t *c, json_t *doc) { return present_session_with(c, doc, 0); }

static json_t *present_file(call_t *c, json_t *doc)
{
    json_t *out = json_copy(doc);
    json_object_del(out, "sessionId");
    present_tenant(c, doc, out);
    const char *uid = jstr(doc, "userId");
    json_t *u = uid && *uid ? call_get(c, C_USERS, uid) : NULL;
    if (u) {
        char name[512];
        json_object_set_new(out, "userName", json_string(user_display_name(u, name, sizeof name)));
    }
    return out;
}

/* The filters every list here starts with: the reach (a Manager's accounts, a Customer
 * login's customers), then the accountIds and customerIds asked for, which only narrow it. */
static int list_tenant_filters(call_t *c, query_t *q, json_t **owned, int *no)
{
    json_t *v;
    if (!(c->who->roles & ROLE_SA)) {
        if (c->who->roles & ROLE_MANAGER)
            owned[*no] = reach_account_ids(c), q->f[q->nf++] = (qfilter_t){"accountId", Q_IN, owned[(*no)++]};
        else
            owned[*no] = reach_customer_ids(c), q->f[q->nf++] = (qfilter_t){"customerId", Q_IN, owned[(*no)++]};
        if (store_errcode(c->st))
            return fail_store(c, store_errcode(c->st), "reach");
    }
    if (json_array_size(v = req_get(c, "accountIds")))
        q->f[q->nf++] = (qfilter_t){"accountId", Q_IN, v};
    if (json_array_size(v = req_get(c, "customerIds")))
        q->f[q->nf++] = (qfilter_t){"customerId", Q_IN, v};
    return 0;
}

/* A date filter of a list (api.h): field >= the start (or < the end's upper bound) of key. */
int list_date_filter(call_t *c, query_t *q, json_t **owned, int *no, const char *key, const char *name,
                     const char *field, int upper)
{
    const char *s = req_str(c, key);
    if (!s || !*s)
        return 0;
    char b[32];
    if (iso_bound(s, upper, b))
        return fail_field(c, name, "ArgumentException", "%s must be a date (yyyy-MM-dd) or an ISO 8601 date and time", name);
    owned[*no] = json_string(b);
    q->f[q->nf++] = (qfilter_t){field, upper ? Q_LT : Q_GE, owned[(*no)++]};
    return 0;
}

static void free_owned(json_t **owned, int no)
{
    for (int k = 0; k < no; k++)
        json_decref(owned[k]);
}

/* ------------------------------------------------------------------ sessions */

int op_list_sessions(call_t *c)
{
    query_t q = {0};
    json_t *owned[8] = {0}, *v;
    int no = 0, rc = -1;
    if (list_tenant_filters(c, &q, owned, &no))
        goto out;
    if (json_array_size(v = req_get(c, "endpointIds")))
        q.f[q.nf++] = (qfilter_t){"endpointId", Q_IN, v};
    if (list_date_filter(c, &q, owned, &no, "startDate", "StartDate", "dateCreated", 0) ||
        list_date_filter(c, &q, owned, &no, "endDate", "EndDate", "dateCreated", 1))
        goto out;
    if ((v = req_get(c, "from")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"fromAddress", Q_CONTAINS, v};
    if ((v = req_get(c, "to")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"toAddress", Q_CONTAINS, v};
    if ((v = req_get(c, "log")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"logText", Q_CONTAINS, v};
    if ((v = req_get(c, "parentSessionId")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"parentSessionId", Q_EQ, v};
    /* sessions older than ARCHIVE_DAYS are archived: searched with searchArchive, or named */
    if (!json_is_true(req_get(c, "searchArchive")) && !json_array_size(req_get(c, "specificIds")) &&
        !json_string_length(req_get(c, "parentSessionId"))) {
        char since[32];
        iso_days_ago(ARCHIVE_DAYS, since);
        owned[no] = json_string(since);
        q.f[q.nf++] = (qfilter_t){"dateCreated", Q_GE, owned[no++]};
    }
    const char *sf = req_str(c, "sortField");
    if (!sf || !*sf) /* newest first unless asked otherwise */
        q.desc = !req_str(c, "sortOrder") || strcmp(req_str(c, "sortOrder"), "Ascend");
    rc = list_run(c, C_SESSIONS, &T_SessionInfo, &q, present_session_item);
out:
    free_owned(owned, no);
    return rc;
}

static int reach_session(call_t *c, const char *id, json_t **out)
{
    return reach(c, C_SESSIONS, id, "session", can_reach_endpoint, out);
}

int op_get_session(call_t *c)
{
    json_t *s;
    if (reach_session(c, req_str(c, "sessionId"), &s))
        return -1;
    c->resp = present_session(c, s);
    return 0;
}

int op_delete_sessions(call_t *c)
{
    const char *account = req_str(c, "accountId");
    if (reach_account_level(c, account, "delete an account's sessions"))
        return -1;
    query_t q = {0};
    json_t *owned[4] = {0}, *acc = json_string(account);
    int no = 0, rc = -1;
    owned[no++] = acc;
    q.f[q.nf++] = (qfilter_t){"accountId", Q_EQ, acc};
    if (list_date_filter(c, &q, owned, &no, "startDateTime", "StartDateTime", "dateCreated", 0) ||
        list_date_filter(c, &q, owned, &no, "endDateTime", "EndDateTime", "dateCreated", 1))
        goto out;
    q.limit = DELETE_BATCH;
    for (;;) { /* deleted rows leave the next batch's query */
        json_t *rows = NULL, *r;
        size_t i;
        int src = store_list(c->st, C_SESSIONS, &q, &rows, NULL);
        if (src) {
            rc = fail_store(c, src, "sessions");
            goto out;
        }
        size_t n = json_array_size(rows);
        json_array_foreach(rows, i, r) if ((src = store_delete(c->st, C_SESSIONS, jstr(r, "id")))) break;
        json_decref(rows);
        if (src) {
            rc = fail_store(c, src, "session");
            goto out;
        }
        if (n < DELETE_BATCH)
            break;
    }
    c->status = 204;
    rc = 0;
out:
    free_owned(owned, no);
    return rc;
}

static int reach_file(call_t *c, const char *id, json_t **out) { return reach(c, C_FILES, id, "file", can_reach_endpoint, out); }

/* How to act at the carrier on what a session or file left there (a call, a recording):
 * on the carrier account its number was bought on (the endpoint's carrierAccountSid),
 * else the account's own; with the account's own token (brought, else its sub-account's,
 * opened) when it is that account, else with the main account's credentials, which act on
 * every sub-account.  Points into documents of the call's memo. */
static void owner_creds(call_t *c, json_t *doc, pcreds_t *who)
{
    json_t *ep = NULL, *a = call_get(c, C_ACCOUNTS, jstr(doc, "accountId"));
    const char *eid = jstr(doc, "endpointId");
    if (!eid && jstr(doc, "sessionId")) /* a file: its session's endpoint */
        eid = jstr(call_get(c, C_SESSIONS, jstr(doc, "sessionId")), "endpointId");
    if (eid && *eid)
        ep = call_get(c, C_ENDPOINTS, eid);
    const char *sid = jstr(ep, "carrierAccountSid"), *own = jstr(a, "twilioAccountSid");
    if (!sid || !*sid)
        sid = own;
    who->account_sid = sid && *sid ? sid : NULL; /* NULL: the main account */
    who->auth_token = NULL;
    if (who->account_sid && own && !strcmp(sid, own)) {
        const char *t = jstr(a, "twilioAuthToken");
        who->auth_token = secret_open(t && *t ? t : jstr(a, "twilioSubAccountAuthToken"), who->token_buf, sizeof who->token_buf);
    }
}

/* The session or file named by the request (a new reference) and the carrier credentials
 * for it, read in a short read transaction with the reach checks. */
static int load_for_carrier(call_t *c, coll_t coll, const char *id, json_t **doc, pcreds_t *who)
{
    int rc = store_begin(c->st, 0);
    if (rc)
        return fail_store(c, rc, coll == C_FILES ? "file" : "session");
    if ((coll == C_FILES ? reach_file(c, id, doc) : reach_session(c, id, doc)) || hold_precondition(c)) {
        store_rollback(c->st); /* If-Match: before the carrier is asked, and again when writing */
        return -1;
    }
    json_incref(*doc);
    owner_creds(c, *doc, who);
    if ((rc = store_commit(c->st))) {
        json_decref(*doc);
        *doc = NULL;
        return fail_store(c, rc, coll == C_FILES ? "file" : "session");
    }
    return 0;
}

/* The carrier refused (502) or was unavailable (503: no answer, 429 or 5xx after the
 * retries; worth trying again later): nothing here changed. */
static int fail_carrier_kept(call_t *c, presult_t pr, perr_t *e, const char *what)
{
    int unavailable = pr == P_UNKNOWN || e->status == 429 || e->status >= 500;
    return fail(c, unavailable ? 503 : 502, "ProviderError", "The carrier could not %s, so nothing was changed: %s", what,
                e->message[0] ? e->message : "it failed");
}

/* The end of a handler's own write transaction: commit when rc is ST_OK, else roll back;
 * the store's failure as the call's. */
static int settle(call_t *c, int rc, const char *what)
{
    if (rc == ST_OK)
        rc = store_commit(c->st);
    else
        store_rollback(c->st);
    return rc ? fail_store(c, rc, what) : 0;
}

int op_patch_session(call_t *c)
{
    json_t *s;
    if (reach_session(c, req_str(c, "sessionId"), &s))
        return -1;
    json_t *doc = json_deep_copy(s);
    static const char *const keys[] = {"consoleData", "callState", "holdReason", "queueState", NULL};
    patch_fields(c, doc, keys);
    entity_stamp_mod(c, doc);
    return respond_stored(c, store_put(c->st, C_SESSIONS, doc), doc, present_session, "session");
}

/* Whether sid is the session's call or one of its members' calls. */
static int session_has_call(json_t *s, const char *sid)
{
    if (jstr(s, "callSid") && !strcmp(jstr(s, "callSid"), sid))
        return 1;
    json_t *m;
    size_t i;
    json_array_foreach(json_object_get(s, "members"), i, m) if (jstr(m, "callSid") && !strcmp(jstr(m, "callSid"), sid)) return 1;
    return 0;
}

/* Who did it, for a log line: the login's e-mail address, else its id. */
static const char *who_name(call_t *c) { return c->who->email ? c->who->email : c->who->id ? c->who->id : "system"; }

int op_end_session(call_t *c)
{
    const char *id = req_str(c, "sessionId"), *asked = req_str(c, "callSid");
    json_t *s;
    pcreds_t who = {0};
    if (load_for_carrier(c, C_SESSIONS, id, &s, &who))
        return -1;
    int ended = json_is_true(json_object_get(s, "ended"));
    if (asked && *asked && !session_has_call(s, asked)) {
        json_decref(s);
        return fail_field(c, "CallSid", "ArgumentException", "CallSid is not a call of this session");
    }
    const char *sid = asked && *asked ? asked : jstr(s, "callSid");
    if (!ended && sid && *sid) { /* the call first: a session is not marked over while its call goes on */
        perr_t e;
        presult_t pr = provider_end_call(&who, sid, &e);
        if (pr != P_OK && pr != P_NONE) {
            json_decref(s);
            return fail_carrier_kept(c, pr, &e, "hang up the call");
        }
    }
    json_decref(s);
    c->status = 204;
    if (ended)
        return 0;
    int rc = store_begin(c->st, 1);
    if (rc)
        return fail_store(c, rc, "session");
    if (hold_precondition(c)) {
        store_rollback(c->st);
        return -1;
    }
    json_t *now = store_get(c->st, C_SESSIONS, id);
    if (!now && !(rc = store_errcode(c->st)))
        rc = ST_NOTFOUND;
    if (!rc && !json_is_true(json_object_get(now, "ended"))) { /* ended meanwhile (its status callback): left as it is */
        char line[512];
        snprintf(line, sizeof line, "Session ended by %s", who_name(c));
        json_t *lines = json_pack("[s]", line);
        rc = session_finish(c->st, id, lines, NULL, NULL, NULL);
        json_decref(lines);
    }
    json_decref(now);
    return settle(c, rc, "session");
}

int op_add_session_log(call_t *c)
{
    const char *id = req_str(c, "sessionId"), *msg = req_str(c, "message");
    json_t *s;
    if (!msg || !*msg)
        return fail_field(c, "Message", "ArgumentException", "Message is required");
    size_t chars = 0; /* characters, not bytes: UTF-8 continuation bytes do not count */
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars > MAX_LOG_MESSAGE)
        return fail_field(c, "Message", "ArgumentException", "Message must be at most %d characters", MAX_LOG_MESSAGE);
    if (reach_session(c, id, &s))
        return -1;
    int rc = session_log(c->st, id, msg);
    if (rc)
        return fail_store(c, rc, "session");
    json_t *doc = store_get(c->st, C_SESSIONS, id);
    if (!doc)
        return fail_store(c, store_errcode(c->st) ? store_errcode(c->st) : ST_NOTFOUND, "session");
    c->resp = present_session_item(c, doc);
    json_decref(doc);
    return 0;
}

/* ------------------------------------------------------------------ files */

int op_list_files(call_t *c)
{
    query_t q = {0};
    json_t *owned[8] = {0}, *v;
    int no = 0, rc = -1;
    if (list_tenant_filters(c, &q, owned, &no))
        goto out;
    if ((v = req_get(c, "sessionId")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"sessionId", Q_EQ, v};
    if ((v = req_get(c, "fileName")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"fileName", Q_CONTAINS, v};
    if ((v = req_get(c, "contentType")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"contentType", Q_CONTAINS, v};
    if ((v = req_get(c, "type")) && json_is_string(v))
        q.f[q.nf++] = (qfilter_t){"type", Q_EQ, v};
    if ((v = req_get(c, "userId")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"userId", Q_EQ, v};
    if ((v = req_get(c, "transcriptionContains")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"transcription", Q_CONTAINS, v};
    if (list_date_filter(c, &q, owned, &no, "dateCreatedStart", "DateCreatedStart", "dateCreated", 0) ||
        list_date_filter(c, &q, owned, &no, "dateCreatedEnd", "DateCreatedEnd", "dateCreated", 1))
        goto out;
    rc = list_run(c, C_FILES, &T_FileInfo, &q, present_file);
out:
    free_owned(owned, no);
    return rc;
}

int op_get_file(call_t *c)
{
    json_t *f;
    if (reach_file(c, req_str(c, "fileId"), &f))
        return -1;
    c->resp = present_file(c, f);
    return 0;
}

int op_delete_file(call_t *c)
{
    json_t *f;
    pcreds_t who = {0};
    const char *id = req_str(c, "fileId");
    if (load_for_carrier(c, C_FILES, id, &f, &who))
        return -1;
    /* the carrier's copy of a recording goes first: a file stays while its recording does */
    const char *rs = jstr(f, "recordingSid");
    if (rs && *rs) {
        perr_t e;
        presult_t pr = provider_delete_recording(&who, rs, &e);
        if (pr != P_OK && pr != P_NONE) {
            json_decref(f);
            return fail_carrier_kept(c, pr, &e, "delete the recording");
        }
    }
    int rc = store_begin(c->st, 1);
    if (rc) {
        json_decref(f);
        return fail_store(c, rc, "file");
    }
    if (hold_precondition(c) || (file_delete_hook && file_delete_hook(c, f))) {
        json_decref(f);
        store_rollback(c->st);
        return -1;
    }
    json_decref(f);
    if (settle(c, store_delete(c->st, C_FILES, id), "file"))
        return -1;
    c->status = 204;
    return 0;
}
