/* shoal-application.c
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-application.h"
#include "shoal-window.h"

struct _ShoalApplication
{
  AdwApplication parent_instance;
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

static ShoalWindow *
shoal_application_ensure_window (ShoalApplication *self)
{
  /* The list is sorted by most recent focus, and may hold other kinds of
   * windows (dialogs that set their application), so look for ours. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (SHOAL_IS_WINDOW (l->data))
        return SHOAL_WINDOW (l->data);
    }

  return shoal_window_new (self);
}

static void
shoal_application_activate (GApplication *application)
{
  ShoalApplication *self = SHOAL_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (shoal_application_ensure_window (self)));
}

static void
shoal_application_open (GApplication  *application,
                        GFile        **files,
                        int            n_files,
                        const char    *hint)
{
  ShoalApplication *self = SHOAL_APPLICATION (application);

  /* Opening a .torrent file or a magnet link must at least bring the
   * window up; handing the files to the engine belongs to the torrent
   * list, which does not exist yet. */
  g_debug ("Asked to open %d file(s) or link(s)", n_files);

  gtk_window_present (GTK_WINDOW (shoal_application_ensure_window (self)));
}

static void
shoal_application_quit_action (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  ShoalApplication *self = user_data;
  GList *windows;

  /* Closing the windows first (rather than only quitting the main loop)
   * lets each one run its close-request handler, which saves its state. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free_full (windows, g_object_unref);

  g_application_quit (G_APPLICATION (self));
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

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = shoal_application_quit_action },
  { .name = "about", .activate = shoal_application_about_action },
};

static void
shoal_application_startup (GApplication *application)
{
  ShoalApplication *self = SHOAL_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (shoal_application_parent_class)->startup (application);

  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions,
                                   G_N_ELEMENTS (app_actions),
                                   self);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
}

static void
shoal_application_class_init (ShoalApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = shoal_application_startup;
  app_class->activate = shoal_application_activate;
  app_class->open = shoal_application_open;
}

static void
shoal_application_init (ShoalApplication *self)
{
}
