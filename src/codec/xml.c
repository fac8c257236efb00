/* xml.c — the DataContract XML writer and reader.
 *
 * Writer: what .NET's DataContractSerializer (ServiceStack's XML format) writes through an
 * XmlWriter, without indentation:
 *   - `<?xml version="1.0" encoding="utf-8"?>`, then the root element named after the
 *     type's data-contract name, with xmlns:i (schema instance) and xmlns (its namespace);
 *   - members: the base type's first (in the base's namespace), then the type's own in
 *     ordinal order of their PascalCase names (ServiceStack's own types, which carry
 *     [DataMember(Order=n)], keep their documented order);
 *   - a member whose value's children live in another namespace declares it on the member
 *     element with a generated prefix d{depth}p{n} (`<AncestorIds xmlns:d2p1="...Arrays">`);
 *     an element in a namespace not in scope redeclares the default one
 *     (`<CreatedBy xmlns=".../Voice.Api">`), written after the other attributes as the
 *     XmlWriter does;
 *   - null reference members and null Nullable<T> are `<Name i:nil="true" />`; absent
 *     non-nullable value types are their default (false, 0, the enum's first member);
 *   - an element without content is closed as `<Name />`;
 *   - lists: one element per item named after the item's contract name (string, int,
 *     Tag, ...); Dictionary<string,T>: KeyValueOfstring{T} items with Key and Value;
 *   - generic names: ListResponse<CustomerInfo> -> ListResponseOfCustomerInfo + the digest
 *     .NET appends when a type argument is not from a built-in namespace (MD5 of the
 *     argument namespaces, 6 bytes in base64), e.g. ListResponseOfCustomerInfoznfKbIMc.
 * Reader: libxml2 with the network off, no entity substitution and no DTD loading; any
 * DOCTYPE or entity declaration is refused.  The document is walked along the request
 * type's schema into the raw text tree bind_dto(text=1) expects: element names match
 * fields case-insensitively, list fields take their child elements, i:nil members are
 * absent. */
#define _GNU_SOURCE /* memmem */
#include "codec.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define NS_XSD "http://www.w3.org/2001/XMLSchema"
#define NS_SER "http://schemas.microsoft.com/2003/10/Serialization/"
#define NS_ARRAYS "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
#define NS_DC "http://schemas.datacontract.org/2004/07/"
#define NS_SS "http://schemas.servicestack.net/types"

/* ------------------------------------------------------------------ data-contract names */

/* MD5 (RFC 1321), for the digest .NET appends to generic data-contract names. */
static void md5(const unsigned char *msg, size_t len, unsigned char out[16])
{
    static const uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    };
    static const unsigned char R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                        5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    size_t total = ((len + 8) / 64 + 1) * 64;
    unsigned char *m = calloc(total, 1);
    if (!m)
        abort();
    memcpy(m, msg, len);
    m[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        m[total - 8 + i] = (unsigned char)(bits >> (8 * i));
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[16];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)m[off + 4 * i] | (uint32_t)m[off + 4 * i + 1] << 8 | (uint32_t)m[off + 4 * i + 2] << 16 |
                   (uint32_t)m[off + 4 * i + 3] << 24;
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
        for (int i = 0; i < 64; i++) {
            uint32_t f;
            int g;
            if (i < 16)
                f = (b & c) | (~b & d), g = i;
            else if (i < 32)
                f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
            else if (i < 48)
                f = b ^ c ^ d, g = (3 * i + 5) % 16;
            else
                f = c ^ (b | ~d), g = (7 * i) % 16;
            uint32_t t = d, x = a + f + K[i] + w[g];
            d = c;
            c = b;
            b = b + (x << R[i] | x >> (32 - R[i]));
            a = t;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    }
    free(m);
    for (int i = 0; i < 16; i++)
        out[i] = (unsigned char)(h[i / 4] >> (8 * (i % 4)));
}

/* .NET's GetNamespacesDigest: base64 of the first 6 MD5 bytes, '/' -> "_S", '+' -> "_P". */
static void ns_digest(const char *namespaces, char *out, size_t outsz)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char d[16];
    md5((const unsigned char *)namespaces, strlen(namespaces), d);
    size_t o = 0;
    for (int i = 0; i < 6; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        for (int k = 3; k >= 0; k--) {
            char c = b64[(v >> (6 * k)) & 63];
            const char *rep = c == '/' ? "_S" : c == '+' ? "_P" : NULL;
            if (rep) {
                if (o + 2 < outsz)
                    out[o++] = rep[0], out[o++] = rep[1];
            } else if (o + 1 < outsz) {
                out[o++] = c;
            }
        }
    }
    out[o] = 0;
}

typedef struct {
    char name[256];
    char ns[160];
} qn_t;

static int builtin_ns(const char *u) { return !strcmp(u, NS_XSD) || !strcmp(u, NS_SER); }

static void contract_ns(const char *ns, char *out, size_t n)
{
    if (!ns)
        snprintf(out, n, "%s", NS_XSD);
    else if (!strcmp(ns, "ServiceStack")) /* ServiceStack's [assembly: ContractNamespace] */
        snprintf(out, n, "%s", NS_SS);
    else
        snprintf(out, n, NS_DC "%s", ns);
}

static void type_qn(const type_t *t, qn_t *q);

static const type_t *scalar_by_name(const char *s)
{
    static const type_t *const sc[] = {&T_string, &T_bool, &T_int, &T_long, &T_double};
    for (size_t i = 0; i < sizeof sc / sizeof *sc; i++)
        if (!strcmp(sc[i]->name, s))
            return sc[i];
    return schema_type_by_name(s);
}

/* "ListResponse<CustomerInfo>" -> "ListResponseOfCustomerInfo" + digest */
static void generic_name(const char *name, char *out, size_t n)
{
    const char *lt = strchr(name, '<');
    if (!lt) {
        snprintf(out, n, "%s", name);
        return;
    }
    buf_t local = {0}, nss = {0};
    buf_put(&local, name, (size_t)(lt - name));
    buf_puts(&local, "Of");
    int builtin = 1, count = 0;
    const char *p = lt + 1;
    while (*p && *p != '>') {
        size_t l = strcspn(p, ",>");
        char arg[128];
        snprintf(arg, sizeof arg, "%.*s", (int)l, p);
        const type_t *at = scalar_by_name(arg);
        qn_t aq;
        if (at)
            type_qn(at, &aq);
        else
            snprintf(aq.name, sizeof aq.name, "%s", arg), snprintf(aq.ns, sizeof aq.ns, "%s", NS_XSD);
        buf_puts(&local, aq.name);
        buf_printf(&nss, " %s", aq.ns);
        builtin = builtin && builtin_ns(aq.ns);
        count++;
        p += l;
        if (*p == ',')
            p++;
    }
    if (!builtin) {
        buf_t all = {0};
        buf_printf(&all, " %d%s", count, nss.p ? nss.p : "");
        char dg[24];
        ns_digest(all.p, dg, sizeof dg);
        buf_puts(&local, dg);
        buf_free(&all);
    }
    snprintf(out, n, "%s", local.p);
    buf_free(&local);
    buf_free(&nss);
}

/* KeyValueOfstring{Value}: the item of a Dictionary<string, T> */
static void kv_qn(const type_t *map, qn_t *q)
{
    qn_t vq;
    type_qn(map->value_type, &vq);
    char dg[24] = "";
    if (!builtin_ns(vq.ns)) {
        char all[400];
        snprintf(all, sizeof all, " 2 %s %s", NS_XSD, vq.ns);
        ns_digest(all, dg, sizeof dg);
    }
    snprintf(q->name, sizeof q->name, "KeyValueOfstring%s%s", vq.name, dg);
    snprintf(q->ns, sizeof q->ns, "%s", NS_ARRAYS);
}

/* List<item>: ArrayOf{item}, in the item's namespace unless that is a built-in one */
static void list_qn(const type_t *item, qn_t *q)
{
    qn_t iq;
    type_qn(item, &iq);
    snprintf(q->name, sizeof q->name, "ArrayOf%s", iq.name);
    snprintf(q->ns, sizeof q->ns, "%s", builtin_ns(iq.ns) ? NS_ARRAYS : iq.ns);
}

/* The data-contract name and namespace of one (non-list) value of type t. */
static void type_qn(const type_t *t, qn_t *q)
{
    switch (t->kind) {
    case K_STRING: snprintf(q->name, sizeof q->name, "string"); break;
    case K_BOOL: snprintf(q->name, sizeof q->name, "boolean"); break;
    case K_INT: snprintf(q->name, sizeof q->name, "int"); break;
    case K_LONG: snprintf(q->name, sizeof q->name, "long"); break;
    case K_DOUBLE: snprintf(q->name, sizeof q->name, "double"); break;
    case K_ENUM: snprintf(q->name, sizeof q->name, "%s", t->name); break;
    case K_OBJECT: generic_name(t->name, q->name, sizeof q->name); break;
    case K_MAP: {
        qn_t kq;
        kv_qn(t, &kq);
        snprintf(q->name, sizeof q->name, "ArrayOf%s", kq.name);
        snprintf(q->ns, sizeof q->ns, "%s", NS_ARRAYS);
        return;
    }
    }
    if (t->kind == K_ENUM || t->kind == K_OBJECT)
        contract_ns(t->ns, q->ns, sizeof q->ns);
    else
        snprintf(q->ns, sizeof q->ns, "%s", NS_XSD);
}

/* ------------------------------------------------------------------------------ writer */

typedef struct {
    char prefix[24];
    char uri[160];
    int depth;
} nsbind_t;

typedef struct {
    buf_t *b;
    unsigned flags;
    nsbind_t *bs;
    int nb, cap;
    int depth;
    int prefixes;          /* next n of d{depth}p{n} on the open element */
    int open;              /* the start tag still lacks its '>' */
    char pending[160];     /* a default-namespace declaration to end the start tag with */
} xw_t;

static void push_ns(xw_t *w, const char *prefix, const char *uri)
{
    if (w->nb == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 32;
        w->bs = realloc(w->bs, (size_t)w->cap * sizeof *w->bs);
        if (!w->bs)
            abort();
    }
    nsbind_t *n = &w->bs[w->nb++];
    snprintf(n->prefix, sizeof n->prefix, "%s", prefix);
    snprintf(n->uri, sizeof n->uri, "%s", uri);
    n->depth = w->depth;
}

/* The prefix bound to uri in scope ("" for the default namespace), or NULL. */
static const char *lookup_ns(xw_t *w, const char *uri)
{
    for (int j = w->nb - 1; j >= 0; j--) {
        if (strcmp(w->bs[j].uri, uri))
            continue;
        int shadowed = 0;
        for (int k = j + 1; k < w->nb && !shadowed; k++)
            shadowed = !strcmp(w->bs[k].prefix, w->bs[j].prefix);
        if (!shadowed)
            return w->bs[j].prefix;
    }
    return NULL;
}

static void close_start(xw_t *w)
{
    if (!w->open)
        return;
    if (w->pending[0])
        buf_printf(w->b, " xmlns=\"%s\"", w->pending);
    w->pending[0] = 0;
    buf_putc(w->b, '>');
    w->open = 0;
}

/* Open element local in namespace uri; its qualified name goes to qname (for x_end). */
static void x_start(xw_t *w, const char *local, const char *uri, char *qname, size_t qsz)
{
    close_start(w);
    w->depth++;
    w->prefixes = 1;
    const char *prefix = lookup_ns(w, uri);
    if (!prefix) {
        push_ns(w, "", uri);
        snprintf(w->pending, sizeof w->pending, "%s", uri);
        prefix = "";
    }
    if (*prefix)
        snprintf(qname, qsz, "%s:%s", prefix, local);
    else
        snprintf(qname, qsz, "%s", local);
    buf_putc(w->b, '<');
    buf_puts(w->b, qname);
    w->open = 1;
}

/* DataContractSerializer's WriteNamespaceDecl: declare uri with a d{depth}p{n} prefix on
 * the open element unless it is already in scope. */
static void x_decl(xw_t *w, const char *uri)
{
    if (!uri || !*uri || lookup_ns(w, uri))
        return;
    char prefix[24];
    snprintf(prefix, sizeof prefix, "d%dp%d", w->depth, w->prefixes++);
    push_ns(w, prefix, uri);
    buf_printf(w->b, " xmlns:%s=\"%s\"", prefix, uri);
}

static void x_nil(xw_t *w) { buf_puts(w->b, " i:nil=\"true\""); }

static void x_end(xw_t *w, const char *qname)
{
    if (w->open) {
        if (w->pending[0])
            buf_printf(w->b, " xmlns=\"%s\"", w->pending);
        w->pending[0] = 0;
        buf_puts(w->b, " />");
        w->open = 0;
    } else {
        buf_puts(w->b, "</");
        buf_puts(w->b, qname);
        buf_putc(w->b, '>');
    }
    while (w->nb && w->bs[w->nb - 1].depth == w->depth)
        w->nb--;
    w->depth--;
}

/* Escaped character data.  Characters XML 1.0 cannot carry (C0 controls other than tab,
 * LF and CR; U+FFFE, U+FFFF) become U+FFFD; CR is written as &#xD; so it survives parsing. */
static void x_text(xw_t *w, const char *s, size_t n)
{
    if (n == 0)
        return;
    close_start(w);
    buf_t *b = w->b;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        size_t skip = 1;
        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>')
            rep = "&gt;";
        else if (c == '\r')
            rep = "&#xD;";
        else if (c < 0x20 && c != '\t' && c != '\n')
            rep = "\xEF\xBF\xBD";
        else if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
                 ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF))
            rep = "\xEF\xBF\xBD", skip = 3;
        if (!rep)
            continue;
        buf_put(b, s + run, i - run);
        buf_puts(b, rep);
        run = i + skip;
        i += skip - 1;
    }
    buf_put(b, s + run, n - run);
}

static void x_texts(xw_t *w, const char *s) { x_text(w, s, strlen(s)); }

static void x_double(xw_t *w, double d)
{
    char tmp[48];
    if (isnan(d))
        snprintf(tmp, sizeof tmp, "NaN");
    else if (isinf(d))
        snprintf(tmp, sizeof tmp, "%s", d > 0 ? "INF" : "-INF");
    else if (d > -1e15 && d < 1e15 && d == (double)(long long)d) /* range first: the cast of a larger double is undefined */
        snprintf(tmp, sizeof tmp, "%lld", (long long)d);
    else {
        snprintf(tmp, sizeof tmp, "%.15g", d);
        if (strtod(tmp, NULL) != d)
            snprintf(tmp, sizeof tmp, "%.17g", d);
        for (char *p = tmp; *p; p++) /* .NET's "R" format: 1E+20, 1E-05 */
            if (*p == 'e')
                *p = 'E';
    }
    x_texts(w, tmp);
}

static int value_kind(const type_t *t)
{
    return t->kind == K_BOOL || t->kind == K_INT || t->kind == K_LONG || t->kind == K_DOUBLE || t->kind == K_ENUM;
}

static void write_content(xw_t *w, const type_t *t, int list, json_t *v);

static void write_scalar(xw_t *w, const type_t *t, json_t *v)
{
    char tmp[64];
    switch (t->kind) {
    case K_STRING:
        if (json_is_string(v))
            x_text(w, json_string_value(v), json_string_length(v));
        else if (json_is_integer(v))
            snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v)), x_texts(w, tmp);
        else if (json_is_real(v))
            x_double(w, json_real_value(v));
        break;
    case K_BOOL:
        x_texts(w, json_is_true(v) ? "true" : "false");
        break;
    case K_INT:
    case K_LONG:
        snprintf(tmp, sizeof tmp, "%lld",
                 (long long)(json_is_integer(v) ? json_integer_value(v) : json_number_value(v)));
        x_texts(w, tmp);
        break;
    case K_DOUBLE:
        x_double(w, json_is_integer(v) ? (double)json_integer_value(v) : json_number_value(v));
        break;
    case K_ENUM:
        x_texts(w, json_is_string(v) ? json_string_value(v) : t->values[0]);
        break;
    default:
        break;
    }
}

/* One member of an object: element `name` in the declaring type's namespace `uri`. */
static void write_member(xw_t *w, const char *uri, const field_t *f, json_t *v)
{
    if ((f->flags & F_SECRET) && !(w->flags & W_SECRETS))
        return;
    if (json_is_null(v))
        v = NULL;
    const char *child = NULL;
    qn_t cq;
    if (f->flags & F_LIST) {
        list_qn(f->type, &cq);
        child = cq.ns;
    } else if (f->type->kind == K_OBJECT || f->type->kind == K_MAP) {
        type_qn(f->type, &cq);
        child = cq.ns;
    }
    if (child && !strcmp(child, uri))
        child = NULL;
    char qname[300];
    x_start(w, f->name, uri, qname, sizeof qname);
    x_decl(w, child);
    int list = (f->flags & F_LIST) != 0;
    if (!v && !list && !(f->flags & F_NULLABLE) && value_kind(f->type))
        write_scalar(w, f->type, NULL); /* .NET value types always have a value */
    else if (!v)
        x_nil(w);
    else
        write_content(w, f->type, list, v);
    x_end(w, qname);
}

static int ordinal_cmp(const void *a, const void *b)
{
    return strcmp((*(const field_t *const *)a)->name, (*(const field_t *const *)b)->name);
}

static void write_members(xw_t *w, const type_t *t, json_t *obj)
{
    if (t->base)
        write_members(w, t->base, obj);
    if (t->nfields == 0)
        return;
    const field_t **order = malloc((size_t)t->nfields * sizeof *order);
    if (!order)
        abort();
    for (int i = 0; i < t->nfields; i++)
        order[i] = &t->fields[i];
    /* ServiceStack's own DTOs are [DataContract] with [DataMember(Order=n)] in documented
     * order; every other type's members are ordered by name. */
    if (!t->ns || strcmp(t->ns, "ServiceStack"))
        qsort(order, (size_t)t->nfields, sizeof *order, ordinal_cmp);
    char uri[160];
    contract_ns(t->ns, uri, sizeof uri);
    for (int i = 0; i < t->nfields; i++)
        write_member(w, uri, order[i], json_object_get(obj, order[i]->json));
    free(order);
}

static void write_content(xw_t *w, const type_t *t, int list, json_t *v)
{
    char qname[300];
    if (list) {
        qn_t cq, iq;
        list_qn(t, &cq);
        type_qn(t, &iq);
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            x_start(w, iq.name, cq.ns, qname, sizeof qname);
            if (json_is_null(it))
                x_nil(w);
            else
                write_content(w, t, 0, it);
            x_end(w, qname);
        }
        return;
    }
    switch (t->kind) {
    case K_OBJECT:
        if (json_is_object(v))
            write_members(w, t, v);
        break;
    case K_MAP: {
        qn_t kq, vq;
        kv_qn(t, &kq);
        const char *child = NULL;
        if (t->value_type->kind == K_OBJECT || t->value_type->kind == K_MAP) {
            type_qn(t->value_type, &vq);
            if (strcmp(vq.ns, NS_ARRAYS))
                child = vq.ns;
        }
        const char *k;
        json_t *it;
        json_object_foreach(v, k, it)
        {
            char kvq[300], q2[300];
            x_start(w, kq.name, NS_ARRAYS, kvq, sizeof kvq);
            x_start(w, "Key", NS_ARRAYS, q2, sizeof q2);
            x_texts(w, k);
            x_end(w, q2);
            x_start(w, "Value", NS_ARRAYS, q2, sizeof q2);
            x_decl(w, child);
            if (json_is_null(it))
                x_nil(w);
            else
                write_content(w, t->value_type, 0, it);
            x_end(w, q2);
            x_end(w, kvq);
        }
        break;
    }
    default:
        write_scalar(w, t, v);
    }
}

void write_xml(buf_t *b, const type_t *t, json_t *obj, unsigned flags)
{
    xw_t w = {.b = b, .flags = flags};
    qn_t rq;
    type_qn(t, &rq);
    buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    char qname[300];
    x_start(&w, rq.name, rq.ns, qname, sizeof qname);
    buf_puts(b, " xmlns:i=\"" NS_XSI "\"");
    push_ns(&w, "i", NS_XSI);
    if (!obj || json_is_null(obj))
        x_nil(&w);
    else
        write_content(&w, t, 0, obj);
    x_end(&w, qname);
    free(w.bs);
}

/* ------------------------------------------------------------------------------ reader */

/* Nothing is ever fetched: every external entity or DTD resolves to nothing. */
static xmlParserInputPtr no_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(no_loader);
}

typedef struct {
    char *err;
    size_t errsz;
    int failed;
} xr_t;

static json_t *xr_fail(xr_t *r, const char *msg)
{
    if (!r->failed)
        snprintf(r->err, r->errsz, "%s", msg);
    r->failed = 1;
    return NULL;
}

static int is_nil(xmlNode *el)
{
    for (xmlAttr *a = el->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, "nil") || (a->ns && strcmp((const char *)a->ns->href, NS_XSI)))
            continue;
        xmlChar *v = xmlNodeGetContent((xmlNode *)a);
        int nil = v && (!strcmp((char *)v, "true") || !strcmp((char *)v, "1"));
        xmlFree(v);
        return nil;
    }
    return 0;
}

static int has_elements(xmlNode *el)
{
    for (xmlNode *c = el->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

static json_t *text_of(xr_t *r, xmlNode *el)
{
    xmlChar *s = xmlNodeGetContent(el);
    json_t *v = json_string(s ? (const char *)s : "");
    xmlFree(s);
    return v ? v : xr_fail(r, "invalid UTF-8 in an element");
}

static xmlNode *child_named(xmlNode *el, const char *name)
{
    for (xmlNode *c = el->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcasecmp((const char *)c->name, name))
            return c;
    return NULL;
}

static json_t *read_value(xr_t *r, xmlNode *el, const type_t *t, int list, int depth)
{
    if (depth > codec_limits.max_depth)
        return xr_fail(r, "nesting too deep");
    if (list) {
        if (!has_elements(el)) {
            /* <TagIds>a,b</TagIds>: leave the text for the binder's list syntax */
            json_t *s = text_of(r, el);
            if (s && json_string_length(s) && strspn(json_string_value(s), " \t\r\n") < json_string_length(s))
                return s;
            json_decref(s);
            return r->failed ? NULL : json_array();
        }
        json_t *a = json_array();
        for (xmlNode *c = el->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || is_nil(c))
                continue;
            if (json_array_size(a) >= codec_limits.max_list) {
                json_decref(a);
                return xr_fail(r, "too many list items");
            }
            json_t *v = read_value(r, c, t, 0, depth + 1);
            if (!v) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, v);
        }
        return a;
    }
    if (t->kind == K_OBJECT) {
        json_t *o = json_object();
        for (xmlNode *c = el->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || is_nil(c))
                continue;
            const field_t *f = schema_field(t, (const char *)c->name);
            if (!f)
                continue; /* unknown members are ignored, as in every format */
            json_t *v = read_value(r, c, f->type, (f->flags & F_LIST) != 0, depth + 1);
            if (!v) {
                json_decref(o);
                return NULL;
            }
            json_object_set_new(o, f->name, v);
        }
        return o;
    }
    if (t->kind == K_MAP) {
        json_t *o = json_object();
        for (xmlNode *c = el->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            xmlNode *k = child_named(c, "Key"), *val = child_named(c, "Value");
            json_t *key;
            if (k) { /* <KeyValueOf...><Key>k</Key><Value>...</Value></KeyValueOf...> */
                key = text_of(r, k);
            } else { /* lenient: <k>...</k> */
                key = json_string((const char *)c->name);
                val = c;
            }
            if (!key) {
                json_decref(o);
                return xr_fail(r, "invalid key");
            }
            if (val && !is_nil(val)) {
                json_t *v = read_value(r, val, t->value_type, 0, depth + 1);
                if (!v) {
                    json_decref(key);
                    json_decref(o);
                    return NULL;
                }
                json_object_set_new(o, json_string_value(key), v);
            }
            json_decref(key);
        }
        return o;
    }
    return text_of(r, el);
}

json_t *xml_parse(const type_t *t, const char *s, size_t n, char *err, size_t errsz)
{
    xr_t r = {err, errsz, 0};
    if (n > INT32_MAX)
        return xr_fail(&r, "document too large");
    /* refuse DTDs and entity declarations outright, before libxml2 sees them */
    if (memmem(s, n, "<!DOCTYPE", 9) || memmem(s, n, "<!ENTITY", 8))
        return xr_fail(&r, "DTDs and entity declarations are not allowed");
    pthread_once(&xml_once, xml_init);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return xr_fail(&r, "out of memory");
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, s, (int)n, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    json_t *out = NULL;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[256];
        snprintf(msg, sizeof msg, "malformed XML%s%s", e && e->message ? ": " : "", e && e->message ? e->message : "");
        size_t l = strlen(msg);
        while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
            msg[--l] = 0;
        xr_fail(&r, msg);
    } else if (doc->intSubset || doc->extSubset) {
        xr_fail(&r, "DTDs and entity declarations are not allowed");
    } else {
        xmlNode *root = xmlDocGetRootElement(doc);
        if (!root)
            xr_fail(&r, "no root element");
        else if (t->kind != K_OBJECT)
            out = read_value(&r, root, t, 0, 0);
        else if (is_nil(root))
            out = json_object();
        else
            out = read_value(&r, root, t, 0, 0);
    }
    if (doc)
        xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return out;
}
