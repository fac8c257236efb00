/* webhook.c — the carrier's webhooks (FLOWS.md 3.2), each checked against the signature
 * of the carrier account that owns the number, each answered with TwiML:
 *   POST /voice            a call to one of our numbers: a session, and its flow's first steps
 *   POST /voice/step       the next step of a running call (a Gather, Dial or Record action,
 *                          a Redirect): ?sessionId=&nodeId=&event=
 *   POST /voice/recording  a recording is ready: a file under the session (?sessionId=&nodeId=)
 *   POST /voice/status     the number's status callback: a final status ends the session
 *   POST /sms              a message: an empty <Response/> until chat exists
 * Each request reads and writes in one write transaction, so two requests of one call
 * (a step and a recording callback, on any two servers) never lose each other's lines.
 * The walk itself is the engine's (engine.c). */
#define _GNU_SOURCE
#include "voice.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../api/api.h"
#include "../provider/provider.h"
#include "../store/store.h"
#include "../util/secret.h"
#include "engine.h"
#include "twiml.h"
#include "../api/sessions.h"
#include "../util/json.h"

/* ---- signatures ---- */

static int by_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

void voice_signature(const char *token, const char *url, json_t *form, char *sig, size_t n)
{
    buf_t b = {0};
    buf_puts(&b, url);
    size_t k = json_object_size(form), i = 0;
    const char **names = calloc(k ? k : 1, sizeof *names);
    const char *name;
    json_t *v;
    json_object_foreach(form, name, v) names[i++] = name;
    qsort(names, k, sizeof *names, by_name);
    for (i = 0; i < k; i++) {
        buf_puts(&b, names[i]);
        buf_puts(&b, json_string_value(json_object_get(form, names[i])) ? json_string_value(json_object_get(form, names[i])) : "");
    }
    free(names);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    HMAC(EVP_sha1(), token, (int)strlen(token), (const unsigned char *)(b.p ? b.p : ""), b.len, mac, &ml);
    buf_free(&b);
    sodium_bin2base64(sig, n, mac, ml, sodium_base64_VARIANT_ORIGINAL);
}

/* The public URL Twilio called: base + route + the query string (rebuilt from its parsed
 * pairs in their order: the webhook URLs we give Twilio carry plain pairs). */
static void public_url(buf_t *b, const char *base, const char *route, json_t *query)
{
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    buf_put(b, base, bl);
    buf_puts(b, route);
    const char *k;
    json_t *v;
    int first = 1;
    json_object_foreach(query, k, v) {
        buf_putc(b, first ? '?' : '&');
        first = 0;
        buf_put_urlenc(b, k);
        buf_putc(b, '=');
        buf_put_urlenc(b, json_string_value(v) ? json_string_value(v) : "");
    }
}

/* The webhook base under which sig is token's signature of the request, or NULL. */
static const char *signed_by(const char *token, const char *sig, const char *route, const http_req_t *r, json_t *form)
{
    const char *bases[] = {provider_config.webhook_url, provider_config.staging_webhook_url};
    const char *good = NULL;
    size_t sl = strlen(sig);
    for (int i = 0; i < 2 && !good; i++) { /* which base it was signed for is no secret */
        if (!bases[i] || !*bases[i])
            continue;
        buf_t u = {0};
        public_url(&u, bases[i], route, r->query);
        char want[64];
        voice_signature(token, u.p, form, want, sizeof want);
        buf_free(&u);
        if (sl == strlen(want) && !sodium_memcmp(want, sig, sl))
            good = bases[i];
    }
    return good;
}

/* The route (/voice, /voice/step, ...) that path names, under a base's path or at the
 * top; NULL when none. */
static const char *route_of(const char *path)
{
    static const char *const routes[] = {"/voice", "/voice/step", "/voice/status", "/voice/recording", "/sms", NULL};
    const char *bases[] = {provider_config.webhook_url, provider_config.staging_webhook_url, ""};
    for (int i = 0; i < 3; i++) {
        const char *b = bases[i];
        if (!b)
            continue;
        const char *host = strstr(b, "://");
        const char *bp = host ? strchr(host + 3, '/') : (*b ? NULL : "");
        if (!bp)
            bp = "";
        size_t bl = strlen(bp);
        while (bl && bp[bl - 1] == '/')
            bl--;
        if (strncmp(path, bp, bl))
            continue;
        for (int k = 0; routes[k]; k++)
            if (!strcmp(path + bl, routes[k]))
                return routes[k];
    }
    return NULL;
}

/* ---- answers ---- */

static void answer(http_resp_t *out, int status, twiml_t *t)
{
    size_t n = 0;
    char *x = twiml_finish(t ? t : twiml_new(), &n);
    out->status = x ? status : 500;
    out->content_type = "text/xml";
    if (x)
        buf_put(&out->body, x, n);
    free(x);
}

static void say_and_hang_up(twiml_t *t, const char *text)
{
    twiml_say(t, text, NULL, NULL, -1);
    twiml_hangup(t);
}

/* ---- what a request is about ---- */

/* The first document of collection c that q finds (limit 1), a new reference, or NULL. */
static json_t *first_of(store_t *st, coll_t c, query_t *q)
{
    json_t *rows = NULL, *doc = NULL;
    q->limit = 1;
    if (!store_list(st, c, q, &rows, NULL))
        doc = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return doc;
}

/* The endpoint of number e164 (PhoneNumber or FaxNumber), a new reference, or NULL. */
static json_t *endpoint_of(store_t *st, const char *e164)
{
    if (!e164 || !*e164)
        return NULL;
    query_t q = {0};
    json_t *v = json_string(e164), *types = json_pack("[ss]", "PhoneNumber", "FaxNumber");
    q.f[q.nf++] = (qfilter_t){"phoneNumber", Q_EQ, v};
    q.f[q.nf++] = (qfilter_t){"type", Q_IN, types};
    json_t *ep = first_of(st, C_ENDPOINTS, &q);
    json_decref(v);
    json_decref(types);
    return ep;
}

/* The session of call sid, a new reference, or NULL. */
static json_t *session_of_call(store_t *st, const char *sid)
{
    if (!sid || !*sid)
        return NULL;
    query_t q = {0};
    json_t *v = json_string(sid);
    q.f[q.nf++] = (qfilter_t){"callSid", Q_EQ, v};
    json_t *s = first_of(st, C_SESSIONS, &q);
    json_decref(v);
    return s;
}

/* The carrier account owning the number (of endpoint ep, else of account account_id) and
 * its auth token (into buf): the sid the number was bought on, else the account's own,
 * else the main one; the token of the main account, or the account's (own or
 * sub-account) token when the sid is the account's.  NULL when no token is known. */
static const char *owner_token(call_t *c, json_t *ep, const char *account_id, const char **sid, char *buf, size_t n)
{
    json_t *a = call_get(c, C_ACCOUNTS, ep ? jstr(ep, "accountId") : account_id);
    const char *s = jstr(ep, "carrierAccountSid");
    if (!s || !*s)
        s = jstr(a, "twilioAccountSid");
    if (!s || !*s)
        s = provider_config.account_sid;
    *sid = s;
    if (s && provider_config.account_sid && !strcmp(s, provider_config.account_sid))
        return provider_config.auth_token && *provider_config.auth_token ? provider_config.auth_token : NULL;
    if (s && a && jstr(a, "twilioAccountSid") && !strcmp(s, jstr(a, "twilioAccountSid"))) {
        const char *own = jstr(a, "twilioAuthToken");
        return secret_open(own && *own ? own : jstr(a, "twilioSubAccountAuthToken"), buf, n);
    }
    return NULL;
}

/* The flow an endpoint runs now (FLOWS.md 1.4) and its flowParams: Scheduled picks the
 * scheduledFlows entry of the applied schedule's state, else flowId. */
static const char *flow_id_now(call_t *c, json_t *ep, json_t **params)
{
    const char *mode = jstr(ep, "flowSchedule");
    *params = json_object_get(ep, "flowParams");
    if (mode && !strcmp(mode, "Scheduled")) {
        const char *state = endpoint_schedule_state(c, ep, time(NULL));
        size_t i;
        json_t *sf;
        json_array_foreach(json_object_get(ep, "scheduledFlows"), i, sf) {
            const char *sn = jstr(sf, "stateName"), *fid = jstr(sf, "flowId");
            if (sn && fid && *fid && *state && !strcasecmp(sn, state)) {
                *params = json_object_get(sf, "flowParams");
                return fid;
            }
        }
    }
    const char *fid = jstr(ep, "flowId");
    return fid && *fid ? fid : NULL;
}

/* ---- the routes: each works inside the request's write transaction ---- */

typedef struct {
    call_t *c;
    json_t *form;
    const char *base; /* the webhook base the request was signed for */
    twiml_t *t;
    int status;       /* of the answer */
} hook_t;

/* A call comes in: its session, and the walk of its flow until it waits or ends. */
static int incoming(hook_t *h, json_t *ep)
{
    store_t *st = h->c->st;
    const char *from = jstr(h->form, "From") ?: "", *to = jstr(h->form, "To") ?: "", *sid = jstr(h->form, "CallSid") ?: "";
    if (!ep) {
        fprintf(stderr, "evovoiced: voice: call %s: to %s: no such number\n", sid, to);
        say_and_hang_up(h->t, "Sorry, the number you have called is not in service. Goodbye.");
        return 0;
    }
    int rc = 0;
    session_new_t n = {.endpoint_id = jstr(ep, "id"), .from = from, .from_name = jstr(h->form, "CallerName"), .to = to,
                       .call_sid = sid};
    json_t *sess = session_create(st, &n, &rc);
    if (!sess)
        return rc;
    engine_t e;
    engine_init(&e, h->c, sess, h->form, h->base, h->t);
    engine_note(&e, "incoming call from %s to %s", from, to);
    json_t *params = NULL;
    const char *fid = flow_id_now(h->c, ep, &params);
    json_t *flow = fid ? call_get(h->c, C_FLOWS, fid) : NULL;
    if (flow && strcmp(jstr(flow, "accountId") ?: "", jstr(ep, "accountId") ?: "-"))
        flow = NULL;
    if (!flow) {
        engine_note(&e, "no flow%s%s%s: the caller is told the number is not configured", fid ? " (missing: " : "",
                    fid ? fid : "", fid ? ")" : "");
        say_and_hang_up(h->t, "Sorry, this number is not configured yet. Goodbye.");
        json_object_set_new(e.state, "done", json_true());
    } else {
        engine_note(&e, "running flow %s (%s)", jstr(flow, "name") ?: "", fid);
        engine_start(&e, flow, params);
    }
    json_object_set_new(e.fields, "callState", json_string("Connected"));
    rc = session_step(st, jstr(sess, "id"), e.lines, e.fields, e.state);
    engine_free(&e);
    json_decref(sess);
    return rc;
}

/* The next step of a running call: the event of the node that waited. */
static int step(hook_t *h, const http_req_t *r, json_t *sess)
{
    const char *node = jstr(r->query, "nodeId"), *event = jstr(r->query, "event");
    if (json_is_true(json_object_get(sess, "ended"))) {
        twiml_hangup(h->t);
        return 0;
    }
    engine_t e;
    engine_init(&e, h->c, sess, h->form, h->base, h->t);
    engine_step(&e, node, event);
    int rc = session_step(h->c->st, jstr(sess, "id"), e.lines, e.fields, e.state);
    engine_free(&e);
    return rc;
}

/* A recording is ready: a VoiceMessage (or CallRecording) file under the session. */
static int recording(hook_t *h, const http_req_t *r, json_t *sess)
{
    store_t *st = h->c->st;
    const char *status = jstr(h->form, "RecordingStatus") ?: "completed", *rsid = jstr(h->form, "RecordingSid") ?: "";
    engine_t e;
    engine_init(&e, h->c, sess, h->form, h->base, h->t);
    int rc = 0;
    if (strcmp(status, "completed")) {
        engine_note(&e, "recording %s: %s", rsid, status);
    } else {
        const char *dur = jstr(h->form, "RecordingDuration");
        twiml_t *none = twiml_new(); /* an async walk speaks to no one */
        e.t = none;
        session_file_t f = {.type = engine_recording(&e, jstr(r->query, "nodeId")), .recording_sid = rsid,
                            .recording_duration = dur ? atoi(dur) : 0, .uri = jstr(h->form, "RecordingUrl")};
        e.t = h->t;
        twiml_free(none);
        json_t *file = session_add_file(st, jstr(sess, "id"), &f, &rc);
        if (file)
            engine_note(&e, "%s %s (%d s) filed as %s", !strcmp(f.type, "CallRecording") ? "call recording" : "voicemail",
                        rsid, f.recording_duration, jstr(file, "id"));
        json_decref(file);
    }
    rc = rc ? rc : session_step(st, jstr(sess, "id"), e.lines, NULL, e.state);
    engine_free(&e);
    return rc;
}

/* A final call status ends the session with what the call came to. */
static int status(hook_t *h, json_t *sess)
{
    static const char *const final[] = {"completed", "busy", "failed", "no-answer", "canceled", NULL};
    const char *st_ = jstr(h->form, "CallStatus") ?: "", *dur = jstr(h->form, "CallDuration");
    int is_final = 0;
    for (int i = 0; final[i]; i++)
        is_final |= !strcmp(st_, final[i]);
    if (!is_final || !sess || json_is_true(json_object_get(sess, "ended")))
        return 0;
    engine_t e;
    engine_init(&e, h->c, sess, h->form, h->base, h->t);
    engine_note(&e, "call ended: %s (%s s)", st_, dur && *dur ? dur : "0");
    const char *outcome = engine_outcome(&e);
    json_object_set_new(e.fields, "wasMissed", json_boolean(strcmp(outcome, "Answered")));
    int rc = session_finish(h->c->st, jstr(sess, "id"), e.lines, e.fields, NULL, outcome);
    engine_free(&e);
    return rc;
}

int voice_webhook(const http_req_t *r, http_resp_t *out)
{
    const char *route = route_of(r->path);
    if (!route)
        return 0;
    if (strcmp(r->method, "POST")) {
        answer(out, 405, NULL);
        return 1;
    }
    store_t *st = thread_store();
    if (!st || store_begin(st, 1)) {
        answer(out, 503, NULL);
        return 1;
    }
    json_t *form = http_parse_form(r->body ? r->body : "", r->body_len);
    call_t c = {.st = st, .status = 200};
    int is_call = !strcmp(route, "/voice");
    /* what the request is about: a call's session (steps, recordings, statuses), else the number called */
    json_t *sess = !strcmp(route, "/voice/status") ? session_of_call(st, jstr(form, "CallSid"))
                 : !is_call && strcmp(route, "/sms")  ? store_get(st, C_SESSIONS, jstr(r->query, "sessionId") ?: "")
                                                     : NULL;
    json_t *ep = sess ? json_incref(call_get(&c, C_ENDPOINTS, jstr(sess, "endpointId"))) : endpoint_of(st, jstr(form, "To"));
    const char *owner = NULL;
    char tokbuf[128];
    const char *token = owner_token(&c, ep, jstr(sess, "accountId"), &owner, tokbuf, sizeof tokbuf);
    const char *sig = r->twilio_signature;
    const char *base = token && sig && *sig ? signed_by(token, sig, route, r, form) : NULL;
    const char *as = jstr(form, "AccountSid");
    hook_t h = {.c = &c, .form = form, .base = base, .t = twiml_new(), .status = 200};
    int rc = 0;
    if (!base) {
        fprintf(stderr, "evovoiced: voice: %s: %s signature (number %s): 403\n", route, sig && *sig ? "bad" : "no",
                jstr(form, "To") ?: "-");
        h.status = 403;
    } else if (is_call) {
        if (ep && as && owner && strcmp(as, owner)) { /* signed, but not by the number's carrier account */
            fprintf(stderr, "evovoiced: voice: call to %s from carrier account %s, not %s\n", jstr(form, "To"), as, owner);
            json_decref(ep);
            ep = NULL;
        }
        rc = incoming(&h, ep);
    } else if (!strcmp(route, "/voice/step") || !strcmp(route, "/voice/recording")) {
        const char *call_sid = jstr(form, "CallSid");
        if (!sess || (call_sid && strcmp(call_sid, jstr(sess, "callSid") ?: ""))) {
            fprintf(stderr, "evovoiced: voice: call %s: %s for no session of this call (%s)\n", call_sid ?: "-", route,
                    jstr(r->query, "sessionId") ?: "-");
            if (!strcmp(route, "/voice/step")) /* a recording callback's answer is not played */
                twiml_hangup(h.t);
        } else {
            rc = !strcmp(route, "/voice/step") ? step(&h, r, sess) : recording(&h, r, sess);
        }
    } else if (!strcmp(route, "/voice/status")) {
        fprintf(stderr, "evovoiced: voice: call %s: status %s\n", jstr(form, "CallSid") ?: "-", jstr(form, "CallStatus") ?: "-");
        rc = status(&h, sess);
    } /* /sms: no chat yet */
    if (h.status == 403)
        store_rollback(st); /* nothing of a forged request is kept */
    else
        rc = rc ? rc : store_commit(st);
    if (rc) {
        store_rollback(st);
        fprintf(stderr, "evovoiced: voice: call %s: %s was not stored (%s)\n", jstr(form, "CallSid") ?: "-", route,
                store_errmsg(st));
        twiml_free(h.t);
        h.t = twiml_new();
        if (is_call || !strcmp(route, "/voice/step"))
            say_and_hang_up(h.t, "Sorry, we cannot take your call right now. Please try again later. Goodbye.");
        else
            h.status = 503;
    }
    if (h.status == 403) {
        twiml_free(h.t);
        h.t = NULL;
    }
    answer(out, h.status, h.t);
    sodium_memzero(tokbuf, sizeof tokbuf);
    json_decref(ep);
    json_decref(sess);
    json_decref(c.memo);
    json_decref(form);
    return 1;
}
