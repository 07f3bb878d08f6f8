/* shoal-preferences-extras.c: the preferences of issue 15 (schedule,
 * metered networks, incomplete and watch folders)
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Groups added to the preferences window's pages, each row bound to its
 * key: the General page gets the incomplete-downloads and watch folders,
 * the Speed page the alternative limits' weekly schedule and what a
 * metered connection does. The application binds the keys to the
 * session (shoal-application.c).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-file-chooser.h"
#include "shoal-preferences-extras.h"

static AdwPreferencesPage *
find_page (GtkWidget  *widget,
           const char *name)
{
  if (ADW_IS_PREFERENCES_PAGE (widget) && g_strcmp0 (adw_preferences_page_get_name (ADW_PREFERENCES_PAGE (widget)), name) == 0)
    return ADW_PREFERENCES_PAGE (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwPreferencesPage *page = find_page (child, name);

      if (page != NULL)
        return page;
    }
  return NULL;
}

static GtkWidget *
switch_row (GSettings  *settings,
            const char *key,
            const char *title,
            const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_settings_bind (settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);
  return row;
}

/* Folders */

static void
update_folder_row (AdwActionRow *row)
{
  GSettings *settings = g_object_get_data (G_OBJECT (row), "settings");
  const char *key = g_object_get_data (G_OBJECT (row), "key");
  g_autofree char *dir = g_settings_get_string (settings, key);
  g_autofree char *escaped = g_markup_escape_text (dir, -1);

  adw_action_row_set_subtitle (row, dir[0] != '\0' ? escaped : _("None"));
  gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (row), "clear"), dir[0] != '\0');
}

static void
folder_chosen_cb (GtkWindow  *window,
                  GListModel *files)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (window), "shoal-folder-row");
  g_autoptr(GFile) folder = g_list_model_get_item (files, 0);
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

  if (row != NULL && path != NULL)
    g_settings_set_string (g_object_get_data (G_OBJECT (row), "settings"),
                           g_object_get_data (G_OBJECT (row), "key"), path);
}

static void
choose_folder_cb (AdwActionRow *row)
{
  GtkWindow *window = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (row)));

  /* The chooser calls back with the window alone: it remembers the row. */
  g_object_set_data (G_OBJECT (window), "shoal-folder-row", row);
  shoal_file_chooser_show (window, SHOAL_FILE_CHOOSER_FOLDER,
                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), _("_Select"),
                           NULL, NULL, folder_chosen_cb);
}

static void
clear_folder_cb (AdwActionRow *row)
{
  g_settings_set_string (g_object_get_data (G_OBJECT (row), "settings"),
                         g_object_get_data (G_OBJECT (row), "key"), "");
}

static GtkWidget *
folder_row (GSettings  *settings,
            const char *key,
            const char *title)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *choose = gtk_button_new_from_icon_name ("folder-open-symbolic");
  GtkWidget *clear = gtk_button_new_from_icon_name ("edit-clear-symbolic");
  g_autofree char *signal = g_strdup_printf ("changed::%s", key);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (choose, _("Choose Folder"));
  gtk_widget_set_tooltip_text (clear, _("No Folder"));
  for (GtkWidget *b = choose; b != NULL; b = b == choose ? clear : NULL)
    {
      gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (b, "flat");
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), clear);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), choose);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), choose);
  g_object_set_data_full (G_OBJECT (row), "settings", g_object_ref (settings), g_object_unref);
  g_object_set_data (G_OBJECT (row), "key", (gpointer) key);
  g_object_set_data (G_OBJECT (row), "clear", clear);
  g_signal_connect_swapped (choose, "clicked", G_CALLBACK (choose_folder_cb), row);
  g_signal_connect_swapped (clear, "clicked", G_CALLBACK (clear_folder_cb), row);
  g_signal_connect_object (settings, signal, G_CALLBACK (update_folder_row), row, G_CONNECT_SWAPPED);
  update_folder_row (ADW_ACTION_ROW (row));
  return row;
}

/* Schedule */

typedef struct
{
  GSettings     *settings;
  const char    *key;
  GtkSpinButton *hours;
  GtkSpinButton *minutes;
  gboolean       updating;
} TimeRow;

static void
time_row_free (gpointer data)
{
  TimeRow *t = data;

  g_object_unref (t->settings);
  g_free (t);
}

static void
time_row_load (TimeRow *t)
{
  int minutes = g_settings_get_int (t->settings, t->key);

  t->updating = TRUE;
  gtk_spin_button_set_value (t->hours, minutes / 60);
  gtk_spin_button_set_value (t->minutes, minutes % 60);
  t->updating = FALSE;
}

static void
time_row_key_changed (GtkWidget *row)
{
  time_row_load (g_object_get_data (G_OBJECT (row), "time-row"));
}

static void
time_row_changed (TimeRow *t)
{
  if (t->updating)
    return;
  g_settings_set_int (t->settings, t->key,
                      gtk_spin_button_get_value_as_int (t->hours) * 60 + gtk_spin_button_get_value_as_int (t->minutes));
}

static GtkWidget *
time_row (GSettings  *settings,
          const char *key,
          const char *title)
{
  GtkWidget *row = adw_action_row_new ();
  TimeRow *t = g_new0 (TimeRow, 1);
  g_autofree char *signal = g_strdup_printf ("changed::%s", key);
  GtkWidget *colon = gtk_label_new (":");

  t->settings = g_object_ref (settings);
  t->key = key;
  t->hours = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 23, 1));
  t->minutes = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 59, 1));
  gtk_widget_set_tooltip_text (GTK_WIDGET (t->hours), _("Hours"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (t->minutes), _("Minutes"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (t->hours), GTK_ALIGN_CENTER);
  gtk_widget_set_valign (GTK_WIDGET (t->minutes), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (t->hours));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), colon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (t->minutes));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (t->hours));
  g_object_set_data_full (G_OBJECT (row), "time-row", t, time_row_free);
  time_row_load (t);
  g_signal_connect_swapped (t->hours, "value-changed", G_CALLBACK (time_row_changed), t);
  g_signal_connect_swapped (t->minutes, "value-changed", G_CALLBACK (time_row_changed), t);
  g_signal_connect_object (settings, signal, G_CALLBACK (time_row_key_changed), row, G_CONNECT_SWAPPED);
  return row;
}

static void
day_toggled_cb (GtkToggleButton *button,
                GSettings       *settings)
{
  int bit = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "bit"));
  int days = g_settings_get_int (settings, "alt-days");
  int wanted = gtk_toggle_button_get_active (button) ? (days | bit) : (days & ~bit);

  if (wanted != days)
    g_settings_set_int (settings, "alt-days", wanted);
}

static void
days_load (GtkWidget *box)
{
  GSettings *settings = g_object_get_data (G_OBJECT (box), "settings");
  int days = g_settings_get_int (settings, "alt-days");

  for (GtkWidget *b = gtk_widget_get_first_child (box); b != NULL; b = gtk_widget_get_next_sibling (b))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (b),
                                  (days & GPOINTER_TO_INT (g_object_get_data (G_OBJECT (b), "bit"))) != 0);
}

static GtkWidget *
days_row (GSettings *settings)
{
  const char *names[] = {
    /* Translators: short names of the days of the week, Monday first */
    NC_("weekday", "Mon"), NC_("weekday", "Tue"), NC_("weekday", "Wed"), NC_("weekday", "Thu"),
    NC_("weekday", "Fri"), NC_("weekday", "Sat"), NC_("weekday", "Sun"),
  };
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Days"));
  gtk_widget_add_css_class (box, "linked");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (box), "settings", g_object_ref (settings), g_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (g_dpgettext2 (GETTEXT_PACKAGE, "weekday", names[i]));

      g_object_set_data (G_OBJECT (button), "bit", GINT_TO_POINTER (1 << i));
      gtk_box_append (GTK_BOX (box), button);
    }
  days_load (box);
  for (GtkWidget *b = gtk_widget_get_first_child (box); b != NULL; b = gtk_widget_get_next_sibling (b))
    g_signal_connect_object (b, "toggled", G_CALLBACK (day_toggled_cb), settings, 0);
  g_signal_connect_object (settings, "changed::alt-days", G_CALLBACK (days_load), box, G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  return row;
}

/* Metered connections */

static const char * const metered_nicks[] = { "ignore", "limit", "pause", NULL };

static gboolean
nick_to_position (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_str_equal (nicks[i], nick))
      {
        g_value_set_uint (value, i);
        return TRUE;
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

static GtkWidget *
metered_row (GSettings *settings)
{
  GtkWidget *row = adw_combo_row_new ();
  const char *items[] = {
    _("Transfer as Usual"),
    _("Use the Alternative Limits"),
    _("Pause Transfers"),
    NULL,
  };
  g_autoptr(GtkStringList) model = gtk_string_list_new (items);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("On a _Metered Connection"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Such as a mobile data plan"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  g_settings_bind_with_mapping (settings, "metered-policy", row, "selected", G_SETTINGS_BIND_DEFAULT,
                                nick_to_position, position_to_nick, (gpointer) metered_nicks, NULL);
  return row;
}

/* uTP */

static const char * const utp_nicks[] = { "prefer", "off", "only", NULL };

static GtkWidget *
utp_row (GSettings *settings)
{
  GtkWidget *row = adw_combo_row_new ();
  const char *items[] = {
    _("TCP and uTP"),
    _("TCP Only"),
    _("uTP Only"),
    NULL,
  };
  g_autoptr(GtkStringList) model = gtk_string_list_new (items);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Peer _Connections"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("uTP yields to your other traffic; some peers accept only it"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  g_settings_bind_with_mapping (settings, "utp-mode", row, "selected", G_SETTINGS_BIND_DEFAULT,
                                nick_to_position, position_to_nick, (gpointer) utp_nicks, NULL);
  return row;
}

/**
 * shoal_preferences_add_extras:
 * @window: the preferences window, with its "general" and "speed" pages
 * @settings: the app's settings
 *
 * Adds the groups of the folders, the schedule and metered connections.
 */
void
shoal_preferences_add_extras (AdwPreferencesWindow *window,
                              GSettings            *settings)
{
  AdwPreferencesPage *general = find_page (GTK_WIDGET (window), "general");
  AdwPreferencesPage *speed = find_page (GTK_WIDGET (window), "speed");
  AdwPreferencesPage *network = find_page (GTK_WIDGET (window), "network");
  AdwPreferencesGroup *group;

  g_return_if_fail (general != NULL && speed != NULL && network != NULL);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Folders"));
  adw_preferences_group_add (group, folder_row (settings, "incomplete-dir", _("_Incomplete Downloads")));
  adw_preferences_group_add (group, folder_row (settings, "watch-dir", _("_Watch Folder")));
  adw_preferences_group_add (group, switch_row (settings, "watch-remove", _("_Remove Added Torrent Files"),
                                                _("Otherwise they are renamed .torrent.added")));
  adw_preferences_page_add (general, group);

  /* Asked of the desktop through the Background portal (see
   * shoal-application.c), which may say no: the switch then goes off. */
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Background"));
  adw_preferences_group_add (group, switch_row (settings, "autostart", _("Start at _Login"),
                                                _("Shoal starts in the background, with its transfers running")));
  adw_preferences_page_add (general, group);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Alternative Speed Schedule"));
  adw_preferences_group_set_description (group, _("The alternative limits apply by themselves at these times."));
  adw_preferences_group_add (group, switch_row (settings, "alt-schedule-enabled", _("Use the _Schedule"), NULL));
  adw_preferences_group_add (group, time_row (settings, "alt-begin-minute", _("_From")));
  adw_preferences_group_add (group, time_row (settings, "alt-end-minute", _("_To")));
  adw_preferences_group_add (group, days_row (settings));
  adw_preferences_group_add (group, metered_row (settings));
  adw_preferences_page_add (speed, group);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Transport"));
  adw_preferences_group_add (group, utp_row (settings));
  adw_preferences_page_add (network, group);
}
