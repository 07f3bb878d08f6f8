/* shoal-file-node.h: a torrent's files as a tree of folders and files
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

/* The priority of a folder whose files do not all have the same one */
#define SHOAL_FILE_NODE_PRIORITY_MIXED (-1)

#define SHOAL_TYPE_FILE_NODE (shoal_file_node_get_type ())

G_DECLARE_FINAL_TYPE (ShoalFileNode, shoal_file_node, SHOAL, FILE_NODE, GObject)

ShoalFileNode    *shoal_file_node_new_tree          (ShoalMetainfo     *info);
GtkTreeListModel *shoal_file_node_create_tree_model (ShoalFileNode     *root);

ShoalFileNode    *shoal_file_node_get_file          (ShoalFileNode     *root,
                                                     guint              file_index);
void              shoal_file_node_update_file       (ShoalFileNode     *root,
                                                     guint              file_index,
                                                     ShoalFilePriority  priority,
                                                     guint64            have);
void              shoal_file_node_update_sums       (ShoalFileNode     *root);

GListModel       *shoal_file_node_get_children      (ShoalFileNode     *self);
const char       *shoal_file_node_get_name          (ShoalFileNode     *self);
void              shoal_file_node_set_name          (ShoalFileNode     *self,
                                                     const char        *name);
ShoalFileNode    *shoal_file_node_get_parent        (ShoalFileNode     *self);
int               shoal_file_node_get_file_index    (ShoalFileNode     *self);
guint64           shoal_file_node_get_size          (ShoalFileNode     *self);
guint64           shoal_file_node_get_size_wanted   (ShoalFileNode     *self);
guint64           shoal_file_node_get_have          (ShoalFileNode     *self);
guint             shoal_file_node_get_n_files       (ShoalFileNode     *self);
guint             shoal_file_node_get_n_skipped     (ShoalFileNode     *self);
int               shoal_file_node_get_priority      (ShoalFileNode     *self);
void              shoal_file_node_set_priority      (ShoalFileNode     *self,
                                                     ShoalFilePriority  priority);
gboolean          shoal_file_node_get_wanted        (ShoalFileNode     *self);
void              shoal_file_node_set_wanted        (ShoalFileNode     *self,
                                                     gboolean           wanted);
gboolean          shoal_file_node_get_inconsistent  (ShoalFileNode     *self);

G_END_DECLS
