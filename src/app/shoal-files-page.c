/* shoal-files-page.c: a torrent's files as a tree, with their priorities
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The metainfo lists files by path; this page turns the paths into a
 * tree of FileNode objects (directories hold a GListStore of children)
 * shown through a GtkTreeListModel. Directories carry the sums of their
 * files (size, bytes had, how many are skipped) so that their checkbox
 * can show "some skipped", and changing a directory changes every file
 * under it. Pad files (BEP 47) are not the user's business and are left
 * out.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-label-column.h"
#include "shoal-details-view.h"
#include "shoal-files-page.h"

/* FileNode: one row */

#define PRIORITY_MIXED (-1)

#define FILE_TYPE_NODE (file_node_get_type ())
G_DECLARE_FINAL_TYPE (FileNode, file_node, FILE, NODE, GObject)

struct _FileNode
{
  GObject     parent_instance;

  FileNode   *parent;       /* not owned */
  GListStore *children;     /* NULL for files */
  char       *name;
  int         file_index;   /* -1 for directories */
  guint64     size;
  guint64     have;
  int         priority;     /* a ShoalFilePriority, or PRIORITY_MIXED */
  guint       n_files;
  guint       n_skipped;
};

enum {
  NODE_PROP_0,
  NODE_PROP_HAVE,
  NODE_PROP_PRIORITY,
  N_NODE_PROPS
};

static GParamSpec *node_properties[N_NODE_PROPS];

G_DEFINE_FINAL_TYPE (FileNode, file_node, G_TYPE_OBJECT)

static void
file_node_finalize (GObject *object)
{
  FileNode *self = FILE_NODE (object);

  g_clear_object (&self->children);
  g_free (self->name);

  G_OBJECT_CLASS (file_node_parent_class)->finalize (object);
}

static void
file_node_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  FileNode *self = FILE_NODE (object);

  switch (prop_id)
    {
    case NODE_PROP_HAVE:
      g_value_set_uint64 (value, self->have);
      break;
    case NODE_PROP_PRIORITY:
      g_value_set_int (value, self->priority);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
file_node_class_init (FileNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = file_node_finalize;
  object_class->get_property = file_node_get_property;

  node_properties[NODE_PROP_HAVE] = g_param_spec_uint64 ("have", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  node_properties[NODE_PROP_PRIORITY] = g_param_spec_int ("priority", NULL, NULL, PRIORITY_MIXED, G_MAXINT,
                                                          SHOAL_FILE_PRIORITY_NORMAL, flags);
  g_object_class_install_properties (object_class, N_NODE_PROPS, node_properties);
}

static void
file_node_init (FileNode *self)
{
  self->file_index = -1;
  self->priority = SHOAL_FILE_PRIORITY_NORMAL;
}

static FileNode *
file_node_new (FileNode   *parent,
               const char *name,
               int         file_index)
{
  FileNode *self = g_object_new (FILE_TYPE_NODE, NULL);

  self->parent = parent;
  self->name = g_strdup (name);
  self->file_index = file_index;
  if (file_index < 0)
    self->children = g_list_store_new (FILE_TYPE_NODE);
  return self;
}

static void
file_node_set_have (FileNode *self,
                    guint64   have)
{
  if (self->have == have)
    return;
  self->have = have;
  g_object_notify_by_pspec (G_OBJECT (self), node_properties[NODE_PROP_HAVE]);
}

/* Recomputes a directory's sums from its children (not recursively). */
static void
file_node_sum_children (FileNode *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  guint64 have = 0;
  int priority = 0;
  guint old_skipped = self->n_skipped;

  self->size = 0;
  self->n_files = 0;
  self->n_skipped = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FileNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      self->size += child->size;
      have += child->have;
      self->n_files += child->n_files;
      self->n_skipped += child->n_skipped;
      if (i == 0)
        priority = child->priority;
      else if (priority != child->priority)
        priority = PRIORITY_MIXED;
    }
  file_node_set_have (self, have);
  /* The checkbox shows how many files are skipped: that changes along
   * with the priorities, so it is notified as one of them. */
  if (self->priority != priority || self->n_skipped != old_skipped)
    {
      self->priority = priority;
      g_object_notify_by_pspec (G_OBJECT (self), node_properties[NODE_PROP_PRIORITY]);
    }
}

static int
file_node_compare (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  const FileNode *na = a;
  const FileNode *nb = b;

  /* Directories first, as in file managers */
  if ((na->children != NULL) != (nb->children != NULL))
    return na->children != NULL ? -1 : 1;
  return g_utf8_collate (na->name, nb->name);
}

/* The page */

struct _ShoalFilesPage
{
  GtkWidget        parent_instance;

  ShoalTorrent    *torrent;
  FileNode        *root;
  GPtrArray       *file_nodes;     /* by file index; NULL for pad files */
  guint            timer_id;

  GtkColumnView   *column_view;
};

G_DEFINE_FINAL_TYPE (ShoalFilesPage, shoal_files_page, GTK_TYPE_WIDGET)

/* The dropdown's items, in order */
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

static void
sum_up (FileNode *node)
{
  for (FileNode *n = node; n != NULL; n = n->parent)
    if (n->children != NULL)
      file_node_sum_children (n);
}

static void
set_file_priority (ShoalFilesPage    *self,
                   FileNode          *node,
                   ShoalFilePriority  priority)
{
  if (node->children != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (node->children));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(FileNode) child = g_list_model_get_item (G_LIST_MODEL (node->children), i);

          set_file_priority (self, child, priority);
        }
      file_node_sum_children (node);
      return;
    }

  shoal_torrent_set_file_priority (self->torrent, (guint) node->file_index, priority);
  node->n_skipped = priority == SHOAL_FILE_PRIORITY_SKIP;
  if (node->priority != (int) priority)
    {
      node->priority = priority;
      g_object_notify_by_pspec (G_OBJECT (node), node_properties[NODE_PROP_PRIORITY]);
    }
}

/* Unskips the skipped files under @node, leaving the others' priorities
 * as the user set them. */
static void
unskip (ShoalFilesPage *self,
        FileNode       *node)
{
  if (node->children != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (node->children));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(FileNode) child = g_list_model_get_item (G_LIST_MODEL (node->children), i);

          unskip (self, child);
        }
      file_node_sum_children (node);
    }
  else if (node->priority == SHOAL_FILE_PRIORITY_SKIP)
    set_file_priority (self, node, SHOAL_FILE_PRIORITY_NORMAL);
}

static void
change_priority (ShoalFilesPage *self,
                 FileNode       *node,
                 int             priority,
                 gboolean        only_unskip)
{
  if (self->torrent == NULL)
    return;
  if (only_unskip)
    unskip (self, node);
  else
    set_file_priority (self, node, (ShoalFilePriority) priority);
  sum_up (node->parent);
}

static void
update_have (ShoalFilesPage *self)
{
  if (self->torrent == NULL || self->file_nodes == NULL)
    return;

  for (guint i = 0; i < self->file_nodes->len; i++)
    {
      FileNode *node = self->file_nodes->pdata[i];

      if (node != NULL)
        file_node_set_have (node, shoal_torrent_get_file_have (self->torrent, i));
    }
}

static void
sum_tree (FileNode *node)
{
  guint n;

  if (node->children == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (node->children));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FileNode) child = g_list_model_get_item (G_LIST_MODEL (node->children), i);

      sum_tree (child);
    }
  file_node_sum_children (node);
}

/* Reads the priorities again too: the CLI or the add dialog may have
 * changed them while the page was hidden. */
static void
refresh (ShoalFilesPage *self)
{
  if (self->torrent == NULL || self->file_nodes == NULL)
    return;

  for (guint i = 0; i < self->file_nodes->len; i++)
    {
      FileNode *node = self->file_nodes->pdata[i];
      int priority;

      if (node == NULL)
        continue;
      priority = shoal_torrent_get_file_priority (self->torrent, i);
      node->n_skipped = priority == SHOAL_FILE_PRIORITY_SKIP;
      if (node->priority != priority)
        {
          node->priority = priority;
          g_object_notify_by_pspec (G_OBJECT (node), node_properties[NODE_PROP_PRIORITY]);
        }
    }
  update_have (self);
  sum_tree (self->root);
}

static void
sort_tree (FileNode *node)
{
  guint n;

  if (node->children == NULL)
    return;
  g_list_store_sort (node->children, file_node_compare, NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (node->children));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FileNode) child = g_list_model_get_item (G_LIST_MODEL (node->children), i);

      sort_tree (child);
    }
}

static void
unref_node (gpointer node)
{
  /* Pad files have no node */
  if (node != NULL)
    g_object_unref (node);
}

static void
build_tree (ShoalFilesPage *self)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (self->torrent);
  /* A magnet link has no files until its metadata arrives; the details
   * view sets the torrent again then. */
  guint n_files = info != NULL ? shoal_metainfo_get_n_files (info) : 0;
  gboolean multi = info != NULL && shoal_metainfo_is_multi_file (info);
  g_autoptr(GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->root = file_node_new (NULL, shoal_torrent_get_name (self->torrent), -1);
  self->file_nodes = g_ptr_array_new_full (n_files, unref_node);

  for (guint i = 0; i < n_files; i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (info, i);
      g_auto(GStrv) parts = NULL;
      FileNode *dir = self->root;
      FileNode *leaf;
      GString *dir_path;
      guint first;

      if (file->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        {
          g_ptr_array_add (self->file_nodes, NULL);
          continue;
        }

      /* Multi-file paths start with the torrent's name; the page is
       * about that torrent already, so its children are the top rows. */
      parts = g_strsplit (file->path, "/", -1);
      first = multi && parts[0] != NULL && parts[1] != NULL ? 1 : 0;
      dir_path = g_string_new (NULL);
      for (guint p = first; parts[p] != NULL && parts[p + 1] != NULL; p++)
        {
          FileNode *child;

          g_string_append (dir_path, parts[p]);
          g_string_append_c (dir_path, '/');
          child = g_hash_table_lookup (dirs, dir_path->str);
          if (child == NULL)
            {
              child = file_node_new (dir, parts[p], -1);
              g_list_store_append (dir->children, child);
              g_hash_table_insert (dirs, g_strdup (dir_path->str), child);
              g_object_unref (child);
            }
          dir = child;
        }
      g_string_free (dir_path, TRUE);

      leaf = file_node_new (dir, parts[g_strv_length (parts) - 1], (int) i);
      leaf->size = file->length;
      leaf->n_files = 1;
      g_list_store_append (dir->children, leaf);
      g_ptr_array_add (self->file_nodes, leaf);
    }

  sort_tree (self->root);
}

static GListModel *
create_children_cb (gpointer item,
                    gpointer user_data)
{
  FileNode *node = item;

  return node->children != NULL ? g_object_ref (G_LIST_MODEL (node->children)) : NULL;
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
  g_clear_pointer (&self->file_nodes, g_ptr_array_unref);
  g_set_object (&self->torrent, torrent);

  if (torrent != NULL)
    {
      GtkTreeListModel *tree;

      build_tree (self);
      refresh (self);
      /* Expanding everything is what one wants for a few files, and too
       * slow and long to scroll for a torrent of thousands. */
      tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->root->children)),
                                      FALSE, self->file_nodes->len <= 100,
                                      create_children_cb, NULL, NULL);
      selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (tree)));
    }
  gtk_column_view_set_model (self->column_view, selection);
}

/* Row widgets keep their node and the handler of its notifications. */

static FileNode *
row_node (GtkListItem *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);

  return row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
}

static void
unbind_widget (GtkWidget *widget)
{
  FileNode *node = g_object_get_data (G_OBJECT (widget), "shoal-node");
  gulong id = (gulong) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (widget), "shoal-notify-id"));

  if (node != NULL && id != 0)
    g_signal_handler_disconnect (node, id);
  g_object_set_data (G_OBJECT (widget), "shoal-notify-id", NULL);
  g_object_set_data (G_OBJECT (widget), "shoal-node", NULL);
}

static void check_update (GtkCheckButton *check);
static void dropdown_update (GtkDropDown *dropdown);

static void
node_priority_cb (FileNode   *node,
                  GParamSpec *pspec,
                  GtkWidget  *widget)
{
  if (GTK_IS_CHECK_BUTTON (widget))
    check_update (GTK_CHECK_BUTTON (widget));
  else
    dropdown_update (GTK_DROP_DOWN (widget));
}

static void
bind_widget (GtkWidget *widget,
             FileNode  *node)
{
  gulong id = g_signal_connect_object (node, "notify::priority", G_CALLBACK (node_priority_cb), widget, 0);

  g_object_set_data_full (G_OBJECT (widget), "shoal-node", g_object_ref (node), g_object_unref);
  g_object_set_data (G_OBJECT (widget), "shoal-notify-id", GSIZE_TO_POINTER ((gsize) id));
}

/* Name column */

static void
name_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               ShoalFilesPage           *self)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (list_item, expander);
}

static void
name_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              ShoalFilesPage           *self)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item));
  GtkWidget *box = gtk_tree_expander_get_child (expander);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_last_child (box);
  g_autoptr(FileNode) node = row_node (list_item);

  gtk_tree_expander_set_list_row (expander, gtk_list_item_get_item (list_item));
  if (node == NULL)
    return;
  gtk_image_set_from_icon_name (GTK_IMAGE (icon), node->children != NULL ? "folder-symbolic" : "text-x-generic-symbolic");
  gtk_label_set_text (GTK_LABEL (label), node->name);
  gtk_widget_set_tooltip_text (label, node->name);
}

static void
name_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                ShoalFilesPage           *self)
{
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item)), NULL);
}

/* Download checkbox column */

static void
check_update (GtkCheckButton *check)
{
  FileNode *node = g_object_get_data (G_OBJECT (check), "shoal-node");

  g_signal_handlers_block_matched (check, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, check);
  gtk_check_button_set_active (check, node->n_skipped < node->n_files);
  gtk_check_button_set_inconsistent (check, node->n_skipped > 0 && node->n_skipped < node->n_files);
  g_signal_handlers_unblock_matched (check, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, check);
}

static void
check_toggled_cb (GtkCheckButton *check,
                  gpointer        user_data)
{
  ShoalFilesPage *self = g_object_get_data (G_OBJECT (check), "shoal-page");
  FileNode *node = g_object_get_data (G_OBJECT (check), "shoal-node");

  if (node == NULL)
    return;
  change_priority (self, node, SHOAL_FILE_PRIORITY_SKIP, gtk_check_button_get_active (check));
  check_update (check);
}

static void
check_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                ShoalFilesPage           *self)
{
  GtkWidget *check = gtk_check_button_new ();

  g_object_set_data (G_OBJECT (check), "shoal-page", self);
  /* The data is the button itself, so check_update() can block this
   * handler (and only it) when it sets the state. */
  g_signal_connect (check, "toggled", G_CALLBACK (check_toggled_cb), check);
  gtk_list_item_set_child (list_item, check);
}

static void
check_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               ShoalFilesPage           *self)
{
  GtkWidget *check = gtk_list_item_get_child (list_item);
  g_autoptr(FileNode) node = row_node (list_item);
  g_autofree char *tooltip = NULL;

  if (node == NULL)
    return;
  bind_widget (check, node);
  /* Translators: the tooltip of the checkbox of a file or folder */
  tooltip = g_strdup_printf (_("Download “%s”"), node->name);
  gtk_widget_set_tooltip_text (check, tooltip);
  check_update (GTK_CHECK_BUTTON (check));
}

static void
check_unbind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 ShoalFilesPage           *self)
{
  unbind_widget (gtk_list_item_get_child (list_item));
}

/* Priority dropdown column */

static void
dropdown_update (GtkDropDown *dropdown)
{
  FileNode *node = g_object_get_data (G_OBJECT (dropdown), "shoal-node");
  guint selected = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
    if ((int) priorities[i] == node->priority)
      selected = i;

  g_signal_handlers_block_matched (dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, dropdown);
  gtk_drop_down_set_selected (dropdown, selected);
  g_signal_handlers_unblock_matched (dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, dropdown);
}

static void
dropdown_selected_cb (GtkDropDown *dropdown,
                      GParamSpec  *pspec,
                      gpointer     user_data)
{
  ShoalFilesPage *self = g_object_get_data (G_OBJECT (dropdown), "shoal-page");
  FileNode *node = g_object_get_data (G_OBJECT (dropdown), "shoal-node");
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (node == NULL || selected >= G_N_ELEMENTS (priorities))
    return;
  change_priority (self, node, priorities[selected], FALSE);
}

static void
dropdown_setup_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   ShoalFilesPage           *self)
{
  const char *names[] = { _("Skip"), _("Low"), _("Normal"), _("High"), NULL };
  GtkWidget *dropdown = gtk_drop_down_new_from_strings (names);

  gtk_widget_add_css_class (dropdown, "flat");
  g_object_set_data (G_OBJECT (dropdown), "shoal-page", self);
  g_signal_connect (dropdown, "notify::selected", G_CALLBACK (dropdown_selected_cb), dropdown);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Priority"),
                                  -1);
  gtk_list_item_set_child (list_item, dropdown);
}

static void
dropdown_bind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  ShoalFilesPage           *self)
{
  GtkWidget *dropdown = gtk_list_item_get_child (list_item);
  g_autoptr(FileNode) node = row_node (list_item);

  if (node == NULL)
    return;
  bind_widget (dropdown, node);
  dropdown_update (GTK_DROP_DOWN (dropdown));
}

static void
dropdown_unbind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    ShoalFilesPage           *self)
{
  unbind_widget (gtk_list_item_get_child (list_item));
}

/* Text columns */

static char *
size_text (gpointer item)
{
  return shoal_format_size (FILE_NODE (item)->size);
}

static char *
progress_text (gpointer item)
{
  FileNode *node = item;

  if (node->size == 0)
    return g_strdup (_("Done"));
  return g_strdup_printf (_("%.0f %%"), 100.0 * (double) node->have / (double) node->size);
}

static void
add_custom_column (ShoalFilesPage *self,
                   const char     *title,
                   GCallback       setup,
                   GCallback       bind,
                   GCallback       unbind,
                   gboolean        expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) column = NULL;

  g_signal_connect (factory, "setup", setup, self);
  g_signal_connect (factory, "bind", bind, self);
  if (unbind != NULL)
    g_signal_connect (factory, "unbind", unbind, self);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, expand);
  gtk_column_view_append_column (self->column_view, column);
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  ShoalFilesPage *self = user_data;

  update_have (self);
  if (self->root != NULL)
    sum_tree (self->root);
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
  g_clear_pointer (&self->file_nodes, g_ptr_array_unref);
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
}

static void
shoal_files_page_init (ShoalFilesPage *self)
{
  const char *have[] = { "have", NULL };
  const char *none[] = { NULL };
  g_autoptr(GtkColumnViewColumn) size = NULL;
  g_autoptr(GtkColumnViewColumn) progress = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  add_custom_column (self, "", G_CALLBACK (check_setup_cb), G_CALLBACK (check_bind_cb),
                     G_CALLBACK (check_unbind_cb), FALSE);
  add_custom_column (self, _("Name"), G_CALLBACK (name_setup_cb), G_CALLBACK (name_bind_cb),
                     G_CALLBACK (name_unbind_cb), TRUE);

  size = shoal_label_column_new (_("Size"), size_text, NULL, none, 1.f, TRUE);
  gtk_column_view_append_column (self->column_view, size);
  progress = shoal_label_column_new (_("Progress"), progress_text, NULL, have, 1.f, TRUE);
  gtk_column_view_append_column (self->column_view, progress);

  add_custom_column (self, _("Priority"), G_CALLBACK (dropdown_setup_cb), G_CALLBACK (dropdown_bind_cb),
                     G_CALLBACK (dropdown_unbind_cb), FALSE);
}
