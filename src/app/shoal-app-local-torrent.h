/* shoal-app-local-torrent.h: a torrent of this computer's session, for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "shoal-app-torrent.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_APP_LOCAL_TORRENT (shoal_app_local_torrent_get_type ())

G_DECLARE_FINAL_TYPE (ShoalAppLocalTorrent, shoal_app_local_torrent, SHOAL, APP_LOCAL_TORRENT, GObject)

ShoalAppLocalTorrent *shoal_app_local_torrent_new (ShoalTorrent *torrent);

G_END_DECLS
