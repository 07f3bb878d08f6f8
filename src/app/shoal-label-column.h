/* shoal-label-column.h: list columns of labels that follow their items
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * ShoalLabelColumnFunc:
 * @item: the row's item (for tree columns, the item inside the
 *   #GtkTreeListRow)
 *
 * Returns: (transfer full) (nullable): the text to show for @item
 */
typedef char *(*ShoalLabelColumnFunc) (gpointer item);

GtkColumnViewColumn *shoal_label_column_new (const char           *title,
                                             ShoalLabelColumnFunc  text_func,
                                             ShoalLabelColumnFunc  tooltip_func,
                                             const char * const   *watched_properties,
                                             float                 xalign,
                                             gboolean              tree_rows);

G_END_DECLS
