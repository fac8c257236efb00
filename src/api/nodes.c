/* nodes.c — the table of node types (see nodes.h): FLOWS.md 3.2's minimal set. */
#include "nodes.h"
#include <stdlib.h>
#include <string.h>

#define T(n, d) {n, "Transition", d, 0, NULL}

const node_type_t node_types[] = {
    {"Say", "SayNode", "/nodes/say", "Voice", "Speak text to the caller", 1,
     {{"Text", "String", "What to say", NP_REQUIRED, NULL}, {"Voice", "String", "The voice", 0, NULL},
      {"Language", "String", "The language", 0, "en-US"}, {"Loop", "Number", "How many times", 0, "1"},
      T("Done", "After speaking")}},
    {"Play", "PlayNode", "/nodes/play", "Audio", "Play an audio file or URL to the caller", 1,
     {{"AudioFile", "AudioFile", "The file to play", 0, NULL}, {"Url", "String", "Or a URL to play", 0, NULL},
      {"Loop", "Number", "How many times", 0, "1"}, T("Done", "After playing")}},
    {"Menu", "MenuNode", "/nodes/menu", "Voice", "Ask the caller to press a key", 1,
     {{"Prompt", "String", "What to say", 0, NULL}, {"PromptFile", "AudioFile", "Or a file to play", 0, NULL},
      {"Timeout", "Number", "Seconds to wait", 0, "5"}, {"NumDigits", "Number", "Digits to collect", 0, "1"},
      {"Retries", "Number", "Prompts before NoInput/NoMatch", 0, "2"},
      {"Choice", "Transition", "One per digit: the key is the digit", NP_DYNAMIC, NULL},
      T("NoInput", "Nothing pressed"), T("NoMatch", "A key with no choice")}},
    {"Dial", "DialNode", "/nodes/dial", "Voice", "Connect the call to an endpoint or number", 1,
     {{"Destination", "Endpoint", "An endpoint, or a phone number as text", NP_REQUIRED, NULL},
      {"CallerId", "PhoneNumber", "The caller ID to show", 0, NULL},
      {"TimeoutInSeconds", "Number", "Ring time", 0, "30"}, {"Record", "Boolean", "Record the call", 0, "false"},
      T("NoAnswer", "Not answered, busy or failed"),
      {"RecordingReady", "Transition", "Once the recording exists (no call any more)", NP_ASYNC, NULL}}},
    {"Voicemail", "VoicemailNode", "/nodes/voicemail", "Audio", "Take a message", 1,
     {{"Greeting", "AudioFile", "The greeting to play", 0, NULL},
      {"GreetingText", "String", "Or the greeting to say", 0, NULL},
      {"MaxLength", "Number", "Longest message, in seconds", 0, "120"},
      {"PlayBeep", "Boolean", "Beep before recording", 0, "true"}, T("Done", "After recording"),
      {"RecordingReady", "Transition", "Once the message exists (no call any more)", NP_ASYNC, NULL}}},
    {"Hangup", "HangupNode", "/nodes/hangup", "General", "End the call", 1, {{0}}},
    {"Schedule", "ScheduleNode", "/nodes/schedule", "DateAndTime", "Branch on the state of a schedule now", 0,
     {{"Customer", "Customer", "Whose schedule (default: the session's customer)", 0, NULL},
      {"State", "Transition", "One per schedule state: the key is the state name", NP_DYNAMIC, NULL},
      T("Default", "No state matched")}},
    {"Channel Selector", "ChannelSelectorNode", "/nodes/channel-selector", "Logic", "Branch on the channel", 0,
     {T("Voice", "A call"), T("Chat", "A message"), T("Fax", "A fax")}},
    {"Sub-flow", "SubFlowNode", SUBFLOW_URL, "Flows",
     "Run another flow: its public parameters are this node's, its exits its transitions", 0, {{0}}},
};
const int node_ntypes = (int)(sizeof node_types / sizeof *node_types);

const node_type_t *node_type_by_url(const char *url)
{
    if (!url)
        return NULL;
    for (int i = 0; i < node_ntypes; i++) {
        const char *u = node_types[i].url;
        if (!strcmp(u, SUBFLOW_URL) ? !strncmp(url, u, strlen(u)) : !strcmp(url, u))
            return &node_types[i];
    }
    return NULL;
}

json_t *node_spec(const node_type_t *t)
{
    json_t *params = json_array();
    for (const node_param_t *p = t->params; p->name; p++) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:b}", "name", p->name, "type", p->type, "description", p->desc,
                              "isRequired", !!(p->flags & NP_REQUIRED), "isAsync", !!(p->flags & NP_ASYNC), "isOutput",
                              !!(p->flags & NP_OUTPUT), "isDynamic", !!(p->flags & NP_DYNAMIC));
        if (p->dflt) {
            const char *k = !strcmp(p->type, "Number") ? "numberValue" : !strcmp(p->type, "Boolean") ? "boolValue" : "stringValue";
            json_t *v = !strcmp(k, "numberValue") ? json_real(strtod(p->dflt, NULL))
                      : !strcmp(k, "boolValue")   ? json_boolean(!strcmp(p->dflt, "true"))
                                                  : json_string(p->dflt);
            json_object_set_new(o, "defaultValue", json_pack("{s:o}", k, v));
        }
        json_array_append_new(params, o);
    }
    json_t *ch = json_array();
    json_array_append_new(ch, json_string("Voice"));
    if (!t->voice_only) {
        json_array_append_new(ch, json_string("Chat"));
        json_array_append_new(ch, json_string("Fax"));
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "name", t->name, "typeName", t->type_name, "url", t->url,
                     "description", t->desc, "category", t->category, "channels", ch, "parameters", params);
}

int node_subflow_id(const char *url, char *out, size_t n)
{
    size_t k = strlen(SUBFLOW_URL);
    if (!url || strncmp(url, SUBFLOW_URL, k))
        return 0;
    snprintf(out, n, "%.*s", (int)strcspn(url + k, "&#"), url + k);
    return 1;
}
