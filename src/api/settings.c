/* settings.c — each account's system settings: tags, data-field definitions,
 * documentation and telephony defaults. */
#include "api.h"
#include <string.h>
#include "../util/ids.h"
#include "validate.h"

static const char *settings_account(call_t *c)
{
    const char *a = req_str(c, "accountId");
    if ((!a || !*a) && json_array_size(json_object_get(c->who->user, "accountIds")) == 1)
        a = json_string_value(json_array_get(json_object_get(c->who->user, "accountIds"), 0));
    return a;
}

int op_get_system_settings(call_t *c)
{
    const char *account = settings_account(c);
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    if (reach_account(c, account, NULL))
        return -1;
    json_t *s = account_settings(c, account);
    if (!s)
        return fail(c, 404, "NotFound", "No settings for account '%s'", account);
    c->resp = json_incref(s);
    return 0;
}

static void give_ids(json_t *list)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (!id || !*id) {
            char nid[25];
            id_new(nid);
            json_object_set_new(v, "id", json_string(nid));
        }
    }
}

/* Remove tag ids that the settings no longer have from every customer and endpoint. */
static int prune_tags(call_t *c, const char *account, json_t *removed)
{
    static const coll_t colls[] = {C_CUSTOMERS, C_ENDPOINTS};
    for (int k = 0; k < 2; k++) {
        query_t q = {0};
        json_t *aid = json_string(account);
        q.f[q.nf++] = (qfilter_t){"accountId", Q_EQ, aid};
        q.f[q.nf++] = (qfilter_t){"tagIds", Q_HAS_ANY, removed};
        q.limit = -1;
        json_t *rows = NULL;
        int rc = store_list(c->st, colls[k], &q, &rows, NULL);
        json_decref(aid);
        if (rc)
            return rc;
        size_t i, j;
        json_t *d, *t;
        json_array_foreach(rows, i, d)
        {
            json_t *keep = json_array();
            json_array_foreach(json_object_get(d, "tagIds"), j, t)
            {
                size_t r;
                json_t *x;
                int gone = 0;
                json_array_foreach(removed, r, x) if (json_equal(x, t)) gone = 1;
                if (!gone)
                    json_array_append(keep, t);
            }
            json_t *nd = json_copy(d); /* documents from the store are read-only */
            json_object_set_new(nd, "tagIds", keep);
            rc = store_put(c->st, colls[k], nd);
            json_decref(nd);
            if (rc)
                break;
        }
        json_decref(rows);
        if (rc)
            return rc;
    }
    return 0;
}

int op_patch_system_settings(call_t *c)
{
    const char *account = settings_account(c);
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    if (reach_account(c, account, NULL))
        return -1;
    json_t *old = account_settings(c, account);
    if (!old)
        return fail(c, 404, "NotFound", "No settings for account '%s'", account);
    json_t *tags = req_get(c, "tags");
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        const char *n = json_string_value(json_object_get(t, "name"));
        if (!n || !*n) {
            char path[32];
            snprintf(path, sizeof path, "Tags[%zu].Name", i);
            return fail_field(c, path, "ArgumentException", "A tag needs a name");
        }
    }
    json_t *doc = json_deep_copy(old);
    static const char *const keys[] = {"tags", "customerFields", "endpointFields", "documentation",
                                       "recordingRetentionDays", "enableSipRefer", "autoAgentLogoffSeconds",
                                       "defaultSipRegion", NULL};
    patch_fields(c, doc, keys);
    give_ids(json_object_get(doc, "tags"));
    give_ids(json_object_get(doc, "customerFields"));
    give_ids(json_object_get(doc, "endpointFields"));
    int rc = 0;
    if (tags) {
        json_t *removed = json_array();
        json_array_foreach(json_object_get(old, "tags"), i, t)
        {
            size_t j;
            json_t *n;
            int kept = 0;
            json_array_foreach(json_object_get(doc, "tags"), j, n) if (json_equal(json_object_get(n, "id"), json_object_get(t, "id"))) kept = 1;
            if (!kept)
                json_array_append(removed, json_object_get(t, "id"));
        }
        if (json_array_size(removed))
            rc = prune_tags(c, account, removed);
        json_decref(removed);
    }
    entity_stamp_mod(c, doc);
    if (!rc)
        rc = store_put(c->st, C_SETTINGS, doc);
    if (rc) {
        json_decref(doc);
        return fail_store(c, rc, "settings");
    }
    c->resp = doc;
    return 0;
}
