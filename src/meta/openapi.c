/* openapi.c — GET /openapi.json: an OpenAPI 3.0 description of every operation.
 * Paths come from the routes ({name} placeholders become path parameters); GET and DELETE
 * take the other request fields as query parameters (JSV for lists and objects: a list is
 * comma-separated), the other verbs a JSON body (the request DTO).  Responses reference
 * components.schemas generated from the schema (wire names, base fields flattened in
 * wire order); errors are ServiceStack's ErrorResponse.  Security: HTTP Basic, a bearer
 * session id, or the ss-id session cookie.  ETags: a response showing one entity has the
 * ETag header, a GET of one takes If-None-Match (304), a write naming one If-Match (412). */
#include "meta_int.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A component name: "ListResponse<AccountInfo>" -> "ListResponse_AccountInfo". */
static void comp_name(const type_t *t, char *out, size_t n)
{
    size_t j = 0;
    for (const char *s = t->name; *s && j + 1 < n; s++)
        if (isalnum((unsigned char)*s) || *s == '_' || *s == '.')
            out[j++] = *s;
        else if (*s == '<' || *s == ',')
            out[j++] = '_';
    out[j] = 0;
}

static json_t *ref(const type_t *t)
{
    char n[160], r[200];
    comp_name(t, n, sizeof n);
    snprintf(r, sizeof r, "#/components/schemas/%s", n);
    return json_pack("{s:s}", "$ref", r);
}

static json_t *scalar_or_ref(const type_t *t)
{
    switch (t->kind) {
    case K_STRING: return json_pack("{s:s}", "type", "string");
    case K_BOOL: return json_pack("{s:s}", "type", "boolean");
    case K_INT: return json_pack("{s:s,s:s}", "type", "integer", "format", "int32");
    case K_LONG: return json_pack("{s:s,s:s}", "type", "integer", "format", "int64");
    case K_DOUBLE: return json_pack("{s:s,s:s}", "type", "number", "format", "double");
    default: return ref(t);
    }
}

/* A field's schema; a $ref with a description or nullable is wrapped in allOf. */
static json_t *field_schema(const field_t *f)
{
    json_t *s = scalar_or_ref(f->type);
    if (f->flags & F_LIST)
        s = json_pack("{s:s,s:o}", "type", "array", "items", s);
    int nullable = (f->flags & F_NULLABLE) && !(f->flags & F_LIST);
    if ((f->desc || nullable) && json_object_get(s, "$ref"))
        s = json_pack("{s:[o]}", "allOf", s);
    if (nullable)
        json_object_set_new(s, "nullable", json_true());
    if (f->desc)
        json_object_set_new(s, "description", json_string(f->desc));
    return s;
}

static json_t *type_schema(const type_t *t)
{
    if (t->kind == K_ENUM) {
        json_t *vals = json_array();
        for (int i = 0; i < t->nvalues; i++)
            json_array_append_new(vals, json_string(t->values[i]));
        return json_pack("{s:s,s:o}", "type", "string", "enum", vals);
    }
    if (t->kind == K_MAP)
        return json_pack("{s:s,s:o}", "type", "object", "additionalProperties", scalar_or_ref(t->value_type));
    json_t *props = json_object();
    int n = schema_nwire(t);
    for (int i = 0; i < n; i++) {
        const field_t *f = schema_wire_field(t, i);
        json_object_set_new(props, f->json, field_schema(f));
    }
    json_t *s = json_pack("{s:s,s:o}", "type", "object", "properties", props);
    if (t->desc)
        json_object_set_new(s, "description", json_string(t->desc));
    return s;
}

static json_t *json_content(json_t *schema)
{
    return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

static json_t *operation(const op_t *op, const char *route, const char *verb, const char *opid)
{
    json_t *o = json_pack("{s:s,s:s,s:[s]}", "operationId", opid, "summary", op->desc ? op->desc : op->name,
                          "tags", op->req->ns ? op->req->ns : "Voice.Api");
    json_t *params = json_array();
    /* path parameters: every {name} of the route */
    for (const char *p = strchr(route, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (!e)
            break;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
        const field_t *f = schema_field(op->req, name);
        json_t *prm = json_pack("{s:s,s:s,s:b,s:o}", "name", name, "in", "path", "required", 1, "schema",
                                f ? scalar_or_ref(f->type) : json_pack("{s:s}", "type", "string"));
        if (f && f->desc)
            json_object_set_new(prm, "description", json_string(f->desc));
        json_array_append_new(params, prm);
    }
    int body = strcasecmp(verb, "GET") && strcasecmp(verb, "DELETE");
    if (!body) {
        int n = schema_nwire(op->req);
        for (int i = 0; i < n; i++) {
            const field_t *f = schema_wire_field(op->req, i);
            char tok[80];
            snprintf(tok, sizeof tok, "{%s}", f->json);
            if (strstr(route, tok))
                continue;
            json_t *prm = json_pack("{s:s,s:s,s:b,s:o}", "name", f->json, "in", "query", "required", 0, "schema",
                                    field_schema(f));
            if (f->flags & F_LIST) {
                json_object_set_new(prm, "style", json_string("form"));
                json_object_set_new(prm, "explode", json_false());
            }
            json_array_append_new(params, prm);
        }
    } else {
        json_object_set_new(o, "requestBody", json_pack("{s:b,s:o}", "required", 1, "content", json_content(ref(op->req))));
    }
    if (json_array_size(params))
        json_object_set_new(o, "parameters", params);
    else
        json_decref(params);

    /* ETags: an answer showing one entity carries one; a GET of one takes If-None-Match,
     * a write naming one If-Match */
    int tagged = api_entity_of_type(op->resp) != NULL, get = !strcasecmp(verb, "GET");
    int named = api_route_entity(route) != NULL && !(op->flags & OP_ANON);
    if ((tagged && get && named) || (named && !get)) {
        json_t *ps = json_object_get(o, "parameters");
        if (!ps)
            json_object_set_new(o, "parameters", ps = json_array());
        json_array_append_new(ps, json_pack("{s:s}", "$ref", get ? "#/components/parameters/IfNoneMatch"
                                                                 : "#/components/parameters/IfMatch"));
    }
    json_t *resp = json_object();
    if (op->resp->nfields == 0 && !op->resp->base)
        json_object_set_new(resp, "204", json_pack("{s:s}", "description", "No Content"));
    else
        json_object_set_new(resp, "200", json_pack("{s:s,s:o}", "description", "Success", "content",
                                                   json_content(ref(op->resp))));
    if (tagged && !(op->resp->nfields == 0 && !op->resp->base))
        json_object_set_new(json_object_get(resp, "200"), "headers",
                            json_pack("{s:{s:s}}", "ETag", "$ref", "#/components/headers/ETag"));
    if (tagged && get && named)
        json_object_set_new(resp, "304", json_pack("{s:s,s:{s:{s:s}}}", "description",
                                                   "Not Modified: If-None-Match names this version in this format",
                                                   "headers", "ETag", "$ref", "#/components/headers/ETag"));
    if (named && !get)
        json_object_set_new(resp, "412", json_pack("{s:s}", "$ref", "#/components/responses/PreconditionFailed"));
    if (!strcmp(op->name, "GetAuthStatus"))
        json_object_set_new(resp, "204", json_pack("{s:s}", "description", "Nobody is signed in"));
    json_object_set_new(resp, "400", json_pack("{s:s}", "$ref", "#/components/responses/BadRequest"));
    if (!(op->flags & OP_ANON)) {
        json_object_set_new(resp, "401", json_pack("{s:s}", "$ref", "#/components/responses/Unauthorized"));
        json_object_set_new(resp, "403", json_pack("{s:s}", "$ref", "#/components/responses/Forbidden"));
        json_object_set_new(resp, "404", json_pack("{s:s}", "$ref", "#/components/responses/NotFound"));
    }
    json_object_set_new(resp, "default", json_pack("{s:s}", "$ref", "#/components/responses/Error"));
    json_object_set_new(o, "responses", resp);
    if (op->flags & OP_ANON)
        json_object_set_new(o, "security", json_array());
    return o;
}

static json_t *error_response(const char *desc)
{
    return json_pack("{s:s,s:o}", "description", desc, "content", json_content(ref(&T_ErrorResponse)));
}

void meta_openapi(buf_t *b)
{
    json_t *paths = json_object();
    for (int i = 0; i < api_nops; i++) {
        const op_t *op = &api_ops[i];
        int k = 0;
        for (int r = 0; r < 3 && op->routes[r]; r++) {
            json_t *item = json_object_get(paths, op->routes[r]);
            if (!item)
                json_object_set_new(paths, op->routes[r], item = json_object());
            for (const char *v = op->verbs; *v;) {
                const char *e = strchr(v, ',');
                size_t l = e ? (size_t)(e - v) : strlen(v);
                char verb[16], lower[16], opid[160];
                snprintf(verb, sizeof verb, "%.*s", (int)l, v);
                for (size_t j = 0; j <= strlen(verb); j++)
                    lower[j] = (char)tolower((unsigned char)verb[j]);
                if (k++ == 0)
                    snprintf(opid, sizeof opid, "%s", op->name);
                else if (r == 0)
                    snprintf(opid, sizeof opid, "%s_%s", op->name, verb);
                else
                    snprintf(opid, sizeof opid, "%s_%s_%d", op->name, verb, r);
                json_object_set_new(item, lower, operation(op, op->routes[r], verb, opid));
                v += l + (e ? 1 : 0);
            }
        }
    }
    tlist_t all = {.n = 0};
    meta_all_types(&all);
    meta_closure(&T_ErrorResponse, &all);
    json_t *schemas = json_object();
    for (int i = 0; i < all.n; i++) {
        char n[160];
        comp_name(all.t[i], n, sizeof n);
        json_object_set_new(schemas, n, type_schema(all.t[i]));
    }
    json_t *responses = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "BadRequest", error_response("Invalid request"),
                                  "Unauthorized", error_response("Not authenticated"), "Forbidden",
                                  error_response("Role missing or resource outside the caller's tenants"),
                                  "NotFound", error_response("No such resource"), "PreconditionFailed",
                                  error_response("PreconditionFailed: the entity changed since the If-Match tag was "
                                                 "read (or is gone); nothing was changed"),
                                  "Error", error_response("Error"));
    json_t *tag = json_pack("{s:s}", "type", "string");
    json_t *headers = json_pack(
        "{s:{s:s,s:o}}", "ETag",
        "description", "The entity's version in this format: \"<version>.<format>\" (\".full\" added for a "
                       "SystemAdministrator, who sees secrets); the same on every server",
        "schema", json_incref(tag));
    json_t *parameters = json_pack(
        "{s:{s:s,s:s,s:b,s:s,s:o},s:{s:s,s:s,s:b,s:s,s:o}}", "IfNoneMatch", "name", "If-None-Match", "in", "header",
        "required", 0, "description", "ETags the client holds: 304 Not Modified, no body, when one is current",
        "schema", json_incref(tag), "IfMatch", "name", "If-Match", "in", "header", "required", 0, "description",
        "Write only if the entity is still at one of these versions (any format's tag; * : it exists); else 412",
        "schema", tag);
    json_t *security = json_pack("{s:{s:s,s:s},s:{s:s,s:s,s:s},s:{s:s,s:s,s:s}}", "basic", "type", "http", "scheme",
                                 "basic", "bearer", "type", "http", "scheme", "bearer", "description",
                                 "A session id (the bearerToken of AuthenticateResponse)", "session", "type", "apiKey",
                                 "in", "cookie", "name", "ss-id");
    json_t *doc = json_pack(
        "{s:s,s:{s:s,s:s,s:s},s:[{s:s}],s:[{s:[]},{s:[]},{s:[]}],s:o,s:{s:o,s:o,s:o,s:o,s:o}}", "openapi", "3.0.3", "info",
        "title", "Evo Voice", "version", "1.0", "description",
        "The Evo Voice platform API (ServiceStack wire protocol); every operation is also reachable as /api/{Name}",
        "servers", "url", "/", "security", "basic", "bearer", "session", "paths", paths, "components", "schemas",
        schemas, "responses", responses, "headers", headers, "parameters", parameters, "securitySchemes", security);
    char *s = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_INDENT(1));
    buf_puts(b, s);
    buf_putc(b, '\n');
    free(s);
    json_decref(doc);
}
