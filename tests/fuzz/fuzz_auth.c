/* fuzz_auth.c — libFuzzer target for the caller's credentials: auth_resolve()
 * (auth/auth.c) with an arbitrary Authorization header ("Basic <base64>", "Bearer <id>",
 * anything) and session id (the ss-id cookie or X-ss-id header; libmicrohttpd parses the
 * Cookie header, so there is no cookie parser of ours to fuzz), against a real SQLite
 * store on a temporary file holding one user with one session.  The input is the header,
 * a newline, then the session id (no newline: no session id).  Oracle: AUTH_OK exactly
 * for that user's e-mail (any ASCII case) and password in Basic, or its session id as a
 * bearer token or session id, and then the principal is that user; AUTH_NONE exactly when
 * neither is given; AUTH_BAD otherwise.
 *
 * argon2id at the interactive cost (64 MiB, tens of milliseconds) is libsodium's work, not
 * ours, and would be paid by every Basic input; so the user's hash is made at libsodium's
 * minimum cost, and crypto_pwhash_str_verify() below stands in for libsodium's: the real
 * argon2id check for that hash, a refusal for any other (that is the dummy hash unknown
 * e-mails are checked against, whose random password nobody knows).  For the same reason
 * crypto_pwhash_str_needs_rehash() calls that hash current: a sign-in would otherwise hash
 * the password again at today's cost and store it (auth.c, password_upgrade). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "auth/auth.h"
#include "auth/throttle.h"
#include "schema/schema.h"

#define USER_ID "0123456789abcdef01234567"
#define EMAIL "fuzz@evovoiced.test"
#define PASSWORD "correct horse"
#define SESSION "9kQ2vX7pL4mN8rT1wY5zB3cF6hJ0dG2s"

static char user_hash[crypto_pwhash_STRBYTES];
static char dir[64] = "";
static store_t *st;

int crypto_pwhash_str_verify(const char *str, const char *const passwd, unsigned long long passwdlen)
{
    if (strcmp(str, user_hash))
        return -1;
    return crypto_pwhash_argon2id_str_verify(str, passwd, passwdlen);
}

int crypto_pwhash_str_needs_rehash(const char *str, unsigned long long opslimit, size_t memlimit)
{
    (void)opslimit;
    (void)memlimit;
    return strcmp(str, user_hash) ? -1 : 0;
}

static void cleanup(void)
{
    store_close(st);
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void setup(void)
{
    schema_init();
    if (auth_init() != 0)
        abort();
    /* the sign-in back-off would answer AUTH_THROTTLED once guesses pile up: the oracle
     * below is about what the credentials say, so no attempt is ever made to wait */
    throttle_config.name_free = throttle_config.addr_free = 1 << 30;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/evofuzz.XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    char err[256], path[128];
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/auth.db", dir);
    if (!(st = store_open(path, err, sizeof err)))
        abort();
    atexit(cleanup);
    if (crypto_pwhash_str(user_hash, PASSWORD, strlen(PASSWORD), crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN))
        abort();
    json_t *u = json_pack("{s:s,s:s,s:[s]}", "id", USER_ID, "emailAddress", EMAIL, "roles", "Manager");
    if (store_put(st, C_USERS, u) != ST_OK || store_set_password(st, USER_ID, user_hash) != ST_OK ||
        store_session_put(st, SESSION, USER_ID, (time(NULL) + 86400) * 1000LL) != ST_OK)
        abort();
    json_decref(u);
}

/* the one call of auth_resolve, so a change to its parameters is made here only */
static int resolve(const char *authorization, const char *session_id, principal_t *p)
{
    return auth_resolve(st, authorization, session_id, "192.0.2.1", p, NULL);
}

/* Is b64 (spaces ignored) the base64 of EMAIL, in any ASCII case, ':' and PASSWORD? */
static int real_basic(const char *b64)
{
    size_t n = strlen(b64), m = 0, len;
    char *packed = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        if (b64[i] != ' ')
            packed[m++] = b64[i];
    unsigned char raw[128];
    int ok = !sodium_base642bin(raw, sizeof raw, packed, m, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) &&
             len == strlen(EMAIL ":" PASSWORD) && !strncasecmp((char *)raw, EMAIL, strlen(EMAIL)) &&
             !memcmp(raw + strlen(EMAIL), ":" PASSWORD, strlen(":" PASSWORD));
    free(packed);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        setup();
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = 0; /* a NUL inside cuts a value short: a header cannot hold one */
    char *nl = strchr(in, '\n');
    const char *authorization = in, *sid = NULL;
    if (nl) {
        *nl = 0;
        sid = nl + 1;
    }

    int want;
    if (*authorization)
        want = !strncasecmp(authorization, "Basic ", 6) ? (real_basic(authorization + 6) ? AUTH_OK : AUTH_BAD)
             : !strncasecmp(authorization, "Bearer ", 7) ? (!strcmp(authorization + 7, SESSION) ? AUTH_OK : AUTH_BAD)
             : AUTH_BAD;
    else if (sid && *sid)
        want = !strcmp(sid, SESSION) ? AUTH_OK : AUTH_BAD;
    else
        want = AUTH_NONE;

    principal_t p;
    int got = resolve(authorization, sid, &p);
    if (got != want)
        abort();
    if (got == AUTH_OK) {
        if (!p.id || strcmp(p.id, USER_ID) || !p.email || strcmp(p.email, EMAIL) || p.roles != ROLE_MANAGER)
            abort();
        principal_free(&p);
    } else if (p.user) {
        abort(); /* nothing to free on a refusal */
    }
    free(in);
    return 0;
}
