/* fuzz_form.c — libFuzzer target for application/x-www-form-urlencoded bodies:
 * http_parse_form() (http/dispatch.c) on the input, the result bound in text mode to a
 * few request types and written back; and http_unescape() (the percent-decoder of paths,
 * queries and forms) on a NUL-terminated copy of the whole input, which may only shorten
 * it and never decodes a NUL.  Multipart bodies have their own target (fuzz_multipart). */
#include "fuzz.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *s = (const char *)data;

    json_t *form = http_parse_form(s, size);
    for (int i = 0; i < FUZZ_NTYPES; i++)
        fuzz_bind_write(fuzz_types[i], form, 1);
    json_decref(form);

    char *copy = malloc(size + 1);
    memcpy(copy, s, size);
    copy[size] = 0;
    size_t before = strlen(copy);
    size_t after = http_unescape(copy);
    if (after > before || after != strlen(copy))
        abort();
    free(copy);
    return 0;
}
