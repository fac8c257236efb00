/* ids.c — ids, timestamps, tokens (randomness from libsodium's CSPRNG). */
#include "ids.h"
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The count of id_new starts anywhere: an id tells nothing of how many came before it. */
static atomic_uint seq;
static pthread_once_t seq_once = PTHREAD_ONCE_INIT;
static void seq_start(void) { atomic_store(&seq, randombytes_random()); }

/* Random bytes for ids, drawn from the system's generator (libsodium's, a getrandom call
 * each) a few hundred at a time per thread rather than a system call per id: every write
 * makes two ids, and a system call costs as much as a tenth of the rest of a write here.
 * Each byte is used once; tokens and keys take theirs from randombytes_buf directly. */
void rand_bytes(void *out, size_t n)
{
    static __thread unsigned char pool[256];
    static __thread size_t left;
    unsigned char *o = out;
    while (n) {
        if (!left) {
            randombytes_buf(pool, sizeof pool);
            left = sizeof pool;
        }
        size_t k = n < left ? n : left;
        memcpy(o, pool + sizeof pool - left, k);
        sodium_memzero(pool + sizeof pool - left, k);
        left -= k;
        o += k;
        n -= k;
    }
}

void id_new(char out[25])
{
    pthread_once(&seq_once, seq_start);
    unsigned char b[12];
    unsigned t = (unsigned)time(NULL), n = atomic_fetch_add(&seq, 1);
    b[0] = (unsigned char)(t >> 24); b[1] = (unsigned char)(t >> 16);
    b[2] = (unsigned char)(t >> 8);  b[3] = (unsigned char)t;
    b[4] = (unsigned char)(n >> 16); b[5] = (unsigned char)(n >> 8); b[6] = (unsigned char)n;
    rand_bytes(b + 7, 5);
    sodium_bin2hex(out, 25, b, sizeof b);
}

int id_valid(const char *s)
{
    if (!s || strlen(s) != 24)
        return 0;
    for (int i = 0; i < 24; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void now_iso(char out[64])
{
    /* the text up to the seconds is kept per thread: a second's requests format it once */
    static __thread time_t last = -1;
    static __thread char head[32];
    long long ms = now_ms();
    time_t s = (time_t)(ms / 1000);
    if (s != last) {
        struct tm tm;
        gmtime_r(&s, &tm);
        snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        last = s;
    }
    int m = (int)(ms % 1000);
    size_t n = strlen(head);
    memcpy(out, head, n);
    memcpy(out + n, (char[]){'.', (char)('0' + m / 100), (char)('0' + m / 10 % 10), (char)('0' + m % 10), 'Z', 0}, 6);
}

void token_new(char *out, size_t len)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < len; i++)
        out[i] = al[randombytes_uniform(64)];
    out[len] = 0;
}
