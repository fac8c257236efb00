/* provider.h — the telephony carrier, as the domain sees it: sub-accounts, number
 * search, buying, listing, routing (webhooks, fax mode), release, SIP users, hanging up a call
 * and deleting a recording.  Back ends: "none"
 * (virtual numbers only) and Twilio over libcurl (twilio.c). */
#ifndef PROVIDER_H
#define PROVIDER_H
#include <jansson.h>

typedef enum {
    P_OK = 0,
    P_NONE,     /* no carrier configured */
    P_ERROR,    /* the carrier refused or failed: see message */
    P_UNKNOWN,  /* no answer in time: the call may or may not have happened */
    P_NOTFOUND, /* the carrier has no such thing */
} presult_t;

typedef struct perr {
    int status;        /* the carrier's HTTP status (0: none) */
    int code;          /* the carrier's error code (Twilio: 21452, 20003, ...) */
    char message[512];
} perr_t;

typedef struct pcreds { /* whose carrier account a call acts on */
    const char *account_sid;  /* the (sub)account */
    const char *auth_token;   /* its own token (bring-your-own-account), or NULL: the main one */
    char token_buf[128];      /* where auth_token is opened to when it is stored sealed */
} pcreds_t;

typedef struct pnumber { /* a number bought or found at the carrier */
    char sid[64];
    char phone_number[32];
} pnumber_t;

typedef struct provider_config {
    const char *account_sid, *auth_token; /* the platform's main account */
    const char *base_url;                 /* default https://api.twilio.com */
    const char *webhook_url;              /* production base: {base}/voice, {base}/sms */
    const char *staging_webhook_url;      /* staging base */
    int timeout_ms;                       /* one HTTP attempt (default 10000) */
    int max_attempts;                     /* attempts of a retryable call (default 4) */
    int backoff_ms;                       /* first backoff (default 200), doubled each time */
    int max_backoff_ms;                   /* cap of one wait, also of Retry-After (default 10000) */
} provider_config_t;
extern provider_config_t provider_config;

int provider_init(void);         /* after provider_config is filled */
int provider_configured(void);   /* a carrier is there */
void provider_cleanup(void);
/* Shutting down: carrier calls still running after ms are cut short (a purchase cut
 * short stays reserved, for the reconciler), and no retry waits past then. */
void provider_abort_after(int ms);

/* Webhook URLs for a customer's mode; NULL when no base is configured. */
void provider_webhooks(int staging, char voice[512], char sms[512]);

/* token: the sub-account's own auth token ("" when the answer had none), kept to check
 * the signatures of the webhooks Twilio sends for its numbers. */
presult_t provider_create_subaccount(const char *friendly_name, char sid[64], char token[128], perr_t *e);
presult_t provider_check_account(const pcreds_t *who, perr_t *e);
presult_t provider_search(const pcreds_t *who, const char *country, int toll_free, json_t *params, json_t **numbers,
                          perr_t *e);
/* Buy: never repeats a purchase whose outcome is unknown; it looks the number up first. */
presult_t provider_buy(const pcreds_t *who, const char *e164, const char *friendly_name, const char *address_sid,
                       int fax, int staging, pnumber_t *out, perr_t *e);
presult_t provider_find(const pcreds_t *who, const char *e164, pnumber_t *out, perr_t *e);
/* Every number the account holds (Twilio's IncomingPhoneNumbers, all pages): a new array
 * of the carrier's resources (sid, phone_number, friendly_name, voice_url, ...). */
presult_t provider_list_numbers(const pcreds_t *who, json_t **numbers, perr_t *e);
/* voice_url / sms_url NULL: unchanged; fax: -1 unchanged, 0 voice, 1 fax. */
presult_t provider_update(const pcreds_t *who, const char *pn_sid, const char *voice_url, const char *sms_url, int fax,
                          perr_t *e);
presult_t provider_release(const pcreds_t *who, const char *pn_sid, perr_t *e);
/* Delete a recording (RE...) of the account: P_OK also when the carrier no longer has it. */
presult_t provider_delete_recording(const pcreds_t *who, const char *recording_sid, perr_t *e);
/* Hang up a call (CA...) of the account (Status=completed): P_OK also when the carrier
 * no longer has it or it is already over. */
presult_t provider_end_call(const pcreds_t *who, const char *call_sid, perr_t *e);

/* SIP (Voice SIP Domains, /SIP/... of the account): every call below looks before it
 * makes, so repeating one after a failure or a crash makes nothing twice.
 * Setup: the domain named domain_name (SIP registration on, calls to voice_url), the
 * credential list named list_name, and the list mapped to the domain for calls and
 * registrations; their SIDs. */
presult_t provider_sip_setup(const pcreds_t *who, const char *domain_name, const char *list_name, const char *voice_url,
                             char domain_sid[64], char list_sid[64], perr_t *e);
/* The credential user in the list, with this password: its password set, or made.
 * cr_sid: the credential's SID when known ("" when not: it is looked up by user name);
 * the SID on P_OK. */
presult_t provider_sip_credential_put(const pcreds_t *who, const char *list_sid, const char *user, const char *password,
                                      char cr_sid[64], perr_t *e);
/* The credential (cr_sid, or when NULL or "" the list's one named user) is gone; P_OK
 * also when it was not there. */
presult_t provider_sip_credential_delete(const pcreds_t *who, const char *list_sid, const char *user, const char *cr_sid,
                                         perr_t *e);

#endif
