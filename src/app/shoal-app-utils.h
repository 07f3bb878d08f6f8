/* shoal-app-utils.h: formatting shared by the windows
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-details-util.h"
#include "shoal-engine.h"

G_BEGIN_DECLS

const char *shoal_torrent_state_label (ShoalTorrentState  state);
char       *shoal_torrent_dup_data_uri (ShoalTorrent      *torrent);
char       *shoal_torrent_dup_magnet   (ShoalTorrent      *torrent);

G_END_DECLS
