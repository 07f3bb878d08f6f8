/* shoal-storage.h: a torrent's pieces on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-bitfield.h"
#include "shoal-disk-pool.h"
#include "shoal-metainfo.h"

G_BEGIN_DECLS

#define SHOAL_STORAGE_ERROR (shoal_storage_error_quark ())

/**
 * ShoalStorageError:
 * @SHOAL_STORAGE_ERROR_HASH_MISMATCH: a piece's data does not match its hash
 * @SHOAL_STORAGE_ERROR_DISK_FULL: no space left on the device (or quota)
 * @SHOAL_STORAGE_ERROR_FILE_TOO_LARGE: the file system or a resource limit
 *   does not allow a file this large
 * @SHOAL_STORAGE_ERROR_PERMISSION_DENIED: a file or directory may not be
 *   written, or the file system is read-only
 * @SHOAL_STORAGE_ERROR_FILE_MISSING: a file that should hold data is
 *   missing or shorter than it should be
 * @SHOAL_STORAGE_ERROR_FILE_EXISTS: moving would overwrite a file
 * @SHOAL_STORAGE_ERROR_OUT_OF_RANGE: a piece index, offset or length lies
 *   outside the torrent
 * @SHOAL_STORAGE_ERROR_UNSUPPORTED: the operation is not possible for this
 *   torrent or piece (a piece kept in the part file is not written block by
 *   block)
 * @SHOAL_STORAGE_ERROR_IO: any other input/output error
 * @SHOAL_STORAGE_ERROR_SYMLINK: a symbolic link stands where a file or
 *   directory of the torrent should be, below the save directory; it is
 *   never followed
 * @SHOAL_STORAGE_ERROR_FILES_REMOVED: files (or the whole download
 *   directory) were removed or replaced while the torrent was using them:
 *   the data written there is lost, and the torrent must be checked again
 * @SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES: a hybrid torrent's v1 (SHA-1)
 *   and v2 (merkle) hashes disagree about a piece: data that passes one
 *   fails the other, so it cannot be served to every peer
 */
typedef enum
{
  SHOAL_STORAGE_ERROR_HASH_MISMATCH,
  SHOAL_STORAGE_ERROR_DISK_FULL,
  SHOAL_STORAGE_ERROR_FILE_TOO_LARGE,
  SHOAL_STORAGE_ERROR_PERMISSION_DENIED,
  SHOAL_STORAGE_ERROR_FILE_MISSING,
  SHOAL_STORAGE_ERROR_FILE_EXISTS,
  SHOAL_STORAGE_ERROR_OUT_OF_RANGE,
  SHOAL_STORAGE_ERROR_UNSUPPORTED,
  SHOAL_STORAGE_ERROR_IO,
  SHOAL_STORAGE_ERROR_SYMLINK,
  SHOAL_STORAGE_ERROR_FILES_REMOVED,
  SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES,
} ShoalStorageError;

/**
 * ShoalStorageFileStat:
 * @exists: whether the file was there
 * @size: its size in bytes
 * @mtime_ns: its modification time, in nanoseconds since the epoch
 *
 * A snapshot of one file, saved with the resume data so that a restart can
 * skip the recheck when nothing changed.
 */
typedef struct
{
  gboolean exists;
  guint64  size;
  gint64   mtime_ns;
} ShoalStorageFileStat;

/**
 * ShoalStorageProgressFunc:
 * @done: pieces checked so far
 * @total: pieces to check
 * @user_data: the data passed with the callback
 *
 * Reports how far a recheck is, on the caller's main context.
 */
typedef void (*ShoalStorageProgressFunc) (guint    done,
                                          guint    total,
                                          gpointer user_data);

#define SHOAL_TYPE_STORAGE (shoal_storage_get_type ())
G_DECLARE_FINAL_TYPE (ShoalStorage, shoal_storage, SHOAL, STORAGE, GObject)

GQuark         shoal_storage_error_quark         (void);

ShoalStorage  *shoal_storage_new                 (ShoalMetainfo           *info,
                                                  const char              *save_dir,
                                                  ShoalDiskPool           *pool);

ShoalMetainfo *shoal_storage_get_metainfo        (ShoalStorage            *self);
char          *shoal_storage_dup_save_dir        (ShoalStorage            *self);
char          *shoal_storage_dup_file_path       (ShoalStorage            *self,
                                                  guint                    file_index);

char          *shoal_storage_dup_file_rel_path   (ShoalStorage            *self,
                                                  guint                    file_index);
char         **shoal_storage_dup_rel_paths       (ShoalStorage            *self);
gboolean       shoal_storage_set_rel_paths       (ShoalStorage            *self,
                                                  const char * const      *paths);
gboolean       shoal_storage_rename              (ShoalStorage            *self,
                                                  const char              *path,
                                                  const char              *new_name,
                                                  GError                 **error);
void           shoal_storage_set_part_file_path  (ShoalStorage            *self,
                                                  const char              *path);
void           shoal_storage_set_file_skipped    (ShoalStorage            *self,
                                                  guint                    file_index,
                                                  gboolean                 skipped);
gboolean       shoal_storage_get_file_skipped    (ShoalStorage            *self,
                                                  guint                    file_index);

gpointer       shoal_storage_alloc_buffer        (gsize                    size);
void           shoal_storage_write_piece_async   (ShoalStorage            *self,
                                                  guint                    piece,
                                                  GBytes                  *data,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
gboolean       shoal_storage_write_piece_finish  (ShoalStorage            *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error);

void           shoal_storage_write_block_async   (ShoalStorage            *self,
                                                  guint                    piece,
                                                  guint64                  offset,
                                                  GBytes                  *data,
                                                  const guint8            *leaf,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
gboolean       shoal_storage_write_block_finish  (ShoalStorage            *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error);
gboolean       shoal_storage_piece_uses_part_file (ShoalStorage           *self,
                                                   guint                   piece);
void           shoal_storage_set_piece_written   (ShoalStorage            *self,
                                                  guint                    piece);

void           shoal_storage_read_block_async    (ShoalStorage            *self,
                                                  guint                    piece,
                                                  guint64                  offset,
                                                  guint64                  length,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
GBytes        *shoal_storage_read_block_finish   (ShoalStorage            *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error);

void           shoal_storage_recheck_async       (ShoalStorage            *self,
                                                  GCancellable            *cancellable,
                                                  ShoalStorageProgressFunc progress_callback,
                                                  gpointer                 progress_data,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
void           shoal_storage_recheck_pieces_async (ShoalStorage           *self,
                                                   const ShoalBitfield    *pieces,
                                                   GCancellable           *cancellable,
                                                   ShoalStorageProgressFunc progress_callback,
                                                   gpointer                progress_data,
                                                   GAsyncReadyCallback     callback,
                                                   gpointer                user_data);
ShoalBitfield *shoal_storage_recheck_finish      (ShoalStorage            *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error);

void           shoal_storage_apply_skipped_async (ShoalStorage            *self,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
gboolean       shoal_storage_apply_skipped_finish (ShoalStorage           *self,
                                                   GAsyncResult           *result,
                                                   GError                **error);

gboolean       shoal_storage_check_files         (ShoalStorage            *self,
                                                  GError                 **error);

GArray        *shoal_storage_get_file_stats      (ShoalStorage            *self);
gboolean       shoal_storage_files_unchanged     (ShoalStorage            *self,
                                                  GArray                  *saved);

void           shoal_storage_finish_deletions    (ShoalDiskPool           *pool,
                                                  const char              *journal_dir);
void           shoal_storage_delete_files_async  (ShoalStorage            *self,
                                                  const char              *journal_dir,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
gboolean       shoal_storage_delete_files_finish (ShoalStorage            *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error);

void           shoal_storage_move_async          (ShoalStorage            *self,
                                                  const char              *new_save_dir,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
gboolean       shoal_storage_move_finish         (ShoalStorage            *self,
                                                  GAsyncResult            *result,
                                                  GError                 **error);

G_END_DECLS
