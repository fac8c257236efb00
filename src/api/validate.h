/* validate.h — domain checks of nested values that the schema's types cannot say. */
#ifndef VALIDATE_H
#define VALIDATE_H
#include "api.h"

/* Schedule: IANA time zone, HH:mm times, yyyy-MM-dd dates.  field: "Schedule". Gives
 * rules without an id a new one. */
int validate_schedule(call_t *c, json_t *schedule, const char *field);
/* A customer's schedule: validate_schedule, and no CustomerState rule, since that rule
 * means "the state the customer's own schedule gives", which would be this schedule
 * (wherever it applies: the customer, its children and endpoints inheriting it). */
int validate_customer_schedule(call_t *c, json_t *schedule, const char *field);
int valid_timezone(const char *tz);
/* tagIds must name tags of the account's system settings (field "TagIds"). */
int validate_tag_ids(call_t *c, const char *account_id, json_t *tag_ids);
/* Resolved [{id,name,color}] for tagIds, skipping ids the settings no longer have. */
json_t *resolve_tags(call_t *c, const char *account_id, json_t *tag_ids);
json_t *account_settings(call_t *c, const char *account_id); /* borrowed */

#endif
