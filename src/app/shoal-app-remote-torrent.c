/* shoal-app-remote-torrent.c: a torrent of a remote session, for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Values come from the RPC client's ShoalRemoteTorrent (refreshed by the
 * session's polling); each operation is one RPC call on the torrent's id,
 * after which the session lists the torrents again. Limits are sent in
 * Transmission's kB/s of 1000 bytes.
 */

#include "config.h"

#include "shoal-app-remote-torrent.h"

struct _ShoalAppRemoteTorrent
{
  GObject             parent_instance;

  GWeakRef            session;
  ShoalRemoteTorrent *torrent;
};

static void shoal_app_remote_torrent_iface_init (ShoalAppTorrentInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalAppRemoteTorrent, shoal_app_remote_torrent, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_APP_TORRENT, shoal_app_remote_torrent_iface_init))

#define T(self) (SHOAL_APP_REMOTE_TORRENT (self)->torrent)

static void
call (ShoalAppTorrent *self,
      const char      *method,
      GVariant        *extra)
{
  g_autoptr(ShoalAppRemoteSession) session = g_weak_ref_get (&SHOAL_APP_REMOTE_TORRENT (self)->session);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) owned = extra != NULL ? g_variant_ref_sink (extra) : NULL;

  if (session == NULL)
    return;
  g_variant_builder_add (&builder, "{sv}", "ids",
                         g_variant_new_parsed ("[%i]", shoal_remote_torrent_get_id (T (self))));
  if (owned != NULL)
    {
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, owned);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          g_variant_builder_add (&builder, "{sv}", key, value);
          g_variant_unref (value);
        }
    }
  shoal_app_remote_session_call (session, method, g_variant_builder_end (&builder));
}

static const char *
get_name (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_name (T (self));
}

static const char *
get_hash (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_hash (T (self));
}

static ShoalTorrentState
get_state (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_state (T (self));
}

static double
get_progress (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_progress (T (self));
}

static double
get_check_progress (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_check_progress (T (self));
}

static gboolean
has_metainfo (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_has_metainfo (T (self));
}

static guint64
get_size_wanted (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_size (T (self));
}

static guint64
get_download_rate (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_download_rate (T (self));
}

static guint64
get_upload_rate (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_upload_rate (T (self));
}

static gint64
get_eta (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_eta (T (self));
}

static double
get_ratio (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_ratio (T (self));
}

static guint
get_n_peers (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_n_peers (T (self));
}

static gint64
get_added_time (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_added_time (T (self));
}

static const char *
get_error_message (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_error_message (T (self));
}

static const char *
get_save_dir (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_download_dir (T (self));
}

static const char * const *
get_labels (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_labels (T (self));
}

static guint64
get_download_limit (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_download_limit (T (self));
}

static guint64
get_upload_limit (ShoalAppTorrent *self)
{
  return shoal_remote_torrent_get_upload_limit (T (self));
}

static char *
dup_magnet (ShoalAppTorrent *self)
{
  return g_strdup (shoal_remote_torrent_get_magnet (T (self)));
}

static void
start (ShoalAppTorrent *self)
{
  call (self, "torrent-start", NULL);
}

static void
stop (ShoalAppTorrent *self)
{
  call (self, "torrent-stop", NULL);
}

static void
verify (ShoalAppTorrent *self)
{
  call (self, "torrent-verify", NULL);
}

static gboolean
reannounce (ShoalAppTorrent *self)
{
  ShoalTorrentState state = shoal_remote_torrent_get_state (T (self));

  if (state == SHOAL_TORRENT_STATE_PAUSED || state == SHOAL_TORRENT_STATE_FINISHED ||
      state == SHOAL_TORRENT_STATE_ERROR)
    return FALSE;
  call (self, "torrent-reannounce", NULL);
  return TRUE;
}

/* Bytes per second to kB/s, rounded up so a small limit is not "none". */
static GVariant *
limit_arguments (const char *limit,
                 const char *limited,
                 guint64     bytes_per_second)
{
  gint64 kbps = (gint64) MIN ((bytes_per_second + 999) / 1000, (guint64) G_MAXINT32);

  return g_variant_new_parsed ("{%s: <%x>, %s: <%b>}", limit, kbps, limited, bytes_per_second > 0);
}

static void
set_download_limit (ShoalAppTorrent *self,
                    guint64          limit)
{
  call (self, "torrent-set", limit_arguments ("downloadLimit", "downloadLimited", limit));
}

static void
set_upload_limit (ShoalAppTorrent *self,
                  guint64          limit)
{
  call (self, "torrent-set", limit_arguments ("uploadLimit", "uploadLimited", limit));
}

static void
set_labels (ShoalAppTorrent    *self,
            const char * const *labels)
{
  const char * const none[] = { NULL };

  call (self, "torrent-set",
        g_variant_new_parsed ("{'labels': <%^as>}", labels != NULL ? labels : none));
}

static void
shoal_app_remote_torrent_iface_init (ShoalAppTorrentInterface *iface)
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
  iface->start = start;
  iface->stop = stop;
  iface->verify = verify;
  iface->reannounce = reannounce;
  iface->set_download_limit = set_download_limit;
  iface->set_upload_limit = set_upload_limit;
  iface->set_labels = set_labels;
}

static void
shoal_app_remote_torrent_finalize (GObject *object)
{
  ShoalAppRemoteTorrent *self = SHOAL_APP_REMOTE_TORRENT (object);

  g_weak_ref_clear (&self->session);
  g_clear_object (&self->torrent);
  G_OBJECT_CLASS (shoal_app_remote_torrent_parent_class)->finalize (object);
}

static void
shoal_app_remote_torrent_class_init (ShoalAppRemoteTorrentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_app_remote_torrent_finalize;
}

static void
shoal_app_remote_torrent_init (ShoalAppRemoteTorrent *self)
{
  g_weak_ref_init (&self->session, NULL);
}

/**
 * shoal_app_remote_torrent_new:
 * @session: the remote session
 * @torrent: one of its torrents, as its RPC client lists it
 *
 * Returns: (transfer full): @torrent as a #ShoalAppTorrent
 */
ShoalAppRemoteTorrent *
shoal_app_remote_torrent_new (ShoalAppRemoteSession *session,
                              ShoalRemoteTorrent    *torrent)
{
  ShoalAppRemoteTorrent *self;

  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (torrent), NULL);

  self = g_object_new (SHOAL_TYPE_APP_REMOTE_TORRENT, NULL);
  g_weak_ref_set (&self->session, session);
  self->torrent = g_object_ref (torrent);
  g_signal_connect_object (torrent, "notify", G_CALLBACK (shoal_app_torrent_changed), self, G_CONNECT_SWAPPED);
  return self;
}

ShoalRemoteTorrent *
shoal_app_remote_torrent_get_remote (ShoalAppRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_REMOTE_TORRENT (self), NULL);
  return self->torrent;
}

int
shoal_app_remote_torrent_get_id (ShoalAppRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_REMOTE_TORRENT (self), 0);
  return shoal_remote_torrent_get_id (self->torrent);
}

/**
 * shoal_app_remote_torrent_dup_session:
 * @self: a remote torrent
 *
 * Returns: (transfer full) (nullable): its session, while there is one
 */
ShoalAppRemoteSession *
shoal_app_remote_torrent_dup_session (ShoalAppRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_APP_REMOTE_TORRENT (self), NULL);
  return g_weak_ref_get (&self->session);
}
