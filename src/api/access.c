/* access.c — the tenant rules: which accounts and customers a caller reaches.
 *   SystemAdministrator: everything.
 *   Manager: the accounts in its accountIds, their child accounts, and all under them.
 *   Customer: the customers in its customerIds and their descendants.
 * Outside reach is 403; a missing resource is 404 (checked first). */
#include "api.h"
#include <ctype.h>
#include <string.h>
#include "../util/json.h"

static int is_sa(call_t *c) { return c->who->roles & ROLE_SA; }
static int is_manager(call_t *c) { return !is_sa(c) && (c->who->roles & ROLE_MANAGER); }

int can_reach_account(call_t *c, json_t *account)
{
    if (is_sa(c))
        return 1;
    json_t *mine = json_object_get(c->who->user, "accountIds");
    if (jlist_has(mine, json_string_value(json_object_get(account, "id"))))
        return 1;
    size_t i;
    json_t *v;
    if (is_manager(c))
        json_array_foreach(json_object_get(account, "ancestorIds"), i, v) if (jlist_has(mine, json_string_value(v))) return 1;
    return 0;
}

int can_reach_customer(call_t *c, json_t *customer)
{
    if (is_sa(c))
        return 1;
    if (is_manager(c))
        return can_reach_account(c, call_get(c, C_ACCOUNTS, json_string_value(json_object_get(customer, "accountId"))));
    json_t *mine = json_object_get(c->who->user, "customerIds");
    json_t *cur = customer;
    for (int depth = 0; cur && depth < 1000; depth++) {
        if (jlist_has(mine, json_string_value(json_object_get(cur, "id"))))
            return 1;
        cur = call_get(c, C_CUSTOMERS, json_string_value(json_object_get(cur, "parentCustomerId")));
    }
    return 0;
}

int reach(call_t *c, coll_t coll, const char *id, const char *noun, int (*can)(call_t *, json_t *), json_t **out)
{
    json_t *d = call_get(c, coll, id);
    if (!d)
        return fail(c, 404, "NotFound", "%c%s '%s' not found", toupper((unsigned char)noun[0]), noun + 1, id ? id : "");
    if (!can(c, d))
        return fail(c, 403, "Forbidden", "You do not have access to %s '%s'", noun, id);
    if (out)
        *out = d;
    return 0;
}

int reach_account(call_t *c, const char *id, json_t **out) { return reach(c, C_ACCOUNTS, id, "account", can_reach_account, out); }
int reach_customer(call_t *c, const char *id, json_t **out) { return reach(c, C_CUSTOMERS, id, "customer", can_reach_customer, out); }

int reach_account_level(call_t *c, const char *account_id, const char *what)
{
    if (!account_id || !*account_id)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    if (reach_account(c, account_id, NULL))
        return -1;
    if (!(c->who->roles & (ROLE_SA | ROLE_MANAGER)))
        return fail(c, 403, "Forbidden", "Customer logins cannot %s", what);
    return 0;
}

json_t *reach_account_ids(call_t *c)
{
    if (is_sa(c))
        return NULL;
    json_t *mine = json_object_get(c->who->user, "accountIds");
    if (!mine)
        return json_array();
    if (is_manager(c))
        return store_subtree(c->st, C_ACCOUNTS, mine);
    return json_copy(mine);
}

json_t *reach_customer_ids(call_t *c)
{
    json_t *mine = json_object_get(c->who->user, "customerIds");
    return mine ? store_subtree(c->st, C_CUSTOMERS, mine) : json_array();
}
