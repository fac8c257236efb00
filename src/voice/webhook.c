/* webhook.c — the carrier's webhooks (FLOWS.md 3.2): signature check, then
 *   POST /voice         a call to one of our numbers: its flow, walked from the start node,
 *                       and the call's session with a log line per step
 *   POST /voice/status  the number's status callback: a final status ends the session
 *   POST /sms           a message: an empty <Response/> until chat exists
 * Each answers text/xml.  The walk here is the first slice of the engine: Say, Play and
 * Hangup run inline; any other node ends the call with a spoken notice (the next step,
 * /voice/step, brings the blocking and logic nodes). */
#define _GNU_SOURCE
#include "voice.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include "../api/api.h"
#include "../api/nodes.h"
#include "../provider/provider.h"
#include "../store/store.h"
#include "../util/secret.h"
#include "twiml.h"
#include "../api/sessions.h"
#include "../util/json.h"

enum { MAX_WALK = 100 }; /* nodes one request may walk: past it the call ends (a loop) */


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

static void url_escape(buf_t *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            buf_putc(b, (char)*p);
        else
            buf_printf(b, "%%%02X", *p);
    }
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
        url_escape(b, k);
        buf_putc(b, '=');
        url_escape(b, json_string_value(v) ? json_string_value(v) : "");
    }
}

/* Whether sig is token's signature of the request under either webhook base. */
static int signed_by(const char *token, const char *sig, const char *route, const http_req_t *r, json_t *form)
{
    const char *bases[] = {provider_config.webhook_url, provider_config.staging_webhook_url};
    int good = 0;
    size_t sl = strlen(sig);
    for (int i = 0; i < 2; i++) {
        if (!bases[i] || !*bases[i])
            continue;
        buf_t u = {0};
        public_url(&u, bases[i], route, r->query);
        char want[64];
        voice_signature(token, u.p, form, want, sizeof want);
        buf_free(&u);
        if (sl == strlen(want) && !sodium_memcmp(want, sig, sl))
            good = 1;
    }
    return good;
}

/* The route (/voice, /voice/status, /sms) that path names, under a base's path or at the
 * top; NULL when none. */
static const char *route_of(const char *path)
{
    static const char *const routes[] = {"/voice", "/voice/status", "/sms", NULL};
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

/* ---- the engine's first slice ---- */

/* A node's parameter name as a literal: its Value (or the node type's default); other
 * sources are not resolved yet (logged, empty). */
static json_t *param_value(json_t *node, const char *name, const node_type_t *nt, json_t **dflt)
{
    json_t *p = json_object_get(json_object_get(node, "parameters"), name);
    const char *src = jstr(p, "source");
    if (p && src && strcmp(src, "Value") && strcmp(src, "Flow"))
        fprintf(stderr, "evovoiced: voice: node %s: parameter %s from %s is not resolved yet (empty)\n", jstr(node, "id"),
                name, src);
    json_t *v = p && (!src || !strcmp(src, "Value")) ? json_object_get(p, "value") : NULL;
    if (v && (json_object_get(v, "stringValue") || json_object_get(v, "numberValue") || json_object_get(v, "boolValue")))
        return v;
    for (const node_param_t *d = nt ? nt->params : NULL; d && d->name; d++)
        if (!strcmp(d->name, name) && d->dflt) {
            *dflt = !strcmp(d->type, "Number") ? json_pack("{s:f}", "numberValue", strtod(d->dflt, NULL))
                                               : json_pack("{s:s}", "stringValue", d->dflt);
            return *dflt;
        }
    return NULL;
}

static const char *param_str(json_t *node, const char *name, const node_type_t *nt, json_t **tmp)
{
    const char *s = jstr(param_value(node, name, nt, tmp), "stringValue");
    return s && *s ? s : NULL;
}

static int param_int(json_t *node, const char *name, const node_type_t *nt, json_t **tmp)
{
    json_t *v = json_object_get(param_value(node, name, nt, tmp), "numberValue");
    return json_is_number(v) ? (int)json_number_value(v) : -1;
}

static json_t *node_by_id(json_t *flow, const char *id)
{
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(flow, "nodes"), i, n) if (id && *id && !strcmp(jstr(n, "id") ? jstr(n, "id") : "", id))
        return n;
    return NULL;
}

/* A line of the call's log: into the session's log (log), and to stderr. */
static void note(json_t *log, const char *call_sid, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(json_t *log, const char *call_sid, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (log)
        json_array_append_new(log, json_string(line));
    fprintf(stderr, "evovoiced: voice: call %s: %s\n", call_sid, line);
}

/* Walk flow from its start node, appending verbs to t and lines to log; ends every path
 * with a hang-up. */
static void walk(json_t *flow, twiml_t *t, const char *call_sid, json_t *log)
{
    json_t *node = NULL;
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(flow, "nodes"), i, n) if (json_is_true(json_object_get(n, "isStartNode"))) node = n;
    for (int steps = 0; node; steps++) {
        if (steps >= MAX_WALK) {
            note(log, call_sid, "more than %d nodes in one step (a loop?): call ended", MAX_WALK);
            twiml_hangup(t);
            return;
        }
        const char *url = jstr(json_object_get(node, "spec"), "url");
        const node_type_t *nt = node_type_by_url(url);
        const char *type = nt ? nt->type_name : "unknown";
        json_t *tmp[4] = {0};
        const char *next = NULL;
        note(log, call_sid, "node %s (%s)", jstr(node, "id") ? jstr(node, "id") : "", type);
        if (nt && !strcmp(nt->type_name, "SayNode")) {
            twiml_say(t, param_str(node, "Text", nt, &tmp[0]), param_str(node, "Voice", nt, &tmp[1]),
                      param_str(node, "Language", nt, &tmp[2]), param_int(node, "Loop", nt, &tmp[3]));
            next = jstr(json_object_get(json_object_get(json_object_get(node, "parameters"), "Done"), "value"), "stringValue");
        } else if (nt && !strcmp(nt->type_name, "PlayNode")) {
            const char *u = param_str(node, "Url", nt, &tmp[0]);
            if (!u) { /* an AudioFile naming a URL plays it; a stored file needs the files API */
                const char *f = param_str(node, "AudioFile", nt, &tmp[1]);
                u = f && (!strncmp(f, "https://", 8) || !strncmp(f, "http://", 7)) ? f : NULL;
            }
            if (u)
                twiml_play(t, u, param_int(node, "Loop", nt, &tmp[2]));
            else
                note(log, call_sid, "node %s has nothing to play", jstr(node, "id") ? jstr(node, "id") : "");
            next = jstr(json_object_get(json_object_get(json_object_get(node, "parameters"), "Done"), "value"), "stringValue");
        } else if (nt && !strcmp(nt->type_name, "HangupNode")) {
            twiml_hangup(t);
            return;
        } else {
            note(log, call_sid, "node %s: %s is not available yet: call ended", jstr(node, "id") ? jstr(node, "id") : "",
                 type);
            say_and_hang_up(t, "Sorry, this step of the call is not available yet. Goodbye.");
            for (int k = 0; k < 4; k++)
                json_decref(tmp[k]);
            return;
        }
        for (int k = 0; k < 4; k++)
            json_decref(tmp[k]);
        json_t *to = node_by_id(flow, next);
        if (!to) /* not connected, or one of the flow's exits: the top-level flow ends */
            note(log, call_sid, "flow ends after node %s%s%s", jstr(node, "id") ? jstr(node, "id") : "",
                 next && *next ? " at exit " : "", next && *next ? next : "");
        node = to;
    }
    twiml_hangup(t);
}

/* ---- the routes ---- */

/* The endpoint of number e164 (PhoneNumber or FaxNumber), a new reference, or NULL. */
static json_t *endpoint_of(store_t *st, const char *e164)
{
    if (!e164 || !*e164)
        return NULL;
    query_t q = {0};
    json_t *v = json_string(e164), *types = json_pack("[ss]", "PhoneNumber", "FaxNumber");
    q.f[q.nf++] = (qfilter_t){"phoneNumber", Q_EQ, v};
    q.f[q.nf++] = (qfilter_t){"type", Q_IN, types};
    q.limit = 1;
    json_t *items = NULL, *ep = NULL;
    if (!store_list(st, C_ENDPOINTS, &q, &items, NULL))
        ep = json_incref(json_array_get(items, 0));
    json_decref(items);
    json_decref(v);
    json_decref(types);
    return ep;
}

/* The carrier account owning ep's number and its auth token (into buf): the sid the
 * number was bought on, else the account's own, else the main one; the token of the main
 * account, or the account's (own or sub-account) token when the sid is the account's.
 * NULL when no token is known. */
static const char *owner_token(call_t *c, json_t *ep, const char **sid, char *buf, size_t n)
{
    json_t *a = ep ? call_get(c, C_ACCOUNTS, jstr(ep, "accountId")) : NULL;
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

/* The flow an endpoint runs now (FLOWS.md 1.4): Scheduled picks the scheduledFlows entry
 * of the applied schedule's state, else flowId. */
static const char *flow_id_now(call_t *c, json_t *ep)
{
    const char *mode = jstr(ep, "flowSchedule");
    if (mode && !strcmp(mode, "Scheduled")) {
        const char *state = endpoint_schedule_state(c, ep, time(NULL));
        size_t i;
        json_t *sf;
        json_array_foreach(json_object_get(ep, "scheduledFlows"), i, sf) {
            const char *sn = jstr(sf, "stateName"), *fid = jstr(sf, "flowId");
            if (sn && fid && *fid && *state && !strcasecmp(sn, state))
                return fid;
        }
    }
    const char *fid = jstr(ep, "flowId");
    return fid && *fid ? fid : NULL;
}

/* The answer to an incoming call, with the lines of its log; 1 when a flow ran. */
static int incoming_call(call_t *c, json_t *ep, json_t *form, twiml_t *t, json_t *log)
{
    const char *from = jstr(form, "From"), *to = jstr(form, "To"), *sid = jstr(form, "CallSid");
    from = from ? from : "", to = to ? to : "", sid = sid ? sid : "";
    if (!ep) {
        note(NULL, sid, "to %s: no such number", to);
        say_and_hang_up(t, "Sorry, the number you have called is not in service. Goodbye.");
        return 0;
    }
    note(log, sid, "incoming call from %s to %s", from, to);
    const char *fid = flow_id_now(c, ep);
    json_t *flow = fid ? call_get(c, C_FLOWS, fid) : NULL;
    if (!flow) {
        note(log, sid, "no flow%s%s%s: the caller is told the number is not configured", fid ? " (missing: " : "",
             fid ? fid : "", fid ? ")" : "");
        say_and_hang_up(t, "Sorry, this number is not configured yet. Goodbye.");
        return 0;
    }
    note(log, sid, "running flow %s (%s)", jstr(flow, "name") ? jstr(flow, "name") : "", fid);
    walk(flow, t, sid, log);
    return 1;
}

/* The call's session (FLOWS.md 4.3), made once the answer is known, with its log, in a
 * write transaction of its own: a failure is logged and never changes the answer. */
static void record_call(store_t *st, json_t *ep, json_t *form, json_t *log, int ran)
{
    int rc = store_begin(st, 1);
    json_t *sess = NULL;
    if (!rc) {
        session_new_t n = {.endpoint_id = jstr(ep, "id"), .from = jstr(form, "From"), .from_name = jstr(form, "CallerName"),
                           .to = jstr(form, "To"), .call_sid = jstr(form, "CallSid")};
        sess = session_create(st, &n, &rc);
        size_t i;
        json_t *line;
        json_array_foreach(log, i, line) if (!rc) rc = session_log(st, jstr(sess, "id"), json_string_value(line));
        if (!rc && ran) {
            json_t *f = json_pack("{s:s}", "callState", "Connected");
            rc = session_update(st, jstr(sess, "id"), f);
            json_decref(f);
        }
        rc = rc ? rc : store_commit(st);
    }
    if (rc) {
        store_rollback(st);
        fprintf(stderr, "evovoiced: voice: call %s: its session was not recorded (%s)\n",
                jstr(form, "CallSid") ? jstr(form, "CallSid") : "-", store_errmsg(st));
    }
    json_decref(sess);
}

/* Twilio's final call statuses end the session: the outcome is the status, the log says
 * how long the call lasted. */
static void end_call(store_t *st, json_t *form)
{
    static const char *const final[] = {"completed", "busy", "failed", "no-answer", "canceled", NULL};
    const char *status = jstr(form, "CallStatus"), *sid = jstr(form, "CallSid");
    int is_final = 0;
    for (int i = 0; status && final[i]; i++)
        is_final |= !strcmp(status, final[i]);
    note(NULL, sid ? sid : "-", "status %s", status ? status : "-");
    if (!is_final || !sid || !*sid)
        return;
    int rc = store_begin(st, 1);
    if (rc) {
        fprintf(stderr, "evovoiced: voice: call %s: its session was not ended (%s)\n", sid, store_errmsg(st));
        return;
    }
    query_t q = {0};
    json_t *v = json_string(sid), *rows = NULL;
    q.f[q.nf++] = (qfilter_t){"callSid", Q_EQ, v};
    q.limit = 1;
    rc = store_list(st, C_SESSIONS, &q, &rows, NULL);
    json_t *sess = json_array_get(rows, 0);
    if (!rc && sess && !json_is_true(json_object_get(sess, "ended"))) {
        const char *id = jstr(sess, "id"), *dur = jstr(form, "CallDuration");
        char line[128];
        snprintf(line, sizeof line, "call ended: %s (%s s)", status, dur && *dur ? dur : "0");
        char outcome[32];
        snprintf(outcome, sizeof outcome, "%s", !strcmp(status, "completed") ? "Completed" : status);
        json_t *f = json_pack("{s:b}", "wasMissed", 1); /* no call is bridged yet (Dial comes with /voice/step) */
        rc = session_log(st, id, line);
        rc = rc ? rc : session_update(st, id, f);
        rc = rc ? rc : session_end(st, id, NULL, outcome);
        json_decref(f);
    }
    rc = rc ? rc : store_commit(st);
    if (rc) {
        store_rollback(st);
        fprintf(stderr, "evovoiced: voice: call %s: its session was not ended (%s)\n", sid, store_errmsg(st));
    }
    json_decref(rows);
    json_decref(v);
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
    json_t *form = http_parse_form(r->body ? r->body : "", r->body_len);
    store_t *st = thread_store();
    call_t c = {.st = st, .status = 200};
    if (!st || store_begin(st, 0)) {
        json_decref(form);
        answer(out, 503, NULL);
        return 1;
    }
    json_t *ep = endpoint_of(st, jstr(form, "To"));
    const char *owner = NULL;
    char tokbuf[128];
    const char *token = owner_token(&c, ep, &owner, tokbuf, sizeof tokbuf);
    const char *sig = r->twilio_signature;
    int is_signed = token && sig && *sig && signed_by(token, sig, route, r, form);
    int is_call = is_signed && !strcmp(route, "/voice");
    twiml_t *t = NULL;
    json_t *log = json_array();
    int ran = 0;
    if (is_call) {
        const char *as = jstr(form, "AccountSid");
        if (ep && as && owner && strcmp(as, owner)) { /* signed, but not by the number's carrier account */
            fprintf(stderr, "evovoiced: voice: call to %s from carrier account %s, not %s\n", jstr(form, "To"), as, owner);
            json_decref(ep);
            ep = NULL;
        }
        t = twiml_new();
        ran = incoming_call(&c, ep, form, t, log);
    }
    store_rollback(st); /* the reads are done; what a call leaves is written in transactions of its own */
    if (!is_signed) {
        fprintf(stderr, "evovoiced: voice: %s: %s signature (number %s): 403\n", route, sig && *sig ? "bad" : "no",
                jstr(form, "To") ? jstr(form, "To") : "-");
        answer(out, 403, NULL);
    } else if (is_call) {
        answer(out, 200, t);
        if (ep)
            record_call(st, ep, form, log, ran);
    } else { /* /voice/status ends the session; /sms: no chat yet */
        if (!strcmp(route, "/voice/status"))
            end_call(st, form);
        answer(out, 200, NULL);
    }
    json_decref(log);
    sodium_memzero(tokbuf, sizeof tokbuf);
    json_decref(ep);
    json_decref(c.memo);
    json_decref(form);
    return 1;
}
