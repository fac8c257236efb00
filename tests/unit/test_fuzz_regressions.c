/* test_fuzz_regressions.c — minimal cases for what the libFuzzer targets (tests/fuzz)
 * found, one function per finding.  Undefined behaviour does not show in the output of
 * an ordinary build, so these also make UBSan fatal: under `make asan` a regression
 * aborts the test instead of printing a warning and passing. */
#include "check.h"
#include <stdlib.h>
#include "api/api.h"
#include "codec/codec.h"
#include "http/http.h"
#include "schema/dto.h"

/* UBSan's default options (only read when built with -fsanitize=undefined) */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

static char *xml_of(const type_t *t, json_t *v)
{
    buf_t b = {0};
    write_dto(&b, FMT_XML, t, v, 0);
    return buf_take(&b);
}

/* fuzz_json: {"billingSettings":{"base":{"rawUnitMultiplier":1e308}}} bound to
 * PatchAccount, written as XML.  x_double() (codec/xml.c) converted the double to long
 * long before checking its range: a float-cast-overflow for |d| >= 2^63. */
static void xml_double_out_of_long_range(void)
{
    static const struct { double d; const char *want; } cases[] = {
        {1e308, "<BaseCost>1E+308</BaseCost>"},
        {-1e300, "<BaseCost>-1E+300</BaseCost>"},
        {1e19, "<BaseCost>1E+19</BaseCost>"},
        {9223372036854775808.0, "<BaseCost>9.2233720368547758E+18</BaseCost>"},
        {-9223372036854777856.0, "<BaseCost>-9.2233720368547779E+18</BaseCost>"},
        {1e15, "<BaseCost>1E+15</BaseCost>"},
        {123456789012345.0, "<BaseCost>123456789012345</BaseCost>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *v = json_pack("{s:f}", "baseCost", cases[i].d);
        char *s = xml_of(&T_BillingItem, v);
        CHECK(s && strstr(s, cases[i].want));
        if (!s || !strstr(s, cases[i].want))
            fprintf(stderr, "  got %s\n  want %s\n", s ? s : "(null)", cases[i].want);
        free(s);
        json_decref(v);
    }
    /* the whole path the fuzzer took: a strict JSON body, bound, written as XML */
    char err[256];
    const char *body = "{\"billingSettings\":{\"base\":{\"rawUnitMultiplier\":1e308}}}";
    json_t *raw = json_parse_body(body, strlen(body), err, sizeof err);
    json_t *errors = json_array();
    json_t *dto = bind_dto(&T_PatchAccount, raw, 0, errors);
    CHECK(dto && json_array_size(errors) == 0);
    char *s = xml_of(&T_PatchAccount, dto);
    CHECK(s && strstr(s, "<RawUnitMultiplier>1E+308</RawUnitMultiplier>"));
    free(s);
    json_decref(dto);
    json_decref(errors);
    json_decref(raw);
}

/* fuzz_route: "PATCH /customers/%FF" matched PatchCustomer, but jansson refused the
 * segment (not UTF-8) as a string, so customerId was missing from the path parameters and
 * "?customerId=OTHER" in the query named the customer instead of the path.  A segment that
 * is not UTF-8 now matches no route. */
static void route_parameter_not_utf8(void)
{
    const op_t *op;
    json_t *params;
    int fmt;
    CHECK(http_route("PATCH", "/customers/\xff", &op, &params, &fmt) == ROUTE_NOT_FOUND && !op && !params);
    CHECK(http_route("PATCH", "/phone-numbers/ab\xb2" "cd/fax", &op, &params, &fmt) == ROUTE_NOT_FOUND);
    CHECK(http_route("GET", "/customers/\xc3.xml", &op, &params, &fmt) == ROUTE_NOT_FOUND && fmt == FMT_XML);
    /* UTF-8 is still a parameter, suffix and all (where the parameter is no id) */
    CHECK(http_route("GET", "/auth/caf\xc3\xa9.xml", &op, &params, &fmt) == ROUTE_OK);
    CHECK(op && !strcmp(op->name, "Authenticate") && fmt == FMT_XML);
    CHECK_STR(json_string_value(json_object_get(params, "provider")), "caf\xc3\xa9");
    json_decref(params);
    /* an ...Id parameter matches an id only: anything else is no route */
    CHECK(http_route("GET", "/customers/caf\xc3\xa9.xml", &op, &params, &fmt) == ROUTE_NOT_FOUND && !op);
    CHECK(http_route("GET", "/customers/0123456789abcdef01234567", &op, &params, &fmt) == ROUTE_OK);
    CHECK(op && !strcmp(op->name, "GetCustomer"));
    json_decref(params);
}

/* fuzz_query: a pair without '=' ("rememberMe") took the string literal "" as its value,
 * and http_unescape() wrote its terminator into that read-only literal: the urlencoded
 * form body "rememberMe" crashed the server (SIGSEGV) before any authentication. */
static void form_name_without_value(void)
{
    json_t *o = http_parse_form("rememberMe", 10);
    CHECK_STR(json_string_value(json_object_get(o, "rememberMe")), "");
    json_decref(o);
    const char *s = "a&b=%41+%42&a=1&c&&=";
    o = http_parse_form(s, strlen(s));
    CHECK_STR(json_string_value(json_object_get(o, "a")), ",1");
    CHECK_STR(json_string_value(json_object_get(o, "b")), "A B");
    CHECK_STR(json_string_value(json_object_get(o, "c")), "");
    CHECK_STR(json_string_value(json_object_get(o, "")), "");
    CHECK(json_object_size(o) == 4);
    json_decref(o);
}

int main(void)
{
    schema_init();
    xml_double_out_of_long_range();
    route_parameter_not_utf8();
    form_name_without_value();
    return CHECK_DONE();
}
