/* sip.h — SIP users at the carrier (sip.c): the pending change a User endpoint records
 * when it enters or leaves Sip mode, carrying it out, and the routing worker's pass. */
#ifndef SIP_H
#define SIP_H
#include "api.h"
#include "../provider/provider.h"

typedef enum { SIP_DONE, SIP_NOTHING, SIP_REFUSED, SIP_UNKNOWN, SIP_STORE_FAILED } sip_result_t;

/* doc (a User endpoint being written) is to have a credential (put: a new password) or
 * no longer (its SIP fields go); the change is recorded as due at due_ms. */
void sip_pending_set(json_t *doc, int put, long long due_ms);
/* Carry out endpoint id's pending change at the carrier and store the outcome; pr and e
 * say what the carrier answered. */
sip_result_t sip_carry_out(store_t *st, const char *id, presult_t *pr, perr_t *e);
/* Carry it out now and answer the request with the endpoint, or the failure; a refusal
 * undoes the change (created: the new endpoint and its login go). */
int sip_answer(call_t *c, const char *id, int created);
/* Before an endpoint is deleted: its credential goes at the carrier.  0, or -1 with the
 * answer in c (the endpoint stays). */
int sip_release(call_t *c, json_t *ep, const pcreds_t *who);
/* The routing worker's pass over pending changes due: 1 when it carried one out. */
int sip_run_once(store_t *st);

#endif
