/* thread.h — starting the server's threads (every one but main). */
#ifndef THREAD_H
#define THREAD_H
#include <pthread.h>

/* pthread_create, with every signal blocked in the new thread (the caller's mask is kept).
 * A process signal (SIGTERM, SIGINT) goes to a thread that does not block it; a helper
 * started before the main thread blocks them would take one with its default action (the
 * process killed, no graceful stop) whenever the main thread is not yet in its sigwait.
 * 0, or pthread_create's error. */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);
#endif
