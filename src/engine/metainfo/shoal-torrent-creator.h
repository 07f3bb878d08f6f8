/* shoal-torrent-creator.h: make .torrent files from local data (BEP 3, 12,
 * 19, 47, 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-metainfo.h"

G_BEGIN_DECLS

#define SHOAL_TORRENT_CREATOR_ERROR (shoal_torrent_creator_error_quark ())

/**
 * ShoalTorrentCreatorError:
 * @SHOAL_TORRENT_CREATOR_ERROR_NOT_FOUND: the path does not exist or cannot
 *   be read
 * @SHOAL_TORRENT_CREATOR_ERROR_NOT_SHAREABLE: the path is neither a regular
 *   file nor a directory
 * @SHOAL_TORRENT_CREATOR_ERROR_EMPTY: there is no byte to share (no files,
 *   or only empty ones)
 * @SHOAL_TORRENT_CREATOR_ERROR_BAD_FILE_NAME: a file or directory name is not
 *   valid UTF-8, which .torrent files require
 * @SHOAL_TORRENT_CREATOR_ERROR_TOO_MANY_FILES: more files than a .torrent
 *   may list
 * @SHOAL_TORRENT_CREATOR_ERROR_TOO_DEEP: directories nest deeper than a
 *   .torrent path may
 * @SHOAL_TORRENT_CREATOR_ERROR_BAD_PIECE_SIZE: the requested piece size is
 *   not a power of two between 16 KiB and 256 MiB
 * @SHOAL_TORRENT_CREATOR_ERROR_FILE_CHANGED: a file got shorter while it was
 *   being hashed
 * @SHOAL_TORRENT_CREATOR_ERROR_TOO_LARGE: the .torrent would be larger than
 *   Shoal accepts (pick larger pieces)
 */
typedef enum
{
  SHOAL_TORRENT_CREATOR_ERROR_NOT_FOUND,
  SHOAL_TORRENT_CREATOR_ERROR_NOT_SHAREABLE,
  SHOAL_TORRENT_CREATOR_ERROR_EMPTY,
  SHOAL_TORRENT_CREATOR_ERROR_BAD_FILE_NAME,
  SHOAL_TORRENT_CREATOR_ERROR_TOO_MANY_FILES,
  SHOAL_TORRENT_CREATOR_ERROR_TOO_DEEP,
  SHOAL_TORRENT_CREATOR_ERROR_BAD_PIECE_SIZE,
  SHOAL_TORRENT_CREATOR_ERROR_FILE_CHANGED,
  SHOAL_TORRENT_CREATOR_ERROR_TOO_LARGE,
} ShoalTorrentCreatorError;

/* Values for shoal_torrent_creator_set_creation_date() besides a time. */
#define SHOAL_TORRENT_CREATOR_DATE_NOW  ((gint64) -1)
#define SHOAL_TORRENT_CREATOR_DATE_NONE ((gint64) -2)

/* Bounds of the automatic piece size. */
#define SHOAL_TORRENT_CREATOR_MIN_AUTO_PIECE_SIZE (16 * 1024)
#define SHOAL_TORRENT_CREATOR_MAX_AUTO_PIECE_SIZE (16 * 1024 * 1024)

#define SHOAL_TYPE_TORRENT_CREATOR (shoal_torrent_creator_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTorrentCreator, shoal_torrent_creator, SHOAL, TORRENT_CREATOR, GObject)

/**
 * ShoalTorrentCreatorProgress:
 * @creator: the creator
 * @bytes_hashed: bytes of file data hashed so far
 * @total: bytes of file data in all
 * @user_data: the data given to shoal_torrent_creator_create_async()
 *
 * Called on the thread-default main context of the caller of
 * shoal_torrent_creator_create_async(), at most about ten times a second,
 * and once more with the final count before the operation completes.
 */
typedef void (*ShoalTorrentCreatorProgress) (ShoalTorrentCreator *creator,
                                             guint64              bytes_hashed,
                                             guint64              total,
                                             gpointer             user_data);

GQuark               shoal_torrent_creator_error_quark        (void);

ShoalTorrentCreator *shoal_torrent_creator_new                (const char          *path);
const char          *shoal_torrent_creator_get_path           (ShoalTorrentCreator *self);

void                 shoal_torrent_creator_set_trackers       (ShoalTorrentCreator *self,
                                                               GPtrArray           *tiers);
void                 shoal_torrent_creator_set_web_seeds      (ShoalTorrentCreator *self,
                                                               const char * const  *urls);
void                 shoal_torrent_creator_set_piece_size     (ShoalTorrentCreator *self,
                                                               guint64              piece_size);
void                 shoal_torrent_creator_set_private        (ShoalTorrentCreator *self,
                                                               gboolean             is_private);
void                 shoal_torrent_creator_set_comment        (ShoalTorrentCreator *self,
                                                               const char          *comment);
void                 shoal_torrent_creator_set_source         (ShoalTorrentCreator *self,
                                                               const char          *source);
void                 shoal_torrent_creator_set_created_by     (ShoalTorrentCreator *self,
                                                               const char          *created_by);
void                 shoal_torrent_creator_set_creation_date  (ShoalTorrentCreator *self,
                                                               gint64               date);
void                 shoal_torrent_creator_set_version        (ShoalTorrentCreator *self,
                                                               ShoalTorrentVersion  version);

guint64              shoal_torrent_creator_auto_piece_size    (guint64              total_size);

void                 shoal_torrent_creator_create_async       (ShoalTorrentCreator         *self,
                                                               GCancellable                *cancellable,
                                                               ShoalTorrentCreatorProgress  progress,
                                                               GAsyncReadyCallback          callback,
                                                               gpointer                     user_data);
GBytes              *shoal_torrent_creator_create_finish      (ShoalTorrentCreator  *self,
                                                               GAsyncResult         *result,
                                                               ShoalMetainfo       **metainfo,
                                                               GError              **error);

const char * const  *shoal_torrent_creator_get_skipped        (ShoalTorrentCreator *self);

G_END_DECLS
