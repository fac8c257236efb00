/* extras.c — account tools the original's clients call: an account's health check
 * (GET /accounts/{accountId}/check) and the endpoints sharing a value of one field
 * (GET /endpoints/duplicates).  Both read only. */
#include "api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../provider/provider.h"
#include "../util/secret.h"
#include "validate.h"

enum { MAX_COMPARED = 100000 };

/* ---- CheckAccount ---- */

/* What the store knows, read in one short transaction before the carrier is asked:
 * the account (a new reference), its number count and whether its settings exist. */
static int check_read(call_t *c, const char *id, json_t **account, long *numbers, int *settings)
{
    int rc = store_begin(c->st, 0);
    if (rc)
        return fail_store(c, rc, "account");
    if (reach_account_level(c, id, "check an account")) {
        store_rollback(c->st);
        return -1;
    }
    *account = json_incref(call_get(c, C_ACCOUNTS, id)); /* reached: it is there */
    *numbers = count_numbers(c, id);
    *settings = account_settings(c, id) != NULL;
    rc = *numbers < 0 ? store_errcode(c->st) : 0;
    if (!rc)
        rc = store_commit(c->st);
    else
        store_rollback(c->st);
    if (rc) {
        json_decref(*account);
        return fail_store(c, rc, "account");
    }
    return 0;
}

int op_check_account(call_t *c)
{
    const char *id = req_str(c, "accountId");
    json_t *a = NULL;
    long numbers = 0;
    int settings = 0;
    if (check_read(c, id, &a, &numbers, &settings))
        return -1;
    pcreds_t who = {json_string_value(json_object_get(a, "twilioAccountSid"))};
    who.auth_token = secret_open(json_string_value(json_object_get(a, "twilioAuthToken")), who.token_buf,
                                 sizeof who.token_buf);
    perr_t e = {0};
    presult_t pr = who.account_sid || who.auth_token ? provider_check_account(&who, &e) : P_NONE;
    static const char *const status[] = {[P_OK] = "Valid", [P_NONE] = "NotConfigured", [P_ERROR] = "Refused",
                                         [P_UNKNOWN] = "NoAnswer", [P_NOTFOUND] = "Refused"};
    long max = (long)json_integer_value(json_object_get(a, "maxPhoneNumbers"));
    json_t *problems = json_array();
    char line[700];
    if (pr != P_OK && pr != P_NONE) {
        snprintf(line, sizeof line, "The carrier %s the account's credentials: %s",
                 pr == P_UNKNOWN ? "did not answer about" : "refused", e.message[0] ? e.message : "no reason given");
        json_array_append_new(problems, json_string(line));
    }
    if (max > 0 && numbers > max) {
        snprintf(line, sizeof line, "The account holds %ld numbers, over its cap of %ld", numbers, max);
        json_array_append_new(problems, json_string(line));
    }
    if (!settings)
        json_array_append_new(problems, json_string("The account has no system settings"));
    c->resp = json_pack("{s:O,s:O,s:s,s:b,s:I,s:I,s:b,s:b,s:b}", "accountId", json_object_get(a, "id"), "accountName",
                        json_object_get(a, "name"), "carrierStatus", status[pr], "carrierCredentialsValid", pr == P_OK,
                        "phoneNumberCount", (json_int_t)numbers, "maxPhoneNumbers", (json_int_t)max,
                        "phoneNumbersWithinCap", max <= 0 || numbers <= max, "settingsPresent", settings, "isHealthy",
                        json_array_size(problems) == 0);
    if (pr != P_OK && pr != P_NONE && e.message[0])
        json_object_set_new(c->resp, "carrierMessage", json_string(e.message));
    json_object_set_new(c->resp, "problems", problems);
    json_decref(a);
    return 0;
}

/* ---- GetEndpointDuplicates ---- */

/* A stored EndpointInfo field with one plain value: not a list, an object, a secret, or
 * a name read from another document on every read. */
static const field_t *comparable_field(const char *name)
{
    const field_t *f = schema_field(&T_EndpointInfo, name);
    if (!f || (f->flags & (F_LIST | F_SECRET)) || f->type->kind == K_OBJECT || f->type->kind == K_MAP)
        return NULL;
    static const char *const derived[] = {"accountName", "customerName", "flowName", NULL};
    for (int i = 0; derived[i]; i++)
        if (!strcmp(f->json, derived[i]))
            return NULL;
    return f;
}

/* v as text ("" for none: no value is a duplicate of another) */
static void value_text(json_t *v, char *out, size_t n)
{
    if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, n, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
    else
        out[0] = 0;
}

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int op_get_endpoint_duplicates(call_t *c)
{
    const char *account = req_str(c, "accountId"), *name = req_str(c, "endpointFieldName");
    if (reach_account_level(c, account, "compare an account's endpoints"))
        return -1;
    if (!name || !*name) /* the question asked most: a number entered twice */
        name = "phoneNumber";
    const field_t *f = comparable_field(name);
    if (!f)
        return fail_field(c, "EndpointFieldName", "ArgumentException",
                          "'%s' is not an EndpointInfo field with one stored value (PhoneNumber, DisplayName, "
                          "ReferenceId, ...)",
                          name);
    query_t q = {.sort = "id", .limit = MAX_COMPARED};
    json_t *aid = json_pack("[s]", account), *rows;
    q.f[q.nf++] = (qfilter_t){"accountId", Q_IN, aid};
    int rc = store_list(c->st, C_ENDPOINTS, &q, &rows, NULL);
    json_decref(aid);
    if (rc)
        return fail_store(c, rc, "endpoints");
    json_t *groups = json_object(); /* value -> EndpointDuplicate */
    size_t i;
    json_t *ep;
    json_array_foreach(rows, i, ep)
    {
        char text[1024];
        value_text(json_object_get(ep, f->json), text, sizeof text);
        if (!text[0])
            continue;
        json_t *g = json_object_get(groups, text);
        if (!g) {
            g = json_pack("{s:s,s:i,s:[],s:[]}", "value", text, "count", 0, "endpointIds", "displayNames");
            if (!g) /* not UTF-8: no text to group by */
                continue;
            json_object_set_new(groups, text, g);
        }
        json_object_set_new(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1));
        json_array_append(json_object_get(g, "endpointIds"), json_object_get(ep, "id"));
        const char *dn = json_string_value(json_object_get(ep, "displayName"));
        json_array_append_new(json_object_get(g, "displayNames"), json_string(dn ? dn : ""));
    }
    json_decref(rows);
    size_t n = json_object_size(groups), k = 0;
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    const char *key;
    json_t *g;
    json_object_foreach(groups, key, g) if (json_integer_value(json_object_get(g, "count")) > 1) keys[k++] = key;
    qsort(keys, k, sizeof *keys, by_text);
    json_t *items = json_array();
    for (size_t j = 0; j < k; j++)
        json_array_append(items, json_object_get(groups, keys[j]));
    free(keys);
    json_decref(groups);
    c->resp = json_pack("{s:s,s:o}", "fieldName", f->name, "items", items);
    return 0;
}
