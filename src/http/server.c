/* server.c — libmicrohttpd adapter: collects a request (with the body-size limit),
 * hands it to dispatch(), and sends the response.  Each HTTP thread (one per core) runs a
 * daemon of its own on the shared listening socket, in rounds whose end commits the writes
 * the round made (store_flush).  A write's answer waits for its commit with the connection
 * suspended, and an operation that waits on the carrier or a password hash runs on threads
 * of its own, so the HTTP threads never wait.  Shuts down cleanly on SIGTERM. */
#include "server.h"
#include "http.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../store/store.h"
#include "../util/thread.h"

enum { DRAIN_FACTOR = 16 };

/* Each connection's memory for a request's line and headers and its response's headers
 * (a request body is collected apart, up to the body-size limit): 16 KiB, the request line
 * and headers of most servers' limits (a larger one is refused whole).  libmicrohttpd clears
 * all of it before every request, so its default 32 KiB cost a GET as much as the rest of
 * the request's own work. */
enum { CONNECTION_MEMORY = 16 * 1024 };

struct loop;

typedef struct conn_state {
    struct MHD_Connection *conn;
    struct loop *loop; /* the HTTP thread serving the connection: woken when it is resumed */
    buf_t body;
    int too_large;
    http_resp_t *held; /* an answer made while the connection was suspended: a write's, held
                        * until it is durable, or a slow operation's */
} conn_state_t;

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    if (key) /* invalid UTF-8 in a query name or value is dropped, never crashes */
        http_form_add(cls, key, value);
    return MHD_YES;
}

/* The client's address: the socket's peer, or with trust_proxy the last entry of
 * X-Forwarded-For (the one the proxy in front of us added). */
static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
    out[0] = 0;
    const char *xff = server_config.trust_proxy ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For") : NULL;
    if (xff && *xff) {
        const char *last = strrchr(xff, ',');
        last = last ? last + 1 : xff;
        while (*last == ' ' || *last == '\t')
            last++;
        size_t len = strcspn(last, " \t");
        snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), last);
        if (*out)
            return;
    }
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, http_resp_t *out)
{
    size_t len = out->body.len;
    char *body = len ? buf_take(&out->body) : NULL;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (out->content_type && len)
        MHD_add_response_header(resp, "Content-Type", out->content_type);
    MHD_add_response_header(resp, "Vary", "Accept"); /* every answer depends on Accept */
    for (int i = 0; i < out->nheaders; i++) {
        char *colon = strchr(out->headers[i], ':');
        if (!colon)
            continue;
        *colon = 0;
        MHD_add_response_header(resp, out->headers[i], colon + 2);
    }
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)out->status, resp);
    MHD_destroy_response(resp);
    buf_free(&out->body);
    return r;
}

/* ---- the HTTP threads: each runs a daemon of its own on the shared listening socket, in
 * rounds: serve all that is ready, then end the batch of writes the round left open
 * (store_flush), so that a round's writes share one COMMIT; wait only when a round found
 * nothing to do.  libmicrohttpd run from outside has no wake-up of its own for a connection
 * resumed by another thread (a commit's, a slow operation's): that thread writes the loop's
 * event (wake), which the loop's wait watches beside the daemon's epoll set. ---- */
typedef struct loop {
    struct MHD_Daemon *d;
    int ep;   /* waits on the daemon's epoll set and on wake */
    int wake; /* an eventfd */
    atomic_int woken; /* wake was written since the round began: another resume need not */
    int resumed; /* the thread itself resumed one of its connections: no waiting before the next round */
    int served;  /* requests (or parts of one) the round served */
    pthread_t thread;
} loop_t;
static __thread loop_t *this_loop;
static atomic_int loops_stop;

/* Write l's event: its thread's wait ends. */
static void wake(loop_t *l)
{
    uint64_t one = 1;
    (void)!write(l->wake, &one, sizeof one);
}

/* Resume cs's connection, from any thread (cs may be gone once it is resumed). */
static void resume(void *arg)
{
    conn_state_t *cs = arg;
    loop_t *l = cs->loop;
    MHD_resume_connection(cs->conn);
    if (l == this_loop) {
        l->resumed = 1;
    } else if (!atomic_exchange(&l->woken, 1)) {
        wake(l);
    }
}

/* Requests that may hold their answer (counted from before dispatch until the answer is
 * sent), and whether the server is stopping: libmicrohttpd must not be stopped while a
 * connection is suspended, so once stopping no answer is held any more and the stop waits
 * for the held ones to go out. */
static atomic_int holding, stopping;

/* A request that may hold its answer is counted (1), unless the server is stopping (0):
 * counted first, then checked, so the stop sees one or the other.  hold_end when its
 * answer is sent or dropped. */
static int hold_begin(void)
{
    if (atomic_load(&stopping))
        return 0;
    atomic_fetch_add(&holding, 1);
    if (!atomic_load(&stopping))
        return 1;
    atomic_fetch_sub(&holding, 1);
    return 0;
}

static void hold_end(void) { atomic_fetch_sub(&holding, 1); }

/* ---- slow operations (out->offload): the connection is suspended and the request runs
 * on one of these threads, which may wait on the carrier for seconds; the HTTP threads
 * (one per core) go on serving other connections ---- */
typedef struct job {
    struct job *next;
    conn_state_t *cs;
    http_req_t r;
    http_resp_t *out;
    char client[64];
} job_t;
static job_t *jobs, **jobs_tail = &jobs;
static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cv = PTHREAD_COND_INITIALIZER;
static int jobs_stop;

static void *slow_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&jobs_mu);
        while (!jobs && !jobs_stop)
            pthread_cond_wait(&jobs_cv, &jobs_mu);
        job_t *j = jobs;
        if (j && !(jobs = j->next))
            jobs_tail = &jobs;
        pthread_mutex_unlock(&jobs_mu);
        if (!j)
            return NULL;
        dispatch(&j->r, j->out); /* without can_defer or can_offload: it runs, and commits, here */
        json_decref(j->r.query);
        j->cs->held = j->out;
        resume(j->cs); /* the connection's thread sends cs->held */
        free(j);
    }
}

/* Suspend conn and queue its request r for the slow threads (r's strings live in the
 * suspended connection, but for the client's address); 0 when it cannot be. */
static int offload(struct MHD_Connection *conn, conn_state_t *cs, const http_req_t *r)
{
    job_t *j = calloc(1, sizeof *j);
    if (!j || !(j->out = calloc(1, sizeof *j->out))) {
        free(j);
        return 0;
    }
    j->cs = cs;
    j->r = *r;
    j->r.can_defer = j->r.can_offload = 0;
    snprintf(j->client, sizeof j->client, "%s", r->client ? r->client : "");
    j->r.client = j->client;
    json_incref(j->r.query);
    MHD_suspend_connection(conn);
    pthread_mutex_lock(&jobs_mu);
    *jobs_tail = j;
    jobs_tail = &j->next;
    pthread_cond_signal(&jobs_cv);
    pthread_mutex_unlock(&jobs_mu);
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)cls;
    (void)version;
    if (this_loop)
        this_loop->served++;
    conn_state_t *cs = *state;
    if (!cs) {
        cs = calloc(1, sizeof *cs);
        *state = cs;
        cs->conn = conn;
        cs->loop = this_loop;
        /* A body over the limit is read and dropped, then answered 413, so the client
         * sees the answer rather than a broken pipe; one far over it is answered at
         * once and the connection closed. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > DRAIN_FACTOR * server_config.max_body) {
            http_resp_t out = {0};
            char msg[128];
            snprintf(msg, sizeof msg, "The request body is larger than %zu bytes", server_config.max_body);
            dispatch_error(&out, 413, "RequestEntityTooLarge", msg);
            http_resp_header(&out, "Connection: close");
            return send_resp(conn, &out);
        }
        return MHD_YES;
    }
    if (cs->held) { /* resumed: the write is durable (or its batch failed), or a slow operation answered */
        http_resp_t *out = cs->held;
        cs->held = NULL;
        if (out->later)
            http_later_end(out);
        enum MHD_Result sent = send_resp(conn, out);
        free(out);
        hold_end();
        return sent;
    }
    if (*upload_size) {
        if (!cs->too_large && cs->body.len + *upload_size <= server_config.max_body)
            buf_put(&cs->body, upload, *upload_size);
        else
            cs->too_large = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    http_resp_t out = {0};
    if (cs->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "The request body is larger than %zu bytes", server_config.max_body);
        dispatch_error(&out, 413, "RequestEntityTooLarge", msg);
        return send_resp(conn, &out);
    }
    http_req_t r = {0};
    r.method = method;
    r.path = url;
    r.query = json_object();
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query, r.query);
    r.body = cs->body.p;
    r.body_len = cs->body.len;
    r.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    r.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    r.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    r.idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
    r.twilio_signature = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Twilio-Signature");
    char client[64];
    client_address(conn, client, sizeof client);
    r.client = client;
    if (server_config.trust_proxy) {
        const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
        r.tls = proto && !strncasecmp(proto, "https", 5) && (proto[5] == 0 || proto[5] == ',' || proto[5] == ' ');
    }
    r.session_id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-ss-id");
    if (!r.session_id) {
        r.session_id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "ss-id");
        r.session_cookie = r.session_id != NULL;
    }
    r.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    r.origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    r.fetch_site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    r.if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    r.if_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Match");
    r.requested_with = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Requested-With");
    r.accept_encoding = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    r.can_defer = r.can_offload = hold_begin();
    dispatch(&r, &out);
    if (out.offload) {
        if (offload(conn, cs, &r)) { /* answered from a slow thread, once it is done */
            json_decref(r.query);
            return MHD_YES;
        }
        out.offload = r.can_offload = 0; /* cannot: here, then */
        dispatch(&r, &out);
    }
    json_decref(r.query);
    if (out.later && (cs->held = malloc(sizeof *cs->held))) {
        /* the thread serves other connections meanwhile; this one waits, suspended, until
         * the batch its write is in commits (resume, from the committing thread) */
        *cs->held = out;
        MHD_suspend_connection(conn);
        if (http_later_arm(cs->held->later, resume, cs))
            resume(cs); /* committed in between */
        return MHD_YES;
    }
    if (out.later) /* cannot hold it: wait here */
        http_later_end(&out);
    if (r.can_defer)
        hold_end();
    return send_resp(conn, &out);
}

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return http_unescape(s);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode tc)
{
    (void)cls;
    (void)conn;
    (void)tc;
    conn_state_t *cs = *state;
    if (cs) {
        buf_free(&cs->body);
        if (cs->held) { /* the client left while its answer was held: it is not sent */
            if (cs->held->later)
                http_later_end(cs->held); /* waits for the commit to be over */
            buf_free(&cs->held->body);
            free(cs->held);
            hold_end();
        }
        free(cs);
        *state = NULL;
    }
}

static void *loop_main(void *arg)
{
    loop_t *l = arg;
    this_loop = l;
    store_defer_commits(1);
    while (!atomic_load(&loops_stop)) {
        l->served = 0;
        atomic_store(&l->woken, 0); /* a resume from now on writes wake again */
        MHD_run(l->d); /* all that is ready (resumed connections too), without waiting */
        store_flush(); /* may resume this thread's own connections: served next round */
        if (l->served || l->resumed) { /* busy: the next round at once, its poll finds what came meanwhile */
            l->resumed = 0;
            continue;
        }
        /* idle: wait for the network, a resume or the stop (wake), or a connection's timeout */
        int timeout = -1;
        MHD_UNSIGNED_LONG_LONG due;
        if (MHD_get_timeout(l->d, &due) == MHD_YES)
            timeout = due < INT32_MAX ? (int)due : INT32_MAX;
        struct epoll_event ev[2];
        int n = epoll_wait(l->ep, ev, 2, timeout);
        for (int i = 0; i < n; i++) {
            uint64_t count;
            if (ev[i].data.fd == l->wake)
                (void)!read(l->wake, &count, sizeof count);
        }
    }
    store_flush();
    return NULL;
}

/* The listening socket every daemon shares (each its own duplicate), or -1. */
static int listen_on(const struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)addr, sizeof *addr) || listen(fd, 1024)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Loop l's daemon on a duplicate of the listening socket lfd, its event and its epoll set;
 * 0 when it cannot be (nothing of it left open). */
static int loop_open(loop_t *l, int lfd, const listen_config_t *lc)
{
    int fd = dup(lfd);
    l->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    l->d = fd < 0 || l->wake < 0 || l->ep < 0 ? NULL : MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)lc->timeout_seconds,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(10000 / (lc->threads < 2 ? 2 : lc->threads)),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = l->d ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    struct epoll_event on_daemon = {.events = EPOLLIN, .data.fd = info ? info->epoll_fd : -1};
    struct epoll_event on_wake = {.events = EPOLLIN, .data.fd = l->wake};
    if (info && !epoll_ctl(l->ep, EPOLL_CTL_ADD, info->epoll_fd, &on_daemon) &&
        !epoll_ctl(l->ep, EPOLL_CTL_ADD, l->wake, &on_wake))
        return 1;
    if (l->d)
        MHD_stop_daemon(l->d); /* closes fd */
    else if (fd >= 0)
        close(fd);
    if (l->wake >= 0)
        close(l->wake);
    if (l->ep >= 0)
        close(l->ep);
    return 0;
}

/* Stop the loops' threads (nthreads of them started) and daemons (nd), then the slow
 * threads (nslow started), and free both arrays. */
static void stop_all(loop_t *loops, int nd, int nthreads, pthread_t *slow, int nslow)
{
    atomic_store(&loops_stop, 1);
    for (int i = 0; i < nthreads; i++) {
        wake(&loops[i]);
        pthread_join(loops[i].thread, NULL);
    }
    for (int i = 0; i < nd; i++) {
        MHD_stop_daemon(loops[i].d);
        close(loops[i].wake);
        close(loops[i].ep);
    }
    pthread_mutex_lock(&jobs_mu);
    jobs_stop = 1;
    pthread_cond_broadcast(&jobs_cv);
    pthread_mutex_unlock(&jobs_mu);
    for (int i = 0; i < nslow; i++)
        pthread_join(slow[i], NULL);
    free(slow);
    free(loops);
}

int server_run(const listen_config_t *lc)
{
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)lc->port);
    if (inet_pton(AF_INET, lc->host, &addr.sin_addr) != 1) {
        fprintf(stderr, "evovoiced: --listen: '%s' is not an IPv4 address\n", lc->host);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* for sigwait below; every other thread starts with all blocked */
    signal(SIGPIPE, SIG_IGN);

    int threads = lc->threads < 2 ? 2 : lc->threads;
    int lfd = listen_on(&addr);
    if (lfd < 0) {
        fprintf(stderr, "evovoiced: cannot listen on %s:%d\n", lc->host, lc->port);
        return 1;
    }
    struct sockaddr_in bound = {0};
    socklen_t blen = sizeof bound;
    getsockname(lfd, (struct sockaddr *)&bound, &blen);
    loop_t *loops = calloc((size_t)threads, sizeof *loops);
    int nd = 0, nloops = 0;
    while (loops && nd < threads && loop_open(&loops[nd], lfd, lc))
        nd++;
    close(lfd);
    while (nd == threads && nloops < nd && !thread_start(&loops[nloops].thread, loop_main, &loops[nloops]))
        nloops++;
    int nslow = lc->slow_threads < 1 ? 1 : lc->slow_threads, started = 0;
    pthread_t *slow = nloops == threads ? calloc((size_t)nslow, sizeof *slow) : NULL;
    while (slow && started < nslow && !thread_start(&slow[started], slow_main, NULL))
        started++;
    if (nloops < threads || !started) { /* an offloaded request would wait forever */
        fprintf(stderr, "evovoiced: cannot start the server's threads\n");
        stop_all(loops, nd, nloops, slow, started);
        return 1;
    }
    fprintf(stderr, "evovoiced: listening on http://%s:%u (%d HTTP threads, %d slow threads)\n", lc->host,
            (unsigned)ntohs(bound.sin_port), threads, started);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "evovoiced: %s received, finishing requests under way\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    if (lc->on_stop)
        lc->on_stop();
    for (int i = 0; i < nd; i++) { /* no new connections; each daemon's duplicate goes */
        MHD_socket fd = MHD_quiesce_daemon(loops[i].d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    atomic_store(&stopping, 1);
    while (atomic_load(&holding)) /* answers waiting for their commit (a batch: milliseconds) or slow ones */
        usleep(1000);
    stop_all(loops, nd, nloops, slow, started);
    return 0;
}
