/* walvfs.h — SQLite VFSes that write each WAL frame in one system call (walvfs.c): over
 * "unix" (WALVFS_NAME) and over "unix-excl" (WALVFS_EXCL_NAME). */
#ifndef WALVFS_H
#define WALVFS_H
#include <sqlite3.h>
#include <stddef.h>

#define WALVFS_NAME "evovoiced-unix"
#define WALVFS_EXCL_NAME "evovoiced-unix-excl"

/* Register both, once, before a connection names them; -1 when the system VFSes are missing
 * (connections then open with the system's). */
int walvfs_register(void);

/* Write what this thread holds back, if anything: a thread that is done with a connection
 * another thread will use next (the group's writer) calls it, so that no frame of that
 * connection is left for this thread to write later, beside the next user's writes.
 * SQLITE_OK, or the error of the write. */
int walvfs_release(void);

/* Bytes this thread holds back now (0 when none): for tests. */
size_t walvfs_held(void);
#endif
