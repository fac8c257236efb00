/* main.c — the evovoiced command line: `serve` runs the API server; `user add` adds a
 * login to a database offline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "api/routing.h"
#include "auth/auth.h"
#include "auth/throttle.h"
#include "codec/codec.h"
#include "http/http.h"
#include "http/server.h"
#include "provider/provider.h"
#include "schema/schema.h"
#include "store/store.h"
#include "util/ids.h"
#include "util/secret.h"

/* ---- the serve options: one table gives the flags, their environment twins, the
 * defaults, the range checks and the usage text (as nginx merges each setting with its
 * default in one place). */
typedef enum { O_INT, O_SIZE, O_STR, O_FLAG } otype_t;
typedef struct {
    const char *group;  /* a heading printed before this option, or NULL */
    const char *name;   /* --name */
    const char *arg;    /* the value's name in the usage text; NULL for a flag */
    otype_t type;
    void *target;       /* int *, size_t *, const char ** */
    const char *def;    /* the default, as text; NULL: none */
    long min, max;      /* O_INT, O_SIZE */
    const char *help;
} option_t;

static const char *listen_addr;
static const char *secret_key_file;
static listen_config_t lc; /* threads and timeout come from the options */

static const option_t options[] = {
    {"serve options (each has an environment twin: EVOVOICED_ and the name in capitals):", "listen", "HOST:PORT", O_STR,
     &listen_addr, "127.0.0.1:8080", 0, 0, "address to listen on (port 0 picks a free one, printed at start-up)"},
    {NULL, "db", "PATH", O_STR, &server_config.db_path, "data/evovoiced.db", 0, 0, "SQLite database file"},
    {NULL, "db-exclusive", NULL, O_FLAG, &store_config.exclusive, "0", 0, 1,
     "this process alone opens the SQLite file: no file lock per transaction; user add, session add or a second "
     "server on the file fail while it runs"},
    {NULL, "threads", "N", O_INT, &lc.threads, "0", 0, 256,
     "HTTP worker threads (0: one per core on SQLite, two per core on PostgreSQL; at least 2)"},
    {NULL, "slow-threads", "N", O_INT, &lc.slow_threads, "8", 1, 256,
     "threads for operations that wait on the carrier or hash a password, beside the HTTP ones"},
    {NULL, "batch-max", "N", O_INT, &store_batch_max, "64", 1, 100000,
     "SQLite: most concurrent writes committed together in one transaction (1: each alone)"},
    {NULL, "max-body", "BYTES", O_SIZE, &server_config.max_body, "1048576", 1, 1L << 30, "largest request body accepted (413 above)"},
    {NULL, "max-depth", "N", O_INT, &codec_limits.max_depth, "64", 2, 10000, "deepest nesting of a request body"},
    {NULL, "auth-cache-seconds", "N", O_INT, &auth_config.cache_seconds, "60", 0, 86400, "how long a verified Basic credential is trusted"},
    {NULL, "timeout", "SECONDS", O_INT, &lc.timeout_seconds, "60", 1, 86400, "idle connection timeout"},
    {"security:", "trust-proxy", NULL, O_FLAG, &server_config.trust_proxy, "0", 0, 1,
     "believe X-Forwarded-For (last entry) and X-Forwarded-Proto from a reverse proxy"},
    {NULL, "allow-query-credentials", NULL, O_FLAG, &server_config.allow_query_credentials, "0", 0, 1,
     "accept passwords and tokens in the query string, for old clients (else 400)"},
    {NULL, "login-free-attempts", "N", O_INT, &throttle_config.name_free, "5", 0, 1000000, "failed sign-ins of one login name before it must wait"},
    {NULL, "login-free-attempts-per-address", "N", O_INT, &throttle_config.addr_free, "20", 0, 1000000, "failed sign-ins from one client address before it must wait"},
    {NULL, "login-backoff-ms", "N", O_INT, &throttle_config.base_ms, "1000", 1, 86400000, "the first wait, doubled with each further failure"},
    {NULL, "login-max-backoff-ms", "N", O_INT, &throttle_config.max_ms, "60000", 1, 86400000, "the longest wait"},
    {"carrier (Twilio; without an account sid and token only virtual numbers exist):", "twilio-account-sid", "SID", O_STR,
     &provider_config.account_sid, NULL, 0, 0, "the platform's main account"},
    {NULL, "twilio-auth-token", "TOKEN", O_STR, &provider_config.auth_token, NULL, 0, 0, "its auth token"},
    {NULL, "secret-key-file", "PATH", O_STR, &secret_key_file, NULL, 0, 0,
     "the key sealing carrier auth tokens at rest: 64 hex digits or base64 of 32 bytes (or the key itself in "
     "EVOVOICED_SECRET_KEY); required with carrier credentials"},
    {NULL, "twilio-base-url", "URL", O_STR, &provider_config.base_url, "https://api.twilio.com", 0, 0, "the carrier's API"},
    {NULL, "webhook-url", "URL", O_STR, &provider_config.webhook_url, NULL, 0, 0, "production webhook base: {URL}/voice, {URL}/sms"},
    {NULL, "staging-webhook-url", "URL", O_STR, &provider_config.staging_webhook_url, NULL, 0, 0, "staging webhook base"},
    {NULL, "carrier-timeout-ms", "N", O_INT, &provider_config.timeout_ms, "10000", 100, 600000, "one carrier request"},
    {NULL, "carrier-attempts", "N", O_INT, &provider_config.max_attempts, "4", 1, 20, "attempts of a retryable carrier call"},
    {NULL, "carrier-backoff-ms", "N", O_INT, &provider_config.backoff_ms, "200", 1, 600000,
     "first retry wait, doubled each time, with jitter (at most 10000 or Retry-After)"},
    {NULL, "routing-retry-ms", "N", O_INT, &routing_config.retry_base_ms, "500", 1, 3600000,
     "first wait before re-trying a failed routing update (doubling up to 60000)"},
    {NULL, "reconcile-after-ms", "N", O_INT, &routing_config.reconcile_after_ms, "60000", 0, 86400000,
     "an unconfirmed purchase is looked up at the carrier after this long"},
    {NULL, "routing-lease-ms", "N", O_INT, &routing_config.lease_ms, "60000", 1000, 86400000,
     "a routing update claimed by one server's worker is no other's for this long (or until done)"},
};
enum { NOPTIONS = sizeof options / sizeof *options };

static const char usage_tail[] =
    "On an empty database, serve creates a SystemAdministrator from EVOVOICED_ADMIN_EMAIL and\n"
    "EVOVOICED_ADMIN_PASSWORD, or, when they are unset, admin@evovoiced.local with a generated\n"
    "password printed once.\n"
    "\n"
    "user add options:\n"
    "  --email E              the login's e-mail address\n"
    "  --role R               SystemAdministrator, Manager or Customer\n"
    "  --account ID           the account the login belongs to (Manager, Customer)\n"
    "  --password P           the password (default: generated and printed; or EVOVOICED_PASSWORD)\n"
    "  --db PATH              the database file\n";

/* EVOVOICED_MAX_BODY for "max-body" */
static const char *env_name(const option_t *o, char buf[96])
{
    int n = snprintf(buf, 96, "EVOVOICED_");
    for (const char *p = o->name; *p && n < 95; p++)
        buf[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    buf[n] = 0;
    return buf;
}

static void usage(FILE *f)
{
    char envbuf[96];
    fputs("usage: evovoiced serve [options]\n"
          "       evovoiced user add --email E --role R [--account ID] [--password P] --db PATH\n"
          "       evovoiced session add --endpoint ID [options] --db PATH   (session add --help)\n",
          f);
    for (int i = 0; i < NOPTIONS; i++) {
        const option_t *o = &options[i];
        char flag[64];
        snprintf(flag, sizeof flag, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        if (o->group)
            fprintf(f, "\n%s\n", o->group);
        fprintf(f, "  %-36s %s\n  %-36s (%s%s; default %s)\n", flag, o->help, "", env_name(o, envbuf), o->type == O_FLAG ? "=1" : "",
                o->type == O_FLAG ? "off" : o->def ? o->def : "none");
    }
    fputs("\n", f);
    fputs(usage_tail, f);
}

/* Set one option from text; 0, or -1 with a message when the value is out of range. */
static int set_option(const option_t *o, const char *v)
{
    void *t = o->target;
    if (o->type == O_STR) {
        *(const char **)t = v;
        return 0;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < o->min || n > o->max) {
        fprintf(stderr, "evovoiced: --%s: '%s' is not a whole number from %ld to %ld\n", o->name, v, o->min, o->max);
        return -1;
    }
    if (o->type == O_SIZE)
        *(size_t *)t = (size_t)n;
    else
        *(int *)t = (int)n;
    return 0;
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* Make the directories a database file goes in (a URL names no file). */
static void mkparent(const char *path)
{
    if (strstr(path, "://"))
        return;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        for (char *p = dir + 1; *p; p++)
            if (*p == '/') {
                *p = 0;
                mkdir(dir, 0755);
                *p = '/';
            }
        mkdir(dir, 0755);
    }
}

/* Insert a user document with a password; returns 0 or prints why not. */
static int add_user(store_t *st, const char *email, const char *role, const char *account, const char *pw)
{
    char id[25], now[64], hash[crypto_pwhash_STRBYTES];
    id_new(id);
    now_iso(now);
    if (password_hash(pw, hash)) {
        fprintf(stderr, "evovoiced: out of memory hashing the password\n");
        return 1;
    }
    json_t *doc = json_pack("{s:s,s:s,s:s,s:[s],s:[],s:[],s:s,s:[],s:s,s:s,s:s,s:s}", "id", id, "emailAddress", email,
                            "firstName", "", "roles", role, "accountIds", "customerIds", "managerAccess",
                            "ReadWriteDelete", "dashboardPermissions", "dateCreated", now, "dateLastModified", now,
                            "createdBy", "evovoiced", "lastModifiedBy", "evovoiced");
    json_object_del(doc, "firstName");
    if (account)
        json_array_append_new(json_object_get(doc, "accountIds"), json_string(account));
    int rc = store_begin(st, 1);
    if (!rc)
        rc = store_put(st, C_USERS, doc);
    if (!rc)
        rc = store_set_password(st, id, hash);
    if (!rc)
        rc = store_commit(st);
    else
        store_rollback(st);
    json_decref(doc);
    if (rc == ST_CONFLICT)
        fprintf(stderr, "evovoiced: a user with e-mail %s already exists\n", email);
    else if (rc)
        fprintf(stderr, "evovoiced: cannot add the user: %s\n", store_errmsg(st));
    return rc ? 1 : 0;
}

static int bootstrap_admin(store_t *st)
{
    query_t q = {0};
    q.limit = 1;
    json_t *rows = NULL;
    if (store_list(st, C_USERS, &q, &rows, NULL))
        return 1;
    size_t n = json_array_size(rows);
    json_decref(rows);
    if (n)
        return 0;
    const char *email = env_or("EVOVOICED_ADMIN_EMAIL", "admin@evovoiced.local");
    const char *pw = getenv("EVOVOICED_ADMIN_PASSWORD");
    char gen[25];
    if (!pw || !*pw) {
        token_new(gen, 24);
        pw = gen;
        if (add_user(st, email, "SystemAdministrator", NULL, pw))
            return 1;
        fprintf(stderr, "evovoiced: bootstrap administrator: %s password: %s (shown once)\n", email, pw);
        return 0;
    }
    if (add_user(st, email, "SystemAdministrator", NULL, pw))
        return 1;
    fprintf(stderr, "evovoiced: bootstrap administrator: %s (password from EVOVOICED_ADMIN_PASSWORD)\n", email);
    return 0;
}

enum { STOP_GRACE_MS = 3000 }; /* carrier calls under way may finish within this */

static void on_stop(void)
{
    provider_abort_after(STOP_GRACE_MS);
    routing_wake();
}

static int cmd_serve(int argc, char **argv)
{
    char envbuf[96];
    /* defaults, then the environment, then the command line */
    for (int i = 0; i < NOPTIONS; i++) {
        const char *env = getenv(env_name(&options[i], envbuf));
        if (options[i].def && set_option(&options[i], options[i].def))
            return 2;
        if (env && *env && set_option(&options[i], env))
            return 2;
    }
    struct option longopts[NOPTIONS + 2];
    for (int i = 0; i < NOPTIONS; i++)
        longopts[i] = (struct option){options[i].name, options[i].arg ? 1 : 0, NULL, 1000 + i};
    longopts[NOPTIONS] = (struct option){"help", 0, NULL, 'h'};
    longopts[NOPTIONS + 1] = (struct option){0, 0, 0, 0};
    int o;
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (o == 'h') {
            usage(stdout);
            return 0;
        }
        if (o < 1000 || o >= 1000 + NOPTIONS) {
            usage(stderr);
            return 2;
        }
        if (set_option(&options[o - 1000], options[o - 1000].arg ? optarg : "1"))
            return 2;
    }
    if ((!provider_config.account_sid) != (!provider_config.auth_token)) {
        fprintf(stderr, "evovoiced: --twilio-account-sid and --twilio-auth-token go together\n");
        return 2;
    }
    if (secret_key_file && *secret_key_file) {
        char err[512];
        if (secret_load_key_file(secret_key_file, err, sizeof err)) {
            fprintf(stderr, "evovoiced: --secret-key-file: %s\n", err);
            return 2;
        }
    } else if (getenv("EVOVOICED_SECRET_KEY") && *getenv("EVOVOICED_SECRET_KEY")) {
        if (secret_set_key(getenv("EVOVOICED_SECRET_KEY"))) {
            fprintf(stderr, "evovoiced: EVOVOICED_SECRET_KEY is not a key: 64 hex digits or base64 of 32 bytes\n");
            return 2;
        }
    }
    if (provider_config.account_sid && !secret_have_key()) {
        fprintf(stderr, "evovoiced: carrier credentials need a secret key to seal the carrier tokens stored: "
                        "--secret-key-file PATH or EVOVOICED_SECRET_KEY\n");
        return 2;
    }
    if (throttle_config.max_ms < throttle_config.base_ms) {
        fprintf(stderr, "evovoiced: --login-max-backoff-ms is less than --login-backoff-ms\n");
        return 2;
    }
    const char *listen = listen_addr;
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon - listen >= (long)sizeof host) {
        fprintf(stderr, "evovoiced: --listen wants HOST:PORT\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    lc.host = host;
    lc.port = atoi(colon + 1);
    lc.on_stop = on_stop;
    mkparent(server_config.db_path);
    store_t *st = thread_store();
    if (!st)
        return 1;
    if (!lc.threads) { /* one per core; on PostgreSQL a thread waits for the database on every
                        * statement, so two per core (more served no more: bench/README.md) */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        lc.threads = (int)(cores > 0 && cores <= 64 ? cores : 2) * (store_remote(st) ? 2 : 1);
    }
    if (bootstrap_admin(st))
        return 1;
    if (provider_init()) {
        fprintf(stderr, "evovoiced: libcurl failed to start\n");
        return 1;
    }
    fprintf(stderr, "evovoiced: carrier: %s\n", provider_configured() ? provider_config.base_url : "none (virtual numbers only)");
    if (routing_start()) {
        fprintf(stderr, "evovoiced: cannot start the routing worker\n");
        return 1;
    }
    int rc = server_run(&lc);
    routing_stop();
    close_thread_stores();
    provider_cleanup();
    fprintf(stderr, "evovoiced: stopped\n");
    return rc;
}

static int cmd_user_add(int argc, char **argv)
{
    const char *email = NULL, *role = NULL, *account = NULL, *db = env_or("EVOVOICED_DB", "data/evovoiced.db");
    const char *pw = getenv("EVOVOICED_PASSWORD");
    static const struct option opts[] = {{"email", 1, 0, 'e'}, {"role", 1, 0, 'r'}, {"account", 1, 0, 'a'},
                                         {"password", 1, 0, 'p'}, {"db", 1, 0, 'd'}, {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'e': email = optarg; break;
        case 'r': role = optarg; break;
        case 'a': account = optarg; break;
        case 'p': pw = optarg; break;
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!email || !strchr(email, '@') || !role ||
        (strcmp(role, "SystemAdministrator") && strcmp(role, "Manager") && strcmp(role, "Customer"))) {
        fprintf(stderr, "evovoiced: user add needs --email and --role SystemAdministrator|Manager|Customer\n");
        return 2;
    }
    if (strcmp(role, "SystemAdministrator") && !account) {
        fprintf(stderr, "evovoiced: a %s needs --account\n", role);
        return 2;
    }
    mkparent(db);
    char err[256];
    store_t *st = store_open(db, err, sizeof err);
    if (!st) {
        fprintf(stderr, "evovoiced: %s\n", err);
        return 1;
    }
    json_t *acc = account ? store_get(st, C_ACCOUNTS, account) : NULL;
    if (account && !acc) {
        if (store_errcode(st))
            fprintf(stderr, "evovoiced: cannot read account %s: %s\n", account, store_errmsg(st));
        else
            fprintf(stderr, "evovoiced: no account %s in %s\n", account, db);
        store_close(st);
        return 1;
    }
    json_decref(acc);
    char gen[25];
    int generated = !pw || !*pw;
    if (generated) {
        token_new(gen, 24);
        pw = gen;
    }
    int rc = add_user(st, email, role, account, pw);
    if (!rc)
        printf("added %s (%s)%s%s\n", email, role, generated ? " password: " : "", generated ? pw : "");
    store_close(st);
    return rc;
}

int cmd_session_add(int argc, char **argv); /* api/session_cli.c */

int main(int argc, char **argv)
{
    schema_init();
    if (auth_init()) {
        fprintf(stderr, "evovoiced: libsodium failed to start\n");
        return 1;
    }
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (argc >= 3 && !strcmp(argv[1], "user") && !strcmp(argv[2], "add"))
        return cmd_user_add(argc - 2, argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "session") && !strcmp(argv[2], "add"))
        return cmd_session_add(argc - 2, argv + 2); /* tests and demos: sessions without the call runtime */
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
