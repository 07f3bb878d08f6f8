/* shoal-label-dialog.c: the labels of torrents, their colours, and the
 * dialog that edits them
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A torrent holds its labels (the engine saves them with it); a label's
 * colour is the app's, in the "label-colors" setting, and a label without
 * one gets a colour of a fixed palette from its name. A label is known
 * while a torrent has it or it has a colour, so one made in the dialog
 * and taken off every torrent stays in the list until deleted.
 *
 * The dialog (the torrent menu's Labels…) edits the labels of the
 * selected torrents: a check box per known label gives or takes it
 * (shown half set when only some of them have it), the name renames it
 * on every torrent, the colour button colours it, the trash button
 * deletes it from every torrent, and "New Label" adds one.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "shoal-app-torrent.h"
#include "shoal-label-dialog.h"

#define COLORS_KEY "label-colors"

/* GNOME's palette, the 3 shades */
static const char * const palette[] = {
  "#3584e4", "#33d17a", "#f6d32d", "#ff7800", "#e01b24", "#9141ac", "#986a44", "#77767b",
};

/**
 * shoal_label_dup_color:
 * @settings: the app's settings
 * @label: a label
 *
 * Returns: (transfer full): the colour of @label, "#rrggbb"
 */
char *
shoal_label_dup_color (GSettings  *settings,
                       const char *label)
{
  g_autoptr(GVariant) colors = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (label != NULL, NULL);

  colors = g_settings_get_value (settings, COLORS_KEY);
  return shoal_label_color_from (colors, label);
}

/**
 * shoal_label_color_from:
 * @colors: (nullable): the "label-colors" setting's value, a{ss}
 * @label: a label
 *
 * Returns: (transfer full): the colour of @label, "#rrggbb"
 */
char *
shoal_label_color_from (GVariant   *colors,
                        const char *label)
{
  const char *color = NULL;

  g_return_val_if_fail (label != NULL, NULL);

  if (colors != NULL && g_variant_is_of_type (colors, G_VARIANT_TYPE ("a{ss}")) &&
      g_variant_lookup (colors, label, "&s", &color))
    {
      GdkRGBA rgba;

      if (gdk_rgba_parse (&rgba, color))
        return g_strdup (color);
    }
  return g_strdup (palette[g_str_hash (label) % G_N_ELEMENTS (palette)]);
}

/* @colors with @label set to @color, or left out when @color is NULL, and
 * @rename_to in place of @label when given */
static GVariant *
colors_with (GVariant   *colors,
             const char *label,
             const char *color,
             const char *rename_to)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key, *value;
  const char *moved = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, colors);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    {
      if (g_str_equal (key, label))
        {
          moved = value;
          continue;
        }
      if (rename_to != NULL && g_str_equal (key, rename_to))
        continue;
      g_variant_builder_add (&builder, "{ss}", key, value);
    }
  if (rename_to != NULL && moved != NULL)
    g_variant_builder_add (&builder, "{ss}", rename_to, moved);
  else if (rename_to == NULL && color != NULL)
    g_variant_builder_add (&builder, "{ss}", label, color);
  return g_variant_builder_end (&builder);
}

/**
 * shoal_label_set_color:
 * @settings: the app's settings
 * @label: a label
 * @color: "#rrggbb", or any colour gdk_rgba_parse() reads
 *
 * Gives @label its colour (which also keeps it known without torrents).
 */
void
shoal_label_set_color (GSettings  *settings,
                       const char *label,
                       const char *color)
{
  g_autoptr(GVariant) colors = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (label != NULL && *label != '\0');
  g_return_if_fail (color != NULL);

  colors = g_settings_get_value (settings, COLORS_KEY);
  g_settings_set_value (settings, COLORS_KEY, colors_with (colors, label, color, NULL));
}

static int
collate_cb (gconstpointer a,
            gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

/**
 * shoal_labels_collect:
 * @settings: the app's settings
 * @torrents: a list of #ShoalAppTorrent
 *
 * Returns: (transfer full): every known label: those of @torrents and
 *   those with a colour, sorted
 */
GStrv
shoal_labels_collect (GSettings  *settings,
                      GListModel *torrents)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GVariant) colors = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  GVariantIter colors_iter;
  const char *name;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (torrents), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(ShoalAppTorrent) torrent = g_list_model_get_item (torrents, i);
      const char * const *own = shoal_app_torrent_get_labels (torrent);

      for (guint j = 0; own != NULL && own[j] != NULL; j++)
        g_hash_table_add (seen, g_strdup (own[j]));
    }
  colors = g_settings_get_value (settings, COLORS_KEY);
  g_variant_iter_init (&colors_iter, colors);
  while (g_variant_iter_next (&colors_iter, "{&s&s}", &name, NULL))
    if (*name != '\0')
      g_hash_table_add (seen, g_strdup (name));

  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (labels, g_strdup (key));
  g_ptr_array_sort (labels, collate_cb);
  g_ptr_array_add (labels, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&labels), FALSE);
}

/* @torrent's labels with @label replaced by @replacement, or left out
 * when it is NULL; FALSE when @torrent does not have @label */
static gboolean
replace_label (ShoalAppTorrent *torrent,
               const char      *label,
               const char      *replacement)
{
  const char * const *own = shoal_app_torrent_get_labels (torrent);
  g_autoptr(GPtrArray) now = g_ptr_array_new ();

  if (own == NULL || !g_strv_contains (own, label))
    return FALSE;
  for (guint i = 0; own[i] != NULL; i++)
    {
      if (!g_str_equal (own[i], label))
        g_ptr_array_add (now, (gpointer) own[i]);
      else if (replacement != NULL)
        g_ptr_array_add (now, (gpointer) replacement);
    }
  g_ptr_array_add (now, NULL);
  /* The engine drops a repeat, should the new name be there already */
  shoal_app_torrent_set_labels (torrent, (const char * const *) now->pdata);
  return TRUE;
}

/**
 * shoal_labels_rename:
 * @settings: the app's settings
 * @torrents: a list of #ShoalAppTorrent
 * @old_name: a label
 * @new_name: what to call it
 *
 * Renames a label on every torrent of @torrents, and its colour with it.
 */
void
shoal_labels_rename (GSettings  *settings,
                     GListModel *torrents,
                     const char *old_name,
                     const char *new_name)
{
  g_autoptr(GVariant) colors = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (G_IS_LIST_MODEL (torrents));
  g_return_if_fail (old_name != NULL && new_name != NULL && *new_name != '\0');

  if (g_str_equal (old_name, new_name))
    return;
  /* The colour first: the rows show the new name in it at once */
  colors = g_settings_get_value (settings, COLORS_KEY);
  g_settings_set_value (settings, COLORS_KEY, colors_with (colors, old_name, NULL, new_name));
  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(ShoalAppTorrent) torrent = g_list_model_get_item (torrents, i);

      replace_label (torrent, old_name, new_name);
    }
}

/**
 * shoal_labels_delete:
 * @settings: the app's settings
 * @torrents: a list of #ShoalAppTorrent
 * @label: a label
 *
 * Takes @label off every torrent of @torrents, and forgets its colour.
 */
void
shoal_labels_delete (GSettings  *settings,
                     GListModel *torrents,
                     const char *label)
{
  g_autoptr(GVariant) colors = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (G_IS_LIST_MODEL (torrents));
  g_return_if_fail (label != NULL);

  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(ShoalAppTorrent) torrent = g_list_model_get_item (torrents, i);

      replace_label (torrent, label, NULL);
    }
  colors = g_settings_get_value (settings, COLORS_KEY);
  g_settings_set_value (settings, COLORS_KEY, colors_with (colors, label, NULL, NULL));
}

/* The dialog */

struct _ShoalLabelDialog
{
  AdwWindow            parent_instance;

  GSettings           *settings;
  GListModel          *all_torrents;
  GPtrArray           *torrents;     /* the ones edited */
  AdwPreferencesGroup *group;
  GPtrArray           *rows;         /* the label rows in @group */
  AdwEntryRow         *new_row;
  guint                rebuild_id;
};

G_DEFINE_FINAL_TYPE (ShoalLabelDialog, shoal_label_dialog, ADW_TYPE_WINDOW)

static void rebuild (ShoalLabelDialog *self);

static gboolean
rebuild_cb (gpointer user_data)
{
  ShoalLabelDialog *self = user_data;

  self->rebuild_id = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

static void
queue_rebuild (ShoalLabelDialog *self)
{
  /* Not from inside the handler of a row that goes away */
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, rebuild_cb, self, NULL);
}

static void
add_label (ShoalAppTorrent *torrent,
           const char      *label)
{
  const char * const *own = shoal_app_torrent_get_labels (torrent);
  g_autoptr(GPtrArray) now = g_ptr_array_new ();

  if (own != NULL && g_strv_contains (own, label))
    return;
  for (guint i = 0; own != NULL && own[i] != NULL; i++)
    g_ptr_array_add (now, (gpointer) own[i]);
  g_ptr_array_add (now, (gpointer) label);
  g_ptr_array_add (now, NULL);
  shoal_app_torrent_set_labels (torrent, (const char * const *) now->pdata);
}

static const char *
row_label (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "shoal-label");
}

static void
check_toggled_cb (ShoalLabelDialog *self,
                  GtkCheckButton   *check)
{
  const char *label = row_label (GTK_WIDGET (check));
  gboolean active = gtk_check_button_get_active (check);

  gtk_check_button_set_inconsistent (check, FALSE);
  for (guint i = 0; i < self->torrents->len; i++)
    {
      if (active)
        add_label (self->torrents->pdata[i], label);
      else
        replace_label (self->torrents->pdata[i], label, NULL);
    }
}

static void
color_set_cb (ShoalLabelDialog *self,
              GParamSpec       *pspec,
              GtkColorChooser  *button)
{
  GdkRGBA rgba;
  g_autofree char *color = NULL;

  gtk_color_chooser_get_rgba (button, &rgba);
  color = g_strdup_printf ("#%02x%02x%02x", (guint) (CLAMP (rgba.red, 0, 1) * 255 + 0.5),
                           (guint) (CLAMP (rgba.green, 0, 1) * 255 + 0.5),
                           (guint) (CLAMP (rgba.blue, 0, 1) * 255 + 0.5));
  shoal_label_set_color (self->settings, row_label (GTK_WIDGET (button)), color);
}

static void
rename_cb (ShoalLabelDialog *self,
           AdwEntryRow      *row)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (*name == '\0' || strlen (name) > SHOAL_TORRENT_MAX_LABEL_LEN || strchr (name, ',') != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      return;
    }
  shoal_labels_rename (self->settings, self->all_torrents, row_label (GTK_WIDGET (row)), name);
  queue_rebuild (self);
}

static void
delete_cb (ShoalLabelDialog *self,
           GtkButton        *button)
{
  shoal_labels_delete (self->settings, self->all_torrents, row_label (GTK_WIDGET (button)));
  queue_rebuild (self);
}

static void
new_label_cb (ShoalLabelDialog *self,
              AdwEntryRow      *row)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (*name == '\0' || strlen (name) > SHOAL_TORRENT_MAX_LABEL_LEN || strchr (name, ',') != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  for (guint i = 0; i < self->torrents->len; i++)
    add_label (self->torrents->pdata[i], name);
  /* Known from now on, with its colour, even once taken off again */
  {
    g_autofree char *color = shoal_label_dup_color (self->settings, name);

    shoal_label_set_color (self->settings, name, color);
  }
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  queue_rebuild (self);
}

static GtkWidget *
label_row_new (ShoalLabelDialog *self,
               const char       *label)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *color_button;
  GtkWidget *delete;
  g_autofree char *color = shoal_label_dup_color (self->settings, label);
  guint n_with = 0;
  GdkRGBA rgba;

  for (guint i = 0; i < self->torrents->len; i++)
    {
      const char * const *own = shoal_app_torrent_get_labels (self->torrents->pdata[i]);

      n_with += own != NULL && g_strv_contains (own, label);
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Name"));
  gtk_editable_set_text (GTK_EDITABLE (row), label);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "shoal-label", g_strdup (label), g_free);
  g_signal_connect_object (row, "apply", G_CALLBACK (rename_cb), self, G_CONNECT_SWAPPED);

  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (check, _("Give the Label to the Torrent"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), n_with > 0);
  gtk_check_button_set_inconsistent (GTK_CHECK_BUTTON (check), n_with > 0 && n_with < self->torrents->len);
  g_object_set_data_full (G_OBJECT (check), "shoal-label", g_strdup (label), g_free);
  g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), self, G_CONNECT_SWAPPED);
  adw_entry_row_add_prefix (ADW_ENTRY_ROW (row), check);

  if (!gdk_rgba_parse (&rgba, color))
    gdk_rgba_parse (&rgba, palette[0]);
  color_button = gtk_color_button_new_with_rgba (&rgba);
  gtk_widget_set_valign (color_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (color_button, _("Label Color"));
  g_object_set_data_full (G_OBJECT (color_button), "shoal-label", g_strdup (label), g_free);
  g_signal_connect_object (color_button, "notify::rgba", G_CALLBACK (color_set_cb), self, G_CONNECT_SWAPPED);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), color_button);

  delete = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (delete, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (delete, "flat");
  gtk_widget_set_tooltip_text (delete, _("Delete the Label From Every Torrent"));
  g_object_set_data_full (G_OBJECT (delete), "shoal-label", g_strdup (label), g_free);
  g_signal_connect_object (delete, "clicked", G_CALLBACK (delete_cb), self, G_CONNECT_SWAPPED);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), delete);
  return row;
}

static void
rebuild (ShoalLabelDialog *self)
{
  g_auto(GStrv) labels = shoal_labels_collect (self->settings, self->all_torrents);

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->group, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      GtkWidget *row = label_row_new (self, labels[i]);

      adw_preferences_group_add (self->group, row);
      g_ptr_array_add (self->rows, row);
    }
  adw_preferences_group_set_description (self->group, labels[0] == NULL ? _("No labels yet") : NULL);
}

/**
 * shoal_label_dialog_new:
 * @settings: the app's settings, with the labels' colours
 * @all_torrents: every torrent of the session shown (#ShoalAppTorrent),
 *   for renaming and deleting
 * @torrents: (element-type ShoalAppTorrent): the torrents whose labels
 *   are edited
 *
 * Returns: (transfer floating): the dialog, not shown yet
 */
ShoalLabelDialog *
shoal_label_dialog_new (GSettings  *settings,
                        GListModel *all_torrents,
                        GPtrArray  *torrents)
{
  ShoalLabelDialog *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (all_torrents), NULL);
  g_return_val_if_fail (torrents != NULL && torrents->len > 0, NULL);

  self = g_object_new (SHOAL_TYPE_LABEL_DIALOG, NULL);
  self->settings = g_object_ref (settings);
  self->all_torrents = g_object_ref (all_torrents);
  for (guint i = 0; i < torrents->len; i++)
    g_ptr_array_add (self->torrents, g_object_ref (torrents->pdata[i]));
  rebuild (self);
  return self;
}

static void
shoal_label_dialog_dispose (GObject *object)
{
  ShoalLabelDialog *self = SHOAL_LABEL_DIALOG (object);

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_object (&self->settings);
  g_clear_object (&self->all_torrents);
  g_clear_pointer (&self->torrents, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (shoal_label_dialog_parent_class)->dispose (object);
}

static void
shoal_label_dialog_class_init (ShoalLabelDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_label_dialog_dispose;
}

static void
shoal_label_dialog_init (ShoalLabelDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *new_group = adw_preferences_group_new ();

  self->torrents = g_ptr_array_new_with_free_func (g_object_unref);
  self->rows = g_ptr_array_new ();
  gtk_window_set_title (GTK_WINDOW (self), _("Labels"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 480, 520);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);

  self->new_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->new_row), _("New Label"));
  adw_entry_row_set_show_apply_button (self->new_row, TRUE);
  g_signal_connect_object (self->new_row, "apply", G_CALLBACK (new_label_cb), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (new_group), GTK_WIDGET (self->new_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (new_group));

  self->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->group, _("Labels"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->group);
  adw_window_set_content (ADW_WINDOW (self), box);

  /* Escape closes it, as any dialog */
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                            gtk_named_action_new ("window.close")));
    gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  }
}
