/* fuzz_query.c — libFuzzer target for the query string: the input is the text after '?',
 * split into name=value pairs and URL-decoded by http_parse_form() (http/dispatch.c; the
 * server lets libmicrohttpd split, then calls the same http_unescape and http_form_add),
 * then bound in text mode, as dispatch() binds a query, to request types read from
 * queries (lists, searches) and to PatchCustomer with its nested schedule, then written
 * back in every format.  Oracle: a string field takes the decoded value of one of the
 * names that match it, unchanged; every other kind parses as JSV. */
#include "fuzz.h"
#include "http/http.h"

static const type_t *const query_types[] = {
    &T_ListCustomers, &T_ListEndpoints, &T_ListAccounts, &T_ListUsers,
    &T_SearchPhoneNumbers, &T_GetSystemSettings, &T_PatchCustomer,
};

/* dto's string fields hold, verbatim, the value of a query name matching the field */
static void check_strings(const type_t *t, json_t *query, json_t *dto)
{
    const char *k;
    json_t *v;
    json_object_foreach(query, k, v)
    {
        const field_t *f = schema_field(t, k);
        if (!f || f->type != &T_string || (f->flags & F_LIST))
            continue;
        json_t *got = json_object_get(dto, f->json);
        if (!json_is_string(got))
            abort(); /* a string always binds */
        int same = 0;
        const char *k2;
        json_t *v2;
        json_object_foreach(query, k2, v2)
        {
            if (schema_field(t, k2) == f && json_equal(v2, got))
                same = 1;
        }
        if (!same)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    json_t *query = http_parse_form((const char *)data, size);
    if (!json_is_object(query))
        abort();
    const char *k;
    json_t *v;
    json_object_foreach(query, k, v)
    {
        if (!json_is_string(v))
            abort();
    }
    for (size_t i = 0; i < sizeof query_types / sizeof *query_types; i++) {
        json_t *errors = json_array();
        json_t *dto = bind_dto(query_types[i], query, 1, errors);
        if (!dto)
            abort(); /* an object always binds to an object */
        check_strings(query_types[i], query, dto);
        fuzz_write_all(query_types[i], dto);
        json_decref(dto);
        json_decref(errors);
    }
    json_decref(query);
    return 0;
}
