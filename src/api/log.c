/* log.c — the audit log: the context every signed-in call's changes are logged under
 * (the store writes the entries, store.h "The audit log"), which fields are secrets there,
 * and ListLogEntries.
 *
 * Reach: a SystemAdministrator sees every entry; a Manager the entries whose accounts
 * (every account the changed thing named, before or after) are all among the accounts it
 * reaches, as it reads users; Customer logins are refused by the operation's roles. */
#define _GNU_SOURCE
#include "api.h"
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../util/json.h"

const char *user_display_name(json_t *u, char *out, size_t outsz)
{
    const char *first = jstr(u, "firstName"), *last = jstr(u, "lastName");
    snprintf(out, outsz, "%s%s%s", first ? first : "", first && *first && last && *last ? " " : "", last ? last : "");
    if (!*out)
        snprintf(out, outsz, "%s", jstr(u, "emailAddress") ? jstr(u, "emailAddress") : "");
    return out;
}

/* ---- secrets: the fields of any DTO the schema marks secret or credential, and any
 * field whose name says it holds one (sealed carrier tokens are kept under such names) */
enum { MAX_SECRET_NAMES = 64 };
static const char *secret_names[MAX_SECRET_NAMES];
static int nsecret_names;
static pthread_once_t secrets_once = PTHREAD_ONCE_INIT;

static void secrets_init(void)
{
    for (int t = 0; t < schema_ntypes; t++)
        for (int i = 0; i < schema_types[t]->nfields; i++) {
            const field_t *f = &schema_types[t]->fields[i];
            if (!(f->flags & (F_SECRET | F_CREDENTIAL)) || nsecret_names >= MAX_SECRET_NAMES)
                continue;
            int seen = 0;
            for (int k = 0; k < nsecret_names && !seen; k++)
                seen = !strcasecmp(secret_names[k], f->json);
            if (!seen)
                secret_names[nsecret_names++] = f->json;
        }
}

static int masked(const char *field)
{
    pthread_once(&secrets_once, secrets_init);
    /* the name in lower case, so plain strstr (strcasestr costs ten times as much) */
    char buf[64];
    size_t n = strlen(field);
    char *low = n < sizeof buf ? buf : malloc(n + 1); /* a long key of a data dictionary, say */
    if (!low)
        return 1;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)field[i]);
    int secret = strstr(low, "password") || strstr(low, "token") || strstr(low, "secret");
    for (int k = 0; k < nsecret_names && !secret; k++)
        secret = !strcasecmp(secret_names[k], low);
    if (low != buf)
        free(low);
    return secret;
}

void audit_begin(call_t *c, store_audit_t *ctx, char *name, size_t namesz)
{
    if (!c->who || !c->who->user)
        return; /* nothing anonymous changes an entity */
    *ctx = (store_audit_t){c->who->id, user_display_name(c->who->user, name, namesz), c->op->name, masked};
    store_audit(c->st, ctx);
}

void audit_end(call_t *c) { store_audit(c->st, NULL); }

/* ---- ListLogEntries */

static json_t *present_entry(call_t *c, json_t *doc)
{
    json_t *out = json_copy(doc); /* shallow: the shared document itself is not changed */
    json_object_del(out, "accountIds"); /* the reach's, not the entry's */
    return out;
}

int op_list_log_entries(call_t *c)
{
    query_t q = {0};
    json_t *owned[4] = {0}, *v;
    int no = 0, rc = -1;
    if (!(c->who->roles & ROLE_SA)) {
        owned[no] = reach_account_ids(c);
        q.f[q.nf++] = (qfilter_t){"accountIds", Q_WITHIN, owned[no++]};
        if (store_errcode(c->st)) {
            rc = fail_store(c, store_errcode(c->st), "reach");
            goto out;
        }
    }
    if (json_array_size(v = req_get(c, "accountIds")))
        q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, v};
    if (json_array_size(v = req_get(c, "customerIds")))
        q.f[q.nf++] = (qfilter_t){"customerId", Q_IN, v};
    static const char *const exact[] = {"entityType", "entityId", "userId"};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if ((v = req_get(c, exact[i])) && json_string_length(v))
            q.f[q.nf++] = (qfilter_t){exact[i], Q_EQ, v};
    if (list_date_filter(c, &q, owned, &no, "startDate", "StartDate", "date", 0) ||
        list_date_filter(c, &q, owned, &no, "endDate", "EndDate", "date", 1))
        goto out;
    const char *sf = req_str(c, "sortField");
    if (!sf || !*sf) /* newest first unless asked otherwise: ids grow with time */
        q.desc = !req_str(c, "sortOrder") || strcmp(req_str(c, "sortOrder"), "Ascend");
    rc = list_run(c, C_LOG, &T_LogEntryInfo, &q, present_entry);
out:
    for (int k = 0; k < no; k++)
        json_decref(owned[k]);
    return rc;
}
