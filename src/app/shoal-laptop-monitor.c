/* shoal-laptop-monitor.c: suspend inhibited while downloading, error
 * notifications
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Watches every torrent of the session: while one of them downloads
 * (or checks its data, or fetches a magnet link's metadata) the
 * application asks the desktop not to suspend, with
 * gtk_application_inhibit(), and withdraws the request once none does.
 * A torrent that stops on an error (disk full, files missing) is handed
 * to the notice function, which shows a notification as a completed
 * download does. "inhibiting" says whether the request is wanted; the
 * cookie is the desktop's answer (0 where nothing can inhibit, as under
 * a bare X server).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-laptop-monitor.h"

struct _ShoalLaptopMonitor
{
  GObject               parent_instance;

  GtkApplication       *application;  /* not owned: it owns us */
  ShoalSession         *session;
  GPtrArray            *torrents;     /* the ones whose signals we hold */
  ShoalErrorNoticeFunc  notice;
  gpointer              notice_data;
  gboolean              inhibiting;
  guint                 cookie;
  guint                 n_error_notices;
};

G_DEFINE_FINAL_TYPE (ShoalLaptopMonitor, shoal_laptop_monitor, G_TYPE_OBJECT)

static gboolean
keeps_awake (ShoalTorrentState state)
{
  return state == SHOAL_TORRENT_STATE_DOWNLOADING || state == SHOAL_TORRENT_STATE_CHECKING ||
         state == SHOAL_TORRENT_STATE_FETCHING_METADATA;
}

static void
update_inhibit (ShoalLaptopMonitor *self)
{
  gboolean wanted = FALSE;

  for (guint i = 0; i < self->torrents->len && !wanted; i++)
    wanted = keeps_awake (shoal_torrent_get_state (self->torrents->pdata[i]));
  if (wanted == self->inhibiting)
    return;

  self->inhibiting = wanted;
  if (wanted)
    {
      self->cookie = gtk_application_inhibit (self->application, gtk_application_get_active_window (self->application),
                                              GTK_APPLICATION_INHIBIT_SUSPEND, _("Downloading"));
      g_debug ("Suspend inhibited (cookie %u)", self->cookie);
    }
  else
    {
      if (self->cookie != 0)
        gtk_application_uninhibit (self->application, self->cookie);
      self->cookie = 0;
      g_debug ("Suspend allowed again");
    }
}

static void
torrent_error_cb (ShoalLaptopMonitor *self,
                  const GError       *error,
                  ShoalTorrent       *torrent)
{
  self->n_error_notices++;
  if (self->notice != NULL)
    self->notice (torrent, error, self->notice_data);
}

static void
watch (ShoalLaptopMonitor *self,
       ShoalTorrent       *torrent)
{
  g_signal_connect_object (torrent, "notify::state", G_CALLBACK (update_inhibit), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (torrent, "error", G_CALLBACK (torrent_error_cb), self, G_CONNECT_SWAPPED);
  g_ptr_array_add (self->torrents, g_object_ref (torrent));
}

static void
unwatch_all (ShoalLaptopMonitor *self)
{
  for (guint i = 0; i < self->torrents->len; i++)
    g_signal_handlers_disconnect_by_data (self->torrents->pdata[i], self);
  g_ptr_array_set_size (self->torrents, 0);
}

/* The list changed: the torrents watched are the list's again (a few
 * thousand at most; this runs on adding and removing only). */
static void
torrents_changed_cb (ShoalLaptopMonitor *self)
{
  GListModel *list = shoal_session_get_torrents (self->session);

  unwatch_all (self);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(ShoalTorrent) torrent = g_list_model_get_item (list, i);

      watch (self, torrent);
    }
  update_inhibit (self);
}

/**
 * shoal_laptop_monitor_new:
 * @application: the application, which inhibits
 * @session: the session whose torrents to watch
 * @notice: (nullable): called when a torrent stops on an error
 * @user_data: for @notice
 *
 * Returns: (transfer full): a new monitor, which watches until finalized
 */
ShoalLaptopMonitor *
shoal_laptop_monitor_new (GtkApplication       *application,
                          ShoalSession         *session,
                          ShoalErrorNoticeFunc  notice,
                          gpointer              user_data)
{
  ShoalLaptopMonitor *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_new (SHOAL_TYPE_LAPTOP_MONITOR, NULL);
  self->application = application;
  self->session = g_object_ref (session);
  self->notice = notice;
  self->notice_data = user_data;
  g_signal_connect_object (shoal_session_get_torrents (session), "items-changed",
                           G_CALLBACK (torrents_changed_cb), self, G_CONNECT_SWAPPED);
  torrents_changed_cb (self);
  return self;
}

/**
 * shoal_laptop_monitor_get_inhibiting:
 * @self: a monitor
 *
 * Returns: whether a torrent downloads, so suspend is inhibited
 */
gboolean
shoal_laptop_monitor_get_inhibiting (ShoalLaptopMonitor *self)
{
  g_return_val_if_fail (SHOAL_IS_LAPTOP_MONITOR (self), FALSE);
  return self->inhibiting;
}

/**
 * shoal_laptop_monitor_get_cookie:
 * @self: a monitor
 *
 * Returns: the cookie of the inhibition, 0 if there is none
 */
guint
shoal_laptop_monitor_get_cookie (ShoalLaptopMonitor *self)
{
  g_return_val_if_fail (SHOAL_IS_LAPTOP_MONITOR (self), 0);
  return self->cookie;
}

/**
 * shoal_laptop_monitor_get_n_error_notices:
 * @self: a monitor
 *
 * Returns: how many torrent errors were noticed
 */
guint
shoal_laptop_monitor_get_n_error_notices (ShoalLaptopMonitor *self)
{
  g_return_val_if_fail (SHOAL_IS_LAPTOP_MONITOR (self), 0);
  return self->n_error_notices;
}

static void
shoal_laptop_monitor_dispose (GObject *object)
{
  ShoalLaptopMonitor *self = SHOAL_LAPTOP_MONITOR (object);

  unwatch_all (self);
  if (self->cookie != 0)
    gtk_application_uninhibit (self->application, self->cookie);
  self->cookie = 0;
  self->inhibiting = FALSE;
  g_clear_object (&self->session);

  G_OBJECT_CLASS (shoal_laptop_monitor_parent_class)->dispose (object);
}

static void
shoal_laptop_monitor_finalize (GObject *object)
{
  ShoalLaptopMonitor *self = SHOAL_LAPTOP_MONITOR (object);

  g_ptr_array_unref (self->torrents);

  G_OBJECT_CLASS (shoal_laptop_monitor_parent_class)->finalize (object);
}

static void
shoal_laptop_monitor_class_init (ShoalLaptopMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_laptop_monitor_dispose;
  object_class->finalize = shoal_laptop_monitor_finalize;
}

static void
shoal_laptop_monitor_init (ShoalLaptopMonitor *self)
{
  self->torrents = g_ptr_array_new_with_free_func (g_object_unref);
}
