/* schedule.c — evaluating a Schedule at a moment (see schedule.h).
 *
 * Time rules are read on the wall clock of the schedule's time zone: the UTC instant is
 * turned into the local clock reading (the zone's offset at that instant, from the
 * system tz database through libical), and a rule's window is a range of clock readings.
 * So 09:00-17:00 stays 09:00-17:00 on both sides of a daylight-saving change; a window
 * inside the hour a spring change skips never occurs that day; the hour a fall change
 * repeats is inside a window twice.  The recurrence (libical's iterator) runs on floating
 * (zone-less) times: DTSTART is startDate at startTime, each occurrence opens a window
 * of endTime - startTime (wrapping past midnight into the next day when endTime is not
 * after startTime; all day: 24 hours from midnight). */
#include "schedule.h"
#include <ctype.h>
#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../util/json.h"

/* libical's time zone cache is global: every use of it is under this lock */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static int is_utc(const char *tz) { return !tz || !*tz || !strcmp(tz, "UTC") || !strcmp(tz, "Etc/UTC"); }

/* The zone's offset from UTC (seconds east) at instant t; -1 for an unknown zone. */
static int utc_offset(const char *tz, time_t t, int *off)
{
    *off = 0;
    if (is_utc(tz))
        return 0;
    pthread_mutex_lock(&tz_lock);
    icaltimezone *z = icaltimezone_get_builtin_timezone(tz);
    if (z) {
        struct icaltimetype u = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
        *off = icaltimezone_get_utc_offset_of_utc_time(z, &u, NULL);
    }
    pthread_mutex_unlock(&tz_lock);
    return z ? 0 : -1;
}

/* A wall-clock reading, as seconds since 1970-01-01 00:00 on that clock, to a floating
 * libical time and back. */
static struct icaltimetype floating(time_t s)
{
    struct tm tm;
    gmtime_r(&s, &tm);
    struct icaltimetype r = icaltime_null_time();
    r.year = tm.tm_year + 1900, r.month = tm.tm_mon + 1, r.day = tm.tm_mday;
    r.hour = tm.tm_hour, r.minute = tm.tm_min, r.second = tm.tm_sec;
    return r;
}

static time_t wall_secs(struct icaltimetype t)
{
    struct tm tm = {.tm_year = t.year - 1900, .tm_mon = t.month - 1, .tm_mday = t.day,
                    .tm_hour = t.hour, .tm_min = t.minute, .tm_sec = t.second};
    return timegm(&tm);
}

static int hhmm(const char *s, int dflt)
{
    return s && strlen(s) == 5 ? ((s[0] - '0') * 10 + s[1] - '0') * 60 + (s[3] - '0') * 10 + s[4] - '0' : dflt;
}


static const char *const day_codes[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
static const char *const day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

static int day_index(json_t *d)
{
    const char *n = jstr(d, "dayOfWeek");
    if (!n)
        return 0; /* the enum's default, as .NET reads an absent DayOfWeek */
    for (int i = 0; i < 7; i++)
        if (!strcmp(n, day_names[i]))
            return i;
    return -1;
}

/* FREQ: None (or absent) is Daily. */
static const char *freq_of(json_t *rule)
{
    static const char *const names[] = {"Secondly", "Minutely", "Hourly", "Daily", "Weekly", "Monthly", "Yearly"};
    static const char *const rfc[] = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
    const char *f = jstr(rule, "frequency");
    for (size_t i = 0; f && i < sizeof names / sizeof *names; i++)
        if (!strcmp(f, names[i]))
            return rfc[i];
    return "DAILY";
}

/* skip0: 0 is no such value (byMonth, byMonthDay, ...: .NET's default int, as in the
 * original's samples) and is left out */
static void add_ints(char *b, size_t n, json_t *rule, const char *key, const char *part, int skip0)
{
    json_t *a = json_object_get(rule, key), *v;
    size_t i;
    int k = 0;
    json_array_foreach(a, i, v)
    {
        json_int_t x = json_integer_value(v);
        if (!x && skip0)
            continue;
        if (k++)
            snprintf(b + strlen(b), n - strlen(b), ",%lld", x);
        else
            snprintf(b + strlen(b), n - strlen(b), ";%s=%lld", part, x);
    }
}

/* The rule as an RFC 5545 RRULE value. */
static void rrule_of(json_t *rule, char *b, size_t n)
{
    json_int_t interval = json_integer_value(json_object_get(rule, "interval"));
    json_int_t count = json_integer_value(json_object_get(rule, "count"));
    snprintf(b, n, "FREQ=%s;INTERVAL=%lld", freq_of(rule), interval > 0 ? interval : 1);
    if (count > 0)
        snprintf(b + strlen(b), n - strlen(b), ";COUNT=%lld", count);
    const char *until = jstr(rule, "untilDate");
    if (until && strlen(until) == 10 && count <= 0) /* the whole of untilDate is in; with a count, see until_of */
        snprintf(b + strlen(b), n - strlen(b), ";UNTIL=%.4s%.2s%.2sT235959", until, until + 5, until + 8);
    /* parts RFC 5545 does not allow with the frequency (libical refuses them) are left out */
    const char *f = freq_of(rule);
    int yearly = !strcmp(f, "YEARLY"), monthly = !strcmp(f, "MONTHLY"), weekly = !strcmp(f, "WEEKLY");
    json_t *days = json_object_get(rule, "byDay"), *d;
    size_t i;
    if (json_array_size(days)) {
        snprintf(b + strlen(b), n - strlen(b), ";BYDAY=");
        json_array_foreach(days, i, d)
        {
            json_int_t off = yearly || monthly ? json_integer_value(json_object_get(d, "offset")) : 0;
            int di = day_index(d);
            char o[8] = "";
            if (off)
                snprintf(o, sizeof o, "%lld", off);
            snprintf(b + strlen(b), n - strlen(b), "%s%s%s", i ? "," : "", o, day_codes[di < 0 ? 0 : di]);
        }
    }
    add_ints(b, n, rule, "byMonth", "BYMONTH", 1);
    if (!weekly)
        add_ints(b, n, rule, "byMonthDay", "BYMONTHDAY", 1);
    if (yearly || !(monthly || weekly || !strcmp(f, "DAILY")))
        add_ints(b, n, rule, "byYearDay", "BYYEARDAY", 1);
    if (yearly)
        add_ints(b, n, rule, "byWeekNo", "BYWEEKNO", 1);
    add_ints(b, n, rule, "bySetPosition", "BYSETPOS", 1);
    add_ints(b, n, rule, "byHour", "BYHOUR", 0);
    add_ints(b, n, rule, "byMinute", "BYMINUTE", 0);
}

/* The end of untilDate on the clock (RFC 5545 allows COUNT or UNTIL; a rule with both
 * keeps both limits, so UNTIL is applied here), or the far future. */
static time_t until_of(json_t *rule)
{
    const char *u = jstr(rule, "untilDate");
    if (!u || strlen(u) != 10)
        return (time_t)1 << 62;
    struct tm tm = {.tm_year = atoi(u) - 1900, .tm_mon = atoi(u + 5) - 1, .tm_mday = atoi(u + 8), .tm_hour = 23,
                    .tm_min = 59, .tm_sec = 59};
    return timegm(&tm);
}

int sched_time_rule_on(json_t *rule, const char *tz, time_t t)
{
    int off;
    if (utc_offset(tz, t, &off))
        return 0;
    time_t now = t + off; /* the clock reading */
    int allday = json_is_true(json_object_get(rule, "isAllDay"));
    const char *st = jstr(rule, "startTime"), *et = jstr(rule, "endTime");
    int start = allday ? 0 : hhmm(st, 0), end = allday ? 1440 : hhmm(et, 1440);
    long span = 60L * (end > start ? end - start : end + 1440 - start);
    const char *sd = jstr(rule, "startDate");
    struct tm anchor = {.tm_year = 70, .tm_mday = 1};
    if (sd && strlen(sd) == 10)
        anchor = (struct tm){.tm_year = atoi(sd) - 1900, .tm_mon = atoi(sd + 5) - 1, .tm_mday = atoi(sd + 8)};
    time_t dtstart = timegm(&anchor) + 60L * start;
    if (now < dtstart)
        return 0;
    char rr[1024];
    rrule_of(rule, rr, sizeof rr);
    struct icalrecurrencetype r = icalrecurrencetype_from_string(rr);
    if (r.freq == ICAL_NO_RECURRENCE)
        return 0;
    icalrecur_iterator *it = icalrecur_iterator_new(r, floating(dtstart));
    if (!it)
        return 0;
    /* on when an occurrence began in (now - span, now] */
    time_t from = now - span + 1, until = until_of(rule);
    if (r.count == 0 && from > dtstart)
        icalrecur_iterator_set_start(it, floating(from));
    int on = 0;
    for (long k = 0; k <= SCHED_MAX_COUNT; k++) {
        struct icaltimetype o = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(o))
            break;
        time_t s = wall_secs(o);
        if (s > now || s > until)
            break;
        if (s >= from && s >= dtstart) {
            on = 1;
            break;
        }
    }
    icalrecur_iterator_free(it);
    return on;
}

typedef struct { json_t *rule; json_int_t priority; size_t at; } ranked_t;

static int by_priority(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at; /* ties keep their order */
}

const char *sched_state(json_t *schedule, const char *tz, time_t t, const sched_env_t *env, int depth)
{
    if (json_is_true(json_object_get(schedule, "forceClosed")))
        return "Closed";
    json_t *rules = json_object_get(schedule, "rules"), *r;
    size_t n = json_array_size(rules), i;
    ranked_t *order = n ? malloc(n * sizeof *order) : NULL;
    if (n && !order)
        return NULL;
    json_array_foreach(rules, i, r) order[i] = (ranked_t){r, json_integer_value(json_object_get(r, "priority")), i};
    if (n)
        qsort(order, n, sizeof *order, by_priority);
    const char *state = NULL;
    for (i = 0; i < n && !state; i++) {
        r = order[i].rule;
        const char *type = jstr(r, "simpleRuleType");
        int on = 0;
        if (!type || !strcmp(type, "Always")) { /* absent: the enum's default */
            on = 1;
        } else if (!strcmp(type, "Time")) {
            on = sched_time_rule_on(r, tz, t);
        } else if (!strcmp(type, "CustomerState")) {
            const char *want = jstr(r, "customerState");
            const char *got = want && env && env->customer_state && depth < SCHED_MAX_DEPTH
                                  ? env->customer_state(env->ctx, t, depth + 1)
                                  : NULL;
            on = got && !strcasecmp(got, want);
        }
        if (on)
            state = jstr(r, "state") ? jstr(r, "state") : "";
    }
    free(order);
    if (state)
        return state;
    return jstr(schedule, "defaultState") ? jstr(schedule, "defaultState") : "";
}

static int bad(char *field, size_t fn, char *msg, size_t mn, const char *f, const char *m)
{
    snprintf(field, fn, "%s", f);
    snprintf(msg, mn, "%s", m);
    return -1;
}

int sched_check_rule(json_t *rule, char *field, size_t fn, char *msg, size_t mn)
{
    /* 0 is allowed everywhere: in byMonth..bySetPosition it is no value (see add_ints) */
    static const struct { const char *key, *name; int lo, hi; } lists[] = {
        {"byMonth", "ByMonth", 0, 12},          {"byMonthDay", "ByMonthDay", -31, 31},
        {"byYearDay", "ByYearDay", -366, 366},  {"byWeekNo", "ByWeekNo", -53, 53},
        {"bySetPosition", "BySetPosition", -366, 366}, {"byHour", "ByHour", 0, 23},
        {"byMinute", "ByMinute", 0, 59},
    };
    char m[160];
    for (size_t k = 0; k < sizeof lists / sizeof *lists; k++) {
        json_t *a = json_object_get(rule, lists[k].key), *v;
        size_t i;
        if (json_array_size(a) > SCHED_MAX_LIST) {
            snprintf(m, sizeof m, "%s takes at most %d values", lists[k].name, SCHED_MAX_LIST);
            return bad(field, fn, msg, mn, lists[k].name, m);
        }
        json_array_foreach(a, i, v)
        {
            json_int_t x = json_integer_value(v);
            if (x < lists[k].lo || x > lists[k].hi) {
                snprintf(m, sizeof m, "%lld is not in %d..%d", x, lists[k].lo, lists[k].hi);
                char f[48];
                snprintf(f, sizeof f, "%s[%zu]", lists[k].name, i);
                return bad(field, fn, msg, mn, f, m);
            }
        }
    }
    json_t *days = json_object_get(rule, "byDay"), *d;
    size_t i;
    if (json_array_size(days) > SCHED_MAX_LIST) {
        snprintf(m, sizeof m, "ByDay takes at most %d values", SCHED_MAX_LIST);
        return bad(field, fn, msg, mn, "ByDay", m);
    }
    json_array_foreach(days, i, d)
    {
        json_int_t off = json_integer_value(json_object_get(d, "offset"));
        char f[48];
        snprintf(f, sizeof f, "ByDay[%zu].Offset", i);
        if (off < -53 || off > 53) /* (with a frequency other than Monthly or Yearly it is left out) */
            return bad(field, fn, msg, mn, f, "An offset is in -53..53 (0: every such day)");
    }
    json_int_t count = json_integer_value(json_object_get(rule, "count"));
    if (count < 0 || count > SCHED_MAX_COUNT) {
        snprintf(m, sizeof m, "Count is in 0..%d (0: no limit)", SCHED_MAX_COUNT);
        return bad(field, fn, msg, mn, "Count", m);
    }
    char rr[1024];
    rrule_of(rule, rr, sizeof rr);
    if (icalrecurrencetype_from_string(rr).freq == ICAL_NO_RECURRENCE)
        return bad(field, fn, msg, mn, "Frequency", "The recurrence is not valid");
    return 0;
}

/* digits [n] of s as a number, or -1 */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + s[i] - '0';
    }
    return v;
}

int sched_parse_datetime(const char *s, const char *tz, time_t *out)
{
    int y = digits(s, 4), mo = -1, d = -1, h = 0, mi = 0, se = 0;
    if (y < 0 || s[4] != '-' || (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' || (d = digits(s + 8, 2)) < 1 ||
        d > 31)
        return -1;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if ((h = digits(p + 1, 2)) < 0 || h > 23 || p[3] != ':' || (mi = digits(p + 4, 2)) < 0 || mi > 59)
            return -1;
        p += 6;
        if (*p == ':') {
            if ((se = digits(p + 1, 2)) < 0 || se > 59)
                return -1;
            p += 3;
            if (*p == '.' && isdigit((unsigned char)p[1]))
                for (p++; isdigit((unsigned char)*p); p++)
                    ;
        }
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se};
    time_t wall = timegm(&tm);
    if (gmtime_r(&wall, &tm), tm.tm_mday != d) /* 31 February */
        return -1;
    if (*p == 'Z' && !p[1]) {
        *out = wall;
        return 0;
    }
    if ((*p == '+' || *p == '-') && digits(p + 1, 2) >= 0) {
        int oh = digits(p + 1, 2), om = 0;
        const char *q = p + 3;
        if (*q == ':')
            q++;
        if (*q && ((om = digits(q, 2)) < 0 || q[2]))
            return -1;
        if (oh > 14 || om > 59)
            return -1;
        *out = wall - (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        return 0;
    }
    if (*p)
        return -1;
    /* a clock reading in tz: the offsets a day either side are the candidates */
    int ob, oa, o;
    if (utc_offset(tz, wall - 86400, &ob) || utc_offset(tz, wall + 86400, &oa))
        return -1;
    int offs[2] = {ob, oa}, found = 0;
    time_t best = wall - ob; /* none fits: a skipped reading, taken after the change */
    for (int i = 0; i < 2; i++) {
        time_t c = wall - offs[i];
        if (!utc_offset(tz, c, &o) && o == offs[i] && (!found || c < best))
            best = c, found = 1;
    }
    *out = best;
    return 0;
}
