/* shoal-torrent-row.h: one line of the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-app-torrent.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TORRENT_ROW (shoal_torrent_row_get_type ())

G_DECLARE_FINAL_TYPE (ShoalTorrentRow, shoal_torrent_row, SHOAL, TORRENT_ROW, GObject)

ShoalTorrentRow   *shoal_torrent_row_new         (ShoalAppTorrent *torrent);
ShoalTorrent      *shoal_torrent_row_get_torrent (ShoalTorrentRow *self);
ShoalAppTorrent   *shoal_torrent_row_get_item    (ShoalTorrentRow *self);
const char        *shoal_torrent_row_get_name    (ShoalTorrentRow *self);
const char        *shoal_torrent_row_get_summary_text (ShoalTorrentRow *self);
ShoalTorrentState  shoal_torrent_row_get_state   (ShoalTorrentRow *self);
double             shoal_torrent_row_get_progress (ShoalTorrentRow *self);
gboolean           shoal_torrent_row_refresh     (ShoalTorrentRow *self);

G_END_DECLS
