/* shoal-torrent.h: one torrent of a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-bitfield.h"
#include "shoal-metainfo.h"
#include "shoal-tracker-info.h"
#include "shoal-types.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TORRENT (shoal_torrent_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTorrent, shoal_torrent, SHOAL, TORRENT, GObject)

ShoalSession        *shoal_torrent_get_session          (ShoalTorrent *self);
ShoalMetainfo       *shoal_torrent_get_metainfo         (ShoalTorrent *self);
const char          *shoal_torrent_get_name             (ShoalTorrent *self);
const guint8        *shoal_torrent_get_info_hash        (ShoalTorrent *self);
const char          *shoal_torrent_get_info_hash_hex    (ShoalTorrent *self);
const char          *shoal_torrent_get_save_dir         (ShoalTorrent *self);

ShoalTorrentState    shoal_torrent_get_state            (ShoalTorrent *self);
const GError        *shoal_torrent_get_error            (ShoalTorrent *self);
double               shoal_torrent_get_progress         (ShoalTorrent *self);
double               shoal_torrent_get_check_progress   (ShoalTorrent *self);
guint64              shoal_torrent_get_size_wanted      (ShoalTorrent *self);
guint64              shoal_torrent_get_have_wanted      (ShoalTorrent *self);
guint64              shoal_torrent_get_downloaded       (ShoalTorrent *self);
guint64              shoal_torrent_get_uploaded         (ShoalTorrent *self);
guint64              shoal_torrent_get_download_rate    (ShoalTorrent *self);
guint64              shoal_torrent_get_upload_rate      (ShoalTorrent *self);
gint64               shoal_torrent_get_eta              (ShoalTorrent *self);
double               shoal_torrent_get_ratio            (ShoalTorrent *self);
guint                shoal_torrent_get_n_connected      (ShoalTorrent *self);
guint                shoal_torrent_get_n_seeds          (ShoalTorrent *self);
gint64               shoal_torrent_get_added_time       (ShoalTorrent *self);
gint64               shoal_torrent_get_completed_time   (ShoalTorrent *self);
const ShoalBitfield *shoal_torrent_get_pieces           (ShoalTorrent *self);
guint                shoal_torrent_get_piece_availability (ShoalTorrent *self,
                                                         guint         piece);
gboolean             shoal_torrent_is_piece_downloading (ShoalTorrent *self,
                                                         guint         piece);
GListModel          *shoal_torrent_get_peers            (ShoalTorrent *self);
GListModel          *shoal_torrent_get_trackers         (ShoalTorrent *self);
gboolean             shoal_torrent_add_tracker          (ShoalTorrent *self,
                                                         const char   *url,
                                                         guint         tier,
                                                         GError      **error);
gboolean             shoal_torrent_remove_tracker       (ShoalTorrent *self,
                                                         const char   *url);
gboolean             shoal_torrent_replace_tracker      (ShoalTorrent *self,
                                                         const char   *old_url,
                                                         const char   *new_url,
                                                         GError      **error);

guint                shoal_torrent_get_n_files          (ShoalTorrent *self);
guint64              shoal_torrent_get_file_have        (ShoalTorrent *self,
                                                         guint         file_index);
ShoalFilePriority    shoal_torrent_get_file_priority    (ShoalTorrent *self,
                                                         guint         file_index);
void                 shoal_torrent_set_file_priority    (ShoalTorrent *self,
                                                         guint         file_index,
                                                         ShoalFilePriority priority);
gboolean             shoal_torrent_get_sequential       (ShoalTorrent *self);
void                 shoal_torrent_set_sequential       (ShoalTorrent *self,
                                                         gboolean      sequential);

#define SHOAL_TORRENT_MAX_LABELS     64
#define SHOAL_TORRENT_MAX_LABEL_LEN  256

const char * const  *shoal_torrent_get_labels           (ShoalTorrent *self);
void                 shoal_torrent_set_labels           (ShoalTorrent       *self,
                                                         const char * const *labels);

void                 shoal_torrent_set_download_limit   (ShoalTorrent *self,
                                                         guint64       bytes_per_second);
void                 shoal_torrent_set_upload_limit     (ShoalTorrent *self,
                                                         guint64       bytes_per_second);
guint64              shoal_torrent_get_download_limit   (ShoalTorrent *self);
guint64              shoal_torrent_get_upload_limit     (ShoalTorrent *self);
void                 shoal_torrent_set_max_connections  (ShoalTorrent *self,
                                                         guint         max_connections);
void                 shoal_torrent_set_seed_ratio_limit (ShoalTorrent *self,
                                                         double        ratio);
void                 shoal_torrent_set_seed_time_limit  (ShoalTorrent *self,
                                                         gint64        seconds);
void                 shoal_torrent_reset_seed_limits    (ShoalTorrent *self,
                                                         double        session_ratio,
                                                         gint64        session_seconds);
double               shoal_torrent_get_seed_ratio_limit (ShoalTorrent *self);
gint64               shoal_torrent_get_seed_time_limit  (ShoalTorrent *self);
ShoalSeedLimitMode   shoal_torrent_get_seed_ratio_mode  (ShoalTorrent *self);
ShoalSeedLimitMode   shoal_torrent_get_seed_time_mode   (ShoalTorrent *self);
void                 shoal_torrent_set_seed_idle_limit  (ShoalTorrent *self,
                                                         gint64        seconds);
void                 shoal_torrent_reset_seed_idle_limit (ShoalTorrent *self);
gint64               shoal_torrent_get_seed_idle_limit  (ShoalTorrent *self);
ShoalSeedLimitMode   shoal_torrent_get_seed_idle_mode   (ShoalTorrent *self);
guint                shoal_torrent_get_max_connections  (ShoalTorrent *self);
void                 shoal_torrent_set_first_last_pieces (ShoalTorrent *self,
                                                          gboolean      first_last);
gboolean             shoal_torrent_get_first_last_pieces (ShoalTorrent *self);
void                 shoal_torrent_set_stream_piece     (ShoalTorrent *self,
                                                         gint64        piece);
gboolean             shoal_torrent_set_stream_position  (ShoalTorrent *self,
                                                         guint         file_index,
                                                         guint64       offset);
gint64               shoal_torrent_get_stream_piece     (ShoalTorrent *self);
guint                shoal_torrent_get_queue_position   (ShoalTorrent *self);
char                *shoal_torrent_dup_file_path        (ShoalTorrent *self,
                                                         guint         file_index);
gboolean             shoal_torrent_rename_path          (ShoalTorrent *self,
                                                         const char   *path,
                                                         const char   *new_name,
                                                         GError      **error);

void                 shoal_torrent_start                (ShoalTorrent *self);
void                 shoal_torrent_pause                (ShoalTorrent *self);
void                 shoal_torrent_verify               (ShoalTorrent *self);
gboolean             shoal_torrent_reannounce           (ShoalTorrent *self);
gboolean             shoal_torrent_add_peer             (ShoalTorrent *self,
                                                         const char   *host_and_port,
                                                         GError      **error);
void                 shoal_torrent_set_location_async   (ShoalTorrent       *self,
                                                         const char         *save_dir,
                                                         GCancellable       *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer            user_data);
gboolean             shoal_torrent_set_location_finish  (ShoalTorrent *self,
                                                         GAsyncResult *result,
                                                         GError      **error);

G_END_DECLS
