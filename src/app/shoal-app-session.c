/* shoal-app-session.c: the torrents the window shows
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window shows one session at a time: this computer's
 * (ShoalAppLocalSession, on the engine's ShoalSession) or a server's
 * (ShoalAppRemoteSession, on the Transmission RPC), and switches between
 * them without knowing which it has. What only this computer's session
 * can do (choose the files before adding, open the data, the queue, the
 * transfer graph…) the window asks shoal_app_session_get_local() for.
 *
 * Properties: "title" (for the window's title), "url" (%NULL for this
 * computer), "connection-error" (why a remote session is not up to date,
 * or %NULL).
 */

#include "config.h"

#include "shoal-app-session.h"

G_DEFINE_INTERFACE (ShoalAppSession, shoal_app_session, G_TYPE_OBJECT)

enum {
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
shoal_app_session_default_init (ShoalAppSessionInterface *iface)
{
  g_object_interface_install_property (iface,
                                       g_param_spec_string ("connection-error", NULL, NULL, NULL,
                                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * ShoalAppSession::failed:
   * @self: a session
   * @message: what went wrong, for a person
   *
   * Emitted when an operation failed.
   */
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

/**
 * shoal_app_session_failed:
 * @self: a session
 * @message: what went wrong
 *
 * For implementations: emits #ShoalAppSession::failed.
 */
void
shoal_app_session_failed (ShoalAppSession *self,
                          const char      *message)
{
  g_return_if_fail (SHOAL_IS_APP_SESSION (self));
  g_signal_emit (self, signals[FAILED], 0, message);
}

/**
 * shoal_app_session_get_torrents:
 * @self: a session
 *
 * Returns: (transfer none): a #GListModel of #ShoalAppTorrent
 */
GListModel *
shoal_app_session_get_torrents (ShoalAppSession *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_SESSION (self), NULL);
  return SHOAL_APP_SESSION_GET_IFACE (self)->get_torrents (self);
}

const char *
shoal_app_session_get_title (ShoalAppSession *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_SESSION (self), NULL);
  return SHOAL_APP_SESSION_GET_IFACE (self)->get_title (self);
}

/* Returns: (nullable): the server's address, %NULL for this computer */
const char *
shoal_app_session_get_url (ShoalAppSession *self)
{
  ShoalAppSessionInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_SESSION (self), NULL);
  iface = SHOAL_APP_SESSION_GET_IFACE (self);
  return iface->get_url != NULL ? iface->get_url (self) : NULL;
}

guint64
shoal_app_session_get_download_rate (ShoalAppSession *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_SESSION (self), 0);
  return SHOAL_APP_SESSION_GET_IFACE (self)->get_download_rate (self);
}

guint64
shoal_app_session_get_upload_rate (ShoalAppSession *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_SESSION (self), 0);
  return SHOAL_APP_SESSION_GET_IFACE (self)->get_upload_rate (self);
}

/* Returns: (transfer none) (nullable): the engine's session when this is
 * this computer's, %NULL for a remote one */
ShoalSession *
shoal_app_session_get_local (ShoalAppSession *self)
{
  ShoalAppSessionInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_SESSION (self), NULL);
  iface = SHOAL_APP_SESSION_GET_IFACE (self);
  return iface->get_local != NULL ? iface->get_local (self) : NULL;
}

/**
 * shoal_app_session_add_link:
 * @self: a session
 * @uri: a magnet link, or the http(s) address of a .torrent file
 *
 * Adds a torrent, started, into the session's download folder.
 */
void
shoal_app_session_add_link (ShoalAppSession *self,
                            const char      *uri)
{
  g_return_if_fail (SHOAL_IS_APP_SESSION (self));
  g_return_if_fail (uri != NULL);
  SHOAL_APP_SESSION_GET_IFACE (self)->add_link (self, uri);
}

/**
 * shoal_app_session_add_metainfo:
 * @self: a session
 * @metainfo: the contents of a .torrent file
 *
 * Adds a torrent, started, into the session's download folder.
 */
void
shoal_app_session_add_metainfo (ShoalAppSession *self,
                                GBytes          *metainfo)
{
  g_return_if_fail (SHOAL_IS_APP_SESSION (self));
  g_return_if_fail (metainfo != NULL);
  SHOAL_APP_SESSION_GET_IFACE (self)->add_metainfo (self, metainfo);
}

void
shoal_app_session_remove (ShoalAppSession *self,
                          ShoalAppTorrent *torrent,
                          gboolean         delete_data)
{
  g_return_if_fail (SHOAL_IS_APP_SESSION (self));
  g_return_if_fail (SHOAL_IS_APP_TORRENT (torrent));
  SHOAL_APP_SESSION_GET_IFACE (self)->remove (self, torrent, delete_data);
}

/**
 * shoal_app_session_set_location:
 * @self: a session
 * @torrent: one of its torrents
 * @dir: the folder to move the data to, on the session's computer
 *
 * Moves a torrent's data.
 */
void
shoal_app_session_set_location (ShoalAppSession *self,
                                ShoalAppTorrent *torrent,
                                const char      *dir)
{
  g_return_if_fail (SHOAL_IS_APP_SESSION (self));
  g_return_if_fail (SHOAL_IS_APP_TORRENT (torrent));
  g_return_if_fail (dir != NULL);
  SHOAL_APP_SESSION_GET_IFACE (self)->set_location (self, torrent, dir);
}
