/* hash.h — FNV-1a, for spreading the server's own keys over fixed tables (render cache,
 * list totals): fast, and nothing a client sends can steer it there. */
#ifndef HASH_H
#define HASH_H
#include <stddef.h>
#include <stdint.h>

#define FNV1A_START 1469598103934665603ULL

/* h (FNV1A_START to begin) carried on over the n bytes at p. */
static inline uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}
#endif
