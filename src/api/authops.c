/* authops.c — login (credentials), logout and the caller's status. */
#include "api.h"
#include <string.h>
#include <strings.h>
#include "../util/ids.h"

enum { SESSION_DAYS = 14, REMEMBER_DAYS = 365, ADMIN_ACCOUNTS = 1000 };

json_t *present_user(call_t *c, json_t *doc); /* users.c */

static json_t *auth_response(principal_t *p, const char *sid)
{
    json_t *u = p->user;
    const char *fn = json_string_value(json_object_get(u, "firstName"));
    const char *ln = json_string_value(json_object_get(u, "lastName"));
    char display[256];
    snprintf(display, sizeof display, "%s%s%s", fn ? fn : "", fn && ln ? " " : "", ln ? ln : "");
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:[]}", "userId", p->id, "sessionId", sid, "userName", p->email,
                     "displayName", *display ? display : p->email, "bearerToken", sid, "roles",
                     json_object_get(u, "roles"), "permissions");
}

/* The session's row in a write transaction of its own (sid NULL: the caller's session ends). */
static int session_write(call_t *c, const char *sid, const char *user_id, long long expires_ms)
{
    int rc = store_begin(c->st, 1);
    if (!rc) {
        rc = sid ? store_session_put(c->st, sid, user_id, expires_ms) : store_session_delete(c->st, c->session_in);
        rc = rc == ST_NOTFOUND ? ST_OK : rc; /* signing out of a session already gone */
        rc = rc ? rc : store_commit(c->st);
        if (rc)
            store_rollback(c->st);
    }
    return rc;
}

/* Its own transactions (OP_OWN_TXN): the password is checked before the session is written,
 * so the writer is never held while argon2id runs. */
int op_authenticate(call_t *c)
{
    const char *provider = req_str(c, "provider");
    if (provider && !strcasecmp(provider, "logout")) {
        if (c->session_in && *c->session_in)
            session_write(c, NULL, NULL, 0);
        c->session_end = 1;
        c->resp = json_object();
        return 0;
    }
    if (provider && *provider && strcasecmp(provider, "credentials") && strcasecmp(provider, "basic"))
        return fail_field(c, "Provider", "NotSupported", "Authentication provider '%s' is not supported", provider);
    const char *user = req_str(c, "userName"), *pw = req_str(c, "password");
    principal_t login = {0};
    principal_t *p = c->who;
    if (user || pw) {
        if (!user || !*user)
            return fail_field(c, "UserName", "ArgumentException", "UserName is required");
        if (!pw || !*pw)
            return fail_field(c, "Password", "ArgumentException", "Password is required");
        long wait = 0;
        int a = auth_login(c->st, user, pw, c->client, &login, &wait);
        if (a == AUTH_THROTTLED)
            return fail_throttled(c, wait);
        if (a == AUTH_UNAVAILABLE)
            return fail_store(c, ST_BUSY, "user");
        if (a != AUTH_OK)
            return fail(c, 401, "Unauthorized", "Invalid Username or Password");
        p = &login;
    } else if (!p->user) {
        return fail(c, 401, "Unauthorized", "Not Authenticated");
    }
    char sid[21];
    token_new(sid, 20);
    int remember = json_is_true(req_get(c, "rememberMe"));
    int rc = session_write(c, sid, p->id, now_ms() + 86400000LL * (remember ? REMEMBER_DAYS : SESSION_DAYS));
    if (rc) {
        principal_free(&login);
        return fail_store(c, rc, "session");
    }
    snprintf(c->session_out, sizeof c->session_out, "%s", sid);
    c->session_remember = remember;
    c->resp = auth_response(p, sid);
    principal_free(&login);
    return 0;
}

/* A SystemAdministrator reaches every account, and a client picks its working account
 * from accountIds/accountNames, as the original lists them: every account, by name (then
 * id), in one query, at most ADMIN_ACCOUNTS of them (the first by name past that). */
static int admin_accounts(call_t *c, json_t *out)
{
    query_t q = {.sort = "name", .limit = ADMIN_ACCOUNTS};
    json_t *rows;
    int rc = store_list(c->st, C_ACCOUNTS, &q, &rows, NULL);
    if (rc)
        return fail_store(c, rc, "accounts");
    json_t *ids = json_array(), *names = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(rows, i, a)
    {
        json_array_append(ids, json_object_get(a, "id"));
        json_array_append(names, json_object_get(a, "name"));
    }
    json_decref(rows);
    json_object_set_new(out, "accountIds", ids);
    json_object_set_new(out, "accountNames", names);
    return 0;
}

int op_get_auth_status(call_t *c)
{
    if (!c->who->user)
        return 0; /* nobody: no content */
    c->resp = present_user(c, c->who->user);
    json_object_set_new(c->resp, "isAuthenticated", json_true());
    if ((c->who->roles & ROLE_SA) && admin_accounts(c, c->resp)) {
        json_decref(c->resp);
        c->resp = NULL;
        return -1;
    }
    return 0;
}
