/* ids.c — ids, timestamps, tokens (randomness from libsodium's CSPRNG). */
#include "ids.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void id_new(char out[25])
{
    unsigned char b[12];
    unsigned t = (unsigned)time(NULL);
    b[0] = (unsigned char)(t >> 24); b[1] = (unsigned char)(t >> 16);
    b[2] = (unsigned char)(t >> 8);  b[3] = (unsigned char)t;
    randombytes_buf(b + 4, 8);
    for (int i = 0; i < 12; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[24] = 0;
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
    long long ms = now_ms();
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

void token_new(char *out, size_t len)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < len; i++)
        out[i] = al[randombytes_uniform(64)];
    out[len] = 0;
}
