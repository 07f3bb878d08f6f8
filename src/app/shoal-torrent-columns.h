/* shoal-torrent-columns.h: the cells of the torrent list's columns
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-torrent-row.h"

G_BEGIN_DECLS

typedef enum
{
  SHOAL_TORRENT_COLUMN_NAME,
  SHOAL_TORRENT_COLUMN_SIZE,
  SHOAL_TORRENT_COLUMN_PROGRESS,
  SHOAL_TORRENT_COLUMN_STATUS,
  SHOAL_TORRENT_COLUMN_DOWN,
  SHOAL_TORRENT_COLUMN_UP,
  SHOAL_TORRENT_COLUMN_ETA,
  SHOAL_TORRENT_COLUMN_RATIO,
  SHOAL_TORRENT_COLUMN_PEERS,
  SHOAL_TORRENT_COLUMN_ADDED,
} ShoalTorrentColumn;

GtkListItemFactory *shoal_torrent_column_factory_new (ShoalTorrentColumn  column);
ShoalTorrentRow    *shoal_torrent_columns_find_row   (GtkWidget          *widget);

G_END_DECLS
