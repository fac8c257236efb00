/* test_faults.c — every store failure reads as a failure, never as "nothing there".
 * Each scenario runs once on a clean store to count its store calls N, then N times
 * more on a fresh seeded SQLite store wrapped by the fault store, failing call k and
 * every call after it (a broken database), and N times failing call k alone (a
 * transient error).  The operation must answer 500/503 with an error code, or what the
 * clean run answered; and the real store read afterwards must keep the rules: the
 * account's maxPhoneNumbers cap, numbers unique, an account with customers or a
 * customer with children or endpoints never deleted, a deletion or purchase whole or
 * not at all, and routing jobs neither lost nor applied again once done. */
#include "check.h"
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "api/api.h"
#include "api/routing.h"
#include "provider/provider.h"
#include "schema/schema.h"
#include "store/store_fault.h"
#include "util/ids.h"

static char ctx[160]; /* scenario, mode and failing call, for the failure messages */
#define EXPECT(cond)                                                                                    \
    do {                                                                                                \
        if (cond)                                                                                       \
            check_pass++;                                                                               \
        else {                                                                                          \
            check_fail++;                                                                               \
            fprintf(stderr, "%s:%d: CHECK failed (%s): %s\n", __FILE__, __LINE__, ctx, #cond);          \
        }                                                                                               \
    } while (0)

/* ---- stores ---- */
static char dir[] = "/tmp/evofaults.XXXXXX";
static int ndb;

static store_t *fresh_store(void)
{
    char path[96], err[256];
    snprintf(path, sizeof path, "%s/%d.db", dir, ndb++);
    store_t *st = store_open(path, err, sizeof err);
    if (!st)
        fprintf(stderr, "%s\n", err);
    return st;
}

static void put(store_t *st, coll_t c, json_t *doc)
{
    if (store_put(st, c, doc) != ST_OK)
        fprintf(stderr, "seeding failed: %s\n", store_errmsg(st));
    json_decref(doc);
}

/* the ids a scenario's seed made */
typedef struct world {
    char acct[25], cust[25], kid[25], ep[25], purchase[25], other[25];
    long max; /* the account's maxPhoneNumbers */
} world_t;

static void seed_account(store_t *st, const char *id, long max_numbers, const char *token)
{
    put(st, C_ACCOUNTS, json_pack("{s:s,s:s,s:[],s:I,s:b,s:s,s:s?}", "id", id, "name", "Acme", "ancestorIds",
                                  "maxPhoneNumbers", (json_int_t)max_numbers, "isBYOA", token != NULL,
                                  "twilioAccountSid", "AC0001", "twilioAuthToken", token));
    char sid[25];
    id_new(sid);
    put(st, C_SETTINGS, json_pack("{s:s,s:s,s:[],s:[],s:[]}", "id", sid, "accountId", id, "tags", "customerFields",
                                  "endpointFields"));
}

static void seed_customer(store_t *st, const char *id, const char *account, const char *parent, int staging)
{
    put(st, C_CUSTOMERS, json_pack("{s:s,s:s,s:s,s:s?,s:b,s:[],s:{}}", "id", id, "accountId", account, "name", "Globex",
                                   "parentCustomerId", parent, "isStaging", staging, "tagIds", "data"));
}

static void seed_number(store_t *st, const char *id, const char *account, const char *customer, const char *e164,
                        const char *pn_sid)
{
    put(st, C_ENDPOINTS, json_pack("{s:s,s:s,s:s?,s:s,s:s,s:s,s:b,s:s?,s:s?,s:[]}", "id", id, "accountId", account,
                                   "customerId", customer, "phoneNumber", e164, "displayName", e164, "type",
                                   "PhoneNumber", "isVirtualPhoneNumber", pn_sid == NULL, "phoneNumberSid", pn_sid,
                                   "carrierAccountSid", pn_sid ? "AC0001" : NULL, "tagIds"));
}

static void seed_purchase(store_t *st, const char *id, const char *account, const char *customer, const char *e164,
                          int staging, const char *iid)
{
    put(st, C_PURCHASES,
        json_pack("{s:s,s:s,s:s,s:{s:s,s:s?,s:s},s:s,s:I,s:s,s:b,s:s?}", "id", id, "accountId", account, "phoneNumber",
                  e164, "request", "accountId", account, "customerId", customer, "number", e164, "by", "admin@test",
                  "createdMs", (json_int_t)0, "carrierAccountSid", "AC0001", "staging", staging, "idempotencyId", iid));
    if (iid)
        put(st, C_IDEMPOTENCY, json_pack("{s:s,s:I}", "id", iid, "createdMs", (json_int_t)0));
}

static int exists(store_t *st, coll_t c, const char *id)
{
    json_t *d = store_get(st, c, id);
    int found = d != NULL;
    json_decref(d);
    return found;
}

/* ---- running an operation as the dispatcher does (src/http/dispatch.c run()) ---- */
typedef struct outcome {
    int status;
    char code[64];
    json_t *resp;
} outcome_t;

static principal_t admin;

static outcome_t run_op(store_t *st, const char *name, json_t *req, const char *idempotency_key)
{
    const op_t *op = api_op_by_name(name);
    call_t c = {.op = op, .who = &admin, .st = st, .req = req, .status = 200, .idempotency_key = idempotency_key};
    int rc;
    store_audit_t audit; /* the audit log's reads and writes are swept too */
    char audit_name[256];
    audit_begin(&c, &audit, audit_name, sizeof audit_name);
    if (op->flags & OP_OWN_TXN) {
        rc = op->handler(&c) ? -1 : ST_OK;
    } else if ((rc = store_begin(st, op->flags & OP_WRITE)) == ST_OK) {
        rc = op->handler(&c) ? -1 : store_commit(st);
        if (rc == -1)
            store_rollback(st);
    }
    audit_end(&c);
    if (rc > 0 && !c.err_code)
        fail_store(&c, rc, "transaction");
    outcome_t o = {.status = c.status};
    if (c.err_code) {
        snprintf(o.code, sizeof o.code, "%s", c.err_code);
        json_decref(c.resp);
    } else {
        o.resp = c.resp;
        if (!o.resp && o.status == 200)
            o.status = 204;
    }
    json_decref(c.err_fields);
    json_decref(c.memo);
    json_decref(req);
    return o;
}

/* A failure answers 500 or 503 with an error code. */
static int is_store_failure(const outcome_t *o) { return (o->status == 500 || o->status == 503) && o->code[0]; }

/* The answer of a faulty run: the store failure, or exactly what the clean run said. */
static int failed_or_clean(const outcome_t *o, const outcome_t *clean)
{
    if (is_store_failure(o))
        return 1;
    return o->status == clean->status && !strcmp(o->code, clean->code);
}

/* Run a scenario's act with stderr silenced: every injected fault is logged. */
static outcome_t quietly(outcome_t (*act)(store_t *, world_t *), store_t *st, world_t *w)
{
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    outcome_t o = act(st, w);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(null);
    return o;
}

/* ---- the sweep ---- */
typedef struct scenario {
    const char *name;
    void (*seed)(store_t *st, world_t *w);
    /* act on st (perhaps the faulty store), then check the real store */
    outcome_t (*act)(store_t *st, world_t *w);
    void (*check)(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected);
} scenario_t;

static void sweep(const scenario_t *s)
{
    world_t w;
    store_t *st = fresh_store();
    s->seed(st, &w);
    store_t *f = store_fault_wrap(st, 0);
    snprintf(ctx, sizeof ctx, "%s, clean", s->name);
    outcome_t clean = quietly(s->act, f, &w);
    long n = store_fault_calls(f);
    s->check(store_fault_unwrap(f), &w, &clean, &clean, 0);
    store_close(st);
    EXPECT(n > 0);
    for (int once = 0; once < 2; once++)
        for (long k = 1; k <= n; k++) {
            snprintf(ctx, sizeof ctx, "%s, %s call %ld of %ld", s->name, once ? "only" : "from", k, n);
            st = fresh_store();
            s->seed(st, &w);
            f = store_fault_wrap(st, k);
            if (once)
                store_fault_once(f);
            outcome_t o = quietly(s->act, f, &w);
            int injected = store_fault_calls(f) >= k;
            s->check(store_fault_unwrap(f), &w, &o, &clean, injected);
            json_decref(o.resp);
            store_close(st);
        }
    json_decref(clean.resp);
}

/* ---- BuyPhoneNumber (virtual: no carrier) and maxPhoneNumbers ---- */
static long numbers_of(store_t *st, const char *account)
{
    return store_count(st, C_ENDPOINTS, "accountId", account) + store_count(st, C_PURCHASES, "accountId", account);
}

/* an account with a cap, one number, and perhaps one being bought (+13125550101) */
static void seed_numbers(store_t *st, world_t *w, long max, int buying)
{
    id_new(w->acct);
    id_new(w->ep);
    w->max = max;
    seed_account(st, w->acct, max, NULL);
    seed_number(st, w->ep, w->acct, NULL, "+13125550100", NULL);
    id_new(w->purchase);
    if (buying)
        seed_purchase(st, w->purchase, w->acct, NULL, "+13125550101", 0, NULL);
}

static void seed_under_cap(store_t *st, world_t *w) { seed_numbers(st, w, 2, 0); }
static void seed_at_cap(store_t *st, world_t *w) { seed_numbers(st, w, 2, 1); }
static void seed_being_bought(store_t *st, world_t *w) { seed_numbers(st, w, 3, 1); }

static outcome_t buy(store_t *st, world_t *w, const char *number, const char *key)
{
    return run_op(st, "BuyPhoneNumber",
                  json_pack("{s:s,s:s,s:b}", "accountId", w->acct, "number", number, "isVirtualPhoneNumber", 1), key);
}

static outcome_t act_buy(store_t *st, world_t *w) { return buy(st, w, "(312) 555-0199", NULL); }
static outcome_t act_buy_taken(store_t *st, world_t *w) { return buy(st, w, "+13125550101", NULL); }
static outcome_t act_buy_key(store_t *st, world_t *w) { return buy(st, w, "(312) 555-0199", "retry-1"); }

static void check_buy(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    if (!injected) {
        EXPECT(o->status == clean->status);
    } else {
        EXPECT(failed_or_clean(o, clean));
    }
    long n = numbers_of(real, w->acct);
    EXPECT(n >= 0 && n <= w->max); /* the cap held */
    long taken = store_count(real, C_ENDPOINTS, "phoneNumber", "+13125550101") +
                 store_count(real, C_PURCHASES, "phoneNumber", "+13125550101");
    EXPECT(taken <= 1); /* numbers unique */
    long bought = store_count(real, C_ENDPOINTS, "phoneNumber", "+13125550199");
    if (o->status == 200) { /* whole: the endpoint, and the answer is the stored one */
        EXPECT(bought == 1);
        EXPECT(json_is_string(json_object_get(o->resp, "accountName")));
        EXPECT(!strcmp(json_string_value(json_object_get(o->resp, "phoneNumber")) ?: "", "+13125550199"));
    } else {
        EXPECT(bought == 0); /* or not at all */
    }
}

static void check_buy_key(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    check_buy(real, w, o, clean, injected);
    char iid[256];
    snprintf(iid, sizeof iid, "%s:BuyPhoneNumber:retry-1", admin.id);
    json_t *rec = store_get(real, C_IDEMPOTENCY, iid);
    if (o->status == 200) /* a retry with the key gets this answer back */
        EXPECT(json_is_object(json_object_get(rec, "response")));
    else /* a retry with the key may try again */
        EXPECT(rec == NULL);
    json_decref(rec);
}

/* ---- SetPhoneNumberIsFax and DeleteEndpoint (virtual numbers: no carrier) ---- */
static void seed_endpoint(store_t *st, world_t *w)
{
    seed_under_cap(st, w);
    put(st, C_JOBS, json_pack("{s:s,s:I,s:s,s:I}", "id", w->ep, "seq", (json_int_t)1, "accountId", w->acct, "nextAtMs",
                              (json_int_t)4000000000000LL)); /* not due: only to be deleted with the endpoint */
}

static outcome_t act_fax(store_t *st, world_t *w)
{
    return run_op(st, "SetPhoneNumberIsFax", json_pack("{s:s,s:b}", "endpointId", w->ep, "isFax", 1), NULL);
}

static outcome_t act_delete_endpoint(store_t *st, world_t *w)
{
    return run_op(st, "DeleteEndpoint", json_pack("{s:s}", "endpointId", w->ep), NULL);
}

static void check_fax(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    EXPECT(clean->status == 200);
    EXPECT(failed_or_clean(o, clean));
    json_t *type = store_get_field(real, C_ENDPOINTS, w->ep, "type");
    EXPECT(!strcmp(json_string_value(type) ?: "", o->status == 200 ? "FaxNumber" : "PhoneNumber"));
    json_decref(type);
    if (o->status == 200) /* the answer is whole */
        EXPECT(json_is_string(json_object_get(o->resp, "accountName")) &&
               !strcmp(json_string_value(json_object_get(o->resp, "type")) ?: "", "FaxNumber"));
}

static void check_endpoint_deleted(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    EXPECT(clean->status == 204);
    EXPECT(failed_or_clean(o, clean));
    int gone = !exists(real, C_ENDPOINTS, w->ep);
    EXPECT(gone == (o->status == 204));
    EXPECT(gone == !exists(real, C_JOBS, w->ep)); /* with its routing job, never without */
}

/* ---- DeleteAccount and DeleteCustomer refusals ---- */
static void seed_tree(store_t *st, world_t *w)
{
    id_new(w->acct);
    id_new(w->cust);
    id_new(w->kid);
    id_new(w->other);
    id_new(w->ep);
    seed_account(st, w->acct, 0, NULL);
    seed_customer(st, w->cust, w->acct, NULL, 0);   /* a customer with a child */
    seed_customer(st, w->kid, w->acct, w->cust, 0);
    seed_customer(st, w->other, w->acct, NULL, 0);  /* a customer with an endpoint */
    seed_number(st, w->ep, w->acct, w->other, "+13125550100", NULL);
}

static void seed_empty_account(store_t *st, world_t *w)
{
    id_new(w->acct);
    seed_account(st, w->acct, 0, NULL);
}

static outcome_t act_delete_account(store_t *st, world_t *w)
{
    return run_op(st, "DeleteAccount", json_pack("{s:s}", "accountId", w->acct), NULL);
}
static outcome_t act_delete_parent(store_t *st, world_t *w)
{
    return run_op(st, "DeleteCustomer", json_pack("{s:s}", "customerId", w->cust), NULL);
}
static outcome_t act_delete_with_endpoint(store_t *st, world_t *w)
{
    return run_op(st, "DeleteCustomer", json_pack("{s:s}", "customerId", w->other), NULL);
}
static outcome_t act_delete_leaf(store_t *st, world_t *w)
{
    return run_op(st, "DeleteCustomer", json_pack("{s:s}", "customerId", w->kid), NULL);
}

static void check_refused(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    EXPECT(clean->status == 409);
    EXPECT(failed_or_clean(o, clean));
    EXPECT(o->status != 204);
    EXPECT(exists(real, C_ACCOUNTS, w->acct));
    EXPECT(exists(real, C_CUSTOMERS, w->cust));
    EXPECT(exists(real, C_CUSTOMERS, w->kid));
    EXPECT(exists(real, C_CUSTOMERS, w->other));
    EXPECT(store_count(real, C_SETTINGS, "accountId", w->acct) == 1);
}

static void check_account_deleted(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    EXPECT(clean->status == 204);
    EXPECT(failed_or_clean(o, clean));
    int gone = !exists(real, C_ACCOUNTS, w->acct);
    long settings = store_count(real, C_SETTINGS, "accountId", w->acct);
    EXPECT(gone == (o->status == 204));   /* deleted exactly when it said so */
    EXPECT(settings == (gone ? 0 : 1));   /* with its settings, never without */
}

static void check_leaf_deleted(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    EXPECT(clean->status == 204);
    EXPECT(failed_or_clean(o, clean));
    EXPECT(!exists(real, C_CUSTOMERS, w->kid) == (o->status == 204));
    EXPECT(exists(real, C_CUSTOMERS, w->cust));
}

/* ---- the routing worker, with a scripted carrier ---- */
static struct {
    presult_t update_result, find_result;
    int updates, finds, wrong_creds;
    char last_voice[512], last_sid[64];
} carrier;

static presult_t fake_update(const pcreds_t *who, const char *pn_sid, const char *voice, const char *sms, int fax,
                             perr_t *e)
{
    carrier.updates++;
    if (!who->auth_token || strcmp(who->auth_token, "tok-acme"))
        carrier.wrong_creds++; /* the account's own credentials, always */
    snprintf(carrier.last_voice, sizeof carrier.last_voice, "%s", voice ? voice : "");
    snprintf(carrier.last_sid, sizeof carrier.last_sid, "%s", pn_sid ? pn_sid : "");
    presult_t r = carrier.update_result;
    if (r != P_OK)
        snprintf(e->message, sizeof e->message, "scripted failure");
    carrier.update_result = P_OK; /* the next attempt works */
    return r;
}

static presult_t fake_find(const pcreds_t *who, const char *e164, pnumber_t *out, perr_t *e)
{
    carrier.finds++;
    if (!who->auth_token || strcmp(who->auth_token, "tok-acme"))
        carrier.wrong_creds++;
    if (carrier.find_result == P_OK) {
        snprintf(out->sid, sizeof out->sid, "PN-found");
        snprintf(out->phone_number, sizeof out->phone_number, "%s", e164);
    }
    return carrier.find_result;
}

static const char *STAGING_VOICE = "https://staging.hooks.test/voice";

/* A customer just switched to staging, of an account with its own carrier credentials;
 * the carrier answers yes to everything. */
static void seed_staging_customer(store_t *st, world_t *w)
{
    id_new(w->acct);
    id_new(w->cust);
    seed_account(st, w->acct, 0, "tok-acme");
    seed_customer(st, w->cust, w->acct, NULL, 1);
    memset(&carrier, 0, sizeof carrier);
    carrier.update_result = carrier.find_result = P_OK;
}

/* A bought number of that customer, its routing job due. */
static void seed_job(store_t *st, world_t *w)
{
    seed_staging_customer(st, w);
    id_new(w->ep);
    seed_number(st, w->ep, w->acct, w->cust, "+13125550100", "PN-1");
    put(st, C_JOBS, json_pack("{s:s,s:I,s:s,s:s,s:s,s:b,s:i,s:I}", "id", w->ep, "seq", (json_int_t)7, "accountId",
                              w->acct, "carrierAccountSid", "AC0001", "phoneNumberSid", "PN-1", "staging", 1,
                              "attempts", 0, "nextAtMs", (json_int_t)0));
}

static void seed_job_refused(store_t *st, world_t *w)
{
    seed_job(st, w);
    carrier.update_result = P_ERROR;
}

/* A purchase whose outcome the carrier left unknown, made before the customer switched
 * to staging, with a client waiting on its Idempotency-Key. */
static void seed_purchase_unknown(store_t *st, world_t *w)
{
    seed_staging_customer(st, w);
    id_new(w->purchase);
    seed_purchase(st, w->purchase, w->acct, w->cust, "+13125550177", 0, "idem-1");
}

static void seed_purchase_gone(store_t *st, world_t *w)
{
    seed_purchase_unknown(st, w);
    carrier.find_result = P_NOTFOUND;
}

/* status: 1 when the pass asks to run again at once, else 0 */
static outcome_t act_worker(store_t *st, world_t *w)
{
    (void)w;
    return (outcome_t){.status = routing_run_once(st)};
}

/* After the faulty pass, clean passes until nothing is left to do. */
static void drain(store_t *real)
{
    for (int i = 0; i < 5; i++) {
        usleep(3000); /* past the retry delay (1 ms) */
        routing_run_once(real);
    }
}

static void check_job(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    json_t *job = store_get(real, C_JOBS, w->ep);
    int updates = carrier.updates;
    if (!job) /* done only once the carrier has it */
        EXPECT(updates >= 1 && !strcmp(carrier.last_voice, STAGING_VOICE));
    else /* else untouched, or its failure recorded */
        EXPECT(json_integer_value(json_object_get(job, "seq")) == 7);
    EXPECT(updates <= 1); /* one pass, one update */
    if (job && updates) /* applied but not recorded: the worker pauses, not updating again at once */
        EXPECT(o->status == 0);
    drain(real);
    json_t *left = store_get(real, C_JOBS, w->ep);
    EXPECT(left == NULL);                               /* not lost: applied in the end */
    EXPECT(!strcmp(carrier.last_voice, STAGING_VOICE)); /* the setting the job carried */
    if (!job) /* done is done: never applied again */
        EXPECT(carrier.updates == updates);
    EXPECT(carrier.updates <= 3);
    EXPECT(carrier.wrong_creds == 0);
    json_decref(left);
    json_decref(job);
}

static void check_job_refused(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    json_t *job = store_get(real, C_JOBS, w->ep);
    EXPECT(job != NULL); /* refused by the carrier: still queued */
    json_int_t attempts = json_integer_value(json_object_get(job, "attempts"));
    EXPECT(attempts == 0 || attempts == 1);
    if (attempts == 0 && carrier.updates) /* the refusal not recorded: the worker pauses */
        EXPECT(o->status == 0);
    json_decref(job);
    drain(real);
    json_t *left = store_get(real, C_JOBS, w->ep);
    EXPECT(left == NULL);
    EXPECT(!strcmp(carrier.last_voice, STAGING_VOICE));
    EXPECT(carrier.wrong_creds == 0);
    json_decref(left);
}

static void check_purchase_found(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    long eps = store_count(real, C_ENDPOINTS, "phoneNumber", "+13125550177");
    int reserved = exists(real, C_PURCHASES, w->purchase);
    json_t *idem = store_get(real, C_IDEMPOTENCY, "idem-1");
    EXPECT(eps + reserved == 1); /* a reservation or an endpoint, never both, never neither */
    EXPECT(json_is_object(json_object_get(idem, "response")) == (eps == 1)); /* the waiting client learns of it */
    json_decref(idem);
    if (eps == 1) { /* the customer went to staging meanwhile: the number is routed anew */
        json_t *rows = NULL;
        query_t q = {.limit = -1};
        EXPECT(store_list(real, C_JOBS, &q, &rows, NULL) == ST_OK && json_array_size(rows) == 1);
        json_decref(rows);
    }
    drain(real);
    EXPECT(store_count(real, C_ENDPOINTS, "phoneNumber", "+13125550177") == 1);
    EXPECT(!exists(real, C_PURCHASES, w->purchase));
    idem = store_get(real, C_IDEMPOTENCY, "idem-1");
    EXPECT(json_is_object(json_object_get(idem, "response")));
    json_decref(idem);
    EXPECT(!strcmp(carrier.last_sid, "PN-found") && !strcmp(carrier.last_voice, STAGING_VOICE)); /* not lost */
    json_t *rows = NULL;
    query_t q = {.limit = -1};
    EXPECT(store_list(real, C_JOBS, &q, &rows, NULL) == ST_OK && json_array_size(rows) == 0);
    json_decref(rows);
    EXPECT(carrier.wrong_creds == 0);
}

static void check_purchase_gone(store_t *real, world_t *w, const outcome_t *o, const outcome_t *clean, int injected)
{
    int reserved = exists(real, C_PURCHASES, w->purchase);
    int waiting = exists(real, C_IDEMPOTENCY, "idem-1");
    EXPECT(reserved == waiting); /* dropped together with the key, or neither */
    EXPECT(store_count(real, C_ENDPOINTS, "phoneNumber", "+13125550177") == 0);
    drain(real);
    EXPECT(!exists(real, C_PURCHASES, w->purchase));
    EXPECT(!exists(real, C_IDEMPOTENCY, "idem-1")); /* the client may try again */
    EXPECT(carrier.wrong_creds == 0);
}

static const scenario_t scenarios[] = {
    {"BuyPhoneNumber under the cap", seed_under_cap, act_buy, check_buy},
    {"BuyPhoneNumber at the cap", seed_at_cap, act_buy, check_buy},
    {"BuyPhoneNumber of a number being bought", seed_being_bought, act_buy_taken, check_buy},
    {"BuyPhoneNumber with an Idempotency-Key", seed_under_cap, act_buy_key, check_buy_key},
    {"SetPhoneNumberIsFax", seed_endpoint, act_fax, check_fax},
    {"DeleteEndpoint", seed_endpoint, act_delete_endpoint, check_endpoint_deleted},
    {"DeleteAccount with customers", seed_tree, act_delete_account, check_refused},
    {"DeleteAccount of an empty account", seed_empty_account, act_delete_account, check_account_deleted},
    {"DeleteCustomer with a child", seed_tree, act_delete_parent, check_refused},
    {"DeleteCustomer with an endpoint", seed_tree, act_delete_with_endpoint, check_refused},
    {"DeleteCustomer of a leaf", seed_tree, act_delete_leaf, check_leaf_deleted},
    {"routing job", seed_job, act_worker, check_job},
    {"routing job the carrier refuses", seed_job_refused, act_worker, check_job_refused},
    {"purchase found at the carrier", seed_purchase_unknown, act_worker, check_purchase_found},
    {"purchase not at the carrier", seed_purchase_gone, act_worker, check_purchase_gone},
};

int main(void)
{
    schema_init();
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    json_t *user = json_pack("{s:s,s:s,s:[s]}", "id", "0123456789abcdef01234567", "emailAddress", "admin@test",
                             "roles", "SystemAdministrator");
    admin = (principal_t){.user = user, .id = "0123456789abcdef01234567", .email = "admin@test", .roles = ROLE_SA};
    provider_config.webhook_url = "https://prod.hooks.test";
    provider_config.staging_webhook_url = "https://staging.hooks.test";
    routing_carrier = (routing_carrier_t){fake_update, fake_find};
    routing_config.retry_base_ms = routing_config.retry_max_ms = 1;
    routing_config.reconcile_after_ms = 0;
    routing_config.lease_ms = 1; /* a claim left by a failed pass runs out before the next one */

    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
        sweep(&scenarios[i]);

    /* the fault store itself: counts, fails from k on, or only at k */
    store_t *st = fresh_store();
    store_t *f = store_fault_wrap(st, 2);
    snprintf(ctx, sizeof ctx, "fault store");
    EXPECT(store_count(f, C_ACCOUNTS, "name", "x") == 0);
    EXPECT(store_count(f, C_ACCOUNTS, "name", "x") == -1 && store_errcode(f) == ST_ERROR);
    EXPECT(store_get(f, C_ACCOUNTS, "x") == NULL && store_errcode(f) == ST_ERROR);
    EXPECT(store_fault_calls(f) == 3);
    store_fault_unwrap(f);
    f = store_fault_wrap(st, 1);
    store_fault_once(f);
    EXPECT(store_begin(f, 1) == ST_ERROR);
    EXPECT(store_begin(f, 1) == ST_OK);
    store_rollback(f);
    store_close(f); /* closes st too */

    json_decref(user);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return CHECK_DONE();
}
