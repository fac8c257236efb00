/* test_codec.c — the JSV reader and writer, the JSON writer's order and defaults, the
 * binder's type checks and field paths, and ServiceStack's camelCase. */
#include "check.h"
#include <stdlib.h>
#include "codec/codec.h"
#include "schema/dto.h"

static char *jsv_to_json(const char *jsv)
{
    char err[128];
    json_t *v = jsv_parse(jsv, strlen(jsv), err, sizeof err);
    if (!v)
        return strdup(err);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

static char *write(fmt_t fmt, const type_t *t, const char *json)
{
    json_t *v = json_loads(json, 0, NULL);
    buf_t b = {0};
    write_dto(&b, fmt, t, v, 0);
    json_decref(v);
    return buf_take(&b);
}

#define CHECK_JSV(in, want) do { char *s_ = jsv_to_json(in); CHECK_STR(s_, want); free(s_); } while (0)
#define CHECK_WRITE(fmt, t, in, want) do { char *s_ = write(fmt, t, in); CHECK_STR(s_, want); free(s_); } while (0)

static void camel(void)
{
    char out[64];
    static const char *const cases[][2] = {{"AIInsights", "aiInsights"}, {"AILiveMinutes", "aiLiveMinutes"},
                                           {"IsBYOA", "isBYOA"}, {"ID", "id"}, {"LocalIP", "localIP"},
                                           {"TwilioAccountSid", "twilioAccountSid"}, {"Id", "id"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        schema_camel(cases[i][0], out, sizeof out);
        CHECK_STR(out, cases[i][1]);
    }
}

static void jsv_read(void)
{
    CHECK_JSV("{a:1,b:x y}", "{\"a\":\"1\",\"b\":\"x y\"}");
    CHECK_JSV("{a:\"x,y\"}", "{\"a\":\"x,y\"}");
    CHECK_JSV("{a:\"say \"\"hi\"\"\"}", "{\"a\":\"say \\\"hi\\\"\"}");
    CHECK_JSV("{a:\"\",b:}", "{\"a\":\"\",\"b\":\"\"}");
    CHECK_JSV("{a:b:c}", "{\"a\":\"b:c\"}");
    CHECK_JSV("[a,[b,c],{d:e}]", "[\"a\",[\"b\",\"c\"],{\"d\":\"e\"}]");
    CHECK_JSV("{ Key :v}", "{\"Key\":\"v\"}");
    CHECK_JSV("{a:[]}", "{\"a\":[]}");
    CHECK_JSV("{a:{}}", "{\"a\":{}}");
    CHECK_JSV("{\n\tname: x,\n\tlist:\n\t[\n\t\t1\n\t]\n}", "{\"name\":\" x\",\"list\":[\"\\n\\t\\t1\\n\\t\"]}");
    /* errors */
    char *s = jsv_to_json("{a:\"unterminated}");
    CHECK(strstr(s, "unterminated") != NULL);
    free(s);
    s = jsv_to_json("{a:1}trailing");
    CHECK(strstr(s, "unexpected") != NULL);
    free(s);
    /* depth limit */
    buf_t deep = {0};
    for (int i = 0; i < 100; i++)
        buf_puts(&deep, "[");
    for (int i = 0; i < 100; i++)
        buf_puts(&deep, "]");
    s = jsv_to_json(deep.p);
    CHECK(strstr(s, "too deep") != NULL);
    free(s);
    buf_free(&deep);
}

static void writers(void)
{
    /* order follows the schema, EntityInfo last; non-nullable value types default */
    CHECK_WRITE(FMT_JSON, &T_CustomerBreadcrumb, "{\"name\":\"n\",\"id\":\"i\"}", "{\"id\":\"i\",\"name\":\"n\"}");
    CHECK_WRITE(FMT_JSON, &T_Tag, "{\"name\":\"n\"}", "{\"name\":\"n\",\"color\":\"Magenta\"}");
    CHECK_WRITE(FMT_JSON, &T_BillingItem, "{}", "{\"baseCost\":0,\"rawUnitMultiplier\":0,\"unitCost\":0,\"allowance\":0}");
    CHECK_WRITE(FMT_JSON, &T_BillingItem, "{\"baseCost\":1.5,\"allowance\":3}",
                "{\"baseCost\":1.5,\"rawUnitMultiplier\":0,\"unitCost\":0,\"allowance\":3}");
    CHECK_WRITE(FMT_JSON, &T_Value, "{\"stringValue\":\"a\\\"b\\n\"}", "{\"stringValue\":\"a\\\"b\\n\"}");
    /* nullable fields stay absent */
    CHECK_WRITE(FMT_JSON, &T_Value, "{}", "{}");
    CHECK_WRITE(FMT_JSON, &T_AccountInfo, "{\"name\":\"A\",\"id\":\"x\",\"ancestorIds\":[]}",
                "{\"name\":\"A\",\"ancestorIds\":[],\"maxPhoneNumbers\":0,\"isBYOA\":false,\"id\":\"x\"}");
    /* JSV quoting */
    CHECK_WRITE(FMT_JSV, &T_CustomerBreadcrumb, "{\"id\":\"a\\\"b,c\",\"name\":\"\"}", "{id:\"a\"\"b,c\",name:\"\"}");
    CHECK_WRITE(FMT_JSV, &T_CustomerBreadcrumb, "{\"id\":\"x:y\",\"name\":\"plain text\"}", "{id:\"x:y\",name:plain text}");
    CHECK_WRITE(FMT_JSV, &T_ScheduleDay, "{\"offset\":2}", "{offset:2,dayOfWeek:Sunday}");
    CHECK_WRITE(FMT_JSV, &T_Schedule, "{\"inherit\":true,\"rules\":[]}", "{inherit:True,forceClosed:False,rules:[]}");
    /* maps keep their keys */
    CHECK_WRITE(FMT_JSON, &T_NewCustomer, "{\"data\":{\"My Key\":{\"numberValue\":2}}}",
                "{\"data\":{\"My Key\":{\"numberValue\":2}}}");
}

static void binder(void)
{
    json_t *errors = json_array();
    /* JSON: case-insensitive keys, unknown keys ignored, enum names canonicalised */
    json_t *raw = json_loads("{\"NAME\":\"x\",\"bogus\":1,\"schedule\":{\"rules\":[{\"simpleruletype\":\"time\","
                             "\"priority\":3}]}}", 0, NULL);
    json_t *v = bind_dto(&T_PatchCustomer, raw, 0, errors);
    char *s = json_dumps(v, JSON_COMPACT);
    CHECK_STR(s, "{\"name\":\"x\",\"schedule\":{\"rules\":[{\"simpleRuleType\":\"Time\",\"priority\":3}]}}");
    CHECK(json_array_size(errors) == 0);
    free(s);
    json_decref(v);
    json_decref(raw);
    /* wrong types name the field by its .NET path */
    raw = json_loads("{\"schedule\":{\"rules\":[{},{\"priority\":\"abc\",\"byDay\":[{\"dayOfWeek\":\"Funday\"}]}]},"
                     "\"overrideBillingSettings\":\"maybe\",\"tagIds\":\"notalist\"}", 0, NULL);
    v = bind_dto(&T_PatchCustomer, raw, 0, errors);
    s = json_dumps(errors, JSON_COMPACT);
    CHECK(strstr(s, "\"Schedule.Rules[1].Priority\"") != NULL);
    CHECK(strstr(s, "\"Schedule.Rules[1].ByDay[0].DayOfWeek\"") != NULL);
    CHECK(strstr(s, "\"OverrideBillingSettings\"") != NULL);
    CHECK(strstr(s, "\"TagIds\"") != NULL);
    CHECK(json_array_size(errors) == 4);
    free(s);
    json_decref(v);
    json_decref(raw);
    json_array_clear(errors);
    /* text mode (query strings, JSV): every boolean spelling, lists with or without brackets */
    static const char *const yes[] = {"true", "True", "1", "t", "Y", "on"};
    static const char *const no[] = {"false", "FALSE", "0", "f", "n", "off"};
    for (int i = 0; i < 6; i++) {
        raw = json_pack("{s:s}", "isStaging", yes[i]);
        v = bind_dto(&T_SetCustomerStagingMode, raw, 1, errors);
        CHECK(json_is_true(json_object_get(v, "isStaging")));
        json_decref(v);
        json_decref(raw);
        raw = json_pack("{s:s}", "isStaging", no[i]);
        v = bind_dto(&T_SetCustomerStagingMode, raw, 1, errors);
        CHECK(json_is_false(json_object_get(v, "isStaging")));
        json_decref(v);
        json_decref(raw);
    }
    raw = json_pack("{s:s,s:s,s:s}", "tagIds", "a,b", "parentCustomerIds", "[c,\"d,e\"]", "page", "2");
    v = bind_dto(&T_ListCustomers, raw, 1, errors);
    s = json_dumps(v, JSON_COMPACT);
    CHECK_STR(s, "{\"tagIds\":[\"a\",\"b\"],\"parentCustomerIds\":[\"c\",\"d,e\"],\"page\":2}");
    free(s);
    json_decref(v);
    json_decref(raw);
    raw = json_pack("{s:s}", "schedule", "{timeZoneId:Europe/Paris,rules:[{priority:1,byHour:[9,10]}]}");
    v = bind_dto(&T_PatchCustomer, raw, 1, errors);
    s = json_dumps(v, JSON_COMPACT);
    CHECK_STR(s, "{\"schedule\":{\"timeZoneId\":\"Europe/Paris\",\"rules\":[{\"priority\":1,\"byHour\":[9,10]}]}}");
    free(s);
    json_decref(v);
    json_decref(raw);
    CHECK(json_array_size(errors) == 0);
    raw = json_pack("{s:s}", "isStaging", "abc");
    v = bind_dto(&T_SetCustomerStagingMode, raw, 1, errors);
    s = json_dumps(errors, JSON_COMPACT);
    CHECK(strstr(s, "'abc' is an Invalid value for 'IsStaging'") != NULL);
    free(s);
    json_decref(v);
    json_decref(raw);
    /* int range */
    json_array_clear(errors);
    raw = json_loads("{\"maxPhoneNumbers\":99999999999}", 0, NULL);
    v = bind_dto(&T_PatchAccount, raw, 0, errors);
    CHECK(json_array_size(errors) == 1);
    json_decref(v);
    json_decref(raw);
    json_decref(errors);
}

int main(void)
{
    schema_init();
    camel();
    jsv_read();
    writers();
    binder();
    return CHECK_DONE();
}
