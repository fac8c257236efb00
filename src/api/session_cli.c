/* session_cli.c — `evovoiced session add`: write a session (and, if asked, a voice message
 * filed under it) straight into the database through the internal API of sessions.h.
 *
 * Sessions are made by the call runtime, never by an API route; this command lets the
 * black-box tests (and an operator seeding a demo) make them without one.  It widens
 * nothing a network client can reach: it needs the database itself, as `user add` does.
 * It prints {"session": {...}, "file": {...}} (the stored documents) on one line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../store/store.h"
#include "sessions.h"

static const char usage[] =
    "usage: evovoiced session add --endpoint ID [--from ADDR] [--to ADDR] [--from-name NAME]\n"
    "         [--call-sid SID] [--channel Voice|Chat|Fax] [--direction Incoming|Outgoing] [--parent ID]\n"
    "         [--date ISO] [--log MESSAGE]... [--end OUTCOME] [--voicemail] [--recording-sid SID]\n"
    "         [--transcription TEXT] --db PATH\n";

int cmd_session_add(int argc, char **argv)
{
    session_new_t n = {0};
    session_file_t f = {0};
    const char *db = getenv("EVOVOICED_DB"), *end = NULL, *logs[64];
    int nlogs = 0, voicemail = 0;
    if (!db || !*db)
        db = "data/evovoiced.db";
    static const struct option opts[] = {
        {"endpoint", 1, 0, 'e'}, {"from", 1, 0, 'f'}, {"to", 1, 0, 't'}, {"from-name", 1, 0, 'n'},
        {"call-sid", 1, 0, 's'}, {"channel", 1, 0, 'c'}, {"direction", 1, 0, 'r'}, {"parent", 1, 0, 'p'},
        {"date", 1, 0, 'D'}, {"log", 1, 0, 'l'}, {"end", 1, 0, 'E'}, {"voicemail", 0, 0, 'v'},
        {"recording-sid", 1, 0, 'R'}, {"transcription", 1, 0, 'T'}, {"db", 1, 0, 'd'}, {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'e': n.endpoint_id = optarg; break;
        case 'f': n.from = optarg; break;
        case 't': n.to = optarg; break;
        case 'n': n.from_name = optarg; break;
        case 's': n.call_sid = optarg; break;
        case 'c': n.channel = optarg; break;
        case 'r': n.direction = optarg; break;
        case 'p': n.parent_session_id = optarg; break;
        case 'D': n.date_created = optarg; break;
        case 'l':
            if (nlogs < 64)
                logs[nlogs++] = optarg;
            break;
        case 'E': end = optarg; break;
        case 'v': voicemail = 1; break;
        case 'R': f.recording_sid = optarg; break;
        case 'T': f.transcription = optarg; break;
        case 'd': db = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!n.endpoint_id) {
        fputs(usage, stderr);
        return 2;
    }
    char err[256];
    store_t *st = store_open(db, err, sizeof err);
    if (!st) {
        fprintf(stderr, "evovoiced: %s\n", err);
        return 1;
    }
    json_t *s = NULL, *file = NULL;
    int rc = store_begin(st, 1);
    if (!rc)
        s = session_create(st, &n, &rc);
    for (int i = 0; s && !rc && i < nlogs; i++)
        rc = session_log(st, json_string_value(json_object_get(s, "id")), logs[i]);
    if (s && !rc && end)
        rc = session_end(st, json_string_value(json_object_get(s, "id")), NULL, end);
    if (s && !rc && voicemail) {
        f.recording_duration = 12;
        f.uri = "https://example.invalid/recordings/voicemail.wav";
        file = session_add_file(st, json_string_value(json_object_get(s, "id")), &f, &rc);
    }
    if (!rc)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc) {
        fprintf(stderr, "evovoiced: session add failed: %s\n",
                rc == ST_NOTFOUND ? "no such endpoint" : rc == ST_CONFLICT ? "a value is not allowed" : store_errmsg(st));
    } else {
        json_t *again = store_get(st, C_SESSIONS, json_string_value(json_object_get(s, "id")));
        json_t *out = json_pack("{s:o,s:o}", "session", again ? again : json_incref(s), "file", file ? json_incref(file) : json_null());
        char *txt = json_dumps(out, JSON_COMPACT);
        printf("%s\n", txt);
        free(txt);
        json_decref(out);
    }
    json_decref(s);
    json_decref(file);
    store_close(st);
    return rc ? 1 : 0;
}
