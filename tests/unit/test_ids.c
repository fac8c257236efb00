/* test_ids.c — entity ids and timestamps: an id is 24 lowercase hex led by the second it
 * was made in; the ids one process makes grow (each index takes a new one at its end) and
 * still differ in their random tail; now_iso spells the time as ISO 8601 with
 * milliseconds, the same text gmtime gives, also across the second it caches. */
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util/ids.h"

enum { N = 5000 };

int main(void)
{
    static char ids[N][25];
    time_t before = time(NULL);
    for (int i = 0; i < N; i++)
        id_new(ids[i]);
    time_t after = time(NULL);

    int valid = 1, falls = 0, tails_differ = 0;
    for (int i = 0; i < N; i++) {
        valid &= id_valid(ids[i]) && strlen(ids[i]) == 24;
        if (i) {
            falls += strcmp(ids[i - 1], ids[i]) >= 0;
            tails_differ += strcmp(ids[i - 1] + 14, ids[i] + 14) != 0;
        }
    }
    CHECK(valid);
    CHECK(falls <= 1); /* at most where the 24-bit count wraps within one second */
    CHECK(tails_differ == N - 1); /* 40 random bits each */
    unsigned long t0 = strtoul((char[9]){ids[0][0], ids[0][1], ids[0][2], ids[0][3], ids[0][4], ids[0][5],
                                         ids[0][6], ids[0][7], 0}, NULL, 16);
    CHECK(t0 >= (unsigned long)before && t0 <= (unsigned long)after);
    CHECK(!id_valid("6b0fcb3ac08f06cf2bbee6dD") && !id_valid("6b0fcb3ac08f06cf2bbee6d") && !id_valid(NULL));

    /* timestamps: the same text as formatting gmtime anew, over more than one second */
    char a[64], want[64];
    int same = 1;
    long long first = now_ms();
    while (now_ms() - first < 1100) {
        long long ms = now_ms();
        now_iso(a);
        long long ms2 = now_ms();
        time_t s = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&s, &tm);
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
        if (ms2 == ms) /* the clock did not move between the two: the texts must match */
            same &= !strcmp(a, want);
    }
    CHECK(same);
    CHECK(strlen(a) == 24 && a[10] == 'T' && a[19] == '.' && a[23] == 'Z');
    /* rand_bytes: drawn in blocks, each byte given once; pieces that cross a block's end
     * are whole, and no two 8-byte pieces of 4 KiB are alike */
    {
        enum { P = 512 };
        static unsigned char r[P][8];
        for (int i = 0; i < P; i++) {
            if (i % 3) {
                rand_bytes(r[i], 8);
            } else { /* in two draws, so that draws of every size meet a block's end */
                rand_bytes(r[i], 5);
                rand_bytes(r[i] + 5, 3);
            }
        }
        int dup = 0, zero = 0;
        for (int i = 0; i < P; i++) {
            zero += !memcmp(r[i], "\0\0\0\0\0\0\0\0", 8);
            for (int j = 0; j < i; j++)
                dup += !memcmp(r[i], r[j], 8);
        }
        CHECK(dup == 0 && zero == 0);
        unsigned char big[1000];
        memset(big, 0, sizeof big);
        rand_bytes(big, sizeof big); /* longer than a block */
        int zeros = 0;
        for (size_t i = 0; i < sizeof big; i++)
            zeros += !big[i];
        CHECK(zeros < 20); /* ~4 expected of 1000 random bytes */
    }
    return CHECK_DONE();
}
