/* shoal-app-local-torrent.c: a torrent of this computer's session, for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forwards every ShoalAppTorrent call to the engine's ShoalTorrent, and
 * its notifications as "changed".
 */

#include "config.h"

#include "shoal-app-local-torrent.h"
#include "shoal-torrent-uri.h"

struct _ShoalAppLocalTorrent
{
  GObject       parent_instance;

  ShoalTorrent *torrent;
};

static void shoal_app_local_torrent_iface_init (ShoalAppTorrentInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalAppLocalTorrent, shoal_app_local_torrent, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_APP_TORRENT, shoal_app_local_torrent_iface_init))

#define T(self) (SHOAL_APP_LOCAL_TORRENT (self)->torrent)

static const char *
get_name (ShoalAppTorrent *self)
{
  return shoal_torrent_get_name (T (self));
}

static const char *
get_hash (ShoalAppTorrent *self)
{
  return shoal_torrent_get_info_hash_hex (T (self));
}

static ShoalTorrentState
get_state (ShoalAppTorrent *self)
{
  return shoal_torrent_get_state (T (self));
}

static double
get_progress (ShoalAppTorrent *self)
{
  return shoal_torrent_get_progress (T (self));
}

static double
get_check_progress (ShoalAppTorrent *self)
{
  return shoal_torrent_get_check_progress (T (self));
}

static gboolean
has_metainfo (ShoalAppTorrent *self)
{
  return shoal_torrent_get_metainfo (T (self)) != NULL;
}

static guint64
get_size_wanted (ShoalAppTorrent *self)
{
  return shoal_torrent_get_size_wanted (T (self));
}

static guint64
get_download_rate (ShoalAppTorrent *self)
{
  return shoal_torrent_get_download_rate (T (self));
}

static guint64
get_upload_rate (ShoalAppTorrent *self)
{
  return shoal_torrent_get_upload_rate (T (self));
}

static gint64
get_eta (ShoalAppTorrent *self)
{
  return shoal_torrent_get_eta (T (self));
}

static double
get_ratio (ShoalAppTorrent *self)
{
  return shoal_torrent_get_ratio (T (self));
}

static guint
get_n_peers (ShoalAppTorrent *self)
{
  return shoal_torrent_get_n_connected (T (self));
}

static gint64
get_added_time (ShoalAppTorrent *self)
{
  return shoal_torrent_get_added_time (T (self));
}

static const char *
get_error_message (ShoalAppTorrent *self)
{
  const GError *error = shoal_torrent_get_error (T (self));

  return error != NULL ? error->message : NULL;
}

static const char *
get_save_dir (ShoalAppTorrent *self)
{
  return shoal_torrent_get_save_dir (T (self));
}

static const char * const *
get_labels (ShoalAppTorrent *self)
{
  return shoal_torrent_get_labels (T (self));
}

static guint64
get_download_limit (ShoalAppTorrent *self)
{
  return shoal_torrent_get_download_limit (T (self));
}

static guint64
get_upload_limit (ShoalAppTorrent *self)
{
  return shoal_torrent_get_upload_limit (T (self));
}

static char *
dup_magnet (ShoalAppTorrent *self)
{
  return shoal_torrent_dup_magnet (T (self));
}

static ShoalTorrent *
get_local (ShoalAppTorrent *self)
{
  return T (self);
}

static void
start (ShoalAppTorrent *self)
{
  shoal_torrent_start (T (self));
}

static void
stop (ShoalAppTorrent *self)
{
  shoal_torrent_pause (T (self));
}

static void
verify (ShoalAppTorrent *self)
{
  shoal_torrent_verify (T (self));
}

static gboolean
reannounce (ShoalAppTorrent *self)
{
  return shoal_torrent_reannounce (T (self));
}

static void
set_download_limit (ShoalAppTorrent *self,
                    guint64          limit)
{
  shoal_torrent_set_download_limit (T (self), limit);
  shoal_app_torrent_changed (self);
}

static void
set_upload_limit (ShoalAppTorrent *self,
                  guint64          limit)
{
  shoal_torrent_set_upload_limit (T (self), limit);
  shoal_app_torrent_changed (self);
}

static void
set_labels (ShoalAppTorrent    *self,
            const char * const *labels)
{
  shoal_torrent_set_labels (T (self), labels);
}

static void
shoal_app_local_torrent_iface_init (ShoalAppTorrentInterface *iface)
{
  iface->get_name = get_name;
  iface->get_hash = get_hash;
  iface->get_state = get_state;
  iface->get_progress = get_progress;
  iface->get_check_progress = get_check_progress;
  iface->has_metainfo = has_metainfo;
  iface->get_size_wanted = get_size_wanted;
  iface->get_download_rate = get_download_rate;
  iface->get_upload_rate = get_upload_rate;
  iface->get_eta = get_eta;
  iface->get_ratio = get_ratio;
  iface->get_n_peers = get_n_peers;
  iface->get_added_time = get_added_time;
  iface->get_error_message = get_error_message;
  iface->get_save_dir = get_save_dir;
  iface->get_labels = get_labels;
  iface->get_download_limit = get_download_limit;
  iface->get_upload_limit = get_upload_limit;
  iface->dup_magnet = dup_magnet;
  iface->get_local = get_local;
  iface->start = start;
  iface->stop = stop;
  iface->verify = verify;
  iface->reannounce = reannounce;
  iface->set_download_limit = set_download_limit;
  iface->set_upload_limit = set_upload_limit;
  iface->set_labels = set_labels;
}

static void
shoal_app_local_torrent_finalize (GObject *object)
{
  ShoalAppLocalTorrent *self = SHOAL_APP_LOCAL_TORRENT (object);

  g_clear_object (&self->torrent);
  G_OBJECT_CLASS (shoal_app_local_torrent_parent_class)->finalize (object);
}

static void
shoal_app_local_torrent_class_init (ShoalAppLocalTorrentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_app_local_torrent_finalize;
}

static void
shoal_app_local_torrent_init (ShoalAppLocalTorrent *self)
{
}

/**
 * shoal_app_local_torrent_new:
 * @torrent: a torrent of this computer's session
 *
 * Returns: (transfer full): @torrent as a #ShoalAppTorrent
 */
ShoalAppLocalTorrent *
shoal_app_local_torrent_new (ShoalTorrent *torrent)
{
  ShoalAppLocalTorrent *self;

  g_return_val_if_fail (SHOAL_IS_TORRENT (torrent), NULL);

  self = g_object_new (SHOAL_TYPE_APP_LOCAL_TORRENT, NULL);
  self->torrent = g_object_ref (torrent);
  g_signal_connect_object (torrent, "notify", G_CALLBACK (shoal_app_torrent_changed), self, G_CONNECT_SWAPPED);
  return self;
}
