/* flows.h — what other resources use of flows (flows.c). */
#ifndef FLOWS_H
#define FLOWS_H
#include "api.h"

json_t *present_flow(call_t *c, json_t *doc);
int can_reach_flow(call_t *c, json_t *flow);
int reach_flow(call_t *c, const char *id, json_t **out);
/* flow_id (when not empty) names a flow of account_id the caller reaches: 0, or 400
 * naming field (no such flow in the account), 403 (out of reach). */
int check_flow_ref(call_t *c, const char *account_id, const char *flow_id, const char *field);
/* FLOWS.md 2.4's checks; prefix goes before every field path; package_ids (an object
 * of ids), when given, is where sub-flows must be instead of the account. */
int validate_flow(call_t *c, json_t *flow, const char *account_id, const char *prefix, json_t *package_ids);
/* Store a flow document (with the lists the store filters on). */
int put_flow(call_t *c, json_t *doc);

#endif
