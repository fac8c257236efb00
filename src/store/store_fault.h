/* store_fault.h — a store that fails on purpose, to test that every store failure reads
 * as a failure.  It wraps another store: every primitive forwards to it and is counted;
 * from call number fail_at (1-based) on, calls fail as a broken database's would
 * (ST_ERROR, NULL, -1; a commit that fails rolls the inner transaction back), while
 * rollback and close still forward.  Sweep fail_at over 1..store_fault_calls() of a clean
 * run to fail each call in turn. */
#ifndef STORE_FAULT_H
#define STORE_FAULT_H
#include "store.h"

/* fail_at 0: never fail.  Closing the wrapper closes inner too; store_fault_unwrap
 * frees the wrapper alone. */
store_t *store_fault_wrap(store_t *inner, long fail_at);
store_t *store_fault_unwrap(store_t *st); /* returns inner */
/* Only call fail_at fails and the calls after it work again: a transient failure. */
void store_fault_once(store_t *st);
/* Calls made through the wrapper so far (close, errmsg and rollback are not counted:
 * they cannot fail). */
long store_fault_calls(store_t *st);

#endif
