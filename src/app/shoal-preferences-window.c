/* shoal-preferences-window.c
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every control is bound to its GSettings key; the application applies
 * the keys to the engine as they change, so there is no Apply button.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-file-chooser.h"
#include "shoal-port-mapping-row.h"
#include "shoal-preferences-window.h"
#include "shoal-preferences-extras.h"
#include "shoal-privacy-page.h"

struct _ShoalPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  ShoalApplication     *application;
  GSettings            *settings;

  AdwActionRow         *download_dir_row;
  GtkButton            *download_dir_button;
  GtkSwitch            *start_added_switch;
  GtkSwitch            *notify_switch;
  GtkSwitch            *direct_writes_switch;
  AdwComboRow          *close_row;
  GtkSpinButton        *port_spin;
  GtkSwitch            *random_port_switch;
  GtkSpinButton        *peers_torrent_spin;
  GtkSpinButton        *peers_global_spin;
  AdwComboRow          *encryption_row;
  GtkSwitch            *dht_switch;
  GtkSwitch            *pex_switch;
  GtkSwitch            *lsd_switch;
  GtkSpinButton        *down_spin;
  GtkSpinButton        *up_spin;
  GtkSwitch            *alt_switch;
  GtkSpinButton        *alt_down_spin;
  GtkSpinButton        *alt_up_spin;
  GtkSwitch            *ratio_switch;
  AdwActionRow         *ratio_row;
  GtkSpinButton        *ratio_spin;
  AdwPreferencesGroup  *port_group;
  GtkSpinButton        *seed_hours_spin;
  GtkSpinButton        *seed_minutes_spin;
  gboolean              updating_seed_time;
  GtkSpinButton        *max_downloads_spin;
  GtkSpinButton        *max_seeds_spin;
};

G_DEFINE_FINAL_TYPE (ShoalPreferencesWindow, shoal_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* Enum keys ↔ combo row positions. The nicks are listed in the order of
 * the rows' string lists in the .ui file. */
static const char * const encryption_nicks[] = { "prefer", "require", "allow-plaintext", NULL };
static const char * const close_nicks[] = { "run-in-background", "quit", "ask", NULL };

static gboolean
nick_to_position (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    {
      if (g_str_equal (nicks[i], nick))
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }
  return FALSE;
}

static GVariant *
position_to_nick (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint position = g_value_get_uint (value);

  if (position >= g_strv_length ((char **) nicks))
    return NULL;
  return g_variant_new_string (nicks[position]);
}

static void
update_download_dir_row (ShoalPreferencesWindow *self)
{
  g_autofree char *dir = shoal_application_dup_download_dir (self->application);
  g_autofree char *escaped = g_markup_escape_text (dir, -1);

  adw_action_row_set_subtitle (self->download_dir_row, escaped);
}

static void
folder_chosen_cb (GtkWindow  *window,
                  GListModel *files)
{
  ShoalPreferencesWindow *self = SHOAL_PREFERENCES_WINDOW (window);
  g_autoptr(GFile) folder = g_list_model_get_item (files, 0);
  g_autofree char *path = g_file_get_path (folder);

  if (path != NULL)
    g_settings_set_string (self->settings, "download-dir", path);
}

static void
choose_folder_cb (ShoalPreferencesWindow *self)
{
  g_autofree char *dir = shoal_application_dup_download_dir (self->application);
  g_autoptr(GFile) current = g_file_new_for_path (dir);

  shoal_file_chooser_show (GTK_WINDOW (self), SHOAL_FILE_CHOOSER_FOLDER, _("Download Folder"), _("_Select"),
                           current, NULL, folder_chosen_cb);
}

/* The seed time is kept in minutes, and shown in hours and minutes. */
static void
update_seed_time_spins (ShoalPreferencesWindow *self)
{
  int minutes = g_settings_get_int (self->settings, "seed-time-limit");

  self->updating_seed_time = TRUE;
  gtk_spin_button_set_value (self->seed_hours_spin, minutes / 60);
  gtk_spin_button_set_value (self->seed_minutes_spin, minutes % 60);
  self->updating_seed_time = FALSE;
}

static void
seed_time_spin_changed_cb (ShoalPreferencesWindow *self)
{
  gint64 minutes;

  if (self->updating_seed_time)
    return;
  minutes = (gint64) gtk_spin_button_get_value_as_int (self->seed_hours_spin) * 60 +
            gtk_spin_button_get_value_as_int (self->seed_minutes_spin);
  g_settings_set_int (self->settings, "seed-time-limit", (int) MIN (minutes, (gint64) G_MAXINT));
}

static void
bind_settings (ShoalPreferencesWindow *self)
{
  static const struct {
    const char *key;
    gsize       offset;
    const char *property;
  } bindings[] = {
    { "start-added", G_STRUCT_OFFSET (ShoalPreferencesWindow, start_added_switch), "active" },
    { "notify-on-complete", G_STRUCT_OFFSET (ShoalPreferencesWindow, notify_switch), "active" },
    { "direct-writes", G_STRUCT_OFFSET (ShoalPreferencesWindow, direct_writes_switch), "active" },
    { "listen-port", G_STRUCT_OFFSET (ShoalPreferencesWindow, port_spin), "value" },
    { "random-port", G_STRUCT_OFFSET (ShoalPreferencesWindow, random_port_switch), "active" },
    { "max-peers-per-torrent", G_STRUCT_OFFSET (ShoalPreferencesWindow, peers_torrent_spin), "value" },
    { "max-peers-global", G_STRUCT_OFFSET (ShoalPreferencesWindow, peers_global_spin), "value" },
    { "enable-dht", G_STRUCT_OFFSET (ShoalPreferencesWindow, dht_switch), "active" },
    { "enable-pex", G_STRUCT_OFFSET (ShoalPreferencesWindow, pex_switch), "active" },
    { "enable-lsd", G_STRUCT_OFFSET (ShoalPreferencesWindow, lsd_switch), "active" },
    { "download-limit", G_STRUCT_OFFSET (ShoalPreferencesWindow, down_spin), "value" },
    { "upload-limit", G_STRUCT_OFFSET (ShoalPreferencesWindow, up_spin), "value" },
    { "alt-speed-enabled", G_STRUCT_OFFSET (ShoalPreferencesWindow, alt_switch), "active" },
    { "alt-download-limit", G_STRUCT_OFFSET (ShoalPreferencesWindow, alt_down_spin), "value" },
    { "alt-upload-limit", G_STRUCT_OFFSET (ShoalPreferencesWindow, alt_up_spin), "value" },
    { "seed-ratio-limit-enabled", G_STRUCT_OFFSET (ShoalPreferencesWindow, ratio_switch), "active" },
    { "seed-ratio-limit", G_STRUCT_OFFSET (ShoalPreferencesWindow, ratio_spin), "value" },
    { "max-active-downloads", G_STRUCT_OFFSET (ShoalPreferencesWindow, max_downloads_spin), "value" },
    { "max-active-seeds", G_STRUCT_OFFSET (ShoalPreferencesWindow, max_seeds_spin), "value" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bindings); i++)
    {
      GObject *widget = G_STRUCT_MEMBER (GObject *, self, bindings[i].offset);

      g_settings_bind (self->settings, bindings[i].key, widget, bindings[i].property, G_SETTINGS_BIND_DEFAULT);
    }

  g_settings_bind_with_mapping (self->settings, "encryption", self->encryption_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_to_position, position_to_nick,
                                (gpointer) encryption_nicks, NULL);
  g_settings_bind_with_mapping (self->settings, "close-behaviour", self->close_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_to_position, position_to_nick,
                                (gpointer) close_nicks, NULL);

  /* A fixed port means nothing while a random one is used. */
  g_object_bind_property (self->random_port_switch, "active", self->port_spin, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_object_bind_property (self->ratio_switch, "active", self->ratio_row, "sensitive", G_BINDING_SYNC_CREATE);

  g_signal_connect_object (self->settings, "changed::download-dir", G_CALLBACK (update_download_dir_row), self,
                           G_CONNECT_SWAPPED);
  update_seed_time_spins (self);
  g_signal_connect_object (self->settings, "changed::seed-time-limit", G_CALLBACK (update_seed_time_spins), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->seed_hours_spin, "value-changed", G_CALLBACK (seed_time_spin_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->seed_minutes_spin, "value-changed", G_CALLBACK (seed_time_spin_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->download_dir_button, "clicked", G_CALLBACK (choose_folder_cb), self,
                           G_CONNECT_SWAPPED);
  update_download_dir_row (self);
  shoal_preferences_add_extras (ADW_PREFERENCES_WINDOW (self), self->settings);
}

static void
shoal_preferences_window_dispose (GObject *object)
{
  ShoalPreferencesWindow *self = SHOAL_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->application);

  G_OBJECT_CLASS (shoal_preferences_window_parent_class)->dispose (object);
}

static void
shoal_preferences_window_class_init (ShoalPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, download_dir_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, download_dir_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, start_added_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, direct_writes_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, close_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, random_port_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, peers_torrent_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, peers_global_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, encryption_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, dht_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, pex_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, lsd_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, down_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, up_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, alt_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, alt_down_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, alt_up_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, ratio_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, ratio_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, ratio_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, port_group);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, seed_hours_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, seed_minutes_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, max_downloads_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalPreferencesWindow, max_seeds_spin);
}

static void
shoal_preferences_window_init (ShoalPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * shoal_preferences_window_new:
 * @application: the application whose settings to edit
 *
 * Returns: (transfer none): a new preferences window, owned by GTK until
 *   it closes
 */
ShoalPreferencesWindow *
shoal_preferences_window_new (ShoalApplication *application)
{
  ShoalPreferencesWindow *self;

  g_return_val_if_fail (SHOAL_IS_APPLICATION (application), NULL);

  self = g_object_new (SHOAL_TYPE_PREFERENCES_WINDOW, NULL);
  self->application = g_object_ref (application);
  self->settings = g_object_ref (shoal_application_get_settings (application));
  bind_settings (self);
  /* Port forwarding, next to the port. */
  adw_preferences_group_add (self->port_group,
                             shoal_port_mapping_row_new (self->settings, shoal_application_get_session (application)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              shoal_privacy_page_new (self->settings, shoal_application_get_session (application)));
  return self;
}
