/* validate.c — schedules, time zones and tag references. */
#include "validate.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "../util/ids.h"
#include "schedule.h"

int valid_timezone(const char *tz)
{
    if (!strcmp(tz, "UTC") || !strcmp(tz, "Etc/UTC"))
        return 1;
    size_t n = strlen(tz);
    if (n == 0 || n > 64 || tz[0] == '/' || strstr(tz, ".."))
        return 0;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            return 0;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && strncmp(tz, "posix", 5) && strncmp(tz, "right", 5);
}

static int valid_time(const char *s)
{
    return strlen(s) == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == ':' &&
           isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) && (s[0] - '0') * 10 + s[1] - '0' < 24 &&
           (s[3] - '0') * 10 + s[4] - '0' < 60;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char extra;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

int validate_schedule(call_t *c, json_t *s, const char *field)
{
    char path[256];
    int bad = 0;
    const char *tz = json_string_value(json_object_get(s, "timeZoneId"));
    if (tz && *tz && !valid_timezone(tz)) {
        snprintf(path, sizeof path, "%s.TimeZoneId", field);
        bad |= fail_field(c, path, "ArgumentException", "'%s' is not an IANA time zone", tz);
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(s, "rules"), i, r)
    {
        static const struct { const char *key, *name; int date; } checks[] = {
            {"startTime", "StartTime", 0}, {"endTime", "EndTime", 0}, {"startDate", "StartDate", 1}, {"untilDate", "UntilDate", 1}};
        for (size_t k = 0; k < sizeof checks / sizeof *checks; k++) {
            const char *v = json_string_value(json_object_get(r, checks[k].key));
            if (!v || !*v)
                continue;
            if (checks[k].date ? !valid_date(v) : !valid_time(v)) {
                snprintf(path, sizeof path, "%s.Rules[%zu].%s", field, i, checks[k].name);
                bad |= fail_field(c, path, "ArgumentException", "'%s' is not a valid %s (expected %s)", v,
                                  checks[k].date ? "date" : "time", checks[k].date ? "yyyy-MM-dd" : "HH:mm");
            }
        }
        const char *st = json_string_value(json_object_get(r, "simpleRuleType"));
        const char *cs = json_string_value(json_object_get(r, "customerState"));
        if (st && !strcmp(st, "CustomerState") && (!cs || !*cs)) {
            snprintf(path, sizeof path, "%s.Rules[%zu].CustomerState", field, i);
            bad |= fail_field(c, path, "ArgumentException", "A CustomerState rule needs the name of a customer state");
        }
        json_t *interval = json_object_get(r, "interval");
        if (interval && json_integer_value(interval) < 0) {
            snprintf(path, sizeof path, "%s.Rules[%zu].Interval", field, i);
            bad |= fail_field(c, path, "ArgumentException", "Interval must be 0 or more");
        }
        char rf[64], msg[160];
        if (sched_check_rule(r, rf, sizeof rf, msg, sizeof msg)) {
            snprintf(path, sizeof path, "%s.Rules[%zu].%s", field, i, rf);
            bad |= fail_field(c, path, "ArgumentException", "%s", msg);
        }
        const char *id = json_string_value(json_object_get(r, "id"));
        if (!id || !*id) {
            char nid[25];
            id_new(nid);
            json_object_set_new(r, "id", json_string(nid));
        }
    }
    return bad ? -1 : 0;
}

int validate_customer_schedule(call_t *c, json_t *s, const char *field)
{
    int bad = validate_schedule(c, s, field) ? 1 : 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(s, "rules"), i, r)
    {
        const char *st = json_string_value(json_object_get(r, "simpleRuleType"));
        if (st && !strcmp(st, "CustomerState")) {
            char path[256];
            snprintf(path, sizeof path, "%s.Rules[%zu].CustomerState", field, i);
            bad |= fail_field(c, path, "ArgumentException",
                              "A customer's schedule cannot have a CustomerState rule: it would ask for the state its "
                              "own schedule gives");
        }
    }
    return bad ? -1 : 0;
}

json_t *account_settings(call_t *c, const char *account_id)
{
    char key[64];
    snprintf(key, sizeof key, "settings-of:%s", account_id ? account_id : "");
    json_t *d = memo_get(c, key);
    if (!d) {
        query_t q = {0};
        json_t *aid = json_string(account_id ? account_id : "");
        q.f[q.nf++] = (qfilter_t){"accountId", Q_EQ, aid};
        q.limit = 1;
        json_t *rows = NULL;
        int rc = store_list(c->st, C_SETTINGS, &q, &rows, NULL);
        json_decref(aid);
        if (rc) /* failed, not missing: nothing to remember */
            return NULL;
        d = memo_put(c, key, json_incref(json_array_get(rows, 0)));
        json_decref(rows);
    }
    return json_is_null(d) ? NULL : d;
}

static json_t *find_tag(json_t *settings, const char *id)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(settings, "tags"), i, t)
    {
        const char *tid = json_string_value(json_object_get(t, "id"));
        if (tid && !strcmp(tid, id))
            return t;
    }
    return NULL;
}

int validate_tag_ids(call_t *c, const char *account_id, json_t *tag_ids)
{
    json_t *s = account_settings(c, account_id);
    size_t i;
    json_t *v;
    int bad = 0;
    json_array_foreach(tag_ids, i, v)
    {
        if (!find_tag(s, json_string_value(v)))
            bad |= fail_field(c, "TagIds", "ArgumentException", "TagIds[%zu]: '%s' is not a tag of this account", i,
                              json_string_value(v));
    }
    return bad ? -1 : 0;
}

json_t *resolve_tags(call_t *c, const char *account_id, json_t *tag_ids)
{
    json_t *out = json_array();
    if (!json_array_size(tag_ids))
        return out;
    json_t *s = account_settings(c, account_id);
    size_t i;
    json_t *v;
    json_array_foreach(tag_ids, i, v)
    {
        json_t *t = find_tag(s, json_string_value(v));
        if (t)
            json_array_append(out, t);
    }
    return out;
}
