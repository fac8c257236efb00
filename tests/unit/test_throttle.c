/* test_throttle.c — the sign-in back-off: free failures, doubling waits up to the
 * ceiling, a success clearing the name, case-insensitive names, and a full table that
 * gives way to a flood of new keys without forgetting one that keeps failing. */
#include "check.h"
#include <sodium.h>
#include <stdio.h>
#include "auth/throttle.h"

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    throttle_init();
    throttle_config = (throttle_config_t){.name_free = 3, .addr_free = 10, .base_ms = 1000, .max_ms = 8000};

    /* free failures, then 1 s, 2 s, 4 s, 8 s, 8 s */
    for (int i = 0; i < 3; i++) {
        CHECK(throttle_wait_ms("ann@x.test", NULL) == 0);
        throttle_failed("ann@x.test", NULL);
    }
    long w = throttle_wait_ms("ann@x.test", NULL);
    CHECK(w > 900 && w <= 1000);
    CHECK(throttle_wait_ms("ANN@X.TEST", NULL) > 900); /* names compare case-insensitively */
    static const long want[] = {2000, 4000, 8000, 8000};
    for (int i = 0; i < 4; i++) {
        throttle_failed("Ann@x.test", NULL);
        w = throttle_wait_ms("ann@x.test", NULL);
        CHECK(w > want[i] - 100 && w <= want[i]);
    }
    CHECK(throttle_wait_ms("bob@x.test", NULL) == 0);
    throttle_succeeded("ann@X.test");
    CHECK(throttle_wait_ms("ann@x.test", NULL) == 0);

    /* an address has its own, larger allowance, shared by every name it tries */
    char name[64];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "n%d@x.test", i);
        CHECK(throttle_wait_ms(name, "192.0.2.1") == 0);
        throttle_failed(name, "192.0.2.1");
    }
    CHECK(throttle_wait_ms("fresh@x.test", "192.0.2.1") > 0);
    CHECK(throttle_wait_ms("fresh@x.test", "192.0.2.2") == 0);
    CHECK(throttle_wait_ms(NULL, NULL) == 0);

    /* a flood of 100,000 new names (far more than the table holds) while one name keeps
     * failing: the table stays its size, and the name that keeps failing stays throttled */
    for (int i = 0; i < 3; i++)
        throttle_failed("target@x.test", NULL);
    for (int i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "spray%d@x.test", i);
        throttle_failed(name, NULL);
        if (i % 1000 == 0)
            throttle_failed("target@x.test", NULL);
    }
    CHECK(throttle_wait_ms("target@x.test", NULL) > 0);
    return CHECK_DONE();
}
