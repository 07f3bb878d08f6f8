/* shoal-app-torrent.c: a torrent as the window shows and drives it
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window, its list and its actions talk to this interface, not to
 * the engine: ShoalAppLocalTorrent forwards to a ShoalTorrent of this
 * computer's session, ShoalAppRemoteTorrent to a torrent of a remote
 * session through the Transmission RPC. The one signal, "changed", says
 * that values may have changed (the list reads them again, once per main
 * loop iteration).
 */

#include "config.h"

#include "shoal-app-torrent.h"

G_DEFINE_INTERFACE (ShoalAppTorrent, shoal_app_torrent, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
shoal_app_torrent_default_init (ShoalAppTorrentInterface *iface)
{
  /**
   * ShoalAppTorrent::changed:
   * @self: a torrent
   *
   * Emitted when any of the torrent's values may have changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

/**
 * shoal_app_torrent_changed:
 * @self: a torrent
 *
 * For implementations: emits #ShoalAppTorrent::changed.
 */
void
shoal_app_torrent_changed (ShoalAppTorrent *self)
{
  g_return_if_fail (SHOAL_IS_APP_TORRENT (self));
  g_signal_emit (self, signals[CHANGED], 0);
}


const char *
shoal_app_torrent_get_name (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), NULL);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_name != NULL ? iface->get_name (self) : NULL;
}

const char *
shoal_app_torrent_get_hash (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), NULL);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_hash != NULL ? iface->get_hash (self) : NULL;
}

ShoalTorrentState
shoal_app_torrent_get_state (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), SHOAL_TORRENT_STATE_PAUSED);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_state != NULL ? iface->get_state (self) : SHOAL_TORRENT_STATE_PAUSED;
}

double
shoal_app_torrent_get_progress (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0.0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_progress != NULL ? iface->get_progress (self) : 0.0;
}

double
shoal_app_torrent_get_check_progress (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0.0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_check_progress != NULL ? iface->get_check_progress (self) : 0.0;
}

gboolean
shoal_app_torrent_has_metainfo (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), FALSE);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->has_metainfo != NULL ? iface->has_metainfo (self) : FALSE;
}

guint64
shoal_app_torrent_get_size_wanted (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_size_wanted != NULL ? iface->get_size_wanted (self) : 0;
}

guint64
shoal_app_torrent_get_download_rate (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_download_rate != NULL ? iface->get_download_rate (self) : 0;
}

guint64
shoal_app_torrent_get_upload_rate (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_upload_rate != NULL ? iface->get_upload_rate (self) : 0;
}

/* Seconds left, -1 when unknown. */
gint64
shoal_app_torrent_get_eta (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), -1);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_eta != NULL ? iface->get_eta (self) : -1;
}

double
shoal_app_torrent_get_ratio (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0.0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_ratio != NULL ? iface->get_ratio (self) : 0.0;
}

guint
shoal_app_torrent_get_n_peers (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_n_peers != NULL ? iface->get_n_peers (self) : 0;
}

gint64
shoal_app_torrent_get_added_time (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_added_time != NULL ? iface->get_added_time (self) : 0;
}

const char *
shoal_app_torrent_get_error_message (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), NULL);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_error_message != NULL ? iface->get_error_message (self) : NULL;
}

const char *
shoal_app_torrent_get_save_dir (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), NULL);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_save_dir != NULL ? iface->get_save_dir (self) : NULL;
}

/* Returns: (transfer none) (nullable): the labels */
const char * const *
shoal_app_torrent_get_labels (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), NULL);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_labels != NULL ? iface->get_labels (self) : NULL;
}

guint64
shoal_app_torrent_get_download_limit (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_download_limit != NULL ? iface->get_download_limit (self) : 0;
}

guint64
shoal_app_torrent_get_upload_limit (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), 0);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_upload_limit != NULL ? iface->get_upload_limit (self) : 0;
}

/* Returns: (transfer full) (nullable): a magnet link to the torrent */
char *
shoal_app_torrent_dup_magnet (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), NULL);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->dup_magnet != NULL ? iface->dup_magnet (self) : NULL;
}

/* Returns: (transfer none) (nullable): the torrent of this computer's
 * session, %NULL for a remote one */
ShoalTorrent *
shoal_app_torrent_get_local (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), NULL);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->get_local != NULL ? iface->get_local (self) : NULL;
}

/* Returns: whether the trackers are asked (%FALSE: the torrent is not running) */
gboolean
shoal_app_torrent_reannounce (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (self), FALSE);

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  return iface->reannounce != NULL ? iface->reannounce (self) : FALSE;
}

void
shoal_app_torrent_start (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_if_fail (SHOAL_IS_APP_TORRENT (self));

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  if (iface->start != NULL)
    iface->start (self);
}

void
shoal_app_torrent_stop (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_if_fail (SHOAL_IS_APP_TORRENT (self));

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  if (iface->stop != NULL)
    iface->stop (self);
}

void
shoal_app_torrent_verify (ShoalAppTorrent *self)
{
  ShoalAppTorrentInterface *iface;

  g_return_if_fail (SHOAL_IS_APP_TORRENT (self));

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  if (iface->verify != NULL)
    iface->verify (self);
}

void
shoal_app_torrent_set_download_limit (ShoalAppTorrent *self,
                                      guint64          limit)
{
  ShoalAppTorrentInterface *iface;

  g_return_if_fail (SHOAL_IS_APP_TORRENT (self));

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  if (iface->set_download_limit != NULL)
    iface->set_download_limit (self, limit);
}

void
shoal_app_torrent_set_upload_limit (ShoalAppTorrent *self,
                                    guint64          limit)
{
  ShoalAppTorrentInterface *iface;

  g_return_if_fail (SHOAL_IS_APP_TORRENT (self));

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  if (iface->set_upload_limit != NULL)
    iface->set_upload_limit (self, limit);
}

void
shoal_app_torrent_set_labels (ShoalAppTorrent *self,
                              const char * const *labels)
{
  ShoalAppTorrentInterface *iface;

  g_return_if_fail (SHOAL_IS_APP_TORRENT (self));

  iface = SHOAL_APP_TORRENT_GET_IFACE (self);
  if (iface->set_labels != NULL)
    iface->set_labels (self, labels);
}
