/* shoal-torrent-cell.h: a torrent list cell that knows its row
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-torrent-row.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TORRENT_CELL (shoal_torrent_cell_get_type ())

G_DECLARE_FINAL_TYPE (ShoalTorrentCell, shoal_torrent_cell, SHOAL, TORRENT_CELL, GtkWidget)

ShoalTorrentRow *shoal_torrent_cell_get_row  (ShoalTorrentCell *self);
GtkWidget       *shoal_torrent_cell_get_child (ShoalTorrentCell *self);
void             shoal_torrent_cell_set_child (ShoalTorrentCell *self,
                                               GtkWidget        *child);
ShoalTorrentRow *shoal_torrent_cell_find_row (GtkWidget        *widget);

G_END_DECLS
