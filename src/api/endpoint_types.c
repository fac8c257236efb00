/* endpoint_types.c — the endpoint types besides phone numbers (FLOWS.md 1.3, 1.4):
 *   User: a phone user, and a login of its own (role User) with the same e-mail, which
 *         is unique in the whole system, logins included;
 *   Team: a name and teamMemberIds, User endpoints of the same account, which the call
 *         engine's Dial node dials in turn; a deleted User endpoint leaves every team;
 *   EmailAddress: an address whose messages run the endpoint's flow;
 *   Assistant: a name and the AI receptionist's settings (no runtime here).
 * Their create operations, what PatchEndpoint changes on them, and what deleting one
 * undoes.  The owner rules (account, customer, reach, tags, flows) are those of every
 * new endpoint, BuyPhoneNumber's included. */
#include "endpoint_types.h"
#include <stdio.h>
#include <string.h>
#include "../util/ids.h"
#include "../util/json.h"
#include "routing.h"
#include "sip.h"
#include "validate.h"

json_t *present_endpoint(call_t *c, json_t *doc);

int check_new_endpoint(call_t *c, json_t *r, json_t **account_doc)
{
    const char *account = json_string_value(json_object_get(r, "accountId"));
    const char *cid = json_string_value(json_object_get(r, "customerId"));
    if ((!account || !*account) && cid) {
        json_t *cu = call_get(c, C_CUSTOMERS, cid);
        account = json_string_value(json_object_get(cu, "accountId"));
        if (account)
            json_object_set_new(r, "accountId", json_string(account));
        account = json_string_value(json_object_get(r, "accountId"));
    }
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    if (reach_account(c, account, account_doc))
        return -1;
    if (check_endpoint_flows(c, account, json_object_get(r, "flowId"), NULL))
        return -1;
    if (cid && *cid) {
        json_t *cu = call_get(c, C_CUSTOMERS, cid);
        if (!cu || strcmp(json_string_value(json_object_get(cu, "accountId")) ?: "", account))
            return fail_field(c, "CustomerId", "ArgumentException", "'%s' is not a customer of account '%s'", cid, account);
        if (!can_reach_customer(c, cu))
            return fail(c, 403, "Forbidden", "You do not have access to customer '%s'", cid);
    } else if (!(c->who->roles & (ROLE_SA | ROLE_MANAGER))) {
        return fail_field(c, "CustomerId", "ArgumentException", "CustomerId is required");
    }
    json_t *tags = json_object_get(r, "tagIds");
    return tags ? validate_tag_ids(c, account, tags) : 0;
}

json_t *endpoint_base(json_t *r, const char *type, const char *by)
{
    char id[25], now[64];
    id_new(id);
    now_iso(now);
    json_t *d = json_pack("{s:O,s:s}", "accountId", json_object_get(r, "accountId"), "type", type);
    static const char *const copy[] = {"customerId", "flowId", "flowParams", "referenceId", "displayName", NULL};
    for (const char *const *k = copy; *k; k++) {
        json_t *v = json_object_get(r, *k);
        if (v && !json_is_null(v) && !(json_is_string(v) && !json_string_length(v)))
            json_object_set(d, *k, v);
    }
    json_t *data = json_object_get(r, "data"), *tags = json_object_get(r, "tagIds");
    json_object_set_new(d, "data", data ? json_incref(data) : json_object());
    json_object_set_new(d, "tagIds", tags ? json_incref(tags) : json_array());
    json_object_set_new(d, "flowSchedule", json_string("Always"));
    json_object_set_new(d, "schedule", json_pack("{s:b,s:b,s:[]}", "inherit", 1, "forceClosed", 0, "rules"));
    json_object_set_new(d, "scheduledFlows", json_array());
    json_object_set_new(d, "integrationData", json_object());
    json_object_set_new(d, "id", json_string(id));
    json_object_set_new(d, "dateCreated", json_string(now));
    json_object_set_new(d, "dateLastModified", json_string(now));
    json_object_set_new(d, "createdBy", json_string(by ? by : "system"));
    json_object_set_new(d, "lastModifiedBy", json_string(by ? by : "system"));
    return d;
}

static int is_email(const char *s) { return s && strchr(s, '@') && strchr(s, '@') > s && strlen(s) <= 254; }

static const char *type_of(json_t *ep) { return json_string_value(json_object_get(ep, "type")) ?: ""; }

/* A non-empty name (Team, Assistant), at most 200 characters. */
static int check_name(call_t *c, const char *name)
{
    if (!name || !*name)
        return fail_field(c, "Name", "ArgumentException", "Name is required");
    if (strlen(name) > 200)
        return fail_field(c, "Name", "ArgumentException", "Name must have at most 200 characters");
    return 0;
}

/* teamMemberIds: each a User endpoint of the account, none twice. */
static int check_members(call_t *c, const char *account, json_t *ids)
{
    size_t i, j;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        const char *id = json_string_value(v);
        char field[48];
        snprintf(field, sizeof field, "TeamMemberIds[%zu]", i);
        json_t *m = id && *id ? call_get(c, C_ENDPOINTS, id) : NULL;
        if (!m && store_failed(c->st))
            return fail_store(c, store_failed(c->st), "endpoint");
        if (!m || strcmp(type_of(m), "User") || strcmp(json_string_value(json_object_get(m, "accountId")) ?: "", account))
            return fail_field(c, field, "ArgumentException", "'%s' is not a User endpoint of the team's account", id ?: "");
        for (j = 0; j < i; j++)
            if (!strcmp(json_string_value(json_array_get(ids, j)) ?: "", id))
                return fail_field(c, field, "ArgumentException", "'%s' is in the team twice", id);
    }
    return 0;
}

/* No other EmailAddress endpoint has this address (their messages would be ambiguous). */
static int check_email_free(call_t *c, const char *email, const char *except_id)
{
    query_t q = {0};
    json_t *type = json_string("EmailAddress"), *addr = json_string(email), *rows = NULL;
    q.f[q.nf++] = (qfilter_t){"type", Q_EQ, type};
    q.f[q.nf++] = (qfilter_t){"emailAddress", Q_EQ, addr};
    q.limit = 2;
    int rc = store_list(c->st, C_ENDPOINTS, &q, &rows, NULL);
    json_decref(type);
    json_decref(addr);
    size_t i;
    json_t *d;
    int taken = 0;
    json_array_foreach(rows, i, d) taken |= !except_id || strcmp(json_string_value(json_object_get(d, "id")) ?: "", except_id);
    json_decref(rows);
    if (rc)
        return fail_store(c, rc, "endpoints");
    return taken ? fail(c, 409, "Conflict", "An EmailAddress endpoint with '%s' already exists", email) : 0;
}

/* The new endpoint d is stored and answered (d is taken). */
static int store_new(call_t *c, json_t *d)
{
    return respond_stored(c, store_put(c->st, C_ENDPOINTS, d), d, present_endpoint, "endpoint");
}

/* The checks, then the endpoint and its login stored in the open write transaction. */
static int user_reserve(call_t *c, json_t **out)
{
    if (check_new_endpoint(c, c->req, NULL))
        return -1;
    const char *account = req_str(c, "accountId"), *cid = req_str(c, "customerId");
    const char *field = req_str(c, "userEmailAddress") ? "UserEmailAddress" : "EmailAddress";
    const char *email = req_str(c, "userEmailAddress") ?: req_str(c, "emailAddress");
    if (!is_email(email))
        return fail_field(c, field, "ArgumentException", "A valid %s is required", field);
    if (check_password(c, req_str(c, "password"), "Password"))
        return -1;
    json_t *existing = store_user_by_email(c->st, email, NULL);
    if (!existing && store_errcode(c->st))
        return fail_store(c, store_errcode(c->st), "user");
    if (existing) {
        json_decref(existing);
        return fail(c, 409, "Conflict", "A user with e-mail '%s' already exists", email);
    }
    const char *mode = req_str(c, "userMode") ?: "SoftPhone";
    if (!strcmp(mode, "Sip")) {
        json_t *a = call_get(c, C_ACCOUNTS, account);
        const char *sid = json_string_value(json_object_get(a, "twilioAccountSid"));
        if (!sid || !*sid)
            return fail_field(c, "UserMode", "ArgumentException", "Account '%s' has no carrier account: no SIP users", account);
    }
    const char *fn = req_str(c, "firstName"), *ln = req_str(c, "lastName");
    json_t *d = endpoint_base(c->req, "User", c->who->email);
    json_t *login = json_pack("{s:s,s:s?,s:s?,s:[s],s:[s],s:[],s:s,s:[],s:O}", "emailAddress", email, "firstName", fn,
                              "lastName", ln, "roles", "User", "accountIds", account, "customerIds",
                              "managerAccess", "ReadOnly", "dashboardPermissions", "endpointId", json_object_get(d, "id"));
    if (cid && *cid)
        json_array_append_new(json_object_get(login, "customerIds"), json_string(cid));
    entity_stamp_new(c, login);
    json_object_set_new(d, "userEmailAddress", json_string(email));
    if (fn && *fn)
        json_object_set_new(d, "userFirstName", json_string(fn));
    if (ln && *ln)
        json_object_set_new(d, "userLastName", json_string(ln));
    json_object_set_new(d, "userMode", json_string(mode));
    json_t *region = req_str(c, "sipRegion") ? req_get(c, "sipRegion")
                                              : json_object_get(account_settings(c, account), "defaultSipRegion");
    if (json_string_length(region)) /* the account's default unless given */
        json_object_set(d, "sipRegion", region);
    json_object_set_new(d, "agentState", json_string("LoggedOut"));
    json_object_set_new(d, "managerRole", json_string("None"));
    json_object_set(d, "loginId", json_object_get(login, "id"));
    if (!strcmp(mode, "Sip")) /* carried out at once by the caller; the worker's if it cannot say */
        sip_pending_set(d, 1, now_ms() + routing_config.reconcile_after_ms);
    if (!json_object_get(d, "displayName")) {
        char name[512];
        snprintf(name, sizeof name, "%s%s%s", fn ?: "", fn && *fn && ln && *ln ? " " : "", ln ?: "");
        json_object_set_new(d, "displayName", json_string(*name ? name : email));
    }
    char hash[crypto_pwhash_STRBYTES];
    int rc = password_hash(req_str(c, "password"), hash) ? ST_ERROR : store_put_new(c->st, C_USERS, login);
    if (!rc)
        rc = store_set_password(c->st, json_string_value(json_object_get(login, "id")), hash);
    json_decref(login);
    if (!rc)
        rc = store_put(c->st, C_ENDPOINTS, d);
    if (rc) {
        json_decref(d);
        return fail_store(c, rc, "endpoint");
    }
    *out = d;
    return 0;
}

int op_new_user_endpoint(call_t *c)
{
    json_t *d = NULL;
    int rc = store_begin(c->st, 1);
    if (rc)
        return fail_store(c, rc, "endpoint");
    if (user_reserve(c, &d)) {
        store_rollback(c->st);
        return -1;
    }
    int sip = json_object_get(d, "sipPending") != NULL;
    char id[32];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(d, "id")));
    if (!sip) /* presented before the commit, so a failed read in it changes nothing */
        c->resp = present_endpoint(c, d);
    json_decref(d);
    if ((rc = store_commit(c->st))) {
        json_decref(c->resp);
        c->resp = NULL;
        return fail_store(c, rc, "endpoint");
    }
    return sip ? sip_answer(c, id, 1) : 0;
}

int op_new_team_endpoint(call_t *c)
{
    if (check_new_endpoint(c, c->req, NULL) || check_name(c, req_str(c, "name")))
        return -1;
    json_t *members = req_get(c, "teamMemberIds");
    if (check_members(c, req_str(c, "accountId"), members))
        return -1;
    json_t *d = endpoint_base(c->req, "Team", c->who->email);
    json_object_set(d, "name", req_get(c, "name"));
    json_object_set_new(d, "teamMemberIds", members ? json_incref(members) : json_array());
    json_object_set_new(d, "contactListVisibility", json_string(req_str(c, "contactListVisibility") ?: "None"));
    if (!json_object_get(d, "displayName"))
        json_object_set(d, "displayName", req_get(c, "name"));
    return store_new(c, d);
}

int op_new_email_endpoint(call_t *c)
{
    if (check_new_endpoint(c, c->req, NULL))
        return -1;
    const char *email = req_str(c, "emailAddress");
    if (!is_email(email))
        return fail_field(c, "EmailAddress", "ArgumentException", "A valid EmailAddress is required");
    if (check_email_free(c, email, NULL))
        return -1;
    json_t *d = endpoint_base(c->req, "EmailAddress", c->who->email);
    json_object_set_new(d, "emailAddress", json_string(email));
    if (!json_object_get(d, "displayName"))
        json_object_set_new(d, "displayName", json_string(email));
    return store_new(c, d);
}

int op_new_assistant_endpoint(call_t *c)
{
    if (check_new_endpoint(c, c->req, NULL) || check_name(c, req_str(c, "name")))
        return -1;
    json_t *d = endpoint_base(c->req, "Assistant", c->who->email);
    json_object_set(d, "name", req_get(c, "name"));
    json_t *as = req_get(c, "assistantSettings"), *es = req_get(c, "embedSettings");
    json_object_set_new(d, "assistantSettings", as ? json_incref(as) : json_object());
    json_object_set_new(d, "embedSettings", es ? json_incref(es) : json_pack("{s:b}", "enabled", 0));
    if (!json_object_get(d, "displayName"))
        json_object_set(d, "displayName", req_get(c, "name"));
    return store_new(c, d);
}

/* The fields each type owns in a PatchEndpoint body; any other type given one is a 400. */
static const struct {
    const char *key, *field, *types;
} owned[] = {
    {"userFirstName", "UserFirstName", "User"},
    {"userLastName", "UserLastName", "User"},
    {"userMode", "UserMode", "User"},
    {"sipRegion", "SipRegion", "User"},
    {"avatarUrl", "AvatarUrl", "User"},
    {"contactListVisibility", "ContactListVisibility", "User Team"},
    {"teamMemberIds", "TeamMemberIds", "Team"},
    {"emailAddress", "EmailAddress", "EmailAddress"},
    {"name", "Name", "Team Assistant"},
    {"assistantSettings", "AssistantSettings", "Assistant"},
    {"embedSettings", "EmbedSettings", "Assistant"},
};

static int type_in(const char *type, const char *types)
{
    size_t n = strlen(type);
    for (const char *p = types; (p = strstr(p, type)); p += n)
        if ((p == types || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
}

int endpoint_type_patch(call_t *c, json_t *ep, json_t *doc)
{
    const char *type = type_of(ep), *account = json_string_value(json_object_get(ep, "accountId"));
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
        if (req_get(c, owned[i].key) && !json_is_null(req_get(c, owned[i].key)) && !type_in(type, owned[i].types))
            return fail_field(c, owned[i].field, "ArgumentException", "%s is not a field of %s endpoints (only %s)",
                              owned[i].field, *type ? type : "these", owned[i].types);
    const char *name = req_str(c, "name"), *email = req_str(c, "emailAddress");
    if (name && check_name(c, name))
        return -1;
    if (email && (!is_email(email) ? fail_field(c, "EmailAddress", "ArgumentException", "A valid EmailAddress is required")
                                   : check_email_free(c, email, json_string_value(json_object_get(ep, "id")))))
        return -1;
    if (req_get(c, "teamMemberIds") && check_members(c, account, req_get(c, "teamMemberIds")))
        return -1;
    const char *mode = req_str(c, "userMode");
    int was_sip = !strcmp(json_string_value(json_object_get(ep, "userMode")) ?: "", "Sip");
    int to_sip = mode ? !strcmp(mode, "Sip") : was_sip;
    if (to_sip && !was_sip) {
        json_t *a = call_get(c, C_ACCOUNTS, account);
        const char *sid = json_string_value(json_object_get(a, "twilioAccountSid"));
        if (!sid || !*sid)
            return fail_field(c, "UserMode", "ArgumentException", "Account '%s' has no carrier account: no SIP users", account);
    }
    if (to_sip != was_sip) { /* the carrier follows: the routing worker carries it out */
        sip_pending_set(doc, to_sip, now_ms());
        routing_wake();
    }
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) {
        json_t *v = req_get(c, owned[i].key);
        if (v && !json_is_null(v))
            json_object_set(doc, owned[i].key, v);
    }
    if (strcmp(type, "User"))
        return 0;
    /* the login follows its endpoint: names, and the customer it belongs to */
    const char *lid = json_string_value(json_object_get(ep, "loginId"));
    json_t *stored = lid ? call_get(c, C_USERS, lid) : NULL;
    if (!stored)
        return store_failed(c->st) ? fail_store(c, store_failed(c->st), "user") : 0;
    json_t *login = json_copy(stored);
    json_object_set(login, "firstName", json_object_get(doc, "userFirstName"));
    json_object_set(login, "lastName", json_object_get(doc, "userLastName"));
    const char *cid = json_string_value(json_object_get(doc, "customerId"));
    json_object_set_new(login, "customerIds", cid && *cid ? json_pack("[s]", cid) : json_array());
    entity_stamp_mod(c, login);
    int rc = store_put(c->st, C_USERS, login);
    json_decref(login);
    return rc ? fail_store(c, rc, "user") : 0;
}

int endpoint_type_forget(store_t *st, json_t *ep)
{
    if (strcmp(type_of(ep), "User"))
        return ST_OK;
    const char *id = json_string_value(json_object_get(ep, "id"));
    const char *lid = json_string_value(json_object_get(ep, "loginId"));
    int rc = ST_OK;
    if (lid && *lid) {
        rc = store_session_delete_user(st, lid);
        if (!rc)
            rc = store_delete(st, C_USERS, lid);
        if (rc == ST_NOTFOUND)
            rc = ST_OK;
    }
    /* out of every team of its account */
    query_t q = {0};
    json_t *acc = json_pack("[O]", json_object_get(ep, "accountId")), *team = json_string("Team"),
           *me = json_pack("[s]", id), *rows = NULL;
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, acc};
    q.f[q.nf++] = (qfilter_t){"type", Q_EQ, team};
    q.f[q.nf++] = (qfilter_t){"teamMemberIds", Q_HAS_ANY, me};
    q.limit = -1;
    if (!rc)
        rc = store_list(st, C_ENDPOINTS, &q, &rows, NULL);
    size_t i, j;
    json_t *t, *m;
    json_array_foreach(rows, i, t)
    {
        if (rc)
            break;
        json_t *copy = json_copy(t), *left = json_array();
        json_array_foreach(json_object_get(t, "teamMemberIds"), j, m) if (strcmp(json_string_value(m) ?: "", id))
            json_array_append(left, m);
        json_object_set_new(copy, "teamMemberIds", left);
        rc = store_put(st, C_ENDPOINTS, copy);
        json_decref(copy);
    }
    json_decref(rows);
    json_decref(acc);
    json_decref(team);
    json_decref(me);
    return rc;
}
