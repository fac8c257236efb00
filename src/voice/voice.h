/* voice.h — the carrier's webhooks (FLOWS.md 3.2): what happens when a number rings. */
#ifndef VOICE_H
#define VOICE_H
#include <jansson.h>
#include <time.h>
#include "../http/http.h"

struct call;

/* POST {base}/voice, {base}/voice/status, {base}/sms, served before the operation
 * router (form-encoded Twilio requests answered with TwiML): 1 when r was one of them
 * (out filled), else 0.  {base} is the path of --webhook-url / --staging-webhook-url
 * (what a reverse proxy forwards as it is), or nothing (a proxy that strips it). */
int voice_webhook(const http_req_t *r, http_resp_t *out);

/* Twilio's request signature: base64 of HMAC-SHA1, keyed by token, over url followed by
 * every POST parameter of form sorted by name, name and value concatenated.  into sig
 * (at least 29 bytes: 28 base64 characters). */
void voice_signature(const char *token, const char *url, json_t *form, char *sig, size_t n);

/* The state the schedule that applies to endpoint ep (its own, or inherited up its
 * customer tree) gives at t: borrowed, "" when none says (schedule_ops.c). */
const char *endpoint_schedule_state(struct call *c, json_t *ep, time_t t);
/* The same for a customer (its own schedule, or inherited up its tree). */
const char *customer_schedule_state(struct call *c, json_t *customer, time_t t);

#endif
