/* fuzz_e164.c — libFuzzer target for e164_normalize() (api/numbers.c), which turns a
 * BuyPhoneNumber "number" into E.164.  Oracle: on success the output is "+" and 8 to
 * 15 digits, not starting "+0", and normalizing it again gives it back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "schema/schema.h"

int e164_normalize(const char *in, char out[20]);

static int is_e164(const char *s)
{
    size_t n = strlen(s);
    if (n < 9 || n > 16 || s[0] != '+' || s[1] == '0')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int done;
    if (!done) {
        schema_init();
        done = 1;
    }
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = 0;
    char out[20], again[20];
    if (e164_normalize(in, out) == 0) {
        if (!memchr(out, 0, sizeof out) || !is_e164(out))
            abort();
        if (e164_normalize(out, again) != 0 || strcmp(out, again))
            abort();
    }
    free(in);
    return 0;
}
