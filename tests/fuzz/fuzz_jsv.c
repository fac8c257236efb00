/* fuzz_jsv.c — libFuzzer target for the JSV reader (codec/jsv.c): jsv_parse() on the
 * input, then bind_dto() in text mode against a few request types (as a text/jsv body
 * or a JSV query value is bound), then write_dto() of each result in JSON, JSV, XML and
 * CSV.  Also re-reads the JSV the writer produced, as a client echoing it back would. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    char err[256];
    json_t *raw = jsv_parse((const char *)data, size, err, sizeof err);
    if (!raw)
        return 0;
    if (json_is_object(raw))
        for (int i = 0; i < FUZZ_NTYPES; i++) {
            json_t *errors = json_array();
            json_t *dto = bind_dto(fuzz_types[i], raw, 1, errors);
            if (dto) {
                fuzz_write_all(fuzz_types[i], dto);
                /* our own JSV output read back and bound again */
                buf_t b = {0};
                write_dto(&b, FMT_JSV, fuzz_types[i], dto, W_SECRETS);
                json_t *again = jsv_parse(b.p ? b.p : "", b.len, err, sizeof err);
                if (again && json_is_object(again))
                    fuzz_bind_write(fuzz_types[i], again, 1);
                json_decref(again);
                buf_free(&b);
                json_decref(dto);
            }
            json_decref(errors);
        }
    json_decref(raw);
    return 0;
}
