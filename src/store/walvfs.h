/* walvfs.h — SQLite VFSes that write each WAL frame in one system call (walvfs.c): over
 * "unix" (WALVFS_NAME) and over "unix-excl" (WALVFS_EXCL_NAME). */
#ifndef WALVFS_H
#define WALVFS_H
#include <sqlite3.h>

#define WALVFS_NAME "evovoiced-unix"
#define WALVFS_EXCL_NAME "evovoiced-unix-excl"

/* Register both, once, before a connection names them; -1 when the system VFSes are missing
 * (connections then open with the system's). */
int walvfs_register(void);
#endif
