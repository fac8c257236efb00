/* test_voice.c — the webhook signature against Twilio's published example (webhooks
 * security page, and the vector twilio-node's own tests use): token 12345, the URL with its
 * query string, the POST parameters sorted by name. */
#include "check.h"
#include <jansson.h>
#include "voice/voice.h"

int main(void)
{
    json_t *form = json_pack("{s:s,s:s,s:s,s:s,s:s}", "To", "+18005551212", "From", "+12349013030", "Digits", "1234",
                             "Caller", "+12349013030", "CallSid", "CA1234567890ABCDE"); /* out of order on purpose */
    char sig[64];
    voice_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form, sig, sizeof sig);
    CHECK_STR(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    voice_signature("12346", "https://mycompany.com/myapp.php?foo=1&bar=2", form, sig, sizeof sig);
    CHECK(strcmp(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    json_object_set_new(form, "Digits", json_string("1235"));
    voice_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form, sig, sizeof sig);
    CHECK(strcmp(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    json_t *empty = json_object();
    voice_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", empty, sig, sizeof sig);
    CHECK(strlen(sig) == 28);
    json_decref(empty);
    json_decref(form);
    return CHECK_DONE();
}
