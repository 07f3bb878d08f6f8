/* shoal-torrent-list.h: the session's torrents as list rows
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-engine.h"
#include "shoal-torrent-row.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TORRENT_LIST (shoal_torrent_list_get_type ())

G_DECLARE_FINAL_TYPE (ShoalTorrentList, shoal_torrent_list, SHOAL, TORRENT_LIST, GObject)

ShoalTorrentList *shoal_torrent_list_new   (GListModel       *torrents);
void              shoal_torrent_list_flush (ShoalTorrentList *self);

G_END_DECLS
