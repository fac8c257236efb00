/* fuzz_multipart.c — libFuzzer target for multipart/form-data bodies: multipart_parse()
 * (codec/multipart.c) with the input's first line as the whole Content-Type header (so
 * the boundary parameter, quoted or not, among others, comes from the input too) and the
 * rest as the body; the result is bound in text mode to a few request types and written
 * back.  Oracles: the values are strings without NUL; and the form written out again as
 * multipart, one part per name, parses back to the same form (for the names a quoted
 * parameter can carry: no '"', CR or LF). */
#include "fuzz.h"

#define RT_BOUNDARY "fuzz-7MA4YWxkTrZu0gW"

/* form as a multipart body with boundary RT_BOUNDARY, one part per name; NULL when a
 * name or value cannot be carried that way */
static char *write_multipart(json_t *form, size_t *len)
{
    buf_t b = {0};
    const char *k;
    json_t *v;
    json_object_foreach(form, k, v)
    {
        const char *s = json_string_value(v);
        if (strpbrk(k, "\"\r\n") || strstr(s, "--" RT_BOUNDARY)) {
            buf_free(&b);
            return NULL;
        }
        buf_printf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n", RT_BOUNDARY, k, s);
    }
    buf_puts(&b, "--" RT_BOUNDARY "--\r\n");
    *len = b.len;
    return buf_take(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t cl = nl ? (size_t)(nl - s) : size;
    const char *body = nl ? nl + 1 : s + size;
    size_t n = size - (size_t)(body - s);
    char *ct = malloc(cl + 1);
    memcpy(ct, s, cl);
    ct[cl] = 0; /* a NUL inside cuts the header short, as a C string would */

    char err[256];
    json_t *form = multipart_parse(ct, body, n, err, sizeof err);
    if (form) {
        if (!json_is_object(form))
            abort();
        const char *k;
        json_t *v;
        json_object_foreach(form, k, v)
        {
            if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                abort();
        }
        for (int i = 0; i < FUZZ_NTYPES; i++)
            fuzz_bind_write(fuzz_types[i], form, 1);

        size_t len;
        char *again = write_multipart(form, &len);
        if (again) {
            json_t *back = multipart_parse("multipart/form-data; boundary=" RT_BOUNDARY, again, len, err, sizeof err);
            if (!back || !json_equal(back, form))
                abort();
            json_decref(back);
            free(again);
        }
        json_decref(form);
    }
    free(ct);
    return 0;
}
