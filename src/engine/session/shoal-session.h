/* shoal-session.h: the engine: torrents, listening socket, shared limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-magnet.h"
#include "shoal-metainfo.h"
#include "shoal-torrent.h"
#include "shoal-types.h"

G_BEGIN_DECLS

#define SHOAL_SESSION_ERROR (shoal_session_error_quark ())

typedef enum
{
  SHOAL_SESSION_ERROR_DUPLICATE,      /* the torrent is already in the session */
  SHOAL_SESSION_ERROR_LISTEN,         /* could not listen on the port */
  SHOAL_SESSION_ERROR_BAD_PEER,       /* a peer address that cannot be used */
  SHOAL_SESSION_ERROR_UNSUPPORTED,    /* something this version cannot do */
  SHOAL_SESSION_ERROR_STATE,          /* the saved session state cannot be used */
} ShoalSessionError;

#define SHOAL_TYPE_SESSION (shoal_session_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSession, shoal_session, SHOAL, SESSION, GObject)

GQuark        shoal_session_error_quark        (void);

ShoalSession *shoal_session_new                (const char     *state_dir);
gboolean      shoal_session_start              (ShoalSession   *self,
                                                GError        **error);
void          shoal_session_save               (ShoalSession   *self);
void          shoal_session_close              (ShoalSession   *self);
void          shoal_session_close_async        (ShoalSession        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      shoal_session_close_finish       (ShoalSession   *self,
                                                GAsyncResult   *result,
                                                GError        **error);

const char   *shoal_session_get_state_dir      (ShoalSession   *self);
void          shoal_session_set_restore_saved_torrents (ShoalSession *self,
                                                        gboolean      restore);
const guint8 *shoal_session_get_peer_id        (ShoalSession   *self);
guint16       shoal_session_get_listen_port    (ShoalSession   *self);
void          shoal_session_set_listen_port    (ShoalSession   *self,
                                                guint16         port);
void          shoal_session_set_listen_address (ShoalSession   *self,
                                                const char     *address);
gboolean      shoal_session_change_listen_port (ShoalSession   *self,
                                                guint16         port,
                                                GError        **error);
void          shoal_session_set_encryption_policy (ShoalSession          *self,
                                                  ShoalEncryptionPolicy  policy);
ShoalEncryptionPolicy shoal_session_get_encryption_policy (ShoalSession *self);
void          shoal_session_set_utp_mode (ShoalSession *self,
                                          ShoalUtpMode  mode);
ShoalUtpMode  shoal_session_get_utp_mode (ShoalSession *self);
void          shoal_session_set_dht_enabled    (ShoalSession   *self,
                                                gboolean        enabled);
gboolean      shoal_session_get_dht_enabled    (ShoalSession   *self);
void          shoal_session_set_pex_enabled    (ShoalSession   *self,
                                                gboolean        enabled);
gboolean      shoal_session_get_pex_enabled    (ShoalSession   *self);
void          shoal_session_set_lsd_enabled    (ShoalSession   *self,
                                                gboolean        enabled);
gboolean      shoal_session_get_lsd_enabled    (ShoalSession   *self);
void          shoal_session_set_lsd_interface  (ShoalSession   *self,
                                                const char     *name);
void          shoal_session_add_dht_bootstrap_node (ShoalSession *self,
                                                    const char   *host_and_port);
const char   *shoal_session_get_download_dir   (ShoalSession   *self);
void          shoal_session_set_download_dir   (ShoalSession   *self,
                                                const char     *dir);
void          shoal_session_set_download_limit (ShoalSession   *self,
                                                guint64         bytes_per_second);
void          shoal_session_set_upload_limit   (ShoalSession   *self,
                                                guint64         bytes_per_second);
guint64       shoal_session_get_download_limit (ShoalSession   *self);
guint64       shoal_session_get_upload_limit   (ShoalSession   *self);
void          shoal_session_set_max_connections (ShoalSession  *self,
                                                 guint          global,
                                                 guint          per_torrent);
void          shoal_session_set_seed_limits    (ShoalSession   *self,
                                                double          ratio,
                                                gint64          seconds);
void          shoal_session_set_queue_limits   (ShoalSession   *self,
                                                guint           max_downloads,
                                                guint           max_seeds);
void          shoal_session_queue_move         (ShoalSession   *self,
                                                ShoalTorrent   *torrent,
                                                ShoalQueueMove  move);
double        shoal_session_get_total_ratio    (ShoalSession   *self);
guint64       shoal_session_get_download_rate  (ShoalSession   *self);
guint64       shoal_session_get_upload_rate    (ShoalSession   *self);
void          shoal_session_set_blocklist      (ShoalSession   *self,
                                                const char     *source);
const char   *shoal_session_get_blocklist      (ShoalSession   *self);
guint         shoal_session_get_blocklist_n_ranges (ShoalSession *self);
void          shoal_session_set_blocklist_update_interval (ShoalSession *self,
                                                           guint         hours);
const char   *shoal_session_get_blocklist_error (ShoalSession  *self);
guint         shoal_session_get_blocklist_n_malformed (ShoalSession *self);
void          shoal_session_update_blocklist_async  (ShoalSession        *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gint64        shoal_session_update_blocklist_finish (ShoalSession        *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
guint64       shoal_session_get_n_blocked_peers (ShoalSession  *self);
void          shoal_session_set_hide_client_name (ShoalSession *self,
                                                  gboolean      hide);
gboolean      shoal_session_get_hide_client_name (ShoalSession *self);
void          shoal_session_set_random_peer_id (ShoalSession   *self,
                                                gboolean        random);
gboolean      shoal_session_get_random_peer_id (ShoalSession   *self);
gboolean      shoal_session_set_interface      (ShoalSession   *self,
                                                const char     *name_or_address,
                                                GError        **error);
const char   *shoal_session_get_interface      (ShoalSession   *self);
gboolean      shoal_session_get_interface_up   (ShoalSession   *self);
char        **shoal_session_list_network_interfaces (void);
gboolean      shoal_session_set_proxy          (ShoalSession   *self,
                                                const char     *uri,
                                                GError        **error);
void          shoal_session_set_proxy_allow_incoming (ShoalSession *self,
                                                      gboolean      allow);
const char   *shoal_session_get_proxy          (ShoalSession   *self);
void          shoal_session_set_proxy_peers    (ShoalSession   *self,
                                                gboolean        through_proxy);
gboolean      shoal_session_get_proxy_peers    (ShoalSession   *self);
const char   *shoal_session_get_proxy_note     (ShoalSession   *self);

void          shoal_session_set_port_mapping_enabled (ShoalSession *self,
                                                      gboolean      enabled);
gboolean      shoal_session_get_port_mapping_enabled (ShoalSession *self);
ShoalPortMappingState shoal_session_get_port_mapping_state (ShoalSession *self);
const char   *shoal_session_get_port_mapping_reason (ShoalSession  *self);
const char   *shoal_session_get_external_address (ShoalSession   *self);
guint16       shoal_session_get_external_port  (ShoalSession   *self);
gboolean      shoal_session_get_incoming_reachable (ShoalSession *self);

GListModel   *shoal_session_get_torrents       (ShoalSession   *self);
ShoalTorrent *shoal_session_find_torrent       (ShoalSession   *self,
                                                const guint8   *info_hash);
ShoalTorrent *shoal_session_add_torrent        (ShoalSession   *self,
                                                ShoalMetainfo  *info,
                                                const char     *save_dir,
                                                ShoalAddFlags   flags,
                                                GError        **error);
ShoalTorrent *shoal_session_add_magnet         (ShoalSession   *self,
                                                ShoalMagnet    *magnet,
                                                const char     *save_dir,
                                                ShoalAddFlags   flags,
                                                GError        **error);
ShoalTorrent *shoal_session_add_torrent_file   (ShoalSession   *self,
                                                GFile          *file,
                                                const char     *save_dir,
                                                ShoalAddFlags   flags,
                                                GError        **error);
void          shoal_session_remove_torrent     (ShoalSession   *self,
                                                ShoalTorrent   *torrent,
                                                gboolean        delete_data);
void          shoal_session_remove_torrent_async (ShoalSession        *self,
                                                  ShoalTorrent        *torrent,
                                                  gboolean             delete_data,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean      shoal_session_remove_torrent_finish (ShoalSession   *self,
                                                   GAsyncResult   *result,
                                                   GError        **error);

G_END_DECLS
