/* accounts.c — the account operations: tenants (resellers), their tree, caps and
 * billing settings. */
#include "api.h"
#include "../provider/provider.h"
#include "../util/secret.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *present_account(call_t *c, json_t *doc)
{
    (void)c;
    json_t *out = json_copy(doc) /* shallow: only top-level keys change */;
    const char *logo = json_string_value(json_object_get(doc, "logoId"));
    if (logo) {
        char uri[128];
        snprintf(uri, sizeof uri, "/files/%s", logo);
        json_object_set_new(out, "logoUri", json_string(uri));
    }
    return out;
}

int op_list_accounts(call_t *c)
{
    query_t q = {0};
    json_t *reach = reach_account_ids(c);
    if (reach)
        q.f[q.nf++] = (qfilter_t){"id", Q_IN, reach};
    const char *nf = req_str(c, "nameFilter");
    json_t *nfv = json_string(nf ? nf : "");
    if (nf && *nf)
        q.f[q.nf++] = (qfilter_t){"name", Q_CONTAINS, nfv};
    int rc = list_run(c, C_ACCOUNTS, &T_AccountInfo, &q, present_account);
    json_decref(reach);
    json_decref(nfv);
    return rc;
}

int op_get_account(call_t *c)
{
    json_t *a;
    if (reach_account(c, req_str(c, "accountId"), &a))
        return -1;
    c->resp = present_account(c, a);
    return 0;
}

/* A carrier token as stored: sealed under the secret key (the caller checked there is one). */
static json_t *seal_value(const char *token)
{
    char *s = secret_seal(token);
    json_t *v = json_string(s ? s : "");
    free(s);
    return v;
}

/* The carrier is asked before the account is stored, outside any transaction: a
 * bring-your-own account's credentials are checked, or a sub-account is created. */
int op_new_account(call_t *c)
{
    const char *name = req_str(c, "name");
    if (!name || !*name)
        return fail_field(c, "Name", "ArgumentException", "Name is required");
    const char *sid = req_str(c, "twilioAccountSid"), *token = req_str(c, "twilioAuthToken");
    int byoa = sid && *sid;
    if (byoa != (token && *token))
        return fail_field(c, byoa ? "TwilioAuthToken" : "TwilioAccountSid", "ArgumentException",
                          "TwilioAccountSid and TwilioAuthToken go together (bring your own account)");
    char sub[64] = "", sub_token[128] = "";
    perr_t e = {0};
    if (byoa && !secret_have_key())
        return fail(c, 400, "ArgumentException",
                    "No secret key is configured (--secret-key-file): a carrier auth token cannot be stored");
    if (byoa) {
        pcreds_t who = {sid, token};
        presult_t pr = provider_check_account(&who, &e);
        if (pr == P_ERROR && (e.status == 401 || e.status == 403 || e.status == 404))
            return fail_field(c, "TwilioAuthToken", "ArgumentException", "The carrier refused these credentials: %s",
                              e.message);
        if (pr != P_OK && pr != P_NONE)
            return fail(c, 502, "ProviderError", "%s", e.message);
    } else if (provider_configured()) {
        presult_t pr = provider_create_subaccount(name, sub, sub_token, &e);
        if (pr != P_OK)
            return fail(c, 502, "ProviderError", "%s", e.message[0] ? e.message : "The carrier failed");
    }
    int rc = store_begin(c->st, 1);
    if (rc)
        return fail_store(c, rc, "account");
    json_t *doc = json_pack("{s:s}", "name", name);
    json_t *ancestors = json_array();
    const char *parent = req_str(c, "parentAccountId");
    if (parent && *parent) {
        json_t *p = call_get(c, C_ACCOUNTS, parent);
        if (!p) { /* the answer first: a failed read is the store's failure, not a missing parent */
            json_decref(doc);
            json_decref(ancestors);
            fail_field(c, "ParentAccountId", "ArgumentException", "Account '%s' does not exist", parent);
            store_rollback(c->st);
            return -1;
        }
        json_array_extend(ancestors, json_object_get(p, "ancestorIds"));
        json_array_append_new(ancestors, json_string(parent));
        json_object_set_new(doc, "parentAccountId", json_string(parent));
    }
    json_object_set_new(doc, "ancestorIds", ancestors);
    json_object_set_new(doc, "maxPhoneNumbers", json_integer(0));
    json_object_set_new(doc, "isBYOA", json_boolean(byoa));
    if (byoa) {
        json_object_set_new(doc, "twilioAccountSid", json_string(sid));
        /* sealed; not in AccountInfo: never written out */
        json_object_set_new(doc, "twilioAuthToken", seal_value(token));
    } else if (*sub) {
        json_object_set_new(doc, "twilioAccountSid", json_string(sub));
        /* the sub-account's own token, only to check its webhooks' signatures: the carrier
         * calls on its numbers still go out with the main account's credentials */
        if (*sub_token && secret_have_key())
            json_object_set_new(doc, "twilioSubAccountAuthToken", seal_value(sub_token));
        else if (*sub_token)
            fprintf(stderr, "evovoiced: no secret key: the token of sub-account %s is not stored\n", sub);
    }
    sodium_memzero(sub_token, sizeof sub_token);
    entity_stamp_new(c, doc);
    rc = store_put_new(c->st, C_ACCOUNTS, doc);
    if (!rc) { /* every account has its system settings */
        json_t *s = json_pack("{s:O,s:[],s:[],s:[]}", "accountId", json_object_get(doc, "id"), "tags", "customerFields",
                              "endpointFields");
        entity_stamp_new(c, s);
        rc = store_put_new(c->st, C_SETTINGS, s);
        json_decref(s);
    }
    if (!rc)
        rc = store_commit(c->st);
    else
        store_rollback(c->st);
    return respond_stored(c, rc, doc, present_account, "account");
}

int op_patch_account(call_t *c)
{
    json_t *a;
    if (reach_account(c, req_str(c, "accountId"), &a))
        return -1;
    const char *name = req_str(c, "name");
    if (name && !*name)
        return fail_field(c, "Name", "ArgumentException", "Name cannot be empty");
    json_t *max = req_get(c, "maxPhoneNumbers");
    if (max && json_integer_value(max) < 0)
        return fail_field(c, "MaxPhoneNumbers", "ArgumentException", "MaxPhoneNumbers must be 0 (no cap) or more");
    json_t *doc = json_copy(a);
    static const char *const keys[] = {"name", "maxPhoneNumbers", "logoId", "billingSettings", NULL};
    patch_fields(c, doc, keys);
    /* a token stored before sealing existed is sealed now that the account is written */
    static const char *const tokens[] = {"twilioAuthToken", "twilioSubAccountAuthToken", NULL};
    for (int i = 0; tokens[i] && secret_have_key(); i++) {
        const char *t = json_string_value(json_object_get(doc, tokens[i]));
        if (t && *t && !secret_is_sealed(t))
            json_object_set_new(doc, tokens[i], seal_value(t));
    }
    entity_stamp_mod(c, doc);
    int rc = store_put(c->st, C_ACCOUNTS, doc);
    return respond_stored(c, rc, doc, present_account, "account");
}

int op_delete_account(call_t *c)
{
    const char *id = req_str(c, "accountId");
    if (reach_account(c, id, NULL) ||
        refuse_if_any(c, C_ACCOUNTS, "parentAccountId", id, "The account still has child accounts") ||
        refuse_if_any(c, C_CUSTOMERS, "accountId", id, "The account still has customers") ||
        refuse_if_any(c, C_ENDPOINTS, "accountId", id, "The account still has endpoints") ||
        refuse_if_any(c, C_FLOWS, "accountId", id, "The account still has flows") ||
        refuse_if_any(c, C_PURCHASES, "accountId", id, "A phone number is being bought for the account"))
        return -1;
    query_t q = {0};
    json_t *ids = json_pack("[s]", id);
    q.f[q.nf++] = (qfilter_t){"accountIds", Q_HAS_ANY, ids};
    q.limit = 1;
    json_t *users = NULL;
    int rc = store_list(c->st, C_USERS, &q, &users, NULL);
    json_decref(ids);
    size_t n = json_array_size(users);
    json_decref(users);
    if (rc)
        return fail_store(c, rc, "users");
    if (n)
        return fail(c, 409, "Conflict", "The account still has users");
    json_t *s = NULL;
    query_t sq = {0};
    json_t *aid = json_string(id);
    sq.f[sq.nf++] = (qfilter_t){"accountId", Q_EQ, aid};
    sq.limit = 10;
    rc = store_list(c->st, C_SETTINGS, &sq, &s, NULL);
    size_t i;
    json_t *d;
    json_array_foreach(s, i, d) if (!rc)
        rc = store_delete(c->st, C_SETTINGS, json_string_value(json_object_get(d, "id")));
    json_decref(s);
    json_decref(aid);
    if (rc)
        return fail_store(c, rc, "settings");
    rc = store_delete(c->st, C_ACCOUNTS, id);
    if (rc)
        return fail_store(c, rc, "account");
    c->status = 204;
    return 0;
}
