/* meta.h — the metadata the server publishes about itself, generated from the schema
 * and the operation table: /metadata pages, the /types sources, /openapi.json. */
#ifndef META_H
#define META_H
#include "../http/http.h"

/* Answer r when it asks for metadata; returns 1 when it did (out filled), 0 otherwise. */
int meta_dispatch(const http_req_t *r, http_resp_t *out);

#endif
