/* test_meta.c — the metadata generators: placeholder samples (Struct left out, maps with one
 * entry, lists of one), .NET type spellings, the op page's tables and roles, and that every
 * JSON document (/types/metadata, /openapi.json) parses. */
#include "check.h"
#include <stdlib.h>
#include "api/api.h"
#include "codec/codec.h"
#include "meta/meta_int.h"
#include "schema/dto.h"

static char *sample_json(const type_t *t)
{
    json_t *v = meta_sample(t);
    buf_t b = {0};
    write_dto(&b, FMT_JSON, t, v, W_SECRETS);
    json_decref(v);
    return buf_take(&b);
}

static int parses(buf_t *b)
{
    json_error_t e;
    json_t *v = json_loadb(b->p, b->len, 0, &e);
    if (!v)
        fprintf(stderr, "parse error: %s at %d\n", e.text, e.line);
    json_decref(v);
    return v != NULL;
}

int main(void)
{
    schema_init();
    char *s = sample_json(&T_SetCustomerStagingMode);
    CHECK_STR(s, "{\"customerId\":\"String\",\"isStaging\":false}");
    free(s);
    s = sample_json(&T_CustomerInfo);
    CHECK(strstr(s, "\"integrationData\":{\"String\":{\"thirdPartyId\":\"String\"}}") != NULL);
    CHECK(strstr(s, "\"data\"") == NULL);      /* Struct contains itself: left out */
    CHECK(strstr(s, "\"flowParams\"") == NULL);
    CHECK(strstr(s, "\"byDay\":[{\"offset\":0,\"dayOfWeek\":\"Sunday\"}]") != NULL);
    free(s);

    char dn[64];
    meta_dotnet(schema_field(&T_PatchCustomer, "TagIds"), dn, sizeof dn);
    CHECK_STR(dn, "List<string>");
    meta_dotnet(schema_field(&T_PatchCustomer, "OverrideAppSettings"), dn, sizeof dn);
    CHECK_STR(dn, "bool?");
    meta_dotnet(schema_field(&T_PatchCustomer, "Data"), dn, sizeof dn);
    CHECK_STR(dn, "Struct");

    char base[32];
    CHECK(meta_generic(&T_ListResponse_AccountInfo, base, sizeof base) == &T_AccountInfo);
    CHECK_STR(base, "ListResponse");
    CHECK(meta_generic(&T_AccountInfo, base, sizeof base) == NULL);

    const op_t *op = api_op_by_name("PatchCustomer");
    CHECK(meta_path_param(op, schema_field(&T_PatchCustomer, "CustomerId")));
    CHECK(!meta_path_param(op, schema_field(&T_PatchCustomer, "Name")));

    tlist_t all = {.n = 0};
    meta_all_types(&all);
    CHECK(tlist_has(&all, &T_EntityInfo) && tlist_has(&all, &T_PatchAccount));
    for (int i = 0; i < all.n; i++) /* a base before the types deriving from it */
        if (all.t[i]->base) {
            int j = 0;
            while (j < all.n && all.t[j] != all.t[i]->base)
                j++;
            CHECK(j < i);
        }

    buf_t b = {0};
    CHECK(meta_op_page(&b, FMT_JSON, "PatchAccount"));
    CHECK(strstr(b.p, "Required role:</th><td class=\"roles\">SystemAdministrator<") != NULL);
    CHECK(strstr(b.p, "<td>AccountId</td><td>path</td><td>string</td>") != NULL);
    CHECK(strstr(b.p, "<td>MaxPhoneNumbers</td><td>query</td><td>int?</td>") != NULL);
    buf_free(&b);
    CHECK(!meta_op_page(&b, FMT_JSON, "NoSuchOperation"));
    buf_free(&b);

    meta_types_json(&b);
    CHECK(parses(&b));
    buf_free(&b);
    meta_openapi(&b);
    CHECK(parses(&b));
    buf_free(&b);
    return CHECK_DONE();
}
