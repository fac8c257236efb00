/* schedule.h — what state a schedule gives at a moment: forceClosed, then the rules by
 * ascending priority (Always, Time as an RFC 5545 recurrence in the schedule's time zone,
 * CustomerState), else defaultState.  Knows the Schedule and SchedulingRule documents and
 * nothing of HTTP or the store: a CustomerState rule asks its caller for the customer's
 * state through sched_env_t. */
#ifndef SCHEDULE_H
#define SCHEDULE_H
#include <jansson.h>
#include <stddef.h>
#include <time.h>

/* How deep CustomerState rules may ask for other schedules' states: a safety net, since
 * saved schedules cannot refer back to themselves (README "Rules of our own"). */
enum { SCHED_MAX_DEPTH = 8 };
/* The most values a by* list may hold, and the largest count (ours). */
enum { SCHED_MAX_LIST = 60, SCHED_MAX_COUNT = 100000 };

typedef struct sched_env {
    /* The state the customer's own schedule gives at t (borrowed, or NULL when there is
     * none to tell); depth: the depth to pass on to sched_state. */
    const char *(*customer_state)(void *ctx, time_t t, int depth);
    void *ctx;
} sched_env_t;

/* The state schedule gives at t, its rules read in time zone tz ("" or NULL: UTC).
 * Borrowed from the schedule (a rule's state, defaultState), "Closed" for forceClosed,
 * "" when nothing says.  env may be NULL: CustomerState rules then never match; past
 * SCHED_MAX_DEPTH they do not match either. */
const char *sched_state(json_t *schedule, const char *tz, time_t t, const sched_env_t *env, int depth);

/* Whether one Time rule is on at t in tz (its recurrence, window and limits). */
int sched_time_rule_on(json_t *rule, const char *tz, time_t t);

/* The checks of a rule's recurrence fields that the schema cannot say: ranges of the by*
 * lists, offsets, count.  0, or -1 with *field the rule's .NET field name ("ByMonth",
 * "ByDay[1].Offset") and msg the reason. */
int sched_check_rule(json_t *rule, char *field, size_t fn, char *msg, size_t mn);

/* An ISO 8601 date-time: with Z or an offset an instant; without, a wall-clock time in tz
 * (a time the clock skips is taken as the same clock reading after the change, an
 * ambiguous one as the first of the two).  A date alone is its midnight.  0 or -1. */
int sched_parse_datetime(const char *s, const char *tz, time_t *out);

#endif
