/* fuzz_json.c — libFuzzer target for JSON request bodies: json_parse_body() (strict,
 * UTF-8 checked, depth-limited) on the input, then bind_dto() in strict (typed) mode
 * against a few request types, then write_dto() of each result in JSON, JSV, XML and
 * CSV. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    char err[256];
    json_t *raw = json_parse_body((const char *)data, size, err, sizeof err);
    if (!raw)
        return 0;
    if (json_is_object(raw))
        for (int i = 0; i < FUZZ_NTYPES; i++)
            fuzz_bind_write(fuzz_types[i], raw, 0);
    json_decref(raw);
    return 0;
}
