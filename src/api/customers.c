/* customers.c — the customer operations: each account's tree of customers, their
 * tags, schedule, billing and app settings, and staging mode.
 *
 * Stored: the CustomerInfo fields a client sets, plus tagIds.  Derived on every read:
 * breadcrumb (walked up the tree, so a move shows at once in the whole subtree),
 * accountName and the resolved tags; a GET or list item may be the wire form of such a
 * read kept from before nothing had changed since (render.c). */
#include "api.h"
#include <stdio.h>
#include <string.h>
#include "routing.h"
#include "validate.h"

enum { MAX_TREE_DEPTH = 1000 };

/* BreadcrumbInfo entries [{id, name}] from the store's root-first [id, name] pairs
 * (taken). */
json_t *breadcrumb_entries(json_t *pairs)
{
    json_t *out = json_array(), *pair;
    size_t i;
    json_array_foreach(pairs, i, pair)
        json_array_append_new(out, json_pack("{s:O,s:O?}", "id", json_array_get(pair, 0), "name", json_array_get(pair, 1)));
    json_decref(pairs);
    return out;
}

/* Root-first [{id,name}] down to the customer doc, memoised per call: the items of a
 * page share their ancestors, so each ancestor is looked up once. */
static json_t *breadcrumb(call_t *c, json_t *doc, int depth)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    const char *parent = json_string_value(json_object_get(doc, "parentCustomerId"));
    char key[64];
    snprintf(key, sizeof key, "path:%s", id ? id : "");
    json_t *path = memo_get(c, key);
    if (path)
        return json_incref(path);
    if (parent && *parent && depth < MAX_TREE_DEPTH) {
        char pkey[64];
        snprintf(pkey, sizeof pkey, "path:%s", parent);
        json_t *above = memo_get(c, pkey);
        if (!above) {
            json_t *p = breadcrumb_entries(store_path(c->st, C_CUSTOMERS, parent, MAX_TREE_DEPTH - depth));
            if (store_errcode(c->st))
                return p; /* failed (empty): not worth remembering; the transaction will not commit */
            above = memo_put(c, pkey, p);
        }
        path = json_copy(above);
    } else {
        path = json_array();
    }
    json_array_append_new(path, json_pack("{s:s?,s:O?}", "id", id, "name", json_object_get(doc, "name")));
    return json_incref(memo_put(c, key, path));
}

/* The breadcrumbs above a page of customers, read at once and memoised as breadcrumb()
 * would: one query for the page instead of one per parent.  When it fails, breadcrumb()
 * asks again per customer (and that failure fails the call). */
static void prepare_breadcrumbs(call_t *c, json_t *rows)
{
    json_t *parents = json_array(), *doc;
    size_t i;
    json_array_foreach(rows, i, doc)
    {
        const char *parent = json_string_value(json_object_get(doc, "parentCustomerId"));
        char key[64];
        snprintf(key, sizeof key, "path:%s", parent ? parent : "");
        if (parent && *parent && !memo_get(c, key))
            json_array_append_new(parents, json_string(parent));
    }
    json_t *paths = json_array_size(parents) ? store_paths(c->st, C_CUSTOMERS, parents, MAX_TREE_DEPTH) : NULL;
    const char *id;
    json_t *pairs;
    if (paths && !store_errcode(c->st))
        json_object_foreach(paths, id, pairs)
        {
            char key[64];
            snprintf(key, sizeof key, "path:%s", id);
            memo_put(c, key, breadcrumb_entries(json_incref(pairs)));
        }
    json_decref(paths);
    json_decref(parents);
}

json_t *present_customer(call_t *c, json_t *doc)
{
    json_t *out = json_copy(doc) /* shallow: only top-level keys change */;
    json_object_del(out, "tagIds");
    const char *account = json_string_value(json_object_get(doc, "accountId"));
    json_t *an = account_name(c, account);
    if (an)
        json_object_set(out, "accountName", an);
    json_object_set_new(out, "breadcrumb", breadcrumb(c, doc, 0));
    json_object_set_new(out, "tags", resolve_tags(c, account, json_object_get(doc, "tagIds")));
    return out;
}

static int is_customer_role(call_t *c) { return !(c->who->roles & (ROLE_SA | ROLE_MANAGER)); }

/* A new parent: exists, same account, reachable, and not the customer itself or below it. */
static int check_parent(call_t *c, const char *account_id, const char *parent_id, const char *self_id)
{
    json_t *p = call_get(c, C_CUSTOMERS, parent_id);
    if (!p)
        return fail_field(c, "ParentCustomerId", "ArgumentException", "Customer '%s' does not exist", parent_id);
    const char *pa = json_string_value(json_object_get(p, "accountId"));
    if (!pa || strcmp(pa, account_id))
        return fail_field(c, "ParentCustomerId", "ArgumentException",
                          "The parent customer must belong to the same account");
    if (!can_reach_customer(c, p))
        return fail(c, 403, "Forbidden", "You do not have access to customer '%s'", parent_id);
    json_t *cur = p;
    for (int d = 0; self_id && cur && d < MAX_TREE_DEPTH; d++) {
        const char *id = json_string_value(json_object_get(cur, "id"));
        if (id && !strcmp(id, self_id))
            return fail_field(c, "ParentCustomerId", "ArgumentException",
                              "A customer cannot become its own ancestor");
        cur = call_get(c, C_CUSTOMERS, json_string_value(json_object_get(cur, "parentCustomerId")));
    }
    return 0;
}

static int put_and_present(call_t *c, json_t *doc, int created)
{
    int rc = created ? store_put_new(c->st, C_CUSTOMERS, doc) : store_put(c->st, C_CUSTOMERS, doc);
    /* later reads in this call must see the new version */
    char key[64];
    snprintf(key, sizeof key, "%d:%s", (int)C_CUSTOMERS, json_string_value(json_object_get(doc, "id")));
    if (c->memo) {
        json_object_del(c->memo, key);
        snprintf(key, sizeof key, "path:%s", json_string_value(json_object_get(doc, "id")));
        json_object_del(c->memo, key);
    }
    return respond_stored(c, rc, doc, present_customer, "customer");
}

int op_list_customers(call_t *c)
{
    query_t q = {0};
    json_t *owned[4] = {0};
    int no = 0;
    if (!(c->who->roles & ROLE_SA)) {
        if (is_customer_role(c))
            owned[no] = reach_customer_ids(c), q.f[q.nf++] = (qfilter_t){"id", Q_IN, owned[no++]};
        else
            owned[no] = reach_account_ids(c), q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, owned[no++]};
    }
    json_t *v;
    if (json_array_size(v = req_get(c, "accountIds")))
        q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, v};
    const char *nf = req_str(c, "nameFilter");
    json_t *nfv = json_string(nf ? nf : "");
    if (nf && *nf)
        q.f[q.nf++] = (qfilter_t){"name", Q_CONTAINS, nfv};
    json_t *parents = req_get(c, "parentCustomerIds");
    if (json_array_size(parents)) {
        if (json_is_true(req_get(c, "shallowParent"))) {
            q.f[q.nf++] = (qfilter_t){"parentCustomerId", Q_IN, parents};
        } else {
            json_t *sub = store_subtree(c->st, C_CUSTOMERS, parents);
            if (store_errcode(c->st)) {
                json_decref(sub);
                for (int i = 0; i < no; i++)
                    json_decref(owned[i]);
                json_decref(nfv);
                return fail_store(c, store_errcode(c->st), "customers");
            }
            size_t i, j;
            json_t *x, *y;
            json_t *desc = json_array(); /* descendants, without the given parents themselves */
            json_array_foreach(sub, i, x)
            {
                int root = 0;
                json_array_foreach(parents, j, y) if (json_equal(x, y)) root = 1;
                if (!root)
                    json_array_append(desc, x);
            }
            json_decref(sub);
            owned[no] = desc;
            q.f[q.nf++] = (qfilter_t){"id", Q_IN, owned[no++]};
        }
    }
    if (json_array_size(v = req_get(c, "tagIds")))
        q.f[q.nf++] = (qfilter_t){"tagIds", Q_HAS_ALL, v};
    int rc = list_run_cached(c, C_CUSTOMERS, &T_CustomerInfo, &q, prepare_breadcrumbs, present_customer);
    for (int i = 0; i < no; i++)
        json_decref(owned[i]);
    json_decref(nfv);
    return rc;
}

int op_get_customer(call_t *c)
{
    json_t *cu;
    if (reach_customer(c, req_str(c, "customerId"), &cu))
        return -1;
    c->resp = render_present(c, C_CUSTOMERS, &T_CustomerInfo, cu, present_customer);
    return 0;
}

int op_new_customer(call_t *c)
{
    const char *account = req_str(c, "accountId");
    const char *parent = req_str(c, "parentCustomerId");
    if ((!account || !*account) && parent && *parent) { /* the parent's account */
        json_t *p = call_get(c, C_CUSTOMERS, parent);
        account = p ? json_string_value(json_object_get(p, "accountId")) : NULL;
    }
    if ((!account || !*account) && json_array_size(json_object_get(c->who->user, "accountIds")) == 1)
        account = json_string_value(json_array_get(json_object_get(c->who->user, "accountIds"), 0));
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    json_t *a = call_get(c, C_ACCOUNTS, account);
    if (!a)
        return fail_field(c, "AccountId", "ArgumentException", "Account '%s' does not exist", account);
    if (!can_reach_account(c, a) && !(is_customer_role(c) && parent && *parent))
        return fail(c, 403, "Forbidden", "You do not have access to account '%s'", account);
    const char *name = req_str(c, "name");
    if (!name || !*name)
        return fail_field(c, "Name", "ArgumentException", "Name is required");
    if (parent && *parent) {
        if (check_parent(c, account, parent, NULL))
            return -1;
    } else if (is_customer_role(c)) {
        return fail(c, 403, "Forbidden", "Customer logins cannot create top-level customers");
    }
    json_t *doc = json_pack("{s:s,s:s}", "accountId", account, "name", name);
    if (parent && *parent)
        json_object_set_new(doc, "parentCustomerId", json_string(parent));
    if (req_str(c, "referenceId") && *req_str(c, "referenceId"))
        json_object_set(doc, "referenceId", req_get(c, "referenceId"));
    json_t *data = req_get(c, "data");
    json_object_set_new(doc, "isStaging", json_false());
    json_object_set_new(doc, "data", data ? json_incref(data) : json_object());
    json_object_set_new(doc, "tagIds", json_array());
    json_object_set_new(doc, "schedule", json_pack("{s:b,s:b,s:[]}", "inherit", 1, "forceClosed", 0, "rules"));
    json_object_set_new(doc, "integrationData", json_object());
    json_object_set_new(doc, "overrideBillingSettings", json_false());
    json_object_set_new(doc, "overrideAppSettings", json_false());
    entity_stamp_new(c, doc);
    return put_and_present(c, doc, 1);
}

int op_patch_customer(call_t *c)
{
    const char *id = req_str(c, "customerId");
    json_t *cu;
    if (reach_customer(c, id, &cu))
        return -1;
    const char *account = json_string_value(json_object_get(cu, "accountId"));
    const char *name = req_str(c, "name");
    if (name && !*name)
        return fail_field(c, "Name", "ArgumentException", "Name cannot be empty");
    const char *parent = req_str(c, "parentCustomerId");
    if (parent) {
        if (*parent) {
            if (check_parent(c, account, parent, id))
                return -1;
        } else if (is_customer_role(c)) {
            return fail(c, 403, "Forbidden", "Customer logins cannot move a customer to the top level");
        }
    }
    json_t *tags = req_get(c, "tagIds");
    if (tags && validate_tag_ids(c, account, tags))
        return -1;
    json_t *sched = req_get(c, "schedule");
    if (sched && validate_customer_schedule(c, sched, "Schedule"))
        return -1;
    json_t *doc = json_copy(cu);
    static const char *const keys[] = {"name", "parentCustomerId", "referenceId", "data", "tagIds", "schedule",
                                       "overrideBillingSettings", "billingSettings", "overrideAppSettings",
                                       "appSettings", NULL};
    patch_fields(c, doc, keys);
    entity_stamp_mod(c, doc);
    return put_and_present(c, doc, 0);
}

int op_delete_customer(call_t *c)
{
    const char *id = req_str(c, "customerId");
    if (reach_customer(c, id, NULL) ||
        refuse_if_any(c, C_CUSTOMERS, "parentCustomerId", id, "The customer still has child customers") ||
        refuse_if_any(c, C_ENDPOINTS, "customerId", id, "The customer still has endpoints") ||
        refuse_if_any(c, C_FLOWS, "customerId", id, "The customer still has flows"))
        return -1;
    int rc = store_delete(c->st, C_CUSTOMERS, id);
    if (rc)
        return fail_store(c, rc, "customer");
    c->status = 204;
    return 0;
}

int op_set_customer_staging_mode(call_t *c)
{
    const char *id = req_str(c, "customerId");
    json_t *cu;
    if (reach_customer(c, id, &cu))
        return -1;
    int staging = json_is_true(req_get(c, "isStaging"));
    json_t *doc = json_copy(cu);
    json_object_set_new(doc, "isStaging", json_boolean(staging));
    entity_stamp_mod(c, doc);
    /* the flag and the carrier updates it needs commit together; the worker applies them */
    int rc = routing_enqueue_customer(c, id, staging);
    if (rc) {
        json_decref(doc);
        return fail_store(c, rc, "routing");
    }
    routing_wake();
    return put_and_present(c, doc, 0);
}
