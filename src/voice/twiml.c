/* twiml.c — see twiml.h. */
#include "twiml.h"
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>

struct twiml {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    int failed;
};

#define X(s) ((const xmlChar *)(s))

static void ok(twiml_t *t, int rc)
{
    if (rc < 0)
        t->failed = 1;
}

twiml_t *twiml_new(void)
{
    twiml_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->buf = xmlBufferCreate();
    t->w = t->buf ? xmlNewTextWriterMemory(t->buf, 0) : NULL;
    if (!t->w) {
        twiml_free(t);
        return NULL;
    }
    ok(t, xmlTextWriterStartDocument(t->w, NULL, "UTF-8", NULL));
    ok(t, xmlTextWriterStartElement(t->w, X("Response")));
    return t;
}

static void attr_s(twiml_t *t, const char *name, const char *v)
{
    if (v && *v)
        ok(t, xmlTextWriterWriteAttribute(t->w, X(name), X(v)));
}

static void attr_i(twiml_t *t, const char *name, int v)
{
    if (v >= 0)
        ok(t, xmlTextWriterWriteFormatAttribute(t->w, X(name), "%d", v));
}

static void attr_b(twiml_t *t, const char *name, int v)
{
    if (v >= 0)
        attr_s(t, name, v ? "true" : "false");
}

/* A verb's action URL; we always have it requested with POST. */
static void attr_action(twiml_t *t, const char *action)
{
    attr_s(t, "action", action);
    if (action && *action)
        attr_s(t, "method", "POST");
}

static void start(twiml_t *t, const char *verb) { ok(t, xmlTextWriterStartElement(t->w, X(verb))); }
static void end(twiml_t *t) { ok(t, xmlTextWriterEndElement(t->w)); }
static void text(twiml_t *t, const char *s)
{
    if (s && *s)
        ok(t, xmlTextWriterWriteString(t->w, X(s)));
}

void twiml_say(twiml_t *t, const char *s, const char *voice, const char *language, int loop)
{
    start(t, "Say");
    attr_s(t, "voice", voice);
    attr_s(t, "language", language);
    attr_i(t, "loop", loop);
    text(t, s);
    end(t);
}

void twiml_play(twiml_t *t, const char *url, int loop)
{
    start(t, "Play");
    attr_i(t, "loop", loop);
    text(t, url);
    end(t);
}

void twiml_gather_begin(twiml_t *t, const char *input, int num_digits, int timeout, const char *action,
                        const char *method)
{
    start(t, "Gather");
    attr_s(t, "input", input);
    attr_i(t, "numDigits", num_digits);
    attr_i(t, "timeout", timeout);
    attr_s(t, "action", action);
    attr_s(t, "method", method);
}

void twiml_dial_begin(twiml_t *t, int timeout, const char *caller_id, const char *action, const char *recording_cb)
{
    start(t, "Dial");
    attr_i(t, "timeout", timeout);
    attr_s(t, "callerId", caller_id);
    attr_action(t, action);
    if (recording_cb && *recording_cb) {
        attr_s(t, "record", "record-from-answer");
        attr_s(t, "recordingStatusCallback", recording_cb);
    }
}

static void noun(twiml_t *t, const char *name, const char *s)
{
    start(t, name);
    text(t, s);
    end(t);
}

void twiml_number(twiml_t *t, const char *e164) { noun(t, "Number", e164); }
void twiml_client(twiml_t *t, const char *identity) { noun(t, "Client", identity); }
void twiml_sip(twiml_t *t, const char *uri) { noun(t, "Sip", uri); }
void twiml_end(twiml_t *t) { end(t); }

void twiml_record(twiml_t *t, int max_length, int play_beep, const char *action, const char *recording_status_callback)
{
    start(t, "Record");
    attr_i(t, "maxLength", max_length);
    attr_b(t, "playBeep", play_beep);
    attr_action(t, action);
    attr_s(t, "recordingStatusCallback", recording_status_callback);
    end(t);
}

void twiml_redirect(twiml_t *t, const char *url, const char *method)
{
    start(t, "Redirect");
    attr_s(t, "method", method);
    text(t, url);
    end(t);
}

void twiml_pause(twiml_t *t, int length)
{
    start(t, "Pause");
    attr_i(t, "length", length);
    end(t);
}

void twiml_hangup(twiml_t *t)
{
    start(t, "Hangup");
    end(t);
}

char *twiml_finish(twiml_t *t, size_t *len)
{
    if (!t)
        return NULL;
    ok(t, xmlTextWriterEndDocument(t->w)); /* closes every open element */
    xmlFreeTextWriter(t->w); /* flushes into buf */
    t->w = NULL;
    char *out = NULL;
    if (!t->failed) {
        size_t n = (size_t)xmlBufferLength(t->buf);
        out = malloc(n + 1);
        if (out) {
            memcpy(out, xmlBufferContent(t->buf), n);
            out[n] = 0;
            if (len)
                *len = n;
        }
    }
    twiml_free(t);
    return out;
}

void twiml_free(twiml_t *t)
{
    if (!t)
        return;
    if (t->w)
        xmlFreeTextWriter(t->w);
    if (t->buf)
        xmlBufferFree(t->buf);
    free(t);
}
