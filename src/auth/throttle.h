/* throttle.h — back-off for password guessing: failed sign-ins are counted per login
 * name and per client address; past a number of free failures each further one doubles
 * the wait before the next attempt is even checked, up to a ceiling.  A success clears
 * the name's count.  Memory is a fixed table (entries are keyed hashes, never the names
 * or addresses themselves); when it is full the entry with the fewest failures gives way. */
#ifndef THROTTLE_H
#define THROTTLE_H

typedef struct throttle_config {
    int name_free;  /* failures of one login name before it waits (default 5) */
    int addr_free;  /* failures from one client address before it waits (default 20) */
    int base_ms;    /* the first wait (default 1000), doubling with each further failure */
    int max_ms;     /* the longest wait (default 60000): nobody is locked out for longer */
} throttle_config_t;
extern throttle_config_t throttle_config;

void throttle_init(void);
/* 0 when a sign-in as name from addr may be checked now; else the milliseconds to wait.
 * name or addr may be NULL (not counted). */
long throttle_wait_ms(const char *name, const char *addr);
void throttle_failed(const char *name, const char *addr);
void throttle_succeeded(const char *name);

/* The answer to a throttled sign-in: 429 with Retry-After in whole seconds. */
#define THROTTLED_MESSAGE "Too many failed sign-in attempts; try again in %ld seconds"
static inline long throttle_seconds(long wait_ms) { return wait_ms <= 0 ? 1 : (wait_ms + 999) / 1000; }

#endif
