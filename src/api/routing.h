/* routing.h — the durable queue of carrier routing updates (staging / production
 * webhooks) and the background worker that applies them and reconciles purchases. */
#ifndef ROUTING_H
#define ROUTING_H
#include "api.h"
#include "../provider/provider.h"

typedef struct routing_config {
    int poll_ms;             /* how often the worker looks for due work (default 200) */
    int retry_base_ms;       /* first retry delay of a failed update (default 500) */
    int retry_max_ms;        /* largest retry delay (default 60000) */
    int reconcile_after_ms;  /* a purchase still unconfirmed this long is looked up (default 60000) */
    int lease_ms;            /* a job claimed by a worker is no other worker's for this long, or until
                              * its outcome is recorded (default 60000: past any carrier call) */
} routing_config_t;
extern routing_config_t routing_config;

/* In the caller's write transaction: route every carrier-bought number of the customer
 * at the staging or production webhooks.  One job per endpoint: a newer one replaces an
 * older one still waiting, so the last setting wins. */
int routing_enqueue_customer(call_t *c, const char *customer_id, int staging);
/* The same for one endpoint (ignored unless it is a number bought at the carrier). */
int routing_enqueue_endpoint(store_t *st, json_t *ep, int staging);

/* The carrier calls the worker makes: the provider's; a test puts its own. */
typedef struct routing_carrier {
    presult_t (*update)(const pcreds_t *who, const char *pn_sid, const char *voice_url, const char *sms_url, int fax,
                        perr_t *e);
    presult_t (*find)(const pcreds_t *who, const char *e164, pnumber_t *out, perr_t *e);
} routing_carrier_t;
extern routing_carrier_t routing_carrier;

/* One pass of the worker on st: the routing updates due, then the purchases to confirm.
 * Returns 1 when it applied something (more may be due), else 0. */
int routing_run_once(store_t *st);

int routing_start(void); /* the worker thread */
void routing_stop(void);
void routing_wake(void);

#endif
