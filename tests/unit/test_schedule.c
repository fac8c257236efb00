/* test_schedule.c — the schedule evaluator: a 09:00-17:00 weekday rule in New York on
 * the days around both 2026 daylight-saving changes, a window in the skipped hour and one
 * in the repeated hour, a window past midnight (also across a change), "second Tuesday",
 * "last weekday of the month", count, untilDate, interval, startDate; priorities,
 * forceClosed, defaultState, CustomerState and its depth bound; the recurrences checked
 * against libical's own expansion and hand-worked dates; dateTime parsing; rule checks.
 * Every instant below is written in UTC, worked out by hand from the local time in the
 * comment (New York: EST = UTC-5 until 2026-03-08 07:00Z, EDT = UTC-4 until
 * 2026-11-01 06:00Z, then EST). */
#include "check.h"
#include <jansson.h>
#include <libical/ical.h>
#include <stdlib.h>
#include "api/schedule.h"

static const char *NY = "America/New_York";

static time_t utc(const char *s)
{
    time_t t = 0;
    if (sched_parse_datetime(s, "UTC", &t))
        fprintf(stderr, "bad instant %s\n", s);
    return t;
}

/* the state of a one-rule schedule (state "Open", default "Closed") at a UTC instant */
static const char *one(const char *rule_json, const char *when)
{
    static char out[64];
    json_error_t e;
    json_t *rule = json_loads(rule_json, 0, &e);
    if (!rule) {
        fprintf(stderr, "bad rule %s: %s\n", rule_json, e.text);
        return "(bad rule)";
    }
    json_object_set_new(rule, "state", json_string("Open"));
    json_t *s = json_pack("{s:s,s:[o],s:s}", "timeZoneId", NY, "rules", rule, "defaultState", "Closed");
    snprintf(out, sizeof out, "%s", sched_state(s, NY, utc(when), NULL, 0));
    json_decref(s);
    return out;
}

/* libical's own expansion of rrule from dtstart: the first n occurrence dates, "yyyymmdd,..." */
static const char *expand(const char *rrule, const char *dtstart, int n)
{
    static char out[512];
    out[0] = 0;
    struct icalrecurrencetype r = icalrecurrencetype_from_string(rrule);
    icalrecur_iterator *it = icalrecur_iterator_new(r, icaltime_from_string(dtstart));
    for (int i = 0; i < n; i++) {
        struct icaltimetype o = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(o))
            break;
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%04d%02d%02d", i ? "," : "", o.year, o.month, o.day);
    }
    icalrecur_iterator_free(it);
    return out;
}

/* A Time rule (state "Open", default "Closed") and instants (UTC) with the state each gives */
typedef struct { const char *what, *rule; const char *at[12][2]; } timed_t;
#define T "{\"simpleRuleType\":\"Time\","
#define OFFICE "\"startTime\":\"09:00\",\"endTime\":\"17:00\","
#define NIGHT "\"startTime\":\"22:00\",\"endTime\":\"06:00\","
#define DAYS(...) "\"byDay\":[" __VA_ARGS__ "]"
#define DAY(d) "{\"dayOfWeek\":\"" d "\"}"
#define WEEKDAYS DAYS(DAY("Monday") "," DAY("Tuesday") "," DAY("Wednesday") "," DAY("Thursday") "," DAY("Friday"))

static const timed_t TIMED[] = {
    {"office hours, spring: Fri 03-06 (EST), Sun 03-08 (the change), Mon 03-09 (EDT)",
     T "\"frequency\":\"Weekly\"," OFFICE WEEKDAYS "}",
     {{"2026-03-06T14:00:00Z", "Open"},    /* Fri 09:00 EST */
      {"2026-03-06T13:59:00Z", "Closed"},  /* Fri 08:59 EST */
      {"2026-03-06T21:59:00Z", "Open"},    /* Fri 16:59 EST */
      {"2026-03-06T22:00:00Z", "Closed"},  /* Fri 17:00 EST */
      {"2026-03-07T17:00:00Z", "Closed"},  /* Sat */
      {"2026-03-08T14:00:00Z", "Closed"},  /* Sun 10:00 EDT */
      {"2026-03-09T13:00:00Z", "Open"},    /* Mon 09:00 EDT */
      {"2026-03-09T12:59:00Z", "Closed"},  /* Mon 08:59 EDT (13:59Z would be a fixed -5 offset) */
      {"2026-03-09T20:59:00Z", "Open"},    /* Mon 16:59 EDT */
      {"2026-03-09T21:00:00Z", "Closed"},  /* Mon 17:00 EDT */
      {"2026-03-02T17:00:00Z", "Open"},    /* Mon 12:00 EST, the week before */
      {"2026-03-10T16:00:00Z", "Open"}}},  /* Tue 12:00 EDT */
    {"office hours, fall: Fri 10-30 (EDT), Sun 11-01 (the change), Mon 11-02 (EST)",
     T "\"frequency\":\"Weekly\"," OFFICE WEEKDAYS "}",
     {{"2026-10-30T13:00:00Z", "Open"},    /* Fri 09:00 EDT */
      {"2026-10-30T21:00:00Z", "Closed"},  /* Fri 17:00 EDT */
      {"2026-10-31T16:00:00Z", "Closed"},  /* Sat */
      {"2026-11-01T15:00:00Z", "Closed"},  /* Sun 10:00 EST */
      {"2026-11-02T14:00:00Z", "Open"},    /* Mon 09:00 EST */
      {"2026-11-02T13:59:00Z", "Closed"},  /* Mon 08:59 EST */
      {"2026-11-02T21:59:00Z", "Open"},    /* Mon 16:59 EST */
      {"2026-11-02T22:00:00Z", "Closed"},  /* Mon 17:00 EST */
      {"2026-10-26T16:00:00Z", "Open"},    /* Mon 12:00 EDT, the week before */
      {"2026-11-06T17:00:00Z", "Open"}}},  /* Fri 12:00 EST */
    {"02:00-03:00 daily: the hour 03-08 skips never comes that day",
     T "\"frequency\":\"Daily\",\"startTime\":\"02:00\",\"endTime\":\"03:00\"}",
     {{"2026-03-07T07:30:00Z", "Open"},    /* Sat 02:30 EST */
      {"2026-03-08T06:59:00Z", "Closed"},  /* Sun 01:59 EST: the clock then jumps to 03:00 */
      {"2026-03-08T07:00:00Z", "Closed"},  /* Sun 03:00 EDT */
      {"2026-03-08T07:30:00Z", "Closed"},  /* Sun 03:30 EDT */
      {"2026-03-09T06:30:00Z", "Open"}}},  /* Mon 02:30 EDT */
    {"01:00-02:00 daily: the hour 11-01 repeats is in the window both times",
     T "\"frequency\":\"Daily\",\"startTime\":\"01:00\",\"endTime\":\"02:00\"}",
     {{"2026-11-01T05:30:00Z", "Open"},    /* 01:30 EDT */
      {"2026-11-01T06:30:00Z", "Open"},    /* 01:30 EST */
      {"2026-11-01T07:00:00Z", "Closed"},  /* 02:00 EST */
      {"2026-11-01T04:59:00Z", "Closed"}}}, /* 00:59 EDT */
    {"Friday nights 22:00 until Saturday 06:00",
     T "\"frequency\":\"Weekly\"," NIGHT DAYS(DAY("Friday")) "}",
     {{"2026-03-07T02:59:00Z", "Closed"},  /* Fri 21:59 EST */
      {"2026-03-07T03:00:00Z", "Open"},    /* Fri 22:00 EST */
      {"2026-03-07T05:00:00Z", "Open"},    /* Sat 00:00 EST */
      {"2026-03-07T10:59:00Z", "Open"},    /* Sat 05:59 EST */
      {"2026-03-07T11:00:00Z", "Closed"},  /* Sat 06:00 EST */
      {"2026-03-08T04:00:00Z", "Closed"},  /* Sat 23:00 EST: Saturday is not Friday */
      {"2026-03-06T10:00:00Z", "Closed"}}}, /* Fri 05:00 EST: Thursday night's part */
    {"Saturday night into Sunday 03-08, across the change: 22:00 EST to 06:00 EDT",
     T "\"frequency\":\"Weekly\"," NIGHT DAYS(DAY("Saturday")) "}",
     {{"2026-03-08T03:00:00Z", "Open"},    /* Sat 22:00 EST */
      {"2026-03-08T09:59:00Z", "Open"},    /* Sun 05:59 EDT */
      {"2026-03-08T10:00:00Z", "Closed"}}}, /* Sun 06:00 EDT */
    {"equal start and end: 24 hours from the start",
     T "\"frequency\":\"Weekly\",\"startTime\":\"12:00\",\"endTime\":\"12:00\"," DAYS(DAY("Monday")) "}",
     {{"2026-03-10T15:59:00Z", "Open"},    /* Tue 11:59 EDT */
      {"2026-03-10T16:00:00Z", "Closed"}}}, /* Tue 12:00 EDT */
    {"second Tuesday, all day (Tuesdays: Jan 6, 13; Feb 3, 10; Mar 3, 10, 17; Apr 7, 14; Nov 3, 10)",
     T "\"frequency\":\"Monthly\",\"isAllDay\":true,\"startDate\":\"2026-01-01\","
       "\"byDay\":[{\"offset\":2,\"dayOfWeek\":\"Tuesday\"}]}",
     {{"2026-01-13T17:00:00Z", "Open"},
      {"2026-02-10T05:00:00Z", "Open"},    /* 00:00 EST */
      {"2026-02-10T04:59:00Z", "Closed"},  /* Mon 23:59 EST */
      {"2026-03-10T16:00:00Z", "Open"},
      {"2026-03-03T17:00:00Z", "Closed"},  /* the first Tuesday */
      {"2026-03-17T16:00:00Z", "Closed"},  /* the third */
      {"2026-04-14T16:00:00Z", "Open"},
      {"2026-04-07T16:00:00Z", "Closed"},
      {"2026-11-10T17:00:00Z", "Open"},
      {"2026-11-11T04:59:00Z", "Open"},    /* 23:59 EST */
      {"2026-11-11T05:00:00Z", "Closed"}}}, /* Wed 00:00 EST */
    {"last Friday (offset -1), office hours",
     T "\"frequency\":\"Monthly\"," OFFICE "\"byDay\":[{\"offset\":-1,\"dayOfWeek\":\"Friday\"}]}",
     {{"2026-03-27T14:00:00Z", "Open"}, {"2026-03-20T14:00:00Z", "Closed"}}},
    /* by hand: Jan 31 2026 is a Saturday -> Fri 30; Feb 27 (Fri); Mar 31 (Tue); Apr 30 (Thu);
     * May 31 Sun, 30 Sat -> Fri 29; Aug 31 (Mon); Oct 31 Sat -> Fri 30; Nov 30 (Mon) */
    {"last weekday of the month (byDay MO..FR, bySetPosition -1), office hours",
     T "\"frequency\":\"Monthly\"," OFFICE "\"startDate\":\"2026-01-01\"," WEEKDAYS ",\"bySetPosition\":[-1]}",
     {{"2026-01-30T15:00:00Z", "Open"},    /* 10:00 EST */
      {"2026-01-31T15:00:00Z", "Closed"},  /* Saturday */
      {"2026-03-31T13:00:00Z", "Open"},    /* 09:00 EDT */
      {"2026-03-31T12:59:00Z", "Closed"},  /* 08:59 EDT */
      {"2026-03-30T15:00:00Z", "Closed"},
      {"2026-05-29T15:00:00Z", "Open"},
      {"2026-08-31T15:00:00Z", "Open"},
      {"2026-10-30T20:59:00Z", "Open"},    /* 16:59 EDT */
      {"2026-10-30T21:00:00Z", "Closed"},  /* 17:00 EDT */
      {"2026-11-30T14:00:00Z", "Open"},    /* 09:00 EST */
      {"2026-11-27T14:00:00Z", "Closed"}}},
    {"count: three days from Sunday 03-01",
     T "\"frequency\":\"Daily\",\"isAllDay\":true,\"startDate\":\"2026-03-01\",\"count\":3}",
     {{"2026-02-28T17:00:00Z", "Closed"}, {"2026-03-01T17:00:00Z", "Open"}, {"2026-03-03T17:00:00Z", "Open"},
      {"2026-03-04T17:00:00Z", "Closed"}}},
    {"count on a weekly rule: 2 Mondays from 03-02 (a Monday): 03-02, 03-09",
     T "\"frequency\":\"Weekly\"," OFFICE "\"startDate\":\"2026-03-02\",\"count\":2," DAYS(DAY("Monday")) "}",
     {{"2026-03-09T13:00:00Z", "Open"}, {"2026-03-16T13:00:00Z", "Closed"}}},
    {"untilDate: Mondays from 03-02 up to and including 03-16",
     T "\"frequency\":\"Weekly\"," OFFICE "\"startDate\":\"2026-03-02\",\"untilDate\":\"2026-03-16\"," DAYS(DAY("Monday")) "}",
     {{"2026-03-16T20:00:00Z", "Open"}, {"2026-03-23T14:00:00Z", "Closed"}}},
    {"count and untilDate together (RFC 5545 allows one): both limits hold",
     T "\"frequency\":\"Daily\",\"isAllDay\":true,\"startDate\":\"2026-03-01\",\"count\":10,\"untilDate\":\"2026-03-02\"}",
     {{"2026-03-02T17:00:00Z", "Open"}, {"2026-03-03T17:00:00Z", "Closed"}}},
    {"parts RFC 5545 does not allow with the frequency are left out: still every Monday",
     T "\"frequency\":\"Weekly\",\"isAllDay\":true,\"byDay\":[{\"offset\":2,\"dayOfWeek\":\"Monday\"}],\"byWeekNo\":[2],\"byYearDay\":[5],\"byMonthDay\":[5]}",
     {{"2026-03-09T16:00:00Z", "Open"}, {"2026-03-10T16:00:00Z", "Closed"}}},
    {"interval: every other Monday from 03-02",
     T "\"frequency\":\"Weekly\",\"interval\":2,\"isAllDay\":true,\"startDate\":\"2026-03-02\"," DAYS(DAY("Monday")) "}",
     {{"2026-03-02T17:00:00Z", "Open"}, {"2026-03-09T16:00:00Z", "Closed"}, {"2026-03-16T16:00:00Z", "Open"}}},
    {"a startDate the rule does not match is not an occurrence: 2026-01-01 is a Thursday",
     T "\"frequency\":\"Weekly\"," OFFICE "\"startDate\":\"2026-01-01\"," DAYS(DAY("Monday")) "}",
     {{"2026-01-01T15:00:00Z", "Closed"}, {"2026-01-05T15:00:00Z", "Open"}}},
    {"0 in byMonth..bySetPosition is no value (the original's samples hold 0s): every Monday",
     T "\"frequency\":\"Weekly\",\"isAllDay\":true," DAYS(DAY("Monday")) ",\"byMonth\":[0],\"bySetPosition\":[0],"
       "\"byWeekNo\":[0],\"byYearDay\":[0],\"byMonthDay\":[0]}",
     {{"2026-03-09T16:00:00Z", "Open"}, {"2026-03-10T16:00:00Z", "Closed"}}},
    {"byMonth and byMonthDay: Christmas, every year",
     T "\"frequency\":\"Yearly\",\"isAllDay\":true,\"byMonth\":[12],\"byMonthDay\":[25]}",
     {{"2026-12-25T17:00:00Z", "Open"}, {"2026-12-26T17:00:00Z", "Closed"}}},
    {"byHour/byMinute: at 08:30 and 12:30, each for endTime - startTime (30 min): 12:45 EDT on, 13:00 and 10:00 off",
     T "\"frequency\":\"Daily\",\"startTime\":\"08:30\",\"endTime\":\"09:00\",\"byHour\":[8,12],\"byMinute\":[30]}",
     {{"2026-03-10T16:45:00Z", "Open"}, {"2026-03-10T17:00:00Z", "Closed"}, {"2026-03-10T14:00:00Z", "Closed"}}},
};

static void timed(void)
{
    for (size_t i = 0; i < sizeof TIMED / sizeof *TIMED; i++)
        for (int k = 0; k < 12 && TIMED[i].at[k][0]; k++) {
            const char *got = one(TIMED[i].rule, TIMED[i].at[k][0]);
            if (strcmp(got, TIMED[i].at[k][1]))
                fprintf(stderr, "%s, at %s:\n", TIMED[i].what, TIMED[i].at[k][0]);
            CHECK_STR(got, TIMED[i].at[k][1]);
        }
}

/* libical's own expansion of the recurrences above, against the dates worked out by hand */
static void libical_agrees(void)
{
    CHECK_STR(expand("FREQ=MONTHLY;INTERVAL=1;BYDAY=2TU", "20260101T000000", 4), "20260113,20260210,20260310,20260414");
    CHECK_STR(expand("FREQ=MONTHLY;BYDAY=-1FR", "20260101T000000", 3), "20260130,20260227,20260327");
    CHECK_STR(expand("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "20260101T090000", 5),
              "20260130,20260227,20260331,20260430,20260529");
    CHECK_STR(expand("FREQ=DAILY;COUNT=3", "20260301T000000", 10), "20260301,20260302,20260303");
    CHECK_STR(expand("FREQ=WEEKLY;UNTIL=20260316T235959;BYDAY=MO", "20260302T090000", 10), "20260302,20260309,20260316");
    CHECK_STR(expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "20260302T000000", 3), "20260302,20260316,20260330");
    CHECK_STR(expand("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "20260305T090000", 4), "20260305,20260306,20260309,20260310");
}

static const char *self_state(void *ctx, time_t t, int depth);
static int asked;
static json_t *self_schedule;
static const sched_env_t self_env = {self_state, NULL};
/* a customer whose state is its own schedule's: a loop only the depth bound ends */
static const char *self_state(void *ctx, time_t t, int depth)
{
    asked++;
    return sched_state(self_schedule, "UTC", t, &self_env, depth);
}
static const char *fixed_state(void *ctx, time_t t, int depth) { return ctx; }

static void states(void)
{
    json_error_t e;
    json_t *s = json_loads("{\"rules\":[{\"priority\":5,\"state\":\"Late\",\"simpleRuleType\":\"Always\"},"
                           "{\"priority\":1,\"state\":\"Early\",\"simpleRuleType\":\"Time\",\"frequency\":\"Daily\","
                           "\"startTime\":\"00:00\",\"endTime\":\"01:00\"},"
                           "{\"priority\":5,\"state\":\"Later\",\"simpleRuleType\":\"Always\"}],"
                           "\"defaultState\":\"Closed\"}", 0, &e);
    CHECK_STR(sched_state(s, "UTC", utc("2026-03-10T00:30:00Z"), NULL, 0), "Early");
    CHECK_STR(sched_state(s, "UTC", utc("2026-03-10T02:00:00Z"), NULL, 0), "Late"); /* ties keep their order */
    CHECK_STR(sched_state(s, "", utc("2026-03-10T00:30:00Z"), NULL, 0), "Early");  /* "": UTC */
    json_object_set_new(s, "forceClosed", json_true());
    CHECK_STR(sched_state(s, "UTC", utc("2026-03-10T00:30:00Z"), NULL, 0), "Closed");
    json_decref(s);
    s = json_loads("{\"rules\":[],\"defaultState\":\"After hours\"}", 0, &e);
    CHECK_STR(sched_state(s, "UTC", 0, NULL, 0), "After hours");
    json_decref(s);
    s = json_loads("{\"rules\":[]}", 0, &e);
    CHECK_STR(sched_state(s, "UTC", 0, NULL, 0), "");
    json_decref(s);

    /* CustomerState: matches the customer's state, case aside */
    s = json_loads("{\"rules\":[{\"state\":\"Overflow\",\"simpleRuleType\":\"CustomerState\",\"customerState\":\"closed\"}],"
                   "\"defaultState\":\"Normal\"}", 0, &e);
    sched_env_t closed = {fixed_state, "Closed"}, open = {fixed_state, "Open"};
    CHECK_STR(sched_state(s, NY, 0, &closed, 0), "Overflow");
    CHECK_STR(sched_state(s, NY, 0, &open, 0), "Normal");
    CHECK_STR(sched_state(s, NY, 0, NULL, 0), "Normal");
    /* a schedule that refers back to itself ends at the depth bound */
    self_schedule = s;
    asked = 0;
    CHECK_STR(sched_state(s, "UTC", 0, &self_env, 0), "Normal");
    CHECK(asked == SCHED_MAX_DEPTH);
    json_decref(s);
}

static void parsing(void)
{
    time_t t;
    CHECK(sched_parse_datetime("2026-03-09T13:00:00Z", NY, &t) == 0 && t == 1773061200);
    CHECK(sched_parse_datetime("2026-03-09T09:00:00-04:00", "UTC", &t) == 0 && t == 1773061200);
    CHECK(sched_parse_datetime("2026-03-09T09:00:00.250-0400", "UTC", &t) == 0 && t == 1773061200);
    CHECK(sched_parse_datetime("2026-03-09T09:00", NY, &t) == 0 && t == 1773061200); /* EDT */
    CHECK(sched_parse_datetime("2026-03-06 09:00:00", NY, &t) == 0 && t == utc("2026-03-06T14:00:00Z"));
    CHECK(sched_parse_datetime("2026-03-08T02:30:00", NY, &t) == 0 && t == utc("2026-03-08T07:30:00Z")); /* 03:30 EDT */
    CHECK(sched_parse_datetime("2026-11-01T01:30:00", NY, &t) == 0 && t == utc("2026-11-01T05:30:00Z")); /* the first */
    CHECK(sched_parse_datetime("2026-03-09", NY, &t) == 0 && t == utc("2026-03-09T04:00:00Z"));
    static const char *bad[] = {"", "2026-3-9", "2026-02-30T00:00:00", "2026-03-09T25:00", "2026-03-09T09:00:00+5",
                                "2026-03-09T09:00:00Zx", "yesterday", "2026-03-09T09:00:00+15:00", "2026-03-09X"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(sched_parse_datetime(bad[i], NY, &t) == -1);
}

static void rule_checks(void)
{
    static const struct { const char *rule, *field; } cases[] = {
        {"{\"byMonth\":[1,13]}", "ByMonth[1]"},
        {"{\"byMonthDay\":[32]}", "ByMonthDay[0]"},
        {"{\"byMonth\":[0],\"byMonthDay\":[0],\"byWeekNo\":[0],\"byYearDay\":[0],\"bySetPosition\":[0]}", NULL},
        {"{\"byHour\":[24]}", "ByHour[0]"},
        {"{\"byMinute\":[-1]}", "ByMinute[0]"},
        {"{\"bySetPosition\":[367]}", "BySetPosition[0]"},
        {"{\"count\":-1}", "Count"},
        {"{\"frequency\":\"Weekly\",\"byDay\":[{\"dayOfWeek\":\"Monday\"},{\"offset\":-54,\"dayOfWeek\":\"Tuesday\"}]}",
         "ByDay[1].Offset"},
        {"{\"frequency\":\"Weekly\",\"byDay\":[{\"offset\":2,\"dayOfWeek\":\"Tuesday\"}]}", NULL},
        {"{\"frequency\":\"Monthly\",\"byDay\":[{\"offset\":54,\"dayOfWeek\":\"Tuesday\"}]}", "ByDay[0].Offset"},
        {"{\"frequency\":\"Monthly\",\"byDay\":[{\"offset\":-1,\"dayOfWeek\":\"Tuesday\"}]}", NULL},
        {"{\"frequency\":\"Yearly\",\"byWeekNo\":[1,-1],\"byYearDay\":[-366,366]}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *r = json_loads(cases[i].rule, 0, NULL);
        char field[64] = "", msg[160] = "";
        int rc = sched_check_rule(r, field, sizeof field, msg, sizeof msg);
        if (cases[i].field) {
            CHECK(rc == -1);
            CHECK_STR(field, cases[i].field);
        } else {
            CHECK(rc == 0);
        }
        json_decref(r);
    }
}

int main(void)
{
    timed();
    libical_agrees();
    states();
    parsing();
    rule_checks();
    icaltimezone_free_builtin_timezones();
    return CHECK_DONE();
}
