/* server.h — the HTTP listener (libmicrohttpd, epoll, a pool of threads). */
#ifndef SERVER_H
#define SERVER_H

typedef struct listen_config {
    const char *host;       /* e.g. "127.0.0.1" */
    int port;
    int threads;            /* HTTP threads, each with a daemon of its own (at least 2) */
    int slow_threads;       /* threads for operations that wait on the carrier or a password
                             * hash, so that the pool never does (at least 1) */
    int timeout_seconds;    /* idle connection timeout */
    void (*on_stop)(void);  /* called when a stop signal arrives, before requests are drained */
} listen_config_t;

/* Serve until SIGTERM or SIGINT; then stop taking connections, finish the requests
 * under way and return 0. */
int server_run(const listen_config_t *lc);

#endif
