/* fuzz_form.c — libFuzzer target for form bodies: multipart_parse() (codec/multipart.c)
 * with the boundary taken from the input's first line and the rest as the body, the
 * result bound in text mode and written back; and http_unescape() (http/dispatch.c,
 * the percent-decoder of paths, queries and urlencoded forms) on a NUL-terminated copy
 * of the whole input. */
#include "fuzz.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *s = (const char *)data;

    /* multipart: line 1 is the boundary */
    const char *nl = memchr(s, '\n', size);
    size_t bl = nl ? (size_t)(nl - s) : size;
    const char *body = nl ? nl + 1 : s + size;
    size_t n = size - (size_t)(body - s);
    char *ct = malloc(bl + 64);
    memcpy(ct, "multipart/form-data; boundary=", 30);
    memcpy(ct + 30, s, bl);
    ct[30 + bl] = 0; /* a NUL inside cuts the header short, as a C string would */
    char err[256];
    json_t *raw = multipart_parse(ct, body, n, err, sizeof err);
    if (raw) {
        if (json_is_object(raw))
            for (int i = 0; i < FUZZ_NTYPES; i++)
                fuzz_bind_write(fuzz_types[i], raw, 1);
        json_decref(raw);
    }
    free(ct);

    /* http_unescape on a copy */
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
