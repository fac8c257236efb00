/* auth.c — passwords, the Basic-credential cache, sessions.
 *
 * argon2id costs tens of milliseconds by design, so a client sending Basic on every
 * request must not pay it every time: a verified header is remembered for
 * auth_config.cache_seconds under a keyed BLAKE2b hash of the header (the header itself
 * is never kept).  An entry also records a hash of the stored password hash, so a
 * password change invalidates it at once. */
#include "auth.h"
#include "throttle.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

auth_config_t auth_config = {60};

static atomic_ulong argon_runs;
static unsigned char cache_key[crypto_generichash_KEYBYTES];
static char dummy_hash[crypto_pwhash_STRBYTES];

#define CACHE_SLOTS 4096
typedef struct {
    unsigned char key[16];   /* keyed hash of the Authorization header */
    json_t *user;            /* the user as it was at verification */
    unsigned long version;   /* store_users_version() before it was read */
    time_t expires;
    int verifying;           /* a thread is verifying vkey: others with it wait */
    unsigned char vkey[16];
} centry_t;
static centry_t cache[CACHE_SLOTS];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_cv = PTHREAD_COND_INITIALIZER;

/* argon2id with OWASP's 12 MiB, three passes, one lane (Password Storage Cheat Sheet: as
 * strong as its 19 MiB / two passes and 46 MiB / one pass).  libsodium's "interactive"
 * 64 MiB / two passes, used before, made one sign-in take more memory than the server
 * with 100,000 customers; such hashes still verify, and are hashed again with these at
 * the next sign-in (password_upgrade). */
#define PW_OPSLIMIT 3ULL
#define PW_MEMLIMIT ((size_t)12 << 20)

/* argon2id takes PW_MEMLIMIT and a core for tens of milliseconds: at most this many run at
 * once, which bounds the memory without costing throughput on a machine this size. */
enum { MAX_ARGON = 2 };
static sem_t argon_slots;

int auth_init(void)
{
    if (sodium_init() < 0)
        return -1;
    sem_init(&argon_slots, 0, MAX_ARGON);
    throttle_init();
    randombytes_buf(cache_key, sizeof cache_key);
    /* Unknown e-mails are verified against a dummy hash so their timing is a real one's. The
     * work of a verification is set by the parameters in the string, not by its salt or hash,
     * so random bytes under the parameters every password is hashed with serve: nothing is
     * hashed at start-up (that took a core for 200 ms and 64 MiB), and no password matches. */
    unsigned char salt[crypto_pwhash_SALTBYTES], sum[32];
    char salt64[sodium_base64_ENCODED_LEN(sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    char sum64[sodium_base64_ENCODED_LEN(sizeof sum, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(sum, sizeof sum);
    sodium_bin2base64(salt64, sizeof salt64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    sodium_bin2base64(sum64, sizeof sum64, sum, sizeof sum, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    int n = snprintf(dummy_hash, sizeof dummy_hash, "$argon2id$v=19$m=%llu,t=%llu,p=1$%s$%s",
                     (unsigned long long)(PW_MEMLIMIT / 1024), PW_OPSLIMIT, salt64, sum64);
    return n > 0 && (size_t)n < sizeof dummy_hash ? 0 : -1;
}

const char *auth_dummy_hash(void) { return dummy_hash; }

int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES])
{
    sem_wait(&argon_slots);
    int rc = crypto_pwhash_str(out, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT);
    sem_post(&argon_slots);
    return rc;
}

int password_verify(const char *hash, const char *pw)
{
    atomic_fetch_add(&argon_runs, 1);
    sem_wait(&argon_slots);
    int ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    sem_post(&argon_slots);
    return ok;
}

unsigned long auth_argon_runs(void) { return atomic_load(&argon_runs); }

int password_stale(const char *hash) { return crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT, PW_MEMLIMIT) != 0; }

/* A password just verified against a hash of other parameters is hashed again with
 * today's (before the write transaction that stores it: no writer waits for argon2).
 * Best effort: the sign-in stands whether or not this is stored. */
static void password_upgrade(store_t *st, const char *user_id, const char *pw)
{
    char hash[crypto_pwhash_STRBYTES];
    if (!user_id || password_hash(pw, hash))
        return;
    if (store_begin(st, 1) == ST_OK && (store_set_password(st, user_id, hash) || store_commit(st)))
        store_rollback(st);
    sodium_memzero(hash, sizeof hash);
}

unsigned roles_of(json_t *user)
{
    unsigned r = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(user, "roles"), i, v)
    {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        if (!strcmp(s, "SystemAdministrator"))
            r |= ROLE_SA;
        else if (!strcmp(s, "Manager"))
            r |= ROLE_MANAGER;
        else if (!strcmp(s, "Customer"))
            r |= ROLE_CUSTOMER;
    }
    return r;
}

void principal_set(principal_t *p, json_t *user)
{
    p->user = user;
    p->id = json_string_value(json_object_get(user, "id"));
    p->email = json_string_value(json_object_get(user, "emailAddress"));
    p->roles = roles_of(user);
    p->access = access_level(json_string_value(json_object_get(user, "managerAccess")));
}

int access_level(const char *name)
{
    return !name || !strcmp(name, "ReadWriteDelete") ? ACCESS_DELETE : !strcmp(name, "ReadWrite") ? ACCESS_WRITE : ACCESS_READ;
}

void principal_free(principal_t *p)
{
    json_decref(p->user);
    memset(p, 0, sizeof *p);
}

/* The check of a name and password behind both a login and a Basic header: throttled
 * per name and client address before argon2 runs, counted after. */
static int verify(store_t *st, const char *email, const char *password, const char *client, principal_t *p,
                  long *wait_ms)
{
    long wait = throttle_wait_ms(email, client);
    if (wait > 0) {
        if (wait_ms)
            *wait_ms = wait;
        return AUTH_THROTTLED;
    }
    char *hash = NULL;
    json_t *user = store_user_by_email(st, email, &hash);
    if (!user && store_errcode(st))
        return AUTH_UNAVAILABLE; /* the store failed: nobody can tell, and it is no failed sign-in */
    int ok = password_verify(user && hash ? hash : dummy_hash, password) && user && hash;
    int stale = ok && password_stale(hash);
    free(hash);
    if (!ok) {
        json_decref(user);
        throttle_failed(email, client);
        return AUTH_BAD;
    }
    throttle_succeeded(email);
    if (stale)
        password_upgrade(st, json_string_value(json_object_get(user, "id")), password);
    principal_set(p, user);
    return AUTH_OK;
}

int auth_login(store_t *st, const char *email, const char *password, const char *client, principal_t *p, long *wait_ms)
{
    return verify(st, email, password, client, p, wait_ms);
}

static void hash16(unsigned char out[16], const char *s)
{
    crypto_generichash(out, 16, (const unsigned char *)s, strlen(s), cache_key, sizeof cache_key);
}

/* A hit needs the same header, unexpired, and no committed change to any user since
 * the entry was made (a password change, a new role, a deletion all bump the version).
 * version is the users' version now (read from the store before the lock: with several
 * servers it lives in the database).  Called with cache_mu held, or on a thread's own
 * table. */
static json_t *cache_hit(centry_t *e, const unsigned char key[16], unsigned long version)
{
    if (e->user && sodium_memcmp(e->key, key, 16) == 0 && e->expires > time(NULL) && e->version == version)
        return json_incref(e->user);
    return NULL;
}

static centry_t *slot_of(const unsigned char key[16]) { return &cache[(key[0] | key[1] << 8) % CACHE_SLOTS]; }

/* Look the header up; on a miss, become its verifier, or wait while another thread
 * verifies the same header (so a burst of first requests costs one argon2 run). */
static json_t *cache_claim(const unsigned char key[16], unsigned long version, int *verifier)
{
    centry_t *e = slot_of(key);
    json_t *user;
    pthread_mutex_lock(&cache_mu);
    while (!(user = cache_hit(e, key, version)) && e->verifying && !sodium_memcmp(e->vkey, key, 16))
        pthread_cond_wait(&cache_cv, &cache_mu);
    *verifier = !user && !e->verifying;
    if (*verifier) {
        e->verifying = 1;
        memcpy(e->vkey, key, 16);
    }
    pthread_mutex_unlock(&cache_mu);
    return user;
}

/* Record the verifier's result (user NULL: it failed) and wake the waiters. */
static void cache_release(const unsigned char key[16], json_t *user, unsigned long version)
{
    centry_t *e = slot_of(key);
    pthread_mutex_lock(&cache_mu);
    json_t *old = NULL;
    if (user) {
        old = e->user;
        memcpy(e->key, key, 16);
        e->user = json_incref(user);
        e->version = version;
        e->expires = time(NULL) + auth_config.cache_seconds;
    }
    e->verifying = 0;
    pthread_cond_broadcast(&cache_cv);
    pthread_mutex_unlock(&cache_mu);
    json_decref(old);
}

/* Each thread keeps the headers it saw verified lately in a small table of its own, in
 * front of the shared one: a hit (the common case, a client sending the same header on
 * every request) takes no lock another thread could hold.  The shared table is asked on
 * a miss, so a burst of first requests still costs one argon2 run.  An entry here obeys
 * the same rule as there (cache_hit: header, expiry, users' version), so a change to any
 * user reaches every thread's table at once. */
#define LOCAL_SLOTS 64
typedef struct {
    centry_t e[LOCAL_SLOTS];
} local_t;
static __thread local_t *local;
static pthread_key_t local_key;
static pthread_once_t local_once = PTHREAD_ONCE_INIT;

static void local_free(void *p)
{
    local_t *l = p;
    for (int i = 0; i < LOCAL_SLOTS; i++)
        json_decref(l->e[i].user);
    free(l);
}

static void local_init(void) { pthread_key_create(&local_key, local_free); }

static centry_t *local_slot(const unsigned char key[16])
{
    if (!local) {
        pthread_once(&local_once, local_init);
        local = calloc(1, sizeof *local);
        if (!local)
            return NULL;
        pthread_setspecific(local_key, local); /* freed with the thread */
    }
    return &local->e[key[2] % LOCAL_SLOTS];
}

static void local_put(centry_t *e, const unsigned char key[16], json_t *user, unsigned long version)
{
    if (!e)
        return;
    json_t *old = e->user;
    memcpy(e->key, key, 16);
    e->user = json_incref(user);
    e->version = version;
    e->expires = time(NULL) + auth_config.cache_seconds;
    json_decref(old);
}

static int basic(store_t *st, const char *b64, const char *header, const char *client, principal_t *p, long *wait_ms)
{
    unsigned char key[16];
    hash16(key, header);
    int verifier = 0;
    unsigned long version = store_users_version(st); /* before reading the user: see cache_hit */
    centry_t *mine = local_slot(key);
    json_t *cached = mine ? cache_hit(mine, key, version) : NULL;
    if (!cached && (cached = cache_claim(key, version, &verifier)))
        local_put(mine, key, cached, version);
    if (cached) { /* a header verified lately is not throttled: its owner keeps working */
        principal_set(p, cached);
        return AUTH_OK;
    }
    unsigned char raw[1024];
    size_t n;
    int rc = AUTH_BAD;
    if (!sodium_base642bin(raw, sizeof raw - 1, b64, strlen(b64), " ", &n, NULL, sodium_base64_VARIANT_ORIGINAL)) {
        raw[n] = 0;
        char *colon = memchr(raw, ':', n);
        if (colon && !memchr(raw, 0, n)) {
            *colon = 0;
            rc = verify(st, (const char *)raw, colon + 1, client, p, wait_ms);
        }
        sodium_memzero(raw, sizeof raw);
    }
    if (verifier)
        cache_release(key, rc == AUTH_OK ? p->user : NULL, version);
    return rc;
}

static int session(store_t *st, const char *sid, principal_t *p)
{
    char *uid = store_session_user(st, sid);
    if (!uid)
        return store_errcode(st) ? AUTH_UNAVAILABLE : AUTH_BAD;
    json_t *user = store_get(st, C_USERS, uid);
    free(uid);
    if (!user)
        return store_errcode(st) ? AUTH_UNAVAILABLE : AUTH_BAD;
    principal_set(p, user);
    return AUTH_OK;
}

int auth_resolve(store_t *st, const char *authorization, const char *session_id, const char *client, principal_t *p,
                 long *wait_ms)
{
    memset(p, 0, sizeof *p);
    if (authorization && *authorization) {
        if (!strncasecmp(authorization, "Basic ", 6))
            return basic(st, authorization + 6, authorization, client, p, wait_ms);
        if (!strncasecmp(authorization, "Bearer ", 7))
            return session(st, authorization + 7, p);
        return AUTH_BAD;
    }
    if (session_id && *session_id)
        return session(st, session_id, p);
    return AUTH_NONE;
}
