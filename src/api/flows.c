/* flows.c — the flow operations: an account's (or one of its customers') call flows,
 * their structural checks, copies, and the references endpoints and other flows make
 * to them.
 *
 * Stored: the FlowInfo fields a client sets, tagIds, and two derived lists the store
 * filters on: nodeTypes (each node's spec name and typeName) and flowRefs (the flows its
 * sub-flow nodes run).  Derived on every read: accountName, customerName,
 * customerBreadcrumb, the resolved tags and nodeCount.
 *
 * Reach is an endpoint's: a Manager reaches the flows of its accounts; a Customer login
 * the flows scoped to its customers (and their descendants), not account-level ones. */
#include "api.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "flows.h"
#include "nodes.h"
#include "validate.h"
#include "../util/json.h"

enum { MAX_TREE_DEPTH = 1000, MAX_SCAN = 100000 };

static int is_customer_role(call_t *c) { return !(c->who->roles & (ROLE_SA | ROLE_MANAGER)); }

json_t *present_flow(call_t *c, json_t *doc)
{
    json_t *out = json_copy(doc); /* shallow: only top-level keys change */
    json_object_del(out, "tagIds");
    json_object_del(out, "nodeTypes");
    json_object_del(out, "flowRefs");
    const char *account = jstr(doc, "accountId");
    json_t *an = account_name(c, account);
    if (an)
        json_object_set(out, "accountName", an);
    const char *cid = jstr(doc, "customerId");
    json_t *cu = cid && *cid ? call_get(c, C_CUSTOMERS, cid) : NULL;
    if (cu) {
        json_object_set(out, "customerName", json_object_get(cu, "name"));
        json_object_set_new(out, "customerBreadcrumb",
                            breadcrumb_entries(store_path(c->st, C_CUSTOMERS, cid, MAX_TREE_DEPTH)));
    }
    json_object_set_new(out, "tags", resolve_tags(c, account, json_object_get(doc, "tagIds")));
    json_object_set_new(out, "nodeCount", json_integer((json_int_t)json_array_size(json_object_get(doc, "nodes"))));
    return out;
}

/* In lists the nodes are left out unless includeNodes. */
static json_t *present_flow_item(call_t *c, json_t *doc)
{
    json_t *out = present_flow(c, doc);
    if (!json_is_true(req_get(c, "includeNodes")))
        json_object_del(out, "nodes");
    return out;
}

int can_reach_flow(call_t *c, json_t *flow)
{
    if (c->who->roles & ROLE_SA)
        return 1;
    if (c->who->roles & ROLE_MANAGER)
        return can_reach_account(c, call_get(c, C_ACCOUNTS, jstr(flow, "accountId")));
    const char *cid = jstr(flow, "customerId");
    json_t *cu = cid && *cid ? call_get(c, C_CUSTOMERS, cid) : NULL;
    return cu && can_reach_customer(c, cu);
}

int reach_flow(call_t *c, const char *id, json_t **out) { return reach(c, C_FLOWS, id, "flow", can_reach_flow, out); }

int check_flow_ref(call_t *c, const char *account_id, const char *flow_id, const char *field)
{
    if (!flow_id || !*flow_id)
        return 0;
    json_t *f = call_get(c, C_FLOWS, flow_id);
    if (!f && store_failed(c->st))
        return fail_store(c, store_failed(c->st), "flow");
    if (!f || strcmp(jstr(f, "accountId") ?: "", account_id ?: ""))
        return fail_field(c, field, "ArgumentException", "'%s' is not a flow of this account", flow_id);
    if (!can_reach_flow(c, f))
        return fail(c, 403, "Forbidden", "You do not have access to flow '%s'", flow_id);
    return 0;
}

/* ------------------------------------------------------------------ structural checks */

typedef struct {
    call_t *c;
    const char *prefix; /* "" or "Package.Flows[2]." */
    json_t *param_ids;  /* set of node parameter ids seen */
    json_t *targets;    /* node ids and exit names */
    int bad;
} vctx_t;

static int vfail(vctx_t *v, const char *path, const char *fmt, const char *a)
{
    char full[512], msg[512];
    snprintf(full, sizeof full, "%s%s", v->prefix, path);
    snprintf(msg, sizeof msg, fmt, a ? a : "");
    fail_field(v->c, full, "ArgumentException", "%s", msg);
    v->bad = 1;
    return -1;
}

static void check_params(vctx_t *v, json_t *map, const char *path, int transitions);

static void check_param(vctx_t *v, json_t *p, const char *path, int transitions)
{
    char sub[400];
    const char *id = jstr(p, "id");
    snprintf(sub, sizeof sub, "%s.Id", path);
    if (!id || !*id)
        vfail(v, sub, "Every node parameter needs an id", NULL);
    else if (json_object_get(v->param_ids, id))
        vfail(v, sub, "The parameter id '%s' is used twice in the flow", id);
    else
        json_object_set_new(v->param_ids, id, json_true());
    const char *type = jstr(p, "type");
    if (transitions && type && !strcmp(type, "Transition")) {
        const char *to = jstr(json_object_get(p, "value"), "stringValue");
        snprintf(sub, sizeof sub, "%s.Value", path);
        if (to && *to && !json_object_get(v->targets, to))
            vfail(v, sub, "The transition goes to '%s', which is neither a node nor an exit of the flow", to);
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(p, "listParameters"), i, m)
    {
        snprintf(sub, sizeof sub, "%s.ListParameters[%zu]", path, i);
        check_params(v, m, sub, 0);
    }
    snprintf(sub, sizeof sub, "%s.StructParameters", path);
    check_params(v, json_object_get(p, "structParameters"), sub, 0);
}

static void check_params(vctx_t *v, json_t *map, const char *path, int transitions)
{
    const char *key;
    json_t *p;
    json_object_foreach(map, key, p)
    {
        char sub[400];
        snprintf(sub, sizeof sub, "%s[%s]", path, key);
        check_param(v, p, sub, transitions);
    }
}

static int node_reaches(json_t *node, json_t *seen, json_t *by_id);

/* Warnings (logged, never refused): no name, nodes not reachable from the start. */
static void warn(call_t *c, json_t *flow, json_t *by_id, json_t *start)
{
    const char *name = jstr(flow, "name");
    if (!name || !*name)
        fprintf(stderr, "evovoiced: flow %s: warning: the flow has no name\n", jstr(flow, "id") ?: "(new)");
    if (!start)
        return;
    json_t *seen = json_object();
    node_reaches(start, seen, by_id);
    const char *id;
    json_t *n;
    json_object_foreach(by_id, id, n) if (!json_object_get(seen, id))
        fprintf(stderr, "evovoiced: flow %s: warning: node '%s' cannot be reached from the start node\n",
                jstr(flow, "id") ?: "(new)", id);
    json_decref(seen);
}

static int node_reaches(json_t *node, json_t *seen, json_t *by_id)
{
    const char *id = jstr(node, "id");
    if (!id || json_object_get(seen, id) || json_object_size(seen) > MAX_SCAN)
        return 0;
    json_object_set_new(seen, id, json_true());
    const char *k;
    json_t *p;
    json_object_foreach(json_object_get(node, "parameters"), k, p)
    {
        const char *type = jstr(p, "type");
        if (!type || strcmp(type, "Transition") || json_is_true(json_object_get(p, "isAsync")))
            continue;
        json_t *next = json_object_get(by_id, jstr(json_object_get(p, "value"), "stringValue") ?: "");
        if (next)
            node_reaches(next, seen, by_id);
    }
    return 0;
}

/* FLOWS.md 2.4's seven checks, and that sub-flow nodes run flows of the account (or,
 * with package_ids, flows of the package).  0, or -1 with every bad field named. */
int validate_flow(call_t *c, json_t *flow, const char *account_id, const char *prefix, json_t *package_ids)
{
    vctx_t v = {c, prefix, json_object(), json_object(), 0};
    json_t *nodes = json_object_get(flow, "nodes"), *by_id = json_object(), *n, *start = NULL;
    json_t *params = json_object_get(flow, "parameters"), *exits = json_object_get(flow, "exits"), *x;
    size_t i;
    char path[400];
    json_array_foreach(nodes, i, n) if (jstr(n, "id") && *jstr(n, "id")) json_object_set_new(v.targets, jstr(n, "id"), json_true());
    json_array_foreach(exits, i, x) if (jstr(x, "name") && *jstr(x, "name")) json_object_set_new(v.targets, jstr(x, "name"), json_true());
    /* 1: exactly one start node */
    int starts = 0;
    json_array_foreach(nodes, i, n) if (json_is_true(json_object_get(n, "isStartNode")))
    {
        if (starts++) {
            snprintf(path, sizeof path, "Nodes[%zu].IsStartNode", i);
            vfail(&v, path, "Only one node can be the start node%s", NULL);
        } else {
            start = n;
        }
    }
    if (json_array_size(nodes) && !starts)
        vfail(&v, "Nodes", "A flow with nodes needs exactly one start node (isStartNode)%s", NULL);
    json_array_foreach(nodes, i, n)
    {
        /* 2: ids, unique */
        const char *id = jstr(n, "id");
        snprintf(path, sizeof path, "Nodes[%zu].Id", i);
        if (!id || !*id)
            vfail(&v, path, "Every node needs an id%s", NULL);
        else if (json_object_get(by_id, id))
            vfail(&v, path, "The node id '%s' is used twice", id);
        else
            json_object_set(by_id, id, n);
        /* 3: a handler */
        const char *url = jstr(json_object_get(n, "spec"), "url");
        snprintf(path, sizeof path, "Nodes[%zu].Spec.Url", i);
        char fid[64];
        if (!url || !*url)
            vfail(&v, path, "Every node needs spec.url (its handler)%s", NULL);
        else if (node_subflow_id(url, fid, sizeof fid)) {
            if (package_ids ? !json_object_get(package_ids, fid) : 0)
                vfail(&v, path, "The sub-flow '%s' is not in the package", fid);
            else if (!package_ids) {
                json_t *f = call_get(c, C_FLOWS, fid);
                if (!f || strcmp(jstr(f, "accountId") ?: "", account_id ?: ""))
                    vfail(&v, path, "The sub-flow '%s' is not a flow of this account", fid);
            }
        }
        /* 4, 5: parameter ids unique in the flow; transitions go somewhere */
        snprintf(path, sizeof path, "Nodes[%zu].Parameters", i);
        check_params(&v, json_object_get(n, "parameters"), path, 1);
    }
    /* 6: the flow's parameters */
    json_t *names = json_object(), *p;
    json_array_foreach(params, i, p)
    {
        const char *name = jstr(p, "name"), *type = jstr(p, "type");
        snprintf(path, sizeof path, "Parameters[%zu].Name", i);
        if (!name || !*name)
            vfail(&v, path, "Every flow parameter needs a name%s", NULL);
        else if (json_object_get(names, name))
            vfail(&v, path, "The parameter name '%s' is used twice", name);
        else
            json_object_set_new(names, name, json_true());
        snprintf(path, sizeof path, "Parameters[%zu].Type", i);
        if (type && (!strcmp(type, "Struct") || !strcmp(type, "Transition")))
            vfail(&v, path, "A flow parameter cannot be of type %s", type);
        snprintf(path, sizeof path, "Parameters[%zu].ListType", i);
        if (type && !strcmp(type, "List") && !json_is_object(json_object_get(p, "listType")))
            vfail(&v, path, "A List parameter needs listType%s", NULL);
        snprintf(path, sizeof path, "Parameters[%zu].IsPublic", i);
        if (json_is_true(json_object_get(p, "isOutput")) && !json_is_true(json_object_get(p, "isPublic")))
            vfail(&v, path, "An output parameter must be public%s", NULL);
    }
    /* 7: exits and parameters do not share names */
    json_array_foreach(exits, i, x)
    {
        const char *name = jstr(x, "name");
        snprintf(path, sizeof path, "Exits[%zu].Name", i);
        if (name && json_object_get(names, name))
            vfail(&v, path, "The exit '%s' has the name of a flow parameter", name);
    }
    if (!v.bad)
        warn(c, flow, by_id, start);
    json_decref(names);
    json_decref(by_id);
    json_decref(v.param_ids);
    json_decref(v.targets);
    return v.bad ? -1 : 0;
}

/* The derived lists the store filters on (see the top of this file). */
static void derive(json_t *doc)
{
    json_t *types = json_array(), *refs = json_array(), *n;
    size_t i;
    json_array_foreach(json_object_get(doc, "nodes"), i, n)
    {
        json_t *spec = json_object_get(n, "spec");
        for (const char *const *k = (const char *const[]){"name", "typeName", NULL}; *k; k++)
            if (jstr(spec, *k) && *jstr(spec, *k))
                json_array_append_new(types, json_string(jstr(spec, *k)));
        char fid[64];
        if (node_subflow_id(jstr(spec, "url"), fid, sizeof fid) && *fid)
            json_array_append_new(refs, json_string(fid));
    }
    json_object_set_new(doc, "nodeTypes", types);
    json_object_set_new(doc, "flowRefs", refs);
}

int put_flow(call_t *c, json_t *doc)
{
    derive(doc);
    int rc = store_put(c->st, C_FLOWS, doc);
    if (c->memo) { /* later reads in this call see the new version */
        char key[64];
        snprintf(key, sizeof key, "%d:%s", (int)C_FLOWS, jstr(doc, "id"));
        json_object_del(c->memo, key);
    }
    return rc;
}

/* ------------------------------------------------------------------ operations */

int op_list_flows(call_t *c)
{
    query_t q = {0};
    json_t *owned[3] = {0};
    int no = 0;
    if (!(c->who->roles & ROLE_SA)) {
        if (is_customer_role(c))
            owned[no] = reach_customer_ids(c), q.f[q.nf++] = (qfilter_t){"customerId", Q_IN, owned[no++]};
        else
            owned[no] = reach_account_ids(c), q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, owned[no++]};
    }
    json_t *v;
    if (json_array_size(v = req_get(c, "accountIds")))
        q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, v};
    if (json_array_size(v = req_get(c, "customerIds")))
        q.f[q.nf++] = (qfilter_t){"customerId", Q_IN, v};
    if ((v = req_get(c, "nameFilter")) && json_string_length(v))
        q.f[q.nf++] = (qfilter_t){"name", Q_CONTAINS, v};
    if (json_array_size(v = req_get(c, "tagIds")))
        q.f[q.nf++] = (qfilter_t){"tagIds", Q_HAS_ALL, v};
    if ((v = req_get(c, "role")) && json_is_string(v)) {
        owned[no] = json_pack("[O]", v);
        q.f[q.nf++] = (qfilter_t){"roles", Q_HAS_ALL, owned[no++]};
    }
    if ((v = req_get(c, "nodeTypeFilter")) && json_string_length(v)) {
        owned[no] = json_pack("[O]", v);
        q.f[q.nf++] = (qfilter_t){"nodeTypes", Q_HAS_ANY, owned[no++]};
    }
    int rc = list_run(c, C_FLOWS, &T_FlowInfo, &q, present_flow_item);
    for (int k = 0; k < no; k++)
        json_decref(owned[k]);
    return rc;
}

int op_get_flow(call_t *c)
{
    json_t *f;
    if (reach_flow(c, req_str(c, "flowId"), &f))
        return -1;
    c->resp = present_flow(c, f);
    return 0;
}

/* A flow's customer: of the account and reachable; "" or NULL: account level, which a
 * Customer login may not use. */
static int check_flow_customer(call_t *c, const char *account, const char *cid)
{
    if (cid && *cid) {
        json_t *cu = call_get(c, C_CUSTOMERS, cid);
        if (!cu || strcmp(jstr(cu, "accountId") ?: "", account))
            return fail_field(c, "CustomerId", "ArgumentException", "'%s' is not a customer of account '%s'", cid, account);
        if (!can_reach_customer(c, cu))
            return fail(c, 403, "Forbidden", "You do not have access to customer '%s'", cid);
    } else if (is_customer_role(c)) {
        return fail(c, 403, "Forbidden", "Customer logins keep flows with one of their customers (customerId)");
    }
    return 0;
}

int op_new_flow(call_t *c)
{
    const char *account = req_str(c, "accountId"), *cid = req_str(c, "customerId");
    if ((!account || !*account) && cid && *cid)
        account = jstr(call_get(c, C_CUSTOMERS, cid), "accountId");
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    const char *name = req_str(c, "name");
    if (!name || !*name)
        return fail_field(c, "Name", "ArgumentException", "A new flow needs a name");
    if (reach_account(c, account, NULL) || check_flow_customer(c, account, cid))
        return -1;
    json_t *tags = req_get(c, "tagIds");
    if (tags && validate_tag_ids(c, account, tags))
        return -1;
    if (validate_flow(c, c->req, account, "", NULL))
        return -1;
    json_t *doc = json_object();
    json_object_set_new(doc, "accountId", json_string(account));
    static const char *const keys[] = {"customerId", "name", "roles", "description", "notes", "nodes",
                                       "parameters", "exits", "ui", "tagIds", NULL};
    for (const char *const *k = keys; *k; k++) {
        json_t *x = req_get(c, *k);
        if (x && !json_is_null(x) && !(json_is_string(x) && !json_string_length(x)))
            json_object_set(doc, *k, x);
    }
    entity_stamp_new(c, doc);
    return respond_stored(c, put_flow(c, doc), doc, present_flow, "flow");
}

int op_patch_flow(call_t *c)
{
    json_t *f;
    if (reach_flow(c, req_str(c, "flowId"), &f))
        return -1;
    const char *account = jstr(f, "accountId"), *cid = req_str(c, "customerId");
    if (cid && check_flow_customer(c, account, cid))
        return -1;
    json_t *tags = req_get(c, "tagIds");
    if (tags && validate_tag_ids(c, account, tags))
        return -1;
    json_t *doc = json_copy(f);
    static const char *const keys[] = {"name", "description", "notes", "customerId", "roles", "tagIds",
                                       "nodes", "parameters", "exits", "ui", NULL};
    patch_fields(c, doc, keys);
    if (validate_flow(c, doc, account, "", NULL)) {
        json_decref(doc);
        return -1;
    }
    entity_stamp_mod(c, doc);
    return respond_stored(c, put_flow(c, doc), doc, present_flow, "flow");
}

/* Who uses flow id (an endpoint's flowId or scheduledFlows, another flow's sub-flow
 * node): 0 when nobody, else 409 naming one. */
static int refuse_if_used(call_t *c, json_t *flow)
{
    const char *id = jstr(flow, "id");
    json_t *acc = json_object_get(flow, "accountId"), *ids = json_pack("[s]", id), *rows = NULL, *r;
    query_t q = {0};
    q.f[q.nf++] = (qfilter_t){"flowRefs", Q_HAS_ANY, ids};
    q.limit = 2;
    int rc = store_list(c->st, C_FLOWS, &q, &rows, NULL);
    size_t i, k;
    json_array_foreach(rows, i, r) if (strcmp(jstr(r, "id"), id))
    {
        int out = fail(c, 409, "Conflict", "The flow is used by flow '%s' (%s)", jstr(r, "id"), jstr(r, "name") ?: "");
        json_decref(rows);
        json_decref(ids);
        return out;
    }
    json_decref(rows);
    json_decref(ids);
    if (rc)
        return fail_store(c, rc, "flows");
    query_t e = {0};
    e.f[e.nf++] = (qfilter_t){"accountId", Q_EQ, acc};
    e.limit = MAX_SCAN;
    if ((rc = store_list(c->st, C_ENDPOINTS, &e, &rows, NULL)))
        return fail_store(c, rc, "endpoints");
    json_array_foreach(rows, i, r)
    {
        int used = jstr(r, "flowId") && !strcmp(jstr(r, "flowId"), id);
        json_t *sf;
        json_array_foreach(json_object_get(r, "scheduledFlows"), k, sf) used |= jstr(sf, "flowId") && !strcmp(jstr(sf, "flowId"), id);
        if (used) {
            int out = fail(c, 409, "Conflict", "The flow is used by endpoint '%s' (%s)", jstr(r, "id"),
                           jstr(r, "displayName") ?: "");
            json_decref(rows);
            return out;
        }
    }
    json_decref(rows);
    return 0;
}

int op_delete_flow(call_t *c)
{
    json_t *f;
    const char *id = req_str(c, "flowId");
    if (reach_flow(c, id, &f) || refuse_if_used(c, f))
        return -1;
    int rc = store_delete(c->st, C_FLOWS, id);
    if (rc)
        return fail_store(c, rc, "flow");
    c->status = 204;
    return 0;
}

int op_copy_flow(call_t *c)
{
    json_t *f;
    if (reach_flow(c, req_str(c, "flowId"), &f))
        return -1;
    json_t *doc = json_copy(f);
    char name[512];
    snprintf(name, sizeof name, "%s (Copy)", jstr(f, "name") ?: "");
    json_object_set_new(doc, "name", json_string(name));
    entity_stamp_new(c, doc);
    return respond_stored(c, put_flow(c, doc), doc, present_flow, "flow");
}

int op_list_available_nodes(call_t *c)
{
    const char *fid = req_str(c, "flowId");
    if (fid && *fid && reach_flow(c, fid, NULL))
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < node_ntypes; i++)
        json_array_append_new(items, node_spec(&node_types[i]));
    c->resp = json_pack("{s:o,s:i,s:i,s:b}", "items", items, "totalCount", node_ntypes, "totalPages", 1,
                        "hasMorePages", 0);
    return 0;
}
