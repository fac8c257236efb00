/* sip.c — SIP users at the carrier (Twilio SIP Domains).  A User endpoint in Sip mode
 * has a credential (user name "u" + the endpoint's id, a generated password) in its
 * account's one credential list, which is mapped to the account's one SIP domain; the
 * domain and the list are made at the account's first SIP user.
 *
 * A change is first recorded on the endpoint as sipPending (put: make the credential or
 * set its password; delete: remove it), in the transaction that changes the mode; then
 * it is carried out at the carrier; then its outcome is stored.  Every carrier call looks
 * before it makes (provider.h), so carrying a change out twice is harmless, and what a
 * failure or a crash leaves pending the routing worker carries out (sip_run_once).
 * Creating a Sip user and regenerating a password carry the change out at once and answer
 * with the outcome: a refusal by the carrier undoes the change, an unknown outcome leaves
 * it to the worker. */
#include "sip.h"
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../provider/provider.h"
#include "../util/ids.h"
#include "../util/secret.h"
#include "endpoint_types.h"
#include "routing.h"

json_t *present_endpoint(call_t *c, json_t *doc);
int reach_endpoint(call_t *c, const char *id, json_t **out);
int fail_carrier(call_t *c, presult_t pr, perr_t *e);

static atomic_llong seq_counter;

static void domain_of(const char *account, char out[128]) { snprintf(out, 128, "evo-%s.sip.twilio.com", account); }

/* Twilio's rule: at least 12 characters with a digit, an upper- and a lower-case letter. */
static void password_new(char out[21])
{
    static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    int digit, upper, lower;
    do {
        digit = upper = lower = 0;
        for (int i = 0; i < 20; i++) {
            char ch = set[randombytes_uniform(sizeof set - 1)];
            digit |= ch >= '0' && ch <= '9';
            upper |= ch >= 'A' && ch <= 'Z';
            lower |= ch >= 'a' && ch <= 'z';
            out[i] = ch;
        }
        out[20] = 0;
    } while (!(digit && upper && lower));
}

/* A secret as stored: sealed when there is a key (else as it is, as carrier tokens are). */
static json_t *sealed(const char *plain)
{
    char *s = secret_seal(plain);
    json_t *v = json_string(s ? s : plain);
    free(s);
    return v;
}

void sip_pending_set(json_t *doc, int put, long long due_ms)
{
    long long s = now_ms() * 1000, prev = atomic_load(&seq_counter);
    while (!atomic_compare_exchange_weak(&seq_counter, &prev, s > prev ? s : prev + 1))
        ;
    json_t *p = json_pack("{s:s,s:I,s:I}", "op", put ? "put" : "delete", "dueMs", (json_int_t)due_ms, "seq",
                          (json_int_t)(s > prev ? s : prev + 1));
    char user[40], domain[128];
    snprintf(user, sizeof user, "u%s", json_string_value(json_object_get(doc, "id")) ?: "");
    json_object_set_new(p, "user", json_string(user));
    if (put) {
        char pw[21];
        password_new(pw);
        json_object_set_new(p, "password", sealed(pw));
        sodium_memzero(pw, sizeof pw);
        domain_of(json_string_value(json_object_get(doc, "accountId")) ?: "", domain);
        json_object_set_new(doc, "sipUserName", json_string(user));
        json_object_set_new(doc, "sipDomain", json_string(domain));
    } else {
        static const char *const keep[][2] = {{"sipCredentialListSid", "listSid"}, {"sipCredentialSid", "sid"}};
        for (int i = 0; i < 2; i++)
            if (json_object_get(doc, keep[i][0]))
                json_object_set(p, keep[i][1], json_object_get(doc, keep[i][0]));
        static const char *const gone[] = {"sipUserName", "sipDomain", "sipCredentialSid", "sipPassword",
                                           "sipCredentialListSid", NULL};
        for (const char *const *k = gone; *k; k++)
            json_object_del(doc, *k);
    }
    json_object_set_new(doc, "sipPending", p);
}

/* The end of a transaction: commit when everything in it worked, else roll back. */
static int finish(store_t *st, int rc)
{
    if (!rc)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

/* The account's SIP domain and list, made when it has none and recorded on it. */
static int setup(store_t *st, const pcreds_t *who, const char *account, char list[64], presult_t *pr, perr_t *e)
{
    char domain[128], dsid[64], name[128];
    domain_of(account, domain);
    snprintf(name, sizeof name, "evovoiced %s", account);
    char voice[512], sms[512];
    provider_webhooks(0, voice, sms);
    if ((*pr = provider_sip_setup(who, domain, name, voice, dsid, list, e)) != P_OK)
        return ST_OK;
    int rc = store_begin(st, 1);
    if (rc)
        return rc;
    json_t *a = store_get(st, C_ACCOUNTS, account), *cur = a ? json_copy(a) : NULL;
    json_decref(a);
    if (!cur) /* the account went meanwhile: its SIP things are found by name if it comes back */
        return finish(st, store_errcode(st));
    json_object_set_new(cur, "sipDomainSid", json_string(dsid));
    json_object_set_new(cur, "sipCredentialListSid", json_string(list));
    rc = store_put(st, C_ACCOUNTS, cur);
    json_decref(cur);
    return finish(st, rc);
}

sip_result_t sip_carry_out(store_t *st, const char *id, presult_t *pr, perr_t *e)
{
    memset(e, 0, sizeof *e);
    *pr = P_OK;
    int rc = store_begin(st, 0);
    if (rc)
        return SIP_STORE_FAILED;
    json_t *ep = store_get(st, C_ENDPOINTS, id);
    json_t *pending = json_incref(json_object_get(ep, "sipPending"));
    char cr[64];
    snprintf(cr, sizeof cr, "%s", json_string_value(json_object_get(ep, "sipCredentialSid")) ?: "");
    const char *account = json_string_value(json_object_get(ep, "accountId"));
    json_t *a = account ? store_get(st, C_ACCOUNTS, account) : NULL;
    rc = store_failed(st);
    store_rollback(st);
    char acc[64], list[64] = "", pw[128] = "";
    snprintf(acc, sizeof acc, "%s", account ?: "");
    json_decref(ep);
    if (rc || !pending) {
        json_decref(a);
        json_decref(pending);
        return rc ? SIP_STORE_FAILED : SIP_NOTHING;
    }
    pcreds_t who = {json_string_value(json_object_get(a, "twilioAccountSid")), NULL};
    who.auth_token = secret_open(json_string_value(json_object_get(a, "twilioAuthToken")), who.token_buf, sizeof who.token_buf);
    snprintf(list, sizeof list, "%s",
             json_string_value(json_object_get(pending, "listSid")) ?: json_string_value(json_object_get(a, "sipCredentialListSid")) ?: "");
    const char *user = json_string_value(json_object_get(pending, "user")) ?: "";
    int put = !strcmp(json_string_value(json_object_get(pending, "op")) ?: "", "put");
    if (!who.account_sid || !*who.account_sid) {
        *pr = put ? P_ERROR : P_OK; /* never at a carrier: nothing there to delete */
        snprintf(e->message, sizeof e->message, "Account '%s' has no carrier account: no SIP users", acc);
    } else if (put) {
        if (!*list && (rc = setup(st, &who, acc, list, pr, e)))
            *pr = P_UNKNOWN; /* made, not recorded: found by name next time */
        if (*pr == P_OK && secret_open(json_string_value(json_object_get(pending, "password")), pw, sizeof pw))
            *pr = provider_sip_credential_put(&who, list, user, pw, cr, e);
        else if (*pr == P_OK)
            *pr = P_ERROR, snprintf(e->message, sizeof e->message, "The SIP password cannot be opened");
        sodium_memzero(pw, sizeof pw);
    } else if (*list) {
        *pr = provider_sip_credential_delete(&who, list, user, json_string_value(json_object_get(pending, "sid")), e);
    }
    json_decref(a);
    if (rc) {
        json_decref(pending);
        return SIP_STORE_FAILED;
    }
    if (*pr != P_OK) {
        json_decref(pending);
        return *pr == P_UNKNOWN ? SIP_UNKNOWN : SIP_REFUSED;
    }
    /* the outcome, unless the endpoint changed (or went) meanwhile: its newer change is carried out next */
    if ((rc = store_begin(st, 1))) {
        json_decref(pending);
        return SIP_STORE_FAILED;
    }
    json_t *now = store_get(st, C_ENDPOINTS, id);
    if (now && json_equal(json_object_get(json_object_get(now, "sipPending"), "seq"), json_object_get(pending, "seq"))) {
        json_t *cur = json_copy(now);
        json_object_del(cur, "sipPending");
        if (put) {
            json_object_set_new(cur, "sipCredentialSid", json_string(cr));
            json_object_set_new(cur, "sipCredentialListSid", json_string(list));
            json_object_set(cur, "sipPassword", json_object_get(pending, "password"));
        }
        rc = store_put(st, C_ENDPOINTS, cur);
        json_decref(cur);
    } else {
        rc = now ? ST_OK : store_errcode(st);
    }
    json_decref(now);
    json_decref(pending);
    return finish(st, rc) ? SIP_STORE_FAILED : SIP_DONE;
}

int sip_answer(call_t *c, const char *id, int created)
{
    presult_t pr;
    perr_t e;
    sip_result_t r = sip_carry_out(c->st, id, &pr, &e);
    int rc;
    if (r == SIP_DONE || r == SIP_NOTHING) {
        if ((rc = store_begin(c->st, 0)))
            return fail_store(c, rc, "endpoint");
        json_t *ep = store_get(c->st, C_ENDPOINTS, id);
        if (ep)
            c->resp = present_endpoint(c, ep);
        json_decref(ep);
        rc = store_failed(c->st);
        store_rollback(c->st);
        if (rc || !c->resp) {
            json_decref(c->resp);
            c->resp = NULL;
            return rc ? fail_store(c, rc, "endpoint") : fail(c, 404, "NotFound", "Endpoint '%s' not found", id);
        }
        return 0;
    }
    if (r == SIP_STORE_FAILED) /* the carrier's part may be done: the worker records it */
        return fail_store(c, ST_ERROR, "endpoint");
    if (r == SIP_UNKNOWN)
        return fail(c, 502, "ProviderError", "%s; the SIP credential will be completed with the carrier shortly",
                    e.message[0] ? e.message : "The carrier did not answer");
    /* refused: undo what was recorded (the new endpoint, or the pending change) */
    if ((rc = store_begin(c->st, 1)))
        return fail_store(c, rc, "endpoint");
    json_t *ep = store_get(c->st, C_ENDPOINTS, id);
    if (ep && created) {
        rc = endpoint_type_forget(c->st, ep);
        if (!rc)
            rc = store_delete(c->st, C_ENDPOINTS, id);
    } else if (ep) {
        json_t *cur = json_copy(ep);
        json_object_del(cur, "sipPending");
        rc = store_put(c->st, C_ENDPOINTS, cur);
        json_decref(cur);
    } else {
        rc = store_errcode(c->st);
    }
    json_decref(ep);
    if ((rc = finish(c->st, rc)))
        return fail_store(c, rc, "endpoint");
    return fail_carrier(c, pr, &e);
}

int op_regenerate_sip_password(call_t *c)
{
    const char *id = req_str(c, "endpointId");
    int rc = store_begin(c->st, 1);
    if (rc)
        return fail_store(c, rc, "endpoint");
    json_t *ep;
    if (reach_endpoint(c, id, &ep) || hold_precondition(c)) {
        store_rollback(c->st);
        return -1;
    }
    if (strcmp(json_string_value(json_object_get(ep, "type")) ?: "", "User") ||
        strcmp(json_string_value(json_object_get(ep, "userMode")) ?: "", "Sip")) {
        store_rollback(c->st);
        return fail_field(c, "EndpointId", "ArgumentException", "Endpoint '%s' is not a User endpoint in Sip mode", id);
    }
    json_t *cur = json_copy(ep);
    sip_pending_set(cur, 1, now_ms() + routing_config.reconcile_after_ms);
    entity_stamp_mod(c, cur);
    rc = store_put(c->st, C_ENDPOINTS, cur);
    json_decref(cur);
    if ((rc = finish(c->st, rc)))
        return fail_store(c, rc, "endpoint");
    return sip_answer(c, id, 0);
}

int sip_release(call_t *c, json_t *ep, const pcreds_t *who)
{
    json_t *p = json_object_get(ep, "sipPending");
    const char *user = json_string_value(json_object_get(p, "user")) ?: json_string_value(json_object_get(ep, "sipUserName"));
    if (!user)
        return 0;
    json_t *a = call_get(c, C_ACCOUNTS, json_string_value(json_object_get(ep, "accountId")));
    const char *list = json_string_value(json_object_get(ep, "sipCredentialListSid"))
                           ?: json_string_value(json_object_get(p, "listSid"))
                           ?: json_string_value(json_object_get(a, "sipCredentialListSid"));
    if (!list || !who->account_sid)
        return 0; /* never made at the carrier */
    perr_t e;
    presult_t pr = provider_sip_credential_delete(who, list, user, json_string_value(json_object_get(ep, "sipCredentialSid")), &e);
    return pr == P_OK ? 0 : fail_carrier(c, pr, &e);
}

int sip_run_once(store_t *st)
{
    query_t q = {0};
    json_t *t = json_integer(now_ms()), *rows = NULL;
    q.f[q.nf++] = (qfilter_t){"sipPending.dueMs", Q_LE, t};
    q.limit = 20;
    int rc = store_list(st, C_ENDPOINTS, &q, &rows, NULL), busy = 0;
    json_decref(t);
    size_t i;
    json_t *d;
    json_array_foreach(rows, i, d)
    {
        /* claimed: moved a lease ahead, unless it changed meanwhile */
        const char *id = json_string_value(json_object_get(d, "id"));
        if ((rc = store_begin(st, 1)))
            break;
        json_t *now = store_get(st, C_ENDPOINTS, id), *cur = NULL;
        json_t *seq = json_object_get(json_object_get(d, "sipPending"), "seq");
        if (now && json_equal(json_object_get(json_object_get(now, "sipPending"), "seq"), seq)) {
            cur = json_deep_copy(now);
            json_object_set_new(json_object_get(cur, "sipPending"), "dueMs",
                                json_integer(now_ms() + routing_config.lease_ms));
            rc = store_put(st, C_ENDPOINTS, cur);
        }
        json_decref(now);
        if ((rc = finish(st, rc)) || !cur) {
            json_decref(cur);
            if (rc)
                break;
            continue;
        }
        json_decref(cur);
        presult_t pr;
        perr_t e;
        sip_result_t r = sip_carry_out(st, id, &pr, &e);
        if (r == SIP_REFUSED || r == SIP_UNKNOWN)
            fprintf(stderr, "evovoiced: sip: endpoint %s: %s; tried again later\n", id, e.message);
        busy |= r == SIP_DONE;
        if (r == SIP_STORE_FAILED)
            break;
    }
    json_decref(rows);
    return busy;
}
