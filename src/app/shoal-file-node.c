/* shoal-file-node.c: a torrent's files as a tree of folders and files
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The metainfo lists files by path; shoal_file_node_new_tree() turns the
 * paths into a tree of nodes (folders hold a GListStore of children),
 * shown through a GtkTreeListModel by the add dialog and the Files page,
 * both with ShoalFileRow. Folders carry the sums of their files (size,
 * bytes had, how many are skipped) so that their check box can show
 * "some skipped", and changing a folder changes every file under it. Pad
 * files (BEP 47) are not the user's business and are left out.
 *
 * The tree holds the priorities the user chose; it does not know the
 * torrent. The root emits ::priorities-changed after each change made
 * through shoal_file_node_set_priority() or shoal_file_node_set_wanted(),
 * and its owner applies it (at once for the Files page, on "Add" for the
 * add dialog). shoal_file_node_update_file() and
 * shoal_file_node_update_sums() bring the tree in line with the torrent
 * without that signal.
 */

#include "config.h"

#include "shoal-file-node.h"

struct _ShoalFileNode
{
  GObject        parent_instance;

  ShoalFileNode *parent;       /* not owned */
  GListStore    *children;     /* NULL for files */
  GPtrArray     *files;        /* the root's: nodes by file index, NULL for pad files */
  char          *name;
  int            file_index;   /* -1 for folders */
  guint64        size;
  guint64        size_wanted;
  guint64        have;
  int            priority;     /* a ShoalFilePriority, or SHOAL_FILE_NODE_PRIORITY_MIXED */
  guint          n_files;
  guint          n_skipped;
};

G_DEFINE_FINAL_TYPE (ShoalFileNode, shoal_file_node, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_HAVE,
  PROP_PRIORITY,
  PROP_WANTED,
  PROP_INCONSISTENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PRIORITIES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
shoal_file_node_finalize (GObject *object)
{
  ShoalFileNode *self = SHOAL_FILE_NODE (object);

  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_object (&self->children);
  g_free (self->name);

  G_OBJECT_CLASS (shoal_file_node_parent_class)->finalize (object);
}

static void
shoal_file_node_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ShoalFileNode *self = SHOAL_FILE_NODE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HAVE:
      g_value_set_uint64 (value, self->have);
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, self->priority);
      break;
    case PROP_WANTED:
      g_value_set_boolean (value, shoal_file_node_get_wanted (self));
      break;
    case PROP_INCONSISTENT:
      g_value_set_boolean (value, shoal_file_node_get_inconsistent (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_file_node_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ShoalFileNode *self = SHOAL_FILE_NODE (object);

  switch (prop_id)
    {
    case PROP_WANTED:
      shoal_file_node_set_wanted (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_file_node_class_init (ShoalFileNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_file_node_finalize;
  object_class->get_property = shoal_file_node_get_property;
  object_class->set_property = shoal_file_node_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_HAVE] = g_param_spec_uint64 ("have", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_PRIORITY] = g_param_spec_int ("priority", NULL, NULL, SHOAL_FILE_NODE_PRIORITY_MIXED, G_MAXINT,
                                                SHOAL_FILE_PRIORITY_NORMAL, flags);
  /* Whether some file under the node is downloaded; setting it skips
   * them all, or unskips the skipped ones. */
  properties[PROP_WANTED] = g_param_spec_boolean ("wanted", NULL, NULL, TRUE, flags | G_PARAM_WRITABLE);
  /* Whether some files under the node are skipped, and some not */
  properties[PROP_INCONSISTENT] = g_param_spec_boolean ("inconsistent", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ShoalFileNode::priorities-changed:
   *
   * Emitted on the root after the user changed the priority of some
   * files of the tree.
   */
  signals[SIGNAL_PRIORITIES_CHANGED] = g_signal_new ("priorities-changed", G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
shoal_file_node_init (ShoalFileNode *self)
{
  self->file_index = -1;
  self->priority = SHOAL_FILE_PRIORITY_NORMAL;
}

static ShoalFileNode *
file_node_new (ShoalFileNode *parent,
               const char    *name,
               int            file_index)
{
  ShoalFileNode *self = g_object_new (SHOAL_TYPE_FILE_NODE, NULL);

  self->parent = parent;
  self->name = g_strdup (name);
  self->file_index = file_index;
  if (file_index < 0)
    self->children = g_list_store_new (SHOAL_TYPE_FILE_NODE);
  return self;
}

static void
set_have (ShoalFileNode *self,
          guint64        have)
{
  if (self->have == have)
    return;
  self->have = have;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAVE]);
}

/* Sets what the check box and the priority dropdown show, and notifies
 * what changed. */
static void
set_state (ShoalFileNode *self,
           int            priority,
           guint          n_skipped,
           guint64        size_wanted)
{
  gboolean wanted = shoal_file_node_get_wanted (self);
  gboolean inconsistent = shoal_file_node_get_inconsistent (self);
  gboolean priority_changed = self->priority != priority;

  self->priority = priority;
  self->n_skipped = n_skipped;
  self->size_wanted = size_wanted;

  if (priority_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
  if (wanted != shoal_file_node_get_wanted (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WANTED]);
  if (inconsistent != shoal_file_node_get_inconsistent (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCONSISTENT]);
}

static void
set_file_state (ShoalFileNode *self,
                int            priority)
{
  gboolean skipped = priority == SHOAL_FILE_PRIORITY_SKIP;

  set_state (self, priority, skipped ? 1 : 0, skipped ? 0 : self->size);
}

/* Recomputes a folder's sums from its children (not recursively). */
static void
sum_children (ShoalFileNode *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  guint64 have = 0;
  guint64 size_wanted = 0;
  int priority = SHOAL_FILE_PRIORITY_NORMAL;
  guint n_skipped = 0;

  self->size = 0;
  self->n_files = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFileNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      self->size += child->size;
      size_wanted += child->size_wanted;
      have += child->have;
      self->n_files += child->n_files;
      n_skipped += child->n_skipped;
      if (i == 0)
        priority = child->priority;
      else if (priority != child->priority)
        priority = SHOAL_FILE_NODE_PRIORITY_MIXED;
    }
  set_have (self, have);
  set_state (self, priority, n_skipped, size_wanted);
}

static void
sum_tree (ShoalFileNode *self)
{
  guint n;

  if (self->children == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFileNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      sum_tree (child);
    }
  sum_children (self);
}

static void
sum_up (ShoalFileNode *self)
{
  for (ShoalFileNode *n = self; n != NULL; n = n->parent)
    if (n->children != NULL)
      sum_children (n);
}

static ShoalFileNode *
get_root (ShoalFileNode *self)
{
  while (self->parent != NULL)
    self = self->parent;
  return self;
}

static int
compare_nodes (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const ShoalFileNode *na = a;
  const ShoalFileNode *nb = b;

  /* Folders first, as in file managers */
  if ((na->children != NULL) != (nb->children != NULL))
    return na->children != NULL ? -1 : 1;
  return g_utf8_collate (na->name, nb->name);
}

static void
sort_tree (ShoalFileNode *self)
{
  guint n;

  if (self->children == NULL)
    return;
  g_list_store_sort (self->children, compare_nodes, NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFileNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

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

/**
 * shoal_file_node_new_tree:
 * @info: (nullable): the torrent's metainfo; %NULL for a magnet link
 *   whose metadata has not arrived, which has no files yet
 *
 * Builds the tree of the files of @info. The root is a folder whose
 * children are the top rows: a multi-file torrent's paths start with its
 * name, which the views show elsewhere. Every file is wanted, at normal
 * priority.
 *
 * Returns: (transfer full): the root of the tree
 */
ShoalFileNode *
shoal_file_node_new_tree (ShoalMetainfo *info)
{
  guint n_files = info != NULL ? shoal_metainfo_get_n_files (info) : 0;
  gboolean multi = info != NULL && shoal_metainfo_is_multi_file (info);
  g_autoptr(GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ShoalFileNode *root;

  g_return_val_if_fail (info == NULL || SHOAL_IS_METAINFO (info), NULL);

  root = file_node_new (NULL, info != NULL ? shoal_metainfo_get_name (info) : "", -1);
  root->files = g_ptr_array_new_full (n_files, unref_node);

  for (guint i = 0; i < n_files; i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (info, i);
      g_auto(GStrv) parts = NULL;
      ShoalFileNode *dir = root;
      ShoalFileNode *leaf;
      GString *dir_path;
      guint first;

      if (file->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        {
          g_ptr_array_add (root->files, NULL);
          continue;
        }

      parts = g_strsplit (file->path, "/", -1);
      first = multi && parts[0] != NULL && parts[1] != NULL ? 1 : 0;
      dir_path = g_string_new (NULL);
      for (guint p = first; parts[p] != NULL && parts[p + 1] != NULL; p++)
        {
          ShoalFileNode *child;

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
      leaf->size_wanted = file->length;
      leaf->n_files = 1;
      g_list_store_append (dir->children, leaf);
      g_ptr_array_add (root->files, leaf);
    }

  sort_tree (root);
  sum_tree (root);
  return root;
}

static GListModel *
create_children_cb (gpointer item,
                    gpointer user_data)
{
  ShoalFileNode *node = item;

  return node->children != NULL ? g_object_ref (G_LIST_MODEL (node->children)) : NULL;
}

/**
 * shoal_file_node_create_tree_model:
 * @root: the root of a tree
 *
 * Returns: (transfer full): a model of the rows under @root, expanded
 *   when there are few files
 */
GtkTreeListModel *
shoal_file_node_create_tree_model (ShoalFileNode *root)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (root), NULL);
  g_return_val_if_fail (root->files != NULL, NULL);

  /* Expanding everything is what one wants for a few files, and too
   * slow and long to scroll for a torrent of thousands. */
  return gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (root->children)),
                                  FALSE, root->files->len <= 100,
                                  create_children_cb, NULL, NULL);
}

/**
 * shoal_file_node_get_file:
 * @root: the root of a tree
 * @file_index: a file's index in the metainfo
 *
 * Returns: (transfer none) (nullable): the node of that file; %NULL for
 *   a pad file or an index out of range
 */
ShoalFileNode *
shoal_file_node_get_file (ShoalFileNode *root,
                          guint          file_index)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (root), NULL);
  g_return_val_if_fail (root->files != NULL, NULL);

  if (file_index >= root->files->len)
    return NULL;
  return root->files->pdata[file_index];
}

/**
 * shoal_file_node_update_file:
 * @root: the root of a tree
 * @file_index: a file's index in the metainfo
 * @priority: its priority in the torrent
 * @have: how many of its bytes are downloaded
 *
 * Brings a file in line with the torrent; the folders follow on
 * shoal_file_node_update_sums(), so that a whole torrent costs one pass.
 */
void
shoal_file_node_update_file (ShoalFileNode     *root,
                             guint              file_index,
                             ShoalFilePriority  priority,
                             guint64            have)
{
  ShoalFileNode *node = shoal_file_node_get_file (root, file_index);

  if (node == NULL)
    return;
  set_file_state (node, priority);
  set_have (node, have);
}

/**
 * shoal_file_node_update_sums:
 * @root: the root of a tree
 *
 * Recomputes the sums of every folder after shoal_file_node_update_file().
 */
void
shoal_file_node_update_sums (ShoalFileNode *root)
{
  g_return_if_fail (SHOAL_IS_FILE_NODE (root));
  sum_tree (root);
}

/**
 * shoal_file_node_get_children:
 * @self: a node
 *
 * Returns: (transfer none) (nullable): the nodes in a folder, %NULL for
 *   a file
 */
GListModel *
shoal_file_node_get_children (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), NULL);
  return self->children != NULL ? G_LIST_MODEL (self->children) : NULL;
}

const char *
shoal_file_node_get_name (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), NULL);
  return self->name;
}

/**
 * shoal_file_node_set_name:
 * @self: a node
 * @name: its new name, as the torrent's file was renamed
 */
void
shoal_file_node_set_name (ShoalFileNode *self,
                          const char    *name)
{
  g_return_if_fail (SHOAL_IS_FILE_NODE (self));
  g_return_if_fail (name != NULL);

  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * shoal_file_node_get_parent:
 * @self: a node
 *
 * Returns: (transfer none) (nullable): the folder the node is in; %NULL
 *   for the root
 */
ShoalFileNode *
shoal_file_node_get_parent (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), NULL);
  return self->parent;
}

/**
 * shoal_file_node_get_file_index:
 * @self: a node
 *
 * Returns: the file's index in the metainfo, -1 for a folder
 */
int
shoal_file_node_get_file_index (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), -1);
  return self->file_index;
}

guint64
shoal_file_node_get_size (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), 0);
  return self->size;
}

/**
 * shoal_file_node_get_size_wanted:
 * @self: a node
 *
 * Returns: the size of the files under @self that are not skipped
 */
guint64
shoal_file_node_get_size_wanted (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), 0);
  return self->size_wanted;
}

guint64
shoal_file_node_get_have (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), 0);
  return self->have;
}

/**
 * shoal_file_node_get_n_files:
 * @self: a node
 *
 * Returns: how many files are under @self (1 for a file), pad files left out
 */
guint
shoal_file_node_get_n_files (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), 0);
  return self->n_files;
}

guint
shoal_file_node_get_n_skipped (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), 0);
  return self->n_skipped;
}

/**
 * shoal_file_node_get_priority:
 * @self: a node
 *
 * Returns: a #ShoalFilePriority, or %SHOAL_FILE_NODE_PRIORITY_MIXED for
 *   a folder whose files differ
 */
int
shoal_file_node_get_priority (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), SHOAL_FILE_PRIORITY_NORMAL);
  return self->priority;
}

/* Sets the priority of every file under @self; with @only_unskip, makes
 * the skipped ones normal and leaves the others as the user set them. */
static void
set_files_priority (ShoalFileNode *self,
                    int            priority,
                    gboolean       only_unskip)
{
  if (self->children != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->children));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(ShoalFileNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

          set_files_priority (child, priority, only_unskip);
        }
      sum_children (self);
    }
  else if (!only_unskip)
    set_file_state (self, priority);
  else if (self->priority == SHOAL_FILE_PRIORITY_SKIP)
    set_file_state (self, SHOAL_FILE_PRIORITY_NORMAL);
}

static void
change_priority (ShoalFileNode *self,
                 int            priority,
                 gboolean       only_unskip)
{
  set_files_priority (self, priority, only_unskip);
  sum_up (self->parent);
  g_signal_emit (get_root (self), signals[SIGNAL_PRIORITIES_CHANGED], 0);
}

/**
 * shoal_file_node_set_priority:
 * @self: a node
 * @priority: a priority
 *
 * Gives @priority to every file under @self (or to @self, a file).
 */
void
shoal_file_node_set_priority (ShoalFileNode     *self,
                              ShoalFilePriority  priority)
{
  g_return_if_fail (SHOAL_IS_FILE_NODE (self));
  change_priority (self, priority, FALSE);
}

/**
 * shoal_file_node_get_wanted:
 * @self: a node
 *
 * Returns: whether some file under @self (or @self, a file) is not skipped
 */
gboolean
shoal_file_node_get_wanted (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), FALSE);
  return self->n_skipped < self->n_files;
}

/**
 * shoal_file_node_set_wanted:
 * @self: a node
 * @wanted: whether to download the files under it
 *
 * Skips every file under @self, or makes the skipped ones normal and
 * leaves the others' priorities as they are.
 */
void
shoal_file_node_set_wanted (ShoalFileNode *self,
                            gboolean       wanted)
{
  g_return_if_fail (SHOAL_IS_FILE_NODE (self));
  change_priority (self, SHOAL_FILE_PRIORITY_SKIP, wanted);
}

/**
 * shoal_file_node_get_inconsistent:
 * @self: a node
 *
 * Returns: whether some of the files under @self are skipped, not all
 */
gboolean
shoal_file_node_get_inconsistent (ShoalFileNode *self)
{
  g_return_val_if_fail (SHOAL_IS_FILE_NODE (self), FALSE);
  return self->n_skipped > 0 && self->n_skipped < self->n_files;
}
