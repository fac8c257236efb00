/* numbers.c — phone numbers at the carrier: search, buy (virtual or real), switch a
 * number between voice and fax.
 *
 * A real purchase costs money, so it is done in three steps and never inside a store
 * transaction: (1) reserve the number in the store (unique in the system, within the
 * account's maxPhoneNumbers, serialized with every other writer); (2) buy it at the
 * carrier; (3) turn the reservation into the endpoint.  A reservation whose outcome is
 * unknown (the carrier did not answer, the server stopped) is reconciled later by
 * looking the number up at the carrier (routing.c).  An Idempotency-Key header returns
 * the first answer to a retried request. */
#include "api.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "../provider/provider.h"
#include "../util/secret.h"
#include "../util/ids.h"
#include "endpoint_types.h"
#include "routing.h"
#include "validate.h"

json_t *present_endpoint(call_t *c, json_t *doc);
int reach_endpoint(call_t *c, const char *id, json_t **out);
void endpoint_creds(call_t *c, json_t *ep, pcreds_t *who);
int load_endpoint(call_t *c, const char *id, json_t **ep, pcreds_t *who);
int fail_carrier(call_t *c, presult_t pr, perr_t *e);

/* E.164: "+" and 8 to 15 digits.  Spaces, dashes, dots and parentheses are dropped; ten
 * digits without "+" are a North American number (+1), as are eleven starting with 1. */
int e164_normalize(const char *in, char out[20])
{
    char d[32];
    size_t n = 0;
    int plus = 0;
    for (const char *p = in; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n >= 16)
                return -1;
            d[n++] = *p;
        } else if (*p == '+' && n == 0 && !plus) {
            plus = 1;
        } else if (!strchr(" -.()\t", *p)) {
            return -1;
        }
    }
    d[n] = 0;
    if (!plus && n == 10)
        snprintf(out, 20, "+1%s", d);
    else if (!plus && n == 11 && d[0] == '1')
        snprintf(out, 20, "+%s", d);
    else if (plus && n >= 8 && n <= 15 && d[0] != '0')
        snprintf(out, 20, "+%s", d);
    else
        return -1;
    return 0;
}

/* National format for a display name: (555) 123-4567 for +1, else the E.164 form. */
static void national(const char *e164, char out[32])
{
    if (!strncmp(e164, "+1", 2) && strlen(e164) == 12)
        snprintf(out, 32, "(%.3s) %.3s-%.4s", e164 + 2, e164 + 5, e164 + 8);
    else
        snprintf(out, 32, "%s", e164);
}

/* The account's numbers, stored and being bought; -1 when the store failed. */
long count_numbers(call_t *c, const char *account)
{
    query_t q = {0};
    json_t *aid = json_pack("[s]", account), *types = json_pack("[s,s]", "PhoneNumber", "FaxNumber");
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, aid};
    q.f[q.nf++] = (qfilter_t){"type", Q_IN, types};
    q.limit = 0;
    q.count = 1;
    long total = 0;
    json_t *rows = NULL;
    int rc = store_list(c->st, C_ENDPOINTS, &q, &rows, &total);
    json_decref(rows);
    json_decref(aid);
    json_decref(types);
    long buying = rc ? -1 : store_count(c->st, C_PURCHASES, "accountId", account);
    return buying < 0 ? -1 : total + buying;
}

/* The endpoint document for a number bought (or created virtual) from request r. */
json_t *number_endpoint(json_t *r, const char *by, const char *e164, const char *pn_sid, const char *carrier_sid)
{
    char display[32];
    national(e164, display);
    json_t *d = endpoint_base(r, json_is_true(json_object_get(r, "isFaxNumber")) ? "FaxNumber" : "PhoneNumber", by);
    json_object_set_new(d, "displayName", json_string(display));
    json_object_set_new(d, "phoneNumber", json_string(e164));
    json_object_set_new(d, "isVirtualPhoneNumber", json_boolean(!pn_sid));
    const char *addr = json_string_value(json_object_get(r, "addressSid"));
    if (addr && *addr)
        json_object_set_new(d, "addressSid", json_string(addr));
    if (pn_sid) {
        json_object_set_new(d, "phoneNumberSid", json_string(pn_sid));
        json_object_set_new(d, "carrierAccountSid", json_string(carrier_sid));
    }
    return d;
}

static void idem_id(call_t *c, char out[256])
{
    snprintf(out, 256, "%s:%s:%.160s", c->who->id, c->op->name, c->idempotency_key);
}

/* Remember the answer given under an Idempotency-Key (resp NULL: forget the key, so a
 * failed request may be tried again with it).  The store's result. */
int idem_store(store_t *st, const char *iid, json_t *resp, int status)
{
    if (!iid)
        return ST_OK;
    if (!resp) {
        int rc = store_delete(st, C_IDEMPOTENCY, iid);
        return rc == ST_NOTFOUND ? ST_OK : rc;
    }
    json_t *d = json_pack("{s:s,s:I,s:O,s:i}", "id", iid, "createdMs", (json_int_t)now_ms(), "response", resp, "status", status);
    int rc = store_put(st, C_IDEMPOTENCY, d);
    json_decref(d);
    return rc;
}

/* Step 1, in a write transaction: checks, then the endpoint (virtual) or a reservation.
 * Returns 1 when the answer is already in c (virtual number, replay), 0 to go on to the
 * carrier, -1 on an error. */
static int reserve(call_t *c, const char *e164, json_t *r, json_t **purchase)
{
    const char *account = json_string_value(json_object_get(r, "accountId"));
    const char *cid = json_string_value(json_object_get(r, "customerId"));
    if (c->idempotency_key) {
        char iid[256];
        idem_id(c, iid);
        json_t *prev = store_get(c->st, C_IDEMPOTENCY, iid);
        if (!prev && store_errcode(c->st)) /* not "never seen": that would buy again */
            return fail_store(c, store_errcode(c->st), "idempotency key");
        if (prev) {
            int done = json_is_object(json_object_get(prev, "response"));
            if (done) {
                c->resp = json_incref(json_object_get(prev, "response"));
                c->status = (int)json_integer_value(json_object_get(prev, "status"));
            }
            json_decref(prev);
            return done ? 1 : fail(c, 409, "Conflict", "A request with this Idempotency-Key is still in progress");
        }
    }
    json_t *a;
    if (check_new_endpoint(c, r, &a))
        return -1;
    account = json_string_value(json_object_get(r, "accountId"));
    char exists[64];
    snprintf(exists, sizeof exists, "The number %s already exists", e164);
    if (refuse_if_any(c, C_ENDPOINTS, "phoneNumber", e164, exists) ||
        refuse_if_any(c, C_PURCHASES, "phoneNumber", e164, exists))
        return -1;
    long max = (long)json_integer_value(json_object_get(a, "maxPhoneNumbers"));
    long have = max > 0 ? count_numbers(c, account) : 0;
    if (have < 0)
        return fail_store(c, store_errcode(c->st), "phone numbers");
    if (max > 0 && have >= max)
        return fail(c, 409, "Conflict", "The account has reached its maxPhoneNumbers (%ld)", max);
    int rc;
    if (json_is_true(json_object_get(r, "isVirtualPhoneNumber"))) {
        json_t *d = number_endpoint(r, c->who->email, e164, NULL, NULL);
        rc = store_put(c->st, C_ENDPOINTS, d);
        if (rc) {
            json_decref(d);
            return fail_store(c, rc, "endpoint");
        }
        c->resp = present_endpoint(c, d);
        json_decref(d);
        if (c->idempotency_key) {
            char iid[256];
            idem_id(c, iid);
            if ((rc = idem_store(c->st, iid, c->resp, 200)))
                return fail_store(c, rc, "idempotency key");
        }
        return 1;
    }
    const char *sid = json_string_value(json_object_get(a, "twilioAccountSid"));
    if (!provider_configured() && !json_string_value(json_object_get(a, "twilioAuthToken")))
        return fail(c, 400, "ArgumentException", "No carrier is configured: only virtual numbers can be bought");
    if (!sid || !*sid)
        return fail(c, 400, "ArgumentException", "Account '%s' has no carrier account: only virtual numbers", account);
    char id[25];
    id_new(id);
    json_t *cu = cid ? call_get(c, C_CUSTOMERS, cid) : NULL;
    *purchase = json_pack("{s:s,s:s,s:s,s:O,s:s,s:I,s:s,s:b,s:s?}", "id", id, "accountId", account, "phoneNumber", e164,
                          "request", r, "by", c->who->email ? c->who->email : "system", "createdMs",
                          (json_int_t)now_ms(), "carrierAccountSid", sid, "staging",
                          json_is_true(json_object_get(cu, "isStaging")), "idempotencyId", NULL);
    if (c->idempotency_key) {
        char iid[256];
        idem_id(c, iid);
        json_object_set_new(*purchase, "idempotencyId", json_string(iid));
        json_t *pending = json_pack("{s:s,s:I}", "id", iid, "createdMs", (json_int_t)now_ms());
        rc = store_put(c->st, C_IDEMPOTENCY, pending);
        json_decref(pending);
        if (rc)
            return fail_store(c, rc, "idempotency key");
    }
    rc = store_put(c->st, C_PURCHASES, *purchase);
    if (rc)
        return fail_store(c, rc, "purchase");
    return 0;
}

/* Step 3: the reservation becomes the endpoint (also used by the reconciler). */
int purchase_complete(store_t *st, json_t *purchase, const char *pn_sid, json_t **endpoint)
{
    json_t *r = json_object_get(purchase, "request");
    json_t *d = number_endpoint(r, json_string_value(json_object_get(purchase, "by")),
                                json_string_value(json_object_get(purchase, "phoneNumber")), pn_sid,
                                json_string_value(json_object_get(purchase, "carrierAccountSid")));
    int rc = store_put(st, C_ENDPOINTS, d);
    if (!rc)
        rc = store_delete(st, C_PURCHASES, json_string_value(json_object_get(purchase, "id")));
    /* the customer's staging flag may have flipped while the carrier was buying: the
     * number was pointed at the base chosen at reservation, so route it anew */
    const char *cid = json_string_value(json_object_get(r, "customerId"));
    json_t *cu = !rc && cid ? store_get(st, C_CUSTOMERS, cid) : NULL;
    if (!rc && cid && !cu)
        rc = store_errcode(st); /* a failed read is not "no customer": the update would be lost */
    int staging = json_is_true(json_object_get(cu, "isStaging"));
    if (!rc && cu && staging != json_is_true(json_object_get(purchase, "staging")))
        rc = routing_enqueue_endpoint(st, d, staging);
    json_decref(cu);
    if (rc)
        json_decref(d);
    else
        *endpoint = d;
    return rc;
}

int op_buy_phone_number(call_t *c)
{
    char e164[20];
    const char *num = req_str(c, "number");
    if (!num || e164_normalize(num, e164))
        return fail_field(c, "Number", "ArgumentException", "'%s' is not a phone number (E.164: + and 8 to 15 digits)",
                          num ? num : "");
    json_t *purchase = NULL;
    int rc = store_begin(c->st, 1);
    if (rc)
        return fail_store(c, rc, "purchase");
    int r = reserve(c, e164, c->req, &purchase);
    if (r < 0) {
        store_rollback(c->st);
        json_decref(purchase);
        return -1;
    }
    if ((rc = store_commit(c->st))) {
        json_decref(purchase);
        json_decref(c->resp);
        c->resp = NULL;
        return fail_store(c, rc, "purchase");
    }
    if (r == 1)
        return 0;

    /* step 2: the carrier */
    json_t *rq = json_object_get(purchase, "request");
    pcreds_t who = {json_string_value(json_object_get(purchase, "carrierAccountSid")), NULL};
    json_t *a = call_get(c, C_ACCOUNTS, json_string_value(json_object_get(purchase, "accountId")));
    who.auth_token = secret_open(json_string_value(json_object_get(a, "twilioAuthToken")), who.token_buf,
                                 sizeof who.token_buf);
    char display[32];
    snprintf(display, sizeof display, "%s", e164);
    pnumber_t pn = {0};
    perr_t e = {0};
    presult_t pr = provider_buy(&who, e164, display, json_string_value(json_object_get(rq, "addressSid")),
                                json_is_true(json_object_get(rq, "isFaxNumber")),
                                json_is_true(json_object_get(purchase, "staging")), &pn, &e);

    /* step 3 */
    if ((rc = store_begin(c->st, 1))) {
        json_decref(purchase);
        return fail_store(c, rc, "purchase"); /* the reconciler finishes it */
    }
    if (pr == P_OK) {
        json_t *ep = NULL;
        rc = purchase_complete(c->st, purchase, pn.sid, &ep);
        if (!rc) {
            c->resp = present_endpoint(c, ep);
            rc = idem_store(c->st, json_string_value(json_object_get(purchase, "idempotencyId")), c->resp, 200);
            json_decref(ep);
        }
    } else if (pr == P_UNKNOWN) {
        rc = ST_OK; /* keep the reservation: the reconciler asks the carrier later */
    } else {
        rc = store_delete(c->st, C_PURCHASES, json_string_value(json_object_get(purchase, "id")));
        if (!rc)
            rc = idem_store(c->st, json_string_value(json_object_get(purchase, "idempotencyId")), NULL, 0);
    }
    if (!rc)
        rc = store_commit(c->st);
    else
        store_rollback(c->st);
    json_decref(purchase);
    if (rc) {
        json_decref(c->resp);
        c->resp = NULL;
        return fail_store(c, rc, "purchase");
    }
    routing_wake(); /* completing may have queued a routing update */
    if (pr == P_UNKNOWN)
        return fail(c, 502, "ProviderError", "%s; the purchase will be confirmed with the carrier shortly",
                    e.message[0] ? e.message : "The carrier did not confirm the purchase");
    if (pr != P_OK)
        return fail_carrier(c, pr, &e);
    return 0;
}

int op_set_phone_number_is_fax(call_t *c)
{
    const char *id = req_str(c, "endpointId");
    int fax = json_is_true(req_get(c, "isFax"));
    json_t *ep = NULL;
    pcreds_t who = {0};
    int rc;
    if (load_endpoint(c, id, &ep, &who))
        return -1;
    const char *type = json_string_value(json_object_get(ep, "type"));
    if (!type || (strcmp(type, "PhoneNumber") && strcmp(type, "FaxNumber"))) {
        json_decref(ep);
        return fail(c, 400, "ArgumentException", "Endpoint '%s' is not a phone number", id);
    }
    const char *pn = json_string_value(json_object_get(ep, "phoneNumberSid"));
    if (pn && *pn && !json_is_true(json_object_get(ep, "isVirtualPhoneNumber"))) {
        perr_t e;
        presult_t pr = provider_update(&who, pn, NULL, NULL, fax, &e); /* the carrier first */
        if (pr != P_OK) {
            json_decref(ep);
            return fail_carrier(c, pr, &e);
        }
    }
    json_decref(ep);
    if ((rc = store_begin(c->st, 1)))
        return fail_store(c, rc, "endpoint");
    if (hold_precondition(c)) { /* changed while the carrier was asked */
        store_rollback(c->st);
        return -1;
    }
    json_t *stored = store_get(c->st, C_ENDPOINTS, id);
    json_t *cur = stored ? json_copy(stored) : NULL; /* documents from the store are read-only */
    json_decref(stored);
    if (!cur) { /* the answer first: a failed read is the store's failure, not a 404 */
        fail(c, 404, "NotFound", "Endpoint '%s' not found", id);
        store_rollback(c->st);
        return -1;
    }
    json_object_set_new(cur, "type", json_string(fax ? "FaxNumber" : "PhoneNumber"));
    entity_stamp_mod(c, cur);
    rc = store_put(c->st, C_ENDPOINTS, cur);
    if (!rc) { /* presented before the commit, so a failed read in it changes nothing */
        c->resp = present_endpoint(c, cur);
        rc = store_commit(c->st);
    } else {
        store_rollback(c->st);
    }
    json_decref(cur);
    if (rc) {
        json_decref(c->resp);
        c->resp = NULL;
        return fail_store(c, rc, "endpoint");
    }
    return 0;
}

int op_search_phone_numbers(call_t *c)
{
    const char *account = req_str(c, "accountId");
    if ((!account || !*account) && json_array_size(json_object_get(c->who->user, "accountIds")) == 1)
        account = json_string_value(json_array_get(json_object_get(c->who->user, "accountIds"), 0));
    if (!account || !*account)
        return fail_field(c, "AccountId", "ArgumentException", "AccountId is required");
    json_t *a;
    int rc = store_begin(c->st, 0);
    if (rc)
        return fail_store(c, rc, "account");
    if (reach_account(c, account, &a)) {
        store_rollback(c->st);
        return -1;
    }
    pcreds_t who = {json_string_value(json_object_get(a, "twilioAccountSid")), NULL};
    who.auth_token = secret_open(json_string_value(json_object_get(a, "twilioAuthToken")), who.token_buf,
                                 sizeof who.token_buf);
    store_rollback(c->st);
    if (!who.account_sid && provider_configured())
        who.account_sid = provider_config.account_sid;
    const char *cc = req_str(c, "countryCode");
    char country[3] = "US";
    if (cc && *cc) {
        if (strlen(cc) != 2 || !isalpha((unsigned char)cc[0]) || !isalpha((unsigned char)cc[1]))
            return fail_field(c, "CountryCode", "ArgumentException", "CountryCode is two letters (ISO 3166)");
        country[0] = (char)toupper((unsigned char)cc[0]);
        country[1] = (char)toupper((unsigned char)cc[1]);
    }
    json_t *params = json_object();
    static const char *const map[][2] = {{"areaCode", "AreaCode"}, {"postalCode", "InPostalCode"},
                                         {"region", "InRegion"}, {"contains", "Contains"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (req_str(c, map[i][0]))
            json_object_set(params, map[i][1], req_get(c, map[i][0]));
    if (req_get(c, "distance")) {
        char d[16];
        snprintf(d, sizeof d, "%lld", (long long)json_integer_value(req_get(c, "distance")));
        json_object_set_new(params, "Distance", json_string(d));
    }
    if (json_is_true(req_get(c, "isFaxNumber")))
        json_object_set_new(params, "FaxEnabled", json_string("true"));
    json_t *numbers = NULL;
    perr_t e = {0};
    presult_t pr = provider_search(&who, country, 0, params, &numbers, &e);
    json_decref(params);
    if (pr != P_OK)
        return fail_carrier(c, pr, &e);
    json_t *items = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(numbers, i, n)
    {
        json_array_append_new(items, json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?}", "phoneNumber", json_object_get(n, "phone_number"),
                                               "friendlyName", json_object_get(n, "friendly_name"), "locality",
                                               json_object_get(n, "locality"), "region", json_object_get(n, "region"),
                                               "postalCode", json_object_get(n, "postal_code"), "isoCountry",
                                               json_object_get(n, "iso_country")));
    }
    json_decref(numbers);
    long count = (long)json_array_size(items);
    c->resp = json_pack("{s:o,s:I,s:I,s:b}", "items", items, "totalCount", (json_int_t)count, "totalPages",
                        (json_int_t)(count ? 1 : 0), "hasMorePages", 0);
    return 0;
}
