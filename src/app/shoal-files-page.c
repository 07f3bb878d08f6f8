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
 */

#include "config.h"

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

/**
 * shoal_files_page_set_torrent:
 * @self: a files page
 * @torrent: (nullable): the torrent whose files to show
 */
void
shoal_files_page_set_torrent (ShoalFilesPage *self,
                              ShoalTorrent   *torrent)
{
  g_autoptr(GtkSelectionModel) selection = NULL;

  g_return_if_fail (SHOAL_IS_FILES_PAGE (self));

  if (self->torrent == torrent)
    return;

  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->root);
  g_set_object (&self->torrent, torrent);

  if (torrent != NULL)
    {
      /* A magnet link has no files until its metadata arrives; the
       * details view sets the torrent again then. */
      self->root = shoal_file_node_new_tree (shoal_torrent_get_metainfo (torrent));
      refresh (self);
      g_signal_connect_object (self->root, "priorities-changed", G_CALLBACK (priorities_changed_cb), self,
                               G_CONNECT_SWAPPED);
      selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (shoal_file_node_create_tree_model (self->root))));
    }
  gtk_column_view_set_model (self->column_view, selection);
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

  gtk_widget_init_template (GTK_WIDGET (self));

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
}
