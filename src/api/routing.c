/* routing.c — applies queued carrier routing updates, with retries and backoff, and
 * confirms purchases whose outcome the carrier left unknown.
 *
 * Jobs live in the store (C_JOBS), written in the same transaction as the staging flag,
 * so a crash or a carrier outage delays routing but loses nothing.  A job's id is its
 * endpoint's id, so enqueueing replaces any older job for that number; each job has a
 * sequence number, and the worker deletes a job it applied only if the sequence is
 * unchanged — if the flag was flipped meanwhile, the newer job is applied next.
 *
 * Several servers on one database each run a worker.  A worker claims a job before it
 * calls the carrier: in a write transaction (writers are serialized on every back end)
 * it reads the job again and, still due and unchanged, moves it a lease ahead, so no
 * other worker takes it until the outcome is recorded or, if the server died meanwhile,
 * the lease runs out.  A newer job for a number whose older one is claimed waits behind
 * that claim, so two updates to one number are never under way at once, nor reordered. */
#include "routing.h"
#include <pthread.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "../http/http.h"
#include "../provider/provider.h"
#include "../util/secret.h"
#include "../util/ids.h"
#include "../util/thread.h"
#include "sip.h"

routing_config_t routing_config = {200, 500, 60000, 60000, 60000};
routing_carrier_t routing_carrier = {provider_update, provider_find};

json_t *present_endpoint(call_t *c, json_t *doc);
int purchase_complete(store_t *st, json_t *purchase, const char *pn_sid, json_t **endpoint);
int idem_store(store_t *st, const char *iid, json_t *resp, int status);

static atomic_llong seq_counter;
static unsigned long long instance; /* this process's presence id (store_present_hold): its claims' owner */
static pthread_t worker;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int running;
static atomic_int stopping; /* routing_stop was called: a pass leaves the rest queued */
static int woken;

static long long next_seq(void)
{
    /* increasing across restarts (time-based) and within one millisecond (counter) */
    long long s = now_ms() * 1000, prev = atomic_load(&seq_counter);
    while (1) {
        long long want = s > prev ? s : prev + 1;
        if (atomic_compare_exchange_weak(&seq_counter, &prev, want))
            return want;
    }
}

int routing_enqueue_endpoint(store_t *st, json_t *ep, int staging)
{
    const char *pn = json_string_value(json_object_get(ep, "phoneNumberSid"));
    if (!pn || !*pn || json_is_true(json_object_get(ep, "isVirtualPhoneNumber")))
        return ST_OK;
    /* an older job under way at a worker: this one waits behind its claim */
    json_t *old = store_get(st, C_JOBS, json_string_value(json_object_get(ep, "id")));
    if (!old && store_errcode(st))
        return store_errcode(st);
    long long claimed = (long long)json_integer_value(json_object_get(old, "claimedUntilMs")), now = now_ms();
    json_t *by = json_incref(json_object_get(old, "claimedBy"));
    json_decref(old);
    json_t *job = json_pack("{s:O,s:I,s:O,s:O?,s:s,s:b,s:i,s:I}", "id", json_object_get(ep, "id"), "seq",
                            (json_int_t)next_seq(), "accountId", json_object_get(ep, "accountId"), "carrierAccountSid",
                            json_object_get(ep, "carrierAccountSid"), "phoneNumberSid", pn, "staging", staging,
                            "attempts", 0, "nextAtMs", (json_int_t)(claimed > now ? claimed : now));
    if (claimed > now) {
        json_object_set_new(job, "claimedUntilMs", json_integer(claimed));
        if (by)
            json_object_set(job, "claimedBy", by);
    }
    json_decref(by);
    int rc = store_put(st, C_JOBS, job);
    json_decref(job);
    return rc;
}

int routing_enqueue_customer(call_t *c, const char *customer_id, int staging)
{
    query_t q = {0};
    json_t *cid = json_pack("[s]", customer_id);
    q.f[q.nf++] = (qfilter_t){"customerId", Q_IN, cid};
    q.limit = -1;
    json_t *rows = NULL;
    int rc = store_list(c->st, C_ENDPOINTS, &q, &rows, NULL);
    json_decref(cid);
    size_t i;
    json_t *ep;
    json_array_foreach(rows, i, ep) if (!rc) rc = routing_enqueue_endpoint(c->st, ep, staging);
    json_decref(rows);
    return rc;
}

void routing_wake(void)
{
    pthread_mutex_lock(&mu);
    woken = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

/* The carrier credentials for doc (a job or a purchase) from its account, a new
 * reference the credentials point into.  The store's failure, or ST_OK (also when the
 * account is gone: the main credentials then). */
static int creds_of(store_t *st, json_t *doc, pcreds_t *who, json_t **account)
{
    *account = store_get(st, C_ACCOUNTS, json_string_value(json_object_get(doc, "accountId")));
    if (!*account && store_errcode(st))
        return store_errcode(st); /* not "no credentials of its own" */
    const char *sid = json_string_value(json_object_get(doc, "carrierAccountSid"));
    who->account_sid = sid ? sid : json_string_value(json_object_get(*account, "twilioAccountSid"));
    who->auth_token = secret_open(json_string_value(json_object_get(*account, "twilioAuthToken")), who->token_buf,
                                  sizeof who->token_buf);
    return ST_OK;
}

/* The end of a worker's transaction: commit when everything in it worked, else roll
 * back.  -1 (logged) when the store failed: what the transaction was to record is done
 * again on a later pass. */
static int settle(store_t *st, int rc, const char *what, const char *id)
{
    if (!rc)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (!rc)
        return 1;
    fprintf(stderr, "evovoiced: routing: the store failed recording %s %s (%s); it is retried later\n", what, id,
            store_errmsg(st));
    return -1;
}

/* Is job claimed by a worker that is still there?  A claim lasts until its outcome is
 * recorded or its lease runs out, and not past its worker: one whose process is gone
 * (store_present) is void.  1 held, 0 free, -1 the store failed. */
static int held(store_t *st, json_t *job)
{
    if (json_integer_value(json_object_get(job, "claimedUntilMs")) <= now_ms())
        return 0;
    json_t *by = json_object_get(job, "claimedBy");
    if (!json_is_string(by))
        return 1;
    unsigned long long who = strtoull(json_string_value(by), NULL, 16);
    int present = who == instance ? 1 : store_present(st, who);
    return present < 0 ? -1 : present;
}

/* Claim job for this worker (see the top of this file): 1 claimed, 0 when another worker
 * has it or it changed or went, -1 when the store failed. */
static int claim(store_t *st, json_t *job)
{
    const char *id = json_string_value(json_object_get(job, "id"));
    /* first from the listed copy, without a write transaction: not yet due, or held */
    if (json_integer_value(json_object_get(job, "nextAtMs")) > now_ms() &&
        json_integer_value(json_object_get(job, "claimedUntilMs")) <= now_ms())
        return 0;
    int h = held(st, job);
    if (h)
        return h < 0 ? -1 : 0;
    int rc = store_begin(st, 1);
    if (rc)
        return settle(st, rc, "the claim of job", id);
    json_t *stored = store_get(st, C_JOBS, id);
    rc = stored ? ST_OK : store_errcode(st);
    long long now = now_ms();
    int mine = stored && json_equal(json_object_get(stored, "seq"), json_object_get(job, "seq")) &&
               (json_integer_value(json_object_get(stored, "nextAtMs")) <= now ||
                json_integer_value(json_object_get(stored, "claimedUntilMs")) > now) &&
               (h = held(st, stored)) == 0;
    if (h < 0)
        rc = store_errcode(st) ? store_errcode(st) : ST_ERROR;
    if (mine) {
        char by[24];
        snprintf(by, sizeof by, "%016llx", instance);
        json_t *cur = json_copy(stored); /* documents from the store are read-only */
        json_object_set_new(cur, "claimedUntilMs", json_integer(now + routing_config.lease_ms));
        json_object_set_new(cur, "claimedBy", json_string(by));
        json_object_set_new(cur, "nextAtMs", json_integer(now + routing_config.lease_ms));
        rc = store_put(st, C_JOBS, cur);
        json_decref(cur);
    }
    json_decref(stored);
    int r = settle(st, rc, "the claim of job", id);
    return r < 0 ? -1 : mine;
}

/* Apply one job: 1 when its outcome is recorded, 0 when it is not this worker's to apply
 * (not due, or another worker has it), -1 when the store failed and the job stays as it
 * was, to be applied again (the update sets webhooks: applying it twice is harmless,
 * losing it is not). */
static int apply(store_t *st, json_t *job)
{
    const char *id = json_string_value(json_object_get(job, "id"));
    json_int_t seq = json_integer_value(json_object_get(job, "seq"));
    int mine = claim(st, job);
    if (mine <= 0)
        return mine;
    pcreds_t who = {0};
    json_t *account = NULL;
    int rc = creds_of(st, job, &who, &account);
    if (rc)
        return settle(st, rc, "the credentials of job", id);
    char voice[512], sms[512];
    provider_webhooks(json_is_true(json_object_get(job, "staging")), voice, sms);
    perr_t e = {0};
    const char *pn = json_string_value(json_object_get(job, "phoneNumberSid"));
    presult_t pr = *voice ? routing_carrier.update(&who, pn, voice, sms, -1, &e)
                          : P_OK; /* no webhook base configured: nothing to point at */
    json_decref(account);
    if ((rc = store_begin(st, 1)))
        return settle(st, rc, "job", id);
    json_t *stored = store_get(st, C_JOBS, id);
    rc = stored ? ST_OK : store_errcode(st); /* missing: done by DeleteEndpoint */
    json_t *cur = stored ? json_copy(stored) : NULL; /* documents from the store are read-only */
    json_decref(stored);
    if (cur && json_integer_value(json_object_get(cur, "seq")) == seq) {
        if (pr == P_OK || pr == P_NONE || pr == P_NOTFOUND) {
            rc = store_delete(st, C_JOBS, id); /* done (or nothing left to route) */
        } else {
            int attempts = (int)json_integer_value(json_object_get(cur, "attempts")) + 1;
            long long delay = (long long)routing_config.retry_base_ms << (attempts < 20 ? attempts - 1 : 19);
            if (delay > routing_config.retry_max_ms)
                delay = routing_config.retry_max_ms;
            delay = delay / 2 + randombytes_uniform((uint32_t)(delay / 2 + 1));
            json_object_set_new(cur, "attempts", json_integer(attempts));
            json_object_set_new(cur, "nextAtMs", json_integer(now_ms() + delay));
            json_object_set_new(cur, "lastError", json_string(e.message));
            json_object_del(cur, "claimedUntilMs");
            json_object_del(cur, "claimedBy");
            rc = store_put(st, C_JOBS, cur);
        }
    } else if (cur && json_integer_value(json_object_get(cur, "claimedUntilMs")) > now_ms()) {
        /* a newer job waited behind this one's claim: its turn now */
        json_object_del(cur, "claimedUntilMs");
        json_object_del(cur, "claimedBy");
        json_object_set_new(cur, "nextAtMs", json_integer(now_ms()));
        rc = store_put(st, C_JOBS, cur);
    }
    json_decref(cur);
    return settle(st, rc, "job", id);
}

/* A purchase reserved long ago and never completed: ask the carrier whether it has
 * the number, then store the endpoint or drop the reservation.  1 when settled or
 * still unknown, -1 when the store failed (the reservation stays, to be asked again). */
static int reconcile(store_t *st, json_t *p)
{
    const char *pid = json_string_value(json_object_get(p, "id"));
    pcreds_t who = {0};
    json_t *account = NULL;
    int rc = creds_of(st, p, &who, &account);
    if (rc)
        return settle(st, rc, "the credentials of purchase", pid);
    pnumber_t pn = {0};
    perr_t e = {0};
    presult_t pr = routing_carrier.find(&who, json_string_value(json_object_get(p, "phoneNumber")), &pn, &e);
    json_decref(account);
    if (pr != P_OK && pr != P_NOTFOUND)
        return 1; /* still cannot tell: try again later */
    if ((rc = store_begin(st, 1)))
        return settle(st, rc, "purchase", pid);
    json_t *cur = store_get(st, C_PURCHASES, pid);
    rc = cur ? ST_OK : store_errcode(st); /* missing: completed by its buyer meanwhile */
    const char *iid = json_string_value(json_object_get(p, "idempotencyId"));
    if (cur && pr == P_OK) {
        json_t *ep = NULL;
        rc = purchase_complete(st, cur, pn.sid, &ep);
        if (!rc && iid) { /* the answer for a client retrying with its Idempotency-Key */
            principal_t sys = {0};
            call_t c = {.st = st, .who = &sys};
            json_t *resp = present_endpoint(&c, ep);
            rc = idem_store(st, iid, resp, 200);
            json_decref(resp);
            json_decref(c.memo);
        }
        json_decref(ep);
    } else if (cur) {
        rc = store_delete(st, C_PURCHASES, pid);
        if (!rc)
            rc = idem_store(st, iid, NULL, 0);
    }
    json_decref(cur);
    return settle(st, rc, "purchase", pid);
}

static int due(store_t *st, coll_t coll, const char *field, long long until, json_t **rows)
{
    query_t q = {0};
    json_t *t = json_integer(until);
    q.f[q.nf++] = (qfilter_t){field, Q_LE, t};
    q.sort = coll == C_JOBS ? "seq" : field;
    q.limit = 50;
    int rc = store_list(st, coll, &q, rows, NULL);
    json_decref(t);
    return rc;
}

int routing_run_once(store_t *st)
{
    int busy = 0, r = 0;
    json_t *rows = NULL;
    size_t i;
    json_t *d;
    /* a store failure ends the pass: the worker pauses rather than calling the carrier
     * again and again for updates it cannot record */
    /* due, and claimed ones too (nextAtMs within a lease): a claim whose worker is gone is void */
    if (!due(st, C_JOBS, "nextAtMs", now_ms() + routing_config.lease_ms, &rows))
        json_array_foreach(rows, i, d)
        {
            if (atomic_load(&stopping) || (r = apply(st, d)) < 0)
                break; /* the rest stay queued */
            busy |= r > 0;
        }
    json_decref(rows);
    rows = NULL;
    if (r >= 0 && !due(st, C_PURCHASES, "createdMs", now_ms() - routing_config.reconcile_after_ms, &rows))
        json_array_foreach(rows, i, d) if (atomic_load(&stopping) || (r = reconcile(st, d)) < 0) break;
    json_decref(rows);
    if (r >= 0 && !atomic_load(&stopping))
        busy |= sip_run_once(st); /* SIP credentials still to make, set or delete */
    return r < 0 ? 0 : busy;
}

static void *work(void *arg)
{
    (void)arg;
    store_t *st = thread_store();
    int present = 0;
    while (st) {
        if (!present) /* announced, so that other servers can tell this one's claims are live */
            present = store_present_hold(st, instance) == ST_OK;
        pthread_mutex_lock(&mu);
        if (!running) {
            pthread_mutex_unlock(&mu);
            break;
        }
        pthread_mutex_unlock(&mu);
        if (routing_run_once(st))
            continue;
        pthread_mutex_lock(&mu);
        if (running && !woken) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)routing_config.poll_ms * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&cv, &mu, &ts);
        }
        woken = 0;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int routing_start(void)
{
    randombytes_buf(&instance, sizeof instance);
    instance |= 1; /* never 0 */
    running = 1;
    stopping = 0;
    return thread_start(&worker, work, NULL);
}

void routing_stop(void)
{
    pthread_mutex_lock(&mu);
    running = 0;
    stopping = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(worker, NULL);
}
