/* pages.c — the HTML metadata pages, as ServiceStack's /metadata shows them (the seeds are
 * such pages): the index of operations, and per operation and format its description,
 * authentication and roles, routes, field tables of the request, the response and every
 * nested type, enum members, the JavaScript DTOs, and a sample request and response
 * written by the real codecs from a placeholder DTO. */
#include "meta_int.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const fmt_names[] = {"json", "jsv", "xml", "csv"};
static const char *const fmt_upper[] = {"JSON", "JSV", "XML", "CSV"};
static const char *const fmt_ctype[] = {"application/json", "text/jsv", "application/xml", "text/csv"};

static const char *const style =
    "<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}pre{background:#f6f6f6;padding:8px;"
    "overflow:auto}</style>\n";

static void head(buf_t *b, const char *title)
{
    buf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    meta_html(b, title);
    buf_printf(b, "</title>\n%s</head><body>\n<h1>Evo Voice</h1>\n", style);
}

void meta_index_page(buf_t *b)
{
    head(b, "Evo Voice metadata");
    buf_puts(b, "<p>The following operations are supported. For a formal definition, see the "
                "<a href=\"/types/metadata\">metadata types</a>, the generated DTOs for "
                "<a href=\"/types/typescript\">TypeScript</a>, <a href=\"/types/js\">JavaScript</a> and "
                "<a href=\"/types/csharp\">C#</a>, or the <a href=\"/openapi.json\">OpenAPI 3.0</a> "
                "description.</p>\n<table id=\"operations\">\n<tr><th>Operation</th><th>Formats</th>"
                "<th>Routes</th><th>Description</th></tr>\n");
    for (int i = 0; i < api_nops; i++) {
        const op_t *op = &api_ops[i];
        buf_printf(b, "<tr class=\"operation\" data-op=\"%s\"><th>%s</th><td>", op->name, op->name);
        for (int f = 0; f < 4; f++)
            buf_printf(b, "%s<a href=\"/%s/metadata?op=%s\">%s</a>", f ? " " : "", fmt_names[f], op->name,
                       fmt_upper[f]);
        buf_puts(b, "</td><td>");
        for (int r = 0; r < 3 && op->routes[r]; r++) {
            buf_printf(b, "%s%s ", r ? "<br>" : "", op->verbs);
            meta_html(b, op->routes[r]);
        }
        buf_puts(b, "</td><td>");
        meta_html(b, op->desc);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table>\n</body></html>\n");
}

/* ---- the types a page shows: pre-order, a type then its base then its fields' types ---- */
static void page_types(const type_t *t, tlist_t *out, tlist_t *seen)
{
    if (meta_scalar(t) || tlist_has(seen, t))
        return;
    tlist_add(seen, t);
    if (t->kind == K_MAP) { /* a dictionary shows its value type */
        page_types(t->value_type, out, seen);
        return;
    }
    if (t->ns && !strcmp(t->ns, "System"))
        return;
    tlist_add(out, t);
    if (t->base)
        page_types(t->base, out, seen);
    for (int i = 0; i < t->nfields; i++)
        page_types(t->fields[i].type, out, seen);
}

static void type_table(buf_t *b, const op_t *op, const type_t *t)
{
    if (t->kind == K_ENUM) {
        buf_printf(b, "<h3 id=\"%s\">%s Enum:</h3>\n<table class=\"enum\">\n", t->name, t->name);
        for (int i = 0; i < t->nvalues; i++)
            buf_printf(b, "<tr><td>%s</td><td></td></tr>\n", t->values[i]);
        buf_puts(b, "</table>\n");
        return;
    }
    buf_puts(b, "<h3 id=\"");
    meta_html(b, t->name);
    buf_puts(b, "\">");
    meta_html(b, t->name);
    buf_puts(b, " Parameters:</h3>\n<table class=\"fields\">\n<tr><th>Name</th><th>Parameter</th>"
                "<th>Data Type</th><th>Required</th><th>Description</th></tr>\n");
    const char *where_else = "form";
    if (t == op->req)
        where_else = (!strncmp(op->verbs, "POST", 4) || !strncmp(op->verbs, "PUT", 3)) ? "body" : "query";
    for (int i = 0; i < t->nfields; i++) {
        const field_t *f = &t->fields[i];
        char dn[160];
        meta_dotnet(f, dn, sizeof dn);
        buf_printf(b, "<tr><td>%s</td><td>%s</td><td>", f->name,
                   t == op->req && meta_path_param(op, f) ? "path" : where_else);
        meta_html(b, dn);
        buf_puts(b, "</td><td>No</td><td>");
        meta_html(b, f->desc);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table>\n");
}

/* ---- samples ---- */

static void newline(buf_t *b, int tabs)
{
    if (b->len && b->p[b->len - 1] == ' ')
        b->len--; /* no trailing space after "key:" */
    buf_putc(b, '\n');
    for (int i = 0; i < tabs; i++)
        buf_putc(b, '\t');
}

/* ServiceStack's JsvFormatter.Format: a newline and tabs around every container and item. */
static void jsv_pretty(buf_t *b, const char *s, size_t n)
{
    int tabs = 0, first_key = 1, in_str = 0;
#define NL(k) newline(b, (k))
    for (size_t i = 0; i < n; i++) {
        char c = s[i], prev = i ? s[i - 1] : 0, next = i + 1 < n ? s[i + 1] : 0;
        if (c == '"') {
            in_str = !in_str;
            buf_putc(b, c);
            continue;
        }
        if (in_str) {
            buf_putc(b, c);
            continue;
        }
        if (c == '{' || c == '[') {
            if (prev == ':') {
                if (next == '}' || next == ']') {
                    buf_putc(b, c);
                    buf_putc(b, s[++i]);
                    continue;
                }
                NL(tabs);
            }
            buf_putc(b, c);
            NL(++tabs);
            first_key = 1;
        } else if (c == '}' || c == ']') {
            NL(--tabs);
            buf_putc(b, c);
            first_key = 1;
        } else if (c == ',') {
            buf_putc(b, c);
            NL(tabs);
            first_key = 1;
        } else {
            buf_putc(b, c);
            if (c == ':' && first_key) {
                buf_putc(b, ' ');
                first_key = 0;
            }
        }
    }
#undef NL
}

/* Indent compact XML two spaces a level; an element holding only text stays on one line.
 * The XML declaration is left out, as on ServiceStack's pages. */
static void xml_pretty(buf_t *b, const char *s, size_t n)
{
    const char *end = s + n;
    int depth = 0;
    if (n > 5 && !strncmp(s, "<?xml", 5)) {
        const char *q = strstr(s, "?>");
        s = q ? q + 2 : end;
    }
    while (s < end) {
        if (*s != '<') { /* text outside an element: keep */
            const char *lt = memchr(s, '<', (size_t)(end - s));
            if (!lt)
                lt = end;
            buf_put(b, s, (size_t)(lt - s));
            s = lt;
            continue;
        }
        const char *gt = memchr(s, '>', (size_t)(end - s));
        if (!gt)
            break;
        gt++;
        int closing = s[1] == '/', selfclose = gt[-2] == '/';
        if (closing)
            depth--;
        if (b->len && b->p[b->len - 1] != '\n')
            buf_putc(b, '\n');
        for (int i = 0; i < depth; i++)
            buf_puts(b, "  ");
        buf_put(b, s, (size_t)(gt - s));
        s = gt;
        if (closing || selfclose)
            continue;
        /* <X>text</X> on one line */
        const char *lt = memchr(s, '<', (size_t)(end - s));
        if (lt && lt[1] == '/') {
            const char *g2 = memchr(lt, '>', (size_t)(end - lt));
            if (g2) {
                buf_put(b, s, (size_t)(g2 + 1 - s));
                s = g2 + 1;
                continue;
            }
        }
        depth++;
    }
}

static void sample(buf_t *b, fmt_t fmt, const type_t *t)
{
    json_t *v = meta_sample(t);
    buf_t raw = {0};
    write_dto(&raw, fmt, t, v ? v : json_object(), W_SECRETS);
    json_decref(v);
    buf_t pretty = {0};
    if (fmt == FMT_JSV)
        jsv_pretty(&pretty, raw.p ? raw.p : "", raw.len);
    else if (fmt == FMT_XML)
        xml_pretty(&pretty, raw.p ? raw.p : "", raw.len);
    else
        buf_put(&pretty, raw.p ? raw.p : "", raw.len);
    meta_html(b, buf_cstr(&pretty));
    buf_free(&raw);
    buf_free(&pretty);
}

static void sample_http(buf_t *b, const op_t *op, fmt_t fmt)
{
    char verb[16];
    meta_method(op, verb, sizeof verb);
    int has_body = strcmp(verb, "GET") && strcmp(verb, "DELETE");
    buf_puts(b, "<pre class=\"request\">");
    buf_printf(b, "%s ", verb);
    meta_html(b, op->routes[0] ? op->routes[0] : "/");
    buf_printf(b, " HTTP/1.1\nHost: evovoice.io\nAccept: %s\n", fmt_ctype[fmt]);
    if (has_body) {
        buf_printf(b, "Content-Type: %s\nContent-Length: length\n\n", fmt_ctype[fmt]);
        sample(b, fmt, op->req);
    }
    buf_printf(b, "</pre>\n<pre class=\"response\">HTTP/1.1 200 OK\nContent-Type: %s\nContent-Length: length\n\n",
               fmt_ctype[fmt]);
    sample(b, fmt, op->resp);
    buf_puts(b, "</pre>\n");
}

int meta_op_page(buf_t *b, fmt_t fmt, const char *name)
{
    const op_t *op = api_op_by_name(name);
    if (!op)
        return 0;
    head(b, op->name);
    buf_printf(b, "<p><a href=\"/metadata\">&lt;back to all web services</a></p>\n<h2 id=\"op\">%s</h2>\n", op->name);
    if (op->desc) {
        buf_puts(b, "<p class=\"description\">");
        meta_html(b, op->desc);
        buf_puts(b, "</p>\n");
    }
    buf_puts(b, "<table class=\"auth\">\n");
    if (!(op->flags & OP_ANON))
        buf_puts(b, "<tr><th colspan=\"2\">Requires Authentication</th></tr>\n");
    const char *roles[3];
    int nr = meta_roles(op->roles, roles);
    if (nr) {
        buf_printf(b, "<tr><th>%s</th><td class=\"roles\">", nr == 1 ? "Required role:" : "Requires any of the roles:");
        for (int i = 0; i < nr; i++)
            buf_printf(b, "%s%s", i ? ", " : "", roles[i]);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table>\n<p>The following routes are available for this service:</p>\n<table class=\"routes\">\n");
    for (int r = 0; r < 3 && op->routes[r]; r++) {
        buf_printf(b, "<tr><th class=\"verbs\">%s</th><td class=\"path\">", op->verbs);
        meta_html(b, op->routes[r]);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</table>\n");

    tlist_t shown = {.n = 0}, seen = {.n = 0};
    page_types(op->req, &shown, &seen);
    page_types(op->resp, &shown, &seen);
    for (int i = 0; i < shown.n; i++)
        type_table(b, op, shown.t[i]);

    tlist_t js = {.n = 0};
    meta_op_types(op, &js);
    buf_printf(b, "<h3>JavaScript %s DTOs</h3>\n<pre class=\"dtos\">", op->name);
    buf_t src = {0};
    meta_source(&src, LANG_JS, &js, 0);
    meta_html(b, buf_cstr(&src));
    buf_free(&src);
    buf_puts(b, "</pre>\n");

    buf_printf(b, "<p>To override the Content-type in your clients, use the HTTP <b>Accept</b> Header, append the "
                  "<b>.%s</b> suffix or <b>?format=%s</b></p>\n", fmt_names[fmt], fmt_names[fmt]);
    if (fmt == FMT_JSON)
        buf_puts(b, "<p>To embed the response in a <b>jsonp</b> callback, append <b>?callback=myCallback</b></p>\n");
    buf_printf(b, "<h3>HTTP + %s</h3>\n<p>The following are sample HTTP requests and responses. The placeholders "
                  "shown need to be replaced with actual values.</p>\n", fmt_upper[fmt]);
    sample_http(b, op, fmt);
    buf_puts(b, "</body></html>\n");
    return 1;
}
