/* fuzz_xml.c — libFuzzer target for the DataContract XML reader (codec/xml.c):
 * xml_parse() of the input for a few request types (DTD/entity refusal, nil, lists,
 * maps), then bind_dto() in text mode, then write_dto() of each result in JSON, JSV,
 * XML and CSV. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    char err[256];
    for (int i = 0; i < FUZZ_NTYPES; i++) {
        json_t *raw = xml_parse(fuzz_types[i], (const char *)data, size, err, sizeof err);
        if (!raw)
            continue;
        if (json_is_object(raw))
            fuzz_bind_write(fuzz_types[i], raw, 1);
        json_decref(raw);
    }
    return 0;
}
