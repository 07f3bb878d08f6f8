/* shoal-window-remote.c: what the window does only while it shows a server
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server's own settings (win.server-settings, in the Session menu
 * while a server is shown), the polling of the server, which stops while
 * the window is not on screen (hidden, minimized, or gone with the app
 * running in the background), and win.server-note: a disabled action that exists
 * only while a server is shown, whose menu items say why the actions
 * beside them are greyed out ("not available for a server").
 */

#include "config.h"

#include "shoal-server-settings-dialog.h"
#include "shoal-window-private.h"

static ShoalAppRemoteSession *
remote_session (ShoalWindow *self)
{
  ShoalAppSession *session = shoal_window_get_app_session (self);

  return SHOAL_IS_APP_REMOTE_SESSION (session) ? SHOAL_APP_REMOTE_SESSION (session) : NULL;
}

/* Shown, and not minimized where the windowing system says so */
static gboolean
on_screen (ShoalWindow *self)
{
  GdkSurface *surface;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return FALSE;
  surface = gtk_native_get_surface (GTK_NATIVE (self));
  return surface == NULL || !GDK_IS_TOPLEVEL (surface) ||
         (gdk_toplevel_get_state (GDK_TOPLEVEL (surface)) & GDK_TOPLEVEL_STATE_MINIMIZED) == 0;
}

static void
update_polling (ShoalWindow *self)
{
  ShoalAppRemoteSession *session = remote_session (self);

  /* Nobody sees the torrents of a window not on screen. */
  if (session != NULL)
    shoal_app_remote_session_set_polling (session, on_screen (self));
}

static void
realized_cb (ShoalWindow *self)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));

  if (surface != NULL)
    g_signal_connect_object (surface, "notify::state", G_CALLBACK (update_polling), self, G_CONNECT_SWAPPED);
}

static void
server_settings_action (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  ShoalWindow *self = user_data;
  ShoalAppRemoteSession *session = remote_session (self);

  if (session != NULL)
    gtk_window_present (GTK_WINDOW (shoal_server_settings_dialog_new (GTK_WINDOW (self), session)));
}

/**
 * shoal_window_remote_session_changed:
 * @self: a window
 *
 * Called when the window switched to another session.
 */
void
shoal_window_remote_session_changed (ShoalWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "server-settings");

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), remote_session (self) != NULL);
  if (remote_session (self) == NULL)
    g_action_map_remove_action (G_ACTION_MAP (self), "server-note");
  else if (g_action_map_lookup_action (G_ACTION_MAP (self), "server-note") == NULL)
    {
      g_autoptr(GSimpleAction) note = g_simple_action_new ("server-note", NULL);

      g_simple_action_set_enabled (note, FALSE);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (note));
    }
  update_polling (self);
}

void
shoal_window_init_remote (ShoalWindow *self)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("server-settings", NULL);

  g_signal_connect_object (action, "activate", G_CALLBACK (server_settings_action), self, 0);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
  g_signal_connect (self, "map", G_CALLBACK (update_polling), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (update_polling), NULL);
  g_signal_connect (self, "realize", G_CALLBACK (realized_cb), NULL);
  if (gtk_widget_get_realized (GTK_WIDGET (self)))
    realized_cb (self);
  shoal_window_remote_session_changed (self);
}
