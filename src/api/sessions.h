/* sessions.h — the call log's internal API, for the call runtime (and the `session add`
 * command): create a session for an endpoint, append to its log, update it, end it, and
 * file a voice message under it.
 *
 * Every function works inside the caller's open write transaction on st
 * (store_begin(st, 1)) and never commits or rolls back: the caller commits the session
 * together with whatever else the webhook changed.  A session belongs to its endpoint's
 * account and customer, copied at creation (so it keeps its tenant when the endpoint is
 * moved or deleted); every reach rule of the API reads those two fields.
 *
 * Results: ST_OK, ST_NOTFOUND (no such endpoint or session), ST_CONFLICT (a field the
 * caller may not set, or a value not of its enum), or the store's failure. */
#ifndef SESSIONS_H
#define SESSIONS_H
#include <jansson.h>
#include "../store/store.h"

typedef struct {
    const char *endpoint_id;       /* required */
    const char *from, *from_name;  /* fromAddress, fromName */
    const char *to;                /* toAddress */
    const char *call_sid;
    const char *channel;           /* FlowChannels; NULL: Voice */
    const char *direction;         /* "Incoming" or "Outgoing"; NULL: Incoming */
    const char *parent_session_id; /* a leg of another session, or NULL */
    const char *date_created;      /* ISO 8601 UTC with ms; NULL: now (imports and tests give one) */
} session_new_t;

/* A new session (dialState Active, callState Ringing, not ended): the stored document, a
 * new reference, or NULL with the reason in *rc. */
json_t *session_create(store_t *st, const session_new_t *n, int *rc);

/* Append {date: now, message} to the session's log. */
int session_log(store_t *st, const char *session_id, const char *message);

/* Set fields of the session from an object of SessionInfo wire names (dialState,
 * callState, queueState, destination, fromName, answeredByName, queueMemberId, outcome,
 * consoleData, holdQueueName, heldByUserId, holdReason, conferenceSid, wasMissed,
 * members, callSid).  The tenant, the endpoint, the log and the entity fields are not
 * settable: naming one is ST_CONFLICT and changes nothing. */
int session_update(store_t *st, const char *session_id, json_t *fields);

/* One step of a call in one read and one write: append lines (an array of strings; NULL:
 * none), set fields (as session_update; NULL: none) and the runtime's state between
 * requests (stored, never presented; NULL leaves it, JSON null removes it). */
int session_step(store_t *st, const char *session_id, json_t *lines, json_t *fields, json_t *runtime);

/* session_step's lines and fields, and the session ended (as session_end), in one read
 * and one write. */
int session_finish(store_t *st, const char *session_id, json_t *lines, json_t *fields, const char *call_state,
                   const char *outcome);

/* End the session: ended, dateCompleted now, callState (NULL: Disconnected), outcome
 * (NULL: left as it is). */
int session_end(store_t *st, const char *session_id, const char *call_state, const char *outcome);

typedef struct {
    const char *type;       /* "VoiceMessage" (NULL) or "CallRecording" */
    const char *recording_sid;
    int recording_duration; /* seconds */
    const char *uri;        /* the carrier's RecordingUrl or our own copy */
    const char *content_type; /* NULL: audio/wav */
    long long content_length;
    const char *user_id;    /* the dialled user, if any */
    const char *file_name;  /* NULL: voicemail-{session id}.wav */
    const char *transcription;
} session_file_t;

/* A FileInfo of type VoiceMessage (or CallRecording) linked to the session (GET /files?sessionId= finds it),
 * of the session's account and customer, from and to its addresses: the stored document,
 * a new reference, or NULL with the reason in *rc. */
json_t *session_add_file(store_t *st, const char *session_id, const session_file_t *f, int *rc);

/* Called by DeleteFile inside its write transaction before the file is removed; 0 goes on,
 * anything else refuses the delete (the hook fail()s the call).  NULL: nothing to do.  The
 * call runtime sets it to delete a CallRecording/VoiceMessage at the carrier. */
struct call;
extern int (*file_delete_hook)(struct call *c, json_t *file);
/* DeleteFile deletes a file's recording (recordingSid) at the carrier itself, before its
 * write transaction opens; the hook is for anything else the runtime keeps of a file. */

#endif
