/* test_twiml.c — the TwiML writer: each verb and its attributes, nesting in Gather and
 * Dial, attributes left out when not given, escaping of <&"' in text and attributes,
 * non-ASCII text passed through as UTF-8, and the document parsing back as XML. */
#include "check.h"
#include <libxml/parser.h>
#include <stdlib.h>
#include "voice/twiml.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static char *body(char *doc) /* the document without the XML declaration, trailing newline cut */
{
    if (!doc)
        return strdup("(null)");
    char *s = strdup(strncmp(doc, HEAD, strlen(HEAD)) ? doc : doc + strlen(HEAD));
    size_t n = strlen(s);
    if (n && s[n - 1] == '\n')
        s[n - 1] = 0;
    free(doc);
    return s;
}

static int parses(const char *xml)
{
    xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), "t.xml", "UTF-8", XML_PARSE_NONET);
    if (!d)
        return 0;
    xmlFreeDoc(d);
    return 1;
}

int main(void)
{
    twiml_t *t = twiml_new();
    char *s = body(twiml_finish(t, NULL));
    CHECK_STR(s, "<Response/>");
    free(s);

    t = twiml_new();
    twiml_say(t, "Hello", "alice", "en-US", 2);
    twiml_play(t, "https://x.test/a.mp3", -1);
    twiml_pause(t, 1);
    twiml_redirect(t, "https://h.test/voice/step?a=1&b=2", "POST");
    twiml_hangup(t);
    size_t len = 0;
    char *raw = twiml_finish(t, &len);
    CHECK(raw && len == strlen(raw) && !strncmp(raw, HEAD, strlen(HEAD)));
    s = body(raw);
    CHECK_STR(s, "<Response><Say voice=\"alice\" language=\"en-US\" loop=\"2\">Hello</Say>"
                 "<Play>https://x.test/a.mp3</Play><Pause length=\"1\"/>"
                 "<Redirect method=\"POST\">https://h.test/voice/step?a=1&amp;b=2</Redirect><Hangup/></Response>");
    free(s);

    t = twiml_new();
    twiml_gather_begin(t, "dtmf", 1, 5, "https://h.test/voice/step?n=1&e=digits", "POST");
    twiml_say(t, "Press 1", NULL, NULL, -1);
    twiml_play(t, "https://x.test/b.wav", 1);
    twiml_end(t);
    twiml_dial_begin(t, 30, "+13125550100", "https://h.test/s", "https://h.test/rec");
    twiml_number(t, "+13125550199");
    twiml_client(t, "user-1");
    twiml_sip(t, "sip:a@b.test");
    twiml_end(t);
    twiml_record(t, 120, 1, "https://h.test/r", "https://h.test/rc");
    twiml_record(t, -1, 0, NULL, NULL);
    s = body(twiml_finish(t, NULL));
    CHECK_STR(s, "<Response><Gather input=\"dtmf\" numDigits=\"1\" timeout=\"5\" action=\"https://h.test/voice/step?n=1&amp;e=digits\" method=\"POST\">"
                 "<Say>Press 1</Say><Play loop=\"1\">https://x.test/b.wav</Play></Gather>"
                 "<Dial timeout=\"30\" callerId=\"+13125550100\" action=\"https://h.test/s\" method=\"POST\" record=\"record-from-answer\" recordingStatusCallback=\"https://h.test/rec\">"
                 "<Number>+13125550199</Number><Client>user-1</Client><Sip>sip:a@b.test</Sip></Dial>"
                 "<Record maxLength=\"120\" playBeep=\"true\" action=\"https://h.test/r\" method=\"POST\" recordingStatusCallback=\"https://h.test/rc\"/>"
                 "<Record playBeep=\"false\"/></Response>");
    CHECK(parses(s));
    free(s);

    /* escaping and non-ASCII; an open Gather is closed by finish */
    t = twiml_new();
    twiml_say(t, "Tom & Jerry <b>\"quoted\" 'single' — café ☎", "Polly.Léa", "fr-FR", -1);
    twiml_gather_begin(t, "dtmf", -1, -1, "https://h.test/?x=\"<'&'>\"", NULL);
    raw = twiml_finish(t, NULL);
    CHECK(raw && parses(raw));
    s = body(raw);
    CHECK_STR(s, "<Response><Say voice=\"Polly.Léa\" language=\"fr-FR\">Tom &amp; Jerry &lt;b&gt;&quot;quoted&quot; 'single' — café ☎</Say>"
                 "<Gather input=\"dtmf\" action=\"https://h.test/?x=&quot;&lt;'&amp;'&gt;&quot;\"/></Response>");
    free(s);
    return CHECK_DONE();
}
