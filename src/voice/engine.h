/* engine.h — the call runtime (FLOWS.md 3.2): walks a flow node by node and writes the
 * TwiML that tells the carrier what to do next.
 *
 * Nodes that speak or play add their verb and go on; nodes that wait for the caller or
 * the carrier (Menu, Dial, Voicemail) add their verb with an action URL that comes back
 * to {base}/voice/step, and the walk stops; logic nodes (Schedule, Channel Selector,
 * Sub-flow) decide here and go on.  Everything a later request needs is in the state
 * (kept in the session by the caller), so any server can serve the next step.
 *
 * The engine reads the store through the request's call (flows, endpoints, customers,
 * files) and never writes: the webhook stores the lines, fields and state it leaves in
 * the same transaction as the session. */
#ifndef ENGINE_H
#define ENGINE_H
#include <jansson.h>
#include "twiml.h"

struct call;

typedef struct {
    struct call *c;     /* the request's reads */
    json_t *session;    /* the session document (borrowed): ids, addresses, customer */
    json_t *form;       /* the carrier's request fields (borrowed) */
    const char *base;   /* the webhook base the call came in on: every URL we give is under it */
    twiml_t *t;         /* the answer being written */
    json_t *lines;      /* new log lines (strings) */
    json_t *fields;     /* session fields to set */
    json_t *state;      /* the runtime state, to store in the session */
    int async;          /* walking an async transition: there is no live call to speak to */
} engine_t;

/* e for a request: state is the session's runtime (copied; NULL: a new call). */
void engine_init(engine_t *e, struct call *c, json_t *session, json_t *form, const char *base, twiml_t *t);
void engine_free(engine_t *e);

/* Start flow (a new call): its parameters' defaults with params (a Struct, may be NULL)
 * over them, from its start node. */
void engine_start(engine_t *e, json_t *flow, json_t *params);

/* The next step of a running call: event ("gather", "timeout", "dial", "record") of the
 * node node_id that waited. */
void engine_step(engine_t *e, const char *node_id, const char *event);

/* A recording made at node node_id is ready (the carrier's recording callback): the file
 * type it makes ("VoiceMessage" or "CallRecording"), and the node's async RecordingReady
 * transition is walked (no TwiML). */
const char *engine_recording(engine_t *e, const char *node_id);

/* What the call came to, for a final status: Answered (a dial bridged), Voicemail (a
 * message was left), Completed (the flow ended the call) or Abandoned (the caller hung up
 * while the flow waited). */
const char *engine_outcome(const engine_t *e);

/* A line of the call's log (also to stderr). */
void engine_note(engine_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
