/* shoal-window.c
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-window.h"

struct _ShoalWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (ShoalWindow, shoal_window, ADW_TYPE_APPLICATION_WINDOW)

/**
 * shoal_window_new:
 * @application: the #ShoalApplication the window belongs to
 *
 * Creates a main window for @application, sized as the user last left it.
 *
 * Returns: (transfer full): a new #ShoalWindow
 */
ShoalWindow *
shoal_window_new (ShoalApplication *application)
{
  g_return_val_if_fail (SHOAL_IS_APPLICATION (application), NULL);

  return g_object_new (SHOAL_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

static void
shoal_window_save_state (ShoalWindow *self)
{
  int width = 0;
  int height = 0;
  gboolean maximized;

  maximized = gtk_window_is_maximized (GTK_WINDOW (self));

  /* Only remember the size of an unmaximized window: that is the size
   * the user chose, and the one to come back to after unmaximizing. */
  if (!maximized)
    {
      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }

  g_settings_set_boolean (self->settings, "window-maximized", maximized);
}

static void
shoal_window_restore_state (ShoalWindow *self)
{
  int width;
  int height;

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");

  /* A zero or negative size would mean "natural size" to GTK; ignore
   * such values (for example from a hand-edited dconf) rather than
   * opening a tiny window. */
  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
shoal_window_close_request (GtkWindow *window)
{
  ShoalWindow *self = SHOAL_WINDOW (window);

  shoal_window_save_state (self);

  return GTK_WINDOW_CLASS (shoal_window_parent_class)->close_request (window);
}

static void
shoal_window_dispose (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_WINDOW);

  G_OBJECT_CLASS (shoal_window_parent_class)->dispose (object);
}

static void
shoal_window_finalize (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (shoal_window_parent_class)->finalize (object);
}

static void
shoal_window_class_init (ShoalWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = shoal_window_dispose;
  object_class->finalize = shoal_window_finalize;

  window_class->close_request = shoal_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-window.ui");
}

static void
shoal_window_init (ShoalWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Development builds get the striped header bar, so they are never
   * mistaken for the installed release. */
  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  self->settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  shoal_window_restore_state (self);
}
