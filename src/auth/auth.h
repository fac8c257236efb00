/* auth.h — who is calling: passwords (argon2id), Basic credentials with a short-lived
 * cache of verified headers, sessions and bearer tokens, and the caller's roles. */
#ifndef AUTH_H
#define AUTH_H
#include <jansson.h>
#include <sodium.h>
#include "../store/store.h"

enum { ROLE_SA = 1, ROLE_MANAGER = 2, ROLE_CUSTOMER = 4 };
enum { ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_DELETE = 2 }; /* managerAccess */

typedef struct principal {
    json_t *user;       /* the user's document (UserInfo fields) */
    const char *id;     /* borrowed from user */
    const char *email;  /* borrowed from user */
    unsigned roles;
    int access;         /* a Manager's managerAccess */
} principal_t;

/* AUTH_UNAVAILABLE: the store failed while checking, so nothing can be said (503). */
enum { AUTH_NONE = 0, AUTH_OK = 1, AUTH_BAD = 2, AUTH_THROTTLED = 3, AUTH_UNAVAILABLE = 4 };

typedef struct auth_config {
    int cache_seconds;  /* how long a verified Basic header is trusted (default 60) */
} auth_config_t;
extern auth_config_t auth_config;

int auth_init(void);
int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES]);
int password_verify(const char *hash, const char *pw);
/* 1 when hash was made with other parameters than password_hash uses today. */
int password_stale(const char *hash);
unsigned long auth_argon_runs(void); /* how many argon2 verifications ran */
/* what an unknown e-mail's password is verified against: the parameters of a real hash */
const char *auth_dummy_hash(void);

/* Resolve the caller from an Authorization header ("Basic ...", "Bearer <session>")
 * and/or a session id (ss-id cookie or X-ss-id).  Fills p on AUTH_OK.  client is the
 * caller's address (for throttling; may be NULL); on AUTH_THROTTLED (too many failed
 * sign-ins, see throttle.h) *wait_ms says how long to wait. */
int auth_resolve(store_t *st, const char *authorization, const char *session_id, const char *client, principal_t *p,
                 long *wait_ms);
/* Check e-mail and password (a login), outside any transaction: argon2id takes tens of
 * milliseconds, which no writer should wait for (a password hashed with older parameters is
 * hashed again and stored in a short write transaction of its own); fills p on AUTH_OK.
 * Throttled as above. */
int auth_login(store_t *st, const char *email, const char *password, const char *client, principal_t *p, long *wait_ms);
void principal_set(principal_t *p, json_t *user); /* takes the reference */
void principal_free(principal_t *p);
unsigned roles_of(json_t *user);
/* ACCESS_* of a managerAccess name; absent means ReadWriteDelete. */
int access_level(const char *name);

#endif
