/* endpoint_types.h — what the endpoint operations share with the other endpoint types
 * (endpoint_types.c): the checks and base document of every new endpoint, the fields
 * PatchEndpoint changes by type, and what deleting an endpoint undoes. */
#ifndef ENDPOINT_TYPES_H
#define ENDPOINT_TYPES_H
#include "api.h"

/* r (a create body): its account (from the customer when not given; set in r), reached
 * by the caller, its customer (required of a Customer login), tags and flow.  0, or -1
 * with the answer in c; account_doc, when not NULL, gets the account (borrowed). */
int check_new_endpoint(call_t *c, json_t *r, json_t **account_doc);
/* A new endpoint document of type from r's common fields, stamped as made by by. */
json_t *endpoint_base(json_t *r, const char *type, const char *by);
/* PatchEndpoint's type-specific fields of the request, checked and applied to doc (a
 * copy of ep); a User endpoint's login follows.  0, or -1 with the answer in c. */
int endpoint_type_patch(call_t *c, json_t *ep, json_t *doc);
/* In the deleting write transaction: a User endpoint's login goes, and it leaves every
 * team.  The store's result. */
int endpoint_type_forget(store_t *st, json_t *ep);

#endif
