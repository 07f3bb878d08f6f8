/* shoal-add-file.h: one file of a torrent being added, and its row
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_ADD_FILE (shoal_add_file_get_type ())

G_DECLARE_FINAL_TYPE (ShoalAddFile, shoal_add_file, SHOAL, ADD_FILE, GObject)

ShoalAddFile *shoal_add_file_new        (guint         index,
                                         const char   *path,
                                         guint64       size);
guint         shoal_add_file_get_index  (ShoalAddFile *self);
guint64       shoal_add_file_get_size   (ShoalAddFile *self);
gboolean      shoal_add_file_get_wanted (ShoalAddFile *self);
void          shoal_add_file_set_wanted (ShoalAddFile *self,
                                         gboolean      wanted);

#define SHOAL_TYPE_ADD_FILE_ROW (shoal_add_file_row_get_type ())

G_DECLARE_FINAL_TYPE (ShoalAddFileRow, shoal_add_file_row, SHOAL, ADD_FILE_ROW, GtkWidget)

G_END_DECLS
