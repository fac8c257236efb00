/* walvfs.c — a SQLite VFS over the system's own ("unix", or "unix-excl" for a file this
 * process owns) that writes the WAL frames of a commit in one system call instead of two
 * per frame, and a checkpoint's pages in one per run of neighbours instead of one each.
 *
 * SQLite appends a frame to the WAL as two writes: its 24-byte header, then the page right
 * after it.  A commit of n pages so made 2n pwrite calls, and on this kind of machine (a
 * virtual one, where every system call pays for the hypervisor) those were an eighth of a
 * write request's time.  Here the frames a WAL file is given one after another, each a
 * 24-byte header and then its page at the offset just after it, are held back (up to
 * RUN_MAX bytes) and go out together in one pwrite.  Anything else this thread asks of any
 * file of this VFS first writes what it holds (a read, a sync, a size, a write elsewhere,
 * the WAL index's barrier that every commit passes before it publishes its frames, ...), so
 * nothing reads the WAL, and no commit returns, with a frame unwritten: what the file holds
 * when SQLite next looks at it, or when the transaction ends, is what it would have held
 * without this layer.  Frames are held per thread, so a thread done with a connection that
 * another thread uses next (the store's shared writer, whose transaction may have spilled
 * pages into the WAL before its commit) writes what it holds first (walvfs_release).
 *
 * A checkpoint copies pages from the WAL into the database, in the order of their page
 * numbers, a read of the WAL and a write of the database for each: the writes of pages
 * that follow one another in the file are held and go out together the same way, a read
 * of the WAL not writing them first.  The checkpoint's next call on the database after
 * its copying (a file control that says it is done, then a size, a sync) writes them, and
 * nothing reads them from the database before it says the WAL's frames are copied back:
 * each page is still in the WAL for every reader that could want it, and one that reads
 * the database alone (read mark 0) waits for the lock the checkpoint holds meanwhile. */
#include "walvfs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RUN_MAX stays under 128 KiB: the unix VFS writes at most 128 KiB - 1 bytes a call (it
 * masks the length with 0x1ffff), and a length that is a multiple of 128 KiB it takes for
 * a disk that is full */
enum { HDR = 24, RUN_MAX = 120 * 1024 };

typedef struct wal_file {
    sqlite3_file base;  /* pMethods: ours */
    sqlite3_file *real; /* the system VFS's file, in the space after this struct */
    int wal;            /* a WAL file */
    int main;           /* a main database file */
    unsigned char *run; /* frames held back, contiguous in the file from run_at (RUN_MAX bytes) */
    size_t run_len;
    sqlite3_int64 run_at;
    int want_page;      /* the run ends with a header: its page is the write it takes next */
} wal_file;

/* The file whose frames this thread holds, if any: one at most. */
static __thread wal_file *holding;

/* Write f's held frames, if it has any. */
static int release_file(wal_file *f)
{
    if (!f->run_len)
        return SQLITE_OK;
    size_t len = f->run_len;
    f->run_len = 0;
    f->want_page = 0;
    if (holding == f)
        holding = NULL;
    return f->real->pMethods->xWrite(f->real, f->run, (int)len, f->run_at);
}

/* Add n bytes at off to f's run, which they continue (or begin); 0 when there is no room
 * for them (the run is then as it was). */
static int run_add(wal_file *f, const void *buf, int n, sqlite3_int64 off)
{
    if (f->run_len + (size_t)n > RUN_MAX || (!f->run && !(f->run = malloc(RUN_MAX))))
        return 0;
    if (!f->run_len)
        f->run_at = off;
    memcpy(f->run + f->run_len, buf, (size_t)n);
    f->run_len += (size_t)n;
    holding = f;
    return 1;
}

/* Before anything else this thread asks: the frames it holds, if any. */
static int release(void) { return holding ? release_file(holding) : SQLITE_OK; }

int walvfs_release(void) { return release(); }

size_t walvfs_held(void) { return holding ? holding->run_len : 0; }

/* A held write that failed where SQLite cannot hear of it: in the WAL index's barrier,
 * which publishes a commit whose frames would then not be in the file, and in the file
 * control that ends a checkpoint's copying, after which SQLite counts the WAL's frames as
 * copied into the database and may start the WAL again over them.  The process stops
 * there, before either is published: the WAL file still holds every frame of every
 * acknowledged commit, and the next start copies them again (the commit whose frames
 * failed was not acknowledged).  PostgreSQL stops for the same reason when a checkpoint's
 * write fails. */
static void must(int rc, const char *where)
{
    if (rc == SQLITE_OK)
        return;
    fprintf(stderr, "evovoiced: a held-back database write failed %s (SQLite error %d); stopping, so that the WAL keeps every "
                    "acknowledged commit for the next start\n",
            where, rc);
    abort();
}

#define REAL(pf) (((wal_file *)(pf))->real)
/* Before a call on file f: this thread's held frames, and f's own (held by a call that
 * ended without writing it, should there ever be one: the next user of the file writes it
 * first, whatever its thread). */
static int before(wal_file *f)
{
    int rc = release();
    return rc == SQLITE_OK ? release_file(f) : rc;
}

#define FIRST()                                                                                                        \
    do {                                                                                                               \
        int rc_ = before((wal_file *)pf);                                                                              \
        if (rc_ != SQLITE_OK)                                                                                          \
            return rc_;                                                                                                \
    } while (0)

static int w_close(sqlite3_file *pf)
{
    int rc = before((wal_file *)pf);
    int rc2 = REAL(pf)->pMethods->xClose(REAL(pf));
    free(((wal_file *)pf)->run);
    ((wal_file *)pf)->run = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int w_read(sqlite3_file *pf, void *buf, int n, sqlite3_int64 off)
{
    wal_file *f = (wal_file *)pf;
    /* a checkpoint reading the next page to copy from the WAL: the pages it copied to the
     * database stay held (see above) */
    int rc = f->wal && holding && holding->main ? release_file(f) : before(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, buf, n, off);
}

static int w_write(sqlite3_file *pf, const void *buf, int n, sqlite3_int64 off)
{
    wal_file *f = (wal_file *)pf;
    /* the run goes on: in the WAL with the page after its header or the next frame's
     * header, in the database with the page after the last one a checkpoint copied */
    int next = holding == f && off == f->run_at + (sqlite3_int64)f->run_len;
    if (next && (f->main || f->want_page || n == HDR) && run_add(f, buf, n, off)) {
        f->want_page = f->wal && !f->want_page;
        return SQLITE_OK;
    }
    FIRST();
    /* a run begins: in the WAL with a frame's header, in the database with any page */
    if ((f->main || (f->wal && n == HDR)) && run_add(f, buf, n, off)) {
        f->want_page = f->wal;
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
    if (op == SQLITE_FCNTL_CKPT_DONE) /* SQLite does not look at what this returns */
        must(before((wal_file *)pf), "at a checkpoint's end");
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
    /* before the WAL index shows new frames (SQLite hears of no failure here) */
    must(before((wal_file *)pf), "at the WAL index's barrier");
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
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->main = (flags & SQLITE_OPEN_MAIN_DB) != 0;
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
