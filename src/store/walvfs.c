/* walvfs.c — a SQLite VFS over the system's own ("unix", or "unix-excl" for a file this
 * process owns) that writes each WAL frame in one system call instead of two.
 *
 * SQLite appends a frame to the WAL as two writes: its 24-byte header, then the page right
 * after it.  A commit of n pages so made 2n pwrite calls, and on this kind of machine (a
 * virtual one, where every system call pays for the hypervisor) those were an eighth of a
 * write request's time.  Here a 24-byte write to a WAL file is held back, and the page
 * written next at the offset just after it goes out with it in one pwrite.  Anything else
 * this thread asks of any file of this VFS first writes a header still held (a read, a
 * sync, a size, the WAL index's barrier that every commit passes before it publishes its
 * frames, ...), so nothing reads the WAL, and no commit returns, with a header unwritten:
 * what the file holds when SQLite next looks at it, or when the transaction ends, is what
 * it would have held without this layer. */
#include "walvfs.h"
#include <string.h>

enum { HDR = 24, MAX_PAGE = 65536 };

typedef struct wal_file {
    sqlite3_file base;  /* pMethods: ours */
    sqlite3_file *real; /* the system VFS's file, in the space after this struct */
    int wal;            /* a WAL file */
    sqlite3_int64 held_at; /* a header held back: its offset, else -1 */
    unsigned char held[HDR];
} wal_file;

/* The file whose header this thread holds, if any: one at most (a header's page follows it
 * in the same call into SQLite). */
static __thread wal_file *holding;
/* A header and its page, put side by side for their one write. */
static __thread unsigned char frame[HDR + MAX_PAGE];

/* Write f's held header, if it has one. */
static int release_file(wal_file *f)
{
    if (f->held_at < 0)
        return SQLITE_OK;
    sqlite3_int64 at = f->held_at;
    f->held_at = -1;
    if (holding == f)
        holding = NULL;
    return f->real->pMethods->xWrite(f->real, f->held, HDR, at);
}

/* Before anything else this thread asks: the header it holds, if any. */
static int release(void) { return holding ? release_file(holding) : SQLITE_OK; }

#define REAL(pf) (((wal_file *)(pf))->real)
/* Before a call on file pf: this thread's held header, and pf's own (held by a call that
 * ended without writing it, should there ever be one: the next user of the file writes it
 * first, whatever its thread). */
#define FIRST()                                                                                                        \
    do {                                                                                                               \
        int rc_ = release();                                                                                           \
        if (rc_ == SQLITE_OK)                                                                                          \
            rc_ = release_file((wal_file *)pf);                                                                        \
        if (rc_ != SQLITE_OK)                                                                                          \
            return rc_;                                                                                                \
    } while (0)

static int w_close(sqlite3_file *pf)
{
    int rc = release();
    if (rc == SQLITE_OK)
        rc = release_file((wal_file *)pf);
    int rc2 = REAL(pf)->pMethods->xClose(REAL(pf));
    return rc != SQLITE_OK ? rc : rc2;
}

static int w_read(sqlite3_file *pf, void *buf, int n, sqlite3_int64 off)
{
    FIRST();
    return REAL(pf)->pMethods->xRead(REAL(pf), buf, n, off);
}

static int w_write(sqlite3_file *pf, const void *buf, int n, sqlite3_int64 off)
{
    wal_file *f = (wal_file *)pf;
    if (holding == f && off == f->held_at + HDR && n > 0 && n <= MAX_PAGE) { /* the page after its header */
        memcpy(frame, f->held, HDR);
        memcpy(frame + HDR, buf, (size_t)n);
        sqlite3_int64 at = f->held_at;
        holding = NULL;
        f->held_at = -1;
        return f->real->pMethods->xWrite(f->real, frame, HDR + n, at);
    }
    FIRST();
    if (f->wal && n == HDR) { /* a frame's header: held until its page comes */
        memcpy(f->held, buf, HDR);
        f->held_at = off;
        holding = f;
        return SQLITE_OK;
    }
    return f->real->pMethods->xWrite(f->real, buf, n, off);
}

static int w_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    FIRST();
    return REAL(pf)->pMethods->xTruncate(REAL(pf), size);
}

static int w_sync(sqlite3_file *pf, int flags)
{
    FIRST();
    return REAL(pf)->pMethods->xSync(REAL(pf), flags);
}

static int w_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    FIRST();
    return REAL(pf)->pMethods->xFileSize(REAL(pf), size);
}

static int w_lock(sqlite3_file *pf, int lock)
{
    FIRST();
    return REAL(pf)->pMethods->xLock(REAL(pf), lock);
}

static int w_unlock(sqlite3_file *pf, int lock)
{
    FIRST();
    return REAL(pf)->pMethods->xUnlock(REAL(pf), lock);
}

static int w_check_reserved(sqlite3_file *pf, int *out)
{
    FIRST();
    return REAL(pf)->pMethods->xCheckReservedLock(REAL(pf), out);
}

static int w_file_control(sqlite3_file *pf, int op, void *arg)
{
    FIRST();
    return REAL(pf)->pMethods->xFileControl(REAL(pf), op, arg);
}

static int w_sector_size(sqlite3_file *pf) { return REAL(pf)->pMethods->xSectorSize(REAL(pf)); }

static int w_device(sqlite3_file *pf) { return REAL(pf)->pMethods->xDeviceCharacteristics(REAL(pf)); }

static int w_shm_map(sqlite3_file *pf, int page, int size, int extend, void volatile **out)
{
    FIRST();
    return REAL(pf)->pMethods->xShmMap(REAL(pf), page, size, extend, out);
}

static int w_shm_lock(sqlite3_file *pf, int offset, int n, int flags)
{
    FIRST();
    return REAL(pf)->pMethods->xShmLock(REAL(pf), offset, n, flags);
}

static void w_shm_barrier(sqlite3_file *pf)
{
    /* before the WAL index shows new frames; a failure here shows at the file's next write */
    release();
    release_file((wal_file *)pf);
    REAL(pf)->pMethods->xShmBarrier(REAL(pf));
}

static int w_shm_unmap(sqlite3_file *pf, int del)
{
    FIRST();
    return REAL(pf)->pMethods->xShmUnmap(REAL(pf), del);
}

static int w_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **out)
{
    FIRST();
    return REAL(pf)->pMethods->xFetch(REAL(pf), off, n, out);
}

static int w_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
    FIRST();
    return REAL(pf)->pMethods->xUnfetch(REAL(pf), off, p);
}

static const sqlite3_io_methods methods = {
    3,          w_close,      w_read,         w_write,       w_truncate,  w_sync,        w_file_size,
    w_lock,     w_unlock,     w_check_reserved, w_file_control, w_sector_size, w_device,  w_shm_map,
    w_shm_lock, w_shm_barrier, w_shm_unmap,   w_fetch,       w_unfetch,
};

typedef struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *below;
} wal_vfs;

static wal_vfs vfs_plain, vfs_excl;

static int w_open(sqlite3_vfs *pv, sqlite3_filename name, sqlite3_file *pf, int flags, int *out_flags)
{
    sqlite3_vfs *below = ((wal_vfs *)pv)->below;
    wal_file *f = (wal_file *)pf;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    f->held_at = -1;
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = below->xOpen(below, name, f->real, flags, out_flags);
    /* methods of ours only over a file that opened (and whose methods have all we forward) */
    f->base.pMethods = f->real->pMethods && f->real->pMethods->iVersion >= 3 ? &methods : NULL;
    if (rc == SQLITE_OK && !f->base.pMethods && f->real->pMethods) { /* cannot wrap it: refuse */
        f->real->pMethods->xClose(f->real);
        rc = SQLITE_CANTOPEN;
    }
    return rc;
}

static int w_delete(sqlite3_vfs *pv, const char *name, int sync)
{
    sqlite3_vfs *below = ((wal_vfs *)pv)->below;
    return below->xDelete(below, name, sync);
}

static int w_access(sqlite3_vfs *pv, const char *name, int flags, int *out)
{
    sqlite3_vfs *below = ((wal_vfs *)pv)->below;
    return below->xAccess(below, name, flags, out);
}

static int w_full_pathname(sqlite3_vfs *pv, const char *name, int n, char *out)
{
    sqlite3_vfs *below = ((wal_vfs *)pv)->below;
    return below->xFullPathname(below, name, n, out);
}

static int make(wal_vfs *w, const char *below_name, const char *name)
{
    sqlite3_vfs *below = sqlite3_vfs_find(below_name);
    if (!below || below->iVersion < 2)
        return -1;
    w->below = below;
    w->vfs = *below; /* the rest (time, randomness, libraries, system calls) as the system's */
    w->vfs.szOsFile = (int)sizeof(wal_file) + below->szOsFile;
    w->vfs.zName = name;
    w->vfs.pNext = NULL;
    w->vfs.xOpen = w_open;
    w->vfs.xDelete = w_delete;
    w->vfs.xAccess = w_access;
    w->vfs.xFullPathname = w_full_pathname;
    return sqlite3_vfs_register(&w->vfs, 0) == SQLITE_OK ? 0 : -1;
}

int walvfs_register(void)
{
    int a = make(&vfs_plain, "unix", WALVFS_NAME);
    int b = make(&vfs_excl, "unix-excl", WALVFS_EXCL_NAME);
    return a || b ? -1 : 0;
}
