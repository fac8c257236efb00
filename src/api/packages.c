/* packages.c — what flows are built from and carried in: the field names a node
 * parameter can read (GET /flows/parameters), and packages of flows with the custom
 * fields they use (GET/POST /packages). */
#include "api.h"
#include "nodes.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "flows.h"
#include "../util/ids.h"
#include "validate.h"
#include "../util/json.h"


/* ------------------------------------------------------------------ parameter field names */

static const struct { const char *group, *name, *type; } builtins[] = {
    {"customer", "Name", "String"}, {"customer", "ReferenceId", "String"},
    {"endpoint", "DisplayName", "String"}, {"endpoint", "PhoneNumber", "PhoneNumber"},
    {"endpoint", "ReferenceId", "String"},
    {"user", "FirstName", "String"}, {"user", "LastName", "String"}, {"user", "EmailAddress", "String"},
    {"session", "From", "PhoneNumber"}, {"session", "To", "PhoneNumber"}, {"session", "CallerName", "String"},
    {"session", "Digits", "String"}, {"session", "Channel", "String"}, {"session", "SessionId", "String"},
    {"system", "AccountName", "String"}, {"system", "Now", "Date"}, {"system", "TimeZoneId", "TimeZoneId"},
};

static json_t *field_info(const char *name, const char *type, json_t *field)
{
    json_t *o = json_pack("{s:s,s:s}", "fieldName", name, "valueType", type);
    if (field)
        json_object_set(o, "field", field);
    return o;
}

int op_get_parameter_field_names(call_t *c)
{
    const char *account = req_str(c, "accountId");
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    if (reach_account(c, account, NULL))
        return -1;
    json_t *out = json_pack("{s:[],s:[],s:[],s:[],s:[]}", "customer", "system", "session", "endpoint", "user");
    if (!json_is_true(req_get(c, "excludeBuiltInFields")))
        for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
            json_array_append_new(json_object_get(out, builtins[i].group), field_info(builtins[i].name, builtins[i].type, NULL));
    json_t *s = account_settings(c, account), *f;
    size_t i;
    json_array_foreach(json_object_get(s, "customerFields"), i, f)
        json_array_append_new(json_object_get(out, "customer"), field_info(jstr(f, "name") ?: "", jstr(f, "type") ?: "String", f));
    json_array_foreach(json_object_get(s, "endpointFields"), i, f)
        json_array_append_new(json_object_get(out, "endpoint"), field_info(jstr(f, "name") ?: "", jstr(f, "type") ?: "String", f));
    c->resp = out;
    return 0;
}

/* ------------------------------------------------------------------ packages */

/* Every node parameter (nested ones too) with source src: its referenceId into names. */
static void refs_of(json_t *map, const char *src, json_t *names)
{
    const char *k;
    json_t *p, *m;
    size_t i;
    json_object_foreach(map, k, p)
    {
        const char *s = jstr(p, "source"), *ref = jstr(p, "referenceId");
        if (s && !strcmp(s, src) && ref && *ref)
            json_object_set_new(names, ref, json_true());
        json_array_foreach(json_object_get(p, "listParameters"), i, m) refs_of(m, src, names);
        refs_of(json_object_get(p, "structParameters"), src, names);
    }
}

static json_t *fields_used(json_t *flows, json_t *defs, const char *src, int all)
{
    json_t *names = json_object(), *f, *n, *out = json_array();
    size_t i, j;
    json_array_foreach(flows, i, f) json_array_foreach(json_object_get(f, "nodes"), j, n)
        refs_of(json_object_get(n, "parameters"), src, names);
    json_array_foreach(defs, i, f) if (all || json_object_get(names, jstr(f, "name") ?: ""))
        json_array_append(out, f);
    json_decref(names);
    return out;
}

int op_export_package(call_t *c)
{
    const char *account = req_str(c, "accountId");
    json_t *ids = req_get(c, "flowIds"), *flows = json_array(), *f, *v;
    size_t i;
    json_array_foreach(ids, i, v)
    {
        if (reach_flow(c, json_string_value(v), &f))
            goto fail;
        if (!account || !*account)
            account = jstr(f, "accountId");
        if (strcmp(jstr(f, "accountId"), account)) {
            fail_field(c, "FlowIds", "ArgumentException", "FlowIds[%zu]: the flows of a package belong to one account", i);
            goto fail;
        }
        json_array_append_new(flows, present_flow(c, f));
    }
    if (!account || !*account) {
        fail_field(c, "AccountId", "ArgumentException", "AccountId or FlowIds is required");
        goto fail;
    }
    if (reach_account(c, account, NULL))
        goto fail;
    if (!json_array_size(ids)) { /* every flow of the account the caller reaches */
        query_t q = {0};
        json_t *acc = json_string(account), *rows = NULL;
        q.f[q.nf++] = (qfilter_t){"accountId", Q_EQ, acc};
        q.limit = 100000;
        int rc = store_list(c->st, C_FLOWS, &q, &rows, NULL);
        json_decref(acc);
        if (rc) {
            fail_store(c, rc, "flows");
            goto fail;
        }
        json_array_foreach(rows, i, f) if (can_reach_flow(c, f)) json_array_append_new(flows, present_flow(c, f));
        json_decref(rows);
    }
    json_t *in = json_object(), *n;
    size_t j;
    json_array_foreach(flows, i, f) json_object_set_new(in, jstr(f, "id"), json_true());
    json_array_foreach(flows, i, f) json_array_foreach(json_object_get(f, "nodes"), j, n)
    {
        char fid[64];
        if (node_subflow_id(jstr(json_object_get(n, "spec"), "url"), fid, sizeof fid) && !json_object_get(in, fid)) {
            json_decref(in);
            fail_field(c, "FlowIds", "ArgumentException",
                       "Flow '%s' runs the sub-flow '%s', which is not in the package", jstr(f, "id"), fid);
            goto fail;
        }
    }
    json_decref(in);
    json_t *s = account_settings(c, account);
    int all = json_is_true(req_get(c, "includeAllCustomFields"));
    c->resp = json_pack("{s:o,s:o,s:o,s:[]}", "flows", flows, "customerFields",
                        fields_used(flows, json_object_get(s, "customerFields"), "Customer", all), "endpointFields",
                        fields_used(flows, json_object_get(s, "endpointFields"), "Endpoint", all), "systemFields");
    return 0;
fail:
    json_decref(flows);
    return -1;
}

/* Add the package's fields to the settings' list key; a same-named field of another type
 * is a conflict (400 naming it). */
static int merge_fields(call_t *c, json_t *settings, const char *key, json_t *given, const char *field)
{
    json_t *have = json_object_get(settings, key), *g, *h;
    if (!json_is_array(have))
        json_object_set_new(settings, key, have = json_array());
    size_t i, j;
    json_array_foreach(given, i, g)
    {
        int found = 0;
        json_array_foreach(have, j, h) if (jstr(h, "name") && jstr(g, "name") && !strcasecmp(jstr(h, "name"), jstr(g, "name")))
        {
            found = 1;
            if (strcmp(jstr(h, "type") ?: "String", jstr(g, "type") ?: "String")) {
                char path[128];
                snprintf(path, sizeof path, "Package.%s[%zu].Type", field, i);
                return fail_field(c, path, "ArgumentException", "The account already has a field '%s' of type %s",
                                  jstr(h, "name"), jstr(h, "type") ?: "String");
            }
        }
        if (!found) {
            json_t *nf = json_copy(g);
            char id[25];
            id_new(id);
            json_object_set_new(nf, "id", json_string(id));
            json_array_append_new(have, nf);
        }
    }
    return 0;
}

int op_import_package(call_t *c)
{
    const char *account = req_str(c, "accountId");
    if (reach_account_level(c, account, "import flows at account level"))
        return -1;
    json_t *pkg = req_get(c, "package"), *flows = json_object_get(pkg, "flows"), *f, *n;
    json_t *map = json_object(), *news = json_array();
    size_t i, j;
    json_array_foreach(flows, i, f)
    {
        char id[25];
        id_new(id);
        json_object_set_new(map, jstr(f, "id") ?: "", json_string(id));
    }
    int bad = 0;
    json_array_foreach(flows, i, f)
    {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "Package.Flows[%zu].", i);
        bad |= validate_flow(c, f, account, prefix, map);
    }
    json_t *s = json_copy(account_settings(c, account));
    if (!bad && s)
        bad = merge_fields(c, s, "customerFields", json_object_get(pkg, "customerFields"), "CustomerFields") ||
              merge_fields(c, s, "endpointFields", json_object_get(pkg, "endpointFields"), "EndpointFields");
    int rc = 0;
    if (!bad && s && (json_array_size(json_object_get(pkg, "customerFields")) || json_array_size(json_object_get(pkg, "endpointFields")))) {
        entity_stamp_mod(c, s);
        rc = store_put(c->st, C_SETTINGS, s);
    }
    json_array_foreach(flows, i, f)
    {
        if (bad || rc)
            break;
        json_t *doc = json_object();
        static const char *const keep[] = {"name", "notes", "nodes", "parameters", "exits", "ui", NULL};
        for (const char *const *k = keep; *k; k++)
            if (json_object_get(f, *k))
                json_object_set_new(doc, *k, json_deep_copy(json_object_get(f, *k)));
        json_array_foreach(json_object_get(doc, "nodes"), j, n)
        {
            json_t *spec = json_object_get(n, "spec");
            char fid[64];
            if (node_subflow_id(jstr(spec, "url"), fid, sizeof fid)) {
                char nu[128];
                snprintf(nu, sizeof nu, SUBFLOW_URL "%s", json_string_value(json_object_get(map, fid)));
                json_object_set_new(spec, "url", json_string(nu));
            }
        }
        json_object_set_new(doc, "accountId", json_string(account));
        entity_stamp_new(c, doc);
        json_object_set(doc, "id", json_object_get(map, jstr(f, "id") ?: ""));
        if (!(rc = put_flow(c, doc)))
            json_array_append_new(news, present_flow(c, doc));
        json_decref(doc);
    }
    json_decref(s);
    json_decref(map);
    if (bad || rc) {
        json_decref(news);
        return bad ? -1 : fail_store(c, rc, "flow");
    }
    c->resp = json_pack("{s:o}", "flows", news);
    return 0;
}
