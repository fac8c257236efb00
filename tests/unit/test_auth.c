/* test_auth.c — a Basic credential verified a moment ago is served from the cache
 * without running argon2 again; a password change or a wrong password is not; the dummy
 * hash unknown e-mails are verified against has a real hash's parameters. */
#include "check.h"
#include <stdlib.h>
#include <pthread.h>
#include <unistd.h>
#include "auth/auth.h"
#include "schema/schema.h"

static int basic(store_t *st, const char *user_pw)
{
    char hdr[256] = "Basic ";
    sodium_bin2base64(hdr + 6, sizeof hdr - 6, (const unsigned char *)user_pw, strlen(user_pw),
                      sodium_base64_VARIANT_ORIGINAL);
    principal_t p;
    int r = auth_resolve(st, hdr, NULL, NULL, &p, NULL);
    if (r == AUTH_OK)
        principal_free(&p);
    return r;
}

/* each thread: its own connection, the same header */
static const char *db_path;
static int burst_ok;
static pthread_mutex_t burst_mu = PTHREAD_MUTEX_INITIALIZER;

static void *burst(void *arg)
{
    char err[128];
    store_t *st = store_open(db_path, err, sizeof err);
    int r = st ? basic(st, (const char *)arg) : AUTH_BAD;
    pthread_mutex_lock(&burst_mu);
    burst_ok += r == AUTH_OK;
    pthread_mutex_unlock(&burst_mu);
    store_close(st);
    return NULL;
}

int main(void)
{
    schema_init();
    CHECK(auth_init() == 0);
    /* the dummy hash an unknown e-mail is verified against costs what a real one costs
     * (same parameters: no rehash wanted) and matches no password */
    char real[crypto_pwhash_STRBYTES];
    CHECK(password_hash("some password", real) == 0);
    CHECK(strncmp(auth_dummy_hash(), real, strchr(real + 20, '$') - real) == 0);
    CHECK(!password_stale(auth_dummy_hash()) && !password_stale(real));
    /* OWASP's 12 MiB, three passes, one lane: a verification stays far below the memory goal */
    CHECK(strstr(real, "$argon2id$v=19$m=12288,t=3,p=1$") == real);
    CHECK(password_verify(auth_dummy_hash(), "some password") == 0);
    CHECK(password_verify(auth_dummy_hash(), "") == 0);
    char dir[] = "/tmp/evotest.XXXXXX", path[64], err[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    store_t *st = store_open(path, err, sizeof err);
    CHECK(st != NULL);
    json_t *u = json_pack("{s:s,s:s,s:[s]}", "id", "0123456789abcdef01234567", "emailAddress", "u@x.io", "roles", "Manager");
    char hash[crypto_pwhash_STRBYTES];
    CHECK(password_hash("correct horse", hash) == 0);
    CHECK(store_put(st, C_USERS, u) == ST_OK);
    CHECK(store_set_password(st, "0123456789abcdef01234567", hash) == ST_OK);

    unsigned long before = auth_argon_runs();
    CHECK(basic(st, "u@x.io:correct horse") == AUTH_OK);
    CHECK(auth_argon_runs() == before + 1);
    CHECK(basic(st, "u@x.io:correct horse") == AUTH_OK);
    CHECK(basic(st, "u@x.io:correct horse") == AUTH_OK);
    CHECK(auth_argon_runs() == before + 1); /* served from the cache */
    CHECK(basic(st, "u@x.io:wrong") == AUTH_BAD);
    CHECK(auth_argon_runs() == before + 2); /* a different header is verified */
    CHECK(basic(st, "nobody@x.io:whatever") == AUTH_BAD);
    CHECK(auth_argon_runs() == before + 3); /* unknown users cost the same */
    /* a new password invalidates the cached header at once */
    CHECK(password_hash("battery staple", hash) == 0);
    CHECK(store_set_password(st, "0123456789abcdef01234567", hash) == ST_OK);
    CHECK(basic(st, "u@x.io:correct horse") == AUTH_BAD);
    CHECK(basic(st, "u@x.io:battery staple") == AUTH_OK);
    /* expiry */
    auth_config.cache_seconds = 0;
    CHECK(password_hash("third one", hash) == 0);
    CHECK(store_set_password(st, "0123456789abcdef01234567", hash) == ST_OK);
    unsigned long n = auth_argon_runs();
    CHECK(basic(st, "u@x.io:third one") == AUTH_OK);
    CHECK(basic(st, "u@x.io:third one") == AUTH_OK);
    CHECK(auth_argon_runs() == n + 2); /* with no cache time, every request verifies */
    /* a burst of first requests with one header costs one verification */
    auth_config.cache_seconds = 60;
    CHECK(password_hash("fourth one", hash) == 0);
    CHECK(store_set_password(st, "0123456789abcdef01234567", hash) == ST_OK);
    db_path = path;
    n = auth_argon_runs();
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, burst, "u@x.io:fourth one");
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    CHECK(burst_ok == 8);
    CHECK(auth_argon_runs() == n + 1);
    /* a hash of the earlier parameters (64 MiB, two passes) still verifies, and is hashed
     * again with today's by that sign-in; the next verification uses them */
    CHECK(crypto_pwhash_str(hash, "old one", 7, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0);
    CHECK(password_stale(hash));
    CHECK(store_set_password(st, "0123456789abcdef01234567", hash) == ST_OK);
    CHECK(basic(st, "u@x.io:old one") == AUTH_OK);
    char *now_hash = store_user_hash(st, "0123456789abcdef01234567");
    CHECK(now_hash && !password_stale(now_hash) && password_verify(now_hash, "old one"));
    free(now_hash);
    CHECK(basic(st, "u@x.io:old one") == AUTH_OK);
    json_decref(u);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return CHECK_DONE();
}
