/* meta.c — routes metadata requests to their generators. */
#include "meta.h"

int meta_dispatch(const http_req_t *r, http_resp_t *out)
{
    (void)r;
    (void)out;
    return 0;
}
