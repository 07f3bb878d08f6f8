/* shoal-file-row.h: a row of a torrent's file tree
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_FILE_ROW (shoal_file_row_get_type ())

G_DECLARE_FINAL_TYPE (ShoalFileRow, shoal_file_row, SHOAL, FILE_ROW, GtkWidget)

G_END_DECLS
