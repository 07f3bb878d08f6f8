/* shoal-storage-private.h: ShoalStorage internals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the files ShoalStorage is split into (shoal-storage.c for
 * piece I/O, shoal-storage-recheck.c, shoal-storage-files.c for whole-file
 * operations), and by tests and benchmarks for the diagnostics at the end.
 */
#pragma once

#include <sys/types.h>

#include "shoal-part-file.h"
#include "shoal-storage.h"

G_BEGIN_DECLS

#define SHOAL_STORAGE_FD_CACHE_SIZE 16

/* A cached descriptor's companion for direct writes. */
enum
{
  DIRECT_NOT_OPENED,
  DIRECT_OPEN,
  DIRECT_UNSUPPORTED,  /* could not be opened */
  DIRECT_REFUSED,      /* opened, but a write was refused: kept open, unused */
};

typedef struct
{
  int      fd;
  guint    file;
  gboolean writable;
  guint    users;
  guint64  stamp;
  gboolean stale;       /* close once the last user is done */
  gboolean transient;   /* not in the cache: the cache was full */
  dev_t    dev;         /* the file opened, to notice it was replaced */
  ino_t    ino;
  gint64   checked_us;  /* when it was last seen at its path */
  int      direct_fd;   /* the same file opened for direct writes, if direct_state is OPEN */
  guint    direct_state;
} ShoalStorageFd;

struct _ShoalStorage
{
  GObject         parent_instance;

  ShoalMetainfo  *info;
  ShoalDiskPool  *pool;
  guint           n_files;
  guint           n_pieces;
  guint64         piece_length;
  guint64         total_length;
  gboolean        has_v1;
  gboolean        has_v2;           /* pieces are checked against merkle trees */
  gint           *skipped;          /* per file, atomic */
  gboolean        default_part_path;

  /* Writes made past the page cache, atomic (for tests), and a test's
   * stand-in for a file system that refuses O_DIRECT at open (1) or at
   * each write, with EINVAL (2). */
  guint           n_direct_writes;
  guint           refuse_direct_for_testing;

  ShoalPartFile  *part;

  /* Guards the descriptor cache and save_dir, which workers read to build
   * paths. Lock order: the part file's lock, then this one. */
  GMutex          fd_lock;
  char           *save_dir;
  ShoalStorageFd  fds[SHOAL_STORAGE_FD_CACHE_SIZE];
  guint64         fd_clock;
  guint8         *opened;           /* per file: opened by us, so it existed */
  char          **rel_paths;        /* per file: its path below save_dir (renames) */
  gboolean        root_opened;      /* the save directory existed */

  /* Pieces hashed since this object was made (written, rechecked, or read
   * and hashed for their first upload), and pieces found bad on such a
   * read: one bit each, atomic. Pieces trusted from resume data are in
   * neither until their first read. */
  guint          *verified;
  guint          *failed;
  GMutex          verify_lock;
  GCond           verify_cond;
  GHashTable     *verifying;        /* pieces being hashed for upload */

  /* Diagnostics of the last recheck, written before its result is
   * returned, so they are safe to read once the result has arrived. */
  guint           last_recheck_threads;
  guint           last_recheck_hashed;
  guint64         last_recheck_bytes_read;
};

guint          _shoal_storage_get_n_direct_writes (ShoalStorage *self);

static inline guint64
_shoal_storage_piece_start (ShoalStorage *self,
                            guint         piece)
{
  return (guint64) piece * self->piece_length;
}

static inline gboolean
_shoal_storage_file_is_pad (const ShoalMetainfoFile *mf)
{
  return (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0;
}

/* shoal-storage.c */
char     *_shoal_storage_default_part_path    (ShoalMetainfo  *info,
                                               const char     *save_dir);
void      _shoal_storage_close_all_fds        (ShoalStorage   *self);
void      _shoal_storage_close_all_fds_locked (ShoalStorage   *self);
gboolean  _shoal_storage_range_touches_skipped (ShoalStorage  *self,
                                                guint64        start,
                                                guint64        len);
gboolean  _shoal_storage_read_stream          (ShoalStorage   *self,
                                               guint64         offset,
                                               guint8         *buf,
                                               guint64         len,
                                               gboolean        sequential,
                                               GArray         *bad,
                                               GError        **error);
gboolean  _shoal_storage_write_stream         (ShoalStorage   *self,
                                               guint64         offset,
                                               const guint8   *buf,
                                               guint64         len,
                                               GError        **error);
gboolean  _shoal_storage_check_piece_hash     (ShoalStorage   *self,
                                               guint           piece,
                                               const guint8   *data,
                                               gsize           len,
                                               GError        **error);
void      _shoal_storage_set_verified         (ShoalStorage   *self,
                                               guint           piece,
                                               gboolean        verified);
void      _shoal_storage_forget_opened_locked (ShoalStorage   *self);

gboolean  _shoal_storage_after_write          (ShoalStorage   *self,
                                               guint           piece,
                                               guint64         start,
                                               guint64         len,
                                               GError        **error);

/* Diagnostics for tests and benchmarks (shoal-storage-recheck.c): how many
 * distinct worker threads hashed pieces in the last recheck, how many
 * pieces it hashed, and how many bytes of the piece stream it read. */
guint     shoal_storage_get_last_recheck_n_threads  (ShoalStorage *self);
guint     shoal_storage_get_last_recheck_n_hashed   (ShoalStorage *self);
guint64   shoal_storage_get_last_recheck_bytes_read (ShoalStorage *self);

G_END_DECLS
