/* shoal-details-util.h: formatting and list columns shared by the details pages
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

char *shoal_format_size          (guint64 bytes);
char *shoal_format_rate          (guint64 bytes_per_second);
char *shoal_format_duration      (gint64  seconds);
char *shoal_format_relative_time (gint64  unix_time,
                                  gint64  now);
char *shoal_format_date          (gint64  unix_time);

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

void shoal_widget_unparent_children (GtkWidget *widget);

G_END_DECLS
