/* scratch.h — the throw-away databases a back-end test runs on: a temporary SQLite file,
 * and a database of its own on the PostgreSQL cluster EVOVOICED_TEST_PG names (made and
 * dropped here), for the tests that hold every back end to the same promises. */
#ifndef SCRATCH_H
#define SCRATCH_H
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run one SQL command on conninfo; 0 when it worked. */
static int pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    int ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

/* A new temporary SQLite file name in path (a template ending in XXXXXX). */
static void sqlite_scratch(char *path)
{
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
}

/* Remove a SQLite database with its WAL and shared-memory files. */
static void sqlite_remove(const char *path)
{
    char p[512];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* A new database named prefix_PID on the EVOVOICED_TEST_PG cluster: its URL in url, its
 * name in db; 0 made, 1 no cluster named (skipped), -1 failed. */
static int pg_scratch(const char *prefix, char *url, size_t urlsz, char *db, size_t dbsz)
{
    const char *pg = getenv("EVOVOICED_TEST_PG");
    if (!pg || !*pg)
        return 1;
    char sql[128];
    snprintf(db, dbsz, "%s_%d", prefix, (int)getpid());
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    const char *slash = strrchr(pg, '/');
    snprintf(url, urlsz, "%.*s/%s", (int)(slash ? slash - pg : (long)strlen(pg)), pg, db);
    return pg_exec(pg, sql) ? -1 : 0;
}

static int pg_drop(const char *db)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", db);
    return pg_exec(getenv("EVOVOICED_TEST_PG"), sql);
}

#endif
