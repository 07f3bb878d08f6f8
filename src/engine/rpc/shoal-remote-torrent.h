/* shoal-remote-torrent.h: one torrent of a remote session, as its RPC shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-types.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_REMOTE_TORRENT (shoal_remote_torrent_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRemoteTorrent, shoal_remote_torrent, SHOAL, REMOTE_TORRENT, GObject)

int                shoal_remote_torrent_get_id            (ShoalRemoteTorrent *self);
const char        *shoal_remote_torrent_get_name          (ShoalRemoteTorrent *self);
const char        *shoal_remote_torrent_get_hash          (ShoalRemoteTorrent *self);
ShoalTorrentState  shoal_remote_torrent_get_state         (ShoalRemoteTorrent *self);
double             shoal_remote_torrent_get_progress      (ShoalRemoteTorrent *self);
guint64            shoal_remote_torrent_get_size          (ShoalRemoteTorrent *self);
guint64            shoal_remote_torrent_get_download_rate (ShoalRemoteTorrent *self);
guint64            shoal_remote_torrent_get_upload_rate   (ShoalRemoteTorrent *self);
gint64             shoal_remote_torrent_get_eta           (ShoalRemoteTorrent *self);
const char        *shoal_remote_torrent_get_error_message (ShoalRemoteTorrent *self);
const char        *shoal_remote_torrent_get_download_dir  (ShoalRemoteTorrent *self);
double             shoal_remote_torrent_get_ratio         (ShoalRemoteTorrent *self);
guint              shoal_remote_torrent_get_n_peers       (ShoalRemoteTorrent *self);
gint64             shoal_remote_torrent_get_added_time    (ShoalRemoteTorrent *self);
guint64            shoal_remote_torrent_get_download_limit (ShoalRemoteTorrent *self);
guint64            shoal_remote_torrent_get_upload_limit  (ShoalRemoteTorrent *self);
const char * const *shoal_remote_torrent_get_labels       (ShoalRemoteTorrent *self);
const char        *shoal_remote_torrent_get_magnet        (ShoalRemoteTorrent *self);
double             shoal_remote_torrent_get_check_progress (ShoalRemoteTorrent *self);
gboolean           shoal_remote_torrent_get_has_metainfo  (ShoalRemoteTorrent *self);

G_END_DECLS
