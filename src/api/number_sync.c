/* number_sync.c — SyncPhoneNumbers (POST /phone-numbers/sync): the numbers an account's
 * carrier account holds, compared with the account's phone number endpoints; with
 * importUnknown, the numbers no endpoint has become PhoneNumber endpoints.
 *
 * The carrier is listed (every page) outside any transaction, then compared in one read
 * transaction.  Each import is done as a purchase is, carrier first: the number is
 * pointed at our webhooks, then its endpoint is stored in a write transaction that checks
 * again that no endpoint or purchase has the number and that the cap allows one more
 * (and queues a routing update when the customer turned staging meanwhile).  A
 * carrier failure stops the imports with a 502: the numbers before it are imported whole,
 * the failed one and those after it are not stored, and asking again carries on
 * (pointing a number at the same webhooks twice is harmless). */
#include "api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../provider/provider.h"
#include "../util/json.h"
#include "../util/secret.h"
#include "endpoint_types.h"
#include "routing.h"

json_t *number_endpoint(json_t *r, const char *by, const char *e164, const char *pn_sid, const char *carrier_sid);
int e164_normalize(const char *in, char out[20]);
int fail_carrier(call_t *c, presult_t pr, perr_t *e);

enum { MAX_COMPARED = 100000 };

typedef struct sync {
    const char *account;
    json_t *a;    /* the account (a new reference): the credentials point into it */
    json_t *r;    /* what an imported endpoint is made from: accountId, customerId */
    int staging;  /* the customer's mode: which webhooks its numbers use */
    pcreds_t who;
} sync_t;

/* Reach, the customer to import under, the carrier credentials: one read transaction. */
static int sync_read(call_t *c, sync_t *s, int import)
{
    const char *cid = req_str(c, "customerId");
    if (cid && !*cid)
        cid = NULL;
    if (import && !cid)
        return fail_field(c, "CustomerId", "ArgumentException", "CustomerId is required to import numbers");
    int rc = store_begin(c->st, 0);
    if (rc)
        return fail_store(c, rc, "account");
    json_t *a = NULL;
    if (reach_account_level(c, s->account, "sync an account's numbers")) {
        store_rollback(c->st);
        return -1;
    }
    s->r = json_pack("{s:s,s:s?}", "accountId", s->account, "customerId", cid);
    if (cid && check_new_endpoint(c, s->r, &a)) { /* the account's customer, in reach */
        store_rollback(c->st);
        return -1;
    }
    s->a = json_incref(call_get(c, C_ACCOUNTS, s->account));
    s->staging = cid && json_is_true(json_object_get(call_get(c, C_CUSTOMERS, cid), "isStaging"));
    if ((rc = store_commit(c->st)))
        return fail_store(c, rc, "account");
    s->who.account_sid = jstr(s->a, "twilioAccountSid");
    s->who.auth_token = secret_open(jstr(s->a, "twilioAuthToken"), s->who.token_buf,
                                    sizeof s->who.token_buf);
    if (!provider_configured() && !s->who.auth_token)
        return fail(c, 400, "ArgumentException", "No carrier is configured: the account has only virtual numbers");
    if (!s->who.account_sid || !*s->who.account_sid)
        return fail(c, 400, "ArgumentException", "Account '%s' has no carrier account: only virtual numbers",
                    s->account);
    return 0;
}

static int by_number(const void *x, const void *y)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)x, "phoneNumber")) ?: "",
                  json_string_value(json_object_get(*(json_t *const *)y, "phoneNumber")) ?: "");
}

/* items (an array of objects) sorted by phoneNumber, in place */
static void sort_by_number(json_t *items)
{
    size_t n = json_array_size(items);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(items, i));
    qsort(v, n, sizeof *v, by_number);
    json_array_clear(items);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, v[i]);
    free(v);
}

/* Who else has the number: "HeldByAnotherAccount", "BeingBought", NULL for no one; *rc
 * the store's failure. */
static const char *held(call_t *c, const char *e164, int *rc)
{
    long n = store_count(c->st, C_ENDPOINTS, "phoneNumber", e164);
    long p = n ? 0 : store_count(c->st, C_PURCHASES, "phoneNumber", e164);
    *rc = n < 0 || p < 0 ? store_errcode(c->st) : 0;
    return n > 0 ? "HeldByAnotherAccount" : p > 0 ? "BeingBought" : NULL;
}

/* Compare, in one read transaction: the carrier's numbers no endpoint of the account has
 * (*unknown, each with its state) and the bought endpoints the carrier does not hold
 * (*missing).  The store's failure. */
static int compare(call_t *c, sync_t *s, json_t *carrier, json_t **unknown, json_t **missing, long *known, long *have)
{
    query_t q = {.sort = "id", .limit = MAX_COMPARED};
    json_t *aid = json_pack("[s]", s->account), *types = json_pack("[s,s]", "PhoneNumber", "FaxNumber"), *rows = NULL;
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, aid};
    q.f[q.nf++] = (qfilter_t){"type", Q_IN, types};
    int rc = store_begin(c->st, 0);
    if (!rc && (rc = store_list(c->st, C_ENDPOINTS, &q, &rows, NULL)))
        store_rollback(c->st);
    json_decref(aid);
    json_decref(types);
    if (rc)
        return rc;
    json_t *ours = json_object(), *seen = json_object(), *ep, *n;
    size_t i;
    json_array_foreach(rows, i, ep)
    {
        const char *pn = jstr(ep, "phoneNumber");
        if (pn)
            json_object_set(ours, pn, ep);
    }
    *unknown = json_array();
    *missing = json_array();
    json_array_foreach(carrier, i, n)
    {
        char e164[20];
        const char *pn = jstr(n, "phone_number"),
                   *sid = jstr(n, "sid");
        if (rc || !pn || !sid || e164_normalize(pn, e164))
            continue; /* not a number we could store (a short code, say) */
        if (json_object_get(ours, e164)) {
            json_object_set_new(seen, e164, json_true());
            (*known)++;
            continue;
        }
        const char *state = held(c, e164, &rc);
        json_array_append_new(*unknown, json_pack("{s:s,s:s,s:O?,s:O?,s:s,s:O?}", "phoneNumberSid", sid, "phoneNumber",
                                                  e164, "friendlyName", json_object_get(n, "friendly_name"), "voiceUrl",
                                                  json_object_get(n, "voice_url"), "state", state ? state : "NotImported",
                                                  "voiceReceiveMode", json_object_get(n, "voice_receive_mode")));
    }
    const char *pn;
    json_object_foreach(ours, pn, ep)
    {
        if (json_object_get(seen, pn) || json_is_true(json_object_get(ep, "isVirtualPhoneNumber")))
            continue;
        json_array_append_new(*missing, json_pack("{s:O,s:s,s:O?,s:O?,s:O?}", "endpointId", json_object_get(ep, "id"),
                                                  "phoneNumber", pn, "phoneNumberSid", json_object_get(ep, "phoneNumberSid"),
                                                  "displayName", json_object_get(ep, "displayName"), "customerId",
                                                  json_object_get(ep, "customerId")));
    }
    json_decref(ours);
    json_decref(seen);
    json_decref(rows);
    *have = rc ? 0 : count_numbers(c, s->account);
    if (!rc && *have < 0)
        rc = store_errcode(c->st);
    if (!rc)
        rc = store_commit(c->st);
    else
        store_rollback(c->st);
    sort_by_number(*unknown);
    sort_by_number(*missing);
    return rc;
}

/* Step 2 of one import: its endpoint, unless someone has the number now or the cap is
 * reached (then item's state says so).  The store's failure. */
static int store_import(call_t *c, sync_t *s, json_t *item, long max)
{
    const char *e164 = jstr(item, "phoneNumber");
    int rc = store_begin(c->st, 1);
    if (rc)
        return rc;
    const char *state = held(c, e164, &rc);
    long have = rc || state ? 0 : count_numbers(c, s->account);
    if (!rc && have < 0)
        rc = store_errcode(c->st);
    if (!rc && !state && max > 0 && have >= max)
        state = "OverCap";
    json_t *d = NULL;
    if (!rc && !state) {
        json_t *r = json_copy(s->r);
        json_object_set_new(r, "isFaxNumber", json_boolean(!strcmp((jstr(item, "voiceReceiveMode") ?: ""), "fax")));
        d = number_endpoint(r, c->who->email, e164, jstr(item, "phoneNumberSid"), s->who.account_sid);
        json_decref(r);
        rc = store_put(c->st, C_ENDPOINTS, d);
    }
    /* the customer's staging flag may have flipped since the carrier was told: route anew */
    json_t *cu = !rc && d ? store_get(c->st, C_CUSTOMERS, jstr(s->r, "customerId")) : NULL;
    if (!rc && d && !cu)
        rc = store_errcode(c->st) ? store_errcode(c->st) : ST_NOTFOUND; /* gone meanwhile: store nothing */
    if (!rc && cu && json_is_true(json_object_get(cu, "isStaging")) != s->staging)
        rc = routing_enqueue_endpoint(c->st, d, !s->staging);
    json_decref(cu);
    if (!rc && d)
        rc = store_commit(c->st);
    else
        store_rollback(c->st);
    if (!rc) {
        json_object_set_new(item, "state", json_string(state ? state : "Imported"));
        if (d)
            json_object_set(item, "endpointId", json_object_get(d, "id"));
    }
    json_decref(d);
    return rc;
}

/* Import every NotImported item: carrier first, then the store.  0, or -1 with the
 * answer in c. */
static int import_all(call_t *c, sync_t *s, json_t *unknown, long have, long *imported)
{
    long max = (long)json_integer_value(json_object_get(s->a, "maxPhoneNumbers"));
    char voice[512], sms[512];
    provider_webhooks(s->staging, voice, sms);
    size_t i;
    json_t *item;
    json_array_foreach(unknown, i, item)
    {
        if (strcmp((jstr(item, "state") ?: ""), "NotImported"))
            continue;
        if (max > 0 && have >= max) {
            json_object_set_new(item, "state", json_string("OverCap"));
            continue;
        }
        const char *e164 = jstr(item, "phoneNumber");
        perr_t e = {0};
        presult_t pr = *voice ? provider_update(&s->who, jstr(item, "phoneNumberSid"), voice,
                                                sms, -1, &e)
                              : P_OK; /* no webhook base configured: nothing to point at */
        if (pr != P_OK) {
            char why[sizeof e.message];
            snprintf(why, sizeof why, "%s", e.message[0] ? e.message : "The carrier failed");
            snprintf(e.message, sizeof e.message, "%.300s (%ld imported before the carrier failed on %s)", why, *imported,
                     e164);
            return fail_carrier(c, pr, &e);
        }
        int rc = store_import(c, s, item, max);
        if (rc) /* not found: the customer was deleted meanwhile */
            return fail_store(c, rc, rc == ST_NOTFOUND ? "Customer" : "endpoint");
        if (!strcmp((jstr(item, "state") ?: ""), "Imported")) {
            (*imported)++;
            have++;
        }
    }
    routing_wake(); /* an import may have queued a routing update */
    return 0;
}

int op_sync_phone_numbers(call_t *c)
{
    sync_t s = {.account = req_str(c, "accountId")};
    int import = json_is_true(req_get(c, "importUnknown"));
    json_t *carrier = NULL, *unknown = NULL, *missing = NULL;
    long known = 0, have = 0, imported = 0;
    int r = sync_read(c, &s, import);
    perr_t e = {0};
    presult_t pr = r ? P_OK : provider_list_numbers(&s.who, &carrier, &e);
    if (!r && pr != P_OK)
        r = fail_carrier(c, pr, &e);
    int rc = r ? 0 : compare(c, &s, carrier, &unknown, &missing, &known, &have);
    if (rc)
        r = fail_store(c, rc, "endpoints");
    if (!r && import)
        r = import_all(c, &s, unknown, have, &imported);
    if (!r) {
        size_t i;
        json_t *item;
        json_array_foreach(unknown, i, item) json_object_del(item, "voiceReceiveMode");
        c->resp = json_pack("{s:s,s:I,s:I,s:I,s:O,s:O}", "accountId", s.account, "carrierNumberCount",
                            (json_int_t)json_array_size(carrier), "knownCount", (json_int_t)known, "importedCount",
                            (json_int_t)imported, "unknownNumbers", unknown, "missingAtCarrier", missing);
    }
    json_decref(carrier);
    json_decref(unknown);
    json_decref(missing);
    json_decref(s.r);
    json_decref(s.a);
    return r ? -1 : 0;
}
