/* shoal-files-page.c: a torrent's files as a tree, with their priorities
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tree is a ShoalFileNode tree (shoal-file-node.c), its rows the
 * ShoalFileRow the add dialog shows too; this page adds the columns of a
 * torrent being downloaded (progress, priority), applies the user's
 * changes to the torrent at once, and reads the torrent again every
 * second while it is shown.
 *
 * Rename… (the files.rename action, on the selected row) renames a file
 * or folder through shoal_torrent_rename_path(); the tree is built from
 * the metainfo, then takes the names the torrent's files have now.
 *
 * v2 and hybrid torrents get a Pieces Root column: each file's merkle
 * root (BEP 52), which identifies its content across torrents; the text
 * is selectable so that it can be copied.
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "shoal-details-view.h"
#include "shoal-file-node.h"
#include "shoal-file-row.h"
#include "shoal-files-page.h"
#include "shoal-format.h"
#include "shoal-label-column.h"

struct _ShoalFilesPage
{
  GtkWidget        parent_instance;

  ShoalTorrent    *torrent;
  ShoalFileNode   *root;
  guint            timer_id;

  GtkColumnView   *column_view;
  GtkColumnViewColumn *root_column;
};

G_DEFINE_FINAL_TYPE (ShoalFilesPage, shoal_files_page, GTK_TYPE_WIDGET)

/* The dropdown's items, in order (shoal-files-page-priority.ui) */
static const ShoalFilePriority priorities[] = {
  SHOAL_FILE_PRIORITY_SKIP,
  SHOAL_FILE_PRIORITY_LOW,
  SHOAL_FILE_PRIORITY_NORMAL,
  SHOAL_FILE_PRIORITY_HIGH,
};

/**
 * shoal_files_page_new:
 *
 * Returns: (transfer full): a new, empty #ShoalFilesPage
 */
ShoalFilesPage *
shoal_files_page_new (void)
{
  return g_object_new (SHOAL_TYPE_FILES_PAGE, NULL);
}

/* Reads the priorities again too: the CLI or the add dialog may have
 * changed them while the page was hidden. */
static void
refresh (ShoalFilesPage *self)
{
  ShoalMetainfo *info;
  guint n_files;

  if (self->torrent == NULL || self->root == NULL)
    return;

  info = shoal_torrent_get_metainfo (self->torrent);
  n_files = info != NULL ? shoal_metainfo_get_n_files (info) : 0;
  for (guint i = 0; i < n_files; i++)
    shoal_file_node_update_file (self->root, i, shoal_torrent_get_file_priority (self->torrent, i),
                                 shoal_torrent_get_file_have (self->torrent, i));
  shoal_file_node_update_sums (self->root);
}

/* The user changed priorities in the tree: the torrent follows. */
static void
priorities_changed_cb (ShoalFilesPage *self,
                       ShoalFileNode  *root)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (self->torrent);
  guint n_files = info != NULL ? shoal_metainfo_get_n_files (info) : 0;

  for (guint i = 0; i < n_files; i++)
    {
      ShoalFileNode *file = shoal_file_node_get_file (root, i);
      int priority;

      if (file == NULL)
        continue;
      priority = shoal_file_node_get_priority (file);
      if (priority != (int) shoal_torrent_get_file_priority (self->torrent, i))
        shoal_torrent_set_file_priority (self->torrent, i, (ShoalFilePriority) priority);
    }
}

/* The names of the torrent's files now (renamed, maybe) over the
 * metainfo's: each file's path, from its end, names the file and its
 * folders up to the top rows. */
static void
apply_current_names (ShoalFilesPage *self)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (self->torrent);
  guint n_files = info != NULL ? shoal_metainfo_get_n_files (info) : 0;

  for (guint i = 0; i < n_files; i++)
    {
      ShoalFileNode *node = shoal_file_node_get_file (self->root, i);
      g_autofree char *path = NULL;
      g_auto(GStrv) parts = NULL;
      guint n;

      if (node == NULL)
        continue;
      path = shoal_torrent_dup_file_path (self->torrent, i);
      if (path == NULL)
        continue;
      parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
      n = g_strv_length (parts);
      for (; node != NULL && node != self->root && n > 0; node = shoal_file_node_get_parent (node))
        shoal_file_node_set_name (node, parts[--n]);
    }
}

/* A file under @node, for its path */
static int
first_file_under (ShoalFileNode *node)
{
  GListModel *children = shoal_file_node_get_children (node);

  if (children == NULL)
    return shoal_file_node_get_file_index (node);
  for (guint i = 0; i < g_list_model_get_n_items (children); i++)
    {
      g_autoptr(ShoalFileNode) child = g_list_model_get_item (children, i);
      int index = first_file_under (child);

      if (index >= 0)
        return index;
    }
  return -1;
}

/* The path of @node as shoal_torrent_rename_path() takes it: the path of
 * a file under it, cut after the node's own name. */
static char *
dup_node_path (ShoalFilesPage *self,
               ShoalFileNode  *node)
{
  int index = first_file_under (node);
  g_autofree char *file_path = NULL;
  g_auto(GStrv) parts = NULL;
  guint depth = 0, n;

  if (index < 0 || (file_path = shoal_torrent_dup_file_path (self->torrent, (guint) index)) == NULL)
    return NULL;
  for (ShoalFileNode *n_up = node; n_up != NULL && n_up != self->root; n_up = shoal_file_node_get_parent (n_up))
    depth++;
  parts = g_strsplit (file_path, G_DIR_SEPARATOR_S, -1);
  n = g_strv_length (parts);
  /* Below a file's name come as many folders as the node is deep from
   * the file: the first ones (the torrent's own folder) are not rows. */
  {
    guint file_depth = 0;

    for (ShoalFileNode *n_up = shoal_file_node_get_file (self->root, (guint) index);
         n_up != NULL && n_up != self->root; n_up = shoal_file_node_get_parent (n_up))
      file_depth++;
    if (file_depth > n || depth > file_depth)
      return NULL;
    g_free (parts[n - (file_depth - depth)]);
    parts[n - (file_depth - depth)] = NULL;
    return g_strjoinv (G_DIR_SEPARATOR_S, parts);
  }
}

static ShoalFileNode *
selected_node (ShoalFilesPage *self)
{
  GtkSelectionModel *model = gtk_column_view_get_model (self->column_view);
  GtkTreeListRow *row;

  if (!GTK_IS_SINGLE_SELECTION (model))
    return NULL;
  row = gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (model));
  return row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
}

static void
update_rename_action (ShoalFilesPage *self)
{
  g_autoptr(ShoalFileNode) node = selected_node (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.rename", node != NULL);
}

static void build_tree (ShoalFilesPage *self);

static void
rename_entry_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (entry);
  const char *old_name = g_object_get_data (G_OBJECT (dialog), "old-name");

  adw_message_dialog_set_response_enabled (dialog, "rename",
                                           text[0] != '\0' && strchr (text, '/') == NULL &&
                                           strcmp (text, ".") != 0 && strcmp (text, "..") != 0 &&
                                           g_strcmp0 (text, old_name) != 0);
}

static void
rename_response_cb (ShoalFilesPage   *self,
                    const char       *response,
                    AdwMessageDialog *dialog)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char *path = g_object_get_data (G_OBJECT (dialog), "path");
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "rename") || self->torrent == NULL)
    return;
  if (!shoal_torrent_rename_path (self->torrent, path, gtk_editable_get_text (entry), &error))
    {
      GtkWidget *failed = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                  _("Could Not Rename"), error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (failed), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (failed));
      return;
    }
  /* The rows show a node's name as they are bound: new rows */
  build_tree (self);
}

static void
rename_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ShoalFilesPage *self = SHOAL_FILES_PAGE (widget);
  g_autoptr(ShoalFileNode) node = selected_node (self);
  g_autofree char *path = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  if (node == NULL || self->torrent == NULL || (path = dup_node_path (self, node)) == NULL)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                                       shoal_file_node_get_children (node) != NULL
                                                         ? _("Rename Folder") : _("Rename File"),
                                                       NULL));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "rename");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "path", g_steal_pointer (&path), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "old-name", g_strdup (shoal_file_node_get_name (node)), g_free);
  entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry), shoal_file_node_get_name (node));
  adw_message_dialog_set_extra_child (dialog, entry);
  g_signal_connect_object (entry, "changed", G_CALLBACK (rename_entry_changed_cb), dialog, 0);
  rename_entry_changed_cb (GTK_EDITABLE (entry), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/**
 * shoal_files_page_set_torrent:
 * @self: a files page
 * @torrent: (nullable): the torrent whose files to show
 */
void
shoal_files_page_set_torrent (ShoalFilesPage *self,
                              ShoalTorrent   *torrent)
{

  g_return_if_fail (SHOAL_IS_FILES_PAGE (self));

  if (self->torrent == torrent)
    return;

  g_set_object (&self->torrent, torrent);
  build_tree (self);
}

/* The tree of the torrent's files, from the start */
static void
build_tree (ShoalFilesPage *self)
{
  g_autoptr(GtkSelectionModel) selection = NULL;
  ShoalTorrent *torrent = self->torrent;

  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->root);

  if (torrent != NULL)
    {
      /* A magnet link has no files until its metadata arrives; the
       * details view sets the torrent again then. */
      self->root = shoal_file_node_new_tree (shoal_torrent_get_metainfo (torrent));
      apply_current_names (self);
      refresh (self);
      g_signal_connect_object (self->root, "priorities-changed", G_CALLBACK (priorities_changed_cb), self,
                               G_CONNECT_SWAPPED);
      selection = GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (shoal_file_node_create_tree_model (self->root))));
      gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
      gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);
      gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (selection), GTK_INVALID_LIST_POSITION);
      g_signal_connect_object (selection, "selection-changed", G_CALLBACK (update_rename_action), self,
                               G_CONNECT_SWAPPED);
    }
  gtk_column_view_set_model (self->column_view, selection);
  update_rename_action (self);
  gtk_column_view_column_set_visible (self->root_column,
                                      torrent != NULL && shoal_torrent_get_metainfo (torrent) != NULL &&
                                      (shoal_metainfo_get_version (shoal_torrent_get_metainfo (torrent)) &
                                       SHOAL_TORRENT_VERSION_V2) != 0);
}

/* Pieces Root column */

static void
root_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               ShoalFilesPage           *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  /* Both ends of a hash are what people compare by eye. */
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (label, "monospace");
  gtk_list_item_set_child (list_item, label);
}

static void
root_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              ShoalFilesPage           *self)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(ShoalFileNode) node = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
  ShoalMetainfo *info = self->torrent != NULL ? shoal_torrent_get_metainfo (self->torrent) : NULL;
  GtkWidget *label = gtk_list_item_get_child (list_item);
  int index = node != NULL ? shoal_file_node_get_file_index (node) : -1;
  g_autofree char *hex = NULL;

  /* Folders and empty files have no root. */
  if (info != NULL && index >= 0 && (guint) index < shoal_metainfo_get_n_files (info) &&
      shoal_metainfo_get_file (info, (guint) index)->pieces_root != NULL)
    hex = shoal_hex_encode (shoal_metainfo_get_file (info, (guint) index)->pieces_root, SHOAL_SHA256_LEN);
  gtk_label_set_text (GTK_LABEL (label), hex != NULL ? hex : "");
  gtk_widget_set_tooltip_text (label, hex);
}

/* Priority column (shoal-files-page-priority.ui) */

static guint
priority_position (gpointer this,
                   int      priority)
{
  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
    if ((int) priorities[i] == priority)
      return i;
  /* A folder of mixed priorities */
  return GTK_INVALID_LIST_POSITION;
}

static void
priority_selected_cb (GtkDropDown *dropdown,
                      GParamSpec  *pspec,
                      GtkListItem *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(ShoalFileNode) node = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
  guint selected = gtk_drop_down_get_selected (dropdown);

  /* The binding sets the node's own priority: nothing to change then. */
  if (node == NULL || selected >= G_N_ELEMENTS (priorities) ||
      shoal_file_node_get_priority (node) == (int) priorities[selected])
    return;
  shoal_file_node_set_priority (node, priorities[selected]);
}

/* Text columns */

static char *
size_text (gpointer item)
{
  return shoal_format_size (shoal_file_node_get_size (item));
}

static char *
progress_text (gpointer item)
{
  guint64 size = shoal_file_node_get_size (item);

  if (size == 0)
    return g_strdup (_("Done"));
  return shoal_format_percent ((double) shoal_file_node_get_have (item) / (double) size);
}

static void
add_template_column (ShoalFilesPage  *self,
                     const char      *title,
                     const char      *resource,
                     GtkBuilderScope *scope,
                     gboolean         expand)
{
  GtkListItemFactory *factory = gtk_builder_list_item_factory_new_from_resource (scope, resource);
  g_autoptr(GtkColumnViewColumn) column = gtk_column_view_column_new (title, factory);

  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, expand);
  /* The names keep room to be read in a narrow pane: the table scrolls
   * sideways rather than cutting them to a few letters. */
  if (expand)
    gtk_column_view_column_set_fixed_width (column, 320);
  gtk_column_view_append_column (self->column_view, column);
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
shoal_files_page_map (GtkWidget *widget)
{
  ShoalFilesPage *self = SHOAL_FILES_PAGE (widget);

  GTK_WIDGET_CLASS (shoal_files_page_parent_class)->map (widget);

  refresh (self);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (1, refresh_timeout_cb, self);
}

static void
shoal_files_page_unmap (GtkWidget *widget)
{
  ShoalFilesPage *self = SHOAL_FILES_PAGE (widget);

  g_clear_handle_id (&self->timer_id, g_source_remove);

  GTK_WIDGET_CLASS (shoal_files_page_parent_class)->unmap (widget);
}

static void
shoal_files_page_dispose (GObject *object)
{
  ShoalFilesPage *self = SHOAL_FILES_PAGE (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_FILES_PAGE);
  shoal_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->root);
  g_clear_object (&self->torrent);
  g_clear_object (&self->root_column);

  G_OBJECT_CLASS (shoal_files_page_parent_class)->dispose (object);
}

static void
shoal_files_page_class_init (ShoalFilesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_files_page_dispose;
  widget_class->map = shoal_files_page_map;
  widget_class->unmap = shoal_files_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-files-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalFilesPage, column_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_install_action (widget_class, "files.rename", NULL, rename_action_cb);

  g_type_ensure (SHOAL_TYPE_FILE_NODE);
  g_type_ensure (SHOAL_TYPE_FILE_ROW);
}

static void
shoal_files_page_init (ShoalFilesPage *self)
{
  const char *have[] = { "have", NULL };
  const char *none[] = { NULL };
  g_autoptr(GtkBuilderScope) scope = gtk_builder_cscope_new ();
  g_autoptr(GtkColumnViewColumn) size = NULL;
  g_autoptr(GtkColumnViewColumn) progress = NULL;
  GtkListItemFactory *root_factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "files.rename", FALSE);

  add_template_column (self, _("Name"), "/io/github/shoal/Shoal/details/shoal-files-page-name.ui", NULL, TRUE);

  size = shoal_label_column_new (_("Size"), size_text, NULL, none, 1.f, TRUE);
  gtk_column_view_column_set_fixed_width (size, 90);
  gtk_column_view_append_column (self->column_view, size);
  progress = shoal_label_column_new (_("Progress"), progress_text, NULL, have, 1.f, TRUE);
  gtk_column_view_column_set_fixed_width (progress, 90);
  gtk_column_view_append_column (self->column_view, progress);

  gtk_builder_cscope_add_callback_symbols (GTK_BUILDER_CSCOPE (scope),
                                           "priority_position", G_CALLBACK (priority_position),
                                           "priority_selected_cb", G_CALLBACK (priority_selected_cb),
                                           NULL);
  add_template_column (self, _("Priority"), "/io/github/shoal/Shoal/details/shoal-files-page-priority.ui", scope,
                       FALSE);

  root_factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (root_factory, "setup", G_CALLBACK (root_setup_cb), self);
  g_signal_connect (root_factory, "bind", G_CALLBACK (root_bind_cb), self);
  self->root_column = gtk_column_view_column_new (_("Pieces Root"), root_factory);
  gtk_column_view_column_set_resizable (self->root_column, TRUE);
  gtk_column_view_column_set_fixed_width (self->root_column, 200);
  gtk_column_view_column_set_visible (self->root_column, FALSE);
  gtk_column_view_append_column (self->column_view, self->root_column);
}
