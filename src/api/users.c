/* users.c — logins: e-mail (unique system-wide), argon2id password, roles, the
 * accounts and customers they reach, and a Manager's access level. */
#include "api.h"
#include <string.h>
#include "../util/json.h"

json_t *present_user(call_t *c, json_t *doc)
{
    json_t *out = json_copy(doc) /* shallow: only top-level keys change */;
    const char *fn = json_string_value(json_object_get(doc, "firstName"));
    const char *ln = json_string_value(json_object_get(doc, "lastName"));
    char name[512];
    snprintf(name, sizeof name, "%s%s%s", fn ? fn : "", fn && ln ? " " : "", ln ? ln : "");
    json_object_set_new(out, "name", json_string(name));
    json_t *names = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "accountIds"), i, v)
    {
        json_t *a = call_get(c, C_ACCOUNTS, json_string_value(v));
        json_array_append_new(names, a ? json_incref(json_object_get(a, "name")) : json_string(""));
    }
    json_object_set_new(out, "accountNames", names);
    const char *me = c->who->id, *id = json_string_value(json_object_get(doc, "id"));
    json_object_set_new(out, "isAuthenticated", json_boolean(me && id && !strcmp(me, id)));
    return out;
}

/* The target user is within a Manager's reach: not an administrator, and every one of
 * its accounts is one the Manager reaches. */
static int can_reach_user(call_t *c, json_t *u)
{
    if (c->who->roles & ROLE_SA)
        return 1;
    if (jlist_has(json_object_get(u, "roles"), "SystemAdministrator"))
        return 0;
    json_t *reach = reach_account_ids(c);
    size_t i;
    json_t *v;
    int ok = json_array_size(json_object_get(u, "accountIds")) > 0;
    json_array_foreach(json_object_get(u, "accountIds"), i, v) if (!jlist_has(reach, json_string_value(v))) ok = 0;
    json_decref(reach);
    return ok;
}

static int reach_user(call_t *c, const char *id, json_t **out) { return reach(c, C_USERS, id, "user", can_reach_user, out); }

static int check_roles(call_t *c, json_t *roles)
{
    size_t i;
    json_t *v;
    json_array_foreach(roles, i, v)
    {
        const char *r = json_string_value(v);
        char path[32];
        snprintf(path, sizeof path, "Roles[%zu]", i);
        if (strcmp(r, "SystemAdministrator") && strcmp(r, "Manager") && strcmp(r, "Customer"))
            return fail_field(c, path, "ArgumentException",
                              "'%s' is not a role (SystemAdministrator, Manager or Customer)", r);
        if (!strcmp(r, "SystemAdministrator") && !(c->who->roles & ROLE_SA))
            return fail(c, 403, "Forbidden", "Only a SystemAdministrator may grant the SystemAdministrator role");
    }
    return 0;
}

/* customerIds must be customers of one of the user's accounts */
static int check_customers(call_t *c, json_t *ids, json_t *account_ids)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        json_t *cu = call_get(c, C_CUSTOMERS, json_string_value(v));
        char path[32];
        snprintf(path, sizeof path, "CustomerIds[%zu]", i);
        if (!cu || !jlist_has(account_ids, json_string_value(json_object_get(cu, "accountId"))))
            return fail_field(c, path, "ArgumentException", "'%s' is not a customer of the user's accounts",
                              json_string_value(v));
    }
    return 0;
}

/* managerAccess: a Manager gives others at most its own, never changes its own, and
 * leaves a Manager with more access than its own to a SystemAdministrator. */
static int check_access(call_t *c, json_t *target)
{
    if (c->who->roles & ROLE_SA)
        return 0;
    const char *want = req_str(c, "managerAccess");
    if (target) {
        const char *tid = json_string_value(json_object_get(target, "id"));
        const char *had = json_string_value(json_object_get(target, "managerAccess"));
        if ((roles_of(target) & ROLE_MANAGER) && access_level(had) > c->who->access)
            return fail(c, 403, "Forbidden", "Only a SystemAdministrator may change a Manager with more access than yours");
        if (want && c->who->id && tid && !strcmp(c->who->id, tid) && access_level(want) != access_level(had))
            return fail(c, 403, "Forbidden", "You cannot change your own manager access");
    }
    if (want && access_level(want) > c->who->access)
        return fail(c, 403, "Forbidden", "You cannot give more manager access than your own");
    return 0;
}

int check_password(call_t *c, const char *pw, const char *field)
{
    if (!pw || strlen(pw) < 8)
        return fail_field(c, field, "ArgumentException", "%s must have at least 8 characters", field);
    if (strlen(pw) > 1024)
        return fail_field(c, field, "ArgumentException", "%s must have at most 1024 characters", field);
    return 0;
}

int op_list_users(call_t *c)
{
    query_t q = {0};
    json_t *reach = reach_account_ids(c), *sa = json_pack("[s]", "SystemAdministrator");
    if (reach) { /* the rule of can_reach_user: every one of its accounts in reach */
        q.f[q.nf++] = (qfilter_t){"accountIds", Q_WITHIN, reach};
        q.f[q.nf++] = (qfilter_t){"roles", Q_LACKS, sa};
    }
    json_t *v;
    if (json_array_size(v = req_get(c, "accountIds")))
        q.f[q.nf++] = (qfilter_t){"accountIds", Q_HAS_ANY, v};
    const char *ef = req_str(c, "emailFilter");
    json_t *efv = json_string(ef ? ef : "");
    if (ef && *ef)
        q.f[q.nf++] = (qfilter_t){"emailAddress", Q_CONTAINS, efv};
    int rc = list_run(c, C_USERS, &T_UserInfo, &q, present_user);
    json_decref(reach);
    json_decref(sa);
    json_decref(efv);
    return rc;
}

int op_new_user(call_t *c)
{
    const char *account = req_str(c, "accountId"), *email = req_str(c, "emailAddress"), *pw = req_str(c, "password");
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    if (reach_account(c, account, NULL))
        return -1;
    if (!email || !strchr(email, '@') || strlen(email) > 254)
        return fail_field(c, "EmailAddress", "ArgumentException", "A valid EmailAddress is required");
    if (check_password(c, pw, "Password"))
        return -1;
    json_t *roles = req_get(c, "roles");
    if (roles && check_roles(c, roles))
        return -1;
    if (check_access(c, NULL))
        return -1;
    static const char *const access_names[] = {"ReadOnly", "ReadWrite", "ReadWriteDelete"};
    const char *access = req_str(c, "managerAccess");
    if (!access) /* a Manager's new users get its own access, an administrator's all of it */
        access = access_names[(c->who->roles & ROLE_SA) ? ACCESS_DELETE : c->who->access];
    json_t *accounts = json_pack("[s]", account);
    json_t *cids = req_get(c, "customerIds");
    if (cids && check_customers(c, cids, accounts)) {
        json_decref(accounts);
        return -1;
    }
    json_t *existing = store_user_by_email(c->st, email, NULL);
    if (existing) {
        json_decref(existing);
        json_decref(accounts);
        return fail(c, 409, "Conflict", "A user with e-mail '%s' already exists", email);
    }
    json_t *doc = json_pack("{s:s,s:o,s:O,s:O,s:s,s:[]}", "emailAddress", email, "accountIds", accounts, "roles",
                            roles ? roles : json_pack("[s]", "Customer"), "customerIds",
                            cids ? cids : json_array(), "managerAccess", access, "dashboardPermissions");
    if (!roles)
        json_decref(json_object_get(doc, "roles"));
    if (!cids)
        json_decref(json_object_get(doc, "customerIds"));
    static const char *const keys[] = {"firstName", "lastName", NULL};
    patch_fields(c, doc, keys);
    entity_stamp_new(c, doc);
    char hash[crypto_pwhash_STRBYTES];
    int rc = password_hash(pw, hash) ? ST_ERROR : store_put_new(c->st, C_USERS, doc);
    if (!rc)
        rc = store_set_password(c->st, json_string_value(json_object_get(doc, "id")), hash);
    return respond_stored(c, rc, doc, present_user, "user");
}

int op_patch_user(call_t *c)
{
    const char *id = req_str(c, "userId");
    json_t *u;
    if (reach_user(c, id, &u))
        return -1;
    json_t *roles = req_get(c, "roles");
    if (roles && !(c->who->roles & ROLE_SA))
        return fail(c, 403, "Forbidden", "Only a SystemAdministrator may change roles");
    if (roles && check_roles(c, roles))
        return -1;
    if (check_access(c, u))
        return -1;
    json_t *accounts = req_get(c, "accountIds");
    size_t i;
    json_t *v;
    json_array_foreach(accounts, i, v)
    {
        json_t *a = call_get(c, C_ACCOUNTS, json_string_value(v));
        char path[32];
        snprintf(path, sizeof path, "AccountIds[%zu]", i);
        if (!a)
            return fail_field(c, path, "ArgumentException", "Account '%s' does not exist", json_string_value(v));
        if (!can_reach_account(c, a))
            return fail(c, 403, "Forbidden", "You do not have access to account '%s'", json_string_value(v));
    }
    json_t *cids = req_get(c, "customerIds");
    if (cids && check_customers(c, cids, accounts ? accounts : json_object_get(u, "accountIds")))
        return -1;
    const char *pw = req_str(c, "newPassword");
    if (pw && check_password(c, pw, "NewPassword"))
        return -1;
    json_t *doc = json_copy(u);
    static const char *const keys[] = {"accountIds", "firstName", "lastName", "roles", "customerIds",
                                       "managerAccess", "dashboardPermissions", NULL};
    patch_fields(c, doc, keys);
    entity_stamp_mod(c, doc);
    int rc = store_put(c->st, C_USERS, doc);
    if (!rc && pw) {
        char hash[crypto_pwhash_STRBYTES];
        rc = password_hash(pw, hash) ? ST_ERROR : store_set_password(c->st, id, hash);
        if (!rc)
            rc = store_session_delete_user(c->st, id); /* a new password ends the old sessions */
    }
    return respond_stored(c, rc, doc, present_user, "user");
}

int op_delete_user(call_t *c)
{
    const char *id = req_str(c, "userId");
    json_t *u;
    if (reach_user(c, id, &u))
        return -1;
    if (c->who->id && !strcmp(c->who->id, id))
        return fail(c, 409, "Conflict", "You cannot delete your own login");
    const char *ep = json_string_value(json_object_get(u, "endpointId"));
    if (ep) /* a phone user's login goes with its endpoint, which teams name */
        return fail(c, 409, "Conflict", "This login is User endpoint '%s': delete the endpoint instead", ep);
    int rc = store_session_delete_user(c->st, id);
    if (!rc)
        rc = store_delete(c->st, C_USERS, id);
    if (rc)
        return fail_store(c, rc, "user");
    c->status = 204;
    return 0;
}
