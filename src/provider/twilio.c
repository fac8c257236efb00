/* twilio.c — the Twilio REST API (2010-04-01) over libcurl.
 *
 * Form-encoded requests with HTTP Basic auth (the platform's main account acts on its
 * sub-accounts; a bring-your-own account uses its own token).  429 and 5xx are retried
 * with exponential backoff and full jitter, honouring Retry-After; each attempt has a
 * time limit.  A purchase is not idempotent: when its outcome is unknown (time-out, 5xx
 * after the request was sent) the number is looked up on the account before anything
 * is tried again, so a number is never bought twice. */
#include "provider.h"
#include <curl/curl.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../util/buf.h"
#include "../util/ids.h"

provider_config_t provider_config = {NULL, NULL, "https://api.twilio.com", NULL, NULL, 10000, 4, 200, 10000};

static atomic_llong abort_at; /* 0: never; else a now_ms() after which calls stop */

int provider_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

void provider_abort_after(int ms) { atomic_store(&abort_at, now_ms() + ms); }

static int aborted(void)
{
    long long a = atomic_load(&abort_at);
    return a && now_ms() >= a;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)ud, (void)dt, (void)dn, (void)ut, (void)un;
    return aborted(); /* non-zero ends the transfer */
}
void provider_cleanup(void) { curl_global_cleanup(); }

int provider_configured(void)
{
    return provider_config.account_sid && *provider_config.account_sid && provider_config.auth_token &&
           *provider_config.auth_token;
}

void provider_webhooks(int staging, char voice[512], char sms[512])
{
    const char *base = staging ? provider_config.staging_webhook_url : provider_config.webhook_url;
    if (!base || !*base) {
        voice[0] = sms[0] = 0;
        return;
    }
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    snprintf(voice, 512, "%.*s/voice", (int)n, base);
    snprintf(sms, 512, "%.*s/sms", (int)n, base);
}

/* ---- one HTTP exchange ---- */
typedef struct {
    long status;
    buf_t body;
    long retry_after_ms; /* -1: none */
    int transport_error; /* 1: no answer (time-out, refused, reset) */
    int sent;            /* the request left us (its outcome may be unknown) */
} resp_t;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    resp_t *r = ud;
    if (r->body.len + sz * n > (1 << 22))
        return 0; /* a carrier answer over 4 MiB is not one we want */
    buf_put(&r->body, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t len = sz * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        long secs = strtol(p + 12, NULL, 10);
        r->retry_after_ms = secs >= 0 ? secs * 1000 : -1;
    }
    return len;
}

static void form_add(buf_t *f, CURL *c, const char *k, const char *v)
{
    if (!v)
        return;
    char *ek = curl_easy_escape(c, k, 0), *ev = curl_easy_escape(c, v, 0);
    buf_printf(f, "%s%s=%s", f->len ? "&" : "", ek, ev);
    curl_free(ek);
    curl_free(ev);
}

static void once(const char *method, const char *url, const pcreds_t *who, const char *form, resp_t *r)
{
    memset(r, 0, sizeof *r);
    r->retry_after_ms = -1;
    CURL *c = curl_easy_init();
    if (!c) {
        r->transport_error = 1;
        return;
    }
    char userpwd[256];
    int own = who && who->auth_token && *who->auth_token;
    snprintf(userpwd, sizeof userpwd, "%s:%s", own ? who->account_sid : provider_config.account_sid,
             own ? who->auth_token : provider_config.auth_token);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)provider_config.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(provider_config.timeout_ms < 5000 ? provider_config.timeout_ms : 5000));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "evovoiced");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form ? form : "");
    } else if (!strcmp(method, "DELETE")) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK || r->status == 0) {
        r->transport_error = 1;
        /* connect failures never reached the carrier; anything later may have */
        r->sent = rc != CURLE_COULDNT_CONNECT && rc != CURLE_COULDNT_RESOLVE_HOST;
    } else {
        r->sent = 1;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

/* Wait ms, in short steps so that a shutdown does not wait for a long backoff. */
static void sleep_ms(long ms)
{
    while (ms > 0 && !aborted()) {
        long step = ms < 50 ? ms : 50;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static long backoff(int attempt, long retry_after_ms)
{
    if (retry_after_ms >= 0)
        return retry_after_ms < provider_config.max_backoff_ms ? retry_after_ms : provider_config.max_backoff_ms;
    long cap = (long)provider_config.backoff_ms << (attempt < 16 ? attempt : 16);
    if (cap > provider_config.max_backoff_ms)
        cap = provider_config.max_backoff_ms;
    return cap / 2 + (long)randombytes_uniform((uint32_t)(cap / 2 + 1)); /* jitter */
}

static presult_t carrier_error(resp_t *r, perr_t *e)
{
    json_t *j = json_loadb(r->body.p ? r->body.p : "", r->body.len, 0, NULL);
    e->status = (int)r->status;
    e->code = (int)json_integer_value(json_object_get(j, "code"));
    const char *m = json_string_value(json_object_get(j, "message"));
    if (m)
        snprintf(e->message, sizeof e->message, "%s", m);
    else
        snprintf(e->message, sizeof e->message, "The carrier answered HTTP %ld", r->status);
    json_decref(j);
    return r->status == 404 ? P_NOTFOUND : P_ERROR;
}

/* A call that is safe to repeat (GET, update, release, and a buy refused with 429).
 * retry_5xx: 5xx may be retried (idempotent calls). */
static presult_t call(const char *method, const char *path, const pcreds_t *who, const char *form, int retry_5xx,
                      json_t **out, perr_t *e, int *unknown_sent)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", provider_config.base_url, path);
    memset(e, 0, sizeof *e);
    for (int attempt = 0;; attempt++) {
        resp_t r;
        if (aborted() && attempt > 0) { /* shutting down: no more attempts */
            snprintf(e->message, sizeof e->message, "The server is shutting down");
            return P_UNKNOWN;
        }
        once(method, url, who, form, &r);
        int last = attempt + 1 >= provider_config.max_attempts || aborted();
        if (!r.transport_error && r.status < 300) {
            if (out)
                *out = json_loadb(r.body.p ? r.body.p : "{}", r.body.len ? r.body.len : 2, 0, NULL);
            buf_free(&r.body);
            return P_OK;
        }
        int retry = r.transport_error ? (!r.sent || retry_5xx) : (r.status == 429 || (r.status >= 500 && retry_5xx));
        if (!retry || last) {
            presult_t pr;
            if (r.transport_error) {
                snprintf(e->message, sizeof e->message, "The carrier did not answer in time");
                pr = P_UNKNOWN;
                if (unknown_sent)
                    *unknown_sent = r.sent;
            } else if (r.status >= 500 && !retry_5xx) {
                carrier_error(&r, e);
                pr = P_UNKNOWN; /* a 5xx on a purchase: it may have gone through */
                if (unknown_sent)
                    *unknown_sent = 1;
            } else {
                pr = carrier_error(&r, e);
            }
            buf_free(&r.body);
            return pr;
        }
        long wait = backoff(attempt, r.status == 429 ? r.retry_after_ms : -1);
        buf_free(&r.body);
        sleep_ms(wait);
    }
}

static const char *sid_of(const pcreds_t *who) { return who && who->account_sid ? who->account_sid : provider_config.account_sid; }

presult_t provider_create_subaccount(const char *friendly_name, char sid[64], char token[128], perr_t *e)
{
    if (!provider_configured())
        return P_NONE;
    buf_t f = {0};
    CURL *c = curl_easy_init();
    form_add(&f, c, "FriendlyName", friendly_name);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    /* creating twice is harmless but wasteful: 5xx is not repeated blindly */
    presult_t pr = call("POST", "/2010-04-01/Accounts.json", NULL, f.p, 0, &j, e, NULL);
    buf_free(&f);
    if (pr == P_OK) {
        const char *s = json_string_value(json_object_get(j, "sid"));
        snprintf(sid, 64, "%s", s ? s : "");
        const char *t = json_string_value(json_object_get(j, "auth_token"));
        snprintf(token, 128, "%s", t ? t : "");
        if (!s) {
            snprintf(e->message, sizeof e->message, "The carrier's answer had no account sid");
            pr = P_ERROR;
        }
    }
    json_decref(j);
    return pr;
}

presult_t provider_check_account(const pcreds_t *who, perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    char path[256];
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s.json", sid_of(who));
    return call("GET", path, who, NULL, 1, NULL, e, NULL);
}

presult_t provider_search(const pcreds_t *who, const char *country, int toll_free, json_t *params, json_t **numbers,
                          perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    buf_t q = {0};
    CURL *c = curl_easy_init();
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v) if (json_is_string(v) && json_string_length(v)) form_add(&q, c, k, json_string_value(v));
    curl_easy_cleanup(c);
    char path[1024];
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/AvailablePhoneNumbers/%s/%s.json%s%s", sid_of(who), country,
             toll_free ? "TollFree" : "Local", q.len ? "?" : "", q.len ? q.p : "");
    buf_free(&q);
    json_t *j = NULL;
    presult_t pr = call("GET", path, who, NULL, 1, &j, e, NULL);
    if (pr == P_OK) {
        *numbers = json_incref(json_object_get(j, "available_phone_numbers"));
        if (!*numbers)
            *numbers = json_array();
    }
    json_decref(j);
    return pr;
}

static void fill_number(json_t *j, pnumber_t *out)
{
    snprintf(out->sid, sizeof out->sid, "%s", json_string_value(json_object_get(j, "sid")) ?: "");
    snprintf(out->phone_number, sizeof out->phone_number, "%s", json_string_value(json_object_get(j, "phone_number")) ?: "");
}

presult_t provider_find(const pcreds_t *who, const char *e164, pnumber_t *out, perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    CURL *c = curl_easy_init();
    char *en = curl_easy_escape(c, e164, 0);
    char path[512];
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json?PhoneNumber=%s", sid_of(who), en);
    curl_free(en);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    presult_t pr = call("GET", path, who, NULL, 1, &j, e, NULL);
    if (pr == P_OK) {
        json_t *list = json_object_get(j, "incoming_phone_numbers"), *n;
        size_t i;
        pr = P_NOTFOUND;
        json_array_foreach(list, i, n)
        {
            if (!strcmp(json_string_value(json_object_get(n, "phone_number")) ?: "", e164)) {
                fill_number(n, out);
                pr = P_OK;
                break;
            }
        }
    }
    json_decref(j);
    return pr;
}

enum { LIST_PAGE_SIZE = 1000, MAX_LIST_PAGES = 1000 }; /* 1000 is Twilio's largest page */

presult_t provider_list_numbers(const pcreds_t *who, json_t **numbers, perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    char first[256], path[1024];
    snprintf(first, sizeof first, "/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json", sid_of(who));
    snprintf(path, sizeof path, "%s?PageSize=%d", first, LIST_PAGE_SIZE);
    json_t *all = json_array();
    presult_t pr = P_OK;
    for (int page = 0; pr == P_OK; page++) {
        json_t *j = NULL;
        pr = call("GET", path, who, NULL, 1, &j, e, NULL);
        if (pr != P_OK)
            break;
        json_array_extend(all, json_object_get(j, "incoming_phone_numbers"));
        const char *next = json_string_value(json_object_get(j, "next_page_uri"));
        int more = next && *next;
        /* the next page is the same list of the same account: never another URL */
        if (more && (strncmp(next, first, strlen(first)) || next[strlen(first)] != '?' || strlen(next) >= sizeof path ||
                     page + 1 >= MAX_LIST_PAGES)) {
            snprintf(e->message, sizeof e->message, "The carrier's list of numbers has an unexpected next page");
            pr = P_ERROR;
        } else if (more) {
            snprintf(path, sizeof path, "%s", next);
        }
        json_decref(j);
        if (!more)
            break;
    }
    if (pr == P_OK)
        *numbers = all;
    else
        json_decref(all);
    return pr;
}

/* The number's call status callback, beside its VoiceUrl: {base}/voice/status, where a
 * final status ends the call's session. */
static void status_callback(buf_t *f, CURL *c, const char *voice_url)
{
    char url[600];
    snprintf(url, sizeof url, "%s/status", voice_url);
    form_add(f, c, "StatusCallback", url);
    form_add(f, c, "StatusCallbackMethod", "POST");
}

presult_t provider_buy(const pcreds_t *who, const char *e164, const char *friendly_name, const char *address_sid,
                       int fax, int staging, pnumber_t *out, perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    char voice[512], sms[512];
    provider_webhooks(staging, voice, sms);
    buf_t f = {0};
    CURL *c = curl_easy_init();
    char fname[65];
    snprintf(fname, sizeof fname, "%s", friendly_name ? friendly_name : e164); /* Twilio allows 64 */
    form_add(&f, c, "PhoneNumber", e164);
    form_add(&f, c, "FriendlyName", fname);
    if (*voice) {
        form_add(&f, c, "VoiceUrl", voice);
        form_add(&f, c, "VoiceMethod", "POST");
        status_callback(&f, c, voice);
        form_add(&f, c, "SmsUrl", sms);
        form_add(&f, c, "SmsMethod", "POST");
    }
    if (address_sid && *address_sid)
        form_add(&f, c, "AddressSid", address_sid);
    if (fax)
        form_add(&f, c, "VoiceReceiveMode", "fax");
    curl_easy_cleanup(c);
    char path[256];
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json", sid_of(who));
    presult_t pr;
    for (int round = 0; round < 3; round++) {
        json_t *j = NULL;
        int sent = 0;
        pr = call("POST", path, who, f.p, 0, &j, e, &sent);
        if (pr == P_OK)
            fill_number(j, out);
        json_decref(j);
        if (pr != P_UNKNOWN)
            break;
        /* the outcome is unknown: did it go through?  Ask before buying again. */
        perr_t fe;
        presult_t found = provider_find(who, e164, out, &fe);
        if (found == P_OK) {
            pr = P_OK;
            break;
        }
        if (found != P_NOTFOUND)
            break; /* cannot tell: leave it unknown, the caller keeps the reservation */
    }
    buf_free(&f);
    return pr;
}

presult_t provider_update(const pcreds_t *who, const char *pn_sid, const char *voice_url, const char *sms_url, int fax,
                          perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    buf_t f = {0};
    CURL *c = curl_easy_init();
    if (voice_url) {
        form_add(&f, c, "VoiceUrl", voice_url);
        form_add(&f, c, "VoiceMethod", "POST");
        status_callback(&f, c, voice_url);
    }
    if (sms_url) {
        form_add(&f, c, "SmsUrl", sms_url);
        form_add(&f, c, "SmsMethod", "POST");
    }
    if (fax >= 0)
        form_add(&f, c, "VoiceReceiveMode", fax ? "fax" : "voice");
    curl_easy_cleanup(c);
    char path[256];
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/IncomingPhoneNumbers/%s.json", sid_of(who), pn_sid);
    presult_t pr = call("POST", path, who, f.p ? f.p : "", 1, NULL, e, NULL);
    buf_free(&f);
    return pr;
}

/* A delete or update of one resource of the account ({coll}/{sid}.json), safe to repeat;
 * the carrier's 404 means it is gone already. */
static presult_t on_resource(const pcreds_t *who, const char *method, const char *coll, const char *sid, const char *form,
                             perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    CURL *c = curl_easy_init();
    char *es = curl_easy_escape(c, sid, 0);
    char path[512];
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/%s/%s.json", sid_of(who), coll, es ? es : "");
    curl_free(es);
    curl_easy_cleanup(c);
    presult_t pr = call(method, path, who, form, 1, NULL, e, NULL);
    return pr == P_NOTFOUND ? P_OK : pr;
}

presult_t provider_delete_recording(const pcreds_t *who, const char *recording_sid, perr_t *e)
{
    return on_resource(who, "DELETE", "Recordings", recording_sid, NULL, e);
}

enum { TWILIO_CALL_NOT_IN_PROGRESS = 21220 }; /* "Invalid call state": the call is over */

presult_t provider_end_call(const pcreds_t *who, const char *call_sid, perr_t *e)
{
    presult_t pr = on_resource(who, "POST", "Calls", call_sid, "Status=completed", e);
    return pr == P_ERROR && e->code == TWILIO_CALL_NOT_IN_PROGRESS ? P_OK : pr;
}

presult_t provider_release(const pcreds_t *who, const char *pn_sid, perr_t *e)
{
    return on_resource(who, "DELETE", "IncomingPhoneNumbers", pn_sid, NULL, e); /* already gone is released */
}

/* ---- SIP ---- */

/* The sid of the item of GET path's list (its JSON key) whose key equals value; P_NOTFOUND
 * when none does.  One page of up to 1000 (a credential list holds at most 1000). */
static presult_t sip_find(const pcreds_t *who, const char *path, const char *list, const char *key, const char *value,
                          char sid[64], perr_t *e)
{
    char url[600];
    snprintf(url, sizeof url, "%s?PageSize=1000", path);
    json_t *j = NULL, *it;
    presult_t pr = call("GET", url, who, NULL, 1, &j, e, NULL);
    size_t i;
    if (pr == P_OK) {
        pr = P_NOTFOUND;
        json_array_foreach(json_object_get(j, list), i, it) if (!strcmp(json_string_value(json_object_get(it, key)) ?: "", value))
        {
            snprintf(sid, 64, "%s", json_string_value(json_object_get(it, "sid")) ?: "");
            pr = P_OK;
            break;
        }
    }
    json_decref(j);
    return pr;
}

/* POST a form that makes something (not repeated on 5xx: it may have been made); its sid. */
static presult_t sip_make(const pcreds_t *who, const char *path, buf_t *form, char sid[64], perr_t *e)
{
    json_t *j = NULL;
    presult_t pr = call("POST", path, who, form->p ? form->p : "", 0, &j, e, NULL);
    if (pr == P_OK)
        snprintf(sid, 64, "%s", json_string_value(json_object_get(j, "sid")) ?: "");
    json_decref(j);
    buf_free(form);
    return pr;
}

/* Find the item, else make it with form (freed either way). */
static presult_t sip_ensure(const pcreds_t *who, const char *path, const char *list, const char *key, const char *value,
                            buf_t *form, char sid[64], perr_t *e)
{
    presult_t pr = sip_find(who, path, list, key, value, sid, e);
    if (pr != P_NOTFOUND) {
        buf_free(form);
        return pr;
    }
    return sip_make(who, path, form, sid, e);
}

presult_t provider_sip_setup(const pcreds_t *who, const char *domain_name, const char *list_name, const char *voice_url,
                             char domain_sid[64], char list_sid[64], perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    char path[512], sid[64];
    CURL *c = curl_easy_init();
    buf_t f = {0};
    form_add(&f, c, "DomainName", domain_name);
    form_add(&f, c, "FriendlyName", domain_name);
    form_add(&f, c, "SipRegistration", "true");
    if (voice_url && *voice_url) {
        form_add(&f, c, "VoiceUrl", voice_url);
        form_add(&f, c, "VoiceMethod", "POST");
    }
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/SIP/Domains.json", sid_of(who));
    presult_t pr = sip_ensure(who, path, "domains", "domain_name", domain_name, &f, domain_sid, e);
    if (pr == P_OK) {
        form_add(&f, c, "FriendlyName", list_name);
        snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/SIP/CredentialLists.json", sid_of(who));
        pr = sip_ensure(who, path, "credential_lists", "friendly_name", list_name, &f, list_sid, e);
    }
    static const char *const auth[] = {"Calls", "Registrations"};
    for (int i = 0; i < 2 && pr == P_OK; i++) {
        form_add(&f, c, "CredentialListSid", list_sid);
        snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/SIP/Domains/%s/Auth/%s/CredentialListMappings.json",
                 sid_of(who), domain_sid, auth[i]);
        pr = sip_ensure(who, path, "contents", "sid", list_sid, &f, sid, e);
    }
    curl_easy_cleanup(c);
    return pr;
}

/* POST the new password to credential cr_sid of the list. */
static presult_t sip_password(const pcreds_t *who, const char *list_sid, const char *cr_sid, const char *password,
                              perr_t *e)
{
    char one[600];
    CURL *c = curl_easy_init();
    buf_t f = {0};
    form_add(&f, c, "Password", password);
    curl_easy_cleanup(c);
    snprintf(one, sizeof one, "/2010-04-01/Accounts/%s/SIP/CredentialLists/%s/Credentials/%s.json", sid_of(who), list_sid,
             cr_sid);
    presult_t pr = call("POST", one, who, f.p, 1, NULL, e, NULL);
    buf_free(&f);
    return pr;
}

presult_t provider_sip_credential_put(const pcreds_t *who, const char *list_sid, const char *user, const char *password,
                                      char cr_sid[64], perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    presult_t pr = *cr_sid ? sip_password(who, list_sid, cr_sid, password, e) : P_NOTFOUND;
    if (pr != P_NOTFOUND)
        return pr;
    char path[512];
    snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/SIP/CredentialLists/%s/Credentials.json", sid_of(who), list_sid);
    pr = sip_find(who, path, "credentials", "username", user, cr_sid, e);
    if (pr == P_OK)
        return sip_password(who, list_sid, cr_sid, password, e);
    if (pr != P_NOTFOUND)
        return pr;
    CURL *c = curl_easy_init();
    buf_t f = {0};
    form_add(&f, c, "Username", user);
    form_add(&f, c, "Password", password);
    curl_easy_cleanup(c);
    return sip_make(who, path, &f, cr_sid, e);
}

presult_t provider_sip_credential_delete(const pcreds_t *who, const char *list_sid, const char *user, const char *cr_sid,
                                         perr_t *e)
{
    if (!provider_configured() && !(who && who->auth_token))
        return P_NONE;
    char path[512], one[600], sid[64];
    snprintf(sid, sizeof sid, "%s", cr_sid ? cr_sid : "");
    if (!*sid) {
        snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/SIP/CredentialLists/%s/Credentials.json", sid_of(who), list_sid);
        presult_t pr = sip_find(who, path, "credentials", "username", user, sid, e);
        if (pr != P_OK)
            return pr == P_NOTFOUND ? P_OK : pr;
    }
    snprintf(one, sizeof one, "/2010-04-01/Accounts/%s/SIP/CredentialLists/%s/Credentials/%s.json", sid_of(who), list_sid, sid);
    presult_t pr = call("DELETE", one, who, NULL, 1, NULL, e, NULL);
    return pr == P_NOTFOUND ? P_OK : pr;
}
