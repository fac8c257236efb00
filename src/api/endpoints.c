/* endpoints.c — the endpoint operations: list, get, patch and delete the phone
 * numbers, fax lines (and the other endpoint types, stored and served) of an account.
 *
 * Stored: the EndpointInfo fields a client sets, tagIds, and the carrier account the
 * number was bought on.  Derived on every read: accountName, customerName,
 * customerBreadcrumb and the resolved tags; a GET or list item may be the wire form of
 * such a read kept from before nothing had changed since (render.c). */
#include "api.h"
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "../provider/provider.h"
#include "../util/secret.h"
#include "endpoint_types.h"
#include "flows.h"
#include "sip.h"
#include "validate.h"

enum { MAX_TREE_DEPTH = 1000 };

json_t *present_endpoint(call_t *c, json_t *doc)
{
    json_t *out = json_copy(doc); /* shallow: only top-level keys change */
    json_object_del(out, "tagIds");
    json_object_del(out, "carrierAccountSid");
    json_object_del(out, "loginId");
    json_object_del(out, "sipPending");
    json_object_del(out, "sipCredentialListSid");
    char pw[128]; /* shown to SystemAdministrators only: the writers leave it out for others */
    const char *sp = json_string_value(json_object_get(doc, "sipPassword"));
    if (sp)
        json_object_set_new(out, "sipPassword", json_string(secret_open(sp, pw, sizeof pw) ?: ""));
    sodium_memzero(pw, sizeof pw);
    const char *account = json_string_value(json_object_get(doc, "accountId"));
    json_t *an = account_name(c, account);
    if (an)
        json_object_set(out, "accountName", an);
    const char *cid = json_string_value(json_object_get(doc, "customerId"));
    json_t *cu = cid ? call_get(c, C_CUSTOMERS, cid) : NULL;
    if (cu) {
        json_object_set(out, "customerName", json_object_get(cu, "name"));
        json_object_set_new(out, "customerBreadcrumb", breadcrumb_entries(store_path(c->st, C_CUSTOMERS, cid, MAX_TREE_DEPTH)));
    }
    json_object_set_new(out, "tags", resolve_tags(c, account, json_object_get(doc, "tagIds")));
    const char *fid = json_string_value(json_object_get(doc, "flowId"));
    json_t *flow = fid && *fid ? call_get(c, C_FLOWS, fid) : NULL; /* flowName: the flow's name now */
    if (flow)
        json_object_set(out, "flowName", json_object_get(flow, "name"));
    else
        json_object_del(out, "flowName");
    return out;
}

/* The flows an endpoint names (flowId, scheduledFlows[].flowId) are flows of its account. */
int check_endpoint_flows(call_t *c, const char *account, json_t *flow_id, json_t *scheduled)
{
    if (check_flow_ref(c, account, json_string_value(flow_id), "FlowId"))
        return -1;
    size_t i;
    json_t *sf;
    json_array_foreach(scheduled, i, sf)
    {
        char field[64];
        snprintf(field, sizeof field, "ScheduledFlows[%zu].FlowId", i);
        if (check_flow_ref(c, account, json_string_value(json_object_get(sf, "flowId")), field))
            return -1;
    }
    return 0;
}

int can_reach_endpoint(call_t *c, json_t *ep)
{
    if (c->who->roles & ROLE_SA)
        return 1;
    if (c->who->roles & ROLE_MANAGER)
        return can_reach_account(c, call_get(c, C_ACCOUNTS, json_string_value(json_object_get(ep, "accountId"))));
    json_t *cu = call_get(c, C_CUSTOMERS, json_string_value(json_object_get(ep, "customerId")));
    return cu && can_reach_customer(c, cu);
}

int reach_endpoint(call_t *c, const char *id, json_t **out)
{
    return reach(c, C_ENDPOINTS, id, "endpoint", can_reach_endpoint, out);
}

/* A field name a filter may name: letters, digits and _ (store_field_ok's path rule). */
static int plain_name(const char *s, size_t n)
{
    if (!n || n >= 80)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

/* flowIds: endpoints using one of the flows, as flowId or in a scheduled flow; with
 * flowState: Scheduled endpoints whose scheduled flow for that state is one of them (or,
 * without flowIds, that have one for that state).  userMode, sipUserName: equal.
 * flowParametersFilter: a JSON object whose every value the endpoint's flowParams hold
 * (each read as dataFilters reads a value).  0, or a 400 naming the field. */
static int endpoint_flow_filters(call_t *c, query_t *q, json_t **owned, int *no)
{
    json_t *fids = req_get(c, "flowIds"), *v;
    const char *state = req_str(c, "flowState");
    if (state && *state) {
        owned[(*no)++] = v = json_string("Scheduled");
        q->f[q->nf++] = (qfilter_t){"flowSchedule", Q_EQ, v};
        owned[(*no)++] = v = json_pack("{s:[s]}", "stateName", state);
        if (json_array_size(fids))
            json_object_set(v, "flowId", fids);
        q->f[q->nf++] = (qfilter_t){"scheduledFlows", Q_HAS_ELEM, v};
    } else if (json_array_size(fids)) {
        q->f[q->nf++] = (qfilter_t){"flowId", Q_IN, fids, 1};
        owned[(*no)++] = v = json_pack("{s:O}", "flowId", fids);
        q->f[q->nf++] = (qfilter_t){"scheduledFlows", Q_HAS_ELEM, v, 1};
    }
    if ((v = req_get(c, "userMode")))
        q->f[q->nf++] = (qfilter_t){"userMode", Q_EQ, v};
    if ((v = req_get(c, "sipUserName")) && json_string_length(v))
        q->f[q->nf++] = (qfilter_t){"sipUserName", Q_EQ, v};
    const char *fp = req_str(c, "flowParametersFilter");
    if (!fp || !*fp)
        return 0;
    json_t *want = json_loads(fp, 0, NULL);
    if (!json_is_object(want)) {
        json_decref(want);
        return fail_field(c, "FlowParametersFilter", "ArgumentException",
                          "FlowParametersFilter must be a JSON object of parameter names and values");
    }
    const char *k;
    json_object_foreach(want, k, v)
    {
        char text[512];
        json_t *val = json_is_object(v) ? json_object_iter_value(json_object_iter(v)) : v; /* a Value: {stringValue} */
        if (json_is_string(val))
            snprintf(text, sizeof text, "%s", json_string_value(val));
        else if (json_is_integer(val))
            snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
        else if (json_is_real(val))
            snprintf(text, sizeof text, "%.17g", json_real_value(val));
        else if (json_is_boolean(val))
            snprintf(text, sizeof text, "%s", json_is_true(val) ? "true" : "false");
        else
            text[0] = 0;
        if (!plain_name(k, strlen(k)) || !text[0] || list_data_filter(q, "flowParams", k, text)) {
            json_decref(want);
            return fail_field(c, "FlowParametersFilter", "ArgumentException",
                              "FlowParametersFilter: '%s' is not a parameter name (letters, digits and _) with a "
                              "text, number or true/false value, or there are too many",
                              k);
        }
    }
    json_decref(want);
    return 0;
}

int op_list_endpoints(call_t *c)
{
    query_t q = {0};
    json_t *owned[12] = {0};
    int no = 0;
    if (!(c->who->roles & ROLE_SA)) {
        if (c->who->roles & ROLE_MANAGER)
            owned[no] = reach_account_ids(c), q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, owned[no++]};
        else
            owned[no] = reach_customer_ids(c), q.f[q.nf++] = (qfilter_t){"customerId", Q_IN, owned[no++]};
    }
    json_t *v;
    if (json_array_size(v = req_get(c, "accountIds")))
        q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, v};
    if (json_array_size(v = req_get(c, "customerIds"))) {
        if (!json_is_true(req_get(c, "shallowParent"))) {
            v = owned[no++] = store_subtree(c->st, C_CUSTOMERS, v);
            if (store_errcode(c->st)) {
                for (int k = 0; k < no; k++)
                    json_decref(owned[k]);
                return fail_store(c, store_errcode(c->st), "customers");
            }
        }
        q.f[q.nf++] = (qfilter_t){"customerId", Q_IN, v};
    }
    if (json_array_size(v = req_get(c, "referenceIds")))
        q.f[q.nf++] = (qfilter_t){"referenceId", Q_IN, v};
    if (json_array_size(v = req_get(c, "tagIds")))
        q.f[q.nf++] = (qfilter_t){"tagIds", Q_HAS_ALL, v};
    if ((v = req_get(c, "nameFilter")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"displayName", Q_CONTAINS, v};
    const char *pf = req_str(c, "phoneNumberFilter");
    if (pf && *pf) { /* digits only: "(555) 12" finds +1555123... */
        char digits[64];
        size_t n = 0;
        for (const char *p = pf; *p && n + 1 < sizeof digits; p++)
            if (isdigit((unsigned char)*p))
                digits[n++] = *p;
        digits[n] = 0;
        owned[no] = json_string(digits);
        q.f[q.nf++] = (qfilter_t){"phoneNumber", Q_CONTAINS, owned[no++]};
    }
    if ((v = req_get(c, "type")))
        q.f[q.nf++] = (qfilter_t){"type", Q_EQ, v};
    if (json_array_size(v = req_get(c, "types")))
        q.f[q.nf++] = (qfilter_t){"type", Q_IN, v};
    if (endpoint_flow_filters(c, &q, owned, &no)) {
        list_free_data_filters(&q);
        for (int k = 0; k < no; k++)
            json_decref(owned[k]);
        return -1;
    }
    size_t i;
    json_t *df;
    json_array_foreach(req_get(c, "dataFilters"), i, df)
    {
        const char *s = json_string_value(df), *eq = strchr(s, '=');
        int ok = eq && plain_name(s, (size_t)(eq - s));
        char field[80];
        snprintf(field, sizeof field, "%.*s", ok ? (int)(eq - s) : 0, s);
        if (!ok || list_data_filter(&q, "data", field, eq + 1)) {
            list_free_data_filters(&q);
            for (int k = 0; k < no; k++)
                json_decref(owned[k]);
            return fail_field(c, "DataFilters", "ArgumentException",
                              "DataFilters[%zu]: '%s' is not Field=Value (a field name of letters, digits and _), or "
                              "there are too many",
                              i, s);
        }
    }
    int rc = list_run_cached(c, C_ENDPOINTS, &T_EndpointInfo, &q, NULL, present_endpoint);
    list_free_data_filters(&q);
    for (int k = 0; k < no; k++)
        json_decref(owned[k]);
    return rc;
}

int op_get_endpoint(call_t *c)
{
    json_t *ep;
    if (reach_endpoint(c, req_str(c, "endpointId"), &ep))
        return -1;
    c->resp = render_present(c, C_ENDPOINTS, &T_EndpointInfo, ep, present_endpoint);
    return 0;
}

int op_patch_endpoint(call_t *c)
{
    json_t *ep;
    if (reach_endpoint(c, req_str(c, "endpointId"), &ep))
        return -1;
    const char *account = json_string_value(json_object_get(ep, "accountId"));
    const char *cid = req_str(c, "customerId");
    if (cid && *cid) {
        json_t *cu = call_get(c, C_CUSTOMERS, cid);
        if (!cu || strcmp(json_string_value(json_object_get(cu, "accountId")) ?: "", account))
            return fail_field(c, "CustomerId", "ArgumentException", "'%s' is not a customer of the endpoint's account", cid);
        if (!can_reach_customer(c, cu))
            return fail(c, 403, "Forbidden", "You do not have access to customer '%s'", cid);
    } else if (cid && !(c->who->roles & (ROLE_SA | ROLE_MANAGER))) {
        return fail(c, 403, "Forbidden", "Customer logins cannot take an endpoint away from its customer");
    }
    json_t *tags = req_get(c, "tagIds");
    if (tags && validate_tag_ids(c, account, tags))
        return -1;
    json_t *sched = req_get(c, "schedule");
    if (sched && validate_schedule(c, sched, "Schedule"))
        return -1;
    if (check_endpoint_flows(c, account, req_get(c, "flowId"), req_get(c, "scheduledFlows")))
        return -1;
    const char *dn = req_str(c, "displayName");
    if (dn && !*dn)
        return fail_field(c, "DisplayName", "ArgumentException", "DisplayName cannot be empty");
    json_t *doc = json_copy(ep);
    static const char *const keys[] = {"displayName", "referenceId", "extraInformation", "flowId", "flowParams",
                                       "flowSchedule", "schedule", "scheduledFlows", "disableSms",
                                       "useExternal10DlcCampaign", "callerIdName", "enableCallerIdLookup", "data",
                                       "tagIds", "customerId", NULL};
    patch_fields(c, doc, keys);
    json_t *fp = req_get(c, "flowParams"), *was = json_object_get(ep, "flowParams");
    if (json_is_object(fp) && json_is_true(req_get(c, "isPartialFlowUpdate"))) { /* key by key */
        json_t *merged = json_is_object(was) ? json_deep_copy(was) : json_object();
        json_object_update(merged, fp);
        json_object_set_new(doc, "flowParams", merged);
    }
    if (endpoint_type_patch(c, ep, doc)) {
        json_decref(doc);
        return -1;
    }
    entity_stamp_mod(c, doc);
    int rc = store_put(c->st, C_ENDPOINTS, doc);
    return respond_stored(c, rc, doc, present_endpoint, "endpoint");
}

/* The carrier credentials of an endpoint's account; fills creds from the account doc. */
void endpoint_creds(call_t *c, json_t *ep, pcreds_t *who)
{
    json_t *a = call_get(c, C_ACCOUNTS, json_string_value(json_object_get(ep, "accountId")));
    const char *sid = json_string_value(json_object_get(ep, "carrierAccountSid"));
    who->account_sid = sid ? sid : json_string_value(json_object_get(a, "twilioAccountSid"));
    who->auth_token = secret_open(json_string_value(json_object_get(a, "twilioAuthToken")), who->token_buf,
                                  sizeof who->token_buf);
}

int fail_carrier(call_t *c, presult_t pr, perr_t *e)
{
    if (pr == P_NONE)
        return fail(c, 400, "ArgumentException", "No carrier is configured: only virtual numbers can be used");
    return fail(c, 502, "ProviderError", "%s", e->message[0] ? e->message : "The carrier failed");
}

/* For the operations that call the carrier between their own transactions: the
 * endpoint (a new reference) and its carrier credentials, read in a short read
 * transaction, with the reach checks. */
int load_endpoint(call_t *c, const char *id, json_t **ep, pcreds_t *who)
{
    int rc = store_begin(c->st, 0);
    if (rc)
        return fail_store(c, rc, "endpoint");
    if (reach_endpoint(c, id, ep) || hold_precondition(c)) { /* before the carrier is asked */
        store_rollback(c->st);
        return -1;
    }
    json_incref(*ep);
    endpoint_creds(c, *ep, who);
    if ((rc = store_commit(c->st))) { /* a failed read (the account): not "no credentials" */
        json_decref(*ep);
        *ep = NULL;
        return fail_store(c, rc, "endpoint");
    }
    return 0;
}

int op_delete_endpoint(call_t *c)
{
    const char *id = req_str(c, "endpointId");
    json_t *ep = NULL;
    pcreds_t who = {0};
    int rc;
    if (load_endpoint(c, id, &ep, &who))
        return -1;
    const char *pn = json_string_value(json_object_get(ep, "phoneNumberSid"));
    if (pn && *pn && !json_is_true(json_object_get(ep, "isVirtualPhoneNumber"))) {
        perr_t e;
        presult_t pr = provider_release(&who, pn, &e);
        if (pr != P_OK) { /* the number stays ours and stays stored */
            json_decref(ep);
            return fail_carrier(c, pr, &e);
        }
    }
    if (sip_release(c, ep, &who)) { /* its SIP credential, likewise */
        json_decref(ep);
        return -1;
    }
    json_decref(ep);
    if ((rc = store_begin(c->st, 1)))
        return fail_store(c, rc, "endpoint");
    if (hold_precondition(c)) { /* changed while the carrier was asked */
        store_rollback(c->st);
        return -1;
    }
    json_t *cur = store_get(c->st, C_ENDPOINTS, id); /* as it is now: what deleting it undoes */
    rc = cur ? endpoint_type_forget(c->st, cur) : store_errcode(c->st);
    json_decref(cur);
    if (rc == ST_OK)
        rc = store_delete(c->st, C_ENDPOINTS, id);
    if (rc == ST_OK || rc == ST_NOTFOUND)
        rc = store_delete(c->st, C_JOBS, id);
    if (rc == ST_OK || rc == ST_NOTFOUND)
        rc = store_commit(c->st);
    else
        store_rollback(c->st);
    if (rc)
        return fail_store(c, rc, "endpoint");
    c->status = 204;
    return 0;
}
