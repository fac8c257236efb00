/* throttle.c — exponential back-off of failed sign-ins per login name and per client
 * address, in a fixed table of keyed hashes (see throttle.h). */
#include "throttle.h"
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

throttle_config_t throttle_config = {5, 20, 1000, 60000};

enum { SLOTS = 8192, PROBE = 8 };

typedef struct {
    unsigned char key[16]; /* keyed hash of "n:<lower-case name>" or "a:<address>" */
    int failures;
    long long last_ms;     /* the last failure; 0: a free slot */
} entry_t;

static entry_t table[SLOTS];
static unsigned char hash_key[crypto_generichash_KEYBYTES];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void throttle_init(void) { randombytes_buf(hash_key, sizeof hash_key); }

/* An entry quiet for this long is forgotten: its wait ran out long ago. */
static long long forget_ms(void) { return 4LL * throttle_config.max_ms + 60000; }

static void key_of(unsigned char out[16], char kind, const char *s)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, hash_key, sizeof hash_key, 16);
    unsigned char pre[2] = {(unsigned char)kind, ':'};
    crypto_generichash_update(&h, pre, 2);
    for (const char *p = s; *p; p++) { /* names compare case-insensitively, as e-mails are stored */
        unsigned char ch = (unsigned char)(kind == 'n' ? tolower((unsigned char)*p) : *p);
        crypto_generichash_update(&h, &ch, 1);
    }
    crypto_generichash_final(&h, out, 16);
}

/* The entry for key, or NULL; with make, a new one (when every slot of its probe window
 * is taken, it replaces the one with the fewest failures, the stalest of those).
 * Called with mu held. */
static entry_t *find(const unsigned char key[16], int make, long long now)
{
    unsigned start = ((unsigned)key[0] | (unsigned)key[1] << 8 | (unsigned)key[2] << 16) % SLOTS;
    entry_t *victim = NULL;
    int victim_live = 1;
    for (int i = 0; i < PROBE; i++) {
        entry_t *e = &table[(start + i) % SLOTS];
        int live = e->last_ms && now - e->last_ms < forget_ms();
        if (live && !memcmp(e->key, key, 16))
            return e;
        if (!live && victim_live) /* a free or forgotten slot beats any live one */
            victim = e, victim_live = 0;
        else if (live && victim_live && (!victim || e->failures < victim->failures ||
                                         (e->failures == victim->failures && e->last_ms < victim->last_ms)))
            victim = e; /* else the one with the fewest failures: a flood of new keys cannot push out a throttled one */
    }
    if (!make)
        return NULL;
    memset(victim, 0, sizeof *victim);
    memcpy(victim->key, key, 16);
    return victim;
}

static long wait_of(const entry_t *e, int free_failures, long long now)
{
    if (!e || e->failures < free_failures)
        return 0;
    int extra = e->failures - free_failures;
    long long delay = throttle_config.max_ms;
    if (extra < 30 && ((long long)throttle_config.base_ms << extra) < delay)
        delay = (long long)throttle_config.base_ms << extra;
    long long left = e->last_ms + delay - now;
    return left > 0 ? (long)left : 0;
}

/* The keys of a name and an address (either may be NULL: not counted). */
typedef struct {
    unsigned char k[2][16];
    int has[2];
} keys_t;

static keys_t keys_of(const char *name, const char *addr)
{
    keys_t ks = {.has = {name != NULL, addr != NULL}};
    if (name)
        key_of(ks.k[0], 'n', name);
    if (addr)
        key_of(ks.k[1], 'a', addr);
    return ks;
}

long throttle_wait_ms(const char *name, const char *addr)
{
    keys_t ks = keys_of(name, addr);
    const int free_failures[2] = {throttle_config.name_free, throttle_config.addr_free};
    long long now = mono_ms();
    long wait = 0;
    pthread_mutex_lock(&mu);
    for (int k = 0; k < 2; k++) {
        long w = ks.has[k] ? wait_of(find(ks.k[k], 0, now), free_failures[k], now) : 0;
        if (w > wait)
            wait = w;
    }
    pthread_mutex_unlock(&mu);
    return wait;
}

void throttle_failed(const char *name, const char *addr)
{
    keys_t ks = keys_of(name, addr);
    long long now = mono_ms();
    pthread_mutex_lock(&mu);
    for (int k = 0; k < 2; k++) {
        if (!ks.has[k])
            continue;
        entry_t *e = find(ks.k[k], 1, now);
        if (e->failures < 1000000)
            e->failures++;
        e->last_ms = now;
    }
    pthread_mutex_unlock(&mu);
}

void throttle_succeeded(const char *name)
{
    if (!name)
        return;
    unsigned char nk[16];
    key_of(nk, 'n', name);
    pthread_mutex_lock(&mu);
    entry_t *e = find(nk, 0, mono_ms());
    if (e)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&mu);
}
