/* fuzz.h — what the libFuzzer targets in tests/fuzz share: one-time schema set-up, the
 * request types each target binds against, and "write the bound DTO back in every
 * format" with a cheap oracle (the JSON writer's output must be valid JSON).  Nothing
 * here prints; a broken oracle aborts so libFuzzer records the input. */
#ifndef FUZZ_H
#define FUZZ_H
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "codec/codec.h"
#include "schema/dto.h"
#include "util/buf.h"

static inline void fuzz_init(void)
{
    static int done;
    if (!done) {
        schema_init();
        done = 1;
    }
}

/* request types with nested objects, lists, maps, enums, nullable and scalar fields */
static const type_t *const fuzz_types[] = {
    &T_PatchCustomer, &T_BuyPhoneNumber, &T_PatchAccount, &T_PatchSystemSettings,
};
#define FUZZ_NTYPES ((int)(sizeof fuzz_types / sizeof fuzz_types[0]))

/* Write obj as t in JSON, JSV, XML and CSV (with and without secrets); the JSON must
 * parse back. */
static inline void fuzz_write_all(const type_t *t, json_t *obj)
{
    static const fmt_t fmts[] = {FMT_JSON, FMT_JSV, FMT_XML, FMT_CSV};
    for (int i = 0; i < 4; i++) {
        buf_t b = {0};
        write_dto(&b, fmts[i], t, obj, i & 1 ? W_SECRETS : 0);
        if (fmts[i] == FMT_JSON) {
            json_error_t e;
            json_t *back = json_loadb(b.p ? b.p : "", b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
            if (!back)
                abort(); /* the JSON writer produced something that is not JSON */
            json_decref(back);
        }
        buf_free(&b);
    }
}

/* bind raw as t (text or strict), write the result back, free everything */
static inline void fuzz_bind_write(const type_t *t, json_t *raw, int text)
{
    json_t *errors = json_array();
    json_t *dto = bind_dto(t, raw, text, errors);
    if (dto) {
        fuzz_write_all(t, dto);
        json_decref(dto);
    }
    json_decref(errors);
}
#endif
