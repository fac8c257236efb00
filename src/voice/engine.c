/* engine.c — the call runtime: see engine.h.
 *
 * The state kept between requests (the session's "runtime"):
 *   stack       the flows being run, innermost last: {flowId, nodeId, params}; nodeId is
 *               the node being walked (in a frame below the top: the Sub-flow node that
 *               called the frame above)
 *   tries       prompts given by the Menu that waits
 *   dial        the destination being dialled (of dialTargets: [{kind, to, name}])
 *   recordings  node id -> {flowId, params} of each node that asked for a recording
 *   bridged, recorded, done: what the call came to (engine_outcome) */
#define _GNU_SOURCE
#include "engine.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "voice.h"
#include "../api/api.h"
#include "../api/nodes.h"
#include "../api/validate.h"
#include "../util/buf.h"
#include "../util/json.h"

enum {
    MAX_WALK = 100, /* nodes one request may walk without waiting: past it the call ends (a loop) */
    MAX_STACK = 16, /* sub-flows within sub-flows */
    MAX_DIAL = 10,  /* destinations of one Dial (a team's members) */
};

static const char SORRY[] = "Sorry, something went wrong with this call. Goodbye.";

/* ------------------------------------------------------------------ log and state */

void engine_note(engine_t *e, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    json_array_append_new(e->lines, json_string(line));
    const char *sid = jstr(e->form, "CallSid");
    fprintf(stderr, "evovoiced: voice: call %s: %s\n", sid ? sid : "-", line);
}

void engine_init(engine_t *e, call_t *c, json_t *session, json_t *form, const char *base, twiml_t *t)
{
    *e = (engine_t){.c = c, .session = session, .form = form, .base = base, .t = t};
    e->lines = json_array();
    e->fields = json_object();
    json_t *rt = json_object_get(session, "runtime");
    e->state = json_is_object(rt) ? json_deep_copy(rt) : json_object();
    if (!json_is_array(json_object_get(e->state, "stack")))
        json_object_set_new(e->state, "stack", json_array());
}

void engine_free(engine_t *e)
{
    json_decref(e->lines);
    json_decref(e->fields);
    json_decref(e->state);
    *e = (engine_t){0};
}

static json_t *stack(engine_t *e) { return json_object_get(e->state, "stack"); }
static json_t *top(engine_t *e)
{
    size_t n = json_array_size(stack(e));
    return n ? json_array_get(stack(e), n - 1) : NULL;
}
static int state_int(engine_t *e, const char *k) { return (int)json_integer_value(json_object_get(e->state, k)); }
static void set_int(engine_t *e, const char *k, int v) { json_object_set_new(e->state, k, json_integer(v)); }
static void set_flag(engine_t *e, const char *k) { json_object_set_new(e->state, k, json_true()); }

const char *engine_outcome(const engine_t *e)
{
    if (json_is_true(json_object_get(e->state, "bridged")))
        return "Answered";
    if (json_is_true(json_object_get(e->state, "recorded")))
        return "Voicemail";
    return json_is_true(json_object_get(e->state, "done")) ? "Completed" : "Abandoned";
}

/* The call ends here: <Hangup/> (a walk after the call only stops). */
static void hang_up(engine_t *e)
{
    if (e->async)
        return;
    twiml_hangup(e->t);
    set_flag(e, "done");
}

static void sorry(engine_t *e)
{
    if (!e->async)
        twiml_say(e->t, SORRY, NULL, NULL, -1);
    hang_up(e);
}

/* ------------------------------------------------------------------ flows and nodes */

/* doc (a flow, an endpoint, a file, a customer) when it is of the call's account, else
 * NULL: another tenant's resource is treated as missing. */
static json_t *ours(engine_t *e, json_t *doc)
{
    return doc && !strcmp(jstr(doc, "accountId") ?: "", jstr(e->session, "accountId") ?: "-") ? doc : NULL;
}

/* A flow of the session's account (a flow of another account is treated as missing). */
static json_t *flow_of(engine_t *e, const char *id)
{
    return ours(e, id && *id ? call_get(e->c, C_FLOWS, id) : NULL);
}

static json_t *node_by_id(json_t *flow, const char *id)
{
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(flow, "nodes"), i, n) if (id && *id && !strcmp(jstr(n, "id") ?: "", id)) return n;
    return NULL;
}

static json_t *start_node(json_t *flow)
{
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(flow, "nodes"), i, n) if (json_is_true(json_object_get(n, "isStartNode"))) return n;
    return NULL;
}

static int is_exit(json_t *flow, const char *name)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(flow, "exits"), i, x) if (name && !strcmp(jstr(x, "name") ?: "", name)) return 1;
    return 0;
}

static const char *node_id(json_t *node) { return jstr(node, "id") ?: ""; }
static json_t *param_of(json_t *node, const char *name) { return json_object_get(json_object_get(node, "parameters"), name); }

/* The target of node's transition name: "" when not connected, NULL when the node has none. */
static const char *transition(json_t *node, const char *name)
{
    json_t *p = param_of(node, name);
    if (!p || strcmp(jstr(p, "type") ?: "Transition", "Transition"))
        return NULL;
    return jstr(json_object_get(p, "value"), "stringValue") ?: "";
}

/* ------------------------------------------------------------------ parameter values */

/* A Value ({stringValue | numberValue | boolValue}) for a plain JSON value (a new
 * reference), or v itself when it is one. */
static json_t *as_value(json_t *v)
{
    if (json_is_string(v))
        return json_pack("{s:O}", "stringValue", v);
    if (json_is_number(v))
        return json_pack("{s:O}", "numberValue", v);
    if (json_is_boolean(v))
        return json_pack("{s:O}", "boolValue", v);
    return json_is_object(v) ? json_incref(v) : NULL;
}

static int has_value(json_t *v)
{
    json_t *s = json_object_get(v, "stringValue");
    return (s && json_string_length(s)) || json_object_get(v, "numberValue") || json_object_get(v, "boolValue") ||
           json_array_size(json_object_get(v, "listValue")) || json_object_size(json_object_get(v, "structValue"));
}

/* obj's member whose name equals name ignoring case (data keys and wire names vary). */
static json_t *member_ci(json_t *obj, const char *name)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) if (name && !strcasecmp(k, name)) return v;
    return NULL;
}

/* A field of a document by name: its data value first, then a plain field. */
static json_t *field_of(json_t *doc, const char *name)
{
    json_t *v = member_ci(json_object_get(doc, "data"), name);
    return v ? json_incref(v) : as_value(member_ci(doc, name));
}

/* What the call itself knows, by the names the flow designer offers (FLOWS.md 3.2). */
static json_t *session_field(engine_t *e, const char *name)
{
    static const struct { const char *name, *field; int form; } map[] = {
        {"From", "fromAddress", 0}, {"To", "toAddress", 0}, {"CallerName", "fromName", 0},
        {"CallSid", "callSid", 0}, {"Channel", "channel", 0}, {"Direction", "direction", 0},
        {"Digits", "Digits", 1}, {"SpeechResult", "SpeechResult", 1},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcasecmp(name, map[i].name))
            return as_value(json_object_get(map[i].form ? e->form : e->session, map[i].field));
    return as_value(member_ci(e->session, name));
}

/* The value parameter name of node has in frame (a new reference), or the node type's
 * default, or NULL. */
static json_t *resolve(engine_t *e, json_t *frame, json_t *node, const char *name, const node_type_t *nt)
{
    json_t *p = param_of(node, name), *v = NULL;
    const char *src = jstr(p, "source"), *ref = jstr(p, "referenceId");
    if (!ref || !*ref)
        ref = jstr(json_object_get(p, "value"), "stringValue");
    if (p && (!src || !*src || !strcmp(src, "Value"))) {
        v = json_incref(json_object_get(p, "value"));
    } else if (p && ref && *ref) {
        if (!strcmp(src, "Flow"))
            v = json_incref(member_ci(json_object_get(frame, "params"), ref));
        else if (!strcmp(src, "Customer"))
            v = field_of(call_get(e->c, C_CUSTOMERS, jstr(e->session, "customerId")), ref);
        else if (!strcmp(src, "Endpoint"))
            v = field_of(call_get(e->c, C_ENDPOINTS, jstr(e->session, "endpointId")), ref);
        else if (!strcmp(src, "System"))
            v = field_of(account_settings(e->c, jstr(e->session, "accountId")), ref);
        else if (!strcmp(src, "Session"))
            v = session_field(e, ref);
        else
            engine_note(e, "node %s: %s from %s is not evaluated here (empty)", node_id(node), name, src);
    }
    if (has_value(v))
        return v;
    json_decref(v);
    for (const node_param_t *d = nt ? nt->params : NULL; d && d->name; d++)
        if (!strcmp(d->name, name) && d->dflt)
            return !strcmp(d->type, "Number")    ? json_pack("{s:f}", "numberValue", strtod(d->dflt, NULL))
                   : !strcmp(d->type, "Boolean") ? json_pack("{s:b}", "boolValue", !strcmp(d->dflt, "true"))
                                                 : json_pack("{s:s}", "stringValue", d->dflt);
    return NULL;
}

/* Text of a value into out ("" when none). */
static const char *text_of(json_t *v, char *out, size_t n)
{
    json_t *s = json_object_get(v, "stringValue"), *num = json_object_get(v, "numberValue"), *b = json_object_get(v, "boolValue");
    if (json_is_string(s))
        snprintf(out, n, "%s", json_string_value(s));
    else if (json_is_number(num))
        snprintf(out, n, "%g", json_number_value(num));
    else if (json_is_boolean(b))
        snprintf(out, n, "%s", json_is_true(b) ? "true" : "false");
    else
        *out = 0;
    return out;
}

/* The resolved text of a parameter (a new string, "" when none). */
static char *param_text(engine_t *e, json_t *frame, json_t *node, const char *name, const node_type_t *nt)
{
    json_t *v = resolve(e, frame, node, name, nt);
    char buf[2048];
    text_of(v, buf, sizeof buf);
    json_decref(v);
    return strdup(buf);
}

static int param_int(engine_t *e, json_t *frame, json_t *node, const char *name, const node_type_t *nt, int dflt)
{
    char *s = param_text(e, frame, node, name, nt), *end;
    long v = strtol(s, &end, 10);
    int ok = *s && (*end == 0 || *end == '.');
    free(s);
    return ok ? (int)v : dflt;
}

static int param_bool(engine_t *e, json_t *frame, json_t *node, const char *name, const node_type_t *nt)
{
    char *s = param_text(e, frame, node, name, nt);
    int on = !strcasecmp(s, "true") || !strcmp(s, "1");
    free(s);
    return on;
}

/* An audio reference as a URL to play: a URL as it is, else a file of the account by id
 * (its uri); NULL when neither. */
static const char *audio_url(engine_t *e, const char *ref)
{
    if (!ref || !*ref)
        return NULL;
    if (!strncmp(ref, "https://", 8) || !strncmp(ref, "http://", 7))
        return ref;
    json_t *f = ours(e, call_get(e->c, C_FILES, ref));
    if (!f)
        return NULL;
    const char *u = jstr(f, "uri");
    return u && *u ? u : NULL;
}

/* Say the text or play the file of a prompt: 1 when something was added. */
static int prompt(engine_t *e, json_t *frame, json_t *node, const node_type_t *nt, const char *text_name, const char *file_name)
{
    char *text = param_text(e, frame, node, text_name, nt), *file = param_text(e, frame, node, file_name, nt);
    const char *url = audio_url(e, file);
    int said = 1;
    if (url)
        twiml_play(e->t, url, -1);
    else if (*text)
        twiml_say(e->t, text, NULL, NULL, -1);
    else
        said = 0;
    if (*file && !url)
        engine_note(e, "node %s: audio file %s not found", node_id(node), file);
    free(text);
    free(file);
    return said;
}

/* ------------------------------------------------------------------ URLs */

/* {base}/voice/{route}?sessionId=..&nodeId=..[&event=..] (a new string). */
static char *hook_url(engine_t *e, const char *route, const char *node, const char *event)
{
    buf_t b = {0};
    size_t bl = strlen(e->base);
    while (bl && e->base[bl - 1] == '/')
        bl--;
    buf_put(&b, e->base, bl);
    buf_printf(&b, "/voice/%s?sessionId=", route);
    buf_put_urlenc(&b, jstr(e->session, "id"));
    buf_puts(&b, "&nodeId=");
    buf_put_urlenc(&b, node);
    if (event)
        buf_printf(&b, "&event=%s", event);
    return buf_take(&b);
}

/* Remember that node (of the top frame) asked for a recording, for the callback. */
static char *recording_url(engine_t *e, json_t *frame, json_t *node)
{
    json_t *recs = json_object_get(e->state, "recordings");
    if (!json_is_object(recs))
        json_object_set_new(e->state, "recordings", recs = json_object());
    json_object_set_new(recs, node_id(node),
                        json_pack("{s:O?,s:O?}", "flowId", json_object_get(frame, "flowId"), "params",
                                  json_object_get(frame, "params")));
    return hook_url(e, "recording", node_id(node), NULL);
}

/* ------------------------------------------------------------------ the waiting nodes */

static void menu_prompt(engine_t *e, json_t *frame, json_t *node, const node_type_t *nt)
{
    char *action = hook_url(e, "step", node_id(node), "gather"), *again = hook_url(e, "step", node_id(node), "timeout");
    int digits = param_int(e, frame, node, "NumDigits", nt, 1), timeout = param_int(e, frame, node, "Timeout", nt, 5);
    twiml_gather_begin(e->t, "dtmf", digits > 0 ? digits : 1, timeout > 0 ? timeout : 5, action, "POST");
    if (!prompt(e, frame, node, nt, "Prompt", "PromptFile"))
        engine_note(e, "node %s: a menu without a prompt", node_id(node));
    twiml_end(e->t);
    twiml_redirect(e->t, again, "POST");
    free(action);
    free(again);
}

/* The E.164 form of s (digits after a '+'), or 0. */
static int is_e164(const char *s)
{
    if (!s || *s != '+' || !s[1])
        return 0;
    size_t n = 0;
    for (s++; *s; s++, n++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return n >= 8 && n <= 15;
}

/* One destination of ep: {kind, to, name} into out; 0 when it cannot be dialled. */
static int endpoint_target(json_t *ep, json_t *out)
{
    const char *type = jstr(ep, "type") ?: "", *name = jstr(ep, "displayName");
    name = name && *name ? name : jstr(ep, "name");
    json_t *t = NULL;
    if (!strcmp(type, "PhoneNumber") || !strcmp(type, "FaxNumber")) {
        t = json_pack("{s:s,s:s?}", "kind", "Number", "to", jstr(ep, "phoneNumber"));
    } else if (!strcmp(type, "User")) {
        const char *mode = jstr(ep, "userMode") ?: "", *user = jstr(ep, "sipUserName"), *dom = jstr(ep, "sipDomain");
        if (!strcmp(mode, "Sip") && user && *user && dom && *dom) {
            char uri[512];
            snprintf(uri, sizeof uri, "sip:%s@%s", user, dom);
            t = json_pack("{s:s,s:s}", "kind", "Sip", "to", uri);
        } else {
            t = json_pack("{s:s,s:s?}", "kind", "Client", "to", jstr(ep, "id"));
        }
    }
    if (!t || !jstr(t, "to") || !*jstr(t, "to")) {
        json_decref(t);
        return 0;
    }
    json_object_set_new(t, "name", json_string(name && *name ? name : jstr(t, "to")));
    json_array_append_new(out, t);
    return 1;
}

/* What a Dial node dials, in turn: a number, an endpoint, or a team's members. */
static json_t *dial_targets(engine_t *e, json_t *frame, json_t *node, const node_type_t *nt)
{
    json_t *out = json_array();
    char *dest = param_text(e, frame, node, "Destination", nt);
    json_t *ep = *dest && !is_e164(dest) ? ours(e, call_get(e->c, C_ENDPOINTS, dest)) : NULL;
    if (is_e164(dest)) {
        json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "kind", "Number", "to", dest, "name", dest));
    } else if (ep && !strcmp(jstr(ep, "type") ?: "", "Team")) {
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(ep, "teamMemberIds"), i, m) {
            json_t *member = json_array_size(out) < MAX_DIAL ? ours(e, call_get(e->c, C_ENDPOINTS, json_string_value(m))) : NULL;
            if (member)
                endpoint_target(member, out);
        }
    } else if (ep) {
        endpoint_target(ep, out);
    }
    if (!json_array_size(out))
        engine_note(e, "node %s: nothing to dial in \"%s\"", node_id(node), dest);
    free(dest);
    return out;
}

static void dial(engine_t *e, json_t *frame, json_t *node, const node_type_t *nt, json_t *target)
{
    char *action = hook_url(e, "step", node_id(node), "dial");
    char *rec = param_bool(e, frame, node, "Record", nt) ? recording_url(e, frame, node) : NULL;
    char *caller = param_text(e, frame, node, "CallerId", nt);
    json_t *cid_ep = *caller && !is_e164(caller) ? ours(e, call_get(e->c, C_ENDPOINTS, caller)) : NULL;
    const char *cid = is_e164(caller) ? caller : jstr(cid_ep, "phoneNumber");
    int timeout = param_int(e, frame, node, "TimeoutInSeconds", nt, 30);
    const char *kind = jstr(target, "kind"), *to = jstr(target, "to");
    engine_note(e, "dialling %s", jstr(target, "name") ?: to);
    twiml_dial_begin(e->t, timeout > 0 ? timeout : 30, cid, action, rec);
    if (!strcmp(kind, "Sip"))
        twiml_sip(e->t, to);
    else if (!strcmp(kind, "Client"))
        twiml_client(e->t, to);
    else
        twiml_number(e->t, to);
    twiml_end(e->t);
    free(action);
    free(rec);
    free(caller);
}

static void voicemail(engine_t *e, json_t *frame, json_t *node, const node_type_t *nt)
{
    if (!prompt(e, frame, node, nt, "GreetingText", "Greeting"))
        twiml_say(e->t, "Please leave a message after the tone.", NULL, NULL, -1);
    char *action = hook_url(e, "step", node_id(node), "record"), *rec = recording_url(e, frame, node);
    int max = param_int(e, frame, node, "MaxLength", nt, 120);
    twiml_record(e->t, max > 0 ? max : 120, param_bool(e, frame, node, "PlayBeep", nt), action, rec);
    engine_note(e, "recording a message");
    free(action);
    free(rec);
}

/* ------------------------------------------------------------------ the walk */

/* Leave the node the top frame is at by its transition name: the top frame moves to the
 * target; an exit of a sub-flow returns to its caller, which leaves by the transition of
 * the exit's name.  1 when there is a node to walk to, 0 when the call ends here. */
static int follow(engine_t *e, const char *name)
{
    char way[256];
    snprintf(way, sizeof way, "%s", name);
    for (int depth = 0; depth <= MAX_STACK; depth++) {
        json_t *fr = top(e), *flow = fr ? flow_of(e, jstr(fr, "flowId")) : NULL;
        json_t *node = node_by_id(flow, jstr(fr, "nodeId"));
        const char *to = node ? transition(node, way) : NULL;
        if (!to || !*to) {
            engine_note(e, "transition %s is not connected: the flow ends", way);
            return 0;
        }
        engine_note(e, "transition %s to %s", way, to);
        if (node_by_id(flow, to)) {
            json_object_set_new(fr, "nodeId", json_string(to));
            return 1;
        }
        if (!is_exit(flow, to)) {
            engine_note(e, "%s is neither a node nor an exit of flow %s: the flow ends", to, jstr(fr, "flowId"));
            return 0;
        }
        if (json_array_size(stack(e)) < 2) {
            engine_note(e, "the flow ends at exit %s", to);
            return 0;
        }
        snprintf(way, sizeof way, "%s", to);
        json_array_remove(stack(e), json_array_size(stack(e)) - 1);
        engine_note(e, "back from the sub-flow at exit %s", way);
    }
    return 0;
}

/* Run a Sub-flow node: push a frame for the flow it names, with its public parameters
 * from the node's values over the flow's defaults.  1 when the walk goes on. */
static int enter_subflow(engine_t *e, json_t *frame, json_t *node)
{
    char fid[64] = "";
    node_subflow_id(jstr(json_object_get(node, "spec"), "url"), fid, sizeof fid);
    json_t *sub = flow_of(e, fid), *start = start_node(sub);
    if (!sub || !start) {
        engine_note(e, "sub-flow %s is %s: call ended", fid, sub ? "empty" : "gone");
        sorry(e);
        return 0;
    }
    if (json_array_size(stack(e)) >= MAX_STACK) {
        engine_note(e, "sub-flows nested more than %d deep: call ended", MAX_STACK);
        sorry(e);
        return 0;
    }
    json_t *params = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sub, "parameters"), i, p) {
        const char *name = jstr(p, "name");
        json_t *v = name && param_of(node, name) ? resolve(e, frame, node, name, NULL) : NULL;
        if (!v && has_value(json_object_get(p, "defaultValue")))
            v = json_incref(json_object_get(p, "defaultValue"));
        if (name && v)
            json_object_set_new(params, name, v);
    }
    engine_note(e, "sub-flow %s (%s)", jstr(sub, "name") ?: "", fid);
    json_array_append_new(stack(e), json_pack("{s:s,s:s,s:o}", "flowId", fid, "nodeId", node_id(start), "params", params));
    return 1;
}

/* Walk from the node the top frame is at until a node waits or the call ends. */
static void walk(engine_t *e)
{
    for (int steps = 0;; steps++) {
        if (steps >= MAX_WALK) {
            engine_note(e, "more than %d nodes without waiting (a loop?): call ended", MAX_WALK);
            hang_up(e);
            return;
        }
        json_t *fr = top(e), *flow = fr ? flow_of(e, jstr(fr, "flowId")) : NULL;
        if (!flow) {
            engine_note(e, "flow %s is gone: call ended", fr ? jstr(fr, "flowId") : "-");
            sorry(e);
            return;
        }
        json_t *node = node_by_id(flow, jstr(fr, "nodeId"));
        if (!node) {
            engine_note(e, "node %s is gone from flow %s: call ended", jstr(fr, "nodeId") ?: "", jstr(fr, "flowId"));
            sorry(e);
            return;
        }
        const char *url = jstr(json_object_get(node, "spec"), "url");
        const node_type_t *nt = node_type_by_url(url);
        const char *type = nt ? nt->type_name : "";
        engine_note(e, "node %s (%s)", node_id(node), nt ? type : "unknown type");
        if (e->async && nt && nt->voice_only) {
            engine_note(e, "node %s needs a live call: not run after the call", node_id(node));
            return;
        }
        const char *next = NULL;
        if (!nt) {
            engine_note(e, "node %s: no such node type (%s): call ended", node_id(node), url ?: "no url");
            sorry(e);
            return;
        } else if (!strcmp(type, "SayNode")) {
            char *text = param_text(e, fr, node, "Text", nt), *voice = param_text(e, fr, node, "Voice", nt),
                 *lang = param_text(e, fr, node, "Language", nt);
            if (*text)
                twiml_say(e->t, text, voice, lang, param_int(e, fr, node, "Loop", nt, -1));
            else
                engine_note(e, "node %s has nothing to say", node_id(node));
            free(text), free(voice), free(lang);
            next = "Done";
        } else if (!strcmp(type, "PlayNode")) {
            char *u = param_text(e, fr, node, "Url", nt), *f = param_text(e, fr, node, "AudioFile", nt);
            const char *play = *u ? u : audio_url(e, f);
            if (play)
                twiml_play(e->t, play, param_int(e, fr, node, "Loop", nt, -1));
            else
                engine_note(e, "node %s has nothing to play", node_id(node));
            free(u), free(f);
            next = "Done";
        } else if (!strcmp(type, "HangupNode")) {
            hang_up(e);
            return;
        } else if (!strcmp(type, "MenuNode")) {
            set_int(e, "tries", 1);
            menu_prompt(e, fr, node, nt);
            return;
        } else if (!strcmp(type, "DialNode")) {
            json_t *targets = dial_targets(e, fr, node, nt);
            json_object_set_new(e->state, "dialTargets", targets);
            set_int(e, "dial", 0);
            if (json_array_size(targets)) {
                dial(e, fr, node, nt, json_array_get(targets, 0));
                return;
            }
            next = "NoAnswer";
        } else if (!strcmp(type, "VoicemailNode")) {
            voicemail(e, fr, node, nt);
            return;
        } else if (!strcmp(type, "ScheduleNode")) {
            char *cid = param_text(e, fr, node, "Customer", nt);
            json_t *cu = ours(e, call_get(e->c, C_CUSTOMERS, *cid ? cid : jstr(e->session, "customerId")));
            const char *state = cu ? customer_schedule_state(e->c, cu, time(NULL)) : "";
            engine_note(e, "schedule state %s", *state ? state : "(none)");
            next = *state && transition(node, state) ? state : "Default";
            free(cid);
        } else if (!strcmp(type, "ChannelSelectorNode")) {
            next = jstr(e->session, "channel") ?: "Voice";
        } else if (!strcmp(type, "SubFlowNode")) {
            if (!enter_subflow(e, fr, node))
                return;
            continue;
        }
        if (!follow(e, next)) {
            hang_up(e);
            return;
        }
    }
}

/* ------------------------------------------------------------------ entry points */

void engine_start(engine_t *e, json_t *flow, json_t *params)
{
    json_t *merged = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(flow, "parameters"), i, p) {
        const char *name = jstr(p, "name");
        json_t *v = member_ci(params, name);
        v = has_value(v) ? v : json_object_get(p, "defaultValue");
        if (name && has_value(v))
            json_object_set(merged, name, v);
    }
    json_t *start = start_node(flow);
    json_array_clear(stack(e));
    json_array_append_new(stack(e), json_pack("{s:s,s:s,s:o}", "flowId", jstr(flow, "id") ?: "", "nodeId",
                                              start ? node_id(start) : "", "params", merged));
    if (!start) {
        engine_note(e, "flow %s has no start node", jstr(flow, "id") ?: "");
        hang_up(e);
        return;
    }
    walk(e);
}

/* After a Menu's failed attempt: prompt again while tries remain, else leave by way. */
static void menu_retry(engine_t *e, json_t *fr, json_t *node, const node_type_t *nt, const char *way)
{
    int tries = state_int(e, "tries"), retries = param_int(e, fr, node, "Retries", nt, 2);
    if (tries < (retries > 0 ? retries : 1)) {
        set_int(e, "tries", tries + 1);
        engine_note(e, "menu again (%d of %d)", tries + 1, retries);
        menu_prompt(e, fr, node, nt);
    } else if (follow(e, way)) {
        walk(e);
    } else {
        hang_up(e);
    }
}

void engine_step(engine_t *e, const char *node, const char *event)
{
    json_t *fr = top(e), *flow = fr ? flow_of(e, jstr(fr, "flowId")) : NULL;
    if (fr && !flow) {
        engine_note(e, "flow %s is gone: call ended", jstr(fr, "flowId"));
        sorry(e);
        return;
    }
    json_t *n = node_by_id(flow, jstr(fr, "nodeId"));
    if (!fr || !node || strcmp(jstr(fr, "nodeId") ?: "", node) || !n) {
        engine_note(e, "a step for node %s, but the call is %s: call ended", node ?: "-",
                    fr && n ? "elsewhere" : "not waiting there");
        fr && !n ? sorry(e) : hang_up(e);
        return;
    }
    const node_type_t *nt = node_type_by_url(jstr(json_object_get(n, "spec"), "url"));
    const char *type = nt ? nt->type_name : "";
    event = event ? event : "";
    if (!strcmp(type, "MenuNode") && !strcmp(event, "gather")) {
        const char *digits = jstr(e->form, "Digits") ?: "";
        engine_note(e, "digits %s", *digits ? digits : "(none)");
        if (*digits && transition(n, digits)) {
            if (follow(e, digits))
                walk(e);
            else
                hang_up(e);
        } else {
            menu_retry(e, fr, n, nt, *digits ? "NoMatch" : "NoInput");
        }
    } else if (!strcmp(type, "MenuNode") && !strcmp(event, "timeout")) {
        engine_note(e, "no input");
        menu_retry(e, fr, n, nt, "NoInput");
    } else if (!strcmp(type, "DialNode") && !strcmp(event, "dial")) {
        const char *status = jstr(e->form, "DialCallStatus") ?: "";
        json_t *targets = json_object_get(e->state, "dialTargets");
        int k = state_int(e, "dial");
        json_t *target = json_array_get(targets, (size_t)k);
        engine_note(e, "dial %s", *status ? status : "(no status)");
        if (!strcmp(status, "completed") || !strcmp(status, "answered")) {
            set_flag(e, "bridged");
            json_object_set_new(e->fields, "answeredByName", json_string(jstr(target, "name") ?: ""));
            json_object_set_new(e->fields, "wasMissed", json_false());
            hang_up(e);
        } else if ((size_t)k + 1 < json_array_size(targets)) {
            set_int(e, "dial", k + 1);
            dial(e, fr, n, nt, json_array_get(targets, (size_t)k + 1));
        } else if (follow(e, "NoAnswer")) {
            walk(e);
        } else {
            hang_up(e);
        }
    } else if (!strcmp(type, "VoicemailNode") && !strcmp(event, "record")) {
        const char *url = jstr(e->form, "RecordingUrl"), *dur = jstr(e->form, "RecordingDuration");
        int secs = dur ? atoi(dur) : 0;
        if (url && *url && secs > 0) {
            set_flag(e, "recorded");
            engine_note(e, "message recorded (%d s)", secs);
        } else {
            engine_note(e, "no message recorded");
        }
        if (follow(e, "Done"))
            walk(e);
        else
            hang_up(e);
    } else {
        engine_note(e, "event %s does not fit node %s (%s): call ended", event, node, type);
        hang_up(e);
    }
}

const char *engine_recording(engine_t *e, const char *node)
{
    json_t *rec = json_object_get(json_object_get(e->state, "recordings"), node ?: "");
    json_t *flow = flow_of(e, jstr(rec, "flowId")), *n = node_by_id(flow, node);
    const node_type_t *nt = n ? node_type_by_url(jstr(json_object_get(n, "spec"), "url")) : NULL;
    const char *src = jstr(e->form, "RecordingSource");
    const char *type = (nt ? !strcmp(nt->type_name, "DialNode") : src && !strcmp(src, "DialVerb")) ? "CallRecording"
                                                                                                      : "VoiceMessage";
    const char *to = n ? transition(n, "RecordingReady") : NULL;
    if (to && *to) { /* the async way: walked on a stack of its own, with no call to speak to */
        json_t *saved = json_incref(stack(e));
        json_object_set_new(e->state, "stack", json_pack("[{s:O,s:s,s:O?}]", "flowId", json_object_get(rec, "flowId"),
                                                         "nodeId", node, "params", json_object_get(rec, "params")));
        e->async = 1;
        if (follow(e, "RecordingReady"))
            walk(e);
        e->async = 0;
        json_object_set_new(e->state, "stack", saved);
    }
    return type;
}
