/* main.c — the evovoiced command line: `serve` runs the API server; `user add` adds a
 * login to a database offline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static const char usage[] =
    "usage: evovoiced serve [options]\n"
    "       evovoiced user add --email E --role R [--account ID] [--password P] --db PATH\n"
    "\n"
    "serve options (each has an environment twin):\n"
    "  --listen HOST:PORT     address to listen on (EVOVOICED_LISTEN; default 127.0.0.1:8080;\n"
    "                         port 0 picks a free one, printed at start-up)\n"
    "  --db PATH              SQLite database file (EVOVOICED_DB; default data/evovoiced.db)\n"
    "  --threads N            HTTP worker threads, at least 2 (EVOVOICED_THREADS; default 4)\n"
    "  --max-body BYTES       largest request body accepted (EVOVOICED_MAX_BODY; default 1048576)\n"
    "  --max-depth N          deepest nesting of a request body (EVOVOICED_MAX_DEPTH; default 64)\n"
    "  --auth-cache-seconds N how long a verified Basic credential is trusted\n"
    "                         (EVOVOICED_AUTH_CACHE_SECONDS; default 60)\n"
    "  --timeout SECONDS      idle connection timeout (EVOVOICED_TIMEOUT; default 60)\n"
    "security:\n"
    "  --trust-proxy          take the client address from X-Forwarded-For (its last entry) and\n"
    "                         HTTPS from X-Forwarded-Proto, as set by a reverse proxy in front\n"
    "                         (EVOVOICED_TRUST_PROXY=1; default off: the socket's peer, plain HTTP)\n"
    "  --allow-query-credentials  accept passwords and tokens in the query string, for old\n"
    "                         clients (EVOVOICED_ALLOW_QUERY_CREDENTIALS=1; default: refused, 400)\n"
    "  --login-free-attempts N    failed sign-ins of one login name before it must wait\n"
    "                         (EVOVOICED_LOGIN_FREE_ATTEMPTS; default 5)\n"
    "  --login-free-attempts-per-address N  the same for one client address\n"
    "                         (EVOVOICED_LOGIN_FREE_ATTEMPTS_PER_ADDRESS; default 20)\n"
    "  --login-backoff-ms N   the first wait, doubled with each further failure\n"
    "                         (EVOVOICED_LOGIN_BACKOFF_MS; default 1000)\n"
    "  --login-max-backoff-ms N   the longest wait (EVOVOICED_LOGIN_MAX_BACKOFF_MS; default 60000)\n"
    "carrier (Twilio; without an account sid and token only virtual numbers exist):\n"
    "  --twilio-account-sid SID      the platform's main account (EVOVOICED_TWILIO_ACCOUNT_SID)\n"
    "  --twilio-auth-token TOKEN     its auth token (EVOVOICED_TWILIO_AUTH_TOKEN)\n"
    "  --twilio-base-url URL         (EVOVOICED_TWILIO_BASE_URL; default https://api.twilio.com)\n"
    "  --webhook-url URL             production webhook base: {URL}/voice, {URL}/sms (EVOVOICED_WEBHOOK_URL)\n"
    "  --staging-webhook-url URL     staging webhook base (EVOVOICED_STAGING_WEBHOOK_URL)\n"
    "  --carrier-timeout-ms N        one carrier request (EVOVOICED_CARRIER_TIMEOUT_MS; default 10000)\n"
    "  --carrier-attempts N          attempts of a retryable carrier call (EVOVOICED_CARRIER_ATTEMPTS; default 4)\n"
    "  --carrier-backoff-ms N        first retry wait, doubled each time, with jitter\n"
    "                                (EVOVOICED_CARRIER_BACKOFF_MS; default 200; at most 10000 or Retry-After)\n"
    "  --routing-retry-ms N          first wait before re-trying a failed routing update\n"
    "                                (EVOVOICED_ROUTING_RETRY_MS; default 500, doubling up to 60000)\n"
    "  --reconcile-after-ms N        an unconfirmed purchase is looked up at the carrier after this long\n"
    "                                (EVOVOICED_RECONCILE_AFTER_MS; default 60000)\n"
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

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static void mkparent(const char *path)
{
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
    const char *listen = env_or("EVOVOICED_LISTEN", "127.0.0.1:8080");
    listen_config_t lc = {0};
    lc.threads = atoi(env_or("EVOVOICED_THREADS", "4"));
    lc.timeout_seconds = atoi(env_or("EVOVOICED_TIMEOUT", "60"));
    server_config.db_path = env_or("EVOVOICED_DB", "data/evovoiced.db");
    server_config.max_body = strtoul(env_or("EVOVOICED_MAX_BODY", "1048576"), NULL, 10);
    codec_limits.max_depth = atoi(env_or("EVOVOICED_MAX_DEPTH", "64"));
    auth_config.cache_seconds = atoi(env_or("EVOVOICED_AUTH_CACHE_SECONDS", "60"));
    provider_config.account_sid = env_or("EVOVOICED_TWILIO_ACCOUNT_SID", NULL);
    provider_config.auth_token = env_or("EVOVOICED_TWILIO_AUTH_TOKEN", NULL);
    provider_config.base_url = env_or("EVOVOICED_TWILIO_BASE_URL", "https://api.twilio.com");
    provider_config.webhook_url = env_or("EVOVOICED_WEBHOOK_URL", NULL);
    provider_config.staging_webhook_url = env_or("EVOVOICED_STAGING_WEBHOOK_URL", NULL);
    provider_config.timeout_ms = atoi(env_or("EVOVOICED_CARRIER_TIMEOUT_MS", "10000"));
    provider_config.max_attempts = atoi(env_or("EVOVOICED_CARRIER_ATTEMPTS", "4"));
    provider_config.backoff_ms = atoi(env_or("EVOVOICED_CARRIER_BACKOFF_MS", "200"));
    routing_config.retry_base_ms = atoi(env_or("EVOVOICED_ROUTING_RETRY_MS", "500"));
    routing_config.reconcile_after_ms = atoi(env_or("EVOVOICED_RECONCILE_AFTER_MS", "60000"));
    server_config.trust_proxy = atoi(env_or("EVOVOICED_TRUST_PROXY", "0")) != 0;
    server_config.allow_query_credentials = atoi(env_or("EVOVOICED_ALLOW_QUERY_CREDENTIALS", "0")) != 0;
    throttle_config.name_free = atoi(env_or("EVOVOICED_LOGIN_FREE_ATTEMPTS", "5"));
    throttle_config.addr_free = atoi(env_or("EVOVOICED_LOGIN_FREE_ATTEMPTS_PER_ADDRESS", "20"));
    throttle_config.base_ms = atoi(env_or("EVOVOICED_LOGIN_BACKOFF_MS", "1000"));
    throttle_config.max_ms = atoi(env_or("EVOVOICED_LOGIN_MAX_BACKOFF_MS", "60000"));
    static const struct option opts[] = {{"listen", 1, 0, 'l'},  {"db", 1, 0, 'd'},      {"threads", 1, 0, 't'},
                                         {"max-body", 1, 0, 'b'}, {"max-depth", 1, 0, 'p'}, {"auth-cache-seconds", 1, 0, 'a'},
                                         {"timeout", 1, 0, 'T'},  {"help", 0, 0, 'h'},
                                         {"twilio-account-sid", 1, 0, 1}, {"twilio-auth-token", 1, 0, 2},
                                         {"twilio-base-url", 1, 0, 3}, {"webhook-url", 1, 0, 4},
                                         {"staging-webhook-url", 1, 0, 5}, {"carrier-timeout-ms", 1, 0, 6},
                                         {"carrier-attempts", 1, 0, 7}, {"carrier-backoff-ms", 1, 0, 8},
                                         {"routing-retry-ms", 1, 0, 9}, {"reconcile-after-ms", 1, 0, 10},
                                         {"trust-proxy", 0, 0, 11}, {"allow-query-credentials", 0, 0, 12},
                                         {"login-free-attempts", 1, 0, 13}, {"login-free-attempts-per-address", 1, 0, 14},
                                         {"login-backoff-ms", 1, 0, 15}, {"login-max-backoff-ms", 1, 0, 16},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'l': listen = optarg; break;
        case 'd': server_config.db_path = optarg; break;
        case 't': lc.threads = atoi(optarg); break;
        case 'b': server_config.max_body = strtoul(optarg, NULL, 10); break;
        case 'p': codec_limits.max_depth = atoi(optarg); break;
        case 'a': auth_config.cache_seconds = atoi(optarg); break;
        case 'T': lc.timeout_seconds = atoi(optarg); break;
        case 'h': fputs(usage, stdout); return 0;
        case 1: provider_config.account_sid = optarg; break;
        case 2: provider_config.auth_token = optarg; break;
        case 3: provider_config.base_url = optarg; break;
        case 4: provider_config.webhook_url = optarg; break;
        case 5: provider_config.staging_webhook_url = optarg; break;
        case 6: provider_config.timeout_ms = atoi(optarg); break;
        case 7: provider_config.max_attempts = atoi(optarg); break;
        case 8: provider_config.backoff_ms = atoi(optarg); break;
        case 9: routing_config.retry_base_ms = atoi(optarg); break;
        case 10: routing_config.reconcile_after_ms = atoi(optarg); break;
        case 11: server_config.trust_proxy = 1; break;
        case 12: server_config.allow_query_credentials = 1; break;
        case 13: throttle_config.name_free = atoi(optarg); break;
        case 14: throttle_config.addr_free = atoi(optarg); break;
        case 15: throttle_config.base_ms = atoi(optarg); break;
        case 16: throttle_config.max_ms = atoi(optarg); break;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (provider_config.timeout_ms < 100 || provider_config.max_attempts < 1 || provider_config.max_attempts > 20 ||
        provider_config.backoff_ms < 1 || routing_config.retry_base_ms < 1 || routing_config.reconcile_after_ms < 0 ||
        (!provider_config.account_sid) != (!provider_config.auth_token)) {
        fprintf(stderr, "evovoiced: carrier options: a value is out of range, or only one of the sid and token is set\n");
        return 2;
    }
    if (lc.threads < 2 || lc.threads > 256 || server_config.max_body == 0 || codec_limits.max_depth < 2 ||
        auth_config.cache_seconds < 0 || lc.timeout_seconds < 1 || throttle_config.name_free < 0 ||
        throttle_config.addr_free < 0 || throttle_config.base_ms < 1 || throttle_config.max_ms < throttle_config.base_ms ||
        throttle_config.max_ms > 86400000) {
        fprintf(stderr, "evovoiced: a numeric option is out of range\n%s", usage);
        return 2;
    }
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
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
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
    if (account && !store_get(st, C_ACCOUNTS, account)) {
        fprintf(stderr, "evovoiced: no account %s in %s\n", account, db);
        store_close(st);
        return 1;
    }
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
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        fputs(usage, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
