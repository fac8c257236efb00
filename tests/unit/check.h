/* check.h — the smallest test harness: CHECK() counts, main() prints "N passed, N failed". */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <string.h>
static int check_pass, check_fail;
#define CHECK(cond) do { if (cond) check_pass++; else { check_fail++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
    if (g_ && w_ && !strcmp(g_, w_)) check_pass++; else { check_fail++; \
    fprintf(stderr, "%s:%d: got  %s\n%*swant %s\n", __FILE__, __LINE__, g_ ? g_ : "(null)", \
            (int)strlen(__FILE__) + 8, "", w_ ? w_ : "(null)"); } } while (0)
#define CHECK_DONE() (printf("%s: %d passed, %d failed\n", __FILE__, check_pass, check_fail), check_fail ? 1 : 0)
#endif
