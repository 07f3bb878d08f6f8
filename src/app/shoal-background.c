/* shoal-background.c: running without a window and starting at login,
 * through the Background portal
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A desktop may end an application that runs with no window unless it
 * asked the Background portal (org.freedesktop.portal.Background) first;
 * GNOME also lists such applications as running in the background. The
 * same request turns starting at login on or off: every request carries
 * the autostart wish, since the portal takes each answer as the new
 * state; starting at login runs `shoal --background`, which opens no
 * window. libportal does the D-Bus work (the request handle, the Response
 * signal); this object only makes sure there is a session bus, counts the
 * requests and hands the answer back.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libportal-gtk4/portal-gtk4.h>

#include "shoal-background.h"

struct _ShoalBackground
{
  GObject    parent_instance;

  XdpPortal *portal;
  guint      n_requests;
};

G_DEFINE_FINAL_TYPE (ShoalBackground, shoal_background, G_TYPE_OBJECT)

/**
 * shoal_background_new:
 *
 * Returns: (transfer full): an object that asks the Background portal
 */
ShoalBackground *
shoal_background_new (void)
{
  return g_object_new (SHOAL_TYPE_BACKGROUND, NULL);
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!xdp_portal_request_background_finish (XDP_PORTAL (source), result, &error))
    {
      g_debug ("Background portal: %s", error->message);
      g_task_return_error (task, error);
      return;
    }
  g_debug ("Background portal: allowed");
  g_task_return_boolean (task, TRUE);
}

/**
 * shoal_background_request_async:
 * @self: a #ShoalBackground
 * @parent: (nullable): the window the portal may show its question over
 * @autostart: whether Shoal is to start at login too
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the portal's answer
 * @user_data: for @callback
 *
 * Asks the desktop to let Shoal run without a window, and to start it at
 * login or not. Fails with %G_IO_ERROR_NOT_SUPPORTED when there is no
 * session bus; with the portal's error when there is no portal or the
 * user said no.
 */
void
shoal_background_request_async (ShoalBackground     *self,
                                GtkWindow           *parent,
                                gboolean             autostart,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XdpParent) xdp_parent = NULL;
  g_autofree char *reason = NULL;
  GPtrArray *commandline = NULL;

  g_return_if_fail (SHOAL_IS_BACKGROUND (self));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_background_request_async);
  /* The wish asked, for the caller to read back from the result */
  g_task_set_task_data (task, GINT_TO_POINTER (autostart), NULL);

  /* libportal takes the session bus for granted. */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &error);
  if (bus == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Cannot ask to run in the background: %s"), error->message);
      return;
    }
  if (self->portal == NULL)
    self->portal = xdp_portal_new ();

  /* Only a window on screen can be the parent of the portal's question. */
  if (parent != NULL && gtk_widget_get_realized (GTK_WIDGET (parent)) &&
      gtk_widget_get_visible (GTK_WIDGET (parent)))
    xdp_parent = xdp_parent_new_gtk (parent);

  self->n_requests++;
  /* Translators: shown by the desktop among the applications running in
   * the background */
  reason = g_strdup (_("Shoal keeps downloading and seeding with its window closed"));
  g_debug ("Background portal: asking, autostart %s", autostart ? "on" : "off");
  /* At login: without a window (the desktop file's command would open one) */
  if (autostart)
    {
      commandline = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (commandline, g_strdup ("shoal"));
      g_ptr_array_add (commandline, g_strdup ("--background"));
    }
  /* libportal takes @commandline */
  xdp_portal_request_background (self->portal, xdp_parent, reason, commandline,
                                 autostart ? XDP_BACKGROUND_FLAG_AUTOSTART : XDP_BACKGROUND_FLAG_NONE,
                                 cancellable, request_done_cb, g_steal_pointer (&task));
}

/**
 * shoal_background_request_finish:
 * @self: a #ShoalBackground
 * @result: the result passed to the callback
 * @error: where to put the reason it failed
 *
 * Returns: whether the desktop allowed it
 */
gboolean
shoal_background_request_finish (ShoalBackground  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * shoal_background_get_n_requests:
 * @self: a #ShoalBackground
 *
 * Returns: how many requests were sent to the portal so far
 */
guint
shoal_background_get_n_requests (ShoalBackground *self)
{
  g_return_val_if_fail (SHOAL_IS_BACKGROUND (self), 0);
  return self->n_requests;
}

static void
shoal_background_dispose (GObject *object)
{
  ShoalBackground *self = SHOAL_BACKGROUND (object);

  g_clear_object (&self->portal);
  G_OBJECT_CLASS (shoal_background_parent_class)->dispose (object);
}

static void
shoal_background_class_init (ShoalBackgroundClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_background_dispose;
}

static void
shoal_background_init (ShoalBackground *self)
{
}
