/* shoal-add-dialog.c: where to save a new torrent and which files
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dialog adds the torrent itself: paused first, so that the skipped
 * files are never requested, then started if the user asked for it.
 *
 * It also serves a torrent already in the session (a magnet link whose
 * metadata just arrived, paused meanwhile): then it only applies the
 * file choice and starts it.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-add-dialog.h"
#include "shoal-file-chooser.h"
#include "shoal-file-node.h"
#include "shoal-file-row.h"
#include "shoal-format.h"

struct _ShoalAddDialog
{
  AdwWindow             parent_instance;

  ShoalSession         *session;
  GSettings            *settings;
  ShoalMetainfo        *info;
  ShoalTorrent         *torrent;      /* set when choosing files of a torrent already added */
  char                 *save_dir;
  ShoalFileNode        *files;        /* the root of the tree */
  GCancellable         *cancellable;
  char                 *free_space;

  AdwPreferencesGroup  *summary_group;
  AdwActionRow         *folder_row;
  AdwActionRow         *start_row;
  GtkSwitch            *start_switch;
  GtkButton            *add_button;
  GtkListView          *files_view;
  GtkLabel             *wanted_label;
};

G_DEFINE_FINAL_TYPE (ShoalAddDialog, shoal_add_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_ADDED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/**
 * shoal_add_dialog_get_files:
 * @self: a dialog
 *
 * Returns: (transfer none): the root of the tree of the files the user
 *   may choose from (padding files are left out)
 */
ShoalFileNode *
shoal_add_dialog_get_files (ShoalAddDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_ADD_DIALOG (self), NULL);
  return self->files;
}

const char *
shoal_add_dialog_get_save_dir (ShoalAddDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_ADD_DIALOG (self), NULL);
  return self->save_dir;
}

static void
update_folder_row (ShoalAddDialog *self)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *escaped = g_markup_escape_text (self->save_dir, -1);

  if (self->free_space != NULL)
    /* Translators: a folder, then the free space there, e.g. “/home/ann/Downloads — 12 GB free” */
    subtitle = g_strdup_printf (_("%s — %s free"), escaped, self->free_space);
  else
    subtitle = g_strdup (escaped);
  adw_action_row_set_subtitle (self->folder_row, subtitle);
}

static void
free_space_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ShoalAddDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_filesystem_info_finish (G_FILE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_pointer (&self->free_space, g_free);
  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    self->free_space = shoal_format_size (g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE));
  update_folder_row (self);
}

/**
 * shoal_add_dialog_set_save_dir:
 * @self: a dialog
 * @save_dir: an absolute folder path
 *
 * Chooses where the torrent is saved, and shows the free space there.
 */
void
shoal_add_dialog_set_save_dir (ShoalAddDialog *self,
                               const char     *save_dir)
{
  g_autoptr(GFile) dir = NULL;

  g_return_if_fail (SHOAL_IS_ADD_DIALOG (self));
  g_return_if_fail (save_dir != NULL);

  g_free (self->save_dir);
  self->save_dir = g_strdup (save_dir);
  g_clear_pointer (&self->free_space, g_free);
  update_folder_row (self);

  /* The folder may not exist yet (it is created on the first write):
   * the free space is that of the nearest existing parent. */
  dir = g_file_new_for_path (save_dir);
  while (!g_file_query_exists (dir, NULL))
    {
      g_autoptr(GFile) parent = g_file_get_parent (dir);

      if (parent == NULL)
        break;
      g_set_object (&dir, parent);
    }
  g_file_query_filesystem_info_async (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, G_PRIORITY_DEFAULT,
                                      self->cancellable, free_space_cb, self);
}

static void
update_wanted (ShoalAddDialog *self)
{
  guint n = shoal_file_node_get_n_files (self->files);
  guint n_wanted = n - shoal_file_node_get_n_skipped (self->files);
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;

  size = shoal_format_size (shoal_file_node_get_size_wanted (self->files));
  /* Translators: e.g. “3 of 5 files selected, 1.2 GB” */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u file selected, %s", "%u of %u files selected, %s", n),
                          n_wanted, n, size);
  gtk_label_set_text (self->wanted_label, text);

  /* A torrent with nothing to download is not worth adding. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "add-dialog.add", n_wanted > 0);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  ShoalAddDialog *self = SHOAL_ADD_DIALOG (widget);
  g_autoptr(GError) error = NULL;
  ShoalTorrent *torrent;
  guint n = shoal_metainfo_get_n_files (self->info);

  if (self->torrent != NULL)
    torrent = self->torrent;
  else
    torrent = shoal_session_add_torrent (self->session, self->info, self->save_dir, SHOAL_ADD_FLAGS_PAUSED, &error);
  if (torrent == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      ShoalFileNode *file = shoal_file_node_get_file (self->files, i);

      /* Pad files have no node */
      if (file == NULL)
        continue;
      if (!shoal_file_node_get_wanted (file))
        shoal_torrent_set_file_priority (torrent, i, SHOAL_FILE_PRIORITY_SKIP);
      else if (shoal_torrent_get_file_priority (torrent, i) == SHOAL_FILE_PRIORITY_SKIP)
        /* Unselected by the magnet link (BEP 53 "so"), chosen here. */
        shoal_torrent_set_file_priority (torrent, i, SHOAL_FILE_PRIORITY_NORMAL);
    }

  if (gtk_switch_get_active (self->start_switch))
    shoal_torrent_start (torrent);

  g_signal_emit (self, signals[SIGNAL_ADDED], 0, torrent);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
folder_chosen_cb (GtkWindow  *window,
                  GListModel *files)
{
  ShoalAddDialog *self = SHOAL_ADD_DIALOG (window);
  g_autoptr(GFile) folder = g_list_model_get_item (files, 0);
  g_autofree char *path = g_file_get_path (folder);

  if (path != NULL)
    {
      shoal_add_dialog_set_save_dir (self, path);
      /* The next torrent goes to the same place by default. */
      g_settings_set_string (self->settings, "download-dir", path);
    }
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ShoalAddDialog *self = SHOAL_ADD_DIALOG (widget);
  g_autoptr(GFile) current = g_file_new_for_path (self->save_dir);

  shoal_file_chooser_show (GTK_WINDOW (self), SHOAL_FILE_CHOOSER_FOLDER, _("Destination Folder"), _("_Select"),
                           current, NULL, folder_chosen_cb);
}

static void
set_all_wanted (ShoalAddDialog *self,
                gboolean        wanted)
{
  shoal_file_node_set_wanted (self->files, wanted);
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  set_all_wanted (SHOAL_ADD_DIALOG (widget), TRUE);
}

static void
select_none_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  set_all_wanted (SHOAL_ADD_DIALOG (widget), FALSE);
}

static void
shoal_add_dialog_dispose (GObject *object)
{
  ShoalAddDialog *self = SHOAL_ADD_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_ADD_DIALOG);

  G_OBJECT_CLASS (shoal_add_dialog_parent_class)->dispose (object);
}

static void
shoal_add_dialog_finalize (GObject *object)
{
  ShoalAddDialog *self = SHOAL_ADD_DIALOG (object);

  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_object (&self->info);
  g_clear_object (&self->torrent);
  g_clear_object (&self->files);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->save_dir, g_free);
  g_clear_pointer (&self->free_space, g_free);

  G_OBJECT_CLASS (shoal_add_dialog_parent_class)->finalize (object);
}

static void
shoal_add_dialog_class_init (ShoalAddDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_add_dialog_dispose;
  object_class->finalize = shoal_add_dialog_finalize;

  /**
   * ShoalAddDialog::added:
   * @torrent: the torrent now in the session
   */
  signals[SIGNAL_ADDED] = g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_TORRENT);
  /**
   * ShoalAddDialog::failed:
   * @error: why the session refused the torrent
   */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  g_type_ensure (SHOAL_TYPE_FILE_NODE);
  g_type_ensure (SHOAL_TYPE_FILE_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-add-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalAddDialog, summary_group);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddDialog, start_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddDialog, start_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddDialog, files_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddDialog, wanted_label);

  gtk_widget_class_install_action (widget_class, "add-dialog.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "add-dialog.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "add-dialog.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "add-dialog.select-none", NULL, select_none_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_add_dialog_init (ShoalAddDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

static void
fill (ShoalAddDialog *self,
      ShoalMetainfo  *info,
      const char     *save_dir)
{
  g_autofree char *size = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;

  self->info = g_object_ref (info);

  self->files = shoal_file_node_new_tree (info);
  if (self->torrent != NULL)
    {
      for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
        shoal_file_node_update_file (self->files, i, shoal_torrent_get_file_priority (self->torrent, i), 0);
      shoal_file_node_update_sums (self->files);
    }
  g_signal_connect_object (self->files, "priorities-changed", G_CALLBACK (update_wanted), self, G_CONNECT_SWAPPED);
  selection = gtk_no_selection_new (G_LIST_MODEL (shoal_file_node_create_tree_model (self->files)));
  gtk_list_view_set_model (self->files_view, GTK_SELECTION_MODEL (selection));

  size = shoal_format_size (shoal_metainfo_get_content_size (info));
  /* The group title is markup; a torrent name is not. */
  name = g_markup_escape_text (shoal_metainfo_get_name (info), -1);
  adw_preferences_group_set_title (self->summary_group, name);
  adw_preferences_group_set_description (self->summary_group, size);

  shoal_add_dialog_set_save_dir (self, save_dir);
  update_wanted (self);
}

/**
 * shoal_add_dialog_new:
 * @parent: (nullable): the window to stay above
 * @session: where to add the torrent
 * @settings: the application settings (start-added, download-dir)
 * @info: the torrent to add
 * @save_dir: the folder to offer
 *
 * Returns: (transfer none): a new dialog, owned by GTK until it closes
 */
ShoalAddDialog *
shoal_add_dialog_new (GtkWindow     *parent,
                      ShoalSession  *session,
                      GSettings     *settings,
                      ShoalMetainfo *info,
                      const char    *save_dir)
{
  ShoalAddDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (SHOAL_IS_METAINFO (info), NULL);
  g_return_val_if_fail (save_dir != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_ADD_DIALOG, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  self->settings = g_object_ref (settings);
  gtk_switch_set_active (self->start_switch, g_settings_get_boolean (settings, "start-added"));
  fill (self, info, save_dir);

  return self;
}

/**
 * shoal_add_dialog_new_for_torrent:
 * @parent: (nullable): the window to stay above
 * @settings: the application settings
 * @torrent: a torrent of the session whose metainfo is known, paused
 *
 * Offers the file choice for a torrent added without it: a magnet link
 * whose metadata just arrived. Its folder is already set; the dialog
 * applies the skipped files and starts the torrent if asked to.
 *
 * Returns: (transfer none): a new dialog, owned by GTK until it closes
 */
ShoalAddDialog *
shoal_add_dialog_new_for_torrent (GtkWindow    *parent,
                                  GSettings    *settings,
                                  ShoalTorrent *torrent)
{
  ShoalAddDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (SHOAL_IS_TORRENT (torrent), NULL);
  g_return_val_if_fail (shoal_torrent_get_metainfo (torrent) != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_ADD_DIALOG,
                       "transient-for", parent,
                       "title", _("Choose Files"),
                       NULL);
  self->session = g_object_ref (shoal_torrent_get_session (torrent));
  self->settings = g_object_ref (settings);
  self->torrent = g_object_ref (torrent);

  /* The user added the link to download it: starting is the default. */
  gtk_button_set_label (self->add_button, _("_Download"));
  adw_action_row_set_subtitle (self->start_row, _("Otherwise the torrent stays paused"));
  gtk_switch_set_active (self->start_switch, TRUE);
  /* Nothing is on disk yet, but the torrent already has its folder. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "add-dialog.choose-folder", FALSE);
  fill (self, shoal_torrent_get_metainfo (torrent), shoal_torrent_get_save_dir (torrent));

  return self;
}

/**
 * shoal_add_dialog_get_torrent:
 * @self: a dialog
 *
 * Returns: (transfer none) (nullable): the torrent whose files the dialog
 *   chooses, when made by shoal_add_dialog_new_for_torrent()
 */
ShoalTorrent *
shoal_add_dialog_get_torrent (ShoalAddDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_ADD_DIALOG (self), NULL);
  return self->torrent;
}
