/* shoal-application.c
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "shoal-background.h"
#include "shoal-laptop-monitor.h"
#include "shoal-statistics-dialog.h"
#include "shoal-torrent-uri.h"
#include "shoal-application.h"
#include "shoal-feeds.h"
#include "shoal-preferences-window.h"
#include "shoal-session-testing.h"
#include "shoal-settings-keys.h"
#include "shoal-window.h"

struct _ShoalApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  ShoalSession   *session;
  char           *startup_error;
  gboolean        closing;
  gboolean        notify_ready;
  guint           port_id;
  ShoalLaptopMonitor *laptop;
  ShoalBackground *background;
  GCancellable   *cancellable;
  gboolean        start_hidden;   /* --background: no window at the first activation */
};

G_DEFINE_FINAL_TYPE (ShoalApplication, shoal_application, ADW_TYPE_APPLICATION)

/**
 * shoal_application_new:
 *
 * Creates the Shoal application object. It registers as %APP_ID on the
 * session bus, so a second `shoal` process forwards its command line
 * (including files and magnet links to open) to the running instance.
 *
 * Returns: (transfer full): a new #ShoalApplication
 */
ShoalApplication *
shoal_application_new (void)
{
  /* The resource base path is fixed rather than derived from the
   * application id, so the .Devel flavour finds the same resources
   * (help overlay, icons) as the stable one. */
  return g_object_new (SHOAL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/shoal/Shoal",
                       NULL);
}

/**
 * shoal_application_get_session:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): the engine session, once the
 *   application has started up
 */
ShoalSession *
shoal_application_get_session (ShoalApplication *self)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);
  return self->session;
}

/**
 * shoal_application_get_settings:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): the application's settings, once it
 *   has started up
 */
GSettings *
shoal_application_get_settings (ShoalApplication *self)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * shoal_application_get_startup_error:
 * @self: the application
 *
 * Returns: (nullable): why the session could not start as configured, for
 *   the window to tell the user
 */
const char *
shoal_application_get_startup_error (ShoalApplication *self)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);
  return self->startup_error;
}

static char *
dup_default_download_dir (void)
{
  const char *env = g_getenv ("SHOAL_DOWNLOAD_DIR");
  const char *xdg;

  if (env != NULL && g_path_is_absolute (env))
    return g_strdup (env);

  xdg = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  if (xdg != NULL)
    return g_strdup (xdg);
  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

/**
 * shoal_application_dup_download_dir:
 * @self: the application
 *
 * The folder new torrents go to: the download-dir setting, or when it is
 * empty `$SHOAL_DOWNLOAD_DIR` (for tests) or the XDG Downloads folder.
 *
 * Returns: (transfer full): an absolute path
 */
char *
shoal_application_dup_download_dir (ShoalApplication *self)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);

  if (self->settings != NULL)
    dir = g_settings_get_string (self->settings, "download-dir");
  if (dir != NULL && dir[0] != '\0' && g_path_is_absolute (dir))
    return g_steal_pointer (&dir);

  return dup_default_download_dir ();
}

/* Running without a window: the Background portal */

static void
background_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ShoalApplication) self = user_data;
  gboolean autostart = GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));
  g_autoptr(GError) error = NULL;

  if (shoal_background_request_finish (SHOAL_BACKGROUND (source), result, &error))
    return;
  /* Shut down meanwhile (the portal's own "cancelled" is a user's no) */
  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  g_debug ("Running in the background not allowed: %s", error->message);
  /* No portal, or the user said no: the switch shows it is off */
  if (autostart && g_settings_get_boolean (self->settings, "autostart"))
    g_settings_set_boolean (self->settings, "autostart", FALSE);
}

static void
request_background (ShoalApplication *self,
                    GtkWindow        *parent)
{
  gboolean autostart = g_settings_get_boolean (self->settings, "autostart");

  /* The portal takes every answer as the autostart state: always say it */
  shoal_background_request_async (self->background, parent, autostart, self->cancellable, background_done_cb,
                                  g_object_ref (self));
}

static void
autostart_changed_cb (ShoalApplication *self)
{
  request_background (self, gtk_application_get_active_window (GTK_APPLICATION (self)));
}

/* The window hidden (closed, with transfers running on) while the
 * application goes on */
static void
window_visible_cb (ShoalApplication *self,
                   GParamSpec       *pspec,
                   GtkWidget        *window)
{
  if (gtk_widget_get_visible (window) || self->closing)
    return;
  request_background (self, NULL);
}

static ShoalWindow *
shoal_application_ensure_window (ShoalApplication *self)
{
  ShoalWindow *window;

  /* The list is sorted by most recent focus, and may hold other kinds of
   * windows (dialogs that set their application), so look for ours. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (SHOAL_IS_WINDOW (l->data))
        return SHOAL_WINDOW (l->data);
    }

  window = shoal_window_new (self);
  g_signal_connect_object (window, "notify::visible", G_CALLBACK (window_visible_cb), self, G_CONNECT_SWAPPED);
  return window;
}

/* Settings → engine: each key is bound to a session property (the
 * session only reads them). */

/* The KiB/s of a speed limit key, as the bytes per second of the session's
 * property; 0 is no limit. */
static gboolean
kib_to_bytes_mapping (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  int kib = g_variant_get_int32 (variant);

  g_value_set_uint64 (value, kib > 0 ? (guint64) kib * 1024 : 0);
  return TRUE;
}

static gboolean
minutes_to_seconds_mapping (GValue   *value,
                            GVariant *variant,
                            gpointer  user_data)
{
  int minutes = g_variant_get_int32 (variant);

  g_value_set_int64 (value, minutes > 0 ? (gint64) minutes * 60 : 0);
  return TRUE;
}

static gboolean
int_to_uint_mapping (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  g_value_set_uint (value, (guint) MAX (g_variant_get_int32 (variant), 1));
  return TRUE;
}

/* 0 is "no limit" for these keys */
static gboolean
int_to_uint0_mapping (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  g_value_set_uint (value, (guint) MAX (g_variant_get_int32 (variant), 0));
  return TRUE;
}

/* An empty (or relative) folder key means none */
static gboolean
optional_dir_mapping (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  const char *dir = g_variant_get_string (variant, NULL);

  g_value_set_string (value, dir[0] != '\0' && g_path_is_absolute (dir) ? dir : NULL);
  return TRUE;
}

/* An empty (or relative) download-dir means the default folder. */
static gboolean
download_dir_mapping (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  const char *dir = g_variant_get_string (variant, NULL);

  if (dir[0] != '\0' && g_path_is_absolute (dir))
    g_value_set_string (value, dir);
  else
    g_value_take_string (value, dup_default_download_dir ());
  return TRUE;
}

/* The speed limits come from the normal keys or the alternative ones. */
static void
bind_speed_limits (ShoalApplication *self)
{
  gboolean alt = g_settings_get_boolean (self->settings, "alt-speed-enabled");

  g_settings_bind_with_mapping (self->settings, alt ? "alt-download-limit" : "download-limit",
                                self->session, "download-limit", G_SETTINGS_BIND_GET,
                                kib_to_bytes_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, alt ? "alt-upload-limit" : "upload-limit",
                                self->session, "upload-limit", G_SETTINGS_BIND_GET,
                                kib_to_bytes_mapping, NULL, NULL, NULL);
}

/* The ratio limit is the seed-ratio-limit key while it is enabled. */
static void
bind_seed_ratio_limit (ShoalApplication *self)
{
  if (g_settings_get_boolean (self->settings, "seed-ratio-limit-enabled"))
    g_settings_bind (self->settings, "seed-ratio-limit", self->session, "seed-ratio-limit", G_SETTINGS_BIND_GET);
  else
    {
      g_settings_unbind (self->session, "seed-ratio-limit");
      g_object_set (self->session, "seed-ratio-limit", 0.0, NULL);
    }
}

static void
settings_switch_changed_cb (ShoalApplication *self,
                            const char       *key,
                            GSettings        *settings)
{
  if (self->session == NULL)
    return;
  if (g_str_equal (key, "alt-speed-enabled"))
    bind_speed_limits (self);
  else
    bind_seed_ratio_limit (self);
}

/* The listening port is set when the session is created, and changed
 * while it runs (see port_changed_cb()). The other keys are read when
 * they are used (start-added, notify-on-complete…). */
/* The uTP setting, applied at once (connections made keep their transport). */
static void
apply_utp_mode (ShoalApplication *self)
{
  shoal_session_set_utp_mode (self->session, (ShoalUtpMode) g_settings_get_enum (self->settings, "utp-mode"));
}

static void
bind_settings (ShoalApplication *self)
{
  static const struct {
    const char *key;
    const char *property;
  } direct[] = {
    { "encryption", "encryption-policy" },  /* the enum's nicks are the key's */
    { "enable-dht", "dht-enabled" },
    { "enable-pex", "pex-enabled" },
    { "enable-lsd", "lsd-enabled" },
    { "enable-port-mapping", "port-mapping-enabled" },
    { "direct-writes", "direct-writes" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (direct); i++)
    g_settings_bind (self->settings, direct[i].key, self->session, direct[i].property, G_SETTINGS_BIND_GET);
  g_settings_bind_with_mapping (self->settings, "download-dir", self->session, "download-dir",
                                G_SETTINGS_BIND_GET, download_dir_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "max-peers-global", self->session, "max-connections",
                                G_SETTINGS_BIND_GET, int_to_uint_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "max-peers-per-torrent", self->session,
                                "max-connections-per-torrent", G_SETTINGS_BIND_GET,
                                int_to_uint_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "seed-time-limit", self->session, "seed-time-limit",
                                G_SETTINGS_BIND_GET, minutes_to_seconds_mapping, NULL, NULL, NULL);
  bind_speed_limits (self);
  bind_seed_ratio_limit (self);
  g_settings_bind_with_mapping (self->settings, "max-active-downloads", self->session, "max-active-downloads",
                                G_SETTINGS_BIND_GET, int_to_uint0_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "max-active-seeds", self->session, "max-active-seeds",
                                G_SETTINGS_BIND_GET, int_to_uint0_mapping, NULL, NULL, NULL);
  /* The engine switches to the alternative limits by itself on their
   * schedule or a metered network: it has them too. */
  g_settings_bind_with_mapping (self->settings, "alt-download-limit", self->session, "alt-download-limit",
                                G_SETTINGS_BIND_GET, kib_to_bytes_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "alt-upload-limit", self->session, "alt-upload-limit",
                                G_SETTINGS_BIND_GET, kib_to_bytes_mapping, NULL, NULL, NULL);
  g_settings_bind (self->settings, "alt-schedule-enabled", self->session, "alt-schedule-enabled",
                   G_SETTINGS_BIND_GET);
  g_settings_bind_with_mapping (self->settings, "alt-days", self->session, "alt-days",
                                G_SETTINGS_BIND_GET, int_to_uint0_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "alt-begin-minute", self->session, "alt-begin-minute",
                                G_SETTINGS_BIND_GET, int_to_uint0_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "alt-end-minute", self->session, "alt-end-minute",
                                G_SETTINGS_BIND_GET, int_to_uint0_mapping, NULL, NULL, NULL);
  g_settings_bind (self->settings, "metered-policy", self->session, "metered-policy", G_SETTINGS_BIND_GET);
  apply_utp_mode (self);
  g_signal_connect_object (self->settings, "changed::utp-mode", G_CALLBACK (apply_utp_mode), self,
                           G_CONNECT_SWAPPED);
  g_settings_bind_with_mapping (self->settings, "incomplete-dir", self->session, "incomplete-dir",
                                G_SETTINGS_BIND_GET, optional_dir_mapping, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "watch-dir", self->session, "watch-dir",
                                G_SETTINGS_BIND_GET, optional_dir_mapping, NULL, NULL, NULL);
  g_settings_bind (self->settings, "watch-remove", self->session, "watch-remove", G_SETTINGS_BIND_GET);
}

static ShoalSession *
create_session (ShoalApplication *self,
                guint16           port)
{
  ShoalSession *session = shoal_session_new (g_getenv ("SHOAL_STATE_DIR"));
  /* Test environments keep the DHT off the public routers and multicast
   * inside their namespaces (see tests/meson.build). */
  ShoalSessionTestHooks hooks = {
    .dht_bootstrap = g_getenv ("SHOAL_DHT_BOOTSTRAP"),
    .lsd_off = g_strcmp0 (g_getenv ("SHOAL_LSD"), "off") == 0,
    .port_mapping_off = g_strcmp0 (g_getenv ("SHOAL_PORT_MAPPING"), "off") == 0,
  };

  _shoal_session_set_test_hooks (session, &hooks);
  shoal_session_set_listen_port (session, port);
  return session;
}

/* Read at start. A failure keeps the transfers off: with the interface
 * or the proxy the user asked for unusable, sending elsewhere is worse
 * than not sending. */
static gboolean
apply_privacy_settings (ShoalApplication  *self,
                        GError           **error)
{
  g_autofree char *blocklist = g_settings_get_string (self->settings, "blocklist");
  g_autofree char *interface = g_settings_get_string (self->settings, "network-interface");
  g_autofree char *proxy = g_settings_get_string (self->settings, "proxy");

  shoal_session_set_hide_client_name (self->session, g_settings_get_boolean (self->settings, "hide-client-name"));
  shoal_session_set_random_peer_id (self->session, g_settings_get_boolean (self->settings, "random-peer-id"));
  shoal_session_set_proxy_peers (self->session, g_settings_get_boolean (self->settings, "proxy-peers"));
  shoal_session_set_proxy_allow_incoming (self->session, g_settings_get_boolean (self->settings, "proxy-allow-incoming"));
  shoal_session_set_blocklist_update_interval (self->session,
                                               (guint) g_settings_get_int (self->settings, "blocklist-update-hours"));
  if (*blocklist != '\0')
    shoal_session_set_blocklist (self->session, blocklist);
  if (*interface != '\0' && !shoal_session_set_interface (self->session, interface, error))
    return FALSE;
  if (*proxy != '\0' && !shoal_session_set_proxy (self->session, proxy, error))
    return FALSE;
  return TRUE;
}

static void
start_session (ShoalApplication *self)
{
  g_autoptr(GError) error = NULL;
  guint16 port = 0;

  if (!g_settings_get_boolean (self->settings, "random-port"))
    port = (guint16) CLAMP (g_settings_get_int (self->settings, "listen-port"), 1, 65535);

  self->session = create_session (self, port);
  bind_settings (self);
  if (!apply_privacy_settings (self, &error))
    {
      self->startup_error = g_strdup_printf (_("Transfers are off: %s"), error->message);
      return;
    }

  if (shoal_session_start (self->session, &error))
    return;

  /* Another program holding the port must not keep the user from their
   * downloads: fall back to a free port and say so. A session that failed
   * to start cannot be started again, so build a fresh one. */
  self->startup_error = g_strdup_printf (_("Could not use the configured listening port: %s"), error->message);
  g_clear_error (&error);
  g_clear_object (&self->session);
  self->session = create_session (self, 0);
  bind_settings (self);
  if (!apply_privacy_settings (self, &error) || !shoal_session_start (self->session, &error))
    {
      g_free (self->startup_error);
      self->startup_error = g_strdup_printf (_("Could not start the transfers: %s"), error->message);
    }
}

/* The listening port, changed in the preferences: the session listens on
 * the new one at once (half a second after the last change, so that
 * stepping through ports with the spin button does not open each).
 * Turning the random port on picks a free one now. */
static gboolean
apply_port_cb (gpointer user_data)
{
  ShoalApplication *self = user_data;
  g_autoptr(GError) error = NULL;
  guint16 port = 0;

  self->port_id = 0;
  if (self->session == NULL || self->closing)
    return G_SOURCE_REMOVE;
  if (!g_settings_get_boolean (self->settings, "random-port"))
    port = (guint16) CLAMP (g_settings_get_int (self->settings, "listen-port"), 1, 65535);
  if (!shoal_session_change_listen_port (self->session, port, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not use the configured listening port: %s"),
                                               error->message);
      GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

      for (GList *l = windows; l != NULL; l = l->next)
        if (SHOAL_IS_WINDOW (l->data))
          shoal_window_add_toast (l->data, text);
      g_message ("%s", text);
    }
  return G_SOURCE_REMOVE;
}

static void
port_changed_cb (ShoalApplication *self)
{
  g_clear_handle_id (&self->port_id, g_source_remove);
  self->port_id = g_timeout_add (500, apply_port_cb, self);
}

/* Completion notifications */

static void
launch_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_message ("Could not open the download: %s", error->message);
}

static void
notification_open_cb (NotifyNotification *notification,
                      char               *action,
                      gpointer            user_data)
{
  const char *uri = user_data;

  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, launch_done_cb, NULL);
}

static void
torrent_completed_cb (ShoalApplication *self,
                      ShoalTorrent     *torrent,
                      ShoalSession     *session)
{
  g_autoptr(GError) error = NULL;
  NotifyNotification *notification;
  char *data_uri;
  char *folder_uri;

  if (!self->notify_ready || !g_settings_get_boolean (self->settings, "notify-on-complete"))
    return;

  notification = notify_notification_new (_("Download Complete"), shoal_torrent_get_name (torrent), APP_ID);
  notify_notification_set_app_name (notification, _("Shoal"));
  notify_notification_set_category (notification, "transfer.complete");

  data_uri = shoal_torrent_dup_data_uri (torrent);
  folder_uri = g_filename_to_uri (shoal_torrent_get_save_dir (torrent), NULL, NULL);
  notify_notification_add_action (notification, "open", _("Open"),
                                  notification_open_cb, data_uri, g_free);
  if (folder_uri != NULL)
    notify_notification_add_action (notification, "open-folder", _("Open Folder"),
                                    notification_open_cb, folder_uri, g_free);

  /* The notification must outlive this call for its actions to work; it
   * drops its own reference once closed. */
  g_signal_connect (notification, "closed", G_CALLBACK (g_object_unref), NULL);
  if (!notify_notification_show (notification, &error))
    {
      g_debug ("Could not show a notification: %s", error->message);
      g_object_unref (notification);
    }
}

/* A torrent stopped on an error (disk full, files missing): said even
 * with the window closed, as a completed download is. */
static void
torrent_error_notice_cb (ShoalTorrent *torrent,
                         const GError *error,
                         gpointer      user_data)
{
  ShoalApplication *self = user_data;
  NotifyNotification *notification;
  g_autoptr(GError) show_error = NULL;
  g_autofree char *body = NULL;

  if (!self->notify_ready || !g_settings_get_boolean (self->settings, "notify-on-error"))
    return;
  /* Translators: a torrent's name and why it stopped */
  body = g_strdup_printf (_("%s: %s"), shoal_torrent_get_name (torrent), error->message);
  notification = notify_notification_new (_("Download Stopped"), body, APP_ID);
  notify_notification_set_app_name (notification, _("Shoal"));
  notify_notification_set_category (notification, "transfer.error");
  notify_notification_set_urgency (notification, NOTIFY_URGENCY_CRITICAL);
  g_signal_connect (notification, "closed", G_CALLBACK (g_object_unref), NULL);
  if (!notify_notification_show (notification, &show_error))
    {
      g_debug ("Could not show a notification: %s", show_error->message);
      g_object_unref (notification);
    }
}

/**
 * shoal_application_get_laptop_monitor:
 * @self: the application
 *
 * For tests: what inhibits suspend and notices errors.
 *
 * Returns: (transfer none) (nullable): the monitor, once started up
 */
ShoalLaptopMonitor *
shoal_application_get_laptop_monitor (ShoalApplication *self)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (self), NULL);
  return self->laptop;
}

/* Actions */

static void
session_closed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ShoalApplication) self = user_data;

  shoal_session_close_finish (SHOAL_SESSION (source), result, NULL);
  g_application_quit (G_APPLICATION (self));
  g_application_release (G_APPLICATION (self));
}

static void
shoal_application_quit_action (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  ShoalApplication *self = user_data;

  if (self->closing)
    return;
  self->closing = TRUE;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (SHOAL_IS_WINDOW (l->data))
        shoal_window_save_state (SHOAL_WINDOW (l->data));
      gtk_widget_set_visible (GTK_WIDGET (l->data), FALSE);
    }

  if (self->session == NULL)
    {
      g_application_quit (G_APPLICATION (self));
      return;
    }

  /* Saving the resume data and telling the trackers we leave takes up to a
   * few seconds; the windows are already gone meanwhile. */
  g_application_hold (G_APPLICATION (self));
  shoal_session_close_async (self->session, NULL, session_closed_cb, g_object_ref (self));
}

static void
shoal_application_preferences_action (GSimpleAction *action,
                                      GVariant      *parameter,
                                      gpointer       user_data)
{
  ShoalApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  ShoalPreferencesWindow *preferences;

  preferences = shoal_preferences_window_new (self);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  if (SHOAL_IS_WINDOW (parent))
    shoal_window_fit_dialog (SHOAL_WINDOW (parent), GTK_WINDOW (preferences));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
shoal_application_about_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  ShoalApplication *self = user_data;
  static const char *developers[] = { N_("The Shoal developers"), NULL };
  const char *translated_developers[G_N_ELEMENTS (developers)];
  GtkWindow *parent;
  GtkWidget *about;

  for (gsize i = 0; i < G_N_ELEMENTS (developers); i++)
    translated_developers[i] = developers[i] != NULL ? _(developers[i]) : NULL;

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-name", _("Shoal"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Shoal developers"),
                        "developers", translated_developers,
                        "copyright", _("© 2026 The Shoal developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: replace with your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);

  gtk_window_present (GTK_WINDOW (about));
}

static void
shoal_application_connect_server_action (GSimpleAction *action,
                                         GVariant      *parameter,
                                         gpointer       user_data)
{
  /* The main window shows the server's torrents. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (user_data)); l != NULL; l = l->next)
    if (SHOAL_IS_WINDOW (l->data))
      {
        gtk_window_present (l->data);
        shoal_window_connect_dialog (l->data, NULL, NULL);
        return;
      }
}

static void
shoal_application_statistics_action (GSimpleAction *action,
                                     GVariant      *parameter,
                                     gpointer       user_data)
{
  ShoalApplication *self = user_data;
  GtkWindow *dialog;

  if (self->session == NULL)
    return;
  dialog = GTK_WINDOW (shoal_statistics_dialog_new (self->session));
  gtk_window_set_transient_for (dialog, gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (dialog);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = shoal_application_quit_action },
  { .name = "preferences", .activate = shoal_application_preferences_action },
  { .name = "about", .activate = shoal_application_about_action },
  { .name = "connect-server", .activate = shoal_application_connect_server_action },
  { .name = "statistics", .activate = shoal_application_statistics_action },
};

/* GApplication */

static void
shoal_application_activate (GApplication *application)
{
  ShoalApplication *self = SHOAL_APPLICATION (application);

  /* Started at login (--background): transfers only, until the user
   * opens Shoal; held, since no window keeps the application alive. */
  if (self->start_hidden)
    {
      self->start_hidden = FALSE;
      g_debug ("Started in the background");
      g_application_hold (application);
      request_background (self, NULL);
      return;
    }
  gtk_window_present (GTK_WINDOW (shoal_application_ensure_window (self)));
}

static void
shoal_application_open (GApplication  *application,
                        GFile        **files,
                        int            n_files,
                        const char    *hint)
{
  ShoalApplication *self = SHOAL_APPLICATION (application);
  ShoalWindow *window = shoal_application_ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));

  for (int i = 0; i < n_files; i++)
    {
      if (shoal_feeds_open (self, files[i]))
        continue;
      if (g_file_has_uri_scheme (files[i], "magnet"))
        {
          g_autofree char *uri = g_file_get_uri (files[i]);

          shoal_window_add_link (window, uri);
        }
      else
        shoal_window_open_file (window, files[i]);
    }
}

/* The directory of the Meson build that holds this program, when it is
 * run from there (BUILD/src/app/shoal), or %NULL. Only to tell the user
 * the command that runs it. */
static char *
find_build_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *app_dir = NULL;
  g_autofree char *src_dir = NULL;
  g_autofree char *app_name = NULL;
  g_autofree char *src_name = NULL;
  g_autofree char *build_dir = NULL;
  g_autofree char *meson_private = NULL;

  if (exe == NULL || !g_path_is_absolute (exe))
    return NULL;

  app_dir = g_path_get_dirname (exe);
  src_dir = g_path_get_dirname (app_dir);
  build_dir = g_path_get_dirname (src_dir);
  app_name = g_path_get_basename (app_dir);
  src_name = g_path_get_basename (src_dir);
  meson_private = g_build_filename (build_dir, "meson-private", NULL);

  if (g_strcmp0 (app_name, "app") != 0 || g_strcmp0 (src_name, "src") != 0 ||
      !g_file_test (meson_private, G_FILE_TEST_IS_DIR))
    return NULL;

  return g_steal_pointer (&build_dir);
}

/* The first key the app reads that @schema lacks or has with another
 * type (an older schema is installed), or %NULL */
static const char *
find_missing_key (GSettingsSchema *schema)
{
  for (gsize i = 0; i < G_N_ELEMENTS (shoal_settings_keys); i++)
    {
      g_autoptr(GSettingsSchemaKey) key = NULL;

      if (!g_settings_schema_has_key (schema, shoal_settings_keys[i].name))
        return shoal_settings_keys[i].name;
      key = g_settings_schema_get_key (schema, shoal_settings_keys[i].name);
      if (!g_variant_type_equal (g_settings_schema_key_get_value_type (key),
                                 G_VARIANT_TYPE (shoal_settings_keys[i].type)))
        return shoal_settings_keys[i].name;
    }

  return NULL;
}

/* Runs in the process that was started, before it registers on the bus
 * or starts up: a missing settings schema, or a key missing from it,
 * would abort startup (GIO treats both as programming errors), so they
 * are reported here in one line instead. An uninstalled build finds its
 * schema only through `meson devenv`, which points GSETTINGS_SCHEMA_DIR
 * into the build directory. */
static int
shoal_application_handle_local_options (GApplication *application,
                                        GVariantDict *options)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *build_dir = NULL;
  g_autofree char *problem = NULL;
  const char *missing_key = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SHOAL_SETTINGS_SCHEMA_ID, TRUE);
  if (schema != NULL)
    missing_key = find_missing_key (schema);
  if (schema != NULL && missing_key == NULL)
    {
      SHOAL_APPLICATION (application)->start_hidden = g_variant_dict_contains (options, "background");
      return G_APPLICATION_CLASS (shoal_application_parent_class)->handle_local_options (application, options);
    }

  if (schema == NULL)
    /* Translators: %s is the settings schema's id */
    problem = g_strdup_printf (_("Shoal’s settings schema “%s” is not installed"), SHOAL_SETTINGS_SCHEMA_ID);
  else
    /* Translators: the first %s is the settings schema's id, the second
     * the name of a setting */
    problem = g_strdup_printf (_("The installed settings schema “%s” is older than this Shoal: it has no "
                                 "setting “%s”"),
                               SHOAL_SETTINGS_SCHEMA_ID, missing_key);

  build_dir = find_build_dir ();
  if (build_dir != NULL)
    {
      g_autofree char *quoted = g_shell_quote (build_dir);

      /* Translators: the first %s says what is wrong, the second is the
       * build directory */
      g_printerr (_("%s; run this uninstalled build with: meson devenv -C %s shoal\n"), problem, quoted);
    }
  else
    {
      /* Translators: %s says what is wrong */
      g_printerr (_("%s; install Shoal again, or run glib-compile-schemas on the glib-2.0/schemas "
                    "directory it was installed into\n"),
                  problem);
    }

  return 1;
}

static void
shoal_application_startup (GApplication *application)
{
  ShoalApplication *self = SHOAL_APPLICATION (application);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "win.add-file", { "<Control>o", NULL } },
    { "win.add-link", { "<Control>u", NULL } },
    { "win.new-torrent", { "<Control>n", NULL } },
    { "win.search", { "<Control>f", NULL } },
    { "win.start", { "<Control>s", NULL } },
    { "win.pause", { "<Control>p", NULL } },
    /* Alt: the list view keeps Control with the arrows for moving its
     * cursor without selecting. */
    { "win.queue-up", { "<Alt>Up", NULL } },
    { "win.queue-down", { "<Alt>Down", NULL } },
    { "win.queue-top", { "<Alt>Home", "<Alt>Page_Up", NULL } },
    { "win.queue-bottom", { "<Alt>End", "<Alt>Page_Down", NULL } },
  };

  G_APPLICATION_CLASS (shoal_application_parent_class)->startup (application);

  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions,
                                   G_N_ELEMENTS (app_actions),
                                   self);

  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);

  self->notify_ready = notify_init (APP_ID);

  self->settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  start_session (self);
  g_signal_connect_object (self->settings, "changed::alt-speed-enabled", G_CALLBACK (settings_switch_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::seed-ratio-limit-enabled",
                           G_CALLBACK (settings_switch_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::listen-port", G_CALLBACK (port_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::random-port", G_CALLBACK (port_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "torrent-completed", G_CALLBACK (torrent_completed_cb), self,
                           G_CONNECT_SWAPPED);
  self->laptop = shoal_laptop_monitor_new (GTK_APPLICATION (self), self->session, torrent_error_notice_cb, self);
  self->cancellable = g_cancellable_new ();
  self->background = shoal_background_new ();
  g_signal_connect_object (self->settings, "changed::autostart", G_CALLBACK (autostart_changed_cb), self,
                           G_CONNECT_SWAPPED);
  shoal_feeds_install (self);
}

static void
shoal_application_shutdown (GApplication *application)
{
  ShoalApplication *self = SHOAL_APPLICATION (application);

  /* Quitting through app.quit closed the session already; anything else
   * (a signal, the session manager) still gets the resume data saved. */
  g_clear_handle_id (&self->port_id, g_source_remove);
  if (self->session != NULL && !self->closing)
    shoal_session_close (self->session);
  g_clear_object (&self->laptop);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->background);

  if (self->notify_ready)
    notify_uninit ();
  self->notify_ready = FALSE;

  G_APPLICATION_CLASS (shoal_application_parent_class)->shutdown (application);
}

static void
shoal_application_finalize (GObject *object)
{
  ShoalApplication *self = SHOAL_APPLICATION (object);

  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->startup_error, g_free);

  G_OBJECT_CLASS (shoal_application_parent_class)->finalize (object);
}

static void
shoal_application_class_init (ShoalApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = shoal_application_finalize;

  app_class->handle_local_options = shoal_application_handle_local_options;
  app_class->startup = shoal_application_startup;
  app_class->shutdown = shoal_application_shutdown;
  app_class->activate = shoal_application_activate;
  app_class->open = shoal_application_open;
}

static void
shoal_application_init (ShoalApplication *self)
{
  /* Translators: how `shoal --help` names the command-line arguments;
   * keep FILE and URI in capitals, as in the summary below */
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[FILE|URI…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Opens each FILE (a .torrent file) and URI (a magnet link) in Shoal."));
  /* What Start at Login runs (see shoal-background.c) */
  g_application_add_main_option (G_APPLICATION (self), "background", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _("Start without a window, with the transfers running"), NULL);
}
