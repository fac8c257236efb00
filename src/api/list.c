/* list.c — the ListRequest fields every list operation shares: paging, all,
 * specificIds, sort, simplifiedPaging; and the ListResponse shape. */
#include "api.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { DEFAULT_PAGE_SIZE = 25, MAX_PAGE_SIZE = 1000, MAX_ALL = 100000 };

/* Every list: prepare (may be NULL) reads what the page's items need for the whole page at
 * once; cached: items through the render cache, when the store vouches for its generation
 * (then prepare is left out: an item kept from before needs nothing read, and one that is
 * not reads its own, remembered for the call). */
static int run(call_t *c, coll_t coll, const type_t *item, query_t *q, void (*prepare)(call_t *, json_t *),
               json_t *(*present)(call_t *, json_t *), int cached)
{
    long page = (long)json_integer_value(req_get(c, "page"));
    long per = (long)json_integer_value(req_get(c, "countPerPage"));
    int all = json_is_true(req_get(c, "all"));
    int simplified = json_is_true(req_get(c, "simplifiedPaging"));
    if (page < 0)
        return fail_field(c, "Page", "ArgumentException", "Page must be 0 or more");
    if (per < 0 || per > MAX_PAGE_SIZE)
        return fail_field(c, "CountPerPage", "ArgumentException", "CountPerPage must be between 1 and %d", MAX_PAGE_SIZE);
    if (per == 0)
        per = DEFAULT_PAGE_SIZE;
    json_t *ids = req_get(c, "specificIds");
    if (json_array_size(ids) && q->nf < QUERY_MAX_FILTERS)
        q->f[q->nf++] = (qfilter_t){"id", Q_IN, ids};
    const char *sf = req_str(c, "sortField");
    if (sf && *sf) {
        const field_t *f = schema_field(item, sf);
        if (!f || (f->flags & F_LIST) || f->type->kind == K_OBJECT || f->type->kind == K_MAP)
            return fail_field(c, "SortField", "ArgumentException", "'%s' is not a field this list can be sorted by", sf);
        q->sort = f->json;
    }
    const char *so = req_str(c, "sortOrder");
    if (so && *so) /* absent: the order the caller set (ascending unless it said otherwise) */
        q->desc = !strcmp(so, "Descend");
    if (all) {
        q->offset = 0;
        q->limit = MAX_ALL;
    } else {
        q->offset = page * per;
        q->limit = simplified ? per + 1 : per;
    }
    q->count = !simplified && !all;
    long total = 0;
    json_t *rows;
    int rc = store_list(c->st, coll, q, &rows, &total);
    if (rc)
        return fail_store(c, rc, "list");
    int more = 0;
    if (simplified && !all && (long)json_array_size(rows) > per) {
        json_array_remove(rows, (size_t)per);
        more = 1;
    }
    unsigned long gen;
    cached = cached && present && store_generation(c->st, &gen);
    if (prepare && !cached)
        prepare(c, rows);
    json_t *items = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(rows, i, d) json_array_append_new(
        items, cached ? render_present(c, coll, item, d, present) : present ? present(c, d) : json_incref(d));
    json_decref(rows);
    long count = (long)json_array_size(items);
    if (all) {
        total = count;
        c->resp = json_pack("{s:o,s:I,s:I,s:b}", "items", items, "totalCount", (json_int_t)total, "totalPages",
                            (json_int_t)(count ? 1 : 0), "hasMorePages", 0);
    } else if (simplified) {
        c->resp = json_pack("{s:o,s:i,s:i,s:b}", "items", items, "totalCount", 0, "totalPages", 0, "hasMorePages", more);
    } else {
        long pages = (total + per - 1) / per;
        c->resp = json_pack("{s:o,s:I,s:I,s:b}", "items", items, "totalCount", (json_int_t)total, "totalPages",
                            (json_int_t)pages, "hasMorePages", (page + 1) * per < total);
    }
    return 0;
}

int list_run(call_t *c, coll_t coll, const type_t *item, query_t *q, json_t *(*present)(call_t *, json_t *))
{
    return run(c, coll, item, q, NULL, present, 0);
}

int list_run_cached(call_t *c, coll_t coll, const type_t *item, query_t *q, void (*prepare)(call_t *, json_t *),
                    json_t *(*present)(call_t *, json_t *))
{
    return run(c, coll, item, q, prepare, present, 1);
}

/* map[field] (map: a Struct, "data" or "flowParams") holds value: a Struct Value ({stringValue}, {numberValue} or {boolValue})
 * equal to the text, read as each kind it can be.  The filters (one group: any of them)
 * own their field paths and values: free them with list_free_data_filters. */
int list_data_filter(query_t *q, const char *map, const char *field, const char *value)
{
    int group = 1000 + q->nf;
    const char *kinds[3] = {"stringValue", NULL, NULL};
    json_t *vals[3] = {json_string(value), NULL, NULL};
    char *end;
    double d = strtod(value, &end);
    if (*value && !*end && strspn(value, "+-0123456789.eE") == strlen(value)) {
        kinds[1] = "numberValue";
        vals[1] = d == (double)(json_int_t)d && !strpbrk(value, ".eE") ? json_integer((json_int_t)d) : json_real(d);
    }
    if (!strcasecmp(value, "true") || !strcasecmp(value, "false")) {
        kinds[2] = "boolValue";
        vals[2] = json_boolean(!strcasecmp(value, "true"));
    }
    for (int k = 0; k < 3; k++) {
        if (!kinds[k])
            continue;
        if (q->nf >= QUERY_MAX_FILTERS) {
            json_decref(vals[k]);
            continue;
        }
        char path[160];
        snprintf(path, sizeof path, "%s.%s.%s", map, field, kinds[k]);
        q->f[q->nf++] = (qfilter_t){strdup(path), Q_EQ, vals[k], group};
    }
    return q->nf < QUERY_MAX_FILTERS ? 0 : -1;
}

void list_free_data_filters(query_t *q)
{
    for (int k = 0; k < q->nf; k++)
        if (q->f[k].any >= 1000) {
            free((char *)q->f[k].field);
            json_decref(q->f[k].values);
        }
}
