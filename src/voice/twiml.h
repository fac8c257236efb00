/* twiml.h — a TwiML document (Twilio's call instructions) built verb by verb through
 * libxml2's xmlTextWriter, so text and attributes are always escaped.  Integer arguments
 * below 0 and NULL or empty strings leave their attribute out.
 *   twiml_t *t = twiml_new();
 *   twiml_say(t, "Hello", NULL, "en-US", -1);
 *   twiml_hangup(t);
 *   char *xml = twiml_finish(t);   // <?xml ...?><Response><Say ...>Hello</Say><Hangup/></Response>
 */
#ifndef TWIML_H
#define TWIML_H
#include <stddef.h>

typedef struct twiml twiml_t;

twiml_t *twiml_new(void);
void twiml_say(twiml_t *t, const char *text, const char *voice, const char *language, int loop);
void twiml_play(twiml_t *t, const char *url, int loop);
/* Gather and Dial hold nested verbs or nouns until twiml_end. */
void twiml_gather_begin(twiml_t *t, const char *input, int num_digits, int timeout, const char *action,
                        const char *method);
/* Dial and Record send their action with method POST; a Dial with recording_cb records
 * from answer and reports the recording there. */
void twiml_dial_begin(twiml_t *t, int timeout, const char *caller_id, const char *action, const char *recording_cb);
void twiml_number(twiml_t *t, const char *e164); /* Dial's nouns */
void twiml_client(twiml_t *t, const char *identity);
void twiml_sip(twiml_t *t, const char *uri);
void twiml_end(twiml_t *t);
/* play_beep: -1 leaves it out, else true/false. */
void twiml_record(twiml_t *t, int max_length, int play_beep, const char *action, const char *recording_status_callback);
void twiml_redirect(twiml_t *t, const char *url, const char *method);
void twiml_pause(twiml_t *t, int length);
void twiml_hangup(twiml_t *t);
/* The document (a new string; open verbs are closed), or NULL when writing failed;
 * frees t either way. */
char *twiml_finish(twiml_t *t, size_t *len);
void twiml_free(twiml_t *t);

#endif
