/* shoal-torrent-item.h: the rows of the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-torrent-row.h"

G_BEGIN_DECLS

GtkListItemFactory *shoal_torrent_item_factory_new (void);
ShoalTorrentRow    *shoal_torrent_item_find_row    (GtkWidget *widget);

G_END_DECLS
