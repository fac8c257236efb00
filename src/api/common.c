/* common.c — helpers every handler uses: errors, request field access, entity
 * stamps, PATCH copying, and the per-call document memo. */
#include "api.h"
#include "../auth/throttle.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../util/ids.h"

static int set_error(call_t *c, int status, const char *code, const char *msg)
{
    snprintf(c->err_msg, sizeof c->err_msg, "%s", msg);
    c->status = status;
    c->err_code = code;
    return -1;
}

/* A store call that failed in this call's transaction is the answer, whatever the
 * handler concluded from the NULL or -1 it got (a 404, a validation error): 1 when so. */
static int store_failed_first(call_t *c)
{
    int rc = c->st ? store_failed(c->st) : ST_OK;
    if (rc)
        fail_store(c, rc, c->op ? c->op->name : "request");
    return rc != ST_OK;
}

int fail(call_t *c, int status, const char *code, const char *fmt, ...)
{
    if (store_failed_first(c))
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err_msg, sizeof c->err_msg, fmt, ap);
    va_end(ap);
    c->status = status;
    c->err_code = code;
    return -1;
}

int fail_field(call_t *c, const char *field, const char *code, const char *fmt, ...)
{
    if (store_failed_first(c))
        return -1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!c->err_fields)
        c->err_fields = json_array();
    json_array_append_new(c->err_fields, json_pack("{s:s,s:s,s:s}", "errorCode", code, "fieldName", field, "message", msg));
    /* the first field error is repeated at the top, as ServiceStack's validators do */
    if (!c->err_code) {
        snprintf(c->err_msg, sizeof c->err_msg, "%s", msg);
        c->err_code = code;
        c->status = 400;
    }
    return -1;
}

int fail_store(call_t *c, int rc, const char *what)
{
    switch (rc) {
    case ST_NOTFOUND: return fail(c, 404, "NotFound", "%s not found", what);
    case ST_CONFLICT: return fail(c, 409, "Conflict", "%s conflicts with an existing one", what);
    case ST_BUSY: return set_error(c, 503, "ServiceUnavailable", "The store is busy; try again");
    default:
        fprintf(stderr, "evovoiced: store error on %s: %s\n", what, store_errmsg(c->st));
        return set_error(c, 500, "InternalServerError", "An internal error occurred");
    }
}

int fail_throttled(call_t *c, long wait_ms)
{
    c->retry_after_ms = wait_ms;
    return fail(c, 429, "TooManyRequests", THROTTLED_MESSAGE, throttle_seconds(wait_ms));
}

int refuse_if_any(call_t *c, coll_t coll, const char *field, const char *id, const char *why)
{
    long n = store_count(c->st, coll, field, id);
    if (n < 0)
        return fail_store(c, store_errcode(c->st), "count");
    return n ? fail(c, 409, "Conflict", "%s", why) : 0;
}

int respond_stored(call_t *c, int rc, json_t *doc, json_t *(*present)(call_t *, json_t *), const char *what)
{
    if (rc) {
        json_decref(doc);
        return fail_store(c, rc, what);
    }
    c->resp = present(c, doc);
    json_decref(doc);
    return 0;
}

void entity_tag(char *out, size_t n, const char *ver, const char *fmt, int full)
{
    snprintf(out, n, "%s.%s%s", ver, fmt, full ? ".full" : "");
}

int tag_listed(const char *list, const char *tag, int any_format)
{
    size_t want = any_format ? strcspn(tag, ".") : strlen(tag);
    for (const char *p = list; p && *p;) {
        p += strspn(p, " \t,");
        if (*p == '*')
            return 1;
        int weak = !strncmp(p, "W/", 2);
        if (weak)
            p += 2;
        const char *q = *p == '"' ? p + 1 : p;
        size_t len = strcspn(q, "\","), ver_len = strcspn(q, ".\",");
        /* If-Match compares strongly (a weak tag never matches); If-None-Match weakly */
        if (!(weak && any_format) && (any_format ? ver_len : len) == want && want && !strncmp(q, tag, want))
            return 1;
        p = q + len + (q[len] == '"');
    }
    return 0;
}

int precondition_failed(call_t *c)
{
    const char *id = NULL;
    const entity_kind_t *k = c->if_match ? api_op_entity(c->op, c->req, &id) : NULL;
    if (!k)
        return 0;
    /* read afresh in this transaction, whatever an earlier one of the call kept */
    json_t *doc = store_get(c->st, k->coll, id);
    char ver[STORE_VER_LEN + 1];
    if (!doc)
        return store_errcode(c->st) ? -1 : 1; /* gone: no version is current */
    json_decref(doc);
    return !store_version(c->st, k->coll, id, ver) || !tag_listed(c->if_match, ver, 1);
}

int fail_precondition(call_t *c)
{
    return fail(c, 412, "PreconditionFailed", "The entity has changed since the If-Match tag was read");
}

int hold_precondition(call_t *c)
{
    int stale = precondition_failed(c);
    return stale < 0 ? fail_store(c, store_errcode(c->st), "precondition") : stale ? fail_precondition(c) : 0;
}

json_t *req_get(call_t *c, const char *key) { return json_object_get(c->req, key); }
const char *req_str(call_t *c, const char *key) { return json_string_value(json_object_get(c->req, key)); }

void entity_stamp_new(call_t *c, json_t *doc)
{
    char id[25], now[64];
    id_new(id);
    now_iso(now);
    const char *who = c->who->email ? c->who->email : "system";
    json_object_set_new(doc, "id", json_string(id));
    json_object_set_new(doc, "dateCreated", json_string(now));
    json_object_set_new(doc, "dateLastModified", json_string(now));
    json_object_set_new(doc, "createdBy", json_string(who));
    json_object_set_new(doc, "lastModifiedBy", json_string(who));
}

void entity_stamp_mod(call_t *c, json_t *doc)
{
    char now[64];
    now_iso(now);
    json_object_set_new(doc, "dateLastModified", json_string(now));
    json_object_set_new(doc, "lastModifiedBy", json_string(c->who->email ? c->who->email : "system"));
}

void patch_fields(call_t *c, json_t *doc, const char *const *keys)
{
    for (; *keys; keys++) {
        json_t *v = req_get(c, *keys);
        if (!v)
            continue;
        if (json_is_string(v) && json_string_length(v) == 0)
            json_object_del(doc, *keys);
        else
            json_object_set(doc, *keys, v);
    }
}

json_t *memo_get(call_t *c, const char *key) { return c->memo ? json_object_get(c->memo, key) : NULL; }

json_t *memo_put(call_t *c, const char *key, json_t *v)
{
    if (!c->memo)
        c->memo = json_object();
    json_object_set_new(c->memo, key, v ? v : json_null());
    return json_object_get(c->memo, key);
}

json_t *call_get(call_t *c, coll_t coll, const char *id)
{
    if (!id)
        return NULL;
    char key[64];
    snprintf(key, sizeof key, "%d:%s", (int)coll, id);
    json_t *d = memo_get(c, key);
    if (!d) {
        json_t *doc = store_get(c->st, coll, id);
        if (!doc && store_errcode(c->st))
            return NULL; /* failed, not missing: nothing to remember */
        d = memo_put(c, key, doc);
    }
    return json_is_null(d) ? NULL : d;
}

json_t *account_name(call_t *c, const char *account_id)
{
    if (!account_id)
        return NULL;
    char key[64];
    snprintf(key, sizeof key, "name:%s", account_id);
    json_t *v = memo_get(c, key);
    if (!v) {
        char dkey[64]; /* the account read whole by this call already (call_get) */
        snprintf(dkey, sizeof dkey, "%d:%s", (int)C_ACCOUNTS, account_id);
        json_t *doc = memo_get(c, dkey);
        json_t *name = doc ? json_incref(json_object_get(doc, "name"))
                           : store_get_field(c->st, C_ACCOUNTS, account_id, "name");
        if (!name && !doc && store_errcode(c->st))
            return NULL;
        v = memo_put(c, key, name);
    }
    return json_is_string(v) && json_string_length(v) ? v : NULL;
}
