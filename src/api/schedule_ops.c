/* schedule_ops.c — GetInheritedSchedule and TestSchedule, on a customer or an endpoint:
 * the schedule that applies to it (its own, or up the customer tree while a schedule
 * inherits), its time zone (cascading up while empty), and the state it gives at a
 * moment (schedule.c).  Both read only: a Manager's ReadOnly access suffices. */
#include "api.h"
#include <stdio.h>
#include <string.h>
#include "schedule.h"
#include "validate.h"
#include "../util/json.h"

int reach_endpoint(call_t *c, const char *id, json_t **out);

enum { MAX_TREE_DEPTH = 1000 };

static json_t *parent_of(call_t *c, json_t *customer) { return call_get(c, C_CUSTOMERS, jstr(customer, "parentCustomerId")); }

/* What applies to a subject whose own schedule is own (NULL: none) and whose next level
 * up is the customer above (an endpoint's customer, a customer's parent; NULL: none).
 * The schedule (borrowed) is the first up the chain that does not inherit, else the
 * topmost there is (nothing above it to inherit), else NULL; tz is its timeZoneId, or
 * the first one set above its level, or "UTC". */
typedef struct { json_t *schedule; const char *tz; } applied_t;

static applied_t applied(call_t *c, json_t *own, json_t *above)
{
    applied_t a = {NULL, NULL};
    json_t *s = json_is_object(own) ? own : NULL, *next = above, *from = above;
    for (int d = 0; d < MAX_TREE_DEPTH; d++) {
        if (s) {
            a.schedule = s, from = next;
            if (!json_is_true(json_object_get(s, "inherit")))
                break;
        }
        if (!next)
            break;
        s = json_is_object(json_object_get(next, "schedule")) ? json_object_get(next, "schedule") : NULL;
        next = parent_of(c, next);
    }
    a.tz = jstr(a.schedule, "timeZoneId");
    for (int d = 0; (!a.tz || !*a.tz) && from && d < MAX_TREE_DEPTH; d++, from = parent_of(c, from))
        a.tz = jstr(json_object_get(from, "schedule"), "timeZoneId");
    if (!a.tz || !*a.tz)
        a.tz = "UTC";
    return a;
}

/* The customer whose state a CustomerState rule asks for: the state its own schedule
 * (what applies to it) gives at t. */
typedef struct { call_t *c; json_t *customer; } asker_t;

static const char *customer_state(void *ctx, time_t t, int depth);

static const char *state_of(call_t *c, json_t *schedule, const char *tz, json_t *customer, time_t t, int depth)
{
    asker_t who = {c, customer};
    sched_env_t env = {customer_state, &who};
    return sched_state(schedule, tz, t, customer ? &env : NULL, depth);
}

static const char *customer_state(void *ctx, time_t t, int depth)
{
    asker_t *who = ctx;
    applied_t a = applied(who->c, json_object_get(who->customer, "schedule"), parent_of(who->c, who->customer));
    return a.schedule ? state_of(who->c, a.schedule, a.tz, who->customer, t, depth) : NULL;
}

/* The subject of the call: the endpoint (endpointId) or the customer (customerId), with
 * reach checked; own: its schedule; above: the customer above it; customer: the one whose
 * state CustomerState rules ask for (the endpoint's customer, or the customer itself). */
typedef struct { json_t *own, *above, *customer; int is_customer; } subject_t;

static int subject(call_t *c, subject_t *s)
{
    const char *eid = req_str(c, "endpointId"), *cid = req_str(c, "customerId");
    json_t *d;
    if (eid && *eid) {
        if (reach_endpoint(c, eid, &d))
            return -1;
        s->customer = s->above = call_get(c, C_CUSTOMERS, jstr(d, "customerId"));
        s->is_customer = 0;
    } else if (cid && *cid) {
        if (reach_customer(c, cid, &d))
            return -1;
        s->customer = d;
        s->above = parent_of(c, d);
        s->is_customer = 1;
    } else {
        return fail_field(c, "CustomerId", "ArgumentException", "CustomerId or EndpointId is required");
    }
    s->own = json_object_get(d, "schedule");
    return store_failed(c->st) ? fail_store(c, store_failed(c->st), "customer") : 0;
}

int op_get_inherited_schedule(call_t *c)
{
    subject_t s;
    if (subject(c, &s))
        return -1;
    applied_t a = applied(c, s.own, s.above);
    if (store_failed(c->st))
        return fail_store(c, store_failed(c->st), "customer");
    json_t *out = a.schedule ? json_deep_copy(a.schedule) : json_pack("{s:b,s:[]}", "forceClosed", 0, "rules");
    json_object_set_new(out, "timeZoneId", json_string(a.tz));
    json_object_set_new(out, "inherit", json_false()); /* it is the one that applies: nothing more to inherit */
    c->resp = out;
    return 0;
}

int op_test_schedule(call_t *c)
{
    subject_t s;
    if (subject(c, &s))
        return -1;
    json_t *trial = req_get(c, "schedule");
    if (json_is_object(trial)) {
        trial = json_deep_copy(trial); /* validation gives rules ids: not in the request */
        int bad = s.is_customer ? validate_customer_schedule(c, trial, "Schedule") : validate_schedule(c, trial, "Schedule");
        json_decref(trial);
        if (bad)
            return -1;
        s.own = req_get(c, "schedule");
    }
    applied_t a = applied(c, s.own, s.above);
    const char *when = req_str(c, "dateTime");
    time_t t = time(NULL);
    if (when && *when && sched_parse_datetime(when, a.tz, &t))
        return fail_field(c, "DateTime", "ArgumentException",
                          "'%s' is not an ISO 8601 date and time (yyyy-MM-ddTHH:mm[:ss][Z|+HH:mm])", when);
    const char *state = a.schedule ? state_of(c, a.schedule, a.tz, s.customer, t, 0) : "";
    if (store_failed(c->st))
        return fail_store(c, store_failed(c->st), "customer");
    c->resp = json_pack("{s:s,s:s}", "stateName", state ? state : "", "timeZoneId", a.tz);
    return 0;
}

/* For the call runtime (voice.h): the state an endpoint's applied schedule gives at t. */
const char *endpoint_schedule_state(call_t *c, json_t *ep, time_t t)
{
    json_t *customer = call_get(c, C_CUSTOMERS, jstr(ep, "customerId"));
    applied_t a = applied(c, json_object_get(ep, "schedule"), customer);
    const char *s = a.schedule ? state_of(c, a.schedule, a.tz, customer, t, 0) : NULL;
    return s ? s : "";
}

/* For the call runtime's Schedule node: the state a customer's applied schedule gives at t. */
const char *customer_schedule_state(call_t *c, json_t *customer, time_t t)
{
    applied_t a = applied(c, json_object_get(customer, "schedule"), parent_of(c, customer));
    const char *s = a.schedule ? state_of(c, a.schedule, a.tz, customer, t, 0) : NULL;
    return s ? s : "";
}
