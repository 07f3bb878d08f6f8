/* shoal-torrent-uri.h: the URIs of a torrent: its data and its magnet link
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "shoal-engine.h"

G_BEGIN_DECLS

char *shoal_torrent_dup_data_uri (ShoalTorrent *torrent);
char *shoal_torrent_dup_magnet   (ShoalTorrent *torrent);

G_END_DECLS
