/* render.c — the render cache: the wire form of a presented document (a customer, an
 * endpoint), kept across requests and reused while nothing it was made from can have
 * changed, so a list or a GET of it costs neither presentation nor encoding again.
 *
 * A rendering is kept by collection, id, format and writer flags (W_SECRETS: what a
 * SystemAdministrator sees; one that shows a secret is not kept at all), with the write generation its read transaction began in
 * (store_generation) and the parsed document it was presented from.  It is reused only
 * by a read transaction of the same generation (no change of any kind has been committed
 * since, so the ancestors' names, the account's name and the tags it shows are as they
 * were) and for the very same document: the store hands out one shared parsed document
 * per stored text (store_doc_shared), and the entry holds a reference to it, so its
 * address cannot come back for another text while the entry stands.  Where the store
 * cannot vouch for a generation (PostgreSQL, whose servers share the database; SQLite
 * without --db-exclusive) nothing is kept or reused.  Only the presentation is reused:
 * whether the caller may see the document was decided on this request, before.
 *
 * Memory: a fixed table of RENDER_SLOTS entries, each a rendering of at most RENDER_MAX
 * bytes (a larger one is not kept) and a reference to its document: at most 2048 x 8 KiB
 * = 16 MiB of renderings (about 1 KiB each for a customer: 2 MiB), and the documents,
 * which the store's own table mostly holds anyway. */
#include "api.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include "../codec/codec.h"
#include "../util/hash.h"

/* RENDER_WAYS entries per set, so that two documents of one page whose keys meet in a
 * set do not push each other out on every request */
enum { RENDER_SLOTS = 2048, RENDER_WAYS = 4, RENDER_STRIPES = 64, RENDER_MAX = 8192, RENDER_ID_MAX = 48 };

typedef struct {
    coll_t coll;
    int fmt;
    unsigned flags;
    unsigned long gen;
    char id[RENDER_ID_MAX];
    json_t *doc;  /* the document it was presented from (a reference) */
    json_t *wire; /* the rendering: a string (a reference) */
    unsigned long used; /* a clock for replacing the least recently used of a set */
} rslot_t;

static rslot_t slots[RENDER_SLOTS];
static pthread_mutex_t locks[RENDER_STRIPES];
static pthread_once_t locks_once = PTHREAD_ONCE_INIT;

static void locks_init(void)
{
    for (int i = 0; i < RENDER_STRIPES; i++)
        pthread_mutex_init(&locks[i], NULL);
}

static atomic_ulong clock_now;

static unsigned long tick(void) { return atomic_fetch_add_explicit(&clock_now, 1, memory_order_relaxed) + 1; }

/* The set of a key: FNV-1a of it (ids are the server's own, so nothing steers it). */
static size_t set_of(coll_t coll, const char *id, size_t n, int fmt, unsigned flags)
{
    unsigned char kind = (unsigned char)(coll * 16 + fmt * 2 + (flags & W_SECRETS));
    return (size_t)(fnv1a(fnv1a(FNV1A_START, id, n), &kind, 1) % (RENDER_SLOTS / RENDER_WAYS));
}

static int same_key(const rslot_t *e, coll_t coll, const char *id, int fmt, unsigned flags)
{
    return e->wire && e->coll == coll && e->fmt == fmt && e->flags == flags && !strcmp(e->id, id);
}

/* Would a rendering of t with flags show a secret (F_SECRET, to a SystemAdministrator)?
 * Such a rendering is not kept: a secret stays in memory only while a request that may
 * see it runs.  (Only an endpoint's SIP password is one.) */
static int shows_secret(const type_t *t, unsigned flags, int depth)
{
    if (!(flags & W_SECRETS) || depth > 4)
        return 0;
    for (int i = 0, n = schema_nwire(t); i < n; i++) {
        const field_t *f = schema_wire_field(t, i);
        if ((f->flags & F_SECRET) || (f->type->kind == K_OBJECT && shows_secret(f->type, flags, depth + 1)))
            return 1;
    }
    return 0;
}

/* What the writers write as it stands: the rendering, beside the id (the ETag's). */
static json_t *wire_object(json_t *doc, json_t *wire)
{
    json_t *o = json_object();
    json_object_set(o, "id", json_object_get(doc, "id"));
    json_object_set_new(o, CODEC_WIRE, wire);
    return o;
}

json_t *render_present(call_t *c, coll_t coll, const type_t *t, json_t *doc, json_t *(*present)(call_t *, json_t *))
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    size_t n = id ? strlen(id) : RENDER_ID_MAX;
    unsigned long gen;
    unsigned flags = c->wire_flags & W_SECRETS;
    if (!c->wire || n >= RENDER_ID_MAX || (c->op && (c->op->flags & (OP_WRITE | OP_OWN_TXN))) ||
        !store_generation(c->st, &gen))
        return present(c, doc);
    int fmt = c->wire - 1;
    pthread_once(&locks_once, locks_init);
    size_t set = set_of(coll, id, n, fmt, flags);
    rslot_t *ways = &slots[set * RENDER_WAYS];
    pthread_mutex_t *mu = &locks[set % RENDER_STRIPES];
    json_t *wire = NULL;
    pthread_mutex_lock(mu);
    for (int i = 0; i < RENDER_WAYS && !wire; i++) {
        rslot_t *e = &ways[i];
        if (e->doc == doc && e->gen == gen && same_key(e, coll, id, fmt, flags)) {
            wire = json_incref(e->wire);
            e->used = tick();
        }
    }
    pthread_mutex_unlock(mu);
    if (wire)
        return wire_object(doc, wire);

    json_t *out = present(c, doc);
    /* made from a failed read, or showing a secret (so never found above): not kept */
    if (store_failed(c->st) || store_errcode(c->st) || shows_secret(t, flags, 0))
        return out;
    buf_t b = {0};
    write_dto(&b, (fmt_t)fmt, t, out, flags);
    json_decref(out);
    wire = json_stringn_nocheck(b.p ? b.p : "", b.len);
    buf_free(&b);
    if (!wire)
        return present(c, doc);
    if (json_string_length(wire) <= RENDER_MAX) {
        json_t *old_doc, *old_wire;
        pthread_mutex_lock(mu);
        rslot_t *e = NULL; /* the key's own entry, else an empty one, else the least recently used */
        for (int i = 0; i < RENDER_WAYS && !e; i++)
            if (same_key(&ways[i], coll, id, fmt, flags))
                e = &ways[i];
        for (int i = 0; i < RENDER_WAYS && !e; i++)
            if (!ways[i].wire)
                e = &ways[i];
        if (!e) {
            e = &ways[0];
            for (int i = 1; i < RENDER_WAYS; i++)
                if (ways[i].used < e->used)
                    e = &ways[i];
        }
        e->used = tick();
        old_doc = e->doc;
        old_wire = e->wire;
        e->coll = coll;
        e->fmt = fmt;
        e->flags = flags;
        e->gen = gen;
        memcpy(e->id, id, n + 1);
        e->doc = json_incref(doc);
        e->wire = json_incref(wire);
        pthread_mutex_unlock(mu);
        json_decref(old_doc);
        json_decref(old_wire);
    }
    return wire_object(doc, wire);
}
